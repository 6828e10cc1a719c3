//! tcp:// and ipc:// benchmarks of the engine, driven by bench/run.pl (and usable by hand):
//!
//! ```text
//! cargo run --release -p zmq-rust-core --example bench_net -- [OPTIONS]
//! ```
//!
//! The two ends run in **separate processes**, as with libzmq's `local_thr`/`remote_thr` and
//! `local_lat`/`remote_lat`: this process (the one that measures and prints) binds, then
//! starts a copy of itself (`--role send` or `--role echo`) that connects. The child's stdin
//! is a control pipe: `go` starts the sender, `done` lets it close (so the sender's socket
//! stays open until the receiver has every message).
//!
//! Prints one machine-readable line per measurement, `NAME key=value ...`:
//!
//! * `push_pull`  PULL (here, binds) and PUSH (child, connects). The child sends one warm-up
//!   message, waits for `go`, then sends `msgs` messages; the clock runs from `go` to the
//!   last message received. `lost` (messages not received) must be 0.
//! * `req_rep`    REQ (here, binds) and an echoing REP (child, connects): one warm-up round
//!   trip, then `rt` timed ones; `us_per_rt` is one full round trip (libzmq's `remote_lat`
//!   prints half of it).
//! * `multipart`  as `push_pull`, with messages of `frames` frames of `size` bytes each
//!   (`send_parts` in the child, `recv_parts` here; the warm-up message is one too);
//!   `msgs_per_sec` counts whole messages.
//! * `fanout`     PUB (here, binds) and `subs` SUB children (`--role sub`, one SUB socket
//!   each, subscribed to everything), SNDHWM = RCVHWM = 0 (no limit: PUB drops nothing).
//!   A child's stdout is a pipe back to us: it writes `warm` when its first message arrives
//!   and `got=G bytes=B bad=X` when it has all `msgs` (or gave up). The publisher sends empty
//!   warm-up messages (every ms) until every child said `warm`; the clock runs from then
//!   until every child has reported. `msgs_per_sec` is messages delivered to *each*
//!   subscriber per second; `lost` is summed over the subscribers.
//!
//! Options: `--transport tcp,ipc`, `--what push_pull,req_rep,multipart,fanout`, `--sizes
//! 1,100,1024,65536,1048576`, `--msgs N`, `--max-mb M` (caps a size's messages at M MiB of
//! payload, at least 100 messages: same rule as bench/c/net_thr.c and bench/perl_net.pl; a
//! multipart message counts `frames` times its size), `--rt N`, `--rt-size B`, `--hwm N`
//! (push_pull, multipart), `--frames K` (default 3), `--subs S` (default 2), `--timeout S`
//! (a receive that waits longer fails the run; the child is killed after S seconds).
//!
//! tcp binds `tcp://127.0.0.1:*` (an ephemeral port); ipc binds a socket in a fresh private
//! directory (mode 0700) under $TMPDIR or /tmp, removed afterwards.
//!
//! Every sent message is a fresh copy of the payload (`Bytes::copy_from_slice`), as
//! `zmq_send` and the Perl bindings do; the receiver takes the frame without copying.

mod common;

use bytes::Bytes;
use common::{child_guard, has, print_version, PrivateDir, Prog};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Socket, SocketType};

struct Opts {
    transports: Vec<String>,
    what: Vec<String>,
    sizes: Vec<usize>,
    msgs: u64,
    max_mb: u64,
    rt: u64,
    rt_size: usize,
    hwm: Option<i32>,
    frames: usize,
    subs: usize,
    timeout: u32,
    // Child side.
    role: Option<String>,
    endpoint: String,
    size: usize,
    count: u64,
}

static PROG: Prog = Prog {
    name: "bench_net",
    usage: "[--transport tcp,ipc] [--what push_pull,req_rep,multipart,fanout] \
            [--sizes 1,100,1024,65536,1048576] [--msgs N] [--max-mb M] [--rt N] [--rt-size B] \
            [--hwm N] [--frames K] [--subs S] [--timeout S]",
};

fn parse_args() -> Opts {
    let mut o = Opts {
        transports: vec!["tcp".into(), "ipc".into()],
        what: ["push_pull", "req_rep", "multipart", "fanout"]
            .map(String::from)
            .to_vec(),
        sizes: vec![1, 100, 1024, 65536, 1 << 20],
        msgs: 2_000_000,
        max_mb: 4096,
        rt: 20_000,
        rt_size: 100,
        hwm: None,
        frames: 3,
        subs: 2,
        timeout: 120,
        role: None,
        endpoint: String::new(),
        size: 0,
        count: 0,
    };
    let mut args = PROG.args();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--transport" => o.transports = args.list(),
            "--what" => o.what = args.list(),
            "--sizes" => o.sizes = args.nums(),
            "--msgs" => o.msgs = args.num(),
            "--max-mb" => o.max_mb = args.num(),
            "--rt" => o.rt = args.num(),
            "--rt-size" => o.rt_size = args.num(),
            "--hwm" => o.hwm = Some(args.num()),
            "--frames" => o.frames = args.num(),
            "--subs" => o.subs = args.num(),
            "--timeout" => o.timeout = args.num(),
            "--role" => o.role = Some(args.val()),
            "--endpoint" => o.endpoint = args.val(),
            "--size" => o.size = args.num(),
            "--count" => o.count = args.num(),
            _ => args.unknown(),
        }
    }
    if o.msgs == 0 || o.rt == 0 || o.timeout == 0 || o.frames == 0 || o.subs == 0 {
        PROG.usage("--msgs, --rt, --timeout, --frames and --subs must be > 0");
    }
    PROG.check(&o.transports, &["tcp", "ipc"], "transport");
    o
}

/// Messages for one size: `msgs`, capped at `max_mb` MiB of payload (at least 100).
/// Same rule as bench/c/net_thr.c and bench/perl_net.pl.
fn count_for(o: &Opts, size: usize) -> u64 {
    common::count_for(o.msgs, o.max_mb, size, 100)
}

/// HWM of the sockets that carry the messages (push_pull, multipart), if `--hwm`.
fn set_hwm(s: &mut Socket, hwm: Option<i32>) {
    if let Some(h) = hwm {
        common::set_hwm(s, h);
    }
}

/// Binds `sock` for `transport`; returns the endpoint a peer connects to.
fn bind(sock: &mut Socket, transport: &str, dir: &mut Option<PrivateDir>) -> String {
    common::bind(sock, transport, "bench", dir)
}

/// Starts a copy of this program in `role`; its stdin is our control pipe.
fn spawn(o: &Opts, role: &str, ep: &str, size: usize, count: u64) -> (Child, ChildStdin) {
    spawn_with(o, role, ep, size, count, Stdio::null())
}

/// `spawn`, with the child's stdout connected to `stdout` (our own stdout is the result
/// channel: the child must not write to it).
fn spawn_with(
    o: &Opts,
    role: &str,
    ep: &str,
    size: usize,
    count: u64,
    stdout: Stdio,
) -> (Child, ChildStdin) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = Command::new(exe);
    cmd.args(["--role", role, "--endpoint", ep])
        .args(["--size", &size.to_string(), "--count", &count.to_string()])
        .args(["--timeout", &o.timeout.to_string()])
        .args(["--frames", &o.frames.to_string()]);
    if let Some(h) = o.hwm {
        cmd.args(["--hwm", &h.to_string()]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let stdin = child.stdin.take().expect("child stdin");
    (child, stdin)
}

fn tell(ctl: &mut ChildStdin, what: &str) {
    ctl.write_all(what.as_bytes())
        .and_then(|()| ctl.write_all(b"\n"))
        .and_then(|()| ctl.flush())
        .expect("write to child");
}

/// Ends the child: `done`, close the pipe, wait (kill it if the run failed).
fn finish(mut child: Child, mut ctl: ChildStdin, ok: bool) -> bool {
    if ok {
        let _ = ctl.write_all(b"done\n");
    } else {
        let _ = child.kill();
    }
    drop(ctl);
    match child.wait() {
        Ok(st) => st.success() || !ok,
        Err(_) => false,
    }
}

/// Runs `op` (a send or receive) until it succeeds, giving up when the child exited or after
/// `--timeout` seconds. Then sets both timeouts to `--timeout`, so that a stalled run fails
/// instead of hanging.
fn warm_up(
    o: &Opts,
    sock: &mut Socket,
    child: &mut Child,
    mut op: impl FnMut(&mut Socket) -> zmq_rust_core::Result<()>,
) -> bool {
    sock.set_int(id::SNDTIMEO, 200).expect("SNDTIMEO");
    sock.set_int(id::RCVTIMEO, 200).expect("RCVTIMEO");
    let deadline = Instant::now() + std::time::Duration::from_secs(u64::from(o.timeout));
    let ok = loop {
        match op(sock) {
            Ok(()) => break true,
            Err(zmq_rust_core::Error::Again) => {
                if Instant::now() > deadline || !matches!(child.try_wait(), Ok(None)) {
                    break false;
                }
            }
            Err(e) => {
                eprintln!("bench_net: warm-up: {e}");
                break false;
            }
        }
    };
    let t = (o.timeout * 1000) as i32;
    sock.set_int(id::SNDTIMEO, t).expect("SNDTIMEO");
    sock.set_int(id::RCVTIMEO, t).expect("RCVTIMEO");
    ok
}

/// What the PULL of `push_pull` and `multipart` received on the clock.
struct Received {
    got: u64,
    bytes: u64,
    bad: u64,
    secs: f64,
}

/// PULL here (binds; `--hwm`) and a child in `role` that connects and sends `n` messages:
/// once its warm-up message has come, `go` starts the clock and `recv` receives the `n`
/// messages one at a time (returning the bytes of one and whether it is right); then `done`
/// lets the child close. None if no warm-up message came; else what was received and
/// whether the child ended well. `what` names the measurement in messages.
fn receive_from_child(
    o: &Opts,
    what: &str,
    transport: &str,
    role: &str,
    size: usize,
    n: u64,
    mut recv: impl FnMut(&mut Socket) -> zmq_rust_core::Result<(u64, bool)>,
) -> Option<(Received, bool)> {
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).expect("socket");
    set_hwm(&mut pull, o.hwm);
    let mut dir = None;
    let ep = bind(&mut pull, transport, &mut dir);
    let (mut child, mut ctl) = spawn(o, role, &ep, size, n);
    // The warm-up message: the connection is up.
    if !warm_up(o, &mut pull, &mut child, |s| recv(s).map(drop)) {
        eprintln!("bench_net: {what} {transport} {size}: no warm-up message");
        finish(child, ctl, false);
        return None;
    }
    let t0 = Instant::now();
    tell(&mut ctl, "go");
    let (mut got, mut bytes, mut bad) = (0u64, 0u64, 0u64);
    while got < n {
        match recv(&mut pull) {
            Ok((len, ok)) => {
                got += 1;
                bytes += len;
                bad += u64::from(!ok);
            }
            Err(e) => {
                eprintln!("bench_net: {what} {transport} {size}: recv: {e}");
                break;
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let child_ok = finish(child, ctl, got == n);
    drop(pull);
    drop(dir);
    Some((
        Received {
            got,
            bytes,
            bad,
            secs,
        },
        child_ok,
    ))
}

fn push_pull(o: &Opts, transport: &str, size: usize) -> bool {
    let n = count_for(o, size);
    let Some((r, child_ok)) = receive_from_child(o, "push_pull", transport, "send", size, n, |s| {
        let f = s.recv(0)?;
        Ok((f.data.len() as u64, f.data.len() == size))
    }) else {
        return false;
    };
    let (s, bad) = (r.secs, r.bad);
    println!(
        "push_pull impl=rust transport={transport} procs=2 size={size} msgs={n} hwm={} secs={s:.6} msgs_per_sec={:.0} mib_per_sec={:.1} lost={} bad={bad}",
        o.hwm.unwrap_or(1000),
        r.got as f64 / s,
        r.bytes as f64 / s / 1048576.0,
        n - r.got,
    );
    r.got == n && child_ok
}

fn req_rep(o: &Opts, transport: &str) -> bool {
    let n = o.rt;
    let size = o.rt_size;
    let ctx = Context::new();
    let mut req = ctx.socket(SocketType::Req).expect("socket");
    let mut dir = None;
    let ep = bind(&mut req, transport, &mut dir);
    let (mut child, ctl) = spawn(o, "echo", &ep, size, n + 1);
    let payload = vec![0x5au8; size];
    let mut bad = 0u64;
    let mut done = 0u64;
    // Warm-up round trip: the connection is up.
    let mut ok = warm_up(o, &mut req, &mut child, |s| {
        s.send(Bytes::copy_from_slice(&payload), 0)
    }) && warm_up(o, &mut req, &mut child, |s| s.recv(0).map(drop));
    if !ok {
        eprintln!("bench_net: req_rep {transport}: no warm-up round trip");
    }
    let t0 = Instant::now();
    while ok && done < n {
        if let Err(e) = req.send(Bytes::copy_from_slice(&payload), 0) {
            eprintln!("bench_net: req_rep {transport}: send: {e}");
            ok = false;
            break;
        }
        match req.recv(0) {
            Ok(f) => {
                done += 1;
                bad += u64::from(f.data.len() != size);
            }
            Err(e) => {
                eprintln!("bench_net: req_rep {transport}: recv: {e}");
                ok = false;
            }
        }
    }
    let s = t0.elapsed().as_secs_f64();
    let child_ok = finish(child, ctl, ok);
    if ok {
        println!(
            "req_rep impl=rust transport={transport} mode=procs size={size} rts={n} secs={s:.6} us_per_rt={:.3} bad={bad}",
            s * 1e6 / n as f64
        );
    }
    drop(req);
    drop(dir);
    ok && child_ok
}

fn multipart(o: &Opts, transport: &str, size: usize) -> bool {
    let k = o.frames;
    let n = count_for(o, size * k);
    let Some((r, child_ok)) =
        receive_from_child(o, "multipart", transport, "send_multipart", size, n, |s| {
            let parts = s.recv_parts(0)?;
            let bytes = parts.iter().map(|p| p.len() as u64).sum::<u64>();
            Ok((
                bytes,
                parts.len() == k && parts.iter().all(|p| p.len() == size),
            ))
        })
    else {
        return false;
    };
    let (s, bad) = (r.secs, r.bad);
    println!(
        "multipart impl=rust transport={transport} mode=procs procs=2 frames={k} size={size} msgs={n} hwm={} secs={s:.6} msgs_per_sec={:.0} mib_per_sec={:.1} lost={} bad={bad}",
        o.hwm.unwrap_or(1000),
        r.got as f64 / s,
        r.bytes as f64 / s / 1048576.0,
        n - r.got,
    );
    r.got == n && child_ok
}

/// A `fanout` child's report: `got=G bytes=B bad=X`, as numbers.
fn parse_report(line: &str) -> (u64, u64, u64) {
    let get = |key: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
            .unwrap_or(0)
    };
    (get("got"), get("bytes"), get("bad"))
}

fn fanout(o: &Opts, transport: &str, size: usize) -> bool {
    let n = count_for(o, size);
    let ctx = Context::new();
    let mut publ = ctx.socket(SocketType::Pub).expect("socket");
    common::set_hwm(&mut publ, 0);
    let mut dir = None;
    let ep = bind(&mut publ, transport, &mut dir);
    // Each child's stdout is read by a thread of ours, which forwards its lines here.
    let (line_tx, line_rx) = mpsc::channel::<(usize, String)>();
    let mut children = Vec::new();
    for i in 0..o.subs {
        let (mut child, ctl) = spawn_with(o, "sub", &ep, size, n, Stdio::piped());
        let out = child.stdout.take().expect("child stdout");
        let tx = line_tx.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                match l {
                    Ok(l) => {
                        if tx.send((i, l)).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send((i, String::from("eof")));
        });
        children.push((child, ctl));
    }
    drop(line_tx);
    // Warm-up: empty messages until every subscriber has one (its connection and its
    // subscription are through), giving up after --timeout or if a child ends.
    let deadline = Instant::now() + Duration::from_secs(u64::from(o.timeout));
    let mut warm = vec![false; o.subs];
    let mut reports: Vec<Option<String>> = vec![None; o.subs];
    let mut ok = true;
    while ok && warm.iter().any(|w| !w) {
        publ.send(Bytes::new(), 0).expect("send");
        match line_rx.recv_timeout(Duration::from_millis(1)) {
            Ok((i, l)) if l == "warm" => warm[i] = true,
            Ok((i, l)) => {
                eprintln!(
                    "bench_net: fanout {transport} {size}: subscriber {i}: {l} before warm-up"
                );
                ok = false;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => ok = Instant::now() < deadline,
            Err(mpsc::RecvTimeoutError::Disconnected) => ok = false,
        }
    }
    if !ok {
        eprintln!("bench_net: fanout {transport} {size}: no warm-up message");
    }
    let payload = vec![0x5au8; size];
    let t0 = Instant::now();
    if ok {
        for _ in 0..n {
            publ.send(Bytes::copy_from_slice(&payload), 0)
                .expect("send");
        }
        // The publisher stays open until every subscriber has reported.
        while reports.iter().any(Option::is_none) {
            match line_rx.recv() {
                Ok((i, l)) => {
                    if reports[i].is_none() {
                        reports[i] = Some(l);
                    }
                }
                Err(_) => break,
            }
        }
    }
    let s = t0.elapsed().as_secs_f64();
    let (mut got, mut bytes, mut bad) = (0u64, 0u64, 0u64);
    for r in reports.iter().flatten() {
        let (g, by, ba) = parse_report(r);
        got += g;
        bytes += by;
        bad += ba;
    }
    let subs = o.subs as u64;
    let all = got == n * subs;
    let mut children_ok = true;
    for (child, ctl) in children {
        children_ok &= finish(child, ctl, ok && all);
    }
    if ok {
        println!(
            "fanout impl=rust transport={transport} mode=procs procs={} subs={subs} size={size} msgs={n} hwm=0 secs={s:.6} msgs_per_sec={:.0} mib_per_sec={:.1} lost={} bad={bad}",
            subs + 1,
            got as f64 / subs as f64 / s,
            bytes as f64 / subs as f64 / s / 1048576.0,
            n * subs - got,
        );
    }
    drop(publ);
    drop(dir);
    ok && all && children_ok
}

fn read_ctl(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> Option<String> {
    lines.next().and_then(|l| l.ok())
}

/// `--role send`: PUSH, connect, one warm-up message, wait for `go`, send, wait for `done`.
fn child_send(o: &Opts) {
    child_guard(o.timeout);
    let mut ctl = BufReader::new(std::io::stdin().lock()).lines();
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).expect("socket");
    set_hwm(&mut push, o.hwm);
    push.connect(&o.endpoint).expect("connect");
    let payload = vec![0x5au8; o.size];
    push.send(Bytes::copy_from_slice(&payload), 0)
        .expect("send");
    if read_ctl(&mut ctl).as_deref() != Some("go") {
        std::process::exit(1);
    }
    for _ in 0..o.count {
        push.send(Bytes::copy_from_slice(&payload), 0)
            .expect("send");
    }
    // Stay open until the receiver has everything.
    let _ = read_ctl(&mut ctl);
    drop(push);
    drop(ctx);
}

/// `--role echo`: REP, connect, echo `count` messages, wait for `done`.
fn child_echo(o: &Opts) {
    child_guard(o.timeout);
    let mut ctl = BufReader::new(std::io::stdin().lock()).lines();
    let ctx = Context::new();
    let mut rep = ctx.socket(SocketType::Rep).expect("socket");
    rep.connect(&o.endpoint).expect("connect");
    for _ in 0..o.count {
        let f = rep.recv(0).expect("rep recv");
        rep.send(f.data, 0).expect("rep send");
    }
    let _ = read_ctl(&mut ctl);
    drop(rep);
    drop(ctx);
}

/// `--role send_multipart`: as `send`, with messages of `frames` frames (`send_parts`).
fn child_send_multipart(o: &Opts) {
    child_guard(o.timeout);
    let mut ctl = BufReader::new(std::io::stdin().lock()).lines();
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).expect("socket");
    set_hwm(&mut push, o.hwm);
    push.connect(&o.endpoint).expect("connect");
    let payload = vec![0x5au8; o.size];
    let k = o.frames;
    let message = || (0..k).map(|_| Bytes::copy_from_slice(&payload));
    push.send_parts(message(), 0).expect("send_parts"); // warm-up
    if read_ctl(&mut ctl).as_deref() != Some("go") {
        std::process::exit(1);
    }
    for _ in 0..o.count {
        push.send_parts(message(), 0).expect("send_parts");
    }
    // Stay open until the receiver has everything.
    let _ = read_ctl(&mut ctl);
    drop(push);
    drop(ctx);
}

/// `--role sub`: SUB subscribed to everything, connect; `warm` on stdout when the first
/// (warm-up) message arrives, then receive `count` non-empty messages and report
/// `got=G bytes=B bad=X` (fewer if no message comes for `timeout`/2 s); wait for `done`.
fn child_sub(o: &Opts) {
    child_guard(o.timeout);
    let mut ctl = BufReader::new(std::io::stdin().lock()).lines();
    let mut out = std::io::stdout().lock();
    let ctx = Context::new();
    let mut sub = ctx.socket(SocketType::Sub).expect("socket");
    common::set_hwm(&mut sub, 0);
    // Half the time the child has (child_guard), so that it reports what it got.
    sub.set_int(id::RCVTIMEO, (o.timeout * 500).max(1000) as i32)
        .expect("RCVTIMEO");
    sub.set_option(id::SUBSCRIBE, b"").expect("SUBSCRIBE");
    sub.connect(&o.endpoint).expect("connect");
    let (mut got, mut bytes, mut bad) = (0u64, 0u64, 0u64);
    match sub.recv(0) {
        Ok(_) => {
            writeln!(out, "warm")
                .and_then(|()| out.flush())
                .expect("stdout");
            while got < o.count {
                match sub.recv(0) {
                    Ok(f) if f.data.is_empty() => {} // a later warm-up message
                    Ok(f) => {
                        got += 1;
                        bytes += f.data.len() as u64;
                        bad += u64::from(f.data.len() != o.size);
                    }
                    Err(e) => {
                        eprintln!("bench_net: sub: recv: {e}");
                        break;
                    }
                }
            }
        }
        Err(e) => eprintln!("bench_net: sub: no warm-up message: {e}"),
    }
    writeln!(out, "got={got} bytes={bytes} bad={bad}")
        .and_then(|()| out.flush())
        .expect("stdout");
    let _ = read_ctl(&mut ctl);
    drop(sub);
    drop(ctx);
}

fn main() {
    let o = parse_args();
    match o.role.as_deref() {
        Some("send") => return child_send(&o),
        Some("echo") => return child_echo(&o),
        Some("send_multipart") => return child_send_multipart(&o),
        Some("sub") => return child_sub(&o),
        Some(r) => PROG.usage(&format!("unknown role {r}")),
        None => {}
    }
    let want = |w: &str| has(&o.what, w);
    print_version();
    let mut ok = true;
    for t in &o.transports {
        if want("push_pull") {
            for &size in &o.sizes {
                ok &= push_pull(&o, t, size);
            }
        }
        if want("req_rep") {
            ok &= req_rep(&o, t);
        }
        if want("multipart") {
            for &size in &o.sizes {
                ok &= multipart(&o, t, size);
            }
        }
        if want("fanout") {
            for &size in &o.sizes {
                ok &= fanout(&o, t, size);
            }
        }
    }
    std::process::exit(if ok { 0 } else { 1 });
}
