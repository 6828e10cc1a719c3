use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL EFAULT);
use IO::Select ();
use IPC::Open2 ();
use ZMQ::Rust qw(:all);
use ZMQ::Rust::LibZMQ3 ();
use lib 't/lib';
use ZMQRTest qw(caught ipc_ep);
use ZMQRTest::Peer ();

# The PLAIN mechanism (RFC 24): its options from Perl, and a real libzmq peer (pyzmq). A pyzmq
# REP server authenticating with zmq.auth's ThreadAuthenticator lets a ZMQ::Rust REQ with the
# right password through (tcp and ipc) and refuses a wrong one (HANDSHAKE_FAILED_AUTH 400); a
# ZMQ::Rust PLAIN server with no ZAP handler bound, as libzmq without one, lets no pyzmq PLAIN
# client through (HANDSHAKE_FAILED_NO_DETAIL with EFAULT). With a handler: t/59-zap.t.

my $ctx = ZMQ::Rust->new;

subtest 'options: set/get, last writer wins, MECHANISM' => sub {
    my $s = $ctx->socket(ZMQ_REQ);
    is( $s->get( ZMQ_MECHANISM, 'int' ),      ZMQ_NULL, 'MECHANISM NULL by default' );
    is( $s->get( ZMQ_PLAIN_SERVER, 'int' ),   0,        'PLAIN_SERVER 0' );
    is( $s->get( ZMQ_PLAIN_USERNAME, 'string' ), undef, 'PLAIN_USERNAME unset: undef, as an unset LAST_ENDPOINT' );

    # The ZMQ::FFI idiom: a bytes value.
    $s->set( ZMQ_PLAIN_USERNAME, 'binary', 'admin' );
    is( $s->get( ZMQ_PLAIN_USERNAME, 'string' ), 'admin', 'PLAIN_USERNAME read back as the string' );
    is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_PLAIN, 'MECHANISM PLAIN once a username is set' );
    is( $s->get( ZMQ_PLAIN_SERVER, 'int' ), 0, 'a client: PLAIN_SERVER 0' );
    $s->set( ZMQ_PLAIN_PASSWORD, 'string', 'secret' );
    is( $s->get( ZMQ_PLAIN_PASSWORD, 'string' ), 'secret', 'PLAIN_PASSWORD' );

    $s->set( ZMQ_PLAIN_SERVER, 'int', 1 );
    is( $s->get( ZMQ_PLAIN_SERVER, 'int' ), 1, 'PLAIN_SERVER 1' );
    is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_PLAIN, 'still PLAIN' );
    $s->set( ZMQ_PLAIN_PASSWORD, 'string', 'again' );
    is( $s->get( ZMQ_PLAIN_SERVER, 'int' ), 0, 'last writer wins: a password makes a client' );
    $s->set( ZMQ_PLAIN_SERVER, 'int', 0 );
    is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_NULL, 'PLAIN_SERVER 0: NULL' );
    is( $s->get( ZMQ_PLAIN_USERNAME, 'string' ), 'admin', 'the username is kept' );

    for my $bad ( [ ZMQ_PLAIN_SERVER, 'int', 2 ], [ ZMQ_PLAIN_USERNAME, 'string', '' ],
        [ ZMQ_PLAIN_PASSWORD, 'binary', 'x' x 256 ], [ ZMQ_MECHANISM, 'int', 1 ] )
    {
        my ($err) = caught( sub { $s->set(@$bad) } );
        is( ref $err && $err->errno, EINVAL, "set($bad->[0], '$bad->[1]', ...): EINVAL" );
    }
    is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_NULL, 'refused values change nothing' );
    $s->set( ZMQ_PLAIN_PASSWORD, 'binary', 'p' x 255 );
    is( length $s->get( ZMQ_PLAIN_PASSWORD, 'string' ), 255, '255 bytes' );
    $s->close;

    my $c = ZMQ::Rust::LibZMQ3::zmq_ctx_new();
    my $z = ZMQ::Rust::LibZMQ3::zmq_socket( $c, ZMQ_REP );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt( $z, ZMQ_PLAIN_SERVER, 1 ), 0, 'LibZMQ3: PLAIN_SERVER' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt( $z, ZMQ_MECHANISM ), ZMQ_PLAIN, 'LibZMQ3: MECHANISM PLAIN' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_string( $z, ZMQ_PLAIN_USERNAME, 'joe' ), 0, 'LibZMQ3: username' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt( $z, ZMQ_PLAIN_USERNAME ), "joe\0", 'LibZMQ3: read back with its NUL' );
    ZMQ::Rust::LibZMQ3::zmq_close($z);
    ZMQ::Rust::LibZMQ3::zmq_ctx_destroy($c);
};

my ( $LIBZMQ, $WHY ) = ZMQRTest::Peer->probe;
ZMQRTest::need_peer( $LIBZMQ, 'libzmq', $WHY, 'install python3-zmq' );
note "libzmq $LIBZMQ through " . ZMQRTest::Peer::python();

$SIG{ALRM} = sub { die "t/58-plain.t: 90 s backstop alarm\n" };
alarm 90;

# argv: "server" tcp-endpoint ipc-endpoint | "client" endpoint
my $PY = <<'PY';
import sys, select, zmq, zmq.auth
from zmq.auth.thread import ThreadAuthenticator
ctx = zmq.Context()
if sys.argv[1] == "server":
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain(domain="*", passwords={"admin": "secret"})
    rep = ctx.socket(zmq.REP)
    rep.plain_server = True
    rep.linger = 0
    rep.bind(sys.argv[2])
    tcp = rep.getsockopt(zmq.LAST_ENDPOINT).decode()
    rep.bind(sys.argv[3])
    print("EP " + tcp, flush=True)
    poller = zmq.Poller()
    poller.register(rep, zmq.POLLIN)
    poller.register(sys.stdin, zmq.POLLIN)
    while True:
        ready = dict(poller.poll(5000))
        if rep in ready:
            msg = rep.recv()
            print("GOT " + msg.decode(), flush=True)
            rep.send(b"World:" + msg)
        if sys.stdin.fileno() in ready or sys.stdin in ready:
            break
    rep.close()
    auth.stop()
else:
    s = ctx.socket(zmq.REQ)
    s.plain_username, s.plain_password = b"admin", b"secret"
    s.linger = 0
    s.rcvtimeo = 1500
    s.connect(sys.argv[2])
    s.send(b"secret request")
    try:
        print("REPLY " + s.recv().decode(), flush=True)
    except zmq.Again:
        print("NO REPLY", flush=True)
    s.close()
ctx.term()
PY

sub monitored {
    my ( $s, $name ) = @_;
    my $ep = "inproc://t58-$name-$$";
    $s->monitor( $ep, ZMQ_EVENT_ALL );
    my $m = $ctx->socket(ZMQ_PAIR);
    $m->set( ZMQ_RCVTIMEO, 'int', 3000 );
    $m->connect($ep);
    return $m;
}

# [event, value] pairs until $want shows up (or the monitor times out).
sub events_until {
    my ( $m, $want ) = @_;
    my @seen;
    while ( my ( $ev, $val ) = eval { $m->recv_event } ) {
        push @seen, [ $ev, $val ];
        return @seen if $ev == $want;
    }
    return @seen;
}

sub plain_req {
    my ($password) = @_;
    my $req = $ctx->socket(ZMQ_REQ);
    $req->set( ZMQ_PLAIN_USERNAME, 'binary', 'admin' );
    $req->set( ZMQ_PLAIN_PASSWORD, 'binary', $password );
    $req->set( ZMQ_RCVTIMEO, 'int', 3000 );
    $req->set( ZMQ_LINGER,   'int', 0 );
    return $req;
}

subtest 'ZMQ::Rust PLAIN client -> pyzmq PLAIN server with ThreadAuthenticator' => sub {
    my $py  = ZMQRTest::Peer::python();
    my $ipc = ipc_ep('plain');
    my $pid = IPC::Open2::open2( my $out, my $in, $py, '-c', $PY, 'server', 'tcp://127.0.0.1:*', $ipc );
    my $line = <$out>;
    like( $line // '', qr/^EP tcp:/, 'the server is up' ) or return;
    my ($tcp) = $line =~ /^EP (\S+)/;

    for my $ep ( $tcp, $ipc ) {
        my $req = plain_req('secret');
        $req->connect($ep);
        $req->send("Hello");
        is( eval { $req->recv } // "no reply: $@", 'World:Hello', "right password: a reply over $ep" );
        $req->close;
        is( scalar <$out>, "GOT Hello\n", "the server got the request over $ep" );
    }

    my $req = plain_req('wrong');
    my $m   = monitored( $req, 'wrong' );
    $req->set( ZMQ_RCVTIMEO, 'int', 1500 );
    $req->connect($tcp);
    $req->send("let me in");
    my @got = eval { $req->recv };
    ok( !@got, 'wrong password: no reply' );
    my @ev = events_until( $m, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH );
    is_deeply( $ev[-1], [ ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400 ], 'monitor: HANDSHAKE_FAILED_AUTH 400' )
        or diag explain \@ev;
    ok( !( grep { $_->[0] == ZMQ_EVENT_HANDSHAKE_SUCCEEDED } @ev ), 'no handshake succeeded' );
    $req->close;

    close $in;    # the server stops
    my @rest = <$out>;
    is_deeply( \@rest, [], 'the server got nothing from the refused client' );
    waitpid( $pid, 0 );
};

subtest 'pyzmq PLAIN client -> ZMQ::Rust PLAIN server without a ZAP handler' => sub {
    my $rep = $ctx->socket(ZMQ_REP);
    $rep->set( ZMQ_PLAIN_SERVER, 'int', 1 );
    $rep->set( ZMQ_RCVTIMEO,     'int', 1500 );
    my $m = monitored( $rep, 'server' );
    $rep->bind('tcp://127.0.0.1:*');
    my $py  = ZMQRTest::Peer::python();
    my $pid = open( my $fh, '-|', $py, '-c', $PY, 'client', $rep->last_endpoint ) // die "python: $!";
    my $out = do { local $/; <$fh> };
    close $fh;
    is( $out, "NO REPLY\n", 'the pyzmq client got no reply' );
    my @got = eval { $rep->recv };
    ok( !@got, 'the ZMQ::Rust server received nothing' );
    my @ev = events_until( $m, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL );
    is_deeply( $ev[-1], [ ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, EFAULT ], 'monitor: NO_DETAIL with EFAULT (no ZAP handler)' )
        or diag explain \@ev;
    $rep->close;
};

done_testing;
