//! The worker side of MDP/Worker as a pure state machine (7/MDP, 18/MDP).
//!
//! It decides when to connect (and to which broker of the failover list), what to send
//! (READY, HEARTBEAT, replies, DISCONNECT), when the broker is dead, and which requests to hand
//! to the handler. The driver owns the socket and the handler; it reports messages and the
//! clock and carries out [`Action`]s.
//!
//! Unlike the reference worker (zguide `mdwrkapi.c`), this session keeps heartbeating while a
//! request is being handled (the handler runs beside it), so a long job is not mistaken for a
//! dead worker, and a hung broker is noticed even mid-job. A reply for a request received on
//! an earlier connection is dropped: the broker that gave it is gone and has requeued it.

use std::time::{Duration, Instant};

use crate::heartbeat::RateCheck;
use crate::mdp::{Dialect, Extensions, Form, Frame, ProtocolError, ReplyKind, Version, WorkerMsg};

/// Settings of one worker session (the `zmqtool worker` flags).
#[derive(Debug, Clone)]
pub struct Config {
    pub service: Frame,
    /// The protocol version and form to speak (see `--protocol`).
    pub form: Form,
    pub heartbeat: Duration,
    /// Heartbeats the broker may miss before the worker reconnects.
    pub liveness: u32,
    /// Pause before reconnecting to a silent broker.
    pub reconnect: Duration,
    /// Requests held at once (announced in READY when over 1; see [`Extensions::credit`]).
    pub credit: u32,
    /// Announce `dedup` in READY: stamped requests' replies are kept and replayed (see
    /// [`super::dedup`]).
    pub dedup: bool,
}

/// A request handed to the handler. The token ties its reply to the connection it came on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub token: u64,
    pub client: Frame,
    pub body: Vec<Frame>,
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Close any socket and open a new one to `endpoint` (index into the failover list).
    Connect { endpoint: usize },
    /// Close the socket; a `Connect` follows at the deadline.
    Close,
    /// Send this message on the current socket.
    Send(WorkerMsg),
    /// Start handling a request.
    Handle(Job),
    /// Stop handling this job (the broker that gave it is gone).
    Abandon { token: u64 },
}

/// What happened, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Connecting {
        endpoint: usize,
    },
    BrokerSilent {
        endpoint: usize,
        silent: Duration,
    },
    Disconnected {
        endpoint: usize,
    },
    /// The broker answered READY with DISCONNECT: it will not have this worker.
    Refused {
        endpoint: usize,
        retry_in: Duration,
    },
    Malformed(ProtocolError),
    Unexpected(&'static str),
    HeartbeatMismatch {
        observed: Duration,
        expected: Duration,
    },
    StaleReply {
        token: u64,
    },
    /// A request that came while stopping: left to the broker, which requeues it.
    Declined,
}

#[derive(Debug, Default)]
pub struct Output {
    pub actions: Vec<Action>,
    pub events: Vec<Event>,
}

impl Output {
    /// Nothing to carry out or log.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.events.is_empty()
    }
}

#[derive(Debug)]
enum State {
    Connected {
        endpoint: usize,
        last_seen: Instant,
        heartbeat_at: Instant,
        rate: RateCheck,
        /// Something has come from the broker on this connection.
        heard: bool,
        /// When this connection was made (and READY sent).
        since: Instant,
        /// The broker writes to this worker in the compact form (it knows the `compact`
        /// extension announced in READY), so the worker writes to it in that form too.
        compact: bool,
    },
    Waiting {
        endpoint: usize,
        until: Instant,
    },
    Stopped,
}

/// One worker's conversation with its broker(s).
#[derive(Debug)]
pub struct Session {
    cfg: Config,
    endpoints: usize,
    state: State,
    /// The requests in hand (up to the credit), oldest first: token and client address.
    jobs: Vec<(u64, Frame)>,
    next_token: u64,
    /// READYs answered with DISCONNECT in a row, for the backoff.
    refusals: u32,
    /// Stopping: requests in hand are finished, new ones declined (the broker requeues them
    /// when the DISCONNECT that ends the session reaches it).
    draining: bool,
}

/// The first pause after a refused READY; it doubles with each refusal in a row.
const REFUSAL_BACKOFF: Duration = Duration::from_millis(250);
/// The longest pause between refused READYs.
const MAX_REFUSAL_BACKOFF: Duration = Duration::from_secs(30);

/// The pause before the next READY after `refusals` refusals in a row.
fn refusal_backoff(refusals: u32) -> Duration {
    let doublings = refusals.saturating_sub(1).min(16);
    (REFUSAL_BACKOFF * (1 << doublings)).min(MAX_REFUSAL_BACKOFF)
}

impl Session {
    /// Starts connected to the first endpoint of a list of `endpoints` brokers.
    pub fn start(cfg: Config, endpoints: usize, now: Instant, out: &mut Output) -> Session {
        let mut session = Session {
            cfg,
            endpoints: endpoints.max(1),
            state: State::Stopped,
            jobs: Vec::new(),
            next_token: 1,
            refusals: 0,
            draining: false,
        };
        session.connect(0, now, out);
        session
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The form to write the next command in: the configured one, or its compact form once
    /// the broker of this connection has written in it (docs/PROTOCOL-EXTENSIONS.md).
    pub fn form(&self) -> Form {
        match self.state {
            State::Connected { compact: true, .. } => Form::compact(self.cfg.form.version),
            _ => self.cfg.form,
        }
    }

    /// True while a request is in hand.
    pub fn is_busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// When [`Session::tick`] next has work to do, seen at `now`.
    pub fn next_deadline(&self, now: Instant) -> Instant {
        match &self.state {
            // While a job runs the broker's silence is not judged (see `tick`).
            State::Connected { heartbeat_at, .. } if self.is_busy() => *heartbeat_at,
            State::Connected {
                last_seen,
                heartbeat_at,
                ..
            } => (*heartbeat_at).min(*last_seen + self.expiry()),
            State::Waiting { until, .. } => *until,
            State::Stopped => now + Duration::from_secs(3600),
        }
    }

    fn expiry(&self) -> Duration {
        self.cfg.heartbeat * self.cfg.liveness
    }

    fn connect(&mut self, endpoint: usize, now: Instant, out: &mut Output) {
        out.events.push(Event::Connecting { endpoint });
        out.actions.push(Action::Connect { endpoint });
        out.actions.push(Action::Send(WorkerMsg::Ready {
            service: self.cfg.service.clone(),
            // The driver keeps heartbeating while a job runs on its thread.
            extensions: Extensions {
                busy_heartbeats: true,
                credit: (self.cfg.credit > 1).then_some(self.cfg.credit),
                dedup: self.cfg.dedup,
                compact: true,
            },
        }));
        self.state = State::Connected {
            endpoint,
            last_seen: now,
            heartbeat_at: now + self.cfg.heartbeat,
            rate: RateCheck::default(),
            heard: false,
            since: now,
            compact: false,
        };
    }

    fn abandon_jobs(&mut self, out: &mut Output) {
        for (token, _) in self.jobs.drain(..) {
            out.actions.push(Action::Abandon { token });
        }
    }

    /// Takes one message from the broker.
    pub fn on_message(&mut self, now: Instant, frames: Vec<Frame>, out: &mut Output) {
        let State::Connected {
            endpoint,
            last_seen,
            rate,
            heard,
            since,
            compact,
            ..
        } = &mut self.state
        else {
            return;
        };
        let endpoint = *endpoint;
        let msg = match WorkerMsg::parse(frames) {
            // A broker's empty frame before the 0.2 header is accepted either way.
            Ok((form, msg)) if form.version == self.cfg.form.version => {
                *compact = form.dialect == Dialect::Compact;
                msg
            }
            Ok(_) => {
                out.events
                    .push(Event::Unexpected("a message in another MDP version"));
                return;
            }
            Err(e) => {
                out.events.push(Event::Malformed(e));
                return;
            }
        };
        *last_seen = now;
        // A DISCONNECT that is the broker's first word, right after READY, answers the READY;
        // one that comes later (a restarted broker answering a heartbeat) does not.
        let refused_ready =
            !std::mem::replace(heard, true) && now.duration_since(*since) < self.cfg.heartbeat / 2;
        if !matches!(msg, WorkerMsg::Heartbeat) {
            rate.traffic();
        }
        match msg {
            WorkerMsg::Heartbeat => {
                if let Some(observed) = rate.heartbeat(now, self.cfg.heartbeat) {
                    out.events.push(Event::HeartbeatMismatch {
                        observed,
                        expected: self.cfg.heartbeat,
                    });
                }
            }
            WorkerMsg::Request { .. } if self.draining => {
                out.events.push(Event::Declined);
            }
            WorkerMsg::Request { client, body } => {
                if self.jobs.len() >= self.cfg.credit.max(1) as usize {
                    out.events
                        .push(Event::Unexpected("REQUEST beyond the credit"));
                    return;
                }
                self.refusals = 0;
                let token = self.next_token;
                self.next_token += 1;
                self.jobs.push((token, client.clone()));
                out.actions.push(Action::Handle(Job {
                    token,
                    client,
                    body,
                }));
            }
            WorkerMsg::Disconnect if refused_ready => {
                // The answer to READY: refused (a reserved or too long name, a full broker).
                // Reconnecting at once would loop thousands of times a second.
                self.refusals += 1;
                let retry_in = refusal_backoff(self.refusals);
                out.events.push(Event::Refused { endpoint, retry_in });
                out.actions.push(Action::Close);
                self.state = State::Waiting {
                    endpoint: (endpoint + 1) % self.endpoints,
                    until: now + retry_in,
                };
            }
            WorkerMsg::Disconnect => {
                // 7/MDP: close the socket and reconnect on a new one.
                out.events.push(Event::Disconnected { endpoint });
                self.abandon_jobs(out);
                let next = (endpoint + 1) % self.endpoints;
                self.connect(next, now, out);
            }
            WorkerMsg::Ready { .. } | WorkerMsg::Partial { .. } | WorkerMsg::Final { .. } => {
                out.events.push(Event::Unexpected(msg.name()));
            }
        }
    }

    /// Heartbeats the broker, and reconnects when it has been silent too long.
    pub fn tick(&mut self, now: Instant, out: &mut Output) {
        let expiry = self.expiry();
        match &mut self.state {
            State::Connected {
                endpoint,
                last_seen,
                heartbeat_at,
                ..
            } => {
                let silent = now.saturating_duration_since(*last_seen);
                // The zguide's brokers heartbeat idle workers only: silence while a job runs
                // is what they do, not a sign of death. The job finishes and its reply goes
                // out; the broker's liveness is judged again from then on.
                if silent >= expiry && self.jobs.is_empty() {
                    let endpoint = *endpoint;
                    out.events.push(Event::BrokerSilent { endpoint, silent });
                    out.actions.push(Action::Close);
                    self.state = State::Waiting {
                        endpoint: (endpoint + 1) % self.endpoints,
                        until: now + self.cfg.reconnect,
                    };
                    self.abandon_jobs(out);
                } else if now >= *heartbeat_at {
                    *heartbeat_at = now + self.cfg.heartbeat;
                    out.actions.push(Action::Send(WorkerMsg::Heartbeat));
                }
            }
            State::Waiting { endpoint, until } => {
                if now >= *until {
                    let endpoint = *endpoint;
                    self.connect(endpoint, now, out);
                }
            }
            State::Stopped => {}
        }
    }

    /// Sends a reply for the job with `token`: PARTIAL (0.2 only) or FINAL / REPLY.
    pub fn reply(
        &mut self,
        now: Instant,
        token: u64,
        kind: ReplyKind,
        body: Vec<Frame>,
        out: &mut Output,
    ) {
        let Some(index) = self.jobs.iter().position(|(t, _)| *t == token) else {
            out.events.push(Event::StaleReply { token });
            return;
        };
        let State::Connected {
            heartbeat_at,
            last_seen,
            ..
        } = &mut self.state
        else {
            out.events.push(Event::StaleReply { token });
            return;
        };
        // A command replaces the heartbeat that was due (18/MDP: not both).
        *heartbeat_at = now + self.cfg.heartbeat;
        if kind == ReplyKind::Final {
            // Silence while busy did not count: the broker has a whole expiry from the end
            // of the job to show it is alive.
            *last_seen = (*last_seen).max(now);
        }
        // MDP replies carry at least one body frame.
        let body = if body.is_empty() {
            vec![Frame::empty()]
        } else {
            body
        };
        let msg = match (kind, self.cfg.form.version) {
            (ReplyKind::Partial, Version::V02) => WorkerMsg::Partial {
                client: self.jobs[index].1.clone(),
                body,
            },
            (ReplyKind::Partial, Version::V01) => return, // no PARTIAL in 0.1: the FINAL carries all
            (ReplyKind::Final, _) => WorkerMsg::Final {
                client: self.jobs.remove(index).1,
                body,
            },
        };
        out.actions.push(Action::Send(msg));
    }

    /// Starts stopping: the requests in hand are finished, new ones declined; call
    /// [`Session::stop`] once [`Session::is_busy`] is false.
    pub fn drain(&mut self) {
        self.draining = true;
    }

    /// Says goodbye: DISCONNECT to the broker, then nothing more.
    pub fn stop(&mut self, out: &mut Output) {
        if matches!(self.state, State::Connected { .. }) {
            out.actions.push(Action::Send(WorkerMsg::Disconnect));
        }
        out.actions.push(Action::Close);
        self.jobs.clear();
        self.state = State::Stopped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HB: Duration = Duration::from_millis(1000);

    fn cfg(version: Version) -> Config {
        Config {
            service: Frame::copy(b"echo"),
            form: version.into(),
            heartbeat: HB,
            liveness: 3,
            reconnect: Duration::from_millis(500),
            credit: 1,
            dedup: false,
        }
    }

    fn start(endpoints: usize) -> (Session, Instant, Output) {
        let now = Instant::now();
        let mut out = Output::default();
        let s = Session::start(cfg(Version::V01), endpoints, now, &mut out);
        (s, now, out)
    }

    fn wire(msg: WorkerMsg) -> Vec<Frame> {
        msg.to_frames(Version::V01).unwrap()
    }

    fn request(client: &[u8]) -> Vec<Frame> {
        wire(WorkerMsg::Request {
            client: Frame::copy(client),
            body: vec![Frame::copy(b"hi")],
        })
    }

    #[test]
    fn starts_by_connecting_and_sending_ready() {
        let (_, _, out) = start(1);
        assert_eq!(
            out.actions,
            vec![
                Action::Connect { endpoint: 0 },
                Action::Send(WorkerMsg::Ready {
                    service: Frame::copy(b"echo"),
                    extensions: Extensions {
                        busy_heartbeats: true,
                        credit: None,
                        dedup: false,
                        compact: true,
                    },
                })
            ]
        );
    }

    #[test]
    fn heartbeats_at_the_interval_and_a_reply_postpones_it() {
        let (mut s, t, _) = start(1);
        let mut out = Output::default();
        s.tick(t + HB / 2, &mut out);
        assert!(out.actions.is_empty());
        s.tick(t + HB, &mut out);
        assert_eq!(out.actions, vec![Action::Send(WorkerMsg::Heartbeat)]);
        // A request and its reply: the reply counts as the heartbeat.
        let mut out = Output::default();
        s.on_message(t + HB + HB / 2, request(b"C"), &mut out);
        let Some(Action::Handle(job)) = out.actions.pop() else {
            panic!("request not handed over")
        };
        s.reply(
            t + HB + HB / 2,
            job.token,
            ReplyKind::Final,
            job.body,
            &mut out,
        );
        let mut out = Output::default();
        s.tick(t + HB * 2, &mut out);
        assert!(out.actions.is_empty(), "{:?}", out.actions);
        s.tick(t + HB * 2 + HB / 2, &mut out);
        assert_eq!(out.actions, vec![Action::Send(WorkerMsg::Heartbeat)]);
    }

    #[test]
    fn keeps_heartbeating_while_busy() {
        let (mut s, t, _) = start(1);
        let mut out = Output::default();
        s.on_message(t, request(b"C"), &mut out);
        assert!(s.is_busy());
        let mut beats = 0;
        for i in 1..=2 {
            let mut out = Output::default();
            s.on_message(t + HB * i - HB / 10, wire(WorkerMsg::Heartbeat), &mut out);
            s.tick(t + HB * i, &mut out);
            beats += out
                .actions
                .iter()
                .filter(|a| **a == Action::Send(WorkerMsg::Heartbeat))
                .count();
        }
        assert_eq!(beats, 2);
    }

    #[test]
    fn silent_broker_means_reconnect_to_the_next_endpoint_after_a_pause() {
        let (mut s, t, _) = start(2);
        let mut out = Output::default();
        s.tick(t + HB * 3, &mut out);
        assert!(out.actions.contains(&Action::Close));
        assert!(matches!(
            out.events[0],
            Event::BrokerSilent { endpoint: 0, .. }
        ));
        assert!(!s.is_busy());
        let mut out = Output::default();
        s.tick(t + HB * 3 + Duration::from_millis(499), &mut out);
        assert!(out.actions.is_empty());
        s.tick(t + HB * 3 + Duration::from_millis(500), &mut out);
        assert_eq!(out.actions[0], Action::Connect { endpoint: 1 });
        // And back to the first after the second goes silent too.
        let mut out = Output::default();
        let later = t + HB * 7;
        s.tick(later, &mut out);
        s.tick(later + Duration::from_millis(500), &mut out);
        assert!(out.actions.contains(&Action::Connect { endpoint: 0 }));
    }

    #[test]
    fn any_message_keeps_the_broker_alive() {
        let (mut s, t, _) = start(1);
        for i in 1..10 {
            let mut out = Output::default();
            s.on_message(t + HB * i, wire(WorkerMsg::Heartbeat), &mut out);
            s.tick(t + HB * i, &mut out);
            assert!(!out.actions.contains(&Action::Close));
        }
    }

    /// A worker refused at READY (`zmqtool worker mmi.x`) waits before it tries again, and
    /// longer each time, instead of reconnecting in a tight loop.
    #[test]
    fn a_refused_ready_backs_off_doubling_up_to_a_cap() {
        let (mut s, mut t, _) = start(1);
        let mut pauses = Vec::new();
        for _ in 0..10 {
            let mut out = Output::default();
            s.on_message(t, wire(WorkerMsg::Disconnect), &mut out);
            let Some(Event::Refused { retry_in, .. }) = out.events.first().cloned() else {
                panic!("{:?}", out.events);
            };
            assert_eq!(out.actions, vec![Action::Close]);
            let mut out = Output::default();
            s.tick(t + retry_in - Duration::from_millis(1), &mut out);
            assert!(out.actions.is_empty(), "no READY before the pause ends");
            t += retry_in;
            s.tick(t, &mut out);
            assert_eq!(out.actions[0], Action::Connect { endpoint: 0 });
            pauses.push(retry_in);
        }
        assert_eq!(pauses[0], Duration::from_millis(250));
        assert_eq!(pauses[1], Duration::from_millis(500));
        assert_eq!(pauses[9], Duration::from_secs(30));
        // A request resets it.
        let mut out = Output::default();
        s.on_message(t, request(b"C"), &mut out);
        s.reply(t, 1, ReplyKind::Final, vec![], &mut out);
        s.on_message(t, wire(WorkerMsg::Disconnect), &mut out);
        s.on_message(t, wire(WorkerMsg::Disconnect), &mut out);
        assert_eq!(
            out.events.last(),
            Some(&Event::Refused {
                endpoint: 0,
                retry_in: Duration::from_millis(250)
            })
        );
    }

    #[test]
    fn disconnect_from_broker_reconnects_at_once() {
        let (mut s, t, _) = start(1);
        let mut out = Output::default();
        s.on_message(t, wire(WorkerMsg::Heartbeat), &mut out);
        s.on_message(t, wire(WorkerMsg::Disconnect), &mut out);
        assert_eq!(out.actions[0], Action::Connect { endpoint: 0 });
        assert!(matches!(
            out.actions[1],
            Action::Send(WorkerMsg::Ready { .. })
        ));
    }

    #[test]
    fn a_reply_from_an_abandoned_job_is_dropped() {
        let (mut s, t, _) = start(1);
        let mut out = Output::default();
        s.on_message(t, request(b"C"), &mut out);
        s.on_message(t, wire(WorkerMsg::Disconnect), &mut out);
        let mut out = Output::default();
        s.reply(t, 1, ReplyKind::Final, vec![Frame::copy(b"late")], &mut out);
        assert!(out.actions.is_empty());
        assert_eq!(out.events, vec![Event::StaleReply { token: 1 }]);
    }

    /// A zguide broker heartbeats idle workers only: its silence while the worker is busy is
    /// no sign of death, so a long job is neither abandoned nor its request lost.
    #[test]
    fn broker_silence_while_busy_does_not_abandon_the_job() {
        let (mut s, t, _) = start(2);
        let mut out = Output::default();
        s.on_message(t, request(b"C"), &mut out);
        let mut out = Output::default();
        let later = t + HB * 60;
        s.tick(later, &mut out);
        assert!(!out.actions.contains(&Action::Close), "{:?}", out.actions);
        assert!(
            s.next_deadline(later) > later,
            "no busy loop on an old deadline"
        );
        let mut out = Output::default();
        s.reply(
            later,
            1,
            ReplyKind::Final,
            vec![Frame::copy(b"done")],
            &mut out,
        );
        assert_eq!(
            out.actions,
            vec![Action::Send(WorkerMsg::Final {
                client: Frame::copy(b"C"),
                body: vec![Frame::copy(b"done")]
            })]
        );
        // Idle again, the broker's silence counts from the end of the job.
        let mut out = Output::default();
        s.tick(later + HB * 2, &mut out);
        assert!(!out.actions.contains(&Action::Close));
        s.tick(later + HB * 3, &mut out);
        assert!(out.actions.contains(&Action::Close));
    }

    #[test]
    fn final_reply_is_addressed_to_the_client() {
        let (mut s, t, _) = start(1);
        let mut out = Output::default();
        s.on_message(t, request(b"\x00\x01"), &mut out);
        let mut out = Output::default();
        s.reply(t, 1, ReplyKind::Final, vec![], &mut out);
        assert_eq!(
            out.actions,
            vec![Action::Send(WorkerMsg::Final {
                client: Frame::copy(b"\x00\x01"),
                body: vec![vec![].into()]
            })]
        );
        assert!(!s.is_busy());
    }

    #[test]
    fn writes_in_the_compact_form_once_the_broker_does_until_it_reconnects() {
        let (mut s, t, _) = start(1);
        assert_eq!(s.form(), Form::V01);
        let compact = WorkerMsg::Request {
            client: Frame::copy(b"c1"),
            body: vec![Frame::copy(b"hi")],
        }
        .to_compact(Version::V01)
        .unwrap();
        let mut out = Output::default();
        s.on_message(t, compact, &mut out);
        assert!(matches!(&out.actions[..], [Action::Handle(job)] if job.client == b"c1"));
        assert_eq!(s.form(), Form::compact(Version::V01));
        // A broker that writes in the RFC form again is answered in it.
        s.on_message(t, wire(WorkerMsg::Heartbeat), &mut out);
        assert_eq!(s.form(), Form::V01);
        s.on_message(
            t,
            WorkerMsg::Heartbeat.to_compact(Version::V01).unwrap(),
            &mut out,
        );
        assert_eq!(s.form(), Form::compact(Version::V01));
        // A new connection starts in the RFC form: the next broker may not know the extension.
        s.on_message(t, wire(WorkerMsg::Disconnect), &mut out);
        assert_eq!(s.form(), Form::V01);
    }

    #[test]
    fn v02_sessions_send_partials() {
        let now = Instant::now();
        let mut out = Output::default();
        let mut s = Session::start(cfg(Version::V02), 1, now, &mut out);
        let req = WorkerMsg::Request {
            client: Frame::copy(b"C"),
            body: vec![Frame::copy(b"q")],
        };
        s.on_message(now, req.to_frames(Version::V02).unwrap(), &mut out);
        let mut out = Output::default();
        s.reply(
            now,
            1,
            ReplyKind::Partial,
            vec![Frame::copy(b"1")],
            &mut out,
        );
        assert!(s.is_busy());
        s.reply(now, 1, ReplyKind::Final, vec![Frame::copy(b"2")], &mut out);
        assert!(matches!(
            out.actions[0],
            Action::Send(WorkerMsg::Partial { .. })
        ));
        assert!(matches!(
            out.actions[1],
            Action::Send(WorkerMsg::Final { .. })
        ));
    }

    #[test]
    fn malformed_and_foreign_messages_are_ignored() {
        let (mut s, t, _) = start(1);
        let mut out = Output::default();
        s.on_message(t, vec![Frame::copy(b"junk")], &mut out);
        s.on_message(
            t,
            WorkerMsg::Heartbeat.to_frames(Version::V02).unwrap(),
            &mut out,
        );
        assert!(out.actions.is_empty());
        assert_eq!(out.events.len(), 2);
        // Neither counted as broker liveness.
        let mut out = Output::default();
        s.tick(t + HB * 3, &mut out);
        assert!(out.actions.contains(&Action::Close));
    }

    #[test]
    fn stop_sends_disconnect() {
        let (mut s, _, _) = start(1);
        let mut out = Output::default();
        s.stop(&mut out);
        assert_eq!(
            out.actions,
            vec![Action::Send(WorkerMsg::Disconnect), Action::Close]
        );
    }
}
