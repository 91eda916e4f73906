//! Delivery of stored requests, as a pure state machine: events in, [`Action`]s out.
//!
//! Each request waits in its service's queue (first in, first out). Up to `inflight` calls
//! run at once; a request goes through:
//!
//! ```text
//!   queued --(service not known present)--> Ask mmi.service --200--> Send --reply--> Store
//!          \--(present within the last second)----------------------^
//!   404 from mmi.service: the whole service backs off (1s, 2s, 4s ... 30s)
//!   no answer within the timeout: this request backs off (1s, 2s, 4s ... 30s), then retries
//! ```
//!
//! The dispatcher holds each pending request's id and service name, never its body: a body
//! is read from the store when the request is sent, so a large backlog costs little memory.
//!
//! Nothing is dropped: a request leaves only when its reply is stored or it is closed, so
//! delivery is at least once (a retried request may run twice, as in every Majordomo retry).
//! Unlike the reference `titanic.c`, nothing here reads the disk: the queue is rebuilt from
//! the store once, at start-up, and then fed by the store thread.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::tsp::Uuid;
use crate::mdp::Frame;

/// A stored request as the dispatcher and `titanic ls` see it: without its body, which
/// stays on disk until the request is sent (so a backlog costs no memory but its ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub uuid: Uuid,
    pub service: Frame,
    /// Unix time in milliseconds when it was stored.
    pub created_ms: i64,
    /// Unix time in milliseconds of its reply, if any.
    pub replied_ms: Option<i64>,
}

/// Dispatcher settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Calls (MMI lookups or requests) in flight at once.
    pub inflight: usize,
    /// How long one call may wait for an answer.
    pub timeout: Duration,
    /// First retry delay; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a 200 from mmi.service is trusted.
    pub presence_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            inflight: 8,
            timeout: Duration::from_secs(30),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            presence_ttl: Duration::from_secs(1),
        }
    }
}

/// A call for the driver to make through the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Ask `mmi.service` whether `service` has workers.
    Ask { uuid: Uuid, service: Frame },
    /// Send the stored request to its service (its body is loaded from the store then).
    Send { uuid: Uuid, service: Frame },
    /// Store this reply: the request is done.
    Store { uuid: Uuid, reply: Vec<Frame> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Queued,
    Asking,
    Sending,
    /// Waiting to retry after a timeout.
    Delayed,
}

#[derive(Debug)]
struct Job {
    entry: Entry,
    stage: Stage,
    backoff: Duration,
}

#[derive(Debug, Default)]
struct Service {
    queue: VecDeque<Uuid>,
    /// Known present until then (an mmi.service 200, or a reply).
    present_until: Option<Instant>,
    /// Known absent: nothing is sent before then.
    absent_until: Option<Instant>,
    backoff: Duration,
    /// The request whose mmi.service lookup is in flight: one lookup per service at a
    /// time, so that one absence counts once in the backoff.
    probing: Option<Uuid>,
    /// Requests of this service not yet replied to, wherever they stand.
    jobs: usize,
    /// In the dispatcher's round-robin order (which holds only services with a queue).
    in_order: bool,
}

/// The dispatcher.
#[derive(Debug)]
pub struct Dispatcher {
    cfg: Config,
    jobs: HashMap<Uuid, Job>,
    services: HashMap<Frame, Service>,
    /// Services with queued requests, in the order they are served (round robin); a service
    /// whose queue empties leaves it, so a poll never walks idle services.
    order: VecDeque<Frame>,
    /// Requests waiting to retry, by when.
    delayed: BTreeSet<(Instant, Uuid)>,
    inflight: usize,
    /// Services with no request left: forgotten in one sweep once there are many, so the
    /// check costs nothing per poll (rather than a scan of every request for every service).
    unused: usize,
}

impl Dispatcher {
    pub fn new(cfg: Config) -> Dispatcher {
        Dispatcher {
            cfg,
            jobs: HashMap::new(),
            services: HashMap::new(),
            order: VecDeque::new(),
            delayed: BTreeSet::new(),
            inflight: 0,
            unused: 0,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Requests not yet replied to.
    pub fn pending(&self) -> usize {
        self.jobs.len()
    }

    /// Calls in flight.
    pub fn inflight(&self) -> usize {
        self.inflight
    }

    /// A new stored request (or one found at start-up).
    pub fn add(&mut self, entry: Entry) {
        let uuid = entry.uuid;
        if self.jobs.contains_key(&uuid) {
            return;
        }
        let service = entry.service.clone();
        self.jobs.insert(
            uuid,
            Job {
                entry,
                stage: Stage::Queued,
                backoff: self.cfg.min_backoff,
            },
        );
        let s = self.service(&service);
        s.jobs += 1;
        if s.jobs == 1 {
            self.unused -= 1;
        }
        self.enqueue(&service, uuid, false);
    }

    /// Queues `uuid` for its service (at the head for a retry), and puts the service in the
    /// round-robin order if it is not there.
    fn enqueue(&mut self, name: &[u8], uuid: Uuid, first: bool) {
        let s = self.service(name);
        if first {
            s.queue.push_front(uuid);
        } else {
            s.queue.push_back(uuid);
        }
        if !s.in_order {
            s.in_order = true;
            self.order.push_back(Frame::copy(name));
        }
    }

    /// The client closed the request: forget it (a call in flight is left to finish).
    pub fn closed(&mut self, uuid: Uuid) {
        self.forget(uuid);
    }

    /// Removes a request from wherever it stands: its queue, the retry set, the calls in
    /// flight, its service's lookup.
    fn forget(&mut self, uuid: Uuid) -> Option<Job> {
        let job = self.jobs.remove(&uuid)?;
        if let Some(s) = self.services.get_mut(&job.entry.service) {
            s.jobs -= 1;
            if s.jobs == 0 {
                self.unused += 1;
            }
        }
        match job.stage {
            Stage::Queued => {
                if let Some(s) = self.services.get_mut(&job.entry.service) {
                    s.queue.retain(|u| *u != uuid);
                }
            }
            Stage::Delayed => self.delayed.retain(|(_, u)| *u != uuid),
            Stage::Asking | Stage::Sending => self.inflight -= 1,
        }
        if let Some(s) = self.services.get_mut(&job.entry.service)
            && s.probing == Some(uuid)
        {
            s.probing = None;
        }
        Some(job)
    }

    fn service(&mut self, name: &[u8]) -> &mut Service {
        if !self.services.contains_key(name) {
            self.services.insert(Frame::copy(name), Service::default());
            self.unused += 1;
        }
        self.services.get_mut(name).expect("just inserted")
    }

    /// Starts what may start now: retries that are due, then queued requests, round robin
    /// over services, up to the in-flight limit.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<Action>) {
        while let Some(&(at, uuid)) = self.delayed.first() {
            if at > now {
                break;
            }
            self.delayed.pop_first();
            if let Some(job) = self.jobs.get_mut(&uuid)
                && job.stage == Stage::Delayed
            {
                job.stage = Stage::Queued;
                let service = job.entry.service.clone();
                self.enqueue(&service, uuid, true);
            }
        }
        let mut idle_rounds = 0;
        while self.inflight < self.cfg.inflight && idle_rounds < self.order.len() {
            let Some(name) = self.order.pop_front() else {
                break;
            };
            let Some(service) = self.services.get_mut(&name) else {
                continue;
            };
            if service.queue.is_empty() {
                // Emptied by a close: it leaves the order until a request is queued.
                service.in_order = false;
                continue;
            }
            let present = service.present_until.is_some_and(|t| t > now);
            let blocked = service.absent_until.is_some_and(|t| t > now)
                || (!present && service.probing.is_some());
            if blocked {
                self.order.push_back(name);
                idle_rounds += 1;
                continue;
            }
            idle_rounds = 0;
            let uuid = service.queue.pop_front().expect("not empty");
            if service.queue.is_empty() {
                service.in_order = false;
            } else {
                self.order.push_back(name.clone());
            }
            if !present {
                service.probing = Some(uuid);
            }
            let Some(job) = self.jobs.get_mut(&uuid) else {
                continue;
            };
            self.inflight += 1;
            if present {
                job.stage = Stage::Sending;
                out.push(send(&job.entry));
            } else {
                job.stage = Stage::Asking;
                out.push(Action::Ask {
                    uuid,
                    service: name,
                });
            }
        }
        self.forget_empty_services();
    }

    /// Forgets the services no request needs any more, once there are over 64 of them (what
    /// was learnt of a service's presence is kept while it may be used again soon).
    fn forget_empty_services(&mut self) {
        if self.unused <= 64 {
            return;
        }
        self.services.retain(|_, s| s.jobs > 0);
        let services = &self.services;
        self.order.retain(|name| services.contains_key(name));
        self.unused = 0;
    }

    /// The answer to an `Ask`.
    pub fn on_presence(&mut self, now: Instant, uuid: Uuid, present: bool, out: &mut Vec<Action>) {
        let Some(job) = self.jobs.get_mut(&uuid) else {
            return;
        };
        if job.stage != Stage::Asking {
            return;
        }
        let name = job.entry.service.clone();
        if let Some(service) = self.services.get_mut(&name) {
            service.probing = None;
        }
        if present {
            job.stage = Stage::Sending;
            out.push(send(&job.entry));
            let ttl = self.cfg.presence_ttl;
            let service = self.service(&name);
            service.present_until = Some(now + ttl);
            service.absent_until = None;
            service.backoff = Duration::ZERO;
            return;
        }
        job.stage = Stage::Queued;
        self.inflight -= 1;
        let (min, max) = (self.cfg.min_backoff, self.cfg.max_backoff);
        self.enqueue(&name, uuid, true);
        let service = self.service(&name);
        service.present_until = None;
        service.backoff = next_backoff(service.backoff, min, max);
        service.absent_until = Some(now + service.backoff);
    }

    /// The real service replied: store the reply.
    pub fn on_reply(&mut self, now: Instant, uuid: Uuid, reply: Vec<Frame>, out: &mut Vec<Action>) {
        // None: closed meanwhile, or a late duplicate.
        let Some(job) = self.forget(uuid) else {
            return;
        };
        let ttl = self.cfg.presence_ttl;
        let service = self.service(&job.entry.service);
        service.present_until = Some(now + ttl);
        out.push(Action::Store { uuid, reply });
    }

    /// A call got no answer in time: retry this request later.
    pub fn on_timeout(&mut self, now: Instant, uuid: Uuid) {
        let (min, max) = (self.cfg.min_backoff, self.cfg.max_backoff);
        let Some(job) = self.jobs.get_mut(&uuid) else {
            return;
        };
        if !matches!(job.stage, Stage::Asking | Stage::Sending) {
            return;
        }
        self.inflight -= 1;
        job.stage = Stage::Delayed;
        let delay = job.backoff;
        job.backoff = next_backoff(job.backoff, min, max);
        self.delayed.insert((now + delay, uuid));
        let name = job.entry.service.clone();
        let service = self.service(&name);
        // Whatever we believed about the service may be stale.
        service.present_until = None;
        if service.probing == Some(uuid) {
            service.probing = None;
        }
    }

    /// When [`Dispatcher::poll`] may next have something to start (a minute away at most;
    /// the driver wakes sooner for its own reasons).
    pub fn next_deadline(&self, now: Instant) -> Instant {
        let mut next = now + Duration::from_secs(60);
        if let Some(&(at, _)) = self.delayed.first() {
            next = next.min(at);
        }
        for s in self.services.values() {
            if let Some(t) = s.absent_until
                && !s.queue.is_empty()
            {
                next = next.min(t);
            }
        }
        next.max(now)
    }
}

fn send(entry: &Entry) -> Action {
    Action::Send {
        uuid: entry.uuid,
        service: entry.service.clone(),
    }
}

fn next_backoff(current: Duration, min: Duration, max: Duration) -> Duration {
    if current.is_zero() {
        min
    } else {
        (current * 2).min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored request for `service` (the second argument only tells requests apart when
    /// reading a test).
    fn entry(service: &str, _body: &str) -> Entry {
        Entry {
            uuid: Uuid::new(),
            service: Frame::copy(service.as_bytes()),
            created_ms: 0,
            replied_ms: None,
        }
    }

    fn cfg(inflight: usize) -> Config {
        Config {
            inflight,
            ..Config::default()
        }
    }

    fn polled(d: &mut Dispatcher, now: Instant) -> Vec<Action> {
        let mut out = vec![];
        d.poll(now, &mut out);
        out
    }

    #[test]
    fn asks_then_sends_then_stores() {
        let mut d = Dispatcher::new(cfg(4));
        let e = entry("echo", "hi");
        let u = e.uuid;
        d.add(e);
        let t = Instant::now();
        assert_eq!(
            polled(&mut d, t),
            vec![Action::Ask {
                uuid: u,
                service: Frame::copy(b"echo")
            }]
        );
        let mut out = vec![];
        d.on_presence(t, u, true, &mut out);
        assert!(matches!(&out[0], Action::Send { uuid, .. } if *uuid == u));
        let mut out = vec![];
        d.on_reply(t, u, vec![Frame::copy(b"hi")], &mut out);
        assert_eq!(
            out,
            vec![Action::Store {
                uuid: u,
                reply: vec![Frame::copy(b"hi")]
            }]
        );
        assert_eq!((d.pending(), d.inflight()), (0, 0));
    }

    #[test]
    fn services_no_request_needs_are_forgotten_in_one_sweep() {
        let mut d = Dispatcher::new(cfg(1000));
        let t = Instant::now();
        let entries: Vec<Entry> = (0..70).map(|i| entry(&format!("s{i}"), "x")).collect();
        let busy = entry("s0", "still needed");
        for e in entries.iter().cloned().chain([busy.clone()]) {
            d.add(e);
        }
        polled(&mut d, t);
        for e in &entries {
            d.on_reply(t, e.uuid, vec![], &mut vec![]);
        }
        assert_eq!(d.services.len(), 70, "kept until the sweep");
        polled(&mut d, t);
        // 69 services had nothing left; s0 still has a request.
        assert_eq!(d.services.len(), 1);
        // Its request is in flight: nothing queued, so no service in the round robin.
        assert!(d.order.is_empty());
        assert_eq!((d.services[&b"s0"[..]].jobs, d.unused), (1, 0));
        d.closed(busy.uuid);
        assert_eq!(d.unused, 1);
    }

    #[test]
    fn a_recently_present_service_is_not_asked_again() {
        let mut d = Dispatcher::new(cfg(4));
        let (a, b) = (entry("echo", "a"), entry("echo", "b"));
        let (ua, ub) = (a.uuid, b.uuid);
        d.add(a);
        let t = Instant::now();
        polled(&mut d, t);
        d.on_presence(t, ua, true, &mut vec![]);
        d.add(b);
        let out = polled(&mut d, t + Duration::from_millis(100));
        assert!(matches!(&out[0], Action::Send { uuid, .. } if *uuid == ub));
    }

    #[test]
    fn an_absent_service_backs_off_exponentially_and_keeps_its_requests() {
        let mut d = Dispatcher::new(cfg(4));
        let e = entry("late", "x");
        let u = e.uuid;
        d.add(e);
        let mut t = Instant::now();
        let mut delays = vec![];
        for _ in 0..7 {
            let out = polled(&mut d, t);
            assert_eq!(out.len(), 1, "asked again once the backoff is over");
            d.on_presence(t, u, false, &mut vec![]);
            assert!(polled(&mut d, t).is_empty(), "nothing while backing off");
            let next = d.next_deadline(t);
            delays.push(next - t);
            t = next;
        }
        let secs: Vec<u64> = delays.iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(d.pending(), 1);
        // The service appears: the request goes out.
        let out = polled(&mut d, t);
        d.on_presence(t, u, true, &mut vec![]);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn timeouts_retry_the_request_later() {
        let mut d = Dispatcher::new(cfg(1));
        let e = entry("slow", "x");
        let u = e.uuid;
        d.add(e);
        let t = Instant::now();
        polled(&mut d, t);
        d.on_presence(t, u, true, &mut vec![]);
        d.on_timeout(t, u);
        assert_eq!(d.inflight(), 0);
        assert!(polled(&mut d, t + Duration::from_millis(999)).is_empty());
        let out = polled(&mut d, t + Duration::from_secs(1));
        assert_eq!(out.len(), 1, "retried after the backoff");
    }

    #[test]
    fn inflight_is_bounded_and_services_take_turns() {
        let mut d = Dispatcher::new(cfg(2));
        for i in 0..5 {
            d.add(entry("a", &i.to_string()));
        }
        d.add(entry("b", "0"));
        let out = polled(&mut d, Instant::now());
        assert_eq!(out.len(), 2);
        let services: Vec<&[u8]> = out
            .iter()
            .map(|a| match a {
                Action::Ask { service, .. } => service.as_slice(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(services, vec![&b"a"[..], &b"b"[..]]);
    }

    #[test]
    fn closed_requests_are_forgotten_wherever_they_are() {
        let mut d = Dispatcher::new(cfg(1));
        let (a, b) = (entry("s", "a"), entry("s", "b"));
        let (ua, ub) = (a.uuid, b.uuid);
        d.add(a);
        d.add(b);
        let t = Instant::now();
        polled(&mut d, t);
        d.closed(ua);
        d.closed(ub);
        assert_eq!((d.pending(), d.inflight()), (0, 0));
        let mut out = vec![];
        d.on_reply(t, ua, vec![Frame::copy(b"late")], &mut out);
        assert!(out.is_empty(), "a reply for a closed request is not stored");
        assert!(polled(&mut d, t).is_empty());
    }

    /// After a restart, eight requests for one service lead to one question about it, not
    /// eight at once: each 404 doubles the service's backoff, so eight would turn one short
    /// absence (workers re-registering with a restarted broker) into a 30 s stall.
    #[test]
    fn one_absence_is_one_backoff_step_however_many_requests_wait() {
        let mut d = Dispatcher::new(cfg(8));
        let entries: Vec<Entry> = (0..8).map(|i| entry("echo", &i.to_string())).collect();
        for e in &entries {
            d.add(e.clone());
        }
        let t = Instant::now();
        let out = polled(&mut d, t);
        assert_eq!(out.len(), 1, "one lookup per service at a time: {out:?}");
        let Action::Ask { uuid, .. } = &out[0] else {
            panic!("{out:?}")
        };
        d.on_presence(t, *uuid, false, &mut vec![]);
        assert_eq!(d.next_deadline(t) - t, Duration::from_secs(1));
        // Back after one second: one lookup, then everything flows.
        let later = t + Duration::from_secs(1);
        let out = polled(&mut d, later);
        let Action::Ask { uuid, .. } = &out[0] else {
            panic!("{out:?}")
        };
        let mut sent = vec![];
        d.on_presence(later, *uuid, true, &mut sent);
        d.poll(later, &mut sent);
        assert_eq!(sent.len(), 8);
        assert!(sent.iter().all(|a| matches!(a, Action::Send { .. })));
    }

    /// Found by the fuzz test: a reply for a request waiting to retry left its retry entry
    /// behind; once the request was added again, it sat in its queue twice and went out twice.
    #[test]
    fn a_reply_while_waiting_to_retry_leaves_nothing_behind() {
        let mut d = Dispatcher::new(cfg(3));
        let e = entry("a", "x");
        let u = e.uuid;
        d.add(e.clone());
        let t = Instant::now();
        polled(&mut d, t);
        d.on_timeout(t, u);
        d.on_reply(t, u, vec![Frame::copy(b"r")], &mut vec![]);
        d.add(e);
        let out = polled(&mut d, t + Duration::from_secs(1));
        assert_eq!(out.len(), 1);
        assert_eq!((d.inflight(), d.pending()), (1, 1));
    }

    #[test]
    fn duplicates_are_added_once() {
        let mut d = Dispatcher::new(cfg(4));
        let e = entry("s", "a");
        d.add(e.clone());
        d.add(e);
        assert_eq!(d.pending(), 1);
    }
}
