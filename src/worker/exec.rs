//! `zmqtool worker --exec CMD`: each request runs `sh -c CMD`.
//!
//! The request frames go to the command's stdin, each followed by a newline (or a NUL with
//! `-0`); `ZMQTOOL_SERVICE` and `ZMQTOOL_FRAMES` are set. What it prints on stdout is the
//! reply: one frame without its trailing newline, or with `-0` one frame per NUL-terminated
//! piece. With `--stream` (MDP/0.2) each line goes out as a PARTIAL as soon as the next one
//! appears, and the last line is the FINAL.
//!
//! A command that exits non-zero, is killed, runs past the timeout or cannot start is
//! answered with [`ERROR_MARKER`], the reason and the tail of its stderr, so the client can
//! tell; the worker keeps serving. The command runs in its own process group, and anything
//! left of that group when the command ends (or is killed) is killed with it.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Handler;
use crate::mdp::{Frame, ReplyKind};

/// The first frame of a reply that reports a failed command.
pub const ERROR_MARKER: &[u8] = b"zmqtool-error";

/// How much of a failed command's stderr is sent back.
const STDERR_TAIL: usize = 4096;

/// The most output taken from one command; more is a failure.
const MAX_OUTPUT: usize = 16 << 20;

/// Runs a shell command per request.
#[derive(Debug, Clone)]
pub struct Exec {
    pub command: String,
    pub service: String,
    /// Frames are separated by NUL instead of newline (`-0`).
    pub nul: bool,
    /// Each stdout line is a PARTIAL (MDP/0.2 `--stream`).
    pub stream: bool,
    pub timeout: Duration,
}

/// The reply frames for a failed command.
pub fn error_reply(reason: &str, stderr: &[u8]) -> Vec<Frame> {
    vec![
        Frame::copy(ERROR_MARKER),
        Frame::copy(reason.as_bytes()),
        Frame::copy(stderr),
    ]
}

/// If `frames` is an error reply, its reason.
pub fn error_reason(frames: &[Frame]) -> Option<String> {
    match frames {
        [marker, reason, ..] if marker == ERROR_MARKER => {
            Some(String::from_utf8_lossy(reason).into_owned())
        }
        _ => None,
    }
}

impl Handler for Exec {
    fn handle(
        &self,
        body: Vec<Frame>,
        cancel: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        let mut child = match self.spawn(body.len()) {
            Ok(child) => child,
            Err(e) => {
                log::warn!("cannot start sh -c {:?}: {e}", self.command);
                return reply(
                    ReplyKind::Final,
                    error_reply(&format!("cannot start sh: {e}"), b""),
                );
            }
        };
        let pipes = Pipes::start(&mut child, self.stdin_bytes(body), self.stream);
        let mut lines = HeldLine::default();
        let outcome = self.wait(&mut child, cancel, || lines.pump(&pipes.lines, reply));
        let done = pipes.finish();
        lines.pump(&done.lines, reply);
        let (output, stderr) = (done.output, done.stderr);
        let failure = match (outcome, output) {
            (Outcome::Exited(status), Ok(out)) if status.success() => {
                let frames = if self.stream {
                    vec![lines.take().into()]
                } else {
                    self.reply_frames(out)
                };
                return reply(ReplyKind::Final, frames);
            }
            (Outcome::Exited(status), Ok(_)) => describe(status),
            (Outcome::Exited(_), Err(e)) => e,
            (Outcome::TimedOut, _) => format!(
                "timed out after {}",
                humantime::format_duration(self.timeout)
            ),
            (Outcome::Abandoned, _) => return, // nobody is waiting for this reply
        };
        log::warn!("sh -c {:?} failed: {failure}", self.command);
        if let Some(line) = lines.held.take() {
            reply(ReplyKind::Partial, vec![line.into()]);
        }
        reply(ReplyKind::Final, error_reply(&failure, &stderr));
    }
}

/// The threads that feed the command's stdin and drain its stdout and stderr, so that
/// neither side can block the other on a full pipe.
struct Pipes {
    writer: std::thread::JoinHandle<()>,
    reader: std::thread::JoinHandle<Result<Vec<u8>, String>>,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
    /// `--stream`: stdout lines as they come.
    lines: mpsc::Receiver<Vec<u8>>,
}

impl Pipes {
    fn start(child: &mut Child, input: Vec<u8>, stream: bool) -> Pipes {
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A command that does not read its input closes the pipe: not an error.
                let _ = stdin.write_all(&input);
            }
        });
        let stderr = child
            .stderr
            .take()
            .map(|e| std::thread::spawn(move || tail(e)));
        let (lines_tx, lines) = mpsc::channel::<Vec<u8>>();
        let stdout = child.stdout.take();
        let reader = std::thread::spawn(move || match stdout {
            Some(out) if stream => read_lines(out, lines_tx),
            Some(out) => read_all(out),
            None => Ok(Vec::new()),
        });
        Pipes {
            writer,
            reader,
            stderr,
            lines,
        }
    }

    /// Waits for the pipes to close: the command's stdout (unless streamed), the tail of its
    /// stderr, and the streamed lines not yet taken.
    fn finish(self) -> Drained {
        let _ = self.writer.join();
        Drained {
            output: self
                .reader
                .join()
                .unwrap_or_else(|_| Err("output reader failed".into())),
            stderr: self.stderr.and_then(|t| t.join().ok()).unwrap_or_default(),
            lines: self.lines,
        }
    }
}

/// What the pipes held once the command ended.
struct Drained {
    /// Its whole stdout (empty when streamed), or why it could not be read.
    output: Result<Vec<u8>, String>,
    /// The tail of its stderr.
    stderr: Vec<u8>,
    /// Streamed lines not yet sent.
    lines: mpsc::Receiver<Vec<u8>>,
}

/// `--stream`: each line goes out as a PARTIAL once the next one appears, so the last line
/// can be the FINAL.
#[derive(Default)]
struct HeldLine {
    held: Option<Vec<u8>>,
}

impl HeldLine {
    fn pump(
        &mut self,
        lines: &mpsc::Receiver<Vec<u8>>,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        while let Ok(line) = lines.try_recv() {
            if let Some(previous) = self.held.replace(line) {
                reply(ReplyKind::Partial, vec![previous.into()]);
            }
        }
    }

    /// The last line (empty when there was none).
    fn take(&mut self) -> Vec<u8> {
        self.held.take().unwrap_or_default()
    }
}

enum Outcome {
    Exited(ExitStatus),
    TimedOut,
    Abandoned,
}

impl Exec {
    fn spawn(&self, frames: usize) -> std::io::Result<Child> {
        Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .env("ZMQTOOL_SERVICE", &self.service)
            .env("ZMQTOOL_FRAMES", frames.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a terminal's Ctrl-C does not reach it (the worker drains
            // instead), and a timeout kills the whole pipeline.
            .process_group(0)
            .spawn()
    }

    fn stdin_bytes(&self, body: Vec<Frame>) -> Vec<u8> {
        let separator = if self.nul { 0 } else { b'\n' };
        let mut input = Vec::with_capacity(body.iter().map(|f| f.len() + 1).sum());
        for frame in body {
            input.extend_from_slice(&frame);
            input.push(separator);
        }
        input
    }

    /// Waits for the command to end, calling `pump` meanwhile; kills it on timeout or cancel.
    /// Whatever the outcome, what is left of its process group is killed before the command
    /// is reaped (see [`reap`]).
    fn wait(&self, child: &mut Child, cancel: &AtomicBool, mut pump: impl FnMut()) -> Outcome {
        let deadline = Instant::now() + self.timeout;
        let mut nap = Duration::from_micros(200);
        loop {
            pump();
            if has_exited(child) {
                return Outcome::Exited(reap(child));
            }
            if cancel.load(Ordering::SeqCst) {
                reap(child);
                return Outcome::Abandoned;
            }
            if Instant::now() >= deadline {
                reap(child);
                return Outcome::TimedOut;
            }
            std::thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(10));
        }
    }

    /// The reply frames from a successful command's stdout.
    fn reply_frames(&self, mut out: Vec<u8>) -> Vec<Frame> {
        if self.nul {
            if out.last() == Some(&0) {
                out.pop();
            }
            if out.is_empty() {
                return vec![Frame::empty()];
            }
            return out.split(|b| *b == 0).map(Frame::copy).collect();
        }
        if out.last() == Some(&b'\n') {
            out.pop();
        }
        vec![out.into()]
    }
}

pub(crate) fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => "failed".into(),
    }
}

/// True when the command has ended. It is not reaped: until it is, its pid (which is its
/// process group's id) cannot be given to another process.
pub(crate) fn has_exited(child: &Child) -> bool {
    use rustix::process::{Pid, WaitId, WaitIdOptions, waitid};
    let Some(pid) = Pid::from_raw(child.id() as i32) else {
        return true;
    };
    let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    match waitid(WaitId::Pid(pid), options) {
        Ok(status) => status.is_some(),
        // Already reaped, or not our child: nothing left to wait for.
        Err(_) => true,
    }
}

/// Kills what is left of the command's process group, then reaps the command.
///
/// In this order because the group's id is the command's pid: once the command is reaped,
/// that id may belong to a new process (another session's command with --concurrency), and
/// a late kill would hit it.
pub(crate) fn reap(child: &mut Child) -> ExitStatus {
    use rustix::process::{Pid, Signal, kill_process_group};
    if let Some(group) = Pid::from_raw(child.id() as i32) {
        // ESRCH (the group is already empty) is the usual case, not an error.
        let _ = kill_process_group(group, Signal::KILL);
    }
    child
        .wait()
        .unwrap_or_else(|_| ExitStatus::from_raw(1 << 8))
}

fn read_all(mut out: impl Read) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    let n = out
        .by_ref()
        .take(MAX_OUTPUT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read its output: {e}"))?;
    if n > MAX_OUTPUT {
        // Drain the rest so the command is not blocked writing, then refuse.
        let _ = std::io::copy(&mut out, &mut std::io::sink());
        return Err(format!("output exceeds {MAX_OUTPUT} bytes"));
    }
    Ok(buf)
}

fn read_lines(out: impl Read, lines: mpsc::Sender<Vec<u8>>) -> Result<Vec<u8>, String> {
    each_line(out, |line| lines.send(line).is_ok())
        .map(|()| Vec::new())
        .map_err(|e| format!("cannot read its output: {e}"))
}

/// Calls `take` with each line of `input` (without its newline) until the input ends or
/// `take` returns false. Shared by every line reader: `--stream`, `--filter`, `--lines`.
pub fn each_line(input: impl Read, mut take: impl FnMut(Vec<u8>) -> bool) -> std::io::Result<()> {
    each_line_telling(input, |line, _| take(line))
}

/// As [`each_line`], telling `take` also whether the next line is already read in whole, so
/// that it can be had without waiting for input (a reader that hands lines on in batches
/// hands on what it has whenever the answer is no).
pub fn each_line_telling(
    input: impl Read,
    mut take: impl FnMut(Vec<u8>, bool) -> bool,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(input);
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        let next_ready = reader.buffer().contains(&b'\n');
        if !take(line, next_ready) {
            return Ok(());
        }
    }
}

/// The last [`STDERR_TAIL`] bytes written to `err`.
pub(crate) fn tail(mut err: impl Read) -> Vec<u8> {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = err.read(&mut buf) {
        if n == 0 {
            break;
        }
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * STDERR_TAIL {
            kept.drain(..kept.len() - STDERR_TAIL);
        }
    }
    if kept.len() > STDERR_TAIL {
        kept.drain(..kept.len() - STDERR_TAIL);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines come without their newline, the last one whether or not it has one, each told
    /// whether the next is already read in whole; a line cut by a read is not "ready".
    #[test]
    fn lines_say_whether_the_next_is_ready() {
        let mut seen = Vec::new();
        each_line_telling(&b"a\nbb\n\nc"[..], |line, ready| {
            seen.push((line, ready));
            true
        })
        .unwrap();
        let want: Vec<(Vec<u8>, bool)> = vec![
            (b"a".to_vec(), true),
            (b"bb".to_vec(), true),
            (b"".to_vec(), false),
            (b"c".to_vec(), false),
        ];
        assert_eq!(seen, want);

        // Two reads: the line the first one cuts is not ready until the second.
        let input = std::io::Read::chain(&b"x\ny"[..], &b"z\n"[..]);
        let mut seen = Vec::new();
        each_line_telling(input, |line, ready| {
            seen.push((line, ready));
            true
        })
        .unwrap();
        assert_eq!(seen, vec![(b"x".to_vec(), false), (b"yz".to_vec(), false)]);
    }

    fn exec(command: &str) -> Exec {
        Exec {
            command: command.into(),
            service: "svc".into(),
            nul: false,
            stream: false,
            timeout: Duration::from_secs(5),
        }
    }

    fn run(e: &Exec, body: &[&[u8]]) -> Vec<(ReplyKind, Vec<Frame>)> {
        let mut replies = vec![];
        let body = crate::mdp::frames(body);
        e.handle(body, &AtomicBool::new(false), &mut |kind, frames| {
            replies.push((kind, frames))
        });
        replies
    }

    fn finals(frames: &[&[u8]]) -> Vec<(ReplyKind, Vec<Frame>)> {
        vec![(ReplyKind::Final, crate::mdp::frames(frames))]
    }

    #[test]
    fn stdout_is_the_reply_without_its_trailing_newline() {
        assert_eq!(run(&exec("tr a-z A-Z"), &[b"hello"]), finals(&[b"HELLO"]));
    }

    #[test]
    fn frames_arrive_one_per_line_with_the_environment() {
        let e = exec("echo \"$ZMQTOOL_SERVICE $ZMQTOOL_FRAMES\"; cat");
        assert_eq!(run(&e, &[b"a", b"b"]), finals(&[b"svc 2\na\nb"]));
    }

    #[test]
    fn nul_mode_splits_frames_both_ways() {
        let e = Exec {
            nul: true,
            ..exec("cat")
        };
        assert_eq!(run(&e, &[b"a\nb", b"c"]), finals(&[b"a\nb", b"c"]));
    }

    #[test]
    fn no_output_is_one_empty_frame() {
        assert_eq!(run(&exec("true"), &[b"x"]), finals(&[b""]));
    }

    #[test]
    fn failure_is_reported_with_reason_and_stderr() {
        let replies = run(&exec("echo oops >&2; exit 3"), &[b"x"]);
        assert_eq!(
            replies,
            finals(&[ERROR_MARKER, b"exit status 3", b"oops\n"])
        );
        assert_eq!(
            error_reason(&replies[0].1).as_deref(),
            Some("exit status 3")
        );
    }

    #[test]
    fn a_hanging_command_is_killed_at_the_timeout() {
        let e = Exec {
            timeout: Duration::from_millis(200),
            ..exec("sleep 30 | cat")
        };
        let started = Instant::now();
        let replies = run(&e, &[b"x"]);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(replies[0].1[1], b"timed out after 200ms");
    }

    #[test]
    fn streaming_sends_each_line_and_the_last_as_final() {
        let e = Exec {
            stream: true,
            ..exec("printf 'one\\ntwo\\nthree\\n'")
        };
        assert_eq!(
            run(&e, &[b"x"]),
            vec![
                (ReplyKind::Partial, vec![Frame::from("one")]),
                (ReplyKind::Partial, vec![Frame::from("two")]),
                (ReplyKind::Final, vec![Frame::from("three")]),
            ]
        );
    }

    #[test]
    fn a_cancelled_job_sends_nothing() {
        let e = exec("sleep 30");
        let cancel = AtomicBool::new(true);
        let mut replies = 0;
        e.handle(vec![Frame::copy(b"x")], &cancel, &mut |_, _| replies += 1);
        assert_eq!(replies, 0);
    }

    #[test]
    fn stderr_tail_keeps_the_end() {
        let data = vec![b'x'; 10_000];
        let mut with_end = data.clone();
        with_end.extend_from_slice(b"END");
        let kept = tail(&with_end[..]);
        assert_eq!(kept.len(), STDERR_TAIL);
        assert!(kept.ends_with(b"END"));
    }
}
