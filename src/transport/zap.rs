//! ZAP (23/ZAP) for zmqtool's server sockets: the security each socket offers, and the
//! handler, which runs on the guard thread (`transport::guard`) and answers with
//! [`zmqtool_proto::zap::answer`] (a pure function of the request and the policy).

use super::context::Context;
use super::error::TransportError;
use super::guard::Watch;
use super::security::ServerSecurity;
use super::socket::{Kind, Linger};
use crate::auth::Policy;

pub use zmqtool_proto::zap::{DOMAIN, Policies, STATE_DOMAIN};

/// Where libzmq sends ZAP requests (fixed by 23/ZAP).
const ENDPOINT: &str = "inproc://zeromq.zap.01";

/// What a client-facing server socket must offer for `policy`.
pub fn server_security(policy: &Policy) -> ServerSecurity {
    ServerSecurity {
        zap: policy.is_active().then_some(DOMAIN),
        plain: policy.users.is_some(),
        curve: policy.curve.as_ref().map(|c| c.secret),
    }
}

/// What Binary Star's state socket must offer for the frontend's `policy`: the same
/// addresses, connection limit and CURVE keys, no PLAIN (see [`Policy::for_state`]).
pub fn state_security(policy: &Policy) -> ServerSecurity {
    ServerSecurity {
        zap: policy.for_state().is_active().then_some(STATE_DOMAIN),
        plain: false,
        curve: policy.curve.as_ref().map(|c| c.secret),
    }
}

/// Starts answering ZAP requests for `ctx` (one handler per context), with `policy`; call it
/// before binding the sockets it guards.
pub fn start(ctx: &Context, policy: Policy) -> Result<(), TransportError> {
    let socket = ctx.socket(Kind::Rep, Linger::Discard)?;
    socket.bind(ENDPOINT)?;
    ctx.give(Watch::Zap(socket, Box::new(Policies::new(policy))))
}
