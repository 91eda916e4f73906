//! `--metrics-bind HOST:PORT`: the broker's statistics as Prometheus metrics on `/metrics`
//! (OpenMetrics text, which Prometheus scrapes), served by a thread of its own.
//!
//! The broker loop publishes a snapshot of [`mmi::Stats`] at most once a second; a scrape
//! encodes the latest snapshot and never waits on the loop. The encoding is
//! `prometheus-client`'s, the HTTP server `tiny_http`'s.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use crate::mdp::mmi;

/// How often the broker loop refreshes the snapshot.
pub const PUBLISH_EVERY: Duration = Duration::from_secs(1);

/// What one scrape reports: the broker's statistics and, for a Binary Star server, its state.
#[derive(Clone, Default, Debug)]
pub struct Report {
    pub stats: mmi::Stats,
    /// Every state a Binary Star server can be in, and whether it is in it (empty for a
    /// plain broker).
    pub states: Vec<(&'static str, bool)>,
}

impl From<mmi::Stats> for Report {
    fn from(stats: mmi::Stats) -> Report {
        Report {
            stats,
            states: Vec::new(),
        }
    }
}

/// The latest report, shared between the broker loop and the HTTP thread.
#[derive(Clone, Default, Debug)]
struct Published(Arc<Mutex<Report>>);

impl Published {
    fn set(&self, report: Report) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = report;
    }

    fn get(&self) -> Report {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The broker loop's side: it calls [`Publisher::tick`] on every turn, which publishes a
/// fresh snapshot once a second.
#[derive(Debug)]
pub struct Publisher {
    published: Published,
    next: Instant,
}

impl Publisher {
    /// Serves `/metrics` on `bind` (HOST:PORT; port 0 picks one) and logs the address.
    pub fn start(bind: &str) -> Result<Publisher> {
        let published = Published::default();
        let addr = serve(bind, published.clone())?;
        log::warn!("metrics on http://{addr}/metrics");
        Ok(Publisher {
            published,
            next: Instant::now(),
        })
    }

    /// Publishes `report()` if a second has passed since the last time.
    pub fn tick(&mut self, now: Instant, report: impl FnOnce() -> Report) {
        if now < self.next {
            return;
        }
        self.next = now + PUBLISH_EVERY;
        self.published.set(report());
    }
}

/// Serves `/metrics` on `bind` from a thread of its own; returns the address bound.
fn serve(bind: &str, published: Published) -> Result<String> {
    let server = tiny_http::Server::http(bind)
        .map_err(|e| anyhow!("cannot serve metrics on {bind}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .map_or_else(|| bind.to_string(), |a| a.to_string());
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let response = match (request.method(), request.url()) {
                (tiny_http::Method::Get, "/metrics") => match encode(published.get()) {
                    Ok(body) => tiny_http::Response::from_string(body).with_header(
                        tiny_http::Header::from_bytes(
                            &b"Content-Type"[..],
                            &b"application/openmetrics-text; version=1.0.0; charset=utf-8"[..],
                        )
                        .expect("a valid header"),
                    ),
                    Err(_) => {
                        tiny_http::Response::from_string("encoding failed\n").with_status_code(500)
                    }
                },
                _ => tiny_http::Response::from_string("only GET /metrics is served here\n")
                    .with_status_code(404),
            };
            // A scraper that went away: nothing to do.
            let _ = request.respond(response);
        }
    });
    Ok(addr)
}

/// The OpenMetrics text of `report`.
pub fn encode(report: Report) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshot(report)));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    Ok(text)
}

#[derive(Debug)]
struct Snapshot(Report);

/// One metric: its descriptor, then a value per label set.
fn family(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    kind: MetricType,
    values: &[(Vec<(&str, String)>, u64)],
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, unit, kind)?;
    for (labels, value) in values {
        let labelled = metric.encode_family(labels)?;
        match kind {
            MetricType::Counter => ConstCounter::new(*value).encode(labelled)?,
            _ => ConstGauge::new(*value as i64).encode(labelled)?,
        }
    }
    Ok(())
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = &self.0.stats;
        let none = Vec::new;
        let per_service = |f: &dyn Fn(&mmi::ServiceStats) -> u64| -> Vec<_> {
            s.services
                .iter()
                .map(|svc| (vec![("service", svc.name.clone())], f(svc)))
                .collect()
        };
        use MetricType::{Counter, Gauge};
        let seconds = Unit::Seconds;
        let uptime = encoder.encode_descriptor(
            "zmqtool_uptime",
            "Time since the broker started.",
            Some(&seconds),
            Gauge,
        )?;
        ConstGauge::new(s.uptime_s).encode(uptime)?;
        let e = &mut encoder;
        family(
            e,
            "zmqtool_requests",
            "Client requests received, by service.",
            None,
            Counter,
            &per_service(&|v| v.requests),
        )?;
        family(
            e,
            "zmqtool_replies",
            "Final replies delivered to clients, by service.",
            None,
            Counter,
            &per_service(&|v| v.replies),
        )?;
        let dropped: Vec<_> = s
            .dropped
            .iter()
            .map(|(reason, n)| (vec![("reason", reason.clone())], *n))
            .collect();
        family(
            e,
            "zmqtool_dropped_requests",
            "Requests dropped without a reply, by reason.",
            None,
            Counter,
            &dropped,
        )?;
        family(
            e,
            "zmqtool_requeued_requests",
            "Requests given to another worker after theirs died.",
            None,
            Counter,
            &[(none(), s.requeued)],
        )?;
        family(
            e,
            "zmqtool_malformed_messages",
            "Messages that did not parse.",
            None,
            Counter,
            &[(none(), s.malformed)],
        )?;
        family(
            e,
            "zmqtool_refused_messages",
            "Messages refused for a limit.",
            None,
            Counter,
            &[(none(), s.refused)],
        )?;
        family(
            e,
            "zmqtool_refused_connections",
            "Connections refused by the access policy, or whose handshake failed.",
            None,
            Counter,
            &[(none(), s.refused_connections)],
        )?;
        let dedup: Vec<_> = s
            .services
            .iter()
            .flat_map(|svc| {
                svc.dedup.each().map(|(outcome, n)| {
                    (
                        vec![
                            ("service", svc.name.clone()),
                            ("outcome", outcome.to_string()),
                        ],
                        n,
                    )
                })
            })
            .collect();
        family(
            e,
            "zmqtool_dedup_replies",
            "Replies of --dedup workers to stamped requests, by service and outcome (replayed: \
             answered from the store; waited: after a run in progress; unknown: a run that never \
             answered; mismatch: the key used again with another body).",
            None,
            Counter,
            &dedup,
        )?;
        family(
            e,
            "zmqtool_heartbeat_mismatches",
            "Workers whose heartbeat rate did not match the broker's --heartbeat, by service.",
            None,
            Counter,
            &per_service(&|v| v.heartbeat_mismatches),
        )?;
        family(
            e,
            "zmqtool_queued_requests",
            "Requests waiting for a worker, by service.",
            None,
            Gauge,
            &per_service(&|v| v.queued as u64),
        )?;
        family(
            e,
            "zmqtool_queued_requests_peak",
            "The most requests that have waited at once, by service.",
            None,
            Gauge,
            &per_service(&|v| v.queued_peak as u64),
        )?;
        let workers: Vec<_> = s
            .services
            .iter()
            .flat_map(|svc| {
                [("idle", svc.idle), ("busy", svc.busy)].map(|(state, n)| {
                    (
                        vec![("service", svc.name.clone()), ("state", state.to_string())],
                        n as u64,
                    )
                })
            })
            .collect();
        family(
            e,
            "zmqtool_workers",
            "Registered workers, by service and state.",
            None,
            Gauge,
            &workers,
        )?;
        if !self.0.states.is_empty() {
            let states: Vec<_> = self
                .0
                .states
                .iter()
                .map(|(state, on)| (vec![("state", state.to_string())], u64::from(*on)))
                .collect();
            family(
                &mut encoder,
                "zmqtool_bstar_state",
                "This Binary Star server's state: 1 for the one it is in, 0 for the others.",
                None,
                Gauge,
                &states,
            )?;
        }
        let mut duration = encoder.encode_descriptor(
            "zmqtool_request_duration",
            "Time from dispatch to a worker to the final reply, by service.",
            Some(&seconds),
            MetricType::Histogram,
        )?;
        for svc in &s.services {
            let labels = vec![("service", svc.name.clone())];
            let buckets = per_bucket(svc);
            duration
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(
                    svc.latency_sum_us as f64 / 1e6,
                    svc.latency_count,
                    &buckets,
                    None,
                )?;
        }
        Ok(())
    }
}

/// The counts of each bucket alone (the encoder sums them), ending with +Inf.
fn per_bucket(svc: &mmi::ServiceStats) -> Vec<(f64, u64)> {
    let mut buckets = Vec::with_capacity(svc.latency_buckets.len() + 1);
    let mut below = 0;
    for b in &svc.latency_buckets {
        buckets.push((b.le_s, b.count.saturating_sub(below)));
        below = b.count;
    }
    buckets.push((f64::INFINITY, svc.latency_count.saturating_sub(below)));
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_has_every_metric_with_its_labels_and_ends_with_eof() {
        let stats = mmi::Stats {
            uptime_s: 3.5,
            requests: 10,
            replies: 9,
            dropped: [("queue_full".to_string(), 1)].into_iter().collect(),
            services: vec![mmi::ServiceStats {
                name: "echo".into(),
                requests: 10,
                replies: 9,
                idle: 1,
                busy: 2,
                latency_count: 9,
                latency_sum_us: 4_500,
                latency_buckets: vec![
                    mmi::Bucket {
                        le_s: 0.0001,
                        count: 0,
                    },
                    mmi::Bucket {
                        le_s: 0.001,
                        count: 9,
                    },
                ],
                ..mmi::ServiceStats::default()
            }],
            ..mmi::Stats::default()
        };
        let text = encode(stats.into()).unwrap();
        for line in [
            "zmqtool_requests_total{service=\"echo\"} 10",
            "zmqtool_replies_total{service=\"echo\"} 9",
            "zmqtool_dropped_requests_total{reason=\"queue_full\"} 1",
            "zmqtool_workers{service=\"echo\",state=\"busy\"} 2",
            "zmqtool_request_duration_seconds_bucket{le=\"0.001\",service=\"echo\"} 9",
            "zmqtool_request_duration_seconds_bucket{le=\"+Inf\",service=\"echo\"} 9",
            "zmqtool_request_duration_seconds_count{service=\"echo\"} 9",
            "zmqtool_uptime_seconds 3.5",
            "# EOF",
        ] {
            assert!(text.contains(line), "{line:?} not in:\n{text}");
        }
        assert!(
            !text.contains("bstar"),
            "a plain broker has no Binary Star state"
        );
    }

    #[test]
    fn a_binary_star_server_reports_its_state() {
        let report = Report {
            stats: mmi::Stats::default(),
            states: vec![("active", false), ("passive", true)],
        };
        let text = encode(report).unwrap();
        assert!(
            text.contains("zmqtool_bstar_state{state=\"passive\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("zmqtool_bstar_state{state=\"active\"} 0"),
            "{text}"
        );
    }
}
