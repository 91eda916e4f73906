//! MDP/Client: the commands between a client and the broker (7/MDP, 18/MDP).
//!
//! ```text
//! REQUEST  0.1: ""  "MDPC01"       service body...   (client -> broker)
//!          0.2:     "MDPC02" 0x01  service body...
//! REPLY    0.1: ""  "MDPC01"       service body...   (broker -> client)
//! PARTIAL  0.2:     "MDPC02" 0x02  service body...
//! FINAL    0.2:     "MDPC02" 0x03  service body...
//! ```
//!
//! In 0.1 a REQUEST and a REPLY look the same on the wire (there is no command byte), so the
//! direction decides which type parses them: [`ClientRequest`] at the broker,
//! [`ClientReply`] at the client. Both require at least one body frame, as the RFCs do
//! ("4 or more frames"). A 0.1 client on a REQ socket never sees the leading empty frame; the
//! frames here are those of a DEALER, which is what 18/MDP requires and what zmqtool uses.

use super::dialect::{Dialect, Form, majortomo};
use super::{Frame, Message, ProtocolError, Reader, Role, Version, read_header};

const REQUEST: u8 = 0x01;
const PARTIAL: u8 = 0x02;
const FINAL: u8 = 0x03;

/// The MDP/0.2 client commands, by their command byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    Request,
    Partial,
    Final,
}

impl Command {
    fn read(version: Version, reader: &mut Reader) -> Result<Command, ProtocolError> {
        match reader.command()? {
            REQUEST => Ok(Command::Request),
            PARTIAL => Ok(Command::Partial),
            FINAL => Ok(Command::Final),
            byte => Err(ProtocolError::UnknownCommand {
                version,
                role: Role::Client,
                byte,
            }),
        }
    }

    /// The error for a valid command that does not belong in this direction.
    fn unexpected(self) -> ProtocolError {
        let command = match self {
            Command::Request => "REQUEST",
            Command::Partial => "PARTIAL",
            Command::Final => "FINAL",
        };
        ProtocolError::UnexpectedCommand { command }
    }
}

/// The frames before the service frame in a REQUEST of `version`, as a DEALER sends it
/// (for load generators that write frames from slices without building a message).
pub fn request_prefix(version: Version) -> &'static [&'static [u8]] {
    match version {
        Version::V01 => &[b"", super::CLIENT_V01],
        Version::V02 => &[super::CLIENT_V02, &[REQUEST]],
    }
}

/// The frames before the service frame in a reply of `kind` in `version`, as a DEALER
/// receives it; `None` for a PARTIAL in 0.1, which has none.
pub fn reply_prefix(version: Version, kind: ReplyKind) -> Option<&'static [&'static [u8]]> {
    match (version, kind) {
        (Version::V01, ReplyKind::Final) => Some(&[b"", super::CLIENT_V01]),
        (Version::V01, ReplyKind::Partial) => None,
        (Version::V02, ReplyKind::Final) => Some(&[super::CLIENT_V02, &[FINAL]]),
        (Version::V02, ReplyKind::Partial) => Some(&[super::CLIENT_V02, &[PARTIAL]]),
    }
}

/// A client's REQUEST for a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    pub service: Frame,
    pub body: Vec<Frame>,
}

impl ClientRequest {
    /// Parses a REQUEST as a broker receives it (without the ROUTER identity).
    pub fn parse(frames: Vec<Frame>) -> Result<(Form, ClientRequest), ProtocolError> {
        match super::Inbound::parse(frames)? {
            super::Inbound::Client(form, request) => Ok((form, request)),
            super::Inbound::Worker(form, _) => Err(ProtocolError::WrongHeader {
                expected: "client",
                got: super::Printable::of(form.version.worker_header()),
            }),
        }
    }

    pub(crate) fn parse_after_header(
        version: Version,
        mut reader: Reader,
    ) -> Result<ClientRequest, ProtocolError> {
        if version == Version::V02 {
            let command = Command::read(version, &mut reader)?;
            if command != Command::Request {
                return Err(command.unexpected());
            }
        }
        let service = reader.service()?;
        let body = reader.body()?;
        Ok(ClientRequest { service, body })
    }

    /// The frames a DEALER client sends, in `form`, written in front of the body in its own
    /// list (`mdp::Message`).
    pub fn to_frames_in(self, form: Form) -> Vec<Frame> {
        let message = Message::new(form, form.version.client_header(), self.body);
        let message = match (form.version, form.dialect) {
            (Version::V01, _) => message,
            (Version::V02, Dialect::Majortomo) => message.command(majortomo::REQUEST),
            (Version::V02, _) => message.command(REQUEST),
        };
        message.push(self.service).done()
    }

    /// The frames a DEALER client sends (RFC form).
    pub fn to_frames(self, version: Version) -> Vec<Frame> {
        self.to_frames_in(Form::from(version))
    }
}

/// Whether a reply is the last one for its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// 0.2 PARTIAL: more replies follow. There is no 0.1 form.
    Partial,
    /// 0.2 FINAL, or the single 0.1 REPLY.
    Final,
}

/// A reply from the broker to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientReply {
    pub kind: ReplyKind,
    pub service: Frame,
    pub body: Vec<Frame>,
}

impl ClientReply {
    /// A final reply (0.1 REPLY or 0.2 FINAL).
    pub fn last(service: Frame, body: Vec<Frame>) -> ClientReply {
        ClientReply {
            kind: ReplyKind::Final,
            service,
            body,
        }
    }

    /// Parses a reply to a request for `service` made in `form`, as a DEALER client receives
    /// it. A majortomo reply has no service frame: it is taken to be `service`.
    pub fn parse_in(
        form: Form,
        service: &[u8],
        frames: Vec<Frame>,
    ) -> Result<ClientReply, ProtocolError> {
        if form.version == Version::V02 && form.dialect == Dialect::Majortomo {
            return Self::parse_majortomo(service, frames);
        }
        Ok(Self::parse(frames)?.1)
    }

    fn parse_majortomo(service: &[u8], frames: Vec<Frame>) -> Result<ClientReply, ProtocolError> {
        let (role, form, mut reader) = read_header(frames)?;
        if role != Role::Client || form.version != Version::V02 {
            return Err(ProtocolError::WrongHeader {
                expected: "MDPC02",
                got: super::Printable::of(form.version.client_header()),
            });
        }
        let kind = match reader.command()? {
            majortomo::PARTIAL => ReplyKind::Partial,
            majortomo::FINAL => ReplyKind::Final,
            byte => {
                return Err(ProtocolError::UnknownCommand {
                    version: Version::V02,
                    role: Role::Client,
                    byte,
                });
            }
        };
        Ok(ClientReply {
            kind,
            service: Frame::copy(service),
            body: reader.rest(),
        })
    }

    /// Parses a reply as a DEALER client receives it.
    pub fn parse(frames: Vec<Frame>) -> Result<(Form, ClientReply), ProtocolError> {
        let (role, form, mut reader) = read_header(frames)?;
        let version = form.version;
        if role != Role::Client {
            return Err(ProtocolError::WrongHeader {
                expected: "client",
                got: super::Printable::of(version.worker_header()),
            });
        }
        let kind = match version {
            Version::V01 => ReplyKind::Final,
            Version::V02 => match Command::read(version, &mut reader)? {
                Command::Partial => ReplyKind::Partial,
                Command::Final => ReplyKind::Final,
                other => return Err(other.unexpected()),
            },
        };
        let service = reader.service()?;
        let body = reader.body()?;
        Ok((
            form,
            ClientReply {
                kind,
                service,
                body,
            },
        ))
    }

    /// The frames the broker sends to a client that wrote in `form`, written in front of the
    /// body in its own list (`mdp::Message`). A PARTIAL has no 0.1 form; a broker gathers them
    /// for 0.1 clients instead. A majortomo client's replies have no service frame.
    pub fn to_frames_in(self, form: Form) -> Result<Vec<Frame>, ProtocolError> {
        let message = Message::new(form, form.version.client_header(), self.body);
        let message = match (form.version, form.dialect, self.kind) {
            (Version::V01, _, ReplyKind::Final) => message,
            (Version::V01, _, ReplyKind::Partial) => {
                return Err(ProtocolError::NotInVersion {
                    command: "PARTIAL",
                    version: form.version,
                });
            }
            (Version::V02, Dialect::Majortomo, ReplyKind::Partial) => {
                return Ok(message.command(majortomo::PARTIAL).done());
            }
            (Version::V02, Dialect::Majortomo, ReplyKind::Final) => {
                return Ok(message.command(majortomo::FINAL).done());
            }
            (Version::V02, _, ReplyKind::Partial) => message.command(PARTIAL),
            (Version::V02, _, ReplyKind::Final) => message.command(FINAL),
        };
        Ok(message.push(self.service).done())
    }

    /// The frames the broker sends (after the client's ROUTER identity), RFC form.
    pub fn to_frames(self, version: Version) -> Result<Vec<Frame>, ProtocolError> {
        self.to_frames_in(Form::from(version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mdp::frames;

    fn request() -> ClientRequest {
        ClientRequest {
            service: Frame::copy(b"echo"),
            body: frames(&[b"hello", b""]),
        }
    }

    #[test]
    fn request_v01_is_byte_exact() {
        assert_eq!(
            request().to_frames(Version::V01),
            frames(&[b"", b"MDPC01", b"echo", b"hello", b""])
        );
    }

    #[test]
    fn request_v02_is_byte_exact() {
        assert_eq!(
            request().to_frames(Version::V02),
            frames(&[b"MDPC02", b"\x01", b"echo", b"hello", b""])
        );
    }

    #[test]
    fn request_round_trips_in_both_versions() {
        for version in [Version::V01, Version::V02] {
            let parsed = ClientRequest::parse(request().to_frames(version)).unwrap();
            assert_eq!(parsed, (version.into(), request()));
        }
    }

    #[test]
    fn replies_are_byte_exact() {
        let reply = |kind| ClientReply {
            kind,
            service: Frame::copy(b"echo"),
            body: frames(&[b"hi"]),
        };
        assert_eq!(
            reply(ReplyKind::Final).to_frames(Version::V01).unwrap(),
            frames(&[b"", b"MDPC01", b"echo", b"hi"])
        );
        assert_eq!(
            reply(ReplyKind::Partial).to_frames(Version::V02).unwrap(),
            frames(&[b"MDPC02", b"\x02", b"echo", b"hi"])
        );
        assert_eq!(
            reply(ReplyKind::Final).to_frames(Version::V02).unwrap(),
            frames(&[b"MDPC02", b"\x03", b"echo", b"hi"])
        );
        assert_eq!(
            reply(ReplyKind::Partial).to_frames(Version::V01),
            Err(ProtocolError::NotInVersion {
                command: "PARTIAL",
                version: Version::V01
            })
        );
    }

    #[test]
    fn replies_round_trip() {
        for (version, kind) in [
            (Version::V01, ReplyKind::Final),
            (Version::V02, ReplyKind::Partial),
            (Version::V02, ReplyKind::Final),
        ] {
            let reply = ClientReply {
                kind,
                service: Frame::copy(b"svc"),
                body: frames(&[b"a", b"b"]),
            };
            let parsed = ClientReply::parse(reply.clone().to_frames(version).unwrap()).unwrap();
            assert_eq!(parsed, (version.into(), reply));
        }
    }

    #[test]
    fn malformed_requests_are_refused() {
        let cases: Vec<(Vec<Frame>, ProtocolError)> = vec![
            (
                frames(&[b"", b"MDPC01"]),
                ProtocolError::MissingFrame("service"),
            ),
            (
                frames(&[b"", b"MDPC01", b"echo"]),
                ProtocolError::MissingFrame("body"),
            ),
            (
                frames(&[b"", b"MDPC01", b"", b"x"]),
                ProtocolError::EmptyService,
            ),
            (frames(&[b"MDPC02"]), ProtocolError::MissingFrame("command")),
            (
                frames(&[b"MDPC02", b"\x01\x01", b"echo", b"x"]),
                ProtocolError::BadCommandFrame(2),
            ),
            (
                frames(&[b"MDPC02", b"\x09", b"echo", b"x"]),
                ProtocolError::UnknownCommand {
                    version: Version::V02,
                    role: Role::Client,
                    byte: 9,
                },
            ),
            (
                frames(&[b"MDPC02", b"\x03", b"echo", b"x"]),
                ProtocolError::UnexpectedCommand { command: "FINAL" },
            ),
            (
                frames(&[b"MDPC02", b"\x01", b"echo"]),
                ProtocolError::MissingFrame("body"),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                ClientRequest::parse(input.clone()),
                Err(expected),
                "{input:?}"
            );
        }
    }

    #[test]
    fn client_rejects_a_request_shaped_v02_reply() {
        assert_eq!(
            ClientReply::parse(frames(&[b"MDPC02", b"\x01", b"echo", b"x"])),
            Err(ProtocolError::UnexpectedCommand { command: "REQUEST" })
        );
    }

    #[test]
    fn worker_header_is_not_a_client_message() {
        assert!(matches!(
            ClientRequest::parse(frames(&[b"", b"MDPW01", b"\x04"])),
            Err(ProtocolError::WrongHeader { .. })
        ));
    }
}
