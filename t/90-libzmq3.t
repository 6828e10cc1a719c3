use strict;
use warnings;

use Config;
use POSIX ();
use Scalar::Util qw(blessed reftype);
use Test::More;
use Time::HiRes qw(time sleep);

# ZMQ::Rust::LibZMQ3: every function of ZMQ::LibZMQ3's API with its return conventions, as
# /work/shared/perl-apis.md section a describes them (closed objects, $!, zmq_recv's padded
# buffer, zmq_poll's item checks, fork and threads).

use ZMQ::Rust::LibZMQ3;
use ZMQ::Rust::Constants qw(:all);
use lib 't/lib';
use ZMQRTest qw(caught);

alarm 60;

POSIX::setlocale( POSIX::LC_MESSAGES(), 'C' ) if defined &POSIX::LC_MESSAGES;

my $N = 0;
sub ep { 'inproc://90-libzmq3-' . $$ . '-' . ++$N }

# A socket whose blocking calls give up after $ms.
sub timed_socket {
    my ( $ctx, $type, $ms ) = @_;
    my $s = zmq_socket( $ctx, $type );
    zmq_setsockopt( $s, ZMQ_RCVTIMEO, $ms || 2000 );
    zmq_setsockopt( $s, ZMQ_SNDTIMEO, $ms || 2000 );
    return $s;
}

sub pair {
    my ( $ctx, $t1, $t2 ) = @_;
    my $ep = ep();
    my $a  = timed_socket( $ctx, $t1 // ZMQ_PAIR );
    my $b  = timed_socket( $ctx, $t2 // ZMQ_PAIR );
    is( zmq_bind( $a, $ep ),    0, "bind $ep" );
    is( zmq_connect( $b, $ep ), 0, "connect $ep" );
    return ( $a, $b );
}

my $ctx = zmq_init();

subtest 'exports' => sub {
    my @want = qw(zmq_errno zmq_strerror zmq_init zmq_term zmq_ctx_new zmq_ctx_destroy
        zmq_ctx_set zmq_ctx_get zmq_msg_send zmq_msg_recv zmq_msg_close zmq_msg_data zmq_msg_init
        zmq_msg_init_data zmq_msg_init_size zmq_msg_size zmq_msg_copy zmq_msg_move zmq_bind
        zmq_unbind zmq_close zmq_connect zmq_disconnect zmq_getsockopt zmq_recv zmq_recvmsg
        zmq_send zmq_sendmsg zmq_setsockopt zmq_socket zmq_socket_monitor zmq_poll zmq_device
        zmq_proxy);
    is( scalar @want, 34, '34 names' );
    is_deeply( [ sort @ZMQ::Rust::LibZMQ3::EXPORT ], [ sort @want ], '@EXPORT is the 34' );
    no strict 'refs';
    ok( defined &{"main::$_"}, "$_ imported" ) for @want;
    for (qw(zmq_version zmq_getsockopt_int zmq_setsockopt_string zmq_proxy_steerable
        HAS_ZMQ_MSG_SEND))
    {
        ok( !defined &{"main::$_"}, "$_ not imported by default" );
    }
    my @has = map {"HAS_ZMQ_$_"} qw(INIT TERM CTX_NEW CTX_DESTROY CTX_GET CTX_SET DEVICE PROXY
        MSG_SEND MSG_RECV SENDMSG RECVMSG SOCKET_MONITOR UNBIND DISCONNECT);
    is( scalar @has, 15, '15 HAS_ZMQ_ constants' );
    ok( ZMQ::Rust::LibZMQ3->can($_) && ZMQ::Rust::LibZMQ3->can($_)->(), "$_ is true" ) for @has;
    ok( !defined &main::ZMQ_PAIR_NOT_THERE, 'no constant of its own' );
    my $pkg = 'Test::LibZMQ3::Plain';
    eval "package $pkg; use ZMQ::Rust::LibZMQ3; 1" or die $@;
    my @subs = sort grep { defined &{"${pkg}::$_"} } keys %{"${pkg}::"};
    is_deeply( \@subs, [ sort @want ], 'a plain use imports exactly the 34 (no constants)' );
};

subtest 'ZMQ::Rust::Constants takes ZMQ::Constants import arguments' => sub {
    no strict 'refs';
    my $i = 0;
    for my $case (
        [ [ ':v3.1.1', ':all' ], [qw(ZMQ_REQ ZMQ_LINGER ZMQ_POLLIN ETERM)] ],
        [ [':v4.0.4'], [] ],
        [ [':socket'],  [qw(ZMQ_PUSH ZMQ_IDENTITY ZMQ_RCVMORE ZMQ_DONTWAIT ZMQ_SNDMORE ZMQ_NOBLOCK)] ],
        [ [':message'], [qw(ZMQ_MORE ZMQ_MSG_MORE)] ],
        [ [':poller'],  [qw(ZMQ_POLLIN ZMQ_POLLOUT ZMQ_POLLERR)] ],
        [ [':device'],  [qw(ZMQ_QUEUE ZMQ_FORWARDER ZMQ_STREAMER)] ],
        [ [':auth'],    [qw(ZMQ_CURVE ZMQ_PLAIN)] ],
        [ [ ':errors', 'get_sockopt_type', 'set_sockopt_type' ], [qw(EFSM ETERM get_sockopt_type set_sockopt_type)] ],
        )
    {
        my $pkg  = 'Test::Compat::P' . ++$i;
        my $args = join ', ', map {"'$_'"} @{ $case->[0] };
        eval "package $pkg; use ZMQ::Rust::Constants $args; 1" or die $@;
        my @missing = grep { !defined &{"${pkg}::$_"} } @{ $case->[1] };
        is_deeply( \@missing, [], "use ZMQ::Rust::Constants $args" );
        my @subs = grep { defined &{"${pkg}::$_"} } keys %{"${pkg}::"};
        is( scalar @subs, 0, 'a version set alone imports nothing' ) unless @{ $case->[1] };
    }
    eval "package Test::Compat::Rust; use ZMQ::Rust qw(:v3.1.1 :poller); 1" or die $@;
    ok( defined &Test::Compat::Rust::ZMQ_POLLIN, 'use ZMQ::Rust qw(:v3.1.1 :poller)' );
    my ($err) = caught( sub { ZMQ::Rust::Constants::set_sockopt_type( float => 5 ) } );
    like( $err, qr/^set_sockopt_type: unknown type 'float'/, 'set_sockopt_type: unknown type croaks' );
};

subtest 'objects: classes, reftype HASH, isa ZMQ::LibZMQ3::*' => sub {
    my $s = zmq_socket( $ctx, ZMQ_PAIR );
    my $m = zmq_msg_init();
    for ( [ $ctx, 'Context' ], [ $s, 'Socket' ], [ $m, 'Message' ] ) {
        my ( $obj, $k ) = @$_;
        isa_ok( $obj, "ZMQ::Rust::LibZMQ3::$k" );
        isa_ok( $obj, "ZMQ::LibZMQ3::$k" );
        is( reftype($obj), 'HASH', "$k is a blessed hash" );
    }
    zmq_close($s);
};

subtest 'non-objects and wrong objects croak' => sub {
    my ($err) = caught( sub { zmq_bind( 'x', 'inproc://a' ) } );
    like( $err, qr/^Argument is not an object \(ZMQ::Rust::LibZMQ3::Socket\)/, 'string for a socket' );
    ($err) = caught( sub { zmq_socket( {}, ZMQ_PAIR ) } );
    like( $err, qr/^Argument is not an object \(ZMQ::Rust::LibZMQ3::Context\)/, 'hash for a context' );
    ($err) = caught( sub { zmq_msg_data(undef) } );
    like( $err, qr/^Argument is not an object \(ZMQ::Rust::LibZMQ3::Message\)/, 'undef for a message' );
    ($err) = caught( sub { zmq_close($ctx) } );
    like( $err, qr/^Invalid ZMQ::Rust::LibZMQ3::Socket object/, 'a context for a socket' );
    ($err) = caught( sub { zmq_send( zmq_socket( $ctx, ZMQ_PAIR ) ) } );
    like( $err, qr/^Usage: ZMQ::Rust::LibZMQ3::zmq_send\(socket, message/, 'too few arguments: Usage' );
    like( $err, qr/at \Q$0\E line/, 'reported at the caller' );
};

subtest 'zmq_init, zmq_ctx_new, zmq_term, zmq_ctx_destroy' => sub {
    my $c = zmq_init(1);
    isa_ok( $c, 'ZMQ::Rust::LibZMQ3::Context' );
    is( zmq_ctx_get( $c, ZMQ_IO_THREADS ), 1, 'zmq_init(1): IO_THREADS 1' );
    is( zmq_ctx_get( zmq_ctx_new(), ZMQ_IO_THREADS ), 5, 'default nthreads 5' );
    $! = 0;
    my $bad = zmq_init(-1);
    ok( !defined $bad, 'zmq_init(-1) fails' );
    is( $! + 0, EINVAL, '$! is EINVAL' );
    my @bad = zmq_ctx_new(-1);
    is_deeply( \@bad, [undef], 'in list context: (undef)' );

    is( zmq_term($c), 0, 'zmq_term: 0' );
    ok( $c->{_closed}, '_closed is set' );
    $! = 0;
    my @r = zmq_term($c);
    is_deeply( \@r, [], 'second zmq_term: empty list' );
    is( $! + 0, EFAULT, '$! is EFAULT' );
    my $r = zmq_term($c);
    ok( !defined $r, 'scalar context: undef' );

    my $d = zmq_ctx_new();
    is( zmq_ctx_destroy($d), 0, 'zmq_ctx_destroy: 0' );
    is_deeply( [ zmq_ctx_destroy($d) ], [], 'again: empty' );
    is( $! + 0, EFAULT, 'EFAULT' );
    is_deeply( [ zmq_socket( $d, ZMQ_PAIR ) ], [], 'zmq_socket on a closed context: empty' );
    is( $! + 0, EFAULT, 'EFAULT' );
    is_deeply( [ zmq_ctx_get( $d, ZMQ_IO_THREADS ) ], [], 'zmq_ctx_get on a closed context' );

    my $e = zmq_init();
    my $s = zmq_socket( $e, ZMQ_PAIR );
    is( zmq_term($e), 0, 'zmq_term with a socket still open: 0 (the socket is closed)' );
    is( zmq_bind( $s, ep() ), -1, 'then the socket fails' );
    is( $! + 0, ETERM, 'with ETERM' );
    is( zmq_close($s), 0, 'and closes' );
};

subtest 'zmq_ctx_get, zmq_ctx_set' => sub {
    my $c = zmq_init();
    is( zmq_ctx_set( $c, ZMQ_MAX_SOCKETS, 7 ), 0, 'set MAX_SOCKETS: 0' );
    is( zmq_ctx_get( $c, ZMQ_MAX_SOCKETS ), 7, 'get MAX_SOCKETS: 7' );
    $! = 0;
    is( zmq_ctx_set( $c, 9999, 1 ), -1, 'unknown option: -1' );
    is( $! + 0, EINVAL, 'EINVAL' );
    is( zmq_ctx_get( $c, 9999 ), -1, 'get unknown: -1' );
    is( $! + 0, EINVAL, 'EINVAL' );
    zmq_term($c);
};

subtest 'zmq_socket, zmq_close' => sub {
    my $s = zmq_socket( $ctx, ZMQ_REQ );
    is( zmq_getsockopt( $s, ZMQ_TYPE ), ZMQ_REQ, 'ZMQ_TYPE is REQ' );
    $! = 0;
    my $bad = zmq_socket( $ctx, 99 );
    ok( !defined $bad, 'unknown type: undef' );
    is( $! + 0, EINVAL, 'EINVAL' );
    is( zmq_close($s), 0, 'zmq_close: 0' );
    ok( $s->{_closed}, '_closed is set' );
    isnt( zmq_close($s), 0, 'second zmq_close is not 0' );
    is_deeply( [ zmq_close($s) ], [], 'it is the empty list' );
    is( $! + 0, ENOTSOCK, '$! is ENOTSOCK' );
    for my $call (
        [ zmq_bind     => sub { zmq_bind( $s, ep() ) } ],
        [ zmq_connect  => sub { zmq_connect( $s, ep() ) } ],
        [ zmq_send     => sub { zmq_send( $s, 'x' ) } ],
        [ zmq_recv     => sub { my $b; zmq_recv( $s, $b, 10 ) } ],
        [ zmq_recvmsg  => sub { zmq_recvmsg($s) } ],
        [ zmq_sendmsg  => sub { zmq_sendmsg( $s, 'x' ) } ],
        [ zmq_getsockopt => sub { zmq_getsockopt( $s, ZMQ_LINGER ) } ],
        [ zmq_setsockopt => sub { zmq_setsockopt( $s, ZMQ_LINGER, 0 ) } ],
        [ zmq_getsockopt_string => sub { ZMQ::Rust::LibZMQ3::zmq_getsockopt_string( $s, ZMQ_IDENTITY ) } ],
        [ zmq_socket_monitor => sub { zmq_socket_monitor( $s, 'inproc://m', ZMQ_EVENT_ALL ) } ],
        [ zmq_proxy    => sub { zmq_proxy( $s, $s ) } ],
        )
    {
        $! = 0;
        my ( $err, $w, @r ) = caught( $call->[1] );
        ok( !$err && !@$w && !@r, "$call->[0] on a closed socket: empty, no croak, no warning" )
            or diag( $err // "@$w" );
        is( $! + 0, ENOTSOCK, "$call->[0]: ENOTSOCK" );
        my $scalar = eval { scalar $call->[1]->() };
        ok( !defined $scalar, "$call->[0]: undef in scalar context" );
    }
};

subtest 'bind, connect, unbind, disconnect' => sub {
    my $s  = zmq_socket( $ctx, ZMQ_PAIR );
    my $ep = ep();
    is( zmq_bind( $s, $ep ), 0, 'bind: 0' );
    $! = 0;
    is( zmq_bind( $s, 'bulls***' ), -1, 'bind bulls***: -1' );
    is( $! + 0, EINVAL, 'EINVAL' );
    like( "$!", qr/Invalid argument/, '$! reads Invalid argument' );
    is( zmq_bind( $s, 'foo://bar' ), -1, 'unknown transport: -1' );
    is( $! + 0, EPROTONOSUPPORT, 'EPROTONOSUPPORT' );
    like( "$!", qr/Protocol not supported/, 'Protocol not supported' );
    is( zmq_bind( $s, '' ), -1, 'empty endpoint: -1' );
    is( $! + 0, EINVAL, 'EINVAL' );
    my $t = zmq_socket( $ctx, ZMQ_PAIR );
    is( zmq_bind( $t, $ep ), -1, 'address in use: -1' );
    is( $! + 0, EADDRINUSE, 'EADDRINUSE' );
    is( zmq_unbind( $s, $ep ), 0, 'unbind: 0' );
    is( zmq_unbind( $s, $ep ), -1, 'unbind again: -1' );
    is( $! + 0, Errno::ENOENT(), 'ENOENT' );
    is( zmq_connect( $t, $ep ),    0,  'connect: 0' );
    is( zmq_disconnect( $t, $ep ), 0,  'disconnect: 0' );
    is( zmq_disconnect( $t, $ep ), -1, 'disconnect again: -1' );
    is( zmq_bind( $s, 'tcp://127.0.0.1:*' ), 0, 'tcp bind' );
    like( zmq_getsockopt( $s, ZMQ_LAST_ENDPOINT ), qr{^tcp://127\.0\.0\.1:\d+$}, 'LAST_ENDPOINT (no NUL)' );
    zmq_close($_) for $s, $t;
};

subtest 'zmq_send and zmq_recv' => sub {
    my ( $a, $b ) = pair($ctx);
    is( zmq_send( $a, 'hello world' ), 11, 'zmq_send returns the bytes sent' );
    my $buf;
    is( zmq_recv( $b, $buf, 64 ), 11, 'zmq_recv returns the frame size' );
    is( length $buf, 64, 'the buffer is $len bytes' );
    is( $buf, 'hello world' . ( "\0" x 53 ), 'padded with NULs' );

    is( zmq_send( $a, 'hello world', 5 ), 5, 'size 5: 5 bytes' );
    is( zmq_recv( $b, $buf, 100 ), 5, 'the frame is 5 bytes' );
    is( substr( $buf, 0, 5 ), 'hello', 'truncated by zmq_send' );

    is( zmq_send( $a, 'abc', -1 ), 3, 'size -1: the whole buffer' );
    is( zmq_recv( $b, $buf, 3 ), 3, '' );
    is( $buf, 'abc', 'exact length: no padding' );
    is( zmq_send( $a, 'abc', 10 ), 3, 'size above the length: the whole buffer' );
    zmq_recv( $b, $buf, 3 );

    is( zmq_send( $a, 'a long frame', -1, 0 ), 12, 'with flags 0' );
    is( zmq_recv( $b, $buf, 4 ), 12, 'returns the original size when it exceeds $len' );
    is( $buf, 'a lo', 'buffer cut to $len' );

    is( zmq_send( $a, '' ), 0, 'empty frame: 0' );
    is( zmq_recv( $b, $buf, 2 ), 0, 'received: 0' );
    is( $buf, "\0\0", 'buffer of NULs' );

    my ($err) = caught( sub { zmq_send( $a, undef ) } );
    like( $err, qr/^ZMQ::Rust::LibZMQ3::zmq_send\(\): NULL message passed/, 'undef buffer croaks' );

    my $wide = "caf\x{e9} \x{263a}";
    is( zmq_send( $a, $wide ), 9, 'a UTF-8 string: its UTF-8 byte count' );
    is( zmq_recv( $b, $buf, 9 ), 9, '9 bytes arrive' );
    ok( !utf8::is_utf8($buf), 'received data has no UTF8 flag' );
    is( $buf, "caf\xc3\xa9 \xe2\x98\xba", 'the UTF-8 bytes' );
    my $latin = "caf\xe9";
    is( zmq_send( $a, $latin ), 4, 'a Latin-1 byte string: raw bytes' );
    zmq_recv( $b, $buf, 4 );
    is( $buf, "caf\xe9", 'as is' );

    $! = 0;
    is( zmq_recv( $b, $buf = 'untouched', 10, ZMQ_DONTWAIT ), -1, 'nothing there, DONTWAIT: -1' );
    is( $! + 0, EAGAIN, 'EAGAIN' );
    is( $buf, 'untouched', 'buffer untouched on failure' );
    my $push = zmq_socket( $ctx, ZMQ_PUSH );
    is( zmq_send( $push, 'x', -1, ZMQ_DONTWAIT ), -1, 'send with no peer, DONTWAIT: -1' );
    is( $! + 0, EAGAIN, 'EAGAIN' );
    zmq_close($_) for $a, $b, $push;
};

subtest 'multipart: SNDMORE and RCVMORE' => sub {
    my ( $a, $b ) = pair($ctx);
    zmq_send( $a, 'one', -1, ZMQ_SNDMORE );
    zmq_sendmsg( $a, 'two', ZMQ_SNDMORE );
    zmq_sendmsg( $a, 'three' );
    my @got;
    while (1) {
        my $m = zmq_recvmsg($b);
        push @got, zmq_msg_data($m);
        last unless zmq_getsockopt( $b, ZMQ_RCVMORE );
    }
    is_deeply( \@got, [qw(one two three)], 'three frames, RCVMORE read as int' );
    is( zmq_getsockopt( $b, ZMQ_RCVMORE ), 0, 'RCVMORE 0 after the last' );
    zmq_close($_) for $a, $b;
};

subtest 'zmq_sendmsg, zmq_msg_send, zmq_recvmsg, zmq_msg_recv' => sub {
    my ( $a, $b ) = pair($ctx);
    is( zmq_sendmsg( $a, 'string' ), 6, 'zmq_sendmsg with a string: bytes' );
    my $m = zmq_recvmsg($b);
    isa_ok( $m, 'ZMQ::Rust::LibZMQ3::Message' );
    is( zmq_msg_data($m), 'string', 'data' );
    is( zmq_msg_size($m), 6, 'size' );

    my $out = zmq_msg_init_data('a message');
    is( zmq_sendmsg( $a, $out ), 9, 'zmq_sendmsg with a message: bytes' );
    is( zmq_msg_size($out), 0, 'a sent message is left empty (as libzmq)' );
    is( zmq_msg_data( zmq_recvmsg($b) ), 'a message', 'arrives' );

    is( zmq_msg_send( 'msg first', $a ), 9, 'zmq_msg_send(msg, socket)' );
    my $in = zmq_msg_init();
    is( zmq_msg_recv( $in, $b ), 9, 'zmq_msg_recv(msg, socket): bytes' );
    is( zmq_msg_data($in), 'msg first', 'into the message' );
    zmq_msg_send( zmq_msg_init_data('flags'), $a, 0 );
    is( zmq_msg_recv( $in, $b, 0 ), 5, 'with flags' );

    $! = 0;
    my $none = zmq_recvmsg( $b, ZMQ_DONTWAIT );
    ok( !defined $none, 'zmq_recvmsg with nothing there: undef in scalar context' );
    is( $! + 0, EAGAIN, 'EAGAIN' );
    my @none = zmq_recvmsg( $b, ZMQ_DONTWAIT );
    is_deeply( \@none, [], 'the empty list in list context' );
    is( zmq_msg_recv( $in, $b, ZMQ_DONTWAIT ), -1, 'zmq_msg_recv: -1' );
    is( $! + 0, EAGAIN, 'EAGAIN' );

    # ZMQ::LibZMQ3's docs pass ZMQ_RCVMORE (13) as the flags: bit 0 makes it non-blocking.
    my $t0 = time;
    my $r  = zmq_recvmsg( $b, ZMQ_RCVMORE );
    ok( !defined $r && time - $t0 < 1, 'zmq_recvmsg($s, ZMQ_RCVMORE) does not block' );
    is( $! + 0, EAGAIN, 'EAGAIN' );

    my $closed = zmq_msg_init_data('x');
    zmq_msg_close($closed);
    is_deeply( [ zmq_msg_send( $closed, $a ) ], [], 'a closed message: empty' );
    is( $! + 0, EFAULT, 'EFAULT' );
    is_deeply( [ zmq_msg_recv( $closed, $b ) ], [], 'zmq_msg_recv into a closed message: empty' );
    zmq_close($_) for $a, $b;
};

subtest 'messages' => sub {
    my $m = zmq_msg_init();
    is( zmq_msg_size($m), 0, 'zmq_msg_init: empty' );
    is( zmq_msg_data($m), '', 'data ""' );
    my $z = zmq_msg_init_size(4);
    is( zmq_msg_data($z), "\0\0\0\0", 'zmq_msg_init_size(4): 4 NULs' );
    $! = 0;
    ok( !defined zmq_msg_init_size(-1), 'a negative size fails' );
    is( $! + 0, Errno::ENOMEM(), 'ENOMEM' );

    my $data = 'original';
    my $d    = zmq_msg_init_data($data);
    $data = 'changed';
    is( zmq_msg_data($d), 'original', 'zmq_msg_init_data copies' );
    is( zmq_msg_data( zmq_msg_init_data( 'abcdef', 3 ) ), 'abc', 'with a size: cut' );
    my $u = zmq_msg_init_data("\x{263a}");
    is( zmq_msg_size($u), 3, 'a UTF-8 string: its bytes' );
    ok( !utf8::is_utf8( zmq_msg_data($u) ), 'zmq_msg_data has no UTF8 flag' );

    my $dst = zmq_msg_init();
    is( zmq_msg_copy( $dst, $d ), 0, 'zmq_msg_copy: 0' );
    is( zmq_msg_data($dst), 'original', 'copied' );
    is( zmq_msg_data($d),   'original', 'source kept' );
    my $mv = zmq_msg_init();
    is( zmq_msg_move( $mv, $d ), 0, 'zmq_msg_move: 0' );
    is( zmq_msg_data($mv), 'original', 'moved' );
    is( zmq_msg_size($d),  0,          'source emptied' );

    is( zmq_msg_close($d), 0, 'zmq_msg_close: 0' );
    ok( $d->{_closed}, '_closed set' );
    $! = 0;
    my ( $err, $w, @r ) = caught( sub { zmq_msg_close($d) } );
    ok( !$err && !@r, 'second zmq_msg_close: empty, no die' );
    is( $! + 0, EFAULT, 'EFAULT' );
    is_deeply( [ zmq_msg_data($d) ], [], 'zmq_msg_data on a closed message: empty' );
    is( scalar zmq_msg_size($d), undef, 'zmq_msg_size: undef in scalar context' );
    is_deeply( [ zmq_msg_copy( $dst, $d ) ], [], 'zmq_msg_copy from a closed message: empty' );
};

subtest 'errors: $!, zmq_errno, zmq_strerror' => sub {
    my ( $a, $b ) = pair( $ctx, ZMQ_REP, ZMQ_REQ );
    is( zmq_send( $a, 'x' ), -1, 'REP sending first: -1' );
    is( $! + 0, EFSM, '$! == EFSM (156384763)' );
    is( EFSM, 156384763, 'EFSM value' );
    is( zmq_errno(), EFSM, 'zmq_errno' );
    like( "$!", qr/Unknown error 156384763/, '"$!" is the OS text, as with ZMQ::LibZMQ3' );
    is( zmq_strerror( $! + 0 ), 'Operation cannot be accomplished in current state', 'zmq_strerror(EFSM)' );
    is( zmq_strerror(ETERM), 'Context was terminated', 'zmq_strerror(ETERM)' );
    is( zmq_strerror(EAGAIN), 'Resource temporarily unavailable', 'zmq_strerror(EAGAIN)' );
    is( ETERM, 156384765, 'ETERM value' );
    is( EAGAIN,   11, 'EAGAIN 11 (Linux)' )   if $^O eq 'linux';
    is( ENOTSOCK, 88, 'ENOTSOCK 88 (Linux)' ) if $^O eq 'linux';
    zmq_close($_) for $a, $b;
};

subtest 'zmq_version' => sub {
    my $v = ZMQ::Rust::LibZMQ3::zmq_version();
    like( $v, qr/^\d+\.\d+\.\d+$/, "scalar: $v" );
    my @v = ZMQ::Rust::LibZMQ3::zmq_version();
    is( scalar @v, 3, 'list: 3 numbers' );
    is( join( '.', @v ), $v, 'the same' );
    my @called;
    {
        no warnings 'void';
        ZMQ::Rust::LibZMQ3::zmq_version();
    }
    pass('void context returns nothing');
};

subtest 'getsockopt and setsockopt' => sub {
    my $s = zmq_socket( $ctx, ZMQ_DEALER );
    is( zmq_getsockopt( $s, ZMQ_LINGER ),   -1,   'LINGER -1 by default (libzmq)' );
    is( zmq_getsockopt( $s, ZMQ_SNDHWM ),   1000, 'SNDHWM 1000' );
    is( zmq_getsockopt( $s, ZMQ_AFFINITY ), 0,    'AFFINITY 0' );
    is( zmq_getsockopt( $s, ZMQ_TYPE ), ZMQ_DEALER, 'TYPE' );
    my $id = zmq_getsockopt( $s, ZMQ_IDENTITY );
    ok( defined $id && $id eq '', 'IDENTITY "" (defined)' );
    my $fd = zmq_getsockopt( $s, ZMQ_FD );
    like( $fd, qr/^\d+$/, "ZMQ_FD is a plain int ($fd)" );
    ok( open( my $fh, '<&=', $fd ), 'usable as a file descriptor' );

    is( zmq_setsockopt( $s, ZMQ_LINGER, 250 ), 0, 'set LINGER: 0' );
    is( zmq_getsockopt( $s, ZMQ_LINGER ), 250, 'read back' );
    is( zmq_setsockopt( $s, ZMQ_IDENTITY, "id\0x" ), 0, 'set IDENTITY with a NUL' );
    is( zmq_getsockopt( $s, ZMQ_IDENTITY ), "id\0x", 'read back whole' );
    is( zmq_setsockopt( $s, ZMQ_MAXMSGSIZE, '9223372036854775807' ), 0, 'int64 max' );
    is( zmq_getsockopt( $s, ZMQ_MAXMSGSIZE ), '9223372036854775807', 'read back (int64)' );
    is( zmq_setsockopt( $s, ZMQ_AFFINITY, '18446744073709551615' ), 0, 'uint64 max' );
    is( zmq_getsockopt( $s, ZMQ_AFFINITY ), '18446744073709551615', 'read back (uint64)' );
    $! = 0;
    is( zmq_setsockopt( $s, ZMQ_SNDHWM, -5 ), -1, 'invalid value: -1' );
    is( $! + 0, EINVAL, 'EINVAL' );

    my ($err) = caught( sub { zmq_getsockopt( $s, 9999 ) } );
    like( $err, qr/^zmq_getsockopt: Could not find the data type for option 9999 at /, 'unknown option: get croaks' );
    ($err) = caught( sub { zmq_setsockopt( $s, 9999, 1 ) } );
    like( $err, qr/^zmq_setsockopt: Could not find the data type for option 9999 at /, 'set croaks' );

    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_IDENTITY),      'string', 'get_sockopt_type(IDENTITY) string' );
    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_LINGER),        'int',    'LINGER int' );
    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_RCVMORE),       'int',    'RCVMORE int' );
    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_FD),            'int',    'FD int' );
    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_MAXMSGSIZE),    'int64',  'MAXMSGSIZE int64' );
    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_AFFINITY),      'uint64', 'AFFINITY uint64' );
    is( ZMQ::Rust::Constants::get_sockopt_type(1),                 'uint64', 'option 1 (HWM) uint64' );
    is( ZMQ::Rust::Constants::get_sockopt_type(ZMQ_LAST_ENDPOINT), 'string', 'LAST_ENDPOINT string' );
    is( ZMQ::Rust::Constants::get_sockopt_type(9999),              undef,    'unknown: undef' );

    ZMQ::Rust::Constants::set_sockopt_type( int => 9999 );
    is( ZMQ::Rust::Constants::get_sockopt_type(9999), 'int', 'set_sockopt_type(int => 9999)' );
    $! = 0;
    ($err) = caught( sub { my $v = zmq_getsockopt( $s, 9999 ); ok( !defined $v, 'now typed: the engine says undef' ) } );
    ok( !$err, 'no croak' );
    is( $! + 0, EINVAL, 'EINVAL' );
    is( zmq_setsockopt( $s, 9999, 1 ), -1, 'set: -1' );
    delete $ZMQ::Rust::Constants::SOCKOPT_TYPE{9999};
    {
        # A loaded ZMQ::Constants' own table is asked next.
        no warnings 'once';
        local *ZMQ::Constants::get_sockopt_type = sub { $_[0] == 9998 ? 'int' : undef };
        ($err) = caught( sub { zmq_getsockopt( $s, 9998 ) } );
        ok( !$err, 'a type from ZMQ::Constants::get_sockopt_type is used' ) or diag $err;
    }
    zmq_close($s);
};

subtest 'typed getsockopt/setsockopt functions' => sub {
    my $s = zmq_socket( $ctx, ZMQ_ROUTER );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_int( $s, ZMQ_SNDHWM ), 1000, 'zmq_getsockopt_int' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_int( $s, ZMQ_SNDHWM, 5 ), 0, 'zmq_setsockopt_int' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_int( $s, ZMQ_SNDHWM ), 5, 'read back' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_int64( $s, ZMQ_MAXMSGSIZE, -1 ), 0, 'zmq_setsockopt_int64' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_int64( $s, ZMQ_MAXMSGSIZE ), -1, 'zmq_getsockopt_int64' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_uint64( $s, ZMQ_AFFINITY, 3 ), 0, 'zmq_setsockopt_uint64' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_uint64( $s, ZMQ_AFFINITY ), 3, 'zmq_getsockopt_uint64' );
    $! = 0;
    my $bad = ZMQ::Rust::LibZMQ3::zmq_getsockopt_int( $s, ZMQ_MAXMSGSIZE );
    ok( !defined $bad, 'int read of an int64 option: undef' );
    is( $! + 0, EINVAL, 'EINVAL' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_int( $s, ZMQ_AFFINITY, 1 ), -1, 'int write of a uint64 option: -1' );

    my $id = 'x' x 255;
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_string( $s, ZMQ_IDENTITY, $id ), 0, 'zmq_setsockopt_string: 255 bytes' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_string( $s, ZMQ_IDENTITY ), $id, 'zmq_getsockopt_string' );
    $! = 0;
    ok( !defined ZMQ::Rust::LibZMQ3::zmq_getsockopt_string( $s, ZMQ_IDENTITY, 10 ), 'longer than $len: undef' );
    is( $! + 0, EINVAL, 'EINVAL' );
    zmq_bind( $s, 'tcp://127.0.0.1:*' );
    my $ep = ZMQ::Rust::LibZMQ3::zmq_getsockopt_string( $s, ZMQ_LAST_ENDPOINT );
    like( $ep, qr{^tcp://127\.0\.0\.1:\d+$}, 'LAST_ENDPOINT without its NUL' );
    ZMQ::Rust::LibZMQ3::zmq_setsockopt_string( $s, ZMQ_SOCKS_PROXY, '' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_string( $s, ZMQ_SOCKS_PROXY ), "\0",
        'another string option keeps its NUL (as ZMQ::LibZMQ3 with libzmq 4)' );
    my $sub = zmq_socket( $ctx, ZMQ_SUB );
    is( zmq_setsockopt( $sub, ZMQ_SUBSCRIBE, 'topic' ), 0, 'SUBSCRIBE through zmq_setsockopt (string)' );
    is( zmq_setsockopt( $sub, ZMQ_UNSUBSCRIBE, 'topic' ), 0, 'UNSUBSCRIBE' );
    zmq_close($_) for $s, $sub;
};

subtest 'zmq_poll: results and callbacks' => sub {
    my ( $a, $b ) = pair($ctx);
    my $c = zmq_socket( $ctx, ZMQ_PAIR );
    zmq_send( $a, 'x' );
    my @calls;
    my @items = (
        { socket => $b, events => ZMQ_POLLIN,  callback => sub { push @calls, [ 'b', @_ ] } },
        { socket => $a, events => ZMQ_POLLOUT, callback => sub { push @calls, [ 'a', @_ ] } },
        { socket => $c, events => ZMQ_POLLIN,  callback => sub { push @calls, [ 'c', @_ ] } },
    );
    my @fired = zmq_poll( \@items, 1000 );
    is_deeply( \@fired, [ 1, 1, 0 ], 'list context: 0/1 per item' );
    is_deeply( \@calls, [ ['b'], ['a'] ], 'callbacks in order, with no arguments' );
    @calls = ();
    my $n = zmq_poll( \@items, 1000 );
    is( $n, 2, 'scalar context: the count' );
    is( scalar @calls, 2, 'callbacks again' );
    my @empty = zmq_poll( [], 0 );
    is_deeply( \@empty, [], 'no items: nothing' );

    my $t0 = time;
    is( zmq_poll( [ $items[2] ], 150 ), 0, 'timeout: 0' );
    my $dt = time - $t0;
    ok( $dt >= 0.12 && $dt < 2, sprintf( 'the timeout is in milliseconds (%.3fs)', $dt ) );
    is( zmq_poll( [ $items[2] ] ), 0, 'timeout defaults to 0' );

    pipe( my $r, my $w ) or die $!;
    syswrite $w, 'x';
    my $fd_fired;
    is( zmq_poll( [ { fd => fileno($r), events => ZMQ_POLLIN, callback => sub { $fd_fired++ } } ], 1000 ),
        1, 'an fd item' );
    ok( $fd_fired, 'its callback ran' );
    zmq_close($_) for $a, $b, $c;
};

subtest 'zmq_poll: item checks' => sub {
    my $s  = zmq_socket( $ctx, ZMQ_PAIR );
    my $cb = sub { };
    for my $case (
        [ [ 'not a hash' ], qr/^Invalid value on index 0 at /, 'a string item' ],
        [ [ undef ], qr/^Invalid value on index 0 at /, 'an undef item' ],
        [ [ { socket => $s, events => ZMQ_POLLIN, callback => $cb }, [] ], qr/^Invalid value on index 1 at /, 'an array item (index 1)' ],
        [ [ { fd => '1', events => ZMQ_POLLIN, callback => $cb } ], qr/^Invalid 'fd' given for index 0 at /, 'fd as the string "1"' ],
        [ [ { events => ZMQ_POLLIN, callback => $cb } ], qr/^Invalid 'fd' given for index 0 at /, 'neither socket nor fd' ],
        [ [ { fd => 1.5, events => ZMQ_POLLIN, callback => $cb } ], qr/^Invalid 'fd' given for index 0 at /, 'fd a float' ],
        [ [ { socket => undef, events => ZMQ_POLLIN, callback => $cb } ], qr/^Invalid 'socket' given for index 0 at /, 'socket undef' ],
        [ [ { socket => $ctx, events => ZMQ_POLLIN, callback => $cb } ], qr/^Invalid 'socket' given for index 0 at /, 'socket a context' ],
        [ [ { socket => 'x', events => ZMQ_POLLIN, callback => $cb } ], qr/^Invalid 'socket' given for index 0 at /, 'socket a string' ],
        [ [ { socket => $s, events => '1', callback => $cb } ], qr/^Invalid 'events' given for index 0 at /, 'events the string "1"' ],
        [ [ { socket => $s, callback => $cb } ], qr/^Invalid 'events' given for index 0 at /, 'no events' ],
        [ [ { socket => $s, events => ZMQ_POLLIN } ], qr/^Invalid 'callback' given for index 0 at /, 'no callback' ],
        [ [ { socket => $s, events => ZMQ_POLLIN, callback => 'main::x' } ], qr/^Invalid 'callback' given for index 0 at /, 'callback a name' ],
        )
    {
        my ($err) = caught( sub { zmq_poll( $case->[0], 0 ) } );
        like( $err, $case->[1], "$case->[2] croaks" );
    }
    my ($err) = caught( sub { zmq_poll( {}, 0 ) } );
    like( $err, qr/list is not an ARRAY reference/, 'not an array' );
    my $ev = ZMQ_POLLIN | ZMQ_POLLOUT;
    ($err) = caught( sub { zmq_poll( [ { socket => $s, events => $ev, callback => $cb } ], 0 ) } );
    ok( !$err, 'events from an expression is an integer' );

    zmq_close($s);
    my ( $e, $w, $n ) = caught( sub { scalar zmq_poll( [ { socket => $s, events => ZMQ_POLLIN, callback => $cb } ], 0 ) } );
    ok( !$e, 'a closed socket does not croak' );
    is( scalar @$w, 1, 'it warns once' );
    like( $w->[0] // '', qr/^Invalid socket found with pollitems\[0\] in zmq_poll\(\), ignoring at /, 'the warning' );
    is( $n, 0, 'and is never ready' );
};

subtest 'zmq_poll: ETERM' => sub {
    my $c = zmq_init();
    my $s = zmq_socket( $c, ZMQ_PAIR );
    zmq_term($c);
    $! = 0;
    is( zmq_poll( [ { socket => $s, events => ZMQ_POLLIN, callback => sub { } } ], 0 ), -1, 'a socket of a terminated context: -1' );
    is( $! + 0, ETERM, 'ETERM' );
    is_deeply( [ zmq_poll( [ { socket => $s, events => ZMQ_POLLIN, callback => sub { } } ], 0 ) ], [], 'list context: empty' );
};

subtest 'ZMQ_FD and ZMQ_EVENTS for event loops (AE::io $fd)' => sub {
    my ( $a, $b ) = pair($ctx);
    my $fd = zmq_getsockopt( $b, ZMQ_FD );
    zmq_getsockopt( $b, ZMQ_EVENTS );    # consume the initial state
    zmq_send( $a, 'wake' );
    my $rin = '';
    vec( $rin, $fd, 1 ) = 1;
    my $n = select( my $rout = $rin, undef, undef, 2 );
    ok( $n > 0, 'the fd becomes readable when a message arrives' );
    ok( zmq_getsockopt( $b, ZMQ_EVENTS ) & ZMQ_POLLIN, 'ZMQ_EVENTS has POLLIN' );
    my @got;
    while ( my $m = zmq_recvmsg( $b, ZMQ_RCVMORE ) ) { push @got, zmq_msg_data($m) }
    is_deeply( \@got, ['wake'], 'the upstream idiom: while (zmq_recvmsg($s, ZMQ_RCVMORE))' );
    zmq_close($_) for $a, $b;
};

subtest 'zmq_socket_monitor' => sub {
    my $s   = zmq_socket( $ctx, ZMQ_PAIR );
    my $mep = ep();
    is( zmq_socket_monitor( $s, $mep, ZMQ_EVENT_LISTENING ), 0, 'zmq_socket_monitor: 0' );
    my $mon = timed_socket( $ctx, ZMQ_PAIR );
    is( zmq_connect( $mon, $mep ), 0, 'connect to it' );
    zmq_bind( $s, 'tcp://127.0.0.1:*' );
    my $ep = zmq_getsockopt( $s, ZMQ_LAST_ENDPOINT );
    my $f1 = zmq_recvmsg($mon);
    ok( $f1, 'first frame' ) or return;
    is( zmq_msg_size($f1), 6, 'first frame is 6 bytes' );
    my ( $event, $value ) = unpack 'S L', zmq_msg_data($f1);
    is( $event, ZMQ_EVENT_LISTENING, 'unpack("S L"): the event' );
    ok( zmq_getsockopt( $mon, ZMQ_RCVMORE ), 'more' );
    is( zmq_msg_data( zmq_recvmsg($mon) ), $ep, 'second frame: the endpoint' );
    $! = 0;
    is( zmq_socket_monitor( $s, 'tcp://127.0.0.1:1', ZMQ_EVENT_ALL ), -1, 'a non-inproc endpoint: -1' );
    ok( $! + 0, '$! set' );
    zmq_close($_) for $s, $mon;
};

subtest 'fork' => sub {
    plan skip_all => 'no fork' if $^O eq 'MSWin32';
    my $c = zmq_init();
    my ( $a, $b ) = pair($c);

    # A child reports "name\tresult" lines; it ends normally (global destruction included).
    my $in_child = sub {
        my ($code) = @_;
        pipe( my $r, my $w ) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if ( !$pid ) {
            close $r;
            $SIG{ALRM} = sub { POSIX::_exit(99) };
            alarm 10;
            my @out = eval { $code->() };
            push @out, "died: $@" if $@;
            print {$w} map {"$_\n"} @out;
            close $w;
            exit 0;
        }
        close $w;
        my $deadline = time + 15;
        while ( waitpid( $pid, POSIX::WNOHANG() ) != $pid ) {
            if ( time > $deadline ) { kill 'KILL', $pid; waitpid( $pid, 0 ); last }
            sleep 0.01;
        }
        my $status = $?;
        my @lines  = <$r>;
        chomp @lines;
        return ( $status, @lines );
    };

    my ( $st, @out ) = $in_child->( sub { () } );
    is( $st, 0, 'a child that just exits ends cleanly' );
    is( zmq_send( $a, 'after exit' ), 10, 'the parent still sends' );
    my $buf;
    is( zmq_recv( $b, $buf, 10 ), 10, 'and receives' );

    ( $st, @out ) = $in_child->( sub { ( zmq_term($c), zmq_ctx_destroy($c) ) } );
    is( $st, 0, 'child exited' );
    is_deeply( \@out, [ -1, -1 ], 'zmq_term and zmq_ctx_destroy in the child: -1' );
    is( zmq_send( $a, 'after term' ), 10, 'the parent context still works' );
    zmq_recv( $b, $buf, 10 );
    is( $buf, 'after term', '' );

    ( $st, @out ) = $in_child->( sub { ( zmq_close($a), zmq_close($b) ) } );
    is_deeply( \@out, [ 0, 0 ], 'zmq_close in the child: 0' );
    is( zmq_send( $a, 'after close' ), 11, 'the parent sockets still work' );
    is( zmq_recv( $b, $buf, 11 ), 11, '' );

    ( $st, @out ) = $in_child->( sub {
        my @r;
        for my $call ( sub { zmq_send( $a, 'x' ) }, sub { zmq_socket( $c, ZMQ_PAIR ) } ) {
            eval { $call->() };
            push @r, $@ =~ /created in process \d+ and cannot be used in process \d+/ ? 'croaks' : "no: $@";
        }
        my $own = zmq_init();
        my ( $x, $y ) = ( zmq_socket( $own, ZMQ_PAIR ), zmq_socket( $own, ZMQ_PAIR ) );
        zmq_bind( $x, 'inproc://child' );
        zmq_connect( $y, 'inproc://child' );
        zmq_send( $x, 'own' );
        my $got;
        zmq_recv( $y, $got, 3 );
        push @r, $got, zmq_close($x), zmq_close($y), zmq_term($own);
        return @r;
    } );
    is_deeply( \@out, [ 'croaks', 'croaks', 'own', 0, 0, 0 ],
        'other use of the parent objects croaks; the child makes its own context' );
    is( zmq_send( $a, 'end' ), 3, 'the parent carries on' );
    zmq_close($_) for $a, $b;
    is( zmq_term($c), 0, 'and terminates its context' );
};

subtest 'threads' => sub {
    plan skip_all => 'no ithreads' unless $Config{useithreads} && eval { require threads; 1 };
    my $c  = zmq_init();
    my $ep = ep();
    my $main = timed_socket( $c, ZMQ_PAIR, 5000 );
    zmq_bind( $main, $ep );
    my $closed = zmq_socket( $c, ZMQ_PAIR );
    zmq_close($closed);
    my $msg = zmq_msg_init_data('shared?');

    my $thr = threads->create( { context => 'list' }, sub {
        my @r;
        eval { zmq_send( $main, 'x' ) };
        push @r, $@ =~ /^Invalid ZMQ::Rust::LibZMQ3::Socket object \(perhaps you've already freed it\?\)/ ? 'inert' : "no: $@";
        eval { zmq_close($main) };
        push @r, $@ ? 'close croaks' : 'close ok';
        push @r, scalar( () = zmq_close($closed) ), $! + 0;
        push @r, zmq_msg_data($msg);
        zmq_msg_init_data('x');
        zmq_msg_move( zmq_msg_init(), $msg );    # empties the thread's copy only
        push @r, zmq_msg_size($msg);
        my $s = zmq_socket( $c, ZMQ_PAIR );      # the context is shared
        push @r, ref $s;
        zmq_setsockopt( $s, ZMQ_SNDTIMEO, 3000 );
        push @r, zmq_connect( $s, $ep ), zmq_send( $s, 'from thread' );
        push @r, zmq_term($c);                   # not the creator: -1, does nothing
        push @r, zmq_close($s);
        return @r;
    } );
    my $deadline = time + 20;
    sleep 0.01 until $thr->is_joinable || time > $deadline;
    ok( $thr->is_joinable, 'thread finished' ) or do { $thr->detach; return };
    my @r = $thr->join;
    is_deeply(
        \@r,
        [ 'inert', 'close croaks', 0, ENOTSOCK, 'shared?', 0, 'ZMQ::Rust::LibZMQ3::Socket', 0, 11, -1, 0 ],
        'in a thread: sockets inert, a closed one empty/ENOTSOCK, messages copied, context shared, zmq_term -1'
    );
    is( zmq_msg_data($msg), 'shared?', 'the main thread message is intact' );
    my $buf;
    is( zmq_recv( $main, $buf, 20 ), 11, 'main receives from the thread socket' );
    is( substr( $buf, 0, 11 ), 'from thread', '' );
    ok( !$c->{_closed}, 'the context is still open' );
    zmq_close($main);
    is( zmq_term($c), 0, 'the creator terminates it' );
};

zmq_term($ctx);
done_testing;
