package ZMQ::Rust;
use strict;
use warnings;
use Carp ();
use Errno ();
use Scalar::Util ();

our $VERSION = '0.01';

require XSLoader;
XSLoader::load('ZMQ::Rust', $VERSION);

use ZMQ::Rust::Constants ();
use ZMQ::Rust::Error ();
use ZMQ::Rust::Context ();
use ZMQ::Rust::Socket ();
use ZMQ::Rust::Poller ();

sub poll { goto &ZMQ::Rust::Poller::poll_items }

# Default LINGER of sockets made through ZMQ::Rust->new: 0, as in ZMQ::FFI (see POD).
our $DEFAULT_LINGER = 0;

# Contexts made by new(), weakly held, for END.
my %LIVE;

my %NEW_ARGS = map { $_ => 1 } qw(threads max_sockets linger);

sub new {
    my ($class, %args) = @_;
    for my $k (sort keys %args) {
        Carp::croak("ZMQ::Rust->new: unknown option '$k' (known: threads, max_sockets, linger)")
            unless $NEW_ARGS{$k};
    }
    my $ctx = ZMQ::Rust::Context->_new;
    $ctx->set(ZMQ::Rust::Constants::ZMQ_IO_THREADS(), $args{threads}) if defined $args{threads};
    $ctx->set(ZMQ::Rust::Constants::ZMQ_MAX_SOCKETS(), $args{max_sockets})
        if defined $args{max_sockets};
    my $linger = defined $args{linger} ? $args{linger} : $DEFAULT_LINGER;
    ZMQ::Rust::Error->throw('zmq_ctx_set', Errno::EINVAL(),
        "Invalid argument: linger must be an integer >= -1, got '$linger'")
        unless $linger =~ /^-?\d+\z/ && $linger >= -1;
    $ctx->_set_socket_linger($linger);
    delete @LIVE{ grep { !defined $LIVE{$_} } keys %LIVE } if keys(%LIVE) > 16;
    Scalar::Util::weaken($LIVE{ Scalar::Util::refaddr($ctx) } = $ctx);
    return $ctx;
}

# Contexts still alive at exit are destroyed here, after the program's own END blocks:
# their open sockets close, each waiting at most 2 s (less if its LINGER says so) for its
# queued messages, and whatever they drop is reported on stderr.

END {
    ZMQ::Rust::_set_exiting(1);
    for my $ctx (grep { defined } values %LIVE) {
        eval { $ctx->destroy };
    }
}

# `use ZMQ::Rust qw(ZMQ_REQ :socket_types)` re-exports from ZMQ::Rust::Constants.
sub import {
    my ($class, @names) = @_;
    return unless @names;
    require Exporter;
    Exporter::export('ZMQ::Rust::Constants', scalar caller, @names);
}

1;
__END__

=encoding utf8

=head1 NAME

ZMQ::Rust - ZeroMQ for Perl with a Rust engine: no libzmq needed

=head1 SYNOPSIS

    use ZMQ::Rust qw(ZMQ_REQ ZMQ_REP ZMQ_DONTWAIT);

    my $ctx = ZMQ::Rust->new;

    my $rep = $ctx->socket(ZMQ_REP);
    $rep->bind('inproc://service');

    my $req = $ctx->socket(ZMQ_REQ);
    $req->connect('inproc://service');

    $req->send('hello');
    print $rep->recv, "\n";          # hello
    $rep->send_multipart(['wor', 'ld']);
    print join('', $req->recv_multipart), "\n";

    $req->send_json({ n => 42 });
    my $data = $rep->recv_json;       # { n => 42 }

=head1 DESCRIPTION

ZMQ::Rust is a ZeroMQ implementation for Perl whose engine (sockets, high-water-mark pipes,
the socket patterns) is written in Rust and linked into this XS module. Installing it needs
perl and cargo and nothing else: there is no libzmq to find.

Its object API follows L<ZMQ::FFI>: a script moves over by changing C<ZMQ::FFI-E<gt>new> to
C<ZMQ::Rust-E<gt>new> and its C<use> line.

Every socket type works over C<inproc://> (within a context), C<tcp://> and C<ipc://>, with
libzmq 4.3's semantics. Over tcp and ipc it speaks ZMTP 3.1 (and 3.0 with older peers) with
the NULL mechanism, so it talks to programs using libzmq, pyzmq, CZMQ or JeroMQ. STREAM
sockets talk to raw TCP peers (each message is C<[id, bytes]>; an empty message is a
connect or disconnect notice, and sending one closes that connection). The PLAIN and CURVE
mechanisms are not available yet.

=head1 CONTEXT

=head2 ZMQ::Rust->new(%options)

Creates a context (a L<ZMQ::Rust::Context>). Options:

=over

=item threads => N

I/O threads (C<ZMQ_IO_THREADS>, default 1).

=item max_sockets => N

C<ZMQ_MAX_SOCKETS> (default 1023); creating more sockets fails with C<EMFILE>.

=item linger => MS

The C<ZMQ_LINGER> each new socket starts with. B<The default is 0>, as in ZMQ::FFI: closing a
socket or destroying the context never waits for unsent messages, so a script can always
exit. libzmq's own default (-1, wait forever) is a classic cause of programs that hang at
exit. Pass C<< linger => -1 >> (or a time in milliseconds) for sockets that must deliver what
they queued before they close. Messages already handed to an C<inproc://> peer stay readable
whatever the linger.

=back

Unknown options croak.

=head2 $ctx->socket($type)

A new L<ZMQ::Rust::Socket>. C<$type> is a constant such as C<ZMQ_PUSH> (or its name,
C<'PUSH'>). An unknown type croaks with C<EINVAL>.

=head2 $ctx->get($option), $ctx->set($option, $value)

Context options (C<ZMQ_IO_THREADS>, C<ZMQ_MAX_SOCKETS>, C<ZMQ_SOCKET_LIMIT>, C<ZMQ_MAX_MSGSZ>,
C<ZMQ_MSG_T_SIZE>, C<ZMQ_IPV6>, C<ZMQ_BLOCKY>, ...). Unknown options fail with C<EINVAL>.

=head2 $ctx->destroy

Closes every socket of the context that is still open (each honouring its linger), then
terminates the context. Idempotent. Blocking calls of sockets in other threads fail with
C<ETERM>.

=head2 $ctx->version, $ctx->verstr

The libzmq version whose behaviour and protocol the engine follows, as a list
C<(4, 3, 5)> and as C<"4.3.5">. The module's own version is C<$ZMQ::Rust::VERSION>.

=head2 $ctx->has_capability($name)

As C<zmq_has>: true for the optional features built in: C<ipc> is; C<curve>, C<gssapi>,
C<pgm>, C<tipc>, C<norm> and C<draft> are not.

=head1 SOCKETS

Methods croak on failure unless C<die_on_error> is off (see L</ERRORS>). C<$flags> is a sum of
C<ZMQ_DONTWAIT> and C<ZMQ_SNDMORE>; unknown bits are ignored and bit 0 always means
C<ZMQ_DONTWAIT> (so old code passing C<ZMQ_RCVMORE> as a flag still means non-blocking).

=over

=item bind($endpoint), connect($endpoint), unbind($endpoint), disconnect($endpoint)

Endpoints are C<inproc://name>, C<tcp://host:port> and C<ipc://path>:

=over

=item *

C<tcp://127.0.0.1:*> (or C<tcp://*:*>) binds an ephemeral port; C<last_endpoint> then gives
the real one, e.g. C<tcp://127.0.0.1:46139>, which is also the string to C<unbind>. C<*> as a
host means every interface; a host may also be an interface name (C<tcp://eth0:5555>).
IPv6 addresses (C<tcp://[::1]:5555>) need the C<ZMQ_IPV6> option. Host names are resolved
when connecting.

=item *

C<ipc:///path/to/socket> binds a Unix socket (taking the path over from whatever was there,
and removing it on unbind or close), C<ipc://@name> an abstract one on Linux, and C<ipc://*>
a fresh private path (see C<last_endpoint>).

=item *

connect is asynchronous: it succeeds whether or not anything listens, the connection is made
(and remade, every C<ZMQ_RECONNECT_IVL> ms) in the background, and messages queue up to
C<ZMQ_SNDHWM> meanwhile (unless C<ZMQ_IMMEDIATE> is set). An inproc connect may come before
the bind.

=back

Errors: C<EINVAL> for a malformed endpoint (no C<://>, no port, a bad port, C<*> as a port
to connect to), C<EPROTONOSUPPORT> for an unknown transport, C<EADDRINUSE> for an address
or name already bound, C<ENOENT> when unbinding or disconnecting an endpoint that is not
bound or connected. An empty or undefined endpoint croaks
C<usage: $socket-E<gt>connect($endpoint)>.

=item send($bytes, $flags)

Sends one frame. C<$bytes> must be a defined string: undef or a reference croaks (an object
with overloaded stringification is sent as its string). A string
with the UTF-8 flag goes out as its UTF-8 bytes. Returns true. When the message cannot be
queued (all peers at their high-water mark, or none yet) it blocks, or fails with C<EAGAIN>
under C<ZMQ_DONTWAIT> or once C<ZMQ_SNDTIMEO> runs out.

=item send_multipart(\@frames, $flags)

Sends a whole message in one call into the engine.

=item recv($flags)

Receives one frame as a byte string (never UTF-8 flagged).

=item recv_multipart($flags)

Receives every frame of the next message as a list, in one call into the engine.

=item get($option, $type), set($option, $type, $value)

Socket options, with C<$type> one of C<int>, C<int64_t>, C<uint64_t>, C<binary>, C<string>.
A type that does not fit the option, an unknown option or an out-of-range value fails with
C<EINVAL> and changes nothing. C<get> returns undef for an empty C<binary> or C<string>
value; 64-bit values compare correctly as strings (e.g. C<"18446744073709551615">).

=item get_linger, set_linger($ms), get_identity, set_identity($bytes)

=item subscribe($prefix), unsubscribe($prefix)

SUB filters; subscriptions are counted, as in libzmq.

=item has_pollin, has_pollout

C<ZMQ_EVENTS & ZMQ_POLLIN> (0 or 1) and C<ZMQ_EVENTS & ZMQ_POLLOUT> (0 or 2), as in ZMQ::FFI.

=item get_fd

The socket's notification fd (C<ZMQ_FD>). It becomes readable when the socket's state may
have changed; follow libzmq's contract: on wake-up, check C<has_pollin> and receive until it
is false (or C<EAGAIN>).

=item last_endpoint

The endpoint of the last bind or connect.

=item send_json($data, $flags), recv_json($flags)

=item send_as($type, $data, $flags), recv_as($type, $flags)

Serialized messages; see L<ZMQ::Rust::Serializer>.

=item monitor($endpoint, $events)

Sends this socket's connection events to a PAIR socket bound at C<$endpoint> (an
C<inproc://> name; connect your own PAIR to it). C<$events> is a mask of C<ZMQ_EVENT_*>
constants (default C<ZMQ_EVENT_ALL>). The events and the moments they come are libzmq's:
C<LISTENING>/C<BIND_FAILED> on bind, C<ACCEPTED>, C<CONNECT_DELAYED>, C<CONNECTED>,
C<CONNECT_RETRIED> (value: the next interval in ms), C<HANDSHAKE_SUCCEEDED>,
C<HANDSHAKE_FAILED_PROTOCOL> (value: a C<ZMQ_PROTOCOL_ERROR_*> code),
C<HANDSHAKE_FAILED_NO_DETAIL>, C<DISCONNECTED>, C<CLOSED> (unbind), and C<MONITOR_STOPPED>
when monitoring stops (C<monitor(undef)>, or the socket closes). Events that find no reader
are dropped; monitoring never slows the socket down.

=item recv_event($flags)

On the PAIR connected to a monitor endpoint: the next event as C<($event, $value,
$endpoint)>.

=item close

Closes the socket. Idempotent. Messages still queued for tcp/ipc peers get the socket's
C<ZMQ_LINGER> to leave (0 by default: they are dropped).

A socket that is destroyed without C<close> (it goes out of scope, or the program ends)
closes the same way, except that it never waits more than 2 seconds, whatever its LINGER,
and if it drops queued messages it says so on stderr (how many, and to which endpoint) rather
than losing them silently. At program exit ZMQ::Rust closes every socket still open this way
(after your own C<END> blocks), so a program always ends promptly.

Any other method called on a closed socket warns C<Operation on closed socket> and returns
nothing, as in ZMQ::FFI.

=item context, type, is_closed

=back

=head1 ERRORS

By default a failing call croaks with a L<ZMQ::Rust::Error> whose text is
C<< "<zmq function>: <strerror>" >>, e.g. C<zmq_send: Resource temporarily unavailable>, and
which carries the errno. After C<< $socket->die_on_error(0) >> a failing call returns empty
and sets C<$!>, C<last_errno> and C<last_strerror> instead. The errno values are the OS's own
(C<Errno> constants work) plus libzmq's C<EFSM>, C<ETERM>, C<ENOCOMPATPROTO> and
C<EMTHREAD> from L<ZMQ::Rust::Constants>.

C<ZMQ::Rust::strerror($errno)> gives the text for any of them.

=head1 CONSTANTS

C<use ZMQ::Rust qw(...)> exports from L<ZMQ::Rust::Constants>: names such as C<ZMQ_PUB> and
tags such as C<:socket_types>, C<:options>, C<:flags>, C<:events>, C<:errors> and C<:all>.

=head1 FORK AND THREADS

Handles remember the process that created them. In a forked child an inherited context or
socket is left alone when it goes out of scope (no I/O, nothing shared with the parent is
touched) and any other use croaks; create a new context in the child. Sockets cannot be used
from another interpreter thread (calls croak); a context can, so each thread creates its own
sockets and they can talk over C<inproc://>.

=head1 SEE ALSO

L<ZMQ::FFI>, L<ZMQ::LibZMQ3>, L<https://zeromq.org/>.

=head1 LICENSE

This library is free software; you can redistribute it and/or modify it under the same
terms as Perl itself.

=cut
