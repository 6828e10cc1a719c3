#!/usr/bin/env python3
"""pyzmq benchmarks: the measurements of bench/perl_inproc.pl and bench/perl_net.pl, with
pyzmq (on its libzmq) in place of a Perl binding. Run by bench/run.pl when a python3 there
can `import zmq`; by hand:

    python3 bench/py_bench.py [--transport inproc,tcp,ipc] [--what ...] [OPTIONS]

Output: one line per measurement, "NAME key=value ..." (the keys of the Perl scripts, the Rust
examples and the C harnesses), with impl=pyzmq. Every send copies the payload into a new
message (sock.send(bytes), sock.send_multipart(list)), every recv returns a new bytes object
(sock.recv(), sock.recv_multipart()), as the Perl bindings do.

inproc (one process; --what loop,req_rep,multipart,fanout):
  loop       the send+recv loop: send a batch of --batch messages, then receive them, and
             repeat; msgs_per_sec counts messages both sent and received; send_ns/recv_ns are
             the send phases and the receive phases divided by the messages.
  req_rep    mode=one_thread (REQ send, REP recv, REP send, REQ recv = one round trip) and
             mode=threads (the REP socket in a threading.Thread; pyzmq releases the GIL while
             it blocks). us_per_rt is a full round trip. req_rep_one_thread and
             req_rep_threads select one of them.
  multipart  mode=one_thread: the loop with messages of --frames frames of SIZE bytes
             (send_multipart / recv_multipart); msgs_per_sec counts whole messages.
  fanout     mode=one_thread: one PUB and --subs SUB sockets subscribed to b"", SNDHWM =
             RCVHWM = 0 (no limit); empty warm-up messages until every subscriber has one
             (the extra ones are then drained), then the loop: publish a batch, each
             subscriber receives it. msgs_per_sec is per subscriber.

tcp and ipc (two or more processes; --what push_pull,req_rep,multipart,fanout): this process
binds (tcp://127.0.0.1:*, or ipc:// in a fresh private directory) and measures, and starts a
fresh python3 on this script (--role send|echo|send_multipart|sub) that connects; the child's
stdin is a control pipe ("go", "done"), so a sender stays open until the receiver has every
message.
  push_pull  PULL here, PUSH in the child: one warm-up message, then the clock runs from "go"
             to the last of --msgs messages received; lost must be 0.
  req_rep    REQ here, an echoing REP in the child; one warm-up round trip, then --rt timed
             ones.
  multipart  as push_pull, with --frames frames per message (send_multipart/recv_multipart).
  fanout     PUB here, --subs SUB children (one SUB socket each), SNDHWM = RCVHWM = 0. A
             child's stdout is a pipe back to us: "warm" when its first message arrives,
             "got=G bytes=B bad=X" when it has all --msgs (or gave up). Empty warm-up messages
             (every ms) until every child said "warm"; the clock runs from then until every
             child has reported. msgs_per_sec is per subscriber, lost summed over them.

Message counts: --msgs, capped at --max-mb MiB of payload (at least 1000 messages inproc, 100
over tcp/ipc; a multipart message counts --frames times its size): the rule of the other
programs.
"""

import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import zmq

now = time.perf_counter  # monotonic


def parse_args():
    p = argparse.ArgumentParser(description="pyzmq benchmarks (see the module docstring)")
    p.add_argument("--transport", default="inproc,tcp,ipc")
    p.add_argument("--what", default="loop,req_rep,push_pull,multipart,fanout")
    p.add_argument("--sizes", default=None,
                   help="default 1,100,1024,65536 (inproc), 1,100,1024,65536,1048576 (tcp/ipc)")
    p.add_argument("--msgs", type=int, default=1_000_000)
    p.add_argument("--max-mb", type=int, default=4096)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--rt", type=int, default=20_000)
    p.add_argument("--rt-size", type=int, default=100)
    p.add_argument("--hwm", type=int, default=None)
    p.add_argument("--frames", type=int, default=3)
    p.add_argument("--subs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=120)
    # child side
    p.add_argument("--role")
    p.add_argument("--endpoint")
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--count", type=int, default=0)
    o = p.parse_args()
    if min(o.msgs, o.batch, o.rt, o.frames, o.subs, o.timeout) <= 0:
        p.error("--msgs, --batch, --rt, --frames, --subs and --timeout must be > 0")
    o.want = set(o.what.split(","))
    return o


O = parse_args()
IMPL = "pyzmq"


def count_for(size, floor):
    cap = (O.max_mb << 20) // max(size, 1)
    return min(O.msgs, max(cap, floor))


def batches(n):
    """The one-thread batch loop's messages, batch and rounds: n rounded down to whole
    batches of --batch."""
    k = min(O.batch, n)
    rounds = n // k
    return rounds * k, k, rounds


def set_hwm(s):
    if O.hwm is not None:
        s.setsockopt(zmq.SNDHWM, O.hwm)
        s.setsockopt(zmq.RCVHWM, O.hwm)


def unlimited(s):
    s.setsockopt(zmq.SNDHWM, 0)
    s.setsockopt(zmq.RCVHWM, 0)


def close(s):
    s.setsockopt(zmq.LINGER, 0)
    s.close()


# ---------------------------------------------------------------- inproc


def pair(ctx, ta, tb, ep, hwm):
    a = ctx.socket(ta)
    b = ctx.socket(tb)
    if hwm:
        set_hwm(a)
        set_hwm(b)
    a.bind(ep)
    b.connect(ep)
    return a, b


def send_recv_loop(ctx, size):
    n, k, rounds = batches(count_for(size, 1000))
    pull, push = pair(ctx, zmq.PULL, zmq.PUSH, "inproc://loop%d" % size, True)
    msg = b"\x5a" * size
    send, recv = push.send, pull.recv
    ts = tr = 0.0
    bad = 0
    t0 = now()
    for _ in range(rounds):
        a = now()
        for _ in range(k):
            send(msg)
        b = now()
        for _ in range(k):
            if len(recv()) != size:
                bad += 1
        c = now()
        ts += b - a
        tr += c - b
    s = now() - t0
    print("loop impl=%s size=%d msgs=%d batch=%d secs=%.6f msgs_per_sec=%.0f send_ns=%.1f "
          "recv_ns=%.1f bad=%d" % (IMPL, size, n, k, s, n / s, ts * 1e9 / n, tr * 1e9 / n, bad))
    close(push)
    close(pull)


def req_rep_one_thread(ctx):
    n, size = O.rt, O.rt_size
    rep, req = pair(ctx, zmq.REP, zmq.REQ, "inproc://lat1", False)
    msg = b"\x5a" * size
    bad = 0
    t0 = now()
    for _ in range(n):
        req.send(msg)
        rep.send(rep.recv())
        if len(req.recv()) != size:
            bad += 1
    s = now() - t0
    print("req_rep impl=%s mode=one_thread size=%d rts=%d secs=%.6f us_per_rt=%.3f bad=%d"
          % (IMPL, size, n, s, s * 1e6 / n, bad))
    close(req)
    close(rep)


def req_rep_threads(ctx):
    n, size = O.rt, O.rt_size
    ep = "inproc://lat"
    rep = ctx.socket(zmq.REP)
    rep.bind(ep)

    def server():
        for _ in range(n + 1):  # one warm-up round trip, then n
            rep.send(rep.recv())

    # The REP socket is used by the thread only (it was made and bound here, before it
    # started: pyzmq sockets may move between threads with a full memory barrier).
    thr = threading.Thread(target=server)
    thr.start()
    req = ctx.socket(zmq.REQ)
    req.connect(ep)
    msg = b"\x5a" * size
    bad = 0
    req.send(msg)  # warm-up
    req.recv()
    t0 = now()
    for _ in range(n):
        req.send(msg)
        if len(req.recv()) != size:
            bad += 1
    s = now() - t0
    thr.join()
    print("req_rep impl=%s mode=threads size=%d rts=%d secs=%.6f us_per_rt=%.3f bad=%d"
          % (IMPL, size, n, s, s * 1e6 / n, bad))
    close(req)
    close(rep)


def parts_bad(parts, frames, size):
    return len(parts) != frames or any(len(p) != size for p in parts)


def multipart_loop(ctx, size):
    f = O.frames
    n, k, rounds = batches(count_for(size * f, 1000))
    pull, push = pair(ctx, zmq.PULL, zmq.PUSH, "inproc://mploop%d" % size, True)
    frames = [b"\x5a" * size] * f
    send, recv = push.send_multipart, pull.recv_multipart
    ts = tr = 0.0
    bad = 0
    t0 = now()
    for _ in range(rounds):
        a = now()
        for _ in range(k):
            send(frames)
        b = now()
        for _ in range(k):
            if parts_bad(recv(), f, size):
                bad += 1
        c = now()
        ts += b - a
        tr += c - b
    s = now() - t0
    print("multipart impl=%s mode=one_thread frames=%d size=%d msgs=%d batch=%d secs=%.6f "
          "msgs_per_sec=%.0f send_ns=%.1f recv_ns=%.1f bad=%d"
          % (IMPL, f, size, n, k, s, n / s, ts * 1e9 / n, tr * 1e9 / n, bad))
    close(push)
    close(pull)


def fanout_loop(ctx, size):
    n, k, rounds = batches(count_for(size, 1000))
    ep = "inproc://fanloop%d" % size
    pub = ctx.socket(zmq.PUB)
    unlimited(pub)
    pub.bind(ep)
    subs = []
    for _ in range(O.subs):
        s = ctx.socket(zmq.SUB)
        unlimited(s)
        s.setsockopt(zmq.RCVTIMEO, 10_000)  # a lost message fails the run, no hang
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(ep)
        subs.append(s)
    # Warm-up: empty messages until every subscriber has one; then drop the extra ones.
    warm = set()
    deadline = now() + 10
    while len(warm) < len(subs) and now() < deadline:
        pub.send(b"")
        for i, s in enumerate(subs):
            if i not in warm:
                try:
                    s.recv(zmq.DONTWAIT)
                    warm.add(i)
                except zmq.Again:
                    pass
    for s in subs:
        try:
            while True:
                s.recv(zmq.DONTWAIT)
        except zmq.Again:
            pass
    msg = b"\x5a" * size
    send = pub.send
    recvs = [s.recv for s in subs]
    ts = tr = 0.0
    got = bad = 0
    t0 = now()
    try:
        for _ in range(rounds):
            a = now()
            for _ in range(k):
                send(msg)
            b = now()
            for recv in recvs:
                for _ in range(k):
                    if len(recv()) != size:
                        bad += 1
                    got += 1
            c = now()
            ts += b - a
            tr += c - b
    except zmq.ZMQError as e:
        print("py_bench: fanout %d: recv: %s" % (size, e), file=sys.stderr)
    s = now() - t0
    print("fanout impl=%s mode=one_thread subs=%d size=%d msgs=%d batch=%d hwm=0 secs=%.6f "
          "msgs_per_sec=%.0f send_ns=%.1f recv_ns=%.1f lost=%d bad=%d"
          % (IMPL, len(subs), size, n, k, s, n / s, ts * 1e9 / n, tr * 1e9 / (n * len(subs)),
             n * len(subs) - got, bad))
    for s in subs:
        close(s)
    close(pub)


def run_inproc(sizes):
    ctx = zmq.Context()
    if "loop" in O.want:
        for size in sizes:
            send_recv_loop(ctx, size)
    if O.want & {"req_rep", "req_rep_one_thread"}:
        req_rep_one_thread(ctx)
    if O.want & {"req_rep", "req_rep_threads"}:
        req_rep_threads(ctx)
    for size in sizes:
        if O.want & {"multipart", "multipart_one_thread"}:
            multipart_loop(ctx, size)
        if O.want & {"fanout", "fanout_one_thread"}:
            fanout_loop(ctx, size)
    ctx.term()
    return True


# ---------------------------------------------------------------- tcp and ipc


def bind_for(sock, transport):
    """Binds sock; returns the endpoint to connect to and the private directory (ipc)."""
    if transport == "tcp":
        sock.bind("tcp://127.0.0.1:*")
        d = None
    else:
        d = tempfile.mkdtemp(prefix="zmq-py-bench-")  # mode 0700
        sock.bind("ipc://%s/s" % d)
    return sock.getsockopt(zmq.LAST_ENDPOINT).decode(), d


def remove_dir(d):
    if d:
        shutil.rmtree(d, ignore_errors=True)


def spawn(role, ep, size, count, want_out=False):
    """A fresh python3 on this script in role; stdin is the control pipe. Its stdout is a pipe
    to us with want_out, else our stderr (our stdout is the result channel)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--role", role, "--endpoint", ep,
           "--size", str(size), "--count", str(count), "--timeout", str(O.timeout),
           "--frames", str(O.frames)]
    if O.hwm is not None:
        cmd += ["--hwm", str(O.hwm)]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE if want_out else sys.stderr.fileno())


def tell(child, what):
    child.stdin.write(what.encode() + b"\n")
    child.stdin.flush()


def finish(child, ok):
    """"done" (or kill), close the pipe, wait. True if all went well."""
    try:
        if ok:
            tell(child, "done")
        else:
            child.kill()
        child.stdin.close()
    except OSError:
        pass
    rc = child.wait()
    if child.stdout:
        child.stdout.close()
    return not ok or rc == 0


def warm_up(sock, child, op):
    """Runs op (a send or receive) until it succeeds, giving up when the child exited or after
    --timeout seconds. Then both timeouts are --timeout, so a stalled run fails."""
    deadline = now() + O.timeout
    sock.setsockopt(zmq.SNDTIMEO, 200)
    sock.setsockopt(zmq.RCVTIMEO, 200)
    ok = False
    while True:
        try:
            op()
            ok = True
            break
        except zmq.Again:
            if now() > deadline or child.poll() is not None:
                break
    sock.setsockopt(zmq.SNDTIMEO, O.timeout * 1000)
    sock.setsockopt(zmq.RCVTIMEO, O.timeout * 1000)
    return ok


def push_pull(ctx, transport, size, frames=None):
    """PUSH/PULL; with frames, messages of that many frames (multipart)."""
    name = "multipart" if frames else "push_pull"
    n = count_for(size * (frames or 1), 100)
    pull = ctx.socket(zmq.PULL)
    set_hwm(pull)
    ep, d = bind_for(pull, transport)
    child = spawn("send_multipart" if frames else "send", ep, size, n)
    recv = pull.recv_multipart if frames else pull.recv
    if not warm_up(pull, child, recv):  # warm-up: the connection is up
        print("py_bench: %s %s %d: no warm-up message" % (name, transport, size),
              file=sys.stderr)
        finish(child, False)
        close(pull)
        remove_dir(d)
        return False
    got = nbytes = bad = 0
    t0 = now()
    tell(child, "go")
    try:
        if frames:
            while got < n:
                parts = recv()
                got += 1
                nbytes += sum(len(p) for p in parts)
                if parts_bad(parts, frames, size):
                    bad += 1
        else:
            while got < n:
                length = len(recv())
                got += 1
                nbytes += length
                if length != size:
                    bad += 1
    except zmq.ZMQError as e:
        print("py_bench: %s %s %d: recv: %s" % (name, transport, size, e), file=sys.stderr)
    s = now() - t0
    child_ok = finish(child, got == n)
    if frames:
        head = "multipart impl=%s transport=%s mode=procs procs=2 frames=%d" % (
            IMPL, transport, frames)
    else:
        head = "push_pull impl=%s transport=%s procs=2" % (IMPL, transport)
    print("%s size=%d msgs=%d hwm=%d secs=%.6f msgs_per_sec=%.0f mib_per_sec=%.1f lost=%d bad=%d"
          % (head, size, n, 1000 if O.hwm is None else O.hwm, s, got / s,
             nbytes / s / 1048576, n - got, bad))
    close(pull)
    remove_dir(d)
    return got == n and child_ok


def req_rep(ctx, transport):
    n, size = O.rt, O.rt_size
    req = ctx.socket(zmq.REQ)
    ep, d = bind_for(req, transport)
    child = spawn("echo", ep, size, n + 1)
    msg = b"\x5a" * size
    done = bad = 0
    # Warm-up round trip: the connection is up.
    ok = warm_up(req, child, lambda: req.send(msg)) and warm_up(req, child, req.recv)
    if not ok:
        print("py_bench: req_rep %s: no warm-up round trip" % transport, file=sys.stderr)
    t0 = now()
    if ok:
        try:
            while done < n:
                req.send(msg)
                if len(req.recv()) != size:
                    bad += 1
                done += 1
        except zmq.ZMQError as e:
            print("py_bench: req_rep %s: %s" % (transport, e), file=sys.stderr)
            ok = False
    s = now() - t0
    child_ok = finish(child, ok)
    if ok:
        print("req_rep impl=%s transport=%s mode=procs size=%d rts=%d secs=%.6f us_per_rt=%.3f "
              "bad=%d" % (IMPL, transport, size, n, s, s * 1e6 / n, bad))
    close(req)
    remove_dir(d)
    return ok and child_ok


def report_value(line, key):
    for kv in line.split():
        if kv.startswith(key + "="):
            return int(kv[len(key) + 1:])
    return 0


def fanout(ctx, transport, size):
    n = count_for(size, 100)
    pub = ctx.socket(zmq.PUB)
    unlimited(pub)
    ep, d = bind_for(pub, transport)
    kids = [spawn("sub", ep, size, n, want_out=True) for _ in range(O.subs)]
    # Warm-up: empty messages until every subscriber has one (its connection and its
    # subscription are through), giving up after --timeout or if a child ends.
    ok = True
    warm = set()
    deadline = now() + O.timeout
    by_fd = {k.stdout.fileno(): i for i, k in enumerate(kids)}
    while ok and len(warm) < len(kids):
        pub.send(b"")
        fds = [fd for fd, i in by_fd.items() if i not in warm]
        for fd in select.select(fds, [], [], 0.001)[0]:
            i = by_fd[fd]
            line = kids[i].stdout.readline()
            if line == b"warm\n":
                warm.add(i)
            else:
                print("py_bench: fanout %s %d: subscriber %d: %r before warm-up"
                      % (transport, size, i, line), file=sys.stderr)
                ok = False
        if now() > deadline:
            ok = False
    if not ok:
        print("py_bench: fanout %s %d: no warm-up message" % (transport, size), file=sys.stderr)
    msg = b"\x5a" * size
    got = nbytes = bad = 0
    t0 = now()
    if ok:
        send = pub.send
        for _ in range(n):
            send(msg)
        # The publisher stays open until every subscriber has reported.
        for k in kids:
            line = k.stdout.readline().decode()
            got += report_value(line, "got")
            nbytes += report_value(line, "bytes")
            bad += report_value(line, "bad")
    s = now() - t0
    subs = len(kids)
    everything = got == n * subs
    children_ok = all([finish(k, ok and everything) for k in kids])
    if ok:
        print("fanout impl=%s transport=%s mode=procs procs=%d subs=%d size=%d msgs=%d hwm=0 "
              "secs=%.6f msgs_per_sec=%.0f mib_per_sec=%.1f lost=%d bad=%d"
              % (IMPL, transport, subs + 1, subs, size, n, s, got / subs / s,
                 nbytes / subs / s / 1048576, n * subs - got, bad))
    close(pub)
    remove_dir(d)
    return ok and everything and children_ok


def run_net(transport, sizes):
    ctx = zmq.Context()
    ok = True
    if "push_pull" in O.want:
        for size in sizes:
            ok = push_pull(ctx, transport, size) and ok
    if "req_rep" in O.want:
        ok = req_rep(ctx, transport) and ok
    if "multipart" in O.want:
        for size in sizes:
            ok = push_pull(ctx, transport, size, frames=O.frames) and ok
    if "fanout" in O.want:
        for size in sizes:
            ok = fanout(ctx, transport, size) and ok
    ctx.term()
    return ok


# ---------------------------------------------------------------- child roles


def child_main():
    signal.alarm(O.timeout)  # SIGALRM's default action ends the process, even mid-call
    ctl = sys.stdin.buffer
    ctx = zmq.Context()
    payload = b"\x5a" * O.size
    if O.role in ("send", "send_multipart"):
        push = ctx.socket(zmq.PUSH)
        set_hwm(push)
        push.connect(O.endpoint)
        if O.role == "send":
            send, msg = push.send, payload
        else:
            send, msg = push.send_multipart, [payload] * O.frames
        send(msg)  # warm-up
        if ctl.readline() != b"go\n":
            sys.exit(1)
        for _ in range(O.count):
            send(msg)
        ctl.readline()  # stay open until the receiver has everything
        push.close()
    elif O.role == "echo":
        rep = ctx.socket(zmq.REP)
        rep.connect(O.endpoint)
        for _ in range(O.count):
            rep.send(rep.recv())
        ctl.readline()
        rep.close()
    elif O.role == "sub":
        # "warm" on stdout when the first (warm-up) message arrives, then --count non-empty
        # messages and "got=G bytes=B bad=X" (fewer if no message comes for --timeout/2 s);
        # wait for "done".
        out = sys.stdout
        sub = ctx.socket(zmq.SUB)
        unlimited(sub)
        # Half the time the child has (the alarm), so that it reports what it got.
        sub.setsockopt(zmq.RCVTIMEO, max(O.timeout * 500, 1000))
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(O.endpoint)
        got = nbytes = bad = 0
        try:
            sub.recv()
            out.write("warm\n")
            out.flush()
            recv = sub.recv
            while got < O.count:
                length = len(recv())
                if not length:
                    continue  # a later warm-up message
                got += 1
                nbytes += length
                if length != O.size:
                    bad += 1
        except zmq.ZMQError as e:
            print("py_bench: sub: recv: %s" % e, file=sys.stderr)
        out.write("got=%d bytes=%d bad=%d\n" % (got, nbytes, bad))
        out.flush()
        ctl.readline()
        sub.close()
    else:
        sys.exit("py_bench: unknown --role %s" % O.role)
    ctx.term()


def main():
    if O.role:
        if not O.endpoint:
            sys.exit("py_bench: --role needs --endpoint")
        child_main()
        return
    sys.stdout.reconfigure(line_buffering=True)
    print("version impl=%s module=%s libzmq=%s python=%s"
          % (IMPL, zmq.pyzmq_version(), zmq.zmq_version(), "%d.%d.%d" % sys.version_info[:3]))
    ok = True
    for t in O.transport.split(","):
        if t == "inproc":
            sizes = [int(x) for x in (O.sizes or "1,100,1024,65536").split(",")]
            ok = run_inproc(sizes) and ok
        elif t in ("tcp", "ipc"):
            sizes = [int(x) for x in (O.sizes or "1,100,1024,65536,1048576").split(",")]
            ok = run_net(t, sizes) and ok
        else:
            sys.exit("py_bench: unknown transport %s (inproc, tcp, ipc)" % t)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
