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

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod ctx;
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
