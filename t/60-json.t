use strict;
use warnings;
use utf8;

use Test::More;
use Errno qw(EAGAIN);
use ZMQ::Rust qw(ZMQ_DONTWAIT);
use ZMQ::Rust::Serializer;
use lib 't/lib';
use ZMQRTest qw(connected_pair);

# send_json/recv_json and send_as/recv_as with registered types.

alarm 60;

my $ctx = ZMQ::Rust->new;

subtest 'send_json / recv_json round trip' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    my $data = {
        name    => "Zoë ☃ 😀",
        list    => [ 1, 2.5, 'x', undef, { z => 1, a => [] } ],
        n       => -3,
        nested  => { deeper => { deepest => [ [], {} ] } },
        empty   => '',
        'ключ'  => 'значение',
    };
    ok( $a->send_json($data), 'send_json returns true' );
    my $got = $b->recv_json;
    is_deeply( $got, $data, 'recv_json gives the same nested data, unicode included' );
    ok( utf8::is_utf8( $got->{name} ), 'decoded strings are characters' );
    is( length $got->{name}, 7, '... of the right length' );

    $a->send_json( [ 1, 2, 3 ] );
    is_deeply( $b->recv_json, [ 1, 2, 3 ], 'an array' );
    $a->send_json('scalar ☃');
    is( $b->recv_json, 'scalar ☃', 'a plain string (nonref allowed)' );
    $a->send_json(42);
    is( $b->recv_json, 42, 'a number' );
    $a->send_json(undef);
    is( $b->recv_json, undef, 'undef as null' );
};

subtest 'the bytes: UTF-8, canonical' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    $a->send_json( { snowman => '☃' } );
    my $raw = $b->recv;
    ok( !utf8::is_utf8($raw), 'on the wire: bytes' );
    is( $raw, qq({"snowman":"\xe2\x98\x83"}), 'UTF-8 encoded JSON' );

    my ( %h1, %h2 );
    $h1{$_} = $_ for 'a' .. 'z';
    $h2{$_} = $_ for reverse 'a' .. 'z';
    $h2{extra} = 1;
    delete $h2{extra};
    $a->send_json( \%h1 );
    $a->send_json( \%h2 );
    my ( $r1, $r2 ) = ( $b->recv, $b->recv );
    is( $r1, $r2, 'equal hashes give identical bytes (canonical)' );
    like( $r1, qr/^\{"a":"a","b":"b",/, '... with sorted keys' );

    $a->send_json( { b => { y => 1, x => 2 }, a => 0 } );
    is( $b->recv, '{"a":0,"b":{"x":2,"y":1}}', 'nested hashes are sorted too' );

    $a->send(qq({"k":"\xe2\x98\x83"}));
    is_deeply( $b->recv_json, { k => '☃' }, 'recv_json decodes raw UTF-8 JSON' );

    like( $ZMQ::Rust::Serializer::JSON_CLASS, qr/^(?:Cpanel::JSON::XS|JSON::XS|JSON::PP)$/,
        "JSON_CLASS is $ZMQ::Rust::Serializer::JSON_CLASS" );
    ok( ZMQ::Rust::Serializer::json(), 'json() gives the codec' );
};

subtest 'recv_json errors and flags' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    my $ok = eval { $b->recv_json(ZMQ_DONTWAIT); 1 };
    ok( !$ok, 'recv_json(DONTWAIT) with nothing queued croaks' );
    is( ref $@ && $@->errno, EAGAIN, '... EAGAIN' );

    $b->die_on_error(0);
    my @r = $b->recv_json(ZMQ_DONTWAIT);
    is( scalar @r, 0, 'with die_on_error(0): empty' );
    $b->die_on_error(1);

    $a->send('{not json');
    $ok = eval { $b->recv_json; 1 };
    ok( !$ok, 'invalid JSON croaks' );

    ok( $a->send_json( { x => 1 }, ZMQ_DONTWAIT ), 'send_json with flags' );
    is_deeply( $b->recv_json(ZMQ_DONTWAIT), { x => 1 }, 'recv_json with flags' );
};

subtest 'send_as / recv_as with a custom type' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    ZMQ::Rust::Serializer::register_write_type( csv => sub { join ',', @{ $_[0] } } );
    ZMQ::Rust::Serializer::register_read_type( csv => sub { [ split /,/, $_[0], -1 ] } );

    ok( $a->send_as( csv => [ 1, 2, 3 ] ), 'send_as returns true' );
    is( $b->recv, '1,2,3', 'the encoder made the bytes' );
    $a->send('a,b,,c');
    is_deeply( $b->recv_as('csv'), [ 'a', 'b', '', 'c' ], 'recv_as decodes' );
    $a->send_as( csv => [ 'x', 'y' ], ZMQ_DONTWAIT );
    is_deeply( $b->recv_as( 'csv', ZMQ_DONTWAIT ), [ 'x', 'y' ], 'with flags' );

    ok( $a->send_as( json => { j => 1 } ), 'send_as json is send_json' );
    is_deeply( $b->recv_as('json'), { j => 1 }, 'recv_as json is recv_json' );

    ZMQ::Rust::Serializer::register_write_type( csv => sub { join ';', @{ $_[0] } } );
    $a->send_as( csv => [ 1, 2 ] );
    is( $b->recv, '1;2', 'registering again replaces' );

    ZMQ::Rust::Serializer::register_write_type( wide => sub { $_[0] } );
    $a->send_as( wide => '☃' );
    is( $b->recv, "\xe2\x98\x83", 'an encoder returning characters: sent as UTF-8' );
};

subtest 'unknown types croak' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    my $ok = eval { $a->send_as( no_such_type => [1] ); 1 };
    ok( !$ok, 'send_as with an unknown type croaks' );
    like( $@, qr/no serializer registered for type 'no_such_type'/, '... says so' );
    $a->send('x');
    $ok = eval { $b->recv_as('no_such_type'); 1 };
    ok( !$ok, 'recv_as with an unknown type croaks' );
    like( $@, qr/no deserializer registered for type 'no_such_type'/, '... says so' );
    is( $b->recv(ZMQ_DONTWAIT), 'x', '... before receiving anything' );

    ZMQ::Rust::Serializer::register_write_type( only_write => sub { 'w' } );
    $ok = eval { $b->recv_as('only_write'); 1 };
    like( $@, qr/no deserializer registered/, 'a write-only type cannot be read' );
};

subtest 'register with bad arguments croaks' => sub {
    for my $func (qw(register_write_type register_read_type)) {
        no strict 'refs';
        my $code = \&{"ZMQ::Rust::Serializer::$func"};
        for my $case (
            [ [ undef, sub { } ], 'an undef name' ],
            [ [ '', sub { } ],    'an empty name' ],
            [ ['name'],           'no code' ],
            [ [ name => 'code' ], 'a string for code' ],
            [ [ name => [] ],     'an array for code' ],
            [ [],                 'no arguments' ],
            )
        {
            my ( $args, $what ) = @$case;
            my $ok = eval { $code->(@$args); 1 };
            ok( !$ok, "$func with $what croaks" );
            like( $@, qr/^usage: \Q$func\E\(\$name, \\&code\)/, '... usage' );
        }
    }
};

$ctx->destroy;
done_testing;
