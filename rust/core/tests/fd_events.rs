//! ZMQ_FD for event loops, at the engine level: the fd wakes a watcher that was attached
//! before anything else touched the socket, again for every arrival after the application
//! drained the socket (by reading EVENTS or by receiving until EAGAIN), goes quiet once
//! drained, and stays readable while input is left unread (so that a watcher attached later
//! still fires). Over inproc, ipc and tcp, the sender on another thread.
//!
//! "Watching" here is what an event loop does: poll(2) on the fd with a timeout.

mod util;
use util::readable;

use bytes::Bytes;
use std::sync::mpsc;
use std::time::Duration;
use util::*;
use zmq_rust_core::options::{id, OptValue};
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT, POLLIN};

/// How long a test waits for the fd before it fails.
const WAKE_MS: i32 = 5000;

fn endpoints(tag: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("zr-fd-events-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    vec![
        format!("inproc://fd-events-{tag}"),
        format!("ipc://{}/{tag}.sock", dir.display()),
        "tcp://127.0.0.1:*".to_string(),
    ]
}

/// The fd as an application gets it: getsockopt(ZMQ_FD).
fn zmq_fd(s: &mut Socket) -> i32 {
    match s.get_option(id::FD).expect("ZMQ_FD") {
        OptValue::Int(fd) => fd,
        other => panic!("ZMQ_FD gave {other:?}"),
    }
}

/// A sender thread with its own PUSH: connects, then sends "m1", "m2", ... one per `go`.
fn sender(ctx: &Context, ep: String) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (go, wait) = mpsc::channel::<()>();
    let ctx = ctx.clone();
    let t = std::thread::spawn(move || {
        let mut push = connected(&ctx, SocketType::Push, &ep);
        let mut n = 0;
        while wait.recv_timeout(Duration::from_secs(10)).is_ok() {
            n += 1;
            std::thread::sleep(Duration::from_millis(20));
            send(&mut push, format!("m{n}").as_bytes());
        }
        push.set_int(id::LINGER, 2000).unwrap();
    });
    (go, t)
}

/// Waits for the fd, skipping wake-ups with nothing to read (a connection's own commands),
/// as the contract asks: readable, then ask, then wait again.
fn wait_for_input(s: &mut Socket, fd: i32, drain_by_events: bool) -> Vec<Vec<u8>> {
    for _ in 0..20 {
        assert!(readable(fd, WAKE_MS), "the fd never became readable");
        let got = if drain_by_events {
            let mut got = Vec::new();
            while s.events().unwrap() & POLLIN != 0 {
                got.push(s.recv(DONTWAIT).unwrap().data.to_vec());
            }
            got
        } else {
            let mut got = Vec::new();
            loop {
                match s.recv(DONTWAIT) {
                    Ok(f) => got.push(f.data.to_vec()),
                    Err(Error::Again) => break,
                    Err(e) => panic!("recv: {e:?}"),
                }
            }
            got
        };
        if !got.is_empty() {
            return got;
        }
    }
    panic!("the fd kept waking with nothing to read");
}

fn each_arrival_wakes_the_fd(drain_by_events: bool) {
    let ctx = Context::new();
    for ep in endpoints(if drain_by_events { "ev" } else { "eagain" }) {
        let mut pull = bound(&ctx, SocketType::Pull, &ep);
        let ep = pull.last_endpoint().to_string();
        // Nothing but the bind touched the socket: no EVENTS read, no recv.
        let fd = zmq_fd(&mut pull);
        let (go, t) = sender(&ctx, ep.clone());
        for n in 1..=3 {
            go.send(()).unwrap();
            let got = wait_for_input(&mut pull, fd, drain_by_events);
            assert_eq!(got, vec![format!("m{n}").into_bytes()], "{ep}: message {n}");
            // Drained: the fd is quiet, so a level-triggered loop does not spin.
            assert!(
                !readable(fd, 0),
                "{ep}: the fd stays readable after the drain"
            );
        }
        drop(go);
        t.join().unwrap();
    }
}

#[test]
fn fd_wakes_for_each_arrival_when_drained_by_events() {
    each_arrival_wakes_the_fd(true);
}

#[test]
fn fd_wakes_for_each_arrival_when_drained_until_eagain() {
    each_arrival_wakes_the_fd(false);
}

#[test]
fn fd_wakes_for_the_first_message_without_an_events_read() {
    let ctx = Context::new();
    for ep in endpoints("first") {
        let mut pull = bound(&ctx, SocketType::Pull, &ep);
        let ep = pull.last_endpoint().to_string();
        let fd = zmq_fd(&mut pull);
        let t = {
            let ctx = ctx.clone();
            std::thread::spawn(move || {
                let mut push = connected(&ctx, SocketType::Push, &ep);
                std::thread::sleep(Duration::from_millis(50));
                send(&mut push, b"first");
                push.set_int(id::LINGER, 2000).unwrap();
            })
        };
        assert!(readable(fd, WAKE_MS), "the fd never became readable");
        assert!(
            wait_until(2000, || pull.events().unwrap() & POLLIN != 0),
            "no POLLIN"
        );
        assert_eq!(recv_one(&mut pull), b"first");
        t.join().unwrap();
    }
}

/// A broker stops watching its frontend while messages wait, and watches it again later:
/// the fd must still be readable then, with no new traffic to make it so.
#[test]
fn fd_stays_readable_while_input_is_left_unread() {
    let ctx = Context::new();
    for ty in [SocketType::Router, SocketType::Pull] {
        for ep in endpoints(&format!("later-{}", ty.name())) {
            let mut front = bound(&ctx, ty, &ep);
            let ep = front.last_endpoint().to_string();
            let fd = zmq_fd(&mut front);
            // libzmq's contract: ask before the first wait (so the first wake-up works even
            // where the fd is armed only by EVENTS).
            front.events().unwrap();
            let peer_ty = if ty == SocketType::Router {
                SocketType::Dealer
            } else {
                SocketType::Push
            };
            let mut client = connected(&ctx, peer_ty, &ep);
            for i in 0..3 {
                send(&mut client, format!("r{i}").as_bytes());
            }
            assert!(readable(fd, WAKE_MS), "{ep}: the fd never became readable");
            assert!(
                wait_until(2000, || front.events().unwrap() & POLLIN != 0),
                "{ep}: no POLLIN"
            );
            // Take one request (one free worker), then stop watching.
            let first = recv(&mut front);
            assert_eq!(first.last().unwrap(), b"r0");
            assert!(front.events().unwrap() & POLLIN != 0);
            // Later: a new watcher on the same fd.
            assert!(
                readable(fd, 200),
                "{ep} ({}): unread input, but the fd is quiet: a new watcher would hang",
                ty.name()
            );
            let mut rest = Vec::new();
            while front.events().unwrap() & POLLIN != 0 {
                rest.push(recv(&mut front).last().unwrap().clone());
            }
            assert_eq!(rest, vec![b"r1".to_vec(), b"r2".to_vec()]);
            assert!(!readable(fd, 0), "{ep}: quiet once everything was read");
        }
    }
}

/// libzmq's own contract still holds: EVENTS read before the watch, a recv that empties the
/// socket, then a message: the fd fires (the classic ZMQ_FD test).
#[test]
fn fd_wakes_after_a_blocking_recv_emptied_the_socket() {
    let ctx = Context::new();
    for ep in endpoints("blocking") {
        let mut pull = bound(&ctx, SocketType::Pull, &ep);
        let ep = pull.last_endpoint().to_string();
        let fd = zmq_fd(&mut pull);
        let (go, t) = sender(&ctx, ep.clone());
        go.send(()).unwrap();
        // A blocking recv that sleeps until the message comes.
        assert_eq!(recv_one(&mut pull), b"m1");
        go.send(()).unwrap();
        let got = wait_for_input(&mut pull, fd, true);
        assert_eq!(got, vec![b"m2".to_vec()], "{ep}");
        drop(go);
        t.join().unwrap();
    }
}

/// A send that fails with EAGAIN on a watched fd: the fd fires when there is room again.
#[test]
fn fd_wakes_when_room_comes_after_a_send_failed_with_eagain() {
    let ctx = Context::new();
    for ep in endpoints("room") {
        let mut pull = socket(&ctx, SocketType::Pull);
        pull.set_int(id::RCVHWM, 2).unwrap();
        pull.bind(&ep).unwrap();
        let ep = pull.last_endpoint().to_string();
        let mut push = socket(&ctx, SocketType::Push);
        push.set_int(id::SNDHWM, 2).unwrap();
        push.connect(&ep).unwrap();
        let fd = zmq_fd(&mut push);
        // Fill until EAGAIN has lasted a while (the engine moves messages on, into the
        // kernel's buffers for tcp and ipc: big messages fill those sooner).
        let body = Bytes::from(vec![b'x'; 16384]);
        let mut full_since = None;
        loop {
            match push.send(body.clone(), DONTWAIT) {
                Ok(()) => full_since = None,
                Err(Error::Again) => {
                    let t = *full_since.get_or_insert_with(std::time::Instant::now);
                    if t.elapsed() > Duration::from_millis(200) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("send: {e:?}"),
            }
        }
        assert!(matches!(
            push.send(body.clone(), DONTWAIT),
            Err(Error::Again)
        ));
        assert!(!readable(fd, 100), "{ep}: quiet while full");
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            let mut n = 0;
            while let Ok(f) = pull.recv(0) {
                n += 1;
                if &f.data[..] == b"END" {
                    break;
                }
            }
            (pull, n)
        });
        assert!(
            readable(fd, WAKE_MS),
            "{ep}: room came, the fd stayed quiet"
        );
        assert!(
            wait_until(5000, || push
                .send(Bytes::from_static(b"END"), DONTWAIT)
                .is_ok()),
            "{ep}: still no room"
        );
        let (_pull, n) = t.join().unwrap();
        assert!(n > 0);
    }
}
