//! tcp://: `host:port` addresses (IPv4, `[IPv6]`, interface names, host names, `*`),
//! listening sockets bound in the caller's thread, connect targets resolved at each attempt,
//! and the options of tcp connections (TCP_NODELAY, keepalive, TOS).

use super::{set_buffers, set_int_option, NetOptions, StreamOptions, Transport};
use crate::error::{Error, Result};
use mio::net::{TcpListener, TcpStream};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;

/// The tcp transport.
#[derive(Debug)]
pub(crate) struct Tcp;

impl Transport for Tcp {
    type Listener = TcpListener;
    type Target = Target;
    type Stream = TcpStream;

    const CONNECT_DELAYED: bool = true;

    fn bind(addr: &str, o: &NetOptions) -> Result<(TcpListener, String)> {
        bind_tcp(addr, o.ipv6, o.backlog)
    }

    fn accept(l: &TcpListener) -> io::Result<TcpStream> {
        l.accept().map(|(s, _)| s)
    }

    fn close(_: &mut TcpListener) {}

    fn target(addr: &str, o: &NetOptions) -> Result<Target> {
        tcp_target(addr, o.ipv6)
    }

    fn connect(t: &Target) -> io::Result<TcpStream> {
        let mut last = io::Error::from(io::ErrorKind::AddrNotAvailable);
        for a in resolve(&t.host, t.port, t.ipv6)? {
            match TcpStream::connect(a) {
                Ok(s) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn connected(s: &TcpStream) -> bool {
        matches!(s.take_error(), Ok(None)) && s.peer_addr().is_ok()
    }

    fn configure(s: &TcpStream, o: &StreamOptions) {
        let _ = s.set_nodelay(true);
        let fd = s.as_raw_fd();
        set_buffers(fd, o);
        if o.tcp_keepalive >= 0 {
            set_int_option(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, o.tcp_keepalive);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            if o.tcp_keepalive_cnt > 0 {
                set_int_option(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPCNT,
                    o.tcp_keepalive_cnt,
                );
            }
            if o.tcp_keepalive_idle > 0 {
                set_int_option(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPIDLE,
                    o.tcp_keepalive_idle,
                );
            }
            if o.tcp_keepalive_intvl > 0 {
                set_int_option(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_KEEPINTVL,
                    o.tcp_keepalive_intvl,
                );
            }
        }
        if o.tos > 0 {
            set_int_option(fd, libc::IPPROTO_IP, libc::IP_TOS, o.tos);
        }
    }
}

/// A connect target: `host:port`, resolved at each connection attempt (libzmq resolves when
/// connecting).
#[derive(Clone, Debug)]
pub(crate) struct Target {
    host: String,
    port: u16,
    ipv6: bool,
}

fn split_host_port(addr: &str) -> Result<(&str, &str)> {
    let (host, port) = addr
        .rsplit_once(':')
        .ok_or_else(|| Error::invalid(format!("tcp address '{addr}' needs host:port")))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(Error::invalid(format!("tcp address '{addr}' has no host")));
    }
    Ok((host, port))
}

fn parse_port(port: &str, wildcard_ok: bool, addr: &str) -> Result<u16> {
    if port == "*" || port == "0" {
        if wildcard_ok {
            return Ok(0);
        }
        return Err(Error::invalid(format!(
            "tcp address '{addr}': connect needs a port number"
        )));
    }
    port.parse::<u16>()
        .map_err(|_| Error::invalid(format!("tcp address '{addr}': bad port '{port}'")))
}

/// Interface name -> its first IPv4 (or IPv6 when allowed) address.
fn interface_addr(name: &str, ipv6: bool) -> Option<IpAddr> {
    let mut found = None;
    // SAFETY: getifaddrs fills a linked list that we walk read-only and free below.
    unsafe {
        let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut list) != 0 {
            return None;
        }
        let mut cur = list;
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
        libc::freeifaddrs(list);
    }
    found
}

/// Binds `tcp://addr`. Returns the listener and the endpoint with the real port
/// (LAST_ENDPOINT), e.g. `tcp://127.0.0.1:46139`.
fn bind_tcp(addr: &str, ipv6: bool, backlog: i32) -> Result<(TcpListener, String)> {
    let (host, port) = split_host_port(addr)?;
    let port = parse_port(port, true, addr)?;
    let ip: IpAddr = if host == "*" {
        if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        if ip.is_ipv6() && !ipv6 {
            return Err(Error::invalid(format!(
                "tcp address '{addr}' is IPv6: set the IPV6 option"
            )));
        }
        ip
    } else if let Some(ip) = interface_addr(host, ipv6) {
        ip
    } else {
        // A host name: libzmq resolves it for bind too.
        (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut it| it.find(|a| ipv6 || a.is_ipv4()))
            .map(|a| a.ip())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "cannot bind to '{host}': no such interface or host"
                ))
            })?
    };
    let sa = SocketAddr::new(ip, port);
    let listener = listen_tcp(sa, backlog)?;
    let local = listener.local_addr()?;
    let shown = match local {
        SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
    };
    listener.set_nonblocking(true)?;
    Ok((TcpListener::from_std(listener), shown))
}

fn listen_tcp(sa: SocketAddr, backlog: i32) -> Result<std::net::TcpListener> {
    use std::os::fd::FromRawFd;
    let domain = if sa.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain socket calls on a descriptor we own until it is wrapped below.
    unsafe {
        let fd = libc::socket(domain, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(Error::last_os_error());
        }
        let listener = std::net::TcpListener::from_raw_fd(fd);
        let one: libc::c_int = 1;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            (&one as *const libc::c_int).cast(),
            4,
        );
        if domain == libc::AF_INET6 {
            // Dual-stack for `*` with IPV6 on, as libzmq.
            let zero: libc::c_int = 0;
            libc::setsockopt(
                fd,
                libc::IPPROTO_IPV6,
                libc::IPV6_V6ONLY,
                (&zero as *const libc::c_int).cast(),
                4,
            );
        }
        let (storage, len) = sockaddr_of(&sa);
        if libc::bind(fd, (&storage as *const libc::sockaddr_storage).cast(), len) != 0 {
            return Err(Error::last_os_error());
        }
        if libc::listen(fd, backlog.max(1)) != 0 {
            return Err(Error::last_os_error());
        }
        Ok(listener)
    }
}

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

/// Parses a connect target. The port must be a number; the host is resolved later.
fn tcp_target(addr: &str, ipv6: bool) -> Result<Target> {
    // `tcp://src;dst:port` names a source address: the source part is ignored here.
    let addr = addr.rsplit_once(';').map_or(addr, |(_, dst)| dst);
    let (host, port) = split_host_port(addr)?;
    let port = parse_port(port, false, addr)?;
    if host == "*" {
        return Err(Error::invalid(format!(
            "tcp address '{addr}': cannot connect to '*'"
        )));
    }
    if let Ok(IpAddr::V6(_)) = host.parse::<IpAddr>() {
        if !ipv6 {
            return Err(Error::invalid(format!(
                "tcp address '{addr}' is IPv6: set the IPV6 option"
            )));
        }
    }
    Ok(Target {
        host: host.to_string(),
        port,
        ipv6,
    })
}

/// Resolves a tcp target to socket addresses (blocking DNS for host names).
fn resolve(host: &str, port: u16, ipv6: bool) -> std::io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let all: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
    let mut v: Vec<SocketAddr> = all.iter().copied().filter(|a| a.is_ipv4()).collect();
    if ipv6 {
        v.extend(all.iter().copied().filter(|a| a.is_ipv6()));
    }
    if v.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no address",
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_bind_ephemeral_reports_port() {
        let (_l, ep) = bind_tcp("127.0.0.1:*", false, 100).unwrap();
        assert!(ep.starts_with("tcp://127.0.0.1:"));
        assert_ne!(ep, "tcp://127.0.0.1:0");
        let (_l, ep) = bind_tcp("*:*", false, 100).unwrap();
        assert!(ep.starts_with("tcp://0.0.0.0:"));
    }

    #[test]
    fn tcp_bind_in_use() {
        let (_l, ep) = bind_tcp("127.0.0.1:*", false, 100).unwrap();
        let addr = ep.trim_start_matches("tcp://");
        assert_eq!(bind_tcp(addr, false, 100).unwrap_err(), Error::AddrInUse);
    }

    #[test]
    fn tcp_targets() {
        assert!(tcp_target("localhost:5555", false).is_ok());
        assert!(matches!(
            tcp_target("localhost:*", false),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            tcp_target("nohost", false),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            tcp_target("[::1]:5", false),
            Err(Error::Invalid(_))
        ));
        assert!(tcp_target("[::1]:5", true).is_ok());
        assert!(matches!(
            bind_tcp("127.0.0.1:99999", false, 1),
            Err(Error::Invalid(_))
        ));
    }
}
