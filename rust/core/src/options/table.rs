//! The option table: one row per socket option, in libzmq 4.3's numbering, from which
//! `options!` (`declare.rs`) derives everything else. Rows are grouped by where the value
//! lives; numbers follow libzmq's `zmq.h`.
//!
//! Kept options give `NAME = number, access, field: type = default, check, support`; the
//! field's type fixes the encoding (`bool` is an `int` 0 or 1). The others give their
//! encoding, access, role, check, support and their get/set functions.

use super::security::{self, MechanismOptions};
use super::value::{BOOL, FLAG};
use super::Check::*;
use super::Missing::*;
use super::Support::*;
use super::{Field, OptValue};
use bytes::Bytes;

options! {
    connection {
        RECONNECT_IVL = 18, ReadWrite, reconnect_ivl: i32 = 100, AtLeast(-1), Implemented;
        RECONNECT_IVL_MAX = 21, ReadWrite, reconnect_ivl_max: i32 = 0, AtLeast(0), Implemented;
        MAXMSGSIZE = 22, ReadWrite, maxmsgsize: i64 = -1, AtLeast(-1), Implemented;
        SNDHWM = 23, ReadWrite, sndhwm: i32 = 1000, AtLeast(0), Implemented;
        RCVHWM = 24, ReadWrite, rcvhwm: i32 = 1000, AtLeast(0), Implemented;
        ROUTING_ID = 5, ReadWrite, routing_id: Bytes = Bytes::new(), Length(1, 255), Implemented;
        SNDBUF = 11, ReadWrite, sndbuf: i32 = -1, AtLeast(-1), Implemented;
        RCVBUF = 12, ReadWrite, rcvbuf: i32 = -1, AtLeast(-1), Implemented;
        TCP_KEEPALIVE = 34, ReadWrite, tcp_keepalive: i32 = -1, OneOf(&[-1, 0, 1]), Implemented;
        TCP_KEEPALIVE_CNT = 35, ReadWrite, tcp_keepalive_cnt: i32 = -1, PositiveOrMinus1,
            Implemented;
        TCP_KEEPALIVE_IDLE = 36, ReadWrite, tcp_keepalive_idle: i32 = -1, PositiveOrMinus1,
            Implemented;
        TCP_KEEPALIVE_INTVL = 37, ReadWrite, tcp_keepalive_intvl: i32 = -1, PositiveOrMinus1,
            Implemented;
        TOS = 57, ReadWrite, tos: i32 = 0, AtLeast(0), Implemented;
        HANDSHAKE_IVL = 66, ReadWrite, handshake_ivl: i32 = 30_000, AtLeast(0), Implemented;
        HEARTBEAT_IVL = 75, ReadWrite, heartbeat_ivl: i32 = 0, AtLeast(0), Implemented;
        HEARTBEAT_TTL = 76, ReadWrite, heartbeat_ttl: i32 = 0, Range(0, 6_553_599), Implemented;
        HEARTBEAT_TIMEOUT = 77, ReadWrite, heartbeat_timeout: i32 = -1, AtLeast(-1),
            Implemented;
        CONNECT_TIMEOUT = 79, ReadWrite, connect_timeout: i32 = 0, AtLeast(0), Implemented;
        /// The mechanism, its role and the PLAIN credentials; ZMQ_MECHANISM reads the
        /// mechanism, the PLAIN options below set them.
        MECHANISM = 43, ReadOnly, mechanism: MechanismOptions = MechanismOptions::default(),
            Any, Implemented;
        /// The ZAP domain: 1 to 255 bytes, cannot be cleared once set (libzmq: "" is EINVAL).
        ZAP_DOMAIN = 55, ReadWrite, zap_domain: String = String::new(), Length(1, 255),
            Implemented;
        /// Any non-zero value stores 1 (libzmq's relaxed boolean).
        ZAP_ENFORCE_DOMAIN = 93, ReadWrite, zap_enforce_domain: bool = false, Any, Implemented;
    }
    socket {
        AFFINITY = 4, ReadWrite, affinity: u64 = 0, Any, Implemented;
        RATE = 8, ReadWrite, rate: i32 = 100, AtLeast(1), Implemented;
        RECOVERY_IVL = 9, ReadWrite, recovery_ivl: i32 = 10_000, AtLeast(0), Implemented;
        /// The context chooses the default of new sockets ([`Options::new`]).
        LINGER = 17, ReadWrite, linger: i32 = -1, AtLeast(-1), Implemented;
        BACKLOG = 19, ReadWrite, backlog: i32 = 100, AtLeast(0), Implemented;
        MULTICAST_HOPS = 25, ReadWrite, multicast_hops: i32 = 1, AtLeast(1), Implemented;
        RCVTIMEO = 27, ReadWrite, rcvtimeo: i32 = -1, AtLeast(-1), Implemented;
        SNDTIMEO = 28, ReadWrite, sndtimeo: i32 = -1, AtLeast(-1), Implemented;
        IMMEDIATE = 39, ReadWrite, immediate: bool = false, BOOL, Implemented;
        /// IPV4ONLY reads and writes its inverse.
        IPV6 = 42, ReadWrite, ipv6: bool = false, BOOL, Implemented;
        CONFLATE = 54, ReadWrite, conflate: bool = false, BOOL, Implemented;
        /// Routing id for the peer of the next connect, consumed by connect.
        CONNECT_ROUTING_ID = 61, WriteOnly, connect_routing_id: Option<Bytes> = None,
            Length(1, 255), Implemented;
        SOCKS_PROXY = 68, ReadWrite, socks_proxy: String = String::new(), Any,
            DefaultOnly("connecting through a SOCKS proxy");
        INVERT_MATCHING = 74, ReadWrite, invert_matching: bool = false, BOOL, Implemented;
        TCP_MAXRT = 80, ReadWrite, tcp_maxrt: i32 = 0, AtLeast(0),
            DefaultOnly("a TCP retransmission timeout");
        MULTICAST_MAXTPDU = 84, ReadWrite, multicast_maxtpdu: i32 = 1500, AtLeast(1),
            Implemented;
        USE_FD = 89, ReadWrite, use_fd: i32 = -1, AtLeast(-1),
            DefaultOnly("binding to a given file descriptor");
        BINDTODEVICE = 92, ReadWrite, bindtodevice: String = String::new(),
            MaxLen(15, "an interface"), DefaultOnly("binding to a network device");
    }
    other {
        SUBSCRIBE = 6, Binary, WriteOnly, SocketType, Any, Implemented, None, None;
        UNSUBSCRIBE = 7, Binary, WriteOnly, SocketType, Any, Implemented, None, None;
        RCVMORE = 13, Int, ReadOnly, Live, Any, Implemented, None, None;
        FD = 14, Int, ReadOnly, Live, Any, Implemented, None, None;
        EVENTS = 15, Int, ReadOnly, Live, Any, Implemented, None, None;
        TYPE = 16, Int, ReadOnly, Live, Any, Implemented, None, None;
        IPV4ONLY = 31, Int, ReadWrite, View, BOOL, Implemented,
            Some(|o| OptValue::Int(i32::from(!o.ipv6))),
            Some(|o, s, raw| bool::decode(s, raw).map(|v4only| o.ipv6 = !v4only));
        LAST_ENDPOINT = 32, Str, ReadOnly, Live, Any, Implemented, None, None;
        ROUTER_MANDATORY = 33, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        XPUB_VERBOSE = 40, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        ROUTER_RAW = 41, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        PLAIN_SERVER = 44, Int, ReadWrite, Mechanism, BOOL, Implemented,
            Some(security::get_plain_server), Some(security::set_plain_server);
        PLAIN_USERNAME = 45, Str, ReadWrite, Mechanism, Length(1, 255), Implemented,
            Some(security::get_plain_username), Some(security::set_plain_username);
        PLAIN_PASSWORD = 46, Str, ReadWrite, Mechanism, Length(1, 255), Implemented,
            Some(security::get_plain_password), Some(security::set_plain_password);
        CURVE_SERVER = 47, Int, ReadWrite, Mechanism, Any, Unavailable(Curve), None, None;
        CURVE_PUBLICKEY = 48, Binary, ReadWrite, Mechanism, Any, Unavailable(Curve), None, None;
        CURVE_SECRETKEY = 49, Binary, ReadWrite, Mechanism, Any, Unavailable(Curve), None, None;
        CURVE_SERVERKEY = 50, Binary, ReadWrite, Mechanism, Any, Unavailable(Curve), None, None;
        PROBE_ROUTER = 51, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        REQ_CORRELATE = 52, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        REQ_RELAXED = 53, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        ROUTER_HANDOVER = 56, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        GSSAPI_SERVER = 62, Int, ReadWrite, Mechanism, Any, Unavailable(Gssapi), None, None;
        GSSAPI_PRINCIPAL = 63, Str, ReadWrite, Mechanism, Any, Unavailable(Gssapi), None, None;
        GSSAPI_SERVICE_PRINCIPAL = 64, Str, ReadWrite, Mechanism, Any, Unavailable(Gssapi), None,
            None;
        GSSAPI_PLAINTEXT = 65, Int, ReadWrite, Mechanism, Any, Unavailable(Gssapi), None, None;
        XPUB_NODROP = 69, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        XPUB_MANUAL = 71, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        XPUB_WELCOME_MSG = 72, Binary, WriteOnly, SocketType, Any, Implemented, None, None;
        STREAM_NOTIFY = 73, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        XPUB_VERBOSER = 78, Int, WriteOnly, SocketType, FLAG, Implemented, None, None;
        THREAD_SAFE = 81, Int, ReadOnly, Fixed, Any, Implemented, Some(|_| OptValue::Int(0)),
            None;
        GSSAPI_PRINCIPAL_NAMETYPE = 90, Int, ReadWrite, Mechanism, Any, Unavailable(Gssapi), None,
            None;
        GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91, Int, ReadWrite, Mechanism, Any, Unavailable(Gssapi),
            None, None;
    }
}
