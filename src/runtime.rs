//! Process plumbing shared by every command: shutdown signals, exit codes, socket helpers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Exit codes, the contract with scripts (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success (MMI 200, reply received).
    Success = 0,
    /// 1: runtime error (cannot bind, I/O, protocol violation by the peer).
    Failure = 1,
    /// 2: usage error.
    Usage = 2,
    /// 3: timed out (no reply after all retries, broker unreachable).
    Timeout = 3,
    /// 4: not found (MMI 404).
    NotFound = 4,
    /// 5: not implemented (MMI 501).
    NotImplemented = 5,
    /// 6: pending (Titanic 300).
    Pending = 6,
    /// 7: a bench threshold was breached.
    Threshold = 7,
    /// 130: interrupted by SIGINT, after a clean shutdown.
    Interrupted = 130,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// An error that ends the command with a specific exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Fatal {
    pub exit: Exit,
    pub message: String,
}

impl Fatal {
    pub fn error(exit: Exit, message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Fatal {
            exit,
            message: message.into(),
        })
    }
}

/// The exit code an error maps to: a [`Fatal`]'s own, otherwise 1.
pub fn exit_code_of(err: &anyhow::Error) -> Exit {
    err.downcast_ref::<Fatal>()
        .map(|f| f.exit)
        .unwrap_or(Exit::Failure)
}

/// A stop request: SIGINT/SIGTERM for a process, or a call to [`Shutdown::stop`] for a server
/// embedded in a thread. Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    interrupted: Arc<AtomicBool>,
    terminated: Arc<AtomicBool>,
}

impl Shutdown {
    /// A flag that only [`Shutdown::stop`] sets.
    pub fn manual() -> Shutdown {
        Shutdown::default()
    }

    /// Catches SIGINT and SIGTERM. A second SIGINT kills the process at once, for a user
    /// whose clean shutdown is taking too long.
    pub fn install() -> std::io::Result<Shutdown> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let shutdown = Shutdown::default();
        signal_hook::flag::register_conditional_shutdown(
            SIGINT,
            130,
            shutdown.interrupted.clone(),
        )?;
        signal_hook::flag::register(SIGINT, shutdown.interrupted.clone())?;
        signal_hook::flag::register(SIGTERM, shutdown.terminated.clone())?;
        Ok(shutdown)
    }

    pub fn stop(&self) {
        self.terminated.store(true, Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst) || self.terminated.load(Ordering::SeqCst)
    }

    /// The exit code for a clean stop: 130 after SIGINT, else 0.
    pub fn exit(&self) -> Exit {
        if self.interrupted.load(Ordering::SeqCst) {
            Exit::Interrupted
        } else {
            Exit::Success
        }
    }
}

/// How long sockets may linger at close: enough to flush a DISCONNECT or a reply, never a
/// hang at exit (libzmq's default is forever).
pub const LINGER: Duration = Duration::from_millis(500);

/// The longest a driver sleeps in poll, so a stop request is seen promptly even when no
/// signal interrupts the poll (a server stopped from another thread).
pub const MAX_POLL: Duration = Duration::from_millis(100);

/// Poll timeout in milliseconds until `deadline`, capped at [`MAX_POLL`].
pub fn poll_timeout(now: std::time::Instant, deadline: std::time::Instant) -> i64 {
    let wait = deadline.saturating_duration_since(now).min(MAX_POLL);
    // Round up so we never wake just before the deadline and spin.
    wait.as_micros().div_ceil(1000) as i64
}

/// A bind error with a hint at the usual cause.
pub fn bind_error(endpoint: &str, err: zmq::Error) -> anyhow::Error {
    let hint = match err {
        zmq::Error::EADDRINUSE => " (is another broker running?)",
        zmq::Error::EINVAL => " (endpoints look like tcp://127.0.0.1:5555 or ipc:///tmp/zmqtool)",
        zmq::Error::EPROTONOSUPPORT => " (use tcp://, ipc:// or inproc://)",
        zmq::Error::ENODEV | zmq::Error::EADDRNOTAVAIL => " (no such local address)",
        _ => "",
    };
    anyhow::anyhow!(
        "cannot bind {endpoint}: {}{hint}",
        lower_first(err.message())
    )
}

/// A connect error with the endpoint named.
pub fn connect_error(endpoint: &str, err: zmq::Error) -> anyhow::Error {
    let hint = match err {
        zmq::Error::EINVAL => " (endpoints look like tcp://127.0.0.1:5555)",
        zmq::Error::EPROTONOSUPPORT => " (use tcp://, ipc:// or inproc://)",
        _ => "",
    };
    anyhow::anyhow!(
        "cannot connect to {endpoint}: {}{hint}",
        lower_first(err.message())
    )
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Receives one whole message, waiting at most `timeout_ms`; `None` on timeout or signal.
///
/// This is the cheap way to wait on one socket: libzmq's `zmq_poll` costs several system
/// calls per call (ZMQ_EVENTS is read before and after), and a `recv` that finds nothing
/// costs one more, while a timed `recv` waits in a single `poll(2)` and costs none at all
/// when a message is already queued. `last` remembers the timeout set on the socket, so it
/// is only changed when it differs.
pub fn recv_within(
    socket: &zmq::Socket,
    timeout_ms: i64,
    last: &mut i32,
) -> Result<Option<Vec<Vec<u8>>>, zmq::Error> {
    let timeout = timeout_ms.clamp(0, i32::MAX as i64) as i32;
    if timeout != *last {
        socket.set_rcvtimeo(timeout)?;
        *last = timeout;
    }
    match socket.recv_multipart(0) {
        Ok(frames) => Ok(Some(frames)),
        Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => Ok(None),
        Err(e) => Err(e),
    }
}
