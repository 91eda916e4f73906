//! The forms MDP/0.2 takes in the wild (docs/PROTOCOLS.md), as a thin layer over the
//! RFC 18 codec: what arrives in another form is read into RFC 18 terms, and what goes out
//! is written in the form its peer used.
//!
//! ```text
//!              RFC 18 (Rfc18)            Delimited                  Majortomo (client side)
//! C->B REQUEST "MDPC02" 0x01 svc body    "" "MDPC02" 0x01 svc body  "" "MDPC02" 0x02 svc body
//! B->C PARTIAL "MDPC02" 0x02 svc body    "" "MDPC02" 0x02 svc body  "" "MDPC02" 0x03 body
//! B->C FINAL   "MDPC02" 0x03 svc body    "" "MDPC02" 0x03 svc body  "" "MDPC02" 0x04 body
//! worker cmds  "MDPW02" cmd ...          "" "MDPW02" cmd ...        (as Delimited)
//! ```
//!
//! majortomo (the maintained Python MDP/0.2 implementation) and zeromq/majordomo's
//! `wire-protocol-0.2` tag put an empty frame before the 0.2 header, as 0.1 does; majortomo's
//! client also numbers its commands as the worker protocol does and leaves the service frame
//! out of replies. A client's REQUEST byte tells its dialect apart: an RFC 18 client never
//! sends 0x02 (PARTIAL, a broker's command).

use std::fmt;

use super::{CLIENT_V02, Frame, Version};

/// How a peer frames MDP/0.2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// RFC 18 as written: no empty frame before the header.
    #[default]
    Rfc18,
    /// An empty frame before the header; otherwise RFC 18 (majortomo's worker, the
    /// zeromq/majordomo tag).
    Delimited,
    /// majortomo's client: delimited, REQUEST 0x02, replies PARTIAL 0x03 and FINAL 0x04
    /// without the service frame. For worker commands it is [`Dialect::Delimited`].
    Majortomo,
    /// zmqtool's `compact` extension, worker commands only, in either version: the frames in
    /// front of a body folded into one ([`super::compact`]). READY is written in the RFC form.
    Compact,
}

/// How one peer writes MDP: its version, and for 0.2 its dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Form {
    pub version: Version,
    pub dialect: Dialect,
}

impl Form {
    /// MDP/0.1 (7/MDP).
    pub const V01: Form = Form {
        version: Version::V01,
        dialect: Dialect::Rfc18,
    };
    /// MDP/0.2 as RFC 18 writes it.
    pub const V02: Form = Form {
        version: Version::V02,
        dialect: Dialect::Rfc18,
    };
    /// MDP/0.2 as majortomo speaks it.
    pub const MAJORTOMO: Form = Form {
        version: Version::V02,
        dialect: Dialect::Majortomo,
    };

    /// The compact form of worker commands in `version` ([`Dialect::Compact`]).
    pub fn compact(version: Version) -> Form {
        Form {
            version,
            dialect: Dialect::Compact,
        }
    }

    /// True when messages start with an empty frame (0.1 always; 0.2 in two dialects).
    pub fn delimited(self) -> bool {
        match self.dialect {
            Dialect::Compact => false,
            Dialect::Rfc18 => self.version == Version::V01,
            Dialect::Delimited | Dialect::Majortomo => true,
        }
    }
}

impl From<Version> for Form {
    fn from(version: Version) -> Form {
        Form {
            version,
            dialect: Dialect::Rfc18,
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dialect {
            Dialect::Compact => write!(f, "{} (compact)", self.version),
            _ if self.version == Version::V01 => write!(f, "{}", self.version),
            Dialect::Rfc18 => write!(f, "{}", self.version),
            Dialect::Delimited => write!(f, "{} (delimited)", self.version),
            Dialect::Majortomo => write!(f, "{} (majortomo)", self.version),
        }
    }
}

impl std::str::FromStr for Form {
    type Err = String;

    /// `--protocol` values: `0.1`, `0.2`, or `majortomo`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "majortomo" | "0.2-majortomo" => Ok(Form::MAJORTOMO),
            other => other.parse::<Version>().map(Form::from).map_err(|_| {
                format!("unknown MDP version {other:?} (expected 0.1, 0.2 or majortomo)")
            }),
        }
    }
}

/// majortomo's client command bytes.
pub(crate) mod majortomo {
    pub const REQUEST: u8 = 0x02;
    pub const PARTIAL: u8 = 0x03;
    pub const FINAL: u8 = 0x04;
}

/// Rewrites a majortomo client message (after its empty frame) into RFC 18 terms; `None`
/// when it is not one. Only its REQUEST differs on the way in.
pub(crate) fn majortomo_request(frames: &mut [Frame]) -> bool {
    match frames {
        [header, command, ..] if header == CLIENT_V02 && command == &[majortomo::REQUEST] => {
            *command = Frame::copy(&[0x01]);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_flag_values() {
        assert_eq!("0.1".parse::<Form>(), Ok(Form::V01));
        assert_eq!("0.2".parse::<Form>(), Ok(Form::V02));
        assert_eq!("majortomo".parse::<Form>(), Ok(Form::MAJORTOMO));
        assert!("0.3".parse::<Form>().unwrap_err().contains("majortomo"));
    }

    #[test]
    fn only_0_2_dialects_add_a_delimiter() {
        assert!(Form::V01.delimited() && !Form::V02.delimited() && Form::MAJORTOMO.delimited());
        let body = || crate::mdp::frames(&[b"body"]);
        let message = |form: Form| crate::mdp::Message::new(form, b"MDPW02", body()).done();
        assert_eq!(
            message(Form::V02),
            crate::mdp::frames(&[b"MDPW02", b"body"])
        );
        let delimited = crate::mdp::frames(&[b"", b"MDPW02", b"body"]);
        assert_eq!(message(Form::MAJORTOMO), delimited);
        assert_eq!(message(Form::V01), delimited);
    }
}
