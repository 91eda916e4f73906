//! `zmqtool bstar --primary|--backup`: one server of a Binary Star pair.
//!
//! Sockets as in the reference (`bstar.c`): the frontend ROUTER clients and workers talk to,
//! a PUB bound for our state, and a SUB connected to the peer's PUB. Every heartbeat we
//! publish our state (one frame, the state number in decimal, as the reference does, so one
//! of our servers pairs with a reference server); every state received is an event.
//!
//! Every message on the frontend is a client request to the state machine (workers vote
//! too: a worker failing over to the backup is as good a witness as a client). A rejected
//! one is dropped without a word, so its sender times out and fails over. The Majordomo broker
//! core exists only while this server is active: a passive server sends workers nothing, not
//! even heartbeats, so they move to the active one by themselves.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use super::fsm::{Event, Fatal, Fsm, State, Verdict};
use crate::broker::{self, Broker, Output};
use crate::mdp::Frame;
use crate::runtime::Shutdown;
use crate::transport::{self, Context, Kind, Linger, Security, Socket, Tuning};

/// One server's settings (the `zmqtool bstar` flags).
#[derive(Debug, Clone)]
pub struct Options {
    pub primary: bool,
    pub frontend: String,
    pub state_bind: String,
    pub state_connect: String,
    pub peer_heartbeat: Duration,
    /// Answer each request with itself, as the reference example server does.
    pub echo: bool,
    pub broker: broker::Config,
    /// Shell command run on each state change, with ZMQTOOL_BSTAR_STATE set.
    pub on_change: Option<String>,
    /// Who may connect to the frontend.
    pub policy: crate::auth::Policy,
    /// Where to serve Prometheus metrics (`--metrics-bind`).
    pub metrics_bind: Option<String>,
}

/// How this server connects to its peer's state socket: with CURVE, as the pair's own
/// certificate to a server holding the same one.
fn state_client_security(policy: &crate::auth::Policy) -> Security {
    match &policy.curve {
        Some(curve) => Security::Curve {
            server: curve.public,
            client: transport::CurveKeys {
                public: curve.public,
                secret: curve.secret,
            },
        },
        None => Security::Null,
    }
}

/// Runs one server until `shutdown`; a split brain (dual actives or passives) is an error.
pub fn serve(ctx: &Context, opts: &Options, shutdown: &Shutdown) -> Result<()> {
    if opts.policy.is_active() {
        transport::zap::start(ctx, opts.policy.clone())?;
    }
    let (frontend, _) = ctx.bind(
        Kind::Router,
        Linger::Flush,
        transport::zap::server_security(&opts.policy),
        broker::server::frontend_tuning(&opts.broker),
        std::slice::from_ref(&opts.frontend),
    )?;
    broker::server::record_owners(&frontend, &opts.policy);
    // The state exchange is secured as the frontend is, but for PLAIN: the same addresses and
    // CURVE certificate (both servers of a pair hold the same one, as clients fail over with
    // one server key), so with CURVE each server proves itself to the other with it.
    let (publisher, _) = ctx.bind(
        Kind::Pub,
        Linger::Discard,
        transport::zap::state_security(&opts.policy),
        Tuning::default(),
        std::slice::from_ref(&opts.state_bind),
    )?;
    let subscriber = ctx.connect(
        Kind::Sub,
        Linger::Discard,
        &state_client_security(&opts.policy),
        Tuning::default(),
        &opts.state_connect,
    )?;
    subscriber.subscribe_all()?;
    let role = if opts.primary { "primary" } else { "backup" };
    log::warn!(
        "{role} serving {} on {} (state on {}, peer state from {})",
        if opts.echo {
            "echo"
        } else {
            "the Majordomo broker"
        },
        opts.frontend,
        opts.state_bind,
        opts.state_connect
    );

    let mut server = Server {
        opts: opts.clone(),
        fsm: Fsm::new(opts.primary, opts.peer_heartbeat, Instant::now()),
        broker: None,
        refused: ctx.refused_connections(),
        out: Output::default(),
        frontend,
        held: Held::default(),
    };
    let initial = server.fsm.state();
    server.changed(None, initial, "started");
    let mut metrics = opts
        .metrics_bind
        .as_deref()
        .map(broker::metrics::Publisher::start)
        .transpose()?;
    let mut next_publish = Instant::now();
    let mut poller = transport::Poller::default();
    while !shutdown.requested() {
        let now = Instant::now();
        if now >= next_publish {
            publisher.send(vec![server.fsm.state().to_frame().into()])?;
            next_publish = now + opts.peer_heartbeat;
        }
        if let Some(b) = server.broker.as_mut() {
            b.tick(now, &mut server.out);
        }
        if let Some(m) = &mut metrics {
            // A passive server hosts no broker: its state is all it has to report.
            m.tick(now, || {
                let current = server.fsm.state();
                broker::metrics::Report {
                    stats: server
                        .broker
                        .as_ref()
                        .map(|b| b.stats(now))
                        .unwrap_or_default(),
                    states: State::ALL
                        .iter()
                        .map(|s| (s.name(), *s == current))
                        .collect(),
                }
            });
        }
        server.flush()?;
        let mut deadline = next_publish;
        if let Some(b) = &server.broker {
            deadline = deadline.min(b.next_deadline());
        }
        poller
            .poll(
                [&server.frontend, &subscriber],
                transport::wait_until(now, deadline),
            )
            .context("poll failed")?;
        if poller.readable(1) {
            while let Some(frames) = subscriber.try_recv()? {
                server.on_peer(frames.first().map(|f| f.as_slice()).unwrap_or_default())?;
            }
        }
        if poller.readable(0) {
            server.on_frontend()?;
        }
    }
    if let Some(b) = server.broker.as_mut() {
        b.shutdown(&mut server.out);
    }
    server.flush()
}

struct Server {
    opts: Options,
    fsm: Fsm,
    broker: Option<Broker>,
    /// Counted by the transport; given to each broker core this server hosts.
    refused: std::sync::Arc<std::sync::atomic::AtomicU64>,
    out: Output,
    frontend: Socket,
    /// What came before this server knew whether it is active or passive.
    held: Held,
}

/// Messages that reach a server during start-up, before it has heard its peer: a worker's
/// READY, a client's first request. Served if the server becomes active (so a pair that has
/// just started registers workers within about one peer heartbeat, instead of dropping them
/// to find their way by liveness timeouts), dropped if it becomes passive. Bounded.
#[derive(Default)]
struct Held {
    /// Each message with who sent it (its ZAP user id; empty: nobody in particular).
    messages: Vec<(Vec<u8>, Vec<Frame>)>,
    bytes: usize,
}

impl Held {
    const MAX_MESSAGES: usize = 10_000;
    const MAX_BYTES: usize = 64 << 20;

    fn hold(&mut self, user: Vec<u8>, frames: Vec<Frame>) {
        let size = crate::mdp::bytes_in(&frames);
        if self.messages.len() < Self::MAX_MESSAGES && self.bytes + size <= Self::MAX_BYTES {
            self.bytes += size;
            self.messages.push((user, frames));
        }
    }

    fn count(&self) -> usize {
        self.messages.len()
    }
}

impl Server {
    fn on_peer(&mut self, frame: &[u8]) -> Result<()> {
        let Some(peer) = State::parse(frame) else {
            log::info!(
                "ignored a peer state message {:?}",
                String::from_utf8_lossy(frame)
            );
            return Ok(());
        };
        let before = self.fsm.state();
        match self.fsm.on(Instant::now(), Event::Peer(peer)) {
            Ok(Verdict::Accepted(Some(after))) => {
                self.changed(Some(before), after, &format!("the peer is {peer}"))
            }
            Ok(_) => {}
            Err(fatal) => return Err(split_brain(fatal, before, peer)),
        }
        Ok(())
    }

    /// Reads the waiting frontend messages, up to 1024 (the socket is then not settled, and
    /// the next wait does not sleep); each is a client request to the FSM.
    fn on_frontend(&mut self) -> Result<()> {
        for _ in 0..1024 {
            let Some(frames) = self
                .frontend
                .try_recv()
                .context("receive failed on the frontend")?
            else {
                break;
            };
            // Who sent it (empty unless the frontend records it): its stamps are keyed by it.
            let user = self.frontend.user_id().clone();
            let now = Instant::now();
            let before = self.fsm.state();
            match self.fsm.on(now, Event::ClientRequest) {
                // Not decided yet (start-up): keep it for when this server is active.
                Ok(Verdict::Rejected) if matches!(before, State::Primary | State::Backup) => {
                    self.held.hold(user, frames);
                    continue;
                }
                Ok(Verdict::Rejected) => continue,
                Ok(Verdict::Accepted(Some(after))) => self.changed(
                    Some(before),
                    after,
                    "a client asked and the peer has been silent for two heartbeats",
                ),
                Ok(Verdict::Accepted(None)) => {}
                Err(fatal) => return Err(fatal.into()),
            }
            self.serve(now, &user, frames)?;
        }
        Ok(())
    }

    /// Serves one frontend message from `user`: echoes it, or hands it to the broker core.
    fn serve(&mut self, now: Instant, user: &[u8], frames: Vec<Frame>) -> Result<()> {
        if self.opts.echo {
            self.frontend.send(frames)?;
            return Ok(());
        }
        if let Some(b) = self.broker.as_mut() {
            broker::server::handle_routed_from(b, now, user, frames, &mut self.out);
        }
        self.flush()
    }

    /// Once the start-up is decided: serves what came meanwhile (active), or drops it.
    fn release_held(&mut self, state: State) -> Result<()> {
        let held = std::mem::take(&mut self.held);
        match state {
            State::Active => {
                if held.count() > 0 {
                    log::info!(
                        "serving {} messages that came during start-up",
                        held.count()
                    );
                }
                for (user, frames) in held.messages {
                    self.serve(Instant::now(), &user, frames)?;
                }
            }
            State::Passive if held.count() > 0 => log::info!(
                "dropped {} messages that came during start-up: the peer is active",
                held.count()
            ),
            _ => self.held = held,
        }
        Ok(())
    }

    /// Logs a state change, starts the broker core on becoming active, runs the hook.
    fn changed(&mut self, before: Option<State>, after: State, why: &str) {
        match before {
            Some(b) => log::warn!("state {b} -> {after}: {why}"),
            None => log::info!("state {after}: {why}"),
        }
        if after == State::Active && self.broker.is_none() && !self.opts.echo {
            let mut broker = Broker::new(self.opts.broker.clone(), Instant::now());
            broker.count_refused_connections(self.refused.clone());
            self.broker = Some(broker);
        }
        if let Err(e) = self.release_held(after) {
            log::warn!("cannot serve what came during start-up: {e:#}");
        }
        if let Some(cmd) = &self.opts.on_change {
            run_hook(cmd, after, before);
        }
    }

    fn flush(&mut self) -> Result<()> {
        broker::server::deliver(&self.frontend, &mut self.out)
            .context("send failed on the frontend")
    }
}

fn split_brain(fatal: Fatal, ours: State, peer: State) -> anyhow::Error {
    anyhow::anyhow!(
        "{fatal}: we are {ours} and the peer says {peer}; stopping. Check that one server was \
         started with --primary and the other with --backup, each with --state-connect \
         pointing at the other's --state-bind, and that the link between them is up"
    )
}

/// Runs the --on-change hook without waiting for it (a thread reaps it).
fn run_hook(cmd: &str, state: State, previous: Option<State>) {
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .env("ZMQTOOL_BSTAR_STATE", state.name())
        .env(
            "ZMQTOOL_BSTAR_PREVIOUS",
            previous.map(State::name).unwrap_or(""),
        )
        .stdin(std::process::Stdio::null());
    match command.spawn() {
        Ok(mut child) => {
            std::thread::spawn(move || {
                if let Ok(status) = child.wait()
                    && !status.success()
                {
                    log::warn!("--on-change hook failed: {status}");
                }
            });
        }
        Err(e) => log::warn!("cannot run --on-change hook: {e}"),
    }
}

/// `zmqtool bstar status EP`: the state a server publishes on its state endpoint.
pub fn status(
    ctx: &Context,
    endpoint: &str,
    security: &Security,
    timeout: Duration,
) -> Result<Option<State>> {
    let mut sub = ctx.connect(
        Kind::Sub,
        Linger::Discard,
        security,
        Tuning::default(),
        endpoint,
    )?;
    sub.subscribe_all()?;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let wait = transport::wait_until(Instant::now(), deadline);
        if let Some(frames) = sub.recv(wait)?
            && let Some(state) = frames.first().and_then(|f| State::parse(f))
        {
            return Ok(Some(state));
        }
    }
    Ok(None)
}
