//! `zmqtool top`, driven as a person would: in a tmux pane, read off its screen, keys sent
//! with send-keys. Every wait is for something to appear on the screen or in a file, with a
//! deadline only a hung process reaches. Needs tmux (README, "Development").

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

/// Only a hung process takes this long.
const PATIENCE: Duration = Duration::from_secs(60);

/// A tmux server of the test's own (its socket in a temporary directory), running one pane:
/// `zmqtool top ARGS`, after which the pane records the exit code and the terminal's modes.
struct Pane {
    dir: tempfile::TempDir,
    socket: PathBuf,
}

impl Pane {
    fn top(args: &[&str]) -> Pane {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.is_ok_and(|o| o.status.success()),
            "tests/top.rs drives `zmqtool top` in tmux, which is not installed (README, \
             Development: apt-get install tmux)"
        );
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("tmux.sock");
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let top: Vec<String> = std::iter::once(BIN)
            .chain(["top"])
            .chain(args.iter().copied())
            .map(quote)
            .collect();
        let script = format!(
            // The pane stays (sleep) after top exits, so its screen and modes can be read.
            "{top}; echo $? > {exit}.tmp; stty -a > {modes}; mv {exit}.tmp {exit}; exec sleep 600",
            top = top.join(" "),
            exit = quote(&dir.path().join("exit").display().to_string()),
            modes = quote(&dir.path().join("modes").display().to_string()),
        );
        let pane = Pane { dir, socket };
        pane.tmux(
            &["-f", "/dev/null"],
            &[
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "30",
                "-s",
                "top",
                "sh",
                "-c",
                &script,
            ],
        );
        pane
    }

    fn tmux(&self, before: &[&str], args: &[&str]) -> String {
        let mut command = Command::new("tmux");
        command
            .args(before)
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env("TERM", "xterm-256color");
        // The tmux server passes its environment on to the zmqtool it runs.
        without_zmqtool_env(&mut command);
        let out = command.output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&[], &["capture-pane", "-p", "-t", "top"])
    }

    /// Waits until the screen shows `text`; the screen.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// Waits until the screen is as `cond` wants (`what` says how, for the failure).
    fn wait_until(&self, what: &str, mut cond: impl FnMut(&str) -> bool) -> String {
        let mut screen = String::new();
        let shown = wait_until(PATIENCE, || {
            screen = self.screen();
            cond(&screen)
        });
        assert!(shown, "{what:?} never appeared; the screen:\n{screen}");
        screen
    }

    fn keys(&self, keys: &str) {
        self.tmux(&[], &["send-keys", "-t", "top", keys]);
    }

    /// A tmux format variable of the pane (`alternate_on`, `cursor_flag`).
    fn flag(&self, name: &str) -> String {
        self.tmux(
            &[],
            &[
                "display-message",
                "-p",
                "-t",
                "top",
                &format!("#{{{name}}}"),
            ],
        )
        .trim()
        .to_string()
    }

    /// Waits for top to exit; its exit code.
    fn exit_code(&self) -> i32 {
        let file = self.dir.path().join("exit");
        assert!(
            wait_until(PATIENCE, || file.exists()),
            "top did not exit; the screen:\n{}",
            self.screen()
        );
        read(&file).trim().parse().unwrap()
    }

    /// After top exits: the terminal is as it found it (line mode and echo back, the main
    /// screen shown, the cursor visible).
    fn assert_restored(&self) {
        let modes = read(&self.dir.path().join("modes"));
        let flags: Vec<&str> = modes.split_whitespace().collect();
        for mode in ["icanon", "echo", "isig"] {
            assert!(flags.contains(&mode), "{mode} not restored: {modes}");
        }
        assert_eq!(
            self.flag("alternate_on"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.flag("cursor_flag"), "1", "the cursor is still hidden");
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A service with traffic shows with its figures; `q` quits with 0 and gives the terminal
/// back as it was.
#[test]
fn top_shows_the_services_and_q_restores_the_terminal() {
    let b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    for i in 0..3 {
        assert_eq!(
            stdout(&client(&b.endpoint, &["echo", &i.to_string()])),
            format!("{i}\n")
        );
    }
    let pane = Pane::top(&["--broker", &b.endpoint, "--interval", "200ms"]);
    let screen = pane.wait_until("answering, with an echo row", |s| {
        s.contains("answering") && s.lines().any(|l| l.starts_with("echo "))
    });
    assert!(
        screen.contains(&format!("zmqtool top  {}", b.endpoint)),
        "{screen}"
    );
    assert!(screen.contains("requests 3"), "{screen}");
    let row = screen
        .lines()
        .find(|l| l.starts_with("echo "))
        .unwrap_or_else(|| panic!("no echo row:\n{screen}"));
    // REQ/S QUEUED PEAK IDLE BUSY P99 DROPPED: 3 answered before top looked, one idle worker.
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2..5], ["0", "0", "1"], "{row}");
    assert_eq!(cells[7], "0", "{row}");
    assert_eq!(pane.flag("alternate_on"), "1", "a full-screen view");
    // A request made while watching shows up in the broker's totals.
    assert_eq!(stdout(&client(&b.endpoint, &["echo", "more"])), "more\n");
    pane.wait_for("requests 4");
    pane.keys("s");
    pane.wait_for("sort: req/s");
    pane.keys("q");
    assert_eq!(pane.exit_code(), 0);
    pane.assert_restored();
}

/// When the broker goes away the view says so, and keeps the last figures; Ctrl-C (a key in
/// raw mode) quits with 130, as SIGINT does elsewhere, and restores the terminal too.
#[test]
fn a_silent_broker_is_announced_and_ctrl_c_exits_130() {
    let mut b = broker(&[]);
    let _w = worker(&b.endpoint, "echo", &[]);
    wait_for_service(&b.endpoint, "echo");
    let pane = Pane::top(&[
        "--broker",
        &b.endpoint,
        "--interval",
        "200ms",
        "--timeout",
        "500ms",
    ]);
    pane.wait_for("answering");
    b.proc.kill();
    let screen = pane.wait_until("the banner, over the last figures", |s| {
        s.contains("NOT ANSWERING for") && s.lines().any(|l| l.starts_with("echo "))
    });
    assert!(
        screen.contains(&format!("no reply within 500ms from {}", b.endpoint)),
        "{screen}"
    );
    assert!(screen.contains("the last figures it sent"), "{screen}");
    assert!(screen.lines().any(|l| l.starts_with("echo ")), "{screen}");
    pane.keys("C-c");
    assert_eq!(pane.exit_code(), 130);
    pane.assert_restored();
}

/// A broker without statistics (501, as the zguide's brokers answer) ends the view: exit 5,
/// the reason printed on the restored terminal.
#[test]
fn a_broker_without_statistics_ends_the_view_with_exit_5() {
    let (endpoint, answer) = broker_without_statistics();
    let pane = Pane::top(&["--broker", &endpoint]);
    answer.join().unwrap();
    assert_eq!(pane.exit_code(), 5);
    pane.assert_restored();
    let screen = pane.screen();
    assert!(screen.contains("does not offer statistics"), "{screen}");
}

/// Not on a terminal (a script, a pipe): a usage error that points to `stats --watch`.
#[test]
fn top_without_a_terminal_points_to_stats() {
    let out = run(&["top", "--broker", "tcp://127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("zmqtool stats --watch"),
        "{}",
        stderr(&out)
    );
}
