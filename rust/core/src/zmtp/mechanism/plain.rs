//! The PLAIN mechanism (RFC 24): a username and password in clear, checked by the server's ZAP
//! handler; no encryption.
//!
//! ```text
//!   client                                  server
//!   HELLO user pass  ───────────────────▶   asks ZAP (mechanism "PLAIN", [user, pass])
//!                    ◀───────────────────   WELCOME (200) | ERROR "400"/"500" | close (300)
//!   INITIATE metadata ──────────────────▶
//!                    ◀───────────────────   READY metadata
//! ```
//!
//! Commands, size checks and error codes are libzmq 4.3's (`plain_client.cpp`,
//! `plain_server.cpp`): a HELLO whose lengths do not use up its body exactly is
//! MALFORMED_COMMAND_HELLO, a WELCOME of any size but 8 MALFORMED_COMMAND_WELCOME, metadata that
//! do not parse INVALID_METADATA, any other command out of turn UNEXPECTED_COMMAND. The client
//! sends HELLO only once the peer's greeting named PLAIN, so credentials never go to a peer
//! running another mechanism. A server without a ZAP handler refuses every client (libzmq 4.3:
//! HANDSHAKE_FAILED_NO_DETAIL with EFAULT); a 300 closes at once; 400 and 500 send ERROR with the
//! status code (the RFC's form of the command; as a client we also accept libzmq 4.3's
//! misspelt `5e "RROR"` form).

use super::zap::{ZapAnswer, ZapRequest};
use super::{Mechanism, Options};
use crate::zmtp::command;
use crate::zmtp::error::{HandshakeError, ProtocolError};
use crate::zmtp::greeting;
use crate::zmtp::metadata::Metadata;
use bytes::{BufMut, Bytes, BytesMut};

/// `05 HELLO`.
const HELLO: &[u8] = b"\x05HELLO";
/// `07 WELCOME`, the whole WELCOME command.
const WELCOME: &[u8] = b"\x07WELCOME";
/// `08 INITIATE`.
const INITIATE: &[u8] = b"\x08INITIATE";
/// `05 READY`.
const READY: &[u8] = b"\x05READY";
/// `05 ERROR`, the RFC's ERROR prefix.
const ERROR: &[u8] = b"\x05ERROR";
/// The ERROR prefix libzmq 4.3's PLAIN sides send: `"\x05ERROR"` written as a C escape that
/// swallows the `E` (`0x5e "RROR"`).
const ERROR_LIBZMQ43: &[u8] = b"\x5eRROR";

/// Which side of PLAIN a connection runs, with the client's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// ZMQ_PLAIN_USERNAME / ZMQ_PLAIN_PASSWORD set: sends HELLO.
    Client {
        /// The username (0–255 bytes).
        username: Bytes,
        /// The password (0–255 bytes).
        password: Bytes,
    },
    /// ZMQ_PLAIN_SERVER set: checks HELLO through ZAP.
    Server,
}

/// Where a PLAIN handshake stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Client: HELLO is due once the peer's greeting named PLAIN.
    ClientGreeting,
    /// Client: HELLO is due now.
    SendHello,
    /// Client: HELLO sent; WELCOME (or ERROR) expected.
    WaitWelcome,
    /// Client: INITIATE is due.
    SendInitiate,
    /// Client: INITIATE sent; READY (or ERROR) expected.
    WaitReady,
    /// Server: HELLO expected.
    WaitHello,
    /// Server: HELLO parsed; the ZAP request is due.
    ZapDue {
        /// The username HELLO carried.
        username: Bytes,
        /// The password HELLO carried.
        password: Bytes,
    },
    /// Server: waiting for the ZAP answer.
    ZapAsked,
    /// Server: WELCOME is due.
    SendWelcome,
    /// Server: WELCOME sent; INITIATE expected.
    WaitInitiate,
    /// Server: READY is due.
    SendReady,
    /// Both sides done.
    Complete,
    /// Refused: nothing more is accepted.
    Failed,
}

/// One side of a PLAIN handshake.
#[derive(Debug)]
pub(crate) struct Plain {
    /// The properties our INITIATE (client) or READY (server) carries.
    ours: Metadata,
    role: Role,
    state: State,
    /// ZMQ_ZAP_DOMAIN, the ZAP request's domain (empty if unset, as libzmq sends it).
    zap_domain: Bytes,
    /// Our routing id, the ZAP request's identity frame.
    routing_id: Bytes,
    /// The peer's properties, until the handshake takes them.
    peer: Option<Vec<(Bytes, Bytes)>>,
    /// Properties the ZAP handler granted (User-Id and its metadata), added to the peer's.
    granted: Vec<(Bytes, Bytes)>,
    /// An ERROR command to send before the connection closes.
    error: Option<Bytes>,
}

impl Plain {
    /// A PLAIN mechanism in `role`, announcing `ours`.
    pub(crate) fn new(ours: Metadata, role: Role, opts: &Options) -> Self {
        let state = match role {
            Role::Client { .. } => State::ClientGreeting,
            Role::Server => State::WaitHello,
        };
        Plain {
            ours,
            role,
            state,
            zap_domain: opts.zap_domain.clone(),
            routing_id: opts.routing_id.clone(),
            peer: None,
            granted: Vec::new(),
            error: None,
        }
    }

    /// Ends the handshake with `e`.
    fn fail(&mut self, e: impl Into<HandshakeError>) -> Result<(), HandshakeError> {
        self.state = State::Failed;
        Err(e.into())
    }

    /// Server: a HELLO body (`05 HELLO ulen user plen pass`), checked as libzmq does.
    fn process_hello(&mut self, body: &Bytes) -> Result<(), HandshakeError> {
        let malformed = |why| ProtocolError::MalformedHello(why);
        let data = body.slice(HELLO.len()..);
        let Some(&ulen) = data.first() else {
            return self.fail(malformed("no username length"));
        };
        let ulen = usize::from(ulen);
        let Some(username) = data.get(1..1 + ulen) else {
            return self.fail(malformed("username runs past the end"));
        };
        let username = data.slice_ref(username);
        let rest = data.slice(1 + ulen..);
        let Some(&plen) = rest.first() else {
            return self.fail(malformed("no password length"));
        };
        if rest.len() - 1 != usize::from(plen) {
            return self.fail(malformed("password length does not end the command"));
        }
        self.state = State::ZapDue {
            username,
            password: rest.slice(1..),
        };
        Ok(())
    }

    /// The metadata after a command's name (INITIATE or READY).
    fn take_metadata(&mut self, body: &Bytes, name_len: usize) -> Result<(), HandshakeError> {
        match command::parse_properties(&body.slice(name_len..)) {
            Ok(props) => {
                self.peer = Some(props);
                Ok(())
            }
            Err(_) => self.fail(ProtocolError::InvalidMetadata(
                "PLAIN metadata do not parse",
            )),
        }
    }

    /// An unexpected command: its name for the error.
    fn unexpected(&mut self, body: &[u8]) -> Result<(), HandshakeError> {
        let name = command::name(body).unwrap_or_default();
        let name = String::from_utf8_lossy(name).into_owned();
        self.fail(ProtocolError::UnexpectedCommand(name))
    }
}

/// The HELLO body for `username` and `password` (each at most 255 bytes).
fn hello(username: &[u8], password: &[u8]) -> Bytes {
    let mut b = BytesMut::with_capacity(HELLO.len() + 2 + username.len() + password.len());
    b.put_slice(HELLO);
    for field in [username, password] {
        let field = field.get(..255).unwrap_or(field);
        b.put_u8(field.len() as u8);
        b.put_slice(field);
    }
    b.freeze()
}

/// A body that starts with `prefix` and is the command it names.
fn is(body: &[u8], prefix: &[u8]) -> bool {
    body.starts_with(prefix)
}

/// The ZAP status an ERROR reason stands for (exactly `300`, `400` or `500`), as libzmq's
/// client reads it.
fn auth_status(reason: &[u8]) -> Option<u32> {
    match reason {
        [d @ b'3'..=b'5', b'0', b'0'] => Some(u32::from(d - b'0') * 100),
        _ => None,
    }
}

impl Mechanism for Plain {
    fn name(&self) -> &'static [u8] {
        greeting::PLAIN
    }

    fn peer_greeting(&mut self) {
        if self.state == State::ClientGreeting {
            self.state = State::SendHello;
        }
    }

    fn next_command(&mut self) -> Option<Bytes> {
        if let Some(e) = self.error.take() {
            return Some(e);
        }
        match (&self.state, &self.role) {
            (State::SendHello, Role::Client { username, password }) => {
                let h = hello(username, password);
                self.state = State::WaitWelcome;
                Some(h)
            }
            (State::SendInitiate, _) => {
                let mut b = BytesMut::from(INITIATE);
                self.ours.put(&mut b);
                self.state = State::WaitReady;
                Some(b.freeze())
            }
            (State::SendWelcome, _) => {
                self.state = State::WaitInitiate;
                Some(Bytes::from_static(WELCOME))
            }
            (State::SendReady, _) => {
                self.state = State::Complete;
                Some(self.ours.ready())
            }
            _ => None,
        }
    }

    fn process_command(&mut self, body: Bytes) -> Result<(), HandshakeError> {
        match self.state {
            State::WaitHello if is(&body, HELLO) => self.process_hello(&body),
            State::WaitWelcome if is(&body, WELCOME) => {
                if body.len() != WELCOME.len() {
                    return self.fail(ProtocolError::MalformedWelcome(
                        "a WELCOME is exactly 8 bytes",
                    ));
                }
                self.state = State::SendInitiate;
                Ok(())
            }
            State::WaitInitiate if is(&body, INITIATE) => {
                self.take_metadata(&body, INITIATE.len())?;
                self.state = State::SendReady;
                Ok(())
            }
            State::WaitReady if is(&body, READY) => {
                self.take_metadata(&body, READY.len())?;
                self.state = State::Complete;
                Ok(())
            }
            _ => self.unexpected(&body),
        }
    }

    fn peer_error(&mut self, body: &[u8]) -> Option<HandshakeError> {
        let reason_at = if is(body, ERROR) {
            ERROR.len()
        } else if is(body, ERROR_LIBZMQ43) && matches!(self.role, Role::Client { .. }) {
            ERROR_LIBZMQ43.len()
        } else {
            return None;
        };
        self.state = match self.state {
            State::WaitWelcome | State::WaitReady => State::Failed,
            _ => {
                self.state = State::Failed;
                return Some(ProtocolError::UnexpectedCommand("ERROR".into()).into());
            }
        };
        let reason = body
            .get(reason_at)
            .and_then(|&len| body.get(reason_at + 1..reason_at + 1 + usize::from(len)));
        Some(match reason {
            None => ProtocolError::MalformedError("ERROR reason runs past the end").into(),
            Some(r) => match auth_status(r) {
                Some(status) => HandshakeError::Auth(status),
                None => HandshakeError::PeerError(Bytes::copy_from_slice(r)),
            },
        })
    }

    fn zap_request(&mut self) -> Option<ZapRequest> {
        let State::ZapDue { username, password } = &self.state else {
            return None;
        };
        let credentials = vec![username.clone(), password.clone()];
        self.state = State::ZapAsked;
        Some(ZapRequest {
            domain: self.zap_domain.clone(),
            identity: self.routing_id.clone(),
            mechanism: greeting::PLAIN,
            credentials,
        })
    }

    fn zap_answer(&mut self, answer: ZapAnswer) -> Result<(), HandshakeError> {
        let reply = match answer {
            // libzmq's PLAIN server cannot go on without a handler.
            ZapAnswer::NoHandler => return self.fail(HandshakeError::NoZapHandler),
            ZapAnswer::Reply(reply) => reply,
        };
        match reply.status {
            200 => {
                self.state = State::SendWelcome;
                self.granted
                    .push((Bytes::from_static(b"User-Id"), reply.user_id));
                self.granted.extend(reply.metadata);
                Ok(())
            }
            300 => self.fail(HandshakeError::Auth(300)),
            status => {
                self.error = Some(command::error(status.to_string().as_bytes()));
                self.fail(HandshakeError::Auth(status))
            }
        }
    }

    fn take_peer_properties(&mut self) -> Option<Vec<(Bytes, Bytes)>> {
        let mut props = self.peer.take()?;
        props.append(&mut self.granted);
        Some(props)
    }

    fn is_complete(&self) -> bool {
        self.state == State::Complete
    }
}

#[cfg(test)]
mod tests {
    use super::super::zap::ZapReply;
    use super::*;

    fn client_with(user: &'static [u8], pass: &'static [u8]) -> Plain {
        Plain::new(
            Metadata {
                socket_type: "REQ",
                identity: Some(Bytes::from_static(b"CLI1")),
            },
            Role::Client {
                username: Bytes::from_static(user),
                password: Bytes::from_static(pass),
            },
            &Options::default(),
        )
    }

    fn server() -> Plain {
        Plain::new(
            Metadata {
                socket_type: "REP",
                identity: None,
            },
            Role::Server,
            &Options {
                zap_domain: Bytes::from_static(b"global"),
                routing_id: Bytes::from_static(b"SRV"),
                ..Options::default()
            },
        )
    }

    fn reply(status: u32) -> ZapAnswer {
        ZapAnswer::Reply(ZapReply {
            status,
            user_id: Bytes::from_static(b"client1"),
            metadata: vec![(Bytes::from_static(b"X-Role"), Bytes::from_static(b"admin"))],
        })
    }

    fn b(s: &'static [u8]) -> Bytes {
        Bytes::from_static(s)
    }

    const HELLO_ADMIN: &[u8] = b"\x05HELLO\x05admin\x06secret";

    #[test]
    fn client_waits_for_the_greeting_then_says_hello() {
        let mut m = client_with(b"admin", b"secret");
        assert_eq!(m.name(), b"PLAIN");
        assert!(!m.as_server(), "libzmq sends as-server 0");
        assert!(!m.wraps());
        assert_eq!(m.next_command(), None, "no credentials before the greeting");
        m.peer_greeting();
        assert_eq!(m.next_command().as_deref(), Some(HELLO_ADMIN));
        assert_eq!(m.next_command(), None);
        m.process_command(b(b"\x07WELCOME")).unwrap();
        let initiate = m.next_command().unwrap();
        assert_eq!(
            &initiate[..],
            b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x04CLI1"
        );
        assert!(!m.is_complete());
        m.process_command(b(b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP"))
            .unwrap();
        assert!(m.is_complete());
        assert_eq!(m.next_command(), None);
        let props = m.take_peer_properties().unwrap();
        assert_eq!(
            command::property(&props, "Socket-Type").map(|v| &v[..]),
            Some(&b"REP"[..])
        );
    }

    #[test]
    fn empty_and_long_credentials() {
        assert_eq!(&hello(b"", b"")[..], b"\x05HELLO\x00\x00");
        let long = [b'u'; 255];
        let h = hello(&long, b"p");
        assert_eq!(h.len(), 6 + 1 + 255 + 2);
    }

    #[test]
    fn server_asks_zap_at_hello_and_welcomes_on_200() {
        let mut m = server();
        assert_eq!(m.next_command(), None);
        assert_eq!(m.zap_request(), None);
        m.process_command(b(HELLO_ADMIN)).unwrap();
        assert_eq!(m.next_command(), None, "nothing before the decision");
        let req = m.zap_request().unwrap();
        let want: Vec<&[u8]> = vec![
            b"",
            b"1.0",
            b"1",
            b"global",
            b"127.0.0.1",
            b"SRV",
            b"PLAIN",
            b"admin",
            b"secret",
        ];
        assert_eq!(req.frames(b"127.0.0.1"), want);
        assert_eq!(m.zap_request(), None, "asked once");
        m.zap_answer(reply(200)).unwrap();
        assert_eq!(m.next_command().as_deref(), Some(WELCOME));
        assert_eq!(m.next_command(), None);
        m.process_command(b(
            b"\x08INITIATE\x0bSocket-Type\x00\x00\x00\x03REQ\x08Identity\x00\x00\x00\x04CLI1",
        ))
        .unwrap();
        assert!(!m.is_complete(), "READY not sent yet");
        assert_eq!(
            m.next_command().as_deref(),
            Some(&b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP"[..])
        );
        assert!(m.is_complete());
        let props = m.take_peer_properties().unwrap();
        for (name, value) in [
            ("Identity", &b"CLI1"[..]),
            ("User-Id", b"client1"),
            ("X-Role", b"admin"),
        ] {
            assert_eq!(command::property(&props, name).map(|v| &v[..]), Some(value));
        }
    }

    #[test]
    fn hello_lengths_must_use_up_the_body() {
        for body in [
            &b"\x05HELLO"[..],
            b"\x05HELLO\x05adm",
            b"\x05HELLO\x05admin",
            b"\x05HELLO\x05admin\x06secre",
            b"\x05HELLO\x05admin\x06secretX",
        ] {
            let mut m = server();
            let e = m.process_command(Bytes::copy_from_slice(body)).unwrap_err();
            assert_eq!(e.protocol_code(), Some(0x1000_0013), "{body:?}");
            assert_eq!(m.zap_request(), None);
        }
        let mut m = server();
        m.process_command(b(b"\x05HELLO\x00\x00")).unwrap();
        let req = m.zap_request().unwrap();
        assert_eq!(req.credentials, vec![Bytes::new(), Bytes::new()]);
    }

    #[test]
    fn welcome_is_exactly_8_bytes() {
        for body in [&b"\x07WELCOMEx"[..], b"\x07WELCOME\x00\x00"] {
            let mut m = client_with(b"a", b"b");
            m.peer_greeting();
            m.next_command().unwrap();
            let e = m.process_command(Bytes::copy_from_slice(body)).unwrap_err();
            assert_eq!(e.protocol_code(), Some(0x1000_0017));
            assert_eq!(m.next_command(), None, "no INITIATE");
        }
    }

    #[test]
    fn bad_metadata_is_invalid_metadata() {
        let mut m = client_with(b"a", b"b");
        m.peer_greeting();
        m.next_command();
        m.process_command(b(WELCOME)).unwrap();
        m.next_command();
        let e = m
            .process_command(b(b"\x05READY\x0bSocket-Type\x00\x00\x00\x09REP"))
            .unwrap_err();
        assert_eq!(e.protocol_code(), Some(0x1000_0018));
        let mut m = server();
        m.process_command(b(HELLO_ADMIN)).unwrap();
        m.zap_request();
        m.zap_answer(reply(200)).unwrap();
        m.next_command();
        let e = m.process_command(b(b"\x08INITIATE\x01")).unwrap_err();
        assert_eq!(e.protocol_code(), Some(0x1000_0018));
        assert_eq!(m.next_command(), None, "no READY");
    }

    #[test]
    fn commands_out_of_order() {
        let unexpected = Some(0x1000_0001);
        // A client before WELCOME: READY, INITIATE, HELLO, unknown.
        for body in [
            &b"\x05READY\x0bSocket-Type\x00\x00\x00\x03REP"[..],
            b"\x08INITIATE",
            HELLO_ADMIN,
            b"\x04JUNK",
        ] {
            let mut m = client_with(b"a", b"b");
            m.peer_greeting();
            m.next_command();
            let e = m.process_command(Bytes::copy_from_slice(body)).unwrap_err();
            assert_eq!(e.protocol_code(), unexpected, "{body:?}");
        }
        // A client after WELCOME: another WELCOME.
        let mut m = client_with(b"a", b"b");
        m.peer_greeting();
        m.next_command();
        m.process_command(b(WELCOME)).unwrap();
        let e = m.process_command(b(WELCOME)).unwrap_err();
        assert_eq!(e.protocol_code(), unexpected);
        // A server: INITIATE before HELLO, WELCOME, a second HELLO during ZAP, HELLO after it.
        for body in [&b"\x08INITIATE"[..], WELCOME, b"\x05READY"] {
            let mut m = server();
            let e = m.process_command(Bytes::copy_from_slice(body)).unwrap_err();
            assert_eq!(e.protocol_code(), unexpected, "{body:?}");
        }
        let mut m = server();
        m.process_command(b(HELLO_ADMIN)).unwrap();
        m.zap_request().unwrap();
        m.zap_answer(reply(200)).unwrap();
        m.next_command();
        let e = m.process_command(b(HELLO_ADMIN)).unwrap_err();
        assert_eq!(e.protocol_code(), unexpected);
    }

    #[test]
    fn zap_refusals() {
        for (status, error) in [
            (300, None),
            (400, Some(&b"\x05ERROR\x03400"[..])),
            (500, Some(b"\x05ERROR\x03500")),
        ] {
            let mut m = server();
            m.process_command(b(HELLO_ADMIN)).unwrap();
            m.zap_request().unwrap();
            assert_eq!(
                m.zap_answer(reply(status)),
                Err(HandshakeError::Auth(status))
            );
            assert_eq!(m.next_command().as_deref(), error, "{status}");
            assert_eq!(m.next_command(), None, "no WELCOME after {status}");
            assert!(!m.is_complete());
        }
    }

    #[test]
    fn no_zap_handler_refuses() {
        let mut m = server();
        m.process_command(b(HELLO_ADMIN)).unwrap();
        m.zap_request().unwrap();
        assert_eq!(
            m.zap_answer(ZapAnswer::NoHandler),
            Err(HandshakeError::NoZapHandler)
        );
        assert_eq!(m.next_command(), None, "no WELCOME, no ERROR");
    }

    #[test]
    fn client_reads_error_in_both_forms() {
        for (body, want) in [
            (&b"\x05ERROR\x03400"[..], HandshakeError::Auth(400)),
            (b"\x5eRROR\x03400", HandshakeError::Auth(400)),
            (b"\x5eRROR\x03500", HandshakeError::Auth(500)),
            (b"\x05ERROR\x03300", HandshakeError::Auth(300)),
            (b"\x05ERROR\x04nope", HandshakeError::PeerError(b(b"nope"))),
            (b"\x05ERROR\x03201", HandshakeError::PeerError(b(b"201"))),
            (
                b"\x05ERROR\x05400",
                ProtocolError::MalformedError("ERROR reason runs past the end").into(),
            ),
            (
                b"\x05ERROR",
                ProtocolError::MalformedError("ERROR reason runs past the end").into(),
            ),
        ] {
            let mut m = client_with(b"a", b"b");
            m.peer_greeting();
            m.next_command();
            assert_eq!(m.peer_error(body), Some(want), "{body:?}");
        }
        let e = ProtocolError::MalformedError("x").code();
        assert_eq!(e, 0x1000_0015);
        // Waiting for READY too.
        let mut m = client_with(b"a", b"b");
        m.peer_greeting();
        m.next_command();
        m.process_command(b(WELCOME)).unwrap();
        m.next_command();
        assert_eq!(
            m.peer_error(b"\x05ERROR\x03400"),
            Some(HandshakeError::Auth(400))
        );
        // Not before HELLO went out, and never to a server.
        let mut m = client_with(b"a", b"b");
        assert_eq!(
            m.peer_error(b"\x05ERROR\x03400")
                .and_then(|e| e.protocol_code()),
            Some(0x1000_0001)
        );
        let mut m = server();
        assert_eq!(
            m.peer_error(b"\x05ERROR\x03400")
                .and_then(|e| e.protocol_code()),
            Some(0x1000_0001)
        );
        assert_eq!(server().peer_error(b"\x5eRROR\x03400"), None);
        assert_eq!(client_with(b"a", b"b").peer_error(b"\x05READY"), None);
    }
}
