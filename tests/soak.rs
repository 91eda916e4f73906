//! The soak: 60 s of `zmqtool bench` through a broker and 4 workers, one worker killed and
//! restarted every 3 s. Run it with `cargo test --release --test soak -- --ignored --nocapture`;
//! its last result is in docs/PERFORMANCE.md.

mod common;

use std::time::{Duration, Instant};

use common::*;

fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS")
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

/// The Titanic dispatcher's cost per delivery with 100,000 pending requests over 1,000
/// services, against the same over one service (docs/PERFORMANCE.md). Prints the figures;
/// run with `cargo test --release --test soak -- --ignored --nocapture dispatcher`.
#[test]
#[ignore = "a measurement: run with --ignored"]
fn dispatcher_cost_per_delivery_is_flat_in_services() {
    use zmqtool::titanic::dispatcher::{Action, Config, Dispatcher};
    use zmqtool::titanic::store::Entry;
    use zmqtool::titanic::tsp::Uuid;
    let run = |services: usize| {
        let mut d = Dispatcher::new(Config::default());
        let now = Instant::now();
        for i in 0..100_000 {
            d.add(Entry {
                uuid: Uuid::new(),
                service: format!("service-{}", i % services).into_bytes(),
                created_ms: 0,
                replied_ms: None,
            });
        }
        let started = Instant::now();
        let mut delivered = 0;
        let mut out = Vec::new();
        while d.pending() > 0 {
            d.poll(now, &mut out);
            // Answer every call at once: each Ask with a presence, each Send with a reply
            // (which may lead to more calls).
            while let Some(action) = out.pop() {
                match action {
                    Action::Ask { uuid, .. } => d.on_presence(now, uuid, true, &mut out),
                    Action::Send { uuid, .. } => {
                        d.on_reply(now, uuid, vec![b"ok".to_vec()], &mut out);
                        delivered += 1;
                    }
                    Action::Store { .. } => {}
                }
            }
        }
        started.elapsed().as_secs_f64() * 1e9 / delivered as f64
    };
    let one = run(1);
    let many = run(1000);
    eprintln!(
        "dispatcher, 100,000 requests: {one:.0} ns per delivery over 1 service, {many:.0} ns over 1,000 services ({:.2}x)",
        many / one
    );
}
