use strict;
use warnings;

use Config;
use Test::More;

# Interpreter threads: a socket used from another thread croaks; the context can be shared
# into a thread, which makes its own sockets that talk to the main thread's over inproc.

BEGIN {
    plan skip_all => 'this perl has no ithreads' unless $Config{useithreads};
    plan skip_all => 'threads.pm is not available' unless eval { require threads; 1 };
}
use threads;
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_PAIR ZMQ_PUSH ZMQ_PULL ZMQ_REQ ZMQ_REP ZMQ_DONTWAIT
    ZMQ_IO_THREADS);
use lib 't/lib';
use ZMQRTest qw(ep timed);

alarm 60;    # hard backstop; joins below also have their own deadline

# Joins $thr, giving up (and failing) after $secs seconds.
sub join_within {
    my ( $thr, $secs, $name ) = @_;
    my $deadline = time + $secs;
    sleep 0.01 until $thr->is_joinable || time > $deadline;
    unless ( $thr->is_joinable ) {
        fail("$name: thread did not finish within ${secs}s");
        $thr->detach;
        return;
    }
    my @r = $thr->join;
    ok( !$thr->error, "$name: thread ended without dying" ) or diag $thr->error;
    return @r;
}

my $ctx = ZMQ::Rust->new;

subtest 'a socket cannot be used from another thread' => sub {
    my $ep   = ep();
    my $main = timed( $ctx->socket(ZMQ_PAIR), 3000 );
    $main->bind($ep);
    my $thr = threads->create( { context => 'list' }, sub {
        my @res;
        for my $call (
            [ send        => sub { $main->send('x') } ],
            [ recv        => sub { $main->recv(ZMQ_DONTWAIT) } ],
            [ bind        => sub { $main->bind('inproc://other') } ],
            [ get_linger  => sub { $main->get_linger } ],
            [ has_pollin  => sub { $main->has_pollin } ],
            [ send_json   => sub { $main->send_json( {} ) } ],
            )
        {
            my $ok = eval { $call->[1]->(); 1 };
            push @res, $call->[0], ( $ok ? 'no croak' : "$@" );
        }
        my $closed = $main->is_closed ? 1 : 0;
        my $close  = eval { $main->close; 1 } ? 'ok' : $@;
        return ( @res, is_closed => $closed, close => $close );
    } );
    my %res = join_within( $thr, 20, 'socket in thread' );
    for my $m (qw(send recv bind get_linger has_pollin send_json)) {
        like( $res{$m} || '', qr/interpreter thread/, "$m in another thread croaks (interpreter thread)" );
    }
    is( $res{is_closed}, 1, 'in the thread the socket reads as closed (inert)' );
    is( $res{close}, 'ok', 'close in the thread is harmless' );

    ok( !$main->is_closed, 'in the main thread it is still open' );
    my $peer = timed( $ctx->socket(ZMQ_PAIR), 3000 );
    $peer->connect($ep);
    $peer->send('still works');
    is( $main->recv, 'still works', 'and works' );
};

subtest 'the context is shared: sockets in a thread talk to the main thread' => sub {
    my $ep   = ep();
    my $main = timed( $ctx->socket(ZMQ_PAIR), 3000 );
    $main->bind($ep);
    my $thr = threads->create( { context => 'list' }, sub {
        my $s = timed( $ctx->socket(ZMQ_PAIR), 3000 );
        $s->connect($ep);
        $s->send('hello from the thread');
        my $reply = eval { $s->recv } // "error: $@";
        $s->send_multipart( [ 'multi', 'part' ] );
        my $io = $ctx->get(ZMQ_IO_THREADS);
        $s->close;
        return ( $reply, $io );
    } );
    is( $main->recv, 'hello from the thread', 'the main thread hears the thread' );
    $main->send('hello back');
    is_deeply( [ $main->recv_multipart ], [ 'multi', 'part' ], 'multipart from the thread' );
    my ( $reply, $io ) = join_within( $thr, 20, 'shared context' );
    is( $reply, 'hello back', 'the thread hears the main thread' );
    is( $io, $ctx->get(ZMQ_IO_THREADS), 'the thread reads the same context options' );
};

subtest 'several threads, a PUSH in each' => sub {
    my $ep   = ep();
    my $pull = timed( $ctx->socket(ZMQ_PULL), 3000 );
    $pull->bind($ep);
    my @thr = map {
        my $id = $_;
        threads->create( sub {
            my $push = timed( $ctx->socket(ZMQ_PUSH), 3000 );
            $push->connect($ep);
            $push->send("t$id m$_") for 1 .. 10;
            $push->set_linger(2000);    # make sure everything is delivered before close
            $push->close;
            return 1;
        } );
    } 1 .. 3;
    my @got;
    my $deadline = time + 20;
    while ( @got < 30 && time < $deadline ) {
        my @m = eval { $pull->recv };
        push @got, @m;
    }
    join_within( $_, 20, 'pusher' ) for @thr;
    is( scalar @got, 30, '30 messages from 3 threads' );
    for my $id ( 1 .. 3 ) {
        is_deeply( [ grep {/^t$id /} @got ], [ map {"t$id m$_"} 1 .. 10 ], "thread $id: all, in order" );
    }
};

subtest 'a thread that leaves its sockets open' => sub {
    my $ep  = ep();
    my $rep = timed( $ctx->socket(ZMQ_REP), 3000 );
    $rep->bind($ep);
    my $thr = threads->create( sub {
        my $req = timed( $ctx->socket(ZMQ_REQ), 3000 );
        $req->connect($ep);
        $req->send('ping');
        my $r = eval { $req->recv } // '';
        return $r;    # $req is freed with the thread
    } );
    is( $rep->recv, 'ping', 'request from the thread' );
    $rep->send('pong');
    my ($r) = join_within( $thr, 20, 'open sockets' );
    is( $r, 'pong', 'the thread got the reply' );
};

subtest 'destroy in a thread lets go of its copy only' => sub {
    my $ep   = ep();
    my $pull = timed( $ctx->socket(ZMQ_PULL), 3000 );    # stays open in the main thread
    $pull->bind($ep);
    my $thr = threads->create( { context => 'list' }, sub {
        my $push = timed( $ctx->socket(ZMQ_PUSH), 3000 );
        $push->connect($ep);
        $push->send('before destroy');
        my $t0 = time;
        $ctx->destroy;    # must not wait for the main thread's open PULL
        return ( time - $t0, $push->is_closed ? 1 : 0 );
    } );
    my ( $secs, $closed ) = join_within( $thr, 20, 'destroy in thread' );
    ok( defined $secs && $secs < 2, 'returned promptly' );
    ok( $closed, "it closed the thread's own socket" );
    is( $pull->recv, 'before destroy', 'the main thread still receives' );
    ok( !$ctx->is_destroyed, 'the main thread\'s context is untouched' );
    $pull->close;
};

subtest 'destroy in the main thread after the threads' => sub {
    my $t0 = time;
    $ctx->destroy;
    ok( $ctx->is_destroyed, 'destroyed' );
    cmp_ok( time - $t0, '<', 10, 'promptly: no socket of a finished thread is left open' );
};

done_testing;
