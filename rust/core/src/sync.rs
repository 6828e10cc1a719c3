//! The synchronisation primitives of the lock-free parts of the engine (the pipe queue in
//! [`crate::spsc`], the pipes' counters and flags in [`crate::pipe`], the signaler's flags and
//! its fd in [`crate::signaler`]), from one place.
//!
//! A normal build takes them from std: the atomics, `Arc`, `fence` and the allocator are
//! std's own items, and [`UnsafeCell`] is a `#[repr(transparent)]` wrapper whose closure
//! accessors inline to a raw pointer, so these modules compile to what they would without this
//! module. The crate's tests built with `--cfg loom` (`make cargo_test_loom`) take them from
//! [loom](https://docs.rs/loom) instead, which runs the models in `src/loom_models/` once per
//! interleaving of their threads and checks every access to an [`UnsafeCell`] against the
//! happens-before order of that interleaving: a data race, a lost wake-up (every thread
//! blocked) or a leaked chunk makes a model fail. Only the models can run in that build
//! (loom's types panic outside `loom::model`); a library build with `--cfg loom` but not
//! `test` keeps std's types.

#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::Arc;

#[cfg(all(test, loom))]
pub(crate) use loom::sync::Arc;

/// Atomics and fences.
pub(crate) mod atomic {
    #[cfg(not(all(test, loom)))]
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering,
    };

    #[cfg(all(test, loom))]
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, Ordering,
    };
}

/// Raw allocation (loom's versions also track leaks).
pub(crate) mod alloc {
    pub(crate) use std::alloc::{handle_alloc_error, Layout};

    #[cfg(not(all(test, loom)))]
    pub(crate) use std::alloc::{alloc, dealloc};

    #[cfg(all(test, loom))]
    pub(crate) use loom::alloc::{alloc, dealloc};
}

#[cfg(all(test, loom))]
pub(crate) use loom::cell::UnsafeCell;

/// `std::cell::UnsafeCell` with loom's interface: the cell's contents are reached only inside
/// [`UnsafeCell::with`] (to read) and [`UnsafeCell::with_mut`] (to write or move out), which
/// is what lets a loom build check each access.
#[cfg(not(all(test, loom)))]
#[derive(Debug)]
#[repr(transparent)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(all(test, loom)))]
impl<T> UnsafeCell<T> {
    /// A cell holding `v`.
    #[inline(always)]
    pub(crate) const fn new(v: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(v))
    }

    /// Calls `f` with a pointer for reading the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a pointer for writing the contents (or moving them out).
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(all(test, loom))]
pub(crate) use model_fd::EventFd;

/// The signaler's fd under the model: a counter that a write adds one to and a read empties,
/// as an eventfd's, and a wait that blocks (a loom condition variable) until it is non-zero.
/// A wake-up that nobody sends leaves the waiting thread blocked for good, which loom
/// reports as a deadlock.
#[cfg(all(test, loom))]
mod model_fd {
    use loom::sync::{Condvar, Mutex};
    use std::os::fd::RawFd;

    /// Stand-in for `sys::EventFd`.
    #[derive(Debug, Default)]
    pub(crate) struct EventFd {
        /// Writes not read yet.
        count: Mutex<u64>,
        /// Signalled on every write.
        readable: Condvar,
    }

    impl EventFd {
        pub(crate) fn open() -> crate::error::Result<EventFd> {
            Ok(EventFd::default())
        }

        /// No real fd exists under the model.
        pub(crate) fn raw(&self) -> RawFd {
            -1
        }

        pub(crate) fn write(&self) {
            *self.count.lock().unwrap() += 1;
            self.readable.notify_all();
        }

        pub(crate) fn read(&self) -> u64 {
            std::mem::take(&mut *self.count.lock().unwrap())
        }

        /// Waits until readable when `timeout_ms` is -1; any other timeout is taken as one
        /// that has run out already (the model has no clock), so it only looks.
        pub(crate) fn poll(&self, timeout_ms: i32) -> crate::error::Result<bool> {
            let mut count = self.count.lock().unwrap();
            if timeout_ms < 0 {
                while *count == 0 {
                    count = self.readable.wait(count).unwrap();
                }
            }
            Ok(*count > 0)
        }
    }
}
