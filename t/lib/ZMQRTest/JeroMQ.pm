package ZMQRTest::JeroMQ;

use strict;
use warnings;

use File::Basename ();
use File::Spec ();
use File::Temp ();
use IO::Select ();
use POSIX ();
use Time::HiRes ();

# A JeroMQ peer: t/lib/JeromqPeer.java, compiled with javac against the JeroMQ jars and run in
# one JVM per test. See the POD.

my $SOURCE = File::Spec->catfile( File::Basename::dirname( File::Basename::dirname(__FILE__) ),
    'JeromqPeer.java' );
my %LIVE;    # pid => peer, for the END clean-up
my ( $CLASSES, $CLASSPATH, $VERSION );
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
        my $why = _slurp($log);
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

sub _slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

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
    my $until = Time::HiRes::time() + $secs;
    while (1) {
        my $r = waitpid( $pid, POSIX::WNOHANG() );
        return $? >> 8 if $r == $pid;
        if ( Time::HiRes::time() > $until ) {
            kill 'KILL', $pid;
            waitpid( $pid, 0 );
            return -1;
        }
        Time::HiRes::sleep(0.05);
    }
}

# Starts the JVM (after a successful probe); returns the peer once it printed READY, or undef
# (and sets $ERROR).
sub start {
    my ( $class, %opt ) = @_;
    my $deadline = $opt{deadline} || 60;
    my $log = "$CLASSES/peer-" . ( 1 + keys %LIVE ) . "-$$-" . int( Time::HiRes::time() * 1000 ) . '.err';
    pipe( my $child_in,   my $to_child )  or die "pipe: $!";
    pipe( my $from_child, my $child_out ) or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        close $to_child;
        close $from_child;
        open STDIN,  '<&', $child_in  or POSIX::_exit(126);
        open STDOUT, '>&', $child_out or POSIX::_exit(126);
        open STDERR, '>',  $log       or POSIX::_exit(126);
        # A small heap and the quick compiler only: the JVM shares a busy machine with the test.
        my @jvm = @{ $opt{jvm} || [ '-XX:TieredStopAtLevel=1' ] };
        { exec java(), '-Xmx128m', '-XX:+UseSerialGC', @jvm, '-cp', $CLASSPATH,
              'JeromqPeer', '--deadline', $deadline }
        POSIX::_exit(127);
    }
    close $child_in;
    close $child_out;
    my $old = select $to_child;
    $| = 1;
    select $old;
    my $self = bless { pid => $pid, owner => $$, in => $to_child, out => $from_child, buf => '',
        queue => [], lines => [], log => $log }, $class;
    $LIVE{$pid} = $self;
    my $ready = $self->expect( qr/^READY /, $opt{start_timeout} || 30 );
    if ( !$ready ) {
        $ERROR = 'no READY from the JeroMQ peer within 30 s; stdout: ' . join( ' / ', @{ $self->{lines} } )
            . '; stderr: ' . $self->stderr;
        $self->kill;
        return;
    }
    ( $self->{version} ) = $ready =~ /^READY (\S+)/;
    return $self;
}

sub version { $_[0]{version} }
sub pid     { $_[0]{pid} }
sub stderr  { _slurp( $_[0]{log} ) }

# $code is called every 10 ms while a wait for the peer's output goes on (to service a
# ZMQ::Rust socket meanwhile).
sub on_wait { $_[0]{on_wait} = $_[1]; return $_[0] }

# Writes command lines.
sub cmd {
    my ( $self, @lines ) = @_;
    return 0 unless $self->{pid};
    local $SIG{PIPE} = 'IGNORE';
    return syswrite( $self->{in}, join( '', map {"$_\n"} @lines ) ) ? 1 : 0;
}

sub _pump {
    my ( $self, $timeout ) = @_;
    my $fh = $self->{out} or return 0;
    my $sel  = IO::Select->new($fh);
    my $read = 0;
    while ( $sel->can_read( $read ? 0 : $timeout ) ) {
        my $n = sysread $fh, my $chunk, 1 << 16;
        if ( !$n ) {
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
        shift @{ $self->{lines} } if @{ $self->{lines} } > 200;
    }
    return $read;
}

# Removes and returns the first line matching $re, or undef after $timeout seconds (default
# 5); other lines stay queued.
sub expect {
    my ( $self, $re, $timeout ) = @_;
    $timeout = 5 unless defined $timeout;
    my $until = Time::HiRes::time() + $timeout;
    while (1) {
        for my $i ( 0 .. $#{ $self->{queue} } ) {
            return splice( @{ $self->{queue} }, $i, 1 ) if $self->{queue}[$i] =~ $re;
        }
        my $left = $until - Time::HiRes::time();
        return if $left <= 0;
        return if !$self->{out} && !$self->_pump(0);
        $self->{on_wait}->() if $self->{on_wait};
        $self->_pump( $left < 0.01 ? $left : 0.01 );
    }
}

# Drops queued lines (after reading what is there now).
sub clear { my ($self) = @_; $self->_pump(0); $self->{queue} = []; return }

# The last lines the peer printed, for diagnostics.
sub transcript { my ($self) = @_; $self->_pump(0); return @{ $self->{lines} } }

# QUIT, then wait (up to $timeout s) for the exit; kills it if it does not go.
sub quit {
    my ( $self, $timeout ) = @_;
    return unless $self->{pid};
    $self->cmd('QUIT');
    $self->expect( qr/^BYE /, defined $timeout ? $timeout : 5 );
    $self->_reap(3);
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
    close $self->{in} if $self->{in};
    delete $LIVE{$pid};
    $self->{pid} = undef;
    $self->{in}  = undef;
}

sub DESTROY {
    my ($self) = @_;
    local ( $?, $!, $@ );
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

C<start(deadline =E<gt> $secs)> runs the peer (see the comment at the top of
F<JeromqPeer.java> for its commands and output lines) and returns once it printed READY.
C<cmd(@lines)> writes command lines; C<expect($re, $timeout)> takes the first output line
matching $re, leaving the others queued; C<on_wait($code)> runs $code every 10 ms while
C<expect> waits. Every wait is bounded; the JVM ends itself after its deadline, and peers
still running at exit are killed.

=cut
