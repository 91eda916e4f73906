//! The load generator's clients: each is a thread with one DEALER and up to `pipeline`
//! requests in flight, matched to replies by the request id at the head of every body.
//!
//! A body is `id (8 bytes, big-endian) + payload`, and an echo service returns it unchanged,
//! so every reply is checked byte for byte: a reply that is not exactly its request (wrong
//! id, wrong payload, wrong header or service, extra frames) is an error. The hot path reuses
//! its buffers: one body buffer per client, one `zmq::Message` per frame received.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use hdrhistogram::Histogram;

use super::report::{MAX_LATENCY_US, new_histogram};
use crate::mdp::{CLIENT_V01, CLIENT_V02, Version};

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
    pub endpoint: String,
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
}

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

/// Runs one client until the phase says stop and its requests are answered or timed out.
pub fn client(
    ctx: &zmq::Context,
    load: &Load,
    index: usize,
    quota: Option<u64>,
    phase: &Phase,
    counters: &Counters,
    error_sample: &Mutex<Option<String>>,
) -> Result<Tally> {
    let socket = ctx.socket(zmq::DEALER)?;
    socket.set_linger(0)?;
    socket.set_sndhwm(0)?;
    socket.set_rcvhwm(0)?;
    crate::auth::secure_client(&socket)?;
    socket
        .connect(&load.endpoint)
        .map_err(|e| crate::runtime::connect_error(&load.endpoint, e))?;

    let size = load.size.max(8);
    let mut body = payload(size, index as u64);
    let header: &[u8] = match load.version {
        Version::V01 => CLIENT_V01,
        Version::V02 => CLIENT_V02,
    };
    let mut tally = Tally {
        latency: new_histogram(),
        ok: 0,
        errors: 0,
        timeouts: 0,
        last_done: None,
    };
    let mut pending: HashMap<u64, Pending> = HashMap::with_capacity(load.pipeline * 2);
    let mut parts: Vec<zmq::Message> = (0..5).map(|_| zmq::Message::new()).collect();
    let mut next_id: u64 = (index as u64) << 40;
    let mut recorded_sent: u64 = 0;
    let started = Instant::now();
    let per_client_rate = load.rate.map(|r| r / load.clients as f64);
    let mut sent_in_schedule: u64 = 0;
    let mut next_sweep = Instant::now() + Duration::from_millis(50);
    let mut rcvtimeo = -1;

    loop {
        if phase.abort.load(Ordering::Relaxed) {
            break;
        }
        let now = Instant::now();
        let stopping =
            phase.stop_sending.load(Ordering::Relaxed) || quota.is_some_and(|q| recorded_sent >= q);
        // Send what is due.
        let mut next_due: Option<Instant> = None;
        while !stopping && pending.len() < load.pipeline {
            let intended = match per_client_rate {
                Some(rate) => {
                    let due = started + Duration::from_secs_f64(sent_in_schedule as f64 / rate);
                    if due > now {
                        next_due = Some(due);
                        break;
                    }
                    due
                }
                None => now,
            };
            let recording = phase.recording_since.get().is_some();
            if recording && quota.is_some_and(|q| recorded_sent >= q) {
                break;
            }
            body[..8].copy_from_slice(&next_id.to_be_bytes());
            send_request(&socket, load.version, header, &load.service, &body)?;
            pending.insert(
                next_id,
                Pending {
                    origin: if per_client_rate.is_some() {
                        intended
                    } else {
                        Instant::now()
                    },
                    recorded: recording,
                },
            );
            if recording {
                recorded_sent += 1;
            }
            next_id += 1;
            sent_in_schedule += 1;
        }
        if stopping && pending.is_empty() {
            break;
        }
        // Wait for a reply (or the next scheduled send, or the timeout sweep) in a timed
        // recv: no system call at all when a reply is already queued.
        let wake = next_due.unwrap_or(next_sweep).min(next_sweep);
        let wait = wake.saturating_duration_since(Instant::now());
        let wait_ms = if next_due.is_some() {
            wait.as_millis() as i64
        } else {
            wait.as_micros().div_ceil(1000) as i64
        };
        let mut first = true;
        loop {
            let timeout = if first { wait_ms.min(100) } else { 0 };
            first = false;
            let n = match recv_parts(&socket, &mut parts, timeout, &mut rcvtimeo)? {
                Some(n) => n,
                None => break,
            };
            let done = Instant::now();
            let verdict = if load.check_echo {
                check(&parts[..n], load.version, header, &load.service, &body[8..])
            } else {
                match check_shape(&parts[..n], load.version, header, &load.service) {
                    // A PARTIAL: its FINAL follows.
                    Ok(false) => continue,
                    // Without an echoed id, a reply answers the oldest request in flight; none
                    // in flight: a late reply to one already counted as a timeout.
                    Ok(true) => match oldest(&pending) {
                        Some(id) => Ok(id),
                        None => continue,
                    },
                    Err(why) => Err((None, why)),
                }
            };
            match verdict {
                Ok(id) => {
                    // No entry: a late reply to a request already counted as a timeout.
                    if let Some(p) = pending.remove(&id) {
                        counters.ok.fetch_add(1, Ordering::Relaxed);
                        if p.recorded {
                            let us = done.saturating_duration_since(p.origin).as_micros() as u64;
                            tally.latency.saturating_record(us.clamp(1, MAX_LATENCY_US));
                            tally.ok += 1;
                            tally.last_done = Some(done);
                        }
                    }
                }
                Err((id, why)) => {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                    // Every reply answers one request: by its id when that is readable,
                    // else the oldest outstanding one (so it is not counted again as a
                    // timeout later).
                    let id = id
                        .filter(|id| pending.contains_key(id))
                        .or_else(|| oldest(&pending));
                    let recorded = id
                        .and_then(|id| pending.remove(&id))
                        .is_none_or(|p| p.recorded);
                    if recorded {
                        tally.errors += 1;
                        tally.last_done = Some(done);
                    }
                    let mut sample = error_sample.lock().unwrap_or_else(|e| e.into_inner());
                    sample.get_or_insert(why);
                }
            }
            // Refill the pipeline before waiting again (closed model).
            if per_client_rate.is_none() && pending.len() < load.pipeline {
                break;
            }
        }
        if Instant::now() >= next_sweep {
            next_sweep = Instant::now() + Duration::from_millis(50);
            sweep_timeouts(&mut pending, load.timeout, &mut tally, counters);
        }
    }
    Ok(tally)
}

fn oldest(pending: &HashMap<u64, Pending>) -> Option<u64> {
    pending
        .iter()
        .min_by_key(|(_, p)| p.origin)
        .map(|(id, _)| *id)
}

fn sweep_timeouts(
    pending: &mut HashMap<u64, Pending>,
    timeout: Duration,
    tally: &mut Tally,
    counters: &Counters,
) {
    let now = Instant::now();
    pending.retain(|_, p| {
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

fn send_request(
    socket: &zmq::Socket,
    version: Version,
    header: &[u8],
    service: &[u8],
    body: &[u8],
) -> Result<()> {
    let more = zmq::SNDMORE;
    if version == Version::V01 {
        socket.send(&b""[..], more)?;
        socket.send(header, more)?;
    } else {
        socket.send(header, more)?;
        socket.send(&[1u8][..], more)?;
    }
    socket.send(service, more)?;
    socket.send(body, 0)?;
    Ok(())
}

/// Receives one whole message into `parts` (reused), waiting at most `timeout_ms` for it;
/// `None` when nothing came. Parts beyond the buffer are counted but dropped, so an oversized
/// reply is still seen as wrong.
fn recv_parts(
    socket: &zmq::Socket,
    parts: &mut [zmq::Message],
    timeout_ms: i64,
    rcvtimeo: &mut i32,
) -> Result<Option<usize>> {
    let timeout = timeout_ms.clamp(0, i32::MAX as i64) as i32;
    if timeout != *rcvtimeo {
        socket.set_rcvtimeo(timeout)?;
        *rcvtimeo = timeout;
    }
    let mut n = 0;
    loop {
        let mut spare = zmq::Message::new();
        let target = if n < parts.len() {
            &mut parts[n]
        } else {
            &mut spare
        };
        match socket.recv(target, 0) {
            Ok(()) => {}
            Err(zmq::Error::EAGAIN) | Err(zmq::Error::EINTR) if n == 0 => return Ok(None),
            Err(e) => return Err(e).context("receive failed"),
        }
        n += 1;
        if !socket.get_rcvmore()? {
            return Ok(Some(n));
        }
    }
}

/// Checks only that a reply is a well-formed reply from `service`: `Ok(true)` for the final
/// one, `Ok(false)` for an MDP/0.2 PARTIAL.
fn check_shape(
    parts: &[zmq::Message],
    version: Version,
    header: &[u8],
    service: &[u8],
) -> Result<bool, String> {
    let wrong = || format!("a reply of the wrong shape ({} frames)", parts.len());
    if parts.len() < 4 || &parts[2][..] != service {
        return Err(wrong());
    }
    match version {
        Version::V01 if parts[0].is_empty() && &parts[1][..] == header => Ok(true),
        Version::V02 if &parts[0][..] == header && parts[1][..] == [3u8] => Ok(true),
        Version::V02 if &parts[0][..] == header && parts[1][..] == [2u8] => Ok(false),
        _ => Err(wrong()),
    }
}

/// Checks a reply is exactly the echo of one of this client's requests; returns its id.
fn check(
    parts: &[zmq::Message],
    version: Version,
    header: &[u8],
    service: &[u8],
    payload: &[u8],
) -> Result<u64, (Option<u64>, String)> {
    let expected_parts = 4;
    let shape_ok = parts.len() == expected_parts
        && match version {
            Version::V01 => parts[0].is_empty() && &parts[1][..] == header,
            Version::V02 => &parts[0][..] == header && parts[1][..] == [3u8],
        }
        && &parts[2][..] == service;
    if !shape_ok {
        return Err((
            None,
            format!("a reply of the wrong shape ({} frames)", parts.len()),
        ));
    }
    let body = &parts[3][..];
    let id = body
        .get(..8)
        .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
    if body.len() != payload.len() + 8 {
        return Err((
            id,
            format!(
                "a reply of {} bytes instead of {}",
                body.len(),
                payload.len() + 8
            ),
        ));
    }
    let id = id.expect("the length was checked");
    if &body[8..] != payload {
        return Err((
            Some(id),
            "a reply whose body differs from its request".into(),
        ));
    }
    Ok(id)
}

/// Shared state of a run, handed to every client thread.
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

    fn msgs(parts: &[&[u8]]) -> Vec<zmq::Message> {
        parts.iter().map(|p| zmq::Message::from(*p)).collect()
    }

    #[test]
    fn echoes_pass_and_corruption_is_caught() {
        let payload = b"abcdef";
        let mut body = 7u64.to_be_bytes().to_vec();
        body.extend_from_slice(payload);
        let ok = msgs(&[b"", b"MDPC01", b"echo", &body]);
        assert_eq!(
            check(&ok, Version::V01, CLIENT_V01, b"echo", payload),
            Ok(7)
        );
        let mut bad = body.clone();
        bad[9] ^= 1;
        let corrupt = msgs(&[b"", b"MDPC01", b"echo", &bad]);
        assert!(check(&corrupt, Version::V01, CLIENT_V01, b"echo", payload).is_err());
        let wrong_service = msgs(&[b"", b"MDPC01", b"other", &body]);
        assert!(check(&wrong_service, Version::V01, CLIENT_V01, b"echo", payload).is_err());
        let v02 = msgs(&[b"MDPC02", b"\x03", b"echo", &body]);
        assert_eq!(
            check(&v02, Version::V02, CLIENT_V02, b"echo", payload),
            Ok(7)
        );
        let partial = msgs(&[b"MDPC02", b"\x02", b"echo", &body]);
        assert!(check(&partial, Version::V02, CLIENT_V02, b"echo", payload).is_err());
    }

    #[test]
    fn shape_checks_accept_any_body_and_spot_partials() {
        let any = msgs(&[b"", b"MDPC01", b"svc", b"whatever", b"frames"]);
        assert_eq!(
            check_shape(&any, Version::V01, CLIENT_V01, b"svc"),
            Ok(true)
        );
        let partial = msgs(&[b"MDPC02", b"\x02", b"svc", b"p"]);
        assert_eq!(
            check_shape(&partial, Version::V02, CLIENT_V02, b"svc"),
            Ok(false)
        );
        let other = msgs(&[b"", b"MDPC01", b"other", b"x"]);
        assert!(check_shape(&other, Version::V01, CLIENT_V01, b"svc").is_err());
        assert!(
            check_shape(
                &msgs(&[b"", b"MDPC01", b"svc"]),
                Version::V01,
                CLIENT_V01,
                b"svc"
            )
            .is_err()
        );
    }

    #[test]
    fn payloads_differ_per_client() {
        assert_ne!(payload(64, 0), payload(64, 1));
        assert_eq!(payload(64, 3), payload(64, 3));
    }
}
