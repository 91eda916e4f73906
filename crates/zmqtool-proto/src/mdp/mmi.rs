//! 8/MMI names and reply formats: the service-discovery namespace a broker answers itself.
//!
//! ```text
//! mmi.service   body: ... name   reply: the request body, last frame replaced by "200" | "404"
//! mmi.services  body: anything   reply: one frame per known service name
//! mmi.workers   body: anything   reply: one frame per service, "NAME idle=I busy=B queued=Q"
//! mmi.stats     body: anything   reply: one frame, a JSON object ([`Stats`])
//! mmi.*         (anything else)  reply: the request body, last frame replaced by "501"
//! ```
//!
//! Only `mmi.service` is in 8/MMI; `mmi.services`, `mmi.workers` and `mmi.stats` are
//! zmqtool's (RFC 8 leaves the rest of the namespace to brokers; other brokers answer 501). An MDP reply carries at least one body frame, so an empty list is
//! sent as a single empty frame; service names are never empty, so this is unambiguous.

use super::Frame;
use super::stamp::Outcome;

/// Every name that starts with this is answered by the broker, never by a worker.
pub const PREFIX: &[u8] = b"mmi.";
/// 8/MMI's one mandatory service: is a service present?
pub const SERVICE: &[u8] = b"mmi.service";
/// The names of every service the broker knows.
pub const SERVICES: &[u8] = b"mmi.services";
/// Per service: idle and busy workers, queued requests.
pub const WORKERS: &[u8] = b"mmi.workers";
/// The broker's statistics, as one JSON frame.
pub const STATS: &[u8] = b"mmi.stats";

/// The `mmi.stats` report: what the broker has done since it started, and per service since
/// the service was (last) created.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub uptime_s: f64,
    /// Client requests received (not `mmi.`).
    pub requests: u64,
    /// Final replies delivered to clients.
    pub replies: u64,
    /// Requests dropped without a reply, by reason (`queue_full`, `queue_total`,
    /// `queue_bytes`, `second_death`, `partly_answered`, `service_expired`,
    /// `gather_overflow`).
    pub dropped: std::collections::BTreeMap<String, u64>,
    /// Requests given to another worker after theirs died.
    pub requeued: u64,
    /// Messages that did not parse.
    pub malformed: u64,
    /// Messages refused for a limit (size, frames, names, services, workers).
    pub refused: u64,
    /// Connections refused by the access policy (`--allow`, PLAIN, CURVE, per-address
    /// limits) or whose security handshake failed.
    pub refused_connections: u64,
    /// Workers whose heartbeats came at a rate far from the broker's `--heartbeat` (each
    /// counted once); absent from older brokers' reports.
    #[serde(default)]
    pub heartbeat_mismatches: u64,
    pub services: Vec<ServiceStats>,
}

/// One service's figures in [`Stats`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceStats {
    pub name: String,
    pub requests: u64,
    pub replies: u64,
    /// Requests for this service dropped without a reply (the reasons are in
    /// [`Stats::dropped`]); absent from older brokers' reports.
    #[serde(default)]
    pub dropped: u64,
    pub queued: usize,
    pub queued_peak: usize,
    /// This service's workers counted in [`Stats::heartbeat_mismatches`].
    #[serde(default)]
    pub heartbeat_mismatches: u64,
    pub idle: usize,
    pub busy: usize,
    /// From dispatch to the final reply, in microseconds.
    pub latency_us: Latency,
    /// Replies timed, and their total time (for a mean, and Prometheus' `_sum`).
    pub latency_count: u64,
    pub latency_sum_us: u64,
    /// Cumulative counts of replies within each bound, for Prometheus' histogram.
    pub latency_buckets: Vec<Bucket>,
    /// Replies of `--dedup` workers to stamped requests, by what the worker did (none from
    /// workers without `--dedup`); absent from older brokers' reports.
    #[serde(default)]
    pub dedup: DedupCounts,
}

/// A service's stamped requests answered by `--dedup` workers, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DedupCounts {
    /// Ran now.
    pub fresh: u64,
    /// Repeats answered from the store without running.
    pub replayed: u64,
    /// Repeats that waited for a run in progress and got its reply.
    pub waited: u64,
    /// Repeats of runs that never answered: "outcome unknown".
    pub unknown: u64,
    /// Repeats whose body differed from the first request's: the key used again for another
    /// request, answered with an error (absent from older brokers' reports).
    #[serde(default)]
    pub mismatch: u64,
}

impl DedupCounts {
    /// The counter of `outcome`.
    pub fn of_mut(&mut self, outcome: Outcome) -> &mut u64 {
        match outcome {
            Outcome::Fresh => &mut self.fresh,
            Outcome::Replayed => &mut self.replayed,
            Outcome::Waited => &mut self.waited,
            Outcome::Unknown => &mut self.unknown,
            Outcome::Mismatch => &mut self.mismatch,
        }
    }

    /// Each outcome with its count, in the order of [`Outcome::ALL`].
    pub fn each(&self) -> [(Outcome, u64); Outcome::ALL.len()] {
        let mut counts = *self;
        Outcome::ALL.map(|outcome| (outcome, *counts.of_mut(outcome)))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Latency {
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
}

/// Replies that took at most `le_s` seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bucket {
    pub le_s: f64,
    pub count: u64,
}

/// True when `service` is in the broker's own namespace (a prefix, not a substring).
pub fn is_mmi(service: &[u8]) -> bool {
    service.starts_with(PREFIX)
}

/// The status codes 8/MMI replies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 200: the service has at least one worker.
    Present,
    /// 404: no worker serves it.
    Absent,
    /// 501: the `mmi.` service asked for is not implemented.
    NotImplemented,
}

impl Code {
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            Code::Present => b"200",
            Code::Absent => b"404",
            Code::NotImplemented => b"501",
        }
    }

    /// Reads a code frame: three digits, optionally followed by a space and text.
    pub fn parse(frame: &[u8]) -> Option<Code> {
        let digits = frame.get(..3)?;
        if frame.len() > 3 && frame[3] != b' ' {
            return None;
        }
        match digits {
            b"200" => Some(Code::Present),
            b"404" => Some(Code::Absent),
            b"501" => Some(Code::NotImplemented),
            _ => None,
        }
    }
}

/// What the broker knows of one service, as `mmi.workers` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    pub name: Vec<u8>,
    pub idle: usize,
    pub busy: usize,
    pub queued: usize,
}

impl ServiceStatus {
    pub fn to_frame(&self) -> Frame {
        let mut frame = self.name.clone();
        frame.extend_from_slice(
            format!(
                " idle={} busy={} queued={}",
                self.idle, self.busy, self.queued
            )
            .as_bytes(),
        );
        frame.into()
    }

    /// Parses one `mmi.workers` frame. The counts are read from the right, so a name may
    /// contain spaces.
    pub fn parse(frame: &[u8]) -> Option<ServiceStatus> {
        let mut fields = frame.rsplitn(4, |b| *b == b' ');
        let queued = count(fields.next()?, b"queued=")?;
        let busy = count(fields.next()?, b"busy=")?;
        let idle = count(fields.next()?, b"idle=")?;
        let name = fields.next()?.to_vec();
        if name.is_empty() {
            return None;
        }
        Some(ServiceStatus {
            name,
            idle,
            busy,
            queued,
        })
    }
}

fn count(field: &[u8], key: &[u8]) -> Option<usize> {
    std::str::from_utf8(field.strip_prefix(key)?)
        .ok()?
        .parse()
        .ok()
}

/// The body of a list reply: one frame per item, or a single empty frame for none.
pub fn list_body(items: Vec<Frame>) -> Vec<Frame> {
    if items.is_empty() {
        vec![Frame::empty()]
    } else {
        items
    }
}

/// The items of a list reply (the inverse of [`list_body`]).
pub fn list_items(body: &[Frame]) -> &[Frame] {
    match body {
        [only] if only.is_empty() => &[],
        all => all,
    }
}

/// The `q` quantile of the replies timed between two reports of a service, in microseconds,
/// from the difference of their cumulative buckets: the bucket the rank falls in, and a
/// straight line across it (Prometheus' `histogram_quantile`). Above the last bound, that
/// bound. `None` when no reply was timed in between, or when the counts went down (the
/// service was made anew: then `now` alone is the interval's).
pub fn quantile(q: f64, before: &ServiceStats, now: &ServiceStats) -> Option<f64> {
    let reset = now.latency_count < before.latency_count;
    let base = |i: usize| match reset {
        true => 0,
        false => before.latency_buckets.get(i).map_or(0, |b| b.count),
    };
    let total = now.latency_count - if reset { 0 } else { before.latency_count };
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let (mut below, mut lower_s) = (0u64, 0.0);
    for (i, bucket) in now.latency_buckets.iter().enumerate() {
        let within = bucket.count.saturating_sub(base(i));
        if within as f64 >= rank {
            let share = (rank - below as f64) / (within - below).max(1) as f64;
            return Some((lower_s + (bucket.le_s - lower_s) * share) * 1e6);
        }
        (below, lower_s) = (within, bucket.le_s);
    }
    now.latency_buckets.last().map(|b| b.le_s * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_not_substring() {
        assert!(is_mmi(b"mmi.service"));
        assert!(is_mmi(b"mmi.anything"));
        assert!(!is_mmi(b"echo.mmi.x"));
        assert!(!is_mmi(b"mmi"));
    }

    #[test]
    fn codes_allow_trailing_text() {
        assert_eq!(Code::parse(b"200"), Some(Code::Present));
        assert_eq!(Code::parse(b"404 no such service"), Some(Code::Absent));
        assert_eq!(Code::parse(b"501"), Some(Code::NotImplemented));
        assert_eq!(Code::parse(b"2000"), None);
        assert_eq!(Code::parse(b"20"), None);
        assert_eq!(Code::parse(b"300"), None);
    }

    #[test]
    fn status_frames_round_trip_even_with_spaces_in_names() {
        for name in [&b"echo"[..], b"my service", b"x=1"] {
            let status = ServiceStatus {
                name: name.to_vec(),
                idle: 2,
                busy: 1,
                queued: 30,
            };
            let frame = status.to_frame();
            assert_eq!(ServiceStatus::parse(&frame), Some(status));
        }
        assert_eq!(
            ServiceStatus {
                name: b"echo".to_vec(),
                idle: 2,
                busy: 0,
                queued: 5
            }
            .to_frame(),
            b"echo idle=2 busy=0 queued=5"
        );
        assert_eq!(ServiceStatus::parse(b"idle=1 busy=2 queued=3"), None);
        assert_eq!(ServiceStatus::parse(b"x idle=a busy=2 queued=3"), None);
    }

    #[test]
    fn empty_lists_are_one_empty_frame() {
        assert_eq!(list_body(vec![]), vec![Vec::<u8>::new()]);
        assert!(list_items(&list_body(vec![])).is_empty());
        let items = crate::mdp::frames(&[b"a", b"b"]);
        assert_eq!(list_items(&list_body(items.clone())), &items[..]);
    }
}
