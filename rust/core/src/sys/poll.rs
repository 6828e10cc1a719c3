//! poll(2) over a set of fds.

use super::cvt;
use std::io;

pub(crate) use libc::pollfd as PollFd;
pub(crate) use libc::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI};

/// Waits up to `timeout_ms` (-1: no limit, 0: do not wait) until one of `fds` is ready;
/// returns how many are (their `revents` say what). EINTR when a signal arrived.
#[inline]
pub(crate) fn poll(fds: &mut [PollFd], timeout_ms: i32) -> io::Result<usize> {
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd for the duration of the call.
    let n = cvt(unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) })?;
    Ok(n as usize)
}
