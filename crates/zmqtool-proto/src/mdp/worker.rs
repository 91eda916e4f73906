//! MDP/Worker: the commands between a worker and the broker (7/MDP, 18/MDP).
//!
//! ```text
//!              MDP/0.1 (7/MDP)                     MDP/0.2 (18/MDP)
//! READY        "" "MDPW01" 0x01 service            "MDPW02" 0x01 service
//! REQUEST      "" "MDPW01" 0x02 client "" body...  "MDPW02" 0x02 client "" body...
//! REPLY/FINAL  "" "MDPW01" 0x03 client "" body...  "MDPW02" 0x04 client "" body...
//! PARTIAL      (none)                              "MDPW02" 0x03 client "" body...
//! HEARTBEAT    "" "MDPW01" 0x04                    "MDPW02" 0x05
//! DISCONNECT   "" "MDPW01" 0x05                    "MDPW02" 0x06
//! ```
//!
//! Command bytes are unique within a version, so one enum covers both directions; whoever
//! receives a command that is valid but not meant for it (a broker receiving REQUEST) treats
//! it as "valid but unexpected", which 7/MDP answers with DISCONNECT.

use super::{
    Dialect, Form, Frame, Message, ProtocolError, Reader, Role, Version, compact, read_header,
};

/// What a worker may announce in READY, in one frame after the service name: tokens
/// separated by spaces. A broker ignores the tokens it does not know; the zguide's brokers
/// and majortomo read only the service frame. Nothing announced: no frame at all, so READY is
/// byte for byte the RFC's (docs/PROTOCOL-EXTENSIONS.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `busy-heartbeats`: the worker keeps heartbeating while it holds a request, so a
    /// broker may presume it dead after the usual liveness even when it is busy.
    pub busy_heartbeats: bool,
    /// `credit=N` (N > 1): the worker can hold N requests at once, and answers each by the
    /// client-address frame it came with (docs/PROTOCOL-EXTENSIONS.md). `None`: one at a
    /// time, as MDP says.
    pub credit: Option<u32>,
    /// `dedup`: the worker keeps a stamped request's reply under its stamp and answers a
    /// repeat from it ([`super::stamp`]); a broker carries stamps only to such workers.
    pub dedup: bool,
    /// `compact`: the worker reads and writes the worker commands in the compact form
    /// ([`super::compact`]), so a broker may write to it in that form.
    pub compact: bool,
}

const BUSY_HEARTBEATS: &[u8] = b"busy-heartbeats";
const DEDUP: &[u8] = b"dedup";
const COMPACT: &[u8] = b"compact";
const CREDIT: &[u8] = b"credit=";

impl Extensions {
    /// The requests the worker may hold at once (1 unless it announced more).
    pub fn credit(&self) -> u32 {
        self.credit.unwrap_or(1)
    }

    /// Tokens separated by spaces; unknown ones (and a malformed credit) are ignored, so
    /// extensions can be added without breaking older brokers.
    fn parse(frame: &[u8]) -> Extensions {
        let mut ext = Extensions::default();
        for token in frame.split(|b| *b == b' ') {
            if token == BUSY_HEARTBEATS {
                ext.busy_heartbeats = true;
            } else if token == DEDUP {
                ext.dedup = true;
            } else if token == COMPACT {
                ext.compact = true;
            } else if let Some(n) = token.strip_prefix(CREDIT) {
                ext.credit = std::str::from_utf8(n)
                    .ok()
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|&n| n > 1);
            }
        }
        ext
    }

    fn to_frame(self) -> Option<Frame> {
        let mut tokens: Vec<Vec<u8>> = Vec::new();
        if self.busy_heartbeats {
            tokens.push(BUSY_HEARTBEATS.to_vec());
        }
        if let Some(n) = self.credit.filter(|&n| n > 1) {
            tokens.push([CREDIT, n.to_string().as_bytes()].concat());
        }
        if self.dedup {
            tokens.push(DEDUP.to_vec());
        }
        if self.compact {
            tokens.push(COMPACT.to_vec());
        }
        (!tokens.is_empty()).then(|| tokens.join(&b' ').into())
    }
}

/// A worker-protocol command. 0.1 REPLY and 0.2 FINAL are the same command, [`WorkerMsg::Final`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerMsg {
    Ready {
        service: Frame,
        extensions: Extensions,
    },
    Request {
        client: Frame,
        body: Vec<Frame>,
    },
    Partial {
        client: Frame,
        body: Vec<Frame>,
    },
    Final {
        client: Frame,
        body: Vec<Frame>,
    },
    Heartbeat,
    Disconnect,
}

/// The command bytes of one version.
struct Bytes {
    ready: u8,
    request: u8,
    partial: Option<u8>,
    final_: u8,
    heartbeat: u8,
    disconnect: u8,
}

const V01: Bytes = Bytes {
    ready: 0x01,
    request: 0x02,
    partial: None,
    final_: 0x03,
    heartbeat: 0x04,
    disconnect: 0x05,
};

const V02: Bytes = Bytes {
    ready: 0x01,
    request: 0x02,
    partial: Some(0x03),
    final_: 0x04,
    heartbeat: 0x05,
    disconnect: 0x06,
};

fn bytes(version: Version) -> &'static Bytes {
    match version {
        Version::V01 => &V01,
        Version::V02 => &V02,
    }
}

impl WorkerMsg {
    /// The spec's name of this command.
    pub fn name(&self) -> &'static str {
        match self {
            WorkerMsg::Ready { .. } => "READY",
            WorkerMsg::Request { .. } => "REQUEST",
            WorkerMsg::Partial { .. } => "PARTIAL",
            WorkerMsg::Final { .. } => "FINAL",
            WorkerMsg::Heartbeat => "HEARTBEAT",
            WorkerMsg::Disconnect => "DISCONNECT",
        }
    }

    /// Parses a worker command, as the broker (without ROUTER identity) or a DEALER worker
    /// receives it.
    pub fn parse(frames: Vec<Frame>) -> Result<(Form, WorkerMsg), ProtocolError> {
        if let Some(version) = frames.first().and_then(|f| compact::version_of(f)) {
            return Ok((
                Form::compact(version),
                Self::parse_compact(version, frames)?,
            ));
        }
        let (role, form, reader) = read_header(frames)?;
        if role != Role::Worker {
            return Err(ProtocolError::WrongHeader {
                expected: "worker",
                got: super::Printable::of(form.version.client_header()),
            });
        }
        Ok((form, Self::parse_after_header(form.version, reader)?))
    }

    /// The frames in `form`: RFC 18's, with the empty frame first for a delimited peer.
    /// PARTIAL has no 0.1 form. A request's or reply's frames are written in front of its
    /// body, in the body's own list (`mdp::Message`).
    pub fn to_frames_in(self, form: Form) -> Result<Vec<Frame>, ProtocolError> {
        let version = form.version;
        let form = match form.dialect {
            Dialect::Compact => match self {
                // READY has no compact form; PARTIAL has none in 0.1 (an error below).
                WorkerMsg::Ready { .. } => Form::from(version),
                WorkerMsg::Partial { .. } if version == Version::V01 => form,
                msg => return Ok(msg.to_compact(version).expect("a compact form")),
            },
            _ => form,
        };
        let b = bytes(version);
        let start = |byte: u8, body: Vec<Frame>| {
            Message::new(form, version.worker_header(), body).command(byte)
        };
        let with_address = |byte: u8, client: Frame, body: Vec<Frame>| {
            start(byte, body).push(client).push(Frame::empty()).done()
        };
        Ok(match self {
            WorkerMsg::Ready {
                service,
                extensions,
            } => {
                let mut message = start(b.ready, Vec::with_capacity(5)).push(service);
                if let Some(frame) = extensions.to_frame() {
                    message = message.push(frame);
                }
                message.done()
            }
            WorkerMsg::Request { client, body } => with_address(b.request, client, body),
            WorkerMsg::Partial { client, body } => match b.partial {
                Some(byte) => with_address(byte, client, body),
                None => {
                    return Err(ProtocolError::NotInVersion {
                        command: "PARTIAL",
                        version,
                    });
                }
            },
            WorkerMsg::Final { client, body } => with_address(b.final_, client, body),
            WorkerMsg::Heartbeat => start(b.heartbeat, Vec::with_capacity(3)).done(),
            WorkerMsg::Disconnect => start(b.disconnect, Vec::with_capacity(3)).done(),
        })
    }

    /// Reads a compact worker command ([`compact`]), whose head frame (the first of
    /// `frames`) says it is in `version`.
    pub(crate) fn parse_compact(
        version: Version,
        frames: Vec<Frame>,
    ) -> Result<WorkerMsg, ProtocolError> {
        let (command, address, rest) = compact::split(frames);
        let b = bytes(version);
        let with_address = |rest: Vec<Frame>| {
            if address.is_empty() {
                return Err(ProtocolError::EmptyAddress);
            }
            if rest.is_empty() {
                return Err(ProtocolError::MissingFrame("body"));
            }
            Ok((address.clone(), rest))
        };
        let bare = |rest: &[Frame], command: &'static str| {
            if !rest.is_empty() || !address.is_empty() {
                return Err(ProtocolError::TrailingFrames {
                    command,
                    extra: rest.len().max(1),
                });
            }
            Ok(())
        };
        Ok(if command == b.request {
            let (client, body) = with_address(rest)?;
            WorkerMsg::Request { client, body }
        } else if Some(command) == b.partial {
            let (client, body) = with_address(rest)?;
            WorkerMsg::Partial { client, body }
        } else if command == b.final_ {
            let (client, body) = with_address(rest)?;
            WorkerMsg::Final { client, body }
        } else if command == b.heartbeat {
            bare(&rest, "HEARTBEAT")?;
            WorkerMsg::Heartbeat
        } else if command == b.disconnect {
            bare(&rest, "DISCONNECT")?;
            WorkerMsg::Disconnect
        } else {
            return Err(ProtocolError::UnknownCommand {
                version,
                role: Role::Worker,
                byte: command,
            });
        })
    }

    /// This command in the compact form of `version` ([`compact`]); `None` for READY, which
    /// has none, and for PARTIAL in 0.1.
    pub fn to_compact(self, version: Version) -> Option<Vec<Frame>> {
        let b = bytes(version);
        let (command, address, body) = match self {
            WorkerMsg::Ready { .. } => return None,
            WorkerMsg::Request { client, body } => (b.request, client, body),
            WorkerMsg::Partial { client, body } => (b.partial?, client, body),
            WorkerMsg::Final { client, body } => (b.final_, client, body),
            WorkerMsg::Heartbeat => (b.heartbeat, Frame::empty(), Vec::with_capacity(1)),
            WorkerMsg::Disconnect => (b.disconnect, Frame::empty(), Vec::with_capacity(1)),
        };
        Some(compact::join(version, command, &address, body))
    }

    pub(crate) fn parse_after_header(
        version: Version,
        mut reader: Reader,
    ) -> Result<WorkerMsg, ProtocolError> {
        let b = bytes(version);
        let byte = reader.command()?;
        let msg = if byte == b.ready {
            let service = reader.service()?;
            let extensions = reader
                .optional()
                .map(|f| Extensions::parse(&f))
                .unwrap_or_default();
            reader.end("READY")?;
            WorkerMsg::Ready {
                service,
                extensions,
            }
        } else if byte == b.request {
            let client = reader.address()?;
            WorkerMsg::Request {
                client,
                body: reader.body()?,
            }
        } else if Some(byte) == b.partial {
            let client = reader.address()?;
            WorkerMsg::Partial {
                client,
                body: reader.body()?,
            }
        } else if byte == b.final_ {
            let client = reader.address()?;
            WorkerMsg::Final {
                client,
                body: reader.body()?,
            }
        } else if byte == b.heartbeat {
            reader.end("HEARTBEAT")?;
            WorkerMsg::Heartbeat
        } else if byte == b.disconnect {
            reader.end("DISCONNECT")?;
            WorkerMsg::Disconnect
        } else {
            return Err(ProtocolError::UnknownCommand {
                version,
                role: Role::Worker,
                byte,
            });
        };
        Ok(msg)
    }

    /// The frames on the wire (without any ROUTER identity) in RFC form. PARTIAL has no 0.1
    /// form.
    pub fn to_frames(self, version: Version) -> Result<Vec<Frame>, ProtocolError> {
        self.to_frames_in(Form::from(version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mdp::frames;

    fn all_commands() -> Vec<WorkerMsg> {
        vec![
            WorkerMsg::Ready {
                service: Frame::copy(b"echo"),
                extensions: Extensions::default(),
            },
            WorkerMsg::Ready {
                service: Frame::copy(b"echo"),
                extensions: Extensions {
                    busy_heartbeats: true,
                    credit: None,
                    dedup: false,
                    compact: false,
                },
            },
            WorkerMsg::Ready {
                service: Frame::copy(b"echo"),
                extensions: Extensions {
                    busy_heartbeats: true,
                    credit: Some(64),
                    dedup: true,
                    compact: true,
                },
            },
            WorkerMsg::Request {
                client: Frame::copy(b"\x00\x80\x00\x00\x29"),
                body: frames(&[b"hello"]),
            },
            WorkerMsg::Partial {
                client: Frame::copy(b"C"),
                body: frames(&[b"part", b""]),
            },
            WorkerMsg::Final {
                client: Frame::copy(b"C"),
                body: frames(&[b"done"]),
            },
            WorkerMsg::Heartbeat,
            WorkerMsg::Disconnect,
        ]
    }

    /// A reply goes out in the list its request came in (the frames read off its front
    /// leave room for the reply's), in every form, with a body of one frame or several.
    #[test]
    fn a_reply_is_built_in_its_requests_list() {
        for form in [Form::V01, Form::V02, Form::MAJORTOMO] {
            for body in [frames(&[b"hello"]), frames(&[b"a", b"", b"c"])] {
                let request = WorkerMsg::Request {
                    client: Frame::copy(b"C"),
                    body: body.clone(),
                };
                let received = request.to_frames_in(form).unwrap();
                let list = received.as_ptr();
                let Ok((_, WorkerMsg::Request { client, body: got })) = WorkerMsg::parse(received)
                else {
                    panic!("a request in {form:?}");
                };
                assert_eq!(got, body);
                let reply = WorkerMsg::Final { client, body: got }
                    .to_frames_in(form)
                    .unwrap();
                assert_eq!(reply.as_ptr(), list, "{form:?}: a new list");
                let (_, parsed) = WorkerMsg::parse(reply).unwrap();
                assert_eq!(
                    parsed,
                    WorkerMsg::Final {
                        client: Frame::copy(b"C"),
                        body
                    }
                );
            }
        }
    }

    #[test]
    fn v01_commands_are_byte_exact() {
        let expected: Vec<Option<Vec<Frame>>> = vec![
            Some(frames(&[b"", b"MDPW01", b"\x01", b"echo"])),
            Some(frames(&[
                b"",
                b"MDPW01",
                b"\x01",
                b"echo",
                b"busy-heartbeats",
            ])),
            Some(frames(&[
                b"",
                b"MDPW01",
                b"\x01",
                b"echo",
                b"busy-heartbeats credit=64 dedup compact",
            ])),
            Some(frames(&[
                b"",
                b"MDPW01",
                b"\x02",
                b"\x00\x80\x00\x00\x29",
                b"",
                b"hello",
            ])),
            None,
            Some(frames(&[b"", b"MDPW01", b"\x03", b"C", b"", b"done"])),
            Some(frames(&[b"", b"MDPW01", b"\x04"])),
            Some(frames(&[b"", b"MDPW01", b"\x05"])),
        ];
        for (msg, want) in all_commands().into_iter().zip(expected) {
            assert_eq!(msg.clone().to_frames(Version::V01).ok(), want, "{msg:?}");
        }
    }

    #[test]
    fn credit_is_read_from_the_extensions_frame_and_nonsense_is_ignored() {
        let credit = |frame: &[u8]| Extensions::parse(frame).credit;
        assert_eq!(credit(b"credit=64"), Some(64));
        assert_eq!(credit(b"busy-heartbeats credit=2 future-thing"), Some(2));
        for plain in [
            &b""[..],
            b"credit=1",
            b"credit=0",
            b"credit=-5",
            b"credit=+5",
            b"credit=99999999999",
            b"credit=",
            b"credit=6x",
        ] {
            assert_eq!(credit(plain), None, "{plain:?}");
        }
        assert_eq!(Extensions::default().credit(), 1);
    }

    #[test]
    fn dedup_is_a_token_of_its_own() {
        assert!(Extensions::parse(b"busy-heartbeats dedup").dedup);
        assert!(!Extensions::parse(b"dedup=1 nodedup").dedup);
    }

    #[test]
    fn v02_commands_are_byte_exact() {
        let expected: Vec<Vec<Frame>> = vec![
            frames(&[b"MDPW02", b"\x01", b"echo"]),
            frames(&[b"MDPW02", b"\x01", b"echo", b"busy-heartbeats"]),
            frames(&[
                b"MDPW02",
                b"\x01",
                b"echo",
                b"busy-heartbeats credit=64 dedup compact",
            ]),
            frames(&[b"MDPW02", b"\x02", b"\x00\x80\x00\x00\x29", b"", b"hello"]),
            frames(&[b"MDPW02", b"\x03", b"C", b"", b"part", b""]),
            frames(&[b"MDPW02", b"\x04", b"C", b"", b"done"]),
            frames(&[b"MDPW02", b"\x05"]),
            frames(&[b"MDPW02", b"\x06"]),
        ];
        for (msg, want) in all_commands().into_iter().zip(expected) {
            assert_eq!(msg.to_frames(Version::V02).unwrap(), want);
        }
    }

    #[test]
    fn every_command_round_trips_in_each_version() {
        for version in [Version::V01, Version::V02] {
            for msg in all_commands() {
                let Ok(wire) = msg.clone().to_frames(version) else {
                    continue; // PARTIAL in 0.1
                };
                assert_eq!(WorkerMsg::parse(wire), Ok((version.into(), msg)));
            }
        }
    }

    #[test]
    fn clashing_bytes_mean_different_commands_per_version() {
        // 0x03 is REPLY in 0.1 and PARTIAL in 0.2; 0x04 HEARTBEAT vs FINAL; 0x05 DISCONNECT vs HEARTBEAT.
        let v01 = WorkerMsg::parse(frames(&[b"", b"MDPW01", b"\x05"])).unwrap();
        let v02 = WorkerMsg::parse(frames(&[b"MDPW02", b"\x05"])).unwrap();
        assert_eq!(v01.1, WorkerMsg::Disconnect);
        assert_eq!(v02.1, WorkerMsg::Heartbeat);
    }

    #[test]
    fn malformed_worker_messages_are_refused() {
        let v02 = Version::V02;
        let cases: Vec<(Vec<Frame>, ProtocolError)> = vec![
            (
                frames(&[b"", b"MDPW01"]),
                ProtocolError::MissingFrame("command"),
            ),
            (
                frames(&[b"", b"MDPW01", b""]),
                ProtocolError::BadCommandFrame(0),
            ),
            (
                frames(&[b"MDPW02", b"\x07"]),
                ProtocolError::UnknownCommand {
                    version: v02,
                    role: Role::Worker,
                    byte: 7,
                },
            ),
            (
                frames(&[b"", b"MDPW01", b"\x06"]),
                ProtocolError::UnknownCommand {
                    version: Version::V01,
                    role: Role::Worker,
                    byte: 6,
                },
            ),
            (
                frames(&[b"MDPW02", b"\x01"]),
                ProtocolError::MissingFrame("service"),
            ),
            (
                frames(&[b"MDPW02", b"\x01", b""]),
                ProtocolError::EmptyService,
            ),
            (
                frames(&[b"MDPW02", b"\x01", b"echo", b"extra", b"more"]),
                ProtocolError::TrailingFrames {
                    command: "READY",
                    extra: 1,
                },
            ),
            (
                frames(&[b"MDPW02", b"\x05", b"x", b"y"]),
                ProtocolError::TrailingFrames {
                    command: "HEARTBEAT",
                    extra: 2,
                },
            ),
            (
                frames(&[b"", b"MDPW01", b"\x05", b""]),
                ProtocolError::TrailingFrames {
                    command: "DISCONNECT",
                    extra: 1,
                },
            ),
            (
                frames(&[b"MDPW02", b"\x04"]),
                ProtocolError::MissingFrame("client address"),
            ),
            (
                frames(&[b"MDPW02", b"\x04", b"C"]),
                ProtocolError::MissingFrame("empty delimiter"),
            ),
            (
                frames(&[b"MDPW02", b"\x04", b"C", b"x", b"body"]),
                ProtocolError::MissingEnvelopeDelimiter,
            ),
            (
                frames(&[b"MDPW02", b"\x04", b"", b"", b"body"]),
                ProtocolError::EmptyAddress,
            ),
            (
                frames(&[b"", b"MDPW01", b"\x03", b"C", b""]),
                ProtocolError::MissingFrame("body"),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(WorkerMsg::parse(input.clone()), Err(expected), "{input:?}");
        }
    }

    fn compact_commands(version: Version) -> Vec<WorkerMsg> {
        let mut all = vec![
            WorkerMsg::Request {
                client: Frame::copy(b"\x00\x01\x02\x03\x04"),
                body: frames(&[b"hello"]),
            },
            WorkerMsg::Final {
                client: Frame::copy(&[7; 200]),
                body: frames(&[b"", b"two", &[9; 5000]]),
            },
            WorkerMsg::Heartbeat,
            WorkerMsg::Disconnect,
        ];
        if version == Version::V02 {
            all.push(WorkerMsg::Partial {
                client: Frame::copy(b"token678"),
                body: frames(&[b"part"]),
            });
        }
        all
    }

    #[test]
    fn every_command_but_ready_goes_and_comes_back_in_the_compact_form() {
        for version in [Version::V01, Version::V02] {
            for msg in compact_commands(version) {
                let wire = msg.clone().to_frames_in(Form::compact(version)).unwrap();
                assert_eq!(WorkerMsg::parse(wire), Ok((Form::compact(version), msg)));
            }
        }
        let ready = WorkerMsg::Ready {
            service: Frame::copy(b"echo"),
            extensions: Extensions::default(),
        };
        assert_eq!(ready.clone().to_compact(Version::V01), None);
        // READY to a compact form is written in the RFC's.
        assert_eq!(
            ready.to_frames_in(Form::compact(Version::V01)).unwrap(),
            frames(&[b"", b"MDPW01", b"\x01", b"echo"])
        );
        let partial = WorkerMsg::Partial {
            client: Frame::copy(b"a"),
            body: frames(&[b"x"]),
        };
        assert_eq!(partial.to_compact(Version::V01), None);
    }

    #[test]
    fn malformed_compact_commands_are_errors() {
        let bad: [&[&[u8]]; 6] = [
            &[b"MDPK01\x02"],         // REQUEST without an address
            &[b"MDPK01\x02ab"],       // REQUEST without a body
            &[b"MDPK01\x04", b"x"],   // HEARTBEAT with a body
            &[b"MDPK01\x04ab"],       // HEARTBEAT with an address
            &[b"MDPK01\x09ab", b"x"], // no such command
            &[b"MDPK01\x01echo"],     // READY has no compact form
        ];
        for message in bad {
            assert!(WorkerMsg::parse(frames(message)).is_err(), "{message:?}");
        }
    }
}
