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

# soname is ZMQ::FFI's (the libzmq to load): accepted, and ignored.
my %NEW_ARGS = map { $_ => 1 } qw(threads max_sockets linger soname);

sub new {
    my ($class, %args) = @_;
    for my $k (sort keys %args) {
        Carp::croak("ZMQ::Rust->new: unknown option '$k' (known: threads, max_sockets, linger, soname)")
            unless $NEW_ARGS{$k};
    }
    my $ctx = ZMQ::Rust::Context->_new;
    @$ctx{qw(_threads _max_sockets _soname _pid _tid)} =
        (@args{qw(threads max_sockets soname)}, $$, _current_tid());
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

# The current interpreter thread's id (0 without threads), as ZMQ::FFI's current_tid.
sub _current_tid { $INC{'threads.pm'} ? threads->tid : 0 }

# Z85 (ZeroMQ RFC 32) and CURVE key pairs are the engine's; these check the Perl arguments
# and turn a failure into a ZMQ::Rust::Error, which names the line that called them (directly
# or through a context method).
our @CARP_NOT = ('ZMQ::Rust::Context');

sub z85_encode {
    my ($data) = @_;
    my @r = _z85_encode( _byte_arg( 'zmq_z85_encode', 'data', $data ) );
    return @r ? $r[0] : _engine_fail('zmq_z85_encode');
}

sub z85_decode {
    my ($string) = @_;
    $string = _byte_arg( 'zmq_z85_decode', 'string', $string );
    # A key as zmq_curve_keypair gives it (and ZMQ::FFI returns it) ends with a NUL.
    $string =~ s/\0\z//;
    my @r = _z85_decode($string);
    return @r ? $r[0] : _engine_fail('zmq_z85_decode');
}

sub curve_keypair {
    my @r = _curve_keypair();
    return @r ? @r : _engine_fail('zmq_curve_keypair');
}

sub curve_public {
    my ($secret) = @_;
    $secret = _byte_arg( 'zmq_curve_public', 'the secret key', $secret );
    $secret =~ s/\0\z//;
    _fail( 'zmq_curve_public', Errno::EINVAL(),
        'the secret key must be 40 Z85 characters, got a length of ' . length $secret )
        unless length($secret) == 40;
    _fail( 'zmq_curve_public', Errno::EINVAL(), 'the secret key contains a NUL byte' )
        if index( $secret, "\0" ) >= 0;
    my @r = _curve_public($secret);
    return @r ? $r[0] : _engine_fail('zmq_curve_public');
}

# $value as a byte string, or a croak (EINVAL) naming what was wrong with it.
sub _byte_arg {
    my ( $func, $what, $value ) = @_;
    _fail( $func, Errno::EINVAL(), "$what must be defined" ) unless defined $value;
    if ( utf8::is_utf8($value) ) {
        $value = "$value";
        utf8::downgrade( $value, 1 )
            or _fail( $func, Errno::EINVAL(), "$what must be bytes, not wide characters" );
    }
    return $value;
}

# Croaks with the engine's last failure.
sub _engine_fail {
    my ($func) = @_;
    my ( $errno, $text ) = _last_error();
    ZMQ::Rust::Error->throw( $func, $errno, $text );
}

sub _fail {
    my ( $func, $errno, $why ) = @_;
    ZMQ::Rust::Error->throw( $func, $errno, strerror($errno) . ": $why" );
}

# Contexts still alive at exit are destroyed here, after the program's own END blocks:
# their open sockets close, each waiting at most 2 s (less if its LINGER says so) for its
# queued messages, and whatever they drop is reported on stderr.

our $EXITING;

END {
    $EXITING = 1;
    ZMQ::Rust::_set_exiting(1);
    for my $ctx (grep { defined } values %LIVE) {
        eval { $ctx->destroy };
    }
}

# `use ZMQ::Rust qw(ZMQ_REQ :socket_types)` exports from ZMQ::Rust::Constants, with the
# constants shaped as ZMQ::FFI's: subs without a prototype, so that code written for ZMQ::FFI
# parses the same way (`ZMQ_EVENT_CONNECTED 'name'` is a call whose argument is ignored,
# `ZMQ_SNDMORE + 1` is ZMQ_SNDMORE(+1)). A use without arguments still compiles to the
# number itself, as an inlined constant does (_fold_calls), so they cost nothing at run time.
# ZMQ::Rust::Constants' own exports are `use constant` subs, as ZMQ::Constants'.
sub import {
    my ($class, @args) = @_;
    return unless @args;
    my $pkg = caller;
    my ($const, $rest) = ZMQ::Rust::Constants::_split_constants(@args);
    no strict 'refs';
    for (@$const) {
        my ($name, $value) = @$_;
        my $have = defined &{"${pkg}::$name"} && \&{"${pkg}::$name"};
        # The same constant from elsewhere (EAGAIN from Errno, say) stays as it is.
        next if $have && defined prototype($have) && prototype($have) eq ''
            && $have->() eq $value;
        *{"${pkg}::$name"} = _ffi_constant($name, $value);
    }
    ZMQ::Rust::Constants::_export_to($pkg, @$rest) if @$rest;
}

# One prototype-less sub per constant, shared by every importing package.
my %FFI_CONSTANT;

sub _ffi_constant {
    my ($name, $value) = @_;
    return $FFI_CONSTANT{$name} ||= do {
        my $code = sub { $value };
        _fold_calls($code, $value);
        $code;
    };
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
C<ZMQ::Rust-E<gt>new> and its C<use> line. Programs written for L<ZMQ::LibZMQ3> or the CPAN
C<ZMQ> wrapper run on L<ZMQ::Rust::LibZMQ3>; see L</PORTING>.

Every socket type works over C<inproc://> (within a context), C<tcp://> and C<ipc://>, with
libzmq 4.3's semantics. Over tcp and ipc it speaks ZMTP 3.1 (and 3.0 with older peers) with
the NULL mechanism, so it talks to programs using libzmq, pyzmq, CZMQ or JeroMQ. STREAM
sockets talk to raw TCP peers (each message is C<[id, bytes]>; an empty message is a
connect or disconnect notice, and sending one closes that connection). The PLAIN mechanism
is there too (see L</SECURITY>); CURVE is not available yet.

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

=item soname => PATH

ZMQ::FFI's option naming the libzmq to load: accepted and ignored (there is none to load),
so that C<ZMQ::FFI-E<gt>new(...)> calls move over unchanged. C<$ctx-E<gt>soname> returns it.

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
terminates the context: it returns once every socket is closed and what they queued has
been sent or their LINGER ran out, as libzmq's C<zmq_ctx_term> does. Idempotent. Blocking
calls of sockets in other threads fail with C<ETERM>.

A context that is never destroyed explicitly (it goes out of scope with its sockets, or the
program ends) waits at most 2 seconds for queued messages, whatever the LINGER, and reports
on stderr what it drops.

=head2 $ctx->version, $ctx->verstr

The libzmq version whose behaviour and protocol the engine follows, as a list
C<(4, 3, 5)> and as C<"4.3.5">. The module's own version is C<$ZMQ::Rust::VERSION>.

=head2 $ctx->has_capability($name)

As C<zmq_has>: true for the optional features built in: C<ipc> is; C<curve>, C<gssapi>,
C<pgm>, C<tipc>, C<norm> and C<draft> are not.

=head2 $ctx->proxy($frontend, $backend[, $capture]), $ctx->proxy_steerable($frontend, $backend, $capture, $control)

C<zmq_proxy>: moves messages both ways between two sockets (a copy of each to C<$capture>)
until the context is destroyed, then croaks with C<ETERM>. C<proxy_steerable> also obeys
C<PAUSE>, C<RESUME>, C<STATISTICS> (eight 64-bit counters) and C<TERMINATE> (it returns) on
C<$control>. C<$ctx-E<gt>device> croaks as ZMQ::FFI does with libzmq 3 and later
(C<zmq_device not available in zmq E<gt>= 3.x>): use C<proxy>.

=head2 $ctx->z85_encode($bytes), $ctx->z85_decode($string)

Z85 (ZeroMQ RFC 32), as libzmq's C<zmq_z85_encode> and C<zmq_z85_decode>, also as the
functions C<ZMQ::Rust::z85_encode> and C<ZMQ::Rust::z85_decode>. C<$bytes> must be a
multiple of 4 bytes long (the empty string encodes to C<''>); C<$string> must be at least 5
characters and a multiple of 5 (a trailing NUL, as in keys from libzmq's
C<zmq_curve_keypair>, is dropped), every character from the Z85 alphabet, and no group of 5
above 0xFFFFFFFF (C<#####> is refused, C<%nSc0> is C<"\xFF" x 4>). Anything else fails with
C<EINVAL> and a message saying what was wrong, e.g. C<zmq_z85_decode: Invalid argument: not a
Z85 character: '~' at offset 4>.

=head2 $ctx->curve_keypair

A new CURVE key pair, C<($public, $secret)>, each 40 Z85 characters, as libzmq's
C<zmq_curve_keypair>: the secret is 32 bytes from the operating system's random generator,
the public key is derived from it (X25519, RustCrypto's C<crypto_box>). ZMQ::FFI returns the
same keys with libzmq's trailing NUL as a 41st byte; C<z85_decode> and C<curve_public> take
either form. Also as the function C<ZMQ::Rust::curve_keypair>.

Key pairs are a helper only: sockets cannot use CURVE yet (see L</SECURITY>), and
C<has_capability('curve')> is false.
L<ZMQ::Rust::Certificate> keeps key pairs in czmq's certificate files (and reads those
written by czmq and pyzmq).

=head2 $ctx->curve_public($secret)

The public key (40 Z85 characters) of a secret key given as 40 Z85 characters, as libzmq's
C<zmq_curve_public>; anything else fails with C<EINVAL>. Also as the function
C<ZMQ::Rust::curve_public>.

=head2 $ctx->sockets

The context's open sockets: a list in list context; in scalar context a hash of weak
references keyed by the sockets' strings, as ZMQ::FFI's C<sockets>.

=head2 $ctx->threads, max_sockets, has_threads, has_max_sockets, soname, context_ptr, _pid, _tid

ZMQ::FFI's accessors: the options given to C<new> (undef when not given), the creating
process and thread, and an opaque handle that is -1 once the context is destroyed.

=head2 $ctx->die_on_error([$bool]), last_errno, last_strerror, has_error

As for sockets (see L</ERRORS>).

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

Receives one frame as a byte string (never UTF-8 flagged). A frame of 128 KiB or more that
no other socket shares becomes the string's buffer as it arrived, without a copy (unless
perl was built with its own malloc); the string is an ordinary one in every other way.

=item recv_multipart($flags)

Receives every frame of the next message as a list, in one call into the engine (large
frames are handed over without a copy, as with C<recv>).

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

The socket's notification fd (C<ZMQ_FD>), for an event loop (C<AE::io $fd, 0, ...>, or
IO::Async's C<watch_io> on a dup of it). From the first C<get_fd> on, on every transport, it
becomes readable when the socket's state may have changed (a message arrives, room to send
comes back), with no C<has_pollin> needed first; on wake-up, receive while C<has_pollin> is
true, or until C<EAGAIN>, as libzmq's contract says. It also stays readable while messages
wait unread, so a watcher created later still fires. Wake-ups with nothing to do are
possible; a watcher that waits only for C<has_pollout> should read pending input first.

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

=item version, socket_ptr, soname, _pid, _tid

ZMQ::FFI's accessors: the library version (a list), an opaque handle that is -1 once the
socket is closed, the context's C<soname>, the creating process and thread.

=item die_on_error([$bool]), last_errno, last_strerror, has_error

=back

=head1 ERRORS

By default a failing call croaks with a L<ZMQ::Rust::Error> whose text is
C<< "<zmq function>: <strerror>" >>, e.g. C<zmq_send: Resource temporarily unavailable>, and
which carries the errno. After C<< $socket->die_on_error(0) >> a failing call returns empty
and sets C<$!>, C<last_errno> and C<last_strerror> instead. As in ZMQ::FFI these describe the
last call only: every call that can fail (send, recv, the C<*_multipart> calls, C<get>/C<set>,
C<bind>/C<connect>/C<unbind>/C<disconnect>, C<has_pollin>, the context's C<get>/C<set>/C<socket>/
C<proxy>, ...) starts from 0 and sets them only if it fails, so C<has_error> (the errno, or 0)
after a call says whether that call failed:

    $s->die_on_error(0);
    while (1) {
        my @msg = $s->recv_multipart(ZMQ_DONTWAIT);
        next if $s->has_error;      # EAGAIN: nothing yet
        ...
    }

The errno values are the OS's own
(C<Errno> constants work) plus libzmq's C<EFSM>, C<ETERM>, C<ENOCOMPATPROTO> and
C<EMTHREAD> from L<ZMQ::Rust::Constants>.

C<ZMQ::Rust::strerror($errno)> gives the text for any of them.

=head1 SIGNALS

A blocking call (C<recv>, C<send> at the high-water mark, the C<*_multipart> calls, polls,
C<proxy>, C<destroy> waiting for sockets) lets Perl's C<%SIG> handlers run as soon as a signal
arrives. A handler that dies ends the call with its exception. A handler that returns ends
the call with C<EINTR>, as libzmq's calls do: it croaks C<zmq_msg_recv: Interrupted system
call>, or with C<die_on_error(0)> returns empty with C<last_errno> set to C<EINTR> (C<$!> in
L<ZMQ::Rust::LibZMQ3>). So the usual Ctrl-C pattern works:

    my $interrupted;
    $SIG{INT} = sub { $interrupted = 1 };
    $s->die_on_error(0);
    while (1) {
        my $msg = $s->recv;
        if ($interrupted) { print "interrupted, exiting\n"; last }
        ...
    }

A program that wants its handlers to run without disturbing the calls sets
C<$ZMQ::Rust::RESUME_AFTER_SIGNAL> to a true value (C<local> works): the call then goes on
after the handler, within what is left of its C<RCVTIMEO>/C<SNDTIMEO> or poll timeout.

Without a C<%SIG> handler a signal has its default effect: Ctrl-C ends the program at once.

=head1 SECURITY

A connection runs ZeroMQ's NULL mechanism (no authentication, no encryption) unless the
socket is set up for PLAIN (RFC 24: a username and password, sent in clear, checked by the
server). The mechanism and its role are copied into each connection when it is made: set
them before C<bind> and C<connect>. The options, as libzmq 4.3 has them:

=over

=item C<ZMQ_PLAIN_SERVER> (int)

1 makes the socket a PLAIN server; 0 sets the NULL mechanism again; anything else is
C<EINVAL>. Reads 1 only for a PLAIN server.

=item C<ZMQ_PLAIN_USERNAME>, C<ZMQ_PLAIN_PASSWORD> (string, 1 to 255 bytes)

Either makes the socket a PLAIN client (the other credential is kept; unset, it is empty).
Empty or longer values are C<EINVAL>. Read back as the string (undef until set).
C<< $s->set(ZMQ_PLAIN_USERNAME, 'binary', 'admin') >> (the ZMQ::FFI way) works too.

=item C<ZMQ_MECHANISM> (int, read only)

C<ZMQ_NULL> (0) or C<ZMQ_PLAIN> (1): whichever of the options above was set last.

=item C<ZMQ_ZAP_DOMAIN> (string, 1 to 255 bytes)

The domain a server's ZAP requests carry. Once set it cannot be emptied (C<''> is
C<EINVAL>, as in libzmq). Under NULL it is what turns authentication on.

=item C<ZMQ_ZAP_ENFORCE_DOMAIN> (int)

Any non-zero value stores 1: a server whose ZAP request cannot be asked (no handler bound,
or a PLAIN server without a domain) then refuses the client instead of going on
(C<ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL> with C<EFAULT>).

=back

A server decides through a ZAP handler (RFC 27): an ordinary C<ZMQ_REP> (or C<ZMQ_ROUTER>)
socket that the application binds at C<inproc://zeromq.zap.01> in the server's own
context. As in libzmq 4.3, a PLAIN server asks it for every client, a NULL server only when
C<ZMQ_ZAP_DOMAIN> is set. A request is C<version ("1.0"), request id, domain, address (the
client's IP for tcp, localhost:uid:gid:pid for ipc), identity (the server's
ZMQ_ROUTING_ID), mechanism ("NULL" or "PLAIN"), credentials (PLAIN: username,
password)>; the reply is C<version, request id, status ("200", "300", "400" or "500"),
status text, user id, metadata>. The I/O thread never waits for the handler: the connection
sleeps until the reply comes, and C<ZMQ_HANDSHAKE_IVL> bounds how long. A minimal handler,
answered from the application's own loop (or with a poller, or on its C<get_fd>):

    my $zap = $ctx->socket(ZMQ_REP);
    $zap->bind('inproc://zeromq.zap.01');

    my $server = $ctx->socket(ZMQ_REP);
    $server->set(ZMQ_PLAIN_SERVER, 'int', 1);
    $server->bind('tcp://*:5555');

    my %password = (admin => 'secret');
    while (1) {
        while ($zap->has_pollin) {
            my ($version, $id, $domain, $address, $identity, $mechanism, $user, $pass)
                = $zap->recv_multipart;
            my $ok = $mechanism eq 'PLAIN' && defined $password{$user}
                && $password{$user} eq $pass;
            $zap->send_multipart([ '1.0', $id, $ok ? ('200', 'OK', $user)
                                                    : ('400', 'Refused', ''), '' ]);
        }
        $server->send('World') if $server->has_pollin && $server->recv;
        ...    # wait with ZMQ::Rust::poll on both sockets
    }

Status 200 lets the client in; 300 closes the connection (the client tries again); 400 and
500 send the client an ERROR and close: both monitors report
C<ZMQ_EVENT_HANDSHAKE_FAILED_AUTH> with the status, and the client does not reconnect. A
reply that breaks RFC 27 closes the connection with C<ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL>
and libzmq's C<ZMQ_PROTOCOL_ERROR_ZAP_*> code. With no handler bound a PLAIN server refuses
every client (C<ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL> with C<EFAULT>; the client keeps
reconnecting) and a NULL server lets everyone in, as libzmq. A ZMQ::Rust PLAIN client works
with any libzmq PLAIN server (pyzmq's C<zmq.auth>, CZMQ's C<zauth>) and libzmq PLAIN clients
with a ZMQ::Rust server; a refusal shows on the client's monitor as
C<ZMQ_EVENT_HANDSHAKE_FAILED_AUTH> with 400.

PLAIN and NULL never talk to each other: the handshake fails as between libzmq peers whose
mechanisms differ (C<ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL>,
C<ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH>).

CURVE and GSSAPI are not in this build, and nothing pretends they are:

=over

=item *

Setting or reading one of their options fails and changes nothing: C<ZMQ_CURVE_SERVER>,
C<ZMQ_CURVE_PUBLICKEY>, C<ZMQ_CURVE_SECRETKEY>, C<ZMQ_CURVE_SERVERKEY> and the
C<ZMQ_GSSAPI_*> options with C<EINVAL> (what libzmq built without them answers). The
message says so: C<zmq_setsockopt: Invalid argument:
the CURVE mechanism is not available in this build ...>.

=item *

C<< $ctx->has_capability('curve') >> (and C<gssapi>) is false, as is C<plain>, which libzmq's
C<zmq_has> does not know either. (C<curve_keypair> and C<curve_public> make and derive keys,
but no socket can use them yet.)

=item *

A peer that asks for CURVE gets no NULL connection in its place: the handshake fails, as
between libzmq peers whose mechanisms differ.

=back

PLAIN sends its password in clear and encrypts nothing.
Run traffic that needs protection over a network you trust (C<ipc://>, loopback, a VPN or an
SSH tunnel) until CURVE arrives.

=head1 CONSTANTS

C<use ZMQ::Rust qw(...)> exports from L<ZMQ::Rust::Constants>: names such as C<ZMQ_PUB> and
tags such as C<:socket_types>, C<:options>, C<:flags>, C<:events>, C<:errors> and C<:all>.

Constants exported this way are shaped as ZMQ::FFI's: subs without a prototype, so code
written for ZMQ::FFI parses the same way. C<ZMQ_EVENT_CONNECTED 'name'> is a call whose
argument is ignored (ZMQ::FFI's own F<t/monitor.t> relies on it), and like any list operator
a constant takes what follows as its arguments: write C<ZMQ_SNDMORE() + 1>, not
C<ZMQ_SNDMORE + 1>. Used without arguments, a constant compiles to its number, as an inlined
constant does, so it costs nothing at run time. C<use ZMQ::Rust::Constants qw(...)> instead
gives C<use constant> subs with an empty prototype, as ZMQ::Constants does
(C<ZMQ_SNDMORE + 1> is 3 there).

=head1 FORK AND THREADS

Handles remember the process that created them. In a forked child an inherited context or
socket is left alone when it goes out of scope (no I/O, nothing shared with the parent is
touched) and any other use croaks; create a new context in the child. Sockets cannot be used
from another interpreter thread (calls croak); a context can, so each thread creates its own
sockets and they can talk over C<inproc://>.

=head1 PORTING

ZMQ::Rust speaks for the three Perl ZeroMQ APIs: ZMQ::FFI's objects (this module), the
functions of ZMQ::LibZMQ3 (L<ZMQ::Rust::LibZMQ3>) and, through the latter, the CPAN C<ZMQ>
wrapper. A program moves over by changing its C<use> lines; what differs is listed below.

=head2 From ZMQ::FFI

    use ZMQ::Rust qw(ZMQ_REQ ZMQ_REP);     # was: use ZMQ::FFI qw(ZMQ_REQ ZMQ_REP);
    my $ctx = ZMQ::Rust->new;               # was: ZMQ::FFI->new

C<use ZMQ::FFI::Constants qw(...)> becomes C<use ZMQ::Rust qw(...)> (the same names,
C<ZMQ_EVENT_*> included, and C<:all>; constants parse as ZMQ::FFI's, see L</CONSTANTS>). Every method of ZMQ::FFI's context and socket roles is there with
its semantics: C<"E<lt>zmq functionE<gt>: E<lt>strerrorE<gt>"> errors, C<die_on_error>,
C<last_errno>, C<last_strerror>, C<has_error>, LINGER 0, C<get>/C<set> with the types C<int>,
C<int64_t>, C<uint64_t>, C<binary> and C<string> (64-bit values compare as strings, empty values
are undef), C<has_pollin>/C<has_pollout> giving 1 and 2, C<recv_event>, "Operation on closed
socket" warnings, C<_pid>/C<_tid> guards. The differences:

=over

=item *

A socket keeps its context alive, where ZMQ::FFI closes a socket whose context object went
away; C<$ctx-E<gt>destroy> closes the context's sockets in both.

=item *

C<send>, C<send_multipart>, C<set>, C<bind>, ... return true (ZMQ::FFI: nothing).
C<send_multipart> hands the whole message to the engine at once rather than calling
C<$self-E<gt>send> per part (a subclass's C<send> is not called for each part).

=item *

C<get> of an empty binary or string value returns one C<undef> in list context too (ZMQ::FFI:
the empty list).

=item *

On a closed socket, a method called without its required arguments (C<$s-E<gt>send()>)
croaks C<Usage: ...> before it can warn C<Operation on closed socket>.

=item *

Errors are L<ZMQ::Rust::Error> objects that croak (C<zmq_send: ... at FILE line N.>) rather
than C<confess> with a stack trace. errno values are the OS's own, plus libzmq's C<EFSM>,
C<ETERM>, C<ENOCOMPATPROTO>, C<EMTHREAD>.

=item *

No CURVE or GSSAPI (see L</SECURITY>): their options fail. C<curve_keypair> returns 40-character keys, without the trailing NUL byte of
ZMQ::FFI's 41-byte ones. C<z85_encode> and C<z85_decode> take any length that is a multiple
of 4 (5) (ZMQ::FFI's assume 32-byte keys).

=item *

Options this engine does not implement accept only their defaults and refuse anything else
with C<ENOTSUP> rather than store a value that would have no effect: C<ZMQ_SOCKS_PROXY> and
C<ZMQ_BINDTODEVICE> (C<''>), C<ZMQ_TCP_MAXRT> (0), C<ZMQ_USE_FD> (-1). The same holds for
the security options (see L</SECURITY>).

=item *

C<soname> is accepted and ignored; C<context_ptr> and C<socket_ptr> are opaque and read-only.
ZMQ::FFI::Constants' C<zmq_msg_t_size> and the context's internal C<init> are not provided.

=item *

There is more: C<ZMQ::Rust::poll> and L<ZMQ::Rust::Poller> (ZMQ::FFI has no C<zmq_poll>),
C<$ctx-E<gt>proxy_steerable>, C<send_json>/C<recv_json>, and in list context
C<$ctx-E<gt>sockets> is a list.

=back

=head2 From ZMQ::LibZMQ3 (or ZMQ::LibZMQ4)

    use ZMQ::Rust::LibZMQ3;                      # was: use ZMQ::LibZMQ3;
    use ZMQ::Rust::Constants qw(:v3.1.1 :all);   # was: use ZMQ::Constants qw(:v3.1.1 :all);

and C<ZMQ::LibZMQ3::zmq_version()> (and the other functions called by their full names)
becomes C<ZMQ::Rust::LibZMQ3::zmq_version()>. The 34 functions keep ZMQ::LibZMQ3's return
conventions (C<-1>/C<undef> and C<$!>, the empty list with C<ENOTSOCK>/C<EFAULT> on closed
objects, C<zmq_recv>'s NUL-padded buffer, C<zmq_poll>'s item checks and croak texts,
C<zmq_getsockopt>'s typing), and its fork and thread rules. L<ZMQ::Rust::Constants> takes
ZMQ::Constants' import arguments (version sets are accepted and give every constant; the tags
C<:socket>, C<:message>, C<:poller>, C<:device>, C<:auth>, C<:errors>, C<:context>, C<:all>)
and has C<get_sockopt_type>/C<set_sockopt_type>. The differences:

=over

=item *

The errno constants have the OS's values: ZMQ::Constants exports Windows numbers for
C<ENOTSUP>, C<EPROTONOSUPPORT>, C<ENOTSOCK>, ... (so C<$! == ENOTSOCK> never held on Linux;
now it does). C<EFSM>, C<ETERM>, ... are the same.

=item *

C<zmq_term> with sockets still open closes them (each waiting for its linger) instead of
hanging; their later calls fail with C<ETERM>. At program exit, open sockets wait at most 2
seconds for what they queued.

=item *

C<zmq_device> runs the proxy for C<ZMQ_QUEUE>, C<ZMQ_FORWARDER> and C<ZMQ_STREAMER> (ZMQ::LibZMQ3
built on libzmq 4 croaks that it is not available). C<zmq_proxy($f, $b, undef)> is
accepted, and C<zmq_proxy_steerable> is added.

=item *

In a forked child, using the parent's sockets or context for anything but C<zmq_close> and
C<zmq_term> croaks. C<zmq_poll> accepts an integer that has also been used as a string.
The "Invalid object" croak names the class (ZMQ::LibZMQ3 prints C<##klass##>).

=item *

The objects are pure Perl (blessed hashes with a few private keys besides C<_closed>) and
also answer C<isa> for C<ZMQ::LibZMQ3::Context>, C<::Socket> and C<::Message>.

=back

=head2 From the ZMQ wrapper (ZMQ.pm)

Keep ZMQ.pm (and the ZMQ::Constants it loads) and pick the backend:

    BEGIN { $ENV{PERL_ZMQ_BACKEND} = 'ZMQ::Rust::LibZMQ3' }   # or $ZMQ::BACKEND
    use ZMQ;

C<ZMQ::Context>, C<ZMQ::Socket> (C<bind>, C<connect>, C<setsockopt>, C<getsockopt>,
C<sendmsg>, C<recvmsg>, C<send_multipart>, C<recv_multipart>, C<close>), C<ZMQ::Message>,
C<ZMQ::Poller> and C<ZMQ::Serializer>'s C<sendmsg_as>/C<recvmsg_as> work as with
ZMQ::LibZMQ3. The differences are ZMQ.pm's own: its C<ZMQ::Socket::send> and C<recv> do not
work with a LibZMQ3-style backend (they leave the socket out; use C<sendmsg>/C<recvmsg>),
C<ZMQ::Poller> takes C<ZMQ::Socket> objects and file descriptors but not raw backend
sockets, and code testing C<$ZMQ::BACKEND eq 'ZMQ::LibZMQ3'> must test C<ne 'ZMQ::LibZMQ2'>
instead.

=head1 SEE ALSO

L<ZMQ::Rust::LibZMQ3>, L<ZMQ::Rust::Constants>, L<ZMQ::FFI>, L<ZMQ::LibZMQ3>, L<ZMQ>,
L<https://zeromq.org/>.

=head1 LICENSE

This library is free software; you can redistribute it and/or modify it under the same
terms as Perl itself.

=cut
