//! Property tests on hostile input, run by `cargo test` (set PROPTEST_CASES to run longer).
//!
//! - every parser, fed arbitrary bytes and frames, returns an error or a value: never a panic,
//!   and whatever parses re-encodes to something that parses back to the same value;
//! - the broker core, fed arbitrary frame sequences from arbitrary identities with the clock
//!   jumping about, keeps its bookkeeping consistent and within every bound after each step,
//!   and never leaks a request: every request it accepts is later in its hands, replied to,
//!   or reported lost, one of the three, exactly;
//! - the Titanic dispatcher, fed arbitrary events, keeps its in-flight count within its limit;
//! - the direct engine's ZMTP link gives back exactly the messages a peer wrote, however the
//!   bytes are cut into reads, and on arbitrary bytes after a valid handshake errors or waits:
//!   never a panic, never a message larger than its bound.
//!
//! The seed corpus is `seeds()`: a valid message of every MDP command in both versions, which
//! the generator mutates (drop, duplicate, flip, truncate frames) as well as generating noise.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use zmqtool::broker::core::{Event, LossReason};
use zmqtool::broker::{Broker, Config, Identity, Outgoing, Output};
use zmqtool::mdp::{
    ClientReply, ClientRequest, Extensions, Form, Frame, Inbound, ReplyKind, Version, WorkerMsg,
    mmi,
};
use zmqtool_proto::zmtp;

const IDS: [&[u8]; 6] = [b"c1", b"c2", b"w1", b"w2", b"w3", b"\x00\x80\x00\x00\x01"];
const SERVICES: [&[u8]; 5] = [
    b"echo",
    b"upper",
    b"mmi.service",
    b"mmi.workers",
    b"mmi.nope",
];

/// Valid messages of every kind, both versions: what the mutator starts from.
fn seeds() -> Vec<Vec<Frame>> {
    let mut seeds = Vec::new();
    for version in [Version::V01, Version::V02] {
        for service in SERVICES {
            seeds.push(
                ClientRequest {
                    service: Frame::copy(service),
                    body: vec![Frame::copy(b"echo")],
                }
                .to_frames(version),
            );
            for credit in [None, Some(3)] {
                seeds.push(
                    WorkerMsg::Ready {
                        service: Frame::copy(service),
                        extensions: Extensions {
                            busy_heartbeats: credit.is_some(),
                            credit,
                            dedup: false,
                            compact: credit.is_some(),
                        },
                    }
                    .to_frames(version)
                    .unwrap(),
                );
            }
        }
        for client in IDS {
            for msg in [
                WorkerMsg::Final {
                    client: Frame::copy(client),
                    body: vec![Frame::copy(b"r")],
                },
                WorkerMsg::Partial {
                    client: Frame::copy(client),
                    body: vec![Frame::copy(b"p")],
                },
                WorkerMsg::Request {
                    client: Frame::copy(client),
                    body: vec![Frame::copy(b"q")],
                },
            ] {
                if let Ok(frames) = msg.to_frames(version) {
                    seeds.push(frames);
                }
            }
        }
        for msg in [
            WorkerMsg::Final {
                client: Frame::copy(IDS[0]),
                body: vec![Frame::copy(b"r")],
            },
            WorkerMsg::Heartbeat,
        ] {
            seeds.push(msg.to_frames_in(Form::compact(version)).unwrap());
        }
        seeds.push(WorkerMsg::Heartbeat.to_frames(version).unwrap());
        seeds.push(WorkerMsg::Disconnect.to_frames(version).unwrap());
    }
    seeds
}

#[derive(Debug, Clone)]
enum Mutation {
    None,
    Drop(usize),
    Duplicate(usize),
    Flip(usize, usize, u8),
    Truncate(usize),
    Append(Vec<u8>),
}

fn mutate(mut frames: Vec<Frame>, m: &Mutation) -> Vec<Frame> {
    let n = frames.len();
    match m {
        Mutation::None => {}
        Mutation::Drop(i) if n > 0 => {
            frames.remove(i % n);
        }
        Mutation::Duplicate(i) if n > 0 => {
            let f = frames[i % n].clone();
            frames.insert(i % n, f);
        }
        Mutation::Flip(i, j, bit) if n > 0 => {
            let f = &mut frames[i % n];
            if !f.is_empty() {
                let k = j % f.len();
                f[k] ^= 1 << (bit % 8);
            }
        }
        Mutation::Truncate(i) => frames.truncate(i % (n + 1)),
        Mutation::Append(extra) => frames.push(extra.clone().into()),
        _ => {}
    }
    frames
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => Just(Mutation::None),
        1 => any::<usize>().prop_map(Mutation::Drop),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
        1 => (any::<usize>(), any::<usize>(), any::<u8>()).prop_map(|(i, j, b)| Mutation::Flip(i, j, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => proptest::collection::vec(any::<u8>(), 0..8).prop_map(Mutation::Append),
    ]
}

fn noise() -> impl Strategy<Value = Vec<Frame>> {
    proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(Frame::from),
        0..7,
    )
}

#[derive(Debug, Clone)]
enum Step {
    Message(usize, Vec<Frame>),
    Advance(u64),
    Tick,
}

fn step() -> impl Strategy<Value = Step> {
    let seeds = seeds();
    let n = seeds.len();
    prop_oneof![
        6 => (0..IDS.len(), 0..n, mutation()).prop_map(move |(id, s, m)| Step::Message(id, mutate(seeds[s].clone(), &m))),
        2 => (0..IDS.len(), noise()).prop_map(|(id, f)| Step::Message(id, f)),
        2 => (0u64..4000).prop_map(Step::Advance),
        1 => Just(Step::Tick),
    ]
}

/// What one step did to the count of requests, from the outside.
fn accounting(out: &Output) -> (usize, usize, bool) {
    let completed = out
        .sends
        .iter()
        .filter(|o| {
            matches!(o, Outgoing::ToClient { reply, .. }
                if reply.kind == ReplyKind::Final && !mmi::is_mmi(&reply.service))
        })
        .count();
    let mut lost = 0;
    let mut refused = false;
    for e in &out.events {
        match e {
            Event::RequestLost { reason, .. } => match reason {
                LossReason::QueueFull(_)
                | LossReason::TotalQueueFull(_)
                | LossReason::QueueBytes(_) => refused = true,
                _ => lost += 1,
            },
            Event::ServiceRemoved { dropped, .. } => lost += dropped,
            Event::Refused { .. } => refused = true,
            _ => {}
        }
    }
    (completed, lost, refused)
}

fn small_limits() -> Config {
    Config {
        heartbeat: Duration::from_millis(1000),
        liveness: 3,
        // Short, so that busy workers that never beat are purged within a fuzz run too.
        busy_timeout: Some(Duration::from_secs(8)),
        service_ttl: Duration::from_secs(5),
        max_queue: 4,
        max_msg_size: 64,
        max_frames: 8,
        max_service_len: 12,
        max_queue_total: 6,
        max_queue_bytes: 40,
        max_services: 3,
        max_workers: 3,
        max_credit: 3,
    }
}

/// What a libzmq ROUTER writes first: its greeting, then READY.
fn router_handshake() -> Vec<u8> {
    let mut bytes = vec![0u8; zmtp::GREETING];
    bytes[0] = 0xFF;
    bytes[9] = 0x7F;
    bytes[10] = 3;
    bytes[11] = 1;
    bytes[12..16].copy_from_slice(b"NULL");
    bytes[32] = 1;
    zmtp::encode_command(
        &mut bytes,
        b"READY",
        &zmtp::properties(&[(b"Socket-Type", b"ROUTER")]),
    );
    bytes
}

/// Feeds `bytes` to `link` cut at `cuts` (taken modulo what is left), collecting every
/// message, until the bytes run out or the link errors.
fn feed_cut(link: &mut zmtp::Link, bytes: &[u8], cuts: &[usize]) -> (Vec<Vec<Vec<u8>>>, bool) {
    let mut messages = Vec::new();
    let (mut at, mut cut) = (0, cuts.iter().cycle());
    while at < bytes.len() {
        let step = 1 + cut.next().copied().unwrap_or(usize::MAX - 1) % (bytes.len() - at);
        let room = link.room();
        let n = step.min(room.len());
        room[..n].copy_from_slice(&bytes[at..at + n]);
        link.received(n);
        at += n;
        loop {
            match link.take() {
                Ok(Some(message)) => messages.push(message.iter().map(<[u8]>::to_vec).collect()),
                Ok(None) => break,
                Err(_) => return (messages, false),
            }
        }
    }
    (messages, true)
}

proptest! {
    // 256 cases per property in the normal suite; PROPTEST_CASES=N for a longer run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn a_zmtp_link_returns_what_was_written_however_it_is_cut(
        messages in proptest::collection::vec(
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 1..5),
            1..20,
        ),
        pings in proptest::collection::vec(any::<bool>(), 20),
        cuts in proptest::collection::vec(any::<usize>(), 1..20),
    ) {
        let mut bytes = router_handshake();
        for (message, ping) in messages.iter().zip(&pings) {
            if *ping {
                zmtp::encode_command(&mut bytes, b"PING", b"\x00\x10ctx");
            }
            zmtp::encode_message(&mut bytes, message.iter().map(Vec::as_slice));
        }
        let mut link = zmtp::Link::new(1 << 20);
        let (got, ok) = feed_cut(&mut link, &bytes, &cuts);
        prop_assert!(ok);
        prop_assert_eq!(got, messages);
    }

    #[test]
    fn a_zmtp_link_survives_any_bytes_after_its_handshake(
        noise in proptest::collection::vec(any::<u8>(), 0..2000),
        cuts in proptest::collection::vec(any::<usize>(), 1..20),
    ) {
        let bytes = [router_handshake(), noise].concat();
        let mut link = zmtp::Link::new(512);
        let (got, _) = feed_cut(&mut link, &bytes, &cuts);
        for message in got {
            let size: usize = message.iter().map(|f| f.len() + 2).sum();
            prop_assert!(size <= 512 + 7 * message.len(), "a message of {} bytes", size);
        }
    }

    #[test]
    fn the_broker_survives_anything_and_loses_no_request(steps in proptest::collection::vec(step(), 1..120)) {
        let mut now = Instant::now();
        let mut broker = Broker::new(small_limits(), now);
        for step in steps {
            let before = broker.requests_in_hand();
            let mut out = Output::default();
            let mut accepted = 0;
            match step {
                Step::Message(id, frames) => {
                    if let Ok(Inbound::Client(_, req)) = Inbound::parse(frames.clone())
                        && !mmi::is_mmi(&req.service)
                    {
                        accepted = 1;
                    }
                    broker.handle(now, Identity(Frame::copy(IDS[id])), frames, &mut out);
                }
                Step::Advance(ms) => now += Duration::from_millis(ms),
                Step::Tick => broker.tick(now, &mut out),
            }
            if let Err(e) = broker.check_invariants() {
                prop_assert!(false, "invariant broken: {e}");
            }
            let (completed, lost, refused) = accounting(&out);
            if refused {
                accepted = 0;
            }
            let after = broker.requests_in_hand();
            prop_assert_eq!(before + accepted, after + completed + lost, "a request was leaked or invented");
            for o in out.sends {
                prop_assert!(o.into_frames().is_ok(), "the broker made a message it cannot encode");
            }
        }
    }

    #[test]
    fn parsers_never_panic_and_round_trip(frames in noise(), s in 0..64usize, m in mutation()) {
        let seeds = seeds();
        for input in [frames.clone(), mutate(seeds[s % seeds.len()].clone(), &m)] {
            if let Ok(inbound) = Inbound::parse(input.clone()) {
                let again = match inbound.clone() {
                    Inbound::Client(v, r) => Inbound::parse(r.to_frames_in(v)),
                    Inbound::Worker(v, w) => Inbound::parse(w.to_frames_in(v).unwrap()),
                };
                prop_assert_eq!(again, Ok(inbound));
            }
            if let Ok((v, reply)) = ClientReply::parse(input.clone()) {
                prop_assert_eq!(ClientReply::parse(reply.clone().to_frames_in(v).unwrap()), Ok((v, reply)));
            }
            let _ = WorkerMsg::parse(input.clone());
            let _ = zmqtool::titanic::tsp::StoreRequest::parse(input.clone());
            let _ = zmqtool::titanic::tsp::parse_uuid_body(&input);
            for frame in &input {
                let _ = zmqtool::titanic::tsp::Uuid::parse(frame);
                let _ = zmqtool::titanic::tsp::Status::parse(frame);
                let _ = zmqtool::titanic::tsp::decode_frames(frame);
                let _ = mmi::ServiceStatus::parse(frame);
                let _ = mmi::Code::parse(frame);
                let _ = zmqtool::bstar::fsm::State::parse(frame);
            }
        }
    }

    #[test]
    fn the_dispatcher_keeps_its_bounds(events in proptest::collection::vec((0u8..6, 0usize..8, 0u64..3000), 1..200)) {
        use zmqtool::titanic::dispatcher::{Action, Config as DConfig, Dispatcher};
        use zmqtool::titanic::store::Entry;
        use zmqtool::titanic::tsp::Uuid;
        let cfg = DConfig { inflight: 3, ..DConfig::default() };
        let mut d = Dispatcher::new(cfg);
        let uuids: Vec<Uuid> = (0..8).map(|_| Uuid::new()).collect();
        let mut now = Instant::now();
        for (kind, i, ms) in events {
            let uuid = uuids[i];
            let mut out: Vec<Action> = Vec::new();
            match kind {
                0 => d.add(Entry {
                    uuid,
                    service: vec![b'a' + (i % 3) as u8].into(),
                    created_ms: 0,
                    replied_ms: None,
                }),
                1 => d.on_presence(now, uuid, i % 2 == 0, &mut out),
                2 => d.on_reply(now, uuid, vec![Frame::copy(b"r")], &mut out),
                3 => d.on_timeout(now, uuid),
                4 => d.closed(uuid),
                _ => now += Duration::from_millis(ms),
            }
            d.poll(now, &mut out);
            prop_assert!(d.inflight() <= 3, "{} in flight", d.inflight());
            prop_assert!(d.inflight() <= d.pending());
        }
    }
}

/// What a test client or worker does next, in a conversation that mostly makes sense: workers
/// register and answer the requests they hold (sometimes with a reply the broker must refuse),
/// clients ask, the clock moves.
#[derive(Debug, Clone)]
enum Act {
    /// Worker, service, MDP/0.2, credit (1: none).
    Ready(usize, usize, bool, u32),
    Request(usize, usize, bool),
    /// Worker, which of the requests it holds (modulo how many), how.
    Answer(usize, usize, Answer),
    Heartbeat(usize),
    Disconnect(usize),
    Advance(u64),
    Tick,
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Final,
    Partial,
    /// More frames than --max-frames allows.
    Oversize,
    /// No empty frame after the client address.
    Malformed,
}

const WORKERS: [&[u8]; 3] = [b"w1", b"w2", b"w3"];
const CLIENTS: [&[u8]; 2] = [b"c1", b"c2"];
const NAMES: [&[u8]; 2] = [b"echo", b"upper"];

fn act() -> impl Strategy<Value = Act> {
    let answer = prop_oneof![
        8 => Just(Answer::Final),
        2 => Just(Answer::Partial),
        1 => Just(Answer::Oversize),
        1 => Just(Answer::Malformed),
    ];
    prop_oneof![
        2 => (0..WORKERS.len(), 0..NAMES.len(), any::<bool>(), prop_oneof![Just(1u32), Just(2), Just(4)])
            .prop_map(|(w, s, v, credit)| Act::Ready(w, s, v, credit)),
        5 => (0..CLIENTS.len(), 0..NAMES.len(), any::<bool>()).prop_map(|(c, s, v)| Act::Request(c, s, v)),
        6 => (0..WORKERS.len(), 0..4usize, answer).prop_map(|(w, i, a)| Act::Answer(w, i, a)),
        2 => (0..WORKERS.len()).prop_map(Act::Heartbeat),
        1 => (0..WORKERS.len()).prop_map(Act::Disconnect),
        1 => (0u64..4000).prop_map(Act::Advance),
        1 => Just(Act::Tick),
    ]
}

fn version(v02: bool) -> Version {
    if v02 { Version::V02 } else { Version::V01 }
}

/// The workers as they see themselves: the version each registered in and the client-address
/// frames of the requests it holds (one at most without credit), in the order received.
#[derive(Default)]
struct Model {
    version: [Option<Version>; 3],
    /// The worker announced `compact` (and writes its commands in that form).
    compact: [bool; 3],
    holding: [Vec<Frame>; 3],
}

impl Model {
    fn frames(&self, act: &Act) -> Option<(Identity, Vec<Frame>)> {
        let worker = |w: usize, msg: WorkerMsg| {
            let v = self.version[w].unwrap_or(Version::V01);
            let form = match self.compact[w] {
                true => Form::compact(v),
                false => Form::from(v),
            };
            Some((
                Identity(Frame::copy(WORKERS[w])),
                msg.to_frames_in(form).ok()?,
            ))
        };
        match *act {
            Act::Ready(w, s, v, credit) => Some((
                Identity(Frame::copy(WORKERS[w])),
                WorkerMsg::Ready {
                    service: Frame::copy(NAMES[s]),
                    extensions: Extensions {
                        busy_heartbeats: false,
                        credit: (credit > 1).then_some(credit),
                        dedup: false,
                        compact: credit % 2 == 1,
                    },
                }
                .to_frames(version(v))
                .ok()?,
            )),
            Act::Request(c, s, v) => Some((
                Identity(Frame::copy(CLIENTS[c])),
                ClientRequest {
                    service: Frame::copy(NAMES[s]),
                    body: vec![Frame::copy(b"q")],
                }
                .to_frames(version(v)),
            )),
            Act::Answer(w, i, answer) => {
                let held = &self.holding[w];
                let client = held.get(i % held.len().max(1))?.clone();
                let body = vec![Frame::from("r")];
                match answer {
                    Answer::Final => worker(w, WorkerMsg::Final { client, body }),
                    Answer::Partial => worker(w, WorkerMsg::Partial { client, body }),
                    Answer::Oversize => worker(
                        w,
                        WorkerMsg::Final {
                            client,
                            body: vec![Frame::copy(b"x"); 20],
                        },
                    ),
                    Answer::Malformed => {
                        let (id, mut frames) = worker(w, WorkerMsg::Final { client, body })?;
                        if self.compact[w] {
                            // A compact FINAL without its body.
                            frames.truncate(1);
                        } else {
                            let at = frames.iter().rposition(|f| f.is_empty())?;
                            frames[at] = Frame::copy(b"not empty");
                        }
                        Some((id, frames))
                    }
                }
            }
            Act::Heartbeat(w) => worker(w, WorkerMsg::Heartbeat),
            Act::Disconnect(w) => worker(w, WorkerMsg::Disconnect),
            Act::Advance(_) | Act::Tick => None,
        }
    }

    /// What the workers learn from the broker's output, and from having sent `act`.
    fn update(&mut self, act: &Act, out: &Output) {
        match *act {
            Act::Ready(w, _, v, credit) => {
                self.version[w] = Some(version(v));
                self.compact[w] = credit % 2 == 1;
            }
            Act::Answer(_, _, Answer::Partial) => {}
            Act::Answer(w, i, _) if !self.holding[w].is_empty() => {
                let n = self.holding[w].len();
                self.holding[w].remove(i % n);
            }
            Act::Disconnect(w) => self.holding[w].clear(),
            _ => {}
        }
        for o in &out.sends {
            if let Outgoing::ToWorker { to, msg, .. } = o
                && let Some(w) = WORKERS.iter().position(|id| *id == to.0.as_slice())
            {
                match msg {
                    WorkerMsg::Request { client, .. } => self.holding[w].push(client.clone()),
                    WorkerMsg::Disconnect => self.holding[w].clear(),
                    _ => {}
                }
            }
        }
    }
}

/// Workers that answer what they hold keep replies flowing, whatever else happens: the broker
/// never holds a request at a worker that has finished with it (a worker whose reply it
/// refused included), never lets a request wait beside an idle worker, and loses nothing.
/// Counts the replies that went through over all cases, so a generator that stopped making
/// conversations would be noticed.
#[test]
fn answering_workers_keep_replies_flowing() {
    use proptest::test_runner::{Config as RunnerConfig, TestRunner};
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        ..RunnerConfig::default()
    });
    let replies = std::cell::Cell::new(0usize);
    let refused = std::cell::Cell::new(0usize);
    runner
        .run(&proptest::collection::vec(act(), 1..150), |acts| {
            let mut now = Instant::now();
            let cfg = Config {
                max_frames: 12,
                ..small_limits()
            };
            let mut broker = Broker::new(cfg, now);
            let mut model = Model::default();
            for act in acts {
                let before = broker.requests_in_hand();
                let mut out = Output::default();
                let mut accepted = 0;
                match (&act, model.frames(&act)) {
                    (_, Some((id, frames))) => {
                        if matches!(act, Act::Request(..)) {
                            accepted = 1;
                        }
                        broker.handle(now, id, frames, &mut out);
                    }
                    (Act::Advance(ms), None) => now += Duration::from_millis(*ms),
                    (Act::Tick, None) => broker.tick(now, &mut out),
                    _ => {}
                }
                model.update(&act, &out);
                if let Err(e) = broker.check_invariants() {
                    prop_assert!(false, "invariant broken after {act:?}: {e}");
                }
                for (w, id) in WORKERS.iter().enumerate() {
                    // A worker the broker presumed dead may think it still holds requests;
                    // the broker must never hold more than the worker does.
                    let held = broker.held(&Identity(Frame::copy(id)));
                    prop_assert!(
                        held <= model.holding[w].len(),
                        "the broker holds {held} requests at {}, which holds {} (after {act:?})",
                        String::from_utf8_lossy(id),
                        model.holding[w].len()
                    );
                }
                let (completed, lost, was_refused) = accounting(&out);
                if was_refused {
                    accepted = 0;
                }
                replies.set(replies.get() + completed);
                refused.set(
                    refused.get()
                        + out
                            .events
                            .iter()
                            .filter(|e| matches!(e, Event::WorkerEvicted { .. }))
                            .count(),
                );
                prop_assert_eq!(
                    before + accepted,
                    broker.requests_in_hand() + completed + lost
                );
            }
            Ok(())
        })
        .unwrap();
    // Most conversations get replies through: at least two per case on average.
    assert!(
        replies.get() >= 2 * cases as usize,
        "only {} replies in {cases} cases",
        replies.get()
    );
    assert!(
        refused.get() > 0,
        "no worker was ever evicted: the refused-reply path went untested"
    );
    eprintln!(
        "{} replies and {} evictions over {cases} cases",
        replies.get(),
        refused.get()
    );
}
