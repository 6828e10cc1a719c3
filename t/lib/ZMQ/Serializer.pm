package ZMQ::Serializer;
use strict;
use warnings;
use Carp ();
use ZMQ;

# Test stand-in for the CPAN ZMQ wrapper's ZMQ::Serializer (ZMQ 1.06): see t/lib/ZMQ.pm. It
# registers codecs by name and adds ZMQ::Socket::sendmsg_as and recvmsg_as, which use sendmsg
# and recvmsg (send and recv with ZMQ::LibZMQ2).

our %SERIALIZERS;
our %DESERIALIZERS;

sub _get_serializer   { $SERIALIZERS{ $_[1] } }
sub _get_deserializer { $DESERIALIZERS{ $_[1] } }

sub register_read_type  { $DESERIALIZERS{ $_[0] } = $_[1] }
sub register_write_type { $SERIALIZERS{ $_[0] }   = $_[1] }

sub ZMQ::Socket::sendmsg_as {
    my ( $self, $type, $data, $flags ) = @_;
    my $serializer = ZMQ::Serializer->_get_serializer($type)
        or Carp::croak("No serializer $type found");
    my $body   = $serializer->($data);
    my $method = $ZMQ::BACKEND eq 'ZMQ::LibZMQ2' ? 'send' : 'sendmsg';
    return $self->$method( $body, $flags );
}

sub ZMQ::Socket::recvmsg_as {
    my ( $self, $type, $flags ) = @_;
    my $deserializer = ZMQ::Serializer->_get_deserializer($type)
        or Carp::croak("No deserializer $type found");
    my $method = $ZMQ::BACKEND eq 'ZMQ::LibZMQ2' ? 'recv' : 'recvmsg';
    my $msg = $self->$method($flags);
    return unless $msg;    # e.g. nothing there under ZMQ_DONTWAIT
    return $deserializer->( $msg->data );
}

1;
__END__

=head1 NAME

ZMQ::Serializer - test stand-in for the CPAN ZMQ wrapper's serializers

=cut
