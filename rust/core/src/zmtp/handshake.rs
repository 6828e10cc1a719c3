//! The ZMTP 3.x handshake as a state machine without I/O: received bytes in (through the
//! connection's [`Decoder`]), bytes to send and [`Progress`] out.
//!
//! ```text
//!   Signature ──peer's first 11 bytes──▶ Greeting ──peer's 64 bytes, mechanism matches──▶ Commands
//!   Commands ──mechanism asks ZAP──▶ Zap ──answer──▶ Commands
//!   Commands ──mechanism complete, peer's metadata accepted──▶ Established
//!   any state ──error──▶ Failed (sticky)
//! ```
//!
//! Our greeting goes out in two parts, as RFC 23 describes for detecting older peers (libzmq
//! does much the same): the signature and major version at once, the rest, with the first
//! commands of the mechanism (NULL: READY), once the peer's signature and major version
//! arrived. libzmq and JeroMQ send their signature at once and the rest once they have read
//! ours, so this never waits on a peer that waits on us. A mechanism may hold its first
//! command until the peer's whole greeting named the same mechanism (a PLAIN client's HELLO,
//! which carries the password).
//!
//! Why not all 64 bytes at once: JeroMQ (0.6.0 and earlier) sometimes fails to register a
//! socket it has just connected with its selector (zeromq/jeromq#1022). Such a connection reads
//! once, when it is set up, and never writes. If our whole greeting had arrived by then, JeroMQ
//! counted its greeting exchange as done and cancelled its handshake timer (which covers only
//! that exchange): the connection stayed silent for good. Given only the first part, its
//! greeting exchange stays pending, and its handshake timer (HANDSHAKE_IVL, 30 s by default)
//! closes the connection and connects again, as happens with libzmq.
//!
//! What the handshake does itself, whatever the mechanism: refuse a bad signature or a major
//! version below 3 as soon as those bytes are in, and a mechanism other than ours once the
//! greeting is complete; note the peer's version (3.0 peers get subscriptions as messages);
//! answer PING with PONG; end on ERROR; refuse messages, SUBSCRIBE and CANCEL before the end;
//! check the peer's metadata (Socket-Type, Identity). The handshake deadline (HANDSHAKE_IVL) is
//! the engine's: this machine has no clock.

use super::codec::Decoder;
use super::command::{self, Command};
use super::error::{HandshakeError, ProtocolError};
use super::frame;
use super::greeting::{self, Greeting, GREETING_LEN};
use super::mechanism::zap::{ZapAnswer, ZapRequest};
use super::mechanism::Mechanism;
use super::metadata::{self, Peer, PeerCheck};
use bytes::{Bytes, BytesMut};

/// Where the handshake stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// The first part of our greeting is out; waiting for the peer's signature and major
    /// version.
    Signature,
    /// All of our greeting is out; waiting for the rest of the peer's.
    Greeting,
    /// Greetings exchanged: the mechanism's commands, until it is complete.
    Commands,
    /// The mechanism waits for a ZAP decision ([`Handshake::zap_answer`]); the peer's
    /// commands wait in the decoder.
    Zap,
    /// Done: messages may flow.
    Established,
    /// The handshake failed; every call returns this error.
    Failed(HandshakeError),
}

/// What the handshake has come to after [`Handshake::advance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Progress {
    /// It needs more bytes from the peer (or the ZAP answer it asked for).
    Pending,
    /// The peer sent PING with this TTL in deciseconds (0: none); the PONG is queued.
    Ping {
        /// Time to live in tenths of a second; 0 = none.
        ttl_ds: u16,
    },
    /// The mechanism needs a ZAP decision: deliver the request and call
    /// [`Handshake::zap_answer`].
    Zap(ZapRequest),
    /// The handshake is complete. Frames the decoder still holds are messages.
    Established(Peer),
}

/// One connection's handshake.
#[derive(Debug)]
pub(crate) struct Handshake {
    state: State,
    mechanism: Box<dyn Mechanism>,
    /// The peer socket types we accept.
    peer_check: PeerCheck,
    /// Our greeting.
    greeting: [u8; GREETING_LEN],
    /// The peer speaks ZMTP 3.1 or later.
    peer_v31: bool,
    /// The peer's accepted metadata: its identity and properties.
    peer: Option<(Bytes, Vec<(Bytes, Bytes)>)>,
}

impl Handshake {
    /// A handshake run by `mechanism`, accepting the peers `peer_check` accepts. Appends the
    /// first part of our greeting to `out`.
    pub(crate) fn new(
        mechanism: Box<dyn Mechanism>,
        peer_check: PeerCheck,
        out: &mut BytesMut,
    ) -> Self {
        let greeting = greeting::encode(mechanism.name(), mechanism.as_server());
        out.extend_from_slice(&greeting[..greeting::FIRST_PART_LEN]);
        Handshake {
            state: State::Signature,
            mechanism,
            peer_check,
            greeting,
            peer_v31: true,
            peer: None,
        }
    }

    /// True once the handshake is complete.
    pub(crate) fn is_established(&self) -> bool {
        self.state == State::Established
    }

    /// Goes as far as the bytes in `decoder` allow, appending what we send to `out`. Stops at
    /// each [`Progress`] other than `Pending`; call again after handling it. Once it failed,
    /// it keeps returning the same error; what `out` got until then is ours to send before
    /// closing (the rest of our greeting, an ERROR command).
    pub(crate) fn advance(
        &mut self,
        decoder: &mut Decoder,
        out: &mut BytesMut,
    ) -> Result<Progress, HandshakeError> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        let result = self.step(decoder, out);
        if let Err(e) = &result {
            self.state = State::Failed(e.clone());
        }
        result
    }

    /// Feeds the outcome of the ZAP request of [`Progress::Zap`]; [`Handshake::advance`] goes on
    /// from there.
    pub(crate) fn zap_answer(
        &mut self,
        answer: ZapAnswer,
        out: &mut BytesMut,
    ) -> Result<(), HandshakeError> {
        match &self.state {
            State::Failed(e) => return Err(e.clone()),
            State::Zap => {}
            _ => {
                debug_assert!(false, "ZAP answer without a request");
                return Ok(());
            }
        }
        let result = self.mechanism.zap_answer(answer);
        self.send_commands(out);
        self.state = match &result {
            Ok(()) => State::Commands,
            Err(e) => State::Failed(e.clone()),
        };
        result
    }

    /// The mechanism, for wrapping frames after the handshake, if it does ([`Mechanism::wraps`]).
    pub(crate) fn into_wrapper(self) -> Option<Box<dyn Mechanism>> {
        self.mechanism.wraps().then_some(self.mechanism)
    }

    /// [`Handshake::advance`] without the sticky error.
    fn step(
        &mut self,
        decoder: &mut Decoder,
        out: &mut BytesMut,
    ) -> Result<Progress, HandshakeError> {
        loop {
            match self.state {
                State::Signature => {
                    // A bad signature or a major version below 3 is refused as soon as those
                    // bytes are in.
                    let parsed = decoder.take_greeting()?;
                    if parsed.is_some() || decoder.buffered() >= greeting::FIRST_PART_LEN {
                        out.extend_from_slice(&self.greeting[greeting::FIRST_PART_LEN..]);
                        self.send_commands(out);
                        self.state = State::Greeting;
                    }
                    match parsed {
                        Some(g) => self.on_greeting(&g, out)?,
                        None => return Ok(Progress::Pending),
                    }
                }
                State::Greeting => match decoder.take_greeting()? {
                    Some(g) => self.on_greeting(&g, out)?,
                    None => return Ok(Progress::Pending),
                },
                State::Commands => {
                    if let Some(req) = self.mechanism.zap_request() {
                        self.state = State::Zap;
                        return Ok(Progress::Zap(req));
                    }
                    if self.mechanism.is_complete() {
                        if let Some((identity, properties)) = self.peer.take() {
                            self.state = State::Established;
                            return Ok(Progress::Established(Peer {
                                identity,
                                properties,
                                v31: self.peer_v31,
                            }));
                        }
                    }
                    let Some(f) = decoder.next_frame()? else {
                        return Ok(Progress::Pending);
                    };
                    if !f.command {
                        return Err(ProtocolError::UnexpectedCommand(
                            "message before READY".into(),
                        )
                        .into());
                    }
                    if let Some(p) = self.on_command(f.data, out)? {
                        return Ok(p);
                    }
                }
                State::Zap | State::Established => return Ok(Progress::Pending),
                State::Failed(ref e) => return Err(e.clone()),
            }
        }
    }

    /// The peer's whole greeting is in: the mechanism's commands that waited for it go out.
    fn on_greeting(&mut self, g: &Greeting, out: &mut BytesMut) -> Result<(), HandshakeError> {
        if !g.mechanism_is(self.mechanism.name()) {
            return Err(ProtocolError::MechanismMismatch.into());
        }
        self.peer_v31 = g.is_v31();
        self.state = State::Commands;
        self.mechanism.peer_greeting();
        self.send_commands(out);
        Ok(())
    }

    /// A command of the peer during the handshake: the ones every mechanism shares here, the
    /// others to the mechanism.
    fn on_command(
        &mut self,
        body: Bytes,
        out: &mut BytesMut,
    ) -> Result<Option<Progress>, HandshakeError> {
        if let Some(e) = self.mechanism.peer_error(&body) {
            return Err(e);
        }
        let name = command::name(&body)?;
        if ![
            command::PING,
            command::PONG,
            command::ERROR,
            command::SUBSCRIBE,
            command::CANCEL,
        ]
        .contains(&name)
        {
            if let Err(e) = self.mechanism.process_command(body) {
                // What the mechanism queued before failing (an ERROR command) goes out.
                self.send_commands(out);
                return Err(e);
            }
            // The peer's metadata are checked before we answer them (a PLAIN server's READY
            // goes only to a peer we talk to).
            if self.peer.is_none() {
                if let Some(props) = self.mechanism.take_peer_properties() {
                    let identity = metadata::check_peer(&props, &self.peer_check)?;
                    self.peer = Some((identity, props));
                }
            }
            self.send_commands(out);
            return Ok(None);
        }
        match command::parse(body)? {
            Command::Ping { ttl_ds, context } => {
                frame::encode_command(out, &command::pong(&context));
                Ok(Some(Progress::Ping { ttl_ds }))
            }
            // libzmq (every mechanism): a reason of exactly "300", "400" or "500" is a ZAP
            // refusal the server passed on.
            Command::Error(reason) => Err(match &reason[..] {
                [d @ b'3'..=b'5', b'0', b'0'] => HandshakeError::Auth(u32::from(d - b'0') * 100),
                _ => HandshakeError::PeerError(reason),
            }),
            Command::Subscribe(_) | Command::Cancel(_) => {
                Err(ProtocolError::UnexpectedCommand("SUBSCRIBE before READY".into()).into())
            }
            _ => Ok(None),
        }
    }

    /// Appends the commands the mechanism has for the peer.
    fn send_commands(&mut self, out: &mut BytesMut) {
        while let Some(body) = self.mechanism.next_command() {
            frame::encode_command(out, &body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Security;
    use crate::zmtp::mechanism::zap::ZapReply;
    use crate::zmtp::mechanism::{self, Options};
    use crate::zmtp::metadata::Metadata;

    /// A greeting as libzmq 4.3 sends it (`minor` 1) or JeroMQ (0).
    fn peer_greeting(minor: u8, mechanism: &[u8]) -> Vec<u8> {
        let mut g = greeting::encode(mechanism, false).to_vec();
        g[11] = minor;
        g
    }

    fn ready_frame(socket_type: &str, identity: Option<&[u8]>) -> Vec<u8> {
        let mut out = BytesMut::new();
        frame::encode_command(&mut out, &command::ready(socket_type, identity));
        out.to_vec()
    }

    /// A DEALER's handshake with no routing id, accepting the types `accepts` lists.
    fn dealer_with(opts: &Options, accepts: &'static [&'static [u8]]) -> (Handshake, BytesMut) {
        let ours = Metadata {
            socket_type: "DEALER",
            identity: Some(Bytes::new()),
        };
        let mut out = BytesMut::new();
        let hs = Handshake::new(
            mechanism::for_options(opts, ours),
            PeerCheck::new(move |peer| accepts.contains(&peer)),
            &mut out,
        );
        (hs, out)
    }

    fn dealer() -> (Handshake, BytesMut) {
        dealer_with(&Options::default(), &[b"REP", b"DEALER", b"ROUTER"])
    }

    /// Feeds `input` `chunk` bytes at a time, collecting every progress until the end or an
    /// error.
    fn feed(
        hs: &mut Handshake,
        d: &mut Decoder,
        out: &mut BytesMut,
        input: &[u8],
        chunk: usize,
    ) -> (Vec<Progress>, Option<HandshakeError>) {
        let mut seen = Vec::new();
        for piece in input.chunks(chunk) {
            d.read_buf().extend_from_slice(piece);
            loop {
                match hs.advance(d, out) {
                    Ok(Progress::Pending) => break,
                    Ok(p) => seen.push(p),
                    Err(e) => return (seen, Some(e)),
                }
            }
        }
        (seen, None)
    }

    #[test]
    fn libzmq_stream_in_any_chunks() {
        let mut stream = peer_greeting(1, b"NULL");
        stream.extend(ready_frame("ROUTER", Some(b"")));
        stream.extend_from_slice(b"\x00\x02hi");
        let ours = greeting::encode(greeting::NULL, false);
        for chunk in [1, 2, 3, 7, 10, 11, 13, 63, 64, 65, 100, stream.len()] {
            let (mut hs, mut out) = dealer();
            assert_eq!(&out[..], &ours[..11], "chunk {chunk}: first part only");
            let mut d = Decoder::new(-1);
            let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, chunk);
            assert_eq!(err, None, "chunk {chunk}");
            assert_eq!(
                seen,
                vec![Progress::Established(Peer {
                    identity: Bytes::new(),
                    properties: vec![
                        (
                            Bytes::from_static(b"Socket-Type"),
                            Bytes::from_static(b"ROUTER")
                        ),
                        (Bytes::from_static(b"Identity"), Bytes::new()),
                    ],
                    v31: true,
                })],
                "chunk {chunk}"
            );
            assert!(hs.is_established());
            // Our whole greeting and our READY, nothing else.
            let mut want = ours.to_vec();
            want.extend(ready_frame("DEALER", Some(b"")));
            assert_eq!(&out[..], &want[..], "chunk {chunk}");
            // The message after READY is left for the engine.
            assert!(matches!(d.next(), Ok(Some(_))), "chunk {chunk}");
            assert!(hs.into_wrapper().is_none());
        }
    }

    #[test]
    fn rest_of_greeting_waits_for_the_peers_first_part() {
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let g = peer_greeting(0, b"NULL");
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &g[..10], 10);
        assert_eq!((seen, err), (vec![], None));
        assert_eq!(out.len(), greeting::FIRST_PART_LEN);
        feed(&mut hs, &mut d, &mut out, &g[10..11], 1);
        let rest = GREETING_LEN + ready_frame("DEALER", Some(b"")).len();
        assert_eq!(
            out.len(),
            rest,
            "the rest and READY once the major version came"
        );
        feed(&mut hs, &mut d, &mut out, &g[11..], 64);
        assert!(!hs.is_established());
        let (seen, _) = feed(&mut hs, &mut d, &mut out, &ready_frame("DEALER", None), 64);
        let Some(Progress::Established(peer)) = seen.first() else {
            panic!("not established: {seen:?}")
        };
        assert!(!peer.v31, "a ZMTP 3.0 peer");
        assert_eq!(out.len(), rest);
    }

    #[test]
    fn wrong_mechanism() {
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let (_, err) = feed(&mut hs, &mut d, &mut out, &peer_greeting(1, b"PLAIN"), 64);
        assert_eq!(err, Some(ProtocolError::MechanismMismatch.into()));
        // The rest of our greeting and READY are queued, for the peer to see what it met.
        assert_eq!(
            out.len(),
            GREETING_LEN + ready_frame("DEALER", Some(b"")).len()
        );
        // Sticky.
        assert_eq!(
            hs.advance(&mut d, &mut out),
            Err(ProtocolError::MechanismMismatch.into())
        );
    }

    #[test]
    fn bad_signature_and_old_versions_early() {
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let (_, err) = feed(&mut hs, &mut d, &mut out, b"\x05", 1);
        assert_eq!(err, Some(ProtocolError::BadSignature.into()));
        assert_eq!(out.len(), greeting::FIRST_PART_LEN, "nothing more sent");

        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let mut v2 = peer_greeting(1, b"NULL");
        v2[10] = 1;
        let (_, err) = feed(&mut hs, &mut d, &mut out, &v2[..11], 1);
        assert_eq!(err, Some(ProtocolError::UnsupportedVersion(1).into()));
    }

    #[test]
    fn incompatible_socket_type() {
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let mut stream = peer_greeting(1, b"NULL");
        stream.extend(ready_frame("PUB", None));
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 5);
        assert_eq!((seen, err), (vec![], Some(HandshakeError::Incompatible)));
        assert!(!out.windows(5).any(|w| w == b"ERROR"), "no ERROR command");
    }

    #[test]
    fn ready_checks() {
        let cases: [(&[u8], HandshakeError); 3] = [
            (
                b"\x04\x19\x05READY\x08Identity\x00\x00\x00\x00\x01A\x00\x00\x00\x00",
                ProtocolError::MalformedReady("no Socket-Type").into(),
            ),
            (
                b"\x04\x0a\x05READY\x08Ide",
                ProtocolError::MalformedReady("property name runs past the end of the command")
                    .into(),
            ),
            (
                b"\x04\x00",
                ProtocolError::MalformedCommand("empty command frame").into(),
            ),
        ];
        for (frame, want) in cases {
            let (mut hs, mut out) = dealer();
            let mut d = Decoder::new(-1);
            let mut stream = peer_greeting(1, b"NULL");
            stream.extend_from_slice(frame);
            let (_, err) = feed(&mut hs, &mut d, &mut out, &stream, 64);
            assert_eq!(err, Some(want));
        }
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let mut stream = peer_greeting(1, b"NULL");
        stream.extend(ready_frame("ROUTER", Some(&[b'x'; 256])));
        let (_, err) = feed(&mut hs, &mut d, &mut out, &stream, 64);
        assert!(matches!(
            err,
            Some(HandshakeError::Protocol(ProtocolError::InvalidMetadata(_)))
        ));
    }

    #[test]
    fn out_of_order_before_ready() {
        let cases: [(&[u8], HandshakeError); 5] = [
            (
                b"\x00\x02hi",
                ProtocolError::UnexpectedCommand("message before READY".into()).into(),
            ),
            (
                b"\x04\x0a\x09SUBSCRIBE",
                ProtocolError::UnexpectedCommand("SUBSCRIBE before READY".into()).into(),
            ),
            (
                b"\x04\x07\x06CANCEL",
                ProtocolError::UnexpectedCommand("SUBSCRIBE before READY".into()).into(),
            ),
            (b"\x04\x0a\x05ERROR\x03400", HandshakeError::Auth(400)),
            (
                b"\x04\x0a\x05ERROR\x03401",
                HandshakeError::PeerError(Bytes::from_static(b"401")),
            ),
        ];
        for (frame, want) in cases {
            let (mut hs, mut out) = dealer();
            let mut d = Decoder::new(-1);
            let mut stream = peer_greeting(1, b"NULL");
            stream.extend_from_slice(frame);
            let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 64);
            assert_eq!((seen, err), (vec![], Some(want)));
        }
    }

    #[test]
    fn commands_before_the_greeting_completes_are_greeting_bytes() {
        // A peer that sends READY and PING right after its version: their 52 bytes make up the
        // rest of its "greeting", whose mechanism field is then the READY's first 20 bytes.
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let mut stream = peer_greeting(1, b"NULL")[..12].to_vec();
        stream.extend(ready_frame("ROUTER", Some(b"")));
        stream.extend_from_slice(b"\x04\x07\x04PING\x00\x14");
        assert_eq!(stream.len(), GREETING_LEN);
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream[..63], 7);
        assert_eq!((seen, err), (vec![], None), "still a greeting");
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream[63..], 7);
        assert_eq!(seen, vec![]);
        assert_eq!(err, Some(ProtocolError::MechanismMismatch.into()));
        assert!(!out.windows(4).any(|w| w == b"PONG"));
    }

    #[test]
    fn ping_pong_and_unknown_commands_before_ready() {
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let mut stream = peer_greeting(1, b"NULL");
        stream.extend_from_slice(b"\x04\x09\x04PING\x00\x14ab");
        stream.extend_from_slice(b"\x04\x05\x04PONG");
        stream.extend_from_slice(b"\x04\x06\x05HELLO");
        stream.extend(ready_frame("DEALER", None));
        let before = GREETING_LEN + ready_frame("DEALER", Some(b"")).len();
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 3);
        assert_eq!(err, None);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0], Progress::Ping { ttl_ds: 20 });
        assert!(matches!(seen[1], Progress::Established(_)));
        assert_eq!(&out[before..], b"\x04\x07\x04PONGab");
    }

    #[test]
    fn zap_seam() {
        let opts = Options {
            zap_domain: Bytes::from_static(b"global"),
            routing_id: Bytes::from_static(b"SRV"),
            ..Options::default()
        };
        let mut stream = peer_greeting(1, b"NULL");
        stream.extend(ready_frame("DEALER", None));

        // Accepted: READY only after the decision, User-Id among the peer's properties.
        let (mut hs, mut out) = dealer_with(&opts, &[b"DEALER"]);
        let mut d = Decoder::new(-1);
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 64);
        assert_eq!(err, None);
        let [Progress::Zap(req)] = &seen[..] else {
            panic!("no ZAP request: {seen:?}")
        };
        assert_eq!(&req.domain[..], b"global");
        assert_eq!(&req.identity[..], b"SRV");
        assert_eq!(out.len(), GREETING_LEN, "no READY before the decision");
        assert_eq!(hs.advance(&mut d, &mut out), Ok(Progress::Pending));
        let reply = ZapReply {
            status: 200,
            user_id: Bytes::from_static(b"joe"),
            metadata: Vec::new(),
        };
        hs.zap_answer(ZapAnswer::Reply(reply), &mut out).unwrap();
        assert_eq!(&out[GREETING_LEN..], &ready_frame("DEALER", Some(b""))[..]);
        let Ok(Progress::Established(peer)) = hs.advance(&mut d, &mut out) else {
            panic!("not established")
        };
        assert_eq!(
            command::property(&peer.properties, "User-Id").map(|v| &v[..]),
            Some(&b"joe"[..])
        );

        // Refused: ERROR "400", then the failure sticks.
        let (mut hs, mut out) = dealer_with(&opts, &[b"DEALER"]);
        let mut d = Decoder::new(-1);
        let (seen, _) = feed(&mut hs, &mut d, &mut out, &stream, 64);
        assert!(matches!(seen[..], [Progress::Zap(_)]));
        let reply = ZapReply {
            status: 400,
            user_id: Bytes::new(),
            metadata: Vec::new(),
        };
        assert_eq!(
            hs.zap_answer(ZapAnswer::Reply(reply), &mut out),
            Err(HandshakeError::Auth(400))
        );
        assert_eq!(&out[GREETING_LEN..], b"\x04\x0a\x05ERROR\x03400");
        assert_eq!(hs.advance(&mut d, &mut out), Err(HandshakeError::Auth(400)));

        // No handler: no authentication.
        let (mut hs, mut out) = dealer_with(&opts, &[b"DEALER"]);
        let mut d = Decoder::new(-1);
        feed(&mut hs, &mut d, &mut out, &stream, 64);
        hs.zap_answer(ZapAnswer::NoHandler, &mut out).unwrap();
        assert!(matches!(
            hs.advance(&mut d, &mut out),
            Ok(Progress::Established(_))
        ));
    }
    /// §2.3 of the security notes: REQ (routing id "CLI1", admin/secret) and REP (PLAIN
    /// server, ZAP domain "global", routing id "SRV"), captured between two libzmq 4.3.4.
    mod plain_capture {
        /// Greeting bytes 9..64: `7f 03 01 "PLAIN" 00*15`, as-server `00`, `00*31`.
        pub(super) fn greeting_rest() -> Vec<u8> {
            let mut g = b"\x7f\x03\x01PLAIN".to_vec();
            g.resize(55, 0);
            g
        }
        pub(super) const HELLO: &[u8] =
            b"\x04\x13\x05\x48\x45\x4c\x4c\x4f\x05\x61\x64\x6d\x69\x6e\x06\x73\x65\x63\x72\x65\x74";
        pub(super) const WELCOME: &[u8] = b"\x04\x08\x07\x57\x45\x4c\x43\x4f\x4d\x45";
        pub(super) const INITIATE: &[u8] = b"\x04\x2d\x08\x49\x4e\x49\x54\x49\x41\x54\x45\x0b\x53\x6f\x63\x6b\x65\x74\x2d\x54\x79\x70\x65\x00\x00\x00\x03\x52\x45\x51\x08\x49\x64\x65\x6e\x74\x69\x74\x79\x00\x00\x00\x04\x43\x4c\x49\x31";
        pub(super) const READY: &[u8] = b"\x04\x19\x05\x52\x45\x41\x44\x59\x0b\x53\x6f\x63\x6b\x65\x74\x2d\x54\x79\x70\x65\x00\x00\x00\x03\x52\x45\x50";
        pub(super) const REQUEST: &[u8] = b"\x01\x00\x00\x05\x48\x65\x6c\x6c\x6f";
        pub(super) const REPLY: &[u8] = b"\x01\x00\x00\x05\x57\x6f\x72\x6c\x64";

        /// A greeting as captured: padding byte 8 is the routing id's length + 1.
        pub(super) fn greeting(padding: u8) -> Vec<u8> {
            let mut g = vec![0xff, 0, 0, 0, 0, 0, 0, 0, padding];
            g.extend(greeting_rest());
            assert_eq!(g.len(), 64);
            g
        }
    }

    fn plain(
        socket_type: &'static str,
        identity: Option<&'static [u8]>,
        opts: &Options,
        accepts: &'static [&'static [u8]],
    ) -> (Handshake, BytesMut) {
        let ours = Metadata {
            socket_type,
            identity: identity.map(Bytes::from_static),
        };
        let mut out = BytesMut::new();
        let hs = Handshake::new(
            mechanism::for_options(opts, ours),
            PeerCheck::new(move |peer| accepts.contains(&peer)),
            &mut out,
        );
        (hs, out)
    }

    fn plain_client_opts() -> Options {
        Options {
            security: Security::Plain { server: false },
            plain_username: Bytes::from_static(b"admin"),
            plain_password: Bytes::from_static(b"secret"),
            routing_id: Bytes::from_static(b"CLI1"),
            ..Options::default()
        }
    }

    fn plain_server_opts() -> Options {
        Options {
            security: Security::Plain { server: true },
            zap_domain: Bytes::from_static(b"global"),
            routing_id: Bytes::from_static(b"SRV"),
            ..Options::default()
        }
    }

    #[test]
    fn plain_client_replays_the_capture() {
        use plain_capture::*;
        let mut stream = greeting(4);
        stream.extend_from_slice(WELCOME);
        stream.extend_from_slice(READY);
        stream.extend_from_slice(REPLY);
        for chunk in [1, 2, 3, 7, 11, 13, 63, 64, 65, 100, stream.len()] {
            let (mut hs, mut out) = plain("REQ", Some(b"CLI1"), &plain_client_opts(), &[b"REP"]);
            let mut d = Decoder::new(-1);
            let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, chunk);
            assert_eq!(err, None, "chunk {chunk}");
            let [Progress::Established(peer)] = &seen[..] else {
                panic!("chunk {chunk}: {seen:?}")
            };
            assert_eq!(
                command::property(&peer.properties, "Socket-Type").map(|v| &v[..]),
                Some(&b"REP"[..])
            );
            // Our greeting (padding byte 8 aside: the engine sends 1), then HELLO and
            // INITIATE byte for byte.
            assert_eq!(out[0], 0xff);
            assert_eq!(&out[9..64], &greeting_rest()[..], "chunk {chunk}: greeting");
            let mut want = HELLO.to_vec();
            want.extend_from_slice(INITIATE);
            assert_eq!(&out[64..], &want[..], "chunk {chunk}");
            assert!(matches!(d.next(), Ok(Some(_))), "the reply is left");
            assert!(hs.into_wrapper().is_none(), "PLAIN does not wrap");
        }
    }

    #[test]
    fn plain_server_replays_the_capture() {
        use plain_capture::*;
        let mut stream = greeting(5);
        stream.extend_from_slice(HELLO);
        stream.extend_from_slice(INITIATE);
        stream.extend_from_slice(REQUEST);
        for chunk in [1, 2, 3, 7, 11, 13, 63, 64, 65, 100, stream.len()] {
            let (mut hs, mut out) = plain("REP", None, &plain_server_opts(), &[b"REQ"]);
            let mut d = Decoder::new(-1);
            let mut requests = Vec::new();
            let mut established = None;
            for piece in stream.chunks(chunk) {
                d.read_buf().extend_from_slice(piece);
                loop {
                    match hs.advance(&mut d, &mut out).unwrap() {
                        Progress::Pending => break,
                        Progress::Zap(req) => {
                            requests.push(req.frames(b"127.0.0.1"));
                            let reply = ZapReply {
                                status: 200,
                                user_id: Bytes::from_static(b"client1"),
                                metadata: Vec::new(),
                            };
                            hs.zap_answer(ZapAnswer::Reply(reply), &mut out).unwrap();
                        }
                        Progress::Established(peer) => established = Some(peer),
                        p => panic!("{p:?}"),
                    }
                }
            }
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
            assert_eq!(requests, vec![want], "chunk {chunk}");
            let peer = established.expect("established");
            assert_eq!(&peer.identity[..], b"CLI1");
            assert_eq!(
                command::property(&peer.properties, "User-Id").map(|v| &v[..]),
                Some(&b"client1"[..])
            );
            assert_eq!(&out[9..64], &greeting_rest()[..], "as-server 0, as libzmq");
            let mut want = WELCOME.to_vec();
            want.extend_from_slice(READY);
            assert_eq!(&out[64..], &want[..], "chunk {chunk}");
            assert!(matches!(d.next(), Ok(Some(_))), "the request is left");
        }
    }

    #[test]
    fn plain_server_refusals_on_the_wire() {
        use plain_capture::*;
        let mut stream = greeting(5);
        stream.extend_from_slice(HELLO);
        for (answer, sent, want) in [
            (ZapAnswer::NoHandler, &b""[..], HandshakeError::NoZapHandler),
            (
                ZapAnswer::Reply(ZapReply {
                    status: 300,
                    user_id: Bytes::new(),
                    metadata: Vec::new(),
                }),
                b"",
                HandshakeError::Auth(300),
            ),
            (
                ZapAnswer::Reply(ZapReply {
                    status: 400,
                    user_id: Bytes::new(),
                    metadata: Vec::new(),
                }),
                b"\x04\x0a\x05ERROR\x03400",
                HandshakeError::Auth(400),
            ),
            (
                ZapAnswer::Reply(ZapReply {
                    status: 500,
                    user_id: Bytes::new(),
                    metadata: Vec::new(),
                }),
                b"\x04\x0a\x05ERROR\x03500",
                HandshakeError::Auth(500),
            ),
        ] {
            let (mut hs, mut out) = plain("REP", None, &plain_server_opts(), &[b"REQ"]);
            let mut d = Decoder::new(-1);
            let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 9);
            assert_eq!(err, None);
            assert!(matches!(seen[..], [Progress::Zap(_)]));
            assert_eq!(hs.zap_answer(answer, &mut out), Err(want.clone()));
            assert_eq!(&out[64..], sent, "{want:?}");
            assert_eq!(hs.advance(&mut d, &mut out), Err(want), "sticky");
        }
    }

    #[test]
    fn plain_client_reads_both_error_forms() {
        use plain_capture::*;
        for error in [&b"\x04\x09\x5eRROR\x03400"[..], b"\x04\x0a\x05ERROR\x03400"] {
            let mut stream = greeting(4);
            stream.extend_from_slice(error);
            let (mut hs, mut out) = plain("REQ", Some(b"CLI1"), &plain_client_opts(), &[b"REP"]);
            let mut d = Decoder::new(-1);
            let (_, err) = feed(&mut hs, &mut d, &mut out, &stream, 5);
            assert_eq!(err, Some(HandshakeError::Auth(400)));
        }
        // A WELCOME of the wrong size.
        let mut stream = greeting(4);
        stream.extend_from_slice(b"\x04\x09\x07WELCOME!");
        let (mut hs, mut out) = plain("REQ", Some(b"CLI1"), &plain_client_opts(), &[b"REP"]);
        let mut d = Decoder::new(-1);
        let (_, err) = feed(&mut hs, &mut d, &mut out, &stream, 3);
        assert_eq!(err.and_then(|e| e.protocol_code()), Some(0x1000_0017));
        assert_eq!(&out[64..], HELLO, "no INITIATE");
        // A HELLO with trailing bytes.
        let mut stream = greeting(5);
        stream.extend_from_slice(b"\x04\x14\x05HELLO\x05admin\x06secretX");
        let (mut hs, mut out) = plain("REP", None, &plain_server_opts(), &[b"REQ"]);
        let mut d = Decoder::new(-1);
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 7);
        assert_eq!(seen, vec![], "no ZAP request");
        assert_eq!(err.and_then(|e| e.protocol_code()), Some(0x1000_0013));
        assert_eq!(out.len(), 64, "nothing but the greeting");
    }

    #[test]
    fn plain_and_null_never_meet() {
        // A PLAIN client meeting NULL: mismatch, and its credentials stay home.
        let mut null = peer_greeting(1, b"NULL");
        null.extend(ready_frame("REP", None));
        let (mut hs, mut out) = plain("REQ", Some(b"CLI1"), &plain_client_opts(), &[b"REP"]);
        let mut d = Decoder::new(-1);
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &null, 3);
        assert_eq!(
            (seen, err),
            (vec![], Some(ProtocolError::MechanismMismatch.into()))
        );
        assert_eq!(out.len(), GREETING_LEN, "no HELLO");
        // A PLAIN server meeting NULL.
        let (mut hs, mut out) = plain("REP", None, &plain_server_opts(), &[b"REQ"]);
        let mut d = Decoder::new(-1);
        let (_, err) = feed(&mut hs, &mut d, &mut out, &null, 64);
        assert_eq!(err, Some(ProtocolError::MechanismMismatch.into()));
        // A NULL socket meeting a PLAIN client.
        let mut stream = plain_capture::greeting(5);
        stream.extend_from_slice(plain_capture::HELLO);
        let (mut hs, mut out) = dealer();
        let mut d = Decoder::new(-1);
        let (seen, err) = feed(&mut hs, &mut d, &mut out, &stream, 64);
        assert_eq!(
            (seen, err),
            (vec![], Some(ProtocolError::MechanismMismatch.into()))
        );
    }
}
