//! Subscriptions as bytes: the `01` + topic (subscribe) and `00` + topic (cancel) message
//! that SUB and XSUB send upstream, that PUB and XPUB read (and XPUB hands to its
//! application), and that ZMTP 3.0 carries as a data frame; and the body of ZMTP 3.1's
//! SUBSCRIBE and CANCEL commands, which carry the same thing to a 3.1 peer.
//!
//! Every place that builds or reads subscription bytes uses these functions.

use crate::zmtp::command::{CANCEL, SUBSCRIBE};
use bytes::{BufMut, Bytes, BytesMut};

/// First byte of a subscribe message.
const SUBSCRIBE_BYTE: u8 = 1;
/// First byte of a cancel (unsubscribe) message.
const CANCEL_BYTE: u8 = 0;

/// The ZMTP 3.1 SUBSCRIBE (`subscribe`) or CANCEL command body for `topic`.
pub(crate) fn command(subscribe: bool, topic: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(body_len(subscribe, topic.len(), true));
    put_body(&mut b, subscribe, topic, true);
    b.freeze()
}

/// The message that subscribes to `topic` (`subscribe`) or cancels it.
pub(crate) fn message(subscribe: bool, topic: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(body_len(subscribe, topic.len(), false));
    put_body(&mut b, subscribe, topic, false);
    b.freeze()
}

/// Reads a message as a subscription: `Some((subscribe, topic))` if its first byte is `01`
/// or `00`, None for anything else (an empty message, or ordinary data an XSUB sends up).
#[inline]
pub(crate) fn parse(msg: &[u8]) -> Option<(bool, &[u8])> {
    match msg.split_first() {
        Some((&SUBSCRIBE_BYTE, topic)) => Some((true, topic)),
        Some((&CANCEL_BYTE, topic)) => Some((false, topic)),
        _ => None,
    }
}

/// Length of the body [`put_body`] writes for these arguments.
pub(crate) fn body_len(subscribe: bool, topic_len: usize, command: bool) -> usize {
    let prefix = match (command, subscribe) {
        (false, _) => 1,
        (true, true) => 1 + SUBSCRIBE.len(),
        (true, false) => 1 + CANCEL.len(),
    };
    prefix + topic_len
}

/// Appends a subscription body: the SUBSCRIBE/CANCEL command body (`name_len name topic`)
/// when `command` (a ZMTP 3.1 peer), else the `01`/`00` + topic message.
pub(crate) fn put_body(out: &mut BytesMut, subscribe: bool, topic: &[u8], command: bool) {
    if command {
        let name = if subscribe { SUBSCRIBE } else { CANCEL };
        out.put_u8(name.len() as u8);
        out.put_slice(name);
    } else {
        out.put_u8(if subscribe {
            SUBSCRIBE_BYTE
        } else {
            CANCEL_BYTE
        });
    }
    out.put_slice(topic);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        assert_eq!(&message(true, b"abc")[..], b"\x01abc");
        assert_eq!(&message(false, b"")[..], b"\x00");
        assert_eq!(parse(b"\x01abc"), Some((true, &b"abc"[..])));
        assert_eq!(parse(b"\x00"), Some((false, &b""[..])));
        assert_eq!(parse(b""), None);
        assert_eq!(parse(b"\x02abc"), None);
    }

    #[test]
    fn bodies_have_the_announced_length() {
        for (subscribe, command, want) in [
            (true, true, &b"\x09SUBSCRIBEtopic"[..]),
            (false, true, b"\x06CANCELtopic"),
            (true, false, b"\x01topic"),
            (false, false, b"\x00topic"),
        ] {
            let mut out = BytesMut::new();
            put_body(&mut out, subscribe, b"topic", command);
            assert_eq!(&out[..], want);
            assert_eq!(body_len(subscribe, 5, command), want.len());
        }
    }
}
