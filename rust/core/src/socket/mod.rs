//! Sockets: the part every socket type shares (state, pipes, the commands peers send,
//! closing, monitoring, creating a socket from a context). Each type's own behaviour is a
//! [`Pattern`] in its own file; the other shared parts are in endpoints.rs (bind/connect),
//! blocking.rs (waiting in send/recv), events.rs (EVENTS and ZMQ_FD) and sockopt.rs (options).

mod blocking;
mod dealer;
mod endpoints;
mod events;
mod pair;
mod pattern;
mod pull;
mod push;
mod rep;
mod req;
mod router;
mod sockopt;
mod xpub;
mod xsub;

pub use crate::kind::SocketType;

use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::io::IoCommand;
use crate::monitor::{EventSink, Monitor, StopWhenDropped};
use crate::msg::Frame;
use crate::options::{id, Options};
use crate::pipe::{Command, PipeEnd, PipeId};
use crate::signaler::Signaler;
use crate::strategy::Pipes;
use crate::transport::inproc::PeerInfo;
use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};
use pattern::{Pattern, Sent};
use std::sync::Arc;
use std::time::Instant;

/// Send/recv flag: do not block (EAGAIN instead). Bit 0; other unknown bits are ignored.
pub const DONTWAIT: i32 = 1;
/// Send flag: more frames of this message follow.
pub const SNDMORE: i32 = 2;
/// Send/recv flag: this call goes on with a blocking call that a signal interrupted (EINTR),
/// within what was left of that call's SNDTIMEO/RCVTIMEO, instead of a fresh timeout. A bit
/// libzmq does not use; without an interrupted call to resume it changes nothing.
pub const RESUME: i32 = 1 << 24;
/// EVENTS bit: a message can be received.
pub const POLLIN: i32 = 1;
/// EVENTS bit: a message can be sent.
pub const POLLOUT: i32 = 2;

/// State shared by every socket type.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) ctx: Context,
    pub(crate) id: u64,
    pub(crate) ty: SocketType,
    pub(crate) opts: Options,
    pub(crate) sig: Arc<Signaler>,
    mailbox: Receiver<Command>,
    pub(crate) mailbox_tx: Sender<Command>,
    pub(crate) pipes: Pipes,
    /// Endpoints bound (true) or connected (false), in order.
    endpoints: Vec<(String, bool)>,
    last_endpoint: String,
    rcvmore: bool,
}

impl Core {
    /// What a peer needs to know about this socket.
    fn peer_info(&self) -> PeerInfo {
        PeerInfo {
            socket_id: self.id,
            mailbox: self.mailbox_tx.clone(),
            sig: Arc::clone(&self.sig),
            sndhwm: self.opts.sndhwm,
            rcvhwm: self.opts.rcvhwm,
            routing_id: self.opts.routing_id.clone(),
        }
    }

    /// Closes a pipe on our side and tells the peer.
    pub(crate) fn close_pipe(mut p: PipeEnd) {
        if let Some(mb) = &p.peer_mailbox {
            let _ = mb.send(Command::PipeClosed(p.id));
        }
        // Closing notifies the peer, which then finds the command.
        p.close();
    }
}

/// A ZeroMQ socket. Not thread-safe: use it from one thread at a time (it is `Send`).
#[derive(Debug)]
pub struct Socket {
    core: Core,
    pattern: Box<dyn Pattern>,
    closed: bool,
    /// The fd was handed out (ZMQ_FD): from then on, after every call, the fd is readable
    /// or the signaler is armed, and it stays readable while there is input to read.
    fd_watched: bool,
    /// The deadline of the last blocking send or recv, when a signal interrupted it: a call
    /// with RESUME waits until then; a call without it that has to wait forgets it.
    interrupted: Option<Option<Instant>>,
    /// Has tcp/ipc endpoints (I/O threads must hear about close).
    uses_io: bool,
    /// Where connection events go (zmq_socket_monitor).
    monitor: Arc<Monitor>,
}

impl Socket {
    fn new(ctx: Context, id: u64, ty: SocketType, sig: Arc<Signaler>) -> Socket {
        let (tx, rx) = crossbeam_channel::unbounded();
        let linger = ctx.default_linger(ty);
        let pattern = pattern::for_type(ty);
        Socket {
            core: Core {
                ctx,
                id,
                ty,
                opts: Options::new(linger),
                sig,
                mailbox: rx,
                mailbox_tx: tx,
                pipes: Pipes::default(),
                endpoints: Vec::new(),
                last_endpoint: String::new(),
                rcvmore: false,
            },
            pattern,
            closed: false,
            fd_watched: false,
            interrupted: None,
            uses_io: false,
            monitor: Monitor::new(),
        }
    }

    /// The socket type.
    pub fn socket_type(&self) -> SocketType {
        self.core.ty
    }

    /// The context this socket belongs to.
    pub fn context(&self) -> &Context {
        &self.core.ctx
    }

    #[inline]
    fn check(&self) -> Result<()> {
        if self.closed {
            return Err(Error::NotSocket);
        }
        if self.core.ctx.inner.is_terminated() {
            return Err(Error::Term);
        }
        Ok(())
    }

    /// Applies commands from peers (new pipes, closed pipes).
    #[inline]
    fn process_commands(&mut self) {
        // A plain load answers the common case; `try_recv` on an empty channel costs a full
        // fence. Before sleeping, the signaler's fences order this load against a sender's
        // push-then-notify, so no command is missed.
        if self.core.mailbox.is_empty() {
            return;
        }
        while let Ok(cmd) = self.core.mailbox.try_recv() {
            match cmd {
                Command::Attach(p) => self.attach(p),
                Command::Bound {
                    pipe,
                    identity,
                    mailbox,
                } => {
                    if let Some(p) = self.core.pipes.get_mut(pipe) {
                        p.peer_identity = identity;
                        p.peer_mailbox = Some(mailbox);
                        self.pattern.identified(&mut self.core, pipe);
                    }
                }
                Command::Reconnected { pipe, identity } => {
                    if let Some(p) = self.core.pipes.get_mut(pipe) {
                        p.peer_identity = identity;
                        self.pattern.identified(&mut self.core, pipe);
                        self.pattern.reconnected(&mut self.core, pipe);
                    }
                }
                Command::PipeClosed(id) => {
                    if let Some(p) = self.core.pipes.get_mut(id) {
                        p.peer_closed = true;
                        if !p.check_read() {
                            self.remove_pipe(id);
                        }
                    }
                }
            }
        }
    }

    fn attach(&mut self, p: PipeEnd) {
        let id = p.id;
        self.core.pipes.add(p);
        self.pattern.attach(&mut self.core, id);
    }

    /// Removes a pipe whose peer is gone and whose messages were all read.
    fn remove_pipe(&mut self, id: PipeId) {
        self.pattern.detach(&mut self.core, id);
        if let Some(p) = self.core.pipes.remove(id) {
            Core::close_pipe(p);
        }
    }

    /// Removes every pipe whose peer closed and that has nothing left to read. Returns true
    /// if it removed any: the pattern may have something new to say (an XPUB's unsubscribe).
    fn reap(&mut self) -> bool {
        let dead: Vec<PipeId> = self
            .core
            .pipes
            .list
            .iter()
            .filter(|p| p.is_drained())
            .map(|p| p.id)
            .collect();
        let reaped = !dead.is_empty();
        for id in dead {
            self.remove_pipe(id);
        }
        reaped
    }

    /// Sends one frame. `flags`: DONTWAIT (bit 0) and SNDMORE; other bits are ignored.
    pub fn send(&mut self, data: Bytes, flags: i32) -> Result<()> {
        self.check()?;
        self.process_commands();
        let frame = Frame {
            data,
            more: flags & SNDMORE != 0,
        };
        match self.pattern.send(&mut self.core, frame)? {
            Sent::Done => Ok(()),
            Sent::Blocked(f) => self.send_blocked(f, flags),
        }
    }

    /// Sends a whole message in one call (frames in order; SNDMORE is implied on all but the
    /// last, and `flags` may add SNDMORE to the last too).
    pub fn send_parts<I>(&mut self, parts: I, flags: i32) -> Result<()>
    where
        I: IntoIterator<Item = Bytes>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut it = parts.into_iter();
        let n = it.len();
        if n == 0 {
            return Err(Error::invalid("a message needs at least one frame"));
        }
        let first = it.next().unwrap_or_default();
        let f0 = if n > 1 { flags | SNDMORE } else { flags };
        self.send(first, f0)?;
        // Once the first frame is accepted the rest always fit (libzmq semantics), and the
        // socket was checked and its commands processed for this message already.
        for (i, data) in it.enumerate() {
            let more = i + 2 < n || flags & SNDMORE != 0;
            match self.pattern.send(&mut self.core, Frame { data, more })? {
                Sent::Done => {}
                Sent::Blocked(_) => return Err(Error::Again),
            }
        }
        Ok(())
    }

    /// Receives one frame. `rcvmore()` tells whether more frames of the message follow.
    pub fn recv(&mut self, flags: i32) -> Result<Frame> {
        self.check()?;
        self.process_commands();
        if let Some(f) = self.pattern.recv(&mut self.core)? {
            self.core.rcvmore = f.more;
            return Ok(f);
        }
        self.recv_empty(flags)
    }

    /// Receives every frame of the next message.
    pub fn recv_parts(&mut self, flags: i32) -> Result<Vec<Bytes>> {
        let first = self.recv(flags)?;
        if !first.more {
            return Ok(vec![first.data]);
        }
        let mut parts = Vec::with_capacity(4);
        parts.push(first.data);
        // The rest of a message is already here (pipes carry whole messages): take it from
        // the pattern directly, without checking the socket or its mailbox again.
        loop {
            let Some(f) = self.pattern.recv(&mut self.core)? else {
                return Err(Error::Again);
            };
            self.core.rcvmore = f.more;
            parts.push(f.data);
            if !f.more {
                return Ok(parts);
            }
        }
    }

    /// True if the last frame received had more frames after it.
    pub fn rcvmore(&self) -> bool {
        self.core.rcvmore
    }

    /// Closes the socket: peers can still read what was sent; later calls give ENOTSOCK.
    /// Idempotent. Queued tcp/ipc messages get LINGER ms to leave.
    pub fn close(&mut self) {
        self.close_as(false);
    }

    /// `implicit`: the socket is being destroyed without an explicit close (it went out of
    /// scope, or the program is ending). Then it waits at most EXIT_LINGER_MAX_MS for its
    /// queued messages and reports on stderr what it drops, instead of dropping silently or
    /// holding the program up.
    fn close_as(&mut self, implicit: bool) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.process_commands();
        let me = self.core.id;
        // The monitor stops when the I/O threads are done with this socket's listeners and
        // connections (their CLOSED events come first), or here if there are none.
        let stop_monitor = Arc::new(StopWhenDropped(Arc::clone(&self.monitor)));
        if self.uses_io {
            // Before the pipes close, so that the connections know how long to linger.
            let mut linger = self.core.opts.linger;
            let report = implicit || crate::exiting();
            if report && !(0..=crate::EXIT_LINGER_MAX_MS).contains(&linger) {
                linger = crate::EXIT_LINGER_MAX_MS;
            }
            self.core.ctx.io_broadcast(|| IoCommand::SocketClosed {
                socket_id: me,
                linger,
                report,
                monitor: Arc::clone(&stop_monitor),
            });
        }
        drop(stop_monitor);
        self.core.ctx.inner.registry().socket_closed(me);
        for id in self.core.pipes.ids() {
            self.remove_pipe(id);
        }
        self.core.ctx.inner.socket_closed(me);
    }

    /// Starts sending this socket's connection events (`events`: a ZMQ_EVENT_* mask) to a
    /// PAIR socket bound at `endpoint` (inproc only), or stops with None (zmq_socket_monitor).
    pub fn monitor(&mut self, endpoint: Option<&str>, events: i32) -> Result<()> {
        self.check()?;
        match endpoint {
            Some(ep) => {
                if !ep.starts_with("inproc://") {
                    return Err(Error::ProtocolNotSupported);
                }
                let mut pair = self.core.ctx.socket(SocketType::Pair)?;
                // Events must never wait for a slow reader.
                pair.set_int(id::LINGER, 0)?;
                pair.bind(ep)?;
                self.monitor.start(Box::new(pair), events);
                Ok(())
            }
            None => {
                self.monitor.stop();
                Ok(())
            }
        }
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// A PAIR socket is where a monitor's events go.
impl EventSink for Socket {
    fn send_event(&mut self, head: Bytes, endpoint: Bytes) {
        let _ = self.send_parts(vec![head, endpoint], DONTWAIT);
    }

    fn close_sink(&mut self) {
        self.close();
    }
}

impl Context {
    /// Creates a socket. ETERM after termination, EMFILE past MAX_SOCKETS.
    pub fn socket(&self, ty: SocketType) -> Result<Socket> {
        if self.inner.is_terminated() {
            return Err(Error::Term);
        }
        let id = self.inner.new_socket_id();
        let sig = Arc::new(Signaler::new(ty.tracks_activity())?);
        self.inner.add_socket(id, &sig)?;
        Ok(Socket::new(self.clone(), id, ty, sig))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close_as(true);
    }
}
