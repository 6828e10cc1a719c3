//! The session's side of the ZMTP handshake: the mechanism chosen from the socket's options,
//! the metadata we announce, the peers we accept, and the state machine of
//! [`crate::zmtp::handshake`] run on the connection's input until the connection is attached
//! to its socket.

use super::{protocol, ttl_deadline, Closed, Session};
use crate::monitor::event;
use crate::zmtp::handshake::{Handshake, Progress};
use crate::zmtp::mechanism;
use crate::zmtp::mechanism::zap::{self, ZapAnswer, ZapReply, ZapRequest};
use crate::zmtp::metadata::{Metadata, PeerCheck};
use crate::zmtp::HandshakeError;
use std::sync::Arc;

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
        if self.zap.is_some() && !self.take_zap_reply()? {
            return Ok(false);
        }
        loop {
            let Some(hs) = self.handshake.as_mut() else {
                return Ok(true);
            };
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
                Progress::Zap(request) => {
                    if self.ask_zap(&request)? {
                        // The handler's reply wakes the session (`take_zap_reply`).
                        return Ok(false);
                    }
                    // No handler bound: every mechanism goes on as libzmq does without one
                    // (NULL without authentication; a PLAIN server refuses the peer).
                    let Some(hs) = self.handshake.as_mut() else {
                        return Ok(true);
                    };
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

    /// Sends the mechanism's ZAP request to the handler bound at `inproc://zeromq.zap.01` in
    /// the socket's context. True if it went out (the reply comes through the pipe, which
    /// wakes the session); false if no handler is bound. With ZAP_ENFORCE_DOMAIN a request
    /// that cannot be asked fails the handshake (NO_DETAIL, EFAULT) instead of going on
    /// without authentication, and so does a PLAIN server without a domain (libzmq asserts).
    fn ask_zap(&mut self, request: &ZapRequest) -> Result<bool, Closed> {
        let enforce = self.opts.zap_enforce_domain;
        if enforce && request.domain.is_empty() {
            return Err(Closed::NoZapHandler);
        }
        let Some(mut pipe) = self
            .link
            .inproc
            .connect_zap(&self.sig, Arc::from(zap::ENDPOINT))
        else {
            return if enforce {
                Err(Closed::NoZapHandler)
            } else {
                Ok(false)
            };
        };
        let address = self.stream.zap_address();
        pipe.send(request.frames(address.as_bytes()));
        self.zap = Some(pipe);
        Ok(true)
    }

    /// Feeds the handler's reply to the handshake once it came. False while it has not (the
    /// handshake timer bounds the wait). A reply that fails libzmq's checks closes the
    /// connection with their protocol error.
    fn take_zap_reply(&mut self) -> Result<bool, Closed> {
        let Some(frames) = self.zap.as_mut().and_then(|z| z.reply()) else {
            return Ok(false);
        };
        self.zap = None;
        let reply = ZapReply::parse(&frames).map_err(refused)?;
        let Some(hs) = self.handshake.as_mut() else {
            return Ok(true);
        };
        self.out
            .push_raw(|out| hs.zap_answer(ZapAnswer::Reply(reply), out))
            .map_err(refused)?;
        Ok(true)
    }
}
