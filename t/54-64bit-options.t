use strict;
use warnings;

use Test::More;
use Math::BigInt ();
use ZMQ::Rust qw(:all);
use ZMQ::Rust::LibZMQ3 ();
use lib 't/lib';
use ZMQRTest qw(caught);

# 64-bit option values as Perl users pass them: Math::BigInt and bigint objects, and decimal
# strings, are taken exactly (no trip through a double); values beyond 2**53 come back exactly.
# ZMQ::FFI's t/options.t sets ZMQ_AFFINITY to the uint64 maximum as a Math::BigInt.

my $ctx = ZMQ::Rust->new;
my $U64_MAX = '18446744073709551615';
my $I64_MAX = '9223372036854775807';

subtest 'Math::BigInt objects' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    ok( $s->set( ZMQ_AFFINITY, 'uint64_t', Math::BigInt->new($U64_MAX) ), 'uint64 maximum' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), $U64_MAX, '... comes back exactly' );
    ok( Math::BigInt->new( $s->get( ZMQ_AFFINITY, 'uint64_t' ) ) == Math::BigInt->new($U64_MAX),
        '... equal as Math::BigInt' );
    my $odd = '9007199254740993';    # 2**53 + 1: no double holds it
    $s->set( ZMQ_AFFINITY, 'uint64_t', Math::BigInt->new($odd) );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), $odd, '2**53 + 1 exactly' );
    ok( $s->set( ZMQ_MAXMSGSIZE, 'int64_t', Math::BigInt->new($I64_MAX) ), 'int64 maximum' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), $I64_MAX, '... comes back exactly' );
    ok( $s->set( ZMQ_MAXMSGSIZE, 'int64_t', Math::BigInt->new(-1) ), 'a negative int64' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), -1, '... -1' );
    ok( $s->set( ZMQ_SNDHWM, 'int', Math::BigInt->new(77) ), 'an int option' );
    is( $s->get( ZMQ_SNDHWM, 'int' ), 77, '... 77' );
    $s->close;
};

subtest 'use bigint' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    my $v = do { use bigint; 2**64 - 1 };
    ok( ref $v, 'a bigint object' );
    ok( $s->set( ZMQ_AFFINITY, 'uint64_t', $v ), 'set' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), $U64_MAX, 'exact' );
    $s->close;
};

subtest 'decimal strings' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    ok( $s->set( ZMQ_AFFINITY, 'uint64_t', $U64_MAX ), 'uint64 maximum as a string' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), $U64_MAX, 'exact' );
    ok( $s->set( ZMQ_AFFINITY, 'uint64_t', "+18446744073709551614" ), 'with a + sign' );
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), '18446744073709551614', 'exact' );
    ok( $s->set( ZMQ_MAXMSGSIZE, 'int64_t', " $I64_MAX\n" ), 'int64 maximum with blanks' );
    is( $s->get( ZMQ_MAXMSGSIZE, 'int64_t' ), $I64_MAX, 'exact' );
    $s->close;
};

subtest 'too large: EINVAL naming the type, nothing changed' => sub {
    my $s = $ctx->socket(ZMQ_DEALER);
    $s->set( ZMQ_AFFINITY, 'uint64_t', 3 );
    for my $bad ( Math::BigInt->new($U64_MAX) + 1, '18446744073709551616', '99999999999999999999999', '-1',
        Math::BigInt->new(-1) )
    {
        my ($err) = caught( sub { $s->set( ZMQ_AFFINITY, 'uint64_t', $bad ) } );
        like( $err, qr/^zmq_setsockopt: Invalid argument: value out of range for a uint64_t/, "uint64 $bad" );
    }
    is( $s->get( ZMQ_AFFINITY, 'uint64_t' ), 3, 'AFFINITY unchanged' );
    for my $bad ( Math::BigInt->new($I64_MAX) + 1, '9223372036854775808' ) {
        my ($err) = caught( sub { $s->set( ZMQ_MAXMSGSIZE, 'int64_t', $bad ) } );
        like( $err, qr/value out of range for an int64_t/, "int64 $bad" );
    }
    my ($err) = caught( sub { $s->set( ZMQ_SNDHWM, 'int', Math::BigInt->new(2)**31 ) } );
    like( $err, qr/value out of range for an int/, 'int 2**31' );
    $s->close;
};

subtest 'context options' => sub {
    my $c = ZMQ::Rust->new;
    ok( $c->set( ZMQ_MAX_SOCKETS, Math::BigInt->new(64) ), 'ctx set with a Math::BigInt' );
    is( $c->get(ZMQ_MAX_SOCKETS), 64, 'exact' );
    $c->destroy;
};

subtest 'ZMQ::Rust::LibZMQ3' => sub {
    my $c = ZMQ::Rust::LibZMQ3::zmq_ctx_new();
    my $s = ZMQ::Rust::LibZMQ3::zmq_socket( $c, ZMQ_DEALER );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_uint64( $s, ZMQ_AFFINITY, Math::BigInt->new($U64_MAX) ), 0,
        'zmq_setsockopt_uint64 with a Math::BigInt' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_uint64( $s, ZMQ_AFFINITY ), $U64_MAX, 'exact' );
    is( ZMQ::Rust::LibZMQ3::zmq_setsockopt_int64( $s, ZMQ_MAXMSGSIZE, $I64_MAX ), 0,
        'zmq_setsockopt_int64 with a string' );
    is( ZMQ::Rust::LibZMQ3::zmq_getsockopt_int64( $s, ZMQ_MAXMSGSIZE ), $I64_MAX, 'exact' );
    ZMQ::Rust::LibZMQ3::zmq_close($s);
    ZMQ::Rust::LibZMQ3::zmq_ctx_destroy($c);
};

$ctx->destroy;
done_testing;
