//! Sockets: one linger policy, tuning, bind and connect, and every receive and
//! send of a whole message (each dumped at `-vv`, see [`super::dump`]): [`Frame`]s through
//! libzmq's C API (`super::frame`).

use std::time::Duration;

use super::dump::{FRAMES, dump};
use super::error::TransportError;
use super::frame;
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

    fn millis(self) -> i32 {
        match self {
            Linger::Flush => Linger::FLUSH.as_millis() as i32,
            Linger::Discard => 0,
        }
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
    inner: zmq::Socket,
    /// `inner`'s libzmq socket, for receiving and sending [`Frame`]s (see [`frame::recv`]).
    raw: *mut std::os::raw::c_void,
    /// libzmq's ZMQ_FD of the socket: readable when a command reached the socket (a message
    /// arriving in an empty queue is one), see [`Poller`].
    pub(super) fd: std::os::fd::RawFd,
    /// True when the last receive found nothing and nothing done on the socket since could
    /// have taken in a command without [`Poller`] seeing it: only then does waiting on `fd`
    /// see the next message.
    pub(super) settled: std::cell::Cell<bool>,
    /// [`Tuning::transient`].
    transient: std::cell::Cell<bool>,
    /// The receive timeout set on the socket now, so it is changed only when it differs.
    rcvtimeo: i32,
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

// SAFETY: `raw` is `inner`'s own socket, which zmq lets move between threads (`zmq::Socket`
// is `Send`); the raw pointer keeps `Socket` from being `Sync`, as libzmq sockets must not be.
unsafe impl Send for Socket {}

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
        let fd = inner
            .get_fd()
            .map_err(|e| TransportError::option("get the socket's ZMQ_FD", e))?;
        let mut inner = inner;
        let raw = inner.as_mut_ptr();
        Ok(Socket {
            inner,
            raw,
            fd,
            settled: std::cell::Cell::new(false),
            transient: std::cell::Cell::new(false),
            rcvtimeo: -1,
            spare: std::cell::RefCell::new(frame::Spare::new()),
            list: std::cell::Cell::new(Vec::new()),
            user_ids: std::cell::Cell::new(false),
            user_id: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// The zmq socket, for any call but [`Socket::take`]'s receive: nearly every call may
    /// take in the socket's commands (a send, a poll, even an option), after which waiting on
    /// its ZMQ_FD would miss what they announced, so the socket is no longer settled (see
    /// [`Poller`]). Only `take` reads the socket past this, to record when it is settled.
    pub(super) fn zmq(&self) -> &zmq::Socket {
        self.settled.set(false);
        &self.inner
    }

    /// The libzmq socket, for sending [`Frame`]s; the socket is no longer settled, as with
    /// [`Socket::zmq`].
    fn libzmq(&self) -> *mut std::os::raw::c_void {
        self.settled.set(false);
        self.raw
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

    /// Receives one whole message, waiting at most `wait`; `None` when nothing came in time
    /// or a signal interrupted the wait (the caller checks its stop flag and comes back).
    ///
    /// This is the cheap way to wait on one socket: `zmq_poll` costs several system calls
    /// per call (ZMQ_EVENTS is read before and after), while a timed `recv` waits in a single
    /// `poll(2)` and costs none at all when a message is already queued.
    pub fn recv(&mut self, wait: Duration) -> Result<Option<Vec<Frame>>, TransportError> {
        self.set_rcvtimeo(wait)?;
        self.take(0)
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

    /// Receives one whole message if one is waiting.
    pub fn try_recv(&self) -> Result<Option<Vec<Frame>>, TransportError> {
        self.take(zmq::DONTWAIT)
    }

    /// One whole message, received into the socket's reused libzmq message ([`frame::recv`]
    /// says what is copied out of it and what is taken), in the list the last send left
    /// (`list`) or a new one sized for a Majordomo message (zmq's `recv_multipart` grows the
    /// list from nothing). Records whether the socket is now settled (see [`Poller`]).
    fn take(&self, flags: i32) -> Result<Option<Vec<Frame>>, TransportError> {
        let mut frames = self.list.take();
        if frames.capacity() == 0 {
            frames.reserve(8);
        }
        let mut spare = self.spare.borrow_mut();
        loop {
            // SAFETY: `raw` is this socket's, and `&self` is on the thread that owns it.
            let received = unsafe {
                frame::recv(
                    self.raw,
                    &mut spare,
                    flags,
                    self.transient.get(),
                    &mut frames,
                )
            };
            match received {
                Ok(more) => {
                    if self.user_ids.get() && frames.len() == 1 {
                        *self.user_id.borrow_mut() = spare.user_id().unwrap_or_default();
                    }
                    if !more {
                        break;
                    }
                }
                Err(e @ (zmq::Error::EAGAIN | zmq::Error::EINTR)) if frames.is_empty() => {
                    // A receive that does not wait takes in every command before it says
                    // EAGAIN, so the next message wakes `fd`; EINTR promises no such thing.
                    self.settled
                        .set(e == zmq::Error::EAGAIN && flags & zmq::DONTWAIT != 0);
                    self.list.set(frames);
                    return Ok(None);
                }
                Err(e) => return Err(TransportError::io("receive", e)),
            }
        }
        // More may be queued behind it, which `fd` will not announce.
        self.settled.set(false);
        dump("<-", &frames);
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

    fn set_rcvtimeo(&mut self, wait: Duration) -> Result<(), TransportError> {
        // Round up, so a wait never ends just before its deadline and spins.
        let ms = wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
        if ms != self.rcvtimeo {
            self.zmq()
                .set_rcvtimeo(ms)
                .map_err(|e| TransportError::option("set the receive timeout", e))?;
            self.rcvtimeo = ms;
        }
        Ok(())
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
        // SAFETY: `raw` is this socket's, and `&self` is on the thread that owns it.
        if let Err(e) = unsafe { frame::send(self.libzmq(), to, flags(more)) } {
            return refused(e);
        }
        self.send_frames(frames)
    }

    fn send_frames(&self, mut frames: Vec<Frame>) -> Result<Sent, TransportError> {
        let last = frames.len().saturating_sub(1);
        let mut sent = Ok(Sent::Queued);
        for (i, frame) in frames.drain(..).enumerate() {
            // SAFETY: `raw` is this socket's, and `&self` is on the thread that owns it.
            if let Err(e) = unsafe { frame::send(self.libzmq(), frame, flags(i < last)) } {
                sent = refused(e);
                break;
            }
        }
        self.keep(frames);
        sent
    }

    /// Whether a message can be sent now without blocking: with [`Tuning::immediate`],
    /// whether a connection has completed its handshake. It takes in the socket's commands,
    /// so a socket with no message waiting is settled after it (see [`Poller`]): its ZMQ_FD
    /// is readable again when a connection completes.
    pub fn writable(&self) -> Result<bool, TransportError> {
        let events = self
            .zmq()
            .get_events()
            .map_err(|e| TransportError::option("read the socket's events", e))?;
        self.settled.set(!events.contains(zmq::POLLIN));
        Ok(events.contains(zmq::POLLOUT))
    }

    /// True when a message can be queued, after waiting at most `wait` for room: what a
    /// sender that must not lose a message waits for when [`Socket::send`] says
    /// [`Sent::Dropped`] for a full queue.
    pub fn room(&self, wait: Duration) -> Result<bool, TransportError> {
        self.ready(zmq::POLLOUT, wait)
    }

    /// True when a message is waiting, after waiting at most `wait` for one.
    pub fn readable(&self, wait: Duration) -> Result<bool, TransportError> {
        self.ready(zmq::POLLIN, wait)
    }

    /// True when `events` are ready, after waiting at most `wait` for them; false when a
    /// signal ended the wait.
    fn ready(&self, events: zmq::PollEvents, wait: Duration) -> Result<bool, TransportError> {
        match self.zmq().poll(events, millis(wait)) {
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
pub fn proxy(
    mut frontend: Socket,
    mut backend: Socket,
    mut control: Socket,
) -> Result<(), TransportError> {
    zmq::proxy_steerable(&mut frontend.inner, &mut backend.inner, &mut control.inner)
        .map_err(|e| TransportError::io("proxy", e))
}

/// `wait` in whole milliseconds, rounded up (so a wait never ends just before its deadline).
pub(super) fn millis(wait: Duration) -> i64 {
    wait.as_micros().div_ceil(1000).min(i64::MAX as u128) as i64
}
