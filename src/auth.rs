//! Who may connect: address filtering (`--allow CIDR`) and PLAIN user/password checks
//! (`--plain-users FILE`).
//!
//! [`Policy::decide`] is the whole decision, with no I/O; the ZAP handler in
//! [`crate::transport::zap`] runs it for every new connection. PLAIN sends passwords in clear
//! text; CURVE, which would encrypt, is not in the bundled libzmq build.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
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
}

/// Who may connect to a server socket.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Address ranges allowed; empty: any address.
    pub allow: Vec<Cidr>,
    /// PLAIN users and passwords; `None`: no authentication (the NULL mechanism).
    pub users: Option<HashMap<String, String>>,
}

impl Policy {
    /// True when connections must go through the ZAP handler.
    pub fn is_active(&self) -> bool {
        !self.allow.is_empty() || self.users.is_some()
    }

    /// Reads a `user:password` file: one pair per line; blank lines and `#` comments skipped.
    pub fn read_users(path: &Path) -> Result<HashMap<String, String>> {
        use std::os::unix::fs::PermissionsExt;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --plain-users file {}", path.display()))?;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            log::warn!(
                "{} is readable by others; it holds passwords (chmod 600 it)",
                path.display()
            );
        }
        let mut users = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((user, password)) = line.split_once(':') else {
                bail!("{}:{}: expected user:password", path.display(), n + 1);
            };
            if user.is_empty() {
                bail!("{}:{}: empty user name", path.display(), n + 1);
            }
            users.insert(user.to_string(), password.to_string());
        }
        if users.is_empty() {
            bail!("{} names no users", path.display());
        }
        Ok(users)
    }

    /// Decides on one connection: the user id to accept it as, or why it is refused.
    pub fn decide(
        &self,
        address: &str,
        mechanism: &[u8],
        credentials: &[Vec<u8>],
    ) -> Result<String, Refusal> {
        if !self.allow.is_empty() {
            let ip: IpAddr = address
                .parse()
                .map_err(|_| Refusal::NotAnAddress(address.to_string()))?;
            if !self.allow.iter().any(|c| c.contains(ip)) {
                return Err(Refusal::NotAllowed(ip));
            }
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
                let user = String::from_utf8_lossy(user);
                match users.get(user.as_ref()) {
                    Some(expected) if same_secret(expected.as_bytes(), password) => {
                        Ok(user.into_owned())
                    }
                    _ => Err(Refusal::BadCredentials(user.into_owned())),
                }
            }
            (Some(_), _) => Err(Refusal::CredentialsRequired),
        }
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
        assert!(open.decide("1.2.3.4", b"NULL", &[]).is_ok());
        let allow = Policy {
            allow: vec![cidr("127.0.0.0/8")],
            users: None,
        };
        assert!(allow.decide("127.0.0.1", b"NULL", &[]).is_ok());
        assert!(
            allow
                .decide("10.0.0.1", b"NULL", &[])
                .unwrap_err()
                .to_string()
                .contains("not in --allow")
        );
        assert!(allow.decide("garbage", b"NULL", &[]).is_err());
        let users = Policy {
            allow: vec![],
            users: Some(HashMap::from([("ann".to_string(), "s3cret".to_string())])),
        };
        let creds = |u: &str, p: &str| vec![u.as_bytes().to_vec(), p.as_bytes().to_vec()];
        assert_eq!(
            users.decide("1.2.3.4", b"PLAIN", &creds("ann", "s3cret")),
            Ok("ann".into())
        );
        assert!(
            users
                .decide("1.2.3.4", b"PLAIN", &creds("ann", "wrong"))
                .is_err()
        );
        assert!(
            users
                .decide("1.2.3.4", b"PLAIN", &creds("bob", "s3cret"))
                .is_err()
        );
        assert!(users.decide("1.2.3.4", b"NULL", &[]).is_err());
        assert!(users.decide("1.2.3.4", b"PLAIN", &[]).is_err());
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        std::fs::write(&path, "# comment\n\nann:s3cret\nbob:pa:ss\n").unwrap();
        let users = Policy::read_users(&path).unwrap();
        assert_eq!(users.get("bob").map(String::as_str), Some("pa:ss"));
        std::fs::write(&path, "no colon here\n").unwrap();
        assert!(Policy::read_users(&path).is_err());
        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(Policy::read_users(&path).is_err());
    }
}
