//! A ZMTP handshake probe: is a ZeroMQ peer listening at an endpoint, and does it accept this
//! side's security? The one question left for a server that answers nothing else (majortomo's
//! broker has no MMI), asked through the socket monitor.

use std::time::{Duration, Instant};

use super::{Context, Frame, Kind, Linger, Security, TransportError};

/// How a handshake attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// The peer completed the ZMTP handshake (security included) after this long.
    Succeeded(Duration),
    /// A peer answered but the handshake failed: not ZMTP, or refused security.
    Failed(&'static str),
    /// Nothing completed a handshake within the wait.
    TimedOut,
}

/// Connects a DEALER to `endpoint` with `security` and waits up to `wait` for its handshake.
pub fn handshake(
    ctx: &Context,
    security: &Security,
    endpoint: &str,
    wait: Duration,
) -> Result<Handshake, TransportError> {
    let socket = ctx.socket(Kind::Dealer, Linger::Discard)?;
    super::security::secure_client(&socket.zmq(), security)?;
    let monitor = super::unique_inproc("probe");
    socket
        .zmq()
        .monitor(&monitor, events())
        .map_err(|e| TransportError::option("monitor the socket", e))?;
    let mut events = ctx.socket(Kind::Pair, Linger::Discard)?;
    events.connect(&monitor)?;
    let started = Instant::now();
    socket.connect(endpoint)?;
    let deadline = started + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Handshake::TimedOut);
        }
        let Some(frames) = events.recv(left)? else {
            continue;
        };
        if let Some(ended) = outcome(&frames, started.elapsed()) {
            return Ok(ended);
        }
    }
}

fn events() -> i32 {
    zmq::SocketEvent::HANDSHAKE_SUCCEEDED as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_AUTH as i32
}

/// The outcome a monitor event tells (its first frame: event number u16, value u32).
fn outcome(frames: &[Frame], took: Duration) -> Option<Handshake> {
    let head = frames.first()?;
    let event = i32::from(u16::from_ne_bytes([*head.first()?, *head.get(1)?]));
    if event == zmq::SocketEvent::HANDSHAKE_SUCCEEDED as i32 {
        Some(Handshake::Succeeded(took))
    } else if event == zmq::SocketEvent::HANDSHAKE_FAILED_AUTH as i32 {
        Some(Handshake::Failed(
            "the peer refused this side's credentials",
        ))
    } else if event == zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL as i32 {
        Some(Handshake::Failed("the peer broke the ZMTP handshake"))
    } else if event == zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL as i32 {
        Some(Handshake::Failed(
            "the handshake failed (no ZMTP peer, or a security mismatch)",
        ))
    } else {
        None
    }
}
