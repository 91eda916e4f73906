//! One worker on every broker of its list at once (`--all-brokers`), as a pure state machine.
//!
//! Each broker gets sessions of its own ([`Session`], the same machine a single-broker worker
//! runs, given a one-endpoint list): they heartbeat, reconnect and judge their broker's
//! silence on their own, so one broker dying touches only its sessions. What they share is
//! the worker's capacity: every session offers its broker the whole credit (`--credit N`
//! per broker), and the [`Ledger`] lets at most `parallel` (`--concurrency`) of the requests
//! in hand run at once, across all brokers; the others wait their turn in arrival order.
//!
//! Jobs are renumbered with ids of their own, unique across sessions, so the driver's job
//! threads need not know which broker a request came from.

use std::collections::VecDeque;
use std::time::Instant;

use super::session::{self, Action, Event, Job, Output, Session};
use crate::mdp::{Frame, ReplyKind, WorkerMsg};

/// What the driver must do with one session's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire {
    /// Close any socket and open a new one to the session's broker.
    Connect,
    /// Close the socket; a `Connect` follows at the session's deadline.
    Close,
    Send(WorkerMsg),
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A socket action of the session `link`.
    Wire { link: usize, wire: Wire },
    /// Start handling a request; `job.token` is its id here (see [`Fanout::reply`]).
    Run(Job),
    /// Stop handling the job `id` (the broker that gave it is gone); any reply it still
    /// sends is dropped.
    Cancel { id: u64 },
}

/// The steps to carry out and the events to log, each event with its session.
#[derive(Debug, Default)]
pub struct Steps {
    pub steps: Vec<Step>,
    pub events: Vec<(usize, Event)>,
}

impl Steps {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.events.is_empty()
    }
}

/// A job as the ledger knows it: its id, and the session and token it answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: u64,
    link: usize,
    token: u64,
}

/// The jobs in hand across sessions: up to `parallel` running, the rest waiting in arrival
/// order. A cancelled job is forgotten at once (a handler may end it without a reply); a
/// reply from it finds no entry and is dropped, as its broker is gone.
#[derive(Debug)]
pub struct Ledger {
    parallel: usize,
    running: Vec<Entry>,
    waiting: VecDeque<(Entry, Job)>,
}

impl Ledger {
    pub fn new(parallel: usize) -> Ledger {
        Ledger {
            parallel: parallel.max(1),
            running: Vec::new(),
            waiting: VecDeque::new(),
        }
    }

    /// Jobs running now (not counting cancelled ones whose threads are still finishing).
    pub fn running(&self) -> usize {
        self.running.len()
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Jobs of the session `link` running or waiting.
    pub fn in_hand(&self, link: usize) -> usize {
        let running = self.running.iter().filter(|e| e.link == link).count();
        running + self.waiting.iter().filter(|(e, _)| e.link == link).count()
    }

    /// Takes a new job: `Some` (to start now) when a slot is free, else it waits.
    fn admit(&mut self, entry: Entry, job: Job) -> Option<Job> {
        if self.running.len() < self.parallel {
            self.running.push(entry);
            return Some(job);
        }
        self.waiting.push_back((entry, job));
        None
    }

    /// The job `id` has sent its FINAL: its entry, and the waiting job that takes its slot.
    fn finished(&mut self, id: u64) -> (Option<Entry>, Option<Job>) {
        let Some(i) = self.running.iter().position(|e| e.id == id) else {
            return (None, None);
        };
        let entry = self.running.remove(i);
        (Some(entry), self.next())
    }

    /// The entry of a running job.
    fn find(&self, id: u64) -> Option<Entry> {
        self.running.iter().find(|e| e.id == id).copied()
    }

    /// The session `link` gave up the job `token`: a waiting job is forgotten; a running
    /// one is cancelled (its id returned) and its slot goes to the next waiting job.
    fn abandon(&mut self, link: usize, token: u64) -> (Option<u64>, Option<Job>) {
        let is_it = |e: &Entry| e.link == link && e.token == token;
        self.waiting.retain(|(e, _)| !is_it(e));
        let Some(i) = self.running.iter().position(is_it) else {
            return (None, None);
        };
        let entry = self.running.remove(i);
        (Some(entry.id), self.next())
    }

    fn next(&mut self) -> Option<Job> {
        if self.running.len() >= self.parallel {
            return None;
        }
        let (entry, job) = self.waiting.pop_front()?;
        self.running.push(entry);
        Some(job)
    }
}

/// The sessions of one worker on every broker of its list, and the jobs they share.
#[derive(Debug)]
pub struct Fanout {
    sessions: Vec<Session>,
    /// The broker (index into the list) of each session.
    brokers: Vec<usize>,
    /// Sessions that have said goodbye.
    left: Vec<bool>,
    ledger: Ledger,
    next_id: u64,
    /// Scratch for one session's output, translated into [`Steps`].
    scratch: Output,
}

impl Fanout {
    /// Starts `per_broker` sessions with each of `brokers` brokers (all connecting now), the
    /// jobs of all of them running at most `parallel` at once.
    pub fn start(
        cfg: &session::Config,
        brokers: usize,
        per_broker: usize,
        parallel: usize,
        now: Instant,
        out: &mut Steps,
    ) -> Fanout {
        let mut fanout = Fanout {
            sessions: Vec::new(),
            brokers: Vec::new(),
            left: Vec::new(),
            ledger: Ledger::new(parallel),
            next_id: 1,
            scratch: Output::default(),
        };
        for broker in 0..brokers.max(1) {
            for _ in 0..per_broker.max(1) {
                let link = fanout.sessions.len();
                let session = Session::start(cfg.clone(), 1, now, &mut fanout.scratch);
                fanout.sessions.push(session);
                fanout.brokers.push(broker);
                fanout.left.push(false);
                fanout.translate(link, out);
            }
        }
        fanout
    }

    /// The sessions, as many as [`Fanout::broker_of`] knows.
    pub fn links(&self) -> usize {
        self.sessions.len()
    }

    /// The broker (index into the list) the session `link` talks to.
    pub fn broker_of(&self, link: usize) -> usize {
        self.brokers[link]
    }

    pub fn config(&self) -> &session::Config {
        self.sessions[0].config()
    }

    /// The form the session `link` writes its next command in ([`Session::form`]).
    pub fn form(&self, link: usize) -> crate::mdp::Form {
        self.sessions[link].form()
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The earliest deadline of the sessions still running, seen at `now`.
    pub fn next_deadline(&self, now: Instant) -> Instant {
        self.sessions
            .iter()
            .zip(&self.left)
            .filter(|(_, left)| !**left)
            .map(|(s, _)| s.next_deadline(now))
            .min()
            .unwrap_or_else(|| self.sessions[0].next_deadline(now))
    }

    /// Takes one message that came on the socket of the session `link`.
    pub fn on_message(&mut self, link: usize, now: Instant, frames: Vec<Frame>, out: &mut Steps) {
        let Some(session) = self.sessions.get_mut(link) else {
            return;
        };
        session.on_message(now, frames, &mut self.scratch);
        self.translate(link, out);
    }

    /// Heartbeats and reconnects, each session on its own clock.
    pub fn tick(&mut self, now: Instant, out: &mut Steps) {
        for link in 0..self.sessions.len() {
            if !self.left[link] {
                self.sessions[link].tick(now, &mut self.scratch);
                self.translate(link, out);
            }
        }
    }

    /// A reply from the job `id`: PARTIAL or FINAL. A FINAL frees its slot for the next job.
    pub fn reply(
        &mut self,
        now: Instant,
        id: u64,
        kind: ReplyKind,
        body: Vec<Frame>,
        out: &mut Steps,
    ) {
        let entry = match kind {
            ReplyKind::Partial => self.ledger.find(id),
            ReplyKind::Final => {
                let (entry, next) = self.ledger.finished(id);
                if let Some(job) = next {
                    out.steps.push(Step::Run(job));
                }
                entry
            }
        };
        let Some(entry) = entry else {
            return;
        };
        self.sessions[entry.link].reply(now, entry.token, kind, body, &mut self.scratch);
        self.translate(entry.link, out);
    }

    /// Starts stopping: every session finishes the requests in hand (the waiting ones too)
    /// and declines new ones.
    pub fn drain(&mut self) {
        for session in &mut self.sessions {
            session.drain();
        }
    }

    /// While stopping: each session with nothing in hand says goodbye. True once all have.
    pub fn leave_idle(&mut self, out: &mut Steps) -> bool {
        for link in 0..self.sessions.len() {
            if !self.left[link] && !self.sessions[link].is_busy() {
                self.sessions[link].stop(&mut self.scratch);
                self.left[link] = true;
                self.translate(link, out);
            }
        }
        self.left.iter().all(|left| *left)
    }

    /// Turns what the session `link` asked for into steps: socket actions tagged with the
    /// session, jobs renumbered and admitted to the ledger, abandoned ones cancelled.
    fn translate(&mut self, link: usize, out: &mut Steps) {
        out.events
            .extend(self.scratch.events.drain(..).map(|event| (link, event)));
        for action in std::mem::take(&mut self.scratch.actions) {
            let wire = match action {
                Action::Connect { .. } => Wire::Connect,
                Action::Close => Wire::Close,
                Action::Send(msg) => Wire::Send(msg),
                Action::Handle(job) => {
                    let id = self.next_id;
                    self.next_id += 1;
                    let entry = Entry {
                        id,
                        link,
                        token: job.token,
                    };
                    let job = Job { token: id, ..job };
                    if let Some(job) = self.ledger.admit(entry, job) {
                        out.steps.push(Step::Run(job));
                    }
                    continue;
                }
                Action::Abandon { token } => {
                    let (cancelled, next) = self.ledger.abandon(link, token);
                    out.steps.extend(cancelled.map(|id| Step::Cancel { id }));
                    out.steps.extend(next.map(Step::Run));
                    continue;
                }
            };
            out.steps.push(Step::Wire { link, wire });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::mdp::Version;

    const HB: Duration = Duration::from_millis(1000);

    fn cfg(credit: u32) -> session::Config {
        session::Config {
            service: Frame::copy(b"echo"),
            form: Version::V01.into(),
            heartbeat: HB,
            liveness: 3,
            reconnect: Duration::from_millis(500),
            credit,
            dedup: false,
        }
    }

    fn request(client: &[u8]) -> Vec<Frame> {
        WorkerMsg::Request {
            client: Frame::copy(client),
            body: vec![Frame::copy(client)],
        }
        .to_frames(Version::V01)
        .unwrap()
    }

    fn heartbeat() -> Vec<Frame> {
        WorkerMsg::Heartbeat.to_frames(Version::V01).unwrap()
    }

    fn runs(out: &Steps) -> Vec<u64> {
        out.steps
            .iter()
            .filter_map(|s| match s {
                Step::Run(job) => Some(job.token),
                _ => None,
            })
            .collect()
    }

    fn sends(out: &Steps, link: usize) -> Vec<WorkerMsg> {
        out.steps
            .iter()
            .filter_map(|s| match s {
                Step::Wire {
                    link: l,
                    wire: Wire::Send(msg),
                } if *l == link => Some(msg.clone()),
                _ => None,
            })
            .collect()
    }

    fn finals_to(out: &Steps, link: usize) -> Vec<Vec<u8>> {
        sends(out, link)
            .into_iter()
            .filter_map(|m| match m {
                WorkerMsg::Final { client, .. } => Some(client.to_vec()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_broker_gets_its_sessions_each_with_the_whole_credit() {
        let mut out = Steps::default();
        let f = Fanout::start(&cfg(4), 2, 1, 2, Instant::now(), &mut out);
        assert_eq!(f.links(), 2);
        assert_eq!((f.broker_of(0), f.broker_of(1)), (0, 1));
        for link in 0..2 {
            assert!(out.steps.contains(&Step::Wire {
                link,
                wire: Wire::Connect
            }));
            let sent = sends(&out, link);
            let [WorkerMsg::Ready { extensions, .. }] = sent.as_slice() else {
                panic!("one READY per session: {:?}", out.steps)
            };
            assert_eq!(extensions.credit, Some(4));
        }
        // Without credit, a session per unit of concurrency on each broker.
        let f = Fanout::start(&cfg(1), 3, 2, 2, Instant::now(), &mut Steps::default());
        assert_eq!(f.links(), 6);
        let per_broker: Vec<usize> = (0..6).map(|l| f.broker_of(l)).collect();
        assert_eq!(per_broker, vec![0, 0, 1, 1, 2, 2]);
    }

    #[test]
    fn concurrency_bounds_the_jobs_running_across_brokers() {
        let t = Instant::now();
        let mut out = Steps::default();
        let mut f = Fanout::start(&cfg(2), 2, 1, 3, t, &mut out);
        let mut out = Steps::default();
        f.on_message(0, t, request(b"a1"), &mut out);
        f.on_message(1, t, request(b"b1"), &mut out);
        f.on_message(0, t, request(b"a2"), &mut out);
        f.on_message(1, t, request(b"b2"), &mut out);
        // Ids are unique across sessions; three run, the fourth waits.
        assert_eq!(runs(&out), vec![1, 2, 3]);
        assert_eq!((f.ledger().running(), f.ledger().waiting()), (3, 1));
        assert_eq!((f.ledger().in_hand(0), f.ledger().in_hand(1)), (2, 2));
        // Each broker's credit holds on its own: a third request to one broker is refused.
        let mut out = Steps::default();
        f.on_message(0, t, request(b"a3"), &mut out);
        assert!(runs(&out).is_empty());
        assert_eq!(f.ledger().in_hand(0), 2);
        // A FINAL goes to its own broker's session and lets the waiting job run.
        let mut out = Steps::default();
        f.reply(t, 2, ReplyKind::Final, vec![Frame::copy(b"b1")], &mut out);
        assert_eq!(finals_to(&out, 1), vec![b"b1".to_vec()]);
        assert!(finals_to(&out, 0).is_empty());
        assert_eq!(runs(&out), vec![4]);
        assert_eq!((f.ledger().running(), f.ledger().waiting()), (3, 0));
    }

    #[test]
    fn a_dead_broker_cancels_only_its_own_jobs() {
        let t = Instant::now();
        let mut f = Fanout::start(&cfg(2), 2, 1, 2, t, &mut Steps::default());
        let mut out = Steps::default();
        f.on_message(0, t, request(b"a1"), &mut out);
        f.on_message(0, t, request(b"a2"), &mut out);
        f.on_message(1, t, request(b"b1"), &mut out);
        assert_eq!(runs(&out), vec![1, 2]);
        // Broker 0 sends DISCONNECT (it is restarting): its jobs are cancelled, and the job of
        // broker 1 that waited takes a slot. Broker 1's session is untouched.
        let mut out = Steps::default();
        f.on_message(
            0,
            t,
            WorkerMsg::Disconnect.to_frames(Version::V01).unwrap(),
            &mut out,
        );
        assert!(out.steps.contains(&Step::Cancel { id: 1 }));
        assert!(out.steps.contains(&Step::Cancel { id: 2 }));
        assert_eq!(runs(&out), vec![3]);
        assert!(out.steps.iter().all(|s| match s {
            Step::Wire { link, .. } => *link == 0,
            _ => true,
        }));
        // A cancelled job's late reply is dropped; broker 1's is sent.
        let mut out = Steps::default();
        f.reply(t, 1, ReplyKind::Final, vec![Frame::copy(b"late")], &mut out);
        assert!(out.is_empty(), "{out:?}");
        f.reply(t, 3, ReplyKind::Final, vec![Frame::copy(b"b1")], &mut out);
        assert_eq!(finals_to(&out, 1), vec![b"b1".to_vec()]);
        assert_eq!((f.ledger().running(), f.ledger().waiting()), (0, 0));
    }

    #[test]
    fn a_silent_broker_reconnects_on_its_own_while_the_other_keeps_serving() {
        let t = Instant::now();
        let mut f = Fanout::start(&cfg(1), 2, 1, 1, t, &mut Steps::default());
        // Only broker 1 is heard from.
        for i in 1..=3 {
            let mut out = Steps::default();
            f.on_message(1, t + HB * i - HB / 10, heartbeat(), &mut out);
            f.tick(t + HB * i, &mut out);
            let closed = out.steps.contains(&Step::Wire {
                link: 0,
                wire: Wire::Close,
            });
            assert_eq!(closed, i == 3, "broker 0 expires after three heartbeats");
            assert!(!out.steps.contains(&Step::Wire {
                link: 1,
                wire: Wire::Close
            }));
        }
        let mut out = Steps::default();
        f.on_message(1, t + HB * 3, request(b"b"), &mut out);
        assert_eq!(runs(&out), vec![1]);
        // Broker 0's session comes back after its pause.
        let mut out = Steps::default();
        f.tick(t + HB * 3 + Duration::from_millis(500), &mut out);
        assert!(out.steps.contains(&Step::Wire {
            link: 0,
            wire: Wire::Connect
        }));
    }

    #[test]
    fn draining_finishes_every_job_in_hand_then_leaves_each_broker() {
        let t = Instant::now();
        let mut f = Fanout::start(&cfg(2), 2, 1, 1, t, &mut Steps::default());
        let mut out = Steps::default();
        f.on_message(0, t, request(b"a1"), &mut out);
        f.on_message(1, t, request(b"b1"), &mut out);
        assert_eq!(runs(&out), vec![1]);
        f.drain();
        // New requests are declined, the ones in hand (running and waiting) are kept.
        let mut out = Steps::default();
        f.on_message(1, t, request(b"b2"), &mut out);
        assert!(out.events.contains(&(1, Event::Declined)));
        assert!(!f.leave_idle(&mut out));
        assert!(sends(&out, 0).is_empty() && sends(&out, 1).is_empty());
        let mut out = Steps::default();
        f.reply(t, 1, ReplyKind::Final, vec![Frame::copy(b"a1")], &mut out);
        assert_eq!(runs(&out), vec![2], "the waiting job runs");
        assert!(!f.leave_idle(&mut out));
        assert!(sends(&out, 0).contains(&WorkerMsg::Disconnect));
        assert!(!sends(&out, 1).contains(&WorkerMsg::Disconnect));
        let mut out = Steps::default();
        f.reply(t, 2, ReplyKind::Final, vec![Frame::copy(b"b1")], &mut out);
        assert_eq!(finals_to(&out, 1), vec![b"b1".to_vec()]);
        assert!(f.leave_idle(&mut out));
        assert!(sends(&out, 1).contains(&WorkerMsg::Disconnect));
    }
}
