//! Connecters: connecting, reconnecting with backoff, and their pipes across connections.

use super::*;

impl Reactor {
    /// Removes a connecter; `close_session` also ends its live connection.
    pub(super) fn remove_connecter(&mut self, id: usize, close_session: bool) {
        let session = match self.objects.get(&id) {
            Some(Object::Connecter(c)) => c.session,
            _ => return,
        };
        if let (Some(sid), true) = (session, close_session) {
            if let Some(Object::Connecter(c)) = self.objects.get_mut(&id) {
                c.lingering = true;
            }
            // close_session hands the pipe back to the connecter, then removes it (lingering).
            self.close_session(sid, Closed::Stopped);
            return;
        }
        if let Some(Object::Connecter(mut c)) = self.objects.remove(&id) {
            if let Some(mut s) = c.connecting.take() {
                let _ = self.poll.registry().deregister(s.source());
            }
            if let Some(mut p) = c.pipe.take() {
                if c.report_drops {
                    report_dropped(p.queued_in(), &c.endpoint);
                }
                let _ = c.link.mailbox.send(Command::PipeClosed(p.id));
                p.close();
                c.link.sig.notify();
            }
        }
    }

    pub(super) fn start_connect(&mut self, cid: usize) {
        let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
            return;
        };
        if c.dead {
            return;
        }
        match c.target.connect() {
            Ok(mut s) => {
                if self
                    .poll
                    .registry()
                    .register(s.source(), stream_token(cid), Interest::WRITABLE)
                    .is_ok()
                {
                    // A tcp connect is under way (EINPROGRESS); an ipc connect is done at
                    // once, as in libzmq, which then reports CONNECTED only.
                    if c.target.connect_delayed() {
                        c.link.monitor.emit(
                            event::CONNECT_DELAYED,
                            libc::EINPROGRESS as u32,
                            &c.endpoint,
                        );
                    }
                    let timeout = c.opts.connect_timeout;
                    c.connecting = Some(s);
                    if timeout > 0 {
                        self.timer(ms(timeout), cid, TimerKind::ConnectTimeout);
                    }
                    return;
                }
                self.retry(cid);
            }
            Err(_) => self.retry(cid),
        }
    }

    pub(super) fn retry(&mut self, cid: usize) {
        let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
            return;
        };
        if c.dead || c.opts.reconnect_ivl < 0 {
            return;
        }
        let wait = c.ivl + jitter(c.opts.reconnect_ivl);
        if c.opts.reconnect_ivl_max > 0 {
            c.ivl = (c.ivl.saturating_mul(2)).min(c.opts.reconnect_ivl_max);
        }
        c.link
            .monitor
            .emit(event::CONNECT_RETRIED, wait as u32, &c.endpoint);
        self.timer(ms(wait), cid, TimerKind::Reconnect);
    }

    /// The non-blocking connect finished (or failed).
    pub(super) fn connect_done(&mut self, cid: usize) {
        let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
            return;
        };
        let Some(mut s) = c.connecting.take() else {
            return;
        };
        let _ = self.poll.registry().deregister(s.source());
        if !s.connected() {
            self.retry(cid);
            return;
        }
        // A good connection resets the backoff.
        c.ivl = c.opts.reconnect_ivl;
        c.link.monitor.emit(event::CONNECTED, s.fd(), &c.endpoint);
        let (link, opts, endpoint, sig) = (
            c.link.clone(),
            c.opts.clone(),
            Arc::clone(&c.endpoint),
            Arc::clone(&c.sig),
        );
        let pipe = c.pipe.take();
        let (lingering, report_drops) = (c.lingering, c.report_drops);
        let reconnection = c.connections > 0;
        c.connections += 1;
        let sid = self.next_id;
        self.next_id += 1;
        c.session = Some(sid);
        self.start_session(
            sid,
            Origin::Connected(cid),
            s,
            sig,
            link,
            opts,
            endpoint,
            pipe,
            reconnection,
        );
        if let Some(Object::Session(s)) = self.objects.get_mut(&sid) {
            s.lingering = lingering;
            s.report_drops = report_drops;
        }
        // Registration can fail; then the connecter has no session and must retry.
        if !self.objects.contains_key(&sid) {
            if let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) {
                c.session = None;
            }
            self.retry(cid);
        }
    }
}

/// A random jitter in 0..ivl ms (libzmq adds one to each reconnect interval).
pub(super) fn jitter(ivl: i32) -> i32 {
    if ivl <= 0 {
        return 0;
    }
    let n = Instant::now().elapsed().subsec_nanos() ^ std::process::id().rotate_left(13);
    let x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 33;
    (x % ivl as u64) as i32
}
