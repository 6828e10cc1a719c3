//! The NULL mechanism (RFC 23): no authentication, no encryption; each side sends READY with
//! its metadata and the connection is up once both have.
//!
//! Our READY goes out with the rest of our greeting, before the peer's greeting is complete,
//! unless a ZAP domain is set: then, as libzmq does, the server asks ZAP first and sends READY
//! only if the handler accepts (or if there is no handler). A refusal (400, 500) is answered
//! with an ERROR command carrying the status code; 300 closes at once.

use super::zap::{ZapAnswer, ZapRequest};
use super::{Mechanism, Options};
use crate::zmtp::command::{self, Command};
use crate::zmtp::error::{HandshakeError, ProtocolError};
use crate::zmtp::greeting;
use crate::zmtp::metadata::Metadata;
use bytes::Bytes;

/// Where the ZAP decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zap {
    /// Needed (a ZAP domain is set) and not asked yet.
    Due,
    /// Asked; waiting for the answer.
    Asked,
    /// Not needed, or granted: READY may go.
    Done,
}

/// One side of a NULL handshake.
#[derive(Debug)]
pub(crate) struct Null {
    /// The properties our READY carries.
    ours: Metadata,
    /// ZMQ_ZAP_DOMAIN; a ZAP request is made only when it is not empty.
    zap_domain: Bytes,
    /// Our routing id, the ZAP request's identity frame.
    routing_id: Bytes,
    zap: Zap,
    /// Our READY went out.
    ready_sent: bool,
    /// The peer's READY came.
    ready_received: bool,
    /// The peer's properties, until the handshake takes them.
    peer: Option<Vec<(Bytes, Bytes)>>,
    /// Properties the ZAP handler granted (User-Id and its metadata), added to the peer's.
    granted: Vec<(Bytes, Bytes)>,
    /// An ERROR command to send before the connection closes.
    error: Option<Bytes>,
}

impl Null {
    /// A NULL mechanism announcing `ours`.
    pub(crate) fn new(ours: Metadata, opts: &Options) -> Self {
        Null {
            ours,
            zap: if opts.zap_domain.is_empty() {
                Zap::Done
            } else {
                Zap::Due
            },
            zap_domain: opts.zap_domain.clone(),
            routing_id: opts.routing_id.clone(),
            ready_sent: false,
            ready_received: false,
            peer: None,
            granted: Vec::new(),
            error: None,
        }
    }
}

impl Mechanism for Null {
    fn name(&self) -> &'static [u8] {
        greeting::NULL
    }

    fn next_command(&mut self) -> Option<Bytes> {
        if let Some(e) = self.error.take() {
            return Some(e);
        }
        if self.ready_sent || self.zap != Zap::Done {
            return None;
        }
        self.ready_sent = true;
        Some(self.ours.ready())
    }

    fn process_command(&mut self, body: Bytes) -> Result<(), HandshakeError> {
        match command::parse(body)? {
            Command::Ready(props) => {
                if self.ready_received {
                    return Err(ProtocolError::UnexpectedCommand("READY".into()).into());
                }
                self.ready_received = true;
                self.peer = Some(props);
                Ok(())
            }
            // Other commands are ignored, as after the handshake.
            Command::Unknown(_) => Ok(()),
            other => Err(ProtocolError::UnexpectedCommand(other.name()).into()),
        }
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        if self.zap != Zap::Due {
            return None;
        }
        self.zap = Zap::Asked;
        Some(ZapRequest {
            domain: self.zap_domain.clone(),
            identity: self.routing_id.clone(),
            mechanism: greeting::NULL,
            credentials: Vec::new(),
        })
    }

    fn zap_answer(&mut self, answer: ZapAnswer) -> Result<(), HandshakeError> {
        let reply = match answer {
            ZapAnswer::NoHandler => {
                self.zap = Zap::Done;
                return Ok(());
            }
            ZapAnswer::Reply(reply) => reply,
        };
        match reply.status {
            200 => {
                self.zap = Zap::Done;
                self.granted
                    .push((Bytes::from_static(b"User-Id"), reply.user_id));
                self.granted.extend(reply.metadata);
                Ok(())
            }
            300 => Err(HandshakeError::Auth(300)),
            status => {
                self.error = Some(command::error(status.to_string().as_bytes()));
                Err(HandshakeError::Auth(status))
            }
        }
    }

    fn take_peer_properties(&mut self) -> Option<Vec<(Bytes, Bytes)>> {
        let mut props = self.peer.take()?;
        props.append(&mut self.granted);
        Some(props)
    }

    fn is_complete(&self) -> bool {
        self.ready_sent && self.ready_received
    }
}

#[cfg(test)]
mod tests {
    use super::super::zap::ZapReply;
    use super::*;

    fn dealer() -> Metadata {
        Metadata {
            socket_type: "DEALER",
            identity: Some(Bytes::new()),
        }
    }

    fn with_domain(domain: &'static [u8]) -> Null {
        Null::new(
            dealer(),
            &Options {
                zap_domain: Bytes::from_static(domain),
                routing_id: Bytes::from_static(b"SRV"),
                ..Options::default()
            },
        )
    }

    const PEER_READY: &[u8] = b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PUSH";

    #[test]
    fn ready_both_ways() {
        let mut m = with_domain(b"");
        assert_eq!(m.name(), b"NULL");
        assert!(!m.as_server());
        assert!(!m.wraps());
        assert_eq!(m.zap_request(), None);
        assert_eq!(m.next_command(), Some(dealer().ready()));
        assert_eq!(m.next_command(), None);
        assert!(!m.is_complete());
        assert_eq!(m.take_peer_properties(), None);
        m.process_command(Bytes::from_static(b"\x05HELLO")).unwrap();
        m.process_command(Bytes::from_static(PEER_READY)).unwrap();
        assert!(m.is_complete());
        let props = m.take_peer_properties().unwrap();
        assert_eq!(
            command::property(&props, "Socket-Type").map(|v| &v[..]),
            Some(&b"PUSH"[..])
        );
        assert_eq!(m.take_peer_properties(), None);
        assert_eq!(
            m.process_command(Bytes::from_static(PEER_READY)),
            Err(ProtocolError::UnexpectedCommand("READY".into()).into())
        );
    }

    #[test]
    fn malformed_ready() {
        let mut m = with_domain(b"");
        assert!(matches!(
            m.process_command(Bytes::from_static(
                b"\x05READY\x0bSocket-Type\x00\x00\x00\x09PUSH"
            )),
            Err(HandshakeError::Protocol(ProtocolError::MalformedReady(_)))
        ));
    }

    #[test]
    fn zap_domain_holds_ready_back() {
        let mut m = with_domain(b"global");
        assert_eq!(m.next_command(), None);
        let req = m.zap_request().unwrap();
        assert_eq!(
            req.frames(b"127.0.0.1"),
            vec![
                &b""[..],
                b"1.0",
                b"1",
                b"global",
                b"127.0.0.1",
                b"SRV",
                b"NULL"
            ]
        );
        assert_eq!(m.zap_request(), None, "asked once");
        assert_eq!(m.next_command(), None);
        m.zap_answer(ZapAnswer::Reply(ZapReply {
            status: 200,
            user_id: Bytes::from_static(b"joe"),
            metadata: vec![(Bytes::from_static(b"X-Role"), Bytes::from_static(b"admin"))],
        }))
        .unwrap();
        assert_eq!(m.next_command(), Some(dealer().ready()));
        m.process_command(Bytes::from_static(PEER_READY)).unwrap();
        assert!(m.is_complete());
        let props = m.take_peer_properties().unwrap();
        assert_eq!(
            command::property(&props, "User-Id").map(|v| &v[..]),
            Some(&b"joe"[..])
        );
        assert_eq!(
            command::property(&props, "X-Role").map(|v| &v[..]),
            Some(&b"admin"[..])
        );
    }

    #[test]
    fn no_zap_handler_means_no_authentication() {
        let mut m = with_domain(b"global");
        assert!(m.zap_request().is_some());
        m.zap_answer(ZapAnswer::NoHandler).unwrap();
        assert_eq!(m.next_command(), Some(dealer().ready()));
    }

    #[test]
    fn zap_refusals() {
        for (status, error) in [
            (300, None),
            (400, Some(&b"\x05ERROR\x03400"[..])),
            (500, Some(b"\x05ERROR\x03500")),
        ] {
            let mut m = with_domain(b"d");
            m.zap_request().unwrap();
            let reply = ZapReply {
                status,
                user_id: Bytes::new(),
                metadata: Vec::new(),
            };
            assert_eq!(
                m.zap_answer(ZapAnswer::Reply(reply)),
                Err(HandshakeError::Auth(status))
            );
            assert_eq!(m.next_command().as_deref(), error, "{status}");
            assert_eq!(m.next_command(), None, "no READY after {status}");
        }
    }
}
