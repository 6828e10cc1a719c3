use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_REQ ZMQ_PAIR);
use lib 't/lib';
use ZMQRTest qw(start_perl timed);

# eg/prefork.pl against a broker: a ROUTER/DEALER $ctx->proxy_steerable in its own process.
# A client here sends requests through the broker; every worker must answer its share, and
# everything (workers, pool parent, broker) must exit. Each process has a hard timeout.

plan skip_all => 'fork is not available' if $^O eq 'MSWin32';

alarm 60;    # backstop for this process

my $SCRIPT = 'eg/prefork.pl';

# The broker: frontend ROUTER and backend DEALER on ephemeral tcp ports, a control PAIR. It
# prints "ready FRONT BACK CONTROL", then "workers N" once N workers (its first argument) have
# connected to the backend (watched through a monitor), and only then starts the proxy, so
# that the requests are shared out between all of them. TERMINATE on the control socket
# ends it: "terminated".
my $BROKER = <<'CODE';
use strict; use warnings;
use Time::HiRes qw(time);
use ZMQ::Rust qw(:all);
$| = 1;
my ($want) = @ARGV;
my $ctx   = ZMQ::Rust->new;
my $front = $ctx->socket(ZMQ_ROUTER);
$front->bind('tcp://127.0.0.1:*');
my $back = $ctx->socket(ZMQ_DEALER);
$back->monitor( 'inproc://backend-events', ZMQ_EVENT_HANDSHAKE_SUCCEEDED );
my $events = $ctx->socket(ZMQ_PAIR);
$events->set( ZMQ_RCVTIMEO, 'int', 10000 );
$events->connect('inproc://backend-events');
$back->bind('tcp://127.0.0.1:*');
my $control = $ctx->socket(ZMQ_PAIR);
$control->bind('tcp://127.0.0.1:*');
print join( ' ', 'ready', map { $_->last_endpoint } $front, $back, $control ), "\n";
my $n = 0;
while ( $n < $want ) {
    my ($event) = eval { $events->recv_event };
    die "only $n of $want workers connected\n" unless defined $event;
    $n++ if $event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
}
print "workers $n\n";
$ctx->proxy_steerable( $front, $back, undef, $control );
print "terminated\n";
$ctx->destroy;
CODE

# The fds of process $pid that are sockets or eventfds/epoll (what a context would open).
sub zmq_fds {
    my ($pid) = @_;
    opendir my $d, "/proc/$pid/fd" or return;
    return grep {/^socket:|eventfd|eventpoll/} map { readlink("/proc/$pid/fd/$_") // '' } grep {/^\d+$/} readdir $d;
}

sub run_pool {
    my ( $name, $workers, $requests, @opts ) = @_;
    my $broker = start_perl( $BROKER, args => [$workers], timeout => 18 );
    my ( $front, $back, $control ) = $broker->wait_output( qr/^ready (\S+) (\S+) (\S+)$/m, 10 );
    ok( $front, "$name: the broker is ready" ) or return diag $broker->stderr;

    my $pool = start_perl( undef, script => $SCRIPT, args => [ @opts, $back ], timeout => 15 );
    ok( $broker->wait_output( qr/^workers $workers$/m, 10 ), "$name: $workers workers connected to the broker" )
        or diag $broker->stderr, $pool->stderr;

    # The pool's parent holds no ZeroMQ socket, eventfd or epoll: it made no context.
    my @fds = -d '/proc/' . $pool->pid ? zmq_fds( $pool->pid ) : ();
    is( scalar @fds, 0, "$name: the pool's parent has no context of its own" ) or diag "@fds";

    my $ctx = ZMQ::Rust->new;
    my $req = timed( $ctx->socket(ZMQ_REQ), 5000 );
    $req->connect($front);
    my ( %by_pid, %by_worker, @bad );
    for my $i ( 1 .. $workers * $requests ) {
        my $reply = eval { $req->send("request $i"); $req->recv };
        if ( !defined $reply ) {
            push @bad, "request $i: no reply ($@)";
            last;
        }
        if ( $reply =~ /^worker (\d+) \(pid (\d+)\): request $i$/ ) {
            $by_worker{$1}++;
            $by_pid{$2}++;
        }
        else {
            push @bad, "request $i: '$reply'";
        }
    }
    is( "@bad", '', "$name: every request got its own reply" );
    is_deeply( \%by_worker, { map { $_ => $requests } 1 .. $workers },
        "$name: each of the $workers workers answered $requests" );
    is( scalar keys %by_pid, $workers, "$name: $workers different processes answered" );

    my ( $status, $out, $err, $secs, $timed_out ) = $pool->finish(10);
    ok( !$timed_out, "$name: the pool exited by itself" );
    is( $status, 0, "$name: ... with status 0" ) or diag $err;
    is( $err, '', "$name: ... nothing on stderr" );
    ok( !$pool->leftovers, "$name: ... and left no process behind" );
    for my $w ( 1 .. $workers ) {
        like( $out, qr/^started worker $w \(pid \d+\)$/m, "$name: worker $w started" );
        like( $out, qr/^worker $w \(pid \d+\): served $requests requests$/m, "$name: worker $w served $requests" );
        like( $out, qr/^worker $w \(pid \d+\) exited with status 0$/m, "$name: worker $w exited 0" );
    }
    like( $out, qr/^all $workers workers done$/m, "$name: the parent reports all done" );
    ok( !kill( 0, $_ ), "$name: worker $_ is gone" ) for sort keys %by_pid;

    my $ctl = timed( $ctx->socket(ZMQ_PAIR), 5000 );
    $ctl->connect($control);
    $ctl->send('TERMINATE');
    ( $status, $out, $err, $secs, $timed_out ) = $broker->finish(10);
    ok( !$timed_out, "$name: the broker ended on TERMINATE" );
    is( $status, 0, "$name: ... with status 0" ) or diag $err;
    like( $out, qr/^terminated$/m, "$name: ... after its proxy returned" );
    is( $err, '', "$name: ... nothing on stderr" );
    $ctx->destroy;
}

run_pool( 'default pool (3 workers)', 3, 4, '--requests', 4 );
run_pool( '5 workers', 5, 2, '--workers', 5, '--requests', 2 );

{
    # Nothing to serve: the workers give up after --idle and everything still exits.
    my $t0   = time;
    my $pool = start_perl( undef, script => $SCRIPT, args => [ '--workers', 2, '--requests', 1, '--idle', 0.5, 'tcp://127.0.0.1:' . ZMQRTest::free_tcp_port() ], timeout => 10 );
    my ( $status, $out, $err, $secs, $timed_out ) = $pool->finish;
    ok( !$timed_out, 'no broker: the pool exits by itself' );
    is( $status >> 8, 1, 'no broker: ... with status 1' );
    like( $out, qr/^worker 1 \(pid \d+\): no request for 0\.5s after serving 0, giving up$/m, 'no broker: worker 1 gave up' );
    like( $out, qr/^2 of 2 workers failed$/m, 'no broker: the parent says so' );
    cmp_ok( $secs, '<', 5, 'no broker: promptly' );
    ok( !$pool->leftovers, 'no broker: no process left behind' );

    ( $status, $out, $err ) = start_perl( undef, script => $SCRIPT, timeout => 10 )->finish;
    is( $status >> 8, 2, 'no arguments: exit status 2' );
    like( $err, qr/^usage: /, 'no arguments: usage on stderr' );
}

done_testing;
