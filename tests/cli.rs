//! The command-line surface: help, version, usage errors, generated docs.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn version_and_help_work() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("zmqtool "));
    for sub in ["broker", "worker", "client", "completions", "man"] {
        let out = run(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub} --help");
        assert!(stdout(&out).contains("Usage: zmqtool"), "{sub}");
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["no-such-command"][..],
        &["client"],
        &["broker", "--heartbeat", "soon"],
        &["broker", "--heartbeat", "0s"],
        &["broker", "--max-msg-size", "12X"],
        &["worker", "echo", "--protocol", "0.3"],
        &["-q", "-v", "broker"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn duration_errors_say_what_is_expected() {
    let out = run(&["client", "echo", "--timeout", "soon"]);
    assert!(
        stderr(&out).contains("durations look like 250ms"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_print_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains("zmqtool"), "{shell}");
    }
}

#[test]
fn man_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for page in [
        "zmqtool.1",
        "zmqtool-broker.1",
        "zmqtool-worker.1",
        "zmqtool-client.1",
    ] {
        assert!(dir.path().join(page).exists(), "{page}");
    }
}

#[test]
fn broker_env_var_is_read() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let mut c = command();
    c.args(["client", "echo", "from env"])
        .env("ZMQTOOL_BROKER", &b.endpoint);
    let out = finish(c, None, Duration::from_secs(30));
    assert_eq!(stdout(&out), "from env\n");
}
