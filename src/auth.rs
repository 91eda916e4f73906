//! Who may connect: address filtering (`--allow CIDR`) and PLAIN user/password checks
//! (`--plain-users FILE`), enforced through ZAP (23/ZAP, libzmq's authentication hook).
//!
//! [`Policy::decide`] is the whole decision, with no I/O. [`start`] runs it on a ZAP handler
//! thread: libzmq asks it about every new connection before any message from it is read, so
//! a refused peer never reaches the broker. PLAIN sends passwords in clear text; CURVE, which
//! would encrypt, is not in the bundled libzmq build.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{Context as _, Result, bail};

/// An address range: `10.0.0.0/8`, `::1/128`, or a bare address (one host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an address range (like 10.0.0.0/8 or 127.0.0.1)"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = match (self.network, addr) {
            (IpAddr::V4(_), IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return false,
            },
            _ => addr,
        };
        match (self.network, addr) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
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
            crate::warn!(
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
    ) -> Result<String, String> {
        if !self.allow.is_empty() {
            let ip: IpAddr = address
                .parse()
                .map_err(|_| format!("address {address:?} is not an IP address (--allow)"))?;
            if !self.allow.iter().any(|c| c.contains(ip)) {
                return Err(format!("{address} is not in --allow"));
            }
        }
        match (&self.users, mechanism) {
            (None, b"NULL") => Ok(String::new()),
            (None, other) => Err(format!(
                "unexpected mechanism {}",
                String::from_utf8_lossy(other)
            )),
            (Some(users), b"PLAIN") => {
                let [user, password] = credentials else {
                    return Err("malformed PLAIN credentials".into());
                };
                let user = String::from_utf8_lossy(user);
                match users.get(user.as_ref()) {
                    Some(expected) if constant_time_eq(expected.as_bytes(), password) => {
                        Ok(user.into_owned())
                    }
                    _ => Err(format!("bad user name or password for {user:?}")),
                }
            }
            (Some(_), _) => Err("a user name and password are required (--plain)".into()),
        }
    }
}

/// Compares without stopping at the first difference, so timing says nothing of the password.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The ZAP domain zmqtool's server sockets use (setting one makes libzmq consult ZAP even for
/// the NULL mechanism).
pub const DOMAIN: &str = "zmqtool";

/// Starts the ZAP handler for `ctx` (one per context) and returns once it is bound.
pub fn start(ctx: &zmq::Context, policy: Policy) -> Result<()> {
    let socket = ctx.socket(zmq::REP)?;
    socket.set_linger(0)?;
    socket
        .bind("inproc://zeromq.zap.01")
        .context("cannot start the ZAP handler")?;
    std::thread::spawn(move || serve(socket, policy));
    Ok(())
}

fn serve(socket: zmq::Socket, policy: Policy) {
    while let Ok(request) = socket.recv_multipart(0) {
        // 23/ZAP: version, request id, domain, address, identity, mechanism, credentials...
        let reply: Vec<Vec<u8>> = match request.as_slice() {
            [
                version,
                id,
                _domain,
                address,
                _identity,
                mechanism,
                credentials @ ..,
            ] if version == b"1.0" => {
                let address = String::from_utf8_lossy(address);
                match policy.decide(&address, mechanism, credentials) {
                    Ok(user) => {
                        crate::info!("accepted a connection from {address}");
                        zap_reply(id, b"200", b"OK", user.as_bytes())
                    }
                    Err(why) => {
                        crate::warn!("refused a connection from {address}: {why}");
                        zap_reply(id, b"400", why.as_bytes(), b"")
                    }
                }
            }
            [_, id, ..] => zap_reply(id, b"500", b"malformed ZAP request", b""),
            _ => zap_reply(b"", b"500", b"malformed ZAP request", b""),
        };
        if socket.send_multipart(reply, 0).is_err() {
            return;
        }
    }
}

fn zap_reply(id: &[u8], status: &[u8], text: &[u8], user: &[u8]) -> Vec<Vec<u8>> {
    vec![
        b"1.0".to_vec(),
        id.to_vec(),
        status.to_vec(),
        text.to_vec(),
        user.to_vec(),
        Vec::new(),
    ]
}

/// Makes `socket` a server under `policy` (call before bind).
pub fn secure_server(socket: &zmq::Socket, policy: &Policy) -> Result<()> {
    if policy.is_active() {
        socket.set_zap_domain(DOMAIN)?;
    }
    if policy.users.is_some() {
        socket.set_plain_server(true)?;
    }
    Ok(())
}

static CREDENTIALS: OnceLock<(String, String)> = OnceLock::new();

/// Sets the PLAIN credentials every client socket of this process uses (`--plain`).
pub fn set_credentials(user_pass: &str) -> Result<()> {
    let Some((user, pass)) = user_pass.split_once(':') else {
        bail!("--plain expects USER:PASSWORD");
    };
    let _ = CREDENTIALS.set((user.to_string(), pass.to_string()));
    Ok(())
}

/// Applies the process's PLAIN credentials, if any, to a socket about to connect.
pub fn secure_client(socket: &zmq::Socket) -> Result<(), zmq::Error> {
    if let Some((user, pass)) = CREDENTIALS.get() {
        socket.set_plain_username(Some(user))?;
        socket.set_plain_password(Some(pass))?;
    }
    Ok(())
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
