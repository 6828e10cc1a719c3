//! What the bench examples (bench_inproc, bench_net, bench_scale) share: the command line,
//! the message count rule, socket setup, the private directory of an ipc endpoint and the
//! guard of a child process. bench/c/common.h is the same for the C harnesses.

#![allow(dead_code)]

use std::path::PathBuf;
use std::str::FromStr;
use zmq_rust_core::options::id;
use zmq_rust_core::Socket;

/// A bench program: its name and the options of its usage line.
pub struct Prog {
    pub name: &'static str,
    pub usage: &'static str,
}

impl Prog {
    /// Prints `NAME: msg` and the usage line, and exits with status 2.
    pub fn usage(&self, msg: &str) -> ! {
        eprintln!("{}: {msg}", self.name);
        eprintln!("usage: {} {}", self.name, self.usage);
        std::process::exit(2);
    }

    /// The command line after the program name.
    pub fn args(&'static self) -> Args {
        Args {
            prog: self,
            args: std::env::args().skip(1),
            opt: String::new(),
        }
    }

    /// Ends the program unless every item of `items` is one of `known`
    /// ("unknown transport udp (tcp, ipc)").
    pub fn check(&self, items: &[String], known: &[&str], what: &str) {
        if let Some(x) = items.iter().find(|x| !known.contains(&x.as_str())) {
            self.usage(&format!("unknown {what} {x} ({})", known.join(", ")));
        }
    }
}

/// The options of a command line, one at a time: [`Args::next`] gives an option, then
/// [`Args::val`], [`Args::num`], [`Args::list`] or [`Args::nums`] read its value. A missing
/// or malformed value ends the program with the usage line; so do `-h` and `--help`.
pub struct Args {
    prog: &'static Prog,
    args: std::iter::Skip<std::env::Args>,
    opt: String,
}

impl Args {
    /// The next option.
    pub fn next(&mut self) -> Option<String> {
        let a = self.args.next()?;
        if a == "-h" || a == "--help" {
            self.prog.usage("help");
        }
        self.opt.clone_from(&a);
        Some(a)
    }

    /// The value of the option.
    pub fn val(&mut self) -> String {
        match self.args.next() {
            Some(v) => v,
            None => self.prog.usage(&format!("{} needs a value", self.opt)),
        }
    }

    /// The value of the option, a number.
    pub fn num<T: FromStr>(&mut self) -> T {
        let v = self.val();
        self.parse(&v)
    }

    /// The value of the option, a comma-separated list.
    pub fn list(&mut self) -> Vec<String> {
        self.val().split(',').map(String::from).collect()
    }

    /// The value of the option, a comma-separated list of numbers.
    pub fn nums<T: FromStr>(&mut self) -> Vec<T> {
        let v = self.val();
        v.split(',').map(|s| self.parse(s)).collect()
    }

    /// Ends the program: the option is not one of the program's.
    pub fn unknown(&self) -> ! {
        self.prog.usage(&format!("unknown option {}", self.opt))
    }

    fn parse<T: FromStr>(&self, s: &str) -> T {
        match s.parse() {
            Ok(v) => v,
            Err(_) => self.prog.usage(&format!("bad value for {}: {s}", self.opt)),
        }
    }
}

/// Whether `w` is in `list` (`--what`, `--transport`).
pub fn has(list: &[String], w: &str) -> bool {
    list.iter().any(|x| x == w)
}

/// The first line of every program's output.
pub fn print_version() {
    println!("version impl=rust crate={}", env!("CARGO_PKG_VERSION"));
}

/// Messages for one size: `msgs`, capped at `max_mb` MiB of payload, and at least `floor`
/// (1000 inproc, 100 tcp/ipc). Same rule as bench/c/common.h and bench/lib/ZMQRBench.pm.
pub fn count_for(msgs: u64, max_mb: u64, size: usize, floor: u64) -> u64 {
    let cap = (max_mb << 20) / size.max(1) as u64;
    msgs.min(cap.max(floor))
}

/// SNDHWM and RCVHWM of `s`.
pub fn set_hwm(s: &mut Socket, hwm: i32) {
    s.set_int(id::SNDHWM, hwm).expect("SNDHWM");
    s.set_int(id::RCVHWM, hwm).expect("RCVHWM");
}

/// CLOCK_MONOTONIC in ns: the same clock in every process of the machine.
pub fn mono_ns() -> u64 {
    clock_ns(libc::CLOCK_MONOTONIC)
}

/// A clock of clock_gettime(2) in ns.
pub fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we pass.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A private directory (mode 0700) under $TMPDIR or /tmp for an ipc socket, removed on drop.
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    /// `zmq-rust-NAME-PID-...`.
    pub fn new(name: &str) -> PrivateDir {
        use std::os::unix::fs::DirBuilderExt;
        let base = std::env::var_os("TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        for i in 0..1000u32 {
            let p = base.join(format!(
                "zmq-rust-{name}-{}-{:08x}-{i}",
                std::process::id(),
                mono_ns() as u32
            ));
            if std::fs::DirBuilder::new().mode(0o700).create(&p).is_ok() {
                return PrivateDir(p);
            }
        }
        panic!("cannot create a private directory under {}", base.display());
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0.join("s"));
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Binds `sock` for `transport`: `tcp://127.0.0.1:*`, `inproc://NAME`, or an ipc socket in a
/// fresh [`PrivateDir`] (kept in `dir`). Returns the endpoint a peer connects to.
pub fn bind(
    sock: &mut Socket,
    transport: &str,
    name: &str,
    dir: &mut Option<PrivateDir>,
) -> String {
    match transport {
        "tcp" => sock.bind("tcp://127.0.0.1:*").expect("bind tcp"),
        "inproc" => sock.bind(&format!("inproc://{name}")).expect("bind inproc"),
        _ => {
            let d = PrivateDir::new(name);
            let ep = format!("ipc://{}", d.0.join("s").display());
            sock.bind(&ep).expect("bind ipc");
            *dir = Some(d);
        }
    }
    sock.last_endpoint().to_string()
}

/// A child process kills itself after `timeout` seconds, and when its parent goes away.
pub fn child_guard(timeout: u32) {
    // SAFETY: plain syscalls; SIGALRM and SIGKILL keep their default (terminating) actions.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        libc::alarm(timeout);
    }
}
