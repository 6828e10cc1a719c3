//! PAIR: exactly one peer; a second connection is closed at once.

use super::{Core, Pattern, Sent};
use crate::error::Result;
use crate::msg::Frame;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub(crate) struct Pair {
    pipe: Option<PipeId>,
    /// A multipart message is being sent (its rest goes to the same pipe, or nowhere).
    sending: bool,
}

impl Pattern for Pair {
    fn attach(&mut self, core: &mut Core, id: PipeId) {
        if self.pipe.is_some() {
            if let Some(p) = core.pipes.remove(id) {
                Core::close_pipe(p);
            }
        } else {
            self.pipe = Some(id);
        }
    }

    fn detach(&mut self, _core: &mut Core, id: PipeId) {
        if self.pipe == Some(id) {
            self.pipe = None;
        }
    }

    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        let more = frame.more;
        let pipe = self.pipe.and_then(|id| core.pipes.get_mut(id));
        match pipe {
            Some(p) if self.sending || p.check_write() => p.write(frame),
            // The peer went away in the middle of a message: drop the rest.
            _ if self.sending => {}
            _ => return Ok(Sent::Blocked(frame)),
        }
        self.sending = more;
        Ok(Sent::Done)
    }

    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        Ok(self
            .pipe
            .and_then(|id| core.pipes.get_mut(id))
            .and_then(|p| p.read()))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        self.pipe
            .and_then(|id| core.pipes.get(id))
            .is_some_and(|p| p.check_read())
    }

    fn has_out(&mut self, core: &mut Core) -> bool {
        self.sending
            || self
                .pipe
                .and_then(|id| core.pipes.get(id))
                .is_some_and(|p| p.check_write())
    }
}
