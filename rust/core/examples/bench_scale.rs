//! Memory and scale measurements of the engine, driven by bench/scale.pl (and usable by hand):
//!
//! ```text
//! cargo run --release -p zmq-rust-core --example bench_scale -- --what hwm,conns,fanout
//! ```
//!
//! bench/c/scale.c measures libzmq the same way, with the same options and output keys.
//! Prints one machine-readable line per measurement, `NAME impl=rust key=value ...`:
//!
//! * `hwm` (`--transport tcp,ipc,inproc`, `--hwms 1000,10`, `--size 1048576`): PULL here
//!   (binds), PUSH in a second process (tcp, ipc; a copy of this program, `--role hwm-send`)
//!   or in a second thread (inproc), SNDHWM = RCVHWM = the HWM on both. After one warm-up
//!   message the receiver stops reading and the sender sends `msgs` messages of `size` bytes
//!   (each a fresh copy, its sequence number in the first 8 bytes) as fast as it can. Once
//!   the sender's count has not moved for `--settle-ms`, everything the path holds is in
//!   flight (`in_flight` messages: SNDHWM + RCVHWM + what the kernel buffers); the receiver
//!   holds on for `--hold` s more, then drains and checks every message (`lost`, `bad`).
//!   RSS is sampled every `--sample-ms` (VmRSS of /proc/PID/status) in both processes, the
//!   peak is the kernel's VmHWM (reset to the current RSS just before the sender starts, by
//!   writing 5 to /proc/PID/clear_refs). Keys (KiB): `recv_base_kib` / `send_base_kib` (RSS
//!   before), `recv_peak_kib` / `send_peak_kib` (VmHWM), `recv_full_kib` (RSS at the end of
//!   the hold), `recv_after_kib` (RSS after the drain), and the bound the HWM implies,
//!   `recv_bound_kib` = (RCVHWM + 3) x footprint and `send_bound_kib` = (SNDHWM + 3) x
//!   footprint, where a message's footprint is its size plus the allocator's 16-byte header
//!   in whole pages (1 MiB: 1028 KiB). Receiver: the pipe, plus one message each in the
//!   connection's read buffer, waiting for room in the pipe, and in the application's hand;
//!   sender: the pipe, plus the message being written, the one being sent, and the payload
//!   it is copied from. The kernel's socket buffers are not in RSS. inproc has one process:
//!   the `recv_*` keys are the process and the bound is (SNDHWM + RCVHWM + 3) x footprint.
//! * `conns` (`--conns 10000`, `--dealer-procs 2`, `--idle 5`, `--backlog N`: the ROUTER's
//!   BACKLOG, default libzmq's 100): a ROUTER here (IO_THREADS=1, ROUTER_MANDATORY), the DEALERs in `dealer-procs` other processes (`--role dealers`; the
//!   fd limit, 20 000 here, does not hold 10 000 connecting sockets in one process for either
//!   implementation). The DEALERs are created first; then the clock starts, each connects and
//!   sends `h<index>`, and it stops when the ROUTER has received all of them from distinct
//!   routing ids (`accept_secs`). RSS (`rss_before_kib`, `rss_after_kib`, `per_conn_bytes` =
//!   the difference / conns) and open fds (`fds_before`, `fds_after`) of the ROUTER process;
//!   then `idle` s of nothing: CPU time of the ROUTER process (`idle_cpu_ms`, from
//!   /proc/PID/task/*/schedstat; every thread but the measuring one, which only sleeps) and
//!   its context switches (`idle_wakeups`), and the CPU time of the DEALER processes
//!   together (`dealer_idle_cpu_ms`, all their threads). Then the ROUTER sends `r<index>` to
//!   every routing id and the DEALERs check that each got its own (`replies_ok`, `lost`,
//!   `bad`). Soft fd limits are raised to the hard limit in every process.
//! * `fanout` (`--transport tcp,ipc`, `--subs 100`, `--sub-procs 2`, `--fanout-msgs N`,
//!   `--fanout-size 100`): one PUB here, `subs` SUB sockets (subscribed to everything) spread
//!   over `sub-procs` processes (`--role subs`; each process reads its SUBs in one thread).
//!   Lossless: SNDHWM = RCVHWM = 0 (no limit). The PUB sends warm-up messages until every SUB
//!   has one, then the clock starts and it sends N messages of `fanout-size` bytes (sequence
//!   number inside). Each SUB checks it got all N in order (`lost`, `bad`) and notes when it
//!   had the last (CLOCK_MONOTONIC, common to all processes). `all_secs`: until the last SUB
//!   had everything; `first_secs`: the first one; `total_msgs_per_sec` = N x subs /
//!   `all_secs`; `per_sub_msgs_per_sec`: the median over the SUBs of N / their own time;
//!   `send_secs`: the PUB's sends, `send_cpu_secs`: the CPU time of its thread meanwhile; `pub_peak_kib` / `pub_base_kib`: the PUB process's VmHWM
//!   and RSS before (with no HWM it queues what the subscribers have not taken yet).
//!
//! Every process kills itself after `--timeout` s (+ 30 s for the measuring one) and the
//! children die with their parent; waits give up at the timeout and report what is missing
//! as `lost`. Exit status 1 if a measurement failed or lost messages.

mod common;

use bytes::{Bytes, BytesMut};
use common::{child_guard, has, mono_ns, print_version, set_hwm, PrivateDir, Prog};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use zmq_rust_core::options::id;
use zmq_rust_core::poll::{poll, PollItem, Target};
use zmq_rust_core::{ctx_opt, Context, Error, Socket, SocketType, DONTWAIT, POLLIN};

#[derive(Clone)]
struct Opts {
    what: Vec<String>,
    transports: Vec<String>,
    size: usize,
    hwms: Vec<i32>,
    msgs: Option<u64>,
    hold: f64,
    settle_ms: u64,
    sample_ms: u64,
    series: bool,
    conns: usize,
    backlog: Option<i32>,
    dealer_procs: usize,
    idle: f64,
    subs: usize,
    sub_procs: usize,
    fanout_msgs: u64,
    fanout_size: usize,
    timeout: u32,
    // Child side.
    role: Option<String>,
    endpoint: String,
    count: u64,
    index: u64,
    hwm: i32,
}

static PROG: Prog = Prog {
    name: "bench_scale",
    usage: "[--what hwm,conns,fanout] [--transport tcp,ipc,inproc] [--size B] \
            [--hwms 1000,10] [--msgs N] [--hold S] [--settle-ms MS] [--sample-ms MS] [--series] \
            [--conns N] [--backlog N] [--dealer-procs P] [--idle S] [--subs N] [--sub-procs P] \
            [--fanout-msgs N] [--fanout-size B] [--timeout S]",
};

fn parse_args() -> Opts {
    let mut o = Opts {
        what: vec!["hwm".into(), "conns".into(), "fanout".into()],
        transports: vec!["tcp".into(), "ipc".into(), "inproc".into()],
        size: 1 << 20,
        hwms: vec![1000, 10],
        msgs: None,
        hold: 1.0,
        settle_ms: 1000,
        sample_ms: 20,
        series: false,
        conns: 10_000,
        backlog: None,
        dealer_procs: 2,
        idle: 5.0,
        subs: 100,
        sub_procs: 2,
        fanout_msgs: 100_000,
        fanout_size: 100,
        timeout: 120,
        role: None,
        endpoint: String::new(),
        count: 0,
        index: 0,
        hwm: 1000,
    };
    let mut args = PROG.args();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--what" => o.what = args.list(),
            "--transport" => o.transports = args.list(),
            "--size" => o.size = args.num(),
            "--hwms" => o.hwms = args.nums(),
            "--msgs" => o.msgs = Some(args.num()),
            "--hold" => o.hold = args.num(),
            "--settle-ms" => o.settle_ms = args.num(),
            "--sample-ms" => o.sample_ms = args.num(),
            "--series" => o.series = true,
            "--conns" => o.conns = args.num(),
            "--backlog" => o.backlog = Some(args.num()),
            "--dealer-procs" => o.dealer_procs = args.num(),
            "--idle" => o.idle = args.num(),
            "--subs" => o.subs = args.num(),
            "--sub-procs" => o.sub_procs = args.num(),
            "--fanout-msgs" => o.fanout_msgs = args.num(),
            "--fanout-size" => o.fanout_size = args.num(),
            "--timeout" => o.timeout = args.num(),
            "--role" => o.role = Some(args.val()),
            "--endpoint" => o.endpoint = args.val(),
            "--count" => o.count = args.num(),
            "--index" => o.index = args.num(),
            "--hwm" => o.hwm = args.num(),
            _ => args.unknown(),
        }
    }
    PROG.check(&o.what, &["hwm", "conns", "fanout"], "measurement");
    PROG.check(&o.transports, &["tcp", "ipc", "inproc"], "transport");
    if o.size < 8 || o.fanout_size < 9 {
        PROG.usage("--size must be >= 8 and --fanout-size >= 9 (they carry a sequence number)");
    }
    if o.timeout == 0 || o.dealer_procs == 0 || o.sub_procs == 0 || o.conns == 0 || o.subs == 0 {
        PROG.usage("--timeout, --conns, --dealer-procs, --subs and --sub-procs must be > 0");
    }
    if o.hwms.iter().any(|&h| h <= 0) {
        PROG.usage("--hwms: each HWM must be > 0 (0 means no limit: nothing to measure)");
    }
    o
}

// ------------------------------------------------------------------ process figures

/// CPU time of the calling thread in ns.
fn thread_cpu_ns() -> u64 {
    common::clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// (VmRSS, VmHWM) of a process in KiB, from /proc/PID/status.
fn proc_mem(pid: u32) -> (u64, u64) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the kernel's peak RSS (VmHWM) of a process to its current RSS.
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// CPU time used by the threads of a process in ns, and their context switches (each one a
/// sleep or a preemption), from /proc/PID/task/*/{schedstat,status}; `skip` leaves out one
/// thread (the one measuring).
fn proc_cpu(pid: u32, skip: Option<i32>) -> (u64, u64) {
    let (mut ns, mut sw) = (0u64, 0u64);
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return (0, 0);
    };
    for t in dir.flatten() {
        if skip.is_some_and(|tid| t.file_name().to_str() == Some(tid.to_string().as_str())) {
            continue;
        }
        let p = t.path();
        if let Ok(s) = std::fs::read_to_string(p.join("schedstat")) {
            ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(s) = std::fs::read_to_string(p.join("status")) {
            for l in s.lines() {
                if let Some(v) = l
                    .strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| l.strip_prefix("nonvoluntary_ctxt_switches:"))
                {
                    sw += v.trim().parse::<u64>().unwrap_or(0);
                }
            }
        }
    }
    (ns, sw)
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// Raises the soft fd limit to the hard limit; returns the new soft limit.
fn raise_nofile() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < r.rlim_max {
            r.rlim_cur = r.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        }
    }
    r.rlim_cur
}

/// Samples VmRSS of some processes every `every` until stopped.
struct Sampler {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Vec<(u64, Vec<u64>)>>,
}

impl Sampler {
    fn start(pids: Vec<u32>, every: Duration) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let t0 = Instant::now();
            let mut v = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let rss = pids.iter().map(|&p| proc_mem(p).0).collect();
                v.push((t0.elapsed().as_millis() as u64, rss));
                std::thread::sleep(every);
            }
            v
        });
        Sampler { stop, handle }
    }

    /// The samples: (ms since start, VmRSS KiB of each process).
    fn finish(self) -> Vec<(u64, Vec<u64>)> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// The largest sample of process `i`.
fn max_sample(samples: &[(u64, Vec<u64>)], i: usize) -> u64 {
    samples
        .iter()
        .filter_map(|(_, v)| v.get(i).copied())
        .max()
        .unwrap_or(0)
}

// ------------------------------------------------------------------ children

/// A copy of this program in a child role: stdin is our control pipe, its stdout lines come
/// back through a channel (so that every wait has a deadline).
struct Kid {
    child: Child,
    ctl: ChildStdin,
    lines: mpsc::Receiver<String>,
    pid: u32,
}

impl Kid {
    fn spawn(args: &[String]) -> Kid {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let ctl = child.stdin.take().expect("child stdin");
        let out = child.stdout.take().expect("child stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let pid = child.id();
        Kid {
            child,
            ctl,
            lines,
            pid,
        }
    }

    /// `total` sockets spread over `procs` children in `role` (at most one per socket), which
    /// connect to `ep`: each gets its share (`--count`) and the number of its first socket
    /// (`--index`), then `args`.
    fn spread(
        o: &Opts,
        role: &str,
        ep: &str,
        total: usize,
        procs: usize,
        args: &[String],
    ) -> Vec<Kid> {
        let procs = procs.min(total);
        let mut base = 0usize;
        (0..procs)
            .map(|p| {
                let k = total / procs + usize::from(p < total % procs);
                let mut a: Vec<String> = ["--role", role, "--endpoint", ep]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                a.extend([
                    "--count".into(),
                    k.to_string(),
                    "--index".into(),
                    base.to_string(),
                ]);
                a.extend(["--timeout".into(), o.timeout.to_string()]);
                a.extend_from_slice(args);
                base += k;
                Kid::spawn(&a)
            })
            .collect()
    }

    fn tell(&mut self, what: &str) {
        let _ = writeln!(self.ctl, "{what}").and_then(|()| self.ctl.flush());
    }

    /// The child's next line starting with `prefix` (others are skipped), or None at the
    /// deadline or when the child ended.
    fn expect(&self, prefix: &str, deadline: Instant) -> Option<String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.starts_with(prefix) => return Some(l),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// `done`, then wait for the exit (kill first if `ok` is false). True if it exited 0.
    fn finish(mut self, ok: bool) -> bool {
        if ok {
            self.tell("done");
        } else {
            let _ = self.child.kill();
        }
        drop(self.ctl);
        // A child that does not end within 30 s is killed.
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            match self.child.try_wait() {
                Ok(Some(st)) => return st.success() || !ok,
                Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return false;
                }
            }
        }
    }
}

/// The control pipe of a child, read by a thread: every line goes to the channel, and
/// `count` is answered at once with `count N` (N from `counter`).
fn control(counter: Option<Arc<AtomicU64>>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in std::io::stdin().lock().lines() {
            let Ok(l) = l else { break };
            if l == "count" {
                if let Some(c) = &counter {
                    println!("count {}", c.load(Ordering::SeqCst));
                }
                continue;
            }
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_for(ctl: &mpsc::Receiver<String>, what: &str, timeout: u32) -> bool {
    let until = Instant::now() + Duration::from_secs(u64::from(timeout));
    loop {
        match ctl.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(l) if l == what => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

// ------------------------------------------------------------------ endpoints

/// Binds `sock` for `transport`; returns the endpoint a peer connects to.
fn bind(sock: &mut Socket, transport: &str, dir: &mut Option<PrivateDir>) -> String {
    common::bind(sock, transport, "scale", dir)
}

fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

// ------------------------------------------------------------------ hwm

/// One message of the hwm test: `size` bytes, a fresh copy, `seq` in the first 8.
fn numbered(tpl: &[u8], seq: u64) -> Bytes {
    let mut m = BytesMut::with_capacity(tpl.len());
    m.extend_from_slice(tpl);
    m[..8].copy_from_slice(&seq.to_le_bytes());
    m.freeze()
}

/// Sends `n` numbered messages, counting them in `count`; a send that waits longer than the
/// timeout fails (the socket's SNDTIMEO is 100 ms; the sender goes on trying).
fn send_numbered(push: &mut Socket, size: usize, n: u64, count: &AtomicU64, timeout: u32) -> bool {
    let tpl = vec![0x5au8; size];
    push.set_int(id::SNDTIMEO, 100).expect("SNDTIMEO");
    let until = Instant::now() + Duration::from_secs(u64::from(timeout));
    for i in 0..n {
        let b = numbered(&tpl, i);
        loop {
            match push.send(b.clone(), 0) {
                Ok(()) => break,
                Err(Error::Again) if Instant::now() < until => {}
                Err(e) => {
                    eprintln!("bench_scale: hwm sender: send {i}: {e}");
                    return false;
                }
            }
        }
        count.store(i + 1, Ordering::SeqCst);
    }
    true
}

/// Receives `n` numbered messages; returns (received, bad).
fn drain_numbered(pull: &mut Socket, size: usize, n: u64, until: Instant) -> (u64, u64) {
    let (mut got, mut bad) = (0u64, 0u64);
    while got < n {
        match pull.recv(0) {
            Ok(f) => {
                let seq = f
                    .data
                    .get(..8)
                    .and_then(|s| <[u8; 8]>::try_from(s).ok())
                    .map(u64::from_le_bytes);
                bad += u64::from(f.data.len() != size || seq != Some(got));
                got += 1;
            }
            Err(Error::Again) if Instant::now() < until => {}
            Err(e) => {
                eprintln!("bench_scale: hwm receiver: recv after {got}: {e}");
                break;
            }
        }
    }
    (got, bad)
}

/// Waits until the sender's count stops moving for `settle` (the path is full) or reaches
/// `n`; returns the count, and whether it was full.
fn wait_full(
    mut count: impl FnMut() -> Option<u64>,
    n: u64,
    settle: Duration,
    until: Instant,
) -> (u64, bool) {
    let mut last = u64::MAX;
    let mut since = Instant::now();
    loop {
        let Some(c) = count() else {
            return (last, false);
        };
        if c >= n {
            return (c, false);
        }
        if c != last {
            last = c;
            since = Instant::now();
        } else if since.elapsed() >= settle {
            return (c, true);
        }
        if Instant::now() > until {
            return (c, false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct HwmResult {
    n: u64,
    in_flight: u64,
    full: bool,
    got: u64,
    bad: u64,
    secs: f64,
    recv_base: u64,
    recv_peak: u64,
    recv_full: u64,
    recv_after: u64,
    send: Option<(u64, u64)>,
    samples: Vec<(u64, Vec<u64>)>,
}

fn hwm_print(o: &Opts, transport: &str, hwm: i32, r: &HwmResult) {
    let size = o.size as u64;
    let h = hwm as u64;
    // What one message occupies: its bytes and the allocator's header, in whole pages.
    let foot = (size + 16).div_ceil(4096) * 4096;
    let (recv_bound, send_bound) = if transport == "inproc" {
        (kib((2 * h + 3) * foot), 0)
    } else {
        (kib((h + 3) * foot), kib((h + 3) * foot))
    };
    let mut line = format!(
        "hwm impl=rust transport={transport} size={size} hwm={hwm} msgs={} in_flight={} full={} \
         secs={:.3} recv_base_kib={} recv_peak_kib={} recv_full_kib={} recv_after_kib={} \
         recv_bound_kib={recv_bound}",
        r.n,
        r.in_flight,
        u8::from(r.full),
        r.secs,
        r.recv_base,
        r.recv_peak,
        r.recv_full,
        r.recv_after,
    );
    if let Some((base, peak)) = r.send {
        line += &format!(" send_base_kib={base} send_peak_kib={peak} send_bound_kib={send_bound}");
    }
    line += &format!(" lost={} bad={}", r.n - r.got, r.bad);
    println!("{line}");
    if o.series {
        for (t, rss) in &r.samples {
            let send = rss
                .get(1)
                .map_or(String::new(), |s| format!(" send_kib={s}"));
            println!(
                "series impl=rust what=hwm transport={transport} hwm={hwm} t_ms={t} recv_kib={}{send}",
                rss[0]
            );
        }
    }
}

fn hwm_msgs(o: &Opts, hwm: i32) -> u64 {
    o.msgs.unwrap_or(4 * hwm as u64 + 100)
}

fn hwm_net(o: &Opts, transport: &str, hwm: i32) -> bool {
    let n = hwm_msgs(o, hwm);
    let until = Instant::now() + Duration::from_secs(u64::from(o.timeout));
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).expect("socket");
    set_hwm(&mut pull, hwm);
    pull.set_int(id::RCVTIMEO, 200).expect("RCVTIMEO");
    let mut dir = None;
    let ep = bind(&mut pull, transport, &mut dir);
    let mut kid = Kid::spawn(&[
        "--role".into(),
        "hwm-send".into(),
        "--endpoint".into(),
        ep,
        "--size".into(),
        o.size.to_string(),
        "--count".into(),
        n.to_string(),
        "--hwm".into(),
        hwm.to_string(),
        "--timeout".into(),
        o.timeout.to_string(),
    ]);
    // The warm-up message: the connection is up.
    let warm = loop {
        match pull.recv(0) {
            Ok(_) => break true,
            Err(Error::Again) if Instant::now() < until => {
                if !matches!(kid.child.try_wait(), Ok(None)) {
                    break false;
                }
            }
            Err(_) => break false,
        }
    };
    if !warm {
        eprintln!("bench_scale: hwm {transport} {hwm}: no warm-up message");
        kid.finish(false);
        return false;
    }
    let me = std::process::id();
    let (recv_base, _) = proc_mem(me);
    let (send_base, _) = proc_mem(kid.pid);
    reset_peak(me);
    reset_peak(kid.pid);
    let sampler = Sampler::start(vec![me, kid.pid], Duration::from_millis(o.sample_ms));
    let t0 = Instant::now();
    kid.tell("go");
    let (in_flight, full) = wait_full(
        || {
            kid.tell("count");
            kid.expect("count ", until)
                .and_then(|l| l[6..].trim().parse().ok())
        },
        n,
        Duration::from_millis(o.settle_ms),
        until,
    );
    std::thread::sleep(Duration::from_secs_f64(o.hold));
    let (recv_full, _) = proc_mem(me);
    let (got, bad) = drain_numbered(&mut pull, o.size, n, until);
    let secs = t0.elapsed().as_secs_f64();
    let sent = kid.expect("sent", until).is_some();
    let (recv_after, recv_peak) = proc_mem(me);
    let (_, send_peak) = proc_mem(kid.pid);
    let samples = sampler.finish();
    // VmHWM can miss a peak that ended in a way the kernel does not account (it is updated
    // lazily); the largest sample is a lower bound of the true peak.
    let recv_peak = recv_peak.max(max_sample(&samples, 0));
    let send_peak = send_peak.max(max_sample(&samples, 1));
    let kid_ok = kid.finish(got == n && sent);
    hwm_print(
        o,
        transport,
        hwm,
        &HwmResult {
            n,
            in_flight,
            full,
            got,
            bad,
            secs,
            recv_base,
            recv_peak,
            recv_full,
            recv_after,
            send: Some((send_base, send_peak)),
            samples,
        },
    );
    drop(pull);
    drop(dir);
    got == n && bad == 0 && full && sent && kid_ok
}

fn hwm_inproc(o: &Opts, hwm: i32) -> bool {
    let n = hwm_msgs(o, hwm);
    let until = Instant::now() + Duration::from_secs(u64::from(o.timeout));
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).expect("socket");
    set_hwm(&mut pull, hwm);
    pull.set_int(id::RCVTIMEO, 200).expect("RCVTIMEO");
    let mut dir = None;
    let ep = bind(&mut pull, "inproc", &mut dir);
    let count = Arc::new(AtomicU64::new(0));
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let sender = {
        let (ctx, count, size, timeout) = (ctx.clone(), Arc::clone(&count), o.size, o.timeout);
        std::thread::spawn(move || {
            let mut push = ctx.socket(SocketType::Push).expect("socket");
            set_hwm(&mut push, hwm);
            push.connect(&ep).expect("connect");
            push.send(Bytes::from_static(b"w"), 0).expect("send");
            if go_rx.recv().is_err() {
                return false;
            }
            let ok = send_numbered(&mut push, size, n, &count, timeout);
            // Stay open until the receiver is done (the channel closes).
            let _ = go_rx.recv();
            ok
        })
    };
    let warm = pull.recv(0).is_ok();
    let me = std::process::id();
    let (recv_base, _) = proc_mem(me);
    reset_peak(me);
    let sampler = Sampler::start(vec![me], Duration::from_millis(o.sample_ms));
    let t0 = Instant::now();
    let _ = go_tx.send(());
    let (in_flight, full) = if warm {
        wait_full(
            || Some(count.load(Ordering::SeqCst)),
            n,
            Duration::from_millis(o.settle_ms),
            until,
        )
    } else {
        (0, false)
    };
    std::thread::sleep(Duration::from_secs_f64(o.hold));
    let (recv_full, _) = proc_mem(me);
    let (got, bad) = if warm {
        drain_numbered(&mut pull, o.size, n, until)
    } else {
        (0, 0)
    };
    let secs = t0.elapsed().as_secs_f64();
    let (recv_after, recv_peak) = proc_mem(me);
    let samples = sampler.finish();
    let recv_peak = recv_peak.max(max_sample(&samples, 0));
    drop(go_tx);
    let sent = sender.join().unwrap_or(false);
    hwm_print(
        o,
        "inproc",
        hwm,
        &HwmResult {
            n,
            in_flight,
            full,
            got,
            bad,
            secs,
            recv_base,
            recv_peak,
            recv_full,
            recv_after,
            send: None,
            samples,
        },
    );
    got == n && bad == 0 && full && sent
}

/// `--role hwm-send`: PUSH, connect, one warm-up message, `go`, send `count` messages.
fn child_hwm_send(o: &Opts) {
    child_guard(o.timeout);
    let count = Arc::new(AtomicU64::new(0));
    let ctl = control(Some(Arc::clone(&count)));
    let ctx = Context::new();
    let mut push = ctx.socket(SocketType::Push).expect("socket");
    set_hwm(&mut push, o.hwm);
    push.connect(&o.endpoint).expect("connect");
    push.send(Bytes::from_static(b"w"), 0).expect("send");
    if !wait_for(&ctl, "go", o.timeout) {
        std::process::exit(1);
    }
    if !send_numbered(&mut push, o.size, o.count, &count, o.timeout) {
        std::process::exit(1);
    }
    println!("sent {}", o.count);
    let _ = wait_for(&ctl, "done", o.timeout);
}

// ------------------------------------------------------------------ conns

fn conns_run(o: &Opts) -> bool {
    let nofile = raise_nofile();
    let until = Instant::now() + Duration::from_secs(u64::from(o.timeout));
    let ctx = Context::new();
    ctx.set(ctx_opt::IO_THREADS, 1).expect("IO_THREADS");
    let mut router = ctx.socket(SocketType::Router).expect("socket");
    router
        .set_int(id::ROUTER_MANDATORY, 1)
        .expect("ROUTER_MANDATORY");
    router.set_int(id::RCVTIMEO, 200).expect("RCVTIMEO");
    if let Some(b) = o.backlog {
        router.set_int(id::BACKLOG, b).expect("BACKLOG");
    }
    let ep = router
        .bind("tcp://127.0.0.1:*")
        .map(|()| router.last_endpoint().to_string());
    let ep = ep.expect("bind tcp");
    let mut kids = Kid::spread(o, "dealers", &ep, o.conns, o.dealer_procs, &[]);
    let procs = kids.len();
    let ready = kids.iter().all(|k| k.expect("ready", until).is_some());
    let me = std::process::id();
    // Let the I/O thread and the allocator settle before the "before" figure.
    std::thread::sleep(Duration::from_millis(200));
    let (rss_before, _) = proc_mem(me);
    let fds_before = fd_count(me);
    let dealers_rss_before: u64 = kids.iter().map(|k| proc_mem(k.pid).0).sum();
    let t0 = Instant::now();
    for k in kids.iter_mut() {
        k.tell("go");
    }
    let mut ids: HashMap<Bytes, usize> = HashMap::new();
    let mut seen = vec![false; o.conns];
    let mut bad = 0u64;
    while ready && ids.len() < o.conns && Instant::now() < until {
        match router.recv_parts(0) {
            Ok(parts) => {
                let idx = (parts.len() == 2)
                    .then(|| std::str::from_utf8(&parts[1]).ok())
                    .flatten()
                    .and_then(|s| s.strip_prefix('h'))
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|&i| i < o.conns && !seen[i]);
                match idx {
                    Some(i) if !ids.contains_key(&parts[0]) => {
                        seen[i] = true;
                        ids.insert(parts[0].clone(), i);
                    }
                    _ => bad += 1,
                }
            }
            Err(Error::Again) => {}
            Err(e) => {
                eprintln!("bench_scale: conns: recv: {e}");
                break;
            }
        }
    }
    let accept_secs = t0.elapsed().as_secs_f64();
    let connected = ids.len();
    let (rss_after, _) = proc_mem(me);
    let fds_after = fd_count(me);
    let dealers_rss_after: u64 = kids.iter().map(|k| proc_mem(k.pid).0).sum();
    // Idle: nothing to do for anyone. CPU time and context switches of every thread of the
    // ROUTER process but this one, which only measures and sleeps (the I/O thread, and the
    // threads reading the children's output).
    // SAFETY: gettid has no arguments and cannot fail.
    let tid = unsafe { libc::gettid() };
    let (cpu0, sw0) = proc_cpu(me, Some(tid));
    let dealer_cpu0: u64 = kids.iter().map(|k| proc_cpu(k.pid, None).0).sum();
    std::thread::sleep(Duration::from_secs_f64(o.idle));
    let (cpu1, sw1) = proc_cpu(me, Some(tid));
    let dealer_cpu1: u64 = kids.iter().map(|k| proc_cpu(k.pid, None).0).sum();
    let (rss_idle, _) = proc_mem(me);
    // One message to each routing id.
    let mut send_errors = 0u64;
    for (rid, &i) in &ids {
        let body = Bytes::from(format!("r{i}"));
        if let Err(e) = router.send_parts([rid.clone(), body], 0) {
            if send_errors == 0 {
                eprintln!("bench_scale: conns: send to {i}: {e}");
            }
            send_errors += 1;
        }
    }
    let (mut replies_ok, mut replies_bad) = (0u64, 0u64);
    for k in kids.iter_mut() {
        k.tell("recv");
    }
    let mut kids_ok = true;
    for k in &kids {
        match k.expect("got", until) {
            Some(l) => {
                let f = kv(&l);
                replies_ok += f.get("ok").copied().unwrap_or(0);
                replies_bad += f.get("bad").copied().unwrap_or(0);
            }
            None => kids_ok = false,
        }
    }
    let all = ready && connected == o.conns && kids_ok;
    for k in kids {
        kids_ok &= k.finish(all);
    }
    let per_conn = if connected > 0 {
        (rss_after as f64 - rss_before as f64) * 1024.0 / connected as f64
    } else {
        0.0
    };
    let lost = o.conns as u64 - replies_ok.min(o.conns as u64);
    println!(
        "conns impl=rust transport=tcp conns={} dealer_procs={procs} backlog={} nofile={nofile} \
         connected={connected} \
         accept_secs={accept_secs:.3} rss_before_kib={rss_before} rss_after_kib={rss_after} \
         rss_idle_kib={rss_idle} per_conn_bytes={per_conn:.0} fds_before={fds_before} \
         fds_after={fds_after} dealers_rss_before_kib={dealers_rss_before} \
         dealers_rss_after_kib={dealers_rss_after} idle_secs={} idle_cpu_ms={:.1} \
         idle_wakeups={} dealer_idle_cpu_ms={:.1} send_errors={send_errors} \
         replies_ok={replies_ok} lost={lost} bad={}",
        o.conns,
        o.backlog.unwrap_or(100),
        o.idle,
        (cpu1 - cpu0) as f64 / 1e6,
        sw1 - sw0,
        dealer_cpu1.saturating_sub(dealer_cpu0) as f64 / 1e6,
        bad + replies_bad,
    );
    all && kids_ok && lost == 0 && bad == 0 && replies_bad == 0 && send_errors == 0
}

/// `key=value` numbers of a line.
fn kv(l: &str) -> HashMap<String, u64> {
    l.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k.to_string(), v)))
        .collect()
}

/// `--role dealers`: `count` DEALERs; `go`: connect each and send `h<index>`; `recv`: each
/// must get `r<index>`.
fn child_dealers(o: &Opts) {
    child_guard(o.timeout);
    raise_nofile();
    let ctl = control(None);
    let ctx = Context::new();
    ctx.set(ctx_opt::IO_THREADS, 1).expect("IO_THREADS");
    ctx.set(ctx_opt::MAX_SOCKETS, (o.count as i32 + 16).min(65535))
        .expect("MAX_SOCKETS");
    let mut socks: Vec<Socket> = (0..o.count)
        .map(|_| {
            let mut s = ctx.socket(SocketType::Dealer).expect("dealer socket");
            s.set_int(id::LINGER, 0).expect("LINGER");
            s
        })
        .collect();
    println!("ready");
    if !wait_for(&ctl, "go", o.timeout) {
        std::process::exit(1);
    }
    for (i, s) in socks.iter_mut().enumerate() {
        let idx = o.index + i as u64;
        s.connect(&o.endpoint).expect("connect");
        s.send(Bytes::from(format!("h{idx}")), 0)
            .expect("send hello");
    }
    println!("sent");
    if !wait_for(&ctl, "recv", o.timeout) {
        std::process::exit(1);
    }
    let until = Instant::now() + Duration::from_secs(u64::from(o.timeout) / 2);
    let (mut ok, mut bad, mut missing) = (0u64, 0u64, 0u64);
    for (i, s) in socks.iter_mut().enumerate() {
        let want = format!("r{}", o.index + i as u64);
        let left = until.saturating_duration_since(Instant::now()).as_millis() as i32;
        s.set_int(id::RCVTIMEO, left.max(1)).expect("RCVTIMEO");
        match s.recv(0) {
            Ok(f) if f.data == want.as_bytes() => ok += 1,
            Ok(_) => bad += 1,
            Err(_) => missing += 1,
        }
    }
    println!("got ok={ok} bad={bad} missing={missing}");
    let _ = wait_for(&ctl, "done", o.timeout);
}

// ------------------------------------------------------------------ fanout

fn fanout_run(o: &Opts, transport: &str) -> bool {
    let n = o.fanout_msgs;
    let until = Instant::now() + Duration::from_secs(u64::from(o.timeout));
    let ctx = Context::new();
    let mut publ = ctx.socket(SocketType::Pub).expect("socket");
    set_hwm(&mut publ, 0);
    let mut dir = None;
    let ep = bind(&mut publ, transport, &mut dir);
    let kids = Kid::spread(
        o,
        "subs",
        &ep,
        o.subs,
        o.sub_procs,
        &[
            "--fanout-msgs".into(),
            n.to_string(),
            "--fanout-size".into(),
            o.fanout_size.to_string(),
        ],
    );
    let procs = kids.len();
    // Warm-up messages until every SUB has one: all are connected and subscribed.
    let mut warm = vec![false; kids.len()];
    while !warm.iter().all(|&w| w) && Instant::now() < until {
        let _ = publ.send(Bytes::from_static(b"w"), DONTWAIT);
        for (k, w) in kids.iter().zip(warm.iter_mut()) {
            while let Ok(l) = k.lines.try_recv() {
                *w |= l == "warm";
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let warmed = warm.iter().all(|&w| w);
    let me = std::process::id();
    let (pub_base, _) = proc_mem(me);
    reset_peak(me);
    let mut tpl = vec![0x5au8; o.fanout_size];
    tpl[0] = b'd';
    let t0 = mono_ns();
    let cpu0 = thread_cpu_ns();
    if warmed {
        for i in 0..n {
            let mut m = BytesMut::with_capacity(tpl.len());
            m.extend_from_slice(&tpl);
            m[1..9].copy_from_slice(&i.to_le_bytes());
            if let Err(e) = publ.send(m.freeze(), 0) {
                eprintln!("bench_scale: fanout: send {i}: {e}");
                break;
            }
        }
    }
    let t_sent = mono_ns();
    let send_cpu = thread_cpu_ns() - cpu0;
    // Each SUB's report: "sub I t_ns=T got=G bad=B".
    let mut times = Vec::new();
    let (mut got, mut bad) = (0u64, 0u64);
    let mut kids_ok = warmed;
    for k in &kids {
        loop {
            match k.expect("", until) {
                Some(l) if l.starts_with("sub ") => {
                    let f = kv(&l);
                    let t = f.get("t_ns").copied().unwrap_or(0);
                    let g = f.get("got").copied().unwrap_or(0);
                    got += g;
                    bad += f.get("bad").copied().unwrap_or(0);
                    if g == n && t > t0 {
                        times.push((t - t0) as f64 / 1e9);
                    }
                }
                Some(l) if l == "done" => break,
                Some(_) => {}
                None => {
                    kids_ok = false;
                    break;
                }
            }
        }
    }
    let (_, pub_peak) = proc_mem(me);
    for k in kids {
        kids_ok &= k.finish(kids_ok);
    }
    times.sort_by(f64::total_cmp);
    let all_done = times.len() == o.subs;
    let lost = n * o.subs as u64 - got.min(n * o.subs as u64);
    let all_secs = if all_done {
        times[times.len() - 1]
    } else {
        0.0
    };
    let first_secs = times.first().copied().unwrap_or(0.0);
    let median = if times.is_empty() {
        0.0
    } else {
        times[times.len() / 2]
    };
    println!(
        "fanout impl=rust transport={transport} subs={} sub_procs={procs} size={} msgs={n} \
         send_secs={:.3} send_cpu_secs={:.3} first_secs={first_secs:.3} all_secs={all_secs:.3} \
         total_msgs_per_sec={:.0} per_sub_msgs_per_sec={:.0} pub_base_kib={pub_base} \
         pub_peak_kib={pub_peak} lost={lost} bad={bad}",
        o.subs,
        o.fanout_size,
        (t_sent - t0) as f64 / 1e9,
        send_cpu as f64 / 1e9,
        if all_done {
            (n * o.subs as u64) as f64 / all_secs
        } else {
            0.0
        },
        if median > 0.0 { n as f64 / median } else { 0.0 },
    );
    drop(publ);
    drop(dir);
    all_done && kids_ok && lost == 0 && bad == 0
}

/// `--role subs`: `count` SUBs (RCVHWM 0, subscribed to everything) read in one thread.
fn child_subs(o: &Opts) {
    child_guard(o.timeout);
    raise_nofile();
    let ctl = control(None);
    let n = o.fanout_msgs;
    let size = o.fanout_size;
    let until = Instant::now() + Duration::from_secs(u64::from(o.timeout));
    let ctx = Context::new();
    ctx.set(ctx_opt::MAX_SOCKETS, (o.count as i32 + 16).min(65535))
        .expect("MAX_SOCKETS");
    let mut subs: Vec<Socket> = (0..o.count)
        .map(|_| {
            let mut s = ctx.socket(SocketType::Sub).expect("sub socket");
            set_hwm(&mut s, 0);
            s.set_option(id::SUBSCRIBE, b"").expect("SUBSCRIBE");
            s.connect(&o.endpoint).expect("connect");
            s
        })
        .collect();
    let k = subs.len();
    // Per SUB: data messages received, next sequence number, bad ones, when done.
    let mut got = vec![0u64; k];
    let mut next = vec![0u64; k];
    let mut bad = vec![0u64; k];
    let mut done_ns: Vec<Option<u64>> = vec![None; k];
    let mut warm = vec![false; k];
    let mut said_warm = false;
    let mut finished = 0usize;
    while finished < k && Instant::now() < until {
        let mut progress = false;
        for (i, s) in subs.iter_mut().enumerate() {
            if done_ns[i].is_some() {
                continue;
            }
            for _ in 0..1024 {
                match s.recv(DONTWAIT) {
                    Ok(f) => {
                        progress = true;
                        warm[i] = true;
                        if f.data.first() == Some(&b'w') {
                            continue;
                        }
                        let seq = f
                            .data
                            .get(1..9)
                            .and_then(|s| <[u8; 8]>::try_from(s).ok())
                            .map_or(u64::MAX, u64::from_le_bytes);
                        if f.data.len() != size || f.data[0] != b'd' || seq != next[i] {
                            bad[i] += 1;
                        }
                        got[i] += 1;
                        next[i] = seq.wrapping_add(1);
                        if got[i] >= n || next[i] >= n {
                            done_ns[i] = Some(mono_ns());
                            finished += 1;
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        }
        if !said_warm && warm.iter().all(|&w| w) {
            println!("warm");
            said_warm = true;
        }
        if !progress {
            let mut refs: Vec<&mut Socket> = subs
                .iter_mut()
                .zip(&done_ns)
                .filter(|(_, d)| d.is_none())
                .map(|(s, _)| s)
                .collect();
            let mut items: Vec<PollItem> = (0..refs.len())
                .map(|j| PollItem {
                    target: Target::Socket(j),
                    events: POLLIN as i16,
                    revents: 0,
                })
                .collect();
            let _ = poll(&mut refs, &mut items, 100);
        }
    }
    for i in 0..k {
        println!(
            "sub {} t_ns={} got={} bad={}",
            o.index + i as u64,
            done_ns[i].unwrap_or(0),
            got[i],
            bad[i]
        );
    }
    println!("done");
    let _ = wait_for(&ctl, "done", o.timeout);
}

// ------------------------------------------------------------------ main

fn main() {
    let o = parse_args();
    match o.role.as_deref() {
        Some("hwm-send") => return child_hwm_send(&o),
        Some("dealers") => return child_dealers(&o),
        Some("subs") => return child_subs(&o),
        Some(r) => PROG.usage(&format!("unknown role {r}")),
        None => {}
    }
    // The measuring process ends itself too, a little after its children would.
    // SAFETY: alarm is a plain syscall; SIGALRM keeps its default (terminating) action.
    unsafe { libc::alarm(o.timeout + 30) };
    let want = |w: &str| has(&o.what, w);
    let has = |t: &str| has(&o.transports, t);
    print_version();
    let mut ok = true;
    if want("hwm") {
        for &h in &o.hwms {
            for t in ["tcp", "ipc", "inproc"] {
                if has(t) {
                    ok &= if t == "inproc" {
                        hwm_inproc(&o, h)
                    } else {
                        hwm_net(&o, t, h)
                    };
                }
            }
        }
    }
    if want("conns") {
        ok &= conns_run(&o);
    }
    if want("fanout") {
        for t in ["tcp", "ipc"] {
            if has(t) {
                ok &= fanout_run(&o, t);
            }
        }
    }
    std::process::exit(if ok { 0 } else { 1 });
}
