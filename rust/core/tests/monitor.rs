//! Socket monitor events, in libzmq's encoding and order.

use bytes::Bytes;
use std::time::{Duration, Instant};
use zmq_rust_core::monitor::event;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType};

fn watcher(ctx: &Context, ep: &str) -> Socket {
    let mut m = ctx.socket(SocketType::Pair).unwrap();
    m.set_int(id::RCVTIMEO, 3000).unwrap();
    m.connect(ep).unwrap();
    m
}

/// (event, value, endpoint) of the next event.
fn next(m: &mut Socket) -> (u16, u32, String) {
    let parts = m.recv_parts(0).expect("monitor event");
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].len(), 6);
    let ev = u16::from_ne_bytes([parts[0][0], parts[0][1]]);
    let val = u32::from_ne_bytes([parts[0][2], parts[0][3], parts[0][4], parts[0][5]]);
    (ev, val, String::from_utf8_lossy(&parts[1]).into_owned())
}

/// Events until `want` shows up (or panics after the timeout).
fn until(m: &mut Socket, want: u16) -> Vec<u16> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    loop {
        assert!(
            Instant::now() < deadline,
            "no event {want:#x}; saw {seen:x?}"
        );
        let (ev, _, _) = next(m);
        seen.push(ev);
        if ev == want {
            return seen;
        }
    }
}

#[test]
fn bind_accept_handshake_disconnect() {
    let ctx = Context::new();
    let mut server = ctx.socket(SocketType::Rep).unwrap();
    server
        .monitor(Some("inproc://mon-server"), event::ALL as i32)
        .unwrap();
    let mut sm = watcher(&ctx, "inproc://mon-server");
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint().to_string();
    let (ev, fd, e) = next(&mut sm);
    assert_eq!((ev, e.as_str()), (event::LISTENING, ep.as_str()));
    assert!(fd > 0);

    let mut client = ctx.socket(SocketType::Req).unwrap();
    client
        .monitor(Some("inproc://mon-client"), event::ALL as i32)
        .unwrap();
    let mut cm = watcher(&ctx, "inproc://mon-client");
    client.connect(&ep).unwrap();
    assert_eq!(
        until(&mut cm, event::HANDSHAKE_SUCCEEDED),
        vec![
            event::CONNECT_DELAYED,
            event::CONNECTED,
            event::HANDSHAKE_SUCCEEDED
        ]
    );
    assert_eq!(
        until(&mut sm, event::HANDSHAKE_SUCCEEDED),
        vec![event::ACCEPTED, event::HANDSHAKE_SUCCEEDED]
    );

    // The client goes away: the server sees DISCONNECTED.
    client.close();
    let (ev, _, e) = {
        let v = until(&mut sm, event::DISCONNECTED);
        assert_eq!(v, vec![event::DISCONNECTED]);
        (event::DISCONNECTED, 0, ep.clone())
    };
    assert_eq!((ev, e), (event::DISCONNECTED, ep.clone()));
    // The client's monitor ends with MONITOR_STOPPED when it closes.
    assert_eq!(
        until(&mut cm, event::MONITOR_STOPPED).last(),
        Some(&event::MONITOR_STOPPED)
    );

    // Unbind closes the listener.
    server.unbind(&ep).unwrap();
    assert_eq!(until(&mut sm, event::CLOSED), vec![event::CLOSED]);
}

#[test]
fn connect_retried_and_incompatible_peer() {
    let ctx = Context::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ep = format!("tcp://127.0.0.1:{port}");
    let mut client = ctx.socket(SocketType::Sub).unwrap();
    client
        .monitor(
            Some("inproc://mon-retry"),
            (event::CONNECT_RETRIED | event::CONNECTED | event::DISCONNECTED) as i32,
        )
        .unwrap();
    let mut m = watcher(&ctx, "inproc://mon-retry");
    client.connect(&ep).unwrap();
    let (ev, ivl, e) = next(&mut m);
    assert_eq!((ev, e.as_str()), (event::CONNECT_RETRIED, ep.as_str()));
    assert!((100..=200).contains(&ivl), "interval with jitter: {ivl}");
    // Something incompatible appears: CONNECTED then DISCONNECTED, and no handshake event.
    let mut pull = ctx.socket(SocketType::Pull).unwrap();
    pull.bind(&ep).unwrap();
    let seen = until(&mut m, event::DISCONNECTED);
    assert!(
        seen.ends_with(&[event::CONNECTED, event::DISCONNECTED]),
        "{seen:x?}"
    );
}

#[test]
fn bind_failed_and_stop() {
    let ctx = Context::new();
    let mut a = ctx.socket(SocketType::Pull).unwrap();
    a.bind("tcp://127.0.0.1:*").unwrap();
    let ep = a.last_endpoint().to_string();
    let mut b = ctx.socket(SocketType::Pull).unwrap();
    b.monitor(Some("inproc://mon-bf"), event::ALL as i32)
        .unwrap();
    let mut m = watcher(&ctx, "inproc://mon-bf");
    assert_eq!(b.bind(&ep).unwrap_err(), Error::AddrInUse);
    let (ev, errno, e) = next(&mut m);
    assert_eq!(
        (ev, errno as i32, e),
        (event::BIND_FAILED, libc_eaddrinuse(), ep.clone())
    );
    b.monitor(None, 0).unwrap();
    assert_eq!(next(&mut m).0, event::MONITOR_STOPPED);
    assert!(matches!(
        b.monitor(Some("tcp://127.0.0.1:5"), 0),
        Err(Error::ProtocolNotSupported)
    ));
    let _ = Bytes::new();
}

fn libc_eaddrinuse() -> i32 {
    Error::AddrInUse.errno()
}
