use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time);

# ZMQ::Rust::LibZMQ3 as the backend of the CPAN ZMQ wrapper (PERL_ZMQ_BACKEND), through
# t/lib/ZMQ.pm, a stand-in that calls its backend exactly as ZMQ 1.06 does
# (/work/shared/perl-apis.md section c).

BEGIN { $ENV{PERL_ZMQ_BACKEND} = 'ZMQ::Rust::LibZMQ3' }
use lib 't/lib';
use ZMQ;
use ZMQ::Serializer;
use ZMQ::Rust::Constants qw(:all);
use ZMQRTest qw(caught);

alarm 60;

my $N = 0;
sub ep { 'inproc://91-zmq-wrapper-' . $$ . '-' . ++$N }

sub timed {
    my ($s) = @_;
    $s->setsockopt( ZMQ_RCVTIMEO, 3000 );
    $s->setsockopt( ZMQ_SNDTIMEO, 3000 );
    return $s;
}

subtest 'backend selection' => sub {
    is( $ZMQ::BACKEND, 'ZMQ::Rust::LibZMQ3', 'PERL_ZMQ_BACKEND picks ZMQ::Rust::LibZMQ3' );
    my $v = ZMQ::call('zmq_version');
    like( $v, qr/^\d+\.\d+\.\d+$/, "ZMQ::call('zmq_version'): $v" );
    my @v = ZMQ::call('zmq_version');
    is( scalar @v, 3, 'ZMQ::call keeps the calling context (goto)' );

    my @inc = map {"-I$_"} grep { !ref } @INC;
    my $run = sub {
        my ( $env, $code ) = @_;
        local $ENV{PERL_ZMQ_BACKEND} = $env;
        delete $ENV{PERL_ZMQ_BACKEND} unless defined $env;
        my $out = `$^X @inc -e '$code' 2>&1`;
        return $out;
    };
    like( $run->( undef, 'BEGIN { $ZMQ::BACKEND = q(ZMQ::Rust::LibZMQ3) } use ZMQ; print $ZMQ::BACKEND' ),
        qr/^ZMQ::Rust::LibZMQ3$/, '$ZMQ::BACKEND set before use ZMQ' );
    like( $run->( undef, 'use ZMQ; print "loaded"' ),
        qr/Could not find a suitable backend for ZMQ/, 'no backend: dies (neither LibZMQ2 nor LibZMQ3 here)' );
    like( $run->( 'No::Such::Backend', 'use ZMQ; print "loaded"' ),
        qr/Can't locate No\/Such\/Backend\.pm/, 'an unknown backend dies' );
};

my $ctx = ZMQ::Context->new(1);

subtest 'ZMQ::Context' => sub {
    isa_ok( $ctx, 'ZMQ::Context' );
    isa_ok( $ctx->{_cxt}, 'ZMQ::Rust::LibZMQ3::Context' );
    my $c = ZMQ::Context->new;
    my $s = $c->socket(ZMQ_PAIR);
    isa_ok( $s, 'ZMQ::Socket' );
    isa_ok( $s->{_socket}, 'ZMQ::Rust::LibZMQ3::Socket' );
    is( scalar @{ $c->{_sockets} }, 1, 'the context tracks its sockets' );
    is( $c->term, 0, 'term closes them and terminates: 0' );
    ok( $s->{_socket}{_closed}, 'the socket was closed' );
    my $bad = ZMQ::Context->new(-1);
    ok( !defined $bad->{_cxt}, 'a failed zmq_init leaves _cxt undef' );
};

subtest 'ZMQ::Socket: bind, connect, options, sendmsg, recvmsg' => sub {
    my $ep   = ep();
    my $pull = timed( $ctx->socket(ZMQ_PULL) );
    my $push = timed( $ctx->socket(ZMQ_PUSH) );
    is( $pull->bind($ep),    0, 'bind: 0' );
    is( $push->connect($ep), 0, 'connect: 0' );
    is( $pull->bind('bulls***'), -1, 'a bad endpoint: -1' );
    is( $! + 0, EINVAL, 'EINVAL in $!' );
    is( $push->setsockopt( ZMQ_LINGER, 0 ), 0, 'setsockopt: 0' );
    is( $push->getsockopt(ZMQ_LINGER), 0, 'getsockopt' );
    is( $push->getsockopt(ZMQ_TYPE), ZMQ_PUSH, 'getsockopt(TYPE)' );

    is( $push->sendmsg('hello'), 5, 'sendmsg(string): bytes' );
    my $msg = $pull->recvmsg;
    isa_ok( $msg, 'ZMQ::Message', 'recvmsg wraps the backend message (isa ZMQ::LibZMQ3::Message)' );
    is( $msg->data, 'hello', 'data' );
    is( $msg->size, 5, 'size' );

    is( $push->sendmsg( ZMQ::Message->new('wrapped') ), 7, 'sendmsg(ZMQ::Message) unwraps it' );
    is( $pull->recvmsg->data, 'wrapped', 'arrives' );

    my @none = $pull->recvmsg(ZMQ_DONTWAIT);
    is_deeply( \@none, [], 'recvmsg with nothing there: nothing' );
    is( $! + 0, EAGAIN, 'EAGAIN' );
    my $t0   = time;
    my $none = $pull->recvmsg(ZMQ_RCVMORE);
    ok( !$none && time - $t0 < 1, 'recvmsg(ZMQ_RCVMORE) is non-blocking, as the old docs use it' );

    # ZMQ 1.06's send and recv leave the socket out of the backend call (kept in the stand-in).
    my ($err) = caught( sub { $push->send('x') } );
    like( $err, qr/^Usage: ZMQ::Rust::LibZMQ3::zmq_send\(socket, message/, 'ZMQ::Socket::send: the wrapper bug, as with ZMQ::LibZMQ3' );
    ($err) = caught( sub { my $b; $pull->recv( $b, 10 ) } );
    like( $err, qr/^Usage: ZMQ::Rust::LibZMQ3::zmq_recv\(/, 'ZMQ::Socket::recv: the same' );

    is( $push->close, 0, 'close: 0' );
    my @again = $push->close;
    is_deeply( \@again, [], 'close again (the wrapper never sets _closed): the backend says empty' );
    $pull->close;
};

subtest 'send_multipart and recv_multipart' => sub {
    my $ep  = ep();
    my $req = timed( $ctx->socket(ZMQ_REQ) );
    my $rep = timed( $ctx->socket(ZMQ_REP) );
    $req->bind($ep);
    $rep->connect($ep);
    my @r = $req->send_multipart( [ 'frame0', 'frame1', 'frame2' ] );
    is_deeply( \@r, [], 'send_multipart returns nothing' );
    my @msg = $rep->recv_multipart;
    is( scalar @msg, 3, 'three frames' );
    isa_ok( $_, 'ZMQ::Message' ) for @msg;
    is_deeply( [ map { $_->data } @msg ], [qw(frame0 frame1 frame2)], 'their data' );
    $rep->send_multipart( ['ok'] );
    my @status = $req->recv_multipart;
    is( $status[0]->data, 'ok', 'one-frame reply' );
    $rep->send_multipart( [ ZMQ::Message->new('a'), 'b' ] ) for ();    # (REP must receive first)
    $req->send_multipart( [ ZMQ::Message->new('m1'), 'm2' ] );
    is_deeply( [ map { $_->data } $rep->recv_multipart ], [qw(m1 m2)], 'ZMQ::Message frames are unwrapped' );
    $_->close for $req, $rep;
};

subtest 'ZMQ::Message' => sub {
    my $m = ZMQ::Message->new;
    isa_ok( $m, 'ZMQ::Message' );
    isa_ok( $m->{_msg}, 'ZMQ::Rust::LibZMQ3::Message' );
    is( $m->size, 0, 'new(): empty' );
    my $d = ZMQ::Message->new('payload');
    is( $d->data, 'payload', 'new($data)' );
    is( $d->size, 7, 'size' );
    is( $m->copy($d), 0, 'copy: 0' );
    is( $m->data, 'payload', 'copied' );
    my $t = ZMQ::Message->new;
    is( $t->move($d), 0, 'move: 0' );
    is( $t->data, 'payload', 'moved' );
    is( $d->size, 0, 'source emptied' );
    is( $t->close, 0, 'close: 0' );
    is_deeply( [ $t->data ], [], 'data of a closed message: empty' );
    is( $! + 0, EFAULT, 'EFAULT' );
};

subtest 'ZMQ::Poller' => sub {
    my $push = timed( $ctx->socket(ZMQ_PUSH) );
    is( $push->bind('tcp://127.0.0.1:*'), 0, 'tcp bind' );
    my $ep   = $push->getsockopt(ZMQ_LAST_ENDPOINT);
    my $pull = timed( $ctx->socket(ZMQ_PULL) );
    $pull->connect($ep);

    my $poller = ZMQ::Poller->new;
    $poller->register( $pull, ZMQ_POLLIN );
    $poller->register( $push, ZMQ_POLLOUT );
    my ( $out, $in, $cnt ) = ( 0, 0, 0 );
    my $deadline = time + 10;
    while ( $cnt < 5 && time < $deadline ) {
        for ( $poller->poll(1000) ) {
            if ( $_->{socket} == $push && $_->{events} == ZMQ_POLLOUT ) {
                $push->sendmsg('Hello');
                $out++;
            }
            elsif ( $_->{socket} == $pull && $_->{events} == ZMQ_POLLIN ) {
                my $msg = $pull->recvmsg;
                $in++ if $msg && $msg->data eq 'Hello';
                $cnt++;
            }
        }
    }
    ok( $out >= 5, "push fired POLLOUT ($out)" );
    is( $in, 5, 'pull fired POLLIN and received Hello 5 times' );

    $poller->unregister($push);
    is( scalar @{ $poller->{items} }, 1, 'unregister' );
    my @fired = $poller->poll(50);
    ok( !grep( { $_->{socket} == $push } @fired ), 'the unregistered socket no longer fires' );

    my $fdp = ZMQ::Poller->new;
    $fdp->register( fileno(STDOUT), ZMQ_POLLOUT );
    @fired = $fdp->poll(1000);
    is( scalar @fired, 1, 'an fd: one result (upstream t/202_poller_fd.t)' );

    my $raw = ZMQ::Poller->new;
    $raw->register( $push->{_socket}, ZMQ_POLLOUT );
    my ($err) = caught( sub { $raw->poll(0) } );
    like( $err, qr/^Unknown type of socket/, 'a raw backend socket is not one of the classes ZMQ::Poller knows' );
    $_->close for $push, $pull;
};

subtest 'ZMQ::Serializer: sendmsg_as, recvmsg_as' => sub {
    require JSON::PP;
    my $json = JSON::PP->new->utf8->canonical;
    ZMQ::Serializer::register_write_type( json => sub { $json->encode( $_[0] ) } );
    ZMQ::Serializer::register_read_type( json => sub { $json->decode( $_[0] ) } );
    my $ep  = ep();
    my $req = timed( $ctx->socket(ZMQ_REQ) );
    my $rep = timed( $ctx->socket(ZMQ_REP) );
    $rep->bind($ep);
    $req->connect($ep);
    my $data = { n => 42, list => [ 1, 2, 3 ], s => "caf\x{e9}" };
    ok( $req->sendmsg_as( json => $data ) > 0, 'sendmsg_as json' );
    is_deeply( $rep->recvmsg_as('json'), $data, 'recvmsg_as json' );
    $rep->sendmsg_as( json => [ 'ok' ] );
    is_deeply( $req->recvmsg_as('json'), ['ok'], 'the reply' );
    my @none = $req->recvmsg_as( 'json', ZMQ_DONTWAIT );
    is_deeply( \@none, [], 'nothing there under DONTWAIT: nothing' );
    my ($err) = caught( sub { $req->sendmsg_as( yaml => {} ) } );
    like( $err, qr/^No serializer yaml found/, 'unknown type croaks' );
    ($err) = caught( sub { $req->recvmsg_as('yaml') } );
    like( $err, qr/^No deserializer yaml found/, 'unknown reader croaks' );
    $_->close for $req, $rep;
};

is( $ctx->term, 0, 'term' );
done_testing;
