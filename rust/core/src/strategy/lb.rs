//! Load-balancing: each new message goes to the next pipe, round-robin, that has room
//! (PUSH, DEALER, REQ); the frames of one message all go to the same pipe.

use super::Pipes;
use crate::msg::Frame;
use crate::pipe::{PipeEnd, PipeId};

/// Round-robin over the pipes that have room (PUSH, DEALER, REQ).
#[derive(Debug, Default)]
pub(crate) struct LoadBalance {
    cursor: usize,
    /// The pipe receiving the message in progress (None between messages).
    sending_to: Option<PipeId>,
    /// The pipe of the message in progress went away: drop its remaining frames.
    dropping: bool,
}

impl LoadBalance {
    /// Sends one frame. Returns the frame back if no pipe can take a new message.
    #[inline]
    pub(crate) fn send(&mut self, pipes: &mut Pipes, frame: Frame) -> Result<PipeId, Frame> {
        if let Some(id) = self.sending_to {
            let more = frame.more;
            match pipes.get_mut(id) {
                Some(p) if !self.dropping => p.write(frame),
                _ => {}
            }
            if !more {
                self.sending_to = None;
                self.dropping = false;
            }
            return Ok(id);
        }
        let n = pipes.len();
        for i in 0..n {
            let idx = (self.cursor + i) % n;
            let p = &mut pipes.list[idx];
            if p.check_write() {
                let id = p.id;
                if frame.more {
                    self.sending_to = Some(id);
                }
                p.write(frame);
                // The next message goes to the next pipe, whether this one has one frame or many.
                self.cursor = idx + 1;
                return Ok(id);
            }
        }
        Err(frame)
    }

    /// True if a new message could be sent now.
    pub(crate) fn has_out(&self, pipes: &Pipes) -> bool {
        self.sending_to.is_some() || pipes.list.iter().any(PipeEnd::check_write)
    }

    /// A pipe is being removed.
    pub(crate) fn detach(&mut self, id: PipeId) {
        if self.sending_to == Some(id) {
            self.dropping = true;
        }
    }
}
