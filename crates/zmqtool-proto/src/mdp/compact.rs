//! The `compact` extension's form of the worker commands: the frames in front of a body
//! folded into one.
//!
//! ```text
//!              RFC form (0.1; 0.2 without the empty frame)        compact
//! REQUEST      "" "MDPW01" 0x02 client "" body...                 "MDPK01" 0x02 client | body...
//! FINAL        "" "MDPW01" 0x03 client "" body...                 "MDPK01" 0x03 client | body...
//! HEARTBEAT    "" "MDPW01" 0x04                                   "MDPK01" 0x04
//! ```
//!
//! The head frame is `"MDPK0"`, the version digit, the command byte (the version's own, as in
//! [`super::worker`]) and the client address, all in one frame; the body frames follow as they
//! are. READY is never compact: a worker announces `compact` in it
//! (docs/PROTOCOL-EXTENSIONS.md), the broker then writes every command to that worker in this
//! form, and the worker answers in the form it was last written to. A peer that announced
//! nothing never sees it.
//!
//! Why: each frame costs libzmq a message on both sides of the connection (its queue, its
//! encoder and decoder), whatever its size. A request and its reply between a broker and a
//! worker take 12 frames in the RFC's 0.1 form and 4 in this one.

use super::worker::{WorkerMsg, bytes};
use super::{Frame, ProtocolError, Version};

/// The head frame starts with this, then the version digit (`1` or `2`).
const PREFIX: &[u8] = b"MDPK0";
/// Prefix, version digit and command byte.
const HEAD: usize = PREFIX.len() + 2;

/// The version of a compact head frame, or `None` when `frame` is not one.
pub(crate) fn version_of(frame: &[u8]) -> Option<Version> {
    if frame.len() < HEAD || !frame.starts_with(PREFIX) {
        return None;
    }
    match frame[PREFIX.len()] {
        b'1' => Some(Version::V01),
        b'2' => Some(Version::V02),
        _ => None,
    }
}

/// Reads a compact worker command, whose head frame is the first of `frames` and says it is
/// in `version` ([`version_of`]).
pub(crate) fn parse(version: Version, mut frames: Vec<Frame>) -> Result<WorkerMsg, ProtocolError> {
    let head = std::mem::take(&mut frames[0]);
    let (command, address) = (head[HEAD - 1], &head[HEAD..]);
    let b = bytes(version);
    let with_address = |frames: Vec<Frame>| -> Result<(Frame, Vec<Frame>), ProtocolError> {
        if address.is_empty() {
            return Err(ProtocolError::EmptyAddress);
        }
        let body = body(frames)?;
        Ok((Frame::copy(address), body))
    };
    let bare = |frames: &[Frame], command: &'static str| {
        let extra = frames.len() - 1;
        if extra > 0 || !address.is_empty() {
            return Err(ProtocolError::TrailingFrames {
                command,
                extra: extra.max(1),
            });
        }
        Ok(())
    };
    Ok(if command == b.request {
        let (client, body) = with_address(frames)?;
        WorkerMsg::Request { client, body }
    } else if Some(command) == b.partial {
        let (client, body) = with_address(frames)?;
        WorkerMsg::Partial { client, body }
    } else if command == b.final_ {
        let (client, body) = with_address(frames)?;
        WorkerMsg::Final { client, body }
    } else if command == b.heartbeat {
        bare(&frames, "HEARTBEAT")?;
        WorkerMsg::Heartbeat
    } else if command == b.disconnect {
        bare(&frames, "DISCONNECT")?;
        WorkerMsg::Disconnect
    } else {
        return Err(ProtocolError::UnknownCommand {
            version,
            role: super::Role::Worker,
            byte: command,
        });
    })
}

/// The body after the head frame, in the message's own list: at least one frame.
fn body(mut frames: Vec<Frame>) -> Result<Vec<Frame>, ProtocolError> {
    frames.remove(0);
    if frames.is_empty() {
        return Err(ProtocolError::MissingFrame("body"));
    }
    Ok(frames)
}

/// Writes `msg` in the compact form of `version`; `None` for READY, which has none.
pub(crate) fn write(version: Version, msg: WorkerMsg) -> Option<Vec<Frame>> {
    let b = bytes(version);
    let (command, address, body) = match msg {
        WorkerMsg::Ready { .. } => return None,
        WorkerMsg::Request { client, body } => (b.request, Some(client), body),
        WorkerMsg::Partial { client, body } => (b.partial?, Some(client), body),
        WorkerMsg::Final { client, body } => (b.final_, Some(client), body),
        WorkerMsg::Heartbeat => (b.heartbeat, None, Vec::with_capacity(1)),
        WorkerMsg::Disconnect => (b.disconnect, None, Vec::with_capacity(1)),
    };
    let address = address.as_deref().unwrap_or(&[]);
    let head = head(version, command, address);
    let mut frames = body;
    frames.push(head);
    frames.rotate_right(1);
    Some(frames)
}

/// The head frame: prefix, version digit, command, address.
fn head(version: Version, command: u8, address: &[u8]) -> Frame {
    let digit = match version {
        Version::V01 => b'1',
        Version::V02 => b'2',
    };
    let mut bytes = [0u8; Frame::INLINE];
    let fixed = [PREFIX, &[digit, command]].concat();
    if HEAD + address.len() <= bytes.len() {
        bytes[..HEAD].copy_from_slice(&fixed);
        bytes[HEAD..HEAD + address.len()].copy_from_slice(address);
        return Frame::copy(&bytes[..HEAD + address.len()]);
    }
    [fixed.as_slice(), address].concat().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mdp::frames;

    fn commands(version: Version) -> Vec<WorkerMsg> {
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
    fn every_command_but_ready_goes_and_comes_back() {
        for version in [Version::V01, Version::V02] {
            for msg in commands(version) {
                let wire = write(version, msg.clone()).unwrap();
                assert_eq!(version_of(&wire[0]), Some(version));
                assert_eq!(parse(version, wire).unwrap(), msg, "{version}");
            }
        }
    }

    #[test]
    fn a_request_is_its_head_then_its_body() {
        let wire = write(
            Version::V01,
            WorkerMsg::Request {
                client: Frame::copy(b"ab"),
                body: frames(&[b"x", b"y"]),
            },
        )
        .unwrap();
        assert_eq!(wire, frames(&[b"MDPK01\x02ab", b"x", b"y"]));
        let heartbeat = write(Version::V02, WorkerMsg::Heartbeat).unwrap();
        assert_eq!(heartbeat, frames(&[b"MDPK02\x05"]));
    }

    #[test]
    fn ready_has_no_compact_form() {
        let ready = WorkerMsg::Ready {
            service: Frame::copy(b"echo"),
            extensions: Default::default(),
        };
        assert_eq!(write(Version::V01, ready), None);
    }

    #[test]
    fn what_is_not_a_compact_head_is_told_apart() {
        for frame in [
            &b""[..],
            b"MDPW01",
            b"MDPK0",
            b"MDPK01",
            b"MDPK03\x02",
            b"mdpk01\x02",
        ] {
            assert_eq!(version_of(frame), None, "{frame:?}");
        }
    }

    #[test]
    fn malformed_compact_commands_are_errors() {
        let bad: [&[&[u8]]; 6] = [
            &[b"MDPK01\x02"],         // REQUEST without an address
            &[b"MDPK01\x02ab"],       // REQUEST without a body
            &[b"MDPK01\x04", b"x"],   // HEARTBEAT with a body
            &[b"MDPK01\x04ab"],       // HEARTBEAT with an address
            &[b"MDPK01\x09ab", b"x"], // no such command
            &[b"MDPK01\x03ab"],       // FINAL without a body
        ];
        for message in bad {
            let frames = frames(message);
            let version = version_of(&frames[0]).unwrap();
            assert!(parse(version, frames).is_err(), "{message:?}");
        }
        // No PARTIAL in 0.1: its byte is FINAL's in 0.2 and nothing in 0.1's compact form.
        let partial = write(
            Version::V01,
            WorkerMsg::Partial {
                client: Frame::copy(b"a"),
                body: frames(&[b"x"]),
            },
        );
        assert_eq!(partial, None);
    }
}
