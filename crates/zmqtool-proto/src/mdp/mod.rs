//! The Majordomo wire codec: frames in, typed messages out, and back.
//!
//! This module owns the byte layout of MDP/0.1 (7/MDP) and MDP/0.2 (18/MDP) and the MMI names
//! (8/MMI). It knows nothing of sockets, clocks or brokers: every function is a pure
//! conversion between `Vec<Frame>` and the message types, and every malformed shape is a
//! distinct [`ProtocolError`], never a panic.
//!
//! The two versions differ in framing, not in meaning:
//!
//! ```text
//!            MDP/0.1 (7/MDP)                      MDP/0.2 (18/MDP)
//! C->B       "" "MDPC01" service body...          "MDPC02" 0x01 service body...
//! B->C       "" "MDPC01" service body...          "MDPC02" 0x02|0x03 service body...
//! W<->B      "" "MDPW01" cmd ...                  "MDPW02" cmd ...
//! ```
//!
//! A broker tells the versions apart by the header frame, never by the command byte, whose
//! values clash between the versions. An empty frame may also precede the 0.2 header: real
//! peers send it (see [`dialect`]), and a broker answers each peer in the form it used.
//! Between zmqtool's broker and workers that announce it, worker commands may also take the
//! [`compact`] form, one head frame in front of the body.

pub mod client;
pub mod compact;
pub mod dialect;
pub mod mmi;
pub mod stamp;
pub mod worker;

use std::fmt;

pub use client::{ClientReply, ClientRequest, ReplyKind};
pub use dialect::{Dialect, Form};
pub use worker::{Extensions, WorkerMsg};

pub use crate::frame::{Frame, bytes_in, frames};

/// `"MDPC01"`: MDP/Client 0.1.
pub const CLIENT_V01: &[u8] = b"MDPC01";
/// `"MDPW01"`: MDP/Worker 0.1.
pub const WORKER_V01: &[u8] = b"MDPW01";
/// `"MDPC02"`: MDP/Client 0.2.
pub const CLIENT_V02: &[u8] = b"MDPC02";
/// `"MDPW02"`: MDP/Worker 0.2.
pub const WORKER_V02: &[u8] = b"MDPW02";

/// The protocol version a peer speaks. A broker answers each peer in its own version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// MDP/0.1, 7/MDP: commands start with an empty frame; REPLY is a single message.
    V01,
    /// MDP/0.2, 18/MDP: no leading empty frame; replies are PARTIAL* then FINAL.
    V02,
}

impl Version {
    /// The client header frame of this version.
    pub fn client_header(self) -> &'static [u8] {
        match self {
            Version::V01 => CLIENT_V01,
            Version::V02 => CLIENT_V02,
        }
    }

    /// The worker header frame of this version.
    pub fn worker_header(self) -> &'static [u8] {
        match self {
            Version::V01 => WORKER_V01,
            Version::V02 => WORKER_V02,
        }
    }
}

/// A message being written in front of its body, in the body's own list. A body taken from a
/// received message is that message's list, with room where the frames read off its front
/// were, so a reply or a forwarded request needs no list of its own (and the socket that sends
/// it keeps the list for its next receive). The head's frames go after the body as they are
/// written and are turned to the front when the message is done.
pub(crate) struct Message {
    frames: Vec<Frame>,
    /// How many frames of `frames` are the body (the first ones until [`Message::done`]).
    body: usize,
}

impl Message {
    /// A message in `form` in front of `body`: the empty frame of a delimited form, then
    /// `header`.
    pub(crate) fn new(form: Form, header: &'static [u8], body: Vec<Frame>) -> Message {
        let mut message = Message {
            body: body.len(),
            frames: body,
        };
        if form.delimited() {
            message.frames.push(Frame::empty());
        }
        message.frames.push(Frame::copy(header));
        message
    }

    /// Writes `frame` next.
    pub(crate) fn push(mut self, frame: Frame) -> Message {
        self.frames.push(frame);
        self
    }

    /// Writes the one-byte `command` next.
    pub(crate) fn command(self, command: u8) -> Message {
        self.push(Frame::copy(&[command]))
    }

    /// The frames: the head as written, then the body.
    pub(crate) fn done(mut self) -> Vec<Frame> {
        let head = self.frames.len() - self.body;
        self.frames.rotate_right(head);
        self.frames
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V01 => "MDP/0.1",
            Version::V02 => "MDP/0.2",
        })
    }
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "0.1" | "1" | "MDP/0.1" => Ok(Version::V01),
            "0.2" | "2" | "MDP/0.2" => Ok(Version::V02),
            other => Err(format!(
                "unknown MDP version {other:?} (expected 0.1 or 0.2)"
            )),
        }
    }
}

/// Which sub-protocol a message belongs to, read from its header frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Client,
    Worker,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Worker => "worker",
        })
    }
}

/// Everything that can be wrong with the shape of an MDP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("empty message (no frames)")]
    Empty,
    #[error("unknown protocol header {0}")]
    BadHeader(Printable),
    #[error("{0} header must follow an empty frame")]
    MissingDelimiter(&'static str),
    #[error("expected {expected} header, got {got}")]
    WrongHeader {
        expected: &'static str,
        got: Printable,
    },
    #[error("missing {0} frame")]
    MissingFrame(&'static str),
    #[error("command frame must be 1 byte, got {0} bytes")]
    BadCommandFrame(usize),
    #[error("unknown {version} {role} command 0x{byte:02x}")]
    UnknownCommand {
        version: Version,
        role: Role,
        byte: u8,
    },
    #[error("{command} is not expected here")]
    UnexpectedCommand { command: &'static str },
    #[error("empty service name")]
    EmptyService,
    #[error("frame after the client address must be empty")]
    MissingEnvelopeDelimiter,
    #[error("empty client address")]
    EmptyAddress,
    #[error("{command} takes no more frames, got {extra} extra")]
    TrailingFrames { command: &'static str, extra: usize },
    #[error("{command} does not exist in {version}")]
    NotInVersion {
        command: &'static str,
        version: Version,
    },
    #[error("malformed stamp: {0}")]
    BadStamp(#[from] stamp::StampError),
}

/// Bytes shown for humans: as text when printable, as hex otherwise, cut at 40 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printable(pub Vec<u8>);

impl Printable {
    pub fn of(bytes: &[u8]) -> Self {
        Printable(bytes.iter().copied().take(40).collect())
    }
}

impl fmt::Display for Printable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_text(&self.0) {
            write!(f, "{:?}", String::from_utf8_lossy(&self.0))
        } else {
            write!(f, "0x{}", hex(&self.0))
        }
    }
}

/// True when every byte is printable ASCII (space to tilde).
pub fn is_text(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| (0x20..0x7f).contains(b))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Frames on one line (`client --lines` replies, `worker --filter` requests): frames joined by a tab, with backslash, tab, CR and newline inside
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

/// A cursor over the frames of one message, consumed front to back. What is left (a body)
/// is handed on in the message's own list, not copied into a new one.
pub(crate) struct Reader {
    frames: Vec<Frame>,
    /// How many frames have been read.
    at: usize,
}

impl Reader {
    pub(crate) fn new(frames: Vec<Frame>) -> Self {
        Reader { frames, at: 0 }
    }

    pub(crate) fn next(&mut self, what: &'static str) -> Result<Frame, ProtocolError> {
        self.optional().ok_or(ProtocolError::MissingFrame(what))
    }

    pub(crate) fn command(&mut self) -> Result<u8, ProtocolError> {
        let frame = self.next("command")?;
        match frame.as_slice() {
            [byte] => Ok(*byte),
            other => Err(ProtocolError::BadCommandFrame(other.len())),
        }
    }

    pub(crate) fn service(&mut self) -> Result<Frame, ProtocolError> {
        let service = self.next("service")?;
        if service.is_empty() {
            return Err(ProtocolError::EmptyService);
        }
        Ok(service)
    }

    /// The rest of the message as a body of at least one frame.
    pub(crate) fn body(self) -> Result<Vec<Frame>, ProtocolError> {
        let body = self.rest();
        if body.is_empty() {
            return Err(ProtocolError::MissingFrame("body"));
        }
        Ok(body)
    }

    /// The next frame, if there is one. (The frame read is left empty in the list, which
    /// costs nothing: an empty frame is a few bytes in place.)
    pub(crate) fn optional(&mut self) -> Option<Frame> {
        let frame = self.frames.get_mut(self.at)?;
        self.at += 1;
        Some(std::mem::take(frame))
    }

    /// Every frame left, however many (none included).
    pub(crate) fn rest(mut self) -> Vec<Frame> {
        self.frames.drain(..self.at);
        self.frames
    }

    /// Reads the client address and the empty frame that must follow it.
    pub(crate) fn address(&mut self) -> Result<Frame, ProtocolError> {
        let client = self.next("client address")?;
        if client.is_empty() {
            return Err(ProtocolError::EmptyAddress);
        }
        let delimiter = self.next("empty delimiter")?;
        if !delimiter.is_empty() {
            return Err(ProtocolError::MissingEnvelopeDelimiter);
        }
        Ok(client)
    }

    pub(crate) fn end(self, command: &'static str) -> Result<(), ProtocolError> {
        let extra = self.frames.len() - self.at;
        if extra > 0 {
            return Err(ProtocolError::TrailingFrames { command, extra });
        }
        Ok(())
    }
}

/// Reads the leading frames of a message and returns its role and form, leaving the reader
/// at the first frame after the header. 0.1 requires the empty frame before the header; 0.2
/// takes it or not ([`Dialect::Delimited`] when present).
pub(crate) fn read_header(frames: Vec<Frame>) -> Result<(Role, Form, Reader), ProtocolError> {
    if frames.is_empty() {
        return Err(ProtocolError::Empty);
    }
    let mut reader = Reader::new(frames);
    let first = reader.next("header")?;
    let (header, delimited) = if first.is_empty() {
        (reader.next("header")?, true)
    } else {
        (first, false)
    };
    let (role, version, name) = match header.as_slice() {
        CLIENT_V01 => (Role::Client, Version::V01, "MDPC01"),
        WORKER_V01 => (Role::Worker, Version::V01, "MDPW01"),
        CLIENT_V02 => (Role::Client, Version::V02, "MDPC02"),
        WORKER_V02 => (Role::Worker, Version::V02, "MDPW02"),
        other => return Err(ProtocolError::BadHeader(Printable::of(other))),
    };
    let dialect = match (version, delimited) {
        (Version::V01, false) => return Err(ProtocolError::MissingDelimiter(name)),
        (Version::V02, true) => Dialect::Delimited,
        _ => Dialect::Rfc18,
    };
    Ok((role, Form { version, dialect }, reader))
}

/// A message as the broker receives it, after the ROUTER identity frame is taken off, with
/// the form its sender used (to answer in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Client(Form, ClientRequest),
    Worker(Form, WorkerMsg),
}

impl Inbound {
    /// Parses what a client or worker sent, telling the two apart by the header frame.
    pub fn parse(mut frames: Vec<Frame>) -> Result<Inbound, ProtocolError> {
        if let Some(version) = frames.first().and_then(|f| compact::version_of(f)) {
            let msg = WorkerMsg::parse_compact(version, frames)?;
            return Ok(Inbound::Worker(Form::compact(version), msg));
        }
        let majortomo = frames.first().is_some_and(|f| f.is_empty())
            && dialect::majortomo_request(&mut frames[1..]);
        let (role, mut form, reader) = read_header(frames)?;
        if majortomo {
            form.dialect = Dialect::Majortomo;
        }
        match role {
            Role::Client => Ok(Inbound::Client(
                form,
                ClientRequest::parse_after_header(form.version, reader)?,
            )),
            Role::Worker => Ok(Inbound::Worker(
                form,
                WorkerMsg::parse_after_header(form.version, reader)?,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_decides_role_and_version() {
        let parsed = Inbound::parse(frames(&[b"", b"MDPC01", b"echo", b"hi"])).unwrap();
        assert!(matches!(parsed, Inbound::Client(Form::V01, _)));
        let parsed = Inbound::parse(frames(&[b"MDPC02", b"\x01", b"echo", b"hi"])).unwrap();
        assert!(matches!(parsed, Inbound::Client(Form::V02, _)));
        let parsed = Inbound::parse(frames(&[b"", b"MDPW01", b"\x04"])).unwrap();
        assert!(matches!(
            parsed,
            Inbound::Worker(Form::V01, WorkerMsg::Heartbeat)
        ));
        let parsed = Inbound::parse(frames(&[b"MDPW02", b"\x05"])).unwrap();
        assert!(matches!(
            parsed,
            Inbound::Worker(Form::V02, WorkerMsg::Heartbeat)
        ));
    }

    /// majortomo and the zeromq/majordomo tag put an empty frame before the 0.2 header; such
    /// messages are read, not refused with "header must not follow an empty frame".
    #[test]
    fn the_delimited_0_2_forms_are_read_byte_for_byte() {
        let delimited = Form {
            version: Version::V02,
            dialect: Dialect::Delimited,
        };
        let request = ClientRequest {
            service: Frame::copy(b"echo"),
            body: vec![Frame::copy(b"hi")],
        };
        assert_eq!(
            Inbound::parse(frames(&[b"", b"MDPC02", b"\x01", b"echo", b"hi"])),
            Ok(Inbound::Client(delimited, request.clone()))
        );
        // majortomo's client numbers REQUEST 0x02.
        assert_eq!(
            Inbound::parse(frames(&[b"", b"MDPC02", b"\x02", b"echo", b"hi"])),
            Ok(Inbound::Client(Form::MAJORTOMO, request))
        );
        assert_eq!(
            Inbound::parse(frames(&[b"", b"MDPW02", b"\x01", b"echo"])),
            Ok(Inbound::Worker(
                delimited,
                WorkerMsg::Ready {
                    service: Frame::copy(b"echo"),
                    extensions: Default::default(),
                }
            ))
        );
        // Without the empty frame 0x02 is a PARTIAL, which no client sends.
        assert_eq!(
            Inbound::parse(frames(&[b"MDPC02", b"\x02", b"echo", b"hi"])),
            Err(ProtocolError::UnexpectedCommand { command: "PARTIAL" })
        );
    }

    #[test]
    fn malformed_headers_are_distinct_errors() {
        assert_eq!(Inbound::parse(vec![]), Err(ProtocolError::Empty));
        assert_eq!(
            Inbound::parse(frames(&[b""])),
            Err(ProtocolError::MissingFrame("header"))
        );
        assert_eq!(
            Inbound::parse(frames(&[b"", b"MDPX01"])),
            Err(ProtocolError::BadHeader(Printable(b"MDPX01".to_vec())))
        );
        assert_eq!(
            Inbound::parse(frames(&[b"MDPC01", b"echo", b"x"])),
            Err(ProtocolError::MissingDelimiter("MDPC01"))
        );
    }

    #[test]
    fn lines_escape_what_would_break_them() {
        let frames = frames(&[b"a\tb", b"c\nd\\", b"plain"]);
        assert_eq!(escape_line(&frames), b"a\\tb\tc\\nd\\\\\tplain".to_vec());
    }

    #[test]
    fn printable_shows_text_or_hex() {
        assert_eq!(Printable::of(b"echo").to_string(), "\"echo\"");
        assert_eq!(Printable::of(&[0, 0x80, 0xff]).to_string(), "0x0080ff");
    }

    #[test]
    fn version_parses_from_flag_values() {
        assert_eq!("0.1".parse::<Version>(), Ok(Version::V01));
        assert_eq!("0.2".parse::<Version>(), Ok(Version::V02));
        assert!("0.3".parse::<Version>().is_err());
    }
}
