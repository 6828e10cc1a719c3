use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL EMFILE);
use ZMQ::Rust qw(:socket_types :context ZMQ_RCVTIMEO ZMQ_DONTWAIT);
use lib 't/lib';
use ZMQRTest qw(ep caught);

# Contexts: ZMQ::Rust->new and its options, get/set, socket, version, has_capability, destroy,
# die_on_error.

# Every blocking call in this file is bounded: a hang fails instead.
alarm 60;

subtest 'new: defaults' => sub {
    my $ctx = ZMQ::Rust->new;
    isa_ok( $ctx, 'ZMQ::Rust::Context' );
    is( $ctx->get(ZMQ_IO_THREADS),  1,    'IO_THREADS defaults to 1' );
    is( $ctx->get(ZMQ_MAX_SOCKETS), 1023, 'MAX_SOCKETS defaults to 1023' );
    my $s = $ctx->socket(ZMQ_PUSH);
    is( $s->get_linger, 0, 'sockets start with LINGER 0 (not libzmq\'s -1)' );
    ok( !$ctx->is_destroyed, 'not destroyed' );
    $ctx->destroy;
};

subtest 'new: threads, max_sockets, linger' => sub {
    my $ctx = ZMQ::Rust->new( threads => 2, max_sockets => 5, linger => 250 );
    is( $ctx->get(ZMQ_IO_THREADS),  2, 'threads => 2 sets IO_THREADS' );
    is( $ctx->get(ZMQ_MAX_SOCKETS), 5, 'max_sockets => 5 sets MAX_SOCKETS' );
    my $s = $ctx->socket(ZMQ_PULL);
    is( $s->get_linger, 250, 'linger => 250 becomes the LINGER of new sockets' );
    $s->set_linger(0);
    is( $ctx->socket(ZMQ_PUSH)->get_linger, 250, 'each new socket starts with it' );
    $ctx->destroy;

    $ctx = ZMQ::Rust->new( linger => -1 );
    is( $ctx->socket(ZMQ_PAIR)->get_linger, -1, 'linger => -1 (wait forever)' );
    $ctx->destroy;

    $ctx = ZMQ::Rust->new( linger => 0 );
    is( $ctx->socket(ZMQ_PAIR)->get_linger, 0, 'linger => 0' );
    $ctx->destroy;
};

subtest 'new: bad options croak' => sub {
    my ($err) = caught( sub { ZMQ::Rust->new( bogus => 1 ) } );
    like( $err, qr/^ZMQ::Rust->new: unknown option 'bogus'/, 'unknown option croaks' );
    like( $err, qr/ at \Q${\__FILE__}\E line \d+\.$/, '... at the caller' );

    ($err) = caught( sub { ZMQ::Rust->new( threads => 1, Linger => 1 ) } );
    like( $err, qr/unknown option 'Linger'/, 'option names are case-sensitive' );

    ($err) = caught( sub { ZMQ::Rust->new( max_sockets => 0 ) } );
    like( $err, qr/^zmq_ctx_set: Invalid argument/, 'max_sockets => 0 is invalid' );
    is( ref $err && $err->errno, EINVAL, '... EINVAL' );

    ($err) = caught( sub { ZMQ::Rust->new( threads => -1 ) } );
    like( $err, qr/^zmq_ctx_set: Invalid argument/, 'threads => -1 is invalid' );

    ($err) = caught( sub { ZMQ::Rust->new( linger => -3 ) } );
    like( $err, qr/^zmq_ctx_set: Invalid argument/, 'linger => -3 is invalid' );

    ($err) = caught( sub { ZMQ::Rust->new( linger => 2**32 ) } );
    like( $err, qr/^zmq_ctx_set: Invalid argument/, 'linger => 2**32 is out of range (not wrapped to 0)' );
};

subtest 'get/set context options' => sub {
    my $ctx = ZMQ::Rust->new;

    ok( $ctx->set( ZMQ_IO_THREADS, 3 ), 'set IO_THREADS returns true' );
    is( $ctx->get(ZMQ_IO_THREADS), 3, 'IO_THREADS is 3' );

    ok( $ctx->set( ZMQ_MAX_SOCKETS, 100 ), 'set MAX_SOCKETS' );
    is( $ctx->get(ZMQ_MAX_SOCKETS), 100, 'MAX_SOCKETS is 100' );

    is( $ctx->get(ZMQ_SOCKET_LIMIT), 65535, 'SOCKET_LIMIT is 65535' );

    my $size = $ctx->get(ZMQ_MSG_T_SIZE);
    like( $size, qr/\A\d+\z/, 'MSG_T_SIZE is a number' );
    cmp_ok( $size, '>', 0, 'MSG_T_SIZE > 0' );

    is( $ctx->get(ZMQ_BLOCKY), 1, 'BLOCKY defaults to true' );
    ok( $ctx->set( ZMQ_BLOCKY, 0 ), 'set BLOCKY 0' );
    is( $ctx->get(ZMQ_BLOCKY), 0, 'BLOCKY is 0' );

    is( $ctx->get(ZMQ_IPV6), 0, 'IPV6 defaults to 0' );
    ok( $ctx->set( ZMQ_IPV6, 1 ), 'set IPV6 1' );
    is( $ctx->get(ZMQ_IPV6), 1, 'IPV6 is 1' );

    ok( $ctx->set( ZMQ_MAX_MSGSZ, 4096 ), 'set MAX_MSGSZ' );
    is( $ctx->get(ZMQ_MAX_MSGSZ), 4096, 'MAX_MSGSZ is 4096' );

    for my $case (
        [ set => [ 9999, 1 ],             'zmq_ctx_set', 'unknown option' ],
        [ get => [9999],                  'zmq_ctx_get', 'unknown option' ],
        [ set => [ ZMQ_MSG_T_SIZE, 1 ],   'zmq_ctx_set', 'read-only MSG_T_SIZE' ],
        [ set => [ ZMQ_MAX_SOCKETS, 0 ],  'zmq_ctx_set', 'MAX_SOCKETS 0' ],
        [ set => [ ZMQ_IO_THREADS, -1 ],  'zmq_ctx_set', 'IO_THREADS -1' ],
        [ set => [ ZMQ_MAX_SOCKETS, 2**32 + 100 ], 'zmq_ctx_set', 'a value beyond int' ],
        )
    {
        my ( $method, $args, $func, $what ) = @$case;
        local $! = 0;
        my ($err) = caught( sub { $ctx->$method(@$args) } );
        like( $err, qr/^\Q$func\E: Invalid argument/, "$method: $what croaks $func: Invalid argument" );
        isa_ok( $err, 'ZMQ::Rust::Error' );
        is( ref $err && $err->errno, EINVAL, '... errno EINVAL' );
        is( 0 + $!, EINVAL, '... $! is EINVAL' );
    }
    is( $ctx->get(ZMQ_MAX_SOCKETS), 100, 'failed sets changed nothing' );
    is( $ctx->get(ZMQ_IO_THREADS),  3,   '... nor IO_THREADS' );
    $ctx->destroy;
};

subtest 'max_sockets exceeded: EMFILE' => sub {
    my $ctx = ZMQ::Rust->new( max_sockets => 2 );
    my @s = map { $ctx->socket(ZMQ_PAIR) } 1 .. 2;
    is( scalar( grep { ref } @s ), 2, 'two sockets' );
    my ($err) = caught( sub { $ctx->socket(ZMQ_PAIR) } );
    like( $err, qr/^zmq_socket: Too many open files/, 'the third croaks EMFILE' );
    is( ref $err && $err->errno, EMFILE, '... errno EMFILE' );
    is( ref $err && $err->function, 'zmq_socket', '... function zmq_socket' );

    $s[0]->close;
    my $again = eval { $ctx->socket(ZMQ_PAIR) };
    isa_ok( $again, 'ZMQ::Rust::Socket', 'closing one makes room' );
    $ctx->destroy;
};

subtest 'version, verstr' => sub {
    my $ctx = ZMQ::Rust->new;
    is_deeply( [ $ctx->version ], [ 4, 3, 5 ], 'version is (4, 3, 5)' );
    is( $ctx->verstr, '4.3.5', 'verstr is 4.3.5' );
    my $n = () = $ctx->version;
    is( $n, 3, 'version is a list of three' );
    $ctx->destroy;
    is( $ctx->verstr, '4.3.5', 'still answers after destroy' );
};

subtest 'has_capability' => sub {
    my $ctx = ZMQ::Rust->new;
    ok( $ctx->has_capability('ipc'), 'ipc is available' );
    for my $cap (qw(pgm tipc norm curve gssapi draft)) {
        ok( defined $ctx->has_capability($cap), "has_capability($cap) is defined" );
        ok( !$ctx->has_capability($cap), "$cap is not available in this release" );
    }
    ok( !$ctx->has_capability('no-such-thing'), 'unknown capability: false' );
    ok( !$ctx->has_capability(''),              'empty name: false' );
    my ($err) = caught( sub { $ctx->has_capability(undef) } );
    like( $err, qr/^usage: \$ctx->has_capability\(\$name\)/, 'undef croaks usage' );
    $ctx->destroy;
};

subtest 'socket by constant and by name' => sub {
    my $ctx = ZMQ::Rust->new;
    my %types = ( PAIR => ZMQ_PAIR, PUB => ZMQ_PUB, SUB => ZMQ_SUB, REQ => ZMQ_REQ,
        REP => ZMQ_REP, DEALER => ZMQ_DEALER, ROUTER => ZMQ_ROUTER, PULL => ZMQ_PULL,
        PUSH => ZMQ_PUSH, XPUB => ZMQ_XPUB, XSUB => ZMQ_XSUB );
    for my $name ( sort keys %types ) {
        my $s = $ctx->socket( $types{$name} );
        isa_ok( $s, 'ZMQ::Rust::Socket', "socket(ZMQ_$name)" );
        is( $s->type, $types{$name}, "... type is $types{$name}" );
        is( $s->get_type, $types{$name}, '... and ZMQ_TYPE agrees' );
        $s->close;

        $s = $ctx->socket($name);
        is( $s->type, $types{$name}, "socket('$name') by name" );
        $s->close;
    }
    is( $ctx->socket('push')->type,     ZMQ_PUSH,   'lower case name' );
    is( $ctx->socket('ZMQ_PULL')->type, ZMQ_PULL,   'ZMQ_ prefix' );
    is( $ctx->socket('XREQ')->type,     ZMQ_DEALER, 'alias XREQ' );
    is( $ctx->socket("8")->type,        ZMQ_PUSH,   'number as a string' );

    my $push = $ctx->socket('PUSH');
    my $pull = $ctx->socket('PULL');
    my $ep   = ep();
    $pull->set( ZMQ_RCVTIMEO, 'int', 2000 );
    $pull->bind($ep);
    $push->connect($ep);
    $push->send('by name');
    is( $pull->recv, 'by name', 'sockets made by name work' );
    $ctx->destroy;
};

subtest 'unknown socket type' => sub {
    my $ctx = ZMQ::Rust->new;
    for my $bad ( 99, -1, 12, 'BOGUS', '1.5', '' ) {
        local $! = 0;
        my ($err) = caught( sub { $ctx->socket($bad) } );
        like( $err, qr/^zmq_socket: Invalid argument/, "socket('$bad') croaks zmq_socket: Invalid argument" );
        isa_ok( $err, 'ZMQ::Rust::Error' );
        is( ref $err && $err->errno, EINVAL, '... errno EINVAL' );
        is( 0 + $!, EINVAL, '... $! EINVAL' );
        like( "$err", qr/ at \Q${\__FILE__}\E line \d+\.$/, '... reported at the caller' );
    }
    my ($err) = caught( sub { $ctx->socket(undef) } );
    like( $err, qr/^usage: \$ctx->socket\(\$type\)/, 'socket(undef) croaks usage' );
    $ctx->destroy;
};

subtest 'destroy closes the open sockets' => sub {
    my $ctx  = ZMQ::Rust->new;
    my $pull = $ctx->socket(ZMQ_PULL);
    my $push = $ctx->socket(ZMQ_PUSH);
    my $ep   = ep();
    $pull->bind($ep);
    $push->connect($ep);
    $push->send('queued');    # never received: linger 0 must not make destroy wait
    my $dangling = $ctx->socket(ZMQ_PUSH);
    $dangling->connect( ep() );    # connect with no bind yet
    $dangling->send( 'pending', ZMQ_DONTWAIT );

    my $t0 = time;
    ok( !defined( ( caught( sub { $ctx->destroy } ) )[0] ), 'destroy does not croak' );
    cmp_ok( time - $t0, '<=', 5, 'destroy returns promptly' );
    ok( $ctx->is_destroyed, 'is_destroyed' );
    ok( $_->is_closed, 'socket ' . $_->type . ' is closed' ) for $pull, $push, $dangling;

    my ( $err, $w ) = caught( sub {
        my @r = $push->send('x');
        is( scalar @r, 0, 'send on a socket closed by destroy returns empty' );
    } );
    ok( !defined $err, 'and does not croak' );
    is( scalar @$w, 1, 'one warning' );
    like( $w->[0], qr/^Operation on closed socket/, '... Operation on closed socket' );

    ( $err, $w ) = caught( sub { my @r = $pull->recv(ZMQ_DONTWAIT) } );
    like( $w->[0] || '', qr/^Operation on closed socket/, 'recv warns too' );

    ( $err, $w ) = caught( sub { $ctx->destroy } );
    ok( !defined $err, 'destroy twice is fine' );
    is( scalar @$w, 0, '... quietly' );
    ok( $ctx->is_destroyed, 'still destroyed' );

    ( $err, $w ) = caught( sub { $push->close } );
    ok( !defined $err && !@$w, 'close after destroy is quiet' );

    ($err) = caught( sub { $ctx->socket(ZMQ_PAIR) } );
    like( $err, qr/destroyed/, 'socket() on a destroyed context croaks' );
    ($err) = caught( sub { $ctx->get(ZMQ_IO_THREADS) } );
    like( $err, qr/destroyed/, 'get() on a destroyed context croaks' );
    ($err) = caught( sub { $ctx->set( ZMQ_IO_THREADS, 1 ) } );
    like( $err, qr/destroyed/, 'set() on a destroyed context croaks' );
};

subtest 'destroy with no sockets, and of freed sockets' => sub {
    my $ctx = ZMQ::Rust->new;
    { my $s = $ctx->socket(ZMQ_PAIR); $s->bind( ep() ); }    # freed at once
    my ($err) = caught( sub { $ctx->destroy } );
    ok( !defined $err, 'destroy after the sockets were freed' );
    ok( $ctx->is_destroyed, 'destroyed' );
};

subtest 'a socket keeps its context alive' => sub {
    my $ep = ep();
    my ( $a, $b ) = do {
        my $ctx = ZMQ::Rust->new;
        ( $ctx->socket(ZMQ_PAIR), $ctx->socket(ZMQ_PAIR) );
    };
    isa_ok( $a->context, 'ZMQ::Rust::Context', 'the context outlives its variable' );
    ok( !$a->context->is_destroyed, 'not destroyed' );
    $b->set( ZMQ_RCVTIMEO, 'int', 2000 );
    $a->bind($ep);
    $b->connect($ep);
    $a->send('alive');
    is( $b->recv, 'alive', 'the sockets still talk' );
    is( $a->context, $b->context, 'both have the same context' );
    $a->context->destroy;
    ok( $b->is_closed, 'destroy through the accessor closes them' );
};

subtest 'die_on_error(0) on the context' => sub {
    my $ctx = ZMQ::Rust->new( max_sockets => 1 );
    is( $ctx->die_on_error, 1, 'die_on_error defaults to 1' );
    is( $ctx->last_errno, 0, 'last_errno starts at 0' );
    is( $ctx->last_strerror, '', 'last_strerror starts empty' );
    is( $ctx->die_on_error(0), 0, 'die_on_error(0) returns the new value' );
    is( $ctx->die_on_error, 0, 'it is off' );

    local $! = 0;
    my ( $err, $w ) = caught( sub {
        my @r = $ctx->get(9999);
        is( scalar @r, 0, 'failing get returns an empty list' );
    } );
    ok( !defined $err, 'and does not croak' );
    is( 0 + $!, EINVAL, '$! is EINVAL' );
    is( $ctx->last_errno, EINVAL, 'last_errno is EINVAL' );
    is( $ctx->last_strerror, 'Invalid argument', 'last_strerror' );

    my $r = $ctx->set( 9999, 1 );
    ok( !defined $r, 'failing set returns undef in scalar context' );

    my $first = $ctx->socket(ZMQ_PAIR);
    isa_ok( $first, 'ZMQ::Rust::Socket' );
    local $! = 0;
    my $second = $ctx->socket(ZMQ_PAIR);
    ok( !defined $second, 'socket() past MAX_SOCKETS returns undef' );
    is( $ctx->last_errno, EMFILE, 'last_errno EMFILE' );
    is( 0 + $!, EMFILE, '$! EMFILE' );
    my @list = $ctx->socket(ZMQ_PAIR);
    is( scalar @list, 0, '... an empty list in list context' );

    is( $first->die_on_error, 1, 'sockets have their own die_on_error (still 1)' );

    $ctx->die_on_error(1);
    ($err) = caught( sub { $ctx->get(9999) } );
    like( $err, qr/^zmq_ctx_get: Invalid argument/, 'die_on_error(1) croaks again' );
    $ctx->destroy;
};

done_testing;
