use strict;
use warnings;

use Test::More;
use POSIX ();
use Errno qw(EINVAL ENOTSUP);
use ZMQ::Rust qw(:all);
use ZMQ::Rust::LibZMQ3 ();
use lib 't/lib';
use ZMQRTest qw(caught);
use ZMQRTest::Peer ();

# No faked security: CURVE and GSSAPI are not in this build, so setting or reading one of their
# options fails with a clear error and changes nothing. (ZAP_DOMAIN is built: it cannot be
# emptied, as in libzmq; ZAP itself is in t/59-zap.t.) ZMQ_MECHANISM keeps reading
# NULL (0), has_capability says no, and a real CURVE or PLAIN peer gets no NULL connection in its
# place. (PLAIN is built: its options are in t/58-plain.t.)

my $ctx = ZMQ::Rust->new;

# option => [value type, a value libzmq would accept, the errno we answer]
my %REFUSED = (
    ZMQ_CURVE_SERVER()                      => [ 'int',    1,          EINVAL ],
    ZMQ_CURVE_PUBLICKEY()                   => [ 'binary', 'k' x 32,   EINVAL ],
    ZMQ_CURVE_SECRETKEY()                   => [ 'binary', 'k' x 32,   EINVAL ],
    ZMQ_CURVE_SERVERKEY()                   => [ 'string', 'a' x 40,   EINVAL ],
    ZMQ_GSSAPI_SERVER()                     => [ 'int',    1,          EINVAL ],
    ZMQ_GSSAPI_PRINCIPAL()                  => [ 'string', 'me',       EINVAL ],
    ZMQ_GSSAPI_SERVICE_PRINCIPAL()          => [ 'string', 'svc',      EINVAL ],
    ZMQ_GSSAPI_PLAINTEXT()                  => [ 'int',    1,          EINVAL ],
    ZMQ_GSSAPI_PRINCIPAL_NAMETYPE()         => [ 'int',    0,          EINVAL ],
    ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE() => [ 'int',    0,          EINVAL ],
);
my %NAME = map { ZMQ::Rust::Constants->can($_)->() => $_ }
    grep { /^ZMQ_(CURVE|GSSAPI|ZAP)_/ && !/_NT_/ } @{ $ZMQ::Rust::Constants::EXPORT_TAGS{options} };

subtest 'set croaks, names the mechanism, changes nothing' => sub {
    for my $opt ( sort { $a <=> $b } keys %REFUSED ) {
        my ( $type, $value, $errno ) = @{ $REFUSED{$opt} };
        my $s = $ctx->socket(ZMQ_REP);
        my ($err) = caught( sub { $s->set( $opt, $type, $value ) } );
        like( $err, qr/^zmq_setsockopt: .*not available in this build/, "$NAME{$opt}: croaks" );
        is( ref $err && $err->errno, $errno, "$NAME{$opt}: errno " . ( $errno == EINVAL ? 'EINVAL' : 'ENOTSUP' ) );
        is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_NULL, "$NAME{$opt}: ZMQ_MECHANISM still NULL" );
        ($err) = caught( sub { $s->get( $opt, $type ) } );
        like( $err, qr/^zmq_getsockopt: .*not available in this build/, "$NAME{$opt}: get croaks too" );
        $s->close;
    }
};

subtest 'die_on_error(0): empty return, last_errno, has_error' => sub {
    my $s = $ctx->socket(ZMQ_REP);
    $s->die_on_error(0);
    my @r = $s->set( ZMQ_CURVE_SERVER, 'int', 1 );
    is( scalar @r, 0, 'set returns empty' );
    is( $s->last_errno, EINVAL, 'last_errno EINVAL' );
    ok( $s->has_error, 'has_error' );
    @r = $s->set( ZMQ_ZAP_DOMAIN, 'string', '' );
    is( $s->last_errno, EINVAL, 'ZAP_DOMAIN "": last_errno EINVAL' );
    like( $s->last_strerror, qr/invalid argument/i, 'last_strerror' );
    is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_NULL, 'MECHANISM NULL' );
    $s->close;
};

subtest 'ZMQ::Rust::LibZMQ3: -1 and $!' => sub {
    my $c = ZMQ::Rust::LibZMQ3::zmq_ctx_new();
    my $s = ZMQ::Rust::LibZMQ3::zmq_socket( $c, ZMQ_REP );
    $! = 0;
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt( $s, ZMQ_CURVE_SERVER, 1 ), -1, 'CURVE_SERVER: -1' );
    is( $! + 0, EINVAL, '$! EINVAL' );
    $! = 0;
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_string( $s, ZMQ_ZAP_DOMAIN, 'global' ), 0, 'ZAP_DOMAIN: 0' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_string( $s, ZMQ_ZAP_DOMAIN, '' ), -1, 'ZAP_DOMAIN "": -1' );
    is( $! + 0, EINVAL, '$! EINVAL' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt( $s, ZMQ_MECHANISM ), ZMQ_NULL, 'MECHANISM NULL' );
    ZMQ::Rust::LibZMQ3::zmq_close($s);
    ZMQ::Rust::LibZMQ3::zmq_ctx_destroy($c);
};

subtest 'has_capability and curve_keypair' => sub {
    ok( !$ctx->has_capability($_), "has_capability('$_') is false" ) for qw(curve plain gssapi);
    # Making keys is a helper, not the mechanism: has_capability stays false.
    my ( $pub, $sec ) = $ctx->curve_keypair;
    is( length($pub) . ',' . length($sec), '40,40', 'curve_keypair makes keys' );
    ok( !$ctx->has_capability('curve'), "has_capability('curve') still false after it" );
};

# A real CURVE peer: a NULL socket must never stand in for a secure one.
subtest 'a pyzmq CURVE or PLAIN peer gets nothing through' => sub {
    my ( $libzmq, $why ) = ZMQRTest::Peer->probe;
    if ( !$libzmq ) {
        fail("ZMQ_RUST_REQUIRE_INTEROP=1 but no libzmq peer: $why") if $ENV{ZMQ_RUST_REQUIRE_INTEROP};
        plan skip_all => "no libzmq peer: $why";
    }
    my $py = ZMQRTest::Peer::python();
    # ZMQ::Rust binds a REP (NULL: its CURVE_SERVER was refused; PLAIN: a PLAIN server with no
    # ZAP handler, which refuses every client as libzmq does); a pyzmq CURVE (PLAIN) client
    # connects, sends, and must get no reply.
    my $script = <<'PY';
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.REQ)
if sys.argv[2] == "curve":
    pub, sec = zmq.curve_keypair()
    srv, _ = zmq.curve_keypair()
    s.curve_publickey, s.curve_secretkey, s.curve_serverkey = pub, sec, srv
else:
    s.plain_username, s.plain_password = b"admin", b"secret"
s.linger = 0
s.rcvtimeo = 1500
s.connect(sys.argv[1])
s.send(b"secret request")
try:
    print("REPLY " + s.recv().decode())
except zmq.Again:
    print("NO REPLY")
s.close()
ctx.term()
PY
    for my $mech (qw(curve plain)) {
        my $rep = $ctx->socket(ZMQ_REP);
        caught( sub { $rep->set( $mech eq 'curve' ? ZMQ_CURVE_SERVER : ZMQ_PLAIN_SERVER, 'int', 1 ) } );
        $rep->set( ZMQ_RCVTIMEO, 'int', 1500 );
        $rep->bind('tcp://127.0.0.1:*');
        my $out = run_py( $py, $script, $rep->last_endpoint, $mech );
        my @got = eval { $rep->recv };
        ok( !@got, "the NULL REP received nothing from the $mech client" );
        is( $out, "NO REPLY\n", "the $mech client got no reply" );
        $rep->close;
    }
};

sub run_py {
    my ( $py, $script, @args ) = @_;
    my $pid = open( my $fh, '-|' ) // die "fork: $!";
    if ( !$pid ) {
        open STDERR, '>', '/dev/null';
        { exec $py, "-c", $script, @args }
        POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh>;
    close $fh;
    return $out;
}

$ctx->destroy;
done_testing;
