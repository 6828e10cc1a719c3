//! inproc benchmarks of the engine, driven by bench/run.pl (and usable by hand):
//!
//! ```text
//! cargo run --release -p zmq-rust-core --example bench_inproc -- [OPTIONS]
//! ```
//!
//! Prints one machine-readable line per measurement, `NAME key=value ...`:
//!
//! * `push_pull`  PUSH and PULL in two threads; msgs/s seen by the receiver, from a common
//!   start (barrier) to the last message received. The sender keeps its socket open until the
//!   receiver has every message; `lost` must be 0.
//! * `loop`       one thread: send a batch of `batch` messages, then receive them, repeated
//!   (the Rust counterpart of bench/perl_inproc.pl's loop); `send_ns`/`recv_ns` per call.
//! * `req_rep`    round trips, `mode=threads` (REQ and REP in two threads) or
//!   `mode=one_thread` (both sockets in one thread); `us_per_rt` is one full round trip.
//! * `multipart`  messages of `frames` frames of `size` bytes each, sent with `send_parts`
//!   and received with `recv_parts`; `msgs_per_sec` counts whole messages. `mode=threads`:
//!   PUSH and PULL in two threads, as `push_pull`; `mode=one_thread`: the batch loop, as
//!   `loop` (`send_ns`/`recv_ns` per message, i.e. per `send_parts`/`recv_parts` call).
//! * `fanout`     one PUB, `subs` SUB sockets subscribed to everything, SNDHWM = RCVHWM = 0
//!   (no limit, so PUB drops nothing). The publisher sends empty warm-up messages until
//!   every subscriber has one, then the clock starts; `msgs_per_sec` is messages delivered
//!   to *each* subscriber per second (N / time until every subscriber has all N), `lost`
//!   the messages missing, summed over the subscribers. `mode=threads`: the publisher and
//!   each subscriber in their own thread; `mode=one_thread`: the batch loop (publish a
//!   batch, then each subscriber receives it; `send_ns` per publish, `recv_ns` per receive).
//!
//! Options: `--sizes 1,100,1024,65536`, `--msgs N` (messages per size), `--max-mb M` (caps
//! a size's messages at M MiB of payload, so 64 KiB runs stay short), `--rt N` (round
//! trips), `--rt-size B`, `--batch K`, `--what push_pull,loop,req_rep,multipart,fanout`
//! (`req_rep` is both `req_rep_threads` and `req_rep_one_thread`, `multipart` both
//! `multipart_threads` and `multipart_one_thread`, `fanout` both `fanout_threads` and
//! `fanout_one_thread`), `--frames K` (multipart, default 3), `--subs S` (fanout, default 2),
//! `--zerocopy` (also run push_pull with one shared buffer instead of a copy per message),
//! `--hwm N`.
//!
//! Every sent message (every frame of a multipart one) is a fresh copy of the payload
//! (`Bytes::copy_from_slice`), as `zmq_send` and the Perl binding do; the receiver takes the
//! frame without copying.

mod common;

use bytes::Bytes;
use common::{has, print_version, set_hwm, Prog};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT};

/// A fanout subscriber that waits this long for a message gives up (`lost`).
const FANOUT_TIMEOUT_MS: i32 = 10_000;

struct Opts {
    sizes: Vec<usize>,
    msgs: u64,
    max_mb: u64,
    rt: u64,
    rt_size: usize,
    batch: u64,
    what: Vec<String>,
    zerocopy: bool,
    hwm: Option<i32>,
    frames: usize,
    subs: usize,
}

static PROG: Prog = Prog {
    name: "bench_inproc",
    usage: "[--sizes 1,100,1024,65536] [--msgs N] [--max-mb M] [--rt N] [--rt-size B] \
            [--batch K] [--what push_pull,loop,req_rep,multipart,fanout] [--frames K] \
            [--subs S] [--zerocopy] [--hwm N]",
};

fn parse_args() -> Opts {
    let mut o = Opts {
        sizes: vec![1, 100, 1024, 65536],
        msgs: 2_000_000,
        max_mb: 4096,
        rt: 100_000,
        rt_size: 100,
        batch: 100,
        what: ["push_pull", "loop", "req_rep", "multipart", "fanout"]
            .map(String::from)
            .to_vec(),
        zerocopy: false,
        hwm: None,
        frames: 3,
        subs: 2,
    };
    let mut args = PROG.args();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => o.sizes = args.nums(),
            "--msgs" => o.msgs = args.num(),
            "--max-mb" => o.max_mb = args.num(),
            "--rt" => o.rt = args.num(),
            "--rt-size" => o.rt_size = args.num(),
            "--batch" => o.batch = args.num(),
            "--what" => o.what = args.list(),
            "--zerocopy" => o.zerocopy = true,
            "--hwm" => o.hwm = Some(args.num()),
            "--frames" => o.frames = args.num(),
            "--subs" => o.subs = args.num(),
            _ => args.unknown(),
        }
    }
    if o.batch == 0 || o.msgs == 0 || o.rt == 0 || o.frames == 0 || o.subs == 0 {
        PROG.usage("--batch, --msgs, --rt, --frames and --subs must be > 0");
    }
    o
}

/// Messages for one size: `msgs`, capped at `max_mb` MiB of payload (at least 1000).
/// Same rule as bench/c/inproc_thr.c and bench/perl_inproc.pl.
fn count_for(o: &Opts, size: usize) -> u64 {
    common::count_for(o.msgs, o.max_mb, size, 1000)
}

fn pair(
    ctx: &Context,
    a: SocketType,
    b: SocketType,
    ep: &str,
    hwm: Option<i32>,
) -> (Socket, Socket) {
    let mut x = ctx.socket(a).expect("socket");
    let mut y = ctx.socket(b).expect("socket");
    if let Some(h) = hwm {
        set_hwm(&mut x, h);
        set_hwm(&mut y, h);
    }
    x.bind(ep).expect("bind");
    y.connect(ep).expect("connect");
    (x, y)
}

/// PULL (binds) and PUSH (connects) at `ep`, with `--hwm` if given.
fn pull_push(ctx: &Context, ep: &str, o: &Opts) -> (Socket, Socket) {
    pair(ctx, SocketType::Pull, SocketType::Push, ep, o.hwm)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// A sender thread and a receiver thread that start together (a barrier): `send` runs in
/// the sender, which then keeps its socket open until the receiver has everything; `recv`
/// runs in the receiver and returns (messages, bytes, bad ones). Returns those and the
/// receiver's time in seconds, from the start to its last message.
fn two_threads(
    mut push: Socket,
    mut pull: Socket,
    send: impl FnOnce(&mut Socket) + Send + 'static,
    recv: impl FnOnce(&mut Socket) -> (u64, u64, u64) + Send + 'static,
) -> (u64, u64, u64, f64) {
    let start = Arc::new(Barrier::new(2));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let s_start = Arc::clone(&start);
    let sender = thread::spawn(move || {
        s_start.wait();
        send(&mut push);
        // Stay open until the receiver has everything.
        let _ = done_rx.recv();
        drop(push);
    });
    let receiver = thread::spawn(move || {
        start.wait();
        let t0 = Instant::now();
        let (got, bytes, bad) = recv(&mut pull);
        let el = t0.elapsed();
        let _ = done_tx.send(());
        (got, bytes, bad, secs(el))
    });
    let r = receiver.join().expect("receiver");
    sender.join().expect("sender");
    r
}

/// The one-thread batch loop: `n` messages, rounded down to whole batches of `k`.
struct Batches {
    n: u64,
    k: u64,
    rounds: u64,
}

impl Batches {
    fn new(o: &Opts, n: u64) -> Batches {
        let k = o.batch.min(n);
        let rounds = n / k;
        Batches {
            n: rounds * k,
            k,
            rounds,
        }
    }

    /// Every round, `send(k)` sends a batch and then `recv(k)` receives it (false: stop).
    /// Returns the seconds of the whole loop, of its send phases and of its receive phases.
    fn run(&self, mut send: impl FnMut(u64), mut recv: impl FnMut(u64) -> bool) -> (f64, f64, f64) {
        let (mut t_send, mut t_recv) = (Duration::ZERO, Duration::ZERO);
        let t0 = Instant::now();
        for _ in 0..self.rounds {
            let a = Instant::now();
            send(self.k);
            let b = Instant::now();
            let more = recv(self.k);
            let c = Instant::now();
            t_send += b - a;
            t_recv += c - b;
            if !more {
                break;
            }
        }
        (secs(t0.elapsed()), secs(t_send), secs(t_recv))
    }
}

fn push_pull(o: &Opts, size: usize, copy: bool) {
    let n = count_for(o, size);
    let ctx = Context::new();
    let (pull, push) = pull_push(&ctx, "inproc://thr", o);
    let payload = vec![0x5au8; size];
    let shared = Bytes::from(payload.clone());
    let (got, bytes, bad, s) = two_threads(
        push,
        pull,
        move |push| {
            for _ in 0..n {
                let data = if copy {
                    Bytes::copy_from_slice(&payload)
                } else {
                    shared.clone()
                };
                push.send(data, 0).expect("send");
            }
        },
        move |pull| {
            let (mut got, mut bytes, mut bad) = (0u64, 0u64, 0u64);
            while got < n {
                let f = pull.recv(0).expect("recv");
                got += 1;
                bytes += f.data.len() as u64;
                bad += u64::from(f.data.len() != size);
            }
            (got, bytes, bad)
        },
    );
    println!(
        "push_pull impl=rust size={size} msgs={n} copy={} hwm={} secs={s:.6} msgs_per_sec={:.0} mib_per_sec={:.1} lost={} bad={bad}",
        u8::from(copy),
        o.hwm.unwrap_or(1000),
        got as f64 / s,
        bytes as f64 / s / 1048576.0,
        n - got,
    );
}

fn send_recv_loop(o: &Opts, size: usize) {
    let b = Batches::new(o, count_for(o, size));
    let ctx = Context::new();
    let (mut pull, mut push) = pull_push(&ctx, "inproc://loop", o);
    let payload = vec![0x5au8; size];
    let mut bad = 0u64;
    let (s, t_send, t_recv) = b.run(
        |k| {
            for _ in 0..k {
                push.send(Bytes::copy_from_slice(&payload), 0)
                    .expect("send");
            }
        },
        |k| {
            for _ in 0..k {
                let f = pull.recv(0).expect("recv");
                bad += u64::from(f.data.len() != size);
            }
            true
        },
    );
    let (n, k) = (b.n, b.k);
    println!(
        "loop impl=rust size={size} msgs={n} batch={k} secs={s:.6} msgs_per_sec={:.0} send_ns={:.1} recv_ns={:.1} bad={bad}",
        n as f64 / s,
        t_send * 1e9 / n as f64,
        t_recv * 1e9 / n as f64,
    );
}

fn req_rep_threads(o: &Opts) {
    let n = o.rt;
    let size = o.rt_size;
    let ctx = Context::new();
    let (mut rep, mut req) = pair(&ctx, SocketType::Rep, SocketType::Req, "inproc://lat", None);
    let start = Arc::new(Barrier::new(2));
    let r_start = Arc::clone(&start);
    let server = thread::spawn(move || {
        r_start.wait();
        for _ in 0..n {
            let f = rep.recv(0).expect("rep recv");
            rep.send(f.data, 0).expect("rep send");
        }
    });
    let payload = vec![0x5au8; size];
    start.wait();
    let t0 = Instant::now();
    let mut bad = 0u64;
    for _ in 0..n {
        req.send(Bytes::copy_from_slice(&payload), 0)
            .expect("req send");
        let f = req.recv(0).expect("req recv");
        bad += u64::from(f.data.len() != size);
    }
    let s = secs(t0.elapsed());
    server.join().expect("server");
    println!(
        "req_rep impl=rust mode=threads size={size} rts={n} secs={s:.6} us_per_rt={:.3} bad={bad}",
        s * 1e6 / n as f64
    );
}

fn req_rep_one_thread(o: &Opts) {
    let n = o.rt;
    let size = o.rt_size;
    let ctx = Context::new();
    let (mut rep, mut req) = pair(
        &ctx,
        SocketType::Rep,
        SocketType::Req,
        "inproc://lat1",
        None,
    );
    let payload = vec![0x5au8; size];
    let mut bad = 0u64;
    let t0 = Instant::now();
    for _ in 0..n {
        req.send(Bytes::copy_from_slice(&payload), 0)
            .expect("req send");
        let f = rep.recv(0).expect("rep recv");
        rep.send(f.data, 0).expect("rep send");
        let f = req.recv(0).expect("req recv");
        bad += u64::from(f.data.len() != size);
    }
    let s = secs(t0.elapsed());
    println!(
        "req_rep impl=rust mode=one_thread size={size} rts={n} secs={s:.6} us_per_rt={:.3} bad={bad}",
        s * 1e6 / n as f64
    );
}

/// Bytes of a multipart message of `k` frames of `size`: all `k` frames have the right size.
fn parts_ok(parts: &[Bytes], k: usize, size: usize) -> bool {
    parts.len() == k && parts.iter().all(|p| p.len() == size)
}

fn multipart_threads(o: &Opts, size: usize) {
    let k = o.frames;
    let n = count_for(o, size * k);
    let ctx = Context::new();
    let (pull, push) = pull_push(&ctx, "inproc://mp", o);
    let payload = vec![0x5au8; size];
    let (got, bytes, bad, s) = two_threads(
        push,
        pull,
        move |push| {
            for _ in 0..n {
                push.send_parts((0..k).map(|_| Bytes::copy_from_slice(&payload)), 0)
                    .expect("send_parts");
            }
        },
        move |pull| {
            let (mut got, mut bytes, mut bad) = (0u64, 0u64, 0u64);
            while got < n {
                let parts = pull.recv_parts(0).expect("recv_parts");
                got += 1;
                bytes += parts.iter().map(|p| p.len() as u64).sum::<u64>();
                bad += u64::from(!parts_ok(&parts, k, size));
            }
            (got, bytes, bad)
        },
    );
    println!(
        "multipart impl=rust mode=threads frames={k} size={size} msgs={n} hwm={} secs={s:.6} msgs_per_sec={:.0} mib_per_sec={:.1} lost={} bad={bad}",
        o.hwm.unwrap_or(1000),
        got as f64 / s,
        bytes as f64 / s / 1048576.0,
        n - got,
    );
}

fn multipart_loop(o: &Opts, size: usize) {
    let k = o.frames;
    let b = Batches::new(o, count_for(o, size * k));
    let ctx = Context::new();
    let (mut pull, mut push) = pull_push(&ctx, "inproc://mploop", o);
    let payload = vec![0x5au8; size];
    let mut bad = 0u64;
    let (s, t_send, t_recv) = b.run(
        |batch| {
            for _ in 0..batch {
                push.send_parts((0..k).map(|_| Bytes::copy_from_slice(&payload)), 0)
                    .expect("send_parts");
            }
        },
        |batch| {
            for _ in 0..batch {
                let parts = pull.recv_parts(0).expect("recv_parts");
                bad += u64::from(!parts_ok(&parts, k, size));
            }
            true
        },
    );
    let n = b.n;
    println!(
        "multipart impl=rust mode=one_thread frames={k} size={size} msgs={n} batch={} secs={s:.6} msgs_per_sec={:.0} send_ns={:.1} recv_ns={:.1} bad={bad}",
        b.k,
        n as f64 / s,
        t_send * 1e9 / n as f64,
        t_recv * 1e9 / n as f64,
    );
}

/// A PUB bound at `ep` and `o.subs` SUB sockets connected to it and subscribed to
/// everything, all with SNDHWM = RCVHWM = 0 (no limit: the PUB drops nothing).
fn fanout_sockets(ctx: &Context, o: &Opts, ep: &str) -> (Socket, Vec<Socket>) {
    let mut publ = ctx.socket(SocketType::Pub).expect("socket");
    set_hwm(&mut publ, 0);
    publ.bind(ep).expect("bind");
    let subs = (0..o.subs)
        .map(|_| {
            let mut s = ctx.socket(SocketType::Sub).expect("socket");
            set_hwm(&mut s, 0);
            s.set_option(id::SUBSCRIBE, b"").expect("SUBSCRIBE");
            s.set_int(id::RCVTIMEO, FANOUT_TIMEOUT_MS)
                .expect("RCVTIMEO");
            s.connect(ep).expect("connect");
            s
        })
        .collect();
    (publ, subs)
}

fn fanout_threads(o: &Opts, size: usize) {
    let n = count_for(o, size);
    let ctx = Context::new();
    let (mut publ, subs) = fanout_sockets(&ctx, o, "inproc://fan");
    let (warm_tx, warm_rx) = mpsc::channel::<()>();
    let threads: Vec<_> = subs
        .into_iter()
        .map(|mut sub| {
            let warm = warm_tx.clone();
            thread::spawn(move || {
                let (mut got, mut bytes, mut bad) = (0u64, 0u64, 0u64);
                // The first message is a warm-up one (empty): the subscription is through.
                match sub.recv(0) {
                    Ok(_) => {
                        let _ = warm.send(());
                        while got < n {
                            match sub.recv(0) {
                                Ok(f) if f.data.is_empty() => {} // a later warm-up message
                                Ok(f) => {
                                    got += 1;
                                    bytes += f.data.len() as u64;
                                    bad += u64::from(f.data.len() != size);
                                }
                                Err(e) => {
                                    eprintln!("bench_inproc: fanout {size}: recv: {e}");
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => eprintln!("bench_inproc: fanout {size}: no warm-up message: {e}"),
                }
                (got, bytes, bad, Instant::now())
            })
        })
        .collect();
    drop(warm_tx);
    // Warm-up: empty messages until every subscriber has one (or one gave up).
    let mut warm = 0;
    while warm < o.subs {
        publ.send(Bytes::new(), 0).expect("send");
        match warm_rx.recv_timeout(Duration::from_millis(1)) {
            Ok(()) => warm += 1,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let payload = vec![0x5au8; size];
    let t0 = Instant::now();
    if warm == o.subs {
        for _ in 0..n {
            publ.send(Bytes::copy_from_slice(&payload), 0)
                .expect("send");
        }
    }
    // The publisher stays open until every subscriber is done.
    let (mut got, mut bytes, mut bad, mut end) = (0u64, 0u64, 0u64, t0);
    for t in threads {
        let (g, by, ba, e) = t.join().expect("subscriber");
        got += g;
        bytes += by;
        bad += ba;
        end = end.max(e);
    }
    drop(publ);
    let s = secs(end - t0);
    let subs = o.subs as u64;
    println!(
        "fanout impl=rust mode=threads subs={subs} size={size} msgs={n} hwm=0 secs={s:.6} msgs_per_sec={:.0} mib_per_sec={:.1} lost={} bad={bad}",
        got as f64 / subs as f64 / s,
        bytes as f64 / subs as f64 / s / 1048576.0,
        n * subs - got,
    );
}

fn fanout_loop(o: &Opts, size: usize) {
    let b = Batches::new(o, count_for(o, size));
    let ctx = Context::new();
    let (mut publ, mut subs) = fanout_sockets(&ctx, o, "inproc://fanloop");
    // Warm-up: empty messages until every subscriber has one; then drop the extra ones.
    let mut warm = vec![false; subs.len()];
    let deadline = Instant::now() + Duration::from_millis(FANOUT_TIMEOUT_MS as u64);
    while warm.iter().any(|w| !w) && Instant::now() < deadline {
        publ.send(Bytes::new(), 0).expect("send");
        for (sub, w) in subs.iter_mut().zip(warm.iter_mut()) {
            match sub.recv(DONTWAIT) {
                Ok(_) => *w = true,
                Err(Error::Again) => {}
                Err(e) => panic!("recv: {e}"),
            }
        }
    }
    for sub in &mut subs {
        while sub.recv(DONTWAIT).is_ok() {}
    }
    let payload = vec![0x5au8; size];
    let (mut got, mut bad) = (0u64, 0u64);
    let (s, t_send, t_recv) = b.run(
        |batch| {
            for _ in 0..batch {
                publ.send(Bytes::copy_from_slice(&payload), 0)
                    .expect("send");
            }
        },
        |batch| {
            for sub in &mut subs {
                for _ in 0..batch {
                    match sub.recv(0) {
                        Ok(f) => {
                            got += 1;
                            bad += u64::from(f.data.len() != size);
                        }
                        Err(e) => {
                            eprintln!("bench_inproc: fanout {size}: recv: {e}");
                            return false;
                        }
                    }
                }
            }
            true
        },
    );
    let (n, subs) = (b.n, o.subs as u64);
    println!(
        "fanout impl=rust mode=one_thread subs={subs} size={size} msgs={n} batch={} hwm=0 secs={s:.6} msgs_per_sec={:.0} send_ns={:.1} recv_ns={:.1} lost={} bad={bad}",
        b.k,
        n as f64 / s,
        t_send * 1e9 / n as f64,
        t_recv * 1e9 / (n * subs) as f64,
        n * subs - got,
    );
}

fn main() {
    let o = parse_args();
    let want = |w: &str| has(&o.what, w);
    print_version();
    if want("push_pull") {
        for &size in &o.sizes {
            push_pull(&o, size, true);
            if o.zerocopy {
                push_pull(&o, size, false);
            }
        }
    }
    if want("loop") {
        for &size in &o.sizes {
            send_recv_loop(&o, size);
        }
    }
    if want("req_rep") || want("req_rep_threads") {
        req_rep_threads(&o);
    }
    if want("req_rep") || want("req_rep_one_thread") {
        req_rep_one_thread(&o);
    }
    for &size in &o.sizes {
        if want("multipart") || want("multipart_threads") {
            multipart_threads(&o, size);
        }
        if want("multipart") || want("multipart_one_thread") {
            multipart_loop(&o, size);
        }
        if want("fanout") || want("fanout_threads") {
            fanout_threads(&o, size);
        }
        if want("fanout") || want("fanout_one_thread") {
            fanout_loop(&o, size);
        }
    }
}
