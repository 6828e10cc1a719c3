use strict;
use warnings;
use Test::More;
use lib 't/lib';
use ZMQRTest qw(caught);
use ZMQRTest::Peer;
use ZMQ::Rust qw(:socket_types :events ZMQ_RCVTIMEO ZMQ_DONTWAIT);

# Socket monitor events, in libzmq's order, against a ZMQ::Rust peer and a libzmq peer.

alarm 60;

my $ctx = ZMQ::Rust->new;
my $N   = 0;

# A monitored socket and the PAIR that reads its events.
sub monitored {
    my ($type) = @_;
    my $s   = $ctx->socket($type);
    my $ep  = 'inproc://t47-mon-' . $$ . '-' . ++$N;
    $s->monitor( $ep, ZMQ_EVENT_ALL );
    my $m = $ctx->socket(ZMQ_PAIR);
    $m->set( ZMQ_RCVTIMEO, 'int', 5000 );
    $m->connect($ep);
    return ( $s, $m );
}

# Event numbers until $want arrives (or a timeout).
sub events_until {
    my ( $m, $want ) = @_;
    my @seen;
    while ( my ( $ev, $val, $ep ) = eval { $m->recv_event } ) {
        push @seen, $ev;
        return @seen if $ev == $want;
    }
    return ( @seen, 'timeout' );
}

subtest 'event encoding' => sub {
    my ( $s, $m ) = monitored(ZMQ_PULL);
    $s->bind('tcp://127.0.0.1:*');
    my ( $ev, $fd, $ep ) = $m->recv_event;
    is( $ev, ZMQ_EVENT_LISTENING, 'LISTENING first' );
    ok( $fd > 2, 'value is the listening fd' );
    is( $ep, $s->last_endpoint, 'endpoint is the resolved one' );
    my @frames = do { $s->monitor(undef); $m->recv_multipart };
    is( scalar @frames, 2, 'two frames' );
    is( length $frames[0], 6, 'first frame: u16 event + u32 value' );
    is( unpack( 'S', $frames[0] ), ZMQ_EVENT_MONITOR_STOPPED, 'monitor(undef) ends with MONITOR_STOPPED' );
    $s->close;
};

subtest 'bind, accept, handshake, disconnect: ZMQ::Rust peer' => sub {
    my ( $rep, $rm ) = monitored(ZMQ_REP);
    $rep->bind('tcp://127.0.0.1:*');
    is_deeply( [ events_until( $rm, ZMQ_EVENT_LISTENING ) ], [ZMQ_EVENT_LISTENING], 'LISTENING' );
    my ( $req, $qm ) = monitored(ZMQ_REQ);
    $req->connect( $rep->last_endpoint );
    is_deeply(
        [ events_until( $qm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ) ],
        [ ZMQ_EVENT_CONNECT_DELAYED, ZMQ_EVENT_CONNECTED, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ],
        'connecting side: CONNECT_DELAYED, CONNECTED, HANDSHAKE_SUCCEEDED'
    );
    is_deeply(
        [ events_until( $rm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ) ],
        [ ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ],
        'binding side: ACCEPTED, HANDSHAKE_SUCCEEDED'
    );
    $req->close;
    is_deeply( [ events_until( $rm, ZMQ_EVENT_DISCONNECTED ) ], [ZMQ_EVENT_DISCONNECTED], 'peer gone: DISCONNECTED' );
    is_deeply( [ events_until( $qm, ZMQ_EVENT_MONITOR_STOPPED ) ], [ZMQ_EVENT_MONITOR_STOPPED],
        'closing a monitored socket stops its monitor' );
    my $ep = $rep->last_endpoint;
    $rep->unbind($ep);
    is_deeply( [ events_until( $rm, ZMQ_EVENT_CLOSED ) ], [ZMQ_EVENT_CLOSED], 'unbind: CLOSED' );
    $rep->close;
};

SKIP: {
    my ( $version, $why ) = ZMQRTest::Peer::probe();
    if ( !$version ) {
        die "no libzmq peer: $why\n" if $ENV{ZMQ_RUST_REQUIRE_INTEROP};
        skip "no libzmq peer: $why", 2;
    }

    subtest "accept, handshake, disconnect: libzmq $version peer connects" => sub {
        my ( $rep, $rm ) = monitored(ZMQ_REP);
        $rep->bind('tcp://127.0.0.1:*');
        events_until( $rm, ZMQ_EVENT_LISTENING );
        my $peer = ZMQRTest::Peer->start( '--deadline', 30, '--type', 'REQ', '--connect', $rep->last_endpoint );
        ok( $peer, 'libzmq REQ started' ) or diag $ZMQRTest::Peer::ERROR;
        is_deeply(
            [ events_until( $rm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ) ],
            [ ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ],
            'ACCEPTED, HANDSHAKE_SUCCEEDED'
        );
        $peer->quit;
        is_deeply( [ events_until( $rm, ZMQ_EVENT_DISCONNECTED ) ], [ZMQ_EVENT_DISCONNECTED], 'libzmq peer gone: DISCONNECTED' );
        $rep->close;
    };

    subtest "connect, handshake, retry: libzmq $version peer binds" => sub {
        my $peer = ZMQRTest::Peer->start( '--deadline', 30, '--type', 'REP', '--bind', 'tcp://127.0.0.1:*' );
        ok( $peer, 'libzmq REP started' ) or diag $ZMQRTest::Peer::ERROR;
        my ( $req, $qm ) = monitored(ZMQ_REQ);
        $req->connect( $peer->endpoint );
        is_deeply(
            [ events_until( $qm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ) ],
            [ ZMQ_EVENT_CONNECT_DELAYED, ZMQ_EVENT_CONNECTED, ZMQ_EVENT_HANDSHAKE_SUCCEEDED ],
            'CONNECT_DELAYED, CONNECTED, HANDSHAKE_SUCCEEDED'
        );
        $peer->kill;
        is_deeply( [ events_until( $qm, ZMQ_EVENT_DISCONNECTED ) ], [ZMQ_EVENT_DISCONNECTED], 'libzmq peer killed: DISCONNECTED' );
        is( ( events_until( $qm, ZMQ_EVENT_CONNECT_RETRIED ) )[-1], ZMQ_EVENT_CONNECT_RETRIED, 'then CONNECT_RETRIED' );
        $req->close;
    };
}

# ZMQ::FFI's t/monitor.t: two DEALERs, the server closed after the handshakes. The server's
# monitor gets CLOSED for its listener before MONITOR_STOPPED, and an ipc connect is done at
# once (CONNECTED with no CONNECT_DELAYED before it), event for event as libzmq.
my $CLOSE_SCENARIO_PY = <<'PY';
import sys, zmq
from zmq.utils.monitor import recv_monitor_message
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER); c = ctx.socket(zmq.DEALER)
sm = s.get_monitor_socket(); cm = c.get_monitor_socket()
sm.rcvtimeo = cm.rcvtimeo = 3000
def until(m, want):
    seen = []
    while True:
        try: e = recv_monitor_message(m)['event']
        except zmq.Again: return seen + ['timeout']
        seen.append(e)
        if e == want: return seen
s.bind(sys.argv[1])
c.connect(s.getsockopt(zmq.LAST_ENDPOINT).decode())
srv = until(sm, zmq.EVENT_HANDSHAKE_SUCCEEDED)
cli = until(cm, zmq.EVENT_HANDSHAKE_SUCCEEDED)
s.close(linger=0)
srv += until(sm, zmq.EVENT_MONITOR_STOPPED)
cli += until(cm, zmq.EVENT_DISCONNECTED)
print(" ".join(map(str, srv)))
print(" ".join(map(str, cli)))
ctx.destroy(linger=0)
PY

sub close_scenario {
    my ($ep) = @_;
    my ( $s, $sm ) = monitored(ZMQ_DEALER);
    my ( $c, $cm ) = monitored(ZMQ_DEALER);
    $s->bind($ep);
    $c->connect( $s->last_endpoint );
    my @srv = events_until( $sm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED );
    my @cli = events_until( $cm, ZMQ_EVENT_HANDSHAKE_SUCCEEDED );
    $s->close;
    push @srv, events_until( $sm, ZMQ_EVENT_MONITOR_STOPPED );
    push @cli, events_until( $cm, ZMQ_EVENT_DISCONNECTED );
    $c->close;
    return ( "@srv", "@cli" );
}

subtest 'a socket closed after the handshake: the same events as libzmq' => sub {
    my ( $version, $why ) = ZMQRTest::Peer::probe();
    my $dir = ZMQRTest::ipc_dir();
    for my $t (qw(tcp ipc)) {
        my $ep = $t eq 'tcp' ? 'tcp://127.0.0.1:*' : "ipc://$dir/t47-close-$$.ipc";
        my ( $srv, $cli ) = close_scenario($ep);
        is( $srv, join( ' ', ZMQ_EVENT_LISTENING, ZMQ_EVENT_ACCEPTED, ZMQ_EVENT_HANDSHAKE_SUCCEEDED,
                ZMQ_EVENT_CLOSED, ZMQ_EVENT_MONITOR_STOPPED ),
            "$t: server LISTENING ACCEPTED HANDSHAKE_SUCCEEDED CLOSED MONITOR_STOPPED" );
        is( $cli, join( ' ', ( $t eq 'tcp' ? ZMQ_EVENT_CONNECT_DELAYED : () ), ZMQ_EVENT_CONNECTED,
                ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ZMQ_EVENT_DISCONNECTED ),
            "$t: client " . ( $t eq 'tcp' ? 'CONNECT_DELAYED ' : '' ) . 'CONNECTED HANDSHAKE_SUCCEEDED DISCONNECTED' );
        next unless $version;
        my $py_ep = $t eq 'tcp' ? $ep : "ipc://$dir/t47-close-py-$$.ipc";
        open( my $py, '-|', ZMQRTest::Peer::python(), '-c', $CLOSE_SCENARIO_PY, $py_ep ) or die "python: $!";
        chomp( my @lines = <$py> );
        close $py;
        is_deeply( [ $srv, $cli ], [ @lines[ 0, 1 ] ], "$t: libzmq $version gives the same" );
    }
    fail("ZMQ_RUST_REQUIRE_INTEROP=1 but no libzmq peer: $why") if !$version && $ENV{ZMQ_RUST_REQUIRE_INTEROP};
};

subtest 'bad input' => sub {
    my $s = $ctx->socket(ZMQ_PUB);
    my ($err) = caught( sub { $s->monitor( 'tcp://127.0.0.1:5555', ZMQ_EVENT_ALL ) } );
    like( $err, qr/^zmq_socket_monitor: Protocol not supported/, 'monitor endpoint must be inproc' );
    my ($err2) = caught( sub { $s->monitor( [], 1 ) } );
    like( $err2, qr/usage: \$socket->monitor/, 'a reference croaks' );
    $s->close;
};

$ctx->destroy;
done_testing;
