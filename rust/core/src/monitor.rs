//! Socket monitor: connection events delivered libzmq-style as two-frame messages
//! (u16 event + u32 value in host byte order, then the endpoint) on a PAIR socket bound to
//! an inproc endpoint that the application connects to.
//!
//! Events come from the socket's own thread (bind) and from I/O threads (accept, connect,
//! handshake, disconnect), so the monitor's sink sits behind a mutex. Sending never blocks:
//! an event that finds no reader (or a full pipe) is dropped, so a forgotten monitor cannot
//! stall the engine.
//!
//! The monitor is an event sink: the socket makes the PAIR and hands it over as an
//! [`EventSink`], so this module knows neither contexts nor sockets.

use bytes::Bytes;
use std::sync::{Arc, Mutex};

/// Event numbers (libzmq `ZMQ_EVENT_*`).
#[allow(missing_docs)]
pub mod event {
    pub const CONNECTED: u16 = 0x0001;
    pub const CONNECT_DELAYED: u16 = 0x0002;
    pub const CONNECT_RETRIED: u16 = 0x0004;
    pub const LISTENING: u16 = 0x0008;
    pub const BIND_FAILED: u16 = 0x0010;
    pub const ACCEPTED: u16 = 0x0020;
    pub const ACCEPT_FAILED: u16 = 0x0040;
    pub const CLOSED: u16 = 0x0080;
    pub const CLOSE_FAILED: u16 = 0x0100;
    pub const DISCONNECTED: u16 = 0x0200;
    pub const MONITOR_STOPPED: u16 = 0x0400;
    pub const HANDSHAKE_FAILED_NO_DETAIL: u16 = 0x0800;
    pub const HANDSHAKE_SUCCEEDED: u16 = 0x1000;
    pub const HANDSHAKE_FAILED_PROTOCOL: u16 = 0x2000;
    pub const HANDSHAKE_FAILED_AUTH: u16 = 0x4000;
    pub const ALL: u16 = 0xFFFF;
}

/// Where a monitor's events go (the PAIR socket the application reads them from).
pub(crate) trait EventSink: Send + std::fmt::Debug {
    /// Sends one event, as two frames, without blocking; drops it if there is no room.
    fn send_event(&mut self, head: Bytes, endpoint: Bytes);
    /// Closes the sink; events already sent stay readable.
    fn close_sink(&mut self);
}

#[derive(Debug)]
struct Active {
    sink: Box<dyn EventSink>,
    events: u16,
}

/// The monitor of one socket (possibly none), shared with the I/O threads.
#[derive(Debug, Default)]
pub(crate) struct Monitor {
    active: Mutex<Option<Active>>,
}

impl Monitor {
    pub(crate) fn new() -> Arc<Monitor> {
        Arc::new(Monitor::default())
    }

    /// Starts sending the events of mask `events` to `sink`, replacing any previous monitor
    /// (which gets MONITOR_STOPPED).
    pub(crate) fn start(&self, sink: Box<dyn EventSink>, events: i32) {
        let old = {
            let mut g = self.active.lock().unwrap_or_else(|e| e.into_inner());
            g.replace(Active {
                sink,
                events: events as u16,
            })
        };
        if let Some(mut old) = old {
            emit_to(&mut old, event::MONITOR_STOPPED, 0, "");
            old.sink.close_sink();
        }
    }

    /// Stops monitoring: MONITOR_STOPPED, then the PAIR closes (queued events stay readable).
    pub(crate) fn stop(&self) {
        let old = self.active.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut old) = old {
            emit_to(&mut old, event::MONITOR_STOPPED, 0, "");
            old.sink.close_sink();
        }
    }

    /// Sends an event if it is monitored.
    pub(crate) fn emit(&self, ev: u16, value: u32, endpoint: &str) {
        let mut g = self.active.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = g.as_mut() {
            emit_to(a, ev, value, endpoint);
        }
    }
}

/// Stops a monitor when the last holder lets go. A closing socket gives one to each I/O
/// thread with its SocketClosed command, so that the events of that close (CLOSED for each
/// listener) come before MONITOR_STOPPED, as in libzmq.
#[derive(Debug)]
pub(crate) struct StopWhenDropped(pub(crate) Arc<Monitor>);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        self.0.stop();
    }
}

fn emit_to(a: &mut Active, ev: u16, value: u32, endpoint: &str) {
    if a.events & ev == 0 && ev != event::MONITOR_STOPPED {
        return;
    }
    let mut head = Vec::with_capacity(6);
    head.extend_from_slice(&ev.to_ne_bytes());
    head.extend_from_slice(&value.to_ne_bytes());
    a.sink.send_event(
        Bytes::from(head),
        Bytes::copy_from_slice(endpoint.as_bytes()),
    );
}
