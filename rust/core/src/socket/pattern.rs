//! The behaviour of a socket type ([`Pattern`], libzmq's `xsend`/`xrecv` and friends), and
//! the one place that picks the implementation for a type ([`for_type`]).

use super::{dealer, pair, pull, push, rep, req, router, xpub, xsub, Core};
use crate::error::Result;
use crate::kind::SocketType;
use crate::msg::Frame;
use crate::pipe::PipeId;

/// Result of a pattern's send attempt.
pub(crate) enum Sent {
    /// The frame was taken (queued, or dropped as the socket type demands).
    Done,
    /// No pipe can take a new message now; the frame is handed back.
    Blocked(Frame),
}

/// The behaviour of one socket type.
pub(crate) trait Pattern: Send + std::fmt::Debug {
    /// A pipe was added to `core.pipes`.
    fn attach(&mut self, _core: &mut Core, _id: PipeId) {}
    /// A pipe is about to be removed from `core.pipes`.
    fn detach(&mut self, _core: &mut Core, _id: PipeId) {}
    /// The peer of a pipe announced its identity late (connect before bind).
    fn identified(&mut self, _core: &mut Core, _id: PipeId) {}
    /// The pipe's connection was re-established: state kept at the peer (subscriptions)
    /// must be sent again.
    fn reconnected(&mut self, _core: &mut Core, _id: PipeId) {}
    /// Sends one frame (its `more` flag is set).
    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent>;
    /// Receives one frame, or None if none is ready.
    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>>;
    /// True if `recv` would return a frame.
    fn has_in(&mut self, core: &mut Core) -> bool;
    /// True if `send` of a new message would not block.
    fn has_out(&mut self, core: &mut Core) -> bool;
    /// A socket-type-specific option; Ok(false) if not one of this type's options.
    fn set_option(&mut self, _core: &mut Core, _num: i32, _raw: &[u8]) -> Result<bool> {
        Ok(false)
    }
    /// Before sleeping in send: ask the pipes that may take the message to wake us.
    fn want_write(&mut self, core: &mut Core) {
        for p in &core.pipes.list {
            p.want_write();
        }
    }
}

/// A new socket's behaviour.
pub(super) fn for_type(ty: SocketType) -> Box<dyn Pattern> {
    match ty {
        SocketType::Pair => Box::new(pair::Pair::default()),
        SocketType::Pub => Box::new(xpub::XPub::new(false)),
        SocketType::Sub => Box::new(xsub::XSub::new(true)),
        SocketType::Req => Box::new(req::Req::default()),
        SocketType::Rep => Box::new(rep::Rep::default()),
        SocketType::Dealer => Box::new(dealer::Dealer::default()),
        SocketType::Router => Box::new(router::Router::new(false)),
        SocketType::Pull => Box::new(pull::Pull::default()),
        SocketType::Push => Box::new(push::Push::default()),
        SocketType::XPub => Box::new(xpub::XPub::new(true)),
        SocketType::XSub => Box::new(xsub::XSub::new(false)),
        SocketType::Stream => Box::new(router::Router::new(true)),
    }
}
