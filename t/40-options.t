use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL);
use IO::Handle;
use IO::Select;
use ZMQ::Rust qw(:socket_types :options ZMQ_DONTWAIT);
use lib 't/lib';
use ZMQRTest qw(ep);

# Socket options through get/set with each value type, the wrong-type and bad-value cases,
# and the option-like accessors: get_fd, has_pollin/has_pollout, get_linger/set_linger,
# last_endpoint, type, context.

alarm 60;

my $ctx = ZMQ::Rust->new;

# Checks that $code croaks EINVAL from $func.
sub einval_ok {
    my ( $code, $name, $func ) = @_;
    $func ||= 'zmq_setsockopt';
    my $ok  = eval { $code->(); 1 };
    my $err = $@;
    ok( !$ok, "$name croaks" );
    like( $err, qr/^\Q$func\E: Invalid argument/, "... $func: Invalid argument" );
    is( ref $err && $err->errno, EINVAL, '... errno EINVAL' );
}

subtest 'int options' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    is( $s->get( ZMQ_SNDHWM, 'int' ), 1000, 'SNDHWM defaults to 1000' );
    is( $s->get( ZMQ_RCVHWM, 'int' ), 1000, 'RCVHWM defaults to 1000' );
    is( $s->get( ZMQ_RCVTIMEO, 'int' ), -1, 'RCVTIMEO defaults to -1' );
    is( $s->get( ZMQ_IMMEDIATE, 'int' ), 0, 'IMMEDIATE defaults to 0' );

    my @r = $s->set( ZMQ_SNDHWM, 'int', 77 );
    is( scalar @r, 1, 'set returns one value' );
    ok( $r[0], '... a true one' );
    is( $s->get( ZMQ_SNDHWM, 'int' ), 77, 'SNDHWM is 77' );
    $s->set( ZMQ_RCVHWM, 'int', '42' );
    is( $s->get( ZMQ_RCVHWM, 'int' ), 42, 'a numeric string is accepted' );
    $s->set( ZMQ_RCVTIMEO, 'int', 2147483647 );
    is( $s->get( ZMQ_RCVTIMEO, 'int' ), 2147483647, 'INT_MAX' );
    $s->set( ZMQ_IMMEDIATE, 'int', 1 );
    is( $s->get( ZMQ_IMMEDIATE, 'int' ), 1, 'IMMEDIATE 1' );

    einval_ok( sub { $s->set( ZMQ_SNDHWM, 'int', -2 ) }, 'a negative HWM' );
    is( $s->get( ZMQ_SNDHWM, 'int' ), 77, '... SNDHWM unchanged' );
    einval_ok( sub { $s->set( ZMQ_SNDHWM, 'int', 2**32 + 5 ) }, 'a value beyond int (not wrapped to 5)' );
    is( $s->get( ZMQ_SNDHWM, 'int' ), 77, '... SNDHWM unchanged' );
    einval_ok( sub { $s->set( ZMQ_SNDHWM, 'int', 2147483648 ) }, 'INT_MAX + 1' );
    einval_ok( sub { $s->set( ZMQ_LINGER, 'int', -1e20 ) }, 'a huge negative value' );
    einval_ok( sub { $s->set( ZMQ_LINGER, 'int', 4294967295 ) }, 'UINT_MAX (not wrapped to -1)' );
    is( $s->get_linger, 0, '... LINGER unchanged' );

    my $ok = eval { $s->set( ZMQ_SNDHWM, 'int', undef ); 1 };
    like( $@, qr/value must be defined/, 'an undefined value croaks' );
};

subtest 'int64_t options: MAXMSGSIZE' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), -1, 'MAXMSGSIZE defaults to -1' );
    ok( $s->set( ZMQ_MAXMSGSIZE, 'int64_t', 4096 ), 'set 4096' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), 4096, 'get 4096' );
    ok( $s->set( ZMQ_MAXMSGSIZE, 'int64_t', '9223372036854775807' ), 'set the max int64 as a string' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ) . '', '9223372036854775807', 'get it back (compared as a string)' );
    $s->set( ZMQ_MAXMSGSIZE, 'int64_t', 5_000_000_000 );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), 5_000_000_000, 'a value beyond 32 bits' );
    $s->set( ZMQ_MAXMSGSIZE, 'int64_t', -1 );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), -1, 'back to -1 (no limit)' );

    einval_ok( sub { $s->set( ZMQ_MAXMSGSIZE, 'int64_t', -5 ) }, 'MAXMSGSIZE -5' );
    einval_ok( sub { $s->set( ZMQ_MAXMSGSIZE, 'int64_t', '9223372036854775808' ) }, 'max int64 + 1' );
    einval_ok( sub { $s->set( ZMQ_MAXMSGSIZE, 'int64_t', '18446744073709551615' ) },
        'max uint64 (not wrapped to -1)' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), -1, '... MAXMSGSIZE unchanged' );
};

subtest 'uint64_t options: AFFINITY' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), 0, 'AFFINITY defaults to 0' );
    ok( $s->set( ZMQ_AFFINITY, 'uint64_t', 3 ), 'set 3' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), 3, 'get 3' );
    ok( $s->set( ZMQ_AFFINITY, 'uint64_t', '18446744073709551615' ), 'set the max uint64 as a string' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ) . '', '18446744073709551615', 'get it back (compared as a string)' );
    $s->set( ZMQ_AFFINITY, 'uint64_t', '9223372036854775808' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ) . '', '9223372036854775808', '2**63' );

    einval_ok( sub { $s->set( ZMQ_AFFINITY, 'uint64_t', -1 ) }, 'a negative uint64 (not wrapped)' );
    einval_ok( sub { $s->set( ZMQ_AFFINITY, 'uint64_t', '18446744073709551616' ) }, 'max uint64 + 1' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ) . '', '9223372036854775808', '... AFFINITY unchanged' );
};

subtest 'binary options: ROUTING_ID' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    is( $s->get( ZMQ_ROUTING_ID, 'binary' ), undef, 'empty: get returns undef' );
    ok( $s->set( ZMQ_ROUTING_ID, 'binary', "id\0\xff" ), 'set bytes with a NUL' );
    is( $s->get( ZMQ_ROUTING_ID, 'binary' ), "id\0\xff", 'get them back' );
    is( $s->get_identity, "id\0\xff", 'get_identity agrees' );
    einval_ok( sub { $s->set( ZMQ_ROUTING_ID, 'binary', '' ) },         'an empty ROUTING_ID' );
    einval_ok( sub { $s->set( ZMQ_ROUTING_ID, 'binary', 'x' x 256 ) }, 'a 256-byte ROUTING_ID' );
    is( $s->get( ZMQ_ROUTING_ID, 'binary' ), "id\0\xff", '... unchanged' );
};

subtest 'string options: LAST_ENDPOINT' => sub {
    my $s = $ctx->socket(ZMQ_PULL);
    is( $s->get( ZMQ_LAST_ENDPOINT, 'string' ), undef, 'none yet: undef' );
    is( $s->last_endpoint, undef, 'last_endpoint: undef' );
    my $ep = ep();
    $s->bind($ep);
    is( $s->get( ZMQ_LAST_ENDPOINT, 'string' ), $ep, 'after bind (no trailing NUL)' );
    is( $s->last_endpoint, $ep, 'last_endpoint agrees' );
    my $ep2 = ep();
    $s->connect($ep2);
    is( $s->last_endpoint, $ep2, 'after a connect: the connected endpoint' );
    einval_ok( sub { $s->set( ZMQ_LAST_ENDPOINT, 'string', 'inproc://x' ) }, 'LAST_ENDPOINT is read-only' );
};

subtest 'the wrong type for an option' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    $s->set( ZMQ_SNDHWM, 'int', 10 );
    einval_ok( sub { $s->set( ZMQ_SNDHWM, 'int64_t', 20 ) }, 'SNDHWM as int64_t' );
    is( $s->get( ZMQ_SNDHWM, 'int' ), 10, '... unchanged' );
    einval_ok( sub { $s->set( ZMQ_SNDHWM, 'binary', 'abc' ) }, 'SNDHWM as 3 bytes of binary' );
    is( $s->get( ZMQ_SNDHWM, 'int' ), 10, '... unchanged' );

    $s->set( ZMQ_MAXMSGSIZE, 'int64_t', 1000 );
    einval_ok( sub { $s->set( ZMQ_MAXMSGSIZE, 'int', 100 ) }, 'MAXMSGSIZE as int' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), 1000, '... unchanged' );

    einval_ok( sub { $s->set( ZMQ_AFFINITY, 'int', 1 ) }, 'AFFINITY as int' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), 0, '... unchanged' );
};

subtest 'unknown, read-only and write-only options' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    einval_ok( sub { $s->set( 9999, 'int', 1 ) }, 'set of an unknown option' );
    einval_ok( sub { $s->get( 9999, 'int' ) }, 'get of an unknown option', 'zmq_getsockopt' );
    einval_ok( sub { $s->get( 26, 'int' ) }, 'get of the unused number 26', 'zmq_getsockopt' );
    einval_ok( sub { $s->set( ZMQ_TYPE, 'int', 1 ) }, 'ZMQ_TYPE is read-only' );
    einval_ok( sub { $s->set( ZMQ_FD, 'int', 1 ) }, 'ZMQ_FD is read-only' );
    einval_ok( sub { $s->set( ZMQ_RCVMORE, 'int', 1 ) }, 'ZMQ_RCVMORE is read-only' );
    einval_ok( sub { $s->get( ZMQ_SUBSCRIBE, 'binary' ) }, 'ZMQ_SUBSCRIBE is write-only', 'zmq_getsockopt' );
    einval_ok( sub { $s->subscribe('x') }, 'SUBSCRIBE on a DEALER' );

    $s->die_on_error(0);
    local $! = 0;
    my @r = $s->set( 9999, 'int', 1 );
    is( scalar @r, 0, 'die_on_error(0): set returns empty' );
    is( $s->last_errno, EINVAL, '... last_errno EINVAL' );
    is( 0 + $!, EINVAL, '... $! EINVAL' );
    @r = $s->set( ZMQ_SNDHWM, 'int', 2**40 );
    is( scalar @r, 0, 'out of range with die_on_error(0): empty' );
    is( $s->last_errno, EINVAL, '... last_errno EINVAL' );
    my $v = $s->get( 9999, 'int' );
    ok( !defined $v, 'get returns undef' );
};

subtest 'unknown type croaks' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    for my $call (
        [ get => sub { $s->get( ZMQ_SNDHWM, 'float' ) } ],
        [ set => sub { $s->set( ZMQ_SNDHWM, 'float', 1 ) } ],
        )
    {
        my $ok = eval { $call->[1]->(); 1 };
        ok( !$ok, "$call->[0] with type float croaks" );
        like( $@, qr/unknown type float/, '... unknown type float' );
    }
    $s->die_on_error(0);
    ok( !eval { $s->get( ZMQ_SNDHWM, 'INT' ); 1 }, 'types are case-sensitive; croaks even with die_on_error(0)' );
    like( $@, qr/unknown type INT/, '... unknown type INT' );
};

subtest 'get_linger / set_linger' => sub {
    my $s = $ctx->socket(ZMQ_PUSH);
    is( $s->get_linger, 0, 'LINGER starts at 0' );
    ok( $s->set_linger(1500), 'set_linger returns true' );
    is( $s->get_linger, 1500, 'get_linger' );
    is( $s->get( ZMQ_LINGER, 'int' ), 1500, 'get(ZMQ_LINGER) agrees' );
    $s->set( ZMQ_LINGER, 'int', -1 );
    is( $s->get_linger, -1, 'set(ZMQ_LINGER) -1, get_linger agrees' );
    einval_ok( sub { $s->set_linger(-2) }, 'set_linger(-2)' );
    einval_ok( sub { $s->set_linger(2**31) }, 'set_linger(2**31)' );
    is( $s->get_linger, -1, '... unchanged' );
};

subtest 'get_fd' => sub {
    my $pull = $ctx->socket(ZMQ_PULL);
    my $fd   = $pull->get_fd;
    like( $fd, qr/\A\d+\z/, 'get_fd is an integer' );
    cmp_ok( $fd, '>', 0, '... positive' );
    is( $pull->get_fd, $fd, '... stable' );
    is( $pull->get( ZMQ_FD, 'int' ), $fd, 'get(ZMQ_FD) agrees' );
    isnt( $ctx->socket(ZMQ_PULL)->get_fd, $fd, 'another socket has another fd' );

    open( my $fh, '<&=', $fd ) or return fail("cannot fdopen $fd: $!");
    my $sel = IO::Select->new($fh);
    my $ep  = ep();
    $pull->bind($ep);
    my $push = $ctx->socket(ZMQ_PUSH);
    $push->connect($ep);
    $pull->has_pollin;    # process pending state, as the contract says
    $push->send('wake up');
    ok( scalar $sel->can_read(2), 'the fd becomes readable when a message arrives' );
    is( $pull->has_pollin, 1, '... and has_pollin says so' );
    is( $pull->recv(ZMQ_DONTWAIT), 'wake up', '... the message' );
    is( $pull->has_pollin, 0, 'drained' );
};

subtest 'has_pollin / has_pollout values' => sub {
    my $ep   = ep();
    my $pull = $ctx->socket(ZMQ_PULL);
    my $push = $ctx->socket(ZMQ_PUSH);
    is( $push->has_pollout, 0, 'PUSH without a peer: has_pollout 0' );
    $pull->bind($ep);
    $push->connect($ep);
    is( $push->has_pollout, 2, 'with a peer: 2 (ZMQ_POLLOUT), not 1' );
    is( $push->has_pollin,  0, 'PUSH has_pollin 0' );
    is( $pull->has_pollin,  0, 'PULL with nothing: 0' );
    is( $pull->has_pollout, 0, 'PULL has_pollout 0' );
    $push->send('x');
    is( $pull->has_pollin, 1, 'with a message: 1 (ZMQ_POLLIN)' );
    is( $pull->get( ZMQ_EVENTS, 'int' ), 1, 'ZMQ_EVENTS agrees' );
    is( $push->get( ZMQ_EVENTS, 'int' ), 2, 'ZMQ_EVENTS of the PUSH' );
};

subtest 'type and context accessors' => sub {
    for my $type ( ZMQ_PAIR, ZMQ_PUB, ZMQ_SUB, ZMQ_REQ, ZMQ_REP, ZMQ_DEALER, ZMQ_ROUTER,
        ZMQ_PULL, ZMQ_PUSH, ZMQ_XPUB, ZMQ_XSUB )
    {
        my $s = $ctx->socket($type);
        is( $s->type, $type, "type $type" );
        is( $s->get( ZMQ_TYPE, 'int' ), $type, '... ZMQ_TYPE agrees' );
    }
    my $s = $ctx->socket(ZMQ_PAIR);
    isa_ok( $s->context, 'ZMQ::Rust::Context' );
    is( $s->context, $ctx, 'context is the creating context' );
    $_ = 'clobbered' for $s->context;    # the accessor must return a copy
    is( $s->context, $ctx, 'changing the returned value does not change the socket' );
    $s->close;
    is( $s->type, ZMQ_PAIR, 'type still answers after close' );
    is( $s->context, $ctx, 'context too' );
};

subtest 'options the engine does not implement take their default only' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    for my $c ( [ ZMQ_SOCKS_PROXY, 'string', '', 'proxy:1080' ], [ ZMQ_BINDTODEVICE, 'string', '', 'eth0' ],
        [ ZMQ_TCP_MAXRT, 'int', 0, 5000 ], [ ZMQ_USE_FD, 'int', -1, 3 ] )
    {
        my ( $opt, $type, $default, $other ) = @$c;
        ok( $s->set( $opt, $type, $default ), "option $opt: the default '$default' is accepted" );
        my $err = eval { $s->set( $opt, $type, $other ); 1 } ? '' : $@;
        like( $err, qr/^zmq_setsockopt: Operation not supported: .*not implemented/, "option $opt: '$other' is refused" );
        is( $s->get( $opt, $type ), ( $type eq 'string' ? undef : $default ), "option $opt: still the default" );
    }
    $s->close;
};

$ctx->destroy;
done_testing;
