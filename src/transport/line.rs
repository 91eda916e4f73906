//! A DEALER connection by either engine: [`Line`] is a libzmq [`Socket`] or a
//! [`DirectDealer`], chosen by [`Engine`], so the load generator and the worker drive either
//! through one type and pick the engine once, at the command line.

use std::time::Instant;

use super::context::Context;
use super::error::TransportError;
use super::frame::Frame;
use super::security::Security;
use super::socket::{Kind, Linger, Socket, Tuning};
use super::zmtp::DirectDealer;

/// Who speaks a connection's ZMTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The connection's own thread ([`DirectDealer`]): no I/O thread and no hand-off to it.
    /// TCP or IPC, NULL mechanism.
    Direct,
    /// libzmq: any endpoint, CURVE and PLAIN.
    Libzmq,
}

impl Engine {
    /// Why [`Engine::Direct`] cannot connect to `endpoints` with `security`; `None` when it
    /// can.
    pub fn direct_refuses(security: &Security, endpoints: &[String]) -> Option<String> {
        if !matches!(security, Security::Null) {
            return Some("it speaks the NULL mechanism only (no --curve or --plain)".into());
        }
        (endpoints.iter().find(|e| !DirectDealer::serves(e)))
            .map(|e| format!("it connects to tcp://HOST:PORT or ipc://PATH, not {e}"))
    }
}

/// A DEALER's connection.
pub enum Line {
    /// A libzmq socket.
    Zmq(Socket),
    /// ZMTP on this thread.
    Direct(DirectDealer),
}

impl Line {
    /// A DEALER connected to `endpoint` by `engine`; `max_message` bounds what a direct line
    /// takes (a libzmq socket takes what its `tuning` allows).
    pub fn connect(
        ctx: &Context,
        engine: Engine,
        (linger, security, tuning): (Linger, &Security, Tuning),
        endpoint: &str,
        max_message: usize,
    ) -> Result<Line, TransportError> {
        Ok(match engine {
            Engine::Direct => Line::Direct(DirectDealer::connect(endpoint, max_message, linger)?),
            Engine::Libzmq => {
                Line::Zmq(ctx.connect(Kind::Dealer, linger, security, tuning, endpoint)?)
            }
        })
    }

    /// Sends one message: a libzmq socket queues it (or drops it, as its high-water mark
    /// says); a direct line queues it for [`Line::settle`].
    pub fn send(&mut self, frames: Vec<Frame>) -> Result<(), TransportError> {
        match self {
            Line::Zmq(socket) => socket.send(frames).map(drop),
            Line::Direct(dealer) => {
                dealer.send(frames.iter().map(|f| &f[..]));
                Ok(())
            }
        }
    }

    /// A direct line: starts a reconnection that is due by `now` and writes what is queued;
    /// returns when the next reconnection is due. Nothing for a libzmq socket, whose I/O
    /// thread does both.
    pub fn settle(&mut self, now: Instant) -> Option<Instant> {
        match self {
            Line::Zmq(_) => None,
            Line::Direct(dealer) => {
                dealer.tick(now);
                dealer.flush();
                dealer.due()
            }
        }
    }
}
