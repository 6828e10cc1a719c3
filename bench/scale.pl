#!/usr/bin/perl
# Memory and scale: the engine (rust/core/examples/bench_scale.rs) next to libzmq
# (bench/c/scale.c), measured in the same run. See bench/README.md, "Memory and scale".
#
#   perl bench/scale.pl [--quick] [--only rust,c] [--what hwm,conns,fanout] ...
#
# (a) hwm     1 MiB messages to a PULL that stops reading, then drains: RSS of receiver and
#             sender against the bound the HWM implies (HWM 1000 and 10; tcp, ipc, inproc).
# (b) conns   10 000 idle tcp connections to one ROUTER (IO_THREADS=1): memory per
#             connection, time to accept them, idle CPU, one message to each.
# (c) fanout  one PUB, 100 SUBs in other processes, lossless (HWM 0): delivery rate, time
#             until all have everything.
#
# Every measurement runs in a fresh process (and starts its peers as more processes). The
# exit status is 1 if a measurement failed, timed out, lost or mangled messages, did not
# connect everything, or grew to more than twice the HWM bound.
use strict;
use warnings;
use FindBin ();
use POSIX qw(strftime);
use lib "$FindBin::RealBin/lib";
use ZMQRBench qw($ROOT options choose slurp machine machine_line load_line build_rust
    build_c rust_bin c_bin find_cargo rustc_version run_command failure report_tail);

chdir $ROOT or die "chdir $ROOT: $!\n";

my %opt = (timeout => 120);
my $USAGE = <<'USAGE';
usage: perl bench/scale.pl [options]
  --quick             smoke run (~30 s): HWM 100 and 10 instead of 1000 and 10, 2 000
                      connections and 1 s idle instead of 10 000 and 5 s, 10 000 fan-out
                      messages instead of 100 000
  --only LIST         subset of rust,c (default both)
  --what LIST         subset of hwm,conns,fanout (default all)
  --transport LIST    subset of tcp,ipc,inproc for hwm (tcp,ipc for fanout; conns is tcp)
  --hwms LIST         HWMs of the hwm measurement (default 1000,10)
  --size B            message size of the hwm measurement (default 1048576)
  --conns N           connections of the conns measurement (default 10000)
  --backlog N         the ROUTER's ZMQ_BACKLOG (default: libzmq's default, 100)
  --dealer-procs P    processes holding the DEALERs (default 2)
  --idle S            idle time over which CPU is measured (default 5)
  --subs N            SUB sockets of the fanout measurement (default 100)
  --sub-procs P       processes holding them (default 2)
  --fanout-msgs N     messages the PUB sends (default 100000)
  --timeout S         every program gives up after S s (default 120); the driver kills a
                      measurement after S + 60 s
  --raw FILE          also write every result line to FILE
  --series FILE       write the RSS samples of the hwm measurement (every 20 ms) to FILE
  --no-build          use the binaries already built
  -v, --verbose       print result lines as they come
USAGE
options(\%opt, $USAGE, 'quick', 'only=s', 'what=s', 'transport=s', 'hwms=s', 'size=i',
    'conns=i', 'backlog=i', 'dealer-procs=i', 'idle=f', 'subs=i', 'sub-procs=i',
    'fanout-msgs=i', 'timeout=i', 'raw=s', 'series=s', 'no-build', 'verbose|v');

my %only = choose('only', $opt{only}, 'rust,c', qw(rust c));
my %what = choose('what', $opt{what}, 'hwm,conns,fanout', qw(hwm conns fanout));
my %tr   = choose('transport', $opt{transport}, 'tcp,ipc,inproc', qw(tcp ipc inproc));

my %W = $opt{quick}
    ? (hwms => '100,10', conns => 2000, idle => 1, fanout_msgs => 10_000)
    : (hwms => '1000,10', conns => 10_000, idle => 5, fanout_msgs => 100_000);
$W{hwms}        = $opt{hwms}          if defined $opt{hwms};
$W{conns}       = $opt{conns}         if defined $opt{conns};
$W{idle}        = $opt{idle}          if defined $opt{idle};
$W{fanout_msgs} = $opt{'fanout-msgs'} if defined $opt{'fanout-msgs'};
$W{size}         = $opt{size}           // 1048576;
$W{dealer_procs} = $opt{'dealer-procs'} // 2;
$W{subs}         = $opt{subs}           // 100;
$W{sub_procs}    = $opt{'sub-procs'}    // 2;
my @HWMS = split /,/, $W{hwms};

my $t_start = time;
my $machine = machine();
my $nofile = `sh -c 'ulimit -Hn' 2>/dev/null`;
chomp $nofile;
my $commit = `git -C "$ROOT" log -1 --format='%h %s' 2>/dev/null` // '';
chomp $commit;
my $dirty = `git -C "$ROOT" status --porcelain --untracked-files=no -- rust/core/src 2>/dev/null`;
$commit .= ' (rust/core/src has uncommitted changes)' if $dirty;

# ---------------------------------------------------------------- build
my %avail;
my %BIN = (rust => rust_bin('bench_scale'), c => c_bin('scale'));
my $rustc_v = '';
if ($only{rust}) {
    $avail{rust} = build_rust($opt{'no-build'}, 'bench_scale');
    my $cargo = find_cargo();
    $rustc_v = rustc_version($cargo) if $cargo;
}
$avail{c} = build_c($opt{'no-build'}, 'scale') if $only{c};

# ---------------------------------------------------------------- jobs
my @common = ('--timeout', $opt{timeout});
push @common, '--series' if $opt{series};
my @jobs;    # [name, impl, args...]; rust and c of one measurement next to each other
sub job {
    my ($name, @args) = @_;
    for my $impl (qw(rust c)) {
        next unless ($avail{$impl} // '') eq '1';
        push @jobs, [$name, $impl, $BIN{$impl}, @args, @common];
    }
}
if ($what{hwm}) {
    for my $h (@HWMS) {
        for my $t (grep { $tr{$_} } qw(tcp ipc inproc)) {
            job("hwm $t $h", '--what', 'hwm', '--transport', $t, '--hwms', $h, '--size', $W{size},
                ($opt{quick} ? ('--hold', 0.3, '--settle-ms', 500) : ()));
        }
    }
}
if ($what{conns}) {
    job('conns', '--what', 'conns', '--conns', $W{conns}, '--dealer-procs', $W{dealer_procs},
        '--idle', $W{idle}, (defined $opt{backlog} ? ('--backlog', $opt{backlog}) : ()));
}
if ($what{fanout}) {
    for my $t (grep { $tr{$_} } qw(tcp ipc)) {
        job("fanout $t", '--what', 'fanout', '--transport', $t, '--subs', $W{subs},
            '--sub-procs', $W{sub_procs}, '--fanout-msgs', $W{fanout_msgs});
    }
}
die "nothing to run (" . join(', ', map {"$_: $avail{$_}"} sort keys %avail) . ")\n" unless @jobs;

# ---------------------------------------------------------------- run
my (%res, %fail, @failures, %info, $raw_fh, $series_fh);
if ($opt{raw}) { open $raw_fh, '>', $opt{raw} or die "$opt{raw}: $!\n" }
if ($opt{series}) { open $series_fh, '>', $opt{series} or die "$opt{series}: $!\n" }

sub fields {
    my ($kv) = @_;
    return { map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } split ' ', $kv };
}

sub run_job {
    my ($name, $impl, @cmd) = @{ $_[0] };
    # The driver kills a measurement 60 s after the programs' own --timeout.
    my ($lines, $status, $timed_out) = run_command(\@cmd, $opt{timeout} + 60);
    my $got = 0;
    for my $l (@$lines) {
        if ($l =~ /^series /) {
            print {$series_fh} "$l\n" if $series_fh;
            next;
        }
        print {$raw_fh} "$l\n" if $raw_fh;
        print STDERR "  $l\n" if $opt{verbose};
        my ($kind, $kv) = $l =~ /^(\w+)\s+(\S.*)$/ or next;
        my $f = fields($kv);
        next unless ($f->{impl} // '') eq $impl;
        if ($kind eq 'version') { $info{$impl} = $f; next }
        $res{$name}{$impl} = $f;
        $got++;
    }
    if ($timed_out || $status != 0 || !$got) {
        my $why = failure($status, $timed_out, $opt{timeout} + 60);
        $fail{$name}{$impl} = $why;
        push @failures, "$impl $name: $why (" . join(' ', @cmd) . ')';
        print STDERR "\n  $impl $name FAILED ($why)\n";
    }
}

printf STDERR "running %d measurement processes...\n", scalar @jobs;
my $done = 0;
for my $job (@jobs) {
    run_job($job);
    $done++;
    printf STDERR "\r  %d/%d done (%d s)", $done, scalar @jobs, time - $t_start
        if -t STDERR && !$opt{verbose};
}
print STDERR "\n" if -t STDERR && !$opt{verbose};
my ($load1) = split /\n/, slurp('/proc/loadavg');

# ---------------------------------------------------------------- checks
# Lost or mangled messages, missing connections, and growth far beyond the HWM bound fail the
# run; growth a little beyond it is only noted (allocator slack).
my @notes;
for my $name (sort keys %res) {
    for my $impl (sort keys %{ $res{$name} }) {
        my $f = $res{$name}{$impl};
        my @why;
        push @why, "lost=$f->{lost}" if ($f->{lost} // 0) != 0;
        push @why, "bad=$f->{bad}"   if ($f->{bad}  // 0) != 0;
        push @why, "connected=$f->{connected} of $f->{conns}"
            if defined $f->{connected} && $f->{connected} != $f->{conns};
        push @why, "full=0 (the sender never blocked: raise --msgs)"
            if defined $f->{full} && !$f->{full};
        for my $side (qw(recv send)) {
            next unless defined $f->{"${side}_bound_kib"} && $f->{"${side}_bound_kib"} > 0;
            my $grow  = $f->{"${side}_peak_kib"} - $f->{"${side}_base_kib"};
            my $bound = $f->{"${side}_bound_kib"};
            if ($grow > 2 * $bound) {
                push @why, sprintf('%s RSS grew by %.1f MiB, more than twice the HWM bound '
                    . '(%.1f MiB)', $side eq 'recv' ? 'receiver' : 'sender', $grow / 1024,
                    $bound / 1024);
            }
            elsif ($grow > $bound) {
                push @notes, sprintf('%s %s: %s RSS grew by %.1f MiB, %.1f MiB over the HWM bound '
                    . '(%.1f MiB)', $impl, $name, $side eq 'recv' ? 'receiver' : 'sender',
                    $grow / 1024, ($grow - $bound) / 1024, $bound / 1024);
            }
        }
        if (@why) {
            $fail{$name}{$impl} //= join ' ', @why;
            push @failures, "$impl $name: " . join(', ', @why);
        }
    }
}

# ---------------------------------------------------------------- report
my $out = '';
sub say_ { $out .= join('', @_) . "\n" }

sub num {
    my ($v, $dec) = @_;
    return '-' unless defined $v;
    return sprintf("%.${dec}f", $v);
}

my @w = (44, 9, 12, 12, 7);
sub row {
    my ($title, $unit, $r, $c, $ratio, $note) = @_;
    my $s = sprintf("%-*s %-*s %*s %*s %*s", $w[0], $title, $w[1], $unit, $w[2], $r // '',
        $w[3], $c // '', $w[4], $ratio // '');
    $s .= "  $note" if defined $note && length $note;
    $s =~ s/\s+$//;
    say_($s);
}

sub header {
    my ($title) = @_;
    say_("== $title");
    row('measurement', 'unit', 'Rust core', 'C libzmq', 'Rust/C', 'note');
    row(map { '-' x $_ } @w);
}

# One row: $get->($fields) gives the figure; missing results say why.
sub line {
    my ($name, $title, $unit, $dec, $get, $note, $no_ratio) = @_;
    my @cells;
    for my $impl (qw(rust c)) {
        my $f = $res{$name}{$impl};
        my $v = $f ? $get->($f) : undef;
        push @cells, $v;
    }
    my @shown = map { num($_, $dec) } @cells;
    for my $i (0, 1) {
        my $impl = (qw(rust c))[$i];
        next if defined $cells[$i];
        $shown[$i] = !$only{$impl} ? 'not run'
            : ($avail{$impl} // '') ne '1' ? ($avail{$impl} =~ /libzmq3-dev/ ? 'no libzmq' : 'not built')
            : $fail{$name}{$impl} ? 'FAILED' : '-';
    }
    my $ratio = !$no_ratio && defined $cells[0] && defined $cells[1] && $cells[1] > 0 && $cells[0] >= 0
        ? sprintf('%.2f', $cells[0] / $cells[1]) : '';
    row($title, $unit, @shown, $ratio, ref $note ? $note->(@cells) : $note);
}

sub mib { defined $_[0] ? $_[0] / 1024 : undef }

my $date = strftime('%Y-%m-%d %H:%M:%S %Z', localtime $t_start);
say_("ZMQ::Rust memory and scale, $date", $opt{quick} ? '  (--quick smoke run)' : '');
say_(machine_line($machine, ", fd limit $nofile"));
say_(load_line($machine->{load}, $load1));
say_('software: ', join(', ', grep {length} $rustc_v,
    ($info{c} ? "libzmq $info{c}{libzmq} (C harness)" : ())));
say_("engine: commit $commit") if $commit;
say_('each measurement in fresh processes; Rust/C = Rust core figure / libzmq figure');
say_('');

if ($what{hwm}) {
    my $size = $W{size};
    my $sz = $size >= 1048576 ? ($size / 1048576) . ' MiB' : $size >= 1024 ? ($size / 1024) . ' KiB'
        : "$size B";
    header("(a) $sz messages, PUSH -> PULL that stops reading, then drains; SNDHWM = RCVHWM = HWM "
        . 'on both sockets; RSS in MiB (peak: VmHWM)');
    for my $h (@HWMS) {
        for my $t (grep { $tr{$_} } qw(tcp ipc inproc)) {
            my $n = "hwm $t $h";
            my $net = $t ne 'inproc';
            my $msgs = (grep {defined} map { $res{$n}{$_} && $res{$n}{$_}{msgs} } qw(rust c))[0];
            say_("$t, HWM $h" . ($msgs ? ", $msgs messages" : ''));
            line($n, '  in flight when the sender blocked', 'msgs', 0, sub { $_[0]{in_flight} },
                $net ? "SNDHWM + RCVHWM = " . 2 * $h . ", + kernel buffers"
                : 'SNDHWM + RCVHWM = ' . 2 * $h);
            my $who = $net ? 'receiver' : 'process';
            line($n, "  $who RSS before", 'MiB', 1, sub { mib($_[0]{recv_base_kib}) });
            my $bound = sub {
                my ($side, @v) = @_;
                my $f = $res{$n}{rust} // $res{$n}{c} or return '';
                my $b = $f->{"${side}_bound_kib"} or return '';
                my @over = map { defined $v[$_] && $v[$_] > $b / 1024 ? (qw(Rust C))[$_] : () } 0, 1;
                return sprintf('bound %.1f = (%s + 3) x %s', $b / 1024,
                    $net ? ($side eq 'recv' ? 'RCVHWM' : 'SNDHWM') : 'SNDHWM + RCVHWM',
                    ($size + 16 + 4095 >> 12 << 2) . ' KiB')
                    . (@over ? '; OVER: ' . join(', ', @over) : '');
            };
            line($n, "  $who peak RSS - before", 'MiB', 1,
                sub { mib($_[0]{recv_peak_kib} - $_[0]{recv_base_kib}) },
                sub { $bound->('recv', @_) });
            line($n, "  $who RSS after the drain - before", 'MiB', 1,
                sub { mib($_[0]{recv_after_kib} - $_[0]{recv_base_kib}) }, '', 1);
            if ($net) {
                line($n, '  sender RSS before', 'MiB', 1, sub { mib($_[0]{send_base_kib}) });
                line($n, '  sender peak RSS - before', 'MiB', 1,
                    sub { mib($_[0]{send_peak_kib} - $_[0]{send_base_kib}) },
                    sub { $bound->('send', @_) });
            }
            line($n, '  fill + hold + drain', 's', 2, sub { $_[0]{secs} });
        }
    }
    say_('');
}

if ($what{conns}) {
    my $n = 'conns';
    my $N = $W{conns};
    header("(b) $N idle tcp connections: one ROUTER (IO_THREADS=1), $N DEALERs in "
        . "$W{dealer_procs} other processes");
    line($n, 'connections established (hello received)', 'conns', 0, sub { $_[0]{connected} },
        "of $N");
    line($n, 'time to accept them all', 's', 2, sub { $_[0]{accept_secs} },
        'listen backlog ' . ($opt{backlog} // '100 (default)'));
    line($n, 'ROUTER process RSS before', 'MiB', 1, sub { mib($_[0]{rss_before_kib}) });
    line($n, 'ROUTER process RSS with all connected', 'MiB', 1, sub { mib($_[0]{rss_after_kib}) });
    line($n, 'memory per idle connection (ROUTER side)', 'KiB', 2,
        sub { $_[0]{per_conn_bytes} / 1024 }, '(RSS after - before) / connections');
    line($n, 'fds per connection (ROUTER side)', 'fds', 2,
        sub { $_[0]{connected} ? ($_[0]{fds_after} - $_[0]{fds_before}) / $_[0]{connected} : undef });
    line($n, "CPU of the idle ROUTER process over $W{idle} s", 'ms', 1, sub { $_[0]{idle_cpu_ms} },
        'I/O thread and the others, not the measuring one');
    line($n, "its context switches over $W{idle} s", 'count', 0, sub { $_[0]{idle_wakeups} },
        'all threads but the measuring one');
    line($n, 'memory per connection (DEALER processes)', 'KiB', 2,
        sub { ($_[0]{dealers_rss_after_kib} - $_[0]{dealers_rss_before_kib}) / $N },
        'connection cost: the sockets existed before');
    line($n, "CPU of the idle DEALER processes over $W{idle} s", 'ms', 1,
        sub { $_[0]{dealer_idle_cpu_ms} });
    line($n, 'replies delivered (one to each routing id)', 'msgs', 0, sub { $_[0]{replies_ok} },
        "of $N");
    say_('');
}

if ($what{fanout}) {
    for my $t (grep { $tr{$_} } qw(tcp ipc)) {
        my $n = "fanout $t";
        my $M = $W{fanout_msgs};
        header("(c) $t fan-out: one PUB, $W{subs} SUBs in $W{sub_procs} other processes, $M "
            . 'messages of 100 B, SNDHWM = RCVHWM = 0 (lossless)');
        line($n, 'time until every SUB has everything', 's', 3, sub { $_[0]{all_secs} || undef });
        line($n, 'time until the first SUB has everything', 's', 3, sub { $_[0]{first_secs} });
        line($n, 'delivered, all SUBs together', 'M msg/s', 2,
            sub { $_[0]{total_msgs_per_sec} ? $_[0]{total_msgs_per_sec} / 1e6 : undef });
        line($n, 'delivered per SUB (median)', 'k msg/s', 1,
            sub { $_[0]{per_sub_msgs_per_sec} / 1e3 });
        line($n, 'PUB: time to send them all', 's', 3, sub { $_[0]{send_secs} });
        line($n, 'PUB: CPU time of the sending thread', 's', 3, sub { $_[0]{send_cpu_secs} },
            sprintf('per message and SUB: Rust %s, C %s ns', map {
                my $f = $res{$n}{$_};
                $f && $f->{send_cpu_secs} ? sprintf('%.0f', $f->{send_cpu_secs} * 1e9 / $M / $W{subs})
                    : '-'
            } qw(rust c)));
        line($n, 'PUB process peak RSS - before', 'MiB', 1,
            sub { mib($_[0]{pub_peak_kib} - $_[0]{pub_base_kib}) },
            'what it queues for slower SUBs (no HWM)');
        line($n, 'messages lost (all SUBs)', 'msgs', 0, sub { $_[0]{lost} }, 'must be 0');
        say_('');
    }
}

if (@notes) {
    say_('notes:');
    say_("  $_") for @notes;
}
say_($_) for report_tail(\@failures, $t_start);
print $out;
exit(@failures ? 1 : 0);
