//! Context termination, endpoints (bind/connect/unbind/disconnect), options, EVENTS and close.

mod util;

use std::sync::mpsc;
use std::time::{Duration, Instant};
use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::{ctx_opt, Context, Error, OptValue, SocketType, DONTWAIT, POLLIN, POLLOUT};

#[test]
fn shutdown_interrupts_a_blocked_recv() {
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).unwrap();
    pull.set_int(id::RCVTIMEO, 10_000).unwrap(); // far beyond the test's bound
    pull.bind("inproc://blocked").unwrap();
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        tx.send(()).unwrap();
        let start = Instant::now();
        let r = pull.recv(0);
        let took = start.elapsed();
        // Every later call fails with ETERM too, except close.
        let later = (pull.recv(DONTWAIT).unwrap_err(), pull.bind("inproc://x"));
        pull.close();
        (r, took, later)
    });
    rx.recv_timeout(Duration::from_secs(2)).unwrap();
    std::thread::sleep(Duration::from_millis(30)); // let it block
    ctx.shutdown();
    let (r, took, later) = t.join().unwrap();
    assert_eq!(r.unwrap_err(), Error::Term);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(later, (Error::Term, Err(Error::Term)));
    assert!(ctx.is_terminated());
    assert_eq!(ctx.socket(SocketType::Pair).unwrap_err(), Error::Term);
}

#[test]
fn shutdown_interrupts_a_blocked_send() {
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).unwrap();
    push.set_int(id::SNDTIMEO, 10_000).unwrap();
    let t = std::thread::spawn(move || push.send("x".into(), 0));
    std::thread::sleep(Duration::from_millis(30));
    let start = Instant::now();
    ctx.shutdown();
    assert_eq!(t.join().unwrap(), Err(Error::Term));
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn calls_after_shutdown_are_term_but_close_works() {
    let ctx = Context::new();
    let mut s = bound(&ctx, SocketType::Pair, "inproc://t");
    ctx.shutdown();
    assert_eq!(s.send("x".into(), DONTWAIT), Err(Error::Term));
    assert_eq!(s.recv(DONTWAIT).unwrap_err(), Error::Term);
    assert_eq!(s.events().unwrap_err(), Error::Term);
    assert_eq!(s.connect("inproc://t"), Err(Error::Term));
    assert_eq!(s.set_int(id::LINGER, 0), Err(Error::Term));
    s.close();
    assert!(s.is_closed());
    assert_eq!(ctx.socket_count(), 0);
    ctx.terminate(); // nothing left to wait for
}

#[test]
fn terminate_waits_until_every_socket_is_closed() {
    let ctx = Context::new();
    let a = ctx.socket(SocketType::Push).unwrap();
    let b = ctx.socket(SocketType::Pull).unwrap();
    let (closed_tx, closed_rx) = mpsc::channel();
    let closer = std::thread::spawn(move || {
        let (mut a, mut b) = (a, b);
        std::thread::sleep(Duration::from_millis(100));
        a.close();
        closed_tx.send(Instant::now()).unwrap();
        b.close();
    });
    let (done_tx, done_rx) = mpsc::channel();
    let c2 = ctx.clone();
    let start = Instant::now();
    let term = std::thread::spawn(move || {
        c2.terminate();
        done_tx.send(Instant::now()).unwrap();
    });
    let done = done_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("terminate returned");
    let first_closed = closed_rx.recv_timeout(Duration::from_secs(1)).unwrap();
    assert!(
        done >= first_closed,
        "terminate returned before the sockets closed"
    );
    assert!(done - start >= Duration::from_millis(90));
    closer.join().unwrap();
    term.join().unwrap();
    assert_eq!(ctx.socket_count(), 0);
}

#[test]
fn wait_terminated_wakes_when_the_last_socket_closes() {
    let ctx = Context::new();
    let s = ctx.socket(SocketType::Pull).unwrap();
    ctx.shutdown();
    let start = Instant::now();
    let r = ctx.wait_terminated(Some(start + Duration::from_millis(50)));
    assert!(matches!(r, Ok(false)), "a socket is open: {r:?}");
    assert!(start.elapsed() >= Duration::from_millis(50));
    let closer = std::thread::spawn(move || {
        let mut s = s;
        std::thread::sleep(Duration::from_millis(100));
        s.close();
    });
    let start = Instant::now();
    let r = ctx.wait_terminated(Some(start + Duration::from_secs(10)));
    assert!(matches!(r, Ok(true)), "{r:?}");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(90) && took < Duration::from_secs(5),
        "woken by the close, not the deadline: {took:?}"
    );
    closer.join().unwrap();
}

#[test]
fn wait_terminated_wakes_when_the_io_threads_end() {
    // A message queued for a peer that never comes keeps the I/O thread for LINGER.
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).unwrap();
    push.set_int(id::LINGER, 300).unwrap();
    // A port nobody listens on: connection attempts are refused and retried.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    push.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    push.send("queued".into(), DONTWAIT).unwrap();
    push.close();
    ctx.shutdown();
    let start = Instant::now();
    let r = ctx.wait_terminated(Some(start + Duration::from_secs(10)));
    assert!(matches!(r, Ok(true)), "{r:?}");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(5),
        "waited for LINGER and no longer: {took:?}"
    );
}

extern "C" fn ignore_signal(_: libc::c_int) {}

#[test]
fn wait_terminated_returns_interrupted_on_a_signal() {
    // SAFETY: installs a handler that does nothing, without SA_RESTART.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = ignore_signal as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR2, &sa, std::ptr::null_mut()), 0);
    }
    let ctx = Context::new();
    let mut s = ctx.socket(SocketType::Pair).unwrap();
    ctx.shutdown();
    let (tid_tx, tid_rx) = mpsc::channel();
    let c2 = ctx.clone();
    let waiter = std::thread::spawn(move || {
        // SAFETY: pthread_self has no preconditions.
        tid_tx.send(unsafe { libc::pthread_self() }).unwrap();
        let start = Instant::now();
        let r = c2.wait_terminated(Some(start + Duration::from_secs(10)));
        (r, start.elapsed())
    });
    let tid = tid_rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // SAFETY: the waiter thread is alive until it returns, which needs the signal (or 10 s).
    unsafe { libc::pthread_kill(tid, libc::SIGUSR2) };
    let (r, took) = waiter.join().unwrap();
    assert!(matches!(r, Err(Error::Interrupted)), "{r:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    s.close();
    assert!(matches!(ctx.wait_terminated(None), Ok(true)));
}

#[test]
fn terminate_interrupts_blocked_calls_first() {
    // The socket's own thread sees ETERM, closes, and so lets terminate() return.
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).unwrap();
    pull.set_int(id::RCVTIMEO, 10_000).unwrap();
    let t = std::thread::spawn(move || {
        let r = pull.recv(0);
        pull.close();
        r
    });
    std::thread::sleep(Duration::from_millis(20));
    let (tx, rx) = mpsc::channel();
    let c2 = ctx.clone();
    std::thread::spawn(move || {
        c2.terminate();
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(2))
        .expect("terminate returned");
    assert_eq!(t.join().unwrap().unwrap_err(), Error::Term);
}

#[test]
fn message_sent_before_the_peer_closes_is_still_readable() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://gone");
    let mut push = connected(&ctx, SocketType::Push, "inproc://gone");
    send(&mut push, b"last words");
    send_parts(&mut push, &[b"multi", b"part"]);
    push.close();
    assert_eq!(recv_one(&mut pull), b"last words");
    assert_eq!(recv(&mut pull), msg(&[b"multi", b"part"]));
    assert_nothing(&mut pull);

    let mut a = bound(&ctx, SocketType::Pair, "inproc://pair");
    let mut b = connected(&ctx, SocketType::Pair, "inproc://pair");
    send(&mut b, b"bye");
    drop(b);
    assert_eq!(recv_one(&mut a), b"bye");
}

#[test]
fn close_makes_every_call_not_a_socket() {
    let ctx = Context::new();
    let mut s = bound(&ctx, SocketType::Dealer, "inproc://closed");
    s.close();
    s.close(); // idempotent
    assert_eq!(s.send("x".into(), 0), Err(Error::NotSocket));
    assert_eq!(s.recv(0).unwrap_err(), Error::NotSocket);
    assert_eq!(s.bind("inproc://y"), Err(Error::NotSocket));
    assert_eq!(s.connect("inproc://y"), Err(Error::NotSocket));
    assert_eq!(s.unbind("inproc://closed"), Err(Error::NotSocket));
    assert_eq!(s.disconnect("inproc://y"), Err(Error::NotSocket));
    assert_eq!(s.set_int(id::LINGER, 0), Err(Error::NotSocket));
    assert_eq!(s.get_option(id::TYPE).unwrap_err(), Error::NotSocket);
    assert_eq!(s.events().unwrap_err(), Error::NotSocket);
    // Closing gave the name back.
    let _again = bound(&ctx, SocketType::Dealer, "inproc://closed");
}

#[test]
fn max_sockets_limit() {
    let ctx = Context::new();
    ctx.set(ctx_opt::MAX_SOCKETS, 2).unwrap();
    assert_eq!(ctx.get(ctx_opt::MAX_SOCKETS).unwrap(), 2);
    let a = ctx.socket(SocketType::Pair).unwrap();
    let _b = ctx.socket(SocketType::Pair).unwrap();
    let err = ctx.socket(SocketType::Pair).unwrap_err();
    assert_eq!(err, Error::TooManySockets);
    assert_eq!(err.errno(), libc::EMFILE);
    drop(a);
    let _c = ctx.socket(SocketType::Pair).expect("a slot was freed");
}

// ---- endpoints ---------------------------------------------------------------------------

#[test]
fn disconnect_stops_messages() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://d");
    let mut push = connected(&ctx, SocketType::Push, "inproc://d");
    send(&mut push, b"before");
    push.disconnect("inproc://d").unwrap();
    assert_eq!(push.send("after".into(), DONTWAIT), Err(Error::Again));
    assert_eq!(
        recv_one(&mut pull),
        b"before",
        "already queued messages stay readable"
    );
    assert_nothing(&mut pull);
    assert_eq!(push.disconnect("inproc://d"), Err(Error::NotFound));
    // Reconnecting works.
    push.connect("inproc://d").unwrap();
    send(&mut push, b"again");
    assert_eq!(recv_one(&mut pull), b"again");
}

#[test]
fn disconnect_of_a_pending_connect() {
    let ctx = Context::new();
    let mut push = connected(&ctx, SocketType::Push, "inproc://pending");
    send(&mut push, b"queued");
    push.disconnect("inproc://pending").unwrap();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://pending");
    assert_nothing(&mut pull);
    assert_eq!(push.send("x".into(), DONTWAIT), Err(Error::Again));
}

#[test]
fn disconnect_only_affects_that_endpoint() {
    let ctx = Context::new();
    let mut p1 = bound(&ctx, SocketType::Pull, "inproc://one");
    let mut p2 = bound(&ctx, SocketType::Pull, "inproc://two");
    let mut push = connected(&ctx, SocketType::Push, "inproc://one");
    push.connect("inproc://two").unwrap();
    push.disconnect("inproc://one").unwrap();
    for _ in 0..4 {
        send(&mut push, b"m");
    }
    assert_eq!(drain(&mut p2).len(), 4);
    assert_nothing(&mut p1);
}

#[test]
fn unbind_frees_the_name() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://u");
    pull.unbind("inproc://u").unwrap();
    assert_eq!(pull.unbind("inproc://u"), Err(Error::NotFound));
    // New connects no longer reach it: they wait for a binder.
    let mut push = connected(&ctx, SocketType::Push, "inproc://u");
    send(&mut push, b"for the next binder");
    assert_nothing(&mut pull);
    // Another socket can bind the name and gets the pending connection.
    let mut other = bound(&ctx, SocketType::Pull, "inproc://u");
    assert_eq!(recv_one(&mut other), b"for the next binder");
    // And the first can bind again once the name is free.
    other.unbind("inproc://u").unwrap();
    pull.bind("inproc://u").unwrap();
    let mut push2 = connected(&ctx, SocketType::Push, "inproc://u");
    send(&mut push2, b"rebound");
    assert_eq!(recv_one(&mut pull), b"rebound");
}

#[test]
fn unbind_inproc_keeps_established_connections() {
    // libzmq 4.3 (socket_base_t::term_endpoint): unbinding an inproc endpoint only
    // unregisters the name; connections already made through it stay up.
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://keep");
    let mut push = connected(&ctx, SocketType::Push, "inproc://keep");
    send(&mut push, b"before");
    pull.unbind("inproc://keep").unwrap();
    send(&mut push, b"after");
    assert_eq!(recv_one(&mut pull), b"before");
    assert_eq!(recv_one(&mut pull), b"after");
}

#[test]
fn unknown_endpoints_are_not_found() {
    let ctx = Context::new();
    let mut s = bound(&ctx, SocketType::Pair, "inproc://mine");
    assert_eq!(s.unbind("inproc://never"), Err(Error::NotFound));
    assert_eq!(s.disconnect("inproc://never"), Err(Error::NotFound));
    let mut other = socket(&ctx, SocketType::Pair);
    assert_eq!(
        other.unbind("inproc://mine"),
        Err(Error::NotFound),
        "someone else's"
    );
    assert_eq!(s.unbind("bad endpoint").unwrap_err().errno(), libc::EINVAL);
}

#[test]
fn bind_twice_is_addr_in_use() {
    let ctx = Context::new();
    let mut a = bound(&ctx, SocketType::Pull, "inproc://busy");
    assert_eq!(a.bind("inproc://busy"), Err(Error::AddrInUse));
    let mut b = socket(&ctx, SocketType::Pull);
    assert_eq!(b.bind("inproc://busy"), Err(Error::AddrInUse));
    assert_eq!(Error::AddrInUse.errno(), libc::EADDRINUSE);
    // Names are per context.
    let ctx2 = Context::new();
    let _c = bound(&ctx2, SocketType::Pull, "inproc://busy");
    // A failed bind left the first binder in place.
    let mut push = connected(&ctx, SocketType::Push, "inproc://busy");
    send(&mut push, b"x");
    assert_eq!(recv_one(&mut a), b"x");
}

#[test]
fn malformed_and_unknown_endpoints() {
    let ctx = Context::new();
    let mut s = socket(&ctx, SocketType::Pair);
    for bad in ["", "inproc", "inproc:/x", "inproc://", "no-transport"] {
        assert!(
            matches!(s.bind(bad), Err(Error::Invalid(_))),
            "bind {bad:?}"
        );
        assert!(
            matches!(s.connect(bad), Err(Error::Invalid(_))),
            "connect {bad:?}"
        );
    }
    for unknown in ["foo://bar", "pgm://eth0;239.1.1.1:5555", "udp://1.2.3.4:5"] {
        assert_eq!(
            s.bind(unknown),
            Err(Error::ProtocolNotSupported),
            "{unknown}"
        );
        assert_eq!(s.connect(unknown), Err(Error::ProtocolNotSupported));
    }
    assert_eq!(Error::ProtocolNotSupported.errno(), libc::EPROTONOSUPPORT);
    assert_eq!(
        s.last_endpoint(),
        "",
        "failed binds leave LAST_ENDPOINT alone"
    );
}

// ---- options -----------------------------------------------------------------------------

#[test]
fn unknown_option_or_wrong_size_is_invalid_and_changes_nothing() {
    let ctx = Context::new();
    let mut s = ctx.socket(SocketType::Dealer).unwrap();
    s.set_int(id::SNDHWM, 7).unwrap();
    assert!(matches!(s.set_int(9999, 1), Err(Error::Invalid(_))));
    assert!(matches!(s.get_option(9999), Err(Error::Invalid(_))));
    assert!(matches!(
        s.set_option(id::SNDHWM, &8i64.to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        s.set_option(id::SNDHWM, &[1, 0]),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(s.set_int(id::SNDHWM, -1), Err(Error::Invalid(_))));
    assert_eq!(int_opt(&mut s, id::SNDHWM), 7);
    assert!(matches!(
        s.set_option(id::MAXMSGSIZE, &5i32.to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert_eq!(s.get_option(id::MAXMSGSIZE).unwrap(), OptValue::Int64(-1));
    assert!(matches!(
        s.set_option(id::ROUTING_ID, b""),
        Err(Error::Invalid(_))
    ));
    assert!(
        matches!(s.set_int(id::TYPE, 1), Err(Error::Invalid(_))),
        "read-only"
    );
    assert!(
        matches!(s.set_int(id::REQ_RELAXED, 1), Err(Error::Invalid(_))),
        "REQ only"
    );
    assert!(matches!(
        s.set_int(id::ROUTER_MANDATORY, 1),
        Err(Error::Invalid(_))
    ));
    assert!(
        matches!(s.get_option(id::ROUTER_MANDATORY), Err(Error::Invalid(_))),
        "write-only"
    );
}

#[test]
fn type_rcvmore_and_last_endpoint() {
    let ctx = Context::new();
    for n in 0..=10 {
        let ty = SocketType::from_i32(n).unwrap();
        let mut s = ctx.socket(ty).unwrap();
        assert_eq!(s.get_option(id::TYPE).unwrap(), OptValue::Int(n));
    }
    let mut a = ctx.socket(SocketType::Pair).unwrap();
    assert_eq!(
        a.get_option(id::LAST_ENDPOINT).unwrap(),
        OptValue::Str(String::new())
    );
    a.bind("inproc://first").unwrap();
    a.bind("inproc://second").unwrap();
    let le = a.get_option(id::LAST_ENDPOINT).unwrap();
    assert_eq!(le, OptValue::Str("inproc://second".into()));
    assert_eq!(le.to_raw(), b"inproc://second\0".to_vec(), "NUL included");
    let mut b = ctx.socket(SocketType::Pair).unwrap();
    b.set_int(id::RCVTIMEO, TIMEOUT_MS).unwrap();
    b.connect("inproc://first").unwrap();
    assert_eq!(b.last_endpoint(), "inproc://first");

    assert_eq!(int_opt(&mut b, id::RCVMORE), 0);
    send_parts(&mut a, &[b"1", b"2"]);
    b.recv(0).unwrap();
    assert_eq!(int_opt(&mut b, id::RCVMORE), 1);
    b.recv(0).unwrap();
    assert_eq!(int_opt(&mut b, id::RCVMORE), 0);
}

#[test]
fn default_option_values() {
    let ctx = Context::new();
    let mut dealer = ctx.socket(SocketType::Dealer).unwrap();
    let mut sub = ctx.socket(SocketType::Sub).unwrap();
    assert_eq!(int_opt(&mut dealer, id::SNDHWM), 1000);
    assert_eq!(int_opt(&mut dealer, id::RCVHWM), 1000);
    assert_eq!(int_opt(&mut dealer, id::LINGER), -1);
    assert_eq!(int_opt(&mut sub, id::LINGER), 0, "SUB lingers 0");
    assert_eq!(int_opt(&mut dealer, id::RCVTIMEO), -1);
    assert_eq!(int_opt(&mut dealer, id::SNDTIMEO), -1);
    assert_eq!(int_opt(&mut dealer, id::IMMEDIATE), 0);
}

#[test]
fn events_report_pollin_and_pollout() {
    assert_eq!((POLLIN, POLLOUT), (1, 2));
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://ev");
    let mut push = socket(&ctx, SocketType::Push);
    assert_eq!(push.events().unwrap(), 0, "no peer: cannot send");
    push.connect("inproc://ev").unwrap();
    assert_eq!(push.events().unwrap(), POLLOUT);
    assert_eq!(pull.events().unwrap(), 0);
    send(&mut push, b"x");
    assert_eq!(pull.events().unwrap(), POLLIN);
    assert_eq!(int_opt(&mut pull, id::EVENTS), POLLIN);
    recv_one(&mut pull);
    assert_eq!(pull.events().unwrap(), 0);

    // REQ/REP: the state machine shows in EVENTS.
    let mut rep = bound(&ctx, SocketType::Rep, "inproc://ev-rr");
    let mut req = connected(&ctx, SocketType::Req, "inproc://ev-rr");
    assert_eq!(req.events().unwrap(), POLLOUT);
    assert_eq!(rep.events().unwrap(), 0);
    send(&mut req, b"q");
    assert_eq!(req.events().unwrap(), 0, "waiting for the reply");
    assert_eq!(rep.events().unwrap(), POLLIN);
    recv_one(&mut rep);
    assert_eq!(rep.events().unwrap(), POLLOUT);
    send(&mut rep, b"a");
    assert_eq!(req.events().unwrap(), POLLIN);

    // A pair with a peer can do both at once.
    let mut a = bound(&ctx, SocketType::Pair, "inproc://ev-pair");
    let mut b = connected(&ctx, SocketType::Pair, "inproc://ev-pair");
    send(&mut b, b"x");
    assert_eq!(a.events().unwrap(), POLLIN | POLLOUT);
}

#[test]
fn fd_becomes_readable_when_a_message_arrives() {
    let ctx = Context::new();
    let mut pull = bound(&ctx, SocketType::Pull, "inproc://fd");
    let mut push = connected(&ctx, SocketType::Push, "inproc://fd");
    let fd = int_opt(&mut pull, id::FD);
    assert_eq!(fd, pull.fd().unwrap());
    assert_eq!(pull.events().unwrap() & POLLIN, 0); // arms the fd
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        send(&mut push, b"wake");
        push
    });
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, 2000) };
    assert_eq!(n, 1, "fd readable");
    assert_eq!(pull.events().unwrap() & POLLIN, POLLIN);
    assert_eq!(recv_one(&mut pull), b"wake");
    drop(t.join().unwrap());
}
