//! PUB and XPUB: each message goes to the subscribers with a topic that is a prefix of its
//! first frame. Subscriptions arrive as `01`/`00` + topic messages; XPUB also hands them (and
//! any other message its subscribers send) to the application, with XPUB_VERBOSE(R),
//! XPUB_MANUAL, XPUB_NODROP and XPUB_WELCOME_MSG.

use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::{Frame, Message, Unpacker};
use crate::options::{decode_flag, id};
use crate::pipe::PipeId;
use crate::strategy::{Distribute, Topics};
use crate::subscription;
use bytes::Bytes;
use std::collections::VecDeque;

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
    /// The subscribers receiving the message being sent.
    dist: Distribute,
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
            dist: Distribute::default(),
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
            Message::One(b) => subscription::parse(b),
            Message::Many(_) => None,
        };
        let Some((subscribe, topic)) = sub else {
            if self.xpub {
                self.inbox.push_back((msg, Some(pid)));
            }
            return;
        };
        if self.manual {
            if subscribe {
                add(&mut self.manual_subs, topic, pid);
            } else {
                remove(&mut self.manual_subs, topic, pid);
            }
            self.inbox.push_back((msg, Some(pid)));
            return;
        }
        let notify = if subscribe {
            add(&mut self.subs, topic, pid)
        } else {
            remove(&mut self.subs, topic, pid)
        };
        if self.xpub && (notify || (subscribe && self.verbose) || (!subscribe && self.verboser)) {
            self.inbox.push_back((msg, Some(pid)));
        }
    }

    /// Chooses the pipes for a message whose first frame is `data`.
    fn select(&mut self, core: &Core, data: &[u8]) {
        let chosen = self.dist.start();
        let mut hit: Vec<PipeId> = Vec::new();
        let targets = if self.invert { &mut hit } else { chosen };
        self.subs.for_each_match(data, |pipes| {
            for &p in pipes {
                if !targets.contains(&p) {
                    targets.push(p);
                }
            }
        });
        if self.invert {
            self.dist.start().extend(
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
                    let cancel = subscription::message(false, &topic);
                    self.inbox.push_back((Message::One(cancel), None));
                }
            }
        }
        self.dist.detach(pid);
        if self.last_pipe == Some(pid) {
            self.last_pipe = None;
        }
    }

    #[inline]
    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if !self.dist.in_message() {
            if self.dirty || core.sig.take_activity() {
                self.read_upstream(core);
            }
            self.select(core, &frame.data);
            if self.nodrop {
                if self.dist.any_full(&core.pipes) {
                    return Ok(Sent::Blocked(frame));
                }
            } else {
                self.dist.drop_full(&core.pipes);
            }
        }
        self.dist.send(&mut core.pipes, frame);
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
