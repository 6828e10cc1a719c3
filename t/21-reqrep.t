use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN);
use ZMQ::Rust qw(ZMQ_REQ ZMQ_REP ZMQ_DEALER ZMQ_ROUTER ZMQ_DONTWAIT ZMQ_SNDMORE
    ZMQ_REQ_RELAXED ZMQ_REQ_CORRELATE);
use ZMQ::Rust::Constants ();
use lib 't/lib';
use ZMQRTest qw(ep sock bind_connect);

# REQ/REP through the Perl API over inproc: the strict send/recv cycle and its EFSM errors,
# multipart requests and replies, load balancing, and the envelopes seen by DEALER/ROUTER.

alarm 60;    # backstop; every blocking call is bounded by RCVTIMEO/SNDTIMEO

my $EFSM = ZMQ::Rust::Constants::EFSM();

my $ctx = ZMQ::Rust->new;

sub req_rep {
    my ( $rep, $req, $ep ) = bind_connect( $ctx, ZMQ_REP, ZMQ_REQ );
    return ( $req, $rep, $ep );
}

# Checks that $code croaks EFSM.
sub efsm_ok {
    my ( $code, $func, $name ) = @_;
    my $ok = eval { $code->(); 1 };
    my $err = $@;
    ok( !$ok, "$name croaks" );
    like( $err, qr/^\Q$func\E: Operation cannot be accomplished in current state/, "... $func: EFSM text" );
    is( ref $err && $err->errno, $EFSM, '... errno is ZMQ::Rust::Constants::EFSM' );
    is( 0 + $!, $EFSM, '... and $! too' );
}

subtest 'request / reply cycles' => sub {
    my ( $req, $rep ) = req_rep();
    for my $i ( 1 .. 5 ) {
        ok( $req->send("request $i"), "send request $i" );
        is( $rep->recv, "request $i", 'REP receives it' );
        ok( $rep->send("reply $i"), 'REP replies' );
        is( $req->recv, "reply $i", 'REQ receives the reply' );
    }
};

subtest 'EFSM: out-of-order calls' => sub {
    my ( $req, $rep ) = req_rep();
    efsm_ok( sub { $req->recv(ZMQ_DONTWAIT) }, 'zmq_msg_recv', 'REQ recv before any send' );
    efsm_ok( sub { $req->recv_multipart },     'zmq_msg_recv', 'REQ recv_multipart before any send' );
    efsm_ok( sub { $rep->send('x') },          'zmq_send',     'REP send before any recv' );
    efsm_ok( sub { $rep->send_multipart( ['x'] ) }, 'zmq_send', 'REP send_multipart before any recv' );

    $req->send('q');
    efsm_ok( sub { $req->send('again') }, 'zmq_send', 'REQ send twice' );
    is( $rep->recv, 'q', 'the first request still arrives' );
    efsm_ok( sub { $rep->recv(ZMQ_DONTWAIT) }, 'zmq_msg_recv', 'REP recv twice' );
    $rep->send('a');
    efsm_ok( sub { $rep->send('again') }, 'zmq_send', 'REP send twice' );
    is( $req->recv, 'a', 'the reply arrives' );
    efsm_ok( sub { $req->recv(ZMQ_DONTWAIT) }, 'zmq_msg_recv', 'REQ recv twice' );

    $req->send('next');
    is( $rep->recv, 'next', 'the cycle goes on after the errors' );
    $rep->send('done');
    is( $req->recv, 'done', '... complete' );
};

subtest 'EFSM with die_on_error(0)' => sub {
    my ( $req, $rep ) = req_rep();
    $req->die_on_error(0);
    local $! = 0;
    my @r = $req->recv(ZMQ_DONTWAIT);
    is( scalar @r, 0, 'returns empty' );
    is( $req->last_errno, $EFSM, 'last_errno EFSM' );
    is( 0 + $!, $EFSM, '$! EFSM' );
    like( $req->last_strerror, qr/^Operation cannot be accomplished/, 'last_strerror' );
};

subtest 'REQ with no peer: EAGAIN, not EFSM' => sub {
    my $req = sock( $ctx, ZMQ_REQ );
    my $ok = eval { $req->send( 'x', ZMQ_DONTWAIT ); 1 };
    like( $@, qr/^zmq_send: Resource temporarily unavailable/, 'send(DONTWAIT) with no REP: EAGAIN' );
    is( ref $@ && $@->errno, EAGAIN, '... errno EAGAIN' );
};

subtest 'multipart requests and replies' => sub {
    my ( $req, $rep ) = req_rep();
    $req->send_multipart( [ 'a', '', 'c' ] );
    is_deeply( [ $rep->recv_multipart ], [ 'a', '', 'c' ], 'REP gets the frames (no envelope)' );
    $rep->send( 'r1', ZMQ_SNDMORE );
    $rep->send('r2');
    is( $req->recv, 'r1', 'REQ: frame 1' );
    is( $req->get_rcvmore, 1, '... more' );
    is( $req->recv, 'r2', 'REQ: frame 2' );
    is( $req->get_rcvmore, 0, '... last' );

    $req->send( 'x', ZMQ_SNDMORE );
    $req->send('y');
    is_deeply( [ $rep->recv_multipart ], [ 'x', 'y' ], 'SNDMORE request' );
    $rep->send_multipart( [ 'p', 'q', 'r' ] );
    is_deeply( [ $req->recv_multipart ], [ 'p', 'q', 'r' ], 'send_multipart reply' );
};

subtest 'REQ load-balances over two REPs' => sub {
    my @reps = map { my $r = sock( $ctx, ZMQ_REP ); $r->bind( ep() ); $r } 1 .. 2;
    my $req = sock( $ctx, ZMQ_REQ );
    $req->connect( $_->last_endpoint ) for @reps;
    my @served;
    for my $i ( 1 .. 4 ) {
        $req->send("q$i");
        my ($who) = grep { $reps[$_]->has_pollin } 0 .. 1;
        if ( !defined $who ) {
            fail("request $i reached no REP");
            last;
        }
        push @served, $who;
        is( $reps[$who]->recv, "q$i", "request $i" );
        $reps[$who]->send("a$i");
        is( $req->recv, "a$i", "reply $i" );
    }
    is_deeply( [ sort @served ], [ 0, 0, 1, 1 ], 'each REP served two of four' );
    isnt( $served[0], $served[1], 'round robin' );
};

subtest 'REP fair-queues and replies to the right REQ' => sub {
    my $ep   = ep();
    my $rep  = sock( $ctx, ZMQ_REP );
    $rep->bind($ep);
    my @reqs = map { my $q = sock( $ctx, ZMQ_REQ ); $q->connect($ep); $q } 1 .. 3;
    $reqs[$_]->send("from $_") for 0 .. 2;
    my %seen;
    for ( 1 .. 3 ) {
        my $m = $rep->recv;
        $seen{$m}++;
        $rep->send("re: $m");
    }
    is_deeply( \%seen, { 'from 0' => 1, 'from 1' => 1, 'from 2' => 1 }, 'every request once' );
    is( $reqs[$_]->recv, "re: from $_", "REQ $_ got its own reply" ) for 0 .. 2;
};

subtest 'DEALER to REP: the empty delimiter' => sub {
    my $ep  = ep();
    my $rep = sock( $ctx, ZMQ_REP );
    my $d   = sock( $ctx, ZMQ_DEALER );
    $rep->bind($ep);
    $d->connect($ep);
    $d->send_multipart( [ '', 'body' ] );
    is( $rep->recv, 'body', 'REP strips the delimiter' );
    $rep->send('reply');
    is_deeply( [ $d->recv_multipart ], [ '', 'reply' ], 'the DEALER sees the delimiter' );
};

subtest 'REQ to ROUTER: the envelope' => sub {
    my $ep = ep();
    my $r  = sock( $ctx, ZMQ_ROUTER );
    my $q  = sock( $ctx, ZMQ_REQ );
    $q->set_identity('REQ-1');
    $r->bind($ep);
    $q->connect($ep);
    $q->send_multipart( [ 'b1', 'b2' ] );
    is_deeply( [ $r->recv_multipart ], [ 'REQ-1', '', 'b1', 'b2' ], 'ROUTER sees [id, "", body...]' );
    $r->send_multipart( [ 'REQ-1', '', 'answer' ] );
    is( $q->recv, 'answer', 'the REQ gets the reply without the envelope' );
};

subtest 'REQ_RELAXED and REQ_CORRELATE' => sub {
    my ( $req, $rep ) = req_rep();
    ok( $req->set( ZMQ_REQ_RELAXED,   'int', 1 ), 'set REQ_RELAXED' );
    ok( $req->set( ZMQ_REQ_CORRELATE, 'int', 1 ), 'set REQ_CORRELATE' );
    ok( $req->send('first'),  'send' );
    ok( $req->send('second'), 'a second send is allowed' );
    is( $rep->recv, 'first', 'REP gets the first' );
    $rep->send('stale reply');
    is( $rep->recv, 'second', 'and the second' );
    $rep->send('fresh reply');
    is( $req->recv, 'fresh reply', 'only the reply to the last request is delivered' );
    ok( !eval { $req->recv(ZMQ_DONTWAIT); 1 }, 'the stale one was dropped' );
};

$ctx->destroy;
done_testing;
