package ZMQRTest;

use strict;
use warnings;

use Exporter 'import';
use File::Basename ();
use File::Temp ();
use POSIX ();
use Time::HiRes ();
use ZMQRTest::LineProc ();
use ZMQ::Rust qw(ZMQ_PAIR ZMQ_DONTWAIT ZMQ_RCVTIMEO ZMQ_SNDTIMEO);

our @EXPORT_OK = qw(ep timed sock bind_connect connected_pair drain drain_parts caught
    ipc_dir ipc_ep any_ep bind_connect_at bind_retry gen_bytes wait_for
    run_perl start_perl finish_all run_checks fd_list free_tcp_port need_peer);
our %EXPORT_TAGS = ( all => \@EXPORT_OK );

# A test file that needs a real peer (libzmq, JeroMQ): returns $version when there is one;
# without one the file skips, except under ZMQ_RUST_REQUIRE_INTEROP=1 (CI), where a missing
# peer is a failure. $what names the peer, $why says why it is missing, $hint how to get it.
sub need_peer {
    my ( $version, $what, $why, $hint ) = @_;
    return $version if $version;
    my $reason = "no $what peer: $why";
    require Test::More;
    if ( $ENV{ZMQ_RUST_REQUIRE_INTEROP} ) {
        Test::More::plan( tests => 1 );
        Test::More::fail("ZMQ_RUST_REQUIRE_INTEROP=1 but $reason");
        exit 1;
    }
    Test::More::plan( skip_all => "$reason (" . ( $hint ? "$hint; " : '' )
            . 'ZMQ_RUST_REQUIRE_INTEROP=1 makes this fatal)' );
}

# The default endpoint prefix: the test file's name without its directory and ".t".
my $PREFIX = File::Basename::basename( $0, '.t' );
my $N      = 0;

sub ep {
    my ($prefix) = @_;
    return 'inproc://' . ( defined $prefix ? $prefix : $PREFIX ) . '-' . $$ . '-' . ++$N;
}

sub timed {
    my ( $s, $ms ) = @_;
    $s->set( ZMQ_RCVTIMEO, 'int', $ms || 2000 );
    $s->set( ZMQ_SNDTIMEO, 'int', $ms || 2000 );
    return $s;
}

sub sock {
    my ( $ctx, $type, $ms ) = @_;
    return timed( $ctx->socket($type), $ms );
}

sub bind_connect {
    my ( $ctx, $bind_type, $connect_type, $ms ) = @_;
    my $ep        = ep();
    my $bound     = sock( $ctx, $bind_type,    $ms );
    my $connected = sock( $ctx, $connect_type, $ms );
    $bound->bind($ep);
    $connected->connect($ep);
    return ( $bound, $connected, $ep );
}

sub connected_pair {
    my ( $ctx, $ms ) = @_;
    return bind_connect( $ctx, ZMQ_PAIR, ZMQ_PAIR, $ms );
}

sub drain_parts {
    my ($s) = @_;
    my @got;
    while ( my @m = eval { $s->recv_multipart(ZMQ_DONTWAIT) } ) {
        push @got, \@m;
    }
    return \@got;
}

sub drain {
    my ($s) = @_;
    return [ map { join '|', @$_ } @{ drain_parts($s) } ];
}

# Private directory for ipc:// paths, removed when the process that made it exits.
my ( $IPC_DIR, $IPC_OWNER );

sub ipc_dir {
    if ( !defined $IPC_DIR || $IPC_OWNER != $$ ) {
        $IPC_DIR   = File::Temp::tempdir( 'zmqr-XXXXXX', TMPDIR => 1, CLEANUP => 1 );
        $IPC_OWNER = $$;
    }
    return $IPC_DIR;
}

sub ipc_ep {
    my ($name) = @_;
    return 'ipc://' . ipc_dir() . '/' . ( defined $name ? $name : $PREFIX ) . '-' . ++$N;
}

sub any_ep {
    my ($transport) = @_;
    return $transport eq 'tcp'    ? 'tcp://127.0.0.1:*'
        : $transport eq 'ipc'    ? ipc_ep()
        : $transport eq 'inproc' ? ep()
        : die "any_ep: unknown transport '$transport'\n";
}

sub bind_connect_at {
    my ( $ctx, $endpoint, $bind_type, $connect_type, $ms ) = @_;
    my $bound = sock( $ctx, $bind_type, $ms );
    $bound->bind($endpoint);
    my $real      = $bound->last_endpoint;
    my $connected = sock( $ctx, $connect_type, $ms );
    $connected->connect($real);
    return ( $bound, $connected, $real );
}

# Closing a socket releases its listening address asynchronously (in libzmq too), so a new
# socket binding the same address may see EADDRINUSE for a moment.
sub bind_retry {
    my ( $s, $endpoint, $ms ) = @_;
    my $err;
    return 1 if wait_for( sub { my $ok = eval { $s->bind($endpoint); 1 }; $err = $@; $ok }, $ms || 2000 );
    die $err;
}

# Test bytes shared with t/lib/zmq_peer.py: byte i is (7 * i + seed) % 251.
my %GEN_BLOCK;

sub gen_bytes {
    my ( $len, $seed ) = @_;
    $seed ||= 0;
    my $block = $GEN_BLOCK{$seed} ||= pack 'C*', map { ( 7 * $_ + $seed ) % 251 } 0 .. 250;
    return substr( $block x ( int( $len / 251 ) + 1 ), 0, $len );
}

sub wait_for {
    my ( $code, $ms ) = @_;
    my $until = Time::HiRes::time() + ( $ms || 2000 ) / 1000;
    while (1) {
        my @r = $code->();
        return wantarray ? @r : $r[0] if $r[0];
        return if Time::HiRes::time() >= $until;
        Time::HiRes::sleep(0.01);
    }
}

sub caught {
    my ($code) = @_;
    my @w;
    local $SIG{__WARN__} = sub { push @w, $_[0] };
    my @r;
    my $ok = eval { @r = $code->(); 1 };
    return ( $ok ? undef : $@, \@w, @r );
}

# ---- scenarios in a subprocess, with a hard timeout -------------------------------------

# Perl code (or a script file) run as `$^X -Mblib -It/lib SCRIPT ARGS` in its own process
# group, stdout and stderr going to files. See the POD (start_perl, run_perl, run_checks).
sub start_perl {
    my ( $code, %opt ) = @_;
    # ZMQRTEST_KEEP=1 in the environment keeps the scripts and their output for a look.
    my $dir = File::Temp::tempdir( 'zmqr-run-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{ZMQRTEST_KEEP} );
    my $script = $opt{script};
    if ( !defined $script ) {
        $script = "$dir/script.pl";
        open my $fh, '>', $script or die "$script: $!";
        print {$fh} $code;
        close $fh or die "$script: $!";
    }
    my %self = (
        dir     => $dir,
        out     => "$dir/stdout",
        err     => "$dir/stderr",
        timeout => $opt{timeout} || 15,
    );
    my @cmd = ( $^X, '-Mblib', '-It/lib', @{ $opt{perl_args} || [] }, $script, @{ $opt{args} || [] } );
    $self{t0} = Time::HiRes::time();
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        # A process group of its own, so that a timeout also ends whatever it forked.
        setpgrp( 0, 0 );
        local %ENV = ( %ENV, %{ $opt{env} || {} } );
        open STDIN,  '<', '/dev/null'  or POSIX::_exit(126);
        open STDOUT, '>', $self{out} or POSIX::_exit(126);
        open STDERR, '>', $self{err} or POSIX::_exit(126);
        # Only 0, 1 and 2 go to the script, whatever the test harness left open.
        if ( opendir my $d, '/proc/self/fd' ) {
            my @fds = grep { /^\d+\z/ && $_ > 2 } readdir $d;
            closedir $d;
            POSIX::close($_) for @fds;
        }
        { no warnings 'exec'; exec {$cmd[0]} @cmd; }
        POSIX::_exit(127);
    }
    $self{pid}   = $pid;
    $self{owner} = $$;
    return bless \%self, 'ZMQRTest::Run';
}

# Waits for several start_perl handles at once (each still bound by its own timeout), so
# that each one's elapsed time is measured when it ends. Returns their finish() lists.
sub finish_all {
    my (@h) = @_;
    while ( my @left = grep { !$_->{done} } @h ) {
        for my $h (@left) {
            my $r = waitpid( $h->{pid}, POSIX::WNOHANG() );
            if    ( $r == $h->{pid} ) { $h->_reaped( $?, 0 ) }
            elsif ( $r == -1 )        { $h->_reaped( -1, 0 ) }
            elsif ( Time::HiRes::time() > $h->{t0} + $h->{timeout} ) { $h->finish(0) }
        }
        Time::HiRes::sleep(0.002);
    }
    return map { [ $_->finish ] } @h;
}

sub run_perl {
    my ( $code, %opt ) = @_;
    return start_perl( $code, %opt )->finish;
}

# Scenario code with a prelude that defines check(): each check is a line on stdout, turned
# into a Test::More assertion here, followed by the process's own: it finished in time,
# exited 0, reached its end and printed nothing unexpected on stderr.
sub run_checks {
    my ( $name, $code, %opt ) = @_;
    my ( $file, $line ) = ( caller( $opt{caller_level} || 0 ) )[ 1, 2 ];
    $file =~ s/"//g;
    my $prelude = <<'PRELUDE';
use strict;
use warnings;
use lib 't/lib';
use POSIX ();
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(:all);
use ZMQRTest qw(:all);
$| = 1;
# The prototypes put the condition in scalar context: a failed match in list context would
# otherwise vanish from the argument list.
sub check ($@) {
    my ( $ok, $name, @diag ) = @_;
    my $d = join ' ', map { defined $_ ? $_ : 'undef' } @diag;
    s/\\/\\\\/g, s/\n/\\n/g, s/\t/\\t/g for $name, $d;
    print $ok ? "ok\t$name\n" : "not ok\t$name\t$d\n";
    return $ok;
}
sub check_todo ($$@) {
    my ( $why, @check ) = @_;
    $why =~ s/[\t\n]/ /g;
    print "TODO\t$why\n";
    return &check(@check);
}
sub check_is ($$;$) {
    my ( $got, $want, $name ) = @_;
    my $ok = defined $got ? defined $want && $got eq $want : !defined $want;
    return check( $ok, $name, 'got:', $got, 'expected:', $want );
}
PRELUDE
    $prelude .= $opt{prelude} if defined $opt{prelude};
    my $script = $prelude . sprintf( qq{\n#line %d "%s"\n}, $line + 1, $file ) . $code
        . qq{\n;print "DONE\\n";\n};
    my $run = start_perl( $script, %opt );
    my ( $status, $out, $err, $elapsed, $timed_out ) = $run->finish;
    require Test::Builder;
    my $tb   = Test::Builder->new;
    $tb->note("$name: script and output kept in $run->{dir}") if $ENV{ZMQRTEST_KEEP};
    my $done = 0;
    my $n    = 0;
    my $todo;
    for my $l ( split /\n/, $out ) {
        if ( $l eq 'DONE' ) { $done = 1; next }
        if ( $l =~ /^#\s?(.*)/ ) { $tb->note($1); next }
        if ( $l =~ /^TODO\t(.*)/ ) { $todo = $1; next }
        my ( $res, $what, $diag ) = split /\t/, $l, 3;
        next unless defined $what && ( $res eq 'ok' || $res eq 'not ok' );
        s/\\(.)/$1 eq 'n' ? "\n" : $1 eq 't' ? "\t" : $1/ge for grep {defined} $what, $diag;
        $n++;
        $tb->todo_start($todo) if defined $todo;
        $tb->ok( $res eq 'ok', "$name: $what" ) or $tb->diag( defined $diag ? $diag : '' );
        $tb->todo_end if defined $todo;
        undef $todo;
    }
    my $secs = $opt{timeout} || 15;
    $tb->ok( !$timed_out, "$name: finished within ${secs}s" )
        or $tb->diag( sprintf "killed after %.1fs; stderr:\n%s", $elapsed, $err );
    $tb->ok( $n > 0, "$name: made checks" );
    $tb->ok( $done, "$name: ran to its end" ) or $tb->diag("stderr:\n$err");
    $tb->is_eq( $status, 0, "$name: exited 0" ) or $tb->diag("stderr:\n$err");
    my $want_err = exists $opt{stderr} ? $opt{stderr} : '';
    if ( ref $want_err eq 'CODE' ) {
        $want_err->($err);
    }
    elsif ( ref $want_err ) {
        $tb->like( $err, $want_err, "$name: stderr as expected" );
    }
    elsif ( defined $want_err ) {
        $tb->is_eq( $err, $want_err, "$name: nothing on stderr" );
    }
    return ( $status, $out, $err, $elapsed, $timed_out );
}

# The numbers of this process's open file descriptors, sorted (Linux: /proc/self/fd; the
# directory handle reading it is left out).
sub fd_list {
    opendir my $d, '/proc/self/fd' or return;
    my $own = eval { fileno $d };
    my @fds = sort { $a <=> $b } grep { /^\d+\z/ && ( !defined $own || $_ != $own ) } readdir $d;
    closedir $d;
    return @fds;
}

# A TCP port on 127.0.0.1 that nothing listens on (bound and released again).
sub free_tcp_port {
    require IO::Socket::INET;
    my $s = IO::Socket::INET->new( LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1 )
        or die "free_tcp_port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

package ZMQRTest::Run;

sub pid { $_[0]{pid} }

sub stdout { ZMQRTest::LineProc::slurp( $_[0]{out} ) }
sub stderr { ZMQRTest::LineProc::slurp( $_[0]{err} ) }

# Waits up to $secs for the script's stdout to match $re; returns the captures (or 1), or
# nothing if it did not (or if the script ended without printing it).
sub wait_output {
    my ( $self, $re, $secs ) = @_;
    my $until = Time::HiRes::time() + ( defined $secs ? $secs : 10 );
    while (1) {
        my @m = $self->stdout =~ $re;
        return @m ? @m : 1 if @m;
        return if $self->{done} || Time::HiRes::time() > $until;
        if ( waitpid( $self->{pid}, POSIX::WNOHANG() ) == $self->{pid} ) {
            $self->_reaped( $?, 0 );
            my @m2 = $self->stdout =~ $re;
            return @m2 ? @m2 : 1 if @m2;
            return;
        }
        Time::HiRes::sleep(0.01);
    }
}

sub _reaped {
    my ( $self, $status, $timed_out ) = @_;
    $self->{done} = [ $status, $timed_out, Time::HiRes::time() - $self->{t0} ];
}

# Waits for the script to end, at most until its timeout (counted from its start) or $secs
# from now; kills its process group when it does not. Afterwards kills whatever is left in
# its process group (noting it in leftovers). Returns ($status, $stdout, $stderr, $elapsed,
# $timed_out).
sub finish {
    my ( $self, $secs ) = @_;
    if ( !$self->{done} ) {
        my $until = defined $secs ? Time::HiRes::time() + $secs : $self->{t0} + $self->{timeout};
        while (1) {
            my $r = waitpid( $self->{pid}, POSIX::WNOHANG() );
            if ( $r == $self->{pid} ) { $self->_reaped( $?, 0 ); last }
            if ( $r == -1 ) { $self->_reaped( -1, 0 ); last }
            if ( Time::HiRes::time() > $until ) {
                kill 'KILL', -$self->{pid}, $self->{pid};
                waitpid( $self->{pid}, 0 );
                $self->_reaped( $?, 1 );
                last;
            }
            Time::HiRes::sleep(0.002);
        }
    }
    # Anything the script forked and left running.
    if ( !defined $self->{leftovers} ) {
        my $left = ZMQRTest::wait_for( sub { !kill( 0, -$self->{pid} ) }, 1000 ) ? 0 : 1;
        kill 'KILL', -$self->{pid} if $left;
        $self->{leftovers} = $left;
    }
    my ( $status, $timed_out, $elapsed ) = @{ $self->{done} };
    return ( $status, $self->stdout, $self->stderr, $elapsed, $timed_out );
}

# True when processes of the script's group outlived it (they were killed by finish).
sub leftovers { $_[0]{leftovers} }

sub DESTROY {
    my ($self) = @_;
    return if $self->{done} || !$self->{pid} || $self->{owner} != $$;
    local ( $?, $!, $@ );
    kill 'KILL', -$self->{pid}, $self->{pid};
    waitpid( $self->{pid}, 0 );
}

package ZMQRTest;

1;

__END__

=head1 NAME

ZMQRTest - helpers shared by the ZMQ::Rust test files

=head1 SYNOPSIS

    use lib 't/lib';
    use ZMQRTest qw(ep sock bind_connect drain caught);

    my $ctx = ZMQ::Rust->new;
    my ( $pull, $push, $ep ) = bind_connect( $ctx, ZMQ_PULL, ZMQ_PUSH );

=head1 FUNCTIONS

Nothing is exported by default; C<:all> exports everything.

=over

=item ep( [$prefix] )

A new C<inproc://> endpoint name, unique in the process:
C<inproc://PREFIX-PID-N>. PREFIX defaults to the test file's base name (C<20-pair> for
F<t/20-pair.t>); N counts up.

=item timed( $socket [, $ms] )

Sets RCVTIMEO and SNDTIMEO of $socket to $ms (default 2000) and returns $socket, so no
blocking call can hang the test.

=item sock( $ctx, $type [, $ms] )

A new socket of $type from $ctx, with timeouts as by C<timed>.

=item bind_connect( $ctx, $bind_type, $connect_type [, $ms] )

Two sockets with timeouts: the first bound to a new C<ep>, the second connected to it.
Returns C<($bound, $connected, $endpoint)>.

=item connected_pair( $ctx [, $ms] )

C<bind_connect> with two PAIR sockets.

=item drain( $socket )

Every message waiting on $socket (received with DONTWAIT until none is left), as an array
ref of strings, each the message's frames joined with C<|>.

=item drain_parts( $socket )

The same, each message an array ref of its frames.

=item ipc_dir()

A private temporary directory for C<ipc://> paths, made on first use and removed when the
process exits.

=item ipc_ep( [$name] )

A new C<ipc://> endpoint in C<ipc_dir>: C<ipc://DIR/NAME-N>, NAME defaulting to the test
file's base name.

=item any_ep( $transport )

An endpoint to bind on C<$transport>: C<tcp://127.0.0.1:*> (an ephemeral port) for C<tcp>,
C<ipc_ep()> for C<ipc>, C<ep()> for C<inproc>.

=item bind_connect_at( $ctx, $endpoint, $bind_type, $connect_type [, $ms] )

Like C<bind_connect> on a given endpoint (e.g. from C<any_ep>): binds, then connects to the
bound socket's C<last_endpoint>. Returns C<($bound, $connected, $real_endpoint)>.

=item bind_retry( $socket, $endpoint [, $ms] )

Binds $socket to $endpoint, retrying for up to $ms (default 2000) while it fails: closing a
socket frees its address asynchronously (as in libzmq), so binding it again at once may fail
with EADDRINUSE for a moment. Dies with the last error when time runs out.

=item gen_bytes( $len [, $seed] )

$len deterministic test bytes, byte i being C<(7 * i + seed) % 251>: the same bytes as the
token C<gE<lt>lenE<gt>:E<lt>seedE<gt>> of F<t/lib/zmq_peer.py>.

=item wait_for( $code [, $ms] )

Calls $code every 10 ms until it returns a true first value (then returns what it returned)
or $ms (default 2000) have passed (then returns nothing).

=item caught( $code )

Runs $code in list context inside C<eval>, collecting warnings. Returns
C<($error, \@warnings, @results)>; $error is undef when $code did not die.

=item start_perl( $code [, %options] )

Runs $code (written to a temporary script) as C<$^X -Mblib -It/lib SCRIPT ARGS> in a new
process group, with stdin from F</dev/null>, stdout and stderr to files and no file
descriptor but 0, 1 and 2 inherited. Options: C<timeout> (seconds, default 15, counted from
the start), C<args> (array ref), C<perl_args> (array ref of switches), C<env> (hash ref
added to %ENV), C<script> (a file to run instead of $code). Returns a handle with:

=over

=item $h->wait_output( $regex [, $secs] )

Waits up to $secs (default 10) for stdout to match; returns the captures (or 1), or
nothing.

=item $h->finish( [$secs] )

Waits for the script to end (at most until its timeout, or $secs from now); kills its whole
process group if it does not, and afterwards kills anything the script forked and left
running (C<< $h->leftovers >> is then true). Returns C<($wait_status, $stdout, $stderr,
$elapsed_seconds, $timed_out)>.

=item $h->pid, $h->stdout, $h->stderr, $h->leftovers

=back

A handle that goes away unfinished kills the process group.

=item run_perl( $code [, %options] )

C<< start_perl($code, %options)->finish >>: C<($wait_status, $stdout, $stderr, $elapsed,
$timed_out)>.

=item finish_all( @handles )

Waits for several C<start_perl> handles at once, reaping each as soon as it ends (so that its
elapsed time is its own), each still bound by its timeout. Returns an array ref of
C<finish>'s list for each handle, in order.

=item run_checks( $name, $code [, %options] )

Runs scenario code with C<run_perl>, after a prelude that loads strict, warnings, POSIX,
Time::HiRes's C<time> and C<sleep>, ZMQ::Rust with every constant, ZMQRTest with every
helper, turns on autoflush and defines C<check($ok, $name, @diag)> and
C<check_is($got, $expected, $name)>, which print one result line each, and
C<check_todo($reason, $ok, $name, @diag)>, a C<check> that is TODO (a line of the
script's stdout starting with C<#> is passed on as a note). Every line becomes a
Test::More assertion named "$name: ...", followed by the script's own: it finished within
its timeout, made checks, reached its end, exited 0, and wrote to stderr what option
C<stderr> says (default: nothing; a regex to match, a code ref given the text, or undef for
anything). Option C<prelude> is more code (e.g. shared subs) to put before $code. With
C<ZMQRTEST_KEEP=1> in the environment the scripts and their output are kept (their
directory is noted). Code in a forked child can call C<check> too (its lines count like the
parent's) and should end with C<POSIX::_exit>. Call it with the code's heredoc starting on
the next line: error messages then give the test file's line numbers. Returns what
C<run_perl> returns.

=item fd_list()

The sorted numbers of the process's open file descriptors (F</proc/self/fd>, without the
directory handle reading it); empty where there is no F</proc>.

=item free_tcp_port()

A port on 127.0.0.1 that nothing listens on (bound by a plain socket and released).

=back

=cut
