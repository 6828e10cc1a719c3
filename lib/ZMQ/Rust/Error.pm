package ZMQ::Rust::Error;
use strict;
use warnings;

our $VERSION = '0.01';

use overload
    '""'     => sub { $_[0]{message} },
    '0+'     => sub { $_[0]{errno} },
    bool     => sub { 1 },
    fallback => 1;

# Throws an error raised by the Perl layer in the same form as the engine's, reported at the
# caller's line.
sub throw {
    my ($class, $function, $errno, $text) = @_;
    require Carp;
    local $Carp::CarpLevel = $Carp::CarpLevel + 1;
    my $err = bless {
        message  => Carp::shortmess("$function: $text"),
        errno    => $errno,
        function => $function,
    }, $class;
    $! = $errno;
    die $err;
}

sub message  { $_[0]{message} }
sub errno    { $_[0]{errno} }
sub function { $_[0]{function} }

1;
__END__

=head1 NAME

ZMQ::Rust::Error - exception thrown by ZMQ::Rust calls

=head1 SYNOPSIS

    use Errno qw(EAGAIN);
    my $msg = eval { $socket->recv(ZMQ_DONTWAIT) };
    if (my $err = $@) {
        die $err unless ref $err && $err->errno == EAGAIN;
    }

=head1 DESCRIPTION

When C<die_on_error> is on (the default), a failing call croaks with one of these objects.
It stringifies to C<< "<zmq function>: <strerror> at FILE line N.\n" >> (for example
C<zmq_send: Resource temporarily unavailable>), the format ZMQ::FFI uses, with a short
explanation appended for invalid arguments (C<zmq_setsockopt: Invalid argument: SNDHWM must
be E<gt>= 0, got -2>). In numeric context it is the errno.

=head1 METHODS

=over

=item message

The full text.

=item errno

The error number: the OS's native value (C<EAGAIN>, C<EINVAL>, ...), or libzmq's own for
C<EFSM>, C<ETERM>, C<ENOCOMPATPROTO> and C<EMTHREAD>; see L<ZMQ::Rust::Constants>.

=item function

The libzmq function the call corresponds to, e.g. C<zmq_send>.

=back

=cut
