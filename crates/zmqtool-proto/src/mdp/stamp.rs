//! The `dedup` extension's two frames (docs/PROTOCOL-EXTENSIONS.md): the stamp a client puts
//! in front of a request's body, and the outcome a deduplicating worker puts in front of its
//! reply's.
//!
//! ```text
//! stamp     "MDP-STAMP/1 " owner " " client-id " " key      first body frame of a REQUEST
//! outcome   "MDP-STAMPED/1 " ("fresh" | "replayed" | "waited" | "unknown" | "mismatch")
//!                                                           first body frame of the FINAL
//! ```
//!
//! `owner` is `-` as a client writes it; the zmqtool broker writes there who the client
//! proved to be (its CURVE public key in Z85, or its PLAIN user name), so that a worker keys
//! replies by owner, client id and key, and one client cannot be answered another's stored
//! reply. Every field is 1 to [`MAX_FIELD`] bytes of printable ASCII without spaces.
//!
//! A body whose first frame starts with the prefix but is not a well-formed stamp is
//! [`StampError`]: a broker drops such a request, as any malformed message.

use std::fmt;

use super::Frame;

/// What a stamp frame starts with.
pub const STAMP_PREFIX: &[u8] = b"MDP-STAMP/1 ";
/// What an outcome frame starts with.
pub const OUTCOME_PREFIX: &[u8] = b"MDP-STAMPED/1 ";
/// The owner field of a stamp no broker has vouched for.
pub const NO_OWNER: &[u8] = b"-";
/// The longest field of a stamp, in bytes.
pub const MAX_FIELD: usize = 64;
/// The longest stamp frame, in bytes.
pub const MAX_STAMP: usize = STAMP_PREFIX.len() + 3 * MAX_FIELD + 2;

/// A request's key: who sent it, under which client id, with which key of the client's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// Who the broker says the client is (`-`: nobody vouched).
    pub owner: Vec<u8>,
    pub client_id: Vec<u8>,
    pub key: Vec<u8>,
}

/// A frame that starts like a stamp and is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    #[error("stamp frame of {0} bytes (at most {MAX_STAMP})")]
    TooLong(usize),
    #[error("stamp frame needs owner, client id and key separated by single spaces")]
    Fields,
    #[error("stamp {0} is empty, longer than {MAX_FIELD} bytes or not printable ASCII")]
    BadField(&'static str),
}

/// Whether `field` may be a stamp field.
pub fn valid_field(field: &[u8]) -> bool {
    !field.is_empty() && field.len() <= MAX_FIELD && field.iter().all(|b| (0x21..0x7f).contains(b))
}

impl Stamp {
    /// A stamp as a client writes it (no owner), or why the id or key cannot be one.
    pub fn new(client_id: &str, key: &str) -> Result<Stamp, StampError> {
        if !valid_field(client_id.as_bytes()) {
            return Err(StampError::BadField("client id"));
        }
        if !valid_field(key.as_bytes()) {
            return Err(StampError::BadField("key"));
        }
        Ok(Stamp {
            owner: NO_OWNER.to_vec(),
            client_id: client_id.as_bytes().to_vec(),
            key: key.as_bytes().to_vec(),
        })
    }

    /// Whether `frame` claims to be a stamp (starts with the prefix).
    pub fn is_stamp(frame: &[u8]) -> bool {
        frame.starts_with(STAMP_PREFIX)
    }

    /// Reads a stamp frame: `Ok(None)` for a frame that is not one (no prefix).
    pub fn parse(frame: &[u8]) -> Result<Option<Stamp>, StampError> {
        let Some(rest) = frame.strip_prefix(STAMP_PREFIX) else {
            return Ok(None);
        };
        if frame.len() > MAX_STAMP {
            return Err(StampError::TooLong(frame.len()));
        }
        let fields: Vec<&[u8]> = rest.split(|b| *b == b' ').collect();
        let [owner, client_id, key] = fields[..] else {
            return Err(StampError::Fields);
        };
        for (name, field) in [("owner", owner), ("client id", client_id), ("key", key)] {
            if !valid_field(field) {
                return Err(StampError::BadField(name));
            }
        }
        Ok(Some(Stamp {
            owner: owner.to_vec(),
            client_id: client_id.to_vec(),
            key: key.to_vec(),
        }))
    }

    /// The stamp with `owner` (a broker's word on who the client is) in place of whatever
    /// the client wrote; an owner that cannot be a field is written as its hex.
    pub fn owned_by(mut self, owner: &[u8]) -> Stamp {
        self.owner = if owner.is_empty() {
            NO_OWNER.to_vec()
        } else if valid_field(owner) {
            owner.to_vec()
        } else {
            let hex = super::hex(owner);
            hex.as_bytes()[..hex.len().min(MAX_FIELD)].to_vec()
        };
        self
    }

    pub fn to_frame(&self) -> Frame {
        let mut bytes = STAMP_PREFIX.to_vec();
        for (i, field) in [&self.owner, &self.client_id, &self.key].iter().enumerate() {
            if i > 0 {
                bytes.push(b' ');
            }
            bytes.extend_from_slice(field);
        }
        bytes.into()
    }
}

/// `client-id/key`, with the owner when a broker vouched for one.
impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        if self.owner != NO_OWNER {
            write!(f, "{}:", text(&self.owner))?;
        }
        write!(f, "{}/{}", text(&self.client_id), text(&self.key))
    }
}

/// What a deduplicating worker did with a stamped request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// First seen: it ran now, and its reply was stored before it was sent.
    Fresh,
    /// Seen and answered before: the stored reply, nothing ran.
    Replayed,
    /// Seen and still running: this waited for that run's reply, nothing ran twice.
    Waited,
    /// Seen, started and never answered (its worker died or gave it up): whether it took
    /// effect is not known; nothing ran again. The reply is an error.
    Unknown,
    /// Seen with another body: the stamp's key was used again for a different request.
    /// Nothing ran, and the stored reply was not sent. The reply is an error.
    Mismatch,
}

impl Outcome {
    fn word(self) -> &'static [u8] {
        match self {
            Outcome::Fresh => b"fresh",
            Outcome::Replayed => b"replayed",
            Outcome::Waited => b"waited",
            Outcome::Unknown => b"unknown",
            Outcome::Mismatch => b"mismatch",
        }
    }

    pub fn to_frame(self) -> Frame {
        [OUTCOME_PREFIX, self.word()].concat().into()
    }

    /// Every outcome, in the order the statistics list them.
    pub const ALL: [Outcome; 5] = [
        Outcome::Fresh,
        Outcome::Replayed,
        Outcome::Waited,
        Outcome::Unknown,
        Outcome::Mismatch,
    ];

    /// Reads an outcome frame; `None` for any other frame.
    pub fn parse(frame: &[u8]) -> Option<Outcome> {
        let word = frame.strip_prefix(OUTCOME_PREFIX)?;
        Outcome::ALL.into_iter().find(|o| o.word() == word)
    }

    /// The reply was answered from the store, nothing ran for it.
    pub fn replayed(self) -> bool {
        matches!(self, Outcome::Replayed | Outcome::Waited)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.word()))
    }
}

/// Takes the stamp off the front of a request body: `Ok(None)` (and the body untouched) when
/// it has none.
pub fn take_stamp(body: &mut Vec<Frame>) -> Result<Option<Stamp>, StampError> {
    let Some(first) = body.first() else {
        return Ok(None);
    };
    let stamp = Stamp::parse(first)?;
    if stamp.is_some() {
        body.remove(0);
    }
    Ok(stamp)
}

/// Takes what a client's stamped request got back apart: the worker's outcome (`None`: no
/// deduplicating worker answered it, so nothing was guaranteed) and the reply body. A plain
/// worker that echoed the request (through a broker that does not know the extension) echoes
/// the stamp too; it is taken off.
pub fn take_outcome(mut body: Vec<Frame>, sent: &Frame) -> (Option<Outcome>, Vec<Frame>) {
    let outcome = body.first().and_then(|f| Outcome::parse(f));
    if outcome.is_some() || body.first() == Some(sent) {
        body.remove(0);
    }
    (outcome, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_round_trips_byte_for_byte() {
        let stamp = Stamp::new("shop-7", "ORDER-42").unwrap();
        let frame = stamp.to_frame();
        assert_eq!(&frame[..], b"MDP-STAMP/1 - shop-7 ORDER-42");
        assert_eq!(Stamp::parse(&frame), Ok(Some(stamp.clone())));
        assert_eq!(stamp.to_string(), "shop-7/ORDER-42");
        let owned = stamp.owned_by(b"rq:rC%8J1!");
        assert_eq!(owned.to_string(), "rq:rC%8J1!:shop-7/ORDER-42");
    }

    #[test]
    fn frames_without_the_prefix_are_not_stamps() {
        assert_eq!(Stamp::parse(b"hello"), Ok(None));
        assert_eq!(Stamp::parse(b"MDP-STAMP/2 - a b"), Ok(None));
        let mut body = vec![Frame::copy(b"hello")];
        assert_eq!(take_stamp(&mut body), Ok(None));
        assert_eq!(body.len(), 1);
    }

    #[test]
    fn malformed_and_oversized_stamps_are_errors() {
        let long = [&b"MDP-STAMP/1 - a "[..], &[b'k'; 300]].concat();
        assert_eq!(Stamp::parse(&long), Err(StampError::TooLong(long.len())));
        let key65 = [&b"MDP-STAMP/1 - a "[..], &[b'k'; 65]].concat();
        assert_eq!(Stamp::parse(&key65), Err(StampError::BadField("key")));
        assert_eq!(Stamp::parse(b"MDP-STAMP/1 - a"), Err(StampError::Fields));
        assert_eq!(
            Stamp::parse(b"MDP-STAMP/1 - a b c"),
            Err(StampError::Fields)
        );
        assert_eq!(Stamp::parse(b"MDP-STAMP/1 - a  b"), Err(StampError::Fields));
        assert_eq!(
            Stamp::parse(b"MDP-STAMP/1 -  b"),
            Err(StampError::BadField("client id"))
        );
        assert_eq!(
            Stamp::parse(b"MDP-STAMP/1 - \xff b"),
            Err(StampError::BadField("client id"))
        );
        assert!(Stamp::new("", "k").is_err());
        assert!(Stamp::new("a b", "k").is_err());
        assert!(Stamp::new("a", &"k".repeat(65)).is_err());
    }

    #[test]
    fn an_owner_that_cannot_be_a_field_is_written_in_hex() {
        let stamp = Stamp::new("c", "1").unwrap();
        assert_eq!(stamp.clone().owned_by(b"").owner, b"-");
        assert_eq!(stamp.owned_by(b"ann smith").owner, b"616e6e20736d697468");
    }

    #[test]
    fn outcomes_round_trip_and_are_taken_off_replies() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(&outcome.to_frame()), Some(outcome));
        }
        assert_eq!(&Outcome::Mismatch.to_frame()[..], b"MDP-STAMPED/1 mismatch");
        assert_eq!(&Outcome::Replayed.to_frame()[..], b"MDP-STAMPED/1 replayed");
        assert_eq!(Outcome::parse(b"MDP-STAMPED/1 other"), None);
        let sent = Stamp::new("c", "1").unwrap().to_frame();
        let reply = vec![Outcome::Waited.to_frame(), Frame::copy(b"ok")];
        assert_eq!(
            take_outcome(reply, &sent),
            (Some(Outcome::Waited), vec![Frame::copy(b"ok")])
        );
        // A plain echo worker behind a plain broker sends the stamp back.
        let echoed = vec![sent.clone(), Frame::copy(b"hi")];
        assert_eq!(
            take_outcome(echoed, &sent),
            (None, vec![Frame::copy(b"hi")])
        );
        let plain = vec![Frame::copy(b"hi")];
        assert_eq!(take_outcome(plain.clone(), &sent), (None, plain));
    }
}
