//! The I/O thread's loop: commands from sockets, readiness, sessions.

use super::*;

impl Reactor {
    pub(super) fn new(poll: Poll, rx: Receiver<IoCommand>, ready: Arc<ReadyList>) -> Reactor {
        Reactor {
            poll,
            rx,
            objects: HashMap::new(),
            ready,
            next_id: 1,
            timers: BinaryHeap::new(),
            stopping: false,
        }
    }

    pub(super) fn id(&mut self) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(super) fn timer(&mut self, after: Duration, id: usize, kind: TimerKind) {
        self.timers
            .push(Reverse((Instant::now() + after, id, kind)));
    }

    pub(super) fn run(&mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            let mut timeout = self
                .timers
                .peek()
                .map(|Reverse((t, _, _))| t.saturating_duration_since(Instant::now()));
            if !self.ready.before_poll() || !self.rx.is_empty() {
                timeout = Some(Duration::ZERO);
            }
            let polled = self.poll.poll(&mut events, timeout);
            self.ready.after_poll();
            if let Err(e) = polled {
                if e.kind() != io::ErrorKind::Interrupted {
                    return;
                }
            }
            for ev in events.iter() {
                if ev.token() == WAKER {
                    continue;
                }
                let id = ev.token().0;
                if let Some(Object::Session(s)) = self.objects.get_mut(&id) {
                    s.on_readiness(
                        ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                        ev.is_writable() || ev.is_write_closed() || ev.is_error(),
                    );
                }
                self.on_ready(id);
            }
            // Connections their sockets woke (a batch: those notified meanwhile wait for the
            // next turn, after the network events).
            for _ in 0..self.ready.len() {
                let Some(id) = self.ready.pop() else { break };
                self.on_signal(id);
            }
            while let Ok(cmd) = self.rx.try_recv() {
                self.on_command(cmd);
            }
            self.fire_timers();
            // Stopping: every socket is gone; what is left lingers (bounded by its timer).
            if self.stopping && self.objects.is_empty() {
                return;
            }
        }
    }

    pub(super) fn on_ready(&mut self, id: usize) {
        match self.objects.get(&id) {
            Some(Object::Listener(_)) => self.accept(id),
            Some(Object::Connecter(_)) => self.connect_done(id),
            Some(Object::Session(_)) => self.drive(id),
            None => {}
        }
    }

    /// A connection's signaler fired (its socket wrote into or read from the pipe). A
    /// connecter's signaler outlives its connections and stands for the current one.
    pub(super) fn on_signal(&mut self, id: usize) {
        match self.objects.get(&id) {
            Some(Object::Session(_)) => self.drive(id),
            Some(Object::Connecter(c)) => {
                if let Some(sid) = c.session {
                    self.drive(sid);
                }
            }
            _ => {}
        }
    }

    pub(super) fn on_command(&mut self, cmd: IoCommand) {
        match cmd {
            IoCommand::Listen {
                mut listener,
                endpoint,
                link,
                opts,
            } => {
                let id = self.id();
                if self
                    .poll
                    .registry()
                    .register(listener.source(), stream_token(id), Interest::READABLE)
                    .is_ok()
                {
                    self.objects.insert(
                        id,
                        Object::Listener(Box::new(ListenerRec {
                            sock: listener,
                            endpoint: endpoint.into(),
                            link,
                            opts,
                        })),
                    );
                    // Connections may already be waiting.
                    self.accept(id);
                }
            }
            IoCommand::Connect {
                target,
                endpoint,
                link,
                opts,
                pipe,
            } => {
                let id = self.id();
                let sig = Arc::new(Signaler::for_reactor(&self.ready, id));
                if let Some(p) = &pipe {
                    p.set_owner(&sig);
                }
                let ivl = opts.reconnect_ivl;
                self.objects.insert(
                    id,
                    Object::Connecter(Box::new(ConnecterRec {
                        target,
                        endpoint: endpoint.into(),
                        link,
                        opts,
                        pipe,
                        sig,
                        connecting: None,
                        session: None,
                        ivl,
                        dead: false,
                        connections: 0,
                        report_drops: false,
                        lingering: false,
                    })),
                );
                self.start_connect(id);
            }
            IoCommand::Unbind {
                socket_id,
                endpoint,
                done,
            } => {
                let ids: Vec<usize> = self
                    .objects
                    .iter()
                    .filter(|(_, o)| matches!(o, Object::Listener(l) if l.link.socket_id == socket_id && *l.endpoint == *endpoint))
                    .map(|(&id, _)| id)
                    .collect();
                for id in ids {
                    self.remove_listener(id);
                    // libzmq closes the connections accepted through the endpoint too.
                    let accepted: Vec<usize> = self
                        .objects
                        .iter()
                        .filter(|(_, o)| matches!(o, Object::Session(s) if s.origin == Origin::Accepted(id)))
                        .map(|(&sid, _)| sid)
                        .collect();
                    for sid in accepted {
                        self.close_session(sid, Closed::Stopped);
                    }
                }
                let _ = done.send(());
            }
            IoCommand::Disconnect {
                socket_id,
                endpoint,
            } => {
                let ids: Vec<usize> = self
                    .objects
                    .iter()
                    .filter(|(_, o)| matches!(o, Object::Connecter(c) if c.link.socket_id == socket_id && *c.endpoint == *endpoint))
                    .map(|(&id, _)| id)
                    .collect();
                for id in ids {
                    self.remove_connecter(id, true);
                }
            }
            IoCommand::SocketClosed {
                socket_id,
                linger,
                report,
                monitor,
            } => {
                self.socket_closed(socket_id, linger, report);
                drop(monitor);
            }
            IoCommand::Abandon => {
                let ids: Vec<usize> = self.objects.keys().copied().collect();
                for id in ids {
                    match self.objects.get_mut(&id) {
                        Some(Object::Session(s)) => {
                            s.report_drops = true;
                            self.close_session(id, Closed::Stopped);
                        }
                        Some(Object::Connecter(c)) => {
                            c.report_drops = true;
                            self.remove_connecter(id, true);
                        }
                        Some(Object::Listener(_)) => self.remove_listener(id),
                        None => {}
                    }
                }
                self.stopping = true;
            }
            IoCommand::Stop => {
                self.stopping = true;
                let ids: Vec<usize> = self.objects.keys().copied().collect();
                for id in ids {
                    match self.objects.get(&id) {
                        Some(Object::Listener(_)) => self.remove_listener(id),
                        Some(Object::Connecter(c))
                            if c.session.is_none()
                                && !c.pipe.as_ref().is_some_and(|p| p.check_read()) =>
                        {
                            self.remove_connecter(id, true)
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    pub(super) fn socket_closed(&mut self, socket_id: u64, linger: i32, report: bool) {
        let ids: Vec<usize> = self.objects.keys().copied().collect();
        for id in ids {
            let owner = match self.objects.get(&id) {
                Some(Object::Listener(l)) => l.link.socket_id,
                Some(Object::Connecter(c)) => c.link.socket_id,
                Some(Object::Session(s)) => s.link.socket_id,
                None => continue,
            };
            if owner != socket_id {
                continue;
            }
            match self.objects.get_mut(&id) {
                Some(Object::Listener(_)) => self.remove_listener(id),
                Some(Object::Connecter(c)) => {
                    c.lingering = true;
                    c.report_drops = report;
                    if c.session.is_none() {
                        let queued = c.pipe.as_ref().is_some_and(|p| p.check_read());
                        if linger == 0 || !queued {
                            self.remove_connecter(id, true);
                        } else if linger > 0 {
                            // Keep trying to deliver for LINGER ms, as libzmq does.
                            self.timer(ms(linger), id, TimerKind::Linger);
                        }
                    }
                }
                Some(Object::Session(s)) => {
                    s.lingering = true;
                    s.report_drops = report;
                    // A connection still in its handshake keeps what the socket queued for
                    // LINGER too: it goes out once the handshake is done.
                    if linger == 0 || (!s.ready && s.unsent() == 0) {
                        self.close_session(id, Closed::Stopped);
                    } else {
                        if linger > 0 {
                            self.timer(ms(linger), id, TimerKind::Linger);
                        }
                        self.drive(id);
                    }
                }
                None => {}
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_session(
        &mut self,
        sid: usize,
        origin: Origin,
        mut stream: Stream,
        sig: Arc<Signaler>,
        link: SocketLink,
        opts: SessionOptions,
        endpoint: Arc<str>,
        pipe: Option<PipeEnd>,
        reconnection: bool,
    ) {
        stream.configure(&opts.stream_options());
        if self
            .poll
            .registry()
            .register(
                stream.source(),
                stream_token(sid),
                Interest::READABLE | Interest::WRITABLE,
            )
            .is_err()
        {
            return;
        }
        if opts.handshake_ivl > 0 {
            self.timer(ms(opts.handshake_ivl), sid, TimerKind::Handshake);
        }
        if opts.heartbeat_ivl > 0 {
            self.timer(ms(opts.heartbeat_ivl), sid, TimerKind::Heartbeat);
        }
        let mut s = Session::new(origin, stream, sig, link, opts, endpoint, pipe);
        s.reconnection = reconnection;
        self.objects.insert(sid, Object::Session(Box::new(s)));
        self.drive(sid);
    }

    pub(super) fn drive(&mut self, sid: usize) {
        let Some(Object::Session(s)) = self.objects.get_mut(&sid) else {
            return;
        };
        if let Err(why) = s.drive() {
            self.close_session(sid, why);
        }
    }

    pub(super) fn close_session(&mut self, sid: usize, why: Closed) {
        let Some(Object::Session(mut s)) = self.objects.remove(&sid) else {
            return;
        };
        if why == Closed::Stopped && s.report_drops {
            report_dropped(s.unsent(), &s.endpoint);
        }
        if why != Closed::Stopped {
            let m = &s.link.monitor;
            if !s.ready {
                match why {
                    Closed::Protocol(code) => {
                        m.emit(event::HANDSHAKE_FAILED_PROTOCOL, code, &s.endpoint)
                    }
                    Closed::Auth(status) => {
                        m.emit(event::HANDSHAKE_FAILED_AUTH, status, &s.endpoint)
                    }
                    Closed::Incompatible => {}
                    Closed::NoZapHandler => m.emit(
                        event::HANDSHAKE_FAILED_NO_DETAIL,
                        libc::EFAULT as u32,
                        &s.endpoint,
                    ),
                    _ => m.emit(event::HANDSHAKE_FAILED_NO_DETAIL, 0, &s.endpoint),
                }
            }
            m.emit(event::DISCONNECTED, s.stream.fd(), &s.endpoint);
        }
        let _ = self.poll.registry().deregister(s.stream.source());
        match s.origin {
            Origin::Accepted(_) => s.close_pipe(),
            Origin::Connected(cid) => {
                let pipe = s.take_connecter_pipe();
                s.close_pipe();
                let Some(Object::Connecter(c)) = self.objects.get_mut(&cid) else {
                    if let Some(mut p) = pipe {
                        let _ = s.link.mailbox.send(Command::PipeClosed(p.id));
                        p.close();
                    }
                    return;
                };
                c.session = None;
                c.pipe = pipe;
                match why {
                    Closed::Protocol(_)
                    | Closed::Incompatible
                    | Closed::PeerError
                    | Closed::NoZapHandler
                    | Closed::Auth(_) => c.dead = true,
                    Closed::Stopped => c.lingering = true,
                    Closed::Disconnected | Closed::Timeout => {}
                }
                if c.lingering || self.stopping {
                    self.remove_connecter(cid, true);
                } else if !c.dead {
                    self.retry(cid);
                }
            }
        }
    }
}

/// A socket destroyed without close(), or closed at exit, drops loudly rather than silently.
pub(super) fn report_dropped(n: usize, endpoint: &str) {
    if n > 0 {
        eprintln!(
            "ZMQ::Rust: dropped {n} unsent message{} to {endpoint} at close (the socket's LINGER, or the 2 s bound at destruction and exit, ran out)",
            if n == 1 { "" } else { "s" }
        );
    }
}
