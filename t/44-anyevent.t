use strict;
use warnings;

use Test::More;

BEGIN {
    plan skip_all => 'AnyEvent is not installed' unless eval { require AnyEvent; 1 };
}
use AnyEvent;
use Errno qw(EAGAIN);
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_REQ ZMQ_REP ZMQ_PAIR ZMQ_DONTWAIT);
use ZMQ::Rust::AnyEvent;
use lib 't/lib';
use ZMQRTest qw(sock any_ep bind_connect_at drain);
use ZMQRTest::Proc qw(keep_ipc_dir);

# ZMQ::Rust::AnyEvent->watch: one callback per message, none lost, none twice; replies sent
# from a callback; cancel; messages queued before the watch.

alarm 90;    # backstop (no handler: a hang kills the test)
keep_ipc_dir();    # see ZMQRTest::Proc

AnyEvent::detect();
note "AnyEvent model: $AnyEvent::MODEL";

my $N   = 10_000;
my $ctx = ZMQ::Rust->new;

# Runs the loop until $cv is sent or $secs pass; returns what was sent, or 'timeout'.
sub run_until {
    my ( $cv, $secs ) = @_;
    my $t = AE::timer( $secs, 0, sub { $cv->send('timeout') } );
    return $cv->recv;
}

# Runs the loop for $secs.
sub run_for {
    my ($secs) = @_;
    my $cv = AE::cv;
    my $t  = AE::timer( $secs, 0, sub { $cv->send } );
    $cv->recv;
}

# A watcher that checks the messages are "0", "1", ... and sends $cv when $n arrived.
sub counting_watch {
    my ( $socket, $n, $cv, $st ) = @_;
    %$st = ( got => 0, bad => 0, frames => 0 );
    return ZMQ::Rust::AnyEvent->watch( $socket, sub {
        my @frames = @_;
        $st->{frames}++ if @frames != 1;
        $st->{bad}++ unless $frames[0] eq $st->{got};
        $st->{got}++;
        $cv->send('done') if $st->{got} == $n;
    } );
}

subtest "inproc: $N messages, the sender in the same loop" => sub {
    my ( $pull, $push ) = bind_connect_at( $ctx, any_ep('inproc'), ZMQ_PULL, ZMQ_PUSH );
    my $cv = AE::cv;
    my %st;
    my $w    = counting_watch( $pull, $N, $cv, \%st );
    my $next = 0;
    my $eagain = 0;
    my $sender = AE::timer( 0, 0.001, sub {
        for ( 1 .. 2500 ) {    # more than the pipe holds: the sender meets the HWM
            last if $next >= $N;
            if ( eval { $push->send( $next, ZMQ_DONTWAIT ); 1 } ) { $next++ }
            else { die $@ unless $@->errno == EAGAIN; $eagain++; last }
        }
    } );
    my $t0 = time;
    is( run_until( $cv, 15 ), 'done', "all $N arrived" );
    note sprintf 'took %.2f s, %d times at HWM', time - $t0, $eagain;
    undef $sender;
    is( $st{got}, $N, "$N callbacks" );
    is( $st{bad}, 0, 'each message once, in order' );
    is( $st{frames}, 0, 'one frame each' );
    run_for(0.2);
    is( $st{got}, $N, 'no callback after the last message' );
    undef $w;
    $_->close for $pull, $push;
};

for my $t (qw(ipc tcp)) {
    subtest "$t: $N messages from a forked sender" => sub {
        my $pull = sock( $ctx, ZMQ_PULL );
        $pull->bind( any_ep($t) );
        my $endpoint = $pull->last_endpoint;
        my $cv       = AE::cv;
        my %st;
        my $w     = counting_watch( $pull, $N, $cv, \%st );
        my $child = ZMQRTest::Proc->spawn( sub {
            my ($ch) = @_;
            my $c    = ZMQ::Rust->new( linger => 10_000 );
            my $push = $c->socket(ZMQ_PUSH);
            $push->connect($endpoint);
            $push->send($_) for 0 .. $N - 1;
            $c->destroy;
            $ch->put('sent');
        }, timeout => 30 );
        my $t0 = time;
        is( run_until( $cv, 15 ), 'done', "all $N arrived" );
        note sprintf 'took %.2f s', time - $t0;
        is( $st{got}, $N, "$N callbacks" );
        is( $st{bad}, 0, 'each message once, in order' );
        # (The loop may reap the child itself, e.g. EV: its report is what counts.)
        is_deeply( [ $child->get(10) ], ['sent'], 'the sender finished cleanly' );
        $child->finish(10);
        run_for(0.2);
        is( $st{got}, $N, 'no callback after the last message' );
        undef $w;
        $pull->close;
    };
}

for my $t (qw(inproc tcp)) {
    subtest "$t: REQ/REP ping-pong, replies sent from the callbacks" => sub {
        my ( $rep, $req ) = bind_connect_at( $ctx, any_ep($t), ZMQ_REP, ZMQ_REQ );
        my $rounds = 1000;
        my $cv     = AE::cv;
        my ( $served, $answered, $bad ) = ( 0, 0, 0 );
        my $wrep = ZMQ::Rust::AnyEvent->watch( $rep, sub {
            my ($m) = @_;
            $bad++ unless $m eq "ping $served";
            $served++;
            $rep->send("pong $m");
        } );
        my $wreq = ZMQ::Rust::AnyEvent->watch( $req, sub {
            my ($m) = @_;
            $bad++ unless $m eq "pong ping $answered";
            $answered++;
            if   ( $answered < $rounds ) { $req->send("ping $answered") }
            else                         { $cv->send('done') }
        } );
        $req->send('ping 0');
        my $t0 = time;
        is( run_until( $cv, 15 ), 'done', "$rounds round trips inside the loop" );
        note sprintf 'took %.2f s', time - $t0;
        is( $served,   $rounds, 'REP served each request once' );
        is( $answered, $rounds, 'REQ got each reply once' );
        is( $bad, 0, 'in order' );
        undef $_ for $wrep, $wreq;
        $_->close for $rep, $req;
    };
}

subtest 'cancel stops the callbacks' => sub {
    my ( $pull, $push ) = bind_connect_at( $ctx, any_ep('tcp'), ZMQ_PULL, ZMQ_PUSH );
    my @got;
    my $cv = AE::cv;
    my $w  = ZMQ::Rust::AnyEvent->watch( $pull, sub { push @got, $_[0]; $cv->send('done') if @got == 5 } );
    $push->send("a$_") for 1 .. 5;
    is( run_until( $cv, 5 ), 'done', 'five arrived' );
    $w->cancel;
    $push->send("b$_") for 1 .. 5;
    run_for(0.4);
    is_deeply( \@got, [ map {"a$_"} 1 .. 5 ], 'nothing after cancel' );
    is_deeply( drain($pull), [ map {"b$_"} 1 .. 5 ], 'the later messages are still in the socket' );
    $w->cancel;
    pass('cancel twice is harmless');

    # Dropping the watcher ends it too.
    @got = ();
    $cv  = AE::cv;
    $w   = ZMQ::Rust::AnyEvent->watch( $pull, sub { push @got, $_[0]; $cv->send('done') } );
    $push->send('c1');
    is( run_until( $cv, 5 ), 'done', 'a new watch receives' );
    undef $w;
    $push->send('c2');
    run_for(0.3);
    is_deeply( \@got, ['c1'], 'nothing once the watcher is gone' );
    is_deeply( drain($pull), ['c2'], '... the message waits in the socket' );

    # Cancelled from inside its callback: no further callback, even for messages already there.
    $push->send("d$_") for 1 .. 10;
    sleep 0.2;
    @got = ();
    $w   = ZMQ::Rust::AnyEvent->watch( $pull, sub { push @got, $_[0]; $w->cancel if @got == 3 } );
    run_for(0.5);
    is_deeply( \@got, [qw(d1 d2 d3)], 'cancel from the callback stops at once' );
    is_deeply( drain($pull), [ map {"d$_"} 4 .. 10 ], 'the rest is still in the socket' );
    undef $w;
    $_->close for $pull, $push;
};

subtest 'messages queued before watch() are delivered' => sub {
    for my $t (qw(inproc ipc tcp)) {
        my ( $pull, $push ) = bind_connect_at( $ctx, any_ep($t), ZMQ_PULL, ZMQ_PUSH );
        $push->send_multipart( [ "m$_", 'second frame' ] ) for 1 .. 7;
        # Let them reach the PULL (its fd may have fired and been drained long before the
        # watch starts).
        sleep 0.2;
        $pull->has_pollin;
        my @got;
        my $cv = AE::cv;
        my $w  = ZMQ::Rust::AnyEvent->watch( $pull, sub { push @got, [@_]; $cv->send('done') if @got == 7 } );
        is( run_until( $cv, 3 ), 'done', "$t: all seven delivered without further traffic" );
        is_deeply( \@got, [ map { [ "m$_", 'second frame' ] } 1 .. 7 ], "$t: whole messages, in order" );
        undef $w;
        $_->close for $pull, $push;
    }
};

subtest 'watch validates its arguments' => sub {
    my $s = $ctx->socket(ZMQ_PAIR);
    ok( !eval { ZMQ::Rust::AnyEvent->watch( $s, 'not code' ); 1 }, 'a callback that is not code croaks' );
    like( $@, qr/usage/, '... with the usage' );
    ok( !eval { ZMQ::Rust::AnyEvent->watch( 'socket', sub { } ); 1 }, 'a non-socket croaks' );
    $s->close;
};

$ctx->destroy;
done_testing;
