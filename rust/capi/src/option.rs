//! Socket options: value types, the numbers the Perl glue uses by name, get and set.

use crate::error::{fail, guard, status};
use crate::socket::{bytes_of, with_socket, zr_socket};
use std::ffi::{c_char, CString};
use std::os::raw::c_void;
use std::sync::OnceLock;
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
    guard(-1, || options::spec(opt).map_or(-1, |s| type_code(s.ty)))
}

/// The `index`th row of the engine's option table (0, 1, ... until it returns -1): the
/// option's number in `*num`, its value type (ZR_OPT_*) in `*type`, and its libzmq name
/// without `ZMQ_` in `*name` (a static string). Lets a binding check its option constants
/// against the engine's. EINVAL past the last row.
///
/// # Safety
/// Each pointer is NULL (not wanted) or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_option_at(
    index: usize,
    num: *mut i32,
    r#type: *mut i32,
    name: *mut *const c_char,
) -> i32 {
    guard(-1, || {
        let Some(s) = options::TABLE.get(index) else {
            return fail(&Error::invalid(format!("no option at index {index}")));
        };
        static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            options::TABLE
                .iter()
                .map(|s| CString::new(s.name).unwrap_or_default())
                .collect()
        });
        write_out(num, s.num);
        write_out(r#type, type_code(s.ty));
        write_out(name, names[index].as_ptr());
        0
    })
}

/// ZR_OPT_* for an option type.
fn type_code(ty: OptType) -> i32 {
    match ty {
        OptType::Int => ZR_OPT_INT,
        OptType::Int64 => ZR_OPT_INT64,
        OptType::Uint64 => ZR_OPT_UINT64,
        OptType::Binary => ZR_OPT_BINARY,
        OptType::Str => ZR_OPT_STRING,
    }
}

/// Writes `v` to `p` unless it is NULL.
///
/// # Safety
/// `p` is NULL or valid for writing a `T`.
pub(crate) unsafe fn write_out<T>(p: *mut T, v: T) {
    if !p.is_null() {
        *p = v;
    }
}
