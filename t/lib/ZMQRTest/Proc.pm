package ZMQRTest::Proc;

use strict;
use warnings;

use Exporter 'import';
use POSIX ();
use Time::HiRes ();
use ZMQRTest::LineProc ();

our @EXPORT_OK = qw(cpu_seconds join_within has_threads keep_ipc_dir);

# A forked child running a piece of test code, with a line channel each way, its own alarm
# and a parent that never waits for it without a deadline. See the POD.

sub spawn {
    my ( $class, $code, %opt ) = @_;
    my $timeout = $opt{timeout} || 15;
    my ( $pid, $reader, $writer ) = ZMQRTest::LineProc::fork_pipes();
    if ( !$pid ) {
        $SIG{ALRM} = sub { POSIX::_exit(99) };
        alarm $timeout;
        my $self = bless { in => $reader, out => $writer, buf => '', child => 1 }, $class;
        my $ok = eval { $code->($self); 1 };
        $self->put( 'died', "$@" ) unless $ok;
        close $writer;
        # No END blocks, no global destruction of what the parent owns (Test::More state,
        # temporary directories): the child's code cleans up what it made.
        POSIX::_exit( $ok ? 0 : 98 );
    }
    return bless { pid => $pid, in => $reader, out => $writer, buf => '' }, $class;
}

sub pid { $_[0]{pid} }

# One line to the other side: words joined by tabs; newlines and tabs are escaped.
sub put {
    my ( $self, @words ) = @_;
    my $line = join "\t", map { my $w = defined $_ ? $_ : ''; $w =~ s/\\/\\\\/g; $w =~ s/\n/\\n/g; $w =~ s/\t/\\t/g; $w } @words;
    my $fh = $self->{out};
    print {$fh} "$line\n";
    return;
}

# The next line from the other side as a list of words, or () after $secs seconds (default
# 10) or at end of file.
sub get {
    my ( $self, $secs ) = @_;
    $secs = 10 unless defined $secs;
    my $until = Time::HiRes::time() + $secs;
    while ( $self->{buf} !~ /\n/ ) {
        my $left = $until - Time::HiRes::time();
        return if $left <= 0;
        my $rin = '';
        vec( $rin, fileno $self->{in}, 1 ) = 1;
        my $n = select( my $rout = $rin, undef, undef, $left );
        next if $n < 0;    # EINTR
        next unless $n;
        my $got = sysread( $self->{in}, $self->{buf}, 65536, length $self->{buf} );
        return unless $got;
    }
    $self->{buf} =~ s/^([^\n]*)\n//;
    my $line = $1;
    return map { my $w = $_; $w =~ s/\\(.)/$1 eq 'n' ? "\n" : $1 eq 't' ? "\t" : $1/ge; $w } split /\t/, $line, -1;
}

# Parent: waits up to $secs seconds for the child to end; kills it (SIGKILL) if it does not.
# Returns ($wait_status, $timed_out, $seconds_waited).
sub finish {
    my ( $self, $secs ) = @_;
    return @{ $self->{done} } if $self->{done};
    $secs = 10 unless defined $secs;
    my $t0 = Time::HiRes::time();
    my ( $status, $timed_out ) = ZMQRTest::LineProc::reap_within( $self->{pid}, $secs, 0.005 );
    $self->{done} = [ $status, $timed_out, Time::HiRes::time() - $t0 ];
    return @{ $self->{done} };
}

sub DESTROY {
    my ($self) = @_;
    return if $self->{child} || $self->{done} || !$self->{pid};
    local ( $?, $!, $@ );
    kill 'KILL', $self->{pid};
    waitpid( $self->{pid}, 0 );
}

# User plus system CPU seconds of this process, every thread included.
sub cpu_seconds {
    my @t = times;
    return $t[0] + $t[1];
}

# Puts a file into ZMQRTest::ipc_dir() so that the directory is never empty: the engine
# removes the parent directory of an ipc:// path when the listener goes away if that directory
# is empty (meant for ipc://* only; see t/43-fd.t), which would pull it from under the next
# ipc endpoint. Returns the directory.
sub keep_ipc_dir {
    require ZMQRTest;
    my $dir = ZMQRTest::ipc_dir();
    my $f   = "$dir/.keep";
    unless ( -e $f ) {
        open my $fh, '>', $f or die "$f: $!";
        close $fh;
    }
    return $dir;
}

sub has_threads {
    require Config;
    return 0 unless $Config::Config{useithreads};
    return eval { require threads; 1 } ? 1 : 0;
}

# Joins $thr if it ends within $secs seconds; otherwise detaches it and returns nothing.
# Returns (1, @results) on success.
sub join_within {
    my ( $thr, $secs ) = @_;
    my $until = Time::HiRes::time() + $secs;
    Time::HiRes::sleep(0.01) until $thr->is_joinable || Time::HiRes::time() > $until;
    unless ( $thr->is_joinable ) {
        $thr->detach;
        return;
    }
    return ( 1, $thr->join );
}

1;

__END__

=head1 NAME

ZMQRTest::Proc - forked children and threads with deadlines, for the ZMQ::Rust tests

=head1 SYNOPSIS

    use lib 't/lib';
    use ZMQRTest::Proc qw(cpu_seconds join_within has_threads);

    my $child = ZMQRTest::Proc->spawn( sub {
        my ($ch) = @_;
        my $ctx = ZMQ::Rust->new( linger => 5000 );   # a child makes its own context
        ...
        $ch->put( 'ready', $endpoint );
        my ($cmd) = $ch->get(5);
        ...
        $ctx->destroy;
    }, timeout => 15 );
    my ( $tag, $endpoint ) = $child->get(10);
    $child->put('go');
    my ( $status, $timed_out ) = $child->finish(10);

=head1 DESCRIPTION

=over

=item ZMQRTest::Proc->spawn( $code [, timeout => $secs] )

Forks. The child runs C<< $code->($channel) >> under C<alarm $secs> (default 15; the alarm
ends it with C<_exit(99)>) and leaves with C<POSIX::_exit>: 0 if the code returned, 98 if it
died (after sending C<died, $@>). No END block or destructor of the parent's objects runs in
the child, so the code must destroy its own context (with a linger) when what it sent has
to arrive. Returns the parent's side.

=item $side->put( @words ), $side->get( [$secs] )

One line each way: C<put> sends words, C<get> returns the next line's words, or nothing
after $secs seconds (default 10) or when the other side closed.

=item $child->finish( [$secs] )

Waits up to $secs (default 10) for the child to exit, killing it with SIGKILL after that.
Returns C<($wait_status, $timed_out, $seconds)>. A child object that goes away unfinished
is killed.

=item cpu_seconds()

User plus system CPU time of the process (C<times>), all threads included.

=item keep_ipc_dir()

Makes sure C<ZMQRTest::ipc_dir()> holds a file, so that the engine's clean-up of an
C<ipc://> listener (which removes an empty parent directory) cannot remove it. Call it
before binding ipc endpoints. Returns the directory.

=item has_threads()

True when this perl has interpreter threads and F<threads.pm> loads.

=item join_within( $thread, $secs )

C<(1, @results)> if the thread ends within $secs; otherwise detaches it and returns nothing.

=back

=cut
