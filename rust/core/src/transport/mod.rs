//! Transports: how an endpoint's address is bound, accepted on, connected to and released.
//!
//! inproc:// joins two sockets of one context with a pipe pair, found through the context's
//! registry of bound names ([`inproc`]). Every other transport carries ZMTP over a byte stream
//! that an I/O thread serves: each implements [`Transport`] in its own file and is registered
//! once in the `transports!` list below, which builds the types the rest of the engine uses
//! ([`Listener`], [`Target`], [`Stream`]) and the functions that pick a transport by endpoint
//! ([`bind`], [`target`]). These are enums over the registered transports, so every call is a
//! `match`: a connection's reads and writes cost what they cost on the bare mio socket.
//!
//! A new transport is its scheme in [`Endpoint`], its file here, and its line in the list.

pub(crate) mod inproc;
mod ipc;
mod tcp;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use mio::event::Source;
use std::fmt::Debug;
use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsRawFd, RawFd};

/// The socket options that binding and connect-target parsing depend on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NetOptions {
    /// IPV6 (on the socket or its context): IPv6 addresses are allowed and `*` binds
    /// dual-stack.
    pub(crate) ipv6: bool,
    /// BACKLOG: the length of a listener's queue of pending connections.
    pub(crate) backlog: i32,
}

/// The socket options applied to each new connection. An option not set (negative; for the
/// keepalive counts and TOS, zero too) leaves the system's default.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamOptions {
    pub(crate) sndbuf: i32,
    pub(crate) rcvbuf: i32,
    pub(crate) tcp_keepalive: i32,
    pub(crate) tcp_keepalive_cnt: i32,
    pub(crate) tcp_keepalive_idle: i32,
    pub(crate) tcp_keepalive_intvl: i32,
    pub(crate) tos: i32,
}

/// A transport an I/O thread serves: ZMTP over a byte stream. Implemented by a unit type per
/// transport; the functions take the transport's own listener, target and stream types.
pub(crate) trait Transport {
    /// A bound, non-blocking listening socket.
    type Listener: Source + AsRawFd + Debug + Send;
    /// A parsed connect target.
    type Target: Clone + Debug + Send;
    /// A non-blocking connection.
    type Stream: Source + Read + Write + AsRawFd + Debug + Send;

    /// A started connect is still in progress, and CONNECT_DELAYED says so (libzmq reports it
    /// for tcp; an ipc connect is done at once and reports CONNECTED only).
    const CONNECT_DELAYED: bool;

    /// Binds `addr` (the endpoint after `scheme://`) in the caller's thread, so that errors
    /// such as EADDRINUSE come back from bind. Returns the listener and the endpoint as
    /// LAST_ENDPOINT shows it, wildcards resolved (the port given, the path made).
    fn bind(addr: &str, o: &NetOptions) -> Result<(Self::Listener, String)>;
    /// Accepts one waiting connection (WouldBlock when none waits).
    fn accept(l: &Self::Listener) -> io::Result<Self::Stream>;
    /// The listener closes for good: removes what `bind` left behind (an ipc path).
    fn close(l: &mut Self::Listener);
    /// Parses a connect target. Names that need resolving are resolved at each attempt.
    fn target(addr: &str, o: &NetOptions) -> Result<Self::Target>;
    /// Starts a non-blocking connect; it is done when the stream becomes writable.
    fn connect(t: &Self::Target) -> io::Result<Self::Stream>;
    /// After a started connect became writable: whether it succeeded.
    fn connected(s: &Self::Stream) -> bool;
    /// Applies the socket's options to a new connection (accepted or connected).
    fn configure(s: &Self::Stream, o: &StreamOptions);
    /// The peer's address as a ZAP request carries it (libzmq: the IP without the port for
    /// tcp, `localhost:uid:gid:pid` for ipc).
    fn zap_address(s: &Self::Stream) -> String;
}

/// Registers the stream transports: `Name => Type`, where `Name` is the [`Endpoint`] variant
/// of the transport's scheme and `Type` implements [`Transport`]. Builds the enums over them
/// and the dispatch of each operation to the transport's own function.
macro_rules! transports {
    ($($name:ident => $t:ty),+ $(,)?) => {
        /// A bound listening socket, handed to an I/O thread.
        #[derive(Debug)]
        pub(crate) enum Listener {
            $($name(<$t as Transport>::Listener),)+
        }

        /// Where a connecter connects to.
        #[derive(Clone, Debug)]
        pub(crate) enum Target {
            $($name(<$t as Transport>::Target),)+
        }

        /// A connection's byte stream.
        #[derive(Debug)]
        pub(crate) enum Stream {
            $($name(<$t as Transport>::Stream),)+
        }

        /// Binds `ep` (see [`Transport::bind`]). inproc is bound through the context's
        /// registry instead, and is EPROTONOSUPPORT here, as is any scheme no transport
        /// serves.
        pub(crate) fn bind(ep: &Endpoint, o: &NetOptions) -> Result<(Listener, String)> {
            match ep {
                $(Endpoint::$name(addr) => {
                    <$t>::bind(addr, o).map(|(l, shown)| (Listener::$name(l), shown))
                })+
                _ => Err(Error::ProtocolNotSupported),
            }
        }

        /// Parses `ep` as a connect target (see [`Transport::target`]).
        pub(crate) fn target(ep: &Endpoint, o: &NetOptions) -> Result<Target> {
            match ep {
                $(Endpoint::$name(addr) => <$t>::target(addr, o).map(Target::$name),)+
                _ => Err(Error::ProtocolNotSupported),
            }
        }

        impl Listener {
            /// The listening socket's fd (for monitor events).
            pub(crate) fn fd(&self) -> RawFd {
                match self {
                    $(Listener::$name(l) => l.as_raw_fd(),)+
                }
            }

            /// What the reactor registers.
            pub(crate) fn source(&mut self) -> &mut dyn Source {
                match self {
                    $(Listener::$name(l) => l,)+
                }
            }

            /// Accepts one waiting connection (WouldBlock when none waits).
            pub(crate) fn accept(&self) -> io::Result<Stream> {
                match self {
                    $(Listener::$name(l) => <$t>::accept(l).map(Stream::$name),)+
                }
            }

            /// Removes what the bind left behind; the listener is closing for good.
            pub(crate) fn close(&mut self) {
                match self {
                    $(Listener::$name(l) => <$t>::close(l),)+
                }
            }
        }

        impl Target {
            /// Starts a non-blocking connect.
            pub(crate) fn connect(&self) -> io::Result<Stream> {
                match self {
                    $(Target::$name(t) => <$t>::connect(t).map(Stream::$name),)+
                }
            }

            /// A started connect is reported as CONNECT_DELAYED.
            pub(crate) fn connect_delayed(&self) -> bool {
                match self {
                    $(Target::$name(_) => <$t>::CONNECT_DELAYED,)+
                }
            }
        }

        impl Stream {
            /// The fd as monitor events carry it.
            pub(crate) fn fd(&self) -> u32 {
                self.raw_fd() as u32
            }

            /// The connection's fd.
            pub(crate) fn zap_address(&self) -> String {
                match self {
                    $(Stream::$name(s) => <$t>::zap_address(s),)+
                }
            }

            pub(crate) fn raw_fd(&self) -> RawFd {
                match self {
                    $(Stream::$name(s) => s.as_raw_fd(),)+
                }
            }

            /// What the reactor registers.
            pub(crate) fn source(&mut self) -> &mut dyn Source {
                match self {
                    $(Stream::$name(s) => s,)+
                }
            }

            /// After a started connect became writable: whether it succeeded.
            pub(crate) fn connected(&self) -> bool {
                match self {
                    $(Stream::$name(s) => <$t>::connected(s),)+
                }
            }

            /// Applies the socket's options to this new connection.
            pub(crate) fn configure(&self, o: &StreamOptions) {
                match self {
                    $(Stream::$name(s) => <$t>::configure(s, o),)+
                }
            }
        }

        impl Read for Stream {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self {
                    $(Stream::$name(s) => s.read(buf),)+
                }
            }
        }

        impl Write for Stream {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                match self {
                    $(Stream::$name(s) => s.write(buf),)+
                }
            }
            fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                match self {
                    $(Stream::$name(s) => s.write_vectored(bufs),)+
                }
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
    };
}

transports! {
    Tcp => tcp::Tcp,
    Ipc => ipc::Ipc,
}

impl Stream {
    /// Reads once into the free space of `buf`, at most `room` bytes (see
    /// [`crate::zmtp::codec::Decoder::read_target`]); `Ok(0)` is end of file.
    #[inline]
    pub(crate) fn read_into(&self, buf: &mut bytes::BytesMut, room: usize) -> io::Result<usize> {
        crate::sys::fd::read_to_spare(self.raw_fd(), buf, room)
    }
}

/// Sets an int socket option, ignoring failure (the option is advisory, as in libzmq).
fn set_int_option(fd: RawFd, level: i32, name: i32, v: i32) {
    let _ = crate::sys::socket::set_int_option(fd, level, name, v);
}

/// SNDBUF and RCVBUF, which every stream transport takes.
fn set_buffers(fd: RawFd, o: &StreamOptions) {
    if o.sndbuf >= 0 {
        set_int_option(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf);
    }
    if o.rcvbuf >= 0 {
        set_int_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    const OPTS: NetOptions = NetOptions {
        ipv6: false,
        backlog: 16,
    };

    /// Retries `f` while it fails with WouldBlock or returns None, for at most 5 s.
    fn eventually<T>(mut f: impl FnMut() -> io::Result<Option<T>>) -> T {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match f() {
                Ok(Some(v)) => return v,
                Ok(None) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
            assert!(Instant::now() < deadline, "timed out");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn stream_transports_bind_connect_accept_and_close() {
        for (ep, delayed) in [("tcp://127.0.0.1:*", true), ("ipc://*", false)] {
            let (mut l, shown) = bind(&Endpoint::parse(ep).unwrap(), &OPTS).unwrap();
            assert!(!shown.ends_with('*'), "{shown}");
            let t = target(&Endpoint::parse(&shown).unwrap(), &OPTS).unwrap();
            assert_eq!(t.connect_delayed(), delayed, "{ep}");
            let mut out = t.connect().unwrap();
            let mut inc = eventually(|| l.accept().map(Some));
            eventually(|| Ok(out.connected().then_some(())));
            out.configure(&StreamOptions {
                sndbuf: -1,
                rcvbuf: -1,
                tcp_keepalive: 1,
                tcp_keepalive_cnt: 0,
                tcp_keepalive_idle: 0,
                tcp_keepalive_intvl: 0,
                tos: 0,
            });
            assert_eq!(out.write(b"ping").unwrap(), 4);
            let mut buf = [0u8; 4];
            eventually(|| inc.read(&mut buf).map(|n| (n == 4).then_some(())));
            assert_eq!(&buf, b"ping");
            l.close();
            if let Some(path) = shown.strip_prefix("ipc://") {
                let path = std::path::Path::new(path);
                assert!(!path.exists(), "{shown} is left behind");
                assert!(
                    !path.parent().unwrap().exists(),
                    "the ipc://* directory is left behind"
                );
            }
        }
    }

    #[test]
    fn inproc_is_not_a_stream_transport() {
        let ep = Endpoint::parse("inproc://x").unwrap();
        assert_eq!(bind(&ep, &OPTS).unwrap_err(), Error::ProtocolNotSupported);
        assert_eq!(target(&ep, &OPTS).unwrap_err(), Error::ProtocolNotSupported);
    }
}
