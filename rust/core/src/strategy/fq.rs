//! Fair-queueing: messages are read from the pipes that have one, round-robin (PULL, DEALER,
//! ROUTER, SUB ...); the frames of one message all come from the same pipe.

use super::Pipes;
use crate::msg::Frame;
use crate::pipe::{PipeEnd, PipeId};

/// Round-robin over the pipes that have a message (PULL, DEALER, ROUTER, SUB, ...).
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    cursor: usize,
    /// The pipe whose message is being read (None between messages).
    reading_from: Option<PipeId>,
}

impl FairQueue {
    /// Reads one frame and says which pipe it came from.
    #[inline]
    pub(crate) fn recv(&mut self, pipes: &mut Pipes) -> Option<(Frame, PipeId)> {
        if let Some(id) = self.reading_from {
            if let Some(p) = pipes.get_mut(id) {
                if let Some(f) = p.read() {
                    if !f.more {
                        self.reading_from = None;
                    }
                    return Some((f, id));
                }
            }
            self.reading_from = None;
        }
        let n = pipes.len();
        for i in 0..n {
            let idx = (self.cursor + i) % n;
            let p = &mut pipes.list[idx];
            if let Some(f) = p.read() {
                let id = p.id;
                if f.more {
                    self.reading_from = Some(id);
                }
                self.cursor = idx + 1;
                return Some((f, id));
            }
        }
        None
    }

    /// True if a frame can be read now.
    pub(crate) fn has_in(&self, pipes: &Pipes) -> bool {
        pipes.list.iter().any(PipeEnd::check_read)
    }

    /// Discards the rest of the message being read.
    pub(crate) fn skip_rest(&mut self, pipes: &mut Pipes) {
        if let Some(id) = self.reading_from.take() {
            if let Some(p) = pipes.get_mut(id) {
                p.skip_rest();
            }
        }
    }

    /// True while a multipart message is being read.
    pub(crate) fn in_message(&self) -> bool {
        self.reading_from.is_some()
    }
}
