/* Helpers for ZMQ-Rust.xs: handle structs kept in ext magic, fork and thread stamps, errors.
 * Included by the .xs only (MakeMaker compiles one object). */
#ifndef ZMQ_RUST_PERL_H
#define ZMQ_RUST_PERL_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "zmq_rust.h"

/* Bumped in the child after every fork: a handle whose stamp differs was inherited. */
static volatile int zrp_fork_gen = 0;
static void zrp_atfork_child(void) { zrp_fork_gen++; }

typedef struct {
    struct zr_ctx *ctx;   /* NULL after destroy */
    int gen;              /* zrp_fork_gen when created */
    pid_t pid;            /* creating process, for messages */
    int die_on_error;
    int last_errno;
    int cloned;           /* a copy made for another interpreter thread */
} zrp_ctx;

typedef struct {
    struct zr_socket *sock; /* NULL in a cloned interpreter (inert) */
    int gen;
    pid_t pid;
    SV *ctx_sv;             /* the context object, kept alive by the socket */
    int closed;
    int die_on_error;
    int last_errno;
    int type;
} zrp_sock;

#endif
