//! The only code that touches `zmq`, by concern:
//!
//! | module | owns |
//! | --- | --- |
//! | `frame` | [`Frame`]s to and from libzmq's C API without copies (a received `zmq_msg_t` held by the frame, handed back on send) |
//! | `context` | [`Context`]: sockets made, secured, tuned, bound and connected; the guard thread it starts |
//! | `socket` | [`Socket`] with one linger policy, tuning, bind and connect, timed receive and non-blocking send with `EINTR` handled, a wait for room |
//! | `raw` | the libzmq socket inside a [`Socket`], reached only through calls that keep its settled mark true (what waiting relies on) |
//! | `security` | [`Security`] and [`ServerSecurity`] (NULL, PLAIN, CURVE) passed in as values; [`curve`]: the keys |
//! | `poll` | every wait, on the sockets' ZMQ_FDs in one poll(2): on many sockets with [`Poller`], on one with [`Socket::recv`]; the cap on a wait ([`MAX_WAIT`]) |
//! | `dump` | the `-vv` frame dumps |
//! | `guard`, [`zap`] | the guard thread: the ZAP handler (its answers are the protocol crate's) and the socket monitors |
//! | `router` | [`DirectRouter`]: the server side of the direct engine, a ROUTER bound on TCP or IPC with NULL, its connections read and written by the caller's thread in one epoll set |
//! | `line` | [`Line`]: a DEALER connection by either [`Engine`], libzmq's or the direct one |
//! | `zmtp` | [`DirectDealer`]: a DEALER whose ZMTP (the protocol crate's `zmtp::Link`) runs on the caller's thread, over TCP or IPC with NULL, and [`DirectPoller`] that waits on many |
//! | [`channel`] | typed channels between threads |
//!
//! Everything above this module speaks in [`Frame`]s and [`Duration`](std::time::Duration)s;
//! nothing above it sees a `zmq` type or an `errno`. Every receive and send of a whole message
//! goes through here, so every one is dumped at `-vv` (log target `zmqtool::frames`), and none
//! can forget the linger or the `EINTR` case. Every wait is a [`Poller`]'s (or the same on one
//! socket): a loop receives from each socket it is told of until [`Socket::try_recv`] finds
//! nothing, and only that leaves a socket to be waited on by its descriptor, which `raw`
//! enforces for every call on libzmq.
//!
//! Must not touch: protocol rules (the sans-IO cores own them) or the command line.

pub mod channel;
mod context;
pub mod curve;
mod dump;
mod error;
mod frame;
mod guard;
mod line;
mod poll;
pub mod probe;
mod raw;
mod router;
mod security;
mod socket;
pub mod zap;
mod zmtp;

pub use context::Context;
pub use curve::{CurveKeys, Key, has_curve};
pub use dump::{FRAMES, dump};
pub use error::TransportError;
pub use frame::{Frame, bytes_in, frames};
pub use line::{Engine, Line};
pub use poll::{BATCH, MAX_WAIT, Poller, wait_until};
pub use router::DirectRouter;
pub use security::{Credentials, Security, ServerSecurity};
pub use socket::{
    FRAME_OVERHEAD, HANDSHAKE, Kind, Linger, Sent, Socket, Tuning, proxy, unique_inproc,
};
pub use zmtp::{DirectDealer, DirectPoller};

#[cfg(test)]
mod tests;
