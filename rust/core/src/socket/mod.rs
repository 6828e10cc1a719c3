//! Sockets: the part every socket type shares (options, pipes, endpoints, blocking, commands)
//! and the [`Pattern`] trait each socket type implements (libzmq's `xsend`/`xrecv`).

mod dealer;
mod pair;
mod pubsub;
mod push_pull;
mod reqrep;
mod router;

use crate::ctx::{Context, InprocEntry, PeerInfo, PendingConnect};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::io::{IoCommand, SocketLink};
use crate::monitor::{event, EventSink, Monitor, StopWhenDropped};
use crate::msg::Frame;
use crate::options::{self, id, OptValue, Options};
use crate::pipe::{Command, PipeEnd, PipeId};
use crate::signaler::{deadline_after, Signaler};
use crate::strategy::Pipes;
use crate::transport;
use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};
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

impl SocketType {
    /// The type with libzmq number `n`.
    pub fn from_i32(n: i32) -> Option<SocketType> {
        use SocketType::*;
        Some(match n {
            0 => Pair,
            1 => Pub,
            2 => Sub,
            3 => Req,
            4 => Rep,
            5 => Dealer,
            6 => Router,
            7 => Pull,
            8 => Push,
            9 => XPub,
            10 => XSub,
            11 => Stream,
            _ => return None,
        })
    }

    /// The name used in ZMTP's Socket-Type property.
    pub fn name(self) -> &'static str {
        use SocketType::*;
        match self {
            Pair => "PAIR",
            Pub => "PUB",
            Sub => "SUB",
            Req => "REQ",
            Rep => "REP",
            Dealer => "DEALER",
            Router => "ROUTER",
            Pull => "PULL",
            Push => "PUSH",
            XPub => "XPUB",
            XSub => "XSUB",
            Stream => "STREAM",
        }
    }

    /// PUB and XPUB learn about subscriptions from the activity flag of their signaler.
    pub(crate) fn tracks_activity(self) -> bool {
        matches!(self, SocketType::Pub | SocketType::XPub)
    }
}

/// What reading EVENTS does to the signaler's fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FdMode {
    /// Nothing: nobody waits on the fd (it was never handed out, and this is not zmq_poll).
    Look,
    /// libzmq's edge: the fd quiet and the signaler armed, unless both directions are ready
    /// (zmq_poll sleeps on the fd next).
    Edge,
    /// The edge, and the fd left readable while input waits (the fd was handed out).
    Level,
}

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
    pub(crate) fn new(ctx: Context, id: u64, ty: SocketType, sig: Arc<Signaler>) -> Socket {
        let (tx, rx) = crossbeam_channel::unbounded();
        let linger = ctx.default_linger(ty);
        let pattern: Box<dyn Pattern> = match ty {
            SocketType::Pair => Box::new(pair::Pair::default()),
            SocketType::Pub => Box::new(pubsub::XPub::new(false)),
            SocketType::XPub => Box::new(pubsub::XPub::new(true)),
            SocketType::Sub => Box::new(pubsub::XSub::new(true)),
            SocketType::XSub => Box::new(pubsub::XSub::new(false)),
            SocketType::Req => Box::new(reqrep::Req::default()),
            SocketType::Rep => Box::new(reqrep::Rep::default()),
            SocketType::Dealer => Box::new(dealer::Dealer::default()),
            SocketType::Router => Box::new(router::Router::new(false)),
            SocketType::Stream => Box::new(router::Router::new(true)),
            SocketType::Push => Box::new(push_pull::Push::default()),
            SocketType::Pull => Box::new(push_pull::Pull::default()),
        };
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

    /// Binds to an endpoint.
    pub fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.check()?;
        self.process_commands();
        match Endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => self.bind_inproc(endpoint, name),
            Endpoint::Tcp(addr) => {
                let ipv6 = self.ipv6();
                let bound = transport::bind_tcp(&addr, ipv6, self.core.opts.backlog);
                self.listen(bound, endpoint)
            }
            Endpoint::Ipc(path) => {
                let bound = transport::bind_ipc(&path);
                self.listen(bound, endpoint)
            }
        }
    }

    fn ipv6(&self) -> bool {
        self.core.opts.ipv6 || self.core.ctx.inner.ipv6()
    }

    fn link(&self) -> SocketLink {
        SocketLink {
            socket_id: self.core.id,
            mailbox: self.core.mailbox_tx.clone(),
            sig: Arc::clone(&self.core.sig),
            ty: self.core.ty,
            monitor: Arc::clone(&self.monitor),
        }
    }

    /// Hands a bound listener to an I/O thread (monitor: LISTENING or BIND_FAILED).
    fn listen(
        &mut self,
        bound: Result<(transport::Listener, String)>,
        endpoint: &str,
    ) -> Result<()> {
        let (l, shown) = match bound {
            Ok(b) => b,
            Err(e) => {
                self.monitor
                    .emit(event::BIND_FAILED, e.errno() as u32, endpoint);
                return Err(e);
            }
        };
        let io = self.core.ctx.io_thread(self.core.id)?;
        self.monitor.emit(event::LISTENING, l.fd() as u32, &shown);
        io.send(IoCommand::Listen {
            listener: l,
            endpoint: shown.clone(),
            link: self.link(),
            opts: self.core.opts.session(),
        });
        self.uses_io = true;
        self.core.endpoints.push((shown.clone(), true));
        self.core.last_endpoint = shown;
        Ok(())
    }

    /// Starts an asynchronous tcp/ipc connect. With IMMEDIATE=0 the pipe exists at once, so
    /// messages queue (up to SNDHWM) until the connection is up.
    fn connect_io(&mut self, target: transport::Target, endpoint: &str) -> Result<()> {
        // Start the I/O threads (or fail with EMTHREAD) before creating the pipe.
        self.core.ctx.io_thread(self.core.id)?;
        let ep: Arc<str> = Arc::from(endpoint);
        // STREAM peers are raw connections: one pipe per connection, as with IMMEDIATE=1.
        let pipe = if self.core.opts.immediate || self.core.ty == SocketType::Stream {
            None
        } else {
            let (mut mine, theirs) =
                PipeEnd::pair((self.core.opts.sndhwm, self.core.opts.rcvhwm), None, ep);
            mine.set_owner(&self.core.sig);
            if let Some(rid) = self.core.opts.connect_routing_id.take() {
                mine.routing_id = rid;
            }
            self.attach(mine);
            Some(theirs)
        };
        let io = self.core.ctx.io_thread(self.core.id)?;
        io.send(IoCommand::Connect {
            target,
            endpoint: endpoint.to_string(),
            link: self.link(),
            opts: self.core.opts.session(),
            pipe,
        });
        self.uses_io = true;
        self.core.endpoints.push((endpoint.to_string(), false));
        self.core.last_endpoint = endpoint.to_string();
        Ok(())
    }

    fn bind_inproc(&mut self, endpoint: &str, name: String) -> Result<()> {
        if self.core.ty == SocketType::Stream {
            return Err(Error::NoCompatProto);
        }
        let me = self.core.peer_info();
        let pending = {
            let mut reg = self.core.ctx.inner.registry();
            let pending = match reg.remove(&name) {
                Some(InprocEntry::Bound(b)) => {
                    reg.insert(name, InprocEntry::Bound(b));
                    return Err(Error::AddrInUse);
                }
                Some(InprocEntry::Pending(list)) => list,
                None => Vec::new(),
            };
            reg.insert(name, InprocEntry::Bound(me));
            pending
        };
        for PendingConnect { connector, end } in pending {
            end.set_owner(&self.core.sig);
            end.set_hwm(self.core.opts.sndhwm, self.core.opts.rcvhwm);
            let _ = connector.mailbox.send(Command::Bound {
                pipe: end.id,
                identity: self.core.opts.routing_id.clone(),
                mailbox: self.core.mailbox_tx.clone(),
            });
            connector.sig.notify();
            self.attach(end);
        }
        self.core.endpoints.push((endpoint.to_string(), true));
        self.core.last_endpoint = endpoint.to_string();
        Ok(())
    }

    /// Connects to an endpoint. For inproc the peer may bind later.
    pub fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.check()?;
        self.process_commands();
        match Endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => self.connect_inproc(endpoint, name),
            Endpoint::Tcp(addr) => {
                let target = transport::tcp_target(&addr, self.ipv6())?;
                self.connect_io(target, endpoint)
            }
            Endpoint::Ipc(path) => {
                let target = transport::ipc_target(&path)?;
                self.connect_io(target, endpoint)
            }
        }
    }

    fn connect_inproc(&mut self, endpoint: &str, name: String) -> Result<()> {
        if self.core.ty == SocketType::Stream {
            return Err(Error::NoCompatProto);
        }
        let o = &self.core.opts;
        let ep: Arc<str> = Arc::from(endpoint);
        let mine = {
            let mut reg = self.core.ctx.inner.registry();
            match reg.get_mut(&name) {
                Some(InprocEntry::Bound(b)) => {
                    let (mut mine, mut theirs) =
                        PipeEnd::pair((o.sndhwm, o.rcvhwm), Some((b.sndhwm, b.rcvhwm)), ep);
                    mine.set_owner(&self.core.sig);
                    mine.peer_identity = b.routing_id.clone();
                    mine.peer_mailbox = Some(b.mailbox.clone());
                    theirs.set_owner(&b.sig);
                    theirs.peer_identity = o.routing_id.clone();
                    theirs.peer_mailbox = Some(self.core.mailbox_tx.clone());
                    if b.mailbox.send(Command::Attach(theirs)).is_ok() {
                        b.sig.notify();
                    }
                    mine
                }
                other => {
                    // The binder's HWM shares are added when it binds.
                    let (mine, mut theirs) = PipeEnd::pair((o.sndhwm, o.rcvhwm), None, ep);
                    mine.set_owner(&self.core.sig);
                    theirs.peer_identity = o.routing_id.clone();
                    theirs.peer_mailbox = Some(self.core.mailbox_tx.clone());
                    let pc = PendingConnect {
                        connector: self.core.peer_info(),
                        end: theirs,
                    };
                    match other {
                        Some(InprocEntry::Pending(list)) => list.push(pc),
                        _ => {
                            reg.insert(name, InprocEntry::Pending(vec![pc]));
                        }
                    }
                    mine
                }
            }
        };
        let mut mine = mine;
        if let Some(rid) = self.core.opts.connect_routing_id.take() {
            mine.routing_id = rid;
        }
        self.attach(mine);
        self.core.endpoints.push((endpoint.to_string(), false));
        self.core.last_endpoint = endpoint.to_string();
        Ok(())
    }

    /// Stops listening on a bound endpoint. For inproc, as in libzmq, only the name is
    /// released: connections already made through it stay up.
    pub fn unbind(&mut self, endpoint: &str) -> Result<()> {
        self.forget_endpoint(endpoint, true)
    }

    /// Closes the connection(s) made by `connect(endpoint)`.
    pub fn disconnect(&mut self, endpoint: &str) -> Result<()> {
        self.forget_endpoint(endpoint, false)
    }

    fn forget_endpoint(&mut self, endpoint: &str, bound: bool) -> Result<()> {
        self.check()?;
        self.process_commands();
        let parsed = Endpoint::parse(endpoint)?;
        let known = |(e, b): &(String, bool)| e == endpoint && *b == bound;
        if !self.core.endpoints.iter().any(known) {
            return Err(Error::NotFound);
        }
        self.core.endpoints.retain(|e| !known(e));
        if let Endpoint::Inproc(name) = parsed {
            let mut reg = self.core.ctx.inner.registry();
            match reg.get_mut(&name) {
                Some(InprocEntry::Bound(b)) if bound && b.socket_id == self.core.id => {
                    reg.remove(&name);
                }
                Some(InprocEntry::Pending(list)) if !bound => {
                    let me = self.core.id;
                    list.retain(|pc| pc.connector.socket_id != me);
                    if list.is_empty() {
                        reg.remove(&name);
                    }
                }
                _ => {}
            }
            if bound {
                // libzmq unbinds an inproc name without touching the pipes made through it.
                return Ok(());
            }
        } else {
            let (socket_id, endpoint) = (self.core.id, endpoint.to_string());
            if bound {
                // Wait (briefly) until the listener is closed, so the address can be reused.
                let (done, closed) = crossbeam_channel::bounded(8);
                self.core.ctx.io_broadcast(|| IoCommand::Unbind {
                    socket_id,
                    endpoint: endpoint.clone(),
                    done: done.clone(),
                });
                drop(done);
                let deadline = Instant::now() + std::time::Duration::from_secs(2);
                while closed.recv_deadline(deadline).is_ok() {}
            } else {
                self.core.ctx.io_broadcast(|| IoCommand::Disconnect {
                    socket_id,
                    endpoint: endpoint.clone(),
                });
            }
            if bound {
                return Ok(());
            }
        }
        let ids: Vec<PipeId> = self
            .core
            .pipes
            .list
            .iter()
            .filter(|p| &*p.endpoint == endpoint)
            .map(|p| p.id)
            .collect();
        for id in ids {
            self.remove_pipe(id);
        }
        Ok(())
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

    /// `send` when no pipe takes the message now: waits for room, or fails with EAGAIN.
    #[inline(never)]
    fn send_blocked(&mut self, frame: Frame, flags: i32) -> Result<()> {
        let r = self.send_wait(frame, flags);
        self.after_wait();
        r
    }

    fn send_wait(&mut self, mut frame: Frame, flags: i32) -> Result<()> {
        let nonblocking = flags & DONTWAIT != 0 || self.core.opts.sndtimeo == 0;
        let mut deadline = self.resumed_deadline(flags);
        loop {
            if nonblocking && !self.fd_watched {
                return Err(Error::Again);
            }
            // Arm, ask for room, then try once more: room made before the arm is found now,
            // room made after it wakes us (or makes a watched fd readable).
            self.core.sig.arm_quiet();
            self.pattern.want_write(&mut self.core);
            self.process_commands();
            match self.pattern.send(&mut self.core, frame)? {
                Sent::Done => return Ok(()),
                Sent::Blocked(f) => frame = f,
            }
            if nonblocking {
                return Err(Error::Again);
            }
            let until = *deadline.get_or_insert_with(|| deadline_after(self.core.opts.sndtimeo));
            self.sleep(until)?;
            match self.pattern.send(&mut self.core, frame)? {
                Sent::Done => return Ok(()),
                Sent::Blocked(f) => frame = f,
            }
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

    /// `recv` when nothing is ready: waits, or fails with EAGAIN.
    #[inline(never)]
    fn recv_empty(&mut self, flags: i32) -> Result<Frame> {
        let r = self.recv_wait(flags);
        self.after_wait();
        r
    }

    fn recv_wait(&mut self, flags: i32) -> Result<Frame> {
        let nonblocking = flags & DONTWAIT != 0 || self.core.opts.rcvtimeo == 0;
        let mut deadline = self.resumed_deadline(flags);
        loop {
            if self.reap() {
                if let Some(f) = self.pattern.recv(&mut self.core)? {
                    self.core.rcvmore = f.more;
                    return Ok(f);
                }
            }
            if nonblocking && !self.fd_watched {
                return Err(Error::Again);
            }
            // Arm, then look once more: a message that came before the arm is found now, one
            // that comes after it wakes us (or makes a watched fd readable).
            self.core.sig.arm_quiet();
            self.process_commands();
            if let Some(f) = self.pattern.recv(&mut self.core)? {
                self.core.rcvmore = f.more;
                return Ok(f);
            }
            if nonblocking {
                return Err(Error::Again);
            }
            let until = *deadline.get_or_insert_with(|| deadline_after(self.core.opts.rcvtimeo));
            self.sleep(until)?;
            if let Some(f) = self.pattern.recv(&mut self.core)? {
                self.core.rcvmore = f.more;
                return Ok(f);
            }
        }
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

    /// The deadline a blocking call starts with: the interrupted call's when `flags` has
    /// RESUME, else none yet (it is set when the call first has to wait).
    fn resumed_deadline(&mut self, flags: i32) -> Option<Option<Instant>> {
        let interrupted = self.interrupted.take();
        if flags & RESUME != 0 {
            interrupted
        } else {
            None
        }
    }

    /// Waits on the signaler (armed by the caller) until woken or `until`. A signal ends the
    /// wait with EINTR, and `until` is kept for a call with RESUME.
    fn sleep(&mut self, until: Option<Instant>) -> Result<()> {
        if self.core.ctx.inner.is_terminated() {
            return Err(Error::Term);
        }
        match self.core.sig.wait(until) {
            Ok(true) => {}
            Ok(false) => return Err(Error::Again),
            Err(e) => {
                if e == Error::Interrupted {
                    self.interrupted = Some(until);
                }
                return Err(e);
            }
        }
        if self.core.ctx.inner.is_terminated() {
            return Err(Error::Term);
        }
        self.process_commands();
        Ok(())
    }

    /// After a send or recv that armed the signaler: a watched fd keeps its promise (readable
    /// while there is input, armed otherwise); an unwatched one is disarmed, so that peers do
    /// not write it for nothing.
    fn after_wait(&mut self) {
        if self.fd_watched {
            let _ = self.events_as(FdMode::Level);
        } else {
            self.core.sig.unarm();
        }
    }

    /// True if the last frame received had more frames after it.
    pub fn rcvmore(&self) -> bool {
        self.core.rcvmore
    }

    /// POLLIN | POLLOUT as they stand now (ZMQ_EVENTS).
    ///
    /// Once the fd was handed out ([`Socket::fd`]), this is also the ZMQ_FD contract: unless
    /// input waits, the signaler is armed on a quiet fd, so that the next message to read, or
    /// the next room to write, makes the fd readable (edge-triggered, as in libzmq); while
    /// input waits, the fd is left readable, so that an event loop that starts watching it
    /// later still hears about that input. Before that, nobody can be waiting on the fd, and
    /// EVENTS only looks.
    pub fn events(&mut self) -> Result<i32> {
        let mode = if self.fd_watched {
            FdMode::Level
        } else {
            FdMode::Look
        };
        self.events_as(mode)
    }

    /// `events`, keeping the fd as `mode` says. A system call only when the fd changes
    /// between quiet and readable.
    fn events_as(&mut self, mode: FdMode) -> Result<i32> {
        self.check()?;
        self.process_commands();
        let ev = self.current_events();
        if mode == FdMode::Look {
            return Ok(ev);
        }
        let level = mode == FdMode::Level;
        if level && ev & POLLIN != 0 {
            self.core.sig.signal();
            return Ok(ev);
        }
        if ev == POLLIN | POLLOUT {
            self.core.sig.unarm();
            return Ok(ev);
        }
        self.core.sig.arm_quiet();
        if ev & POLLOUT == 0 {
            self.pattern.want_write(&mut self.core);
        }
        // Anything that happened before the arm is seen here; anything after it notifies.
        self.process_commands();
        let now = self.current_events();
        if level && now & POLLIN != 0 {
            self.core.sig.signal();
        }
        Ok(now)
    }

    /// zmq_poll's view of EVENTS: edge-triggered (the fd quiet and armed unless both
    /// directions are ready), except on a watched fd when the caller waits for POLLIN anyway.
    pub(crate) fn poll_events(&mut self, wants_pollin: bool) -> Result<i32> {
        let mode = if self.fd_watched && wants_pollin {
            FdMode::Level
        } else {
            FdMode::Edge
        };
        self.events_as(mode)
    }

    /// After zmq_poll: a watched fd is made readable again if input waits; an unwatched one
    /// is disarmed, so that peers do not write it for nothing.
    pub(crate) fn after_poll(&mut self) {
        if self.closed {
            return;
        }
        if self.fd_watched {
            let _ = self.events_as(FdMode::Level);
        } else {
            self.core.sig.unarm();
        }
    }

    fn current_events(&mut self) -> i32 {
        let mut ev = 0;
        if self.pattern.has_in(&mut self.core)
            || (self.reap() && self.pattern.has_in(&mut self.core))
        {
            ev |= POLLIN;
        }
        if self.pattern.has_out(&mut self.core) {
            ev |= POLLOUT;
        }
        ev
    }

    /// The fd for an event loop (ZMQ_FD): it becomes readable when the socket's state may have
    /// changed; then read [`Socket::events`] (or receive until EAGAIN) before waiting again.
    ///
    /// From this call on, the socket keeps a promise after every call: the fd is readable,
    /// or the next change (a message, room to send, a peer's command) makes it readable. It
    /// is readable at once if input is waiting, and stays so until the input is read, so a
    /// watcher attached now, or later, hears about it. Spurious readiness is possible (the
    /// libzmq contract allows it); a lost wake-up is not.
    pub fn fd(&mut self) -> Result<std::os::fd::RawFd> {
        self.check()?;
        self.fd_watched = true;
        self.events_as(FdMode::Level)?;
        Ok(self.core.sig.fd())
    }

    /// The signaler's fd, as zmq_poll waits on it (nothing else changes).
    pub(crate) fn signal_fd(&self) -> std::os::fd::RawFd {
        self.core.sig.fd()
    }

    /// Writes to and reads of the fd since the socket was made: the system calls its
    /// wake-ups cost (diagnostics).
    pub fn fd_counts(&self) -> (u64, u64) {
        self.core.sig.fd_counts()
    }

    /// The endpoint of the last bind or connect.
    pub fn last_endpoint(&self) -> &str {
        &self.core.last_endpoint
    }

    /// Sets an option from its raw (`zmq_setsockopt`) encoding.
    pub fn set_option(&mut self, num: i32, raw: &[u8]) -> Result<()> {
        self.check()?;
        self.process_commands();
        if self.pattern.set_option(&mut self.core, num, raw)? {
            return Ok(());
        }
        if self.core.opts.set(num, raw)? {
            if num == id::SNDHWM || num == id::RCVHWM {
                let (s, r) = (self.core.opts.sndhwm, self.core.opts.rcvhwm);
                for p in &self.core.pipes.list {
                    p.set_hwm(s, r);
                }
            }
            return Ok(());
        }
        let name = options::spec(num).map(|s| s.name).unwrap_or("?");
        Err(Error::invalid(format!(
            "option {name} does not apply to a {} socket",
            self.core.ty.name()
        )))
    }

    /// Sets an int option.
    pub fn set_int(&mut self, num: i32, v: i32) -> Result<()> {
        self.set_option(num, &v.to_ne_bytes())
    }

    /// Reads an option.
    pub fn get_option(&mut self, num: i32) -> Result<OptValue> {
        self.check()?;
        if let Some(e) = options::unavailable(num) {
            return Err(e);
        }
        Ok(match num {
            id::RCVMORE => OptValue::Int(i32::from(self.core.rcvmore)),
            id::FD => OptValue::Int(self.fd()?),
            id::EVENTS => OptValue::Int(self.events()?),
            id::TYPE => OptValue::Int(self.core.ty as i32),
            id::LAST_ENDPOINT => OptValue::Str(self.core.last_endpoint.clone()),
            _ => self
                .core
                .opts
                .get(num)
                .ok_or_else(|| match options::spec(num) {
                    Some(s) => Error::invalid(format!("option {} is write-only", s.name)),
                    None => Error::invalid(format!("unknown socket option {num}")),
                })?,
        })
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
        {
            let mut reg = self.core.ctx.inner.registry();
            reg.retain(|_, e| match e {
                InprocEntry::Bound(b) => b.socket_id != me,
                InprocEntry::Pending(_) => true,
            });
        }
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

impl Drop for Socket {
    fn drop(&mut self) {
        self.close_as(true);
    }
}
