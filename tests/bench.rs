//! `zmqtool bench` and `zmqtool perf` end to end.

mod common;

use std::time::Duration;

use common::*;

fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn bench_alone_reports_every_contract_field() {
    // The default run: embedded broker and worker, 1 s warmup, 5 s of load.
    let out = run_with_timeout(&["--json", "bench"], Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    for key in [
        "requests",
        "errors",
        "timeouts",
        "elapsed_s",
        "throughput_rps",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    for key in ["p50", "p90", "p99", "p999", "max"] {
        assert!(
            report["latency_us"][key].as_u64().is_some(),
            "missing latency_us.{key}"
        );
    }
    assert!(report["requests"].as_u64().unwrap() > 0);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["timeouts"], 0);
}

#[test]
fn text_report_has_percentiles_and_a_histogram() {
    let out = run(&[
        "bench",
        "--requests",
        "2000",
        "--warmup",
        "0s",
        "--workers",
        "2",
        "--concurrency",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("requests:    2000 ok, 0 errors, 0 timeouts"),
        "{text}"
    );
    assert!(text.contains("p99.9"), "{text}");
    assert!(text.contains("latency histogram"), "{text}");
}

#[test]
fn corrupt_replies_are_counted_as_errors() {
    let b = broker(&[]);
    // A worker that mangles what it echoes.
    let _w = worker(&b.endpoint, "echo", &["--exec", "head -c 5"]);
    wait_for_service(&b.endpoint, "echo");
    let out = run(&[
        "--json",
        "bench",
        "--broker",
        &b.endpoint,
        "--requests",
        "20",
        "--pipeline",
        "1",
        "--warmup",
        "0s",
    ]);
    // Wrong replies fail the run (exit 1), say so, and name the flag that helps.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    assert_eq!(report["errors"], 20, "{report}");
    assert_eq!(report["requests"], 0);
    assert!(report["latency_us"].is_null(), "{report}");
    let err = stderr(&out);
    assert!(
        err.contains("replies were wrong") && err.contains("--check none"),
        "{err}"
    );
}

#[test]
fn a_breached_threshold_exits_7_and_says_which() {
    let out = run(&[
        "bench",
        "--duration",
        "300ms",
        "--warmup",
        "0s",
        "--threshold",
        "p50<1us",
        "--threshold",
        "errors==0",
    ]);
    assert_eq!(out.status.code(), Some(7));
    let err = stderr(&out);
    assert!(
        err.contains("threshold p50<1us breached: measured"),
        "{err}"
    );
    assert!(
        !err.contains("errors==0"),
        "a met rule is not reported: {err}"
    );
    let out = run(&[
        "bench",
        "--duration",
        "300ms",
        "--warmup",
        "0s",
        "--threshold",
        "errors==0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn missing_replies_are_timeouts() {
    let b = broker(&[]);
    let out = run(&[
        "--json",
        "bench",
        "nobody",
        "--broker",
        &b.endpoint,
        "--requests",
        "5",
        "--pipeline",
        "5",
        "--warmup",
        "0s",
        "--timeout",
        "200ms",
    ]);
    // A run that got no reply fails; it does not pass with exit 0 and "p50 0µs".
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    assert_eq!(report["timeouts"], 5, "{report}");
    assert!(
        stderr(&out).contains("is a broker running there"),
        "{}",
        stderr(&out)
    );
}

/// --rate 0 and --rate nan are usage errors, not a panic with a backtrace.
#[test]
fn a_rate_must_be_a_positive_number() {
    for rate in ["0", "nan", "-5", "inf", "fast"] {
        let out = run(&["bench", "--rate", rate]);
        assert_eq!(out.status.code(), Some(2), "{rate}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
}

/// bench reads $ZMQTOOL_BROKER, as --broker's help says it defaults to it.
#[test]
fn bench_reads_zmqtool_broker() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let mut c = command();
    c.args(["--json", "bench", "--requests", "50", "--warmup", "0s"])
        .env("ZMQTOOL_BROKER", &b.endpoint);
    let out = finish(c, None, Duration::from_secs(60));
    let report = &json_lines(&out)[0];
    assert!(
        report["target"].as_str().unwrap().contains(&b.endpoint),
        "{report}"
    );
}

#[test]
fn open_model_paces_requests_and_says_it_is_corrected() {
    // A count, not a window: however loaded the machine, a paced sender cannot send 200
    // requests at 400/s in less than about half a second (the schedule's 199 intervals, less
    // a few for where recording starts in it); an unpaced one takes milliseconds.
    let out = run(&[
        "--json",
        "bench",
        "--rate",
        "400",
        "--requests",
        "200",
        "--warmup",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    assert_eq!(report["requests"], 200, "{report}");
    assert!(
        report["elapsed_s"].as_f64().unwrap() >= 190.0 / 400.0,
        "{report}"
    );
    assert_eq!(report["coordinated_omission_corrected"], true);
    let out = run(&[
        "bench",
        "--rate",
        "200",
        "--duration",
        "300ms",
        "--warmup",
        "0s",
    ]);
    assert!(stdout(&out).contains("coordinated-omission corrected"));
}

#[test]
fn mdp02_clients_bench_too() {
    let out = run(&[
        "--json",
        "bench",
        "--protocol",
        "0.2",
        "--requests",
        "500",
        "--warmup",
        "0s",
    ]);
    let report = &json_lines(&out)[0];
    assert_eq!(
        (report["requests"].as_u64(), report["errors"].as_u64()),
        (Some(500), Some(0))
    );
}

#[test]
fn compare_reports_broker_lean_proxy_and_ratios() {
    let out = run(&[
        "--json",
        "bench",
        "--compare",
        "--duration",
        "300ms",
        "--warmup",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    assert!(lines[0]["target"].as_str().unwrap().contains("broker"));
    assert!(
        lines[1]["target"]
            .as_str()
            .unwrap()
            .contains("lean MDP broker")
    );
    assert!(lines[2]["target"].as_str().unwrap().contains("proxy"));
    // Every reply from each target checked byte for byte: the lean broker routes correctly.
    for line in &lines[..3] {
        assert_eq!(line["errors"], 0, "{line}");
        assert!(line["requests"].as_u64().unwrap() > 0, "{line}");
    }
    let comparison = &lines[3]["comparison"];
    for ratio in [
        "throughput_ratio",
        "p50_ratio",
        "lean_throughput_ratio",
        "lean_p50_ratio",
    ] {
        assert!(comparison[ratio].as_f64().unwrap() > 0.0, "{comparison}");
    }
}

#[test]
fn perf_thr_in_one_process_and_two() {
    let out = run(&["perf", "thr", "--count", "100000", "--size", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("message size: 100 [B]") && text.contains("message count: 100000"));
    assert!(text.contains("[msg/s]") && text.contains("[Mb/s]"));

    let receiver = spawn(&[
        "--json",
        "perf",
        "thr",
        "--bind",
        "tcp://127.0.0.1:*",
        "--count",
        "50000",
        "--size",
        "10",
    ]);
    let ep = bound_endpoint(&receiver, "receiving 50000 messages of 10 B on ");
    let sender = run(&[
        "perf",
        "thr",
        "--connect",
        &ep,
        "--count",
        "50000",
        "--size",
        "10",
    ]);
    assert_eq!(sender.status.code(), Some(0));
    let mut receiver = receiver;
    assert_eq!(receiver.wait_exit(Duration::from_secs(30)), Some(0));
    let report: serde_json::Value = serde_json::from_str(receiver.stdout().trim()).unwrap();
    assert_eq!(
        (report["size"].as_u64(), report["count"].as_u64()),
        (Some(10), Some(50000))
    );
    assert!(report["msgs_per_sec"].as_f64().unwrap() > 0.0 && report["mbps"].as_f64().is_some());
}

#[test]
fn perf_lat_in_one_process_and_two() {
    let out = run(&["--json", "perf", "lat", "--count", "500", "--size", "64"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["roundtrips"], 500);
    for key in ["avg", "p50", "p99", "max"] {
        assert!(report["latency_us"][key].as_f64().unwrap() > 0.0, "{key}");
    }

    let mut echo = spawn(&[
        "perf",
        "lat",
        "--bind",
        "tcp://127.0.0.1:*",
        "--count",
        "300",
        "--size",
        "8",
    ]);
    let ep = bound_endpoint(&echo, "echoing 300 round trips of 8 B on ");
    let out = run(&[
        "perf",
        "lat",
        "--connect",
        &ep,
        "--count",
        "300",
        "--size",
        "8",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("roundtrip count: 300") && stdout(&out).contains("average latency:")
    );
    assert_eq!(echo.wait_exit(Duration::from_secs(10)), Some(0));
}

#[test]
fn bad_thresholds_are_usage_errors() {
    let out = run(&["bench", "--threshold", "p99<soon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("latencies look like"),
        "{}",
        stderr(&out)
    );
}

/// The most clients --concurrency allows all run (libzmq's 1,023 sockets per context), and
/// one more is refused as a usage error rather than failing halfway.
#[test]
fn the_most_clients_allowed_all_run_and_more_are_a_usage_error() {
    let out = run(&[
        "--json",
        "bench",
        "--concurrency",
        "1000",
        "--pipeline",
        "1",
        "--requests",
        "3000",
        "--warmup",
        "0s",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = json_lines(&out).pop().expect("a summary line");
    assert_eq!(summary["requests"], 3000, "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");
    let out = run(&["bench", "--concurrency", "1001"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("1..=1000"), "{}", stderr(&out));
}

#[test]
fn check_none_benchmarks_a_service_that_does_not_echo() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "time", &["--exec", "echo 42"]);
    wait_for_service(&b.endpoint, "time");
    let args = |check: &'static str| {
        run(&[
            "--json",
            "bench",
            "time",
            "--broker",
            &b.endpoint,
            "--requests",
            "30",
            "--pipeline",
            "1",
            "--warmup",
            "0s",
            "--check",
            check,
        ])
    };
    let report = &json_lines(&args("none"))[0];
    assert_eq!(
        (report["requests"].as_u64(), report["errors"].as_u64()),
        (Some(30), Some(0)),
        "{report}"
    );
    assert!(report["model"].as_str().unwrap().contains("shape only"));
    let report = &json_lines(&args("echo"))[0];
    assert_eq!(
        report["errors"], 30,
        "by default every reply must echo: {report}"
    );
}

/// Ctrl-C during bench prints what was measured until then (not "interrupted" alone), and
/// exits 130.
#[test]
fn ctrl_c_prints_what_was_measured() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &["--exec", "sleep 0.05; cat"]);
    wait_for_service(&b.endpoint, "echo");
    let mut bench = spawn(&[
        "--json",
        "bench",
        "--broker",
        &b.endpoint,
        "--duration",
        "60s",
        "--warmup",
        "0s",
        "--pipeline",
        "1",
    ]);
    // Running: the worker is busy with its requests.
    assert!(wait_until(Duration::from_secs(10), || {
        raw_call(&b.endpoint, "mmi.workers", &[b""], 1000).is_some_and(|f| {
            f.first()
                .is_some_and(|s| s.starts_with(b"echo idle=0 busy=1"))
        })
    }));
    bench.signal("INT");
    assert_eq!(bench.wait_exit(Duration::from_secs(20)), Some(130));
    let report: serde_json::Value = serde_json::from_str(bench.stdout().trim()).unwrap();
    assert_eq!(report["interrupted"], true, "{report}");
    assert!(report.get("throughput_rps").is_some(), "{report}");
}

/// perf lat --connect to a dead endpoint gives up, rather than wait for ever.
#[test]
fn perf_lat_gives_up_on_a_silent_peer() {
    let nobody = ipc();
    let out = run(&["perf", "lat", "--connect", &nobody.ep, "--count", "10"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no answer within"),
        "{}",
        stderr(&out)
    );
}

/// perf with CURVE, as libzmq's perf tools can: the bind end prints its public key, the
/// connect end encrypts to it.
#[test]
fn perf_measures_curve_in_two_processes() {
    let mut receiver = spawn(&[
        "--json",
        "perf",
        "thr",
        "--bind",
        "tcp://127.0.0.1:*",
        "--count",
        "20000",
        "--curve",
    ]);
    let log = receiver.wait_stderr("--curve-server-key='", Duration::from_secs(10));
    let key = log
        .split("--curve-server-key='")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_string();
    let ep = bound_endpoint(&receiver, "receiving 20000 messages of 100 B on ");
    let sender = run(&[
        "perf",
        "thr",
        "--connect",
        &ep,
        "--count",
        "20000",
        // As the receiver says, with `=`: the key may start with `-`.
        &format!("--curve-server-key={key}"),
    ]);
    assert_eq!(sender.status.code(), Some(0), "{}", stderr(&sender));
    assert_eq!(receiver.wait_exit(Duration::from_secs(30)), Some(0));
    let report: serde_json::Value = serde_json::from_str(receiver.stdout().trim()).unwrap();
    assert_eq!(report["count"], 20000);
    // --curve alone cannot encrypt a connecting end.
    let out = run(&["perf", "thr", "--connect", &ep, "--curve"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `bench --credit`: the embedded workers hold many requests each, and every reply is still
/// checked against its own request (the echo check), with several in flight per client.
#[test]
fn credited_embedded_workers_answer_every_request_exactly() {
    let out = run(&[
        "--json",
        "bench",
        "--credit",
        "16",
        "--pipeline",
        "32",
        "--concurrency",
        "2",
        "--requests",
        "4000",
        "--warmup",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    assert!(
        report["target"].as_str().unwrap().contains("credit 16"),
        "{report}"
    );
    assert_eq!(
        (
            report["requests"].as_u64(),
            report["errors"].as_u64(),
            report["timeouts"].as_u64()
        ),
        (Some(4000), Some(0), Some(0))
    );
}

#[test]
fn bench_spread_drives_several_brokers_and_reports_each() {
    let a = broker(&[]);
    let b = broker(&[]);
    let _wa = worker(&a.endpoint, "echo", &[]);
    let _wb = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&a.endpoint, "echo");
    wait_for_service(&b.endpoint, "echo");
    let out = run_with_timeout(
        &[
            "--json",
            "bench",
            "--broker",
            &a.endpoint,
            "--broker",
            &b.endpoint,
            "--spread",
            "--concurrency",
            "4",
            "--requests",
            "400",
            "--warmup",
            "0s",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = &json_lines(&out)[0];
    assert_eq!(report["requests"], 400, "{report}");
    let brokers = report["brokers"].as_array().expect("a brokers array");
    let endpoints: Vec<&str> = brokers
        .iter()
        .map(|b| b["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints, [a.endpoint.as_str(), b.endpoint.as_str()]);
    for share in brokers {
        assert_eq!(share["requests"], 200, "{share}");
        assert_eq!(share["errors"], 0, "{share}");
        assert!(share["latency_us"]["p50"].is_u64(), "{share}");
    }

    // Without --spread a list is refused (elsewhere it is a failover list), and each broker
    // needs a client of its own.
    for (extra, named) in [(None, "--spread"), (Some("--spread"), "--concurrency")] {
        let mut args = vec!["bench", "--broker", &a.endpoint, "--broker", &b.endpoint];
        args.extend(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(named), "{}", stderr(&out));
    }
}

#[test]
fn both_engines_drive_a_broker_and_direct_refuses_what_it_cannot() {
    let b = broker(&[]);
    let _w = worker(
        &b.endpoint,
        "echo",
        &["--credit", "8", "--engine", "direct"],
    );
    wait_for_service(&b.endpoint, "echo");
    // 300-byte bodies: every request and reply has a frame in ZMTP's long form.
    for engine in ["direct", "libzmq"] {
        for protocol in ["0.1", "0.2"] {
            let out = run(&[
                "--json",
                "bench",
                "--broker",
                &b.endpoint,
                "--engine",
                engine,
                "--protocol",
                protocol,
                "--requests",
                "3000",
                "--concurrency",
                "3",
                "--pipeline",
                "4",
                "--size",
                "300",
                "--warmup",
                "0s",
            ]);
            assert!(
                out.status.success(),
                "{engine} {protocol}: {}",
                stderr(&out)
            );
            let report = &json_lines(&out)[0];
            assert_eq!(
                (&report["requests"], &report["errors"], &report["timeouts"]),
                (&3000.into(), &0.into(), &0.into()),
                "{engine} {protocol}: {report}"
            );
        }
    }
    let out = run(&["bench", "--broker", "inproc://x", "--engine", "direct"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--engine direct cannot serve this: it connects to tcp://HOST:PORT or ipc://PATH, not inproc://x"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "bench",
        "--broker",
        &b.endpoint,
        "--engine",
        "direct",
        "--plain",
        "a:b",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("NULL mechanism only"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_direct_client_waits_for_a_broker_that_is_not_there_yet() {
    let ep = ipc();
    let mut bench = spawn(&[
        "-vv",
        "--json",
        "bench",
        "--broker",
        &ep.ep,
        "--engine",
        "direct",
        "--requests",
        "200",
        "--pipeline",
        "10",
        "--warmup",
        "0s",
        "--timeout",
        "60s",
    ]);
    // Its first attempt found nothing listening; its requests wait for the connection.
    bench.wait_stderr("connecting: ENOENT", Duration::from_secs(30));
    let b = broker_at(&ep.ep, &[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    assert_eq!(
        bench.wait_exit(Duration::from_secs(90)),
        Some(0),
        "{}",
        bench.stderr()
    );
    assert!(wait_until(Duration::from_secs(10), || bench
        .stdout()
        .contains('\n')));
    let report: serde_json::Value = serde_json::from_str(bench.stdout().lines().next().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {}", bench.stdout()));
    assert_eq!(
        (&report["requests"], &report["errors"], &report["timeouts"]),
        (&200.into(), &0.into(), &0.into()),
        "{report}"
    );
}
