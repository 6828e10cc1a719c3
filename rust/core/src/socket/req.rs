//! REQ: strict request/reply alternation with envelopes. REQ prepends an empty delimiter (and
//! a 4-byte request id with REQ_CORRELATE), takes the reply only from the pipe the request went
//! to, and strips the envelope.

use super::dealer::Dealer;
use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::Frame;
use crate::options::{decode_flag, id};
use crate::pipe::PipeId;
use bytes::Bytes;

#[derive(Debug)]
pub(crate) struct Req {
    /// REQ is a DEALER (load-balance out, fair-queue in, PROBE_ROUTER) plus the envelope and
    /// the send/recv alternation.
    dealer: Dealer,
    /// A request was sent; the next operation must be recv.
    receiving_reply: bool,
    /// The next frame sent starts a request (the envelope goes first).
    message_begins: bool,
    /// The next frame received starts a reply (its envelope is checked and stripped).
    reply_begins: bool,
    /// The pipe the last request went to.
    reply_pipe: Option<PipeId>,
    correlate: bool,
    relaxed: bool,
    request_id: u32,
}

impl Default for Req {
    fn default() -> Self {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_begins: true,
            reply_pipe: None,
            correlate: false,
            relaxed: false,
            request_id: random_u32(),
        }
    }
}

/// A random start value (libzmq starts request and routing ids at a random number).
pub(crate) fn random_u32() -> u32 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish() as u32
}

impl Pattern for Req {
    fn attach(&mut self, core: &mut Core, id: PipeId) {
        self.dealer.attach(core, id);
    }

    fn detach(&mut self, core: &mut Core, id: PipeId) {
        self.dealer.detach(core, id);
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
    }

    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if self.receiving_reply {
            if !self.relaxed {
                return Err(Error::Fsm);
            }
            // REQ_RELAXED: abandon the outstanding request. Its pipe stays open (libzmq #1690);
            // a late reply on it is dropped below or by REQ_CORRELATE.
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            let first = if self.correlate {
                self.request_id = self.request_id.wrapping_add(1);
                Frame::new(Bytes::copy_from_slice(&self.request_id.to_ne_bytes()), true)
            } else {
                Frame::empty(true)
            };
            match self.dealer.lb.send(&mut core.pipes, first) {
                Ok(id) => self.reply_pipe = Some(id),
                Err(_) => return Ok(Sent::Blocked(frame)),
            }
            if self.correlate {
                let _ = self.dealer.lb.send(&mut core.pipes, Frame::empty(true));
            }
            self.message_begins = false;
            // Replies already waiting answer earlier requests: drop them all, as libzmq does,
            // so that none is taken for this one.
            let fq = &mut self.dealer.fq;
            fq.skip_rest(&mut core.pipes);
            while fq.recv(&mut core.pipes).is_some() {}
        }
        let more = frame.more;
        let _ = self.dealer.lb.send(&mut core.pipes, frame);
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
            self.reply_begins = true;
        }
        Ok(Sent::Done)
    }

    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        if !self.receiving_reply {
            return Err(Error::Fsm);
        }
        loop {
            let Some((f, from)) = self.dealer.fq.recv(&mut core.pipes) else {
                return Ok(None);
            };
            if self.reply_begins {
                // Replies from other pipes (earlier, abandoned requests) are dropped whole.
                if Some(from) != self.reply_pipe || !self.envelope_ok(core, f) {
                    self.dealer.fq.skip_rest(&mut core.pipes);
                    continue;
                }
                self.reply_begins = false;
                continue;
            }
            if !f.more {
                self.receiving_reply = false;
                self.reply_begins = true;
            }
            return Ok(Some(f));
        }
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        self.receiving_reply && self.dealer.has_in(core)
    }

    fn has_out(&mut self, core: &mut Core) -> bool {
        (!self.receiving_reply || self.relaxed) && self.dealer.has_out(core)
    }

    fn set_option(&mut self, core: &mut Core, num: i32, raw: &[u8]) -> Result<bool> {
        match num {
            id::REQ_CORRELATE => self.correlate = decode_flag(num, raw)?,
            id::REQ_RELAXED => self.relaxed = decode_flag(num, raw)?,
            _ => return self.dealer.set_option(core, num, raw),
        }
        Ok(true)
    }
}

impl Req {
    /// Checks (and consumes) the reply envelope whose first frame is `first`.
    fn envelope_ok(&mut self, core: &mut Core, first: Frame) -> bool {
        let delim = if self.correlate {
            if !first.more || first.data[..] != self.request_id.to_ne_bytes() {
                return false;
            }
            match self.dealer.fq.recv(&mut core.pipes) {
                Some((f, _)) => f,
                None => return false,
            }
        } else {
            first
        };
        // The delimiter must be empty and followed by the body.
        delim.more && delim.is_empty()
    }
}
