//! The incremental ZMTP frame decoder: received bytes in, frames and commands out.
//!
//! The frame layout and the encoders are in [`super::frame`]. The decoder does no I/O: the
//! engine reads into the buffer it hands out ([`Decoder::read_target`]).

use super::command::{self, Command};
use super::frame::{RawFrame, FLAG_COMMAND, FLAG_LONG, FLAG_MORE, MAX_HEADER_LEN};
use super::greeting::{self, Greeting, GREETING_LEN};
use super::ProtocolError;
use crate::msg::Frame;
use bytes::{Buf, Bytes, BytesMut};

/// Free space [`Decoder::read_buf`] guarantees for ordinary reads (libzmq's `in_batch_size`).
pub(crate) const IN_BATCH_SIZE: usize = 8192;
/// Hard cap on the size of a command frame, whatever ZMQ_MAXMSGSIZE says.
pub(crate) const MAX_COMMAND_SIZE: u64 = 1 << 31;
/// How far ahead of the bytes that have arrived a large body's buffer may be allocated: the
/// buffer of a large frame holds at most `arrived + max(GROWTH_STEP, arrived)` bytes, so a
/// peer that declares a huge size and sends little makes us allocate little.
pub(crate) const GROWTH_STEP: usize = 1 << 20;

/// What the decoder produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A message frame (its MORE flag says whether the message goes on).
    Frame(Frame),
    /// A command, parsed.
    Command(Command),
}

/// The header of the frame whose body is being received.
#[derive(Debug, Clone, Copy)]
struct Header {
    /// Body size in bytes.
    size: usize,
    /// MORE flag.
    more: bool,
    /// COMMAND flag.
    command: bool,
}

/// Incremental frame decoder.
///
/// The engine reads from the socket directly into the buffer [`Decoder::read_target`] hands
/// out, then calls [`Decoder::next`] until it returns `Ok(None)`.
///
/// Small frames are zero-copy slices of the batch buffer (at least [`IN_BATCH_SIZE`] free
/// bytes per read). A frame with at least [`IN_BATCH_SIZE`] bytes of body still missing gets
/// a buffer of its own, of exactly its size (for frames beyond 1 MiB, geometric steps towards
/// it, never more than `arrived + max(1 MiB, arrived)` ahead, so a declared size is never
/// allocated before the bytes arrive), which a read through [`Decoder::read_target`] fills
/// up to the frame's end and no further. Such a body is one allocation that nothing else shares: a receiver can take
/// it over (`Bytes::try_into_mut`) instead of copying it, and the batch buffer stays in use
/// across large frames, as libzmq's does. The batch buffer is allocated on the first read and
/// let go of by [`Decoder::release_idle`], so that an idle connection holds none.
///
/// The decoder keeps no message state: a command between two frames of a multipart message
/// comes out in order and changes nothing. Errors are sticky: once `next` has failed it keeps
/// returning the same error.
#[derive(Debug)]
pub(crate) struct Decoder {
    /// Received bytes not yet decoded (after the pending header, if any).
    buf: BytesMut,
    /// The body of a large frame being received (its header is `header`), in a buffer of its
    /// own; `buf` is empty meanwhile.
    body: Option<BytesMut>,
    /// ZMQ_MAXMSGSIZE: frames larger than this are refused when it is >= 0.
    max_msg_size: i64,
    /// Header of the frame whose body is being received.
    header: Option<Header>,
    /// The error that stopped decoding.
    failed: Option<ProtocolError>,
}

impl Decoder {
    /// A decoder refusing frames larger than `max_msg_size` bytes (no limit when negative).
    pub(crate) fn new(max_msg_size: i64) -> Self {
        Decoder {
            buf: BytesMut::new(),
            body: None,
            max_msg_size,
            header: None,
            failed: None,
        }
    }

    /// Changes the size limit; it applies from the next frame header on.
    pub(crate) fn set_max_msg_size(&mut self, max_msg_size: i64) {
        self.max_msg_size = max_msg_size;
    }

    /// The buffer to append received bytes to: the batch buffer, with at least
    /// [`IN_BATCH_SIZE`] bytes of free capacity, or a large frame's own body buffer, with room
    /// for more of the body (see [`Decoder`]).
    ///
    /// Append only, except that before the first [`Decoder::next`] the engine may take the
    /// peer's greeting off the front (or let [`Decoder::take_greeting`] do it). Call
    /// [`Decoder::next`] until `Ok(None)` before reading again, or the buffer keeps growing.
    pub(crate) fn read_buf(&mut self) -> &mut BytesMut {
        self.make_room();
        match &mut self.body {
            Some(body) => body,
            None => &mut self.buf,
        }
    }

    /// Where the next read goes: the read buffer of [`Decoder::read_buf`] and how many bytes
    /// a read may append to it, which is its free capacity, cut at a large frame's end so that
    /// a large body is read up to the frame's end and no further. The engine reads once into
    /// the free space as it is (not zero-filled first: a 1 MiB body costs one copy, not a fill
    /// and a copy), then calls [`Decoder::next`].
    pub(crate) fn read_target(&mut self) -> (&mut BytesMut, usize) {
        let body_left = match (self.header, &self.body) {
            (Some(h), Some(body)) => h.size.saturating_sub(body.len()),
            _ => usize::MAX,
        };
        let buf = self.read_buf();
        let room = (buf.capacity() - buf.len()).min(body_left);
        // `read_buf` leaves room, and a complete body is taken by `next` before any read: a
        // zero-length read would look like end of file.
        debug_assert!(room > 0, "read with no room");
        (buf, room)
    }

    /// Number of received bytes held and not yet returned by [`Decoder::next`] (including the
    /// part of a body that has arrived, excluding a frame header already consumed).
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len() + self.body.as_ref().map_or(0, BytesMut::len)
    }

    /// Lets go of the batch buffer if it holds nothing (the connection has nothing more to
    /// read for now); the next read allocates a new one. An idle connection then holds no
    /// read buffer, instead of 8 KiB.
    pub(crate) fn release_idle(&mut self) {
        if self.buf.is_empty() && self.header.is_none() {
            self.buf = BytesMut::new();
        }
    }

    /// True while a frame has been started (header or part of the body received) but not
    /// completed.
    pub(crate) fn mid_frame(&self) -> bool {
        self.header.is_some() || !self.buf.is_empty()
    }

    /// Takes the peer's greeting off the front of the buffer, for an engine that reads the
    /// greeting through this decoder too: the result of [`greeting::check`] on the buffered
    /// bytes, and on success the 64 greeting bytes are consumed, leaving what followed them
    /// (typically the first command) for [`Decoder::next`]. Call it before the first `next`.
    pub(crate) fn take_greeting(&mut self) -> Result<Option<Greeting>, ProtocolError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match greeting::check(&self.buf) {
            Ok(Some(g)) => {
                self.buf.advance(GREETING_LEN);
                Ok(Some(g))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// The next complete frame or command, `Ok(None)` when more bytes are needed.
    ///
    /// Every size is checked before anything is allocated: a frame larger than ZMQ_MAXMSGSIZE
    /// (when >= 0), a command frame larger than 2^31 or a frame that cannot be addressed gives
    /// [`ProtocolError::FrameTooLarge`]; a command frame with MORE gives
    /// [`ProtocolError::MalformedCommand`]; command bodies are checked by [`command::parse`].
    /// Reserved flag bits are ignored and LONG sizes below 256 accepted, as libzmq does.
    pub(crate) fn next(&mut self) -> Result<Option<Event>, ProtocolError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.decode(|data, h| {
            if h.command {
                command::parse(data).map(|c| Some(Event::Command(c)))
            } else {
                Ok(Some(Event::Frame(Frame { data, more: h.more })))
            }
        });
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// The next complete frame with a command's body left unparsed (see [`RawFrame`]), with
    /// the size checks of [`Decoder::next`]. Errors are sticky here too.
    pub(crate) fn next_frame(&mut self) -> Result<Option<RawFrame>, ProtocolError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.decode(|data, h| {
            Ok(Some(RawFrame {
                data,
                more: h.more,
                command: h.command,
            }))
        });
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// The next complete frame, made into a `T` by `make` from its body and header (`make`
    /// builds the whole result, so that it is written in place); without the sticky error.
    #[inline(always)]
    fn decode<T>(
        &mut self,
        make: impl FnOnce(Bytes, Header) -> Result<Option<T>, ProtocolError>,
    ) -> Result<Option<T>, ProtocolError> {
        let h = match self.header {
            Some(h) => h,
            None => match self.parse_header()? {
                Some(h) => {
                    self.header = Some(h);
                    h
                }
                None => return Ok(None),
            },
        };
        let body = if let Some(own) = &mut self.body {
            if own.len() < h.size {
                return Ok(None);
            }
            if own.len() > h.size {
                // Appended past the frame's end through read_buf (a read through read_target
                // never does): the excess goes back to the batch buffer, empty until now.
                self.buf.extend_from_slice(&own[h.size..]);
                own.truncate(h.size);
            }
            self.body.take().unwrap_or_default().freeze()
        } else if self.buf.len() >= h.size {
            self.buf.split_to(h.size).freeze()
        } else {
            let arrived = self.buf.len();
            if h.size - arrived >= IN_BATCH_SIZE {
                // A large body: its own buffer, sized for it (or a first step towards it).
                let mut own = BytesMut::with_capacity(body_step(h.size, arrived));
                own.extend_from_slice(&self.buf);
                self.buf.clear();
                self.body = Some(own);
            }
            return Ok(None);
        };
        self.header = None;
        make(body, h)
    }

    /// Parses and consumes a frame header if all of it has arrived. Inlined into both decode
    /// paths: it is the per-frame hot path.
    #[inline(always)]
    fn parse_header(&mut self) -> Result<Option<Header>, ProtocolError> {
        let Some(&flags) = self.buf.first() else {
            return Ok(None);
        };
        let (size, header_len) = if flags & FLAG_LONG != 0 {
            let Some(s) = self
                .buf
                .get(1..MAX_HEADER_LEN)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
            else {
                return Ok(None);
            };
            (u64::from_be_bytes(s), MAX_HEADER_LEN)
        } else {
            let Some(&s) = self.buf.get(1) else {
                return Ok(None);
            };
            (u64::from(s), 2)
        };
        let more = flags & FLAG_MORE != 0;
        let command = flags & FLAG_COMMAND != 0;
        if command && more {
            return Err(ProtocolError::MalformedCommand(
                "command frame with the MORE flag set",
            ));
        }
        if let Ok(max) = u64::try_from(self.max_msg_size) {
            if size > max {
                return Err(ProtocolError::FrameTooLarge {
                    size,
                    max: self.max_msg_size,
                });
            }
        }
        if command && size > MAX_COMMAND_SIZE {
            return Err(ProtocolError::FrameTooLarge {
                size,
                max: MAX_COMMAND_SIZE as i64,
            });
        }
        let Ok(size) = usize::try_from(size) else {
            return Err(ProtocolError::FrameTooLarge {
                size,
                max: i64::try_from(usize::MAX).unwrap_or(i64::MAX),
            });
        };
        self.buf.advance(header_len);
        Ok(Some(Header {
            size,
            more,
            command,
        }))
    }

    /// Makes sure the read buffer has free space (see [`Decoder::read_buf`]).
    fn make_room(&mut self) {
        if let (Some(h), Some(own)) = (self.header, &mut self.body) {
            let len = own.len();
            if own.capacity() > len || len >= h.size {
                return;
            }
            // The next step towards the frame's size, in a new exact buffer.
            let mut fresh = BytesMut::with_capacity(body_step(h.size, len));
            fresh.extend_from_slice(own);
            *own = fresh;
            return;
        }
        let len = self.buf.len();
        if self.buf.capacity() - len >= IN_BATCH_SIZE {
            return;
        }
        self.regrow(len.saturating_add(IN_BATCH_SIZE));
    }

    /// Gives the batch buffer a capacity of at least `capacity` (exactly that if it must allocate),
    /// reusing the current allocation when nothing else holds it.
    fn regrow(&mut self, capacity: usize) {
        let additional = capacity.saturating_sub(self.buf.len());
        if self.buf.try_reclaim(additional) {
            return;
        }
        let mut fresh = BytesMut::with_capacity(capacity);
        fresh.extend_from_slice(&self.buf);
        self.buf = fresh;
    }
}

/// Capacity of a large body's buffer when `arrived` of its `size` bytes are in: the whole
/// frame, or, for frames beyond 1 MiB, never more than `max(1 MiB, arrived)` ahead of the
/// bytes that came.
fn body_step(size: usize, arrived: usize) -> usize {
    size.min(arrived.saturating_add(arrived.max(GROWTH_STEP)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::frame::{encode_command, encode_frame};
    use bytes::Bytes;
    use std::io::Write;
    use std::os::fd::{AsRawFd, RawFd};
    use std::os::unix::net::UnixStream;

    impl Decoder {
        /// One read from `fd` into the decoder, as a connection makes it.
        fn read_fd(&mut self, fd: RawFd) -> std::io::Result<usize> {
            let (buf, room) = self.read_target();
            crate::sys::fd::read_to_spare(fd, buf, room)
        }
    }

    /// Feeds `input` into a fresh decoder `chunk` bytes at a time and collects the events.
    fn decode_chunked(input: &[u8], chunk: usize, max: i64) -> (Vec<Event>, Option<ProtocolError>) {
        let mut d = Decoder::new(max);
        let mut events = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            d.read_buf().extend_from_slice(piece);
            loop {
                match d.next() {
                    Ok(Some(e)) => events.push(e),
                    Ok(None) => break,
                    Err(e) => return (events, Some(e)),
                }
            }
        }
        (events, None)
    }

    fn frame(data: &[u8], more: bool) -> Event {
        Event::Frame(Frame::copy_from(data, more))
    }

    #[test]
    fn any_split_decodes_the_same() {
        let mut wire = BytesMut::new();
        encode_frame(&mut wire, b"hello", true, false);
        encode_command(&mut wire, &command::ping(20, b""));
        encode_frame(&mut wire, &[9u8; 700], true, false);
        encode_frame(&mut wire, b"", false, false);
        let want = vec![
            frame(b"hello", true),
            Event::Command(Command::Ping {
                ttl_ds: 20,
                context: Bytes::new(),
            }),
            frame(&[9u8; 700], true),
            frame(b"", false),
        ];
        for chunk in 1..=wire.len() {
            let (events, err) = decode_chunked(&wire, chunk, -1);
            assert_eq!(err, None, "chunk {chunk}");
            assert_eq!(events, want, "chunk {chunk}");
        }
    }

    #[test]
    fn long_encoding_of_small_sizes_and_reserved_bits() {
        let wire = b"\x02\x00\x00\x00\x00\x00\x00\x00\x03abc\xf1\x01x\x06\x00\x00\x00\x00\x00\x00\x00\x05\x04PONG";
        let (events, err) = decode_chunked(wire, 64, -1);
        assert_eq!(err, None);
        assert_eq!(
            events,
            vec![
                frame(b"abc", false),
                frame(b"x", true),
                Event::Command(Command::Pong(Bytes::new()))
            ]
        );
    }

    #[test]
    fn command_with_more_is_malformed() {
        let (_, err) = decode_chunked(b"\x05\x04\x04PING", 64, -1);
        assert!(matches!(err, Some(ProtocolError::MalformedCommand(_))));
    }

    #[test]
    fn size_limits() {
        let (events, err) = decode_chunked(b"\x00\x03abc", 64, 3);
        assert_eq!((events.len(), err), (1, None));
        let (_, err) = decode_chunked(b"\x00\x04abcd", 64, 3);
        assert_eq!(err, Some(ProtocolError::FrameTooLarge { size: 4, max: 3 }));
        // checked as soon as the header is in, before the body arrives
        let mut d = Decoder::new(10);
        d.read_buf()
            .extend_from_slice(b"\x02\x00\x00\x00\x00\x00\x01\x00\x00");
        assert_eq!(
            d.next(),
            Err(ProtocolError::FrameTooLarge {
                size: 65536,
                max: 10
            })
        );
        // sticky
        assert!(d.next().is_err());
        assert!(d.take_greeting().is_err());
        // command cap, whatever the message limit
        let (_, err) = decode_chunked(b"\x06\x00\x00\x00\x00\x80\x00\x00\x01", 64, -1);
        assert_eq!(
            err,
            Some(ProtocolError::FrameTooLarge {
                size: (1 << 31) + 1,
                max: 1 << 31
            })
        );
        // max 0 allows only empty frames
        let (events, err) = decode_chunked(b"\x00\x00\x00\x01a", 64, 0);
        assert_eq!(events.len(), 1);
        assert!(err.is_some());
    }

    #[test]
    fn huge_declared_size_is_not_preallocated() {
        let mut d = Decoder::new(-1);
        d.read_buf()
            .extend_from_slice(b"\x02\x80\x00\x00\x00\x00\x00\x00\x00abc");
        assert_eq!(d.next(), Ok(None));
        let mut arrived = 3usize;
        for _ in 0..40 {
            let buf = d.read_buf();
            assert!(
                buf.capacity() <= arrived + arrived.max(GROWTH_STEP) + IN_BATCH_SIZE,
                "capacity {} with {} arrived",
                buf.capacity(),
                arrived
            );
            let n = (buf.capacity() - buf.len()).min(100_000);
            buf.resize(buf.len() + n, 0x55);
            arrived += n;
            assert_eq!(d.next(), Ok(None));
            assert_eq!(d.buffered(), arrived);
        }
    }

    #[test]
    fn large_body_is_read_in_place_and_exact() {
        let size = 3 * GROWTH_STEP + 12345;
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut wire = BytesMut::new();
        encode_frame(&mut wire, &body, false, false);
        encode_frame(&mut wire, b"next", false, false);
        let (mut tx, rx) = UnixStream::pair().unwrap();
        let writer = std::thread::spawn(move || tx.write_all(&wire).unwrap());
        let mut d = Decoder::new(-1);
        let mut events = Vec::new();
        while events.len() < 2 {
            let n = d.read_fd(rx.as_raw_fd()).unwrap();
            assert!(n > 0);
            while let Some(e) = d.next().unwrap() {
                events.push(e);
            }
        }
        writer.join().unwrap();
        assert_eq!(events.len(), 2);
        let Event::Frame(f) = &events[0] else {
            panic!("not a frame")
        };
        assert_eq!(f.data.len(), size);
        assert!(f.data[..] == body[..]);
        assert_eq!(events[1], frame(b"next", false));
        // The body is one allocation of exactly its size that the decoder does not share.
        let Event::Frame(f) = events.swap_remove(0) else {
            panic!("not a frame")
        };
        let owned = f
            .data
            .try_into_mut()
            .expect("the decoder keeps no reference");
        assert_eq!(owned.len(), size);
        assert_eq!(owned.capacity(), size);
    }

    #[test]
    fn large_frame_between_small_ones_then_idle() {
        let (mut tx, rx) = UnixStream::pair().unwrap();
        rx.set_nonblocking(true).unwrap();
        let mut d = Decoder::new(-1);
        let mut wire = BytesMut::new();
        encode_frame(&mut wire, b"small", false, false);
        encode_frame(&mut wire, &vec![3u8; 100_000], false, false);
        encode_frame(&mut wire, b"after", false, false);
        tx.write_all(&wire).unwrap();
        let mut got = Vec::new();
        loop {
            match d.read_fd(rx.as_raw_fd()) {
                Ok(n) => assert!(n > 0),
                Err(e) => {
                    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
                    break;
                }
            }
            while let Some(Event::Frame(f)) = d.next().unwrap() {
                got.push(f.data);
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(&got[2][..], b"after");
        assert_eq!(got[1].len(), 100_000);
        assert!(got[1].iter().all(|&b| b == 3));
        assert!(!d.mid_frame());
        d.release_idle();
        assert_eq!(d.buf.capacity(), 0, "an idle decoder holds no buffer");
        tx.write_all(b"\x00\x01z").unwrap();
        d.read_fd(rx.as_raw_fd()).unwrap();
        assert_eq!(d.next(), Ok(Some(frame(b"z", false))));
    }

    #[test]
    fn medium_body_buffer_is_exact() {
        // 20 000-byte body: after the first batch, the rest is read into a buffer of exactly
        // the body's size.
        let body = vec![7u8; 20_000];
        let mut wire = BytesMut::new();
        encode_frame(&mut wire, &body, false, false);
        let mut d = Decoder::new(-1);
        let first = d.read_buf().capacity();
        d.read_buf().extend_from_slice(&wire[..first]);
        assert_eq!(d.next(), Ok(None));
        let buf = d.read_buf();
        assert_eq!(buf.capacity(), 20_000);
        buf.extend_from_slice(&wire[first..]);
        let Ok(Some(Event::Frame(f))) = d.next() else {
            panic!("no frame")
        };
        assert_eq!(f.data.len(), 20_000);
        assert_eq!(d.buffered(), 0);
        assert!(d.read_buf().capacity() >= IN_BATCH_SIZE);
    }

    #[test]
    fn read_buf_always_has_room() {
        let mut d = Decoder::new(-1);
        for _ in 0..10 {
            let buf = d.read_buf();
            assert!(buf.capacity() - buf.len() >= IN_BATCH_SIZE);
            buf.extend_from_slice(&[0u8; 5000]); // 2500 empty frames
            while let Ok(Some(_)) = d.next() {}
        }
        // holding on to the frames does not break anything either
        let mut keep = Vec::new();
        for _ in 0..10 {
            d.read_buf().extend_from_slice(b"\x01\x01a");
            while let Ok(Some(e)) = d.next() {
                keep.push(e);
            }
            let buf = d.read_buf();
            assert!(buf.capacity() - buf.len() >= IN_BATCH_SIZE);
        }
        assert_eq!(keep.len(), 10);
        assert!(!d.mid_frame());
        d.read_buf().extend_from_slice(b"\x00");
        assert_eq!(d.next(), Ok(None));
        assert!(d.mid_frame());
    }

    #[test]
    fn greeting_then_frames_in_one_buffer() {
        let mut d = Decoder::new(-1);
        assert_eq!(d.take_greeting(), Ok(None));
        let g = greeting::encode(greeting::NULL, false);
        d.read_buf().extend_from_slice(&g[..30]);
        assert_eq!(d.take_greeting(), Ok(None));
        let buf = d.read_buf();
        buf.extend_from_slice(&g[30..]);
        encode_command(buf, &command::ready("PUSH", None));
        let got = d.take_greeting().unwrap().unwrap();
        assert!(got.mechanism_is(greeting::NULL));
        let Ok(Some(Event::Command(Command::Ready(props)))) = d.next() else {
            panic!("no READY")
        };
        assert_eq!(
            command::property(&props, command::SOCKET_TYPE).map(|v| &v[..]),
            Some(&b"PUSH"[..])
        );
        let mut bad = Decoder::new(-1);
        bad.read_buf().extend_from_slice(b"\x01\x00");
        assert_eq!(bad.take_greeting(), Err(ProtocolError::BadSignature));
        assert_eq!(bad.next(), Err(ProtocolError::BadSignature));
    }

    #[test]
    fn read_fd_reports_errors_and_eof() {
        let (mut tx, rx) = UnixStream::pair().unwrap();
        rx.set_nonblocking(true).unwrap();
        let mut d = Decoder::new(-1);
        let e = d.read_fd(rx.as_raw_fd()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
        assert_eq!(d.buffered(), 0);
        assert!(d.read_fd(-1).is_err(), "EBADF");
        assert_eq!(d.buffered(), 0);
        tx.write_all(b"\x00\x02hi").unwrap();
        assert_eq!(d.read_fd(rx.as_raw_fd()).unwrap(), 4);
        assert_eq!(d.next(), Ok(Some(frame(b"hi", false))));
        assert!(!d.mid_frame());
        drop(tx);
        assert_eq!(d.read_fd(rx.as_raw_fd()).unwrap(), 0, "end of file");
        assert_eq!(d.buffered(), 0);
    }
}
