//! Reads from a descriptor into a buffer's free space.

use bytes::BytesMut;
use std::io;
use std::os::fd::RawFd;

/// Reads once from `fd` into at most `max` bytes of `buf`'s free space (`max` > 0 and no
/// more than that space) and appends what arrived; returns the count, 0 at end of file. The
/// space is handed to the kernel as it is, not zero-filled first: a 1 MiB read costs one
/// copy, not a fill and a copy.
#[inline]
pub(crate) fn read_to_spare(fd: RawFd, buf: &mut BytesMut, max: usize) -> io::Result<usize> {
    let spare = buf.spare_capacity_mut();
    let room = spare.len().min(max);
    debug_assert!(room > 0, "read with no room");
    // SAFETY: `spare` is at least `room` bytes of writable memory owned by `buf`; read(2)
    // writes at most `room` bytes there and nothing else.
    let n = super::cvt(unsafe { libc::read(fd, spare.as_mut_ptr().cast(), room) })?;
    let n = (n as usize).min(room);
    // SAFETY: read(2) initialised the first `n` bytes of the free space.
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn reads_what_arrived_up_to_max() {
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        a.write_all(b"hello world").unwrap();
        let mut buf = BytesMut::with_capacity(64);
        buf.extend_from_slice(b">");
        assert_eq!(read_to_spare(b.as_raw_fd(), &mut buf, 5).unwrap(), 5);
        assert_eq!(&buf[..], b">hello");
        assert_eq!(read_to_spare(b.as_raw_fd(), &mut buf, 64).unwrap(), 6);
        assert_eq!(&buf[..], b">hello world");
        b.set_nonblocking(true).unwrap();
        let e = read_to_spare(b.as_raw_fd(), &mut buf, 64).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        drop(a);
        assert_eq!(read_to_spare(b.as_raw_fd(), &mut buf, 64).unwrap(), 0);
    }
}
