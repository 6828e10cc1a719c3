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
//! ours, so this never waits on a peer that waits on us.
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
                        Some(g) => self.on_greeting(&g)?,
                        None => return Ok(Progress::Pending),
                    }
                }
                State::Greeting => match decoder.take_greeting()? {
                    Some(g) => self.on_greeting(&g)?,
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

    /// The peer's whole greeting is in.
    fn on_greeting(&mut self, g: &Greeting) -> Result<(), HandshakeError> {
        if !g.mechanism_is(self.mechanism.name()) {
            return Err(ProtocolError::MechanismMismatch.into());
        }
        self.peer_v31 = g.is_v31();
        self.state = State::Commands;
        Ok(())
    }

    /// A command of the peer during the handshake: the ones every mechanism shares here, the
    /// others to the mechanism.
    fn on_command(
        &mut self,
        body: Bytes,
        out: &mut BytesMut,
    ) -> Result<Option<Progress>, HandshakeError> {
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
            let result = self.mechanism.process_command(body);
            self.send_commands(out);
            result?;
            if self.peer.is_none() {
                if let Some(props) = self.mechanism.take_peer_properties() {
                    let identity = metadata::check_peer(&props, &self.peer_check)?;
                    self.peer = Some((identity, props));
                }
            }
            return Ok(None);
        }
        match command::parse(body)? {
            Command::Ping { ttl_ds, context } => {
                frame::encode_command(out, &command::pong(&context));
                Ok(Some(Progress::Ping { ttl_ds }))
            }
            Command::Error(reason) => Err(HandshakeError::PeerError(reason)),
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
        let cases: [(&[u8], HandshakeError); 4] = [
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
            (
                b"\x04\x0a\x05ERROR\x03400",
                HandshakeError::PeerError(Bytes::from_static(b"400")),
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
}
