//! Byte-level replays of handshakes and traffic captured from libzmq 4.3.4
//! (/work/shared/zmtp-and-semantics.md sections 1.5, 1.6, 1.8, 1.9), plus robustness checks.

use super::codec::{self, Decoder, Event};
use super::command::{self, Command};
use super::frame;
use super::greeting::{self, GREETING_LEN};
use super::ProtocolError;
use crate::msg::Frame;
use bytes::{Bytes, BytesMut};

/// Parses a hex dump with optional quoted ASCII: `04 0d 09 "SUBSCRIBE" 61`.
fn hex(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return out;
        }
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').expect("closing quote");
            out.extend_from_slice(&q.as_bytes()[..end]);
            rest = &q[end + 1..];
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(u8::from_str_radix(&rest[..end], 16).expect("hex byte"));
            rest = &rest[end..];
        }
    }
}

/// Every event in `wire`, fed in one piece.
fn decode_all(wire: &[u8]) -> Vec<Event> {
    let mut d = Decoder::new(-1);
    d.read_buf().extend_from_slice(wire);
    let mut events = Vec::new();
    while let Some(e) = d.next().expect("valid input") {
        events.push(e);
    }
    assert_eq!(d.buffered(), 0);
    events
}

/// `body` as a command frame.
fn command_frame(body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    frame::frame_header(&mut out, body.len(), false, true);
    out.extend_from_slice(body);
    out.to_vec()
}

fn ready_props(event: &Event) -> Vec<(Bytes, Bytes)> {
    match event {
        Event::Command(Command::Ready(p)) => p.clone(),
        other => panic!("not READY: {other:?}"),
    }
}

fn prop<'a>(props: &'a [(Bytes, Bytes)], name: &str) -> Option<&'a [u8]> {
    command::property(props, name).map(|v| &v[..])
}

const DEALER_READY: &str = r#"04 29 05 "READY" 0b "Socket-Type" 00 00 00 06 "DEALER"
    08 "Identity" 00 00 00 00"#;
const ROUTER_READY: &str = r#"04 29 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65
    00 00 00 06 52 4f 55 54 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 00"#;

// (1)
#[test]
fn our_greeting() {
    let mut want = hex("ff 00 00 00 00 00 00 00 01 7f 03 01 4e 55 4c 4c");
    want.resize(64, 0);
    assert_eq!(&greeting::encode(greeting::NULL, false)[..], &want[..]);
}

// (2)
#[test]
fn dealer_router_handshake() {
    // The ROUTER's view: the DEALER's greeting in fragments of 10, 1 and 53 bytes, the last
    // one followed in the same segment by its READY.
    let mut stream = hex("ff 00 00 00 00 00 00 00 01 7f");
    stream.extend(hex("03"));
    stream.extend(hex(r#"01 "NULL""#));
    stream.resize(GREETING_LEN, 0);
    stream.extend(hex(DEALER_READY));
    let mut received = Vec::new();
    for (i, end) in [10, 11, GREETING_LEN].into_iter().enumerate() {
        received.extend_from_slice(&stream[received.len()..end]);
        let r = greeting::check(&received).unwrap();
        assert_eq!(r.is_some(), i == 2, "after {end} bytes");
    }
    received.extend_from_slice(&stream[GREETING_LEN..]);
    let g = greeting::check(&received).unwrap().unwrap();
    assert_eq!((g.major, g.minor, g.as_server), (3, 1, false));
    assert!(g.mechanism_is(greeting::NULL));
    assert!(g.is_v31());

    // Same through the decoder, fragment by fragment.
    let mut d = Decoder::new(-1);
    for piece in [&stream[..10], &stream[10..11], &stream[11..]] {
        d.read_buf().extend_from_slice(piece);
        if d.take_greeting().unwrap().is_some() {
            break;
        }
    }
    let ev = d.next().unwrap().unwrap();
    let props = ready_props(&ev);
    assert_eq!(props.len(), 2);
    assert_eq!(&props[0].0[..], b"Socket-Type");
    assert_eq!(prop(&props, "Socket-Type"), Some(&b"DEALER"[..]));
    assert_eq!(prop(&props, "Identity"), Some(&b""[..]));
    assert_eq!(d.next(), Ok(None));

    // What we would send as DEALER and as ROUTER.
    assert_eq!(
        command_frame(&command::ready("DEALER", Some(b""))),
        hex(DEALER_READY)
    );
    assert_eq!(
        command_frame(&command::ready("ROUTER", Some(b""))),
        hex(ROUTER_READY)
    );
    let props = ready_props(&decode_all(&hex(ROUTER_READY))[0]);
    assert_eq!(prop(&props, "socket-type"), Some(&b"ROUTER"[..]));
    assert_eq!(prop(&props, "IDENTITY"), Some(&b""[..]));
}

#[test]
fn req_rep_handshake() {
    // REQ with identity "ID1": libzmq's padding is id_len+1 = 4; it is not validated.
    let mut g = hex(r#"ff 00 00 00 00 00 00 00 04 7f 03 01 "NULL""#);
    g.resize(GREETING_LEN, 0);
    assert!(greeting::check(&g).unwrap().unwrap().mechanism_is(b"NULL"));

    let req_ready = hex(
        r#"04 29 05 "READY" 0b "Socket-Type" 00 00 00 03 "REQ" 08 "Identity" 00 00 00 03 "ID1""#,
    );
    assert_eq!(
        command_frame(&command::ready("REQ", Some(b"ID1"))),
        req_ready
    );
    let props = ready_props(&decode_all(&req_ready)[0]);
    assert_eq!(prop(&props, "Identity"), Some(&b"ID1"[..]));

    let rep_ready = hex(r#"04 19 05 "READY" 0b "Socket-Type" 00 00 00 03 "REP""#);
    assert_eq!(command_frame(&command::ready("REP", None)), rep_ready);
    let props = ready_props(&decode_all(&rep_ready)[0]);
    assert_eq!(props.len(), 1);
    assert_eq!(prop(&props, "Identity"), None);

    // The request: empty delimiter with MORE, then "hi".
    let request = hex("01 00 00 02 68 69");
    assert_eq!(
        decode_all(&request),
        vec![
            Event::Frame(Frame::empty(true)),
            Event::Frame(Frame::copy_from(b"hi", false))
        ]
    );
    let mut out = BytesMut::new();
    frame::encode_frame(&mut out, b"", true, false);
    frame::encode_frame(&mut out, b"hi", false, false);
    assert_eq!(&out[..], &request[..]);
}

// (3)
#[test]
fn data_frames() {
    let hello = hex(r#"00 05 "hello""#);
    assert_eq!(
        decode_all(&hello),
        vec![Event::Frame(Frame::copy_from(b"hello", false))]
    );
    let mut out = BytesMut::new();
    frame::encode_frame(&mut out, b"hello", false, false);
    assert_eq!(&out[..], &hello[..]);
    assert_eq!(hex(r#"00 05 77 6f 72 6c 64"#), hex(r#"00 05 "world""#));

    let mut multipart = hex("01 01 61  02 00 00 00 00 00 00 01 2c");
    multipart.extend_from_slice(&[b'b'; 300]);
    assert_eq!(
        decode_all(&multipart),
        vec![
            Event::Frame(Frame::copy_from(b"a", true)),
            Event::Frame(Frame::copy_from(&[b'b'; 300], false))
        ]
    );
    let mut out = BytesMut::new();
    frame::encode_frame(&mut out, b"a", true, false);
    frame::encode_frame(&mut out, &[b'b'; 300], false, false);
    assert_eq!(&out[..], &multipart[..]);

    let publication = hex(r#"00 06 "abcdef""#);
    let mut out = BytesMut::new();
    frame::encode_frame(&mut out, b"abcdef", false, false);
    assert_eq!(&out[..], &publication[..]);
}

// (4)
#[test]
fn subscriptions() {
    let cases: [(bool, &[u8], bool, &str); 5] = [
        (true, b"abc", true, r#"04 0d 09 "SUBSCRIBE" 61 62 63"#),
        (true, b"", true, r#"04 0a 09 "SUBSCRIBE""#),
        (false, b"abc", true, r#"04 0a 06 "CANCEL" 61 62 63"#),
        (true, b"abc", false, "00 04 01 61 62 63"),
        (false, b"abc", false, "00 04 00 61 62 63"),
    ];
    for (sub, topic, v31, wire) in cases {
        let mut out = BytesMut::new();
        frame::encode_subscription(&mut out, sub, topic, v31);
        assert_eq!(&out[..], &hex(wire)[..], "{wire}");
    }
    assert_eq!(
        command_frame(&crate::subscription::command(true, b"abc")),
        hex(cases[0].3)
    );
    assert_eq!(
        command_frame(&crate::subscription::command(false, b"abc")),
        hex(cases[2].3)
    );
    assert_eq!(
        decode_all(&hex(cases[0].3)),
        vec![Event::Command(Command::Subscribe(Bytes::from_static(
            b"abc"
        )))]
    );
    assert_eq!(
        decode_all(&hex(cases[2].3)),
        vec![Event::Command(Command::Cancel(Bytes::from_static(b"abc")))]
    );
    assert_eq!(
        decode_all(&hex(cases[3].3)),
        vec![Event::Frame(Frame::copy_from(b"\x01abc", false))]
    );

    // A 255-byte topic: 3.1 command body 265, 3.0 data body 256 -- both LONG.
    let topic = [b't'; 255];
    let mut out = BytesMut::new();
    frame::encode_subscription(&mut out, true, &topic, true);
    let mut want = hex(r#"06 00 00 00 00 00 00 01 09 09 "SUBSCRIBE""#);
    want.extend_from_slice(&topic);
    assert_eq!(&out[..], &want[..]);
    assert_eq!(
        decode_all(&out),
        vec![Event::Command(Command::Subscribe(Bytes::copy_from_slice(
            &topic
        )))]
    );
    let mut out = BytesMut::new();
    frame::encode_subscription(&mut out, true, &topic, false);
    let mut want = hex("02 00 00 00 00 00 00 01 00 01");
    want.extend_from_slice(&topic);
    assert_eq!(&out[..], &want[..]);
    let mut body = vec![1u8];
    body.extend_from_slice(&topic);
    assert_eq!(
        decode_all(&out),
        vec![Event::Frame(Frame::copy_from(&body, false))]
    );
    // 254 bytes still fit a short 3.0 frame.
    let mut out = BytesMut::new();
    frame::encode_subscription(&mut out, false, &topic[..254], false);
    assert_eq!(&out[..3], &hex("00 ff 00")[..]);
}

// (5)
#[test]
fn heartbeats() {
    let ping = hex(r#"04 07 04 "PING" 00 14"#);
    assert_eq!(hex(r#"04 07 04 50 49 4e 47 00 14"#), ping);
    assert_eq!(
        decode_all(&ping),
        vec![Event::Command(Command::Ping {
            ttl_ds: 20,
            context: Bytes::new()
        })]
    );
    assert_eq!(command_frame(&command::ping(20, b"")), ping);
    let pong = hex("04 05 04 50 4f 4e 47");
    assert_eq!(command_frame(&command::pong(b"")), pong);
    assert_eq!(
        decode_all(&pong),
        vec![Event::Command(Command::Pong(Bytes::new()))]
    );
}

// (6)
#[test]
fn ping_inside_a_multipart_message() {
    let mut wire = hex(r#"01 01 "a""#);
    wire.extend(hex(r#"04 07 04 "PING" 00 14"#));
    wire.extend(hex(r#"01 01 "b""#));
    wire.extend(hex(r#"04 05 04 "PONG""#));
    wire.extend(hex(r#"00 01 "c""#));
    let want = vec![
        Event::Frame(Frame::copy_from(b"a", true)),
        Event::Command(Command::Ping {
            ttl_ds: 20,
            context: Bytes::new(),
        }),
        Event::Frame(Frame::copy_from(b"b", true)),
        Event::Command(Command::Pong(Bytes::new())),
        Event::Frame(Frame::copy_from(b"c", false)),
    ];
    assert_eq!(decode_all(&wire), want);
    // and byte by byte
    let mut d = Decoder::new(-1);
    let mut got = Vec::new();
    for b in &wire {
        d.read_buf().extend_from_slice(&[*b]);
        while let Some(e) = d.next().unwrap() {
            got.push(e);
        }
    }
    assert_eq!(got, want);
}

// (7)
#[test]
fn huge_declared_frame_is_not_allocated() {
    let mut d = Decoder::new(-1);
    let wire = hex("02 80 00 00 00 00 00 00 00 61 62 63");
    d.read_buf().extend_from_slice(&wire);
    assert_eq!(d.next(), Ok(None));
    let cap = d.read_buf().capacity();
    assert!(
        cap <= 3 + codec::GROWTH_STEP + codec::IN_BATCH_SIZE,
        "capacity {cap}"
    );
    assert_eq!(d.buffered(), 3);
    // Also as a command: refused outright.
    let mut d = Decoder::new(-1);
    d.read_buf()
        .extend_from_slice(&hex("06 80 00 00 00 00 00 00 00"));
    assert!(matches!(d.next(), Err(ProtocolError::FrameTooLarge { .. })));
}

#[test]
fn frame_over_maxmsgsize() {
    let mut d = Decoder::new(4);
    d.read_buf().extend_from_slice(&hex(r#"00 05 "hello""#));
    assert_eq!(
        d.next(),
        Err(ProtocolError::FrameTooLarge { size: 5, max: 4 })
    );
    let mut d = Decoder::new(5);
    d.read_buf().extend_from_slice(&hex(r#"00 05 "hello""#));
    assert!(d.next().unwrap().is_some());
}

#[test]
fn old_protocols_are_refused() {
    // ZMTP 1.0: an identity frame, byte 0 is the length (here 5).
    assert_eq!(
        greeting::check(&hex(r#"05 00 "abcd""#)),
        Err(ProtocolError::BadSignature)
    );
    // ZMTP 1.0 from libzmq 2.x with a long identity: ff + u64 size, then flags 00 at byte 9.
    assert_eq!(
        greeting::check(&hex("ff 00 00 00 00 00 00 01 01 00")),
        Err(ProtocolError::BadSignature)
    );
    // ZMTP 2.0 (libzmq 3.x): revision 01, then its socket type.
    let v2 = hex("ff 00 00 00 00 00 00 00 01 7f 01 02 00 00");
    assert_eq!(greeting::check(&v2[..10]), Ok(None));
    assert_eq!(
        greeting::check(&v2),
        Err(ProtocolError::UnsupportedVersion(1))
    );
}

#[test]
fn malformed_ready() {
    let cases = [
        // property value length runs past the end
        r#"04 13 05 "READY" 0b "Socket-Type" 00 00 00 06 "DEA""#,
        // zero-length property name
        r#"04 0b 05 "READY" 00 00 00 00 00"#,
        // one trailing byte after a good property
        r#"04 1a 05 "READY" 0b "Socket-Type" 00 00 00 03 "REP" 01"#,
        // name runs past the end
        r#"04 09 05 "READY" 08 "Ide""#,
    ];
    for case in cases {
        let mut d = Decoder::new(-1);
        d.read_buf().extend_from_slice(&hex(case));
        let err = d.next().expect_err(case);
        assert!(
            matches!(
                err,
                ProtocolError::MalformedReady(_) | ProtocolError::InvalidMetadata(_)
            ),
            "{case}: {err:?}"
        );
    }
}

/// xorshift64*: a tiny deterministic generator for the fuzz loop.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn fuzz_no_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let prefixes: [&[u8]; 8] = [
        b"",
        b"\x04",
        b"\x06\x00\x00\x00\x00\x00\x00\x00",
        b"\x02\x7f\xff\xff\xff\xff\xff\xff\xff",
        b"\x00\x05hello\x01",
        b"\x04\x29\x05READY\x0bSocket-Type",
        b"\x04\x07\x04PING",
        b"\x04\x0a\x05ERROR",
    ];
    let bodies: [&[u8]; 6] = [
        b"",
        b"\x05READY",
        b"\x05READY\x0bSocket-Type\x00\x00\x00",
        b"\x05ERROR",
        b"\x04PING",
        b"\x09SUBSCRIBE",
    ];
    let mut events = 0usize;
    for i in 0..20_000 {
        let len = rng.below(160);
        let mut input = prefixes[i % prefixes.len()].to_vec();
        input.extend(rng.bytes(len));
        // Decoder, in random splits, with assorted limits.
        let max = [-1i64, 0, 3, 64, 1 << 20][rng.below(5)];
        let mut d = Decoder::new(max);
        let mut pos = 0;
        'feed: while pos < input.len() {
            let n = 1 + rng.below(input.len() - pos);
            d.read_buf().extend_from_slice(&input[pos..pos + n]);
            pos += n;
            loop {
                match d.next() {
                    Ok(Some(_)) => events += 1,
                    Ok(None) => break,
                    Err(_) => {
                        assert!(d.next().is_err());
                        break 'feed;
                    }
                }
            }
        }
        // Greeting checks on every prefix of a greeting-like buffer.
        let mut g = greeting::encode(greeting::NULL, false).to_vec();
        let cut = rng.below(g.len() + 1);
        g.truncate(cut);
        let extra = rng.below(80);
        g.extend(rng.bytes(extra));
        let _ = greeting::check(&g);
        let _ = greeting::check(&input);
        // Command bodies.
        let mut body = bodies[i % bodies.len()].to_vec();
        let extra = rng.below(40);
        body.extend(rng.bytes(extra));
        let _ = command::parse(Bytes::from(body));
        let _ = command::parse(Bytes::from(input));
    }
    assert!(events > 0);
}
