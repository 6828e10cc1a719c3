//! I/O threads: each runs a mio reactor over the context's tcp/ipc listeners, connecters and
//! connections, with timers for reconnects, connect and handshake deadlines and heartbeats.
//!
//! Sockets reach an I/O thread only through a command channel plus a mio waker, and exchange
//! messages with its connections through ordinary pipes: a connection owns one end, and its
//! signaler fd is registered with the reactor so that the socket can wake it.

mod session;

use crate::error::{Error, Result};
use crate::monitor::{event, Monitor, StopWhenDropped};
use crate::pipe::PipeEnd;
use crate::signaler::{ReadyList, Signaler};
use crate::socket::{Command, SocketType};
use crate::transport::{self, Listener, Target};
use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};
use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::{Events, Interest, Poll, Token, Waker};
use session::{Closed, Origin, Session};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{self, IoSlice, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const WAKER: Token = Token(usize::MAX);

/// How a connection reaches its socket.
#[derive(Clone, Debug)]
pub(crate) struct SocketLink {
    pub(crate) socket_id: u64,
    pub(crate) mailbox: Sender<Command>,
    pub(crate) sig: Arc<Signaler>,
    pub(crate) ty: SocketType,
    pub(crate) monitor: Arc<Monitor>,
}

/// The socket options a connection needs, copied at bind/connect time (libzmq semantics:
/// options apply to binds and connects made after they are set).
#[derive(Clone, Debug)]
pub(crate) struct SessionOptions {
    pub(crate) sndhwm: i32,
    pub(crate) rcvhwm: i32,
    pub(crate) maxmsgsize: i64,
    pub(crate) routing_id: Bytes,
    pub(crate) handshake_ivl: i32,
    pub(crate) heartbeat_ivl: i32,
    pub(crate) heartbeat_ttl: i32,
    pub(crate) heartbeat_timeout: i32,
    pub(crate) reconnect_ivl: i32,
    pub(crate) reconnect_ivl_max: i32,
    pub(crate) connect_timeout: i32,
    pub(crate) sndbuf: i32,
    pub(crate) rcvbuf: i32,
    pub(crate) tcp_keepalive: i32,
    pub(crate) tcp_keepalive_cnt: i32,
    pub(crate) tcp_keepalive_idle: i32,
    pub(crate) tcp_keepalive_intvl: i32,
    pub(crate) tos: i32,
}

/// A connected byte stream.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn fd(&self) -> u32 {
        self.raw_fd() as u32
    }

    pub(crate) fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }

    fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Stream::Tcp(s) => s,
            Stream::Unix(s) => s,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Work for an I/O thread.
#[derive(Debug)]
pub(crate) enum IoCommand {
    Listen {
        listener: Listener,
        endpoint: String,
        link: SocketLink,
        opts: SessionOptions,
    },
    Connect {
        target: Target,
        endpoint: String,
        link: SocketLink,
        opts: SessionOptions,
        pipe: Option<PipeEnd>,
    },
    /// Stop listening on an endpoint (connections already accepted stay); `done` is
    /// signalled once the listening socket is closed, so that the address can be bound again.
    Unbind {
        socket_id: u64,
        endpoint: String,
        done: Sender<()>,
    },
    /// Drop a connecter and its connection.
    Disconnect { socket_id: u64, endpoint: String },
    /// The socket closed: listeners go, connections send what is queued for up to `linger`
    /// ms (-1: until done), then close.
    /// `report`: say on stderr how many messages are dropped (implicit close, or exit).
    /// `monitor` stops the socket's monitor once every I/O thread has handled the command.
    SocketClosed {
        socket_id: u64,
        linger: i32,
        report: bool,
        monitor: Arc<StopWhenDropped>,
    },
    /// Finish lingering connections, then exit.
    Stop,
    /// Drop what is left (reporting unsent messages on stderr) and exit now.
    Abandon,
}

/// Handle to one I/O thread.
#[derive(Debug)]
pub(crate) struct IoThread {
    stop_sent: std::sync::atomic::AtomicBool,
    tx: Sender<IoCommand>,
    ready: Arc<ReadyList>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl IoThread {
    pub(crate) fn spawn(name: String) -> Result<IoThread> {
        let poll = Poll::new()?;
        let ready = Arc::new(ReadyList::new(Waker::new(poll.registry(), WAKER)?));
        let list = Arc::clone(&ready);
        let (tx, rx) = crossbeam_channel::unbounded();
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                block_signals();
                let mut r = Reactor::new(poll, rx, list);
                // A panic here is a bug; it must not take the process down with it.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.run()));
            })
            .map_err(Error::from)?;
        Ok(IoThread {
            stop_sent: std::sync::atomic::AtomicBool::new(false),
            tx,
            ready,
            handle: Mutex::new(Some(handle)),
        })
    }

    pub(crate) fn send(&self, cmd: IoCommand) {
        if self.tx.send(cmd).is_ok() {
            self.ready.wake();
        }
    }

    /// Makes a stopping thread drop what is still queued (reporting it) and end now.
    pub(crate) fn abandon(&self) {
        self.send(IoCommand::Abandon);
        self.stop_until(Some(Instant::now() + Duration::from_millis(200)));
    }

    /// Asks the thread to finish and waits until it did, or until `deadline`. Returns true
    /// once the thread has ended. Asking again is harmless.
    pub(crate) fn stop_until(&self, deadline: Option<Instant>) -> bool {
        if !self
            .stop_sent
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.send(IoCommand::Stop);
        }
        let mut guard = self.handle.lock().unwrap_or_else(|e| e.into_inner());
        let Some(h) = guard.as_ref() else { return true };
        while !h.is_finished() {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if let Some(h) = guard.take() {
            let _ = h.join();
        }
        true
    }
}

/// Signals belong to the application thread (Perl's %SIG handlers run there).
fn block_signals() {
    // SAFETY: sigfillset/pthread_sigmask on a local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for s in [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL] {
            libc::sigdelset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

#[derive(Debug)]
enum ListenSock {
    Tcp(TcpListener),
    Unix(UnixListener, Option<PathBuf>, bool),
}

#[derive(Debug)]
struct ListenerRec {
    sock: ListenSock,
    endpoint: Arc<str>,
    link: SocketLink,
    opts: SessionOptions,
}

#[derive(Debug)]
struct ConnecterRec {
    target: Target,
    endpoint: Arc<str>,
    link: SocketLink,
    opts: SessionOptions,
    /// IMMEDIATE=0: the pipe lives as long as the connecter, across connections.
    pipe: Option<PipeEnd>,
    /// Signaler of that pipe (each connection registers it while it lives).
    sig: Arc<Signaler>,
    /// The connection in progress (non-blocking connect) and when it started.
    connecting: Option<Stream>,
    session: Option<usize>,
    /// Current reconnect interval (grows with RECONNECT_IVL_MAX).
    ivl: i32,
    /// Set on protocol errors: never reconnect.
    dead: bool,
    /// Connections made so far.
    connections: u32,
    /// Report messages dropped when it goes (see `IoCommand::SocketClosed`).
    report_drops: bool,
    /// The socket closed: finish what is queued, do not reconnect.
    lingering: bool,
}

#[derive(Debug)]
enum Object {
    Listener(Box<ListenerRec>),
    Connecter(Box<ConnecterRec>),
    Session(Box<Session>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKind {
    Reconnect,
    ConnectTimeout,
    Handshake,
    Heartbeat,
    Linger,
}

struct Reactor {
    poll: Poll,
    rx: Receiver<IoCommand>,
    objects: HashMap<usize, Object>,
    /// Connections (or connecters) whose signaler was notified.
    ready: Arc<ReadyList>,
    next_id: usize,
    timers: BinaryHeap<Reverse<(Instant, usize, TimerKind)>>,
    stopping: bool,
}

fn stream_token(id: usize) -> Token {
    Token(id)
}

fn ms(v: i32) -> Duration {
    Duration::from_millis(v.max(0) as u64)
}

/// A random jitter in 0..ivl ms (libzmq adds one to each reconnect interval).
fn jitter(ivl: i32) -> i32 {
    if ivl <= 0 {
        return 0;
    }
    let n = Instant::now().elapsed().subsec_nanos() ^ std::process::id().rotate_left(13);
    let x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33;
    (x % ivl as u64) as i32
}

impl Reactor {
    fn new(poll: Poll, rx: Receiver<IoCommand>, ready: Arc<ReadyList>) -> Reactor {
        Reactor {
            poll,
            rx,
            objects: HashMap::new(),
            ready,
            next_id: 1,
            timers: BinaryHeap::new(),
            stopping: false,
        }
    }

    fn id(&mut self) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn timer(&mut self, after: Duration, id: usize, kind: TimerKind) {
        self.timers
            .push(Reverse((Instant::now() + after, id, kind)));
    }

    fn run(&mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            let mut timeout = self
                .timers
                .peek()
                .map(|Reverse((t, _, _))| t.saturating_duration_since(Instant::now()));
            if !self.ready.before_poll() || !self.rx.is_empty() {
                timeout = Some(Duration::ZERO);
            }
            let polled = self.poll.poll(&mut events, timeout);
            self.ready.after_poll();
            if let Err(e) = polled {
                if e.kind() != io::ErrorKind::Interrupted {
                    return;
                }
            }
            for ev in events.iter() {
                if ev.token() == WAKER {
                    continue;
                }
                let id = ev.token().0;
                if let Some(Object::Session(s)) = self.objects.get_mut(&id) {
                    s.on_readiness(
                        ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                        ev.is_writable() || ev.is_write_closed() || ev.is_error(),
                    );
                }
                self.on_ready(id);
            }
            // Connections their sockets woke (a batch: those notified meanwhile wait for the
            // next turn, after the network events).
            for _ in 0..self.ready.len() {
                let Some(id) = self.ready.pop() else { break };
                self.on_signal(id);
            }
            while let Ok(cmd) = self.rx.try_recv() {
                self.on_command(cmd);
            }
            self.fire_timers();
            // Stopping: every socket is gone; what is left lingers (bounded by its timer).
            if self.stopping && self.objects.is_empty() {
                return;
            }
        }
    }

    fn on_ready(&mut self, id: usize) {
        match self.objects.get(&id) {
            Some(Object::Listener(_)) => self.accept(id),
            Some(Object::Connecter(_)) => self.connect_done(id),
            Some(Object::Session(_)) => self.drive(id),
            None => {}
        }
    }

    /// A connection's signaler fired (its socket wrote into or read from the pipe). A
    /// connecter's signaler outlives its connections and stands for the current one.
    fn on_signal(&mut self, id: usize) {
        match self.objects.get(&id) {
            Some(Object::Session(_)) => self.drive(id),
            Some(Object::Connecter(c)) => {
                if let Some(sid) = c.session {
                    self.drive(sid);
                }
            }
            _ => {}
        }
    }

    fn on_command(&mut self, cmd: IoCommand) {
        match cmd {
            IoCommand::Listen {
                listener,
                endpoint,
                link,
                opts,
            } => {
                let id = self.id();
                let mut sock = match listener {
                    Listener::Tcp(l) => ListenSock::Tcp(TcpListener::from_std(l)),
                    Listener::Ipc(l, p, own_dir) => {
                        ListenSock::Unix(UnixListener::from_std(l), p, own_dir)
                    }
                };
                let src: &mut dyn mio::event::Source = match &mut sock {
                    ListenSock::Tcp(l) => l,
                    ListenSock::Unix(l, _, _) => l,
                };
                if self
                    .poll
                    .registry()
                    .register(src, stream_token(id), Interest::READABLE)
                    .is_ok()
                {
                    self.objects.insert(
                        id,
                        Object::Listener(Box::new(ListenerRec {
                            sock,
                            endpoint: endpoint.into(),
                            link,
                            opts,
                        })),
                    );
                    // Connections may already be waiting.
                    self.accept(id);
                }
            }
            IoCommand::Connect {
                target,
                endpoint,
                link,
                opts,
                pipe,
            } => {
                let id = self.id();
                let sig = Arc::new(Signaler::for_reactor(&self.ready, id));
                if let Some(p) = &pipe {
                    p.set_owner(&sig);
                }
                let ivl = opts.reconnect_ivl;
                self.objects.insert(
                    id,
                    Object::Connecter(Box::new(ConnecterRec {
                        target,
                        endpoint: endpoint.into(),
                        link,
                        opts,
                        pipe,
                        sig,
                        connecting: None,
                        session: None,
                        ivl,
                        dead: false,
                        connections: 0,
                        report_drops: false,
                        lingering: false,
                    })),
                );
                self.start_connect(id);
            }
            IoCommand::Unbind {
                socket_id,
                endpoint,
                done,
            } => {
                let ids: Vec<usize> = self
                    .objects
                    .iter()
                    .filter(|(_, o)| matches!(o, Object::Listener(l) if l.link.socket_id == socket_id && *l.endpoint == *endpoint))
                    .map(|(&id, _)| id)
                    .collect();
                for id in ids {
                    self.remove_listener(id);
                    // libzmq closes the connections accepted through the endpoint too.
                    let accepted: Vec<usize> = self
                        .objects
                        .iter()
                        .filter(|(_, o)| matches!(o, Object::Session(s) if s.origin == Origin::Accepted(id)))
                        .map(|(&sid, _)| sid)
                        .collect();
                    for sid in accepted {
                        self.close_session(sid, Closed::Stopped);
                    }
                }
                let _ = done.send(());
            }
            IoCommand::Disconnect {
                socket_id,
                endpoint,
            } => {
                let ids: Vec<usize> = self
                    .objects
                    .iter()
                    .filter(|(_, o)| matches!(o, Object::Connecter(c) if c.link.socket_id == socket_id && *c.endpoint == *endpoint))
                    .map(|(&id, _)| id)
                    .collect();
                for id in ids {
                    self.remove_connecter(id, true);
                }
            }
            IoCommand::SocketClosed {
                socket_id,
                linger,
                report,
                monitor,
            } => {
                self.socket_closed(socket_id, linger, report);
                drop(monitor);
            }
            IoCommand::Abandon => {
                let ids: Vec<usize> = self.objects.keys().copied().collect();
                for id in ids {
                    match self.objects.get_mut(&id) {
                        Some(Object::Session(s)) => {
                            s.report_drops = true;
                            self.close_session(id, Closed::Stopped);
                        }
                        Some(Object::Connecter(c)) => {
                            c.report_drops = true;
                            self.remove_connecter(id, true);
                        }
                        Some(Object::Listener(_)) => self.remove_listener(id),
                        None => {}
                    }
                }
                self.stopping = true;
            }
            IoCommand::Stop => {
                self.stopping = true;
                let ids: Vec<usize> = self.objects.keys().copied().collect();
                for id in ids {
                    match self.objects.get(&id) {
                        Some(Object::Listener(_)) => self.remove_listener(id),
                        Some(Object::Connecter(c))
                            if c.session.is_none()
                                && !c.pipe.as_ref().is_some_and(|p| p.check_read()) =>
                        {
                            self.remove_connecter(id, true)
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn socket_closed(&mut self, socket_id: u64, linger: i32, report: bool) {
        let ids: Vec<usize> = self.objects.keys().copied().collect();
        for id in ids {
            let owner = match self.objects.get(&id) {
                Some(Object::Listener(l)) => l.link.socket_id,
                Some(Object::Connecter(c)) => c.link.socket_id,
                Some(Object::Session(s)) => s.link.socket_id,
                None => continue,
            };
            if owner != socket_id {
                continue;
            }
            match self.objects.get_mut(&id) {
                Some(Object::Listener(_)) => self.remove_listener(id),
                Some(Object::Connecter(c)) => {
                    c.lingering = true;
                    c.report_drops = report;
                    if c.session.is_none() {
                        let queued = c.pipe.as_ref().is_some_and(|p| p.check_read());
                        if linger == 0 || !queued {
                            self.remove_connecter(id, true);
                        } else if linger > 0 {
                            // Keep trying to deliver for LINGER ms, as libzmq does.
                            self.timer(ms(linger), id, TimerKind::Linger);
                        }
                    }
                }
                Some(Object::Session(s)) => {
                    s.lingering = true;
                    s.report_drops = report;
                    // A connection still in its handshake keeps what the socket queued for
                    // LINGER too: it goes out once the handshake is done.
                    if linger == 0 || (!s.ready && s.unsent() == 0) {
                        self.close_session(id, Closed::Stopped);
                    } else {
                        if linger > 0 {
                            self.timer(ms(linger), id, TimerKind::Linger);
                        }
                        self.drive(id);
                    }
                }
                None => {}
            }
        }
    }

    fn accept(&mut self, lid: usize) {
        loop {
            let Some(Object::Listener(l)) = self.objects.get_mut(&lid) else {
                return;
            };
            let stream = match &mut l.sock {
                ListenSock::Tcp(t) => t.accept().map(|(s, _)| Stream::Tcp(s)),
                ListenSock::Unix(u, _, _) => u.accept().map(|(s, _)| Stream::Unix(s)),
            };
            let stream = match stream {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // EMFILE and friends: try again on the next readiness.
                Err(e) => {
                    l.link.monitor.emit(
                        event::ACCEPT_FAILED,
                        e.raw_os_error().unwrap_or(0) as u32,
                        &l.endpoint,
                    );
                    return;
                }
            };
            l.link
                .monitor
                .emit(event::ACCEPTED, stream.fd(), &l.endpoint);
            let (link, opts, endpoint) = (l.link.clone(), l.opts.clone(), Arc::clone(&l.endpoint));
            let sid = self.id();
            let sig = Arc::new(Signaler::for_reactor(&self.ready, sid));
            self.start_session(
                sid,
                Origin::Accepted(lid),
                stream,
                sig,
                link,
                opts,
                endpoint,
                None,
                false,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start_session(
        &mut self,
        sid: usize,
        origin: Origin,
        mut stream: Stream,
        sig: Arc<Signaler>,
        link: SocketLink,
        opts: SessionOptions,
        endpoint: Arc<str>,
        pipe: Option<PipeEnd>,
        reconnection: bool,
    ) {
        apply_stream_options(&stream, &opts);
        if self
            .poll
            .registry()
            .register(
                stream.source(),
                stream_token(sid),
                Interest::READABLE | Interest::WRITABLE,
            )
            .is_err()
        {
            return;
        }
        if opts.handshake_ivl > 0 {
            self.timer(ms(opts.handshake_ivl), sid, TimerKind::Handshake);
        }
        if opts.heartbeat_ivl > 0 {
            self.timer(ms(opts.heartbeat_ivl), sid, TimerKind::Heartbeat);
        }
        let mut s = Session::new(origin, stream, sig, link, opts, endpoint, pipe);
        s.reconnection = reconnection;
        self.objects.insert(sid, Object::Session(Box::new(s)));
        self.drive(sid);
    }

    fn drive(&mut self, sid: usize) {
        let Some(Object::Session(s)) = self.objects.get_mut(&sid) else {
            return;
        };
        if let Err(why) = s.drive() {
            self.close_session(sid, why);
        }
    }

    fn close_session(&mut self, sid: usize, why: Closed) {
        let Some(Object::Session(mut s)) = self.objects.remove(&sid) else {
            return;
        };
        if why == Closed::Stopped && s.report_drops {
            report_dropped(s.unsent(), &s.endpoint);
        }
        if why != Closed::Stopped {
            let m = &s.link.monitor;
            if !s.ready {
                match why {
                    Closed::Protocol(code) => {
                        m.emit(event::HANDSHAKE_FAILED_PROTOCOL, code, &s.endpoint)
                    }
                    Closed::Incompatible => {}
                    _ => m.emit(event::HANDSHAKE_FAILED_NO_DETAIL, 0, &s.endpoint),
                }
            }
            m.emit(event::DISCONNECTED, s.stream.fd(), &s.endpoint);
        }
        let _ = self.poll.registry().deregister(s.stream.source());
        match s.origin {
            Origin::Accepted(_) => s.close_pipe(),
            Origin::Connected(cid) => {
                let pipe = s.take_connecter_pipe();
                s.close_pipe();
                let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
                    if let Some(mut p) = pipe {
                        let _ = s.link.mailbox.send(Command::PipeClosed(p.id));
                        p.close();
                    }
                    return;
                };
                c.session = None;
                c.pipe = pipe;
                match why {
                    Closed::Protocol(_) | Closed::Incompatible | Closed::PeerError => c.dead = true,
                    Closed::Stopped => c.lingering = true,
                    Closed::Disconnected | Closed::Timeout => {}
                }
                if c.lingering || self.stopping {
                    self.remove_connecter(cid, true);
                } else if !c.dead {
                    self.retry(cid);
                }
            }
        }
    }

    fn remove_listener(&mut self, id: usize) {
        if let Some(Object::Listener(mut l)) = self.objects.remove(&id) {
            use std::os::fd::AsRawFd;
            let fd = match &l.sock {
                ListenSock::Tcp(t) => t.as_raw_fd(),
                ListenSock::Unix(u, _, _) => u.as_raw_fd(),
            };
            l.link.monitor.emit(event::CLOSED, fd as u32, &l.endpoint);
            let reg = self.poll.registry();
            match &mut l.sock {
                ListenSock::Tcp(t) => {
                    let _ = reg.deregister(t);
                }
                ListenSock::Unix(u, path, own_dir) => {
                    let _ = reg.deregister(u);
                    if let Some(p) = path {
                        let _ = std::fs::remove_file(&*p);
                        if *own_dir {
                            // ipc://* made a private directory for the socket.
                            if let Some(dir) = p.parent() {
                                let _ = std::fs::remove_dir(dir);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Removes a connecter; `close_session` also ends its live connection.
    fn remove_connecter(&mut self, id: usize, close_session: bool) {
        let session = match self.objects.get(&id) {
            Some(Object::Connecter(c)) => c.session,
            _ => return,
        };
        if let (Some(sid), true) = (session, close_session) {
            if let Some(Object::Connecter(c)) = self.objects.get_mut(&id) {
                c.lingering = true;
            }
            // close_session hands the pipe back to the connecter, then removes it (lingering).
            self.close_session(sid, Closed::Stopped);
            return;
        }
        if let Some(Object::Connecter(mut c)) = self.objects.remove(&id) {
            if let Some(mut s) = c.connecting.take() {
                let _ = self.poll.registry().deregister(s.source());
            }
            if let Some(mut p) = c.pipe.take() {
                if c.report_drops {
                    report_dropped(p.queued_in(), &c.endpoint);
                }
                let _ = c.link.mailbox.send(Command::PipeClosed(p.id));
                p.close();
                c.link.sig.notify();
            }
        }
    }

    fn start_connect(&mut self, cid: usize) {
        let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
            return;
        };
        if c.dead {
            return;
        }
        let attempt: io::Result<Stream> = match &c.target {
            Target::Tcp { host, port, ipv6 } => {
                transport::resolve(host, *port, *ipv6).and_then(|addrs| {
                    let mut last = io::Error::from(io::ErrorKind::AddrNotAvailable);
                    for a in addrs {
                        match TcpStream::connect(a) {
                            Ok(s) => return Ok(Stream::Tcp(s)),
                            Err(e) => last = e,
                        }
                    }
                    Err(last)
                })
            }
            Target::Ipc(path) => ipc_connect(path).map(Stream::Unix),
        };
        match attempt {
            Ok(mut s) => {
                if self
                    .poll
                    .registry()
                    .register(s.source(), stream_token(cid), Interest::WRITABLE)
                    .is_ok()
                {
                    // A tcp connect is under way (EINPROGRESS); an ipc connect is done at
                    // once, as in libzmq, which then reports CONNECTED only.
                    if matches!(c.target, Target::Tcp { .. }) {
                        c.link.monitor.emit(
                            event::CONNECT_DELAYED,
                            libc::EINPROGRESS as u32,
                            &c.endpoint,
                        );
                    }
                    let timeout = c.opts.connect_timeout;
                    c.connecting = Some(s);
                    if timeout > 0 {
                        self.timer(ms(timeout), cid, TimerKind::ConnectTimeout);
                    }
                    return;
                }
                self.retry(cid);
            }
            Err(_) => self.retry(cid),
        }
    }

    fn retry(&mut self, cid: usize) {
        let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
            return;
        };
        if c.dead || c.opts.reconnect_ivl < 0 {
            return;
        }
        let wait = c.ivl + jitter(c.opts.reconnect_ivl);
        if c.opts.reconnect_ivl_max > 0 {
            c.ivl = (c.ivl.saturating_mul(2)).min(c.opts.reconnect_ivl_max);
        }
        c.link
            .monitor
            .emit(event::CONNECT_RETRIED, wait as u32, &c.endpoint);
        self.timer(ms(wait), cid, TimerKind::Reconnect);
    }

    /// The non-blocking connect finished (or failed).
    fn connect_done(&mut self, cid: usize) {
        let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
            return;
        };
        let Some(mut s) = c.connecting.take() else {
            return;
        };
        let _ = self.poll.registry().deregister(s.source());
        let ok = match &s {
            Stream::Tcp(t) => matches!(t.take_error(), Ok(None)) && t.peer_addr().is_ok(),
            Stream::Unix(u) => matches!(u.take_error(), Ok(None)) && u.peer_addr().is_ok(),
        };
        if !ok {
            self.retry(cid);
            return;
        }
        // A good connection resets the backoff.
        c.ivl = c.opts.reconnect_ivl;
        c.link.monitor.emit(event::CONNECTED, s.fd(), &c.endpoint);
        let (link, opts, endpoint, sig) = (
            c.link.clone(),
            c.opts.clone(),
            Arc::clone(&c.endpoint),
            Arc::clone(&c.sig),
        );
        let pipe = c.pipe.take();
        let (lingering, report_drops) = (c.lingering, c.report_drops);
        let reconnection = c.connections > 0;
        c.connections += 1;
        let sid = self.next_id;
        self.next_id += 1;
        c.session = Some(sid);
        self.start_session(
            sid,
            Origin::Connected(cid),
            s,
            sig,
            link,
            opts,
            endpoint,
            pipe,
            reconnection,
        );
        if let Some(Object::Session(s)) = self.objects.get_mut(&sid) {
            s.lingering = lingering;
            s.report_drops = report_drops;
        }
        // Registration can fail; then the connecter has no session and must retry.
        if !self.objects.contains_key(&sid) {
            if let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) {
                c.session = None;
            }
            self.retry(cid);
        }
    }

    fn fire_timers(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((t, id, kind))) = self.timers.peek().copied() {
            if t > now {
                break;
            }
            self.timers.pop();
            match kind {
                TimerKind::Reconnect => {
                    if matches!(self.objects.get(&id), Some(Object::Connecter(c)) if c.session.is_none() && c.connecting.is_none())
                    {
                        self.start_connect(id);
                    }
                }
                TimerKind::ConnectTimeout => {
                    if let Some(Object::Connecter(c)) = self.objects.get_mut(&id) {
                        if let Some(mut s) = c.connecting.take() {
                            let _ = self.poll.registry().deregister(s.source());
                            self.retry(id);
                        }
                    }
                }
                TimerKind::Handshake => {
                    if matches!(self.objects.get(&id), Some(Object::Session(s)) if !s.ready) {
                        self.close_session(id, Closed::Timeout);
                    }
                }
                TimerKind::Linger => match self.objects.get(&id) {
                    Some(Object::Session(_)) => self.close_session(id, Closed::Stopped),
                    Some(Object::Connecter(_)) => self.remove_connecter(id, true),
                    _ => {}
                },
                TimerKind::Heartbeat => self.heartbeat(id, now),
            }
        }
    }

    fn heartbeat(&mut self, sid: usize, now: Instant) {
        let Some(Object::Session(s)) = self.objects.get_mut(&sid) else {
            return;
        };
        let ivl = ms(s.opts.heartbeat_ivl);
        let timeout = if s.opts.heartbeat_timeout >= 0 {
            ms(s.opts.heartbeat_timeout)
        } else {
            ivl
        };
        if let Some(sent) = s.ping_sent {
            if now.duration_since(sent) >= timeout && s.last_recv < sent {
                self.close_session(sid, Closed::Timeout);
                return;
            }
        }
        if s.ttl_deadline.is_some_and(|d| now >= d) {
            self.close_session(sid, Closed::Timeout);
            return;
        }
        if s.ready {
            s.send_ping();
        }
        // Check again at the next interval or when the timeout runs out, whichever is first.
        let next = if s.ping_sent.is_some() {
            ivl.min(timeout)
        } else {
            ivl
        };
        self.timer(
            next.max(Duration::from_millis(1)),
            sid,
            TimerKind::Heartbeat,
        );
        self.drive(sid);
    }
}

/// A socket destroyed without close(), or closed at exit, drops loudly rather than silently.
fn report_dropped(n: usize, endpoint: &str) {
    if n > 0 {
        eprintln!(
            "ZMQ::Rust: dropped {n} unsent message{} to {endpoint} at close (the socket's LINGER, or the 2 s bound at destruction and exit, ran out)",
            if n == 1 { "" } else { "s" }
        );
    }
}

fn ipc_connect(path: &str) -> io::Result<UnixStream> {
    if let Some(name) = path.strip_prefix('@') {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            return UnixStream::connect_addr(&addr);
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = name;
            return Err(io::ErrorKind::Unsupported.into());
        }
    }
    UnixStream::connect(path)
}

fn apply_stream_options(stream: &Stream, o: &SessionOptions) {
    use std::os::fd::AsRawFd;
    let fd = match stream {
        Stream::Tcp(s) => {
            let _ = s.set_nodelay(true);
            s.as_raw_fd()
        }
        Stream::Unix(s) => s.as_raw_fd(),
    };
    let set = |level: i32, name: i32, v: i32| {
        // SAFETY: setsockopt on a descriptor owned by the stream, with an int value.
        unsafe {
            libc::setsockopt(fd, level, name, (&v as *const i32).cast(), 4);
        }
    };
    if o.sndbuf >= 0 {
        set(libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf);
    }
    if o.rcvbuf >= 0 {
        set(libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf);
    }
    if matches!(stream, Stream::Tcp(_)) {
        if o.tcp_keepalive >= 0 {
            set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, o.tcp_keepalive);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            if o.tcp_keepalive_cnt > 0 {
                set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, o.tcp_keepalive_cnt);
            }
            if o.tcp_keepalive_idle > 0 {
                set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, o.tcp_keepalive_idle);
            }
            if o.tcp_keepalive_intvl > 0 {
                set(
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPINTVL,
                    o.tcp_keepalive_intvl,
                );
            }
        }
        if o.tos > 0 {
            set(libc::IPPROTO_IP, libc::IP_TOS, o.tos);
        }
    }
}
