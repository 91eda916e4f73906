//! Security passed in as a value: what a client proves ([`Security`]: NULL, PLAIN, CURVE),
//! what a server socket offers and whether it asks the ZAP handler ([`ServerSecurity`]), and
//! setting them on a socket before it binds or connects.

use super::curve::{self, CurveKeys, Key};
use super::error::TransportError;

/// PLAIN credentials (23/ZAP, 24/ZMTP-PLAIN). The password is never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ user: {:?}, password: <hidden> }}",
            self.user
        )
    }
}

impl std::str::FromStr for Credentials {
    type Err = String;

    /// `USER:PASSWORD` (the password may contain colons).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((user, password)) if !user.is_empty() => Ok(Credentials {
                user: user.to_string(),
                password: password.to_string(),
            }),
            _ => Err("expected USER:PASSWORD".into()),
        }
    }
}

/// How a connecting socket proves who it is: a value in each client's and worker's options,
/// so two clients with different credentials can live in one process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Security {
    /// The NULL mechanism: no authentication.
    #[default]
    Null,
    /// The PLAIN mechanism: a user name and password, sent in clear text.
    Plain(Credentials),
    /// CURVE (CurveZMQ): encrypted, and the server proven by its public key. `client` is this
    /// side's own keypair (a certificate, or a fresh one that only an open server admits).
    Curve { server: Key, client: CurveKeys },
}

/// How a bound server socket checks who connects. The decision itself is the ZAP handler's
/// (see [`zap`]); this says which mechanism the socket offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerSecurity {
    /// Ask the ZAP handler about every connection, in this ZAP domain (for `--allow`,
    /// connection limits, PLAIN users, CURVE keys).
    pub zap: Option<&'static str>,
    /// Offer the PLAIN mechanism.
    pub plain: bool,
    /// Be a CURVE server with this secret key.
    pub curve: Option<Key>,
}

/// Sets `security` on `socket`, a client, before it connects.
pub(super) fn secure_client(
    socket: &zmq::Socket,
    security: &Security,
) -> Result<(), TransportError> {
    match security {
        Security::Null => Ok(()),
        Security::Plain(c) => socket
            .set_plain_username(Some(&c.user))
            .and_then(|()| socket.set_plain_password(Some(&c.password)))
            .map_err(|e| TransportError::option("set PLAIN credentials", e)),
        Security::Curve { server, client } => {
            curve::require()?;
            socket
                .set_curve_serverkey(&server.0)
                .and_then(|()| socket.set_curve_publickey(&client.public.0))
                .and_then(|()| socket.set_curve_secretkey(&client.secret.0))
                .map_err(|e| TransportError::option("set CURVE keys", e))
        }
    }
}

/// Sets `security` on `socket`, a server, before it binds.
pub(super) fn secure_server(
    socket: &zmq::Socket,
    security: &ServerSecurity,
) -> Result<(), TransportError> {
    if let Some(secret) = &security.curve {
        curve::require()?;
        socket
            .set_curve_server(true)
            .and_then(|()| socket.set_curve_secretkey(&secret.0))
            .map_err(|e| TransportError::option("be a CURVE server", e))?;
    }
    if let Some(domain) = security.zap {
        socket
            .set_zap_domain(domain)
            .map_err(|e| TransportError::option("set the ZAP domain", e))?;
    }
    if security.plain {
        socket
            .set_plain_server(true)
            .map_err(|e| TransportError::option("offer PLAIN", e))?;
    }
    Ok(())
}
