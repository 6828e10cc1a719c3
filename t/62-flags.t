use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN);
use Time::HiRes qw(time);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_DONTWAIT ZMQ_NOBLOCK ZMQ_SNDMORE ZMQ_RCVMORE
    ZMQ_RCVTIMEO ZMQ_SNDTIMEO);
use lib 't/lib';
use ZMQRTest qw(connected_pair);

# Send/recv flags: unknown bits are ignored, bit 0 always means DONTWAIT (so ZMQ_RCVMORE,
# 13, passed as a flag as old docs do, is non-blocking), SNDMORE is bit 1.

alarm 60;    # backstop: the sockets also have timeouts, so a flag taken as "block" fails

my $ctx = ZMQ::Rust->new;

# Calls $code; returns (ok, error, elapsed seconds).
sub timed {
    my ($code) = @_;
    my $t0 = time;
    my $ok = eval { $code->(); 1 };
    return ( $ok, $@, time - $t0 );
}

is( ZMQ_RCVMORE, 13, 'ZMQ_RCVMORE is 13 (bits 0, 2 and 3)' );
is( ZMQ_NOBLOCK, ZMQ_DONTWAIT, 'ZMQ_NOBLOCK is ZMQ_DONTWAIT' );

subtest 'unknown flag bits are ignored' => sub {
    my ( $a, $b ) = connected_pair( $ctx, 1500 );
    for my $flags ( 4, 8, 0x40, 0x100, 0x10000, 0x7ffffffc ) {
        ok( eval { $a->send( "f$flags", $flags ); 1 }, "send with flags $flags" ) or diag $@;
        is( $b->recv($flags), "f$flags", "recv with flags $flags" );
    }
    $a->send_multipart( [ 'm1', 'm2' ], 0x100 );
    is_deeply( [ $b->recv_multipart(0x100) ], [ 'm1', 'm2' ], 'send_multipart/recv_multipart with unknown bits' );
    $a->send( 'x', 0x100 | ZMQ_SNDMORE );
    $a->send( 'y', 0x100 );
    is_deeply( [ $b->recv_multipart ], [ 'x', 'y' ], 'SNDMORE still works among unknown bits' );
};

subtest 'flag 13 (ZMQ_RCVMORE as a flag) is DONTWAIT' => sub {
    my ( $a, $b ) = connected_pair( $ctx, 1500 );
    my ( $ok, $err, $elapsed ) = timed( sub { $b->recv(ZMQ_RCVMORE) } );
    ok( !$ok, 'recv(13) with nothing queued fails' );
    is( ref $err && $err->errno, EAGAIN, '... with EAGAIN' );
    like( $err, qr/^zmq_msg_recv: Resource temporarily unavailable/, '... zmq_msg_recv' );
    cmp_ok( $elapsed, '<', 1, '... at once (not after the 1.5 s RCVTIMEO)' );

    ( $ok, $err, $elapsed ) = timed( sub { $b->recv_multipart(13) } );
    is( ref $err && $err->errno, EAGAIN, 'recv_multipart(13): EAGAIN' );
    cmp_ok( $elapsed, '<', 1, '... at once' );

    $a->send('queued');
    is( $b->recv(ZMQ_RCVMORE), 'queued', 'recv(13) gets a queued message' );
    $a->send_multipart( [ 'p', 'q' ] );
    is_deeply( [ $b->recv_multipart(13) ], [ 'p', 'q' ], 'recv_multipart(13) gets a whole message' );

    ok( $a->send( 'whole', 13 ), 'send(13) sends' );
    is_deeply( [ $b->recv_multipart ], ['whole'], '... a complete message: 13 has no SNDMORE bit' );

    my $push = $ctx->socket(ZMQ_PUSH);
    $push->set( ZMQ_SNDTIMEO, 'int', 1500 );
    ( $ok, $err, $elapsed ) = timed( sub { $push->send( 'x', 13 ) } );
    is( ref $err && $err->errno, EAGAIN, 'send(13) with no peer: EAGAIN' );
    cmp_ok( $elapsed, '<', 1, '... at once' );
};

subtest 'bit 0 always means DONTWAIT' => sub {
    my $pull = $ctx->socket(ZMQ_PULL);
    $pull->set( ZMQ_RCVTIMEO, 'int', 1500 );
    for my $flags ( 1, 3, 5, 0x101, -1 ) {
        my ( $ok, $err, $elapsed ) = timed( sub { $pull->recv($flags) } );
        is( ref $err && $err->errno, EAGAIN, "recv($flags): EAGAIN" );
        cmp_ok( $elapsed, '<', 1, '... at once' );
    }
    $pull->set( ZMQ_RCVTIMEO, 'int', 300 );
    my ( $ok, $err, $elapsed ) = timed( sub { $pull->recv(0) } );
    is( ref $err && $err->errno, EAGAIN, 'recv(0) blocks until RCVTIMEO (300 ms)' );
    cmp_ok( $elapsed, '>=', 0.25, '... which it waited for' );
    ( $ok, $err, $elapsed ) = timed( sub { $pull->recv(0x100) } );
    cmp_ok( $elapsed, '>=', 0.25, 'recv(0x100) blocks too (no bit 0)' );
};

subtest 'default flags' => sub {
    my ( $a, $b ) = connected_pair( $ctx, 1500 );
    ok( $a->send('no flags'), 'send without flags' );
    is( $b->recv, 'no flags', 'recv without flags' );
    $a->send( 'zero', 0 );
    is( $b->recv(0), 'zero', 'flags 0' );
};

$ctx->destroy;
done_testing;
