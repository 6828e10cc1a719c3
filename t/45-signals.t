use strict;
use warnings;

use Test::More;
use Errno qw(EINTR);
use POSIX ();
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_PUSH ZMQ_PULL ZMQ_PAIR ZMQ_DONTWAIT ZMQ_POLLIN
    ZMQ_SNDHWM ZMQ_RCVHWM ZMQ_RCVTIMEO ZMQ_SNDTIMEO);
use lib 't/lib';
use ZMQRTest qw(any_ep);
use ZMQRTest::Proc qw(has_threads keep_ipc_dir);

# Signals and blocking calls (pain point f7): for a blocking recv, a send blocked at the HWM,
# ZMQ::Rust::poll with -1 and $ctx->destroy waiting for another thread's socket:
#   int:    SIGINT with its default disposition ends the process promptly;
#   die:    a %SIG{ALRM} handler that dies interrupts the call (alarm 1);
#   eintr:  a handler that returns ends the call with EINTR, as in libzmq;
#   resume: with $ZMQ::Rust::RESUME_AFTER_SIGNAL, a handler that returns lets the call go on,
#           and it completes when its event comes.
# Every case runs in its own forked child (a broken case must not hang this file); they all
# run at once.

plan skip_all => 'needs fork and signals' if $^O eq 'MSWin32';

alarm 60;    # backstop (no handler: a hang kills the test)
keep_ipc_dir();    # see ZMQRTest::Proc

my $HAVE_THREADS = has_threads();
my %FUNCTION     = ( recv => 'zmq_msg_recv', send => 'zmq_send', poll => 'zmq_poll', destroy => 'zmq_ctx_term' );
my $BIG          = 'x' x 65_536;    # fills kernel buffers quickly
my $ACT_AFTER    = 1.6;             # resume: seconds after "ready" that the parent acts

my $ctx = ZMQ::Rust->new;           # the parent's peers

# Per operation: child => code run in the child (returns the blocking call as a code ref),
# parent_setup and parent_act => what the parent does around it.
my %OP = (
    recv => {
        child => sub {
            my ( $c, $ch, $mode, $endpoint ) = @_;
            my $pull = $c->socket(ZMQ_PULL);
            $pull->set( ZMQ_RCVTIMEO, 'int', $mode eq 'resume' ? 6000 : -1 );
            $pull->bind($endpoint);
            return sub { $pull->recv };
        },
        parent_setup => sub {
            my ($k) = @_;
            $k->{push} = $ctx->socket(ZMQ_PUSH);
            $k->{push}->connect( $k->{endpoint} );
        },
        parent_act => sub { $_[0]{push}->send('later') },
        expect     => 'later',
    },
    send => {
        child => sub {
            my ( $c, $ch, $mode, $endpoint ) = @_;
            my $push = $c->socket(ZMQ_PUSH);
            $push->set( ZMQ_SNDHWM, 'int', 1 );
            $push->set( ZMQ_SNDTIMEO, 'int', $mode eq 'resume' ? 6000 : -1 );
            $push->set_linger(5000);
            $push->bind($endpoint);
            $ch->put('bound');
            $ch->get(10);    # the parent's PULL is connecting
            # Fill until EAGAIN has lasted a while.
            my ( $sent, $full_since ) = ( 0, undef );
            my $until = time + 10;
            while ( time < $until ) {
                if ( eval { $push->send( $BIG, ZMQ_DONTWAIT ); 1 } ) {
                    $sent++;
                    undef $full_since;
                    next;
                }
                $full_since //= time;
                last if $sent && time - $full_since > 0.3;
                sleep 0.01;
            }
            die "could not reach the HWM\n" unless $full_since && $sent;
            return sub { $push->send('THE ONE') ? 'sent' : 'failed' };
        },
        parent_setup => sub {
            my ($k) = @_;
            my ($tag) = $k->{child}->get(10);
            die "send child: no 'bound' ($tag)\n" unless $tag && $tag eq 'bound';
            $k->{pull} = $ctx->socket(ZMQ_PULL);
            $k->{pull}->set( ZMQ_RCVHWM, 'int', 1 );
            $k->{pull}->set( ZMQ_RCVTIMEO, 'int', 3000 );
            $k->{pull}->connect( $k->{endpoint} );
            $k->{child}->put('connected');
        },
        parent_act => sub {
            my ($k) = @_;
            my $n = 0;
            while ( defined( my $m = eval { $k->{pull}->recv } ) ) {
                $n++;
                if ( $m eq 'THE ONE' ) { $k->{the_one} = 1; last }
            }
            $k->{read} = $n;
            $k->{child}->put('bye');
        },
        expect => 'sent',
    },
    poll => {
        child => sub {
            my ( $c, $ch, $mode, $endpoint ) = @_;
            my $pull = $c->socket(ZMQ_PULL);
            $pull->bind($endpoint);
            return sub { join ',', ZMQ::Rust::poll( [ { socket => $pull, events => ZMQ_POLLIN } ], -1 ) };
        },
        parent_setup => sub {
            my ($k) = @_;
            $k->{push} = $ctx->socket(ZMQ_PUSH);
            $k->{push}->connect( $k->{endpoint} );
        },
        parent_act => sub { $_[0]{push}->send('later') },
        expect     => ZMQ_POLLIN,
    },
    destroy => {
        threads => 1,
        child   => sub {
            my ( $c, $ch, $mode, $endpoint ) = @_;
            require threads;
            my $hold = $mode eq 'resume' ? 2.3 : 30;
            pipe( my $r, my $w ) or die "pipe: $!";
            threads->create( sub {
                my $s = $c->socket(ZMQ_PAIR);    # keeps the context from terminating
                syswrite $w, 'up';
                Time::HiRes::sleep($hold);
                $s->close;
                return 1;
            } )->detach;
            sysread $r, my $buf, 2;
            return sub { $c->destroy; $c->is_destroyed ? 'destroyed' : 'not destroyed' };
        },
        parent_setup => sub { },
        parent_act   => sub { },
        expect       => 'destroyed',
    },
);

# The child: set up, say "ready", make the blocking call under the mode's signal set-up,
# report, and (send/resume) wait for the parent to have read everything.
sub child_main {
    my ( $op, $mode, $endpoint ) = @_;
    return sub {
        my ($ch) = @_;
        $SIG{INT} = 'DEFAULT';
        my $c     = ZMQ::Rust->new;
        my $block = $OP{$op}{child}->( $c, $ch, $mode, $endpoint );
        my ( $handled, $handled_at, $t0 ) = ( 0, -1 );
        if ( $mode eq 'die' ) { $SIG{ALRM} = sub { die "alarm rang\n" } }
        elsif ( $mode eq 'eintr' || $mode eq 'resume' ) {
            $SIG{ALRM} = sub { $handled++; $handled_at = time - $t0 };
            $ZMQ::Rust::RESUME_AFTER_SIGNAL = 1 if $mode eq 'resume';
        }
        $ch->put('ready');
        $t0 = time;
        alarm 1 if $mode ne 'int';
        my @r   = eval { $block->() };
        my $err = $@;
        alarm 0;
        my $errno = ref $err && eval { $err->isa('ZMQ::Rust::Error') } ? $err->errno : '';
        $ch->put( 'result', time - $t0, "$err", $errno, "$handled\@$handled_at", @r );
        $ch->get(10) if $op eq 'send' && $mode eq 'resume';
        # No destroy here: after 'die' a context may still wait for a thread's socket.
        POSIX::_exit(0);
    };
}

# Start every case.
my @cases;
for my $op (qw(recv send poll destroy)) {
    for my $mode (qw(int die eintr resume)) {
        my $k = { op => $op, mode => $mode, name => "$op/$mode" };
        if ( $OP{$op}{threads} && !$HAVE_THREADS ) {
            $k->{skip} = 'no interpreter threads';
            push @cases, $k;
            next;
        }
        $k->{endpoint} = any_ep('ipc');
        $k->{child}    = ZMQRTest::Proc->spawn( child_main( $op, $mode, $k->{endpoint} ), timeout => 20 );
        push @cases, $k;
    }
}
for my $k ( grep { !$_->{skip} } @cases ) {
    eval { $OP{ $k->{op} }{parent_setup}->($k); 1 } or $k->{error} = "setup: $@";
}
for my $k ( grep { !$_->{skip} && !$_->{error} } @cases ) {
    my ( $tag, @rest ) = $k->{child}->get(15);
    if ( $tag && $tag eq 'ready' ) { $k->{ready} = time }
    else { $k->{error} = 'no ready: ' . join ' ', grep {defined} $tag, @rest }
}

# Act on schedule: SIGINT 0.3 s after ready, the cont event $ACT_AFTER s after ready.
my @todo = sort { $a->[0] <=> $b->[0] } map {
    my $k = $_;
    $k->{mode} eq 'int'  ? [ $k->{ready} + 0.3, $k ]
  : $k->{mode} eq 'resume' ? [ $k->{ready} + $ACT_AFTER, $k ]
  : ()
} grep { $_->{ready} } @cases;
for my $t (@todo) {
    my ( $when, $k ) = @$t;
    my $wait = $when - time;
    sleep $wait if $wait > 0;
    if ( $k->{mode} eq 'int' ) {
        kill 'INT', $k->{child}->pid;
        # Reaped at once, so that the time measured is the time it took to die.
        ( $k->{status}, $k->{timed_out}, $k->{died_in} ) = $k->{child}->finish(3);
    }
    else {
        $k->{acted} = time;
        eval { $OP{ $k->{op} }{parent_act}->($k); 1 } or $k->{error} = "act: $@";
    }
}

# Collect.
for my $k ( grep { $_->{ready} } @cases ) {
    next if $k->{mode} eq 'int';
    my ( $tag, $el, $err, $errno, $handled, @r ) = $k->{child}->get(10);
    $k->{result} = $tag && $tag eq 'result'
        ? { el => $el, err => $err, errno => $errno, handled => $handled, r => \@r }
        : undef;
    $k->{result_tag} = join ' ', grep {defined} $tag, $el, $err;
    ( $k->{status}, $k->{timed_out} ) = $k->{child}->finish(5);
}

for my $k (@cases) {
    subtest $k->{name} => sub {
        plan skip_all => $k->{skip} if $k->{skip};
        ok( !$k->{error}, 'set-up and actions went fine' ) or diag $k->{error};
        return unless $k->{ready};
        if ( $k->{mode} eq 'int' ) {
            ok( !$k->{timed_out}, 'the child ended by itself' );
            ok( POSIX::WIFSIGNALED( $k->{status} ), 'killed by a signal' )
                or diag sprintf 'wait status %d (exit %d)', $k->{status}, $k->{status} >> 8;
            is( $k->{status} & 127, POSIX::SIGINT(), '... SIGINT' );
            cmp_ok( $k->{died_in}, '<', 2, sprintf( 'promptly (%.2f s)', $k->{died_in} ) );
            return;
        }
        my $res = $k->{result};
        ok( $res, 'the child reported' ) or return diag $k->{result_tag};
        if ( $k->{mode} eq 'die' ) {
            is( $res->{err}, "alarm rang\n", 'the dying handler interrupted the call' );
            cmp_ok( $res->{el}, '>=', 0.8, sprintf( 'at the alarm (%.2f s)', $res->{el} ) );
            cmp_ok( $res->{el}, '<', 2.5, '... within about a second of it' );
        }
        elsif ( $k->{mode} eq 'eintr' ) {
            like( $res->{err}, qr/^$FUNCTION{ $k->{op} }: Interrupted system call at /,
                'the call croaked EINTR when the handler returned' );
            is( $res->{errno}, EINTR, '... errno EINTR' );
            my ( $n, $at ) = split /\@/, $res->{handled};
            is( $n, 1, 'the handler ran, once' );
            cmp_ok( $res->{el}, '>=', 0.8, sprintf( 'at the alarm (%.2f s)', $res->{el} ) );
            cmp_ok( $res->{el}, '<', 2.5, '... within about a second of it' );
        }
        else {
            is( $res->{err}, '', 'the call did not fail' );
            my ( $n, $at ) = split /\@/, $res->{handled};
            is( $n, 1, 'the handler ran, once' );
            cmp_ok( $at, '<', 1.5, sprintf( '... during the call, at the alarm (%.2f s)', $at ) );
            is( $res->{r}[0], $OP{ $k->{op} }{expect}, 'the call went on and completed' );
            cmp_ok( $res->{el}, '>=', 1.2, sprintf( 'after the alarm, when its event came (%.2f s)', $res->{el} ) );
            cmp_ok( $res->{el}, '<', 5, '... promptly' );
            ok( $k->{the_one}, sprintf( 'the parent got the blocked message (after %d)', ( $k->{read} || 0 ) - 1 ) )
                if $k->{op} eq 'send';
        }
        is( $k->{status}, 0, 'the child exited normally' );
    };
}

for my $k (@cases) {
    $_ && $_->close for $k->{push}, $k->{pull};
}
$ctx->destroy;
done_testing;
