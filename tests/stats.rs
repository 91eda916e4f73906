//! `zmqtool stats` (mmi.stats) and `--metrics-bind` (Prometheus), end to end.

mod common;

use std::io::Write;
use std::time::Duration;

use common::*;

fn stats_json(endpoint: &str) -> serde_json::Value {
    let out = run(&["--json", "stats", "--broker", endpoint]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

/// Requests, replies and drops are counted, per service too, with the latency percentiles.
#[test]
fn stats_counts_what_the_broker_did() {
    let b = broker(&["--max-queue", "1"]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    for i in 0..5 {
        let out = client(&b.endpoint, &["echo", &i.to_string()]);
        assert_eq!(stdout(&out), format!("{i}\n"));
    }
    // Nobody serves "none": the first request waits, the second finds the queue full.
    for _ in 0..2 {
        let _ = raw_call(&b.endpoint, "none", &[b"x"], 100);
    }
    let s = stats_json(&b.endpoint);
    assert_eq!(
        (s["requests"].as_u64(), s["replies"].as_u64()),
        (Some(7), Some(5)),
        "{s}"
    );
    assert_eq!(s["dropped"]["queue_full"], 1);
    assert!(s["uptime_s"].as_f64().unwrap() > 0.0);
    let services = s["services"].as_array().unwrap();
    let echo = services.iter().find(|v| v["name"] == "echo").unwrap();
    assert_eq!(
        (echo["requests"].as_u64(), echo["replies"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(
        (echo["idle"].as_u64(), echo["busy"].as_u64()),
        (Some(1), Some(0))
    );
    let p50 = echo["latency_us"]["p50"].as_u64().unwrap();
    let max = echo["latency_us"]["max"].as_u64().unwrap();
    assert!(p50 > 0 && p50 <= max, "{echo}");
    let none = services.iter().find(|v| v["name"] == "none").unwrap();
    assert_eq!(
        (
            none["queued"].as_u64(),
            none["queued_peak"].as_u64(),
            none["dropped"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        echo["queued_peak"], 0,
        "each went straight to the idle worker"
    );
    // The table says the same.
    let out = run(&["stats", "--broker", &b.endpoint]);
    let table = stdout(&out);
    assert!(table.contains("requests 7  replies 5"), "{table}");
    assert!(table.contains("dropped: queue_full 1"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("echo ")), "{table}");
}

/// A broker without mmi.stats (the zguide's answer 501 to unknown mmi. names): exit 5 and a
/// plain reason. Played by a raw ROUTER that answers as mdbroker.c does.
#[test]
fn a_broker_without_statistics_is_exit_5() {
    let (endpoint, answer) = broker_without_statistics();
    let out = run(&["stats", "--broker", &endpoint, "--retries", "1"]);
    answer.join().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not offer statistics"),
        "{}",
        stderr(&out)
    );
}

/// `--watch` asks again until interrupted, one JSON object per refresh.
#[test]
fn watch_refreshes_until_interrupted() {
    let b = broker(&[]);
    let mut p = spawn(&[
        "--json",
        "stats",
        "--broker",
        &b.endpoint,
        "--watch",
        "200ms",
    ]);
    assert!(wait_until(Duration::from_secs(10), || p
        .stdout()
        .lines()
        .count()
        >= 3));
    p.signal("INT");
    assert_eq!(p.wait_exit(Duration::from_secs(5)), Some(130));
    for line in p.stdout().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["uptime_s"].is_number());
    }
}

/// GET `path` from `addr` (HOST:PORT); the status line and the body.
/// /metrics is valid OpenMetrics by the Prometheus project's own parser (prometheus_client in
/// Python, from tests/interop/requirements.txt), with the counters the broker keeps.
#[test]
fn metrics_parse_with_the_prometheus_parser() {
    let b = broker(&["--metrics-bind", "127.0.0.1:0"]);
    let addr = bound_endpoint(&b.proc, "metrics on http://")
        .trim_end_matches("/metrics")
        .to_string();
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    for _ in 0..3 {
        client(&b.endpoint, &["echo", "x"]);
    }
    // The snapshot is refreshed every second: wait until it shows the three replies.
    let mut body = String::new();
    assert!(
        wait_until(Duration::from_secs(10), || {
            let (status, text) = http_get(&addr, "/metrics");
            body = text;
            status.contains("200") && body.contains("zmqtool_replies_total{service=\"echo\"} 3")
        }),
        "{body}"
    );
    assert!(http_get(&addr, "/other").0.contains("404"));
    let check = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
for name in ["zmqtool_requests", "zmqtool_replies", "zmqtool_dropped_requests",
             "zmqtool_workers", "zmqtool_queued_requests", "zmqtool_request_duration_seconds",
             "zmqtool_uptime_seconds", "zmqtool_refused_connections"]:
    assert name in families, name
h = families["zmqtool_request_duration_seconds"]
assert h.type == "histogram", h.type
count = [s for s in h.samples if s.name.endswith("_count") and s.labels["service"] == "echo"]
assert count and count[0].value == 3, count
print("ok", len(families))
"#;
    let mut py = std::process::Command::new("python3")
        .args(["-c", check])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    py.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = py.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the Prometheus parser refused /metrics (is prometheus_client installed? python3 -m \
         pip install -r tests/interop/requirements.txt):\n{}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok "));
}
