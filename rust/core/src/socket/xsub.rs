//! SUB and XSUB: subscriptions go upstream to every publisher (and are replayed to a new or
//! reconnected one) as `01`/`00` + topic messages; SUB also filters what arrives, XSUB passes
//! everything to the application and sends what it is given upstream.

use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::{Frame, Message};
use crate::options::{decode_flag, id};
use crate::pipe::PipeId;
use crate::strategy::{Distribute, FairQueue, Topics};
use crate::subscription;

/// SUB (`sub = true`) and XSUB.
#[derive(Debug)]
pub(crate) struct XSub {
    sub: bool,
    fq: FairQueue,
    /// Topic -> number of times subscribed.
    subs: Topics<u32>,
    /// First frame of a matching message found by `has_in`.
    prefetched: Option<Frame>,
    /// In the middle of handing out a message.
    in_msg: bool,
    /// The publishers receiving the message being sent upstream (XSUB).
    dist: Distribute,
    invert: bool,
}

impl XSub {
    pub(crate) fn new(sub: bool) -> XSub {
        XSub {
            sub,
            fq: FairQueue::default(),
            subs: Topics::default(),
            prefetched: None,
            in_msg: false,
            dist: Distribute::default(),
            invert: false,
        }
    }

    /// Counts a (un)subscription; returns whether it must be sent upstream.
    fn track(&mut self, subscribe: bool, topic: &[u8]) -> bool {
        if subscribe {
            *self.subs.entry_or(topic, || 0) += 1;
            return true;
        }
        match self.subs.get_mut(topic) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                self.subs.remove(topic);
                true
            }
            None => false,
        }
    }

    fn send_upstream(core: &mut Core, msg: &Message) {
        // Subscriptions bypass the HWM: losing one would silently change what arrives.
        for p in &mut core.pipes.list {
            p.push(msg.clone());
        }
    }

    fn matches(&self, data: &[u8]) -> bool {
        self.subs.matches(data) != self.invert
    }

    /// Next frame of a message the filter lets through.
    fn next_frame(&mut self, core: &mut Core) -> Option<Frame> {
        if self.in_msg {
            let (f, _) = self.fq.recv(&mut core.pipes)?;
            self.in_msg = f.more;
            return Some(f);
        }
        loop {
            let (f, _) = self.fq.recv(&mut core.pipes)?;
            if !self.sub || self.matches(&f.data) {
                self.in_msg = f.more;
                return Some(f);
            }
            self.fq.skip_rest(&mut core.pipes);
        }
    }
}

impl Pattern for XSub {
    fn attach(&mut self, core: &mut Core, pid: PipeId) {
        // Replay the subscriptions to the new publisher.
        let msgs: Vec<Message> = self
            .subs
            .iter()
            .map(|(t, _)| Message::One(subscription::message(true, t)))
            .collect();
        if let Some(p) = core.pipes.get_mut(pid) {
            for m in msgs {
                p.push(m);
            }
        }
    }

    fn reconnected(&mut self, core: &mut Core, pid: PipeId) {
        // A new publisher process behind the same endpoint knows nothing of us.
        self.attach(core, pid);
    }

    fn detach(&mut self, _core: &mut Core, pid: PipeId) {
        self.dist.detach(pid);
    }

    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if self.sub {
            return Err(Error::NotSupported);
        }
        if !self.dist.in_message() {
            let sub = if frame.more {
                None
            } else {
                subscription::parse(&frame.data)
            };
            if let Some((subscribe, topic)) = sub {
                if self.track(subscribe, topic) {
                    Self::send_upstream(core, &Message::One(frame.data));
                }
                return Ok(Sent::Done);
            }
            self.dist.start_all_writable(&core.pipes);
        }
        self.dist.send(&mut core.pipes, frame);
        Ok(Sent::Done)
    }

    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        if let Some(f) = self.prefetched.take() {
            self.in_msg = f.more;
            return Ok(Some(f));
        }
        Ok(self.next_frame(core))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        if self.prefetched.is_some() || self.in_msg {
            return true;
        }
        if !self.sub {
            return self.fq.has_in(&core.pipes);
        }
        match self.next_frame(core) {
            Some(f) => {
                // Not handed out yet: recv returns it first.
                self.in_msg = false;
                self.prefetched = Some(f);
                true
            }
            None => false,
        }
    }

    fn has_out(&mut self, _core: &mut Core) -> bool {
        !self.sub
    }

    fn set_option(&mut self, core: &mut Core, num: i32, raw: &[u8]) -> Result<bool> {
        match num {
            id::INVERT_MATCHING => {
                self.invert = decode_flag(num, raw)?;
                core.opts.invert_matching = self.invert;
            }
            id::SUBSCRIBE | id::UNSUBSCRIBE if self.sub => {
                let subscribe = num == id::SUBSCRIBE;
                if self.track(subscribe, raw) {
                    let msg = Message::One(subscription::message(subscribe, raw));
                    Self::send_upstream(core, &msg);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn want_write(&mut self, _core: &mut Core) {}
}
