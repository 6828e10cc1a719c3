//! Errors: one typed value per failure, each mapping to exactly one errno.
//!
//! The numbers follow libzmq: native POSIX values where the OS has them, and libzmq's own
//! numbers (`ZMQ_HAUSNUMERO` + n) for the ZeroMQ-specific conditions.

use thiserror::Error;

/// libzmq's base for its own error numbers.
pub const HAUSNUMERO: i32 = 156_384_712;
/// Operation cannot be accomplished in the current state of the socket (REQ/REP order).
pub const EFSM: i32 = HAUSNUMERO + 51;
/// The transport does not fit the socket type.
pub const ENOCOMPATPROTO: i32 = HAUSNUMERO + 52;
/// The socket's context was terminated.
pub const ETERM: i32 = HAUSNUMERO + 53;
/// No I/O thread is available.
pub const EMTHREAD: i32 = HAUSNUMERO + 54;

/// Every errno value by name that the engine reports or libzmq's `zmq.h` names, with this
/// OS's number (libzmq's own numbers for the ZeroMQ-specific ones): the one list that the C
/// ABI's `ZR_E*` constants and the Perl constants are checked against.
pub static ERRNOS: &[(&str, i32)] = &[
    // ISO C / POSIX values the engine reports.
    ("EAGAIN", libc::EAGAIN),
    ("EINTR", libc::EINTR),
    ("EINVAL", libc::EINVAL),
    ("EFAULT", libc::EFAULT),
    ("ENOENT", libc::ENOENT),
    ("EMFILE", libc::EMFILE),
    ("EIO", libc::EIO),
    ("ENOTRECOVERABLE", libc::ENOTRECOVERABLE),
    // The names libzmq defines as HAUSNUMERO + 1.. where the OS lacks them.
    ("ENOTSUP", libc::ENOTSUP),
    ("EPROTONOSUPPORT", libc::EPROTONOSUPPORT),
    ("ENOBUFS", libc::ENOBUFS),
    ("ENETDOWN", libc::ENETDOWN),
    ("EADDRINUSE", libc::EADDRINUSE),
    ("EADDRNOTAVAIL", libc::EADDRNOTAVAIL),
    ("ECONNREFUSED", libc::ECONNREFUSED),
    ("EINPROGRESS", libc::EINPROGRESS),
    ("ENOTSOCK", libc::ENOTSOCK),
    ("EMSGSIZE", libc::EMSGSIZE),
    ("EAFNOSUPPORT", libc::EAFNOSUPPORT),
    ("ENETUNREACH", libc::ENETUNREACH),
    ("ECONNABORTED", libc::ECONNABORTED),
    ("ECONNRESET", libc::ECONNRESET),
    ("ENOTCONN", libc::ENOTCONN),
    ("ETIMEDOUT", libc::ETIMEDOUT),
    ("EHOSTUNREACH", libc::EHOSTUNREACH),
    ("ENETRESET", libc::ENETRESET),
    // libzmq's own.
    ("EFSM", EFSM),
    ("ENOCOMPATPROTO", ENOCOMPATPROTO),
    ("ETERM", ETERM),
    ("EMTHREAD", EMTHREAD),
];

/// The errno value named `name` (e.g. "ETERM"), from [`ERRNOS`].
pub fn errno_by_name(name: &str) -> Option<i32> {
    ERRNOS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// Everything that can go wrong, as seen by a caller of the engine.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Non-blocking mode was requested and the operation could not complete, or a timeout ran out.
    #[error("Resource temporarily unavailable")]
    Again,
    /// Bad argument; the string names what was wrong.
    #[error("Invalid argument: {0}")]
    Invalid(String),
    /// The operation is not supported by this socket type.
    #[error("Operation not supported")]
    NotSupported,
    /// A feature this build does not have; the string says which.
    #[error("Operation not supported: {0}")]
    Unsupported(String),
    /// The endpoint's transport is unknown.
    #[error("Protocol not supported")]
    ProtocolNotSupported,
    /// The transport does not fit the socket type.
    #[error("The protocol is not compatible with the socket type")]
    NoCompatProto,
    /// The endpoint is already bound.
    #[error("Address already in use")]
    AddrInUse,
    /// unbind/disconnect of an endpoint that is not bound/connected.
    #[error("No such file or directory")]
    NotFound,
    /// The endpoint cannot be bound (no such interface) or was not bound/connected (unbind).
    #[error("Cannot assign requested address")]
    AddrNotAvail,
    /// The connect or bind target refused the connection.
    #[error("Connection refused")]
    ConnRefused,
    /// Out-of-order REQ/REP operation.
    #[error("Operation cannot be accomplished in current state")]
    Fsm,
    /// The context was terminated.
    #[error("Context was terminated")]
    Term,
    /// A blocking call was interrupted by a signal.
    #[error("Interrupted system call")]
    Interrupted,
    /// ROUTER_MANDATORY: the routing id names no connected peer.
    #[error("Host unreachable")]
    HostUnreachable,
    /// A message is too large.
    #[error("Message too long")]
    MsgSize,
    /// The socket (or context) was closed already.
    #[error("Socket operation on non-socket")]
    NotSocket,
    /// Too many sockets open in this context.
    #[error("Too many open files")]
    TooManySockets,
    /// No I/O thread is available.
    #[error("No thread available")]
    NoThread,
    /// The handle belongs to another process (after fork).
    #[error("Bad address")]
    Fault,
    /// An operating-system error, kept with its errno.
    #[error("{1}")]
    Os(i32, String),
}

impl Error {
    /// The errno this error maps to (native values on this OS, libzmq's for EFSM/ETERM/...).
    pub fn errno(&self) -> i32 {
        match self {
            Error::Again => libc::EAGAIN,
            Error::Invalid(_) => libc::EINVAL,
            Error::NotSupported | Error::Unsupported(_) => libc::ENOTSUP,
            Error::ProtocolNotSupported => libc::EPROTONOSUPPORT,
            Error::NoCompatProto => ENOCOMPATPROTO,
            Error::AddrInUse => libc::EADDRINUSE,
            Error::AddrNotAvail => libc::EADDRNOTAVAIL,
            Error::NotFound => libc::ENOENT,
            Error::ConnRefused => libc::ECONNREFUSED,
            Error::Fsm => EFSM,
            Error::Term => ETERM,
            Error::Interrupted => libc::EINTR,
            Error::HostUnreachable => libc::EHOSTUNREACH,
            Error::MsgSize => libc::EMSGSIZE,
            Error::NotSocket => libc::ENOTSOCK,
            Error::TooManySockets => libc::EMFILE,
            Error::NoThread => EMTHREAD,
            Error::Fault => libc::EFAULT,
            Error::Os(e, _) => *e,
        }
    }

    /// Builds an error from an errno value read after a failed system call.
    pub fn from_errno(errno: i32) -> Error {
        match errno {
            libc::EAGAIN => Error::Again,
            libc::EINTR => Error::Interrupted,
            libc::EADDRINUSE => Error::AddrInUse,
            libc::EADDRNOTAVAIL => Error::AddrNotAvail,
            libc::ECONNREFUSED => Error::ConnRefused,
            e => Error::Os(e, strerror(e)),
        }
    }

    /// The current thread's errno as an error.
    pub fn last_os_error() -> Error {
        Error::from_errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(what: impl Into<String>) -> Error {
        Error::Invalid(what.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        match e.raw_os_error() {
            Some(n) => Error::from_errno(n),
            None => Error::Os(libc::EIO, e.to_string()),
        }
    }
}

/// Text for an errno, including libzmq's own numbers (what `zmq_strerror` returns).
pub fn strerror(errno: i32) -> String {
    match errno {
        EFSM => "Operation cannot be accomplished in current state".into(),
        ENOCOMPATPROTO => "The protocol is not compatible with the socket type".into(),
        ETERM => "Context was terminated".into(),
        EMTHREAD => "No thread available".into(),
        e => std::io::Error::from_raw_os_error(e)
            .to_string()
            .split(" (os error")
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// Result type of the engine.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zmq_numbers() {
        assert_eq!(Error::Fsm.errno(), 156_384_763);
        assert_eq!(Error::Term.errno(), 156_384_765);
        assert_eq!(Error::NoCompatProto.errno(), 156_384_764);
        assert_eq!(Error::NoThread.errno(), 156_384_766);
        assert_eq!(Error::Again.errno(), libc::EAGAIN);
    }

    #[test]
    fn every_error_maps_to_a_named_errno() {
        let all = [
            Error::Again,
            Error::invalid("x"),
            Error::NotSupported,
            Error::Unsupported("x".into()),
            Error::ProtocolNotSupported,
            Error::NoCompatProto,
            Error::AddrInUse,
            Error::NotFound,
            Error::AddrNotAvail,
            Error::ConnRefused,
            Error::Fsm,
            Error::Term,
            Error::Interrupted,
            Error::HostUnreachable,
            Error::MsgSize,
            Error::NotSocket,
            Error::TooManySockets,
            Error::NoThread,
            Error::Fault,
        ];
        for e in all {
            assert!(
                ERRNOS.iter().any(|&(_, v)| v == e.errno()),
                "{e:?} maps to errno {} that ERRNOS does not name",
                e.errno()
            );
        }
        for (i, (name, v)) in ERRNOS.iter().enumerate() {
            assert!(
                ERRNOS[i + 1..].iter().all(|(n, _)| n != name),
                "{name} twice"
            );
            assert_eq!(errno_by_name(name), Some(*v));
        }
        assert_eq!(errno_by_name("EFSM"), Some(HAUSNUMERO + 51));
        assert_eq!(errno_by_name("EMTHREAD"), Some(HAUSNUMERO + 54));
    }

    #[test]
    fn strerror_texts() {
        assert_eq!(strerror(libc::EAGAIN), "Resource temporarily unavailable");
        assert_eq!(strerror(ETERM), "Context was terminated");
        assert_eq!(strerror(libc::EINVAL), "Invalid argument");
    }
}
