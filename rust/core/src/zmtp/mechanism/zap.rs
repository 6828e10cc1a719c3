//! ZAP (RFC 27): the authentication request a mechanism makes and the handler's reply.
//!
//! A server-side mechanism asks for a decision through [`super::Mechanism::zap_request`]; the
//! engine delivers the request to the context's ZAP handler (`inproc://zeromq.zap.01`) and
//! feeds the outcome back with [`super::Mechanism::zap_answer`]. The frames and the checks on
//! the reply are libzmq 4.3's (`zap_client_t`), in its order and with its error codes.

use crate::zmtp::command;
use crate::zmtp::error::{
    HandshakeError, PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID, PROTOCOL_ERROR_ZAP_BAD_VERSION,
    PROTOCOL_ERROR_ZAP_INVALID_METADATA, PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
    PROTOCOL_ERROR_ZAP_MALFORMED_REPLY, PROTOCOL_ERROR_ZAP_UNSPECIFIED,
};
use bytes::Bytes;

/// The ZAP endpoint a handler binds, in the same context as the authenticating socket.
pub(crate) const ENDPOINT: &str = "inproc://zeromq.zap.01";
/// The protocol version, first frame of requests and replies.
pub(crate) const VERSION: &[u8] = b"1.0";
/// The request id libzmq sends (one request per connection).
pub(crate) const REQUEST_ID: &[u8] = b"1";

/// A request for an authentication decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZapRequest {
    /// ZMQ_ZAP_DOMAIN of the server socket (empty if unset, as libzmq sends it).
    pub(crate) domain: Bytes,
    /// The server socket's own routing id (libzmq sends its own, not the client's).
    pub(crate) identity: Bytes,
    /// The mechanism's name (`NULL`, `PLAIN`, `CURVE`).
    pub(crate) mechanism: &'static [u8],
    /// The credentials: none for NULL; username and password for PLAIN; the client's
    /// long-term public key (32 bytes) for CURVE.
    pub(crate) credentials: Vec<Bytes>,
}

impl ZapRequest {
    /// The request's frames, starting with the empty delimiter: version, request id, domain,
    /// `address` (the peer's address as text: TCP IP without port, `localhost:uid:gid:pid`
    /// over ipc), identity, mechanism, credentials.
    pub(crate) fn frames(&self, address: &[u8]) -> Vec<Bytes> {
        let mut frames = Vec::with_capacity(7 + self.credentials.len());
        frames.push(Bytes::new());
        frames.push(Bytes::from_static(VERSION));
        frames.push(Bytes::from_static(REQUEST_ID));
        frames.push(self.domain.clone());
        frames.push(Bytes::copy_from_slice(address));
        frames.push(self.identity.clone());
        frames.push(Bytes::from_static(self.mechanism));
        frames.extend(self.credentials.iter().cloned());
        frames
    }
}

/// A handler's reply that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ZapReply {
    /// 200 (accepted), 300 (temporary failure), 400 (refused) or 500 (internal error).
    pub(crate) status: u32,
    /// The user id, which becomes the connection's `User-Id` property.
    pub(crate) user_id: Bytes,
    /// Extra properties for the connection.
    pub(crate) metadata: Vec<(Bytes, Bytes)>,
}

impl ZapReply {
    /// Checks a reply as received, the empty delimiter first, in libzmq's order: 7 frames,
    /// empty delimiter, version `1.0`, request id `1`, a status code `200`..`500` in
    /// hundreds, a metadata frame that parses as ZMTP properties. The status text is ignored.
    pub(crate) fn parse(frames: &[Bytes]) -> Result<ZapReply, HandshakeError> {
        let bad = |code, reason| HandshakeError::BadZapReply { code, reason };
        let [delimiter, version, request_id, status, _text, user_id, metadata] = frames else {
            return Err(bad(
                PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
                "a reply has 7 frames, the delimiter included",
            ));
        };
        if !delimiter.is_empty() {
            return Err(bad(PROTOCOL_ERROR_ZAP_UNSPECIFIED, "delimiter not empty"));
        }
        if version[..] != *VERSION {
            return Err(bad(PROTOCOL_ERROR_ZAP_BAD_VERSION, "version is not 1.0"));
        }
        if request_id[..] != *REQUEST_ID {
            return Err(bad(PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID, "unknown request id"));
        }
        let status = match status[..] {
            [d @ b'2'..=b'5', b'0', b'0'] => u32::from(d - b'0') * 100,
            _ => {
                return Err(bad(
                    PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
                    "status code is not 200, 300, 400 or 500",
                ))
            }
        };
        let metadata = command::parse_properties(metadata)
            .map_err(|_| bad(PROTOCOL_ERROR_ZAP_INVALID_METADATA, "metadata do not parse"))?;
        Ok(ZapReply {
            status,
            user_id: user_id.clone(),
            metadata,
        })
    }
}

/// What became of a ZAP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ZapAnswer {
    /// No handler is bound in the context: each mechanism goes on as libzmq does without one.
    NoHandler,
    /// The handler's reply.
    Reply(ZapReply),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &[u8]) -> Bytes {
        Bytes::copy_from_slice(s)
    }

    fn reply(status: &[u8], metadata: &[u8]) -> Vec<Bytes> {
        vec![
            Bytes::new(),
            b(b"1.0"),
            b(b"1"),
            b(status),
            b(b"OK"),
            b(b"client1"),
            b(metadata),
        ]
    }

    fn code(frames: &[Bytes]) -> Option<u32> {
        ZapReply::parse(frames)
            .err()
            .and_then(|e| e.protocol_code())
    }

    #[test]
    fn request_frames_as_libzmq_sends_them() {
        let req = ZapRequest {
            domain: b(b"global"),
            identity: b(b"SRV"),
            mechanism: b"PLAIN",
            credentials: vec![b(b"admin"), b(b"secret")],
        };
        let want: Vec<&[u8]> = vec![
            b"",
            b"1.0",
            b"1",
            b"global",
            b"127.0.0.1",
            b"SRV",
            b"PLAIN",
            b"admin",
            b"secret",
        ];
        assert_eq!(req.frames(b"127.0.0.1"), want);
        let null = ZapRequest {
            domain: b(b"d"),
            identity: Bytes::new(),
            mechanism: b"NULL",
            credentials: Vec::new(),
        };
        assert_eq!(null.frames(b"127.0.0.1").len(), 7);
    }

    #[test]
    fn reply_accepted() {
        let r = ZapReply::parse(&reply(b"200", b"\x06X-Role\x00\x00\x00\x05admin")).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(&r.user_id[..], b"client1");
        assert_eq!(r.metadata, vec![(b(b"X-Role"), b(b"admin"))]);
        for (s, n) in [(&b"300"[..], 300), (b"400", 400), (b"500", 500)] {
            assert_eq!(ZapReply::parse(&reply(s, b"")).unwrap().status, n);
        }
    }

    #[test]
    fn reply_checks_in_libzmq_order() {
        let good = reply(b"200", b"");
        assert_eq!(code(&good[..5]), Some(0x2000_0001));
        let mut long = good.clone();
        long.push(Bytes::new());
        assert_eq!(code(&long), Some(0x2000_0001));
        let mut r = good.clone();
        r[0] = b(b"x");
        r[1] = b(b"2.0");
        assert_eq!(code(&r), Some(0x2000_0000));
        r[0] = Bytes::new();
        r[2] = b(b"2");
        assert_eq!(code(&r), Some(0x2000_0003));
        r[1] = b(b"1.0");
        assert_eq!(code(&r), Some(0x2000_0002));
        r[2] = b(b"1");
        for status in [&b"201"[..], b"100", b"600", b"20", b"2000", b""] {
            r[3] = b(status);
            assert_eq!(code(&r), Some(0x2000_0004), "{status:?}");
        }
        r[3] = b(b"200");
        r[6] = b(b"\x06X-Role\x00\x00\x00\x09admin");
        assert_eq!(code(&r), Some(0x2000_0005));
    }
}
