//! Socket options: value types, the numbers the Perl glue uses by name, get and set.

use crate::error::{fail, guard, status};
use crate::socket::{bytes_of, with_socket, zr_socket};
use std::os::raw::c_void;
use zmq_rust_core::{options, Error, OptType};

/// Option value types, as returned by [`zr_option_type`].
pub const ZR_OPT_INT: i32 = 0;
/// `int64_t` option.
pub const ZR_OPT_INT64: i32 = 1;
/// `uint64_t` option.
pub const ZR_OPT_UINT64: i32 = 2;
/// Bytes option.
pub const ZR_OPT_BINARY: i32 = 3;
/// String option (NUL-terminated when read).
pub const ZR_OPT_STRING: i32 = 4;

/// Numbers of the socket options the Perl glue reads and writes by name (libzmq's; a test
/// checks them against the engine's option table).
pub const ZR_SOCKOPT_ROUTING_ID: i32 = 5;
/// ZMQ_SUBSCRIBE.
pub const ZR_SOCKOPT_SUBSCRIBE: i32 = 6;
/// ZMQ_UNSUBSCRIBE.
pub const ZR_SOCKOPT_UNSUBSCRIBE: i32 = 7;
/// ZMQ_RCVMORE.
pub const ZR_SOCKOPT_RCVMORE: i32 = 13;
/// ZMQ_FD.
pub const ZR_SOCKOPT_FD: i32 = 14;
/// ZMQ_TYPE.
pub const ZR_SOCKOPT_TYPE: i32 = 16;
/// ZMQ_LINGER.
pub const ZR_SOCKOPT_LINGER: i32 = 17;
/// ZMQ_LAST_ENDPOINT.
pub const ZR_SOCKOPT_LAST_ENDPOINT: i32 = 32;

/// Sets a socket option from its raw encoding (as `zmq_setsockopt`).
///
/// # Safety
/// `s` is NULL or a live handle; `val` points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_setsockopt(
    s: *mut zr_socket,
    opt: i32,
    val: *const c_void,
    len: usize,
) -> i32 {
    with_socket!(s, -1, |h| match bytes_of(val.cast(), len) {
        Some(b) => status(h.sock.set_option(opt, b)),
        None => fail(&Error::invalid("NULL option value")),
    })
}

/// Reads a socket option (as `zmq_getsockopt`): `*len` is the buffer size on entry and the
/// value's size on return (strings include their NUL). EINVAL if the buffer is too small.
///
/// # Safety
/// `s` is NULL or a live handle; `buf` has `*len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_getsockopt(
    s: *mut zr_socket,
    opt: i32,
    buf: *mut c_void,
    len: *mut usize,
) -> i32 {
    with_socket!(s, -1, |h| {
        if len.is_null() || (buf.is_null() && *len > 0) {
            return fail(&Error::invalid("NULL option buffer"));
        }
        match h.sock.get_option(opt) {
            Ok(v) => {
                let raw = v.to_raw();
                if raw.len() > *len {
                    return fail(&Error::invalid(format!(
                        "option buffer of {} bytes is too small for {} bytes",
                        *len,
                        raw.len()
                    )));
                }
                std::ptr::copy_nonoverlapping(raw.as_ptr(), buf.cast::<u8>(), raw.len());
                *len = raw.len();
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// The value type of socket option `opt` (ZR_OPT_*), or -1 if the option is unknown.
#[no_mangle]
pub extern "C" fn zr_option_type(opt: i32) -> i32 {
    guard(-1, || match options::spec(opt).map(|s| s.ty) {
        Some(OptType::Int) => ZR_OPT_INT,
        Some(OptType::Int64) => ZR_OPT_INT64,
        Some(OptType::Uint64) => ZR_OPT_UINT64,
        Some(OptType::Binary) => ZR_OPT_BINARY,
        Some(OptType::Str) => ZR_OPT_STRING,
        None => -1,
    })
}
