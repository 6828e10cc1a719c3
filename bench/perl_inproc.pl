#!/usr/bin/perl
# inproc benchmarks of a Perl ZeroMQ binding: ZMQ::Rust (default) or ZMQ::FFI (--impl ffi).
# Run by bench/run.pl; by hand: perl -Mblib bench/perl_inproc.pl [OPTIONS]
#
# Output: one line per measurement, "NAME key=value ..." (same keys as the Rust example and
# the C harness), with impl=perl-zmq-rust or impl=perl-zmq-ffi:
#
#   loop     the Perl send+recv loop: one thread sends a batch of --batch messages (blocking
#            sends; the batch stays below the HWM so none blocks), then receives them, and
#            repeats. msgs_per_sec counts messages that were both sent and received by the
#            script; send_ns and recv_ns are the time of the send phases and of the receive
#            phases divided by the messages (the per-call cost, loop overhead included).
#   req_rep  mode=one_thread: REQ and REP in the same thread (REQ send, REP recv, REP send,
#            REQ recv = one round trip). mode=threads: the REP socket runs in a Perl ithread
#            (threads.pm). us_per_rt is one full round trip.
#   multipart mode=one_thread: the loop with messages of --frames frames of SIZE bytes,
#            $push->send_multipart(\@frames) and $pull->recv_multipart; msgs_per_sec counts
#            whole messages, send_ns/recv_ns are per send_multipart/recv_multipart call.
#   fanout   mode=one_thread: one PUB and --subs SUB sockets subscribed to "", SNDHWM =
#            RCVHWM = 0 (no limit). Empty warm-up messages until every subscriber has one
#            (the extra ones are then drained), then the loop: publish a batch, each
#            subscriber receives it. msgs_per_sec is messages delivered to each subscriber
#            per second; send_ns per publish, recv_ns per receive.
#
# Options: --impl rust|ffi, --sizes 1,100,1024,65536, --msgs N, --max-mb M (same cap rule as
# the Rust and C programs; a multipart message counts --frames times its size), --batch K,
# --rt N, --rt-size B, --hwm N, --frames K (default 3), --subs S (default 2),
# --what loop,req_rep,multipart,fanout (req_rep is req_rep_one_thread plus req_rep_threads;
# multipart_one_thread and fanout_one_thread are accepted too).
use strict;
use warnings;
use Config qw(%Config);
use FindBin ();
use lib "$FindBin::RealBin/lib";
use ZMQRBench qw(options binding now set_hwm);

my %o = (
    impl   => 'rust',
    sizes  => '1,100,1024,65536',
    msgs   => 1_000_000,
    max_mb => 4096,
    batch  => 100,
    rt     => 100_000,
    rt_size => 100,
    frames => 3,
    subs   => 2,
    what   => 'loop,req_rep,multipart,fanout',
);
options(\%o, "usage: $0 [--impl rust|ffi] [--sizes LIST] [--msgs N] [--max-mb M] [--batch K] "
    . "[--rt N] [--rt-size B] [--hwm N] [--frames K] [--subs S] "
    . "[--what loop,req_rep_one_thread,req_rep_threads,multipart,fanout]",
    'impl=s', 'sizes=s', 'msgs=i', 'max_mb|max-mb=i', 'batch=i', 'rt=i', 'rt_size|rt-size=i',
    'hwm=i', 'what=s', 'frames=i', 'subs=i');
die "--msgs, --batch, --rt, --frames and --subs must be > 0\n"
    unless $o{msgs} > 0 && $o{batch} > 0 && $o{rt} > 0 && $o{frames} > 0 && $o{subs} > 0;
my %want = map { $_ => 1 } split /,/, $o{what};

my $B    = binding($o{impl});
my $IMPL = $B->{impl};
my %C    = %{ $B->{C} };
my $ctx  = $B->{new_ctx}->();
print $B->{version}->(), "\n";
$| = 1;

# Same rule as the Rust example and the C harness (at least 1000 messages).
sub count_for { ZMQRBench::count_for($o{msgs}, $o{max_mb}, $_[0], 1000) }

sub pair {
    my ($ta, $tb, $ep, $hwm) = @_;
    my $a = $ctx->socket($C{$ta});
    my $b = $ctx->socket($C{$tb});
    if ($hwm) {
        set_hwm($_, \%C, $o{hwm}) for $a, $b;
    }
    $a->bind($ep);
    $b->connect($ep);
    return ($a, $b);
}

sub send_recv_loop {
    my ($size) = @_;
    my $n = count_for($size);
    my $k = $o{batch} < $n ? $o{batch} : $n;
    my $rounds = int($n / $k);
    $n = $rounds * $k;
    my ($pull, $push) = pair('PULL', 'PUSH', "inproc://loop$size", 1);
    my $msg = "\x5a" x $size;
    my ($ts, $tr, $bad) = (0, 0, 0);
    my $t0 = now();
    for (1 .. $rounds) {
        my $a = now();
        $push->send($msg) for 1 .. $k;
        my $b = now();
        length($pull->recv) == $size or $bad++ for 1 .. $k;
        my $c = now();
        $ts += $b - $a;
        $tr += $c - $b;
    }
    my $s = now() - $t0;
    printf "loop impl=%s size=%d msgs=%d batch=%d secs=%.6f msgs_per_sec=%.0f send_ns=%.1f "
        . "recv_ns=%.1f bad=%d\n",
        $IMPL, $size, $n, $k, $s, $n / $s, $ts * 1e9 / $n, $tr * 1e9 / $n, $bad;
    $push->close;
    $pull->close;
}

sub req_rep_one_thread {
    my ($n, $size) = ($o{rt}, $o{rt_size});
    my ($rep, $req) = pair('REP', 'REQ', 'inproc://lat1', 0);
    my $msg = "\x5a" x $size;
    my $bad = 0;
    my $t0 = now();
    for (1 .. $n) {
        $req->send($msg);
        $rep->send($rep->recv);
        length($req->recv) == $size or $bad++;
    }
    my $s = now() - $t0;
    printf "req_rep impl=%s mode=one_thread size=%d rts=%d secs=%.6f us_per_rt=%.3f bad=%d\n",
        $IMPL, $size, $n, $s, $s * 1e6 / $n, $bad;
    $req->close;
    $rep->close;
}

sub req_rep_threads {
    my ($n, $size) = ($o{rt}, $o{rt_size});
    unless ($Config{useithreads}) {
        print "req_rep impl=$IMPL mode=threads skipped=no_ithreads\n";
        return;
    }
    require threads;
    my $ep = 'inproc://lat';
    # The REP socket is created in the thread (sockets cannot cross interpreters; the
    # context can). It binds; the REQ below may connect first (inproc allows it).
    my $thr = threads->create(sub {
        my $rep = $ctx->socket($C{REP});
        $rep->bind($ep);
        $rep->send($rep->recv) for 0 .. $n;    # one warm-up round trip, then n
        $rep->close;
        return 1;
    });
    my $req = $ctx->socket($C{REQ});
    $req->connect($ep);
    my $msg = "\x5a" x $size;
    my $bad = 0;
    $req->send($msg);    # warm-up: the thread is up and bound
    $req->recv;
    my $t0 = now();
    for (1 .. $n) {
        $req->send($msg);
        length($req->recv) == $size or $bad++;
    }
    my $s = now() - $t0;
    $thr->join;
    printf "req_rep impl=%s mode=threads size=%d rts=%d secs=%.6f us_per_rt=%.3f bad=%d\n",
        $IMPL, $size, $n, $s, $s * 1e6 / $n, $bad;
    $req->close;
}

sub multipart_loop {
    my ($size) = @_;
    my $f = $o{frames};
    my $n = count_for($size * $f);
    my $k = $o{batch} < $n ? $o{batch} : $n;
    my $rounds = int($n / $k);
    $n = $rounds * $k;
    my ($pull, $push) = pair('PULL', 'PUSH', "inproc://mploop$size", 1);
    my $frames = [("\x5a" x $size) x $f];
    my ($ts, $tr, $bad) = (0, 0, 0);
    my $t0 = now();
    for (1 .. $rounds) {
        my $a = now();
        $push->send_multipart($frames) for 1 .. $k;
        my $b = now();
        for (1 .. $k) {
            my @p = $pull->recv_multipart;
            $bad++ if @p != $f || grep { length != $size } @p;
        }
        my $c = now();
        $ts += $b - $a;
        $tr += $c - $b;
    }
    my $s = now() - $t0;
    printf "multipart impl=%s mode=one_thread frames=%d size=%d msgs=%d batch=%d secs=%.6f "
        . "msgs_per_sec=%.0f send_ns=%.1f recv_ns=%.1f bad=%d\n",
        $IMPL, $f, $size, $n, $k, $s, $n / $s, $ts * 1e9 / $n, $tr * 1e9 / $n, $bad;
    $push->close;
    $pull->close;
}

sub fanout_loop {
    my ($size) = @_;
    my $n = count_for($size);
    my $k = $o{batch} < $n ? $o{batch} : $n;
    my $rounds = int($n / $k);
    $n = $rounds * $k;
    my $ep = "inproc://fanloop$size";
    my $pub = $ctx->socket($C{PUB});
    set_hwm($pub, \%C, 0);
    $pub->bind($ep);
    my @subs = map {
        my $s = $ctx->socket($C{SUB});
        set_hwm($s, \%C, 0);
        $s->set($C{RCVTIMEO}, 'int', 10_000);    # a lost message fails the run, no hang
        $s->subscribe('');
        $s->connect($ep);
        $s
    } 1 .. $o{subs};
    # Warm-up: empty messages until every subscriber has one; then drop the extra ones.
    my %warm;
    my $deadline = now() + 10;
    while (keys %warm < @subs && now() < $deadline) {
        $pub->send('');
        for my $i (0 .. $#subs) {
            $warm{$i} = 1 if !$warm{$i} && eval { defined $subs[$i]->recv($C{DONTWAIT}) };
        }
    }
    for my $s (@subs) {
        1 while eval { defined $s->recv($C{DONTWAIT}) };
    }
    my $msg = "\x5a" x $size;
    my ($ts, $tr, $got, $bad) = (0, 0, 0, 0);
    my $t0 = now();
    eval {
        for (1 .. $rounds) {
            my $a = now();
            $pub->send($msg) for 1 .. $k;
            my $b = now();
            for my $s (@subs) {
                for (1 .. $k) {
                    length($s->recv) == $size or $bad++;
                    $got++;
                }
            }
            my $c = now();
            $ts += $b - $a;
            $tr += $c - $b;
        }
        1;
    } or warn "perl_inproc: fanout $size: recv: $@";
    my $s = now() - $t0;
    printf "fanout impl=%s mode=one_thread subs=%d size=%d msgs=%d batch=%d hwm=0 secs=%.6f "
        . "msgs_per_sec=%.0f send_ns=%.1f recv_ns=%.1f lost=%d bad=%d\n",
        $IMPL, scalar @subs, $size, $n, $k, $s, $n / $s, $ts * 1e9 / $n,
        $tr * 1e9 / ($n * @subs), $n * @subs - $got, $bad;
    $_->close for @subs;
    $pub->close;
}

if ($want{loop}) {
    send_recv_loop($_) for split /,/, $o{sizes};
}
req_rep_one_thread() if $want{req_rep} || $want{req_rep_one_thread};
req_rep_threads()    if $want{req_rep} || $want{req_rep_threads};
for my $size (split /,/, $o{sizes}) {
    multipart_loop($size) if $want{multipart} || $want{multipart_one_thread};
    fanout_loop($size)    if $want{fanout}    || $want{fanout_one_thread};
}
