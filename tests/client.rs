//! `zmqtool client` and `zmqtool mmi`: bodies, output forms, --lines, exit codes.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

fn with_stdin(args: &[&str], input: &[u8]) -> std::process::Output {
    let mut c = command();
    c.args(args);
    finish(c, Some(input.to_vec()), Duration::from_secs(60))
}

fn echo_broker() -> (Broker, Proc) {
    let b = broker(&[]);
    let w = worker(&b.endpoint, "echo", &["--concurrency", "2"]);
    wait_for_service(&b.endpoint, "echo");
    (b, w)
}

#[test]
fn dash_reads_one_binary_frame_from_stdin_and_raw_writes_it_back() {
    let (b, _w) = echo_broker();
    let data: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let out = with_stdin(
        &["client", "--broker", &b.endpoint, "--raw", "echo", "-"],
        &data,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, data);
    let out = with_stdin(
        &["client", "--broker", &b.endpoint, "--json", "echo", "-"],
        &[0xff, 0],
    );
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["frames"], serde_json::json!([{"base64": "/wA="}]));
}

#[test]
fn lines_pipeline_returns_every_reply_in_order() {
    let (b, _w) = echo_broker();
    let input: String = (1..=10_000).map(|i| format!("line {i}\n")).collect();
    let out = with_stdin(
        &[
            "client",
            "--broker",
            &b.endpoint,
            "echo",
            "--lines",
            "--pipeline",
            "64",
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), input);
}

/// At a prompt (or from a script that waits for each answer) a line goes out as soon as it
/// is read, not when more lines or the end of input come: lines read in together are handed
/// on together, but one alone is not held back.
#[test]
fn a_line_is_answered_before_the_next_is_written() {
    use std::io::{BufRead, Write};
    let (b, _w) = echo_broker();
    let mut child = command()
        .args(["client", "--broker", &b.endpoint, "echo", "--lines"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    for line in ["first", "second", "third"] {
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let reply = rx.recv_timeout(Duration::from_secs(60));
        assert_eq!(
            reply.as_deref(),
            Ok(line),
            "no reply while the input stays open"
        );
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn lines_json_reports_each_line_and_a_summary() {
    let (b, _w) = echo_broker();
    let out = with_stdin(
        &[
            "client",
            "--broker",
            &b.endpoint,
            "--json",
            "echo",
            "--lines",
        ],
        b"a\nb\n",
    );
    let objects: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects[0], serde_json::json!({"line": 1, "frames": ["a"]}));
    assert_eq!(objects[1], serde_json::json!({"line": 2, "frames": ["b"]}));
    assert_eq!(objects[2]["summary"], true);
    assert_eq!(objects[2]["requests"], 2);
    assert_eq!(objects[2]["replies"], 2);
    assert_eq!(objects[2]["timeouts"], 0);
}

#[test]
fn lines_keep_one_line_per_reply_and_report_failures() {
    let b = broker(&[]);
    let cmd = r#"read x; [ "$x" = bad ] && exit 1; printf 'x\ty\nz'"#;
    let _w = worker(&b.endpoint, "odd", &["--exec", cmd]);
    wait_for_service(&b.endpoint, "odd");
    let out = with_stdin(
        &["client", "--broker", &b.endpoint, "odd", "--lines"],
        b"good\nbad\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines[0], "x\\ty\\nz");
    assert!(
        lines[1].starts_with("zmqtool-error\texit status 1"),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 2);
}

#[test]
fn lines_that_time_out_print_empty_lines_and_exit_3() {
    let b = broker(&[]);
    let out = with_stdin(
        &[
            "client",
            "--broker",
            &b.endpoint,
            "nobody",
            "--lines",
            "--timeout",
            "100ms",
            "--retries",
            "1",
        ],
        b"a\nb\n",
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "\n\n");
}

#[test]
fn client_exit_codes() {
    let (b, _w) = echo_broker();
    assert_eq!(client(&b.endpoint, &["echo", "x"]).status.code(), Some(0));
    let out = client(
        &b.endpoint,
        &["absent", "x", "--timeout", "100ms", "--retries", "1"],
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn client_retries_rotate_over_the_broker_list() {
    let (b, _w) = echo_broker();
    let nobody = ipc();
    let dead = nobody.ep.clone();
    let out = run(&[
        "client",
        "--broker",
        &dead,
        "--broker",
        &b.endpoint,
        "echo",
        "x",
        "--timeout",
        "200ms",
    ]);
    assert_eq!(stdout(&out), "x\n");
    assert!(
        stderr(&out).contains("retrying (attempt 2 of 3)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn mmi_exit_codes_and_output() {
    let (b, _w) = echo_broker();
    let mmi = |args: &[&str]| {
        let mut all = vec!["mmi", "--broker", &b.endpoint];
        all.extend(args);
        run(&all)
    };
    let out = mmi(&["echo"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), "200\n".into()));
    let out = mmi(&["absent"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(4), "404\n".into()));
    let out = mmi(&["mmi.nonsense"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(5), "501\n".into()));
    let out = mmi(&["--json", "echo"]);
    let value: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(value, serde_json::json!({"code": 200, "service": "echo"}));

    let nobody = ipc();
    let dead = nobody.ep.clone();
    let out = run(&[
        "mmi",
        "--broker",
        &dead,
        "echo",
        "--timeout",
        "100ms",
        "--retries",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn mmi_without_a_service_lists_a_table_or_json() {
    let (b, _w) = echo_broker();
    let _u = worker(&b.endpoint, "upper", &["--exec", "tr a-z A-Z"]);
    wait_for_service(&b.endpoint, "upper");
    let out = run(&["mmi", "--broker", &b.endpoint]);
    assert_eq!(
        stdout(&out),
        "SERVICE    IDLE    BUSY    QUEUED\n\
         echo          2       0         0\n\
         upper         1       0         0\n"
    );
    let out = run(&["mmi", "--broker", &b.endpoint, "--json"]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        serde_json::json!({"name": "echo", "idle": 2, "busy": 0, "queued": 0})
    );
}

#[test]
fn health_check_loop_waits_for_a_service() {
    let b = broker(&[]);
    let ep = b.endpoint.clone();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        worker(&ep, "late", &[])
    });
    let script = format!(
        "for i in $(seq 100); do {BIN} mmi --broker {} late >/dev/null && exit 0; sleep 0.1; done; exit 1",
        b.endpoint
    );
    let status = Command::new("sh").arg("-c").arg(script).status().unwrap();
    let _w = starter.join().unwrap();
    assert!(status.success());
}

/// With --json, every outcome of a single request, a timeout or another failure included, is
/// one JSON object on stdout.
#[test]
fn json_failures_are_objects_on_stdout_too() {
    let nobody = ipc();
    let out = run(&[
        "--json",
        "client",
        "--broker",
        &nobody.ep,
        "echo",
        "x",
        "--timeout",
        "100ms",
        "--retries",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let value: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(value["exit"], 3);
    assert!(value["error"].as_str().unwrap().contains("no reply"));
}

/// `--fail-fast`: one mmi.service round trip, then exit 4 when nobody serves the service,
/// instead of waiting out --timeout and --retries (here 3 x 20 s, beyond the run's limit);
/// with a worker it is an ordinary call.
#[test]
fn fail_fast_ends_at_once_when_no_worker_serves() {
    let (b, _w) = echo_broker();
    let ep = b.endpoint.as_str();
    let out = client(ep, &["nobody", "x", "--fail-fast", "--timeout", "20s"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no worker for nobody"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let out = client(ep, &["--json", "nobody", "--fail-fast", "--lines"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["exit"], 4);
    let out = client(ep, &["echo", "here", "--fail-fast"]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), "here\n".into())
    );
}

/// `client --lines` over two brokers side by side, each with a worker that says which it is.
fn lines_over(a: &str, b: &str, input: &str, extra: &[&str]) -> std::process::Output {
    let mut c = command();
    c.args([
        "-v",
        "client",
        "who",
        "--lines",
        "--broker",
        a,
        "--broker",
        b,
        // Far above any reply that does not wait out a timeout, even on a loaded machine.
        "--timeout",
        "30s",
    ]);
    c.args(extra);
    finish(c, Some(input.as_bytes().to_vec()), Duration::from_secs(120))
}

#[test]
fn spread_shares_requests_over_the_list_and_passes_over_a_dead_broker() {
    let a = broker(&[]);
    let mut b = broker(&[]);
    let _wa = worker(&a.endpoint, "who", &["--exec", "echo A"]);
    let _wb = worker(&b.endpoint, "who", &["--exec", "echo B"]);
    wait_for_service(&a.endpoint, "who");
    wait_for_service(&b.endpoint, "who");
    let input = "x\n".repeat(20);

    // A failover list: every request to the first broker.
    let out = lines_over(&a.endpoint, &b.endpoint, &input, &[]);
    assert_eq!(stdout(&out), "A\n".repeat(20), "{}", stderr(&out));

    // Spread: round robin, whatever the window.
    for window in ["1", "4"] {
        let out = lines_over(
            &a.endpoint,
            &b.endpoint,
            &input,
            &["--spread", "--pipeline", window],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert_eq!(text.lines().count(), 20, "{text}");
        assert_eq!(text.matches("A\n").count(), 10, "{text}");
        assert_eq!(text.matches("B\n").count(), 10, "{text}");
    }

    // B dies: every request is answered by A in its first attempt (none waits out --timeout).
    b.proc.kill();
    let out = lines_over(&a.endpoint, &b.endpoint, &input, &["--spread"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "A\n".repeat(20), "{}", stderr(&out));
    assert!(!stderr(&out).contains("retrying"), "{}", stderr(&out));
}

#[test]
fn a_bad_head_start_is_a_usage_error() {
    let out = run(&["client", "echo", "--head-start", "soon"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--head-start"), "{}", stderr(&out));
}
