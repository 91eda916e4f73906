//! The ZAP handler's answers (23/ZAP): libzmq asks about every new connection to a server
//! socket whose ZAP domain is set, before any message from that connection is read, so a
//! refused peer never reaches the broker. [`answer`] turns one request into its reply, by
//! [`Policy::decide`]; the driver's guard thread receives the requests and sends the replies.

use crate::auth::{Connections, Policy};
use crate::frame::Frame;

/// The ZAP domain of zmqtool's client-facing server sockets (setting one makes libzmq consult
/// ZAP even for the NULL mechanism).
pub const DOMAIN: &str = "zmqtool";

/// The ZAP domain of Binary Star's state socket: the frontend's rules without PLAIN.
pub const STATE_DOMAIN: &str = "zmqtool-state";

/// Who may connect: to the ordinary server sockets, and to Binary Star's state socket.
pub struct Policies {
    pub frontend: Policy,
    pub state: Policy,
}

impl Policies {
    /// The frontend's `policy`, and the state socket's made from it ([`Policy::for_state`]).
    pub fn new(policy: Policy) -> Policies {
        Policies {
            state: policy.for_state(),
            frontend: policy,
        }
    }
}

/// The reply to one ZAP request: version, request id, status, text, user id, metadata.
pub fn answer(policies: &Policies, open: &Connections, request: &[Frame]) -> Vec<Frame> {
    match request {
        [
            version,
            id,
            domain,
            address,
            _identity,
            mechanism,
            credentials @ ..,
        ] if version == b"1.0" => {
            let policy = if domain == STATE_DOMAIN.as_bytes() {
                &policies.state
            } else {
                &policies.frontend
            };
            let address = String::from_utf8_lossy(address);
            match policy.decide(&address, open.open(&address), mechanism, credentials) {
                Ok(user) => {
                    log::info!("accepted a connection from {address}");
                    reply(id, b"200", b"OK", user.as_bytes())
                }
                Err(why) => {
                    log::warn!("refused a connection from {address}: {why}");
                    reply(id, b"400", why.to_string().as_bytes(), b"")
                }
            }
        }
        [_, id, ..] => reply(id, b"500", b"malformed ZAP request", b""),
        _ => reply(b"", b"500", b"malformed ZAP request", b""),
    }
}

fn reply(id: &[u8], status: &[u8], text: &[u8], user: &[u8]) -> Vec<Frame> {
    [&b"1.0"[..], id, status, text, user, b""]
        .into_iter()
        .map(Frame::copy)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(domain: &str, address: &str, mechanism: &str, creds: &[&str]) -> Vec<Frame> {
        let mut frames: Vec<Frame> = ["1.0", "7", domain, address, "", mechanism]
            .into_iter()
            .map(Frame::from)
            .collect();
        frames.extend(creds.iter().map(|c| Frame::from(*c)));
        frames
    }

    fn policies(policy: Policy) -> Policies {
        Policies::new(policy)
    }

    #[test]
    fn answers_carry_the_request_id_and_the_verdict() {
        let policies = policies(Policy {
            allow: vec!["127.0.0.0/8".parse().unwrap()],
            ..Policy::default()
        });
        let none = Connections::default();
        let ok = answer(&policies, &none, &request(DOMAIN, "127.0.0.1", "NULL", &[]));
        assert_eq!((&ok[1][..], &ok[2][..]), (&b"7"[..], &b"200"[..]));
        let refused = answer(&policies, &none, &request(DOMAIN, "10.0.0.1", "NULL", &[]));
        assert_eq!(&refused[2][..], b"400");
        assert!(String::from_utf8_lossy(&refused[3]).contains("not in --allow"));
        assert_eq!(
            &answer(&policies, &none, &[Frame::copy(b"2.0"), Frame::copy(b"9")])[2][..],
            b"500"
        );
        assert_eq!(answer(&policies, &none, &[]).len(), 6);
    }

    #[test]
    fn the_state_domain_needs_no_password_and_counts_connections() {
        let users = [("ann".to_string(), "pw".to_string())]
            .into_iter()
            .collect();
        let policies = policies(Policy {
            users: Some(users),
            max_per_address: Some(1),
            ..Policy::default()
        });
        let mut open = Connections::default();
        open.opened(5, Some("127.0.0.1".parse().unwrap()));
        let null = |domain| request(domain, "127.0.0.1", "NULL", &[]);
        assert_eq!(&answer(&policies, &open, &null(DOMAIN))[2][..], b"400");
        assert_eq!(
            &answer(&policies, &open, &null(STATE_DOMAIN))[2][..],
            b"200"
        );
        let plain = request(DOMAIN, "127.0.0.1", "PLAIN", &["ann", "pw"]);
        assert_eq!(&answer(&policies, &open, &plain)[2][..], b"200");
        open.opened(6, Some("127.0.0.1".parse().unwrap()));
        let refused = answer(&policies, &open, &plain);
        assert_eq!(&refused[2][..], b"400");
        assert!(String::from_utf8_lossy(&refused[3]).contains("--max-connections-per-ip"));
    }
}
