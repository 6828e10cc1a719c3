//! The signaler's fd: an eventfd on Linux, a pipe elsewhere; non-blocking and close-on-exec.
//!
//! A write makes the fd readable (an eventfd adds one to its counter, a pipe takes 8 bytes);
//! a read empties it and says how many writes it found. The protocol around it (who writes
//! when, who reads) is the signaler's ([`crate::signaler`]).

use super::cvt;
use crate::error::Result;
use std::os::fd::RawFd;

/// A signaler's fd.
#[derive(Debug)]
pub(crate) struct EventFd {
    /// Read end (the fd handed out as ZMQ_FD).
    rfd: RawFd,
    /// Write end (same as `rfd` for an eventfd).
    wfd: RawFd,
}

impl EventFd {
    /// A new, quiet fd.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(crate) fn open() -> Result<EventFd> {
        // SAFETY: eventfd takes no pointers; the new descriptor is owned by the EventFd.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        Ok(EventFd { rfd: fd, wfd: fd })
    }

    /// A new, quiet fd.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub(crate) fn open() -> Result<EventFd> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: fds has room for the two descriptors pipe(2) writes.
        cvt(unsafe { libc::pipe(fds.as_mut_ptr()) })?;
        for fd in fds {
            // SAFETY: fcntl on descriptors we own; no pointers.
            unsafe {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
                let fl = libc::fcntl(fd, libc::F_GETFL);
                libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
            }
        }
        Ok(EventFd {
            rfd: fds[0],
            wfd: fds[1],
        })
    }

    /// The fd to poll.
    #[inline]
    pub(crate) fn raw(&self) -> RawFd {
        self.rfd
    }

    /// Makes the fd readable (adds one write).
    #[inline]
    pub(crate) fn write(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a local. EAGAIN (counter or pipe full) means the fd is
        // readable already, which is all a notification needs.
        unsafe {
            libc::write(self.wfd, (&one as *const u64).cast(), 8);
        }
    }

    /// Empties the fd; returns how many writes it found.
    #[inline]
    pub(crate) fn read(&self) -> u64 {
        let mut found = 0u64;
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: reads into a local buffer of the given size.
            let n = unsafe { libc::read(self.rfd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            if cfg!(any(target_os = "linux", target_os = "android")) {
                // An eventfd read gives its counter: the number of writes (each adds 1).
                let mut v = [0u8; 8];
                v.copy_from_slice(&buf[..8]);
                return u64::from_ne_bytes(v);
            }
            // A pipe: each write is 8 bytes.
            found += n as u64 / 8;
        }
        found
    }

    /// Waits up to `timeout_ms` (-1: forever) for the fd to be readable, without emptying it.
    #[inline]
    pub(crate) fn poll(&self, timeout_ms: i32) -> Result<bool> {
        let mut pfd = [super::poll::PollFd {
            fd: self.rfd,
            events: super::poll::POLLIN,
            revents: 0,
        }];
        Ok(super::poll::poll(&mut pfd, timeout_ms)? > 0)
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: the fds are owned by this EventFd and closed once, here.
        unsafe {
            libc::close(self.rfd);
            if self.wfd != self.rfd {
                libc::close(self.wfd);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_counted_and_a_read_empties() {
        let fd = EventFd::open().unwrap();
        assert!(!fd.poll(0).unwrap());
        fd.write();
        fd.write();
        assert!(fd.poll(0).unwrap());
        assert!(fd.poll(0).unwrap(), "poll leaves it readable");
        assert_eq!(fd.read(), 2);
        assert!(!fd.poll(0).unwrap());
        assert_eq!(fd.read(), 0);
    }
}
