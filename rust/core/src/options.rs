//! Socket options: libzmq's numbers, value types and defaults, in one typed table.
//!
//! Values travel as raw bytes, exactly as through `zmq_setsockopt`: an `int` option takes
//! exactly 4 bytes, an `int64`/`uint64` one exactly 8, a bytes option any length its
//! validator accepts. A wrong length, an out-of-range value or an unknown option is EINVAL
//! and changes nothing.

use crate::error::{Error, Result};
use bytes::Bytes;

/// How an option's value is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptType {
    /// C `int` (4 bytes, native order).
    Int,
    /// `int64_t`.
    Int64,
    /// `uint64_t`.
    Uint64,
    /// Arbitrary bytes.
    Binary,
    /// Text; `getsockopt` appends a NUL as libzmq does.
    Str,
}

/// A value read from a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptValue {
    /// An `int` option.
    Int(i32),
    /// An `int64_t` option.
    Int64(i64),
    /// A `uint64_t` option.
    Uint64(u64),
    /// A bytes option.
    Binary(Bytes),
    /// A string option (without the NUL).
    Str(String),
}

impl OptValue {
    /// The value in libzmq's raw encoding (strings get their terminating NUL).
    pub fn to_raw(&self) -> Vec<u8> {
        match self {
            OptValue::Int(v) => v.to_ne_bytes().to_vec(),
            OptValue::Int64(v) => v.to_ne_bytes().to_vec(),
            OptValue::Uint64(v) => v.to_ne_bytes().to_vec(),
            OptValue::Binary(b) => b.to_vec(),
            OptValue::Str(s) => {
                let mut v = s.as_bytes().to_vec();
                v.push(0);
                v
            }
        }
    }
}

/// Option numbers (libzmq 4.3 `zmq.h`).
#[allow(missing_docs)]
pub mod id {
    pub const AFFINITY: i32 = 4;
    pub const ROUTING_ID: i32 = 5;
    pub const SUBSCRIBE: i32 = 6;
    pub const UNSUBSCRIBE: i32 = 7;
    pub const RATE: i32 = 8;
    pub const RECOVERY_IVL: i32 = 9;
    pub const SNDBUF: i32 = 11;
    pub const RCVBUF: i32 = 12;
    pub const RCVMORE: i32 = 13;
    pub const FD: i32 = 14;
    pub const EVENTS: i32 = 15;
    pub const TYPE: i32 = 16;
    pub const LINGER: i32 = 17;
    pub const RECONNECT_IVL: i32 = 18;
    pub const BACKLOG: i32 = 19;
    pub const RECONNECT_IVL_MAX: i32 = 21;
    pub const MAXMSGSIZE: i32 = 22;
    pub const SNDHWM: i32 = 23;
    pub const RCVHWM: i32 = 24;
    pub const MULTICAST_HOPS: i32 = 25;
    pub const RCVTIMEO: i32 = 27;
    pub const SNDTIMEO: i32 = 28;
    pub const IPV4ONLY: i32 = 31;
    pub const LAST_ENDPOINT: i32 = 32;
    pub const ROUTER_MANDATORY: i32 = 33;
    pub const TCP_KEEPALIVE: i32 = 34;
    pub const TCP_KEEPALIVE_CNT: i32 = 35;
    pub const TCP_KEEPALIVE_IDLE: i32 = 36;
    pub const TCP_KEEPALIVE_INTVL: i32 = 37;
    pub const IMMEDIATE: i32 = 39;
    pub const XPUB_VERBOSE: i32 = 40;
    pub const ROUTER_RAW: i32 = 41;
    pub const IPV6: i32 = 42;
    pub const MECHANISM: i32 = 43;
    pub const PLAIN_SERVER: i32 = 44;
    pub const PLAIN_USERNAME: i32 = 45;
    pub const PLAIN_PASSWORD: i32 = 46;
    pub const CURVE_SERVER: i32 = 47;
    pub const CURVE_PUBLICKEY: i32 = 48;
    pub const CURVE_SECRETKEY: i32 = 49;
    pub const CURVE_SERVERKEY: i32 = 50;
    pub const PROBE_ROUTER: i32 = 51;
    pub const REQ_CORRELATE: i32 = 52;
    pub const REQ_RELAXED: i32 = 53;
    pub const CONFLATE: i32 = 54;
    pub const ZAP_DOMAIN: i32 = 55;
    pub const ROUTER_HANDOVER: i32 = 56;
    pub const TOS: i32 = 57;
    pub const CONNECT_ROUTING_ID: i32 = 61;
    pub const GSSAPI_SERVER: i32 = 62;
    pub const GSSAPI_PRINCIPAL: i32 = 63;
    pub const GSSAPI_SERVICE_PRINCIPAL: i32 = 64;
    pub const GSSAPI_PLAINTEXT: i32 = 65;
    pub const HANDSHAKE_IVL: i32 = 66;
    pub const SOCKS_PROXY: i32 = 68;
    pub const XPUB_NODROP: i32 = 69;
    pub const BLOCKY: i32 = 70;
    pub const XPUB_MANUAL: i32 = 71;
    pub const XPUB_WELCOME_MSG: i32 = 72;
    pub const STREAM_NOTIFY: i32 = 73;
    pub const INVERT_MATCHING: i32 = 74;
    pub const HEARTBEAT_IVL: i32 = 75;
    pub const HEARTBEAT_TTL: i32 = 76;
    pub const HEARTBEAT_TIMEOUT: i32 = 77;
    pub const XPUB_VERBOSER: i32 = 78;
    pub const CONNECT_TIMEOUT: i32 = 79;
    pub const TCP_MAXRT: i32 = 80;
    pub const THREAD_SAFE: i32 = 81;
    pub const MULTICAST_MAXTPDU: i32 = 84;
    pub const USE_FD: i32 = 89;
    pub const GSSAPI_PRINCIPAL_NAMETYPE: i32 = 90;
    pub const GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: i32 = 91;
    pub const BINDTODEVICE: i32 = 92;
}

/// ZMQ_MECHANISM's value for NULL, the one mechanism every connection runs.
pub const MECHANISM_NULL: i32 = 0;

/// The failure of setting or reading an option of a security mechanism this engine does not
/// have, or None for any other option.
///
/// A socket told to be a CURVE server must never quietly run NULL instead, so these options
/// are refused rather than stored: CURVE and GSSAPI with EINVAL, as libzmq built without them
/// answers; PLAIN, which libzmq always has, and ZAP_DOMAIN with ENOTSUP.
pub fn unavailable(num: i32) -> Option<Error> {
    let (mech, notsup) = match num {
        id::PLAIN_SERVER | id::PLAIN_USERNAME | id::PLAIN_PASSWORD => ("the PLAIN mechanism", true),
        id::CURVE_SERVER | id::CURVE_PUBLICKEY | id::CURVE_SECRETKEY | id::CURVE_SERVERKEY => {
            ("the CURVE mechanism", false)
        }
        id::GSSAPI_SERVER
        | id::GSSAPI_PRINCIPAL
        | id::GSSAPI_SERVICE_PRINCIPAL
        | id::GSSAPI_PLAINTEXT
        | id::GSSAPI_PRINCIPAL_NAMETYPE
        | id::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE => ("the GSSAPI mechanism", false),
        id::ZAP_DOMAIN => ("ZAP authentication", true),
        _ => return None,
    };
    let why = format!(
        "{mech} is not available in this build (every connection uses NULL; ZMQ_MECHANISM reads 0)"
    );
    Some(if notsup {
        Error::Unsupported(why)
    } else {
        Error::Invalid(why)
    })
}

/// Access of an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Get and set.
    ReadWrite,
    /// Get only.
    ReadOnly,
    /// Set only.
    WriteOnly,
}

/// One row of the option table.
#[derive(Clone, Copy, Debug)]
pub struct OptSpec {
    /// libzmq's number.
    pub num: i32,
    /// libzmq's name without the `ZMQ_` prefix.
    pub name: &'static str,
    /// Value encoding.
    pub ty: OptType,
    /// Whether it can be read, written or both.
    pub access: Access,
}

macro_rules! spec {
    ($name:ident, $ty:ident, $acc:ident) => {
        OptSpec {
            num: id::$name,
            name: stringify!($name),
            ty: OptType::$ty,
            access: Access::$acc,
        }
    };
}

/// Every socket option this engine knows, in libzmq's numbering.
pub static TABLE: &[OptSpec] = &[
    spec!(AFFINITY, Uint64, ReadWrite),
    spec!(ROUTING_ID, Binary, ReadWrite),
    spec!(SUBSCRIBE, Binary, WriteOnly),
    spec!(UNSUBSCRIBE, Binary, WriteOnly),
    spec!(RATE, Int, ReadWrite),
    spec!(RECOVERY_IVL, Int, ReadWrite),
    spec!(SNDBUF, Int, ReadWrite),
    spec!(RCVBUF, Int, ReadWrite),
    spec!(RCVMORE, Int, ReadOnly),
    spec!(FD, Int, ReadOnly),
    spec!(EVENTS, Int, ReadOnly),
    spec!(TYPE, Int, ReadOnly),
    spec!(LINGER, Int, ReadWrite),
    spec!(RECONNECT_IVL, Int, ReadWrite),
    spec!(BACKLOG, Int, ReadWrite),
    spec!(RECONNECT_IVL_MAX, Int, ReadWrite),
    spec!(MAXMSGSIZE, Int64, ReadWrite),
    spec!(SNDHWM, Int, ReadWrite),
    spec!(RCVHWM, Int, ReadWrite),
    spec!(MULTICAST_HOPS, Int, ReadWrite),
    spec!(RCVTIMEO, Int, ReadWrite),
    spec!(SNDTIMEO, Int, ReadWrite),
    spec!(IPV4ONLY, Int, ReadWrite),
    spec!(LAST_ENDPOINT, Str, ReadOnly),
    spec!(ROUTER_MANDATORY, Int, WriteOnly),
    spec!(TCP_KEEPALIVE, Int, ReadWrite),
    spec!(TCP_KEEPALIVE_CNT, Int, ReadWrite),
    spec!(TCP_KEEPALIVE_IDLE, Int, ReadWrite),
    spec!(TCP_KEEPALIVE_INTVL, Int, ReadWrite),
    spec!(IMMEDIATE, Int, ReadWrite),
    spec!(XPUB_VERBOSE, Int, WriteOnly),
    spec!(ROUTER_RAW, Int, WriteOnly),
    spec!(IPV6, Int, ReadWrite),
    spec!(MECHANISM, Int, ReadOnly),
    spec!(PLAIN_SERVER, Int, ReadWrite),
    spec!(PLAIN_USERNAME, Str, ReadWrite),
    spec!(PLAIN_PASSWORD, Str, ReadWrite),
    spec!(CURVE_SERVER, Int, ReadWrite),
    spec!(CURVE_PUBLICKEY, Binary, ReadWrite),
    spec!(CURVE_SECRETKEY, Binary, ReadWrite),
    spec!(CURVE_SERVERKEY, Binary, ReadWrite),
    spec!(PROBE_ROUTER, Int, WriteOnly),
    spec!(REQ_CORRELATE, Int, WriteOnly),
    spec!(REQ_RELAXED, Int, WriteOnly),
    spec!(CONFLATE, Int, ReadWrite),
    spec!(ZAP_DOMAIN, Str, ReadWrite),
    spec!(ROUTER_HANDOVER, Int, WriteOnly),
    spec!(TOS, Int, ReadWrite),
    spec!(CONNECT_ROUTING_ID, Binary, WriteOnly),
    spec!(HANDSHAKE_IVL, Int, ReadWrite),
    spec!(SOCKS_PROXY, Str, ReadWrite),
    spec!(XPUB_NODROP, Int, WriteOnly),
    spec!(XPUB_MANUAL, Int, WriteOnly),
    spec!(XPUB_WELCOME_MSG, Binary, WriteOnly),
    spec!(STREAM_NOTIFY, Int, WriteOnly),
    spec!(INVERT_MATCHING, Int, ReadWrite),
    spec!(HEARTBEAT_IVL, Int, ReadWrite),
    spec!(HEARTBEAT_TTL, Int, ReadWrite),
    spec!(HEARTBEAT_TIMEOUT, Int, ReadWrite),
    spec!(XPUB_VERBOSER, Int, WriteOnly),
    spec!(CONNECT_TIMEOUT, Int, ReadWrite),
    spec!(TCP_MAXRT, Int, ReadWrite),
    spec!(THREAD_SAFE, Int, ReadOnly),
    spec!(MULTICAST_MAXTPDU, Int, ReadWrite),
    spec!(USE_FD, Int, ReadWrite),
    spec!(BINDTODEVICE, Str, ReadWrite),
];

/// The table row for option `num`.
pub fn spec(num: i32) -> Option<&'static OptSpec> {
    TABLE.iter().find(|s| s.num == num)
}

/// Option values of one socket. Fields are the options' libzmq names in lower case.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Options {
    pub affinity: u64,
    pub routing_id: Bytes,
    pub rate: i32,
    pub recovery_ivl: i32,
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub linger: i32,
    pub reconnect_ivl: i32,
    pub backlog: i32,
    pub reconnect_ivl_max: i32,
    pub maxmsgsize: i64,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub multicast_hops: i32,
    pub rcvtimeo: i32,
    pub sndtimeo: i32,
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    pub immediate: bool,
    pub ipv6: bool,
    pub conflate: bool,
    pub tos: i32,
    pub handshake_ivl: i32,
    pub socks_proxy: String,
    pub invert_matching: bool,
    pub heartbeat_ivl: i32,
    pub heartbeat_ttl: i32,
    pub heartbeat_timeout: i32,
    pub connect_timeout: i32,
    pub tcp_maxrt: i32,
    pub multicast_maxtpdu: i32,
    pub use_fd: i32,
    pub bindtodevice: String,
    /// Routing id for the peer of the next connect (CONNECT_ROUTING_ID), consumed by connect.
    pub connect_routing_id: Option<Bytes>,
}

impl Options {
    /// libzmq's defaults. `linger` is the default the context chose for new sockets.
    pub fn new(linger: i32) -> Options {
        Options {
            affinity: 0,
            routing_id: Bytes::new(),
            rate: 100,
            recovery_ivl: 10_000,
            sndbuf: -1,
            rcvbuf: -1,
            linger,
            reconnect_ivl: 100,
            backlog: 100,
            reconnect_ivl_max: 0,
            maxmsgsize: -1,
            sndhwm: 1000,
            rcvhwm: 1000,
            multicast_hops: 1,
            rcvtimeo: -1,
            sndtimeo: -1,
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            immediate: false,
            ipv6: false,
            conflate: false,
            tos: 0,
            handshake_ivl: 30_000,
            socks_proxy: String::new(),
            invert_matching: false,
            heartbeat_ivl: 0,
            heartbeat_ttl: 0,
            heartbeat_timeout: -1,
            connect_timeout: 0,
            tcp_maxrt: 0,
            multicast_maxtpdu: 1500,
            use_fd: -1,
            bindtodevice: String::new(),
            connect_routing_id: None,
        }
    }

    /// Sets a generic (not socket-type-specific) option from its raw encoding.
    /// Returns Ok(false) if `num` is not a generic option, so the caller can try the
    /// socket type's own options.
    pub fn set(&mut self, num: i32, raw: &[u8]) -> Result<bool> {
        if let Some(e) = unavailable(num) {
            return Err(e);
        }
        let spec = match spec(num) {
            Some(s) => s,
            None => return Err(Error::invalid(format!("unknown socket option {num}"))),
        };
        if spec.access == Access::ReadOnly {
            return Err(Error::invalid(format!("option {} is read-only", spec.name)));
        }
        let int = || decode_int(spec, raw);
        let at_least = |min: i32| -> Result<i32> {
            let v = decode_int(spec, raw)?;
            if v < min {
                return Err(Error::invalid(format!(
                    "{} must be >= {min}, got {v}",
                    spec.name
                )));
            }
            Ok(v)
        };
        let boolean = || -> Result<bool> {
            match decode_int(spec, raw)? {
                0 => Ok(false),
                1 => Ok(true),
                v => Err(Error::invalid(format!(
                    "{} must be 0 or 1, got {v}",
                    spec.name
                ))),
            }
        };
        match num {
            id::AFFINITY => self.affinity = decode_u64(spec, raw)?,
            id::ROUTING_ID => {
                if raw.is_empty() || raw.len() > 255 {
                    return Err(Error::invalid(format!(
                        "ROUTING_ID must be 1 to 255 bytes, got {}",
                        raw.len()
                    )));
                }
                self.routing_id = Bytes::copy_from_slice(raw);
            }
            id::RATE => self.rate = at_least(1)?,
            id::RECOVERY_IVL => self.recovery_ivl = at_least(0)?,
            id::SNDBUF => self.sndbuf = at_least(-1)?,
            id::RCVBUF => self.rcvbuf = at_least(-1)?,
            id::LINGER => self.linger = at_least(-1)?,
            id::RECONNECT_IVL => self.reconnect_ivl = at_least(-1)?,
            id::BACKLOG => self.backlog = at_least(0)?,
            id::RECONNECT_IVL_MAX => self.reconnect_ivl_max = at_least(0)?,
            id::MAXMSGSIZE => {
                let v = decode_i64(spec, raw)?;
                if v < -1 {
                    return Err(Error::invalid(format!("MAXMSGSIZE must be >= -1, got {v}")));
                }
                self.maxmsgsize = v;
            }
            id::SNDHWM => self.sndhwm = at_least(0)?,
            id::RCVHWM => self.rcvhwm = at_least(0)?,
            id::MULTICAST_HOPS => self.multicast_hops = at_least(1)?,
            id::RCVTIMEO => self.rcvtimeo = at_least(-1)?,
            id::SNDTIMEO => self.sndtimeo = at_least(-1)?,
            id::IPV4ONLY => self.ipv6 = !boolean()?,
            id::TCP_KEEPALIVE => {
                let v = int()?;
                if !(-1..=1).contains(&v) {
                    return Err(Error::invalid(format!(
                        "TCP_KEEPALIVE must be -1, 0 or 1, got {v}"
                    )));
                }
                self.tcp_keepalive = v;
            }
            id::TCP_KEEPALIVE_CNT => self.tcp_keepalive_cnt = nonzero_or_minus1(spec, raw)?,
            id::TCP_KEEPALIVE_IDLE => self.tcp_keepalive_idle = nonzero_or_minus1(spec, raw)?,
            id::TCP_KEEPALIVE_INTVL => self.tcp_keepalive_intvl = nonzero_or_minus1(spec, raw)?,
            id::IMMEDIATE => self.immediate = boolean()?,
            id::IPV6 => self.ipv6 = boolean()?,
            id::CONFLATE => self.conflate = boolean()?,
            id::TOS => self.tos = at_least(0)?,
            id::CONNECT_ROUTING_ID => {
                if raw.is_empty() || raw.len() > 255 {
                    return Err(Error::invalid(format!(
                        "CONNECT_ROUTING_ID must be 1 to 255 bytes, got {}",
                        raw.len()
                    )));
                }
                self.connect_routing_id = Some(Bytes::copy_from_slice(raw));
            }
            id::HANDSHAKE_IVL => self.handshake_ivl = at_least(0)?,
            id::SOCKS_PROXY => {
                let s = decode_str(spec, raw)?;
                if !s.is_empty() {
                    return Err(only_default(spec, "connecting through a SOCKS proxy", "''"));
                }
                self.socks_proxy = s;
            }
            id::INVERT_MATCHING => self.invert_matching = boolean()?,
            id::HEARTBEAT_IVL => self.heartbeat_ivl = at_least(0)?,
            id::HEARTBEAT_TTL => {
                let v = at_least(0)?;
                if v > 6_553_599 {
                    return Err(Error::invalid(format!(
                        "HEARTBEAT_TTL must be <= 6553599, got {v}"
                    )));
                }
                self.heartbeat_ttl = v;
            }
            id::HEARTBEAT_TIMEOUT => self.heartbeat_timeout = at_least(-1)?,
            id::CONNECT_TIMEOUT => self.connect_timeout = at_least(0)?,
            id::TCP_MAXRT => {
                if at_least(0)? != 0 {
                    return Err(only_default(spec, "a TCP retransmission timeout", "0"));
                }
            }
            id::MULTICAST_MAXTPDU => self.multicast_maxtpdu = at_least(1)?,
            id::USE_FD => {
                if at_least(-1)? != -1 {
                    return Err(only_default(
                        spec,
                        "binding to a given file descriptor",
                        "-1",
                    ));
                }
            }
            id::BINDTODEVICE => {
                let s = decode_str(spec, raw)?;
                if s.len() > 15 {
                    return Err(Error::invalid(
                        "BINDTODEVICE names an interface of at most 15 bytes",
                    ));
                }
                if !s.is_empty() {
                    return Err(only_default(spec, "binding to a network device", "''"));
                }
                self.bindtodevice = s;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Reads a generic option. Returns None for options that the socket itself answers
    /// (RCVMORE, FD, EVENTS, TYPE, LAST_ENDPOINT) or that are write-only.
    pub fn get(&self, num: i32) -> Option<OptValue> {
        use OptValue::*;
        let b = |v: bool| Int(i32::from(v));
        Some(match num {
            id::AFFINITY => Uint64(self.affinity),
            id::ROUTING_ID => Binary(self.routing_id.clone()),
            id::RATE => Int(self.rate),
            id::RECOVERY_IVL => Int(self.recovery_ivl),
            id::SNDBUF => Int(self.sndbuf),
            id::RCVBUF => Int(self.rcvbuf),
            id::LINGER => Int(self.linger),
            id::RECONNECT_IVL => Int(self.reconnect_ivl),
            id::BACKLOG => Int(self.backlog),
            id::RECONNECT_IVL_MAX => Int(self.reconnect_ivl_max),
            id::MAXMSGSIZE => Int64(self.maxmsgsize),
            id::SNDHWM => Int(self.sndhwm),
            id::RCVHWM => Int(self.rcvhwm),
            id::MULTICAST_HOPS => Int(self.multicast_hops),
            id::RCVTIMEO => Int(self.rcvtimeo),
            id::SNDTIMEO => Int(self.sndtimeo),
            id::IPV4ONLY => b(!self.ipv6),
            id::TCP_KEEPALIVE => Int(self.tcp_keepalive),
            id::TCP_KEEPALIVE_CNT => Int(self.tcp_keepalive_cnt),
            id::TCP_KEEPALIVE_IDLE => Int(self.tcp_keepalive_idle),
            id::TCP_KEEPALIVE_INTVL => Int(self.tcp_keepalive_intvl),
            id::IMMEDIATE => b(self.immediate),
            id::IPV6 => b(self.ipv6),
            // Every connection runs the NULL mechanism: the others are refused (see
            // `unavailable`).
            id::MECHANISM => Int(MECHANISM_NULL),
            id::CONFLATE => b(self.conflate),
            id::TOS => Int(self.tos),
            id::HANDSHAKE_IVL => Int(self.handshake_ivl),
            id::SOCKS_PROXY => Str(self.socks_proxy.clone()),
            id::INVERT_MATCHING => b(self.invert_matching),
            id::HEARTBEAT_IVL => Int(self.heartbeat_ivl),
            id::HEARTBEAT_TTL => Int(self.heartbeat_ttl),
            id::HEARTBEAT_TIMEOUT => Int(self.heartbeat_timeout),
            id::CONNECT_TIMEOUT => Int(self.connect_timeout),
            id::TCP_MAXRT => Int(self.tcp_maxrt),
            id::THREAD_SAFE => Int(0),
            id::MULTICAST_MAXTPDU => Int(self.multicast_maxtpdu),
            id::USE_FD => Int(self.use_fd),
            id::BINDTODEVICE => Str(self.bindtodevice.clone()),
            _ => return None,
        })
    }
}

fn wrong_size(spec: &OptSpec, want: &str, got: usize) -> Error {
    Error::invalid(format!(
        "option {} takes {want}, got {got} bytes",
        spec.name
    ))
}

/// Decodes a 4-byte native `int`.
pub fn decode_int(spec: &OptSpec, raw: &[u8]) -> Result<i32> {
    let a: [u8; 4] = raw
        .try_into()
        .map_err(|_| wrong_size(spec, "an int (4 bytes)", raw.len()))?;
    Ok(i32::from_ne_bytes(a))
}

fn decode_i64(spec: &OptSpec, raw: &[u8]) -> Result<i64> {
    let a: [u8; 8] = raw
        .try_into()
        .map_err(|_| wrong_size(spec, "an int64 (8 bytes)", raw.len()))?;
    Ok(i64::from_ne_bytes(a))
}

fn decode_u64(spec: &OptSpec, raw: &[u8]) -> Result<u64> {
    let a: [u8; 8] = raw
        .try_into()
        .map_err(|_| wrong_size(spec, "a uint64 (8 bytes)", raw.len()))?;
    Ok(u64::from_ne_bytes(a))
}

fn decode_str(spec: &OptSpec, raw: &[u8]) -> Result<String> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.len() > 255 {
        return Err(Error::invalid(format!(
            "option {} is at most 255 bytes",
            spec.name
        )));
    }
    String::from_utf8(raw.to_vec())
        .map_err(|_| Error::invalid(format!("option {} must be UTF-8 text", spec.name)))
}

/// The failure of setting an option this engine does not implement to anything but its
/// default: the option is refused, never stored without effect.
fn only_default(spec: &OptSpec, what: &str, default: &str) -> Error {
    Error::Unsupported(format!(
        "{} ({what}) is not implemented in this build; only its default {default} is accepted",
        spec.name
    ))
}

fn nonzero_or_minus1(spec: &OptSpec, raw: &[u8]) -> Result<i32> {
    let v = decode_int(spec, raw)?;
    if v == -1 || v > 0 {
        Ok(v)
    } else {
        Err(Error::invalid(format!(
            "{} must be -1 or > 0, got {v}",
            spec.name
        )))
    }
}

/// Decodes an on/off option that a socket type handles itself (e.g. ROUTER_MANDATORY):
/// like libzmq, any value >= 0 is accepted and non-zero means on.
pub fn decode_flag(num: i32, raw: &[u8]) -> Result<bool> {
    let spec = spec(num).ok_or_else(|| Error::invalid(format!("unknown socket option {num}")))?;
    match decode_int(spec, raw)? {
        v if v < 0 => Err(Error::invalid(format!(
            "{} must be >= 0, got {v}",
            spec.name
        ))),
        v => Ok(v != 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_libzmq() {
        let o = Options::new(-1);
        assert_eq!(o.get(id::SNDHWM), Some(OptValue::Int(1000)));
        assert_eq!(o.get(id::RCVHWM), Some(OptValue::Int(1000)));
        assert_eq!(o.get(id::LINGER), Some(OptValue::Int(-1)));
        assert_eq!(o.get(id::RCVTIMEO), Some(OptValue::Int(-1)));
        assert_eq!(o.get(id::MAXMSGSIZE), Some(OptValue::Int64(-1)));
        assert_eq!(o.get(id::AFFINITY), Some(OptValue::Uint64(0)));
        assert_eq!(o.get(id::RECONNECT_IVL), Some(OptValue::Int(100)));
        assert_eq!(o.get(id::HANDSHAKE_IVL), Some(OptValue::Int(30000)));
        assert_eq!(o.get(id::ROUTING_ID), Some(OptValue::Binary(Bytes::new())));
    }

    #[test]
    fn wrong_type_or_value_is_einval_and_changes_nothing() {
        let mut o = Options::new(-1);
        assert!(matches!(
            o.set(id::SNDHWM, &5i64.to_ne_bytes()),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            o.set(id::SNDHWM, &(-2i32).to_ne_bytes()),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            o.set(id::LINGER, &(-2i32).to_ne_bytes()),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            o.set(id::MAXMSGSIZE, &5i32.to_ne_bytes()),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(o.set(id::ROUTING_ID, b""), Err(Error::Invalid(_))));
        assert!(matches!(
            o.set(id::ROUTING_ID, &[1u8; 256]),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            o.set(9999, &1i32.to_ne_bytes()),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            o.set(id::RCVMORE, &1i32.to_ne_bytes()),
            Err(Error::Invalid(_))
        ));
        assert_eq!(o.sndhwm, 1000);
        assert_eq!(o.linger, -1);
    }

    #[test]
    fn set_then_get() {
        let mut o = Options::new(0);
        o.set(id::SNDHWM, &7i32.to_ne_bytes()).unwrap();
        o.set(id::MAXMSGSIZE, &1234i64.to_ne_bytes()).unwrap();
        o.set(id::AFFINITY, &u64::MAX.to_ne_bytes()).unwrap();
        o.set(id::ROUTING_ID, b"me").unwrap();
        assert_eq!(o.get(id::SNDHWM), Some(OptValue::Int(7)));
        assert_eq!(o.get(id::MAXMSGSIZE), Some(OptValue::Int64(1234)));
        assert_eq!(o.get(id::AFFINITY), Some(OptValue::Uint64(u64::MAX)));
        assert_eq!(
            o.get(id::ROUTING_ID),
            Some(OptValue::Binary(Bytes::from_static(b"me")))
        );
    }

    #[test]
    fn security_options_are_refused_and_mechanism_stays_null() {
        let mut o = Options::new(-1);
        let einval = [
            (id::CURVE_SERVER, 1i32.to_ne_bytes().to_vec()),
            (id::CURVE_PUBLICKEY, vec![7u8; 32]),
            (id::CURVE_SECRETKEY, vec![7u8; 32]),
            (id::CURVE_SERVERKEY, vec![b'a'; 40]),
            (id::GSSAPI_SERVER, 1i32.to_ne_bytes().to_vec()),
            (id::GSSAPI_PRINCIPAL, b"me".to_vec()),
            (id::GSSAPI_SERVICE_PRINCIPAL, b"svc".to_vec()),
            (id::GSSAPI_PLAINTEXT, 1i32.to_ne_bytes().to_vec()),
            (id::GSSAPI_PRINCIPAL_NAMETYPE, 0i32.to_ne_bytes().to_vec()),
            (
                id::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
                0i32.to_ne_bytes().to_vec(),
            ),
        ];
        let enotsup = [
            (id::PLAIN_SERVER, 1i32.to_ne_bytes().to_vec()),
            (id::PLAIN_USERNAME, b"admin".to_vec()),
            (id::PLAIN_PASSWORD, b"secret".to_vec()),
            (id::ZAP_DOMAIN, b"global".to_vec()),
        ];
        for (num, raw) in einval.iter().chain(enotsup.iter()) {
            let want = if enotsup.iter().any(|(n, _)| n == num) {
                libc::ENOTSUP
            } else {
                libc::EINVAL
            };
            let e = o.set(*num, raw).unwrap_err();
            assert_eq!(e.errno(), want, "option {num}");
            assert!(e.to_string().contains("not available in this build"), "{e}");
            assert_eq!(unavailable(*num).map(|e| e.errno()), Some(want));
            assert_eq!(o.get(id::MECHANISM), Some(OptValue::Int(MECHANISM_NULL)));
        }
        assert!(unavailable(id::LINGER).is_none());
    }

    #[test]
    fn unimplemented_options_take_their_default_only() {
        let mut o = Options::new(-1);
        o.set(id::SOCKS_PROXY, b"").unwrap();
        o.set(id::BINDTODEVICE, b"").unwrap();
        o.set(id::TCP_MAXRT, &0i32.to_ne_bytes()).unwrap();
        o.set(id::USE_FD, &(-1i32).to_ne_bytes()).unwrap();
        for (num, raw) in [
            (id::SOCKS_PROXY, b"proxy:1080".to_vec()),
            (id::BINDTODEVICE, b"eth0".to_vec()),
            (id::TCP_MAXRT, 5000i32.to_ne_bytes().to_vec()),
            (id::USE_FD, 3i32.to_ne_bytes().to_vec()),
        ] {
            let e = o.set(num, &raw).unwrap_err();
            assert_eq!(e.errno(), libc::ENOTSUP, "option {num}");
            assert!(e.to_string().contains("not implemented"), "{e}");
        }
        assert_eq!(o.get(id::SOCKS_PROXY), Some(OptValue::Str(String::new())));
        assert_eq!(o.get(id::TCP_MAXRT), Some(OptValue::Int(0)));
        assert_eq!(o.get(id::USE_FD), Some(OptValue::Int(-1)));
        assert_eq!(o.get(id::BINDTODEVICE), Some(OptValue::Str(String::new())));
    }

    #[test]
    fn every_table_entry_is_handled() {
        let o = Options::new(-1);
        for s in TABLE {
            let answered_by_socket = matches!(
                s.num,
                id::RCVMORE | id::FD | id::EVENTS | id::TYPE | id::LAST_ENDPOINT
            );
            if s.access != Access::WriteOnly && !answered_by_socket && unavailable(s.num).is_none()
            {
                assert!(o.get(s.num).is_some(), "{} not readable", s.name);
            }
        }
    }
}
