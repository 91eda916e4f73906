//! The broker as a pure state machine: `(now, identity, frames)` in, messages and events out.
//!
//! It owns workers, services and queued requests, and no socket, thread or clock. The driver
//! calls [`Broker::handle`] for each message from the ROUTER socket and [`Broker::tick`] at
//! [`Broker::next_deadline`]; both append to an [`Output`] whose messages it sends and whose
//! events it logs.
//!
//! Where the reference broker (zguide `mdbroker.c`) is wrong, this one follows the RFCs:
//! - every worker, idle or busy, is heartbeated and expires after `liveness` silent
//!   intervals, and the purge scans them all, not up to the first live one;
//! - a worker that dies holding a request has that request requeued, once, at the head of
//!   its service's queue (a request that kills two workers is dropped);
//! - a reply must be addressed to the client whose request the worker holds;
//! - a service with no workers is removed after `service_ttl`, with its queue, so MMI stops
//!   reporting dead services and requests for absent services expire (7/MDP "SHOULD expire");
//! - `mmi.` is checked on the READY's service name, and MMI lookups create no service;
//! - malformed input is dropped with a reason; it never creates state.
//!
//! MDP/0.1 and 0.2 peers share the socket: each worker and each request remember their
//! version. A 0.2 worker's PARTIALs go to a 0.2 client as they come, and are gathered into
//! one REPLY (up to `max_msg_size` bytes) for a 0.1 client.
//!
//! Credit (docs/PROTOCOL-EXTENSIONS.md): a worker whose READY says `credit=N` is sent up to N
//! requests at once (at most `max_credit`). Each carries a token of the broker's in its
//! client-address frame, so the replies are matched to their requests in any order; a worker
//! without credit is served exactly as MDP says, its client-address frame the client's
//! routing id. Requests go to the worker of the service with the fewest in hand, then to the
//! one least recently given one.
//!
//! Stamps (the `dedup` extension, `mdp::stamp`): a request whose body starts with a stamp
//! keeps it for a worker that announced `dedup`; any other worker gets the body without it,
//! byte for byte what an unstamped client would have sent. A malformed stamp is dropped as
//! any malformed message is.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

// foldhash, not the standard SipHash: a third of the price per lookup, seeded at random per
// process (docs/SECURITY.md weighs it), and the tables are bounded by the limits anyway.
use foldhash::{HashMap, HashMapExt};

pub use super::event::{Event, EvictReason, Identity, Level, Limit, LossReason};
use super::stats::{ServiceStats, Stats};
use crate::heartbeat::RateCheck;
use crate::mdp::stamp::{Outcome, Stamp};
use crate::mdp::{
    ClientReply, ClientRequest, Dialect, Form, Frame, Inbound, Printable, ProtocolError, ReplyKind,
    Version, WorkerMsg, bytes_in, mmi,
};

/// The broker's settings (the `zmqtool broker` flags).
#[derive(Debug, Clone)]
pub struct Config {
    /// Interval between heartbeats, both ways.
    pub heartbeat: Duration,
    /// Heartbeats a worker may miss before it is considered dead.
    pub liveness: u32,
    /// How long a worker holding a request may stay silent before it is presumed dead, when
    /// it has not shown that it heartbeats while busy; `None`: for ever. Workers built on
    /// the zguide's mdwrkapi are single-threaded and say nothing while they work.
    pub busy_timeout: Option<Duration>,
    /// How long a service with no workers is kept (with its queue) before removal.
    pub service_ttl: Duration,
    /// New requests queued per service; beyond it, new requests are dropped (a request
    /// requeued after its worker died is never dropped for it).
    pub max_queue: usize,
    /// Largest message accepted (all frames together), and the bound on PARTIALs gathered
    /// for a 0.1 client.
    pub max_msg_size: usize,
    /// Most frames in one message.
    pub max_frames: usize,
    /// Longest service name, in bytes.
    pub max_service_len: usize,
    /// Requests queued over all services.
    pub max_queue_total: usize,
    /// Bytes of request bodies queued over all services.
    pub max_queue_bytes: usize,
    /// Services known at once.
    pub max_services: usize,
    /// Workers registered at once.
    pub max_workers: usize,
    /// The most requests one worker may hold, whatever credit it announces.
    pub max_credit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            heartbeat: Duration::from_millis(2500),
            liveness: 3,
            busy_timeout: Some(DEFAULT_BUSY_TIMEOUT),
            service_ttl: Duration::from_secs(30),
            max_queue: 100_000,
            max_msg_size: 16 << 20,
            max_frames: 1024,
            max_service_len: 255,
            max_queue_total: 1_000_000,
            max_queue_bytes: 1 << 30,
            max_services: 10_000,
            max_workers: 10_000,
            max_credit: 256,
        }
    }
}

/// The default `--busy-timeout`: long enough for the jobs people run on single-threaded
/// reference workers, short enough that a request held by one that died is redone within
/// minutes.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(300);

impl Config {
    /// How long a worker may stay silent before it is purged.
    pub fn expiry(&self) -> Duration {
        self.heartbeat * self.liveness
    }
}

/// A message for the driver to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    ToClient {
        to: Identity,
        form: Form,
        reply: ClientReply,
    },
    ToWorker {
        to: Identity,
        form: Form,
        msg: WorkerMsg,
    },
}

impl Outgoing {
    /// The frames for a ROUTER socket: identity first.
    pub fn into_frames(self) -> Result<Vec<Frame>, ProtocolError> {
        let (to, mut frames) = self.into_routed()?;
        frames.insert(0, to.0);
        Ok(frames)
    }

    /// The peer it goes to, and the frames after its identity.
    pub fn into_routed(self) -> Result<(Identity, Vec<Frame>), ProtocolError> {
        Ok(match self {
            Outgoing::ToClient { to, form, reply } => (to, reply.to_frames_in(form)?),
            Outgoing::ToWorker { to, form, msg } => (to, msg.to_frames_in(form)?),
        })
    }

    pub fn to(&self) -> &Identity {
        match self {
            Outgoing::ToClient { to, .. } | Outgoing::ToWorker { to, .. } => to,
        }
    }
}

/// What one call into the broker produced.
#[derive(Debug, Default)]
pub struct Output {
    pub sends: Vec<Outgoing>,
    pub events: Vec<Event>,
}

impl Output {
    pub fn clear(&mut self) {
        self.sends.clear();
        self.events.clear();
    }
}

/// A client request waiting for, or held by, a worker.
#[derive(Debug, Clone)]
struct Pending {
    client: Identity,
    form: Form,
    body: Vec<Frame>,
    /// Already requeued once after its worker died.
    redelivered: bool,
    /// When it was (last) queued: it waits for a worker for `--service-ttl` from then.
    queued_at: Instant,
    /// Its body starts with a stamp (mdp::stamp), which only a worker that announced
    /// `dedup` is given.
    stamped: bool,
}

/// PARTIAL bodies held for a 0.1 client, which can take only one REPLY.
#[derive(Debug)]
enum Gathered {
    Frames { frames: Vec<Frame>, bytes: usize },
    Overflowed,
}

#[derive(Debug)]
struct Job {
    /// What the REQUEST's client-address frame carried, and the reply must carry back: the
    /// client's routing id for a worker without credit, a token of the broker's for one with.
    address: Frame,
    /// The broker's dispatch count when it was given: a dead worker's requests are requeued
    /// in this order.
    order: u64,
    request: Pending,
    /// When the worker was given the request.
    since: Instant,
    /// A PARTIAL has gone to the client.
    streamed: bool,
    gathered: Gathered,
}

#[derive(Debug)]
struct Worker {
    service: Frame,
    form: Form,
    last_seen: Instant,
    /// The requests in hand: at most one without credit, up to `credit` with.
    jobs: Vec<Job>,
    /// The requests it may hold at once; 1 is plain MDP.
    credit: usize,
    /// When it was last given a request (the broker's dispatch count then): least recently
    /// used first among credited workers with as few in hand.
    last_used: u64,
    rate: RateCheck,
    /// It has sent a HEARTBEAT while holding a request (zmqtool's workers do; the zguide's
    /// single-threaded ones cannot), so its busy silences are judged like idle ones.
    beats_while_busy: bool,
    /// It announced `dedup`: stamped requests reach it with their stamp.
    dedup: bool,
}

impl Worker {
    fn has_room(&self) -> bool {
        self.jobs.len() < self.credit
    }
}

#[derive(Debug)]
struct Service {
    /// Idle workers without credit, least recently used first.
    idle: VecDeque<Identity>,
    /// Workers with credit, busy or not (a deployment has a few, each holding many).
    credited: Vec<Identity>,
    requests: VecDeque<Pending>,
    workers: usize,
    /// Since when this service has had no workers.
    empty_since: Option<Instant>,
    stats: ServiceStats,
}

impl Service {
    fn new(now: Instant) -> Service {
        Service {
            idle: VecDeque::new(),
            credited: Vec::new(),
            requests: VecDeque::new(),
            workers: 0,
            empty_since: Some(now),
            stats: ServiceStats::default(),
        }
    }
}

/// The Majordomo broker state machine.
#[derive(Debug)]
pub struct Broker {
    cfg: Config,
    workers: HashMap<Identity, Worker>,
    services: HashMap<Frame, Service>,
    /// Requests queued over all services.
    queued: usize,
    /// Bytes of their bodies.
    queued_bytes: usize,
    tick_at: Instant,
    /// Requests dispatched so far: the clock of `Worker::last_used`, and the source of the
    /// tokens credited workers get.
    dispatched: u64,
    stats: Stats,
    /// Who the sender of the message being handled proved to be (see
    /// [`Broker::handle_from`]); empty when nobody in particular.
    user: Vec<u8>,
}

impl Broker {
    pub fn new(cfg: Config, now: Instant) -> Broker {
        Broker {
            tick_at: now + cfg.heartbeat,
            cfg,
            workers: HashMap::new(),
            services: HashMap::new(),
            queued: 0,
            queued_bytes: 0,
            dispatched: 0,
            stats: Stats::new(now),
            user: Vec::new(),
        }
    }

    /// Where the transport counts the connections it refuses, for the statistics.
    pub fn count_refused_connections(
        &mut self,
        counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) {
        self.stats.count_refused_connections(counter);
    }

    /// The statistics (`mmi.stats`): counters since start, and per service (by name).
    pub fn stats(&self, now: Instant) -> mmi::Stats {
        let mut services: Vec<(&Frame, &Service)> = self.services.iter().collect();
        services.sort_by(|a, b| a.0.cmp(b.0));
        let services = services
            .into_iter()
            .map(|(name, service)| {
                let idle = self.idle_workers(service);
                service.stats.report(
                    String::from_utf8_lossy(name).into_owned(),
                    service.requests.len(),
                    idle,
                    service.workers - idle,
                )
            })
            .collect();
        self.stats.report(now, services)
    }

    /// Workers of `service` holding no request.
    fn idle_workers(&self, service: &Service) -> usize {
        service.idle.len()
            + service
                .credited
                .iter()
                .filter(|id| self.workers.get(*id).is_some_and(|w| w.jobs.is_empty()))
                .count()
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// When [`Broker::tick`] next has work to do.
    pub fn next_deadline(&self) -> Instant {
        self.tick_at
    }

    /// Takes one message that arrived from `from` on the ROUTER socket.
    pub fn handle(&mut self, now: Instant, from: Identity, frames: Vec<Frame>, out: &mut Output) {
        self.handle_from(now, from, b"", frames, out)
    }

    /// Takes one message from `from`, whom the transport's security proved to be `user` (a
    /// CURVE public key in Z85 or a PLAIN user name; empty: nobody in particular). A stamped
    /// request's owner field is rewritten to it, so a client cannot pass for another and be
    /// answered with its stored replies (docs/SECURITY.md).
    pub fn handle_from(
        &mut self,
        now: Instant,
        from: Identity,
        user: &[u8],
        frames: Vec<Frame>,
        out: &mut Output,
    ) {
        let first = out.events.len();
        self.user.clear();
        self.user.extend_from_slice(user);
        self.take(now, from, frames, out);
        self.stats.note(&out.events[first..]);
    }

    fn take(&mut self, now: Instant, from: Identity, frames: Vec<Frame>, out: &mut Output) {
        if let Some(limit) = self.too_big(&frames) {
            out.events.push(Event::Refused {
                peer: from.clone(),
                limit: limit.clone(),
            });
            // A worker whose reply is refused would hold its request, heartbeating, for
            // ever: it is done with, and the request is handled as on its death.
            if self.workers.contains_key(&from) {
                self.evict(now, from, EvictReason::Limit(limit), out);
            }
            return;
        }
        match Inbound::parse(frames) {
            Err(error) if self.workers.contains_key(&from) => {
                self.evict(now, from, EvictReason::Malformed(error), out)
            }
            Err(error) => out.events.push(Event::Malformed { peer: from, error }),
            Ok(Inbound::Client(form, request)) => self.on_request(now, from, form, request, out),
            Ok(Inbound::Worker(form, msg)) => self.on_worker(now, from, form, msg, out),
        }
    }

    fn too_big(&self, frames: &[Frame]) -> Option<Limit> {
        if frames.len() > self.cfg.max_frames {
            return Some(Limit::Frames(self.cfg.max_frames));
        }
        (bytes_in(frames) > self.cfg.max_msg_size).then_some(Limit::Size(self.cfg.max_msg_size))
    }

    /// Whether a service of this name may be created (or exists).
    fn service_allowed(&self, name: &[u8]) -> Result<(), Limit> {
        if name.len() > self.cfg.max_service_len {
            return Err(Limit::ServiceName(self.cfg.max_service_len));
        }
        if !self.services.contains_key(name) && self.services.len() >= self.cfg.max_services {
            return Err(Limit::Services(self.cfg.max_services));
        }
        Ok(())
    }

    /// Purges dead workers, removes expired services and heartbeats every worker, once per
    /// heartbeat interval.
    pub fn tick(&mut self, now: Instant, out: &mut Output) {
        if now < self.tick_at {
            return;
        }
        self.tick_at = now + self.cfg.heartbeat;
        let first = out.events.len();
        self.purge(now, out);
        self.remove_expired_services(now, out);
        self.stats.note(&out.events[first..]);
        for (id, worker) in &self.workers {
            out.sends.push(Outgoing::ToWorker {
                to: id.clone(),
                form: worker.form,
                msg: WorkerMsg::Heartbeat,
            });
        }
    }

    /// Sends DISCONNECT to every worker and forgets them all.
    pub fn shutdown(&mut self, out: &mut Output) {
        out.events.push(Event::Shutdown {
            workers: self.workers.len(),
        });
        for (id, worker) in self.workers.drain() {
            out.sends.push(Outgoing::ToWorker {
                to: id,
                form: worker.form,
                msg: WorkerMsg::Disconnect,
            });
        }
        self.services.clear();
        self.queued = 0;
        self.queued_bytes = 0;
    }

    /// Services sorted by name, with idle and busy workers and queue depth.
    pub fn services(&self) -> Vec<mmi::ServiceStatus> {
        let mut list: Vec<mmi::ServiceStatus> = self
            .services
            .iter()
            .map(|(name, service)| {
                let idle = self.idle_workers(service);
                mmi::ServiceStatus {
                    name: name.to_vec(),
                    idle,
                    busy: service.workers - idle,
                    queued: service.requests.len(),
                }
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    /// True when `service` has at least one live worker.
    pub fn has_workers(&self, service: &[u8]) -> bool {
        self.services.get(service).is_some_and(|s| s.workers > 0)
    }

    fn on_request(
        &mut self,
        now: Instant,
        client: Identity,
        form: Form,
        request: ClientRequest,
        out: &mut Output,
    ) {
        if mmi::is_mmi(&request.service) {
            let body = super::mmi::answer(self, now, &request.service, request.body);
            out.sends.push(Outgoing::ToClient {
                to: client,
                form,
                reply: ClientReply::last(request.service, body),
            });
            return;
        }
        let mut request = request;
        let stamped = match request.body.first().map(|f| Stamp::parse(f)) {
            Some(Err(e)) => {
                out.events.push(Event::Malformed {
                    peer: client,
                    error: e.into(),
                });
                return;
            }
            Some(Ok(Some(stamp))) => {
                // Whatever owner the client wrote, the one that counts is who it proved to be.
                request.body[0] = stamp.owned_by(&self.user).to_frame();
                true
            }
            Some(Ok(None)) | None => false,
        };
        self.stats.request();
        if let Err(limit) = self.service_allowed(&request.service) {
            out.events.push(Event::Refused {
                peer: client,
                limit,
            });
            return;
        }
        let (max_queue, max_total) = (self.cfg.max_queue, self.cfg.max_queue_total);
        let size = bytes_in(&request.body);
        let full = if self.queued >= max_total {
            Some(LossReason::TotalQueueFull(max_total))
        } else if self.queued_bytes + size > self.cfg.max_queue_bytes {
            Some(LossReason::QueueBytes(self.cfg.max_queue_bytes))
        } else {
            let queued = self
                .services
                .get(&request.service)
                .map_or(0, |s| s.requests.len());
            (queued >= max_queue).then_some(LossReason::QueueFull(max_queue))
        };
        if let Some(reason) = full {
            if let Some(service) = self.services.get_mut(&request.service) {
                service.stats.dropped();
            }
            out.events.push(Event::RequestLost {
                service: Printable::of(&request.service),
                client,
                reason,
            });
            return;
        }
        let service = self
            .services
            .entry(request.service.clone())
            .or_insert_with(|| Service::new(now));
        service.requests.push_back(Pending {
            client,
            form,
            body: request.body,
            redelivered: false,
            queued_at: now,
            stamped,
        });
        service.stats.request();
        self.queued += 1;
        self.queued_bytes += size;
        self.dispatch(now, &request.service, out);
    }

    fn on_worker(
        &mut self,
        now: Instant,
        id: Identity,
        form: Form,
        msg: WorkerMsg,
        out: &mut Output,
    ) {
        let Some(worker) = self.workers.get_mut(&id) else {
            self.on_stranger(now, id, form, msg, out);
            return;
        };
        if matches!(msg, WorkerMsg::Disconnect) {
            let service = Printable::of(&worker.service);
            self.remove_worker(now, &id, out);
            out.events.push(Event::WorkerLeft {
                worker: id,
                service,
            });
            return;
        }
        // Every command but DISCONNECT counts as a heartbeat.
        worker.last_seen = now;
        if worker.form.version != form.version {
            return self.evict(now, id, EvictReason::VersionChanged, out);
        }
        // The compact form only from a worker that announced it (and was written to in it).
        if form.dialect == Dialect::Compact && worker.form.dialect != Dialect::Compact {
            return self.evict(now, id, EvictReason::Unexpected("a compact command"), out);
        }
        match msg {
            WorkerMsg::Heartbeat => {
                // Half an interval after the request went out, a heartbeat was sent while
                // busy, not just before the request arrived.
                if worker
                    .jobs
                    .iter()
                    .any(|job| now.duration_since(job.since) >= self.cfg.heartbeat / 2)
                {
                    worker.beats_while_busy = true;
                }
                if let Some(observed) = worker.rate.heartbeat(now, self.cfg.heartbeat) {
                    if let Some(service) = self.services.get_mut(&worker.service) {
                        service.stats.heartbeat_mismatch();
                    }
                    out.events.push(Event::HeartbeatMismatch {
                        worker: id.clone(),
                        observed,
                        expected: self.cfg.heartbeat,
                    });
                }
            }
            WorkerMsg::Partial { client, body } => {
                worker.rate.traffic();
                self.on_reply(now, id, client, ReplyKind::Partial, body, out)
            }
            WorkerMsg::Final { client, body } => {
                worker.rate.traffic();
                self.on_reply(now, id, client, ReplyKind::Final, body, out)
            }
            WorkerMsg::Ready { .. } => self.evict(now, id, EvictReason::SecondReady, out),
            WorkerMsg::Request { .. } => {
                self.evict(now, id, EvictReason::Unexpected("REQUEST"), out)
            }
            // Handled above, before the message could count as a heartbeat.
            WorkerMsg::Disconnect => {}
        }
    }

    /// A worker command from an identity that is not a registered worker.
    fn on_stranger(
        &mut self,
        now: Instant,
        id: Identity,
        form: Form,
        msg: WorkerMsg,
        out: &mut Output,
    ) {
        let (service, extensions) = match msg {
            WorkerMsg::Ready {
                service,
                extensions,
            } => (service, extensions),
            WorkerMsg::Disconnect => return,
            other => {
                return self.disconnect_stranger(
                    id,
                    form,
                    EvictReason::NotRegistered(other.name()),
                    out,
                );
            }
        };
        if mmi::is_mmi(&service) {
            return self.disconnect_stranger(id, form, EvictReason::ReservedName, out);
        }
        let limit = match self.service_allowed(&service) {
            Err(limit) => Some(limit),
            Ok(()) if self.workers.len() >= self.cfg.max_workers => {
                Some(Limit::Workers(self.cfg.max_workers))
            }
            Ok(()) => None,
        };
        if let Some(limit) = limit {
            out.events.push(Event::Refused {
                peer: id.clone(),
                limit: limit.clone(),
            });
            return self.disconnect_stranger(id, form, EvictReason::Limit(limit), out);
        }
        // A worker that reads the compact form is written to in it (READY itself never is).
        let form = match extensions.compact {
            true => Form::compact(form.version),
            false => form,
        };
        out.events.push(Event::WorkerReady {
            worker: id.clone(),
            service: Printable::of(&service),
            form,
        });
        let entry = self
            .services
            .entry(service.clone())
            .or_insert_with(|| Service::new(now));
        entry.workers += 1;
        entry.empty_since = None;
        let credit = (extensions.credit() as usize).clamp(1, self.cfg.max_credit.max(1));
        if credit > 1 {
            entry.credited.push(id.clone());
        } else {
            entry.idle.push_back(id.clone());
        }
        self.workers.insert(
            id,
            Worker {
                service: service.clone(),
                form,
                last_seen: now,
                jobs: Vec::new(),
                credit,
                last_used: 0,
                rate: RateCheck::default(),
                beats_while_busy: extensions.busy_heartbeats,
                dedup: extensions.dedup,
            },
        );
        self.dispatch(now, &service, out);
    }

    fn disconnect_stranger(
        &mut self,
        id: Identity,
        form: Form,
        reason: EvictReason,
        out: &mut Output,
    ) {
        out.sends.push(Outgoing::ToWorker {
            to: id.clone(),
            form,
            msg: WorkerMsg::Disconnect,
        });
        out.events.push(Event::WorkerEvicted { worker: id, reason });
    }

    fn on_reply(
        &mut self,
        now: Instant,
        id: Identity,
        client: Frame,
        kind: ReplyKind,
        body: Vec<Frame>,
        out: &mut Output,
    ) {
        let Some(worker) = self.workers.get_mut(&id) else {
            return;
        };
        if worker.jobs.is_empty() {
            return self.evict(now, id, EvictReason::ReplyWhileIdle, out);
        }
        let Some(index) = worker.jobs.iter().position(|job| job.address == client) else {
            return self.evict(now, id, EvictReason::WrongClient, out);
        };
        let job = &mut worker.jobs[index];
        // What a `--dedup` worker did with a stamped request, for the statistics.
        let outcome = (kind == ReplyKind::Final && job.request.stamped && worker.dedup)
            .then(|| body.first().and_then(|f| Outcome::parse(f)))
            .flatten();
        let service = worker.service.clone();
        let to = job.request.client.clone();
        let form = job.request.form;
        let since = job.since;
        let max = self.cfg.max_msg_size;
        if form.version == Version::V02 && kind == ReplyKind::Partial {
            job.streamed = true;
        }
        let sent = out.sends.len();
        match (form.version, kind) {
            (Version::V02, _) => out.sends.push(Outgoing::ToClient {
                to,
                form,
                reply: ClientReply {
                    kind,
                    service: service.clone(),
                    body,
                },
            }),
            (Version::V01, ReplyKind::Partial) => gather(&mut job.gathered, body, max),
            (Version::V01, ReplyKind::Final) => {
                gather(&mut job.gathered, body, max);
                match std::mem::replace(&mut job.gathered, Gathered::Overflowed) {
                    Gathered::Frames { frames, .. } => out.sends.push(Outgoing::ToClient {
                        to,
                        form,
                        reply: ClientReply::last(service.clone(), frames),
                    }),
                    Gathered::Overflowed => out.events.push(Event::RequestLost {
                        service: Printable::of(&service),
                        client: to,
                        reason: LossReason::GatherOverflow(max),
                    }),
                }
            }
        }
        if kind == ReplyKind::Final {
            // Order is kept by `Job::order`, not by place (a remove would move up to
            // `credit` jobs per reply).
            worker.jobs.swap_remove(index);
            let plain = worker.credit == 1;
            let delivered = out.sends.len() > sent;
            if let Some(entry) = self.services.get_mut(&service) {
                // A credited worker stays on its service's list; one without is idle again.
                if plain {
                    entry.idle.push_back(id);
                }
                if let Some(outcome) = outcome {
                    entry.stats.dedup(outcome);
                }
                if delivered {
                    entry.stats.reply(now.saturating_duration_since(since));
                } else {
                    entry.stats.dropped(); // a gathered MDP/0.1 reply over the size limit
                }
            }
            if delivered {
                self.stats.reply();
            }
            self.dispatch(now, &service, out);
        }
    }

    /// Sends DISCONNECT to a registered worker, forgets it and requeues what it held.
    fn evict(&mut self, now: Instant, id: Identity, reason: EvictReason, out: &mut Output) {
        if let Some(worker) = self.workers.get(&id) {
            out.sends.push(Outgoing::ToWorker {
                to: id.clone(),
                form: worker.form,
                msg: WorkerMsg::Disconnect,
            });
        }
        self.remove_worker(now, &id, out);
        out.events.push(Event::WorkerEvicted { worker: id, reason });
    }

    /// Forgets a worker; the requests it held go back to the head of its service's queue, in
    /// the order they were given to it.
    fn remove_worker(&mut self, now: Instant, id: &Identity, out: &mut Output) {
        let Some(worker) = self.workers.remove(id) else {
            return;
        };
        let Some(service) = self.services.get_mut(&worker.service) else {
            return;
        };
        service.workers -= 1;
        if worker.credit > 1 {
            service.credited.retain(|c| c != id);
        } else if worker.jobs.is_empty() {
            service.idle.retain(|idle| idle != id);
        }
        if service.workers == 0 {
            service.empty_since = Some(now);
        }
        if worker.jobs.is_empty() {
            return;
        }
        let name = Printable::of(&worker.service);
        let mut jobs = worker.jobs;
        jobs.sort_unstable_by_key(|job| job.order);
        for job in jobs.into_iter().rev() {
            let mut request = job.request;
            let lost = if job.streamed {
                Some(LossReason::PartlyAnswered)
            } else if request.redelivered {
                Some(LossReason::SecondDeath)
            } else {
                None
            };
            if let Some(reason) = lost {
                service.stats.dropped();
                out.events.push(Event::RequestLost {
                    service: name.clone(),
                    client: request.client,
                    reason,
                });
                continue;
            }
            request.redelivered = true;
            request.queued_at = now;
            out.events.push(Event::Requeued {
                service: name.clone(),
                client: request.client.clone(),
            });
            self.queued_bytes += bytes_in(&request.body);
            service.requests.push_front(request);
            self.queued += 1;
        }
        self.dispatch(now, &worker.service, out);
    }

    /// Pairs the service's queued requests with its workers that have room: the one with the
    /// fewest requests in hand, then the least recently used (an idle worker without credit
    /// has none in hand; its queue is in least recently used order).
    fn dispatch(&mut self, now: Instant, name: &[u8], out: &mut Output) {
        loop {
            let Some(service) = self.services.get_mut(name) else {
                return;
            };
            if service.requests.is_empty() {
                return;
            }
            let Some(id) = choose(&self.workers, service) else {
                // What is left waits for a worker: the depth the peak is taken of.
                let depth = service.requests.len();
                service.stats.queued(depth);
                return;
            };
            let Some(worker) = self.workers.get_mut(&id) else {
                // Not reachable: the lists hold registered workers only (check_invariants).
                service.idle.retain(|i| *i != id);
                service.credited.retain(|i| *i != id);
                continue;
            };
            if silence_allowed(&self.cfg, worker)
                .is_some_and(|allowed| now.duration_since(worker.last_seen) >= allowed)
            {
                // Dead but not yet purged: purge it now rather than lose a request to it.
                self.expire(now, id, out);
                continue;
            }
            let Some(request) = service.requests.pop_front() else {
                return;
            };
            if worker.credit == 1 {
                // `choose` gives a worker without credit only from the front of the idle queue.
                let front = service.idle.pop_front();
                debug_assert_eq!(front.as_ref(), Some(&id));
            }
            self.queued -= 1;
            self.queued_bytes -= bytes_in(&request.body);
            self.dispatched += 1;
            give(now, self.dispatched, worker, id, request, out);
        }
    }

    fn expire(&mut self, now: Instant, id: Identity, out: &mut Output) {
        let Some(worker) = self.workers.get(&id) else {
            return;
        };
        out.events.push(Event::WorkerExpired {
            worker: id.clone(),
            service: Printable::of(&worker.service),
            silent: now.duration_since(worker.last_seen),
        });
        self.remove_worker(now, &id, out);
    }

    /// Purges every worker silent for longer than it may be, idle or busy.
    fn purge(&mut self, now: Instant, out: &mut Output) {
        let mut dead: Vec<Identity> = self
            .workers
            .iter()
            .filter(|(_, w)| {
                silence_allowed(&self.cfg, w)
                    .is_some_and(|allowed| now.duration_since(w.last_seen) >= allowed)
            })
            .map(|(id, _)| id.clone())
            .collect();
        dead.sort();
        for id in dead {
            self.expire(now, id, out);
        }
    }

    /// For services with no workers: drops each queued request that has waited
    /// `--service-ttl` (on its own clock, so one that came just before the service's time
    /// ran out still gets its full wait), and removes a service record empty for as long.
    fn remove_expired_services(&mut self, now: Instant, out: &mut Output) {
        let ttl = self.cfg.service_ttl;
        let mut names: Vec<Frame> = self
            .services
            .iter()
            .filter(|(_, s)| s.empty_since.is_some())
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        for name in names {
            let Some(service) = self.services.get_mut(&name) else {
                continue;
            };
            let before = service.requests.len();
            let mut expired = Vec::new();
            let mut freed = 0;
            service.requests.retain(|r| {
                let waited = now.duration_since(r.queued_at) >= ttl;
                if waited {
                    expired.push(r.client.clone());
                    freed += bytes_in(&r.body);
                }
                !waited
            });
            self.queued_bytes -= freed;
            self.queued -= before - service.requests.len();
            for client in expired {
                service.stats.dropped();
                out.events.push(Event::RequestLost {
                    service: Printable::of(&name),
                    client,
                    reason: LossReason::ServiceExpired,
                });
            }
            let empty_for_ttl = service
                .empty_since
                .is_some_and(|t| now.duration_since(t) >= ttl);
            if empty_for_ttl && service.requests.is_empty() {
                self.services.remove(&name);
                out.events.push(Event::ServiceRemoved {
                    service: Printable::of(&name),
                    dropped: 0,
                });
            }
        }
    }
}

/// The worker of `service` the next request goes to, if any has room.
fn choose(workers: &HashMap<Identity, Worker>, service: &Service) -> Option<Identity> {
    let plain = service.idle.front().map(|id| {
        let last = workers.get(id).map_or(0, |w| w.last_used);
        ((0, last), id)
    });
    let credited = service
        .credited
        .iter()
        .filter_map(|id| Some((workers.get(id)?, id)))
        .filter(|(w, _)| w.has_room())
        .map(|(w, id)| ((w.jobs.len(), w.last_used), id))
        .min();
    match (plain, credited) {
        (Some(p), Some(c)) => Some(p.min(c).1.clone()),
        (p, c) => p.or(c).map(|(_, id)| id.clone()),
    }
}

/// Sends `request` to `worker` (`id`), which has room, as the broker's `dispatched`th.
fn give(
    now: Instant,
    dispatched: u64,
    worker: &mut Worker,
    id: Identity,
    mut request: Pending,
    out: &mut Output,
) {
    worker.last_used = dispatched;
    // The body's own list (with room for the worker's frames in front, see mdp::Message)
    // goes out; the copy kept for requeueing shares the frames' blocks.
    let kept = request.body.clone();
    let mut body = std::mem::replace(&mut request.body, kept);
    if request.stamped && !worker.dedup {
        // A worker that did not announce `dedup` gets the request as the client would have
        // sent it unstamped, byte for byte.
        body.remove(0);
    }
    let address = if worker.credit == 1 {
        request.client.0.clone()
    } else {
        Frame::copy(&dispatched.to_be_bytes())
    };
    out.sends.push(Outgoing::ToWorker {
        to: id,
        form: worker.form,
        msg: WorkerMsg::Request {
            client: address.clone(),
            body,
        },
    });
    worker.jobs.push(Job {
        address,
        order: dispatched,
        request,
        since: now,
        streamed: false,
        gathered: Gathered::Frames {
            frames: Vec::new(),
            bytes: 0,
        },
    });
}

/// How long `worker` may be silent: `liveness` heartbeats, or for a busy worker that has
/// not shown that it heartbeats while busy, the busy timeout (`None`: for ever).
fn silence_allowed(cfg: &Config, worker: &Worker) -> Option<Duration> {
    let expiry = cfg.expiry();
    if !worker.jobs.is_empty() && !worker.beats_while_busy {
        cfg.busy_timeout.map(|b| b.max(expiry))
    } else {
        Some(expiry)
    }
}

/// Adds a PARTIAL's body to what is gathered for a 0.1 client, within `max` bytes.
fn gather(gathered: &mut Gathered, body: Vec<Frame>, max: usize) {
    if let Gathered::Frames { frames, bytes } = gathered {
        *bytes += bytes_in(&body);
        if *bytes > max {
            *gathered = Gathered::Overflowed;
        } else if frames.is_empty() {
            *frames = body; // the usual case, a single REPLY: nothing to copy
        } else {
            frames.extend(body);
        }
    }
}

impl Broker {
    /// Checks the broker's internal bookkeeping; a description of the first inconsistency.
    /// Used by the tests after every step, including the property tests on random input.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut queued = 0;
        let mut redelivered = 0;
        for (name, service) in &self.services {
            queued += service.requests.len();
            // The limits admit new requests; a request requeued after its worker died was
            // admitted already and is never dropped for them (so memory stays within the
            // limit plus one request per worker).
            let again = service.requests.iter().filter(|r| r.redelivered).count();
            redelivered += again;
            if service.requests.len() - again > self.cfg.max_queue {
                return Err(format!(
                    "{} new requests queued for one service",
                    service.requests.len() - again
                ));
            }
            let registered = self.workers.values().filter(|w| &w.service == name).count();
            if registered != service.workers {
                return Err(format!(
                    "service counts {} workers, {registered} registered",
                    service.workers
                ));
            }
            for id in &service.idle {
                match self.workers.get(id) {
                    Some(w) if w.jobs.is_empty() && w.credit == 1 && &w.service == name => {}
                    _ => {
                        return Err(format!(
                            "idle list holds {id}, which is not an idle worker of it"
                        ));
                    }
                }
            }
            for id in &service.credited {
                match self.workers.get(id) {
                    Some(w) if w.credit > 1 && &w.service == name => {}
                    _ => return Err(format!("credited list holds {id}, not a credited worker")),
                }
            }
            let credited = self
                .workers
                .values()
                .filter(|w| &w.service == name && w.credit > 1)
                .count();
            if credited != service.credited.len() {
                return Err(format!(
                    "{credited} credited workers but {} listed",
                    service.credited.len()
                ));
            }
            let idle = self
                .workers
                .values()
                .filter(|w| &w.service == name && w.jobs.is_empty() && w.credit == 1)
                .count();
            if idle != service.idle.len() {
                return Err(format!(
                    "{idle} idle workers but {} in the idle list",
                    service.idle.len()
                ));
            }
            if service.workers > 0 && service.empty_since.is_some() {
                return Err("a service with workers is marked empty".into());
            }
            // Progress: a queued request never waits while a worker of its service has room.
            let room = service
                .credited
                .iter()
                .any(|id| self.workers.get(id).is_some_and(Worker::has_room));
            if !service.requests.is_empty() && (!service.idle.is_empty() || room) {
                return Err(format!(
                    "{} requests queued beside {} idle workers (or credit unused)",
                    service.requests.len(),
                    service.idle.len()
                ));
            }
        }
        let bytes: usize = self
            .services
            .values()
            .flat_map(|s| &s.requests)
            .map(|r| bytes_in(&r.body))
            .sum();
        if bytes != self.queued_bytes {
            return Err(format!(
                "{bytes} bytes queued but the total says {}",
                self.queued_bytes
            ));
        }
        if queued != self.queued {
            return Err(format!(
                "{queued} requests queued but the total says {}",
                self.queued
            ));
        }
        if self.queued - redelivered > self.cfg.max_queue_total {
            return Err("total queue over its limit".into());
        }
        if self.workers.len() > self.cfg.max_workers || self.services.len() > self.cfg.max_services
        {
            return Err("workers or services over their limit".into());
        }
        for worker in self.workers.values() {
            if !self.services.contains_key(&worker.service) {
                return Err("a worker of an unknown service".into());
            }
            if worker.jobs.len() > worker.credit || worker.credit > self.cfg.max_credit.max(1) {
                return Err(format!(
                    "a worker holds {} requests on a credit of {}",
                    worker.jobs.len(),
                    worker.credit
                ));
            }
            for (i, job) in worker.jobs.iter().enumerate() {
                if worker.jobs[..i].iter().any(|j| j.address == job.address) {
                    return Err("two requests at one worker share an address".into());
                }
            }
        }
        Ok(())
    }

    /// Requests queued or held by workers (for the tests' conservation checks).
    /// True when the worker `id` is registered and holds a request.
    pub fn holds(&self, id: &Identity) -> bool {
        self.held(id) > 0
    }

    /// How many requests the worker `id` holds (0 for one not registered).
    pub fn held(&self, id: &Identity) -> usize {
        self.workers.get(id).map_or(0, |w| w.jobs.len())
    }

    pub fn requests_in_hand(&self) -> usize {
        self.queued + self.workers.values().map(|w| w.jobs.len()).sum::<usize>()
    }
}

impl super::mmi::State for Broker {
    fn stats(&self, now: Instant) -> mmi::Stats {
        Broker::stats(self, now)
    }

    fn services(&self) -> Vec<mmi::ServiceStatus> {
        Broker::services(self)
    }

    fn has_workers(&self, service: &[u8]) -> bool {
        Broker::has_workers(self, service)
    }
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
