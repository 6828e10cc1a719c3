/* libzmq's own inproc figures, measured exactly as rust/core/examples/bench_inproc.rs
 * measures the Rust engine, so that bench/run.pl can print ratios.
 *
 *   cc -O2 -o bench/bin/inproc_thr bench/c/inproc_thr.c -lzmq -lpthread
 *   bench/bin/inproc_thr [--sizes 1,100,1024,65536] [--msgs N] [--max-mb M] [--rt N]
 *                        [--rt-size B] [--batch K] [--hwm N] [--frames K] [--subs S]
 *                        [--what push_pull,loop,req_rep,multipart,fanout]
 * (--what req_rep is req_rep_threads plus req_rep_one_thread, multipart is
 * multipart_threads plus multipart_one_thread, fanout is fanout_threads plus
 * fanout_one_thread, as in the Rust example)
 *
 * Output lines (same keys as the Rust example, impl=c):
 *   push_pull  PUSH/PULL in two threads; msgs/s from a common start (barrier) to the last
 *              message received; the sender's socket stays open until the receiver is done.
 *   loop       one thread: send a batch of K messages, receive them, repeat; ns per call.
 *   req_rep    mode=threads (REQ and REP in two threads) or mode=one_thread; us_per_rt is a
 *              full round trip (libzmq's perf/inproc_lat prints half of that).
 *   multipart  messages of --frames frames (zmq_send with ZMQ_SNDMORE on all but the last;
 *              zmq_msg_recv while zmq_msg_more); msgs_per_sec counts whole messages.
 *              mode=threads as push_pull, mode=one_thread as loop (ns per message).
 *   fanout     one PUB and --subs SUB sockets subscribed to "", SNDHWM = RCVHWM = 0 (no
 *              limit). Empty warm-up messages until every subscriber has one, then the
 *              clock starts; msgs_per_sec is messages delivered to each subscriber per
 *              second (N / time until all have N); lost is summed over the subscribers.
 *              mode=threads: publisher and each subscriber in their own thread;
 *              mode=one_thread: the batch loop (send_ns per publish, recv_ns per receive).
 *
 * Sending uses zmq_send (one copy of the payload into a new message, as the Rust engine's
 * Bytes::copy_from_slice and the Perl bindings do); receiving uses zmq_msg_recv (no copy). */
#define _GNU_SOURCE
#include <pthread.h>

#define BENCH_NAME "inproc_thr"
#define BENCH_USAGE                                                                            \
    "[--sizes 1,100,1024,65536] [--msgs N] [--max-mb M] [--rt N] [--rt-size B] [--batch K] "   \
    "[--what push_pull,loop,req_rep,multipart,fanout] [--hwm N] [--frames K] [--subs S]"
#include "common.h"

static int sizes[BENCH_MAX_LIST] = {1, 100, 1024, 65536};
static int nsizes = 4;
static unsigned long long opt_msgs = 2000000, opt_max_mb = 4096, opt_rt = 100000, opt_batch = 100;
static int opt_rt_size = 100, opt_hwm = -1, opt_frames = 3, opt_subs = 2;
static const char *opt_what = "push_pull,loop,req_rep,multipart,fanout";
/* A fanout subscriber that waits this long for a message gives up (lost). */
#define FANOUT_TIMEOUT_MS 10000

/* Messages for one size: at least 1000 (count_for_size). */
static uint64_t count_for(int size)
{
    return count_for_size(opt_msgs, opt_max_mb, size, 1000);
}

static void pair(void *ctx, int ta, int tb, const char *ep, void **a, void **b, int hwm)
{
    *a = zmq_socket(ctx, ta);
    *b = zmq_socket(ctx, tb);
    if (!*a || !*b)
        die("zmq_socket");
    if (hwm) {
        set_hwm(*a, opt_hwm);
        set_hwm(*b, opt_hwm);
    }
    if (zmq_bind(*a, ep))
        die("zmq_bind");
    if (zmq_connect(*b, ep))
        die("zmq_connect");
}

/* Closes a PUSH/PULL pair (the PUSH with LINGER 0) and terminates the context. */
static void close_pair(void *ctx, void *push, void *pull)
{
    set_int(push, ZMQ_LINGER, 0, "LINGER");
    zmq_close(push);
    zmq_close(pull);
    zmq_ctx_term(ctx);
}

/* A sender thread (push_pull, multipart threads): it sends n messages of size bytes from the
 * common start (a barrier), then keeps its socket open until the receiver has them all. */
struct thr {
    void *sock;
    int size;
    uint64_t n;
    pthread_barrier_t start;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    pthread_t th;
};

/* Starts fn(t) as the sender thread of push and meets it at the start line. */
static void sender_start(struct thr *t, void *(*fn)(void *), void *push, int size, uint64_t n)
{
    memset(t, 0, sizeof *t);
    t->sock = push;
    t->size = size;
    t->n = n;
    pthread_barrier_init(&t->start, NULL, 2);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    pthread_create(&t->th, NULL, fn, t);
    pthread_barrier_wait(&t->start);
}

/* In the sender, after its last message: stay open until the receiver has everything. */
static void sender_hold(struct thr *t)
{
    pthread_mutex_lock(&t->mu);
    while (!t->done)
        pthread_cond_wait(&t->cv, &t->mu);
    pthread_mutex_unlock(&t->mu);
}

/* In the receiver, when it has everything: let the sender go and join it. */
static void sender_release(struct thr *t)
{
    pthread_mutex_lock(&t->mu);
    t->done = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->th, NULL);
    pthread_barrier_destroy(&t->start);
}

static void *sender(void *arg)
{
    struct thr *t = arg;
    char *payload = payload_new(t->size);
    pthread_barrier_wait(&t->start);
    for (uint64_t i = 0; i < t->n; i++)
        if (zmq_send(t->sock, payload, t->size, 0) != t->size)
            die("zmq_send");
    sender_hold(t);
    free(payload);
    return NULL;
}

static void push_pull(int size)
{
    uint64_t n = count_for(size), got = 0, bytes = 0, bad = 0;
    void *ctx = zmq_ctx_new(), *pull, *push;
    struct thr t;
    zmq_msg_t msg;
    double t0, s;

    pair(ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://thr", &pull, &push, 1);
    zmq_msg_init(&msg);
    sender_start(&t, sender, push, size, n);
    t0 = now();
    while (got < n) {
        int rc = zmq_msg_recv(&msg, pull, 0);
        if (rc < 0)
            die("zmq_msg_recv");
        got++;
        bytes += (uint64_t)rc;
        bad += rc != size;
    }
    s = now() - t0;
    sender_release(&t);
    zmq_msg_close(&msg);
    printf("push_pull impl=c size=%d msgs=%llu copy=1 hwm=%d secs=%.6f msgs_per_sec=%.0f "
           "mib_per_sec=%.1f lost=%llu bad=%llu\n",
           size, (unsigned long long)n, opt_hwm >= 0 ? opt_hwm : 1000, s, got / s,
           bytes / s / 1048576.0, (unsigned long long)(n - got), (unsigned long long)bad);
    fflush(stdout);
    close_pair(ctx, push, pull);
}

/* The one-thread batch loop (loop, multipart and fanout one_thread): n messages, rounded
 * down to whole batches of k. */
struct batches {
    uint64_t n, k, rounds;
};

static struct batches batches_for(uint64_t n)
{
    struct batches b;
    b.k = opt_batch < n ? opt_batch : n;
    b.rounds = n / b.k;
    b.n = b.rounds * b.k;
    return b;
}

static void send_recv_loop(int size)
{
    struct batches b = batches_for(count_for(size));
    uint64_t n = b.n, k = b.k, bad = 0;
    void *ctx = zmq_ctx_new(), *pull, *push;
    char *payload = payload_new(size);
    double t_send = 0, t_recv = 0, t0, s;
    zmq_msg_t msg;

    pair(ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://loop", &pull, &push, 1);
    zmq_msg_init(&msg);
    t0 = now();
    for (uint64_t r = 0; r < b.rounds; r++) {
        double a = now(), t1, t2;
        for (uint64_t i = 0; i < k; i++)
            if (zmq_send(push, payload, size, 0) != size)
                die("zmq_send");
        t1 = now();
        for (uint64_t i = 0; i < k; i++) {
            int rc = zmq_msg_recv(&msg, pull, 0);
            if (rc < 0)
                die("zmq_msg_recv");
            bad += rc != size;
        }
        t2 = now();
        t_send += t1 - a;
        t_recv += t2 - t1;
    }
    s = now() - t0;
    printf("loop impl=c size=%d msgs=%llu batch=%llu secs=%.6f msgs_per_sec=%.0f send_ns=%.1f "
           "recv_ns=%.1f bad=%llu\n",
           size, (unsigned long long)n, (unsigned long long)k, s, n / s, t_send * 1e9 / n,
           t_recv * 1e9 / n, (unsigned long long)bad);
    fflush(stdout);
    zmq_msg_close(&msg);
    close_pair(ctx, push, pull);
    free(payload);
}

struct srv {
    void *sock;
    uint64_t n;
    pthread_barrier_t *start;
};

static void *server(void *arg)
{
    struct srv *t = arg;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    pthread_barrier_wait(t->start);
    for (uint64_t i = 0; i < t->n; i++) {
        if (zmq_msg_recv(&msg, t->sock, 0) < 0)
            die("rep recv");
        if (zmq_msg_send(&msg, t->sock, 0) < 0)
            die("rep send");
    }
    zmq_msg_close(&msg);
    return NULL;
}

static void req_rep(int threaded)
{
    uint64_t n = opt_rt, bad = 0;
    int size = opt_rt_size;
    void *ctx = zmq_ctx_new(), *rep, *req;
    char *payload = payload_new(size);
    pthread_barrier_t start;
    pthread_t th;
    struct srv t;
    zmq_msg_t msg;
    double t0, s;

    pair(ctx, ZMQ_REP, ZMQ_REQ, threaded ? "inproc://lat" : "inproc://lat1", &rep, &req, 0);
    zmq_msg_init(&msg);
    if (threaded) {
        pthread_barrier_init(&start, NULL, 2);
        t.sock = rep;
        t.n = n;
        t.start = &start;
        pthread_create(&th, NULL, server, &t);
        pthread_barrier_wait(&start);
    }
    t0 = now();
    for (uint64_t i = 0; i < n; i++) {
        int rc;
        if (zmq_send(req, payload, size, 0) != size)
            die("req send");
        if (!threaded) {
            if (zmq_msg_recv(&msg, rep, 0) < 0)
                die("rep recv");
            if (zmq_msg_send(&msg, rep, 0) < 0)
                die("rep send");
        }
        rc = zmq_msg_recv(&msg, req, 0);
        if (rc < 0)
            die("req recv");
        bad += rc != size;
    }
    s = now() - t0;
    if (threaded)
        pthread_join(th, NULL);
    printf("req_rep impl=c mode=%s size=%d rts=%llu secs=%.6f us_per_rt=%.3f bad=%llu\n",
           threaded ? "threads" : "one_thread", size, (unsigned long long)n, s, s * 1e6 / n,
           (unsigned long long)bad);
    fflush(stdout);
    zmq_msg_close(&msg);
    zmq_close(req);
    zmq_close(rep);
    zmq_ctx_term(ctx);
    free(payload);
}

/* ---------------------------------------------------------------- multipart */

static void *mp_sender(void *arg)
{
    struct thr *t = arg;
    char *payload = payload_new(t->size);
    pthread_barrier_wait(&t->start);
    for (uint64_t i = 0; i < t->n; i++)
        if (send_parts(t->sock, payload, t->size, opt_frames))
            die("zmq_send");
    sender_hold(t);
    free(payload);
    return NULL;
}

/* Receives one multipart message (recv_parts); dies on an error. */
static uint64_t recv_message(void *s, zmq_msg_t *msg, int size, int *ok)
{
    int64_t bytes = recv_parts(s, msg, size, opt_frames, ok);
    if (bytes < 0)
        die("zmq_msg_recv");
    return (uint64_t)bytes;
}

static void multipart_threads(int size)
{
    uint64_t n = count_for(size * opt_frames), got = 0, bytes = 0, bad = 0;
    void *ctx = zmq_ctx_new(), *pull, *push;
    struct thr t;
    zmq_msg_t msg;
    double t0, s;
    int ok;

    pair(ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://mp", &pull, &push, 1);
    zmq_msg_init(&msg);
    sender_start(&t, mp_sender, push, size, n);
    t0 = now();
    while (got < n) {
        bytes += recv_message(pull, &msg, size, &ok);
        got++;
        bad += !ok;
    }
    s = now() - t0;
    sender_release(&t);
    zmq_msg_close(&msg);
    printf("multipart impl=c mode=threads frames=%d size=%d msgs=%llu hwm=%d secs=%.6f "
           "msgs_per_sec=%.0f mib_per_sec=%.1f lost=%llu bad=%llu\n",
           opt_frames, size, (unsigned long long)n, opt_hwm >= 0 ? opt_hwm : 1000, s, got / s,
           bytes / s / 1048576.0, (unsigned long long)(n - got), (unsigned long long)bad);
    fflush(stdout);
    close_pair(ctx, push, pull);
}

static void multipart_loop(int size)
{
    struct batches b = batches_for(count_for(size * opt_frames));
    uint64_t n = b.n, k = b.k, bad = 0;
    void *ctx = zmq_ctx_new(), *pull, *push;
    char *payload = payload_new(size);
    double t_send = 0, t_recv = 0, t0, s;
    zmq_msg_t msg;
    int ok;

    pair(ctx, ZMQ_PULL, ZMQ_PUSH, "inproc://mploop", &pull, &push, 1);
    zmq_msg_init(&msg);
    t0 = now();
    for (uint64_t r = 0; r < b.rounds; r++) {
        double a = now(), t1, t2;
        for (uint64_t i = 0; i < k; i++)
            if (send_parts(push, payload, size, opt_frames))
                die("zmq_send");
        t1 = now();
        for (uint64_t i = 0; i < k; i++) {
            recv_message(pull, &msg, size, &ok);
            bad += !ok;
        }
        t2 = now();
        t_send += t1 - a;
        t_recv += t2 - t1;
    }
    s = now() - t0;
    printf("multipart impl=c mode=one_thread frames=%d size=%d msgs=%llu batch=%llu secs=%.6f "
           "msgs_per_sec=%.0f send_ns=%.1f recv_ns=%.1f bad=%llu\n",
           opt_frames, size, (unsigned long long)n, (unsigned long long)k, s, n / s,
           t_send * 1e9 / n, t_recv * 1e9 / n, (unsigned long long)bad);
    fflush(stdout);
    zmq_msg_close(&msg);
    close_pair(ctx, push, pull);
    free(payload);
}

/* ---------------------------------------------------------------- fanout */

/* A PUB bound at ep and opt_subs SUB sockets connected to it and subscribed to "", all with
 * SNDHWM = RCVHWM = 0 (no limit: the PUB drops nothing). */
static void *fanout_sockets(void *ctx, const char *ep, void **subs)
{
    void *pub = zmq_socket(ctx, ZMQ_PUB);
    if (!pub)
        die("pub");
    set_hwm(pub, 0);
    if (zmq_bind(pub, ep))
        die("pub bind");
    for (int i = 0; i < opt_subs; i++) {
        if (!(subs[i] = zmq_socket(ctx, ZMQ_SUB)))
            die("sub");
        set_hwm(subs[i], 0);
        set_int(subs[i], ZMQ_RCVTIMEO, FANOUT_TIMEOUT_MS, "RCVTIMEO");
        if (zmq_setsockopt(subs[i], ZMQ_SUBSCRIBE, "", 0) || zmq_connect(subs[i], ep))
            die("sub");
    }
    return pub;
}

/* Closes the sockets of fanout_sockets (the PUB with LINGER 0) and terminates the context. */
static void fanout_close(void *ctx, void *pub, void **subs)
{
    set_int(pub, ZMQ_LINGER, 0, "LINGER");
    zmq_close(pub);
    for (int i = 0; i < opt_subs; i++)
        zmq_close(subs[i]);
    zmq_ctx_term(ctx);
}

struct fan {
    void *sock;
    int size;
    uint64_t n, got, bytes, bad;
    double end;
    int *warm; /* subscribers that have their warm-up message (atomic) */
};

static void *fan_sub(void *arg)
{
    struct fan *t = arg;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    /* The first message is a warm-up one (empty): the subscription is through. */
    if (zmq_msg_recv(&msg, t->sock, 0) < 0) {
        fprintf(stderr, "inproc_thr: fanout %d: no warm-up message: %s\n", t->size,
                zmq_strerror(zmq_errno()));
    } else {
        __atomic_add_fetch(t->warm, 1, __ATOMIC_SEQ_CST);
        while (t->got < t->n) {
            int rc = zmq_msg_recv(&msg, t->sock, 0);
            if (rc < 0) {
                fprintf(stderr, "inproc_thr: fanout %d: recv: %s\n", t->size,
                        zmq_strerror(zmq_errno()));
                break;
            }
            if (rc == 0)
                continue; /* a later warm-up message */
            t->got++;
            t->bytes += (uint64_t)rc;
            t->bad += rc != t->size;
        }
    }
    t->end = now();
    zmq_msg_close(&msg);
    return NULL;
}

static void fanout_threads(int size)
{
    uint64_t n = count_for(size), got = 0, bytes = 0, bad = 0;
    void *ctx = zmq_ctx_new(), *pub, *subs[64];
    char *payload = payload_new(size);
    pthread_t th[64];
    struct fan t[64];
    int warm = 0;
    double t0, end, s;

    pub = fanout_sockets(ctx, "inproc://fan", subs);
    for (int i = 0; i < opt_subs; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].sock = subs[i];
        t[i].size = size;
        t[i].n = n;
        t[i].warm = &warm;
        pthread_create(&th[i], NULL, fan_sub, &t[i]);
    }
    /* Warm-up: empty messages until every subscriber has one (bounded). */
    t0 = now();
    while (__atomic_load_n(&warm, __ATOMIC_SEQ_CST) < opt_subs &&
           now() < t0 + FANOUT_TIMEOUT_MS / 1000.0) {
        if (zmq_send(pub, "", 0, 0) != 0)
            die("zmq_send");
        usleep(1000);
    }
    t0 = now();
    if (__atomic_load_n(&warm, __ATOMIC_SEQ_CST) == opt_subs)
        for (uint64_t i = 0; i < n; i++)
            if (zmq_send(pub, payload, size, 0) != size)
                die("zmq_send");
    /* The publisher stays open until every subscriber is done. */
    end = t0;
    for (int i = 0; i < opt_subs; i++) {
        pthread_join(th[i], NULL);
        got += t[i].got;
        bytes += t[i].bytes;
        bad += t[i].bad;
        if (t[i].end > end)
            end = t[i].end;
    }
    s = end - t0;
    printf("fanout impl=c mode=threads subs=%d size=%d msgs=%llu hwm=0 secs=%.6f "
           "msgs_per_sec=%.0f mib_per_sec=%.1f lost=%llu bad=%llu\n",
           opt_subs, size, (unsigned long long)n, s, got / (double)opt_subs / s,
           bytes / (double)opt_subs / s / 1048576.0,
           (unsigned long long)(n * opt_subs - got), (unsigned long long)bad);
    fflush(stdout);
    fanout_close(ctx, pub, subs);
    free(payload);
}

static void fanout_loop(int size)
{
    struct batches b = batches_for(count_for(size));
    uint64_t n = b.n, k = b.k, got = 0, bad = 0;
    void *ctx = zmq_ctx_new(), *pub, *subs[64];
    char *payload = payload_new(size);
    double t_send = 0, t_recv = 0, t0, s, deadline;
    int warm[64] = {0}, nwarm = 0, failed = 0;
    zmq_msg_t msg;

    pub = fanout_sockets(ctx, "inproc://fanloop", subs);
    zmq_msg_init(&msg);
    /* Warm-up: empty messages until every subscriber has one; then drop the extra ones. */
    deadline = now() + FANOUT_TIMEOUT_MS / 1000.0;
    while (nwarm < opt_subs && now() < deadline) {
        if (zmq_send(pub, "", 0, 0) != 0)
            die("zmq_send");
        for (int i = 0; i < opt_subs; i++)
            if (!warm[i] && zmq_msg_recv(&msg, subs[i], ZMQ_DONTWAIT) >= 0) {
                warm[i] = 1;
                nwarm++;
            }
    }
    for (int i = 0; i < opt_subs; i++)
        while (zmq_msg_recv(&msg, subs[i], ZMQ_DONTWAIT) >= 0)
            ;
    t0 = now();
    for (uint64_t r = 0; r < b.rounds && !failed; r++) {
        double a = now(), b, c;
        for (uint64_t i = 0; i < k; i++)
            if (zmq_send(pub, payload, size, 0) != size)
                die("zmq_send");
        b = now();
        for (int j = 0; j < opt_subs && !failed; j++)
            for (uint64_t i = 0; i < k; i++) {
                int rc = zmq_msg_recv(&msg, subs[j], 0);
                if (rc < 0) {
                    fprintf(stderr, "inproc_thr: fanout %d: recv: %s\n", size,
                            zmq_strerror(zmq_errno()));
                    failed = 1;
                    break;
                }
                got++;
                bad += rc != size;
            }
        c = now();
        t_send += b - a;
        t_recv += c - b;
    }
    s = now() - t0;
    printf("fanout impl=c mode=one_thread subs=%d size=%d msgs=%llu batch=%llu hwm=0 secs=%.6f "
           "msgs_per_sec=%.0f send_ns=%.1f recv_ns=%.1f lost=%llu bad=%llu\n",
           opt_subs, size, (unsigned long long)n, (unsigned long long)k, s, n / s,
           t_send * 1e9 / n, t_recv * 1e9 / ((double)n * opt_subs),
           (unsigned long long)(n * opt_subs - got), (unsigned long long)bad);
    fflush(stdout);
    zmq_msg_close(&msg);
    fanout_close(ctx, pub, subs);
    free(payload);
}

static int want(const char *w)
{
    return in_list(opt_what, w);
}

int main(int argc, char **argv)
{
    static const struct bench_opt opts[] = {
        {"--sizes", OPT_INTS, sizes, &nsizes},
        {"--msgs", OPT_ULL, &opt_msgs, NULL},
        {"--max-mb", OPT_ULL, &opt_max_mb, NULL},
        {"--rt", OPT_ULL, &opt_rt, NULL},
        {"--rt-size", OPT_INT, &opt_rt_size, NULL},
        {"--batch", OPT_ULL, &opt_batch, NULL},
        {"--what", OPT_STR, &opt_what, NULL},
        {"--hwm", OPT_INT, &opt_hwm, NULL},
        {"--frames", OPT_INT, &opt_frames, NULL},
        {"--subs", OPT_INT, &opt_subs, NULL},
        {NULL, 0, NULL, NULL},
    };
    parse_args(argc, argv, opts);
    if (!opt_msgs || !opt_rt || !opt_batch || opt_frames < 1 || opt_subs < 1 || opt_subs > 64)
        usage("--msgs, --rt, --batch, --frames and --subs must be > 0 (--subs at most 64)");
    print_version();
    if (want("push_pull"))
        for (int i = 0; i < nsizes; i++)
            push_pull(sizes[i]);
    if (want("loop"))
        for (int i = 0; i < nsizes; i++)
            send_recv_loop(sizes[i]);
    if (want("req_rep") || want("req_rep_threads"))
        req_rep(1);
    if (want("req_rep") || want("req_rep_one_thread"))
        req_rep(0);
    for (int i = 0; i < nsizes; i++) {
        if (want("multipart") || want("multipart_threads"))
            multipart_threads(sizes[i]);
        if (want("multipart") || want("multipart_one_thread"))
            multipart_loop(sizes[i]);
        if (want("fanout") || want("fanout_threads"))
            fanout_threads(sizes[i]);
        if (want("fanout") || want("fanout_one_thread"))
            fanout_loop(sizes[i]);
    }
    return 0;
}
