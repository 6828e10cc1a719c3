#!/usr/bin/perl
# System calls per message of PUSH/PULL (or REQ/REP round trip) over tcp or ipc, per process
# and thread, for the Rust engine and C libzmq: where the I/O threads and the application
# threads spend their kernel crossings (eventfd wake-ups, socket reads and writes, polls).
#
#   perl bench/syscalls.pl                          # tcp PUSH/PULL 100 B, Rust and C
#   perl bench/syscalls.pl --size 1048576 --msgs 1000
#   perl bench/syscalls.pl --what req_rep --msgs 5000 --transport ipc
#
# Options: --impl rust,c, --transport tcp|ipc, --what push_pull|req_rep, --size B (100),
# --msgs N (200000; round trips for req_rep), --min X (hide rows below X calls per message,
# default 0.005), --tracer perf|strace, --no-build, --rust-bin PATH (a bench_net built
# elsewhere, e.g. from a modified engine, to compare with).
#
# It runs rust/core/examples/bench_net.rs or bench/bin/net_thr (the programs bench/run.pl
# uses: the measuring process binds, a second process connects) under
#   perf record -e raw_syscalls:sys_enter -e raw_syscalls:sys_exit   (default; low overhead)
#   strace -f                                                     (if perf cannot trace)
# and counts every system call of both processes, by thread. read/write-like calls are
# split by the kind of descriptor (eventfd, socket, pipe, epoll), learnt from the calls that
# created it. The counts cover the whole run (start-up and connection included: a few hundred
# calls), divided by the message count. Tracing slows the calls down, which changes how
# often threads go to sleep; the program's own throughput line is shown for that reason.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use FindBin ();
use lib "$FindBin::RealBin/lib";
use ZMQRBench qw(options build_rust build_c rust_bin c_bin);

my %o = (impl => 'rust,c', transport => 'tcp', what => 'push_pull', size => 100,
    msgs => 200_000, min => 0.005);
options(\%o, "usage: $0 [--impl rust,c] [--transport tcp|ipc] [--what push_pull|req_rep] "
    . "[--size B] [--msgs N] [--min X] [--tracer perf|strace] [--no-build] [--rust-bin PATH]",
    'impl=s', 'transport=s', 'what=s', 'size=i', 'msgs=i', 'min=f', 'tracer=s', 'no-build',
    'rust-bin=s');

my %BIN = (rust => rust_bin('bench_net'), c => c_bin('net_thr'));
my @impls = split /,/, $o{impl};
$BIN{rust} = abs_path($o{'rust-bin'}) if $o{'rust-bin'};
if (!$o{'no-build'}) {
    if (grep { $_ eq 'rust' } @impls and !$o{'rust-bin'}) {
        my $ok = build_rust(0, 'bench_net');
        die "$ok\n" unless $ok eq '1';
    }
    if (grep { $_ eq 'c' } @impls) {
        my $ok = build_c(0, 'net_thr');
        die "cannot build $BIN{c}: $ok\n" unless $ok eq '1';
    }
}

# Syscall numbers -> names, from the kernel headers (x86_64; other arches: numbers shown).
my %NAME;
for my $h (qw(/usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h)) {
    open my $fh, '<', $h or next;
    while (<$fh>) { $NAME{$2} = $1 if /^#define __NR_(\w+)\s+(\d+)/ }
    last;
}
my %FD_ARG = map { $_ => 1 } qw(read write readv writev recvfrom sendto recvmsg sendmsg pread64
    pwrite64 close);
my %MAKES = (eventfd => 'eventfd', eventfd2 => 'eventfd', socket => 'socket', accept => 'socket',
    accept4 => 'socket', epoll_create => 'epoll', epoll_create1 => 'epoll',
    timerfd_create => 'timerfd');

my $tracer = $o{tracer};
if (!$tracer) {
    $tracer = system('perf record -q -e raw_syscalls:sys_enter -o /dev/null true >/dev/null 2>&1') == 0
        ? 'perf' : 'strace';
}
die "neither perf (with tracepoints) nor strace is usable\n"
    if $tracer eq 'strace' && system('strace -V >/dev/null 2>&1') != 0;

my $dir = tempdir('zmq-syscalls-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @args = ('--transport', $o{transport}, '--what', $o{what}, '--sizes', $o{size}, '--msgs',
    $o{msgs}, '--rt', $o{msgs}, '--rt-size', $o{size});

printf "%s %s %d B, %d %s, traced with %s; calls per %s (whole run / %d)\n", $o{transport},
    $o{what} eq 'req_rep' ? 'REQ/REP' : 'PUSH/PULL', $o{size}, $o{msgs},
    $o{what} eq 'req_rep' ? 'round trips' : 'messages', $tracer,
    $o{what} eq 'req_rep' ? 'round trip' : 'message', $o{msgs};
for my $impl (@impls) {
    my $bin = $BIN{$impl} or die "unknown implementation $impl\n";
    -x $bin or die "$bin is not built\n";
    my (@events, $out);
    if ($tracer eq 'perf') {
        my $data = "$dir/$impl.data";
        my $cmd = "perf record -q -m 16M -e raw_syscalls:sys_enter -e raw_syscalls:sys_exit "
            . "-o $data -- $bin @args 2>$dir/$impl.err";
        $out = qx($cmd);
        open my $ps, '-|', "perf script -i $data -F pid,tid,comm,event,trace 2>/dev/null" or die;
        while (<$ps>) {
            if (/^\s*(.*?)\s+(\d+)\/(\d+)\s+raw_syscalls:sys_enter:\s+NR (\d+) \(([0-9a-f]+)?/) {
                # The first argument matters only as a descriptor (small); no 64-bit hex().
                my $fd = defined $5 && length $5 <= 8 ? hex $5 : undef;
                push @events, ['enter', $2, $3, $1, $NAME{$4} // "nr$4", $fd];
            }
            elsif (/^\s*(.*?)\s+(\d+)\/(\d+)\s+raw_syscalls:sys_exit:\s+NR (\d+) = (-?\d+)/) {
                push @events, ['exit', $2, $3, $1, $NAME{$4} // "nr$4", $5];
            }
        }
        close $ps;
    }
    else {
        my $log = "$dir/$impl.strace";
        $out = `strace -f -qq -o $log -- $bin @args 2>$dir/$impl.err`;
        # Pass 1: who created whom (a thread's first calls can come before its creator's
        # clone returns), and whether as a thread of the same process.
        my (%creator, %is_thread, %pending);
        open my $fh, '<', $log or die "$log: $!";
        while (<$fh>) {
            my ($tid, $rest) = /^(\d+)\s+(.*)$/ or next;
            if ($rest =~ /^(?:clone3?|fork|vfork)\(/) {
                my $thread = $rest =~ /CLONE_THREAD/ ? 1 : 0;
                if ($rest =~ /= (\d+)/) { ($creator{$1}, $is_thread{$1}) = ($tid, $thread) }
                else { $pending{$tid} = $thread }
            }
            elsif ($rest =~ /^<\.\.\. (?:clone3?|fork|vfork) resumed>.*= (\d+)/) {
                ($creator{$1}, $is_thread{$1}) = ($tid, $pending{$tid} // 0);
            }
        }
        my %pid_of;
        my $pid_of;
        $pid_of = sub {
            my ($t) = @_;
            return $pid_of{$t} //= $is_thread{$t} ? $pid_of->($creator{$t}) : $t;
        };
        # Pass 2: the calls.
        seek $fh, 0, 0;
        while (<$fh>) {
            my ($tid, $rest) = /^(\d+)\s+(.*)$/ or next;
            my $pid = $pid_of->($tid);
            if ($rest =~ /^<\.\.\. (\w+) resumed>.*= (-?\d+)/) {
                push @events, ['exit', $pid, $tid, '', $1, $2];
                next;
            }
            my ($name, $fd) = $rest =~ /^(\w+)\((\d+)?/ or next;
            push @events, ['enter', $pid, $tid, '', $name, $fd];
            push @events, ['exit', $pid, $tid, '', $name, $1] if $rest =~ /= (-?\d+)/;
        }
    }
    print "\n== ", ($impl eq 'rust' ? 'Rust core' : 'C libzmq'), ": ",
        join(' ', grep {/^(push_pull|req_rep) /} split /\n/, $out // ''), "\n";
    # Descriptor kinds, per process; calls per (process, thread, syscall[kind]).
    my (%kind, %count, %tname, $first_pid);
    for my $e (@events) {
        my ($ev, $pid, $tid, $comm, $name, $x) = @$e;
        $first_pid //= $pid;
        $tname{"$pid/$tid"} = $comm if $comm ne '' && $tid != $pid;
        if ($ev eq 'exit') {
            $kind{$pid}{$x} = $MAKES{$name} if $MAKES{$name} && $x >= 0;
            if ($name =~ /^pipe2?$/) { }    # fds in memory, not in the return value
            next;
        }
        my $key = $name;
        if ($FD_ARG{$name} && defined $x) {
            my $k = $kind{$pid}{$x} // ($x <= 2 ? 'stdio' : 'other');
            delete $kind{$pid}{$x} if $name eq 'close';
            $key = "$name($k)";
        }
        $count{$pid == $first_pid ? 0 : 1}{$tid == $pid ? 'app' : "$pid/$tid"}{$key}++;
    }
    my $msgs = $o{msgs};
    my @role = $o{what} eq 'req_rep' ? ('REQ (binds)', 'REP (connects)')
        : ('receiver (PULL, binds)', 'sender (PUSH, connects)');
    my $grand = 0;
    printf "%-24s %-16s %-26s %10s\n", 'process', 'thread', 'system call', 'per msg';
    for my $p (0, 1) {
        my $proc = $role[$p];
        for my $t (sort { ($a eq 'app' ? 0 : 1) <=> ($b eq 'app' ? 0 : 1) || $a cmp $b }
            keys %{ $count{$p} || {} })
        {
            my $c = $count{$p}{$t};
            my $label = $t eq 'app' ? 'app thread' : ($tname{$t} || $t);
            my $total = 0;
            $total += $_ for values %$c;
            $grand += $total;
            my ($rest, @rows) = (0);
            for my $k (sort { $c->{$b} <=> $c->{$a} || $a cmp $b } keys %$c) {
                my $v = $c->{$k} / $msgs;
                if ($v < $o{min}) { $rest += $c->{$k}; next }
                push @rows, [$k, $v];
            }
            push @rows, ['(other calls)', $rest / $msgs] if $rest && @rows;
            push @rows, ['thread total', $total / $msgs];
            for my $r (@rows) {
                printf "%-24s %-16s %-26s %10.3f\n", $proc, $label, @$r;
                ($proc, $label) = ('', '');
            }
        }
    }
    printf "%-24s %-16s %-26s %10.3f\n", 'all', '', 'total', $grand / $msgs;
}
