//! Who may connect: --allow through ZAP, PLAIN users and passwords.

mod common;

use std::time::Duration;

use common::*;

fn with_env(args: &[&str], key: &str, value: &str) -> std::process::Output {
    let mut c = command();
    c.args(args).env(key, value);
    finish(c, None, Duration::from_secs(30))
}

#[test]
fn allow_refuses_other_addresses_before_any_message() {
    let b = broker(&["--allow", "10.0.0.0/8", "-v"]);
    let out = client(
        &b.endpoint,
        &["mmi.service", "x", "--timeout", "300ms", "--retries", "1"],
    );
    assert_eq!(out.status.code(), Some(3));
    b.proc.wait_stderr(
        "refused a connection from 127.0.0.1: 127.0.0.1 is not in --allow",
        Duration::from_secs(5),
    );
    let b = broker(&["--allow", "10.0.0.0/8", "--allow", "127.0.0.0/8"]);
    assert_eq!(stdout(&client(&b.endpoint, &["mmi.service", "x"])), "404\n");
}

#[test]
fn plain_users_must_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users");
    std::fs::write(&users, "ann:s3cret\n").unwrap();
    let b = broker(&["--plain-users", users.to_str().unwrap()]);
    let w = command()
        .args(["worker", "echo", "--broker", &b.endpoint, "--heartbeat", HB])
        .env("ZMQTOOL_PLAIN", "ann:s3cret")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _w = KillOnDrop(w);
    let call = |creds: Option<&str>| {
        let args = [
            "client",
            "--broker",
            &b.endpoint,
            "echo",
            "hi",
            "--timeout",
            "500ms",
            "--retries",
            "2",
        ];
        match creds {
            Some(c) => with_env(&args, "ZMQTOOL_PLAIN", c),
            None => run(&args),
        }
    };
    assert!(wait_until(Duration::from_secs(10), || call(Some(
        "ann:s3cret"
    ))
    .status
    .code()
        == Some(0)));
    assert_eq!(stdout(&call(Some("ann:s3cret"))), "hi\n");
    assert_eq!(call(Some("ann:wrong")).status.code(), Some(3));
    assert_eq!(call(Some("bob:s3cret")).status.code(), Some(3));
    assert_eq!(call(None).status.code(), Some(3));
    // The flag works too (the environment variable is preferred: a command line is public).
    let out = run(&[
        "client",
        "--broker",
        &b.endpoint,
        "--plain",
        "ann:s3cret",
        "echo",
        "flag",
    ]);
    assert_eq!(stdout(&out), "flag\n");
}

#[test]
fn bad_access_settings_are_refused_up_front() {
    let out = run(&["broker", "--allow", "10.0.0.0/99"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "broker",
        "--bind",
        "tcp://127.0.0.1:*",
        "--plain-users",
        "/nonexistent/users",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot read --plain-users file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_password_stays_out_of_help() {
    let out = with_env(&["client", "--help"], "ZMQTOOL_PLAIN", "ann:s3cret");
    assert!(!stdout(&out).contains("s3cret"));
    assert!(stdout(&out).contains("ZMQTOOL_PLAIN"));
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
