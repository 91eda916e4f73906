//! Titanic's other stores, end to end: PostgreSQL shared by several servers (killed, the
//! database restarted under load, migration, schema versions) and the memory store.
//!
//! The PostgreSQL tests need a server: `scripts/test-postgres.sh run cargo test --release
//! --test titanic_postgres` starts a throwaway one and sets ZMQTOOL_TEST_POSTGRES (its URL)
//! and ZMQTOOL_TEST_POSTGRES_CTL (its pg_ctl). Each test makes a database of its own there.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::RwLock;
use std::time::Duration;

use common::*;

/// Tests that restart the PostgreSQL server take this for writing; the others for reading,
/// so that no database is created or checked while the server is down on purpose.
static SERVER: RwLock<()> = RwLock::new(());

/// The test server's URL; `None` (after saying so) when there is none outside CI.
fn postgres_url() -> Option<String> {
    match std::env::var("ZMQTOOL_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "CI is set but ZMQTOOL_TEST_POSTGRES is not: run the tests through \
             scripts/test-postgres.sh (as .ci/run does)"
        ),
        _ => {
            eprintln!("skipped: set ZMQTOOL_TEST_POSTGRES");
            None
        }
    }
}

/// A database of the test's own on the test server, dropped at the end.
struct Db {
    url: String,
    admin: String,
    name: String,
}

impl Db {
    fn new(server: &str) -> Db {
        let name = format!(
            "zmqtool_{}_{}",
            std::process::id(),
            &uuid_like()[..12].to_ascii_lowercase()
        );
        let mut admin =
            postgres::Client::connect(server, postgres::NoTls).expect("the test server");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a database of the test's own");
        Db {
            url: with_dbname(server, &name),
            admin: server.to_string(),
            name,
        }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("the test database")
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn uuid_like() -> String {
    format!("{:032X}", rand_u128())
}

fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let s = std::collections::hash_map::RandomState::new();
    let mut h = s.build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    let a = h.finish() as u128;
    let mut h = s.build_hasher();
    h.write_u64(a as u64 ^ 0x9e37_79b9);
    (a << 64) | h.finish() as u128
}

/// The URL with another database name (`postgres://u@h:p/DB?query`).
fn with_dbname(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let rest = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    let prefix = &base[..base.len() - rest.len()];
    let host = rest.split('/').next().unwrap_or(rest);
    let mut out = format!("{prefix}{host}/{db}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn titanic_serve(endpoint: &str, store: &str, extra: &[&str]) -> Proc {
    let mut args = vec![
        "titanic",
        "serve",
        "--broker",
        endpoint,
        "--store",
        store,
        "--heartbeat",
        HB,
        "--reconnect",
        HB,
        "--delivery-timeout",
        "30s",
        "-v",
    ];
    args.extend(extra);
    let p = spawn(&args);
    p.wait_stderr("titanic serving", Duration::from_secs(20));
    p
}

fn tsp(endpoint: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["titanic"];
    all.extend(args);
    all.extend([
        "--broker",
        endpoint,
        "--timeout",
        "500ms",
        "--retries",
        "30",
    ]);
    run_with_timeout(&all, Duration::from_secs(60))
}

/// `titanic ls --json`: each request's state by UUID.
fn states(store: &str) -> Option<HashMap<String, String>> {
    let out = run(&["--json", "titanic", "ls", "--store", store]);
    if !out.status.success() {
        return None;
    }
    Some(
        stdout(&out)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("JSON lines");
                (
                    v["uuid"].as_str().unwrap().to_string(),
                    v["state"].as_str().unwrap().to_string(),
                )
            })
            .collect(),
    )
}

/// Waits until every UUID in `ids` is replied in `store`.
fn wait_all_replied(store: &str, ids: &[String], timeout: Duration) {
    let mut last = HashMap::new();
    let done = wait_until(timeout, || {
        if let Some(s) = states(store) {
            last = s;
        }
        ids.iter()
            .all(|u| last.get(u).map(String::as_str) == Some("replied"))
    });
    let missing: Vec<_> = ids
        .iter()
        .filter(|u| last.get(*u).map(String::as_str) != Some("replied"))
        .collect();
    assert!(done, "not replied: {missing:?}");
}

/// A worker whose --exec command records each run in `ledger` ("start BODY", "end BODY")
/// and echoes the body.
fn ledger_worker(endpoint: &str, service: &str, ledger: &Path) -> Proc {
    let cmd = format!(
        "read b; echo \"start $b\" >> {l}; sleep 0.02; echo \"end $b\" >> {l}; echo \"$b\"",
        l = ledger.display()
    );
    worker(endpoint, service, &["--exec", &cmd, "--concurrency", "4"])
}

/// Every body run, and no body run twice at the same time.
fn ledger_runs(ledger: &Path) -> HashMap<String, usize> {
    let text = std::fs::read_to_string(ledger).unwrap_or_default();
    let mut running = HashSet::new();
    let mut runs = HashMap::new();
    for line in text.lines() {
        if let Some(body) = line.strip_prefix("start ") {
            assert!(
                running.insert(body.to_string()),
                "{body} ran twice at the same time"
            );
            *runs.entry(body.to_string()).or_insert(0) += 1;
        } else if let Some(body) = line.strip_prefix("end ") {
            running.remove(body);
        }
    }
    runs
}

/// Stores `lines` through `titanic request --lines` in the background.
fn request_lines(
    endpoint: &str,
    lines: &[String],
) -> std::thread::JoinHandle<Vec<(String, String)>> {
    let endpoint = endpoint.to_string();
    let lines = lines.to_vec();
    std::thread::spawn(move || {
        let mut c = command();
        c.args([
            "titanic",
            "request",
            "work",
            "--lines",
            "--pipeline",
            "4",
            "--broker",
            &endpoint,
            "--timeout",
            "1s",
            "--retries",
            "30",
        ]);
        let input = lines.join("\n") + "\n";
        let out = finish(c, Some(input.into_bytes()), Duration::from_secs(120));
        // One output line per input line: its UUID, or empty if it was not stored.
        stdout(&out)
            .lines()
            .zip(&lines)
            .filter(|(uuid, _)| !uuid.is_empty())
            .map(|(uuid, body)| (uuid.to_string(), body.clone()))
            .collect()
    })
}

#[test]
fn a_request_round_trip_on_postgres() {
    let Some(server) = postgres_url() else { return };
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    let b = broker(&[]);
    let t = titanic_serve(&b.endpoint, &db.url, &[]);
    assert!(
        t.stderr().contains("shared; this server is"),
        "{}",
        t.stderr()
    );
    let _w = worker(&b.endpoint, "echo", &[]);
    let out = tsp(&b.endpoint, &["request", "echo", "hello", "postgres"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let uuid = stdout(&out).trim().to_string();
    wait_all_replied(
        &db.url,
        std::slice::from_ref(&uuid),
        Duration::from_secs(20),
    );
    let out = tsp(&b.endpoint, &["reply", &uuid]);
    assert_eq!(stdout(&out), "hello\npostgres\n");
    let out = tsp(&b.endpoint, &["close", &uuid]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(states(&db.url).unwrap().len(), 0, "closed: gone");
    let out = tsp(&b.endpoint, &["call", "echo", "again", "--poll", "50ms"]);
    assert_eq!(stdout(&out), "again\n", "{}", stderr(&out));
}

#[test]
fn two_servers_share_a_store_and_survive_one_killed() {
    let Some(server) = postgres_url() else { return };
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let b = broker(&[]);
    let mut a = titanic_serve(&b.endpoint, &db.url, &["--lease", "1s"]);
    let _other = titanic_serve(&b.endpoint, &db.url, &["--lease", "1s"]);
    let _w = ledger_worker(&b.endpoint, "work", &ledger);
    let lines: Vec<String> = (0..300).map(|i| format!("job-{i}")).collect();
    let sender = request_lines(&b.endpoint, &lines);
    assert!(
        wait_until(Duration::from_secs(30), || ledger_runs(&ledger).len() >= 30),
        "deliveries started"
    );
    assert!(
        wait_until(Duration::from_secs(10), || a.stderr().contains("answered")),
        "both servers deliver: the one to be killed too:\n{}",
        a.stderr()
    );
    a.child.kill().unwrap(); // SIGKILL: its leases are left to expire
    let _ = a.child.wait();
    let acknowledged = sender.join().unwrap();
    assert!(
        acknowledged.len() >= 250,
        "most were stored: {}",
        acknowledged.len()
    );
    let ids: Vec<String> = acknowledged.iter().map(|(u, _)| u.clone()).collect();
    wait_all_replied(&db.url, &ids, Duration::from_secs(60));
    let runs = ledger_runs(&ledger);
    for (uuid, body) in &acknowledged {
        assert!(
            runs.contains_key(body),
            "{body} ({uuid}) was acknowledged and never run"
        );
    }
    // A sample of the replies, through the surviving server.
    for (uuid, body) in acknowledged.iter().step_by(60) {
        let out = tsp(&b.endpoint, &["reply", uuid]);
        assert_eq!(stdout(&out), format!("{body}\n"), "{}", stderr(&out));
    }
}

#[test]
fn a_postgres_restart_under_load_loses_nothing_acknowledged() {
    let Some(server) = postgres_url() else { return };
    let Ok(ctl) = std::env::var("ZMQTOOL_TEST_POSTGRES_CTL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but ZMQTOOL_TEST_POSTGRES_CTL is not"
        );
        eprintln!("skipped: set ZMQTOOL_TEST_POSTGRES_CTL (scripts/test-postgres.sh does)");
        return;
    };
    let _alone = SERVER.write().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let b = broker(&[]);
    let t = titanic_serve(&b.endpoint, &db.url, &["--lease", "2s"]);
    let _w = ledger_worker(&b.endpoint, "work", &ledger);
    let lines: Vec<String> = (0..300).map(|i| format!("job-{i}")).collect();
    let sender = request_lines(&b.endpoint, &lines);
    assert!(
        wait_until(Duration::from_secs(30), || ledger_runs(&ledger).len() >= 20),
        "deliveries started"
    );
    let restart = Command::new(&ctl)
        .args(["restart", "-m", "fast"])
        .stdout(Stdio::null())
        .status()
        .expect("pg_ctl runs");
    assert!(restart.success(), "pg_ctl restart failed");
    let acknowledged = sender.join().unwrap();
    assert!(!acknowledged.is_empty());
    let ids: Vec<String> = acknowledged.iter().map(|(u, _)| u.clone()).collect();
    wait_all_replied(&db.url, &ids, Duration::from_secs(60));
    let runs = ledger_runs(&ledger);
    for (uuid, body) in &acknowledged {
        assert!(
            runs.contains_key(body),
            "{body} ({uuid}) was acknowledged and never run"
        );
    }
    // The server carries on: new requests are stored and delivered.
    let out = tsp(&b.endpoint, &["call", "work", "after", "--poll", "50ms"]);
    assert_eq!(stdout(&out), "after\n", "{}", stderr(&out));
    let log = t.stderr();
    assert!(
        log.contains("lost the connection"),
        "the restart was seen:\n{log}"
    );
    assert!(log.contains("connected to"), "it reconnected:\n{log}");
}

#[test]
fn migrate_copies_pending_and_replied_once() {
    let Some(server) = postgres_url() else { return };
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.db");
    let file = file.to_str().unwrap();
    let b = broker(&[]);
    let (replied, pending) = {
        let mut t = titanic_serve(&b.endpoint, file, &[]);
        let w = worker(&b.endpoint, "echo", &[]);
        let out = tsp(&b.endpoint, &["request", "echo", "done"]);
        let replied = stdout(&out).trim().to_string();
        wait_all_replied(
            file,
            std::slice::from_ref(&replied),
            Duration::from_secs(20),
        );
        drop(w);
        let pending: Vec<String> = (0..3)
            .map(|i| {
                let out = tsp(&b.endpoint, &["request", "later", &format!("p{i}")]);
                assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                stdout(&out).trim().to_string()
            })
            .collect();
        t.signal("TERM");
        t.wait_exit(Duration::from_secs(10));
        (replied, pending)
    };
    let out = run(&["titanic", "migrate", "--from", file, "--to", &db.url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("copied 4 of 4 requests (3 pending, 1 replied)"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "--json", "titanic", "migrate", "--from", file, "--to", &db.url,
    ]);
    let report: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        (report["requests"].as_u64(), report["copied"].as_u64()),
        (Some(4), Some(0))
    );
    let states = states(&db.url).unwrap();
    assert_eq!(states.len(), 4);
    assert_eq!(states[&replied], "replied");
    // Servers on PostgreSQL deliver what was pending, under the same UUIDs.
    let _t = titanic_serve(&b.endpoint, &db.url, &[]);
    let _w = worker(&b.endpoint, "later", &[]);
    wait_all_replied(&db.url, &pending, Duration::from_secs(30));
    let out = tsp(&b.endpoint, &["reply", &replied]);
    assert_eq!(stdout(&out), "done\n");
    let out = tsp(&b.endpoint, &["reply", &pending[2]]);
    assert_eq!(stdout(&out), "p2\n");
}

#[test]
fn a_store_of_a_newer_zmqtool_is_refused() {
    let Some(server) = postgres_url() else { return };
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    let out = run(&["titanic", "ls", "--store", &db.url]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("has no titanic tables"),
        "{}",
        stderr(&out)
    );
    let b = broker(&[]);
    let mut t = titanic_serve(&b.endpoint, &db.url, &[]);
    t.signal("TERM");
    t.wait_exit(Duration::from_secs(10));
    db.client()
        .batch_execute("UPDATE zmqtool_schema SET version = 99 WHERE component = 'titanic'")
        .unwrap();
    for args in [
        &[
            "titanic",
            "serve",
            "--broker",
            &b.endpoint,
            "--store",
            &db.url,
        ][..],
        &["titanic", "ls", "--store", &db.url],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("version 99, newer than this zmqtool"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let version: i32 = db
        .client()
        .query_one("SELECT version FROM zmqtool_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 99, "left untouched");
}

/// Also without PostgreSQL: a SQLite file of a newer zmqtool is refused the same way.
#[test]
fn a_sqlite_store_of_a_newer_zmqtool_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.db");
    let b = broker(&[]);
    let mut t = titanic_serve(&b.endpoint, file.to_str().unwrap(), &[]);
    t.signal("TERM");
    t.wait_exit(Duration::from_secs(10));
    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute("UPDATE zmqtool_schema SET version = 42", [])
        .unwrap();
    let out = run(&["titanic", "ls", "--store", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("version 42, newer than this zmqtool"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_memory_store_says_it_forgets_and_does() {
    let b = broker(&[]);
    let t = titanic_serve(&b.endpoint, "memory:", &[]);
    let log = t.stderr();
    assert_eq!(
        log.matches("in memory only").count(),
        1,
        "said once:\n{log}"
    );
    let _w = worker(&b.endpoint, "echo", &[]);
    let out = tsp(&b.endpoint, &["call", "echo", "quick", "--poll", "50ms"]);
    assert_eq!(stdout(&out), "quick\n", "{}", stderr(&out));
    let out = tsp(&b.endpoint, &["request", "nobody", "kept?"]);
    let uuid = stdout(&out).trim().to_string();
    assert_eq!(
        tsp(&b.endpoint, &["reply", &uuid]).status.code(),
        Some(6),
        "pending"
    );
    drop(t);
    let _t = titanic_serve(&b.endpoint, "memory:", &[]);
    let out = tsp(&b.endpoint, &["reply", &uuid]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "gone after a restart: {}",
        stderr(&out)
    );
    let out = run(&["titanic", "ls", "--store", "memory:"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("lives inside its titanic serve"),
        "{}",
        stderr(&out)
    );
}

/// Regression: a server held only a window of claimed requests, so 16 requests for a service
/// that was not there kept every later request from being claimed at all.
#[test]
fn requests_for_an_absent_service_do_not_hold_back_the_others() {
    let Some(server) = postgres_url() else { return };
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    let b = broker(&[]);
    let _t = titanic_serve(&b.endpoint, &db.url, &["--inflight", "2"]);
    let mut c = command();
    c.args([
        "titanic",
        "request",
        "absent",
        "--lines",
        "--pipeline",
        "8",
        "--broker",
        &b.endpoint,
    ]);
    let lines: String = (0..40).map(|i| format!("a{i}\n")).collect();
    let out = finish(c, Some(lines.into_bytes()), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let _w = worker(&b.endpoint, "echo", &[]);
    let out = tsp(
        &b.endpoint,
        &["call", "echo", "through", "--poll", "50ms", "--wait", "30s"],
    );
    assert_eq!(stdout(&out), "through\n", "{}", stderr(&out));
}

/// libpq's sslmode, against the test server's TLS (a certificate for localhost and
/// 127.0.0.1 from a throwaway CA, ZMQTOOL_TEST_POSTGRES_CA).
#[test]
fn sslmodes_encrypt_and_verify_as_libpq_does() {
    let Some(server) = postgres_url() else { return };
    let Ok(ca) = std::env::var("ZMQTOOL_TEST_POSTGRES_CA") else {
        eprintln!(
            "skipped: set ZMQTOOL_TEST_POSTGRES_CA (scripts/test-postgres.sh does where openssl is installed)"
        );
        return;
    };
    let _shared = SERVER.read().unwrap_or_else(|e| e.into_inner());
    let db = Db::new(&server);
    // The same database with another sslmode (the test URL ends in ?sslmode=disable).
    let with = |query: &str| db.url.replace("sslmode=disable", query);
    let b = broker(&[]);
    let full = with(&format!("sslmode=verify-full&sslrootcert={ca}"));
    let _t = titanic_serve(&b.endpoint, &full, &[]);
    let out = tsp(&b.endpoint, &["request", "nobody", "encrypted"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ssl: bool = db
        .client()
        .query_one(
            "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.datname = current_database() AND a.application_name = 'zmqtool'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ssl, "the server's connections are encrypted");
    for (query, works) in [
        ("sslmode=require".to_string(), true),
        (format!("sslmode=verify-ca&sslrootcert={ca}"), true),
        ("sslmode=verify-full&sslrootcert=system".to_string(), false),
    ] {
        let out = run(&["titanic", "ls", "--store", &with(&query)]);
        assert_eq!(out.status.success(), works, "{query}: {}", stderr(&out));
    }
    let wrong_name = format!(
        "{} sslmode=verify-full sslrootcert={ca}",
        conninfo_for(&db.url, "wrongname")
    );
    let out = run(&["titanic", "ls", "--store", &wrong_name]);
    assert!(
        stderr(&out).contains("not valid for name"),
        "{}",
        stderr(&out)
    );
    let out = run(&["titanic", "ls", "--store", &with("sslmode=verify-full")]);
    assert!(
        stderr(&out).contains("needs the server's root certificate"),
        "{}",
        stderr(&out)
    );
}

/// `host=NAME hostaddr=IP port=PORT user=USER dbname=DB` for the test URL
/// (`postgres://USER@IP:PORT/DB?...`): TLS checks NAME, the connection goes to IP.
fn conninfo_for(url: &str, name: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let (user, rest) = rest.split_once('@').unwrap();
    let (hostport, rest) = rest.split_once('/').unwrap();
    let (ip, port) = hostport.split_once(':').unwrap();
    let db = rest.split('?').next().unwrap();
    format!("host={name} hostaddr={ip} port={port} user={user} dbname={db}")
}
