//! What a load test measured, and how it is shown: the summary, percentiles from an
//! HdrHistogram, a small text histogram, JSON with the stable field names, and thresholds.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

/// The highest latency recorded, in microseconds (anything slower is clamped to it).
pub const MAX_LATENCY_US: u64 = 60_000_000;

/// A latency histogram in microseconds, 3 significant figures.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("static bounds are valid")
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was measured, e.g. "broker (embedded, 1 echo worker)".
    pub target: String,
    /// The load model, e.g. "closed: 1 client x 100 in flight".
    pub model: String,
    pub size: usize,
    pub requests: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub elapsed: Duration,
    pub latency: Histogram<u64>,
    /// Open model: latency counted from the intended send time.
    pub corrected: bool,
    /// Ctrl-C ended the run: this is what was measured until then.
    pub interrupted: bool,
    /// With several brokers driven at once: each one's share, by endpoint.
    pub brokers: Vec<(String, Report)>,
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Percentiles {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl Report {
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }

    pub fn percentiles(&self) -> Percentiles {
        let h = &self.latency;
        let at = |q: f64| {
            if h.is_empty() {
                0
            } else {
                h.value_at_quantile(q)
            }
        };
        Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: if h.is_empty() { 0 } else { h.max() },
        }
    }

    /// Seconds, rounded to the millisecond (as `elapsed_s` shows them).
    pub fn elapsed_s(&self) -> f64 {
        round3(self.elapsed.as_secs_f64())
    }

    /// The percentiles, or `None` when nothing was answered (no latency, rather than zeros
    /// that look like a measurement).
    pub fn latency_us(&self) -> Option<Percentiles> {
        (!self.latency.is_empty()).then(|| self.percentiles())
    }

    /// The human report.
    pub fn text(&self) -> String {
        let p = self.percentiles();
        let mut s = String::new();
        let _ = writeln!(s, "target:      {}", self.target);
        let _ = writeln!(s, "load:        {}, {} B bodies", self.model, self.size);
        if self.corrected {
            let _ = writeln!(
                s,
                "             latency counted from each request's intended send time \
                 (coordinated-omission corrected)"
            );
        }
        let _ = writeln!(
            s,
            "requests:    {} ok, {} errors, {} timeouts in {:.3} s",
            self.requests,
            self.errors,
            self.timeouts,
            self.elapsed.as_secs_f64()
        );
        if self.interrupted {
            let _ = writeln!(
                s,
                "             interrupted: what was measured until Ctrl-C"
            );
        }
        let _ = writeln!(s, "throughput:  {:.0} requests/s", self.throughput());
        if self.latency.is_empty() {
            let _ = writeln!(s, "latency:     n/a (no replies)");
        } else {
            let _ = writeln!(
                s,
                "latency:     p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
                us(p.p50),
                us(p.p90),
                us(p.p99),
                us(p.p999),
                us(p.max)
            );
        }
        s.push_str(&self.histogram_text());
        for (endpoint, share) in &self.brokers {
            let _ = write!(
                s,
                "broker {endpoint}: {} ok, {} errors, {} timeouts, {:.0} requests/s",
                share.requests,
                share.errors,
                share.timeouts,
                share.throughput()
            );
            match share.latency_us() {
                Some(p) => {
                    let _ = writeln!(
                        s,
                        ", p50 {}  p99 {}  max {}",
                        us(p.p50),
                        us(p.p99),
                        us(p.max)
                    );
                }
                None => s.push('\n'),
            }
        }
        s
    }

    /// A few log-spaced buckets with bars, from the fastest to the slowest request.
    fn histogram_text(&self) -> String {
        let h = &self.latency;
        if h.is_empty() {
            return String::new();
        }
        let mut rows: Vec<(u64, u64)> = Vec::new();
        let mut upper = h.min().max(1).next_power_of_two();
        let mut below = 0u64;
        loop {
            let count = h.count_between(0, upper).saturating_sub(below);
            below += count;
            rows.push((upper, count));
            if upper >= h.max() || rows.len() >= 24 {
                break;
            }
            upper *= 2;
        }
        let total = h.len().max(1);
        let mut s =
            String::from("             latency histogram (requests at or under each bound)\n");
        let mut at_or_under = 0;
        for (bound, count) in rows {
            at_or_under += count;
            let bar = "#".repeat(((at_or_under * 40).div_ceil(total)) as usize);
            let pct = at_or_under as f64 * 100.0 / total as f64;
            let _ = writeln!(s, "  {:>10}  {:<40} {:>6.2}%", us(bound), bar, pct);
        }
        s
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A count with an optional k or M suffix (thousands, millions): `20000`, `20k`, `1.5M`.
fn parse_count(text: &str) -> Option<f64> {
    let (digits, scale) = match text.strip_suffix(['k', 'K']) {
        Some(d) => (d, 1e3),
        None => match text.strip_suffix('M') {
            Some(d) => (d, 1e6),
            None => (text, 1.0),
        },
    };
    let value: f64 = digits.parse().ok()?;
    value.is_finite().then_some(value * scale)
}

/// Microseconds for humans: 850µs, 1.25ms, 2.00s.
pub fn us(v: u64) -> String {
    us_to(v, 2)
}

/// Microseconds for humans, with `decimals` digits after the point of ms and s: with 1,
/// 850µs, 1.2ms, 2.0s.
pub fn us_to(v: u64, decimals: usize) -> String {
    if v < 1_000 {
        format!("{v}µs")
    } else if v < 1_000_000 {
        format!("{:.*}ms", decimals, v as f64 / 1e3)
    } else {
        format!("{:.*}s", decimals, v as f64 / 1e6)
    }
}

/// Whether a run measured what it set out to: exit 3 when (almost) nothing was answered, 1
/// when replies were wrong, each with a one-line cause and the flag that helps.
pub fn verdict(report: &Report, check_echo: bool) -> Result<(), (crate::runtime::Exit, String)> {
    use crate::runtime::Exit;
    let answered = report.requests;
    if report.errors > 0 {
        let hint = if check_echo {
            " (a service that does not echo needs --check none)"
        } else {
            ""
        };
        return Err((
            Exit::Failure,
            format!(
                "{} of {} replies were wrong{hint}",
                report.errors,
                report.errors + answered
            ),
        ));
    }
    if answered == 0 || report.timeouts > answered {
        return Err((
            Exit::Timeout,
            format!(
                "{answered} requests answered, {} timed out: is a broker running there, with a worker for the service? (zmqtool mmi SERVICE tells; --timeout sets the wait)",
                report.timeouts
            ),
        ));
    }
    Ok(())
}

/// A pass/fail rule on a report: `p99<5ms`, `errors==0`, `throughput>=20000`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub text: String,
    metric: Metric,
    op: Op,
    value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    P50,
    P90,
    P99,
    P999,
    Max,
    Throughput,
    Errors,
    Timeouts,
}

impl Metric {
    fn is_latency(self) -> bool {
        !matches!(self, Metric::Throughput | Metric::Errors | Metric::Timeouts)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl std::str::FromStr for Threshold {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let at = s
            .find(['<', '>', '='])
            .ok_or_else(|| format!("{text:?}: expected METRIC<VALUE, e.g. p99<5ms"))?;
        let (name, rest) = s.split_at(at);
        let (op, value) = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("=", Op::Eq),
        ]
        .iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|v| (*op, v)))
        .ok_or_else(|| format!("{text:?}: unknown comparison"))?;
        let metric = match name {
            "p50" => Metric::P50,
            "p90" => Metric::P90,
            "p99" => Metric::P99,
            "p999" | "p99.9" => Metric::P999,
            "max" => Metric::Max,
            "throughput" | "rps" => Metric::Throughput,
            "errors" => Metric::Errors,
            "timeouts" => Metric::Timeouts,
            other => {
                return Err(format!(
                    "{text:?}: unknown metric {other:?} (p50, p90, p99, p99.9, max, throughput, errors, timeouts)"
                ));
            }
        };
        let value = if metric.is_latency() {
            {
                let d = humantime::parse_duration(value)
                    .map_err(|e| format!("{text:?}: {e} (latencies look like 500us, 5ms)"))?;
                d.as_secs_f64() * 1e6
            }
        } else {
            parse_count(value).ok_or_else(|| {
                format!("{text:?}: {value:?} is not a number (like 20000, 20k or 1.5M)")
            })?
        };
        Ok(Threshold {
            text: text.to_string(),
            metric,
            op,
            value,
        })
    }
}

impl Threshold {
    /// The measured value, and whether it satisfies the rule.
    pub fn check(&self, report: &Report) -> (f64, bool) {
        let p = report.percentiles();
        let measured = match self.metric {
            Metric::P50 => p.p50 as f64,
            Metric::P90 => p.p90 as f64,
            Metric::P99 => p.p99 as f64,
            Metric::P999 => p.p999 as f64,
            Metric::Max => p.max as f64,
            Metric::Throughput => report.throughput(),
            Metric::Errors => report.errors as f64,
            Metric::Timeouts => report.timeouts as f64,
        };
        let ok = match self.op {
            Op::Lt => measured < self.value,
            Op::Le => measured <= self.value,
            Op::Gt => measured > self.value,
            Op::Ge => measured >= self.value,
            Op::Eq => measured == self.value,
        };
        (measured, ok)
    }

    /// The measured value for a message.
    pub fn show(&self, measured: f64) -> String {
        match self.metric {
            Metric::Throughput => format!("{measured:.0} requests/s"),
            Metric::Errors | Metric::Timeouts => format!("{measured:.0}"),
            _ => us(measured as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(latencies: &[u64]) -> Report {
        let mut latency = new_histogram();
        for &l in latencies {
            latency.record(l).unwrap();
        }
        Report {
            target: "t".into(),
            model: "m".into(),
            size: 64,
            requests: latencies.len() as u64,
            errors: 1,
            timeouts: 0,
            elapsed: Duration::from_secs(2),
            latency,
            corrected: false,
            interrupted: false,
            brokers: Vec::new(),
        }
    }

    #[test]
    fn thresholds_parse_and_judge() {
        let r = report(&[1000, 2000, 3000, 10_000]);
        let t: Threshold = "p99<5ms".parse().unwrap();
        let (measured, ok) = t.check(&r);
        assert!(!ok);
        // HdrHistogram reports the highest value equivalent to 10,000 at 3 significant figures.
        assert_eq!(t.show(measured), "10.01ms");
        assert!("p50 <= 3ms".parse::<Threshold>().unwrap().check(&r).1);
        assert!("errors==1".parse::<Threshold>().unwrap().check(&r).1);
        assert!(!"errors<1".parse::<Threshold>().unwrap().check(&r).1);
        assert!("throughput>=2".parse::<Threshold>().unwrap().check(&r).1);
        // A threshold with a unit suffix, like throughput>1k, is accepted.
        assert!(!"throughput>1k".parse::<Threshold>().unwrap().check(&r).1);
        assert_eq!("rps>=1.5M".parse::<Threshold>().unwrap().value, 1.5e6);
        assert!("p99.9<1s".parse::<Threshold>().unwrap().check(&r).1);
        assert!("p99<fast".parse::<Threshold>().is_err());
        assert!("p42<5ms".parse::<Threshold>().is_err());
        assert!("p99".parse::<Threshold>().is_err());
    }

    /// The histogram's shares are cumulative, as its heading "requests at or under each bound"
    /// says.
    #[test]
    fn the_histogram_is_cumulative_as_its_label_says() {
        let text = report(&[50, 60, 400, 900]).text();
        let pcts: Vec<f64> = text
            .lines()
            .filter(|l| l.trim_end().ends_with('%'))
            .map(|l| {
                l.split_whitespace()
                    .last()
                    .unwrap()
                    .trim_end_matches('%')
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(pcts.windows(2).all(|w| w[0] <= w[1]), "{text}");
        assert_eq!(pcts.last(), Some(&100.0), "{text}");
    }

    #[test]
    fn no_replies_means_no_latency_figures() {
        let r = report(&[]);
        assert!(
            r.text().contains("latency:     n/a (no replies)"),
            "{}",
            r.text()
        );
        assert!(r.latency_us().is_none());
    }

    #[test]
    fn text_report_shows_figures_and_a_histogram() {
        let text = report(&[50, 60, 400, 900]).text();
        assert!(text.contains("throughput:  2 requests/s"), "{text}");
        assert!(text.contains("p50 60µs"), "{text}");
        assert!(text.contains('#'));
    }

    #[test]
    fn microseconds_read_well() {
        assert_eq!(us(850), "850µs");
        assert_eq!(us(1250), "1.25ms");
        assert_eq!(us(2_000_000), "2.00s");
        assert_eq!(us_to(12_345, 1), "12.3ms");
        assert_eq!(us_to(4_100_000, 1), "4.1s");
    }
}
