use strict;
use warnings;

use Test::More;
use Errno qw(EAGAIN);
use File::Temp ();
use IO::Select ();
use POSIX ();
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_DONTWAIT ZMQ_SNDHWM ZMQ_RCVHWM ZMQ_RCVTIMEO);
use lib 't/lib';
use ZMQRTest qw(ep sock any_ep wait_for);
use ZMQRTest::Proc qw(join_within has_threads keep_ipc_dir);

keep_ipc_dir();    # see ZMQRTest::Proc and the last subtest

# get_fd (ZMQ_FD) with a plain select()/IO::Select and the documented contract: on wake-up,
# receive while has_pollin; check has_pollin/has_pollout again after every send or recv
# before waiting. Over inproc, ipc and tcp, with the other side in another process (or, for
# inproc, another thread).

alarm 90;    # backstop (no handler: a hang kills the test)

my $HAVE_THREADS = has_threads();
if ($HAVE_THREADS) { require threads; threads->import }

my $N = 10_000;

my $ctx = ZMQ::Rust->new;

sub readable {
    my ( $fd, $secs ) = @_;
    my $rin = '';
    vec( $rin, $fd, 1 ) = 1;
    my $n = select( my $rout = $rin, undef, undef, $secs );
    return $n > 0 ? 1 : 0;
}

# Starts a sender of @msgs to $endpoint: a forked process with its own context for tcp and
# ipc, a thread sharing $ctx for inproc. $delay: seconds to wait after connecting. Returns a
# sub that waits for the sender to finish and returns true if it did cleanly.
sub start_sender {
    my ( $t, $endpoint, $delay, @msgs ) = @_;
    if ( $t eq 'inproc' ) {
        my $thr = threads->create( sub {
            my $push = $ctx->socket(ZMQ_PUSH);
            $push->connect($endpoint);
            sleep $delay if $delay;
            $push->send($_) for @msgs;
            $push->close;    # inproc: what was handed over stays readable
            return 1;
        } );
        return sub { my ( $ok, $r ) = join_within( $thr, 20 ); $ok && $r };
    }
    my $child = ZMQRTest::Proc->spawn( sub {
        my $c    = ZMQ::Rust->new( linger => 10_000 );
        my $push = $c->socket(ZMQ_PUSH);
        $push->connect($endpoint);
        sleep $delay if $delay;
        $push->send($_) for @msgs;
        $c->destroy;    # waits until everything went out
    }, timeout => 30 );
    return sub { my ( $st, $to ) = $child->finish(20); !$to && $st == 0 };
}

for my $t (qw(inproc ipc tcp)) {
    subtest "$t: $N messages from another " . ( $t eq 'inproc' ? 'thread' : 'process' ) . ' via the fd' => sub {
        plan skip_all => 'inproc needs interpreter threads for a concurrent sender'
            if $t eq 'inproc' && !$HAVE_THREADS;
        my $pull = sock( $ctx, ZMQ_PULL, 3000 );
        $pull->bind( any_ep($t) );
        my $endpoint = $pull->last_endpoint;
        my $fd       = $pull->get_fd;
        ok( defined $fd && $fd >= 0, "get_fd: $fd" );
        is( $pull->get_fd, $fd, 'the same fd every time' );
        ok( defined POSIX::fstat($fd), 'an open file descriptor' );

        my $done = start_sender( $t, $endpoint, 0.1, 0 .. $N - 1 );
        my $sel  = IO::Select->new($fd);
        my ( $got, $out_of_order, $wakeups, $quiet_wakeups, $stalls ) = ( 0, 0, 0, 0, 0 );
        my $until = time + 25;
        while ( $got < $N && time < $until ) {
            my $n = 0;
            while ( $pull->has_pollin ) {    # checked again after every recv
                my $m = $pull->recv(ZMQ_DONTWAIT);
                $out_of_order++ unless $m eq $got;
                $got++;
                $n++;
            }
            last if $got >= $N;
            if ( $sel->can_read(2) ) {
                $wakeups++;
                $quiet_wakeups++ unless $pull->has_pollin;
            }
            elsif ( $pull->has_pollin ) {
                $stalls++;    # messages were waiting but the fd never said so
            }
        }
        is( $got, $N, "all $N messages received" );
        is( $out_of_order, 0, 'each once, in order' );
        is( $stalls, 0, 'no lost wake-up: the fd never stayed quiet while messages waited' );
        ok( $wakeups > 0, "the fd woke the reader ($wakeups times, $quiet_wakeups with nothing to read)" );
        my @extra = eval { $pull->recv(ZMQ_DONTWAIT) };
        is( scalar @extra, 0, 'nothing more' );
        ok( $done->(), 'the sender finished cleanly' );
        $pull->close;
    };
}

for my $t (qw(inproc ipc tcp)) {
    subtest "$t: the fd becomes readable when a message arrives while the reader waits" => sub {
        plan skip_all => 'inproc needs interpreter threads' if $t eq 'inproc' && !$HAVE_THREADS;
        my $pull = sock( $ctx, ZMQ_PULL, 3000 );
        $pull->bind( any_ep($t) );
        my $fd = $pull->get_fd;
        is( $pull->has_pollin, 0, 'nothing to read' );
        is( readable( $fd, 0.2 ), 0, 'the fd stays quiet while nothing happens' );
        my $done = start_sender( $t, $pull->last_endpoint, 0.6, 'ping' );
        my $t0   = time;
        my $r    = readable( $fd, 8 );
        my $el   = time - $t0;
        # A wake-up for the connection itself is legal; then the contract says: ask, wait again.
        while ( $r && !$pull->has_pollin && time - $t0 < 8 ) {
            $r  = readable( $fd, 8 - ( time - $t0 ) );
            $el = time - $t0;
        }
        is( $r, 1, 'the fd became readable' );
        is( $pull->has_pollin, 1, 'has_pollin says so' );
        cmp_ok( $el, '>=', 0.4, '... when the message came' );
        cmp_ok( $el, '<', 5, '... promptly' );
        is( $pull->recv(ZMQ_DONTWAIT), 'ping', 'the message' );
        is( $pull->has_pollin, 0, 'nothing more' );
        ok( $done->(), 'the sender finished' );
        $pull->close;
    };
}

# A PUSH at its high-water mark, the peer not reading: no POLLOUT, and the fd stays quiet;
# once the peer reads, the fd becomes readable and has_pollout is back.
for my $t (qw(inproc ipc tcp)) {
    subtest "$t: POLLOUT wake-up after HWM" => sub {
        plan skip_all => 'inproc needs interpreter threads' if $t eq 'inproc' && !$HAVE_THREADS;
        my $size = $t eq 'inproc' ? 10 : 16_384;
        my $body = 'x' x $size;
        my ( $go, $reader_done, $endpoint, $push );
        pipe( my $go_r, my $go_w ) or die "pipe: $!";
        $go_w->autoflush(1);
        if ( $t eq 'inproc' ) {
            $push = $ctx->socket(ZMQ_PUSH);
            $push->set( ZMQ_SNDHWM, 'int', 4 );
            $endpoint = ep();
            $push->bind($endpoint);
            my $thr = threads->create( sub {
                my $pull = $ctx->socket(ZMQ_PULL);
                $pull->set( ZMQ_RCVHWM, 'int', 4 );
                $pull->set( ZMQ_RCVTIMEO, 'int', 3000 );
                $pull->connect($endpoint);
                sysread $go_r, my $buf, 2;    # waits for the go
                sleep 0.5;                     # the writer is waiting on its fd by now
                my $n = 0;
                while (1) {
                    my $m = eval { $pull->recv } // last;
                    $n++;
                    last if $m eq 'END';
                }
                $pull->close;
                return $n;
            } );
            $reader_done = sub { my ( $ok, $n ) = join_within( $thr, 20 ); $n };
        }
        else {
            my $bind_to = any_ep($t);    # made here: the child must not make its own ipc_dir
            my $child   = ZMQRTest::Proc->spawn( sub {
                my ($ch) = @_;
                my $c    = ZMQ::Rust->new;
                my $pull = $c->socket(ZMQ_PULL);
                $pull->set( ZMQ_RCVHWM, 'int', 2 );
                $pull->set( ZMQ_RCVTIMEO, 'int', 5000 );
                $pull->bind($bind_to);
                $ch->put( 'bound', $pull->last_endpoint );
                sysread $go_r, my $buf, 2;
                sleep 0.5;
                my $n = 0;
                while (1) {
                    my $m = eval { $pull->recv } // last;
                    $n++;
                    last if $m eq 'END';
                }
                $ch->put( 'count', $n );
                $c->destroy;
            }, timeout => 30 );
            my ( $tag, $ep ) = $child->get(10);
            is( $tag, 'bound', 'the reader is up' ) or return;
            $endpoint = $ep;
            $push     = $ctx->socket(ZMQ_PUSH);
            $push->set( ZMQ_SNDHWM, 'int', 2 );
            $push->connect($endpoint);
            $reader_done = sub { my ( $tag, $n ) = $child->get(20); $child->finish(10); $tag && $tag eq 'count' ? $n : undef };
        }
        $push->set_linger(5000);

        # Fill: send until EAGAIN has lasted a while (the engine may still be moving
        # messages into the kernel's buffers).
        my ( $sent, $full_since ) = ( 0, undef );
        my $until = time + 15;
        while ( time < $until && $sent < 20_000 ) {
            if ( eval { $push->send( $body, ZMQ_DONTWAIT ); 1 } ) {
                $sent++;
                undef $full_since;
                next;
            }
            die $@ unless ref $@ && $@->errno == EAGAIN;
            $full_since //= time;
            last if time - $full_since > 0.3;
            sleep 0.02;
        }
        ok( $full_since, "the PUSH reached its HWM after $sent messages" ) or return;
        my $fd = $push->get_fd;
        is( $push->has_pollout, 0, 'has_pollout: 0 at HWM' );
        is_deeply( [ ZMQ::Rust::poll( [ { socket => $push, events => ZMQ::Rust::Constants::ZMQ_POLLOUT() } ], 0 ) ],
            [0], 'zmq_poll: no POLLOUT' );
        is( readable( $fd, 0.3 ), 0, 'the fd stays quiet while the peer does not read' );
        is( $push->has_pollout, 0, 'still no POLLOUT' );

        syswrite $go_w, "go";
        my $t0 = time;
        my ( $woke, $writable ) = ( 0, 0 );
        while ( time - $t0 < 8 ) {
            last if $writable = $push->has_pollout;    # asked before every wait
            $woke++ if readable( $fd, 8 - ( time - $t0 ) );
        }
        my $el = time - $t0;
        is( $writable, 2, 'has_pollout: 2 once the peer reads' );
        ok( $woke >= 1, "the fd woke the writer ($woke times)" );
        cmp_ok( $el, '>=', 0.3, 'once the peer started reading' );
        cmp_ok( $el, '<', 5, 'promptly' );
        ok( eval { $push->send( 'END', ZMQ_DONTWAIT ); 1 }, 'and a send goes through without blocking' );
        is( $reader_done->(), $sent + 1, 'the peer received every message' );
        $push->close;
    };
}

subtest 'closing an ipc listener leaves its directory alone' => sub {
    my $dir = File::Temp::tempdir( 'zmqr-own-XXXXXX', TMPDIR => 1, CLEANUP => 1 );
    for my $how (qw(close unbind)) {
        my $endpoint = "ipc://$dir/$how.sock";
        my $s        = $ctx->socket(ZMQ_PULL);
        $s->bind($endpoint);
        ok( -S "$dir/$how.sock", "$how: the socket file exists" );
        $how eq 'close' ? $s->close : $s->unbind($endpoint);
        wait_for( sub { !-e "$dir/$how.sock" }, 2000 );
        ok( !-e "$dir/$how.sock", "$how: the socket file is removed" );
        sleep 0.1;
        TODO: {
            ok( -d $dir, "$how: the (now empty) directory the application made is still there" );
        }
        mkdir $dir unless -d $dir;
        $s->close;
    }
};

$ctx->destroy;
done_testing;
