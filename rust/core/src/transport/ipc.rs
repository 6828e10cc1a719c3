//! ipc://: unix-domain sockets at a filesystem path, at an abstract name (Linux, `@name`) or
//! at a fresh private path (`ipc://*`); the path is unlinked when the listener closes.

use super::{set_buffers, NetOptions, StreamOptions, Transport};
use crate::error::{Error, Result};
use mio::event::Source;
use mio::net::UnixStream;
use mio::{Interest, Registry, Token};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

/// The ipc transport.
#[derive(Debug)]
pub(crate) struct Ipc;

impl Transport for Ipc {
    type Listener = Listener;
    /// The path or `@name`.
    type Target = String;
    type Stream = UnixStream;

    const CONNECT_DELAYED: bool = false;

    fn bind(addr: &str, _: &NetOptions) -> Result<(Listener, String)> {
        bind_ipc(addr)
    }

    fn accept(l: &Listener) -> io::Result<UnixStream> {
        l.sock.accept().map(|(s, _)| s)
    }

    fn close(l: &mut Listener) {
        if let Some(p) = &l.path {
            let _ = std::fs::remove_file(p);
            if l.own_dir {
                // ipc://* made a private directory for the socket.
                if let Some(dir) = p.parent() {
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
    }

    fn target(addr: &str, _: &NetOptions) -> Result<String> {
        ipc_target(addr)
    }

    fn connect(path: &String) -> io::Result<UnixStream> {
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

    fn connected(s: &UnixStream) -> bool {
        matches!(s.take_error(), Ok(None)) && s.peer_addr().is_ok()
    }

    fn configure(s: &UnixStream, o: &StreamOptions) {
        set_buffers(s.as_raw_fd(), o);
    }

    fn zap_address(s: &UnixStream) -> String {
        crate::sys::socket::peer_credentials(s.as_raw_fd()).unwrap_or_default()
    }
}

/// A listening unix-domain socket and what its closing removes.
#[derive(Debug)]
pub(crate) struct Listener {
    sock: mio::net::UnixListener,
    /// The path to unlink when the listener closes (none for an abstract name).
    path: Option<PathBuf>,
    /// The path's directory was made for it (ipc://*) and goes too.
    own_dir: bool,
}

impl Listener {
    /// `sock` must be non-blocking.
    fn new(sock: UnixListener, path: Option<PathBuf>, own_dir: bool) -> Listener {
        Listener {
            sock: mio::net::UnixListener::from_std(sock),
            path,
            own_dir,
        }
    }
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, token: Token, interests: Interest) -> io::Result<()> {
        self.sock.register(r, token, interests)
    }

    fn reregister(&mut self, r: &Registry, token: Token, interests: Interest) -> io::Result<()> {
        self.sock.reregister(r, token, interests)
    }

    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        self.sock.deregister(r)
    }
}

/// Longest ipc path (sun_path less its NUL).
const SUN_PATH_MAX: usize = 107;

/// Binds `ipc://path`, `ipc://@abstract` or `ipc://*` (a fresh private directory).
fn bind_ipc(path: &str) -> Result<(Listener, String)> {
    if let Some(name) = path.strip_prefix('@') {
        return bind_abstract(name)
            .map(|l| (Listener::new(l, None, false), format!("ipc://{path}")));
    }
    let private_dir = path == "*";
    let path = if private_dir {
        wildcard_ipc_path()?
    } else {
        PathBuf::from(path)
    };
    if path.as_os_str().len() > SUN_PATH_MAX {
        return Err(path_too_long(&path.display().to_string()));
    }
    // libzmq takes the path over from whatever was there.
    let _ = std::fs::remove_file(&path);
    let l = UnixListener::bind(&path).map_err(Error::from)?;
    l.set_nonblocking(true)?;
    let shown = format!("ipc://{}", path.display());
    Ok((Listener::new(l, Some(path), private_dir), shown))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn bind_abstract(name: &str) -> Result<UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    let l = UnixListener::bind_addr(&addr)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn bind_abstract(_name: &str) -> Result<UnixListener> {
    Err(Error::invalid(
        "abstract ipc names (ipc://@name) exist only on Linux",
    ))
}

fn wildcard_ipc_path() -> Result<PathBuf> {
    let base = ["TMPDIR", "TEMPDIR", "TMP"]
        .iter()
        .find_map(std::env::var_os)
        .map(PathBuf::from);
    // Without a temporary directory, libzmq uses a path relative to the working directory.
    let template_path = match base {
        Some(b) => b.join("tmpXXXXXX"),
        None => PathBuf::from("tmpXXXXXX"),
    };
    let dir = crate::sys::fs::make_temp_dir(template_path)?;
    Ok(dir.join("socket"))
}

/// Parses an ipc connect target: a path, or an abstract name (Linux, `@name`).
fn ipc_target(path: &str) -> Result<String> {
    if path == "*" {
        return Err(Error::invalid("ipc://* can only be bound"));
    }
    if path.len() > SUN_PATH_MAX {
        return Err(path_too_long(path));
    }
    Ok(path.to_string())
}

/// libzmq reports an over-long ipc path as ENAMETOOLONG.
fn path_too_long(path: &str) -> Error {
    Error::Os(
        libc::ENAMETOOLONG,
        format!("File name too long: ipc path '{path}' is longer than {SUN_PATH_MAX} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipc_wildcard_and_abstract() {
        let (l, ep) = bind_ipc("*").unwrap();
        assert!(ep.starts_with("ipc://") && ep.ends_with("/socket"), "{ep}");
        if let Listener {
            path: Some(p),
            own_dir: true,
            ..
        } = l
        {
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_dir(p.parent().unwrap());
        } else {
            panic!("ipc://* must make a private directory");
        }
        if cfg!(target_os = "linux") {
            let name = format!("@zr-test-{}", std::process::id());
            let (_l, ep) = bind_ipc(&name).unwrap();
            assert_eq!(ep, format!("ipc://{name}"));
        }
    }
}
