//! Majordomo workers: [`session`] is the sans-IO protocol logic; this module is the driver
//! that owns the DEALER socket, runs the handler and carries out the session's actions.
//!
//! A handler that is not instant runs on a job thread and sends its replies back over an
//! inproc PUSH/PULL pair, so the session keeps heartbeating while it works and can abandon
//! the job if the broker goes away.

pub mod exec;
pub mod session;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::mdp::{Frame, ReplyKind, Version};
use crate::output;
use crate::runtime::{self, Shutdown};
use session::{Action, Event, Job, Output, Session};

/// What a worker does with each request.
pub trait Handler: Send + Sync + 'static {
    /// Handles one request body: calls `reply` with any PARTIALs, then exactly one FINAL.
    /// `cancel` is set when the request is abandoned (the broker that gave it is gone).
    fn handle(
        &self,
        body: Vec<Frame>,
        cancel: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    );

    /// True when `handle` is instant and may run on the session thread.
    fn inline(&self) -> bool {
        false
    }
}

/// The default handler: the reply is the request.
pub struct Echo;

impl Handler for Echo {
    fn handle(
        &self,
        body: Vec<Frame>,
        _: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        reply(ReplyKind::Final, body);
    }

    fn inline(&self) -> bool {
        true
    }
}

static RESULTS_ID: AtomicU64 = AtomicU64::new(0);

/// Runs one worker session until `shutdown`; then finishes the request in hand, sends
/// DISCONNECT and returns.
pub fn run(
    ctx: &zmq::Context,
    endpoints: &[String],
    cfg: session::Config,
    handler: Arc<dyn Handler>,
    shutdown: &Shutdown,
) -> Result<()> {
    let service = String::from_utf8_lossy(&cfg.service).into_owned();
    let mut driver = Driver::new(ctx, endpoints, handler, service)?;
    let mut out = Output::default();
    let mut session = Session::start(cfg, endpoints.len(), Instant::now(), &mut out);
    loop {
        driver.apply(&mut session, &mut out)?;
        if shutdown.requested() && !session.is_busy() {
            session.stop(&mut out);
            driver.apply(&mut session, &mut out)?;
            return Ok(());
        }
        driver.poll(&mut session, &mut out)?;
        session.tick(Instant::now(), &mut out);
    }
}

struct Driver {
    ctx: zmq::Context,
    endpoints: Vec<String>,
    handler: Arc<dyn Handler>,
    socket: Option<zmq::Socket>,
    results: zmq::Socket,
    results_endpoint: String,
    cancel: Option<(u64, Arc<AtomicBool>)>,
    service: String,
    /// The token of the job running on a thread: its results socket must be polled too.
    job_running: Option<u64>,
    rcvtimeo: i32,
}

impl Driver {
    fn new(
        ctx: &zmq::Context,
        endpoints: &[String],
        handler: Arc<dyn Handler>,
        service: String,
    ) -> Result<Driver> {
        let results = ctx.socket(zmq::PULL)?;
        let results_endpoint = format!(
            "inproc://zmqtool-worker-results-{}",
            RESULTS_ID.fetch_add(1, Ordering::Relaxed)
        );
        results.bind(&results_endpoint)?;
        Ok(Driver {
            ctx: ctx.clone(),
            endpoints: endpoints.to_vec(),
            handler,
            socket: None,
            results,
            results_endpoint,
            cancel: None,
            service,
            job_running: None,
            rcvtimeo: -1,
        })
    }

    /// Carries out the session's actions (and those they lead to) until none are left.
    fn apply(&mut self, session: &mut Session, out: &mut Output) -> Result<()> {
        while !out.actions.is_empty() || !out.events.is_empty() {
            for event in out.events.drain(..) {
                log_event(&event, &self.endpoints, &self.service, session.config());
            }
            let actions: Vec<Action> = out.actions.drain(..).collect();
            for action in actions {
                self.act(action, session, out)?;
            }
        }
        Ok(())
    }

    fn act(&mut self, action: Action, session: &mut Session, out: &mut Output) -> Result<()> {
        match action {
            Action::Connect { endpoint } => {
                let ep = &self.endpoints[endpoint];
                let socket = self.ctx.socket(zmq::DEALER)?;
                socket.set_linger(runtime::LINGER.as_millis() as i32)?;
                crate::auth::secure_client(&socket)?;
                socket
                    .connect(ep)
                    .map_err(|e| runtime::connect_error(ep, e))?;
                self.socket = Some(socket);
                // A new socket has libzmq's default receive timeout (infinite), whatever the
                // old one had: forget the cached value so the next wait sets it.
                self.rcvtimeo = -1;
            }
            Action::Close => self.socket = None,
            Action::Send(msg) => {
                let frames = msg.to_frames(session.config().version)?;
                if let Some(socket) = &self.socket {
                    output::dump("->", &frames);
                    send(socket, frames)?;
                }
            }
            Action::Handle(job) => self.start_job(job, session, out),
            Action::Abandon { token } => {
                if let Some((running, flag)) = &self.cancel
                    && *running == token
                {
                    flag.store(true, Ordering::SeqCst);
                }
            }
        }
        Ok(())
    }

    fn start_job(&mut self, job: Job, session: &mut Session, out: &mut Output) {
        if self.handler.inline() {
            let mut replies = Vec::new();
            self.handler
                .handle(job.body, &AtomicBool::new(false), &mut |kind, body| {
                    replies.push((kind, body))
                });
            for (kind, body) in replies {
                session.reply(Instant::now(), job.token, kind, body, out);
            }
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancel = Some((job.token, cancel.clone()));
        self.job_running = Some(job.token);
        let handler = self.handler.clone();
        let ctx = self.ctx.clone();
        let endpoint = self.results_endpoint.clone();
        let token = job.token;
        std::thread::spawn(move || {
            let Ok(push) = ctx.socket(zmq::PUSH) else {
                return;
            };
            if push.connect(&endpoint).is_err() {
                return;
            }
            handler.handle(job.body, &cancel, &mut |kind, body| {
                let mut frames = Vec::with_capacity(body.len() + 2);
                frames.push(token.to_be_bytes().to_vec());
                frames.push(vec![matches!(kind, ReplyKind::Final) as u8]);
                frames.extend(body);
                let _ = push.send_multipart(frames, 0);
            });
        });
    }

    /// Waits for a message from the broker or a job result, until the session's deadline.
    fn poll(&mut self, session: &mut Session, out: &mut Output) -> Result<()> {
        let timeout = runtime::poll_timeout(Instant::now(), session.next_deadline());
        if self.job_running.is_none() {
            // The common case: one socket to wait on, with a timed recv (no zmq_poll).
            let Some(socket) = &self.socket else {
                std::thread::sleep(std::time::Duration::from_millis(timeout.max(1) as u64));
                return Ok(());
            };
            if let Some(frames) = runtime::recv_within(socket, timeout, &mut self.rcvtimeo)
                .context("receive failed on the worker socket")?
            {
                output::dump("<-", &frames);
                session.on_message(Instant::now(), frames, out);
            }
            return Ok(());
        }
        let mut items = vec![self.results.as_poll_item(zmq::POLLIN)];
        if let Some(socket) = &self.socket {
            items.push(socket.as_poll_item(zmq::POLLIN));
        }
        match zmq::poll(&mut items, timeout) {
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(e) => return Err(e).context("poll failed on the worker socket"),
        }
        while let Some(frames) = recv_now(&self.results)? {
            let mut frames = frames.into_iter();
            let (Some(token), Some(kind)) = (frames.next(), frames.next()) else {
                continue;
            };
            let token = u64::from_be_bytes(token.try_into().unwrap_or([0; 8]));
            let kind = if kind == [1] {
                if self.job_running == Some(token) {
                    self.job_running = None;
                }
                ReplyKind::Final
            } else {
                ReplyKind::Partial
            };
            session.reply(Instant::now(), token, kind, frames.collect(), out);
        }
        if let Some(socket) = &self.socket {
            while let Some(frames) = recv_now(socket)? {
                output::dump("<-", &frames);
                session.on_message(Instant::now(), frames, out);
            }
        }
        Ok(())
    }
}

/// Receives one message if one is waiting.
fn recv_now(socket: &zmq::Socket) -> Result<Option<Vec<Frame>>> {
    match socket.recv_multipart(zmq::DONTWAIT) {
        Ok(frames) => Ok(Some(frames)),
        Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => Ok(None),
        Err(e) => Err(e).context("receive failed"),
    }
}

fn send(socket: &zmq::Socket, frames: Vec<Frame>) -> Result<()> {
    match socket.send_multipart(frames, zmq::DONTWAIT) {
        // Not connected yet and the queue is full: the message is lost, as on a dead link.
        Ok(()) | Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) => Ok(()),
        Err(e) => Err(e).context("send failed"),
    }
}

fn log_event(event: &Event, endpoints: &[String], service: &str, cfg: &session::Config) {
    let ep = |i: &usize| endpoints.get(*i).map(String::as_str).unwrap_or("?");
    let d = |d: &std::time::Duration| {
        humantime::format_duration(std::time::Duration::from_millis(d.as_millis() as u64))
    };
    match event {
        Event::Connecting { endpoint } => crate::info!(
            "worker for {service:?} connecting to {} ({})",
            ep(endpoint),
            cfg.version
        ),
        Event::BrokerSilent { endpoint, silent } => crate::warn!(
            "broker at {} silent for {}; reconnecting in {}",
            ep(endpoint),
            d(silent),
            d(&cfg.reconnect)
        ),
        Event::Disconnected { endpoint } => {
            crate::info!("broker at {} sent DISCONNECT; reconnecting", ep(endpoint))
        }
        Event::Malformed(e) => crate::info!("dropped a malformed message from the broker: {e}"),
        Event::Unexpected(what) => crate::info!("ignored {what} from the broker"),
        Event::HeartbeatMismatch { observed, expected } => crate::warn!(
            "broker heartbeats every {} but this worker expects {} (--heartbeat must match on both)",
            d(observed),
            d(expected)
        ),
        Event::StaleReply { token } => {
            crate::info!("reply to request #{token} dropped: its broker connection is gone")
        }
    }
}

/// Parses `--protocol` values.
pub fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}
