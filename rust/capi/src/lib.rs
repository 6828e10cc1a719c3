//! C ABI of the ZMQ::Rust engine, linked into the Perl XS module as a static library.
//!
//! Conventions (as in rustls-ffi): every function is prefixed `zr_`; handles are opaque;
//! functions return 0 (or a handle/value) on success and -1 (or NULL) on failure, with the
//! error retrievable through [`zr_errno`] and [`zr_last_error`] on the same thread;
//! out-parameters are written only on success; every pointer is checked; no panic crosses
//! the boundary (it becomes errno `ENOTRECOVERABLE` with a message).
//!
//! Handles are not thread-safe: a socket must be used by one thread at a time. A context
//! handle may be shared.

#![allow(non_camel_case_types)]
#![warn(missing_docs)]

mod buf;
mod ctx;
mod error;
mod keys;
mod option;
mod poll;
mod proxy;
mod socket;

pub use buf::*;
pub use ctx::*;
pub use keys::*;
pub use option::*;
pub use poll::*;
pub use proxy::*;
pub use socket::*;

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

/// libzmq's base for its own errno values.
pub const ZR_HAUSNUMERO: i32 = 156_384_712;
/// Operation not valid in the socket's current state.
pub const ZR_EFSM: i32 = 156_384_763;
/// Transport not compatible with the socket type.
pub const ZR_ENOCOMPATPROTO: i32 = 156_384_764;
/// Context terminated.
pub const ZR_ETERM: i32 = 156_384_765;
/// No I/O thread available.
pub const ZR_EMTHREAD: i32 = 156_384_766;

/// The errno of the last failed call on this thread.
#[no_mangle]
pub extern "C" fn zr_errno() -> i32 {
    error::last_errno()
}

/// A description of the last failed call on this thread (valid until the next failure).
#[no_mangle]
pub extern "C" fn zr_last_error() -> *const c_char {
    error::last_message()
}

/// Text for an errno value, including libzmq's own numbers (valid until the next call on
/// this thread).
#[no_mangle]
pub extern "C" fn zr_strerror(errnum: i32) -> *const c_char {
    error::guard(std::ptr::null(), || error::strerror_ptr(errnum))
}

/// The `index`th errno value the engine knows by name (0, 1, ... until it returns -1): its
/// number in `*value` and its name (e.g. "ETERM", a static string) in `*name`. These are the
/// values the engine reports, and every name libzmq's `zmq.h` defines, with this OS's numbers
/// and libzmq's own for EFSM, ENOCOMPATPROTO, ETERM and EMTHREAD. EINVAL past the last one.
///
/// # Safety
/// Each pointer is NULL (not wanted) or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_errno_at(
    index: usize,
    value: *mut i32,
    name: *mut *const c_char,
) -> i32 {
    error::guard(-1, || {
        let Some(&(_, v)) = zmq_rust_core::ERRNOS.get(index) else {
            return error::fail(&zmq_rust_core::Error::invalid(format!(
                "no errno at index {index}"
            )));
        };
        static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            zmq_rust_core::ERRNOS
                .iter()
                .map(|(n, _)| CString::new(*n).unwrap_or_default())
                .collect()
        });
        option::write_out(value, v);
        option::write_out(name, names[index].as_ptr());
        0
    })
}

/// Marks the program as exiting (non-zero) or not: sockets closed while it exits linger at
/// most a bounded time and report the messages they drop on stderr.
#[no_mangle]
pub extern "C" fn zr_set_exiting(on: i32) {
    error::guard((), || zmq_rust_core::set_exiting(on != 0))
}

/// The longest (ms) a socket closed during exit waits for its queued messages.
pub const ZR_EXIT_LINGER_MAX_MS: i32 = 2000;

/// The libzmq version whose behaviour and protocol this engine follows.
///
/// # Safety
/// Each pointer is NULL or valid for writing an int.
#[no_mangle]
pub unsafe extern "C" fn zr_version(major: *mut i32, minor: *mut i32, patch: *mut i32) {
    let (a, b, c) = zmq_rust_core::ZMQ_VERSION;
    for (p, v) in [(major, a), (minor, b), (patch, c)] {
        if !p.is_null() {
            *p = v;
        }
    }
}

#[cfg(test)]
mod constants_test;
#[cfg(test)]
mod header_test;

#[cfg(test)]
mod tests {
    #[test]
    fn errno_constants_match_the_core() {
        assert_eq!(super::ZR_HAUSNUMERO, zmq_rust_core::HAUSNUMERO);
        assert_eq!(super::ZR_EFSM, zmq_rust_core::EFSM);
        assert_eq!(super::ZR_ENOCOMPATPROTO, zmq_rust_core::ENOCOMPATPROTO);
        assert_eq!(super::ZR_ETERM, zmq_rust_core::ETERM);
        assert_eq!(super::ZR_EMTHREAD, zmq_rust_core::EMTHREAD);
        assert_eq!(
            super::ZR_EXIT_LINGER_MAX_MS,
            zmq_rust_core::EXIT_LINGER_MAX_MS
        );
    }
}
