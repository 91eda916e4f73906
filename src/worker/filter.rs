//! `zmqtool worker --filter CMD`: one long-running `sh -c CMD` per worker session, fed one
//! request per line on its stdin and answering one line per request on its stdout, in order.
//!
//! At the speed of a pipe rather than of a fork per request (`--exec`). The request's frames
//! are written as one line (tab-separated, with `\\`, tab, CR and newline escaped, as
//! `client --lines` prints replies); the reply is the line the command prints, without its
//! newline, as one frame. The command must flush each line (`sed -u`, `awk` with `fflush()`,
//! `python3 -u`, `jq --unbuffered`), or the reply waits in its buffer until --exec-timeout.
//!
//! A command that exits, or does not answer within the timeout, is killed (its whole process
//! group), the request in hand gets the `zmqtool-error` reply with the tail of its stderr, the
//! death is logged, and the next request starts a fresh one.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::Handler;
use super::exec::{describe, each_line, error_reply, has_exited, reap, tail};
use crate::mdp::{Frame, ReplyKind, escape_line};

/// Runs requests through long-running shell commands, one per concurrent request.
pub struct Filter {
    pub command: String,
    pub service: String,
    /// How long one reply may take.
    pub timeout: Duration,
    /// Processes not serving a request now (one per session at most).
    idle: Mutex<Vec<Process>>,
}

impl Filter {
    pub fn new(command: String, service: String, timeout: Duration) -> Filter {
        Filter {
            command,
            service,
            timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take_process(&self) -> std::io::Result<Process> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(process) => Ok(process),
            None => Process::start(&self.command, &self.service),
        }
    }

    fn give_back(&self, process: Process) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(process);
        }
    }
}

/// One running command and the threads that read its output.
struct Process {
    child: Child,
    stdin: ChildStdin,
    /// Its stdout, a line at a time; closed when it closes stdout.
    lines: mpsc::Receiver<Vec<u8>>,
    /// The last of its stderr.
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Process {
    fn start(command: &str, service: &str) -> std::io::Result<Process> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .env("ZMQTOOL_SERVICE", service)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            // An error reading ends the lines, as the command's exit does.
            let _ = each_line(stdout, |line| tx.send(line).is_ok());
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let err = child.stderr.take().expect("stderr is piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let kept = tail(err);
            if let Ok(mut s) = sink.lock() {
                *s = kept;
            }
        });
        log::info!("started the filter sh -c {command:?} (pid {})", child.id());
        Ok(Process {
            child,
            stdin,
            lines,
            stderr,
        })
    }

    /// Sends one request line and waits for its reply line.
    fn ask(&mut self, line: &[u8], timeout: Duration, cancel: &AtomicBool) -> Answer {
        let mut request = Vec::with_capacity(line.len() + 1);
        request.extend_from_slice(line);
        request.push(b'\n');
        if self
            .stdin
            .write_all(&request)
            .and_then(|()| self.stdin.flush())
            .is_err()
        {
            return Answer::Died;
        }
        let deadline = Instant::now() + timeout;
        loop {
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50));
            match self.lines.recv_timeout(wait) {
                Ok(reply) => return Answer::Line(reply),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Answer::Died,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if cancel.load(Ordering::SeqCst) {
                return Answer::Abandoned;
            }
            if Instant::now() >= deadline {
                return Answer::TimedOut;
            }
        }
    }

    /// Kills what is left of it and says how it ended, with the tail of its stderr.
    fn end(mut self) -> (String, Vec<u8>) {
        let exited = has_exited(&self.child);
        let status = reap(&mut self.child);
        // The stderr reader finishes once the process group is gone.
        let deadline = Instant::now() + Duration::from_millis(200);
        while Arc::strong_count(&self.stderr) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        let how = if exited {
            describe(status)
        } else {
            "killed".to_string()
        };
        (how, stderr)
    }
}

enum Answer {
    Line(Vec<u8>),
    Died,
    TimedOut,
    Abandoned,
}

impl Handler for Filter {
    fn handle(
        &self,
        body: Vec<Frame>,
        cancel: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        let mut process = match self.take_process() {
            Ok(process) => process,
            Err(e) => {
                log::warn!("cannot start the filter sh -c {:?}: {e}", self.command);
                let why = format!("cannot start sh: {e}");
                return reply(ReplyKind::Final, error_reply(&why, b""));
            }
        };
        let failure = match process.ask(&escape_line(&body), self.timeout, cancel) {
            Answer::Line(line) => {
                self.give_back(process);
                return reply(ReplyKind::Final, vec![line.into()]);
            }
            Answer::Died => "the filter exited".to_string(),
            Answer::TimedOut => format!(
                "the filter did not answer within {} (does it flush each line?)",
                humantime::format_duration(self.timeout)
            ),
            Answer::Abandoned => {
                process.end();
                return;
            }
        };
        let (how, stderr) = process.end();
        log::warn!(
            "filter sh -c {:?}: {failure} ({how}); a new one starts with the next request",
            self.command
        );
        reply(
            ReplyKind::Final,
            error_reply(&format!("{failure} ({how})"), &stderr),
        );
    }
}

impl Drop for Filter {
    fn drop(&mut self) {
        if let Ok(mut idle) = self.idle.lock() {
            for process in idle.drain(..) {
                process.end();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(f: &Filter, body: &[&[u8]]) -> Vec<(ReplyKind, Vec<Frame>)> {
        let mut replies = vec![];
        let body = crate::mdp::frames(body);
        f.handle(body, &AtomicBool::new(false), &mut |k, frames| {
            replies.push((k, frames))
        });
        replies
    }

    #[test]
    fn one_process_answers_line_after_line() {
        let f = Filter::new(
            "sed -u 's/^/got /'".into(),
            "svc".into(),
            Duration::from_secs(10),
        );
        for i in 0..20 {
            let r = ask(&f, &[format!("line {i}").as_bytes()]);
            assert_eq!(
                r,
                vec![(ReplyKind::Final, vec![Frame::from(format!("got line {i}"))])]
            );
        }
        assert_eq!(
            f.idle.lock().unwrap().len(),
            1,
            "one process served them all"
        );
        // Several frames are one escaped line.
        let r = ask(&f, &[b"a\tb", b"c"]);
        assert_eq!(r[0].1, vec![b"got a\\tb\tc".to_vec()]);
    }

    #[test]
    fn a_dying_or_silent_filter_is_replaced_and_the_request_answered() {
        // Dies after its first answer.
        let f = Filter::new(
            "read x; echo \"first $x\"; echo bye >&2; exit 4".into(),
            "svc".into(),
            Duration::from_secs(10),
        );
        assert_eq!(ask(&f, &[b"1"])[0].1, vec![b"first 1".to_vec()]);
        let r = ask(&f, &[b"2"]);
        assert_eq!(r[0].1[0], b"zmqtool-error");
        assert!(
            String::from_utf8_lossy(&r[0].1[1]).contains("exited"),
            "{r:?}"
        );
        assert_eq!(
            ask(&f, &[b"3"])[0].1,
            vec![b"first 3".to_vec()],
            "a fresh one"
        );
        // Never answers (a buffered pipeline).
        let f = Filter::new(
            "cat > /dev/null".into(),
            "svc".into(),
            Duration::from_millis(300),
        );
        let r = ask(&f, &[b"x"]);
        assert!(
            String::from_utf8_lossy(&r[0].1[1]).contains("did not answer"),
            "{r:?}"
        );
    }
}
