use strict;
use warnings;
use utf8;

use Test::More;
use ZMQ::Rust qw(ZMQ_ROUTER ZMQ_DEALER ZMQ_SUB ZMQ_PUB ZMQ_DONTWAIT ZMQ_RCVTIMEO
    ZMQ_ROUTING_ID);
use lib 't/lib';
use ZMQRTest qw(ep connected_pair);

# Strings and bytes: UTF-8 flagged strings go out as their UTF-8 bytes, received data is
# never UTF-8 flagged, Latin-1 and binary data go out as they are, empty frames are ''.

alarm 60;

my $ctx = ZMQ::Rust->new;

my ( $a, $b ) = connected_pair($ctx);

subtest 'a UTF-8 flagged string goes out as its UTF-8 bytes' => sub {
    my $str = "snow ☃ and 😀, café";
    ok( utf8::is_utf8($str), 'the string is UTF-8 flagged' );
    my $bytes = $str;
    utf8::encode($bytes);
    $a->send($str);
    my $got = $b->recv;
    is( length $got, length $bytes, 'received length is the length in bytes (' . length($bytes) . ')' );
    isnt( length $got, length $str, '... not in characters (' . length($str) . ')' );
    ok( $got eq $bytes, '... the UTF-8 bytes' );
    ok( !utf8::is_utf8($got), 'received data has no UTF-8 flag' );
    my $decoded = $got;
    ok( utf8::decode($decoded), 'it decodes' );
    is( $decoded, $str, '... back to the string' );
    is_deeply( [ unpack 'U*', $decoded ], [ unpack 'U*', $str ], '... same code points' );

    my $s = $str;
    $a->send($s);
    ok( utf8::is_utf8($s) && $s eq $str, 'send leaves the caller\'s string alone' );
    $b->recv;
};

subtest 'received data is never UTF-8 flagged' => sub {
    $a->send_multipart( [ '☃', '', 'plain', "\xff" ] );
    my @p = $b->recv_multipart;
    is( scalar @p, 4, 'four frames' );
    is_deeply( [ map { utf8::is_utf8($_) ? 1 : 0 } @p ], [ 0, 0, 0, 0 ], 'recv_multipart: none flagged' );
    is_deeply( [ map { length } @p ], [ 3, 0, 5, 1 ], 'lengths in bytes' );
    $a->send('ascii');
    ok( !utf8::is_utf8( $b->recv ), 'recv: ascii not flagged' );
};

subtest 'Latin-1 strings without the flag go out as raw bytes' => sub {
    my $latin = "caf\xe9 \xff\xa0";
    utf8::downgrade($latin);
    ok( !utf8::is_utf8($latin), 'not flagged' );
    $a->send($latin);
    my $got = $b->recv;
    is( length $got, 7, 'one byte per character' );
    is( unpack( 'H*', $got ), '636166e920ffa0', 'the raw bytes' );

    my $upgraded = "caf\xe9";
    utf8::upgrade($upgraded);
    $a->send($upgraded);
    is( unpack( 'H*', $b->recv ), '636166c3a9', 'the same text UTF-8 flagged: its UTF-8 encoding' );
};

subtest 'binary data round-trips' => sub {
    my $bin = join '', map { chr } 0 .. 255;
    $bin .= "\0\0\0end\0";
    $a->send($bin);
    my $got = $b->recv;
    is( length $got, length $bin, 'length kept' );
    ok( $got eq $bin, 'every byte, NULs included' );
    $a->send_multipart( [ "\0", $bin, "\0\0" ] );
    my @p = $b->recv_multipart;
    ok( $p[0] eq "\0" && $p[1] eq $bin && $p[2] eq "\0\0", 'binary multipart' );
    $b->send("\0");
    is( $a->recv, "\0", 'a single NUL' );
};

subtest 'empty frames are empty strings' => sub {
    $a->send('');
    my $got = $b->recv;
    ok( defined $got, 'an empty frame is defined' );
    is( $got, '', '... and empty' );
    is( length $got, 0, '... length 0' );
    $a->send_multipart( [ '', '' ] );
    my @p = $b->recv_multipart;
    is_deeply( \@p, [ '', '' ], 'empty frames in a multipart message' );
    ok( defined $p[0] && defined $p[1], '... defined' );
};

subtest 'unicode in identities, subscriptions and endpoints' => sub {
    my $ep = 'inproc://t61-☃-' . $$;
    my $r  = $ctx->socket(ZMQ_ROUTER);
    $r->set( ZMQ_RCVTIMEO, 'int', 2000 );
    ok( $r->bind($ep), 'bind to a UTF-8 flagged endpoint' );
    my $d = $ctx->socket(ZMQ_DEALER);
    $d->set( ZMQ_RCVTIMEO, 'int', 2000 );
    $d->set_identity('ид');
    my $id_bytes = 'ид';
    utf8::encode($id_bytes);
    is( $d->get_identity, $id_bytes, 'a UTF-8 identity is stored as its bytes' );
    ok( !utf8::is_utf8( $d->get_identity ), '... and returned unflagged' );

    my $conn = 'inproc://t61-☃-' . $$;
    my $encoded = $conn;
    utf8::encode($encoded);
    ok( $d->connect($encoded), 'the same endpoint given as bytes reaches it' );
    $d->send('hi');
    my @m = $r->recv_multipart;
    is( $m[0], $id_bytes, 'the ROUTER sees the identity bytes' );
    is( $r->last_endpoint, $encoded, 'last_endpoint is bytes' );

    my $pub = $ctx->socket(ZMQ_PUB);
    my $sub = $ctx->socket(ZMQ_SUB);
    my $pep = ep();
    $pub->bind($pep);
    $sub->connect($pep);
    $sub->subscribe('☃');
    $pub->send('☃ news');
    $pub->send("\xe2 other");
    is( $sub->recv(ZMQ_DONTWAIT), "\xe2\x98\x83 news", 'a UTF-8 subscription matches the UTF-8 bytes' );
    ok( !eval { $sub->recv(ZMQ_DONTWAIT); 1 }, '... and only them' );
};

$ctx->destroy;
done_testing;
