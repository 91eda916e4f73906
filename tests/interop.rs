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
/// client commands their own way; the broker used to drop all of it.
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
    let _w = worker(
        &endpoint,
        "echo",
        &["--protocol", "majortomo", "--heartbeat", "500ms"],
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
