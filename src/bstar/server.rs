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
use crate::broker::{self, Broker, Identity, Output};
use crate::output;
use crate::runtime::{self, Shutdown};

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
}

/// Runs one server until `shutdown`; a split brain (dual actives or passives) is an error.
pub fn serve(ctx: &zmq::Context, opts: &Options, shutdown: &Shutdown) -> Result<()> {
    let frontend = ctx.socket(zmq::ROUTER)?;
    frontend.set_linger(runtime::LINGER.as_millis() as i32)?;
    frontend.set_maxmsgsize(opts.broker.max_msg_size as i64)?;
    if opts.policy.is_active() {
        crate::auth::start(ctx, opts.policy.clone())?;
    }
    crate::auth::secure_server(&frontend, &opts.policy)?;
    frontend
        .bind(&opts.frontend)
        .map_err(|e| runtime::bind_error(&opts.frontend, e))?;
    let publisher = ctx.socket(zmq::PUB)?;
    publisher.set_linger(0)?;
    publisher
        .bind(&opts.state_bind)
        .map_err(|e| runtime::bind_error(&opts.state_bind, e))?;
    let subscriber = ctx.socket(zmq::SUB)?;
    subscriber.set_linger(0)?;
    subscriber.set_subscribe(b"")?;
    subscriber
        .connect(&opts.state_connect)
        .map_err(|e| runtime::connect_error(&opts.state_connect, e))?;
    let role = if opts.primary { "primary" } else { "backup" };
    crate::warn!(
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
        out: Output::default(),
        frontend,
    };
    let initial = server.fsm.state();
    server.changed(None, initial, "started");
    let mut next_publish = Instant::now();
    while !shutdown.requested() {
        let now = Instant::now();
        if now >= next_publish {
            let _ = publisher.send(server.fsm.state().to_frame(), zmq::DONTWAIT);
            next_publish = now + opts.peer_heartbeat;
        }
        if let Some(b) = server.broker.as_mut() {
            b.tick(now, &mut server.out);
        }
        server.flush()?;
        let mut deadline = next_publish;
        if let Some(b) = &server.broker {
            deadline = deadline.min(b.next_deadline());
        }
        let mut items = [
            server.frontend.as_poll_item(zmq::POLLIN),
            subscriber.as_poll_item(zmq::POLLIN),
        ];
        match zmq::poll(&mut items, runtime::poll_timeout(now, deadline)) {
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(e).context("poll failed"),
        }
        let (front, state) = (items[0].is_readable(), items[1].is_readable());
        if state {
            while let Ok(frame) = subscriber.recv_bytes(zmq::DONTWAIT) {
                server.on_peer(&frame)?;
            }
        }
        if front {
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
    out: Output,
    frontend: zmq::Socket,
}

impl Server {
    fn on_peer(&mut self, frame: &[u8]) -> Result<()> {
        let Some(peer) = State::parse(frame) else {
            crate::info!(
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

    /// Reads every waiting frontend message; each is a client request to the FSM.
    fn on_frontend(&mut self) -> Result<()> {
        for _ in 0..1024 {
            let frames = match self.frontend.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => break,
                Err(e) => return Err(e).context("receive failed on the frontend"),
            };
            output::dump("<-", &frames);
            let now = Instant::now();
            let before = self.fsm.state();
            match self.fsm.on(now, Event::ClientRequest) {
                Ok(Verdict::Rejected) => continue,
                Ok(Verdict::Accepted(Some(after))) => self.changed(
                    Some(before),
                    after,
                    "a client asked and the peer has been silent for two heartbeats",
                ),
                Ok(Verdict::Accepted(None)) => {}
                Err(fatal) => return Err(fatal.into()),
            }
            if self.opts.echo {
                output::dump("->", &frames);
                let _ = self.frontend.send_multipart(frames, zmq::DONTWAIT);
                continue;
            }
            let mut frames = frames.into_iter();
            let Some(identity) = frames.next() else {
                continue;
            };
            if let Some(b) = self.broker.as_mut() {
                b.handle(now, Identity(identity), frames.collect(), &mut self.out);
            }
            self.flush()?;
        }
        Ok(())
    }

    /// Logs a state change, starts the broker core on becoming active, runs the hook.
    fn changed(&mut self, before: Option<State>, after: State, why: &str) {
        match before {
            Some(b) => crate::warn!("state {b} -> {after}: {why}"),
            None => crate::info!("state {after}: {why}"),
        }
        if after == State::Active && self.broker.is_none() && !self.opts.echo {
            self.broker = Some(Broker::new(self.opts.broker.clone(), Instant::now()));
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
                    crate::warn!("--on-change hook failed: {status}");
                }
            });
        }
        Err(e) => crate::warn!("cannot run --on-change hook: {e}"),
    }
}

/// `zmqtool bstar status EP`: the state a server publishes on its state endpoint.
pub fn status(ctx: &zmq::Context, endpoint: &str, timeout: Duration) -> Result<Option<State>> {
    let sub = ctx.socket(zmq::SUB)?;
    sub.set_linger(0)?;
    sub.set_subscribe(b"")?;
    sub.connect(endpoint)
        .map_err(|e| runtime::connect_error(endpoint, e))?;
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let wait = runtime::poll_timeout(Instant::now(), deadline);
        if sub.poll(zmq::POLLIN, wait).unwrap_or(0) == 0 {
            continue;
        }
        if let Ok(frame) = sub.recv_bytes(zmq::DONTWAIT)
            && let Some(state) = State::parse(&frame)
        {
            return Ok(Some(state));
        }
    }
    Ok(None)
}
