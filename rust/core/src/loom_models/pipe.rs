//! Both wake-ups of a pipe ([`crate::pipe`]), with the sockets' protocol around them
//! (`Socket::recv_wait` and `Socket::send_wait`): the side that cannot go on arms its
//! signaler, looks once more, and waits only if nothing changed; the other side makes its
//! change, then notifies, which writes the fd only if it finds the arm. A wake-up lost
//! between the look and the wait leaves a thread blocked with work to do, which loom reports
//! as a deadlock.

use super::model;
use crate::msg::Message;
use crate::pipe::PipeEnd;
use crate::signaler::Signaler;
use bytes::Bytes;
use loom::thread;
use std::sync::Arc;

fn msg(n: u8) -> Message {
    Message::One(Bytes::from(vec![n]))
}

/// An end owned by a socket with its own signaler.
fn owned(end: &PipeEnd) -> Arc<Signaler> {
    let sig = Arc::new(Signaler::new(false).unwrap());
    end.set_owner(&sig);
    sig
}

/// A blocking recv: a look, then arm, look again, wait, look (`Socket::recv` and
/// `recv_wait`), and disarm after a wait (`after_wait`).
fn recv(end: &mut PipeEnd, sig: &Signaler) -> Message {
    if let Some(m) = end.read_message() {
        return m;
    }
    let m = loop {
        sig.arm_quiet();
        if let Some(m) = end.read_message() {
            break m;
        }
        sig.wait(None).unwrap();
        if let Some(m) = end.read_message() {
            break m;
        }
    };
    sig.unarm();
    m
}

/// A blocking send of one whole message: the same protocol with room to write, asking the
/// pipe to report room (`want_write`) after the arm (`Socket::send_wait`).
fn send(end: &mut PipeEnd, sig: &Signaler, m: Message) {
    if end.check_write() {
        return end.push(m);
    }
    loop {
        sig.arm_quiet();
        end.want_write();
        if end.check_write() {
            break;
        }
        sig.wait(None).unwrap();
        if end.check_write() {
            break;
        }
    }
    sig.unarm();
    end.push(m);
}

/// The reader finds the pipe empty and sleeps; the writer pushes two messages. Whatever the
/// interleaving, the reader gets both, in order (the second recv also starts from whatever
/// state the first one left the fd in: readable, owed a write, or quiet).
#[test]
fn empty_pipe_reader_is_woken() {
    model(|| {
        let (mut w, mut r) = PipeEnd::pair((0, 0), Some((0, 0)), "inproc://model".into());
        let _wsig = owned(&w);
        let rsig = owned(&r);
        let reader = thread::spawn(move || {
            assert_eq!(recv(&mut r, &rsig), msg(1));
            assert_eq!(recv(&mut r, &rsig), msg(2));
        });
        assert!(w.check_write());
        w.push(msg(1));
        assert!(w.check_write());
        w.push(msg(2));
        reader.join().unwrap();
    });
}

/// A limit of one message: the writer's second message waits for the reader to take the
/// first, and the reader's second recv waits for the writer's second message. Neither side
/// may sleep through the other's change.
#[test]
fn full_pipe_writer_is_woken() {
    model(|| {
        // The reader's RCVHWM is not known yet, so the writer's SNDHWM of 1 is the limit.
        let (mut w, mut r) = PipeEnd::pair((1, 1), None, "inproc://model".into());
        let wsig = owned(&w);
        let rsig = owned(&r);
        let reader = thread::spawn(move || {
            assert_eq!(recv(&mut r, &rsig), msg(1));
            assert_eq!(recv(&mut r, &rsig), msg(2));
        });
        send(&mut w, &wsig, msg(1));
        send(&mut w, &wsig, msg(2));
        reader.join().unwrap();
    });
}

/// The writer sends one message and closes its end while the reader drains the pipe and
/// sleeps until the end is closed (as a session or a lingering socket does): the close must
/// wake it, and the message sent before the close must be read first.
#[test]
fn close_wakes_a_sleeping_reader() {
    model(|| {
        let (mut w, mut r) = PipeEnd::pair((0, 0), Some((0, 0)), "inproc://model".into());
        let _wsig = owned(&w);
        let rsig = owned(&r);
        let reader = thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                while let Some(m) = r.read_message() {
                    got.push(m);
                }
                if r.is_drained() {
                    break;
                }
                rsig.arm_quiet();
                if r.check_read() || r.is_drained() {
                    continue;
                }
                rsig.wait(None).unwrap();
            }
            rsig.unarm();
            assert_eq!(got, [msg(1)]);
        });
        w.push(msg(1));
        w.close();
        reader.join().unwrap();
    });
}
