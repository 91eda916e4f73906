//! `zmqtool titanic serve`: the TSP services, the store thread and the dispatcher loop.
//!
//! - titanic.request / titanic.reply / titanic.close are ordinary MDP workers (the worker
//!   driver, so they heartbeat, reconnect and fail over like any other); titanic.request runs
//!   several sessions so that concurrent requests share one commit.
//! - The store thread commits and then tells the dispatcher what was added or closed, as
//!   typed [`Notice`]s over a [`channel`].
//! - With a shared (PostgreSQL) store, the dispatcher holds only the requests it claimed: it
//!   claims up to a window of them when told that requests were stored (by this server, or by
//!   another through LISTEN/NOTIFY) and at every sweep (which finds the leases of servers that
//!   died), renews its leases while it holds them, and gives them up when it stops.
//! - The dispatcher loop drives [`Dispatcher`]: each call it asks for is one attempt on a
//!   slot of [`client::Lanes`] (one call per connection, so replies need no id), with its
//!   timeout, head start and failover along the broker list; the dispatcher retries.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};

use super::dispatcher::{self, Action, Dispatcher};
use super::store::{self, Lease, Notice, State, Store, StoreError};
use super::tsp::{self, Status, StoreRequest, Uuid, parse_uuid_body};
use crate::client;
use crate::mdp::stamp::{self, Stamp};
use crate::mdp::{Form, Frame, ReplyKind, mmi};
use crate::runtime::Shutdown;
use crate::store::{Location, memory};
use crate::transport::{Context, channel};
use crate::worker::{self, Brokers, Handler, session};

/// `titanic serve` settings.
#[derive(Debug, Clone)]
pub struct Options {
    pub brokers: Brokers,
    pub store: Location,
    /// How long a claim on a request of a shared store holds without renewal.
    pub lease: Duration,
    pub dispatch: dispatcher::Config,
    /// Sessions for titanic.request.
    pub request_sessions: usize,
    pub heartbeat: Duration,
    pub reconnect: Duration,
    /// Replies nobody closed are deleted after this long.
    pub retain: Option<Duration>,
    /// Stamp each delivery with its request's UUID (`mdp::stamp`), so that `--dedup`
    /// workers run a redelivered request at most once.
    pub stamp: bool,
}

/// The TSP services' handlers.
struct Services {
    store: Store,
    /// Replies received but not yet stored (the write failed and is being retried).
    unsaved: Unsaved,
}

/// The ids of replies held in memory until the store takes them, shared between the
/// dispatcher (which retries the writes) and titanic.reply (which answers 500 meanwhile).
type Unsaved = Arc<std::sync::Mutex<std::collections::HashSet<Uuid>>>;

/// How often a failed reply write is tried again.
const STORE_RETRY: Duration = Duration::from_secs(1);

impl Services {
    fn request(&self, body: Vec<Frame>) -> Vec<Frame> {
        let request = match StoreRequest::parse(body) {
            Ok(r) => r,
            Err(why) => return vec![Status::Unknown.frame(why)],
        };
        let uuid = Uuid::new();
        match self.store.insert(uuid, request) {
            Ok(()) => vec![Status::Ok.frame(""), Frame::copy(uuid.as_bytes())],
            Err(e) => failure(e),
        }
    }

    fn reply(&self, body: Vec<Frame>) -> Vec<Frame> {
        let Some(uuid) = parse_uuid_body(&body) else {
            return vec![Status::Unknown.frame("malformed UUID")];
        };
        if self.unsaved.lock().is_ok_and(|u| u.contains(&uuid)) {
            return vec![Status::Error.frame("the reply came but is not stored yet; ask again")];
        }
        match self.store.status(uuid) {
            Ok(State::Replied(frames)) => {
                let mut reply = vec![Status::Ok.frame("")];
                reply.extend(frames);
                reply
            }
            Ok(State::Pending) => vec![Status::Pending.frame("")],
            Ok(State::Unknown) => vec![Status::Unknown.frame("")],
            Err(e) => failure(e),
        }
    }

    fn stats(&self) -> Vec<Frame> {
        let summary = match self.store.pending_summary() {
            Ok(summary) => summary,
            Err(e) => return failure(e),
        };
        let stats = tsp::Stats {
            pending: summary.count,
            oldest_pending_s: summary
                .oldest_age(store::now_ms())
                .map(|age| age.as_secs_f64()),
        };
        match serde_json::to_vec(&stats) {
            Ok(json) => vec![Status::Ok.frame(""), json.into()],
            Err(e) => vec![Status::Error.frame(&e.to_string())],
        }
    }

    fn close(&self, body: Vec<Frame>) -> Vec<Frame> {
        let Some(uuid) = parse_uuid_body(&body) else {
            return vec![Status::Unknown.frame("malformed UUID")];
        };
        match self.store.close(uuid) {
            Ok(()) => vec![Status::Ok.frame("")],
            Err(e) => failure(e),
        }
    }
}

/// A 500 for a store that failed, logged: the client learns that the server is at fault.
fn failure(e: StoreError) -> Vec<Frame> {
    log::warn!("{e}");
    vec![Status::Error.frame(&e.to_string())]
}

/// One of the three services, as a worker handler.
struct Service {
    services: Arc<Services>,
    which: &'static [u8],
}

impl Handler for Service {
    fn handle(
        &self,
        body: Vec<Frame>,
        _: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        let frames = match self.which {
            tsp::REQUEST => self.services.request(body),
            tsp::REPLY => self.services.reply(body),
            tsp::STATS => self.services.stats(),
            _ => self.services.close(body),
        };
        reply(ReplyKind::Final, frames);
    }

    /// A TSP call waits for one commit at most (a fraction of a millisecond; a burst shares
    /// it), far inside a heartbeat, so it runs on the session thread rather than a job thread.
    fn inline(&self) -> bool {
        true
    }
}

/// Runs the Titanic server until `shutdown`.
pub fn serve(ctx: &Context, opts: Options, shutdown: &Shutdown) -> Result<()> {
    let lease = Lease::new(opts.lease);
    let opened = store::open(&opts.store, &lease)?;
    let _lock = opened.lock;
    // The store thread (and, for a shared store, the listener) tell the dispatcher what
    // changed.
    let (notify, notices) = channel::channel::<Notice>(ctx)?;
    let wake = notify.try_clone()?;
    let store = Store::spawn(opened.backend, move |changes| {
        for change in changes {
            notify.send(change);
        }
    });
    let listener = store::listen(&opts.store, shutdown.clone(), move || {
        wake.send(Notice::Wake);
    });
    let pending = if store.is_shared() {
        Vec::new()
    } else {
        store.pending()?
    };
    if matches!(opts.store, Location::Memory) {
        log::warn!("{}", memory::WARNING);
    }
    log::warn!(
        "titanic serving with store {} ({} requests waiting for delivery{})",
        opts.store,
        store.pending_summary()?.count,
        if store.is_shared() {
            format!(", shared; this server is {}", lease.owner)
        } else {
            String::new()
        }
    );

    let unsaved = Unsaved::default();
    let services = Arc::new(Services {
        store: store.clone(),
        unsaved: unsaved.clone(),
    });
    let mut threads = Vec::new();
    for (name, sessions) in [
        (tsp::REQUEST, opts.request_sessions.max(1)),
        (tsp::REPLY, 1),
        (tsp::CLOSE, 1),
        (tsp::STATS, 1),
    ] {
        for _ in 0..sessions {
            let cfg = session::Config {
                service: Frame::copy(name),
                form: crate::mdp::Form::V01,
                heartbeat: opts.heartbeat,
                liveness: 3,
                reconnect: opts.reconnect,
                credit: 1,
                dedup: false,
            };
            let handler: Arc<dyn Handler> = Arc::new(Service {
                services: services.clone(),
                which: name,
            });
            let (ctx, brokers, stop) = (ctx.clone(), opts.brokers.clone(), shutdown.clone());
            threads.push(std::thread::spawn(move || {
                let result = worker::run(&ctx, &brokers, cfg, handler, 1, &stop);
                if result.is_err() {
                    stop.stop();
                }
                result
            }));
        }
    }

    let mut dispatch = Dispatch::new(ctx, &opts, store.clone(), unsaved);
    for entry in pending {
        dispatch.core.add(entry);
    }
    let result = dispatch.run(&notices, opts.retain, shutdown);
    shutdown.stop();
    for t in threads {
        t.join()
            .map_err(|_| anyhow!("a Titanic service thread panicked"))??;
    }
    dispatch.release();
    if let Some(listener) = listener {
        let _ = listener.join();
    }
    result
}

/// How a dispatcher of a shared store gets its requests: by claims, up to a window.
struct Claims {
    /// The most requests held at once.
    window: usize,
    /// Told that requests were stored: claim as soon as there is room.
    wanted: bool,
    /// The last claim filled what it asked for: there may be more.
    more: bool,
    /// The last poll could start nothing though calls were free: every request held waits
    /// (its service absent, or a retry's backoff). Then the window does not stop a claim,
    /// so that requests for absent services never hold back the others.
    stuck: bool,
    /// The next sweep (a claim whatever was told: it finds expired leases).
    sweep_at: Instant,
    sweep: Duration,
    renew_at: Instant,
    renew: Duration,
    /// The requests claimed and not yet let go (replied, closed, or lost to another
    /// server): the leases renewed.
    held: std::collections::HashSet<Uuid>,
}

impl Claims {
    fn new(lease: Duration, inflight: usize) -> Claims {
        let now = Instant::now();
        Claims {
            window: (inflight * 2).max(16),
            wanted: true,
            more: false,
            stuck: false,
            sweep_at: now,
            sweep: (lease / 4).clamp(Duration::from_millis(100), Duration::from_secs(5)),
            renew_at: now + lease / 3,
            renew: lease / 3,
            held: Default::default(),
        }
    }

    fn next_deadline(&self) -> Instant {
        self.sweep_at.min(self.renew_at)
    }
}

/// What a call in flight is for: the request, and whether it asks mmi.service (else it is
/// the real request).
#[derive(Debug, Clone, Copy)]
struct Call {
    uuid: Uuid,
    asking: bool,
}

struct Dispatch {
    core: Dispatcher,
    store: Store,
    /// The calls in flight: one attempt each (the dispatcher retries, with its backoff),
    /// failing over along the broker list.
    calls: client::Lanes<Call>,
    timeout: Duration,
    /// Replies whose write failed, kept until a retry stores them.
    unsaved: std::collections::BTreeMap<Uuid, Vec<Frame>>,
    unsaved_ids: Unsaved,
    retry_at: Instant,
    /// For a shared store: its claims and leases.
    claims: Option<Claims>,
    /// Deliveries carry their request's stamp (see [`Options::stamp`]).
    stamp: bool,
}

impl Dispatch {
    fn new(ctx: &Context, opts: &Options, store: Store, unsaved_ids: Unsaved) -> Dispatch {
        let calls = client::Options::new(
            opts.brokers.endpoints.clone(),
            opts.dispatch.timeout,
            1,
            Form::V01,
            opts.brokers.security.clone(),
        );
        Dispatch {
            stamp: opts.stamp,
            core: Dispatcher::new(opts.dispatch.clone()),
            calls: client::Lanes::new(ctx, &calls, usize::MAX),
            timeout: opts.dispatch.timeout,
            unsaved: Default::default(),
            unsaved_ids,
            retry_at: Instant::now(),
            claims: store
                .is_shared()
                .then(|| Claims::new(opts.lease, opts.dispatch.inflight)),
            store,
        }
    }

    /// Renews this server's leases when due, and claims what there is room for when told
    /// that requests were stored, when the last claim may have left more, or at a sweep.
    fn claim(&mut self, now: Instant) {
        let Some(claims) = &mut self.claims else {
            return;
        };
        if now >= claims.renew_at {
            claims.renew_at = now + claims.renew;
            if let Err(e) = self.store.renew(claims.held.iter().copied().collect()) {
                log::warn!("cannot renew this server's leases: {e}");
            }
        }
        let room = if claims.stuck {
            claims.window
        } else {
            claims.window.saturating_sub(self.core.pending())
        };
        let due = now >= claims.sweep_at;
        if room == 0 || !(due || claims.wanted || claims.more) {
            return;
        }
        claims.sweep_at = now + claims.sweep;
        claims.wanted = false;
        match self.store.claim(room) {
            Ok(entries) => {
                claims.more = entries.len() == room;
                if !entries.is_empty() {
                    log::info!("claimed {} requests", entries.len());
                }
                for entry in entries {
                    claims.held.insert(entry.uuid);
                    self.core.add(entry);
                }
            }
            Err(e) => {
                claims.more = false;
                log::warn!("cannot claim requests: {e}; will retry");
            }
        }
    }

    /// The dispatcher is done with `uuid`: its lease is no longer renewed.
    fn let_go(&mut self, uuid: Uuid) {
        if let Some(claims) = &mut self.claims {
            claims.held.remove(&uuid);
        }
    }

    /// At a clean stop: gives this server's leases up, so other servers deliver at once.
    fn release(&self) {
        if self.claims.is_some() {
            match self.store.release() {
                Ok(0) => {}
                Ok(n) => log::info!("released {n} requests for the other servers"),
                Err(e) => log::warn!("cannot release this server's leases: {e}"),
            }
        }
    }

    fn run(
        &mut self,
        notices: &channel::Receiver<Notice>,
        retain: Option<Duration>,
        shutdown: &Shutdown,
    ) -> Result<()> {
        let mut next_expiry = Instant::now();
        while !shutdown.requested() {
            let now = Instant::now();
            if let Some(retain) = retain
                && now >= next_expiry
            {
                next_expiry = now + Duration::from_secs(60).min(retain);
                let before = store::now_ms() - retain.as_millis() as i64;
                match self.store.expire(before) {
                    Ok(0) => {}
                    Ok(n) => log::info!("deleted {n} replies older than --retain"),
                    Err(e) => log::warn!("cannot expire old replies: {e}"),
                }
            }
            if !self.unsaved.is_empty() && now >= self.retry_at {
                self.retry_at = now + STORE_RETRY;
                self.store_unsaved();
            }
            self.claim(now);
            let mut actions = Vec::new();
            self.core.poll(now, &mut actions);
            if let Some(claims) = &mut self.claims {
                claims.stuck =
                    actions.is_empty() && self.core.inflight() < self.core.config().inflight;
            }
            self.carry_out(actions)?;
            self.wait(notices, now)?;
        }
        Ok(())
    }

    fn carry_out(&mut self, actions: Vec<Action>) -> Result<()> {
        for action in actions {
            match action {
                Action::Ask { uuid, service } => {
                    self.call(uuid, true, mmi::SERVICE, vec![service])?
                }
                Action::Send { uuid, service } => match self.store.load(uuid) {
                    Ok(Some(request)) => {
                        let mut body = request.body;
                        if let Some(stamp) = self.stamp.then(|| delivery_stamp(uuid)) {
                            body.insert(0, stamp.to_frame());
                        }
                        self.call(uuid, false, &service, body)?
                    }
                    // Replied or closed since it was queued (or, in a shared store, this
                    // server's lease is gone): nothing to send.
                    Ok(None) => {
                        self.core.closed(uuid);
                        self.let_go(uuid);
                    }
                    // It can never be sent: say so once, and leave it in the store for
                    // `titanic reply` to answer with 500 and `titanic close` to remove.
                    Err(e @ StoreError::Corrupt { .. }) => {
                        log::error!("{e}; it cannot be delivered (titanic close removes it)");
                        self.core.closed(uuid);
                        self.let_go(uuid);
                    }
                    Err(e) => {
                        log::warn!("cannot load request {uuid}: {e}; will retry");
                        self.core.on_timeout(Instant::now(), uuid);
                    }
                },
                Action::Store { uuid, reply } => {
                    self.let_go(uuid);
                    self.store_reply(uuid, reply);
                }
            }
        }
        Ok(())
    }

    /// Takes the worker's outcome frame off the reply to a stamped delivery (the stored reply
    /// is the service's), and says in the log what the worker did with it.
    fn unstamp(&self, uuid: Uuid, frames: Vec<Frame>) -> Vec<Frame> {
        if !self.stamp {
            return frames;
        }
        let sent = delivery_stamp(uuid).to_frame();
        let (outcome, frames) = stamp::take_outcome(frames, &sent);
        match outcome {
            Some(outcome) if outcome.replayed() => {
                log::info!("request {uuid} was answered from its worker's dedup store ({outcome})")
            }
            Some(_) => {}
            None => log::debug!("request {uuid} was answered by a worker without --dedup"),
        }
        frames
    }

    /// Stores a reply; if the write fails, keeps it in memory (titanic.reply answers 500
    /// meanwhile) and tries again every [`STORE_RETRY`] until it is stored.
    fn store_reply(&mut self, uuid: Uuid, reply: Vec<Frame>) {
        match self.store.reply(uuid, reply.clone()) {
            Ok(true) => log::info!("request {uuid} answered"),
            Ok(false) => {}
            Err(e) => {
                log::warn!("cannot store the reply to {uuid}: {e}; keeping it and trying again");
                if let Ok(mut ids) = self.unsaved_ids.lock() {
                    ids.insert(uuid);
                }
                if self.unsaved.is_empty() {
                    self.retry_at = Instant::now() + STORE_RETRY;
                }
                self.unsaved.insert(uuid, reply);
            }
        }
    }

    /// Tries the failed reply writes again; stops at the first that still fails.
    fn store_unsaved(&mut self) {
        while let Some((&uuid, reply)) = self.unsaved.first_key_value() {
            match self.store.reply(uuid, reply.clone()) {
                Ok(_) => {
                    log::warn!("stored the reply to {uuid} at last");
                    self.unsaved.remove(&uuid);
                    if let Ok(mut ids) = self.unsaved_ids.lock() {
                        ids.remove(&uuid);
                    }
                }
                Err(e) => {
                    log::info!("still cannot store the reply to {uuid}: {e}");
                    return;
                }
            }
        }
    }

    fn call(&mut self, uuid: Uuid, asking: bool, service: &[u8], body: Vec<Frame>) -> Result<()> {
        self.calls
            .submit(Instant::now(), Call { uuid, asking }, service, body)
            .context("cannot call the broker")
    }

    /// Waits for answers, notices from the store, or the next deadline.
    fn wait(&mut self, notices: &channel::Receiver<Notice>, now: Instant) -> Result<()> {
        let deadline = self.core.next_deadline(now);
        let deadline = match &self.claims {
            Some(claims) => deadline.min(claims.next_deadline()),
            None => deadline,
        };
        let mut events = Vec::new();
        let noticed = self
            .calls
            .wait(deadline, Some(notices.socket()), &mut events)
            .context("waiting in the dispatcher")?;
        if noticed {
            for notice in notices.drain() {
                self.on_notice(notice);
            }
        }
        let now = Instant::now();
        let mut actions = Vec::new();
        for event in events {
            match event {
                client::Event::Reply { tag, body, .. } => match parse_answer(body, tag.asking) {
                    Answer::Presence(present) => {
                        self.core.on_presence(now, tag.uuid, present, &mut actions)
                    }
                    Answer::Reply(frames) => {
                        let frames = self.unstamp(tag.uuid, frames);
                        self.core.on_reply(now, tag.uuid, frames, &mut actions)
                    }
                },
                client::Event::GaveUp { tag, .. } => {
                    log::info!(
                        "no answer for {} within {}; will retry",
                        tag.uuid,
                        humantime::format_duration(self.timeout)
                    );
                    self.core.on_timeout(now, tag.uuid);
                }
                client::Event::Partial { .. } | client::Event::Retry { .. } => {}
            }
        }
        self.carry_out(actions)
    }

    fn on_notice(&mut self, notice: Notice) {
        match (notice, &mut self.claims) {
            // A shared store's requests are claimed, not taken as stored.
            (Notice::Added(_) | Notice::Wake, Some(claims)) => claims.wanted = true,
            (Notice::Added(entry), None) => self.core.add(entry),
            (Notice::Wake, None) => {}
            (Notice::Closed(uuid), _) => {
                self.core.closed(uuid);
                self.let_go(uuid);
            }
        }
    }
}

enum Answer {
    Presence(bool),
    Reply(Vec<Frame>),
}

/// The stamp of every delivery of request `uuid`: the same after any restart, on any server
/// sharing the store.
fn delivery_stamp(uuid: Uuid) -> Stamp {
    Stamp::new(DELIVERY_CLIENT_ID, uuid.as_str()).expect("a UUID is 32 hex digits")
}

/// The client id of Titanic's deliveries.
pub const DELIVERY_CLIENT_ID: &str = "titanic";

/// Reads an answer's body: an MMI code, or the real service's reply.
fn parse_answer(body: Vec<Frame>, asking: bool) -> Answer {
    if asking {
        let code = body.last().and_then(|f| mmi::Code::parse(f));
        return Answer::Presence(code == Some(mmi::Code::Present));
    }
    Answer::Reply(body)
}
