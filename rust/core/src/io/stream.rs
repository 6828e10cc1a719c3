//! The byte streams of connections (tcp, ipc) and the socket options applied to them.

use super::*;
use bytes::BytesMut;

/// A connected byte stream.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    pub(super) fn fd(&self) -> u32 {
        self.raw_fd() as u32
    }

    pub(crate) fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }

    /// Reads once into the free space of `buf`, at most `room` bytes (see
    /// [`crate::zmtp::codec::Decoder::read_target`]); what `read(2)` returned, `Ok(0)` being
    /// end of file.
    pub(crate) fn read_into(&self, buf: &mut BytesMut, room: usize) -> io::Result<usize> {
        Self::read_fd_into(self.raw_fd(), buf, room)
    }

    /// [`Stream::read_into`] for a descriptor: one `read(2)` from the stream `fd` into the
    /// free space of `buf`, at most `room` bytes, appended to `buf`. The free space is handed to
    /// the kernel as it is, not zero-filled first.
    pub(crate) fn read_fd_into(
        fd: std::os::fd::RawFd,
        buf: &mut BytesMut,
        room: usize,
    ) -> io::Result<usize> {
        let spare = buf.spare_capacity_mut();
        let room = spare.len().min(room);
        // SAFETY: `spare` is `room` bytes of writable memory owned by `buf`; read(2) writes
        // at most `room` bytes there and nothing else.
        let n = unsafe { libc::read(fd, spare.as_mut_ptr().cast(), room) };
        let Ok(n) = usize::try_from(n) else {
            return Err(io::Error::last_os_error());
        };
        let n = n.min(room);
        // SAFETY: read(2) initialised the first `n` bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        Ok(n)
    }

    pub(super) fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Stream::Tcp(s) => s,
            Stream::Unix(s) => s,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(super) fn ipc_connect(path: &str) -> io::Result<UnixStream> {
    if let Some(name) = path.strip_prefix('@') {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            return UnixStream::connect_addr(&addr);
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let _ = name;
            return Err(io::ErrorKind::Unsupported.into());
        }
    }
    UnixStream::connect(path)
}

pub(super) fn apply_stream_options(stream: &Stream, o: &SessionOptions) {
    use std::os::fd::AsRawFd;
    let fd = match stream {
        Stream::Tcp(s) => {
            let _ = s.set_nodelay(true);
            s.as_raw_fd()
        }
        Stream::Unix(s) => s.as_raw_fd(),
    };
    let set = |level: i32, name: i32, v: i32| {
        // SAFETY: setsockopt on a descriptor owned by the stream, with an int value.
        unsafe {
            libc::setsockopt(fd, level, name, (&v as *const i32).cast(), 4);
        }
    };
    if o.sndbuf >= 0 {
        set(libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf);
    }
    if o.rcvbuf >= 0 {
        set(libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf);
    }
    if matches!(stream, Stream::Tcp(_)) {
        if o.tcp_keepalive >= 0 {
            set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, o.tcp_keepalive);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            if o.tcp_keepalive_cnt > 0 {
                set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, o.tcp_keepalive_cnt);
            }
            if o.tcp_keepalive_idle > 0 {
                set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, o.tcp_keepalive_idle);
            }
            if o.tcp_keepalive_intvl > 0 {
                set(
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPINTVL,
                    o.tcp_keepalive_intvl,
                );
            }
        }
        if o.tos > 0 {
            set(libc::IPPROTO_IP, libc::IP_TOS, o.tos);
        }
    }
}
