//! The queue inside a pipe: unbounded, one producer and one consumer, in chunks of
//! [`CHUNK`] slots, with the last drained chunk kept for the producer's next one (libzmq's
//! `yqueue_t` does the same). In steady state a message costs no allocation in the queue;
//! a general MPMC queue (crossbeam's `SegQueue`) allocates and frees a block every 31
//! messages, and glibc runs `malloc_consolidate` for each such block.
//!
//! The producer publishes with one release store of its count after writing the slot (and
//! linking a new chunk); the consumer acquires that count before reading. Only the producer
//! touches the tail chunk's free slots and only the consumer the head; a chunk goes back to
//! the producer through `spare` once the consumer has read all of it.
//!
//! The first chunk is allocated by the first push, so a pipe that never carries a message
//! costs no chunk.
//!
//! Cells, atomics and the allocator come from [`crate::sync`], so that the model tests in
//! `loom_models/spsc.rs` can check the protocol above under loom.

use crate::sync::alloc::{self, Layout};
use crate::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use crate::sync::UnsafeCell;
use crossbeam_utils::CachePadded;
use std::mem::MaybeUninit;
use std::ptr;

/// Slots per chunk (a chunk of messages is ~1.3 KiB). The models use chunks of two slots, so
/// that a few messages cross chunk boundaries and reuse a drained chunk.
#[cfg(not(all(test, loom)))]
pub(crate) const CHUNK: usize = 32;
#[cfg(all(test, loom))]
pub(crate) const CHUNK: usize = 2;

struct Chunk<T> {
    slots: [UnsafeCell<MaybeUninit<T>>; CHUNK],
    next: AtomicPtr<Chunk<T>>,
}

impl<T> Chunk<T> {
    /// A chunk with uninitialised slots and no successor.
    fn alloc() -> *mut Chunk<T> {
        let layout = Layout::new::<Chunk<T>>();
        // SAFETY: the layout is not zero-sized (a chunk holds a pointer).
        let c = unsafe { alloc::alloc(layout) }.cast::<Chunk<T>>();
        if c.is_null() {
            alloc::handle_alloc_error(layout);
        }
        // SAFETY: `c` is valid for writes. The slots hold MaybeUninit values, which need
        // nothing (std's cell compiles the loop away); loom's cells register themselves.
        unsafe {
            ptr::addr_of_mut!((*c).next).write(AtomicPtr::new(ptr::null_mut()));
            for i in 0..CHUNK {
                ptr::addr_of_mut!((*c).slots[i]).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
        c
    }

    /// Frees a chunk whose slots hold nothing live.
    ///
    /// # Safety
    /// `c` came from [`Chunk::alloc`], is not used afterwards, and its slots were all read
    /// or never written.
    unsafe fn free(c: *mut Chunk<T>) {
        alloc::dealloc(c.cast(), Layout::new::<Chunk<T>>());
    }
}

/// A position in the chunk list, private to one side.
struct End<T> {
    chunk: *mut Chunk<T>,
    /// Next slot to write (tail) or read (head) in `chunk`.
    idx: usize,
    /// Messages pushed (tail) or popped (head) so far.
    count: u64,
}

/// Unbounded single-producer single-consumer queue (see the module documentation).
pub(crate) struct Spsc<T> {
    /// Producer's position.
    tail: CachePadded<UnsafeCell<End<T>>>,
    /// Consumer's position.
    head: CachePadded<UnsafeCell<End<T>>>,
    /// Messages pushed, published by the producer after each push.
    pushed: CachePadded<AtomicU64>,
    /// Messages popped, published by the consumer (for `len`).
    popped: AtomicU64,
    /// The first chunk, set by the first push.
    first: AtomicPtr<Chunk<T>>,
    /// A drained chunk handed back to the producer.
    spare: AtomicPtr<Chunk<T>>,
}

// SAFETY: values of T move from the producer's thread to the consumer's; the positions are
// touched only through `push` (one producer at a time) and `pop` (one consumer at a time),
// whose contracts say so, and everything shared is atomic.
unsafe impl<T: Send> Send for Spsc<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Spsc<T> {}

impl<T> std::fmt::Debug for Spsc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spsc").field("len", &self.len()).finish()
    }
}

impl<T> Default for Spsc<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Spsc<T> {
    /// An empty queue (no chunk allocated).
    pub(crate) fn new() -> Self {
        let end = || End {
            chunk: ptr::null_mut(),
            idx: CHUNK,
            count: 0,
        };
        Spsc {
            tail: CachePadded::new(UnsafeCell::new(end())),
            head: CachePadded::new(UnsafeCell::new(end())),
            pushed: CachePadded::new(AtomicU64::new(0)),
            popped: AtomicU64::new(0),
            first: AtomicPtr::new(ptr::null_mut()),
            spare: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Appends `v`.
    ///
    /// # Safety
    /// No other thread is in `push` on this queue at the same time (one producer).
    pub(crate) unsafe fn push(&self, v: T) {
        // Claim the next slot (and link a chunk if the tail one is full). The value is written
        // outside this closure, which therefore does not capture it (a capture would cost a
        // copy of every message through the stack).
        let (slot, count) = self.tail.with_mut(|t| {
            // SAFETY: only the producer touches `tail`, and the caller is the only one.
            let t = unsafe { &mut *t };
            if t.idx == CHUNK {
                let fresh = self.take_spare().unwrap_or_else(Chunk::alloc);
                if t.chunk.is_null() {
                    self.first.store(fresh, Ordering::Release);
                } else {
                    // SAFETY: the tail chunk stays allocated until the consumer has left it,
                    // which it cannot do before this link exists.
                    unsafe { (*t.chunk).next.store(fresh, Ordering::Release) };
                }
                t.chunk = fresh;
                t.idx = 0;
            }
            // SAFETY: the tail chunk is allocated and `idx` < CHUNK.
            let slot = unsafe { ptr::addr_of!((*t.chunk).slots[t.idx]) };
            t.idx += 1;
            t.count += 1;
            (slot, t.count)
        });
        // SAFETY: the slot is free: the consumer reads a slot only after the count that
        // covers it is published below, and a reused chunk came back through `spare` after
        // the consumer read all of it.
        unsafe { (*slot).with_mut(|s| (*s).write(v)) };
        self.pushed.store(count, Ordering::Release);
    }

    /// Removes the oldest value.
    ///
    /// # Safety
    /// No other thread is in `pop` on this queue at the same time (one consumer).
    pub(crate) unsafe fn pop(&self) -> Option<T> {
        self.head.with_mut(|h| {
            // SAFETY: only the consumer touches `head`, and the caller is the only one.
            let h = unsafe { &mut *h };
            if h.count == self.pushed.load(Ordering::Acquire) {
                return None;
            }
            // A value is there, so is the chunk holding it (linked before the count was
            // published).
            if h.chunk.is_null() {
                h.chunk = self.first.load(Ordering::Acquire);
                h.idx = 0;
            } else if h.idx == CHUNK {
                // SAFETY: the head chunk is the consumer's until it hands it back below.
                let next = unsafe { (*h.chunk).next.load(Ordering::Acquire) };
                debug_assert!(!next.is_null());
                let done = h.chunk;
                h.chunk = next;
                h.idx = 0;
                // The producer has moved on from `done` (it linked `next`); hand it back.
                let old = self.spare.swap(done, Ordering::AcqRel);
                if !old.is_null() {
                    // SAFETY: a chunk handed back earlier and not taken: every slot was read
                    // and nobody else refers to it.
                    unsafe { Chunk::free(old) };
                }
            }
            // SAFETY: the acquired count covers slot `idx` of the head chunk, so the
            // producer wrote it and will not touch it again before the chunk comes back.
            let v = unsafe { (*h.chunk).slots[h.idx].with_mut(|s| (*s).assume_init_read()) };
            h.idx += 1;
            h.count += 1;
            self.popped.store(h.count, Ordering::Release);
            Some(v)
        })
    }

    /// Number of values queued (exact for the consumer; a snapshot for anyone else).
    pub(crate) fn len(&self) -> usize {
        let pushed = self.pushed.load(Ordering::Acquire);
        let popped = self.popped.load(Ordering::Acquire);
        pushed.saturating_sub(popped) as usize
    }

    /// True if nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunk the consumer handed back, emptied of its link.
    fn take_spare(&self) -> Option<*mut Chunk<T>> {
        let c = self.spare.swap(ptr::null_mut(), Ordering::Acquire);
        if c.is_null() {
            return None;
        }
        // SAFETY: the consumer gave this chunk up; nobody else refers to it.
        unsafe { (*c).next.store(ptr::null_mut(), Ordering::Relaxed) };
        Some(c)
    }
}

impl<T> Drop for Spsc<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no producer or consumer is active.
        unsafe {
            while self.pop().is_some() {}
            let head = self.head.with(|h| (*h).chunk);
            let last = if head.is_null() {
                self.first.load(Ordering::Relaxed)
            } else {
                head
            };
            if !last.is_null() {
                Chunk::free(last);
            }
            let spare = self.spare.load(Ordering::Relaxed);
            if !spare.is_null() {
                Chunk::free(spare);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn fifo_across_chunks_and_len() {
        let q = Spsc::new();
        assert!(q.is_empty());
        // SAFETY: one thread is both producer and consumer.
        unsafe {
            assert_eq!(q.pop(), None);
            for round in 0..5u32 {
                for i in 0..(3 * CHUNK as u32 + 7) {
                    q.push(round * 1000 + i);
                }
                assert_eq!(q.len(), 3 * CHUNK + 7);
                for i in 0..(3 * CHUNK as u32 + 7) {
                    assert_eq!(q.pop(), Some(round * 1000 + i));
                }
                assert_eq!(q.pop(), None);
                assert!(q.is_empty());
            }
        }
    }

    #[test]
    fn values_left_in_the_queue_are_dropped_once() {
        let tracker = Arc::new(());
        {
            let q = Spsc::new();
            // SAFETY: one thread.
            unsafe {
                for _ in 0..(2 * CHUNK + 5) {
                    q.push(Arc::clone(&tracker));
                }
                for _ in 0..(CHUNK + 1) {
                    drop(q.pop());
                }
            }
            assert_eq!(Arc::strong_count(&tracker), 1 + CHUNK + 4);
        }
        assert_eq!(Arc::strong_count(&tracker), 1);
        // A queue never pushed to, and one drained exactly at a chunk's end.
        drop(Spsc::<Arc<()>>::new());
        let q = Spsc::new();
        // SAFETY: one thread.
        unsafe {
            for _ in 0..CHUNK {
                q.push(Arc::clone(&tracker));
            }
            while q.pop().is_some() {}
        }
        drop(q);
        assert_eq!(Arc::strong_count(&tracker), 1);
    }

    #[test]
    fn producer_and_consumer_threads() {
        const N: u64 = 2_000_000;
        let q = Arc::new(Spsc::new());
        let p = Arc::clone(&q);
        let producer = std::thread::spawn(move || {
            for i in 0..N {
                // SAFETY: this thread is the only producer.
                unsafe { p.push(i) };
                if i % 4096 == 0 {
                    std::thread::yield_now();
                }
            }
        });
        let mut want = 0;
        while want < N {
            // SAFETY: this thread is the only consumer.
            match unsafe { q.pop() } {
                Some(v) => {
                    assert_eq!(v, want);
                    want += 1;
                }
                None => std::hint::spin_loop(),
            }
        }
        producer.join().unwrap();
        // SAFETY: the only consumer.
        assert_eq!(unsafe { q.pop() }, None);
    }
}
