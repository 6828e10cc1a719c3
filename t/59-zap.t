use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL);
use IO::Select ();
use Time::HiRes ();
use ZMQ::Rust qw(:all);
use lib 't/lib';
use ZMQRTest qw(caught);
use ZMQRTest::Peer ();

# ZAP (RFC 27) with a handler written in Perl: a REP socket bound at inproc://zeromq.zap.01 in
# the server's context, answered from the test's own loop, accepting admin/secret and refusing
# everyone else. A ZMQ::Rust PLAIN server asks it for every client: a ZMQ::Rust PLAIN client
# and a pyzmq (libzmq) PLAIN client get replies with the right password and none with a wrong
# one. Plus ZMQ_ZAP_DOMAIN and ZMQ_ZAP_ENFORCE_DOMAIN from Perl.

my $ctx = ZMQ::Rust->new;

subtest 'options: ZAP_DOMAIN and ZAP_ENFORCE_DOMAIN' => sub {
    my $s = $ctx->socket(ZMQ_REP);
    is( $s->get( ZMQ_ZAP_DOMAIN, 'string' ), undef, 'ZAP_DOMAIN unset' );
    $s->set( ZMQ_ZAP_DOMAIN, 'string', 'global' );
    is( $s->get( ZMQ_ZAP_DOMAIN, 'string' ), 'global', 'ZAP_DOMAIN read back' );
    for my $bad ( '', 'd' x 256 ) {
        my ($err) = caught( sub { $s->set( ZMQ_ZAP_DOMAIN, 'string', $bad ) } );
        is( ref $err && $err->errno, EINVAL, 'ZAP_DOMAIN of ' . length($bad) . ' bytes: EINVAL' );
    }
    is( $s->get( ZMQ_ZAP_DOMAIN, 'string' ), 'global', 'ZAP_DOMAIN cannot be cleared' );
    is( $s->get( ZMQ_ZAP_ENFORCE_DOMAIN, 'int' ), 0, 'ZAP_ENFORCE_DOMAIN 0 by default' );
    $s->set( ZMQ_ZAP_ENFORCE_DOMAIN, 'int', 7 );
    is( $s->get( ZMQ_ZAP_ENFORCE_DOMAIN, 'int' ), 1, 'any non-zero value stores 1' );
    is( $s->get( ZMQ_MECHANISM, 'int' ), ZMQ_NULL, 'the mechanism is unchanged' );
    $s->close;
};

# The handler, as an application writes it: every waiting request gets its answer.
my @SEEN;

sub serve_zap {
    my ($zap) = @_;
    while ( $zap->has_pollin ) {
        # version, request id, domain, address, identity, mechanism, credentials
        my @req = $zap->recv_multipart;
        push @SEEN, \@req;
        my ( $version, $id, $domain, $address, $identity, $mechanism, $user, $pass ) = @req;
        my $ok = $mechanism eq 'PLAIN' && $user eq 'admin' && $pass eq 'secret';
        $zap->send_multipart(
            [ '1.0', $id, $ok ? ( '200', 'OK', $user ) : ( '400', 'Refused', '' ), '' ] );
    }
}

my $zap = $ctx->socket(ZMQ_REP);
$zap->bind('inproc://zeromq.zap.01');

sub plain_rep {
    my $rep = $ctx->socket(ZMQ_REP);
    $rep->set( ZMQ_PLAIN_SERVER, 'int', 1 );
    $rep->set( ZMQ_LINGER,       'int', 0 );
    $rep->bind('tcp://127.0.0.1:*');
    return $rep;
}

# Runs the handler and an echo server until $done->() says so, or for $secs.
sub run_until {
    my ( $rep, $secs, $done ) = @_;
    my $until = Time::HiRes::time() + $secs;
    while ( Time::HiRes::time() < $until ) {
        serve_zap($zap);
        $rep->send( 'World:' . $rep->recv ) if $rep->has_pollin;
        return 1 if $done->();
        Time::HiRes::sleep(0.01);
    }
    return 0;
}

subtest 'ZMQ::Rust PLAIN client -> ZMQ::Rust PLAIN server with a Perl ZAP handler' => sub {
    my $rep = plain_rep();
    for my $case ( [ secret => 'World:Hello' ], [ wrong => undef ] ) {
        my ( $password, $want ) = @$case;
        @SEEN = ();
        my $req = $ctx->socket(ZMQ_REQ);
        $req->set( ZMQ_PLAIN_USERNAME, 'binary', 'admin' );
        $req->set( ZMQ_PLAIN_PASSWORD, 'binary', $password );
        $req->set( ZMQ_LINGER,         'int',    0 );
        $req->connect( $rep->last_endpoint );
        $req->send('Hello');
        my $replied = run_until( $rep, defined $want ? 5 : 1, sub { $req->has_pollin } );
        if ( defined $want ) {
            ok( $replied, "$password: a reply" ) and is( $req->recv, $want, "$password: the reply" );
        }
        else {
            ok( !$replied, "$password: no reply" );
        }
        is( scalar @SEEN, 1, "$password: one ZAP request" );
        is_deeply( [ @{ $SEEN[0] || [] }[ 0, 1, 2, 3, 5, 6, 7 ] ],
            [ '1.0', '1', '', '127.0.0.1', 'PLAIN', 'admin', $password ], "$password: the request's frames" );
        $req->close;
    }
    $rep->close;
};

my ( $LIBZMQ, $WHY ) = ZMQRTest::Peer->probe;
ZMQRTest::need_peer( $LIBZMQ, 'libzmq', $WHY, 'install python3-zmq' );
note "libzmq $LIBZMQ through " . ZMQRTest::Peer::python();

$SIG{ALRM} = sub { die "t/59-zap.t: 90 s backstop alarm\n" };
alarm 90;

# argv: endpoint password
my $PY = <<'PY';
import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.REQ)
s.plain_username, s.plain_password = b"admin", sys.argv[2].encode()
s.linger = 0
s.rcvtimeo = 1500
s.connect(sys.argv[1])
s.send(b"Hello")
try:
    print("REPLY " + s.recv().decode(), flush=True)
except zmq.Again:
    print("NO REPLY", flush=True)
s.close()
ctx.term()
PY

subtest 'pyzmq PLAIN client -> ZMQ::Rust PLAIN server with a Perl ZAP handler' => sub {
    my $rep = plain_rep();
    for my $case ( [ secret => "REPLY World:Hello\n" ], [ wrong => "NO REPLY\n" ] ) {
        my ( $password, $want ) = @$case;
        @SEEN = ();
        my $py = ZMQRTest::Peer::python();
        open( my $fh, '-|', $py, '-c', $PY, $rep->last_endpoint, $password ) // die "python: $!";
        my $sel = IO::Select->new($fh);
        my $out = '';
        run_until( $rep, 10, sub {
            return 0 unless $sel->can_read(0);
            my $n = sysread( $fh, $out, 4096, length $out );
            return !$n;
        } );
        close $fh;
        is( $out, $want, "$password: " . ( $password eq 'secret' ? 'a reply' : 'no reply' ) );
        ok( scalar @SEEN >= 1, "$password: the handler was asked" );
        is_deeply( [ @{ $SEEN[0] || [] }[ 3, 5, 6, 7 ] ], [ '127.0.0.1', 'PLAIN', 'admin', $password ],
            "$password: address, mechanism and credentials" );
    }
    $rep->close;
};

$zap->close;
done_testing;
