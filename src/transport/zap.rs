//! The ZAP handler (23/ZAP): libzmq asks it about every new connection to a server socket
//! whose ZAP domain is set, before any message from that connection is read, so a refused
//! peer never reaches the broker. The decision is [`Policy::decide`]'s, a pure function;
//! this is the socket loop around it.

use std::time::Duration;

use super::{Context, Kind, Linger, ServerSecurity, TransportError};
use crate::auth::Policy;
use crate::mdp::Frame;

/// The ZAP domain zmqtool's server sockets use (setting one makes libzmq consult ZAP even for
/// the NULL mechanism).
pub const DOMAIN: &str = "zmqtool";

/// Where libzmq sends ZAP requests (fixed by 23/ZAP).
const ENDPOINT: &str = "inproc://zeromq.zap.01";

/// What a server socket must offer for `policy`.
pub fn server_security(policy: &Policy) -> ServerSecurity {
    ServerSecurity {
        zap: policy.is_active(),
        plain: policy.users.is_some(),
        curve: policy.curve.as_ref().map(|c| c.secret),
    }
}

/// Starts the ZAP handler for `ctx` (one per context) and returns once it is bound; it runs
/// until the context ends.
pub fn start(ctx: &Context, policy: Policy) -> Result<(), TransportError> {
    let socket = ctx.socket(Kind::Rep, Linger::Discard)?;
    socket.bind(ENDPOINT)?;
    std::thread::spawn(move || serve(socket, policy));
    Ok(())
}

fn serve(mut socket: super::Socket, policy: Policy) {
    loop {
        let request = match socket.recv(Duration::from_secs(3600)) {
            Ok(Some(request)) => request,
            Ok(None) => continue,
            // The context is ending.
            Err(_) => return,
        };
        if socket.send(answer(&policy, &request)).is_err() {
            return;
        }
    }
}

/// The reply to one ZAP request: version, request id, status, text, user id, metadata.
fn answer(policy: &Policy, request: &[Frame]) -> Vec<Frame> {
    match request {
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
    vec![
        b"1.0".to_vec(),
        id.to_vec(),
        status.to_vec(),
        text.to_vec(),
        user.to_vec(),
        Vec::new(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(address: &str, mechanism: &str, creds: &[&str]) -> Vec<Frame> {
        let mut frames: Vec<Frame> = ["1.0", "7", DOMAIN, address, "", mechanism]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        frames.extend(creds.iter().map(|c| c.as_bytes().to_vec()));
        frames
    }

    #[test]
    fn answers_carry_the_request_id_and_the_verdict() {
        let policy = Policy {
            allow: vec!["127.0.0.0/8".parse().unwrap()],
            ..Policy::default()
        };
        let ok = answer(&policy, &request("127.0.0.1", "NULL", &[]));
        assert_eq!((&ok[1][..], &ok[2][..]), (&b"7"[..], &b"200"[..]));
        let refused = answer(&policy, &request("10.0.0.1", "NULL", &[]));
        assert_eq!(&refused[2][..], b"400");
        assert!(String::from_utf8_lossy(&refused[3]).contains("not in --allow"));
        assert_eq!(
            &answer(&policy, &[b"2.0".to_vec(), b"9".to_vec()])[2][..],
            b"500"
        );
        assert_eq!(answer(&policy, &[]).len(), 6);
    }
}
