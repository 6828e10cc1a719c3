//! Distribution: each message goes to a set of pipes chosen when it starts (PUB and XPUB: the
//! subscribers whose topics match; XSUB: every publisher with room), and all of its frames
//! follow to the same set. Every target but the last gets a clone of each frame (the body is
//! shared, not copied); the last takes the frame itself.

use super::Pipes;
use crate::msg::Frame;
use crate::pipe::PipeId;

#[derive(Debug, Default)]
pub(crate) struct Distribute {
    /// The pipes receiving the message being sent (kept between messages for its capacity).
    targets: Vec<PipeId>,
    /// In the middle of a message: its next frames go to the same targets.
    more: bool,
}

impl Distribute {
    /// True while a multipart message is being sent: its targets are chosen already.
    #[inline]
    pub(crate) fn in_message(&self) -> bool {
        self.more
    }

    /// Starts choosing the targets of a new message: the list, emptied, for the caller to
    /// fill.
    #[inline]
    pub(crate) fn start(&mut self) -> &mut Vec<PipeId> {
        self.targets.clear();
        &mut self.targets
    }

    /// Chooses every pipe that has room as the targets of a new message.
    pub(crate) fn start_all_writable(&mut self, pipes: &Pipes) {
        self.targets.clear();
        self.targets
            .extend(pipes.list.iter().filter(|p| p.check_write()).map(|p| p.id));
    }

    /// Leaves out the targets that have no room: the message is dropped for them.
    #[inline]
    pub(crate) fn drop_full(&mut self, pipes: &Pipes) {
        self.targets
            .retain(|&p| pipes.get(p).is_some_and(|p| p.check_write()));
    }

    /// True if a target has no room (XPUB_NODROP then waits instead of dropping).
    pub(crate) fn any_full(&self, pipes: &Pipes) -> bool {
        self.targets
            .iter()
            .any(|&p| pipes.get(p).is_some_and(|p| !p.check_write()))
    }

    /// Writes one frame to every target. A frame without MORE ends the message.
    #[inline]
    pub(crate) fn send(&mut self, pipes: &mut Pipes, frame: Frame) {
        let more = frame.more;
        if let Some((&last, rest)) = self.targets.split_last() {
            for &pid in rest {
                if let Some(p) = pipes.get_mut(pid) {
                    p.write(frame.clone());
                }
            }
            if let Some(p) = pipes.get_mut(last) {
                p.write(frame);
            }
        }
        self.more = more;
        if !more {
            self.targets.clear();
        }
    }

    /// A pipe is being removed.
    pub(crate) fn detach(&mut self, id: PipeId) {
        self.targets.retain(|&p| p != id);
    }
}
