//! Health checks (`zmqtool check`): what was found, how it is judged against thresholds, and
//! how it is told to a monitoring system. Nothing here touches a socket: `cmd::check` asks
//! the servers and fills a [`Report`]; this module decides its status and renders it.
//!
//! - [`range`]: threshold ranges as the monitoring plugins' guidelines write them;
//! - [`format`]: the four output formats (nagios, json, prometheus, text).
//!
//! The status of a report is the worst of its findings and of its metrics judged against
//! their thresholds (CRITICAL over UNKNOWN over WARNING over OK).

pub mod format;
pub mod range;

use std::time::Duration;

pub use range::Range;

/// A check's verdict, numbered as the plugin guidelines number their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }

    /// How bad it is, for picking the worst of several.
    fn severity(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Unknown => 2,
            Status::Critical => 3,
        }
    }

    /// The worse of two.
    pub fn worst(self, other: Status) -> Status {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }

    /// Healthy as a probe sees it: the server answers and serves (OK or WARNING).
    pub fn healthy(self) -> bool {
        matches!(self, Status::Ok | Status::Warning)
    }

    /// The exit code under `mapping`.
    pub fn exit_code(self, mapping: ExitMapping) -> u8 {
        match mapping {
            ExitMapping::Nagios => self as u8,
            ExitMapping::Probe => u8::from(!self.healthy()),
        }
    }
}

/// How a status becomes an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExitMapping {
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios, Icinga, Sensu; Consul reads 0 as
    /// passing, 1 as warning and the rest as critical).
    #[default]
    Nagios,
    /// 0 healthy (OK or WARNING), 1 otherwise (Docker HEALTHCHECK, Kubernetes exec probes).
    Probe,
}

/// The four output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A short human summary: the status line, then one line per finding.
    #[default]
    Text,
    /// The plugin contract: one line `ZMQTOOL KIND STATUS: text | perfdata`.
    Nagios,
    /// One JSON object: status, exit code, findings, metrics with their thresholds.
    Json,
    /// Prometheus text exposition of gauges (zmqtool_check_up, zmqtool_check_rtt_seconds...),
    /// for a textfile collector or a probe.
    Prometheus,
}

/// What kind of server a check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Broker,
    Service,
    Titanic,
    Bstar,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Broker => "broker",
            Kind::Service => "service",
            Kind::Titanic => "titanic",
            Kind::Bstar => "bstar",
        }
    }
}

/// What a measured value counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A time, in seconds.
    Seconds,
    /// A number of things now (workers, requests).
    Count,
    /// A number of events since the server started.
    Counter,
}

/// One measured value, with the thresholds it is judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Its label in perfdata and JSON; Prometheus calls it `zmqtool_check_NAME` (with
    /// `_seconds` for a time).
    pub name: &'static str,
    pub value: f64,
    pub unit: Unit,
    pub warn: Option<Range>,
    pub crit: Option<Range>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// What it measures (the Prometheus HELP line).
    pub help: &'static str,
}

impl Metric {
    /// A value with no thresholds; a count or a time starts at 0.
    pub fn new(name: &'static str, unit: Unit, value: f64, help: &'static str) -> Metric {
        Metric {
            name,
            value,
            unit,
            warn: None,
            crit: None,
            min: Some(0.0),
            max: None,
            help,
        }
    }

    /// A time, in seconds.
    pub fn time(name: &'static str, took: Duration, help: &'static str) -> Metric {
        Metric::new(name, Unit::Seconds, micros(took), help)
    }

    pub fn thresholds(mut self, warn: Option<Range>, crit: Option<Range>) -> Metric {
        self.warn = warn;
        self.crit = crit;
        self
    }

    pub fn max(mut self, max: f64) -> Metric {
        self.max = Some(max);
        self
    }

    /// CRITICAL when its critical range alerts, else WARNING when its warning range does.
    pub fn status(&self) -> Status {
        if self.crit.is_some_and(|r| r.alerts(self.value)) {
            Status::Critical
        } else if self.warn.is_some_and(|r| r.alerts(self.value)) {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    /// The value for people: `1.2ms`, `3`.
    pub fn value_text(&self) -> String {
        match self.unit {
            Unit::Seconds => seconds_text(self.value),
            Unit::Count | Unit::Counter => range::number_text(self.value),
        }
    }

    /// The range that alerted, for people: `warning range 0.5` (in base units).
    fn breach(&self) -> Option<Finding> {
        let (status, range) = match self.status() {
            Status::Critical => (Status::Critical, self.crit?),
            Status::Warning => (Status::Warning, self.warn?),
            _ => return None,
        };
        let what = if status == Status::Critical {
            "critical"
        } else {
            "warning"
        };
        let unit = if self.unit == Unit::Seconds { " s" } else { "" };
        Some(Finding::new(
            self.name,
            status,
            format!(
                "{} {} is out of its {what} range {range}{unit}",
                self.name,
                self.value_text()
            ),
        ))
    }
}

/// A time in seconds, rounded to the microsecond (perfdata needs no more).
fn micros(took: Duration) -> f64 {
    took.as_micros() as f64 / 1e6
}

/// Seconds for people: `850us`, `1.2ms`, `2.5s`.
pub fn seconds_text(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0}us", s * 1e6)
    } else if s < 1.0 {
        format!("{:.1}ms", s * 1e3)
    } else {
        format!("{s:.2}s")
    }
}

/// One thing the check found, good or bad.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub name: String,
    pub status: Status,
    pub message: String,
}

impl Finding {
    pub fn new(name: impl Into<String>, status: Status, message: impl Into<String>) -> Finding {
        Finding {
            name: name.into(),
            status,
            message: message.into(),
        }
    }
}

/// A check's result: what it found and measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub kind: Kind,
    /// What was checked: the endpoints, and the service for `check service`.
    pub target: String,
    pub findings: Vec<Finding>,
    pub metrics: Vec<Metric>,
    /// How long the whole check took.
    pub elapsed: Duration,
}

impl Report {
    pub fn new(kind: Kind, target: impl Into<String>) -> Report {
        Report {
            kind,
            target: target.into(),
            findings: Vec::new(),
            metrics: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    pub fn found(&mut self, name: impl Into<String>, status: Status, message: impl Into<String>) {
        self.findings.push(Finding::new(name, status, message));
    }

    pub fn measured(&mut self, metric: Metric) {
        self.metrics.push(metric);
    }

    /// The findings, then a finding for each metric out of its thresholds.
    pub fn all_findings(&self) -> Vec<Finding> {
        let mut all = self.findings.clone();
        all.extend(self.metrics.iter().filter_map(Metric::breach));
        all
    }

    /// The worst status of the findings and the metrics; UNKNOWN when nothing was found.
    pub fn status(&self) -> Status {
        let all = self.all_findings();
        if all.is_empty() {
            return Status::Unknown;
        }
        all.iter().fold(Status::Ok, |s, f| s.worst(f.status))
    }

    /// One line for people: the findings as bad as the status, or all of them when OK.
    pub fn summary(&self) -> String {
        let status = self.status();
        let all = self.all_findings();
        let shown: Vec<&str> = all
            .iter()
            .filter(|f| status == Status::Ok || f.status == status)
            .map(|f| f.message.as_str())
            .collect();
        if shown.is_empty() {
            "nothing was checked".to_string()
        } else {
            shown.join("; ")
        }
    }
}

/// What one server of a Binary Star pair said: its state, nothing within the wait, or why it
/// could not be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    State(crate::bstar::fsm::State),
    Silent,
    Error(String),
}

/// The verdict on a Binary Star pair from what its two servers said: OK for one active and
/// one passive; WARNING for one active and the other silent or starting (no standby);
/// CRITICAL for two actives (split brain) or none; UNKNOWN when a server could not be asked
/// and the other is not active.
pub fn judge_pair(heard: [&Heard; 2], endpoints: [&str; 2]) -> Finding {
    use crate::bstar::fsm::State;
    let is = |h: &Heard, s: State| *h == Heard::State(s);
    let active: Vec<usize> = (0..2).filter(|&i| is(heard[i], State::Active)).collect();
    let (status, message) = match active.as_slice() {
        [_, _] => (
            Status::Critical,
            format!(
                "split brain: both {} and {} are active",
                endpoints[0], endpoints[1]
            ),
        ),
        [a] => {
            let other = 1 - a;
            match heard[other] {
                Heard::State(State::Passive) => (
                    Status::Ok,
                    format!("{} is active, {} passive", endpoints[*a], endpoints[other]),
                ),
                Heard::State(s) => (
                    Status::Warning,
                    format!(
                        "{} is active, {} is {} (no standby yet)",
                        endpoints[*a],
                        endpoints[other],
                        s.name()
                    ),
                ),
                Heard::Silent => (
                    Status::Warning,
                    format!(
                        "{} is active, {} is silent (no standby)",
                        endpoints[*a], endpoints[other]
                    ),
                ),
                Heard::Error(e) => (
                    Status::Warning,
                    format!(
                        "{} is active, {} cannot be asked ({e})",
                        endpoints[*a], endpoints[other]
                    ),
                ),
            }
        }
        _ => {
            let said = |i: usize| match heard[i] {
                Heard::State(s) => s.name().to_string(),
                Heard::Silent => "silent".to_string(),
                Heard::Error(e) => format!("not asked ({e})"),
            };
            let status = if heard.iter().any(|h| matches!(h, Heard::Error(_))) {
                Status::Unknown
            } else {
                Status::Critical
            };
            (
                status,
                format!(
                    "no server is active: {} is {}, {} is {}",
                    endpoints[0],
                    said(0),
                    endpoints[1],
                    said(1)
                ),
            )
        }
    };
    Finding::new("pair", status, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_judged_by_its_actives() {
        use crate::bstar::fsm::State::{Active, Backup, Passive, Primary};
        let eps = ["tcp://a", "tcp://b"];
        let judge = |a: Heard, b: Heard| judge_pair([&a, &b], eps);
        let ok = judge(Heard::State(Passive), Heard::State(Active));
        assert_eq!(
            (ok.status, ok.message.as_str()),
            (Status::Ok, "tcp://b is active, tcp://a passive")
        );
        assert_eq!(
            judge(Heard::State(Active), Heard::State(Active)).status,
            Status::Critical
        );
        assert_eq!(
            judge(Heard::State(Passive), Heard::State(Passive)).status,
            Status::Critical
        );
        assert_eq!(
            judge(Heard::State(Primary), Heard::State(Backup)).status,
            Status::Critical
        );
        assert_eq!(judge(Heard::Silent, Heard::Silent).status, Status::Critical);
        assert_eq!(
            judge(Heard::State(Active), Heard::Silent).status,
            Status::Warning
        );
        assert_eq!(
            judge(Heard::State(Active), Heard::State(Backup)).status,
            Status::Warning
        );
        assert_eq!(
            judge(Heard::Error("bad key".into()), Heard::State(Passive)).status,
            Status::Unknown
        );
    }

    fn report() -> Report {
        let mut r = Report::new(Kind::Broker, "tcp://127.0.0.1:5555");
        r.found("answer", Status::Ok, "answered mmi.stats");
        r.measured(
            Metric::time("rtt", Duration::from_millis(300), "Round trip.").thresholds(
                Some(Range::parse_duration("250ms").unwrap()),
                Some(Range::parse_duration("1s").unwrap()),
            ),
        );
        r
    }

    #[test]
    fn the_worst_finding_or_breach_decides() {
        let mut r = report();
        assert_eq!(r.status(), Status::Warning);
        assert_eq!(
            r.summary(),
            "rtt 300.0ms is out of its warning range 0.25 s"
        );
        r.found("x", Status::Unknown, "odd");
        assert_eq!(r.status(), Status::Unknown);
        r.found("y", Status::Critical, "down");
        assert_eq!(r.status(), Status::Critical);
        assert_eq!(r.summary(), "down");
        assert_eq!(
            Report::new(Kind::Bstar, "x").status(),
            Status::Unknown,
            "a report with nothing in it proves nothing"
        );
    }

    #[test]
    fn exit_codes_follow_the_mapping() {
        let codes = |m| {
            [
                Status::Ok,
                Status::Warning,
                Status::Critical,
                Status::Unknown,
            ]
            .map(|s| s.exit_code(m))
        };
        assert_eq!(codes(ExitMapping::Nagios), [0, 1, 2, 3]);
        assert_eq!(codes(ExitMapping::Probe), [0, 0, 1, 1]);
    }

    #[test]
    fn times_read_well() {
        assert_eq!(seconds_text(0.00042), "420us");
        assert_eq!(seconds_text(0.0123), "12.3ms");
        assert_eq!(seconds_text(2.5), "2.50s");
    }
}
