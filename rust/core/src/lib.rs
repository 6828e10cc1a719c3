//! The ZMQ::Rust engine: ZeroMQ sockets, pipes with high-water marks and libzmq 4.3's socket
//! semantics, in safe Rust.
//!
//! ```no_run
//! use zmq_rust_core::{Context, SocketType};
//! let ctx = Context::new();
//! let mut pull = ctx.socket(SocketType::Pull).unwrap();
//! pull.bind("inproc://jobs").unwrap();
//! let mut push = ctx.socket(SocketType::Push).unwrap();
//! push.connect("inproc://jobs").unwrap();
//! push.send("hello".into(), 0).unwrap();
//! assert_eq!(&pull.recv(0).unwrap().data[..], b"hello");
//! ```
//!
//! # How the engine is built
//!
//! The modules form layers; each imports only from the layers below it, and
//! `xt/import-cycles.pl` (run by `t/03-no-import-cycles.t`) fails on any circle.
//!
//! - Bottom: `sys` (every raw system call, behind one error-converting helper), `error`
//!   (typed errors, one errno each, and the errno table), `msg` (frames and messages), `sync`
//!   (std or loom atomics), `spsc` (the lock-free queue), `signaler` (the wake-up fd of a
//!   socket, the ZMQ_FD), `pipe` (whole-message queues with HWM, and the commands peers send
//!   through them), `kind` (every socket type's facts: name, compatible peers, identity,
//!   subscription role, default linger, raw mode), `subscription` (subscribe/cancel bytes),
//!   `options/` (every socket option declared once in a table), `endpoint` (addresses),
//!   `z85` (RFC 32 text) and `curve_keys` (X25519 key pairs, as `zmq_curve_keypair`).
//! - `strategy/`: how a socket spreads and gathers messages over its pipes (load-balance,
//!   fair-queue, distribute, topic matching).
//! - `zmtp/`: the wire protocol without I/O: greeting, frames, the decoder, commands,
//!   metadata, the handshake state machine and the security mechanisms behind one trait
//!   (`zmtp/mechanism/`: NULL, and ZAP requests).
//! - `transport/`: tcp, ipc and inproc behind one interface (bind, accept, connect); a new
//!   transport is a file there and a line in its list.
//! - `monitor`: socket events as an event sink, delivered on an inproc PAIR.
//! - `io/`: the I/O threads (reactor, timers, listeners, connecters) and one session per
//!   tcp/ipc connection, which runs the handshake and moves messages between the stream and
//!   the socket's pipes.
//! - `ctx`: the context's shared state (sockets, inproc registry, I/O threads, termination).
//! - `socket/`: the socket shared by every type (endpoints, blocking, events, options) and
//!   one file per type's behaviour (its `Pattern`); `poll` and `proxy` on top.
//!
//! A socket type is its file in `socket/` and its row in `kind`; a security mechanism is its
//! file in `zmtp/mechanism/` and its options' rows in the option table; a transport is its
//! file in `transport/` and its `Endpoint` scheme.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod ctx;
pub mod curve_keys;
mod endpoint;
mod error;
mod io;
mod kind;
pub mod monitor;
mod msg;
pub mod options;
mod pipe;
pub mod poll;
pub mod proxy;
mod signaler;
mod socket;
mod spsc;
mod strategy;
mod subscription;
mod sync;
mod sys;
mod transport;
pub mod z85;
pub(crate) mod zmtp;

#[cfg(all(test, loom))]
mod loom_models;

pub use ctx::{opt as ctx_opt, Context, SOCKET_LIMIT};
pub use endpoint::Endpoint;
pub use error::{
    errno_by_name, strerror, Error, Result, EFSM, EMTHREAD, ENOCOMPATPROTO, ERRNOS, ETERM,
    HAUSNUMERO,
};
pub use kind::SocketType;
pub use msg::{Frame, Message};
pub use options::{OptType, OptValue};
pub use signaler::Signaler;
pub use socket::{Socket, DONTWAIT, POLLIN, POLLOUT, RESUME, SNDMORE};

static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The longest a socket closed during program exit waits for its queued messages, in ms,
/// whatever its LINGER: exit is never unbounded.
pub const EXIT_LINGER_MAX_MS: i32 = 2000;

/// Tells the engine that the program is exiting: sockets closed from now on linger at most
/// [`EXIT_LINGER_MAX_MS`], and messages they drop are reported on stderr.
pub fn set_exiting(on: bool) {
    if on {
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_millis(EXIT_LINGER_MAX_MS as u64);
        let _ = EXIT_DEADLINE.set(deadline);
    }
    EXITING.store(on, std::sync::atomic::Ordering::SeqCst);
}

static EXIT_DEADLINE: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// While exiting: the moment by which the engine stops waiting for lingering messages.
pub(crate) fn exit_deadline() -> Option<std::time::Instant> {
    if exiting() {
        EXIT_DEADLINE.get().copied()
    } else {
        None
    }
}

pub(crate) fn exiting() -> bool {
    EXITING.load(std::sync::atomic::Ordering::SeqCst)
}

/// The libzmq version whose behaviour and wire protocol this engine follows.
pub const ZMQ_VERSION: (i32, i32, i32) = (4, 3, 5);
