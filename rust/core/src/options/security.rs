//! The options that choose a socket's security mechanism and its role: ZMQ_MECHANISM (read
//! only) and the PLAIN options, with libzmq 4.3's rules.
//!
//! The mechanism is whatever the last of these options set ("last writer wins"):
//! PLAIN_SERVER 1 makes a PLAIN server, PLAIN_SERVER 0 goes back to NULL, PLAIN_USERNAME or
//! PLAIN_PASSWORD make a PLAIN client (keeping the other credential). Like every connection
//! option, the settings are copied into each connection when it is made (bind, connect).

use super::{Field, OptSpec, OptType, OptValue, Options};
use crate::error::{Error, Result};

/// The mechanism a socket's connections run, with its role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Security {
    /// NULL (ZMQ_MECHANISM 0).
    #[default]
    Null,
    /// PLAIN (ZMQ_MECHANISM 1): the server role (ZMQ_PLAIN_SERVER 1) or the client role (set
    /// by ZMQ_PLAIN_USERNAME or ZMQ_PLAIN_PASSWORD).
    Plain {
        /// Server role.
        server: bool,
    },
}

/// ZMQ_MECHANISM's value for NULL.
pub const MECHANISM_NULL: i32 = 0;
/// ZMQ_MECHANISM's value for PLAIN.
pub const MECHANISM_PLAIN: i32 = 1;

impl Security {
    /// ZMQ_MECHANISM's value: 0 NULL, 1 PLAIN.
    pub fn number(&self) -> i32 {
        match self {
            Security::Null => MECHANISM_NULL,
            Security::Plain { .. } => MECHANISM_PLAIN,
        }
    }
}

/// The mechanism settings a socket keeps (the field behind ZMQ_MECHANISM).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MechanismOptions {
    /// The mechanism and role.
    pub security: Security,
    /// ZMQ_PLAIN_USERNAME ("" until set).
    pub plain_username: String,
    /// ZMQ_PLAIN_PASSWORD ("" until set).
    pub plain_password: String,
}

/// Read only: the option table refuses a write before it gets here.
impl Field for MechanismOptions {
    const TYPE: OptType = OptType::Int;
    fn decode(spec: &OptSpec, _raw: &[u8]) -> Result<Self> {
        Err(Error::invalid(format!("option {} is read-only", spec.name)))
    }
    fn value(&self) -> OptValue {
        OptValue::Int(self.security.number())
    }
}

/// ZMQ_PLAIN_SERVER: 1 only for a PLAIN server.
pub(super) fn get_plain_server(o: &Options) -> OptValue {
    OptValue::Int(i32::from(
        o.mechanism.security == Security::Plain { server: true },
    ))
}

/// ZMQ_PLAIN_SERVER: 1 makes a PLAIN server, 0 the NULL mechanism; anything else is EINVAL.
pub(super) fn set_plain_server(o: &mut Options, spec: &OptSpec, raw: &[u8]) -> Result<()> {
    let v = i32::decode(spec, raw)?;
    o.mechanism.security = if v == 1 {
        Security::Plain { server: true }
    } else {
        Security::Null
    };
    Ok(())
}

/// ZMQ_PLAIN_USERNAME as set ("" until then).
pub(super) fn get_plain_username(o: &Options) -> OptValue {
    OptValue::Str(o.mechanism.plain_username.clone())
}

/// ZMQ_PLAIN_PASSWORD as set ("" until then).
pub(super) fn get_plain_password(o: &Options) -> OptValue {
    OptValue::Str(o.mechanism.plain_password.clone())
}

/// ZMQ_PLAIN_USERNAME: 1 to 255 bytes; makes a PLAIN client.
pub(super) fn set_plain_username(o: &mut Options, spec: &OptSpec, raw: &[u8]) -> Result<()> {
    o.mechanism.plain_username = String::decode(spec, raw)?;
    o.mechanism.security = Security::Plain { server: false };
    Ok(())
}

/// ZMQ_PLAIN_PASSWORD: 1 to 255 bytes; makes a PLAIN client.
pub(super) fn set_plain_password(o: &mut Options, spec: &OptSpec, raw: &[u8]) -> Result<()> {
    o.mechanism.plain_password = String::decode(spec, raw)?;
    o.mechanism.security = Security::Plain { server: false };
    Ok(())
}
