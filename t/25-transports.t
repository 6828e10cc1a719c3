use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL EADDRINUSE ENOENT ENAMETOOLONG);
use File::Basename qw(dirname);
use Time::HiRes qw(sleep);
use ZMQ::Rust qw(:all);
use lib 't/lib';
use ZMQRTest qw(sock caught ipc_dir ipc_ep any_ep bind_connect_at bind_retry gen_bytes wait_for drain_parts);

# ZMQ::Rust to ZMQ::Rust over tcp:// and ipc://: every socket pair both ways round, ephemeral
# tcp ports, ipc://* and abstract names, unbind and re-bind, reconnecting to a restarted
# binder, and malformed or unavailable endpoints (errno and message as libzmq 4.3.4 gives
# them, checked against it).

$SIG{ALRM} = sub { die "t/25-transports.t: 90 s backstop alarm\n" };
alarm 90;    # backstop; every receive below has RCVTIMEO or DONTWAIT

my $ctx = ZMQ::Rust->new;
my $MS  = 3000;

sub frames_are {
    my ( $got, $want, $name ) = @_;
    my $show = sub { join ' | ', map { length > 20 ? substr( $_, 0, 12 ) . '..(' . length() . ')' : $_ } @{ $_[0] || [] } };
    my $ok = $got && @$got == @$want && !grep { $got->[$_] ne $want->[$_] } 0 .. $#$want;
    ok( $ok, $name ) or diag( "     got: " . ( $got ? $show->($got) : 'undef' ) . "\nexpected: " . $show->($want) );
    return $ok;
}

sub recv_m {
    my ($s) = @_;
    my @m = eval { $s->recv_multipart };
    diag("recv: $@") if $@;
    return $@ ? undef : \@m;
}

# ROUTER_MANDATORY send: retried while the peer is not connected yet (EHOSTUNREACH).
sub send_routed {
    my ( $s, $frames ) = @_;
    return wait_for( sub { eval { $s->send_multipart($frames); 1 } }, $MS );
}

# Receives on $s while calling into @others: as in libzmq, a socket replays its subscriptions
# to a new connection when the application calls into it, so a subscriber must be serviced.
sub recv_serviced {
    my ( $s, @others ) = @_;
    return wait_for(
        sub { $_->has_pollin for @others; my @m = eval { $s->recv_multipart(ZMQ_DONTWAIT) }; @m ? \@m : undef },
        $MS );
}

# Sends with $send until $sub receives something (the subscription has arrived).
sub until_subscribed {
    my ( $send, $sub ) = @_;
    return wait_for( sub { $send->(); my @m = eval { $sub->recv_multipart(ZMQ_DONTWAIT) }; @m ? \@m : undef }, $MS );
}

my @M = ( 'multi', '', gen_bytes( 300, 1 ) );    # a multipart message with a LONG frame
my $BIG = gen_bytes( 1 << 20, 2 );

# -- every socket pair ------------------------------------------------------------------------
# [ type A, type B, exchange($a, $b), options for A, options for B ]

my @PAIRS = (
    [ PAIR => PAIR => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart( \@M );
        frames_are( recv_m($b), \@M, 'A to B' );
        $b->send($BIG);
        frames_are( recv_m($a), [$BIG], 'B to A: 1 MiB' );
    } ],
    [ PUSH => PULL => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart($_) for \@M, [$BIG];
        frames_are( recv_m($b), \@M,     'multipart' );
        frames_are( recv_m($b), [$BIG], '1 MiB' );
    } ],
    [ PUB => SUB => sub {
        my ( $a, $b ) = @_;
        $b->subscribe('A');
        ok( until_subscribed( sub { $a->send('A-warm') }, $b ), 'subscription reaches the PUB' );
        $a->send_multipart($_) for [ 'B', 'x' ], [ 'A', @M ];
        my $m;
        1 while ( $m = recv_m($b) ) && $m->[0] eq 'A-warm';    # warm-ups still in flight
        frames_are( $m, [ 'A', @M ], 'only the subscribed topic' );
    } ],
    [ XPUB => XSUB => sub {
        my ( $a, $b ) = @_;
        $b->send("\x01A");
        frames_are( recv_serviced( $a, $b ), ["\x01A"], 'XPUB sees the subscription' );
        $a->send_multipart($_) for [ 'B', 'x' ], [ 'A', @M ];
        frames_are( recv_m($b), [ 'A', @M ], 'XSUB gets the subscribed topic only' );
        $b->send("\x00A");
        frames_are( recv_m($a), ["\x00A"], 'XPUB sees the unsubscription' );
    } ],
    [ XPUB => SUB => sub {
        my ( $a, $b ) = @_;
        $b->subscribe( 'T' x 255 );
        frames_are( recv_serviced( $a, $b ), [ "\x01" . 'T' x 255 ], 'XPUB sees a 255-byte SUBSCRIBE' );
        $b->unsubscribe( 'T' x 255 );
        frames_are( recv_m($a), [ "\x00" . 'T' x 255 ], 'XPUB sees the CANCEL' );
    } ],
    [ PUB => XSUB => sub {
        my ( $a, $b ) = @_;
        $b->send("\x01A");
        my $m = until_subscribed( sub { $a->send_multipart( [ 'A', @M ] ) }, $b );
        frames_are( $m, [ 'A', @M ], 'XSUB subscription filters at the PUB' );
    } ],
    [ REQ => REP => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart( \@M );
        frames_are( recv_m($b), \@M, 'request' );
        $b->send_multipart( [ 'r', @M ] );
        frames_are( recv_m($a), [ 'r', @M ], 'reply' );
    } ],
    [ REQ => ROUTER => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart( \@M );
        frames_are( recv_m($b), [ 'Q1', '', @M ], 'ROUTER sees [identity, delimiter, body]' );
        $b->send_multipart( [ 'Q1', '', 'r' ] );
        frames_are( recv_m($a), ['r'], 'reply through the envelope' );
    }, { id => 'Q1' } ],
    [ DEALER => REP => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart( [ '', @M ] );
        frames_are( recv_m($b), \@M, 'REP strips the delimiter' );
        $b->send('r');
        frames_are( recv_m($a), [ '', 'r' ], 'DEALER gets the delimiter back' );
    } ],
    [ DEALER => ROUTER => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart( \@M );
        frames_are( recv_m($b), [ 'D1', @M ], "ROUTER sees the DEALER's identity" );
        $b->send_multipart( [ 'D1', 'r', $BIG ] );
        frames_are( recv_m($a), [ 'r', $BIG ], 'routed back (1 MiB)' );
    }, { id => 'D1' } ],
    [ DEALER => DEALER => sub {
        my ( $a, $b ) = @_;
        $a->send_multipart( \@M );
        frames_are( recv_m($b), \@M, 'A to B' );
        $b->send_multipart( \@M );
        frames_are( recv_m($a), \@M, 'B to A' );
    } ],
    [ ROUTER => ROUTER => sub {
        my ( $a, $b ) = @_;
        ok( send_routed( $a, [ 'R2', @M ] ), 'R1 routes to R2 once connected' );
        frames_are( recv_m($b), [ 'R1', @M ], 'R2 sees R1' );
        $b->send_multipart( [ 'R1', 'r' ] );
        frames_are( recv_m($a), [ 'R2', 'r' ], 'R1 sees R2' );
    }, { id => 'R1', mandatory => 1 }, { id => 'R2', mandatory => 1 } ],
);

sub make {
    my ( $type, $opt ) = @_;
    my $s = sock( $ctx, $type, $MS );
    $s->set_identity( $opt->{id} ) if $opt && $opt->{id};
    $s->set( ZMQ_ROUTER_MANDATORY, 'int', 1 ) if $opt && $opt->{mandatory};
    return $s;
}

for my $pair (@PAIRS) {
    my ( $ta, $tb, $exchange, $oa, $ob ) = @$pair;
    for my $tr (qw(tcp ipc)) {
        for my $a_binds ( 1, 0 ) {
            subtest "$ta - $tb over $tr, $ta " . ( $a_binds ? 'binds' : 'connects' ) => sub {
                my $a = make( $ta, $oa );
                my $b = make( $tb, $ob );
                my ( $binder, $connecter ) = $a_binds ? ( $a, $b ) : ( $b, $a );
                $binder->bind( any_ep($tr) );
                $connecter->connect( $binder->last_endpoint );
                $exchange->( $a, $b );
                $_->close for $a, $b;
            };
        }
    }
}

# -- endpoints ----------------------------------------------------------------------------------

subtest 'tcp://127.0.0.1:* binds an ephemeral port; last_endpoint gives it' => sub {
    my $pull = sock( $ctx, ZMQ_PULL, $MS );
    $pull->bind('tcp://127.0.0.1:*');
    my $ep = $pull->last_endpoint;
    like( $ep, qr{^tcp://127\.0\.0\.1:(\d+)$}, "last_endpoint is real: $ep" );
    my ($port) = $ep =~ /:(\d+)$/;
    ok( $port > 0 && $port < 65536, 'a real port number' );
    is( $pull->get( ZMQ_LAST_ENDPOINT, 'string' ), $ep, 'the same as ZMQ_LAST_ENDPOINT' );

    my $other = sock( $ctx, ZMQ_PULL, $MS );
    $other->bind('tcp://127.0.0.1:*');
    isnt( $other->last_endpoint, $ep, 'another wildcard bind gets another port' );

    my $push = sock( $ctx, ZMQ_PUSH, $MS );
    $push->connect($ep);
    is( $push->last_endpoint, $ep, 'connect: last_endpoint is the endpoint connected to' );
    $push->send('to the ephemeral port');
    is( $pull->recv, 'to the ephemeral port', 'a message reaches it' );

    my ($err) = caught( sub { $pull->unbind('tcp://127.0.0.1:*') } );
    is( ref $err && $err->errno, ENOENT, 'unbind of the wildcard string: ENOENT (use last_endpoint)' );
    ok( $pull->unbind($ep), 'unbind of last_endpoint works' );

    my $any = sock( $ctx, ZMQ_PULL, $MS );
    $any->bind('tcp://*:*');
    like( $any->last_endpoint, qr{^tcp://0\.0\.0\.0:\d+$}, 'tcp://*:* reports 0.0.0.0 and the port' );
    my ($any_port) = $any->last_endpoint =~ /:(\d+)$/;
    my $push2 = sock( $ctx, ZMQ_PUSH, $MS );
    $push2->connect("tcp://127.0.0.1:$any_port");
    $push2->send('via loopback');
    is( $any->recv, 'via loopback', 'reachable through 127.0.0.1' );

    $any->bind('tcp://127.0.0.1:*');
    isnt( $any->last_endpoint, "tcp://0.0.0.0:$any_port", 'a second bind: last_endpoint is the newest' );
    $_->close for $pull, $other, $push, $any, $push2;
};

subtest 'ipc://* binds a fresh private path' => sub {
    my $dir = ipc_dir();
    local $ENV{TMPDIR} = $dir;
    my $pull = sock( $ctx, ZMQ_PULL, $MS );
    $pull->bind('ipc://*');
    my $ep = $pull->last_endpoint;
    like( $ep, qr{^ipc://\Q$dir\E/tmp[^/]{6}/socket$}, "a mkdtemp directory under TMPDIR: $ep" );
    ( my $path = $ep ) =~ s{^ipc://}{};
    ok( -S $path, 'the socket file exists' );

    my $other = sock( $ctx, ZMQ_PULL, $MS );
    $other->bind('ipc://*');
    isnt( $other->last_endpoint, $ep, 'another ipc://* gets another path' );

    my $push = sock( $ctx, ZMQ_PUSH, $MS );
    $push->connect($ep);
    $push->send_multipart( \@M );
    frames_are( recv_m($pull), \@M, 'a message reaches it' );

    my ($err) = caught( sub { $push->connect('ipc://*') } );
    is( ref $err && $err->errno, EINVAL, 'connect to ipc://*: EINVAL' );

    $pull->close;
    ok( wait_for( sub { !-e $path && !-e dirname($path) }, 2000 ), 'closing removes the socket and its private directory' );
    $_->close for $other, $push;
};

SKIP: {
    skip 'abstract ipc names exist only on Linux', 1 unless $^O eq 'linux';
    subtest 'ipc://@name (Linux abstract namespace)' => sub {
        my $ep   = "ipc://\@zmqr-25-$$-" . int( rand 1e9 );
        my $pull = sock( $ctx, ZMQ_PULL, $MS );
        $pull->bind($ep);
        is( $pull->last_endpoint, $ep, 'last_endpoint is the abstract name' );
        ok( !-e substr( $ep, 6 ), 'no file is created' );
        my $push = sock( $ctx, ZMQ_PUSH, $MS );
        $push->connect($ep);
        $push->send_multipart( \@M );
        frames_are( recv_m($pull), \@M, 'a message reaches it' );

        my $other = sock( $ctx, ZMQ_PULL, $MS );
        my ($err) = caught( sub { $other->bind($ep) } );
        like( $err, qr/^zmq_bind: Address already in use/, 'a name in use: EADDRINUSE (as in libzmq)' );
        is( ref $err && $err->errno, EADDRINUSE, '... errno EADDRINUSE' );

        ok( $pull->unbind($ep), 'unbind' );
        ok( eval { $other->bind($ep); 1 }, 'the name is free again at once, for another socket' ) or diag $@;
        $_->close for $pull, $push, $other;
    };
}

for my $tr (qw(tcp ipc)) {
    subtest "unbind, then bind the same $tr address again" => sub {
        my $bound = sock( $ctx, ZMQ_DEALER, $MS );
        $bound->bind( any_ep($tr) );
        my $ep = $bound->last_endpoint;
        my $peer = sock( $ctx, ZMQ_DEALER, $MS );
        $peer->connect($ep);
        $peer->send('one');
        is( $bound->recv, 'one', 'before the unbind' );

        ok( $bound->unbind($ep), 'unbind' );
        my ($err) = caught( sub { $bound->unbind($ep) } );
        is( ref $err && $err->errno, ENOENT, 'a second unbind: ENOENT' );
        ok( !-e substr( $ep, 6 ), 'ipc: the socket file is gone' ) if $tr eq 'ipc';

        ok( eval { $bound->bind($ep); 1 }, 'bind the same address at once' ) or diag $@;
        $peer->send('two');
        is( eval { $bound->recv }, 'two', 'the connecter reconnects to it' );
        $bound->send('back');
        is( eval { $peer->recv }, 'back', 'and both ways' );
        $_->close for $bound, $peer;
    };
}

# libzmq's unbind terminates the listener and with it the sessions it accepted (they are its
# children): the connections made through the endpoint close, their peers reconnect, and the
# unbound socket gets nothing more from them (zmq_unbind(3): the endpoint's queue is discarded).
for my $tr (qw(tcp ipc)) {
    subtest "unbind closes the connections accepted through the endpoint ($tr)" => sub {
        my $old = sock( $ctx, ZMQ_PULL, $MS );
        $old->bind( any_ep($tr) );
        my $ep   = $old->last_endpoint;
        my $push = sock( $ctx, ZMQ_PUSH, $MS );
        $push->connect($ep);
        $push->send('before');
        is( $old->recv, 'before', 'before the unbind' );
        $old->unbind($ep);
        my $new = sock( $ctx, ZMQ_PULL, $MS );
        ok( bind_retry( $new, $ep ), 'another socket binds the address' );
        my $i = 0;
        my $moved = wait_for( sub { $push->send( 'm' . ++$i, ZMQ_DONTWAIT ); eval { $new->recv(ZMQ_DONTWAIT) } }, 1500 );
        my $stale = drain_parts($old);
        # Engine bug: IoCommand::Unbind (rust/core/src/io/mod.rs) removes the listener only, so
        # the accepted connection stays up and keeps feeding the unbound socket. Measured with
        # libzmq 4.3.4: after zmq_unbind nothing more reaches the old socket.
      TODO: {
            ok( $moved, 'the connecter reaches the new binder' );
            is( scalar @$stale, 0, 'the unbound socket receives nothing sent after the unbind' );
        }
        $_->close for $old, $new, $push;
    };
}

for my $tr (qw(tcp ipc)) {
    subtest "reconnect when the binding socket is replaced ($tr)" => sub {
        my $pull = sock( $ctx, ZMQ_PULL, $MS );
        $pull->bind( any_ep($tr) );
        my $ep   = $pull->last_endpoint;
        my $push = sock( $ctx, ZMQ_PUSH, $MS );
        $push->connect($ep);
        $push->send('before');
        is( $pull->recv, 'before', 'first binder' );
        $pull->close;

        # An ipc listener unlinks its path when its close completes, asynchronously (libzmq
        # too): a new socket bound before that would lose its file. Wait for it to go.
        ok( wait_for( sub { !-e substr( $ep, 6 ) } ), 'the old ipc socket file is removed' ) if $tr eq 'ipc';
        my $pull2 = sock( $ctx, ZMQ_PULL, $MS );
        ok( bind_retry( $pull2, $ep ), 'a new socket binds the address (close frees it asynchronously, as in libzmq)' );
        $push->send("after$_") for 1 .. 5;
        is_deeply( [ map { eval { $pull2->recv } } 1 .. 5 ], [ map {"after$_"} 1 .. 5 ], 'everything sent after the restart, in order' );
        sleep 0.1;
        is_deeply( drain_parts($pull2), [], 'nothing duplicated' );

        my $router = sock( $ctx, ZMQ_ROUTER, $MS );
        $router->bind( any_ep($tr) );
        my $rep  = $router->last_endpoint;
        my $deal = sock( $ctx, ZMQ_DEALER, $MS );
        $deal->set_identity('D1');
        $deal->connect($rep);
        $deal->send('hello');
        frames_are( recv_m($router), [ 'D1', 'hello' ], 'first ROUTER sees D1' );
        $router->close;
        ok( wait_for( sub { !-e substr( $rep, 6 ) } ), 'the old ipc socket file is removed' ) if $tr eq 'ipc';
        my $router2 = sock( $ctx, ZMQ_ROUTER, $MS );
        ok( bind_retry( $router2, $rep ), 'a new ROUTER binds the address' );
        $deal->send('again');
        frames_are( recv_m($router2), [ 'D1', 'again' ], 'the new ROUTER sees the identity again' );
        $router2->send_multipart( [ 'D1', 'reply' ] );
        is( eval { $deal->recv }, 'reply', 'and routes to it' );
        $_->close for $push, $pull2, $deal, $router2;
    };
}

for my $tr (qw(tcp ipc)) {
    subtest "connect before anything listens ($tr): messages wait for the binder" => sub {
        my $ep;
        if ( $tr eq 'tcp' ) {    # a free port: bind one, note it, unbind
            my $probe = sock( $ctx, ZMQ_PULL, $MS );
            $probe->bind('tcp://127.0.0.1:*');
            $ep = $probe->last_endpoint;
            $probe->close;
        }
        else { $ep = ipc_ep() }
        my $push = sock( $ctx, ZMQ_PUSH, $MS );
        ok( $push->connect($ep), 'connect succeeds with nothing listening' );
        $push->send_multipart( \@M );
        sleep 0.2;    # a couple of refused attempts
        my $pull = sock( $ctx, ZMQ_PULL, $MS );
        ok( bind_retry( $pull, $ep ), 'bind' );
        frames_are( recv_m($pull), \@M, 'the queued message arrives' );
        $_->close for $push, $pull;
    };
}

# -- bad endpoints: errno and message as libzmq 4.3.4 gives them --------------------------------

subtest 'bad tcp and ipc endpoints' => sub {
    my $s = sock( $ctx, ZMQ_PULL, $MS );
    my @cases = (
        [ bind    => 'tcp://127.0.0.1',          EINVAL, 'Invalid argument', 'tcp without a port' ],
        [ connect => 'tcp://127.0.0.1',          EINVAL, 'Invalid argument', 'tcp without a port' ],
        [ bind    => 'tcp://127.0.0.1:notaport', EINVAL, 'Invalid argument', 'a port that is not a number' ],
        [ connect => 'tcp://127.0.0.1:notaport', EINVAL, 'Invalid argument', 'a port that is not a number' ],
        [ connect => 'tcp://127.0.0.1:*',        EINVAL, 'Invalid argument', 'connect to a wildcard port' ],
        [ bind    => 'ipc://',                   EINVAL, 'Invalid argument', 'an empty ipc path' ],
        [ unbind     => 'tcp://127.0.0.1:5999',  ENOENT, 'No such file or directory', 'unbind of an unknown endpoint' ],
        [ disconnect => 'tcp://127.0.0.1:5999',  ENOENT, 'No such file or directory', 'disconnect of an unknown endpoint' ],
        [ unbind     => ipc_ep(),                ENOENT, 'No such file or directory', 'unbind of an unknown ipc path' ],
    );
    for my $case (@cases) {
        my ( $method, $ep, $errno, $text, $what ) = @$case;
        my ($err) = caught( sub { $s->$method($ep) } );
        like( $err, qr/^zmq_\Q$method\E: \Q$text\E/, "$method('$ep'): $what" );
        is( ref $err && $err->errno, $errno, "... errno $errno" );
    }

    $s->bind('tcp://127.0.0.1:*');
    my $ep    = $s->last_endpoint;
    my $other = sock( $ctx, ZMQ_PULL, $MS );
    my ($err) = caught( sub { $other->bind($ep) } );
    like( $err, qr/^zmq_bind: Address already in use/, 'bind of a tcp address in use' );
    is( ref $err && $err->errno, EADDRINUSE, '... errno EADDRINUSE' );
    ($err) = caught( sub { $s->bind($ep) } );
    is( ref $err && $err->errno, EADDRINUSE, '... also for the socket that holds it' );

    # sun_path holds 107 bytes and a NUL.
    my $dir = ipc_dir() . '/' . ( 'd' x 60 );
    mkdir $dir or die "$dir: $!";
    my $p107 = "$dir/" . ( 'p' x ( 107 - length($dir) - 1 ) );
    ok( eval { $other->bind("ipc://$p107"); 1 }, 'an ipc path of exactly 107 bytes binds' ) or diag $@;
    for my $method (qw(bind connect)) {
        ($err) = caught( sub { $s->$method("ipc://${p107}x") } );
        like( $err, qr/^zmq_\Q$method\E: (?:File name too long|Invalid argument)/, "$method of a 108-byte ipc path fails" );
        ok( ref $err && ( $err->errno == ENAMETOOLONG || $err->errno == EINVAL ), '... with ENAMETOOLONG or EINVAL' );
        # Measured: libzmq 4.3.4 fails bind and connect of a 108-byte path with ENAMETOOLONG
        # (36, from ipc_address_t::resolve); the engine gives EINVAL.
      TODO: {
            is( ref $err && $err->errno, ENAMETOOLONG, '... errno ENAMETOOLONG, as in libzmq' );
        }
    }
    $_->close for $s, $other;
};

subtest 'an ipc path bound over another: taken over, as in libzmq' => sub {
    my $ep = ipc_ep();
    my $first = sock( $ctx, ZMQ_PULL, $MS );
    $first->bind($ep);
    my $second = sock( $ctx, ZMQ_PULL, $MS );
    ok( eval { $second->bind($ep); 1 }, 'a second bind of the same path succeeds (the file is replaced)' ) or diag $@;
    my $push = sock( $ctx, ZMQ_PUSH, $MS );
    $push->connect($ep);
    $push->send('new owner');
    is( eval { $second->recv }, 'new owner', 'new connections reach the second socket' );
    $_->close for $first, $second, $push;
};

subtest 'the directory of an explicit ipc path is left alone' => sub {
    my $dir = ipc_dir() . '/own-dir';
    mkdir $dir or die "$dir: $!";
    my $s = sock( $ctx, ZMQ_PULL, $MS );
    $s->bind("ipc://$dir/sock");
    $s->unbind("ipc://$dir/sock");
    sleep 0.1;
    ok( !-e "$dir/sock", 'unbind removes the socket file' );
    ok( -d $dir, 'unbind leaves the (now empty) directory, as libzmq does' );
    mkdir $dir unless -d $dir;
    $s->bind("ipc://$dir/sock");
    $s->close;
    ok( wait_for( sub { !-e "$dir/sock" }, 2000 ), 'close removes the socket file' );
    ok( -d $dir, 'close leaves the directory too (only ipc://* removes its own)' );
};

$ctx->destroy;
done_testing;
