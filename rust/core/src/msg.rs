//! Message frames and whole messages.
//!
//! A *frame* is one part of a message (libzmq's `msg_t`); a *message* is the complete list of
//! frames sent as one unit. Pipes carry whole messages only, so a reader never sees part of a
//! message and HWM counts messages, not frames.

use bytes::Bytes;

/// One part of a message: its bytes and whether more parts follow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The frame's body.
    pub data: Bytes,
    /// True when another frame of the same message follows.
    pub more: bool,
}

impl Frame {
    /// A frame holding `data`.
    pub fn new(data: impl Into<Bytes>, more: bool) -> Frame {
        Frame {
            data: data.into(),
            more,
        }
    }

    /// A frame holding a copy of `data`.
    pub fn copy_from(data: &[u8], more: bool) -> Frame {
        Frame {
            data: Bytes::copy_from_slice(data),
            more,
        }
    }

    /// The empty frame (REQ/REP delimiter).
    pub fn empty(more: bool) -> Frame {
        Frame {
            data: Bytes::new(),
            more,
        }
    }

    /// Length of the body in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True if the body is empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// A complete message as it travels through a pipe.
///
/// Single-part messages, by far the most common, need no vector allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A message of exactly one frame.
    One(Bytes),
    /// A message of two or more frames, in order.
    Many(Vec<Bytes>),
}

impl Message {
    /// Number of frames.
    pub fn frames(&self) -> usize {
        match self {
            Message::One(_) => 1,
            Message::Many(v) => v.len(),
        }
    }

    /// The first frame's body (used for subscription matching and routing ids).
    pub fn first(&self) -> &Bytes {
        match self {
            Message::One(b) => b,
            Message::Many(v) => &v[0],
        }
    }

    /// Builds a message from a non-empty list of frames.
    pub fn from_parts(mut parts: Vec<Bytes>) -> Message {
        debug_assert!(!parts.is_empty());
        if parts.len() == 1 {
            Message::One(parts.pop().unwrap_or_default())
        } else {
            Message::Many(parts)
        }
    }

    /// Converts into the list of frames.
    pub fn into_parts(self) -> Vec<Bytes> {
        match self {
            Message::One(b) => vec![b],
            Message::Many(v) => v,
        }
    }
}

/// Frames of a message being handed out one at a time (the reading side of a pipe).
#[derive(Debug, Default)]
pub(crate) struct Unpacker {
    /// Frames not yet returned, in reverse order so that `pop` yields the next one.
    rest: Vec<Bytes>,
}

impl Unpacker {
    /// True if a message is partly read.
    pub(crate) fn in_progress(&self) -> bool {
        !self.rest.is_empty()
    }

    /// Starts on `msg` and returns its first frame.
    pub(crate) fn start(&mut self, msg: Message) -> Frame {
        match msg {
            Message::One(b) => Frame {
                data: b,
                more: false,
            },
            Message::Many(mut v) => {
                v.reverse();
                let first = v.pop().unwrap_or_default();
                self.rest = v;
                Frame {
                    data: first,
                    more: !self.rest.is_empty(),
                }
            }
        }
    }

    /// The next frame of the message in progress.
    pub(crate) fn next(&mut self) -> Option<Frame> {
        let data = self.rest.pop()?;
        Some(Frame {
            data,
            more: !self.rest.is_empty(),
        })
    }

    /// Drops what is left of the message in progress.
    pub(crate) fn clear(&mut self) {
        self.rest.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpack_many() {
        let mut u = Unpacker::default();
        let m = Message::from_parts(vec![
            Bytes::from_static(b"a"),
            Bytes::from_static(b"b"),
            Bytes::from_static(b"c"),
        ]);
        assert_eq!(u.start(m), Frame::new(Bytes::from_static(b"a"), true));
        assert!(u.in_progress());
        assert_eq!(u.next(), Some(Frame::new(Bytes::from_static(b"b"), true)));
        assert_eq!(u.next(), Some(Frame::new(Bytes::from_static(b"c"), false)));
        assert_eq!(u.next(), None);
        assert!(!u.in_progress());
    }

    #[test]
    fn one_frame_is_one() {
        assert!(matches!(
            Message::from_parts(vec![Bytes::new()]),
            Message::One(_)
        ));
    }
}
