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
mod stream;
mod timers;

use crate::error::{Error, Result};
use crate::monitor::{event, Monitor, StopWhenDropped};
use crate::pipe::Command;
use crate::pipe::PipeEnd;
use crate::signaler::{ReadyList, Signaler};
use crate::socket::SocketType;
use crate::transport::{self, Listener, Target};
use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};
use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use mio::{Events, Interest, Poll, Token, Waker};
use reactor::report_dropped;
use session::{Closed, Origin, Session};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::{self, IoSlice, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
pub(crate) use stream::Stream;
use stream::{apply_stream_options, ipc_connect};

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
