package ZMQRTest::JeroMQ;

use strict;
use warnings;

use parent 'ZMQRTest::LineProc';

use File::Basename ();
use File::Spec ();
use File::Temp ();
use POSIX ();
use Time::HiRes ();

# A JeroMQ peer: t/lib/JeromqPeer.java, compiled with javac against the JeroMQ jars and run in
# one JVM per test. See the POD.

my $SOURCE = File::Spec->catfile( File::Basename::dirname( File::Basename::dirname(__FILE__) ),
    'JeromqPeer.java' );
my ( $CLASSES, $CLASSPATH, $VERSION );
my $STARTED = 0;
our $ERROR;

# Where .ci/jeromq.sh unpacks the jars when ZMQ_RUST_JEROMQ is not set.
sub default_dir {
    my $cache = $ENV{XDG_CACHE_HOME} || ( defined $ENV{HOME} ? "$ENV{HOME}/.cache" : undef );
    return defined $cache ? "$cache/zmq-rust/jeromq" : undef;
}

# The jars: ZMQ_RUST_JEROMQ (a colon-separated list of jars or directories holding them), else
# the directory .ci/jeromq.sh fills, else the system's /usr/share/java (Debian trixie and
# later ship JeroMQ 0.6 as libjeromq-java).
sub _jars {
    my $in_dir = sub {
        my ($dir) = @_;
        $dir = "$dir/usr/share/java" if -d "$dir/usr/share/java";    # an unpacked .deb
        my ($jeromq) = grep { -f $_ } "$dir/jeromq.jar", sort glob("$dir/jeromq-*.jar");
        return $jeromq ? ( $jeromq, grep { -f $_ } "$dir/jnacl.jar" ) : ();
    };
    if ( defined $ENV{ZMQ_RUST_JEROMQ} && length $ENV{ZMQ_RUST_JEROMQ} ) {
        my @jars = map { -d $_ ? $in_dir->($_) : -f $_ ? $_ : () } split /:/, $ENV{ZMQ_RUST_JEROMQ};
        return grep( {m{jeromq[^/]*\.jar$}} @jars ) ? @jars : ();
    }
    for my $dir ( grep( {defined} default_dir() ), '/usr/share/java' ) {
        my @jars = $in_dir->($dir);
        return @jars if @jars;
    }
    return;
}

sub java  { return $ENV{ZMQ_RUST_JAVA}  || _tool('java') }
sub javac { return $ENV{ZMQ_RUST_JAVAC} || _tool('javac') }

sub _tool {
    my ($name) = @_;
    for my $dir ( ( defined $ENV{JAVA_HOME} ? "$ENV{JAVA_HOME}/bin" : () ), File::Spec->path ) {
        my $p = File::Spec->catfile( $dir, $name );
        return $p if -x $p && !-d $p;
    }
    return;
}

# ($jeromq_version) once the peer compiled, else (undef, $reason). Compiles once per process.
sub probe {
    return ($VERSION) if $VERSION;
    my $java  = java()  or return ( undef, 'no java on PATH (install default-jdk-headless)' );
    my $javac = javac() or return ( undef, 'no javac on PATH (install default-jdk-headless)' );
    my @jars = _jars()
        or return ( undef, 'no JeroMQ jars (run .ci/jeromq.sh, or set ZMQ_RUST_JEROMQ to the jars)' );
    return ( undef, "$SOURCE not found" ) unless -f $SOURCE;
    $CLASSES = File::Temp::tempdir( 'zmqr-jeromq-XXXXXX', TMPDIR => 1, CLEANUP => 1 );
    my $cp  = join ':', @jars;
    my $log = "$CLASSES/javac.log";
    my $rc  = _run_bounded( 120, $log, $javac, '-nowarn', '-d', $CLASSES, '-cp', $cp, $SOURCE );
    if ( $rc != 0 ) {
        my $why = ZMQRTest::LineProc::slurp($log);
        $why =~ s/\s+/ /g;
        $why = substr( $why, 0, 300 );
        return ( undef, "JeromqPeer.java does not compile against @jars (JeroMQ before 0.5?): $why" );
    }
    $CLASSPATH = "$CLASSES:$cp";
    my $peer = __PACKAGE__->start( deadline => 30 ) or return ( undef, $ERROR );
    my $v = $peer->{version};
    $peer->quit;
    my ( $maj, $min ) = $v =~ /^(\d+)\.(\d+)/;
    return ( undef, "JeroMQ $v at @jars: 0.5 or later needed (ZMTP 3)" )
        unless defined $min && ( $maj > 0 || $min >= 5 );
    $VERSION = $v;
    return ($VERSION);
}

sub jars { return _jars() }

# Runs a command with stdout and stderr to $log; kills it after $secs. Returns its exit code
# (-1 when it was killed or could not start).
sub _run_bounded {
    my ( $secs, $log, @cmd ) = @_;
    my $pid = fork;
    return -1 unless defined $pid;
    if ( !$pid ) {
        open STDIN,  '<', '/dev/null' or POSIX::_exit(126);
        open STDOUT, '>', $log        or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
        { exec @cmd }
        POSIX::_exit(127);
    }
    my ( $status, $killed ) = ZMQRTest::LineProc::reap_within( $pid, $secs, 0.05 );
    return $killed || $status == -1 ? -1 : $status >> 8;
}

# Starts the JVM (after a successful probe); returns the peer once it printed READY, or undef
# (and sets $ERROR).
sub start {
    my ( $class, %opt ) = @_;
    my $deadline = $opt{deadline} || 60;
    my $log      = "$CLASSES/peer-" . ++$STARTED . "-$$-" . int( Time::HiRes::time() * 1000 ) . '.err';
    # A small heap and the quick compiler only: the JVM shares a busy machine with the test.
    my @jvm = @{ $opt{jvm} || ['-XX:TieredStopAtLevel=1'] };
    my ( $self, $ready ) = $class->spawn(
        [ java(), '-Xmx128m', '-XX:+UseSerialGC', @jvm, '-cp', $CLASSPATH, 'JeromqPeer', '--deadline', $deadline ],
        stderr     => $log,
        ready      => qr/^READY /,
        timeout    => $opt{start_timeout} || 30,
        name       => 'the JeroMQ peer',
        poll       => 0.01,    # on_wait: every 10 ms
        keep_lines => 200,     # a long test prints many
        quit_wait  => 3,
    );
    if ( !$self ) {
        $ERROR = $ready;
        return;
    }
    ( $self->{version} ) = $ready =~ /^READY (\S+)/;
    return $self;
}

sub version { $_[0]{version} }

# The first line matching $re; nothing (an empty list) when none came within $timeout seconds
# (default 5).
sub expect {
    my ( $self, $re, $timeout ) = @_;
    my @got = $self->take( $re, 1, $timeout );
    return @got ? $got[0] : ();
}

1;

__END__

=head1 NAME

ZMQRTest::JeroMQ - drive a JeroMQ peer (t/lib/JeromqPeer.java) from the ZMQ::Rust tests

=head1 SYNOPSIS

    use ZMQRTest::JeroMQ;

    my ( $version, $why ) = ZMQRTest::JeroMQ->probe;
    plan skip_all => $why unless $version;
    my $j = ZMQRTest::JeroMQ->start( deadline => 60 ) or die $ZMQRTest::JeroMQ::ERROR;
    $j->cmd( 'NEW d DEALER', "CONNECT d $endpoint", 'SEND d x6869', 'RECV d 3000' );
    my $line = $j->expect( qr/^(?:MSG|TIMEOUT) d\b/, 5 );
    $j->quit;

=head1 DESCRIPTION

C<probe> finds C<java>, C<javac> (C<$JAVA_HOME/bin> or PATH; C<ZMQ_RUST_JAVA> and
C<ZMQ_RUST_JAVAC> override) and the JeroMQ jars: C<ZMQ_RUST_JEROMQ> (a colon-separated list of
jars or directories), else the directory F<.ci/jeromq.sh> fills
(F<$XDG_CACHE_HOME/zmq-rust/jeromq>, default F<~/.cache/zmq-rust/jeromq>), else
F</usr/share/java>. It compiles F<t/lib/JeromqPeer.java> into a temporary directory, starts it
once and returns JeroMQ's version, or C<(undef, $reason)>. JeroMQ before 0.5 (Debian bookworm's
0.3.6 speaks ZMTP 2.0 only) is refused.

C<start(deadline =E<gt> $secs)> runs the peer, a L<ZMQRTest::LineProc> (see the comment at the
top of F<JeromqPeer.java> for its commands and output lines), and returns once it printed READY
(C<start_timeout>, default 30 s; undef and C<$ZMQRTest::JeroMQ::ERROR> otherwise); C<version>
is the JeroMQ version it printed then. C<cmd(@lines)> writes command lines;
C<expect($re, $timeout)> takes the first output line matching $re, leaving the others queued
(an empty list when none came); C<clear> drops the queued lines; C<on_wait($code)> runs $code
every 10 ms while C<expect> waits; C<transcript> has the last 200 lines it printed, C<stderr>
its stderr. C<quit> asks the peer to exit (QUIT, then BYE, then up to 3 s for the exit), C<kill>
SIGKILLs it. Every wait is bounded; the JVM ends itself after its deadline, and peers still
running at exit are killed.

=cut
