use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN);
use ZMQ::Rust qw(ZMQ_PAIR ZMQ_PUB ZMQ_SUB ZMQ_SUBSCRIBE ZMQ_DONTWAIT ZMQ_SNDMORE);
use lib 't/lib';
use ZMQRTest qw(ep timed connected_pair);

# PAIR through the Perl API over inproc: exchange, multipart (SNDMORE/get_rcvmore and
# send_multipart/recv_multipart), DONTWAIT, connect before bind, endpoints.

alarm 60;    # every blocking call below is bounded by RCVTIMEO/SNDTIMEO; this is the backstop

my $ctx = ZMQ::Rust->new;

subtest 'exchange in both directions' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    my @r = $a->send('hello');
    is( scalar @r, 1, 'send returns one value' );
    ok( $r[0], '... a true one' );
    is( $b->recv, 'hello', 'bound -> connected' );
    ok( $b->send('world'), 'send back' );
    is( $a->recv, 'world', 'connected -> bound' );
    my @bad;
    for my $i ( 1 .. 20 ) {
        $a->send("ping $i");
        $b->send( 'pong ' . $b->recv );
        my $got = $a->recv;
        push @bad, $got unless $got eq "pong ping $i";
    }
    is_deeply( \@bad, [], '20 round trips' );
    $a->send($_) for qw(one two three);
    is_deeply( [ map { scalar $b->recv } 1 .. 3 ], [qw(one two three)], 'order is kept' );
};

subtest 'multipart with SNDMORE, recv and get_rcvmore' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    ok( $a->send( 'part1', ZMQ_SNDMORE ), 'first frame with SNDMORE' );
    ok( $a->send( '', ZMQ_SNDMORE ), 'an empty middle frame' );
    ok( $a->send('part3'), 'last frame' );
    is( $b->recv, 'part1', 'frame 1' );
    is( $b->get_rcvmore, 1, 'RCVMORE 1 after frame 1' );
    is( $b->recv, '', 'frame 2 is empty' );
    is( $b->get_rcvmore, 1, 'RCVMORE 1 after frame 2' );
    is( $b->recv, 'part3', 'frame 3' );
    is( $b->get_rcvmore, 0, 'RCVMORE 0 after the last frame' );
    is( $b->get( ZMQ::Rust::Constants::ZMQ_RCVMORE(), 'int' ), 0, 'get(ZMQ_RCVMORE) agrees' );
};

subtest 'send_multipart / recv_multipart' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    ok( $a->send_multipart( [ 'a', 'b', 'c' ] ), 'send_multipart returns true' );
    is_deeply( [ $b->recv_multipart ], [ 'a', 'b', 'c' ], 'recv_multipart gets every frame' );

    $a->send_multipart( ['only'] );
    is_deeply( [ $b->recv_multipart ], ['only'], 'a one-frame message' );

    $a->send_multipart( [ '', '', '' ] );
    is_deeply( [ $b->recv_multipart ], [ '', '', '' ], 'empty frames are kept' );

    my @many = map { "frame $_" } 1 .. 40;
    $a->send_multipart( \@many );
    is_deeply( [ $b->recv_multipart ], \@many, '40 frames' );

    $a->send_multipart( [ 'x', 'y' ] );
    is( $b->recv, 'x', 'recv takes one frame of a multipart message' );
    is( $b->get_rcvmore, 1, '... with RCVMORE' );
    is_deeply( [ $b->recv_multipart ], ['y'], 'recv_multipart then gets the rest' );

    $a->send( 'head', ZMQ_SNDMORE );
    $a->send_multipart( [ 'mid', 'tail' ] );
    is_deeply( [ $b->recv_multipart ], [qw(head mid tail)], 'SNDMORE then send_multipart: one message' );

    $a->send_multipart( [ 'p', 'q' ], ZMQ_SNDMORE );
    $a->send('r');
    is_deeply( [ $b->recv_multipart ], [qw(p q r)], 'send_multipart(SNDMORE) continues the message' );

    $a->send_multipart( [ 'one', 'two' ] );
    $a->send_multipart( [ 'three', 'four' ] );
    is_deeply( [ $b->recv_multipart ], [qw(one two)],   'messages do not merge (1)' );
    is_deeply( [ $b->recv_multipart ], [qw(three four)], 'messages do not merge (2)' );

    $a->send('single');
    is_deeply( [ $b->recv_multipart ], ['single'], 'recv_multipart of a single frame' );
};

subtest 'large and binary frames' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    my $big = join '', map { chr( $_ % 256 ) } 0 .. ( 1 << 20 ) - 1;
    $a->send($big);
    my $got = $b->recv;
    is( length $got, 1 << 20, '1 MiB frame arrives whole' );
    ok( $got eq $big, '... byte for byte' );
    $a->send_multipart( [ "\0", "\xff\0\xfe", $big ] );
    my @p = $b->recv_multipart;
    ok( $p[0] eq "\0" && $p[1] eq "\xff\0\xfe" && $p[2] eq $big, 'binary multipart' );
};

subtest 'a large received frame is an ordinary string' => sub {
    # Frames of 128 KiB and more become the string's buffer without a copy; the string must
    # behave like any other.
    for my $endpoint ( ep(), 'tcp://127.0.0.1:*' ) {
        my ( $a, $b ) = ZMQRTest::bind_connect_at( $ctx, $endpoint, ZMQ_PAIR, ZMQ_PAIR );
        my $big = 'a' x 200_000;
        $b->send($big) for 1 .. 3;
        my $got = $a->recv;
        ok( $got eq $big, "$endpoint: arrives whole" );
        my $copy = $got;
        $got =~ s/a/b/g;
        substr( $got, 0, 1, 'xy' );
        $got .= 'tail';
        chop $got;
        is( length $got, 200_004, '... can be changed and grown' );
        is( substr( $got, 0, 4 ), 'xybb', '... with the changes' );
        ok( $copy eq $big && $big eq 'a' x 200_000, '... copies and the sent string unchanged' );
        $got = $a->recv;
        ok( $got eq $big, '... a second frame into the same variable' );
        my @keep = ( $got, scalar $a->recv );
        ok( $keep[0] eq $big && $keep[1] eq $big, '... kept in an array' );
        undef $got;
        is( length $keep[1], 200_000, '... after the variable is freed' );
        $b->send_multipart( [ 'id', $big, '', $big ] );
        my @p = $a->recv_multipart;
        $_ .= '!' for @p;
        is_deeply( [ map { length } @p ], [ 3, 200_001, 1, 200_001 ], '... recv_multipart frames too' );
    }

    my $pub = $ctx->socket(ZMQ_PUB);
    my $p_ep = ep();
    $pub->bind($p_ep);
    my @subs = map { ZMQRTest::sock( $ctx, ZMQ_SUB ) } 1 .. 2;
    for (@subs) { $_->set( ZMQ_SUBSCRIBE, 'binary', '' ); $_->connect($p_ep) }
    $pub->send( 'c' x 140_000 );
    my $first = $subs[0]->recv;
    $first =~ tr/c/d/;
    is( $subs[1]->recv, 'c' x 140_000, 'a frame two subscribers share: changing one copy leaves the other' );
};

subtest 'DONTWAIT: EAGAIN' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    my @r;
    my $ok = eval { @r = $b->recv(ZMQ_DONTWAIT); 1 };
    ok( !$ok, 'recv(DONTWAIT) with nothing queued croaks' );
    like( $@, qr/^zmq_msg_recv: Resource temporarily unavailable/, '... zmq_msg_recv: EAGAIN' );
    is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );

    $ok = eval { $b->recv_multipart(ZMQ_DONTWAIT); 1 };
    like( $@, qr/^zmq_msg_recv: Resource temporarily unavailable/, 'recv_multipart(DONTWAIT) too' );

    my $lone = $ctx->socket(ZMQ_PAIR);
    $ok = eval { $lone->send( 'x', ZMQ_DONTWAIT ); 1 };
    ok( !$ok, 'send(DONTWAIT) with no peer croaks' );
    like( $@, qr/^zmq_send: Resource temporarily unavailable/, '... zmq_send: EAGAIN' );
    is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );
    $ok = eval { $lone->send_multipart( [ 'x', 'y' ], ZMQ_DONTWAIT ); 1 };
    like( $@, qr/^zmq_send: Resource temporarily unavailable/, 'send_multipart(DONTWAIT) too' );

    $a->send('now');
    is( $b->recv(ZMQ_DONTWAIT), 'now', 'recv(DONTWAIT) gets a queued message' );
};

subtest 'connect before bind' => sub {
    my $ep = ep();
    my $b  = timed( $ctx->socket(ZMQ_PAIR) );
    ok( $b->connect($ep), 'connect to a name not bound yet' );
    ok( $b->send('early'), 'send before the bind is queued' );
    my $a = timed( $ctx->socket(ZMQ_PAIR) );
    ok( $a->bind($ep), 'bind' );
    is( $a->recv, 'early', 'the early message arrives' );
    $a->send('late');
    is( $b->recv, 'late', 'and the other way' );
};

subtest 'polling state' => sub {
    my $lone = $ctx->socket(ZMQ_PAIR);
    is( $lone->has_pollin,  0, 'unconnected: no POLLIN' );
    is( $lone->has_pollout, 0, 'unconnected: no POLLOUT' );
    my ( $a, $b ) = connected_pair($ctx);
    is( $a->has_pollout, 2, 'connected: POLLOUT is 2' );
    is( $b->has_pollin, 0, 'nothing to read: 0' );
    $a->send('x');
    is( $b->has_pollin, 1, 'a message waiting: POLLIN is 1' );
    $b->recv;
    is( $b->has_pollin, 0, 'drained: 0 again' );
};

subtest 'a PAIR takes one peer' => sub {
    my ( $a, $b, $ep ) = connected_pair($ctx);
    my $c = timed( $ctx->socket(ZMQ_PAIR) );
    $c->connect($ep);
    eval { $c->send( 'from c', ZMQ_DONTWAIT ) };    # accepted or refused, never delivered
    $b->send('from b');
    is( $a->recv, 'from b', 'the first peer is heard' );
    ok( !eval { $a->recv(ZMQ_DONTWAIT); 1 }, 'the second peer is not' );
};

subtest 'endpoints: last_endpoint, unbind, disconnect, rebinding' => sub {
    my ( $a, $b, $ep ) = connected_pair($ctx);
    is( $a->last_endpoint, $ep, 'last_endpoint after bind' );
    is( $b->last_endpoint, $ep, 'last_endpoint after connect' );
    is( $ctx->socket(ZMQ_PAIR)->last_endpoint, undef, 'undef before any bind/connect' );

    ok( $b->disconnect($ep), 'disconnect returns true' );
    ok( !eval { $b->send( 'x', ZMQ_DONTWAIT ); 1 }, 'no peer after disconnect: EAGAIN' );
    ok( $a->unbind($ep), 'unbind returns true' );
    my $c = $ctx->socket(ZMQ_PAIR);
    ok( eval { $c->bind($ep) }, 'the name can be bound again after unbind' );

    my $ep2 = ep();
    { my $d = $ctx->socket(ZMQ_PAIR); $d->bind($ep2); $d->close; }
    ok( eval { $ctx->socket(ZMQ_PAIR)->bind($ep2) }, 'and after close' );

    my $ep3 = ep();
    { my $d = $ctx->socket(ZMQ_PAIR); $d->bind($ep3); }
    ok( eval { $ctx->socket(ZMQ_PAIR)->bind($ep3) }, 'and after the socket is freed' );
};

subtest 'close' => sub {
    my ( $a, $b ) = connected_pair($ctx);
    ok( !$a->is_closed, 'open' );
    my @r = $a->close;
    is( scalar @r, 0, 'close returns empty' );
    ok( $a->is_closed, 'closed' );
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    $a->close;
    is( scalar @w, 0, 'close twice is quiet' );
    ok( !eval { $b->send( 'x', ZMQ_DONTWAIT ); 1 }, 'the peer has no one to send to' );
};

$ctx->destroy;
done_testing;
