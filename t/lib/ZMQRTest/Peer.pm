package ZMQRTest::Peer;

use strict;
use warnings;

use parent 'ZMQRTest::LineProc';

use Exporter 'import';
use Digest::SHA ();
use File::Basename ();
use File::Spec ();
use ZMQRTest ();

our @EXPORT_OK = qw(tok xtok msg_line);

# The peer script, next to this module's directory (t/lib/zmq_peer.py).
my $SCRIPT = File::Spec->catfile( File::Basename::dirname( File::Basename::dirname(__FILE__) ),
    'zmq_peer.py' );
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
# $ERROR) if it did not within 10 seconds.
sub start {
    my ( $class, @args ) = @_;
    my ( $self, $why ) = $class->spawn(
        [ python(), $SCRIPT, @args ],
        stderr    => ZMQRTest::ipc_dir() . '/peer-' . ++$STARTED . '.err',
        ready     => qr/^READY$/,
        timeout   => 10,
        name      => "zmq_peer.py @args",
        poll      => 0.02,    # on_wait: every 20 ms
        quit_wait => 2,
    );
    if ( !$self ) {
        $ERROR = $why;
        return;
    }
    $self->{args}      = [@args];
    $self->{endpoints} = [ map { /^ENDPOINT (\S+)/ ? $1 : () } @{ $self->{lines} } ];
    return $self;
}

sub endpoint  { $_[0]{endpoints}[0] }
sub endpoints { @{ $_[0]{endpoints} } }

# One command line: @words joined by spaces.
sub cmd {
    my ( $self, @words ) = @_;
    return $self->SUPER::cmd( join ' ', @words );
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

A L<ZMQRTest::LineProc>. C<start(@args)> runs F<t/lib/zmq_peer.py> with @args (see that script
for its options, commands and output lines) under C<$ENV{ZMQ_RUST_INTEROP_PYTHON}> or
F</usr/bin/python3>, and returns once it printed READY (undef and C<$ZMQRTest::Peer::ERROR>
otherwise, after 10 s). Its stderr goes to a file in C<ZMQRTest::ipc_dir> (C<< $peer->stderr >>).
C<endpoint> is the first ENDPOINT it printed before READY (the resolved C<--bind>),
C<endpoints> all of them. Every wait is bounded; peers still running at exit are killed.

C<probe> returns the peer's libzmq version, or C<(undef, $reason)>.

Output lines are queued; C<take($re, $n, $timeout)> removes the first $n lines that match,
leaving the others; C<expect> (undef when no line came), C<take_all>, C<msgs> (MSG lines as
token lists) build on it; C<transcript> lists every line. C<on_wait($code)> makes every wait
call $code every 20 ms (e.g. C<< sub { $socket->has_pollin } >>, to keep a ZMQ::Rust socket
serviced meanwhile). C<cmd(@words)> writes one command line, the words joined by spaces;
C<send_msg(@frames)> sends a message (frames as bytes, or C<\"gLEN:SEED"> tokens) and waits for
SENT. C<quit> asks the peer to exit (QUIT, then BYE, then up to 2 s for the exit), C<kill>
SIGKILLs it.

C<tok($bytes)> is the token the peer prints for a frame, C<xtok($bytes)> the token that makes
it send those bytes, C<msg_line(@frames)> the whole MSG line.

=cut
