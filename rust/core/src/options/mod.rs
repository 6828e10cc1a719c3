//! Socket options: libzmq's numbers, value types, defaults and checks, declared once.
//!
//! Every option is one row of the table in `table.rs`. From it come the option numbers
//! ([`id`]), the per-option facts ([`TABLE`], [`spec`]), the [`Options`] a socket keeps, the
//! snapshot each new connection takes of them (`SessionOptions`), and the get/set dispatch
//! here. An option this engine does not implement is refused, never stored without effect:
//! it takes its default only ([`Support::DefaultOnly`]) or is refused outright
//! ([`Support::Unavailable`]).
//!
//! A wrong length, an out-of-range value or an unknown option is EINVAL and changes nothing.

#[macro_use]
mod declare;
mod security;
mod table;
mod value;

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
pub(crate) use table::SessionOptions;
pub use table::{id, Options, TABLE};
use value::only_default;
pub(crate) use value::Field;
pub use value::{decode_int, Check, OptType, OptValue, BOOL, FLAG};

pub use security::{MechanismOptions, Security, MECHANISM_NULL, MECHANISM_PLAIN};

/// Access of an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Get and set.
    ReadWrite,
    /// Get only.
    ReadOnly,
    /// Set only.
    WriteOnly,
}

/// Where an option's value lives and what acts on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Kept in [`Options`]; the socket itself acts on it.
    Socket,
    /// Kept in [`Options`] and copied into the `SessionOptions` of every connection made
    /// after it is set (libzmq: options apply to later binds and connects).
    Connection,
    /// Another option's value seen differently (IPV4ONLY is the inverse of IPV6).
    View,
    /// A value fixed in this engine (THREAD_SAFE).
    Fixed,
    /// Configures a security mechanism, with get/set functions of its own (see [`Support`]
    /// for the mechanisms this build lacks: no get/set).
    Mechanism,
    /// Decoded by the socket types that have it (SUBSCRIBE, ROUTER_MANDATORY, ...); any
    /// other socket type refuses it.
    SocketType,
    /// Answered from the socket's live state (RCVMORE, FD, EVENTS, TYPE, LAST_ENDPOINT).
    Live,
}

/// Whether this engine implements an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Implemented.
    Implemented,
    /// Not implemented: only its default is accepted (anything else is ENOTSUP). The text
    /// says what the option would do.
    DefaultOnly(&'static str),
    /// Needs a security feature this build does not have: refused on get and set.
    Unavailable(Missing),
}

/// A security feature this build does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// The CURVE mechanism (EINVAL, as libzmq built without it).
    Curve,
    /// The GSSAPI mechanism (EINVAL, as libzmq built without it).
    Gssapi,
}

/// Reads an option kept in [`Options`].
pub(crate) type GetFn = fn(&Options) -> OptValue;
/// Decodes, checks and stores an option in [`Options`].
pub(crate) type SetFn = fn(&mut Options, &OptSpec, &[u8]) -> Result<()>;

/// One row of the option table.
#[derive(Clone, Copy, Debug)]
pub struct OptSpec {
    /// libzmq's number.
    pub num: i32,
    /// libzmq's name without the `ZMQ_` prefix.
    pub name: &'static str,
    /// Value encoding.
    pub ty: OptType,
    /// Whether it can be read, written or both.
    pub access: Access,
    /// Where its value lives.
    pub role: Role,
    /// What a new value must satisfy.
    pub check: Check,
    /// Whether it is implemented.
    pub support: Support,
    /// Reads it from [`Options`] (None: not kept there, or write-only).
    pub(crate) get: Option<GetFn>,
    /// Stores it in [`Options`] (None: not kept there).
    pub(crate) set: Option<SetFn>,
}

impl OptSpec {
    /// The error that refuses this option on get and set, for an unavailable feature.
    ///
    /// A socket told to be a CURVE server must never quietly run NULL instead, so these
    /// options are refused rather than stored, with EINVAL, as libzmq built without them
    /// answers.
    pub fn refusal(&self) -> Option<Error> {
        let Support::Unavailable(missing) = self.support else {
            return None;
        };
        let what = match missing {
            Missing::Curve => "the CURVE mechanism",
            Missing::Gssapi => "the GSSAPI mechanism",
        };
        Some(Error::Invalid(format!(
            "{what} is not available in this build (ZMQ_MECHANISM is unchanged)"
        )))
    }
}

/// The table row for option `num`.
pub fn spec(num: i32) -> Option<&'static OptSpec> {
    TABLE.iter().find(|s| s.num == num)
}

/// The table row for the option named `name` (libzmq's name without `ZMQ_`).
pub fn spec_by_name(name: &str) -> Option<&'static OptSpec> {
    TABLE.iter().find(|s| s.name == name)
}

/// The failure of setting or reading an option of a security feature this engine does not
/// have, or None for any other option (see [`OptSpec::refusal`]).
pub fn unavailable(num: i32) -> Option<Error> {
    spec(num).and_then(OptSpec::refusal)
}

/// Decodes, checks and stores a value for an option kept in a field of type `T`; for an
/// option that takes its default only, anything but `default()` is refused.
pub(crate) fn store<T: Field>(
    slot: &mut T,
    spec: &OptSpec,
    raw: &[u8],
    default: impl FnOnce() -> T,
) -> Result<()> {
    let v = T::decode(spec, raw)?;
    if let Support::DefaultOnly(what) = spec.support {
        let d = default();
        if v != d {
            return Err(only_default(spec, what, &d.value()));
        }
    }
    *slot = v;
    Ok(())
}

impl Options {
    /// libzmq's defaults. `linger` is the default the context chose for new sockets.
    pub fn new(linger: i32) -> Options {
        Options {
            linger,
            ..Options::defaults()
        }
    }

    /// Sets a generic (not socket-type-specific) option from its raw encoding.
    /// Returns Ok(false) if `num` is not a generic option, so the caller can try the
    /// socket type's own options.
    pub fn set(&mut self, num: i32, raw: &[u8]) -> Result<bool> {
        let spec = match spec(num) {
            Some(s) => s,
            None => return Err(Error::invalid(format!("unknown socket option {num}"))),
        };
        if let Some(e) = spec.refusal() {
            return Err(e);
        }
        if spec.access == Access::ReadOnly {
            return Err(Error::invalid(format!("option {} is read-only", spec.name)));
        }
        match spec.set {
            Some(set) => set(self, spec, raw).map(|()| true),
            None => Ok(false),
        }
    }

    /// Reads a generic option. Returns None for options that the socket itself answers
    /// (RCVMORE, FD, EVENTS, TYPE, LAST_ENDPOINT) or that are write-only.
    pub fn get(&self, num: i32) -> Option<OptValue> {
        spec(num).and_then(|s| s.get).map(|get| get(self))
    }
}

/// Decodes an on/off option that a socket type handles itself (e.g. ROUTER_MANDATORY):
/// like libzmq, any value >= 0 is accepted and non-zero means on.
pub fn decode_flag(num: i32, raw: &[u8]) -> Result<bool> {
    let spec = spec(num).ok_or_else(|| Error::invalid(format!("unknown socket option {num}")))?;
    let v = decode_int(spec, raw)?;
    FLAG.int(spec, v.into())?;
    Ok(v != 0)
}
