use strict;
use warnings;

use File::Temp ();
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use ZMQRTest qw(run_perl start_perl finish_all run_checks free_tcp_port);

# How programs end: each script runs in its own process with a hard timeout, so a hang
# fails instead of stalling the suite.
#
# - A socket destroyed without close() (scope exit, program end) waits at most 2 s whatever
#   its LINGER, and reports what it drops on stderr.
# - With a peer present and reading, what was queued is delivered before exit when the
#   LINGER allows it.
# - Sockets and contexts caught in reference cycles and closures end cleanly in global
#   destruction.
# - A socket keeps its context alive.

plan skip_all => 'fork is not available' if $^O eq 'MSWin32';

alarm 150;    # backstop for this process; every script has its own, shorter timeout

my $BOUND = 3;    # seconds: the documented 2 s, plus perl's start-up and some slack

sub no_perl_trouble {
    my ( $err, $name ) = @_;
    unlike( $err, qr/Attempt to free|unreferenced scalar|during global destruction|panic|Segmentation|Bizarre|Use of freed/,
        "$name: no perl destruction trouble on stderr" );
}

# ---- an absent peer: bounded, and loud about what is dropped ------------------------------

{
    my $port = free_tcp_port();
    my $ep   = "tcp://127.0.0.1:$port";

    my %how = (
        'program end'  => 'my $s = $ctx->socket(ZMQ_PUSH); $s->connect($ep); send_all($s);',
        'global'       => 'our $S = $ctx->socket(ZMQ_PUSH); $S->connect($ep); send_all($S);',
        'scope exit'   => '{ my $s = $ctx->socket(ZMQ_PUSH); $s->connect($ep); send_all($s); }
                           my $secs = time - $T0; print "scope left\n";
                           die "the scope exit took ${secs}s\n" if $secs > 2.6;',
        'context gone' => '{ my $s = $ctx->socket(ZMQ_PUSH); $s->connect($ep); send_all($s); our $KEEP = $s; }
                           undef $ctx;',
    );
    # All at once (they are independent), each timed on its own.
    my @runs;
    for my $linger ( 0, -1, 10000 ) {
        for my $how ( sort keys %how ) {
            push @runs, [ "absent peer, linger $linger, $how", start_perl( <<"CODE" . $how{$how} . "\nprint qq{end\\n};\n", timeout => 10 ) ];
use strict; use warnings;
use Time::HiRes qw(time);
use ZMQ::Rust qw(ZMQ_PUSH);
\$| = 1;
my \$T0  = time;
my \$ep  = '$ep';
my \$ctx = ZMQ::Rust->new( linger => $linger );
sub send_all { my (\$s) = \@_; \$s->send("m\$_") for 1 .. 5; \$s->send_multipart( [ 'a', 'b' ] ) }
CODE
        }
    }

    push @runs, [ 'one message', start_perl( <<"CODE", timeout => 10 ) ];
use ZMQ::Rust qw(ZMQ_PUSH);
my \$ctx = ZMQ::Rust->new( linger => -1 );
my \$s   = \$ctx->socket(ZMQ_PUSH);
\$s->connect('$ep');
\$s->send('only one');
CODE

    my $port2 = free_tcp_port();
    push @runs, [ 'two absent peers', start_perl( <<"CODE", timeout => 10 ) ];
use ZMQ::Rust qw(ZMQ_PUSH);
my \$ctx = ZMQ::Rust->new( linger => 10000 );
my \$s   = \$ctx->socket(ZMQ_PUSH);
\$s->connect('$ep');
\$s->connect('tcp://127.0.0.1:$port2');
\$s->send("m\$_") for 1 .. 8;
CODE

    # An explicit close honours LINGER (as in libzmq) and drops silently: the program chose.
    push @runs, [ 'explicit close, linger 600', start_perl( <<"CODE", timeout => 10 ) ];
use ZMQ::Rust qw(ZMQ_PUSH);
my \$ctx = ZMQ::Rust->new( linger => 600 );
my \$s   = \$ctx->socket(ZMQ_PUSH);
\$s->connect('$ep');
\$s->send("m\$_") for 1 .. 3;
\$s->close;
CODE

    my @results = finish_all( map { $_->[1] } @runs );
    my %res;
    for my $i ( 0 .. $#runs ) {
        my $name = $runs[$i][0];
        my ( $status, $out, $err, $secs, $timed_out ) = @{ $results[$i] };
        $res{$name} = $results[$i];
        next if $name !~ /^absent peer/;
        ok( !$timed_out, "$name: ended" );
        is( $status, 0, "$name: exit status 0" ) or diag $err;
        cmp_ok( $secs, '<', $BOUND, "$name: within ${BOUND}s" );
        like( $out, qr/end\n\z/, "$name: ran to its end" );
        is( $err, "ZMQ::Rust: dropped 6 unsent messages to $ep at close (the socket's LINGER, or the 2 s bound at destruction and exit, ran out)\n",
            "$name: one warning naming the endpoint and the count" );
        no_perl_trouble( $err, $name );
    }

    my ( $status, $out, $err, $secs ) = @{ $res{'one message'} };
    is( $status, 0, 'one message: exit status 0' );
    cmp_ok( $secs, '<', $BOUND, "one message: within ${BOUND}s" );
    like( $err, qr/^ZMQ::Rust: dropped 1 unsent message to \Q$ep\E at close/, 'one message: "1 unsent message"' );

    ( $status, $out, $err, $secs ) = @{ $res{'two absent peers'} };
    is( $status, 0, 'two absent peers: exit status 0' );
    cmp_ok( $secs, '<', $BOUND, "two absent peers: within ${BOUND}s (not twice the bound)" );
    my %n = reverse( $err =~ /^ZMQ::Rust: dropped (\d+) unsent messages? to (\S+) at close/mg );
    is_deeply( [ sort keys %n ], [ sort $ep, "tcp://127.0.0.1:$port2" ], 'two absent peers: a warning for each endpoint' )
        or diag $err;
    my $sum = 0;
    $sum += $_ for values %n;
    is( $sum, 8, 'two absent peers: counting all 8 messages' );

    ( $status, $out, $err, $secs ) = @{ $res{'explicit close, linger 600'} };
    is( $status, 0, 'explicit close, linger 600: exit status 0' );
    cmp_ok( $secs, '>=', 0.5, 'explicit close, linger 600: the linger was honoured' );
    cmp_ok( $secs, '<', $BOUND, "explicit close, linger 600: within ${BOUND}s" );
    is( $err, '', 'explicit close: no warning (the program set LINGER itself)' );
}

# ---- a peer that reads: delivered before exit ---------------------------------------------

# Receives $n messages on PULL; prints "got COUNT bad WRONG". Given a port and a trigger
# file, it binds that port once the file exists (and prints nothing before); otherwise it
# binds tcp://127.0.0.1:* at once and prints "ready ENDPOINT".
my $RECEIVER = <<'CODE';
use strict; use warnings;
use Time::HiRes qw(sleep time);
use ZMQ::Rust qw(ZMQ_PULL ZMQ_RCVTIMEO);
$| = 1;
my ( $n, $port, $trigger ) = @ARGV;
my $ctx  = ZMQ::Rust->new;
my $pull = $ctx->socket(ZMQ_PULL);
$pull->set( ZMQ_RCVTIMEO, 'int', 2500 );
if ($trigger) {
    my $until = time + 10;
    sleep 0.002 until -e $trigger || time > $until;
}
$pull->bind( 'tcp://127.0.0.1:' . ( $port || '*' ) );
print 'ready ', $pull->last_endpoint, "\n" unless $trigger;
my ( $got, $bad ) = ( 0, 0 );
while ( $got < $n ) {
    my $m = eval { $pull->recv };
    last unless defined $m;
    $got++;
    $bad++ unless $m eq sprintf 'm%d %s', $got, 'x' x 1000;
}
print "got $got bad $bad\n";
CODE

# Starts the receiver and the sender script (which finds the endpoint in $ep, the count in
# $N, and send_all($socket), which sends them and prints "queued"); returns the handles.
# With $late the receiver binds only once the sender has queued everything (finish_pairs
# pulls the trigger): every message is still queued when the sender reaches its end.
my $TRIGGERS = File::Temp::tempdir( 'zmqr-73-XXXXXX', TMPDIR => 1, CLEANUP => 1 );
my $PAIRS    = 0;

sub start_pair {
    my ( $n, $late, $sender ) = @_;
    my ( $rx, $ep, $trigger );
    if ($late) {
        my $port = free_tcp_port();
        $ep      = "tcp://127.0.0.1:$port";
        $trigger = "$TRIGGERS/go-" . ++$PAIRS;
        $rx      = start_perl( $RECEIVER, args => [ $n, $port, $trigger ], timeout => 15 );
    }
    else {
        $rx = start_perl( $RECEIVER, args => [$n], timeout => 15 );
        ($ep) = $rx->wait_output( qr/^ready (\S+)$/m, 10 );
        $ep //= 'tcp://127.0.0.1:1';
    }
    my $tx = start_perl( <<"CODE" . $sender, timeout => 10 );
use strict; use warnings;
use ZMQ::Rust qw(ZMQ_PUSH);
\$| = 1;
my \$ep = '$ep';
my \$N  = $n;
sub send_all { \$_[0]->send( sprintf "m%d %s", \$_, "x" x 1000 ) for 1 .. \$N; print "queued\\n" }
CODE
    return [ $tx, $rx, $trigger ];
}

# Waits for pairs from start_pair (pulling each trigger once its sender has queued, or
# ended); returns for each (sender status, stderr, seconds, receiver's count line, receiver
# status).
sub finish_pairs {
    my @pairs = @_;
    my $until = time + 10;
    while ( my @wait = grep { $_->[2] && !-e $_->[2] } @pairs ) {
        for my $p (@wait) {
            next unless $p->[0]->stdout =~ /^queued$/m || time > $until
                || waitpid( $p->[0]->pid, POSIX::WNOHANG() ) == $p->[0]->pid && $p->[0]->_reaped( $?, 0 );
            open my $fh, '>', $p->[2] or die "$p->[2]: $!";
            close $fh;
        }
        sleep 0.002;
    }
    my @tx = finish_all( map { $_->[0] } @pairs );
    my @rx = finish_all( map { $_->[1] } @pairs );
    return map {
        my ( $status, undef, $err, $secs ) = @{ $tx[$_] };
        my ( $rstatus, $rout, $rerr ) = @{ $rx[$_] };
        my ($line) = $rout =~ /^(got .*)$/m;
        [ $status, $err, $secs, $line // "nothing ($rerr)", $rstatus ];
    } 0 .. $#pairs;
}

{
    my %how = (
        'program end' => 'my $ctx = ZMQ::Rust->new( linger => 1000 ); my $s = $ctx->socket(ZMQ_PUSH);
                          $s->connect($ep); send_all($s);',
        'global' => 'my $ctx = ZMQ::Rust->new( linger => 1000 ); our $S = $ctx->socket(ZMQ_PUSH);
                          $S->connect($ep); send_all($S);',
        'scope exit' => 'my $ctx = ZMQ::Rust->new( linger => 1000 ); { my $s = $ctx->socket(ZMQ_PUSH);
                          $s->connect($ep); send_all($s); } print "left the scope\n";',
        'close' => 'my $ctx = ZMQ::Rust->new( linger => 1000 ); my $s = $ctx->socket(ZMQ_PUSH);
                          $s->connect($ep); send_all($s); $s->close;',
        'destroy' => 'my $ctx = ZMQ::Rust->new( linger => 1000 ); my $s = $ctx->socket(ZMQ_PUSH);
                          $s->connect($ep); send_all($s); $ctx->destroy;',
        'linger -1' => 'my $ctx = ZMQ::Rust->new( linger => -1 ); my $s = $ctx->socket(ZMQ_PUSH);
                          $s->connect($ep); send_all($s);',
    );
    # 800 messages stay under SNDHWM (1000): all are queued when the sender reaches its end
    # (its receiver binds only then).
    # All pairs at once; each has its own receiver and port.
    my @names = sort keys %how;
    my @pairs = map { start_pair( 800, 1, $how{$_} . "\n" ) } @names;
    # The control: LINGER 0 really drops them (and says so), so the waits are needed.
    push @pairs, start_pair( 800, 1, 'my $ctx = ZMQ::Rust->new; my $s = $ctx->socket(ZMQ_PUSH);
        $s->connect($ep); send_all($s);' );
    # As zmq_ctx_term: once destroy returns, what LINGER allowed to leave has left.
    push @pairs, start_pair( 10, 1, <<'CODE' );
use POSIX ();
my $ctx = ZMQ::Rust->new( linger => 2000 );
my $s   = $ctx->socket(ZMQ_PUSH);
$s->connect($ep);
send_all($s);
$ctx->destroy;      # closes $s (LINGER 2000) and terminates: as zmq_ctx_term, waits for them
POSIX::_exit(0);    # so nothing is left for the process to do
CODE
    # A receiver there from the start, more messages than SNDHWM.
    push @pairs, start_pair( 3000, 0, $how{'program end'} );

    my @res = finish_pairs(@pairs);
    for my $how (@names) {
        my $name = "peer binding late, $how";
        my ( $status, $err, $secs, $line, $rstatus ) = @{ shift @res };
        is( $status, 0, "$name: the sender exited 0" ) or diag $err;
        cmp_ok( $secs, '<', $BOUND, "$name: within ${BOUND}s" );
        is( $err, '', "$name: nothing dropped, nothing said" );
        is( $line, "got 800 bad 0", "$name: the receiver (another process) got all 800, in order" );
        is( $rstatus, 0, "$name: the receiver exited 0" );
    }

    my ( $status, $err, $secs, $line ) = @{ shift @res };
    is( $status, 0, 'linger 0 (control): the sender exited 0' );
    like( $line, qr/^got 0 /, 'linger 0 (control): the receiver got nothing' );
    like( $err, qr/^ZMQ::Rust: dropped 800 unsent messages to tcp:/, 'linger 0 (control): the drop is reported' );

    my $todo = shift @res;

    ( $status, $err, $secs, $line ) = @{ shift @res };
    is( $status, 0, 'peer listening, 3000 messages: the sender exited 0' );
    cmp_ok( $secs, '<', $BOUND, "peer listening, 3000 messages: within ${BOUND}s" );
    is( $err,  '',                'peer listening, 3000 messages: nothing on stderr' );
    is( $line, 'got 3000 bad 0', 'peer listening, 3000 messages: all delivered, in order' );

  TODO: {
        ( $status, $err, $secs, $line ) = @$todo;
        # BUG: $ctx->destroy only waits for lingering messages when the last engine handle of
        # the context goes away. A socket object still referenced (here $s, closed by destroy)
        # keeps one, so destroy returns at once and the I/O thread delivers in the
        # background; _exit (usual in forked children) or a crash then loses the queue. The
        # wait happens later, when the socket object is freed.
        is( $line, 'got 10 bad 0', 'destroy with LINGER, then _exit: the peer got everything' );
    }
}

# ---- cycles and closures: clean global destruction -----------------------------------------

my $CYCLE_PROLOGUE = <<'CODE';
use strict; use warnings;
use ZMQ::Rust qw(:all);
$| = 1;
my $ctx = ZMQ::Rust->new( linger => 500 );
# Some traffic first, over inproc and tcp, so that the sockets have state to tear down.
sub traffic {
    my @s;
    for my $ep ( 'inproc://cycle-' . rand(), 'tcp://127.0.0.1:*' ) {
        my $x = $ctx->socket(ZMQ_PAIR);
        $x->bind($ep);
        my $y = $ctx->socket(ZMQ_PAIR);
        $y->connect( $x->last_endpoint );
        $_->set( ZMQ_RCVTIMEO, 'int', 3000 ) for $x, $y;
        $x->send('ping');
        $y->recv eq 'ping' or die "no ping\n";
        $y->send('pong');
        $x->recv eq 'pong' or die "no pong\n";
        push @s, $x, $y;
    }
    return @s;
}
CODE

my %CYCLES = (
    'context refers to itself' => <<'CODE',
my @s = traffic();
$ctx->{me} = $ctx;
CODE
    'closure capturing a socket, in a global' => <<'CODE',
my ( $x, $y ) = traffic();
our $SEND = sub { $x->send( $_[0] ) };
our $RECV = sub { $y->recv };
$SEND->('via closure');
$RECV->() eq 'via closure' or die "closure\n";
CODE
    'socket stored in its own context' => <<'CODE',
my @s = traffic();
$ctx->{sockets} = [@s];
$ctx->{first}   = $s[0];
CODE
    'sockets referring to themselves and each other' => <<'CODE',
my ( $x, $y, $u, $v ) = traffic();
$x->{self} = $x;
$x->{peer} = $y;
$y->{peer} = $x;
$u->{ctx}  = $ctx;
$ctx->{u}  = $u;
$v->{code} = sub { $v->send('x') };
CODE
    'cycles only (no variable left)' => <<'CODE',
{
    my @s = traffic();
    my $c = $ctx;
    $c->{me}   = $c;
    $c->{all}  = \@s;
    $_->{all}  = \@s for @s;
    $_->{ctx}  = $c for @s;
    my $h = {};
    $h->{h} = $h;
    $h->{s} = $s[1];
}
undef $ctx;
CODE
    'a destroyed context in a cycle' => <<'CODE',
my @s = traffic();
$ctx->{me} = $ctx;
$s[0]{ctx} = $ctx;
$ctx->destroy;
CODE
    'a socket from a sub whose context was a lexical' => <<'CODE',
sub make {
    my $c = ZMQ::Rust->new;
    my $s = $c->socket(ZMQ_PAIR);
    $s->bind('tcp://127.0.0.1:*');
    $c->{s} = $s;
    return $s;
}
our @MADE = map { make() } 1 .. 3;
my @s = traffic();
CODE
    'cycles with messages queued for an absent peer' => <<'CODE',
my @s = traffic();
my $p = $ctx->socket(ZMQ_PUSH);
$p->connect( 'tcp://127.0.0.1:' . $ENV{ZMQR_FREE_PORT} );
$p->send("q$_") for 1 .. 4;
$p->{self} = $p;
$ctx->{p}  = $p;
CODE
);

my $free = free_tcp_port();
for my $name ( sort keys %CYCLES ) {
    my ( $status, $out, $err, $secs, $timed_out )
        = run_perl( $CYCLE_PROLOGUE . $CYCLES{$name} . "print qq{end\\n};\n", timeout => 10, env => { ZMQR_FREE_PORT => $free } );
    ok( !$timed_out, "cycles, $name: ended" );
    is( $status, 0, "cycles, $name: exit status 0 (no signal, no die)" ) or diag $err;
    cmp_ok( $secs, '<', $BOUND, "cycles, $name: within ${BOUND}s" );
    like( $out, qr/^end$/m, "cycles, $name: ran to its end" );
    no_perl_trouble( $err, "cycles, $name" );
    if ( $name =~ /absent peer/ ) {
        like( $err, qr/^ZMQ::Rust: dropped 4 unsent messages to tcp:\/\/127\.0\.0\.1:$free at close/,
            "cycles, $name: the drop is reported" );
    }
    else {
        is( $err, '', "cycles, $name: nothing on stderr" );
    }
}

{
    my ( $status, $out, $err, $secs ) = run_perl( $CYCLE_PROLOGUE . <<'CODE', timeout => 10 );
my @s = traffic();
$ctx->{me} = $ctx;
$_->{self} = $_ for @s;
END { $? = 7 if $? == 0 }
exit 0;
CODE
    is( $status >> 8, 7, 'cycles and a program END block setting $?: the status is kept' ) or diag $err;
    is( $err, '', '... nothing on stderr' );

    ( $status, $out, $err, $secs ) = run_perl( $CYCLE_PROLOGUE . <<'CODE', timeout => 10 );
my @s = traffic();
$ctx->{me} = $ctx;
$s[0]{peer} = $s[1];
$s[1]{peer} = $s[0];
exit 3;
CODE
    is( $status >> 8, 3, 'cycles and exit 3: exit status 3' );
    is( $err, '', '... nothing on stderr' );

    ( $status, $out, $err, $secs ) = run_perl( $CYCLE_PROLOGUE . <<'CODE', timeout => 10 );
my @s = traffic();
$ctx->{me} = $ctx;
$_->{ctx} = $ctx for @s;
die "planned death\n";
CODE
    is( $status >> 8, 255, 'cycles and die: exit status 255' );
    is( $err, "planned death\n", '... only the die message on stderr' );
    cmp_ok( $secs, '<', $BOUND, "... within ${BOUND}s" );

    # A forked child holding the parent's cycles: left alone at its exit.
    ( $status, $out, $err, $secs ) = run_perl( $CYCLE_PROLOGUE . <<'CODE', timeout => 10 );
my @s = traffic();
$ctx->{me} = $ctx;
$_->{self} = $_ for @s;
my $pid = fork;
exit 0 if defined $pid && !$pid;    # the child: global destruction of inherited cycles
waitpid $pid, 0;
print "child $?\n";
$s[0]->send('after the child');
print 'parent ', $s[1]->recv, "\n";
CODE
    is( $status, 0, 'cycles inherited by a child: exit status 0' ) or diag $err;
    like( $out, qr/^child 0$/m, '... the child exited 0' );
    like( $out, qr/^parent after the child$/m, '... the parent still talks' );
    is( $err, '', '... nothing on stderr' );
}

# ---- a socket outliving its context variable ------------------------------------------------

run_checks( 'a socket outlives its context variable', <<'CODE', timeout => 10 );
use Scalar::Util qw(weaken);
my $ctx = ZMQ::Rust->new;
weaken( my $weak = $ctx );
my ( $x, $y ) = bind_connect( $ctx, ZMQ_PAIR, ZMQ_PAIR );
my ( $pull, $push ) = bind_connect_at( $ctx, 'tcp://127.0.0.1:*', ZMQ_PULL, ZMQ_PUSH );
undef $ctx;
check( defined $weak, 'the context is kept alive by its sockets' );
check( !$weak->is_destroyed, '... and not destroyed' );
$x->send('inproc after undef');
check_is( scalar eval { $y->recv }, 'inproc after undef', 'inproc traffic still works' );
$push->send('tcp after undef');
check_is( scalar eval { $pull->recv }, 'tcp after undef', 'tcp traffic still works' );
my $c = $x->context;
check( ref $c eq 'ZMQ::Rust::Context', 'socket->context gives it back' );
my $z = $c->socket(ZMQ_PAIR);
$z->connect( $x->last_endpoint );
check( ref $z eq 'ZMQ::Rust::Socket', 'and it still makes sockets' );
undef $c;
undef $z;

# Close one by one: the others keep working until they are closed too.
$x->close;
$push->send('after closing x');
check_is( scalar eval { $pull->recv }, 'after closing x', 'tcp still works with x closed' );
my @w;
{
    local $SIG{__WARN__} = sub { push @w, @_ };
    $x->send('nope');
}
check( "@w" =~ /Operation on closed socket/, 'the closed socket warns', @w );
$_->close for $y, $push, $pull;
check( defined $weak, 'closed sockets still hold the context' );
undef $_ for $x, $y, $push, $pull;
check( !defined $weak, 'freed with its last socket' );
CODE

done_testing;
