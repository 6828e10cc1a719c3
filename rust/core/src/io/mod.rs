//! I/O threads: each runs a mio reactor over the context's tcp/ipc listeners, connecters and
//! connections, with timers for reconnects, connect and handshake deadlines and heartbeats.
//!
//! Sockets reach an I/O thread only through a command channel plus a mio waker, and exchange
//! messages with its connections through ordinary pipes: a connection owns one end, and its
//! signaler fd is registered with the reactor so that the socket can wake it.

mod connecter;
mod listener;
mod out_queue;
mod reactor;
mod session;
mod timers;

use crate::error::{Error, Result};
use crate::kind::SocketType;
use crate::monitor::{event, Monitor, StopWhenDropped};
use crate::pipe::Command;
use crate::pipe::PipeEnd;
use crate::signaler::{ReadyList, Signaler};
use crate::transport::inproc::SharedRegistry;
pub(crate) use crate::transport::Stream;
use crate::transport::{Listener, StreamOptions, Target};
use crossbeam_channel::{Receiver, Sender};
use mio::{Events, Interest, Poll, Token, Waker};
use reactor::report_dropped;
use session::{Closed, Origin, Session};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::sync::{Arc, Mutex, OnceLock};
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
    /// The context's inproc names: a server mechanism's ZAP requests go to the handler bound
    /// there.
    pub(crate) inproc: SharedRegistry,
}

pub(crate) use crate::options::SessionOptions;

impl SessionOptions {
    /// The options a new connection's stream is set up with.
    fn stream_options(&self) -> StreamOptions {
        StreamOptions {
            sndbuf: self.sndbuf,
            rcvbuf: self.rcvbuf,
            tcp_keepalive: self.tcp_keepalive,
            tcp_keepalive_cnt: self.tcp_keepalive_cnt,
            tcp_keepalive_idle: self.tcp_keepalive_idle,
            tcp_keepalive_intvl: self.tcp_keepalive_intvl,
            tos: self.tos,
        }
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
    /// Set by the thread as its last act, just before it notifies the exit watch.
    exited: Arc<std::sync::atomic::AtomicBool>,
    tx: Sender<IoCommand>,
    ready: Arc<ReadyList>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl IoThread {
    /// Starts an I/O thread. When it ends it notifies `exit_watch`'s signaler, if there is
    /// one by then (whoever waits for the thread to end).
    pub(crate) fn spawn(name: String, exit_watch: Arc<OnceLock<Signaler>>) -> Result<IoThread> {
        let poll = Poll::new()?;
        let ready = Arc::new(ReadyList::new(Waker::new(poll.registry(), WAKER)?));
        let list = Arc::clone(&ready);
        let (tx, rx) = crossbeam_channel::unbounded();
        let exited = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let exited_here = Arc::clone(&exited);
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                // Signals belong to the application thread (Perl's %SIG handlers run there).
                crate::sys::signal::block_async_signals();
                let mut r = Reactor::new(poll, rx, list);
                // A panic here is a bug; it must not take the process down with it.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.run()));
                drop(r);
                exited_here.store(true, std::sync::atomic::Ordering::SeqCst);
                if let Some(w) = exit_watch.get() {
                    w.notify();
                }
            })
            .map_err(Error::from)?;
        Ok(IoThread {
            stop_sent: std::sync::atomic::AtomicBool::new(false),
            exited,
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
        self.request_stop();
        while !self.has_exited() {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.join();
        true
    }

    /// Asks the thread to finish its lingering connections and end. Asking again is harmless.
    pub(crate) fn request_stop(&self) {
        if !self
            .stop_sent
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.send(IoCommand::Stop);
        }
    }

    /// True once the thread is done with its work (it may still be unwinding its stack).
    pub(crate) fn has_exited(&self) -> bool {
        self.exited.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Collects an ended thread. Call after [`IoThread::has_exited`] said so: the wait is
    /// then only for the thread's last few instructions.
    pub(crate) fn join(&self) {
        if let Some(h) = self.handle.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = h.join();
        }
    }
}

#[derive(Debug)]
struct ListenerRec {
    sock: Listener,
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
