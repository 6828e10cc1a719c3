/* ZMQ-Rust.xs: Perl glue over the Rust engine's C ABI (include/zmq_rust.h).
 *
 * Thin by design: argument checks, SV <-> bytes, handle magic, fork/thread stamps and
 * errors. Objects are blessed hashes carrying PERL_MAGIC_ext magic whose private vtable
 * identifies the handle type; the magic's free hook releases the engine handle, its dup hook
 * decides what a cloned interpreter (ithreads) gets.
 */
#define PERL_NO_GET_CONTEXT
#include "EXTERN.h"
#include "perl.h"
#include "XSUB.h"

#include "perl/zmq_rust_perl.h"

static int zrp_ctx_free(pTHX_ SV *sv, MAGIC *mg);
static int zrp_ctx_dup(pTHX_ MAGIC *mg, CLONE_PARAMS *param);
static int zrp_sock_free(pTHX_ SV *sv, MAGIC *mg);
static int zrp_sock_dup(pTHX_ MAGIC *mg, CLONE_PARAMS *param);

static MGVTBL zrp_ctx_vtbl = { NULL, NULL, NULL, NULL, zrp_ctx_free, NULL, zrp_ctx_dup, NULL };
static MGVTBL zrp_sock_vtbl = { NULL, NULL, NULL, NULL, zrp_sock_free, NULL, zrp_sock_dup, NULL };

/* ---- errors ---------------------------------------------------------------------------- */

/* Sets $! (numeric errno; zmq-specific numbers stringify as "Unknown error N"). */
static void zrp_set_errno(pTHX_ int e) {
    SETERRNO(e, 0);
}

/* Croaks with a ZMQ::Rust::Error object: "<function>: <strerror>[: detail] at FILE line N."
 * The detail is `why`, or when that is NULL the engine's explanation of its last failure if
 * that failure was errno `e`. */
static void zrp_throw(pTHX_ const char *func, int e, const char *why) {
    const char *str = zr_strerror(e);
    const char *detail = zr_last_error();
    STRLEN n = str ? strlen(str) : 0;
    SV *msg;
    HV *hv;
    SV *obj;
    if (why)
        msg = mess("%s: %s: %s", func, str ? str : "Unknown error", why);
    else if (str && detail && zr_errno() == e && strncmp(detail, str, n) == 0 && detail[n] == ':')
        msg = mess("%s: %s", func, detail);
    else
        msg = mess("%s: %s", func, str ? str : "Unknown error");
    hv = newHV();
    (void)hv_stores(hv, "message", newSVsv(msg));
    (void)hv_stores(hv, "errno", newSViv(e));
    (void)hv_stores(hv, "function", newSVpv(func, 0));
    obj = sv_bless(newRV_noinc((SV *)hv), gv_stashpvs("ZMQ::Rust::Error", GV_ADD));
    zrp_set_errno(aTHX_ e);
    croak_sv(sv_2mortal(obj));
}

static void zrp_croak_forked(pTHX_ const char *what, pid_t pid) {
    croak("ZMQ::Rust: this %s was created in process %d and cannot be used in process %d; "
          "create a new context after fork", what, (int)pid, (int)getpid());
}

/* ---- handle lookup --------------------------------------------------------------------- */

static MAGIC *zrp_find(pTHX_ SV *self, MGVTBL *vtbl, const char *klass) {
    MAGIC *mg;
    if (!SvROK(self) || !SvOBJECT(SvRV(self)))
        croak("Argument is not a %s object", klass);
    mg = mg_findext(SvRV(self), PERL_MAGIC_ext, vtbl);
    if (!mg || !mg->mg_ptr)
        croak("Argument is not a %s object", klass);
    return mg;
}

static zrp_ctx *zrp_ctx_get(pTHX_ SV *self) {
    zrp_ctx *c = (zrp_ctx *)zrp_find(aTHX_ self, &zrp_ctx_vtbl, "ZMQ::Rust::Context")->mg_ptr;
    if (c->gen != zrp_fork_gen)
        zrp_croak_forked(aTHX_ "context", c->pid);
    return c;
}

/* The context behind `self` for a call that can fail: its last_errno starts again from 0. */
static zrp_ctx *zrp_ctx_call(pTHX_ SV *self) {
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    c->last_errno = 0;
    return c;
}

static zrp_sock *zrp_sock_raw(pTHX_ SV *self) {
    return (zrp_sock *)zrp_find(aTHX_ self, &zrp_sock_vtbl, "ZMQ::Rust::Socket")->mg_ptr;
}

/* The socket behind `self`, or NULL (after a warning) if it is closed. */
static zrp_sock *zrp_sock_get(pTHX_ SV *self) {
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    if (s->gen != zrp_fork_gen)
        zrp_croak_forked(aTHX_ "socket", s->pid);
    if (!s->sock)
        croak("ZMQ::Rust: a socket cannot be used from an interpreter thread other than the one "
              "that created it; create sockets in each thread from the shared context");
    if (s->closed) {
        warn("Operation on closed socket");
        return NULL;
    }
    /* last_errno describes the last call only, as in ZMQ::FFI: every call that can fail
     * starts from 0 and sets it only if it fails. */
    s->last_errno = 0;
    return s;
}

#define SOCK_OR_EMPTY(s, self) \
    zrp_sock *s = zrp_sock_get(aTHX_ self); \
    if (!s) XSRETURN_EMPTY

/* Records a failed socket call (errno `e`, detail `why` as for zrp_throw); croaks when
 * die_on_error is on. */
static void zrp_sock_fail_e(pTHX_ zrp_sock *s, const char *func, int e, const char *why) {
    s->last_errno = e;
    if (s->die_on_error)
        zrp_throw(aTHX_ func, e, why);
    zrp_set_errno(aTHX_ e);
}

static void zrp_ctx_fail_e(pTHX_ zrp_ctx *c, const char *func, int e, const char *why) {
    c->last_errno = e;
    if (c->die_on_error)
        zrp_throw(aTHX_ func, e, why);
    zrp_set_errno(aTHX_ e);
}

/* The same for a failed engine call. */
#define zrp_sock_fail(s, func) zrp_sock_fail_e(aTHX_ (s), (func), zr_errno(), NULL)
#define zrp_ctx_fail(c, func) zrp_ctx_fail_e(aTHX_ (c), (func), zr_errno(), NULL)

/* Zeroes `n` bytes at `p` in a way the compiler keeps (secret keys on the C stack). */
static void zrp_wipe(void *p, size_t n) {
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n--)
        *v++ = 0;
}

/* Bytes of a message argument: a defined non-reference scalar. UTF-8 strings go out as their
 * UTF-8 encoding, like the other Perl bindings. */
static const char *zrp_bytes(pTHX_ SV *sv, STRLEN *len, const char *what) {
    SvGETMAGIC(sv);
    if (!SvOK(sv))
        croak("%s: the message must be a defined string, got undef", what);
    if (SvROK(sv) && !(SvOBJECT(SvRV(sv)) && HvAMAGIC(SvSTASH(SvRV(sv)))))
        croak("%s: the message must be a string, got a %s reference", what,
              sv_reftype(SvRV(sv), 0));
    return SvPV_nomg(sv, *len);
}

/* A received frame as a new string. A large frame the engine handed over (cap != 0: a malloc
 * block of cap bytes, the frame then a NUL) becomes the string's buffer as it is, without a
 * copy. Perl frees string buffers with free(); when it has an allocator of its own
 * (MYMALLOC, PERL_TRACK_MEMPOOL's headers, PERL_IMPLICIT_SYS) the frame is copied instead. */
#if defined(MYMALLOC) || defined(PERL_TRACK_MEMPOOL) || defined(PERL_IMPLICIT_SYS)
#  define ZRP_ADOPT_BUFFERS 0
#else
#  define ZRP_ADOPT_BUFFERS 1
#endif

static SV *zrp_frame_sv(pTHX_ uint8_t *data, size_t len, size_t cap) {
    SV *sv;
    if (!cap)
        return newSVpvn((const char *)data, len);
#if ZRP_ADOPT_BUFFERS
    sv = newSV_type(SVt_PV);
    SvPV_set(sv, (char *)data);
    SvCUR_set(sv, len);
    SvLEN_set(sv, cap);
    SvPOK_only(sv);
#else
    sv = newSVpvn((const char *)data, len);
    zr_buf_free(data, cap);
#endif
    return sv;
}

static const char *zrp_endpoint(pTHX_ SV *sv, STRLEN *len, const char *method) {
    SvGETMAGIC(sv);
    if (!SvOK(sv) || SvROK(sv))
        croak("usage: $socket->%s($endpoint)", method);
    {
        const char *p = SvPV_nomg(sv, *len);
        if (*len == 0)
            croak("usage: $socket->%s($endpoint)", method);
        return p;
    }
}

/* ---- magic hooks ----------------------------------------------------------------------- */

static int zrp_ctx_free(pTHX_ SV *sv, MAGIC *mg) {
    zrp_ctx *c = (zrp_ctx *)mg->mg_ptr;
    PERL_UNUSED_ARG(sv);
    if (!c)
        return 0;
    /* In a forked child the handle belongs to the parent's engine: leave it alone. */
    if (c->ctx && c->gen == zrp_fork_gen)
        zr_ctx_destroy(c->ctx);
    Safefree(c);
    mg->mg_ptr = NULL;
    return 0;
}

static int zrp_ctx_dup(pTHX_ MAGIC *mg, CLONE_PARAMS *param) {
    zrp_ctx *old = (zrp_ctx *)mg->mg_ptr;
    zrp_ctx *c;
    PERL_UNUSED_ARG(param);
    if (!old)
        return 0;
    Newxz(c, 1, zrp_ctx);
    *c = *old;
    /* The new interpreter shares the engine context through its own handle. */
    c->ctx = (old->ctx && old->gen == zrp_fork_gen) ? zr_ctx_clone(old->ctx) : NULL;
    c->cloned = 1;
    mg->mg_ptr = (char *)c;
    return 0;
}

static int zrp_sock_free(pTHX_ SV *sv, MAGIC *mg) {
    zrp_sock *s = (zrp_sock *)mg->mg_ptr;
    PERL_UNUSED_ARG(sv);
    if (!s)
        return 0;
    if (s->sock && s->gen == zrp_fork_gen)
        zr_socket_destroy(s->sock);
    if (s->ctx_sv && PL_phase != PERL_PHASE_DESTRUCT)
        SvREFCNT_dec(s->ctx_sv);
    Safefree(s);
    mg->mg_ptr = NULL;
    return 0;
}

static int zrp_sock_dup(pTHX_ MAGIC *mg, CLONE_PARAMS *param) {
    zrp_sock *old = (zrp_sock *)mg->mg_ptr;
    zrp_sock *s;
    PERL_UNUSED_ARG(param);
    if (!old)
        return 0;
    /* A cloned socket is inert: sockets are not thread-safe. */
    Newxz(s, 1, zrp_sock);
    *s = *old;
    s->sock = NULL;
    s->ctx_sv = NULL;
    mg->mg_ptr = (char *)s;
    return 0;
}

static SV *zrp_wrap(pTHX_ const char *klass, MGVTBL *vtbl, void *ptr) {
    HV *hv = newHV();
    SV *rv = newRV_noinc((SV *)hv);
    MAGIC *mg = sv_magicext((SV *)hv, NULL, PERL_MAGIC_ext, vtbl, (const char *)ptr, 0);
    mg->mg_flags |= MGf_DUP;
    return sv_bless(rv, gv_stashpv(klass, GV_ADD));
}

/* ---- socket option helpers ------------------------------------------------------------- */

/* Converts `sv` (get magic already called) to the C integer of option type `type`
 * (ZR_OPT_INT, ZR_OPT_INT64 or ZR_OPT_UINT64: 0, 1, 2) in `*out` (an int, int64_t or uint64_t).
 * Returns the reason (for EINVAL) when the value does not fit, so that it is never silently
 * wrapped or truncated to another value, else NULL. */
/* Parses `p` as a decimal integer (surrounding blanks allowed): 1 with the sign and magnitude
 * set, 2 when it has more digits than a uint64_t holds, 0 when it is no decimal integer. */
static int zrp_parse_decimal(const char *p, STRLEN len, int *neg, uint64_t *mag) {
    const char *end = p + len;
    uint64_t v = 0;
    int digits = 0;
    while (p < end && isSPACE(*p))
        p++;
    *neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        *neg = *p++ == '-';
    for (; p < end && isDIGIT(*p); p++, digits++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 2;
        v = v * 10 + d;
    }
    while (p < end && isSPACE(*p))
        p++;
    if (!digits || p != end)
        return 0;
    *mag = v;
    return 1;
}

/* Converts an integer given as decimal text (a Math::BigInt or bigint object, or a string
 * never used as a number) exactly, without a trip through a double. Returns 1 when `sv` was
 * such a value (then `*why` is the reason it does not fit, or NULL), 0 otherwise. */
static int zrp_decimal_arg(pTHX_ SV *sv, int type, void *out, const char *const *why_tab,
                           const char **why) {
    STRLEN len;
    const char *p;
    int neg;
    uint64_t mag;
    if (!SvROK(sv) && !(SvPOK(sv) && !SvNIOKp(sv)))
        return 0;
    p = SvPV_nomg(sv, len);
    switch (zrp_parse_decimal(p, len, &neg, &mag)) {
    case 0:
        return 0; /* "1e3", " 0x10", an object that is no integer: as a number */
    case 2:
        *why = why_tab[type];
        return 1;
    }
    *why = NULL;
    switch (type) {
    case ZR_OPT_INT:
        if (neg ? mag > (uint64_t)INT_MAX + 1 : mag > (uint64_t)INT_MAX)
            *why = why_tab[type];
        else
            *(int *)out = neg ? (int)(-(int64_t)mag) : (int)mag;
        break;
    case ZR_OPT_INT64:
        if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
            *why = why_tab[type];
        else
            *(int64_t *)out = !neg ? (int64_t)mag
                            : mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        break;
    default:
        if (neg && mag)
            *why = why_tab[type];
        else
            *(uint64_t *)out = mag;
        break;
    }
    return 1;
}

static const char *zrp_int_arg(pTHX_ SV *sv, int type, void *out) {
    static const char *const why[] = { "value out of range for an int",
        "value out of range for an int64_t", "value out of range for a uint64_t" };
    const char *dec_why;
    IV iv;
    int is_uv;
    if (zrp_decimal_arg(aTHX_ sv, type, out, why, &dec_why))
        return dec_why;
    iv = SvIV_nomg(sv); /* also records whether the value is an unsigned above IV_MAX */
    is_uv = SvIsUV(sv) && (UV)iv > (UV)IV_MAX;
    if (SvNOKp(sv)) { /* a float: compare before the conversion clamps it */
        NV nv = SvNV_nomg(sv);
        NV lo = type == ZR_OPT_INT ? (NV)INT_MIN : type == ZR_OPT_INT64 ? -9223372036854775808.0 : 0.0;
        NV hi = type == ZR_OPT_INT ? (NV)INT_MAX + 1.0
              : type == ZR_OPT_INT64 ? 9223372036854775808.0 : 18446744073709551616.0;
        if (!(nv > lo - 1.0 && nv < hi)) /* NaN fails too */
            return why[type];
    }
    switch (type) {
    case ZR_OPT_INT:
        if (is_uv || iv < INT_MIN || iv > INT_MAX)
            return why[type];
        *(int *)out = (int)iv;
        return NULL;
    case ZR_OPT_INT64:
        if (is_uv)
            return why[type];
        *(int64_t *)out = (int64_t)iv;
        return NULL;
    default:
        if (!is_uv && iv < 0)
            return why[type];
        *(uint64_t *)out = (uint64_t)(UV)iv;
        return NULL;
    }
}

static int zrp_type_code(pTHX_ const char *type) {
    if (strEQ(type, "int")) return ZR_OPT_INT;
    if (strEQ(type, "int64_t")) return ZR_OPT_INT64;
    if (strEQ(type, "uint64_t")) return ZR_OPT_UINT64;
    if (strEQ(type, "binary")) return ZR_OPT_BINARY;
    if (strEQ(type, "string")) return ZR_OPT_STRING;
    croak("unknown type %s", type);
    return -1;
}

/* Sets option `opt` from `val` encoded as `type`. Returns the status; on failure records it
 * (croaking when die_on_error is on). */
static int zrp_setopt(pTHX_ zrp_sock *s, int opt, int type, SV *val) {
    int rc;
    switch (type) {
    case ZR_OPT_INT:
    case ZR_OPT_INT64:
    case ZR_OPT_UINT64: {
        union { int i; int64_t i64; uint64_t u64; } v;
        const char *why;
        SvGETMAGIC(val);
        if (!SvOK(val))
            croak("zmq_setsockopt: value must be defined");
        why = zrp_int_arg(aTHX_ val, type, &v);
        if (why) {
            zrp_sock_fail_e(aTHX_ s, "zmq_setsockopt", EINVAL, why);
            return -1;
        }
        rc = zr_socket_setsockopt(s->sock, opt, &v, type == ZR_OPT_INT ? sizeof v.i : sizeof v.i64);
        break;
    }
    default: {
        STRLEN len;
        const char *p = zrp_bytes(aTHX_ val, &len, "zmq_setsockopt");
        rc = zr_socket_setsockopt(s->sock, opt, p, len);
        break;
    }
    }
    if (rc != 0)
        zrp_sock_fail(s, "zmq_setsockopt");
    return rc;
}

/* Reads option `opt` as `type` into a new SV, or returns NULL on failure. Empty binary and
 * string values come back as undef (as ZMQ::FFI does). */
static SV *zrp_getopt(pTHX_ zrp_sock *s, int opt, int type) {
    char buf[1024];
    /* The buffer fits the requested type, so a 64-bit option read as "int" is EINVAL, as in
     * libzmq; an int option read as a 64-bit type still works (libzmq returns 4 bytes). */
    size_t len = type == ZR_OPT_INT ? sizeof(int32_t)
               : (type == ZR_OPT_INT64 || type == ZR_OPT_UINT64) ? sizeof(int64_t)
               : type == ZR_OPT_BINARY ? 256 : sizeof buf;
    if (zr_socket_getsockopt(s->sock, opt, buf, &len) != 0) {
        zrp_sock_fail(s, "zmq_getsockopt");
        return NULL;
    }
    if ((type == ZR_OPT_INT && len != sizeof(int32_t))
        || ((type == ZR_OPT_INT64 || type == ZR_OPT_UINT64)
            && len != sizeof(int32_t) && len != sizeof(int64_t))) {
        /* e.g. a bytes option read as "int" */
        zrp_sock_fail_e(aTHX_ s, "zmq_getsockopt", EINVAL,
                        "the option's value does not fit the requested type");
        return NULL;
    }
    switch (type) {
    case ZR_OPT_INT:
    case ZR_OPT_INT64:
        if (len == sizeof(int32_t)) {
            int32_t v;
            memcpy(&v, buf, sizeof v);
            return newSViv(v);
        } else {
            int64_t v;
            memcpy(&v, buf, sizeof v);
#if IVSIZE < 8
            return newSVpvf("%" PRId64, v); /* exact, as a decimal string */
#else
            return newSViv((IV)v);
#endif
        }
    case ZR_OPT_UINT64:
        if (len == sizeof(int32_t)) {
            int32_t v;
            memcpy(&v, buf, sizeof v);
            return newSVuv((UV)(uint32_t)v);
        } else {
            uint64_t v;
            memcpy(&v, buf, sizeof v);
#if UVSIZE < 8
            return newSVpvf("%" PRIu64, v);
#else
            return newSVuv((UV)v);
#endif
        }
    case ZR_OPT_STRING:
        if (len > 0 && buf[len - 1] == '\0')
            len--;
        /* fall through */
    default:
        return len ? newSVpvn(buf, len) : newSV(0);
    }
}

/* Whether a blocking call goes on after a signal handler returned: only when the program asked
 * for it with $ZMQ::Rust::RESUME_AFTER_SIGNAL. By default the call ends with EINTR, as in libzmq,
 * so that "set a flag in the handler, check it after recv" works. */
static int zrp_resume_after_signal(pTHX) {
    SV *sv = get_sv("ZMQ::Rust::RESUME_AFTER_SIGNAL", 0);
    return sv && SvTRUE(sv);
}

/* After a blocking engine call failed with EINTR: runs Perl's signal handlers (one that dies
 * ends the call with its exception) while `obj` is kept alive (a handler may drop the last
 * reference to it), then says whether to make the call again. */
static int zrp_after_signal(pTHX_ SV *obj) {
    if (obj)
        SAVEFREESV(SvREFCNT_inc_simple_NN(obj));
    PERL_ASYNC_CHECK();
    return zrp_resume_after_signal(aTHX);
}

/* Makes the engine call `call` (which reads `flags`); when a signal interrupts it and the
 * program asked to resume, makes it again with ZR_RESUME, so that the engine waits for what
 * was left of the first call's timeout. Sets `rc`, and `err` to the errno of a failure. */
#define ZRP_CALL(self, flags, call) \
    do { \
        rc = (call); \
        err = rc == 0 ? 0 : zr_errno(); \
        while (err == EINTR && zrp_after_signal(aTHX_ SvRV(self))) { \
            (flags) |= ZR_RESUME; \
            rc = (call); \
            err = rc == 0 ? 0 : zr_errno(); \
        } \
    } while (0)

/* Call checker of ZMQ::Rust's exported constants (see _fold_calls): a call without arguments
 * becomes the constant `ckobj` at compile time; a call with arguments stays an ordinary call
 * of the sub, which ignores them, as ZMQ::FFI's constant subs do. */
static OP *zrp_ck_constant(pTHX_ OP *entersubop, GV *namegv, SV *ckobj) {
    OP *pushop, *firstarg, *cvop;
    PERL_UNUSED_ARG(namegv);
    pushop = cUNOPx(entersubop)->op_first;
    if (!OpHAS_SIBLING(pushop))
        pushop = cUNOPx(pushop)->op_first;
    firstarg = OpSIBLING(pushop);
    for (cvop = firstarg; OpHAS_SIBLING(cvop); cvop = OpSIBLING(cvop))
        ;
    if (firstarg != cvop)
        return ck_entersub_args_list(entersubop);
    op_free(entersubop);
    return newSVOP(OP_CONST, 0, SvREFCNT_inc_simple_NN(ckobj));
}

MODULE = ZMQ::Rust    PACKAGE = ZMQ::Rust

PROTOTYPES: DISABLED

BOOT:
    pthread_atfork(NULL, NULL, zrp_atfork_child);

void
_engine_version()
  PPCODE:
    int a, b, c;
    zr_version(&a, &b, &c);
    EXTEND(SP, 3);
    mPUSHi(a);
    mPUSHi(b);
    mPUSHi(c);

SV *
strerror(errnum)
    int errnum
  CODE:
    RETVAL = newSVpv(zr_strerror(errnum), 0);
  OUTPUT:
    RETVAL

void
_set_exiting(on)
    int on
  PPCODE:
    zr_set_exiting(on);
    XSRETURN_EMPTY;

void
_fold_calls(code, value)
    SV *code
    SV *value
  PPCODE:
    /* Makes calls of `code` without arguments compile to `value` (zrp_ck_constant). */
    SV *v;
    if (!SvROK(code) || SvTYPE(SvRV(code)) != SVt_PVCV)
        croak("usage: ZMQ::Rust::_fold_calls(\\&code, $value)");
    v = newSVsv(value);
    SvREADONLY_on(v);
    cv_set_call_checker((CV *)SvRV(code), zrp_ck_constant, v); /* takes its own reference */
    SvREFCNT_dec(v);
    XSRETURN_EMPTY;

int
option_type(opt)
    int opt
  CODE:
    RETVAL = zr_option_type(opt);
  OUTPUT:
    RETVAL

void
_option_table()
  PPCODE:
    /* [name, number, type (ZR_OPT_*)] for every option of the engine's table. */
    size_t i;
    int32_t num, type;
    const char *name;
    for (i = 0; zr_option_at(i, &num, &type, &name) == 0; i++) {
        AV *row = newAV();
        av_push(row, newSVpv(name, 0));
        av_push(row, newSViv(num));
        av_push(row, newSViv(type));
        mXPUSHs(newRV_noinc((SV *)row));
    }

void
_errno_table()
  PPCODE:
    /* [name, value] for every errno value the engine knows by name. */
    size_t i;
    int32_t value;
    const char *name;
    for (i = 0; zr_errno_at(i, &value, &name) == 0; i++) {
        AV *row = newAV();
        av_push(row, newSVpv(name, 0));
        av_push(row, newSViv(value));
        mXPUSHs(newRV_noinc((SV *)row));
    }

void
_last_error()
  PPCODE:
    /* (errno, description) of the engine's last failure on this thread. */
    EXTEND(SP, 2);
    mPUSHi(zr_errno());
    mPUSHs(newSVpv(zr_last_error(), 0));

void
_z85_encode(data)
    SV *data
  PPCODE:
    /* Z85 of a byte string (a multiple of 4 bytes); empty on failure (see _last_error). */
    STRLEN len;
    const char *p = SvPVbyte(data, len);
    size_t cap = len / 4 * 5 + 1, n = 0;
    SV *out = sv_2mortal(newSV(cap));
    if (zr_z85_encode((const uint8_t *)p, len, SvPVX(out), cap, &n) != 0)
        XSRETURN_EMPTY;
    SvCUR_set(out, n);
    SvPOK_only(out);
    XPUSHs(out);

void
_z85_decode(string)
    SV *string
  PPCODE:
    /* The bytes of a Z85 string; empty on failure (see _last_error). */
    STRLEN len;
    const char *p = SvPVbyte(string, len);
    size_t cap = len / 5 * 4, n = 0;
    SV *out = sv_2mortal(newSV(cap + 1));
    if (zr_z85_decode(p, len, (uint8_t *)SvPVX(out), cap, &n) != 0)
        XSRETURN_EMPTY;
    SvPVX(out)[n] = '\0';
    SvCUR_set(out, n);
    SvPOK_only(out);
    XPUSHs(out);

void
_curve_keypair()
  PPCODE:
    /* (public, secret) as 40-character Z85 strings; empty on failure (see _last_error). */
    char pub[ZR_CURVE_KEY_Z85_BUF], sec[ZR_CURVE_KEY_Z85_BUF];
    int rc = zr_curve_keypair(pub, sec);
    if (rc != 0)
        XSRETURN_EMPTY;
    EXTEND(SP, 2);
    mPUSHp(pub, ZR_CURVE_KEY_Z85_BUF - 1);
    mPUSHp(sec, ZR_CURVE_KEY_Z85_BUF - 1);
    zrp_wipe(sec, sizeof sec);

void
_curve_public(secret)
    SV *secret
  PPCODE:
    /* The public key of a secret key, both as 40-character Z85 strings; empty on failure
     * (see _last_error). The caller checks the length. */
    char pub[ZR_CURVE_KEY_Z85_BUF], sec[ZR_CURVE_KEY_Z85_BUF];
    STRLEN len;
    const char *p = SvPVbyte(secret, len);
    int rc;
    if (len != ZR_CURVE_KEY_Z85_BUF - 1)
        croak("ZMQ::Rust::_curve_public: the key must be %d bytes", ZR_CURVE_KEY_Z85_BUF - 1);
    Copy(p, sec, len, char);
    sec[len] = '\0';
    rc = zr_curve_public(pub, sec);
    zrp_wipe(sec, sizeof sec);
    if (rc != 0)
        XSRETURN_EMPTY;
    mXPUSHp(pub, ZR_CURVE_KEY_Z85_BUF - 1);

void
_poll(items, timeout_ms)
    SV *items
    IV timeout_ms
  PPCODE:
    /* items: [[$socket_or_undef, $fd, $events], ...]; returns each item's revents.
     * Closed sockets are never ready. */
    AV *av;
    SSize_t n, i;
    struct zr_pollitem *pi;
    int rc, err;
    int64_t left;
    if (!SvROK(items) || SvTYPE(SvRV(items)) != SVt_PVAV)
        croak("usage: ZMQ::Rust::_poll(\\@items, $timeout)");
    av = (AV *)SvRV(items);
    n = av_top_index(av) + 1;
    Newxz(pi, n > 0 ? n : 1, struct zr_pollitem);
    SAVEFREEPV(pi);
    for (i = 0; i < n; i++) {
        SV **e = av_fetch(av, i, 0);
        AV *it;
        SV **sv_sock, **sv_fd, **sv_ev;
        if (!e || !SvROK(*e) || SvTYPE(SvRV(*e)) != SVt_PVAV)
            croak("ZMQ::Rust::_poll: item %d is not an array reference", (int)i);
        it = (AV *)SvRV(*e);
        sv_sock = av_fetch(it, 0, 0);
        sv_fd = av_fetch(it, 1, 0);
        sv_ev = av_fetch(it, 2, 0);
        pi[i].fd = -1;
        if (sv_sock && SvOK(*sv_sock)) {
            zrp_sock *s = zrp_sock_raw(aTHX_ *sv_sock);
            if (s->gen != zrp_fork_gen)
                zrp_croak_forked(aTHX_ "socket", s->pid);
            if (s->sock && !s->closed)
                pi[i].socket = s->sock;
        } else if (sv_fd && SvOK(*sv_fd)) {
            pi[i].fd = (int)SvIV(*sv_fd);
        }
        pi[i].events = (short)(sv_ev ? SvIV(*sv_ev) : 0);
    }
    /* A signal ends the wait with EINTR; to resume, the engine says how long is left. */
    rc = zr_poll(pi, (size_t)n, (int64_t)timeout_ms, &left);
    err = rc < 0 ? zr_errno() : 0;
    while (err == EINTR && zrp_after_signal(aTHX_ NULL)) {
        rc = zr_poll(pi, (size_t)n, left, &left);
        err = rc < 0 ? zr_errno() : 0;
    }
    if (rc < 0)
        zrp_throw(aTHX_ "zmq_poll", err, NULL);
    EXTEND(SP, n);
    for (i = 0; i < n; i++)
        mPUSHi(pi[i].revents);

void
_proxy(frontend, backend, capture = &PL_sv_undef, control = &PL_sv_undef)
    SV *frontend
    SV *backend
    SV *capture
    SV *control
  PPCODE:
    /* Blocks until the context is terminated (croaks ETERM, as zmq_proxy returns -1), the
     * control socket says TERMINATE (returns), or a signal handler returns (croaks EINTR,
     * unless $ZMQ::Rust::RESUME_AFTER_SIGNAL asks to go on). */
    zrp_sock *f, *b, *cap = NULL, *ctl = NULL;
    int rc, err;
    f = zrp_sock_get(aTHX_ frontend);
    b = zrp_sock_get(aTHX_ backend);
    if (!f || !b)
        XSRETURN_EMPTY;
    if (SvOK(capture) && !(cap = zrp_sock_get(aTHX_ capture)))
        XSRETURN_EMPTY;
    if (SvOK(control) && !(ctl = zrp_sock_get(aTHX_ control)))
        XSRETURN_EMPTY;
    /* Keep the sockets alive even if a signal handler drops the last reference. */
    SvREFCNT_inc_simple_void_NN(SvRV(frontend));
    sv_2mortal(SvRV(frontend));
    SvREFCNT_inc_simple_void_NN(SvRV(backend));
    sv_2mortal(SvRV(backend));
    do {
        rc = zr_proxy(f->sock, b->sock, cap ? cap->sock : NULL, ctl ? ctl->sock : NULL);
        err = rc == 0 ? 0 : zr_errno();
    } while (err == EINTR && zrp_after_signal(aTHX_ NULL));
    if (rc != 0)
        zrp_throw(aTHX_ "zmq_proxy", err, NULL);
    XSRETURN_YES;

MODULE = ZMQ::Rust    PACKAGE = ZMQ::Rust::Context

SV *
_new(klass)
    const char *klass
  CODE:
    zrp_ctx *c;
    struct zr_ctx *ctx = zr_ctx_new();
    if (!ctx)
        zrp_throw(aTHX_ "zmq_ctx_new", zr_errno(), NULL);
    Newxz(c, 1, zrp_ctx);
    c->ctx = ctx;
    c->gen = zrp_fork_gen;
    c->pid = getpid();
    c->die_on_error = 1;
    RETVAL = zrp_wrap(aTHX_ klass, &zrp_ctx_vtbl, c);
  OUTPUT:
    RETVAL

void
set(self, opt, value)
    SV *self
    int opt
    SV *value
  PPCODE:
    int v;
    const char *why;
    zrp_ctx *c = zrp_ctx_call(aTHX_ self);
    if (!c->ctx)
        croak("ZMQ::Rust: the context was destroyed");
    SvGETMAGIC(value);
    if ((why = zrp_int_arg(aTHX_ value, ZR_OPT_INT, &v))) {
        zrp_ctx_fail_e(aTHX_ c, "zmq_ctx_set", EINVAL, why);
        XSRETURN_EMPTY;
    }
    if (zr_ctx_set(c->ctx, opt, v) != 0) {
        zrp_ctx_fail(c, "zmq_ctx_set");
        XSRETURN_EMPTY;
    }
    XSRETURN_YES;

void
get(self, opt)
    SV *self
    int opt
  PPCODE:
    int v;
    zrp_ctx *c = zrp_ctx_call(aTHX_ self);
    if (!c->ctx)
        croak("ZMQ::Rust: the context was destroyed");
    if (zr_ctx_get(c->ctx, opt, &v) != 0) {
        zrp_ctx_fail(c, "zmq_ctx_get");
        XSRETURN_EMPTY;
    }
    mXPUSHi(v);

void
_set_socket_linger(self, value)
    SV *self
    SV *value
  PPCODE:
    int linger;
    const char *why;
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    SvGETMAGIC(value);
    if ((why = zrp_int_arg(aTHX_ value, ZR_OPT_INT, &linger)))
        zrp_throw(aTHX_ "zmq_ctx_set", EINVAL, why);
    if (!c->ctx || zr_ctx_set_socket_linger(c->ctx, linger) != 0)
        zrp_throw(aTHX_ "zmq_ctx_set", c->ctx ? zr_errno() : EFAULT, NULL);
    XSRETURN_YES;

SV *
_socket(self, type)
    SV *self
    int type
  CODE:
    zrp_sock *s;
    struct zr_socket *sock;
    zrp_ctx *c = zrp_ctx_call(aTHX_ self);
    if (!c->ctx)
        croak("ZMQ::Rust: the context was destroyed");
    sock = zr_socket_new(c->ctx, type);
    if (!sock) {
        zrp_ctx_fail(c, "zmq_socket");
        XSRETURN_UNDEF;
    }
    Newxz(s, 1, zrp_sock);
    s->sock = sock;
    s->gen = zrp_fork_gen;
    s->pid = getpid();
    s->ctx_sv = newSVsv(self); /* our own reference, not the caller's variable */
    s->die_on_error = 1;
    s->type = type;
    RETVAL = zrp_wrap(aTHX_ "ZMQ::Rust::Socket", &zrp_sock_vtbl, s);
  OUTPUT:
    RETVAL

int
_term(self, timeout_ms)
    SV *self
    int timeout_ms
  CODE:
    /* Waits for the context's sockets to close and their messages to leave: 1 when that
     * happened, 0 when timeout_ms (-1: no limit) ran out first, -1 when a signal arrived and
     * its handler returned (one that dies ends the call). */
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    if (!c->ctx)
        XSRETURN_YES;
    if (zr_ctx_term(c->ctx, timeout_ms) == 0)
        RETVAL = 1;
    else if (zr_errno() == EINTR) {
        PERL_ASYNC_CHECK();
        RETVAL = -1;
    }
    else
        RETVAL = 0;
  OUTPUT:
    RETVAL

void
_release(self)
    SV *self
  PPCODE:
    zrp_ctx *c = (zrp_ctx *)zrp_find(aTHX_ self, &zrp_ctx_vtbl, "ZMQ::Rust::Context")->mg_ptr;
    if (c->ctx && c->gen == zrp_fork_gen)
        zr_ctx_destroy(c->ctx);
    c->ctx = NULL;
    XSRETURN_EMPTY;

int
is_destroyed(self)
    SV *self
  CODE:
    zrp_ctx *c = (zrp_ctx *)zrp_find(aTHX_ self, &zrp_ctx_vtbl, "ZMQ::Rust::Context")->mg_ptr;
    RETVAL = c->ctx == NULL;
  OUTPUT:
    RETVAL

int
_forked(self)
    SV *self
  ALIAS:
    _cloned = 1
  CODE:
    zrp_ctx *c = (zrp_ctx *)zrp_find(aTHX_ self, &zrp_ctx_vtbl, "ZMQ::Rust::Context")->mg_ptr;
    RETVAL = ix ? c->cloned : c->gen != zrp_fork_gen;
  OUTPUT:
    RETVAL

void
die_on_error(self, ...)
    SV *self
  PPCODE:
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    if (items > 1)
        c->die_on_error = SvTRUE(ST(1));
    mXPUSHi(c->die_on_error);

void
_set_last_errno(self, e)
    SV *self
    int e
  PPCODE:
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    c->last_errno = e;
    XSRETURN_EMPTY;

void
last_errno(self)
    SV *self
  PPCODE:
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    mXPUSHi(c->last_errno);

void
last_strerror(self)
    SV *self
  PPCODE:
    zrp_ctx *c = zrp_ctx_get(aTHX_ self);
    XPUSHs(sv_2mortal(newSVpv(c->last_errno ? zr_strerror(c->last_errno) : "", 0)));

MODULE = ZMQ::Rust    PACKAGE = ZMQ::Rust::Socket

void
bind(self, endpoint = &PL_sv_undef)
    SV *self
    SV *endpoint
  ALIAS:
    connect = 1
    unbind = 2
    disconnect = 3
  PPCODE:
    static const char *const fn[] = { "zmq_bind", "zmq_connect", "zmq_unbind", "zmq_disconnect" };
    static const char *const method[] = { "bind", "connect", "unbind", "disconnect" };
    STRLEN len;
    const char *ep;
    int rc;
    SOCK_OR_EMPTY(s, self);
    ep = zrp_endpoint(aTHX_ endpoint, &len, method[ix]);
    switch (ix) {
    case 0: rc = zr_socket_bind(s->sock, (const uint8_t *)ep, len); break;
    case 1: rc = zr_socket_connect(s->sock, (const uint8_t *)ep, len); break;
    case 2: rc = zr_socket_unbind(s->sock, (const uint8_t *)ep, len); break;
    default: rc = zr_socket_disconnect(s->sock, (const uint8_t *)ep, len); break;
    }
    if (rc != 0) {
        zrp_sock_fail(s, fn[ix]);
        XSRETURN_EMPTY;
    }
    XSRETURN_YES;

void
send(self, data = &PL_sv_undef, flags = 0)
    SV *self
    SV *data
    int flags
  PPCODE:
    STRLEN len;
    const char *p;
    int rc, err;
    SOCK_OR_EMPTY(s, self);
    p = zrp_bytes(aTHX_ data, &len, "send");
    ZRP_CALL(self, flags, zr_socket_send(s->sock, (const uint8_t *)p, len, flags));
    if (rc != 0) {
        zrp_sock_fail_e(aTHX_ s, "zmq_send", err, NULL);
        XSRETURN_EMPTY;
    }
    XSRETURN_YES;

void
send_multipart(self, parts = &PL_sv_undef, flags = 0)
    SV *self
    SV *parts
    int flags
  PPCODE:
    AV *av;
    SSize_t n, i;
    struct zr_iovec stackv[16];
    struct zr_iovec *iov = stackv;
    int rc, err;
    SOCK_OR_EMPTY(s, self);
    SvGETMAGIC(parts);
    if (!SvROK(parts) || SvTYPE(SvRV(parts)) != SVt_PVAV)
        croak("usage: send_multipart($parts, $flags)");
    av = (AV *)SvRV(parts);
    n = av_top_index(av) + 1;
    if (n == 0)
        croak("usage: send_multipart($parts, $flags)");
    if (n > 16) {
        Newx(iov, n, struct zr_iovec);
        SAVEFREEPV(iov); /* freed even if a frame check croaks */
    }
    for (i = 0; i < n; i++) {
        SV **svp = av_fetch(av, i, 0);
        STRLEN len;
        const char *p;
        if (!svp)
            croak("send_multipart: frame %d must be a defined string, got undef", (int)i);
        p = zrp_bytes(aTHX_ *svp, &len, "send_multipart");
        iov[i].base = (const uint8_t *)p;
        iov[i].len = len;
    }
    ZRP_CALL(self, flags, zr_socket_send_parts(s->sock, iov, (size_t)n, flags));
    if (rc != 0) {
        zrp_sock_fail_e(aTHX_ s, "zmq_send", err, NULL);
        XSRETURN_EMPTY;
    }
    XSRETURN_YES;

void
recv(self, flags = 0)
    SV *self
    int flags
  PPCODE:
    uint8_t *data;
    size_t len, cap;
    int more;
    int rc, err;
    SOCK_OR_EMPTY(s, self);
    ZRP_CALL(self, flags, zr_socket_recv_owned(s->sock, flags, &data, &len, &cap, &more));
    if (rc != 0) {
        zrp_sock_fail_e(aTHX_ s, "zmq_msg_recv", err, NULL);
        XSRETURN_EMPTY;
    }
    if (cap) {
        XPUSHs(sv_2mortal(zrp_frame_sv(aTHX_ data, len, cap)));
    } else {
        /* A copied frame goes into the call's pad target, as Perl's own string ops return
         * theirs: its buffer is reused from call to call, so `length $s->recv` or
         * `$codec->decode($s->recv)` allocate nothing. */
        dXSTARG;
        sv_setpvn(TARG, (const char *)data, len);
        SvUTF8_off(TARG);
        XPUSHTARG;
    }

void
recv_multipart(self, flags = 0)
    SV *self
    int flags
  PPCODE:
    const struct zr_owned_iovec *iov;
    size_t n, i;
    int rc, err;
    SOCK_OR_EMPTY(s, self);
    ZRP_CALL(self, flags, zr_socket_recv_parts_owned(s->sock, flags, &iov, &n));
    if (rc != 0) {
        zrp_sock_fail_e(aTHX_ s, "zmq_msg_recv", err, NULL);
        XSRETURN_EMPTY;
    }
    EXTEND(SP, (SSize_t)n);
    for (i = 0; i < n; i++)
        PUSHs(sv_2mortal(zrp_frame_sv(aTHX_ iov[i].base, iov[i].len, iov[i].cap)));

void
monitor(self, endpoint = &PL_sv_undef, events = 0xFFFF)
    SV *self
    SV *endpoint
    int events
  PPCODE:
    STRLEN len = 0;
    const char *ep = NULL;
    SOCK_OR_EMPTY(s, self);
    if (items < 2)
        croak("usage: $socket->monitor($endpoint, $events)");
    SvGETMAGIC(endpoint);
    if (SvOK(endpoint)) {
        if (SvROK(endpoint))
            croak("usage: $socket->monitor($endpoint, $events)");
        ep = SvPV_nomg(endpoint, len);
    }
    if (zr_socket_monitor(s->sock, (const uint8_t *)ep, len, events) != 0) {
        zrp_sock_fail(aTHX_ s, "zmq_socket_monitor");
        XSRETURN_EMPTY;
    }
    XSRETURN_YES;

void
get(self, opt = -1, type = NULL)
    SV *self
    int opt
    const char *type
  PPCODE:
    int code;
    SV *v;
    SOCK_OR_EMPTY(s, self);
    if (items < 3)
        croak("usage: $socket->get($option, $type)");
    code = zrp_type_code(aTHX_ type);
    v = zrp_getopt(aTHX_ s, opt, code);
    if (!v)
        XSRETURN_EMPTY;
    XPUSHs(sv_2mortal(v));

void
set(self, opt = -1, type = NULL, value = &PL_sv_undef)
    SV *self
    int opt
    const char *type
    SV *value
  PPCODE:
    int code;
    SOCK_OR_EMPTY(s, self);
    if (items < 4)
        croak("usage: $socket->set($option, $type, $value)");
    code = zrp_type_code(aTHX_ type);
    if (zrp_setopt(aTHX_ s, opt, code, value) != 0)
        XSRETURN_EMPTY;
    XSRETURN_YES;

void
get_linger(self)
    SV *self
  ALIAS:
    get_fd = 1
    get_rcvmore = 2
    get_type = 3
  PPCODE:
    static const int opts[] = { ZR_SOCKOPT_LINGER, ZR_SOCKOPT_FD, ZR_SOCKOPT_RCVMORE, ZR_SOCKOPT_TYPE };
    SV *v;
    SOCK_OR_EMPTY(s, self);
    v = zrp_getopt(aTHX_ s, opts[ix], ZR_OPT_INT);
    if (!v)
        XSRETURN_EMPTY;
    XPUSHs(sv_2mortal(v));

void
set_linger(self, value = &PL_sv_undef)
    SV *self
    SV *value
  PPCODE:
    SOCK_OR_EMPTY(s, self);
    if (items < 2)
        croak("usage: $socket->set_linger($ms)");
    if (zrp_setopt(aTHX_ s, ZR_SOCKOPT_LINGER, ZR_OPT_INT, value) != 0)
        XSRETURN_EMPTY;
    XSRETURN_YES;

void
get_identity(self)
    SV *self
  ALIAS:
    last_endpoint = 1
  PPCODE:
    SV *v;
    SOCK_OR_EMPTY(s, self);
    v = zrp_getopt(aTHX_ s, ix ? ZR_SOCKOPT_LAST_ENDPOINT : ZR_SOCKOPT_ROUTING_ID,
                   ix ? ZR_OPT_STRING : ZR_OPT_BINARY);
    if (!v)
        XSRETURN_EMPTY;
    XPUSHs(sv_2mortal(v));

void
set_identity(self, value = &PL_sv_undef)
    SV *self
    SV *value
  ALIAS:
    subscribe = 1
    unsubscribe = 2
  PPCODE:
    static const int opts[] = { ZR_SOCKOPT_ROUTING_ID, ZR_SOCKOPT_SUBSCRIBE, ZR_SOCKOPT_UNSUBSCRIBE };
    static const char *const method[] = { "set_identity", "subscribe", "unsubscribe" };
    SOCK_OR_EMPTY(s, self);
    if (items < 2)
        croak("usage: $socket->%s($bytes)", method[ix]);
    if (zrp_setopt(aTHX_ s, opts[ix], ZR_OPT_BINARY, value) != 0)
        XSRETURN_EMPTY;
    XSRETURN_YES;

void
has_pollin(self)
    SV *self
  ALIAS:
    has_pollout = 2
    events = 3
  PPCODE:
    int ev;
    SOCK_OR_EMPTY(s, self);
    ev = zr_socket_events(s->sock);
    if (ev < 0) {
        zrp_sock_fail(s, "zmq_getsockopt");
        XSRETURN_EMPTY;
    }
    mXPUSHi(ev & (ix ? ix : 1));

void
close(self)
    SV *self
  PPCODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    /* Idempotent; harmless in a forked child or a cloned thread (nothing to close there). */
    if (s->closed || !s->sock || s->gen != zrp_fork_gen)
        XSRETURN_EMPTY;
    s->closed = 1;
    zr_socket_close(s->sock);
    XSRETURN_EMPTY;

int
_usable(self)
    SV *self
  CODE:
    /* 1 if the socket can be used, 0 if it is closed (no warning); croaks for a socket of
     * another process or interpreter thread, as every method does. */
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    if (s->gen != zrp_fork_gen)
        zrp_croak_forked(aTHX_ "socket", s->pid);
    if (!s->sock)
        croak("ZMQ::Rust: a socket cannot be used from an interpreter thread other than the one "
              "that created it; create sockets in each thread from the shared context");
    RETVAL = !s->closed;
  OUTPUT:
    RETVAL

int
is_closed(self)
    SV *self
  CODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    RETVAL = s->closed || !s->sock;
  OUTPUT:
    RETVAL

void
context(self)
    SV *self
  PPCODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    if (!s->ctx_sv)
        XSRETURN_UNDEF;
    XPUSHs(sv_2mortal(newSVsv(s->ctx_sv)));

void
type(self)
    SV *self
  PPCODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    mXPUSHi(s->type);

void
die_on_error(self, ...)
    SV *self
  PPCODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    if (items > 1)
        s->die_on_error = SvTRUE(ST(1));
    mXPUSHi(s->die_on_error);

void
last_errno(self)
    SV *self
  PPCODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    mXPUSHi(s->last_errno);

void
last_strerror(self)
    SV *self
  PPCODE:
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    XPUSHs(sv_2mortal(newSVpv(s->last_errno ? zr_strerror(s->last_errno) : "", 0)));

void
has_error(self)
    SV *self
  PPCODE:
    /* The errno itself (true when the last call failed), as ZMQ::FFI's has_error. */
    zrp_sock *s = zrp_sock_raw(aTHX_ self);
    mXPUSHi(s->last_errno);
