package ZMQ::Rust::AnyEvent;
use strict;
use warnings;
use Carp ();
use Scalar::Util ();
use ZMQ::Rust::Constants qw(ZMQ_DONTWAIT);

our $VERSION = '0.01';

# Calls back once per received message, driven by the socket's ZMQ_FD in an AnyEvent loop.
sub watch {
    my ($class, $socket, $callback) = @_;
    Carp::croak('usage: ZMQ::Rust::AnyEvent->watch($socket, sub { my @frames = @_; ... })')
        unless Scalar::Util::blessed($socket) && $socket->isa('ZMQ::Rust::Socket')
        && ref $callback eq 'CODE';
    require AnyEvent;
    my $self = bless { socket => $socket, callback => $callback }, $class;
    Scalar::Util::weaken(my $weak = $self);
    my $drain = sub { $weak->_drain if $weak };
    # The fd only says that something may have changed: drain until nothing is left, and
    # check once at the start, since messages may be waiting already.
    $self->{io}   = AnyEvent->io(fh => $socket->get_fd, poll => 'r', cb => $drain);
    $self->{idle} = AnyEvent->timer(after => 0, cb => $drain);
    return $self;
}

sub _drain {
    my ($self) = @_;
    delete $self->{idle};
    my $s = $self->{socket};
    # ZMQ_FD contract: after every receive (and after the callback, which may send),
    # ask the socket again before going back to the loop.
    while (!$s->is_closed && $s->has_pollin) {
        my @frames = eval { $s->recv_multipart(ZMQ_DONTWAIT) };
        last unless @frames;
        $self->{callback}->(@frames);
        last unless $self->{io};    # cancelled from the callback
    }
    return;
}

sub cancel {
    my ($self) = @_;
    delete @$self{qw(io idle)};
    return;
}

sub DESTROY { $_[0]->cancel }

1;
__END__

=head1 NAME

ZMQ::Rust::AnyEvent - receive from a ZMQ::Rust socket inside an AnyEvent loop

=head1 SYNOPSIS

    use AnyEvent;
    use ZMQ::Rust::AnyEvent;

    my $w = ZMQ::Rust::AnyEvent->watch($pull, sub {
        my @frames = @_;      # one complete message
        ...
    });
    AnyEvent->condvar->recv;

=head1 DESCRIPTION

Watches the socket's notification fd (C<get_fd>) with C<AnyEvent-E<gt>io> and calls back once
per received message. It follows libzmq's contract for C<ZMQ_FD>, which is easy to get wrong
by hand: the fd is a hint, not a level; after it fires (and once at the start) the helper
receives while C<has_pollin> is true, re-checking after each message and after each
callback, so no message is left waiting for an fd event that will not come.

Keep the returned object: the watch ends when it is destroyed or C<cancel>led.

=head2 Doing it by hand

    my $fd = $socket->get_fd;
    my $w; $w = AnyEvent->io(fh => $fd, poll => 'r', cb => sub {
        while ($socket->has_pollin) {
            my @msg = $socket->recv_multipart(ZMQ_DONTWAIT);
            ...   # sending here is fine: the loop asks has_pollin again
        }
    });
    # messages may already be queued: run the same loop once now, too.

=cut
