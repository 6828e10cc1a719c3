//! Listeners: accepting connections on bound endpoints.

use super::*;

impl Reactor {
    pub(super) fn accept(&mut self, lid: usize) {
        loop {
            let Some(Object::Listener(l)) = self.objects.get_mut(&lid) else {
                return;
            };
            let stream = match l.sock.accept() {
                Ok(s) => s,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // EMFILE and friends: try again on the next readiness.
                Err(e) => {
                    l.link.monitor.emit(
                        event::ACCEPT_FAILED,
                        e.raw_os_error().unwrap_or(0) as u32,
                        &l.endpoint,
                    );
                    return;
                }
            };
            l.link
                .monitor
                .emit(event::ACCEPTED, stream.fd(), &l.endpoint);
            let (link, opts, endpoint) = (l.link.clone(), l.opts.clone(), Arc::clone(&l.endpoint));
            let sid = self.id();
            let sig = Arc::new(Signaler::for_reactor(&self.ready, sid));
            self.start_session(
                sid,
                Origin::Accepted(lid),
                stream,
                sig,
                link,
                opts,
                endpoint,
                None,
                false,
            );
        }
    }

    pub(super) fn remove_listener(&mut self, id: usize) {
        if let Some(Object::Listener(mut l)) = self.objects.remove(&id) {
            let fd = l.sock.fd();
            l.link.monitor.emit(event::CLOSED, fd as u32, &l.endpoint);
            let _ = self.poll.registry().deregister(l.sock.source());
            l.sock.close();
        }
    }
}
