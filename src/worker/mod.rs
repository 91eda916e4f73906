//! Majordomo workers: [`session`] is the sans-IO protocol logic; this module is the driver
//! that owns the DEALER socket, runs the handler and carries out the session's actions.
//!
//! A handler that is not instant runs on a job thread and sends its replies back as typed
//! values over a [`channel`], so the session keeps heartbeating while it works and can abandon
//! the job if the broker goes away. With credit (`--credit`) the session holds several
//! requests: instant handlers answer each as it comes, others run up to `parallel` at once on
//! threads of their own, the rest waiting their turn, all over the one connection.

pub mod dedup;
mod everywhere;
pub mod exec;
pub use zmqtool_proto::worker::fanout;
pub mod filter;

pub use zmqtool_proto::worker::session;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::mdp::{Frame, ReplyKind, Version};
use crate::runtime::Shutdown;
use crate::transport::{
    self, Context, DirectDealer, DirectPoller, Engine, Line, Linger, Security, Tuning, channel,
};
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

/// Where a worker connects and how it proves who it is.
#[derive(Debug, Clone)]
pub struct Brokers {
    /// The failover list: the next is tried when a broker falls silent.
    pub endpoints: Vec<String>,
    pub security: Security,
    /// Serve every broker of the list at once (`--all-brokers`) instead of one at a time.
    pub all: bool,
    /// Who speaks ZMTP on the connections (`--engine`): [`Engine::Direct`] only for an
    /// instant handler ([`Handler::inline`]) served one broker at a time, whose session
    /// waits on its connection alone.
    pub engine: Engine,
}

/// The largest request a direct connection takes (frames and headers); a bigger one drops
/// the connection, as a peer breaking the protocol does.
const MAX_REQUEST: usize = 1 << 30;

/// Runs one worker session until `shutdown`, running at most `parallel` of its jobs at once
/// (they are the session's credit's worth); then finishes the requests in hand, sends
/// DISCONNECT and returns. With [`Brokers::all`], one session with each broker of the list,
/// their jobs sharing the `parallel` bound (see [`run_everywhere`]).
pub fn run(
    ctx: &Context,
    brokers: &Brokers,
    cfg: session::Config,
    handler: Arc<dyn Handler>,
    parallel: usize,
    shutdown: &Shutdown,
) -> Result<()> {
    if brokers.all {
        return run_everywhere(ctx, brokers, cfg, handler, 1, parallel, shutdown);
    }
    let service = String::from_utf8_lossy(&cfg.service).into_owned();
    let mut driver = Driver::new(ctx, brokers, handler, service, parallel)?;
    let mut out = Output::default();
    let mut session = Session::start(cfg, brokers.endpoints.len(), Instant::now(), &mut out);
    loop {
        driver.apply(&mut session, &mut out)?;
        if shutdown.requested() && driver.leave_when_idle(&mut session, &mut out)? {
            return Ok(());
        }
        driver.poll(&mut session, &mut out)?;
        session.tick(Instant::now(), &mut out);
    }
}

/// Runs `count` worker sessions of an instant handler (`Handler::inline`, e.g. [`Echo`]) on
/// this one thread, each its own connection holding one request at a time, until `shutdown`;
/// then each sends DISCONNECT. One thread waiting on all the sockets at once costs the
/// machine less than a thread per session: no thread is woken to hand a request to another.
/// It waits on the sockets' descriptors ([`transport::Poller`]: one system call per wait, not
/// one per socket) and receives from each socket it is told of until it has nothing.
pub fn run_inline_sessions(
    ctx: &Context,
    brokers: &Brokers,
    cfg: session::Config,
    handler: Arc<dyn Handler>,
    count: usize,
    shutdown: &Shutdown,
) -> Result<()> {
    debug_assert!(handler.inline(), "only an instant handler shares a thread");
    let service = String::from_utf8_lossy(&cfg.service).into_owned();
    let now = Instant::now();
    let mut all = (0..count.max(1))
        .map(|_| {
            let mut out = Output::default();
            let session = Session::start(cfg.clone(), brokers.endpoints.len(), now, &mut out);
            let driver = Driver::new(ctx, brokers, handler.clone(), service.clone(), 1)?;
            Ok((driver, session, out))
        })
        .collect::<Result<Vec<_>>>()?;
    // Each session's next deadline (looked at again when the session has had a message or a
    // tick), which sessions are connected, and the wait on their sockets, kept from one
    // wake-up to the next.
    let start = Instant::now();
    let mut deadlines: Vec<Instant> = all.iter().map(|(_, s, _)| s.next_deadline(start)).collect();
    let mut connected = Vec::with_capacity(all.len());
    let mut ready = Vec::with_capacity(all.len());
    let mut poller = transport::Poller::default();
    let mut direct = DirectPoller::new()?;
    loop {
        let now = Instant::now();
        let mut due = None::<Instant>;
        for (driver, session, out) in &mut all {
            if !out.is_empty() {
                driver.apply(session, out)?;
            }
            if let Some(at) = driver.line.as_mut().and_then(|line| line.settle(now)) {
                due = Some(due.map_or(at, |d| d.min(at)));
            }
        }
        if shutdown.requested() {
            for (driver, session, out) in &mut all {
                let left = driver.leave_when_idle(session, out)?;
                debug_assert!(left, "an instant handler holds nothing between turns");
            }
            return Ok(());
        }
        let deadline = *deadlines.iter().min().expect("one session at least");
        let wait = transport::wait_until(Instant::now(), due.map_or(deadline, |d| d.min(deadline)));
        connected.clear();
        connected.extend(
            all.iter()
                .enumerate()
                .filter_map(|(i, (driver, _, _))| driver.line.is_some().then_some(i)),
        );
        if connected.is_empty() {
            std::thread::sleep(wait.max(std::time::Duration::from_millis(1)));
        } else if brokers.engine == Engine::Direct {
            // Every session in the same order each time (the poller's rule); one between
            // connections has nothing to wait on and is passed over.
            let mut dealers: Vec<&mut DirectDealer> = (all.iter_mut())
                .filter_map(|(driver, _, _)| match &mut driver.line {
                    Some(Line::Direct(dealer)) => Some(dealer),
                    _ => None,
                })
                .collect();
            direct
                .poll(&mut dealers, wait)
                .context("poll failed on the worker connections")?;
        } else {
            let sockets = connected.iter().filter_map(|&i| match &all[i].0.line {
                Some(Line::Zmq(socket)) => Some(socket),
                _ => None,
            });
            poller
                .poll(sockets, wait)
                .context("poll failed on the worker sockets")?;
        }
        ready.clear();
        match brokers.engine {
            Engine::Direct => ready.extend(direct.woken().iter().map(|&k| connected[k])),
            Engine::Libzmq => ready.extend(
                (connected.iter().enumerate())
                    .filter(|(k, _)| poller.readable(*k))
                    .map(|(_, &i)| i),
            ),
        }
        for &i in &ready {
            let (driver, session, out) = &mut all[i];
            while let Some(frames) = driver.try_recv()? {
                session.on_message(Instant::now(), frames, out);
                driver.apply(session, out)?;
            }
            deadlines[i] = session.next_deadline(Instant::now());
        }
        // Timers are looked at when the earliest was due; one that handling a message moved
        // earlier makes the next wait zero, and is seen then.
        let now = Instant::now();
        if now >= deadline {
            for ((_, session, out), deadline) in all.iter_mut().zip(&mut deadlines) {
                session.tick(now, out);
                *deadline = session.next_deadline(now);
            }
        }
    }
}

/// Runs `per_broker` sessions with every broker of the list at once, on this one thread,
/// until `shutdown`: each session heartbeats, reconnects and stops on its own, and at most
/// `parallel` jobs run at once across all of them (see [`fanout`]). On `shutdown` every
/// session finishes the requests in hand, then sends DISCONNECT.
pub fn run_everywhere(
    ctx: &Context,
    brokers: &Brokers,
    cfg: session::Config,
    handler: Arc<dyn Handler>,
    per_broker: usize,
    parallel: usize,
    shutdown: &Shutdown,
) -> Result<()> {
    everywhere::run(ctx, brokers, cfg, handler, per_broker, parallel, shutdown)
}

/// What a job thread sends back: one PARTIAL or the FINAL of the request `token`.
struct JobReply {
    token: u64,
    kind: ReplyKind,
    body: Vec<Frame>,
}

/// A thread that runs jobs, one at a time.
struct JobThread {
    /// Taken when the thread is dropped, which ends it.
    jobs: Option<std::sync::mpsc::Sender<(Job, Arc<AtomicBool>)>>,
    /// Set while it runs a job.
    busy: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for JobThread {
    /// Ends the thread and, unless it is still finishing an abandoned job, waits for it: its
    /// socket must be closed before the context ends, or the context ends on the job
    /// thread after the process has exited and the last replies are never flushed.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take()
            && self.is_free()
        {
            let _ = thread.join();
        }
    }
}

impl JobThread {
    fn start(handler: Arc<dyn Handler>, results: channel::Sender<JobReply>) -> JobThread {
        let (jobs, queue) = std::sync::mpsc::channel::<(Job, Arc<AtomicBool>)>();
        let busy = Arc::new(AtomicBool::new(false));
        let running = busy.clone();
        let thread = std::thread::spawn(move || {
            // Ends when the driver drops its sender (the session ended) and the job in hand
            // is done.
            for (job, cancel) in queue {
                let token = job.token;
                let mut finished = false;
                handler.handle(job.body, &cancel, &mut |kind, body| {
                    if kind == ReplyKind::Final {
                        // Free before the driver hears of it, so it hands us the next job.
                        finished = true;
                        running.store(false, Ordering::SeqCst);
                    }
                    results.send(JobReply { token, kind, body });
                });
                if !finished {
                    running.store(false, Ordering::SeqCst);
                }
            }
        });
        JobThread {
            jobs: Some(jobs),
            busy,
            thread: Some(thread),
        }
    }

    fn is_free(&self) -> bool {
        !self.busy.load(Ordering::SeqCst)
    }
}

/// Runs the job of an instant handler ([`Handler::inline`]) here and now, handing each of its
/// replies to `reply` with the job's token.
fn handle_inline(
    handler: &dyn Handler,
    job: Job,
    reply: &mut dyn FnMut(u64, ReplyKind, Vec<Frame>),
) {
    let token = job.token;
    handler.handle(job.body, &AtomicBool::new(false), &mut |kind, body| {
        reply(token, kind, body)
    });
}

/// Starts `job` on a free thread of `threads`, or on a new one while abandoned jobs occupy
/// the old (no thread is made per request).
fn hand_to_thread(
    threads: &mut Vec<JobThread>,
    job: Job,
    cancel: Arc<AtomicBool>,
    handler: &Arc<dyn Handler>,
    results: &channel::Sender<JobReply>,
) -> Result<()> {
    let index = match threads.iter().position(JobThread::is_free) {
        Some(i) => i,
        None => {
            threads.push(JobThread::start(handler.clone(), results.try_clone()?));
            threads.len() - 1
        }
    };
    let thread = &threads[index];
    thread.busy.store(true, Ordering::SeqCst);
    if let Some(jobs) = &thread.jobs {
        let _ = jobs.send((job, cancel));
    }
    Ok(())
}

/// The jobs of a session whose handler is not instant: up to `parallel` running on job
/// threads (reused: no thread is made per request), the rest waiting in arrival order.
struct Jobs {
    parallel: usize,
    threads: Vec<JobThread>,
    /// Jobs handed to a thread and not finished or abandoned, with their cancel flags.
    running: Vec<(u64, Arc<AtomicBool>)>,
    waiting: std::collections::VecDeque<Job>,
}

impl Jobs {
    fn new(parallel: usize) -> Jobs {
        Jobs {
            parallel: parallel.max(1),
            threads: Vec::new(),
            running: Vec::new(),
            waiting: std::collections::VecDeque::new(),
        }
    }

    fn start(
        &mut self,
        job: Job,
        handler: &Arc<dyn Handler>,
        results: &channel::Sender<JobReply>,
    ) -> Result<()> {
        if self.running.len() >= self.parallel {
            self.waiting.push_back(job);
            return Ok(());
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.running.push((job.token, cancel.clone()));
        hand_to_thread(&mut self.threads, job, cancel, handler, results)
    }

    /// The job `token` has sent its FINAL: start the next waiting one.
    fn finished(
        &mut self,
        token: u64,
        handler: &Arc<dyn Handler>,
        results: &channel::Sender<JobReply>,
    ) -> Result<()> {
        self.running.retain(|(t, _)| *t != token);
        while self.running.len() < self.parallel
            && let Some(job) = self.waiting.pop_front()
        {
            self.start(job, handler, results)?;
        }
        Ok(())
    }

    /// Stops the job `token`: cancelled if running (its thread finishes it and is free
    /// again), forgotten if waiting.
    fn abandon(&mut self, token: u64) {
        self.waiting.retain(|job| job.token != token);
        self.running.retain(|(t, flag)| {
            if *t == token {
                flag.store(true, Ordering::SeqCst);
            }
            *t != token
        });
    }

    fn any_running(&self) -> bool {
        !self.running.is_empty()
    }
}

struct Driver {
    jobs: Jobs,
    ctx: Context,
    brokers: Brokers,
    handler: Arc<dyn Handler>,
    line: Option<Line>,
    results_tx: channel::Sender<JobReply>,
    results: channel::Receiver<JobReply>,
    service: String,
    /// The list the session's actions are taken into while they are carried out (acting
    /// may add more to the session's own), kept so neither is allocated again.
    acting: Vec<Action>,
    /// The wait on the job results and the socket, while jobs run.
    poller: transport::Poller,
    /// The wait on a direct line, made when first needed.
    direct: Option<DirectPoller>,
}

impl Driver {
    fn new(
        ctx: &Context,
        brokers: &Brokers,
        handler: Arc<dyn Handler>,
        service: String,
        parallel: usize,
    ) -> Result<Driver> {
        let (results_tx, results) = channel::channel(ctx)?;
        Ok(Driver {
            jobs: Jobs::new(parallel),
            ctx: ctx.clone(),
            brokers: brokers.clone(),
            handler,
            line: None,
            acting: Vec::new(),
            results_tx,
            results,
            service,
            poller: transport::Poller::default(),
            direct: None,
        })
    }

    /// After a stop request: takes no new requests and, once none is in hand, sends
    /// DISCONNECT. True when the session has left.
    fn leave_when_idle(&mut self, session: &mut Session, out: &mut Output) -> Result<bool> {
        session.drain();
        if session.is_busy() {
            return Ok(false);
        }
        session.stop(out);
        self.apply(session, out)?;
        if let Some(line) = &mut self.line {
            line.settle(Instant::now());
        }
        Ok(true)
    }

    /// Carries out the session's actions (and those they lead to) until none are left.
    fn apply(&mut self, session: &mut Session, out: &mut Output) -> Result<()> {
        while !out.actions.is_empty() || !out.events.is_empty() {
            for event in out.events.drain(..) {
                log_event(
                    &event,
                    &self.brokers.endpoints,
                    &self.service,
                    session.config(),
                );
            }
            let mut actions = std::mem::replace(&mut out.actions, std::mem::take(&mut self.acting));
            for action in actions.drain(..) {
                self.act(action, session, out)?;
            }
            self.acting = actions;
        }
        Ok(())
    }

    fn act(&mut self, action: Action, session: &mut Session, out: &mut Output) -> Result<()> {
        match action {
            Action::Connect { endpoint } => {
                self.line = Some(Line::connect(
                    &self.ctx,
                    self.brokers.engine,
                    (Linger::Flush, &self.brokers.security, Tuning::default()),
                    &self.brokers.endpoints[endpoint],
                    MAX_REQUEST,
                )?);
            }
            Action::Close => self.line = None,
            Action::Send(msg) => {
                let frames = msg.to_frames_in(session.form())?;
                if let Some(line) = &mut self.line {
                    // Not connected yet and the queue is full: the message is lost, as on a
                    // dead link; the session's timers recover.
                    line.send(frames)
                        .context("send failed on the worker socket")?;
                }
            }
            Action::Handle(job) => self.start_job(job, session, out)?,
            Action::Abandon { token } => self.jobs.abandon(token),
        }
        Ok(())
    }

    fn start_job(&mut self, job: Job, session: &mut Session, out: &mut Output) -> Result<()> {
        if self.handler.inline() {
            handle_inline(&*self.handler, job, &mut |token, kind, body| {
                session.reply(Instant::now(), token, kind, body, out)
            });
            return Ok(());
        }
        self.jobs.start(job, &self.handler, &self.results_tx)
    }

    /// The next message from the broker, if one is here (a direct line's copied out of its
    /// input).
    fn try_recv(&mut self) -> Result<Option<Vec<Frame>>> {
        Ok(match &mut self.line {
            Some(Line::Zmq(socket)) => socket.try_recv().context("receive failed")?,
            Some(Line::Direct(dealer)) => dealer
                .take()
                .map(|message| message.iter().map(Frame::copy).collect()),
            None => None,
        })
    }

    /// Waits for a message from the broker or a job result, until the session's deadline.
    fn poll(&mut self, session: &mut Session, out: &mut Output) -> Result<()> {
        let now = Instant::now();
        let mut deadline = session.next_deadline(now);
        if let Some(due) = self.line.as_mut().and_then(|line| line.settle(now)) {
            deadline = deadline.min(due);
        }
        let wait = transport::wait_until(now, deadline);
        if !self.jobs.any_running() {
            // The common case: one connection to wait on.
            match &mut self.line {
                None => {
                    std::thread::sleep(wait.max(std::time::Duration::from_millis(1)));
                    return Ok(());
                }
                Some(Line::Zmq(socket)) => {
                    // A timed receive; what is queued behind its message is taken with it,
                    // at one reading of the clock (a credited worker is sent many requests
                    // at once).
                    let Some(frames) = socket
                        .recv(wait)
                        .context("receive failed on the worker socket")?
                    else {
                        return Ok(());
                    };
                    session.on_message(Instant::now(), frames, out);
                }
                Some(Line::Direct(dealer)) => {
                    // One read takes what came together; all of it is handled at one
                    // reading of the clock (nothing whole may stay behind in the input,
                    // where the next wait would not see it).
                    let poller = match &mut self.direct {
                        Some(poller) => poller,
                        None => self.direct.insert(DirectPoller::new()?),
                    };
                    poller
                        .poll(&mut [dealer], wait)
                        .context("poll failed on the worker connection")?;
                    let now = Instant::now();
                    while let Some(frames) = self.try_recv()? {
                        session.on_message(now, frames, out);
                    }
                    return Ok(());
                }
            }
            let now = Instant::now();
            for _ in 1..transport::BATCH {
                match self.try_recv()? {
                    Some(frames) => session.on_message(now, frames, out),
                    None => break,
                }
            }
            return Ok(());
        }
        // Jobs run only for a handler that is not instant, which a direct line never serves
        // (Brokers::engine).
        let socket = match &self.line {
            Some(Line::Zmq(socket)) => Some(socket),
            _ => None,
        };
        let sockets = std::iter::once(self.results.socket()).chain(socket);
        self.poller
            .poll(sockets, wait)
            .context("poll failed on the worker socket")?;
        if self.poller.readable(0) {
            for reply in self.results.drain() {
                if reply.kind == ReplyKind::Final {
                    self.jobs
                        .finished(reply.token, &self.handler, &self.results_tx)?;
                }
                session.reply(Instant::now(), reply.token, reply.kind, reply.body, out);
            }
        }
        if self.poller.readable(1) {
            while let Some(frames) = self.try_recv()? {
                session.on_message(Instant::now(), frames, out);
            }
        }
        Ok(())
    }
}

fn log_event(event: &Event, endpoints: &[String], service: &str, cfg: &session::Config) {
    let ep = |i: &usize| endpoints.get(*i).map(String::as_str).unwrap_or("?");
    let d = |d: &std::time::Duration| {
        humantime::format_duration(std::time::Duration::from_millis(d.as_millis() as u64))
    };
    match event {
        Event::Connecting { endpoint } => log::info!(
            "worker for {service:?} connecting to {} ({})",
            ep(endpoint),
            cfg.form
        ),
        Event::BrokerSilent { endpoint, silent } => log::warn!(
            "broker at {} silent for {}; reconnecting in {}",
            ep(endpoint),
            d(silent),
            d(&cfg.reconnect)
        ),
        Event::Disconnected { endpoint } => {
            log::info!("broker at {} sent DISCONNECT; reconnecting", ep(endpoint))
        }
        Event::Refused { endpoint, retry_in } => log::warn!(
            "broker at {} refused worker {service:?} (DISCONNECT in answer to READY; its log \
             says why: a reserved or too long service name, or too many workers); trying again \
             in {}",
            ep(endpoint),
            d(retry_in)
        ),
        Event::Malformed(e) => log::info!("dropped a malformed message from the broker: {e}"),
        Event::Unexpected(what) => log::info!("ignored {what} from the broker"),
        Event::HeartbeatMismatch { observed, expected } => log::warn!(
            "broker heartbeats every {} but this worker expects {} (--heartbeat must match on both)",
            d(observed),
            d(expected)
        ),
        Event::StaleReply { token } => {
            log::info!("reply to request #{token} dropped: its broker connection is gone")
        }
        Event::Declined => {
            log::info!("declined a request while stopping (the broker requeues it)")
        }
    }
}

/// Parses `--protocol` values.
pub fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}
