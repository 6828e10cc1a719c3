//! zmq_poll over socket handles and file descriptors.

use crate::error::{fail, guard};
use crate::socket::zr_socket;
use zmq_rust_core::poll::{self, PollItem, Target};
use zmq_rust_core::{Error, Socket};

/// One entry of a poll set: a socket, or (when `socket` is NULL) a file descriptor.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zr_pollitem {
    /// The socket, or NULL to poll `fd`.
    pub socket: *mut zr_socket,
    /// The file descriptor (when `socket` is NULL).
    pub fd: i32,
    /// ZMQ_POLLIN | ZMQ_POLLOUT (| ZMQ_POLLERR | ZMQ_POLLPRI for fds).
    pub events: i16,
    /// Set on return: what is ready.
    pub revents: i16,
}

/// zmq_poll: waits up to `timeout_ms` (-1: no limit, 0: do not wait) until an item is
/// ready. Returns the number of ready items, or -1 (ETERM when a socket's context was
/// terminated, EINTR on a signal). A socket may appear more than once; closed sockets are
/// never ready. After EINTR, `*left_ms` (when `left_ms` is not NULL) is what is left of the
/// timeout, for a call that goes on waiting.
///
/// # Safety
/// `items` points to `n` items whose socket pointers are NULL or live handles; `left_ms` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zr_poll(
    items: *mut zr_pollitem,
    n: usize,
    timeout_ms: i64,
    left_ms: *mut i64,
) -> i32 {
    // Read only when the wait may be interrupted and resumed.
    let start = (timeout_ms > 0 && !left_ms.is_null()).then(std::time::Instant::now);
    guard(-1, || {
        if n > 0 && items.is_null() {
            return fail(&Error::invalid("NULL poll items"));
        }
        let items: &mut [zr_pollitem] = if n == 0 {
            &mut []
        } else {
            std::slice::from_raw_parts_mut(items, n)
        };
        // Each distinct socket is borrowed once, even if it appears in several items.
        let mut handles: Vec<*mut zr_socket> = Vec::new();
        let mut core_items = Vec::with_capacity(n);
        for it in items.iter() {
            let target = if it.socket.is_null() {
                Target::Fd(it.fd)
            } else {
                let idx = match handles.iter().position(|&h| h == it.socket) {
                    Some(i) => i,
                    None => {
                        handles.push(it.socket);
                        handles.len() - 1
                    }
                };
                Target::Socket(idx)
            };
            core_items.push(PollItem {
                target,
                events: it.events,
                revents: 0,
            });
        }
        let mut socks: Vec<&mut Socket> = handles.iter().map(|&h| &mut (*h).sock).collect();
        match poll::poll(&mut socks, &mut core_items, timeout_ms) {
            Ok(ready) => {
                for (it, c) in items.iter_mut().zip(core_items.iter()) {
                    it.revents = c.revents;
                }
                ready as i32
            }
            Err(e) => {
                if e == Error::Interrupted && !left_ms.is_null() {
                    *left_ms = match start {
                        Some(t0) => {
                            let spent = t0.elapsed().as_millis().min(i64::MAX as u128) as i64;
                            timeout_ms.saturating_sub(spent).max(0)
                        }
                        None => timeout_ms,
                    };
                }
                fail(&e)
            }
        }
    })
}
