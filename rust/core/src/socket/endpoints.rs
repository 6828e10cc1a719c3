//! Where a socket is reachable and what it reaches: bind, connect, unbind and disconnect, the
//! endpoints in use (LAST_ENDPOINT), and handing tcp/ipc listeners and connects to the I/O
//! threads and inproc pipes to peer sockets.

use super::Socket;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::io::{IoCommand, SocketLink};
use crate::monitor::event;
use crate::pipe::{PipeEnd, PipeId};
use crate::transport::{self, NetOptions};
use std::sync::Arc;
use std::time::Instant;

impl Socket {
    /// Binds to an endpoint.
    pub fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.check()?;
        self.process_commands();
        match Endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => self.bind_inproc(endpoint, name),
            ep => {
                let bound = transport::bind(&ep, &self.net_options());
                self.listen(bound, endpoint)
            }
        }
    }

    fn net_options(&self) -> NetOptions {
        NetOptions {
            ipv6: self.core.opts.ipv6 || self.core.ctx.inner.ipv6(),
            backlog: self.core.opts.backlog,
        }
    }

    fn link(&self) -> SocketLink {
        SocketLink {
            socket_id: self.core.id,
            mailbox: self.core.mailbox_tx.clone(),
            sig: Arc::clone(&self.core.sig),
            ty: self.core.ty,
            monitor: Arc::clone(&self.monitor),
            inproc: self.core.ctx.inner.shared_registry(),
        }
    }

    /// Hands a bound listener to an I/O thread (monitor: LISTENING or BIND_FAILED).
    fn listen(
        &mut self,
        bound: Result<(transport::Listener, String)>,
        endpoint: &str,
    ) -> Result<()> {
        let (l, shown) = match bound {
            Ok(b) => b,
            Err(e) => {
                self.monitor
                    .emit(event::BIND_FAILED, e.errno() as u32, endpoint);
                return Err(e);
            }
        };
        let io = self.core.ctx.io_thread(self.core.id)?;
        self.monitor.emit(event::LISTENING, l.fd() as u32, &shown);
        io.send(IoCommand::Listen {
            listener: l,
            endpoint: shown.clone(),
            link: self.link(),
            opts: self.core.opts.session(),
        });
        self.uses_io = true;
        self.core.endpoints.push((shown.clone(), true));
        self.core.last_endpoint = shown;
        Ok(())
    }

    /// Starts an asynchronous tcp/ipc connect. With IMMEDIATE=0 the pipe exists at once, so
    /// messages queue (up to SNDHWM) until the connection is up.
    fn connect_io(&mut self, target: transport::Target, endpoint: &str) -> Result<()> {
        // Start the I/O threads (or fail with EMTHREAD) before creating the pipe.
        self.core.ctx.io_thread(self.core.id)?;
        let ep: Arc<str> = Arc::from(endpoint);
        // STREAM peers are raw connections: one pipe per connection, as with IMMEDIATE=1.
        let pipe = if self.core.opts.immediate || self.core.ty.is_raw() {
            None
        } else {
            let (mut mine, theirs) =
                PipeEnd::pair((self.core.opts.sndhwm, self.core.opts.rcvhwm), None, ep);
            mine.set_owner(&self.core.sig);
            if let Some(rid) = self.core.opts.connect_routing_id.take() {
                mine.routing_id = rid;
            }
            self.attach(mine);
            Some(theirs)
        };
        let io = self.core.ctx.io_thread(self.core.id)?;
        io.send(IoCommand::Connect {
            target,
            endpoint: endpoint.to_string(),
            link: self.link(),
            opts: self.core.opts.session(),
            pipe,
        });
        self.uses_io = true;
        self.core.endpoints.push((endpoint.to_string(), false));
        self.core.last_endpoint = endpoint.to_string();
        Ok(())
    }

    fn bind_inproc(&mut self, endpoint: &str, name: String) -> Result<()> {
        if self.core.ty.is_raw() {
            return Err(Error::NoCompatProto);
        }
        let me = self.core.peer_info();
        let pending = self.core.ctx.inner.registry().bind(name, &me)?;
        for pc in pending {
            let end = pc.complete(&me);
            self.attach(end);
        }
        self.core.endpoints.push((endpoint.to_string(), true));
        self.core.last_endpoint = endpoint.to_string();
        Ok(())
    }

    /// Connects to an endpoint. For inproc the peer may bind later.
    pub fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.check()?;
        self.process_commands();
        match Endpoint::parse(endpoint)? {
            Endpoint::Inproc(name) => self.connect_inproc(endpoint, name),
            ep => {
                let target = transport::target(&ep, &self.net_options())?;
                self.connect_io(target, endpoint)
            }
        }
    }

    fn connect_inproc(&mut self, endpoint: &str, name: String) -> Result<()> {
        if self.core.ty.is_raw() {
            return Err(Error::NoCompatProto);
        }
        let me = self.core.peer_info();
        let mut mine = self
            .core
            .ctx
            .inner
            .registry()
            .connect(name, &me, Arc::from(endpoint));
        if let Some(rid) = self.core.opts.connect_routing_id.take() {
            mine.routing_id = rid;
        }
        self.attach(mine);
        self.core.endpoints.push((endpoint.to_string(), false));
        self.core.last_endpoint = endpoint.to_string();
        Ok(())
    }

    /// The endpoint of the last bind or connect.
    pub fn last_endpoint(&self) -> &str {
        &self.core.last_endpoint
    }

    /// Stops listening on a bound endpoint. For inproc, as in libzmq, only the name is
    /// released: connections already made through it stay up.
    pub fn unbind(&mut self, endpoint: &str) -> Result<()> {
        self.forget_endpoint(endpoint, true)
    }

    /// Closes the connection(s) made by `connect(endpoint)`.
    pub fn disconnect(&mut self, endpoint: &str) -> Result<()> {
        self.forget_endpoint(endpoint, false)
    }

    fn forget_endpoint(&mut self, endpoint: &str, bound: bool) -> Result<()> {
        self.check()?;
        self.process_commands();
        let parsed = Endpoint::parse(endpoint)?;
        let known = |(e, b): &(String, bool)| e == endpoint && *b == bound;
        if !self.core.endpoints.iter().any(known) {
            return Err(Error::NotFound);
        }
        self.core.endpoints.retain(|e| !known(e));
        if let Endpoint::Inproc(name) = parsed {
            if bound {
                self.core.ctx.inner.registry().unbind(&name, self.core.id);
                // libzmq unbinds an inproc name without touching the pipes made through it.
                return Ok(());
            }
            self.core
                .ctx
                .inner
                .registry()
                .disconnect(&name, self.core.id);
        } else {
            let (socket_id, endpoint) = (self.core.id, endpoint.to_string());
            if bound {
                // Wait (briefly) until the listener is closed, so the address can be reused.
                let (done, closed) = crossbeam_channel::bounded(8);
                self.core.ctx.io_broadcast(|| IoCommand::Unbind {
                    socket_id,
                    endpoint: endpoint.clone(),
                    done: done.clone(),
                });
                drop(done);
                let deadline = Instant::now() + std::time::Duration::from_secs(2);
                while closed.recv_deadline(deadline).is_ok() {}
            } else {
                self.core.ctx.io_broadcast(|| IoCommand::Disconnect {
                    socket_id,
                    endpoint: endpoint.clone(),
                });
            }
            if bound {
                return Ok(());
            }
        }
        let ids: Vec<PipeId> = self
            .core
            .pipes
            .list
            .iter()
            .filter(|p| &*p.endpoint == endpoint)
            .map(|p| p.id)
            .collect();
        for id in ids {
            self.remove_pipe(id);
        }
        Ok(())
    }
}
