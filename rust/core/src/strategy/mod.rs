//! How socket types move messages over their pipes: the pipe set every socket keeps, and the
//! strategies built on it (load-balancing over writable pipes, fair-queueing over readable
//! ones, distribution to many, and the subscription index behind PUB/XPUB/SUB).

mod dist;
mod fq;
mod lb;
mod topics;

pub(crate) use dist::Distribute;
pub(crate) use fq::FairQueue;
pub(crate) use lb::LoadBalance;
pub(crate) use topics::Topics;

use crate::pipe::{PipeEnd, PipeId};
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
