//! Sockets: one linger policy, tuning, bind and connect, and every receive and
//! send of a whole message (each dumped at `-vv`, see [`super::dump`]): [`Frame`]s through
//! libzmq's C API (`super::frame`). The libzmq socket itself is reached only through [`Raw`],
//! which keeps the settled mark that waiting relies on (`super::poll`). The timed receive,
//! [`Socket::recv`], is `super::poll`'s.

use std::time::Duration;

use super::dump::{FRAMES, dump};
use super::error::TransportError;
use super::frame;
use super::raw::{Raw, Touch};
use zmqtool_proto::frame::Frame;

/// What one frame of a multipart message costs against [`Tuning::max_message`] besides its
/// bytes: the size of libzmq's `zmq_msg_t`, which each queued frame occupies.
pub const FRAME_OVERHEAD: u64 = 64;

/// How long a peer of a server socket has to finish its handshake.
pub const HANDSHAKE: Duration = Duration::from_secs(5);

/// How long a socket that is closed keeps trying to deliver what it has queued.
///
/// This is the whole linger policy: libzmq's default (for ever) would hang a process at exit
/// whenever a peer is gone, so every socket gets one of these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linger {
    /// Servers, workers and publishers: up to [`Linger::FLUSH`], enough to flush a DISCONNECT
    /// or a last reply to a live peer, never a hang.
    Flush,
    /// Requests a client has given up on (a retry goes out on a new socket) and sockets
    /// inside one process: unsent messages are dropped at once.
    Discard,
}

impl Linger {
    /// What [`Linger::Flush`] allows.
    pub const FLUSH: Duration = Duration::from_millis(500);

    /// How long a socket closed with unsent messages may keep trying to send them.
    pub fn duration(self) -> Duration {
        match self {
            Linger::Flush => Linger::FLUSH,
            Linger::Discard => Duration::ZERO,
        }
    }

    fn millis(self) -> i32 {
        self.duration().as_millis() as i32
    }
}

/// The socket types zmqtool uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Router,
    Dealer,
    Req,
    Rep,
    Push,
    Pull,
    Pub,
    Sub,
    Pair,
}

impl Kind {
    fn zmq(self) -> zmq::SocketType {
        match self {
            Kind::Router => zmq::ROUTER,
            Kind::Dealer => zmq::DEALER,
            Kind::Req => zmq::REQ,
            Kind::Rep => zmq::REP,
            Kind::Push => zmq::PUSH,
            Kind::Pull => zmq::PULL,
            Kind::Pub => zmq::PUB,
            Kind::Sub => zmq::SUB,
            Kind::Pair => zmq::PAIR,
        }
    }
}

/// Socket options other than linger and security, set before bind or connect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tuning {
    /// The largest message accepted (`ZMQ_MAXMSGSIZE`); a peer that sends a larger one is
    /// disconnected before it is buffered, and the socket monitor logs why. In this
    /// project's libzmq the limit covers the whole multipart message, each frame before the
    /// last counted at its size plus [`FRAME_OVERHEAD`] (patches/README.md).
    pub max_message: Option<u64>,
    /// No high-water marks: never drop or block on queue length (load generators, whose
    /// queues are bounded by their own window).
    pub unbounded: bool,
    /// Queue messages only to connections that have completed their handshake
    /// (`ZMQ_IMMEDIATE`): until one has, [`Socket::writable`] says false and nothing is
    /// queued, so a message is never left waiting for a peer that may never come.
    pub immediate: bool,
    /// What is received is let go soon after (load generators, perf tools, echoes): every
    /// frame is taken as libzmq received it, even one that lies in its connection's receive
    /// buffer, instead of being copied out of it ([`frame::recv`]). A frame kept for long
    /// would keep that whole buffer alive, so sockets whose frames may be queued leave this
    /// off.
    pub transient: bool,
}

/// One zmq socket. `Send`, not `Sync`: each thread owns its sockets.
pub struct Socket {
    /// The libzmq socket and whether it is settled (see [`super::raw`]).
    raw: Raw,
    /// [`Tuning::transient`].
    transient: std::cell::Cell<bool>,
    /// The libzmq message frames are received into, kept from one message to the next.
    spare: std::cell::RefCell<frame::Spare>,
    /// The list the next message is received into: one a send emptied, when it was not
    /// kept. A reply is built in its request's list (`mdp::Message`), so a worker answering
    /// or a broker forwarding makes no list per message.
    list: std::cell::Cell<Vec<Frame>>,
    /// Read the ZAP user id of each message received ([`Socket::record_user_ids`]), and the
    /// last one read.
    pub(super) user_ids: std::cell::Cell<bool>,
    pub(super) user_id: std::cell::RefCell<Vec<u8>>,
}

/// The longest list a socket keeps for its next receive; a longer one is freed, so one
/// message of many frames does not leave its list held.
const KEPT_LIST: usize = 64;

/// What became of a message given to [`Socket::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Queued,
    /// The peer is gone, unknown, or not reading (its queue is full): the message is lost,
    /// as on a dead link. Request-reply recovers by timeout.
    Dropped,
}

impl Socket {
    /// A new socket of `kind` with `linger`, in the libzmq context `ctx`.
    pub(super) fn new(
        ctx: &zmq::Context,
        kind: Kind,
        linger: Linger,
    ) -> Result<Socket, TransportError> {
        let inner = ctx
            .socket(kind.zmq())
            .map_err(|e| TransportError::option("create a socket", e))?;
        inner
            .set_linger(linger.millis())
            .map_err(|e| TransportError::option("set linger", e))?;
        let raw =
            Raw::new(inner).map_err(|e| TransportError::option("get the socket's ZMQ_FD", e))?;
        Ok(Socket {
            raw,
            transient: std::cell::Cell::new(false),
            spare: std::cell::RefCell::new(frame::Spare::new()),
            list: std::cell::Cell::new(Vec::new()),
            user_ids: std::cell::Cell::new(false),
            user_id: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// The zmq socket, for any call but a receive or send of [`Frame`]s. Nearly every call
    /// may take in the socket's commands (a send, a poll, even an option), after which
    /// waiting on its ZMQ_FD would miss what they announced, so the socket is not settled
    /// while lent, nor after (see [`super::raw`]).
    pub(super) fn zmq(&self) -> Touch<'_> {
        self.raw.zmq()
    }

    /// The descriptor to wait on for this socket's next message, when it is settled.
    pub(super) fn settled_fd(&self) -> Option<std::os::fd::RawFd> {
        self.raw.settled_fd()
    }

    /// This socket's ZMQ_FD, for tests of the descriptor itself.
    #[cfg(test)]
    pub(super) fn fd(&self) -> std::os::fd::RawFd {
        self.raw.fd()
    }

    pub(super) fn tune(&self, tuning: Tuning) -> Result<(), TransportError> {
        if let Some(max) = tuning.max_message {
            self.zmq()
                .set_maxmsgsize(max.min(i64::MAX as u64) as i64)
                .map_err(|e| TransportError::option("set the largest message", e))?;
        }
        if tuning.unbounded {
            self.zmq()
                .set_sndhwm(0)
                .and_then(|()| self.zmq().set_rcvhwm(0))
                .map_err(|e| TransportError::option("set the high-water marks", e))?;
        }
        self.transient.set(tuning.transient);
        if tuning.immediate {
            self.zmq()
                .set_immediate(true)
                .map_err(|e| TransportError::option("queue to established connections only", e))?;
        }
        Ok(())
    }

    /// Binds `endpoint`; returns the endpoint actually bound (a `*` port resolved).
    pub fn bind(&self, endpoint: &str) -> Result<String, TransportError> {
        self.zmq()
            .bind(endpoint)
            .map_err(|e| TransportError::bind(endpoint, e))?;
        Ok(self
            .zmq()
            .get_last_endpoint()
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| endpoint.to_string()))
    }

    pub fn connect(&self, endpoint: &str) -> Result<(), TransportError> {
        self.zmq()
            .connect(endpoint)
            .map_err(|e| TransportError::connect(endpoint, e))
    }

    /// Subscribes a SUB socket to every message.
    pub fn subscribe_all(&self) -> Result<(), TransportError> {
        self.zmq()
            .set_subscribe(b"")
            .map_err(|e| TransportError::option("subscribe", e))
    }

    /// From now on, reads who the sender of each message received proved to be: the ZAP
    /// user id of its connection (a CURVE key in Z85, a PLAIN user name), read with the
    /// message's first frame. See [`Socket::user_id`].
    pub fn record_user_ids(&self) {
        self.user_ids.set(true);
    }

    /// The ZAP user id of the last message received, when [`Socket::record_user_ids`] is on
    /// (empty: none, or not recorded).
    pub fn user_id(&self) -> std::cell::Ref<'_, Vec<u8>> {
        self.user_id.borrow()
    }

    /// Receives one whole message if one is waiting. When none is, the socket is settled:
    /// a [`Poller`](super::Poller) waits on it until the next command reaches it.
    pub fn try_recv(&self) -> Result<Option<Vec<Frame>>, TransportError> {
        let received = self.take()?;
        if let Some(frames) = &received {
            dump("<-", frames);
        }
        Ok(received)
    }

    /// Receives and drops every message waiting, without dumping them (wake-ups, which carry
    /// nothing); the socket is settled after it unless a receive failed.
    pub(super) fn discard_waiting(&self) -> Result<(), TransportError> {
        while let Some(mut frames) = self.take()? {
            frames.clear();
            self.keep(frames);
        }
        Ok(())
    }

    /// One whole message, received without waiting into the socket's reused libzmq message
    /// ([`frame::recv`] says what is copied out of it and what is taken), in the list the last
    /// send left (`list`) or a new one sized for a Majordomo message (zmq's `recv_multipart`
    /// grows the list from nothing).
    fn take(&self) -> Result<Option<Vec<Frame>>, TransportError> {
        let mut frames = self.list.take();
        if frames.capacity() == 0 {
            frames.reserve(8);
        }
        let mut spare = self.spare.borrow_mut();
        loop {
            match self
                .raw
                .recv_frame(&mut spare, self.transient.get(), &mut frames)
            {
                Ok(more) => {
                    if self.user_ids.get() && frames.len() == 1 {
                        *self.user_id.borrow_mut() = spare.user_id().unwrap_or_default();
                    }
                    if !more {
                        break;
                    }
                }
                Err(zmq::Error::EAGAIN | zmq::Error::EINTR) if frames.is_empty() => {
                    self.list.set(frames);
                    return Ok(None);
                }
                Err(e) => return Err(TransportError::io("receive", e)),
            }
        }
        Ok(Some(frames))
    }

    /// Keeps `list`, emptied, for the next receive if none is kept ([`KEPT_LIST`]).
    fn keep(&self, list: Vec<Frame>) {
        debug_assert!(list.is_empty());
        let kept = self.list.take();
        if kept.capacity() == 0 && list.capacity() <= KEPT_LIST {
            self.list.set(list);
        } else {
            self.list.set(kept);
        }
    }

    /// An empty list to build the next message in: the one this socket keeps (what the last
    /// send emptied or [`Socket::reuse`] handed back) when it has one, so a loop that only
    /// sends allocates none.
    pub fn list(&self) -> Vec<Frame> {
        self.list.take()
    }

    /// Hands back a list a receive returned, for a later receive to fill: what a send does
    /// with the list it is given, for a loop that only receives.
    pub fn reuse(&self, mut list: Vec<Frame>) {
        list.clear();
        self.keep(list);
    }

    /// Sends one whole message without blocking; a full queue or a peer that is gone loses
    /// it (as ROUTER does), reported as [`Sent::Dropped`].
    pub fn send(&self, frames: Vec<Frame>) -> Result<Sent, TransportError> {
        dump("->", &frames);
        self.send_frames(frames)
    }

    /// Sends one whole message to the peer of a ROUTER socket whose routing id is `to`,
    /// without blocking: `to` first, then `frames`.
    pub fn send_routed(&self, to: Frame, frames: Vec<Frame>) -> Result<Sent, TransportError> {
        if log::log_enabled!(target: FRAMES, log::Level::Trace) {
            dump(
                "->",
                &[&to[..]]
                    .into_iter()
                    .chain(frames.iter().map(|f| &f[..]))
                    .collect::<Vec<_>>(),
            );
        }
        let more = !frames.is_empty();
        if let Err(e) = self.raw.send_frame(to, flags(more)) {
            return refused(e);
        }
        self.send_frames(frames)
    }

    fn send_frames(&self, mut frames: Vec<Frame>) -> Result<Sent, TransportError> {
        let last = frames.len().saturating_sub(1);
        let mut sent = Ok(Sent::Queued);
        for (i, frame) in frames.drain(..).enumerate() {
            if let Err(e) = self.raw.send_frame(frame, flags(i < last)) {
                sent = refused(e);
                break;
            }
        }
        self.keep(frames);
        sent
    }

    /// Whether a message can be sent now without blocking: with [`Tuning::immediate`],
    /// whether a connection has completed its handshake. It takes in the socket's commands,
    /// so a socket with no message waiting is settled after it (see
    /// [`Poller`](super::Poller)): its ZMQ_FD is readable again when a connection completes.
    pub fn writable(&self) -> Result<bool, TransportError> {
        let events = self
            .raw
            .events()
            .map_err(|e| TransportError::option("read the socket's events", e))?;
        Ok(events.contains(zmq::POLLOUT))
    }

    /// True when a message can be queued, after waiting at most `wait` for room: what a
    /// sender that must not lose a message waits for when [`Socket::send`] says
    /// [`Sent::Dropped`] for a full queue.
    pub fn room(&self, wait: Duration) -> Result<bool, TransportError> {
        let ms = wait.as_millis().min(i64::MAX as u128) as i64;
        match self.raw.zmq().poll(zmq::POLLOUT, ms) {
            Ok(n) => Ok(n > 0),
            Err(zmq::Error::EINTR) => Ok(false),
            Err(e) => Err(TransportError::io("poll", e)),
        }
    }
}

/// The flags for a non-blocking send of a frame, with `more` frames of its message to follow.
fn flags(more: bool) -> i32 {
    match more {
        true => zmq::DONTWAIT | zmq::SNDMORE,
        false => zmq::DONTWAIT,
    }
}

/// What a failed non-blocking send of a message's frame means. Only the first frame can be
/// refused (once it is queued, the rest are too): a full queue, or a peer that is gone or
/// unknown to a ROUTER, loses the message, as on a dead link.
fn refused(error: zmq::Error) -> Result<Sent, TransportError> {
    match error {
        zmq::Error::EAGAIN | zmq::Error::EHOSTUNREACH | zmq::Error::EINTR => Ok(Sent::Dropped),
        e => Err(TransportError::io("send", e)),
    }
}

/// An inproc endpoint no other socket of this process uses (named by a random UUID, so no
/// counter is shared between threads).
pub fn unique_inproc(purpose: &str) -> String {
    format!(
        "inproc://zmqtool-{purpose}-{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// Runs libzmq's steerable proxy between `frontend` and `backend` until `control` receives
/// `TERMINATE`.
pub fn proxy(frontend: Socket, backend: Socket, control: Socket) -> Result<(), TransportError> {
    let [mut frontend, mut backend, mut control] =
        [frontend, backend, control].map(|socket| socket.raw.into_zmq());
    zmq::proxy_steerable(&mut frontend, &mut backend, &mut control)
        .map_err(|e| TransportError::io("proxy", e))
}
