//! The broker's ROUTER socket loop: receives whole messages, hands them to [`Broker`] with
//! the time, sends what comes back at once, logs the events, and ticks the core at its
//! deadline. It waits in a timed receive rather than a poll (see
//! [`transport::Socket::recv`]): under load it makes no system call of its own between
//! messages. On shutdown it sends DISCONNECT to every worker and lingers briefly so they
//! leave the socket. The ROUTER is libzmq's, or the direct engine's ([`DirectRouter`], by
//! `--engine`), which writes what was sent when a receive finds nothing more.

use std::time::Instant;

use anyhow::{Context as _, Result};

use super::core::{Broker, Config, Event, Identity, Level, Output};
use crate::mdp::Frame;
use crate::runtime::Shutdown;
use crate::transport::{self, Context, DirectRouter, Engine, Kind, Linger, Socket, Tuning};

/// The broker's frontend ROUTER.
enum Frontend {
    Zmq(Socket),
    Direct(DirectRouter),
}

/// A bound broker socket with its state machine.
pub struct Server {
    socket: Frontend,
    broker: Broker,
    out: Output,
    endpoints: Vec<String>,
    /// Where the statistics are published for `--metrics-bind`.
    metrics: Option<super::metrics::Publisher>,
}

impl Server {
    /// Binds every endpoint with `engine`; fails on the first that cannot be bound.
    /// Connections are checked against `policy` (its ZAP handler must be running:
    /// [`transport::zap::start`]); the direct engine serves only a policy that checks nothing
    /// ([`crate::auth::Policy::is_active`] false).
    pub fn bind(
        ctx: &Context,
        binds: &[String],
        cfg: Config,
        policy: &crate::auth::Policy,
        engine: Engine,
    ) -> Result<Server> {
        let tuning = frontend_tuning(&cfg);
        let (socket, endpoints) = match engine {
            Engine::Libzmq => {
                let (socket, endpoints) = ctx.bind(
                    Kind::Router,
                    Linger::Flush,
                    transport::zap::server_security(policy),
                    tuning,
                    binds,
                )?;
                record_owners(&socket, policy);
                (Frontend::Zmq(socket), endpoints)
            }
            Engine::Direct => {
                let max = tuning.max_message.map_or(usize::MAX, |m| m as usize);
                let (router, endpoints) = DirectRouter::bind(binds, max, Linger::Flush)?;
                (Frontend::Direct(router), endpoints)
            }
        };
        let mut broker = Broker::new(cfg, Instant::now());
        broker.count_refused_connections(ctx.refused_connections());
        Ok(Server {
            socket,
            broker,
            out: Output::default(),
            endpoints,
            metrics: None,
        })
    }

    /// Serves Prometheus metrics on `bind` (HOST:PORT), and logs where.
    pub fn serve_metrics(&mut self, bind: &str) -> Result<()> {
        self.metrics = Some(super::metrics::Publisher::start(bind)?);
        Ok(())
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

    /// Waits for one message or the next deadline, handles it and whatever else is queued
    /// behind it (up to [`transport::BATCH`] messages), and ticks the core when due.
    pub fn poll_once(&mut self) -> Result<()> {
        let now = Instant::now();
        if now >= self.broker.next_deadline() {
            self.broker.tick(now, &mut self.out);
            self.flush()?;
        }
        if let Some(metrics) = &mut self.metrics {
            metrics.tick(now, || self.broker.stats(now).into());
        }
        let wait = transport::wait_until(now, self.broker.next_deadline());
        let Some(frames) = self.recv(wait)? else {
            return Ok(());
        };
        // One reading of the clock for the messages taken together: they came in within
        // microseconds of each other, and the clock is a measurable part of a message's cost.
        let now = Instant::now();
        self.handle(now, frames)?;
        for _ in 1..transport::BATCH {
            let Some(frames) = self.try_recv()? else {
                break;
            };
            self.handle(now, frames)?;
        }
        Ok(())
    }

    /// A message, waiting at most `wait` for one.
    fn recv(&mut self, wait: std::time::Duration) -> Result<Option<Vec<Frame>>> {
        match &mut self.socket {
            Frontend::Zmq(socket) => socket.recv(wait),
            Frontend::Direct(router) => router.recv(wait),
        }
        .context("receive failed on the broker socket")
    }

    /// A message already here, if any.
    fn try_recv(&mut self) -> Result<Option<Vec<Frame>>> {
        match &mut self.socket {
            Frontend::Zmq(socket) => socket.try_recv(),
            Frontend::Direct(router) => router.try_recv(),
        }
        .context("receive failed on the broker socket")
    }

    /// Hands one message to the core and sends what it produced at once: a worker's next
    /// request must not wait behind other input, since a worker takes one request at a time.
    fn handle(&mut self, now: Instant, frames: Vec<Frame>) -> Result<()> {
        match &self.socket {
            Frontend::Zmq(socket) => {
                let user = socket.user_id();
                handle_routed_from(&mut self.broker, now, &user, frames, &mut self.out);
            }
            // A direct frontend proves nobody (the NULL mechanism).
            Frontend::Direct(_) => {
                handle_routed_from(&mut self.broker, now, &[], frames, &mut self.out)
            }
        }
        self.flush()
    }

    /// Sends what the core produced and logs its events.
    fn flush(&mut self) -> Result<()> {
        match &mut self.socket {
            Frontend::Zmq(socket) => deliver(socket, &mut self.out),
            Frontend::Direct(router) => deliver_to(&mut self.out, |to, frames| {
                router.send_routed(to, frames);
                Ok(())
            }),
        }
        .context("send failed on the broker socket")
    }
}

/// Has a broker frontend socket read who sent each message, when `policy` makes connections
/// prove it: stamped requests are keyed by who sent them ([`Broker::handle_from`]).
pub fn record_owners(socket: &Socket, policy: &crate::auth::Policy) {
    if policy.proves_identity() {
        socket.record_user_ids();
    }
}

/// What a broker frontend socket is tuned with: a message that the core would refuse for its
/// size is refused by libzmq before it is buffered, so one peer can make the broker hold at
/// most --max-msg-size bytes plus 64 per frame of --max-frames, whatever it sends. (Anything
/// libzmq refuses, the core would: --max-frames frames of --max-msg-size bytes in all cost
/// less than this.)
pub fn frontend_tuning(cfg: &Config) -> Tuning {
    let overhead = (cfg.max_frames as u64).saturating_mul(transport::FRAME_OVERHEAD);
    Tuning {
        max_message: Some((cfg.max_msg_size as u64).saturating_add(overhead)),
        ..Tuning::default()
    }
}

/// Hands one message from a ROUTER (routing id first) to the broker core, from a sender that
/// proved to be `user` (its ZAP user id; empty: nobody in particular). Shared by every driver
/// of the broker core: this server and the Binary Star frontend.
pub fn handle_routed_from(
    broker: &mut Broker,
    now: Instant,
    user: &[u8],
    frames: Vec<Frame>,
    out: &mut Output,
) {
    let mut frames = frames.into_iter();
    if let Some(identity) = frames.next() {
        broker.handle_from(now, Identity(identity), user, frames.collect(), out);
    }
}

/// Logs the events of `out` and sends its messages on `socket` (a ROUTER), emptying both.
/// Shared by every driver of the broker core: this server and the Binary Star frontend.
pub fn deliver(socket: &Socket, out: &mut Output) -> Result<(), transport::TransportError> {
    deliver_to(out, |to, frames| socket.send_routed(to, frames).map(drop))
}

/// Logs the events of `out` and hands its messages to `send` (routing id, frames), emptying
/// both.
fn deliver_to(
    out: &mut Output,
    mut send: impl FnMut(Frame, Vec<Frame>) -> Result<(), transport::TransportError>,
) -> Result<(), transport::TransportError> {
    for event in out.events.drain(..) {
        log_event(&event);
    }
    for outgoing in out.sends.drain(..) {
        match outgoing.into_routed() {
            // A peer that is gone or not reading loses the message, as ROUTER does.
            Ok((to, frames)) => send(to.0, frames)?,
            Err(e) => log::warn!("internal error, message not sent: {e}"),
        }
    }
    Ok(())
}

fn log_event(event: &Event) {
    match event.level() {
        Level::Warn => log::warn!("{event}"),
        Level::Info => log::info!("{event}"),
    }
}
