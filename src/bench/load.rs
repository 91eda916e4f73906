//! The load generator's clients. Each has a DEALER of its own (its own connection, so the
//! broker sees as many clients as `--concurrency` says) and up to `pipeline` requests in
//! flight, matched to replies by the request id at the head of every body. All the clients of
//! a run are driven from one thread ([`drive`]), on either [`Engine`]:
//!
//! - direct (the default where it serves): each client's connection is a [`DirectDealer`]
//!   that this thread reads and writes itself; all wait in one [`DirectPoller`] (an epoll
//!   set), requests are queued as they are made and written once per turn, and each client
//!   woken takes every reply its read brought, refilling its window after each. No I/O thread
//!   and no hand-off: the load generator costs less than what it measures.
//! - libzmq: a lone client waits in a timed receive on its socket (one `poll(2)` inside
//!   libzmq, none when a reply is already queued); several wait together in one [`Poller`]
//!   on their sockets' ZMQ_FDs, and each one woken takes every reply waiting, refilling its
//!   window after each, until its socket has nothing more.
//!
//! A body is `id (8 bytes, big-endian) + payload`, and an echo service returns it unchanged,
//! so every reply is checked byte for byte: a reply that is not exactly its request (wrong
//! id, wrong payload, wrong header or service, extra frames) is an error. A reply is checked
//! where it lies (a `View` of its frames: the direct engine's input buffer, or the frames
//! libzmq received, taken as they are with [`Tuning::transient`] and handed back to the socket
//! for the next message); each client rewrites one body buffer per request.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Result;
use hdrhistogram::Histogram;

use super::report::{MAX_LATENCY_US, new_histogram};
use crate::mdp::client::{reply_prefix, request_prefix};
use crate::mdp::stamp::Outcome;
use crate::mdp::{ReplyKind, Version};
use crate::transport::{
    self, Context, DirectDealer, DirectPoller, Engine, Frame, Line, Linger, Poller, Security,
    Tuning,
};

/// When to stop sending.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// After this many recorded requests (all clients together).
    Requests(u64),
    /// After this long of recording.
    Duration(Duration),
}

/// What load to apply.
#[derive(Debug, Clone)]
pub struct Load {
    /// The brokers: client `i` drives `endpoints[i % len]`.
    pub endpoints: Vec<String>,
    pub service: Vec<u8>,
    pub version: Version,
    pub clients: usize,
    /// Requests in flight per client (the cap, in the open model).
    pub pipeline: usize,
    /// Body size in bytes (at least 8: the request id).
    pub size: usize,
    /// Open model: requests per second over all clients.
    pub rate: Option<f64>,
    pub stop: Stop,
    pub warmup: Duration,
    /// A request with no reply after this long counts as a timeout.
    pub timeout: Duration,
    /// Check each reply against its request (an echo service); otherwise check only its
    /// shape, and match replies to requests in the order they were sent.
    pub check_echo: bool,
    pub security: Security,
    /// Stamp each request (`bench --stamp`): this client id, the request's number as the key,
    /// so a `--dedup` worker records each one (what its cost is measured with).
    pub stamp: Option<String>,
    /// Who speaks ZMTP for the clients.
    pub engine: Engine,
}

/// The largest reply a direct client takes (frames and headers); a bigger one drops the
/// connection, as a peer breaking the protocol does.
const MAX_REPLY: usize = 256 << 20;

/// Counters shared with the progress display.
#[derive(Debug, Default)]
pub struct Counters {
    pub ok: AtomicU64,
    pub errors: AtomicU64,
    pub timeouts: AtomicU64,
}

/// Coordination between the conductor and the clients.
#[derive(Debug, Default)]
pub struct Phase {
    /// Set when recording starts (after the warmup).
    pub recording_since: OnceLock<Instant>,
    /// Set when no more requests may be sent.
    pub stop_sending: AtomicBool,
    /// Set to abandon the run at once (SIGINT).
    pub abort: AtomicBool,
}

/// What one client measured.
pub struct Tally {
    /// The broker it drove (an index into [`Load::endpoints`]).
    pub endpoint: usize,
    pub latency: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    pub timeouts: u64,
    /// When its last recorded request ended.
    pub last_done: Option<Instant>,
}

struct Pending {
    /// Where latency is counted from: the actual send time (closed model) or the intended
    /// one (open model).
    origin: Instant,
    recorded: bool,
}

/// How often requests with no reply are swept for timeouts.
const SWEEP: Duration = Duration::from_millis(50);

/// Runs every client of `run` on this thread, client `i` with `quotas[i]` (its share of
/// `--requests`), until the phase says stop and their requests are answered or timed out.
/// Returns what each client measured, in order.
pub fn drive(ctx: &Context, run: &Run, quotas: &[Option<u64>]) -> Result<Vec<Tally>> {
    let mut clients = (quotas.iter().enumerate())
        .map(|(index, &quota)| Client::connect(ctx, run, index, quota))
        .collect::<Result<Vec<_>>>()?;
    let mut wait = Wait::new(run.load.engine, clients.len())?;
    // The clients still running, kept from one turn to the next.
    let mut live = Vec::with_capacity(clients.len());
    let mut next_sweep = Instant::now() + SWEEP;
    while !run.phase.abort.load(Ordering::Relaxed) {
        let mut wake = next_sweep;
        live.clear();
        let now = Instant::now();
        for (i, client) in clients.iter_mut().enumerate() {
            if let Some(due) = client.refill()? {
                wake = wake.min(due);
            }
            if let Some(due) = client.line.settle(now) {
                wake = wake.min(due);
            }
            if !client.finished() {
                live.push(i);
            }
        }
        if live.is_empty() {
            break;
        }
        wait.serve(&mut clients, &live, wake)?;
        let now = Instant::now();
        if now >= next_sweep {
            next_sweep = now + SWEEP;
            for client in &mut clients {
                client.sweep_timeouts(now);
            }
        }
    }
    Ok(clients.into_iter().map(|c| c.tally).collect())
}

/// How the clients of a run wait for their replies.
enum Wait {
    /// A lone libzmq client: a timed receive on its socket, which costs no system call when a
    /// reply is queued and one `poll(2)` when it waits. A [`Poller`] would add two per
    /// reply: libzmq looks at the ZMQ_FD again before reading it, and the receive that finds
    /// the socket empty.
    Receive,
    /// Several libzmq clients: one [`Poller`] on all their sockets.
    Poll(Poller),
    /// Direct clients: one [`DirectPoller`] on all their connections.
    Direct(DirectPoller),
}

impl Wait {
    fn new(engine: Engine, clients: usize) -> Result<Wait> {
        Ok(match (engine, clients) {
            (Engine::Direct, _) => Wait::Direct(DirectPoller::new()?),
            (Engine::Libzmq, 1) => Wait::Receive,
            (Engine::Libzmq, _) => Wait::Poll(Poller::default()),
        })
    }

    /// Waits until `wake` at most for replies to the `live` clients, and takes what came.
    fn serve(&mut self, clients: &mut [Client], live: &[usize], wake: Instant) -> Result<()> {
        let wait = transport::wait_until(Instant::now(), wake);
        match self {
            Wait::Receive => {
                for &i in live {
                    let client = &mut clients[i];
                    let Line::Zmq(socket) = &mut client.line else {
                        unreachable!("libzmq clients only")
                    };
                    if let Some(frames) = socket.recv(wait)? {
                        client.on_frames(frames, Instant::now());
                    }
                }
            }
            Wait::Poll(poller) => {
                let sockets = live.iter().map(|&i| match &clients[i].line {
                    Line::Zmq(socket) => socket,
                    Line::Direct(_) => unreachable!("libzmq clients only"),
                });
                poller.poll(sockets, wait)?;
                for (k, &i) in live.iter().enumerate() {
                    if poller.readable(k) {
                        clients[i].take_replies()?;
                    }
                }
            }
            Wait::Direct(poller) => {
                // Every client, finished or not, in the same order each time (the poller's
                // rule); a finished one may still have a late reply to take.
                let mut dealers: Vec<&mut DirectDealer> = (clients.iter_mut())
                    .map(|client| match &mut client.line {
                        Line::Direct(dealer) => dealer,
                        Line::Zmq(_) => unreachable!("direct clients only"),
                    })
                    .collect();
                poller.poll(&mut dealers, wait)?;
                for &i in poller.woken() {
                    clients[i].take_replies()?;
                }
            }
        }
        Ok(())
    }
}

/// A reply's frames as slices: the first [`VIEW`] of them, and how many there were. No
/// reply of a valid shape has more.
struct View<'a> {
    count: usize,
    parts: [&'a [u8]; VIEW],
}

const VIEW: usize = 8;

impl<'a> View<'a> {
    fn of(frames: impl ExactSizeIterator<Item = &'a [u8]>) -> View<'a> {
        let mut parts: [&[u8]; VIEW] = [&[]; VIEW];
        let count = frames.len();
        for (part, frame) in parts.iter_mut().zip(frames) {
            *part = frame;
        }
        View { count, parts }
    }

    /// The frames held (all of them, unless there were more than [`VIEW`]).
    fn frames(&self) -> &[&'a [u8]] {
        &self.parts[..self.count.min(VIEW)]
    }
}

/// One load client: a DEALER, its requests in flight, and what it measured.
struct Client<'a> {
    run: &'a Run,
    line: Line,
    quota: Option<u64>,
    /// The body sent: 8 bytes of id (rewritten per request) and this client's payload.
    body: Vec<u8>,
    prefix: &'static [&'static [u8]],
    service: Frame,
    pending: HashMap<u64, Pending>,
    next_id: u64,
    recorded_sent: u64,
    /// Open model: this client's share of the rate, and what its schedule has sent.
    rate: Option<f64>,
    started: Instant,
    sent_in_schedule: u64,
    tally: Tally,
}

impl<'a> Client<'a> {
    fn connect(ctx: &Context, run: &'a Run, index: usize, quota: Option<u64>) -> Result<Self> {
        let load = &run.load;
        let endpoint = index % load.endpoints.len().max(1);
        let address = load.endpoints.get(endpoint).map_or("", String::as_str);
        // The window bounds what is queued; a high-water mark would only drop. Replies are
        // checked and let go at once.
        let tuning = Tuning {
            unbounded: true,
            transient: true,
            ..Tuning::default()
        };
        let line = Line::connect(
            ctx,
            load.engine,
            (Linger::Discard, &load.security, tuning),
            address,
            MAX_REPLY,
        )?;
        Ok(Client {
            run,
            line,
            quota,
            body: payload(load.size.max(8), index as u64),
            prefix: request_prefix(load.version),
            service: Frame::copy(&load.service),
            pending: HashMap::with_capacity(load.pipeline * 2),
            next_id: (index as u64) << 40,
            recorded_sent: 0,
            rate: load.rate.map(|r| r / load.clients as f64),
            started: Instant::now(),
            sent_in_schedule: 0,
            tally: Tally {
                endpoint,
                latency: new_histogram(),
                ok: 0,
                errors: 0,
                timeouts: 0,
                last_done: None,
            },
        })
    }

    fn stopping(&self) -> bool {
        self.run.phase.stop_sending.load(Ordering::Relaxed) || self.quota_met()
    }

    /// Done: nothing more to send, and nothing in flight.
    fn finished(&self) -> bool {
        self.pending.is_empty() && self.stopping()
    }

    fn quota_met(&self) -> bool {
        self.quota.is_some_and(|q| self.recorded_sent >= q)
    }

    /// Unless stopping, sends what is due and fits in the window; returns when the next
    /// send is due (open model, when it is not yet).
    fn refill(&mut self) -> Result<Option<Instant>> {
        if self.pending.len() >= self.run.load.pipeline || self.stopping() {
            return Ok(None);
        }
        let now = Instant::now();
        while self.pending.len() < self.run.load.pipeline {
            let intended = match self.rate {
                Some(rate) => {
                    let due =
                        self.started + Duration::from_secs_f64(self.sent_in_schedule as f64 / rate);
                    if due > now {
                        return Ok(Some(due));
                    }
                    due
                }
                None => now,
            };
            let recording = self.run.phase.recording_since.get().is_some();
            if recording && self.quota_met() {
                break;
            }
            self.send(
                if self.rate.is_some() {
                    intended
                } else {
                    Instant::now()
                },
                recording,
            )?;
        }
        Ok(None)
    }

    fn send(&mut self, origin: Instant, recording: bool) -> Result<()> {
        let id = self.next_id;
        self.body[..8].copy_from_slice(&id.to_be_bytes());
        let stamp =
            (self.run.load.stamp.as_ref()).map(|client| format!("MDP-STAMP/1 - {client} {id:x}"));
        match &mut self.line {
            Line::Zmq(socket) => {
                let mut frames = socket.list();
                frames.extend(self.prefix.iter().map(|p| Frame::copy(p)));
                frames.push(self.service.clone());
                frames.extend(stamp.map(Frame::from));
                frames.push(Frame::copy(&self.body));
                // Nothing limits this socket's queue, so it drops a request only on a
                // connection that is gone; the request then goes unanswered and counts as a
                // timeout.
                socket.send(frames)?;
            }
            Line::Direct(dealer) => {
                let mut parts: [&[u8]; 5] = [&[]; 5];
                let mut n = 0;
                let stamp = stamp.as_ref().map(String::as_bytes);
                let frames = (self.prefix.iter().copied())
                    .chain([&self.service[..]])
                    .chain(stamp)
                    .chain([&self.body[..]]);
                for (part, frame) in parts.iter_mut().zip(frames) {
                    *part = frame;
                    n += 1;
                }
                dealer.send(parts[..n].iter().copied());
            }
        }
        self.pending.insert(
            id,
            Pending {
                origin,
                recorded: recording,
            },
        );
        if recording {
            self.recorded_sent += 1;
        }
        self.next_id += 1;
        self.sent_in_schedule += 1;
        Ok(())
    }

    /// Takes every reply waiting, refilling the window after each, until the line has
    /// nothing more (so the wait may be on it again).
    fn take_replies(&mut self) -> Result<()> {
        loop {
            let done = Instant::now();
            let verdict = match &mut self.line {
                Line::Zmq(socket) => match socket.try_recv()? {
                    Some(frames) => {
                        self.on_frames(frames, done);
                        self.refill()?;
                        continue;
                    }
                    None => return Ok(()),
                },
                Line::Direct(dealer) => match dealer.take() {
                    Some(message) => verdict(
                        self.run,
                        &self.body,
                        &self.pending,
                        &View::of(message.iter()),
                    ),
                    None => return Ok(()),
                },
            };
            self.record(verdict, done);
            self.refill()?;
        }
    }

    /// Counts a reply from a libzmq socket that came at `done`, and hands its list back to
    /// the socket.
    fn on_frames(&mut self, frames: Vec<Frame>, done: Instant) {
        let verdict = verdict(
            self.run,
            &self.body,
            &self.pending,
            &View::of(frames.iter().map(|f| &f[..])),
        );
        self.record(verdict, done);
        if let Line::Zmq(socket) = &self.line {
            socket.reuse(frames);
        }
    }

    /// Counts a reply by its verdict.
    fn record(&mut self, verdict: Verdict, done: Instant) {
        match verdict {
            // A PARTIAL: its FINAL follows.
            None => {}
            Some(Ok(id)) => self.record_reply(id, done),
            Some(Err((id, why))) => self.record_error(id, why, done),
        }
    }

    fn record_reply(&mut self, id: u64, done: Instant) {
        // No entry: a late reply to a request already counted as a timeout.
        if let Some(p) = self.pending.remove(&id) {
            self.run.counters.ok.fetch_add(1, Ordering::Relaxed);
            if p.recorded {
                let us = done.saturating_duration_since(p.origin).as_micros() as u64;
                self.tally
                    .latency
                    .saturating_record(us.clamp(1, MAX_LATENCY_US));
                self.tally.ok += 1;
                self.tally.last_done = Some(done);
            }
        }
    }

    fn record_error(&mut self, id: Option<u64>, why: String, done: Instant) {
        self.run.counters.errors.fetch_add(1, Ordering::Relaxed);
        // Every reply answers one request: by its id when that is readable, else the
        // oldest outstanding one (so it is not counted again as a timeout later).
        let id = id
            .filter(|id| self.pending.contains_key(id))
            .or_else(|| oldest(&self.pending));
        let recorded = id
            .and_then(|id| self.pending.remove(&id))
            .is_none_or(|p| p.recorded);
        if recorded {
            self.tally.errors += 1;
            self.tally.last_done = Some(done);
        }
        let mut sample = self
            .run
            .error_sample
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        sample.get_or_insert(why);
    }

    /// Counts the requests that have waited `--timeout` by `now` as timeouts.
    fn sweep_timeouts(&mut self, now: Instant) {
        let (timeout, counters, tally) =
            (self.run.load.timeout, &self.run.counters, &mut self.tally);
        self.pending.retain(|_, p| {
            let expired = now.saturating_duration_since(p.origin) >= timeout;
            if expired {
                counters.timeouts.fetch_add(1, Ordering::Relaxed);
                if p.recorded {
                    tally.timeouts += 1;
                    tally.last_done = Some(now);
                }
            }
            !expired
        });
    }
}

/// Which request a reply answers, or why it is wrong; `None` for a PARTIAL (or a late reply
/// when nothing is in flight).
type Verdict = Option<Result<u64, (Option<u64>, String)>>;

/// The verdict on `reply`, for a client sending `body` with `pending` in flight.
fn verdict(run: &Run, body: &[u8], pending: &HashMap<u64, Pending>, reply: &View) -> Verdict {
    let load = &run.load;
    if load.check_echo {
        return Some(check(reply, load.version, &load.service, &body[8..]));
    }
    match check_shape(reply, load.version, &load.service) {
        Ok(false) => None,
        // Without an echoed id, a reply answers the oldest request in flight; none in
        // flight: a late reply to one already counted as a timeout.
        Ok(true) => oldest(pending).map(Ok),
        Err(why) => Some(Err((None, why))),
    }
}

/// True when `frames` start with exactly `prefix`.
fn starts_with(frames: &[&[u8]], prefix: &[&[u8]]) -> bool {
    frames.len() >= prefix.len() && prefix.iter().zip(frames).all(|(p, f)| f == p)
}

fn oldest(pending: &HashMap<u64, Pending>) -> Option<u64> {
    pending
        .iter()
        .min_by_key(|(_, p)| p.origin)
        .map(|(id, _)| *id)
}

/// A body buffer: 8 bytes of id (filled per request) and a pseudo-random payload.
fn payload(size: usize, seed: u64) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ seed.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ 1;
    (0..size)
        .map(|_| {
            // xorshift64: cheap, and different per client, so crossed replies are caught.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Checks only that a reply is a well-formed reply from `service`: `Ok(true)` for the final
/// one, `Ok(false)` for an MDP/0.2 PARTIAL.
fn check_shape(reply: &View, version: Version, service: &[u8]) -> Result<bool, String> {
    let wrong = || format!("a reply of the wrong shape ({} frames)", reply.count);
    let frames = reply.frames();
    if reply.count < 4 || frames[2] != service {
        return Err(wrong());
    }
    let is = |kind| reply_prefix(version, kind).is_some_and(|p| starts_with(frames, p));
    if is(ReplyKind::Final) {
        Ok(true)
    } else if is(ReplyKind::Partial) {
        Ok(false)
    } else {
        Err(wrong())
    }
}

/// Checks a reply is exactly the echo of one of this client's requests; returns its id.
fn check(
    reply: &View,
    version: Version,
    service: &[u8],
    payload: &[u8],
) -> Result<u64, (Option<u64>, String)> {
    let frames = reply.frames();
    // A `--dedup` worker's reply to a stamped request has its outcome frame before the body.
    let outcome = reply.count == 5 && Outcome::parse(frames[3]).is_some();
    let shape_ok = (reply.count == 4 || outcome)
        && reply_prefix(version, ReplyKind::Final).is_some_and(|p| starts_with(frames, p))
        && frames[2] == service;
    if !shape_ok {
        return Err((
            None,
            format!("a reply of the wrong shape ({} frames)", reply.count),
        ));
    }
    let body = frames[reply.count - 1];
    let id = body
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes);
    let Some(id) = id.filter(|_| body.len() == payload.len() + 8) else {
        return Err((
            id,
            format!(
                "a reply of {} bytes instead of {}",
                body.len(),
                payload.len() + 8
            ),
        ));
    };
    if &body[8..] != payload {
        return Err((
            Some(id),
            "a reply whose body differs from its request".into(),
        ));
    }
    Ok(id)
}

/// Shared state of a run: the thread that drives the clients, and the conductor that
/// starts and stops its phases and draws the progress.
pub struct Run {
    pub load: Load,
    pub phase: Phase,
    pub counters: Counters,
    pub error_sample: Mutex<Option<String>>,
}

impl Run {
    pub fn new(load: Load) -> Arc<Run> {
        Arc::new(Run {
            load,
            phase: Phase::default(),
            counters: Counters::default(),
            error_sample: Mutex::new(None),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_of(
        parts: &[&[u8]],
        version: Version,
        service: &[u8],
        payload: &[u8],
    ) -> Result<u64, (Option<u64>, String)> {
        check(&View::of(parts.iter().copied()), version, service, payload)
    }

    fn shape_of(parts: &[&[u8]], version: Version, service: &[u8]) -> Result<bool, String> {
        check_shape(&View::of(parts.iter().copied()), version, service)
    }

    #[test]
    fn echoes_pass_and_corruption_is_caught() {
        let payload = b"abcdef";
        let mut body = 7u64.to_be_bytes().to_vec();
        body.extend_from_slice(payload);
        assert_eq!(
            check_of(
                &[b"", b"MDPC01", b"echo", &body],
                Version::V01,
                b"echo",
                payload
            ),
            Ok(7)
        );
        let mut bad = body.clone();
        bad[9] ^= 1;
        assert!(
            check_of(
                &[b"", b"MDPC01", b"echo", &bad],
                Version::V01,
                b"echo",
                payload
            )
            .is_err()
        );
        assert!(
            check_of(
                &[b"", b"MDPC01", b"other", &body],
                Version::V01,
                b"echo",
                payload
            )
            .is_err()
        );
        assert_eq!(
            check_of(
                &[b"MDPC02", b"\x03", b"echo", &body],
                Version::V02,
                b"echo",
                payload
            ),
            Ok(7)
        );
        assert!(
            check_of(
                &[b"MDPC02", b"\x02", b"echo", &body],
                Version::V02,
                b"echo",
                payload
            )
            .is_err()
        );
        assert_eq!(
            check_of(
                &[b"", b"MDPC01", b"echo", &body[..5]],
                Version::V01,
                b"echo",
                payload
            ),
            Err((None, "a reply of 5 bytes instead of 14".into())),
            "a short body has no readable id"
        );
    }

    #[test]
    fn shape_checks_accept_any_body_and_spot_partials() {
        assert_eq!(
            shape_of(
                &[b"", b"MDPC01", b"svc", b"whatever", b"frames"],
                Version::V01,
                b"svc"
            ),
            Ok(true)
        );
        assert_eq!(
            shape_of(&[b"MDPC02", b"\x02", b"svc", b"p"], Version::V02, b"svc"),
            Ok(false)
        );
        assert!(shape_of(&[b"", b"MDPC01", b"other", b"x"], Version::V01, b"svc").is_err());
        assert!(shape_of(&[b"", b"MDPC01", b"svc"], Version::V01, b"svc").is_err());
    }

    #[test]
    fn payloads_differ_per_client() {
        assert_ne!(payload(64, 0), payload(64, 1));
        assert_eq!(payload(64, 3), payload(64, 3));
    }
}
