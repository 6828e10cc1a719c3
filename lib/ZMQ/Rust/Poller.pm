package ZMQ::Rust::Poller;
use strict;
use warnings;
use Carp ();
use Scalar::Util ();

our $VERSION = '0.01';

# zmq_poll over ZMQ::Rust sockets and plain file descriptors. The waiting is done by the
# engine (ZMQ::Rust::_poll); this module validates items and runs callbacks.

sub _fd_of {
    my ($fh) = @_;
    return $fh if !ref $fh && defined $fh && $fh =~ /^\d+\z/;
    my $fd = eval { fileno $fh };
    return $fd;
}

# Turns user items into engine items; returns the engine list and the item each came from.
sub _prepare {
    my ($who, $items) = @_;
    my (@engine, @src);
    for my $i (0 .. $#$items) {
        my $it = $items->[$i];
        Carp::croak("$who: item $i must be a hash reference") unless ref $it eq 'HASH';
        my $events = $it->{events};
        Carp::croak("$who: item $i needs 'events' (a ZMQ_POLLIN/ZMQ_POLLOUT mask)")
            unless defined $events && $events =~ /^\d+\z/;
        Carp::croak("$who: item $i: 'callback' must be a code reference")
            if defined $it->{callback} && ref $it->{callback} ne 'CODE';
        Carp::croak("$who: item $i has both a 'socket' and an 'fd': give one of them")
            if defined $it->{socket} && defined $it->{fd};
        if (defined(my $s = $it->{socket})) {
            Carp::croak("$who: item $i: 'socket' must be a ZMQ::Rust::Socket")
                unless Scalar::Util::blessed($s) && $s->isa('ZMQ::Rust::Socket');
            if (!$s->_usable) {
                Carp::carp("$who: item $i is a closed socket, ignoring it");
                push @engine, [ undef, undef, 0 ];
            }
            else {
                push @engine, [ $s, undef, $events ];
            }
        }
        elsif (defined $it->{fd}) {
            my $fd = _fd_of($it->{fd});
            Carp::croak("$who: item $i: 'fd' must be a file descriptor number or an open handle")
                unless defined $fd && $fd >= 0;
            push @engine, [ undef, $fd, $events ];
        }
        else {
            Carp::croak("$who: item $i needs a 'socket' or an 'fd'");
        }
        push @src, $it;
    }
    return (\@engine, \@src);
}

# The engine's errors carry the place of the XS call (in this file); report the caller's.
sub _engine_poll {
    my ($engine, $timeout) = @_;
    my @revents = eval { ZMQ::Rust::_poll($engine, $timeout) };
    if (my $err = $@) {
        if (Scalar::Util::blessed($err) && $err->isa('ZMQ::Rust::Error')) {
            (my $text = $err->{message}) =~ s/ at \S+ line \d+\.?\n\z//;
            $err->{message} = Carp::shortmess($text);
        }
        die $err;
    }
    return @revents;
}

sub _timeout {
    my ($who, $t) = @_;
    return -1 unless defined $t;
    Carp::croak("$who: timeout must be an integer number of milliseconds (-1: forever)")
        unless $t =~ /^-?\d+\z/ && $t >= -1;
    return $t;
}

# ZMQ::Rust::poll(\@items, $timeout_ms): returns the number of ready items (scalar
# context) or each item's revents (list context), after running the ready items' callbacks.
sub poll_items {
    my ($items, $timeout) = @_;
    Carp::croak('usage: ZMQ::Rust::poll(\@items, $timeout_ms)') unless ref $items eq 'ARRAY';
    my ($engine, $src) = _prepare('ZMQ::Rust::poll', $items);
    my @revents = _engine_poll($engine, _timeout('ZMQ::Rust::poll', $timeout));
    for my $i (0 .. $#revents) {
        my $cb = $src->[$i]{callback} or next;
        next unless $revents[$i];
        $cb->($src->[$i]{socket} // $src->[$i]{fd}, $revents[$i]);
    }
    return wantarray ? @revents : scalar grep { $_ } @revents;
}

sub new {
    my ($class) = @_;
    return bless { items => [] }, $class;
}

sub add {
    my ($self, $what, $events, $callback) = @_;
    Carp::croak('usage: $poller->add($socket_or_fd, $events[, \&callback])')
        unless defined $what && defined $events;
    my $item = Scalar::Util::blessed($what) && $what->isa('ZMQ::Rust::Socket')
        ? { socket => $what, events => $events }
        : { fd => $what, events => $events };
    $item->{callback} = $callback if defined $callback;
    _prepare('ZMQ::Rust::Poller->add', [$item]);    # validates now, not at poll time
    $self->remove($what);
    push @{ $self->{items} }, $item;
    return $self;
}

sub _same {
    my ($item, $what) = @_;
    return defined $item->{socket}
        ? ref $what && Scalar::Util::refaddr($what) == Scalar::Util::refaddr($item->{socket})
        : !(Scalar::Util::blessed($what) && $what->isa('ZMQ::Rust::Socket'))
            && ($item->{fd} eq $what || (_fd_of($item->{fd}) // -1) == (_fd_of($what) // -2));
}

sub remove {
    my ($self, $what) = @_;
    @{ $self->{items} } = grep { !_same($_, $what) } @{ $self->{items} };
    return $self;
}

sub count { scalar @{ $_[0]{items} } }

sub poll {
    my ($self, $timeout) = @_;
    # A copy: callbacks may add or remove items while we go through the results.
    my @items = @{ $self->{items} };
    my $items = \@items;
    my ($engine) = _prepare('ZMQ::Rust::Poller->poll', $items);
    my @revents = _engine_poll($engine, _timeout('ZMQ::Rust::Poller->poll', $timeout));
    my @fired;
    for my $i (0 .. $#revents) {
        next unless $revents[$i];
        my $it = $items->[$i];
        push @fired, { %$it, events => $revents[$i] };
        delete $fired[-1]{callback};
        $it->{callback}->($it->{socket} // $it->{fd}, $revents[$i]) if $it->{callback};
    }
    return @fired;
}

1;
__END__

=head1 NAME

ZMQ::Rust::Poller - wait on several ZMQ::Rust sockets and file descriptors

=head1 SYNOPSIS

    use ZMQ::Rust qw(ZMQ_POLLIN);

    my $poller = ZMQ::Rust::Poller->new;
    $poller->add($frontend, ZMQ_POLLIN, sub { my ($sock) = @_; ... });
    $poller->add(\*STDIN,   ZMQ_POLLIN);
    while (my @fired = $poller->poll(1000)) {
        for my $f (@fired) { ... $f->{socket} // $f->{fd}, $f->{events} ... }
    }

    # or, zmq_poll style
    my @revents = ZMQ::Rust::poll([
        { socket => $a, events => ZMQ_POLLIN },
        { fd     => fileno(STDIN), events => ZMQ_POLLIN, callback => sub { ... } },
    ], 500);

=head1 DESCRIPTION

libzmq's C<zmq_poll>: sockets and plain fds in one wait. Sockets are level-triggered (an
item is ready for as long as a message can be received, or sent); fds report what poll(2)
reports, with C<ZMQ_POLLERR> for errors and hang-ups. The timeout is in milliseconds: -1
(or undef) waits without limit, 0 returns at once.

A signal interrupts the wait: Perl's C<%SIG> handler runs, and when it returns the call
croaks C<zmq_poll: Interrupted system call> (errno C<EINTR>), as C<zmq_poll> returns -1 with
C<EINTR>; a handler that dies ends the call with its exception. With
C<$ZMQ::Rust::RESUME_AFTER_SIGNAL> set the wait goes on for the rest of the timeout instead
(see L<ZMQ::Rust/SIGNALS>). If a socket's context is terminated, the call
croaks with C<ETERM>. A closed socket in the set is warned about and never ready.

=head1 METHODS

=over

=item new

=item add($socket_or_fd, $events[, \&callback])

Adds (or replaces) an item. An fd may be a number or an open handle. The callback gets the
socket or fd and the events that fired.

=item remove($socket_or_fd)

=item count

=item poll($timeout_ms)

Waits, runs the callbacks of the ready items, and returns one hash per ready item:
C<< { socket => $s, events => $revents } >> or C<< { fd => $fd, events => $revents } >>.

=back

=head1 FUNCTIONS

=over

=item ZMQ::Rust::poll(\@items, $timeout_ms)

Each item is C<< { socket => $s | fd => $fd, events => $mask[, callback => \&cb] } >>.
Returns the number of ready items in scalar context, each item's C<revents> in list context,
after calling the callbacks of the ready items.

=back

=cut
