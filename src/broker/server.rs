//! The broker's ROUTER socket loop: the only part of the broker that touches zmq.
//!
//! It receives whole messages, hands them to [`Broker`] with the time, sends what comes back
//! at once, logs the events, and ticks the core at its deadline. It waits in a timed `recv`
//! rather than `zmq_poll` (see [`runtime::recv_within`]): under load it makes no system call
//! of its own between messages. On shutdown it sends DISCONNECT to
//! every worker and lingers briefly so they leave the socket.

use std::time::Instant;

use anyhow::{Context as _, Result};

use super::core::{Broker, Config, Event, Identity, Level, Output};
use crate::output::{self, Verbosity};
use crate::runtime::{self, Shutdown};

/// A bound broker socket with its state machine.
pub struct Server {
    socket: zmq::Socket,
    broker: Broker,
    out: Output,
    endpoints: Vec<String>,
    /// The receive timeout currently set on the socket.
    rcvtimeo: i32,
}

impl Server {
    /// Binds every endpoint; fails on the first that cannot be bound. Connections are
    /// checked against `policy` (its ZAP handler must be running: [`crate::auth::start`]).
    pub fn bind(
        ctx: &zmq::Context,
        binds: &[String],
        cfg: Config,
        policy: &crate::auth::Policy,
    ) -> Result<Server> {
        let socket = ctx
            .socket(zmq::ROUTER)
            .context("cannot create ROUTER socket")?;
        socket.set_linger(runtime::LINGER.as_millis() as i32)?;
        crate::auth::secure_server(&socket, policy)?;
        socket.set_maxmsgsize(cfg.max_msg_size as i64)?;
        let mut endpoints = Vec::with_capacity(binds.len());
        for endpoint in binds {
            socket
                .bind(endpoint)
                .map_err(|e| runtime::bind_error(endpoint, e))?;
            endpoints.push(last_endpoint(&socket).unwrap_or_else(|| endpoint.clone()));
        }
        Ok(Server {
            socket,
            broker: Broker::new(cfg, Instant::now()),
            out: Output::default(),
            endpoints,
            rcvtimeo: -1,
        })
    }

    /// The endpoints actually bound (with any `*` port resolved).
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// Serves until `shutdown` is requested, then disconnects every worker.
    pub fn run(mut self, shutdown: &Shutdown) -> Result<()> {
        while !shutdown.requested() {
            self.poll_once()?;
        }
        self.broker.shutdown(&mut self.out);
        self.flush()?;
        Ok(())
    }

    /// Waits for one message or the next deadline, handles it, and ticks the core when due.
    pub fn poll_once(&mut self) -> Result<()> {
        let now = Instant::now();
        if now >= self.broker.next_deadline() {
            self.broker.tick(now, &mut self.out);
            self.flush()?;
        }
        let timeout = runtime::poll_timeout(Instant::now(), self.broker.next_deadline());
        let received = runtime::recv_within(&self.socket, timeout, &mut self.rcvtimeo)
            .context("receive failed on the broker socket")?;
        let Some(frames) = received else {
            return Ok(());
        };
        output::dump("<-", &frames);
        let mut frames = frames.into_iter();
        let Some(identity) = frames.next() else {
            return Ok(());
        };
        self.broker.handle(
            Instant::now(),
            Identity(identity),
            frames.collect(),
            &mut self.out,
        );
        // Send at once: a worker's next request must not wait behind other input, since a
        // worker takes one request at a time.
        self.flush()
    }

    /// Sends what the core produced and logs its events.
    fn flush(&mut self) -> Result<()> {
        deliver(&self.socket, &mut self.out).context("send failed on the broker socket")
    }
}

/// Logs the events of `out` and sends its messages on `socket` (a ROUTER), emptying both.
/// Shared by every driver of the broker core: this server and the Binary Star frontend.
pub fn deliver(socket: &zmq::Socket, out: &mut Output) -> Result<(), zmq::Error> {
    for event in out.events.drain(..) {
        log_event(&event);
    }
    for outgoing in out.sends.drain(..) {
        let frames = match outgoing.into_frames() {
            Ok(frames) => frames,
            Err(e) => {
                crate::warn!("internal error, message not sent: {e}");
                continue;
            }
        };
        output::dump("->", &frames);
        match socket.send_multipart(frames, zmq::DONTWAIT) {
            // A peer that is gone or not reading loses the message, as ROUTER does.
            Ok(()) | Err(zmq::Error::EAGAIN) | Err(zmq::Error::EHOSTUNREACH) => {}
            Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn log_event(event: &Event) {
    let level = match event.level() {
        Level::Warn => Verbosity::Normal,
        Level::Info => Verbosity::Events,
    };
    output::log(level, format_args!("{event}"));
}

/// The socket's last bound endpoint, as libzmq reports it.
pub fn last_endpoint(socket: &zmq::Socket) -> Option<String> {
    socket.get_last_endpoint().ok()?.ok()
}
