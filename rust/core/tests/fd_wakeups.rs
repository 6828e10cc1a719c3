//! What the ZMQ_FD contract costs in system calls: the fd is written and read at most once
//! per batch of arrivals (not once per message), reading EVENTS or receiving costs no system
//! call while input is there, and zmq_poll on a watched socket does not spin.

mod util;
use util::readable;

use bytes::Bytes;
use std::time::{Duration, Instant};
use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::poll::{poll, PollItem, Target};
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT, POLLIN, POLLOUT};

const N: usize = 10_000;

fn delta(s: &Socket, before: (u64, u64)) -> (u64, u64) {
    let now = s.fd_counts();
    (now.0 - before.0, now.1 - before.1)
}

/// 10 000 messages sent in a burst to a socket whose fd an event loop watches (poll(2), then
/// `while EVENTS & POLLIN { recv }`, then a little other work, as a loop does). Every batch
/// the loop drains costs at most one write of the fd (by whoever woke it) and one read (by
/// the socket, when it finds the batch drained).
#[test]
fn a_watched_fd_costs_one_wake_up_per_batch_not_per_message() {
    for ep in ["inproc://fd-wakeups-burst", "tcp://127.0.0.1:*"] {
        let ctx = Context::new();
        let mut pull = socket(&ctx, SocketType::Pull);
        pull.set_int(id::RCVHWM, 0).unwrap();
        pull.bind(ep).unwrap();
        let ep = pull.last_endpoint().to_string();
        let fd = pull.fd().unwrap();
        let before = pull.fd_counts();
        let t = {
            let (ctx, ep) = (ctx.clone(), ep.clone());
            std::thread::spawn(move || {
                let mut push = socket(&ctx, SocketType::Push);
                push.set_int(id::SNDHWM, 0).unwrap();
                push.connect(&ep).unwrap();
                std::thread::sleep(Duration::from_millis(50));
                for i in 0..N {
                    push.send(Bytes::from(i.to_string()), 0).unwrap();
                }
                push.set_int(id::LINGER, 5000).unwrap();
            })
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let (mut got, mut wakeups, mut batches) = (0, 0u64, 0u64);
        while got < N {
            assert!(Instant::now() < deadline, "{ep}: only {got} of {N}");
            if !readable(fd, 5000) {
                continue;
            }
            wakeups += 1;
            let mut n = 0;
            while pull.events().unwrap() & POLLIN != 0 {
                let f = pull.recv(DONTWAIT).unwrap();
                assert_eq!(&f.data[..], got.to_string().as_bytes());
                got += 1;
                n += 1;
            }
            if n > 0 {
                batches += 1;
            }
            // The rest of the loop's work.
            std::thread::sleep(Duration::from_micros(200));
        }
        t.join().unwrap();
        let (writes, reads) = delta(&pull, before);
        eprintln!(
            "{ep}: {N} messages in {batches} batches ({wakeups} wake-ups): {writes} fd writes, \
             {reads} fd reads"
        );
        assert!(
            writes <= wakeups + 2,
            "{ep}: {writes} writes for {wakeups} wake-ups"
        );
        assert!(
            reads <= wakeups + 2,
            "{ep}: {reads} reads for {wakeups} wake-ups"
        );
        assert!(
            writes + reads < (N / 10) as u64,
            "{ep}: {writes} writes and {reads} reads for {N} messages"
        );
    }
}

/// Input is waiting; the application reads EVENTS and receives, message by message (or
/// receives until EAGAIN): no system call per message, watched fd or not.
#[test]
fn draining_queued_input_costs_no_system_call_per_message() {
    const Q: usize = 1000;
    for (watched, by_events) in [(true, true), (true, false), (false, true), (false, false)] {
        let ctx = Context::new();
        let mut pull = bound(&ctx, SocketType::Pull, "inproc://fd-wakeups-queued");
        let mut push = connected(&ctx, SocketType::Push, "inproc://fd-wakeups-queued");
        if watched {
            pull.fd().unwrap();
        }
        for _ in 0..Q {
            send(&mut push, b"x");
        }
        let before = pull.fd_counts();
        let mut got = 0;
        if by_events {
            while pull.events().unwrap() & POLLIN != 0 {
                pull.recv(DONTWAIT).unwrap();
                got += 1;
            }
        } else {
            loop {
                match pull.recv(DONTWAIT) {
                    Ok(_) => got += 1,
                    Err(Error::Again) => break,
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
        assert_eq!(got, Q);
        let (writes, reads) = delta(&pull, before);
        let how = format!(
            "{} fd, drained by {}",
            if watched { "watched" } else { "unwatched" },
            if by_events {
                "EVENTS + recv"
            } else {
                "recv until EAGAIN"
            }
        );
        assert!(
            writes <= 1 && reads <= 1,
            "{how}: {writes} writes, {reads} reads for {Q} messages"
        );
        // Steady state with nobody watching: the next messages cost nothing either.
        if !watched {
            send(&mut push, b"y");
            recv_one(&mut pull);
            let before = pull.fd_counts();
            for _ in 0..Q {
                send(&mut push, b"y");
                recv_one(&mut pull);
            }
            assert_eq!(delta(&pull, before), (0, 0), "{how}: send+recv pairs");
        }
    }
}

fn thread_cpu() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: ru is a valid rusage for the call.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    Duration::from_secs(ru.ru_utime.tv_sec as u64 + ru.ru_stime.tv_sec as u64)
        + Duration::from_micros(ru.ru_utime.tv_usec as u64 + ru.ru_stime.tv_usec as u64)
}

/// A watched fd stays readable while input is unread; zmq_poll waiting for POLLOUT only on
/// that socket must still sleep (not spin on the readable fd), and leave the fd readable.
#[test]
fn zmq_poll_for_pollout_on_a_watched_socket_with_unread_input_sleeps() {
    let ctx = Context::new();
    let mut router = socket(&ctx, SocketType::Router);
    router.set_int(id::RCVHWM, 1).unwrap();
    router.bind("inproc://fd-wakeups-poll").unwrap();
    let mut dealer = socket(&ctx, SocketType::Dealer);
    dealer.set_int(id::SNDHWM, 1).unwrap();
    dealer.set_option(id::ROUTING_ID, b"d").unwrap();
    dealer.connect("inproc://fd-wakeups-poll").unwrap();
    let sent = fill(&mut dealer, 100);
    assert!(sent > 0 && sent < 100, "the dealer fills its pipe ({sent})");
    router
        .send_parts(vec![Bytes::from_static(b"d"), Bytes::from_static(b"hi")], 0)
        .unwrap();
    let fd = dealer.fd().unwrap();
    assert_eq!(dealer.events().unwrap(), POLLIN, "input, no room");
    assert!(readable(fd, 0), "readable while input waits");

    let mut items = [PollItem {
        target: Target::Socket(0),
        events: POLLOUT as i16,
        revents: 0,
    }];
    let (t0, cpu0) = (Instant::now(), thread_cpu());
    let n = poll(&mut [&mut dealer], &mut items, 300).unwrap();
    let (el, cpu) = (t0.elapsed(), thread_cpu() - cpu0);
    assert_eq!(n, 0, "no room came");
    assert!(el >= Duration::from_millis(290), "it waited ({el:?})");
    assert!(
        cpu < Duration::from_millis(100),
        "it slept rather than spun: {cpu:?} of CPU in {el:?}"
    );
    assert!(readable(fd, 0), "the fd is readable again after zmq_poll");
    assert_eq!(recv_one(&mut dealer), b"hi");
}
