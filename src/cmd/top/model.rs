//! What `zmqtool top` shows, computed from the broker's successive `mmi.stats` reports: rates
//! over the last interval, a history of requests per second, whether the broker answers. No
//! terminal and no clock here: the driver passes `now`, so every rule is unit-tested.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::mdp::mmi;

/// Samples of requests per second kept for the sparklines (more than any screen is wide).
pub const HISTORY: usize = 512;

/// Whether the broker answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// No answer yet.
    Waiting,
    Answering,
    /// Polls fail: since the first that did, and why the last one did.
    Silent {
        since: Instant,
        why: String,
    },
}

/// The order of the services' table; `s` cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    /// Busiest first.
    Rate,
    /// Longest queue first.
    Queued,
}

impl Sort {
    pub fn name(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Rate => "req/s",
            Sort::Queued => "queue",
        }
    }

    fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Rate,
            Sort::Rate => Sort::Queued,
            Sort::Queued => Sort::Name,
        }
    }
}

/// Per second over the last interval; `None` until two reports span one.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    pub requests: Option<f64>,
    pub replies: Option<f64>,
    pub dropped: Option<f64>,
}

/// One service's line.
#[derive(Debug, Clone)]
pub struct Service {
    /// Its figures in the last report.
    pub report: mmi::ServiceStats,
    pub rates: Rates,
    /// The 99th percentile of dispatch-to-reply time over the last interval, in
    /// microseconds: estimated from the broker's histogram buckets as Prometheus'
    /// `histogram_quantile` does. `None` when no reply came in the interval.
    pub p99_us: Option<f64>,
    /// Requests per second, oldest first, one per report since the service appeared.
    pub history: VecDeque<u64>,
}

impl Service {
    /// Waiting requests and no idle worker: the service is falling behind.
    pub fn behind(&self) -> bool {
        self.report.queued > 0 && self.report.idle == 0
    }

    /// Requests were dropped in the last interval.
    pub fn dropping(&self) -> bool {
        self.rates.dropped.is_some_and(|r| r > 0.0)
    }
}

/// The view's state.
#[derive(Debug)]
pub struct Model {
    pub link: Link,
    /// The last report, and when it came.
    pub last: Option<(Instant, mmi::Stats)>,
    /// The broker that sent it (of a failover list).
    pub endpoint: Option<String>,
    pub rates: Rates,
    /// Requests per second over all services, oldest first.
    pub history: VecDeque<u64>,
    services: Vec<Service>,
    pub sort: Sort,
    /// Reports whose uptime went backwards: the broker restarted (its counters with it).
    pub restarts: u32,
    /// The last line the program logged (shown at the bottom, as stderr would be scribbled
    /// over the screen).
    pub note: Option<String>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            link: Link::Waiting,
            last: None,
            endpoint: None,
            rates: Rates::default(),
            history: VecDeque::new(),
            services: Vec::new(),
            sort: Sort::Name,
            restarts: 0,
            note: None,
        }
    }
}

impl Model {
    /// A report from `endpoint`, received at `now`.
    pub fn answer(&mut self, now: Instant, endpoint: &str, report: mmi::Stats) {
        let previous = self.last.take().map(|(_, stats)| stats);
        // The broker's own clock spans the interval: a late poll does not inflate a rate.
        let span = previous
            .as_ref()
            .map(|p| report.uptime_s - p.uptime_s)
            .filter(|s| *s > 0.0);
        if previous.is_some() && span.is_none() {
            self.restarts += 1;
        }
        let before = match (&previous, span) {
            (Some(p), Some(_)) => Some(p),
            _ => None, // first report, or the broker restarted: no counts to subtract
        };
        self.rates = Rates {
            requests: rate(span, report.requests, before.map(|p| p.requests)),
            replies: rate(span, report.replies, before.map(|p| p.replies)),
            dropped: rate(
                span,
                report.dropped.values().sum(),
                before.map(|p| p.dropped.values().sum()),
            ),
        };
        push(&mut self.history, self.rates.requests);
        let mut old: HashMap<String, Service> = std::mem::take(&mut self.services)
            .into_iter()
            .map(|s| (s.report.name.clone(), s))
            .collect();
        let unseen = mmi::ServiceStats::default();
        self.services = report
            .services
            .iter()
            .map(|svc| {
                let was = old.remove(&svc.name);
                // The service's figures at the last report. One seen for the first time was
                // created within the interval: all its counts are new. After a restart (or on
                // the first report) nothing is known.
                let base = before.map(|_| was.as_ref().map_or(&unseen, |w| &w.report));
                let counted = |f: fn(&mmi::ServiceStats) -> u64| base.map(f);
                let rates = Rates {
                    requests: rate(span, svc.requests, counted(|s| s.requests)),
                    replies: rate(span, svc.replies, counted(|s| s.replies)),
                    dropped: rate(span, svc.dropped, counted(|s| s.dropped)),
                };
                let p99_us = base.and_then(|base| mmi::quantile(0.99, base, svc));
                let mut history = was.map(|w| w.history).unwrap_or_default();
                push(&mut history, rates.requests);
                Service {
                    report: svc.clone(),
                    rates,
                    p99_us,
                    history,
                }
            })
            .collect();
        self.last = Some((now, report));
        self.endpoint = Some(endpoint.to_string());
        self.link = Link::Answering;
    }

    /// A poll that got no report, at `now`, for `why`. The silence counts from the last
    /// report (the poll that failed began after it), or from now when none came yet.
    pub fn silence(&mut self, now: Instant, why: String) {
        let since = match (&self.link, &self.last) {
            (Link::Silent { since, .. }, _) => *since,
            (_, Some((answered, _))) => *answered,
            (_, None) => now,
        };
        self.link = Link::Silent { since, why };
    }

    /// How long the broker has not answered, if it does not.
    pub fn silent_for(&self, now: Instant) -> Option<Duration> {
        match &self.link {
            Link::Silent { since, .. } => Some(now.saturating_duration_since(*since)),
            _ => None,
        }
    }

    pub fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
    }

    /// The services in the chosen order (by name to break ties).
    pub fn services(&self) -> Vec<&Service> {
        let mut list: Vec<&Service> = self.services.iter().collect();
        let by_name = |a: &&Service, b: &&Service| a.report.name.cmp(&b.report.name);
        match self.sort {
            Sort::Name => list.sort_by(by_name),
            Sort::Rate => list.sort_by(|a, b| {
                let (ra, rb) = (
                    a.rates.requests.unwrap_or(0.0),
                    b.rates.requests.unwrap_or(0.0),
                );
                rb.total_cmp(&ra).then_with(|| by_name(a, b))
            }),
            Sort::Queued => list.sort_by(|a, b| {
                (b.report.queued.cmp(&a.report.queued)).then_with(|| by_name(a, b))
            }),
        }
        list
    }
}

/// Per second over `span` seconds, from a counter that was `before` and is `now`. A counter
/// that went down was reset (a service removed and made again): all of `now` is new.
fn rate(span: Option<f64>, now: u64, before: Option<u64>) -> Option<f64> {
    let (span, before) = (span?, before?);
    let delta = if now >= before { now - before } else { now };
    Some(delta as f64 / span)
}

fn push(history: &mut VecDeque<u64>, rate: Option<f64>) {
    let Some(rate) = rate else {
        return;
    };
    if history.len() == HISTORY {
        history.pop_front();
    }
    history.push_back(rate.round() as u64);
}

/// The last `width` values as bars (` ▁▂▃▄▅▆▇█`, scaled to their maximum), newest at the
/// right, padded on the left to `width`.
pub fn bars(history: &VecDeque<u64>, width: usize) -> String {
    const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let shown: Vec<u64> = history
        .iter()
        .skip(history.len().saturating_sub(width))
        .copied()
        .collect();
    let max = shown.iter().copied().max().unwrap_or(0);
    let mut out = " ".repeat(width - shown.len());
    for v in shown {
        // Any traffic at all shows as at least the lowest bar.
        let level = match (v, max) {
            (0, _) => 0,
            (v, max) => (v * 8).div_ceil(max) as usize,
        };
        out.push(LEVELS[level]);
    }
    out
}

/// A rate as it reads best in a narrow column: 0.4, 12, 1,234, 12.3k, 1.2M.
pub fn per_second(rate: f64) -> String {
    match rate {
        r if r < 10.0 && r.fract() != 0.0 => format!("{r:.1}"),
        r if r < 10_000.0 => thousands(r.round() as u64),
        r if r < 1_000_000.0 => format!("{:.1}k", r / 1e3),
        r => format!("{:.1}M", r / 1e6),
    }
}

/// 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, requests: u64, queued: usize, idle: usize) -> mmi::ServiceStats {
        mmi::ServiceStats {
            name: name.into(),
            requests,
            replies: requests - queued as u64,
            queued,
            idle,
            ..Default::default()
        }
    }

    fn report(uptime_s: f64, services: Vec<mmi::ServiceStats>) -> mmi::Stats {
        mmi::Stats {
            uptime_s,
            requests: services.iter().map(|s| s.requests).sum(),
            replies: services.iter().map(|s| s.replies).sum(),
            dropped: [("queue_full".to_string(), 0)].into(),
            services,
            ..Default::default()
        }
    }

    #[test]
    fn rates_come_from_two_reports_over_the_brokers_own_clock() {
        let mut m = Model::default();
        let t = Instant::now();
        m.answer(t, "ep", report(10.0, vec![service("echo", 100, 0, 1)]));
        assert_eq!(m.rates.requests, None);
        assert!(m.history.is_empty());
        // The poll came 3 s later, but the broker says 2 s passed: 2 s is the span.
        m.answer(
            t + Duration::from_secs(3),
            "ep",
            report(12.0, vec![service("echo", 300, 0, 1)]),
        );
        assert_eq!(m.rates.requests, Some(100.0));
        assert_eq!(m.services()[0].rates.requests, Some(100.0));
        assert_eq!(m.history, [100]);
        assert_eq!(m.services()[0].history, [100]);
    }

    #[test]
    fn a_new_service_counts_all_its_requests_and_a_reset_one_starts_again() {
        let mut m = Model::default();
        let t = Instant::now();
        m.answer(t, "ep", report(1.0, vec![service("a", 50, 0, 1)]));
        m.answer(
            t,
            "ep",
            report(2.0, vec![service("a", 10, 0, 1), service("b", 7, 0, 1)]),
        );
        let rates: Vec<_> = m.services().iter().map(|s| s.rates.requests).collect();
        assert_eq!(rates, [Some(10.0), Some(7.0)]);
    }

    #[test]
    fn a_restarted_broker_is_counted_and_gives_no_rate() {
        let mut m = Model::default();
        let t = Instant::now();
        m.answer(t, "ep", report(100.0, vec![service("a", 500, 0, 1)]));
        m.answer(t, "ep", report(1.0, vec![service("a", 5, 0, 1)]));
        assert_eq!(m.restarts, 1);
        assert_eq!(m.rates.requests, None);
        assert_eq!(m.services()[0].rates.requests, None);
        m.answer(t, "ep", report(2.0, vec![service("a", 25, 0, 1)]));
        assert_eq!(m.rates.requests, Some(20.0));
    }

    #[test]
    fn silence_keeps_its_start_and_the_last_figures() {
        let mut m = Model::default();
        let t = Instant::now();
        m.silence(t, "no broker yet".into());
        assert_eq!(
            m.silent_for(t + Duration::from_secs(1)),
            Some(Duration::from_secs(1))
        );
        m.answer(t, "ep", report(1.0, vec![service("a", 5, 0, 1)]));
        m.silence(t + Duration::from_secs(3), "no reply".into());
        m.silence(t + Duration::from_secs(6), "still none".into());
        assert_eq!(
            m.link,
            Link::Silent {
                since: t,
                why: "still none".into()
            },
            "silent since the last answer"
        );
        assert_eq!(
            m.silent_for(t + Duration::from_secs(7)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(m.services().len(), 1, "the last figures stay on screen");
        m.answer(t, "ep", report(6.0, vec![service("a", 5, 0, 1)]));
        assert_eq!(m.link, Link::Answering);
    }

    #[test]
    fn sorts_by_name_rate_and_queue() {
        let mut m = Model::default();
        let t = Instant::now();
        let two = |a: u64, b: u64| vec![service("a", a, 0, 1), service("b", b, 3, 0)];
        m.answer(t, "ep", report(1.0, two(0, 0)));
        m.answer(t, "ep", report(2.0, two(100, 10)));
        let names = |m: &Model| -> Vec<String> {
            m.services().iter().map(|s| s.report.name.clone()).collect()
        };
        assert_eq!(names(&m), ["a", "b"]);
        m.cycle_sort();
        assert_eq!(names(&m), ["a", "b"], "a is busier");
        m.cycle_sort();
        assert_eq!(names(&m), ["b", "a"], "b has a queue");
        assert!(m.services()[0].behind(), "queued with no idle worker");
        m.cycle_sort();
        assert_eq!(m.sort, Sort::Name);
    }

    #[test]
    fn drops_in_the_interval_mark_the_service() {
        let mut m = Model::default();
        let t = Instant::now();
        let with_drops = |uptime, dropped| {
            let mut svc = service("a", 10, 0, 1);
            svc.dropped = dropped;
            let mut r = report(uptime, vec![svc]);
            r.dropped.insert("queue_full".into(), dropped);
            r
        };
        m.answer(t, "ep", with_drops(1.0, 2));
        m.answer(t, "ep", with_drops(2.0, 2));
        assert!(!m.services()[0].dropping());
        m.answer(t, "ep", with_drops(3.0, 5));
        assert!(m.services()[0].dropping());
        assert_eq!(m.rates.dropped, Some(3.0));
    }

    fn timed(count: u64, buckets: &[(f64, u64)]) -> mmi::ServiceStats {
        mmi::ServiceStats {
            name: "a".into(),
            latency_count: count,
            latency_buckets: buckets
                .iter()
                .map(|&(le_s, count)| mmi::Bucket { le_s, count })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn p99_of_the_interval_comes_from_the_bucket_differences() {
        // Before: 100 fast replies. Then 100 more, 98 within 1 ms and 2 between 1 and 2 ms:
        // the 99th of those 100 is halfway through the (1 ms, 2 ms] bucket.
        let before = timed(100, &[(0.001, 100), (0.002, 100), (0.004, 100)]);
        let now = timed(200, &[(0.001, 198), (0.002, 200), (0.004, 200)]);
        let p99 = mmi::quantile(0.99, &before, &now).unwrap();
        assert!((p99 - 1_500.0).abs() < 1.0, "{p99}");
        // Nothing timed in between: nothing to say.
        assert_eq!(mmi::quantile(0.99, &now, &now), None);
        // All past the last bound: the last bound.
        let slow = timed(300, &[(0.001, 198), (0.002, 200), (0.004, 200)]);
        assert_eq!(mmi::quantile(0.99, &now, &slow), Some(4_000.0));
        // Counts went down (the service was made anew): the new counts are the interval's.
        let anew = timed(10, &[(0.001, 10), (0.002, 10), (0.004, 10)]);
        let p99 = mmi::quantile(0.99, &now, &anew).unwrap();
        assert!(p99 <= 1_000.0, "{p99}");
    }

    #[test]
    fn a_service_line_carries_its_recent_p99() {
        let mut m = Model::default();
        let t = Instant::now();
        let with = |uptime, svc: mmi::ServiceStats| report(uptime, vec![svc]);
        m.answer(t, "ep", with(1.0, timed(100, &[(0.001, 100), (0.01, 100)])));
        assert_eq!(m.services()[0].p99_us, None, "one report spans no interval");
        m.answer(t, "ep", with(2.0, timed(200, &[(0.001, 100), (0.01, 200)])));
        let p99 = m.services()[0].p99_us.unwrap();
        assert!(p99 > 1_000.0 && p99 <= 10_000.0, "{p99}");
    }

    #[test]
    fn history_is_bounded() {
        let mut h = VecDeque::new();
        for i in 0..HISTORY as u64 + 10 {
            push(&mut h, Some(i as f64));
        }
        assert_eq!(h.len(), HISTORY);
        assert_eq!(h.front(), Some(&10));
    }

    #[test]
    fn bars_scale_to_their_maximum_newest_at_the_right() {
        let h: VecDeque<u64> = [0, 1, 4, 8].into();
        assert_eq!(bars(&h, 6), "   ▁▄█");
        assert_eq!(bars(&h, 2), "▄█");
        assert_eq!(bars(&VecDeque::new(), 3), "   ");
        assert_eq!(bars(&[0, 0].into(), 2), "  ");
    }

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(per_second(0.4), "0.4");
        assert_eq!(per_second(3.0), "3");
        assert_eq!(per_second(1234.4), "1,234");
        assert_eq!(per_second(56_789.0), "56.8k");
        assert_eq!(per_second(2_500_000.0), "2.5M");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
