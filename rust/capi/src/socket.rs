//! Socket handles: create, close, bind and connect, send, receive (borrowed frames), events,
//! monitor.

use crate::buf::zr_owned_iovec;
use crate::ctx::zr_ctx;
use crate::error::{fail, guard, set_last, status};
use bytes::Bytes;
use zmq_rust_core::{Error, Socket, SocketType};

/// An opaque socket handle. It owns the last received frame(s) so that the pointers handed
/// out by `zr_socket_recv*` stay valid until the next receive on the same socket.
pub struct zr_socket {
    pub(crate) sock: Socket,
    pub(crate) last: Bytes,
    pub(crate) parts: Vec<Bytes>,
    pub(crate) iov: Vec<zr_iovec>,
    pub(crate) owned_iov: Vec<zr_owned_iovec>,
}

/// A borrowed byte buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zr_iovec {
    /// First byte.
    pub base: *const u8,
    /// Length in bytes.
    pub len: usize,
}

pub(crate) fn null_socket() -> i32 {
    set_last(libc::ENOTSOCK, "NULL socket handle");
    -1
}

pub(crate) unsafe fn bytes_of<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        Some(&[])
    } else if p.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(p, len))
    }
}

pub(crate) unsafe fn str_of<'a>(p: *const u8, len: usize) -> Result<&'a str, Error> {
    let b = bytes_of(p, len).ok_or_else(|| Error::invalid("NULL endpoint"))?;
    std::str::from_utf8(b).map_err(|_| Error::invalid("endpoint is not valid UTF-8"))
}

/// Creates a socket of libzmq type `ty` in `ctx`. Returns NULL on failure (EINVAL for an
/// unknown type, ETERM after termination, EMFILE past MAX_SOCKETS).
///
/// # Safety
/// `ctx` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_new(ctx: *const zr_ctx, ty: i32) -> *mut zr_socket {
    guard(std::ptr::null_mut(), || {
        let Some(c) = ctx.as_ref() else {
            set_last(libc::EFAULT, "NULL context handle");
            return std::ptr::null_mut();
        };
        let Some(t) = SocketType::from_i32(ty) else {
            fail(&Error::invalid(format!("unknown socket type {ty}")));
            return std::ptr::null_mut();
        };
        match c.ctx.socket(t) {
            Ok(sock) => Box::into_raw(Box::new(zr_socket {
                sock,
                last: Bytes::new(),
                parts: Vec::new(),
                iov: Vec::new(),
                owned_iov: Vec::new(),
            })),
            Err(e) => {
                fail(&e);
                std::ptr::null_mut()
            }
        }
    })
}

/// Runs `$body` with `$h` the socket handle behind `$s`, inside the panic boundary; a NULL
/// handle fails with ENOTSOCK.
macro_rules! with_socket {
    ($s:expr, $on_panic:expr, |$h:ident| $body:expr) => {
        $crate::error::guard($on_panic, || match $s.as_mut() {
            Some($h) => $body,
            None => $crate::socket::null_socket(),
        })
    };
}
pub(crate) use with_socket;

/// Closes the socket (idempotent). The handle stays valid until `zr_socket_destroy`;
/// other calls on it fail with ENOTSOCK.
///
/// # Safety
/// `s` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_close(s: *mut zr_socket) -> i32 {
    with_socket!(s, -1, |h| {
        h.sock.close();
        h.last = Bytes::new();
        h.parts.clear();
        h.iov.clear();
        h.owned_iov.clear();
        0
    })
}

/// Closes the socket if needed and frees the handle.
///
/// # Safety
/// `s` is NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_destroy(s: *mut zr_socket) {
    guard((), || {
        if !s.is_null() {
            drop(Box::from_raw(s));
        }
    })
}

unsafe fn endpoint_call(
    s: *mut zr_socket,
    ep: *const u8,
    len: usize,
    f: fn(&mut Socket, &str) -> zmq_rust_core::Result<()>,
) -> i32 {
    with_socket!(s, -1, |h| match str_of(ep, len) {
        Ok(e) => status(f(&mut h.sock, e)),
        Err(e) => fail(&e),
    })
}

/// Binds to an endpoint (`len` bytes at `ep`, no NUL needed).
///
/// # Safety
/// `s` is NULL or a live handle; `ep` points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_bind(s: *mut zr_socket, ep: *const u8, len: usize) -> i32 {
    endpoint_call(s, ep, len, Socket::bind)
}

/// Connects to an endpoint.
///
/// # Safety
/// `s` is NULL or a live handle; `ep` points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_connect(s: *mut zr_socket, ep: *const u8, len: usize) -> i32 {
    endpoint_call(s, ep, len, Socket::connect)
}

/// Unbinds from an endpoint.
///
/// # Safety
/// `s` is NULL or a live handle; `ep` points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_unbind(s: *mut zr_socket, ep: *const u8, len: usize) -> i32 {
    endpoint_call(s, ep, len, Socket::unbind)
}

/// Disconnects from an endpoint.
///
/// # Safety
/// `s` is NULL or a live handle; `ep` points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_disconnect(s: *mut zr_socket, ep: *const u8, len: usize) -> i32 {
    endpoint_call(s, ep, len, Socket::disconnect)
}

/// Send/recv flag: go on with the blocking call a signal just interrupted (EINTR), within
/// what was left of its timeout, instead of starting a new one.
pub const ZR_RESUME: i32 = 1 << 24;

/// Sends one frame (copied). `flags`: ZMQ_DONTWAIT (1), ZMQ_SNDMORE (2), ZR_RESUME.
///
/// # Safety
/// `s` is NULL or a live handle; `buf` points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_send(
    s: *mut zr_socket,
    buf: *const u8,
    len: usize,
    flags: i32,
) -> i32 {
    with_socket!(s, -1, |h| match bytes_of(buf, len) {
        Some(b) => status(h.sock.send(Bytes::copy_from_slice(b), flags)),
        None => fail(&Error::invalid("NULL buffer")),
    })
}

/// Sends a whole message of `n` frames (copied) in one call.
///
/// # Safety
/// `s` is NULL or a live handle; `parts` points to `n` iovecs whose buffers are valid.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_send_parts(
    s: *mut zr_socket,
    parts: *const zr_iovec,
    n: usize,
    flags: i32,
) -> i32 {
    with_socket!(s, -1, |h| {
        let Some(iov) = (if n == 0 {
            Some(&[][..])
        } else {
            (!parts.is_null()).then(|| std::slice::from_raw_parts(parts, n))
        }) else {
            return fail(&Error::invalid("NULL frame list"));
        };
        let mut frames = Vec::with_capacity(n);
        for v in iov {
            match bytes_of(v.base, v.len) {
                Some(b) => frames.push(Bytes::copy_from_slice(b)),
                None => return fail(&Error::invalid("NULL frame buffer")),
            }
        }
        status(h.sock.send_parts(frames, flags))
    })
}

/// Receives one frame. On success `*data`/`*len` describe it (valid until the next receive
/// or close on this socket) and `*more` tells whether more frames follow.
///
/// # Safety
/// `s` is NULL or a live handle; the out-pointers are valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_recv(
    s: *mut zr_socket,
    flags: i32,
    data: *mut *const u8,
    len: *mut usize,
    more: *mut i32,
) -> i32 {
    with_socket!(s, -1, |h| {
        if data.is_null() || len.is_null() {
            return fail(&Error::invalid("NULL out-pointer"));
        }
        match h.sock.recv(flags) {
            Ok(f) => {
                h.last = f.data;
                *data = h.last.as_ptr();
                *len = h.last.len();
                if !more.is_null() {
                    *more = i32::from(f.more);
                }
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// Receives every frame of the next message. On success `*parts` points to `*n` iovecs,
/// valid until the next receive or close on this socket.
///
/// # Safety
/// `s` is NULL or a live handle; the out-pointers are valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_recv_parts(
    s: *mut zr_socket,
    flags: i32,
    parts: *mut *const zr_iovec,
    n: *mut usize,
) -> i32 {
    with_socket!(s, -1, |h| {
        if parts.is_null() || n.is_null() {
            return fail(&Error::invalid("NULL out-pointer"));
        }
        match h.sock.recv_parts(flags) {
            Ok(v) => {
                h.parts = v;
                h.iov.clear();
                h.iov.extend(h.parts.iter().map(|b| zr_iovec {
                    base: b.as_ptr(),
                    len: b.len(),
                }));
                *parts = h.iov.as_ptr();
                *n = h.iov.len();
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// ZMQ_EVENTS: POLLIN (1) | POLLOUT (2), or -1.
///
/// # Safety
/// `s` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_events(s: *mut zr_socket) -> i32 {
    with_socket!(s, -1, |h| match h.sock.events() {
        Ok(ev) => ev,
        Err(e) => fail(&e),
    })
}

/// True (1) if the last frame received had more frames after it.
///
/// # Safety
/// `s` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_rcvmore(s: *mut zr_socket) -> i32 {
    with_socket!(s, -1, |h| i32::from(h.sock.rcvmore()))
}

/// The socket's type, or -1.
///
/// # Safety
/// `s` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_type(s: *mut zr_socket) -> i32 {
    with_socket!(s, -1, |h| h.sock.socket_type() as i32)
}

/// True (1) once the socket is closed.
///
/// # Safety
/// `s` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_is_closed(s: *mut zr_socket) -> i32 {
    with_socket!(s, -1, |h| i32::from(h.sock.is_closed()))
}

/// zmq_socket_monitor: sends the socket's connection events (`events`: ZMQ_EVENT_* mask)
/// to a PAIR socket bound at the inproc endpoint `ep` (`len` bytes), or stops monitoring
/// when `ep` is NULL.
///
/// # Safety
/// `s` is NULL or a live handle; `ep` is NULL or points to `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_monitor(
    s: *mut zr_socket,
    ep: *const u8,
    len: usize,
    events: i32,
) -> i32 {
    with_socket!(s, -1, |h| {
        if ep.is_null() {
            return status(h.sock.monitor(None, events));
        }
        match str_of(ep, len) {
            Ok(e) => status(h.sock.monitor(Some(e), events)),
            Err(e) => fail(&e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;
    use zmq_rust_core::options;

    #[test]
    fn header_constants_match_the_engine() {
        use options::id;
        assert_eq!(ZR_RESUME, zmq_rust_core::RESUME);
        for (ours, engine) in [
            (ZR_SOCKOPT_ROUTING_ID, id::ROUTING_ID),
            (ZR_SOCKOPT_SUBSCRIBE, id::SUBSCRIBE),
            (ZR_SOCKOPT_UNSUBSCRIBE, id::UNSUBSCRIBE),
            (ZR_SOCKOPT_RCVMORE, id::RCVMORE),
            (ZR_SOCKOPT_FD, id::FD),
            (ZR_SOCKOPT_TYPE, id::TYPE),
            (ZR_SOCKOPT_LINGER, id::LINGER),
            (ZR_SOCKOPT_LAST_ENDPOINT, id::LAST_ENDPOINT),
        ] {
            assert_eq!(ours, engine);
        }
    }

    const PAIR: i32 = 0;
    const PUB: i32 = 1;
    const SUB: i32 = 2;
    const RCVTIMEO: i32 = 27;
    const SUBSCRIBE: i32 = 6;
    const LAST_ENDPOINT: i32 = 32;

    unsafe fn socket(ctx: *const crate::ctx::zr_ctx, ty: i32) -> *mut zr_socket {
        let s = zr_socket_new(ctx, ty);
        assert!(!s.is_null());
        let t: i32 = 5000;
        assert_eq!(
            zr_socket_setsockopt(s, RCVTIMEO, (&t as *const i32).cast(), 4),
            0
        );
        s
    }

    unsafe fn bind(s: *mut zr_socket, ep: &str) -> String {
        assert_eq!(zr_socket_bind(s, ep.as_ptr(), ep.len()), 0);
        let mut buf = [0u8; 256];
        let mut len = buf.len();
        assert_eq!(
            zr_socket_getsockopt(s, LAST_ENDPOINT, buf.as_mut_ptr().cast(), &mut len),
            0
        );
        String::from_utf8_lossy(&buf[..len])
            .trim_end_matches('\0')
            .to_string()
    }

    /// (data, len, cap) of the next frame.
    unsafe fn recv_owned(s: *mut zr_socket) -> (*mut u8, usize, usize) {
        let (mut data, mut len, mut cap, mut more) = (std::ptr::null_mut(), 0, 0, -1);
        assert_eq!(
            zr_socket_recv_owned(s, 0, &mut data, &mut len, &mut cap, &mut more),
            0
        );
        assert_eq!(more, 0);
        (data, len, cap)
    }

    fn payload(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn large_frames_are_handed_over_small_ones_borrowed() {
        unsafe {
            let ctx = zr_ctx_new();
            for ep in ["inproc://owned", "tcp://127.0.0.1:*", "ipc://*"] {
                let a = socket(ctx, PAIR);
                let b = socket(ctx, PAIR);
                let real = bind(a, ep);
                assert_eq!(zr_socket_connect(b, real.as_ptr(), real.len()), 0);
                for n in [ZR_OWNED_MIN, 1 << 20, 100, ZR_OWNED_MIN - 1] {
                    let m = payload(n);
                    assert_eq!(zr_socket_send(b, m.as_ptr(), n, 0), 0);
                    let (data, len, cap) = recv_owned(a);
                    assert_eq!(len, n, "{ep}");
                    assert!(std::slice::from_raw_parts(data, len) == &m[..], "{ep} {n}");
                    if n >= ZR_OWNED_MIN {
                        assert!(cap > len, "{ep}: {n} bytes handed over");
                        assert_eq!(*data.add(len), 0, "NUL after the frame");
                        // A malloc block: free() releases it (what Perl does with it).
                        libc::free(data.cast());
                    } else {
                        assert_eq!(cap, 0, "{ep}: {n} bytes borrowed");
                    }
                }
                let m = payload(1 << 17);
                assert_eq!(zr_socket_send(b, m.as_ptr(), m.len(), 0), 0);
                let (data, len, cap) = recv_owned(a);
                assert!(cap > 0 && len == m.len());
                zr_buf_free(data, cap);
                zr_socket_destroy(a);
                zr_socket_destroy(b);
            }
            zr_ctx_destroy(ctx);
        }
    }

    #[test]
    fn multipart_hands_over_its_large_frames() {
        unsafe {
            let ctx = zr_ctx_new();
            for ep in ["inproc://owned-parts", "tcp://127.0.0.1:*"] {
                let a = socket(ctx, PAIR);
                let b = socket(ctx, PAIR);
                let real = bind(a, ep);
                assert_eq!(zr_socket_connect(b, real.as_ptr(), real.len()), 0);
                let big = payload(200_000);
                let frames = [&b"id"[..], &big[..], &b""[..], &big[..ZR_OWNED_MIN]];
                let iov: Vec<zr_iovec> = frames
                    .iter()
                    .map(|f| zr_iovec {
                        base: f.as_ptr(),
                        len: f.len(),
                    })
                    .collect();
                assert_eq!(zr_socket_send_parts(b, iov.as_ptr(), iov.len(), 0), 0);
                let (mut parts, mut n) = (std::ptr::null(), 0);
                assert_eq!(zr_socket_recv_parts_owned(a, 0, &mut parts, &mut n), 0);
                assert_eq!(n, 4, "{ep}");
                let got = std::slice::from_raw_parts(parts, n);
                for (g, want) in got.iter().zip(frames) {
                    assert!(std::slice::from_raw_parts(g.base, g.len) == want, "{ep}");
                    if want.len() >= ZR_OWNED_MIN {
                        assert!(g.cap > g.len, "{ep}: {} bytes handed over", g.len);
                        assert_eq!(*g.base.add(g.len), 0);
                        zr_buf_free(g.base, g.cap);
                    } else {
                        assert_eq!(g.cap, 0, "{ep}: {} bytes borrowed", g.len);
                    }
                }
                zr_socket_destroy(a);
                zr_socket_destroy(b);
            }
            zr_ctx_destroy(ctx);
        }
    }

    #[test]
    fn a_frame_shared_by_two_subscribers_is_borrowed() {
        unsafe {
            let ctx = zr_ctx_new();
            let p = socket(ctx, PUB);
            bind(p, "inproc://owned-fanout");
            let subs = [socket(ctx, SUB), socket(ctx, SUB)];
            for s in subs {
                assert_eq!(zr_socket_setsockopt(s, SUBSCRIBE, [].as_ptr(), 0), 0);
                let ep = "inproc://owned-fanout";
                assert_eq!(zr_socket_connect(s, ep.as_ptr(), ep.len()), 0);
            }
            let m = payload(1 << 18);
            assert_eq!(zr_socket_send(p, m.as_ptr(), m.len(), 0), 0);
            for s in subs {
                let (data, len, cap) = recv_owned(s);
                assert_eq!(cap, 0, "the other subscriber holds the same buffer");
                assert!(std::slice::from_raw_parts(data, len) == &m[..]);
            }
            for s in subs {
                zr_socket_destroy(s);
            }
            zr_socket_destroy(p);
            zr_ctx_destroy(ctx);
        }
    }
}
