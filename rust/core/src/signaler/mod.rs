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
//! the re-check; one that made it after sees the armed flag, takes it and writes the fd.
//!
//! A socket also keeps its own view of the fd: quiet, armed while quiet, or signalled
//! ([`Signaler::arm_quiet`], [`Signaler::signal`], [`Signaler::unarm`]). It reads the fd only
//! when the fd may hold a wake-up and writes it only when it is quiet, so that a socket whose
//! fd an event loop watches answers ZMQ_EVENTS again and again without a system call. The
//! view counts the wake-ups it is owed (an arm that a notifier took, a write of its own) and
//! the ones its reads found (an eventfd read returns how many writes it empties): the fd is
//! quiet only when nothing more is owed. A write still on its way when the owner reads is
//! therefore never mistaken for a quiet fd, which would leave the fd readable behind the
//! owner's back and make a level-triggered event loop spin on it.
//!
//! A socket's fd is an eventfd on Linux and a non-blocking pipe elsewhere, close-on-exec in
//! both cases. A connection on an I/O thread has no fd of its own: its signaler puts the
//! connection's id on the thread's [`ReadyList`], so that an idle connection costs one fd (its
//! stream), as in libzmq, and ten thousand of them fit in a default fd limit.
//!
//! The flags and the fd come from [`crate::sync`], so that `loom_models/signaler.rs` can check
//! both protocols under loom, with the fd replaced by a stand-in that loom sees.

mod ready_list;

use crate::error::Result;
use crate::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicU8, Ordering};
#[cfg(all(test, loom))]
use crate::sync::EventFd;
#[cfg(not(all(test, loom)))]
use crate::sys::EventFd;
pub(crate) use ready_list::ReadyList;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a notification goes.
#[derive(Debug)]
enum Target {
    /// An fd the owner polls or waits on (sockets: blocking calls, ZMQ_FD, zmq_poll).
    Fd(EventFd),
    /// A connection on an I/O thread: its id goes on the thread's ready list.
    Reactor {
        /// The I/O thread's list.
        list: Arc<ReadyList>,
        /// The connection (or connecter) to drive.
        id: usize,
    },
}

/// Takes a flag that another thread may take too: true for the one thread that clears it.
/// A relaxed look first keeps the common case (not set) free of a locked instruction, and the
/// compare-exchange writes only when it takes the flag. (A swap would also write `false` over
/// `false`; loom's model then lets a later store slip in between that swap's read and its
/// write, tokio-rs/loom#254, and reports wake-ups lost that cannot be.)
#[inline]
pub(crate) fn take(flag: &AtomicBool) -> bool {
    flag.load(Ordering::Relaxed)
        && flag
            .compare_exchange(true, false, Ordering::SeqCst, Ordering::Relaxed)
            .is_ok()
}

/// The owner's view of its fd (`Signaler::view`).
/// Quiet: nothing owed, not armed: nothing makes the fd readable but `force`.
const QUIET: u8 = 0;
/// Armed while quiet: the fd becomes readable exactly when a notification takes the arm.
const ARMED_QUIET: u8 = 1;
/// Readable, or about to be (a wake-up is owed); not armed.
const SIGNALLED: u8 = 2;

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
    /// The owner's view of its fd: QUIET, ARMED_QUIET or SIGNALLED. This and `owed` belong to
    /// the owner: only its thread touches them (atomics only so that the signaler can be
    /// shared).
    view: AtomicU8,
    /// Writes to the fd that the owner expects and its reads have not found yet.
    owed: AtomicU64,
    /// Writes to the fd so far (diagnostics: wake-ups that cost a system call).
    writes: AtomicU64,
    /// Reads of the fd by the owner so far (diagnostics).
    reads: AtomicU64,
}

impl Signaler {
    /// A new signaler. `track_activity` makes every notification set the activity flag.
    pub fn new(track_activity: bool) -> Result<Signaler> {
        Ok(Signaler {
            target: Target::Fd(EventFd::open()?),
            sleeping: AtomicBool::new(false),
            activity: AtomicBool::new(false),
            track_activity,
            view: AtomicU8::new(QUIET),
            owed: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            reads: AtomicU64::new(0),
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
            view: AtomicU8::new(QUIET),
            owed: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            reads: AtomicU64::new(0),
        }
    }

    /// The pollable fd: readable after a notification reached an armed owner (-1 for an I/O
    /// thread's connection, which has none).
    pub fn fd(&self) -> RawFd {
        match &self.target {
            Target::Fd(fd) => fd.raw(),
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
        if take(&self.sleeping) {
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
        take(&self.activity)
    }

    /// Owner: announce that it is about to sleep. Re-check state afterwards, then `wait`.
    /// (A socket arms through [`Signaler::arm_quiet`], which also keeps its view of the fd.)
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

    /// Owner: takes the arm back; true if no notification took it first.
    #[inline]
    fn take_back(&self) -> bool {
        take(&self.sleeping)
    }

    /// Owner: one more write of the fd to expect.
    #[inline]
    fn owe(&self) {
        let owed = self.owed.load(Ordering::Relaxed);
        self.owed.store(owed + 1, Ordering::Relaxed);
    }

    /// The owner's view, an arm that a notification took turned into "signalled" (and the
    /// notifier's write owed). Only the owner's thread calls it.
    #[inline]
    fn view(&self) -> u8 {
        let v = self.view.load(Ordering::Relaxed);
        if v == ARMED_QUIET && !self.sleeping.load(Ordering::Relaxed) {
            self.owe();
            self.view.store(SIGNALLED, Ordering::Relaxed);
            return SIGNALLED;
        }
        v
    }

    /// Owner (a socket): prepares to wait, so that the next notification is not missed.
    /// Afterwards the signaler is armed on a quiet fd (true), or the fd is readable or about
    /// to be (false: a wake-up is still on its way, and waiting returns when it lands).
    /// Either way the caller re-checks its state before it waits. Reads the fd only if it may
    /// hold a wake-up; costs nothing when already armed.
    pub(crate) fn arm_quiet(&self) -> bool {
        match self.view() {
            ARMED_QUIET => return true,
            QUIET => {}
            _ => {
                // Not armed, so no new wake-up can start; the read finds the ones owed, or
                // some of them are still on the way.
                let found = self.read_fd();
                let owed = self.owed.load(Ordering::Relaxed).saturating_sub(found);
                self.owed.store(owed, Ordering::Relaxed);
                if owed > 0 {
                    return false;
                }
            }
        }
        self.view.store(ARMED_QUIET, Ordering::Relaxed);
        self.arm();
        true
    }

    /// Owner (a socket): makes the fd readable and leaves the signaler disarmed (there is
    /// something to read, and an event loop watching the fd must hear about it). Writes the fd
    /// only if it is quiet.
    pub(crate) fn signal(&self) {
        match self.view() {
            SIGNALLED => return,
            ARMED_QUIET => {
                if self.take_back() {
                    self.wake();
                }
                // Otherwise a notification took the arm: its write makes the fd readable.
            }
            _ => self.wake(),
        }
        self.owe();
        self.view.store(SIGNALLED, Ordering::Relaxed);
    }

    /// Owner (a socket): no longer about to sleep (it found what it was waiting for).
    pub(crate) fn unarm(&self) {
        if self.view.load(Ordering::Relaxed) == ARMED_QUIET {
            if self.take_back() {
                self.view.store(QUIET, Ordering::Relaxed);
            } else {
                self.owe();
                self.view.store(SIGNALLED, Ordering::Relaxed);
            }
        }
    }

    /// Writes to and reads of the fd so far: what the wake-ups cost in system calls.
    pub fn fd_counts(&self) -> (u64, u64) {
        (
            self.writes.load(Ordering::Relaxed),
            self.reads.load(Ordering::Relaxed),
        )
    }

    /// Owner: waits until the fd is readable or until `deadline` (None waits forever),
    /// without emptying it ([`Signaler::arm_quiet`] does that before the next wait).
    /// Returns Ok(true) when readable, Ok(false) on timeout, Err(Interrupted) on a signal.
    /// An I/O thread's connection never waits: this returns `Ok(false)` at once for it.
    pub fn wait(&self, deadline: Option<Instant>) -> Result<bool> {
        let Target::Fd(fd) = &self.target else {
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
        fd.poll(timeout_ms)
    }

    /// Owner: empties the fd after a wake-up (a waiter that does not keep the socket's view of
    /// the fd, such as the context's termination wait).
    pub(crate) fn clear(&self) {
        self.read_fd();
    }

    /// Empties the fd; returns how many writes it found.
    fn read_fd(&self) -> u64 {
        let Target::Fd(fd) = &self.target else {
            return 0;
        };
        self.reads.fetch_add(1, Ordering::Relaxed);
        fd.read()
    }

    fn wake(&self) {
        match &self.target {
            Target::Fd(fd) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
                fd.write();
            }
            Target::Reactor { list, id } => list.push(*id),
        }
    }
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
        assert!(s.arm_quiet());
        s.notify();
        assert!(s
            .wait(Some(Instant::now() + Duration::from_secs(1)))
            .unwrap());
        assert!(
            s.wait(Some(Instant::now())).unwrap(),
            "wait leaves the fd readable"
        );
        assert!(s.arm_quiet(), "the owner empties it before it waits again");
        assert!(!s.wait(Some(Instant::now())).unwrap(), "quiet");
        assert_eq!(s.fd_counts(), (1, 1));
    }

    fn readable(s: &Signaler) -> bool {
        s.wait(Some(Instant::now())).unwrap()
    }

    #[test]
    fn the_owner_view_costs_a_system_call_only_on_a_change() {
        let s = Signaler::new(false).unwrap();
        // Quiet: arming costs no read, and arming again nothing at all.
        assert!(s.arm_quiet());
        assert!(s.arm_quiet());
        assert_eq!(s.fd_counts(), (0, 0));
        // Signal: one write, however often it is asked for.
        s.signal();
        s.signal();
        assert!(readable(&s));
        assert!(!s.is_armed(), "a signalled fd needs no arm");
        assert_eq!(s.fd_counts(), (1, 0));
        // Back to quiet and armed: one read.
        assert!(s.arm_quiet());
        assert!(!readable(&s));
        assert!(s.is_armed());
        assert_eq!(s.fd_counts(), (1, 1));
        // A notification takes the arm and writes; signalling then costs nothing.
        s.notify();
        s.notify();
        s.signal();
        assert!(readable(&s));
        assert_eq!(s.fd_counts(), (2, 1));
        // unarm on a quiet armed fd takes the arm back: notifications stay free.
        assert!(s.arm_quiet());
        s.unarm();
        s.notify();
        assert!(!readable(&s));
        assert_eq!(s.fd_counts(), (2, 2));
    }

    #[test]
    fn a_wake_up_still_on_its_way_is_not_taken_for_a_quiet_fd() {
        let s = Signaler::new(false).unwrap();
        assert!(s.arm_quiet());
        // A notifier takes the arm and has not written yet (descheduled between its swap
        // and its write).
        assert!(s.take_back());
        assert!(
            !s.arm_quiet(),
            "the fd is not quiet: a write is owed (the read found nothing)"
        );
        assert!(!s.is_armed());
        assert!(!readable(&s));
        // The write lands: the fd is readable, and the owner's next look empties it.
        s.wake();
        assert!(readable(&s));
        assert!(s.arm_quiet(), "now it is quiet, and armed");
        assert!(!readable(&s));
        assert_eq!(s.fd_counts(), (1, 2));
    }

    #[test]
    fn force_during_an_arm_counts_as_signalled() {
        let s = Signaler::new(false).unwrap();
        assert!(s.arm_quiet());
        s.force();
        assert!(readable(&s));
        assert!(s.arm_quiet(), "emptied and armed again");
        assert!(!readable(&s));
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
