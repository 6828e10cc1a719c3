#!/usr/bin/perl
# Wake-ups of a watched ZMQ_FD: how often the fd of a PULL socket that an AnyEvent loop
# watches (get_fd + AE::io) is written and read while a burst of messages arrives, per batch
# the loop drains, and what a drain costs per message.
#
#   perl -Mblib bench/fd_wakeups.pl                      # tcp, 10 000 messages, has_pollin drain
#   perl -Mblib bench/fd_wakeups.pl --transport inproc --drain eagain
#   perl -Mblib bench/fd_wakeups.pl --pace 100            # 1 ms pause every 100 messages
#   perl -Mblib bench/fd_wakeups.pl --no-strace           # the loop's own counts only
#
# Options: --transport inproc|ipc|tcp (tcp), --msgs N (10000), --drain pollin|eagain
# (`while ($s->has_pollin) { $s->recv }` or recv(ZMQ_DONTWAIT) until EAGAIN), --work US
# (microseconds of other work per wake-up, default 200), --pace K (the sender pauses 1 ms
# after every K messages, so that they arrive in many batches; default 0: one burst),
# --no-strace.
#
# The sender is a Perl thread (so that one traced process holds both ends; it shares the
# context for inproc) that sends the burst with no high-water mark. The script runs itself
# under `strace -f -e trace=read,write,eventfd2,close` and counts the read(2) and write(2)
# calls on the PULL's fd while it is open, by anyone: the sender or I/O thread
# that wakes the socket writes it, the socket reads it when a drain finds it empty. Tracing
# slows every call down, which changes how the arrivals bunch into batches; the counts per
# batch are what to look at.
use strict;
use warnings;
use Config;
use File::Temp qw(tempdir);
use FindBin ();
use lib "$FindBin::RealBin/lib";
use ZMQRBench qw(options);

my %o = (transport => 'tcp', msgs => 10_000, drain => 'pollin', work => 200, pace => 0);
options(\%o, "usage: $0 [--transport inproc|ipc|tcp] [--msgs N] [--drain pollin|eagain] "
    . "[--work US] [--pace K] [--no-strace]",
    'transport=s', 'msgs=i', 'drain=s', 'work=i', 'pace=i', 'no-strace', 'traced=s');
die "this needs a perl with ithreads\n" unless $Config{useithreads};

if (!$o{'no-strace'} && !$o{traced}) {
    my $dir = tempdir('zmqr-fdwake-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my @args = map { ("--$_", $o{$_}) } qw(transport msgs drain work pace);
    my @inc = map { "-I$_" } grep { !ref } @INC;
    system('strace', '-f', '-qq', '-e', 'trace=read,write,eventfd2,close', '-o', "$dir/trace", $^X, @inc, $0,
        @args, '--traced', $dir) == 0
        or die "strace failed (is it installed? try --no-strace)\n";
    open my $out, '<', "$dir/out" or die "no result from the traced run\n";
    my %r = map { chomp; split /=/, $_, 2 } <$out>;
    my ($writes, $reads) = (0, 0);
    open my $tr, '<', "$dir/trace" or die;
    my $open;    # from the eventfd's creation to its close (fd numbers are reused)
    while (<$tr>) {
        if (/\beventfd2\(.*\) = $r{fd}$/) { $open = 1; next }
        next unless $open;
        last if /\bclose\($r{fd}\)/;
        $writes++ if /\bwrite\($r{fd}, /;
        $reads++  if /\bread\($r{fd}, /;
    }
    printf "%s, %d messages%s, drain: %s, %d us of other work per wake-up (under strace)\n",
        $o{transport}, $o{msgs}, $o{pace} ? " (1 ms pause every $o{pace})" : ' in one burst',
        $o{drain}, $o{work};
    printf "  %d wake-ups of the loop, %d with messages (batches), %.1f messages per batch\n",
        $r{wakeups}, $r{batches}, $r{batches} ? $o{msgs} / $r{batches} : 0;
    printf "  fd %d: %d writes, %d reads = %.2f writes and %.2f reads per batch, %.4f system calls per message\n",
        $r{fd}, $writes, $reads, $writes / ($r{batches} || 1), $reads / ($r{batches} || 1),
        ($writes + $reads) / $o{msgs};
    exit 0;
}

require threads;
require AnyEvent;
require Time::HiRes;
require ZMQ::Rust;
ZMQ::Rust->import(qw(ZMQ_PUSH ZMQ_PULL ZMQ_DONTWAIT ZMQ_SNDHWM ZMQ_RCVHWM));

my $ctx  = ZMQ::Rust->new;
my $pull = $ctx->socket(ZMQ_PULL());
$pull->set(ZMQ_RCVHWM(), 'int', 0);
my $dir = tempdir('zmqr-fdwake-ipc-XXXXXX', TMPDIR => 1, CLEANUP => 1);
$pull->bind($o{transport} eq 'tcp' ? 'tcp://127.0.0.1:*'
    : $o{transport} eq 'ipc' ? "ipc://$dir/pull.sock"
    : "inproc://fd-wakeups-$$");
my $endpoint = $pull->last_endpoint;
my $fd       = $pull->get_fd;    # nothing else touched the socket

my ($got, $wakeups, $batches, $bad) = (0, 0, 0, 0);
my $cv = AnyEvent->condvar;
my $w  = AnyEvent->io(fh => $fd, poll => 'r', cb => sub {
    $wakeups++;
    my $n = 0;
    if ($o{drain} eq 'pollin') {
        while ($pull->has_pollin) {
            $bad++ unless $pull->recv eq $got;
            $got++;
            $n++;
        }
    }
    else {
        while (defined(my $m = eval { $pull->recv(ZMQ_DONTWAIT()) })) {
            $bad++ unless $m eq $got;
            $got++;
            $n++;
        }
    }
    $batches++ if $n;
    $cv->send if $got >= $o{msgs};
    Time::HiRes::sleep($o{work} / 1e6) if $o{work};    # the rest of the loop's work
});
my $timeout = AnyEvent->timer(after => 60, cb => sub { $cv->send });

my $n = $o{msgs};
my $thr = threads->create(sub {
    my $push = $ctx->socket(ZMQ_PUSH());
    $push->set(ZMQ_SNDHWM(), 'int', 0);
    $push->connect($endpoint);
    Time::HiRes::sleep(0.2);
    for my $i (0 .. $n - 1) {
        $push->send($i);
        Time::HiRes::sleep(0.001) if $o{pace} && ($i + 1) % $o{pace} == 0;
    }
    $push->set_linger(5000);
    $push->close;
    return 1;
});
$cv->recv;
$thr->join;
die "received $got of $o{msgs} ($bad out of order)\n" if $got != $o{msgs} || $bad;

if ($o{traced}) {
    open my $fh, '>', "$o{traced}/out" or die "$o{traced}/out: $!";
    print {$fh} "fd=$fd\nwakeups=$wakeups\nbatches=$batches\n";
}
else {
    printf "%s, %d messages, drain: %s: %d wake-ups, %d batches, %.1f messages per batch (fd %d)\n",
        $o{transport}, $o{msgs}, $o{drain}, $wakeups, $batches, $o{msgs} / ($batches || 1), $fd;
}
$ctx->destroy;
