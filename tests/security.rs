//! Hostile peers: what one peer that may connect can do to the broker.

mod common;

use std::time::Duration;

use common::*;

/// DEALERs that claim routing ids, as an attacker would.
fn squat(ctx: &zmq::Context, endpoint: &str, first: u32, count: u32) -> Vec<zmq::Socket> {
    (0..count)
        .map(|i| {
            let s = ctx.socket(zmq::DEALER).unwrap();
            s.set_linger(0).unwrap();
            let mut id = vec![0u8];
            id.extend_from_slice(&first.wrapping_add(i).to_be_bytes());
            s.set_identity(&id).unwrap();
            s.connect(endpoint).unwrap();
            // Say something, so the connection is certainly up and identified.
            s.send_multipart([&b""[..], b"MDPC01", b"mmi.service", b"x"], 0)
                .unwrap();
            s.set_rcvtimeo(5000).unwrap();
            s.recv_multipart(0).expect("the squatter is answered");
            s
        })
        .collect()
}

/// libzmq 4.3.x's ROUTER hands out 0x00 + a 32-bit counter as routing ids, starting at glibc
/// rand()'s first value, and does not check whether a peer already claimed the id it
/// generates: unguarded, the next ordinary connection aborts the broker (socket_base.cpp:2128,
/// exit 134). Squatting the first ids, and the next ones learned from a forwarded request,
/// must leave the broker serving.
#[test]
fn squatted_routing_ids_do_not_crash_the_broker() {
    let mut b = broker(&[]);
    let ctx = zmq::Context::new();
    let _first = squat(&ctx, &b.endpoint, 0x6b8b_4567, 8);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    assert_eq!(stdout(&client(&b.endpoint, &["echo", "alive"])), "alive\n");

    // Learn the counter as an attacker can: a worker of our own sees client addresses.
    let spy = RawWorker::connect(&b.endpoint, "spy");
    wait_for_service(&b.endpoint, "spy");
    let ep = b.endpoint.clone();
    let call = std::thread::spawn(move || raw_call(&ep, "spy", &[b"hi"], 3000));
    let request = spy.recv_command(2).expect("the spy gets the request");
    let learned = &request[3];
    assert_eq!(learned.len(), 5, "a generated id: {learned:?}");
    let next = u32::from_be_bytes(learned[1..5].try_into().unwrap()).wrapping_add(1);
    let _ = call.join();
    let _next = squat(&ctx, &b.endpoint, next, 8);
    assert_still_serving(&mut b, 4);
}

/// `b` answers `calls` echo requests in turn, and is still running.
fn assert_still_serving(b: &mut Broker, calls: usize) {
    for i in 0..calls {
        let out = client(&b.endpoint, &["echo", &i.to_string()]);
        assert_eq!(stdout(&out), format!("{i}\n"), "{}", b.proc.stderr());
    }
    assert!(
        b.proc.child.try_wait().unwrap().is_none(),
        "the broker died: {}",
        b.proc.stderr()
    );
}

/// CURVE end to end: a broker that admits listed client keys; its worker and an allowed
/// client get through, encrypted; a key not listed, a client without CURVE, and one with the
/// wrong server key get no reply (exit 3), and the broker logs each refusal.
#[test]
fn curve_admits_listed_keys_and_logs_every_refusal() {
    let certs = Certs::new(&["broker", "worker", "ann", "mallory", "other-broker"]);
    certs.allow("worker");
    certs.allow("ann");
    let b = broker(&[
        "-v",
        "--curve-secret",
        &certs.path("broker_secret"),
        "--curve-allow",
        &certs.path("allowed"),
    ]);
    let server_key = certs.path("broker");
    let _w = worker(
        &b.endpoint,
        "echo",
        &[
            "--curve-server-key",
            &server_key,
            "--curve-secret",
            &certs.path("worker_secret"),
        ],
    );
    let call = |extra: &[&str]| {
        let mut args = vec!["echo", "secret", "--timeout", "1s", "--retries", "1"];
        args.extend(extra);
        client(&b.endpoint, &args)
    };
    let allowed = [
        "--curve-server-key",
        &server_key,
        "--curve-secret",
        &certs.path("ann_secret"),
    ];
    assert!(
        wait_until(Duration::from_secs(20), || call(&allowed).status.success()),
        "{}",
        b.proc.stderr()
    );
    assert_eq!(stdout(&call(&allowed)), "secret\n");

    // A key the broker does not list.
    let out = call(&[
        "--curve-server-key",
        &server_key,
        "--curve-secret",
        &certs.path("mallory_secret"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    b.proc
        .wait_stderr("is not in --curve-allow", Duration::from_secs(5));
    // A fresh keypair is not listed either.
    let out = call(&["--curve-server-key", &server_key]);
    assert_eq!(out.status.code(), Some(3));

    // No CURVE at all.
    let out = call(&[]);
    assert_eq!(out.status.code(), Some(3));
    // The wrong server key.
    let out = call(&[
        "--curve-server-key",
        &certs.path("other-broker"),
        "--curve-secret",
        &certs.path("ann_secret"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let log = b
        .proc
        .wait_stderr("its handshake failed", Duration::from_secs(5));
    assert!(
        log.matches("its handshake failed").count() >= 2,
        "both handshake failures are logged:\n{log}"
    );
}

/// Without --curve-allow, any client that knows the server's public key is admitted, with a
/// keypair of its own or a fresh one; keys may be given as Z85 text too.
#[test]
fn an_open_curve_broker_admits_anyone_with_its_key() {
    let certs = Certs::new(&["broker"]);
    let b = broker(&["--curve-secret", &certs.path("broker_secret")]);
    let z85 = certs.public_key("broker");
    let _w = worker(&b.endpoint, "echo", &["--curve-server-key", &z85]);
    let mut c = command();
    c.args(["client", "--broker", &b.endpoint, "echo", "hi"])
        .env("ZMQTOOL_CURVE_SERVER_KEY", &z85);
    let ok = wait_until(Duration::from_secs(20), || {
        let mut c = command();
        c.args(["mmi", "--broker", &b.endpoint, "echo"])
            .env("ZMQTOOL_CURVE_SERVER_KEY", &z85);
        finish(c, None, Duration::from_secs(30)).status.success()
    });
    assert!(ok, "{}", b.proc.stderr());
    let out = finish(c, None, Duration::from_secs(30));
    assert_eq!(stdout(&out), "hi\n", "{}", stderr(&out));
}

#[test]
fn keygen_writes_czmq_certificates_and_prints_keys() {
    let out = run(&["--json", "keygen"]);
    let keys: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(keys["public"].as_str().unwrap().len(), 40);
    assert_eq!(keys["secret"].as_str().unwrap().len(), 40);
    let certs = Certs::new(&["me"]);
    let secret = std::fs::read_to_string(certs.path("me_secret")).unwrap();
    assert!(
        secret.contains("curve\n    public-key = \"") && secret.contains("    secret-key = \"")
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(certs.path("me_secret"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = run(&["keygen", "--out", &certs.path("me")]);
    assert_eq!(again.status.code(), Some(1), "never overwrites");
}

/// A service named "x\nfake 9 0 0\x1b[2K" cannot forge a row of `zmqtool mmi`, nor its escape
/// sequence erase lines of the terminal.
#[test]
fn names_from_the_network_cannot_forge_rows_of_mmi() {
    let b = broker(&[]);
    let _w = RawWorker::connect(&b.endpoint, "x\nfake 9 0 0\x1b[2K");
    assert!(wait_until(Duration::from_secs(10), || {
        stdout(&run(&["mmi", "--broker", &b.endpoint])).contains("fake")
    }));
    let table = stdout(&run(&["mmi", "--broker", &b.endpoint]));
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(!table.contains('\x1b'), "{table:?}");
    assert!(table.contains("x\\nfake 9 0 0\\u{1b}[2K"), "{table}");
}

/// With the usual soft limit of 1024 open files, 1,100 idle connections (which finish the
/// handshake and then say nothing) would lock every client out; the broker raises its soft
/// limit to the hard one at start.
#[test]
fn a_thousand_idle_connections_do_not_lock_clients_out() {
    zmqtool::runtime::raise_open_files_limit();
    let mut c = std::process::Command::new("sh");
    c.arg("-c").arg(format!(
        "ulimit -Sn 1024 && exec {BIN} broker -v --bind tcp://127.0.0.1:* --heartbeat {HB}"
    ));
    let b = spawn_command(c);
    let endpoint = bound_endpoint(&b, "listening on ");
    assert!(
        b.stderr().contains("raised the open files limit from 1024"),
        "the broker could not raise its soft limit (the hard limit must be over 1,100): {}",
        b.stderr()
    );
    // A context holds at most 1023 sockets.
    let contexts = [zmq::Context::new(), zmq::Context::new()];
    let idle: Vec<zmq::Socket> = (0..1100)
        .map(|i| {
            let s = contexts[i % 2].socket(zmq::DEALER).unwrap();
            s.set_linger(0).unwrap();
            s.connect(&endpoint).unwrap();
            s
        })
        .collect();
    // The last one has a working connection: the broker answers it (so all 1,100 are up).
    let last = idle.last().unwrap();
    last.set_rcvtimeo(10_000).unwrap();
    last.send_multipart([&b""[..], b"MDPC01", b"mmi.service", b"x"], 0)
        .unwrap();
    assert!(last.recv_multipart(0).is_ok(), "{}", b.stderr());
    let _w = worker(&endpoint, "echo", &[]);
    wait_for_service(&endpoint, "echo");
    let out = client(&endpoint, &["echo", "still in"]);
    assert_eq!(stdout(&out), "still in\n", "{}", b.stderr());
}

/// A connection that never finishes its handshake is dropped after a few seconds (libzmq's
/// default keeps it for 30), so half-open connections cannot pile up for long.
#[test]
fn a_silent_tcp_connection_is_dropped_soon() {
    use std::io::Read;
    let b = broker(&[]);
    let addr = b.endpoint.trim_start_matches("tcp://");
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 64];
    // libzmq sends its greeting, then closes the connection when the handshake times out.
    let closed = loop {
        match tcp.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    assert!(closed, "the silent connection was still open after 20 s");
}

/// A DEALER that the broker has answered (so its connection was admitted), or `None` when no
/// answer came within `timeout_ms`.
fn admitted(ctx: &zmq::Context, endpoint: &str, timeout_ms: i32) -> Option<zmq::Socket> {
    let s = ctx.socket(zmq::DEALER).unwrap();
    s.set_linger(0).unwrap();
    s.set_rcvtimeo(timeout_ms).unwrap();
    s.connect(endpoint).unwrap();
    s.send_multipart([&b""[..], b"MDPC01", b"mmi.service", b"x"], 0)
        .unwrap();
    s.recv_multipart(0).ok().map(|_| s)
}

/// --max-connections-per-ip: a third connection from 127.0.0.1 is refused before any of its
/// messages is read, and logged; once one of the two closes, a new one is admitted.
#[test]
fn one_address_holds_at_most_max_connections_per_ip() {
    let b = broker(&["--max-connections-per-ip", "2"]);
    let ctx = zmq::Context::new();
    let first = admitted(&ctx, &b.endpoint, 10_000).expect("the first is admitted");
    let _second = admitted(&ctx, &b.endpoint, 10_000).expect("the second is admitted");
    assert!(admitted(&ctx, &b.endpoint, 1000).is_none());
    b.proc.wait_stderr(
        "refused a connection from 127.0.0.1: 127.0.0.1 has 3 connections open, more than \
         --max-connections-per-ip 2",
        Duration::from_secs(10),
    );
    drop(first);
    assert!(
        wait_until(Duration::from_secs(20), || admitted(
            &ctx,
            &b.endpoint,
            1000
        )
        .is_some()),
        "{}",
        b.proc.stderr()
    );
}

/// The peak memory of process `pid`, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM")
}

/// libzmq assembles a whole message before the broker can read any of it, so a limit on each
/// frame alone would let 16 frames of 15 MB (each under the default 16 MB) make the broker
/// hold 240 MB. The whole message is bounded at the socket: the connection is dropped as the
/// excess arrives, with a log line naming the peer, and the broker keeps serving.
#[test]
fn a_message_over_the_size_limit_is_dropped_before_it_is_held() {
    let b = broker(&[]);
    let before = peak_rss_kib(b.proc.child.id());
    let ctx = zmq::Context::new();
    let s = ctx.socket(zmq::DEALER).unwrap();
    s.set_linger(0).unwrap();
    s.connect(&b.endpoint).unwrap();
    let frame = vec![7u8; 15 << 20];
    s.send_multipart([&b""[..], b"MDPC01", b"echo"], zmq::SNDMORE)
        .unwrap();
    for i in 0..16 {
        let more = if i < 15 { zmq::SNDMORE } else { 0 };
        s.send(&frame[..], more).unwrap();
    }
    b.proc.wait_stderr(
        "dropped a connection from 127.0.0.1 on tcp://127.0.0.1:",
        Duration::from_secs(30),
    );
    drop(s);
    assert!(
        b.proc.stderr().contains(": a message over --max-msg-size"),
        "{}",
        b.proc.stderr()
    );
    assert_eq!(mmi_code(&b.endpoint, "echo").as_deref(), Some("404"));
    let grown = peak_rss_kib(b.proc.child.id()).saturating_sub(before);
    assert!(
        grown < 64 * 1024,
        "the broker's peak memory grew by {grown} KiB for a message it refused"
    );
}

/// One ZMTP 1.0 frame as libzmq's v1 decoder reads it: a length that counts the flags byte
/// (one byte, or 0xFF and eight), the flags (1: more frames follow), the body.
fn zmtp_1_0_frame(body: &[u8], more: bool) -> Vec<u8> {
    let len = body.len() as u64 + 1;
    let mut frame = match u8::try_from(len) {
        Ok(short) if short < 0xff => vec![short],
        _ => [&[0xffu8][..], &len.to_be_bytes()].concat(),
    };
    frame.push(u8::from(more));
    frame.extend_from_slice(body);
    frame
}

/// Regression (patches/0002, patches/0003) for the ZMTP 1.0 decoder, which a broker never
/// uses (libzmq refuses ZMTP 1.0 peers where ZAP is on, as in every zmqtool server), so a
/// ROUTER of the test's own is driven: ZMQ_MAXMSGSIZE bounds the whole message, not each
/// frame, and the monitor hears EMSGSIZE as the connection is dropped. Upstream delivers
/// four frames of 300 KiB under a 1 MiB limit as one message.
#[test]
fn a_zmtp_1_0_message_over_the_size_limit_is_dropped() {
    use std::io::Write;
    let ctx = zmq::Context::new();
    let router = ctx.socket(zmq::ROUTER).unwrap();
    router.set_linger(0).unwrap();
    router.set_maxmsgsize(1 << 20).unwrap();
    router.set_rcvtimeo(10_000).unwrap();
    router
        .monitor(
            "inproc://v1-monitor",
            zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL as i32,
        )
        .unwrap();
    let events = ctx.socket(zmq::PAIR).unwrap();
    events.set_rcvtimeo(10_000).unwrap();
    events.connect("inproc://v1-monitor").unwrap();
    router.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = router.get_last_endpoint().unwrap().unwrap();
    let mut peer = std::net::TcpStream::connect(endpoint.trim_start_matches("tcp://")).unwrap();

    // No routing id, then a message within the limit: the ZMTP 1.0 path works.
    let small = [
        zmtp_1_0_frame(b"", false),
        zmtp_1_0_frame(b"small", true),
        zmtp_1_0_frame(b"message", false),
    ];
    peer.write_all(&small.concat()).unwrap();
    let received = router.recv_multipart(0).expect("the small message arrives");
    assert_eq!(received[1..], [b"small".to_vec(), b"message".to_vec()]);

    // Each frame is under the limit; the message is not. Writes may fail once it is dropped.
    let frame = vec![7u8; 300 << 10];
    for i in 0..4 {
        let _ = peer.write_all(&zmtp_1_0_frame(&frame, i < 3));
    }
    let event = events
        .recv_multipart(0)
        .expect("the monitor hears of the drop");
    let value = i32::from_ne_bytes(event[0][2..6].try_into().unwrap());
    assert_eq!(value, zmq::Error::EMSGSIZE.to_raw());
    assert!(
        router.recv_multipart(zmq::DONTWAIT).is_err(),
        "the message over the limit was delivered"
    );
}

/// What the direct engine's ROUTER is sent on raw TCP, by a peer that speaks ZMTP badly or
/// not at all: no greeting, a greeting of another version or mechanism, a READY of a socket
/// type a ROUTER does not talk to, reserved flag bits, a command with MORE, a size of 2^63,
/// random bytes after a valid handshake. Each costs its own connection only (all are sent
/// at once, on connections open together); the broker logs them and keeps serving.
#[test]
fn raw_bytes_of_any_kind_cost_the_direct_broker_only_their_connection() {
    use std::io::Write;
    let mut b = broker(&["--engine", "direct"]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let greeting = |major: u8, mechanism: &[u8]| {
        let mut g = vec![0u8; 64];
        g[0] = 0xFF;
        g[9] = 0x7F;
        g[10] = major;
        g[11] = 1;
        g[12..12 + mechanism.len()].copy_from_slice(mechanism);
        g
    };
    let ready = |socket_type: &[u8]| {
        let mut body = vec![5u8];
        body.extend_from_slice(b"READY");
        body.push(11);
        body.extend_from_slice(b"Socket-Type");
        body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
        body.extend_from_slice(socket_type);
        [vec![0x04, body.len() as u8], body].concat()
    };
    let dealer = [greeting(3, b"NULL"), ready(b"DEALER")].concat();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    };
    let mut attacks: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        greeting(2, b"NULL"),
        greeting(3, b"CURVE"),
        [greeting(3, b"NULL"), ready(b"PUB")].concat(),
        [dealer.clone(), vec![0xF8, 0]].concat(),
        [dealer.clone(), vec![0x05, 0]].concat(),
        [dealer.clone(), vec![0x02, 0x80, 0, 0, 0, 0, 0, 0, 0]].concat(),
    ];
    for _ in 0..40 {
        let n = 1 + (noise(1)[0] as usize) * 8;
        attacks.push([dealer.clone(), noise(n)].concat());
        attacks.push(noise(n));
    }
    let addr = b.endpoint.trim_start_matches("tcp://").to_string();
    let peers: Vec<std::net::TcpStream> = attacks
        .iter()
        .map(|bytes| {
            let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
            let _ = tcp.write_all(bytes);
            tcp
        })
        .collect();
    assert_still_serving(&mut b, 5);
    drop(peers);
    assert!(
        wait_until(Duration::from_secs(30), || b
            .proc
            .stderr()
            .contains("its handshake failed: the peer does not speak ZMTP")),
        "{}",
        b.proc.stderr()
    );
}
