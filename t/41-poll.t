use strict;
use warnings;

use Test::More;
use Errno ();
use Scalar::Util qw(refaddr);
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_REQ ZMQ_REP ZMQ_PUSH ZMQ_PULL ZMQ_PAIR ZMQ_DONTWAIT
    ZMQ_POLLIN ZMQ_POLLOUT ZMQ_POLLERR ETERM);
use lib 't/lib';
use ZMQRTest qw(ep sock any_ep bind_connect_at caught);
use ZMQRTest::Proc qw(join_within has_threads keep_ipc_dir);

keep_ipc_dir();    # see ZMQRTest::Proc

# ZMQ::Rust::poll (zmq_poll): sockets of every transport and plain fds in one call, list and
# scalar context, timeouts, callbacks, item validation, closed sockets, ETERM, pipes.

alarm 60;    # backstop: no handler, so a hang kills the test instead of stalling prove

my $HAVE_THREADS = has_threads();
if ($HAVE_THREADS) { require threads; threads->import }

my $IN    = ZMQ_POLLIN;
my $OUT   = ZMQ_POLLOUT;
my $INOUT = ZMQ_POLLIN | ZMQ_POLLOUT;

my $ctx = ZMQ::Rust->new;

# Three REQ/REP pairs: 1 over tcp, 2 over ipc, 3 over inproc.
my @T = qw(tcp ipc inproc);
my ( @rep, @req );
for my $k ( 0 .. 2 ) {
    ( $rep[$k], $req[$k] ) = bind_connect_at( $ctx, any_ep( $T[$k] ), ZMQ_REP, ZMQ_REQ, 3000 );
}
# A round trip on each pair so that every connection is up.
for my $k ( 0 .. 2 ) {
    $req[$k]->send("warm $k");
    $rep[$k]->recv;
    $rep[$k]->send("ok $k");
    $req[$k]->recv;
}

# The item set: REP1 REQ1 REP2 REQ2 REP3 REQ3 STDOUT STDERR.
my @items = (
    ( map { ( { socket => $rep[$_], events => $INOUT }, { socket => $req[$_], events => $INOUT } ) } 0 .. 2 ),
    { fd => \*STDOUT,        events => $OUT },
    { fd => fileno(STDERR), events => $OUT },
);
my @names = ( ( map { ( "REP$_ ($T[$_-1])", "REQ$_ ($T[$_-1])" ) } 1 .. 3 ), 'STDOUT', 'STDERR' );

# Expected revents: %$state maps "rep1".."req3" to a revents value; unnamed sockets are 0,
# STDOUT and STDERR are POLLOUT.
sub expected {
    my ($state) = @_;
    return [ ( map { ( $state->{"rep$_"} || 0, $state->{"req$_"} || 0 ) } 1 .. 3 ), $OUT, $OUT ];
}

sub check_state {
    my ( $what, $state ) = @_;
    my $want = expected($state);
    my @got  = ZMQ::Rust::poll( \@items, 0 );
    is_deeply( \@got, $want, "$what: revents per item (list context)" )
        or diag join ', ', map {"$names[$_]=$got[$_]"} 0 .. $#got;
    my $n = ZMQ::Rust::poll( \@items, 0 );
    is( $n, scalar( grep {$_} @$want ), "$what: number of ready items (scalar context)" );
}

# Waits (bounded) until $socket has $events, by polling it alone.
sub await {
    my ( $socket, $events, $what ) = @_;
    my @r = ZMQ::Rust::poll( [ { socket => $socket, events => $events } ], 3000 );
    is( $r[0], $events, "$what arrived" );
}

subtest 'exactly the expected items are reported' => sub {
    check_state( 'idle', { req1 => $OUT, req2 => $OUT, req3 => $OUT } );

    $req[1]->send('q2');
    await( $rep[1], $IN, 'request on pair 2' );
    check_state( 'request on pair 2', { rep2 => $IN, req1 => $OUT, req3 => $OUT } );

    is( $rep[1]->recv, 'q2', 'REP2 receives it' );
    check_state( 'REP2 owes a reply', { rep2 => $OUT, req1 => $OUT, req3 => $OUT } );

    $rep[1]->send('a2');
    await( $req[1], $IN, 'reply on pair 2' );
    check_state( 'reply waiting on REQ2', { req2 => $IN, req1 => $OUT, req3 => $OUT } );

    is( $req[1]->recv, 'a2', 'REQ2 receives it' );
    check_state( 'idle again', { req1 => $OUT, req2 => $OUT, req3 => $OUT } );

    $req[$_]->send("q$_") for 0, 2;
    await( $rep[$_], $IN, "request on pair " . ( $_ + 1 ) ) for 0, 2;
    check_state( 'requests on pairs 1 and 3', { rep1 => $IN, rep3 => $IN, req2 => $OUT } );

    $req[1]->send('q2b');
    await( $rep[1], $IN, 'request on pair 2 too' );
    check_state( 'every REQ awaits a reply', { rep1 => $IN, rep2 => $IN, rep3 => $IN } );

    # Only POLLOUT asked of the REQs: none is ready, and a wait times out.
    my @req_out = map { { socket => $_, events => $OUT } } @req;
    my $t0      = time;
    my @r       = ZMQ::Rust::poll( \@req_out, 200 );
    my $el      = time - $t0;
    is_deeply( \@r, [ 0, 0, 0 ], 'no REQ is POLLOUT-ready while it awaits a reply' );
    cmp_ok( $el, '>=', 0.15, '... and poll waited for its timeout' );

    for my $k ( 0 .. 2 ) {
        $rep[$k]->recv;
        $rep[$k]->send("a$k");
        is( $req[$k]->recv, "a$k", "pair " . ( $k + 1 ) . ": round trip done" );
    }
    check_state( 'idle at the end', { req1 => $OUT, req2 => $OUT, req3 => $OUT } );
};

# Items that are never ready in this file unless a test sends: the REPs for POLLIN.
my @quiet = map { { socket => $_, events => $IN } } @rep;

subtest 'timeouts' => sub {
    my $t0 = time;
    my @r  = ZMQ::Rust::poll( \@quiet, 0 );
    my $el = time - $t0;
    is_deeply( \@r, [ 0, 0, 0 ], 'timeout 0: nothing ready' );
    cmp_ok( $el, '<', 0.1, 'timeout 0 returns at once' );

    $t0 = time;
    my $n = ZMQ::Rust::poll( \@quiet, 0 );
    is( $n, 0, 'timeout 0, scalar context: 0' );

    for my $ms ( 100, 400 ) {
        $t0 = time;
        $n  = ZMQ::Rust::poll( \@quiet, $ms );
        $el = time - $t0;
        is( $n, 0, "timeout $ms: 0 ready" );
        cmp_ok( $el, '>=', $ms / 1000 - 0.01, "timeout $ms: waited at least about $ms ms" );
        cmp_ok( $el, '<', $ms / 1000 + 1, "timeout $ms: and not much longer" );
    }

    $t0 = time;
    $n  = ZMQ::Rust::poll( [], 150 );
    $el = time - $t0;
    is( $n, 0, 'no items: 0' );
    cmp_ok( $el, '>=', 0.14, 'no items: still waits out the timeout, as zmq_poll does' );
};

subtest 'timeout -1 waits for a message from another process' => sub {
    for my $t (qw(tcp ipc)) {
        my $pull = sock( $ctx, ZMQ_PULL, 3000 );
        $pull->bind( any_ep($t) );
        my $endpoint = $pull->last_endpoint;
        my $child    = ZMQRTest::Proc->spawn( sub {
            my ($ch) = @_;
            my $c    = ZMQ::Rust->new( linger => 3000 );
            my $push = $c->socket(ZMQ_PUSH);
            $push->connect($endpoint);
            sleep 0.5;
            $push->send('wake up');
            $c->destroy;
        } );
        for my $timeout ( -1, undef ) {
            my $label = defined $timeout ? $timeout : 'undef';
            my $t0    = time;
            my @r     = ZMQ::Rust::poll( [ { socket => $pull, events => $IN } ], $timeout );
            my $el    = time - $t0;
            if ( defined $timeout ) {
                is_deeply( \@r, [$IN], "$t, timeout -1: returns when the message arrives" );
                cmp_ok( $el, '>=', 0.3, "$t, timeout -1: it did wait for it" );
                cmp_ok( $el, '<', 5, "$t, timeout -1: and woke up promptly" );
            }
            else {
                is_deeply( \@r, [$IN], "$t, timeout undef: ready at once (level-triggered)" );
                cmp_ok( $el, '<', 0.5, "$t, timeout undef: without waiting" );
            }
        }
        is( $pull->recv, 'wake up', "$t: the message" );
        my ($status) = $child->finish(10);
        is( $status, 0, "$t: the sender exited cleanly" );
        $pull->close;
    }
};

subtest 'timeout -1 waits for a message from another thread' => sub {
    plan skip_all => 'no interpreter threads' unless $HAVE_THREADS;
    my $endpoint = ep();
    my $pull     = sock( $ctx, ZMQ_PULL, 3000 );
    $pull->bind($endpoint);
    my $thr = threads->create( sub {
        my $push = $ctx->socket(ZMQ_PUSH);
        $push->connect($endpoint);
        sleep 0.5;
        $push->send('from a thread');
        $push->close;
        return 1;
    } );
    my $t0 = time;
    my @r  = ZMQ::Rust::poll( [ { socket => $pull, events => $IN } ], -1 );
    my $el = time - $t0;
    is_deeply( \@r, [$IN], 'returns when the message arrives' );
    cmp_ok( $el, '>=', 0.3, 'it did wait' );
    cmp_ok( $el, '<', 5, 'and woke up promptly' );
    is( $pull->recv, 'from a thread', 'the message' );
    ok( ( join_within( $thr, 10 ) )[0], 'the thread finished' );
    $pull->close;
};

subtest 'callbacks' => sub {
    pipe( my $pr, my $pw ) or die "pipe: $!";
    my %calls;    # name => [[arg, revents], ...]
    my $cb = sub {
        my ($name) = @_;
        return sub { push @{ $calls{$name} }, [@_] };
    };
    my @cbitems = (
        ( map { { socket => $rep[$_], events => $IN,  callback => $cb->( 'rep' . ( $_ + 1 ) ) } } 0 .. 2 ),
        ( map { { socket => $req[$_], events => $OUT, callback => $cb->( 'req' . ( $_ + 1 ) ) } } 0 .. 2 ),
        { fd => $pr,         events => $IN,  callback => $cb->('pipe handle') },
        { fd => fileno($pr), events => $IN,  callback => $cb->('pipe number') },
        { fd => \*STDOUT,    events => $OUT, callback => $cb->('stdout') },
    );

    $req[$_]->send("cb$_") for 0, 2;
    await( $rep[$_], $IN, "request on pair " . ( $_ + 1 ) ) for 0, 2;

    for my $round ( 1, 2 ) {
        %calls = ();
        my @r = ZMQ::Rust::poll( \@cbitems, 0 );
        is_deeply( \@r, [ $IN, 0, $IN, 0, $OUT, 0, 0, 0, $OUT ], "round $round: revents" );
        is_deeply( [ sort keys %calls ], [ sort 'rep1', 'rep3', 'req2', 'stdout' ],
            "round $round: exactly the ready items' callbacks ran" );
        is( scalar @{ $calls{$_} || [] }, 1, "round $round: $_ called once" ) for qw(rep1 rep3 req2 stdout);
        is( refaddr( $calls{rep1}[0][0] ), refaddr( $rep[0] ), "round $round: rep1's callback gets the socket" );
        is( $calls{rep1}[0][1], $IN, "round $round: ... and POLLIN" );
        is( refaddr( $calls{req2}[0][0] ), refaddr( $req[1] ), "round $round: req2's callback gets the socket" );
        is( $calls{req2}[0][1], $OUT, "round $round: ... and POLLOUT" );
        is( $calls{stdout}[0][0], \*STDOUT, "round $round: the fd callback gets the fd as given" );
    }

    # Scalar context runs them too.
    %calls = ();
    syswrite $pw, 'x';
    my $n = ZMQ::Rust::poll( \@cbitems, 1000 );
    is( $n, 6, 'scalar context: 6 ready (2 REPs, REQ2, the pipe twice, STDOUT)' );
    is_deeply( [ sort keys %calls ], [ sort 'rep1', 'rep3', 'req2', 'pipe handle', 'pipe number', 'stdout' ],
        'scalar context: their callbacks ran' );
    is( scalar @{ $calls{$_} }, 1, "scalar context: $_ called once" ) for keys %calls;
    is( $calls{'pipe handle'}[0][0], $pr, 'the pipe given as a handle: the callback gets the handle' );
    is( $calls{'pipe number'}[0][0], fileno($pr), 'the pipe given as a number: the callback gets the number' );
    is( $calls{'pipe handle'}[0][1], $IN, '... and POLLIN' );

    # Readiness that ends before the next call: no callback.
    sysread $pr, my $buf, 10;
    for my $k ( 0, 2 ) {
        $rep[$k]->recv;
        $rep[$k]->send('r');
        $req[$k]->recv;
    }
    %calls = ();
    my @r = ZMQ::Rust::poll( [ @cbitems[ 0 .. 2, 6, 7 ] ], 100 );
    is_deeply( \@r, [ 0, 0, 0, 0, 0 ], 'all quiet' );
    is_deeply( \%calls, {}, 'no callback for items that are not ready' );
    close $pr;
    close $pw;
};

subtest 'bad items croak' => sub {
    my $s = $rep[0];
    pipe( my $closed, my $other ) or die "pipe: $!";
    close $closed;
    close $other;
    my @bad = (
        [ 'a hash ref, not an item list' => sub { ZMQ::Rust::poll( { socket => $s, events => $IN }, 0 ) }, qr/usage/ ],
        [ 'an item that is not a hash'    => sub { ZMQ::Rust::poll( [ [ $s, $IN ] ], 0 ) },                  qr/item 0 must be a hash/ ],
        [ 'a plain string item'           => sub { ZMQ::Rust::poll( [ { socket => $s, events => $IN }, 'x' ], 0 ) }, qr/item 1 must be a hash/ ],
        [ 'an undef item'                 => sub { ZMQ::Rust::poll( [undef], 0 ) },                          qr/item 0 must be a hash/ ],
        [ 'no events'                     => sub { ZMQ::Rust::poll( [ { socket => $s } ], 0 ) },             qr/item 0 needs 'events'/ ],
        [ 'events not a number'           => sub { ZMQ::Rust::poll( [ { socket => $s, events => 'POLLIN' } ], 0 ) }, qr/item 0 needs 'events'/ ],
        [ 'neither socket nor fd'         => sub { ZMQ::Rust::poll( [ { events => $IN } ], 0 ) },            qr/item 0 needs a 'socket' or an 'fd'/ ],
        [ 'callback not code'             => sub { ZMQ::Rust::poll( [ { socket => $s, events => $IN, callback => 'main::f' } ], 0 ) }, qr/'callback' must be a code reference/ ],
        [ 'callback a hash'               => sub { ZMQ::Rust::poll( [ { socket => $s, events => $IN, callback => {} } ], 0 ) }, qr/'callback' must be a code reference/ ],
        [ 'socket not a socket'           => sub { ZMQ::Rust::poll( [ { socket => 'sock', events => $IN } ], 0 ) }, qr/'socket' must be a ZMQ::Rust::Socket/ ],
        [ 'socket a context'              => sub { ZMQ::Rust::poll( [ { socket => $ctx, events => $IN } ], 0 ) }, qr/'socket' must be a ZMQ::Rust::Socket/ ],
        [ 'fd negative'                   => sub { ZMQ::Rust::poll( [ { fd => -1, events => $IN } ], 0 ) },  qr/'fd' must be/ ],
        [ 'fd a word'                     => sub { ZMQ::Rust::poll( [ { fd => 'no such handle', events => $IN } ], 0 ) }, qr/'fd' must be/ ],
        [ 'fd a closed handle'            => sub { ZMQ::Rust::poll( [ { fd => $closed, events => $IN } ], 0 ) }, qr/'fd' must be/ ],
        [ 'timeout a word'                => sub { ZMQ::Rust::poll( [ { socket => $s, events => $IN } ], 'soon' ) }, qr/timeout/ ],
        [ 'timeout below -1'              => sub { ZMQ::Rust::poll( [ { socket => $s, events => $IN } ], -5 ) }, qr/timeout/ ],
    );
    for my $b (@bad) {
        my ( $name, $code, $re ) = @$b;
        my ( $err, $warn ) = caught($code);
        like( defined $err ? "$err" : 'no croak', $re, "$name croaks" );
        like( defined $err ? "$err" : '', qr/at \Q$0\E line/, "$name: reported at the caller's line" );
    }

    {
        my ($err) = caught( sub { ZMQ::Rust::poll( [ { socket => $s, fd => fileno(STDOUT), events => $IN } ], 0 ) } );
        like( defined $err ? "$err" : 'no croak', qr/item 0/, 'both socket and fd croaks' );
    }

    my $called = 0;
    my ( $err, $warn ) = caught( sub {
        ZMQ::Rust::poll( [ { socket => $req[0], events => $OUT, callback => sub { $called++ } }, { events => $IN } ], 0 );
    } );
    like( "$err", qr/item 1/, 'a bad item after a good one croaks' );
    is( $called, 0, '... before anything is polled or called back' );

    # events 0 is legal, as in zmq_poll: such an item is never ready.
    my @r = ZMQ::Rust::poll( [ { socket => $req[0], events => 0 }, { fd => \*STDOUT, events => 0 } ], 0 );
    is_deeply( \@r, [ 0, 0 ], 'events 0: accepted, never ready' );

    is_deeply( [ ZMQ::Rust::poll( [ { socket => $req[0], events => $OUT } ], 0 ) ], [$OUT],
        'poll still works after all that' );
};

subtest 'a closed socket in the set warns and is ignored' => sub {
    my ( $a, $b ) = bind_connect_at( $ctx, any_ep('inproc'), ZMQ_PAIR, ZMQ_PAIR );
    $b->send('pending');
    await( $a, $IN, 'a message for the soon closed socket' );
    $a->close;
    my $called = 0;
    my ( $err, $warn, @r ) = caught( sub {
        ZMQ::Rust::poll( [ { socket => $a, events => $INOUT, callback => sub { $called++ } },
                           { socket => $req[0], events => $OUT } ], 0 );
    } );
    is( $err, undef, 'no croak' );
    is_deeply( \@r, [ 0, $OUT ], 'the closed socket is not ready, the other one is' );
    is( scalar @$warn, 1, 'one warning' );
    like( $warn->[0] || '', qr/item 0 is a closed socket/, '... naming the item' );
    is( $called, 0, 'its callback is not called' );

    my $t0 = time;
    ( $err, $warn, @r ) = caught( sub { scalar ZMQ::Rust::poll( [ { socket => $a, events => $IN } ], 150 ) } );
    my $el = time - $t0;
    is( $err, undef, 'only a closed socket: no croak' );
    is_deeply( \@r, [0], '... 0 ready' );
    cmp_ok( $el, '>=', 0.14, '... after the timeout' );

    # Every socket of a destroyed context is closed: the same.
    my $c2 = ZMQ::Rust->new;
    my ( $x, $y ) = bind_connect_at( $c2, any_ep('tcp'), ZMQ_PAIR, ZMQ_PAIR );
    $c2->destroy;
    ( $err, $warn, @r ) = caught( sub {
        ZMQ::Rust::poll( [ { socket => $x, events => $INOUT }, { socket => $y, events => $INOUT } ], 0 );
    } );
    is( $err, undef, 'sockets of a destroyed context: no croak' );
    is_deeply( \@r, [ 0, 0 ], '... not ready' );
    is( scalar @$warn, 2, '... one warning each' );
    $b->close;
};

subtest 'poll croaks with ETERM when the context is shut down from another thread' => sub {
    plan skip_all => 'no interpreter threads' unless $HAVE_THREADS;
    my $c2  = ZMQ::Rust->new;
    my $thr = threads->create( { context => 'list' }, sub {
        my $s = $c2->socket(ZMQ_PULL);
        $s->bind( ep() );
        my $t0 = time;
        my $ok = eval { ZMQ::Rust::poll( [ { socket => $s, events => $IN } ], 10_000 ); 1 };
        my $e  = $@;
        my $el = time - $t0;
        $s->close;    # lets the main thread's destroy finish
        return ( $ok ? 'no error' : "$e", ( ref $e ? $e->errno : -1 ), ( ref $e ? $e->function : '' ), $el );
    } );
    sleep 0.4;
    my $t0 = time;
    $c2->destroy;
    my $destroy_took = time - $t0;
    my ( $joined, $msg, $errno, $func, $el ) = join_within( $thr, 15 );
    ok( $joined, 'the polling thread finished' );
    is( $errno, ETERM, 'poll failed with ETERM' ) or diag $msg;
    is( $func, 'zmq_poll', '... from zmq_poll' );
    like( $msg, qr/^zmq_poll: Context was terminated/, '... with the libzmq text' );
    cmp_ok( $el, '<', 5, '... promptly, not at its 10 s timeout' );
    cmp_ok( $destroy_took, '<', 5, 'destroy returned once the thread closed its socket' );
    {
        unlike( $msg, qr/Poller\.pm/, "the error names the caller's line, not Poller.pm" );
    }
};

subtest 'a raw pipe' => sub {
    pipe( my $r, my $w ) or die "pipe: $!";
    my @set = ( { fd => $r, events => $IN }, { fd => fileno($r), events => $IN }, { socket => $rep[0], events => $IN } );
    is_deeply( [ ZMQ::Rust::poll( \@set, 0 ) ], [ 0, 0, 0 ], 'empty pipe: not readable' );
    my $t0 = time;
    my $n  = ZMQ::Rust::poll( \@set, 100 );
    is( $n, 0, '... also after waiting' );
    syswrite $w, "data";
    is_deeply( [ ZMQ::Rust::poll( \@set, 0 ) ], [ $IN, $IN, 0 ], 'after a write: POLLIN (as handle and as number)' );

    # A writer in another process wakes a waiting poll.
    sysread $r, my $buf, 100;
    my $child = ZMQRTest::Proc->spawn( sub { sleep 0.3; syswrite $w, 'later' } );
    $t0 = time;
    my @rv = ZMQ::Rust::poll( \@set, 5000 );
    my $el = time - $t0;
    is_deeply( \@rv, [ $IN, $IN, 0 ], 'a write from another process wakes the poll' );
    cmp_ok( $el, '>=', 0.2, '... which waited for it' );
    cmp_ok( $el, '<', 4, '... and no longer' );
    $child->finish(5);
    sysread $r, $buf, 100;

    is_deeply( [ ZMQ::Rust::poll( [ { fd => $w, events => $OUT } ], 0 ) ], [$OUT], 'the write end: POLLOUT' );
    close $w;
    my @hup = ZMQ::Rust::poll( [ { fd => $r, events => $IN } ], 0 );
    ok( $hup[0] & ZMQ_POLLERR, 'the writer gone: POLLERR reported (hang-up), without asking' );
    close $r;
};

$ctx->destroy;
done_testing;
