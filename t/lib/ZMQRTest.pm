package ZMQRTest;

use strict;
use warnings;

use Exporter 'import';
use File::Basename ();
use ZMQ::Rust qw(ZMQ_PAIR ZMQ_DONTWAIT ZMQ_RCVTIMEO ZMQ_SNDTIMEO);

our @EXPORT_OK = qw(ep timed sock bind_connect connected_pair drain drain_parts caught);
our %EXPORT_TAGS = ( all => \@EXPORT_OK );

# The default endpoint prefix: the test file's name without its directory and ".t".
my $PREFIX = File::Basename::basename( $0, '.t' );
my $N      = 0;

sub ep {
    my ($prefix) = @_;
    return 'inproc://' . ( defined $prefix ? $prefix : $PREFIX ) . '-' . $$ . '-' . ++$N;
}

sub timed {
    my ( $s, $ms ) = @_;
    $s->set( ZMQ_RCVTIMEO, 'int', $ms || 2000 );
    $s->set( ZMQ_SNDTIMEO, 'int', $ms || 2000 );
    return $s;
}

sub sock {
    my ( $ctx, $type, $ms ) = @_;
    return timed( $ctx->socket($type), $ms );
}

sub bind_connect {
    my ( $ctx, $bind_type, $connect_type, $ms ) = @_;
    my $ep        = ep();
    my $bound     = sock( $ctx, $bind_type,    $ms );
    my $connected = sock( $ctx, $connect_type, $ms );
    $bound->bind($ep);
    $connected->connect($ep);
    return ( $bound, $connected, $ep );
}

sub connected_pair {
    my ( $ctx, $ms ) = @_;
    return bind_connect( $ctx, ZMQ_PAIR, ZMQ_PAIR, $ms );
}

sub drain_parts {
    my ($s) = @_;
    my @got;
    while ( my @m = eval { $s->recv_multipart(ZMQ_DONTWAIT) } ) {
        push @got, \@m;
    }
    return \@got;
}

sub drain {
    my ($s) = @_;
    return [ map { join '|', @$_ } @{ drain_parts($s) } ];
}

sub caught {
    my ($code) = @_;
    my @w;
    local $SIG{__WARN__} = sub { push @w, $_[0] };
    my @r;
    my $ok = eval { @r = $code->(); 1 };
    return ( $ok ? undef : $@, \@w, @r );
}

1;

__END__

=head1 NAME

ZMQRTest - helpers shared by the ZMQ::Rust test files

=head1 SYNOPSIS

    use lib 't/lib';
    use ZMQRTest qw(ep sock bind_connect drain caught);

    my $ctx = ZMQ::Rust->new;
    my ( $pull, $push, $ep ) = bind_connect( $ctx, ZMQ_PULL, ZMQ_PUSH );

=head1 FUNCTIONS

Nothing is exported by default; C<:all> exports everything.

=over

=item ep( [$prefix] )

A new C<inproc://> endpoint name, unique in the process:
C<inproc://PREFIX-PID-N>. PREFIX defaults to the test file's base name (C<20-pair> for
F<t/20-pair.t>); N counts up.

=item timed( $socket [, $ms] )

Sets RCVTIMEO and SNDTIMEO of $socket to $ms (default 2000) and returns $socket, so no
blocking call can hang the test.

=item sock( $ctx, $type [, $ms] )

A new socket of $type from $ctx, with timeouts as by C<timed>.

=item bind_connect( $ctx, $bind_type, $connect_type [, $ms] )

Two sockets with timeouts: the first bound to a new C<ep>, the second connected to it.
Returns C<($bound, $connected, $endpoint)>.

=item connected_pair( $ctx [, $ms] )

C<bind_connect> with two PAIR sockets.

=item drain( $socket )

Every message waiting on $socket (received with DONTWAIT until none is left), as an array
ref of strings, each the message's frames joined with C<|>.

=item drain_parts( $socket )

The same, each message an array ref of its frames.

=item caught( $code )

Runs $code in list context inside C<eval>, collecting warnings. Returns
C<($error, \@warnings, @results)>; $error is undef when $code did not die.

=back

=cut
