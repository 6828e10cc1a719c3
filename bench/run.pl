#!/usr/bin/perl
# Benchmark driver: inproc, tcp and ipc throughput and latency of the Rust engine, of
# ZMQ::Rust from Perl, and (when installed) of ZMQ::FFI, of pyzmq and of C libzmq, in one go.
# See bench/README.md.
#
#   make bench                       # builds, then runs this with -Mblib
#   perl -Mblib bench/run.pl [--runs N] [--quick] [--only rust,c,perl,ffi,py]
#                            [--transport inproc,tcp,ipc] [--raw FILE] [--python PATH]
#
# Every measurement runs in its own process (a fresh heap: see README, "Method"; tcp and ipc
# measurements start a second process for the other end), R times, interleaved (run 1 of
# everything, then run 2, ...); the table shows median, min and max.
use strict;
use warnings;
use FindBin ();
use POSIX qw(strftime);
use lib "$FindBin::RealBin/lib";
use ZMQRBench qw($ROOT options choose slurp machine machine_line load_line build_rust
    build_c rust_bin c_bin find_cargo rustc_version run_command failure median report_tail);

chdir $ROOT or die "chdir $ROOT: $!\n";

my %opt = (runs => 5, timeout => 300);
my $runs_given = grep { /^--?runs\b/ } @ARGV;
my $USAGE = <<'USAGE';
usage: perl -Mblib bench/run.pl [options]
  --runs N        runs of every measurement (default 5; --quick: 1)
  --quick         smoke run: few messages, 1 run (under 60 s)
  --only LIST     subset of rust,c,perl,ffi,py (default: all that are available)
  --transport L   subset of inproc,tcp,ipc (default: all three)
  --raw FILE      also write every raw result line to FILE
  --no-build      do not run cargo / cc (use the binaries already built)
  --timeout S     kill a measurement process after S seconds (default 300)
  --pin CPUS      run every measurement under `taskset -c CPUS` (e.g. 0: both threads
                  share one CPU; steadier on a noisy VM, but not the two-core figure)
  --python PATH   the python3 for the pyzmq rows (default: $ZMQ_RUST_BENCH_PYTHON, else the
                  first of python3 on PATH and /usr/bin/python3 that can import zmq)
  -v, --verbose   print raw result lines as they come
USAGE
options(\%opt, $USAGE, 'runs=i', 'quick', 'only=s', 'raw=s', 'verbose|v', 'no-build',
    'timeout=i', 'pin=s', 'transport=s', 'python=s');
$opt{runs} = 1 if $opt{quick} && !$runs_given;
$opt{runs} = 1 if $opt{runs} < 1;
$opt{timeout} = 60 if $opt{quick} && $opt{timeout} == 300;

my %only = choose('only', $opt{only}, 'rust,c,perl,ffi,py', qw(rust c perl ffi py));
my %tr = choose('transport', $opt{transport}, 'inproc,tcp,ipc', qw(inproc tcp ipc));
my @NET = grep { $tr{$_} } qw(tcp ipc);

# Workload. Counts are per measurement process; the programs cap big sizes at max_mb MiB of
# payload with the same rule (bench_inproc.rs count_for: at least 1000 messages; tcp/ipc,
# bench_net.rs count_for: at least 100).
my @SIZES     = (1, 100, 1024, 65536);
my @NET_SIZES = (1, 100, 1024, 65536, 1048576);
# Multipart (frames of mp_size bytes each) and PUB -> subs SUB fan-out (fan_size bytes): one
# size each; mp_msgs (Rust/C) and mp_perl_msgs (Perl, Python) messages over every transport.
my %W = $opt{quick}
    ? (msgs => 100_000, perl_msgs => 50_000, max_mb => 256, rt_thr => 2_000,
       rt_one => 20_000, batch => 100, rt_size => 100,
       net_msgs => 200_000, net_perl_msgs => 100_000, net_max_mb => 128, net_rt => 2_000,
       mp_msgs => 100_000, mp_perl_msgs => 30_000)
    : (msgs => 2_000_000, perl_msgs => 1_000_000, max_mb => 2048, rt_thr => 20_000,
       rt_one => 200_000, batch => 100, rt_size => 100,
       net_msgs => 1_000_000, net_perl_msgs => 500_000, net_max_mb => 1024, net_rt => 10_000,
       mp_msgs => 1_000_000, mp_perl_msgs => 200_000);
@W{qw(frames mp_size subs fan_size)} = (3, 100, 2, 100);

my $t_start = time;
my %info;    # versions reported by the programs

# ---------------------------------------------------------------- machine
my $machine = machine();

# ---------------------------------------------------------------- build
my %avail;    # impl => 1, or a reason string for "not installed"/"failed"
my $rust_bin     = rust_bin('bench_inproc');
my $rust_net_bin = rust_bin('bench_net');
my $rustc_v  = '';
if ($only{rust}) {
    $avail{rust} = build_rust($opt{'no-build'}, qw(bench_inproc bench_net));
    my $cargo = find_cargo();
    $rustc_v = rustc_version($cargo) if $cargo;
}

my $c_bin     = c_bin('inproc_thr');
my $c_net_bin = c_bin('net_thr');
$avail{c} = build_c($opt{'no-build'}, qw(inproc_thr net_thr)) if $only{c};

if ($only{perl}) {
    my $ok = -e "$ROOT/blib/arch/auto/ZMQ/Rust/Rust.so"
        || -e "$ROOT/blib/arch/auto/ZMQ/Rust/Rust.bundle";
    $avail{perl} = $ok ? 1 : 'not built (run make first)';
}
if ($only{ffi}) {
    my $probe = 'open STDERR, ">", "/dev/null"; require ZMQ::FFI; ZMQ::FFI->new; exit 0';
    my $rc    = system($^X, '-e', $probe);
    $avail{ffi} = $rc == 0 ? 1 : 'not installed (libzmq-ffi-perl)';
}
# pyzmq: the first python that can import zmq (a pyenv python3 on PATH often cannot, while
# Debian's /usr/bin/python3 with python3-zmq can).
my $python;
if ($only{py}) {
    my @cand = grep { defined && length } $opt{python} // $ENV{ZMQ_RUST_BENCH_PYTHON};
    @cand = ('python3', '/usr/bin/python3') unless @cand;
    for my $py (@cand) {
        my $pid = fork;
        die "fork: $!\n" unless defined $pid;
        if (!$pid) {
            open STDOUT, '>', '/dev/null';
            open STDERR, '>', '/dev/null';
            exec $py, '-c', 'import zmq' or POSIX::_exit(127);
        }
        waitpid $pid, 0;
        if ($? == 0) { $python = $py; last }
    }
    $avail{py} = $python ? 1
        : 'not installed (python3-zmq; tried ' . join(', ', @cand) . ')';
}

# ---------------------------------------------------------------- jobs
my @common = ('--max-mb', $W{max_mb}, '--batch', $W{batch}, '--rt-size', $W{rt_size});
my @perl   = ($^X, "-Mblib=$ROOT", "$ROOT/bench/perl_inproc.pl");
my @perl_net = ($^X, "-Mblib=$ROOT", "$ROOT/bench/perl_net.pl");
my @py       = ($python // 'python3', "$ROOT/bench/py_bench.py");
push @common, '--frames', $W{frames}, '--subs', $W{subs};
# Multipart and fan-out jobs: [job name, --what, size], %s = threads or one_thread.
my @mp_fan = (['multipart %s', 'multipart_%s', $W{mp_size}],
    ['fanout %s', 'fanout_%s', $W{fan_size}]);
my @jobs;
for my $impl (qw(rust c)) {
    next unless ($avail{$impl} // '') eq '1' && $tr{inproc};
    my $bin = $impl eq 'rust' ? $rust_bin : $c_bin;
    for my $what (qw(push_pull loop)) {
        push @jobs, [$impl, "$what $_", $bin, '--what', $what, '--sizes', $_, '--msgs', $W{msgs},
            @common] for @SIZES;
    }
    push @jobs, [$impl, 'req_rep threads', $bin, '--what', 'req_rep_threads', '--rt', $W{rt_thr},
        @common];
    push @jobs, [$impl, 'req_rep one_thread', $bin, '--what', 'req_rep_one_thread', '--rt',
        $W{rt_one}, @common];
    for my $mode (qw(threads one_thread)) {
        push @jobs, [$impl, sprintf($_->[0], $mode) . " $_->[2]", $bin, '--what',
            sprintf($_->[1], $mode), '--sizes', $_->[2], '--msgs', $W{mp_msgs}, @common]
            for @mp_fan;
    }
}
for my $impl (qw(perl ffi py)) {
    next unless ($avail{$impl} // '') eq '1' && $tr{inproc};
    my @base = $impl eq 'py' ? (@py, '--transport', 'inproc', @common)
        : (@perl, '--impl', $impl eq 'perl' ? 'rust' : 'ffi', @common);
    push @jobs, [$impl, "loop $_", @base, '--what', 'loop', '--sizes', $_, '--msgs', $W{perl_msgs}]
        for @SIZES;
    push @jobs, [$impl, 'req_rep one_thread', @base, '--what', 'req_rep_one_thread', '--rt',
        $W{rt_one}];
    push @jobs, [$impl, 'req_rep threads', @base, '--what', 'req_rep_threads', '--rt', $W{rt_thr}];
    push @jobs, [$impl, sprintf($_->[0], 'one_thread') . " $_->[2]", @base, '--what',
        sprintf($_->[1], 'one_thread'), '--sizes', $_->[2], '--msgs', $W{mp_perl_msgs}]
        for @mp_fan;
}
# tcp and ipc: one process per measurement, which starts the other end as a second process
# (fan-out: one per subscriber).
for my $impl (qw(rust c perl ffi py)) {
    next unless ($avail{$impl} // '') eq '1';
    my @cmd = $impl eq 'rust' ? ($rust_net_bin)
        : $impl eq 'c' ? ($c_net_bin)
        : $impl eq 'py' ? (@py)
        : (@perl_net, '--impl', $impl eq 'perl' ? 'rust' : 'ffi');
    my $msgs = $impl =~ /^(rust|c)$/ ? $W{net_msgs} : $W{net_perl_msgs};
    my $mp_msgs = $impl =~ /^(rust|c)$/ ? $W{mp_msgs} : $W{mp_perl_msgs};
    # A receive that waits longer than this fails the measurement (lost=N) instead of hanging
    # until the driver's timeout; the other end gives up too.
    my $net_timeout = int($opt{timeout} / 2) < 60 ? int($opt{timeout} / 2) : 60;
    $net_timeout = 1 if $net_timeout < 1;
    push @cmd, '--max-mb', $W{net_max_mb}, '--rt-size', $W{rt_size}, '--timeout', $net_timeout,
        '--frames', $W{frames}, '--subs', $W{subs};
    for my $t (@NET) {
        push @jobs, [$impl, "push_pull $t $_", @cmd, '--transport', $t, '--what', 'push_pull',
            '--sizes', $_, '--msgs', $msgs] for @NET_SIZES;
        push @jobs, [$impl, "req_rep $t", @cmd, '--transport', $t, '--what', 'req_rep', '--rt',
            $W{net_rt}];
        push @jobs, [$impl, "multipart $t $W{mp_size}", @cmd, '--transport', $t, '--what',
            'multipart', '--sizes', $W{mp_size}, '--msgs', $mp_msgs];
        push @jobs, [$impl, "fanout $t $W{fan_size}", @cmd, '--transport', $t, '--what',
            'fanout', '--sizes', $W{fan_size}, '--msgs', $mp_msgs];
    }
}
if (defined $opt{pin}) {
    die "--pin needs taskset (util-linux)\n" if system('taskset -c 0 true >/dev/null 2>&1') != 0;
    splice @$_, 2, 0, 'taskset', '-c', $opt{pin} for @jobs;    # [impl, name, command...]
}
die "nothing to run (" . join(', ', map {"$_: $avail{$_}"} sort keys %avail) . ")\n" unless @jobs;

# ---------------------------------------------------------------- run
my %IMPL_OF = ('rust' => 'rust', 'c' => 'c', 'perl-zmq-rust' => 'perl', 'perl-zmq-ffi' => 'ffi',
    'pyzmq' => 'py');
my %res;       # metric => impl => [values]
my %fail;      # job name or metric => impl => message
my @failures;  # everything that went wrong, for the end of the report
my @raw;
my $raw_fh;
if ($opt{raw}) {
    open $raw_fh, '>', $opt{raw} or die "$opt{raw}: $!\n";
}

sub run_job {
    my ($job) = @_;
    my ($impl, $name, @cmd) = @$job;
    my $before = grep { index($_, "$impl: ") == 0 } @failures;    # lines record() reported
    my ($lines, $status, $timed_out) = run_command(\@cmd, $opt{timeout});
    my $ok = 0;
    for my $l (@$lines) {
        push @raw, $l;
        print {$raw_fh} "$l\n" if $raw_fh;
        print STDERR "  $l\n" if $opt{verbose};
        $ok += record($l);
    }
    # A measurement that reported lost or mangled messages (and then exited 1) is already in
    # @failures with its result line.
    my $reported = grep { index($_, "$impl: ") == 0 } @failures;
    if ($timed_out || $status != 0 || !$ok) {
        my $why = failure($status, $timed_out, $opt{timeout});
        $fail{$name}{$impl} = $why;
        push @failures, "$impl $name: $why (@cmd)"
            unless $status && !$timed_out && $reported > $before;
        print STDERR "\n  $impl $name FAILED ($why): @cmd\n";
    }
}

sub record {
    my ($l) = @_;
    my ($name, $kv) = $l =~ /^(\w+)\s+(\S.*)$/ or return 0;
    my %f = map { /^([\w]+)=(.*)$/ ? ($1 => $2) : () } split ' ', $kv;
    my $impl = $IMPL_OF{ $f{impl} // '' } or return 0;
    if ($name eq 'version') {
        $info{$impl} = \%f;
        return 0;
    }
    return 0 if defined $f{skipped};
    my $broken = ($f{lost} // 0) != 0 || ($f{bad} // 0) != 0;
    my @m;
    my $net = defined $f{transport} && $f{transport} ne 'inproc' ? "$f{transport} " : '';
    if ($name eq 'push_pull') {
        return 0 if defined $f{copy} && !$f{copy};
        @m = (["pp $net$f{size}", $f{msgs_per_sec}]);
    }
    elsif ($name eq 'loop') {
        @m = (["loop $f{size}", $f{msgs_per_sec}], ["send $f{size}", $f{send_ns}],
            ["recv $f{size}", $f{recv_ns}]);
    }
    elsif ($name eq 'req_rep') {
        @m = ([$net ? "rr $f{transport}" : "rr $f{mode}", $f{us_per_rt}]);
    }
    elsif ($name eq 'multipart' || $name eq 'fanout') {
        # Metrics "mp threads 100", "mp one_thread 100", "mp tcp 100" (and "mps"/"mpr"
        # one_thread: ns per send_multipart/recv_multipart call); "fan ..." likewise.
        my $kind = $name eq 'multipart' ? 'mp' : 'fan';
        my $where = $net ? $f{transport} : $f{mode};
        @m = (["$kind $where $f{size}", $f{msgs_per_sec}]);
        push @m, ["mps $where $f{size}", $f{send_ns}], ["mpr $where $f{size}", $f{recv_ns}]
            if $kind eq 'mp' && defined $f{send_ns};
    }
    else { return 0 }
    if ($broken) {
        # Lost or wrong-sized messages: the figure does not count.
        my $why = join ' ', map {"$_=$f{$_}"} grep { defined $f{$_} } qw(lost bad);
        $fail{ $_->[0] }{$impl} = $why for @m;
        push @failures, "$impl: $l";
        return 1;
    }
    push @{ $res{ $_->[0] }{$impl} }, $_->[1] for @m;
    return 1;
}

my $njobs = @jobs * $opt{runs};
printf STDERR "running %d measurement processes (%d runs x %d)...\n", $njobs, $opt{runs},
    scalar @jobs;
my $done = 0;
for my $run (1 .. $opt{runs}) {
    for my $job (@jobs) {
        run_job($job);
        $done++;
        printf STDERR "\r  run %d/%d, %d/%d done", $run, $opt{runs}, $done, $njobs
            if -t STDERR && !$opt{verbose};
    }
    printf STDERR "%s  run %d/%d finished (%d s)\n", (-t STDERR ? "\r" : ''), $run, $opt{runs},
        time - $t_start;
}
my ($load1) = split /\n/, slurp('/proc/loadavg');

# ---------------------------------------------------------------- report

sub fmt {
    my ($v, $unit) = @_;
    return '-' unless defined $v;
    if ($unit eq 'M msg/s') {
        my $m = $v / 1e6;
        return $m >= 100 ? sprintf('%.0f', $m) : $m >= 10 ? sprintf('%.1f', $m)
            : $m >= 1 ? sprintf('%.2f', $m) : $m >= 0.1 ? sprintf('%.3f', $m)
            : sprintf('%#.3g', $m);    # 3 significant digits (1 MiB messages: 0.00130)
    }
    return $v >= 100 ? sprintf('%.0f', $v) : sprintf('%.1f', $v) if $unit eq 'ns/call';
    return $v >= 100 ? sprintf('%.1f', $v) : sprintf('%.2f', $v);    # us/rt
}

my %LABEL = (
    rust => 'Rust core',
    perl => 'Perl ZMQ::Rust',
    ffi  => 'Perl ZMQ::FFI',
    py   => 'Python pyzmq',
    c    => 'C libzmq',
);
my %WHY_MISSING = (
    c    => 'not installed (libzmq3-dev)',
    ffi  => 'not installed (libzmq-ffi-perl)',
    py   => 'not installed (python3-zmq)',
    perl => 'not built (run make)',
    rust => 'not built',
);

sub size_name {
    my ($s) = @_;
    return $s >= 1048576 ? ($s / 1048576) . ' MiB' : $s >= 1024 ? ($s / 1024) . ' KiB' : "$s B";
}

my @ALL = qw(rust perl ffi py c);
my ($MP, $FAN) = ("$W{frames}x" . size_name($W{mp_size}), size_name($W{fan_size}));
my $PUBSUB = "PUB->$W{subs} SUB";
my @rows;    # [title, unit, metric, [impls], higher_is_better]
my @section_two = (
    (map { ["PUSH/PULL " . size_name($_), 'M msg/s', "pp $_", [qw(rust c)], 1] } @SIZES),
    ["multipart $MP", 'M msg/s', "mp threads $W{mp_size}", [qw(rust c)], 1],
    ["$PUBSUB $FAN", 'M msg/s', "fan threads $W{fan_size}", [qw(rust c)], 1],
    ["REQ/REP round trip", 'us/rt', 'rr threads', \@ALL, 0],
);
my @section_one = (
    (map { ["send+recv loop " . size_name($_), 'M msg/s', "loop $_", \@ALL, 1] } @SIZES),
    (map { ["send, per call " . size_name($_), 'ns/call', "send $_", \@ALL, 0] } @SIZES),
    (map { ["recv, per call " . size_name($_), 'ns/call', "recv $_", \@ALL, 0] } @SIZES),
    ["multipart loop $MP", 'M msg/s', "mp one_thread $W{mp_size}", \@ALL, 1],
    ["send_multipart $MP", 'ns/call', "mps one_thread $W{mp_size}", \@ALL, 0],
    ["recv_multipart $MP", 'ns/call', "mpr one_thread $W{mp_size}", \@ALL, 0],
    ["$PUBSUB loop $FAN", 'M msg/s', "fan one_thread $W{fan_size}", \@ALL, 1],
    ["REQ/REP round trip", 'us/rt', 'rr one_thread', \@ALL, 0],
);
my %section_net = map {
    my $t = $_;
    ($t => [
        (map { ["PUSH/PULL $t " . size_name($_), 'M msg/s', "pp $t $_", \@ALL, 1] } @NET_SIZES),
        ["multipart $t $MP", 'M msg/s', "mp $t $W{mp_size}", \@ALL, 1],
        ["$PUBSUB $t $FAN", 'M msg/s', "fan $t $W{fan_size}", \@ALL, 1],
        ["REQ/REP round trip $t", 'us/rt', "rr $t", \@ALL, 0],
    ])
} @NET;

my $out = '';
sub say_ { $out .= join('', @_) . "\n" }

my $date = strftime('%Y-%m-%d %H:%M:%S %Z', localtime $t_start);
say_('ZMQ::Rust benchmarks (', join(', ', grep { $tr{$_} } qw(inproc tcp ipc)), '), ', $date,
    $opt{quick} ? '  (--quick smoke run: figures are rough)' : '');
say_(machine_line($machine));
say_(load_line($machine->{load}, $load1));
say_('software: perl ', sprintf('%vd', $^V), ($rustc_v ? ", $rustc_v" : ''),
    ($info{perl} ? ", ZMQ::Rust $info{perl}{module}" : ''),
    ($info{c} ? ", libzmq $info{c}{libzmq} (C harness)" : ''),
    ($info{ffi} ? ", ZMQ::FFI $info{ffi}{module} on libzmq $info{ffi}{libzmq}" : ''),
    ($info{py} ? ", pyzmq $info{py}{module} on libzmq $info{py}{libzmq} (python "
        . "$info{py}{python}, $python)" : ''));
say_("runs: $opt{runs} per measurement, each in a fresh process; figures are median [min .. max]",
    defined $opt{pin} ? "; pinned to CPU(s) $opt{pin} (taskset)" : '');
say_("workload: Rust/C $W{msgs} msgs, Perl/Python $W{perl_msgs} msgs (sizes > 1 KiB capped at ",
    "$W{max_mb} MiB of payload), batch $W{batch}, REQ/REP $W{rt_size} B: $W{rt_thr} round trips ",
    "(threads), $W{rt_one} (one thread); default HWM (1000)");
say_("          multipart ($W{frames} frames of $W{mp_size} B; 1 msg = $W{frames} frames) and ",
    "$PUBSUB ($W{fan_size} B, HWM 0, M msg/s delivered to each SUB):");
say_("          Rust/C $W{mp_msgs} msgs, Perl/Python $W{mp_perl_msgs} msgs (inproc, tcp and ipc)");
say_("          tcp/ipc: Rust/C $W{net_msgs} msgs, Perl/Python $W{net_perl_msgs} msgs (capped at ",
    "$W{net_max_mb} MiB of payload, at least 100), REQ/REP $W{rt_size} B: $W{net_rt} round trips")
    if @NET;
say_('"vs C" = speed relative to C libzmq measured in the same run (>1 = faster than libzmq);');
say_('"vs FFI" = ZMQ::Rust relative to ZMQ::FFI, "vs py" = ZMQ::Rust relative to pyzmq. Time rows');
say_('(ns, us) are inverted so >1 is faster.');
say_('');

my @hdr = ('measurement', 'unit', 'implementation', 'median', 'min', 'max', 'vs C', 'vs FFI',
    'vs py');
my @w   = (24, 8, 26, 9, 9, 9, 7, 7, 7);
my $line = sub {
    my @c = @_;
    my $s = '';
    for my $i (0 .. $#c) {
        my $v = $c[$i] // '';
        $s .= $i < 3 ? sprintf("%-*s ", $w[$i], $v) : sprintf("%*s ", $w[$i], $v);
    }
    $s =~ s/\s+$//;
    say_($s);
};

sub ratio {
    my ($x, $base, $higher) = @_;
    return '' unless defined $x && defined $base && $x > 0 && $base > 0;
    return sprintf('%.2f', $higher ? $x / $base : $base / $x);
}

my %NET_TITLE = (tcp => 'tcp://127.0.0.1 (ephemeral port)', ipc => 'ipc:// (private path)');
my @sections = (
    ($tr{inproc}
        ? (['inproc, threads: sender/client thread + receiver/server thread (PUB->SUB: one thread '
                . 'per SUB)', \@section_two],
            ['inproc, one thread: the same process sends and receives (Perl: "send+recv loop", '
                . "batch $W{batch})", \@section_one])
        : ()),
    (map {
        ["$NET_TITLE{$_}: sender/client and receiver/server in two processes (same "
            . 'implementation at both ends)', $section_net{$_}]
    } @NET),
);
for my $sec (@sections) {
    say_("== $sec->[0]");
    $line->(@hdr);
    $line->(map { '-' x $_ } @w);
    for my $r (@{ $sec->[1] }) {
        my ($title, $unit, $metric, $impls, $higher) = @$r;
        my $c_med   = median(@{ $res{$metric}{c}   || [] });
        my $ffi_med = median(@{ $res{$metric}{ffi} || [] });
        my $py_med  = median(@{ $res{$metric}{py}  || [] });
        my $first   = 1;
        for my $impl (@$impls) {
            my $label = $LABEL{$impl};
            $label .= ' (ithreads)' if $metric eq 'rr threads' && $impl =~ /^(perl|ffi)$/;
            $label .= ' (threading)' if $metric eq 'rr threads' && $impl eq 'py';
            my $vals = $res{$metric}{$impl};
            my @cells;
            if ($vals && @$vals) {
                my @s = sort { $a <=> $b } @$vals;
                @cells = (fmt(median(@s), $unit), fmt($s[0], $unit), fmt($s[-1], $unit),
                    $impl eq 'c' ? '1.00' : ratio(median(@s), $c_med, $higher),
                    $impl eq 'perl' ? ratio(median(@s), $ffi_med, $higher) : '',
                    $impl eq 'perl' ? ratio(median(@s), $py_med, $higher) : '');
            }
            else {
                my $why = $fail{$metric}{$impl} ? "BROKEN: $fail{$metric}{$impl}"
                    : failure_for($metric, $impl);
                $why //= ($avail{$impl} // '') eq '1' ? 'no result'
                    : defined $avail{$impl} ? $avail{$impl} : 'not selected (--only)';
                $why = $WHY_MISSING{$impl} if $why =~ /^not installed/ && $WHY_MISSING{$impl};
                @cells = ($why);
            }
            if (@cells == 1) {
                my $s = sprintf("%-*s %-*s %-*s %s", $w[0], $first ? $title : '', $w[1],
                    $first ? $unit : '', $w[2], $label, $cells[0]);
                say_($s);
            }
            else {
                $line->($first ? $title : '', $first ? $unit : '', $label, @cells);
            }
            $first = 0;
        }
    }
    say_('');
}

sub failure_for {
    my ($metric, $impl) = @_;
    # Job names: "push_pull 100", "loop 100", "req_rep threads", "push_pull tcp 100",
    # "req_rep ipc", "multipart one_thread 100", "fanout tcp 100", ...
    my %job_of = (pp => 'push_pull', loop => 'loop', send => 'loop', recv => 'loop',
        rr => 'req_rep', mp => 'multipart', mps => 'multipart', mpr => 'multipart',
        fan => 'fanout');
    my ($kind, @arg) = split ' ', $metric;
    my $job = join ' ', $job_of{$kind}, @arg;
    return $fail{$job}{$impl} ? "FAILED: $fail{$job}{$impl}" : undef;
}

# Targets from the issue.
my $pp100   = median(@{ $res{'pp 100'}{rust}   || [] });
my $loop100 = median(@{ $res{'loop 100'}{perl} || [] });
if ($tr{inproc}) {
    say_('targets:');
    say_(sprintf('  Rust core inproc PUSH/PULL 100 B >= 5 M msg/s:      %s',
        defined $pp100 ? sprintf('%s M msg/s  %s', fmt($pp100, 'M msg/s'),
            $pp100 >= 5e6 ? 'MET' : 'NOT MET') : 'not measured'));
    say_(sprintf('  Perl ZMQ::Rust send+recv loop 100 B >= 1 M msg/s:   %s',
        defined $loop100 ? sprintf('%s M msg/s  %s', fmt($loop100, 'M msg/s'),
            $loop100 >= 1e6 ? 'MET' : 'NOT MET') : 'not measured'));
}
say_($_) for report_tail(\@failures, $t_start);

print $out;
exit(@failures ? 1 : 0);
