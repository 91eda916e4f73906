//! Who may connect: address filtering (`--allow CIDR`), connections per source address
//! (`--max-connections-per-ip`), PLAIN user/password checks (`--plain-users FILE`) and CURVE
//! client keys (`--curve-allow`), with the CURVE key type and its Z85 text form.
//!
//! [`Policy::decide`] is the whole decision, with no I/O; the ZAP answers ([`crate::zap`])
//! run it for every new connection, with the count of
//! [`Connections`] that the socket monitor keeps. PLAIN sends passwords in clear
//! text; CURVE encrypts (where this build has it: see `zmqtool --version`).

use std::collections::HashMap;
use std::net::IpAddr;

use anyhow::{Result, bail};
use ipnet::IpNet;
use subtle::ConstantTimeEq;

/// An address range: `10.0.0.0/8`, `::1/128`, or a bare address (one host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr(IpNet);

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Cidr(net));
        }
        match s.parse::<IpAddr>() {
            Ok(addr) => Ok(Cidr(IpNet::from(addr))),
            Err(_) if s.contains('/') => Err(format!(
                "{s:?} is not an address range (like 10.0.0.0/8; the prefix length is 0 to 32 \
                 for IPv4, 0 to 128 for IPv6)"
            )),
            Err(_) => Err(format!(
                "{s:?} is not an address range (like 10.0.0.0/8 or 127.0.0.1)"
            )),
        }
    }
}

impl Cidr {
    /// True when `addr` is in the range; an IPv4 range also holds the IPv4-mapped IPv6 form
    /// of its addresses (what a dual-stack socket reports).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = match (self.0, addr) {
            (IpNet::V4(_), IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            _ => addr,
        };
        self.0.contains(&addr)
    }
}

/// A CURVE public or secret key (CurveZMQ, RFC 26): 32 bytes, written as 40 characters of
/// Z85 (RFC 32).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(pub [u8; 32]);

/// RFC 32's alphabet.
const Z85: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

impl Key {
    /// A key from its 40 Z85 characters.
    pub fn from_z85(text: &str) -> Option<Key> {
        let text = text.as_bytes();
        if text.len() != 40 {
            return None;
        }
        let mut key = [0u8; 32];
        for (chunk, out) in text.chunks(5).zip(key.chunks_mut(4)) {
            let mut value: u64 = 0;
            for &c in chunk {
                let digit = Z85.iter().position(|&z| z == c)? as u64;
                value = value * 85 + digit;
            }
            let value = u32::try_from(value).ok()?;
            out.copy_from_slice(&value.to_be_bytes());
        }
        Some(Key(key))
    }

    /// The 40 Z85 characters of the key.
    pub fn to_z85(self) -> String {
        let mut text = String::with_capacity(40);
        for chunk in self.0.chunks(4) {
            let mut value = u32::from_be_bytes(chunk.try_into().expect("4 bytes"));
            let mut digits = [0u8; 5];
            for d in digits.iter_mut().rev() {
                *d = Z85[(value % 85) as usize];
                value /= 85;
            }
            text.extend(digits.iter().map(|&d| d as char));
        }
        text
    }
}

/// Never printed by `Debug`: it may be a secret key.
impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// A CURVE server: its keys, and which clients it admits.
#[derive(Debug, Clone)]
pub struct CurvePolicy {
    pub secret: Key,
    /// The server's public key: on a Binary Star state socket, the peer server proves itself
    /// with the same certificate (the pair shares one, so clients fail over with one key).
    pub public: Key,
    /// The public keys admitted; `None`: any client that knows the server's public key.
    pub allow: Option<std::collections::HashSet<Key>>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("address {0:?} is not an IP address (--allow)")]
    NotAnAddress(String),
    #[error("{0} is not in --allow")]
    NotAllowed(IpAddr),
    #[error("unexpected mechanism {0}")]
    UnexpectedMechanism(String),
    #[error("malformed PLAIN credentials")]
    MalformedCredentials,
    #[error("bad user name or password for {0:?}")]
    BadCredentials(String),
    #[error("a user name and password are required (--plain)")]
    CredentialsRequired,
    #[error("client key {0} is not in --curve-allow")]
    KeyNotAllowed(String),
    #[error("malformed CURVE credentials")]
    MalformedKey,
    #[error("{ip} has {open} connections open, more than --max-connections-per-ip {max}")]
    TooManyConnections { ip: IpAddr, open: usize, max: usize },
}

/// Who may connect to a server socket.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Address ranges allowed; empty: any address.
    pub allow: Vec<Cidr>,
    /// PLAIN users and passwords; `None`: no authentication (the NULL mechanism).
    pub users: Option<HashMap<String, String>>,
    /// CURVE: which client keys are admitted (the server must be a CURVE server).
    pub curve: Option<CurvePolicy>,
    /// The most connections one source address may hold open at once.
    pub max_per_address: Option<usize>,
}

impl Policy {
    /// True when connections must go through the ZAP handler: to be checked, or (CURVE,
    /// PLAIN) to be told who they are, which only a ZAP handler tells libzmq: without one a
    /// CURVE connection has no user id, however it proved its key.
    pub fn is_active(&self) -> bool {
        !self.allow.is_empty() || self.proves_identity() || self.max_per_address.is_some()
    }

    /// True when every connection proves who it is (CURVE: its public key; PLAIN: its user
    /// name), so that messages carry it as their ZAP user id.
    pub fn proves_identity(&self) -> bool {
        self.users.is_some() || self.curve.is_some()
    }

    /// The policy of a Binary Star state socket: the same addresses, limits and CURVE keys
    /// as the frontend, but no PLAIN (the peer server and `bstar status` have no password).
    pub fn for_state(&self) -> Policy {
        let mut state = Policy {
            users: None,
            ..self.clone()
        };
        if let Some(CurvePolicy {
            public,
            allow: Some(allow),
            ..
        }) = &mut state.curve
        {
            allow.insert(*public);
        }
        state
    }

    /// Parses a `user:password` file's `text` (`name` says which file, in errors): one pair
    /// per line; blank lines and `#` comments skipped.
    pub fn parse_users(text: &str, name: &str) -> Result<HashMap<String, String>> {
        let mut users = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((user, password)) = line.split_once(':') else {
                bail!("{name}:{}: expected user:password", n + 1);
            };
            if user.is_empty() {
                bail!("{name}:{}: empty user name", n + 1);
            }
            users.insert(user.to_string(), password.to_string());
        }
        if users.is_empty() {
            bail!("{name} names no users");
        }
        Ok(users)
    }

    /// Decides on one connection: the user id to accept it as, or why it is refused.
    /// `open` is how many connections `address` holds now, this one included (see
    /// [`Connections`]).
    pub fn decide(
        &self,
        address: &str,
        open: usize,
        mechanism: &[u8],
        credentials: &[impl AsRef<[u8]>],
    ) -> Result<String, Refusal> {
        if !self.allow.is_empty() {
            let ip: IpAddr = address
                .parse()
                .map_err(|_| Refusal::NotAnAddress(address.to_string()))?;
            if !self.allow.iter().any(|c| c.contains(ip)) {
                return Err(Refusal::NotAllowed(ip));
            }
        }
        if let (Some(max), Ok(ip)) = (self.max_per_address, address.parse::<IpAddr>())
            && open > max
        {
            return Err(Refusal::TooManyConnections { ip, open, max });
        }
        if let Some(curve) = &self.curve {
            return match (mechanism, credentials) {
                (b"CURVE", [key]) => {
                    let key: [u8; 32] =
                        key.as_ref().try_into().map_err(|_| Refusal::MalformedKey)?;
                    let key = Key(key);
                    match &curve.allow {
                        Some(allowed) if !allowed.contains(&key) => {
                            Err(Refusal::KeyNotAllowed(key.to_z85()))
                        }
                        _ => Ok(key.to_z85()),
                    }
                }
                (b"CURVE", _) => Err(Refusal::MalformedKey),
                (other, _) => Err(Refusal::UnexpectedMechanism(
                    String::from_utf8_lossy(other).into_owned(),
                )),
            };
        }
        match (&self.users, mechanism) {
            (None, b"NULL") => Ok(String::new()),
            (None, other) => Err(Refusal::UnexpectedMechanism(
                String::from_utf8_lossy(other).into_owned(),
            )),
            (Some(users), b"PLAIN") => {
                let [user, password] = credentials else {
                    return Err(Refusal::MalformedCredentials);
                };
                let user = String::from_utf8_lossy(user.as_ref());
                match users.get(user.as_ref()) {
                    Some(expected) if same_secret(expected.as_bytes(), password.as_ref()) => {
                        Ok(user.into_owned())
                    }
                    _ => Err(Refusal::BadCredentials(user.into_owned())),
                }
            }
            (Some(_), _) => Err(Refusal::CredentialsRequired),
        }
    }
}

/// The connections open on a server's sockets, by source address: fed the socket monitor's
/// events (a descriptor accepted from an address, a descriptor closed), asked how many one
/// address holds. Connections without an IP address (ipc://) are not counted.
#[derive(Debug, Default)]
pub struct Connections {
    by_fd: HashMap<i32, IpAddr>,
    by_ip: HashMap<IpAddr, usize>,
}

impl Connections {
    /// Descriptor `fd` was accepted from `ip`.
    pub fn opened(&mut self, fd: i32, ip: Option<IpAddr>) {
        // A descriptor reused before its close was seen: the old connection is gone.
        self.closed(fd);
        if let Some(ip) = ip {
            self.by_fd.insert(fd, ip);
            *self.by_ip.entry(ip).or_default() += 1;
        }
    }

    /// Descriptor `fd` was closed; returns the address it came from, if counted.
    pub fn closed(&mut self, fd: i32) -> Option<IpAddr> {
        let ip = self.by_fd.remove(&fd)?;
        if let Some(n) = self.by_ip.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.by_ip.remove(&ip);
            }
        }
        Some(ip)
    }

    /// The address descriptor `fd` came from.
    pub fn address(&self, fd: i32) -> Option<IpAddr> {
        self.by_fd.get(&fd).copied()
    }

    /// How many connections `address` holds (0 for one that is not an IP address).
    pub fn open(&self, address: &str) -> usize {
        address
            .parse::<IpAddr>()
            .ok()
            .and_then(|ip| self.by_ip.get(&ip).copied())
            .unwrap_or(0)
    }
}

/// Compares a password in time that depends on the expected one's length only: never on
/// where the first difference is, nor on the length the peer sent.
fn same_secret(expected: &[u8], given: &[u8]) -> bool {
    let mut same = (expected.len() as u64).ct_eq(&(given.len() as u64));
    for (i, e) in expected.iter().enumerate() {
        same &= e.ct_eq(&given.get(i).copied().unwrap_or(0));
    }
    same.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No credentials (the NULL mechanism's).
    const NONE: &[&[u8]] = &[];

    fn cidr(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_contain_what_they_should() {
        assert!(cidr("10.0.0.0/8").contains("10.200.3.4".parse().unwrap()));
        assert!(!cidr("10.0.0.0/8").contains("11.0.0.1".parse().unwrap()));
        assert!(cidr("127.0.0.1").contains("127.0.0.1".parse().unwrap()));
        assert!(!cidr("127.0.0.1").contains("127.0.0.2".parse().unwrap()));
        assert!(cidr("0.0.0.0/0").contains("8.8.8.8".parse().unwrap()));
        assert!(cidr("::1").contains("::1".parse().unwrap()));
        assert!(cidr("fd00::/8").contains("fd12::1".parse().unwrap()));
        assert!(cidr("127.0.0.0/8").contains("::ffff:127.0.0.5".parse().unwrap()));
        for bad in ["10.0.0.0/33", "nonsense", "10.0.0.0/x", "::1/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_policy_filters_addresses_and_checks_passwords() {
        let open = Policy::default();
        assert!(open.decide("1.2.3.4", 1, b"NULL", NONE).is_ok());
        let allow = Policy {
            allow: vec![cidr("127.0.0.0/8")],
            ..Policy::default()
        };
        assert!(allow.decide("127.0.0.1", 1, b"NULL", NONE).is_ok());
        assert!(
            allow
                .decide("10.0.0.1", 1, b"NULL", NONE)
                .unwrap_err()
                .to_string()
                .contains("not in --allow")
        );
        assert!(allow.decide("garbage", 1, b"NULL", NONE).is_err());
        let users = Policy {
            users: Some(HashMap::from([("ann".to_string(), "s3cret".to_string())])),
            ..Policy::default()
        };
        let creds = |u: &str, p: &str| vec![u.as_bytes().to_vec(), p.as_bytes().to_vec()];
        assert_eq!(
            users.decide("1.2.3.4", 1, b"PLAIN", &creds("ann", "s3cret")),
            Ok("ann".into())
        );
        assert!(
            users
                .decide("1.2.3.4", 1, b"PLAIN", &creds("ann", "wrong"))
                .is_err()
        );
        assert!(
            users
                .decide("1.2.3.4", 1, b"PLAIN", &creds("bob", "s3cret"))
                .is_err()
        );
        assert!(users.decide("1.2.3.4", 1, b"NULL", NONE).is_err());
        assert!(users.decide("1.2.3.4", 1, b"PLAIN", NONE).is_err());
    }

    #[test]
    fn z85_follows_rfc_32() {
        let key = Key([
            0x8E, 0x0B, 0xDD, 0x69, 0x76, 0x28, 0xB9, 0x1D, 0x8F, 0x24, 0x55, 0x87, 0xEE, 0x95,
            0xC5, 0xB0, 0x4D, 0x48, 0x96, 0x3F, 0x79, 0x25, 0x98, 0x77, 0xB4, 0x9C, 0xD9, 0x06,
            0x3A, 0xEA, 0xD3, 0xB7,
        ]);
        assert_eq!(key.to_z85(), "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6");
        assert_eq!(Key::from_z85(&key.to_z85()), Some(key));
        assert_eq!(Key::from_z85("too short"), None);
        assert_eq!(Key::from_z85(&"~".repeat(40)), None, "not in the alphabet");
        assert_eq!(Key::from_z85(&"#".repeat(40)), None, "over 2^32 per group");
        assert!(!format!("{key:?}").contains("JTKV"));
    }

    #[test]
    fn curve_keys_are_admitted_by_the_allow_list() {
        let (a, b) = (Key([1; 32]), Key([2; 32]));
        let open = Policy {
            curve: Some(CurvePolicy {
                secret: Key([9; 32]),
                public: Key([8; 32]),
                allow: None,
            }),
            ..Policy::default()
        };
        assert_eq!(
            open.decide("1.2.3.4", 1, b"CURVE", &[a.0.to_vec()]),
            Ok(a.to_z85())
        );
        // Open to every key, and still through ZAP: the key is the connection's user id.
        assert!(open.is_active() && open.proves_identity());
        let closed = Policy {
            curve: Some(CurvePolicy {
                secret: Key([9; 32]),
                public: Key([8; 32]),
                allow: Some([a].into_iter().collect()),
            }),
            ..Policy::default()
        };
        assert!(closed.is_active());
        assert!(
            closed
                .decide("1.2.3.4", 1, b"CURVE", &[a.0.to_vec()])
                .is_ok()
        );
        assert_eq!(
            closed.decide("1.2.3.4", 1, b"CURVE", &[b.0.to_vec()]),
            Err(Refusal::KeyNotAllowed(b.to_z85()))
        );
        assert!(closed.decide("1.2.3.4", 1, b"NULL", NONE).is_err());
        assert!(
            closed
                .decide("1.2.3.4", 1, b"CURVE", &[vec![1; 5]])
                .is_err()
        );
    }

    #[test]
    fn the_state_policy_admits_the_pair_without_passwords() {
        let policy = Policy {
            users: Some(HashMap::new()),
            curve: Some(CurvePolicy {
                secret: Key([9; 32]),
                public: Key([8; 32]),
                allow: Some([Key([1; 32])].into_iter().collect()),
            }),
            ..Policy::default()
        };
        let state = policy.for_state();
        assert!(state.users.is_none());
        assert!(state.decide("::1", 1, b"CURVE", &[vec![8; 32]]).is_ok());
        assert!(policy.decide("::1", 1, b"CURVE", &[vec![8; 32]]).is_err());
        assert!(state.decide("::1", 1, b"CURVE", &[vec![1; 32]]).is_ok());
    }

    #[test]
    fn connections_per_address_are_bounded() {
        let limited = Policy {
            max_per_address: Some(2),
            ..Policy::default()
        };
        assert!(limited.is_active());
        assert!(limited.decide("10.0.0.1", 2, b"NULL", NONE).is_ok());
        assert_eq!(
            limited.decide("10.0.0.1", 3, b"NULL", NONE),
            Err(Refusal::TooManyConnections {
                ip: "10.0.0.1".parse().unwrap(),
                open: 3,
                max: 2
            })
        );
        // Not an IP address (ipc://): not counted.
        assert!(limited.decide("", 3, b"NULL", NONE).is_ok());
    }

    #[test]
    fn connections_are_counted_by_address_until_closed() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "::1".parse().unwrap();
        let mut open = Connections::default();
        open.opened(7, Some(a));
        open.opened(8, Some(a));
        open.opened(9, Some(b));
        open.opened(10, None);
        assert_eq!((open.open("10.0.0.1"), open.open("::1")), (2, 1));
        assert_eq!(open.address(8), Some(a));
        assert_eq!(open.closed(8), Some(a));
        assert_eq!(open.closed(8), None, "a second close changes nothing");
        assert_eq!(open.closed(10), None);
        assert_eq!(open.open("10.0.0.1"), 1);
        // A descriptor reused before its close was seen replaces the old connection.
        open.opened(7, Some(b));
        assert_eq!((open.open("10.0.0.1"), open.open("::1")), (0, 2));
        assert_eq!(open.open("not an address"), 0);
        open.closed(7);
        open.closed(9);
        assert!(open.by_ip.is_empty() && open.by_fd.is_empty());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3cre"));
        assert!(!same_secret(b"s3cret", b"s3cret!"));
        assert!(!same_secret(b"s3cret", b"x3cret"));
        assert!(!same_secret(b"", b"x"));
        assert!(same_secret(b"", b""));
    }

    #[test]
    fn user_files_are_parsed_strictly() {
        let users = Policy::parse_users("# comment\n\nann:s3cret\nbob:pa:ss\n", "f").unwrap();
        assert_eq!(users.get("bob").map(String::as_str), Some("pa:ss"));
        let no_colon = Policy::parse_users("no colon here\n", "f").unwrap_err();
        assert_eq!(no_colon.to_string(), "f:1: expected user:password");
        assert!(Policy::parse_users("# nothing\n", "f").is_err());
        assert!(Policy::parse_users(":pw\n", "f").is_err());
    }
}
