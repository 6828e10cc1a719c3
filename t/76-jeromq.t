use strict;
use warnings;

use Test::More;
use Digest::SHA ();
use Time::HiRes qw(time);
use ZMQ::Rust qw(:all);
use lib 't/lib';
use ZMQRTest qw(sock gen_bytes wait_for);
use ZMQRTest::JeroMQ;

# Interoperability with JeroMQ 0.6 (pure Java, ZMTP 3.0) over tcp, next to t/75-interop.t's
# libzmq: socket pairs in both roles, ZMQ::Rust binding and JeroMQ binding; multipart, empty
# frames, LONG frames, a 1 MiB message, identities and envelopes, subscriptions (JeroMQ speaks
# ZMTP 3.0, so ZMQ::Rust sends them to it as data frames) and upstream XSUB messages.
#
# JeroMQ sockets that connect get a 1 s handshake interval: JeroMQ's own connect race
# (zeromq/jeromq#1022, see t/77-jeromq-connect.t) then costs a second, not 30.

my ( $JEROMQ, $WHY ) = ZMQRTest::JeroMQ->probe;
ZMQRTest::need_peer( $JEROMQ, 'JeroMQ', $WHY );
note "JeroMQ $JEROMQ";

$SIG{ALRM} = sub { die "t/76-jeromq.t: 150 s backstop alarm\n" };
alarm 150;    # backstop; every wait has its own timeout

my $MS  = 5000;    # RCVTIMEO/SNDTIMEO of the ZMQ::Rust sockets, and of every JeroMQ RECV
my $ctx = ZMQ::Rust->new;
my $j   = ZMQRTest::JeroMQ->start( deadline => 160 ) or BAIL_OUT("JeroMQ peer: $ZMQRTest::JeroMQ::ERROR");

# -- frames as the peer reads and prints them --------------------------------------------------

my %GEN;    # sha1 of a generated frame -> its g<len>:<seed> token

sub big {
    my ( $len, $seed ) = @_;
    my $b = gen_bytes( $len, $seed );
    $GEN{ Digest::SHA::sha1($b) } = "g$len:$seed";
    return $b;
}

# The token that makes the peer send $b, and the one it prints for $b.
sub out_tok { my ($b) = @_; return $GEN{ Digest::SHA::sha1($b) } || 'x' . unpack( 'H*', $b ) }
sub in_tok  { my ($b) = @_; return length $b > 1024 ? '#' . length($b) . ':' . Digest::SHA::sha1_hex($b) : 'x' . unpack( 'H*', $b ) }

sub show {
    return '[' . join( ' ', map { length > 24 ? substr( $_, 0, 20 ) . '..(' . length() . ')' : $_ } @{ $_[0] } ) . ']';
}

# JeroMQ sends @frames on socket $id; true once it said SENT.
sub jsend {
    my ( $id, @frames ) = @_;
    $j->cmd( join ' ', 'SEND', $id, map { out_tok($_) } @frames );
    my $l = $j->expect( qr/^(?:SENT|ERROR) \Q$id\E\b/, $MS / 1000 + 2 ) || 'nothing';
    return 1 if $l eq "SENT $id";
    diag "JeroMQ send: $l";
    return 0;
}

# The tokens of the next message JeroMQ's socket $id receives (undef after $ms).
sub jrecv {
    my ( $id, $ms ) = @_;
    $ms ||= $MS;
    $j->cmd("RECV $id $ms");
    my $l = $j->expect( qr/^(?:MSG|TIMEOUT) \Q$id\E\b/, $ms / 1000 + 3 ) or return;
    my ( $what, undef, @toks ) = split / /, $l;
    return $what eq 'MSG' ? \@toks : undef;
}

sub jgot {
    my ( $id, $want, $name ) = @_;
    my $got = jrecv($id);
    my $ok  = $got && "@$got" eq join( ' ', map { in_tok($_) } @$want );
    ok( $ok, $name ) or diag( 'JeroMQ got ' . ( $got ? "@$got" : 'nothing' ) . ', expected ' . show($want) );
}

sub rgot {
    my ( $s, $want, $name ) = @_;
    my @m = eval { $s->recv_multipart };
    diag("recv: $@") if $@;
    my $ok = @m && join( "\0", map { unpack 'H*', $_ } @m ) eq join( "\0", map { unpack 'H*', $_ } @$want );
    ok( $ok, $name ) or diag( 'ZMQ::Rust got ' . show( \@m ) . ', expected ' . show($want) );
}

# Binds one side and connects the other. JeroMQ's socket is "p". While we wait for JeroMQ, our
# socket is serviced (libzmq's contract: a new connection's pipe is attached, and an XSUB's
# subscriptions replayed to it, when the application calls into the socket).
sub link_up {
    my ( $s, $jtype, $rust_binds, @opts ) = @_;
    $j->on_wait( sub { $s->has_pollin unless $s->is_closed } );
    if ($rust_binds) {
        $s->bind('tcp://127.0.0.1:*');
        $j->cmd( join( ' ', 'NEW p', $jtype, 'handshake_ivl=1000', @opts ), 'CONNECT p ' . $s->last_endpoint );
        return $j->expect( qr/^CONNECTING p$/, 5 ) ? 1 : 0;
    }
    $j->cmd( join( ' ', 'NEW p', $jtype, @opts ), 'BIND p tcp://127.0.0.1:*' );
    my $l = $j->expect( qr/^ENDPOINT p /, 5 ) or return 0;
    $s->connect( ( split / /, $l )[2] );
    return 1;
}

sub payloads {
    return (
        [ 'multipart with an empty frame', [ 'a', '', 'ccc', "\0\xff\n" ] ],
        [ '300-byte frame (LONG)',         [ 'h', gen_bytes( 300, 1 ) ] ],
        [ '255- and 256-byte frames',      [ gen_bytes( 255, 3 ), gen_bytes( 256, 4 ) ] ],
        [ '1 MiB message',                 [ big( 1 << 20, 2 ) ] ],
    );
}

# -- conversations ------------------------------------------------------------------------------

my %CONV;

# ZMQ::Rust sends, JeroMQ receives; then the other way.
$CONV{'PUSH PULL'} = sub {
    my ($s) = @_;
    for (payloads) { $s->send_multipart( $_->[1] ); jgot( 'p', $_->[1], "$_->[0]: JeroMQ PULL got it" ) }
};
$CONV{'PULL PUSH'} = sub {
    my ($s) = @_;
    for (payloads) { jsend( 'p', @{ $_->[1] } ); rgot( $s, $_->[1], "$_->[0]: from JeroMQ PUSH" ) }
};
$CONV{'PAIR PAIR'} = sub {
    my ($s) = @_;
    for (payloads) {
        $s->send_multipart( $_->[1] );
        jgot( 'p', $_->[1], "$_->[0]: JeroMQ PAIR got it" );
        jsend( 'p', @{ $_->[1] } );
        rgot( $s, $_->[1], "$_->[0]: and sent it back" );
    }
};
$CONV{'REQ REP'} = sub {
    my ($s) = @_;
    for (payloads) {
        $s->send_multipart( $_->[1] );
        jgot( 'p', $_->[1], "$_->[0]: JeroMQ REP got the request without its envelope" );
        jsend( 'p', @{ $_->[1] }, 'reply' );
        rgot( $s, [ @{ $_->[1] }, 'reply' ], "$_->[0]: the reply" );
    }
};
$CONV{'REP REQ'} = sub {
    my ($s) = @_;
    for (payloads) {
        jsend( 'p', @{ $_->[1] } );
        rgot( $s, $_->[1], "$_->[0]: request from JeroMQ REQ" );
        $s->send_multipart( [ @{ $_->[1] }, 'reply' ] );
        jgot( 'p', [ @{ $_->[1] }, 'reply' ], "$_->[0]: JeroMQ REQ got the reply" );
    }
};
# ZMQ::Rust DEALER (identity RUSTDEALER) and JeroMQ ROUTER: the ROUTER sees the identity and
# routes the answer back by it.
$CONV{'DEALER ROUTER'} = sub {
    my ($s) = @_;
    for (payloads) {
        $s->send_multipart( $_->[1] );
        jgot( 'p', [ 'RUSTDEALER', @{ $_->[1] } ], "$_->[0]: JeroMQ ROUTER saw the identity" );
        jsend( 'p', 'RUSTDEALER', @{ $_->[1] } );
        rgot( $s, $_->[1], "$_->[0]: routed back" );
    }
};
# JeroMQ DEALER (identity JDEALER) and ZMQ::Rust ROUTER.
$CONV{'ROUTER DEALER'} = sub {
    my ($s) = @_;
    for (payloads) {
        jsend( 'p', @{ $_->[1] } );
        rgot( $s, [ 'JDEALER', @{ $_->[1] } ], "$_->[0]: ZMQ::Rust ROUTER saw JeroMQ's identity" );
        $s->send_multipart( [ 'JDEALER', @{ $_->[1] }, 'r' ] );
        jgot( 'p', [ @{ $_->[1] }, 'r' ], "$_->[0]: routed to JeroMQ DEALER" );
    }
};
# ZMQ::Rust PUB, JeroMQ SUB subscribed to A and W: filtering happens at the PUB, from the
# subscriptions JeroMQ sent.
$CONV{'PUB SUB'} = sub {
    my ($s) = @_;
    my $first;
    ok( wait_for( sub { $s->send_multipart( [ 'W', 'warm' ] ); $first = jrecv( 'p', 20 ) }, $MS ),
        'JeroMQ SUB receives once its subscriptions are in' ) or return;
    # Drain the warm-up messages, then one marker round.
    1 while jrecv( 'p', 100 );
    $s->send_multipart($_) for [ 'B', 'not subscribed' ], [ 'A', 'm1', 'm2' ], [ 'Ab', big( 1 << 20, 5 ) ], [ 'W', 'end' ];
    jgot( 'p', [ 'A',  'm1', 'm2' ],        'A arrives, B was filtered' );
    jgot( 'p', [ 'Ab', big( 1 << 20, 5 ) ], 'prefix match Ab with a 1 MiB frame' );
    jgot( 'p', [ 'W',  'end' ],             'and the marker' );
};
$CONV{'SUB PUB'} = sub {
    my ($s) = @_;
    $s->subscribe('A');
    # Until the subscription is in, JeroMQ drops what it publishes: publish until it arrives.
    $j->cmd( 'PUBLISH p 20 ' . $MS . ' ' . join ' ', map { out_tok($_) } 'A', 'first' );
    rgot( $s, [ 'A', 'first' ], 'ZMQ::Rust SUB receives A from JeroMQ PUB' );
    $j->cmd('');    # any line ends PUBLISH
    $j->expect( qr/^PUBLISHED p /, $MS / 1000 + 2 );
    1 while eval { $s->recv_multipart(ZMQ_DONTWAIT); 1 };
    jsend( 'p', 'B', 'no' );
    jsend( 'p', 'A', big( 1 << 20, 7 ) );
    rgot( $s, [ 'A', big( 1 << 20, 7 ) ], 'then A with a 1 MiB frame, and not B (filtered by JeroMQ)' );
};
# ZMQ::Rust XPUB, JeroMQ XSUB (manual): data-form subscriptions, filtering, upstream messages.
$CONV{'XPUB XSUB'} = sub {
    my ($s) = @_;
    jsend( 'p', "\x01A" );
    rgot( $s, ["\x01A"], 'XPUB sees JeroMQ XSUB subscribe A' );
    $s->send_multipart($_) for [ 'B', 'no' ], [ 'A', 'yes', 'm' ];
    jgot( 'p', [ 'A', 'yes', 'm' ], 'JeroMQ XSUB got A only' );
    jsend( 'p', 'up', 'stream' );
    rgot( $s, [ 'up', 'stream' ], 'XPUB receives a non-subscription message from JeroMQ XSUB' );
    jsend( 'p', "\x00A" );
    rgot( $s, ["\x00A"], 'XPUB sees JeroMQ XSUB unsubscribe A' );
};
# ZMQ::Rust XSUB, JeroMQ XPUB: our subscriptions as JeroMQ sees them (data frames: ZMTP 3.0).
$CONV{'XSUB XPUB'} = sub {
    my ($s) = @_;
    $s->send_multipart( ["\x01A"] );
    jgot( 'p', ["\x01A"], 'JeroMQ XPUB sees ZMQ::Rust XSUB subscribe A' );
    jsend( 'p', 'B', 'no' );
    jsend( 'p', 'A', 'yes' );
    rgot( $s, [ 'A', 'yes' ], 'XSUB receives A (B filtered by JeroMQ)' );
    $s->send_multipart( ['upstream'] );
    jgot( 'p', ['upstream'], 'JeroMQ XPUB receives a non-subscription message' );
    $s->send_multipart( ["\x00A"] );
    jgot( 'p', ["\x00A"], 'JeroMQ XPUB sees the unsubscription' );
};

my @MATRIX = (
    [ 'PUSH',   'PULL' ],
    [ 'PULL',   'PUSH' ],
    [ 'PAIR',   'PAIR' ],
    [ 'REQ',    'REP' ],
    [ 'REP',    'REQ' ],
    [ 'DEALER', 'ROUTER', rust_id => 'RUSTDEALER' ],
    [ 'ROUTER', 'DEALER', j_opts => ['identity=x' . unpack( 'H*', 'JDEALER' )] ],
    [ 'PUB',    'SUB',    j_opts => [ 'subscribe=x41', 'subscribe=x57' ] ],
    [ 'SUB',    'PUB' ],
    [ 'XPUB',   'XSUB' ],
    [ 'XSUB',   'XPUB' ],
);

my %TYPE = (
    PUSH => ZMQ_PUSH, PULL => ZMQ_PULL, PAIR => ZMQ_PAIR, REQ => ZMQ_REQ, REP => ZMQ_REP, DEALER => ZMQ_DEALER,
    ROUTER => ZMQ_ROUTER, PUB => ZMQ_PUB, SUB => ZMQ_SUB, XPUB => ZMQ_XPUB, XSUB => ZMQ_XSUB,
);

for my $row (@MATRIX) {
    my ( $ours, $theirs, %o ) = @$row;
    for my $rust_binds ( 1, 0 ) {
        subtest sprintf( '%s (ZMQ::Rust) - %s (JeroMQ) over tcp, %s binds', $ours, $theirs, $rust_binds ? 'ZMQ::Rust' : 'JeroMQ' )
            => sub {
            my $s = sock( $ctx, $TYPE{$ours}, $MS );
            $s->set_identity( $o{rust_id} ) if $o{rust_id};
            ok( link_up( $s, $theirs, $rust_binds, @{ $o{j_opts} || [] } ), 'linked' ) or return;
            $CONV{"$ours $theirs"}->($s);
            $j->cmd('CLOSE p');
            $j->expect( qr/^CLOSED p$/, 5 );
            $j->clear;
            $s->close;
            };
    }
}

$j->quit;
$ctx->destroy;
done_testing;
