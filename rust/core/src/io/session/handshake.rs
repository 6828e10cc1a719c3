//! The session's side of the ZMTP handshake: the mechanism chosen from the socket's options,
//! the metadata we announce, the peers we accept, and the state machine of
//! [`crate::zmtp::handshake`] run on the connection's input until the connection is attached
//! to its socket.

use super::{protocol, ttl_deadline, Closed, Session};
use crate::monitor::event;
use crate::zmtp::handshake::{Handshake, Progress};
use crate::zmtp::mechanism;
use crate::zmtp::mechanism::zap::ZapAnswer;
use crate::zmtp::metadata::{Metadata, PeerCheck};
use crate::zmtp::HandshakeError;

/// How a failed handshake closes the connection.
pub(super) fn refused(e: HandshakeError) -> Closed {
    match e {
        HandshakeError::Protocol(e) => protocol(e),
        HandshakeError::BadZapReply { code, .. } => Closed::Protocol(code),
        HandshakeError::Incompatible => Closed::Incompatible,
        HandshakeError::PeerError(_) => Closed::PeerError,
        HandshakeError::Auth(status) => Closed::Auth(status),
        HandshakeError::NoZapHandler => Closed::NoZapHandler,
    }
}

impl Session {
    /// Chooses the mechanism and queues the first part of our greeting.
    pub(super) fn start_handshake(&mut self) {
        let ty = self.link.ty;
        let ours = Metadata {
            socket_type: ty.name(),
            identity: ty
                .kind()
                .sends_identity
                .then(|| self.opts.routing_id.clone()),
        };
        let mechanism = mechanism::for_options(&mechanism::Options::from_socket(&self.opts), ours);
        let peer_check = PeerCheck::new(move |peer| ty.compatible(peer));
        let handshake = self
            .out
            .push_raw(|out| Handshake::new(mechanism, peer_check, out));
        self.handshake = Some(Box::new(handshake));
    }

    /// Runs the handshake on the buffered input. Ok(true) once it is complete (the
    /// connection is attached to the socket), Ok(false) while it needs more. Out of line and
    /// cold: it runs only until the connection is established.
    #[cold]
    #[inline(never)]
    pub(super) fn handshake_step(&mut self) -> Result<bool, Closed> {
        let Some(hs) = self.handshake.as_mut() else {
            return Ok(true);
        };
        loop {
            let decoder = &mut self.decoder;
            let progress = self
                .out
                .push_raw(|out| hs.advance(decoder, out))
                .map_err(refused)?;
            match progress {
                Progress::Pending => return Ok(false),
                Progress::Ping { ttl_ds } => {
                    if let Some(d) = ttl_deadline(ttl_ds) {
                        self.ttl_deadline = Some(d);
                    }
                }
                Progress::Zap(_request) => {
                    // No ZAP handler is reachable from an I/O thread: every mechanism goes on
                    // as libzmq does when none is bound (NULL without authentication; a PLAIN
                    // server refuses the peer).
                    self.out
                        .push_raw(|out| hs.zap_answer(ZapAnswer::NoHandler, out))
                        .map_err(refused)?;
                }
                Progress::Established(peer) => {
                    self.wrapper = self.handshake.take().and_then(|hs| hs.into_wrapper());
                    self.peer_v31 = peer.v31;
                    self.ready = true;
                    self.link
                        .monitor
                        .emit(event::HANDSHAKE_SUCCEEDED, 0, &self.endpoint);
                    self.attach(peer.identity);
                    return Ok(true);
                }
            }
        }
    }
}
