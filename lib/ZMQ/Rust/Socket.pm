package ZMQ::Rust::Socket;
use strict;
use warnings;
use Carp ();
use Scalar::Util ();
use ZMQ::Rust::Serializer ();

our $VERSION = '0.01';

# The hot methods (send, recv, send_multipart, recv_multipart, get, set, bind, connect, ...)
# are XS (ZMQ-Rust.xs). These helpers are built on them.

sub send_as {
    my ($self, $type, $data, $flags) = @_;
    return $self->send(ZMQ::Rust::Serializer::writer($type)->($data), $flags || 0);
}

sub recv_as {
    my ($self, $type, $flags) = @_;
    my $decode = ZMQ::Rust::Serializer::reader($type);
    my @bytes  = $self->recv($flags || 0);
    return unless @bytes;
    return $decode->($bytes[0]);
}

# Reads one event from a monitor socket (a PAIR connected to the endpoint given to
# monitor()): returns (event, value, endpoint), as ZMQ::FFI does.
sub recv_event {
    my ($self, $flags) = @_;
    my @frames = $self->recv_multipart($flags || 0);
    return unless @frames;
    Carp::croak('recv_event: not a monitor event (expected 2 frames, the first of 6 bytes)')
        unless @frames == 2 && length $frames[0] == 6;
    my ($event, $value) = unpack 'S L', $frames[0];
    return ($event, $value, $frames[1]);
}

# ZMQ::FFI's accessors: the library version, the socket's handle (-1 once closed), the
# library (ZMQ::Rust loads none: undef), the creator's pid and thread id.
sub version { ZMQ::Rust::_engine_version() }

sub socket_ptr {
    my $self = shift;
    Carp::croak('socket_ptr is read-only in ZMQ::Rust') if @_;
    return $self->is_closed ? -1 : Scalar::Util::refaddr($self);
}

sub soname {
    my $ctx = $_[0]->context;
    return $ctx ? $ctx->soname : undef;
}

sub _pid { $_[0]{_pid} }
sub _tid { $_[0]{_tid} }

sub send_json { my $self = shift; return $self->send_as(json => @_) }
sub recv_json { my $self = shift; return $self->recv_as(json => @_) }

1;
__END__

=head1 NAME

ZMQ::Rust::Socket - a ZMQ::Rust socket

=head1 DESCRIPTION

Created by C<< $ctx->socket($type) >>; see L<ZMQ::Rust> for the whole API.

=cut
