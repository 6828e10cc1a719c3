/* libzmq's own tcp:// and ipc:// figures, measured exactly as rust/core/examples/bench_net.rs
 * measures the Rust engine, so that bench/run.pl can print ratios.
 *
 *   cc -O2 -o bench/bin/net_thr bench/c/net_thr.c -lzmq
 *   bench/bin/net_thr [--transport tcp,ipc] [--what push_pull,req_rep,multipart,fanout]
 *                     [--sizes 1,100,1024,65536,1048576] [--msgs N] [--max-mb M] [--rt N]
 *                     [--rt-size B] [--hwm N] [--frames K] [--subs S] [--timeout S]
 *
 * The two ends are separate processes (as libzmq's local_thr/remote_thr and
 * local_lat/remote_lat): this process binds and measures, and starts a copy of itself
 * (fork + exec of this program, "--role send" or "--role echo") that connects. The child's
 * stdin is a control pipe: "go" starts the sender, "done" lets it close, so the sender stays
 * open until the receiver has every message.
 *
 * Output lines (same keys as the Rust example, impl=c):
 *   push_pull  PULL (binds, here) and PUSH (child): one warm-up message, then the clock runs
 *              from "go" to the last of msgs messages received; lost must be 0.
 *   req_rep    REQ (binds, here) and an echoing REP (child): one warm-up round trip, then rt
 *              timed ones; us_per_rt is a full round trip (remote_lat prints half of it).
 *   multipart  as push_pull, with messages of --frames frames (zmq_send with ZMQ_SNDMORE in
 *              the child, "--role send_multipart"; zmq_msg_recv while zmq_msg_more here);
 *              msgs_per_sec counts whole messages.
 *   fanout     PUB (binds, here) and --subs SUB children ("--role sub", one SUB socket each,
 *              subscribed to ""), SNDHWM = RCVHWM = 0 (no limit: PUB drops nothing). A
 *              child's stdout is a pipe back to us: "warm" when its first message arrives,
 *              "got=G bytes=B bad=X" when it has all msgs (or gave up). Empty warm-up
 *              messages (every ms) until every child said "warm"; the clock runs from then
 *              until every child has reported; msgs_per_sec is per subscriber, lost summed.
 *
 * Sending uses zmq_send (one copy of the payload into a new message, as the Rust engine's
 * Bytes::copy_from_slice and the Perl bindings do); receiving uses zmq_msg_recv (no copy);
 * the echo returns the received message with zmq_msg_send. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/wait.h>

#define BENCH_NAME "net_thr"
#define BENCH_USAGE                                                                            \
    "[--transport tcp,ipc] [--what push_pull,req_rep,multipart,fanout] "                       \
    "[--sizes 1,100,1024,65536,1048576] [--msgs N] [--max-mb M] [--rt N] [--rt-size B] "       \
    "[--hwm N] [--frames K] [--subs S] [--timeout S]"
#include "common.h"

static int sizes[BENCH_MAX_LIST] = {1, 100, 1024, 65536, 1048576};
static int nsizes = 5;
static unsigned long long opt_msgs = 2000000, opt_max_mb = 4096, opt_rt = 20000;
static int opt_rt_size = 100, opt_hwm = -1, opt_timeout = 120, opt_frames = 3, opt_subs = 2;
static const char *opt_what = "push_pull,req_rep,multipart,fanout";
static const char *opt_transport = "tcp,ipc";
/* child side */
static const char *opt_role, *opt_endpoint;
static int opt_size;
static unsigned long long opt_count;

/* Messages for one size: at least 100 (count_for_size). */
static uint64_t count_for(int size)
{
    return count_for_size(opt_msgs, opt_max_mb, size, 100);
}

/* The measuring end: a socket bound here (tcp://127.0.0.1:* or a private ipc directory). */
struct end {
    void *ctx, *sock;
    char ep[256], dir[256];
};

/* Makes the socket of type (SNDHWM and RCVHWM hwm; < 0: the defaults) and binds it. */
static void end_open(struct end *e, int type, int hwm, const char *transport)
{
    e->ctx = zmq_ctx_new();
    if (!(e->sock = zmq_socket(e->ctx, type)))
        die("zmq_socket");
    set_hwm(e->sock, hwm);
    bind_for(e->sock, transport, "bench", e->ep, sizeof e->ep, e->dir);
}

/* Closes the socket (LINGER 0), terminates the context and removes the ipc directory. */
static void end_close(struct end *e)
{
    set_int(e->sock, ZMQ_LINGER, 0, "LINGER");
    zmq_close(e->sock);
    zmq_ctx_term(e->ctx);
    remove_dir(e->dir);
}

/* Starts this program in role (stdin = control pipe). Its stdout goes to our stderr (our
 * stdout is the result channel), or, if out is not NULL, to a pipe whose read end is put
 * in *out. */
static pid_t spawn_with(const char *role, const char *ep, int size, uint64_t count, FILE **ctl,
                        int *out)
{
    int fds[2], ofds[2] = {-1, -1};
    char ssize[32], scount[32], stimeout[32], shwm[32], sframes[32];
    pid_t pid;

    snprintf(ssize, sizeof ssize, "%d", size);
    snprintf(scount, sizeof scount, "%llu", (unsigned long long)count);
    snprintf(stimeout, sizeof stimeout, "%d", opt_timeout);
    snprintf(shwm, sizeof shwm, "%d", opt_hwm);
    snprintf(sframes, sizeof sframes, "%d", opt_frames);
    if (pipe(fds) || (out && pipe(ofds))) {
        perror("net_thr: pipe");
        exit(1);
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        perror("net_thr: fork");
        exit(1);
    }
    if (pid == 0) {
        dup2(fds[0], 0);
        dup2(out ? ofds[1] : 2, 1);
        close(fds[0]);
        close(fds[1]);
        if (out) {
            close(ofds[0]);
            close(ofds[1]);
        }
        execl(self_exe, "net_thr", "--role", role, "--endpoint", ep, "--size", ssize,
              "--count", scount, "--timeout", stimeout, "--hwm", shwm, "--frames", sframes,
              (char *)NULL);
        perror("net_thr: exec");
        _exit(127);
    }
    close(fds[0]);
    *ctl = fdopen(fds[1], "w");
    if (out) {
        close(ofds[1]);
        *out = ofds[0];
    }
    return pid;
}

static pid_t spawn(const char *role, const char *ep, int size, uint64_t count, FILE **ctl)
{
    return spawn_with(role, ep, size, count, ctl, NULL);
}

/* Ends the child: "done" (or kill), close the pipe, wait. Returns 1 if all went well. */
static int finish(pid_t pid, FILE *ctl, int ok)
{
    int st;
    if (ok) {
        fputs("done\n", ctl);
        fflush(ctl);
    } else {
        kill(pid, SIGKILL);
    }
    fclose(ctl);
    if (waitpid(pid, &st, 0) != pid)
        return 0;
    return !ok || (WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* "go": the child starts sending. */
static void go(FILE *ctl)
{
    fputs("go\n", ctl);
    fflush(ctl);
}

/* Sets both timeouts of s to ms. */
static void set_timeouts(void *s, int ms)
{
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &ms, sizeof ms);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof ms);
}

/* Warm-up: runs op (a send or receive; 0 = done) until it succeeds, giving up when the child
 * exited or after --timeout seconds. Then both timeouts are --timeout, so that a stalled run
 * fails instead of hanging. */
static int warm_up(void *s, pid_t child, int (*op)(void *s, void *arg), void *arg)
{
    double deadline = now() + opt_timeout;
    int ok = 0;
    set_timeouts(s, 200);
    for (;;) {
        if (op(s, arg) == 0) {
            ok = 1;
            break;
        }
        if (zmq_errno() != EAGAIN || now() > deadline || waitpid(child, NULL, WNOHANG) != 0)
            break;
    }
    set_timeouts(s, opt_timeout * 1000);
    return ok;
}

static int op_recv(void *s, void *msg)
{
    return zmq_msg_recv(msg, s, 0) < 0 ? -1 : 0;
}

static int op_send_payload(void *s, void *arg)
{
    int size = opt_rt_size;
    return zmq_send(s, arg, size, 0) == size ? 0 : -1;
}

static int op_recv_parts(void *s, void *msg)
{
    int ok;
    return recv_parts(s, msg, 0, opt_frames, &ok) < 0 ? -1 : 0;
}

/* PULL here (--hwm) and a child in role that connects and sends n messages of size bytes
 * (its stdin, the control pipe, in *ctl). Returns the child's pid once its warm-up message
 * has come (op receives one into msg); 0, everything closed, if none came. what names the
 * measurement in messages. */
static pid_t open_with_sender(struct end *e, const char *what, const char *transport,
                              const char *role, int size, uint64_t n,
                              int (*op)(void *s, void *msg), zmq_msg_t *msg, FILE **ctl)
{
    pid_t pid;
    end_open(e, ZMQ_PULL, opt_hwm, transport);
    pid = spawn(role, e->ep, size, n, ctl);
    zmq_msg_init(msg);
    if (!warm_up(e->sock, pid, op, msg)) { /* warm-up: the connection is up */
        fprintf(stderr, "net_thr: %s %s %d: no warm-up message\n", what, transport, size);
        finish(pid, *ctl, 0);
        zmq_msg_close(msg);
        end_close(e);
        return 0;
    }
    return pid;
}

static int push_pull(const char *transport, int size)
{
    uint64_t n = count_for(size), got = 0, bytes = 0, bad = 0;
    int rc, child_ok;
    struct end e;
    zmq_msg_t msg;
    FILE *ctl;
    pid_t pid;
    double t0, s;

    pid = open_with_sender(&e, "push_pull", transport, "send", size, n, op_recv, &msg, &ctl);
    if (!pid)
        return 0;
    t0 = now();
    go(ctl);
    while (got < n) {
        rc = zmq_msg_recv(&msg, e.sock, 0);
        if (rc < 0) {
            fprintf(stderr, "net_thr: push_pull %s %d: recv: %s\n", transport, size,
                    zmq_strerror(zmq_errno()));
            break;
        }
        got++;
        bytes += rc;
        bad += rc != size;
    }
    s = now() - t0;
    child_ok = finish(pid, ctl, got == n);
    printf("push_pull impl=c transport=%s procs=2 size=%d msgs=%llu hwm=%d secs=%.6f "
           "msgs_per_sec=%.0f mib_per_sec=%.1f lost=%llu bad=%llu\n",
           transport, size, (unsigned long long)n, opt_hwm >= 0 ? opt_hwm : 1000, s, got / s,
           bytes / s / 1048576.0, (unsigned long long)(n - got), (unsigned long long)bad);
    fflush(stdout);
    zmq_msg_close(&msg);
    end_close(&e);
    return got == n && child_ok;
}

static int req_rep(const char *transport)
{
    uint64_t n = opt_rt, done = 0, bad = 0;
    int size = opt_rt_size, ok, child_ok;
    char *payload = payload_new(size);
    struct end e;
    void *req;
    zmq_msg_t msg;
    FILE *ctl;
    pid_t pid;
    double t0, s;

    end_open(&e, ZMQ_REQ, -1, transport);
    req = e.sock;
    pid = spawn("echo", e.ep, size, n + 1, &ctl);
    zmq_msg_init(&msg);
    /* warm-up round trip: the connection is up */
    ok = warm_up(req, pid, op_send_payload, payload) && warm_up(req, pid, op_recv, &msg);
    if (!ok)
        fprintf(stderr, "net_thr: req_rep %s: no warm-up round trip\n", transport);
    t0 = now();
    while (ok && done < n) {
        int rc;
        if (zmq_send(req, payload, size, 0) != size) {
            fprintf(stderr, "net_thr: req_rep %s: send: %s\n", transport,
                    zmq_strerror(zmq_errno()));
            ok = 0;
            break;
        }
        rc = zmq_msg_recv(&msg, req, 0);
        if (rc < 0) {
            fprintf(stderr, "net_thr: req_rep %s: recv: %s\n", transport,
                    zmq_strerror(zmq_errno()));
            ok = 0;
            break;
        }
        done++;
        bad += rc != size;
    }
    s = now() - t0;
    child_ok = finish(pid, ctl, ok);
    if (ok) {
        printf("req_rep impl=c transport=%s mode=procs size=%d rts=%llu secs=%.6f "
               "us_per_rt=%.3f bad=%llu\n",
               transport, size, (unsigned long long)n, s, s * 1e6 / n, (unsigned long long)bad);
        fflush(stdout);
    }
    zmq_msg_close(&msg);
    end_close(&e);
    free(payload);
    return ok && child_ok;
}

/* ---------------------------------------------------------------- multipart */

static int multipart(const char *transport, int size)
{
    uint64_t n = count_for(size * opt_frames), got = 0, bytes = 0, bad = 0;
    int child_ok, ok;
    int64_t rc;
    struct end e;
    zmq_msg_t msg;
    FILE *ctl;
    pid_t pid;
    double t0, s;

    pid = open_with_sender(&e, "multipart", transport, "send_multipart", size, n, op_recv_parts,
                           &msg, &ctl);
    if (!pid)
        return 0;
    t0 = now();
    go(ctl);
    while (got < n) {
        rc = recv_parts(e.sock, &msg, size, opt_frames, &ok);
        if (rc < 0) {
            fprintf(stderr, "net_thr: multipart %s %d: recv: %s\n", transport, size,
                    zmq_strerror(zmq_errno()));
            break;
        }
        got++;
        bytes += (uint64_t)rc;
        bad += !ok;
    }
    s = now() - t0;
    child_ok = finish(pid, ctl, got == n);
    printf("multipart impl=c transport=%s mode=procs procs=2 frames=%d size=%d msgs=%llu "
           "hwm=%d secs=%.6f msgs_per_sec=%.0f mib_per_sec=%.1f lost=%llu bad=%llu\n",
           transport, opt_frames, size, (unsigned long long)n, opt_hwm >= 0 ? opt_hwm : 1000,
           s, got / s, bytes / s / 1048576.0, (unsigned long long)(n - got),
           (unsigned long long)bad);
    fflush(stdout);
    zmq_msg_close(&msg);
    end_close(&e);
    return got == n && child_ok;
}

/* ---------------------------------------------------------------- fanout */

/* Reads one line from fd into buf (the children write whole short lines); 0 at EOF. */
static int read_line(int fd, char *buf, size_t len)
{
    size_t n = 0;
    while (n + 1 < len) {
        ssize_t r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = 0;
    return n > 0;
}

static uint64_t report_value(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int fanout(const char *transport, int size)
{
    uint64_t n = count_for(size), got = 0, bytes = 0, bad = 0;
    char *payload = payload_new(size), line[256];
    int ok = 1, nwarm = 0, warm[64] = {0}, out[64], children_ok = 1;
    struct end e;
    void *pub;
    FILE *ctl[64];
    pid_t pid[64];
    double t0, s, deadline;

    end_open(&e, ZMQ_PUB, 0, transport);
    pub = e.sock;
    for (int i = 0; i < opt_subs; i++)
        pid[i] = spawn_with("sub", e.ep, size, n, &ctl[i], &out[i]);
    /* Warm-up: empty messages until every subscriber has one (its connection and its
     * subscription are through), giving up after --timeout or if a child ends. */
    deadline = now() + opt_timeout;
    while (ok && nwarm < opt_subs) {
        struct pollfd pfd[64];
        if (zmq_send(pub, "", 0, 0) != 0)
            die("zmq_send");
        for (int i = 0; i < opt_subs; i++) {
            pfd[i].fd = warm[i] ? -1 : out[i];
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        if (poll(pfd, opt_subs, 1) > 0)
            for (int i = 0; i < opt_subs; i++) {
                if (!pfd[i].revents)
                    continue;
                if (read_line(out[i], line, sizeof line) && !strcmp(line, "warm")) {
                    warm[i] = 1;
                    nwarm++;
                } else {
                    fprintf(stderr, "net_thr: fanout %s %d: subscriber %d: '%s' before "
                                    "warm-up\n", transport, size, i, line);
                    ok = 0;
                }
            }
        if (now() > deadline)
            ok = 0;
    }
    if (!ok)
        fprintf(stderr, "net_thr: fanout %s %d: no warm-up message\n", transport, size);
    t0 = now();
    if (ok) {
        for (uint64_t i = 0; i < n; i++)
            if (zmq_send(pub, payload, size, 0) != size)
                die("zmq_send");
        /* The publisher stays open until every subscriber has reported. */
        for (int i = 0; i < opt_subs; i++) {
            if (!read_line(out[i], line, sizeof line))
                continue;
            got += report_value(line, "got=");
            bytes += report_value(line, "bytes=");
            bad += report_value(line, "bad=");
        }
    }
    s = now() - t0;
    for (int i = 0; i < opt_subs; i++) {
        children_ok &= finish(pid[i], ctl[i], ok && got == n * opt_subs);
        close(out[i]);
    }
    if (ok) {
        printf("fanout impl=c transport=%s mode=procs procs=%d subs=%d size=%d msgs=%llu hwm=0 "
               "secs=%.6f msgs_per_sec=%.0f mib_per_sec=%.1f lost=%llu bad=%llu\n",
               transport, opt_subs + 1, opt_subs, size, (unsigned long long)n, s,
               got / (double)opt_subs / s, bytes / (double)opt_subs / s / 1048576.0,
               (unsigned long long)(n * opt_subs - got), (unsigned long long)bad);
        fflush(stdout);
    }
    end_close(&e);
    free(payload);
    return ok && got == n * opt_subs && children_ok;
}

static int read_ctl(char *buf, size_t len)
{
    return fgets(buf, (int)len, stdin) != NULL;
}

/* A child's socket of type, connected to --endpoint (SNDHWM and RCVHWM hwm; < 0: the
 * defaults), in a new context. */
static void *child_socket(void **ctx, int type, int hwm)
{
    void *s;
    *ctx = zmq_ctx_new();
    if (!(s = zmq_socket(*ctx, type)))
        die("zmq_socket");
    set_hwm(s, hwm);
    if (zmq_connect(s, opt_endpoint))
        die("connect");
    return s;
}

static void child_send(void)
{
    void *ctx, *push;
    char *payload = payload_new(opt_size), line[64];

    child_guard(opt_timeout);
    push = child_socket(&ctx, ZMQ_PUSH, opt_hwm);
    if (zmq_send(push, payload, opt_size, 0) != opt_size) /* warm-up */
        die("send");
    if (!read_ctl(line, sizeof line) || strcmp(line, "go\n"))
        exit(1);
    for (uint64_t i = 0; i < opt_count; i++)
        if (zmq_send(push, payload, opt_size, 0) != opt_size)
            die("send");
    /* Stay open until the receiver has everything. */
    read_ctl(line, sizeof line);
    zmq_close(push);
    zmq_ctx_term(ctx);
    free(payload);
}

static void child_echo(void)
{
    void *ctx, *rep;
    zmq_msg_t msg;
    char line[64];

    child_guard(opt_timeout);
    rep = child_socket(&ctx, ZMQ_REP, -1);
    zmq_msg_init(&msg);
    for (uint64_t i = 0; i < opt_count; i++) {
        if (zmq_msg_recv(&msg, rep, 0) < 0)
            die("rep recv");
        if (zmq_msg_send(&msg, rep, 0) < 0)
            die("rep send");
    }
    read_ctl(line, sizeof line);
    zmq_msg_close(&msg);
    zmq_close(rep);
    zmq_ctx_term(ctx);
}

/* As child_send, with messages of opt_frames frames (ZMQ_SNDMORE). */
static void child_send_multipart(void)
{
    void *ctx, *push;
    char *payload = payload_new(opt_size), line[64];

    child_guard(opt_timeout);
    push = child_socket(&ctx, ZMQ_PUSH, opt_hwm);
    if (send_parts(push, payload, opt_size, opt_frames)) /* warm-up */
        die("send");
    if (!read_ctl(line, sizeof line) || strcmp(line, "go\n"))
        exit(1);
    for (uint64_t i = 0; i < opt_count; i++)
        if (send_parts(push, payload, opt_size, opt_frames))
            die("send");
    /* Stay open until the receiver has everything. */
    read_ctl(line, sizeof line);
    zmq_close(push);
    zmq_ctx_term(ctx);
    free(payload);
}

/* SUB subscribed to "": "warm" on stdout when the first (warm-up) message arrives, then
 * count non-empty messages and "got=G bytes=B bad=X" (fewer if no message comes for
 * timeout/2 s); wait for "done". */
static void child_sub(void)
{
    void *ctx, *sub;
    zmq_msg_t msg;
    char line[64];
    /* half the time the child has (child_guard), so that it reports what it got */
    int tmo = opt_timeout > 2 ? opt_timeout * 500 : 1000;
    uint64_t got = 0, bytes = 0, bad = 0;

    child_guard(opt_timeout);
    sub = child_socket(&ctx, ZMQ_SUB, 0);
    set_int(sub, ZMQ_RCVTIMEO, tmo, "RCVTIMEO");
    if (zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0))
        die("SUBSCRIBE");
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sub, 0) < 0) {
        fprintf(stderr, "net_thr: sub: no warm-up message: %s\n", zmq_strerror(zmq_errno()));
    } else {
        printf("warm\n");
        fflush(stdout);
        while (got < opt_count) {
            int rc = zmq_msg_recv(&msg, sub, 0);
            if (rc < 0) {
                fprintf(stderr, "net_thr: sub: recv: %s\n", zmq_strerror(zmq_errno()));
                break;
            }
            if (rc == 0)
                continue; /* a later warm-up message */
            got++;
            bytes += (uint64_t)rc;
            bad += rc != opt_size;
        }
    }
    printf("got=%llu bytes=%llu bad=%llu\n", (unsigned long long)got,
           (unsigned long long)bytes, (unsigned long long)bad);
    fflush(stdout);
    read_ctl(line, sizeof line);
    zmq_msg_close(&msg);
    zmq_close(sub);
    zmq_ctx_term(ctx);
}

int main(int argc, char **argv)
{
    static const struct bench_opt opts[] = {
        {"--sizes", OPT_INTS, sizes, &nsizes},
        {"--msgs", OPT_ULL, &opt_msgs, NULL},
        {"--max-mb", OPT_ULL, &opt_max_mb, NULL},
        {"--rt", OPT_ULL, &opt_rt, NULL},
        {"--rt-size", OPT_INT, &opt_rt_size, NULL},
        {"--what", OPT_STR, &opt_what, NULL},
        {"--transport", OPT_STR, &opt_transport, NULL},
        {"--hwm", OPT_INT, &opt_hwm, NULL},
        {"--frames", OPT_INT, &opt_frames, NULL},
        {"--subs", OPT_INT, &opt_subs, NULL},
        {"--timeout", OPT_INT, &opt_timeout, NULL},
        {"--role", OPT_STR, &opt_role, NULL},
        {"--endpoint", OPT_STR, &opt_endpoint, NULL},
        {"--size", OPT_INT, &opt_size, NULL},
        {"--count", OPT_ULL, &opt_count, NULL},
        {NULL, 0, NULL, NULL},
    };
    int ok = 1;

    parse_args(argc, argv, opts);
    if (!opt_msgs || !opt_rt || opt_timeout <= 0 || opt_frames < 1 || opt_subs < 1 ||
        opt_subs > 64)
        usage("--msgs, --rt, --timeout, --frames and --subs must be > 0 (--subs at most 64)");
    find_self_exe();
    if (opt_role) {
        if (!opt_endpoint)
            usage("--role needs --endpoint");
        if (!strcmp(opt_role, "send"))
            child_send();
        else if (!strcmp(opt_role, "echo"))
            child_echo();
        else if (!strcmp(opt_role, "send_multipart"))
            child_send_multipart();
        else if (!strcmp(opt_role, "sub"))
            child_sub();
        else
            usage("unknown --role");
        return 0;
    }
    print_version();
    for (int t = 0; t < 2; t++) {
        const char *tr = t ? "ipc" : "tcp";
        if (!in_list(opt_transport, tr))
            continue;
        if (in_list(opt_what, "push_pull"))
            for (int i = 0; i < nsizes; i++)
                ok &= push_pull(tr, sizes[i]);
        if (in_list(opt_what, "req_rep"))
            ok &= req_rep(tr);
        if (in_list(opt_what, "multipart"))
            for (int i = 0; i < nsizes; i++)
                ok &= multipart(tr, sizes[i]);
        if (in_list(opt_what, "fanout"))
            for (int i = 0; i < nsizes; i++)
                ok &= fanout(tr, sizes[i]);
    }
    return ok ? 0 : 1;
}
