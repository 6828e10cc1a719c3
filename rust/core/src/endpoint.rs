//! Endpoint strings: `transport://address`.

use crate::error::{Error, Result};

/// A parsed endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `inproc://name`: within one context.
    Inproc(String),
    /// `tcp://host:port`.
    Tcp(String),
    /// `ipc://path`.
    Ipc(String),
}

/// Transports libzmq knows but this engine does not provide.
const UNSUPPORTED: &[&str] = &["pgm", "epgm", "norm", "udp", "tipc", "vmci", "ws", "wss"];

impl Endpoint {
    /// Parses `s`. A string without `://` or with an empty address is EINVAL; a transport
    /// this engine does not provide is EPROTONOSUPPORT.
    pub fn parse(s: &str) -> Result<Endpoint> {
        let (proto, addr) = s.split_once("://").ok_or_else(|| {
            Error::invalid(format!(
                "malformed endpoint '{s}': expected transport://address"
            ))
        })?;
        if addr.is_empty() {
            return Err(Error::invalid(format!(
                "malformed endpoint '{s}': empty address"
            )));
        }
        match proto {
            "inproc" => Ok(Endpoint::Inproc(addr.to_string())),
            "tcp" => Ok(Endpoint::Tcp(addr.to_string())),
            "ipc" => Ok(Endpoint::Ipc(addr.to_string())),
            p if UNSUPPORTED.contains(&p) => Err(Error::ProtocolNotSupported),
            _ => Err(Error::ProtocolNotSupported),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse() {
        assert_eq!(
            Endpoint::parse("inproc://a").unwrap(),
            Endpoint::Inproc("a".into())
        );
        assert!(matches!(
            Endpoint::parse("bulls***"),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            Endpoint::parse("inproc://"),
            Err(Error::Invalid(_))
        ));
        assert_eq!(
            Endpoint::parse("foo://bar"),
            Err(Error::ProtocolNotSupported)
        );
        assert_eq!(
            Endpoint::parse("pgm://eth0;239.1.1.1:5555"),
            Err(Error::ProtocolNotSupported)
        );
    }
}
