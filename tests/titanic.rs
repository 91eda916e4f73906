//! Titanic end to end: late workers, crashes of every role, restarts, hostile UUIDs.

mod common;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use common::*;

fn titanic(endpoint: &str, store: &std::path::Path) -> Proc {
    titanic_hb(endpoint, store, HB)
}

fn titanic_hb(endpoint: &str, store: &std::path::Path, hb: &str) -> Proc {
    titanic_with(endpoint, store, hb, &[])
}

fn titanic_with(endpoint: &str, store: &std::path::Path, hb: &str, extra: &[&str]) -> Proc {
    let mut args = vec![
        "titanic",
        "serve",
        "--broker",
        endpoint,
        "--store",
        store.to_str().unwrap(),
        "--heartbeat",
        hb,
        "--reconnect",
        hb,
        "--delivery-timeout",
        "2s",
        "-v",
    ];
    args.extend(extra);
    let p = spawn(&args);
    p.wait_stderr("titanic serving", Duration::from_secs(10));
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
        "20",
    ]);
    run_with_timeout(&all, Duration::from_secs(60))
}

/// A broker on an endpoint of the test's own (so it can be restarted in place).
fn fixed_broker() -> (Broker, String, Ipc) {
    let ipc = ipc();
    (broker_at(&ipc.ep, &[]), ipc.ep.clone(), ipc)
}

#[test]
fn call_waits_for_a_worker_that_starts_later() {
    let dir = tempfile::tempdir().unwrap();
    let (_b, ep, _ipc) = fixed_broker();
    let _t = titanic(&ep, &dir.path().join("t.db"));
    wait_for_service(&ep, "titanic.request");
    let ep2 = ep.clone();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        worker(&ep2, "echo", &[])
    });
    let out = tsp(
        &ep,
        &["call", "echo", "hello", "--poll", "100ms", "--wait", "30s"],
    );
    let _w = late.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello\n");
}

#[test]
fn reply_and_close_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (_b, ep, _ipc) = fixed_broker();
    let _t = titanic(&ep, &dir.path().join("t.db"));
    wait_for_service(&ep, "titanic.request");
    let out = tsp(&ep, &["request", "echo", "x"]);
    let uuid = stdout(&out).trim().to_string();
    assert_eq!(uuid.len(), 32);
    let out = tsp(&ep, &["reply", &uuid]);
    assert_eq!(out.status.code(), Some(6), "pending: {}", stderr(&out));
    // With --json the pending state is an object on stdout too.
    let out = tsp(&ep, &["--json", "reply", &uuid]);
    let pending: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(pending["exit"], 6, "{pending}");
    let _w = worker(&ep, "echo", &[]);
    assert!(wait_until(Duration::from_secs(15), || tsp(
        &ep,
        &["reply", &uuid]
    )
    .status
    .code()
        == Some(0)));
    assert_eq!(
        stdout(&tsp(&ep, &["reply", &uuid])),
        "x\n",
        "a reply can be read again"
    );
    assert_eq!(tsp(&ep, &["close", &uuid]).status.code(), Some(0));
    assert_eq!(
        tsp(&ep, &["reply", &uuid]).status.code(),
        Some(4),
        "closed: unknown"
    );
    assert_eq!(
        tsp(&ep, &["close", &uuid]).status.code(),
        Some(0),
        "close is idempotent"
    );
    let out = tsp(&ep, &["reply", "not-a-uuid"]);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn a_reply_survives_a_titanic_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("t.db");
    let (_b, ep, _ipc) = fixed_broker();
    let _w = worker(&ep, "echo", &[]);
    let mut t = titanic(&ep, &store);
    wait_for_service(&ep, "titanic.request");
    let uuid = stdout(&tsp(&ep, &["request", "echo", "kept", "safe"]))
        .trim()
        .to_string();
    assert!(wait_until(Duration::from_secs(15), || tsp(
        &ep,
        &["reply", &uuid]
    )
    .status
    .code()
        == Some(0)));
    t.signal("KILL");
    t.wait_exit(Duration::from_secs(5));
    let _t2 = titanic(&ep, &store);
    let out = tsp(&ep, &["reply", &uuid]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "kept\nsafe\n".to_string())
    );
    // And ls sees it.
    let out = run(&[
        "--json",
        "titanic",
        "ls",
        "--store",
        store.to_str().unwrap(),
    ]);
    let entry: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(
        (entry["uuid"].as_str(), entry["state"].as_str()),
        (Some(uuid.as_str()), Some("replied"))
    );
}

#[test]
fn hostile_uuids_and_requests_get_tsp_codes_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (_b, ep, _ipc) = fixed_broker();
    let _t = titanic(&ep, &dir.path().join("t.db"));
    let _w = worker(&ep, "echo", &[]);
    wait_for_service(&ep, "titanic.reply");
    let long = vec![b'A'; 10 * 1024];
    let binary: Vec<u8> = (0..=255).collect();
    let hostile: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("titanic.reply", vec![b"../../etc/passwd".to_vec()]),
        ("titanic.reply", vec![long.clone()]),
        ("titanic.reply", vec![binary.clone()]),
        (
            "titanic.reply",
            vec![b"0123456789ABCDEF0123456789ABCDE/".to_vec()],
        ),
        (
            "titanic.reply",
            vec![
                b"0123456789ABCDEF0123456789ABCDEF".to_vec(),
                b"extra".to_vec(),
            ],
        ),
        ("titanic.close", vec![b"../../etc/passwd".to_vec()]),
        ("titanic.close", vec![long]),
        ("titanic.close", vec![binary]),
        ("titanic.request", vec![b"echo".to_vec()]),
        ("titanic.request", vec![b"".to_vec(), b"x".to_vec()]),
    ];
    for (service, body) in hostile {
        let parts: Vec<&[u8]> = body.iter().map(|f| f.as_slice()).collect();
        let reply =
            raw_call(&ep, service, &parts, 5000).unwrap_or_else(|| panic!("{service} answered"));
        assert!(
            reply[0].starts_with(b"400"),
            "{service}: {:?}",
            String::from_utf8_lossy(&reply[0])
        );
    }
    // A well-formed unknown UUID: 400 for reply, 200 for close (9/TSP: close is idempotent).
    let unknown = b"0123456789ABCDEF0123456789ABCDEF";
    assert_eq!(
        raw_call(&ep, "titanic.reply", &[unknown], 5000).unwrap(),
        vec![b"400".to_vec()]
    );
    assert_eq!(
        raw_call(&ep, "titanic.close", &[unknown], 5000).unwrap(),
        vec![b"200".to_vec()]
    );
    let out = tsp(&ep, &["call", "echo", "still serving", "--poll", "50ms"]);
    assert_eq!(stdout(&out), "still serving\n", "{}", stderr(&out));
}

/// The reliability contract: once a request is acknowledged, killing the broker, the Titanic
/// server or the worker (SIGKILL, each restarted) loses nothing.
#[test]
fn every_acknowledged_request_is_answered_through_crashes_of_every_role() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("t.db");
    let ipc = ipc();
    let ep = ipc.ep.clone();
    let mut b = broker_at(&ep, &["--heartbeat", HB]);
    let mut t = titanic_hb(&ep, &store, HB);
    wait_for_service(&ep, "titanic.request");
    let slow_echo = [
        "--exec",
        "sleep 0.05; cat",
        "--concurrency",
        "4",
        "-v",
        "--heartbeat",
        HB,
        "--reconnect",
        HB,
    ];
    let mut w = worker(&ep, "echo", &slow_echo);

    // Submit 200 requests, 16 in flight; kill Titanic part way through the submission.
    let input: String = (0..200).map(|i| format!("req-{i}\n")).collect();
    let mut submit = command()
        .args([
            "titanic",
            "request",
            "echo",
            "--lines",
            "--pipeline",
            "16",
            "--broker",
            &ep,
            "--timeout",
            "500ms",
            "--retries",
            "40",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = submit.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        for line in input.lines() {
            stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(3));
        }
    });
    std::thread::sleep(Duration::from_millis(250));
    t.signal("KILL");
    t.wait_exit(Duration::from_secs(5));
    t = titanic_hb(&ep, &store, HB);
    writer.join().unwrap();
    let out = submit.wait_with_output().unwrap();
    let uuids: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(uuids.len(), 200, "{}", stderr(&out));
    let acknowledged: HashMap<String, String> = uuids
        .iter()
        .enumerate()
        .filter(|(_, u)| !u.is_empty())
        .map(|(i, u)| (u.clone(), format!("req-{i}")))
        .collect();
    assert!(
        acknowledged.len() >= 190,
        "most requests are acknowledged: {}",
        acknowledged.len()
    );

    let replied = |store: &std::path::Path| {
        let out = run(&[
            "--json",
            "titanic",
            "ls",
            "--store",
            store.to_str().unwrap(),
        ]);
        stdout(&out).matches("\"replied\"").count()
    };
    // Crash each role while the dispatcher is delivering.
    let started = std::time::Instant::now();
    let stage = |name: &str| eprintln!("{:>6.2}s {name}", started.elapsed().as_secs_f64());
    stage("submitted");
    let logs = |b: &Broker, t: &Proc, w: &Proc| {
        format!(
            "{} replied\n--- broker:\n{}\n--- titanic:\n{}\n--- worker:\n{}",
            replied(&store),
            b.proc.stderr(),
            t.stderr(),
            w.stderr()
        )
    };
    assert!(
        wait_until(Duration::from_secs(60), || replied(&store) >= 20),
        "{}",
        logs(&b, &t, &w)
    );
    stage(">=20 replied; killing the broker");
    b.proc.signal("KILL");
    b.proc.wait_exit(Duration::from_secs(5));
    b = broker_at(&ep, &["-v", "--heartbeat", HB]);
    assert!(
        wait_until(Duration::from_secs(60), || replied(&store) >= 70),
        "{}",
        logs(&b, &t, &w)
    );
    stage(">=70 replied; killing titanic");
    t.signal("KILL");
    t.wait_exit(Duration::from_secs(5));
    t = titanic_hb(&ep, &store, HB);
    assert!(
        wait_until(Duration::from_secs(60), || replied(&store) >= 120),
        "{}",
        logs(&b, &t, &w)
    );
    stage(">=120 replied; killing the worker");
    w.signal("KILL");
    w.wait_exit(Duration::from_secs(5));
    w = worker(&ep, "echo", &slow_echo);

    assert!(
        wait_until(Duration::from_secs(90), || replied(&store)
            >= acknowledged.len()),
        "all replies stored: {}",
        logs(&b, &t, &w)
    );
    stage("all replied");
    for (uuid, body) in &acknowledged {
        let out = tsp(&ep, &["reply", uuid]);
        assert_eq!(
            stdout(&out),
            format!("{body}\n"),
            "reply to {uuid}: {}",
            stderr(&out)
        );
    }
    drop(w);
}

#[test]
fn retain_deletes_replies_nobody_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (_b, ep, _ipc) = fixed_broker();
    let _w = worker(&ep, "echo", &[]);
    let _t = titanic_with(&ep, &dir.path().join("t.db"), HB, &["--retain", "1s"]);
    wait_for_service(&ep, "titanic.request");
    let uuid = stdout(&tsp(&ep, &["request", "echo", "short-lived"]))
        .trim()
        .to_string();
    assert!(wait_until(Duration::from_secs(15), || tsp(
        &ep,
        &["reply", &uuid]
    )
    .status
    .code()
        == Some(0)));
    assert_eq!(stdout(&tsp(&ep, &["reply", &uuid])), "short-lived\n");
    // Never closed: gone once --retain has passed.
    assert!(wait_until(Duration::from_secs(10), || {
        let out = tsp(&ep, &["reply", &uuid]);
        out.status.code() == Some(4) && stderr(&out).contains("400")
    }));
}

/// A Titanic server that behaves as the zguide's titanic.py does: lower-case `uuid4().hex`
/// ids, compared exactly (they name files). It serves the three TSP services as raw MDP/0.1
/// workers until `stop` is set, and records every id it was sent.
fn lowercase_titanic(
    endpoint: &str,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Vec<Vec<u8>>> {
    let endpoint = endpoint.to_string();
    std::thread::spawn(move || {
        let ctx = zmq::Context::new();
        let services: [&[u8]; 3] = [b"titanic.request", b"titanic.reply", b"titanic.close"];
        let sockets: Vec<zmq::Socket> = services
            .iter()
            .map(|service| {
                let s = ctx.socket(zmq::DEALER).unwrap();
                s.set_linger(0).unwrap();
                s.connect(&endpoint).unwrap();
                s.send_multipart([&b""[..], b"MDPW01", b"\x01", service], 0)
                    .unwrap();
                s
            })
            .collect();
        let id = b"0123456789abcdef0123456789abcdef".to_vec();
        let mut seen = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let mut items: Vec<_> = sockets
                .iter()
                .map(|s| s.as_poll_item(zmq::POLLIN))
                .collect();
            zmq::poll(&mut items, 100).unwrap();
            let ready: Vec<bool> = items.iter().map(|i| i.is_readable()).collect();
            for (i, socket) in sockets.iter().enumerate() {
                if !ready[i] {
                    continue;
                }
                let msg = socket.recv_multipart(0).unwrap();
                // "" MDPW01 0x02 client "" body...
                if msg.get(2).map(Vec::as_slice) != Some(b"\x02") {
                    continue;
                }
                let (client, body) = (msg[3].clone(), msg[5..].to_vec());
                let answer: Vec<Vec<u8>> = match i {
                    0 => vec![b"200".to_vec(), id.clone()],
                    _ => {
                        seen.push(body[0].clone());
                        if body[0] == id && i == 1 {
                            vec![b"200".to_vec(), b"the reply".to_vec()]
                        } else if body[0] == id {
                            vec![b"200".to_vec()]
                        } else {
                            vec![b"400".to_vec()]
                        }
                    }
                };
                let mut reply = vec![b"".to_vec(), b"MDPW01".to_vec(), vec![3], client, vec![]];
                reply.extend(answer);
                socket.send_multipart(reply, 0).unwrap();
            }
        }
        seen
    })
}

/// Ids are printed and sent as the server wrote them: the zguide's titanic.py, whose ids are
/// lower-case file names, answers 400 to an upper-cased one, and the request would seem gone.
#[test]
fn server_ids_are_printed_and_sent_back_exactly() {
    let b = broker(&[]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server = lowercase_titanic(&b.endpoint, stop.clone());
    wait_for_service(&b.endpoint, "titanic.close");
    let out = tsp(&b.endpoint, &["request", "echo", "hi"]);
    assert_eq!(stdout(&out), "0123456789abcdef0123456789abcdef\n");
    let out = tsp(&b.endpoint, &["reply", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "the reply\n".into()),
        "{}",
        stderr(&out)
    );
    let out = tsp(&b.endpoint, &["call", "echo", "hi", "--poll", "50ms"]);
    assert_eq!(stdout(&out), "the reply\n", "{}", stderr(&out));
    let out = tsp(&b.endpoint, &["close", "0123456789abcdef0123456789abcdef"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = server.join().unwrap();
    assert!(
        seen.iter()
            .all(|id| id == b"0123456789abcdef0123456789abcdef"),
        "an id was changed on the way back: {seen:?}"
    );
}

#[test]
fn a_malformed_id_is_a_usage_error() {
    let out = run(&["titanic", "reply", "not an id"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A reply whose write fails is kept and its write retried (not forgotten until a restart
/// sends the request again), and titanic.reply answers 500 meanwhile. The store's writes are
/// made to fail with a trigger.
#[test]
fn a_reply_that_cannot_be_stored_is_kept_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("t.db");
    let (_b, ep, _ipc) = fixed_broker();
    let t = titanic(&ep, &store);
    wait_for_service(&ep, "titanic.request");
    let db = rusqlite::Connection::open(&store).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER no_replies BEFORE UPDATE OF reply ON requests
         BEGIN SELECT RAISE(ABORT, 'the disk says no'); END;",
    )
    .unwrap();
    let out = tsp(&ep, &["request", "echo", "kept"]);
    let id = stdout(&out).trim().to_string();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let _w = worker(&ep, "echo", &[]);
    t.wait_stderr("cannot store the reply", Duration::from_secs(20));
    let out = tsp(&ep, &["reply", &id]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("500"), "{}", stderr(&out));
    db.execute_batch("DROP TRIGGER no_replies").unwrap();
    t.wait_stderr("stored the reply", Duration::from_secs(20));
    let out = tsp(&ep, &["reply", &id]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "kept\n".into()),
        "{}",
        stderr(&out)
    );
}

/// A second titanic serve on the same store is refused with a message.
#[test]
fn a_store_has_one_server() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("t.db");
    let (_b, ep, _ipc) = fixed_broker();
    let _t = titanic(&ep, &store);
    let out = run(&[
        "titanic",
        "serve",
        "--broker",
        &ep,
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("in use by another titanic serve (pid"),
        "{err}"
    );
    // And a directory for a store is named for what it is.
    let out = run(&["titanic", "ls", "--store", dir.path().to_str().unwrap()]);
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
}
