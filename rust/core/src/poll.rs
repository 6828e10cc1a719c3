//! zmq_poll: wait on sockets and plain file descriptors together.
//!
//! Sockets are level-triggered from the caller's view: each is asked for its EVENTS first;
//! only if nothing is ready does the call sleep in poll(2) on the sockets' signaler fds and
//! the raw fds, and then asks again. A signal interrupts the wait (EINTR), and a socket
//! whose context was terminated fails the call with ETERM.

use crate::error::{Error, Result};
use crate::socket::{Socket, POLLIN, POLLOUT};
use crate::sys::poll as sys;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// Poll event bit for errors on a raw fd (ZMQ_POLLERR).
pub const POLLERR: i16 = 4;
/// Poll event bit for priority data on a raw fd (ZMQ_POLLPRI).
pub const POLLPRI: i16 = 8;

/// What an item watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The socket at this index of the `sockets` slice given to [`poll`].
    Socket(usize),
    /// A plain file descriptor.
    Fd(RawFd),
}

/// One entry of a poll set (`zmq_pollitem_t`).
#[derive(Debug, Clone, Copy)]
pub struct PollItem {
    /// The socket or fd.
    pub target: Target,
    /// ZMQ_POLLIN | ZMQ_POLLOUT (| ZMQ_POLLERR | ZMQ_POLLPRI for fds).
    pub events: i16,
    /// What is ready, filled in by [`poll`].
    pub revents: i16,
}

/// Waits until at least one item is ready or `timeout_ms` passes (-1: no limit, 0: do not
/// wait). Returns the number of items with `revents` set. Closed sockets are never ready.
pub fn poll(sockets: &mut [&mut Socket], items: &mut [PollItem], timeout_ms: i64) -> Result<usize> {
    let r = poll_sockets(sockets, items, timeout_ms);
    for s in sockets.iter_mut() {
        s.after_poll();
    }
    r
}

fn poll_sockets(
    sockets: &mut [&mut Socket],
    items: &mut [PollItem],
    timeout_ms: i64,
) -> Result<usize> {
    for it in items.iter() {
        if let Target::Socket(i) = it.target {
            if i >= sockets.len() {
                return Err(Error::invalid(format!(
                    "poll item names socket {i} of {}",
                    sockets.len()
                )));
            }
        }
    }
    let deadline =
        (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    let mut pfds: Vec<sys::PollFd> = Vec::with_capacity(items.len());
    loop {
        // Sockets first, without blocking; `events` also arms their signalers.
        let mut ready = 0;
        for it in items.iter_mut() {
            it.revents = 0;
            if let Target::Socket(i) = it.target {
                let s = &mut sockets[i];
                if s.is_closed() {
                    continue;
                }
                let ev = s.poll_events(it.events & POLLIN as i16 != 0)? as i16;
                it.revents = ev & it.events & (POLLIN as i16 | POLLOUT as i16);
                if it.revents != 0 {
                    ready += 1;
                }
            }
        }
        let wait_ms: i32 = if ready > 0 || timeout_ms == 0 {
            0
        } else {
            match deadline {
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        0
                    } else {
                        (left.as_millis() + 1).min(i32::MAX as u128) as i32
                    }
                }
            }
        };
        pfds.clear();
        for it in items.iter() {
            let (fd, ev) = match it.target {
                Target::Socket(i) => (
                    if sockets[i].is_closed() {
                        -1
                    } else {
                        sockets[i].signal_fd()
                    },
                    sys::POLLIN,
                ),
                Target::Fd(fd) => {
                    let mut ev = 0;
                    if it.events & POLLIN as i16 != 0 {
                        ev |= sys::POLLIN;
                    }
                    if it.events & POLLOUT as i16 != 0 {
                        ev |= sys::POLLOUT;
                    }
                    if it.events & POLLPRI != 0 {
                        ev |= sys::POLLPRI;
                    }
                    (fd, ev)
                }
            };
            pfds.push(sys::PollFd {
                fd,
                events: ev,
                revents: 0,
            });
        }
        sys::poll(&mut pfds, wait_ms)?;
        let mut socket_woke = false;
        for (it, p) in items.iter_mut().zip(pfds.iter()) {
            match it.target {
                Target::Fd(_) => {
                    let mut r = 0i16;
                    if p.revents & sys::POLLIN != 0 {
                        r |= POLLIN as i16;
                    }
                    if p.revents & sys::POLLOUT != 0 {
                        r |= POLLOUT as i16;
                    }
                    if p.revents & sys::POLLPRI != 0 {
                        r |= POLLPRI;
                    }
                    if p.revents & (sys::POLLERR | sys::POLLHUP | sys::POLLNVAL) != 0 {
                        r |= POLLERR;
                    }
                    it.revents = r & (it.events | POLLERR);
                    if it.revents != 0 {
                        ready += 1;
                    }
                }
                Target::Socket(_) => socket_woke |= p.revents != 0,
            }
        }
        if ready > 0 || timeout_ms == 0 {
            return Ok(ready);
        }
        if let Some(d) = deadline {
            if Instant::now() >= d && !socket_woke {
                return Ok(0);
            }
        }
        // A socket's fd fired (or the time is up and sockets get a last look): ask again.
        if let Some(d) = deadline {
            if Instant::now() >= d {
                let mut n = 0;
                for it in items.iter_mut() {
                    if let Target::Socket(i) = it.target {
                        if !sockets[i].is_closed() {
                            it.revents = sockets[i].poll_events(it.events & POLLIN as i16 != 0)?
                                as i16
                                & it.events
                                & (POLLIN as i16 | POLLOUT as i16);
                            n += usize::from(it.revents != 0);
                        }
                    }
                }
                return Ok(n);
            }
        }
    }
}
