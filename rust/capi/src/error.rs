//! Thread-local error state and the panic boundary around every export.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use zmq_rust_core::Error;

/// errno reported when the engine panicked (a bug): "State not recoverable".
pub(crate) const ZR_EPANIC: i32 = libc::ENOTRECOVERABLE;

thread_local! {
    static LAST: RefCell<(i32, CString)> = RefCell::new((0, CString::default()));
    static STRERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `e` as this thread's last error and returns -1.
pub(crate) fn fail(e: &Error) -> i32 {
    set_last(e.errno(), &e.to_string());
    -1
}

pub(crate) fn set_last(errno: i32, msg: &str) {
    let msg = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST.with(|l| *l.borrow_mut() = (errno, msg));
}

pub(crate) fn last_errno() -> i32 {
    LAST.with(|l| l.borrow().0)
}

pub(crate) fn last_message() -> *const c_char {
    LAST.with(|l| l.borrow().1.as_ptr())
}

pub(crate) fn strerror_ptr(errnum: i32) -> *const c_char {
    let s = CString::new(zmq_rust_core::strerror(errnum)).unwrap_or_default();
    STRERROR.with(|c| {
        *c.borrow_mut() = s;
        c.borrow().as_ptr()
    })
}

/// Runs `f`, turning a panic into `on_panic` plus errno ZR_EPANIC with the panic's text.
pub(crate) fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last(
                ZR_EPANIC,
                &format!("internal error in the ZMQ::Rust engine: {what}"),
            );
            on_panic
        }
    }
}

/// Shorthand: a `Result<()>` as 0 or -1.
pub(crate) fn status(r: zmq_rust_core::Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => fail(&e),
    }
}
