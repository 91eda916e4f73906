//! The only code that touches `zmq`: frames ([`Frame`], receiving and sending them straight
//! on libzmq's C API in `frame`), contexts, sockets with one linger policy, security
//! (NULL, PLAIN, CURVE) passed in as a value, the guard thread (ZAP handler and socket
//! monitors), timed receive with `EINTR` handled, non-blocking send, polling (exact with
//! [`poll`]; by the sockets' ZMQ_FDs, without a system call per socket, with [`Poller`]), the
//! `-vv` frame dumps, and the lean MDP broker `bench --compare` measures against (`lean`).
//!
//! Everything above this module speaks in [`Frame`]s and [`Duration`]s; nothing above it sees
//! a `zmq` type or an `errno`. Every receive and send of a whole message goes through here,
//! so every one is dumped at `-vv` (log target `zmqtool::frames`), and none can forget the
//! linger or the `EINTR` case.
//!
//! Must not touch: protocol rules (the sans-IO cores own them) or the command line.

pub mod channel;
pub mod curve;
mod error;
mod frame;
mod guard;
mod lean;
pub mod zap;

pub use curve::{CurveKeys, Key};

use std::time::{Duration, Instant};

pub use error::TransportError;
pub use frame::{Frame, bytes_in, frames};
pub use lean::lean_broker;

/// What one frame of a multipart message costs against [`Tuning::max_message`] besides its
/// bytes: the size of libzmq's `zmq_msg_t`, which each queued frame occupies.
pub const FRAME_OVERHEAD: u64 = 64;

/// How long a peer of a server socket has to finish its handshake.
pub const HANDSHAKE: Duration = Duration::from_secs(5);

/// The longest a driver sleeps in one wait, so a stop request is seen promptly even when no
/// signal interrupts the wait (a server stopped from another thread).
pub const MAX_WAIT: Duration = Duration::from_millis(100);

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

/// Socket options other than linger and security, set before bind or connect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tuning {
    /// The largest message accepted (`ZMQ_MAXMSGSIZE`); a peer that sends a larger one is
    /// disconnected before it is buffered, and the socket monitor logs why. In this
    /// project's libzmq the limit covers the whole multipart message, each frame before the
    /// last counted at its size plus [`FRAME_OVERHEAD`] (vendor/zeromq-src/PATCHES.md).
    pub max_message: Option<u64>,
    /// No high-water marks: never drop or block on queue length (load generators, whose
    /// queues are bounded by their own window).
    pub unbounded: bool,
}

/// A zmq context: one I/O thread and the sockets made from it, and the guard thread that
/// watches its server sockets once it has one. Clones share both.
#[derive(Clone, Default)]
pub struct Context(std::sync::Arc<Shared>);

#[derive(Default)]
struct Shared {
    /// The guard ([`guard`]), started with the first socket it watches. Declared first, so
    /// it is stopped (its sockets closed) before `zmq` ends the context.
    guard: std::sync::Mutex<Option<guard::Handle>>,
    /// Connections the guard refused or saw fail their handshake.
    refused: std::sync::Arc<std::sync::atomic::AtomicU64>,
    zmq: zmq::Context,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// The count of connections to this context's server sockets that were refused (by the
    /// ZAP handler) or failed their handshake or size limit, for the statistics.
    pub fn refused_connections(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.0.refused.clone()
    }

    /// A new socket of `kind` with `linger`.
    pub fn socket(&self, kind: Kind, linger: Linger) -> Result<Socket, TransportError> {
        let inner = self
            .0
            .zmq
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
            rcvtimeo: -1,
            spare: std::cell::RefCell::new(frame::Spare::new()),
            list: std::cell::Cell::new(Vec::new()),
            user_ids: std::cell::Cell::new(false),
            user_id: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// A socket that connects to `endpoint`, proving itself with `security`.
    pub fn connect(
        &self,
        kind: Kind,
        linger: Linger,
        security: &Security,
        tuning: Tuning,
        endpoint: &str,
    ) -> Result<Socket, TransportError> {
        let socket = self.socket(kind, linger)?;
        socket.tune(tuning)?;
        socket.secure_client(security)?;
        socket.connect(endpoint)?;
        Ok(socket)
    }

    /// A socket bound to every endpoint of `binds`, checking peers as `security` says.
    /// Returns it with the endpoints actually bound (`*` ports resolved).
    pub fn bind(
        &self,
        kind: Kind,
        linger: Linger,
        security: ServerSecurity,
        tuning: Tuning,
        binds: &[String],
    ) -> Result<(Socket, Vec<String>), TransportError> {
        let socket = self.socket(kind, linger)?;
        socket.tune(tuning)?;
        // A connection that has not finished its handshake after this long is dropped
        // (libzmq's default is 30 s), so half-open connections cannot pile up for long.
        socket
            .zmq()
            .set_handshake_ivl(HANDSHAKE.as_millis() as i32)
            .map_err(|e| TransportError::option("set the handshake timeout", e))?;
        socket.secure_server(&security)?;
        if security != ServerSecurity::default() || tuning.max_message.is_some() {
            // Handshakes that fail (a wrong key, no CURVE, no credentials) never reach the
            // ZAP handler, and a message over the limit just drops its connection: the
            // monitor is how they get a log line, and how ZAP knows where connections are.
            guard::watch(self, &socket)?;
        }
        let mut bound = Vec::with_capacity(binds.len());
        for endpoint in binds {
            bound.push(socket.bind(endpoint)?);
        }
        Ok((socket, bound))
    }
}

/// One zmq socket. `Send`, not `Sync`: each thread owns its sockets.
pub struct Socket {
    inner: zmq::Socket,
    /// `inner`'s libzmq socket, for receiving and sending [`Frame`]s (see [`frame::recv`]).
    raw: *mut std::os::raw::c_void,
    /// libzmq's ZMQ_FD of the socket: readable when a command reached the socket (a message
    /// arriving in an empty queue is one), see [`Poller`].
    fd: std::os::fd::RawFd,
    /// True when the last receive found nothing and nothing done on the socket since could
    /// have taken in a command without [`Poller`] seeing it: only then does waiting on `fd`
    /// see the next message.
    settled: std::cell::Cell<bool>,
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
    user_ids: std::cell::Cell<bool>,
    user_id: std::cell::RefCell<Vec<u8>>,
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

    fn tune(&self, tuning: Tuning) -> Result<(), TransportError> {
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
        Ok(())
    }

    fn secure_client(&self, security: &Security) -> Result<(), TransportError> {
        match security {
            Security::Null => Ok(()),
            Security::Plain(c) => self
                .zmq()
                .set_plain_username(Some(&c.user))
                .and_then(|()| self.zmq().set_plain_password(Some(&c.password)))
                .map_err(|e| TransportError::option("set PLAIN credentials", e)),
            Security::Curve { server, client } => {
                curve::require()?;
                self.zmq()
                    .set_curve_serverkey(&server.0)
                    .and_then(|()| self.zmq().set_curve_publickey(&client.public.0))
                    .and_then(|()| self.zmq().set_curve_secretkey(&client.secret.0))
                    .map_err(|e| TransportError::option("set CURVE keys", e))
            }
        }
    }

    fn secure_server(&self, security: &ServerSecurity) -> Result<(), TransportError> {
        if let Some(secret) = &security.curve {
            curve::require()?;
            self.zmq()
                .set_curve_server(true)
                .and_then(|()| self.zmq().set_curve_secretkey(&secret.0))
                .map_err(|e| TransportError::option("be a CURVE server", e))?;
        }
        if let Some(domain) = security.zap {
            self.zmq()
                .set_zap_domain(domain)
                .map_err(|e| TransportError::option("set the ZAP domain", e))?;
        }
        if security.plain {
            self.zmq()
                .set_plain_server(true)
                .map_err(|e| TransportError::option("offer PLAIN", e))?;
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
            match unsafe { frame::recv(self.raw, &mut spare, flags, &mut frames) } {
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

    /// Sends zmq's messages as one message without blocking, as [`Socket::send`] sends frames
    /// (the lean broker forwards what it received as zmq gave it).
    fn send_messages(
        &self,
        frames: impl IntoIterator<Item = zmq::Message>,
    ) -> Result<Sent, TransportError> {
        let mut frames = frames.into_iter().peekable();
        while let Some(frame) = frames.next() {
            match self.zmq().send(frame, flags(frames.peek().is_some())) {
                Ok(()) => {}
                Err(e) => return refused(e),
            }
        }
        Ok(Sent::Queued)
    }

    /// Sends one message made of `frames`, waiting for queue room (load generators and perf
    /// tools, whose senders must not lose what they count).
    pub fn send_slices(&self, frames: &[&[u8]]) -> Result<(), TransportError> {
        if log::log_enabled!(target: FRAMES, log::Level::Trace) {
            dump("->", frames);
        }
        let last = frames.len().saturating_sub(1);
        for (i, frame) in frames.iter().enumerate() {
            let flags = if i < last { zmq::SNDMORE } else { 0 };
            self.zmq()
                .send(*frame, flags)
                .map_err(|e| TransportError::io("send", e))?;
        }
        Ok(())
    }

    /// Receives one whole message into `parts` (reused buffers, no allocation), waiting at
    /// most `wait` (`None`: for ever). Returns how many frames it had, or `None` when nothing
    /// came. Frames beyond the buffer are counted but dropped, so an oversized message is
    /// still seen as wrong.
    pub fn recv_parts(
        &mut self,
        parts: &mut Parts,
        wait: Option<Duration>,
    ) -> Result<Option<usize>, TransportError> {
        match wait {
            Some(wait) => self.set_rcvtimeo(wait)?,
            None if self.rcvtimeo != -1 => {
                self.zmq()
                    .set_rcvtimeo(-1)
                    .map_err(|e| TransportError::option("set the receive timeout", e))?;
                self.rcvtimeo = -1;
            }
            None => {}
        }
        let mut n = 0;
        loop {
            let mut spare = zmq::Message::new();
            let target = match parts.0.get_mut(n) {
                Some(m) => m,
                None => &mut spare,
            };
            match self.zmq().recv(target, 0) {
                Ok(()) => {}
                Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) if n == 0 => return Ok(None),
                Err(e) => return Err(TransportError::io("receive", e)),
            }
            n += 1;
            let more = self
                .zmq()
                .get_rcvmore()
                .map_err(|e| TransportError::io("receive", e))?;
            if !more {
                break;
            }
        }
        if log::log_enabled!(target: FRAMES, log::Level::Trace) {
            let shown = n.min(parts.0.len());
            dump("<-", &(0..shown).map(|i| parts.get(i)).collect::<Vec<_>>());
        }
        Ok(Some(n))
    }

    /// Sends the first `n` frames of `parts` back out as one message, without copying
    /// (an echo). The buffers are emptied.
    pub fn send_parts(&self, parts: &mut Parts, n: usize) -> Result<(), TransportError> {
        let n = n.min(parts.0.len());
        for i in 0..n {
            let msg = std::mem::replace(&mut parts.0[i], zmq::Message::new());
            let flags = if i + 1 < n { zmq::SNDMORE } else { 0 };
            self.zmq()
                .send(msg, flags)
                .map_err(|e| TransportError::io("send", e))?;
        }
        Ok(())
    }

    /// True when a message is waiting, after waiting at most `wait` for one.
    pub fn readable(&self, wait: Duration) -> Result<bool, TransportError> {
        match self.zmq().poll(zmq::POLLIN, millis(wait)) {
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

/// Reused receive buffers for the hot paths (see [`Socket::recv_parts`]).
pub struct Parts(Vec<zmq::Message>);

impl Parts {
    /// Buffers for messages of up to `frames` frames.
    pub fn new(frames: usize) -> Parts {
        Parts((0..frames).map(|_| zmq::Message::new()).collect())
    }

    /// Frame `i` of the last message received (empty beyond what it had).
    pub fn get(&self, i: usize) -> &[u8] {
        self.0.get(i).map(|m| &m[..]).unwrap_or(&[])
    }

    /// Buffers holding `frames`, as if they had been received (for tests of what reads them).
    pub fn filled(frames: &[&[u8]]) -> Parts {
        Parts(frames.iter().map(|f| zmq::Message::from(*f)).collect())
    }
}

/// Waits until at least one of `sockets` has a message, or `wait` passes; returns which are
/// readable, in order. A signal ends the wait early with none readable.
pub fn poll(sockets: &[&Socket], wait: Duration) -> Result<Vec<bool>, TransportError> {
    let mut items: Vec<zmq::PollItem> = sockets
        .iter()
        .map(|s| s.zmq().as_poll_item(zmq::POLLIN))
        .collect();
    match zmq::poll(&mut items, millis(wait)) {
        Ok(_) => Ok(items.iter().map(|i| i.is_readable()).collect()),
        Err(zmq::Error::EINTR) => Ok(vec![false; sockets.len()]),
        Err(e) => Err(TransportError::io("poll", e)),
    }
}

/// Waits on many sockets at once for a loop that receives from each socket it is told of
/// until [`Socket::try_recv`] finds nothing. Cheaper than [`poll`] by the system calls it
/// leaves out: [`poll`] (zmq_poll) asks every socket for its events, a system call each
/// whenever its command queue is empty; this waits on the sockets' ZMQ_FDs in one poll(2)
/// and names only the sockets that may have a message.
///
/// A ZMQ_FD tells of commands, not messages: it is readable when a command reached the
/// socket (a message arriving in an empty queue is one), and whatever takes the commands in
/// (a receive, a send, zmq_poll) clears it, message or not. So a socket is waited on by its
/// ZMQ_FD only when settled: its last receive found nothing (and libzmq took in every
/// command then), with nothing done on it since. Any other socket is named at once, for
/// the loop to receive from until it is settled again. The list handed to poll(2) is kept
/// from one wait to the next.
#[derive(Default)]
pub struct Poller {
    items: Vec<libc::pollfd>,
    /// Per socket of the last wait: named without waiting (not settled).
    unsettled: Vec<bool>,
}

impl Poller {
    /// Waits until one of `sockets` may have a message, or `wait` passes; then
    /// [`Poller::readable`] names them by their order here. A signal ends the wait early.
    pub fn poll<'a>(
        &mut self,
        sockets: impl IntoIterator<Item = &'a Socket>,
        wait: Duration,
    ) -> Result<(), TransportError> {
        self.items.clear();
        self.unsettled.clear();
        for socket in sockets {
            self.unsettled.push(!socket.settled.get());
            self.items.push(libc::pollfd {
                fd: socket.fd,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let timeout = if self.unsettled.contains(&true) {
            0
        } else {
            millis(wait).min(i32::MAX as i64) as i32
        };
        // SAFETY: the list is valid for its length; the descriptors are libzmq's, open for
        // as long as their sockets, which are borrowed for this call.
        let rc = unsafe {
            libc::poll(
                self.items.as_mut_ptr(),
                self.items.len() as libc::nfds_t,
                timeout,
            )
        };
        if rc < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(TransportError::Wait { source: error });
            }
            self.items.iter_mut().for_each(|item| item.revents = 0);
        }
        Ok(())
    }

    /// Whether the `i`th socket of the last wait may have a message: receive from it until
    /// [`Socket::try_recv`] finds nothing.
    pub fn readable(&self, i: usize) -> bool {
        self.unsettled.get(i).copied().unwrap_or(false)
            || self
                .items
                .get(i)
                .is_some_and(|item| item.revents & libc::POLLIN != 0)
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

/// Wait until `deadline`, capped at [`MAX_WAIT`].
pub fn wait_until(now: Instant, deadline: Instant) -> Duration {
    deadline.saturating_duration_since(now).min(MAX_WAIT)
}

fn millis(wait: Duration) -> i64 {
    wait.as_micros().div_ceil(1000).min(i64::MAX as u128) as i64
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

/// The log target of frame dumps (`-vv`).
pub const FRAMES: &str = "zmqtool::frames";

/// Dumps a message's frames at `-vv`, one line per frame with its size, as text when
/// printable and hex otherwise (the zguide `dump` helper's format).
pub fn dump(direction: &str, frames: &[impl AsRef<[u8]>]) {
    if !log::log_enabled!(target: FRAMES, log::Level::Trace) {
        return;
    }
    let mut text = format!("{direction} {} frames", frames.len());
    for frame in frames {
        let frame = frame.as_ref();
        text.push_str(&format!(
            "\n    [{:03}] {}",
            frame.len(),
            render_dump(frame)
        ));
    }
    log::trace!(target: FRAMES, "{text}");
}

fn render_dump(frame: &[u8]) -> String {
    const MAX: usize = 64;
    let shown = &frame[..frame.len().min(MAX)];
    let more = if frame.len() > MAX { "..." } else { "" };
    if crate::mdp::is_text(shown) {
        format!("{}{more}", String::from_utf8_lossy(shown))
    } else {
        format!("{}{more}", crate::mdp::hex(shown))
    }
}

/// True when this build's libzmq has CURVE (libsodium linked in).
pub fn has_curve() -> bool {
    zmq::has("curve").unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(ctx: &Context) -> (Socket, Socket) {
        let endpoint = format!("inproc://transport-test-{}", uuid::Uuid::new_v4());
        let (a, _) = ctx
            .bind(
                Kind::Pair,
                Linger::Discard,
                ServerSecurity::default(),
                Tuning::default(),
                std::slice::from_ref(&endpoint),
            )
            .unwrap();
        let b = ctx
            .connect(
                Kind::Pair,
                Linger::Discard,
                &Security::Null,
                Tuning::default(),
                &endpoint,
            )
            .unwrap();
        (a, b)
    }

    /// Receives from `socket` until it has nothing, as a loop served by [`Poller`] does.
    fn settle(socket: &Socket) -> Vec<Vec<Frame>> {
        std::iter::from_fn(|| socket.try_recv().unwrap()).collect()
    }

    /// Waits on `sockets` until the `i`th has a message, and returns it. A socket named
    /// without one (a command that was not a message woke it) is waited on again; a wake-up
    /// that never comes fails after a minute, not the test's first wait.
    fn wait_for(poller: &mut Poller, sockets: &[&Socket], i: usize) -> Vec<Frame> {
        for _ in 0..100 {
            poller
                .poll(sockets.iter().copied(), Duration::from_secs(60))
                .unwrap();
            assert!(
                (0..sockets.len()).any(|k| poller.readable(k)),
                "a minute passed: the message did not wake the wait"
            );
            if poller.readable(i)
                && let Some(frames) = sockets[i].try_recv().unwrap()
            {
                return frames;
            }
            for (k, socket) in sockets.iter().enumerate() {
                if poller.readable(k) {
                    settle(socket);
                }
            }
        }
        panic!("named a hundred times without a message");
    }

    #[test]
    fn the_poller_wakes_for_a_message_and_names_sockets_not_settled() {
        let ctx = Context::new();
        let (a, b) = pair(&ctx);
        let (c, d) = pair(&ctx);
        let mut poller = Poller::default();
        // New sockets have not been received from: named at once, whatever the wait.
        poller.poll([&a, &c], Duration::from_secs(3600)).unwrap();
        assert!(poller.readable(0) && poller.readable(1));
        assert!(settle(&a).is_empty() && settle(&c).is_empty());

        // A message to a settled socket wakes the wait, for whichever socket it came to.
        d.send(frames(&[b"to c"])).unwrap();
        assert_eq!(wait_for(&mut poller, &[&a, &c], 1), frames(&[b"to c"]));
        b.send(frames(&[b"to a"])).unwrap();
        assert_eq!(wait_for(&mut poller, &[&a, &c], 0), frames(&[b"to a"]));
        settle(&a);
        settle(&c);

        // A send may take in the command that announced a message: a socket sent on is
        // named at once, and its message is there.
        b.send(frames(&[b"waiting"])).unwrap();
        a.send(frames(&[b"reply"])).unwrap();
        poller.poll([&a, &c], Duration::from_secs(3600)).unwrap();
        assert!(
            poller.readable(0),
            "a socket sent on is named without a wait"
        );
        assert_eq!(wait_for(&mut poller, &[&a, &c], 0), frames(&[b"waiting"]));
        assert_eq!(settle(&b), vec![frames(&[b"reply"])]);
    }

    /// The libzmq this builds (vendor/zeromq-src/PATCHES.md) signals a socket's commands
    /// through an eventfd, as libzmq's own build on Linux does, not a socketpair, and opens
    /// it close-on-exec, so `worker --exec` children do not inherit it.
    #[cfg(target_os = "linux")]
    #[test]
    fn sockets_signal_through_eventfds_closed_on_exec() {
        let ctx = Context::new();
        let socket = ctx.socket(Kind::Dealer, Linger::Discard).unwrap();
        let link = std::fs::read_link(format!("/proc/self/fd/{}", socket.fd)).unwrap();
        assert_eq!(link.to_string_lossy(), "anon_inode:[eventfd]");
        // SAFETY: F_GETFD on a descriptor this process holds open (the socket is alive).
        let flags = unsafe { libc::fcntl(socket.fd, libc::F_GETFD) };
        assert!(flags >= 0 && flags & libc::FD_CLOEXEC != 0, "flags {flags}");
    }

    #[test]
    fn a_socket_receives_into_the_list_it_last_sent() {
        let ctx = Context::new();
        let (a, b) = pair(&ctx);
        b.send(frames(&[b"one", b"two"])).unwrap();
        let mut poller = Poller::default();
        let received = wait_for(&mut poller, &[&a], 0);
        let list = received.as_ptr();
        a.send(received).unwrap();
        assert_eq!(settle(&b), vec![frames(&[b"one", b"two"])]);
        b.send(frames(&[b"three"])).unwrap();
        let next = wait_for(&mut poller, &[&a], 0);
        assert_eq!(next, frames(&[b"three"]));
        assert_eq!(next.as_ptr(), list, "the sent list was not kept");
    }

    #[test]
    fn whole_messages_cross_and_waits_end() {
        let ctx = Context::new();
        let (mut a, b) = pair(&ctx);
        assert_eq!(a.recv(Duration::from_millis(1)).unwrap(), None);
        assert_eq!(
            b.send(vec![Frame::from("x"), Frame::empty()]).unwrap(),
            Sent::Queued
        );
        assert_eq!(
            a.recv(Duration::from_secs(5)).unwrap(),
            Some(frames(&[b"x", b""]))
        );
        assert_eq!(a.try_recv().unwrap(), None);
    }

    /// Frames of every kind of size cross TCP (where libzmq decodes in place) and come back
    /// through a ROUTER: inline, copied out of libzmq's receive buffer, and taken as they are;
    /// received ones are forwarded and clones sent, as a broker does.
    #[test]
    fn frames_of_every_size_cross_tcp_and_are_forwarded() {
        let ctx = Context::new();
        let (mut router, bound) = ctx
            .bind(
                Kind::Router,
                Linger::Discard,
                ServerSecurity::default(),
                Tuning::default(),
                &["tcp://127.0.0.1:*".to_string()],
            )
            .unwrap();
        let mut dealer = ctx
            .connect(
                Kind::Dealer,
                Linger::Discard,
                &Security::Null,
                Tuning::default(),
                &bound[0],
            )
            .unwrap();
        let sizes = [
            0,
            1,
            Frame::INLINE,
            Frame::INLINE + 1,
            100,
            8191,
            8192,
            100_000,
        ];
        let body: Vec<Frame> = sizes
            .iter()
            .map(|&n| Frame::from((0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>()))
            .collect();
        for _ in 0..3 {
            dealer.send(body.clone()).unwrap();
        }
        for _ in 0..3 {
            let mut got = router
                .recv(Duration::from_secs(10))
                .unwrap()
                .expect("a message");
            let id = got.remove(0);
            assert_eq!(got, body);
            let kept = got.clone();
            router.send_routed(id, got).unwrap();
            assert_eq!(dealer.recv(Duration::from_secs(10)).unwrap(), Some(kept));
        }
    }

    #[test]
    fn parts_are_reused_and_echoed_without_copies() {
        let ctx = Context::new();
        let (mut a, mut b) = pair(&ctx);
        b.send_slices(&[b"one", b"two", b"three"]).unwrap();
        let mut parts = Parts::new(2);
        let n = a
            .recv_parts(&mut parts, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(n, Some(3), "frames beyond the buffer are counted");
        assert_eq!(
            (parts.get(0), parts.get(1), parts.get(2)),
            (&b"one"[..], &b"two"[..], &b""[..])
        );
        a.send_parts(&mut parts, 2).unwrap();
        assert_eq!(
            b.recv(Duration::from_secs(5)).unwrap(),
            Some(frames(&[b"one", b"two"]))
        );
    }

    #[test]
    fn poll_says_which_sockets_are_readable() {
        let ctx = Context::new();
        let (a, b) = pair(&ctx);
        let (c, _d) = pair(&ctx);
        b.send(vec![Frame::copy(b"hi")]).unwrap();
        assert!(a.readable(Duration::from_secs(5)).unwrap());
        assert_eq!(
            poll(&[&a, &c], Duration::from_secs(5)).unwrap(),
            [true, false]
        );
    }

    #[test]
    fn bind_errors_name_the_endpoint_and_the_cure() {
        let ctx = Context::new();
        let (_s, bound) = ctx
            .bind(
                Kind::Router,
                Linger::Discard,
                ServerSecurity::default(),
                Tuning::default(),
                &["tcp://127.0.0.1:*".into()],
            )
            .unwrap();
        let err = ctx
            .bind(
                Kind::Router,
                Linger::Discard,
                ServerSecurity::default(),
                Tuning::default(),
                &bound,
            )
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(&bound[0]) && err.contains("another"), "{err}");
        let err = ctx
            .socket(Kind::Dealer, Linger::Discard)
            .unwrap()
            .connect("nonsense")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot connect to nonsense"), "{err}");
    }

    #[test]
    fn credentials_parse_and_hide_the_password() {
        let c: Credentials = "ann:pa:ss".parse().unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("ann", "pa:ss"));
        assert!(!format!("{c:?}").contains("pa:ss"));
        assert!("nocolon".parse::<Credentials>().is_err());
        assert!(":x".parse::<Credentials>().is_err());
    }

    #[test]
    fn dumps_show_text_or_hex() {
        assert_eq!(render_dump(b"MDPC01"), "MDPC01");
        assert_eq!(render_dump(&[0, 0x80, 1]), "008001");
        assert!(render_dump(&[b'a'; 100]).ends_with("..."));
    }
}
