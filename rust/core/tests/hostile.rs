//! A raw TCP client speaking (and breaking) ZMTP by hand against a bound ZMQ::Rust socket:
//! malformed input closes that connection only, lengths are bounded, deadlines hold, and
//! the socket keeps serving well-behaved peers.

use bytes::Bytes;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType};

const GREETING: [u8; 64] = {
    let mut g = [0u8; 64];
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    g[12] = b'N';
    g[13] = b'U';
    g[14] = b'L';
    g[15] = b'L';
    g
};

fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = vec![5u8];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    let mut f = vec![0x04, body.len() as u8];
    f.extend_from_slice(&body);
    f
}

fn pull(ctx: &Context) -> (Socket, String) {
    let mut s = ctx.socket(SocketType::Pull).unwrap();
    s.set_int(id::RCVTIMEO, 3000).unwrap();
    s.bind("tcp://127.0.0.1:*").unwrap();
    let ep = s.last_endpoint().trim_start_matches("tcp://").to_string();
    (s, ep)
}

fn client(addr: &str) -> TcpStream {
    let c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c
}

/// Reads until the server closes the connection; returns how long that took.
fn wait_closed(c: &mut TcpStream) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match c.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("connection not closed: {e}"),
        }
    }
}

/// A well-behaved PUSH still gets through after the abuse.
fn still_serves(ctx: &Context, s: &mut Socket, ep: &str) {
    let mut push = ctx.socket(SocketType::Push).unwrap();
    push.connect(&format!("tcp://{ep}")).unwrap();
    push.send(Bytes::from_static(b"fine"), 0).unwrap();
    assert_eq!(&s.recv(0).unwrap().data[..], b"fine");
}

/// Completes the handshake as a PUSH peer.
fn handshake(c: &mut TcpStream) {
    c.write_all(&GREETING).unwrap();
    c.write_all(&ready("PUSH")).unwrap();
    let mut g = [0u8; 64];
    c.read_exact(&mut g).unwrap();
    assert_eq!(g[0], 0xff);
}

#[test]
fn garbage_instead_of_a_greeting() {
    let ctx = Context::new();
    let (mut s, ep) = pull(&ctx);
    let mut c = client(&ep);
    c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(wait_closed(&mut c) < Duration::from_secs(2));
    still_serves(&ctx, &mut s, &ep);
}

#[test]
fn zmtp_2_peer_is_refused() {
    let ctx = Context::new();
    let (mut s, ep) = pull(&ctx);
    let mut c = client(&ep);
    let mut g = GREETING;
    g[10] = 1; // ZMTP 2.0 revision
    c.write_all(&g[..11]).unwrap();
    assert!(wait_closed(&mut c) < Duration::from_secs(2));
    still_serves(&ctx, &mut s, &ep);
}

#[test]
fn huge_declared_frame_does_not_allocate_it() {
    let ctx = Context::new();
    let (mut s, ep) = pull(&ctx);
    let mut c = client(&ep);
    handshake(&mut c);
    // LONG frame claiming 2^62 bytes, then a little data and a hang-up.
    let mut f = vec![0x02];
    f.extend_from_slice(&(1u64 << 62).to_be_bytes());
    f.extend_from_slice(b"abc");
    c.write_all(&f).unwrap();
    drop(c);
    assert_eq!(s.recv(zmq_rust_core::DONTWAIT).unwrap_err(), Error::Again);
    still_serves(&ctx, &mut s, &ep);
}

#[test]
fn maxmsgsize_drops_the_connection() {
    let ctx = Context::new();
    let mut s = ctx.socket(SocketType::Pull).unwrap();
    s.set_int(id::RCVTIMEO, 3000).unwrap();
    s.set_option(id::MAXMSGSIZE, &100i64.to_ne_bytes()).unwrap();
    s.bind("tcp://127.0.0.1:*").unwrap();
    let ep = s.last_endpoint().trim_start_matches("tcp://").to_string();
    let mut c = client(&ep);
    handshake(&mut c);
    let mut f = vec![0x00, 50];
    f.extend_from_slice(&[b'a'; 50]);
    f.extend_from_slice(&[0x00, 200]);
    f.extend_from_slice(&[b'b'; 200]);
    c.write_all(&f).unwrap();
    assert_eq!(s.recv(0).unwrap().data.len(), 50);
    assert!(wait_closed(&mut c) < Duration::from_secs(2));
}

#[test]
fn handshake_deadline() {
    let ctx = Context::new();
    let mut s = ctx.socket(SocketType::Pull).unwrap();
    s.set_int(id::HANDSHAKE_IVL, 200).unwrap();
    s.bind("tcp://127.0.0.1:*").unwrap();
    let ep = s.last_endpoint().trim_start_matches("tcp://").to_string();
    let mut c = client(&ep);
    c.write_all(&GREETING[..20]).unwrap(); // and then nothing
    let took = wait_closed(&mut c);
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn incompatible_socket_type_closes_without_error_command() {
    let ctx = Context::new();
    let (_s, ep) = pull(&ctx);
    let mut c = client(&ep);
    c.write_all(&GREETING).unwrap();
    c.write_all(&ready("SUB")).unwrap();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    // Our greeting and READY, and no ERROR command.
    assert!(got.len() >= 64);
    assert!(!got.windows(5).any(|w| w == b"ERROR"));
}

#[test]
fn ping_between_frames_and_unknown_commands() {
    let ctx = Context::new();
    let (mut s, ep) = pull(&ctx);
    let mut c = client(&ep);
    handshake(&mut c);
    let mut f = vec![0x01, 1, b'a']; // first frame, MORE
    f.extend_from_slice(&[0x04, 7, 4, b'P', b'I', b'N', b'G', 0, 20]); // PING ttl 2 s
    f.extend_from_slice(&[0x04, 6, 5, b'H', b'E', b'L', b'L', b'O']); // unknown command
    f.extend_from_slice(&[0x00, 1, b'b']); // last frame
    c.write_all(&f).unwrap();
    assert_eq!(
        s.recv_parts(0).unwrap(),
        vec![Bytes::from_static(b"a"), Bytes::from_static(b"b")]
    );
    // The PONG comes back after our READY.
    let mut buf = vec![0u8; 256];
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(3);
    while !seen.windows(4).any(|w| w == b"PONG") {
        assert!(Instant::now() < deadline, "no PONG");
        let n = c.read(&mut buf).unwrap();
        seen.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn peer_gone_mid_multipart_delivers_nothing() {
    let ctx = Context::new();
    let (mut s, ep) = pull(&ctx);
    let mut c = client(&ep);
    handshake(&mut c);
    c.write_all(&[0x01, 1, b'a', 0x01, 1, b'b']).unwrap();
    drop(c);
    s.set_int(id::RCVTIMEO, 300).unwrap();
    assert_eq!(s.recv(0).unwrap_err(), Error::Again);
    s.set_int(id::RCVTIMEO, 3000).unwrap();
    still_serves(&ctx, &mut s, &ep);
}

#[test]
fn random_bytes_never_hurt() {
    let ctx = Context::new();
    let (mut s, ep) = pull(&ctx);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..40 {
        let mut c = client(&ep);
        if round % 2 == 0 {
            handshake(&mut c);
        }
        let len = 1 + (round * 37) % 300;
        let junk: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let _ = c.write_all(&junk);
    }
    // Junk that happens to be well-formed frames is delivered like any message; what
    // matters is that nothing broke: the good peer's message arrives.
    let mut push = ctx.socket(SocketType::Push).unwrap();
    push.connect(&format!("tcp://{ep}")).unwrap();
    push.send(Bytes::from_static(b"fine"), 0).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while &s.recv(0).unwrap().data[..] != b"fine" {
        assert!(Instant::now() < deadline);
    }
}
