//! Timers: reconnects, connect and handshake timeouts, heartbeats, linger.

use super::*;

impl Reactor {
    pub(super) fn fire_timers(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((t, id, kind))) = self.timers.peek().copied() {
            if t > now {
                break;
            }
            self.timers.pop();
            match kind {
                TimerKind::Reconnect => {
                    if matches!(self.objects.get(&id), Some(Object::Connecter(c)) if c.session.is_none() && c.connecting.is_none())
                    {
                        self.start_connect(id);
                    }
                }
                TimerKind::ConnectTimeout => {
                    if let Some(Object::Connecter(c)) = self.objects.get_mut(&id) {
                        if let Some(mut s) = c.connecting.take() {
                            let _ = self.poll.registry().deregister(s.source());
                            self.retry(id);
                        }
                    }
                }
                TimerKind::Handshake => {
                    if matches!(self.objects.get(&id), Some(Object::Session(s)) if !s.ready) {
                        self.close_session(id, Closed::Timeout);
                    }
                }
                TimerKind::Linger => match self.objects.get(&id) {
                    Some(Object::Session(_)) => self.close_session(id, Closed::Stopped),
                    Some(Object::Connecter(_)) => self.remove_connecter(id, true),
                    _ => {}
                },
                TimerKind::Heartbeat => self.heartbeat(id, now),
            }
        }
    }

    pub(super) fn heartbeat(&mut self, sid: usize, now: Instant) {
        let Some(Object::Session(s)) = self.objects.get_mut(&sid) else {
            return;
        };
        let ivl = ms(s.opts.heartbeat_ivl);
        let timeout = if s.opts.heartbeat_timeout >= 0 {
            ms(s.opts.heartbeat_timeout)
        } else {
            ivl
        };
        if let Some(sent) = s.ping_sent {
            if now.duration_since(sent) >= timeout && s.last_recv < sent {
                self.close_session(sid, Closed::Timeout);
                return;
            }
        }
        if s.ttl_deadline.is_some_and(|d| now >= d) {
            self.close_session(sid, Closed::Timeout);
            return;
        }
        if s.ready {
            s.send_ping();
        }
        // Check again at the next interval or when the timeout runs out, whichever is first.
        let next = if s.ping_sent.is_some() {
            ivl.min(timeout)
        } else {
            ivl
        };
        self.timer(
            next.max(Duration::from_millis(1)),
            sid,
            TimerKind::Heartbeat,
        );
        self.drive(sid);
    }
}
