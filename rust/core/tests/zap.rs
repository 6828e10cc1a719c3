//! ZAP (RFC 27) between sockets of this engine: a REP handler bound at
//! `inproc://zeromq.zap.01` in a thread, and PLAIN or NULL servers over tcp that ask it, as
//! libzmq 4.3 does (security.md §4).

use bytes::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use zmq_rust_core::monitor::event;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT};

/// What the handler answers to a request (its frames after the delimiter): the reply frames,
/// or None to never answer.
type Decide = Box<dyn Fn(&[Bytes]) -> Option<Vec<&'static [u8]>> + Send>;

/// A ZAP handler running in its own thread; the requests it saw come out of `seen`.
struct Handler {
    stop: Arc<AtomicBool>,
    seen: mpsc::Receiver<Vec<Bytes>>,
    thread: Option<JoinHandle<()>>,
}

impl Handler {
    fn start(ctx: &Context, decide: Decide) -> Handler {
        let mut rep = ctx.socket(SocketType::Rep).unwrap();
        rep.set_int(id::RCVTIMEO, 20).unwrap();
        rep.set_int(id::LINGER, 0).unwrap();
        rep.bind("inproc://zeromq.zap.01").unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, seen) = mpsc::channel();
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let Ok(request) = rep.recv_parts(0) else {
                    continue;
                };
                let reply = decide(&request);
                let _ = tx.send(request);
                if let Some(frames) = reply {
                    let frames: Vec<Bytes> = frames.into_iter().map(Bytes::from_static).collect();
                    rep.send_parts(frames, 0).unwrap();
                }
            }
            rep.close();
        });
        Handler {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// A handler answering `status` to every request.
    fn answering(ctx: &Context, status: &'static [u8]) -> Handler {
        Handler::start(
            ctx,
            Box::new(move |_| Some(vec![b"1.0", b"1", status, b"text", b"user", b""])),
        )
    }

    /// The next request it saw, within 3 s.
    fn request(&self) -> Vec<Bytes> {
        self.seen
            .recv_timeout(Duration::from_secs(3))
            .expect("a ZAP request")
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn watcher(ctx: &Context, s: &mut Socket, ep: &str) -> Socket {
    s.monitor(Some(ep), event::ALL as i32).unwrap();
    let mut m = ctx.socket(SocketType::Pair).unwrap();
    m.set_int(id::RCVTIMEO, 3000).unwrap();
    m.connect(ep).unwrap();
    m
}

/// (event, value) of the next event, None after the monitor's RCVTIMEO.
fn next(m: &mut Socket) -> Option<(u16, u32)> {
    let parts = m.recv_parts(0).ok()?;
    let ev = u16::from_ne_bytes([parts[0][0], parts[0][1]]);
    let val = u32::from_ne_bytes([parts[0][2], parts[0][3], parts[0][4], parts[0][5]]);
    Some((ev, val))
}

/// Waits for `want` on a monitor; returns its value. Panics on HANDSHAKE_SUCCEEDED unless
/// that is what is wanted.
fn wait_for(m: &mut Socket, want: u16) -> u32 {
    while let Some((ev, v)) = next(m) {
        if ev == want {
            return v;
        }
        assert_ne!(ev, event::HANDSHAKE_SUCCEEDED, "waiting for {want:#x}");
    }
    panic!("no event {want:#x}");
}

fn server(ctx: &Context, plain: bool) -> Socket {
    let mut s = ctx.socket(SocketType::Pull).unwrap();
    if plain {
        s.set_int(id::PLAIN_SERVER, 1).unwrap();
    }
    s.set_int(id::LINGER, 0).unwrap();
    s.set_int(id::RCVTIMEO, 3000).unwrap();
    s
}

fn client(ctx: &Context, user: &[u8], pass: &[u8]) -> Socket {
    let mut s = ctx.socket(SocketType::Push).unwrap();
    if !user.is_empty() {
        s.set_option(id::PLAIN_USERNAME, user).unwrap();
        s.set_option(id::PLAIN_PASSWORD, pass).unwrap();
    }
    s.set_int(id::LINGER, 0).unwrap();
    s.set_int(id::RECONNECT_IVL, 50).unwrap();
    s
}

fn frames(v: &[Bytes]) -> Vec<&[u8]> {
    v.iter().map(|b| &b[..]).collect()
}

/// Nothing arrives on `s` for a while.
fn nothing_arrives(s: &mut Socket, what: &str) {
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        assert_eq!(s.recv(DONTWAIT).err(), Some(Error::Again), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn plain_accepted_by_the_handler() {
    let ctx = Context::new();
    let zap = Handler::start(
        &ctx,
        Box::new(|req| {
            let ok = req.len() == 8 && req[6] == "admin" && req[7] == "secret";
            let status: &'static [u8] = if ok { b"200" } else { b"400" };
            Some(vec![b"1.0", b"1", status, b"OK", b"admin", b""])
        }),
    );
    let mut srv = server(&ctx, true);
    srv.set_option(id::ZAP_DOMAIN, b"global").unwrap();
    srv.set_option(id::ROUTING_ID, b"SRV").unwrap();
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"admin", b"secret");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("hello".into(), 0).unwrap();
    assert_eq!(&srv.recv(0).unwrap().data[..], b"hello");
    let want: Vec<&[u8]> = vec![
        b"1.0",
        b"1",
        b"global",
        b"127.0.0.1",
        b"SRV",
        b"PLAIN",
        b"admin",
        b"secret",
    ];
    assert_eq!(frames(&zap.request()), want);
}

#[test]
fn plain_refused_with_400() {
    let ctx = Context::new();
    let zap = Handler::answering(&ctx, b"400");
    let mut srv = server(&ctx, true);
    let mut sm = watcher(&ctx, &mut srv, "inproc://zap-400-server");
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"admin", b"wrong");
    let mut cm = watcher(&ctx, &mut cli, "inproc://zap-400-client");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("never delivered".into(), DONTWAIT).unwrap();
    assert_eq!(wait_for(&mut sm, event::HANDSHAKE_FAILED_AUTH), 400);
    assert_eq!(wait_for(&mut cm, event::HANDSHAKE_FAILED_AUTH), 400);
    let req = zap.request();
    assert_eq!(frames(&req[5..]), vec![&b"PLAIN"[..], b"admin", b"wrong"]);
    assert_eq!(&req[2][..], b"", "no ZAP_DOMAIN: empty domain");
    nothing_arrives(&mut srv, "no message through a refused handshake");
    // The client does not reconnect: no second request.
    assert!(zap.seen.recv_timeout(Duration::from_millis(300)).is_err());
}

#[test]
fn status_300_closes_and_the_client_retries() {
    let ctx = Context::new();
    let zap = Handler::answering(&ctx, b"300");
    let mut srv = server(&ctx, true);
    let mut sm = watcher(&ctx, &mut srv, "inproc://zap-300-server");
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"admin", b"secret");
    cli.connect(srv.last_endpoint()).unwrap();
    assert_eq!(wait_for(&mut sm, event::HANDSHAKE_FAILED_AUTH), 300);
    wait_for(&mut sm, event::DISCONNECTED);
    zap.request();
    zap.request();
    nothing_arrives(&mut srv, "no message after 300");
}

#[test]
fn null_asks_only_with_a_domain() {
    let ctx = Context::new();
    let zap = Handler::answering(&ctx, b"200");
    // No domain: no request, messages pass.
    let mut srv = server(&ctx, false);
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"", b"");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("plain null".into(), 0).unwrap();
    assert_eq!(&srv.recv(0).unwrap().data[..], b"plain null");
    assert!(zap.seen.recv_timeout(Duration::from_millis(200)).is_err());
    // A domain: one request with mechanism NULL and no credentials.
    let mut srv = server(&ctx, false);
    srv.set_option(id::ZAP_DOMAIN, b"d").unwrap();
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"", b"");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("checked".into(), 0).unwrap();
    assert_eq!(&srv.recv(0).unwrap().data[..], b"checked");
    let want: Vec<&[u8]> = vec![b"1.0", b"1", b"d", b"127.0.0.1", b"", b"NULL"];
    assert_eq!(frames(&zap.request()), want);
}

#[test]
fn null_refused_with_400() {
    let ctx = Context::new();
    let _zap = Handler::answering(&ctx, b"400");
    let mut srv = server(&ctx, false);
    srv.set_option(id::ZAP_DOMAIN, b"d").unwrap();
    let mut sm = watcher(&ctx, &mut srv, "inproc://zap-null-400");
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"", b"");
    let mut cm = watcher(&ctx, &mut cli, "inproc://zap-null-400-client");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("never delivered".into(), DONTWAIT).unwrap();
    assert_eq!(wait_for(&mut sm, event::HANDSHAKE_FAILED_AUTH), 400);
    assert_eq!(wait_for(&mut cm, event::HANDSHAKE_FAILED_AUTH), 400);
    nothing_arrives(&mut srv, "no message through a refused NULL handshake");
}

#[test]
fn enforced_domain_without_handler_fails() {
    let ctx = Context::new();
    let mut srv = server(&ctx, false);
    srv.set_option(id::ZAP_DOMAIN, b"d").unwrap();
    srv.set_int(id::ZAP_ENFORCE_DOMAIN, 1).unwrap();
    let mut sm = watcher(&ctx, &mut srv, "inproc://zap-enforce");
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"", b"");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("never delivered".into(), DONTWAIT).unwrap();
    assert_eq!(
        wait_for(&mut sm, event::HANDSHAKE_FAILED_NO_DETAIL),
        libc::EFAULT as u32
    );
    nothing_arrives(&mut srv, "enforced domain, no handler");
}

#[test]
fn bad_reply_is_a_protocol_error() {
    let ctx = Context::new();
    let _zap = Handler::start(
        &ctx,
        Box::new(|_| Some(vec![b"2.0", b"1", b"200", b"OK", b"", b""])),
    );
    let mut srv = server(&ctx, true);
    let mut sm = watcher(&ctx, &mut srv, "inproc://zap-bad");
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"admin", b"secret");
    cli.connect(srv.last_endpoint()).unwrap();
    assert_eq!(
        wait_for(&mut sm, event::HANDSHAKE_FAILED_PROTOCOL),
        0x2000_0003,
        "ZAP_BAD_VERSION"
    );
}

#[test]
fn silent_handler_is_bounded_by_the_handshake_interval() {
    let ctx = Context::new();
    let zap = Handler::start(&ctx, Box::new(|_| None));
    let mut srv = server(&ctx, true);
    srv.set_int(id::HANDSHAKE_IVL, 300).unwrap();
    let mut sm = watcher(&ctx, &mut srv, "inproc://zap-silent");
    srv.bind("tcp://127.0.0.1:*").unwrap();
    let mut cli = client(&ctx, b"admin", b"secret");
    cli.connect(srv.last_endpoint()).unwrap();
    cli.send("never delivered".into(), DONTWAIT).unwrap();
    let start = Instant::now();
    zap.request();
    wait_for(&mut sm, event::DISCONNECTED);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    nothing_arrives(&mut srv, "no reply, no message");
}

#[test]
fn router_handler_and_ipc_address() {
    let ctx = Context::new();
    let mut router = ctx.socket(SocketType::Router).unwrap();
    router.set_int(id::RCVTIMEO, 3000).unwrap();
    router.set_int(id::LINGER, 0).unwrap();
    router.bind("inproc://zeromq.zap.01").unwrap();
    let mut srv = server(&ctx, false);
    srv.set_option(id::ZAP_DOMAIN, b"d").unwrap();
    let ep = format!("ipc:///tmp/zr-zap-{}.sock", std::process::id());
    srv.bind(&ep).unwrap();
    let mut cli = client(&ctx, b"", b"");
    cli.connect(&ep).unwrap();
    cli.send("over ipc".into(), 0).unwrap();
    // A ROUTER handler sees [routing id]["" ] and the request, and routes its reply back.
    let req = router.recv_parts(0).unwrap();
    assert_eq!(req.len(), 8, "{req:?}");
    assert!(req[1].is_empty(), "the delimiter");
    let uid = unsafe { libc::getuid() };
    let gid = unsafe { libc::getgid() };
    let address = String::from_utf8(req[5].to_vec()).unwrap();
    let pid = std::process::id();
    assert_eq!(address, format!("localhost:{uid}:{gid}:{pid}"));
    assert_eq!(&req[7][..], b"NULL");
    let reply: Vec<Bytes> = [&req[0][..], b"", b"1.0", b"1", b"200", b"OK", b"u", b""]
        .iter()
        .map(|f| Bytes::copy_from_slice(f))
        .collect();
    router.send_parts(reply, 0).unwrap();
    assert_eq!(&srv.recv(0).unwrap().data[..], b"over ipc");
}
