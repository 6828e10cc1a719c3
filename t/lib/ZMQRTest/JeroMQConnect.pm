package ZMQRTest::JeroMQConnect;

use strict;
use warnings;

use POSIX ();
use Time::HiRes qw(time);
use ZMQ::Rust qw(:all);
use ZMQRTest qw(sock);
use ZMQRTest::JeroMQ;

# One JeroMQ connection to a bound ZMQ::Rust socket, per call of `round`: the loop behind
# t/77-jeromq-connect.t and xt/jeromq-connect-soak.pl. See the POD.

our @PAIRS = qw(DEALER-DEALER PUB-SUB SUB-PUB XPUB-XSUB XSUB-XPUB);

my $N = 0;

sub new {
    my ( $class, %opt ) = @_;
    my $self = bless {
        ctx           => $opt{ctx} || die('ctx'),
        peer          => $opt{peer},
        ms            => $opt{ms} || 4000,
        handshake_ivl => $opt{handshake_ivl},
        own_context   => $opt{own_context},
        fresh_jvm     => $opt{fresh_jvm},
        jvm_deadline  => $opt{jvm_deadline} || 600,
    }, $class;
    return $self;
}

sub _hex { return 'x' . unpack( 'H*', $_[0] ) }

# The JeroMQ socket's NEW line.
sub _new_line {
    my ( $self, $type, @opts ) = @_;
    push @opts, 'own_context=1' if $self->{own_context};
    push @opts, "handshake_ivl=$self->{handshake_ivl}" if defined $self->{handshake_ivl};
    return join ' ', 'NEW c', $type, @opts;
}

# What the peer printed in answer to the last command about socket c.
sub _peer_line {
    my ( $self, $secs ) = @_;
    return $self->{j}->expect( qr/^(?:MSG|TIMEOUT|PUBLISHED|ERROR) /, $secs ) || '';
}

sub _rrecv {
    my ($s) = @_;
    my @m = eval { $s->recv_multipart };
    return @m ? \@m : undef;
}

# Each returns '' when both directions carried their message, else what was missing.
my %ROUND = (
    # JeroMQ DEALER says hello first; ZMQ::Rust DEALER answers.
    'DEALER-DEALER' => sub {
        my ( $self, $s, $ep, $i ) = @_;
        my ( $j, $ms ) = @$self{qw(j ms)};
        $j->cmd( $self->_new_line('DEALER'), "CONNECT c $ep", 'SEND c ' . _hex("ping$i"), "RECV c $ms" );
        my $m = _rrecv($s);
        return 'ZMQ::Rust DEALER got no hello' unless $m && "@$m" eq "ping$i";
        $s->send("pong$i");
        my $l = $self->_peer_line( $ms / 1000 + 2 );
        return $l eq 'MSG c ' . _hex("pong$i") ? '' : "JeroMQ DEALER got no answer ($l)";
    },
    # ZMQ::Rust PUB publishes until the JeroMQ SUB (subscribed to everything) receives.
    'PUB-SUB' => sub {
        my ( $self, $s, $ep, $i ) = @_;
        my ( $j, $ms ) = @$self{qw(j ms)};
        $j->cmd( $self->_new_line( 'SUB', 'subscribe=x' ), "CONNECT c $ep", "RECV c $ms" );
        $j->on_wait( sub { $s->send("tick$i") } );
        my $l = $self->_peer_line( $ms / 1000 + 2 );
        $j->on_wait(undef);
        return $l eq 'MSG c ' . _hex("tick$i") ? '' : "JeroMQ SUB got no publication ($l)";
    },
    # JeroMQ PUB publishes every 5 ms until the ZMQ::Rust SUB receives.
    'SUB-PUB' => sub {
        my ( $self, $s, $ep, $i ) = @_;
        my ( $j, $ms ) = @$self{qw(j ms)};
        $j->cmd( $self->_new_line('PUB'), "CONNECT c $ep", 'PUBLISH c 5 ' . ( $ms + 1000 ) . ' ' . _hex("tick$i") );
        my $m = _rrecv($s);
        $j->cmd('');    # any line, an empty one too, ends PUBLISH
        $j->expect( qr/^PUBLISHED c /, $ms / 1000 + 3 );
        return $m && "@$m" eq "tick$i" ? '' : 'ZMQ::Rust SUB got no publication';
    },
    # JeroMQ XSUB subscribes; ZMQ::Rust XPUB sees it and publishes.
    'XPUB-XSUB' => sub {
        my ( $self, $s, $ep, $i ) = @_;
        my ( $j, $ms ) = @$self{qw(j ms)};
        $j->cmd( $self->_new_line('XSUB'), "CONNECT c $ep", 'SEND c x01', "RECV c $ms" );
        my $m = _rrecv($s);
        return 'ZMQ::Rust XPUB saw no subscription' unless $m && "@$m" eq "\x01";
        $s->send("data$i");
        my $l = $self->_peer_line( $ms / 1000 + 2 );
        return $l eq 'MSG c ' . _hex("data$i") ? '' : "JeroMQ XSUB got no publication ($l)";
    },
    # ZMQ::Rust XSUB subscribes (sent to each new peer); JeroMQ XPUB sees it and publishes.
    'XSUB-XPUB' => sub {
        my ( $self, $s, $ep, $i ) = @_;
        my ( $j, $ms ) = @$self{qw(j ms)};
        $s->send("\x01");
        $j->cmd( $self->_new_line('XPUB'), "CONNECT c $ep", "RECV c $ms" );
        $j->on_wait( sub { $s->has_pollin } );    # the socket replays its subscription when called
        my $l = $self->_peer_line( $ms / 1000 + 2 );
        $j->on_wait(undef);
        return "JeroMQ XPUB saw no subscription ($l)" unless $l eq 'MSG c x01';
        $j->cmd( 'SEND c ' . _hex("data$i") );
        my $m = _rrecv($s);
        return $m && "@$m" eq "data$i" ? '' : 'ZMQ::Rust XSUB got no publication';
    },
);

my %TYPE = ( DEALER => ZMQ_DEALER, PUB => ZMQ_PUB, SUB => ZMQ_SUB, XPUB => ZMQ_XPUB, XSUB => ZMQ_XSUB );

# One connection of $pair ('DEALER-DEALER', ...: ZMQ::Rust's type, then JeroMQ's). Returns
# { why => '' or what was missing, secs => the round's time, accepted => connections ZMQ::Rust
# accepted (2 or more: JeroMQ connected again) }.
sub round {
    my ( $self, $pair, $i ) = @_;
    my ($ours) = split /-/, $pair;
    if ( $self->{fresh_jvm} || !$self->{j} ) {
        $self->{j} = $self->{peer} || ZMQRTest::JeroMQ->start( deadline => $self->{jvm_deadline} )
            or return { why => "JeroMQ peer did not start: $ZMQRTest::JeroMQ::ERROR", secs => 0, accepted => 0 };
    }
    my $j   = $self->{j};
    my $ctx = $self->{ctx};
    my $s   = sock( $ctx, $TYPE{$ours}, $self->{ms} );
    $s->subscribe('') if $ours eq 'SUB';
    my $mep = 'inproc://jeromq-connect-mon-' . $$ . '-' . ++$N;
    $s->monitor( $mep, ZMQ_EVENT_ACCEPTED );
    my $mon = $ctx->socket(ZMQ_PAIR);
    $mon->set( ZMQ_RCVTIMEO, 'int', 0 );
    $mon->connect($mep);
    $s->bind('tcp://127.0.0.1:*');
    my $t   = time;
    my $why = $ROUND{$pair}->( $self, $s, $s->last_endpoint, $i );
    my $secs = time - $t;
    $j->cmd('CLOSE c');
    $j->expect( qr/^CLOSED c$/, 10 ) or $why ||= 'JeroMQ peer did not close its socket';
    $j->clear;
    my $accepted = 0;
    while ( my ($ev) = eval { $mon->recv_event } ) { $accepted++ if $ev == ZMQ_EVENT_ACCEPTED }
    $s->close;
    $mon->close;
    if ( $self->{fresh_jvm} ) {
        $j->quit(2);
        $self->{j} = undef;
    }
    return { why => $why, secs => $secs, accepted => $accepted };
}

sub finish {
    my ($self) = @_;
    $self->{j}->quit if $self->{j} && !$self->{peer};
    $self->{j} = undef;
}

# -- background load ------------------------------------------------------------------------------

my @LOAD;

sub cpus {
    open my $fh, '<', '/proc/cpuinfo' or return 2;
    my $n = grep {/^processor\s*:/} <$fh>;
    return $n || 2;
}

# Starts $n (default: one per CPU) spinning processes that end by themselves after $secs.
sub start_load {
    my ( $class, $n, $secs ) = @_;
    $n = cpus() unless defined $n;
    for ( 1 .. $n ) {
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if ( !$pid ) {
            $SIG{ALRM} = sub { POSIX::_exit(0) };
            alarm $secs;
            my $x = 0;
            while (1) { $x = ( $x * 7 + 1 ) % 1000003 }
        }
        push @LOAD, $pid;
    }
    return $n;
}

sub stop_load {
    kill 'KILL', @LOAD;
    waitpid( $_, 0 ) for @LOAD;
    @LOAD = ();
}

END { stop_load() if @LOAD }

1;

__END__

=head1 NAME

ZMQRTest::JeroMQConnect - a JeroMQ peer connects to a bound ZMQ::Rust socket, once per call

=head1 SYNOPSIS

    my $loop = ZMQRTest::JeroMQConnect->new( ctx => $ctx, ms => 4000, own_context => 1,
        handshake_ivl => 1000 );
    ZMQRTest::JeroMQConnect->start_load( undef, 300 );
    for my $i ( 1 .. 100 ) {
        my $r = $loop->round( 'DEALER-DEALER', $i );
        # $r->{why}: '' when a message went each way; $r->{secs}; $r->{accepted}
    }
    ZMQRTest::JeroMQConnect->stop_load;
    $loop->finish;

=head1 DESCRIPTION

Each C<round($pair, $i)> binds a ZMQ::Rust socket on C<tcp://127.0.0.1:*>, has the JeroMQ peer
(F<t/lib/JeromqPeer.java>) make a socket and connect to it, and checks that a message goes each
way: C<DEALER-DEALER> (JeroMQ sends first), C<PUB-SUB> and C<XPUB-XSUB> (ZMQ::Rust publishes),
C<SUB-PUB> and C<XSUB-XPUB> (JeroMQ publishes). Every wait is bounded by C<ms>. The ZMQ::Rust
socket is monitored: C<accepted> counts the connections JeroMQ made (more than one: JeroMQ gave
up on its first and connected again).

Options: C<own_context> (each JeroMQ socket in a context of its own), C<handshake_ivl> (the
JeroMQ socket's ZMQ_HANDSHAKE_IVL), C<fresh_jvm> (a new JVM for every round), C<peer> (a peer
to use instead of starting one).

C<start_load($n, $secs)> forks $n spinning processes (default one per CPU) that end after $secs
at the latest; C<stop_load> kills them.

=cut
