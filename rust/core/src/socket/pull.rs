//! PULL: fair-queues messages from its peers; sends nothing.

use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::Frame;
use crate::strategy::FairQueue;

#[derive(Debug, Default)]
pub(crate) struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn send(&mut self, _core: &mut Core, _frame: Frame) -> Result<Sent> {
        Err(Error::NotSupported)
    }

    #[inline]
    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        Ok(self.fq.recv(&mut core.pipes).map(|(f, _)| f))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        self.fq.has_in(&core.pipes)
    }

    fn has_out(&mut self, _core: &mut Core) -> bool {
        false
    }

    fn want_write(&mut self, _core: &mut Core) {}
}
