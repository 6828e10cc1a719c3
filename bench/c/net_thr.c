/* libzmq's own tcp:// and ipc:// figures, measured exactly as rust/core/examples/bench_net.rs
 * measures the Rust engine, so that bench/run.pl can print ratios.
 *
 *   cc -O2 -o bench/bin/net_thr bench/c/net_thr.c -lzmq
 *   bench/bin/net_thr [--transport tcp,ipc] [--what push_pull,req_rep]
 *                     [--sizes 1,100,1024,65536,1048576] [--msgs N] [--max-mb M] [--rt N]
 *                     [--rt-size B] [--hwm N] [--timeout S]
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
 *
 * Sending uses zmq_send (one copy of the payload into a new message, as the Rust engine's
 * Bytes::copy_from_slice and the Perl bindings do); receiving uses zmq_msg_recv (no copy);
 * the echo returns the received message with zmq_msg_send. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static int sizes[16] = {1, 100, 1024, 65536, 1048576};
static int nsizes = 5;
static uint64_t opt_msgs = 2000000, opt_max_mb = 4096, opt_rt = 20000;
static int opt_rt_size = 100, opt_hwm = -1, opt_timeout = 120;
static const char *opt_what = "push_pull,req_rep";
static const char *opt_transport = "tcp,ipc";
/* child side */
static const char *opt_role, *opt_endpoint;
static char self_exe[4096]; /* this program, for the child (readlink of /proc/self/exe) */
static int opt_size;
static uint64_t opt_count;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "net_thr: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static void usage(const char *msg)
{
    fprintf(stderr, "net_thr: %s\nusage: net_thr [--transport tcp,ipc] [--what push_pull,req_rep] "
                    "[--sizes 1,100,1024,65536,1048576] [--msgs N] [--max-mb M] [--rt N] "
                    "[--rt-size B] [--hwm N] [--timeout S]\n", msg);
    exit(2);
}

/* Same rule as the Rust example: msgs, capped at max_mb MiB of payload, at least 100. */
static uint64_t count_for(int size)
{
    uint64_t cap = (opt_max_mb << 20) / (uint64_t)(size > 0 ? size : 1);
    if (cap < 100)
        cap = 100;
    return opt_msgs < cap ? opt_msgs : cap;
}

static void set_hwm(void *s)
{
    if (opt_hwm >= 0) {
        if (zmq_setsockopt(s, ZMQ_SNDHWM, &opt_hwm, sizeof opt_hwm) ||
            zmq_setsockopt(s, ZMQ_RCVHWM, &opt_hwm, sizeof opt_hwm))
            die("setsockopt HWM");
    }
}

static int in_list(const char *list, const char *w)
{
    size_t l = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += l)
        if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == 0))
            return 1;
    return 0;
}

/* Binds s for the transport; fills ep with the endpoint to connect to and dir with the
 * private directory of an ipc socket (empty for tcp). */
static void bind_for(void *s, const char *transport, char *ep, size_t eplen, char *dir)
{
    dir[0] = 0;
    if (!strcmp(transport, "tcp")) {
        if (zmq_bind(s, "tcp://127.0.0.1:*"))
            die("bind tcp");
    } else {
        const char *tmp = getenv("TMPDIR");
        char path[512];
        snprintf(dir, 256, "%s/zmq-c-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir)) { /* mode 0700 */
            perror("net_thr: mkdtemp");
            exit(1);
        }
        snprintf(path, sizeof path, "ipc://%s/s", dir);
        if (zmq_bind(s, path))
            die("bind ipc");
    }
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &eplen))
        die("LAST_ENDPOINT");
}

static void remove_dir(const char *dir)
{
    char path[512];
    if (!dir[0])
        return;
    snprintf(path, sizeof path, "%s/s", dir);
    unlink(path);
    rmdir(dir);
}

/* Starts this program in role (stdout to stderr, stdin = control pipe). */
static pid_t spawn(const char *role, const char *ep, int size, uint64_t count, FILE **ctl)
{
    int fds[2];
    char ssize[32], scount[32], stimeout[32], shwm[32];
    pid_t pid;

    snprintf(ssize, sizeof ssize, "%d", size);
    snprintf(scount, sizeof scount, "%llu", (unsigned long long)count);
    snprintf(stimeout, sizeof stimeout, "%d", opt_timeout);
    snprintf(shwm, sizeof shwm, "%d", opt_hwm);
    if (pipe(fds)) {
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
        dup2(2, 1);
        close(fds[0]);
        close(fds[1]);
        execl(self_exe, "net_thr", "--role", role, "--endpoint", ep, "--size", ssize,
              "--count", scount, "--timeout", stimeout, "--hwm", shwm, (char *)NULL);
        perror("net_thr: exec");
        _exit(127);
    }
    close(fds[0]);
    *ctl = fdopen(fds[1], "w");
    return pid;
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

static int push_pull(const char *transport, int size)
{
    uint64_t n = count_for(size), got = 0, bytes = 0, bad = 0;
    void *ctx = zmq_ctx_new(), *pull = zmq_socket(ctx, ZMQ_PULL);
    int linger = 0, rc, child_ok;
    char ep[256], dir[256];
    zmq_msg_t msg;
    FILE *ctl;
    pid_t pid;
    double t0, s;

    set_hwm(pull);
    bind_for(pull, transport, ep, sizeof ep, dir);
    pid = spawn("send", ep, size, n, &ctl);
    zmq_msg_init(&msg);
    if (!warm_up(pull, pid, op_recv, &msg)) { /* warm-up: the connection is up */
        fprintf(stderr, "net_thr: push_pull %s %d: no warm-up message\n", transport, size);
        finish(pid, ctl, 0);
        zmq_msg_close(&msg);
        zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(pull);
        zmq_ctx_term(ctx);
        remove_dir(dir);
        return 0;
    }
    t0 = now();
    fputs("go\n", ctl);
    fflush(ctl);
    while (got < n) {
        rc = zmq_msg_recv(&msg, pull, 0);
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
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    remove_dir(dir);
    return got == n && child_ok;
}

static int req_rep(const char *transport)
{
    uint64_t n = opt_rt, done = 0, bad = 0;
    int size = opt_rt_size, linger = 0, ok, child_ok;
    void *ctx = zmq_ctx_new(), *req = zmq_socket(ctx, ZMQ_REQ);
    char *payload = malloc(size ? size : 1), ep[256], dir[256];
    zmq_msg_t msg;
    FILE *ctl;
    pid_t pid;
    double t0, s;

    memset(payload, 0x5a, size);
    bind_for(req, transport, ep, sizeof ep, dir);
    pid = spawn("echo", ep, size, n + 1, &ctl);
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
    zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(req);
    zmq_ctx_term(ctx);
    remove_dir(dir);
    free(payload);
    return ok && child_ok;
}

static int read_ctl(char *buf, size_t len)
{
    return fgets(buf, (int)len, stdin) != NULL;
}

/* Child: killed if the parent goes away or after the timeout. */
static void child_guard(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(opt_timeout);
}

static void child_send(void)
{
    void *ctx, *push;
    char *payload = malloc(opt_size ? opt_size : 1), line[64];

    child_guard();
    memset(payload, 0x5a, opt_size);
    ctx = zmq_ctx_new();
    push = zmq_socket(ctx, ZMQ_PUSH);
    set_hwm(push);
    if (zmq_connect(push, opt_endpoint))
        die("connect");
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

    child_guard();
    ctx = zmq_ctx_new();
    rep = zmq_socket(ctx, ZMQ_REP);
    if (zmq_connect(rep, opt_endpoint))
        die("connect");
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

int main(int argc, char **argv)
{
    int ok = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--sizes") && v) {
            char *tmp = strdup(v), *tok, *save = NULL;
            nsizes = 0;
            for (tok = strtok_r(tmp, ",", &save); tok && nsizes < 16; tok = strtok_r(NULL, ",", &save))
                sizes[nsizes++] = atoi(tok);
            free(tmp);
        } else if (!strcmp(a, "--msgs") && v)
            opt_msgs = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--max-mb") && v)
            opt_max_mb = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--rt") && v)
            opt_rt = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--rt-size") && v)
            opt_rt_size = atoi(v);
        else if (!strcmp(a, "--what") && v)
            opt_what = v;
        else if (!strcmp(a, "--transport") && v)
            opt_transport = v;
        else if (!strcmp(a, "--hwm") && v)
            opt_hwm = atoi(v);
        else if (!strcmp(a, "--timeout") && v)
            opt_timeout = atoi(v);
        else if (!strcmp(a, "--role") && v)
            opt_role = v;
        else if (!strcmp(a, "--endpoint") && v)
            opt_endpoint = v;
        else if (!strcmp(a, "--size") && v)
            opt_size = atoi(v);
        else if (!strcmp(a, "--count") && v)
            opt_count = strtoull(v, NULL, 10);
        else
            usage(a);
        i++;
    }
    if (!opt_msgs || !opt_rt || opt_timeout <= 0)
        usage("--msgs, --rt and --timeout must be > 0");
    {
        /* Resolved now (valgrind --trace-children follows an exec of the real path). */
        ssize_t l = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
        if (l <= 0) {
            perror("net_thr: readlink /proc/self/exe");
            return 1;
        }
        self_exe[l] = 0;
    }
    if (opt_role) {
        if (!opt_endpoint)
            usage("--role needs --endpoint");
        if (!strcmp(opt_role, "send"))
            child_send();
        else if (!strcmp(opt_role, "echo"))
            child_echo();
        else
            usage("unknown --role");
        return 0;
    }
    {
        int maj, min, pat;
        zmq_version(&maj, &min, &pat);
        printf("version impl=c libzmq=%d.%d.%d\n", maj, min, pat);
    }
    for (int t = 0; t < 2; t++) {
        const char *tr = t ? "ipc" : "tcp";
        if (!in_list(opt_transport, tr))
            continue;
        if (in_list(opt_what, "push_pull"))
            for (int i = 0; i < nsizes; i++)
                ok &= push_pull(tr, sizes[i]);
        if (in_list(opt_what, "req_rep"))
            ok &= req_rep(tr);
    }
    return ok ? 0 : 1;
}
