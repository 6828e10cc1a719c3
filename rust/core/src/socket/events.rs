//! ZMQ_EVENTS and ZMQ_FD: what the socket can do now, and the promise its fd keeps to an
//! event loop or zmq_poll (edge-triggered as in libzmq; kept readable while input waits once
//! the fd was handed out).

use super::{Socket, POLLIN, POLLOUT};
use crate::error::Result;

/// What reading EVENTS does to the signaler's fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FdMode {
    /// Nothing: nobody waits on the fd (it was never handed out, and this is not zmq_poll).
    Look,
    /// libzmq's edge: the fd quiet and the signaler armed, unless both directions are ready
    /// (zmq_poll sleeps on the fd next).
    Edge,
    /// The edge, and the fd left readable while input waits (the fd was handed out).
    Level,
}

impl Socket {
    /// POLLIN | POLLOUT as they stand now (ZMQ_EVENTS).
    ///
    /// Once the fd was handed out ([`Socket::fd`]), this is also the ZMQ_FD contract: unless
    /// input waits, the signaler is armed on a quiet fd, so that the next message to read, or
    /// the next room to write, makes the fd readable (edge-triggered, as in libzmq); while
    /// input waits, the fd is left readable, so that an event loop that starts watching it
    /// later still hears about that input. Before that, nobody can be waiting on the fd, and
    /// EVENTS only looks.
    pub fn events(&mut self) -> Result<i32> {
        let mode = if self.fd_watched {
            FdMode::Level
        } else {
            FdMode::Look
        };
        self.events_as(mode)
    }

    /// `events`, keeping the fd as `mode` says. A system call only when the fd changes
    /// between quiet and readable.
    pub(super) fn events_as(&mut self, mode: FdMode) -> Result<i32> {
        self.check()?;
        self.process_commands();
        let ev = self.current_events();
        if mode == FdMode::Look {
            return Ok(ev);
        }
        let level = mode == FdMode::Level;
        if level && ev & POLLIN != 0 {
            self.core.sig.signal();
            return Ok(ev);
        }
        if ev == POLLIN | POLLOUT {
            self.core.sig.unarm();
            return Ok(ev);
        }
        self.core.sig.arm_quiet();
        if ev & POLLOUT == 0 {
            self.pattern.want_write(&mut self.core);
        }
        // Anything that happened before the arm is seen here; anything after it notifies.
        self.process_commands();
        let now = self.current_events();
        if level && now & POLLIN != 0 {
            self.core.sig.signal();
        }
        Ok(now)
    }

    /// zmq_poll's view of EVENTS: edge-triggered (the fd quiet and armed unless both
    /// directions are ready), except on a watched fd when the caller waits for POLLIN anyway.
    pub(crate) fn poll_events(&mut self, wants_pollin: bool) -> Result<i32> {
        let mode = if self.fd_watched && wants_pollin {
            FdMode::Level
        } else {
            FdMode::Edge
        };
        self.events_as(mode)
    }

    /// After zmq_poll: a watched fd is made readable again if input waits; an unwatched one
    /// is disarmed, so that peers do not write it for nothing.
    pub(crate) fn after_poll(&mut self) {
        if self.closed {
            return;
        }
        if self.fd_watched {
            let _ = self.events_as(FdMode::Level);
        } else {
            self.core.sig.unarm();
        }
    }

    fn current_events(&mut self) -> i32 {
        let mut ev = 0;
        if self.pattern.has_in(&mut self.core)
            || (self.reap() && self.pattern.has_in(&mut self.core))
        {
            ev |= POLLIN;
        }
        if self.pattern.has_out(&mut self.core) {
            ev |= POLLOUT;
        }
        ev
    }

    /// The fd for an event loop (ZMQ_FD): it becomes readable when the socket's state may have
    /// changed; then read [`Socket::events`] (or receive until EAGAIN) before waiting again.
    ///
    /// From this call on, the socket keeps a promise after every call: the fd is readable,
    /// or the next change (a message, room to send, a peer's command) makes it readable. It
    /// is readable at once if input is waiting, and stays so until the input is read, so a
    /// watcher attached now, or later, hears about it. Spurious readiness is possible (the
    /// libzmq contract allows it); a lost wake-up is not.
    pub fn fd(&mut self) -> Result<std::os::fd::RawFd> {
        self.check()?;
        self.fd_watched = true;
        self.events_as(FdMode::Level)?;
        Ok(self.core.sig.fd())
    }

    /// The signaler's fd, as zmq_poll waits on it (nothing else changes).
    pub(crate) fn signal_fd(&self) -> std::os::fd::RawFd {
        self.core.sig.fd()
    }

    /// Writes to and reads of the fd since the socket was made: the system calls its
    /// wake-ups cost (diagnostics).
    pub fn fd_counts(&self) -> (u64, u64) {
        self.core.sig.fd_counts()
    }
}
