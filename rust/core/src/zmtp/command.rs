//! ZMTP commands: the bodies of command frames (flags bit 2 set).
//!
//! A command body is `name_len(1) name(name_len) data`. This module parses received bodies
//! (bounded and strict, never panicking) and builds the bodies we send; the frame header is
//! added by [`super::codec`].

use super::ProtocolError;
use bytes::{BufMut, Bytes, BytesMut};

/// Name of the READY command (NULL handshake, end of PLAIN/CURVE).
pub(crate) const READY: &[u8] = b"READY";
/// Name of the ERROR command.
pub(crate) const ERROR: &[u8] = b"ERROR";
/// Name of the SUBSCRIBE command (3.1).
pub(crate) const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
/// Name of the CANCEL command (3.1).
pub(crate) const CANCEL: &[u8] = b"CANCEL";
/// Name of the PING command (3.1).
pub(crate) const PING: &[u8] = b"PING";
/// Name of the PONG command (3.1).
pub(crate) const PONG: &[u8] = b"PONG";

/// The socket-type property, spelled as libzmq sends (and, case-sensitively, expects) it.
pub(crate) const SOCKET_TYPE: &str = "Socket-Type";
/// The identity (routing id) property, spelled as libzmq sends it.
pub(crate) const IDENTITY: &str = "Identity";

/// Longest PING context echoed in a PONG (RFC 37; libzmq truncates to this).
pub(crate) const MAX_PING_CONTEXT: usize = 16;
/// Longest property value (RFC 37: 2^31-1).
pub(crate) const MAX_PROPERTY_VALUE: usize = 0x7fff_ffff;
/// Longest property or command name.
pub(crate) const MAX_NAME: usize = 255;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// READY with its properties (name, value), in order; duplicates are kept.
    Ready(Vec<(Bytes, Bytes)>),
    /// ERROR with its reason.
    Error(Bytes),
    /// SUBSCRIBE with its topic (the rest of the frame).
    Subscribe(Bytes),
    /// CANCEL with its topic.
    Cancel(Bytes),
    /// PING with its TTL in deciseconds and its context (at most 16 bytes: longer contexts are
    /// truncated, as libzmq does when it echoes them).
    Ping {
        /// Time to live in tenths of a second; 0 = none.
        ttl_ds: u16,
        /// Context to echo in the PONG.
        context: Bytes,
    },
    /// PONG with the echoed context.
    Pong(Bytes),
    /// Any other well-formed command (mechanism commands such as HELLO, JOIN/LEAVE, future
    /// ones), by name. After the handshake libzmq ignores these; so should the engine.
    Unknown(Bytes),
}

impl Command {
    /// The command's name as sent on the wire (for error messages).
    pub(crate) fn name(&self) -> String {
        match self {
            Command::Ready(_) => "READY".into(),
            Command::Error(_) => "ERROR".into(),
            Command::Subscribe(_) => "SUBSCRIBE".into(),
            Command::Cancel(_) => "CANCEL".into(),
            Command::Ping { .. } => "PING".into(),
            Command::Pong(_) => "PONG".into(),
            Command::Unknown(n) => String::from_utf8_lossy(n).into_owned(),
        }
    }
}

/// Parses a command frame body (`name_len name data`).
///
/// Bounded and strict, never panics, and the data it returns are zero-copy slices of `body`:
/// - `name_len` must be 1..=body.len()-1, else [`ProtocolError::MalformedCommand`]; names are
///   compared exactly (case-sensitively), as libzmq does.
/// - READY: properties `name_len(1) name(1..=255) value_len(u32 BE) value`, nothing left over.
///   Lengths running past the end give [`ProtocolError::MalformedReady`]; an empty name or a
///   value length above 2^31-1 gives [`ProtocolError::InvalidMetadata`]. Stray trailing bytes
///   are read as the start of another property and so fail one of these ways.
/// - ERROR: `reason_len(1) reason`; a reason running past the end gives
///   [`ProtocolError::MalformedError`] (bytes after the reason are ignored, as libzmq does).
/// - PING: `ttl(u16 BE) context`; fewer than 2 data bytes is malformed; a context longer than
///   16 bytes is accepted and truncated to 16.
/// - SUBSCRIBE/CANCEL/PONG: the data as is. Anything else: [`Command::Unknown`].
pub(crate) fn parse(body: Bytes) -> Result<Command, ProtocolError> {
    let name_len = name(&body)?.len();
    let data_start = 1 + name_len;
    let data = body.slice(data_start..);
    let name = body.get(1..data_start).unwrap_or_default();
    match name {
        READY => Ok(Command::Ready(parse_properties(&data)?)),
        ERROR => parse_error(&data).map(Command::Error),
        SUBSCRIBE => Ok(Command::Subscribe(data)),
        CANCEL => Ok(Command::Cancel(data)),
        PING => {
            let (Some(&hi), Some(&lo)) = (data.first(), data.get(1)) else {
                return Err(ProtocolError::MalformedCommand("PING shorter than its TTL"));
            };
            let end = data.len().min(2 + MAX_PING_CONTEXT);
            Ok(Command::Ping {
                ttl_ds: u16::from_be_bytes([hi, lo]),
                context: data.slice(2..end),
            })
        }
        PONG => Ok(Command::Pong(data)),
        _ => Ok(Command::Unknown(body.slice(1..data_start))),
    }
}

/// The name of a command body (`name_len name data`): `name_len` must be 1..=body.len()-1,
/// else [`ProtocolError::MalformedCommand`] (the check [`parse`] starts with).
pub(crate) fn name(body: &[u8]) -> Result<&[u8], ProtocolError> {
    let Some(&name_len) = body.first() else {
        return Err(ProtocolError::MalformedCommand("empty command frame"));
    };
    let name_len = usize::from(name_len);
    if name_len == 0 {
        return Err(ProtocolError::MalformedCommand("zero-length command name"));
    }
    body.get(1..1 + name_len)
        .ok_or(ProtocolError::MalformedCommand(
            "command name runs past the end of the frame",
        ))
}

/// Parses an ERROR command's data: `reason_len(1) reason`.
fn parse_error(data: &Bytes) -> Result<Bytes, ProtocolError> {
    let Some(&len) = data.first() else {
        return Err(ProtocolError::MalformedError(
            "ERROR without a reason length",
        ));
    };
    let end = 1 + usize::from(len);
    if data.len() < end {
        return Err(ProtocolError::MalformedError(
            "ERROR reason runs past the end of the frame",
        ));
    }
    Ok(data.slice(1..end))
}

/// Parses a metadata block (READY, and later INITIATE): a sequence of properties
/// `name_len(1) name value_len(u32 BE) value` that must use up `data` exactly.
pub(crate) fn parse_properties(data: &Bytes) -> Result<Vec<(Bytes, Bytes)>, ProtocolError> {
    let mut props = Vec::new();
    let mut pos = 0usize;
    let len = data.len();
    while pos < len {
        let Some(&name_len) = data.get(pos) else {
            break;
        };
        pos += 1;
        let name_len = usize::from(name_len);
        if name_len == 0 {
            return Err(ProtocolError::InvalidMetadata("zero-length property name"));
        }
        if len - pos < name_len {
            return Err(ProtocolError::MalformedReady(
                "property name runs past the end of the command",
            ));
        }
        let name = data.slice(pos..pos + name_len);
        pos += name_len;
        let Some(vlen) = data
            .get(pos..pos + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
        else {
            return Err(ProtocolError::MalformedReady(
                "property value length runs past the end of the command",
            ));
        };
        let vlen = u32::from_be_bytes(vlen);
        pos += 4;
        let vlen = match usize::try_from(vlen) {
            Ok(v) if v <= MAX_PROPERTY_VALUE => v,
            _ => {
                return Err(ProtocolError::InvalidMetadata(
                    "property value longer than 2^31-1 bytes",
                ))
            }
        };
        if len - pos < vlen {
            return Err(ProtocolError::MalformedReady(
                "property value runs past the end of the command",
            ));
        }
        props.push((name, data.slice(pos..pos + vlen)));
        pos += vlen;
    }
    Ok(props)
}

/// Appends one property (`name_len name value_len value`) to `out`.
///
/// Names are cut to 255 bytes and values to 2^31-1 (longer ones are caller bugs).
pub(crate) fn put_property(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    debug_assert!(!name.is_empty() && name.len() <= MAX_NAME);
    debug_assert!(value.len() <= MAX_PROPERTY_VALUE);
    let name = name.get(..name.len().min(MAX_NAME)).unwrap_or_default();
    let value = value
        .get(..value.len().min(MAX_PROPERTY_VALUE))
        .unwrap_or_default();
    out.reserve(1 + name.len() + 4 + value.len());
    out.put_u8(name.len() as u8);
    out.put_slice(name);
    out.put_u32(value.len() as u32);
    out.put_slice(value);
}

/// Starts a command body: `name_len name`, with room for `data_len` more bytes.
fn start(name: &[u8], data_len: usize) -> BytesMut {
    let mut out = BytesMut::with_capacity(1 + name.len() + data_len);
    out.put_u8(name.len() as u8);
    out.put_slice(name);
    out
}

/// A READY body with arbitrary properties, in the given order.
pub(crate) fn ready_with(props: &[(&[u8], &[u8])]) -> Bytes {
    let size = props
        .iter()
        .map(|(n, v)| 5 + n.len() + v.len())
        .sum::<usize>();
    let mut out = start(READY, size);
    for (name, value) in props {
        put_property(&mut out, name, value);
    }
    out.freeze()
}

/// The READY body (name "READY" + properties) for our socket: always `Socket-Type`
/// (`socket_type` is the upper-case name, "DEALER"), then `Identity` only when `identity` is
/// `Some` (libzmq sends it from REQ, DEALER and ROUTER, empty when no identity is set).
pub(crate) fn ready(socket_type: &str, identity: Option<&[u8]>) -> Bytes {
    match identity {
        Some(id) => ready_with(&[
            (SOCKET_TYPE.as_bytes(), socket_type.as_bytes()),
            (IDENTITY.as_bytes(), id),
        ]),
        None => ready_with(&[(SOCKET_TYPE.as_bytes(), socket_type.as_bytes())]),
    }
}

/// An ERROR body with `reason` (cut to 255 bytes).
pub(crate) fn error(reason: &[u8]) -> Bytes {
    let reason = reason.get(..reason.len().min(MAX_NAME)).unwrap_or_default();
    let mut out = start(ERROR, 1 + reason.len());
    out.put_u8(reason.len() as u8);
    out.put_slice(reason);
    out.freeze()
}

/// A PING body: TTL in deciseconds, then `context` (cut to 16 bytes).
pub(crate) fn ping(ttl_ds: u16, context: &[u8]) -> Bytes {
    let context = context
        .get(..context.len().min(MAX_PING_CONTEXT))
        .unwrap_or_default();
    let mut out = start(PING, 2 + context.len());
    out.put_u16(ttl_ds);
    out.put_slice(context);
    out.freeze()
}

/// A PONG body echoing `context` (cut to 16 bytes, as libzmq does).
pub(crate) fn pong(context: &[u8]) -> Bytes {
    let context = context
        .get(..context.len().min(MAX_PING_CONTEXT))
        .unwrap_or_default();
    let mut out = start(PONG, context.len());
    out.put_slice(context);
    out.freeze()
}

/// The first property called `name`, compared case-insensitively (RFC 37; libzmq itself is
/// case-sensitive, so we send the exact spellings and accept any case).
pub(crate) fn property<'a>(props: &'a [(Bytes, Bytes)], name: &str) -> Option<&'a Bytes> {
    props
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &[u8]) -> Bytes {
        Bytes::copy_from_slice(s)
    }

    #[test]
    fn ready_roundtrip() {
        let body = ready("PUB", None);
        assert_eq!(&body[..], b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB");
        let Command::Ready(props) = parse(body).unwrap() else {
            panic!("not READY")
        };
        assert_eq!(props.len(), 1);
        assert_eq!(
            property(&props, "socket-type").map(|v| &v[..]),
            Some(&b"PUB"[..])
        );
        assert_eq!(property(&props, "Identity"), None);
    }

    #[test]
    fn ready_with_metadata() {
        let body = ready_with(&[(b"Socket-Type", b"DEALER"), (b"X-Color", b"blue")]);
        let Command::Ready(props) = parse(body).unwrap() else {
            panic!("not READY")
        };
        assert_eq!(
            property(&props, "x-color").map(|v| &v[..]),
            Some(&b"blue"[..])
        );
        assert_eq!(
            property(&props, "X-COLOR").map(|v| &v[..]),
            Some(&b"blue"[..])
        );
    }

    #[test]
    fn empty_ready_is_fine() {
        assert_eq!(parse(b(b"\x05READY")), Ok(Command::Ready(vec![])));
    }

    #[test]
    fn ready_errors() {
        // value length past the end
        assert!(matches!(
            parse(b(b"\x05READY\x01A\x00\x00\x00\x05abc")),
            Err(ProtocolError::MalformedReady(_))
        ));
        // value length field cut short
        assert!(matches!(
            parse(b(b"\x05READY\x01A\x00\x00")),
            Err(ProtocolError::MalformedReady(_))
        ));
        // name past the end
        assert!(matches!(
            parse(b(b"\x05READY\x09Abc")),
            Err(ProtocolError::MalformedReady(_))
        ));
        // zero-length name
        assert!(matches!(
            parse(b(b"\x05READY\x00\x00\x00\x00\x00")),
            Err(ProtocolError::InvalidMetadata(_))
        ));
        // one trailing byte
        assert!(matches!(
            parse(b(b"\x05READY\x01A\x00\x00\x00\x00\x07")),
            Err(ProtocolError::MalformedReady(_))
        ));
        // trailing NUL
        assert!(matches!(
            parse(b(b"\x05READY\x01A\x00\x00\x00\x00\x00")),
            Err(ProtocolError::InvalidMetadata(_))
        ));
        // value length 2^31
        assert!(matches!(
            parse(b(b"\x05READY\x01A\x80\x00\x00\x00")),
            Err(ProtocolError::InvalidMetadata(_))
        ));
        assert!(matches!(
            parse(b(b"\x05READY\x01A\xff\xff\xff\xff")),
            Err(ProtocolError::InvalidMetadata(_))
        ));
    }

    #[test]
    fn command_name_errors() {
        assert!(matches!(
            parse(Bytes::new()),
            Err(ProtocolError::MalformedCommand(_))
        ));
        assert!(matches!(
            parse(b(b"\x00")),
            Err(ProtocolError::MalformedCommand(_))
        ));
        assert!(matches!(
            parse(b(b"\x05READ")),
            Err(ProtocolError::MalformedCommand(_))
        ));
        assert!(matches!(
            parse(b(b"\xff")),
            Err(ProtocolError::MalformedCommand(_))
        ));
        assert_eq!(parse(b(b"\x05HELLO")), Ok(Command::Unknown(b(b"HELLO"))));
        assert_eq!(parse(b(b"\x04JOINgrp")), Ok(Command::Unknown(b(b"JOIN"))));
        // names are case-sensitive, like libzmq
        assert_eq!(parse(b(b"\x05ready")), Ok(Command::Unknown(b(b"ready"))));
    }

    #[test]
    fn error_command() {
        let body = error(b"400");
        assert_eq!(&body[..], b"\x05ERROR\x03400");
        assert_eq!(parse(body), Ok(Command::Error(b(b"400"))));
        assert_eq!(parse(b(b"\x05ERROR\x00")), Ok(Command::Error(Bytes::new())));
        assert!(matches!(
            parse(b(b"\x05ERROR")),
            Err(ProtocolError::MalformedError(_))
        ));
        assert!(matches!(
            parse(b(b"\x05ERROR\x04400")),
            Err(ProtocolError::MalformedError(_))
        ));
        assert_eq!(&error(&[b'x'; 300])[..7], b"\x05ERROR\xff");
    }

    #[test]
    fn ping_pong() {
        assert_eq!(&ping(20, b"")[..], b"\x04PING\x00\x14");
        assert_eq!(
            parse(ping(0x1234, b"ctx")),
            Ok(Command::Ping {
                ttl_ds: 0x1234,
                context: b(b"ctx")
            })
        );
        assert!(matches!(
            parse(b(b"\x04PING\x00")),
            Err(ProtocolError::MalformedCommand(_))
        ));
        assert!(matches!(
            parse(b(b"\x04PING")),
            Err(ProtocolError::MalformedCommand(_))
        ));
        let mut long = b"\x04PING\x00\x01".to_vec();
        long.extend_from_slice(&[7u8; 40]);
        assert_eq!(
            parse(b(&long)),
            Ok(Command::Ping {
                ttl_ds: 1,
                context: b(&[7u8; 16])
            })
        );
        assert_eq!(&pong(b"")[..], b"\x04PONG");
        assert_eq!(&pong(&[1u8; 20])[5..], &[1u8; 16][..]);
        assert_eq!(parse(pong(b"abc")), Ok(Command::Pong(b(b"abc"))));
        assert_eq!(ping(1, &[2u8; 17]).len(), 5 + 2 + 16);
    }

    fn subscribe(topic: &[u8]) -> Bytes {
        crate::subscription::command(true, topic)
    }

    fn cancel(topic: &[u8]) -> Bytes {
        crate::subscription::command(false, topic)
    }

    #[test]
    fn subscriptions() {
        assert_eq!(&subscribe(b"abc")[..], b"\x09SUBSCRIBEabc");
        assert_eq!(&cancel(b"")[..], b"\x06CANCEL");
        assert_eq!(parse(subscribe(b"")), Ok(Command::Subscribe(Bytes::new())));
        assert_eq!(parse(cancel(b"x")), Ok(Command::Cancel(b(b"x"))));
    }

    #[test]
    fn names() {
        assert_eq!(
            Command::Ping {
                ttl_ds: 0,
                context: Bytes::new()
            }
            .name(),
            "PING"
        );
        assert_eq!(Command::Unknown(b(b"HELLO")).name(), "HELLO");
    }
}
