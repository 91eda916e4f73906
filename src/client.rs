//! Majordomo clients. [`call`] is the synchronous Lazy Pirate client of the guide
//! (`mdcliapi.c`): per attempt, a fresh DEALER to the next broker of the failover list, one
//! request, a bounded wait; after the last attempt, a timeout.
//!
//! A DEALER is used for both versions (18/MDP requires it; for 0.1 the empty frame a REQ
//! would add is written by the codec), so one client code path speaks both.

use std::time::{Duration, Instant};

use crate::mdp::{ClientReply, ClientRequest, Frame, Printable, ReplyKind, Version};
use crate::output;
use crate::runtime::{self, Shutdown};

/// How to reach the broker.
#[derive(Debug, Clone)]
pub struct Options {
    /// Brokers tried in turn, one per attempt.
    pub endpoints: Vec<String>,
    /// How long each attempt waits for a reply (extended by each PARTIAL).
    pub timeout: Duration,
    /// Attempts in all (at least 1).
    pub retries: u32,
    pub version: Version,
}

/// Why a call produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no reply from {service} after {attempts} attempt{s} of {timeout} ({endpoints})",
        s = if *attempts == 1 { "" } else { "s" },
        timeout = humantime::format_duration(*timeout))]
    Timeout {
        service: Printable,
        attempts: u32,
        timeout: Duration,
        endpoints: String,
    },
    #[error("interrupted")]
    Interrupted,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Sends one request and waits for its final reply, retrying on a new socket (and the next
/// broker) after each timeout. PARTIAL replies are passed to `on_partial` as they arrive.
pub fn call(
    ctx: &zmq::Context,
    opts: &Options,
    service: &[u8],
    body: Vec<Frame>,
    shutdown: &Shutdown,
    on_partial: &mut dyn FnMut(Vec<Frame>),
) -> Result<Vec<Frame>, CallError> {
    let attempts = opts.retries.max(1);
    let endpoints = opts.endpoints.len().max(1);
    for attempt in 0..attempts {
        let endpoint = &opts.endpoints[attempt as usize % endpoints];
        let socket = connect(ctx, endpoint)?;
        let request = ClientRequest {
            service: service.to_vec(),
            body: body.clone(),
        };
        let frames = request.to_frames(opts.version);
        output::dump("->", &frames);
        socket
            .send_multipart(frames, 0)
            .map_err(|e| anyhow::anyhow!("cannot send to {endpoint}: {e}"))?;
        if let Some(reply) = wait(&socket, opts, service, shutdown, on_partial)? {
            return Ok(reply);
        }
        if attempt + 1 < attempts {
            crate::warn!(
                "no reply from {endpoint} within {}; retrying (attempt {} of {attempts})",
                humantime::format_duration(opts.timeout),
                attempt + 2
            );
        }
    }
    Err(CallError::Timeout {
        service: Printable::of(service),
        attempts,
        timeout: opts.timeout,
        endpoints: opts.endpoints.join(", "),
    })
}

/// A DEALER connected to `endpoint`, with bounded linger.
pub fn connect(ctx: &zmq::Context, endpoint: &str) -> Result<zmq::Socket, CallError> {
    let socket = ctx
        .socket(zmq::DEALER)
        .map_err(|e| anyhow::anyhow!("cannot create socket: {e}"))?;
    socket
        .set_linger(0)
        .map_err(|e| anyhow::anyhow!("cannot set linger: {e}"))?;
    socket
        .connect(endpoint)
        .map_err(|e| runtime::connect_error(endpoint, e))?;
    Ok(socket)
}

/// Waits for the final reply to the request just sent; `None` on timeout.
fn wait(
    socket: &zmq::Socket,
    opts: &Options,
    service: &[u8],
    shutdown: &Shutdown,
    on_partial: &mut dyn FnMut(Vec<Frame>),
) -> Result<Option<Vec<Frame>>, CallError> {
    let mut deadline = Instant::now() + opts.timeout;
    loop {
        if shutdown.requested() {
            return Err(CallError::Interrupted);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        match socket.poll(zmq::POLLIN, runtime::poll_timeout(now, deadline)) {
            Ok(0) | Err(zmq::Error::EINTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(anyhow::anyhow!("poll failed: {e}").into()),
        }
        let frames = match socket.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => frames,
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => continue,
            Err(e) => return Err(anyhow::anyhow!("receive failed: {e}").into()),
        };
        output::dump("<-", &frames);
        match check_reply(frames, service) {
            Ok(ClientReply {
                kind: ReplyKind::Final,
                body,
                ..
            }) => return Ok(Some(body)),
            Ok(ClientReply { body, .. }) => {
                deadline = Instant::now() + opts.timeout;
                on_partial(body);
            }
            Err(why) => crate::info!("ignored a reply: {why}"),
        }
    }
}

/// Parses a reply and checks it answers `service`.
pub fn check_reply(frames: Vec<Frame>, service: &[u8]) -> Result<ClientReply, String> {
    let (_, reply) = ClientReply::parse(frames).map_err(|e| e.to_string())?;
    if reply.service != service {
        return Err(format!(
            "it is for service {}, not {}",
            Printable::of(&reply.service),
            Printable::of(service)
        ));
    }
    Ok(reply)
}
