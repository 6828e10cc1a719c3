//! The ZMTP greeting in parts, both ways (issue 11, item 4: JeroMQ peers connecting to a bound
//! ZMQ::Rust socket).
//!
//! A raw TCP client plays the peer. JeroMQ sends its greeting in three pieces: the 10-byte
//! signature at once, its major version once it has read our signature, the rest once it has
//! read our major version; libzmq does the same. Every split of the peer's greeting must lead
//! to a working connection. Our own greeting goes out in two parts (signature and major version
//! first, the rest once the peer's arrived): a JeroMQ connection that its selector never
//! registered (zeromq/jeromq#1022) then still has its handshake pending, and its handshake timer
//! retries it, instead of waiting forever on a handshake it thinks is done.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Socket, SocketType};

/// A NULL greeting; `minor` 0 is what JeroMQ (ZMTP 3.0) announces.
fn greeting(minor: u8, mechanism: &[u8]) -> [u8; 64] {
    let mut g = [0u8; 64];
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = minor;
    g[12..12 + mechanism.len()].copy_from_slice(mechanism);
    g
}

/// A READY command as JeroMQ's DEALER sends it (Socket-Type and an empty Identity).
fn ready(socket_type: &str) -> Vec<u8> {
    let mut body = vec![5u8];
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    body.push(8);
    body.extend_from_slice(b"Identity");
    body.extend_from_slice(&0u32.to_be_bytes());
    let mut f = vec![0x04, body.len() as u8];
    f.extend_from_slice(&body);
    f
}

/// The READY a ZMQ::Rust DEALER with no identity sends.
fn our_ready() -> Vec<u8> {
    ready("DEALER")
}

/// Our greeting: signature, version 3.1, NULL, as-server 0.
fn our_greeting() -> [u8; 64] {
    greeting(1, b"NULL")
}

fn dealer(ctx: &Context) -> (Socket, String) {
    let mut s = ctx.socket(SocketType::Dealer).unwrap();
    s.set_int(id::RCVTIMEO, 3000).unwrap();
    s.set_int(id::SNDTIMEO, 3000).unwrap();
    s.bind("tcp://127.0.0.1:*").unwrap();
    let ep = s.last_endpoint().trim_start_matches("tcp://").to_string();
    (s, ep)
}

fn client(ep: &str) -> TcpStream {
    let c = TcpStream::connect(ep).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    c.set_nodelay(true).unwrap();
    c
}

fn read_n(c: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    c.read_exact(&mut v)
        .unwrap_or_else(|e| panic!("reading {n} bytes: {e}"));
    v
}

/// What arrives within `ms` milliseconds (nothing: empty).
fn read_for(c: &mut TcpStream, ms: u64) -> Vec<u8> {
    let until = Instant::now() + Duration::from_millis(ms);
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return got;
        }
        c.set_read_timeout(Some(left)).unwrap();
        match c.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return got
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// After the greetings and READYs: one message each way.
fn exchange(s: &mut Socket, c: &mut TcpStream, what: &str) {
    c.write_all(&[0, 4, b'p', b'i', b'n', b'g']).unwrap();
    let f = s
        .recv(0)
        .unwrap_or_else(|e| panic!("{what}: ZMQ::Rust got nothing from the peer: {e:?}"));
    assert_eq!(&f.data[..], b"ping", "{what}");
    s.send(bytes::Bytes::from_static(b"pong"), 0).unwrap();
    assert_eq!(read_n(c, 6), b"\x00\x04pong", "{what}");
}

/// How the peer cuts its greeting and READY into writes. Between two writes the peer may
/// wait for part of ours, as JeroMQ and libzmq do.
#[derive(Debug, Clone, Copy)]
enum Split {
    /// JeroMQ and libzmq: signature; (our signature read) major version; (our major version
    /// read) the rest; READY.
    Jeromq,
    /// Signature; (our first part read) the rest at once; READY.
    SignatureThenRest,
    /// Signature, then the rest without waiting for anything of ours.
    SignatureThenRestBlind,
    /// One byte per write, 1 ms apart; READY in two halves.
    ByteByByte,
    /// Greeting and READY in one write.
    AllAtOnce,
    /// The greeting cut inside the mechanism name, READY cut inside its property.
    OddCuts,
}

fn handshake(c: &mut TcpStream, split: Split) {
    let g = greeting(0, b"NULL");
    let ours = our_greeting();
    let r = ready("DEALER");
    match split {
        Split::Jeromq => {
            c.write_all(&g[..10]).unwrap();
            assert_eq!(read_n(c, 10), &ours[..10], "our signature");
            c.write_all(&g[10..11]).unwrap();
            assert_eq!(read_n(c, 1), &ours[10..11], "our major version");
            c.write_all(&g[11..]).unwrap();
            c.write_all(&r).unwrap();
        }
        Split::SignatureThenRest => {
            c.write_all(&g[..10]).unwrap();
            assert_eq!(read_n(c, 11), &ours[..11]);
            c.write_all(&g[10..]).unwrap();
            c.write_all(&r).unwrap();
        }
        Split::SignatureThenRestBlind => {
            c.write_all(&g[..10]).unwrap();
            std::thread::sleep(Duration::from_millis(5));
            c.write_all(&g[10..]).unwrap();
            c.write_all(&r).unwrap();
        }
        Split::ByteByByte => {
            for b in &g {
                c.write_all(std::slice::from_ref(b)).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
            let (a, b) = r.split_at(r.len() / 2);
            c.write_all(a).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            c.write_all(b).unwrap();
        }
        Split::AllAtOnce => {
            let mut all = g.to_vec();
            all.extend_from_slice(&r);
            c.write_all(&all).unwrap();
        }
        Split::OddCuts => {
            c.write_all(&g[..14]).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            c.write_all(&g[14..]).unwrap();
            c.write_all(&r[..20]).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            c.write_all(&r[20..]).unwrap();
        }
    }
    // Whatever the split, the peer ends up reading our whole greeting and READY.
    let already = match split {
        Split::Jeromq | Split::SignatureThenRest => 11,
        _ => 0,
    };
    let mut want = ours[already..].to_vec();
    want.extend_from_slice(&our_ready());
    assert_eq!(
        read_n(c, want.len()),
        want,
        "{split:?}: our greeting and READY"
    );
}

#[test]
fn peer_greeting_in_pieces() {
    let ctx = Context::new();
    for split in [
        Split::Jeromq,
        Split::SignatureThenRest,
        Split::SignatureThenRestBlind,
        Split::ByteByByte,
        Split::AllAtOnce,
        Split::OddCuts,
    ] {
        for round in 0..5 {
            let (mut s, ep) = dealer(&ctx);
            let mut c = client(&ep);
            handshake(&mut c, split);
            exchange(&mut s, &mut c, &format!("{split:?}, round {round}"));
            s.close();
        }
    }
}

/// The first 11 bytes go out at once; the rest only after the peer's signature and major
/// version arrived. Before that, a peer (JeroMQ whose connection its selector missed) cannot
/// have read a whole greeting from us.
#[test]
fn second_part_waits_for_the_peers_signature_and_version() {
    let ctx = Context::new();
    let (mut s, ep) = dealer(&ctx);
    let mut c = client(&ep);
    let ours = our_greeting();
    assert_eq!(
        read_for(&mut c, 300),
        &ours[..11],
        "before the peer sent anything: our signature and major version only"
    );
    let g = greeting(0, b"NULL");
    c.write_all(&g[..10]).unwrap();
    assert_eq!(
        read_for(&mut c, 200),
        b"",
        "after the peer's signature alone: nothing more yet"
    );
    c.write_all(&g[10..11]).unwrap();
    let mut want = ours[11..].to_vec();
    want.extend_from_slice(&our_ready());
    c.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(
        read_n(&mut c, want.len()),
        want,
        "after its major version: the rest of our greeting and READY"
    );
    c.write_all(&g[11..]).unwrap();
    c.write_all(&ready("DEALER")).unwrap();
    exchange(&mut s, &mut c, "two-part greeting");
}

/// A refused handshake still shows the peer our whole greeting and READY (RFC 23: a peer that
/// read a full greeting sends its full greeting), then closes.
#[test]
fn refused_peer_still_gets_our_whole_greeting() {
    let ctx = Context::new();
    for (what, g, r) in [
        ("mechanism mismatch", greeting(0, b"PLAIN"), Vec::new()),
        (
            "incompatible socket type",
            greeting(0, b"NULL"),
            ready("PUB"),
        ),
    ] {
        let (_s, ep) = dealer(&ctx);
        let mut c = client(&ep);
        let mut all = g.to_vec();
        all.extend_from_slice(&r);
        c.write_all(&all).unwrap();
        let mut got = Vec::new();
        let _ = c.read_to_end(&mut got);
        assert!(got.len() >= 64, "{what}: got {} bytes", got.len());
        assert_eq!(&got[..64], &our_greeting()[..], "{what}");
        if !r.is_empty() {
            assert_eq!(
                &got[64..],
                &our_ready()[..],
                "{what}: our READY, and no ERROR"
            );
        }
    }
}
