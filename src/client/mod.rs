//! Majordomo clients: the Lazy Pirate of the guide (`mdcliapi.c`) over a broker list.
//!
//! The rules (attempts, timeouts, head starts, which broker) are the sans-IO [`slot`]'s;
//! [`Lanes`] drives slots on sockets, one request in flight per slot, and is the one client
//! loop: [`call`] (one request), [`pipeline`] (`--lines`, many in flight) and the Titanic
//! dispatcher all use it. [`state`] remembers across runs which broker answered last.
//!
//! A DEALER is used for both versions (18/MDP requires it; for 0.1 the empty frame a REQ
//! would add is written by the codec), so one client code path speaks both.

pub use zmqtool_proto::client::slot;
pub mod state;

use std::time::{Duration, Instant};

use crate::mdp::{ClientReply, ClientRequest, Form, Frame, Printable, ReplyKind};
use crate::runtime::Shutdown;
use crate::transport::{self, Context, Kind, Linger, Security, Sent, Socket, Tuning};
use slot::{Action, Done, Endpoint, Leg, Pick, Roster, Slot, Why};

/// How to reach the broker.
#[derive(Debug, Clone)]
pub struct Options {
    /// Brokers tried in turn, one per attempt.
    pub endpoints: Vec<String>,
    /// How long each attempt waits for a reply (extended by each PARTIAL).
    pub timeout: Duration,
    /// Attempts in all (at least 1).
    pub retries: u32,
    /// The protocol version and form to speak (see `--protocol`).
    pub form: Form,
    /// How each connection proves who it is.
    pub security: Security,
    /// How long a connection may take to be established before the next broker's is raced
    /// against it (`None`: never).
    pub head_start: Option<Duration>,
    /// Which broker each request goes to first.
    pub pick: Pick,
    /// Remember the broker that answered last across runs ([`state`]).
    pub remember: bool,
}

/// The head start a connection has before the next broker's is raced against it.
pub const HEAD_START: Duration = Duration::from_millis(250);

impl Options {
    /// Failover along `endpoints` with the default head start, remembering nothing.
    pub fn new(
        endpoints: Vec<String>,
        timeout: Duration,
        retries: u32,
        form: Form,
        security: Security,
    ) -> Options {
        Options {
            endpoints,
            timeout,
            retries,
            form,
            security,
            head_start: Some(HEAD_START),
            pick: Pick::Failover,
            remember: false,
        }
    }
}

/// Why a call produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no reply from {service} after {attempts} attempt{s} of {timeout} ({endpoints}); {hint}",
        s = if *attempts == 1 { "" } else { "s" },
        timeout = humantime::format_duration(*timeout),
        hint = timeout_hint(&service.0))]
    Timeout {
        service: Printable,
        attempts: u32,
        timeout: Duration,
        endpoints: String,
    },
    #[error("interrupted")]
    Interrupted,
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What to check when a call gets no reply.
fn timeout_hint(service: &[u8]) -> String {
    if crate::mdp::mmi::is_mmi(service) {
        "is a broker running there?".into()
    } else {
        format!(
            "is a broker running there, with a worker for it? (zmqtool mmi {} tells)",
            String::from_utf8_lossy(service)
        )
    }
}

/// Sends one request and waits for its final reply, retrying on a new connection (and the
/// next broker) after each timeout. PARTIAL replies are passed to `on_partial` as they arrive.
pub fn call(
    ctx: &Context,
    opts: &Options,
    service: &[u8],
    body: Vec<Frame>,
    shutdown: &Shutdown,
    on_partial: &mut dyn FnMut(Vec<Frame>),
) -> Result<Vec<Frame>, CallError> {
    let mut lanes = Lanes::new(ctx, opts, 1);
    lanes.submit(Instant::now(), (), service, body)?;
    let mut events = Vec::new();
    loop {
        if shutdown.requested() {
            return Err(CallError::Interrupted);
        }
        lanes.wait(Instant::now() + transport::MAX_WAIT, None, &mut events)?;
        for event in events.drain(..) {
            match event {
                Event::Partial { body, .. } => on_partial(body),
                Event::Retry { .. } => {}
                Event::Reply { body, .. } => {
                    lanes.remember();
                    return Ok(body);
                }
                Event::GaveUp { attempts, .. } => {
                    return Err(CallError::Timeout {
                        service: Printable::of(service),
                        attempts,
                        timeout: opts.timeout,
                        endpoints: opts.endpoints.join(", "),
                    });
                }
            }
        }
    }
}

/// A DEALER connected to `endpoint` that queues messages only once its connection is
/// established ([`Tuning::immediate`]), for connections raced against each other. Its linger
/// is nil: when an attempt is given up, its request must not be delivered later behind the
/// retry's back.
pub fn connect(ctx: &Context, security: &Security, endpoint: &str) -> Result<Socket, CallError> {
    Ok(ctx.connect(
        Kind::Dealer,
        Linger::Discard,
        security,
        Tuning {
            immediate: true,
            ..Tuning::default()
        },
        endpoint,
    )?)
}

/// What happened to a request in [`Lanes`]; `tag` is what it was submitted with.
#[derive(Debug)]
pub enum Event<T> {
    /// A PARTIAL reply (MDP/0.2).
    Partial { tag: T, body: Vec<Frame> },
    /// The final reply, from broker `endpoint` (its index in the list).
    Reply {
        tag: T,
        body: Vec<Frame>,
        endpoint: Endpoint,
    },
    /// The attempt timed out and the next one started: PARTIAL replies before it are void.
    Retry { tag: T },
    /// No final reply after every attempt.
    GaveUp { tag: T, attempts: u32 },
}

/// Requests in flight over a broker list, each on a [`Slot`] of its own (at most `limit`),
/// sharing one [`Roster`]. MDP replies carry no request id, so a slot has one request in
/// flight at a time and each connection one slot: a reply is matched by where it came from.
/// A connection is reported established to its slot when its handshake is done if it races
/// another broker's, else as soon as it is opened (see `Lanes::racing`).
pub struct Lanes<T> {
    ctx: Context,
    opts: Options,
    cfg: slot::Config,
    roster: Roster,
    memory: Option<state::Memory>,
    lanes: Vec<Lane<T>>,
    limit: usize,
    poller: transport::Poller,
    actions: Vec<Action>,
    /// The sockets of the last wait, as (lane, leg) in the poller's order.
    polled: Vec<(usize, Leg)>,
}

/// A slot with its connections and the request in hand.
struct Lane<T> {
    slot: Slot,
    legs: Vec<Connection>,
    job: Option<Job<T>>,
}

struct Job<T> {
    tag: T,
    service: Vec<u8>,
    body: Vec<Frame>,
}

/// One leg of a slot: a DEALER to one broker.
struct Connection {
    leg: Leg,
    endpoint: Endpoint,
    socket: Socket,
    state: LegState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegState {
    /// Waiting for its connection to be established.
    Connecting,
    /// The request went out on it; its reply is awaited.
    Sent,
    /// Kept for the slot's next request.
    Idle,
}

impl<T: Clone> Lanes<T> {
    /// Up to `limit` requests at once over `opts`'s brokers. With `opts.remember`, the
    /// broker that answered last in an earlier run is tried first.
    pub fn new(ctx: &Context, opts: &Options, limit: usize) -> Lanes<T> {
        let memory = opts
            .remember
            .then(|| state::Memory::open(&opts.endpoints))
            .flatten();
        let recalled = memory.as_ref().and_then(state::Memory::recalled);
        Lanes {
            ctx: ctx.clone(),
            opts: opts.clone(),
            cfg: slot::Config {
                timeout: opts.timeout,
                attempts: opts.retries.max(1),
                head_start: opts.head_start,
            },
            roster: Roster::new(opts.endpoints.len(), opts.pick, recalled, slot::SKIP),
            memory,
            lanes: Vec::new(),
            limit: limit.max(1),
            poller: transport::Poller::default(),
            actions: Vec::new(),
            polled: Vec::new(),
        }
    }

    /// Requests in hand.
    pub fn busy(&self) -> usize {
        self.lanes.iter().filter(|l| l.job.is_some()).count()
    }

    /// The endpoint of broker `e`.
    pub fn endpoint(&self, e: Endpoint) -> &str {
        self.opts.endpoints.get(e).map_or("", String::as_str)
    }

    /// Starts a request on a free slot. There must be one: fewer than `limit` in hand.
    pub fn submit(
        &mut self,
        now: Instant,
        tag: T,
        service: &[u8],
        body: Vec<Frame>,
    ) -> Result<(), CallError> {
        let index = match self.lanes.iter().position(|l| l.job.is_none()) {
            Some(i) => i,
            None if self.lanes.len() < self.limit => {
                self.lanes.push(Lane {
                    slot: Slot::new(self.cfg),
                    legs: Vec::new(),
                    job: None,
                });
                self.lanes.len() - 1
            }
            None => return Err(anyhow::anyhow!("no free slot for a request").into()),
        };
        let lane = &mut self.lanes[index];
        lane.job = Some(Job {
            tag,
            service: service.to_vec(),
            body,
        });
        lane.slot.start(now, &mut self.roster, &mut self.actions);
        self.apply(index, now)
    }

    /// When a request has something to do next.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.lanes
            .iter()
            .filter_map(|l| l.slot.next_deadline())
            .min()
    }

    /// Waits for replies, connections, deadlines, `extra` (if given) being readable, or
    /// `until`; adds what happened to `events`. Returns whether `extra` is readable (then
    /// receive from it until it has nothing: it is waited on as a [`transport::Poller`] does).
    pub fn wait(
        &mut self,
        until: Instant,
        extra: Option<&Socket>,
        events: &mut Vec<Event<T>>,
    ) -> Result<bool, CallError> {
        self.check_connections(Instant::now())?;
        let now = Instant::now();
        let deadline = self.next_deadline().map_or(until, |d| d.min(until));
        self.polled.clear();
        for (i, lane) in self.lanes.iter().enumerate() {
            for c in lane.legs.iter().filter(|c| c.state != LegState::Idle) {
                self.polled.push((i, c.leg));
            }
        }
        let lanes = &self.lanes;
        let sockets = self.polled.iter().filter_map(|&(i, leg)| {
            lanes[i]
                .legs
                .iter()
                .find(|c| c.leg == leg)
                .map(|c| &c.socket)
        });
        self.poller.poll(
            extra.into_iter().chain(sockets),
            transport::wait_until(now, deadline),
        )?;
        let offset = usize::from(extra.is_some());
        let extra_readable = extra.is_some() && self.poller.readable(0);
        let ready: Vec<(usize, Leg)> = (0..self.polled.len())
            .filter(|&k| self.poller.readable(k + offset))
            .map(|k| self.polled[k])
            .collect();
        let now = Instant::now();
        for (i, leg) in ready {
            self.take_in(i, leg, now, events)?;
        }
        for i in 0..self.lanes.len() {
            let lane = &mut self.lanes[i];
            let before = lane.slot.attempt();
            let done = lane.slot.poll(now, &mut self.roster, &mut self.actions);
            if let Some(Done::GaveUp { attempts, .. }) = done
                && let Some(job) = lane.job.take()
            {
                events.push(Event::GaveUp {
                    tag: job.tag,
                    attempts,
                });
            } else if lane.slot.attempt() != before
                && let Some(job) = &lane.job
            {
                events.push(Event::Retry {
                    tag: job.tag.clone(),
                });
            }
            self.apply(i, now)?;
        }
        Ok(extra_readable)
    }

    /// Tells the slots of the connections established since they were last looked at.
    fn check_connections(&mut self, now: Instant) -> Result<(), CallError> {
        for i in 0..self.lanes.len() {
            let mut established = Vec::new();
            for c in &self.lanes[i].legs {
                if c.state == LegState::Connecting && c.socket.writable()? {
                    established.push(c.leg);
                }
            }
            for leg in established {
                self.lanes[i]
                    .slot
                    .connected(leg, &mut self.roster, &mut self.actions);
                self.apply(i, now)?;
            }
        }
        Ok(())
    }

    /// Whatever connection `leg` of lane `i` has for us: its establishment, or replies.
    fn take_in(
        &mut self,
        i: usize,
        leg: Leg,
        now: Instant,
        events: &mut Vec<Event<T>>,
    ) -> Result<(), CallError> {
        let lane = &mut self.lanes[i];
        let Some(c) = lane.legs.iter_mut().find(|c| c.leg == leg) else {
            return Ok(()); // closed since the wait began
        };
        match c.state {
            LegState::Connecting => {
                if c.socket.writable()? {
                    lane.slot
                        .connected(leg, &mut self.roster, &mut self.actions);
                    self.apply(i, now)?;
                }
            }
            LegState::Sent => {
                while let Some(frames) = c.socket.try_recv()? {
                    let Some(job) = lane.job.as_ref() else {
                        break;
                    };
                    match check_reply(self.opts.form, frames, &job.service) {
                        Ok(ClientReply {
                            kind: ReplyKind::Partial,
                            body,
                            ..
                        }) => {
                            lane.slot.partial(now, leg);
                            events.push(Event::Partial {
                                tag: job.tag.clone(),
                                body,
                            });
                        }
                        Ok(ClientReply { body, .. }) => {
                            let done = lane.slot.replied(leg, &mut self.roster, &mut self.actions);
                            if let (Some(Done::Replied { endpoint, .. }), Some(job)) =
                                (done, lane.job.take())
                            {
                                c.state = LegState::Idle;
                                events.push(Event::Reply {
                                    tag: job.tag,
                                    body,
                                    endpoint,
                                });
                            }
                            break;
                        }
                        Err(why) => log::info!("ignored a reply: {why}"),
                    }
                }
                self.apply(i, now)?;
            }
            LegState::Idle => {}
        }
        Ok(())
    }

    /// Whether connections wait for their handshake before they take the request: only when
    /// there is another broker to race them against. With one broker (or no head start) the
    /// request is queued at once, as a plain DEALER does, and sent when the connection is.
    fn racing(&self) -> bool {
        self.opts.endpoints.len() > 1 && self.opts.head_start.is_some()
    }

    /// Carries out the actions lane `i`'s slot asked for (and those they lead to).
    fn apply(&mut self, i: usize, now: Instant) -> Result<(), CallError> {
        let mut actions = std::mem::take(&mut self.actions);
        while !actions.is_empty() {
            for action in actions.drain(..) {
                match action {
                    Action::Connect {
                        leg,
                        endpoint,
                        attempt,
                        why,
                    } => self.open(i, leg, endpoint, attempt, why)?,
                    Action::Send { leg } => self.send(i, leg, now)?,
                    Action::Close { leg } => self.lanes[i].legs.retain(|c| c.leg != leg),
                }
            }
            // What they led to (a connection taken as established at once).
            std::mem::swap(&mut actions, &mut self.actions);
        }
        // Keep the allocation for the next round.
        self.actions = actions;
        Ok(())
    }

    /// Opens connection `leg` of lane `i` to broker `endpoint`.
    fn open(
        &mut self,
        i: usize,
        leg: Leg,
        endpoint: Endpoint,
        attempt: u32,
        why: Why,
    ) -> Result<(), CallError> {
        self.log_connect(endpoint, attempt, why);
        let racing = self.racing();
        let to = self.endpoint(endpoint);
        let socket = match racing {
            true => connect(&self.ctx, &self.opts.security, to)?,
            false => self.ctx.connect(
                Kind::Dealer,
                Linger::Discard,
                &self.opts.security,
                Tuning::default(),
                to,
            )?,
        };
        self.lanes[i].legs.push(Connection {
            leg,
            endpoint,
            socket,
            state: LegState::Connecting,
        });
        if !racing {
            self.lanes[i]
                .slot
                .connected(leg, &mut self.roster, &mut self.actions);
        }
        Ok(())
    }

    fn send(&mut self, i: usize, leg: Leg, now: Instant) -> Result<(), CallError> {
        let lane = &mut self.lanes[i];
        let (Some(c), Some(job)) = (lane.legs.iter_mut().find(|c| c.leg == leg), &lane.job) else {
            return Ok(());
        };
        let frames = ClientRequest {
            service: Frame::copy(&job.service),
            body: job.body.clone(),
        }
        .to_frames_in(self.opts.form);
        match c.socket.send(frames)? {
            Sent::Queued => c.state = LegState::Sent,
            // Its connection was lost since it was established (or reused).
            Sent::Dropped => {
                log::info!(
                    "{} is not connected; waiting for it",
                    self.opts.endpoints[c.endpoint]
                );
                c.state = LegState::Connecting;
                lane.slot.unsent(now, leg);
            }
        }
        Ok(())
    }

    fn log_connect(&self, endpoint: Endpoint, attempt: u32, why: Why) {
        let to = self.endpoint(endpoint);
        match why {
            Why::First => log::debug!("connecting to {to}"),
            Why::HeadStart => log::info!(
                "no connection established within the head start ({}); trying {to} as well",
                humantime::format_duration(self.cfg.head_start.unwrap_or_default())
            ),
            Why::Retry => {
                let level = match self.limit {
                    1 => log::Level::Warn,
                    // A pipeline: one line per request would drown the summary.
                    _ => log::Level::Info,
                };
                log::log!(
                    level,
                    "no reply within {}; retrying (attempt {attempt} of {}) on {to}",
                    humantime::format_duration(self.opts.timeout),
                    self.cfg.attempts
                );
            }
        }
    }

    /// Remembers the broker that answered last, for the next run (with `opts.remember`).
    pub fn remember(&mut self) {
        if let (Some(memory), Some(last)) = (self.memory.as_mut(), self.roster.last()) {
            memory.store(last);
        }
    }
}

/// Parses a reply to a request made in `form` and checks it answers `service`.
pub fn check_reply(form: Form, frames: Vec<Frame>, service: &[u8]) -> Result<ClientReply, String> {
    let reply = ClientReply::parse_in(form, service, frames).map_err(|e| e.to_string())?;
    if reply.service != service {
        return Err(format!(
            "it is for service {}, not {}",
            Printable::of(&reply.service),
            Printable::of(service)
        ));
    }
    Ok(reply)
}

/// How one request of a pipeline ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The reply body (PARTIAL bodies first, then the FINAL's).
    Reply(Vec<Frame>),
    /// No reply after every attempt.
    Timeout,
}

/// Runs many requests with up to `window` in flight, each with the retries of [`call`], and
/// reports each outcome in request order through `done`.
///
/// `requests` is polled without blocking (`Ok(None)` = nothing yet, `Err(())` = no more), so
/// replies are reported while the next request is still being typed.
pub fn pipeline(
    ctx: &Context,
    opts: &Options,
    service: &[u8],
    window: usize,
    mut requests: impl FnMut(Duration) -> Result<Option<Vec<Frame>>, ()>,
    shutdown: &Shutdown,
    mut done: impl FnMut(u64, Outcome) -> std::io::Result<()>,
) -> Result<(), CallError> {
    let window = window.max(1);
    let mut lanes = Lanes::<u64>::new(ctx, opts, window);
    let mut partials: std::collections::HashMap<u64, Vec<Frame>> = Default::default();
    let mut finished: std::collections::BTreeMap<u64, Outcome> = Default::default();
    let (mut next_index, mut next_done, mut input_open) = (0u64, 0u64, true);
    // Completed replies wait here for the ones before them; bounded so a stuck request
    // cannot make the buffer grow without limit.
    let reorder_limit = (window as u64) * 4;
    let mut events = Vec::new();
    loop {
        if shutdown.requested() {
            lanes.remember();
            return Err(CallError::Interrupted);
        }
        // Start new requests on free slots.
        while input_open && lanes.busy() < window && next_index < next_done + reorder_limit {
            let wait = if lanes.busy() == 0 {
                transport::MAX_WAIT
            } else {
                Duration::ZERO
            };
            match requests(wait) {
                Ok(Some(body)) => {
                    lanes.submit(Instant::now(), next_index, service, body)?;
                    next_index += 1;
                }
                Ok(None) => break,
                Err(()) => input_open = false,
            }
        }
        if !input_open && lanes.busy() == 0 {
            lanes.remember();
            return Ok(());
        }
        if lanes.busy() > 0 {
            lanes.wait(Instant::now() + transport::MAX_WAIT, None, &mut events)?;
        }
        for event in events.drain(..) {
            match event {
                Event::Partial { tag, body } => partials.entry(tag).or_default().extend(body),
                Event::Retry { tag } => {
                    partials.remove(&tag);
                }
                Event::Reply { tag, body, .. } => {
                    let mut all = partials.remove(&tag).unwrap_or_default();
                    all.extend(body);
                    finished.insert(tag, Outcome::Reply(all));
                }
                Event::GaveUp { tag, .. } => {
                    partials.remove(&tag);
                    finished.insert(tag, Outcome::Timeout);
                }
            }
        }
        while let Some(outcome) = finished.remove(&next_done) {
            done(next_done, outcome).map_err(|e| CallError::Other(e.into()))?;
            next_done += 1;
        }
    }
}
