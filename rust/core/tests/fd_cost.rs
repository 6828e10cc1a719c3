//! File descriptors per connection. A tcp connection costs its stream and nothing else on the
//! I/O thread (as in libzmq), so that ten thousand connections fit in a 20 000-fd limit.
//!
//! Alone in its test binary: it counts the process's open fds, which parallel tests would
//! change.

use bytes::Bytes;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, SocketType};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

#[test]
fn a_connection_costs_one_fd_per_side() {
    const N: usize = 50;
    let ctx = Context::new();
    let mut router = ctx.socket(SocketType::Router).unwrap();
    router.set_int(id::RCVTIMEO, 10_000).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.last_endpoint().to_string();
    // The I/O thread, the router and its listener exist; from here on, count.
    let before = open_fds();
    let mut dealers = Vec::new();
    for i in 0..N {
        let mut d = ctx.socket(SocketType::Dealer).unwrap();
        d.set_option(id::ROUTING_ID, format!("d{i}").as_bytes())
            .unwrap();
        d.connect(&ep).unwrap();
        d.send(Bytes::from_static(b"hello"), 0).unwrap();
        dealers.push(d);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = HashSet::new();
    while seen.len() < N {
        assert!(
            Instant::now() < deadline,
            "only {} of {N} said hello",
            seen.len()
        );
        let m = router.recv_parts(0).unwrap();
        assert_eq!(&m[1][..], b"hello");
        seen.insert(m[0].clone());
    }
    let after = open_fds();
    // Each DEALER socket has its wake-up fd; each connection has two stream ends (both in
    // this process). Nothing more: a connection's wake-ups go through its I/O thread's list.
    assert_eq!(after - before, N * 3, "fds: {before} before, {after} after");
    // And the connections work both ways.
    for i in 0..N {
        router
            .send_parts(
                vec![Bytes::from(format!("d{i}")), Bytes::from_static(b"world")],
                0,
            )
            .unwrap();
    }
    for d in &mut dealers {
        d.set_int(id::RCVTIMEO, 10_000).unwrap();
        assert_eq!(&d.recv(0).unwrap().data[..], b"world");
    }
}
