//! Helpers shared by the integration tests.
//!
//! Every socket made through [`socket`] has RCVTIMEO and SNDTIMEO set, so a test that waits for
//! something that never comes fails with `Again` instead of hanging.

#![allow(dead_code)]

use bytes::Bytes;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT, SNDMORE};

/// Default bound on every blocking call in the tests.
pub const TIMEOUT_MS: i32 = 2000;

/// A socket whose blocking calls give up after [`TIMEOUT_MS`].
pub fn socket(ctx: &Context, ty: SocketType) -> Socket {
    let mut s = ctx.socket(ty).expect("create socket");
    s.set_int(id::RCVTIMEO, TIMEOUT_MS).expect("RCVTIMEO");
    s.set_int(id::SNDTIMEO, TIMEOUT_MS).expect("SNDTIMEO");
    s
}

/// A bound socket.
pub fn bound(ctx: &Context, ty: SocketType, ep: &str) -> Socket {
    let mut s = socket(ctx, ty);
    s.bind(ep).expect("bind");
    s
}

/// A connected socket.
pub fn connected(ctx: &Context, ty: SocketType, ep: &str) -> Socket {
    let mut s = socket(ctx, ty);
    s.connect(ep).expect("connect");
    s
}

/// Sends a one-frame message.
pub fn send(s: &mut Socket, data: &[u8]) {
    s.send(Bytes::copy_from_slice(data), 0).expect("send");
}

/// Sends a multipart message.
pub fn send_parts(s: &mut Socket, parts: &[&[u8]]) {
    let n = parts.len();
    for (i, p) in parts.iter().enumerate() {
        let flags = if i + 1 < n { SNDMORE } else { 0 };
        s.send(Bytes::copy_from_slice(p), flags).expect("send part");
    }
}

/// Receives a whole message (bounded by the socket's RCVTIMEO).
pub fn recv(s: &mut Socket) -> Vec<Vec<u8>> {
    s.recv_parts(0)
        .expect("recv")
        .into_iter()
        .map(|b| b.to_vec())
        .collect()
}

/// Receives a one-frame message and returns its bytes.
pub fn recv_one(s: &mut Socket) -> Vec<u8> {
    let mut m = recv(s);
    assert_eq!(m.len(), 1, "expected a one-frame message, got {m:?}");
    m.pop().unwrap()
}

/// Builds the expected form of a message from byte-string literals.
pub fn msg(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// Asserts that nothing can be received right now.
pub fn assert_nothing(s: &mut Socket) {
    match s.recv(DONTWAIT) {
        Err(Error::Again) => {}
        other => panic!("expected no message, got {other:?}"),
    }
}

/// Asserts that nothing arrives within `ms` milliseconds (for peers on other threads).
pub fn assert_nothing_for(s: &mut Socket, ms: u64) {
    let deadline = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < deadline {
        assert_nothing(s);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Receives with DONTWAIT until Again; returns the messages.
pub fn drain(s: &mut Socket) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        match s.recv_parts(DONTWAIT) {
            Ok(m) => out.push(m.into_iter().map(|b| b.to_vec()).collect()),
            Err(Error::Again) => return out,
            Err(e) => panic!("recv failed: {e:?}"),
        }
    }
}

/// Sends one-frame messages with DONTWAIT until Again (at most `max`); returns how many went.
pub fn fill(s: &mut Socket, max: usize) -> usize {
    for n in 0..max {
        match s.send(Bytes::from_static(b"x"), DONTWAIT) {
            Ok(()) => {}
            Err(Error::Again) => return n,
            Err(e) => panic!("send failed: {e:?}"),
        }
    }
    max
}

/// Polls `f` until it returns true or `ms` milliseconds pass; returns the last result.
pub fn wait_until(ms: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_millis(ms);
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Bytes of an int option value.
pub fn int_opt(s: &mut Socket, num: i32) -> i32 {
    match s.get_option(num).expect("get_option") {
        zmq_rust_core::OptValue::Int(v) => v,
        other => panic!("option {num} is not an int: {other:?}"),
    }
}

/// True if `fd` becomes readable within `ms` milliseconds.
pub fn readable(fd: i32, ms: i32) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    assert!(n >= 0, "poll failed");
    n == 1
}
