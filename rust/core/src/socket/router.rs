//! ROUTER: every peer has a routing id; received messages get it prepended, and the first frame
//! of a sent message names the peer to send to. STREAM shares this logic for raw TCP peers.

use super::req::random_u32;
use super::{Core, Pattern, Sent};
use crate::error::{Error, Result};
use crate::msg::{Frame, Message};
use crate::options::{decode_flag, id};
use crate::pipe::PipeId;
use crate::strategy::FairQueue;
use bytes::Bytes;
use std::collections::HashMap;

#[derive(Debug)]
pub(crate) struct Router {
    fq: FairQueue,
    /// Routing id -> pipe.
    peers: HashMap<Bytes, PipeId>,
    /// Next generated id (libzmq: `00` + u32 big-endian, random start).
    next_id: u32,
    /// First frame of a received message, returned after its routing-id frame.
    prefetched: Option<Frame>,
    /// In the middle of handing out a received message.
    in_msg: bool,
    /// Pipe receiving the message being sent (None: dropping it, or between messages).
    out_pipe: Option<PipeId>,
    /// In the middle of sending a message.
    more_out: bool,
    mandatory: bool,
    handover: bool,
    probe: bool,
    /// STREAM semantics (raw peers; STREAM_NOTIFY).
    stream: bool,
    stream_notify: bool,
}

impl Router {
    pub(crate) fn new(stream: bool) -> Router {
        Router {
            fq: FairQueue::default(),
            peers: HashMap::new(),
            next_id: random_u32(),
            prefetched: None,
            in_msg: false,
            out_pipe: None,
            more_out: false,
            // STREAM always reports unknown peers (EHOSTUNREACH) and full ones (EAGAIN).
            mandatory: stream,
            handover: false,
            probe: false,
            stream,
            stream_notify: true,
        }
    }

    fn generate_id(&mut self) -> Bytes {
        self.next_id = self.next_id.wrapping_add(1);
        let mut id = vec![0u8];
        id.extend_from_slice(&self.next_id.to_be_bytes());
        Bytes::from(id)
    }

    /// Gives pipe `pid` its routing id. Returns false if the pipe was refused (duplicate id).
    fn identify(&mut self, core: &mut Core, pid: PipeId) -> bool {
        let Some(p) = core.pipes.get(pid) else {
            return false;
        };
        let rid = if !p.routing_id.is_empty() {
            p.routing_id.clone()
        } else if !p.peer_identity.is_empty() && !self.stream {
            p.peer_identity.clone()
        } else {
            self.generate_id()
        };
        if let Some(&old) = self.peers.get(&rid) {
            if old != pid {
                if !self.handover {
                    return false;
                }
                // ROUTER_HANDOVER: the new connection takes the id; the old one is closed.
                self.peers.remove(&rid);
                if self.out_pipe == Some(old) {
                    self.out_pipe = None;
                }
                if let Some(oldp) = core.pipes.remove(old) {
                    Core::close_pipe(oldp);
                }
            }
        }
        if let Some(p) = core.pipes.get_mut(pid) {
            p.routing_id = rid.clone();
        }
        self.peers.insert(rid, pid);
        true
    }
}

impl Pattern for Router {
    fn attach(&mut self, core: &mut Core, pid: PipeId) {
        if !self.identify(core, pid) {
            if let Some(p) = core.pipes.remove(pid) {
                Core::close_pipe(p);
            }
            return;
        }
        if self.probe {
            if let Some(p) = core.pipes.get_mut(pid) {
                p.push(Message::One(Bytes::new()));
            }
        }
    }

    fn identified(&mut self, core: &mut Core, pid: PipeId) {
        // A connect-before-bind peer announced its identity after we generated an id.
        let Some(p) = core.pipes.get(pid) else { return };
        if p.peer_identity.is_empty()
            || p.routing_id.first() != Some(&0)
            || self.peers.contains_key(&p.peer_identity)
        {
            return;
        }
        let (old, new) = (p.routing_id.clone(), p.peer_identity.clone());
        self.peers.remove(&old);
        self.peers.insert(new.clone(), pid);
        if let Some(p) = core.pipes.get_mut(pid) {
            p.routing_id = new;
        }
    }

    fn detach(&mut self, core: &mut Core, pid: PipeId) {
        if let Some(p) = core.pipes.get(pid) {
            if self.peers.get(&p.routing_id) == Some(&pid) {
                self.peers.remove(&p.routing_id);
            }
        }
        if self.out_pipe == Some(pid) {
            self.out_pipe = None;
        }
    }

    fn send(&mut self, core: &mut Core, frame: Frame) -> Result<Sent> {
        if !self.more_out {
            // First frame: the routing id. A lone frame without MORE is ignored (libzmq).
            if !frame.more {
                return Ok(Sent::Done);
            }
            self.out_pipe = None;
            match self
                .peers
                .get(&frame.data)
                .and_then(|&pid| core.pipes.get(pid))
            {
                Some(p) if p.check_write() => self.out_pipe = Some(p.id),
                // ROUTER_MANDATORY: a peer that left is unreachable; a full one makes us wait.
                Some(p) if self.mandatory && !p.peer_gone() => return Ok(Sent::Blocked(frame)),
                _ if self.mandatory => return Err(Error::HostUnreachable),
                _ => {}
            }
            self.more_out = true;
            return Ok(Sent::Done);
        }
        let more = frame.more;
        if let Some(p) = self.out_pipe.and_then(|pid| core.pipes.get_mut(pid)) {
            p.write(frame);
        }
        if !more {
            self.more_out = false;
            self.out_pipe = None;
        }
        Ok(Sent::Done)
    }

    fn recv(&mut self, core: &mut Core) -> Result<Option<Frame>> {
        if let Some(f) = self.prefetched.take() {
            self.in_msg = f.more;
            return Ok(Some(f));
        }
        let (f, pid) = loop {
            let Some((f, pid)) = self.fq.recv(&mut core.pipes) else {
                return Ok(None);
            };
            if self.in_msg {
                self.in_msg = f.more;
                return Ok(Some(f));
            }
            // STREAM: an empty message is a connect/disconnect notice (STREAM_NOTIFY).
            if self.stream && f.is_empty() && !self.stream_notify {
                continue;
            }
            break (f, pid);
        };
        let rid = core
            .pipes
            .get(pid)
            .map(|p| p.routing_id.clone())
            .unwrap_or_default();
        self.prefetched = Some(f);
        self.in_msg = true;
        Ok(Some(Frame::new(rid, true)))
    }

    fn has_in(&mut self, core: &mut Core) -> bool {
        self.prefetched.is_some() || self.in_msg || self.fq.has_in(&core.pipes)
    }

    fn has_out(&mut self, core: &mut Core) -> bool {
        // Without MANDATORY a message for a full or unknown peer is dropped, never refused.
        !self.mandatory || core.pipes.list.iter().any(|p| p.check_write())
    }

    fn set_option(&mut self, core: &mut Core, num: i32, raw: &[u8]) -> Result<bool> {
        match num {
            id::ROUTER_MANDATORY => self.mandatory = decode_flag(num, raw)?,
            id::ROUTER_HANDOVER if !self.stream => self.handover = decode_flag(num, raw)?,
            id::PROBE_ROUTER if !self.stream => self.probe = decode_flag(num, raw)?,
            id::STREAM_NOTIFY if self.stream => self.stream_notify = decode_flag(num, raw)?,
            id::ROUTER_RAW if !self.stream => {
                if decode_flag(num, raw)? {
                    return Err(Error::invalid(
                        "ROUTER_RAW is deprecated: use a STREAM socket",
                    ));
                }
            }
            _ => return Ok(false),
        }
        let _ = core;
        Ok(true)
    }

    fn want_write(&mut self, core: &mut Core) {
        for p in &core.pipes.list {
            p.want_write();
        }
    }
}
