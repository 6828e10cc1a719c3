//! REP: strict request/reply alternation with envelopes. REP keeps every frame of a request up
//! to and including the empty delimiter and sends it back in front of the reply, to the pipe
//! the request came from.

use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::Frame;
use crate::pipe::PipeId;
use crate::strategy::FairQueue;
use bytes::Bytes;

#[derive(Debug)]
pub(crate) struct Rep {
    fq: FairQueue,
    /// A request was received; the next operation must be send.
    sending_reply: bool,
    /// The next frame received starts a request.
    request_begins: bool,
    /// The next frame sent starts the reply.
    reply_begins: bool,
    /// Envelope of the request being answered, delimiter included.
    envelope: Vec<Bytes>,
    reply_pipe: Option<PipeId>,
}

impl Default for Rep {
    fn default() -> Self {
        Rep {
            fq: FairQueue::default(),
            sending_reply: false,
            request_begins: true,
            reply_begins: true,
            envelope: Vec::new(),
            reply_pipe: None,
        }
    }
}

impl Pattern for Rep {
    fn detach(&mut self, _core: &mut Core, id: PipeId) {
        if self.reply_pipe == Some(id) {
            self.reply_pipe = None;
        }
    }

    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if !self.sending_reply {
            return Err(Error::Fsm);
        }
        let more = frame.more;
        if self.reply_begins {
            self.reply_begins = false;
            // The reply goes back where the request came from; if that peer is gone or full
            // the reply is dropped, as a ROUTER would.
            let ok = self
                .reply_pipe
                .and_then(|id| core.pipes.get(id))
                .is_some_and(|p| p.check_write());
            if !ok {
                self.reply_pipe = None;
            }
            if let Some(p) = self.reply_pipe.and_then(|id| core.pipes.get_mut(id)) {
                for part in self.envelope.drain(..) {
                    p.write(Frame::new(part, true));
                }
            }
            self.envelope.clear();
        }
        if let Some(p) = self.reply_pipe.and_then(|id| core.pipes.get_mut(id)) {
            p.write(frame);
        }
        if !more {
            self.sending_reply = false;
            self.reply_begins = true;
            self.reply_pipe = None;
        }
        Ok(Sent::Done)
    }

    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        if self.sending_reply {
            return Err(Error::Fsm);
        }
        if self.request_begins {
            'next: loop {
                self.envelope.clear();
                let Some((f, from)) = self.fq.recv(&mut core.pipes) else {
                    return Ok(None);
                };
                let mut f = f;
                loop {
                    if !f.more {
                        // No delimiter before the end (or nothing after it): malformed, drop.
                        continue 'next;
                    }
                    let bottom = f.is_empty();
                    self.envelope.push(f.data);
                    if bottom {
                        break;
                    }
                    match self.fq.recv(&mut core.pipes) {
                        Some((next, _)) => f = next,
                        None => continue 'next,
                    }
                }
                self.reply_pipe = Some(from);
                self.request_begins = false;
                break;
            }
        }
        let Some((f, _)) = self.fq.recv(&mut core.pipes) else {
            return Ok(None);
        };
        if !f.more {
            self.request_begins = true;
            self.sending_reply = true;
        }
        Ok(Some(f))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        !self.sending_reply && (self.fq.in_message() || self.fq.has_in(&core.pipes))
    }

    fn has_out(&mut self, _core: &mut Core) -> bool {
        self.sending_reply
    }
}
