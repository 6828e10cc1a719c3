//! The pipe queue ([`crate::spsc`]) with chunks of two slots: values arrive in order, every
//! slot is written before it is read and read before it is written again (loom checks each
//! access to a slot's cell against the happens-before order), and no chunk or value leaks.

use super::model;
use crate::spsc::{Spsc, CHUNK};
use loom::alloc::Track;
use loom::sync::Arc;
use loom::thread;

/// Pops what is there; the values must continue `next`.
fn pop_in_order(q: &Spsc<Track<usize>>, next: &mut usize, tries: usize) {
    for _ in 0..tries {
        // SAFETY: the caller is the queue's only consumer.
        match unsafe { q.pop() } {
            Some(v) => {
                assert_eq!(*v.get_ref(), *next, "out of order");
                *next += 1;
            }
            None => thread::yield_now(),
        }
    }
}

/// A producer pushes five values (three chunks) while the consumer pops: the consumer
/// follows the producer's links across both chunk boundaries, at any point of the
/// producer's work, and hands each drained chunk back.
#[test]
fn fifo_across_chunk_boundaries() {
    assert_eq!(CHUNK, 2);
    model(|| {
        let q = Arc::new(Spsc::new());
        let p = Arc::clone(&q);
        let producer = thread::spawn(move || {
            for i in 0..5 {
                // SAFETY: this thread is the only producer.
                unsafe { p.push(Track::new(i)) };
            }
        });
        let mut next = 0;
        pop_in_order(&q, &mut next, 3);
        producer.join().unwrap();
        let left = 5 - next;
        pop_in_order(&q, &mut next, left);
        assert_eq!(next, 5);
        // SAFETY: the only consumer.
        assert!(unsafe { q.pop() }.is_none());
        assert!(q.is_empty());
    });
}

/// A drained chunk goes back to the producer, which writes its slots again: the consumer's
/// reads of those slots must happen before the producer's new writes. Three values queued
/// (chunks [0 1] [2 _]); the consumer pops them, handing [0 1] back when it moves on, while
/// the producer pushes two more (the second needs a chunk: the spare one if it is back
/// already, a new one if not). Values left in the queue are dropped with it.
#[test]
fn drained_chunk_is_reused() {
    model(|| {
        let q = Arc::new(Spsc::new());
        for i in 0..3 {
            // SAFETY: no other thread has the queue yet.
            unsafe { q.push(Track::new(i)) };
        }
        let c = Arc::clone(&q);
        let consumer = thread::spawn(move || {
            let mut next = 0;
            pop_in_order(&c, &mut next, 3);
            assert_eq!(
                next, 3,
                "three values were queued before the consumer started"
            );
            pop_in_order(&c, &mut next, 1);
            next
        });
        for i in 3..5 {
            // SAFETY: this thread is the only producer.
            unsafe { q.push(Track::new(i)) };
        }
        let next = consumer.join().unwrap();
        assert_eq!(q.len(), 5 - next);
    });
}
