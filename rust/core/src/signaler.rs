//! Signaler: the one wake-up mechanism behind blocking calls, `ZMQ_FD` and polling.
//!
//! Each socket owns one. Other parties (peers writing into this socket's pipes, peers sending it
//! commands, context termination) call [`Signaler::notify`] after making their change visible.
//! `notify` only costs a system call when the owner said it is about to sleep ([`Signaler::arm`]),
//! so a busy reader and writer exchange messages with no system call at all (DESIGN rule 1,
//! libzmq's `activate_read` protocol).
//!
//! The owner's sleep protocol is: `arm()`, then check its pipes and mailbox once more, then
//! `wait()` only if nothing was found. A notifier that made a change before `arm()` is seen by
//! the re-check; one that made it after sees the armed flag and writes the fd.
//!
//! A socket's fd is an eventfd on Linux and a non-blocking pipe elsewhere, close-on-exec in
//! both cases. A connection on an I/O thread has no fd of its own: its signaler puts the
//! connection's id on the thread's [`ReadyList`], so that an idle connection costs one fd (its
//! stream), as in libzmq, and ten thousand of them fit in a default fd limit.

use crate::error::{Error, Result};
use crossbeam_queue::SegQueue;
use std::os::fd::RawFd;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a notification goes.
#[derive(Debug)]
enum Target {
    /// An fd the owner polls or waits on (sockets: blocking calls, ZMQ_FD, zmq_poll).
    Fd {
        /// Read end (the fd handed out as ZMQ_FD).
        rfd: RawFd,
        /// Write end (same as `rfd` for an eventfd).
        wfd: RawFd,
    },
    /// A connection on an I/O thread: its id goes on the thread's ready list.
    Reactor {
        /// The I/O thread's list.
        list: Arc<ReadyList>,
        /// The connection (or connecter) to drive.
        id: usize,
    },
}

/// The ids of an I/O thread's connections that were notified, and the one wake-up of that
/// thread (its `mio::Waker`). The thread announces that it is about to block in `poll` with
/// [`ReadyList::before_poll`] (the same arm-then-check protocol as [`Signaler::arm`]), so a
/// notification costs a system call only when the thread sleeps.
#[derive(Debug)]
pub(crate) struct ReadyList {
    ids: SegQueue<usize>,
    waker: mio::Waker,
    /// Set by the I/O thread just before it re-checks the list and blocks in `poll`.
    polling: AtomicBool,
}

impl ReadyList {
    /// A list whose notifications wake `waker`'s poll.
    pub(crate) fn new(waker: mio::Waker) -> ReadyList {
        ReadyList {
            ids: SegQueue::new(),
            waker,
            polling: AtomicBool::new(false),
        }
    }

    /// Queues `id` and wakes the thread if it is (about to be) blocked.
    fn push(&self, id: usize) {
        self.ids.push(id);
        fence(Ordering::SeqCst);
        if self.polling.load(Ordering::Relaxed) && self.polling.swap(false, Ordering::SeqCst) {
            let _ = self.waker.wake();
        }
    }

    /// Wakes the thread whatever it is doing (commands from other threads).
    pub(crate) fn wake(&self) {
        self.polling.store(false, Ordering::SeqCst);
        let _ = self.waker.wake();
    }

    /// I/O thread, before blocking: announces it, then says whether it may block (nothing is
    /// queued). When it returns false, poll without blocking.
    pub(crate) fn before_poll(&self) -> bool {
        self.polling.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.ids.is_empty()
    }

    /// I/O thread, after `poll` returned.
    pub(crate) fn after_poll(&self) {
        self.polling.store(false, Ordering::Relaxed);
    }

    /// Number of ids queued now.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The next notified id.
    pub(crate) fn pop(&self) -> Option<usize> {
        self.ids.pop()
    }
}

/// A wake-up target plus the owner's "about to sleep" flag.
#[derive(Debug)]
pub struct Signaler {
    /// Where notifications go.
    target: Target,
    /// Set by the owner just before it re-checks its state and waits on `rfd`.
    sleeping: AtomicBool,
    /// Set by every `notify` when `track_activity` is on; lets a PUB/XPUB learn cheaply that
    /// subscriptions arrived in one of its inbound pipes.
    activity: AtomicBool,
    /// Whether `notify` records activity (fixed at creation).
    track_activity: bool,
}

impl Signaler {
    /// A new signaler. `track_activity` makes every notification set the activity flag.
    pub fn new(track_activity: bool) -> Result<Signaler> {
        let (rfd, wfd) = make_fds()?;
        Ok(Signaler {
            target: Target::Fd { rfd, wfd },
            sleeping: AtomicBool::new(false),
            activity: AtomicBool::new(false),
            track_activity,
        })
    }

    /// A signaler for connection (or connecter) `id` of the I/O thread that owns `list`:
    /// notifications queue `id` there instead of writing an fd. It has no fd and cannot be
    /// waited on.
    pub(crate) fn for_reactor(list: &Arc<ReadyList>, id: usize) -> Signaler {
        Signaler {
            target: Target::Reactor {
                list: Arc::clone(list),
                id,
            },
            sleeping: AtomicBool::new(false),
            activity: AtomicBool::new(false),
            track_activity: false,
        }
    }

    /// The pollable fd: readable after a notification reached an armed owner (-1 for an I/O
    /// thread's connection, which has none).
    pub fn fd(&self) -> RawFd {
        match self.target {
            Target::Fd { rfd, .. } => rfd,
            Target::Reactor { .. } => -1,
        }
    }

    /// Called by other threads after they changed state the owner may be waiting for.
    #[inline]
    pub fn notify(&self) {
        if self.track_activity {
            self.activity.store(true, Ordering::SeqCst);
        }
        // Pairs with the fence in `arm`: either the owner's re-check sees our change, or we
        // see its flag.
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::Relaxed) && self.sleeping.swap(false, Ordering::SeqCst) {
            self.wake();
        }
    }

    /// Wakes the owner whether or not it is armed (context termination).
    pub fn force(&self) {
        self.sleeping.store(false, Ordering::SeqCst);
        self.wake();
    }

    /// Takes the activity flag (true if anything notified since the last call).
    #[inline]
    pub fn take_activity(&self) -> bool {
        self.activity.load(Ordering::Relaxed) && self.activity.swap(false, Ordering::SeqCst)
    }

    /// Owner: announce that it is about to sleep. Re-check state afterwards, then `wait`.
    pub fn arm(&self) {
        self.sleeping.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Owner: no longer sleeping.
    pub fn disarm(&self) {
        self.sleeping.store(false, Ordering::Relaxed);
    }

    /// True while the owner is armed.
    pub fn is_armed(&self) -> bool {
        self.sleeping.load(Ordering::SeqCst)
    }

    /// Owner: waits until notified or until `deadline` (None waits forever).
    /// Returns Ok(true) when notified, Ok(false) on timeout, Err(Interrupted) on a signal.
    /// An I/O thread's connection never waits: this returns `Ok(false)` at once for it.
    pub fn wait(&self, deadline: Option<Instant>) -> Result<bool> {
        let Target::Fd { rfd, .. } = self.target else {
            debug_assert!(false, "wait on a connection's signaler");
            return Ok(false);
        };
        let timeout_ms: i32 = match deadline {
            None => -1,
            Some(d) => {
                let now = Instant::now();
                if d <= now {
                    0
                } else {
                    // Round up so that a wait never returns before the deadline.
                    let left = d - now;
                    let ms = left.as_millis() + u128::from(left.subsec_nanos() % 1_000_000 != 0);
                    ms.min(i32::MAX as u128) as i32
                }
            }
        };
        let mut pfd = libc::pollfd {
            fd: rfd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: pfd is a valid pollfd for the duration of the call.
        let rc = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        if rc < 0 {
            let err = Error::last_os_error();
            return Err(err);
        }
        if rc == 0 {
            return Ok(false);
        }
        self.drain();
        Ok(true)
    }

    /// Empties the fd so that it is quiet until the next notification.
    pub fn drain(&self) {
        let Target::Fd { rfd, .. } = self.target else {
            return;
        };
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: reading into a local buffer of the given size.
            let n = unsafe { libc::read(rfd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 || cfg!(any(target_os = "linux", target_os = "android")) {
                break;
            }
        }
    }

    fn wake(&self) {
        match &self.target {
            Target::Fd { wfd, .. } => {
                let one: u64 = 1;
                // SAFETY: writing 8 bytes from a local. EAGAIN (counter or pipe full) means
                // the fd is readable already, which is all a notification needs.
                unsafe {
                    libc::write(*wfd, (&one as *const u64).cast(), 8);
                }
            }
            Target::Reactor { list, id } => list.push(*id),
        }
    }
}

impl Drop for Signaler {
    fn drop(&mut self) {
        if let Target::Fd { rfd, wfd } = self.target {
            // SAFETY: the fds are owned by this signaler.
            unsafe {
                libc::close(rfd);
                if wfd != rfd {
                    libc::close(wfd);
                }
            }
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn make_fds() -> Result<(RawFd, RawFd)> {
    // SAFETY: plain syscall.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    if fd < 0 {
        return Err(Error::last_os_error());
    }
    Ok((fd, fd))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn make_fds() -> Result<(RawFd, RawFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds has room for two descriptors.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(Error::last_os_error());
    }
    for fd in fds {
        // SAFETY: fcntl on descriptors we own.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            let fl = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
        }
    }
    Ok((fds[0], fds[1]))
}

/// Converts a timeout option in milliseconds (-1 = forever) into a deadline.
pub(crate) fn deadline_after(ms: i32) -> Option<Instant> {
    if ms < 0 {
        None
    } else {
        Some(Instant::now() + Duration::from_millis(ms as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn notify_only_wakes_when_armed() {
        let s = Signaler::new(false).unwrap();
        s.notify();
        assert!(
            !s.wait(Some(Instant::now())).unwrap(),
            "unarmed notify must not write the fd"
        );
        s.arm();
        s.notify();
        assert!(s
            .wait(Some(Instant::now() + Duration::from_secs(1)))
            .unwrap());
        assert!(!s.wait(Some(Instant::now())).unwrap(), "wait drains the fd");
    }

    #[test]
    fn cross_thread_wake() {
        let s = Arc::new(Signaler::new(false).unwrap());
        s.arm();
        let s2 = Arc::clone(&s);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            s2.notify();
        });
        assert!(s
            .wait(Some(Instant::now() + Duration::from_secs(5)))
            .unwrap());
        t.join().unwrap();
    }

    #[test]
    fn activity_flag() {
        let s = Signaler::new(true).unwrap();
        assert!(!s.take_activity());
        s.notify();
        assert!(s.take_activity());
        assert!(!s.take_activity());
    }

    #[test]
    fn reactor_signaler_queues_its_id_and_wakes_a_polling_thread() {
        let mut poll = mio::Poll::new().unwrap();
        let waker = mio::Waker::new(poll.registry(), mio::Token(7)).unwrap();
        let list = Arc::new(ReadyList::new(waker));
        let s = Signaler::for_reactor(&list, 42);
        assert_eq!(s.fd(), -1);
        let mut events = mio::Events::with_capacity(4);

        // Not armed: nothing queued.
        s.notify();
        assert!(list.pop().is_none());

        // Armed, reactor busy (not polling): queued, no wake-up.
        s.arm();
        s.notify();
        assert_eq!(list.pop(), Some(42));
        assert!(!s.is_armed(), "a notification disarms");
        poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
        assert!(
            events.is_empty(),
            "no wake-up while the reactor is not polling"
        );

        // Reactor about to block: the notification from another thread wakes it.
        assert!(list.before_poll(), "nothing queued, may block");
        s.arm();
        let s = Arc::new(s);
        let s2 = Arc::clone(&s);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            s2.notify();
        });
        let start = Instant::now();
        poll.poll(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        list.after_poll();
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "woken by the notification"
        );
        assert_eq!(events.iter().next().map(|e| e.token()), Some(mio::Token(7)));
        assert_eq!(list.len(), 1);
        assert_eq!(list.pop(), Some(42));
        t.join().unwrap();

        // Queued before the reactor announced itself: it must not block.
        s.arm();
        s.notify();
        assert!(!list.before_poll());
        list.after_poll();
    }
}
