//! The guard: one thread per context that watches its server sockets. It answers the ZAP
//! handler's requests (libzmq asks about every new connection, see [`zap`]) and reads
//! the socket monitor of every server socket, so it knows each connection's source address
//! (for `--max-connections-per-ip`) and logs what only the monitor sees: a handshake that
//! fails before ZAP is asked (a wrong CURVE key, another mechanism, no credentials) and a
//! connection dropped for a message over the size limit.
//!
//! ZAP and the monitors share one thread so the count a ZAP answer relies on is exact: libzmq
//! reports a connection's acceptance to the monitor before the connection's handshake starts,
//! so draining the monitors before each answer counts every connection open at that moment,
//! the one asked about included.

use std::net::IpAddr;
use std::sync::mpsc;
use std::time::Duration;

use super::poll::Poller;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use super::error::TransportError;
use super::frame::Frame;
use super::socket::{Kind, Linger, Socket, unique_inproc};
use crate::auth::Connections;
use zmqtool_proto::zap::{self, Policies};

/// What the guard is given to watch.
pub(super) enum Watch {
    /// The ZAP handler's socket, with the policies of the two ZAP domains.
    Zap(Socket, Box<Policies>),
    /// The monitor events of one server socket.
    Monitor(Socket),
    /// The context is ending: close every socket and return.
    Stop,
}

/// A running guard, owned by its context: dropping it stops the guard and waits until its
/// sockets are closed, so the context's end can flush what other sockets have queued (a
/// socket left open would keep libzmq's context alive, and a process would exit without
/// sending the DISCONNECTs a server queued last).
pub(super) struct Handle {
    sender: mpsc::Sender<Watch>,
    /// Wakes the guard out of its poll (an empty message to its PULL socket).
    waker: Socket,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// Starts a guard on the libzmq context `ctx`, counting refused connections in `refused`.
    pub(super) fn start(
        ctx: &zmq::Context,
        refused: Arc<AtomicU64>,
    ) -> Result<Handle, TransportError> {
        let endpoint = unique_inproc("guard");
        let wake = Socket::new(ctx, Kind::Pull, Linger::Discard)?;
        wake.bind(&endpoint)?;
        let waker = Socket::new(ctx, Kind::Push, Linger::Discard)?;
        waker.connect(&endpoint)?;
        let (sender, receiver) = mpsc::channel();
        let guard = Guard {
            refused,
            ..Guard::default()
        };
        let thread = std::thread::spawn(move || guard.run(wake, receiver));
        Ok(Handle {
            sender,
            waker,
            thread: Some(thread),
        })
    }

    pub(super) fn give(&self, watch: Watch) -> Result<(), TransportError> {
        self.sender
            .send(watch)
            .map_err(|_| TransportError::GuardGone)?;
        // A wake-up lost to a full queue is harmless: the queued ones wake the guard.
        let _ = self.waker.zmq().send(&[][..], zmq::DONTWAIT);
        Ok(())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if self.give(Watch::Stop).is_ok()
            && let Some(thread) = self.thread.take()
        {
            let _ = thread.join();
        }
    }
}

/// The events watched: acceptance and closing (the per-address count), and failures.
pub(super) fn events() -> i32 {
    zmq::SocketEvent::ACCEPTED as i32
        | zmq::SocketEvent::DISCONNECTED as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL as i32
        | zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL as i32
}

/// One monitored socket: its events and what the last failure said, until the
/// disconnection that follows it names the connection.
struct Monitored {
    events: Socket,
    failure: Option<Failure>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// A message over `ZMQ_MAXMSGSIZE` (this project's libzmq says so; see patches/README.md).
    TooBig,
    Handshake(&'static str),
}

#[derive(Default)]
struct Guard {
    zap: Option<(Socket, Policies)>,
    monitors: Vec<Monitored>,
    connections: Connections,
    /// Counts refusals and failed handshakes (the context's, read by the statistics).
    refused: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Guard {
    /// Serves until told to stop or the context ends. Every socket waited on is received
    /// from until it has nothing, by `take` (the wake-ups) and `serve` (the rest), as the
    /// [`Poller`] requires.
    fn run(mut self, wake: Socket, receiver: mpsc::Receiver<Watch>) {
        let mut poller = Poller::default();
        loop {
            if !self.take(&wake, &receiver) {
                return;
            }
            let sockets = std::iter::once(&wake)
                .chain(self.monitors.iter().map(|m| &m.events))
                .chain(self.zap.iter().map(|(zap, _)| zap));
            if poller.poll(sockets, Duration::from_secs(3600)).is_err() {
                return;
            }
            let watched = 1 + self.monitors.len() + usize::from(self.zap.is_some());
            if (1..watched).any(|i| poller.readable(i)) && self.serve().is_err() {
                // The context is ending.
                return;
            }
        }
    }

    /// Takes the sockets given since last time; `false` when told to stop, or the context is
    /// ending.
    fn take(&mut self, wake: &Socket, receiver: &mpsc::Receiver<Watch>) -> bool {
        if wake.discard_waiting().is_err() {
            return false;
        }
        while let Ok(watch) = receiver.try_recv() {
            match watch {
                Watch::Zap(socket, policies) => self.zap = Some((socket, *policies)),
                Watch::Monitor(events) => self.monitors.push(Monitored {
                    events,
                    failure: None,
                }),
                Watch::Stop => return false,
            }
        }
        true
    }

    /// Reads every monitor event waiting, then answers every ZAP request waiting.
    fn serve(&mut self) -> Result<(), TransportError> {
        self.drain_monitors()?;
        loop {
            let Some((zap, _)) = &self.zap else {
                return Ok(());
            };
            let Some(request) = zap.try_recv()? else {
                return Ok(());
            };
            // Events of connections accepted since the drain above.
            self.drain_monitors()?;
            let (zap, policies) = self.zap.as_ref().expect("checked above");
            let reply = zap::answer(policies, &self.connections, &request);
            if reply.get(2).is_some_and(|status| status != b"200") {
                self.refused
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            zap.send(reply)?;
        }
    }

    fn drain_monitors(&mut self) -> Result<(), TransportError> {
        for monitored in &mut self.monitors {
            while let Some(frames) = monitored.events.try_recv()? {
                if on_event(monitored, &mut self.connections, &frames) {
                    self.refused
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        Ok(())
    }
}

/// One monitor event: a frame of event number (u16) and value (u32), then the endpoint.
/// True when it ended a connection that failed (its handshake, or the size limit).
fn on_event(monitored: &mut Monitored, connections: &mut Connections, frames: &[Frame]) -> bool {
    let [head, endpoint, ..] = frames else {
        return false;
    };
    let (Some(event), Some(value)) = (
        head.get(..2).map(|b| u16::from_ne_bytes([b[0], b[1]])),
        head.get(2..6)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
    ) else {
        return false;
    };
    let event = i32::from(event);
    let fd = value as i32;
    if event == zmq::SocketEvent::ACCEPTED as i32 {
        connections.opened(fd, peer_address(fd));
    } else if event == zmq::SocketEvent::DISCONNECTED as i32 {
        let from = connections.closed(fd);
        if let Some(failure) = monitored.failure.take() {
            log_failure(failure, from, &String::from_utf8_lossy(endpoint));
            return true;
        }
    } else if event == zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL as i32 {
        monitored.failure = Some(if value as i32 == zmq::Error::EMSGSIZE.to_raw() {
            Failure::TooBig
        } else {
            Failure::Handshake("no detail (a wrong server key, or another security mechanism)")
        });
    } else if event == zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL as i32 {
        monitored.failure = Some(Failure::Handshake(
            "protocol error (a wrong server key, or another security mechanism)",
        ));
    }
    false
}

fn log_failure(failure: Failure, from: Option<IpAddr>, endpoint: &str) {
    let from = match from {
        Some(ip) => format!("from {ip} on {endpoint}"),
        None => format!("on {endpoint}"),
    };
    match failure {
        Failure::TooBig => {
            log::warn!("dropped a connection {from}: a message over --max-msg-size")
        }
        Failure::Handshake(why) => {
            log::warn!("refused a connection {from}: its handshake failed: {why}")
        }
    }
}

/// The address a descriptor libzmq accepted is connected to (none for ipc://, or when it
/// has closed already).
pub(super) fn peer_address(fd: i32) -> Option<IpAddr> {
    use nix::sys::socket::{SockaddrStorage, getpeername};
    let addr: SockaddrStorage = getpeername(fd).ok()?;
    if let Some(v4) = addr.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    let v6 = addr.as_sockaddr_in6()?.ip();
    // A dual-stack socket reports IPv4 peers in their mapped form; ZAP gives them as IPv4.
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    })
}
