package ZMQ::Rust::Context;
use strict;
use warnings;
use Carp ();
use Errno ();
use Scalar::Util ();
use ZMQ::Rust::Constants ();

our $VERSION = '0.01';

# Methods in XS (ZMQ-Rust.xs): _new, set, get, _socket, _set_socket_linger, _term, _release,
# is_destroyed, die_on_error, last_errno, last_strerror.

sub socket {
    my ($self, $type) = @_;
    Carp::croak('usage: $ctx->socket($type)') unless defined $type;
    my $num = $type =~ /^-?\d+\z/ ? $type : ZMQ::Rust::Constants::socket_type_number($type);
    unless (defined $num && defined ZMQ::Rust::Constants::socket_type_name($num)) {
        ZMQ::Rust::Error->throw('zmq_socket', Errno::EINVAL(),
            "Invalid argument: unknown socket type '$type'");
    }
    my $sock = $self->_socket($num) or return;
    my $live = $self->{_sockets} ||= {};
    # Weak references: the context can close what is still open on destroy without keeping
    # sockets alive. Entries of freed sockets are pruned as new ones come.
    delete @$live{ grep { !defined $live->{$_} } keys %$live } if keys(%$live) > 64;
    Scalar::Util::weaken($live->{ Scalar::Util::refaddr($sock) } = $sock);
    return $sock;
}

sub sockets {
    my ($self) = @_;
    return grep { defined && !$_->is_closed } values %{ $self->{_sockets} || {} };
}

sub destroy {
    my ($self) = @_;
    # A forked child leaves the parent's context alone.
    return if $self->is_destroyed || $self->_forked;
    $_->close for $self->sockets;
    # Only the interpreter that created the context terminates it; a thread's copy lets go
    # of its handle (as ZMQ::LibZMQ3 does), so it never waits for other threads' sockets.
    return $self->_release if $self->_cloned;
    # Sockets owned by other interpreter threads may still be open: wait for them as libzmq's
    # zmq_ctx_term does, waking every 100 ms so that Perl signal handlers can run.
    1 until $self->_term(100);
    $self->_release;
    return;
}

# zmq_proxy: forwards between two sockets (copying to $capture) until the context is
# terminated, when it croaks with ETERM as ZMQ::FFI does.
sub proxy {
    my ($self, $frontend, $backend, $capture) = @_;
    Carp::croak('usage: $ctx->proxy($frontend, $backend[, $capture])')
        unless defined $frontend && defined $backend;
    return ZMQ::Rust::_proxy($frontend, $backend, $capture);
}

# zmq_proxy_steerable: as proxy, and $control accepts PAUSE, RESUME, TERMINATE and
# STATISTICS; returns after TERMINATE.
sub proxy_steerable {
    my ($self, $frontend, $backend, $capture, $control) = @_;
    Carp::croak('usage: $ctx->proxy_steerable($frontend, $backend, $capture, $control)')
        unless defined $frontend && defined $backend && defined $control;
    return ZMQ::Rust::_proxy($frontend, $backend, $capture, $control);
}

sub device {
    Carp::croak('zmq_device not available in zmq >= 3.x');
}

sub version { ZMQ::Rust::_engine_version() }

sub verstr { join '.', ZMQ::Rust::_engine_version() }

my %CAPABILITY = (ipc => 1, map { $_ => 0 } qw(pgm tipc norm curve gssapi draft));

sub has_capability {
    my ($self, $name) = @_;
    Carp::croak('usage: $ctx->has_capability($name)') unless defined $name;
    return $CAPABILITY{$name} ? 1 : 0;
}

1;
__END__

=head1 NAME

ZMQ::Rust::Context - a ZMQ::Rust context

=head1 DESCRIPTION

Created by C<< ZMQ::Rust->new >>; see L<ZMQ::Rust> for the whole API.

=cut
