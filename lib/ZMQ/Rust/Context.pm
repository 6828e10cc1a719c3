package ZMQ::Rust::Context;
use strict;
use warnings;
use Carp ();
use Errno ();
use Scalar::Util ();
use Time::HiRes ();
use ZMQ::Rust::Constants ();

our $VERSION = '0.01';

# Methods in XS (ZMQ-Rust.xs): _new, set, get, _socket, _set_socket_linger, _term, _release,
# is_destroyed, die_on_error, last_errno, last_strerror.

sub socket {
    my ($self, $type) = @_;
    Carp::croak('usage: $ctx->socket($type)') unless defined $type;
    my $num = $type =~ /^-?\d+\z/ ? $type : ZMQ::Rust::Constants::socket_type_number($type);
    unless (defined $num && defined ZMQ::Rust::Constants::socket_type_name($num)) {
        return $self->_checked(sub {
            ZMQ::Rust::Error->throw('zmq_socket', Errno::EINVAL(),
                "Invalid argument: unknown socket type '$type'");
        });
    }
    my $sock = $self->_socket($num) or return;
    my $live = $self->{_sockets} ||= {};
    # Weak references: the context can close what is still open on destroy without keeping
    # sockets alive. Entries of freed sockets are pruned as new ones come.
    delete @$live{ grep { !defined $live->{$_} } keys %$live } if keys(%$live) > 64;
    Scalar::Util::weaken($live->{ Scalar::Util::refaddr($sock) } = $sock);
    @$sock{qw(_pid _tid)} = ($$, ZMQ::Rust::_current_tid());
    return $sock;
}

# The sockets of this context still open: a list in list context; in scalar context a hash
# of weak references keyed by the sockets' strings, as ZMQ::FFI's sockets attribute.
sub sockets {
    my ($self) = @_;
    my @open = grep { defined && !$_->is_closed } values %{ $self->{_sockets} || {} };
    return @open if wantarray;
    my %h;
    Scalar::Util::weaken($h{"$_"} = $_) for @open;
    return \%h;
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
    # zmq_ctx_term does. A signal whose handler returns ends the wait with EINTR, as there
    # (the context stays usable and destroy can be called again), unless
    # $ZMQ::Rust::RESUME_AFTER_SIGNAL is set. At program exit (see ZMQ::Rust's END block) the
    # wait is bounded and signals do not end it.
    $self->_set_last_errno(0);
    my $until = $ZMQ::Rust::EXITING ? Time::HiRes::time() + 2 : undef;
    while (1) {
        my $ms = defined $until ? int(1000 * ($until - Time::HiRes::time())) : -1;
        last if defined $until && $ms <= 0;
        my $r = $self->_term($ms);
        last if $r >= 0;
        next if $ZMQ::Rust::RESUME_AFTER_SIGNAL || defined $until;
        return $self->_checked(sub {
            ZMQ::Rust::Error->throw('zmq_ctx_term', Errno::EINTR(),
                ZMQ::Rust::strerror(Errno::EINTR()));
        });
    }
    $self->_release;
    return;
}

# zmq_proxy: forwards between two sockets (copying to $capture) until the context is
# terminated, when it croaks with ETERM as ZMQ::FFI does.
sub proxy {
    my ($self, $frontend, $backend, $capture) = @_;
    Carp::croak('usage: $ctx->proxy($frontend, $backend[, $capture])')
        unless defined $frontend && defined $backend;
    return $self->_checked(\&ZMQ::Rust::_proxy, $frontend, $backend, $capture);
}

# zmq_proxy_steerable: as proxy, and $control accepts PAUSE, RESUME, TERMINATE and
# STATISTICS; returns after TERMINATE.
sub proxy_steerable {
    my ($self, $frontend, $backend, $capture, $control) = @_;
    Carp::croak('usage: $ctx->proxy_steerable($frontend, $backend, $capture, $control)')
        unless defined $frontend && defined $backend && defined $control;
    return $self->_checked(\&ZMQ::Rust::_proxy, $frontend, $backend, $capture, $control);
}

# As ZMQ::FFI with libzmq 3 and later (devices are proxies now: see proxy).
sub device {
    Carp::croak("zmq_device not available in zmq >= 3.x\nyour version: "
            . join('.', ZMQ::Rust::_engine_version()));
}

# ZMQ::FFI's accessors: the options given to new (undef when not given), the library
# (ZMQ::Rust loads none: undef), the creator's pid and thread id, and the context's handle
# (-1 once destroyed).
sub threads         { $_[0]{_threads} }
sub max_sockets     { $_[0]{_max_sockets} }
sub has_threads     { defined $_[0]{_threads} ? 1 : 0 }
sub has_max_sockets { defined $_[0]{_max_sockets} ? 1 : 0 }
sub soname          { $_[0]{_soname} }
sub _pid            { $_[0]{_pid} }
sub _tid            { $_[0]{_tid} }

sub context_ptr {
    my $self = shift;
    Carp::croak('context_ptr is read-only in ZMQ::Rust') if @_;
    return $self->is_destroyed ? -1 : Scalar::Util::refaddr($self);
}

# The errno of the last call when it failed (0 when it did not), as ZMQ::FFI's has_error.
sub has_error { $_[0]->last_errno }

# CURVE key pairs and Z85 (ZeroMQ RFC 32), as zmq_curve_keypair, zmq_curve_public,
# zmq_z85_encode and zmq_z85_decode. Invalid input fails with EINVAL: it croaks, or with
# die_on_error off returns nothing and sets $!.
sub curve_keypair {
    my ($self) = @_;
    return $self->_checked( \&ZMQ::Rust::curve_keypair );
}

sub curve_public {
    my ( $self, $secret ) = @_;
    return $self->_checked( \&ZMQ::Rust::curve_public, $secret );
}

sub z85_encode {
    my ($self, $data) = @_;
    return $self->_z85('z85_encode', $data);
}

sub z85_decode {
    my ($self, $string) = @_;
    return $self->_z85('z85_decode', $string);
}

sub _z85 {
    my ($self, $what, $arg) = @_;
    return $self->_checked(ZMQ::Rust->can($what), $arg);
}

# Runs $code->(@args), a call that croaks a ZMQ::Rust::Error when it fails, under this
# context's error rules: last_errno describes this call only, and with die_on_error off a
# failure returns empty and sets $! instead of croaking.
sub _checked {
    my ($self, $code, @args) = @_;
    $self->_set_last_errno(0);
    my @r;
    return wantarray ? @r : $r[-1] if eval { @r = $code->(@args); 1 };
    my $e = $@;
    die $e unless ref $e && eval { $e->isa('ZMQ::Rust::Error') };
    $self->_set_last_errno($e->errno);
    die $e if $self->die_on_error;
    $! = $e->errno;
    return;
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
