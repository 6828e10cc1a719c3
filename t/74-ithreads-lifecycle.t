use strict;
use warnings;

use Config;
use Test::More;
use lib 't/lib';
use ZMQRTest qw(run_checks);

# Interpreter threads over a whole program's life: a context shared by many threads, sockets
# made and closed in bulk, sockets cloned into threads (they croak), and destroy at the end.
# Each scenario runs in a subprocess with a hard timeout. t/71-threads.t covers the basics
# (main <-> thread over inproc, several PUSH threads, destroy inside a thread).

BEGIN {
    plan skip_all => 'this perl has no ithreads (useithreads is not set)' unless $Config{useithreads};
    plan skip_all => 'threads.pm is not available' unless eval { require threads; 1 };
}

alarm 120;    # backstop for this process; every scenario has its own, shorter timeout

my $COMMON = sprintf( qq{#line %d "%s"\n}, __LINE__ + 1, __FILE__ ) . <<'COMMON';
use threads;

# Joins $thr within $secs; returns its results, or () after a failed check.
sub joined {
    my ( $thr, $secs, $name ) = @_;
    my $until = time + $secs;
    sleep 0.01 until $thr->is_joinable || time > $until;
    unless ( $thr->is_joinable ) {
        check( 0, "$name: thread finished within ${secs}s" );
        $thr->detach;
        return;
    }
    my @r = $thr->join;
    check( !$thr->error, "$name: thread did not die", $thr->error );
    return wantarray ? @r : $r[0];
}
COMMON

my %OPT = ( prelude => $COMMON, perl_args => ['-Mthreads'], timeout => 15 );

run_checks( 'inproc between threads, the main thread only watching', <<'CODE', %OPT );
my $ctx = ZMQ::Rust->new;

# Clients connect before the hub binds (inproc allows it), then talk to it thread to thread.
my @clients = map {
    my $id = $_;
    threads->create( sub {
        my $d = sock( $ctx, ZMQ_DEALER, 5000 );
        $d->set_identity("client$id");
        $d->connect('inproc://hub');
        my $ok = 0;
        for my $i ( 1 .. 50 ) {
            $d->send_multipart( [ '', "c$id q$i" ] );
            my @r = eval { $d->recv_multipart };
            $ok++ if "@r" eq " c$id a$i";
        }
        $d->close;
        return $ok;
    } );
} 1 .. 4;
my $hub = threads->create( sub {
    sleep 0.1;
    my $r = sock( $ctx, ZMQ_ROUTER, 5000 );
    $r->bind('inproc://hub');
    my %seen;
    for ( 1 .. 200 ) {
        my ( $who, $empty, $q ) = eval { $r->recv_multipart };
        last unless defined $q;
        $seen{$who}++;
        ( my $answer = $q ) =~ s/ q/ a/;
        $r->send_multipart( [ $who, "", $answer ] );
    }
    sleep 0.1;    # let the last replies be read before the ROUTER goes
    return join ',', map {"$_=$seen{$_}"} sort keys %seen;
} );
my @ok = map { scalar joined( $_, 12, 'client' ) } @clients;
check_is( "@ok", '50 50 50 50', 'every client got its 50 answers, in order' );
check_is( scalar joined( $hub, 12, 'hub' ), 'client1=50,client2=50,client3=50,client4=50', 'the hub served every client' );

# A pipeline through two threads: main PUSH -> t1 -> t2 -> main PULL.
my $out = sock( $ctx, ZMQ_PUSH, 5000 );
$out->bind('inproc://stage0');
my $in = sock( $ctx, ZMQ_PULL, 5000 );
$in->bind('inproc://stage2');
my @stages = map {
    my $n = $_;
    threads->create( sub {
        my $pull = sock( $ctx, ZMQ_PULL, 5000 );
        $pull->connect( 'inproc://stage' . ( $n - 1 ) );
        my $push = sock( $ctx, ZMQ_PUSH, 5000 );
        $push->connect("inproc://stage$n") if $n == 2;
        $push->bind("inproc://stage$n")    if $n == 1;
        for ( 1 .. 300 ) {
            my $m = eval { $pull->recv };
            last unless defined $m;
            $push->send("$m+t$n");
        }
        return 1;
    } );
} 1 .. 2;
$out->send("m$_") for 1 .. 300;
my @got = map { scalar eval { $in->recv } } 1 .. 300;
check_is( join( ' ', map { $_ // 'undef' } @got[ 0, 299 ] ), 'm1+t1+t2 m300+t1+t2', 'through both stages' );
check( ( grep { defined && /^m\d+\+t1\+t2$/ } @got ) == 300, 'all 300 arrived' );
joined( $_, 10, 'stage' ) for @stages;
my $t0 = time;
$ctx->destroy;
check( time - $t0 < 1, 'destroy after the joins returns promptly', time - $t0 );
CODE

run_checks( 'many threads creating and closing sockets', <<'CODE', %OPT );
my $ctx = ZMQ::Rust->new( threads => 2 );
my $sink = sock( $ctx, ZMQ_PULL, 5000 );
$sink->bind('inproc://sink');

my @thr = map {
    my $id = $_;
    threads->create( sub {
        my $n = 0;
        for my $i ( 1 .. 100 ) {
            my $ep = "inproc://t$id-$i";
            my $x  = sock( $ctx, ZMQ_PAIR, 3000 );
            $x->bind($ep);
            my $y = sock( $ctx, ZMQ_PAIR, 3000 );
            $y->connect($ep);
            $x->send("$id.$i");
            $n++ if ( eval { $y->recv } // '' ) eq "$id.$i";
            next if $i % 10 == 0;    # every tenth pair is just dropped (freed unclosed)
            $x->close;
            $y->close;
        }
        # Now and then over tcp too: listeners and connections made and torn down.
        for my $i ( 1 .. 5 ) {
            my ( $x, $y ) = bind_connect_at( $ctx, 'tcp://127.0.0.1:*', ZMQ_PAIR, ZMQ_PAIR, 3000 );
            $x->send("tcp $i");
            $n++ if ( eval { $y->recv } // '' ) eq "tcp $i";
            $_->close for $x, $y;
        }
        my $p = sock( $ctx, ZMQ_PUSH, 3000 );
        $p->connect('inproc://sink');
        $p->send("done $id");
        return $n;    # $p is left open: freed with the thread
    } );
} 1 .. 6;

my @n = map { scalar joined( $_, 12, "thread" ) } @thr;
check_is( "@n", join( ' ', (105) x 6 ), 'every thread made and used all its sockets' );
my %done = map { ( eval { $sink->recv } // '' ) => 1 } 1 .. 6;
check_is( join( ',', sort keys %done ), join( ',', map {"done $_"} 1 .. 6 ), 'each thread\'s last message arrived' );

# Short-lived threads, one after another, each leaving a socket to the thread's end.
for my $i ( 1 .. 20 ) {
    threads->create( sub {
        my $p = $ctx->socket(ZMQ_PUSH);
        $p->connect('inproc://sink');
        $p->send("short $i");
    } )->join;
}
my @short = map { scalar eval { $sink->recv } } 1 .. 20;
check_is( join( ' ', map { $_ // 'undef' } @short ), join( ' ', map {"short $_"} 1 .. 20 ), '20 short-lived threads' );

my ( $x, $y ) = bind_connect( $ctx, ZMQ_PAIR, ZMQ_PAIR );
$x->send('still fine');
check_is( scalar eval { $y->recv }, 'still fine', 'the main thread\'s context still works' );
my $t0 = time;
$ctx->destroy;
check( time - $t0 < 1, 'destroy returns promptly: nothing of the threads is left open', time - $t0 );
check( $x->is_closed && $y->is_closed && $sink->is_closed, 'destroy closed the main thread\'s sockets' );
CODE

run_checks( 'a socket cloned into another thread croaks clearly', <<'CODE', %OPT );
my $ctx = ZMQ::Rust->new;
my ( $m, $peer, $ep ) = bind_connect( $ctx, ZMQ_PAIR, ZMQ_PAIR );
my $sub  = sock( $ctx, ZMQ_SUB );
my $pull = sock( $ctx, ZMQ_PULL );
$pull->bind('inproc://threads-own');
my $MSG = qr/^ZMQ::Rust: a socket cannot be used from an interpreter thread other than the one that created it; create sockets in each thread from the shared context at \S+ line \d+/;

my $thr = threads->create( { context => 'list' }, sub {
    my %calls = (
        send           => sub { $m->send('x') },
        send_multipart => sub { $m->send_multipart( [ 'a', 'b' ] ) },
        recv           => sub { $m->recv(ZMQ_DONTWAIT) },
        recv_multipart => sub { $m->recv_multipart(ZMQ_DONTWAIT) },
        bind           => sub { $m->bind('inproc://elsewhere') },
        connect        => sub { $m->connect('inproc://elsewhere') },
        unbind         => sub { $m->unbind($ep) },
        disconnect     => sub { $m->disconnect($ep) },
        get            => sub { $m->get( ZMQ_RCVTIMEO, 'int' ) },
        set            => sub { $m->set( ZMQ_RCVTIMEO, 'int', 5 ) },
        set_linger     => sub { $m->set_linger(0) },
        get_identity   => sub { $m->get_identity },
        last_endpoint  => sub { $m->last_endpoint },
        get_fd         => sub { $m->get_fd },
        has_pollout    => sub { $m->has_pollout },
        subscribe      => sub { $sub->subscribe('x') },
        monitor        => sub { $m->monitor('inproc://mon') },
        recv_json      => sub { $m->recv_json(ZMQ_DONTWAIT) },
        send_as        => sub { $m->send_as( json => [1] ) },
        proxy          => sub { $ctx->proxy( $m, $peer ) },
    );
    my @res;
    for my $name ( sort keys %calls ) {
        my $ok = eval { $calls{$name}->(); 1 };
        push @res, [ $name, $ok ? 'no croak' : "$@" ];
    }
    my @poll_w;
    my $poll_ok = eval {
        local $SIG{__WARN__} = sub { push @poll_w, @_ };
        ZMQ::Rust::poll( [ { socket => $m, events => ZMQ_POLLIN } ], 0 );
        1;
    };
    push @res, [ 'poll', $poll_ok ? 'no croak' . ( @poll_w ? ": warned @poll_w" : '' ) : "$@" ];
    my $inert = join ',', ( $m->is_closed ? 1 : 0 ), ( defined $m->context ? 'ctx' : 'no ctx' ), $m->type;
    my $close = eval { $m->close; 1 } ? 'ok' : "$@";
    # The thread's own socket from the shared context is fine.
    my $own = sock( $ctx, ZMQ_PUSH );
    $own->connect('inproc://threads-own');
    $own->send('from the thread\'s own socket');
    return ( \@res, $inert, $close );
} );
my ( $res, $inert, $close ) = joined( $thr, 10, 'cloned' );
my %res = map { @$_ } @{ $res || [] };
for my $name ( sort grep { $_ ne 'poll' } keys %res ) {
    check( $res{$name} =~ $MSG, "$name croaks, naming the problem and the fix", $res{$name} );
}
# poll must refuse a clone as loudly as every other method does (not take it for closed).
check( ( $res{poll} // '' ) =~ $MSG, 'poll with it croaks too', $res{poll} );
check_is( $inert, '1,no ctx,' . ZMQ_PAIR, 'in the thread the clone reads as closed, without context, with its type' );
check_is( $close, 'ok', 'close on the clone is harmless' );
check( !$m->is_closed, 'the original is open' );
check_is( scalar eval { $pull->recv }, 'from the thread\'s own socket', 'the thread\'s own socket was heard' );
$peer->send('still here');
check_is( scalar eval { $m->recv }, 'still here', 'and its peer' );

# A socket handed back from a thread (join clones it): the original went with the thread.
my ($back) = threads->create( sub {
    my $s = $ctx->socket(ZMQ_PUSH);
    $s->connect('inproc://threads-own');
    $s->send('sent before returning');
    return $s;
} )->join;
check( ref $back eq 'ZMQ::Rust::Socket', 'a socket can be returned from a thread' );
check( $back->is_closed, 'it reads as closed in the main thread' );
my $ok = eval { $back->send('x'); 1 };
check( !$ok && $@ =~ $MSG, 'using it croaks clearly', $@ );
check_is( scalar eval { $pull->recv }, 'sent before returning', 'what it sent in its thread arrived' );

# A socket passed to a thread as an argument is a clone too.
my ($arg) = threads->create( sub { my ($s) = @_; return eval { $s->send('x'); 1 } ? 'no croak' : "$@" }, $m )->join;
check( $arg =~ $MSG, 'a socket passed as a thread argument croaks there', $arg );
$ctx->destroy;
CODE

run_checks( 'destroy in the main thread', <<'CODE', %OPT );
my $ctx = ZMQ::Rust->new( linger => 500 );
my $pull = sock( $ctx, ZMQ_PULL, 5000 );
$pull->bind('tcp://127.0.0.1:*');
my $ep = $pull->last_endpoint;

# Threads that used tcp and inproc, closing some sockets and leaving others to the thread's end.
my @thr = map {
    my $id = $_;
    threads->create( sub {
        my $p = sock( $ctx, ZMQ_PUSH, 3000 );
        $p->connect($ep);
        $p->send("t$id m$_") for 1 .. 20;
        my $pair = sock( $ctx, ZMQ_PAIR );
        $pair->bind("inproc://left-open-$id");
        $p->close if $id % 2;
        return 1;
    } );
} 1 .. 4;
joined( $_, 10, 'sender' ) for @thr;
my @got;
while ( defined( my $m = eval { $pull->recv } ) ) {
    push @got, $m;
    last if @got == 80;
}
check_is( scalar @got, 80, 'every message of the threads arrived' );

my $t0 = time;
$ctx->destroy;
my $secs = time - $t0;
check( $secs < 1, 'destroy after the threads were joined returns promptly', $secs );
check( $ctx->is_destroyed && $pull->is_closed, 'destroyed, sockets closed' );

# A thread still blocked in recv when the main thread destroys: its call fails with ETERM,
# it closes its socket, and destroy returns.
my $c2 = ZMQ::Rust->new;
my $waiting = threads->create( sub {
    my $s = $c2->socket(ZMQ_PULL);    # no timeout
    $s->bind('inproc://nobody-sends');
    my $ok  = eval { $s->recv; 1 };
    my $err = $@;
    $s->close;
    return $ok ? 'recv returned' : ref $err && $err->errno == ETERM ? 'ETERM' : "other: $err";
} );
sleep 0.3;
$t0 = time;
$c2->destroy;
$secs = time - $t0;
check( $secs < 2, 'destroy with a thread blocked in recv returns promptly', $secs );
check_is( scalar joined( $waiting, 5, 'blocked' ), 'ETERM', 'the blocked recv failed with ETERM' );
CODE

done_testing;
