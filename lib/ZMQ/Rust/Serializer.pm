package ZMQ::Rust::Serializer;
use strict;
use warnings;
use Carp ();

our $VERSION = '0.01';

# The JSON codec: Cpanel::JSON::XS or JSON::XS when installed, else core JSON::PP.
# Canonical (sorted keys) and UTF-8 encoded, so equal data gives equal bytes.
our $JSON_CLASS;
my $json;

sub json {
    return $json if $json;
    for my $class (qw(Cpanel::JSON::XS JSON::XS JSON::PP)) {
        next unless eval "require $class; 1";
        $JSON_CLASS = $class;
        $json = $class->new->utf8->canonical->allow_nonref;
        return $json;
    }
    Carp::croak('No JSON module found (JSON::PP is part of core Perl)');
}

my %WRITE = (json => sub { json()->encode($_[0]) });
my %READ  = (json => sub { json()->decode($_[0]) });

sub register_write_type {
    my ($name, $code) = @_;
    _check('register_write_type', $name, $code);
    $WRITE{$name} = $code;
    return;
}

sub register_read_type {
    my ($name, $code) = @_;
    _check('register_read_type', $name, $code);
    $READ{$name} = $code;
    return;
}

sub _check {
    my ($what, $name, $code) = @_;
    Carp::croak("usage: $what(\$name, \\&code)")
        unless defined $name && length $name && ref $code eq 'CODE';
}

sub writer {
    my ($name) = @_;
    return $WRITE{$name} || Carp::croak("no serializer registered for type '$name' (register_write_type)");
}

sub reader {
    my ($name) = @_;
    return $READ{$name} || Carp::croak("no deserializer registered for type '$name' (register_read_type)");
}

1;
__END__

=head1 NAME

ZMQ::Rust::Serializer - pluggable message encodings for ZMQ::Rust sockets

=head1 SYNOPSIS

    use ZMQ::Rust::Serializer;
    ZMQ::Rust::Serializer::register_write_type(csv => sub { join ',', @{ $_[0] } });
    ZMQ::Rust::Serializer::register_read_type(csv  => sub { [ split /,/, $_[0] ] });

    $socket->send_as(csv => [1, 2, 3]);
    my $row = $peer->recv_as('csv');

=head1 DESCRIPTION

A registry of named encoders (data to bytes) and decoders (bytes to data) used by the
sockets' C<send_as>/C<recv_as>; C<send_json>/C<recv_json> are C<send_as('json', ...)> and
C<recv_as('json')>. The C<json> type is built in: it uses L<Cpanel::JSON::XS> or L<JSON::XS>
when installed and core L<JSON::PP> otherwise, always canonical (sorted keys) and UTF-8.

=head1 FUNCTIONS

=over

=item register_write_type($name, \&encode)

=item register_read_type($name, \&decode)

Register (or replace) a type. C<encode> gets the data and returns a byte string; C<decode>
gets the bytes and returns the data.

=item json

The JSON codec object in use; C<$ZMQ::Rust::Serializer::JSON_CLASS> names its class.

=back

=cut
