//! One tcp/ipc connection on an I/O thread: the ZMTP handshake (run by
//! [`crate::zmtp::handshake`]), then frames between the socket's pipe and the wire, with
//! heartbeats.
//!
//! Writes are batched ([`OutQueue`]): every message queued in the pipe when the connection can
//! write is encoded into one buffer and written with one `writev`. Reads fill an 8 KiB-or-larger
//! buffer and frames are cut from it as zero-copy slices. Whole messages only: an inbound
//! message is pushed to the socket when its last frame arrived, so a peer that disconnects
//! mid-message delivers nothing of it.
//!
//! Once established, a connection whose mechanism wraps frames (CURVE) runs the `*_wrapped`
//! paths; the choice is made once per batch, so NULL pays nothing per message for it.

mod handshake;

use super::out_queue::OutQueue;
use super::{SessionOptions, SocketLink, Stream};
use crate::kind::Subscriptions;
use crate::msg::Message;
use crate::pipe::Command;
use crate::pipe::PipeEnd;
use crate::signaler::Signaler;
use crate::subscription;
use crate::transport::inproc::ZapPipe;
use crate::zmtp::codec::{Decoder, Event};
use crate::zmtp::command::{self, Command as ZCommand};
use crate::zmtp::frame;
use crate::zmtp::handshake::Handshake;
use crate::zmtp::mechanism::Mechanism;
use crate::zmtp::ProtocolError;
use bytes::Bytes;
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Stop pulling messages from the pipe once this much is queued for writing.
const OUT_BATCH: usize = 64 * 1024;

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
    /// Authentication refused, with the ZAP status code (300, 400, 500): no reconnect.
    Auth(u32),
    /// The mechanism needs a ZAP handler and none is bound (a PLAIN server): reported as
    /// HANDSHAKE_FAILED_NO_DETAIL with EFAULT, as libzmq 4.3 does; no reconnect.
    NoZapHandler,
    /// Our socket closed (after its linger) or the endpoint was dropped.
    Stopped,
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
    /// The handshake while it runs (none for STREAM's raw connections).
    handshake: Option<Box<Handshake>>,
    /// The pipe to the ZAP handler while its reply is awaited.
    zap: Option<ZapPipe>,
    /// After the handshake, the mechanism if it wraps every frame (CURVE); `None` for NULL.
    wrapper: Option<Box<dyn Mechanism>>,
    /// The peer speaks ZMTP 3.1 (SUBSCRIBE/CANCEL as commands).
    peer_v31: bool,
    /// The handshake is complete: messages may flow.
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
            handshake: None,
            zap: None,
            wrapper: None,
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
            s.ready = true;
            s.attach(Bytes::new());
            if let Some(p) = s.pipe.as_mut() {
                p.push(Message::One(Bytes::new()));
            }
            return s;
        }
        s.start_handshake();
        s
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
        if let Err(Closed::Protocol(_) | Closed::Incompatible | Closed::Auth(_)) = r {
            if !self.ready {
                // A handshake refused after the peer's greeting arrived: the rest of ours goes
                // out first (RFC 23: a peer that read a full greeting sends its full greeting),
                // with our READY (or an ERROR command), so that the peer can see what it talked
                // to. One attempt.
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
            let zap_reply = self.zap.as_ref().is_some_and(|z| z.has_reply());
            if !more_out && !unstall && !zap_reply {
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
        if self.wrapper.is_some() {
            return self.fill_out_wrapped();
        }
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
                            .push_raw(|o| frame::encode_subscription(o, subscribe, topic, v31));
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

    /// [`Session::fill_out`] for a mechanism that wraps every frame: subscriptions go as
    /// commands (or 3.0 messages) inside the wrapping. Out of line, so that it does not weigh
    /// on the NULL path.
    #[inline(never)]
    fn fill_out_wrapped(&mut self) {
        let (Some(pipe), Some(w)) = (self.pipe.as_mut(), self.wrapper.as_mut()) else {
            return;
        };
        let sub_side = self.link.ty.kind().subscriptions == Subscriptions::Sends;
        let v31 = self.peer_v31;
        while self.out.len < OUT_BATCH {
            let Some(msg) = pipe.read_message() else {
                break;
            };
            match msg {
                Message::One(b) => match subscription::parse(&b).filter(|_| sub_side && v31) {
                    Some((subscribe, topic)) => {
                        let body = subscription::command(subscribe, topic);
                        self.out.push_raw(|o| w.wrap(o, &body, false, true));
                    }
                    None => self.out.push_raw(|o| w.wrap(o, &b, false, false)),
                },
                msg => {
                    let parts = msg.into_parts();
                    let n = parts.len();
                    for (i, b) in parts.into_iter().enumerate() {
                        self.out.push_raw(|o| w.wrap(o, &b, i + 1 < n, false));
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
            // While the ZAP handler decides, the peer's input waits in the kernel (TCP pushes
            // back), as behind a full pipe.
            if !self.decode_buffered()? || self.drained || self.zap.is_some() {
                return Ok(());
            }
            // One read fills what the buffer has room for: at least 8 KiB (libzmq's
            // IN_BATCH_SIZE), and a large frame's whole body at once (the decoder sizes the
            // buffer for it).
            let (buf, room) = self.decoder.read_target();
            match self.stream.read_into(buf, room) {
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
        if !self.ready && !self.handshake_step()? {
            return Ok(true);
        }
        if self.wrapper.is_some() {
            return self.decode_wrapped();
        }
        loop {
            let ev = match self.decoder.next().map_err(protocol)? {
                Some(ev) => ev,
                None => return Ok(true),
            };
            match ev {
                Event::Command(c) => self.on_command(c)?,
                Event::Frame(f) => {
                    if !self.on_frame(f.data, f.more) {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// [`Session::decode_buffered`] after the handshake, for a mechanism that wraps every
    /// frame. Out of line, so that it does not weigh on the NULL path.
    #[inline(never)]
    fn decode_wrapped(&mut self) -> Result<bool, Closed> {
        loop {
            let Some(f) = self.decoder.next_frame().map_err(protocol)? else {
                return Ok(true);
            };
            let Some(w) = self.wrapper.as_mut() else {
                return Ok(true);
            };
            let f = w.unwrap(f).map_err(protocol)?;
            if f.command {
                self.on_command(command::parse(f.data).map_err(protocol)?)?;
            } else if !self.on_frame(f.data, f.more) {
                return Ok(false);
            }
        }
    }

    /// One message frame after the handshake: the message is pushed to the socket with its
    /// last frame. False (message kept) if the pipe is full.
    #[inline(always)]
    fn on_frame(&mut self, data: Bytes, more: bool) -> bool {
        let m = if more {
            self.inbound.push(data);
            return true;
        } else if self.inbound.is_empty() {
            // Single-frame message: no frame list to allocate.
            Message::One(data)
        } else {
            self.inbound.push(data);
            Message::from_parts(std::mem::take(&mut self.inbound))
        };
        self.push_inbound(m)
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

    /// A command after the handshake.
    fn on_command(&mut self, c: ZCommand) -> Result<(), Closed> {
        match c {
            ZCommand::Ready(_) => {
                return Err(protocol(ProtocolError::UnexpectedCommand("READY".into())));
            }
            ZCommand::Ping { ttl_ds, context } => {
                self.push_command(command::pong(&context));
                if let Some(d) = ttl_deadline(ttl_ds) {
                    self.ttl_deadline = Some(d);
                }
            }
            ZCommand::Pong(_) => {}
            ZCommand::Subscribe(topic) => self.deliver_subscription(true, &topic),
            ZCommand::Cancel(topic) => self.deliver_subscription(false, &topic),
            ZCommand::Error(_) => return Err(Closed::PeerError),
            ZCommand::Unknown(_) => {}
        }
        Ok(())
    }

    /// Queues a command frame (wrapped if the mechanism wraps frames).
    fn push_command(&mut self, body: Bytes) {
        match self.wrapper.as_mut() {
            Some(w) => self.out.push_raw(|out| w.wrap(out, &body, false, true)),
            None => self.out.push_frame(body, false, true),
        }
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
        self.push_command(command::ping(ttl_ds, b""));
        if self.ping_sent.is_none() {
            self.ping_sent = Some(Instant::now());
        }
    }
}

/// When a peer's PING with this TTL (deciseconds) makes the connection time out without
/// further input; `None` for no TTL.
fn ttl_deadline(ttl_ds: u16) -> Option<Instant> {
    (ttl_ds > 0).then(|| Instant::now() + Duration::from_millis(u64::from(ttl_ds) * 100))
}
