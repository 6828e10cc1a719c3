use strict;
use warnings;

use Test::More;
use B::Deparse ();

# Constants exported by `use ZMQ::Rust` parse as ZMQ::FFI's (subs without a prototype), so
# code written for ZMQ::FFI compiles unchanged, e.g. its t/monitor.t:
#     cmp_ok $id, '==', ZMQ_EVENT_HANDSHAKE_SUCCEEDED 'name';
# A use without arguments still compiles to the number. ZMQ::Rust::Constants' own exports
# stay `use constant` subs, as ZMQ::Constants' are.

package ZMQRTest::FFIStyle {
    use ZMQ::Rust qw(ZMQ_EVENT_HANDSHAKE_SUCCEEDED ZMQ_PUSH ZMQ_DONTWAIT ZMQ_SNDMORE
        :socket_types sockopt_type %SOCKOPT_TYPE);
    sub event_with_arg { ZMQ_EVENT_HANDSHAKE_SUCCEEDED 'name' }
    sub plain          { ZMQ_PUSH }
    sub flags          { ZMQ_DONTWAIT | ZMQ_SNDMORE }
    sub parens         { ZMQ_PUSH() }
    sub ampersand      { &ZMQ_PUSH }
    sub type_of        { sockopt_type(5) }
    sub map_entry      { $SOCKOPT_TYPE{5} }
}

package ZMQRTest::ConstantStyle {
    use ZMQ::Rust::Constants qw(ZMQ_PUSH);
    sub plain { ZMQ_PUSH }
}

package main;

subtest 'a constant followed by an argument compiles, as with ZMQ::FFI' => sub {
    is( ZMQRTest::FFIStyle::event_with_arg(), 4096, "ZMQ_EVENT_HANDSHAKE_SUCCEEDED 'name' is 4096" );
    my $ok = eval q{
        package ZMQRTest::Monitor;
        use ZMQ::Rust qw(ZMQ_EVENT_CONNECTED);
        use Test::More;
        cmp_ok 1, '==', ZMQ_EVENT_CONNECTED 'connected event';
        1;
    };
    ok( $ok, 'the cmp_ok line of ZMQ::FFI t/monitor.t compiles and passes' ) or diag $@;
    is( prototype( \&ZMQRTest::FFIStyle::ZMQ_PUSH ), undef, 'no prototype' );
};

subtest 'without arguments it is the number itself' => sub {
    is( ZMQRTest::FFIStyle::plain(),     8, 'ZMQ_PUSH' );
    is( ZMQRTest::FFIStyle::flags(),     3, 'ZMQ_DONTWAIT | ZMQ_SNDMORE' );
    is( ZMQRTest::FFIStyle::parens(),    8, 'ZMQ_PUSH()' );
    is( ZMQRTest::FFIStyle::ampersand(), 8, '&ZMQ_PUSH' );
    my $d    = B::Deparse->new;
    my $body = sub { ( my $t = $d->coderef2text( $_[0] ) ) =~ s/^\s*(?:package|use) [^;]+;\s*$//mg; $t =~ s/\s+//g; $t };
    is( $body->( \&ZMQRTest::FFIStyle::plain ), '{8;}', 'compiled to the constant 8' );
    is( $body->( \&ZMQRTest::FFIStyle::flags ), '{3;}', 'folded to 3' );
    like( $d->coderef2text( \&ZMQRTest::FFIStyle::event_with_arg ),
        qr/ZMQ_EVENT_HANDSHAKE_SUCCEEDED\('name'\)/, 'with an argument: a call' );
};

subtest 'other exports and errors' => sub {
    is( ZMQRTest::FFIStyle::type_of(),   'binary', 'sockopt_type exported' );
    is( ZMQRTest::FFIStyle::map_entry(), 'binary', '%SOCKOPT_TYPE exported' );
    ok( ZMQRTest::FFIStyle->can('ZMQ_ROUTER'), ':socket_types tag' );
    is( \&ZMQRTest::FFIStyle::ZMQ_PUSH, \&{ eval q{package ZMQRTest::Other; use ZMQ::Rust qw(ZMQ_PUSH); \&ZMQ_PUSH} },
        'one sub per constant, shared' );
    ok( !eval q{package ZMQRTest::Bad; use ZMQ::Rust qw(ZMQ_NO_SUCH_THING); 1}, 'an unknown name croaks' );
    like( $@, qr/ZMQ_NO_SUCH_THING/, '... naming it' );
};

subtest 'Errno constants already imported stay, without a warning' => sub {
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    my $v = eval q{
        package ZMQRTest::WithErrno;
        use warnings;
        use Errno qw(EINVAL EAGAIN);
        use ZMQ::Rust qw(:all);
        EAGAIN() . ' ' . ZMQ_PUSH;
    };
    is( $v, Errno::EAGAIN() . ' 8', 'EAGAIN and ZMQ_PUSH' ) or diag $@;
    is_deeply( \@w, [], 'no "Constant subroutine redefined" warning (ZMQ::FFI t/errors.t imports both)' );
};

subtest 'ZMQ::Rust::Constants: inlined constants, as ZMQ::Constants' => sub {
    is( prototype( \&ZMQRTest::ConstantStyle::ZMQ_PUSH ), '', 'empty prototype' );
    is( ZMQRTest::ConstantStyle::plain(), 8, 'ZMQ_PUSH' );
    ok( !eval q{package ZMQRTest::C2; use ZMQ::Rust::Constants qw(ZMQ_PUSH); my $x = ZMQ_PUSH 'x'; 1},
        'an argument is a syntax error there' );
};

done_testing;
