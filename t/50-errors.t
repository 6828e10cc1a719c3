use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN EINVAL EPROTONOSUPPORT EADDRINUSE ENOENT);
use ZMQ::Rust qw(:socket_types ZMQ_DONTWAIT ZMQ_LINGER ZMQ_RCVTIMEO);
use ZMQ::Rust::Constants qw(EFSM ETERM);
use lib 't/lib';
use ZMQRTest qw(ep caught);

# Errors: the ZMQ::Rust::Error object, die_on_error(0), strerror, bad input, endpoint
# errors, closed sockets and calls on things that are not sockets.

alarm 60;

my $ctx = ZMQ::Rust->new;

subtest 'the error object' => sub {
    my $s = $ctx->socket(ZMQ_PULL);
    is( $s->die_on_error, 1, 'die_on_error defaults to 1' );
    my $line = __LINE__ + 1;
    my $ok  = eval { $s->recv(ZMQ_DONTWAIT); 1 };
    my $err = $@;
    ok( !$ok, 'a failing call croaks' );
    isa_ok( $err, 'ZMQ::Rust::Error' );
    is( $err->errno, EAGAIN, '->errno' );
    is( $err->function, 'zmq_msg_recv', '->function' );
    is( $err->message, "zmq_msg_recv: Resource temporarily unavailable at t/50-errors.t line $line.\n",
        '->message' );
    is( "$err", "zmq_msg_recv: Resource temporarily unavailable at t/50-errors.t line $line.\n",
        'stringifies with " at t/50-errors.t line N."' );
    ok( $err == EAGAIN, 'numeric context: the errno' );
    ok( $err ? 1 : 0, 'boolean context: true' );
    is( 0 + $!, EAGAIN, '$! is set too' );

    $line = __LINE__ + 1;
    eval { $s->bind('bulls***') };
    like( "$@", qr/^zmq_bind: Invalid argument\b.* at t\/50-errors\.t line $line\.\n\z/,
        'bind: "zmq_bind: Invalid argument..." at the caller' );
    is( $@->function, 'zmq_bind', 'function zmq_bind' );

    eval { $s->set( ZMQ_LINGER, 'int', -5 ) };
    like( $@->message, qr/^zmq_setsockopt: Invalid argument: \S/, 'EINVAL may carry an explanation' );
};

subtest 'die_on_error(0)' => sub {
    my $s = $ctx->socket(ZMQ_PULL);
    is( $s->last_errno, 0, 'last_errno starts at 0' );
    is( $s->last_strerror, '', 'last_strerror starts empty' );
    ok( !$s->has_error, 'has_error false' );
    is( $s->die_on_error(0), 0, 'die_on_error(0) returns 0' );

    local $! = 0;
    my ( $err, $w, @r ) = caught( sub { $s->recv(ZMQ_DONTWAIT) } );
    ok( !defined $err, 'a failing recv does not croak' );
    is( scalar @r, 0, '... returns an empty list' );
    is( scalar @$w, 0, '... no warning' );
    is( 0 + $!, EAGAIN, '$! is EAGAIN (numeric)' );
    is( $s->last_errno, EAGAIN, 'last_errno' );
    is( $s->last_strerror, 'Resource temporarily unavailable', 'last_strerror' );
    ok( $s->has_error, 'has_error true' );

    my $scalar = $s->recv(ZMQ_DONTWAIT);
    ok( !defined $scalar, 'undef in scalar context' );
    my @mp = $s->recv_multipart(ZMQ_DONTWAIT);
    is( scalar @mp, 0, 'recv_multipart: empty list' );

    my @b = $s->bind('foo://x');
    is( scalar @b, 0, 'a failing bind returns empty' );
    is( 0 + $!, EPROTONOSUPPORT, '$! EPROTONOSUPPORT' );
    is( $s->last_errno, EPROTONOSUPPORT, 'last_errno follows the last failure' );

    my $push = $ctx->socket(ZMQ_PUSH);
    $push->die_on_error(0);
    ok( !defined scalar $push->send( 'x', ZMQ_DONTWAIT ), 'send: undef' );
    is( $push->last_errno, EAGAIN, '... EAGAIN' );
    ok( !defined scalar $push->send_multipart( [ 'x', 'y' ], ZMQ_DONTWAIT ), 'send_multipart: undef' );

    my $req = $ctx->socket(ZMQ_REQ);
    $req->die_on_error(0);
    my @e = $req->recv;
    is( 0 + $!, EFSM, 'EFSM: $! is the libzmq number' );
    is( $req->last_strerror, 'Operation cannot be accomplished in current state', '... and its text' );

    $s->die_on_error(1);
    ok( !eval { $s->recv(ZMQ_DONTWAIT); 1 }, 'die_on_error(1) croaks again' );
    isa_ok( $@, 'ZMQ::Rust::Error' );

    my ( $e2, $w2 ) = caught( sub { $push->send(undef) } );
    like( $e2, qr/must be a defined string/, 'usage errors croak even with die_on_error(0)' );
};

subtest 'ZMQ::Rust::strerror' => sub {
    is( ZMQ::Rust::strerror(EFSM),   'Operation cannot be accomplished in current state', 'EFSM' );
    is( ZMQ::Rust::strerror(ETERM),  'Context was terminated', 'ETERM' );
    is( ZMQ::Rust::strerror(EAGAIN), 'Resource temporarily unavailable', 'EAGAIN' );
    is( ZMQ::Rust::strerror(EINVAL), 'Invalid argument', 'EINVAL' );
    is( ZMQ::Rust::strerror(EPROTONOSUPPORT), 'Protocol not supported', 'EPROTONOSUPPORT' );
    like( ZMQ::Rust::strerror( ZMQ::Rust::Constants::ENOCOMPATPROTO() ), qr/\S/, 'ENOCOMPATPROTO has a text' );
    like( ZMQ::Rust::strerror( ZMQ::Rust::Constants::EMTHREAD() ),       qr/\S/, 'EMTHREAD has a text' );
    like( ZMQ::Rust::strerror(999999), qr/\S/, 'an unknown number still gives a text' );
};

subtest 'bad messages' => sub {
    my $s = $ctx->socket(ZMQ_PAIR);
    my ($err) = caught( sub { $s->send(undef) } );
    like( $err, qr/^send: the message must be a defined string, got undef/, 'send(undef) croaks' );
    ($err) = caught( sub { $s->send( [] ) } );
    like( $err, qr/^send: .*ARRAY reference/, 'send([]) croaks (reference)' );
    ($err) = caught( sub { $s->send( {} ) } );
    like( $err, qr/reference/, 'send({}) croaks' );
    ($err) = caught( sub { $s->send( \'x' ) } );
    like( $err, qr/reference/, 'send(\\"x") croaks' );
    ($err) = caught( sub { $s->send( sub { 1 } ) } );
    like( $err, qr/reference/, 'send(sub {}) croaks' );

    for my $bad ( [], 'x', {}, undef, \'x' ) {
        my $what = defined $bad ? ( ref $bad ? ref($bad) . ' ref' : "'$bad'" ) : 'undef';
        ($err) = caught( sub { $s->send_multipart($bad) } );
        like( $err, qr/^usage: send_multipart\(\$parts, \$flags\)/, "send_multipart($what) croaks usage" );
    }
    ($err) = caught( sub { $s->send_multipart( [ 1, undef ] ) } );
    like( $err, qr/must be a defined string/, 'send_multipart([1, undef]) croaks' );
    ($err) = caught( sub { $s->send_multipart( [ 'a', [] ] ) } );
    like( $err, qr/reference/, 'send_multipart with a reference frame croaks' );
    my @holes;
    $holes[2] = 'c';
    ($err) = caught( sub { $s->send_multipart( \@holes ) } );
    like( $err, qr/must be a defined string/, 'an array with holes croaks' );

    my ( $a, $b ) = ( $ctx->socket(ZMQ_PAIR), $ctx->socket(ZMQ_PAIR) );
    my $ep = ep();
    $a->bind($ep);
    $b->connect($ep);
    caught( sub { $b->send_multipart( [ 'ok', undef ] ) } );
    ok( !eval { $a->recv(ZMQ_DONTWAIT); 1 }, 'a rejected send_multipart sends nothing' );
    $b->send(42);
    is( $a->recv(ZMQ_DONTWAIT), '42', 'a number is sent as its string' );
};

subtest 'bad endpoints' => sub {
    my $s = $ctx->socket(ZMQ_PAIR);
    for my $method (qw(bind connect unbind disconnect)) {
        for my $bad ( '', undef, [] ) {
            my ($err) = caught( sub { $s->$method($bad) } );
            my $what = defined $bad ? ( ref $bad ? 'a reference' : "''" ) : 'undef';
            like( $err, qr/^usage: \$socket->\Q$method\E\(\$endpoint\)/, "$method($what) croaks usage" );
        }
    }

    my @cases = (
        [ 'bulls***',               EINVAL,          'Invalid argument' ],
        [ 'inproc://',              EINVAL,          'Invalid argument' ],
        [ 'foo://x',                EPROTONOSUPPORT, 'Protocol not supported' ],
        [ 'pgm://eth0;239.1.1.1:5555', EPROTONOSUPPORT, 'Protocol not supported' ],
        [ 'tcp://127.0.0.1',        EINVAL,          'Invalid argument' ],
        [ 'tcp://127.0.0.1:port',   EINVAL,          'Invalid argument' ],
        [ 'tcp://:5555',            EINVAL,          'Invalid argument' ],
    );
    for my $case (@cases) {
        my ( $ep, $errno, $text ) = @$case;
        for my $method (qw(bind connect)) {
            my ($err) = caught( sub { $s->$method($ep) } );
            like( $err, qr/^zmq_\Q$method\E: \Q$text\E/, "$method('$ep'): $text" );
            is( ref $err && $err->errno, $errno, "... errno $errno" );
        }
    }

    my $ep = ep();
    $s->bind($ep);
    my $other = $ctx->socket(ZMQ_PAIR);
    my ($err) = caught( sub { $other->bind($ep) } );
    like( $err, qr/^zmq_bind: Address already in use/, 'an inproc name already bound: EADDRINUSE' );
    is( ref $err && $err->errno, EADDRINUSE, '... errno EADDRINUSE' );
    ($err) = caught( sub { $s->bind($ep) } );
    is( ref $err && $err->errno, EADDRINUSE, '... also for the socket that holds it' );

    ($err) = caught( sub { $s->unbind( ep() ) } );
    like( $err, qr/^zmq_unbind: No such file or directory/, 'unbind of an unknown endpoint: ENOENT' );
    is( ref $err && $err->errno, ENOENT, '... errno ENOENT' );
    ($err) = caught( sub { $s->disconnect( ep() ) } );
    like( $err, qr/^zmq_disconnect:/, 'disconnect of an unknown endpoint fails' );
    is( ref $err && $err->errno, ENOENT, '... ENOENT' );
    ($err) = caught( sub { $other->unbind($ep) } );
    is( ref $err && $err->errno, ENOENT, 'unbind of an endpoint another socket bound: ENOENT' );
};

subtest 'closed socket' => sub {
    my $s = $ctx->socket(ZMQ_SUB);
    $s->bind( ep() );
    $s->close;
    ok( $s->is_closed, 'is_closed' );
    my ( $err, $w ) = caught( sub { $s->close } );
    ok( !defined $err && !@$w, 'close twice is fine and quiet' );

    my %calls = (
        bind           => ['inproc://x'],
        connect        => ['inproc://x'],
        unbind         => ['inproc://x'],
        disconnect     => ['inproc://x'],
        send           => ['x'],
        send_multipart => [ [ 'x', 'y' ] ],
        recv           => [],
        recv_multipart => [],
        get            => [ ZMQ_LINGER, 'int' ],
        set            => [ ZMQ_LINGER, 'int', 1 ],
        get_linger     => [],
        set_linger     => [1],
        get_identity   => [],
        set_identity   => ['id'],
        subscribe      => ['x'],
        unsubscribe    => ['x'],
        has_pollin     => [],
        has_pollout    => [],
        get_fd         => [],
        get_rcvmore    => [],
        last_endpoint  => [],
        send_json      => [ { a => 1 } ],
        recv_json      => [],
        send_as        => [ json => [1] ],
        recv_as        => ['json'],
    );
    for my $method ( sort keys %calls ) {
        my ( $e, $warnings, @r ) = caught( sub { $s->$method( @{ $calls{$method} } ) } );
        ok( !defined $e, "$method does not croak" ) or diag $e;
        is( scalar @$warnings, 1, "$method warns once" );
        like( $warnings->[0] || '', qr/^Operation on closed socket/, "... Operation on closed socket" );
        is( scalar @r, 0, "... and returns empty" );
    }
    my ( $e, $warnings ) = caught( sub { $s->type; $s->context; $s->is_closed; $s->die_on_error; $s->last_errno } );
    ok( !defined $e && !@$warnings, 'type, context, is_closed, die_on_error, last_errno do not warn' );
    is( $s->type, ZMQ_SUB, 'type still works' );

    ( $e, $warnings ) = caught( sub { $s->die_on_error(1); $s->recv } );
    ok( !defined $e, 'closed + die_on_error(1): still no croak, only the warning' );
};

subtest 'not a socket' => sub {
    my %args = (    # arguments after the invocant, as many as each method takes
        send => ['y'], recv => [], send_multipart => [ ['y'] ], recv_multipart => [],
        bind => ['inproc://y'], connect => ['inproc://y'], unbind => ['inproc://y'],
        disconnect => ['inproc://y'], get => [ ZMQ_LINGER, 'int' ], set => [ ZMQ_LINGER, 'int', 1 ],
        get_linger => [], set_linger => [1], get_identity => [], set_identity => ['y'],
        subscribe => ['y'], unsubscribe => ['y'], has_pollin => [], has_pollout => [],
        get_fd => [], get_rcvmore => [], last_endpoint => [], close => [], is_closed => [],
        type => [], context => [], die_on_error => [], last_errno => [], last_strerror => [],
        has_error => [],
    );
    for my $method ( sort keys %args ) {
        no strict 'refs';
        my $code = \&{"ZMQ::Rust::Socket::$method"};
        my ($err) = caught( sub { $code->( 'x', @{ $args{$method} } ) } );
        like( $err, qr/is not a ZMQ::Rust::Socket object/, "ZMQ::Rust::Socket::$method('x', ...) croaks" );
    }
    my ($err) = caught( sub { ZMQ::Rust::Socket::send( 'x', 'y' ) } );
    like( $err, qr/^Argument is not a ZMQ::Rust::Socket object at /, 'the message' );
    ($err) = caught( sub { ZMQ::Rust::Socket::send( undef, 'y' ) } );
    like( $err, qr/is not a ZMQ::Rust::Socket object/, 'undef' );
    ($err) = caught( sub { ZMQ::Rust::Socket::send( {}, 'y' ) } );
    like( $err, qr/is not a ZMQ::Rust::Socket object/, 'an unblessed hash' );
    ($err) = caught( sub { ( bless {}, 'ZMQ::Rust::Socket' )->send('y') } );
    like( $err, qr/is not a ZMQ::Rust::Socket object/, 'a hash blessed into the class by hand' );
    ($err) = caught( sub { ZMQ::Rust::Socket::send( $ctx, 'y' ) } );
    like( $err, qr/is not a ZMQ::Rust::Socket object/, 'a context' );

    my %ctx_args = ( get => [1], set => [ 1, 1 ], die_on_error => [], last_errno => [],
        last_strerror => [], is_destroyed => [] );
    for my $method ( sort keys %ctx_args ) {
        no strict 'refs';
        my $code = \&{"ZMQ::Rust::Context::$method"};
        ($err) = caught( sub { $code->( 'x', @{ $ctx_args{$method} } ) } );
        like( $err, qr/is not a ZMQ::Rust::Context object/, "ZMQ::Rust::Context::$method('x') croaks" );
    }
    my $sock = $ctx->socket(ZMQ_PAIR);
    ($err) = caught( sub { ZMQ::Rust::Context::get( $sock, 1 ) } );
    like( $err, qr/is not a ZMQ::Rust::Context object/, 'a socket is not a context' );
    ($err) = caught( sub { ZMQ::Rust::Socket::send_json( 'x', {} ) } );
    ok( defined $err, 'the Perl-level methods croak too' );
};

$ctx->destroy;
done_testing;
