#!/usr/bin/perl
# tcp:// and ipc:// benchmarks of a Perl ZeroMQ binding: ZMQ::Rust (default) or ZMQ::FFI
# (--impl ffi). Run by bench/run.pl; by hand: perl -Mblib bench/perl_net.pl [OPTIONS]
#
# The two ends are separate processes, as in rust/core/examples/bench_net.rs and
# bench/c/net_thr.c (and libzmq's local_thr/remote_thr): this process binds and measures, and
# starts a fresh perl running this script with --role send or --role echo, which connects.
# The child's stdin is a control pipe: "go" starts the sender, "done" lets it close, so the
# sender stays open until the receiver has every message. Both ends use the same binding.
#
# Output: one line per measurement, "NAME key=value ..." (same keys as the Rust example and
# the C harness), with impl=perl-zmq-rust or impl=perl-zmq-ffi:
#
#   push_pull  PULL (binds, here) and PUSH (child): one warm-up message, then the clock runs
#              from "go" to the last of --msgs messages received ($pull->recv; the sender
#              does $push->send($msg), each a copy into a new message). lost must be 0.
#   req_rep    REQ (binds, here) and an echoing REP (child: $rep->send($rep->recv)): one
#              warm-up round trip, then --rt timed ones; us_per_rt is a full round trip.
#   multipart  as push_pull, with messages of --frames frames ($push->send_multipart(\@frames)
#              in the child, --role send_multipart; $pull->recv_multipart here);
#              msgs_per_sec counts whole messages.
#   fanout     PUB (binds, here) and --subs SUB children (--role sub, one SUB socket each,
#              subscribed to ""), SNDHWM = RCVHWM = 0 (no limit: PUB drops nothing). A
#              child's stdout is a pipe back to us: "warm" when its first message arrives,
#              "got=G bytes=B bad=X" when it has all --msgs (or gave up). Empty warm-up
#              messages (every ms) until every child said "warm"; the clock runs from then
#              until every child has reported; msgs_per_sec is per subscriber, lost summed.
#
# Options: --impl rust|ffi, --transport tcp,ipc, --what push_pull,req_rep,multipart,fanout,
# --sizes 1,100,1024,65536,1048576, --msgs N, --max-mb M (same cap rule as the Rust and C
# programs: at most M MiB of payload, at least 100 messages; a multipart message counts
# --frames times its size), --rt N, --rt-size B, --hwm N, --frames K (default 3), --subs S
# (default 2), --timeout S.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use FindBin ();
use IO::Select;
use POSIX ();
use lib "$FindBin::RealBin/lib";
use ZMQRBench qw(options binding now);

my %o = (
    impl      => 'rust',
    transport => 'tcp,ipc',
    what      => 'push_pull,req_rep,multipart,fanout',
    sizes     => '1,100,1024,65536,1048576',
    msgs      => 1_000_000,
    max_mb    => 4096,
    rt        => 20_000,
    rt_size   => 100,
    timeout   => 120,
    frames    => 3,
    subs      => 2,
);
options(\%o, "usage: $0 [--impl rust|ffi] [--transport tcp,ipc] "
    . "[--what push_pull,req_rep,multipart,fanout] [--sizes LIST] [--msgs N] [--max-mb M] "
    . "[--rt N] [--rt-size B] [--hwm N] [--frames K] [--subs S] [--timeout S]",
    'impl=s', 'transport=s', 'what=s', 'sizes=s', 'msgs=i', 'max_mb|max-mb=i', 'rt=i',
    'rt_size|rt-size=i', 'hwm=i', 'timeout=i', 'frames=i', 'subs=i', 'role=s', 'endpoint=s',
    'size=i', 'count=i');
die "--msgs, --rt, --timeout, --frames and --subs must be > 0\n"
    unless $o{msgs} > 0 && $o{rt} > 0 && $o{timeout} > 0 && $o{frames} > 0 && $o{subs} > 0;
my %want = map { $_ => 1 } split /,/, $o{what};

my $B    = binding($o{impl});
my $IMPL = $B->{impl};
my %C    = %{ $B->{C} };
$| = 1;

sub new_ctx { $B->{new_ctx}->() }

# Same rule as the Rust example and the C harness (at least 100 messages).
sub count_for { ZMQRBench::count_for($o{msgs}, $o{max_mb}, $_[0], 100) }

sub set_hwm { ZMQRBench::set_hwm($_[0], \%C, $o{hwm}) }

# Binds $sock; returns the endpoint to connect to (and the private directory for ipc).
sub bind_for {
    my ($sock, $transport) = @_;
    my $dir;
    if ($transport eq 'tcp') {
        $sock->bind('tcp://127.0.0.1:*');
    }
    else {
        $dir = tempdir('zmq-perl-bench-XXXXXX', TMPDIR => 1, CLEANUP => 1);    # mode 0700
        $sock->bind("ipc://$dir/s");
    }
    return ($B->{last_endpoint}->($sock), $dir);
}

# The child: a fresh perl on this script with the same module path (blib).
my $SCRIPT = abs_path($0);
my @INC_ARGS = map {"-I$_"} grep { m{/blib/(?:lib|arch)/?$} } @INC;

# Returns the child's pid and the write end of its control pipe (its stdin); with $want_out,
# also the read end of a pipe from its stdout (otherwise its stdout goes to our stderr: our
# stdout is the result channel).
sub spawn {
    my ($role, $ep, $size, $count, $want_out) = @_;
    pipe(my $r, my $w) or die "pipe: $!\n";
    my ($out_r, $out_w);
    if ($want_out) {
        pipe($out_r, $out_w) or die "pipe: $!\n";
    }
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if (!$pid) {
        open STDIN, '<&', $r or POSIX::_exit(126);
        open STDOUT, '>&', ($want_out ? $out_w : \*STDERR) or POSIX::_exit(126);
        exec($^X, @INC_ARGS, $SCRIPT, '--impl', $o{impl}, '--role', $role, '--endpoint', $ep,
            '--size', $size, '--count', $count, '--timeout', $o{timeout}, '--frames',
            $o{frames}, (defined $o{hwm} ? ('--hwm', $o{hwm}) : ()))
            or POSIX::_exit(127);
    }
    close $r;
    $w->autoflush(1);
    close $out_w if $want_out;
    return ($pid, $w, $out_r);
}

# Warm-up: runs $op (a send or receive) until it succeeds, giving up when the child exited or
# after --timeout seconds. Then both timeouts are --timeout, so that a stalled run fails
# instead of hanging.
sub warm_up {
    my ($sock, $pid, $op) = @_;
    my $deadline = now() + $o{timeout};
    $sock->set($C{SNDTIMEO}, 'int', 200);
    $sock->set($C{RCVTIMEO}, 'int', 200);
    my $ok = 0;
    while (1) {
        if (eval { $op->(); 1 }) { $ok = 1; last }
        last if now() > $deadline || waitpid($pid, POSIX::WNOHANG()) != 0;
    }
    $sock->set($C{SNDTIMEO}, 'int', $o{timeout} * 1000);
    $sock->set($C{RCVTIMEO}, 'int', $o{timeout} * 1000);
    return $ok;
}

# "done" (or kill), close the pipe, wait. True if all went well.
sub finish {
    my ($pid, $ctl, $ok) = @_;
    if ($ok) { print {$ctl} "done\n" }
    else     { kill 'KILL', $pid }
    close $ctl;
    waitpid($pid, 0);
    return !$ok || $? == 0;
}

# PULL here (--hwm) and a child in $role that connects and sends $n messages of $size bytes.
# Once the child's warm-up message has come ($recv receives one from the socket): the
# context, the socket, the child's pid and its control pipe; nothing (the child killed) if
# none came. $what names the measurement in messages.
sub pull_from_sender {
    my ($what, $transport, $role, $size, $n, $recv) = @_;
    my $ctx  = new_ctx();
    my $pull = $ctx->socket($C{PULL});
    set_hwm($pull);
    my ($ep) = bind_for($pull, $transport);
    my ($pid, $ctl) = spawn($role, $ep, $size, $n);
    if (!warm_up($pull, $pid, sub { $recv->($pull) })) {    # warm-up: the connection is up
        warn "perl_net: $what $transport $size: no warm-up message\n";
        finish($pid, $ctl, 0);
        return;
    }
    return ($ctx, $pull, $pid, $ctl);
}

sub push_pull {
    my ($transport, $size) = @_;
    my $n   = count_for($size);
    my ($ctx, $pull, $pid, $ctl) =
        pull_from_sender('push_pull', $transport, 'send', $size, $n, sub { $_[0]->recv })
        or return 0;
    my ($got, $bytes, $bad) = (0, 0, 0);
    my $t0 = now();
    print {$ctl} "go\n";
    eval {
        while ($got < $n) {
            my $l = length $pull->recv;
            $got++;
            $bytes += $l;
            $bad++ if $l != $size;
        }
        1;
    } or warn "perl_net: push_pull $transport $size: recv: $@";
    my $s = now() - $t0;
    my $child_ok = finish($pid, $ctl, $got == $n);
    printf "push_pull impl=%s transport=%s procs=2 size=%d msgs=%d hwm=%d secs=%.6f "
        . "msgs_per_sec=%.0f mib_per_sec=%.1f lost=%d bad=%d\n",
        $IMPL, $transport, $size, $n, $o{hwm} // 1000, $s, $got / $s, $bytes / $s / 1048576,
        $n - $got, $bad;
    $pull->set($C{LINGER}, 'int', 0);
    $pull->close;
    return $got == $n && $child_ok;
}

sub req_rep {
    my ($transport) = @_;
    my ($n, $size) = ($o{rt}, $o{rt_size});
    my $ctx = new_ctx();
    my $req = $ctx->socket($C{REQ});
    my ($ep, $dir) = bind_for($req, $transport);
    my ($pid, $ctl) = spawn('echo', $ep, $size, $n + 1);
    my $msg = "\x5a" x $size;
    my ($done, $bad) = (0, 0);
    # Warm-up round trip: the connection is up.
    my $ok = warm_up($req, $pid, sub { $req->send($msg) })
        && warm_up($req, $pid, sub { $req->recv });
    warn "perl_net: req_rep $transport: no warm-up round trip\n" unless $ok;
    my $t0 = now();
    if ($ok) {
        $ok = eval {
            while ($done < $n) {
                $req->send($msg);
                length($req->recv) == $size or $bad++;
                $done++;
            }
            1;
        };
        warn "perl_net: req_rep $transport: $@" unless $ok;
    }
    my $s = now() - $t0;
    my $child_ok = finish($pid, $ctl, $ok);
    printf "req_rep impl=%s transport=%s mode=procs size=%d rts=%d secs=%.6f us_per_rt=%.3f "
        . "bad=%d\n", $IMPL, $transport, $size, $n, $s, $s * 1e6 / $n, $bad
        if $ok;
    $req->set($C{LINGER}, 'int', 0);
    $req->close;
    return $ok && $child_ok;
}

sub multipart {
    my ($transport, $size) = @_;
    my $f   = $o{frames};
    my $n   = count_for($size * $f);
    my ($ctx, $pull, $pid, $ctl) = pull_from_sender('multipart', $transport, 'send_multipart',
        $size, $n, sub { my @p = $_[0]->recv_multipart })
        or return 0;
    my ($got, $bytes, $bad) = (0, 0, 0);
    my $t0 = now();
    print {$ctl} "go\n";
    eval {
        while ($got < $n) {
            my @p = $pull->recv_multipart;
            $got++;
            $bytes += length for @p;
            $bad++ if @p != $f || grep { length != $size } @p;
        }
        1;
    } or warn "perl_net: multipart $transport $size: recv: $@";
    my $s = now() - $t0;
    my $child_ok = finish($pid, $ctl, $got == $n);
    printf "multipart impl=%s transport=%s mode=procs procs=2 frames=%d size=%d msgs=%d hwm=%d "
        . "secs=%.6f msgs_per_sec=%.0f mib_per_sec=%.1f lost=%d bad=%d\n",
        $IMPL, $transport, $f, $size, $n, $o{hwm} // 1000, $s, $got / $s,
        $bytes / $s / 1048576, $n - $got, $bad;
    $pull->set($C{LINGER}, 'int', 0);
    $pull->close;
    return $got == $n && $child_ok;
}

sub fanout {
    my ($transport, $size) = @_;
    my $n   = count_for($size);
    my $ctx = new_ctx();
    my $pub = $ctx->socket($C{PUB});
    ZMQRBench::set_hwm($pub, \%C, 0);
    my ($ep, $dir) = bind_for($pub, $transport);
    my (@kids, %warm, %report);
    for my $i (0 .. $o{subs} - 1) {
        my ($pid, $ctl, $out) = spawn('sub', $ep, $size, $n, 1);
        push @kids, { pid => $pid, ctl => $ctl, out => $out };
    }
    # Warm-up: empty messages until every subscriber has one (its connection and its
    # subscription are through), giving up after --timeout or if a child ends.
    my $ok = 1;
    my $deadline = now() + $o{timeout};
    my $sel = IO::Select->new(map { $_->{out} } @kids);
    while ($ok && keys %warm < @kids) {
        $pub->send('');
        for my $fh ($sel->can_read(0.001)) {
            my ($i) = grep { $kids[$_]{out} == $fh } 0 .. $#kids;
            my $l = readline $fh;
            if (defined $l && $l eq "warm\n") {
                $warm{$i} = 1;
                $sel->remove($fh);
            }
            else {
                warn "perl_net: fanout $transport $size: subscriber $i: ",
                    defined $l ? "'$l' before warm-up\n" : "ended before warm-up\n";
                $ok = 0;
            }
        }
        $ok = 0 if now() > $deadline;
    }
    warn "perl_net: fanout $transport $size: no warm-up message\n" unless $ok;
    my $msg = "\x5a" x $size;
    my ($got, $bytes, $bad) = (0, 0, 0);
    my $t0 = now();
    if ($ok) {
        $pub->send($msg) for 1 .. $n;
        # The publisher stays open until every subscriber has reported.
        for my $k (@kids) {
            my $l = readline $k->{out} // '';
            $got   += $1 if $l =~ /\bgot=(\d+)/;
            $bytes += $1 if $l =~ /\bbytes=(\d+)/;
            $bad   += $1 if $l =~ /\bbad=(\d+)/;
        }
    }
    my $s = now() - $t0;
    my $subs = @kids;
    my $all  = $got == $n * $subs;
    my $children_ok = 1;
    for my $k (@kids) {
        finish($k->{pid}, $k->{ctl}, $ok && $all) or $children_ok = 0;
        close $k->{out};
    }
    printf "fanout impl=%s transport=%s mode=procs procs=%d subs=%d size=%d msgs=%d hwm=0 "
        . "secs=%.6f msgs_per_sec=%.0f mib_per_sec=%.1f lost=%d bad=%d\n",
        $IMPL, $transport, $subs + 1, $subs, $size, $n, $s, $got / $subs / $s,
        $bytes / $subs / $s / 1048576, $n * $subs - $got, $bad
        if $ok;
    $pub->set($C{LINGER}, 'int', 0);
    $pub->close;
    return $ok && $all && $children_ok;
}

# ---------------------------------------------------------------- child roles
sub child_guard {
    # SIGALRM's default action ends the process even inside a blocking call.
    alarm $o{timeout};
}

# A child's context and its socket of $type, connected to --endpoint, with SNDHWM and
# RCVHWM $hwm (undef: the defaults) and then the options of %$opts.
sub child_socket {
    my ($type, $hwm, %opts) = @_;
    child_guard();
    my $ctx  = new_ctx();
    my $sock = $ctx->socket($C{$type});
    ZMQRBench::set_hwm($sock, \%C, $hwm);
    $sock->set($C{$_}, 'int', $opts{$_}) for sort keys %opts;
    $sock->subscribe('') if $type eq 'SUB';
    $sock->connect($o{endpoint});
    return ($ctx, $sock);
}

sub child_send {
    my ($ctx, $push) = child_socket('PUSH', $o{hwm});
    my $msg = "\x5a" x $o{size};
    $push->send($msg);    # warm-up
    my $go = <STDIN>;
    exit 1 unless defined $go && $go eq "go\n";
    $push->send($msg) for 1 .. $o{count};
    my $done = <STDIN>;    # stay open until the receiver has everything
    $push->close;
    exit 0;
}

sub child_echo {
    my ($ctx, $rep) = child_socket('REP');
    $rep->send($rep->recv) for 1 .. $o{count};
    my $done = <STDIN>;
    $rep->close;
    exit 0;
}

sub child_send_multipart {
    my ($ctx, $push) = child_socket('PUSH', $o{hwm});
    my $frames = [("\x5a" x $o{size}) x $o{frames}];
    $push->send_multipart($frames);    # warm-up
    my $go = <STDIN>;
    exit 1 unless defined $go && $go eq "go\n";
    $push->send_multipart($frames) for 1 .. $o{count};
    my $done = <STDIN>;    # stay open until the receiver has everything
    $push->close;
    exit 0;
}

# SUB subscribed to "": "warm" on stdout when the first (warm-up) message arrives, then
# --count non-empty messages and "got=G bytes=B bad=X" (fewer if no message comes for
# --timeout/2 s); wait for "done".
sub child_sub {
    $| = 1;
    # RCVTIMEO: half the time the child has (child_guard), so that it reports what it got.
    my ($ctx, $sub) = child_socket('SUB', 0,
        RCVTIMEO => $o{timeout} > 2 ? $o{timeout} * 500 : 1000);
    my ($got, $bytes, $bad) = (0, 0, 0);
    if (eval { $sub->recv; 1 }) {
        print "warm\n";
        eval {
            while ($got < $o{count}) {
                my $l = length $sub->recv;
                next unless $l;    # a later warm-up message
                $got++;
                $bytes += $l;
                $bad++ if $l != $o{size};
            }
            1;
        } or warn "perl_net: sub: recv: $@";
    }
    else {
        warn "perl_net: sub: no warm-up message: $@";
    }
    print "got=$got bytes=$bytes bad=$bad\n";
    my $done = <STDIN>;
    $sub->close;
    exit 0;
}

if (defined $o{role}) {
    die "--role needs --endpoint\n" unless defined $o{endpoint};
    child_send() if $o{role} eq 'send';
    child_echo() if $o{role} eq 'echo';
    child_send_multipart() if $o{role} eq 'send_multipart';
    child_sub() if $o{role} eq 'sub';
    die "unknown --role $o{role}\n";
}

print $B->{version}->(), "\n";
my $ok = 1;
for my $t (grep { $_ eq 'tcp' || $_ eq 'ipc' } split /,/, $o{transport}) {
    if ($want{push_pull}) {
        push_pull($t, $_) or $ok = 0 for split /,/, $o{sizes};
    }
    req_rep($t) or $ok = 0 if $want{req_rep};
    if ($want{multipart}) {
        multipart($t, $_) or $ok = 0 for split /,/, $o{sizes};
    }
    if ($want{fanout}) {
        fanout($t, $_) or $ok = 0 for split /,/, $o{sizes};
    }
}
exit($ok ? 0 : 1);
