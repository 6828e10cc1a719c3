use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN EINVAL EHOSTUNREACH);
use ZMQ::Rust qw(ZMQ_ROUTER ZMQ_DEALER ZMQ_DONTWAIT ZMQ_SNDMORE
    ZMQ_ROUTER_MANDATORY ZMQ_ROUTING_ID ZMQ_IDENTITY ZMQ_SNDHWM ZMQ_RCVHWM
    ZMQ_CONNECT_ROUTING_ID);
use lib 't/lib';
use ZMQRTest qw(ep sock drain_parts);

# ROUTER/DEALER through the Perl API over inproc: routing ids (set and generated),
# ROUTER_MANDATORY, identities, load balancing and fair queueing.

alarm 60;    # backstop; every blocking call is bounded

my $ctx = ZMQ::Rust->new;

subtest 'ROUTER sees the DEALER identity and routes replies' => sub {
    my $ep = ep();
    my $r  = sock( $ctx, ZMQ_ROUTER );
    $r->bind($ep);
    my %d;
    for my $name (qw(alpha beta)) {
        $d{$name} = sock( $ctx, ZMQ_DEALER );
        ok( $d{$name}->set_identity($name), "set_identity($name) returns true" );
        $d{$name}->connect($ep);
    }
    $d{alpha}->send('from alpha');
    $d{beta}->send_multipart( [ 'from', 'beta' ] );
    my %got;
    for ( 1 .. 2 ) {
        my @m = $r->recv_multipart;
        $got{ $m[0] } = [ @m[ 1 .. $#m ] ];
    }
    is_deeply( \%got, { alpha => ['from alpha'], beta => [ 'from', 'beta' ] },
        'each message comes with its sender id' );

    ok( $r->send_multipart( [ 'beta', 'to beta' ] ), 'reply to beta' );
    $r->send( 'alpha', ZMQ_SNDMORE );
    $r->send( 'to',    ZMQ_SNDMORE );
    $r->send('alpha');
    is( $d{beta}->recv, 'to beta', 'beta gets its reply' );
    is_deeply( [ $d{alpha}->recv_multipart ], [ 'to', 'alpha' ], 'alpha gets its (SNDMORE) reply' );
    is_deeply( drain_parts( $d{beta} ), [], 'nothing else for beta' );
};

subtest 'generated routing ids' => sub {
    my $ep = ep();
    my $r  = sock( $ctx, ZMQ_ROUTER );
    $r->bind($ep);
    my @d = map { my $s = sock( $ctx, ZMQ_DEALER ); $s->connect($ep); $s } 1 .. 3;
    $d[$_]->send("n$_") for 0 .. 2;
    my @msgs = @{ drain_parts($r) };
    is( scalar @msgs, 3, 'three messages' );
    my %ids = map { $_->[0] => $_->[1] } @msgs;
    is( scalar keys %ids, 3, 'three distinct ids' );
    for my $id ( keys %ids ) {
        is( length $id, 5, 'a generated id is 5 bytes' );
        is( substr( $id, 0, 1 ), "\0", '... starting with a zero byte' );
    }
    $r->send_multipart( [ $_, "back to $ids{$_}" ] ) for keys %ids;
    is( $d[$_]->recv, "back to n$_", "reply reaches dealer $_" ) for 0 .. 2;
};

subtest 'unroutable messages: dropped, or EHOSTUNREACH with ROUTER_MANDATORY' => sub {
    my $r = sock( $ctx, ZMQ_ROUTER );
    ok( $r->send_multipart( [ 'nobody', 'lost' ] ), 'unknown id: silently dropped' );
    ok( $r->send('lonely'), 'a single frame: silently ignored' );

    ok( $r->set( ZMQ_ROUTER_MANDATORY, 'int', 1 ), 'set ROUTER_MANDATORY' );
    my $ok = eval { $r->send_multipart( [ 'nobody', 'lost' ] ); 1 };
    ok( !$ok, 'unknown id now croaks' );
    like( $@, qr/^zmq_send: No route to host/, '... zmq_send: EHOSTUNREACH' );
    is( ref $@ && $@->errno, EHOSTUNREACH, '... errno EHOSTUNREACH' );

    $ok = eval { $r->send( 'nobody', ZMQ_SNDMORE ); 1 };
    is( ref $@ && $@->errno, EHOSTUNREACH, 'also when the id frame is sent alone with SNDMORE' );

    $r->die_on_error(0);
    local $! = 0;
    my @res = $r->send_multipart( [ 'nobody', 'x' ] );
    is( scalar @res, 0, 'die_on_error(0): returns empty' );
    is( 0 + $!, EHOSTUNREACH, '... $! EHOSTUNREACH' );
    is( $r->last_errno, EHOSTUNREACH, '... last_errno' );
    $r->die_on_error(1);

    my $ep = ep();
    $r->bind($ep);
    my $d = sock( $ctx, ZMQ_DEALER );
    $d->set_identity('known');
    $d->connect($ep);
    $d->send('hi');
    $r->recv_multipart;
    ok( $r->send_multipart( [ 'known', 'ok' ] ), 'a known id still works' );
    is( $d->recv, 'ok', '... delivered' );
};

subtest 'ROUTER at the high-water mark' => sub {
    my $ep = ep();
    my $r  = sock( $ctx, ZMQ_ROUTER );
    $r->set( ZMQ_SNDHWM, 'int', 2 );
    $r->bind($ep);
    my $d = sock( $ctx, ZMQ_DEALER );
    $d->set( ZMQ_RCVHWM, 'int', 2 );
    $d->set_identity('slow');
    $d->connect($ep);
    $d->send('hello');
    $r->recv_multipart;

    my $sent = 0;
    $sent++ while $sent < 50 && eval { $r->send_multipart( [ 'slow', "m$sent" ], ZMQ_DONTWAIT ) };
    is( $sent, 50, 'without ROUTER_MANDATORY nothing fails (excess is dropped)' );
    my $got = drain_parts($d);
    cmp_ok( scalar @$got, '<=', 4, 'the dealer got at most SNDHWM + RCVHWM' );
    cmp_ok( scalar @$got, '>=', 1, '... and at least one' );
    is( $got->[0][0], 'm0', '... the first ones' );

    $r->set( ZMQ_ROUTER_MANDATORY, 'int', 1 );
    $sent = 0;
    my $err;
    while ( $sent < 50 ) {
        last unless eval { $r->send_multipart( [ 'slow', "n$sent" ], ZMQ_DONTWAIT ); 1 };
        $sent++;
    }
    $err = $@;
    cmp_ok( $sent, '<', 50, 'with ROUTER_MANDATORY sending stops at the HWM' );
    is( ref $err && $err->errno, EAGAIN, '... with EAGAIN (the peer exists)' );
    like( $err, qr/^zmq_send: Resource temporarily unavailable/, '... zmq_send: EAGAIN' );
    is( scalar @{ drain_parts($d) }, $sent, 'every accepted message arrives' );
};

subtest 'identity: set_identity / get_identity' => sub {
    my $d = sock( $ctx, ZMQ_DEALER );
    is( $d->get_identity, undef, 'no identity: undef' );
    is( $d->get( ZMQ_ROUTING_ID, 'binary' ), undef, 'get(ZMQ_ROUTING_ID) agrees' );

    my $id = join '', map { chr( ( $_ * 7 ) % 256 ) } 1 .. 255;
    ok( $d->set_identity($id), '255-byte identity' );
    is( length $d->get_identity, 255, 'get_identity returns 255 bytes' );
    ok( $d->get_identity eq $id, '... the same bytes' );
    ok( $d->get( ZMQ_IDENTITY, 'binary' ) eq $id, 'ZMQ_IDENTITY is the same option' );

    my $ok = eval { $d->set_identity( 'x' x 256 ); 1 };
    ok( !$ok, '256 bytes croak' );
    like( $@, qr/^zmq_setsockopt: Invalid argument/, '... zmq_setsockopt: EINVAL' );
    is( ref $@ && $@->errno, EINVAL, '... errno EINVAL' );
    ok( $d->get_identity eq $id, '... and the identity is unchanged' );

    $ok = eval { $d->set_identity(''); 1 };
    is( ref $@ && $@->errno, EINVAL, 'an empty identity: EINVAL' );
    $ok = eval { $d->set_identity(undef); 1 };
    ok( !$ok, 'undef croaks' );

    ok( $d->set_identity("a\0b"), 'an identity with a NUL' );
    is( $d->get_identity, "a\0b", '... round trip' );

    my $ep = ep();
    my $r  = sock( $ctx, ZMQ_ROUTER );
    $r->bind($ep);
    my $big = sock( $ctx, ZMQ_DEALER );
    $big->set_identity($id);
    $big->connect($ep);
    $big->send('x');
    my @m = $r->recv_multipart;
    ok( $m[0] eq $id, 'the ROUTER sees the 255-byte identity' );
    $r->send_multipart( [ $id, 'y' ] );
    is( $big->recv, 'y', 'and can route to it' );
};

subtest 'a duplicate identity is ignored' => sub {
    my $ep = ep();
    my $r  = sock( $ctx, ZMQ_ROUTER );
    $r->bind($ep);
    my @d = map { my $s = sock( $ctx, ZMQ_DEALER ); $s->set_identity('same'); $s->connect($ep); $s } 1 .. 2;
    $d[0]->send('one');
    $d[1]->send('two');
    is_deeply( drain_parts($r), [ [ 'same', 'one' ] ], 'only the first connection is heard' );
};

subtest 'CONNECT_ROUTING_ID' => sub {
    my $ep = ep();
    my $r1 = sock( $ctx, ZMQ_ROUTER );
    $r1->bind($ep);
    my $r2 = sock( $ctx, ZMQ_ROUTER );
    $r2->set_identity('r2');
    ok( $r2->set( ZMQ_CONNECT_ROUTING_ID, 'binary', 'server' ), 'set CONNECT_ROUTING_ID' );
    $r2->connect($ep);
    ok( $r2->send_multipart( [ 'server', 'hello' ] ), 'ROUTER to ROUTER by the assigned id' );
    is_deeply( [ $r1->recv_multipart ], [ 'r2', 'hello' ], 'arrives with the sender identity' );
};

subtest 'DEALER load-balances and fair-queues' => sub {
    my @r = map { my $s = sock( $ctx, ZMQ_ROUTER ); $s->bind( ep() ); $s } 1 .. 2;
    my $d = sock( $ctx, ZMQ_DEALER );
    $d->set_identity('lb');
    $d->connect( $_->last_endpoint ) for @r;
    $d->send("m$_") for 1 .. 4;
    my @a = map { $_->[1] } @{ drain_parts( $r[0] ) };
    my @b = map { $_->[1] } @{ drain_parts( $r[1] ) };
    is( scalar @a, 2, 'router 1 got two' );
    is( scalar @b, 2, 'router 2 got two' );
    is_deeply( [ sort @a, @b ], [qw(m1 m2 m3 m4)], 'all four, once each' );

    $r[0]->send_multipart( [ 'lb', "a$_" ] ) for 1 .. 2;
    $r[1]->send_multipart( [ 'lb', "b$_" ] ) for 1 .. 2;
    my @got = map { $_->[0] } @{ drain_parts($d) };
    is_deeply( [ sort @got ], [qw(a1 a2 b1 b2)], 'the DEALER hears both' );
    isnt( substr( $got[0], 0, 1 ), substr( $got[1], 0, 1 ), 'fair queue: alternates between peers' );
};

subtest 'DEALER to DEALER' => sub {
    my $ep = ep();
    my ( $x, $y ) = ( sock( $ctx, ZMQ_DEALER ), sock( $ctx, ZMQ_DEALER ) );
    $x->bind($ep);
    $y->connect($ep);
    $y->send_multipart( [ 'a', '', 'b' ] );
    is_deeply( [ $x->recv_multipart ], [ 'a', '', 'b' ], 'no envelope is added or removed' );
    $x->send('c');
    is( $y->recv, 'c', 'and back' );
    my $ok = eval { sock( $ctx, ZMQ_DEALER )->send( 'x', ZMQ_DONTWAIT ); 1 };
    is( ref $@ && $@->errno, EAGAIN, 'a DEALER with no peer: EAGAIN' );
};

$ctx->destroy;
done_testing;
