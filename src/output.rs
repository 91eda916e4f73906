//! What the user sees: logs on stderr at the chosen verbosity, frame dumps (`-vv`), and frames
//! rendered for stdout as text lines or JSON.
//!
//! stdout carries data only; everything here that is not data goes to stderr.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::mdp::Frame;

/// How much is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet = 0,
    /// Warnings and errors.
    Normal = 1,
    /// `-v`: events (connects, expiries, evictions, dropped input).
    Events = 2,
    /// `-vv`: every frame dumped.
    Frames = 3,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);
static COMPONENT: OnceLock<String> = OnceLock::new();

/// Sets the verbosity from the global flags and the name logs are prefixed with.
pub fn init(component: &str, quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Events,
        (false, _) => Verbosity::Frames,
    };
    VERBOSITY.store(level as u8, Ordering::Relaxed);
    let _ = COMPONENT.set(component.to_string());
}

/// True when messages at `level` are shown.
pub fn enabled(level: Verbosity) -> bool {
    VERBOSITY.load(Ordering::Relaxed) >= level as u8
}

/// Writes one log line to stderr: time, component, message.
pub fn log(level: Verbosity, message: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let now = humantime::format_rfc3339_millis(std::time::SystemTime::now());
    let component = COMPONENT.get().map(String::as_str).unwrap_or("zmqtool");
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{now} {component}: {message}");
}

/// A warning: shown unless `-q`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::output::log($crate::output::Verbosity::Normal, format_args!($($arg)*)) };
}

/// An event: shown with `-v`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::output::log($crate::output::Verbosity::Events, format_args!($($arg)*)) };
}

/// Dumps a message's frames to stderr at `-vv`, one line per frame with its size, as text
/// when printable and hex otherwise (the zguide `dump` helper's format).
pub fn dump(direction: &str, frames: &[Frame]) {
    if !enabled(Verbosity::Frames) {
        return;
    }
    let mut text = format!("{direction} {} frames", frames.len());
    for frame in frames {
        text.push_str(&format!(
            "\n    [{:03}] {}",
            frame.len(),
            render_dump(frame)
        ));
    }
    log(Verbosity::Frames, format_args!("{text}"));
}

fn render_dump(frame: &[u8]) -> String {
    const MAX: usize = 64;
    let shown = &frame[..frame.len().min(MAX)];
    let more = if frame.len() > MAX { "..." } else { "" };
    if crate::mdp::is_text(shown) {
        format!("{}{more}", String::from_utf8_lossy(shown))
    } else {
        format!("{}{more}", crate::mdp::hex(shown))
    }
}

/// A frame as JSON: a string when it is valid UTF-8, else `{"base64": "..."}`.
pub fn frame_json(frame: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(frame) {
        Ok(text) => serde_json::Value::String(text.to_string()),
        Err(_) => serde_json::json!({ "base64": base64(frame) }),
    }
}

/// Frames as a JSON array (see [`frame_json`]).
pub fn frames_json(frames: &[Frame]) -> serde_json::Value {
    frames.iter().map(|f| frame_json(f)).collect()
}

/// A reply on one line: frames joined by a tab, with backslash, tab, CR and newline inside
/// a frame escaped (`\\`, `\t`, `\r`, `\n`) so that a reply is always exactly one line.
pub fn escape_line(frames: &[Frame]) -> Vec<u8> {
    let mut line = Vec::with_capacity(frames.iter().map(|f| f.len() + 1).sum());
    for (i, frame) in frames.iter().enumerate() {
        if i > 0 {
            line.push(b'\t');
        }
        for &b in frame {
            match b {
                b'\\' => line.extend_from_slice(b"\\\\"),
                b'\t' => line.extend_from_slice(b"\\t"),
                b'\r' => line.extend_from_slice(b"\\r"),
                b'\n' => line.extend_from_slice(b"\\n"),
                _ => line.push(b),
            }
        }
    }
    line
}

/// serde helper: serialises bytes the way [`frame_json`] renders them.
pub fn serialize_lossy<S: serde::Serializer>(frame: &[u8], s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&frame_json(frame), s)
}

/// Standard base64 with padding (RFC 4648 section 4).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, want) in cases {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn frames_render_as_text_or_base64() {
        assert_eq!(frame_json(b"hello"), serde_json::json!("hello"));
        assert_eq!(
            frame_json(&[0xff, 0x00]),
            serde_json::json!({"base64": "/wA="})
        );
    }

    #[test]
    fn lines_escape_what_would_break_them() {
        let frames = vec![b"a\tb".to_vec(), b"c\nd\\".to_vec(), b"plain".to_vec()];
        assert_eq!(escape_line(&frames), b"a\\tb\tc\\nd\\\\\tplain".to_vec());
    }

    #[test]
    fn dumps_show_text_or_hex() {
        assert_eq!(render_dump(b"MDPC01"), "MDPC01");
        assert_eq!(render_dump(&[0, 0x80, 1]), "008001");
        assert!(render_dump(&[b'a'; 100]).ends_with("..."));
    }
}
