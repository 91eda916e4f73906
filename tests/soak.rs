//! The soak: 60 s of `zmqtool bench` through a broker and 4 workers, one worker killed and
//! restarted every 3 s. Run it with `cargo test --release --test soak -- --ignored --nocapture`;
//! its last result is in docs/PERFORMANCE.md.

mod common;

use std::time::{Duration, Instant};

use common::*;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
#[ignore = "takes a minute: run with --ignored"]
fn soak_60s_with_a_worker_killed_every_3s() {
    let b = broker(&["--heartbeat", "250ms"]);
    let opts = ["--heartbeat", "250ms", "--reconnect", "250ms"];
    let mut workers: Vec<Proc> = (0..4).map(|_| worker(&b.endpoint, "echo", &opts)).collect();
    assert!(wait_until(Duration::from_secs(10), || {
        raw_call(&b.endpoint, "mmi.workers", &[b""], 1000)
            .is_some_and(|f| f.first().is_some_and(|s| s.starts_with(b"echo idle=4")))
    }));
    let rss_start = rss_kib(b.proc.pid());
    let ep = b.endpoint.clone();
    let load = std::thread::spawn(move || {
        run_with_timeout(
            &[
                "--json",
                "bench",
                "--broker",
                &ep,
                "--duration",
                "60s",
                "--warmup",
                "0s",
                "--concurrency",
                "4",
                "--pipeline",
                "16",
                "--timeout",
                "5s",
            ],
            Duration::from_secs(180),
        )
    });
    let started = Instant::now();
    let mut kills = 0;
    let mut rss_samples = vec![rss_start];
    while started.elapsed() < Duration::from_secs(58) {
        std::thread::sleep(Duration::from_secs(3));
        let i = kills % workers.len();
        workers[i].signal("KILL");
        workers[i].wait_exit(Duration::from_secs(5));
        workers[i] = worker(&b.endpoint, "echo", &opts);
        kills += 1;
        rss_samples.push(rss_kib(b.proc.pid()));
    }
    let out = load.join().unwrap();
    let report: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    let rss_end = rss_kib(b.proc.pid());
    eprintln!(
        "soak: {kills} worker kills; {report}; broker RSS {rss_start} KiB at start, {rss_end} KiB at end, samples {rss_samples:?}"
    );
    assert_eq!(report["errors"], 0);
    assert_eq!(report["timeouts"], 0);
    assert!(
        rss_end < rss_start * 3 + 4096,
        "broker RSS grew from {rss_start} to {rss_end} KiB"
    );
}
