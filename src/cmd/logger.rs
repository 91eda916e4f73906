//! The log backend: library code emits `log` events; this decides how they look on stderr
//! (`TIME COMPONENT: message`, one event a line) and which are shown (`-q`, `-v`, `-vv`).
//!
//! The level is `log`'s own process-wide state; the one other is where lines go while a
//! full-screen view is up ([`divert`]).

use std::io::Write;
use std::sync::{Mutex, mpsc};

/// Where log lines go instead of stderr, while a full-screen view (`zmqtool top`) is up: a
/// line written to stderr then would scribble over the screen.
static DIVERTED: Mutex<Option<mpsc::Sender<String>>> = Mutex::new(None);

/// Sends log lines to `to` until the guard is dropped.
pub fn divert(to: mpsc::Sender<String>) -> Diverted {
    *DIVERTED.lock().unwrap_or_else(|e| e.into_inner()) = Some(to);
    Diverted(())
}

/// While alive, log lines go where [`divert`] said; stderr again once dropped.
pub struct Diverted(());

impl Drop for Diverted {
    fn drop(&mut self) {
        DIVERTED.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// Shows events on stderr, each prefixed with the time and the subcommand's name.
struct Stderr {
    component: String,
}

impl log::Log for Stderr {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        if let Some(to) = DIVERTED.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = to.send(record.args().to_string());
            return;
        }
        let now = humantime::format_rfc3339_millis(std::time::SystemTime::now());
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{now} {}: {}", self.component, record.args());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// The level the global flags ask for: `-q` errors only; warnings by default; `-v` events
/// (connects, expiries, evictions, dropped input); `-vv` every frame dumped as well.
pub fn level(quiet: bool, verbose: u8) -> log::LevelFilter {
    match (quiet, verbose) {
        (true, _) => log::LevelFilter::Error,
        (false, 0) => log::LevelFilter::Warn,
        (false, 1) => log::LevelFilter::Info,
        (false, _) => log::LevelFilter::Trace,
    }
}

/// Installs the backend for `component` (the subcommand) at the level the flags ask for.
/// A second call (tests) keeps the first backend and only sets the level.
pub fn init(component: &str, quiet: bool, verbose: u8) {
    let _ = log::set_boxed_logger(Box::new(Stderr {
        component: component.to_string(),
    }));
    log::set_max_level(level(quiet, verbose));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_map_to_levels() {
        assert_eq!(level(true, 2), log::LevelFilter::Error);
        assert_eq!(level(false, 0), log::LevelFilter::Warn);
        assert_eq!(level(false, 1), log::LevelFilter::Info);
        assert_eq!(level(false, 3), log::LevelFilter::Trace);
    }
}
