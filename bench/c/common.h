/* What the C harnesses (inproc_thr.c, net_thr.c, scale.c) share: the command line, the
 * message count rule, socket setup, the private directory of an ipc endpoint, the guard of
 * a child process and the version line. rust/core/examples/common/mod.rs is the same for
 * the Rust examples.
 *
 * A harness defines BENCH_NAME (its name in messages) and BENCH_USAGE (the options of its
 * usage line) before it includes this file, and describes its options in a table for
 * parse_args:
 *
 *   static const struct bench_opt opts[] = {
 *       {"--msgs", OPT_ULL, &opt_msgs, NULL},
 *       {"--sizes", OPT_INTS, sizes, &nsizes},
 *       {"--series", OPT_FLAG, &opt_series, NULL},
 *       {NULL, 0, NULL, NULL},
 *   };
 *   parse_args(argc, argv, opts);
 *
 * Everything is static and marked unused, so that a harness can leave out what it does not
 * need (the harnesses are built one file each: cc -O2 -o bin bench/c/NAME.c -lzmq). */
#ifndef ZMQR_BENCH_COMMON_H
#define ZMQR_BENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#if !defined(BENCH_NAME) || !defined(BENCH_USAGE)
#error "define BENCH_NAME and BENCH_USAGE before including common.h"
#endif

#define BENCH_SHARED static __attribute__((unused))

/* Longest list of --sizes or --hwms. */
#define BENCH_MAX_LIST 16

/* ------------------------------------------------------------------ messages */

BENCH_SHARED void die(const char *what)
{
    fprintf(stderr, BENCH_NAME ": %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

BENCH_SHARED void usage(const char *msg)
{
    fprintf(stderr, BENCH_NAME ": %s\nusage: " BENCH_NAME " " BENCH_USAGE "\n", msg);
    exit(2);
}

/* The first line of every harness's output. */
BENCH_SHARED void print_version(void)
{
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("version impl=c libzmq=%d.%d.%d\n", major, minor, patch);
    fflush(stdout);
}

/* ------------------------------------------------------------------ command line */

enum bench_opt_kind {
    OPT_INT,    /* int */
    OPT_LL,     /* long long */
    OPT_ULL,    /* unsigned long long */
    OPT_SIZE,   /* size_t */
    OPT_DOUBLE, /* double */
    OPT_STR,    /* const char *, the argument itself */
    OPT_INTS,   /* int[BENCH_MAX_LIST] from a comma-separated list; its length in *n */
    OPT_FLAG,   /* int, set to 1; takes no value */
};

/* One option of a harness: its name, the kind of its value and where the value goes (n:
 * where the length of an OPT_INTS list goes, else NULL). */
struct bench_opt {
    const char *name;
    enum bench_opt_kind kind;
    void *dst;
    int *n;
};

/* Reads v into o->dst; 0 if v is not a value of o's kind. */
BENCH_SHARED int parse_value(const struct bench_opt *o, const char *v)
{
    char *end = NULL;
    errno = 0;
    switch (o->kind) {
    case OPT_STR:
        *(const char **)o->dst = v;
        return 1;
    case OPT_INT: {
        long x = strtol(v, &end, 10);
        if (x < INT_MIN || x > INT_MAX)
            return 0;
        *(int *)o->dst = (int)x;
        break;
    }
    case OPT_LL:
        *(long long *)o->dst = strtoll(v, &end, 10);
        break;
    case OPT_ULL:
        if (v[0] == '-')
            return 0;
        *(unsigned long long *)o->dst = strtoull(v, &end, 10);
        break;
    case OPT_SIZE:
        if (v[0] == '-')
            return 0;
        *(size_t *)o->dst = (size_t)strtoull(v, &end, 10);
        break;
    case OPT_DOUBLE:
        *(double *)o->dst = strtod(v, &end);
        break;
    case OPT_INTS: {
        int *list = o->dst, n = 0;
        const char *p = v;
        for (;;) {
            long x = strtol(p, &end, 10);
            if (end == p || errno || x < INT_MIN || x > INT_MAX || n == BENCH_MAX_LIST)
                return 0;
            list[n++] = (int)x;
            if (*end != ',')
                break;
            p = end + 1;
        }
        *o->n = n;
        break;
    }
    case OPT_FLAG:
        *(int *)o->dst = 1;
        return 1;
    }
    return end != v && *end == 0 && errno == 0;
}

/* Reads the command line into the options of opts (ended by a NULL name). An unknown option, a
 * missing or malformed value, -h and --help end the program with the usage line. */
BENCH_SHARED void parse_args(int argc, char **argv, const struct bench_opt *opts)
{
    char msg[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct bench_opt *o = opts;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            usage("help");
        while (o->name && strcmp(o->name, a))
            o++;
        if (!o->name) {
            snprintf(msg, sizeof msg, "unknown option %s", a);
            usage(msg);
        }
        if (o->kind != OPT_FLAG && i + 1 >= argc) {
            snprintf(msg, sizeof msg, "%s needs a value", a);
            usage(msg);
        }
        if (!parse_value(o, o->kind == OPT_FLAG ? "" : argv[++i])) {
            snprintf(msg, sizeof msg, "bad value for %s: %s", a, argv[i]);
            usage(msg);
        }
    }
}

/* Whether w is an item of the comma-separated list (--what, --transport). */
BENCH_SHARED int in_list(const char *list, const char *w)
{
    size_t l = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += l)
        if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == 0))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ measurements */

/* CLOCK_MONOTONIC in seconds. */
BENCH_SHARED double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A clock of clock_gettime(2) in ns. */
BENCH_SHARED unsigned long long clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Messages for one size: msgs, capped at max_mb MiB of payload, and at least floor (1000
 * inproc, 100 tcp/ipc). Same rule as the Rust examples and the Perl scripts. */
BENCH_SHARED unsigned long long count_for_size(unsigned long long msgs, unsigned long long max_mb,
                                               int size, unsigned long long floor)
{
    unsigned long long cap = (max_mb << 20) / (unsigned long long)(size > 0 ? size : 1);
    if (cap < floor)
        cap = floor;
    return msgs < cap ? msgs : cap;
}

/* The payload of a message: size bytes of 0x5a (never a NULL pointer, even for size 0). */
BENCH_SHARED char *payload_new(size_t size)
{
    char *p = malloc(size ? size : 1);
    if (!p) {
        perror(BENCH_NAME ": malloc");
        exit(1);
    }
    memset(p, 0x5a, size);
    return p;
}

/* Sends one message of frames frames of size bytes (zmq_send, ZMQ_SNDMORE on all but the
 * last); -1 on error. */
BENCH_SHARED int send_parts(void *s, const char *payload, int size, int frames)
{
    for (int f = 0; f < frames; f++)
        if (zmq_send(s, payload, size, f + 1 < frames ? ZMQ_SNDMORE : 0) != size)
            return -1;
    return 0;
}

/* Receives one whole message into msg (zmq_msg_recv until !zmq_msg_more); returns its bytes
 * or -1, and sets *ok to whether it had `frames` frames of size bytes. */
BENCH_SHARED int64_t recv_parts(void *s, zmq_msg_t *msg, int size, int frames, int *ok)
{
    int64_t bytes = 0;
    int n = 0, good = 1;
    do {
        int rc = zmq_msg_recv(msg, s, 0);
        if (rc < 0)
            return -1;
        bytes += rc;
        good &= rc == size;
        n++;
    } while (zmq_msg_more(msg));
    *ok = good && n == frames;
    return bytes;
}

/* ------------------------------------------------------------------ sockets */

BENCH_SHARED void set_int(void *s, int opt, int v, const char *name)
{
    if (zmq_setsockopt(s, opt, &v, sizeof v))
        die(name);
}

/* SNDHWM and RCVHWM of s; a negative hwm leaves libzmq's defaults. */
BENCH_SHARED void set_hwm(void *s, int hwm)
{
    if (hwm < 0)
        return;
    set_int(s, ZMQ_SNDHWM, hwm, "SNDHWM");
    set_int(s, ZMQ_RCVHWM, hwm, "RCVHWM");
}

/* Binds s for the transport: tcp://127.0.0.1:*, inproc://NAME, or an ipc socket in a fresh
 * private directory (mode 0700) under $TMPDIR or /tmp, zmq-c-NAME-XXXXXX, whose path is put
 * in dir (at least 256 bytes; empty for tcp and inproc). Fills ep with the endpoint to
 * connect to. */
BENCH_SHARED void bind_for(void *s, const char *transport, const char *name, char *ep,
                           size_t eplen, char *dir)
{
    dir[0] = 0;
    if (!strcmp(transport, "tcp")) {
        if (zmq_bind(s, "tcp://127.0.0.1:*"))
            die("bind tcp");
    } else if (!strcmp(transport, "inproc")) {
        char path[300];
        snprintf(path, sizeof path, "inproc://%s", name);
        if (zmq_bind(s, path))
            die("bind inproc");
    } else {
        const char *tmp = getenv("TMPDIR");
        char path[600];
        snprintf(dir, 256, "%s/zmq-c-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
        if (!mkdtemp(dir)) { /* mode 0700 */
            perror(BENCH_NAME ": mkdtemp");
            exit(1);
        }
        snprintf(path, sizeof path, "ipc://%s/s", dir);
        if (zmq_bind(s, path))
            die("bind ipc");
    }
    if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &eplen))
        die("LAST_ENDPOINT");
}

/* Removes the private directory of bind_for, if any. */
BENCH_SHARED void remove_dir(const char *dir)
{
    char path[600];
    if (!dir[0])
        return;
    snprintf(path, sizeof path, "%s/s", dir);
    unlink(path);
    rmdir(dir);
}

/* ------------------------------------------------------------------ child processes */

/* This program, for the children it starts: resolved at start-up by find_self_exe
 * (valgrind --trace-children follows an exec of the real path). */
BENCH_SHARED char self_exe[4096];

BENCH_SHARED void find_self_exe(void)
{
    ssize_t l = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (l <= 0) {
        perror(BENCH_NAME ": readlink /proc/self/exe");
        exit(1);
    }
    self_exe[l] = 0;
}

/* A child process kills itself after timeout seconds, and when its parent goes away. */
BENCH_SHARED void child_guard(int timeout)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm((unsigned)timeout);
}

#endif
