//! Socket options as a socket sees them: setting (the socket type's own options first, then
//! the common ones) and reading, including the read-only ones a socket computes
//! (RCVMORE, FD, EVENTS, TYPE, LAST_ENDPOINT).

use super::Socket;
use crate::error::{Error, Result};
use crate::options::{self, id, OptValue};

impl Socket {
    /// Sets an option from its raw (`zmq_setsockopt`) encoding.
    pub fn set_option(&mut self, num: i32, raw: &[u8]) -> Result<()> {
        self.check()?;
        self.process_commands();
        if self.pattern.set_option(&mut self.core, num, raw)? {
            return Ok(());
        }
        if self.core.opts.set(num, raw)? {
            if num == id::SNDHWM || num == id::RCVHWM {
                let (s, r) = (self.core.opts.sndhwm, self.core.opts.rcvhwm);
                for p in &self.core.pipes.list {
                    p.set_hwm(s, r);
                }
            }
            return Ok(());
        }
        let name = options::spec(num).map(|s| s.name).unwrap_or("?");
        Err(Error::invalid(format!(
            "option {name} does not apply to a {} socket",
            self.core.ty.name()
        )))
    }

    /// Sets an int option.
    pub fn set_int(&mut self, num: i32, v: i32) -> Result<()> {
        self.set_option(num, &v.to_ne_bytes())
    }

    /// Reads an option.
    pub fn get_option(&mut self, num: i32) -> Result<OptValue> {
        self.check()?;
        if let Some(e) = options::unavailable(num) {
            return Err(e);
        }
        Ok(match num {
            id::RCVMORE => OptValue::Int(i32::from(self.core.rcvmore)),
            id::FD => OptValue::Int(self.fd()?),
            id::EVENTS => OptValue::Int(self.events()?),
            id::TYPE => OptValue::Int(self.core.ty as i32),
            id::LAST_ENDPOINT => OptValue::Str(self.core.last_endpoint.clone()),
            _ => self
                .core
                .opts
                .get(num)
                .ok_or_else(|| match options::spec(num) {
                    Some(s) => Error::invalid(format!("option {} is write-only", s.name)),
                    None => Error::invalid(format!("unknown socket option {num}")),
                })?,
        })
    }
}
