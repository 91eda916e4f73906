//! A ROUTER whose ZMTP runs on the caller's thread: [`DirectRouter`] binds TCP or IPC
//! endpoints with the NULL mechanism, accepts connections, and reads and writes them itself
//! in one epoll set, where a libzmq socket hands every message to libzmq's I/O thread and
//! back. For the broker's frontend, it behaves as the libzmq ROUTER it stands in for:
//!
//! - each message received comes with its sender's routing id as the first frame: the
//!   peer's `Identity` property when it gave one (a second connection claiming an identity in
//!   use is closed, as libzmq does without `ZMQ_ROUTER_HANDOVER`), else five bytes of its own
//!   (a zero byte and a counter, as libzmq makes them, skipping any in use); an identity
//!   claimed with a zero byte first, the kind the router makes, is not taken (libzmq
//!   reserves them without enforcing it): its claimant gets one of the router's own;
//! - peers are taken in turn, one message each, as libzmq's fair queue does;
//! - a message to an unknown routing id, or to a peer with more than [`OUTPUT_LIMIT`] bytes
//!   it has not read, is dropped (libzmq's ROUTER drops at its high-water mark);
//! - a connection that has not finished its handshake within [`HANDSHAKE`] is closed, a
//!   message over the size limit closes its connection before it is buffered (both logged
//!   as the socket monitor logs them for libzmq), and dropping the router writes what is
//!   queued for up to its linger.
//!
//! Messages sent are written once per turn: when a receive finds nothing more to hand over.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use zmqtool_proto::zmtp::{Link, Role, ZmtpError};

use super::dump::{FRAMES, dump};
use super::error::TransportError;
use super::frame::Frame;
use super::guard::peer_address;
use super::socket::{HANDSHAKE, Linger};
use super::zmtp::{Epoll, linger_out, read_in, write_out};

/// The most bytes queued for a peer that does not read before messages to it are dropped.
pub const OUTPUT_LIMIT: usize = 16 << 20;

/// Listeners' tokens have this bit; connections' are their place in the table.
const LISTENER: u64 = 1 << 63;

/// How long accepting pauses when the process is out of descriptors.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

struct Listener {
    fd: OwnedFd,
    endpoint: String,
    /// The socket file of an ipc:// endpoint, removed when the router is dropped.
    path: Option<PathBuf>,
}

struct Conn {
    fd: OwnedFd,
    link: Link,
    /// Its routing id, once its handshake is done.
    id: Option<Vec<u8>>,
    /// Who it is, for the log: "from ADDRESS on ENDPOINT".
    from: String,
    /// The epoll events it is registered for.
    events: u32,
    /// Tells this connection from a later one in the same place of the table.
    serial: u64,
    /// Whether it is in the router's `readable` turn already.
    queued: bool,
}

/// A bound ROUTER, driven from the caller's thread.
pub struct DirectRouter {
    epoll: Epoll,
    listeners: Vec<Listener>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    by_id: HashMap<Vec<u8>, usize>,
    /// Connections whose input may hold whole messages, in turn.
    readable: VecDeque<usize>,
    /// Connections with messages queued since they were last written.
    dirty: Vec<usize>,
    /// Connections still in their handshake, by when they must finish it.
    handshakes: VecDeque<(Instant, usize, u64)>,
    next_id: u32,
    next_serial: u64,
    max_message: usize,
    linger: Duration,
    /// While out of descriptors: when accepting starts again.
    accept_paused: Option<Instant>,
    /// The tokens and events of the last wait.
    woken: Vec<(u64, u32)>,
}

impl DirectRouter {
    /// Whether a [`DirectRouter`] can bind `endpoint`: tcp:// on `*` or an IP address, with
    /// a port or `*`; ipc:// on a path.
    pub fn serves(endpoint: &str) -> bool {
        match endpoint.split_once("://") {
            Some(("tcp", address)) => tcp_address(address).is_some(),
            Some(("ipc", path)) => !path.is_empty() && path != "*" && !path.starts_with('@'),
            _ => false,
        }
    }

    /// Binds every endpoint (which [`DirectRouter::serves`]); fails on the first that cannot
    /// be bound. Returns the router and the endpoints bound (a `*` port resolved).
    pub fn bind(
        binds: &[String],
        max_message: usize,
        linger: Linger,
    ) -> Result<(DirectRouter, Vec<String>), TransportError> {
        let mut router = DirectRouter {
            epoll: Epoll::new()?,
            listeners: Vec::new(),
            conns: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            readable: VecDeque::new(),
            dirty: Vec::new(),
            handshakes: VecDeque::new(),
            // libzmq starts its routing ids at a random number too.
            next_id: uuid::Uuid::new_v4().as_u128() as u32,
            next_serial: 0,
            max_message,
            linger: linger.duration(),
            accept_paused: None,
            woken: Vec::new(),
        };
        let mut bound = Vec::with_capacity(binds.len());
        for endpoint in binds {
            let listener = listen(endpoint)?;
            let token = LISTENER | router.listeners.len() as u64;
            let fd = listener.fd.as_raw_fd();
            router
                .epoll
                .control(libc::EPOLL_CTL_ADD, fd, libc::EPOLLIN as u32, token)?;
            bound.push(listener.endpoint.clone());
            router.listeners.push(listener);
        }
        Ok((router, bound))
    }

    /// Receives one whole message (its sender's routing id first), waiting at most `wait`
    /// for one; `None` when nothing came in time or a signal ended the wait.
    pub fn recv(&mut self, wait: Duration) -> Result<Option<Vec<Frame>>, TransportError> {
        if let Some(message) = self.try_recv()? {
            return Ok(Some(message));
        }
        let now = Instant::now();
        self.expire_handshakes(now);
        let wait = match self.accept_paused {
            Some(until) if until <= now => {
                self.resume_accepting()?;
                wait
            }
            Some(until) => wait.min(until - now),
            None => wait,
        };
        let wait = match self.handshakes.front() {
            Some(&(deadline, _, _)) => wait.min(deadline.saturating_duration_since(now)),
            None => wait,
        };
        // Kept from one wait to the next: acting on an event needs `self` whole.
        let mut woken = std::mem::take(&mut self.woken);
        woken.clear();
        woken.extend(
            (self.epoll.wait(self.conns.len() + 1, wait)?.iter()).map(|e| (e.u64, e.events)),
        );
        for &(token, events) in &woken {
            match token & LISTENER {
                0 => self.serve(token as usize, events)?,
                _ => self.accept((token & !LISTENER) as usize)?,
            }
        }
        self.woken = woken;
        self.try_recv()
    }

    /// The next whole message already read, without waiting; when there is none, what was
    /// sent meanwhile is written.
    pub fn try_recv(&mut self) -> Result<Option<Vec<Frame>>, TransportError> {
        while let Some(i) = self.readable.pop_front() {
            let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else {
                continue;
            };
            conn.queued = false;
            match conn.link.take() {
                Ok(Some(message)) => {
                    let id = conn.id.as_deref().unwrap_or_default();
                    let mut frames = Vec::with_capacity(message.len() + 1);
                    frames.push(Frame::copy(id));
                    frames.extend(message.iter().map(Frame::copy));
                    if log::log_enabled!(target: FRAMES, log::Level::Trace) {
                        dump("<-", &frames);
                    }
                    // Its next message after every other peer's: a fair queue.
                    self.queue(i);
                    return Ok(Some(frames));
                }
                Ok(None) => {}
                Err(error) => self.failed(i, &error),
            }
        }
        self.write_dirty()?;
        Ok(None)
    }

    /// Puts connection `i` in the turn of those that may hold whole messages, once.
    fn queue(&mut self, i: usize) {
        if let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut)
            && !conn.queued
        {
            conn.queued = true;
            self.readable.push_back(i);
        }
    }

    /// Queues a message for the peer `to`; it is written when a receive finds nothing more.
    /// A peer that is gone, or has [`OUTPUT_LIMIT`] bytes unread, loses it, as a ROUTER's
    /// peers do.
    pub fn send_routed(&mut self, to: Frame, frames: Vec<Frame>) {
        if log::log_enabled!(target: FRAMES, log::Level::Trace) {
            let all: Vec<&[u8]> = std::iter::once(&to[..])
                .chain(frames.iter().map(|f| &f[..]))
                .collect();
            dump("->", &all);
        }
        let Some(&i) = self.by_id.get(&to[..]) else {
            return;
        };
        let Some(conn) = self.conns[i].as_mut() else {
            return;
        };
        if conn.link.outgoing().len() > OUTPUT_LIMIT {
            log::debug!(
                "dropped a message to a peer {} that does not read",
                conn.from
            );
            return;
        }
        let was_idle = conn.link.outgoing().is_empty();
        conn.link.send(frames.iter().map(|f| &f[..]));
        if was_idle {
            self.dirty.push(i);
        }
    }

    /// Writes what was queued since the last turn.
    fn write_dirty(&mut self) -> Result<(), TransportError> {
        let dirty = std::mem::take(&mut self.dirty);
        for &i in &dirty {
            self.write(i)?;
        }
        self.dirty = dirty;
        self.dirty.clear();
        Ok(())
    }

    /// Writes what connection `i` may; waits for room when the kernel takes no more.
    fn write(&mut self, i: usize) -> Result<(), TransportError> {
        let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else {
            return Ok(());
        };
        match write_out(conn.fd.as_raw_fd(), &mut conn.link) {
            Ok(()) => self.update_interest(i),
            Err(error) => {
                self.close(i, &format!("writing: {error}"));
                Ok(())
            }
        }
    }

    /// Registers connection `i` for what it now waits for: reads, and room to write while
    /// something is queued.
    fn update_interest(&mut self, i: usize) -> Result<(), TransportError> {
        let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else {
            return Ok(());
        };
        let out = match conn.link.outgoing().is_empty() {
            true => 0,
            false => libc::EPOLLOUT as u32,
        };
        let events = libc::EPOLLIN as u32 | out;
        if events != conn.events {
            let fd = conn.fd.as_raw_fd();
            self.epoll
                .control(libc::EPOLL_CTL_MOD, fd, events, i as u64)?;
            conn.events = events;
        }
        Ok(())
    }

    /// Acts on what a wait found on connection `i`.
    fn serve(&mut self, i: usize, events: u32) -> Result<(), TransportError> {
        let has = |bit: i32| events & bit as u32 != 0;
        if has(libc::EPOLLIN | libc::EPOLLERR | libc::EPOLLHUP) {
            self.read(i)?;
        }
        if has(libc::EPOLLOUT) {
            self.write(i)?;
        }
        Ok(())
    }

    /// One read on connection `i`; a handshake it completes gives the peer its routing id.
    fn read(&mut self, i: usize) -> Result<(), TransportError> {
        let Some(conn) = self.conns.get_mut(i).and_then(Option::as_mut) else {
            return Ok(());
        };
        match read_in(conn.fd.as_raw_fd(), &mut conn.link) {
            Ok(false) => Ok(()),
            Ok(true) if conn.link.is_open() => {
                self.queue(i);
                Ok(())
            }
            Ok(true) => match conn.link.handshake() {
                Ok(true) => self.opened(i),
                Ok(false) => Ok(()),
                Err(error) => {
                    self.failed(i, &error);
                    Ok(())
                }
            },
            Err(error) => {
                self.close(i, &format!("reading: {error}"));
                Ok(())
            }
        }
    }

    /// Connection `i` finished its handshake: it gets its routing id, and what it sent with
    /// its READY is looked at.
    fn opened(&mut self, i: usize) -> Result<(), TransportError> {
        let Some(conn) = self.conns[i].as_mut() else {
            return Ok(());
        };
        // An identity starting with a zero byte is of the kind this router makes itself
        // (libzmq reserves them, and does not enforce it): claimed, it could take the name
        // of a peer gone, and the replies still on their way to it. Its claimant gets a
        // name of its own instead.
        let asked = match conn.link.peer_identity() {
            [0, ..] => Vec::new(),
            asked => asked.to_vec(),
        };
        let id = match asked.is_empty() {
            false if self.by_id.contains_key(&asked) => {
                let from = conn.from.clone();
                self.close(i, "");
                log::info!("refused a connection {from}: its identity is in use by another");
                return Ok(());
            }
            false => asked,
            true => loop {
                let id = [&[0u8][..], &self.next_id.to_be_bytes()].concat();
                self.next_id = self.next_id.wrapping_add(1);
                if !self.by_id.contains_key(&id) {
                    break id;
                }
            },
        };
        self.by_id.insert(id.clone(), i);
        conn.id = Some(id);
        self.queue(i);
        // What waited for the handshake (nothing, for a server) goes out.
        self.write(i)
    }

    /// Accepts every connection waiting on listener `l`.
    fn accept(&mut self, l: usize) -> Result<(), TransportError> {
        loop {
            let listener = &self.listeners[l];
            // SAFETY: null address arguments are allowed; the descriptor returned is checked,
            // then owned.
            let fd = unsafe {
                libc::accept4(
                    listener.fd.as_raw_fd(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                )
            };
            if fd < 0 {
                let error = std::io::Error::last_os_error();
                return match error.raw_os_error() {
                    Some(libc::EAGAIN) => Ok(()),
                    Some(libc::EINTR | libc::ECONNABORTED | libc::EPROTO) => continue,
                    Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
                        log::warn!(
                            "cannot accept connections on {}: {error}; trying again in {} ms",
                            listener.endpoint,
                            ACCEPT_PAUSE.as_millis()
                        );
                        self.pause_accepting()
                    }
                    // Whatever else (a firewall's EPERM, say) costs that connection only.
                    _ => {
                        log::warn!(
                            "cannot accept a connection on {}: {error}",
                            listener.endpoint
                        );
                        Ok(())
                    }
                };
            }
            // SAFETY: a new descriptor that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let from = match peer_address(fd.as_raw_fd()) {
                Some(ip) => format!("from {ip} on {}", listener.endpoint),
                None => format!("on {}", listener.endpoint),
            };
            if listener.path.is_none() {
                // As libzmq does: a request is a few small writes, none to be held back.
                let _ =
                    nix::sys::socket::setsockopt(&fd, nix::sys::socket::sockopt::TcpNoDelay, &true);
            }
            self.add(fd, from)?;
        }
    }

    /// Takes a new connection into the table and writes its greeting and READY.
    fn add(&mut self, fd: OwnedFd, from: String) -> Result<(), TransportError> {
        let i = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        let events = libc::EPOLLIN as u32;
        let added = self
            .epoll
            .control(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), events, i as u64);
        if let Err(error) = added {
            // Out of epoll watches or memory: this connection is dropped, the server stays.
            log::warn!("dropped a connection {from}: {error}");
            self.free.push(i);
            return Ok(());
        }
        self.next_serial += 1;
        self.conns[i] = Some(Conn {
            fd,
            link: Link::with_role(Role::Router, self.max_message),
            id: None,
            from,
            events,
            serial: self.next_serial,
            queued: false,
        });
        self.handshakes
            .push_back((Instant::now() + HANDSHAKE, i, self.next_serial));
        self.write(i)
    }

    /// Closes the connections whose handshake is overdue by `now`.
    fn expire_handshakes(&mut self, now: Instant) {
        while let Some(&(deadline, i, serial)) = self.handshakes.front() {
            if deadline > now {
                break;
            }
            self.handshakes.pop_front();
            let overdue =
                (self.conns[i].as_ref()).is_some_and(|c| c.serial == serial && !c.link.is_open());
            if overdue {
                let from = self.conns[i].as_ref().map(|c| c.from.clone());
                self.close(i, "");
                log::warn!(
                    "refused a connection {}: its handshake failed: not finished within {} s",
                    from.unwrap_or_default(),
                    HANDSHAKE.as_secs()
                );
            }
        }
    }

    /// A peer broke the protocol (or its message was too large): its connection is closed,
    /// and the log says why, as the socket monitor says it for libzmq.
    fn failed(&mut self, i: usize, error: &ZmtpError) {
        let from = self.conns[i]
            .as_ref()
            .map(|c| c.from.clone())
            .unwrap_or_default();
        self.close(i, "");
        match error {
            ZmtpError::TooLarge(_) => {
                log::warn!("dropped a connection {from}: a message over --max-msg-size")
            }
            error => log::warn!("refused a connection {from}: its handshake failed: {error}"),
        }
    }

    /// Closes connection `i` (the descriptor leaves the epoll set with it).
    fn close(&mut self, i: usize, why: &str) {
        let Some(conn) = self.conns.get_mut(i).and_then(Option::take) else {
            return;
        };
        if !why.is_empty() {
            log::debug!("closed a connection {}: {why}", conn.from);
        }
        if let Some(id) = &conn.id {
            self.by_id.remove(id);
        }
        self.free.push(i);
    }

    fn pause_accepting(&mut self) -> Result<(), TransportError> {
        for listener in &self.listeners {
            let fd = listener.fd.as_raw_fd();
            self.epoll.control(libc::EPOLL_CTL_DEL, fd, 0, 0)?;
        }
        self.accept_paused = Some(Instant::now() + ACCEPT_PAUSE);
        Ok(())
    }

    fn resume_accepting(&mut self) -> Result<(), TransportError> {
        for (l, listener) in self.listeners.iter().enumerate() {
            let (fd, token) = (listener.fd.as_raw_fd(), LISTENER | l as u64);
            self.epoll
                .control(libc::EPOLL_CTL_ADD, fd, libc::EPOLLIN as u32, token)?;
        }
        self.accept_paused = None;
        Ok(())
    }
}

impl Drop for DirectRouter {
    /// Writes what is queued to every peer, waiting for room up to the linger, then removes
    /// the ipc:// socket files.
    fn drop(&mut self) {
        let mut links: Vec<_> = (self.conns.iter_mut().flatten())
            .map(|conn| (conn.fd.as_raw_fd(), &mut conn.link))
            .collect();
        linger_out(&mut links, self.linger);
        for listener in &self.listeners {
            if let Some(path) = &listener.path {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// The address of a tcp:// endpoint: `*` (every IPv4 address) or an IP address, then a port
/// or `*` (any free one).
fn tcp_address(address: &str) -> Option<SocketAddr> {
    let (host, port) = address.rsplit_once(':')?;
    let port = match port {
        "*" => 0,
        port => port.parse().ok()?,
    };
    let ip: IpAddr = match host {
        "*" => IpAddr::from([0, 0, 0, 0]),
        host => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?,
    };
    Some(SocketAddr::new(ip, port))
}

/// Binds `endpoint`: a non-blocking listener and the endpoint as bound.
fn listen(endpoint: &str) -> Result<Listener, TransportError> {
    let failed = |source: std::io::Error| {
        let hint = match source.kind() {
            std::io::ErrorKind::AddrInUse => {
                " (another process is bound to it: a zmqtool already running?)"
            }
            _ => "",
        };
        TransportError::DirectBind {
            endpoint: endpoint.to_string(),
            hint,
            source,
        }
    };
    let (fd, bound, path): (OwnedFd, String, Option<PathBuf>) = match endpoint.split_once("://") {
        Some(("tcp", address)) => {
            let addr = tcp_address(address).ok_or_else(|| {
                failed(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "endpoints look like tcp://127.0.0.1:5555",
                ))
            })?;
            let listener = TcpListener::bind(addr).map_err(failed)?;
            listener.set_nonblocking(true).map_err(failed)?;
            let local = listener.local_addr().map_err(failed)?;
            (listener.into(), format!("tcp://{local}"), None)
        }
        Some(("ipc", path)) => {
            // As libzmq does: a socket file left by an earlier server is replaced.
            let _ = std::fs::remove_file(path);
            let listener = UnixListener::bind(path).map_err(failed)?;
            listener.set_nonblocking(true).map_err(failed)?;
            (
                listener.into(),
                endpoint.to_string(),
                Some(PathBuf::from(path)),
            )
        }
        _ => {
            return Err(failed(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a direct server binds tcp://ADDRESS:PORT or ipc://PATH",
            )));
        }
    };
    Ok(Listener {
        fd,
        endpoint: bound,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> (DirectRouter, String) {
        let (router, bound) =
            DirectRouter::bind(&["tcp://127.0.0.1:*".to_string()], 1 << 16, Linger::Discard)
                .unwrap();
        (router, bound[0].clone())
    }

    fn dealer(ctx: &zmq::Context, endpoint: &str, identity: &[u8]) -> zmq::Socket {
        let socket = ctx.socket(zmq::DEALER).unwrap();
        socket.set_linger(0).unwrap();
        if !identity.is_empty() {
            socket.set_identity(identity).unwrap();
        }
        socket.connect(endpoint).unwrap();
        socket
    }

    /// Receives on `router` until a message comes; a minute without one fails.
    fn next(router: &mut DirectRouter) -> Vec<Vec<u8>> {
        for _ in 0..600 {
            if let Some(frames) = router.recv(Duration::from_millis(100)).unwrap() {
                return frames.iter().map(|f| f.to_vec()).collect();
            }
        }
        panic!("no message in a minute");
    }

    /// Receives on a libzmq socket, turning the router meanwhile (it writes on its turns).
    fn reply(router: &mut DirectRouter, socket: &zmq::Socket) -> Vec<Vec<u8>> {
        for _ in 0..6000 {
            assert!(router.recv(Duration::from_millis(10)).unwrap().is_none());
            if let Ok(frames) = socket.recv_multipart(zmq::DONTWAIT) {
                return frames;
            }
        }
        panic!("no reply in a minute");
    }

    #[test]
    fn libzmq_peers_are_named_routed_to_and_taken_in_turn() {
        let ctx = zmq::Context::new();
        let (mut router, endpoint) = router();
        let named = dealer(&ctx, &endpoint, b"w1");
        let anonymous = dealer(&ctx, &endpoint, b"");
        let req = ctx.socket(zmq::REQ).unwrap();
        req.set_linger(0).unwrap();
        req.connect(&endpoint).unwrap();

        named.send_multipart([&b""[..], b"from w1"], 0).unwrap();
        let got = next(&mut router);
        assert_eq!(got, [&b"w1"[..], b"", b"from w1"]);
        anonymous
            .send_multipart([&b""[..], &[5u8; 300]], 0)
            .unwrap();
        let got = next(&mut router);
        assert_eq!(
            (got[0].len(), got[0][0]),
            (5, 0),
            "a libzmq-style id: {:?}",
            got[0]
        );
        assert_eq!(&got[1..], [&b""[..], &[5u8; 300]]);
        let anonymous_id = got[0].clone();
        req.send("from req", 0).unwrap();
        let got = next(&mut router);
        let req_id = got[0].clone();
        assert_eq!(&got[1..], [&b""[..], b"from req"]);

        router.send_routed(
            Frame::copy(b"w1"),
            vec![Frame::copy(b""), Frame::copy(b"to w1")],
        );
        assert_eq!(reply(&mut router, &named), [&b""[..], b"to w1"]);
        router.send_routed(
            Frame::copy(&anonymous_id),
            vec![Frame::copy(b""), Frame::copy(b"a")],
        );
        assert_eq!(reply(&mut router, &anonymous), [&b""[..], b"a"]);
        router.send_routed(
            Frame::copy(&req_id),
            vec![Frame::copy(b""), Frame::copy(b"r")],
        );
        assert_eq!(reply(&mut router, &req), [&b"r"[..]]);
        // Nobody by that name: dropped, as a ROUTER drops it.
        router.send_routed(Frame::copy(b"nobody"), vec![Frame::copy(b"x")]);
        assert!(router.try_recv().unwrap().is_none());

        // Two peers sending at once both get through, each message once. (Which comes first
        // depends on when each arrives, so the order is not asserted.)
        for _ in 0..3 {
            named.send_multipart([&b""[..], b"n"], 0).unwrap();
            anonymous.send_multipart([&b""[..], b"a"], 0).unwrap();
        }
        let mut got: Vec<Vec<u8>> = (0..6).map(|_| next(&mut router)[2].clone()).collect();
        got.sort();
        assert_eq!(got, [b"a", b"a", b"a", b"n", b"n", b"n"]);
    }

    #[test]
    fn a_claimed_identity_of_the_generated_kind_is_not_taken() {
        let ctx = zmq::Context::new();
        let (mut router, endpoint) = router();
        let squatter = dealer(&ctx, &endpoint, b"\x00\x01\x02\x03\x04");
        squatter.send_multipart([&b"hi"[..]], 0).unwrap();
        let got = next(&mut router);
        assert_eq!((got[0].len(), got[0][0]), (5, 0), "{:?}", got[0]);
        assert_ne!(got[0], b"\x00\x01\x02\x03\x04");
    }

    #[test]
    fn an_identity_in_use_is_refused_and_a_message_over_the_limit_drops_its_peer() {
        let ctx = zmq::Context::new();
        let (mut router, endpoint) = router();
        let first = dealer(&ctx, &endpoint, b"same");
        first.send_multipart([&b"1"[..]], 0).unwrap();
        assert_eq!(next(&mut router), [&b"same"[..], b"1"]);
        let second = dealer(&ctx, &endpoint, b"same");
        second.send_multipart([&b"2"[..]], 0).unwrap();
        first.send_multipart([&b"3"[..]], 0).unwrap();
        // The second never gets through; the first still does.
        assert_eq!(next(&mut router), [&b"same"[..], b"3"]);

        let big = dealer(&ctx, &endpoint, b"big");
        big.send_multipart([&vec![0u8; 1 << 17][..]], 0).unwrap();
        big.send_multipart([&b"after"[..]], 0).unwrap();
        first.send_multipart([&b"4"[..]], 0).unwrap();
        // The big one's connection is dropped before its message is taken; whatever its
        // reconnection brings, no message over the limit comes out.
        let got = next(&mut router);
        assert!(
            got.iter().map(Vec::len).sum::<usize>() < 1 << 16,
            "{}",
            got.len()
        );
    }

    #[test]
    fn an_ipc_socket_file_is_replaced_at_bind_and_removed_at_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broker");
        std::fs::write(&path, b"left by an earlier server").unwrap();
        let endpoint = format!("ipc://{}", path.display());
        let (mut router, bound) =
            DirectRouter::bind(std::slice::from_ref(&endpoint), 1 << 16, Linger::Discard).unwrap();
        assert_eq!(bound, std::slice::from_ref(&endpoint));
        let ctx = zmq::Context::new();
        let peer = dealer(&ctx, &endpoint, b"");
        peer.send_multipart([&b"over ipc"[..]], 0).unwrap();
        assert_eq!(next(&mut router)[1], b"over ipc");
        drop(router);
        assert!(!path.exists());
    }

    #[test]
    fn endpoints_it_binds() {
        assert!(DirectRouter::serves("tcp://*:5555"));
        assert!(DirectRouter::serves("tcp://127.0.0.1:*"));
        assert!(DirectRouter::serves("tcp://[::1]:5555"));
        assert!(DirectRouter::serves("ipc:///tmp/x"));
        assert!(!DirectRouter::serves("tcp://eth0:5555"));
        assert!(!DirectRouter::serves("tcp://localhost:5555"));
        assert!(!DirectRouter::serves("inproc://x"));
        assert!(!DirectRouter::serves("ipc://@abstract"));
        let (_held, taken) = router();
        let error = DirectRouter::bind(std::slice::from_ref(&taken), 1, Linger::Discard)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with(&format!("cannot bind {taken}: ")) && error.contains("in use"),
            "{error}"
        );
    }
}
