//! The ready list of an I/O thread: the ids of its connections whose signalers were
//! notified, and the one wake-up of the thread.

use super::take;
use crate::sync::atomic::{fence, AtomicBool, Ordering};
use crossbeam_queue::SegQueue;

/// The ids of an I/O thread's connections that were notified, and the one wake-up of that
/// thread (its `mio::Waker`). The thread announces that it is about to block in `poll` with
/// [`ReadyList::before_poll`] (the same arm-then-check protocol as
/// [`Signaler::arm`](super::Signaler::arm)), so a notification costs a system call only when
/// the thread sleeps.
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
    pub(super) fn push(&self, id: usize) {
        self.ids.push(id);
        fence(Ordering::SeqCst);
        if take(&self.polling) {
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
