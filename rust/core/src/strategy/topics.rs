//! The subscription index: topics, matched as prefixes of a message's first frame, each with
//! its subscribers.

use bytes::Bytes;
use std::collections::HashMap;

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
