//! zmq_proxy and zmq_proxy_steerable.

use crate::error::{fail, guard, status};
use crate::socket::{null_socket, zr_socket};
use zmq_rust_core::Error;

/// zmq_proxy_steerable: forwards messages between `frontend` and `backend` (and copies them
/// to `capture` if not NULL) until the context is terminated (-1, ETERM), a signal arrives
/// (-1, EINTR: call again to go on), or `control` (if not NULL) sends TERMINATE (0).
///
/// # Safety
/// `frontend` and `backend` are live handles; `capture` and `control` are NULL or live
/// handles; all four are distinct.
#[no_mangle]
pub unsafe extern "C" fn zr_proxy(
    frontend: *mut zr_socket,
    backend: *mut zr_socket,
    capture: *mut zr_socket,
    control: *mut zr_socket,
) -> i32 {
    guard(-1, || {
        let ptrs = [frontend, backend, capture, control];
        if frontend.is_null() || backend.is_null() {
            return null_socket();
        }
        for i in 0..4 {
            for j in (i + 1)..4 {
                if !ptrs[i].is_null() && ptrs[i] == ptrs[j] {
                    return fail(&Error::invalid("proxy sockets must be distinct"));
                }
            }
        }
        let mut stats = zmq_rust_core::proxy::ProxyStats::default();
        let r = zmq_rust_core::proxy::proxy(
            &mut (*frontend).sock,
            &mut (*backend).sock,
            capture.as_mut().map(|h| &mut h.sock),
            control.as_mut().map(|h| &mut h.sock),
            &mut stats,
        );
        status(r)
    })
}
