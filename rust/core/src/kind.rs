//! The socket types and what the engine knows about each: libzmq number, ZMTP name, which
//! peer types it talks to, whether it sends its identity, its part in subscriptions, the
//! LINGER it starts with, and raw (non-ZMTP) mode.
//!
//! Everything outside a socket type's own behaviour (the session's handshake and framing,
//! the context's defaults, the socket's endpoint rules) asks [`SocketType::kind`] instead of
//! matching on the type. A new type is a variant and a row here, plus its behaviour: a file
//! in socket/ and its arm in `socket::pattern::for_type`.

/// The socket types, with libzmq's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum SocketType {
    /// Exclusive pair.
    Pair = 0,
    /// Publisher.
    Pub = 1,
    /// Subscriber.
    Sub = 2,
    /// Request (client).
    Req = 3,
    /// Reply (server).
    Rep = 4,
    /// Asynchronous request (XREQ).
    Dealer = 5,
    /// Asynchronous reply with routing ids (XREP).
    Router = 6,
    /// Pipeline sink.
    Pull = 7,
    /// Pipeline source.
    Push = 8,
    /// Publisher that sees subscriptions.
    XPub = 9,
    /// Subscriber that sends subscriptions as messages.
    XSub = 10,
    /// Raw TCP.
    Stream = 11,
}

/// A socket type's part in publish/subscribe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subscriptions {
    /// None.
    None,
    /// Sends subscriptions upstream (SUB, XSUB): its `01`/`00` + topic messages go to a
    /// ZMTP 3.1 peer as SUBSCRIBE/CANCEL commands.
    Sends,
    /// Receives subscriptions (PUB, XPUB): a peer's SUBSCRIBE/CANCEL commands reach it as
    /// `01`/`00` + topic messages, and it learns of them from its signaler's activity flag.
    Receives,
}

/// The facts about one socket type.
#[derive(Debug)]
pub(crate) struct Kind {
    /// The type this row describes.
    pub(crate) ty: SocketType,
    /// The name in ZMTP's Socket-Type property.
    pub(crate) name: &'static str,
    /// The peer types it may talk to (RFC 23/37, libzmq's `check_socket_type`).
    pub(crate) peers: &'static [SocketType],
    /// Sends its routing id as the Identity property of READY (libzmq: REQ, DEALER, ROUTER).
    pub(crate) sends_identity: bool,
    /// Its part in subscriptions.
    pub(crate) subscriptions: Subscriptions,
    /// The LINGER a new socket starts with when the context sets none; None: libzmq's rule
    /// (-1, or 0 when the context's BLOCKY is off).
    pub(crate) linger: Option<i32>,
    /// Raw mode (STREAM): tcp only, no ZMTP on the wire, one pipe per connection, whose
    /// start and end the socket hears as empty messages.
    pub(crate) raw: bool,
}

use SocketType::*;

/// One row per type, at the index of its libzmq number.
pub(crate) static KINDS: [Kind; 12] = [
    Kind {
        ty: Pair,
        name: "PAIR",
        peers: &[Pair],
        sends_identity: false,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Pub,
        name: "PUB",
        peers: &[Sub, XSub],
        sends_identity: false,
        subscriptions: Subscriptions::Receives,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Sub,
        name: "SUB",
        peers: &[Pub, XPub],
        sends_identity: false,
        subscriptions: Subscriptions::Sends,
        linger: Some(0),
        raw: false,
    },
    Kind {
        ty: Req,
        name: "REQ",
        peers: &[Rep, Router],
        sends_identity: true,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Rep,
        name: "REP",
        peers: &[Req, Dealer],
        sends_identity: false,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Dealer,
        name: "DEALER",
        peers: &[Rep, Dealer, Router],
        sends_identity: true,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Router,
        name: "ROUTER",
        peers: &[Req, Dealer, Router],
        sends_identity: true,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Pull,
        name: "PULL",
        peers: &[Push],
        sends_identity: false,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: Push,
        name: "PUSH",
        peers: &[Pull],
        sends_identity: false,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: false,
    },
    Kind {
        ty: XPub,
        name: "XPUB",
        peers: &[Sub, XSub],
        sends_identity: false,
        subscriptions: Subscriptions::Receives,
        linger: None,
        raw: false,
    },
    Kind {
        ty: XSub,
        name: "XSUB",
        peers: &[Pub, XPub],
        sends_identity: false,
        subscriptions: Subscriptions::Sends,
        linger: Some(0),
        raw: false,
    },
    Kind {
        ty: Stream,
        name: "STREAM",
        peers: &[],
        sends_identity: false,
        subscriptions: Subscriptions::None,
        linger: None,
        raw: true,
    },
];

impl SocketType {
    /// The type with libzmq number `n`.
    pub fn from_i32(n: i32) -> Option<SocketType> {
        let i = usize::try_from(n).ok()?;
        KINDS.get(i).map(|k| k.ty)
    }

    /// The name used in ZMTP's Socket-Type property.
    pub fn name(self) -> &'static str {
        self.kind().name
    }

    /// The facts about this type.
    #[inline]
    pub(crate) fn kind(self) -> &'static Kind {
        &KINDS[self as usize]
    }

    /// True if a peer whose Socket-Type property is `peer` may talk to this type.
    pub(crate) fn compatible(self, peer: &[u8]) -> bool {
        self.kind()
            .peers
            .iter()
            .any(|p| p.name().as_bytes() == peer)
    }

    /// The socket learns about subscriptions from the activity flag of its signaler.
    pub(crate) fn tracks_activity(self) -> bool {
        self.kind().subscriptions == Subscriptions::Receives
    }

    /// Raw mode (STREAM): see [`Kind::raw`].
    pub(crate) fn is_raw(self) -> bool {
        self.kind().raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_libzmq_numbering() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(k.ty as usize, i, "row {i} describes {:?}", k.ty);
            assert_eq!(SocketType::from_i32(i as i32), Some(k.ty));
        }
        assert_eq!(SocketType::from_i32(-1), None);
        assert_eq!(SocketType::from_i32(KINDS.len() as i32), None);
    }

    #[test]
    fn compatibility_is_mutual() {
        for k in &KINDS {
            for p in k.peers {
                assert!(
                    p.kind().peers.contains(&k.ty),
                    "{} talks to {} but not the other way",
                    k.name,
                    p.name()
                );
                assert!(k.ty.compatible(p.name().as_bytes()));
            }
        }
        assert!(!SocketType::Pub.compatible(b"PUB"));
        assert!(
            !SocketType::Req.compatible(b"req"),
            "names are case-sensitive"
        );
        assert!(!SocketType::Stream.compatible(b"STREAM"));
    }

    #[test]
    fn subscription_roles_face_each_other() {
        for k in &KINDS {
            let want = match k.subscriptions {
                Subscriptions::None => Subscriptions::None,
                Subscriptions::Sends => Subscriptions::Receives,
                Subscriptions::Receives => Subscriptions::Sends,
            };
            for p in k.peers {
                assert_eq!(p.kind().subscriptions, want, "{} and {}", k.name, p.name());
            }
        }
    }
}
