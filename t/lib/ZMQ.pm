package ZMQ;
use strict;
use warnings;

# A test stand-in for the CPAN ZMQ wrapper (ZMQ 1.06, lestrrat-p5/ZMQ), which is not
# installed here: the parts described in /work/shared/perl-apis.md section c, calling the
# backend exactly as the real one does (every call goes through ZMQ::call, which jumps to
# "$BACKEND::$name" with the arguments untouched), quirks included. Only ZMQ::Rust's tests use
# it (t/91-zmq-wrapper.t).

our $VERSION = '1.06_stand_in';
our $BACKEND;

BEGIN {
    # As the real one: $ZMQ::BACKEND, else $ENV{PERL_ZMQ_BACKEND}, else the first of
    # ZMQ::LibZMQ2 and ZMQ::LibZMQ3 to load; the loop has no "last", so LibZMQ3 wins.
    $BACKEND ||= $ENV{PERL_ZMQ_BACKEND};
    if ($BACKEND) {
        eval "require $BACKEND";
        die $@ if $@;
    }
    else {
        for my $lib (qw(ZMQ::LibZMQ2 ZMQ::LibZMQ3)) {
            next unless eval "require $lib; 1";
            $BACKEND = $lib;
        }
    }
    die "Could not find a suitable backend for ZMQ" unless $BACKEND;
    $INC{"ZMQ/$_.pm"} ||= __FILE__ for qw(Context Socket Message Poller);
}

sub call {
    my $funcname = shift;
    no strict 'refs';
    goto &{"${BACKEND}::$funcname"};
}

package ZMQ::Context;
use strict;
use warnings;

sub new {
    my $class = shift;
    return $class->_wrap( ZMQ::call( 'zmq_init', @_ ) );
}

sub _wrap {
    my ( $class, $cxt ) = @_;
    return bless { _cxt => $cxt, _sockets => [] }, $class;
}

sub socket {
    my $self = shift;
    my $sock = ZMQ::Socket->_wrap( ZMQ::call( 'zmq_socket', $self->{_cxt}, @_ ) );
    push @{ $self->{_sockets} }, $sock;    # strong references, never pruned
    return $sock;
}

sub term {
    my $self = shift;
    $_->close for @{ $self->{_sockets} };
    return ZMQ::call( 'zmq_term', $self->{_cxt} );
}

package ZMQ::Socket;
use strict;
use warnings;
use Carp ();

sub CLONE_SKIP { 1 }

# The real one takes these from ZMQ::Constants.
sub _SNDMORE () { 2 }
sub _RCVMORE () { 13 }

sub _wrap {
    my ( $class, $sock ) = @_;
    return bless { _socket => $sock }, $class;
}

sub send_multipart {
    my ( $self, $msg, $flags ) = @_;
    $flags = 0 unless defined $flags;
    my @frames = @$msg;
    if (@frames) {
        my $last = pop @frames;
        $self->_send_message( $_, _SNDMORE | $flags ) for @frames;
        $self->_send_message( $last, $flags );
    }
    return;
}

sub recv_multipart {
    my ( $self, $flags ) = @_;
    $flags = 0 unless defined $flags;
    my @frames = ( $self->_recv_message($flags) );
    push @frames, $self->_recv_message($flags) while $self->getsockopt(_RCVMORE);
    return @frames;
}

# _closed is never set anywhere: a second close calls the backend again.
sub close {
    my $self = shift;
    return ZMQ::call( 'zmq_close', $self->{_socket} ) unless $self->{_closed};
    return;
}

for my $name (qw(connect bind setsockopt getsockopt)) {
    no strict 'refs';
    *{$name} = sub {
        my $self = shift;
        return ZMQ::call( "zmq_$name", $self->{_socket}, @_ );
    };
}

sub _unwrap {
    my ($msg) = @_;
    return ref $msg && eval { $msg->isa('ZMQ::Message') } ? $msg->{_msg} : $msg;
}

if ( $ZMQ::BACKEND eq 'ZMQ::LibZMQ2' ) {
    *recv = sub {
        my $self = shift;
        my $msg  = ZMQ::call( 'zmq_recv', $self->{_socket}, @_ );
        return ZMQ::Message->_wrap($msg) if ref $msg && eval { $msg->isa('ZMQ::LibZMQ2::Message') };
        return;
    };
    *send = sub {
        my $self = shift;
        my $msg  = _unwrap(shift);
        return ZMQ::call( 'zmq_send', $self->{_socket}, $msg, @_ );
    };
    *sendmsg = sub {
        Carp::croak("ZMQ::Socket->sendmsg is not implemented in this version ($ZMQ::BACKEND)");
    };
    *recvmsg = sub {
        Carp::croak("ZMQ::Socket->recvmsg is not implemented in this version ($ZMQ::BACKEND)");
    };
    *_send_message = \&send;
    *_recv_message = \&recv;
}
else {
    # Wrapped only if the backend's message answers isa('ZMQ::LibZMQ3::Message').
    *recvmsg = sub {
        my $self = shift;
        my $msg  = ZMQ::call( 'zmq_recvmsg', $self->{_socket}, @_ );
        return ZMQ::Message->_wrap($msg) if ref $msg && eval { $msg->isa('ZMQ::LibZMQ3::Message') };
        return;
    };
    *sendmsg = sub {
        my $self = shift;
        my $msg  = _unwrap(shift);
        return ZMQ::call( 'zmq_sendmsg', $self->{_socket}, $msg, @_ );
    };
    # The real ZMQ 1.06 bug, kept: send and recv leave the socket out of the call.
    *recv = sub {
        my $self = shift;
        my $msg  = _unwrap(shift);
        return ZMQ::call( 'zmq_recv', $msg, @_ );
    };
    *send = sub {
        my $self = shift;
        my $msg  = _unwrap(shift);
        return ZMQ::call( 'zmq_send', $msg, @_ );
    };
    *_send_message = \&sendmsg;
    *_recv_message = \&recvmsg;
}

package ZMQ::Message;
use strict;
use warnings;

sub new {
    my $class = shift;
    my $msg   = @_ == 1 ? ZMQ::call( 'zmq_msg_init_data', @_ ) : ZMQ::call('zmq_msg_init');
    return $class->_wrap($msg);
}

sub _wrap {
    my ( $class, $msg ) = @_;
    return bless { _msg => $msg }, $class;
}

for my $name (qw(data size close)) {
    no strict 'refs';
    *{$name} = sub { ZMQ::call( "zmq_msg_$name", $_[0]->{_msg} ) };
}

for my $name (qw(copy move)) {
    no strict 'refs';
    *{$name} = sub { ZMQ::call( "zmq_msg_$name", $_[0]->{_msg}, $_[1]->{_msg} ) };
}

package ZMQ::Poller;
use strict;
use warnings;

sub new {
    my ($class) = @_;
    return bless { items => [] }, $class;
}

sub register {
    my ( $self, $socket, $events ) = @_;
    push @{ $self->{items} }, { socket => $socket, events => $events };
    return;
}

sub unregister {
    my ( $self, $socket ) = @_;
    @{ $self->{items} } = grep { !( $_->{socket} == $socket ) } @{ $self->{items} };
    return;
}

sub _poll {
    my ( $self, $items, $timeout ) = @_;
    my @pollitems;
    my @fired = ( (0) x scalar @$items );
    my $i = 0;
    for (@$items) {
        my $callback = ( sub { my $n = shift; return sub { $fired[$n] = 1 } } )->($i);
        if ( ref( $_->{socket} ) eq 'ZMQ::Socket' ) {
            push @pollitems,
                { socket => $_->{socket}{_socket}, events => $_->{events}, callback => $callback };
        }
        # The real one's bug, kept: these callbacks read $i after the loop, so they mark the
        # element past the end.
        elsif ( ref( $_->{socket} ) eq 'ZMQ::LibZMQ2::Socket'
            || ref( $_->{socket} ) eq 'ZMQ::LibZMQ3::Socket' )
        {
            push @pollitems, { socket => $_->{socket}, events => $_->{events},
                callback => sub { my $n = $i; $fired[$n] = 1 } };
        }
        elsif ( $_->{socket} =~ m/^\d+$/ ) {
            push @pollitems, { fd => int( $_->{socket} ), events => $_->{events},
                callback => sub { my $n = $i; $fired[$n] = 1 } };
        }
        else {
            die "Unknown type of socket";
        }
    }
    continue { $i++ }

    my @rv = ZMQ::call( 'zmq_poll', \@pollitems, $timeout );

    my @res;
    my $c = 0;
    for (@fired) {
        push @res, $items->[$c] if $fired[$c];
    }
    continue { $c++ }
    return @res;
}

sub poll {
    my ( $self, $timeout ) = @_;
    return $self->_poll( $self->{items}, $timeout );
}

1;
__END__

=head1 NAME

ZMQ - test stand-in for the CPAN ZMQ wrapper (ZMQ::Context, ZMQ::Socket, ZMQ::Message,
ZMQ::Poller)

=head1 DESCRIPTION

Used by F<t/91-zmq-wrapper.t> to run ZMQ::Rust::LibZMQ3 as the backend of the ZMQ wrapper
(C<PERL_ZMQ_BACKEND=ZMQ::Rust::LibZMQ3>). It reproduces how ZMQ 1.06 calls its backend,
including its bugs (C<ZMQ::Socket::send>/C<recv> drop the socket; the poller's fd callbacks).
See also F<t/lib/ZMQ/Serializer.pm>.

=cut
