//! The ZMTP 3.x greeting: 64 octets that each peer sends first.
//!
//! Layout: `FF` padding(8) `7F` major minor mechanism(20) as-server filler(31).
//! libzmq fills the padding with the big-endian u64 `routing_id_len + 1` (so its first ten
//! bytes double as a ZMTP 1.0 identity-frame header); the padding is never validated.

use super::ProtocolError;

/// Length of a ZMTP 3.x greeting.
pub(crate) const GREETING_LEN: usize = 64;
/// Length of the signature (`FF` + padding + `7F`), after which the peer's ZMTP 1.0-ness is known.
pub(crate) const SIGNATURE_LEN: usize = 10;
/// Signature and major version: the first part of a greeting sent in two parts (RFC 23,
/// "Detecting ZMTP 2.0 Peers"), after which a peer may wait for the other's before sending the
/// rest.
pub(crate) const FIRST_PART_LEN: usize = SIGNATURE_LEN + 1;
/// Length of the mechanism field.
pub(crate) const MECHANISM_LEN: usize = 20;
/// Offset of the mechanism field.
const MECHANISM_OFFSET: usize = 12;
/// Offset of the as-server byte.
const AS_SERVER_OFFSET: usize = 32;
/// The major version we speak.
pub(crate) const VERSION_MAJOR: u8 = 3;
/// The minor version we announce (3.1).
pub(crate) const VERSION_MINOR: u8 = 1;

/// The NULL mechanism's name.
pub(crate) const NULL: &[u8] = b"NULL";
/// The PLAIN mechanism's name.
pub(crate) const PLAIN: &[u8] = b"PLAIN";
/// The CURVE mechanism's name.
pub(crate) const CURVE: &[u8] = b"CURVE";

/// A peer's greeting, as parsed by [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Greeting {
    /// Major version (3 or more; [`check`] refuses lower).
    pub major: u8,
    /// Minor version as received (`0` = ZMTP 3.0, `1` = 3.1; higher is treated as 3.1).
    pub minor: u8,
    /// The mechanism field exactly as received (NUL-padded).
    pub mechanism: [u8; MECHANISM_LEN],
    /// The as-server byte (libzmq always sends 0 and ignores it; never depend on it).
    pub as_server: bool,
}

impl Greeting {
    /// True if the peer's mechanism is `name`: an exact 20-byte comparison against `name`
    /// padded with NULs, as libzmq does (`"NULL\0..."` matches `b"NULL"`, `"NULLX"` does not).
    pub(crate) fn mechanism_is(&self, name: &[u8]) -> bool {
        pad_mechanism(name).is_some_and(|m| m == self.mechanism)
    }

    /// True if the peer speaks ZMTP 3.1 or later (wants SUBSCRIBE/CANCEL commands).
    pub(crate) fn is_v31(&self) -> bool {
        self.major > 3 || self.minor >= 1
    }

    /// The mechanism name without its NUL padding (for logs and error messages).
    pub(crate) fn mechanism_name(&self) -> &[u8] {
        let end = self
            .mechanism
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |i| i + 1);
        self.mechanism.get(..end).unwrap_or_default()
    }
}

/// `name` padded with NULs to 20 bytes; `None` if it is longer than 20.
fn pad_mechanism(name: &[u8]) -> Option<[u8; MECHANISM_LEN]> {
    let mut m = [0u8; MECHANISM_LEN];
    m.get_mut(..name.len())?.copy_from_slice(name);
    Some(m)
}

/// Our 64-byte greeting: `FF`, 8 padding bytes (u64 BE = 1, as libzmq sends with no identity),
/// `7F`, `03`, `01` (ZMTP 3.1), `mechanism` padded with NULs to 20, as-server, 31 NULs.
///
/// A mechanism name longer than 20 bytes is a caller bug; it is cut to 20.
pub(crate) fn encode(mechanism: &[u8], as_server: bool) -> [u8; GREETING_LEN] {
    let mut g = [0u8; GREETING_LEN];
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = VERSION_MAJOR;
    g[11] = VERSION_MINOR;
    debug_assert!(mechanism.len() <= MECHANISM_LEN, "mechanism name too long");
    let n = mechanism.len().min(MECHANISM_LEN);
    if let (Some(dst), Some(src)) = (
        g.get_mut(MECHANISM_OFFSET..MECHANISM_OFFSET + n),
        mechanism.get(..n),
    ) {
        dst.copy_from_slice(src);
    }
    g[AS_SERVER_OFFSET] = u8::from(as_server);
    g
}

/// Checks a peer greeting as its bytes arrive.
///
/// `buf` holds everything received so far (possibly more than 64 bytes: the peer's first
/// command often arrives in the same segment). Returns `Ok(None)` while more bytes are needed,
/// `Ok(Some(greeting))` once all 64 are in (the caller then consumes exactly [`GREETING_LEN`]
/// bytes), and an error as soon as a prefix is invalid:
/// - byte 0 is not `FF` (checked from the first byte, as libzmq does) or byte 9 has bit 0
///   clear (checked once 10 bytes are in): [`ProtocolError::BadSignature`], a ZMTP 1.0 peer;
/// - major version (byte 10) below 3: [`ProtocolError::UnsupportedVersion`] once 11 bytes are in.
///
/// The padding is never validated. Versions above 3.1 are accepted and reported as received;
/// the mechanism is not checked here (see [`Greeting::mechanism_is`]).
pub(crate) fn check(buf: &[u8]) -> Result<Option<Greeting>, ProtocolError> {
    match buf.first() {
        None => return Ok(None),
        Some(&b) if b != 0xff => return Err(ProtocolError::BadSignature),
        Some(_) => {}
    }
    match buf.get(SIGNATURE_LEN - 1) {
        None => return Ok(None),
        Some(&b) if b & 0x01 == 0 => return Err(ProtocolError::BadSignature),
        Some(_) => {}
    }
    match buf.get(10) {
        None => return Ok(None),
        Some(&major) if major < VERSION_MAJOR => {
            return Err(ProtocolError::UnsupportedVersion(major))
        }
        Some(_) => {}
    }
    let Some(g) = buf
        .get(..GREETING_LEN)
        .and_then(|s| <&[u8; GREETING_LEN]>::try_from(s).ok())
    else {
        return Ok(None);
    };
    let mut mechanism = [0u8; MECHANISM_LEN];
    mechanism.copy_from_slice(&g[MECHANISM_OFFSET..MECHANISM_OFFSET + MECHANISM_LEN]);
    Ok(Some(Greeting {
        major: g[10],
        minor: g[11],
        mechanism,
        as_server: g[AS_SERVER_OFFSET] != 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(major: u8, minor: u8, mech: &[u8]) -> [u8; GREETING_LEN] {
        let mut g = encode(mech, false);
        g[10] = major;
        g[11] = minor;
        g
    }

    #[test]
    fn encode_layout() {
        let g = encode(NULL, false);
        assert_eq!(&g[..12], b"\xff\0\0\0\0\0\0\0\x01\x7f\x03\x01");
        assert_eq!(&g[12..16], b"NULL");
        assert!(g[16..].iter().all(|&b| b == 0));
        let g = encode(PLAIN, true);
        assert_eq!(&g[12..17], b"PLAIN");
        assert_eq!(g[32], 1);
        assert!(g[33..].iter().all(|&b| b == 0));
    }

    #[test]
    fn check_byte_by_byte() {
        let g = encode(CURVE, true);
        for n in 0..GREETING_LEN {
            assert_eq!(check(&g[..n]), Ok(None), "prefix of {n}");
        }
        let parsed = check(&g).unwrap().unwrap();
        assert_eq!(parsed.major, 3);
        assert_eq!(parsed.minor, 1);
        assert!(parsed.as_server);
        assert!(parsed.mechanism_is(CURVE));
        assert!(!parsed.mechanism_is(NULL));
        assert_eq!(parsed.mechanism_name(), b"CURVE");
        assert!(parsed.is_v31());
    }

    #[test]
    fn extra_bytes_are_not_part_of_it() {
        let mut v = encode(NULL, false).to_vec();
        v.extend_from_slice(b"\x04\x29\x05READY");
        let g = check(&v).unwrap().unwrap();
        assert!(g.mechanism_is(NULL));
    }

    #[test]
    fn padding_is_not_validated() {
        let mut g = encode(NULL, false);
        g[1..9].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]);
        assert!(check(&g).unwrap().is_some());
        // byte 9 only needs bit 0
        g[9] = 0x01;
        assert!(check(&g).unwrap().is_some());
    }

    #[test]
    fn zmtp10_refused_early() {
        assert_eq!(check(&[0x05]), Err(ProtocolError::BadSignature));
        let mut g = encode(NULL, false);
        g[9] = 0x7e;
        assert_eq!(check(&g[..9]), Ok(None));
        assert_eq!(check(&g[..10]), Err(ProtocolError::BadSignature));
    }

    #[test]
    fn versions() {
        let g = peer(1, 0, NULL);
        assert_eq!(check(&g[..10]), Ok(None));
        assert_eq!(check(&g[..11]), Err(ProtocolError::UnsupportedVersion(1)));
        assert_eq!(
            check(&peer(2, 0, NULL)),
            Err(ProtocolError::UnsupportedVersion(2))
        );
        assert_eq!(
            check(&peer(0, 0, NULL)),
            Err(ProtocolError::UnsupportedVersion(0))
        );
        let v30 = check(&peer(3, 0, NULL)).unwrap().unwrap();
        assert!(!v30.is_v31());
        assert_eq!(v30.minor, 0);
        let v32 = check(&peer(3, 2, NULL)).unwrap().unwrap();
        assert!(v32.is_v31());
        assert_eq!(v32.minor, 2);
        let v40 = check(&peer(4, 0, NULL)).unwrap().unwrap();
        assert!(v40.is_v31());
    }

    #[test]
    fn mechanism_compare_is_exact() {
        let mut g = check(&encode(NULL, false)).unwrap().unwrap();
        assert!(g.mechanism_is(b"NULL"));
        assert!(!g.mechanism_is(b"NUL"));
        assert!(!g.mechanism_is(b"null"));
        assert!(!g.mechanism_is(&[b'N'; 21]));
        g.mechanism[19] = b' ';
        assert!(!g.mechanism_is(b"NULL"));
        let empty = Greeting {
            major: 3,
            minor: 1,
            mechanism: [0; MECHANISM_LEN],
            as_server: false,
        };
        assert_eq!(empty.mechanism_name(), b"");
        assert!(empty.mechanism_is(b""));
    }
}
