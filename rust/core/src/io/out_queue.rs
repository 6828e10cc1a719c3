//! A connection's outbound bytes: small frames batched into one buffer, large bodies kept as
//! their own slices (not copied), all written with one `writev`.

use super::Stream;
use crate::zmtp::frame;
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::io::{ErrorKind, IoSlice, Write};

/// Bodies at least this large are written from their own memory instead of being copied into
/// the batch buffer.
const ZERO_COPY_MIN: usize = 8192;
/// Most slices handed to one `writev`.
const MAX_IOV: usize = 64;

/// Bytes waiting to be written: small frames batched in `cur`, large bodies as slices.
#[derive(Debug, Default)]
pub(super) struct OutQueue {
    /// Sealed chunks, in order.
    chunks: VecDeque<Bytes>,
    /// The batch buffer small frames are copied into.
    cur: BytesMut,
    /// Bytes queued in all, `cur` included.
    pub(super) len: usize,
}

impl OutQueue {
    /// A frame: header and small body into the batch, a large body as its own slice.
    pub(super) fn push_frame(&mut self, body: Bytes, more: bool, command: bool) {
        if body.len() >= ZERO_COPY_MIN {
            let before = self.cur.len();
            frame::frame_header(&mut self.cur, body.len(), more, command);
            self.len += self.cur.len() - before + body.len();
            self.seal();
            self.chunks.push_back(body);
        } else {
            let before = self.cur.len();
            frame::encode_frame(&mut self.cur, &body, more, command);
            self.len += self.cur.len() - before;
        }
    }

    /// Raw bytes (STREAM), copied into the batch when small.
    pub(super) fn push_bytes(&mut self, b: Bytes) {
        self.len += b.len();
        if b.len() >= ZERO_COPY_MIN {
            self.seal();
            self.chunks.push_back(b);
        } else {
            self.cur.extend_from_slice(&b);
        }
    }

    /// Lets `f` append to the batch buffer (handshake output, encoded subscriptions, wrapped
    /// frames) and returns what it returned.
    pub(super) fn push_raw<R>(&mut self, f: impl FnOnce(&mut BytesMut) -> R) -> R {
        let before = self.cur.len();
        let r = f(&mut self.cur);
        self.len += self.cur.len() - before;
        r
    }

    /// Moves the batch buffer into the chunk list (its header counted already).
    fn seal(&mut self) {
        if !self.cur.is_empty() {
            let b = self.cur.split().freeze();
            self.chunks.push_back(b);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes as much as the stream takes. Ok(true) when everything went out.
    pub(super) fn flush(&mut self, stream: &mut Stream) -> std::io::Result<bool> {
        loop {
            if self.len == 0 {
                return Ok(true);
            }
            self.seal();
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let mut k = 0;
            for (slot, c) in slices.iter_mut().zip(&self.chunks) {
                *slot = IoSlice::new(c);
                k += 1;
            }
            let n = match stream.write_vectored(&slices[..k]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.len -= n;
            let mut left = n;
            while left > 0 {
                let Some(front) = self.chunks.front_mut() else {
                    break;
                };
                if front.len() <= left {
                    left -= front.len();
                    self.chunks.pop_front();
                } else {
                    let _ = front.split_to(left);
                    left = 0;
                }
            }
        }
    }
}
