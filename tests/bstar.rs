//! Binary Star with two real servers: failover for clients and workers, no fail-back, no
//! dual actives, split brain reported, the echo server with a plain REQ client.

mod common;

use std::time::Duration;

use common::*;

/// Two missed beats (800 ms) make a peer dead: slow enough that a loaded machine does not
/// fail over by accident.
const PEER_HB: &str = "400ms";

/// The four endpoints of a pair, each of its own (ipc:// in a temporary directory, so a
/// server can be restarted on its endpoint and nobody else can take it).
struct Pair {
    primary_front: String,
    backup_front: String,
    primary_state: String,
    backup_state: String,
    _dir: tempfile::TempDir,
}

impl Pair {
    fn new() -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let ep = |name: &str| format!("ipc://{}/{name}", dir.path().display());
        Pair {
            primary_front: ep("primary"),
            backup_front: ep("backup"),
            primary_state: ep("primary-state"),
            backup_state: ep("backup-state"),
            _dir: dir,
        }
    }

    fn start(&self, primary: bool, extra: &[&str]) -> Proc {
        let (role, front, bind, connect) = if primary {
            (
                "--primary",
                &self.primary_front,
                &self.primary_state,
                &self.backup_state,
            )
        } else {
            (
                "--backup",
                &self.backup_front,
                &self.backup_state,
                &self.primary_state,
            )
        };
        let mut args = vec![
            "bstar",
            role,
            "--frontend",
            front,
            "--state-bind",
            bind,
            "--state-connect",
            connect,
            "--peer-heartbeat",
            PEER_HB,
            "--heartbeat",
            HB,
        ];
        args.extend(extra);
        let p = spawn(&args);
        p.wait_stderr("serving", Duration::from_secs(10));
        p
    }

    fn status(&self, primary: bool) -> Option<String> {
        let ep = if primary {
            &self.primary_state
        } else {
            &self.backup_state
        };
        let out = run(&["bstar", "status", ep, "--wait", "1s"]);
        (out.status.code() == Some(0)).then(|| stdout(&out).trim().to_string())
    }

    fn wait_status(&self, primary: bool, want: &str) {
        let ok = wait_until(Duration::from_secs(10), || {
            self.status(primary).as_deref() == Some(want)
        });
        assert!(
            ok,
            "{} never became {want}",
            if primary { "primary" } else { "backup" }
        );
    }

    fn client(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec![
            "client",
            "--broker",
            &self.primary_front,
            "--broker",
            &self.backup_front,
            "--timeout",
            "500ms",
            "--retries",
            "12",
        ];
        all.extend(args);
        run(&all)
    }

    /// The pair started (primary active, backup passive) with an echo worker on both:
    /// (primary, backup, worker).
    fn serving(&self) -> (Proc, Proc, Proc) {
        let primary = self.start(true, &[]);
        let backup = self.start(false, &[]);
        self.wait_status(true, "active");
        self.wait_status(false, "passive");
        (primary, backup, self.worker())
    }

    fn worker(&self) -> Proc {
        spawn(&[
            "worker",
            "echo",
            "-v",
            "--broker",
            &self.primary_front,
            "--broker",
            &self.backup_front,
            "--heartbeat",
            HB,
            "--reconnect",
            HB,
        ])
    }
}

#[test]
fn clients_and_workers_fail_over_when_the_active_server_is_killed() {
    let pair = Pair::new();
    let (mut primary, _backup, _w) = pair.serving();
    let out = pair.client(&["echo", "before"]);
    assert_eq!(stdout(&out), "before\n", "{}", stderr(&out));

    primary.signal("KILL");
    primary.wait_exit(Duration::from_secs(5));
    let out = pair.client(&["echo", "after"]);
    assert_eq!(stdout(&out), "after\n", "{}", stderr(&out));
    assert_eq!(pair.status(false).as_deref(), Some("active"));
}

/// One client process per call over the pair, as a script makes them, remembering the
/// broker that answered last in `state` (or not, when `None`).
fn timed_call(pair: &Pair, state: Option<&std::path::Path>, body: &str) -> std::process::Output {
    let mut c = command();
    c.args([
        "-v",
        "client",
        "--broker",
        &pair.primary_front,
        "--broker",
        &pair.backup_front,
        // Far above any call that does not wait out a timeout, even on a loaded machine.
        "--timeout",
        "30s",
        "--retries",
        "2",
        "echo",
        body,
    ]);
    match state {
        Some(dir) => c.env("ZMQTOOL_STATE", dir),
        None => c.args(["--no-state"]),
    };
    finish(c, None, Duration::from_secs(120))
}

#[test]
fn after_a_failover_no_call_waits_for_the_dead_primary() {
    let pair = Pair::new();
    let (mut primary, _backup, _w) = pair.serving();
    let state = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let out = timed_call(&pair, Some(state.path()), &format!("before {i}"));
        assert_eq!(stdout(&out), format!("before {i}\n"), "{}", stderr(&out));
    }

    primary.signal("KILL");
    primary.wait_exit(Duration::from_secs(5));
    assert!(ask_until(&pair.backup_front, || pair
        .status(false)
        .as_deref()
        == Some("active")));
    // The worker has moved to the backup once a call through the backup alone is answered.
    assert!(wait_until(Duration::from_secs(20), || {
        let out = run(&[
            "client",
            "--broker",
            &pair.backup_front,
            "--timeout",
            "500ms",
            "--retries",
            "1",
            "echo",
            "x",
        ]);
        out.status.success()
    }));

    // Each call is answered in its first attempt (none waits out --timeout): the first
    // gives the dead primary a head start only, and the memory spares the others even that.
    let raced = |out: &std::process::Output| stderr(out).contains("as well");
    for i in 0..5 {
        let out = timed_call(&pair, Some(state.path()), &format!("after {i}"));
        assert_eq!(stdout(&out), format!("after {i}\n"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("retrying"), "{}", stderr(&out));
        assert_eq!(raced(&out), i == 0, "call {i}: {}", stderr(&out));
    }
    // Without the memory, every call pays the head start, and only that.
    for i in 0..3 {
        let out = timed_call(&pair, None, &format!("forgetful {i}"));
        assert_eq!(stdout(&out), format!("forgetful {i}\n"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("retrying"), "{}", stderr(&out));
        assert!(raced(&out), "{}", stderr(&out));
    }
}

#[test]
fn the_backup_takes_over_only_when_asked_after_the_primary_is_silent() {
    let pair = Pair::new();
    let mut primary = pair.start(true, &[]);
    let backup = pair.start(false, &["-v"]);
    pair.wait_status(false, "passive");
    // While the primary lives, a request to the backup is dropped and changes nothing.
    let direct = run(&[
        "client",
        "--broker",
        &pair.backup_front,
        "x",
        "--timeout",
        "300ms",
        "--retries",
        "1",
    ]);
    assert_eq!(direct.status.code(), Some(3));
    assert_eq!(pair.status(false).as_deref(), Some("passive"));

    primary.signal("KILL");
    primary.wait_exit(Duration::from_secs(5));
    // Silence alone is not enough: no client has asked.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(pair.status(false).as_deref(), Some("passive"));
    assert!(ask_until(&pair.backup_front, || pair
        .status(false)
        .as_deref()
        == Some("active")));
    assert!(
        backup
            .stderr()
            .contains("peer has been silent for two heartbeats")
    );
}

#[test]
fn a_restarted_primary_becomes_passive() {
    let pair = Pair::new();
    let mut primary = pair.start(true, &[]);
    let _backup = pair.start(false, &[]);
    pair.wait_status(true, "active");
    primary.signal("KILL");
    primary.wait_exit(Duration::from_secs(5));
    let _w = pair.worker();
    assert_eq!(stdout(&pair.client(&["echo", "x"])), "x\n");
    pair.wait_status(false, "active");
    // The primary comes back: no automatic fail-back.
    let _primary = pair.start(true, &[]);
    pair.wait_status(true, "passive");
    assert_eq!(pair.status(false).as_deref(), Some("active"));
    assert_eq!(stdout(&pair.client(&["echo", "still"])), "still\n");
}

#[test]
fn killing_both_in_turn_and_restarting_never_yields_two_actives() {
    let pair = Pair::new();
    let never_both = |pair: &Pair| {
        let (p, b) = (pair.status(true), pair.status(false));
        assert!(
            !(p.as_deref() == Some("active") && b.as_deref() == Some("active")),
            "two actives: primary {p:?}, backup {b:?}"
        );
    };
    let mut primary = pair.start(true, &[]);
    let mut backup = pair.start(false, &[]);
    let w = pair.worker();
    pair.wait_status(true, "active");
    for round in 0..2 {
        // Kill the active primary; clients move the backup to active.
        primary.signal("KILL");
        primary.wait_exit(Duration::from_secs(5));
        assert_eq!(stdout(&pair.client(&["echo", "a"])), "a\n", "round {round}");
        pair.wait_status(false, "active");
        primary = pair.start(true, &["-v"]);
        pair.wait_status(true, "passive");
        never_both(&pair);
        // Kill the active backup; clients move the primary to active.
        backup.signal("KILL");
        backup.wait_exit(Duration::from_secs(5));
        let out = pair.client(&["echo", "b"]);
        assert_eq!(
            stdout(&out),
            "b\n",
            "round {round}: {}\n--- primary:\n{}\n--- worker:\n{}",
            stderr(&out),
            primary.stderr(),
            w.stderr()
        );
        pair.wait_status(true, "active");
        backup = pair.start(false, &[]);
        pair.wait_status(false, "passive");
        never_both(&pair);
    }
    assert!(
        primary.child.try_wait().unwrap().is_none(),
        "{}",
        primary.stderr()
    );
    assert!(
        backup.child.try_wait().unwrap().is_none(),
        "{}",
        backup.stderr()
    );
}

#[test]
fn dual_actives_stop_the_server_with_exit_1() {
    // A misconfigured pair: the second "primary" does not listen to the first.
    let pair = Pair::new();
    let mut first = pair.start(true, &["--echo"]);
    assert!(ask_until(&pair.primary_front, || pair
        .status(true)
        .as_deref()
        == Some("active")));
    let nobody = ipc();
    let nowhere = nobody.ep.clone();
    let _second = spawn(&[
        "bstar",
        "--primary",
        "--echo",
        "--frontend",
        &pair.backup_front,
        "--state-bind",
        &pair.backup_state,
        "--state-connect",
        &nowhere,
        "--peer-heartbeat",
        PEER_HB,
    ]);
    assert!(ask_until(&pair.backup_front, || first
        .child
        .try_wait()
        .unwrap()
        .is_some()));
    assert_eq!(first.wait_exit(Duration::from_secs(10)), Some(1));
    assert!(
        first.stderr().contains("dual actives"),
        "{}",
        first.stderr()
    );
}

#[test]
fn the_echo_pair_serves_a_plain_req_client_that_alternates_endpoints() {
    let pair = Pair::new();
    let mut primary = pair.start(true, &["--echo"]);
    let _backup = pair.start(false, &["--echo"]);
    pair.wait_status(true, "active");
    // bstarcli.c: a REQ socket, a sequence number per request; on a timeout close the socket,
    // switch server, wait longer than the failover timeout, resend.
    let ctx = zmq::Context::new();
    let servers = [pair.primary_front.clone(), pair.backup_front.clone()];
    let mut server = 0;
    let connect = |i: usize| {
        let s = ctx.socket(zmq::REQ).unwrap();
        s.set_linger(0).unwrap();
        s.set_rcvtimeo(500).unwrap();
        s.connect(&servers[i]).unwrap();
        s
    };
    let mut socket = connect(server);
    let mut served = 0;
    for sequence in 1..=10u32 {
        if sequence == 5 {
            primary.signal("KILL");
            primary.wait_exit(Duration::from_secs(5));
        }
        let mut tries = 0;
        loop {
            socket.send(sequence.to_string().as_bytes(), 0).unwrap();
            match socket.recv_bytes(0) {
                Ok(reply) => {
                    assert_eq!(reply, sequence.to_string().into_bytes(), "bad reply");
                    served += 1;
                    break;
                }
                Err(_) => {
                    tries += 1;
                    assert!(tries < 10, "no server answered request {sequence}");
                    server = 1 - server;
                    std::thread::sleep(Duration::from_millis(500));
                    socket = connect(server);
                }
            }
        }
    }
    assert_eq!(served, 10);
    assert_eq!(pair.status(false).as_deref(), Some("active"));
}

#[test]
fn on_change_runs_a_hook_with_the_new_state() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("states");
    let hook = format!(
        "echo \"$ZMQTOOL_BSTAR_PREVIOUS>$ZMQTOOL_BSTAR_STATE\" >> {}",
        log.display()
    );
    let pair = Pair::new();
    let _primary = pair.start(true, &["--on-change", &hook]);
    let _backup = pair.start(false, &["--on-change", &hook]);
    pair.wait_status(false, "passive");
    let ok = wait_until(Duration::from_secs(5), || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.contains("primary>active") && text.contains("backup>passive")
    });
    assert!(ok, "{}", std::fs::read_to_string(&log).unwrap_or_default());
}

#[test]
fn status_of_nothing_times_out_with_exit_3() {
    let nobody = ipc();
    let out = run(&["bstar", "status", &nobody.ep, "--wait", "300ms"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn a_role_is_required() {
    let out = run(&["bstar"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Two servers started with the same role would serve nobody for ever: each stops with exit 1
/// and says what is wrong.
#[test]
fn two_servers_of_the_same_role_stop_and_say_why() {
    for role in ["--primary", "--backup"] {
        let pair = Pair::new();
        let start = |front: &str, bind: &str, connect: &str| {
            spawn(&[
                "bstar",
                role,
                "--echo",
                "--frontend",
                front,
                "--state-bind",
                bind,
                "--state-connect",
                connect,
                "--peer-heartbeat",
                PEER_HB,
            ])
        };
        let mut a = start(&pair.primary_front, &pair.primary_state, &pair.backup_state);
        let mut b = start(&pair.backup_front, &pair.backup_state, &pair.primary_state);
        // The first to hear the other stops; the other may then find its peer silent, as
        // after a crash, and go on alone.
        let stopped = wait_until(Duration::from_secs(20), || {
            [&mut a, &mut b]
                .iter_mut()
                .any(|p| p.child.try_wait().unwrap().is_some())
        });
        assert!(stopped, "{role}: neither stopped");
        let (done, log) = if a.child.try_wait().unwrap().is_some() {
            (a.wait_exit(Duration::from_secs(1)), a.stderr())
        } else {
            (b.wait_exit(Duration::from_secs(1)), b.stderr())
        };
        assert_eq!(done, Some(1), "{role}: {log}");
        assert!(
            log.contains("both started with")
                && log.contains("--primary and the other with --backup"),
            "{log}"
        );
    }
}

/// A worker that registers during the pair's first peer heartbeats is served once the server
/// is active, not dropped to find its way by liveness timeouts (~10 s), which would fail the
/// README's example (a client with `--timeout 1s --retries 10`, default heartbeats).
#[test]
fn the_readme_example_works_against_a_pair_that_has_just_started() {
    let pair = Pair::new();
    let server = |role: &str, front: &str, bind: &str, connect: &str| {
        spawn(&[
            "bstar",
            role,
            "--frontend",
            front,
            "--state-bind",
            bind,
            "--state-connect",
            connect,
        ])
    };
    let _p = server(
        "--primary",
        &pair.primary_front,
        &pair.primary_state,
        &pair.backup_state,
    );
    let _b = server(
        "--backup",
        &pair.backup_front,
        &pair.backup_state,
        &pair.primary_state,
    );
    let mut w = command();
    w.args([
        "worker",
        "echo",
        "--broker",
        &pair.primary_front,
        "--broker",
        &pair.backup_front,
    ]);
    let _w = spawn_command(w);
    let out = run(&[
        "client",
        "echo",
        "hi",
        "--broker",
        &pair.primary_front,
        "--broker",
        &pair.backup_front,
        "--timeout",
        "1s",
        "--retries",
        "10",
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "hi\n".into()),
        "{}",
        stderr(&out)
    );
}

/// With --curve-secret the state exchange is encrypted too: the pair shares one certificate
/// (clients fail over with one server key) and each server proves itself to the other with
/// it, so the two still pair up (primary active, backup passive, without any client asking)
/// even when --curve-allow lists only client keys. `bstar status` reads the state with the
/// server's key and a listed certificate, and hears nothing without CURVE.
#[test]
fn a_curve_pair_exchanges_its_state_encrypted() {
    let certs = tempfile::tempdir().unwrap();
    let cert = |name: &str| certs.path().join(name).to_str().unwrap().to_string();
    for name in ["pair", "ops"] {
        let out = run(&["keygen", "--out", &cert(name)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    std::fs::create_dir(cert("allowed")).unwrap();
    std::fs::copy(cert("ops"), certs.path().join("allowed/ops")).unwrap();
    let pair = Pair::new();
    let secure = [
        "--curve-secret",
        &cert("pair_secret"),
        "--curve-allow",
        &cert("allowed"),
    ];
    let _primary = pair.start(true, &secure);
    let _backup = pair.start(false, &secure);
    let status = |state: &str, extra: &[&str]| {
        let mut args = vec!["bstar", "status", state, "--wait", "1s"];
        args.extend(extra);
        let out = run(&args);
        (out.status.code(), stdout(&out).trim().to_string())
    };
    let ops = [
        "--curve-server-key",
        &cert("pair"),
        "--curve-secret",
        &cert("ops_secret"),
    ];
    let paired = wait_until(Duration::from_secs(20), || {
        status(&pair.primary_state, &ops) == (Some(0), "active".into())
            && status(&pair.backup_state, &ops) == (Some(0), "passive".into())
    });
    assert!(
        paired,
        "{:?} {:?}",
        status(&pair.primary_state, &ops),
        status(&pair.backup_state, &ops)
    );
    assert_eq!(status(&pair.primary_state, &[]).0, Some(3));
}

/// `--metrics-bind` on a pair: each says its state (`zmqtool_bstar_state`); the active
/// server reports its broker's counts, the passive one, which hosts no broker, none.
#[test]
fn each_server_of_a_pair_serves_metrics() {
    let pair = Pair::new();
    let metrics = ["--metrics-bind", "127.0.0.1:0"];
    let primary = pair.start(true, &metrics);
    let backup = pair.start(false, &metrics);
    let address = |p: &Proc| {
        bound_endpoint(p, "metrics on http://")
            .trim_end_matches("/metrics")
            .to_string()
    };
    let (primary_http, backup_http) = (address(&primary), address(&backup));
    pair.wait_status(true, "active");
    pair.wait_status(false, "passive");
    let _w = pair.worker();
    for i in 0..2 {
        let out = pair.client(&["echo", &i.to_string()]);
        assert_eq!(stdout(&out), format!("{i}\n"), "{}", stderr(&out));
    }
    // The snapshot is refreshed every second: wait until it shows the two replies.
    let mut body = String::new();
    assert!(
        wait_until(Duration::from_secs(20), || {
            body = http_get(&primary_http, "/metrics").1;
            body.contains("zmqtool_replies_total{service=\"echo\"} 2")
        }),
        "{body}"
    );
    assert!(
        body.contains("zmqtool_bstar_state{state=\"active\"} 1"),
        "{body}"
    );
    let mut passive = String::new();
    assert!(
        wait_until(Duration::from_secs(20), || {
            let (status, text) = http_get(&backup_http, "/metrics");
            passive = text;
            status.contains("200") && passive.contains("zmqtool_bstar_state{state=\"passive\"} 1")
        }),
        "{passive}"
    );
    assert!(
        passive.contains("zmqtool_requeued_requests_total 0"),
        "{passive}"
    );
    assert!(!passive.contains("service="), "{passive}");
}
