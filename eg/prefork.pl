#!/usr/bin/env perl
# A prefork worker pool behind a ZeroMQ broker.
#
#   perl -Mblib eg/prefork.pl [--workers N] [--requests M] [--idle SECS] BROKER
#   e.g. perl -Mblib eg/prefork.pl --workers 3 --requests 10 tcp://127.0.0.1:5560
#
# The parent makes no context, binds nothing and connects nowhere: it forks N workers
# (default 3) and waits for them. Each worker creates its own ZMQ::Rust context (a context
# inherited across fork cannot be used in the child; see "FORK AND THREADS" in ZMQ::Rust),
# connects a REP socket to BROKER, answers M requests (default 10) with
# "worker I (pid P): REQUEST" and exits. A worker that waits more than SECS (default 30) for
# a request gives up and exits 1, so that a pool never outlives its broker for long.
#
# BROKER is the backend of a broker that shares requests out between the workers, e.g. a
# ROUTER (for clients' REQ sockets) and a DEALER (for the workers) joined by $ctx->proxy:
#
#   my $front = $ctx->socket(ZMQ_ROUTER); $front->bind('tcp://127.0.0.1:5559');
#   my $back  = $ctx->socket(ZMQ_DEALER); $back->bind('tcp://127.0.0.1:5560');
#   $ctx->proxy($front, $back);
#
# The DEALER hands requests to the connected workers in turn. The parent prints a line as
# each worker starts and ends, and exits 0 when every worker served its M requests
# (1 otherwise, 2 on a usage error). SIGINT or SIGTERM to the parent stops the workers too.
# t/81-prefork.t runs it against such a broker.
use strict;
use warnings;
use Getopt::Long ();
use POSIX ();
use ZMQ::Rust qw(ZMQ_REP ZMQ_RCVTIMEO);

$| = 1;
my %opt = (workers => 3, requests => 10, idle => 30);
my $usage = "usage: $0 [--workers N] [--requests M] [--idle SECS] BROKER_ENDPOINT\n";
Getopt::Long::GetOptions(\%opt, 'workers=i', 'requests=i', 'idle=f') or die $usage;
my ($broker) = @ARGV;
unless (defined $broker && @ARGV == 1 && $broker =~ m{^\w+://.}
    && $opt{workers} > 0 && $opt{requests} > 0 && $opt{idle} > 0)
{
    print STDERR $usage;
    exit 2;
}

# One worker: everything ZeroMQ happens here, in the child.
sub worker {
    my ($n) = @_;
    # A LINGER so that the last reply leaves before the worker exits.
    my $ctx = ZMQ::Rust->new(linger => 2000);
    my $rep = $ctx->socket(ZMQ_REP);
    $rep->set(ZMQ_RCVTIMEO, 'int', int($opt{idle} * 1000));
    $rep->connect($broker);
    for my $i (1 .. $opt{requests}) {
        my $request = eval { $rep->recv };
        if (!defined $request) {
            printf "worker %d (pid %d): no request for %ss after serving %d, giving up\n",
                $n, $$, $opt{idle}, $i - 1;
            return 1;
        }
        $rep->send("worker $n (pid $$): $request");
    }
    print "worker $n (pid $$): served $opt{requests} requests\n";
    $rep->close;
    $ctx->destroy;
    return 0;
}

my %kids;    # pid => worker number
for my $n (1 .. $opt{workers}) {
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if (!$pid) {
        %kids = ();
        @SIG{qw(INT TERM)} = ('DEFAULT') x 2;
        my $rc = worker($n);    # its sockets are gone (delivered) once it returns
        exit $rc;
    }
    $kids{$pid} = $n;
    print "started worker $n (pid $pid)\n";
}

# Stop the workers with the parent.
@SIG{qw(INT TERM)} = (sub { kill 'TERM', keys %kids }) x 2;

my $failed = 0;
while (%kids) {
    my $pid = waitpid(-1, 0);
    last if $pid == -1;
    my $n = delete $kids{$pid};
    next unless defined $n;
    my $status = $? & 127 ? 'signal ' . ($? & 127) : 'status ' . ($? >> 8);
    $failed++ if $?;
    print "worker $n (pid $pid) exited with $status\n";
}
print $failed ? "$failed of $opt{workers} workers failed\n" : "all $opt{workers} workers done\n";
exit($failed ? 1 : 0);
