package ZMQ::Rust::Constants;
use strict;
use warnings;

our $VERSION = '0.01';

require Exporter;

our ( @EXPORT, @EXPORT_OK, %EXPORT_TAGS, %SOCKOPT_TYPE );
@EXPORT = ();

# Every number below is from libzmq 4.3.5's include/zmq.h, including its
# ZMQ_BUILD_DRAFT_API section, except the libzmq 2.x names marked "v2".
# Each group becomes one export tag. The hashes are filled in BEGIN so that
# "use constant" can turn them into inlined constant subs at compile time.

my ( %VERSION_C, %SOCKET_TYPES, %OPTIONS, %OPTION_VALUES, %FLAGS, %EVENTS,
    %ERRORS, %CONTEXT, %SECURITY, %DEVICES, %PROTOCOL_ERRORS, %MISC );

BEGIN {
    %VERSION_C = (
        ZMQ_VERSION_MAJOR => 4,
        ZMQ_VERSION_MINOR => 3,
        ZMQ_VERSION_PATCH => 5,
        ZMQ_VERSION       => 40305,    # ZMQ_MAKE_VERSION(4, 3, 5)
    );

    %SOCKET_TYPES = (
        ZMQ_PAIR   => 0,
        ZMQ_PUB    => 1,
        ZMQ_SUB    => 2,
        ZMQ_REQ    => 3,
        ZMQ_REP    => 4,
        ZMQ_DEALER => 5,
        ZMQ_ROUTER => 6,
        ZMQ_PULL   => 7,
        ZMQ_PUSH   => 8,
        ZMQ_XPUB   => 9,
        ZMQ_XSUB   => 10,
        ZMQ_STREAM => 11,

        # Deprecated aliases (XREQ/XREP from 3.x, UPSTREAM/DOWNSTREAM from v2).
        ZMQ_XREQ       => 5,
        ZMQ_XREP       => 6,
        ZMQ_UPSTREAM   => 7,
        ZMQ_DOWNSTREAM => 8,

        # Draft socket types.
        ZMQ_SERVER  => 12,
        ZMQ_CLIENT  => 13,
        ZMQ_RADIO   => 14,
        ZMQ_DISH    => 15,
        ZMQ_GATHER  => 16,
        ZMQ_SCATTER => 17,
        ZMQ_DGRAM   => 18,
        ZMQ_PEER    => 19,
        ZMQ_CHANNEL => 20,
    );

    %OPTIONS = (
        # v2 only.
        ZMQ_HWM               => 1,
        ZMQ_SWAP              => 3,
        ZMQ_MCAST_LOOP        => 10,
        ZMQ_RECOVERY_IVL_MSEC => 20,

        ZMQ_AFFINITY                          => 4,
        ZMQ_ROUTING_ID                        => 5,
        ZMQ_SUBSCRIBE                         => 6,
        ZMQ_UNSUBSCRIBE                       => 7,
        ZMQ_RATE                              => 8,
        ZMQ_RECOVERY_IVL                      => 9,
        ZMQ_SNDBUF                            => 11,
        ZMQ_RCVBUF                            => 12,
        ZMQ_RCVMORE                           => 13,
        ZMQ_FD                                => 14,
        ZMQ_EVENTS                            => 15,
        ZMQ_TYPE                              => 16,
        ZMQ_LINGER                            => 17,
        ZMQ_RECONNECT_IVL                     => 18,
        ZMQ_BACKLOG                           => 19,
        ZMQ_RECONNECT_IVL_MAX                 => 21,
        ZMQ_MAXMSGSIZE                        => 22,
        ZMQ_SNDHWM                            => 23,
        ZMQ_RCVHWM                            => 24,
        ZMQ_MULTICAST_HOPS                    => 25,
        ZMQ_RCVTIMEO                          => 27,
        ZMQ_SNDTIMEO                          => 28,
        ZMQ_LAST_ENDPOINT                     => 32,
        ZMQ_ROUTER_MANDATORY                  => 33,
        ZMQ_TCP_KEEPALIVE                     => 34,
        ZMQ_TCP_KEEPALIVE_CNT                 => 35,
        ZMQ_TCP_KEEPALIVE_IDLE                => 36,
        ZMQ_TCP_KEEPALIVE_INTVL               => 37,
        ZMQ_IMMEDIATE                         => 39,
        ZMQ_XPUB_VERBOSE                      => 40,
        ZMQ_ROUTER_RAW                        => 41,
        ZMQ_IPV6                              => 42,
        ZMQ_MECHANISM                         => 43,
        ZMQ_PLAIN_SERVER                      => 44,
        ZMQ_PLAIN_USERNAME                    => 45,
        ZMQ_PLAIN_PASSWORD                    => 46,
        ZMQ_CURVE_SERVER                      => 47,
        ZMQ_CURVE_PUBLICKEY                   => 48,
        ZMQ_CURVE_SECRETKEY                   => 49,
        ZMQ_CURVE_SERVERKEY                   => 50,
        ZMQ_PROBE_ROUTER                      => 51,
        ZMQ_REQ_CORRELATE                     => 52,
        ZMQ_REQ_RELAXED                       => 53,
        ZMQ_CONFLATE                          => 54,
        ZMQ_ZAP_DOMAIN                        => 55,
        ZMQ_ROUTER_HANDOVER                   => 56,
        ZMQ_TOS                               => 57,
        ZMQ_CONNECT_ROUTING_ID                => 61,
        ZMQ_GSSAPI_SERVER                     => 62,
        ZMQ_GSSAPI_PRINCIPAL                  => 63,
        ZMQ_GSSAPI_SERVICE_PRINCIPAL          => 64,
        ZMQ_GSSAPI_PLAINTEXT                  => 65,
        ZMQ_HANDSHAKE_IVL                     => 66,
        ZMQ_SOCKS_PROXY                       => 68,
        ZMQ_XPUB_NODROP                       => 69,
        ZMQ_BLOCKY                            => 70,
        ZMQ_XPUB_MANUAL                       => 71,
        ZMQ_XPUB_WELCOME_MSG                  => 72,
        ZMQ_STREAM_NOTIFY                     => 73,
        ZMQ_INVERT_MATCHING                   => 74,
        ZMQ_HEARTBEAT_IVL                     => 75,
        ZMQ_HEARTBEAT_TTL                     => 76,
        ZMQ_HEARTBEAT_TIMEOUT                 => 77,
        ZMQ_XPUB_VERBOSER                     => 78,
        ZMQ_CONNECT_TIMEOUT                   => 79,
        ZMQ_TCP_MAXRT                         => 80,
        ZMQ_THREAD_SAFE                       => 81,
        ZMQ_MULTICAST_MAXTPDU                 => 84,
        ZMQ_VMCI_BUFFER_SIZE                  => 85,
        ZMQ_VMCI_BUFFER_MIN_SIZE              => 86,
        ZMQ_VMCI_BUFFER_MAX_SIZE              => 87,
        ZMQ_VMCI_CONNECT_TIMEOUT              => 88,
        ZMQ_USE_FD                            => 89,
        ZMQ_GSSAPI_PRINCIPAL_NAMETYPE         => 90,
        ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => 91,
        ZMQ_BINDTODEVICE                      => 92,

        # Deprecated options and aliases.
        ZMQ_IDENTITY                => 5,     # = ZMQ_ROUTING_ID
        ZMQ_IPV4ONLY                => 31,
        ZMQ_FAIL_UNROUTABLE         => 33,    # = ZMQ_ROUTER_MANDATORY
        ZMQ_ROUTER_BEHAVIOR         => 33,    # = ZMQ_ROUTER_MANDATORY
        ZMQ_TCP_ACCEPT_FILTER       => 38,
        ZMQ_DELAY_ATTACH_ON_CONNECT => 39,    # = ZMQ_IMMEDIATE
        ZMQ_IPC_FILTER_PID          => 58,
        ZMQ_IPC_FILTER_UID          => 59,
        ZMQ_IPC_FILTER_GID          => 60,
        ZMQ_CONNECT_RID             => 61,    # = ZMQ_CONNECT_ROUTING_ID

        # Draft options.
        ZMQ_ZAP_ENFORCE_DOMAIN       => 93,
        ZMQ_LOOPBACK_FASTPATH        => 94,
        ZMQ_METADATA                 => 95,
        ZMQ_MULTICAST_LOOP           => 96,
        ZMQ_ROUTER_NOTIFY            => 97,
        ZMQ_XPUB_MANUAL_LAST_VALUE   => 98,
        ZMQ_SOCKS_USERNAME           => 99,
        ZMQ_SOCKS_PASSWORD           => 100,
        ZMQ_IN_BATCH_SIZE            => 101,
        ZMQ_OUT_BATCH_SIZE           => 102,
        ZMQ_WSS_KEY_PEM              => 103,
        ZMQ_WSS_CERT_PEM             => 104,
        ZMQ_WSS_TRUST_PEM            => 105,
        ZMQ_WSS_HOSTNAME             => 106,
        ZMQ_WSS_TRUST_SYSTEM         => 107,
        ZMQ_ONLY_FIRST_SUBSCRIBE     => 108,
        ZMQ_RECONNECT_STOP           => 109,
        ZMQ_HELLO_MSG                => 110,
        ZMQ_DISCONNECT_MSG           => 111,
        ZMQ_PRIORITY                 => 112,
        ZMQ_BUSY_POLL                => 113,
        ZMQ_HICCUP_MSG               => 114,
        ZMQ_XSUB_VERBOSE_UNSUBSCRIBE => 115,
        ZMQ_TOPICS_COUNT             => 116,
        ZMQ_NORM_MODE                => 117,
        ZMQ_NORM_UNICAST_NACK        => 118,
        ZMQ_NORM_BUFFER_SIZE         => 119,
        ZMQ_NORM_SEGMENT_SIZE        => 120,
        ZMQ_NORM_BLOCK_SIZE          => 121,
        ZMQ_NORM_NUM_PARITY          => 122,
        ZMQ_NORM_NUM_AUTOPARITY      => 123,
        ZMQ_NORM_PUSH                => 124,
    );

    # Values for particular options (draft). Only in :all.
    %OPTION_VALUES = (
        ZMQ_NOTIFY_CONNECT                  => 1,      # ZMQ_ROUTER_NOTIFY
        ZMQ_NOTIFY_DISCONNECT               => 2,
        ZMQ_RECONNECT_STOP_CONN_REFUSED     => 0x1,    # ZMQ_RECONNECT_STOP
        ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED => 0x2,
        ZMQ_RECONNECT_STOP_AFTER_DISCONNECT => 0x4,    # 0x3 in 4.3.4
        ZMQ_NORM_FIXED                      => 0,      # ZMQ_NORM_MODE
        ZMQ_NORM_CC                         => 1,
        ZMQ_NORM_CCL                        => 2,
        ZMQ_NORM_CCE                        => 3,
        ZMQ_NORM_CCE_ECNONLY                => 4,
    );

    %FLAGS = (
        # Send/recv flags.
        ZMQ_DONTWAIT => 1,
        ZMQ_NOBLOCK  => 1,    # = ZMQ_DONTWAIT
        ZMQ_SNDMORE  => 2,

        # Message properties (zmq_msg_get).
        ZMQ_MORE   => 1,
        ZMQ_SRCFD  => 2,      # deprecated
        ZMQ_SHARED => 3,

        # Message property names (zmq_msg_gets, draft).
        ZMQ_MSG_PROPERTY_ROUTING_ID   => 'Routing-Id',
        ZMQ_MSG_PROPERTY_SOCKET_TYPE  => 'Socket-Type',
        ZMQ_MSG_PROPERTY_USER_ID      => 'User-Id',
        ZMQ_MSG_PROPERTY_PEER_ADDRESS => 'Peer-Address',

        # v2 message constants.
        ZMQ_MSG_MORE     => 1,
        ZMQ_MAX_VSM_SIZE => 30,
        ZMQ_DELIMITER    => 31,
        ZMQ_VSM          => 32,
        ZMQ_MSG_SHARED   => 128,
        ZMQ_MSG_MASK     => 129,
    );

    %EVENTS = (
        # zmq_poll.
        ZMQ_POLLIN         => 1,
        ZMQ_POLLOUT        => 2,
        ZMQ_POLLERR        => 4,
        ZMQ_POLLPRI        => 8,
        ZMQ_POLLITEMS_DFLT => 16,

        # zmq_socket_monitor.
        ZMQ_EVENT_CONNECTED                 => 0x0001,
        ZMQ_EVENT_CONNECT_DELAYED           => 0x0002,
        ZMQ_EVENT_CONNECT_RETRIED           => 0x0004,
        ZMQ_EVENT_LISTENING                 => 0x0008,
        ZMQ_EVENT_BIND_FAILED               => 0x0010,
        ZMQ_EVENT_ACCEPTED                  => 0x0020,
        ZMQ_EVENT_ACCEPT_FAILED             => 0x0040,
        ZMQ_EVENT_CLOSED                    => 0x0080,
        ZMQ_EVENT_CLOSE_FAILED              => 0x0100,
        ZMQ_EVENT_DISCONNECTED              => 0x0200,
        ZMQ_EVENT_MONITOR_STOPPED           => 0x0400,
        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL => 0x0800,
        ZMQ_EVENT_HANDSHAKE_SUCCEEDED       => 0x1000,
        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL => 0x2000,
        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH     => 0x4000,
        ZMQ_EVENT_ALL                       => 0xFFFF,

        # Draft monitoring (zmq_socket_monitor_versioned).
        ZMQ_EVENT_PIPES_STATS           => 0x10000,
        ZMQ_EVENT_ALL_V1                => 0xFFFF,
        ZMQ_EVENT_ALL_V2                => 0x1FFFF,
        ZMQ_CURRENT_EVENT_VERSION       => 1,
        ZMQ_CURRENT_EVENT_VERSION_DRAFT => 2,
    );

    %CONTEXT = (
        ZMQ_IO_THREADS                 => 1,
        ZMQ_MAX_SOCKETS                => 2,
        ZMQ_SOCKET_LIMIT               => 3,    # get
        ZMQ_THREAD_PRIORITY            => 3,    # set
        ZMQ_THREAD_SCHED_POLICY        => 4,
        ZMQ_MAX_MSGSZ                  => 5,
        ZMQ_MSG_T_SIZE                 => 6,
        ZMQ_THREAD_AFFINITY_CPU_ADD    => 7,
        ZMQ_THREAD_AFFINITY_CPU_REMOVE => 8,
        ZMQ_THREAD_NAME_PREFIX         => 9,
        ZMQ_ZERO_COPY_RECV             => 10,   # draft

        ZMQ_IO_THREADS_DFLT          => 1,
        ZMQ_MAX_SOCKETS_DFLT         => 1023,
        ZMQ_THREAD_PRIORITY_DFLT     => -1,
        ZMQ_THREAD_SCHED_POLICY_DFLT => -1,

        # ZMQ_IPV6 and ZMQ_BLOCKY are context options too; they are defined
        # with the socket options and added to :context below.
    );

    %SECURITY = (
        ZMQ_NULL   => 0,
        ZMQ_PLAIN  => 1,
        ZMQ_CURVE  => 2,
        ZMQ_GSSAPI => 3,

        # Values for ZMQ_GSSAPI_(SERVICE_)PRINCIPAL_NAMETYPE.
        ZMQ_GSSAPI_NT_HOSTBASED      => 0,
        ZMQ_GSSAPI_NT_USER_NAME      => 1,
        ZMQ_GSSAPI_NT_KRB5_PRINCIPAL => 2,
    );

    %DEVICES = (
        ZMQ_STREAMER  => 1,
        ZMQ_FORWARDER => 2,
        ZMQ_QUEUE     => 3,
    );

    %PROTOCOL_ERRORS = (
        ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED                   => 0x10000000,
        ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND            => 0x10000001,
        ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE              => 0x10000002,
        ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE                  => 0x10000003,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED => 0x10000011,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE     => 0x10000012,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO       => 0x10000013,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE    => 0x10000014,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR       => 0x10000015,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY       => 0x10000016,
        ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME     => 0x10000017,
        ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA              => 0x10000018,
        ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC                 => 0x11000001,
        ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH            => 0x11000002,
        ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED                    => 0x20000000,
        ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY                => 0x20000001,
        ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID                 => 0x20000002,
        ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION                    => 0x20000003,
        ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE            => 0x20000004,
        ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA               => 0x20000005,
        ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED                     => 0x30000000,
    );

    %MISC = (
        ZMQ_HAS_CAPABILITIES => 1,
        ZMQ_GROUP_MAX_LENGTH => 255,    # RADIO/DISH group name limit
    );

    # errno values. libzmq uses the OS's errno.h value where there is one and
    # ZMQ_HAUSNUMERO + N only where the OS lacks the name; we do the same,
    # asking the core Errno module at load time.
    my $hausnumero = 156384712;
    %ERRORS = (
        ZMQ_HAUSNUMERO => $hausnumero,
        EFSM           => $hausnumero + 51,
        ENOCOMPATPROTO => $hausnumero + 52,
        ETERM          => $hausnumero + 53,
        EMTHREAD       => $hausnumero + 54,
    );
    require Errno;
    my @stand_ins = qw(
        ENOTSUP EPROTONOSUPPORT ENOBUFS ENETDOWN EADDRINUSE EADDRNOTAVAIL
        ECONNREFUSED EINPROGRESS ENOTSOCK EMSGSIZE EAFNOSUPPORT ENETUNREACH
        ECONNABORTED ECONNRESET ENOTCONN ETIMEDOUT EHOSTUNREACH ENETRESET
    );
    for my $i ( 0 .. $#stand_ins ) {
        my $native = Errno->can( $stand_ins[$i] );
        $ERRORS{ $stand_ins[$i] } = $native ? $native->() : $hausnumero + $i + 1;
    }

    # ISO C / POSIX names that every OS perl runs on has; the fallbacks are
    # the Linux values (which the Windows CRT shares) and should never be used.
    my %c_errno = ( EAGAIN => 11, EINTR => 4, EINVAL => 22, EFAULT => 14 );
    for my $name ( sort keys %c_errno ) {
        my $native = Errno->can($name);
        $ERRORS{$name} = $native ? $native->() : $c_errno{$name};
    }
}

use constant { %VERSION_C };
use constant { %SOCKET_TYPES };
use constant { %OPTIONS };
use constant { %OPTION_VALUES };
use constant { %FLAGS };
use constant { %EVENTS };
use constant { %CONTEXT };
use constant { %SECURITY };
use constant { %DEVICES };
use constant { %PROTOCOL_ERRORS };
use constant { %MISC };
use constant { %ERRORS };

# Tags list names by value (numbers first, then strings), then by name.
sub _names {
    my ($h) = @_;
    my %str = map { $_ => ( $h->{$_} =~ /\A-?[0-9]+\z/ ? 0 : 1 ) } keys %$h;
    return sort {
        $str{$a} <=> $str{$b}
            or ( $str{$a} ? $h->{$a} cmp $h->{$b} : $h->{$a} <=> $h->{$b} )
            or $a cmp $b
    } keys %$h;
}

my @TAGS = qw(socket_types options flags events errors context security
    devices protocol_errors);

%EXPORT_TAGS = (
    socket_types    => [ _names( \%SOCKET_TYPES ) ],
    options         => [ _names( \%OPTIONS ) ],
    flags           => [ _names( \%FLAGS ) ],
    events          => [ _names( \%EVENTS ) ],
    errors          => [ _names( \%ERRORS ) ],
    context         => [ _names( \%CONTEXT ), 'ZMQ_IPV6', 'ZMQ_BLOCKY' ],
    security        => [ _names( \%SECURITY ) ],
    devices         => [ _names( \%DEVICES ) ],
    protocol_errors => [ _names( \%PROTOCOL_ERRORS ) ],
);
{
    my ( %seen, @all );
    for my $names (
        [ _names( \%VERSION_C ) ],
        ( map { $EXPORT_TAGS{$_} } @TAGS ),
        [ _names( \%OPTION_VALUES ) ],
        [ _names( \%MISC ) ],
        )
    {
        push @all, grep { !$seen{$_}++ } @$names;
    }
    $EXPORT_TAGS{all} = \@all;
}

# @EXPORT_OK lists the constants and nothing else, as ZMQ::Constants' does (its own tests,
# and code that walks the list to call each name, rely on that). The helpers are imported by
# name through _export_to.
@EXPORT_OK = @{ $EXPORT_TAGS{all} };

my %HELPERS = map { $_ => 1 } qw(%SOCKOPT_TYPE sockopt_type socket_type_name
    socket_type_number get_sockopt_type set_sockopt_type);

# ZMQ::Constants' import arguments: its tag names, and version sets (":v3.1.1"), which are
# accepted and ignored (every constant is available).
my %COMPAT_TAGS = (
    socket  => [ @{ $EXPORT_TAGS{socket_types} }, @{ $EXPORT_TAGS{options} },
        qw(ZMQ_DONTWAIT ZMQ_NOBLOCK ZMQ_SNDMORE) ],
    message => [ grep { !/PROPERTY/ } @{ $EXPORT_TAGS{flags} } ],
    poller  => [ grep { /^ZMQ_POLL/ } @{ $EXPORT_TAGS{events} } ],
    device  => $EXPORT_TAGS{devices},
    auth    => $EXPORT_TAGS{security},
);

sub import {
    my ( $class, @args ) = @_;
    _export_to( scalar caller, @args );
}

# Exports @args (names, tags, ZMQ::Constants' tags and version sets) into package $pkg.
sub _export_to {
    my ( $pkg, @args ) = @_;
    my @names;
    for my $arg ( _expand_compat(@args) ) {
        if ( $HELPERS{ $arg =~ s/\A&//r } ) {
            no strict 'refs';
            my $name = $arg =~ s/\A[&%]//r;
            *{"${pkg}::$name"} = $arg =~ /\A%/ ? \%{"ZMQ::Rust::Constants::$name"}
                                               : \&{"ZMQ::Rust::Constants::$name"};
            next;
        }
        push @names, $arg;
    }
    return unless @names;
    local $Exporter::ExportLevel = 0;
    Exporter::export( __PACKAGE__, $pkg, @names );
}

# @args with ZMQ::Constants' version sets dropped and its tags replaced by their names.
sub _expand_compat {
    my @names;
    for my $arg (@_) {
        next if $arg =~ /\A:v\d+\.\d+\.\d+\z/;
        if ( $arg =~ /\A:(\w+)\z/ && !$EXPORT_TAGS{$1} && $COMPAT_TAGS{$1} ) {
            push @names, @{ $COMPAT_TAGS{$1} };
            next;
        }
        push @names, $arg;
    }
    return @names;
}

# Every constant's value by name (the names of the :all tag).
my %VALUE = map { $_ => __PACKAGE__->can($_)->() } @{ $EXPORT_TAGS{all} };

# The names and tags in @args as a list of (constant name, value) pairs, and the rest (other
# exports, and anything Exporter should judge) as a list of names.
sub _split_constants {
    my ( @const, @rest );
    for my $arg ( _expand_compat(@_) ) {
        my @names = $arg =~ /\A:(\w+)\z/ && $EXPORT_TAGS{$1} ? @{ $EXPORT_TAGS{$1} } : ($arg);
        for my $name (@names) {
            if ( exists $VALUE{$name} ) { push @const, [ $name, $VALUE{$name} ] }
            else                        { push @rest, $name }
        }
    }
    return ( \@const, \@rest );
}

# Value type of each socket option, keyed by option number. Anything not
# listed below is a C int.
{
    my %typed = (
        uint64 => [
            ZMQ_HWM, ZMQ_AFFINITY, ZMQ_VMCI_BUFFER_SIZE,
            ZMQ_VMCI_BUFFER_MIN_SIZE, ZMQ_VMCI_BUFFER_MAX_SIZE,
        ],
        int64 => [
            ZMQ_SWAP, ZMQ_MCAST_LOOP, ZMQ_RECOVERY_IVL_MSEC, ZMQ_MAXMSGSIZE,
        ],
        binary => [
            ZMQ_ROUTING_ID,      ZMQ_SUBSCRIBE,       ZMQ_UNSUBSCRIBE,
            ZMQ_CURVE_PUBLICKEY, ZMQ_CURVE_SECRETKEY, ZMQ_CURVE_SERVERKEY,
            ZMQ_CONNECT_ROUTING_ID, ZMQ_XPUB_WELCOME_MSG, ZMQ_HELLO_MSG,
            ZMQ_DISCONNECT_MSG,  ZMQ_HICCUP_MSG,
        ],
        string => [
            ZMQ_LAST_ENDPOINT,     ZMQ_TCP_ACCEPT_FILTER, ZMQ_PLAIN_USERNAME,
            ZMQ_PLAIN_PASSWORD,    ZMQ_ZAP_DOMAIN,        ZMQ_GSSAPI_PRINCIPAL,
            ZMQ_GSSAPI_SERVICE_PRINCIPAL, ZMQ_SOCKS_PROXY, ZMQ_BINDTODEVICE,
            ZMQ_METADATA,          ZMQ_SOCKS_USERNAME,    ZMQ_SOCKS_PASSWORD,
            ZMQ_WSS_KEY_PEM,       ZMQ_WSS_CERT_PEM,      ZMQ_WSS_TRUST_PEM,
            ZMQ_WSS_HOSTNAME,
        ],
    );
    $SOCKOPT_TYPE{$_} = 'int' for values %OPTIONS;
    for my $type ( keys %typed ) {
        $SOCKOPT_TYPE{$_} = $type for @{ $typed{$type} };
    }
}

sub sockopt_type {
    my ($opt) = @_;
    return undef unless defined $opt;
    return $SOCKOPT_TYPE{$opt};
}

# ZMQ::Constants' names: its types are int, int64, uint64 and string (binary options are
# "string" there).
my %SET_TYPE = map { $_ => 1 } qw(int int64 uint64 string binary);

sub get_sockopt_type {
    my $type = sockopt_type(@_);
    return $type && $type eq 'binary' ? 'string' : $type;
}

sub set_sockopt_type {
    my ( $type, @opts ) = @_;
    require Carp;
    Carp::croak("set_sockopt_type: unknown type '@{[ $type // '' ]}' (int, int64, uint64, string, binary)")
        unless defined $type && $SET_TYPE{$type};
    for my $opt (@opts) {
        Carp::croak('set_sockopt_type: options are numbers') unless defined $opt && $opt =~ /\A[0-9]+\z/;
        $SOCKOPT_TYPE{$opt} = $type;
    }
    return;
}

my @SOCKET_TYPE_NAME = qw(
    PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB STREAM
);
my %SOCKET_TYPE_NUMBER = (
    ( map { $SOCKET_TYPE_NAME[$_] => $_ } 0 .. $#SOCKET_TYPE_NAME ),
    XREQ => ZMQ_XREQ, XREP => ZMQ_XREP,
    UPSTREAM => ZMQ_UPSTREAM, DOWNSTREAM => ZMQ_DOWNSTREAM,
);

sub socket_type_name {
    my ($n) = @_;
    return undef unless defined $n && $n =~ /\A[0-9]+\z/;
    return $SOCKET_TYPE_NAME[$n];
}

sub socket_type_number {
    my ($name) = @_;
    return undef unless defined $name;
    $name = uc $name;
    $name =~ s/\AZMQ_//;
    return $SOCKET_TYPE_NUMBER{$name};
}

1;

__END__

=head1 NAME

ZMQ::Rust::Constants - ZeroMQ (libzmq 4.3) constants for ZMQ::Rust

=head1 SYNOPSIS

    use ZMQ::Rust::Constants qw(:socket_types :options :flags);
    use ZMQ::Rust::Constants qw(ZMQ_REQ ZMQ_LINGER ETERM);
    use ZMQ::Rust::Constants ':all';

    use ZMQ::Rust::Constants qw(sockopt_type socket_type_name
                                socket_type_number);
    sockopt_type(ZMQ_ROUTING_ID);   # 'binary'
    socket_type_name(3);            # 'REQ'
    socket_type_number('zmq_req');  # 3

=head1 DESCRIPTION

Pure Perl constants with the numbers of libzmq 4.3.5's F<zmq.h>, including
its draft section and the deprecated and libzmq 2.x names that older Perl code
still uses (C<ZMQ_HWM>, C<ZMQ_NOBLOCK>, C<ZMQ_IDENTITY>, ...). Each constant
is an inlined constant sub. Nothing is exported by default; ask for names or
tags.

C<ZMQ_VERSION_MAJOR>, C<_MINOR>, C<_PATCH> and C<ZMQ_VERSION> (4, 3, 5,
40305) give the libzmq version whose protocol and API ZMQ::Rust follows.

The errno constants (C<EAGAIN>, C<EINVAL>, C<ENOTSUP>, C<EHOSTUNREACH>, ...)
have the operating system's B<native> values, read from L<Errno> when the
module loads, so C<$! == EHOSTUNREACH> works. libzmq's
C<ZMQ_HAUSNUMERO + n> stand-in is used only for a name the OS does not have.
This is unlike L<ZMQ::Constants>, which always exports the stand-ins (the
Windows values). C<EFSM>, C<ENOCOMPATPROTO>, C<ETERM> and C<EMTHREAD> are
ZeroMQ's own codes, 156384763 to 156384766 everywhere.

=head1 EXPORT TAGS

=over 4

=item C<:socket_types>

C<ZMQ_PAIR> .. C<ZMQ_STREAM> (0-11), the aliases C<ZMQ_XREQ>, C<ZMQ_XREP>,
C<ZMQ_UPSTREAM>, C<ZMQ_DOWNSTREAM>, and the draft types C<ZMQ_SERVER> ..
C<ZMQ_CHANNEL> (12-20).

=item C<:options>

Every socket option: current names, deprecated names and aliases
(C<ZMQ_IDENTITY>, C<ZMQ_CONNECT_RID>, C<ZMQ_DELAY_ATTACH_ON_CONNECT>,
C<ZMQ_FAIL_UNROUTABLE>, C<ZMQ_ROUTER_BEHAVIOR>, C<ZMQ_IPV4ONLY>,
C<ZMQ_TCP_ACCEPT_FILTER>, C<ZMQ_IPC_FILTER_*>), the libzmq 2.x options
(C<ZMQ_HWM>, C<ZMQ_SWAP>, C<ZMQ_MCAST_LOOP>, C<ZMQ_RECOVERY_IVL_MSEC>) and the
draft options (C<ZMQ_ZAP_ENFORCE_DOMAIN> 93 .. C<ZMQ_NORM_PUSH> 124).

=item C<:flags>

Send/recv flags (C<ZMQ_DONTWAIT>, C<ZMQ_NOBLOCK>, C<ZMQ_SNDMORE>), message
properties (C<ZMQ_MORE>, C<ZMQ_SRCFD>, C<ZMQ_SHARED>), the draft property
names C<ZMQ_MSG_PROPERTY_*> (strings such as C<'Routing-Id'>), and the
libzmq 2.x message constants (C<ZMQ_MSG_MORE>, C<ZMQ_MAX_VSM_SIZE>,
C<ZMQ_DELIMITER>, C<ZMQ_VSM>, C<ZMQ_MSG_SHARED>, C<ZMQ_MSG_MASK>).

=item C<:events>

Poll events (C<ZMQ_POLLIN>, C<ZMQ_POLLOUT>, C<ZMQ_POLLERR>, C<ZMQ_POLLPRI>,
C<ZMQ_POLLITEMS_DFLT>) and the monitor events C<ZMQ_EVENT_*>, including
C<ZMQ_EVENT_ALL> and the draft C<ZMQ_EVENT_PIPES_STATS>, C<ZMQ_EVENT_ALL_V1>,
C<ZMQ_EVENT_ALL_V2> and C<ZMQ_CURRENT_EVENT_VERSION(_DRAFT)>.

=item C<:errors>

C<ZMQ_HAUSNUMERO>, C<EFSM>, C<ENOCOMPATPROTO>, C<ETERM>, C<EMTHREAD>, the
eighteen errno names libzmq can stand in for (C<ENOTSUP> .. C<ENETRESET>),
and C<EAGAIN>, C<EINTR>, C<EINVAL>, C<EFAULT>. See L</DESCRIPTION> for the
values.

=item C<:context>

Context options and defaults: C<ZMQ_IO_THREADS>, C<ZMQ_MAX_SOCKETS>,
C<ZMQ_SOCKET_LIMIT>, C<ZMQ_THREAD_PRIORITY>, C<ZMQ_THREAD_SCHED_POLICY>,
C<ZMQ_MAX_MSGSZ>, C<ZMQ_MSG_T_SIZE>, C<ZMQ_THREAD_AFFINITY_CPU_ADD>,
C<ZMQ_THREAD_AFFINITY_CPU_REMOVE>, C<ZMQ_THREAD_NAME_PREFIX>, the draft
C<ZMQ_ZERO_COPY_RECV>, C<ZMQ_IPV6> and C<ZMQ_BLOCKY> (also in C<:options>),
and the C<*_DFLT> values.

=item C<:security>

C<ZMQ_NULL>, C<ZMQ_PLAIN>, C<ZMQ_CURVE>, C<ZMQ_GSSAPI>, and the GSSAPI name
types C<ZMQ_GSSAPI_NT_*>.

=item C<:devices>

C<ZMQ_STREAMER>, C<ZMQ_FORWARDER>, C<ZMQ_QUEUE>.

=item C<:protocol_errors>

C<ZMQ_PROTOCOL_ERROR_*>, the values that come with
C<ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL>.

=item C<:all>

Every constant: all of the above, plus the version constants, the values of
particular options (C<ZMQ_NOTIFY_*>, C<ZMQ_RECONNECT_STOP_*>,
C<ZMQ_NORM_FIXED> .. C<ZMQ_NORM_CCE_ECNONLY>), C<ZMQ_HAS_CAPABILITIES> and
C<ZMQ_GROUP_MAX_LENGTH>. It does not include the helpers below.

=back

=head1 HELPERS

None is exported by default; import them by name. They are not in C<@EXPORT_OK>, which
lists the constants only (as ZMQ::Constants' does).

=over 4

=item C<%SOCKOPT_TYPE>, C<sockopt_type($opt)>

The value type of socket option number C<$opt>: C<'int'>, C<'int64'>,
C<'uint64'>, C<'binary'> (arbitrary bytes, e.g. C<ZMQ_ROUTING_ID>,
C<ZMQ_SUBSCRIBE>, the CURVE keys) or C<'string'> (e.g. C<ZMQ_LAST_ENDPOINT>,
C<ZMQ_ZAP_DOMAIN>). C<undef> for an unknown option. The hash is keyed by
option number; an alias has the type of the option it names.

=item C<socket_type_name($n)>

C<'PAIR'>, C<'PUB'>, ... C<'STREAM'> for 0 to 11, C<undef> for anything else
(the draft types included).

=item C<socket_type_number($name)>

The number of a socket type given as C<'REQ'>, C<'req'> or C<'ZMQ_REQ'>
(case-insensitive, C<ZMQ_> prefix optional). Accepts the twelve names
C<socket_type_name> returns and the aliases C<XREQ>, C<XREP>, C<UPSTREAM>
and C<DOWNSTREAM>; C<undef> for anything else.

=back

=head1 ZMQ::Constants COMPATIBILITY

Code written for L<ZMQ::Constants> works with C<s/ZMQ::Constants/ZMQ::Rust::Constants/>.
Its import arguments are understood: the version sets (C<use ZMQ::Rust::Constants ':v3.1.1',
':all'>) are accepted and ignored (every constant is available), and its tags C<:socket>
(socket types, options, C<ZMQ_DONTWAIT>, C<ZMQ_NOBLOCK>, C<ZMQ_SNDMORE>), C<:message> (the
message flags), C<:poller> (C<ZMQ_POLL*>), C<:device> and C<:auth> (C<:security>) work
besides the tags above; the same goes for C<use ZMQ::Rust qw(...)>. Its two functions exist
too (import them by name):

=over 4

=item C<get_sockopt_type($opt)>

The type of option number C<$opt> in ZMQ::Constants' words: C<'int'>, C<'int64'>,
C<'uint64'> or C<'string'> (C<sockopt_type>'s C<'binary'> is C<'string'> there), or undef.
L<ZMQ::Rust::LibZMQ3>'s C<zmq_getsockopt>/C<zmq_setsockopt> use it.

=item C<set_sockopt_type($type =E<gt> @opts)>

Sets the type of the numbered options (C<int>, C<int64>, C<uint64>, C<string> or C<binary>),
as ZMQ::Constants' function does, e.g. for an option this table does not know.

=back

The values differ in one respect: ZMQ::Constants exports the Windows stand-ins for the
POSIX errno names (C<ENOTSOCK> is 156384721 everywhere); here they are the OS's own.

=head1 SEE ALSO

L<ZMQ::Rust>, L<ZMQ::Rust::LibZMQ3>, L<Errno>, L<ZMQ::Constants>

=cut
