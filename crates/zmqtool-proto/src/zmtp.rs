//! ZMTP 3.1, the wire under ZeroMQ's sockets (RFC 23/ZMTP and 37/ZMTP), for one connection
//! of a DEALER or a ROUTER with the NULL mechanism, without I/O: a [`Link`] holds the bytes read from the
//! peer and the bytes to write to it, turns the first into messages and messages into the
//! second. Its driver (the transport's `zmtp` module) owns the socket and the clock.
//!
//! ```text
//! greeting   0xFF, 8 bytes of padding, 0x7F, version 3 1, mechanism "NULL" padded to 20
//!            bytes with zeros, as-server 0, 31 zeros: 64 bytes
//! command    flags 0x04 (0x06 when LONG), size, name length (1 byte), name, data
//! READY      a command whose data are properties: name length (1 byte), name, value length
//!            (4 bytes, big-endian), value; "Socket-Type" is the one every peer sends
//! frame      flags (bit 0 MORE, bit 1 LONG, bit 2 COMMAND), size (1 byte, or 8 bytes
//!            big-endian when LONG), body; a message is its frames up to one without MORE
//! PING/PONG  3.1's heartbeats: PING carries a TTL (2 bytes) and up to 16 bytes of context,
//!            which PONG sends back
//! ERROR      the peer's refusal (a failed ZAP check): a reason, 1 byte of length then text
//! ```
//!
//! Both sides write their greeting and READY at once. Messages go out only after the peer's
//! READY is read and its socket type is one this side's [`Role`] talks to, so nothing reaches
//! a peer that refuses the connection. What the peer sends is bounded: a message (its frames and
//! their headers) may be at most `max_message` bytes, and the input buffer holds at most one
//! such message beyond what was read together with it.

use std::ops::Range;

/// The length of a greeting.
pub const GREETING: usize = 64;

/// This side's socket type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Connects to a broker: talks to ROUTER, DEALER and REP (RFC 28/REQREP).
    Dealer,
    /// A broker's socket: talks to DEALER, REQ and ROUTER, and names each peer by a routing
    /// id (the peer's `Identity` property, when it gives one).
    Router,
}

impl Role {
    /// Its name in READY's `Socket-Type`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Dealer => "DEALER",
            Role::Router => "ROUTER",
        }
    }

    fn talks_to(self, peer: &[u8]) -> bool {
        let peers: [&[u8]; 3] = match self {
            Role::Dealer => [b"ROUTER", b"DEALER", b"REP"],
            Role::Router => [b"DEALER", b"REQ", b"ROUTER"],
        };
        peers.contains(&peer)
    }
}

/// The most room a read is offered: reads much smaller than this cost a system call for
/// little once a connection is busy.
const READ_ROOM: usize = 64 * 1024;

/// The room a new connection's reads start with (libzmq's own input buffer is 8 KiB): an
/// idle connection, or a thousand of them, holds little. It doubles each time a read fills
/// it, up to [`READ_ROOM`].
const FIRST_READ_ROOM: usize = 8 * 1024;

const MORE: u8 = 0x01;
const LONG: u8 = 0x02;
const COMMAND: u8 = 0x04;

/// What ends a connection on the peer's account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZmtpError {
    #[error("the peer does not speak ZMTP (it began with {0})")]
    NotZmtp(String),
    #[error("the peer speaks ZMTP {0}.{1}; this side needs 3.0 or later")]
    OldVersion(u8, u8),
    #[error("the peer asks for the {0} mechanism; this connection speaks NULL only")]
    Mechanism(String),
    #[error("the peer refused the connection: {0}")]
    Refused(String),
    #[error("the peer is a {0} socket, which a {1} does not talk to")]
    SocketType(String, &'static str),
    #[error("the peer sent a malformed {0}")]
    Malformed(&'static str),
    #[error("the peer sent a message of more than {0} bytes")]
    TooLarge(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the peer's greeting.
    Greeting,
    /// Waiting for the peer's READY.
    Ready,
    /// Messages flow both ways.
    Open,
}

/// One connection's protocol state and buffers.
///
/// The driver reads into [`Link::room`] and reports it with [`Link::received`], takes
/// messages with [`Link::take`] until it returns `None`, queues messages with [`Link::send`],
/// and writes [`Link::outgoing`], reporting it with [`Link::wrote`].
#[derive(Debug)]
pub struct Link {
    phase: Phase,
    input: Vec<u8>,
    /// The first byte of `input` not yet taken.
    head: usize,
    /// The end of what was read into `input`.
    tail: usize,
    /// Where parsing of the message being assembled stopped (at or after `head`).
    scan: usize,
    /// The frames of the message being assembled (or last returned), as ranges of `input`.
    frames: Vec<Range<usize>>,
    /// Whether `frames` is a message already returned (cleared on the next call).
    returned: bool,
    output: Vec<u8>,
    /// How much of `output` is written.
    written: usize,
    /// The end of the greeting and READY in `output`: all that may be written before the
    /// peer's READY.
    handshake: usize,
    max_message: usize,
    /// The room the next read is offered: from [`FIRST_READ_ROOM`] up to [`READ_ROOM`].
    read_room: usize,
    role: Role,
    /// The peer's `Identity` property (empty when it gave none), once its READY has come.
    identity: Vec<u8>,
}

/// A message as it lies in the link's input: its frames, in order.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    input: &'a [u8],
    frames: &'a [Range<usize>],
}

impl<'a> Message<'a> {
    /// How many frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Never true: a message has at least one frame.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The `i`th frame.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.frames.get(i).map(|r| &self.input[r.clone()])
    }

    /// The frames, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let input = self.input;
        self.frames.iter().map(move |r| &input[r.clone()])
    }
}

impl Link {
    /// A new DEALER connection: the greeting and READY are queued, to be written at once.
    pub fn new(max_message: usize) -> Link {
        Link::with_role(Role::Dealer, max_message)
    }

    /// A new connection of `role`: the greeting and READY are queued, to be written at once.
    pub fn with_role(role: Role, max_message: usize) -> Link {
        let mut output = greeting().to_vec();
        encode_command(
            &mut output,
            b"READY",
            &properties(&[(b"Socket-Type", role.name().as_bytes())]),
        );
        Link {
            phase: Phase::Greeting,
            input: Vec::new(),
            head: 0,
            tail: 0,
            scan: 0,
            frames: Vec::new(),
            returned: false,
            handshake: output.len(),
            output,
            written: 0,
            max_message,
            read_room: FIRST_READ_ROOM,
            role,
            identity: Vec::new(),
        }
    }

    /// The peer's `Identity` property, empty when it gave none (or before its READY).
    pub fn peer_identity(&self) -> &[u8] {
        &self.identity
    }

    /// Whether both READYs have passed: messages now flow.
    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    /// Room to read into: 8 KiB on a new connection, doubling each time a read fills it, up
    /// to 64 KiB.
    pub fn room(&mut self) -> &mut [u8] {
        if self.returned {
            self.frames.clear();
            self.returned = false;
        }
        if self.head == self.tail {
            (self.head, self.tail, self.scan) = (0, 0, 0);
        }
        let want = self.read_room;
        if self.input.len() - self.tail < want {
            self.compact();
        }
        if self.input.len() - self.tail < want {
            let len = (self.input.len() * 2).max(self.tail + want);
            self.input.resize(len, 0);
        }
        &mut self.input[self.tail..]
    }

    /// Moves what is not yet taken (from `head`, where the message being assembled begins)
    /// to the front of the input.
    fn compact(&mut self) {
        let shift = self.head;
        if shift == 0 {
            return;
        }
        self.input.copy_within(shift..self.tail, 0);
        (self.head, self.tail, self.scan) =
            (self.head - shift, self.tail - shift, self.scan - shift);
        for range in &mut self.frames {
            *range = range.start - shift..range.end - shift;
        }
    }

    /// `n` bytes were read into [`Link::room`].
    pub fn received(&mut self, n: usize) {
        if n >= self.read_room {
            self.read_room = (self.read_room * 2).min(READ_ROOM);
        }
        self.tail = (self.tail + n).min(self.input.len());
    }

    /// The next whole message from the peer, or `None` until more is read. Handshake
    /// commands and PINGs are dealt with on the way (a PING queues its PONG).
    pub fn take(&mut self) -> Result<Option<Message<'_>>, ZmtpError> {
        if self.returned {
            self.frames.clear();
            self.returned = false;
        }
        match self.handshake()? {
            true => self.assemble(),
            false => Ok(None),
        }
    }

    /// Takes the peer's greeting and READY as far as they have come; true once the link is
    /// open (messages may then be written, and taken with [`Link::take`]). A driver calls it
    /// after each read, so what waited for the handshake goes out without waiting for a
    /// [`Link::take`].
    pub fn handshake(&mut self) -> Result<bool, ZmtpError> {
        loop {
            match self.phase {
                Phase::Greeting => {
                    if !self.take_greeting()? {
                        return Ok(false);
                    }
                }
                Phase::Ready => {
                    let Some((unit, end)) =
                        parse_unit(&self.input[..self.tail], self.head, 0, self.max_message)?
                    else {
                        return Ok(false);
                    };
                    let Unit::Command(body) = unit else {
                        return Err(ZmtpError::Malformed("handshake (a message before READY)"));
                    };
                    self.identity = take_ready(&self.input[body], self.role)?;
                    (self.head, self.scan) = (end, end);
                    self.phase = Phase::Open;
                }
                Phase::Open => return Ok(true),
            }
        }
    }

    /// Reads the peer's greeting once it is all here; errors as soon as what is here is not
    /// one a NULL DEALER can talk to.
    fn take_greeting(&mut self) -> Result<bool, ZmtpError> {
        let have = &self.input[self.head..self.tail];
        let not_zmtp = || ZmtpError::NotZmtp(crate::mdp::hex(&have[..have.len().min(10)]));
        if have.first().is_some_and(|&b| b != 0xFF) || have.get(9).is_some_and(|&b| b & 1 == 0) {
            return Err(not_zmtp());
        }
        if let Some(&major) = have.get(10)
            && major < 3
        {
            return Err(ZmtpError::OldVersion(
                major,
                have.get(11).copied().unwrap_or(0),
            ));
        }
        if have.len() < GREETING {
            return Ok(false);
        }
        let mechanism = &have[12..32];
        let name_len = mechanism.iter().position(|&b| b == 0).unwrap_or(20);
        if &mechanism[..name_len] != b"NULL" {
            return Err(ZmtpError::Mechanism(
                String::from_utf8_lossy(&mechanism[..name_len]).into_owned(),
            ));
        }
        self.head += GREETING;
        self.scan = self.head;
        self.phase = Phase::Ready;
        Ok(true)
    }

    /// Assembles the next message from `scan` on, dealing with commands between messages.
    fn assemble(&mut self) -> Result<Option<Message<'_>>, ZmtpError> {
        loop {
            // The message begins at `head`; what it has taken so far counts against its limit.
            let used = self.scan - self.head;
            let input = &self.input[..self.tail];
            let Some((unit, end)) = parse_unit(input, self.scan, used, self.max_message)? else {
                return Ok(None);
            };
            match unit {
                Unit::Command(body) if self.frames.is_empty() => {
                    self.on_command(body)?;
                    (self.head, self.scan) = (end, end);
                }
                Unit::Command(_) => {
                    return Err(ZmtpError::Malformed("message (a command inside it)"));
                }
                Unit::Frame { more, body } => {
                    self.frames.push(body);
                    self.scan = end;
                    if !more {
                        self.head = end;
                        self.returned = true;
                        return Ok(Some(Message {
                            input: &self.input,
                            frames: &self.frames,
                        }));
                    }
                }
            }
        }
    }

    /// A command between messages: PING is answered, ERROR ends the connection, the rest
    /// (PONG, and commands of later versions) are let pass.
    fn on_command(&mut self, body: Range<usize>) -> Result<(), ZmtpError> {
        let (name, data) = split_command(&self.input[body])?;
        match name {
            b"PING" => {
                // TTL (2 bytes), then the context that PONG returns.
                let Some(context) = data.get(2..).filter(|c| c.len() <= 16) else {
                    return Err(ZmtpError::Malformed("PING"));
                };
                // A peer that pings and does not read gets no more PONGs once a backlog
                // builds: what it can make this side hold stays bounded.
                if self.output.len() - self.written < READ_ROOM {
                    let context = context.to_vec();
                    self.queue(|out| encode_command(out, b"PONG", &context));
                }
                Ok(())
            }
            b"ERROR" => Err(refusal(data)),
            _ => Ok(()),
        }
    }

    /// The message [`Link::take`] returned last (no frames before the first).
    pub fn last(&self) -> Message<'_> {
        Message {
            input: &self.input,
            frames: match self.returned {
                true => &self.frames,
                false => &[],
            },
        }
    }

    /// A new connection in place of this one: the greeting and READY queued again and
    /// everything read let go. The messages queued are kept when none of them was begun; once
    /// one was written in part, it and those queued behind it are dropped (as libzmq drops
    /// what its engine had taken from the queue), since a peer that got half of one cannot be
    /// given the rest.
    pub fn restart(&mut self, max_message: usize) {
        let mut fresh = Link::with_role(self.role, max_message);
        if self.written <= self.handshake {
            fresh
                .output
                .extend_from_slice(&self.output[self.handshake..]);
        }
        *self = fresh;
    }

    /// Queues one message (at least one frame) to be written.
    pub fn send<'a>(&mut self, frames: impl ExactSizeIterator<Item = &'a [u8]>) {
        self.queue(|out| encode_message(out, frames));
    }

    fn queue(&mut self, encode: impl FnOnce(&mut Vec<u8>)) {
        if self.written > 0 && self.written == self.output.len() {
            self.output.clear();
            (self.written, self.handshake) = (0, 0);
        } else if self.written >= READ_ROOM && self.written >= self.handshake {
            self.output.drain(..self.written);
            (self.written, self.handshake) = (0, 0);
        }
        encode(&mut self.output);
    }

    /// What may be written now: the handshake at once, messages once the link is open.
    pub fn outgoing(&self) -> &[u8] {
        let end = match self.phase {
            Phase::Open => self.output.len(),
            _ => self.handshake,
        };
        &self.output[self.written.min(end)..end]
    }

    /// `n` bytes of [`Link::outgoing`] were written.
    pub fn wrote(&mut self, n: usize) {
        self.written += n;
    }
}

/// This side's greeting: ZMTP 3.1, NULL, not the server.
pub fn greeting() -> [u8; GREETING] {
    let mut g = [0u8; GREETING];
    g[0] = 0xFF;
    g[9] = 0x7F;
    g[10] = 3;
    g[11] = 1;
    g[12..16].copy_from_slice(b"NULL");
    g
}

/// READY's (and ZAP metadata's) property list.
pub fn properties(props: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in props {
        out.push(name.len() as u8);
        out.extend_from_slice(name);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }
    out
}

/// Appends a command frame: its name, then `data`.
pub fn encode_command(out: &mut Vec<u8>, name: &[u8], data: &[u8]) {
    let size = 1 + name.len() + data.len();
    encode_header(out, COMMAND, size);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(data);
}

/// Appends a message: each frame with MORE but the last.
pub fn encode_message<'a>(out: &mut Vec<u8>, frames: impl ExactSizeIterator<Item = &'a [u8]>) {
    let last = frames.len().saturating_sub(1);
    for (i, frame) in frames.enumerate() {
        let more = if i < last { MORE } else { 0 };
        encode_header(out, more, frame.len());
        out.extend_from_slice(frame);
    }
}

fn encode_header(out: &mut Vec<u8>, flags: u8, size: usize) {
    match u8::try_from(size) {
        Ok(short) => out.extend_from_slice(&[flags, short]),
        Err(_) => {
            out.push(flags | LONG);
            out.extend_from_slice(&(size as u64).to_be_bytes());
        }
    }
}

enum Unit {
    Command(Range<usize>),
    Frame { more: bool, body: Range<usize> },
}

/// The frame or command at `at` in `buf` and where it ends, `None` when it is not all here;
/// an error when its flags are wrong, or when with its header it takes its message (of which
/// `used` bytes came before it) past `max` bytes.
fn parse_unit(
    buf: &[u8],
    at: usize,
    used: usize,
    max: usize,
) -> Result<Option<(Unit, usize)>, ZmtpError> {
    let Some(&flags) = buf.get(at) else {
        return Ok(None);
    };
    if flags & !(MORE | LONG | COMMAND) != 0 {
        return Err(ZmtpError::Malformed("frame (reserved flag bits set)"));
    }
    if flags & COMMAND != 0 && flags & MORE != 0 {
        return Err(ZmtpError::Malformed("command (with MORE set)"));
    }
    let (header, size) = if flags & LONG != 0 {
        let Some(bytes) = buf.get(at + 1..at + 9) else {
            return Ok(None);
        };
        (9u64, u64::from_be_bytes(bytes.try_into().expect("8 bytes")))
    } else {
        let Some(&size) = buf.get(at + 1) else {
            return Ok(None);
        };
        (2, u64::from(size))
    };
    if size.saturating_add(header + used as u64) > max as u64 {
        return Err(ZmtpError::TooLarge(max));
    }
    let start = at + header as usize;
    let end = start + size as usize;
    if end > buf.len() {
        return Ok(None);
    }
    let unit = match flags & COMMAND {
        0 => Unit::Frame {
            more: flags & MORE != 0,
            body: start..end,
        },
        _ => Unit::Command(start..end),
    };
    Ok(Some((unit, end)))
}

/// A command's name and data.
fn split_command(body: &[u8]) -> Result<(&[u8], &[u8]), ZmtpError> {
    let len = *body
        .first()
        .ok_or(ZmtpError::Malformed("command (empty)"))? as usize;
    if body.len() < 1 + len {
        return Err(ZmtpError::Malformed("command (name cut short)"));
    }
    Ok((&body[1..1 + len], &body[1 + len..]))
}

/// The peer's first command: READY with a socket type `role` talks to, or its ERROR. Returns
/// the peer's `Identity` property (empty when it gave none).
fn take_ready(body: &[u8], role: Role) -> Result<Vec<u8>, ZmtpError> {
    match split_command(body)? {
        (b"READY", props) => {
            let props = parse_properties(props)?;
            let property = |wanted: &[u8]| {
                (props.iter())
                    .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
                    .map(|(_, value)| *value)
            };
            let socket_type =
                property(b"Socket-Type").ok_or(ZmtpError::Malformed("READY (no Socket-Type)"))?;
            if !role.talks_to(socket_type) {
                return Err(ZmtpError::SocketType(
                    String::from_utf8_lossy(socket_type).into_owned(),
                    role.name(),
                ));
            }
            Ok(property(b"Identity").unwrap_or_default().to_vec())
        }
        (b"ERROR", reason) => Err(refusal(reason)),
        _ => Err(ZmtpError::Malformed(
            "handshake (a command other than READY)",
        )),
    }
}

/// A READY property: its name and value.
pub type Property<'a> = (&'a [u8], &'a [u8]);

/// The properties of a READY, in order.
pub fn parse_properties(mut data: &[u8]) -> Result<Vec<Property<'_>>, ZmtpError> {
    let cut = ZmtpError::Malformed("READY (a property cut short)");
    let mut props = Vec::new();
    while let Some((&name_len, rest)) = data.split_first() {
        let name_len = name_len as usize;
        let name = rest.get(..name_len).ok_or(cut.clone())?;
        let rest = &rest[name_len..];
        let value_len = rest.get(..4).ok_or(cut.clone())?;
        let value_len = u32::from_be_bytes(value_len.try_into().expect("4 bytes")) as usize;
        let value = rest.get(4..4 + value_len).ok_or(cut.clone())?;
        props.push((name, value));
        data = &rest[4 + value_len..];
    }
    Ok(props)
}

/// An ERROR command's reason.
fn refusal(data: &[u8]) -> ZmtpError {
    let reason = data
        .split_first()
        .map(|(&len, rest)| &rest[..rest.len().min(len as usize)])
        .unwrap_or_default();
    ZmtpError::Refused(String::from_utf8_lossy(reason).into_owned())
}

#[cfg(test)]
mod tests;
