//! PUSH/PULL: load-balancing, fair-queueing, blocking with no peer, unsupported directions.

mod util;

use std::time::{Duration, Instant};
use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, SocketType, DONTWAIT};

#[test]
fn load_balances_round_robin_over_three_pulls() {
    let ctx = Context::new();
    let mut push = bound(&ctx, SocketType::Push, "inproc://lb");
    let mut pulls: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Pull, "inproc://lb"))
        .collect();
    for i in 0..30u8 {
        send(&mut push, &[i]);
    }
    for (k, pull) in pulls.iter_mut().enumerate() {
        let got: Vec<u8> = drain(pull).into_iter().map(|m| m[0][0]).collect();
        let want: Vec<u8> = (0..30u8).filter(|i| *i as usize % 3 == k).collect();
        assert_eq!(got, want, "pull {k}");
    }
}

#[test]
fn load_balances_over_connected_endpoints() {
    let ctx = Context::new();
    let mut pulls: Vec<_> = (0..3)
        .map(|i| bound(&ctx, SocketType::Pull, &format!("inproc://p{i}")))
        .collect();
    let mut push = socket(&ctx, SocketType::Push);
    for i in 0..3 {
        push.connect(&format!("inproc://p{i}")).unwrap();
    }
    for i in 0..30u8 {
        send(&mut push, &[i]);
    }
    for pull in pulls.iter_mut() {
        assert_eq!(drain(pull).len(), 10);
    }
}

#[test]
fn multipart_messages_are_load_balanced_too() {
    let ctx = Context::new();
    let mut push = bound(&ctx, SocketType::Push, "inproc://lbmp");
    let mut pulls: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Pull, "inproc://lbmp"))
        .collect();
    for i in 0..6u8 {
        send_parts(&mut push, &[&[i], b"second", b"third"]);
    }
    for (k, pull) in pulls.iter_mut().enumerate() {
        let got: Vec<u8> = drain(pull)
            .into_iter()
            .map(|m| {
                assert_eq!(m.len(), 3);
                m[0][0]
            })
            .collect();
        assert_eq!(got, vec![k as u8, k as u8 + 3], "pull {k}");
    }
}

#[test]
fn fair_queues_from_three_pushes() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://fq");
    let mut pushes: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Push, "inproc://fq"))
        .collect();
    for (p, push) in pushes.iter_mut().enumerate() {
        for i in 0..3u8 {
            send(push, &[p as u8, i]);
        }
    }
    let got: Vec<Vec<u8>> = (0..9).map(|_| recv_one(&mut pull)).collect();
    let want: Vec<Vec<u8>> = (0..3u8)
        .flat_map(|i| (0..3u8).map(move |p| vec![p, i]))
        .collect();
    assert_eq!(got, want, "one message from each PUSH in turn");
    assert_nothing(&mut pull);
}

#[test]
fn fair_queue_skips_empty_pipes() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://fq");
    let mut a = connected(&ctx, SocketType::Push, "inproc://fq");
    let _idle = connected(&ctx, SocketType::Push, "inproc://fq");
    let mut c = connected(&ctx, SocketType::Push, "inproc://fq");
    send(&mut a, b"a1");
    send(&mut a, b"a2");
    send(&mut c, b"c1");
    let got: Vec<Vec<u8>> = (0..3).map(|_| recv_one(&mut pull)).collect();
    assert_eq!(got, msg(&[b"a1", b"c1", b"a2"]));
}

#[test]
fn multipart_messages_stay_whole() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://mp");
    let mut p1 = connected(&ctx, SocketType::Push, "inproc://mp");
    let mut p2 = connected(&ctx, SocketType::Push, "inproc://mp");
    send_parts(&mut p1, &[b"1a", b"1b", b"1c"]);
    send_parts(&mut p2, &[b"2a", b"2b"]);
    let mut got = vec![recv(&mut pull), recv(&mut pull)];
    got.sort();
    assert_eq!(got, vec![msg(&[b"1a", b"1b", b"1c"]), msg(&[b"2a", b"2b"])]);
    assert!(!pull.rcvmore());
}

#[test]
fn send_without_peer_dontwait_is_again() {
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).unwrap();
    assert_eq!(push.send("x".into(), DONTWAIT), Err(Error::Again));
    // Bound but nobody connected: still no pipe.
    push.bind("inproc://nobody").unwrap();
    assert_eq!(push.send("x".into(), DONTWAIT), Err(Error::Again));
}

#[test]
fn send_without_peer_times_out() {
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).unwrap();
    push.set_int(id::SNDTIMEO, 100).unwrap();
    let t = Instant::now();
    assert_eq!(push.send("x".into(), 0), Err(Error::Again));
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(90), "returned after {took:?}");
    assert!(took < Duration::from_secs(2), "returned after {took:?}");
}

#[test]
fn recv_on_push_and_send_on_pull_are_not_supported() {
    let ctx = Context::new();
    let mut push = bound(&ctx, SocketType::Push, "inproc://ns");
    let mut pull = connected(&ctx, SocketType::Pull, "inproc://ns");
    assert_eq!(push.recv(DONTWAIT).unwrap_err(), Error::NotSupported);
    assert_eq!(push.recv(0).unwrap_err(), Error::NotSupported);
    assert_eq!(pull.send("x".into(), 0), Err(Error::NotSupported));
    assert_eq!(pull.send("x".into(), DONTWAIT), Err(Error::NotSupported));
}

#[test]
fn connect_before_bind_delivers_queued_messages() {
    let ctx = Context::new();
    let mut push = connected(&ctx, SocketType::Push, "inproc://cbb");
    for i in 0..5u8 {
        send(&mut push, &[i]);
    }
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://cbb");
    let got: Vec<u8> = drain(&mut pull).into_iter().map(|m| m[0][0]).collect();
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
}
