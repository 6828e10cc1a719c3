//! The engine's raw system calls, each behind a safe function, and the one helper that turns
//! a failed call's `-1` into an error ([`cvt`]).
//!
//! Everything here is a thin wrapper: no policy, no retries. Callers decide what an error
//! means (a signaler's write that finds the fd full is fine; a poll interrupted by a signal
//! is EINTR for the user). Every `unsafe` block in the engine that calls the OS is in this
//! module, each with a note saying why it is sound. (The pipes' lock-free queue, `spsc.rs`,
//! keeps its own `unsafe`: it is a data structure, not a system call.)
//!
//! - [`eventfd`]: the signaler's fd (an eventfd, or a pipe where there is none);
//! - [`poll`]: poll(2) over a set of fds;
//! - [`fd`]: reads into a buffer's free space;
//! - [`socket`]: socket options, tcp listeners, interface addresses;
//! - [`fs`]: private temporary directories (ipc://*);
//! - [`signal`]: keeping asynchronous signals off the engine's threads.

// The loom models replace the fd with `sync::EventFd`.
#[cfg(not(all(test, loom)))]
pub(crate) mod eventfd;
pub(crate) mod fd;
pub(crate) mod fs;
pub(crate) mod poll;
pub(crate) mod signal;
pub(crate) mod socket;

#[cfg(not(all(test, loom)))]
pub(crate) use eventfd::EventFd;

use std::io;

/// A system call's return type whose `-1` means failure (errno set).
pub(crate) trait MinusOne: Copy {
    /// Whether this is the failure value.
    fn is_minus_one(self) -> bool;
}

impl MinusOne for i32 {
    #[inline]
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

impl MinusOne for isize {
    #[inline]
    fn is_minus_one(self) -> bool {
        self == -1
    }
}

/// A system call's result: `Err` with the thread's errno when it returned -1.
#[inline]
pub(crate) fn cvt<T: MinusOne>(ret: T) -> io::Result<T> {
    if ret.is_minus_one() {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvt_takes_errno_on_minus_one() {
        assert_eq!(cvt(3i32).unwrap(), 3);
        assert_eq!(cvt(0isize).unwrap(), 0);
        // SAFETY: close(-1) touches no memory; it fails with EBADF.
        let e = cvt(unsafe { libc::close(-1) }).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EBADF));
    }
}
