//! DEALER: load-balances outgoing messages, fair-queues incoming ones, leaves envelopes alone.

use super::{Core, Pattern, Sent};
use crate::error::Result;
use crate::msg::{Frame, Message};
use crate::options::{decode_flag, id};
use crate::pipe::PipeId;
use crate::strategy::{FairQueue, LoadBalance};
use bytes::Bytes;

#[derive(Debug, Default)]
pub(crate) struct Dealer {
    pub(super) lb: LoadBalance,
    pub(super) fq: FairQueue,
    probe_router: bool,
}

impl Pattern for Dealer {
    fn attach(&mut self, core: &mut Core, id: PipeId) {
        if self.probe_router {
            if let Some(p) = core.pipes.get_mut(id) {
                p.push(Message::One(Bytes::new()));
            }
        }
    }

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

    #[inline]
    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        Ok(self.fq.recv(&mut core.pipes).map(|(f, _)| f))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        self.fq.has_in(&core.pipes)
    }

    fn has_out(&mut self, core: &mut Core) -> bool {
        self.lb.has_out(&core.pipes)
    }

    fn set_option(&mut self, _core: &mut Core, num: i32, raw: &[u8]) -> Result<bool> {
        if num == id::PROBE_ROUTER {
            self.probe_router = decode_flag(num, raw)?;
            return Ok(true);
        }
        Ok(false)
    }
}
