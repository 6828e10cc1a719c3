/* libzmq's memory and scale figures, measured exactly as rust/core/examples/bench_scale.rs
 * measures the Rust engine (same options, same output keys with impl=c), so that
 * bench/scale.pl can put them side by side.
 *
 *   cc -O2 -Wall -o bench/bin/scale bench/c/scale.c -lzmq -lpthread
 *   bench/bin/scale [--what hwm,conns,fanout] [--transport tcp,ipc,inproc] [--size B]
 *                   [--hwms 1000,10] [--msgs N] [--hold S] [--settle-ms MS] [--sample-ms MS]
 *                   [--series] [--conns N] [--backlog N] [--dealer-procs P] [--idle S] [--subs N]
 *                   [--sub-procs P] [--fanout-msgs N] [--fanout-size B] [--timeout S]
 *
 * hwm     PULL here, PUSH in a second process (tcp, ipc: this program, "--role hwm-send") or
 *         a second thread (inproc), SNDHWM = RCVHWM = the HWM. The receiver stops reading,
 *         the sender sends msgs numbered messages of size bytes (zmq_send: one copy each) as
 *         fast as it can; once its count has not moved for settle-ms the path is full
 *         (in_flight), the receiver holds on for hold s, then drains and checks them all.
 *         VmRSS sampled every sample-ms; peaks are VmHWM (reset just before the sender starts
 *         by writing 5 to /proc/PID/clear_refs) or the largest sample if that is higher.
 * conns   a ROUTER here (IO_THREADS=1, ROUTER_MANDATORY), conns DEALERs in dealer-procs other
 *         processes ("--role dealers"); each connects and sends h<index>; accept_secs until
 *         the ROUTER has all of them from distinct routing ids; RSS and fds of the ROUTER
 *         process before and after, CPU time over idle s of idleness; then r<index> to each
 *         routing id, checked by the DEALERs.
 * fanout  one PUB here, subs SUBs in sub-procs processes ("--role subs", one thread each),
 *         SNDHWM = RCVHWM = 0; warm-up messages until every SUB has one, then fanout-msgs
 *         numbered messages of fanout-size bytes; every SUB checks it got them all in order
 *         and notes when it had the last (CLOCK_MONOTONIC, the same in every process).
 *
 * See bench_scale.rs for the meaning of every key. Every process kills itself after
 * timeout s (the measuring one 30 s later), children die with their parent. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define BENCH_NAME "scale"
#define BENCH_USAGE                                                                            \
    "[--what hwm,conns,fanout] [--transport tcp,ipc,inproc] [--size B] [--hwms 1000,10] "      \
    "[--msgs N] [--hold S] [--settle-ms MS] [--sample-ms MS] [--series] [--conns N] "          \
    "[--backlog N] [--dealer-procs P] [--idle S] [--subs N] [--sub-procs P] "                  \
    "[--fanout-msgs N] [--fanout-size B] [--timeout S]"
#include "common.h"

typedef unsigned long long ull;

static const char *opt_what = "hwm,conns,fanout";
static const char *opt_transport = "tcp,ipc,inproc";
static size_t opt_size = 1048576;
static int hwms[BENCH_MAX_LIST] = {1000, 10};
static int nhwms = 2;
static long long opt_msgs = -1;
static double opt_hold = 1.0, opt_idle = 5.0;
static int opt_settle_ms = 1000, opt_sample_ms = 20, opt_series = 0;
static int opt_backlog = -1;
static int opt_conns = 10000, opt_dealer_procs = 2, opt_subs = 100, opt_sub_procs = 2;
static ull opt_fanout_msgs = 100000;
static size_t opt_fanout_size = 100;
static int opt_timeout = 120;
/* child side */
static const char *opt_role, *opt_endpoint = "";
static ull opt_count, opt_index;
static int opt_hwm = 1000;

/* ------------------------------------------------------------------ process figures */

static ull mono_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

static ull thread_cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static double since(ull t0)
{
    return (mono_ns() - t0) / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts;
    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* VmRSS and VmHWM of a process, KiB. */
static void proc_mem(pid_t pid, ull *rss, ull *hwm)
{
    char path[64], line[256];
    FILE *f;
    ull r = 0, h = 0;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r"))) {
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "VmRSS:", 6))
                r = strtoull(line + 6, NULL, 10);
            else if (!strncmp(line, "VmHWM:", 6))
                h = strtoull(line + 6, NULL, 10);
        }
        fclose(f);
    }
    if (rss)
        *rss = r;
    if (hwm)
        *hwm = h;
}

static ull rss_of(pid_t pid)
{
    ull r;
    proc_mem(pid, &r, NULL);
    return r;
}

static void reset_peak(pid_t pid)
{
    char path[64];
    int fd;
    snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
    if ((fd = open(path, O_WRONLY)) >= 0) {
        if (write(fd, "5", 1) < 0)
            perror("scale: clear_refs");
        close(fd);
    }
}

/* CPU time (ns) and context switches of the threads of a process, but thread skip (the
 * measuring one; 0: none). */
static void proc_cpu(pid_t pid, pid_t skip, ull *ns, ull *sw)
{
    char path[300], line[256];
    DIR *d;
    struct dirent *e;
    FILE *f;
    *ns = *sw = 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    if (!(d = opendir(path)))
        return;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || (skip && atoi(e->d_name) == (int)skip))
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.32s/schedstat", (int)pid, e->d_name);
        if ((f = fopen(path, "r"))) {
            ull v = 0;
            if (fscanf(f, "%llu", &v) == 1)
                *ns += v;
            fclose(f);
        }
        snprintf(path, sizeof path, "/proc/%d/task/%.32s/status", (int)pid, e->d_name);
        if ((f = fopen(path, "r"))) {
            while (fgets(line, sizeof line, f)) {
                if (!strncmp(line, "voluntary_ctxt_switches:", 24))
                    *sw += strtoull(line + 24, NULL, 10);
                else if (!strncmp(line, "nonvoluntary_ctxt_switches:", 27))
                    *sw += strtoull(line + 27, NULL, 10);
            }
            fclose(f);
        }
    }
    closedir(d);
}

static int fd_count(pid_t pid)
{
    char path[64];
    DIR *d;
    int n = 0;
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    if (!(d = opendir(path)))
        return 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 2; /* . and .. */
}

static ull raise_nofile(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r))
        return 0;
    if (r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
        getrlimit(RLIMIT_NOFILE, &r);
    }
    return (ull)r.rlim_cur;
}

/* VmRSS of up to two processes every sample-ms, until stopped. */
typedef struct {
    pid_t pids[2];
    int npids;
    volatile int stop;
    ull max[2];
    ull (*samples)[3]; /* t_ms, rss0, rss1 */
    size_t n, cap;
    pthread_t th;
} sampler_t;

static void *sampler_main(void *arg)
{
    sampler_t *s = arg;
    ull t0 = mono_ns();
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        ull row[3] = {(mono_ns() - t0) / 1000000, 0, 0};
        for (int i = 0; i < s->npids; i++) {
            row[i + 1] = rss_of(s->pids[i]);
            if (row[i + 1] > s->max[i])
                s->max[i] = row[i + 1];
        }
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 1024;
            s->samples = realloc(s->samples, s->cap * sizeof *s->samples);
            if (!s->samples)
                abort();
        }
        memcpy(s->samples[s->n++], row, sizeof row);
        sleep_s(opt_sample_ms / 1000.0);
    }
    return NULL;
}

static void sampler_start(sampler_t *s, pid_t a, pid_t b)
{
    memset(s, 0, sizeof *s);
    s->pids[0] = a;
    s->pids[1] = b;
    s->npids = b ? 2 : 1;
    pthread_create(&s->th, NULL, sampler_main, s);
}

static void sampler_stop(sampler_t *s)
{
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
    pthread_join(s->th, NULL);
}

/* ------------------------------------------------------------------ children */

typedef struct {
    pid_t pid;
    FILE *ctl; /* its stdin */
    int out;   /* its stdout */
    char buf[65536];
    size_t len;
} kid_t;

/* Starts this program with the given arguments (NULL-terminated, after argv[0]); stdin and
 * stdout are pipes to us. */
static void kid_spawn(kid_t *k, const char *const *args)
{
    int in[2], out[2];
    const char *argv[64];
    int n = 0;
    argv[n++] = "scale";
    while (*args && n < 62)
        argv[n++] = *args++;
    argv[n] = NULL;
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        perror("scale: pipe");
        exit(1);
    }
    fflush(stdout);
    k->pid = fork();
    if (k->pid < 0) {
        perror("scale: fork");
        exit(1);
    }
    if (k->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execv(self_exe, (char *const *)argv);
        perror("scale: exec");
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    k->ctl = fdopen(in[1], "w");
    k->out = out[0];
    k->len = 0;
}

static void kid_tell(kid_t *k, const char *what)
{
    fprintf(k->ctl, "%s\n", what);
    fflush(k->ctl);
}

/* The child's next line starting with prefix (others skipped) into line; 0 at the deadline
 * (mono ns; 0 = do not wait) or at end of file. */
static int kid_expect(kid_t *k, const char *prefix, ull deadline, char *line, size_t linelen)
{
    for (;;) {
        char *nl = memchr(k->buf, '\n', k->len);
        if (nl) {
            size_t l = (size_t)(nl - k->buf);
            int match = !strncmp(k->buf, prefix, strlen(prefix));
            if (match) {
                size_t c = l < linelen - 1 ? l : linelen - 1;
                memcpy(line, k->buf, c);
                line[c] = 0;
            }
            memmove(k->buf, nl + 1, k->len - l - 1);
            k->len -= l + 1;
            if (match)
                return 1;
            continue;
        }
        ull now = mono_ns();
        int ms = deadline > now ? (int)((deadline - now) / 1000000) + 1 : 0;
        struct pollfd p = {k->out, POLLIN, 0};
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        ssize_t got = read(k->out, k->buf + k->len, sizeof k->buf - k->len - 1);
        if (got <= 0)
            return 0;
        k->len += (size_t)got;
    }
}

/* "done" (or kill), then wait for the exit (killing it after 30 s). 1 if it exited 0. */
static int kid_finish(kid_t *k, int ok)
{
    int st = 0;
    ull until = mono_ns() + 30000000000ull;
    if (ok)
        kid_tell(k, "done");
    else
        kill(k->pid, SIGKILL);
    fclose(k->ctl);
    for (;;) {
        pid_t r = waitpid(k->pid, &st, WNOHANG);
        if (r == k->pid)
            break;
        if (r < 0)
            return 0;
        if (mono_ns() > until) {
            kill(k->pid, SIGKILL);
            waitpid(k->pid, &st, 0);
            close(k->out);
            return 0;
        }
        sleep_s(0.01);
    }
    close(k->out);
    return (WIFEXITED(st) && WEXITSTATUS(st) == 0) || !ok;
}

/* Control pipe of a child, read by a thread: "count" is answered at once; other commands
 * are kept for wait_for. */
static pthread_mutex_t ctl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctl_cv = PTHREAD_COND_INITIALIZER;
static char ctl_last[64][32];
static int ctl_n;
static int ctl_eof;
static volatile ull sent_count;

static void *control_main(void *arg)
{
    char line[256];
    (void)arg;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (!strcmp(line, "count")) {
            printf("count %llu\n", __atomic_load_n(&sent_count, __ATOMIC_SEQ_CST));
            fflush(stdout);
            continue;
        }
        pthread_mutex_lock(&ctl_mu);
        if (ctl_n < 64)
            snprintf(ctl_last[ctl_n++], sizeof ctl_last[0], "%.31s", line);
        pthread_cond_broadcast(&ctl_cv);
        pthread_mutex_unlock(&ctl_mu);
    }
    pthread_mutex_lock(&ctl_mu);
    ctl_eof = 1;
    pthread_cond_broadcast(&ctl_cv);
    pthread_mutex_unlock(&ctl_mu);
    return NULL;
}

static void control_start(void)
{
    pthread_t th;
    pthread_create(&th, NULL, control_main, NULL);
    pthread_detach(th);
}

/* Waits for the command what (consuming it); 0 at end of input or after timeout s. */
static int wait_for(const char *what)
{
    struct timespec ts;
    int found = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += opt_timeout;
    pthread_mutex_lock(&ctl_mu);
    for (;;) {
        for (int i = 0; i < ctl_n; i++) {
            if (!strcmp(ctl_last[i], what)) {
                memmove(ctl_last[i], ctl_last[i + 1], (size_t)(ctl_n - i - 1) * sizeof ctl_last[0]);
                ctl_n--;
                found = 1;
                break;
            }
        }
        if (found || ctl_eof)
            break;
        if (pthread_cond_timedwait(&ctl_cv, &ctl_mu, &ts) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&ctl_mu);
    return found;
}

/* ------------------------------------------------------------------ endpoints */

/* ------------------------------------------------------------------ hwm */

/* Sends n numbered messages (zmq_send: one copy each), counting them in sent_count. */
static int send_numbered(void *push, size_t size, ull n)
{
    char *tpl = malloc(size);
    ull until = mono_ns() + (ull)opt_timeout * 1000000000ull;
    if (!tpl)
        return 0;
    memset(tpl, 0x5a, size);
    set_int(push, ZMQ_SNDTIMEO, 100, "SNDTIMEO");
    for (ull i = 0; i < n; i++) {
        memcpy(tpl, &i, 8);
        while (zmq_send(push, tpl, size, 0) < 0) {
            if (zmq_errno() != EAGAIN || mono_ns() > until) {
                fprintf(stderr, "scale: hwm sender: send %llu: %s\n", i, zmq_strerror(zmq_errno()));
                free(tpl);
                return 0;
            }
        }
        __atomic_store_n(&sent_count, i + 1, __ATOMIC_SEQ_CST);
    }
    free(tpl);
    return 1;
}

static void drain_numbered(void *pull, size_t size, ull n, ull until, ull *got, ull *bad)
{
    zmq_msg_t m;
    *got = *bad = 0;
    zmq_msg_init(&m);
    while (*got < n) {
        if (zmq_msg_recv(&m, pull, 0) < 0) {
            if (zmq_errno() == EAGAIN && mono_ns() < until)
                continue;
            fprintf(stderr, "scale: hwm receiver: recv after %llu: %s\n", *got,
                    zmq_strerror(zmq_errno()));
            break;
        }
        ull seq = ~0ull;
        if (zmq_msg_size(&m) >= 8)
            memcpy(&seq, zmq_msg_data(&m), 8);
        if (zmq_msg_size(&m) != size || seq != *got)
            (*bad)++;
        (*got)++;
    }
    zmq_msg_close(&m);
}

typedef ull (*count_fn)(void *arg, int *ok);

/* Waits until the sender's count stops moving for settle-ms (the path is full) or reaches
 * n. */
static ull wait_full(count_fn count, void *arg, ull n, ull until, int *full)
{
    ull last = ~0ull, since_t = mono_ns();
    *full = 0;
    for (;;) {
        int ok = 1;
        ull c = count(arg, &ok);
        if (!ok)
            return last;
        if (c >= n)
            return c;
        if (c != last) {
            last = c;
            since_t = mono_ns();
        } else if (mono_ns() - since_t >= (ull)opt_settle_ms * 1000000ull) {
            *full = 1;
            return c;
        }
        if (mono_ns() > until)
            return c;
        sleep_s(0.02);
    }
}

static ull kid_count(void *arg, int *ok)
{
    kid_t *k = arg;
    char line[128];
    kid_tell(k, "count");
    if (!kid_expect(k, "count ", mono_ns() + (ull)opt_timeout * 1000000000ull, line, sizeof line)) {
        *ok = 0;
        return 0;
    }
    return strtoull(line + 6, NULL, 10);
}

static ull atomic_count(void *arg, int *ok)
{
    (void)arg;
    (void)ok;
    return __atomic_load_n(&sent_count, __ATOMIC_SEQ_CST);
}

static ull hwm_msgs(int hwm)
{
    return opt_msgs >= 0 ? (ull)opt_msgs : 4ull * (ull)hwm + 100;
}

static void hwm_print(const char *transport, int hwm, ull n, ull in_flight, int full, ull got,
                      ull bad, double secs, ull rb, ull rp, ull rf, ull ra, int has_send,
                      ull sb, ull sp, sampler_t *s)
{
    ull size = opt_size, h = (ull)hwm;
    ull foot = (size + 16 + 4095) / 4096 * 4096; /* bytes + allocator header, whole pages */
    ull rbound = has_send ? (h + 3) * foot / 1024 : (2 * h + 3) * foot / 1024;
    printf("hwm impl=c transport=%s size=%llu hwm=%d msgs=%llu in_flight=%llu full=%d secs=%.3f "
           "recv_base_kib=%llu recv_peak_kib=%llu recv_full_kib=%llu recv_after_kib=%llu "
           "recv_bound_kib=%llu",
           transport, size, hwm, n, in_flight, full, secs, rb, rp, rf, ra, rbound);
    if (has_send)
        printf(" send_base_kib=%llu send_peak_kib=%llu send_bound_kib=%llu", sb, sp,
               (h + 3) * foot / 1024);
    printf(" lost=%llu bad=%llu\n", n - got, bad);
    if (opt_series)
        for (size_t i = 0; i < s->n; i++) {
            printf("series impl=c what=hwm transport=%s hwm=%d t_ms=%llu recv_kib=%llu", transport,
                   hwm, s->samples[i][0], s->samples[i][1]);
            if (has_send)
                printf(" send_kib=%llu", s->samples[i][2]);
            printf("\n");
        }
    fflush(stdout);
    free(s->samples);
}

static ull max2(ull a, ull b)
{
    return a > b ? a : b;
}

static int hwm_net(const char *transport, int hwm)
{
    ull n = hwm_msgs(hwm), until = mono_ns() + (ull)opt_timeout * 1000000000ull;
    char ep[512], dir[300], ssize[32], scount[32], shwm[32], stimeout[32], line[128];
    void *ctx = zmq_ctx_new(), *pull = zmq_socket(ctx, ZMQ_PULL);
    kid_t *k = calloc(1, sizeof *k);
    zmq_msg_t m;
    int warm = 0, full, sent, kid_ok;
    ull in_flight, got, bad, rb, sb, rf, ra, rp, sp;
    sampler_t s;
    pid_t me = getpid();
    ull t0;

    set_hwm(pull, hwm);
    set_int(pull, ZMQ_RCVTIMEO, 200, "RCVTIMEO");
    bind_for(pull, transport, "scale", ep, sizeof ep, dir);
    snprintf(ssize, sizeof ssize, "%zu", opt_size);
    snprintf(scount, sizeof scount, "%llu", n);
    snprintf(shwm, sizeof shwm, "%d", hwm);
    snprintf(stimeout, sizeof stimeout, "%d", opt_timeout);
    {
        const char *args[] = {"--role", "hwm-send", "--endpoint", ep, "--size", ssize, "--count",
                              scount, "--hwm", shwm, "--timeout", stimeout, NULL};
        kid_spawn(k, args);
    }
    zmq_msg_init(&m);
    while (mono_ns() < until) {
        if (zmq_msg_recv(&m, pull, 0) >= 0) {
            warm = 1;
            break;
        }
        if (zmq_errno() != EAGAIN || waitpid(k->pid, NULL, WNOHANG) != 0)
            break;
    }
    zmq_msg_close(&m);
    if (!warm) {
        fprintf(stderr, "scale: hwm %s %d: no warm-up message\n", transport, hwm);
        kid_finish(k, 0);
        return 0;
    }
    rb = rss_of(me);
    sb = rss_of(k->pid);
    reset_peak(me);
    reset_peak(k->pid);
    sampler_start(&s, me, k->pid);
    t0 = mono_ns();
    kid_tell(k, "go");
    in_flight = wait_full(kid_count, k, n, until, &full);
    sleep_s(opt_hold);
    rf = rss_of(me);
    drain_numbered(pull, opt_size, n, until, &got, &bad);
    double secs = since(t0);
    sent = kid_expect(k, "sent", until, line, sizeof line);
    proc_mem(me, &ra, &rp);
    proc_mem(k->pid, NULL, &sp);
    sampler_stop(&s);
    kid_ok = kid_finish(k, got == n && sent);
    hwm_print(transport, hwm, n, in_flight, full, got, bad, secs, rb, max2(rp, s.max[0]), rf, ra, 1,
              sb, max2(sp, s.max[1]), &s);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    remove_dir(dir);
    free(k);
    return got == n && bad == 0 && full && sent && kid_ok;
}

typedef struct {
    void *ctx;
    int hwm;
    ull n;
    int ok;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int go, stop;
} inproc_sender_t;

static void *inproc_sender(void *arg)
{
    inproc_sender_t *a = arg;
    void *push = zmq_socket(a->ctx, ZMQ_PUSH);
    set_hwm(push, a->hwm);
    if (zmq_connect(push, "inproc://scale"))
        die("connect inproc");
    zmq_send(push, "w", 1, 0);
    pthread_mutex_lock(&a->mu);
    while (!a->go)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
    a->ok = send_numbered(push, opt_size, a->n);
    /* Stay open until the receiver is done. */
    pthread_mutex_lock(&a->mu);
    while (!a->stop)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
    zmq_close(push);
    return NULL;
}

static int hwm_inproc(int hwm)
{
    ull n = hwm_msgs(hwm), until = mono_ns() + (ull)opt_timeout * 1000000000ull;
    char ep[512], dir[300];
    void *ctx = zmq_ctx_new(), *pull = zmq_socket(ctx, ZMQ_PULL);
    inproc_sender_t a = {ctx, hwm, n, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t th;
    zmq_msg_t m;
    int warm, full = 0;
    ull in_flight = 0, got = 0, bad = 0, rb, rf, ra, rp, t0;
    sampler_t s;
    pid_t me = getpid();

    sent_count = 0;
    set_hwm(pull, hwm);
    set_int(pull, ZMQ_RCVTIMEO, opt_timeout * 1000, "RCVTIMEO");
    bind_for(pull, "inproc", "scale", ep, sizeof ep, dir);
    pthread_create(&th, NULL, inproc_sender, &a);
    zmq_msg_init(&m);
    warm = zmq_msg_recv(&m, pull, 0) >= 0;
    zmq_msg_close(&m);
    set_int(pull, ZMQ_RCVTIMEO, 200, "RCVTIMEO");
    rb = rss_of(me);
    reset_peak(me);
    sampler_start(&s, me, 0);
    t0 = mono_ns();
    pthread_mutex_lock(&a.mu);
    a.go = 1;
    pthread_cond_broadcast(&a.cv);
    pthread_mutex_unlock(&a.mu);
    if (warm)
        in_flight = wait_full(atomic_count, NULL, n, until, &full);
    sleep_s(opt_hold);
    rf = rss_of(me);
    if (warm)
        drain_numbered(pull, opt_size, n, until, &got, &bad);
    double secs = since(t0);
    proc_mem(me, &ra, &rp);
    sampler_stop(&s);
    pthread_mutex_lock(&a.mu);
    a.stop = 1;
    pthread_cond_broadcast(&a.cv);
    pthread_mutex_unlock(&a.mu);
    pthread_join(th, NULL);
    hwm_print("inproc", hwm, n, in_flight, full, got, bad, secs, rb, max2(rp, s.max[0]), rf, ra, 0,
              0, 0, &s);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return got == n && bad == 0 && full && a.ok;
}

static int child_hwm_send(void)
{
    void *ctx, *push;
    child_guard(opt_timeout);
    control_start();
    ctx = zmq_ctx_new();
    push = zmq_socket(ctx, ZMQ_PUSH);
    set_hwm(push, opt_hwm);
    if (zmq_connect(push, opt_endpoint))
        die("connect");
    if (zmq_send(push, "w", 1, 0) < 0)
        die("send");
    if (!wait_for("go"))
        return 1;
    if (!send_numbered(push, opt_size, opt_count))
        return 1;
    printf("sent %llu\n", opt_count);
    fflush(stdout);
    wait_for("done");
    zmq_close(push);
    zmq_ctx_term(ctx);
    return 0;
}

/* ------------------------------------------------------------------ conns */

typedef struct {
    unsigned char id[256];
    size_t len;
} rid_t;

static int rid_cmp(const void *a, const void *b)
{
    const rid_t *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->id, y->id, x->len);
}

/* Reads "key=N" from a line. */
static ull kv(const char *line, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, " %s=", key);
    p = strstr(line, pat);
    return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

static int conns_run(void)
{
    ull nofile = raise_nofile();
    ull until = mono_ns() + (ull)opt_timeout * 1000000000ull;
    void *ctx = zmq_ctx_new(), *router;
    char ep[512];
    size_t eplen = sizeof ep;
    int procs = opt_dealer_procs < opt_conns ? opt_dealer_procs : opt_conns;
    kid_t *kids = calloc((size_t)procs, sizeof *kids);
    rid_t *rids = calloc((size_t)opt_conns, sizeof *rids);
    char *seen = calloc((size_t)opt_conns, 1);
    int ready = 1, connected = 0, kids_ok = 1, all;
    ull bad = 0, send_errors = 0, replies_ok = 0, replies_bad = 0;
    char line[256];
    pid_t me = getpid();

    zmq_ctx_set(ctx, ZMQ_IO_THREADS, 1);
    router = zmq_socket(ctx, ZMQ_ROUTER);
    set_int(router, ZMQ_ROUTER_MANDATORY, 1, "ROUTER_MANDATORY");
    set_int(router, ZMQ_RCVTIMEO, 200, "RCVTIMEO");
    if (opt_backlog >= 0)
        set_int(router, ZMQ_BACKLOG, opt_backlog, "BACKLOG");
    if (zmq_bind(router, "tcp://127.0.0.1:*"))
        die("bind tcp");
    if (zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &eplen))
        die("LAST_ENDPOINT");
    for (int p = 0, base = 0; p < procs; p++) {
        int k = opt_conns / procs + (p < opt_conns % procs);
        char sk[32], sb[32], st[32];
        snprintf(sk, sizeof sk, "%d", k);
        snprintf(sb, sizeof sb, "%d", base);
        snprintf(st, sizeof st, "%d", opt_timeout);
        const char *args[] = {"--role", "dealers", "--endpoint", ep, "--count", sk, "--index", sb,
                              "--timeout", st, NULL};
        kid_spawn(&kids[p], args);
        base += k;
    }
    for (int p = 0; p < procs; p++)
        ready &= kid_expect(&kids[p], "ready", until, line, sizeof line);
    sleep_s(0.2);
    ull rss_before = rss_of(me);
    int fds_before = fd_count(me);
    ull dealers_rss_before = 0;
    for (int p = 0; p < procs; p++)
        dealers_rss_before += rss_of(kids[p].pid);
    ull t0 = mono_ns();
    for (int p = 0; p < procs; p++)
        kid_tell(&kids[p], "go");
    while (ready && connected < opt_conns && mono_ns() < until) {
        rid_t id;
        char body[64];
        int more = 0, idx = -1;
        size_t ml = sizeof more;
        int n = zmq_recv(router, id.id, sizeof id.id, 0);
        if (n < 0) {
            if (zmq_errno() == EAGAIN)
                continue;
            fprintf(stderr, "scale: conns: recv: %s\n", zmq_strerror(zmq_errno()));
            break;
        }
        id.len = (size_t)n;
        zmq_getsockopt(router, ZMQ_RCVMORE, &more, &ml);
        if (!more) {
            bad++;
            continue;
        }
        n = zmq_recv(router, body, sizeof body - 1, 0);
        zmq_getsockopt(router, ZMQ_RCVMORE, &more, &ml);
        while (more) { /* not ours: drop the rest */
            char junk[16];
            zmq_recv(router, junk, sizeof junk, 0);
            zmq_getsockopt(router, ZMQ_RCVMORE, &more, &ml);
            n = -1;
        }
        if (n > 1 && n < (int)sizeof body && body[0] == 'h') {
            body[n] = 0;
            idx = atoi(body + 1);
        }
        if (idx >= 0 && idx < opt_conns && !seen[idx]) {
            seen[idx] = 1;
            rids[idx] = id;
            connected++;
        } else
            bad++;
    }
    double accept_secs = since(t0);
    ull rss_after = rss_of(me);
    int fds_after = fd_count(me);
    ull dealers_rss_after = 0;
    for (int p = 0; p < procs; p++)
        dealers_rss_after += rss_of(kids[p].pid);
    /* Distinct routing ids? */
    {
        rid_t *sorted = malloc((size_t)opt_conns * sizeof *sorted);
        int m = 0;
        for (int i = 0; i < opt_conns; i++)
            if (seen[i])
                sorted[m++] = rids[i];
        qsort(sorted, (size_t)m, sizeof *sorted, rid_cmp);
        for (int i = 1; i < m; i++)
            if (!rid_cmp(&sorted[i - 1], &sorted[i]))
                bad++;
        free(sorted);
    }
    ull cpu0, sw0, cpu1, sw1, dcpu0 = 0, dcpu1 = 0, x, y;
    /* Every thread of this process but this one, which only measures and sleeps. */
    pid_t tid = gettid();
    proc_cpu(me, tid, &cpu0, &sw0);
    for (int p = 0; p < procs; p++) {
        proc_cpu(kids[p].pid, 0, &x, &y);
        dcpu0 += x;
    }
    sleep_s(opt_idle);
    proc_cpu(me, tid, &cpu1, &sw1);
    for (int p = 0; p < procs; p++) {
        proc_cpu(kids[p].pid, 0, &x, &y);
        dcpu1 += x;
    }
    ull rss_idle = rss_of(me);
    for (int i = 0; i < opt_conns; i++) {
        char body[32];
        if (!seen[i])
            continue;
        int bl = snprintf(body, sizeof body, "r%d", i);
        if (zmq_send(router, rids[i].id, rids[i].len, ZMQ_SNDMORE) < 0 ||
            zmq_send(router, body, (size_t)bl, 0) < 0) {
            if (!send_errors)
                fprintf(stderr, "scale: conns: send to %d: %s\n", i, zmq_strerror(zmq_errno()));
            send_errors++;
        }
    }
    for (int p = 0; p < procs; p++)
        kid_tell(&kids[p], "recv");
    for (int p = 0; p < procs; p++) {
        if (kid_expect(&kids[p], "got", until, line, sizeof line)) {
            replies_ok += kv(line, "ok");
            replies_bad += kv(line, "bad");
        } else
            kids_ok = 0;
    }
    all = ready && connected == opt_conns && kids_ok;
    for (int p = 0; p < procs; p++)
        kids_ok &= kid_finish(&kids[p], all);
    double per_conn = connected ? ((double)rss_after - (double)rss_before) * 1024.0 / connected : 0;
    ull lost = (ull)opt_conns - (replies_ok < (ull)opt_conns ? replies_ok : (ull)opt_conns);
    printf("conns impl=c transport=tcp conns=%d dealer_procs=%d backlog=%d nofile=%llu connected=%d "
           "accept_secs=%.3f rss_before_kib=%llu rss_after_kib=%llu rss_idle_kib=%llu "
           "per_conn_bytes=%.0f fds_before=%d fds_after=%d dealers_rss_before_kib=%llu "
           "dealers_rss_after_kib=%llu idle_secs=%g idle_cpu_ms=%.1f idle_wakeups=%llu "
           "dealer_idle_cpu_ms=%.1f send_errors=%llu replies_ok=%llu lost=%llu bad=%llu\n",
           opt_conns, procs, opt_backlog >= 0 ? opt_backlog : 100, nofile, connected, accept_secs, rss_before, rss_after, rss_idle,
           per_conn, fds_before, fds_after, dealers_rss_before, dealers_rss_after, opt_idle,
           (double)(cpu1 - cpu0) / 1e6, sw1 - sw0, (double)(dcpu1 > dcpu0 ? dcpu1 - dcpu0 : 0) / 1e6,
           send_errors, replies_ok, lost, bad + replies_bad);
    fflush(stdout);
    zmq_setsockopt(router, ZMQ_LINGER, &(int){0}, sizeof(int));
    zmq_close(router);
    zmq_ctx_term(ctx);
    free(kids);
    free(rids);
    free(seen);
    return all && kids_ok && lost == 0 && bad == 0 && replies_bad == 0 && send_errors == 0;
}

static int child_dealers(void)
{
    void *ctx;
    void **socks = calloc(opt_count, sizeof *socks);
    ull ok = 0, bad = 0, missing = 0, until;
    child_guard(opt_timeout);
    raise_nofile();
    control_start();
    ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_IO_THREADS, 1);
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)opt_count + 16);
    for (ull i = 0; i < opt_count; i++) {
        if (!(socks[i] = zmq_socket(ctx, ZMQ_DEALER)))
            die("dealer socket");
        set_int(socks[i], ZMQ_LINGER, 0, "LINGER");
    }
    printf("ready\n");
    fflush(stdout);
    if (!wait_for("go"))
        return 1;
    for (ull i = 0; i < opt_count; i++) {
        char hello[32];
        int l = snprintf(hello, sizeof hello, "h%llu", opt_index + i);
        if (zmq_connect(socks[i], opt_endpoint))
            die("connect");
        if (zmq_send(socks[i], hello, (size_t)l, 0) < 0)
            die("send hello");
    }
    printf("sent\n");
    fflush(stdout);
    if (!wait_for("recv"))
        return 1;
    until = mono_ns() + (ull)opt_timeout * 500000000ull;
    for (ull i = 0; i < opt_count; i++) {
        char want[32], got[64];
        int wl = snprintf(want, sizeof want, "r%llu", opt_index + i);
        ull now = mono_ns();
        int left = now < until ? (int)((until - now) / 1000000) : 1;
        set_int(socks[i], ZMQ_RCVTIMEO, left > 0 ? left : 1, "RCVTIMEO");
        int n = zmq_recv(socks[i], got, sizeof got, 0);
        if (n < 0)
            missing++;
        else if (n == wl && !memcmp(got, want, (size_t)wl))
            ok++;
        else
            bad++;
    }
    printf("got ok=%llu bad=%llu missing=%llu\n", ok, bad, missing);
    fflush(stdout);
    wait_for("done");
    for (ull i = 0; i < opt_count; i++)
        zmq_close(socks[i]);
    zmq_ctx_term(ctx);
    free(socks);
    return 0;
}

/* ------------------------------------------------------------------ fanout */

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fanout_run(const char *transport)
{
    ull n = opt_fanout_msgs, until = mono_ns() + (ull)opt_timeout * 1000000000ull;
    void *ctx = zmq_ctx_new(), *pub = zmq_socket(ctx, ZMQ_PUB);
    char ep[512], dir[300], line[256];
    int procs = opt_sub_procs < opt_subs ? opt_sub_procs : opt_subs;
    kid_t *kids = calloc((size_t)procs, sizeof *kids);
    int *warm = calloc((size_t)procs, sizeof *warm);
    double *times = calloc((size_t)opt_subs, sizeof *times);
    int ntimes = 0, kids_ok, warmed = 0;
    ull got = 0, bad = 0;
    pid_t me = getpid();
    char *tpl = malloc(opt_fanout_size);

    set_hwm(pub, 0);
    bind_for(pub, transport, "scale", ep, sizeof ep, dir);
    for (int p = 0, base = 0; p < procs; p++) {
        int k = opt_subs / procs + (p < opt_subs % procs);
        char sk[32], sb[32], sm[32], ss[32], st[32];
        snprintf(sk, sizeof sk, "%d", k);
        snprintf(sb, sizeof sb, "%d", base);
        snprintf(sm, sizeof sm, "%llu", n);
        snprintf(ss, sizeof ss, "%zu", opt_fanout_size);
        snprintf(st, sizeof st, "%d", opt_timeout);
        const char *args[] = {"--role", "subs", "--endpoint", ep, "--count", sk, "--index", sb,
                              "--fanout-msgs", sm, "--fanout-size", ss, "--timeout", st, NULL};
        kid_spawn(&kids[p], args);
        base += k;
    }
    while (!warmed && mono_ns() < until) {
        zmq_send(pub, "w", 1, ZMQ_DONTWAIT);
        warmed = 1;
        for (int p = 0; p < procs; p++) {
            if (!warm[p])
                warm[p] = kid_expect(&kids[p], "warm", 0, line, sizeof line);
            warmed &= warm[p];
        }
        if (!warmed)
            sleep_s(0.01);
    }
    ull pub_base = rss_of(me), pub_peak;
    reset_peak(me);
    memset(tpl, 0x5a, opt_fanout_size);
    tpl[0] = 'd';
    ull t0 = mono_ns(), cpu0 = thread_cpu_ns();
    if (warmed)
        for (ull i = 0; i < n; i++) {
            memcpy(tpl + 1, &i, 8);
            if (zmq_send(pub, tpl, opt_fanout_size, 0) < 0) {
                fprintf(stderr, "scale: fanout: send %llu: %s\n", i, zmq_strerror(zmq_errno()));
                break;
            }
        }
    ull t_sent = mono_ns(), send_cpu = thread_cpu_ns() - cpu0;
    kids_ok = warmed;
    for (int p = 0; p < procs; p++) {
        for (;;) {
            if (!kid_expect(&kids[p], "", until, line, sizeof line)) {
                kids_ok = 0;
                break;
            }
            if (!strcmp(line, "done"))
                break;
            if (strncmp(line, "sub ", 4))
                continue;
            ull t = kv(line, "t_ns"), g = kv(line, "got");
            got += g;
            bad += kv(line, "bad");
            if (g == n && t > t0 && ntimes < opt_subs)
                times[ntimes++] = (double)(t - t0) / 1e9;
        }
    }
    proc_mem(me, NULL, &pub_peak);
    for (int p = 0; p < procs; p++)
        kids_ok &= kid_finish(&kids[p], kids_ok);
    qsort(times, (size_t)ntimes, sizeof *times, dbl_cmp);
    int all_done = ntimes == opt_subs;
    ull total = n * (ull)opt_subs;
    ull lost = total - (got < total ? got : total);
    double all_secs = all_done ? times[ntimes - 1] : 0, first = ntimes ? times[0] : 0;
    double median = ntimes ? times[ntimes / 2] : 0;
    printf("fanout impl=c transport=%s subs=%d sub_procs=%d size=%zu msgs=%llu send_secs=%.3f "
           "send_cpu_secs=%.3f first_secs=%.3f all_secs=%.3f total_msgs_per_sec=%.0f per_sub_msgs_per_sec=%.0f "
           "pub_base_kib=%llu pub_peak_kib=%llu lost=%llu bad=%llu\n",
           transport, opt_subs, procs, opt_fanout_size, n, (double)(t_sent - t0) / 1e9,
           (double)send_cpu / 1e9, first,
           all_secs, all_done ? (double)total / all_secs : 0.0, median > 0 ? (double)n / median : 0.0,
           pub_base, pub_peak, lost, bad);
    fflush(stdout);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    remove_dir(dir);
    free(kids);
    free(warm);
    free(times);
    free(tpl);
    return all_done && kids_ok && lost == 0 && bad == 0;
}

static int child_subs(void)
{
    ull n = opt_fanout_msgs, until = mono_ns() + (ull)opt_timeout * 1000000000ull;
    int k = (int)opt_count, finished = 0, said_warm = 0;
    void *ctx;
    void **subs = calloc((size_t)k, sizeof *subs);
    ull *got = calloc((size_t)k, sizeof *got), *next = calloc((size_t)k, sizeof *next);
    ull *bad = calloc((size_t)k, sizeof *bad), *done_ns = calloc((size_t)k, sizeof *done_ns);
    char *warm = calloc((size_t)k, 1);
    zmq_pollitem_t *items = calloc((size_t)k, sizeof *items);
    zmq_msg_t m;

    child_guard(opt_timeout);
    raise_nofile();
    control_start();
    ctx = zmq_ctx_new();
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, k + 16);
    for (int i = 0; i < k; i++) {
        if (!(subs[i] = zmq_socket(ctx, ZMQ_SUB)))
            die("sub socket");
        set_hwm(subs[i], 0);
        if (zmq_setsockopt(subs[i], ZMQ_SUBSCRIBE, "", 0))
            die("SUBSCRIBE");
        if (zmq_connect(subs[i], opt_endpoint))
            die("connect");
    }
    zmq_msg_init(&m);
    while (finished < k && mono_ns() < until) {
        int progress = 0;
        for (int i = 0; i < k; i++) {
            if (done_ns[i])
                continue;
            for (int j = 0; j < 1024; j++) {
                if (zmq_msg_recv(&m, subs[i], ZMQ_DONTWAIT) < 0)
                    break;
                progress = 1;
                warm[i] = 1;
                const unsigned char *d = zmq_msg_data(&m);
                size_t len = zmq_msg_size(&m);
                if (len >= 1 && d[0] == 'w')
                    continue;
                ull seq = ~0ull;
                if (len >= 9)
                    memcpy(&seq, d + 1, 8);
                if (len != opt_fanout_size || d[0] != 'd' || seq != next[i])
                    bad[i]++;
                got[i]++;
                next[i] = seq + 1;
                if (got[i] >= n || next[i] >= n) {
                    done_ns[i] = mono_ns();
                    finished++;
                    break;
                }
            }
        }
        if (!said_warm) {
            int all = 1;
            for (int i = 0; i < k; i++)
                all &= warm[i];
            if (all) {
                printf("warm\n");
                fflush(stdout);
                said_warm = 1;
            }
        }
        if (!progress) {
            int ni = 0;
            for (int i = 0; i < k; i++)
                if (!done_ns[i]) {
                    items[ni].socket = subs[i];
                    items[ni].fd = 0;
                    items[ni].events = ZMQ_POLLIN;
                    items[ni].revents = 0;
                    ni++;
                }
            zmq_poll(items, ni, 100);
        }
    }
    zmq_msg_close(&m);
    for (int i = 0; i < k; i++)
        printf("sub %llu t_ns=%llu got=%llu bad=%llu\n", opt_index + (ull)i, done_ns[i], got[i],
               bad[i]);
    printf("done\n");
    fflush(stdout);
    wait_for("done");
    for (int i = 0; i < k; i++)
        zmq_close(subs[i]);
    zmq_ctx_term(ctx);
    return 0;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static const struct bench_opt opts[] = {
        {"--what", OPT_STR, &opt_what, NULL},
        {"--transport", OPT_STR, &opt_transport, NULL},
        {"--size", OPT_SIZE, &opt_size, NULL},
        {"--hwms", OPT_INTS, hwms, &nhwms},
        {"--msgs", OPT_LL, &opt_msgs, NULL},
        {"--hold", OPT_DOUBLE, &opt_hold, NULL},
        {"--settle-ms", OPT_INT, &opt_settle_ms, NULL},
        {"--sample-ms", OPT_INT, &opt_sample_ms, NULL},
        {"--series", OPT_FLAG, &opt_series, NULL},
        {"--conns", OPT_INT, &opt_conns, NULL},
        {"--backlog", OPT_INT, &opt_backlog, NULL},
        {"--dealer-procs", OPT_INT, &opt_dealer_procs, NULL},
        {"--idle", OPT_DOUBLE, &opt_idle, NULL},
        {"--subs", OPT_INT, &opt_subs, NULL},
        {"--sub-procs", OPT_INT, &opt_sub_procs, NULL},
        {"--fanout-msgs", OPT_ULL, &opt_fanout_msgs, NULL},
        {"--fanout-size", OPT_SIZE, &opt_fanout_size, NULL},
        {"--timeout", OPT_INT, &opt_timeout, NULL},
        {"--role", OPT_STR, &opt_role, NULL},
        {"--endpoint", OPT_STR, &opt_endpoint, NULL},
        {"--count", OPT_ULL, &opt_count, NULL},
        {"--index", OPT_ULL, &opt_index, NULL},
        {"--hwm", OPT_INT, &opt_hwm, NULL},
        {NULL, 0, NULL, NULL},
    };
    int ok = 1;

    find_self_exe();
    parse_args(argc, argv, opts);
    if (opt_size < 8 || opt_fanout_size < 9)
        usage("--size must be >= 8 and --fanout-size >= 9 (they carry a sequence number)");
    if (opt_timeout <= 0 || opt_conns <= 0 || opt_dealer_procs <= 0 || opt_subs <= 0 ||
        opt_sub_procs <= 0)
        usage("--timeout, --conns, --dealer-procs, --subs and --sub-procs must be > 0");
    for (int i = 0; i < nhwms; i++)
        if (hwms[i] <= 0)
            usage("--hwms: each HWM must be > 0");
    if (opt_role) {
        if (!strcmp(opt_role, "hwm-send"))
            return child_hwm_send();
        if (!strcmp(opt_role, "dealers"))
            return child_dealers();
        if (!strcmp(opt_role, "subs"))
            return child_subs();
        usage("unknown role");
    }
    alarm((unsigned)opt_timeout + 30);
    signal(SIGPIPE, SIG_IGN); /* a child that died must not take us with it */
    print_version();
    if (in_list(opt_what, "hwm"))
        for (int i = 0; i < nhwms; i++) {
            if (in_list(opt_transport, "tcp"))
                ok &= hwm_net("tcp", hwms[i]);
            if (in_list(opt_transport, "ipc"))
                ok &= hwm_net("ipc", hwms[i]);
            if (in_list(opt_transport, "inproc"))
                ok &= hwm_inproc(hwms[i]);
        }
    if (in_list(opt_what, "conns"))
        ok &= conns_run();
    if (in_list(opt_what, "fanout")) {
        if (in_list(opt_transport, "tcp"))
            ok &= fanout_run("tcp");
        if (in_list(opt_transport, "ipc"))
            ok &= fanout_run("ipc");
    }
    return ok ? 0 : 1;
}
