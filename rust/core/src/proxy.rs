//! zmq_proxy and zmq_proxy_steerable: move messages between a frontend and a backend socket
//! (both directions), copying each to an optional capture socket, until the context is
//! terminated or a control socket says TERMINATE.
//!
//! Frames move as they are (reference-counted buffers): proxying copies no message data.

use crate::error::{Error, Result};
use crate::poll::{poll, PollItem, Target};
use crate::socket::{Socket, DONTWAIT, POLLIN, SNDMORE};
use bytes::Bytes;

/// Message and byte counts of a proxy, as STATISTICS reports them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProxyStats {
    /// Messages received from the frontend.
    pub frontend_in_msgs: u64,
    /// Bytes received from the frontend.
    pub frontend_in_bytes: u64,
    /// Messages sent to the frontend.
    pub frontend_out_msgs: u64,
    /// Bytes sent to the frontend.
    pub frontend_out_bytes: u64,
    /// Messages received from the backend.
    pub backend_in_msgs: u64,
    /// Bytes received from the backend.
    pub backend_in_bytes: u64,
    /// Messages sent to the backend.
    pub backend_out_msgs: u64,
    /// Bytes sent to the backend.
    pub backend_out_bytes: u64,
}

/// Runs the proxy until the context is terminated (Err(Term)), a signal interrupts it
/// (Err(Interrupted): call again to continue), an error occurs, or the control socket
/// sends TERMINATE (Ok). `stats` accumulates across calls.
pub fn proxy(
    frontend: &mut Socket,
    backend: &mut Socket,
    mut capture: Option<&mut Socket>,
    mut control: Option<&mut Socket>,
    stats: &mut ProxyStats,
) -> Result<()> {
    let mut paused = false;
    loop {
        let mut items = vec![
            PollItem {
                target: Target::Socket(0),
                events: POLLIN as i16,
                revents: 0,
            },
            PollItem {
                target: Target::Socket(1),
                events: POLLIN as i16,
                revents: 0,
            },
        ];
        let ready = {
            let mut socks: Vec<&mut Socket> = vec![&mut *frontend, &mut *backend];
            if let Some(c) = control.as_deref_mut() {
                socks.push(c);
                items.push(PollItem {
                    target: Target::Socket(2),
                    events: POLLIN as i16,
                    revents: 0,
                });
            }
            poll(&mut socks, &mut items, -1)?
        };
        if ready == 0 {
            continue;
        }
        if items.len() > 2 && items[2].revents != 0 {
            if let Some(c) = control.as_deref_mut() {
                let cmd = c.recv_parts(DONTWAIT)?;
                match cmd.first().map(|b| &b[..]) {
                    Some(b"PAUSE") => paused = true,
                    Some(b"RESUME") => paused = false,
                    Some(b"TERMINATE") => return Ok(()),
                    Some(b"STATISTICS") => {
                        let s = *stats;
                        let vals = [
                            s.frontend_in_msgs,
                            s.frontend_in_bytes,
                            s.frontend_out_msgs,
                            s.frontend_out_bytes,
                            s.backend_in_msgs,
                            s.backend_in_bytes,
                            s.backend_out_msgs,
                            s.backend_out_bytes,
                        ];
                        let parts: Vec<Bytes> = vals
                            .iter()
                            .map(|v| Bytes::copy_from_slice(&v.to_ne_bytes()))
                            .collect();
                        c.send_parts(parts, 0)?;
                    }
                    _ => {}
                }
            }
        }
        if paused {
            // Wait for RESUME/TERMINATE only.
            if control.is_none() {
                return Err(Error::invalid("paused proxy without a control socket"));
            }
            continue;
        }
        if items[0].revents != 0 {
            let (n, b) = forward(frontend, backend, capture.as_deref_mut())?;
            stats.frontend_in_msgs += 1;
            stats.frontend_in_bytes += b;
            stats.backend_out_msgs += n;
            stats.backend_out_bytes += b * n;
        }
        if items[1].revents != 0 {
            let (n, b) = forward(backend, frontend, capture.as_deref_mut())?;
            stats.backend_in_msgs += 1;
            stats.backend_in_bytes += b;
            stats.frontend_out_msgs += n;
            stats.frontend_out_bytes += b * n;
        }
    }
}

/// Moves one whole message from `from` to `to` (and a copy to `capture`). Returns (messages
/// sent, bytes of the message).
fn forward(from: &mut Socket, to: &mut Socket, capture: Option<&mut Socket>) -> Result<(u64, u64)> {
    let parts = match from.recv_parts(DONTWAIT) {
        Ok(p) => p,
        Err(Error::Again) => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    let bytes: u64 = parts.iter().map(|p| p.len() as u64).sum();
    if let Some(c) = capture {
        // The capture socket gets the same frames (shared buffers); it never holds the proxy up.
        let _ = c.send_parts(parts.clone(), DONTWAIT);
    }
    let n = parts.len();
    let mut it = parts.into_iter();
    let first = it.next().unwrap_or_default();
    let more = if n > 1 { SNDMORE } else { 0 };
    // The message is already taken from `from`: a signal must not lose it, so the first
    // frame is retried (handlers run once the proxy returns). Later frames never block.
    loop {
        match to.send(first.clone(), more) {
            Ok(()) => break,
            Err(Error::Interrupted) => continue,
            Err(e) => return Err(e),
        }
    }
    for (i, p) in it.enumerate() {
        to.send(p, if i + 2 < n { SNDMORE } else { 0 })?;
    }
    Ok((1, bytes))
}
