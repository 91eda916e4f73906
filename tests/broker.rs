//! The real broker, workers and clients on loopback.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn a_request_is_answered() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let out = client(&b.endpoint, &["echo", "hello", "world"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello\nworld\n");
}

#[test]
fn an_mdp02_client_is_served_by_an_mdp01_worker_and_vice_versa() {
    let b = broker(&[]);
    let _w1 = worker(&b.endpoint, "old", &["--protocol", "0.1"]);
    let _w2 = worker(&b.endpoint, "new", &["--protocol", "0.2"]);
    wait_for_service(&b.endpoint, "old");
    wait_for_service(&b.endpoint, "new");
    for (service, protocol) in [("old", "0.2"), ("new", "0.1"), ("new", "0.2")] {
        let out = client(&b.endpoint, &["--protocol", protocol, service, "x"]);
        assert_eq!(
            stdout(&out),
            "x\n",
            "{service} via {protocol}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn two_workers_share_the_load() {
    let b = broker(&["-v"]);
    let _w1 = worker(&b.endpoint, "echo", &[]);
    let _w2 = worker(&b.endpoint, "echo", &[]);
    let both = wait_until(Duration::from_secs(10), || {
        b.proc.stderr().matches("ready for \"echo\"").count() == 2
    });
    assert!(both);
    // Hand-driven workers would show it too, but the broker's own accounting is the check:
    // with two idle workers, two requests held at once need both.
    let w3 = RawWorker::connect(&b.endpoint, "slow");
    let w4 = RawWorker::connect(&b.endpoint, "slow");
    wait_for_service(&b.endpoint, "slow");
    let ep = b.endpoint.clone();
    let c1 = std::thread::spawn(move || raw_call(&ep, "slow", &[b"1"], 5000));
    let ep = b.endpoint.clone();
    let c2 = std::thread::spawn(move || raw_call(&ep, "slow", &[b"2"], 5000));
    let r3 = w3.recv_command(2).expect("first worker gets a request");
    let r4 = w4.recv_command(2).expect("second worker gets the other");
    let mut bodies = vec![r3[5].clone(), r4[5].clone()];
    bodies.sort();
    assert_eq!(bodies, vec![b"1".to_vec(), b"2".to_vec()]);
    for r in [(&w3, &r3), (&w4, &r4)] {
        let (w, req) = r;
        w.socket
            .send_multipart([&b""[..], b"MDPW01", b"\x03", &req[3], b"", &req[5]], 0)
            .unwrap();
    }
    assert!(c1.join().unwrap().is_some());
    assert!(c2.join().unwrap().is_some());
    // And the real echo workers both serve.
    for i in 0..4 {
        let out = client(&b.endpoint, &["echo", &i.to_string()]);
        assert_eq!(stdout(&out), format!("{i}\n"));
    }
}

#[test]
fn a_request_held_by_a_dead_worker_is_redone_by_another() {
    // A raw worker never heartbeats while busy, so it is allowed --busy-timeout of silence.
    let b = broker(&["-v", "--busy-timeout", "1s"]);
    // The first worker takes the request and dies without a word (its socket closes, as
    // under SIGKILL); then a real worker comes.
    let dying = RawWorker::connect(&b.endpoint, "echo");
    wait_for_service(&b.endpoint, "echo");
    let ep = b.endpoint.clone();
    let call = std::thread::spawn(move || raw_call(&ep, "echo", &[b"precious"], 10_000));
    let req = dying.recv_command(2).expect("the first worker gets it");
    assert_eq!(req[5], b"precious");
    drop(dying);
    let _w = worker(&b.endpoint, "echo", &[]);
    let reply = call.join().unwrap().expect("the request is answered");
    assert_eq!(reply, vec![b"precious".to_vec()]);
    b.proc.wait_stderr("requeued", Duration::from_secs(1));
}

#[test]
fn mmi_reports_presence_lists_and_501() {
    let b = broker(&["--service-ttl", "500ms"]);
    let mut w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");

    let out = client(&b.endpoint, &["mmi.service", "echo"]);
    assert_eq!(stdout(&out), "200\n");
    let out = client(&b.endpoint, &["mmi.services"]);
    assert_eq!(stdout(&out), "echo\n");
    let out = client(&b.endpoint, &["mmi.workers"]);
    assert_eq!(stdout(&out), "echo idle=1 busy=0 queued=0\n");
    let out = client(&b.endpoint, &["mmi.unknown", "x"]);
    assert_eq!(stdout(&out), "501\n");

    // The last worker dies: 404 once it is purged, and the service is gone after the TTL.
    w.kill();
    assert!(wait_until(Duration::from_secs(5), || {
        mmi_code(&b.endpoint, "echo").as_deref() == Some("404")
    }));
    assert!(wait_until(Duration::from_secs(5), || {
        raw_call(&b.endpoint, "mmi.services", &[b""], 1000) == Some(vec![vec![]])
    }));
}

#[test]
fn garbage_of_every_shape_leaves_the_broker_serving() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let ctx = zmq::Context::new();
    let s = ctx.socket(zmq::DEALER).unwrap();
    s.set_linger(0).unwrap();
    s.connect(&b.endpoint).unwrap();
    let garbage: Vec<Vec<&[u8]>> = vec![
        vec![b""],
        vec![b"x"],
        vec![b"", b""],
        vec![b"", b"MDPC01"],
        vec![b"", b"MDPC01", b"echo"],
        vec![b"", b"MDPC01", b"", b"body"],
        vec![b"MDPC02", b"\xff", b"echo", b"x"],
        vec![b"MDPC02"],
        vec![b"", b"MDPW01"],
        vec![b"", b"MDPW01", b"\x01"],
        vec![b"", b"MDPW01", b"\x01", b"svc", b"extra"],
        vec![b"", b"MDPW01", b"\x03", b"nobody", b"", b"x"],
        vec![b"", b"MDPW01", b"\x04\x04"],
        vec![b"MDPW02", b"\x09"],
        vec![b"", b"MDPW01", b"\x01", b"mmi.evil"],
        vec![&[0xff; 300][..], &[0u8; 3][..]],
    ];
    for frames in garbage {
        s.send_multipart(frames, 0).unwrap();
    }
    // A request on the same connection is read after all the garbage: its answer proves the
    // broker parsed every piece and is still serving.
    s.set_rcvtimeo(10_000).unwrap();
    s.send_multipart([&b""[..], b"MDPC01", b"echo", b"still here"], 0)
        .unwrap();
    // The garbage that looked like a worker got DISCONNECTs; skip them.
    let reply = loop {
        let msg = s.recv_multipart(0).expect("the broker still answers");
        if msg.get(1).map(Vec::as_slice) != Some(b"MDPW01") {
            break msg;
        }
    };
    assert_eq!(
        reply,
        [&b""[..], b"MDPC01", b"echo", b"still here"],
        "{}",
        b.proc.stderr()
    );
    let out = client(&b.endpoint, &["echo", "still here"]);
    assert_eq!(stdout(&out), "still here\n", "{}", b.proc.stderr());
    assert_eq!(mmi_code(&b.endpoint, "mmi.evil").as_deref(), Some("404"));
}

#[test]
fn sigint_sends_disconnect_to_workers_and_exits_130() {
    let mut b = broker(&["-v"]);
    let w = RawWorker::connect(&b.endpoint, "echo");
    wait_for_service(&b.endpoint, "echo");
    b.proc.signal("INT");
    let disconnect = w.recv_command(5).expect("DISCONNECT reaches the worker");
    assert_eq!(disconnect, vec![b"".to_vec(), b"MDPW01".to_vec(), vec![5]]);
    assert_eq!(b.proc.wait_exit(Duration::from_secs(5)), Some(130));
}

#[test]
fn sigterm_exits_0() {
    let mut b = broker(&[]);
    b.proc.signal("TERM");
    assert_eq!(b.proc.wait_exit(Duration::from_secs(5)), Some(0));
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let b = broker(&[]);
    let out = run(&["broker", "--bind", &b.endpoint]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot bind {}", b.endpoint)) && err.contains("in use"),
        "{err}"
    );
}

#[test]
fn a_bad_endpoint_is_a_clear_error() {
    let out = run(&["broker", "--bind", "nonsense"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot bind nonsense"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn several_binds_serve_the_same_broker() {
    let ipc = ipc();
    let b = spawn(&[
        "broker",
        "--bind",
        "tcp://127.0.0.1:*",
        "--bind",
        &ipc.ep,
        "--heartbeat",
        HB,
    ]);
    let ec = ipc.ep.clone();
    b.wait_stderr(&format!("listening on {ec}"), Duration::from_secs(10));
    let ea = bound_endpoint(&b, "listening on tcp://");
    let ea = format!("tcp://{ea}");
    let _w = worker(&ea, "echo", &[]);
    wait_for_service(&ec, "echo");
    let out = client(&ec, &["echo", "via the other endpoint"]);
    assert_eq!(stdout(&out), "via the other endpoint\n");
}

#[test]
fn client_times_out_with_exit_3() {
    let b = broker(&[]);
    let out = client(
        &b.endpoint,
        &["nobody", "x", "--timeout", "100ms", "--retries", "2"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("no reply from \"nobody\" after 2 attempts"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unreachable_broker_is_a_timeout() {
    let dead = ipc();
    let out = run(&[
        "client",
        "--broker",
        &dead.ep,
        "echo",
        "x",
        "--timeout",
        "100ms",
        "--retries",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn vv_dumps_frames() {
    let b = broker(&["-vv"]);
    let _ = raw_call(&b.endpoint, "mmi.service", &[b"echo"], 2000);
    let log = b
        .proc
        .wait_stderr("[011] mmi.service", Duration::from_secs(2));
    assert!(log.contains("[006] MDPC01"), "{log}");
}

/// A reply the broker refuses (here 2,000 frames, over --max-frames) must not leave its
/// worker busy for ever, heartbeating, with its request never answered nor requeued.
#[test]
fn a_worker_whose_reply_is_refused_is_not_left_busy() {
    let b = broker(&[]);
    let _w = worker(
        &b.endpoint,
        "many",
        &["--exec", "seq 2000 | tr '\\n' '\\0'", "-0"],
    );
    wait_for_service(&b.endpoint, "many");
    let out = client(
        &b.endpoint,
        &["many", "x", "--timeout", "3s", "--retries", "1"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Said at the default level, with the limit.
    let log = b.proc.wait_stderr(
        "was refused: more than 1024 frames (--max-frames)",
        Duration::from_secs(10),
    );
    assert!(log.contains("sent DISCONNECT"), "{log}");
    // The worker is back, idle: mmi does not show it busy.
    assert!(
        wait_until(Duration::from_secs(10), || {
            raw_call(&b.endpoint, "mmi.workers", &[b""], 1000).is_some_and(|f| {
                f.first()
                    .is_some_and(|s| s.starts_with(b"many idle=1 busy=0"))
            })
        }),
        "{}",
        b.proc.stderr()
    );
}

#[test]
fn both_engines_broker_and_direct_says_where_it_cannot() {
    for engine in ["direct", "libzmq"] {
        let b = broker(&["--engine", engine]);
        let _w = worker(&b.endpoint, "echo", &[]);
        wait_for_service(&b.endpoint, "echo");
        let out = client(&b.endpoint, &["echo", "via", engine]);
        assert_eq!(
            (out.status.code(), stdout(&out)),
            (Some(0), format!("via\n{engine}\n")),
            "{engine}: {}",
            stderr(&out)
        );
        let out = client(&b.endpoint, &["mmi.service", "echo"]);
        assert_eq!(stdout(&out), "200\n", "{engine}");
    }
    for (args, why) in [
        (&["--allow", "127.0.0.1"][..], "it checks nothing"),
        (&["--bind", "inproc://x"], "not inproc://x"),
    ] {
        let mut all = vec!["broker", "--engine", "direct"];
        all.extend(args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
    }
}
