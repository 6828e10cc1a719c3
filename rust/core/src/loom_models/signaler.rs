//! The signaler ([`crate::signaler`]) with its fd replaced by the model's stand-in
//! (`sync::EventFd`): a notification after the owner armed is never lost, and the owner's view
//! of the fd never calls it quiet while a wake-up is still owed to it.

use super::model;
use crate::signaler::Signaler;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::thread;
use std::sync::Arc;
use std::time::Instant;

/// The fd is readable now (the model's wait with a deadline only looks).
fn readable(s: &Signaler) -> bool {
    s.wait(Some(Instant::now())).unwrap()
}

/// The arm/notify handshake alone: the notifier makes a change (a relaxed store: the
/// fences in `notify` and `arm` must order it) and notifies; the owner arms, looks for the
/// change, and waits only if it did not see it. The wait must return.
#[test]
fn notify_after_arm_is_not_lost() {
    model(|| {
        let s = Arc::new(Signaler::new(false).unwrap());
        let work = Arc::new(AtomicBool::new(false));
        let notifier = {
            let (s, work) = (Arc::clone(&s), Arc::clone(&work));
            thread::spawn(move || {
                work.store(true, Ordering::Relaxed);
                s.notify();
            })
        };
        s.arm();
        if !work.load(Ordering::Relaxed) {
            assert!(s.wait(None).unwrap());
        }
        s.disarm();
        notifier.join().unwrap();
    });
}

/// The owner's view of its fd against a notifier that takes the arm and writes later: after
/// `arm_quiet` said the fd is quiet, it really is until a notification comes; and once the
/// notifiers are done, the owner gets back to a quiet, armed fd with one more `arm_quiet`,
/// having read every write (an fd left readable would make a level-triggered event loop spin
/// on it).
#[test]
fn owner_view_waits_for_owed_wake_ups() {
    model(|| {
        let s = Arc::new(Signaler::new(false).unwrap());
        assert!(s.arm_quiet());
        let notifier = {
            let s = Arc::clone(&s);
            thread::spawn(move || s.notify())
        };
        // The owner found what it was waiting for, then prepares to wait again.
        s.unarm();
        if s.arm_quiet() {
            // Quiet and armed: a notification from now on takes the arm and writes.
        } else {
            // A write is owed: the fd becomes readable without any further notification.
            assert!(s.wait(None).unwrap());
        }
        notifier.join().unwrap();
        assert!(s.arm_quiet(), "every owed write has landed");
        assert!(!readable(&s), "quiet means empty");
    });
}

/// `signal` (input waits: make the fd readable) racing a notification that may take the
/// arm: the fd ends up readable exactly as long as the owner thinks so, and is written only
/// when needed.
#[test]
fn signal_races_notify() {
    model(|| {
        let s = Arc::new(Signaler::new(false).unwrap());
        assert!(s.arm_quiet());
        let notifier = {
            let s = Arc::clone(&s);
            thread::spawn(move || s.notify())
        };
        s.signal();
        notifier.join().unwrap();
        assert!(readable(&s), "signal leaves the fd readable");
        assert!(s.arm_quiet(), "emptied and armed again");
        assert!(!readable(&s));
        let (writes, reads) = s.fd_counts();
        assert_eq!(
            (writes, reads),
            (1, 1),
            "one write, from signal or from notify"
        );
    });
}
