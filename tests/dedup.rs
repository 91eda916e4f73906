//! Exactly-once effects (`worker --dedup`, stamped requests): faults, counted in a ledger.
//!
//! Each worker's `--exec` command appends the request to a ledger file before anything else,
//! so the ledger's lines are the runs. The tests kill and time out real processes and count.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;

/// A job that records its run in `ledger`, then waits (at most 30 s) until `release`
/// exists, then answers `done <request>`.
fn ledger_job(ledger: &Path, release: &Path) -> String {
    format!(
        "read x; echo \"$x\" >> '{}'; i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo \"done $x\"",
        ledger.display(),
        release.display()
    )
}

fn lines(ledger: &Path) -> Vec<String> {
    std::fs::read_to_string(ledger)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A client call that runs in the background, its stderr watched.
fn spawn_client(endpoint: &str, args: &[&str]) -> Proc {
    let mut all = vec!["client", "--broker", endpoint, "-v"];
    all.extend(args);
    spawn(&all)
}

/// Test 1: the client's timeout is shorter than the job, so it retries while the job runs.
/// With --dedup the retry is answered from the store: one run. `dedup: false` shows that the
/// test can fail: the retry runs the job again.
fn a_retry_while_the_job_runs(dedup: bool) -> (Vec<String>, String, String) {
    let files = Files::new();
    let (ledger, release) = (files.path("ledger"), files.path("release"));
    let b = broker(&[]);
    let store = files.path("dedup.db");
    let job = ledger_job(&ledger, &release);
    let mut args = vec!["--exec", &job];
    let store_arg = store.display().to_string();
    if dedup {
        args.extend(["--dedup", &store_arg]);
    }
    let _w = worker(&b.endpoint, "pay", &args);
    wait_for_service(&b.endpoint, "pay");
    let mut c = spawn_client(
        &b.endpoint,
        &[
            "--json",
            "--timeout",
            "2s",
            "--retries",
            "6",
            "--client-id",
            "shop",
            "--request-id",
            "order-1",
            "pay",
            "order-1",
        ],
    );
    // The first attempt has timed out while the job runs, and the client has sent it again.
    c.wait_stderr("retrying", Duration::from_secs(20));
    std::fs::write(&release, b"").unwrap();
    let code = c.wait_exit(Duration::from_secs(30));
    assert_eq!(code, Some(0), "client failed: {}", c.stderr());
    (lines(&ledger), c.stdout(), c.stderr())
}

#[test]
fn a_retried_request_runs_once_with_dedup() {
    let (ledger, out, err) = a_retry_while_the_job_runs(true);
    assert_eq!(ledger, ["order-1"], "one run; client log:\n{err}");
    let reply: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(reply["frames"], serde_json::json!(["done order-1"]));
    assert_eq!(reply["stamp"], "shop/order-1");
    // The retry was answered from the store (or waited for the first run's reply).
    assert_eq!(reply["replayed"], true, "{reply}");
    assert!(err.contains("stamped shop/order-1:"), "{err}");
}

#[test]
fn without_dedup_a_retried_request_runs_twice() {
    let (ledger, out, err) = a_retry_while_the_job_runs(false);
    assert_eq!(
        ledger,
        ["order-1", "order-1"],
        "two runs; client log:\n{err}"
    );
    let reply: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(reply["frames"], serde_json::json!(["done order-1"]));
    // The worker took the stamp off and said nothing: no guarantee, and the client says so.
    assert_eq!(reply["dedup"], serde_json::Value::Null, "{reply}");
    assert_eq!(reply["replayed"], false);
    assert!(err.contains("not guaranteed"), "{err}");
}

/// Starts a `--dedup` worker for "pay" running `job`, with `extra` arguments and `env` set.
fn dedup_worker(
    endpoint: &str,
    job: &str,
    store: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Proc {
    let mut c = common::command();
    c.args([
        "worker",
        "pay",
        "--broker",
        endpoint,
        "--heartbeat",
        HB,
        "--reconnect",
        HB,
        "-v",
        "--exec",
        job,
        "--exec-timeout",
        "1s",
        "--dedup",
    ])
    .arg(store)
    .args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    spawn_command(c)
}

/// Test 2, first half: the worker holding the request is killed -9 while its command runs.
/// The other worker shares the store: it never runs the request again, and once the run's
/// deadline has passed (--exec-timeout 1s + 5 s) the client gets "outcome unknown".
#[test]
fn a_worker_killed_mid_run_leaves_outcome_unknown_never_a_second_run() {
    let files = Files::new();
    let (ledger, release) = (files.path("ledger"), files.path("release"));
    let store = files.path("dedup.db");
    // The job is released only after the kill, so the killed run is still going on.
    let job = ledger_job(&ledger, &release);
    let b = broker(&[]);
    let mut first = dedup_worker(&b.endpoint, &job, &store, &[], &[]);
    wait_for_service(&b.endpoint, "pay");
    let mut c = spawn_client(
        &b.endpoint,
        &[
            "--timeout",
            "3s",
            "--retries",
            "8",
            "--client-id",
            "shop",
            "--request-id",
            "order-2",
            "pay",
            "order-2",
        ],
    );
    assert!(
        wait_until(Duration::from_secs(20), || lines(&ledger).len() == 1),
        "the job never started: {}",
        first.stderr()
    );
    let second = dedup_worker(&b.endpoint, &job, &store, &[], &[]);
    second.wait_stderr("connecting to", Duration::from_secs(10));
    first.signal("KILL");
    first.wait_exit(Duration::from_secs(10));
    let code = c.wait_exit(Duration::from_secs(60));
    std::fs::write(&release, b"").unwrap();
    assert_eq!(code, Some(1), "client: {}", c.stderr());
    assert!(
        c.stderr().contains("outcome unknown"),
        "client: {}",
        c.stderr()
    );
    assert_eq!(lines(&ledger), ["order-2"], "never a second run");
    assert!(
        second.stderr().contains("outcome unknown"),
        "worker: {}",
        second.stderr()
    );
}

/// Test 2, second half: the worker stops between storing the reply and sending it (the
/// fault-injection hook). The other worker answers the repeat from the store.
#[test]
fn a_worker_killed_after_storing_its_reply_is_answered_from_the_store() {
    let files = Files::new();
    let (ledger, release) = (files.path("ledger"), files.path("release"));
    std::fs::write(&release, b"").unwrap();
    let store = files.path("dedup.db");
    let job = ledger_job(&ledger, &release);
    let b = broker(&[]);
    let mut first = dedup_worker(
        &b.endpoint,
        &job,
        &store,
        &[],
        &[("ZMQTOOL_FAULT_EXIT_AFTER_STORE", "1")],
    );
    wait_for_service(&b.endpoint, "pay");
    let mut c = spawn_client(
        &b.endpoint,
        &[
            "--json",
            "--timeout",
            "2s",
            "--retries",
            "8",
            "--client-id",
            "shop",
            "--request-id",
            "order-3",
            "pay",
            "order-3",
        ],
    );
    assert_eq!(
        first.wait_exit(Duration::from_secs(20)),
        Some(86),
        "{}",
        first.stderr()
    );
    let _second = dedup_worker(&b.endpoint, &job, &store, &[], &[]);
    assert_eq!(
        c.wait_exit(Duration::from_secs(40)),
        Some(0),
        "{}",
        c.stderr()
    );
    let reply: serde_json::Value = serde_json::from_str(c.stdout().trim()).unwrap();
    assert_eq!(reply["frames"], serde_json::json!(["done order-3"]));
    assert_eq!(reply["dedup"], "replayed", "{reply}");
    assert_eq!(lines(&ledger), ["order-3"]);
}

/// A re-run of a --lines script with the same client id sends the same stamps: what ran
/// before is answered from the store, the new lines run.
#[test]
fn a_rerun_script_is_answered_from_the_store() {
    let files = Files::new();
    let (ledger, release) = (files.path("ledger"), files.path("release"));
    std::fs::write(&release, b"").unwrap();
    let store = files.path("dedup.db");
    let job = ledger_job(&ledger, &release);
    let b = broker(&[]);
    let _w = dedup_worker(&b.endpoint, &job, &store, &[], &[]);
    wait_for_service(&b.endpoint, "pay");
    let run = |input: &str| {
        let mut command = common::command();
        command.args([
            "client",
            "--broker",
            &b.endpoint,
            "--lines",
            "--json",
            "pay",
        ]);
        command.env("ZMQTOOL_CLIENT_ID", "nightly");
        finish(
            command,
            Some(input.as_bytes().to_vec()),
            Duration::from_secs(30),
        )
    };
    let out = run("a\nb\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run("a\nb\nc\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let replies: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replies[0]["dedup"], "replayed");
    assert_eq!(replies[1]["stamp"], "nightly/2");
    assert_eq!(replies[2]["dedup"], "fresh");
    assert_eq!(lines(&ledger), ["a", "b", "c"]);
}

/// A malformed stamp is dropped by the broker (and counted as malformed), and a single call
/// with a client id but no key is refused before anything is sent.
#[test]
fn malformed_stamps_are_dropped_and_unkeyed_calls_refused() {
    let b = broker(&["-v"]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let bad = raw_call(
        &b.endpoint,
        "echo",
        &[b"MDP-STAMP/1 - only-two", b"x"],
        1000,
    );
    assert_eq!(bad, None, "a malformed stamp gets no reply");
    b.proc
        .wait_stderr("malformed stamp", Duration::from_secs(10));
    let ok = raw_call(&b.endpoint, "echo", &[b"x"], 5000);
    assert_eq!(ok, Some(vec![b"x".to_vec()]));
    let mut command = common::command();
    command.args([
        "client",
        "--broker",
        &b.endpoint,
        "--client-id",
        "c",
        "echo",
        "x",
    ]);
    let out = finish(command, None, Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--request-id"), "{}", stderr(&out));
}

/// A job that records its run in `ledger` and answers with the run's number: `run N: request`.
fn numbered_job(ledger: &Path) -> String {
    format!(
        "read x; echo \"$x\" >> '{0}'; echo \"run $(wc -l < '{0}' | tr -d ' '): $x\"",
        ledger.display()
    )
}

/// A key used again with another body (a script that sends ORDER-42 for a second order)
/// gets the error "key reused" (exit 1): neither the first order's reply nor a run. The first
/// order's own repeat is still answered from the store.
#[test]
fn a_key_reused_with_another_body_gets_an_error_and_runs_nothing() {
    let files = Files::new();
    let (ledger, store) = (files.path("ledger"), files.path("dedup.db"));
    let b = broker(&[]);
    let w = dedup_worker(&b.endpoint, &numbered_job(&ledger), &store, &[], &[]);
    wait_for_service(&b.endpoint, "pay");
    let call = |body: &str| {
        client(
            &b.endpoint,
            &[
                "--json",
                "-v",
                "--timeout",
                "10s",
                "--retries",
                "1",
                "--client-id",
                "shop",
                "--request-id",
                "ORDER-42",
                "pay",
                body,
            ],
        )
    };
    let json = |out: &std::process::Output| -> serde_json::Value {
        serde_json::from_str(stdout(out).trim()).unwrap()
    };
    let first = call("pay 10 to ann");
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        json(&first)["frames"],
        serde_json::json!(["run 1: pay 10 to ann"])
    );

    let reused = call("pay 99 to bob");
    assert_eq!(reused.status.code(), Some(1), "{}", stderr(&reused));
    let reply = json(&reused);
    assert_eq!(reply["dedup"], "mismatch", "{reply}");
    assert_eq!(reply["replayed"], false);
    assert!(
        reply["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("key reused"),
        "{reply}"
    );
    assert!(
        stderr(&reused).contains("key reused"),
        "{}",
        stderr(&reused)
    );
    assert_eq!(
        lines(&ledger),
        ["pay 10 to ann"],
        "nothing ran for the reused key"
    );

    let again = call("pay 10 to ann");
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(json(&again)["dedup"], "replayed");
    assert_eq!(
        json(&again)["frames"],
        serde_json::json!(["run 1: pay 10 to ann"])
    );
    assert_eq!(lines(&ledger), ["pay 10 to ann"]);
    assert!(
        w.stderr().contains("shop/ORDER-42: key reused"),
        "{}",
        w.stderr()
    );
}

/// One request whose first body frame (a stamp, owner included) is written by hand, from a
/// DEALER with `who`'s CURVE keys to a broker with `server` as its public key; the reply body.
fn raw_curve_call(
    endpoint: &str,
    certs: &Certs,
    server: &str,
    who: &str,
    body: &[&[u8]],
) -> Vec<Vec<u8>> {
    let key = |z85: String| zmq::z85_decode(&z85).expect("a Z85 key");
    let ctx = zmq::Context::new();
    let s = ctx.socket(zmq::DEALER).unwrap();
    s.set_linger(0).unwrap();
    s.set_rcvtimeo(20_000).unwrap();
    s.set_curve_serverkey(&key(certs.public_key(server)))
        .unwrap();
    s.set_curve_publickey(&key(certs.public_key(who))).unwrap();
    s.set_curve_secretkey(&key(certs.secret_key(who))).unwrap();
    s.connect(endpoint).unwrap();
    let mut frames: Vec<Vec<u8>> = vec![vec![], b"MDPC01".to_vec(), b"pay".to_vec()];
    frames.extend(body.iter().map(|b| b.to_vec()));
    s.send_multipart(frames, 0).unwrap();
    let reply = s.recv_multipart(0).expect("a reply");
    reply[3..].to_vec()
}

/// With CURVE, the broker writes each client's public key into the owner field of its stamps
/// (docs/SECURITY.md): two clients with different keys that send the same client id and key
/// are two requests, each run once and answered with its own reply; a client that writes the
/// other's key as the owner is still itself. A client that repeats its own stamp gets its
/// stored reply, and nothing runs.
#[test]
fn with_curve_a_stamp_is_bound_to_the_clients_key() {
    let certs = Certs::new(&["broker", "ann", "bob"]);
    let b = broker(&["--curve-secret", &certs.path("broker_secret")]);
    stamps_are_bound_to_client_keys(&b.endpoint, &certs);
}

/// The same through the broker of a Binary Star server (a primary alone, which becomes active
/// once its peer has been silent for two heartbeats; what comes before is held, and served
/// with who sent it).
#[test]
fn with_curve_a_binary_star_server_binds_stamps_to_client_keys() {
    let certs = Certs::new(&["broker", "ann", "bob"]);
    let ipc = ipc();
    let state = |name: &str| format!("{}-{name}", ipc.ep);
    let (state_bind, state_connect) = (state("primary"), state("backup"));
    let primary = spawn(&[
        "bstar",
        "--primary",
        "--frontend",
        &ipc.ep,
        "--state-bind",
        &state_bind,
        "--state-connect",
        &state_connect,
        "--peer-heartbeat",
        "400ms",
        "--heartbeat",
        HB,
        "--curve-secret",
        &certs.path("broker_secret"),
    ]);
    primary.wait_stderr("serving", Duration::from_secs(10));
    stamps_are_bound_to_client_keys(&ipc.ep, &certs);
}

/// Two clients, ann and bob, with the same stamp through the server at `endpoint` (with
/// `broker`'s key pair from `certs`) to a `--dedup` worker: see the tests above.
fn stamps_are_bound_to_client_keys(endpoint: &str, certs: &Certs) {
    let files = Files::new();
    let (ledger, store) = (files.path("ledger"), files.path("dedup.db"));
    let server_key = certs.path("broker");
    let w = dedup_worker(
        endpoint,
        &numbered_job(&ledger),
        &store,
        &["--curve-server-key", &server_key],
        &[],
    );
    let curve = |who: &str| {
        [
            "--curve-server-key".to_string(),
            server_key.clone(),
            "--curve-secret".to_string(),
            certs.path(&format!("{who}_secret")),
        ]
    };
    let up = wait_until(Duration::from_secs(20), || {
        let mut args = vec!["mmi".to_string(), "--broker".into(), endpoint.to_string()];
        args.extend(curve("ann"));
        args.push("pay".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args).status.success()
    });
    assert!(up, "the worker never registered: {}", w.stderr());
    let call = |who: &str| -> serde_json::Value {
        let mut args = vec!["--json", "--timeout", "10s", "--retries", "1"];
        let keys = curve(who);
        args.extend(keys.iter().map(String::as_str));
        args.extend([
            "--client-id",
            "shop",
            "--request-id",
            "order-1",
            "pay",
            "order-1",
        ]);
        let out = client(endpoint, &args);
        assert!(out.status.success(), "{who}: {}", stderr(&out));
        serde_json::from_str(stdout(&out).trim()).unwrap()
    };
    let outcome = |reply: &serde_json::Value| {
        (
            reply["dedup"].as_str().unwrap_or("none").to_string(),
            reply["frames"][0].as_str().unwrap_or("").to_string(),
        )
    };

    let ann = call("ann");
    assert_eq!(outcome(&ann), ("fresh".into(), "run 1: order-1".into()));
    assert_eq!(ann["stamp"], "shop/order-1");
    // Bob sends the same stamp and the same body: it is his request, not a repeat of Ann's.
    let bob = call("bob");
    assert_eq!(
        outcome(&bob),
        ("fresh".into(), "run 2: order-1".into()),
        "bob was answered with ann's reply; worker:\n{}",
        w.stderr()
    );
    assert_eq!(lines(&ledger), ["order-1", "order-1"], "one run each");

    // Each one's repeat gets its own stored reply, and nothing runs.
    assert_eq!(
        outcome(&call("ann")),
        ("replayed".into(), "run 1: order-1".into())
    );
    assert_eq!(
        outcome(&call("bob")),
        ("replayed".into(), "run 2: order-1".into())
    );
    // Bob writes Ann's key as the owner: the broker writes his own over it.
    let ann_key = certs.public_key("ann");
    let forged = format!("MDP-STAMP/1 {ann_key} shop order-1");
    let reply = raw_curve_call(
        endpoint,
        certs,
        "broker",
        "bob",
        &[forged.as_bytes(), b"order-1"],
    );
    assert_eq!(
        reply,
        [
            b"MDP-STAMPED/1 replayed".to_vec(),
            b"run 2: order-1".to_vec()
        ]
    );
    assert_eq!(lines(&ledger), ["order-1", "order-1"], "nothing ran again");
    // The worker keyed them by the keys the clients proved they hold.
    let log = w.stderr();
    for who in ["ann", "bob"] {
        let owner = certs.public_key(who);
        assert!(
            log.contains(&format!("{owner}:shop/order-1: a repeat")),
            "{who} ({owner}):\n{log}"
        );
    }
}

/// Stores `n` requests for "pay" ("req-0" ... ) through `titanic request --lines`; their UUIDs.
fn submit_to_titanic(endpoint: &str, n: usize) -> Vec<String> {
    let input: String = (0..n).map(|i| format!("req-{i}\n")).collect();
    let mut submit = common::command();
    submit.args([
        "titanic",
        "request",
        "pay",
        "--lines",
        "--pipeline",
        "16",
        "--broker",
        endpoint,
        "--timeout",
        "2s",
        "--retries",
        "20",
    ]);
    let out = finish(submit, Some(input.into_bytes()), Duration::from_secs(120));
    assert!(out.status.success(), "{}", stderr(&out));
    let uuids: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(uuids.len(), n);
    uuids
}

/// How many requests of the Titanic `store` are replied.
fn replied(store: &str) -> usize {
    let out = run(&["--json", "titanic", "ls", "--store", store]);
    stdout(&out).matches("\"replied\"").count()
}

/// Every request of `n` ran, and none twice.
fn each_ran_once(ledger: &Path, n: usize) {
    let ran = lines(ledger);
    let distinct: std::collections::BTreeSet<_> = ran.iter().collect();
    assert_eq!(distinct.len(), n, "every request ran");
    assert_eq!(ran.len(), n, "no request ran twice");
}

fn titanic_server(endpoint: &str, store: &Path) -> Proc {
    let p = spawn(&[
        "titanic",
        "serve",
        "--broker",
        endpoint,
        "--store",
        store.to_str().unwrap(),
        "--heartbeat",
        HB,
        "--reconnect",
        HB,
        "--delivery-timeout",
        "5s",
        "-v",
    ]);
    p.wait_stderr("titanic serving", Duration::from_secs(10));
    p
}

/// Test 3: Titanic is killed -9 while it delivers and restarted; it redelivers what it had
/// not stored a reply for, stamped with the same UUIDs, and the `--dedup` worker answers
/// those from its store. 1,000 requests: 1,000 runs exactly.
#[test]
fn titanic_killed_during_delivery_runs_each_request_once() {
    const N: usize = 1000;
    let files = Files::new();
    let ledger = files.path("ledger");
    let (titanic_store, dedup_store) = (files.path("titanic.db"), files.path("dedup.db"));
    let ipc = ipc();
    let _b = broker_at(&ipc.ep, &[]);
    let mut t = titanic_server(&ipc.ep, &titanic_store);
    let job = format!(
        "read x; echo \"$x\" >> '{}'; echo \"done $x\"",
        ledger.display()
    );
    let _w = worker(
        &ipc.ep,
        "pay",
        &[
            "--exec",
            &job,
            "--concurrency",
            "4",
            "--dedup",
            dedup_store.to_str().unwrap(),
        ],
    );
    wait_for_service(&ipc.ep, "titanic.request");
    submit_to_titanic(&ipc.ep, N);

    // Killed while it delivers: some requests have run, several are in flight.
    assert!(
        wait_until(Duration::from_secs(60), || lines(&ledger).len() >= 100),
        "deliveries never started: {}",
        t.stderr()
    );
    t.signal("KILL");
    t.wait_exit(Duration::from_secs(10));
    let _t = titanic_server(&ipc.ep, &titanic_store);

    let store = titanic_store.to_str().unwrap();
    assert!(
        wait_until(Duration::from_secs(240), || replied(store) == N),
        "{} of {N} replied",
        replied(store)
    );
    each_ran_once(&ledger, N);
}

/// The PostgreSQL test server's URL (ZMQTOOL_TEST_POSTGRES, as scripts/test-postgres.sh sets
/// it); `None` after saying so when there is none outside CI.
fn postgres_url() -> Option<String> {
    match std::env::var("ZMQTOOL_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but ZMQTOOL_TEST_POSTGRES is not (see scripts/test-postgres.sh)")
        }
        _ => {
            println!("skipped: set ZMQTOOL_TEST_POSTGRES");
            None
        }
    }
}

/// A database of the test's own on the test server, dropped at the end.
struct Database {
    server: String,
    name: String,
    url: String,
}

impl Database {
    fn new(server: &str) -> Database {
        let name = format!("zmqtool_dedup_{}", std::process::id());
        let mut admin =
            postgres::Client::connect(server, postgres::NoTls).expect("the test server");
        for statement in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin
                .batch_execute(&statement)
                .expect("a database of the test's own");
        }
        // postgres://user@host:port/db?query with this database.
        let (base, query) = server
            .split_once('?')
            .map_or((server, None), |(b, q)| (b, Some(q)));
        let after_scheme = base.split_once("://").map_or(base, |(_, r)| r);
        let scheme = &base[..base.len() - after_scheme.len()];
        let host = after_scheme.split('/').next().unwrap_or(after_scheme);
        let url = match query {
            Some(q) => format!("{scheme}{host}/{name}?{q}"),
            None => format!("{scheme}{host}/{name}"),
        };
        Database {
            server: server.to_string(),
            name,
            url,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Test 4: two Titanic servers share a PostgreSQL store, and two `--dedup` workers share a
/// PostgreSQL dedup table (in the same database); one Titanic server is killed -9 while it
/// delivers. The other takes over its requests once their leases expire, and redelivers some
/// the killed one had sent: each request still runs once.
#[test]
fn two_titanic_servers_on_postgres_one_killed_run_each_request_once() {
    let Some(server) = postgres_url() else { return };
    const N: usize = 300;
    let db = Database::new(&server);
    let files = Files::new();
    let ledger = files.path("ledger");
    let b = broker(&[]);
    let serve = || {
        let p = spawn(&[
            "titanic",
            "serve",
            "--broker",
            &b.endpoint,
            "--store",
            &db.url,
            "--heartbeat",
            HB,
            "--reconnect",
            HB,
            "--delivery-timeout",
            "10s",
            "--lease",
            "1s",
            "-v",
        ]);
        p.wait_stderr("titanic serving", Duration::from_secs(20));
        p
    };
    let mut first = serve();
    let _second = serve();
    let job = format!(
        "read x; echo \"$x\" >> '{}'; sleep 0.01; echo \"done $x\"",
        ledger.display()
    );
    let workers: Vec<Proc> = (0..2)
        .map(|_| {
            worker(
                &b.endpoint,
                "pay",
                &["--exec", &job, "--concurrency", "4", "--dedup", &db.url],
            )
        })
        .collect();
    wait_for_service(&b.endpoint, "pay");
    submit_to_titanic(&b.endpoint, N);
    assert!(
        wait_until(Duration::from_secs(60), || lines(&ledger).len() >= 30),
        "deliveries never started: {}",
        first.stderr()
    );
    first.signal("KILL");
    first.wait_exit(Duration::from_secs(10));
    assert!(
        wait_until(Duration::from_secs(180), || replied(&db.url) == N),
        "{} of {N} replied; workers:\n{}",
        replied(&db.url),
        workers
            .iter()
            .map(Proc::stderr)
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
    each_ran_once(&ledger, N);
}
