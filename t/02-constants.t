use strict;
use warnings;

use Test::More;
use Errno ();

# Numbers from libzmq 4.3.5 include/zmq.h; see /work/shared/zmtp-and-semantics.md section 3.

my $PKG = 'ZMQ::Rust::Constants';

require_ok($PKG) or BAIL_OUT("cannot load $PKG");

# Nothing is exported by default.
{
    package Test::NoDefault;
    ZMQ::Rust::Constants->import;
    ::ok( !defined &Test::NoDefault::ZMQ_REQ,      'ZMQ_REQ not exported by default' );
    ::ok( !defined &Test::NoDefault::EAGAIN,       'EAGAIN not exported by default' );
    ::ok( !defined &Test::NoDefault::sockopt_type, 'sockopt_type not exported by default' );
    no strict 'refs';
    my @subs = grep { defined &{"Test::NoDefault::$_"} } keys %Test::NoDefault::;
    ::is_deeply( \@subs, [], 'plain use imports no subs' );
}
is_deeply( \@ZMQ::Rust::Constants::EXPORT, [], '@EXPORT is empty' );

ZMQ::Rust::Constants->import(
    qw(:all sockopt_type socket_type_name socket_type_number %SOCKOPT_TYPE));

our %SOCKOPT_TYPE;

sub check {
    my ( $name, $want ) = @_;
    no strict 'refs';
    my $code = ZMQ::Rust::Constants->can($name);
    ok( $code, "$name is defined" ) or return;
    is( $code->(), $want, "$name == $want" );
    ok( defined &{"main::$name"}, "$name imported by :all" );
}

subtest 'version' => sub {
    check( ZMQ_VERSION_MAJOR => 4 );
    check( ZMQ_VERSION_MINOR => 3 );
    check( ZMQ_VERSION_PATCH => 5 );
    check( ZMQ_VERSION       => 40305 );
};

subtest 'socket types' => sub {
    my %t = (
        ZMQ_PAIR => 0,   ZMQ_PUB  => 1,   ZMQ_SUB     => 2,  ZMQ_REQ     => 3,
        ZMQ_REP  => 4,   ZMQ_DEALER => 5, ZMQ_ROUTER  => 6,  ZMQ_PULL    => 7,
        ZMQ_PUSH => 8,   ZMQ_XPUB => 9,   ZMQ_XSUB    => 10, ZMQ_STREAM  => 11,
        ZMQ_XREQ => 5,   ZMQ_XREP => 6,   ZMQ_UPSTREAM => 7, ZMQ_DOWNSTREAM => 8,
        ZMQ_SERVER => 12, ZMQ_CLIENT => 13, ZMQ_RADIO => 14, ZMQ_DISH => 15,
        ZMQ_GATHER => 16, ZMQ_SCATTER => 17, ZMQ_DGRAM => 18, ZMQ_PEER => 19,
        ZMQ_CHANNEL => 20,
    );
    check( $_ => $t{$_} ) for sort keys %t;
    is_deeply( [ sort @{ $ZMQ::Rust::Constants::EXPORT_TAGS{socket_types} } ],
        [ sort keys %t ], ':socket_types is exactly these' );
};

subtest 'socket options' => sub {
    my %o = (
        ZMQ_HWM => 1, ZMQ_SWAP => 3, ZMQ_MCAST_LOOP => 10, ZMQ_RECOVERY_IVL_MSEC => 20,
        ZMQ_AFFINITY => 4, ZMQ_ROUTING_ID => 5, ZMQ_IDENTITY => 5,
        ZMQ_SUBSCRIBE => 6, ZMQ_UNSUBSCRIBE => 7, ZMQ_RATE => 8,
        ZMQ_RECOVERY_IVL => 9, ZMQ_SNDBUF => 11, ZMQ_RCVBUF => 12,
        ZMQ_RCVMORE => 13, ZMQ_FD => 14, ZMQ_EVENTS => 15, ZMQ_TYPE => 16,
        ZMQ_LINGER => 17, ZMQ_RECONNECT_IVL => 18, ZMQ_BACKLOG => 19,
        ZMQ_RECONNECT_IVL_MAX => 21, ZMQ_MAXMSGSIZE => 22, ZMQ_SNDHWM => 23,
        ZMQ_RCVHWM => 24, ZMQ_MULTICAST_HOPS => 25, ZMQ_RCVTIMEO => 27,
        ZMQ_SNDTIMEO => 28, ZMQ_IPV4ONLY => 31, ZMQ_LAST_ENDPOINT => 32,
        ZMQ_ROUTER_MANDATORY => 33, ZMQ_FAIL_UNROUTABLE => 33,
        ZMQ_ROUTER_BEHAVIOR => 33, ZMQ_TCP_KEEPALIVE => 34,
        ZMQ_TCP_KEEPALIVE_CNT => 35, ZMQ_TCP_KEEPALIVE_IDLE => 36,
        ZMQ_TCP_KEEPALIVE_INTVL => 37, ZMQ_TCP_ACCEPT_FILTER => 38,
        ZMQ_IMMEDIATE => 39, ZMQ_DELAY_ATTACH_ON_CONNECT => 39,
        ZMQ_XPUB_VERBOSE => 40, ZMQ_ROUTER_RAW => 41, ZMQ_IPV6 => 42,
        ZMQ_MECHANISM => 43, ZMQ_PLAIN_SERVER => 44, ZMQ_PLAIN_USERNAME => 45,
        ZMQ_PLAIN_PASSWORD => 46, ZMQ_CURVE_SERVER => 47,
        ZMQ_CURVE_PUBLICKEY => 48, ZMQ_CURVE_SECRETKEY => 49,
        ZMQ_CURVE_SERVERKEY => 50, ZMQ_PROBE_ROUTER => 51,
        ZMQ_REQ_CORRELATE => 52, ZMQ_REQ_RELAXED => 53, ZMQ_CONFLATE => 54,
        ZMQ_ZAP_DOMAIN => 55, ZMQ_ROUTER_HANDOVER => 56, ZMQ_TOS => 57,
        ZMQ_IPC_FILTER_PID => 58, ZMQ_IPC_FILTER_UID => 59,
        ZMQ_IPC_FILTER_GID => 60, ZMQ_CONNECT_ROUTING_ID => 61,
        ZMQ_CONNECT_RID => 61, ZMQ_GSSAPI_SERVER => 62,
        ZMQ_GSSAPI_PRINCIPAL => 63, ZMQ_GSSAPI_SERVICE_PRINCIPAL => 64,
        ZMQ_GSSAPI_PLAINTEXT => 65, ZMQ_HANDSHAKE_IVL => 66,
        ZMQ_SOCKS_PROXY => 68, ZMQ_XPUB_NODROP => 69, ZMQ_BLOCKY => 70,
        ZMQ_XPUB_MANUAL => 71, ZMQ_XPUB_WELCOME_MSG => 72,
        ZMQ_STREAM_NOTIFY => 73, ZMQ_INVERT_MATCHING => 74,
        ZMQ_HEARTBEAT_IVL => 75, ZMQ_HEARTBEAT_TTL => 76,
        ZMQ_HEARTBEAT_TIMEOUT => 77, ZMQ_XPUB_VERBOSER => 78,
        ZMQ_CONNECT_TIMEOUT => 79, ZMQ_TCP_MAXRT => 80, ZMQ_THREAD_SAFE => 81,
        ZMQ_MULTICAST_MAXTPDU => 84, ZMQ_VMCI_BUFFER_SIZE => 85,
        ZMQ_VMCI_BUFFER_MIN_SIZE => 86, ZMQ_VMCI_BUFFER_MAX_SIZE => 87,
        ZMQ_VMCI_CONNECT_TIMEOUT => 88, ZMQ_USE_FD => 89,
        ZMQ_GSSAPI_PRINCIPAL_NAMETYPE => 90,
        ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => 91, ZMQ_BINDTODEVICE => 92,
        ZMQ_ZAP_ENFORCE_DOMAIN => 93, ZMQ_METADATA => 95,
        ZMQ_MULTICAST_LOOP => 96, ZMQ_ROUTER_NOTIFY => 97,
        ZMQ_IN_BATCH_SIZE => 101, ZMQ_OUT_BATCH_SIZE => 102,
        ZMQ_ONLY_FIRST_SUBSCRIBE => 108, ZMQ_RECONNECT_STOP => 109,
        ZMQ_TOPICS_COUNT => 116, ZMQ_NORM_PUSH => 124,
    );
    check( $_ => $o{$_} ) for sort keys %o;
    my %in_tag = map { $_ => 1 } @{ $ZMQ::Rust::Constants::EXPORT_TAGS{options} };
    ok( $in_tag{$_}, "$_ in :options" ) for sort keys %o;
};

subtest 'flags and message properties' => sub {
    check( ZMQ_DONTWAIT => 1 );
    check( ZMQ_NOBLOCK  => 1 );
    check( ZMQ_SNDMORE  => 2 );
    check( ZMQ_MORE     => 1 );
    check( ZMQ_SRCFD    => 2 );
    check( ZMQ_SHARED   => 3 );
    check( ZMQ_MSG_MORE     => 1 );
    check( ZMQ_MAX_VSM_SIZE => 30 );
    check( ZMQ_DELIMITER    => 31 );
    check( ZMQ_VSM          => 32 );
    check( ZMQ_MSG_SHARED   => 128 );
    check( ZMQ_MSG_MASK     => 129 );
    check( ZMQ_MSG_PROPERTY_ROUTING_ID => 'Routing-Id' );
};

subtest 'poll and monitor events' => sub {
    my %e = (
        ZMQ_POLLIN => 1, ZMQ_POLLOUT => 2, ZMQ_POLLERR => 4, ZMQ_POLLPRI => 8,
        ZMQ_POLLITEMS_DFLT => 16,
        ZMQ_EVENT_CONNECTED                  => 0x0001,
        ZMQ_EVENT_CONNECT_DELAYED            => 0x0002,
        ZMQ_EVENT_CONNECT_RETRIED            => 0x0004,
        ZMQ_EVENT_LISTENING                  => 0x0008,
        ZMQ_EVENT_BIND_FAILED                => 0x0010,
        ZMQ_EVENT_ACCEPTED                   => 0x0020,
        ZMQ_EVENT_ACCEPT_FAILED              => 0x0040,
        ZMQ_EVENT_CLOSED                     => 0x0080,
        ZMQ_EVENT_CLOSE_FAILED               => 0x0100,
        ZMQ_EVENT_DISCONNECTED               => 0x0200,
        ZMQ_EVENT_MONITOR_STOPPED            => 0x0400,
        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL => 0x0800,
        ZMQ_EVENT_HANDSHAKE_SUCCEEDED        => 0x1000,
        ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL  => 0x2000,
        ZMQ_EVENT_HANDSHAKE_FAILED_AUTH      => 0x4000,
        ZMQ_EVENT_ALL                        => 0xFFFF,
        ZMQ_EVENT_PIPES_STATS                => 0x10000,
    );
    check( $_ => $e{$_} ) for sort keys %e;

    my @ev = grep { /\AZMQ_EVENT_/ } @{ $ZMQ::Rust::Constants::EXPORT_TAGS{events} };
    my $or = 0;
    $or |= ZMQ::Rust::Constants->can($_)->()
        for grep { !/_ALL|PIPES_STATS/ } @ev;
    is( $or, ZMQ_EVENT_ALL() & 0x7FFF, 'the fifteen events are distinct bits' );
};

subtest 'context, security, devices' => sub {
    my %c = (
        ZMQ_IO_THREADS => 1, ZMQ_MAX_SOCKETS => 2, ZMQ_SOCKET_LIMIT => 3,
        ZMQ_THREAD_PRIORITY => 3, ZMQ_THREAD_SCHED_POLICY => 4,
        ZMQ_MAX_MSGSZ => 5, ZMQ_MSG_T_SIZE => 6,
        ZMQ_THREAD_AFFINITY_CPU_ADD => 7, ZMQ_THREAD_AFFINITY_CPU_REMOVE => 8,
        ZMQ_THREAD_NAME_PREFIX => 9, ZMQ_IPV6 => 42, ZMQ_BLOCKY => 70,
        ZMQ_IO_THREADS_DFLT => 1, ZMQ_MAX_SOCKETS_DFLT => 1023,
        ZMQ_THREAD_PRIORITY_DFLT => -1, ZMQ_THREAD_SCHED_POLICY_DFLT => -1,
    );
    check( $_ => $c{$_} ) for sort keys %c;
    my %in_tag = map { $_ => 1 } @{ $ZMQ::Rust::Constants::EXPORT_TAGS{context} };
    ok( $in_tag{$_}, "$_ in :context" ) for sort keys %c;

    check( ZMQ_NULL   => 0 );
    check( ZMQ_PLAIN  => 1 );
    check( ZMQ_CURVE  => 2 );
    check( ZMQ_GSSAPI => 3 );
    check( ZMQ_STREAMER  => 1 );
    check( ZMQ_FORWARDER => 2 );
    check( ZMQ_QUEUE     => 3 );
};

subtest 'protocol errors' => sub {
    check( ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED        => 0x10000000 );
    check( ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND => 0x10000001 );
    check( ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED => 0x10000011 );
    check( ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA   => 0x10000018 );
    check( ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH => 0x11000002 );
    check( ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED         => 0x20000000 );
    check( ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA    => 0x20000005 );
    check( ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED          => 0x30000000 );
};

subtest 'errors' => sub {
    check( ZMQ_HAUSNUMERO => 156384712 );
    check( EFSM           => 156384763 );
    check( ENOCOMPATPROTO => 156384764 );
    check( ETERM          => 156384765 );
    check( EMTHREAD       => 156384766 );

    for my $name (qw(EAGAIN EINTR EINVAL EFAULT ENOTSUP EHOSTUNREACH
        EADDRINUSE EPROTONOSUPPORT))
    {
        my $errno = Errno->can($name);
        SKIP: {
            skip "Errno has no $name", 1 unless $errno;
            check( $name => $errno->() );
        }
    }

    # Every stand-in is the native value, or libzmq's HAUSNUMERO + n.
    my @order = qw(ENOTSUP EPROTONOSUPPORT ENOBUFS ENETDOWN EADDRINUSE
        EADDRNOTAVAIL ECONNREFUSED EINPROGRESS ENOTSOCK EMSGSIZE EAFNOSUPPORT
        ENETUNREACH ECONNABORTED ECONNRESET ENOTCONN ETIMEDOUT EHOSTUNREACH
        ENETRESET);
    for my $i ( 0 .. $#order ) {
        my $errno = Errno->can( $order[$i] );
        check( $order[$i] => $errno ? $errno->() : 156384712 + $i + 1 );
    }
    is( scalar @{ $ZMQ::Rust::Constants::EXPORT_TAGS{errors} }, 27, ':errors has 27 names' );
};

subtest 'tags' => sub {
    my %tags = %ZMQ::Rust::Constants::EXPORT_TAGS;
    my @want = qw(all socket_types options flags events errors context security
        devices protocol_errors);
    is_deeply( [ sort keys %tags ], [ sort @want ], 'the expected tags' );

    my @all = @{ $tags{all} };
    my %count;
    $count{$_}++ for @all;
    is_deeply( [ grep { $count{$_} > 1 } sort keys %count ], [], ':all has no duplicates' );

    for my $tag ( sort keys %tags ) {
        my $pkg = "Test::Tag::$tag";
        eval "package $pkg; ZMQ::Rust::Constants->import(':$tag'); 1"
            or fail(":$tag imports: $@");
        no strict 'refs';
        my @missing = grep { !defined &{"${pkg}::$_"} } @{ $tags{$tag} };
        is_deeply( \@missing, [], ":$tag imports all its names" );
        my @not_in_all = grep { !$count{$_} } @{ $tags{$tag} };
        is_deeply( \@not_in_all, [], "every name in :$tag is in :all" );
        ok( scalar @{ $tags{$tag} }, ":$tag is not empty" );
    }

    # Every constant the package defines is in :all.
    my %helper = map { $_ => 1 } qw(import sockopt_type socket_type_name
        socket_type_number _names BEGIN get_sockopt_type set_sockopt_type _export_to
        _expand_compat _split_constants);
    no strict 'refs';
    my @defined = grep {
        !$helper{$_} && defined &{"ZMQ::Rust::Constants::$_"}
    } keys %ZMQ::Rust::Constants::;
    my @orphans = grep { !$count{$_} } sort @defined;
    is_deeply( \@orphans, [], 'every constant is in :all' );
    cmp_ok( scalar @all, '>=', 250, 'at least 250 constants' );

    ok( !grep( { $_ eq 'sockopt_type' } @all ), 'helpers are not in :all' );

    # As ZMQ::Constants (its t/000_basic.t): :all imports everything @EXPORT_OK lists, so
    # the helpers, imported by name, are not in it.
    is_deeply( [ sort @ZMQ::Rust::Constants::EXPORT_OK ], [ sort @all ], '@EXPORT_OK is :all' );
};

subtest 'sockopt_type' => sub {
    is( sockopt_type( ZMQ_LINGER() ),             'int',    'LINGER int' );
    is( sockopt_type( ZMQ_FD() ),                 'int',    'FD int' );
    is( sockopt_type( ZMQ_RCVMORE() ),            'int',    'RCVMORE int' );
    is( sockopt_type( ZMQ_SNDHWM() ),             'int',    'SNDHWM int' );
    is( sockopt_type( ZMQ_ROUTER_NOTIFY() ),      'int',    'ROUTER_NOTIFY int' );
    is( sockopt_type( ZMQ_MAXMSGSIZE() ),         'int64',  'MAXMSGSIZE int64' );
    is( sockopt_type( ZMQ_RECOVERY_IVL_MSEC() ),  'int64',  'RECOVERY_IVL_MSEC int64' );
    is( sockopt_type( ZMQ_SWAP() ),               'int64',  'SWAP int64' );
    is( sockopt_type( ZMQ_AFFINITY() ),           'uint64', 'AFFINITY uint64' );
    is( sockopt_type( ZMQ_HWM() ),                'uint64', 'HWM uint64' );
    is( sockopt_type( ZMQ_VMCI_BUFFER_SIZE() ),   'uint64', 'VMCI_BUFFER_SIZE uint64' );
    is( sockopt_type( ZMQ_IDENTITY() ),           'binary', 'IDENTITY binary' );
    is( sockopt_type( ZMQ_ROUTING_ID() ),         'binary', 'ROUTING_ID binary' );
    is( sockopt_type( ZMQ_SUBSCRIBE() ),          'binary', 'SUBSCRIBE binary' );
    is( sockopt_type( ZMQ_UNSUBSCRIBE() ),        'binary', 'UNSUBSCRIBE binary' );
    is( sockopt_type( ZMQ_CONNECT_RID() ),        'binary', 'CONNECT_RID binary' );
    is( sockopt_type( ZMQ_XPUB_WELCOME_MSG() ),   'binary', 'XPUB_WELCOME_MSG binary' );
    is( sockopt_type( ZMQ_CURVE_SERVERKEY() ),    'binary', 'CURVE_SERVERKEY binary' );
    is( sockopt_type( ZMQ_LAST_ENDPOINT() ),      'string', 'LAST_ENDPOINT string' );
    is( sockopt_type( ZMQ_PLAIN_PASSWORD() ),     'string', 'PLAIN_PASSWORD string' );
    is( sockopt_type( ZMQ_ZAP_DOMAIN() ),         'string', 'ZAP_DOMAIN string' );
    is( sockopt_type( ZMQ_SOCKS_PROXY() ),        'string', 'SOCKS_PROXY string' );
    is( sockopt_type( ZMQ_BINDTODEVICE() ),       'string', 'BINDTODEVICE string' );
    is( sockopt_type( ZMQ_GSSAPI_PRINCIPAL() ),   'string', 'GSSAPI_PRINCIPAL string' );
    is( sockopt_type(9999),  undef, 'unknown option 9999 is undef' );
    is( sockopt_type(26),    undef, 'unused number 26 is undef' );
    is( sockopt_type(undef), undef, 'undef is undef' );
    is( $SOCKOPT_TYPE{ ZMQ_MAXMSGSIZE() }, 'int64', '%SOCKOPT_TYPE imported' );

    my %valid = map { $_ => 1 } qw(int int64 uint64 binary string);
    my @bad;
    for my $name ( @{ $ZMQ::Rust::Constants::EXPORT_TAGS{options} } ) {
        my $t = sockopt_type( ZMQ::Rust::Constants->can($name)->() );
        push @bad, $name unless defined $t && $valid{$t};
    }
    is_deeply( \@bad, [], 'every option in :options has a valid type' );
};

subtest 'socket type names' => sub {
    my @names = qw(PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB STREAM);
    for my $n ( 0 .. $#names ) {
        is( socket_type_name($n), $names[$n], "socket_type_name($n)" );
        is( socket_type_number( $names[$n] ), $n, "socket_type_number($names[$n])" );
        is( socket_type_number( lc $names[$n] ), $n, 'lower case' );
        is( socket_type_number("ZMQ_$names[$n]"), $n, 'ZMQ_ prefix' );
        is( socket_type_number( socket_type_name($n) ), $n, "round trip $n" );
        my $const = ZMQ::Rust::Constants->can("ZMQ_$names[$n]")->();
        is( $const, $n, "ZMQ_$names[$n] agrees" );
    }
    is( socket_type_number('zmq_xreq'),   5, 'XREQ alias' );
    is( socket_type_number('XREP'),       6, 'XREP alias' );
    is( socket_type_number('Upstream'),   7, 'UPSTREAM alias' );
    is( socket_type_number('DOWNSTREAM'), 8, 'DOWNSTREAM alias' );
    is( socket_type_name(12),      undef, 'draft type 12 has no name' );
    is( socket_type_name(-1),      undef, '-1 has no name' );
    is( socket_type_name('REQ'),   undef, 'non-number has no name' );
    is( socket_type_name(undef),   undef, 'undef has no name' );
    is( socket_type_number('BOGUS'), undef, 'unknown name' );
    is( socket_type_number(''),      undef, 'empty name' );
    is( socket_type_number(undef),   undef, 'undef name' );
};

done_testing;
