use strict;
use warnings;

use Test::More;
use lib 't/lib';
use ZMQRTest qw(run_checks);

# fork with live tcp/ipc traffic. Each scenario runs in a subprocess with a hard timeout
# (run_checks), so a hang fails the test instead of stalling it. t/70-fork.t covers the
# inproc basics (what croaks in a child, close/destroy there, a grandchild).

plan skip_all => 'fork is not available' if $^O eq 'MSWin32';
plan skip_all => 'needs /proc/self/fd' unless -d '/proc/self/fd';

alarm 120;    # backstop for this process; every scenario has its own, shorter timeout

# Shared by the scenarios: PAIRs over tcp and ipc, a message count check, a child report.
my $COMMON = sprintf( qq{#line %d "%s"\n}, __LINE__ + 1, __FILE__ ) . <<'COMMON';
require ZMQRTest::Proc;
ZMQRTest::Proc::keep_ipc_dir();

sub pairs {
    my ($ctx) = @_;
    my %p;
    for my $tr (qw(tcp ipc)) {
        my ( $x, $y, $ep ) = bind_connect_at( $ctx, any_ep($tr), ZMQ_PAIR, ZMQ_PAIR, 3000 );
        $p{$tr} = [ $x, $y, $ep ];
    }
    return \%p;
}

# $n messages each way over every pair; true when all arrive, in order.
sub traffic {
    my ( $pairs, $n, $what ) = @_;
    for my $tr ( sort keys %$pairs ) {
        my ( $x, $y ) = @{ $pairs->{$tr} };
        for my $dir ( [ $x, $y, 'x->y' ], [ $y, $x, 'y->x' ] ) {
            my ( $from, $to, $name ) = @$dir;
            my $sent = eval { $from->send("$what $_") for 1 .. $n; 1 };
            my @got  = map { scalar eval { $to->recv } } 1 .. $n;
            my @bad  = grep { !defined $got[ $_ - 1 ] || $got[ $_ - 1 ] ne "$what $_" } 1 .. $n;
            check( $sent && !@bad, "$what: $n messages $name over $tr",
                !$sent ? $@ : @bad ? "first wrong: #$bad[0]: " . ( $got[ $bad[0] - 1 ] // 'nothing' ) : '' );
        }
    }
}

# Runs $code in a forked child that ends with _exit($code's return value); returns the wait
# status and the seconds the child took.
sub in_child {
    my ($code) = @_;
    my $t0  = time;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        alarm 10;
        my $rc = eval { $code->() };
        check( 0, "child code died", $@ ) unless defined $rc;
        POSIX::_exit( $rc // 97 );
    }
    waitpid $pid, 0;
    return ( $?, time - $t0 );
}
COMMON

run_checks( 'a child ends holding inherited tcp/ipc handles', <<'CODE', prelude => $COMMON, timeout => 15 );
my $ctx   = ZMQ::Rust->new( linger => 1000 );
my $pairs = pairs($ctx);
traffic( $pairs, 20, 'before any fork' );

# Each way a child can end; messages queued before the fork, in both directions, must still
# be there afterwards, and traffic must go on.
for my $how (qw(exit _exit undef exec signal)) {
    for my $tr ( sort keys %$pairs ) {
        my ( $x, $y ) = @{ $pairs->{$tr} };
        $x->send("queued $how x");
        $y->send("queued $how y");
    }
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        alarm 10;
        exit 0 if $how eq 'exit';    # END blocks and global destruction free the handles
        POSIX::_exit(0) if $how eq '_exit';
        if ( $how eq 'undef' ) {     # the last references, freed at once
            %$pairs = ();
            undef $ctx;
            POSIX::_exit(0);
        }
        if ( $how eq 'exec' ) {
            { no warnings 'exec'; exec $^X, '-e', 'exit 0'; }
            POSIX::_exit(1);
        }
        kill 'KILL', $$;
        POSIX::_exit(1);
    }
    my $t0 = time;
    waitpid $pid, 0;
    my $want = $how eq 'signal' ? ( $? & 127 ) == 9 : $? == 0;
    check( $want, "$how: the child ended as it should", "wait status $?" );
    check( time - $t0 < 3, "$how: promptly", time - $t0 );
    for my $tr ( sort keys %$pairs ) {
        my ( $x, $y ) = @{ $pairs->{$tr} };
        check_is( scalar eval { $y->recv }, "queued $how x", "$how: queued $tr message (one way) survived" );
        check_is( scalar eval { $x->recv }, "queued $how y", "$how: queued $tr message (other way) survived" );
        check( !$x->is_closed && !$y->is_closed, "$how: $tr sockets still open" );
    }
    traffic( $pairs, 50, "after $how" );
}
check( !$ctx->is_destroyed, 'the context is intact' );
$ctx->destroy;
check( $ctx->is_destroyed, 'and destroys normally' );
CODE

run_checks( 'close and destroy of inherited tcp/ipc handles in a child', <<'CODE', prelude => $COMMON, timeout => 15 );
my $ctx   = ZMQ::Rust->new( linger => -1 );    # a child that honoured it could hang
my $pairs = pairs($ctx);
# Queued for a peer that never comes: closing this in the parent would have to wait.
my $stuck = $ctx->socket(ZMQ_PUSH);
$stuck->connect( 'tcp://127.0.0.1:' . free_tcp_port() );
$stuck->send("stuck $_") for 1 .. 3;
traffic( $pairs, 20, 'before' );

my ( $status, $secs ) = in_child( sub {
    my @w;
    local $SIG{__WARN__} = sub { push @w, @_ };
    my $ok = eval {
        for my $p ( values %$pairs ) { $_->close for @$p[ 0, 1 ] }
        $stuck->close;
        $_->close for $ctx->sockets;
        $ctx->destroy;
        $ctx->destroy;
        1;
    };
    check( $ok, 'child: close and destroy do not croak', $@ );
    check( !@w, 'child: no warnings', @w );
    my ( $x, $y ) = @{ $pairs->{tcp} };
    check( !eval { $x->send('from the child'); 1 } && $@ =~ /create a new context after fork/,
        'child: the socket still croaks when used', $@ );
    check( !eval { $ctx->socket(ZMQ_PAIR); 1 } && $@ =~ /create a new context after fork/,
        'child: the context still croaks when used', $@ );
    undef $x;
    undef $y;
    undef $stuck;
    %$pairs = ();
    undef $ctx;
    return 0;
} );
check( $status == 0, 'the child exited 0', "status $status" );
check( $secs < 1.5, 'without lingering on the parent\'s queued messages', $secs );
check( !$_->is_closed, 'parent socket still open' ) for map { @$_[ 0, 1 ] } values %$pairs;
check( !$stuck->is_closed, 'parent\'s stuck socket still open' );
check( !$ctx->is_destroyed, 'parent context not destroyed' );
traffic( $pairs, 100, 'after the child' );
$stuck->set_linger(0);
$stuck->close;
$ctx->destroy;
CODE

run_checks( 'a child with its own context talks to the parent over tcp and ipc', <<'CODE', prelude => $COMMON, timeout => 15 );
my $ctx   = ZMQ::Rust->new( linger => 1000 );
my $pairs = pairs($ctx);    # inherited, unused by the child
my %rep;
for my $tr (qw(tcp ipc)) {
    my $rep = sock( $ctx, ZMQ_REP, 5000 );
    $rep->bind( any_ep($tr) );
    $rep{$tr} = $rep;
}
my %rep_ep = map { $_ => $rep{$_}->last_endpoint } keys %rep;
pipe( my $r, my $w ) or die "pipe: $!";

my $pid = fork;
die "fork: $!" unless defined $pid;
if ( !$pid ) {
    alarm 12;
    close $r;
    $w->autoflush(1);
    my $c2 = ZMQ::Rust->new( linger => 2000 );
    # The child asks the parent's REP sockets ...
    for my $tr (qw(tcp ipc)) {
        my $req = sock( $c2, ZMQ_REQ, 5000 );
        $req->connect( $rep_ep{$tr} );
        for my $i ( 1 .. 5 ) {
            $req->send("ask $tr $i from $$");
            check_is( scalar eval { $req->recv }, "answer $tr $i", "child: reply $i over $tr" );
        }
        $req->close;
    }
    # ... and binds its own ROUTER for the parent to connect to.
    my $router = sock( $c2, ZMQ_ROUTER, 5000 );
    $router->bind('tcp://127.0.0.1:*');
    print {$w} $router->last_endpoint, "\n";
    for my $i ( 1 .. 5 ) {
        my @m = eval { $router->recv_multipart };
        check_is( $m[1], "dealer $i", "child: ROUTER got message $i from the parent" );
        $router->send_multipart( [ $m[0], "routed $i" ] ) if @m;
    }
    # Drop the socket objects before destroy: while one is referenced, destroy does not wait
    # for the lingering reply, which _exit would then lose (see t/73-exit.t, TODO).
    undef $router;
    $c2->destroy;
    check( $c2->is_destroyed, 'child: its own context destroyed' );
    POSIX::_exit(0);
}
close $w;
for my $tr (qw(tcp ipc)) {
    for my $i ( 1 .. 5 ) {
        check_is( scalar eval { $rep{$tr}->recv }, "ask $tr $i from $pid", "parent: request $i over $tr" );
        $rep{$tr}->send("answer $tr $i");
    }
}
my $ep = <$r>;
chomp $ep if defined $ep;
check( defined $ep && $ep =~ m{^tcp://127\.0\.0\.1:\d+$}, 'the child reported its endpoint', $ep );
my $dealer = sock( $ctx, ZMQ_DEALER, 5000 );
$dealer->connect($ep);
for my $i ( 1 .. 5 ) {
    $dealer->send("dealer $i");
    check_is( scalar eval { $dealer->recv }, "routed $i", "parent: reply $i from the child's ROUTER" );
}
waitpid $pid, 0;
check( $? == 0, 'the child exited 0', "status $?" );
traffic( $pairs, 50, 'after the child' );
$ctx->destroy;
CODE

run_checks( '50 fork/exit cycles during traffic', <<'CODE', prelude => $COMMON, timeout => 18 );
my $N_SIBLING = 3000;
my $ctx = ZMQ::Rust->new( linger => 1000 );

# The parent's own traffic: PUSH/PULL over tcp to itself.
my ( $pull, $push ) = bind_connect_at( $ctx, 'tcp://127.0.0.1:*', ZMQ_PULL, ZMQ_PUSH, 5000 );
$push->send('warm up');
check_is( scalar eval { $pull->recv }, 'warm up', 'self traffic works' );
# A sibling process (its own context) pushes a numbered stream to the parent meanwhile.
my $from_sib = sock( $ctx, ZMQ_PULL, 5000 );
$from_sib->bind('tcp://127.0.0.1:*');
my $sib_ep = $from_sib->last_endpoint;
pipe( my $bye_r, my $bye_w ) or die "pipe: $!";
my @before_sibling = fd_list();

my $sib = fork;
die "fork: $!" unless defined $sib;
if ( !$sib ) {
    alarm 15;
    close $bye_w;
    my $c2 = ZMQ::Rust->new( linger => 5000 );
    my $p  = sock( $c2, ZMQ_PUSH, 5000 );
    $p->connect($sib_ep);
    for my $i ( 1 .. $N_SIBLING ) {
        $p->send("s$i");
        sleep 0.002 if $i % 10 == 0;    # spread over the fork cycles
    }
    <$bye_r>;                           # stay connected until the parent has counted its fds
    $p->close;                          # lingers until delivered
    $c2->destroy;
    POSIX::_exit(0);
}

my ( @sib_got, $self_sent, @self_got );
my $take = sub {
    while ( defined( my $m = eval { $from_sib->recv(ZMQ_DONTWAIT) } ) ) { push @sib_got, $m }
    while ( defined( my $m = eval { $pull->recv(ZMQ_DONTWAIT) } ) )     { push @self_got, $m }
};
# Counted once the sibling is connected and sending.
wait_for( sub { $take->(); @sib_got }, 5000 );
check( scalar @sib_got, 'the sibling\'s stream started' );
my @fds_before = fd_list();
my $sib_at_start = @sib_got;
my $t_start      = time;

my %how_ok;
for my $cycle ( 1 .. 50 ) {
    $push->send("p$cycle.$_") for 1 .. 20;
    $self_sent += 20;
    my $how = (qw(exit _exit destroy exec close))[ $cycle % 5 ];
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        alarm 10;
        exit 0 if $how eq 'exit';
        POSIX::_exit(0) if $how eq '_exit';
        if ( $how eq 'destroy' ) { $ctx->destroy; exit 0 }
        if ( $how eq 'close' )   { $_->close for $pull, $push, $from_sib; POSIX::_exit(0) }
        { no warnings 'exec'; exec $^X, '-e', 'exit 0'; }
        POSIX::_exit(1);
    }
    $take->();
    waitpid $pid, 0;
    $how_ok{$how}++ if $? == 0;
    $take->();
}
my $sib_during = @sib_got - $sib_at_start;
check( $sib_during > 0, 'the sibling\'s messages kept coming during the forks',
    "$sib_during of $N_SIBLING arrived during the cycles" );
printf "# 50 cycles in %.2fs, %d of the sibling's messages arrived meanwhile\n", time - $t_start, $sib_during;
check_is( join( ',', map {"$_=$how_ok{$_}"} sort keys %how_ok ),
    '_exit=10,close=10,destroy=10,exec=10,exit=10', 'every child exited 0' );

my @fds_after = fd_list();
check_is( "@fds_after", "@fds_before", '50 forks leak no file descriptor in the parent' );

wait_for( sub { $take->(); @self_got >= $self_sent && @sib_got >= $N_SIBLING }, 8000 );
my @want_self = map { my $c = $_; map {"p$c.$_"} 1 .. 20 } 1 .. 50;
check_is( scalar @self_got, $self_sent, 'the parent got every message it sent itself' );
check( "@self_got" eq "@want_self", '... in order' );
check_is( scalar @sib_got, $N_SIBLING, 'the parent got every message of the sibling' );
check( "@sib_got" eq join( ' ', map {"s$_"} 1 .. $N_SIBLING ), '... in order' );

syswrite $bye_w, "bye\n";    # kept open: it is in the fd list from before the sibling
waitpid $sib, 0;
check( $? == 0, 'the sibling exited 0', "status $?" );
# The sibling's connection is gone: the parent is back to its descriptors before it (the
# PULL lets go of its side of the connection's pipe when it next processes commands, as in
# libzmq).
my $back = wait_for( sub { $take->(); "@{[ fd_list() ]}" eq "@before_sibling" }, 3000 );
check( $back, 'and the parent closed the sibling\'s connection',
    "before: @before_sibling; now: @{[ fd_list() ]}" );
$ctx->destroy;
CODE

run_checks( 'engine file descriptors are close-on-exec', <<'CODE', prelude => $COMMON, timeout => 15 );
my $LIST = 'print join ",", map { s{.*/}{}r } glob "/proc/self/fd/*"';

# What a child that execs sees: the fds it inherited, plus the one glob reads /proc/self/fd
# with.
sub exec_sees {
    pipe( my $r, my $w ) or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        alarm 10;
        close $r;
        open STDOUT, '>&', $w or POSIX::_exit(1);    # fd 1; the pipe's own fd is close-on-exec
        { no warnings 'exec'; exec $^X, '-e', $LIST; }
        POSIX::_exit(1);
    }
    close $w;
    my $out = do { local $/; <$r> };
    waitpid $pid, 0;
    return $out // '';
}

# Any of our fds above 2 without FD_CLOEXEC, with what it is.
sub inheritable {
    my @bad;
    for my $fd ( grep { $_ > 2 } fd_list() ) {
        my $flags = POSIX::fcntl( $fd, POSIX::F_GETFD(), 0 );
        next unless defined $flags;
        push @bad, "$fd=" . ( readlink("/proc/self/fd/$fd") // '?' ) unless $flags & POSIX::FD_CLOEXEC();
    }
    return @bad;
}

my $control = exec_sees();
check( $control =~ /^0,1,2(,\d+)?$/, 'before any context: only 0, 1, 2 and the glob\'s own', $control );

my $ctx = ZMQ::Rust->new( threads => 2 );
my $pairs = pairs($ctx);    # tcp and ipc: listeners, connections, I/O threads running
traffic( $pairs, 10, 'setup' );
my $stuck = $ctx->socket(ZMQ_PUSH);    # a connection being retried
$stuck->connect( 'tcp://127.0.0.1:' . free_tcp_port() );
my $fd = $pairs->{tcp}[0]->get_fd;    # the socket's notification fd
check( defined $fd && $fd > 2, 'a notification fd', $fd );
my @engine = grep { $_ > 2 } fd_list();
check( @engine >= 6, 'the engine has fds open', scalar @engine );
{ my @bad = inheritable(); check( !@bad, 'every fd of the process is FD_CLOEXEC', @bad ); }
check_is( exec_sees(), $control, 'a child that execs sees only 0, 1, 2 (and the glob\'s fd)' );

# The same in a child that made its own context and I/O threads.
pipe( my $r, my $w ) or die "pipe: $!";
my $pid = fork;
die "fork: $!" unless defined $pid;
if ( !$pid ) {
    alarm 10;
    close $r;
    my $c2 = ZMQ::Rust->new;
    my $p2 = pairs($c2);
    traffic( $p2, 10, 'child setup' );
    { my @bad = inheritable(); check( !@bad, 'child: every fd is FD_CLOEXEC', @bad ); }
    print {$w} exec_sees(), "\n";
    close $w;
    $c2->destroy;
    POSIX::_exit(0);
}
close $w;
my $child_saw = <$r>;
chomp $child_saw if defined $child_saw;
waitpid $pid, 0;
check( $? == 0, 'the child exited 0', "status $?" );
check_is( $child_saw, $control, 'an exec from a child with its own context sees only 0, 1, 2' );
traffic( $pairs, 10, 'after' );
$ctx->destroy;
CODE

done_testing;
