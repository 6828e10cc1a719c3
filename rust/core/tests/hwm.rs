//! High-water marks measured at the limit, for the socket types that block.
//!
//! inproc: a pipe holds sender SNDHWM + receiver RCVHWM messages (unlimited if either is 0).

mod util;

use bytes::Bytes;
use std::sync::mpsc;
use std::time::Duration;
use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT, POLLOUT, SNDMORE};

fn push_pull(ctx: &Context, sndhwm: i32, rcvhwm: i32, ep: &str) -> (Socket, Socket) {
    let mut pull = socket(ctx, SocketType::Pull);
    pull.set_int(id::RCVHWM, rcvhwm).unwrap();
    pull.bind(ep).unwrap();
    let mut push = socket(ctx, SocketType::Push);
    push.set_int(id::SNDHWM, sndhwm).unwrap();
    push.connect(ep).unwrap();
    (push, pull)
}

#[test]
fn push_accepts_sndhwm_plus_rcvhwm() {
    let ctx = Context::new();
    for (n, m) in [(1, 1), (3, 7), (10, 1), (1000, 1000)] {
        let ep = format!("inproc://sum-{n}-{m}");
        let (mut push, mut pull) = push_pull(&ctx, n, m, &ep);
        assert_eq!(
            fill(&mut push, 10_000),
            (n + m) as usize,
            "SNDHWM {n} RCVHWM {m}"
        );
        assert_eq!(push.send("x".into(), DONTWAIT), Err(Error::Again));
        assert_eq!(push.events().unwrap() & POLLOUT, 0);
        assert_eq!(drain(&mut pull).len(), (n + m) as usize);
        assert_ne!(push.events().unwrap() & POLLOUT, 0);
    }
}

#[test]
fn same_sum_with_bind_and_connect_swapped() {
    let ctx = Context::new();
    let mut push = socket(&ctx, SocketType::Push);
    push.set_int(id::SNDHWM, 4).unwrap();
    push.bind("inproc://swap").unwrap();
    let mut pull = socket(&ctx, SocketType::Pull);
    pull.set_int(id::RCVHWM, 6).unwrap();
    pull.connect("inproc://swap").unwrap();
    assert_eq!(fill(&mut push, 1000), 10);
    assert_eq!(drain(&mut pull).len(), 10);
}

#[test]
fn zero_hwm_is_unlimited() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 0, 5, "inproc://zero-snd");
    assert_eq!(fill(&mut push, 100_000), 100_000);
    assert_eq!(drain(&mut pull).len(), 100_000);
    let (mut push, _pull) = push_pull(&ctx, 5, 0, "inproc://zero-rcv");
    assert_eq!(fill(&mut push, 100_000), 100_000);
}

#[test]
fn multipart_counts_once() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 2, 3, "inproc://mp");
    let mut sent = 0;
    loop {
        match push.send("a".into(), SNDMORE | DONTWAIT) {
            Ok(()) => {}
            Err(Error::Again) => break,
            Err(e) => panic!("{e:?}"),
        }
        push.send("b".into(), SNDMORE | DONTWAIT).unwrap();
        push.send("c".into(), DONTWAIT).unwrap();
        sent += 1;
        assert!(sent <= 5, "HWM not enforced");
    }
    assert_eq!(sent, 5);
    let msgs = drain(&mut pull);
    assert_eq!(msgs.len(), 5);
    assert!(msgs.iter().all(|m| *m == msg(&[b"a", b"b", b"c"])));
}

#[test]
fn hwm_is_checked_at_the_first_frame_only() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 2, 2, "inproc://first");
    assert_eq!(fill(&mut push, 3), 3);
    // One slot left: the first frame takes it...
    push.send("head".into(), SNDMORE | DONTWAIT).unwrap();
    // ...and with the limit lowered below what is queued, the rest still goes in.
    push.set_int(id::SNDHWM, 1).unwrap();
    for _ in 0..100 {
        push.send("body".into(), SNDMORE | DONTWAIT).unwrap();
    }
    push.send("tail".into(), DONTWAIT).unwrap();
    assert_eq!(push.send("x".into(), DONTWAIT), Err(Error::Again));
    let msgs = drain(&mut pull);
    assert_eq!(msgs.len(), 4);
    assert_eq!(msgs[3].len(), 102);
}

#[test]
fn send_parts_is_atomic_at_the_limit() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 1, 1, "inproc://parts");
    let parts = || (0..3).map(|i| Bytes::from(vec![i]));
    push.send_parts(parts(), DONTWAIT).unwrap();
    push.send_parts(parts(), DONTWAIT).unwrap();
    assert_eq!(push.send_parts(parts(), DONTWAIT), Err(Error::Again));
    assert_eq!(drain(&mut pull).len(), 2, "no partial third message");
}

#[test]
fn changing_hwm_affects_existing_connections() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 5, 5, "inproc://change");
    assert_eq!(fill(&mut push, 1000), 10);
    push.set_int(id::SNDHWM, 10).unwrap();
    assert_eq!(fill(&mut push, 1000), 5, "limit now 10 + 5");
    pull.set_int(id::RCVHWM, 10).unwrap();
    assert_eq!(fill(&mut push, 1000), 5, "limit now 10 + 10");
    push.set_int(id::SNDHWM, 1).unwrap();
    assert_eq!(fill(&mut push, 1000), 0, "lowered below what is queued");
    assert_eq!(drain(&mut pull).len(), 20);
    assert_eq!(fill(&mut push, 1000), 11);
    push.set_int(id::SNDHWM, 0).unwrap();
    assert_eq!(fill(&mut push, 5000), 5000, "0 = unlimited");
}

#[test]
fn connect_before_bind_uses_connector_hwm_then_both() {
    let ctx = Context::new();
    let mut push = socket(&ctx, SocketType::Push);
    push.set_int(id::SNDHWM, 3).unwrap();
    push.set_int(id::RCVHWM, 50).unwrap(); // not part of the outbound limit
    push.connect("inproc://cbb").unwrap();
    assert_eq!(
        fill(&mut push, 1000),
        3,
        "only the connector's SNDHWM before bind"
    );

    let mut pull = socket(&ctx, SocketType::Pull);
    pull.set_int(id::RCVHWM, 4).unwrap();
    pull.bind("inproc://cbb").unwrap();
    assert_eq!(fill(&mut push, 1000), 4, "topped up by the binder's RCVHWM");
    assert_eq!(drain(&mut pull).len(), 7);
}

#[test]
fn connect_before_bind_with_zero_sndhwm_is_unlimited() {
    let ctx = Context::new();
    let mut push = socket(&ctx, SocketType::Push);
    push.set_int(id::SNDHWM, 0).unwrap();
    push.connect("inproc://cbb0").unwrap();
    assert_eq!(fill(&mut push, 5000), 5000);
}

#[test]
fn dealer_and_pair_block_at_hwm() {
    let ctx = Context::new();
    for ty in [SocketType::Dealer, SocketType::Pair] {
        let ep = format!("inproc://{}", ty.name());
        let mut b = socket(&ctx, ty);
        b.set_int(id::RCVHWM, 2).unwrap();
        b.bind(&ep).unwrap();
        let mut a = socket(&ctx, ty);
        a.set_int(id::SNDHWM, 3).unwrap();
        a.set_int(id::SNDTIMEO, 20).unwrap();
        a.connect(&ep).unwrap();
        assert_eq!(fill(&mut a, 100), 5, "{}", ty.name());
        assert_eq!(a.send("x".into(), 0), Err(Error::Again), "{}", ty.name());
    }
}

#[test]
fn req_blocks_at_hwm() {
    let ctx = Context::new();
    let mut rep = socket(&ctx, SocketType::Rep);
    rep.set_int(id::RCVHWM, 1).unwrap();
    rep.bind("inproc://req").unwrap();
    let mut reqs: Vec<_> = (0..3)
        .map(|_| {
            let mut r = socket(&ctx, SocketType::Req);
            r.set_int(id::SNDHWM, 1).unwrap();
            r.connect("inproc://req").unwrap();
            r
        })
        .collect();
    // Each REQ may have one request outstanding; none of them is refused by the HWM.
    for r in reqs.iter_mut() {
        r.send("q".into(), DONTWAIT).unwrap();
    }
    for _ in 0..3 {
        assert_eq!(recv_one(&mut rep), b"q");
        send(&mut rep, b"a");
    }
    for r in reqs.iter_mut() {
        assert_eq!(recv_one(r), b"a");
    }
}

#[test]
fn blocked_send_wakes_when_reader_drains() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 1, 1, "inproc://wake");
    assert_eq!(fill(&mut push, 10), 2);
    let (tx, rx) = mpsc::channel();
    let writer = std::thread::spawn(move || {
        push.set_int(id::SNDTIMEO, 5000).unwrap();
        // Blocks until the reader makes room.
        let r = push.send("third".into(), 0);
        tx.send(()).unwrap();
        r.and_then(|()| push.send("fourth".into(), 0))
    });
    // The writer is still blocked: nothing was read.
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());
    for want in [&b"x"[..], b"x", b"third", b"fourth"] {
        assert_eq!(recv_one(&mut pull), want);
    }
    rx.recv_timeout(Duration::from_secs(5))
        .expect("writer woke");
    writer.join().unwrap().expect("blocked sends completed");
}

#[test]
fn many_messages_through_a_small_pipe_across_threads() {
    let ctx = Context::new();
    let (mut push, mut pull) = push_pull(&ctx, 2, 2, "inproc://stream");
    const N: u32 = 20_000;
    let writer = std::thread::spawn(move || {
        for i in 0..N {
            push.send(Bytes::copy_from_slice(&i.to_le_bytes()), 0)?;
        }
        Ok::<_, Error>(())
    });
    for i in 0..N {
        let f = pull.recv(0).expect("recv");
        assert_eq!(&f.data[..], &i.to_le_bytes());
    }
    writer.join().unwrap().expect("writer");
}
