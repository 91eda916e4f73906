//! The log backend: library code emits `log` events; this decides how they look on stderr
//! (`TIME COMPONENT: message`, one event a line) and which are shown (`-q`, `-v`, `-vv`).
//!
//! The level is the only process-wide mutable state of zmqtool, and it is `log`'s own.

use std::io::Write;

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
