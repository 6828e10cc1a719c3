use strict;
use warnings;

use Test::More;
use ZMQ::Rust ();
use ZMQ::Rust::Constants ();

# The pure-Perl constants agree with the engine: every socket option the engine knows has its
# ZMQ_ constant with the same number and value type; every option constant the engine knows
# has the engine's type; every errno constant has the engine's value, and libzmq's own errno
# values all have constants. The C header's ZR_ numbers agree with the constants as well.

my %TYPE = ( 0 => 'int', 1 => 'int64', 2 => 'uint64', 3 => 'binary', 4 => 'string' );

sub constant {
    my ($name) = @_;
    my $code = ZMQ::Rust::Constants->can($name);
    return $code ? $code->() : undef;
}

my @options = ZMQ::Rust::_option_table();
cmp_ok( scalar @options, '>', 60, 'the engine lists its options' );

subtest 'every engine option has its constant and type' => sub {
    for my $row (@options) {
        my ( $name, $num, $type ) = @$row;
        is( constant("ZMQ_$name"), $num, "ZMQ_$name == $num" );
        is( ZMQ::Rust::Constants::sockopt_type($num), $TYPE{$type}, "ZMQ_$name is $TYPE{$type}" );
        is( ZMQ::Rust::option_type($num), $type, "option_type(ZMQ_$name)" );
    }
};

subtest 'every option constant the engine knows has the engine type' => sub {
    my %engine = map { $_->[1] => $_ } @options;
    my $checked = 0;
    for my $name ( @{ $ZMQ::Rust::Constants::EXPORT_TAGS{options} } ) {
        my $num = constant($name);
        my $row = $engine{$num} or next;
        is( ZMQ::Rust::Constants::sockopt_type($num), $TYPE{ $row->[2] },
            "$name ($num, the engine's $row->[1]) is $TYPE{ $row->[2] }" );
        $checked++;
    }
    cmp_ok( $checked, '>=', scalar @options, 'checked them all' );
};

my @errnos = ZMQ::Rust::_errno_table();
my %errno  = map { $_->[0] => $_->[1] } @errnos;

subtest 'errno constants have the engine values' => sub {
    ok( exists $errno{$_}, "$_ is in the engine's list" ) for qw(EAGAIN EINVAL ETERM EFSM);
    for my $name ( @{ $ZMQ::Rust::Constants::EXPORT_TAGS{errors} } ) {
        next if $name eq 'ZMQ_HAUSNUMERO';
        ok( exists $errno{$name}, "$name is an errno the engine knows" ) or next;
        is( constant($name), $errno{$name}, "$name == $errno{$name}" );
    }
    my $hausnumero = constant('ZMQ_HAUSNUMERO');
    for my $row (@errnos) {
        my ( $name, $value ) = @$row;
        next unless $value > $hausnumero;
        is( constant($name), $value, "libzmq's own $name has its constant" );
    }
};

subtest 'the C header' => sub {
    open my $fh, '<', 'include/zmq_rust.h' or plan skip_all => "include/zmq_rust.h: $!";
    my %h;
    while (<$fh>) {
        $h{$1} = $2 if /^#define ZR_(\w+) (-?\d+)\s*$/;
    }
    close $fh;
    ok( %h, 'read its constants' );
    is( $h{HAUSNUMERO}, constant('ZMQ_HAUSNUMERO'), 'ZR_HAUSNUMERO' );
    for my $name ( sort keys %h ) {
        if ( $name =~ /\ASOCKOPT_(\w+)\z/ ) {
            is( constant("ZMQ_$1"), $h{$name}, "ZR_$name == ZMQ_$1" );
        }
        elsif ( $name =~ /\A(E[A-Z]+)\z/ ) {
            is( constant($1), $h{$name}, "ZR_$name == $1" );
        }
    }
    my %code = reverse %TYPE;
    is( $h{OPT_INT},    $code{int},    'ZR_OPT_INT' );
    is( $h{OPT_INT64},  $code{int64},  'ZR_OPT_INT64' );
    is( $h{OPT_UINT64}, $code{uint64}, 'ZR_OPT_UINT64' );
    is( $h{OPT_BINARY}, $code{binary}, 'ZR_OPT_BINARY' );
    is( $h{OPT_STRING}, $code{string}, 'ZR_OPT_STRING' );
};

done_testing;
