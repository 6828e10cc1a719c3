//! Frames handed over to the caller: a large received frame becomes the caller's buffer
//! (freed with `zr_buf_free`) instead of being copied.

use crate::error::fail;
use crate::socket::{with_socket, zr_socket};
use bytes::Bytes;
use zmq_rust_core::Error;

/// A received frame that is either borrowed (`cap` 0: valid until the next receive or close
/// on the socket) or handed over (`cap` > 0: see [`zr_socket_recv_owned`]).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct zr_owned_iovec {
    /// First byte.
    pub base: *mut u8,
    /// Length in bytes.
    pub len: usize,
    /// Size of the block the caller now owns, or 0 if borrowed.
    pub cap: usize,
}

/// Frames at least this large may be handed over by [`zr_socket_recv_owned`] instead of
/// being borrowed (the engine's decoder gives bodies this large a buffer of their own).
/// Smaller ones are cheap to copy, and copying them keeps malloc's reuse pattern: a program
/// that frees a batch of handed-over 64 KiB strings at once lets glibc give the top of the
/// heap back to the kernel and fault it in again for the next batch (the Perl send+recv loop
/// at 64 KiB ran 4 to 13 times slower that way). 128 KiB is also glibc's default mmap
/// threshold.
pub const ZR_OWNED_MIN: usize = 128 * 1024;

/// Receives one frame, as [`zr_socket_recv`], and hands its buffer over when it can: when
/// the frame is at least [`ZR_OWNED_MIN`] bytes and nothing else holds its buffer, `*cap` is
/// set to the buffer's size and `*data` is the caller's:
/// a block from the C library's `malloc` (this library uses the system allocator) of `*cap`
/// bytes holding the `*len` bytes of the frame followed by a NUL byte, to be released with
/// `free` (or [`zr_buf_free`]). Otherwise `*cap` is 0 and `*data` is borrowed as with
/// [`zr_socket_recv`]. A receiver that would copy the frame anyway (into a string of its
/// own, say) saves the copy.
///
/// # Safety
/// `s` is NULL or a live handle; the out-pointers are valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_recv_owned(
    s: *mut zr_socket,
    flags: i32,
    data: *mut *mut u8,
    len: *mut usize,
    cap: *mut usize,
    more: *mut i32,
) -> i32 {
    with_socket!(s, -1, |h| {
        if data.is_null() || len.is_null() || cap.is_null() {
            return fail(&Error::invalid("NULL out-pointer"));
        }
        match h.sock.recv(flags) {
            Ok(f) => {
                if !more.is_null() {
                    *more = i32::from(f.more);
                }
                let v = match hand_over(f.data) {
                    Ok(v) => {
                        h.last = Bytes::new();
                        v
                    }
                    Err(frame) => {
                        h.last = frame;
                        borrowed(&h.last)
                    }
                };
                *data = v.base;
                *len = v.len;
                *cap = v.cap;
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// The buffer of `frame` as a C string block the caller owns, if the frame is large and
/// unshared; the frame back otherwise. The engine gives such frames exact buffers (sent ones
/// are copies, received large bodies have buffers of their own), so the NUL is added by a
/// one-byte `realloc`, which malloc does in place unless the size is just below a chunk's.
fn hand_over(frame: Bytes) -> Result<zr_owned_iovec, Bytes> {
    if frame.len() < ZR_OWNED_MIN {
        return Err(frame);
    }
    let mut v: Vec<u8> = frame.try_into_mut()?.into();
    v.reserve_exact(1);
    v.push(0);
    let mut v = std::mem::ManuallyDrop::new(v);
    Ok(zr_owned_iovec {
        base: v.as_mut_ptr(),
        len: v.len() - 1,
        cap: v.capacity(),
    })
}

/// A borrowed view of `frame` (`cap` 0).
fn borrowed(frame: &Bytes) -> zr_owned_iovec {
    zr_owned_iovec {
        base: frame.as_ptr().cast_mut(),
        len: frame.len(),
        cap: 0,
    }
}

/// Receives every frame of the next message, as [`zr_socket_recv_parts`], handing large
/// frames over as [`zr_socket_recv_owned`] does: `*parts` points to `*n` entries (valid
/// until the next receive or close); an entry with a non-zero `cap` is the caller's to free.
///
/// # Safety
/// `s` is NULL or a live handle; the out-pointers are valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zr_socket_recv_parts_owned(
    s: *mut zr_socket,
    flags: i32,
    parts: *mut *const zr_owned_iovec,
    n: *mut usize,
) -> i32 {
    with_socket!(s, -1, |h| {
        if parts.is_null() || n.is_null() {
            return fail(&Error::invalid("NULL out-pointer"));
        }
        match h.sock.recv_parts(flags) {
            Ok(frames) => {
                h.parts.clear();
                h.owned_iov.clear();
                for f in frames {
                    match hand_over(f) {
                        Ok(v) => h.owned_iov.push(v),
                        Err(f) => {
                            h.owned_iov.push(borrowed(&f));
                            // Moving a Bytes into the Vec does not move its bytes.
                            h.parts.push(f);
                        }
                    }
                }
                *parts = h.owned_iov.as_ptr();
                *n = h.owned_iov.len();
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// Releases a buffer handed over by [`zr_socket_recv_owned`] (`cap` as it reported).
///
/// # Safety
/// `buf` and `cap` come from one successful `zr_socket_recv_owned` with a non-zero `cap`,
/// and the buffer has not been released yet; NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn zr_buf_free(buf: *mut u8, cap: usize) {
    if !buf.is_null() && cap > 0 {
        drop(Vec::from_raw_parts(buf, 0, cap));
    }
}
