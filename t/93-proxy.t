use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);

# Proxies and devices, each run in an interpreter thread of its own with sockets made there
# from a shared context: zmq_proxy (ROUTER/DEALER queue, PULL/PUSH streamer with capture),
# zmq_device (QUEUE, FORWARDER, STREAMER), zmq_proxy_steerable and $ctx->proxy_steerable
# (PAUSE, RESUME, STATISTICS, TERMINATE), and ETERM when the context is terminated.

use lib 't/lib';
use ZMQRTest qw();
use ZMQRTest::Proc qw(has_threads join_within);

BEGIN {
    unless ( ZMQRTest::Proc::has_threads() ) {
        require Test::More;
        Test::More::plan( skip_all => 'this perl has no ithreads' );
    }
}
use threads;
use ZMQ::Rust::LibZMQ3;
use ZMQ::Rust::Constants qw(:all);
use ZMQ::Rust ();

alarm 60;

my $N = 0;
sub ep { 'inproc://93-proxy-' . $$ . '-' . ++$N }

sub timed_socket {
    my ( $ctx, $type, $ms ) = @_;
    my $s = zmq_socket( $ctx, $type );
    zmq_setsockopt( $s, ZMQ_RCVTIMEO, $ms || 3000 );
    zmq_setsockopt( $s, ZMQ_SNDTIMEO, $ms || 3000 );
    zmq_setsockopt( $s, ZMQ_LINGER,   0 );
    return $s;
}

sub recv_str {
    my ( $s, $flags ) = @_;
    my $m = zmq_recvmsg( $s, $flags // 0 );
    return $m ? zmq_msg_data($m) : undef;
}

# Runs a device in a new thread: $setup->() makes and binds its sockets there and returns the
# function to call and its arguments. The thread returns (the device's return value, $!), and
# closes its sockets.
sub device_thread {
    my ( $ctx, $setup ) = @_;
    return threads->create( { context => 'list' }, sub {
        my ( $func, @args ) = $setup->();
        my $rv  = $func->(@args);
        my $err = $! + 0;
        for my $s ( grep { ref } @args ) {
            zmq_setsockopt( $s, ZMQ_LINGER, 0 );
            zmq_close($s);
        }
        return ( $rv, $err );
    } );
}

subtest 'LibZMQ3: proxies and devices until zmq_term, then -1 with ETERM' => sub {
    my $ctx = zmq_init(1);
    my %ep = map { $_ => ep() } qw(q_front q_back s_in s_out s_cap d_front d_back f_up f_down st_in st_out);
    my $sock = sub {
        my ( $type, $ep ) = @_;
        my $s = zmq_socket( $ctx, $type );
        zmq_bind( $s, $ep ) == 0 or die "bind $ep: $!";
        return $s;
    };
    my $cap = timed_socket( $ctx, ZMQ_PULL );
    zmq_bind( $cap, $ep{s_cap} );
    my %thr = (
        'zmq_proxy ROUTER/DEALER' => device_thread( $ctx, sub {
            ( \&zmq_proxy, $sock->( ZMQ_ROUTER, $ep{q_front} ), $sock->( ZMQ_DEALER, $ep{q_back} ) );
        } ),
        'zmq_proxy PULL/PUSH with capture' => device_thread( $ctx, sub {
            my $c = zmq_socket( $ctx, ZMQ_PUSH );
            zmq_connect( $c, $ep{s_cap} );
            ( \&zmq_proxy, $sock->( ZMQ_PULL, $ep{s_in} ), $sock->( ZMQ_PUSH, $ep{s_out} ), $c );
        } ),
        'zmq_device QUEUE' => device_thread( $ctx, sub {
            ( sub { zmq_device( ZMQ_QUEUE, @_ ) }, $sock->( ZMQ_ROUTER, $ep{d_front} ),
                $sock->( ZMQ_DEALER, $ep{d_back} ) );
        } ),
        'zmq_device FORWARDER' => device_thread( $ctx, sub {
            ( sub { zmq_device( ZMQ_FORWARDER, @_ ) }, $sock->( ZMQ_XSUB, $ep{f_up} ),
                $sock->( ZMQ_XPUB, $ep{f_down} ) );
        } ),
        'zmq_device STREAMER' => device_thread( $ctx, sub {
            ( sub { zmq_device( ZMQ_STREAMER, @_ ) }, $sock->( ZMQ_PULL, $ep{st_in} ),
                $sock->( ZMQ_PUSH, $ep{st_out} ) );
        } ),
    );

    # Request/reply through both queues.
    for my $q ( [ 'zmq_proxy', qw(q_front q_back) ], [ 'zmq_device QUEUE', qw(d_front d_back) ] ) {
        my ( $name, $fe, $be ) = @$q;
        my $client = timed_socket( $ctx, ZMQ_REQ );
        my $worker = timed_socket( $ctx, ZMQ_REP );
        zmq_connect( $client, $ep{$fe} );
        zmq_connect( $worker, $ep{$be} );
        my @got;
        for my $i ( 1 .. 3 ) {
            zmq_sendmsg( $client, "req $i" );
            push @got, recv_str($worker) // 'timeout';
            zmq_sendmsg( $worker, "rep $i" );
            push @got, recv_str($client) // 'timeout';
        }
        is_deeply( \@got, [ map { ( "req $_", "rep $_" ) } 1 .. 3 ], "$name: REQ -> ROUTER/DEALER -> REP and back" );
        zmq_close($_) for $client, $worker;
    }

    # Streamers: PUSH -> PULL/PUSH -> PULL, the capture gets copies.
    for my $st ( [ 'zmq_proxy', qw(s_in s_out) ], [ 'zmq_device STREAMER', qw(st_in st_out) ] ) {
        my ( $name, $in, $out ) = @$st;
        my $src = timed_socket( $ctx, ZMQ_PUSH );
        my $dst = timed_socket( $ctx, ZMQ_PULL );
        zmq_connect( $src, $ep{$in} );
        zmq_connect( $dst, $ep{$out} );
        zmq_sendmsg( $src, $_ ) for qw(one two);
        zmq_sendmsg( $src, 'multi', ZMQ_SNDMORE );
        zmq_sendmsg( $src, 'part' );
        my @got = map { recv_str($dst) // 'timeout' } 1 .. 4;
        is_deeply( \@got, [qw(one two multi part)], "$name: streamed in order, multipart kept" );
        if ( $name eq 'zmq_proxy' ) {
            my @copy = map { recv_str($cap) // 'timeout' } 1 .. 4;
            is_deeply( \@copy, [qw(one two multi part)], 'the capture socket got a copy of each' );
        }
        zmq_close($_) for $src, $dst;
    }

    # Forwarder: subscriptions go upstream through XPUB/XSUB.
    {
        my $pub = timed_socket( $ctx, ZMQ_PUB );
        my $sub = timed_socket( $ctx, ZMQ_SUB, 100 );
        zmq_connect( $pub, $ep{f_up} );
        zmq_connect( $sub, $ep{f_down} );
        zmq_setsockopt( $sub, ZMQ_SUBSCRIBE, 'news' );
        my $got;
        my $deadline = time + 5;
        until ( defined $got || time > $deadline ) {
            zmq_sendmsg( $pub, 'other 0' );
            zmq_sendmsg( $pub, 'news 1' );
            $got = recv_str($sub);
        }
        is( $got, 'news 1', 'zmq_device FORWARDER: XSUB/XPUB forwards subscribed messages' );
        zmq_sendmsg( $pub, 'other 2' );
        zmq_sendmsg( $pub, 'news 3' );
        my @rest;
        while ( defined( my $m = recv_str($sub) ) ) { push @rest, $m }
        ok( !grep( /^other/, @rest ), 'and filters the others' );
        ok( grep( { $_ eq 'news 3' } @rest ), 'news 3 arrives' );
        zmq_close($_) for $pub, $sub;
    }
    zmq_close($cap);

    my $t0 = time;
    is( zmq_term($ctx), 0, 'zmq_term: 0, once every thread has closed its sockets' );
    ok( time - $t0 < 10, 'promptly' );
    for my $name ( sort keys %thr ) {
        my ( $ok, $rv, $err ) = join_within( $thr{$name}, 10 );
        ok( $ok, "$name: thread finished" ) or next;
        is( $rv,  -1,    "$name returned -1" );
        is( $err, ETERM, "$name: \$! is ETERM" );
    }
};

subtest 'LibZMQ3: zmq_device with an unknown type, closed sockets' => sub {
    my $ctx = zmq_init();
    my $a   = zmq_socket( $ctx, ZMQ_PULL );
    my $b   = zmq_socket( $ctx, ZMQ_PUSH );
    $! = 0;
    is( zmq_device( 42, $a, $b ), -1, 'unknown device type: -1' );
    is( $! + 0, EINVAL, 'EINVAL' );
    zmq_close($b);
    is_deeply( [ zmq_proxy( $a, $b ) ], [], 'a closed socket: empty' );
    is( $! + 0, ENOTSOCK, 'ENOTSOCK' );
    zmq_close($a);
    zmq_term($ctx);
};

# Sends a control command and, to know the proxy has acted on it, asks for STATISTICS.
sub steer {
    my ( $ctl, $cmd, $send, $recv_parts ) = @_;
    $send->( $ctl, $cmd );
    $send->( $ctl, 'STATISTICS' );
    return $recv_parts->($ctl);
}

subtest '$ctx->proxy_steerable: PAUSE, RESUME, STATISTICS, TERMINATE' => sub {
    my $ctx = ZMQ::Rust->new;
    my ( $in, $out, $cep ) = ( ep(), ep(), ep() );
    my $thr = threads->create( { context => 'list' }, sub {
        my $f = $ctx->socket(ZMQ_PULL);
        my $b = $ctx->socket(ZMQ_PUSH);
        my $c = $ctx->socket(ZMQ_PAIR);
        $f->bind($in);
        $b->bind($out);
        $c->bind($cep);
        my $r = eval { $ctx->proxy_steerable( $f, $b, undef, $c ) };
        my $err = $@;
        $_->close for $f, $b, $c;
        return ( $r ? 'returned' : "failed: $err" );
    } );
    my $src = ZMQRTest::timed( $ctx->socket(ZMQ_PUSH) );
    my $dst = ZMQRTest::timed( $ctx->socket(ZMQ_PULL) );
    my $ctl = ZMQRTest::timed( $ctx->socket(ZMQ_PAIR) );
    $src->connect($in);
    $dst->connect($out);
    $ctl->connect($cep);
    my $send  = sub { $_[0]->send( $_[1] ) };
    my $parts = sub { $_[0]->recv_multipart };

    $src->send('m1');
    is( $dst->recv, 'm1', 'forwards' );
    my @stats = steer( $ctl, 'PAUSE', $send, $parts );
    is( scalar @stats, 8, 'STATISTICS: 8 frames' );
    is_deeply( [ map { length } @stats ], [ (8) x 8 ], 'of 8 bytes (uint64)' );
    my @n = map { unpack 'Q', $_ } @stats;
    is_deeply( [ @n[ 0, 1 ] ], [ 1, 2 ], 'frontend in: 1 message, 2 bytes' );
    is_deeply( [ @n[ 6, 7 ] ], [ 1, 2 ], 'backend out: 1 message, 2 bytes' );

    $src->send('m2');
    sleep 0.2;
    $dst->die_on_error(0);
    my @none = $dst->recv(ZMQ_DONTWAIT);
    is_deeply( \@none, [], 'paused: nothing forwarded' );
    $dst->die_on_error(1);
    steer( $ctl, 'RESUME', $send, $parts );
    is( $dst->recv, 'm2', 'resumed: the message comes' );
    $ctl->send('TERMINATE');
    my ( $ok, $r ) = join_within( $thr, 10 );
    ok( $ok, 'the proxy thread finished' );
    is( $r, 'returned', 'TERMINATE: proxy_steerable returns (true)' );
    $_->close for $src, $dst, $ctl;
    $ctx->destroy;
};

subtest 'LibZMQ3 zmq_proxy_steerable: TERMINATE returns 0' => sub {
    my $ctx = zmq_init();
    my ( $in, $out, $cep ) = ( ep(), ep(), ep() );
    my $thr = device_thread( $ctx, sub {
        my @s = map { zmq_socket( $ctx, $_ ) } ZMQ_PULL, ZMQ_PUSH, ZMQ_PAIR;
        zmq_bind( $s[0], $in );
        zmq_bind( $s[1], $out );
        zmq_bind( $s[2], $cep );
        ( \&ZMQ::Rust::LibZMQ3::zmq_proxy_steerable, $s[0], $s[1], undef, $s[2] );
    } );
    my $src = timed_socket( $ctx, ZMQ_PUSH );
    my $dst = timed_socket( $ctx, ZMQ_PULL );
    my $ctl = timed_socket( $ctx, ZMQ_PAIR );
    zmq_connect( $src, $in );
    zmq_connect( $dst, $out );
    zmq_connect( $ctl, $cep );
    my $send  = sub { zmq_sendmsg( $_[0], $_[1] ) };
    my $parts = sub {
        my @p;
        do { push @p, recv_str( $_[0] ) } while zmq_getsockopt( $_[0], ZMQ_RCVMORE );
        return @p;
    };
    zmq_sendmsg( $src, 'x' );
    is( recv_str($dst), 'x', 'forwards' );
    my @stats = steer( $ctl, 'PAUSE', $send, $parts );
    is( scalar @stats, 8, 'STATISTICS: 8 frames' );
    steer( $ctl, 'RESUME', $send, $parts );
    zmq_sendmsg( $ctl, 'TERMINATE' );
    my ( $ok, $rv ) = join_within( $thr, 10 );
    ok( $ok, 'thread finished' );
    is( $rv, 0, 'zmq_proxy_steerable returned 0' );
    zmq_close($_) for $src, $dst, $ctl;
    is( zmq_term($ctx), 0, 'zmq_term' );
};

subtest '$ctx->proxy: croaks ETERM when the context is destroyed' => sub {
    my $ctx = ZMQ::Rust->new;
    my ( $fe, $be ) = ( ep(), ep() );
    my $thr = threads->create( { context => 'list' }, sub {
        my $f = $ctx->socket(ZMQ_ROUTER);
        my $b = $ctx->socket(ZMQ_DEALER);
        $f->bind($fe);
        $b->bind($be);
        my $ok  = eval { $ctx->proxy( $f, $b ); 1 };
        my $err = $@;
        $_->close for $f, $b;
        return ( $ok ? 'returned' : ( "$err", ref $err ? $err->errno : 0 ) );
    } );
    my $client = ZMQRTest::timed( $ctx->socket(ZMQ_REQ) );
    my $worker = ZMQRTest::timed( $ctx->socket(ZMQ_REP) );
    $client->connect($fe);
    $worker->connect($be);
    $client->send('ping');
    is( $worker->recv, 'ping', 'through the proxy' );
    $worker->send('pong');
    is( $client->recv, 'pong', 'and back' );
    $ctx->destroy;
    my ( $ok, $msg, $errno ) = join_within( $thr, 10 );
    ok( $ok, 'thread finished' );
    like( $msg // '', qr/^zmq_proxy: Context was terminated/, 'zmq_proxy: Context was terminated' );
    is( $errno, ETERM, 'errno ETERM' );
};

done_testing;
