//! Connection metadata: the properties each side announces at the end of the handshake (in
//! READY under NULL; in INITIATE and READY under PLAIN and CURVE), what we send and how the
//! peer's are checked.
//!
//! The wire form of a property list is in [`super::command`] ([`command::put_property`],
//! [`command::parse_properties`]); this module decides what goes in and what is accepted.

use super::command;
use super::error::{HandshakeError, ProtocolError};
use bytes::{Bytes, BytesMut};
use std::fmt;

/// Longest Identity (routing id) a peer may announce.
pub(crate) const MAX_IDENTITY: usize = 255;

/// The properties we announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metadata {
    /// Our socket type as the Socket-Type property spells it ("DEALER").
    pub(crate) socket_type: &'static str,
    /// The Identity property: sent by REQ, DEALER and ROUTER (empty when no routing id is
    /// set), `None` for the other types, as libzmq does.
    pub(crate) identity: Option<Bytes>,
}

impl Metadata {
    /// Appends our properties to a command body: Socket-Type, then Identity when we send one.
    pub(crate) fn put(&self, out: &mut BytesMut) {
        command::put_property(
            out,
            command::SOCKET_TYPE.as_bytes(),
            self.socket_type.as_bytes(),
        );
        if let Some(id) = &self.identity {
            command::put_property(out, command::IDENTITY.as_bytes(), id);
        }
    }

    /// The READY command body carrying our properties.
    pub(crate) fn ready(&self) -> Bytes {
        command::ready(self.socket_type, self.identity.as_deref())
    }
}

/// A predicate on the peer's Socket-Type property.
type Accepts = dyn Fn(&[u8]) -> bool + Send;

/// Decides which peer socket types we talk to: called with the peer's Socket-Type property.
pub(crate) struct PeerCheck(Box<Accepts>);

impl PeerCheck {
    /// A check by `accepts`, which gets the peer's Socket-Type as sent ("DEALER").
    pub(crate) fn new(accepts: impl Fn(&[u8]) -> bool + Send + 'static) -> Self {
        PeerCheck(Box::new(accepts))
    }

    /// True if a peer of socket type `peer` may talk to us.
    pub(crate) fn accepts(&self, peer: &[u8]) -> bool {
        (self.0)(peer)
    }
}

impl fmt::Debug for PeerCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PeerCheck")
    }
}

/// What the handshake established about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Peer {
    /// The peer's Identity property (empty when it sent none).
    pub(crate) identity: Bytes,
    /// Every property the peer announced, in order (names as sent).
    pub(crate) properties: Vec<(Bytes, Bytes)>,
    /// The peer speaks ZMTP 3.1 or later (SUBSCRIBE/CANCEL as commands).
    pub(crate) v31: bool,
}

/// Checks the peer's properties, in libzmq's order: a Socket-Type must be there
/// ([`ProtocolError::MalformedReady`]) and be one we talk to ([`HandshakeError::Incompatible`]);
/// an Identity must not be longer than 255 bytes ([`ProtocolError::InvalidMetadata`]). Returns
/// the peer's identity (empty when it sent none).
pub(crate) fn check_peer(
    properties: &[(Bytes, Bytes)],
    check: &PeerCheck,
) -> Result<Bytes, HandshakeError> {
    let ty = command::property(properties, command::SOCKET_TYPE)
        .ok_or(ProtocolError::MalformedReady("no Socket-Type"))?;
    if !check.accepts(ty) {
        return Err(HandshakeError::Incompatible);
    }
    let identity = command::property(properties, command::IDENTITY)
        .cloned()
        .unwrap_or_default();
    if identity.len() > MAX_IDENTITY {
        return Err(ProtocolError::InvalidMetadata("Identity longer than 255 bytes").into());
    }
    Ok(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(list: &[(&str, &[u8])]) -> Vec<(Bytes, Bytes)> {
        list.iter()
            .map(|(n, v)| {
                (
                    Bytes::copy_from_slice(n.as_bytes()),
                    Bytes::copy_from_slice(v),
                )
            })
            .collect()
    }

    fn pull_only() -> PeerCheck {
        PeerCheck::new(|peer| peer == b"PULL")
    }

    #[test]
    fn ours_in_libzmq_order() {
        let m = Metadata {
            socket_type: "REQ",
            identity: Some(Bytes::from_static(b"ID1")),
        };
        let mut body = BytesMut::new();
        m.put(&mut body);
        assert_eq!(
            &body[..],
            b"\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x03ID1"
        );
        assert_eq!(&m.ready()[..7], b"\x05READY\x0b");
        assert_eq!(&m.ready()[6..], &body[..]);
        let m = Metadata {
            socket_type: "PUSH",
            identity: None,
        };
        assert_eq!(
            &m.ready()[..],
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PUSH"
        );
    }

    #[test]
    fn peer_checks_in_order() {
        let check = pull_only();
        assert_eq!(
            check_peer(&props(&[("socket-type", b"PULL")]), &check),
            Ok(Bytes::new())
        );
        assert_eq!(
            check_peer(
                &props(&[("Socket-Type", b"PULL"), ("Identity", b"x")]),
                &check
            ),
            Ok(Bytes::from_static(b"x"))
        );
        assert_eq!(
            check_peer(&props(&[("Identity", b"x")]), &check),
            Err(ProtocolError::MalformedReady("no Socket-Type").into())
        );
        // An incompatible type is reported before a bad identity.
        let long = [b'i'; 256];
        assert_eq!(
            check_peer(
                &props(&[("Socket-Type", b"SUB"), ("Identity", &long)]),
                &check
            ),
            Err(HandshakeError::Incompatible)
        );
        assert!(matches!(
            check_peer(
                &props(&[("Socket-Type", b"PULL"), ("Identity", &long)]),
                &check
            ),
            Err(HandshakeError::Protocol(ProtocolError::InvalidMetadata(_)))
        ));
        assert!(check_peer(
            &props(&[("Socket-Type", b"PULL"), ("Identity", &long[..255])]),
            &check
        )
        .is_ok());
    }
}
