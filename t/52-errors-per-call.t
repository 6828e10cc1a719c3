use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN EINVAL EPROTONOSUPPORT ENOENT);
use ZMQ::Rust qw(:all);
use ZMQ::Rust::LibZMQ3 ();
use lib 't/lib';
use ZMQRTest qw(caught);

# last_errno, last_strerror and has_error describe the last call only, as in ZMQ::FFI: every
# call that can fail starts again from 0. The non-blocking idiom of ZMQ::FFI programs must see
# each message that arrives after an EAGAIN.

my $ctx = ZMQ::Rust->new;
my $n   = 0;

sub pair {
    my ( $a_type, $b_type ) = @_;
    my $ep = 'inproc://errors-per-call-' . ++$n;
    my $a  = $ctx->socket($a_type);
    $a->bind($ep);
    my $b = $ctx->socket($b_type);
    $b->connect($ep);
    return ( $a, $b );
}

sub clean {
    my ( $s, $what ) = @_;
    is( $s->last_errno,    0,  "$what: last_errno is 0 again" );
    is( $s->last_strerror, '', "$what: last_strerror is empty" );
    ok( !$s->has_error, "$what: has_error is false" );
}

subtest 'the ZMQ::FFI non-blocking idiom: has_error after recv_multipart(ZMQ_DONTWAIT)' => sub {
    my ( $pull, $push ) = pair( ZMQ_PULL, ZMQ_PUSH );
    $pull->die_on_error(0);
    my ( @got, $eagains );
    my $sent = 0;
    for my $round ( 1 .. 400 ) {
        $push->send_multipart( [ "m$sent", 'body' ] ), $sent++ if $round % 4 == 0 && $sent < 50;
        my @m = $pull->recv_multipart(ZMQ_DONTWAIT);
        if ( $pull->has_error ) {
            $eagains++;
            is( $pull->last_errno, EAGAIN, 'the error is EAGAIN' ) if $eagains == 1;
            next;
        }
        push @got, $m[0];
        last if @got == 50;
    }
    ok( $eagains, 'some calls found nothing' );
    is( scalar @got, 50, 'every message sent after an EAGAIN was received' );
    is( $got[-1], 'm49', '... in order' );
};

subtest 'recv, recv_multipart, send, send_multipart: errors do not outlive the call' => sub {
    my ( $pull, $push ) = pair( ZMQ_PULL, ZMQ_PUSH );
    $_->die_on_error(0) for $pull, $push;
    ok( !defined $pull->recv(ZMQ_DONTWAIT), 'recv: nothing yet' );
    is( $pull->last_errno, EAGAIN, 'EAGAIN' );
    ok( $pull->has_error, 'has_error' );
    is( $pull->has_error, EAGAIN, 'has_error gives the errno, as ZMQ::FFI' );
    $push->send('one');
    is( $pull->recv, 'one', 'recv after the EAGAIN' );
    clean( $pull, 'recv' );
    is( scalar( () = $pull->recv_multipart(ZMQ_DONTWAIT) ), 0, 'recv_multipart: nothing' );
    is( $pull->last_errno, EAGAIN, 'EAGAIN' );
    $push->send_multipart( [ 'a', 'b' ] );
    is_deeply( [ $pull->recv_multipart ], [ 'a', 'b' ], 'recv_multipart after the EAGAIN' );
    clean( $pull, 'recv_multipart' );

    $push->set( ZMQ_SNDHWM, 'int', 1 );
    my ( $q, $full ) = pair( ZMQ_PULL, ZMQ_PUSH );
    $full->die_on_error(0);
    $full->set( ZMQ_SNDHWM, 'int', 1 );
    $q->set( ZMQ_RCVHWM, 'int', 1 );
    my $ok = 0;
    $ok++ while $ok < 100 && $full->send( 'x', ZMQ_DONTWAIT ) && !$full->has_error;
    is( $full->last_errno, EAGAIN, 'send: the pipe filled up (EAGAIN)' );
    $q->recv for 1 .. $ok;
    ok( $full->send( 'y', ZMQ_DONTWAIT ), 'send succeeds after the drain' );
    clean( $full, 'send' );
    $full->send( 'z', ZMQ_DONTWAIT ) for 1 .. 3;
    is( $full->last_errno, EAGAIN, 'full again' );
    $q->die_on_error(0);
    $q->recv(ZMQ_DONTWAIT) for 1 .. 5;
    ok( $full->send_multipart( [ 'p', 'q' ], ZMQ_DONTWAIT ), 'send_multipart succeeds' );
    clean( $full, 'send_multipart' );
};

subtest 'bind, connect, unbind, disconnect, set, get, has_pollin, subscribe' => sub {
    my $s = $ctx->socket(ZMQ_SUB);
    $s->die_on_error(0);
    my @calls = (
        [ 'bind',        sub { $s->bind('bogus://x') },             sub { $s->bind('inproc://epc-bind') } ],
        [ 'connect',     sub { $s->connect('bogus://x') },          sub { $s->connect('inproc://epc-other') } ],
        [ 'unbind',      sub { $s->unbind('inproc://nowhere') },    sub { $s->unbind('inproc://epc-bind') } ],
        [ 'disconnect',  sub { $s->disconnect('inproc://nowhere') }, sub { $s->disconnect('inproc://epc-other') } ],
        [ 'set',         sub { $s->set( ZMQ_LINGER, 'int', -5 ) },  sub { $s->set( ZMQ_LINGER, 'int', 10 ) } ],
        [ 'get',         sub { $s->get( ZMQ_SUBSCRIBE, 'binary' ) }, sub { $s->get( ZMQ_LINGER, 'int' ) } ],
        [ 'set_linger',  sub { $s->set_linger(-7) },                sub { $s->set_linger(0) } ],
        [ 'has_pollin',  sub { $s->set( 99_999, 'int', 1 ) },       sub { $s->has_pollin } ],
        [ 'subscribe',   sub { $s->set( ZMQ_RCVHWM, 'int', -1 ) },  sub { $s->subscribe('topic') } ],
        [ 'get_identity', sub { $s->set( ZMQ_SNDHWM, 'int', -1 ) }, sub { $s->get_identity } ],
    );
    for my $c (@calls) {
        my ( $name, $fail, $succeed ) = @$c;
        $fail->();
        ok( $s->has_error, "$name: the failing call sets has_error" );
        $succeed->();
        clean( $s, $name );
    }
};

subtest 'die_on_error(1): a caught croak, then a call that works' => sub {
    my ( $pull, $push ) = pair( ZMQ_PULL, ZMQ_PUSH );
    my ($err) = caught( sub { $pull->recv(ZMQ_DONTWAIT) } );
    like( $err, qr/^zmq_msg_recv: Resource temporarily unavailable/, 'croaked EAGAIN' );
    is( $pull->last_errno, EAGAIN, 'last_errno EAGAIN' );
    $push->send('x');
    $pull->recv;
    clean( $pull, 'after the croak' );
};

subtest 'a closed socket warns and leaves last_errno alone' => sub {
    my $s = $ctx->socket(ZMQ_PULL);
    $s->die_on_error(0);
    $s->recv(ZMQ_DONTWAIT);
    $s->close;
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    $s->recv(ZMQ_DONTWAIT);
    like( $w[0], qr/^Operation on closed socket/, 'warned' );
    is( $s->last_errno, EAGAIN, 'last_errno still from the last real call' );
};

subtest 'context: set, get, socket, z85, proxy' => sub {
    my $c = ZMQ::Rust->new;
    $c->die_on_error(0);
    $c->set( 9999, 1 );
    is( $c->last_errno, EINVAL, 'set of an unknown option: EINVAL' );
    ok( $c->has_error, 'has_error' );
    ok( $c->set( ZMQ_IO_THREADS, 1 ), 'a good set' );
    is( $c->last_errno, 0, 'last_errno 0 again' );
    ok( !$c->has_error, 'has_error false' );
    $c->get(9999);
    ok( $c->has_error, 'get: unknown option' );
    is( $c->get(ZMQ_IO_THREADS), 1, 'a good get' );
    ok( !$c->has_error, 'has_error false' );
    is( scalar( () = $c->socket(12345) ), 0, 'socket of an unknown type: empty' );
    is( $c->last_errno, EINVAL, 'EINVAL (no croak under die_on_error(0))' );
    my $s = $c->socket(ZMQ_PAIR);
    ok( $s, 'a good socket' );
    ok( !$c->has_error, 'has_error false' );
    $c->z85_decode('abc');
    is( $c->last_errno, EINVAL, 'z85_decode of a bad string: EINVAL' );
    is( $c->z85_decode('HelloWorld'), "\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", 'a good z85_decode' );
    ok( !$c->has_error, 'has_error false' );
    $s->close;
    $c->destroy;
};

subtest 'ZMQ::Rust::LibZMQ3: $! on failure, the message after it' => sub {
    my $c    = ZMQ::Rust::LibZMQ3::zmq_ctx_new();
    my $pull = ZMQ::Rust::LibZMQ3::zmq_socket( $c, ZMQ_PULL );
    my $push = ZMQ::Rust::LibZMQ3::zmq_socket( $c, ZMQ_PUSH );
    ZMQ::Rust::LibZMQ3::zmq_bind( $pull, 'inproc://epc-libzmq3' );
    ZMQ::Rust::LibZMQ3::zmq_connect( $push, 'inproc://epc-libzmq3' );
    $! = 0;
    ok( !defined ZMQ::Rust::LibZMQ3::zmq_recvmsg( $pull, ZMQ_DONTWAIT ), 'zmq_recvmsg: nothing' );
    is( $! + 0, EAGAIN, '$! EAGAIN' );
    ZMQ::Rust::LibZMQ3::zmq_send( $push, 'hi' );
    my $m = ZMQ::Rust::LibZMQ3::zmq_recvmsg( $pull, ZMQ_DONTWAIT );
    ok( $m, 'the message after the EAGAIN' );
    is( ZMQ::Rust::LibZMQ3::zmq_msg_data($m), 'hi', '... its data' );
    is( ZMQ::Rust::LibZMQ3::zmq_bind( $pull, 'bogus://x' ), -1, 'bad bind: -1' );
    is( $! + 0, EPROTONOSUPPORT, '$! EPROTONOSUPPORT' );
    is( ZMQ::Rust::LibZMQ3::zmq_bind( $pull, 'inproc://epc-libzmq3-b' ), 0, 'a good bind: 0' );
    ZMQ::Rust::LibZMQ3::zmq_close($_) for $pull, $push;
    ZMQ::Rust::LibZMQ3::zmq_ctx_destroy($c);
};

$ctx->destroy;
done_testing;
