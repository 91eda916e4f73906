//! A DEALER whose ZMTP runs on the caller's thread: [`DirectDealer`] connects over TCP or IPC
//! with the NULL mechanism and reads and writes its socket itself, where a libzmq socket
//! hands every message to libzmq's I/O thread and back. What goes over the wire is the
//! protocol crate's [`Link`]'s; this module owns the descriptor, the system calls and the
//! reconnection. [`DirectPoller`] waits on many such connections in one poll(2).
//!
//! It behaves as a libzmq DEALER with `ZMQ_IMMEDIATE` off does: messages sent before the
//! connection is made wait for it; a connection that fails or ends is made again 100 ms
//! later (libzmq's `ZMQ_RECONNECT_IVL`), keeping the messages queued if none was begun, and
//! losing them if one was cut short (as libzmq loses what its engine had taken). For CURVE or PLAIN, or an endpoint it cannot reach (inproc://, a source
//! address), use a libzmq [`Socket`](super::Socket): [`DirectDealer::serves`] says which.

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, SockFlag, SockType, SockaddrStorage, UnixAddr, connect, getsockopt, setsockopt,
    socket, sockopt,
};
use zmqtool_proto::zmtp::{Link, Message, ZmtpError};

use super::dump::dump;
use super::error::TransportError;
use super::poll::wait_on;
use super::socket::Linger;

/// How long after a failed or lost connection the next attempt starts.
const RECONNECT: Duration = Duration::from_millis(100);

/// Whether a peer's refusal was reported already: it is logged as a warning once, then at
/// debug level (a thousand clients against a CURVE broker would otherwise say it a thousand
/// times, ten times a second).
static WARNED: AtomicBool = AtomicBool::new(false);

/// Where a [`DirectDealer`] connects.
#[derive(Debug, Clone)]
enum Target {
    Tcp(SocketAddr),
    Ipc(UnixAddr),
}

#[derive(Debug)]
enum State {
    /// No connection; the next attempt starts at this time.
    Waiting(Instant),
    /// A non-blocking connect in progress.
    Connecting(OwnedFd),
    /// Connected: the handshake, then messages.
    Connected(OwnedFd),
}

/// One DEALER connection, driven from the caller's thread.
#[derive(Debug)]
pub struct DirectDealer {
    endpoint: String,
    target: Target,
    state: State,
    link: Link,
    max_message: usize,
    /// How long dropping it may wait to write what is queued (libzmq's `ZMQ_LINGER`).
    linger: Duration,
    /// How its descriptor is registered with a [`DirectPoller`]; `None` whenever the
    /// descriptor changes (a closed one leaves every epoll set by itself).
    registration: Option<Registration>,
}

/// A descriptor's registration with a [`DirectPoller`]: which poller, the token that names
/// the dealer in its events, the events asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Registration {
    poller: u64,
    token: u64,
    events: u32,
}

impl DirectDealer {
    /// Whether a [`DirectDealer`] can connect to `endpoint`: tcp:// to a host and port, or
    /// ipc://.
    pub fn serves(endpoint: &str) -> bool {
        match endpoint.split_once("://") {
            Some(("tcp", rest)) => !rest.contains(';'),
            Some(("ipc", path)) => !path.is_empty() && path != "*",
            _ => false,
        }
    }

    /// A DEALER connecting to `endpoint` (which [`DirectDealer::serves`]), taking messages of
    /// at most `max_message` bytes; dropped, it waits up to what `linger` allows to write what
    /// is queued. The first attempt starts now.
    pub fn connect(
        endpoint: &str,
        max_message: usize,
        linger: Linger,
    ) -> Result<DirectDealer, TransportError> {
        let mut dealer = DirectDealer {
            endpoint: endpoint.to_string(),
            target: target(endpoint)?,
            state: State::Waiting(Instant::now()),
            link: Link::new(max_message),
            max_message,
            linger: linger.duration(),
            registration: None,
        };
        dealer.attempt();
        Ok(dealer)
    }

    /// Queues one message; [`DirectDealer::flush`] writes it.
    pub fn send<'a>(&mut self, frames: impl ExactSizeIterator<Item = &'a [u8]> + Clone) {
        if log::log_enabled!(target: super::FRAMES, log::Level::Trace) {
            dump("sent", &frames.clone().collect::<Vec<_>>());
        }
        self.link.send(frames);
    }

    /// Writes what may be written, until the kernel takes no more.
    pub fn flush(&mut self) {
        let State::Connected(fd) = &self.state else {
            return;
        };
        if let Err(error) = write_out(fd.as_raw_fd(), &mut self.link) {
            self.lost(&format!("writing: {error}"));
        }
    }

    /// When the next connection attempt is due, while there is no connection.
    pub fn due(&self) -> Option<Instant> {
        match self.state {
            State::Waiting(at) => Some(at),
            _ => None,
        }
    }

    /// Starts the next connection attempt if it is due by `now`.
    pub fn tick(&mut self, now: Instant) {
        if let State::Waiting(at) = self.state
            && at <= now
        {
            self.attempt();
        }
    }

    /// What to wait for on this connection's descriptor (epoll's event bits); `None` while
    /// there is none.
    fn interest(&self) -> Option<(RawFd, u32)> {
        match &self.state {
            State::Waiting(_) => None,
            State::Connecting(fd) => Some((fd.as_raw_fd(), libc::EPOLLOUT as u32)),
            State::Connected(fd) => {
                let out = match self.link.outgoing().is_empty() {
                    true => 0,
                    false => libc::EPOLLOUT as u32,
                };
                Some((fd.as_raw_fd(), libc::EPOLLIN as u32 | out))
            }
        }
    }

    /// Acts on what a wait found (`revents`, epoll's bits): a connection made or failed,
    /// bytes to read (one read; [`DirectDealer::take`] then takes the messages), room to write.
    fn serve(&mut self, revents: u32) {
        let has = |bit: i32| revents & bit as u32 != 0;
        if revents == 0 {
            return;
        }
        match &self.state {
            State::Waiting(_) => {}
            State::Connecting(fd) => match getsockopt(fd, sockopt::SocketError) {
                Ok(0) => {
                    let State::Connecting(fd) = std::mem::replace(
                        &mut self.state,
                        State::Waiting(Instant::now() + RECONNECT),
                    ) else {
                        unreachable!("matched above")
                    };
                    self.state = State::Connected(fd);
                    self.flush();
                }
                Ok(errno) => self.lost(&format!(
                    "connecting: {}",
                    std::io::Error::from_raw_os_error(errno)
                )),
                Err(errno) => self.lost(&format!("connecting: {errno}")),
            },
            State::Connected(_) => {
                if has(libc::EPOLLIN | libc::EPOLLERR | libc::EPOLLHUP) {
                    self.read();
                }
                if has(libc::EPOLLOUT) {
                    self.flush();
                }
            }
        }
    }

    /// One read of what the kernel holds.
    fn read(&mut self) {
        let State::Connected(fd) = &self.state else {
            return;
        };
        match read_in(fd.as_raw_fd(), &mut self.link) {
            Ok(false) => {}
            Ok(true) if self.link.is_open() => {}
            // The peer's READY lets out what waited for it.
            Ok(true) => match self.link.handshake() {
                Ok(true) => self.flush(),
                Ok(false) => {}
                Err(error) => self.refused(&error),
            },
            Err(error) => self.lost(&format!("reading: {error}")),
        }
    }

    /// The next whole message read, if any. A peer that breaks the protocol loses its
    /// connection (the error is logged, and the connection made again).
    pub fn take(&mut self) -> Option<Message<'_>> {
        // Two steps, so the error case can borrow `self` again.
        match self.link.take() {
            Ok(Some(_)) => {}
            Ok(None) => return None,
            Err(error) => {
                self.refused(&error);
                return None;
            }
        }
        let message = self.link.last();
        if log::log_enabled!(target: super::FRAMES, log::Level::Trace) {
            dump("received", &message.iter().collect::<Vec<_>>());
        }
        Some(message)
    }

    /// Starts a connection attempt; a failure that shows at once waits for the next one.
    fn attempt(&mut self) {
        self.registration = None;
        self.state = match open(&self.target) {
            Ok(Opened::Now(fd)) => State::Connected(fd),
            Ok(Opened::Pending(fd)) => State::Connecting(fd),
            Err(errno) => {
                log::debug!("{}: connecting: {errno}", self.endpoint);
                State::Waiting(Instant::now() + RECONNECT)
            }
        };
        if let State::Connected(_) = self.state {
            self.flush();
        }
    }

    /// The connection is gone: the next attempt in [`RECONNECT`] ([`Link::restart`] says what
    /// is kept for it).
    fn lost(&mut self, why: &str) {
        log::debug!("{}: {why}; connecting again", self.endpoint);
        self.registration = None;
        self.state = State::Waiting(Instant::now() + RECONNECT);
        self.link.restart(self.max_message);
    }

    /// The peer broke the protocol or refused this side.
    fn refused(&mut self, error: &ZmtpError) {
        match WARNED.swap(true, Ordering::Relaxed) {
            false => log::warn!("{}: {error}", self.endpoint),
            true => log::debug!("{}: {error}", self.endpoint),
        }
        self.lost("the connection was dropped");
    }
}

impl Drop for DirectDealer {
    /// Writes what is queued on a live connection, waiting for room up to the linger.
    fn drop(&mut self) {
        if let State::Connected(fd) = &self.state {
            linger_out(&mut [(fd.as_raw_fd(), &mut self.link)], self.linger);
        }
    }
}

/// Waits on many [`DirectDealer`]s at once: one epoll set, to which each dealer's descriptor
/// is added once per connection (and changed only when what it waits for changes), so a wait
/// costs one `epoll_wait` whatever the number of connections, and names only those that woke.
/// A dealer is waited on by one poller throughout.
pub struct DirectPoller {
    id: u64,
    epoll: Epoll,
    /// The dealers the last wait woke, by their place in its list.
    woken: Vec<usize>,
}

/// Tells pollers apart in [`Registration`]s.
static POLLERS: AtomicU64 = AtomicU64::new(0);

impl DirectPoller {
    pub fn new() -> Result<DirectPoller, TransportError> {
        Ok(DirectPoller {
            id: POLLERS.fetch_add(1, Ordering::Relaxed),
            epoll: Epoll::new()?,
            woken: Vec::new(),
        })
    }

    /// Waits at most `wait` for any of `dealers` to be readable, writable or connected, and
    /// lets each one that was act on it; then take their messages with
    /// [`DirectDealer::take`] ([`DirectPoller::woken`] names them). A signal ends the wait
    /// early. Give the same dealers in the same order each time: a dealer's place in the list
    /// is its name in the epoll set, and one left out would still be waited on (so a
    /// changed list costs a system call per dealer whose place changed).
    pub fn poll(
        &mut self,
        dealers: &mut [&mut DirectDealer],
        wait: Duration,
    ) -> Result<(), TransportError> {
        self.woken.clear();
        for (token, dealer) in dealers.iter_mut().enumerate() {
            self.register(token as u64, dealer)?;
        }
        for event in self.epoll.wait(dealers.len(), wait)? {
            let (token, revents) = (event.u64, event.events);
            if let Some(dealer) = dealers.get_mut(token as usize) {
                dealer.serve(revents);
                self.woken.push(token as usize);
            }
        }
        Ok(())
    }

    /// The places in the last wait's list of the dealers it woke.
    pub fn woken(&self) -> &[usize] {
        &self.woken
    }

    /// Adds `dealer`'s descriptor as `token`, or changes what it waits for, where that is not
    /// already so.
    fn register(&self, token: u64, dealer: &mut DirectDealer) -> Result<(), TransportError> {
        let Some((fd, events)) = dealer.interest() else {
            return Ok(());
        };
        let want = Registration {
            poller: self.id,
            token,
            events,
        };
        let op = match dealer.registration {
            Some(have) if have == want => return Ok(()),
            Some(have) if have.poller == self.id => libc::EPOLL_CTL_MOD,
            _ => libc::EPOLL_CTL_ADD,
        };
        self.epoll.control(op, fd, events, token)?;
        dealer.registration = Some(want);
        Ok(())
    }
}

/// Writes what `link` may write on `fd` until the kernel takes no more. An error ends the
/// connection.
pub(super) fn write_out(fd: RawFd, link: &mut Link) -> std::io::Result<()> {
    while !link.outgoing().is_empty() {
        let out = link.outgoing();
        // SAFETY: `out` is valid for its length; `fd` is the caller's open socket.
        let n = unsafe {
            libc::send(
                fd,
                out.as_ptr().cast(),
                out.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        if n >= 0 {
            link.wrote(n as usize);
            continue;
        }
        let error = std::io::Error::last_os_error();
        match error.kind() {
            std::io::ErrorKind::WouldBlock => return Ok(()),
            std::io::ErrorKind::Interrupted => continue,
            _ => return Err(error),
        }
    }
    Ok(())
}

/// Writes what each of `links` holds, waiting for room until `linger` has passed (a closing
/// socket's `ZMQ_LINGER`); a connection that fails is let go.
pub(super) fn linger_out(links: &mut [(RawFd, &mut Link)], linger: Duration) {
    let deadline = Instant::now() + linger;
    let mut live = vec![true; links.len()];
    loop {
        let mut waiting = Vec::new();
        for ((fd, link), live) in links.iter_mut().zip(&mut live) {
            *live = *live && write_out(*fd, link).is_ok();
            if *live && !link.outgoing().is_empty() {
                waiting.push(libc::pollfd {
                    fd: *fd,
                    events: libc::POLLOUT,
                    revents: 0,
                });
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if waiting.is_empty() || left.is_zero() || wait_on(&mut waiting, left).is_err() {
            return;
        }
    }
}

/// One read of what the kernel holds for `fd` into `link`: true when bytes came. The peer
/// closing, or an error, ends the connection.
pub(super) fn read_in(fd: RawFd, link: &mut Link) -> std::io::Result<bool> {
    let room = link.room();
    // SAFETY: `room` is valid for its length; `fd` is the caller's open socket.
    let n = unsafe { libc::recv(fd, room.as_mut_ptr().cast(), room.len(), libc::MSG_DONTWAIT) };
    match n {
        0 => Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the peer closed the connection",
        )),
        n if n > 0 => {
            link.received(n as usize);
            Ok(true)
        }
        _ => {
            let error = std::io::Error::last_os_error();
            match error.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Ok(false),
                _ => Err(error),
            }
        }
    }
}

/// An epoll set: descriptors added with a token, waited on together.
pub(super) struct Epoll {
    fd: OwnedFd,
    events: Vec<libc::epoll_event>,
}

impl Epoll {
    pub(super) fn new() -> Result<Epoll, TransportError> {
        // SAFETY: no pointers; the descriptor returned is checked, then owned.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            let source = std::io::Error::last_os_error();
            return Err(TransportError::Wait { source });
        }
        Ok(Epoll {
            // SAFETY: a new descriptor that nothing else owns.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            events: Vec::new(),
        })
    }

    /// `EPOLL_CTL_ADD`, `_MOD` or `_DEL` of `fd` waiting for `events`, named `token`.
    pub(super) fn control(
        &self,
        op: i32,
        fd: RawFd,
        events: u32,
        token: u64,
    ) -> Result<(), TransportError> {
        let mut event = libc::epoll_event { events, u64: token };
        // SAFETY: `event` is valid for the call; both descriptors are open.
        let rc = unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut event) };
        if rc < 0 {
            let source = std::io::Error::last_os_error();
            return Err(TransportError::Wait { source });
        }
        Ok(())
    }

    /// Waits at most `wait` for up to `room` descriptors; returns the tokens and events of
    /// those that woke (none after a signal).
    pub(super) fn wait(
        &mut self,
        room: usize,
        wait: Duration,
    ) -> Result<&[libc::epoll_event], TransportError> {
        self.events
            .resize(room.max(1), libc::epoll_event { events: 0, u64: 0 });
        // Rounded up, so a wait never ends just before its deadline and spins.
        let timeout = wait.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
        // SAFETY: `events` is valid for its length; the epoll descriptor is this set's.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                self.events.as_mut_ptr(),
                self.events.len() as i32,
                timeout,
            )
        };
        if n < 0 {
            let source = std::io::Error::last_os_error();
            return match source.kind() {
                std::io::ErrorKind::Interrupted => Ok(&[]),
                _ => Err(TransportError::Wait { source }),
            };
        }
        Ok(&self.events[..n as usize])
    }
}

enum Opened {
    Now(OwnedFd),
    Pending(OwnedFd),
}

/// Starts a non-blocking connect to `target`.
fn open(target: &Target) -> Result<Opened, Errno> {
    let flags = SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC;
    let (fd, result) = match target {
        Target::Tcp(addr) => {
            let family = match addr {
                SocketAddr::V4(_) => AddressFamily::Inet,
                SocketAddr::V6(_) => AddressFamily::Inet6,
            };
            let fd = socket(family, SockType::Stream, flags, None)?;
            // As libzmq does: a request is a few small writes, none to be held back.
            setsockopt(&fd, sockopt::TcpNoDelay, &true)?;
            let result = connect(fd.as_raw_fd(), &SockaddrStorage::from(*addr));
            (fd, result)
        }
        Target::Ipc(addr) => {
            let fd = socket(AddressFamily::Unix, SockType::Stream, flags, None)?;
            let result = connect(fd.as_raw_fd(), addr);
            (fd, result)
        }
    };
    match result {
        Ok(()) => Ok(Opened::Now(fd)),
        Err(Errno::EINPROGRESS) => Ok(Opened::Pending(fd)),
        Err(errno) => Err(errno),
    }
}

/// Where `endpoint` is: tcp://HOST:PORT (resolved now, the first address), ipc://PATH, or
/// ipc://@NAME (Linux's abstract namespace, as libzmq spells it).
fn target(endpoint: &str) -> Result<Target, TransportError> {
    let bad = |why: String| TransportError::Endpoint {
        endpoint: endpoint.to_string(),
        why,
    };
    match endpoint.split_once("://") {
        Some(("tcp", address)) if !address.contains(';') => {
            let mut addrs = address
                .to_socket_addrs()
                .map_err(|e| bad(format!("cannot resolve {address}: {e}")))?;
            addrs
                .next()
                .map(Target::Tcp)
                .ok_or_else(|| bad(format!("{address} resolves to no address")))
        }
        Some(("ipc", path)) if path.len() > 1 && path.starts_with('@') => {
            UnixAddr::new_abstract(&path.as_bytes()[1..])
                .map(Target::Ipc)
                .map_err(|e| bad(e.to_string()))
        }
        Some(("ipc", path)) if !path.is_empty() && path != "*" => UnixAddr::new(path)
            .map(Target::Ipc)
            .map_err(|e| bad(e.to_string())),
        _ => Err(bad(
            "a direct connection takes tcp://HOST:PORT or ipc://PATH".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A libzmq ROUTER on a free loopback port that PINGs its peers every millisecond. It
    /// waits a minute for an answer before it drops a peer (its default would be the
    /// millisecond itself, which a loaded machine misses).
    fn pinging_router(ctx: &zmq::Context) -> (zmq::Socket, String) {
        let router = ctx.socket(zmq::ROUTER).unwrap();
        router.set_heartbeat_ivl(1).unwrap();
        router.set_heartbeat_timeout(60_000).unwrap();
        router.set_linger(0).unwrap();
        router.bind("tcp://127.0.0.1:*").unwrap();
        let endpoint = router.get_last_endpoint().unwrap().unwrap();
        (router, endpoint)
    }

    /// Turns `turn` until `router` has a message, and returns it; a minute without one fails.
    fn received(router: &zmq::Socket, mut turn: impl FnMut()) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            turn();
            if let Ok(frames) = router.recv_multipart(zmq::DONTWAIT) {
                return frames;
            }
        }
        panic!("nothing reached the router in a minute");
    }

    /// Waits on `dealer` until it has a message, and returns its frames; a minute without
    /// one fails.
    fn reply(poller: &mut DirectPoller, dealer: &mut DirectDealer) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            dealer.flush();
            if let Some(message) = dealer.take() {
                return message.iter().map(<[u8]>::to_vec).collect();
            }
            poller
                .poll(&mut [&mut *dealer], Duration::from_millis(100))
                .unwrap();
        }
        panic!("no reply in a minute");
    }

    #[test]
    fn a_libzmq_router_gets_every_message_and_its_pings_are_answered() {
        let ctx = zmq::Context::new();
        let (router, endpoint) = pinging_router(&ctx);
        let mut dealer = DirectDealer::connect(&endpoint, 1 << 20, Linger::Discard).unwrap();
        let mut poller = DirectPoller::new().unwrap();
        let long = vec![7u8; 300];
        let mut peer = None;
        for round in 0..200u32 {
            let id = round.to_be_bytes();
            dealer.send([&b""[..], &id, &long].into_iter());
            dealer.flush();
            // The router sees the frames as they were sent, from the same peer throughout: a
            // PING mishandled would have dropped the connection and made a new peer.
            // Until the connection is made, the message waits in the dealer.
            let got = received(&router, || {
                poller
                    .poll(&mut [&mut dealer], Duration::from_millis(1))
                    .unwrap();
                dealer.flush();
            });
            assert_eq!(&got[1..], [&b""[..], &id, &long], "round {round}");
            assert_eq!(*peer.get_or_insert(got[0].clone()), got[0], "round {round}");
            router.send_multipart([&got[0][..], b"", &id], 0).unwrap();
            assert_eq!(reply(&mut poller, &mut dealer), [&b""[..], &id]);
        }
    }

    #[test]
    fn a_router_that_is_not_there_yet_gets_what_was_sent_before_it_came() {
        let dir = tempfile::tempdir().unwrap();
        let endpoint = format!("ipc://{}/late", dir.path().display());
        let mut dealer = DirectDealer::connect(&endpoint, 1 << 20, Linger::Discard).unwrap();
        assert!(
            dealer.due().is_some(),
            "nothing listens: it waits to try again"
        );
        dealer.send([&b"early"[..]].into_iter());
        let ctx = zmq::Context::new();
        let router = ctx.socket(zmq::ROUTER).unwrap();
        router.bind(&endpoint).unwrap();
        let mut poller = DirectPoller::new().unwrap();
        let got = received(&router, || {
            dealer.tick(Instant::now());
            poller
                .poll(&mut [&mut dealer], Duration::from_millis(10))
                .unwrap();
            dealer.flush();
        });
        assert_eq!(&got[1..], [b"early"]);
    }

    #[test]
    fn endpoints_it_serves() {
        assert!(DirectDealer::serves("tcp://127.0.0.1:5555"));
        assert!(DirectDealer::serves("tcp://localhost:5555"));
        assert!(DirectDealer::serves("ipc:///tmp/x"));
        assert!(DirectDealer::serves("ipc://@abstract"));
        assert!(!DirectDealer::serves("tcp://10.0.0.1:1;127.0.0.1:5555"));
        assert!(!DirectDealer::serves("inproc://x"));
        assert!(!DirectDealer::serves("ipc://*"));
        assert!(!DirectDealer::serves("127.0.0.1:5555"));
    }

    #[test]
    fn targets_resolve_or_say_why_not() {
        assert!(matches!(
            target("tcp://127.0.0.1:5555"),
            Ok(Target::Tcp(a)) if a.port() == 5555
        ));
        assert!(matches!(
            target("tcp://[::1]:7"),
            Ok(Target::Tcp(SocketAddr::V6(_)))
        ));
        assert!(matches!(target("ipc:///tmp/a"), Ok(Target::Ipc(_))));
        assert!(matches!(target("ipc://@a"), Ok(Target::Ipc(_))));
        let error = target("tcp://127.0.0.1").unwrap_err().to_string();
        assert!(
            error.starts_with("cannot connect to tcp://127.0.0.1: cannot resolve"),
            "{error}"
        );
    }
}
