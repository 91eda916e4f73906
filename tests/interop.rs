//! zmqtool against Majordomo peers nobody here wrote: majortomo (the maintained Python
//! MDP/0.2 broker, worker and client), driven through `tests/interop/majortomo_peer.py`.
//!
//! Needs `python3 -m pip install -r tests/interop/requirements.txt` (the README's test
//! command does it). Without it these tests fail and say so: they never skip.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

const PEER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/interop/majortomo_peer.py"
);

fn python() -> Command {
    let probe = Command::new("python3")
        .args(["-c", "import majortomo, zmq"])
        .output()
        .expect("python3 runs");
    assert!(
        probe.status.success(),
        "majortomo is not installed: run python3 -m pip install -r tests/interop/requirements.txt\n{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let mut c = Command::new("python3");
    c.arg("-u").arg(PEER);
    c
}

fn majortomo(args: &[&str]) -> Proc {
    let mut c = python();
    c.args(args);
    spawn_command(c)
}

/// A majortomo client's request; its reply frames, one per line.
fn majortomo_call(endpoint: &str, service: &str, body: &[&str]) -> std::process::Output {
    let mut c = python();
    c.args(["client", endpoint, service]).args(body);
    finish(c, None, Duration::from_secs(30))
}

/// majortomo's worker and client put an empty frame before MDPW02/MDPC02 and number the
/// client commands their own way; the broker reads and answers both.
#[test]
fn majortomo_worker_and_client_through_the_zmqtool_broker() {
    let b = broker(&["-v"]);
    let _w = majortomo(&["worker", &b.endpoint, "mt"]);
    wait_for_service(&b.endpoint, "mt");

    let out = majortomo_call(&b.endpoint, "mt", &["hello"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "part\nmajortomo\nhello\n".into()),
        "{}\n--- broker:\n{}",
        stderr(&out),
        b.proc.stderr()
    );
    // zmqtool's own clients reach the majortomo worker in either version: a 0.2 client gets
    // the PARTIAL as it comes, a 0.1 client gets the parts gathered into one REPLY.
    for protocol in ["0.1", "0.2"] {
        let out = client(&b.endpoint, &["--protocol", protocol, "mt", "hi"]);
        assert_eq!(
            stdout(&out),
            "part\nmajortomo\nhi\n",
            "{protocol}: {}",
            stderr(&out)
        );
    }
    // And a majortomo client reaches a zmqtool worker.
    let _echo = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let out = majortomo_call(&b.endpoint, "echo", &["a", "b"]);
    assert_eq!(stdout(&out), "a\nb\n", "{}", stderr(&out));
}

/// zmqtool's worker and client with `--protocol majortomo` through majortomo's broker, which
/// speaks only its own form of MDP/0.2.
#[test]
fn zmqtool_worker_and_client_through_the_majortomo_broker() {
    let b = majortomo(&["broker", "tcp://127.0.0.1:*"]);
    assert!(
        wait_until(Duration::from_secs(10), || b.stdout().contains("tcp://")),
        "the majortomo broker did not start: {}",
        b.stderr()
    );
    let endpoint = b.stdout().trim().to_string();
    // With --credit, which majortomo's broker ignores (it reads READY's service frame only):
    // the worker is then given one request at a time, as by any MDP broker. On the direct
    // engine: its own ZMTP against pyzmq's libzmq.
    let _w = worker(
        &endpoint,
        "echo",
        &[
            "--protocol",
            "majortomo",
            "--heartbeat",
            "500ms",
            "--credit",
            "4",
            "--engine",
            "direct",
        ],
    );
    // majortomo's broker has no MMI: ask until the worker has registered.
    let answered = wait_until(Duration::from_secs(20), || {
        majortomo_call(&endpoint, "echo", &["ping"])
            .status
            .success()
    });
    assert!(answered, "no answer through majortomo: {}", b.stderr());
    let out = majortomo_call(&endpoint, "echo", &["from", "majortomo"]);
    assert_eq!(stdout(&out), "from\nmajortomo\n");
    let out = client(
        &endpoint,
        &["--protocol", "majortomo", "echo", "from", "zmqtool"],
    );
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "from\nzmqtool\n".into()),
        "{}\n--- majortomo broker:\n{}",
        stderr(&out),
        b.stderr()
    );
    // The reply to a request through a majortomo worker streams its PARTIAL first.
    let _mt = majortomo(&["worker", &endpoint, "mt"]);
    let answered = wait_until(Duration::from_secs(20), || {
        client(
            &endpoint,
            &[
                "--protocol",
                "majortomo",
                "mt",
                "x",
                "--timeout",
                "1s",
                "--retries",
                "1",
            ],
        )
        .status
        .success()
    });
    assert!(answered);
    let out = client(&endpoint, &["--protocol", "majortomo", "--json", "mt", "y"]);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&out));
    assert_eq!(lines[0]["final"], false);
    assert_eq!(lines[1]["frames"], serde_json::json!(["majortomo", "y"]));
}

/// A worker as the zguide's mdwrkapi makes them: single-threaded, so it heartbeats while idle
/// and says nothing while it works. Registers for `service`, heartbeats until a request comes,
/// then works for `work` in silence and replies with the request body.
fn reference_worker(endpoint: &str, service: &str, work: Duration) -> std::thread::JoinHandle<()> {
    let (endpoint, service) = (endpoint.to_string(), service.to_string());
    std::thread::spawn(move || {
        let ctx = zmq::Context::new();
        let s = ctx.socket(zmq::DEALER).unwrap();
        s.set_linger(0).unwrap();
        s.set_rcvtimeo(250).unwrap();
        s.connect(&endpoint).unwrap();
        s.send_multipart([&b""[..], b"MDPW01", b"\x01", service.as_bytes()], 0)
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let (client, body) = loop {
            assert!(std::time::Instant::now() < deadline, "no request came");
            s.send_multipart([&b""[..], b"MDPW01", b"\x04"], 0).unwrap();
            if let Ok(msg) = s.recv_multipart(0)
                && msg.get(2).map(Vec::as_slice) == Some(b"\x02")
            {
                break (msg[3].clone(), msg[5..].to_vec());
            }
        };
        std::thread::sleep(work);
        let mut reply = vec![b"".to_vec(), b"MDPW01".to_vec(), vec![3], client, vec![]];
        reply.extend(body);
        s.send_multipart(reply, 0).unwrap();
        // Stay connected a little, as a worker going back to its loop would.
        std::thread::sleep(Duration::from_millis(500));
    })
}

/// A zguide-style worker is silent while busy: the broker must not expire it after --liveness
/// silent heartbeats, or a job over 3 x heartbeat would be requeued, run twice and dropped.
#[test]
fn a_reference_worker_silent_for_9_s_while_busy_keeps_its_request() {
    let b = broker(&["-v", "--heartbeat", "1s"]);
    let w = reference_worker(&b.endpoint, "slow", Duration::from_secs(9));
    wait_for_service(&b.endpoint, "slow");
    let out = client(
        &b.endpoint,
        &["slow", "once", "--timeout", "30s", "--retries", "1"],
    );
    assert_eq!(stdout(&out), "once\n", "{}", b.proc.stderr());
    w.join().unwrap();
    let log = b.proc.stderr();
    assert!(
        !log.contains("requeued") && !log.contains("expired"),
        "{log}"
    );
}

/// Behind a broker that heartbeats idle workers only (the zguide's), a zmqtool worker must not
/// declare the broker dead 3 heartbeats into a long job, kill the job and lose the request.
/// A broker that does exactly that is played here by a raw ROUTER.
#[test]
fn a_long_job_survives_a_broker_that_is_silent_to_busy_workers() {
    let ctx = zmq::Context::new();
    let router = ctx.socket(zmq::ROUTER).unwrap();
    router.set_linger(0).unwrap();
    router.set_rcvtimeo(100).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = router.get_last_endpoint().unwrap().unwrap();
    // Heartbeats every 250 ms: the job below lasts 12 of the worker's expiries.
    let _w = worker(
        &endpoint,
        "long",
        &["--exec", "sleep 9; cat", "--exec-timeout", "1m"],
    );
    let recv = || router.recv_multipart(0).ok();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut readies = 0;
    let mut reply = None;
    while std::time::Instant::now() < deadline && reply.is_none() {
        // A busy worker gets nothing from this broker, not even heartbeats, as in mdbroker.c.
        let Some(msg) = recv() else {
            continue;
        };
        match msg.get(3).map(Vec::as_slice) {
            Some(b"\x01") => {
                readies += 1;
                if readies == 1 {
                    router
                        .send_multipart(
                            [
                                &msg[0][..],
                                b"",
                                b"MDPW01",
                                b"\x02",
                                b"client-1",
                                b"",
                                b"the job",
                            ],
                            0,
                        )
                        .unwrap();
                }
            }
            Some(b"\x03") => reply = Some(msg),
            _ => {}
        }
    }
    let reply = reply.expect("the reply came through");
    assert_eq!(
        reply[4..],
        [b"client-1".to_vec(), vec![], b"the job".to_vec()]
    );
    assert_eq!(readies, 1, "the worker did not reconnect during the job");
}

/// `check broker` and `check service` against majortomo's broker, which has no MMI: the broker
/// check is the ZMTP handshake, the service check a real request through a majortomo worker.
#[test]
fn checks_against_the_majortomo_broker() {
    use common::check::*;
    let mut b = majortomo(&["broker", "tcp://127.0.0.1:*"]);
    assert!(
        wait_until(Duration::from_secs(10), || b.stdout().contains("tcp://")),
        "the majortomo broker did not start: {}",
        b.stderr()
    );
    let endpoint = b.stdout().trim().to_string();
    let ep = endpoint.as_str();
    let plugin = every_format(
        &["broker", "--broker", ep, "--protocol", "majortomo"],
        "OK",
        0,
        0,
    );
    assert!(plugin.text.contains("ZMTP handshake"), "{}", plugin.text);
    assert_eq!(plugin.perf.len(), 1, "only the handshake's time is known");

    let _w = majortomo(&["worker", ep, "mt"]);
    let service = [
        "service",
        "mt",
        "--broker",
        ep,
        "--protocol",
        "majortomo",
        "--request",
        "ping",
        "--expect",
        "(?s)majortomo.*ping",
    ];
    // The worker registers on its own time: ask until it answers.
    let mut last = serde_json::Value::Null;
    let up = wait_until(Duration::from_secs(20), || {
        let (code, json) = check_json(&service);
        last = json;
        code == Some(0)
    });
    assert!(up, "{last}");
    let plugin = every_format(&service, "OK", 0, 0);
    assert!(plugin.perf("rtt").value > 0.0);
    // Through majortomo, an answer is all that says a worker is there.
    assert!(plugin.text.contains("mt has workers"), "{}", plugin.text);
    // Asking for two workers cannot be judged: UNKNOWN.
    let mut two = service.to_vec();
    two.extend(["--min-workers", "2"]);
    every_format(&two, "UNKNOWN", 3, 1);

    b.kill();
    every_format(
        &[
            "broker",
            "--broker",
            ep,
            "--protocol",
            "majortomo",
            "--timeout",
            "1s",
        ],
        "CRITICAL",
        2,
        1,
    );
    let mut down = service.to_vec();
    down.extend(["--timeout", "1s"]);
    every_format(&down, "CRITICAL", 2, 1);
}

/// The `dedup` extension against majortomo, both ways. Its worker behind the zmqtool broker
/// never sees a stamp (the broker gives stamps only to workers that announced `dedup`), and
/// its broker in front of a `--dedup` zmqtool worker passes the stamp on untouched, so a
/// repeated stamp runs once.
#[test]
fn stamps_never_reach_a_majortomo_worker_and_pass_through_its_broker() {
    let b = broker(&[]);
    let _w = majortomo(&["worker", &b.endpoint, "mt"]);
    wait_for_service(&b.endpoint, "mt");
    let out = client(
        &b.endpoint,
        &["--protocol", "0.2", "--stamp", "--json", "mt", "hi"],
    );
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", stderr(&out));
    // The request reached majortomo's worker exactly as an unstamped one: its reply is
    // "majortomo" and the request's frames, nothing more.
    assert_eq!(lines[1]["frames"], serde_json::json!(["majortomo", "hi"]));
    assert_eq!(lines[1]["dedup"], serde_json::Value::Null);

    let mt = majortomo(&["broker", "tcp://127.0.0.1:*"]);
    assert!(
        wait_until(Duration::from_secs(10), || mt.stdout().contains("tcp://")),
        "the majortomo broker did not start: {}",
        mt.stderr()
    );
    let endpoint = mt.stdout().trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let store = dir.path().join("dedup.db");
    let job = format!(
        "read x; echo \"$x\" >> '{}'; echo \"done $x\"",
        ledger.display()
    );
    let _dedup = worker(
        &endpoint,
        "pay",
        &[
            "--protocol",
            "majortomo",
            "--heartbeat",
            "500ms",
            "--exec",
            &job,
            "--dedup",
            store.to_str().unwrap(),
        ],
    );
    let call = || {
        client(
            &endpoint,
            &[
                "--protocol",
                "majortomo",
                "--json",
                "--timeout",
                "1s",
                "--retries",
                "1",
                "--client-id",
                "mt-client",
                "--request-id",
                "k1",
                "pay",
                "order",
            ],
        )
    };
    // majortomo's broker has no MMI: call until the worker has registered.
    assert!(
        wait_until(Duration::from_secs(20), || call().status.success()),
        "no answer through majortomo: {}",
        mt.stderr()
    );
    let out = call();
    let reply: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(reply["frames"], serde_json::json!(["done order"]));
    assert_eq!(reply["dedup"], "replayed", "{reply}");
    let ran = std::fs::read_to_string(&ledger).unwrap();
    assert_eq!(ran.lines().count(), 1, "{ran}");
}
