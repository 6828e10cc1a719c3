package ZMQ::Rust::Util;
use strict;
use warnings;
use Config ();
use Exporter 'import';
use ZMQ::Rust ();

our $VERSION = '0.01';

our @EXPORT_OK = qw(zmq_version zmq_soname valid_soname current_tid);

# ZMQ::FFI::Util's functions. ZMQ::Rust loads no libzmq, so there is no library name to find
# or check; the version is the libzmq API version the engine implements.

sub zmq_version { return ZMQ::Rust::_engine_version() }

sub zmq_soname { return undef }

sub valid_soname { return 0 }

sub current_tid {
    return threads->tid if $INC{'threads.pm'};
    return $Config::Config{useithreads} ? 0 : -1;
}

1;
__END__

=head1 NAME

ZMQ::Rust::Util - ZMQ::FFI::Util's functions for ZMQ::Rust

=head1 SYNOPSIS

    use ZMQ::Rust::Util qw(zmq_version);    # was: use ZMQ::FFI::Util qw(zmq_version);
    my ($major, $minor, $patch) = zmq_version();

=head1 DESCRIPTION

The functions of L<ZMQ::FFI::Util>, so that programs (and test suites) that use them run
with the module name changed. Nothing is exported by default.

=over

=item zmq_version([$soname])

The libzmq API version ZMQ::Rust implements, as a list (C<4, 3, 5>). C<$soname> is ignored.

=item zmq_soname([die =E<gt> 1])

C<undef>: ZMQ::Rust loads no libzmq, so there is no library name. It never croaks, since
nothing is missing (ZMQ::FFI croaks with C<die =E<gt> 1> when it cannot find libzmq).

=item valid_soname($soname)

False: no library is loaded by name. C<ZMQ::Rust-E<gt>new> accepts and ignores C<soname>.

=item current_tid

The current interpreter thread's id: C<threads-E<gt>tid> once threads are loaded, 0 on a perl
with ithreads before that, -1 on a perl without them (as ZMQ::FFI::Util's, which loads
C<threads> to find out).

=back

=cut
