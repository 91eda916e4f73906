//! Logs what libzmq's socket monitor sees on a secured server socket and nothing else does: a
//! connection whose handshake fails (a wrong CURVE key, no CURVE or no credentials at all)
//! is dropped by libzmq before the ZAP handler is asked.

use std::time::Duration;

use super::{Context, Kind, Linger, Socket, TransportError};

/// Starts a thread that logs `socket`'s failed handshakes, until the context ends.
pub fn watch(ctx: &Context, socket: &Socket) -> Result<(), TransportError> {
    let endpoint = super::unique_inproc("monitor");
    let events = zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_AUTH as i32;
    socket
        .inner
        .monitor(&endpoint, events)
        .map_err(|e| TransportError::option("monitor the socket", e))?;
    let mut events = ctx.socket(Kind::Pair, Linger::Discard)?;
    events.connect(&endpoint)?;
    std::thread::spawn(move || {
        loop {
            match events.recv(Duration::from_secs(3600)) {
                Ok(Some(frames)) => log_event(&frames),
                Ok(None) => {}
                Err(_) => return,
            }
        }
    });
    Ok(())
}

/// One monitor event: a frame of event number (u16) and value (u32), then the endpoint.
fn log_event(frames: &[Vec<u8>]) {
    let [head, endpoint, ..] = frames else {
        return;
    };
    let Some(event) = head.get(..2).map(|b| u16::from_ne_bytes([b[0], b[1]])) else {
        return;
    };
    let endpoint = String::from_utf8_lossy(endpoint);
    let why = match i32::from(event) {
        e if e == zmq::SocketEvent::HANDSHAKE_FAILED_AUTH as i32 => "authentication failed",
        e if e == zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL as i32 => {
            "protocol error (a wrong server key, or another security mechanism)"
        }
        _ => "no detail (a wrong server key, or another security mechanism)",
    };
    log::warn!("refused a connection on {endpoint}: its handshake failed: {why}");
}
