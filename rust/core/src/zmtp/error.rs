//! Why a peer was refused: [`ProtocolError`] for bytes that break ZMTP, with libzmq's
//! `ZMQ_PROTOCOL_ERROR_*` codes, and [`HandshakeError`] for every way a handshake can end badly.

use bytes::Bytes;

/// `ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED`.
pub(crate) const PROTOCOL_ERROR_ZMTP_UNSPECIFIED: u32 = 0x1000_0000;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND`.
pub(crate) const PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND: u32 = 0x1000_0001;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE`.
pub(crate) const PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE: u32 = 0x1000_0002;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE`.
pub(crate) const PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE: u32 = 0x1000_0003;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED: u32 = 0x1000_0011;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE: u32 = 0x1000_0012;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO: u32 = 0x1000_0013;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE: u32 = 0x1000_0014;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR: u32 = 0x1000_0015;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY: u32 = 0x1000_0016;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME: u32 = 0x1000_0017;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA`.
pub(crate) const PROTOCOL_ERROR_ZMTP_INVALID_METADATA: u32 = 0x1000_0018;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`.
pub(crate) const PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: u32 = 0x1100_0001;
/// `ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`.
pub(crate) const PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH: u32 = 0x1100_0002;

/// `ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED`.
pub(crate) const PROTOCOL_ERROR_ZAP_UNSPECIFIED: u32 = 0x2000_0000;
/// `ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY`.
pub(crate) const PROTOCOL_ERROR_ZAP_MALFORMED_REPLY: u32 = 0x2000_0001;
/// `ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID`.
pub(crate) const PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID: u32 = 0x2000_0002;
/// `ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION`.
pub(crate) const PROTOCOL_ERROR_ZAP_BAD_VERSION: u32 = 0x2000_0003;
/// `ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE`.
pub(crate) const PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE: u32 = 0x2000_0004;
/// `ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA`.
pub(crate) const PROTOCOL_ERROR_ZAP_INVALID_METADATA: u32 = 0x2000_0005;

/// Why a peer's bytes were rejected.
///
/// Every variant is fatal for the connection. [`ProtocolError::code`] gives the
/// `ZMQ_PROTOCOL_ERROR_*` value libzmq reports in its `HANDSHAKE_FAILED_PROTOCOL` monitor event;
/// the `&'static str` payloads say what exactly was wrong (for logs and tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProtocolError {
    /// The greeting does not start with `FF` or byte 9 has bit 0 clear: a ZMTP 1.0 peer (or
    /// not ZMTP at all).
    #[error("ZMTP greeting has a bad signature (ZMTP 1.0 peer or not ZMTP)")]
    BadSignature,
    /// The peer's major version (greeting byte 10) is below 3.
    #[error("unsupported ZMTP version {0}.x (3.0 or later required)")]
    UnsupportedVersion(u8),
    /// The peer announced another security mechanism than ours.
    #[error("security mechanism mismatch")]
    MechanismMismatch,
    /// A command frame is malformed (bad name length, MORE flag, short PING, ...).
    #[error("malformed command: {0}")]
    MalformedCommand(&'static str),
    /// A READY command's properties do not fit its body.
    #[error("malformed READY command: {0}")]
    MalformedReady(&'static str),
    /// An ERROR command is malformed (reason length past the end).
    #[error("malformed ERROR command: {0}")]
    MalformedError(&'static str),
    /// A property is invalid (empty name, value longer than 2^31-1, bad Socket-Type, ...).
    #[error("invalid metadata: {0}")]
    InvalidMetadata(&'static str),
    /// A command that is not allowed at this point (named).
    #[error("unexpected command {0}")]
    UnexpectedCommand(String),
    /// Something arrived out of order (for example a message before the handshake ended).
    #[error("invalid sequence: {0}")]
    InvalidSequence(&'static str),
    /// A frame larger than the limit: `max` is ZMQ_MAXMSGSIZE, or the hard cap on command
    /// frames or on what fits in memory.
    #[error("frame of {size} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// The size the frame header declared.
        size: u64,
        /// The limit it broke.
        max: i64,
    },
    /// Flags that are not allowed (for the engine's use; the decoder ignores the reserved bits
    /// as libzmq does, and reports a command with MORE as [`ProtocolError::MalformedCommand`]).
    #[error("invalid frame flags {0:#04x}")]
    InvalidFlags(u8),
    /// A security mechanism's key exchange failed (PLAIN/CURVE, later).
    #[error("key exchange failed: {0}")]
    KeyExchange(&'static str),
    /// A mechanism's MESSAGE command is malformed (CURVE, later).
    #[error("malformed MESSAGE command: {0}")]
    MalformedMessage(&'static str),
    /// A HELLO command is malformed (PLAIN/CURVE, later).
    #[error("malformed HELLO command: {0}")]
    MalformedHello(&'static str),
    /// An INITIATE command is malformed (PLAIN/CURVE, later).
    #[error("malformed INITIATE command: {0}")]
    MalformedInitiate(&'static str),
    /// A WELCOME command is malformed (PLAIN/CURVE, later).
    #[error("malformed WELCOME command: {0}")]
    MalformedWelcome(&'static str),
    /// A box failed to open or a nonce was wrong (CURVE, later).
    #[error("cryptographic error: {0}")]
    Cryptographic(&'static str),
    /// Any other protocol violation.
    #[error("protocol error: {0}")]
    Unspecified(&'static str),
}

impl ProtocolError {
    /// The libzmq `ZMQ_PROTOCOL_ERROR_*` code for this error.
    pub(crate) fn code(&self) -> u32 {
        match self {
            ProtocolError::BadSignature
            | ProtocolError::UnsupportedVersion(_)
            | ProtocolError::FrameTooLarge { .. }
            | ProtocolError::InvalidFlags(_)
            | ProtocolError::Unspecified(_) => PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            ProtocolError::MechanismMismatch => PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
            ProtocolError::MalformedCommand(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            ProtocolError::MalformedReady(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
            ProtocolError::MalformedError(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
            ProtocolError::InvalidMetadata(_) => PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            ProtocolError::UnexpectedCommand(_) => PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            ProtocolError::InvalidSequence(_) => PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
            ProtocolError::KeyExchange(_) => PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
            ProtocolError::MalformedMessage(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
            ProtocolError::MalformedHello(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
            ProtocolError::MalformedInitiate(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
            ProtocolError::MalformedWelcome(_) => PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
            ProtocolError::Cryptographic(_) => PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
        }
    }
}

/// How a handshake ended without a connection.
///
/// The engine reports each one as libzmq does: [`HandshakeError::Protocol`] and
/// [`HandshakeError::BadZapReply`] as HANDSHAKE_FAILED_PROTOCOL with
/// [`HandshakeError::protocol_code`], [`HandshakeError::Auth`] as HANDSHAKE_FAILED_AUTH with the
/// status code, the other two without a handshake-failed event of their own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HandshakeError {
    /// The peer broke the protocol.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The peer's socket type cannot talk to ours (RFC 23's table): libzmq closes without an
    /// ERROR command and without a handshake-failed event.
    #[error("incompatible peer socket type")]
    Incompatible,
    /// The peer sent an ERROR command, with this reason.
    #[error("the peer sent ERROR ({})", String::from_utf8_lossy(.0))]
    PeerError(Bytes),
    /// Authentication refused: the ZAP status code (300, 400 or 500).
    #[error("authentication refused (ZAP status {0})")]
    Auth(u32),
    /// The mechanism needs a ZAP handler (a PLAIN server) and none is bound: libzmq 4.3 reports
    /// HANDSHAKE_FAILED_NO_DETAIL with EFAULT and closes.
    #[error("no ZAP handler (inproc://zeromq.zap.01) is bound")]
    NoZapHandler,
    /// The ZAP handler's reply could not be used.
    #[error("unusable ZAP reply: {reason}")]
    BadZapReply {
        /// The `ZMQ_PROTOCOL_ERROR_ZAP_*` code.
        code: u32,
        /// What was wrong with it.
        reason: &'static str,
    },
}

impl HandshakeError {
    /// The `ZMQ_PROTOCOL_ERROR_*` code of a protocol failure (HANDSHAKE_FAILED_PROTOCOL's value),
    /// `None` for the failures reported otherwise.
    pub(crate) fn protocol_code(&self) -> Option<u32> {
        match self {
            HandshakeError::Protocol(e) => Some(e.code()),
            HandshakeError::BadZapReply { code, .. } => Some(*code),
            HandshakeError::Incompatible
            | HandshakeError::NoZapHandler
            | HandshakeError::PeerError(_)
            | HandshakeError::Auth(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_libzmq() {
        assert_eq!(ProtocolError::BadSignature.code(), 0x1000_0000);
        assert_eq!(ProtocolError::UnsupportedVersion(2).code(), 0x1000_0000);
        assert_eq!(ProtocolError::MechanismMismatch.code(), 0x1100_0002);
        assert_eq!(ProtocolError::MalformedCommand("x").code(), 0x1000_0011);
        assert_eq!(ProtocolError::MalformedReady("x").code(), 0x1000_0016);
        assert_eq!(ProtocolError::MalformedError("x").code(), 0x1000_0015);
        assert_eq!(ProtocolError::InvalidMetadata("x").code(), 0x1000_0018);
        assert_eq!(
            ProtocolError::UnexpectedCommand("HELLO".into()).code(),
            0x1000_0001
        );
        assert_eq!(ProtocolError::InvalidSequence("x").code(), 0x1000_0002);
        assert_eq!(ProtocolError::KeyExchange("x").code(), 0x1000_0003);
        assert_eq!(ProtocolError::MalformedMessage("x").code(), 0x1000_0012);
        assert_eq!(ProtocolError::MalformedHello("x").code(), 0x1000_0013);
        assert_eq!(ProtocolError::MalformedInitiate("x").code(), 0x1000_0014);
        assert_eq!(ProtocolError::MalformedWelcome("x").code(), 0x1000_0017);
        assert_eq!(ProtocolError::Cryptographic("x").code(), 0x1100_0001);
        assert_eq!(ProtocolError::Unspecified("x").code(), 0x1000_0000);
        assert_eq!(
            ProtocolError::FrameTooLarge { size: 10, max: 5 }.code(),
            0x1000_0000
        );
        assert_eq!(ProtocolError::InvalidFlags(0x05).code(), 0x1000_0000);
    }

    #[test]
    fn display_texts() {
        assert_eq!(
            ProtocolError::FrameTooLarge { size: 10, max: 5 }.to_string(),
            "frame of 10 bytes exceeds the limit of 5 bytes"
        );
        assert_eq!(
            ProtocolError::UnsupportedVersion(2).to_string(),
            "unsupported ZMTP version 2.x (3.0 or later required)"
        );
        assert_eq!(
            ProtocolError::UnexpectedCommand("HELLO".into()).to_string(),
            "unexpected command HELLO"
        );
        assert_eq!(
            ProtocolError::InvalidFlags(5).to_string(),
            "invalid frame flags 0x05"
        );
    }

    #[test]
    fn handshake_error_codes() {
        assert_eq!(
            HandshakeError::from(ProtocolError::MechanismMismatch).protocol_code(),
            Some(0x1100_0002)
        );
        assert_eq!(
            HandshakeError::BadZapReply {
                code: PROTOCOL_ERROR_ZAP_BAD_VERSION,
                reason: "version"
            }
            .protocol_code(),
            Some(0x2000_0003)
        );
        assert_eq!(HandshakeError::Incompatible.protocol_code(), None);
        assert_eq!(HandshakeError::Auth(400).protocol_code(), None);
        assert_eq!(
            HandshakeError::PeerError(Bytes::from_static(b"400")).to_string(),
            "the peer sent ERROR (400)"
        );
    }
}
