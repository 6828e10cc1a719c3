//! Context handles.

use crate::error::{fail, guard, set_last, status};
use std::time::{Duration, Instant};
use zmq_rust_core::Context;

/// An opaque context handle.
pub struct zr_ctx {
    pub(crate) ctx: Context,
}

fn einval_null() -> i32 {
    set_last(libc::EFAULT, "NULL context handle");
    -1
}

/// Creates a context. Returns NULL on failure.
#[no_mangle]
pub extern "C" fn zr_ctx_new() -> *mut zr_ctx {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(zr_ctx {
            ctx: Context::new(),
        }))
    })
}

/// Another handle to the same context (for a second interpreter thread).
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_clone(ctx: *const zr_ctx) -> *mut zr_ctx {
    guard(std::ptr::null_mut(), || match ctx.as_ref() {
        Some(c) => Box::into_raw(Box::new(zr_ctx { ctx: c.ctx.clone() })),
        None => {
            einval_null();
            std::ptr::null_mut()
        }
    })
}

/// Sets a context option (libzmq numbering).
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_set(ctx: *const zr_ctx, option: i32, value: i32) -> i32 {
    guard(-1, || match ctx.as_ref() {
        Some(c) => status(c.ctx.set(option, value)),
        None => einval_null(),
    })
}

/// Reads a context option into `*value`.
///
/// # Safety
/// `ctx` is NULL or a live handle; `value` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_get(ctx: *const zr_ctx, option: i32, value: *mut i32) -> i32 {
    guard(-1, || match (ctx.as_ref(), value.is_null()) {
        (Some(c), false) => match c.ctx.get(option) {
            Ok(v) => {
                *value = v;
                0
            }
            Err(e) => fail(&e),
        },
        _ => einval_null(),
    })
}

/// Sets the LINGER new sockets start with; -2 restores libzmq's default rule.
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_set_socket_linger(ctx: *const zr_ctx, linger: i32) -> i32 {
    guard(-1, || match ctx.as_ref() {
        Some(c) => status(
            c.ctx
                .set_socket_linger(if linger == -2 { None } else { Some(linger) }),
        ),
        None => einval_null(),
    })
}

/// Interrupts every socket of the context: blocking calls fail with ETERM.
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_shutdown(ctx: *const zr_ctx) -> i32 {
    guard(-1, || match ctx.as_ref() {
        Some(c) => {
            c.ctx.shutdown();
            0
        }
        None => einval_null(),
    })
}

/// Shuts the context down and waits up to `timeout_ms` (-1: forever) for every socket to be
/// closed and for what they queued to be sent within their LINGER. Returns 0 when that is
/// done, -1 with EAGAIN when the time ran out, and -1 with EINTR when a signal arrived (the
/// caller runs its handlers, and calls again to keep waiting).
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_term(ctx: *const zr_ctx, timeout_ms: i32) -> i32 {
    guard(-1, || match ctx.as_ref() {
        Some(c) => {
            c.ctx.shutdown();
            let deadline = (timeout_ms >= 0)
                .then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
            // Every socket closed, then every lingering message sent (or its LINGER over).
            match c.ctx.wait_terminated(deadline) {
                Ok(true) => 0,
                Ok(false) => fail(&zmq_rust_core::Error::Again),
                Err(e) => fail(&e),
            }
        }
        None => einval_null(),
    })
}

/// Number of sockets of the context that are not closed yet.
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_socket_count(ctx: *const zr_ctx) -> i32 {
    guard(-1, || match ctx.as_ref() {
        Some(c) => c.ctx.socket_count() as i32,
        None => einval_null(),
    })
}

/// Releases the handle. Does not wait: sockets still open keep the context alive.
///
/// # Safety
/// `ctx` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn zr_ctx_destroy(ctx: *mut zr_ctx) {
    guard((), || {
        if !ctx.is_null() {
            drop(Box::from_raw(ctx));
        }
    })
}
