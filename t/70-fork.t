use strict;
use warnings;

use Test::More;
use POSIX ();
use Time::HiRes qw(time sleep);
use ZMQ::Rust qw(ZMQ_PAIR ZMQ_PUSH ZMQ_PULL ZMQ_DONTWAIT ZMQ_RCVTIMEO ZMQ_IO_THREADS);
use lib 't/lib';
use ZMQRTest qw(ep timed);

# fork: inherited handles are left alone by the child (going out of scope, close, destroy),
# any other use croaks, and the child can make its own context. The parent carries on.

plan skip_all => 'fork is not available' unless $^O ne 'MSWin32';

alarm 120;    # hard backstop for the parent

my $ctx = ZMQ::Rust->new;

my $ep = ep();
my $a  = timed( $ctx->socket(ZMQ_PAIR) );
my $b  = timed( $ctx->socket(ZMQ_PAIR) );
$a->bind($ep);
$b->connect($ep);

# Runs $code in a child with a hard alarm. The child reports "name\tok" or "name\tnot ok: why"
# lines through a pipe; returns (exit status, [[name, result], ...]). A child that hangs is
# killed.
sub in_child {
    my ( $code, %opt ) = @_;
    pipe( my $r, my $w ) or die "pipe: $!";
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ( !$pid ) {
        close $r;
        $SIG{ALRM} = sub { POSIX::_exit(99) };
        alarm 15;
        $w->autoflush(1);
        my $report = sub { my ( $name, $ok, $why ) = @_; print {$w} "$name\t" . ( $ok ? 'ok' : "not ok: " . ( $why // '' ) ) . "\n" };
        my $ok = eval { $code->($report); 1 };
        $report->( 'child code ran without dying', $ok, $@ );
        close $w;
        POSIX::_exit(0) if $opt{hard_exit};
        exit 0;    # normal exit: global destruction frees the inherited handles
    }
    close $w;
    my @lines;
    my $deadline = time + 30;
    while (1) {
        my $done = waitpid( $pid, POSIX::WNOHANG() );
        last if $done == $pid;
        if ( time > $deadline ) {
            kill 'KILL', $pid;
            waitpid( $pid, 0 );
            last;
        }
        sleep 0.01;
    }
    my $status = $?;
    @lines = map { chomp; [ split /\t/, $_, 2 ] } <$r>;
    close $r;
    return ( $status, \@lines );
}

sub check_child {
    my ( $what, $status, $lines ) = @_;
    is( $status, 0, "$what: the child exited cleanly" );
    ok( scalar @$lines, "$what: the child reported" );
    for my $l (@$lines) {
        is( $l->[1], 'ok', "$what (child): $l->[0]" );
    }
}

sub parent_still_works {
    my ($what) = @_;
    ok( !$a->is_closed && !$b->is_closed, "$what: the parent's sockets are open" );
    ok( eval { $a->send("after $what"); 1 }, "$what: the parent can send" ) or diag $@;
    is( eval { $b->recv }, "after $what", "$what: and receive" );
    ok( eval { $b->send("back $what"); 1 }, "$what: and the other way" );
    is( eval { $a->recv }, "back $what", "$what: ... received" );
    ok( !$ctx->is_destroyed, "$what: the parent's context is not destroyed" );
}

subtest 'a child that lets everything go out of scope' => sub {
    $a->send('queued before fork');
    my ( $status, $lines ) = in_child( sub {
        my ($report) = @_;
        undef $a;
        undef $b;
        undef $ctx;    # the last references in the child: freed here, left alone
        $report->( 'dropped the inherited handles', 1 );
    } );
    check_child( 'scope', $status, $lines );
    is( $b->recv, 'queued before fork', 'a message queued before the fork is still there' );
    parent_still_works('scope');
};

subtest 'a child that just exits (global destruction)' => sub {
    my ( $status, $lines ) = in_child( sub { $_[0]->( 'exiting', 1 ) } );
    check_child( 'exit', $status, $lines );
    parent_still_works('exit');

    ( $status, $lines ) = in_child( sub { $_[0]->( 'exiting with _exit', 1 ) }, hard_exit => 1 );
    check_child( '_exit', $status, $lines );
    parent_still_works('_exit');
};

subtest 'inherited handles cannot be used in the child' => sub {
    my ( $status, $lines ) = in_child( sub {
        my ($report) = @_;
        my %calls = (
            'socket send'           => sub { $b->send('from child') },
            'socket send DONTWAIT'  => sub { $b->send( 'x', ZMQ_DONTWAIT ) },
            'socket recv'           => sub { $a->recv(ZMQ_DONTWAIT) },
            'socket recv_multipart' => sub { $a->recv_multipart },
            'socket bind'           => sub { $a->bind( ep() ) },
            'socket connect'        => sub { $a->connect( ep() ) },
            'socket get'            => sub { $a->get( ZMQ_RCVTIMEO, 'int' ) },
            'socket set'            => sub { $a->set( ZMQ_RCVTIMEO, 'int', 1 ) },
            'socket get_linger'     => sub { $a->get_linger },
            'socket has_pollin'     => sub { $a->has_pollin },
            'socket get_fd'         => sub { $a->get_fd },
            'socket send_json'      => sub { $a->send_json( {} ) },
            'context socket'        => sub { $ctx->socket(ZMQ_PAIR) },
            'context get'           => sub { $ctx->get(ZMQ_IO_THREADS) },
            'context set'           => sub { $ctx->set( ZMQ_IO_THREADS, 2 ) },
        );
        for my $name ( sort keys %calls ) {
            my $ok  = eval { $calls{$name}->(); 1 };
            my $err = $@;
            $report->( "$name croaks", !$ok, 'it did not' );
            $report->( "$name: 'create a new context after fork'",
                $err =~ /create a new context after fork/, $err );
        }
        my $ok = eval { $b->send('x'); 1 };
        $report->( 'the message names the processes', $@ =~ /created in process \d+ and cannot be used in process $$/, $@ );
    } );
    check_child( 'use', $status, $lines );
    is( eval { $a->recv(ZMQ_DONTWAIT) }, undef, 'nothing the child tried reached the parent' );
    parent_still_works('use');
};

subtest 'close and destroy in the child are harmless' => sub {
    my ( $status, $lines ) = in_child( sub {
        my ($report) = @_;
        my @w;
        local $SIG{__WARN__} = sub { push @w, @_ };
        my $ok = eval { $a->close; $b->close; $a->close; 1 };
        $report->( 'close does not croak', $ok, $@ );
        $ok = eval { $ctx->destroy; $ctx->destroy; 1 };
        $report->( 'destroy does not croak', $ok, $@ );
        $report->( 'no warnings', !@w, join '', @w );
        $report->( 'is_closed stays false (nothing to close here)', !$a->is_closed, '' );
        $report->( 'is_destroyed stays false', !$ctx->is_destroyed, '' );
    } );
    check_child( 'close/destroy', $status, $lines );
    parent_still_works('close/destroy');
};

subtest 'the child can make its own context' => sub {
    my ( $status, $lines ) = in_child( sub {
        my ($report) = @_;
        my $c2 = ZMQ::Rust->new;
        my $x  = timed( $c2->socket(ZMQ_PUSH) );
        my $y  = timed( $c2->socket(ZMQ_PULL) );
        $report->( 'bind the parent\'s name in the new context', eval { $y->bind($ep); 1 }, $@ );
        $x->connect($ep);
        $x->send("child $_") for 1 .. 3;
        my @got = map { scalar eval { $y->recv } } 1 .. 3;
        $report->( 'messages flow in the child', "@got" eq 'child 1 child 2 child 3', "@got" );
        $x->send_json( { pid => $$ } );
        my $j = eval { $y->recv_json };
        $report->( 'json too', ref $j && $j->{pid} == $$, $@ );
        $c2->destroy;
        $report->( 'destroy the new context', $c2->is_destroyed, '' );

        my $c3 = ZMQ::Rust->new;    # and one more, left to global destruction
        my $z = $c3->socket(ZMQ_PAIR);
        $z->bind( ep() );
        $report->( 'a second context', 1 );
    } );
    check_child( 'own context', $status, $lines );
    parent_still_works('own context');
};

subtest 'a child that forks again' => sub {
    my ( $status, $lines ) = in_child( sub {
        my ($report) = @_;
        my $c2  = ZMQ::Rust->new;
        my $pid = fork;
        if ( defined $pid && !$pid ) {
            alarm 10;
            POSIX::_exit( eval { $c2->socket(ZMQ_PAIR); 1 } ? 1 : 0 );    # must croak: 0
        }
        waitpid( $pid, 0 );
        $report->( 'the grandchild cannot use the child\'s context', $? == 0, "status $?" );
        my $s = $c2->socket(ZMQ_PAIR);
        $report->( 'the child still can', ref $s eq 'ZMQ::Rust::Socket', '' );
    } );
    check_child( 'grandchild', $status, $lines );
    parent_still_works('grandchild');
};

subtest 'the parent after all the children' => sub {
    my $push = timed( $ctx->socket(ZMQ_PUSH) );
    my $pull = timed( $ctx->socket(ZMQ_PULL) );
    my $ep2  = ep();
    $pull->bind($ep2);
    $push->connect($ep2);
    $push->send("m$_") for 1 .. 100;
    my $n = 0;
    $n++ while eval { $pull->recv(ZMQ_DONTWAIT); 1 };
    is( $n, 100, 'new sockets in the parent work' );
    $ctx->destroy;
    ok( $a->is_closed && $b->is_closed, 'destroy in the parent closes the sockets' );
};

done_testing;
