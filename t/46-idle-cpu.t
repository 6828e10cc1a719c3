use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN);
use Time::HiRes qw(time);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_PAIR ZMQ_DONTWAIT ZMQ_POLLIN ZMQ_POLLOUT
    ZMQ_RCVTIMEO ZMQ_SNDTIMEO ZMQ_SNDHWM ZMQ_RCVHWM);
use lib 't/lib';
use ZMQRTest qw(any_ep bind_connect_at);
use ZMQRTest::Proc qw(cpu_seconds keep_ipc_dir);

# A process blocked in the engine sleeps: less than 1% of the elapsed time in CPU (user +
# system of the whole process, the engine's I/O threads included).

alarm 60;    # backstop
keep_ipc_dir();    # see ZMQRTest::Proc

my $ctx = ZMQ::Rust->new;

# tcp and ipc connections first, so that the I/O thread exists and has sockets to watch.
my ( $tpull, $tpush ) = bind_connect_at( $ctx, any_ep('tcp'), ZMQ_PULL, ZMQ_PUSH );
my ( $ipull, $ipush ) = bind_connect_at( $ctx, any_ep('ipc'), ZMQ_PULL, ZMQ_PUSH );
$tpush->send('warm');
$ipush->send('warm');
is( $tpull->recv, 'warm', 'tcp connection up' );
is( $ipull->recv, 'warm', 'ipc connection up' );

sub idle_ok {
    my ( $what, $code ) = @_;
    my $c0 = cpu_seconds();
    my $t0 = time;
    $code->();
    my $el  = time - $t0;
    my $cpu = cpu_seconds() - $c0;
    cmp_ok( $el, '>=', 1.9, sprintf( '%s: blocked for 2 s (%.2f s)', $what, $el ) );
    cmp_ok( $cpu, '<', 0.01 * $el, sprintf( '%s: CPU %.3f s, under 1%% of the time', $what, $cpu ) );
}

idle_ok( 'recv with RCVTIMEO 2000', sub {
    $tpull->set( ZMQ_RCVTIMEO, 'int', 2000 );
    my $ok = eval { $tpull->recv; 1 };
    ok( !$ok && ref $@ && $@->errno == EAGAIN, 'recv timed out with EAGAIN' );
} );

idle_ok( 'ZMQ::Rust::poll for 2000 ms', sub {
    my $n = ZMQ::Rust::poll( [ map { { socket => $_, events => ZMQ_POLLIN } } $tpull, $ipull ], 2000 );
    is( $n, 0, 'poll: nothing ready' );
} );

idle_ok( 'ZMQ::Rust::poll for 2000 ms, a socket waiting for POLLOUT', sub {
    # A PAIR without a peer is never writable.
    my $pair = $ctx->socket(ZMQ_PAIR);
    my $n = ZMQ::Rust::poll( [ { socket => $pair, events => ZMQ_POLLOUT }, { socket => $ipull, events => ZMQ_POLLIN } ], 2000 );
    is( $n, 0, 'poll: nothing ready' );
    $pair->close;
} );

idle_ok( 'send blocked at the HWM with SNDTIMEO 2000', sub {
    my ( $pull, $push ) = bind_connect_at( $ctx, any_ep('inproc'), ZMQ_PULL, ZMQ_PUSH );
    $push->set( ZMQ_SNDHWM, 'int', 1 );
    $pull->set( ZMQ_RCVHWM, 'int', 1 );
    my $n = 0;
    $n++ while $n < 100 && eval { $push->send( 'x', ZMQ_DONTWAIT ); 1 };
    $push->set( ZMQ_SNDTIMEO, 'int', 2000 );
    my $ok = eval { $push->send('blocked'); 1 };
    ok( !$ok && ref $@ && $@->errno == EAGAIN, "send at the HWM (after $n) timed out with EAGAIN" );
    $_->close for $pull, $push;
} );

# A connect to a port nobody listens on: the engine retries every RECONNECT_IVL (100 ms) in
# the background, which costs a little but must not spin.
my $lost = $ctx->socket(ZMQ_PUSH);
{
    my $probe = $ctx->socket(ZMQ_PULL);
    $probe->bind('tcp://127.0.0.1:*');
    my $dead = $probe->last_endpoint;
    $probe->close;
    $lost->connect($dead);
}
idle_ok( 'recv with RCVTIMEO 2000 while another socket keeps reconnecting', sub {
    $ipull->set( ZMQ_RCVTIMEO, 'int', 2000 );
    my $ok = eval { $ipull->recv; 1 };
    ok( !$ok && ref $@ && $@->errno == EAGAIN, 'recv timed out with EAGAIN' );
} );

$_->close for $tpull, $tpush, $ipull, $ipush, $lost;
$ctx->destroy;
done_testing;
