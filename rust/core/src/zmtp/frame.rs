//! ZMTP 3.x frames: their layout and the encoders.
//!
//! A frame is `flags(1) size(1 | 8, big-endian) body(size)`; flags bit 0 is MORE, bit 1 LONG
//! (8-byte size), bit 2 COMMAND. The framing is the same in ZMTP 3.0 and 3.1. The decoder that
//! cuts received bytes into frames is [`super::codec::Decoder`].

use crate::msg::Message;
use crate::subscription;
use bytes::{BufMut, Bytes, BytesMut};

/// Flags bit 0: more frames of this message follow.
pub(crate) const FLAG_MORE: u8 = 0x01;
/// Flags bit 1: the size is 8 bytes.
pub(crate) const FLAG_LONG: u8 = 0x02;
/// Flags bit 2: a command frame.
pub(crate) const FLAG_COMMAND: u8 = 0x04;
/// Longest frame header (flags + 8-byte size).
pub(crate) const MAX_HEADER_LEN: usize = 9;

/// A received frame as it was on the wire: a message frame or the unparsed body of a command.
///
/// The handshake reads frames this way (a security mechanism parses its own commands), and so
/// does a mechanism that wraps every frame after the handshake (CURVE's MESSAGE commands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawFrame {
    /// The body (for a command: `name_len name data`).
    pub(crate) data: Bytes,
    /// MORE flag.
    pub(crate) more: bool,
    /// COMMAND flag.
    pub(crate) command: bool,
}

/// Length of the header [`frame_header`] writes for a body of `len` bytes.
pub(crate) fn header_len(len: usize) -> usize {
    if len > 255 {
        MAX_HEADER_LEN
    } else {
        2
    }
}

/// Appends a frame header: flags (MORE, COMMAND, and LONG only when `len` > 255) and the 1- or
/// 8-byte size.
pub(crate) fn frame_header(out: &mut BytesMut, len: usize, more: bool, command: bool) {
    let mut flags = 0u8;
    if more {
        flags |= FLAG_MORE;
    }
    if command {
        flags |= FLAG_COMMAND;
    }
    out.reserve(header_len(len));
    match u8::try_from(len) {
        Ok(short) => {
            out.put_u8(flags);
            out.put_u8(short);
        }
        Err(_) => {
            out.put_u8(flags | FLAG_LONG);
            out.put_u64(len as u64);
        }
    }
}

/// Appends a whole frame, copying the body.
pub(crate) fn encode_frame(out: &mut BytesMut, body: &[u8], more: bool, command: bool) {
    out.reserve(header_len(body.len()) + body.len());
    frame_header(out, body.len(), more, command);
    out.put_slice(body);
}

/// Appends a command frame whose body is `body` (from [`command::ready`], [`command::ping`],
/// ...).
pub(crate) fn encode_command(out: &mut BytesMut, body: &[u8]) {
    encode_frame(out, body, false, true);
}

/// Appends all frames of `msg`, MORE set on all but the last.
pub(crate) fn encode_message(out: &mut BytesMut, msg: &Message) {
    match msg {
        Message::One(b) => encode_frame(out, b, false, false),
        Message::Many(parts) => {
            let last = parts.len().saturating_sub(1);
            for (i, b) in parts.iter().enumerate() {
                encode_frame(out, b, i < last, false);
            }
        }
    }
}

/// Appends a (un)subscription as the peer's version wants it: a SUBSCRIBE/CANCEL command frame
/// for a 3.1 peer, a data frame `01`/`00` + topic for a 3.0 peer. LONG is decided on the whole
/// body, prefix included (a 255-byte topic makes a 256-byte, LONG, 3.0 frame; libzmq's v2
/// encoder gets this wrong and must not be copied).
pub(crate) fn encode_subscription(
    out: &mut BytesMut,
    subscribe: bool,
    topic: &[u8],
    peer_v31: bool,
) {
    let len = subscription::body_len(subscribe, topic.len(), peer_v31);
    out.reserve(header_len(len) + len);
    frame_header(out, len, false, peer_v31);
    subscription::put_body(out, subscribe, topic, peer_v31);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let mut out = BytesMut::new();
        frame_header(&mut out, 0, false, false);
        frame_header(&mut out, 255, true, false);
        frame_header(&mut out, 256, false, true);
        frame_header(&mut out, 300, true, false);
        assert_eq!(
            &out[..],
            b"\x00\x00\x01\xff\x06\x00\x00\x00\x00\x00\x00\x01\x00\x03\x00\x00\x00\x00\x00\x00\x01\x2c"
        );
        assert_eq!(header_len(255), 2);
        assert_eq!(header_len(256), 9);
    }

    #[test]
    fn messages_and_subscriptions() {
        let mut out = BytesMut::new();
        encode_message(
            &mut out,
            &Message::from_parts(vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")]),
        );
        encode_message(&mut out, &Message::One(Bytes::from_static(b"z")));
        assert_eq!(&out[..], b"\x01\x01a\x00\x02bc\x00\x01z");
        out.clear();
        encode_subscription(&mut out, false, b"abc", false);
        assert_eq!(&out[..], b"\x00\x04\x00abc");
        out.clear();
        encode_subscription(&mut out, true, b"", false);
        assert_eq!(&out[..], b"\x00\x01\x01");
        out.clear();
        encode_subscription(&mut out, false, b"", true);
        assert_eq!(&out[..], b"\x04\x07\x06CANCEL");
        // 246-byte topic: the 3.1 body is 256 bytes, so LONG (libzmq < 4.3.5 got this wrong)
        out.clear();
        encode_subscription(&mut out, true, &[b'x'; 246], true);
        assert_eq!(&out[..9], b"\x06\x00\x00\x00\x00\x00\x00\x01\x00");
        assert_eq!(out.len(), 9 + 256);
        out.clear();
        encode_subscription(&mut out, true, &[b'x'; 245], true);
        assert_eq!(&out[..2], b"\x04\xff");
    }
}
