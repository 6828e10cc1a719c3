//! tcp://: `host:port` addresses (IPv4, `[IPv6]`, interface names, host names, `*`),
//! listening sockets bound in the caller's thread, connect targets resolved at each attempt,
//! and the options of tcp connections (TCP_NODELAY, keepalive, TOS).

use super::{set_buffers, set_int_option, NetOptions, StreamOptions, Transport};
use crate::error::{Error, Result};
use crate::sys;
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

    fn zap_address(s: &TcpStream) -> String {
        s.peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default()
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
    } else if let Some(ip) = sys::socket::interface_addr(host, ipv6) {
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
    let listener = sys::socket::tcp_listener(sa, backlog)?;
    let local = listener.local_addr()?;
    let shown = match local {
        SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
    };
    listener.set_nonblocking(true)?;
    Ok((TcpListener::from_std(listener), shown))
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
