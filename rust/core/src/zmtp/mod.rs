//! ZMTP 3.x (ZeroMQ Message Transport Protocol, RFC 23 / RFC 37) without I/O.
//!
//! Everything here is a pure function or a state machine over byte buffers: no sockets, no
//! threads, no clocks. The I/O engine feeds received bytes in and writes the produced bytes
//! out. The wire format follows libzmq 4.3 byte for byte (see `wire_tests`, which replay
//! handshakes captured from libzmq 4.3.4).
//!
//! - [`greeting`]: the fixed 64-byte greeting, version and mechanism checks.
//! - [`frame`]: the frame layout and the frame encoders.
//! - [`codec`]: the incremental frame decoder.
//! - [`command`]: command frame bodies (READY, ERROR, SUBSCRIBE, CANCEL, PING, PONG) and
//!   property lists.
//! - [`metadata`]: the properties we announce and the checks on the peer's.
//! - [`handshake`]: the handshake as a state machine (greetings, mechanism commands, ZAP).
//! - [`mechanism`]: the security mechanisms behind one trait (NULL), and ZAP requests.
//! - [`error`]: why a peer was refused, with libzmq's protocol error codes.

// Some items (PLAIN/CURVE names, error variants and codes of the security mechanisms, ZAP
// delivery) are there for the mechanisms still to come and have no caller yet.
#![allow(dead_code)]

pub(crate) mod codec;
pub(crate) mod command;
pub(crate) mod error;
pub(crate) mod frame;
pub(crate) mod greeting;
pub(crate) mod handshake;
pub(crate) mod mechanism;
pub(crate) mod metadata;
#[cfg(test)]
mod wire_tests;

pub(crate) use error::{HandshakeError, ProtocolError};
