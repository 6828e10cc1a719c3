//! Option values: their raw `zmq_setsockopt` encoding, the checks a new value must pass, and
//! the Rust types that hold them.
//!
//! Values travel as raw bytes, exactly as through `zmq_setsockopt`: an `int` option takes
//! exactly 4 bytes, an `int64`/`uint64` one exactly 8, a bytes option any length its check
//! accepts. Each Rust type an option is kept in ([`Field`]) knows its encoding, so the option
//! table names only the field and its [`Check`].

use super::OptSpec;
use crate::error::{Error, Result};
use bytes::Bytes;

/// How an option's value is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptType {
    /// C `int` (4 bytes, native order).
    Int,
    /// `int64_t`.
    Int64,
    /// `uint64_t`.
    Uint64,
    /// Arbitrary bytes.
    Binary,
    /// Text; `getsockopt` appends a NUL as libzmq does.
    Str,
}

/// A value read from a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptValue {
    /// An `int` option.
    Int(i32),
    /// An `int64_t` option.
    Int64(i64),
    /// A `uint64_t` option.
    Uint64(u64),
    /// A bytes option.
    Binary(Bytes),
    /// A string option (without the NUL).
    Str(String),
}

impl OptValue {
    /// The value in libzmq's raw encoding (strings get their terminating NUL).
    pub fn to_raw(&self) -> Vec<u8> {
        match self {
            OptValue::Int(v) => v.to_ne_bytes().to_vec(),
            OptValue::Int64(v) => v.to_ne_bytes().to_vec(),
            OptValue::Uint64(v) => v.to_ne_bytes().to_vec(),
            OptValue::Binary(b) => b.to_vec(),
            OptValue::Str(s) => {
                let mut v = s.as_bytes().to_vec();
                v.push(0);
                v
            }
        }
    }

    /// The value as the text of an error message (`''` for empty text).
    fn shown(&self) -> String {
        match self {
            OptValue::Int(v) => v.to_string(),
            OptValue::Int64(v) => v.to_string(),
            OptValue::Uint64(v) => v.to_string(),
            OptValue::Binary(b) if b.is_empty() => "''".into(),
            OptValue::Binary(b) => format!("{} bytes", b.len()),
            OptValue::Str(s) => format!("'{s}'"),
        }
    }
}

/// What a new value must satisfy beyond its encoding. A value that fails is EINVAL and
/// changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Any value of the option's type (text: at most 255 bytes of UTF-8).
    Any,
    /// An integer at least this.
    AtLeast(i64),
    /// An integer from the first bound to the second.
    Range(i64, i64),
    /// One of these integers.
    OneOf(&'static [i64]),
    /// -1 (the system's default) or a positive integer.
    PositiveOrMinus1,
    /// Bytes, from the first to the second length.
    Length(usize, usize),
    /// Text of at most this many bytes naming what the second part says ("an interface").
    MaxLen(usize, &'static str),
}

/// An on/off option: 0 or 1.
pub const BOOL: Check = Check::OneOf(&[0, 1]);

/// An on/off option that a socket type decodes itself (libzmq: any value >= 0, non-zero is
/// on).
pub const FLAG: Check = Check::AtLeast(0);

impl Check {
    /// Applies an integer check to `v`.
    pub(crate) fn int(self, spec: &OptSpec, v: i64) -> Result<()> {
        let name = spec.name;
        let fail = |rule: String| Err(Error::invalid(format!("{name} must be {rule}, got {v}")));
        match self {
            Check::AtLeast(min) | Check::Range(min, _) if v < min => fail(format!(">= {min}")),
            Check::Range(_, max) if v > max => fail(format!("<= {max}")),
            Check::OneOf(set) if !set.contains(&v) => fail(one_of(set)),
            Check::PositiveOrMinus1 if v != -1 && v <= 0 => fail("-1 or > 0".into()),
            _ => Ok(()),
        }
    }

    /// Applies a length check to a bytes or text value of `len` bytes.
    fn len(self, spec: &OptSpec, len: usize) -> Result<()> {
        match self {
            Check::Length(min, max) if !(min..=max).contains(&len) => Err(Error::invalid(format!(
                "{} must be {min} to {max} bytes, got {len}",
                spec.name
            ))),
            Check::MaxLen(max, what) if len > max => Err(Error::invalid(format!(
                "{} names {what} of at most {max} bytes",
                spec.name
            ))),
            _ => Ok(()),
        }
    }
}

/// "0 or 1", "-1, 0 or 1".
fn one_of(set: &[i64]) -> String {
    let shown: Vec<String> = set.iter().map(i64::to_string).collect();
    match shown.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => shown.concat(),
    }
}

/// A Rust type an option's value is kept in: its encoding, how a raw value becomes one
/// (decoded and checked against the option's [`Check`]), and how it reads back.
pub(crate) trait Field: Sized + PartialEq {
    /// The encoding of options kept in this type.
    const TYPE: OptType;
    /// Decodes and checks a raw value for option `spec`.
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<Self>;
    /// The value as read back.
    fn value(&self) -> OptValue;
}

impl Field for i32 {
    const TYPE: OptType = OptType::Int;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<i32> {
        let v = decode_int(spec, raw)?;
        spec.check.int(spec, v.into())?;
        Ok(v)
    }
    fn value(&self) -> OptValue {
        OptValue::Int(*self)
    }
}

/// An on/off option: an `int` on the wire.
impl Field for bool {
    const TYPE: OptType = OptType::Int;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<bool> {
        i32::decode(spec, raw).map(|v| v != 0)
    }
    fn value(&self) -> OptValue {
        OptValue::Int(i32::from(*self))
    }
}

impl Field for i64 {
    const TYPE: OptType = OptType::Int64;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<i64> {
        let v = decode_i64(spec, raw)?;
        spec.check.int(spec, v)?;
        Ok(v)
    }
    fn value(&self) -> OptValue {
        OptValue::Int64(*self)
    }
}

impl Field for u64 {
    const TYPE: OptType = OptType::Uint64;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<u64> {
        decode_u64(spec, raw)
    }
    fn value(&self) -> OptValue {
        OptValue::Uint64(*self)
    }
}

impl Field for Bytes {
    const TYPE: OptType = OptType::Binary;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<Bytes> {
        spec.check.len(spec, raw.len())?;
        Ok(Bytes::copy_from_slice(raw))
    }
    fn value(&self) -> OptValue {
        OptValue::Binary(self.clone())
    }
}

/// A bytes option that is consumed when used (CONNECT_ROUTING_ID): None until set.
impl Field for Option<Bytes> {
    const TYPE: OptType = OptType::Binary;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<Option<Bytes>> {
        Bytes::decode(spec, raw).map(Some)
    }
    fn value(&self) -> OptValue {
        OptValue::Binary(self.clone().unwrap_or_default())
    }
}

impl Field for String {
    const TYPE: OptType = OptType::Str;
    fn decode(spec: &OptSpec, raw: &[u8]) -> Result<String> {
        let s = decode_str(spec, raw)?;
        spec.check.len(spec, s.len())?;
        Ok(s)
    }
    fn value(&self) -> OptValue {
        OptValue::Str(self.clone())
    }
}

/// The failure of setting an option this engine does not implement to anything but its
/// default: the option is refused, never stored without effect.
pub(crate) fn only_default(spec: &OptSpec, what: &str, default: &OptValue) -> Error {
    Error::Unsupported(format!(
        "{} ({what}) is not implemented in this build; only its default {} is accepted",
        spec.name,
        default.shown()
    ))
}

fn wrong_size(spec: &OptSpec, want: &str, got: usize) -> Error {
    Error::invalid(format!(
        "option {} takes {want}, got {got} bytes",
        spec.name
    ))
}

/// Decodes a 4-byte native `int`.
pub fn decode_int(spec: &OptSpec, raw: &[u8]) -> Result<i32> {
    let a: [u8; 4] = raw
        .try_into()
        .map_err(|_| wrong_size(spec, "an int (4 bytes)", raw.len()))?;
    Ok(i32::from_ne_bytes(a))
}

fn decode_i64(spec: &OptSpec, raw: &[u8]) -> Result<i64> {
    let a: [u8; 8] = raw
        .try_into()
        .map_err(|_| wrong_size(spec, "an int64 (8 bytes)", raw.len()))?;
    Ok(i64::from_ne_bytes(a))
}

fn decode_u64(spec: &OptSpec, raw: &[u8]) -> Result<u64> {
    let a: [u8; 8] = raw
        .try_into()
        .map_err(|_| wrong_size(spec, "a uint64 (8 bytes)", raw.len()))?;
    Ok(u64::from_ne_bytes(a))
}

fn decode_str(spec: &OptSpec, raw: &[u8]) -> Result<String> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.len() > 255 {
        return Err(Error::invalid(format!(
            "option {} is at most 255 bytes",
            spec.name
        )));
    }
    String::from_utf8(raw.to_vec())
        .map_err(|_| Error::invalid(format!("option {} must be UTF-8 text", spec.name)))
}
