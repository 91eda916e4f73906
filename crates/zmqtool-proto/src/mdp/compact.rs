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

use super::{Frame, Version};

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

/// A compact command taken apart: its command byte, its client address (empty when it has
/// none) and the frames after the head, in the message's own list. The first of `frames` is
/// a head frame ([`version_of`]); what the command byte means is [`super::worker`]'s.
pub(crate) fn split(mut frames: Vec<Frame>) -> (u8, Frame, Vec<Frame>) {
    let head = frames.remove(0);
    (head[HEAD - 1], Frame::copy(&head[HEAD..]), frames)
}

/// A compact command: its head frame (`version`, `command`, `address`), then `body`, in the
/// body's own list.
pub(crate) fn join(version: Version, command: u8, address: &[u8], body: Vec<Frame>) -> Vec<Frame> {
    let mut frames = body;
    frames.push(head(version, command, address));
    frames.rotate_right(1);
    frames
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

    #[test]
    fn a_command_is_its_head_then_its_body() {
        let wire = join(Version::V01, 0x02, b"ab", frames(&[b"x", b"y"]));
        assert_eq!(wire, frames(&[b"MDPK01\x02ab", b"x", b"y"]));
        assert_eq!(version_of(&wire[0]), Some(Version::V01));
        let (command, address, rest) = split(wire);
        assert_eq!(
            (command, address.as_slice(), rest),
            (0x02, &b"ab"[..], frames(&[b"x", b"y"]))
        );
        let heartbeat = join(Version::V02, 0x05, b"", Vec::new());
        assert_eq!(heartbeat, frames(&[b"MDPK02\x05"]));
    }

    #[test]
    fn long_addresses_go_in_the_head_too() {
        let address = [7u8; 200];
        let wire = join(Version::V02, 0x04, &address, frames(&[b"r"]));
        assert_eq!(wire[0].len(), 7 + 200);
        let (_, got, _) = split(wire);
        assert_eq!(got.as_slice(), &address[..]);
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
}
