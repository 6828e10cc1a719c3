//! Publish/subscribe: PUB and XPUB fan messages out to the pipes whose subscriptions match
//! the first frame; SUB and XSUB send subscriptions upstream as `01`+topic / `00`+topic
//! messages. SUB also filters locally; XSUB passes everything up to the application.

use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::{Frame, Message, Unpacker};
use crate::options::{decode_flag, id};
use crate::pipe::PipeId;
use crate::strategy::{FairQueue, Topics};
use bytes::{BufMut, Bytes, BytesMut};
use std::collections::VecDeque;

fn sub_message(subscribe: bool, topic: &[u8]) -> Message {
    let mut b = BytesMut::with_capacity(topic.len() + 1);
    b.put_u8(u8::from(subscribe));
    b.put_slice(topic);
    Message::One(b.freeze())
}

/// Topic -> the pipes subscribed to it (a pipe subscribes to a topic at most once; counting
/// duplicates is the subscriber's job).
type PipeTopics = Topics<Vec<PipeId>>;

/// Adds a subscription; true if it is the topic's first.
fn add(subs: &mut PipeTopics, topic: &[u8], pid: PipeId) -> bool {
    let pipes = subs.entry_or(topic, Vec::new);
    let first = pipes.is_empty();
    if !pipes.contains(&pid) {
        pipes.push(pid);
    }
    first
}

/// Removes a subscription; true if it was the topic's last.
fn remove(subs: &mut PipeTopics, topic: &[u8], pid: PipeId) -> bool {
    let Some(pipes) = subs.get_mut(topic) else {
        return false;
    };
    let before = pipes.len();
    pipes.retain(|&p| p != pid);
    if pipes.is_empty() && before > 0 {
        subs.remove(topic);
        return true;
    }
    false
}

/// Removes every subscription of a pipe that is going away. Returns its topics, each with
/// whether the pipe was the topic's last subscriber.
fn remove_pipe(subs: &mut PipeTopics, pid: PipeId) -> Vec<(Bytes, bool)> {
    let mut had = Vec::new();
    subs.retain(|topic, pipes| {
        let before = pipes.len();
        pipes.retain(|&p| p != pid);
        if pipes.len() < before {
            had.push((topic.clone(), pipes.is_empty()));
        }
        !pipes.is_empty()
    });
    had
}

/// PUB (`xpub = false`) and XPUB.
#[derive(Debug)]
pub(crate) struct XPub {
    xpub: bool,
    /// Topic -> subscribed pipes: what the messages are matched against.
    subs: PipeTopics,
    /// XPUB_MANUAL: what each subscriber asked for (the application decides `subs`); used to
    /// unsubscribe a subscriber that goes away.
    manual_subs: PipeTopics,
    /// Pipes receiving the message being sent.
    targets: Vec<PipeId>,
    more_out: bool,
    /// A pipe was attached: scan for subscriptions before the next send.
    dirty: bool,
    /// Messages for the application (XPUB): subscriptions and upstream messages, each with
    /// the pipe it came from (None for an unsubscription made up when a subscriber left).
    inbox: VecDeque<(Message, Option<PipeId>)>,
    unpack: Unpacker,
    verbose: bool,
    verboser: bool,
    nodrop: bool,
    manual: bool,
    invert: bool,
    welcome: Option<Bytes>,
    /// XPUB_MANUAL: the pipe of the message the application received last; SUBSCRIBE and
    /// UNSUBSCRIBE apply to it.
    last_pipe: Option<PipeId>,
}

impl XPub {
    pub(crate) fn new(xpub: bool) -> XPub {
        XPub {
            xpub,
            subs: Topics::default(),
            manual_subs: Topics::default(),
            targets: Vec::new(),
            more_out: false,
            dirty: false,
            inbox: VecDeque::new(),
            unpack: Unpacker::default(),
            verbose: false,
            verboser: false,
            nodrop: false,
            manual: false,
            invert: false,
            welcome: None,
            last_pipe: None,
        }
    }

    /// Reads every queued message from the subscribers.
    fn read_upstream(&mut self, core: &mut Core) {
        self.dirty = false;
        for i in 0..core.pipes.list.len() {
            let pid = core.pipes.list[i].id;
            while let Some(msg) = core.pipes.list[i].read_message() {
                self.upstream(pid, msg);
            }
        }
    }

    fn upstream(&mut self, pid: PipeId, msg: Message) {
        let sub = match &msg {
            Message::One(b) if !b.is_empty() && b[0] <= 1 => Some(b[0] == 1),
            _ => None,
        };
        let Some(subscribe) = sub else {
            if self.xpub {
                self.inbox.push_back((msg, Some(pid)));
            }
            return;
        };
        let topic = msg.first().slice(1..);
        if self.manual {
            if subscribe {
                add(&mut self.manual_subs, &topic, pid);
            } else {
                remove(&mut self.manual_subs, &topic, pid);
            }
            self.inbox.push_back((msg, Some(pid)));
            return;
        }
        let notify = if subscribe {
            add(&mut self.subs, &topic, pid)
        } else {
            remove(&mut self.subs, &topic, pid)
        };
        if self.xpub && (notify || (subscribe && self.verbose) || (!subscribe && self.verboser)) {
            self.inbox.push_back((msg, Some(pid)));
        }
    }

    /// Chooses the pipes for a message whose first frame is `data`.
    fn select(&mut self, core: &Core, data: &[u8]) {
        self.targets.clear();
        let mut hit: Vec<PipeId> = Vec::new();
        let targets = if self.invert {
            &mut hit
        } else {
            &mut self.targets
        };
        self.subs.for_each_match(data, |pipes| {
            for &p in pipes {
                if !targets.contains(&p) {
                    targets.push(p);
                }
            }
        });
        if self.invert {
            self.targets.extend(
                core.pipes
                    .list
                    .iter()
                    .map(|p| p.id)
                    .filter(|p| !hit.contains(p)),
            );
        }
    }
}

impl Pattern for XPub {
    fn attach(&mut self, core: &mut Core, pid: PipeId) {
        self.dirty = true;
        if let Some(w) = &self.welcome {
            if let Some(p) = core.pipes.get_mut(pid) {
                p.push(Message::One(w.clone()));
            }
        }
    }

    fn detach(&mut self, core: &mut Core, pid: PipeId) {
        // Read what the pipe still holds, then drop its subscriptions.
        if let Some(p) = core.pipes.get_mut(pid) {
            while let Some(msg) = p.read_message() {
                self.upstream(pid, msg);
            }
        }
        // Unsubscribe what it leaves behind: in manual mode everything it asked for, otherwise
        // the topics nobody else wants (every topic it had with XPUB_VERBOSER).
        let asked = remove_pipe(&mut self.manual_subs, pid);
        let had = remove_pipe(&mut self.subs, pid);
        if self.xpub {
            let gone = if self.manual { asked } else { had };
            for (topic, last) in gone {
                if self.manual || last || self.verboser {
                    self.inbox.push_back((sub_message(false, &topic), None));
                }
            }
        }
        self.targets.retain(|&p| p != pid);
        if self.last_pipe == Some(pid) {
            self.last_pipe = None;
        }
    }

    #[inline]
    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if !self.more_out {
            if self.dirty || core.sig.take_activity() {
                self.read_upstream(core);
            }
            self.select(core, &frame.data);
            if self.nodrop {
                if self
                    .targets
                    .iter()
                    .any(|&p| core.pipes.get(p).is_some_and(|p| !p.check_write()))
                {
                    return Ok(Sent::Blocked(frame));
                }
            } else {
                self.targets
                    .retain(|&p| core.pipes.get(p).is_some_and(|p| p.check_write()));
            }
        }
        let more = frame.more;
        if let Some((&last, rest)) = self.targets.split_last() {
            for &pid in rest {
                if let Some(p) = core.pipes.get_mut(pid) {
                    p.write(frame.clone());
                }
            }
            if let Some(p) = core.pipes.get_mut(last) {
                p.write(frame);
            }
        }
        self.more_out = more;
        if !more {
            self.targets.clear();
        }
        Ok(Sent::Done)
    }

    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        if !self.xpub {
            return Err(Error::NotSupported);
        }
        if let Some(f) = self.unpack.next() {
            return Ok(Some(f));
        }
        self.read_upstream(core);
        let Some((msg, from)) = self.inbox.pop_front() else {
            return Ok(None);
        };
        if self.manual {
            self.last_pipe = from;
        }
        Ok(Some(self.unpack.start(msg)))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        if !self.xpub {
            return false;
        }
        self.read_upstream(core);
        self.unpack.in_progress() || !self.inbox.is_empty()
    }

    fn has_out(&mut self, core: &mut Core) -> bool {
        if self.nodrop {
            return core.pipes.list.iter().all(|p| p.check_write());
        }
        true
    }

    fn set_option(&mut self, core: &mut Core, num: i32, raw: &[u8]) -> Result<bool> {
        if num == id::INVERT_MATCHING {
            self.invert = decode_flag(num, raw)?;
            core.opts.invert_matching = self.invert;
            return Ok(true);
        }
        if !self.xpub {
            return Ok(false);
        }
        match num {
            id::XPUB_VERBOSE => self.verbose = decode_flag(num, raw)?,
            id::XPUB_VERBOSER => {
                self.verboser = decode_flag(num, raw)?;
                if self.verboser {
                    self.verbose = true;
                }
            }
            id::XPUB_NODROP => self.nodrop = decode_flag(num, raw)?,
            id::XPUB_MANUAL => self.manual = decode_flag(num, raw)?,
            id::XPUB_WELCOME_MSG => {
                self.welcome = if raw.is_empty() {
                    None
                } else {
                    Some(Bytes::copy_from_slice(raw))
                }
            }
            id::SUBSCRIBE | id::UNSUBSCRIBE => {
                if !self.manual {
                    return Err(Error::invalid("SUBSCRIBE on an XPUB needs XPUB_MANUAL"));
                }
                // libzmq ignores it when no subscriber is current.
                if let Some(pid) = self.last_pipe {
                    if num == id::SUBSCRIBE {
                        add(&mut self.subs, raw, pid);
                    } else {
                        remove(&mut self.subs, raw, pid);
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

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
    /// Pipes receiving the message being sent upstream (XSUB).
    targets: Vec<PipeId>,
    more_out: bool,
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
            targets: Vec::new(),
            more_out: false,
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
            .map(|(t, _)| sub_message(true, t))
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
        self.targets.retain(|&p| p != pid);
    }

    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if self.sub {
            return Err(Error::NotSupported);
        }
        if !self.more_out {
            if !frame.more && !frame.is_empty() && frame.data[0] <= 1 {
                let subscribe = frame.data[0] == 1;
                if self.track(subscribe, &frame.data[1..]) {
                    Self::send_upstream(core, &Message::One(frame.data));
                }
                return Ok(Sent::Done);
            }
            self.targets = core
                .pipes
                .list
                .iter()
                .filter(|p| p.check_write())
                .map(|p| p.id)
                .collect();
        }
        let more = frame.more;
        for &pid in &self.targets {
            if let Some(p) = core.pipes.get_mut(pid) {
                p.write(frame.clone());
            }
        }
        self.more_out = more;
        if !more {
            self.targets.clear();
        }
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
                    Self::send_upstream(core, &sub_message(subscribe, raw));
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn want_write(&mut self, _core: &mut Core) {}
}
