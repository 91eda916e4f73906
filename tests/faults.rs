//! Faults mid-traffic: the promises of the README's "Guarantees" section, checked with
//! SIGKILL. (Titanic and Binary Star crashes are in their own test files.)

mod common;

use std::time::Duration;

use common::*;

fn bench_json(endpoint: &str, duration: &str) -> serde_json::Value {
    let out = run_with_timeout(
        &[
            "--json",
            "bench",
            "--broker",
            endpoint,
            "--duration",
            duration,
            "--warmup",
            "0s",
            "--concurrency",
            "2",
            "--pipeline",
            "8",
            "--timeout",
            "5s",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap()
}

/// Workers killed while busy lose no request: the broker gives each held request to another.
#[test]
fn killing_workers_under_load_loses_no_request() {
    let b = broker(&["--heartbeat", "200ms"]);
    let opts = ["--heartbeat", "200ms", "--reconnect", "200ms"];
    let _steady = worker(&b.endpoint, "echo", &opts);
    let mut victim = worker(&b.endpoint, "echo", &opts);
    assert!(wait_until(Duration::from_secs(10), || {
        raw_call(&b.endpoint, "mmi.workers", &[b""], 1000)
            .is_some_and(|f| f.first().is_some_and(|s| s.starts_with(b"echo idle=2")))
    }));
    let ep = b.endpoint.clone();
    let load = std::thread::spawn(move || bench_json(&ep, "4s"));
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(900));
        victim.signal("KILL");
        victim.wait_exit(Duration::from_secs(5));
        victim = worker(&b.endpoint, "echo", &opts);
    }
    let report = load.join().unwrap();
    assert!(report["requests"].as_u64().unwrap() > 1000, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["timeouts"], 0, "{report}");
}

/// A broker restart is survived by the workers and by a client that retries.
#[test]
fn a_retrying_client_gets_its_reply_across_a_broker_restart() {
    let ipc = ipc();
    let ep = ipc.ep.clone();
    let mut b = broker_at(&ep, &[]);
    let _w = worker(&ep, "echo", &[]);
    wait_for_service(&ep, "echo");
    b.proc.signal("KILL");
    b.proc.wait_exit(Duration::from_secs(5));
    let ep2 = ep.clone();
    let call = std::thread::spawn(move || {
        client(
            &ep2,
            &["echo", "across", "--timeout", "500ms", "--retries", "10"],
        )
    });
    std::thread::sleep(Duration::from_millis(700));
    let _b2 = broker_at(&ep, &[]);
    let out = call.join().unwrap();
    assert_eq!(stdout(&out), "across\n", "{}", stderr(&out));
}
