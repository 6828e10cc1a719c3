package ZMQRBench;
# What the Perl scripts of bench/ share: the command line, the binding under test (for
# perl_inproc.pl and perl_net.pl), and for the drivers (run.pl, scale.pl, syscalls.pl) the
# build of the Rust examples and C harnesses, the machine, and running a measurement
# process with a time limit. Not installed; the scripts load it with
#
#   use FindBin ();
#   use lib "$FindBin::RealBin/lib";
#   use ZMQRBench qw(...);
#
# rust/core/examples/common/mod.rs and bench/c/common.h are the same for Rust and C.
use strict;
use warnings;
use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use Getopt::Long qw(GetOptions);
use POSIX ();
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

# The top directory of the distribution (this file is bench/lib/ZMQRBench.pm).
our $ROOT;
BEGIN { $ROOT = abs_path(dirname(abs_path(__FILE__)) . '/../..') }
use lib "$ROOT/inc";
use ZMQRust::Toolchain qw(find_cargo rustc_version);

our @EXPORT_OK = qw($ROOT options choose binding now count_for set_hwm slurp machine
    machine_line load_line build_rust build_c rust_bin c_bin find_cargo rustc_version
    run_command failure median report_tail);

# ---------------------------------------------------------------- command line

# GetOptions(\%opt, @spec) plus -h/--help: --help prints the script's header comment and
# $usage, and exits 0; an unknown option or a bad value prints $usage to STDERR and exits 2.
sub options {
    my ($opt, $usage, @spec) = @_;
    $usage .= "\n" unless $usage =~ /\n\z/;
    if (!GetOptions($opt, @spec, 'help|h')) {
        print STDERR $usage;
        exit 2;
    }
    return unless $opt->{help};
    if (open my $fh, '<', $0) {
        while (<$fh>) {
            next if $. == 1 && /^#!/;
            last unless /^#/;
            s/^# ?//;
            print;
        }
    }
    print "\n", $usage;
    exit 0;
}

# The set of the items of a comma-separated option value ($value, else $default), as a hash;
# with @known, an item that is not one of them ends the script ("--what: unknown x (a, b)").
sub choose {
    my ($name, $value, $default, @known) = @_;
    my %set = map { $_ => 1 } split /,/, ($value // $default);
    if (@known) {
        my %ok = map { $_ => 1 } @known;
        for (sort keys %set) {
            die "--$name: unknown $_ (" . join(', ', @known) . ")\n" unless $ok{$_};
        }
    }
    return %set;
}

# ---------------------------------------------------------------- the binding under test

# ZMQ::Rust (rust) or ZMQ::FFI (ffi), loaded: a hash with its name in result lines (impl),
# its constants (C: PUSH, PULL, ..., without the ZMQ_ prefix), and subs: new_ctx (a new
# context), last_endpoint (a bound socket's endpoint) and version (the version line).
sub binding {
    my ($impl) = @_;
    my @names = qw(PUSH PULL REQ REP PUB SUB SNDHWM RCVHWM SNDTIMEO RCVTIMEO LINGER DONTWAIT
        LAST_ENDPOINT);
    my %b;
    if ($impl eq 'rust') {
        require ZMQ::Rust;
        require ZMQ::Rust::Constants;
        %b = (
            impl          => 'perl-zmq-rust',
            C             => { map { $_ => ZMQ::Rust::Constants->can("ZMQ_$_")->() } @names },
            new_ctx       => sub { ZMQ::Rust->new },
            last_endpoint => sub { $_[0]->last_endpoint },
        );
        $b{version} = sub {"version impl=$b{impl} module=$ZMQ::Rust::VERSION perl=$^V"};
    }
    elsif ($impl eq 'ffi') {
        require ZMQ::FFI;
        require ZMQ::FFI::Constants;
        my %C = map { $_ => ZMQ::FFI::Constants->can("ZMQ_$_")->() } @names;
        %b = (
            impl          => 'perl-zmq-ffi',
            C             => \%C,
            new_ctx       => sub { ZMQ::FFI->new },
            last_endpoint => sub { $_[0]->get($C{LAST_ENDPOINT}, 'string') },
        );
        $b{version} = sub {
            "version impl=$b{impl} module=$ZMQ::FFI::VERSION libzmq="
                . join('.', ZMQ::FFI->new->version) . " perl=$^V";
        };
    }
    else {
        die "--impl must be rust or ffi\n";
    }
    return \%b;
}

sub now { clock_gettime(CLOCK_MONOTONIC) }

# Messages for one size: $msgs, capped at $max_mb MiB of payload, and at least $floor (1000
# inproc, 100 tcp/ipc). Same rule as the Rust examples and the C harnesses.
sub count_for {
    my ($msgs, $max_mb, $size, $floor) = @_;
    my $cap = int(($max_mb * 1048576) / ($size > 0 ? $size : 1));
    $cap = $floor if $cap < $floor;
    return $msgs < $cap ? $msgs : $cap;
}

# SNDHWM and RCVHWM of $sock ($C: the binding's constants); undef leaves the defaults.
sub set_hwm {
    my ($sock, $C, $hwm) = @_;
    return unless defined $hwm;
    $sock->set($C->{SNDHWM}, 'int', $hwm);
    $sock->set($C->{RCVHWM}, 'int', $hwm);
}

# ---------------------------------------------------------------- the machine

sub slurp { my ($f) = @_; open my $fh, '<', $f or return ''; local $/; return <$fh> }

# CPUs, CPU model, RAM (KiB), kernel and the first line of /proc/loadavg.
sub machine {
    my $cpuinfo = slurp('/proc/cpuinfo');
    my ($cpu_model) = $cpuinfo =~ /^model name\s*:\s*(.+)$/m;
    my $nproc = `nproc 2>/dev/null`;
    chomp $nproc;
    $nproc ||= scalar(() = $cpuinfo =~ /^processor\s*:/mg) || '?';
    my ($mem_kb) = slurp('/proc/meminfo') =~ /^MemTotal:\s*(\d+)/m;
    my $kernel = `uname -sr 2>/dev/null`;
    chomp $kernel;
    my ($load) = split /\n/, slurp('/proc/loadavg');
    return { nproc => $nproc, cpu_model => $cpu_model, mem_kb => $mem_kb, kernel => $kernel,
        load => $load };
}

# "machine: 2 CPU(s), MODEL, 24 GiB RAM, Linux ..." (then @more).
sub machine_line {
    my ($m, @more) = @_;
    return join '', 'machine: ', $m->{nproc}, ' CPU(s), ', $m->{cpu_model} // 'unknown CPU',
        ', ', $m->{mem_kb} ? sprintf('%.0f GiB RAM', $m->{mem_kb} / 1048576) : '?', ', ',
        $m->{kernel}, @more;
}

# "load average: 1.0 0.9 0.8 (start), ... (end)", from two lines of /proc/loadavg.
sub load_line {
    my ($start, $end) = @_;
    return 'load average: ' . join(' ', (split ' ', $start)[0 .. 2]) . ' (start), '
        . join(' ', (split ' ', $end)[0 .. 2]) . ' (end)';
}

# ---------------------------------------------------------------- building

sub rust_bin { "$ROOT/target/release/examples/$_[0]" }
sub c_bin    { "$ROOT/bench/bin/$_[0]" }

# Builds the Rust examples @names (cargo build --release --locked), or with $no_build checks
# that they are there. Returns 1, or why not ('cargo not found', 'cargo build failed', ...).
sub build_rust {
    my ($no_build, @names) = @_;
    if ($no_build) {
        my ($missing) = grep { !-x } map { rust_bin($_) } @names;
        return $missing ? "no $missing (built without --no-build?)" : 1;
    }
    my $cargo = find_cargo() or return 'cargo not found';
    print STDERR 'building ', join(' and ', map {"rust/core/examples/$_.rs"} @names),
        " (cargo --release) ...\n";
    my @cmd = ($cargo, 'build', '--release', '--locked', '--quiet', '-p', 'zmq-rust-core',
        (map { ('--example', $_) } @names), '--manifest-path', "$ROOT/Cargo.toml",
        '--target-dir', "$ROOT/target");
    return system(@cmd) == 0 ? 1 : 'cargo build failed';
}

# Builds the C harnesses @names into bench/bin/ where they are older than their source or
# bench/c/common.h, or with $no_build checks that they are there. Returns 1, or why not.
sub build_c {
    my ($no_build, @names) = @_;
    if ($no_build) {
        return (grep { !-x c_bin($_) } @names) ? 'not built' : 1;
    }
    if (!-e '/usr/include/zmq.h' && (`pkg-config --exists libzmq 2>/dev/null && echo yes` // '') !~ /yes/) {
        return 'not installed (libzmq3-dev)';
    }
    mkdir "$ROOT/bench/bin";
    my $cc = $ENV{CC} || 'cc';
    my $ok = 1;
    for my $name (@names) {
        my ($src, $bin) = ("$ROOT/bench/c/$name.c", c_bin($name));
        next if -x $bin && !grep { -M $bin > -M $_ } $src, "$ROOT/bench/c/common.h";
        print STDERR "building bench/bin/$name ($cc -O2 -Wall ... -lzmq) ...\n";
        system($cc, '-O2', '-Wall', '-o', $bin, $src, '-lzmq', '-lpthread') == 0
            or $ok = 'not installed (libzmq3-dev; cc failed)';
    }
    return $ok;
}

# ---------------------------------------------------------------- running

# Runs @$cmd with its stdout read back; kills it (only the process started here) after
# $timeout seconds. Returns its output lines (chomped), its wait status and whether it was
# killed.
sub run_command {
    my ($cmd, $timeout) = @_;
    my $pid = open(my $fh, '-|');
    die "fork: $!\n" unless defined $pid;
    if (!$pid) {
        exec @$cmd or do { print STDERR "exec $cmd->[0]: $!\n"; POSIX::_exit(127) };
    }
    my @lines;
    my $timed_out = 0;
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm $timeout;
        while (my $l = <$fh>) { push @lines, $l }
        alarm 0;
        1;
    } or do {
        alarm 0;
        $timed_out = 1;
        kill 'KILL', $pid;
    };
    close $fh;
    my $status = $?;
    chomp @lines;
    return (\@lines, $status, $timed_out);
}

# Why a measurement process failed: "timeout after Ns", "exit N [signal S]" or "no result".
sub failure {
    my ($status, $timed_out, $timeout) = @_;
    return "timeout after ${timeout}s" if $timed_out;
    return 'exit ' . ($status >> 8) . ($status & 127 ? ' signal ' . ($status & 127) : '')
        if $status;
    return 'no result';
}

# The last lines of a driver's report: its failures, if any, and the total time.
sub report_tail {
    my ($failures, $t_start) = @_;
    my @l;
    push @l, 'failures (' . @$failures . '):', map {"  $_"} @$failures if @$failures;
    push @l, sprintf('total time: %d s', time - $t_start);
    return @l;
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return undef unless @v;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

1;
