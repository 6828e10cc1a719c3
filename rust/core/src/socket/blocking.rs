//! Waiting in send and recv when the socket type cannot take or give a message now: SNDTIMEO
//! and RCVTIMEO deadlines, DONTWAIT, and signals (EINTR ends the wait; RESUME continues it
//! within what was left of its deadline).

use super::events::FdMode;
use super::{Sent, Socket, DONTWAIT, RESUME};
use crate::error::{Error, Result};
use crate::msg::Frame;
use crate::signaler::deadline_after;
use std::time::Instant;

impl Socket {
    /// `send` when no pipe takes the message now: waits for room, or fails with EAGAIN.
    #[inline(never)]
    pub(super) fn send_blocked(&mut self, frame: Frame, flags: i32) -> Result<()> {
        let r = self.send_wait(frame, flags);
        self.after_wait();
        r
    }

    fn send_wait(&mut self, mut frame: Frame, flags: i32) -> Result<()> {
        let nonblocking = flags & DONTWAIT != 0 || self.core.opts.sndtimeo == 0;
        let mut deadline = self.resumed_deadline(flags);
        loop {
            if nonblocking && !self.fd_watched {
                return Err(Error::Again);
            }
            // Arm, ask for room, then try once more: room made before the arm is found now,
            // room made after it wakes us (or makes a watched fd readable).
            self.core.sig.arm_quiet();
            self.pattern.want_write(&mut self.core);
            self.process_commands();
            match self.pattern.send(&mut self.core, frame)? {
                Sent::Done => return Ok(()),
                Sent::Blocked(f) => frame = f,
            }
            if nonblocking {
                return Err(Error::Again);
            }
            let until = *deadline.get_or_insert_with(|| deadline_after(self.core.opts.sndtimeo));
            self.sleep(until)?;
            match self.pattern.send(&mut self.core, frame)? {
                Sent::Done => return Ok(()),
                Sent::Blocked(f) => frame = f,
            }
        }
    }

    /// `recv` when nothing is ready: waits, or fails with EAGAIN.
    #[inline(never)]
    pub(super) fn recv_empty(&mut self, flags: i32) -> Result<Frame> {
        let r = self.recv_wait(flags);
        self.after_wait();
        r
    }

    fn recv_wait(&mut self, flags: i32) -> Result<Frame> {
        let nonblocking = flags & DONTWAIT != 0 || self.core.opts.rcvtimeo == 0;
        let mut deadline = self.resumed_deadline(flags);
        loop {
            if self.reap() {
                if let Some(f) = self.pattern.recv(&mut self.core)? {
                    self.core.rcvmore = f.more;
                    return Ok(f);
                }
            }
            if nonblocking && !self.fd_watched {
                return Err(Error::Again);
            }
            // Arm, then look once more: a message that came before the arm is found now, one
            // that comes after it wakes us (or makes a watched fd readable).
            self.core.sig.arm_quiet();
            self.process_commands();
            if let Some(f) = self.pattern.recv(&mut self.core)? {
                self.core.rcvmore = f.more;
                return Ok(f);
            }
            if nonblocking {
                return Err(Error::Again);
            }
            let until = *deadline.get_or_insert_with(|| deadline_after(self.core.opts.rcvtimeo));
            self.sleep(until)?;
            if let Some(f) = self.pattern.recv(&mut self.core)? {
                self.core.rcvmore = f.more;
                return Ok(f);
            }
        }
    }

    /// The deadline a blocking call starts with: the interrupted call's when `flags` has
    /// RESUME, else none yet (it is set when the call first has to wait).
    fn resumed_deadline(&mut self, flags: i32) -> Option<Option<Instant>> {
        let interrupted = self.interrupted.take();
        if flags & RESUME != 0 {
            interrupted
        } else {
            None
        }
    }

    /// Waits on the signaler (armed by the caller) until woken or `until`. A signal ends the
    /// wait with EINTR, and `until` is kept for a call with RESUME.
    fn sleep(&mut self, until: Option<Instant>) -> Result<()> {
        if self.core.ctx.inner.is_terminated() {
            return Err(Error::Term);
        }
        match self.core.sig.wait(until) {
            Ok(true) => {}
            Ok(false) => return Err(Error::Again),
            Err(e) => {
                if e == Error::Interrupted {
                    self.interrupted = Some(until);
                }
                return Err(e);
            }
        }
        if self.core.ctx.inner.is_terminated() {
            return Err(Error::Term);
        }
        self.process_commands();
        Ok(())
    }

    /// After a send or recv that armed the signaler: a watched fd keeps its promise (readable
    /// while there is input, armed otherwise); an unwatched one is disarmed, so that peers do
    /// not write it for nothing.
    pub(super) fn after_wait(&mut self) {
        if self.fd_watched {
            let _ = self.events_as(FdMode::Level);
        } else {
            self.core.sig.unarm();
        }
    }
}
