//! tcp:// and ipc:// between two ZMQ::Rust sockets: every socket type, ephemeral ports,
//! LAST_ENDPOINT, reconnection, HWM back-pressure across the wire.

use bytes::Bytes;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, SNDMORE};

fn timed(ctx: &Context, ty: SocketType) -> Socket {
    let mut s = ctx.socket(ty).unwrap();
    s.set_int(id::RCVTIMEO, 5000).unwrap();
    s.set_int(id::SNDTIMEO, 5000).unwrap();
    s
}

fn ipc_path(tag: &str) -> String {
    format!("ipc:///tmp/zr-test-{}-{tag}.sock", std::process::id())
}

fn endpoints(tag: &str) -> Vec<String> {
    vec!["tcp://127.0.0.1:*".to_string(), ipc_path(tag)]
}

fn bind(s: &mut Socket, ep: &str) -> String {
    s.bind(ep).unwrap();
    s.last_endpoint().to_string()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[test]
fn push_pull_both_transports() {
    for ep in endpoints("pushpull") {
        let ctx = Context::new();
        let mut pull = timed(&ctx, SocketType::Pull);
        let real = bind(&mut pull, &ep);
        if ep.starts_with("tcp") {
            assert!(
                real.starts_with("tcp://127.0.0.1:") && !real.ends_with(":*"),
                "{real}"
            );
        }
        let mut push = timed(&ctx, SocketType::Push);
        push.connect(&real).unwrap();
        for i in 0..1000 {
            push.send(b(&format!("m{i}")), 0).unwrap();
        }
        for i in 0..1000 {
            assert_eq!(pull.recv(0).unwrap().data, b(&format!("m{i}")));
        }
    }
}

#[test]
fn req_rep_and_multipart() {
    for ep in endpoints("reqrep") {
        let ctx = Context::new();
        let mut rep = timed(&ctx, SocketType::Rep);
        let real = bind(&mut rep, &ep);
        let mut req = timed(&ctx, SocketType::Req);
        req.connect(&real).unwrap();
        for i in 0..50 {
            req.send_parts(vec![b("hello"), b(&i.to_string())], 0)
                .unwrap();
            assert_eq!(
                rep.recv_parts(0).unwrap(),
                vec![b("hello"), b(&i.to_string())]
            );
            rep.send(b("world"), 0).unwrap();
            assert_eq!(req.recv(0).unwrap().data, b("world"));
        }
    }
}

#[test]
fn router_dealer_identities() {
    let ctx = Context::new();
    let mut router = timed(&ctx, SocketType::Router);
    let real = bind(&mut router, "tcp://127.0.0.1:*");
    let mut dealer = timed(&ctx, SocketType::Dealer);
    dealer.set_option(id::ROUTING_ID, b"D1").unwrap();
    dealer.connect(&real).unwrap();
    let mut anon = timed(&ctx, SocketType::Dealer);
    anon.connect(&real).unwrap();
    dealer.send(b("from D1"), 0).unwrap();
    assert_eq!(router.recv_parts(0).unwrap(), vec![b("D1"), b("from D1")]);
    anon.send(b("from anon"), 0).unwrap();
    let m = router.recv_parts(0).unwrap();
    assert_eq!(m[0].len(), 5);
    assert_eq!(m[0][0], 0);
    router.send_parts(vec![b("D1"), b("reply")], 0).unwrap();
    assert_eq!(dealer.recv(0).unwrap().data, b("reply"));
    router
        .send_parts(vec![m[0].clone(), b("to anon")], 0)
        .unwrap();
    assert_eq!(anon.recv(0).unwrap().data, b("to anon"));
}

#[test]
fn pub_sub_filters_over_tcp() {
    let ctx = Context::new();
    let mut publ = timed(&ctx, SocketType::Pub);
    let real = bind(&mut publ, "tcp://127.0.0.1:*");
    let mut sub = timed(&ctx, SocketType::Sub);
    sub.set_option(id::SUBSCRIBE, b"a").unwrap();
    sub.connect(&real).unwrap();
    // The subscription travels asynchronously: publish until it is in effect.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        publ.send(b("a-first"), 0).unwrap();
        std::thread::sleep(Duration::from_millis(10));
        if sub.recv(zmq_rust_core::DONTWAIT).is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "subscription never reached the publisher"
        );
    }
    while sub.recv(zmq_rust_core::DONTWAIT).is_ok() {}
    publ.send(b("b-skip"), 0).unwrap();
    publ.send(b("a-second"), SNDMORE).unwrap();
    publ.send(b("tail"), 0).unwrap();
    assert_eq!(sub.recv_parts(0).unwrap(), vec![b("a-second"), b("tail")]);
}

#[test]
fn pair_and_large_messages() {
    let ctx = Context::new();
    let mut a = timed(&ctx, SocketType::Pair);
    let real = bind(&mut a, &ipc_path("pair"));
    let mut c = timed(&ctx, SocketType::Pair);
    c.connect(&real).unwrap();
    let big = Bytes::from(vec![7u8; 1 << 20]);
    let long = Bytes::from(vec![b'x'; 300]);
    c.send_parts(vec![long.clone(), big.clone()], 0).unwrap();
    assert_eq!(a.recv_parts(0).unwrap(), vec![long, big]);
    a.send(b("back"), 0).unwrap();
    assert_eq!(c.recv(0).unwrap().data, b("back"));
}

#[test]
fn messages_queue_before_the_peer_binds_and_after_it_restarts() {
    let ctx = Context::new();
    // Find a free port, then connect before anything listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let ep = format!("tcp://127.0.0.1:{port}");
    let mut push = timed(&ctx, SocketType::Push);
    push.connect(&ep).unwrap();
    push.send(b("early"), 0).unwrap();
    let mut pull = timed(&ctx, SocketType::Pull);
    pull.bind(&ep).unwrap();
    assert_eq!(pull.recv(0).unwrap().data, b("early"));
    // The peer goes away and comes back on the same port: the connecter reconnects.
    pull.close();
    drop(pull);
    let mut pull2 = timed(&ctx, SocketType::Pull);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pull2.bind(&ep).is_err() {
        assert!(Instant::now() < deadline, "port never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
    push.send(b("after restart"), 0).unwrap();
    assert_eq!(pull2.recv(0).unwrap().data, b("after restart"));
}

#[test]
fn incompatible_peer_is_refused() {
    let ctx = Context::new();
    let mut pull = timed(&ctx, SocketType::Pull);
    pull.set_int(id::RCVTIMEO, 300).unwrap();
    let real = bind(&mut pull, "tcp://127.0.0.1:*");
    let mut publ = timed(&ctx, SocketType::Pub);
    publ.connect(&real).unwrap();
    for _ in 0..5 {
        publ.send(b("x"), 0).unwrap();
    }
    assert_eq!(pull.recv(0).unwrap_err(), Error::Again);
}

#[test]
fn bad_endpoints() {
    let ctx = Context::new();
    let mut s = ctx.socket(SocketType::Pull).unwrap();
    assert!(matches!(s.bind("tcp://127.0.0.1"), Err(Error::Invalid(_))));
    assert!(matches!(
        s.bind("tcp://127.0.0.1:notaport"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.connect("tcp://127.0.0.1:*"),
        Err(Error::Invalid(_))
    ));
    let real = bind(&mut s, "tcp://127.0.0.1:*");
    let mut t = ctx.socket(SocketType::Pull).unwrap();
    assert_eq!(t.bind(&real).unwrap_err(), Error::AddrInUse);
    assert_eq!(s.unbind("tcp://127.0.0.1:1").unwrap_err(), Error::NotFound);
    s.unbind(&real).unwrap();
    t.bind(&real).unwrap();
}

#[test]
fn hwm_back_pressure_over_tcp() {
    let ctx = Context::new();
    let mut pull = timed(&ctx, SocketType::Pull);
    pull.set_int(id::RCVHWM, 10).unwrap();
    let real = bind(&mut pull, "tcp://127.0.0.1:*");
    let mut push = timed(&ctx, SocketType::Push);
    push.set_int(id::SNDHWM, 10).unwrap();
    push.set_int(id::SNDTIMEO, 200).unwrap();
    push.connect(&real).unwrap();
    let body = Bytes::from(vec![1u8; 64 * 1024]);
    let mut sent = 0;
    while push.send(body.clone(), 0).is_ok() {
        sent += 1;
        assert!(sent < 100_000, "no back-pressure");
    }
    assert!(sent >= 20, "at least both HWMs fill: {sent}");
    for _ in 0..sent {
        assert_eq!(pull.recv(0).unwrap().data.len(), body.len());
    }
}

#[test]
fn stream_socket_talks_raw_tcp() {
    use std::io::{Read, Write};
    let ctx = Context::new();
    let mut stream = timed(&ctx, SocketType::Stream);
    let real = bind(&mut stream, "tcp://127.0.0.1:*");
    let addr = real.trim_start_matches("tcp://").to_string();
    let mut client = std::net::TcpStream::connect(&addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // Connect notice: [id, ""].
    let notice = stream.recv_parts(0).unwrap();
    assert_eq!(notice.len(), 2);
    assert_eq!(notice[0].len(), 5);
    assert!(notice[1].is_empty());
    let id = notice[0].clone();
    client.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut got = Vec::new();
    while got.len() < 18 {
        let m = stream.recv_parts(0).unwrap();
        assert_eq!(m[0], id);
        got.extend_from_slice(&m[1]);
    }
    assert_eq!(&got[..], b"GET / HTTP/1.0\r\n\r\n");
    stream
        .send_parts(vec![id.clone(), b("HTTP/1.0 200 OK\r\n\r\nhi")], 0)
        .unwrap();
    // An empty message closes the connection.
    stream
        .send_parts(vec![id.clone(), Bytes::new()], 0)
        .unwrap();
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).unwrap();
    assert_eq!(&reply[..], b"HTTP/1.0 200 OK\r\n\r\nhi");
    // Unknown peers are reported.
    assert_eq!(
        stream.send_parts(vec![b("nobody"), b("x")], 0).unwrap_err(),
        Error::HostUnreachable
    );
}

#[test]
fn stream_socket_connects_out() {
    use std::io::{Read, Write};
    let ctx = Context::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut stream = timed(&ctx, SocketType::Stream);
    stream.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let notice = stream.recv_parts(0).unwrap();
    assert!(notice[1].is_empty());
    stream
        .send_parts(vec![notice[0].clone(), b("ping")], 0)
        .unwrap();
    let mut buf = [0u8; 4];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    peer.write_all(b"pong").unwrap();
    let m = stream.recv_parts(0).unwrap();
    assert_eq!(m, vec![notice[0].clone(), b("pong")]);
    drop(peer);
    // Disconnect notice.
    let m = stream.recv_parts(0).unwrap();
    assert_eq!(m, vec![notice[0].clone(), Bytes::new()]);
}
