use strict;
use warnings;

use Test::More;

# Every module loads, they agree on the version, and `use ZMQ::Rust qw(...)` re-exports
# constants from ZMQ::Rust::Constants.

BEGIN {
    use_ok('ZMQ::Rust') or BAIL_OUT('cannot load ZMQ::Rust');
}

for my $module (qw(ZMQ::Rust::Context ZMQ::Rust::Socket ZMQ::Rust::Error
    ZMQ::Rust::Serializer ZMQ::Rust::Constants ZMQ::Rust::LibZMQ3 ZMQ::Rust::Certificate))
{
    require_ok($module);
}

subtest 'version' => sub {
    ok( defined $ZMQ::Rust::VERSION, '$ZMQ::Rust::VERSION is defined' );
    like( $ZMQ::Rust::VERSION, qr/\A\d+\.\d+(?:_\d+)?\z/, 'it looks like a version' );
    is( ZMQ::Rust->VERSION, $ZMQ::Rust::VERSION, 'ZMQ::Rust->VERSION' );
    no strict 'refs';
    for my $module (qw(ZMQ::Rust::Context ZMQ::Rust::Socket ZMQ::Rust::Error
        ZMQ::Rust::Serializer ZMQ::Rust::Constants ZMQ::Rust::LibZMQ3 ZMQ::Rust::Certificate))
    {
        is( ${"${module}::VERSION"}, $ZMQ::Rust::VERSION, "$module has the same version" );
    }
    ok( eval { ZMQ::Rust->VERSION('0.01'); 1 }, 'use ZMQ::Rust 0.01 is satisfied' );
};

subtest 'plain use imports nothing' => sub {
    package Test::Load::Plain;
    use ZMQ::Rust;
    ::ok( !defined &Test::Load::Plain::ZMQ_REQ, 'no ZMQ_REQ' );
    no strict 'refs';
    my @subs = grep { defined &{"Test::Load::Plain::$_"} } keys %Test::Load::Plain::;
    ::is_deeply( \@subs, [], 'no subs imported' );
};

subtest 'use ZMQ::Rust qw(ZMQ_REQ :socket_types)' => sub {
    package Test::Load::Import;
    use ZMQ::Rust qw(ZMQ_REQ :socket_types);
    ::ok( defined &Test::Load::Import::ZMQ_REQ, 'ZMQ_REQ imported' );
    ::is( ZMQ_REQ(), 3, 'ZMQ_REQ == 3' );
    my %want = ( ZMQ_PAIR => 0, ZMQ_PUB => 1, ZMQ_SUB => 2, ZMQ_REP => 4, ZMQ_DEALER => 5,
        ZMQ_ROUTER => 6, ZMQ_PULL => 7, ZMQ_PUSH => 8, ZMQ_XPUB => 9, ZMQ_XSUB => 10,
        ZMQ_STREAM => 11 );
    for my $name ( sort keys %want ) {
        no strict 'refs';
        ::ok( defined &{"Test::Load::Import::$name"}, "$name imported by :socket_types" );
        ::is( &{"Test::Load::Import::$name"}(), $want{$name}, "$name == $want{$name}" );
    }
    ::ok( !defined &Test::Load::Import::ZMQ_DONTWAIT, 'ZMQ_DONTWAIT (not asked for) not imported' );
    ::ok( !defined &Test::Load::Import::ZMQ_LINGER,   'ZMQ_LINGER (not asked for) not imported' );
};

subtest 'other tags and names' => sub {
    package Test::Load::Tags;
    use ZMQ::Rust qw(:flags :errors ZMQ_LINGER);
    ::is( ZMQ_DONTWAIT(), 1,  ':flags gives ZMQ_DONTWAIT' );
    ::is( ZMQ_SNDMORE(),  2,  ':flags gives ZMQ_SNDMORE' );
    ::is( ZMQ_LINGER(),   17, 'a single option name' );
    ::is( EFSM(), 156384763, ':errors gives EFSM' );
    ::is( EAGAIN(), Errno::EAGAIN(), 'EAGAIN is the native value' );
};

subtest 'unknown names fail at import' => sub {
    my @warnings;
    local $SIG{__WARN__} = sub { push @warnings, @_ };    # Exporter also carps
    my $ok = eval "package Test::Load::Bad; use ZMQ::Rust qw(ZMQ_NO_SUCH_THING); 1";
    ok( !$ok, 'importing an unknown name fails' );
    like( $@, qr/ZMQ_NO_SUCH_THING/, 'the error names it' );
    $ok = eval "package Test::Load::BadTag; use ZMQ::Rust qw(:no_such_tag); 1";
    ok( !$ok, 'importing an unknown tag fails' );
};

subtest 'the API is there' => sub {
    can_ok( 'ZMQ::Rust', qw(new import) );
    ok( defined &ZMQ::Rust::strerror, 'ZMQ::Rust::strerror' );
    can_ok( 'ZMQ::Rust::Context', qw(socket get set destroy version verstr has_capability
        die_on_error last_errno last_strerror is_destroyed) );
    can_ok( 'ZMQ::Rust::Socket', qw(bind connect unbind disconnect send send_multipart recv
        recv_multipart get set get_linger set_linger get_identity set_identity subscribe
        unsubscribe has_pollin has_pollout get_fd last_endpoint send_json recv_json send_as
        recv_as close context type is_closed die_on_error last_errno last_strerror
        get_rcvmore has_error) );
    can_ok( 'ZMQ::Rust::Error', qw(message errno function) );
    ok( defined &ZMQ::Rust::Serializer::register_write_type, 'register_write_type' );
    ok( defined &ZMQ::Rust::Serializer::register_read_type,  'register_read_type' );
};

subtest 'new gives a context' => sub {
    my $ctx = ZMQ::Rust->new;
    isa_ok( $ctx, 'ZMQ::Rust::Context' );
    my $s = $ctx->socket( ZMQ::Rust::Constants::ZMQ_PAIR() );
    isa_ok( $s, 'ZMQ::Rust::Socket' );
    $ctx->destroy;
};

done_testing;
