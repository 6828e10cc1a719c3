package ZMQRTest::LineProc;

use strict;
use warnings;

use IO::Handle ();
use IO::Select ();
use POSIX ();
use Time::HiRes ();

# A program run as a child that takes command lines on its stdin and answers in lines on its
# stdout, its stderr going to a file: the base of ZMQRTest::Peer (a libzmq peer) and
# ZMQRTest::JeroMQ (a JeroMQ peer). See the POD.

my %LIVE;    # pid => child, for the END clean-up

# -- plain helpers ------------------------------------------------------------------------------

# Forks with a pipe each way. Returns ($pid, $reader, $writer): in the parent, the child's pid
# and the handles that read from and write to the child; in the child, 0 and the handles that
# read from and write to the parent. Each side's writer flushes every print.
sub fork_pipes {
    pipe( my $from_child, my $child_out ) or die "pipe: $!";
    pipe( my $child_in,   my $to_child )  or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        close $from_child;
        close $to_child;
        $child_out->autoflush(1);
        return ( 0, $child_in, $child_out );
    }
    close $child_in;
    close $child_out;
    $to_child->autoflush(1);
    return ( $pid, $from_child, $to_child );
}

# Waits up to $secs seconds for the child $pid to exit, looking every $step seconds (default
# 0.01); SIGKILLs it after that. Returns ($wait_status, $timed_out).
sub reap_within {
    my ( $pid, $secs, $step ) = @_;
    my $until = Time::HiRes::time() + $secs;
    while (1) {
        my $r = waitpid( $pid, POSIX::WNOHANG() );
        return ( $?, 0 ) if $r == $pid || $r == -1;
        if ( Time::HiRes::time() > $until ) {
            CORE::kill 'KILL', $pid;
            waitpid( $pid, 0 );
            return ( $?, 1 );
        }
        Time::HiRes::sleep( $step || 0.01 );
    }
}

# A whole file, or '' when it cannot be read.
sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

# -- the child ---------------------------------------------------------------------------------

# Runs @$command with its stderr going to $opt{stderr} and waits (up to $opt{timeout} seconds)
# for an output line matching $opt{ready}. Returns ($child, $ready_line), or (undef, $why) after
# killing a child that did not get ready.
sub spawn {
    my ( $class, $command, %opt ) = @_;
    my $timeout = $opt{timeout} || 10;
    my ( $pid, $reader, $writer ) = fork_pipes();
    if ( !$pid ) {
        open STDIN,  '<&', $reader      or POSIX::_exit(126);
        open STDOUT, '>&', $writer      or POSIX::_exit(126);
        open STDERR, '>',  $opt{stderr} or POSIX::_exit(126);
        { exec { $command->[0] } @$command }
        POSIX::_exit(127);
    }
    my $self = bless {
        pid       => $pid,
        owner     => $$,
        in        => $writer,
        out       => $reader,
        buf       => '',
        queue     => [],
        lines     => [],
        log       => $opt{stderr},
        poll      => $opt{poll} || 0.02,
        keep      => $opt{keep_lines},
        bye       => $opt{bye} || qr/^BYE /,
        quit_wait => $opt{quit_wait} || 2,
    }, $class;
    $LIVE{$pid} = $self;
    my $ready = $self->expect( $opt{ready}, $timeout );
    return ( $self, $ready ) if defined $ready;
    my $name = defined $opt{name} ? $opt{name} : $command->[0];
    my $why  = "no READY from $name within ${timeout}s; stdout: " . join( ' / ', @{ $self->{lines} } )
        . '; stderr: ' . $self->stderr;
    $self->kill;
    return ( undef, $why );
}

sub pid   { $_[0]{pid} }
sub alive { defined $_[0]{pid} }

# What the child wrote to its stderr so far.
sub stderr { slurp( $_[0]{log} ) }

# $code is called every `poll` seconds while a take() waits (to service a ZMQ::Rust socket
# talking to the child meanwhile).
sub on_wait { $_[0]{on_wait} = $_[1]; return $_[0] }

# Writes command lines; false when the child is gone.
sub cmd {
    my ( $self, @lines ) = @_;
    return 0 unless $self->{pid};
    local $SIG{PIPE} = 'IGNORE';
    return syswrite( $self->{in}, join( '', map {"$_\n"} @lines ) ) ? 1 : 0;
}

# Reads what the child wrote, waiting up to $timeout seconds for the first bytes; queues the
# complete lines. Returns the number of bytes read.
sub _pump {
    my ( $self, $timeout ) = @_;
    my $fh = $self->{out} or return 0;
    my $sel  = IO::Select->new($fh);
    my $read = 0;
    while ( $sel->can_read( $read ? 0 : $timeout ) ) {
        my $n = sysread $fh, my $chunk, 1 << 16;
        if ( !$n ) {    # end of output: the child exited
            close $fh;
            $self->{out} = undef;
            last;
        }
        $self->{buf} .= $chunk;
        $read += $n;
    }
    while ( $self->{buf} =~ s/\A([^\n]*)\n// ) {
        push @{ $self->{queue} }, $1;
        push @{ $self->{lines} }, $1;
        shift @{ $self->{lines} } if defined $self->{keep} && @{ $self->{lines} } > $self->{keep};
    }
    return $read;
}

# Removes and returns the first $n lines matching $re (fewer if $timeout seconds, default 5,
# pass first); other lines stay queued.
sub take {
    my ( $self, $re, $n, $timeout ) = @_;
    $timeout = 5 unless defined $timeout;
    my $until = Time::HiRes::time() + $timeout;
    my @got;
    while (1) {
        my @keep;
        for my $line ( @{ $self->{queue} } ) {
            if ( @got < $n && $line =~ $re ) { push @got, $line }
            else                              { push @keep, $line }
        }
        $self->{queue} = \@keep;
        last if @got >= $n;
        my $left = $until - Time::HiRes::time();
        last if $left <= 0;
        last if !$self->{out} && !$self->_pump(0);
        $self->{on_wait}->() if $self->{on_wait};
        $self->_pump( $left < $self->{poll} ? $left : $self->{poll} );
    }
    return @got;
}

# The first line matching $re, or undef.
sub expect {
    my ( $self, $re, $timeout ) = @_;
    my ($line) = $self->take( $re, 1, $timeout );
    return $line;
}

# Every queued line matching $re, after reading what is there now.
sub take_all {
    my ( $self, $re ) = @_;
    $self->_pump(0);
    return $self->take( $re, 1e9, 0 );
}

# Drops queued lines (after reading what is there now).
sub clear { my ($self) = @_; $self->_pump(0); $self->{queue} = []; return }

# The lines the child printed (the last `keep_lines` of them), for diagnostics.
sub transcript { my ($self) = @_; $self->_pump(0); return @{ $self->{lines} } }

# QUIT, then wait (up to $timeout s) for the goodbye line and the exit; kills the child if it
# does not go.
sub quit {
    my ( $self, $timeout ) = @_;
    return unless $self->{pid};
    $self->cmd('QUIT');
    $self->take( $self->{bye}, 1, defined $timeout ? $timeout : 5 );
    $self->_reap( $self->{quit_wait} );
    return $self;
}

sub kill {
    my ($self) = @_;
    return unless $self->{pid};
    CORE::kill 'KILL', $self->{pid};
    $self->_reap(5);
    return $self;
}

sub _reap {
    my ( $self, $timeout ) = @_;
    my $pid = $self->{pid} or return;
    reap_within( $pid, $timeout );
    $self->_pump(0) while $self->{out} && $self->_pump(0);
    close $self->{in} if $self->{in};
    delete $LIVE{$pid};
    $self->{pid} = undef;
    $self->{in}  = undef;
}

# Only the process that started a child stops it (not a forked child of the test).
sub DESTROY {
    my ($self) = @_;
    local ( $?, $!, $@ );
    $self->kill if $self->{pid} && $self->{owner} == $$;
}

END {
    local $?;
    for my $child ( grep { $_->{pid} && $_->{owner} == $$ } values %LIVE ) {
        CORE::kill 'KILL', $child->{pid};
        waitpid( $child->{pid}, 0 );
    }
}

1;

__END__

=head1 NAME

ZMQRTest::LineProc - a child program spoken to in lines, for the ZMQ::Rust test peers

=head1 SYNOPSIS

    package ZMQRTest::SomePeer;
    use parent 'ZMQRTest::LineProc';

    sub start {
        my ( $class, @args ) = @_;
        my ( $self, $ready ) = $class->spawn( [ '/usr/bin/some-peer', @args ],
            stderr => "$dir/peer.err", ready => qr/^READY/, timeout => 10 );
        return $self;    # undef, and $ready says why, when it did not get ready
    }

    my $p = ZMQRTest::SomePeer->start;
    $p->cmd('PING');
    my $line = $p->expect( qr/^PONG/, 5 );
    $p->quit;

=head1 DESCRIPTION

The child machinery of L<ZMQRTest::Peer> and L<ZMQRTest::JeroMQ>: a program takes command
lines on its stdin and prints its answers, one a line, on its stdout; its stderr goes to a file.
Every wait is bounded. Children still running when the test ends are killed (SIGKILL) by the
process that started them, never by a forked child of the test.

=over

=item $class->spawn( \@command, %opt )

Forks and execs C<@command> and waits for its first line matching C<ready>. Returns
C<($child, $ready_line)>, or C<(undef, $why)> after killing a child that did not print it in
time (C<$why> names the command, and has what it printed and its stderr). Options:

C<stderr> (the file for its stderr), C<ready> (a regexp), C<timeout> (seconds to wait for
it, default 10), C<name> (for C<$why>; default the program), C<poll> (seconds between two
C<on_wait> calls, default 0.02), C<keep_lines> (how many lines C<transcript> keeps; default
all), C<bye> (the line C<quit> waits for, default C<qr/^BYE />), C<quit_wait> (seconds C<quit>
then waits for the exit before it kills, default 2).

=item $child->cmd( @lines )

Writes command lines; false when the child is gone.

=item $child->take( $re, $n [, $timeout] ), $child->expect( $re [, $timeout] )

Output lines are queued: C<take> removes and returns the first $n lines that match $re (fewer
once $timeout seconds, default 5, have passed or the child has exited), leaving the others
queued; C<expect> is C<take> of one line, undef when none came.

=item $child->take_all( $re ), $child->clear

Every queued line matching $re after reading what is there now; C<clear> drops the queue.

=item $child->on_wait( $code )

Makes every wait call $code every C<poll> seconds (e.g. C<< sub { $socket->has_pollin } >>,
to keep a ZMQ::Rust socket talking to the child serviced meanwhile); undef stops it. Returns
the child.

=item $child->transcript, $child->stderr

The lines the child printed (all, or the last C<keep_lines>), and its stderr so far.

=item $child->quit( [$timeout] ), $child->kill

C<quit> writes C<QUIT>, waits up to $timeout seconds (default 5) for the goodbye line, then up
to C<quit_wait> seconds for the exit, and kills the child if it does not go. C<kill> sends
SIGKILL. Both reap the child and return it.

=item $child->pid, $child->alive

The child's pid (undef once reaped), and whether it is still ours to stop.

=item fork_pipes(), reap_within( $pid, $secs [, $step] ), slurp( $file )

Plain functions (call them with the package name). C<fork_pipes> forks with a pipe each way and
returns C<($pid, $reader, $writer)> on each side (C<$pid> is 0 in the child); the writers
flush every print. C<reap_within> waits up to $secs for a child to exit, looking every $step
seconds (default 0.01), SIGKILLs it after that, and returns C<($wait_status, $timed_out)>.
C<slurp> returns a file's content, or '' when it cannot be read.

=back

=cut
