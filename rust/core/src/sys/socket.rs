//! Socket calls std and mio do not make for us: integer socket options, a tcp listener with
//! libzmq's backlog and dual-stack setting, and the address of a network interface.

use super::cvt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::os::fd::{FromRawFd, RawFd};

/// Sets an `int` socket option (`level`, `name` as in setsockopt(2)).
pub(crate) fn set_int_option(fd: RawFd, level: i32, name: i32, v: i32) -> io::Result<()> {
    // SAFETY: passes a pointer to a local int and its size; the kernel only reads it.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&v as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    })?;
    Ok(())
}

/// The credentials of a unix-domain socket's peer, as libzmq writes them into a ZAP
/// request's address frame: `localhost:uid:gid:pid`. `None` where the system cannot say.
#[cfg(target_os = "linux")]
pub(crate) fn peer_credentials(fd: RawFd) -> Option<String> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: passes a pointer to a local ucred and its size; the kernel writes at most that.
    cvt(unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    })
    .ok()?;
    Some(format!("localhost:{}:{}:{}", cred.uid, cred.gid, cred.pid))
}

/// See the Linux version; elsewhere the peer's credentials are not asked for.
#[cfg(not(target_os = "linux"))]
pub(crate) fn peer_credentials(_fd: RawFd) -> Option<String> {
    None
}

/// A blocking, close-on-exec tcp socket listening on `sa` with SO_REUSEADDR (and, for IPv6,
/// dual-stack as libzmq: IPV6_V6ONLY off), with a backlog of `backlog` (at least 1).
pub(crate) fn tcp_listener(sa: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let domain = if sa.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: socket(2) takes no pointers.
    let fd = cvt(unsafe { libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: `fd` is a new descriptor that nothing else owns; the listener closes it.
    let listener = unsafe { TcpListener::from_raw_fd(fd) };
    let _ = set_int_option(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1);
    if domain == libc::AF_INET6 {
        let _ = set_int_option(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 0);
    }
    let (storage, len) = sockaddr_of(&sa);
    // SAFETY: `storage` holds a sockaddr of `len` bytes for the call.
    cvt(unsafe { libc::bind(fd, (&storage as *const libc::sockaddr_storage).cast(), len) })?;
    // SAFETY: listen(2) takes no pointers.
    cvt(unsafe { libc::listen(fd, backlog.max(1)) })?;
    Ok(listener)
}

/// `sa` as a C socket address and its length.
fn sockaddr_of(sa: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid; we fill the variant that fits.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match sa {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*a.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in and suitably aligned.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// The first IPv4 address of the network interface `name` (or its first IPv6 one when
/// `ipv6` allows and it has no IPv4 address); None if there is no such interface.
pub(crate) fn interface_addr(name: &str, ipv6: bool) -> Option<IpAddr> {
    let mut found = None;
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes the head of a list it allocates into `list`.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return None;
    }
    let mut cur = list;
    // SAFETY: the list is walked read-only while it lives; each node's name and address are
    // NULL or valid, and an address of family AF_INET/AF_INET6 is a sockaddr_in/_in6.
    unsafe {
        while !cur.is_null() {
            let ifa = &*cur;
            cur = ifa.ifa_next;
            if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
                continue;
            }
            if std::ffi::CStr::from_ptr(ifa.ifa_name).to_bytes() != name.as_bytes() {
                continue;
            }
            match i32::from((*ifa.ifa_addr).sa_family) {
                libc::AF_INET => {
                    let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                    found = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                        sin.sin_addr.s_addr,
                    ))));
                    break;
                }
                libc::AF_INET6 if ipv6 && found.is_none() => {
                    let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                    found = Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
                }
                _ => {}
            }
        }
        // SAFETY: `list` came from getifaddrs and is freed once, after the walk.
        libc::freeifaddrs(list);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_listener_on_an_ephemeral_port_takes_connections() {
        let l = tcp_listener("127.0.0.1:0".parse().unwrap(), 5).unwrap();
        let addr = l.local_addr().unwrap();
        let _c = std::net::TcpStream::connect(addr).unwrap();
        let (s, _) = l.accept().unwrap();
        set_int_option(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1).unwrap();
        let e = tcp_listener(addr, 5).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn the_loopback_interface_has_an_address() {
        let lo = if cfg!(target_os = "linux") {
            "lo"
        } else {
            "lo0"
        };
        assert_eq!(
            interface_addr(lo, false),
            Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
        );
        assert_eq!(interface_addr("no-such-interface", true), None);
    }
}
