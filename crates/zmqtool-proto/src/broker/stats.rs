//! The broker's statistics, kept by the core as it works: counters since start, and per
//! service its requests, replies, peak queue and the time from dispatch to final reply (an
//! HdrHistogram). A request costs a few increments and a reply one histogram record, so they
//! are always on. Read as an [`mmi::Stats`] report (`mmi.stats`, `zmqtool stats`, /metrics).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::event::{Event, EvictReason, LossReason};
use crate::mdp::mmi;
use crate::mdp::stamp::Outcome;

/// The upper bounds of the Prometheus histogram of request duration, in seconds.
pub const BUCKETS_S: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    10.0, 60.0,
];

/// The longest time recorded exactly (longer ones are recorded as this).
const MAX_US: u64 = 3_600_000_000;

/// Counters over the whole broker.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    requests: u64,
    replies: u64,
    requeued: u64,
    malformed: u64,
    refused: u64,
    /// Workers whose heartbeat rate did not match (each reported once by its `RateCheck`).
    heartbeat_mismatches: u64,
    dropped: [u64; DROP_REASONS.len()],
    /// Connections the transport refused (kept by its guard thread).
    refused_connections: Option<Arc<AtomicU64>>,
}

/// The names of [`LossReason`]s in reports, in the order of `Stats::dropped`.
const DROP_REASONS: [&str; 7] = [
    "queue_full",
    "queue_total",
    "queue_bytes",
    "second_death",
    "partly_answered",
    "service_expired",
    "gather_overflow",
];

fn reason_index(reason: &LossReason) -> usize {
    match reason {
        LossReason::QueueFull(_) => 0,
        LossReason::TotalQueueFull(_) => 1,
        LossReason::QueueBytes(_) => 2,
        LossReason::SecondDeath => 3,
        LossReason::PartlyAnswered => 4,
        LossReason::ServiceExpired => 5,
        LossReason::GatherOverflow(_) => 6,
    }
}

impl Stats {
    pub fn new(now: Instant) -> Stats {
        Stats {
            started: now,
            requests: 0,
            replies: 0,
            requeued: 0,
            malformed: 0,
            refused: 0,
            heartbeat_mismatches: 0,
            dropped: [0; DROP_REASONS.len()],
            refused_connections: None,
        }
    }

    /// Where the transport counts the connections it refuses.
    pub fn count_refused_connections(&mut self, counter: Arc<AtomicU64>) {
        self.refused_connections = Some(counter);
    }

    pub fn request(&mut self) {
        self.requests += 1;
    }

    pub fn reply(&mut self) {
        self.replies += 1;
    }

    /// Counts what `events` report: drops, requeues, malformed and refused messages.
    pub fn note(&mut self, events: &[Event]) {
        for event in events {
            match event {
                Event::RequestLost { reason, .. } => self.dropped[reason_index(reason)] += 1,
                Event::Requeued { .. } => self.requeued += 1,
                Event::Malformed { .. }
                | Event::WorkerEvicted {
                    reason: EvictReason::Malformed(_),
                    ..
                } => self.malformed += 1,
                Event::Refused { .. } => self.refused += 1,
                Event::HeartbeatMismatch { .. } => self.heartbeat_mismatches += 1,
                _ => {}
            }
        }
    }

    /// The report, with `services` (sorted by name) filled in by the caller.
    pub fn report(&self, now: Instant, services: Vec<mmi::ServiceStats>) -> mmi::Stats {
        mmi::Stats {
            uptime_s: now.saturating_duration_since(self.started).as_secs_f64(),
            requests: self.requests,
            replies: self.replies,
            dropped: DROP_REASONS
                .iter()
                .zip(self.dropped)
                .map(|(name, n)| (name.to_string(), n))
                .collect(),
            requeued: self.requeued,
            malformed: self.malformed,
            refused: self.refused,
            refused_connections: self
                .refused_connections
                .as_ref()
                .map_or(0, |c| c.load(Ordering::Relaxed)),
            heartbeat_mismatches: self.heartbeat_mismatches,
            services,
        }
    }
}

/// One service's counters, kept in the core's record of the service.
#[derive(Debug, Default)]
pub struct ServiceStats {
    requests: u64,
    replies: u64,
    /// Requests for this service dropped without a reply (any reason).
    dropped: u64,
    queued_peak: usize,
    /// Its workers whose heartbeat rate did not match the broker's.
    heartbeat_mismatches: u64,
    /// Microseconds from dispatch to final reply; made with the first reply (a service that
    /// never answers costs nothing).
    latency: Option<Histogram<u32>>,
    latency_sum_us: u64,
    dedup: mmi::DedupCounts,
}

impl ServiceStats {
    pub fn request(&mut self) {
        self.requests += 1;
    }

    pub fn dropped(&mut self) {
        self.dropped += 1;
    }

    /// One of its workers heartbeats at a rate far from the broker's.
    pub fn heartbeat_mismatch(&mut self) {
        self.heartbeat_mismatches += 1;
    }

    /// Requests left waiting for a worker after a dispatch: the peak is the most that ever
    /// waited (one handed straight to an idle worker never did).
    pub fn queued(&mut self, depth: usize) {
        self.queued_peak = self.queued_peak.max(depth);
    }

    /// A `--dedup` worker's final reply to a stamped request said it did `outcome`.
    pub fn dedup(&mut self, outcome: Outcome) {
        *self.dedup.of_mut(outcome) += 1;
    }

    /// A final reply, `took` after its request was dispatched.
    pub fn reply(&mut self, took: Duration) {
        self.replies += 1;
        let us = (took.as_micros() as u64).clamp(1, MAX_US);
        self.latency_sum_us = self.latency_sum_us.saturating_add(us);
        let histogram = self.latency.get_or_insert_with(|| {
            Histogram::new_with_bounds(1, MAX_US, 2).expect("static bounds are valid")
        });
        histogram.saturating_record(us);
    }

    /// The report line, with what the core knows of the service now.
    pub fn report(
        &self,
        name: String,
        queued: usize,
        idle: usize,
        busy: usize,
    ) -> mmi::ServiceStats {
        let (latency_us, latency_count, latency_buckets) = match &self.latency {
            Some(h) => (
                mmi::Latency {
                    p50: h.value_at_quantile(0.5),
                    p99: h.value_at_quantile(0.99),
                    max: h.max(),
                },
                h.len(),
                BUCKETS_S
                    .iter()
                    .map(|&le_s| mmi::Bucket {
                        le_s,
                        count: h.count_between(0, (le_s * 1e6) as u64),
                    })
                    .collect(),
            ),
            None => (mmi::Latency::default(), 0, Vec::new()),
        };
        mmi::ServiceStats {
            name,
            requests: self.requests,
            replies: self.replies,
            dropped: self.dropped,
            queued,
            queued_peak: self.queued_peak,
            heartbeat_mismatches: self.heartbeat_mismatches,
            idle,
            busy,
            latency_us,
            latency_count,
            latency_sum_us: self.latency_sum_us,
            latency_buckets,
            dedup: self.dedup,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_percentiles_and_cumulative_buckets() {
        let mut s = ServiceStats::default();
        for ms in 1..=100 {
            s.reply(Duration::from_millis(ms));
        }
        s.request();
        s.queued(3);
        s.queued(1);
        let r = s.report("echo".into(), 0, 1, 0);
        assert_eq!((r.requests, r.replies, r.queued_peak), (1, 100, 3));
        assert_eq!(r.latency_count, 100);
        assert_eq!(r.latency_sum_us, 5050 * 1000);
        // Two significant digits: within 1%.
        assert!(
            (49_500..=50_500).contains(&r.latency_us.p50),
            "{:?}",
            r.latency_us
        );
        assert!(
            (98_000..=100_000).contains(&r.latency_us.p99),
            "{:?}",
            r.latency_us
        );
        let within = |le: f64| {
            r.latency_buckets
                .iter()
                .find(|b| b.le_s == le)
                .unwrap()
                .count
        };
        assert_eq!(within(0.0001), 0);
        assert!((9..=11).contains(&within(0.01)));
        assert_eq!(within(0.25), 100);
        assert!(
            r.latency_buckets
                .windows(2)
                .all(|w| w[0].count <= w[1].count)
        );
        // A service that never answered has no histogram.
        let quiet = ServiceStats::default().report("q".into(), 2, 0, 0);
        assert!(quiet.latency_buckets.is_empty() && quiet.latency_count == 0);
    }

    #[test]
    fn heartbeat_mismatches_are_counted_over_the_broker_and_per_service() {
        let now = Instant::now();
        let mut stats = Stats::new(now);
        let mut service = ServiceStats::default();
        let mismatch = Event::HeartbeatMismatch {
            worker: super::super::core::Identity(crate::mdp::Frame::from("w")),
            observed: Duration::from_millis(500),
            expected: Duration::from_millis(2500),
        };
        stats.note(&[mismatch.clone(), mismatch]);
        service.heartbeat_mismatch();
        let report = stats.report(now, vec![service.report("echo".into(), 0, 1, 0)]);
        assert_eq!(report.heartbeat_mismatches, 2);
        assert_eq!(report.services[0].heartbeat_mismatches, 1);
    }
}
