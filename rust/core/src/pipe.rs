//! Pipes: bounded queues of whole messages between two sockets (or a socket and a session).
//!
//! A connection is a pair of [`Pipe`]s, one per direction; each side holds a [`PipeEnd`] that
//! writes into one and reads from the other. The queue is a lock-free single-producer
//! single-consumer one ([`crate::spsc`]: each pipe has exactly one writing end and one
//! reading end, and ends are not shared); the high-water mark is a
//! pair of counters (messages the writer flushed, messages the reader took), so checking it
//! costs one atomic load. The writer wakes the reader only when the reader's socket said it
//! sleeps, and the reader wakes the writer only when the writer said it waits for room
//! (DESIGN.md section 2, rule 1).
//!
//! Multipart messages are assembled in the writing end and pushed as one [`Message`], so the
//! reader never sees part of a message and the HWM counts messages.
//!
//! The counters, flags and the pipes themselves (`Arc<Pipe>`) come from [`crate::sync`], so
//! that `loom_models/pipe.rs` can check both wake-ups under loom.

use crate::msg::{Frame, Message, Unpacker};
use crate::signaler::{take, Signaler};
use crate::spsc::Spsc;
use crate::sync;
use crate::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};
use bytes::Bytes;
use crossbeam_channel::Sender;
use crossbeam_utils::CachePadded;
use std::sync::{Arc, OnceLock};

/// Identifies a pipe pair within the process.
pub type PipeId = u64;

// std's own atomic: a static needs a const constructor, and the ids are not part of any model.
static NEXT_PIPE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// An HWM share not known yet: the peer of a connect-before-bind has not bound. It adds
/// nothing to the limit (libzmq uses the connector's own HWM alone until the bind).
const UNKNOWN_SHARE: u32 = u32::MAX;

/// The stored form of an HWM share.
fn share(hwm: Option<i32>) -> u32 {
    hwm.map_or(UNKNOWN_SHARE, |v| v.max(0) as u32)
}

/// One direction of a connection.
#[derive(Debug)]
pub(crate) struct Pipe {
    queue: Spsc<Message>,
    /// Messages the reader has taken; the writer compares it with its own count.
    read_count: CachePadded<AtomicU64>,
    /// Writer's SNDHWM share of the limit (0 = unlimited, UNKNOWN_SHARE = not known yet).
    snd_hwm: AtomicU32,
    /// Reader's RCVHWM share of the limit (0 = unlimited, UNKNOWN_SHARE = not known yet).
    rcv_hwm: AtomicU32,
    /// The writer found the pipe full and waits for room.
    writer_waiting: AtomicBool,
    /// The writing end was closed: no more messages will come.
    writer_closed: AtomicBool,
    /// The reading end was closed: anything written is discarded.
    reader_closed: AtomicBool,
    /// Signaler of the reading side, once known (a pending inproc connect has none yet).
    reader: OnceLock<Arc<Signaler>>,
    /// Signaler of the writing side.
    writer: OnceLock<Arc<Signaler>>,
}

impl Pipe {
    fn new(snd_hwm: Option<i32>, rcv_hwm: Option<i32>) -> Pipe {
        Pipe {
            queue: Spsc::new(),
            read_count: CachePadded::new(AtomicU64::new(0)),
            snd_hwm: AtomicU32::new(share(snd_hwm)),
            rcv_hwm: AtomicU32::new(share(rcv_hwm)),
            writer_waiting: AtomicBool::new(false),
            writer_closed: AtomicBool::new(false),
            reader_closed: AtomicBool::new(false),
            reader: OnceLock::new(),
            writer: OnceLock::new(),
        }
    }

    /// The message limit: sender SNDHWM + receiver RCVHWM, 0 (unlimited) if either is 0.
    /// A share not known yet counts as nothing.
    fn limit(&self) -> u64 {
        let s = self.snd_hwm.load(Ordering::Relaxed);
        let r = self.rcv_hwm.load(Ordering::Relaxed);
        if s == 0 || r == 0 {
            return 0;
        }
        let known = |v: u32| if v == UNKNOWN_SHARE { 0 } else { u64::from(v) };
        known(s) + known(r)
    }
}

/// One side of a connection: writes into `out`, reads from `inp`.
#[derive(Debug)]
pub(crate) struct PipeEnd {
    pub(crate) id: PipeId,
    out: sync::Arc<Pipe>,
    inp: sync::Arc<Pipe>,
    /// Messages flushed into `out` by this end.
    written: u64,
    /// Messages taken from `inp` by this end.
    read: u64,
    /// Frames of the outbound message being assembled.
    pending: Vec<Bytes>,
    /// Inbound message being handed out frame by frame.
    unpack: Unpacker,
    /// The peer's ROUTING_ID option as it announced it (empty if none).
    pub(crate) peer_identity: Bytes,
    /// The id a ROUTER uses for this peer.
    pub(crate) routing_id: Bytes,
    /// The endpoint this pipe was created for (unbind/disconnect terminate it).
    pub(crate) endpoint: Arc<str>,
    /// The peer closed its end (or we were told to drop it).
    pub(crate) peer_closed: bool,
    /// Where to send commands about this pipe (None until a pending connect's peer binds).
    pub(crate) peer_mailbox: Option<Sender<Command>>,
}

impl PipeEnd {
    /// Creates a connected pair of ends. `a` is the creating socket's side; the limits are
    /// computed from both sides' HWM options: `a` = (SNDHWM, RCVHWM) of a, `b` the same for b,
    /// or None while b is not known (connect before bind; `b.set_hwm` adds its shares later).
    pub(crate) fn pair(
        a: (i32, i32),
        b: Option<(i32, i32)>,
        endpoint: Arc<str>,
    ) -> (PipeEnd, PipeEnd) {
        let id = NEXT_PIPE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (b_sndhwm, b_rcvhwm) = (b.map(|b| b.0), b.map(|b| b.1));
        let a_to_b = sync::Arc::new(Pipe::new(Some(a.0), b_rcvhwm));
        let b_to_a = sync::Arc::new(Pipe::new(b_sndhwm, Some(a.1)));
        let a = PipeEnd::new(
            id,
            sync::Arc::clone(&a_to_b),
            sync::Arc::clone(&b_to_a),
            Arc::clone(&endpoint),
        );
        let b = PipeEnd::new(id, b_to_a, a_to_b, endpoint);
        (a, b)
    }

    fn new(id: PipeId, out: sync::Arc<Pipe>, inp: sync::Arc<Pipe>, endpoint: Arc<str>) -> PipeEnd {
        PipeEnd {
            id,
            out,
            inp,
            written: 0,
            read: 0,
            pending: Vec::new(),
            unpack: Unpacker::default(),
            peer_identity: Bytes::new(),
            routing_id: Bytes::new(),
            endpoint,
            peer_closed: false,
            peer_mailbox: None,
        }
    }

    /// Binds this end to its owner's signaler: the owner is woken when messages arrive or
    /// room appears.
    pub(crate) fn set_owner(&self, sig: &Arc<Signaler>) {
        let _ = self.inp.reader.set(Arc::clone(sig));
        let _ = self.out.writer.set(Arc::clone(sig));
    }

    /// Sets this end's HWM shares: SNDHWM on the outbound pipe, RCVHWM on the inbound one.
    pub(crate) fn set_hwm(&self, sndhwm: i32, rcvhwm: i32) {
        self.out
            .snd_hwm
            .store(share(Some(sndhwm)), Ordering::Relaxed);
        self.inp
            .rcv_hwm
            .store(share(Some(rcvhwm)), Ordering::Relaxed);
        // A larger limit may let a waiting writer go on.
        if let Some(w) = self.inp.writer.get() {
            w.notify();
        }
    }

    /// True once the peer stopped reading: whatever is written now is lost.
    #[inline]
    pub(crate) fn peer_gone(&self) -> bool {
        self.peer_closed || self.out.reader_closed.load(Ordering::Relaxed)
    }

    /// True if a new message may be started (below the HWM and the peer still reads).
    #[inline]
    pub(crate) fn check_write(&self) -> bool {
        if self.peer_gone() {
            return false;
        }
        let limit = self.out.limit();
        limit == 0 || self.written - self.out.read_count.load(Ordering::Acquire) < limit
    }

    /// Appends a frame to the outbound message; the last frame flushes it to the peer.
    /// Call `check_write` before the first frame of a message; later frames always fit.
    #[inline]
    pub(crate) fn write(&mut self, frame: Frame) {
        if frame.more {
            self.pending.push(frame.data);
            return;
        }
        let msg = if self.pending.is_empty() {
            Message::One(frame.data)
        } else {
            let mut parts = std::mem::take(&mut self.pending);
            parts.push(frame.data);
            Message::Many(parts)
        };
        self.push(msg);
    }

    /// Pushes a whole message (no HWM check).
    #[inline]
    pub(crate) fn push(&mut self, msg: Message) {
        // SAFETY: this end is the only one that writes into `out` (a pair gives each pipe
        // one writing end, ends are not cloned) and `&mut self` excludes a concurrent push.
        unsafe { self.out.queue.push(msg) };
        self.written += 1;
        if let Some(r) = self.out.reader.get() {
            r.notify();
        }
    }

    /// Messages waiting to be read (the one in progress counts).
    pub(crate) fn queued_in(&self) -> usize {
        self.inp.queue.len() + usize::from(self.unpack.in_progress())
    }

    /// True if a frame can be read now.
    #[inline]
    pub(crate) fn check_read(&self) -> bool {
        self.unpack.in_progress() || !self.inp.queue.is_empty()
    }

    /// Reads the next frame: the rest of the message in progress, or the first frame of the
    /// next queued message.
    #[inline]
    pub(crate) fn read(&mut self) -> Option<Frame> {
        if let Some(f) = self.unpack.next() {
            return Some(f);
        }
        let msg = self.read_message()?;
        Some(self.unpack.start(msg))
    }

    /// Takes the next whole message (none may be in progress).
    #[inline]
    pub(crate) fn read_message(&mut self) -> Option<Message> {
        debug_assert!(!self.unpack.in_progress());
        // SAFETY: this end is the only one that reads `inp` (see `push`), and `&mut self`
        // excludes a concurrent pop.
        let msg = unsafe { self.inp.queue.pop() }?;
        self.read += 1;
        self.inp.read_count.store(self.read, Ordering::Release);
        // Pairs with the fence in `want_write`: either the writer's re-check sees the room we
        // made, or we see its flag.
        fence(Ordering::SeqCst);
        if take(&self.inp.writer_waiting) {
            if let Some(w) = self.inp.writer.get() {
                w.notify();
            }
        }
        Some(msg)
    }

    /// Discards the rest of the inbound message in progress.
    pub(crate) fn skip_rest(&mut self) {
        self.unpack.clear();
    }

    /// Announces that this end waits for room in the outbound pipe; re-check before sleeping.
    pub(crate) fn want_write(&self) {
        self.out.writer_waiting.store(true, Ordering::SeqCst);
        // Pairs with the fence in `read_message`: the re-check after this sees the room made
        // by a read that missed the flag. (A SeqCst store alone does not order the
        // acquire load of the re-check after it.)
        fence(Ordering::SeqCst);
    }

    /// True once the peer closed and everything it sent has been read.
    pub(crate) fn is_drained(&self) -> bool {
        (self.peer_closed || self.inp.writer_closed.load(Ordering::Acquire)) && !self.check_read()
    }

    /// Closes this end: the peer may still read what was sent; what it sends is discarded.
    pub(crate) fn close(&mut self) {
        self.pending.clear();
        self.out.writer_closed.store(true, Ordering::SeqCst);
        self.inp.reader_closed.store(true, Ordering::SeqCst);
        if let Some(r) = self.out.reader.get() {
            r.notify();
        }
        if let Some(w) = self.inp.writer.get() {
            w.notify();
        }
    }
}

/// Messages to a socket about its pipes, from peer sockets (inproc) and I/O threads.
#[derive(Debug)]
pub(crate) enum Command {
    /// A new pipe to a peer (inproc connect to our bind).
    Attach(PipeEnd),
    /// The peer of a pending connect bound: its identity and mailbox.
    Bound {
        pipe: PipeId,
        identity: Bytes,
        mailbox: Sender<Command>,
    },
    /// The peer closed the pipe.
    PipeClosed(PipeId),
    /// A connection (tcp/ipc) behind a connecter's pipe completed its handshake again, with
    /// this peer identity.
    Reconnected { pipe: PipeId, identity: Bytes },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(s: &'static [u8], more: bool) -> Frame {
        Frame::new(Bytes::from_static(s), more)
    }

    #[test]
    fn hwm_is_sum_of_both_sides() {
        let (mut a, mut b) = PipeEnd::pair((2, 1000), Some((1000, 3)), "inproc://t".into());
        let mut n = 0;
        while a.check_write() {
            a.write(frame(b"x", false));
            n += 1;
        }
        assert_eq!(n, 5);
        assert!(b.read().is_some());
        assert!(a.check_write());
    }

    #[test]
    fn zero_hwm_is_unlimited() {
        let (mut a, _b) = PipeEnd::pair((0, 1000), Some((1000, 1000)), "inproc://t".into());
        for _ in 0..10_000 {
            assert!(a.check_write());
            a.write(frame(b"x", false));
        }
    }

    #[test]
    fn unknown_peer_share_adds_nothing() {
        let (mut a, b) = PipeEnd::pair((2, 7), None, "inproc://t".into());
        let mut n = 0;
        while a.check_write() && n < 100 {
            a.write(frame(b"x", false));
            n += 1;
        }
        assert_eq!(n, 2, "the writer's own SNDHWM alone");
        b.set_hwm(1000, 3);
        assert!(a.check_write());
    }

    #[test]
    fn multipart_is_atomic() {
        let (mut a, mut b) = PipeEnd::pair((10, 10), Some((10, 10)), "inproc://t".into());
        a.write(frame(b"a", true));
        assert!(!b.check_read(), "partial message must stay invisible");
        a.write(frame(b"b", false));
        assert_eq!(b.read(), Some(frame(b"a", true)));
        assert_eq!(b.read(), Some(frame(b"b", false)));
        assert_eq!(b.read(), None);
    }

    #[test]
    fn close_is_seen() {
        let (mut a, mut b) = PipeEnd::pair((10, 10), Some((10, 10)), "inproc://t".into());
        a.write(frame(b"last", false));
        a.close();
        assert!(!b.is_drained());
        assert!(!b.check_write());
        assert!(b.read().is_some());
        assert!(b.is_drained());
    }
}
