use strict;
use warnings;

use Test::More;
use IO::Select ();
use IO::Socket::INET ();
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_LINGER);

# A socket closed while its connection is still in the ZMTP handshake keeps what it queued for
# LINGER, as libzmq does: the message goes out once the handshake is done. (ZMQ::LibZMQ3's
# t/104_ipc.t lost its message about one run in 25: the child connected, sent and exited before
# the handshake had finished.) The peer here is a plain TCP socket that answers the handshake
# late, by hand.

alarm 30;

my $ctx = ZMQ::Rust->new;

# A NULL-mechanism ZMTP 3.0 greeting and a READY command for a PULL socket.
my $GREETING = "\xFF" . ( "\0" x 8 ) . "\x7F" . "\x03\x00" . "NULL" . ( "\0" x 16 ) . "\0" . ( "\0" x 31 );
my $READY_BODY = "\x05READY" . "\x0BSocket-Type" . pack( 'N', 4 ) . 'PULL';
my $READY = "\x04" . chr( length $READY_BODY ) . $READY_BODY;

sub read_exactly {
    my ( $sock, $n, $timeout ) = @_;
    my $sel = IO::Select->new($sock);
    my $buf = '';
    my $end = time + $timeout;
    while ( length $buf < $n ) {
        my $left = $end - time;
        return $buf if $left <= 0 || !$sel->can_read($left);
        my $got = sysread( $sock, $buf, $n - length $buf, length $buf );
        return $buf unless $got;
    }
    return $buf;
}

for my $case ( [ 'linger 2000', 2000, 1 ], [ 'linger 0', 0, 0 ] ) {
    my ( $name, $linger, $delivered ) = @$case;
    subtest $name => sub {
        my $listen = IO::Socket::INET->new( Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0, ReuseAddr => 1 )
            or die "listen: $!";
        my $push = $ctx->socket(ZMQ_PUSH);
        $push->set( ZMQ_LINGER, 'int', $linger );
        $push->connect( 'tcp://127.0.0.1:' . $listen->sockport );
        my $peer = do {
            my $sel = IO::Select->new($listen);
            $sel->can_read(5) ? $listen->accept : undef;
        };
        ok( $peer, 'the PUSH connected' ) or return;
        $push->send('hello');
        $push->close;    # the handshake has not even started: we have not sent our greeting
        sleep 0.3;
        syswrite( $peer, $GREETING . $READY );
        my $greeting = read_exactly( $peer, 64, 3 );
        if ( !$delivered ) {
            my $all = $greeting . read_exactly( $peer, 100, 1 );
            unlike( $all, qr/hello/, 'linger 0: the message was dropped' );
            return;
        }
        is( length $greeting, 64, 'its greeting came' );
        my ( $flags, $size ) = unpack 'CC', read_exactly( $peer, 2, 3 );
        is( $flags, 0x04, 'then a command' );
        my $cmd = read_exactly( $peer, $size, 3 );
        like( $cmd, qr/^\x05READY/, 'READY' );
        my $frame = read_exactly( $peer, 7, 3 );
        is( $frame, "\x00\x05hello", 'then the message queued before the close' );
    };
}

$ctx->destroy;
done_testing;
