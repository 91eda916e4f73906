//! The Lazy Pirate request slot, sans-IO: one request at a time, its attempts, their
//! timeouts, and which broker of the list each goes to. A driver owns the connections (its
//! "legs"); the slot is told what happened (`now` and events) and answers with [`Action`]s and
//! the next deadline. No sockets, threads or clocks in here.
//!
//! The rules, for a list of `n` brokers:
//! - An attempt opens a connection to the broker the [`Roster`] picks (or reuses an idle one
//!   to it) and sends the request there once the connection is established (its handshake
//!   done). A request is only ever handed to an established connection, and to one
//!   connection per attempt.
//! - Head start (happy eyeballs, for connections): when the connection is not established
//!   within the head start, a connection to the next broker of the list is opened too, and
//!   so on every head start until each broker has one; the first to be established gets the
//!   request, the others are closed. So a dead broker first in the list costs one head start,
//!   not one timeout, and as the request goes to one connection only it cannot run twice.
//! - Timeout: an attempt that has no final reply `timeout` after it started (or after its
//!   last PARTIAL) is given up: its connections are closed (a late reply cannot be mistaken
//!   for the next one's), the broker it went to is skipped for a while, and the next attempt
//!   starts, until `attempts` are spent: then the request is given up.
//! - The connection that brought the final reply stays open for the next request to the
//!   same broker.

use std::time::{Duration, Instant};

/// A broker: its index in the list.
pub type Endpoint = usize;

/// A connection the driver holds for the slot, named by the slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Leg(pub u64);

/// How requests choose their broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Every request to the broker that answered last (the first of the list at the start),
    /// moving on along the list when it fails.
    Failover,
    /// Each request to the next broker of the list, round robin, skipping those that failed
    /// lately.
    Spread,
}

/// What the brokers of a list have done lately, shared by every slot that uses the list.
#[derive(Debug, Clone)]
pub struct Roster {
    pick: Pick,
    /// Until when each broker is skipped (it timed out, or could not be connected to).
    down: Vec<Option<Instant>>,
    /// The broker that answered last.
    last: Option<Endpoint>,
    /// Spread: where the next request's search starts.
    cursor: Endpoint,
    skip: Duration,
}

/// How long a broker that failed is skipped by default.
pub const SKIP: Duration = Duration::from_secs(30);

impl Roster {
    /// A list of `count` brokers (at least one); `last` is the broker that answered last,
    /// if known (from an earlier run). A failed broker is skipped for `skip`.
    pub fn new(count: usize, pick: Pick, last: Option<Endpoint>, skip: Duration) -> Roster {
        let count = count.max(1);
        let last = last.filter(|&e| e < count);
        Roster {
            pick,
            down: vec![None; count],
            last,
            cursor: last.map_or(0, |e| (e + 1) % count),
            skip,
        }
    }

    pub fn len(&self) -> usize {
        self.down.len()
    }

    pub fn is_empty(&self) -> bool {
        self.down.is_empty()
    }

    /// The broker that answered last, if any did.
    pub fn last(&self) -> Option<Endpoint> {
        self.last
    }

    fn is_down(&self, now: Instant, e: Endpoint) -> bool {
        self.down[e].is_some_and(|until| now < until)
    }

    /// The broker the next request goes to: the first one that is not skipped, searching
    /// from the last that answered (failover) or round robin (spread). When all are
    /// skipped, the one whose skip ends first.
    pub fn pick(&mut self, now: Instant) -> Endpoint {
        let n = self.len();
        let from = match self.pick {
            Pick::Failover => self.last.unwrap_or(0),
            Pick::Spread => self.cursor,
        };
        let chosen = (0..n)
            .map(|i| (from + i) % n)
            .find(|&e| !self.is_down(now, e))
            .unwrap_or_else(|| {
                (0..n)
                    .map(|i| (from + i) % n)
                    .min_by_key(|&e| self.down[e])
                    .unwrap_or(0)
            });
        self.cursor = (chosen + 1) % n;
        chosen
    }

    /// `e` gave a final reply.
    pub fn answered(&mut self, e: Endpoint) {
        self.last = Some(e);
        self.down[e] = None;
    }

    /// A connection to `e` was established.
    pub fn reached(&mut self, e: Endpoint) {
        self.down[e] = None;
    }

    /// `e` timed out, or could not be connected to within a head start: skip it a while.
    pub fn failed(&mut self, now: Instant, e: Endpoint) {
        self.down[e] = Some(now + self.skip);
    }
}

/// The slot's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// How long an attempt waits for the final reply (restarted by each PARTIAL).
    pub timeout: Duration,
    /// Attempts in all (at least one).
    pub attempts: u32,
    /// How long a connection may take to be established before the next broker's is
    /// raced against it; `None`: never, the attempt waits for its one connection.
    pub head_start: Option<Duration>,
}

/// What the driver is to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open connection `leg` to broker `endpoint`, and report [`Slot::connected`] once it is
    /// established. `attempt` counts from 1; `why` says what led to it (for the logs).
    Connect {
        leg: Leg,
        endpoint: Endpoint,
        attempt: u32,
        why: Why,
    },
    /// Send the request on `leg` (established).
    Send { leg: Leg },
    /// Close `leg`, dropping whatever it has not sent.
    Close { leg: Leg },
}

/// Why a connection is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The request's first attempt.
    First,
    /// The connection before it was not established within the head start.
    HeadStart,
    /// The attempt before timed out.
    Retry,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Broker `endpoint` gave the final reply, in attempt `attempts`.
    Replied { endpoint: Endpoint, attempts: u32 },
    /// No final reply after every attempt; `endpoint` is the broker tried last.
    GaveUp { endpoint: Endpoint, attempts: u32 },
}

/// The request's current attempt.
#[derive(Debug)]
struct Attempt {
    /// Counts from 1.
    number: u32,
    deadline: Instant,
    phase: Phase,
}

#[derive(Debug)]
enum Phase {
    /// Connections racing, none established yet (in the order they were opened); the next
    /// one is opened at `next`.
    Connecting {
        legs: Vec<(Leg, Endpoint)>,
        next: Option<Instant>,
    },
    /// The request went out on `leg`.
    Sent { leg: Leg, endpoint: Endpoint },
}

/// One request at a time, with its attempts. See the module documentation for the rules.
#[derive(Debug)]
pub struct Slot {
    cfg: Config,
    next_leg: u64,
    /// Established connections that brought a final reply, kept for the next request to
    /// the same broker (at most one per broker).
    idle: Vec<(Leg, Endpoint)>,
    attempt: Option<Attempt>,
}

impl Slot {
    pub fn new(cfg: Config) -> Slot {
        Slot {
            cfg: Config {
                attempts: cfg.attempts.max(1),
                ..cfg
            },
            next_leg: 0,
            idle: Vec::new(),
            attempt: None,
        }
    }

    /// True while a request is in hand.
    pub fn busy(&self) -> bool {
        self.attempt.is_some()
    }

    /// The idle connections (kept for reuse).
    pub fn idle(&self) -> impl Iterator<Item = (Leg, Endpoint)> + '_ {
        self.idle.iter().copied()
    }

    /// Takes a new request; the slot must not be busy (a busy slot ignores it).
    pub fn start(&mut self, now: Instant, roster: &mut Roster, out: &mut Vec<Action>) {
        if self.busy() {
            return;
        }
        self.begin(now, 1, Why::First, roster, out);
    }

    /// Starts attempt `number` on the broker the roster picks.
    fn begin(
        &mut self,
        now: Instant,
        number: u32,
        why: Why,
        roster: &mut Roster,
        out: &mut Vec<Action>,
    ) {
        let endpoint = roster.pick(now);
        let deadline = now + self.cfg.timeout;
        let phase = match self.idle.iter().position(|&(_, e)| e == endpoint) {
            Some(i) => {
                let (leg, endpoint) = self.idle.swap_remove(i);
                out.push(Action::Send { leg });
                Phase::Sent { leg, endpoint }
            }
            None => {
                let leg = self.open(endpoint, number, why, out);
                Phase::Connecting {
                    legs: vec![(leg, endpoint)],
                    next: self.cfg.head_start.map(|h| now + h),
                }
            }
        };
        self.attempt = Some(Attempt {
            number,
            deadline,
            phase,
        });
    }

    fn open(&mut self, endpoint: Endpoint, attempt: u32, why: Why, out: &mut Vec<Action>) -> Leg {
        let leg = Leg(self.next_leg);
        self.next_leg += 1;
        out.push(Action::Connect {
            leg,
            endpoint,
            attempt,
            why,
        });
        leg
    }

    /// Connection `leg` is established: the first of the attempt gets the request.
    pub fn connected(&mut self, leg: Leg, roster: &mut Roster, out: &mut Vec<Action>) {
        let Some(attempt) = self.attempt.as_mut() else {
            return;
        };
        let Phase::Connecting { legs, .. } = &mut attempt.phase else {
            return;
        };
        let Some(&(_, endpoint)) = legs.iter().find(|(l, _)| *l == leg) else {
            return;
        };
        for &(other, _) in legs.iter().filter(|(l, _)| *l != leg) {
            out.push(Action::Close { leg: other });
        }
        roster.reached(endpoint);
        out.push(Action::Send { leg });
        attempt.phase = Phase::Sent { leg, endpoint };
    }

    /// The request could not be sent on `leg` after all (its connection was lost): it waits
    /// for the connection again, raced against the next broker after a head start.
    pub fn unsent(&mut self, now: Instant, leg: Leg) {
        let Some(attempt) = self.attempt.as_mut() else {
            return;
        };
        if let Phase::Sent {
            leg: sent,
            endpoint,
        } = attempt.phase
            && sent == leg
        {
            attempt.phase = Phase::Connecting {
                legs: vec![(leg, endpoint)],
                next: self.cfg.head_start.map(|h| now + h),
            };
        }
    }

    /// A PARTIAL reply came on `leg`: the attempt's wait starts again.
    pub fn partial(&mut self, now: Instant, leg: Leg) {
        if let Some(attempt) = self.attempt.as_mut()
            && matches!(attempt.phase, Phase::Sent { leg: sent, .. } if sent == leg)
        {
            attempt.deadline = now + self.cfg.timeout;
        }
    }

    /// The final reply came on `leg`. Returns how the request ended, or `None` when `leg`
    /// is not where the request went (a reply to nothing in hand: ignore it).
    pub fn replied(
        &mut self,
        leg: Leg,
        roster: &mut Roster,
        out: &mut Vec<Action>,
    ) -> Option<Done> {
        let attempt = self.attempt.as_ref()?;
        let Phase::Sent {
            leg: sent,
            endpoint,
        } = attempt.phase
        else {
            return None;
        };
        if sent != leg {
            return None;
        }
        let attempts = attempt.number;
        self.attempt = None;
        roster.answered(endpoint);
        if let Some(i) = self.idle.iter().position(|&(_, e)| e == endpoint) {
            let (old, _) = self.idle.swap_remove(i);
            out.push(Action::Close { leg: old });
        }
        self.idle.push((leg, endpoint));
        Some(Done::Replied { endpoint, attempts })
    }

    /// Acts on the deadlines that have passed: head starts and timeouts. Returns how the
    /// request ended when it was given up.
    pub fn poll(
        &mut self,
        now: Instant,
        roster: &mut Roster,
        out: &mut Vec<Action>,
    ) -> Option<Done> {
        let attempt = self.attempt.as_mut()?;
        if now >= attempt.deadline {
            return self.time_out(now, roster, out);
        }
        let number = attempt.number;
        let Phase::Connecting { legs, next } = &mut attempt.phase else {
            return None;
        };
        let at = (*next)?;
        if now < at {
            return None;
        }
        // Not established within the head start: race the next broker not yet tried.
        let n = roster.len();
        let last = legs.last().map_or(0, |&(_, e)| e);
        for &(_, e) in legs.iter() {
            roster.failed(now, e);
        }
        let untried = (1..n)
            .map(|i| (last + i) % n)
            .find(|e| !legs.iter().any(|(_, tried)| tried == e));
        // Another head start only if a broker will still be left to try after this one.
        let left = n.saturating_sub(legs.len() + usize::from(untried.is_some()));
        *next = match (left, self.cfg.head_start) {
            (1.., Some(h)) => Some(now + h),
            _ => None,
        };
        if let Some(endpoint) = untried {
            let leg = Leg(self.next_leg);
            self.next_leg += 1;
            legs.push((leg, endpoint));
            out.push(Action::Connect {
                leg,
                endpoint,
                attempt: number,
                why: Why::HeadStart,
            });
        }
        None
    }

    /// The attempt had no final reply in time: close its connections, skip its broker a
    /// while, and start the next attempt or give up.
    fn time_out(
        &mut self,
        now: Instant,
        roster: &mut Roster,
        out: &mut Vec<Action>,
    ) -> Option<Done> {
        let attempt = self.attempt.take()?;
        let tried = match attempt.phase {
            Phase::Sent { leg, endpoint } => {
                out.push(Action::Close { leg });
                roster.failed(now, endpoint);
                endpoint
            }
            Phase::Connecting { legs, .. } => {
                for &(leg, e) in &legs {
                    out.push(Action::Close { leg });
                    roster.failed(now, e);
                }
                legs.last().map_or(0, |&(_, e)| e)
            }
        };
        if attempt.number >= self.cfg.attempts {
            return Some(Done::GaveUp {
                endpoint: tried,
                attempts: attempt.number,
            });
        }
        self.begin(now, attempt.number + 1, Why::Retry, roster, out);
        None
    }

    /// When [`Slot::poll`] has something to do next, if a request is in hand.
    pub fn next_deadline(&self) -> Option<Instant> {
        let attempt = self.attempt.as_ref()?;
        let next = match attempt.phase {
            Phase::Connecting { next, .. } => next,
            Phase::Sent { .. } => None,
        };
        Some(next.map_or(attempt.deadline, |n| n.min(attempt.deadline)))
    }

    /// The connection an established request went out on, with its broker.
    pub fn sent_on(&self) -> Option<(Leg, Endpoint)> {
        match self.attempt.as_ref()?.phase {
            Phase::Sent { leg, endpoint } => Some((leg, endpoint)),
            Phase::Connecting { .. } => None,
        }
    }

    /// The attempt in hand, counting from 1.
    pub fn attempt(&self) -> Option<u32> {
        self.attempt.as_ref().map(|a| a.number)
    }

    /// Closes the idle connections (for a slot that is no longer used).
    pub fn close_idle(&mut self, out: &mut Vec<Action>) {
        for (leg, _) in self.idle.drain(..) {
            out.push(Action::Close { leg });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn cfg(head_start: Option<u64>) -> Config {
        Config {
            timeout: 1000 * MS,
            attempts: 3,
            head_start: head_start.map(Duration::from_millis),
        }
    }

    fn roster(n: usize, pick: Pick) -> Roster {
        Roster::new(n, pick, None, SKIP)
    }

    /// The `Connect` actions in `out`: (leg, endpoint, why).
    fn connects(out: &[Action]) -> Vec<(Leg, Endpoint, Why)> {
        out.iter()
            .filter_map(|a| match a {
                Action::Connect {
                    leg, endpoint, why, ..
                } => Some((*leg, *endpoint, *why)),
                _ => None,
            })
            .collect()
    }

    fn sends(out: &[Action]) -> Vec<Leg> {
        out.iter()
            .filter_map(|a| match a {
                Action::Send { leg } => Some(*leg),
                _ => None,
            })
            .collect()
    }

    /// Starts a request on `slot` at `now` and establishes its first connection: the leg
    /// the request went out on.
    fn sent(slot: &mut Slot, r: &mut Roster, now: Instant, out: &mut Vec<Action>) -> Leg {
        slot.start(now, r, out);
        let leg = connects(out)[0].0;
        slot.connected(leg, r, out);
        leg
    }

    fn closes(out: &[Action]) -> Vec<Leg> {
        out.iter()
            .filter_map(|a| match a {
                Action::Close { leg } => Some(*leg),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_request_goes_out_once_its_connection_is_established() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Failover);
        let mut slot = Slot::new(cfg(Some(250)));
        let mut out = Vec::new();
        slot.start(t0, &mut r, &mut out);
        let [(leg, 0, Why::First)] = connects(&out)[..] else {
            panic!("{out:?}")
        };
        assert!(
            sends(&out).is_empty(),
            "nothing is sent before the connection"
        );
        out.clear();
        slot.connected(leg, &mut r, &mut out);
        assert_eq!(out, [Action::Send { leg }]);
        out.clear();
        assert_eq!(
            slot.replied(leg, &mut r, &mut out),
            Some(Done::Replied {
                endpoint: 0,
                attempts: 1
            })
        );
        assert!(out.is_empty(), "the connection stays open: {out:?}");
        assert!(!slot.busy());
        assert_eq!(r.last(), Some(0));
    }

    #[test]
    fn the_next_request_reuses_the_connection_that_answered() {
        let t0 = Instant::now();
        let mut r = roster(1, Pick::Failover);
        let mut slot = Slot::new(cfg(Some(250)));
        let mut out = Vec::new();
        let leg = sent(&mut slot, &mut r, t0, &mut out);
        slot.replied(leg, &mut r, &mut out);
        out.clear();
        slot.start(t0 + MS, &mut r, &mut out);
        assert_eq!(out, [Action::Send { leg }]);
        assert_eq!(slot.sent_on(), Some((leg, 0)));
    }

    #[test]
    fn a_connection_not_established_within_the_head_start_races_the_next_broker() {
        let t0 = Instant::now();
        let mut r = roster(3, Pick::Failover);
        let mut slot = Slot::new(cfg(Some(250)));
        let mut out = Vec::new();
        slot.start(t0, &mut r, &mut out);
        assert_eq!(slot.next_deadline(), Some(t0 + 250 * MS));
        let first = connects(&out)[0].0;
        out.clear();
        assert_eq!(slot.poll(t0 + 249 * MS, &mut r, &mut out), None);
        assert!(out.is_empty());
        slot.poll(t0 + 250 * MS, &mut r, &mut out);
        let [(second, 1, Why::HeadStart)] = connects(&out)[..] else {
            panic!("{out:?}")
        };
        assert!(closes(&out).is_empty(), "the first keeps racing");
        out.clear();
        slot.poll(t0 + 500 * MS, &mut r, &mut out);
        let [(third, 2, Why::HeadStart)] = connects(&out)[..] else {
            panic!("{out:?}")
        };
        out.clear();
        // Every broker has a connection: no more head starts, only the attempt's timeout.
        assert_eq!(slot.next_deadline(), Some(t0 + 1000 * MS));
        slot.poll(t0 + 750 * MS, &mut r, &mut out);
        assert!(out.is_empty());
        // The second is established first: it alone gets the request.
        slot.connected(second, &mut r, &mut out);
        let mut closed = closes(&out);
        closed.sort();
        assert_eq!(closed, [first, third]);
        assert_eq!(sends(&out), [second]);
        out.clear();
        // The others, established late, get nothing.
        slot.connected(first, &mut r, &mut out);
        assert!(out.is_empty());
        assert_eq!(
            slot.replied(second, &mut r, &mut out),
            Some(Done::Replied {
                endpoint: 1,
                attempts: 1
            })
        );
        assert_eq!(r.last(), Some(1));
    }

    #[test]
    fn without_a_head_start_an_attempt_waits_for_its_one_connection() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Failover);
        let mut slot = Slot::new(cfg(None));
        let mut out = Vec::new();
        slot.start(t0, &mut r, &mut out);
        assert_eq!(slot.next_deadline(), Some(t0 + 1000 * MS));
        out.clear();
        slot.poll(t0 + 999 * MS, &mut r, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_timed_out_attempt_closes_its_connection_and_retries_on_the_next_broker() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Failover);
        let mut slot = Slot::new(cfg(Some(250)));
        let mut out = Vec::new();
        let leg = sent(&mut slot, &mut r, t0, &mut out);
        out.clear();
        // Sent: the head start no longer matters, only the timeout.
        assert_eq!(slot.next_deadline(), Some(t0 + 1000 * MS));
        slot.poll(t0 + 999 * MS, &mut r, &mut out);
        assert!(out.is_empty());
        assert_eq!(slot.poll(t0 + 1000 * MS, &mut r, &mut out), None);
        assert_eq!(closes(&out), [leg]);
        let [(retry, 1, Why::Retry)] = connects(&out)[..] else {
            panic!("{out:?}")
        };
        assert_ne!(retry, leg, "a new connection, never the timed-out one");
        assert_eq!(slot.attempt(), Some(2));
        // Its timeout counts from its own start.
        assert_eq!(slot.next_deadline(), Some(t0 + 1250 * MS));
    }

    #[test]
    fn a_late_reply_on_a_closed_connection_is_not_taken_for_the_answer() {
        let t0 = Instant::now();
        let mut r = roster(1, Pick::Failover);
        let mut slot = Slot::new(cfg(None));
        let mut out = Vec::new();
        let old = sent(&mut slot, &mut r, t0, &mut out);
        slot.poll(t0 + 1000 * MS, &mut r, &mut out);
        assert_eq!(slot.replied(old, &mut r, &mut out), None);
        assert!(slot.busy());
    }

    #[test]
    fn after_the_last_attempt_the_request_is_given_up() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Failover);
        let mut slot = Slot::new(cfg(None));
        let mut out = Vec::new();
        slot.start(t0, &mut r, &mut out);
        let mut t = t0;
        for _ in 0..2 {
            t += 1000 * MS;
            assert_eq!(slot.poll(t, &mut r, &mut out), None);
        }
        out.clear();
        t += 1000 * MS;
        let done = slot.poll(t, &mut r, &mut out);
        assert_eq!(
            done,
            Some(Done::GaveUp {
                endpoint: 0,
                attempts: 3
            })
        );
        assert_eq!(closes(&out).len(), 1);
        assert!(connects(&out).is_empty());
        assert!(!slot.busy());
        assert_eq!(slot.next_deadline(), None);
    }

    #[test]
    fn attempts_alternate_along_the_list() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Failover);
        let mut slot = Slot::new(cfg(None));
        let mut out = Vec::new();
        slot.start(t0, &mut r, &mut out);
        slot.poll(t0 + 1000 * MS, &mut r, &mut out);
        slot.poll(t0 + 2000 * MS, &mut r, &mut out);
        let order: Vec<Endpoint> = connects(&out).iter().map(|c| c.1).collect();
        assert_eq!(order, [0, 1, 0]);
    }

    #[test]
    fn a_partial_reply_restarts_the_wait() {
        let t0 = Instant::now();
        let mut r = roster(1, Pick::Failover);
        let mut slot = Slot::new(cfg(None));
        let mut out = Vec::new();
        let leg = sent(&mut slot, &mut r, t0, &mut out);
        slot.partial(t0 + 900 * MS, leg);
        assert_eq!(slot.next_deadline(), Some(t0 + 1900 * MS));
        out.clear();
        assert_eq!(slot.poll(t0 + 1500 * MS, &mut r, &mut out), None);
        assert!(out.is_empty());
        assert_eq!(slot.attempt(), Some(1));
    }

    #[test]
    fn a_request_refused_by_a_lost_connection_waits_and_races_again() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Failover);
        let mut slot = Slot::new(cfg(Some(100)));
        let mut out = Vec::new();
        let leg = sent(&mut slot, &mut r, t0, &mut out);
        slot.replied(leg, &mut r, &mut out);
        out.clear();
        // The idle connection is reused, but its broker has gone meanwhile.
        slot.start(t0 + 10 * MS, &mut r, &mut out);
        assert_eq!(sends(&out), [leg]);
        slot.unsent(t0 + 10 * MS, leg);
        assert_eq!(slot.next_deadline(), Some(t0 + 110 * MS));
        out.clear();
        slot.poll(t0 + 110 * MS, &mut r, &mut out);
        let [(other, 1, Why::HeadStart)] = connects(&out)[..] else {
            panic!("{out:?}")
        };
        out.clear();
        slot.connected(other, &mut r, &mut out);
        assert_eq!(closes(&out), [leg]);
        assert_eq!(sends(&out), [other]);
    }

    #[test]
    fn failover_keeps_to_the_broker_that_answered_last() {
        let t0 = Instant::now();
        let mut r = Roster::new(3, Pick::Failover, Some(2), SKIP);
        assert_eq!(r.pick(t0), 2);
        assert_eq!(r.pick(t0), 2);
        r.answered(1);
        assert_eq!(r.pick(t0), 1);
        r.failed(t0, 1);
        assert_eq!(r.pick(t0), 2, "the next after a failed one");
        assert_eq!(r.pick(t0 + SKIP), 1, "skipped only for a while");
    }

    #[test]
    fn a_recalled_broker_outside_the_list_is_ignored() {
        let mut r = Roster::new(2, Pick::Failover, Some(5), SKIP);
        assert_eq!(r.last(), None);
        assert_eq!(r.pick(Instant::now()), 0);
    }

    #[test]
    fn spread_goes_round_the_list_skipping_brokers_that_failed() {
        let t0 = Instant::now();
        let mut r = roster(3, Pick::Spread);
        let picks: Vec<Endpoint> = (0..4).map(|_| r.pick(t0)).collect();
        assert_eq!(picks, [0, 1, 2, 0]);
        r.failed(t0, 2);
        let picks: Vec<Endpoint> = (0..4).map(|_| r.pick(t0 + MS)).collect();
        assert_eq!(picks, [1, 0, 1, 0]);
        let later = t0 + SKIP;
        let picks: Vec<Endpoint> = (0..3).map(|_| r.pick(later)).collect();
        assert_eq!(picks, [1, 2, 0]);
    }

    #[test]
    fn spread_starts_after_the_broker_that_answered_last() {
        let mut r = Roster::new(3, Pick::Spread, Some(0), SKIP);
        assert_eq!(r.pick(Instant::now()), 1);
    }

    #[test]
    fn when_every_broker_is_skipped_the_one_skipped_first_is_tried() {
        let t0 = Instant::now();
        let mut r = roster(3, Pick::Failover);
        r.failed(t0 + 2 * MS, 0);
        r.failed(t0, 1);
        r.failed(t0 + MS, 2);
        assert_eq!(r.pick(t0 + 3 * MS), 1);
    }

    #[test]
    fn a_broker_that_failed_its_head_start_is_passed_over_by_the_next_request() {
        let t0 = Instant::now();
        let mut r = roster(2, Pick::Spread);
        let mut slot = Slot::new(cfg(Some(250)));
        let mut out = Vec::new();
        slot.start(t0, &mut r, &mut out);
        slot.poll(t0 + 250 * MS, &mut r, &mut out);
        let second = connects(&out)[1].0;
        slot.connected(second, &mut r, &mut out);
        slot.replied(second, &mut r, &mut out);
        out.clear();
        slot.start(t0 + 300 * MS, &mut r, &mut out);
        assert_eq!(sends(&out), [second], "round robin: broker 1");
        slot.replied(second, &mut r, &mut out);
        out.clear();
        // Round robin says broker 0 now, but it was not reachable.
        slot.start(t0 + 400 * MS, &mut r, &mut out);
        assert_eq!(sends(&out), [second]);
        assert!(connects(&out).is_empty());
    }

    #[test]
    fn a_slot_keeps_one_idle_connection_per_broker() {
        let t0 = Instant::now();
        let mut r = roster(1, Pick::Failover);
        let mut slot = Slot::new(cfg(None));
        let mut out = Vec::new();
        let leg = sent(&mut slot, &mut r, t0, &mut out);
        slot.replied(leg, &mut r, &mut out);
        slot.close_idle(&mut out);
        assert_eq!(closes(&out), [leg]);
        assert_eq!(slot.idle().count(), 0);
    }
}
