//! Several brokers side by side: `--all-brokers` workers on every broker of their list, one
//! broker killed under load, and discovery and statistics merged across the list.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;

const WAIT: Duration = Duration::from_secs(30);

/// An echo worker for `service` on every broker of `brokers`, with fast heartbeats.
fn everywhere(brokers: &[&str], service: &str, extra: &[&str]) -> Proc {
    let mut args = vec!["worker", service, "--all-brokers", "--heartbeat", HB];
    args.extend(["--reconnect", HB]);
    for b in brokers {
        args.extend(["--broker", b]);
    }
    args.extend(extra);
    spawn(&args)
}

/// Waits until the broker at `endpoint` has no worker for `service` (MMI 404).
fn wait_for_absence(endpoint: &str, service: &str) -> bool {
    wait_until(WAIT, || {
        mmi_code(endpoint, service).as_deref() == Some("404")
    })
}

#[test]
fn an_all_brokers_worker_survives_a_broker_death_and_registers_again_when_it_returns() {
    let (ipc_a, ipc_b) = (ipc(), ipc());
    let mut a = broker_at(&ipc_a.ep, &[]);
    let b = broker_at(&ipc_b.ep, &[]);
    let w = everywhere(&[&a.endpoint, &b.endpoint], "echo", &["-v"]);
    wait_for_service(&a.endpoint, "echo");
    wait_for_service(&b.endpoint, "echo");
    assert_eq!(stdout(&client(&a.endpoint, &["echo", "via-a"])), "via-a\n");

    a.proc.kill();
    // The session with the dead broker goes silent and waits to reconnect; the other keeps
    // serving throughout.
    w.wait_stderr(&format!("broker at {} silent", a.endpoint), WAIT);
    for i in 0..20 {
        let body = format!("via-b-{i}");
        let out = client(
            &b.endpoint,
            &["echo", &body, "--timeout", "5s", "--retries", "1"],
        );
        assert_eq!(stdout(&out), format!("{body}\n"), "{}", stderr(&out));
    }
    assert_eq!(mmi_code(&b.endpoint, "echo").as_deref(), Some("200"));

    // The broker comes back on the same endpoint: the worker registers with it again.
    let a = broker_at(&ipc_a.ep, &[]);
    wait_for_service(&a.endpoint, "echo");
    let out = client(&a.endpoint, &["echo", "back", "--timeout", "5s"]);
    assert_eq!(stdout(&out), "back\n", "{}", stderr(&out));
    assert_eq!(mmi_code(&b.endpoint, "echo").as_deref(), Some("200"));
}

#[test]
fn sigterm_drains_every_broker_session_without_losing_a_reply() {
    // One job from each broker, each started and held until the stop request is in.
    let marks = tempfile::tempdir().unwrap();
    let go = marks.path().join("go");
    let job = format!(
        "read body; : > {dir}/started-$body; i=0; \
         while [ ! -e {go} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo done-$body",
        dir = marks.path().display(),
        go = go.display()
    );
    let (a, b) = (broker(&[]), broker(&[]));
    let mut w = everywhere(
        &[&a.endpoint, &b.endpoint],
        "slow",
        &["--exec", &job, "--concurrency", "2"],
    );
    wait_for_service(&a.endpoint, "slow");
    wait_for_service(&b.endpoint, "slow");
    let calls: Vec<_> = [("a", a.endpoint.clone()), ("b", b.endpoint.clone())]
        .into_iter()
        .map(|(name, ep)| {
            std::thread::spawn(move || {
                client(&ep, &["slow", name, "--timeout", "30s", "--retries", "1"])
            })
        })
        .collect();
    let started = |name: &str| marks.path().join(format!("started-{name}")).exists();
    assert!(
        wait_until(WAIT, || started("a") && started("b")),
        "both jobs should run at once; worker log:\n{}",
        w.stderr()
    );
    w.signal("TERM");
    std::fs::write(&go, b"").unwrap();
    let outs: Vec<_> = calls
        .into_iter()
        .map(|c| {
            c.join().unwrap_or_else(|_| {
                let exit = w.child.try_wait().ok().flatten();
                panic!(
                    "a reply was lost (worker exit {exit:?}); its log:\n{}",
                    w.stderr()
                )
            })
        })
        .collect();
    assert_eq!(stdout(&outs[0]), "done-a\n", "{}", stderr(&outs[0]));
    assert_eq!(stdout(&outs[1]), "done-b\n", "{}", stderr(&outs[1]));
    assert_eq!(w.wait_exit(WAIT), Some(0), "{}", w.stderr());
    // It said goodbye to both.
    assert!(wait_for_absence(&a.endpoint, "slow"));
    assert!(wait_for_absence(&b.endpoint, "slow"));
}

#[test]
fn concurrency_bounds_the_jobs_running_across_brokers() {
    // Each job records itself while it runs; with --concurrency 1 no two ever overlap, even
    // with requests coming from two brokers at once.
    let marks = tempfile::tempdir().unwrap();
    let dir = marks.path().display().to_string();
    let job = format!(
        "mkdir {dir}/running 2>/dev/null || : > {dir}/overlap; sleep 0.05; \
         rmdir {dir}/running; echo ok"
    );
    let (a, b) = (broker(&[]), broker(&[]));
    let _w = everywhere(
        &[&a.endpoint, &b.endpoint],
        "one",
        &["--exec", &job, "--credit", "4", "--concurrency", "1"],
    );
    wait_for_service(&a.endpoint, "one");
    wait_for_service(&b.endpoint, "one");
    let calls: Vec<_> = [a.endpoint.clone(), b.endpoint.clone()]
        .into_iter()
        .map(|ep| {
            std::thread::spawn(move || {
                let mut c = command();
                c.args([
                    "client",
                    "one",
                    "--broker",
                    &ep,
                    "--lines",
                    "--pipeline",
                    "4",
                ]);
                c.args(["--timeout", "20s", "--retries", "1"]);
                finish(c, Some(b"1\n2\n3\n4\n".to_vec()), WAIT * 2)
            })
        })
        .collect();
    for call in calls {
        let out = call.join().unwrap();
        assert_eq!(stdout(&out), "ok\nok\nok\nok\n", "{}", stderr(&out));
    }
    assert!(
        !marks.path().join("overlap").exists(),
        "two jobs ran at once"
    );
}

/// A `client --lines` process fed by the test, its replies counted as they come.
struct Feeder {
    proc: std::process::Child,
    input: Option<std::process::ChildStdin>,
    replies: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

impl Feeder {
    fn start(brokers: &[&str], extra: &[&str]) -> Feeder {
        let mut c = command();
        c.args(["client", "echo", "--lines"]);
        for b in brokers {
            c.args(["--broker", b]);
        }
        c.args(extra);
        let mut proc = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the client starts");
        let input = proc.stdin.take();
        let stdout = proc.stdout.take().expect("stdout is piped");
        let (replies, count) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(AtomicUsize::new(0)),
        );
        let (sink, counter) = (replies.clone(), count.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        Feeder {
            proc,
            input,
            replies,
            count,
        }
    }

    fn send(&mut self, lines: &[String]) {
        let input = self.input.as_mut().expect("stdin is open");
        for line in lines {
            writeln!(input, "{line}").expect("the client reads its input");
        }
        input.flush().unwrap();
    }

    /// Closes stdin and waits for the exit code and every reply line.
    fn finish(mut self, expected: usize) -> (Option<i32>, Vec<String>) {
        drop(self.input.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        let code = loop {
            if let Some(status) = self.proc.try_wait().unwrap() {
                break status.code();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the client never finished"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        wait_until(Duration::from_secs(10), || {
            self.count.load(Ordering::SeqCst) >= expected
        });
        let replies = self.replies.lock().unwrap().clone();
        (code, replies)
    }
}

impl Drop for Feeder {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

fn ids(client: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{client}-{i:06}")).collect()
}

#[test]
fn a_broker_killed_under_load_loses_nothing_and_answers_nothing_twice() {
    const HALF: usize = 1500;
    let mut a = broker(&[]);
    let b = broker(&[]);
    let both = [a.endpoint.as_str(), b.endpoint.as_str()];
    let _w1 = everywhere(&both, "echo", &["--concurrency", "2"]);
    let _w2 = everywhere(&both, "echo", &["--credit", "8"]);
    for ep in both {
        wait_for_service(ep, "echo");
    }
    // One client per broker, each with the other broker as its failover. A request is tried
    // twice at most (its timeout, then one retry): any that needed more would be a timeout,
    // an empty line and exit 3.
    let limits = ["--timeout", "3s", "--retries", "2"];
    let mut on_a = Feeder::start(&[&a.endpoint, &b.endpoint], &limits);
    let mut on_b = Feeder::start(&[&b.endpoint, &a.endpoint], &limits);
    let (first_a, first_b) = (ids("a", 0..HALF), ids("b", 0..HALF));
    on_a.send(&first_a);
    on_b.send(&first_b);
    // Broker A dies while its client is part-way through its first half.
    assert!(wait_until(WAIT, || on_a.count.load(Ordering::SeqCst) >= HALF / 2));
    a.proc.kill();
    // The second half comes after the death: every one of client A's starts on the dead
    // broker's socket or the failover's, and must be answered.
    on_a.send(&ids("a", HALF..2 * HALF));
    on_b.send(&ids("b", HALF..2 * HALF));
    for (feeder, name) in [(on_a, "a"), (on_b, "b")] {
        let (code, replies) = feeder.finish(2 * HALF);
        assert_eq!(code, Some(0), "client {name} did not get every reply");
        // One answer per request, in order, each its own request's: none lost, none twice.
        assert_eq!(replies.len(), 2 * HALF, "client {name}");
        let expected = ids(name, 0..2 * HALF);
        let wrong: Vec<_> = replies
            .iter()
            .zip(&expected)
            .filter(|(got, want)| got != want)
            .take(5)
            .collect();
        assert!(
            wrong.is_empty(),
            "client {name}: answers not its requests: {wrong:?}"
        );
    }
    // Broker B carried client B's requests and the rest of client A's.
    let out = run(&["stats", "--broker", &b.endpoint, "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
    let requests = stats["requests"].as_u64().unwrap_or(0);
    assert!(
        requests >= (3 * HALF) as u64,
        "broker B saw {requests} requests"
    );
}

#[test]
fn discovery_and_statistics_merge_every_broker_of_the_list() {
    let (a, b) = (broker(&[]), broker(&[]));
    let nobody = ipc();
    let both = [a.endpoint.as_str(), b.endpoint.as_str()];
    let _w = everywhere(&both, "echo", &["--concurrency", "2"]);
    let _only_b = worker(&b.endpoint, "only-b", &[]);
    wait_for_service(&a.endpoint, "echo");
    wait_for_service(&b.endpoint, "echo");
    wait_for_service(&b.endpoint, "only-b");
    assert_eq!(stdout(&client(&a.endpoint, &["echo", "x"])), "x\n");
    let list = |cmd: &[&str], brokers: &[&str]| {
        let mut args: Vec<&str> = cmd.to_vec();
        for ep in brokers {
            args.extend(["--broker", ep]);
        }
        args.extend(["--all-brokers", "--timeout", "500ms", "--retries", "1"]);
        run(&args)
    };
    let three = [a.endpoint.as_str(), b.endpoint.as_str(), nobody.ep.as_str()];

    // The service table: sums, and the brokers that carry each service with their workers.
    let out = list(&["mmi"], &three);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let echo = text.lines().find(|l| l.starts_with("echo")).expect(&text);
    let cols: Vec<&str> = echo.split_whitespace().collect();
    assert_eq!(&cols[1..4], ["4", "0", "0"], "{text}");
    assert!(
        echo.contains(&format!("{} (2), {} (2)", a.endpoint, b.endpoint)),
        "{text}"
    );
    let only = text.lines().find(|l| l.starts_with("only-b")).expect(&text);
    assert!(
        only.contains(&b.endpoint) && !only.contains(&a.endpoint),
        "{text}"
    );
    assert!(stderr(&out).contains(&nobody.ep), "{}", stderr(&out));

    let out = list(&["--json", "mmi"], &three);
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let echo = rows.iter().find(|r| r["name"] == "echo").unwrap();
    assert_eq!(echo["idle"], 4);
    assert_eq!(echo["brokers"].as_array().unwrap().len(), 2);
    assert_eq!(echo["brokers"][1]["broker"], b.endpoint.as_str());
    let silent = rows
        .iter()
        .find(|r| r["broker"] == nobody.ep.as_str())
        .unwrap();
    assert!(silent["error"].as_str().is_some());

    // One service: each broker's code; success when any broker has it.
    let out = list(&["mmi", "only-b"], &three);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("404  {}", a.endpoint)), "{text}");
    assert!(text.contains(&format!("200  {}", b.endpoint)), "{text}");
    let out = list(&["mmi", "missing"], &both);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));

    // Statistics: summed, with a row per broker in JSON.
    let out = list(&["--json", "stats"], &three);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let per_broker = report["brokers"].as_array().unwrap();
    assert_eq!(per_broker.len(), 3);
    let answered: u64 = per_broker
        .iter()
        .filter_map(|r| r["requests"].as_u64())
        .sum();
    assert_eq!(report["total"]["requests"].as_u64(), Some(answered));
    assert!(
        per_broker
            .iter()
            .any(|r| r["broker"] == nobody.ep.as_str() && r["error"].is_string())
    );
    let out = list(&["stats"], &three);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("no answer: "), "{}", stdout(&out));

    // Nobody answers: exit 3.
    let other = ipc();
    let out = list(&["mmi"], &[&nobody.ep, &other.ep]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = list(&["stats"], &[&nobody.ep, &other.ep]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn titanic_serves_on_every_broker_with_all_brokers() {
    let (a, b) = (broker(&[]), broker(&[]));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("titanic.db");
    let store = store.to_str().unwrap();
    let _t = spawn(&[
        "titanic",
        "serve",
        "--broker",
        &a.endpoint,
        "--broker",
        &b.endpoint,
        "--all-brokers",
        "--store",
        store,
        "--heartbeat",
        HB,
        "--reconnect",
        HB,
    ]);
    for ep in [&a.endpoint, &b.endpoint] {
        for service in ["titanic.request", "titanic.reply", "titanic.close"] {
            wait_for_service(ep, service);
        }
        // Stored through either broker.
        let out = run(&["titanic", "request", "echo", "hi", "--broker", ep]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(!stdout(&out).trim().is_empty(), "no request id");
    }
}
