use strict;
use warnings;

use Test::More;

BEGIN {
    plan skip_all => 'AnyEvent is not installed' unless eval { require AnyEvent; 1 };
}
use AnyEvent;
use Errno qw(EAGAIN);
use Time::HiRes qw(time);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_ROUTER ZMQ_DEALER ZMQ_DONTWAIT);
use ZMQ::Rust::LibZMQ3;
use ZMQ::Rust::Constants qw(ZMQ_FD ZMQ_RCVMORE);
use lib 't/lib';
use ZMQRTest qw(any_ep);
use ZMQRTest::Proc qw(keep_ipc_dir);

# get_fd (ZMQ_FD) wakes an event loop whose watcher was attached before anything else touched
# the socket: no EVENTS read, no recv. This is the pattern of ZMQ::FFI's t/fd.t and of
# ZMQ::LibZMQ3's t/006_anyevent.t and t/rt64944.t:
#
#     my $fd = $pull->get_fd;
#     my $w  = AE::io $fd, 0, sub { while ($pull->has_pollin) { ... $pull->recv ... } };
#
# It must fire for the first message and again for every later arrival after the application
# drained the socket (with a has_pollin loop or with recv(DONTWAIT) until EAGAIN), go quiet
# once drained (a level-triggered loop must not spin), and a watcher created later on a socket
# that still holds unread messages must fire (a broker that stops watching its frontend while
# no worker is free). With AnyEvent and IO::Async, over inproc, ipc and tcp; the peer is a
# socket driven by the loop's timers or a forked process.

alarm 150;    # backstop (no handler: a hang kills the test); every wait below has a timeout
keep_ipc_dir();

AnyEvent::detect();
note "AnyEvent model: $AnyEvent::MODEL";

my $HAVE_IO_ASYNC = eval { require IO::Async::Loop; 1 };

my $TIMEOUT = 6;    # seconds a scenario may take before the test fails

# ---- two event loops behind one small interface ------------------------------------------

{
    package FdLoopGuard;
    sub new     { bless { code => $_[1] }, $_[0] }
    sub DESTROY { my $c = delete $_[0]{code}; $c->() if $c }
}

# watch($fd, $cb): a read watcher (guard object); after($secs, $cb): a one-shot timer (guard);
# run($secs, $start): calls $start->($done) and runs the loop until $done->($word) is called,
# returning $word, or 'timeout' after $secs.
my %LOOP = (
    AnyEvent => {
        watch => sub { my ( $fd, $cb ) = @_; AE::io( $fd, 0, $cb ) },
        after => sub { my ( $secs, $cb ) = @_; AE::timer( $secs, 0, $cb ) },
        run   => sub {
            my ( $secs, $start ) = @_;
            my $cv = AE::cv;
            my $t  = AE::timer( $secs, 0, sub { $cv->send('timeout') } );
            $start->( sub { $cv->send( $_[0] ) } );
            return $cv->recv;
        },
    },
);
if ($HAVE_IO_ASYNC) {
    my $loop = IO::Async::Loop->new;
    note 'IO::Async loop: ' . ref $loop;
    $LOOP{'IO::Async'} = {
        watch => sub {
            my ( $fd, $cb ) = @_;
            # IO::Async wants a handle: a duplicate, so that closing it leaves the socket's
            # fd alone (both name the same file, so readiness is the same).
            open my $fh, '<&', $fd or die "dup $fd: $!";
            $loop->watch_io( handle => $fh, on_read_ready => $cb );
            return FdLoopGuard->new( sub { $loop->unwatch_io( handle => $fh, on_read_ready => 1 ); close $fh } );
        },
        after => sub {
            my ( $secs, $cb ) = @_;
            my $fired;
            my $id = $loop->watch_time( after => $secs, code => sub { $fired = 1; $cb->() } );
            return FdLoopGuard->new( sub { $loop->unwatch_time($id) unless $fired } );
        },
        run => sub {
            my ( $secs, $start ) = @_;
            my ( $result, $stopped );
            my $done = sub { return if $stopped++; $result = $_[0]; $loop->stop };
            my $id = $loop->watch_time( after => $secs, code => sub { $done->('timeout') } );
            $start->($done);
            $loop->run;
            $loop->unwatch_time($id) unless $result eq 'timeout';
            return $result;
        },
    };
}
my @LOOPS = sort keys %LOOP;

# ---- the receiving side: three ways to find the fd and drain the socket ------------------

# Each returns (fd, drain) where drain receives what is there now and returns the messages.
my %DRAIN = (
    # ZMQ::FFI's t/fd.t: while ($s->has_pollin) { $s->recv }
    has_pollin => sub {
        my ($s) = @_;
        my $fd = $s->get_fd;
        return ( $fd, sub { my @m; push @m, $s->recv while $s->has_pollin; @m } );
    },
    # recv(ZMQ_DONTWAIT) until EAGAIN, no EVENTS read at all.
    until_eagain => sub {
        my ($s) = @_;
        my $fd = $s->get_fd;
        return (
            $fd,
            sub {
                my @m;
                while (1) {
                    my $m = eval { $s->recv(ZMQ_DONTWAIT) };
                    if ( !defined $m ) {
                        die $@ unless ref $@ && $@->errno == EAGAIN;
                        return @m;
                    }
                    push @m, $m;
                }
            } );
    },
    # ZMQ::LibZMQ3's t/006_anyevent.t: zmq_getsockopt($s, ZMQ_FD) and
    # while (my $msg = zmq_recvmsg($s, ZMQ_RCVMORE)) (13 as flags: non-blocking).
    libzmq3 => sub {
        my ($s) = @_;
        my $fd = zmq_getsockopt( $s, ZMQ_FD );
        return (
            $fd,
            sub {
                my @m;
                while ( my $msg = zmq_recvmsg( $s, ZMQ_RCVMORE ) ) { push @m, zmq_msg_data($msg) }
                @m;
            } );
    },
);

# ---- peers: three messages 0.1 s apart, each sent after the previous one was received -----

# Sends m1 0.1 s after start, and m(i+1) 0.1 s after the receiver reported m(i). Returns an
# object with next() (the receiver got one) and finish() (true if the peer ended cleanly).
sub timer_peer {
    my ( $L, $connect_and_send ) = @_;
    my ( $n, $t ) = ( 0, undef );
    my $send_next = sub { $n++; $t = $L->{after}->( 0.1, sub { $connect_and_send->("m$n") } ) };
    $send_next->();
    return { next => sub { $send_next->() if $n < 3 }, finish => sub { undef $t; 1 } };
}

sub fork_peer {
    my ($endpoint) = @_;
    my $child = ZMQRTest::Proc->spawn( sub {
        my ($ch) = @_;
        my $c    = ZMQ::Rust->new( linger => 5000 );
        my $push = $c->socket(ZMQ_PUSH);
        $push->connect($endpoint);
        for my $i ( 1 .. 3 ) {
            select undef, undef, undef, 0.1;
            $push->send("m$i");
            my ($w) = $ch->get(10);
            die "no word from the receiver after m$i\n" unless defined $w && $w eq 'next';
        }
        $c->destroy;
        $ch->put('sent');
    }, timeout => 30 );
    return {
        next   => sub { $child->put('next') },
        finish => sub {
            my @w = $child->get(10);
            my ( $st, $to ) = $child->finish(10);
            return @w && $w[0] eq 'sent' && !$to && $st == 0;
        },
    };
}

# One scenario: a PULL bound at $transport, its fd watched from the start, a peer sending
# three messages; the watcher must see each one and then go quiet.
sub arrivals {
    my ( $loop, $drain, $transport, $peer_kind ) = @_;
    my $L = $LOOP{$loop};
    my ( $pull, $fd, $recv, $make_peer, $close );
    if ( $drain eq 'libzmq3' ) {
        my $c = zmq_init();
        $pull = zmq_socket( $c, ZMQ_PULL );
        zmq_bind( $pull, any_ep($transport) ) == 0 or die "bind: $!";
        my $endpoint = zmq_getsockopt( $pull, ZMQ::Rust::Constants::ZMQ_LAST_ENDPOINT() );
        ( $fd, $recv ) = $DRAIN{$drain}->($pull);
        $make_peer = $peer_kind eq 'fork' ? sub { fork_peer($endpoint) } : sub {
            my $push;
            timer_peer( $L, sub {
                $push //= do { my $p = zmq_socket( $c, ZMQ_PUSH ); zmq_connect( $p, $endpoint ); $p };
                zmq_sendmsg( $push, $_[0] );
            } );
        };
        $close = sub { zmq_close($pull); zmq_term($c) };
    }
    else {
        my $c = ZMQ::Rust->new;
        $pull = $c->socket(ZMQ_PULL);
        $pull->bind( any_ep($transport) );
        my $endpoint = $pull->last_endpoint;
        ( $fd, $recv ) = $DRAIN{$drain}->($pull);
        $make_peer = $peer_kind eq 'fork' ? sub { fork_peer($endpoint) } : sub {
            my $push;
            timer_peer( $L, sub {
                $push //= do { my $p = $c->socket(ZMQ_PUSH); $p->connect($endpoint); $p };
                $push->send( $_[0] );
            } );
        };
        $close = sub { $c->destroy };
    }
    ok( defined $fd && $fd >= 0, "the fd ($fd), taken before anything else touched the socket" );

    my ( @got, $peer, $done );
    my $calls = 0;
    my $w = $L->{watch}->( $fd, sub {
        $calls++;
        for my $m ( $recv->() ) {
            push @got, $m;
            $peer->{next}->();
            $done->('done') if @got == 3;
        }
    } );
    my $t0 = time;
    my $r  = $L->{run}->( $TIMEOUT, sub { $done = shift; $peer = $make_peer->() } );
    is( $r, 'done', 'the watcher fired for each of the three arrivals' )
        or diag "received: @got";
    is_deeply( \@got, [qw(m1 m2 m3)], 'each message once, in order' );
    my $busy = $calls;
    cmp_ok( $busy, '<', 60, "no busy loop while they came ($calls callbacks in " . sprintf( '%.2f s)', time - $t0 ) );

    # Drained: a level-triggered loop must not keep firing. A forked peer leaves meanwhile,
    # and its connection's end reaches the socket as commands, each of which may make the fd
    # readable once (state changed, as in libzmq); a loop spinning on a readable fd would
    # call back thousands of times.
    $calls = 0;
    $L->{run}->( 0.3, sub { } );
    cmp_ok( $calls, '<=', 3, "the fd goes quiet once drained ($calls callbacks in 0.3 s)" );
    ok( $peer->{finish}->(), 'the peer finished cleanly' );
    undef $w;
    $close->();
}

# The load-balancing broker: one message per free worker; no free worker, no frontend watch;
# a worker frees up 0.1 s later and the frontend is watched again (fd asked for again, as
# such code does) while it still holds unread messages.
sub later_watcher {
    my ( $loop, $transport, $type ) = @_;
    my $L = $LOOP{$loop};
    my $c = ZMQ::Rust->new;
    my $front = $c->socket($type);
    $front->bind( any_ep($transport) );
    my $endpoint = $front->last_endpoint;
    my ( @got, @timers, $w, $watch, $done, $client );
    my $free = 1;
    $watch = sub {
        $w = $L->{watch}->( $front->get_fd, sub {
            while ( $free > 0 && $front->has_pollin ) {
                my @m = $front->recv_multipart(ZMQ_DONTWAIT);
                push @got, $m[-1];
                $free--;
                push @timers, $L->{after}->( 0.1, sub { $free++; $watch->() unless $w } );
                $done->('done') if @got == 5;
            }
            undef $w unless $free > 0;    # stop watching the frontend
        } );
    };
    $front->has_pollin;    # libzmq's contract: ask before the first wait
    $watch->();
    my $r = $L->{run}->( $TIMEOUT, sub {
        $done = shift;
        # The clients: five requests at once, once the broker is watching.
        push @timers, $L->{after}->( 0.05, sub {
            $client = $c->socket( $type == ZMQ_ROUTER ? ZMQ_DEALER : ZMQ_PUSH );
            $client->connect($endpoint);
            $client->send("r$_") for 1 .. 5;
        } );
    } );
    is( $r, 'done', 'each re-created watcher fired for the messages still waiting' )
        or diag "received: @got";
    is_deeply( \@got, [ map {"r$_"} 1 .. 5 ], 'all five requests, in order' );
    undef $w;
    @timers = ();
    $c->destroy;
}

for my $loop (@LOOPS) {
    for my $transport (qw(inproc ipc tcp)) {
        for my $drain ( sort keys %DRAIN ) {
            next if $drain eq 'libzmq3' && $loop ne 'AnyEvent';    # the upstream idiom is AE's
            for my $peer ( $transport eq 'inproc' ? ('timers') : qw(timers fork) ) {
                subtest "$loop, $transport: get_fd wakes a watcher attached before anything else "
                    . "touched the socket (drain: $drain; peer: $peer)" => sub {
                    arrivals( $loop, $drain, $transport, $peer );
                };
            }
        }
        for my $type ( [ ZMQ_ROUTER, 'ROUTER' ], [ ZMQ_PULL, 'PULL' ] ) {
            subtest "$loop, $transport: a watcher created later on a $type->[1] that still holds "
                . 'unread messages fires (broker)' => sub {
                later_watcher( $loop, $transport, $type->[0] );
            };
        }
    }
}
note 'IO::Async is not installed: AnyEvent only' unless $HAVE_IO_ASYNC;

done_testing;
