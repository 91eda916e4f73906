//! `zmqtool worker`: --exec, failures, concurrency, reconnection, failover, draining.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn exec_serves_and_uppercases() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "upper", &["--exec", "tr a-z A-Z"]);
    wait_for_service(&b.endpoint, "upper");
    let out = client(&b.endpoint, &["upper", "hello world"]);
    assert_eq!(stdout(&out), "HELLO WORLD\n", "{}", stderr(&out));
}

#[test]
fn failing_hanging_and_silent_commands_get_recognisable_replies() {
    let b = broker(&[]);
    let cmd = r#"read x; case "$x" in fail) echo broken >&2; exit 3;; hang) sleep 30;; quiet) ;; *) echo "ok $x";; esac"#;
    let _w = worker(
        &b.endpoint,
        "svc",
        &["--exec", cmd, "--exec-timeout", "300ms"],
    );
    wait_for_service(&b.endpoint, "svc");

    let out = client(&b.endpoint, &["--json", "svc", "fail"]);
    assert_eq!(out.status.code(), Some(1));
    let reply: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        reply["frames"],
        serde_json::json!(["zmqtool-error", "exit status 3", "broken\n"])
    );
    assert!(stderr(&out).contains("exit status 3") && stderr(&out).contains("broken"));

    let out = client(&b.endpoint, &["svc", "hang", "--timeout", "5s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("timed out after 300ms"),
        "{}",
        stderr(&out)
    );

    let out = client(&b.endpoint, &["svc", "quiet"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "\n", "no output is one empty frame");

    // The same worker still serves.
    let out = client(&b.endpoint, &["svc", "fine"]);
    assert_eq!(stdout(&out), "ok fine\n");
}

/// Four requests to a worker whose --exec is a barrier: each job marks itself started and
/// waits for all four, so the replies come only if four jobs run at once (else a job times out
/// and fails). `extra` says how the worker runs them; `registered` is the start of the
/// service's mmi.workers line once it is ready.
fn four_jobs_at_once(extra: &[&str], registered: &[u8]) {
    let marks = tempfile::tempdir().unwrap();
    let b = broker(&[]);
    let barrier = format!(
        "read x; touch {dir}/$x; while [ $(ls {dir} | wc -l) -lt 4 ]; do sleep 0.02; done; echo $x",
        dir = marks.path().display()
    );
    let mut args = vec!["--exec", &barrier, "--exec-timeout", "20s"];
    args.extend(extra);
    let _w = worker(&b.endpoint, "sleepy", &args);
    let up = wait_until(Duration::from_secs(10), || {
        raw_call(&b.endpoint, "mmi.workers", &[b""], 1000)
            .is_some_and(|f| f.first().is_some_and(|s| s.starts_with(registered)))
    });
    assert!(
        up,
        "the worker registers as {}",
        String::from_utf8_lossy(registered)
    );
    let calls: Vec<_> = (0..4)
        .map(|i| {
            let ep = b.endpoint.clone();
            std::thread::spawn(move || {
                client(
                    &ep,
                    &[
                        "sleepy",
                        &i.to_string(),
                        "--timeout",
                        "30s",
                        "--retries",
                        "1",
                    ],
                )
            })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let out = call.join().unwrap();
        assert_eq!(stdout(&out), format!("{i}\n"), "{}", stderr(&out));
    }
}

#[test]
fn concurrency_runs_commands_at_once() {
    // Four sessions, four connections.
    four_jobs_at_once(&["--concurrency", "4"], b"sleepy idle=4");
}

#[test]
fn nul_mode_passes_frames_with_newlines_intact() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "cat0", &["--exec", "cat", "-0"]);
    wait_for_service(&b.endpoint, "cat0");
    let out = client(&b.endpoint, &["--json", "cat0", "a\nb", "c"]);
    let reply: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(reply["frames"], serde_json::json!(["a\nb", "c"]));
}

#[test]
fn stream_sends_lines_as_partials_to_an_mdp02_client() {
    let b = broker(&[]);
    let cmd = "echo one; sleep 0.3; echo two; sleep 0.3; echo three";
    let _w = worker(
        &b.endpoint,
        "lines",
        &["--protocol", "0.2", "--exec", cmd, "--stream"],
    );
    wait_for_service(&b.endpoint, "lines");
    let out = client(&b.endpoint, &["--json", "--protocol", "0.2", "lines"]);
    let replies: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shown: Vec<(bool, String)> = replies
        .iter()
        .map(|r| {
            (
                r["final"].as_bool().unwrap(),
                r["frames"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (false, "one".into()),
            (false, "two".into()),
            (true, "three".into())
        ]
    );
    // An MDP/0.1 client gets the same lines gathered into one reply.
    let out = client(&b.endpoint, &["lines"]);
    assert_eq!(stdout(&out), "one\ntwo\nthree\n");
}

#[test]
fn stream_needs_protocol_02() {
    let out = run(&["worker", "x", "--exec", "cat", "--stream"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--protocol 0.2"));
}

#[test]
fn a_worker_killed_while_holding_a_request_has_it_redone() {
    let b = broker(&["-v"]);
    let mut slow = worker(&b.endpoint, "job", &["--exec", "sleep 30"]);
    wait_for_service(&b.endpoint, "job");
    let ep = b.endpoint.clone();
    let call = std::thread::spawn(move || {
        client(
            &ep,
            &["job", "payload", "--timeout", "20s", "--retries", "1"],
        )
    });
    // Wait until the slow worker holds it, then kill it outright.
    assert!(wait_until(Duration::from_secs(10), || {
        raw_call(&b.endpoint, "mmi.workers", &[b""], 1000).is_some_and(|f| {
            f.first()
                .is_some_and(|s| s.starts_with(b"job idle=0 busy=1"))
        })
    }));
    slow.signal("KILL");
    slow.wait_exit(Duration::from_secs(5));
    let _good = worker(&b.endpoint, "job", &[]);
    let out = call.join().unwrap();
    assert_eq!(stdout(&out), "payload\n", "{}", stderr(&out));
    assert!(b.proc.stderr().contains("requeued"));
}

#[test]
fn worker_survives_a_broker_restart() {
    let ipc = ipc();
    let ep = ipc.ep.clone();
    let mut b = broker_at(&ep, &[]);
    let _w = worker(&ep, "echo", &["-v"]);
    wait_for_service(&ep, "echo");
    b.proc.signal("KILL");
    b.proc.wait_exit(Duration::from_secs(5));
    let b2 = broker_at(&ep, &[]);
    wait_for_service(&b2.endpoint, "echo");
    let out = client(&ep, &["echo", "again"]);
    assert_eq!(stdout(&out), "again\n");
}

#[test]
fn worker_fails_over_to_the_next_broker() {
    let nobody = ipc();
    let dead = nobody.ep.clone();
    let b = broker(&[]);
    let w = worker(&dead, "echo", &["--broker", &b.endpoint, "-v"]);
    wait_for_service(&b.endpoint, "echo");
    let log = w.stderr();
    assert!(log.contains(&format!("broker at {dead} silent")), "{log}");
}

#[test]
fn sigterm_drains_a_busy_worker_without_losing_its_reply() {
    // The job says when it has started and then waits for the test's go, so the stop request
    // certainly comes while it runs (the broker's "busy" alone was not enough: it shows from
    // the moment the request is sent, and a worker stopped before it has read the request
    // declines it instead).
    let marks = tempfile::tempdir().unwrap();
    let (started, go) = (marks.path().join("started"), marks.path().join("go"));
    let job = format!(
        ": > {}; i=0; while [ ! -e {} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; \
         echo done",
        started.display(),
        go.display()
    );
    let b = broker(&[]);
    let mut w = worker(&b.endpoint, "slow", &["--exec", &job]);
    wait_for_service(&b.endpoint, "slow");
    let ep = b.endpoint.clone();
    let call = std::thread::spawn(move || {
        client(&ep, &["slow", "x", "--timeout", "20s", "--retries", "1"])
    });
    assert!(
        wait_until(Duration::from_secs(30), || started.exists()),
        "the job never started"
    );
    assert!(wait_until(Duration::from_secs(10), || {
        raw_call(&b.endpoint, "mmi.workers", &[b""], 1000).is_some_and(|f| {
            f.first()
                .is_some_and(|s| s.starts_with(b"slow idle=0 busy=1"))
        })
    }));
    w.signal("TERM");
    std::fs::write(&go, b"").unwrap();
    let out = call.join().unwrap();
    assert_eq!(stdout(&out), "done\n", "{}", stderr(&out));
    assert_eq!(w.wait_exit(Duration::from_secs(20)), Some(0));
    // It said goodbye: the broker has no worker left for the service.
    assert!(wait_until(Duration::from_secs(10), || {
        mmi_code(&b.endpoint, "slow").as_deref() == Some("404")
    }));
}

#[test]
fn a_bad_broker_endpoint_is_a_clear_error() {
    let out = run(&["worker", "echo", "--broker", "nonsense"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot connect to nonsense"),
        "{}",
        stderr(&out)
    );
}

/// After a DISCONNECT moves a worker on to a dead broker of its list, the worker must not
/// block for ever in recv: its new socket gets the same finite receive timeout as the old.
#[test]
fn a_worker_disconnected_onto_a_dead_broker_comes_back() {
    let (ipc, nobody) = (ipc(), ipc());
    let (ep, dead) = (ipc.ep.clone(), nobody.ep.clone());
    // A 1 s heartbeat makes nearly every wait the 100 ms maximum, so the timeout the driver
    // remembered equals the next one and the bug cannot hide.
    let mut b = broker_at(&ep, &["--heartbeat", "1s"]);
    let w = worker(
        &ep,
        "echo",
        &[
            "--broker",
            &dead,
            "-v",
            "--heartbeat",
            "1s",
            "--reconnect",
            "100ms",
        ],
    );
    wait_for_service(&ep, "echo");
    // A restarted broker answers the worker's next heartbeat with DISCONNECT; the worker then
    // tries the dead broker, finds it silent, and must come back.
    b.proc.signal("KILL");
    b.proc.wait_exit(Duration::from_secs(5));
    let _b2 = broker_at(&ep, &["--heartbeat", "1s"]);
    assert!(
        wait_until(Duration::from_secs(15), || mmi_code(&ep, "echo").as_deref()
            == Some("200")),
        "the worker never came back: {}",
        w.stderr()
    );
    assert!(w.stderr().contains("sent DISCONNECT"), "{}", w.stderr());
}

#[test]
fn reserved_and_empty_service_names_are_usage_errors() {
    for name in ["mmi.x", ""] {
        let out = run(&["worker", name, "--broker", "tcp://127.0.0.1:1"]);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {}", stderr(&out));
    }
}

/// A worker the broker refuses at READY logs each refusal and waits it out, doubling the wait,
/// rather than reconnect in a tight loop (about 2,800 READYs a second, both CPUs busy).
#[test]
fn a_refused_worker_backs_off_and_says_so() {
    let b = broker(&["--max-service-len", "4"]);
    let w = worker(&b.endpoint, "too-long", &[]);
    let log = w.wait_stderr("trying again in 1s", Duration::from_secs(20));
    let refusals = |text: &str| text.matches("refused worker").count();
    assert!(
        log.contains("trying again in 250ms") && log.contains("trying again in 500ms"),
        "{log}"
    );
    // Every READY the broker refused is one the worker reported and waited out.
    let broker_log = b.proc.stderr();
    assert!(
        broker_log.matches("refused a message").count() <= refusals(&w.stderr()) + 1,
        "broker:\n{broker_log}\nworker:\n{}",
        w.stderr()
    );
}

/// --filter: one long-running command per session, a line in and a line out per request.
#[test]
fn filter_answers_every_line_through_long_running_commands() {
    let b = broker(&[]);
    let w = worker(
        &b.endpoint,
        "upper",
        &[
            "--filter",
            "sed -u 's/.*/\\U&/'",
            "--concurrency",
            "2",
            "-v",
        ],
    );
    wait_for_service(&b.endpoint, "upper");
    let input: String = (0..300).map(|i| format!("line {i}\n")).collect();
    let mut c = command();
    c.args([
        "client",
        "--broker",
        &b.endpoint,
        "upper",
        "--lines",
        "--pipeline",
        "8",
    ]);
    let out = finish(c, Some(input.into_bytes()), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected: String = (0..300).map(|i| format!("LINE {i}\n")).collect();
    assert_eq!(stdout(&out), expected);
    // Two sessions, so at most two processes were ever started for 300 requests.
    let started = w.stderr().matches("started the filter").count();
    assert!((1..=2).contains(&started), "{}", w.stderr());
}

/// `--credit 4 --concurrency 4`: one connection (one worker at the broker) holds four requests
/// and runs four --exec jobs at once.
#[test]
fn a_credited_worker_runs_jobs_at_once_over_one_connection() {
    four_jobs_at_once(&["--credit", "4", "--concurrency", "4"], b"sleepy idle=1 ");
}

/// A credited worker killed while it holds many requests: the broker requeues every one, and
/// each is answered once by the next worker.
#[test]
fn a_killed_credited_worker_has_everything_it_held_redone() {
    let marks = tempfile::tempdir().unwrap();
    let b = broker(&["-v"]);
    let mut slow = worker(
        &b.endpoint,
        "job",
        &[
            "--exec",
            &format!(
                "read x; touch '{}/'\"$x\"; sleep 30",
                marks.path().display()
            ),
            "--credit",
            "8",
            "--concurrency",
            "6",
        ],
    );
    wait_for_service(&b.endpoint, "job");
    let calls: Vec<_> = (0..6)
        .map(|i| {
            let ep = b.endpoint.clone();
            std::thread::spawn(move || {
                client(
                    &ep,
                    &[
                        "job",
                        &format!("payload {i}"),
                        "--timeout",
                        "30s",
                        "--retries",
                        "1",
                    ],
                )
            })
        })
        .collect();
    // Each job marks itself when it starts: then the worker holds all six.
    let all_held = wait_until(Duration::from_secs(20), || {
        std::fs::read_dir(marks.path()).unwrap().count() == 6
    });
    assert!(all_held, "{}", b.proc.stderr());
    slow.signal("KILL");
    slow.wait_exit(Duration::from_secs(5));
    let _good = worker(&b.endpoint, "job", &[]);
    for (i, call) in calls.into_iter().enumerate() {
        let out = call.join().unwrap();
        assert_eq!(stdout(&out), format!("payload {i}\n"), "{}", stderr(&out));
    }
    assert_eq!(
        b.proc.stderr().matches("requeued: its worker died").count(),
        6,
        "{}",
        b.proc.stderr()
    );
}

/// Echo sessions (`--concurrency` without credit) share one thread: each registers and is
/// served over its own connection, the process does not grow a thread per session, and on
/// SIGTERM every session sends DISCONNECT (the broker forgets them at once, long before its
/// heartbeats would have).
/// How many workers of the broker at `ep` wait idle for "echo" (`stats`), if it answers.
fn idle(ep: &str) -> Option<u64> {
    let out = run(&["--json", "stats", "--broker", ep]);
    let s: serde_json::Value = serde_json::from_str(stdout(&out).trim()).ok()?;
    let services = s["services"].as_array()?.clone();
    let echo = services.into_iter().find(|v| v["name"] == "echo")?;
    echo["idle"].as_u64()
}

/// 2,000 requests to "echo" at `ep`, eight in flight, every reply checked.
fn bench_echo(ep: &str) {
    let out = run_with_timeout(
        &[
            "--json",
            "bench",
            "--broker",
            ep,
            "--requests",
            "2000",
            "--warmup",
            "0s",
            "--pipeline",
            "8",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn echo_sessions_share_one_thread_and_all_disconnect_on_sigterm() {
    let b = broker(&["--heartbeat", "10s"]);
    let mut w = worker(
        &b.endpoint,
        "echo",
        &["--concurrency", "4", "--heartbeat", "10s"],
    );
    assert!(
        wait_until(Duration::from_secs(20), || idle(&b.endpoint) == Some(4)),
        "four sessions never registered: {:?}",
        idle(&b.endpoint)
    );
    // Eight in flight over four sessions: every reply checked.
    bench_echo(&b.endpoint);
    let threads = std::fs::read_to_string(format!("/proc/{}/status", w.pid()))
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("Threads:")
                .map(|n| n.trim().parse::<u32>().unwrap())
        })
        .unwrap();
    // The sessions' thread (main) and libzmq's I/O and reaper threads; a thread a session
    // would make it 7.
    assert!(threads <= 4, "{threads} threads for 4 echo sessions");
    w.signal("TERM");
    assert_eq!(w.wait_exit(Duration::from_secs(20)), Some(0));
    assert!(
        wait_until(Duration::from_secs(20), || idle(&b.endpoint).unwrap_or(0)
            == 0),
        "sessions still registered after SIGTERM: {:?}",
        idle(&b.endpoint)
    );
}

/// Echo sessions that share a thread wait on their sockets' descriptors (transport::Poller):
/// when the broker is killed and another takes its endpoint, every session notices the
/// silence, connects anew (new sockets, waited on from then) and is served again.
#[test]
fn echo_sessions_come_back_after_a_broker_restart() {
    let ipc = ipc();
    let ep = ipc.ep.clone();
    let mut b = broker_at(&ep, &["--heartbeat", "1s"]);
    let w = worker(
        &ep,
        "echo",
        &[
            "-v",
            "--concurrency",
            "4",
            "--heartbeat",
            "1s",
            "--reconnect",
            "100ms",
        ],
    );
    assert!(
        wait_until(Duration::from_secs(20), || idle(&ep) == Some(4)),
        "four sessions never registered: {:?}",
        idle(&ep)
    );
    bench_echo(&ep);
    b.proc.signal("KILL");
    b.proc.wait_exit(Duration::from_secs(5));
    let _b2 = broker_at(&ep, &["--heartbeat", "1s"]);
    assert!(
        wait_until(Duration::from_secs(30), || idle(&ep) == Some(4)),
        "the sessions did not all come back: {:?}; worker log: {}",
        idle(&ep),
        w.stderr()
    );
    // They came back on new connections: told so by the new broker, or by its silence.
    let log = w.stderr();
    assert!(
        log.contains("sent DISCONNECT; reconnecting") || log.contains("silent for"),
        "{log}"
    );
    bench_echo(&ep);
}

#[test]
fn both_engines_serve_and_direct_says_where_it_cannot() {
    let b = broker(&[]);
    for engine in ["direct", "libzmq"] {
        for (i, extra) in [&[][..], &["--concurrency", "3"], &["--credit", "5"]]
            .into_iter()
            .enumerate()
        {
            // A service per worker: the one before is killed, not gone from the broker.
            let service = &format!("{engine}{i}");
            let mut args = vec!["--engine", engine];
            args.extend(extra);
            let _w = worker(&b.endpoint, service, &args);
            wait_for_service(&b.endpoint, service);
            let out = client(&b.endpoint, &[service, "one", "two"]);
            assert_eq!(
                (out.status.code(), stdout(&out)),
                (Some(0), "one\ntwo\n".into()),
                "{engine} {extra:?}: {}",
                stderr(&out)
            );
        }
    }
    for (args, why) in [
        (&["--exec", "cat"][..], "it serves the echo worker only"),
        (&["--all-brokers"], "it serves one broker at a time"),
        (&["--plain", "a:b"], "NULL mechanism only"),
    ] {
        let mut all = vec![
            "worker",
            "echo",
            "--broker",
            &b.endpoint,
            "--engine",
            "direct",
        ];
        all.extend(args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    }
}
