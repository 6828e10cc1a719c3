//! PAIR: one peer, messages both ways, a second connection is refused.

mod util;

use util::*;
use zmq_rust_core::{Context, Error, SocketType, DONTWAIT};

#[test]
fn exchange_both_ways() {
    let ctx = Context::new();
    let mut a = bound(&ctx, SocketType::Pair, "inproc://pair");
    let mut b = connected(&ctx, SocketType::Pair, "inproc://pair");

    send(&mut b, b"ping");
    assert_eq!(recv_one(&mut a), b"ping");
    send(&mut a, b"pong");
    assert_eq!(recv_one(&mut b), b"pong");

    send_parts(&mut a, &[b"x", b"", b"z"]);
    assert_eq!(recv(&mut b), msg(&[b"x", b"", b"z"]));
    assert_nothing(&mut a);
    assert_nothing(&mut b);
}

#[test]
fn second_connection_is_refused() {
    let ctx = Context::new();
    let mut a = bound(&ctx, SocketType::Pair, "inproc://pair");
    let mut first = connected(&ctx, SocketType::Pair, "inproc://pair");
    let mut second = connected(&ctx, SocketType::Pair, "inproc://pair");

    // The intruder may queue a message before the binder notices it; it is never delivered.
    let _ = second.send("intruder".into(), DONTWAIT);
    send(&mut first, b"one");
    assert_eq!(recv_one(&mut a), b"one");
    assert_nothing(&mut a);

    // Once refused, the second socket has no peer: sending would block.
    assert_eq!(second.send("again".into(), DONTWAIT), Err(Error::Again));
    assert_nothing(&mut second);

    // The accepted pair keeps working in both directions.
    send(&mut a, b"reply");
    assert_eq!(recv_one(&mut first), b"reply");
    send(&mut first, b"two");
    assert_eq!(recv_one(&mut a), b"two");
    assert_nothing(&mut a);
}

#[test]
fn connect_before_bind() {
    let ctx = Context::new();
    let mut b = connected(&ctx, SocketType::Pair, "inproc://later");
    // Queued in the pipe before anyone binds.
    send(&mut b, b"early");
    let mut a = bound(&ctx, SocketType::Pair, "inproc://later");
    assert_eq!(recv_one(&mut a), b"early");
    send(&mut a, b"back");
    assert_eq!(recv_one(&mut b), b"back");
}

#[test]
fn no_peer_blocks() {
    let ctx = Context::new();
    let mut a = socket(&ctx, SocketType::Pair);
    assert_eq!(a.send("x".into(), DONTWAIT), Err(Error::Again));
    assert_eq!(a.recv(DONTWAIT).unwrap_err(), Error::Again);
}

#[test]
fn new_peer_accepted_after_the_old_one_leaves() {
    let ctx = Context::new();
    let mut a = bound(&ctx, SocketType::Pair, "inproc://next");
    let mut first = connected(&ctx, SocketType::Pair, "inproc://next");
    send(&mut first, b"from first");
    assert_eq!(recv_one(&mut a), b"from first");
    drop(first);
    assert_nothing(&mut a); // notices the departure
    let mut second = connected(&ctx, SocketType::Pair, "inproc://next");
    send(&mut second, b"from second");
    assert_eq!(recv_one(&mut a), b"from second");
    send(&mut a, b"hello second");
    assert_eq!(recv_one(&mut second), b"hello second");
}
