use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN ENOTSUP);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_DONTWAIT ZMQ_SNDMORE);
use lib 't/lib';
use ZMQRTest qw(ep sock drain);

# PUSH/PULL through the Perl API over inproc: load balancing, fair queueing, multipart,
# ENOTSUP directions, DONTWAIT.

alarm 60;    # backstop; every blocking call is bounded

my $ctx = ZMQ::Rust->new;

subtest 'pipeline' => sub {
    my $ep   = ep();
    my $pull = sock( $ctx, ZMQ_PULL );
    my $push = sock( $ctx, ZMQ_PUSH );
    $pull->bind($ep);
    $push->connect($ep);
    ok( $push->send("job $_"), "send job $_" ) for 1 .. 3;
    is( $pull->recv, "job $_", "receive job $_" ) for 1 .. 3;
};

subtest 'PUSH load-balances round robin' => sub {
    my $ep    = ep();
    my $push  = sock( $ctx, ZMQ_PUSH );
    $push->bind($ep);
    my @pulls = map { my $s = sock( $ctx, ZMQ_PULL ); $s->connect($ep); $s } 1 .. 3;
    $push->send("m$_") for 1 .. 9;
    my @got = map { drain($_) } @pulls;
    is( scalar @{ $got[$_] }, 3, "worker $_ got 3 of 9" ) for 0 .. 2;
    is_deeply( [ sort map {@$_} @got ], [ sort map {"m$_"} 1 .. 9 ], 'each message once' );
    is_deeply( $got[0], [qw(m1 m4 m7)], 'strict rotation for worker 0' );
};

subtest 'PULL fair-queues' => sub {
    my $ep   = ep();
    my $pull = sock( $ctx, ZMQ_PULL );
    $pull->bind($ep);
    my @push = map { my $s = sock( $ctx, ZMQ_PUSH ); $s->connect($ep); $s } 1 .. 2;
    $push[0]->send("a$_") for 1 .. 3;
    $push[1]->send("b$_") for 1 .. 3;
    is_deeply( drain($pull), [qw(a1 b1 a2 b2 a3 b3)], 'alternates between the senders' );
};

subtest 'multipart messages stay whole' => sub {
    my $ep    = ep();
    my $push  = sock( $ctx, ZMQ_PUSH );
    $push->bind($ep);
    my @pulls = map { my $s = sock( $ctx, ZMQ_PULL ); $s->connect($ep); $s } 1 .. 2;
    $push->send_multipart( [ 'a', 'b', 'c' ] );
    $push->send( 'd', ZMQ_SNDMORE );
    $push->send('e');
    $push->send_multipart( [ 'f', '' ] );
    my @all = ( @{ drain( $pulls[0] ) }, @{ drain( $pulls[1] ) } );
    is_deeply( [ sort @all ], [ 'a|b|c', 'd|e', 'f|' ], 'each message arrives whole, at one worker' );

    $push->send_multipart( [ 'x', 'y' ] );
    my ($with) = grep { $_->has_pollin } @pulls;
    ok( $with, 'a worker has it' );
    is( $with->recv, 'x', 'frame 1' );
    is( $with->get_rcvmore, 1, '... more' );
    is( $with->recv, 'y', 'frame 2' );
    is( $with->get_rcvmore, 0, '... last' );
};

subtest 'ENOTSUP directions' => sub {
    my $push = sock( $ctx, ZMQ_PUSH );
    my $pull = sock( $ctx, ZMQ_PULL );
    my $ok = eval { $push->recv; 1 };
    ok( !$ok, 'PUSH recv croaks' );
    like( $@, qr/^zmq_msg_recv: Operation not supported/, '... ENOTSUP' );
    is( ref $@ && $@->errno, ENOTSUP, '... errno ENOTSUP' );
    $ok = eval { $push->recv_multipart(ZMQ_DONTWAIT); 1 };
    is( ref $@ && $@->errno, ENOTSUP, 'PUSH recv_multipart: ENOTSUP' );
    $ok = eval { $pull->send('x'); 1 };
    ok( !$ok, 'PULL send croaks' );
    like( $@, qr/^zmq_send: Operation not supported/, '... ENOTSUP' );
    is( ref $@ && $@->errno, ENOTSUP, '... errno ENOTSUP' );
    $ok = eval { $pull->send_multipart( ['x'] ); 1 };
    is( ref $@ && $@->errno, ENOTSUP, 'PULL send_multipart: ENOTSUP' );
};

subtest 'DONTWAIT: EAGAIN' => sub {
    my $push = sock( $ctx, ZMQ_PUSH );
    is( $push->has_pollout, 0, 'a PUSH with no peer cannot send' );
    my $ok = eval { $push->send( 'x', ZMQ_DONTWAIT ); 1 };
    ok( !$ok, 'send(DONTWAIT) with no peer croaks' );
    like( $@, qr/^zmq_send: Resource temporarily unavailable/, '... zmq_send: EAGAIN' );
    is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );
    is( ref $@ && $@->function, 'zmq_send', '... function zmq_send' );

    my $pull = sock( $ctx, ZMQ_PULL );
    $ok = eval { $pull->recv(ZMQ_DONTWAIT); 1 };
    ok( !$ok, 'recv(DONTWAIT) with nothing queued croaks' );
    like( $@, qr/^zmq_msg_recv: Resource temporarily unavailable/, '... zmq_msg_recv: EAGAIN' );
    is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );
    is( ref $@ && $@->function, 'zmq_msg_recv', '... function zmq_msg_recv' );

    my $ep = ep();
    $pull->bind($ep);
    $push->connect($ep);
    is( $push->has_pollout, 2, 'connected: POLLOUT' );
    ok( $push->send( 'now', ZMQ_DONTWAIT ), 'send(DONTWAIT) succeeds' );
    is( $pull->recv(ZMQ_DONTWAIT), 'now', 'recv(DONTWAIT) succeeds' );
};

subtest 'connect before bind queues' => sub {
    my $ep   = ep();
    my $push = sock( $ctx, ZMQ_PUSH );
    $push->connect($ep);
    ok( $push->send( "early $_", ZMQ_DONTWAIT ), "queued before the bind ($_)" ) for 1 .. 3;
    my $pull = sock( $ctx, ZMQ_PULL );
    $pull->bind($ep);
    is_deeply( drain($pull), [ map {"early $_"} 1 .. 3 ], 'delivered once bound' );
};

subtest 'a closed worker is skipped' => sub {
    my $ep   = ep();
    my $push = sock( $ctx, ZMQ_PUSH );
    $push->bind($ep);
    my @pulls = map { my $s = sock( $ctx, ZMQ_PULL ); $s->connect($ep); $s } 1 .. 2;
    $pulls[0]->close;
    $push->send("m$_") for 1 .. 4;
    is_deeply( drain( $pulls[1] ), [qw(m1 m2 m3 m4)], 'every message goes to the live worker' );
};

$ctx->destroy;
done_testing;
