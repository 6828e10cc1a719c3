//! PUSH: load-balances messages over its peers and blocks when every one is at its HWM;
//! receives nothing.

use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::Frame;
use crate::pipe::PipeId;
use crate::strategy::LoadBalance;

#[derive(Debug, Default)]
pub(crate) struct Push {
    lb: LoadBalance,
}

impl Pattern for Push {
    fn detach(&mut self, _core: &mut Core, id: PipeId) {
        self.lb.detach(id);
    }

    #[inline]
    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        Ok(match self.lb.send(&mut core.pipes, frame) {
            Ok(_) => Sent::Done,
            Err(f) => Sent::Blocked(f),
        })
    }

    fn recv(&mut self, _core: &mut Core) -> Result<Option<Frame>> {
        Err(Error::NotSupported)
    }

    fn has_in(&mut self, _core: &mut Core) -> bool {
        false
    }

    fn has_out(&mut self, core: &mut Core) -> bool {
        self.lb.has_out(&core.pipes)
    }
}
