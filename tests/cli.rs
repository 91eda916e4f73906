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

/// Every subcommand's --help ends with real examples, and titanic reply and close each say
/// what they do (they used to share one description).
#[test]
fn every_help_ends_with_examples() {
    for sub in [
        &["broker"][..],
        &["worker"],
        &["client"],
        &["mmi"],
        &["bench"],
        &["perf"],
        &["bstar"],
        &["keygen"],
        &["completions"],
        &["man"],
        &["titanic", "serve"],
        &["titanic", "request"],
        &["titanic", "reply"],
        &["titanic", "close"],
        &["titanic", "call"],
        &["titanic", "ls"],
        &["titanic", "migrate"],
    ] {
        let mut args = sub.to_vec();
        args.push("--help");
        let help = stdout(&run(&args));
        let examples = help
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{sub:?} --help has no examples:\n{help}"));
        let lines = examples.lines().filter(|l| !l.trim().is_empty()).count();
        assert!((2..=6).contains(&lines), "{sub:?}: {examples}");
    }
    let reply = stdout(&run(&["titanic", "reply", "--help"]));
    let close = stdout(&run(&["titanic", "close", "--help"]));
    assert!(
        reply.starts_with("Print the reply to a stored request"),
        "{reply}"
    );
    assert!(
        close.starts_with("Delete a stored request and its reply"),
        "{close}"
    );
}

#[test]
fn man_pages_have_examples_environment_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let worker = std::fs::read_to_string(dir.path().join("zmqtool-worker.1")).unwrap();
    for section in [".SH EXAMPLES", ".SH ENVIRONMENT", ".SH \"EXIT STATUS\""] {
        assert!(worker.contains(section), "{section}");
    }
    for var in [
        "ZMQTOOL_BROKER",
        "ZMQTOOL_PLAIN",
        "ZMQTOOL_CURVE_SERVER_KEY",
        "ZMQTOOL_SERVICE",
    ] {
        assert!(worker.contains(var), "{var}");
    }
    let top = std::fs::read_to_string(dir.path().join("zmqtool.1")).unwrap();
    assert!(top.contains("ZMQTOOL_TITANIC_STORE") && top.contains("ZMQTOOL_BSTAR_STATE"));
}

/// Regression: completions --dir silently created directories (a typo made a new tree).
#[test]
fn output_directories_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let out = run(&["completions", "--dir", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a directory"),
        "{}",
        stderr(&out)
    );
    assert!(!missing.exists());
}

/// A Z85 key may start with '-' (one in 85 does): `--curve-server-key -...` takes it as the
/// key, not as an unknown option. Here a well-formed key to a port nobody serves: the call
/// times out (exit 3), it is not a usage error (2).
#[test]
fn a_curve_key_may_start_with_a_dash() {
    let key = format!("-{}", "0".repeat(39));
    let out = run(&[
        "client",
        "--broker",
        "tcp://127.0.0.1:1",
        "--curve-server-key",
        &key,
        "--timeout",
        "100ms",
        "--retries",
        "1",
        "echo",
        "x",
    ]);
    assert!(
        !stderr(&out).contains("unexpected argument"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}
