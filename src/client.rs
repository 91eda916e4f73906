//! Majordomo clients. [`call`] is the synchronous Lazy Pirate client of the guide
//! (`mdcliapi.c`): per attempt, a fresh DEALER to the next broker of the failover list, one
//! request, a bounded wait; after the last attempt, a timeout.
//!
//! A DEALER is used for both versions (18/MDP requires it; for 0.1 the empty frame a REQ
//! would add is written by the codec), so one client code path speaks both.

use std::time::{Duration, Instant};

use crate::mdp::{ClientReply, ClientRequest, Form, Frame, Printable, ReplyKind};
use crate::runtime::Shutdown;
use crate::transport::{self, Context, Kind, Linger, Security, Socket, Tuning};

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

/// Sends one request and waits for its final reply, retrying on a new socket (and the next
/// broker) after each timeout. PARTIAL replies are passed to `on_partial` as they arrive.
pub fn call(
    ctx: &Context,
    opts: &Options,
    service: &[u8],
    body: Vec<Frame>,
    shutdown: &Shutdown,
    on_partial: &mut dyn FnMut(Vec<Frame>),
) -> Result<Vec<Frame>, CallError> {
    let attempts = opts.retries.max(1);
    let endpoints = opts.endpoints.len().max(1);
    for attempt in 0..attempts {
        let endpoint = &opts.endpoints[attempt as usize % endpoints];
        let mut socket = connect(ctx, &opts.security, endpoint)?;
        let request = ClientRequest {
            service: Frame::copy(service),
            body: body.clone(),
        };
        // Not connected yet, the request waits in the socket's queue; a full queue (a broker
        // that does not read) loses it, and the attempt times out.
        socket.send(request.to_frames_in(opts.form))?;
        if let Some(reply) = wait(&mut socket, opts, service, shutdown, on_partial)? {
            return Ok(reply);
        }
        if attempt + 1 < attempts {
            log::warn!(
                "no reply from {endpoint} within {}; retrying (attempt {} of {attempts})",
                humantime::format_duration(opts.timeout),
                attempt + 2
            );
        }
    }
    Err(CallError::Timeout {
        service: Printable::of(service),
        attempts,
        timeout: opts.timeout,
        endpoints: opts.endpoints.join(", "),
    })
}

/// A DEALER connected to `endpoint`. Its linger is nil: when an attempt is given up, its
/// request must not be delivered later behind the retry's back.
pub fn connect(ctx: &Context, security: &Security, endpoint: &str) -> Result<Socket, CallError> {
    Ok(ctx.connect(
        Kind::Dealer,
        Linger::Discard,
        security,
        Tuning::default(),
        endpoint,
    )?)
}

/// Waits for the final reply to the request just sent; `None` on timeout.
fn wait(
    socket: &mut Socket,
    opts: &Options,
    service: &[u8],
    shutdown: &Shutdown,
    on_partial: &mut dyn FnMut(Vec<Frame>),
) -> Result<Option<Vec<Frame>>, CallError> {
    let mut deadline = Instant::now() + opts.timeout;
    loop {
        if shutdown.requested() {
            return Err(CallError::Interrupted);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        let Some(frames) = socket.recv(transport::wait_until(now, deadline))? else {
            continue;
        };
        match check_reply(opts.form, frames, service) {
            Ok(ClientReply {
                kind: ReplyKind::Final,
                body,
                ..
            }) => return Ok(Some(body)),
            Ok(ClientReply { body, .. }) => {
                deadline = Instant::now() + opts.timeout;
                on_partial(body);
            }
            Err(why) => log::info!("ignored a reply: {why}"),
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

/// A request in flight on one slot.
struct InFlight {
    index: u64,
    body: Vec<Frame>,
    attempt: u32,
    deadline: Instant,
    partials: Vec<Frame>,
}

/// One DEALER with at most one request in flight, so its reply needs no request id.
struct Slot {
    socket: Socket,
    endpoint: usize,
    job: Option<InFlight>,
}

/// Runs many requests with up to `window` in flight, each with the retries of [`call`], and
/// reports each outcome in request order through `done`.
///
/// MDP replies carry no request id, so replies on one DEALER from several workers could not
/// be matched to their requests. Each in-flight request has a DEALER of its own instead.
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
    let endpoints = opts.endpoints.len().max(1);
    let mut slots: Vec<Slot> = Vec::with_capacity(window);
    let mut finished: std::collections::BTreeMap<u64, Outcome> = Default::default();
    let (mut next_index, mut next_done, mut input_open) = (0u64, 0u64, true);
    // Completed replies wait here for the ones before them; bounded so a stuck request
    // cannot make the buffer grow without limit.
    let reorder_limit = (window as u64) * 4;
    let mut poller = transport::Poller::default();
    loop {
        if shutdown.requested() {
            return Err(CallError::Interrupted);
        }
        // Start new requests on free slots.
        while input_open && busy_count(&slots) < window && next_index < next_done + reorder_limit {
            let wait = if busy_count(&slots) == 0 {
                transport::MAX_WAIT
            } else {
                Duration::ZERO
            };
            match requests(wait) {
                Ok(Some(body)) => {
                    let slot = free_slot(ctx, opts, &mut slots, window)?;
                    let job = InFlight {
                        index: next_index,
                        body,
                        attempt: 0,
                        deadline: Instant::now() + opts.timeout,
                        partials: Vec::new(),
                    };
                    next_index += 1;
                    send_request(slot, opts, service, job)?;
                }
                Ok(None) => break,
                Err(()) => input_open = false,
            }
        }
        if !input_open && busy_count(&slots) == 0 {
            return Ok(());
        }
        if busy_count(&slots) > 0 {
            poll_slots(&mut slots, &mut poller, opts, service, &mut finished)?;
        }
        retry_expired(ctx, opts, service, endpoints, &mut slots, &mut finished)?;
        while let Some(outcome) = finished.remove(&next_done) {
            done(next_done, outcome).map_err(|e| CallError::Other(e.into()))?;
            next_done += 1;
        }
    }
}

fn busy_count(slots: &[Slot]) -> usize {
    slots.iter().filter(|s| s.job.is_some()).count()
}

fn free_slot<'a>(
    ctx: &Context,
    opts: &Options,
    slots: &'a mut Vec<Slot>,
    window: usize,
) -> Result<&'a mut Slot, CallError> {
    if let Some(i) = slots.iter().position(|s| s.job.is_none()) {
        return Ok(&mut slots[i]);
    }
    debug_assert!(slots.len() < window);
    let endpoint = slots.len() % opts.endpoints.len().max(1);
    slots.push(Slot {
        socket: connect(ctx, &opts.security, &opts.endpoints[endpoint])?,
        endpoint,
        job: None,
    });
    let last = slots.len() - 1;
    Ok(&mut slots[last])
}

fn send_request(
    slot: &mut Slot,
    opts: &Options,
    service: &[u8],
    job: InFlight,
) -> Result<(), CallError> {
    let frames = ClientRequest {
        service: Frame::copy(service),
        body: job.body.clone(),
    }
    .to_frames_in(opts.form);
    slot.socket.send(frames)?;
    slot.job = Some(job);
    Ok(())
}

/// Waits for replies on the busy slots until the earliest deadline.
fn poll_slots(
    slots: &mut [Slot],
    poller: &mut transport::Poller,
    opts: &Options,
    service: &[u8],
    finished: &mut std::collections::BTreeMap<u64, Outcome>,
) -> Result<(), CallError> {
    let now = Instant::now();
    let deadline = slots
        .iter()
        .filter_map(|s| s.job.as_ref().map(|j| j.deadline))
        .min()
        .unwrap_or(now + transport::MAX_WAIT);
    let busy: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].job.is_some())
        .collect();
    // Each slot is received from until it has nothing, so its socket can be waited on by its
    // descriptor (one system call for all, not one per socket).
    poller.poll(
        busy.iter().map(|&i| &slots[i].socket),
        transport::wait_until(now, deadline),
    )?;
    let readable: Vec<usize> = busy
        .iter()
        .enumerate()
        .filter(|&(k, _)| poller.readable(k))
        .map(|(_, &i)| i)
        .collect();
    for i in readable {
        let slot = &mut slots[i];
        while let Some(frames) = slot.socket.try_recv()? {
            let Some(job) = slot.job.as_mut() else {
                break; // a late reply to a request that already timed out
            };
            match check_reply(opts.form, frames, service) {
                Ok(ClientReply {
                    kind: ReplyKind::Partial,
                    body,
                    ..
                }) => {
                    job.partials.extend(body);
                    job.deadline = Instant::now() + opts.timeout;
                }
                Ok(ClientReply { body, .. }) => {
                    let mut partials = std::mem::take(&mut job.partials);
                    partials.extend(body);
                    finished.insert(job.index, Outcome::Reply(partials));
                    slot.job = None;
                }
                Err(why) => log::info!("ignored a reply: {why}"),
            }
        }
    }
    Ok(())
}

/// Resends timed-out requests on a new socket to the next broker, or gives them up.
fn retry_expired(
    ctx: &Context,
    opts: &Options,
    service: &[u8],
    endpoints: usize,
    slots: &mut [Slot],
    finished: &mut std::collections::BTreeMap<u64, Outcome>,
) -> Result<(), CallError> {
    let now = Instant::now();
    for slot in slots.iter_mut() {
        let expired = slot.job.as_ref().is_some_and(|j| j.deadline <= now);
        if !expired {
            continue;
        }
        let Some(mut job) = slot.job.take() else {
            continue;
        };
        // Lazy Pirate: a new socket, so a late reply to the old attempt cannot be mistaken
        // for the answer to the next request on this slot.
        slot.endpoint = (slot.endpoint + 1) % endpoints;
        slot.socket = connect(ctx, &opts.security, &opts.endpoints[slot.endpoint])?;
        job.attempt += 1;
        if job.attempt >= opts.retries.max(1) {
            finished.insert(job.index, Outcome::Timeout);
            continue;
        }
        log::info!(
            "request #{} timed out; retrying on {} (attempt {} of {})",
            job.index + 1,
            opts.endpoints[slot.endpoint],
            job.attempt + 1,
            opts.retries
        );
        job.deadline = now + opts.timeout;
        job.partials.clear();
        send_request(slot, opts, service, job)?;
    }
    Ok(())
}
