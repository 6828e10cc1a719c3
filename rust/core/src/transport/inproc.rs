//! inproc://: two sockets of one context joined by a pipe pair, with no I/O thread between
//! them. The context keeps a [`Registry`] of bound names; a connect finds its binder there,
//! or, when it comes before the bind, leaves the binder's end of its pipe waiting there.

use crate::error::{Error, Result};
use crate::pipe::{Command, PipeEnd};
use crate::signaler::Signaler;
use bytes::Bytes;
use crossbeam_channel::Sender;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What a socket tells the peers it is joined to over inproc: how to reach it and what to
/// set up their pipes with.
#[derive(Clone, Debug)]
pub(crate) struct PeerInfo {
    pub(crate) socket_id: u64,
    pub(crate) mailbox: Sender<Command>,
    pub(crate) sig: Arc<Signaler>,
    pub(crate) sndhwm: i32,
    pub(crate) rcvhwm: i32,
    pub(crate) routing_id: Bytes,
}

/// A connect that came before the bind: the binder's end waits here.
#[derive(Debug)]
pub(crate) struct PendingConnect {
    connector: PeerInfo,
    end: PipeEnd,
}

impl PendingConnect {
    /// The name was bound by `binder`: returns the binder's end of the pipe, ready to attach,
    /// and tells the connecting socket who is at the other end.
    pub(crate) fn complete(self, binder: &PeerInfo) -> PipeEnd {
        let PendingConnect { connector, end } = self;
        end.set_owner(&binder.sig);
        end.set_hwm(binder.sndhwm, binder.rcvhwm);
        let _ = connector.mailbox.send(Command::Bound {
            pipe: end.id,
            identity: binder.routing_id.clone(),
            mailbox: binder.mailbox.clone(),
        });
        connector.sig.notify();
        end
    }
}

/// The inproc name a ZAP handler binds (RFC 27), without the `inproc://` scheme.
pub(crate) const ZAP_NAME: &str = "zeromq.zap.01";

/// A context's inproc names, shared by its sockets and its I/O threads.
#[derive(Debug, Default, Clone)]
pub(crate) struct SharedRegistry(Arc<Mutex<Registry>>);

impl SharedRegistry {
    /// The names, locked (held only for a lookup or an update, never across a wait).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Registry> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a pipe to the context's ZAP handler, as an inproc connect to
    /// `inproc://zeromq.zap.01` would, for a connection whose signaler is `sig` (the handler's
    /// reply wakes it). `None` when no handler is bound: no pipe is left waiting for one, as
    /// libzmq looks the handler up once per connection. Never blocks beyond the registry's
    /// lock.
    pub(crate) fn connect_zap(&self, sig: &Arc<Signaler>, endpoint: Arc<str>) -> Option<ZapPipe> {
        let reg = self.lock();
        let Some(Entry::Bound(b)) = reg.names.get(ZAP_NAME) else {
            return None;
        };
        // libzmq's ZAP pipe has no HWM on the session's side: one request, one reply.
        let (mut mine, theirs) = PipeEnd::pair((0, 0), Some((b.sndhwm, b.rcvhwm)), endpoint);
        mine.set_owner(sig);
        mine.peer_mailbox = Some(b.mailbox.clone());
        theirs.set_owner(&b.sig);
        if b.mailbox.send(Command::Attach(theirs)).is_err() {
            return None;
        }
        b.sig.notify();
        Some(ZapPipe(mine))
    }
}

/// A connection's pipe to the ZAP handler. Dropping it closes the pipe and tells the handler
/// socket, which then forgets the request if it is still queued.
#[derive(Debug)]
pub(crate) struct ZapPipe(PipeEnd);

impl ZapPipe {
    /// Sends the request (its frames, the empty delimiter first).
    pub(crate) fn send(&mut self, frames: Vec<Bytes>) {
        self.0.push(crate::msg::Message::from_parts(frames));
    }

    /// True if the reply is in.
    pub(crate) fn has_reply(&self) -> bool {
        self.0.check_read()
    }

    /// Takes the reply's frames, if it came.
    pub(crate) fn reply(&mut self) -> Option<Vec<Bytes>> {
        self.0.read_message().map(|m| m.into_parts())
    }
}

impl Drop for ZapPipe {
    fn drop(&mut self) {
        if let Some(mb) = &self.0.peer_mailbox {
            let _ = mb.send(Command::PipeClosed(self.0.id));
        }
        self.0.close();
    }
}

/// State of one inproc name.
#[derive(Debug)]
enum Entry {
    Bound(PeerInfo),
    Pending(Vec<PendingConnect>),
}

/// The inproc names of one context.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    names: HashMap<String, Entry>,
}

impl Registry {
    /// Binds `name` to the socket `me`. EADDRINUSE when it is bound already. Returns the
    /// connects that waited for the bind; each must be [completed](PendingConnect::complete).
    pub(crate) fn bind(&mut self, name: String, me: &PeerInfo) -> Result<Vec<PendingConnect>> {
        let pending = match self.names.remove(&name) {
            Some(Entry::Bound(b)) => {
                self.names.insert(name, Entry::Bound(b));
                return Err(Error::AddrInUse);
            }
            Some(Entry::Pending(list)) => list,
            None => Vec::new(),
        };
        self.names.insert(name, Entry::Bound(me.clone()));
        Ok(pending)
    }

    /// Connects the socket `me` to `name`, for `endpoint`. Returns the connecting socket's end
    /// of the new pipe. The binder's end goes to the binder now, or waits for the bind, which
    /// then adds the binder's HWM to the pipe's.
    pub(crate) fn connect(&mut self, name: String, me: &PeerInfo, endpoint: Arc<str>) -> PipeEnd {
        let hwm = (me.sndhwm, me.rcvhwm);
        match self.names.get_mut(&name) {
            Some(Entry::Bound(b)) => {
                let (mut mine, mut theirs) =
                    PipeEnd::pair(hwm, Some((b.sndhwm, b.rcvhwm)), endpoint);
                mine.set_owner(&me.sig);
                mine.peer_identity = b.routing_id.clone();
                mine.peer_mailbox = Some(b.mailbox.clone());
                theirs.set_owner(&b.sig);
                theirs.peer_identity = me.routing_id.clone();
                theirs.peer_mailbox = Some(me.mailbox.clone());
                if b.mailbox.send(Command::Attach(theirs)).is_ok() {
                    b.sig.notify();
                }
                mine
            }
            other => {
                let (mine, mut theirs) = PipeEnd::pair(hwm, None, endpoint);
                mine.set_owner(&me.sig);
                theirs.peer_identity = me.routing_id.clone();
                theirs.peer_mailbox = Some(me.mailbox.clone());
                let pc = PendingConnect {
                    connector: me.clone(),
                    end: theirs,
                };
                match other {
                    Some(Entry::Pending(list)) => list.push(pc),
                    _ => {
                        self.names.insert(name, Entry::Pending(vec![pc]));
                    }
                }
                mine
            }
        }
    }

    /// Releases `name` if the socket `socket_id` bound it. Pipes made through it stay, as in
    /// libzmq.
    pub(crate) fn unbind(&mut self, name: &str, socket_id: u64) {
        if matches!(self.names.get(name), Some(Entry::Bound(b)) if b.socket_id == socket_id) {
            self.names.remove(name);
        }
    }

    /// Withdraws the connects of the socket `socket_id` that still wait for `name`.
    pub(crate) fn disconnect(&mut self, name: &str, socket_id: u64) {
        if let Some(Entry::Pending(list)) = self.names.get_mut(name) {
            list.retain(|pc| pc.connector.socket_id != socket_id);
            if list.is_empty() {
                self.names.remove(name);
            }
        }
    }

    /// The socket `socket_id` closed: releases every name it bound.
    pub(crate) fn socket_closed(&mut self, socket_id: u64) {
        self.names.retain(|_, e| match e {
            Entry::Bound(b) => b.socket_id != socket_id,
            Entry::Pending(_) => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::Receiver;

    fn peer(socket_id: u64, routing_id: &'static [u8]) -> (PeerInfo, Receiver<Command>) {
        let (mailbox, rx) = crossbeam_channel::unbounded();
        let info = PeerInfo {
            socket_id,
            mailbox,
            sig: Arc::new(Signaler::new(false).unwrap()),
            sndhwm: 10,
            rcvhwm: 10,
            routing_id: Bytes::from_static(routing_id),
        };
        (info, rx)
    }

    fn ep() -> Arc<str> {
        Arc::from("inproc://n")
    }

    #[test]
    fn a_name_is_bound_once() {
        let mut r = Registry::default();
        let (a, _) = peer(1, b"a");
        let (b, _) = peer(2, b"b");
        assert!(r.bind("n".into(), &a).unwrap().is_empty());
        assert_eq!(r.bind("n".into(), &b).unwrap_err(), Error::AddrInUse);
    }

    #[test]
    fn connect_after_bind_hands_the_binder_its_end() {
        let mut r = Registry::default();
        let (binder, binder_rx) = peer(1, b"binder");
        let (conn, _) = peer(2, b"conn");
        r.bind("n".into(), &binder).unwrap();
        let mine = r.connect("n".into(), &conn, ep());
        assert_eq!(mine.peer_identity, binder.routing_id);
        match binder_rx.try_recv() {
            Ok(Command::Attach(theirs)) => {
                assert_eq!(theirs.id, mine.id);
                assert_eq!(theirs.peer_identity, conn.routing_id);
            }
            other => panic!("expected Attach, got {other:?}"),
        }
    }

    #[test]
    fn connect_before_bind_waits_for_the_binder() {
        let mut r = Registry::default();
        let (conn, conn_rx) = peer(1, b"conn");
        let (binder, binder_rx) = peer(2, b"binder");
        let mine = r.connect("n".into(), &conn, ep());
        let pending = r.bind("n".into(), &binder).unwrap();
        assert_eq!(pending.len(), 1);
        assert!(
            binder_rx.try_recv().is_err(),
            "the binder attaches its end itself"
        );
        let end = pending.into_iter().next().unwrap().complete(&binder);
        assert_eq!(end.id, mine.id);
        assert_eq!(end.peer_identity, conn.routing_id);
        match conn_rx.try_recv() {
            Ok(Command::Bound { pipe, identity, .. }) => {
                assert_eq!(pipe, mine.id);
                assert_eq!(identity, binder.routing_id);
            }
            other => panic!("expected Bound, got {other:?}"),
        }
    }

    #[test]
    fn only_the_binder_releases_a_name() {
        let mut r = Registry::default();
        let (a, _) = peer(1, b"a");
        let (b, _) = peer(2, b"b");
        r.bind("n".into(), &a).unwrap();
        r.unbind("n", 2);
        assert_eq!(r.bind("n".into(), &b).unwrap_err(), Error::AddrInUse);
        r.unbind("n", 1);
        r.bind("n".into(), &b).unwrap();
        r.socket_closed(2);
        r.bind("n".into(), &a).unwrap();
    }

    #[test]
    fn disconnect_withdraws_waiting_connects() {
        let mut r = Registry::default();
        let (a, _) = peer(1, b"a");
        let (b, _) = peer(2, b"b");
        let (binder, _) = peer(3, b"binder");
        let _a_end = r.connect("n".into(), &a, ep());
        let _b_end = r.connect("n".into(), &b, ep());
        r.disconnect("n", 1);
        // A closing socket releases only what it bound: waiting connects stay.
        r.socket_closed(2);
        let pending = r.bind("n".into(), &binder).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].connector.socket_id, 2);
    }
}
