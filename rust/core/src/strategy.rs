//! Message distribution strategies shared by the socket types: load-balancing over writable
//! pipes, fair-queueing over readable pipes, and the subscription index behind PUB/XPUB/SUB.

use crate::msg::Frame;
use crate::pipe::{PipeEnd, PipeId};
use bytes::Bytes;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for pipe ids: the engine's own counters, never chosen by a peer, so a multiply
/// spreads them well enough and costs a few instructions instead of SipHash's ~20 ns (PUB and
/// ROUTER look pipes up on every message).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// The pipes of one socket, with O(1) lookup by id. Removal swaps the last pipe into the
/// hole, so positions change but ids stay.
#[derive(Debug, Default)]
pub(crate) struct Pipes {
    pub(crate) list: Vec<PipeEnd>,
    index: HashMap<PipeId, usize, BuildHasherDefault<IdHasher>>,
}

impl Pipes {
    pub(crate) fn add(&mut self, p: PipeEnd) {
        self.index.insert(p.id, self.list.len());
        self.list.push(p);
    }

    pub(crate) fn remove(&mut self, id: PipeId) -> Option<PipeEnd> {
        let pos = self.index.remove(&id)?;
        let p = self.list.swap_remove(pos);
        if let Some(moved) = self.list.get(pos) {
            self.index.insert(moved.id, pos);
        }
        Some(p)
    }

    #[inline]
    pub(crate) fn get(&self, id: PipeId) -> Option<&PipeEnd> {
        self.index.get(&id).map(|&i| &self.list[i])
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, id: PipeId) -> Option<&mut PipeEnd> {
        match self.index.get(&id) {
            Some(&i) => Some(&mut self.list[i]),
            None => None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn ids(&self) -> Vec<PipeId> {
        self.list.iter().map(|p| p.id).collect()
    }
}

/// Round-robin over the pipes that have room (PUSH, DEALER, REQ).
#[derive(Debug, Default)]
pub(crate) struct LoadBalance {
    cursor: usize,
    /// The pipe receiving the message in progress (None between messages).
    sending_to: Option<PipeId>,
    /// The pipe of the message in progress went away: drop its remaining frames.
    dropping: bool,
}

impl LoadBalance {
    /// Sends one frame. Returns the frame back if no pipe can take a new message.
    #[inline]
    pub(crate) fn send(&mut self, pipes: &mut Pipes, frame: Frame) -> Result<PipeId, Frame> {
        if let Some(id) = self.sending_to {
            let more = frame.more;
            match pipes.get_mut(id) {
                Some(p) if !self.dropping => p.write(frame),
                _ => {}
            }
            if !more {
                self.sending_to = None;
                self.dropping = false;
            }
            return Ok(id);
        }
        let n = pipes.len();
        for i in 0..n {
            let idx = (self.cursor + i) % n;
            let p = &mut pipes.list[idx];
            if p.check_write() {
                let id = p.id;
                if frame.more {
                    self.sending_to = Some(id);
                }
                p.write(frame);
                // The next message goes to the next pipe, whether this one has one frame or many.
                self.cursor = idx + 1;
                return Ok(id);
            }
        }
        Err(frame)
    }

    /// True if a new message could be sent now.
    pub(crate) fn has_out(&self, pipes: &Pipes) -> bool {
        self.sending_to.is_some() || pipes.list.iter().any(PipeEnd::check_write)
    }

    /// A pipe is being removed.
    pub(crate) fn detach(&mut self, id: PipeId) {
        if self.sending_to == Some(id) {
            self.dropping = true;
        }
    }
}

/// Round-robin over the pipes that have a message (PULL, DEALER, ROUTER, SUB, ...).
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    cursor: usize,
    /// The pipe whose message is being read (None between messages).
    reading_from: Option<PipeId>,
}

impl FairQueue {
    /// Reads one frame and says which pipe it came from.
    #[inline]
    pub(crate) fn recv(&mut self, pipes: &mut Pipes) -> Option<(Frame, PipeId)> {
        if let Some(id) = self.reading_from {
            if let Some(p) = pipes.get_mut(id) {
                if let Some(f) = p.read() {
                    if !f.more {
                        self.reading_from = None;
                    }
                    return Some((f, id));
                }
            }
            self.reading_from = None;
        }
        let n = pipes.len();
        for i in 0..n {
            let idx = (self.cursor + i) % n;
            let p = &mut pipes.list[idx];
            if let Some(f) = p.read() {
                let id = p.id;
                if f.more {
                    self.reading_from = Some(id);
                }
                self.cursor = idx + 1;
                return Some((f, id));
            }
        }
        None
    }

    /// True if a frame can be read now.
    pub(crate) fn has_in(&self, pipes: &Pipes) -> bool {
        pipes.list.iter().any(PipeEnd::check_read)
    }

    /// Discards the rest of the message being read.
    pub(crate) fn skip_rest(&mut self, pipes: &mut Pipes) {
        if let Some(id) = self.reading_from.take() {
            if let Some(p) = pipes.get_mut(id) {
                p.skip_rest();
            }
        }
    }

    /// True while a multipart message is being read.
    pub(crate) fn in_message(&self) -> bool {
        self.reading_from.is_some()
    }
}

/// Prefix subscriptions: topic -> subscribers (pipes, or a count for the local SUB filter).
///
/// Matching a message looks up each prefix of its first frame up to the longest topic, so
/// the cost depends on topic length, not on the number of topics.
///
/// The empty topic (everything, the most common subscription) is kept out of the map, so
/// that subscribers to everything cost no hashing per message. The map keeps std's keyed
/// SipHash: its keys come from peers.
#[derive(Debug)]
pub(crate) struct Topics<V> {
    all: Option<V>,
    map: HashMap<Bytes, V>,
    max_len: usize,
}

impl<V> Default for Topics<V> {
    fn default() -> Self {
        Topics {
            all: None,
            map: HashMap::new(),
            max_len: 0,
        }
    }
}

/// The key [`Topics::iter`] gives the empty topic.
static EMPTY_TOPIC: Bytes = Bytes::new();

impl<V> Topics<V> {
    pub(crate) fn get_mut(&mut self, topic: &[u8]) -> Option<&mut V> {
        if topic.is_empty() {
            return self.all.as_mut();
        }
        self.map.get_mut(topic)
    }

    pub(crate) fn entry_or(&mut self, topic: &[u8], v: impl FnOnce() -> V) -> &mut V {
        if topic.is_empty() {
            return self.all.get_or_insert_with(v);
        }
        if !self.map.contains_key(topic) {
            self.max_len = self.max_len.max(topic.len());
            self.map.insert(Bytes::copy_from_slice(topic), v());
        }
        self.map.get_mut(topic).expect("just inserted")
    }

    pub(crate) fn remove(&mut self, topic: &[u8]) {
        if topic.is_empty() {
            self.all = None;
            return;
        }
        self.map.remove(topic);
        if topic.len() == self.max_len {
            self.max_len = self.map.keys().map(Bytes::len).max().unwrap_or(0);
        }
    }

    /// Calls `f` for every topic that is a prefix of `data`.
    #[inline]
    pub(crate) fn for_each_match(&self, data: &[u8], mut f: impl FnMut(&V)) {
        if let Some(v) = &self.all {
            f(v);
        }
        if self.map.is_empty() {
            return;
        }
        let top = self.max_len.min(data.len());
        for len in 1..=top {
            if let Some(v) = self.map.get(&data[..len]) {
                f(v);
            }
        }
    }

    /// True if any topic is a prefix of `data`.
    pub(crate) fn matches(&self, data: &[u8]) -> bool {
        let mut hit = false;
        self.for_each_match(data, |_| hit = true);
        hit
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Bytes, &V)> {
        self.all
            .iter()
            .map(|v| (&EMPTY_TOPIC, v))
            .chain(self.map.iter())
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Bytes, &mut V) -> bool) {
        if let Some(v) = &mut self.all {
            if !keep(&EMPTY_TOPIC, v) {
                self.all = None;
            }
        }
        self.map.retain(|k, v| keep(k, v));
        self.max_len = self.map.keys().map(Bytes::len).max().unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_prefix_matching() {
        let mut t: Topics<u32> = Topics::default();
        *t.entry_or(b"ab", || 0) += 1;
        assert!(t.matches(b"abc"));
        assert!(t.matches(b"ab"));
        assert!(!t.matches(b"a"));
        assert!(!t.matches(b"xab"));
        *t.entry_or(b"", || 0) += 1;
        assert!(t.matches(b"zzz"));
        t.remove(b"");
        t.remove(b"ab");
        assert!(!t.matches(b"abc"));
    }

    #[test]
    fn the_empty_topic_is_listed_and_retained_like_the_others() {
        let mut t: Topics<u32> = Topics::default();
        *t.entry_or(b"", || 0) += 2;
        *t.entry_or(b"x", || 0) += 1;
        let mut all: Vec<(Vec<u8>, u32)> = t.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        all.sort();
        assert_eq!(all, vec![(vec![], 2), (b"x".to_vec(), 1)]);
        let mut seen = 0;
        t.for_each_match(b"xy", |_| seen += 1);
        assert_eq!(seen, 2, "both the empty topic and x match");
        *t.get_mut(b"").unwrap() -= 2;
        t.retain(|_, v| *v > 0);
        assert!(t.get_mut(b"").is_none());
        assert!(!t.matches(b"y"));
        assert!(t.matches(b"x"));
    }
}
