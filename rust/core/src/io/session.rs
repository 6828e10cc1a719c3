//! One tcp/ipc connection on an I/O thread: ZMTP greeting and NULL handshake, then frames
//! between the socket's pipe and the wire, with heartbeats.
//!
//! Writes are batched: every message queued in the pipe when the connection can write is
//! encoded into one buffer (bodies above `ZERO_COPY_MIN` travel as their own slices, not
//! copied) and written with one `writev`. Reads fill an 8 KiB-or-larger buffer and frames are
//! cut from it as zero-copy slices. Whole messages only: an inbound message is pushed to the
//! socket when its last frame arrived, so a peer that disconnects mid-message delivers nothing
//! of it.

use super::{SessionOptions, SocketLink, Stream};
use crate::kind::Subscriptions;
use crate::monitor::event;
use crate::msg::Message;
use crate::pipe::Command;
use crate::pipe::PipeEnd;
use crate::signaler::Signaler;
use crate::subscription;
use crate::zmtp::codec::{self, Decoder, Event};
use crate::zmtp::command::{self, Command as ZCommand};
use crate::zmtp::{greeting, ProtocolError};
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::io::{ErrorKind, IoSlice, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Bodies at least this large are written from their own memory instead of being copied into
/// the batch buffer.
const ZERO_COPY_MIN: usize = 8192;
/// Stop pulling messages from the pipe once this much is queued for writing.
const OUT_BATCH: usize = 64 * 1024;
/// Most slices handed to one `writev`.
const MAX_IOV: usize = 64;

/// Why a connection ended; decides whether a connecter tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The peer closed, or a socket error: reconnect.
    Disconnected,
    /// Handshake or heartbeat deadline: reconnect.
    Timeout,
    /// The peer broke the protocol: no reconnect. The libzmq ZMQ_PROTOCOL_ERROR_* code.
    Protocol(u32),
    /// The peer is a socket type we cannot talk to: no reconnect, and (as in libzmq) no
    /// handshake-failed event.
    Incompatible,
    /// The peer sent an ERROR command.
    PeerError,
    /// Our socket closed (after its linger) or the endpoint was dropped.
    Stopped,
}

/// Bytes waiting to be written: small frames batched in `cur`, large bodies as slices.
#[derive(Debug, Default)]
struct OutQueue {
    chunks: VecDeque<Bytes>,
    cur: BytesMut,
    len: usize,
}

impl OutQueue {
    fn push_frame(&mut self, body: Bytes, more: bool, command: bool) {
        if body.len() >= ZERO_COPY_MIN {
            let before = self.cur.len();
            codec::frame_header(&mut self.cur, body.len(), more, command);
            self.len += self.cur.len() - before + body.len();
            self.seal();
            self.chunks.push_back(body);
        } else {
            let before = self.cur.len();
            codec::encode_frame(&mut self.cur, &body, more, command);
            self.len += self.cur.len() - before;
        }
    }

    /// Raw bytes (STREAM), copied into the batch when small.
    fn push_bytes(&mut self, b: Bytes) {
        self.len += b.len();
        if b.len() >= ZERO_COPY_MIN {
            self.seal();
            self.chunks.push_back(b);
        } else {
            self.cur.extend_from_slice(&b);
        }
    }

    fn push_raw(&mut self, f: impl FnOnce(&mut BytesMut)) {
        let before = self.cur.len();
        f(&mut self.cur);
        self.len += self.cur.len() - before;
    }

    /// Moves the batch buffer into the chunk list (its header counted already).
    fn seal(&mut self) {
        if !self.cur.is_empty() {
            let b = self.cur.split().freeze();
            self.chunks.push_back(b);
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes as much as the stream takes. Ok(true) when everything went out.
    fn flush(&mut self, stream: &mut Stream) -> std::io::Result<bool> {
        loop {
            if self.len == 0 {
                return Ok(true);
            }
            self.seal();
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let mut k = 0;
            for (slot, c) in slices.iter_mut().zip(&self.chunks) {
                *slot = IoSlice::new(c);
                k += 1;
            }
            let n = match stream.write_vectored(&slices[..k]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.len -= n;
            let mut left = n;
            while left > 0 {
                let Some(front) = self.chunks.front_mut() else {
                    break;
                };
                if front.len() <= left {
                    left -= front.len();
                    self.chunks.pop_front();
                } else {
                    let _ = front.split_to(left);
                    left = 0;
                }
            }
        }
    }
}

/// Where the connection came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Accepted by the listener with this id.
    Accepted(usize),
    /// Made by the connecter with this id.
    Connected(usize),
}

/// A connection's state.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) origin: Origin,
    pub(crate) stream: Stream,
    /// Woken by the socket when it writes into (or reads from) the pipe.
    pub(crate) sig: Arc<Signaler>,
    pub(crate) link: SocketLink,
    pub(crate) opts: SessionOptions,
    pub(crate) endpoint: Arc<str>,
    decoder: Decoder,
    out: OutQueue,
    /// Our greeting after its first part, with our READY: queued once the peer's signature and
    /// major version arrived (see [`Session::new`]).
    greeting_sent: bool,
    greeting_done: bool,
    peer_v31: bool,
    /// READY received: messages may flow.
    pub(crate) ready: bool,
    /// The pipe to the socket (created at the end of the handshake, or given by an
    /// IMMEDIATE=0 connecter that keeps it across reconnections).
    pub(crate) pipe: Option<PipeEnd>,
    /// The pipe was given by the connecter (it survives this connection).
    pipe_is_connecters: bool,
    /// Not the connecter's first connection: the socket must hear about it.
    pub(crate) reconnection: bool,
    /// Frames of the inbound message being assembled.
    inbound: Vec<Bytes>,
    /// A complete inbound message waiting for room in the pipe.
    stalled: Option<Message>,
    pub(crate) last_recv: Instant,
    /// When our last PING went out (heartbeat timeout runs from it).
    pub(crate) ping_sent: Option<Instant>,
    /// The peer's PING TTL: close if nothing arrives before it.
    pub(crate) ttl_deadline: Option<Instant>,
    /// The socket is closed: send what is left, then end.
    pub(crate) lingering: bool,
    /// Report what is dropped when it ends (see `IoCommand::SocketClosed`).
    pub(crate) report_drops: bool,
    /// A write returned EAGAIN and no WRITABLE event came since: do not try to write.
    blocked_write: bool,
    /// A read returned EAGAIN and no READABLE event came since: do not try to read.
    drained: bool,
    /// STREAM socket: raw bytes, no ZMTP.
    raw: bool,
    /// STREAM: the socket sent an empty message, which closes the connection.
    close_requested: bool,
}

fn protocol(e: ProtocolError) -> Closed {
    Closed::Protocol(e.code())
}

impl Session {
    pub(crate) fn new(
        origin: Origin,
        stream: Stream,
        sig: Arc<Signaler>,
        link: SocketLink,
        opts: SessionOptions,
        endpoint: Arc<str>,
        pipe: Option<PipeEnd>,
    ) -> Session {
        let now = Instant::now();
        let mut s = Session {
            origin,
            stream,
            sig,
            decoder: Decoder::new(opts.maxmsgsize),
            link,
            opts,
            endpoint,
            out: OutQueue::default(),
            greeting_sent: false,
            greeting_done: false,
            peer_v31: true,
            ready: false,
            pipe_is_connecters: pipe.is_some(),
            reconnection: false,
            pipe,
            inbound: Vec::new(),
            stalled: None,
            last_recv: now,
            ping_sent: None,
            ttl_deadline: None,
            lingering: false,
            report_drops: false,
            blocked_write: false,
            drained: false,
            raw: false,
            close_requested: false,
        };
        if s.link.ty.is_raw() {
            // Raw TCP: no greeting, no handshake; the connection is usable at once and the
            // socket hears of it through an empty message (STREAM_NOTIFY).
            s.raw = true;
            s.greeting_sent = true;
            s.greeting_done = true;
            s.ready = true;
            s.attach(Bytes::new());
            if let Some(p) = s.pipe.as_mut() {
                p.push(Message::One(Bytes::new()));
            }
            return s;
        }
        // The greeting goes out in two parts, as RFC 23 describes for detecting older peers
        // (libzmq does much the same): the signature and major version now, the rest and READY
        // once the peer's signature and major version arrived (`greeting_rest`). libzmq and
        // JeroMQ send their signature at once and the rest once they have read ours, so this
        // never waits on a peer that waits on us.
        //
        // Why not all 64 bytes at once: JeroMQ (0.6.0 and earlier) sometimes fails to register
        // a socket it has just connected with its selector (zeromq/jeromq#1022). Such a
        // connection reads once, when it is set up, and never writes. If our whole greeting had
        // arrived by then, JeroMQ counted its greeting exchange as done and cancelled its
        // handshake timer (which covers only that exchange): the connection stayed silent for
        // good. Given only the first part, its greeting exchange stays pending, and its
        // handshake timer (HANDSHAKE_IVL, 30 s by default) closes the connection and connects
        // again, as happens with libzmq.
        let g = greeting::encode(greeting::NULL, false);
        s.out
            .push_raw(|b| b.extend_from_slice(&g[..greeting::FIRST_PART_LEN]));
        s
    }

    /// Queues the rest of our greeting and our READY. Called once the peer's signature and
    /// major version are in and valid.
    fn greeting_rest(&mut self) {
        if self.greeting_sent {
            return;
        }
        self.greeting_sent = true;
        let g = greeting::encode(greeting::NULL, false);
        self.out
            .push_raw(|b| b.extend_from_slice(&g[greeting::FIRST_PART_LEN..]));
        let identity = self
            .link
            .ty
            .kind()
            .sends_identity
            .then(|| self.opts.routing_id.clone());
        let ready = command::ready(self.link.ty.name(), identity.as_deref());
        self.out.push_frame(ready, false, true);
    }

    /// Takes back a connecter's pipe when the connection ends.
    pub(crate) fn take_connecter_pipe(&mut self) -> Option<PipeEnd> {
        if self.pipe_is_connecters {
            self.pipe.take()
        } else {
            None
        }
    }

    /// The stream reported readiness (edge-triggered: once per change).
    pub(crate) fn on_readiness(&mut self, readable: bool, writable: bool) {
        if readable {
            self.drained = false;
        }
        if writable {
            self.blocked_write = false;
        }
    }

    /// Does all the work possible now: read, handshake, move messages, write. Returns with
    /// the signaler armed, so that the socket's next message (or freed room) wakes us.
    pub(crate) fn drive(&mut self) -> Result<(), Closed> {
        let r = self.drive_until_idle();
        if let Err(Closed::Protocol(_) | Closed::Incompatible) = r {
            if !self.ready {
                // A handshake refused after the peer's greeting arrived: the rest of ours goes
                // out first (RFC 23: a peer that read a full greeting sends its full greeting),
                // with our READY, so that the peer can see what it talked to. One attempt.
                let _ = self.flush();
            }
        }
        r
    }

    fn drive_until_idle(&mut self) -> Result<(), Closed> {
        loop {
            // Whatever is queued goes first: our greeting must be on its way before we wait
            // on (or judge) the peer's.
            self.flush()?;
            self.read_and_dispatch()?;
            if self.ready {
                self.fill_out();
            }
            self.flush()?;
            if self.close_requested && self.out.is_empty() {
                return Err(Closed::Stopped);
            }
            let pipe = self.pipe.as_ref();
            if self.ready && self.out.is_empty() && pipe.is_some_and(|p| p.is_drained()) {
                // The socket closed its end and everything it sent is out.
                return Err(Closed::Stopped);
            }
            self.sig.arm();
            if self.stalled.is_some() {
                // Ask for room again now that we are armed: a read that cleared the request
                // before arm() woke nobody, and may not have made room for this message.
                if let Some(p) = pipe {
                    p.want_write();
                }
            }
            let more_out =
                self.ready && !self.blocked_write && pipe.is_some_and(|p| p.check_read());
            let unstall =
                self.stalled.is_some() && pipe.is_some_and(|p| p.check_write() || p.is_drained());
            if !more_out && !unstall {
                return Ok(());
            }
            self.sig.disarm();
        }
    }

    fn flush(&mut self) -> Result<(), Closed> {
        if self.blocked_write || self.out.is_empty() {
            return Ok(());
        }
        match self.out.flush(&mut self.stream) {
            Ok(done) => {
                self.blocked_write = !done;
                Ok(())
            }
            Err(_) => Err(Closed::Disconnected),
        }
    }

    /// Moves queued messages from the pipe into the write buffer.
    fn fill_out(&mut self) {
        let Some(pipe) = self.pipe.as_mut() else {
            return;
        };
        let sub_side = self.link.ty.kind().subscriptions == Subscriptions::Sends;
        while self.out.len < OUT_BATCH && !self.close_requested {
            let Some(msg) = pipe.read_message() else {
                break;
            };
            if self.raw {
                for b in msg.into_parts() {
                    if b.is_empty() {
                        self.close_requested = true;
                        break;
                    }
                    self.out.push_bytes(b);
                }
                continue;
            }
            match msg {
                Message::One(b) => {
                    let sub = if sub_side {
                        subscription::parse(&b)
                    } else {
                        None
                    };
                    if let Some((subscribe, topic)) = sub {
                        let v31 = self.peer_v31;
                        self.out
                            .push_raw(|o| codec::encode_subscription(o, subscribe, topic, v31));
                    } else {
                        self.out.push_frame(b, false, false);
                    }
                }
                Message::Many(parts) => {
                    let n = parts.len();
                    for (i, b) in parts.into_iter().enumerate() {
                        self.out.push_frame(b, i + 1 < n, false);
                    }
                }
            }
        }
    }

    /// Reads what the stream has and handles every complete frame.
    fn read_and_dispatch(&mut self) -> Result<(), Closed> {
        loop {
            // Hand over a message that waited for room first; while the pipe is full, stop
            // reading so that TCP pushes back on the peer.
            if let Some(m) = self.stalled.take() {
                if !self.push_inbound(m) {
                    return Ok(());
                }
            }
            if !self.decode_buffered()? || self.drained {
                return Ok(());
            }
            // One read fills what the buffer has room for: at least 8 KiB (libzmq's
            // IN_BATCH_SIZE), and a large frame's whole body at once (the decoder sizes the
            // buffer for it).
            match self.decoder.read_fd(self.stream.raw_fd()) {
                Ok(0) => return Err(Closed::Disconnected),
                Ok(_) => {
                    self.last_recv = Instant::now();
                    self.ping_sent = None;
                    self.ttl_deadline = None;
                }
                Err(e) => match e.kind() {
                    ErrorKind::WouldBlock => {
                        self.drained = true;
                        self.decoder.release_idle();
                        return Ok(());
                    }
                    ErrorKind::Interrupted => {}
                    _ => return Err(Closed::Disconnected),
                },
            }
        }
    }

    /// Handles buffered input. Returns Ok(false) if reading must pause (pipe full).
    fn decode_buffered(&mut self) -> Result<bool, Closed> {
        if self.raw {
            let buf = self.decoder.read_buf();
            if !buf.is_empty() {
                let m = Message::One(buf.split().freeze());
                if !self.push_inbound(m) {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        if !self.greeting_done {
            // Rejects a bad signature or a major version below 3 as soon as those bytes are in.
            let parsed = self.decoder.take_greeting().map_err(protocol)?;
            if parsed.is_some() || self.decoder.buffered() >= greeting::FIRST_PART_LEN {
                self.greeting_rest();
            }
            let Some(g) = parsed else {
                return Ok(true);
            };
            if !g.mechanism_is(greeting::NULL) {
                return Err(protocol(ProtocolError::MechanismMismatch));
            }
            self.peer_v31 = g.is_v31();
            self.greeting_done = true;
        }
        loop {
            let ev = match self.decoder.next().map_err(protocol)? {
                Some(ev) => ev,
                None => return Ok(true),
            };
            match ev {
                Event::Command(c) => self.on_command(c)?,
                Event::Frame(f) => {
                    if !self.ready {
                        return Err(protocol(ProtocolError::UnexpectedCommand(
                            "message before READY".into(),
                        )));
                    }
                    let m = if f.more {
                        self.inbound.push(f.data);
                        continue;
                    } else if self.inbound.is_empty() {
                        // Single-frame message: no frame list to allocate.
                        Message::One(f.data)
                    } else {
                        self.inbound.push(f.data);
                        Message::from_parts(std::mem::take(&mut self.inbound))
                    };
                    if !self.push_inbound(m) {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Pushes a whole inbound message to the socket. False (message kept) if the pipe is full.
    fn push_inbound(&mut self, m: Message) -> bool {
        let Some(pipe) = self.pipe.as_mut() else {
            return true;
        };
        if pipe.check_write() {
            pipe.push(m);
            return true;
        }
        if pipe.is_drained() {
            // The socket is gone: nothing reads this pipe any more.
            return true;
        }
        pipe.want_write();
        // Re-check after announcing, in case the socket read in between.
        if pipe.check_write() {
            pipe.push(m);
            return true;
        }
        self.stalled = Some(m);
        false
    }

    fn on_command(&mut self, c: ZCommand) -> Result<(), Closed> {
        match c {
            ZCommand::Ready(props) => {
                if self.ready {
                    return Err(protocol(ProtocolError::UnexpectedCommand("READY".into())));
                }
                let ty = command::property(&props, "Socket-Type")
                    .ok_or_else(|| protocol(ProtocolError::MalformedReady("no Socket-Type")))?;
                if !self.link.ty.compatible(ty) {
                    return Err(Closed::Incompatible);
                }
                let identity = command::property(&props, "Identity")
                    .cloned()
                    .unwrap_or_default();
                if identity.len() > 255 {
                    return Err(protocol(ProtocolError::InvalidMetadata(
                        "Identity longer than 255 bytes",
                    )));
                }
                self.ready = true;
                self.link
                    .monitor
                    .emit(event::HANDSHAKE_SUCCEEDED, 0, &self.endpoint);
                self.attach(identity);
            }
            ZCommand::Ping { ttl_ds, context } => {
                let pong = command::pong(&context);
                self.out.push_frame(pong, false, true);
                if ttl_ds > 0 {
                    self.ttl_deadline =
                        Some(Instant::now() + Duration::from_millis(u64::from(ttl_ds) * 100));
                }
            }
            ZCommand::Pong(_) => {}
            ZCommand::Subscribe(topic) | ZCommand::Cancel(topic) if !self.ready => {
                let _ = topic;
                return Err(protocol(ProtocolError::UnexpectedCommand(
                    "SUBSCRIBE before READY".into(),
                )));
            }
            ZCommand::Subscribe(topic) => self.deliver_subscription(true, &topic),
            ZCommand::Cancel(topic) => self.deliver_subscription(false, &topic),
            ZCommand::Error(_) => return Err(Closed::PeerError),
            ZCommand::Unknown(_) => {}
        }
        Ok(())
    }

    /// A SUBSCRIBE/CANCEL command becomes the `01`/`00` + topic message PUB and XPUB read.
    fn deliver_subscription(&mut self, subscribe: bool, topic: &[u8]) {
        if self.link.ty.kind().subscriptions != Subscriptions::Receives {
            return;
        }
        if let Some(p) = self.pipe.as_mut() {
            // Subscriptions bypass the HWM, as on the sending side.
            p.push(Message::One(subscription::message(subscribe, topic)));
        }
    }

    /// The handshake is complete: connect the pipe to the socket.
    fn attach(&mut self, identity: Bytes) {
        if let Some(p) = &self.pipe {
            // A connecter's pipe survives reconnections: tell the socket who answered this
            // time (ROUTER ids) and that subscriptions must be sent again (SUB/XSUB).
            if self.reconnection || !identity.is_empty() {
                let _ = self.link.mailbox.send(Command::Reconnected {
                    pipe: p.id,
                    identity,
                });
                self.link.sig.notify();
            }
            return;
        }
        // socket -> session holds SNDHWM messages, session -> socket RCVHWM (the kernel
        // buffers and the peer's own pipe add to what is in flight, as with libzmq).
        let (mut socket_end, session_end) = PipeEnd::pair(
            (self.opts.sndhwm, self.opts.rcvhwm),
            None,
            Arc::clone(&self.endpoint),
        );
        socket_end.set_owner(&self.link.sig);
        socket_end.peer_identity = identity;
        session_end.set_owner(&self.sig);
        self.pipe = Some(session_end);
        if self.link.mailbox.send(Command::Attach(socket_end)).is_ok() {
            self.link.sig.notify();
        }
    }

    /// Closes the pipe towards the socket (a connection of a bound socket, or IMMEDIATE=1).
    pub(crate) fn close_pipe(&mut self) {
        if let Some(mut p) = self.pipe.take() {
            if self.raw {
                // STREAM: the disconnect notice.
                p.push(Message::One(Bytes::new()));
            }
            let _ = self.link.mailbox.send(Command::PipeClosed(p.id));
            p.close();
        }
    }

    /// Messages that were queued for the peer and will not reach it.
    pub(crate) fn unsent(&self) -> usize {
        self.pipe.as_ref().map_or(0, |p| p.queued_in())
            + usize::from(!self.out.is_empty() && self.ready)
    }

    /// Queues a heartbeat PING.
    pub(crate) fn send_ping(&mut self) {
        if self.raw {
            return;
        }
        let ttl_ds = (self.opts.heartbeat_ttl / 100).clamp(0, i32::from(u16::MAX)) as u16;
        self.out.push_frame(command::ping(ttl_ds, b""), false, true);
        if self.ping_sent.is_none() {
            self.ping_sent = Some(Instant::now());
        }
    }
}
