package ZMQRTest::Peer;

use strict;
use warnings;

use Exporter 'import';
use Digest::SHA ();
use File::Basename ();
use File::Spec ();
use IO::Select ();
use POSIX ();
use Time::HiRes ();
use ZMQRTest ();

our @EXPORT_OK = qw(tok xtok msg_line);

# The peer script, next to this module's directory (t/lib/zmq_peer.py).
my $SCRIPT = File::Spec->catfile( File::Basename::dirname( File::Basename::dirname(__FILE__) ),
    'zmq_peer.py' );
my %LIVE;    # pid => peer, for the END clean-up
my $STARTED = 0;
our $ERROR;

sub python { return $ENV{ZMQ_RUST_INTEROP_PYTHON} || '/usr/bin/python3' }

# ($libzmq_version) when a libzmq peer can run, else (undef, $reason).
sub probe {
    my $py = python();
    return ( undef, "$py not found" ) unless -x $py;
    return ( undef, "$SCRIPT not found" ) unless -f $SCRIPT;
    my $v = eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 20;
        my $out = `'$py' -c 'import zmq; print(zmq.zmq_version())' 2>/dev/null`;
        alarm 0;
        $out;
    };
    alarm 0;
    return ( undef, "$py cannot import zmq (python3-zmq missing)" )
        unless defined $v && $v =~ /^(\d+\.\d+\.\d+)/;
    return ($1);
}

# Frame tokens of zmq_peer.py: tok() is how it prints a frame, xtok() how it reads one.
sub tok {
    my ($bytes) = @_;
    return 'x' . unpack( 'H*', $bytes ) if length $bytes <= 1024;
    return '#' . length($bytes) . ':' . Digest::SHA::sha1_hex($bytes);
}

sub xtok { return 'x' . unpack( 'H*', $_[0] ) }

sub msg_line { return join ' ', 'MSG', map { tok($_) } @_ }

# Starts zmq_peer.py with @args; returns the peer once it printed READY, or undef (and sets
# $ERROR) if it did not within $timeout seconds.
sub start {
    my ( $class, @args ) = @_;
    my $timeout = 10;
    my $log     = ZMQRTest::ipc_dir() . "/peer-" . ++$STARTED . '.err';
    pipe( my $child_in,  my $to_child )  or die "pipe: $!";
    pipe( my $from_child, my $child_out ) or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        close $to_child;
        close $from_child;
        open STDIN,  '<&', $child_in  or POSIX::_exit(126);
        open STDOUT, '>&', $child_out or POSIX::_exit(126);
        open STDERR, '>',  $log       or POSIX::_exit(126);
        { exec python(), $SCRIPT, @args }
        POSIX::_exit(127);
    }
    close $child_in;
    close $child_out;
    my $old = select $to_child;
    $| = 1;
    select $old;
    my $self = bless {
        pid => $pid, owner => $$, in => $to_child, out => $from_child, buf => '', queue => [],
        log => $log, args => [@args], endpoints => [], lines => [],
    }, $class;
    $LIVE{$pid} = $self;
    my $ready = $self->expect( qr/^READY$/, $timeout );
    if ( !$ready ) {
        $ERROR = "no READY from zmq_peer.py @args within ${timeout}s; stdout: "
            . join( ' / ', @{ $self->{lines} } ) . '; stderr: ' . $self->stderr;
        $self->kill;
        return;
    }
    $self->{endpoints} = [ map { /^ENDPOINT (\S+)/ ? $1 : () } @{ $self->{lines} } ];
    return $self;
}

# $code is called every 20 ms while a take() waits: a ZMQ::Rust socket talking to the peer
# must be serviced meanwhile, as libzmq applications must (pipe attach and subscription
# replay happen when the application calls into the socket).
sub on_wait { $_[0]{on_wait} = $_[1]; return $_[0] }

sub pid       { $_[0]{pid} }
sub endpoint  { $_[0]{endpoints}[0] }
sub endpoints { @{ $_[0]{endpoints} } }
sub alive     { defined $_[0]{pid} }

# Everything the peer printed so far (for diagnostics).
sub transcript { my $self = shift; $self->_pump(0); return @{ $self->{lines} } }

sub stderr {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

sub cmd {
    my ( $self, @words ) = @_;
    return 0 unless $self->{pid};
    local $SIG{PIPE} = 'IGNORE';
    return syswrite( $self->{in}, join( ' ', @words ) . "\n" ) ? 1 : 0;
}

# Reads what the peer wrote, waiting up to $timeout seconds for the first bytes.
sub _pump {
    my ( $self, $timeout ) = @_;
    my $fh = $self->{out};
    return 0 unless $fh;
    my $sel  = IO::Select->new($fh);
    my $read = 0;
    while ( $sel->can_read( $read ? 0 : $timeout ) ) {
        my $n = sysread $fh, my $chunk, 1 << 16;
        if ( !$n ) {    # end of output: the peer exited
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
    }
    return $read;
}

# Removes and returns the first $n lines matching $re (fewer if $timeout seconds pass first);
# other lines stay queued.
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
        $self->_pump( $left < 0.02 ? $left : 0.02 );
    }
    return @got;
}

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

# The next $n messages the peer printed, each an array ref of frame tokens.
sub msgs {
    my ( $self, $n, $timeout ) = @_;
    return map { my @w = split / /; shift @w; \@w } $self->take( qr/^MSG(?: |$)/, $n, $timeout );
}

# Sends one message of @frames (byte strings or, as \"g...", generated-frame tokens); true once
# the peer reports SENT.
sub send_msg {
    my ( $self, @frames ) = @_;
    $self->cmd( 'SEND', map { ref $_ ? $$_ : xtok($_) } @frames ) or return 0;
    my $reply = $self->expect( qr/^(?:SENT \d+|ERROR .*)$/, 5 );
    return defined $reply && $reply =~ /^SENT/ ? 1 : 0;
}

# QUIT, then wait (up to $timeout s) for the exit; kills it if it does not go.
sub quit {
    my ( $self, $timeout ) = @_;
    return unless $self->{pid};
    $self->cmd('QUIT');
    $self->take( qr/^BYE /, 1, defined $timeout ? $timeout : 5 );
    $self->_reap(2);
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
    my $until = Time::HiRes::time() + $timeout;
    while ( waitpid( $pid, POSIX::WNOHANG() ) == 0 ) {
        if ( Time::HiRes::time() > $until ) {
            CORE::kill 'KILL', $pid;
            waitpid( $pid, 0 );
            last;
        }
        Time::HiRes::sleep(0.01);
    }
    $self->_pump(0) while $self->{out} && $self->_pump(0);
    close $self->{in} if $self->{in};
    delete $LIVE{$pid};
    $self->{pid} = undef;
    $self->{in}  = undef;
}

# Only the process that started a peer stops it (not a forked child of the test).
sub DESTROY {
    my ($self) = @_;
    $self->kill if $self->{pid} && $self->{owner} == $$;
}

END {
    local $?;
    for my $peer ( grep { $_->{pid} && $_->{owner} == $$ } values %LIVE ) {
        CORE::kill 'KILL', $peer->{pid};
        waitpid( $peer->{pid}, 0 );
    }
}

1;

__END__

=head1 NAME

ZMQRTest::Peer - drive a libzmq peer (t/lib/zmq_peer.py under Debian's python3-zmq)

=head1 SYNOPSIS

    use ZMQRTest::Peer qw(tok xtok msg_line);

    my ($libzmq) = ZMQRTest::Peer->probe or plan skip_all => '...';
    my $peer = ZMQRTest::Peer->start(qw(--type REP --mode echo --bind tcp://127.0.0.1:*))
        or die $ZMQRTest::Peer::ERROR;
    $req->connect( $peer->endpoint );
    my ($msg) = $peer->msgs( 1, 3 );    # [ 'x6869', ... ] frame tokens
    $peer->quit;

=head1 DESCRIPTION

C<start(@args)> runs F<t/lib/zmq_peer.py> with @args (see that script for its options, commands
and output lines) under C<$ENV{ZMQ_RUST_INTEROP_PYTHON}> or F</usr/bin/python3>, and returns
once it printed READY (undef and C<$ZMQRTest::Peer::ERROR> otherwise). Its stderr goes to a
file in C<ZMQRTest::ipc_dir> (C<< $peer->stderr >>). Every wait is bounded; peers still
running at exit are killed.

C<probe> returns the peer's libzmq version, or C<(undef, $reason)>.

Output lines are queued; C<take($re, $n, $timeout)> removes the first $n lines that match,
leaving the others; C<expect>, C<take_all>, C<msgs> (MSG lines as token lists) build on it;
C<transcript> lists every line. C<on_wait($code)> makes every wait call $code every 20 ms
(e.g. C<< sub { $socket->has_pollin } >>, to keep a ZMQ::Rust socket serviced meanwhile). C<cmd(@words)> writes a command line; C<send_msg(@frames)>
sends a message (frames as bytes, or C<\"gLEN:SEED"> tokens) and waits for SENT. C<quit>
asks the peer to exit, C<kill> SIGKILLs it.

C<tok($bytes)> is the token the peer prints for a frame, C<xtok($bytes)> the token that makes
it send those bytes, C<msg_line(@frames)> the whole MSG line.

=cut
