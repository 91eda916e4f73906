//! `zmqtool check` from the tests: run it, and read its output as a monitoring system would:
//! the nagios line by a parser written from the monitoring plugins' guidelines, the
//! prometheus text by the Prometheus project's own parser (prometheus_client in Python).

use std::time::Duration;

use super::*;

/// One perfdata item as the guidelines define it: `'label'=value[UOM];[warn];[crit];[min];[max]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Perf {
    pub label: String,
    pub value: f64,
    pub uom: String,
    pub warn: String,
    pub crit: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A plugin's output: `SERVICE STATUS: text | perfdata`, checked against the guidelines.
#[derive(Debug)]
pub struct Plugin {
    pub service: String,
    pub status: String,
    pub text: String,
    pub perf: Vec<Perf>,
}

impl Plugin {
    pub fn perf(&self, label: &str) -> &Perf {
        self.perf
            .iter()
            .find(|p| p.label == label)
            .unwrap_or_else(|| panic!("no perfdata {label:?} in {:?}", self.perf))
    }
}

/// Parses plugin output, panicking with the rule broken: one line; `SERVICE STATUS: text`;
/// STATUS one of the four; `|` only before the perfdata; each item with a label, a numeric
/// value, a known UOM, threshold ranges in the guidelines' syntax, numeric min and max.
pub fn parse_plugin(output: &str) -> Plugin {
    let line = output
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("plugin output ends with a newline: {output:?}"));
    assert!(!line.contains('\n'), "one line only: {output:?}");
    let (text, perf) = match line.split_once('|') {
        Some((text, perf)) => (text.trim_end(), perf.trim()),
        None => (line, ""),
    };
    assert!(!perf.contains('|'), "one | only: {line}");
    let (head, text) = text
        .split_once(": ")
        .unwrap_or_else(|| panic!("`SERVICE STATUS: text`: {line}"));
    let (service, status) = head
        .split_once(' ')
        .unwrap_or_else(|| panic!("`SERVICE STATUS`: {head}"));
    assert!(
        ["OK", "WARNING", "CRITICAL", "UNKNOWN"].contains(&status),
        "status {status:?}"
    );
    assert!(!text.trim().is_empty(), "text is empty: {line}");
    Plugin {
        service: service.to_string(),
        status: status.to_string(),
        text: text.to_string(),
        perf: parse_perfdata(perf),
    }
}

fn parse_perfdata(mut rest: &str) -> Vec<Perf> {
    let mut items = Vec::new();
    while !rest.is_empty() {
        let (label, after) = if let Some(quoted) = rest.strip_prefix('\'') {
            let end = quoted.find("'=").expect("a quoted label ends with '=");
            (quoted[..end].to_string(), &quoted[end + 2..])
        } else {
            let end = rest.find('=').expect("label=value");
            let label = &rest[..end];
            assert!(
                !label.contains(' '),
                "a label with spaces is quoted: {label}"
            );
            (label.to_string(), &rest[end + 1..])
        };
        assert!(
            !label.is_empty() && !label.contains('\''),
            "label {label:?}"
        );
        let (item, next) = after.split_once(' ').unwrap_or((after, ""));
        rest = next.trim_start();
        let fields: Vec<&str> = item.split(';').collect();
        assert!(fields.len() <= 5, "at most value;warn;crit;min;max: {item}");
        let value_end = fields[0]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(fields[0].len());
        let (value, uom) = fields[0].split_at(value_end);
        assert!(
            ["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"].contains(&uom),
            "UOM {uom:?} in {item}"
        );
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        for range in [field(1), field(2)] {
            assert!(is_range(range), "threshold {range:?} in {item}");
        }
        let number = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().expect("a number"));
        items.push(Perf {
            label,
            value: value.parse().unwrap_or_else(|_| panic!("value {value:?}")),
            uom: uom.to_string(),
            warn: field(1).to_string(),
            crit: field(2).to_string(),
            min: number(field(3)),
            max: number(field(4)),
        });
    }
    items
}

/// `[@][start:]end` with start a number or `~`, end a number or empty after a colon.
fn is_range(text: &str) -> bool {
    if text.is_empty() {
        return true;
    }
    let body = text.strip_prefix('@').unwrap_or(text);
    let num = |s: &str| s.parse::<f64>().is_ok_and(f64::is_finite);
    match body.split_once(':') {
        None => num(body),
        Some((start, end)) => (start == "~" || num(start)) && (end.is_empty() || num(end)),
    }
}

/// Runs `zmqtool check ARGS`; its exit code and stdout.
pub fn check(args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check"];
    all.extend(args);
    let out = run_with_timeout(&all, Duration::from_secs(60));
    (out.status.code(), stdout(&out))
}

pub fn check_json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, out) = check(&all);
    let value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    (code, value)
}

pub fn metric(report: &serde_json::Value, name: &str) -> f64 {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no metric {name} in {report}"))["value"]
        .as_f64()
        .unwrap()
}

/// Reads prometheus text with prometheus_client's parser; prints `name value` per sample.
pub fn prometheus_samples(text: &str) -> Vec<(String, f64)> {
    let script = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    assert family.type == "gauge", (family.name, family.type)
    assert family.documentation, family.name
    for s in family.samples:
        assert set(s.labels) == {"check", "target"}, s.labels
        print(s.name, s.value)
"#;
    let mut c = std::process::Command::new("python3");
    c.args(["-c", script]);
    let out = finish(c, Some(text.as_bytes().to_vec()), Duration::from_secs(30));
    assert!(
        out.status.success(),
        "the Prometheus parser refused the output (is prometheus_client installed? python3 -m \
         pip install -r tests/interop/requirements.txt):\n{}\n{text}",
        stderr(&out)
    );
    stdout(&out)
        .lines()
        .map(|l| {
            let (name, value) = l.split_once(' ').unwrap();
            (name.to_string(), value.parse().unwrap())
        })
        .collect()
}

pub fn sample(samples: &[(String, f64)], name: &str) -> f64 {
    samples
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in {samples:?}"))
        .1
}

/// The same check in all four formats and under both exit mappings.
pub fn every_format(args: &[&str], status: &str, nagios_exit: i32, probe_exit: i32) -> Plugin {
    let mut nagios = args.to_vec();
    nagios.extend(["--format", "nagios"]);
    let (code, out) = check(&nagios);
    let plugin = parse_plugin(&out);
    assert_eq!(
        (code, plugin.status.as_str()),
        (Some(nagios_exit), status),
        "{out}"
    );
    nagios.extend(["--exit", "probe"]);
    assert_eq!(check(&nagios).0, Some(probe_exit), "--exit probe");

    let (code, json) = check_json(args);
    assert_eq!(
        (code, json["status"].as_str()),
        (Some(nagios_exit), Some(status)),
        "{json}"
    );
    assert_eq!(json["exit"], nagios_exit);
    assert!(!json["checks"].as_array().unwrap().is_empty(), "{json}");

    let mut prom = args.to_vec();
    prom.extend(["--format", "prometheus", "--exit", "probe"]);
    let (code, out) = check(&prom);
    assert_eq!(code, Some(probe_exit));
    let samples = prometheus_samples(&out);
    let up = f64::from(u8::from(probe_exit == 0));
    assert_eq!(sample(&samples, "zmqtool_check_up"), up);
    assert_eq!(sample(&samples, "probe_success"), up);
    assert_eq!(
        sample(&samples, "zmqtool_check_status"),
        f64::from(nagios_exit)
    );

    let (code, out) = check(args);
    assert_eq!(code, Some(nagios_exit));
    assert!(out.starts_with(&format!("{status}: ")), "{out}");
    plugin
}
