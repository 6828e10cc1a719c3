use strict;
use warnings;

use Test::More;
use Errno qw(ENOTSUP EINVAL);
use ZMQ::Rust qw(ZMQ_PUB ZMQ_SUB ZMQ_XPUB ZMQ_XSUB ZMQ_PUSH ZMQ_DONTWAIT ZMQ_SNDMORE
    ZMQ_XPUB_VERBOSE ZMQ_SUBSCRIBE ZMQ_UNSUBSCRIBE);
use lib 't/lib';
use ZMQRTest qw(ep sock bind_connect drain);

# PUB/SUB and XPUB/XSUB through the Perl API over inproc: prefix filters, counted
# subscriptions, subscription messages, ENOTSUP directions.

alarm 60;    # backstop; receives below use DONTWAIT or RCVTIMEO

my $ctx = ZMQ::Rust->new;

sub pub_sub {
    return bind_connect( $ctx, ZMQ_PUB, ZMQ_SUB );
}

subtest 'prefix filtering' => sub {
    my ( $pub, $sub ) = pub_sub();
    $pub->send('before any subscription');
    is_deeply( drain($sub), [], 'no subscription: nothing arrives' );

    ok( $sub->subscribe('A'), 'subscribe returns true' );
    $sub->subscribe('BB');
    $pub->send($_) for qw(A1 B1 BB1 C1 A BBB a1);
    is_deeply( drain($sub), [qw(A1 BB1 A BBB)], 'only matching prefixes (case-sensitive)' );

    $sub->subscribe("\0bin");
    $pub->send("\0binary\xff");
    $pub->send("\0bi");
    is_deeply( drain($sub), ["\0binary\xff"], 'binary prefixes' );
};

subtest 'empty subscription matches everything' => sub {
    my ( $pub, $sub ) = pub_sub();
    $sub->subscribe('');
    $pub->send($_) for ( 'x', '', "\0", 'anything' );
    is_deeply( drain($sub), [ 'x', '', "\0", 'anything' ], 'all messages, empty ones too' );
};

subtest 'subscriptions are counted' => sub {
    my ( $pub, $sub ) = pub_sub();
    $sub->subscribe('T');
    $sub->subscribe('T');
    $pub->send('T1');
    is_deeply( drain($sub), ['T1'], 'subscribed twice: delivered once' );

    ok( $sub->unsubscribe('T'), 'unsubscribe returns true' );
    $pub->send('T2');
    is_deeply( drain($sub), ['T2'], 'one unsubscribe of two: still subscribed' );

    $sub->unsubscribe('T');
    $pub->send('T3');
    is_deeply( drain($sub), [], 'second unsubscribe: gone' );

    ok( $sub->unsubscribe('never'), 'unsubscribing an unknown topic is harmless' );
    $sub->subscribe('T');
    $pub->send('T4');
    is_deeply( drain($sub), ['T4'], 'subscribe again' );
};

subtest 'subscribe through set()' => sub {
    my ( $pub, $sub ) = pub_sub();
    ok( $sub->set( ZMQ_SUBSCRIBE, 'binary', 'opt' ), 'set(ZMQ_SUBSCRIBE)' );
    $pub->send('opt1');
    is_deeply( drain($sub), ['opt1'], 'works like subscribe' );
    ok( $sub->set( ZMQ_UNSUBSCRIBE, 'binary', 'opt' ), 'set(ZMQ_UNSUBSCRIBE)' );
    $pub->send('opt2');
    is_deeply( drain($sub), [], 'works like unsubscribe' );
};

subtest 'multipart: the filter looks at frame 1 only' => sub {
    my ( $pub, $sub ) = pub_sub();
    $sub->subscribe('key');
    $pub->send_multipart( [ 'key1', 'body', '' ] );
    $pub->send_multipart( [ 'other', 'key' ] );
    $pub->send( 'key', ZMQ_SNDMORE );
    $pub->send('tail');
    is_deeply( drain($sub), [ 'key1|body|', 'key|tail' ], 'whole matching messages, nothing else' );
};

subtest 'several subscribers, several publishers' => sub {
    my ( $pub, $s1, $ep ) = pub_sub();
    my $s2 = sock( $ctx, ZMQ_SUB );
    $s2->connect($ep);
    $s1->subscribe('a');
    $s2->subscribe('b');
    $s2->subscribe('a');
    $pub->send($_) for qw(a1 b1 c1);
    is_deeply( drain($s1), ['a1'], 'subscriber 1' );
    is_deeply( drain($s2), [ 'a1', 'b1' ], 'subscriber 2' );

    my @pubs = map { my $p = sock( $ctx, ZMQ_PUB ); $p->bind( ep() ); $p } 1 .. 2;
    my $sub = sock( $ctx, ZMQ_SUB );
    $sub->connect( $_->last_endpoint ) for @pubs;
    $sub->subscribe('');
    $pubs[0]->send($_) for qw(x1 x2);
    $pubs[1]->send($_) for qw(y1 y2);
    my $got = drain($sub);
    is_deeply( [ sort @$got ], [qw(x1 x2 y1 y2)], 'a SUB hears every PUB it connects to' );
    is_deeply( [ grep { /^x/ } @$got ], [qw(x1 x2)], '... in order per publisher' );
};

subtest 'ENOTSUP directions' => sub {
    my ( $pub, $sub ) = pub_sub();
    my $ok = eval { $pub->recv(ZMQ_DONTWAIT); 1 };
    ok( !$ok, 'PUB recv croaks' );
    like( $@, qr/^zmq_msg_recv: Operation not supported/, '... zmq_msg_recv: ENOTSUP' );
    is( ref $@ && $@->errno, ENOTSUP, '... errno ENOTSUP' );
    $ok = eval { $pub->recv_multipart; 1 };
    is( ref $@ && $@->errno, ENOTSUP, 'PUB recv_multipart: ENOTSUP (does not block)' );

    $ok = eval { $sub->send('x'); 1 };
    ok( !$ok, 'SUB send croaks' );
    like( $@, qr/^zmq_send: Operation not supported/, '... zmq_send: ENOTSUP' );
    is( ref $@ && $@->errno, ENOTSUP, '... errno ENOTSUP' );
    $ok = eval { $sub->send_multipart( [ 'a', 'b' ] ); 1 };
    is( ref $@ && $@->errno, ENOTSUP, 'SUB send_multipart: ENOTSUP' );
};

subtest 'subscribe on a socket that is not a SUB' => sub {
    my $push = sock( $ctx, ZMQ_PUSH );
    my $ok = eval { $push->subscribe('x'); 1 };
    ok( !$ok, 'PUSH subscribe croaks' );
    like( $@, qr/^zmq_setsockopt: Invalid argument/, '... EINVAL' );
    is( ref $@ && $@->errno, EINVAL, '... errno EINVAL' );
    my $ok2 = eval { $push->unsubscribe('x'); 1 };
    is( ref $@ && $@->errno, EINVAL, 'PUSH unsubscribe: EINVAL' );
};

subtest 'PUB never blocks' => sub {
    my $pub = sock( $ctx, ZMQ_PUB );
    my $t0  = time;
    ok( $pub->send('nobody'), 'send with no subscriber succeeds (dropped)' );
    ok( $pub->send( 'nobody', ZMQ_DONTWAIT ), '... with DONTWAIT too' );
    my ( $p2, $sub ) = pub_sub();
    ok( $p2->send('unsubscribed'), 'a subscriber without a matching subscription: dropped' );
    cmp_ok( time - $t0, '<=', 1, 'no wait' );
};

subtest 'XPUB: subscription messages' => sub {
    my $ep   = ep();
    my $xpub = sock( $ctx, ZMQ_XPUB );
    $xpub->bind($ep);
    my @subs = map { my $s = sock( $ctx, ZMQ_SUB ); $s->connect($ep); $s } 1 .. 2;

    $subs[0]->subscribe('topic');
    is_deeply( drain($xpub), ["\x01topic"], 'first subscription: "\x01topic"' );
    $subs[1]->subscribe('topic');
    $subs[0]->subscribe('topic');
    is_deeply( drain($xpub), [], 'later subscriptions to the same topic are not passed on' );

    $subs[0]->unsubscribe('topic');
    $subs[0]->unsubscribe('topic');
    is_deeply( drain($xpub), [], 'not the last unsubscription: nothing' );
    $subs[1]->unsubscribe('topic');
    is_deeply( drain($xpub), ["\x00topic"], 'the last one: "\x00topic"' );

    $subs[0]->subscribe('');
    is_deeply( drain($xpub), ["\x01"], 'the empty subscription: "\x01"' );

    $xpub->send('data');
    is_deeply( drain( $subs[0] ), ['data'], 'XPUB publishes like PUB' );
    is_deeply( drain( $subs[1] ), [],       '... with filtering' );
};

subtest 'XPUB_VERBOSE' => sub {
    my $ep   = ep();
    my $xpub = sock( $ctx, ZMQ_XPUB );
    ok( $xpub->set( ZMQ_XPUB_VERBOSE, 'int', 1 ), 'set XPUB_VERBOSE' );
    $xpub->bind($ep);
    my @subs = map { my $s = sock( $ctx, ZMQ_SUB ); $s->connect($ep); $s } 1 .. 2;
    $_->subscribe('v') for @subs;
    is_deeply( drain($xpub), [ "\x01v", "\x01v" ], 'every subscription is passed on' );
};

subtest 'XSUB' => sub {
    my $ep   = ep();
    my $xpub = sock( $ctx, ZMQ_XPUB );
    $xpub->bind($ep);
    my $xsub = sock( $ctx, ZMQ_XSUB );
    $xsub->connect($ep);

    $xsub->send("\x01A");
    is_deeply( drain($xpub), ["\x01A"], 'XSUB subscribes by sending "\x01A"' );
    $xpub->send($_) for qw(A1 B1);
    is_deeply( drain($xsub), ['A1'], 'and receives what matches' );

    $xsub->send("\x00A");
    is_deeply( drain($xpub), ["\x00A"], 'unsubscribes with "\x00A"' );
    $xpub->send('A2');
    is_deeply( drain($xsub), [], 'nothing after that' );

    $xsub->send('upstream');
    is_deeply( drain($xpub), ['upstream'], 'other messages go up to the XPUB' );
};

$ctx->destroy;
done_testing;
