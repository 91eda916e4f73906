//! Process plumbing shared by every command: shutdown signals and exit codes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit codes, the contract with scripts (docs/ARCHITECTURE.md, README "Exit codes").
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
    /// With `--json`, the outcome is already in an object on stdout (a summary, a reply with
    /// its error): no error object is added.
    pub shown: bool,
}

impl Fatal {
    pub fn error(exit: Exit, message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Fatal {
            exit,
            message: message.into(),
            shown: false,
        })
    }

    /// A failure whose result object was already printed with `--json`.
    pub fn shown(exit: Exit, message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Fatal {
            exit,
            message: message.into(),
            shown: true,
        })
    }
}

/// A command stopped waiting because the user pressed Ctrl-C: exit 130, with nothing more to
/// say (servers, which stop cleanly, return [`Shutdown::exit`] instead).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Raises this process's soft limit on open files to its hard limit, so a server is not
/// locked out by the default 1024 when many peers connect (each holds a descriptor, and a
/// server at the limit cannot accept anyone, whatever its access rules). Logs what it did.
pub fn raise_open_files_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let (Some(soft), hard) = (limit.current, limit.maximum) else {
        return; // already unlimited
    };
    let target = hard.unwrap_or(u64::MAX);
    if soft >= target {
        return;
    }
    let raised = rustix::process::Rlimit {
        current: hard,
        maximum: hard,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => log::info!(
            "raised the open files limit from {soft} to {}",
            hard.map_or("unlimited".to_string(), |h| h.to_string())
        ),
        Err(e) => log::warn!("cannot raise the open files limit from {soft}: {e}"),
    }
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

    /// Sleeps for `d`, waking early (within 100 ms) when a stop is requested; true then.
    pub fn sleep(&self, d: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + d;
        while !self.requested() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            std::thread::sleep(left.min(std::time::Duration::from_millis(100)));
        }
        true
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
