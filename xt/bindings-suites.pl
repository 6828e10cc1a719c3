#!/usr/bin/env perl
# Runs the public test suites of ZMQ::FFI, ZMQ::LibZMQ3, the ZMQ wrapper and ZMQ::Constants
# against ZMQ::Rust, with only the module names changed. See the POD below.
use 5.014;
use strict;
use warnings;

use Cwd ();
use File::Basename ();
use File::Copy ();
use File::Find ();
use File::Path ();
use File::Spec;
use File::Temp ();
use Getopt::Long ();
use POSIX ();
use TAP::Parser;
use Time::HiRes ();

my $here = File::Basename::dirname( Cwd::abs_path(__FILE__) );

my %opt = (
    perlzmq => $ENV{ZMQ_RUST_PERLZMQ},
    p5zmq   => $ENV{ZMQ_RUST_P5ZMQ},
    blib    => $ENV{ZMQ_RUST_BLIB} || "$here/../blib",
    timeout => $ENV{ZMQ_RUST_SUITE_TIMEOUT} || 60,
    suite   => [],
    inc     => [],
);
Getopt::Long::GetOptions(
    \%opt,
    'perlzmq=s', 'p5zmq=s', 'blib=s', 'timeout=i', 'suite=s@', 'all', 'keep', 'logs=s',
    'inc=s@', 'verbose|v', 'help|h',
) or pod_usage(2);
pod_usage(0) if $opt{help};

# Positional arguments: the two checkouts, told apart by what they hold.
for my $dir (@ARGV) {
    if    ( -d "$dir/ZMQ-LibZMQ3/t" ) { $opt{p5zmq}   = $dir }
    elsif ( -f "$dir/lib/ZMQ/FFI.pm" ) { $opt{perlzmq} = $dir }
    else {
        die "$dir: neither a zeromq/perlzmq checkout (lib/ZMQ/FFI.pm) nor a lestrrat/p5-ZMQ one "
          . "(ZMQ-LibZMQ3/t)\n";
    }
}

sub pod_usage {
    my ($exit) = @_;
    require Pod::Usage;
    Pod::Usage::pod2usage( -exitval => $exit, -verbose => 1, -input => __FILE__ );
}

my $blib = Cwd::abs_path( $opt{blib} );
die "No built ZMQ::Rust in $opt{blib}: run `perl Makefile.PL && make` first\n"
  unless $blib && -f "$blib/lib/ZMQ/Rust.pm" && -d "$blib/arch/auto/ZMQ/Rust";

# ------------------------------------------------------------------------------------------
# The suites, the rewrites and the files left out.

# Module names only. \b...\b so that ZMQ::FFI::Constants becomes ZMQ::Rust::Constants and a
# class name such as ZMQ::LibZMQ3::Socket becomes ZMQ::Rust::LibZMQ3::Socket.
sub rewrite_ffi {
    my ($text) = @_;
    $text =~ s/\bZMQ::FFI\b/ZMQ::Rust/g;
    return $text;
}

sub rewrite_libzmq3 {
    my ($text) = @_;
    $text =~ s/\bZMQ::LibZMQ3\b/ZMQ::Rust::LibZMQ3/g;
    $text =~ s/\bZMQ::Constants\b/ZMQ::Rust::Constants/g;
    return $text;
}

my @SUITES = (
    {   name    => 'ZMQ::FFI',
        key     => 'ffi',
        repo    => 'perlzmq',
        t       => 't',
        rewrite => \&rewrite_ffi,
    },
    {   name    => 'ZMQ::LibZMQ3',
        key     => 'libzmq3',
        repo    => 'p5zmq',
        t       => 'ZMQ-LibZMQ3/t',
        rewrite => \&rewrite_libzmq3,
    },
    {   name    => 'ZMQ',
        key     => 'zmq',
        repo    => 'p5zmq',
        t       => 'ZMQ/t',
        rewrite => \&rewrite_libzmq3,
        # The wrapper itself (ZMQ.pm, ZMQ::Socket, ...) runs unchanged, with the
        # ZMQ::Constants it loads, as PORTING in ZMQ::Rust's POD says to keep them.
        lib => [ 'ZMQ/lib', 'ZMQ-Constants/lib' ],
        env => { PERL_ZMQ_BACKEND => 'ZMQ::Rust::LibZMQ3' },
    },
    {   name    => 'ZMQ::Constants',
        key     => 'constants',
        repo    => 'p5zmq',
        t       => 'ZMQ-Constants/t',
        rewrite => \&rewrite_libzmq3,
    },
);

# Files that test the other binding's internals, not behaviour (not run without --all).
my %OUT_OF_SCOPE = (
    'ZMQ::FFI' => {
        'closed_socket.t' => 'reads the method list from $Moo::Role::INFO{"ZMQ::FFI::SocketRole"} '
          . '(a Moo role of ZMQ::FFI); the behaviour (every method warns "Operation on closed '
          . 'socket") is covered by t/92-ffi-parity.t',
        'gc.t' => 'loads the per-version classes ZMQ::FFI::ZMQ{2,3,4,4_1}::{Context,Socket} and '
          . 'replaces their destroy/close to record the order of destruction',
    },
    'ZMQ::Constants' => {
        '001_v3.1.1.t' => 'asserts that the :v3.1.1 set lacks later constants (! can(ZMQ_HWM), ...); '
          . 'ZMQ::Rust::Constants accepts version sets and exports every constant (PORTING)',
        '002_v3.1.2.t' => 'same as 001_v3.1.1.t, for :v3.1.2',
        '003_v2.1.11.t' => 'same as 001_v3.1.1.t, for :v2.1.11',
        '004_v4.0.4.t' => 'same as 001_v3.1.1.t, for :v4.0.4',
    },
);

# Subtests of counted files that only test internals, and cannot run without them, or that
# die on a documented difference: the one change besides module names is a `plan skip_all`
# at the start of each (see the POD).
my %SKIP_SUBTESTS = (
    'ZMQ::FFI' => {
        'errors.t' => {
            'util errors' => 'replaces FFI::Platypus::function to make ZMQ::FFI::Util::zmq_soname '
              . 'fail (FFI::Platypus specifics, soname loading)',
            'fatal socket error' => 'replaces ZMQ::FFI::ZMQ4_1::Socket::zmq_send (a per-version '
              . 'class) to make send fail; without it, send on an unconnected REQ blocks forever',
        },
    },
);

# Top-level tests of counted files that test internals or a documented difference: their
# failure does not fail the file.
my %EXPECTED = (
    'ZMQ::FFI' => {
        'fork-01.t' => {
            'parent socket closed in parent' => 'detects the close through a replaced '
              . 'ZMQ::FFI::ZMQ4_1::Socket::zmq_close (per-version class)',
            'parent context destroyed in parent' => 'detects the destroy through a replaced '
              . 'ZMQ::FFI::ZMQ4_1::Context::zmq_ctx_term (per-version class)',
        },
        'fork-02.t' => {
            'child process did child ctx/socket cleanup' => 'the child sees its own close and '
              . 'destroy through replaced ZMQ::FFI::ZMQ4_1::{Socket::zmq_close,'
              . 'Context::zmq_ctx_term} (per-version classes)',
            'parent socket closed in parent' => 'as in fork-01.t (replaced '
              . 'ZMQ::FFI::ZMQ4_1::Socket::zmq_close)',
            'parent context destroyed in parent' => 'as in fork-01.t (replaced '
              . 'ZMQ::FFI::ZMQ4_1::Context::zmq_ctx_term)',
        },
        'multipart.t' => {
            'multipart flags' => 'counts the calls of $socket->send made by send_multipart; '
              . 'ZMQ::Rust hands the whole message over at once (PORTING, issue 11)',
        },
    },
);

# ------------------------------------------------------------------------------------------

my %want = map { lc($_) => 1 } map { split /,/ } @{ $opt{suite} };
my @inc_extra = map { Cwd::abs_path($_) // $_ } @{ $opt{inc} };
my $work = File::Temp->newdir( 'zmq-rust-suites-XXXXXX', TMPDIR => 1, CLEANUP => !$opt{keep} );
# The logs outlive the run (the rewritten suites only with --keep).
my $logs = $opt{logs} // File::Temp::tempdir( 'zmq-rust-suites-logs-XXXXXX', TMPDIR => 1 );
File::Path::make_path($logs);
$logs = Cwd::abs_path($logs);

my @rows;
for my $suite (@SUITES) {
    next if %want && !$want{ lc $suite->{name} } && !$want{ $suite->{key} };
    my $repo = $opt{ $suite->{repo} };
    unless ( defined $repo && -d "$repo/$suite->{t}" ) {
        push @rows, { suite => $suite->{name}, file => '-', result => 'NOT RUN',
            note => "no checkout: give --$suite->{repo} DIR (or ZMQ_RUST_\U$suite->{repo}\E)" };
        next;
    }
    $repo = Cwd::abs_path($repo);
    my $dir = "$work/$suite->{key}";
    copy_tree( "$repo/$suite->{t}", "$dir/t", $suite->{rewrite} );
    skip_subtests( $suite, "$dir/t" );
    # Copied unchanged, the first as lib/ so that a test's `use lib 'lib'` finds it.
    my @lib;
    for my $l ( @{ $suite->{lib} || [] } ) {
        my $to = @lib ? "$dir/lib" . ( @lib + 1 ) : "$dir/lib";
        copy_tree( "$repo/$l", $to );
        push @lib, $to;
    }
    opendir my $dh, "$dir/t" or die "$dir/t: $!";
    my @files = sort grep { /\.t\z/ && -f "$dir/t/$_" } readdir $dh;
    for my $file (@files) {
        my $why = $OUT_OF_SCOPE{ $suite->{name} }{$file};
        if ( $why && !$opt{all} ) {
            push @rows, { suite => $suite->{name}, file => $file, result => 'out of scope', note => $why };
            next;
        }
        my $row = run_file( $suite, $dir, $file, \@lib );
        $row->{note} = "out of scope: $why" if $why;
        push @rows, $row;
        print_row($row) if $opt{verbose};
    }
}

print_table(@rows);
print "\nLogs (stdout and stderr of each file): $logs\n";
print "Rewritten suites: $work\n" if $opt{keep};
exit( ( grep { $_->{result} =~ /^(FAIL|TIMEOUT|DIED)/ && !$_->{note} } @rows ) ? 1 : 0 );

# ------------------------------------------------------------------------------------------

sub copy_tree {
    my ( $from, $to, $rewrite ) = @_;
    File::Find::find(
        {   no_chdir => 1,
            wanted   => sub {
                my $rel = File::Spec->abs2rel( $File::Find::name, $from );
                my $dst = $rel eq '.' ? $to : "$to/$rel";
                if ( -d $File::Find::name ) { File::Path::make_path($dst); return }
                if ( $rewrite && /\.(?:t|pm|pl)\z/ ) {
                    open my $in, '<:raw', $File::Find::name or die "$File::Find::name: $!";
                    my $text = do { local $/; <$in> };
                    open my $out, '>:raw', $dst or die "$dst: $!";
                    print {$out} $rewrite->($text);
                    close $out or die "$dst: $!";
                }
                else {
                    File::Copy::copy( $File::Find::name, $dst ) or die "$dst: $!";
                }
            },
        },
        $from
    );
}

sub skip_subtests {
    my ( $suite, $tdir ) = @_;
    my $files = $SKIP_SUBTESTS{ $suite->{name} } or return;
    for my $file ( sort keys %$files ) {
        my $path = "$tdir/$file";
        my $text = slurp($path);
        for my $name ( sort keys %{ $files->{$file} } ) {
            ( my $why = "out of scope: $files->{$file}{$name}" ) =~ s/[{}]//g;
            $text =~ s/(\bsubtest\s*\(?\s*(['"])\Q$name\E\2\s*(?:=>|,)\s*sub\s*\{)/$1 plan skip_all => q{$why};/
              or die "$suite->{name} $file: subtest '$name' not found; update %SKIP_SUBTESTS\n";
        }
        open my $out, '>:raw', $path or die "$path: $!";
        print {$out} $text;
        close $out or die "$path: $!";
    }
}

sub run_file {
    my ( $suite, $dir, $file, $lib ) = @_;
    ( my $log = "$logs/$suite->{key}-$file" ) =~ s/\.t\z//;
    my @cmd = ( $^X, "-I$blib/lib", "-I$blib/arch", ( map {"-I$_"} @inc_extra, @$lib ), "t/$file" );
    my $t0  = Time::HiRes::time();
    my $pid = fork // die "fork: $!";
    if ( !$pid ) {
        POSIX::setpgid( 0, 0 );
        chdir $dir or die "$dir: $!";
        open STDIN,  '<', '/dev/null' or die $!;
        open STDOUT, '>', "$log.out" or die "$log.out: $!";
        open STDERR, '>', "$log.err" or die "$log.err: $!";
        $ENV{PERL_DL_NONLAZY} = 1;
        $ENV{HARNESS_ACTIVE}  = 1;
        %ENV = ( %ENV, %{ $suite->{env} || {} } );
        exec @cmd or POSIX::_exit(127);
    }
    my ( $status, $timed_out );
    while (1) {
        my $got = waitpid $pid, POSIX::WNOHANG();
        if ( $got == $pid ) { $status = $?; last }
        if ( Time::HiRes::time() - $t0 > $opt{timeout} ) {
            $timed_out = 1;
            kill 'TERM', -$pid;
            Time::HiRes::sleep(1);
            kill 'KILL', -$pid;
            waitpid $pid, 0;
            $status = $?;
            last;
        }
        Time::HiRes::sleep(0.05);
    }
    # Processes the test left behind (forked servers, proxies) go with it.
    kill 'KILL', -$pid;
    my $secs = Time::HiRes::time() - $t0;

    my $tap = slurp("$log.out");
    my $err = slurp("$log.err");
    my $row = analyse( $suite, $file, $tap, $err, $status, $timed_out );
    $row->{secs} = $secs;
    return $row;
}

sub analyse {
    my ( $suite, $file, $tap, $err, $status, $timed_out ) = @_;
    my $row = { suite => $suite->{name}, file => $file };
    my $expected = $EXPECTED{ $suite->{name} }{$file} || {};

    # Indented "not ok" lines are the failing assertions inside a subtest: collect them for
    # the subtest that closes them.
    my ( @nested, @failed, @xfail );
    # (TAP::Parser cannot start on empty input.)
    my $parser = TAP::Parser->new( { tap => length $tap ? $tap : "# no output\n" } );
    while ( my $r = $parser->next ) {
        if ( $r->is_unknown && $r->as_string =~ /^\s+not ok\s+\d+\s*(?:-\s*)?(.*)/ ) {
            my $name = $1;
            push @nested, $name unless $name =~ /#\s*TODO/;
            next;
        }
        next unless $r->is_test;
        if ( !$r->is_ok ) {
            ( my $name = $r->description ) =~ s/^\s*-\s*//;
            $name = $1 if $name =~ /^No tests run for subtest "(.*)"\z/;
            my $f = { name => $name, number => $r->number, inner => [@nested] };
            if ( $expected->{$name} ) { push @xfail, $f }
            else                      { push @failed, $f }
        }
        @nested = () if $r->is_test;
    }
    my $exit = $status >> 8;
    my $sig  = $status & 127;
    $row->{run}    = $parser->tests_run;
    $row->{failed} = @failed + @xfail;
    $row->{fails}  = \@failed;
    $row->{xfails} = \@xfail;
    $row->{exit}   = $sig ? "signal $sig" : $exit;
    my @perr = $parser->parse_errors;

    if ($timed_out) {
        $row->{result} = 'TIMEOUT';
    }
    elsif ( $parser->skip_all ) {
        $row->{result} = 'SKIP';
        $row->{note}   = 'skip_all: ' . $parser->skip_all;
    }
    elsif ( !@failed && !@perr && !$sig
        && ( $exit == 0 || ( @xfail && $exit == @xfail ) ) && $row->{run} > 0 )
    {
        $row->{result} = @xfail ? 'pass*' : 'PASS';
    }
    elsif (@failed) {
        $row->{result} = 'FAIL';
    }
    else {
        $row->{result} = 'DIED';
    }
    if ( $row->{result} =~ /^(?:FAIL|DIED|TIMEOUT)/ ) {
        my @why;
        push @why, grep { !/^No plan found/ || $row->{result} eq 'DIED' } @perr
          if $row->{result} ne 'TIMEOUT';
        # The first line of the error output that says why the test died (Test::More's own
        # "#   at t/x.t line N." lines are not that).
        my ($died) = grep { !/^\s*#/ && /\bat \S+ line \d+|^Can't locate|syntax error|Bailout/ } split /\n/, $err;
        if ($died) {
            $died =~ s/ \(\@INC contains: [^)]*\)//;
            $died =~ s/ \(you may need to install the \S+ module\)//;
            push @why, $died;
        }
        if ( $row->{result} eq 'TIMEOUT' ) {
            my ($last) = reverse grep { /\S/ } split /\n/, $tap;
            push @why, "killed after $opt{timeout}s" . ( defined $last ? ", last output: '$last'" : ', no output' );
        }
        $row->{why} = join '; ', @why;
    }
    return $row;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return '';
    local $/;
    return scalar <$fh> // '';
}

sub print_row {
    my ($r) = @_;
    printf "%-15s %-22s %4s %4s  %-12s %s\n", $r->{suite}, $r->{file}, $r->{run} // '-',
      $r->{failed} // '-', $r->{result} . ( $r->{secs} ? sprintf( ' %.0fs', $r->{secs} ) : '' ),
      summary($r);
}

# The failing tests, each with up to three of the assertions that failed inside it, then the
# expected failures, then why the file died or was not run.
sub summary {
    my ($r) = @_;
    my @s;
    for my $f ( @{ $r->{fails} || [] } ) {
        my @inner = @{ $f->{inner} };
        splice @inner, 3 if @inner > 3;
        push @s, "'$f->{name}'" . ( @inner ? ' [' . join( '; ', @inner ) . ']' : '' );
    }
    push @s, map {"expected: '$_->{name}'"} @{ $r->{xfails} || [] };
    push @s, grep { defined && length } $r->{why}, $r->{note};
    return join ' | ', @s;
}

sub print_table {
    my @rows = @_;
    print "\n";
    printf "%-15s %-22s %4s %4s  %-12s %s\n", qw(suite file run fail result), 'failing subtests / cause';
    print '-' x 100, "\n";
    print_row($_) for @rows;
    my %n;
    $n{ $_->{result} =~ s/\s.*//r }++ for @rows;
    print '-' x 100, "\n";
    print join( ', ', map {"$n{$_} $_"} sort keys %n ), "\n";
}

__END__

=head1 NAME

xt/bindings-suites.pl - run ZMQ::FFI's, ZMQ::LibZMQ3's and the ZMQ wrapper's own tests on ZMQ::Rust

=head1 SYNOPSIS

    perl Makefile.PL && make
    perl xt/bindings-suites.pl --perlzmq /work/suites/perlzmq --p5zmq /work/suites/p5-ZMQ

    # the same, with the checkouts in the environment, through make
    ZMQ_RUST_PERLZMQ=/work/suites/perlzmq ZMQ_RUST_P5ZMQ=/work/suites/p5-ZMQ make xt_bindings

    # one suite, the out-of-scope files too, keep the rewritten copies
    perl xt/bindings-suites.pl --suite ffi --all --keep /work/suites/perlzmq

=head1 DESCRIPTION

The public test suites of the bindings ZMQ::Rust replaces are the standard for "drop-in"
(issue 11). This author script (not part of C<make test>: it needs their repositories)
copies each suite's F<t/> into a temporary directory, changes the module names and nothing
else, runs every file against the ZMQ::Rust built in F<blib/> with a time limit per file, and
prints one row per file: suite, file, tests run, tests failed, result, and the failing
(sub)tests with the nested assertions that failed in them, or the reason the file died.

Their files are read from checkouts given by path and never copied into this project.

=head2 Checkouts

=over

=item C<--perlzmq DIR> (or C<ZMQ_RUST_PERLZMQ>)

A checkout of zeromq/perlzmq (ZMQ::FFI; read at 484d4a7, version 1.19). Its F<t/> is the
C<ZMQ::FFI> suite.

=item C<--p5zmq DIR> (or C<ZMQ_RUST_P5ZMQ>)

A checkout of lestrrat/p5-ZMQ (read at e81cc9b). Three suites come from it:
F<ZMQ-LibZMQ3/t/> (C<ZMQ::LibZMQ3>), F<ZMQ/t/> (C<ZMQ>, the CPAN wrapper) and
F<ZMQ-Constants/t/> (C<ZMQ::Constants>). The wrapper's own modules, F<ZMQ/lib/>, and the
ZMQ::Constants they load, F<ZMQ-Constants/lib/>, come from it too.

=back

Checkout directories may also be given as plain arguments; the script tells them apart.
A suite whose checkout is missing is reported as C<NOT RUN>.

=head2 What is changed

=over

=item ZMQ::FFI

C<ZMQ::FFI> becomes C<ZMQ::Rust> wherever it appears as a word, so C<ZMQ::FFI::Constants>
becomes L<ZMQ::Rust::Constants> and C<ZMQ::FFI::Util> becomes C<ZMQ::Rust::Util>.

=item ZMQ::LibZMQ3 and ZMQ::Constants

C<ZMQ::LibZMQ3> becomes C<ZMQ::Rust::LibZMQ3> (class names such as C<ZMQ::LibZMQ3::Socket>
included) and C<ZMQ::Constants> becomes C<ZMQ::Rust::Constants>.

=item ZMQ (the wrapper)

The same rewrite in its F<t/>; C<PERL_ZMQ_BACKEND=ZMQ::Rust::LibZMQ3>; the wrapper's
F<lib/> (copied unchanged to the suite's directory, where its tests' C<use lib 'lib'> finds it)
and F<ZMQ-Constants/lib> on C<@INC>.

=back

Each file runs as C<perl -I blib/lib -I blib/arch [-I lib...] t/FILE.t> in the suite's
directory (so C<use lib 't/lib'> works), with C<PERL_DL_NONLAZY=1>, stdin from
F</dev/null>, in its own process group. A file still running after C<--timeout> seconds
(default 60) is killed with its children and reported as C<TIMEOUT>.

=head2 Results

C<PASS>: exit 0, no failure. C<pass*>: every failure is one of the expected ones listed
below. C<FAIL>: a test failed. C<DIED>: no failing test but a bad exit status or plan (the
cause column quotes the error). C<TIMEOUT>, C<SKIP> (skip_all, with its reason), C<out of
scope> (not run; see below). The script exits 1 when a counted file did not pass.

Each file's stdout and stderr are kept in the log directory (C<--logs DIR>, default a new
F<zmq-rust-suites-logs-*> directory in C<$TMPDIR> or F</tmp>, left in place). C<--keep> also
keeps the temporary directory with the rewritten suites.

=head2 Out of scope

Files that test the other binding's internals, not run unless C<--all>:

=over

=item ZMQ::FFI F<closed_socket.t>

Reads the list of socket methods from C<$Moo::Role::INFO{'ZMQ::FFI::SocketRole'}> (ZMQ::FFI's
Moo role). The behaviour it checks, "Operation on closed socket" from every method, is covered
by ZMQ::Rust's F<t/92-ffi-parity.t>.

=item ZMQ::FFI F<gc.t>

Loads the per-version classes C<ZMQ::FFI::ZMQ2::Context> ... C<ZMQ::FFI::ZMQ4_1::Socket> and
replaces their C<destroy>/C<close> to record the order of destruction.

=item ZMQ::Constants F<001_v3.1.1.t>, F<002_v3.1.2.t>, F<003_v2.1.11.t>, F<004_v4.0.4.t>

They assert that a version set such as C<:v3.1.1> lacks the constants of later versions
(C<! __PACKAGE__-E<gt>can('ZMQ_HWM')>, ...) and call the set objects of
C<@ZMQ::Constants::CONSTANT_SETS>. ZMQ::Rust::Constants accepts the version arguments and
exports every constant, by design (see PORTING in L<ZMQ::Rust>). F<000_basic.t> is counted.

=back

Subtests of counted files that test internals and cannot run without them, or that die on a
documented difference. They are the one change made besides module names:
C<plan skip_all =E<gt> q{out of scope: ...}> is put at the start of each, so the rest of the
file runs.

=over

=item ZMQ::FFI F<errors.t>: C<util errors>

Replaces C<FFI::Platypus::function> so that C<ZMQ::FFI::Util::zmq_soname> fails
(FFI::Platypus specifics and soname loading).

=item ZMQ::FFI F<errors.t>: C<fatal socket error>

Replaces C<ZMQ::FFI::ZMQ4_1::Socket::zmq_send> (a per-version class) to make C<send> fail.
Without the replacement, C<send> on an unconnected REQ socket blocks, as it does with libzmq,
and the file never ends.

=back

Tests of counted files whose failure is expected (shown as C<expected: 'name'>; the file's
result is then C<pass*>):

=over

=item ZMQ::FFI F<fork-01.t>: C<parent socket closed in parent>, C<parent context destroyed in parent>

They see the close and the destroy through replaced C<ZMQ::FFI::ZMQ4_1::Socket::zmq_close>
and C<ZMQ::FFI::ZMQ4_1::Context::zmq_ctx_term>. (The child's half of the test, which checks
that a child leaves the parent's objects alone, passes for the same reason whatever
ZMQ::Rust does; F<t/70-fork.t> tests that behaviour.)

=item ZMQ::FFI F<fork-02.t>: C<child process did child ctx/socket cleanup>, C<parent socket closed in parent>, C<parent context destroyed in parent>

The child checks its own close and destroy, and the parent its own, through the same
replaced functions.

=item ZMQ::FFI F<multipart.t>: C<multipart flags>

Counts the calls of C<$socket-E<gt>send> made by C<send_multipart>. ZMQ::Rust hands a whole
multipart message to the engine at once (a documented difference, PORTING; issue 11 accepts it).

=back

=head2 Modules the suites need

On Debian (bookworm):

    apt-get install libtest-warnings-perl libtest-exception-perl libtest-fatal-perl \
        libsys-sigaction-perl libsub-override-perl libtest-nowarnings-perl \
        libtest-sharedfork-perl libtest-requires-perl libtest-tcp-perl libproc-guard-perl \
        libanyevent-perl libffi-platypus-perl libtest-deep-perl

Who needs what: Test::Warnings (every ZMQ::FFI file but threads.t), Test::Exception
(ZMQ::FFI's curve_keypair.t, device.t, errors.t, unbind.t, z85_encoding.t), FFI::Platypus
(ZMQ::FFI's errors.t loads it), Sub::Override (multipart.t), Test::NoWarnings (threads.t),
Sys::SigAction (close.t, monitor.t), AnyEvent (fd.t; ZMQ::LibZMQ3's 006_anyevent.t and
rt64944.t), Test::Fatal (ZMQ::LibZMQ3's 001, 002, 003, 005, 101; the ZMQ wrapper's
101_threads.t), Test::SharedFork (104_ipc.t), Test::Requires (006_anyevent.t, 202_proxy.t,
rt64944.t, rt74653.t; they die without it, and skip without Test::TCP or Proc::Guard),
Test::Deep (closed_socket.t, out of scope). Math::BigInt, Storable, threads and File::Temp come with perl.

=head1 OPTIONS

    --perlzmq DIR     zeromq/perlzmq checkout          (ZMQ_RUST_PERLZMQ)
    --p5zmq DIR       lestrrat/p5-ZMQ checkout          (ZMQ_RUST_P5ZMQ)
    --blib DIR        the built ZMQ::Rust (default: blib/ beside xt/)   (ZMQ_RUST_BLIB)
    --suite NAME      only this suite: ffi, libzmq3, zmq, constants (repeatable, or a,b)
    --timeout SECS    per file (default 60)             (ZMQ_RUST_SUITE_TIMEOUT)
    --all             run the out-of-scope files too
    --inc DIR         put DIR on @INC before the suite's own (repeatable)
    --logs DIR        where each file's stdout/stderr go
    --keep            keep the temporary directory with the rewritten suites
    --verbose, -v     print each row as soon as its file has run

=cut
