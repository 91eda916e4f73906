//! `zmqtool check`: every kind against real servers, in every format, under both exit
//! mappings, failures included. The nagios line is read by a parser written from the
//! monitoring plugins' guidelines, the prometheus text by the Prometheus project's own
//! parser (prometheus_client, from tests/interop/requirements.txt).

mod common;

use std::time::Duration;

use common::check::*;
use common::*;

#[test]
fn the_plugin_parser_refuses_what_the_guidelines_forbid() {
    let ok = parse_plugin("BROKER OK: fine | rtt=0.01s;0.25;1;0 'a b'=3;;;0;10 n=2c\n");
    assert_eq!(ok.perf("a b").max, Some(10.0));
    assert_eq!(ok.perf("rtt").uom, "s");
    for bad in [
        "BROKER OK: fine\nmore\n",
        "BROKER FINE: x\n",
        "BROKER OK: x | rtt=1parsecs\n",
        "BROKER OK: x | rtt=1;1:2:3\n",
        "BROKER OK: x | a | b\n",
    ] {
        let refused = std::panic::catch_unwind(|| parse_plugin(bad)).is_err();
        assert!(refused, "{bad:?} was accepted");
    }
}

#[test]
fn check_broker_reports_counts_in_every_format() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let ep = b.endpoint.as_str();
    let plugin = every_format(&["broker", "--broker", ep, "--warn", "10s"], "OK", 0, 0);
    assert_eq!(plugin.service, "BROKER");
    assert_eq!(plugin.perf("workers").value, 1.0);
    assert_eq!(plugin.perf("services").value, 1.0);
    assert_eq!(plugin.perf("queued").value, 0.0);
    assert_eq!(plugin.perf("heartbeat_mismatches").uom, "c");
    let rtt = plugin.perf("rtt");
    assert_eq!((rtt.uom.as_str(), rtt.warn.as_str()), ("s", "10"));
    assert!(rtt.value > 0.0 && rtt.min == Some(0.0));

    // Thresholds: too few workers is CRITICAL; a round trip inside @0:1h is WARNING.
    let crit = every_format(
        &["broker", "--broker", ep, "--crit-workers", "2:"],
        "CRITICAL",
        2,
        1,
    );
    assert_eq!(crit.perf("workers").crit, "2:");
    assert!(
        crit.text
            .contains("workers 1 is out of its critical range 2:"),
        "{}",
        crit.text
    );
    every_format(
        &["broker", "--broker", ep, "--warn", "@0s:1h"],
        "WARNING",
        1,
        0,
    );
}

#[test]
fn a_stopped_broker_is_critical_within_the_timeout() {
    let mut b = broker(&[]);
    let ep = b.endpoint.clone();
    b.proc.kill();
    every_format(
        &["broker", "--broker", &ep, "--timeout", "1s"],
        "CRITICAL",
        2,
        1,
    );
    let (_, json) = check_json(&["broker", "--broker", &ep, "--timeout", "1s"]);
    assert!(
        json["summary"].as_str().unwrap().contains("no answer"),
        "{json}"
    );
    // The check ends at its deadline, not after the client's retries.
    let elapsed = json["elapsed_s"].as_f64().unwrap();
    assert!((1.0..3.0).contains(&elapsed), "{elapsed}");
}

/// A hand-played peer: a ROUTER on a free port, answered by `play` on a thread. Its endpoint,
/// and the thread to join once the check has run.
fn played_peer(
    play: impl FnOnce(zmq::Socket) + Send + 'static,
) -> (String, std::thread::JoinHandle<()>) {
    let ctx = zmq::Context::new();
    let router = ctx.socket(zmq::ROUTER).unwrap();
    router.set_linger(0).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let ep = router.get_last_endpoint().unwrap().unwrap();
    (ep, std::thread::spawn(move || play(router)))
}

#[test]
fn something_that_is_not_a_broker_is_critical() {
    // A peer that answers mmi.stats with a frame that is no report.
    let (ep, answer) = played_peer(|rep| {
        let msg = rep.recv_multipart(0).unwrap();
        rep.send_multipart([&msg[0][..], b"", b"MDPC01", b"mmi.stats", b"hello"], 0)
            .unwrap();
    });
    let (code, json) = check_json(&["broker", "--broker", &ep, "--timeout", "2s"]);
    answer.join().unwrap();
    assert_eq!(
        (code, json["status"].as_str()),
        (Some(2), Some("CRITICAL")),
        "{json}"
    );
    assert!(
        json["summary"]
            .as_str()
            .unwrap()
            .contains("not a statistics report"),
        "{json}"
    );
}

#[test]
fn a_broker_without_statistics_is_asked_less() {
    // The zguide's brokers answer 501 to mmi.stats and mmi.workers: mmi.service is left.
    let (ep, answer) = played_peer(|router| {
        for _ in 0..3 {
            let msg = router.recv_multipart(0).unwrap();
            let service = msg[3].clone();
            let code: &[u8] = if service == b"mmi.service" {
                b"200"
            } else {
                b"501"
            };
            router
                .send_multipart([&msg[0][..], b"", b"MDPC01", &service, code], 0)
                .unwrap();
        }
    });
    let (code, out) = check(&["broker", "--broker", &ep, "--format", "nagios"]);
    answer.join().unwrap();
    let plugin = parse_plugin(&out);
    assert_eq!((code, plugin.status.as_str()), (Some(0), "OK"), "{out}");
    assert!(plugin.text.contains("answered mmi.service"), "{out}");
    assert_eq!(plugin.perf.len(), 1, "only the round trip is known: {out}");
}

#[test]
fn heartbeat_mismatches_warn_and_are_counted_per_service() {
    let b = broker(&["--heartbeat", "1s", "--metrics-bind", "127.0.0.1:0"]);
    let addr = bound_endpoint(&b.proc, "metrics on http://")
        .trim_end_matches("/metrics")
        .to_string();
    let _w = worker(&b.endpoint, "echo", &["--heartbeat", "250ms"]);
    let mut last = serde_json::Value::Null;
    let warned = wait_until(Duration::from_secs(20), || {
        let (code, json) = check_json(&["broker", "--broker", &b.endpoint]);
        last = json;
        code == Some(1) && metric(&last, "heartbeat_mismatches") >= 1.0
    });
    assert!(warned, "{last}\n{}", b.proc.stderr());
    assert_eq!(last["status"], "WARNING");
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .contains("heartbeat mismatch"),
        "{last}"
    );
    let (code, json) = check_json(&[
        "service",
        "echo",
        "--broker",
        &b.endpoint,
        "--min-workers",
        "0",
    ]);
    assert_eq!(code, Some(1), "{json}");
    assert!(metric(&json, "heartbeat_mismatches") >= 1.0);
    // The statistics and the metrics say it per service.
    let out = run(&["--json", "stats", "--broker", &b.endpoint]);
    let stats: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert!(
        stats["heartbeat_mismatches"].as_u64().unwrap() >= 1,
        "{stats}"
    );
    let echo = &stats["services"][0];
    assert_eq!(echo["name"], "echo");
    assert!(
        echo["heartbeat_mismatches"].as_u64().unwrap() >= 1,
        "{stats}"
    );
    let mut body = String::new();
    let published = wait_until(Duration::from_secs(10), || {
        body = http_get(&addr, "/metrics").1;
        body.lines().any(|l| {
            l.starts_with("zmqtool_heartbeat_mismatches_total{service=\"echo\"} ")
                && !l.ends_with(" 0")
        })
    });
    assert!(published, "{body}");
}

#[test]
fn check_service_counts_workers_and_sends_a_real_request() {
    let b = broker(&[]);
    let ep = b.endpoint.as_str();
    // No worker: CRITICAL, and no request is sent to wait out the timeout.
    let (code, json) = check_json(&["service", "echo", "--broker", ep, "--request", "ping"]);
    assert_eq!(code, Some(2), "{json}");
    assert!(
        json["summary"].as_str().unwrap().contains("no worker"),
        "{json}"
    );
    let _w = worker(ep, "echo", &[]);
    wait_for_service(ep, "echo");
    let plugin = every_format(
        &[
            "service",
            "echo",
            "--broker",
            ep,
            "--request",
            "ping",
            "--expect",
            "^ping$",
        ],
        "OK",
        0,
        0,
    );
    assert_eq!(plugin.perf("workers").value, 1.0);
    assert_eq!(plugin.perf("workers").crit, "1:");
    // A reply that does not match is CRITICAL.
    let (code, json) = check_json(&[
        "service",
        "echo",
        "--broker",
        ep,
        "--request",
        "ping",
        "--expect",
        "^pong$",
    ]);
    assert_eq!(code, Some(2), "{json}");
    assert!(
        json["summary"].as_str().unwrap().contains("does not match"),
        "{json}"
    );
    // Too few workers.
    let (code, _) = check(&["service", "echo", "--broker", ep, "--min-workers", "2"]);
    assert_eq!(code, Some(2));
    // A queue longer than --max-queue: requests for a service nobody serves wait.
    let _ = raw_call(ep, "none", &[b"x"], 100);
    let queued = wait_until(Duration::from_secs(10), || {
        let (code, json) = check_json(&[
            "service",
            "none",
            "--broker",
            ep,
            "--min-workers",
            "0",
            "--max-queue",
            "0",
        ]);
        code == Some(2) && metric(&json, "queued") == 1.0
    });
    assert!(queued);
}

#[test]
fn check_titanic_makes_a_round_trip_and_reports_pending_requests() {
    let b = broker(&[]);
    let ep = b.endpoint.as_str();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("t.db");
    let mut titanic = spawn(&[
        "titanic",
        "serve",
        "--broker",
        ep,
        "--store",
        store.to_str().unwrap(),
        "--heartbeat",
        HB,
        "--reconnect",
        HB,
    ]);
    titanic.wait_stderr("titanic serving", Duration::from_secs(10));
    for service in [
        "titanic.request",
        "titanic.reply",
        "titanic.close",
        "titanic.stats",
    ] {
        wait_for_service(ep, service);
    }
    let plugin = every_format(&["titanic", "--broker", ep], "OK", 0, 0);
    assert_eq!(plugin.perf("pending").value, 0.0);
    assert_eq!(plugin.perf("oldest_pending").uom, "s");
    assert!(
        plugin.text.contains("request, reply (pending), close"),
        "{}",
        plugin.text
    );

    // Through a real service.
    let _w = worker(ep, "echo", &[]);
    wait_for_service(ep, "echo");
    let (code, json) = check_json(&["titanic", "--broker", ep, "--service", "echo"]);
    assert_eq!(code, Some(0), "{json}");
    assert!(
        json["summary"]
            .as_str()
            .unwrap()
            .contains("reply from echo"),
        "{json}"
    );

    // A request nobody serves stays pending: the queue thresholds see it.
    let out = run(&["titanic", "request", "nobody", "x", "--broker", ep]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (code, json) = check_json(&["titanic", "--broker", ep, "--crit-queue", "0"]);
    assert_eq!(code, Some(2), "{json}");
    assert_eq!(metric(&json, "pending"), 1.0);
    let (code, json) = check_json(&["titanic", "--broker", ep, "--warn-age", "@0s:1h"]);
    assert_eq!(code, Some(1), "{json}");

    // A stopped server: its services lose their workers, CRITICAL.
    titanic.kill();
    let mut last = serde_json::Value::Null;
    let down = wait_until(Duration::from_secs(20), || {
        // CRITICAL at once (its services' workers do not answer), then, once the broker has
        // expired them, because they have none.
        let (code, json) = check_json(&["titanic", "--broker", ep, "--timeout", "1s"]);
        assert_eq!(code, Some(2), "{json}");
        last = json;
        last["summary"].as_str().unwrap().contains("has no worker")
    });
    assert!(down, "{last}");
}

/// Two missed beats (800 ms) make a peer dead.
const PEER_HB: &str = "400ms";

fn bstar_server(role: &str, front: &str, bind: &str, connect: &str) -> Proc {
    let p = spawn(&[
        "bstar",
        role,
        "--echo",
        "--frontend",
        front,
        "--state-bind",
        bind,
        "--state-connect",
        connect,
        "--peer-heartbeat",
        PEER_HB,
    ]);
    p.wait_stderr("serving", Duration::from_secs(10));
    p
}

fn bstar_status(ep: &str) -> String {
    stdout(&run(&["bstar", "status", ep, "--wait", "2s"]))
        .trim()
        .to_string()
}

#[test]
fn check_bstar_says_which_is_active_and_catches_split_brain() {
    let dir = tempfile::tempdir().unwrap();
    let ep = |name: &str| format!("ipc://{}/{name}", dir.path().display());
    let (pf, bf, ps, bs) = (ep("pf"), ep("bf"), ep("ps"), ep("bs"));
    let _primary = bstar_server("--primary", &pf, &ps, &bs);
    let mut backup = bstar_server("--backup", &bf, &bs, &ps);
    let paired = wait_until(Duration::from_secs(20), || {
        bstar_status(&ps) == "active" && bstar_status(&bs) == "passive"
    });
    assert!(paired);
    let plugin = every_format(&["bstar", &ps, &bs, "--timeout", "3s"], "OK", 0, 0);
    assert_eq!(plugin.perf("active").value, 1.0);
    assert!(
        plugin
            .text
            .contains(&format!("{ps} is active, {bs} passive")),
        "{}",
        plugin.text
    );

    // The backup gone: still served, no standby.
    backup.kill();
    every_format(&["bstar", &ps, &bs, "--timeout", "2s"], "WARNING", 1, 0);

    // Split brain: two primaries whose state endpoints do not reach each other, each made
    // active by a client.
    let (af, as_, bf2, bs2) = (ep("af"), ep("as"), ep("bf2"), ep("bs2"));
    let _a = bstar_server("--primary", &af, &as_, &ep("nowhere-a"));
    let _b = bstar_server("--primary", &bf2, &bs2, &ep("nowhere-b"));
    assert!(ask_until(&af, || bstar_status(&as_) == "active"));
    assert!(ask_until(&bf2, || bstar_status(&bs2) == "active"));
    let plugin = every_format(&["bstar", &as_, &bs2, "--timeout", "3s"], "CRITICAL", 2, 1);
    assert_eq!(plugin.perf("active").value, 2.0);
    assert!(plugin.text.contains("split brain"), "{}", plugin.text);

    // Nobody there at all.
    let (code, json) = check_json(&["bstar", &ep("x"), &ep("y"), "--timeout", "1s"]);
    assert_eq!(
        (code, json["status"].as_str()),
        (Some(2), Some("CRITICAL")),
        "{json}"
    );
}

#[test]
fn bad_thresholds_are_usage_errors() {
    for args in [
        &["check", "broker", "--warn", "10"][..],
        &["check", "broker", "--crit", "2s:1s"],
        &["check", "service", "echo", "--crit-workers", "x"],
        &["check", "service", "echo", "--expect", "("],
        &["check", "service", "echo", "--expect", "x"],
        &["check", "bstar", "tcp://127.0.0.1:1"],
        &["check", "broker", "--format", "xml"],
        &["check", "service", "echo", "--protocol", "majortomo"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

/// The checks take the client commands' PLAIN and CURVE flags; a key that cannot be read
/// makes the check impossible (UNKNOWN), a wrong password makes the broker silent (CRITICAL).
#[test]
fn checks_take_the_plain_and_curve_flags() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users");
    std::fs::write(&users, "ann:s3cret\n").unwrap();
    let plain = broker(&["--plain-users", users.to_str().unwrap()]);
    let ep = plain.endpoint.as_str();
    let ok = wait_until(Duration::from_secs(20), || {
        check(&["broker", "--broker", ep, "--plain", "ann:s3cret"]).0 == Some(0)
    });
    assert!(ok, "{}", plain.proc.stderr());
    let wrong = [
        "broker",
        "--broker",
        ep,
        "--plain",
        "ann:wrong",
        "--timeout",
        "1s",
    ];
    assert_eq!(check(&wrong).0, Some(2));

    let cert = dir.path().join("broker");
    let out = run(&["keygen", "--out", cert.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let secret = dir.path().join("broker_secret");
    let curve = broker(&["--curve-secret", secret.to_str().unwrap()]);
    let ep = curve.endpoint.as_str();
    let key = cert.to_str().unwrap();
    let ok = wait_until(Duration::from_secs(20), || {
        check(&["broker", "--broker", ep, "--curve-server-key", key]).0 == Some(0)
    });
    assert!(ok, "{}", curve.proc.stderr());
    let missing = dir.path().join("nothing");
    let (code, json) = check_json(&[
        "broker",
        "--broker",
        ep,
        "--curve-server-key",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(
        (code, json["status"].as_str()),
        (Some(3), Some("UNKNOWN")),
        "{json}"
    );
}
