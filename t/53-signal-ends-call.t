use strict;
use warnings;

use Test::More;
use Errno qw(EINTR);
use POSIX ();
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(:all);
use ZMQ::Rust::LibZMQ3 ();
use lib 't/lib';
use ZMQRTest::Proc ();

# The Ctrl-C pattern of every ZeroMQ binding: a %SIG{INT} handler that sets a flag and returns
# ends the blocking call with EINTR (as libzmq's calls end), and the loop sees the flag. Each
# case runs in a forked child, which the parent interrupts with SIGINT once it is blocked.

plan skip_all => 'needs fork and signals' if $^O eq 'MSWin32';

my %CASE = (
    'ZMQ::FFI style, die_on_error(0): recv returns, last_errno EINTR' => sub {
        my $c = ZMQ::Rust->new;
        my $s = $c->socket(ZMQ_PULL);
        $s->bind('inproc://nobody-sends');
        $s->die_on_error(0);
        my $interrupted;
        local $SIG{INT} = sub { $interrupted = 1 };
        my $out = '';
        ready();
        while (1) {
            my $msg = $s->recv;
            if ($interrupted) { $out = "interrupted, exiting"; last }
        }
        return ( $out, $s->last_errno, $s->has_error ? 'has_error' : 'no error' );
    },
    'die_on_error(1): recv croaks EINTR' => sub {
        my $c = ZMQ::Rust->new;
        my $s = $c->socket(ZMQ_SUB);
        $s->bind('inproc://nobody-publishes');
        my $interrupted;
        local $SIG{INT} = sub { $interrupted = 1 };
        ready();
        my $ok  = eval { $s->recv_multipart; 1 };
        my $err = $@;
        return ( $interrupted ? 'flag set' : 'no flag', ( $ok ? 'returned' : "$err" ), ref $err ? $err->errno : '' );
    },
    'send blocked at the HWM returns EINTR' => sub {
        my $c = ZMQ::Rust->new;
        my $s = $c->socket(ZMQ_PUSH);
        $s->set( ZMQ_SNDHWM, 'int', 1 );
        $s->bind('inproc://nobody-reads');
        my $r = $c->socket(ZMQ_PULL);
        $r->set( ZMQ_RCVHWM, 'int', 1 );
        $r->connect('inproc://nobody-reads');
        $s->die_on_error(0);
        my $sent = 0;
        $sent++ while $s->send( 'x', ZMQ_DONTWAIT ) && $sent < 100;
        my $interrupted;
        local $SIG{INT} = sub { $interrupted = 1 };
        ready();
        my @r = $s->send('blocked');
        return ( $interrupted ? 'flag set' : 'no flag', scalar(@r), $s->last_errno );
    },
    'ZMQ::Rust::Poller: poll croaks EINTR' => sub {
        my $c = ZMQ::Rust->new;
        my $s = $c->socket(ZMQ_PULL);
        $s->bind('inproc://nobody-polls');
        my $p = ZMQ::Rust::Poller->new;
        $p->add( $s, ZMQ_POLLIN );
        local $SIG{INT} = sub { };
        ready();
        my $ok  = eval { $p->poll(-1); 1 };
        my $err = $@;
        return ( ( $ok ? 'returned' : "$err" ), ref $err ? $err->errno : '' );
    },
    'context proxy, die_on_error(0): returns with last_errno EINTR' => sub {
        my $c = ZMQ::Rust->new;
        my $f = $c->socket(ZMQ_ROUTER);
        $f->bind('inproc://proxy-front');
        my $b = $c->socket(ZMQ_DEALER);
        $b->bind('inproc://proxy-back');
        $c->die_on_error(0);
        local $SIG{INT} = sub { };
        ready();
        my @r = $c->proxy( $f, $b );
        return ( scalar(@r), $c->last_errno );
    },
    'ZMQ::LibZMQ3: zmq_recvmsg undef, zmq_recv -1, zmq_poll -1, $! EINTR' => sub {
        my $c = ZMQ::Rust::LibZMQ3::zmq_ctx_new();
        my $s = ZMQ::Rust::LibZMQ3::zmq_socket( $c, ZMQ_PULL );
        ZMQ::Rust::LibZMQ3::zmq_bind( $s, 'inproc://libzmq3-nobody' );
        my $interrupted = 0;
        local $SIG{INT} = sub { $interrupted++ };
        ready();
        my @out;
        my $m = ZMQ::Rust::LibZMQ3::zmq_recvmsg($s);
        push @out, ( defined $m ? 'message' : 'undef' ), $! + 0;
        ready();
        my $rc = ZMQ::Rust::LibZMQ3::zmq_recv( $s, my $buf, 10 );
        push @out, $rc, $! + 0;
        ready();
        $rc = ZMQ::Rust::LibZMQ3::zmq_poll( [ { socket => $s, events => ZMQ_POLLIN, callback => sub { } } ], -1 );
        push @out, $rc, $! + 0, $interrupted;
        return @out;
    },
);

# The expected results, per case.
my %WANT = (
    'ZMQ::FFI style, die_on_error(0): recv returns, last_errno EINTR' =>
        [ 'interrupted, exiting', EINTR, 'has_error' ],
    'die_on_error(1): recv croaks EINTR' => sub {
        my @r = @_;
        is( $r[0], 'flag set', 'the handler ran' );
        like( $r[1], qr/^zmq_msg_recv: Interrupted system call at /, 'croaked zmq_msg_recv: Interrupted system call' );
        is( $r[2], EINTR, 'errno EINTR' );
    },
    'send blocked at the HWM returns EINTR'    => [ 'flag set', 0, EINTR ],
    'ZMQ::Rust::Poller: poll croaks EINTR' => sub {
        like( $_[0], qr/^zmq_poll: Interrupted system call at /, 'croaked zmq_poll: Interrupted system call' );
        is( $_[1], EINTR, 'errno EINTR' );
    },
    'context proxy, die_on_error(0): returns with last_errno EINTR' => [ 0, EINTR ],
    'ZMQ::LibZMQ3: zmq_recvmsg undef, zmq_recv -1, zmq_poll -1, $! EINTR' =>
        [ 'undef', EINTR, -1, EINTR, -1, EINTR, 3 ],
);

my $CH;
sub ready { $CH->put('ready') }

for my $name ( sort keys %CASE ) {
    subtest $name => sub {
        my $child = ZMQRTest::Proc->spawn(
            sub {
                ($CH) = @_;
                my @r = $CASE{$name}->();
                $CH->put( 'result', @r );
                POSIX::_exit(0);
            },
            timeout => 20
        );
        my $interrupts = 0;
        my @res;
        while (1) {
            my ( $tag, @rest ) = $child->get(10);
            if ( $tag && $tag eq 'ready' ) {
                sleep 0.3;    # the child is blocked by now
                kill 'INT', $child->pid;
                $interrupts++;
                next;
            }
            @res = ( $tag, @rest );
            last;
        }
        my $t0 = time;
        my ( $status, $timed_out ) = $child->finish(5);
        is( shift(@res), 'result', 'the child left its blocking call and reported' ) or return;
        my $want = $WANT{$name};
        if   ( ref $want eq 'CODE' ) { $want->(@res) }
        else                         { is_deeply( \@res, $want, 'results' ) or diag explain \@res }
        ok( !$timed_out && $status == 0, 'the child exited normally' );
    };
}

done_testing;
