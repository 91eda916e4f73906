//! 9/TSP on the wire: the three service names, status frames and UUIDs.
//!
//! ```text
//! titanic.request  body: service, request frames...   reply: "200" UUID
//! titanic.reply    body: UUID                         reply: "200" reply frames... | "300" | "400"
//! titanic.close    body: UUID                         reply: "200" (also for an unknown UUID)
//! any              reply "500" on an internal error (the client should retry later)
//! titanic.stats    body: anything                     reply: "200" {"pending":N,"oldest_pending_s":S}
//! ```
//!
//! `titanic.stats` is zmqtool's, not 9/TSP's: the requests waiting for delivery and the age of
//! the oldest (null when none waits), for `zmqtool check titanic`.
//!
//! A status frame is three digits, optionally followed by a space and text that clients must
//! not interpret. A UUID is 32 hexadecimal characters; zmqtool issues upper case and accepts
//! either case. A UUID is validated before any use, and is never part of a path.

use std::fmt;

use crate::mdp::Frame;

pub const REQUEST: &[u8] = b"titanic.request";
pub const REPLY: &[u8] = b"titanic.reply";
pub const CLOSE: &[u8] = b"titanic.close";
/// zmqtool's extension: the server's pending requests, as one JSON frame after "200".
pub const STATS: &[u8] = b"titanic.stats";

/// The `titanic.stats` report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Requests stored and not yet replied to.
    pub pending: u64,
    /// Seconds since the oldest of them was stored; `None` when none waits.
    pub oldest_pending_s: Option<f64>,
}

/// The four TSP status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 200: done (for titanic.reply: the real service replied).
    Ok,
    /// 300: not yet; retry later.
    Pending,
    /// 400: invalid or unknown UUID (or request); do not retry.
    Unknown,
    /// 500: internal error; retry later.
    Error,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Ok => "200",
            Status::Pending => "300",
            Status::Unknown => "400",
            Status::Error => "500",
        }
    }

    /// The status frame, with optional text after the code.
    pub fn frame(self, text: &str) -> Frame {
        if text.is_empty() {
            Frame::copy(self.code().as_bytes())
        } else {
            Frame::from(format!("{} {text}", self.code()))
        }
    }

    /// Reads a status frame; the text after the code is ignored, as TSP requires.
    pub fn parse(frame: &[u8]) -> Option<Status> {
        if frame.len() > 3 && frame[3] != b' ' {
            return None;
        }
        match frame.get(..3)? {
            b"200" => Some(Status::Ok),
            b"300" => Some(Status::Pending),
            b"400" => Some(Status::Unknown),
            b"500" => Some(Status::Error),
            _ => None,
        }
    }
}

/// A request's id: 32 upper-case hexadecimal characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 32]);

impl Uuid {
    /// A new random id (UUID version 4).
    pub fn new() -> Uuid {
        let hex = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase();
        Uuid::parse(hex.as_bytes()).expect("a v4 UUID is 32 hex digits")
    }

    /// Validates a UUID from the network: exactly 32 hex digits, either case.
    pub fn parse(frame: &[u8]) -> Option<Uuid> {
        let bytes: [u8; 32] = frame.try_into().ok()?;
        if !bytes.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        Some(Uuid(bytes.map(|b| b.to_ascii_uppercase())))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("validated as ASCII hex")
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Default for Uuid {
    fn default() -> Self {
        Uuid::new()
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({})", self.as_str())
    }
}

/// A request's id as a client holds it: exactly what the server gave, sent back unchanged.
///
/// The ids are the server's business: zmqtool's are upper-case hex, the zguide's titanic.py
/// hands out lower-case `uuid4().hex`, and a server may compare them as it likes. A client
/// only checks that an id is one printable word, so it can be printed, typed and sent back.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket(String);

impl Ticket {
    /// The longest id accepted.
    pub const MAX: usize = 128;

    /// An id from the server or the command line: 1 to [`Ticket::MAX`] printable ASCII
    /// characters, no spaces.
    pub fn parse(frame: &[u8]) -> Option<Ticket> {
        let ok = (1..=Self::MAX).contains(&frame.len()) && frame.iter().all(u8::is_ascii_graphic);
        ok.then(|| Ticket(String::from_utf8_lossy(frame).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ticket({})", self.0)
    }
}

/// A titanic.request body: the target service and its request frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreRequest {
    pub service: Frame,
    pub body: Vec<Frame>,
}

impl StoreRequest {
    /// Parses a titanic.request body (9/TSP: 2 or more frames, a service name first).
    pub fn parse(mut frames: Vec<Frame>) -> Result<StoreRequest, &'static str> {
        if frames.len() < 2 {
            return Err("a request needs a service frame and at least one body frame");
        }
        let service = frames.remove(0);
        if service.is_empty() {
            return Err("empty service name");
        }
        if crate::mdp::mmi::is_mmi(&service) || service.starts_with(b"titanic.") {
            return Err("the mmi. and titanic. services cannot be requested through Titanic");
        }
        Ok(StoreRequest {
            service,
            body: frames,
        })
    }

    pub fn to_frames(&self) -> Vec<Frame> {
        let mut frames = Vec::with_capacity(self.body.len() + 1);
        frames.push(self.service.clone());
        frames.extend(self.body.iter().cloned());
        frames
    }
}

/// Parses the body of titanic.reply or titanic.close: exactly one frame, a valid UUID.
pub fn parse_uuid_body(frames: &[Frame]) -> Option<Uuid> {
    match frames {
        [only] => Uuid::parse(only),
        _ => None,
    }
}

/// Frames encoded in one blob, for storage: each a big-endian u32 length and its bytes.
pub fn encode_frames(frames: &[Frame]) -> Vec<u8> {
    let mut blob = Vec::with_capacity(frames.iter().map(|f| f.len() + 4).sum());
    for frame in frames {
        blob.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        blob.extend_from_slice(frame);
    }
    blob
}

/// The inverse of [`encode_frames`]; `None` if the blob is damaged.
pub fn decode_frames(mut blob: &[u8]) -> Option<Vec<Frame>> {
    let mut frames = Vec::new();
    while !blob.is_empty() {
        let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
        let frame = blob.get(4..4 + len)?;
        frames.push(Frame::copy(frame));
        blob = &blob[4 + len..];
    }
    Some(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_32_upper_case_hex_digits() {
        let u = Uuid::new();
        assert_eq!(u.as_str().len(), 32);
        assert!(
            u.as_str()
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert_ne!(Uuid::new(), u);
        assert_eq!(Uuid::parse(u.as_str().to_lowercase().as_bytes()), Some(u));
    }

    #[test]
    fn hostile_uuids_are_refused() {
        let long = vec![b'A'; 10_000];
        for bad in [
            &b"../../etc/passwd"[..],
            b"",
            b"0123456789ABCDEF0123456789ABCDE",
            b"0123456789ABCDEF0123456789ABCDEF0",
            b"0123456789ABCDEF0123456789ABCDEG",
            b"0123456789ABCDEF/123456789ABCDEF",
            &long,
            &[0xff; 32],
        ] {
            assert_eq!(Uuid::parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse_uuid_body(&[]), None);
        let good = Uuid::new().as_bytes().to_vec();
        assert_eq!(
            parse_uuid_body(&[good.clone().into(), good.into()]),
            None,
            "one frame only"
        );
    }

    #[test]
    fn status_frames_ignore_their_text() {
        assert_eq!(Status::parse(b"200"), Some(Status::Ok));
        assert_eq!(Status::parse(b"500"), Some(Status::Error));
        assert_eq!(Status::parse(b"300 not yet"), Some(Status::Pending));
        assert_eq!(Status::parse(b"400"), Some(Status::Unknown));
        assert_eq!(Status::parse(b"500 disk full"), Some(Status::Error));
        assert_eq!(Status::parse(b"2000"), None);
        assert_eq!(Status::parse(b"404"), None);
        assert_eq!(
            Status::Unknown.frame("malformed UUID"),
            b"400 malformed UUID"
        );
    }

    #[test]
    fn store_requests_need_a_service_and_a_body() {
        let f = crate::mdp::frames;
        assert_eq!(
            StoreRequest::parse(f(&[b"echo", b"hi"])),
            Ok(StoreRequest {
                service: Frame::copy(b"echo"),
                body: f(&[b"hi"])
            })
        );
        assert!(StoreRequest::parse(f(&[b"echo"])).is_err());
        assert!(StoreRequest::parse(f(&[b"", b"x"])).is_err());
        assert!(StoreRequest::parse(f(&[b"titanic.request", b"x"])).is_err());
    }

    #[test]
    fn frames_survive_encoding() {
        let frames = crate::mdp::frames(&[b"", b"hello", &[0, 1, 255]]);
        assert_eq!(decode_frames(&encode_frames(&frames)), Some(frames));
        assert_eq!(decode_frames(&[0, 0, 0, 9, 1]), None);
    }
}
