//! A [`Report`] in each output format.
//!
//! - nagios: the plugin guidelines' one line, `KIND STATUS: text | perfdata`, perfdata as
//!   `label=value[UOM];[warn];[crit];[min];[max]` (UOM `s` for times, `c` for counters);
//! - json: one object: check, target, status, exit, summary, checks, metrics;
//! - prometheus: the text exposition format, gauges labelled with `check` and `target`;
//! - text: a status line, one line per finding, one line of values.

use std::fmt::Write as _;

use super::range::number_text;
use super::{ExitMapping, Format, Metric, Report, Status, Unit};

/// The report in `format`, ending with a newline.
pub fn render(report: &Report, format: Format, exit: ExitMapping) -> String {
    match format {
        Format::Nagios => nagios(report),
        Format::Json => json(report, exit),
        Format::Prometheus => prometheus(report),
        Format::Text => text(report),
    }
}

/// `BROKER OK: tcp://...: answered ... | rtt=0.0012s;0.25;1;0; services=3;;;0;`
pub fn nagios(report: &Report) -> String {
    let status = report.status();
    let text = one_line(&format!("{}: {}", report.target, report.summary()));
    let perf: Vec<String> = report.metrics.iter().map(perfdata).collect();
    let mut line = format!(
        "{} {}: {text}",
        report.kind.name().to_ascii_uppercase(),
        status.name()
    );
    if !perf.is_empty() {
        line.push_str(" | ");
        line.push_str(&perf.join(" "));
    }
    line.push('\n');
    line
}

/// Plugin output text is one line and never holds `|`, which starts the perfdata.
fn one_line(text: &str) -> String {
    single_line(text).replace('|', "/")
}

/// Text on one line: control characters (newlines, escapes) become spaces.
fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One perfdata item; empty trailing fields are left out, as the guidelines allow.
fn perfdata(m: &Metric) -> String {
    let uom = match m.unit {
        Unit::Seconds => "s",
        Unit::Count => "",
        Unit::Counter => "c",
    };
    let opt = |v: Option<f64>| v.map(number_text).unwrap_or_default();
    let fields = [
        format!("{}{uom}", number_text(m.value)),
        m.warn.map(|r| r.to_string()).unwrap_or_default(),
        m.crit.map(|r| r.to_string()).unwrap_or_default(),
        opt(m.min),
        opt(m.max),
    ];
    let used = fields.iter().rposition(|f| !f.is_empty()).unwrap_or(0) + 1;
    format!("{}={}", perf_label(m.name), fields[..used].join(";"))
}

/// A label is quoted when it holds a space; `=` and `'` cannot appear in one.
fn perf_label(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !matches!(c, '=' | '\'')).collect();
    if clean.contains(' ') {
        format!("'{clean}'")
    } else {
        clean
    }
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    check: &'static str,
    target: &'a str,
    status: Status,
    exit: u8,
    summary: String,
    elapsed_s: f64,
    checks: Vec<super::Finding>,
    metrics: Vec<JsonMetric>,
}

#[derive(serde::Serialize)]
struct JsonMetric {
    name: &'static str,
    value: f64,
    unit: &'static str,
    status: Status,
    warn: Option<String>,
    crit: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
}

/// One JSON object (one line).
pub fn json(report: &Report, exit: ExitMapping) -> String {
    let status = report.status();
    let object = JsonReport {
        check: report.kind.name(),
        target: &report.target,
        status,
        exit: status.exit_code(exit),
        summary: report.summary(),
        elapsed_s: report.elapsed.as_secs_f64(),
        checks: report.all_findings(),
        metrics: report
            .metrics
            .iter()
            .map(|m| JsonMetric {
                name: m.name,
                value: m.value,
                unit: match m.unit {
                    Unit::Seconds => "s",
                    Unit::Count => "count",
                    Unit::Counter => "counter",
                },
                status: m.status(),
                warn: m.warn.map(|r| r.to_string()),
                crit: m.crit.map(|r| r.to_string()),
                min: m.min,
                max: m.max,
            })
            .collect(),
    };
    // Serialising plain strings and finite numbers cannot fail; say so if it ever does.
    let mut line = serde_json::to_string(&object)
        .unwrap_or_else(|e| format!(r#"{{"error":"cannot encode the report: {e}","exit":3}}"#));
    line.push('\n');
    line
}

/// Prometheus text exposition: `zmqtool_check_up`, `zmqtool_check_status`, `probe_success`,
/// `probe_duration_seconds` and a gauge per metric, each labelled `check` and `target`.
pub fn prometheus(report: &Report) -> String {
    let status = report.status();
    let labels = format!(
        "check=\"{}\",target=\"{}\"",
        report.kind.name(),
        label_value(&report.target)
    );
    let up = f64::from(u8::from(status.healthy()));
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, value: f64| {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{labels}}} {}\n",
            number_text(value)
        );
    };
    gauge(
        "zmqtool_check_up",
        "1 when the check passed (OK or WARNING), else 0.",
        up,
    );
    gauge(
        "zmqtool_check_status",
        "The check's status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        f64::from(status as u8),
    );
    gauge(
        "probe_success",
        "1 when the check passed (OK or WARNING), else 0.",
        up,
    );
    gauge(
        "probe_duration_seconds",
        "How long the check took.",
        report.elapsed.as_secs_f64(),
    );
    for m in &report.metrics {
        let suffix = if m.unit == Unit::Seconds {
            "_seconds"
        } else {
            ""
        };
        gauge(
            &format!("zmqtool_check_{}{suffix}", m.name),
            m.help,
            m.value,
        );
    }
    out
}

/// A label value with `\`, `"` and newlines escaped.
fn label_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// `OK: broker tcp://...`, then a line per finding, then the values.
pub fn text(report: &Report) -> String {
    let mut out = format!(
        "{}: {} {}\n",
        report.status().name(),
        report.kind.name(),
        single_line(&report.target)
    );
    for f in report.all_findings() {
        let _ = writeln!(
            out,
            "  {:<9} {}",
            f.status.name().to_ascii_lowercase(),
            single_line(&f.message)
        );
    }
    if !report.metrics.is_empty() {
        let values: Vec<String> = report
            .metrics
            .iter()
            .map(|m| format!("{} {}", m.name, m.value_text()))
            .collect();
        let _ = writeln!(out, "  {}", values.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Kind, Range};
    use super::*;

    fn report() -> Report {
        let mut r = Report::new(Kind::Broker, "tcp://127.0.0.1:5555");
        r.found("answer", Status::Ok, "answered mmi.stats | in time");
        r.measured(
            Metric::time("rtt", Duration::from_micros(1200), "The round trip.").thresholds(
                Some(Range::parse_duration("250ms").unwrap()),
                Some(Range::parse_duration("1s").unwrap()),
            ),
        );
        r.measured(Metric::new("workers", Unit::Count, 3.0, "Workers.").max(10.0));
        r.measured(Metric::new(
            "heartbeat_mismatches",
            Unit::Counter,
            0.0,
            "Mismatches.",
        ));
        r.elapsed = Duration::from_millis(2);
        r
    }

    #[test]
    fn nagios_is_one_line_with_perfdata() {
        assert_eq!(
            nagios(&report()),
            "BROKER OK: tcp://127.0.0.1:5555: answered mmi.stats / in time \
             | rtt=0.0012s;0.25;1;0 workers=3;;;0;10 heartbeat_mismatches=0c;;;0\n"
        );
        let mut bad = report();
        bad.found("down", Status::Critical, "no answer\nat all");
        assert!(
            nagios(&bad).starts_with("BROKER CRITICAL: tcp://127.0.0.1:5555: no answer at all |")
        );
    }

    #[test]
    fn json_is_one_object_with_thresholds() {
        let v: serde_json::Value =
            serde_json::from_str(&json(&report(), ExitMapping::Probe)).unwrap();
        assert_eq!(v["check"], "broker");
        assert_eq!(v["status"], "OK");
        assert_eq!(v["exit"], 0);
        assert_eq!(v["metrics"][0]["name"], "rtt");
        assert_eq!(v["metrics"][0]["warn"], "0.25");
        assert_eq!(v["metrics"][0]["unit"], "s");
        assert_eq!(v["metrics"][1]["crit"], serde_json::Value::Null);
        assert_eq!(v["checks"][0]["status"], "OK");
    }

    #[test]
    fn prometheus_has_a_gauge_per_metric() {
        let mut r = report();
        r.target = "a\"b\\c".into();
        let text = prometheus(&r);
        assert!(text.contains("zmqtool_check_up{check=\"broker\",target=\"a\\\"b\\\\c\"} 1\n"));
        assert!(text.contains("# TYPE zmqtool_check_rtt_seconds gauge\n"));
        assert!(text.contains(
            "zmqtool_check_rtt_seconds{check=\"broker\",target=\"a\\\"b\\\\c\"} 0.0012\n"
        ));
        assert!(text.contains("probe_duration_seconds{"));
        assert_eq!(text.matches("# TYPE ").count(), 4 + 3);
    }

    #[test]
    fn text_is_a_status_line_findings_and_values() {
        let t = text(&report());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "OK: broker tcp://127.0.0.1:5555");
        assert_eq!(lines[1], "  ok        answered mmi.stats | in time");
        assert_eq!(lines[2], "  rtt 1.2ms, workers 3, heartbeat_mismatches 0");
    }
}
