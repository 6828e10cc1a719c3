use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN);
use Time::HiRes qw(time);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_PUB ZMQ_SUB ZMQ_DEALER ZMQ_PAIR ZMQ_DONTWAIT
    ZMQ_SNDMORE ZMQ_SNDHWM ZMQ_RCVHWM ZMQ_SNDTIMEO ZMQ_RCVTIMEO);
use lib 't/lib';
use ZMQRTest qw(ep);

# High-water marks and timeouts through the Perl API: the counts at the limit, HWM 0,
# PUB dropping, SNDTIMEO/RCVTIMEO, and timeouts that signals do not stretch.

alarm 60;    # backstop: every blocking call below has a timeout

my $ctx = ZMQ::Rust->new;

# A PUSH/PULL pair with the given HWMs; connect after bind unless $connect_first.
sub push_pull {
    my ( $sndhwm, $rcvhwm, $connect_first ) = @_;
    my $ep   = ep();
    my $push = $ctx->socket(ZMQ_PUSH);
    my $pull = $ctx->socket(ZMQ_PULL);
    $push->set( ZMQ_SNDHWM, 'int', $sndhwm );
    $pull->set( ZMQ_RCVHWM, 'int', $rcvhwm );
    if ($connect_first) {
        $push->connect($ep);
        $pull->bind($ep);
    }
    else {
        $pull->bind($ep);
        $push->connect($ep);
    }
    return ( $push, $pull );
}

# How many sends with DONTWAIT succeed (up to $max), and the error that stopped them.
sub fill {
    my ( $s, $max, $multipart ) = @_;
    my $n = 0;
    while ( $n < $max ) {
        my $ok = eval {
            $multipart
                ? $s->send_multipart( [ "m$n", 'b', 'c' ], ZMQ_DONTWAIT )
                : $s->send( "m$n", ZMQ_DONTWAIT );
            1;
        };
        return ( $n, $@ ) unless $ok;
        $n++;
    }
    return ( $n, undef );
}

subtest 'SNDHWM 5 + RCVHWM 5: exactly 10 messages' => sub {
    my ( $push, $pull ) = push_pull( 5, 5 );
    is( $push->get( ZMQ_SNDHWM, 'int' ), 5, 'SNDHWM is 5' );
    is( $pull->get( ZMQ_RCVHWM, 'int' ), 5, 'RCVHWM is 5' );
    my ( $n, $err ) = fill( $push, 100 );
    is( $n, 10, 'exactly 10 sends succeed' );
    like( $err, qr/^zmq_send: Resource temporarily unavailable/, 'the 11th: EAGAIN' );
    is( ref $err && $err->errno, EAGAIN, '... errno EAGAIN' );
    is( $push->has_pollout, 0, 'no POLLOUT at the HWM' );

    my @got = map { scalar $pull->recv(ZMQ_DONTWAIT) } 1 .. 10;
    is_deeply( \@got, [ map {"m$_"} 0 .. 9 ], 'the 10 arrive in order' );
    ok( !eval { $pull->recv(ZMQ_DONTWAIT); 1 }, 'and nothing more' );

    ( $n, $err ) = fill( $push, 100 );
    is( $n, 10, 'once drained, 10 more fit' );
};

subtest 'connect before bind: the same limit' => sub {
    my ( $push, $pull ) = push_pull( 5, 5, 1 );
    my ($n) = fill( $push, 100 );
    is( $n, 10, '10 sends succeed' );
};

subtest 'a multipart message counts once' => sub {
    my ( $push, $pull ) = push_pull( 2, 2 );
    my ($n) = fill( $push, 100, 1 );
    is( $n, 4, '4 three-frame messages fit under 2 + 2' );
    my @m = $pull->recv_multipart(ZMQ_DONTWAIT);
    is_deeply( \@m, [ 'm0', 'b', 'c' ], 'whole messages' );

    ( $push, $pull ) = push_pull( 1, 1 );
    fill( $push, 100 );
    ok( !eval { $push->send( 'first', ZMQ_SNDMORE | ZMQ_DONTWAIT ); 1 },
        'at the HWM the first frame of a message is refused too' );
};

subtest 'HWM 0 means no limit' => sub {
    for my $case ( [ 0, 0 ], [ 0, 5 ], [ 5, 0 ] ) {
        my ( $push, $pull ) = push_pull(@$case);
        my ($n) = fill( $push, 5000 );
        is( $n, 5000, "SNDHWM $case->[0] + RCVHWM $case->[1]: 5000 sends, no limit" );
        my $count = 0;
        $count++ while eval { $pull->recv(ZMQ_DONTWAIT); 1 };
        is( $count, 5000, '... all received' );
    }
};

subtest 'PUB drops at the HWM without blocking' => sub {
    my $ep  = ep();
    my $pub = $ctx->socket(ZMQ_PUB);
    my $sub = $ctx->socket(ZMQ_SUB);
    $pub->set( ZMQ_SNDHWM, 'int', 3 );
    $sub->set( ZMQ_RCVHWM, 'int', 3 );
    $pub->bind($ep);
    $sub->connect($ep);
    $sub->subscribe('');

    my $t0 = time;
    my $ok = 0;
    $ok += eval { $pub->send("p$_"); 1 } ? 1 : 0 for 1 .. 200;    # blocking sends
    my $elapsed = time - $t0;
    is( $ok, 200, 'all 200 blocking sends return success' );
    cmp_ok( $elapsed, '<', 2, 'without blocking' );

    my @got;
    while ( my @m = eval { $sub->recv(ZMQ_DONTWAIT) } ) { push @got, @m }
    cmp_ok( scalar @got, '>=', 1, 'the subscriber got some' );
    cmp_ok( scalar @got, '<=', 6, '... no more than SNDHWM + RCVHWM' );
    is_deeply( \@got, [ map {"p$_"} 1 .. @got ], '... the first ones, in order (the rest dropped)' );

    ok( $pub->send( 'more', ZMQ_DONTWAIT ), 'send(DONTWAIT) at the HWM also succeeds (dropped)' );
};

subtest 'SNDTIMEO' => sub {
    my ( $push, $pull ) = push_pull( 1, 1 );
    is( $push->get( ZMQ_SNDTIMEO, 'int' ), -1, 'SNDTIMEO defaults to -1' );
    ok( $push->set( ZMQ_SNDTIMEO, 'int', 200 ), 'set SNDTIMEO 200' );
    is( $push->get( ZMQ_SNDTIMEO, 'int' ), 200, 'get SNDTIMEO' );
    fill( $push, 100 );

    my $t0 = time;
    my $ok = eval { $push->send('blocked'); 1 };
    my $elapsed = time - $t0;
    ok( !$ok, 'a blocking send at the HWM fails' );
    like( $@, qr/^zmq_send: Resource temporarily unavailable/, '... EAGAIN' );
    is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );
    cmp_ok( $elapsed, '>=', 0.15, "after about the timeout (${\ sprintf '%.3f', $elapsed}s)" );
    cmp_ok( $elapsed, '<',  3,    '... not much more' );

    $t0 = time;
    $ok = eval { $push->send_multipart( [ 'a', 'b' ] ); 1 };
    $elapsed = time - $t0;
    is( ref $@ && $@->errno, EAGAIN, 'send_multipart: EAGAIN too' );
    cmp_ok( $elapsed, '>=', 0.15, '... after about the timeout' );
    cmp_ok( $elapsed, '<',  3,    '... not much more' );

    my $lone = $ctx->socket(ZMQ_DEALER);
    $lone->set( ZMQ_SNDTIMEO, 'int', 100 );
    $t0 = time;
    $ok = eval { $lone->send('nobody'); 1 };
    is( ref $@ && $@->errno, EAGAIN, 'no peer at all: EAGAIN after the timeout' );
    cmp_ok( time - $t0, '>=', 0.07, '... which it waited for' );

    $push->set( ZMQ_SNDTIMEO, 'int', 0 );
    $t0 = time;
    $ok = eval { $push->send('x'); 1 };
    is( ref $@ && $@->errno, EAGAIN, 'SNDTIMEO 0: EAGAIN at once' );
    cmp_ok( time - $t0, '<', 0.5, '... at once' );
};

subtest 'RCVTIMEO' => sub {
    my $pull = $ctx->socket(ZMQ_PULL);
    is( $pull->get( ZMQ_RCVTIMEO, 'int' ), -1, 'RCVTIMEO defaults to -1' );
    $pull->set( ZMQ_RCVTIMEO, 'int', 200 );
    for my $method (qw(recv recv_multipart)) {
        my $t0 = time;
        my $ok = eval { $pull->$method; 1 };
        my $elapsed = time - $t0;
        ok( !$ok, "$method with nothing to receive fails" );
        like( $@, qr/^zmq_msg_recv: Resource temporarily unavailable/, '... EAGAIN' );
        is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );
        cmp_ok( $elapsed, '>=', 0.15, "... after about the timeout (${\ sprintf '%.3f', $elapsed}s)" );
        cmp_ok( $elapsed, '<',  3,    '... not much more' );
    }
    $pull->set( ZMQ_RCVTIMEO, 'int', 0 );
    my $t0 = time;
    ok( !eval { $pull->recv; 1 }, 'RCVTIMEO 0: fails' );
    cmp_ok( time - $t0, '<', 0.5, '... at once' );

    my ( $push, $pull2 ) = push_pull( 5, 5 );
    $pull2->set( ZMQ_RCVTIMEO, 'int', 2000 );
    $push->send('here');
    $t0 = time;
    is( $pull2->recv, 'here', 'a waiting message is returned at once' );
    cmp_ok( time - $t0, '<', 1, '... without waiting for the timeout' );
};

subtest 'signals do not stretch the timeouts (calls resumed after handlers)' => sub {
    plan skip_all => 'needs setitimer' unless eval { Time::HiRes::setitimer( Time::HiRes::ITIMER_REAL(), 0 ); 1 };
    # By default a returning handler ends the call with EINTR; here calls go on after it.
    local $ZMQ::Rust::RESUME_AFTER_SIGNAL = 1;
    # The itimer replaces the alarm backstop, so the handler enforces a deadline itself: if
    # signals stretched the timeout, the wait would never end; dying breaks out of it.
    my $ticks    = 0;
    my $deadline = 0;
    local $SIG{ALRM} = sub { $ticks++; die "timeout stretched by signals\n" if time > $deadline };
    # (setitimer has a prototype: pass scalars, not @_)
    my $timer = sub { Time::HiRes::setitimer( Time::HiRes::ITIMER_REAL(), $_[0], $_[1] || 0 ) };

    my $pull = $ctx->socket(ZMQ_PULL);
    $pull->set( ZMQ_RCVTIMEO, 'int', 500 );
    $deadline = time + 3;
    $timer->( 0.05, 0.05 );    # a signal every 50 ms, each handled by Perl during the wait
    my $t0 = time;
    my $ok = eval { $pull->recv; 1 };
    my $elapsed = time - $t0;
    my $err = $@;
    $timer->(0);
    cmp_ok( $ticks, '>=', 2, "the handler ran during the wait ($ticks times)" );
    ok( !$ok, 'recv still times out' );
    is( ref $err && $err->errno, EAGAIN, '... with EAGAIN' );
    cmp_ok( $elapsed, '>=', 0.4, '... after about the timeout' );
    cmp_ok( $elapsed, '<',  2.5, "... not restarted by each signal (${\ sprintf '%.3f', $elapsed}s)" );
    is( $pull->get( ZMQ_RCVTIMEO, 'int' ), 500, 'RCVTIMEO is unchanged' );

    my ( $push, $pull2 ) = push_pull( 1, 1 );
    fill( $push, 100 );
    $push->set( ZMQ_SNDTIMEO, 'int', 400 );
    $ticks    = 0;
    $deadline = time + 3;
    $timer->( 0.05, 0.05 );
    $t0 = time;
    $ok = eval { $push->send_multipart( [ 'x', 'y' ] ); 1 };
    $elapsed = time - $t0;
    $err = $@;
    $timer->(0);
    cmp_ok( $ticks, '>=', 2, "send: the handler ran ($ticks times)" );
    is( ref $err && $err->errno, EAGAIN, 'send still times out with EAGAIN' );
    cmp_ok( $elapsed, '<', 2.5, "... not restarted by each signal (${\ sprintf '%.3f', $elapsed}s)" );
    is( $push->get( ZMQ_SNDTIMEO, 'int' ), 400, 'SNDTIMEO is unchanged' );

    # A handler that drops the last reference to the socket it interrupted: the call must
    # finish on a live socket (this was a use-after-free).
    {
        my $victim = $ctx->socket(ZMQ_PULL);
        $victim->set( ZMQ_RCVTIMEO, 'int', 300 );
        my $freed = 0;
        local $SIG{ALRM} = sub { undef $victim; $freed = 1 };
        $timer->(0.05);
        $t0 = time;
        $ok = eval { $victim->recv; 1 };
        $err = $@;
        $timer->(0);
        ok( $freed, 'the handler dropped the socket during recv' );
        is( ref $err && $err->errno, EAGAIN, '... recv still ends with EAGAIN at its timeout' );
        cmp_ok( time - $t0, '<', 3, '... promptly' );
    }

    # A handler that dies interrupts a blocking call.
    my $blocking = $ctx->socket(ZMQ_PAIR);
    local $SIG{ALRM} = sub { die "interrupted\n" };
    $timer->(0.2);
    $t0 = time;
    $ok = eval { $blocking->recv; 1 };
    $timer->(0);
    is( $@, "interrupted\n", 'a dying signal handler breaks out of a blocking recv' );
    cmp_ok( time - $t0, '<', 3, '... promptly' );
    alarm 60;    # the itimer replaced the backstop
};

$ctx->destroy;
done_testing;
