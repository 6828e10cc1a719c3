//! Security mechanisms (RFC 23 "Authentication and Confidentiality"): one trait, one file per
//! mechanism, and [`for_options`], which picks the mechanism a connection runs.
//!
//! A mechanism owns everything that differs between NULL, PLAIN and CURVE: the greeting's
//! mechanism name and as-server byte, the handshake commands it sends and accepts, the peer's
//! metadata once they arrived, the ZAP request a server makes, and, for a mechanism that
//! encrypts (CURVE), the wrapping of every frame once the handshake is over. The handshake
//! ([`super::handshake`]) drives it and does the rest (greetings, heartbeats, ERROR, metadata
//! checks), so a new mechanism is a file here, its options (rows of the option table, read in
//! [`Options::from_socket`]), and a line in [`for_options`].

pub(crate) mod null;
pub(crate) mod plain;
pub(crate) mod zap;

use super::error::{HandshakeError, ProtocolError};
use super::frame::{self, RawFrame};
use super::metadata::Metadata;
use crate::options::{Security, SessionOptions};
use bytes::{Bytes, BytesMut};
use std::fmt;
use zap::{ZapAnswer, ZapRequest};

/// One side of a security mechanism, for one connection.
///
/// The handshake calls it in this order: [`Mechanism::next_command`] as soon as our greeting's
/// rest is out (and after every step below), then, once the greetings are exchanged and
/// matched, [`Mechanism::zap_request`] and [`Mechanism::process_command`] for each handshake
/// command of the peer, until [`Mechanism::is_complete`]. A command it sends is a command frame
/// body (`name_len name data`); the handshake frames it.
pub(crate) trait Mechanism: fmt::Debug + Send {
    /// The name in the greeting's mechanism field (at most 20 bytes, `NULL`, `PLAIN`, ...).
    fn name(&self) -> &'static [u8];

    /// The greeting's as-server byte: true for the server role of PLAIN and CURVE. The peer's
    /// byte is never read (libzmq always sends 0).
    fn as_server(&self) -> bool {
        false
    }

    /// The peer's greeting arrived and names our mechanism. A mechanism whose first command
    /// carries secrets (a PLAIN client's HELLO) holds it back until then.
    fn peer_greeting(&mut self) {}

    /// The next handshake command to send, if one is due now. Commands a mechanism queues
    /// before it fails (an ERROR command) are sent too.
    fn next_command(&mut self) -> Option<Bytes>;

    /// A handshake command from the peer: the whole body of a command frame whose name is
    /// well formed. PING, PONG, ERROR, SUBSCRIBE and CANCEL never get here: the handshake
    /// handles them.
    fn process_command(&mut self, body: Bytes) -> Result<(), HandshakeError>;

    /// An ERROR command the mechanism reads itself (called with every handshake command body
    /// before the handshake looks at its name): `Some` ends the handshake with that error.
    /// `None` leaves the command to the handshake, which ends on any ERROR with
    /// [`HandshakeError::PeerError`].
    fn peer_error(&mut self, body: &[u8]) -> Option<HandshakeError> {
        let _ = body;
        None
    }

    /// A request for a ZAP decision, when the mechanism cannot go on without one (at most
    /// once per connection). The handshake stops taking the peer's commands until the answer
    /// comes through [`Mechanism::zap_answer`].
    fn zap_request(&mut self) -> Option<ZapRequest> {
        None
    }

    /// The outcome of the request made through [`Mechanism::zap_request`].
    fn zap_answer(&mut self, answer: ZapAnswer) -> Result<(), HandshakeError> {
        let _ = answer;
        Ok(())
    }

    /// The peer's properties, once its metadata arrived (given out once).
    fn take_peer_properties(&mut self) -> Option<Vec<(Bytes, Bytes)>>;

    /// True once both sides are done with the handshake: messages may flow.
    fn is_complete(&self) -> bool;

    /// True if, after the handshake, every frame travels wrapped ([`Mechanism::wrap`],
    /// [`Mechanism::unwrap`]), as CURVE's MESSAGE commands. Asked once, when the handshake
    /// is complete: a mechanism that does not wrap (NULL, PLAIN) costs nothing per message.
    fn wraps(&self) -> bool {
        false
    }

    /// Appends one frame to `out` as it goes on the wire after the handshake. Called only if
    /// [`Mechanism::wraps`].
    fn wrap(&mut self, out: &mut BytesMut, body: &[u8], more: bool, command: bool) {
        frame::encode_frame(out, body, more, command);
    }

    /// The frame a received one carries after the handshake. Called only if
    /// [`Mechanism::wraps`].
    fn unwrap(&mut self, received: RawFrame) -> Result<RawFrame, ProtocolError> {
        Ok(received)
    }
}

/// The settings of the socket that choose and configure its mechanism.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// The mechanism and role.
    pub(crate) security: Security,
    /// ZMQ_PLAIN_USERNAME (a PLAIN client's).
    pub(crate) plain_username: Bytes,
    /// ZMQ_PLAIN_PASSWORD (a PLAIN client's).
    pub(crate) plain_password: Bytes,
    /// ZMQ_ZAP_DOMAIN (empty: none). Under NULL a ZAP request is made only when it is set.
    pub(crate) zap_domain: Bytes,
    /// The socket's routing id, which libzmq sends as a ZAP request's identity frame.
    pub(crate) routing_id: Bytes,
}

impl Options {
    /// The mechanism settings of a connection made with the socket's options `o`.
    pub(crate) fn from_socket(o: &SessionOptions) -> Options {
        Options {
            security: o.mechanism.security.clone(),
            plain_username: Bytes::from(o.mechanism.plain_username.clone()),
            plain_password: Bytes::from(o.mechanism.plain_password.clone()),
            zap_domain: Bytes::from(o.zap_domain.clone().into_bytes()),
            routing_id: o.routing_id.clone(),
        }
    }
}

/// The mechanism a connection of a socket with these options runs, announcing `ours` as its
/// metadata.
pub(crate) fn for_options(opts: &Options, ours: Metadata) -> Box<dyn Mechanism> {
    match opts.security {
        Security::Null => Box::new(null::Null::new(ours, opts)),
        Security::Plain { server } => {
            let role = if server {
                plain::Role::Server
            } else {
                plain::Role::Client {
                    username: opts.plain_username.clone(),
                    password: opts.plain_password.clone(),
                }
            };
            Box::new(plain::Plain::new(ours, role, opts))
        }
    }
}
