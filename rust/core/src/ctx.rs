//! Context: the set of sockets that can reach each other over inproc://, and their shared
//! lifecycle (termination interrupts every blocking call with ETERM).

use crate::error::{Error, Result};
use crate::io::{IoCommand, IoThread};
use crate::kind::SocketType;
use crate::signaler::Signaler;
use crate::transport::inproc;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

/// Context option numbers (libzmq `zmq_ctx_set`/`zmq_ctx_get`).
#[allow(missing_docs)]
pub mod opt {
    pub const IO_THREADS: i32 = 1;
    pub const MAX_SOCKETS: i32 = 2;
    pub const SOCKET_LIMIT: i32 = 3;
    pub const THREAD_PRIORITY: i32 = 3;
    pub const THREAD_SCHED_POLICY: i32 = 4;
    pub const MAX_MSGSZ: i32 = 5;
    pub const MSG_T_SIZE: i32 = 6;
    pub const THREAD_AFFINITY_CPU_ADD: i32 = 7;
    pub const THREAD_AFFINITY_CPU_REMOVE: i32 = 8;
    pub const THREAD_NAME_PREFIX: i32 = 9;
    pub const IPV6: i32 = 42;
    pub const BLOCKY: i32 = 70;
}

/// Largest number of sockets a context can be configured for.
pub const SOCKET_LIMIT: i32 = 65535;

#[derive(Debug)]
pub(crate) struct CtxInner {
    terminated: AtomicBool,
    io_threads: AtomicI32,
    max_sockets: AtomicI32,
    max_msgsz: AtomicI32,
    ipv6: AtomicBool,
    blocky: AtomicBool,
    thread_priority: AtomicI32,
    thread_sched_policy: AtomicI32,
    /// LINGER given to new sockets; None means libzmq's rule (-1, or 0 when BLOCKY is off).
    socket_linger: Mutex<Option<i32>>,
    /// Live sockets by id, with their signalers (termination wakes them).
    sockets: Mutex<HashMap<u64, Arc<Signaler>>>,
    /// Wakes a thread waiting for termination (see [`Context::wait_terminated`]) when the
    /// last socket closes or an I/O thread ends. Made by the first such wait.
    term_watch: Arc<OnceLock<Signaler>>,
    /// Held by the thread waiting on `term_watch`.
    term_wait: Mutex<()>,
    /// The inproc names bound (or waited for) in this context.
    inproc: inproc::SharedRegistry,
    next_socket_id: AtomicU64,
    /// I/O threads, started by the first tcp/ipc bind or connect.
    io: OnceLock<Vec<IoThread>>,
    /// Held while the I/O threads start.
    io_start: Mutex<()>,
}

impl Drop for CtxInner {
    fn drop(&mut self) {
        // The last handle is gone (context and every socket): let the I/O threads finish
        // their lingering connections and exit.
        // Nobody called terminate (that waits as long as LINGER says): the context went away
        // with its last handle, so wait at most EXIT_LINGER_MAX_MS (less at program exit),
        // then give up on what is still queued, saying so on stderr.
        let bound =
            Instant::now() + std::time::Duration::from_millis(crate::EXIT_LINGER_MAX_MS as u64);
        let deadline = crate::exit_deadline().map_or(bound, |d| d.min(bound));
        if let Some(threads) = self.io.get() {
            for t in threads {
                if !t.stop_until(Some(deadline)) {
                    t.abandon();
                }
            }
        }
    }
}

impl CtxInner {
    #[inline]
    pub(crate) fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }

    /// The context's inproc names, locked.
    pub(crate) fn registry(&self) -> MutexGuard<'_, inproc::Registry> {
        self.inproc.lock()
    }

    /// The inproc names, for the I/O threads (a connection reaches the ZAP handler through
    /// them). Holds no reference to the context.
    pub(crate) fn shared_registry(&self) -> inproc::SharedRegistry {
        self.inproc.clone()
    }

    pub(crate) fn ipv6(&self) -> bool {
        self.ipv6.load(Ordering::Relaxed)
    }

    /// The id of the next socket.
    pub(crate) fn new_socket_id(&self) -> u64 {
        self.next_socket_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts a new socket as live, with the signaler that termination wakes. EMFILE past
    /// MAX_SOCKETS.
    pub(crate) fn add_socket(&self, id: u64, sig: &Arc<Signaler>) -> Result<()> {
        let mut s = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        if s.len() >= self.max_sockets.load(Ordering::Relaxed) as usize {
            return Err(Error::TooManySockets);
        }
        s.insert(id, Arc::clone(sig));
        Ok(())
    }

    pub(crate) fn socket_closed(&self, id: u64) {
        let mut s = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        s.remove(&id);
        if s.is_empty() {
            if let Some(w) = self.term_watch.get() {
                w.notify();
            }
        }
    }
}

/// A ZeroMQ context. Cloning gives another handle to the same context.
#[derive(Clone, Debug)]
pub struct Context {
    pub(crate) inner: Arc<CtxInner>,
}

impl Context {
    /// A new context with libzmq's defaults (1 I/O thread, 1023 sockets).
    pub fn new() -> Context {
        Context {
            inner: Arc::new(CtxInner {
                terminated: AtomicBool::new(false),
                io_threads: AtomicI32::new(1),
                max_sockets: AtomicI32::new(1023),
                max_msgsz: AtomicI32::new(i32::MAX),
                ipv6: AtomicBool::new(false),
                blocky: AtomicBool::new(true),
                thread_priority: AtomicI32::new(-1),
                thread_sched_policy: AtomicI32::new(-1),
                socket_linger: Mutex::new(None),
                sockets: Mutex::new(HashMap::new()),
                term_watch: Arc::new(OnceLock::new()),
                term_wait: Mutex::new(()),
                inproc: inproc::SharedRegistry::default(),
                next_socket_id: AtomicU64::new(1),
                io: OnceLock::new(),
                io_start: Mutex::new(()),
            }),
        }
    }

    /// Sets a context option (libzmq numbering). Unknown options and bad values are EINVAL.
    pub fn set(&self, option: i32, value: i32) -> Result<()> {
        let i = &self.inner;
        match option {
            opt::IO_THREADS => {
                if value < 0 {
                    return Err(Error::invalid(format!(
                        "IO_THREADS must be >= 0, got {value}"
                    )));
                }
                i.io_threads.store(value, Ordering::Relaxed);
            }
            opt::MAX_SOCKETS => {
                if !(1..=SOCKET_LIMIT).contains(&value) {
                    return Err(Error::invalid(format!(
                        "MAX_SOCKETS must be 1 to {SOCKET_LIMIT}, got {value}"
                    )));
                }
                i.max_sockets.store(value, Ordering::Relaxed);
            }
            opt::THREAD_PRIORITY => i.thread_priority.store(value, Ordering::Relaxed),
            opt::THREAD_SCHED_POLICY => i.thread_sched_policy.store(value, Ordering::Relaxed),
            opt::MAX_MSGSZ => {
                if value < 0 {
                    return Err(Error::invalid(format!(
                        "MAX_MSGSZ must be >= 0, got {value}"
                    )));
                }
                i.max_msgsz.store(value, Ordering::Relaxed);
            }
            opt::IPV6 => i.ipv6.store(value != 0, Ordering::Relaxed),
            opt::BLOCKY => i.blocky.store(value != 0, Ordering::Relaxed),
            opt::THREAD_AFFINITY_CPU_ADD | opt::THREAD_AFFINITY_CPU_REMOVE => {
                if value < 0 {
                    return Err(Error::invalid(format!(
                        "CPU number must be >= 0, got {value}"
                    )));
                }
            }
            _ => {
                return Err(Error::invalid(format!(
                    "unknown or read-only context option {option}"
                )))
            }
        }
        Ok(())
    }

    /// Reads a context option.
    pub fn get(&self, option: i32) -> Result<i32> {
        let i = &self.inner;
        Ok(match option {
            opt::IO_THREADS => i.io_threads.load(Ordering::Relaxed),
            opt::MAX_SOCKETS => i.max_sockets.load(Ordering::Relaxed),
            opt::SOCKET_LIMIT => SOCKET_LIMIT,
            opt::THREAD_SCHED_POLICY => i.thread_sched_policy.load(Ordering::Relaxed),
            opt::MAX_MSGSZ => i.max_msgsz.load(Ordering::Relaxed),
            opt::MSG_T_SIZE => 64,
            opt::IPV6 => i32::from(i.ipv6.load(Ordering::Relaxed)),
            opt::BLOCKY => i32::from(i.blocky.load(Ordering::Relaxed)),
            _ => {
                return Err(Error::invalid(format!(
                    "unknown or write-only context option {option}"
                )))
            }
        })
    }

    /// Sets the LINGER that new sockets start with (None restores libzmq's rule).
    pub fn set_socket_linger(&self, linger: Option<i32>) -> Result<()> {
        if let Some(l) = linger {
            if l < -1 {
                return Err(Error::invalid(format!("linger must be >= -1, got {l}")));
            }
        }
        *self
            .inner
            .socket_linger
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = linger;
        Ok(())
    }

    /// The LINGER a new socket of type `ty` starts with.
    pub(crate) fn default_linger(&self, ty: SocketType) -> i32 {
        if let Some(l) = *self
            .inner
            .socket_linger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
            return l;
        }
        match ty.kind().linger {
            Some(l) => l,
            None if self.inner.blocky.load(Ordering::Relaxed) => -1,
            None => 0,
        }
    }

    /// The I/O thread serving socket `socket_id`, starting the threads on first use.
    /// EMTHREAD when IO_THREADS is 0.
    pub(crate) fn io_thread(&self, socket_id: u64) -> Result<&IoThread> {
        let threads = match self.inner.io.get() {
            Some(t) => t,
            None => {
                // One starter at a time: a second application thread that raced us here finds
                // the threads started instead of starting (and leaking) its own set.
                let _starting = self
                    .inner
                    .io_start
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                match self.inner.io.get() {
                    Some(t) => t,
                    None => {
                        let n = self.inner.io_threads.load(Ordering::Relaxed);
                        if n <= 0 {
                            return Err(Error::NoThread);
                        }
                        let mut v = Vec::with_capacity(n as usize);
                        for i in 0..n {
                            v.push(IoThread::spawn(
                                format!("zmq-rust-io-{i}"),
                                Arc::clone(&self.inner.term_watch),
                            )?);
                        }
                        let _ = self.inner.io.set(v);
                        self.inner.io.get().ok_or(Error::NoThread)?
                    }
                }
            }
        };
        if threads.is_empty() {
            return Err(Error::NoThread);
        }
        Ok(&threads[(socket_id as usize) % threads.len()])
    }

    /// Sends a command (made by `make`) to every running I/O thread.
    pub(crate) fn io_broadcast(&self, make: impl Fn() -> IoCommand) {
        if let Some(threads) = self.inner.io.get() {
            for t in threads {
                t.send(make());
            }
        }
    }

    /// Number of sockets not yet closed.
    pub fn socket_count(&self) -> usize {
        self.inner
            .sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Interrupts every socket: blocking calls return ETERM, and so does every later call
    /// except close. Does not wait (libzmq's `zmq_ctx_shutdown`).
    pub fn shutdown(&self) {
        self.inner.terminated.store(true, Ordering::Release);
        let s = self.inner.sockets.lock().unwrap_or_else(|e| e.into_inner());
        for sig in s.values() {
            sig.force();
        }
    }

    /// True once `shutdown` or `terminate` ran.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_terminated()
    }

    /// Waits until the application has closed every socket of the context, then until the
    /// I/O threads have sent what the closed sockets left queued (each within its LINGER) and
    /// ended, or until `deadline` (None: no limit; at program exit the engine's exit bound
    /// applies to the second part). Returns Ok(true) when all of that is done, Ok(false) when
    /// the deadline came first, and Err(Interrupted) when a signal arrived: the caller runs
    /// its handlers and calls again to keep waiting.
    pub fn wait_terminated(&self, deadline: Option<Instant>) -> Result<bool> {
        // The watch has one owner at a time: concurrent waiters take turns.
        let _turn = self
            .inner
            .term_wait
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let watch = match self.inner.term_watch.get() {
            Some(w) => w,
            None => {
                let new = Signaler::new(false)?;
                self.inner.term_watch.get_or_init(|| new)
            }
        };
        loop {
            // Armed before looking, so that a socket closing or a thread ending after the
            // look wakes the wait below.
            watch.arm();
            let done = self.socket_count() == 0 && self.io_stopped();
            let io_deadline = match (deadline, crate::exit_deadline()) {
                (Some(a), Some(b)) if self.socket_count() == 0 => Some(a.min(b)),
                (None, Some(b)) if self.socket_count() == 0 => Some(b),
                (a, _) => a,
            };
            if done {
                watch.disarm();
                if let Some(threads) = self.inner.io.get() {
                    threads.iter().for_each(IoThread::join);
                }
                return Ok(true);
            }
            let woken = watch.wait(io_deadline);
            watch.disarm();
            if !woken? {
                return Ok(false);
            }
            watch.clear();
        }
    }

    /// Once every socket is closed: asks the I/O threads to end, and tells whether they have.
    fn io_stopped(&self) -> bool {
        match self.inner.io.get() {
            Some(threads) => threads.iter().all(|t| {
                t.request_stop();
                t.has_exited()
            }),
            None => true,
        }
    }

    /// `zmq_ctx_term`: shutdown, wait until the application closed every socket, then until
    /// their queued messages are sent or their LINGER ran out. Signals do not end the wait.
    pub fn terminate(&self) {
        self.shutdown();
        while let Err(Error::Interrupted) = self.wait_terminated(None) {}
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}
