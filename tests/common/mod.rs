//! Test helpers: start the real binary, find its port, wait for it with bounded polls, and
//! kill whatever was started even when a test fails.
#![allow(dead_code)]

pub mod check;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_zmqtool");

/// Fast heartbeats so that expiry-driven tests finish in a few seconds; slow enough (three
/// missed beats: 750 ms) that a loaded CI machine does not expire a live peer.
pub const HB: &str = "250ms";

/// A running zmqtool process; killed on drop. Its stderr is collected as it is written.
pub struct Proc {
    pub child: Child,
    stderr: Arc<Mutex<String>>,
    stdout: Option<Arc<Mutex<String>>>,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Everything written to stdout so far (when captured).
    pub fn stdout(&self) -> String {
        self.stdout
            .as_ref()
            .map(|s| s.lock().unwrap().clone())
            .unwrap_or_default()
    }

    /// Waits until stderr contains `needle`.
    pub fn wait_stderr(&self, needle: &str, timeout: Duration) -> String {
        let found = wait_until(timeout, || self.stderr().contains(needle));
        assert!(
            found,
            "stderr never showed {needle:?}; it has:\n{}",
            self.stderr()
        );
        self.stderr()
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{sig} failed");
    }

    /// Waits for the process to exit; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            if Instant::now() > deadline {
                panic!("process did not exit; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn collect(reader: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let buf = Arc::new(Mutex::new(String::new()));
    let sink = buf.clone();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(reader);
        let mut line = String::new();
        while let Ok(n) = lines.read_line(&mut line) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    buf
}

/// A zmqtool command with none of the developer's `ZMQTOOL_*` variables: a test sees only
/// the environment it sets. The memory of the broker that answered last is off (a test that
/// wants it sets `ZMQTOOL_STATE` to a directory of its own), so tests neither read nor leave
/// files in the user's runtime directory.
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    without_zmqtool_env(&mut command);
    command.env("ZMQTOOL_STATE", "off");
    command
}

/// Removes the developer's `ZMQTOOL_*` variables from what `command` will run with (and so
/// from any zmqtool it starts).
pub fn without_zmqtool_env(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ZMQTOOL_") {
            command.env_remove(name);
        }
    }
    command
}

/// An endpoint of the test's own: an ipc:// socket in a directory removed when it is
/// dropped. Nobody else can bind it, and a server can be restarted on it.
pub struct Ipc {
    pub ep: String,
    _dir: tempfile::TempDir,
}

pub fn ipc() -> Ipc {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ep = format!("ipc://{}/ep", dir.path().display());
    Ipc { ep, _dir: dir }
}

/// Starts zmqtool with `args`; stdout is captured.
pub fn spawn(args: &[&str]) -> Proc {
    let mut c = command();
    c.args(args);
    spawn_command(c)
}

/// Starts any program; stdout and stderr are captured, and it is killed on drop.
pub fn spawn_command(mut command: Command) -> Proc {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let stderr = collect(child.stderr.take().unwrap());
    let stdout = Some(collect(child.stdout.take().unwrap()));
    Proc {
        child,
        stderr,
        stdout,
    }
}

/// Runs zmqtool to completion with a deadline.
pub fn run(args: &[&str]) -> Output {
    run_with_timeout(args, Duration::from_secs(30))
}

pub fn run_with_timeout(args: &[&str], timeout: Duration) -> Output {
    let mut command = command();
    command.args(args);
    finish(command, None, timeout)
}

/// Runs `command` to completion with `input` on its stdin (none: /dev/null), killing it
/// after `timeout`. stdout and stderr are read as they come, so a large output cannot
/// block the child.
pub fn finish(mut command: Command, input: Option<Vec<u8>>, timeout: Duration) -> Output {
    let mut child = command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zmqtool starts");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&input);
        });
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Output {
                status,
                stdout: stdout.join().expect("stdout reader"),
                stderr: stderr.join().expect("stderr reader"),
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} did not finish within {timeout:?}; stderr:\n{}",
                String::from_utf8_lossy(&stderr.join().unwrap_or_default())
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn drain(mut reader: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = reader.read_to_end(&mut buf);
        buf
    })
}

/// The endpoint a process logged after `prefix` (a `*` port, resolved), once it has.
pub fn bound_endpoint(proc: &Proc, prefix: &str) -> String {
    let log = proc.wait_stderr(prefix, Duration::from_secs(10));
    log.lines()
        .find_map(|l| l.split(prefix).nth(1))
        .expect("the endpoint follows")
        .trim()
        .to_string()
}

/// Sends requests to the Binary Star frontend `front` until `done` holds. A server becomes
/// active only when a request arrives after its peer has been silent for two heartbeats, so
/// one request sent at a guessed moment would make a test depend on timing.
pub fn ask_until(front: &str, mut done: impl FnMut() -> bool) -> bool {
    wait_until(Duration::from_secs(20), || {
        let _ = run(&[
            "client",
            "--broker",
            front,
            "x",
            "--timeout",
            "300ms",
            "--retries",
            "1",
        ]);
        done()
    })
}

/// Polls `cond` every 20 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A broker on a free loopback port, with fast heartbeats unless `extra` sets them.
pub struct Broker {
    pub proc: Proc,
    pub endpoint: String,
}

pub fn broker(extra: &[&str]) -> Broker {
    broker_at("tcp://127.0.0.1:*", extra)
}

pub fn broker_at(bind: &str, extra: &[&str]) -> Broker {
    let mut args = vec!["broker", "--bind", bind];
    if !extra.contains(&"--heartbeat") {
        args.extend(["--heartbeat", HB]);
    }
    args.extend(extra);
    let proc = spawn(&args);
    let endpoint = bound_endpoint(&proc, "listening on ");
    Broker { proc, endpoint }
}

/// Starts an echo (or other) worker for `service` with fast heartbeats.
pub fn worker(endpoint: &str, service: &str, extra: &[&str]) -> Proc {
    let mut args = vec!["worker", service, "--broker", endpoint];
    if !extra.contains(&"--heartbeat") {
        args.extend(["--heartbeat", HB]);
    }
    if !extra.contains(&"--reconnect") {
        args.extend(["--reconnect", HB]);
    }
    args.extend(extra);
    spawn(&args)
}

/// Runs `zmqtool client` against `endpoint`.
pub fn client(endpoint: &str, args: &[&str]) -> Output {
    let mut all = vec!["client", "--broker", endpoint];
    all.extend(args);
    run(&all)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asks the broker `mmi.service` over a raw socket; returns the code frame.
pub fn mmi_code(endpoint: &str, service: &str) -> Option<String> {
    let reply = raw_call(endpoint, "mmi.service", &[service.as_bytes()], 1000)?;
    reply
        .last()
        .map(|f| String::from_utf8_lossy(f).into_owned())
}

/// Waits until `service` has a worker (MMI 200).
pub fn wait_for_service(endpoint: &str, service: &str) {
    let up = wait_until(Duration::from_secs(10), || {
        mmi_code(endpoint, service).as_deref() == Some("200")
    });
    assert!(up, "service {service} never came up at {endpoint}");
}

/// One MDP/0.1 request from a raw DEALER; returns the reply body.
pub fn raw_call(
    endpoint: &str,
    service: &str,
    body: &[&[u8]],
    timeout_ms: i32,
) -> Option<Vec<Vec<u8>>> {
    let ctx = zmq::Context::new();
    let s = ctx.socket(zmq::DEALER).unwrap();
    s.set_linger(0).unwrap();
    s.set_rcvtimeo(timeout_ms).unwrap();
    s.connect(endpoint).unwrap();
    let mut frames: Vec<Vec<u8>> = vec![vec![], b"MDPC01".to_vec(), service.as_bytes().to_vec()];
    frames.extend(body.iter().map(|b| b.to_vec()));
    s.send_multipart(frames, 0).unwrap();
    let reply = s.recv_multipart(0).ok()?;
    Some(reply[3..].to_vec())
}

/// A hand-driven worker socket, for tests that need a worker to misbehave or go silent.
pub struct RawWorker {
    pub socket: zmq::Socket,
    _ctx: zmq::Context,
}

impl RawWorker {
    pub fn connect(endpoint: &str, service: &str) -> RawWorker {
        let ctx = zmq::Context::new();
        let socket = ctx.socket(zmq::DEALER).unwrap();
        socket.set_linger(0).unwrap();
        socket.set_rcvtimeo(5000).unwrap();
        socket.connect(endpoint).unwrap();
        socket
            .send_multipart([&b""[..], b"MDPW01", b"\x01", service.as_bytes()], 0)
            .unwrap();
        RawWorker { socket, _ctx: ctx }
    }

    /// Receives until a message with command byte `cmd` arrives (skipping heartbeats).
    pub fn recv_command(&self, cmd: u8) -> Option<Vec<Vec<u8>>> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let frames = self.socket.recv_multipart(0).ok()?;
            if frames.get(2).map(|f| f.as_slice()) == Some(&[cmd][..]) {
                return Some(frames);
            }
        }
        None
    }
}

/// A field of /proc/PID/status in KiB (`VmRSS`, `VmHWM`); 0 when unreadable.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One HTTP/1.0 GET: the status line and the body.
pub fn http_get(addr: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(tcp, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

/// A broker without mmi.stats, as the zguide's brokers are: a raw ROUTER that answers the
/// first request with 501 (as mdbroker.c does for an unknown mmi. name). Its endpoint, and the
/// thread to join once the request was made.
pub fn broker_without_statistics() -> (String, std::thread::JoinHandle<()>) {
    let ctx = zmq::Context::new();
    let router = ctx.socket(zmq::ROUTER).unwrap();
    router.set_linger(0).unwrap();
    router.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = router.get_last_endpoint().unwrap().unwrap();
    let answer = std::thread::spawn(move || {
        let msg = router.recv_multipart(0).unwrap();
        router
            .send_multipart([&msg[0][..], b"", b"MDPC01", b"mmi.stats", b"501"], 0)
            .unwrap();
    });
    (endpoint, answer)
}

/// Certificates made with `zmqtool keygen --out`, in a directory of the test's own, with an
/// allow directory (`allowed`) for `--curve-allow`.
pub struct Certs {
    dir: tempfile::TempDir,
}

impl Certs {
    pub fn new(names: &[&str]) -> Certs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("allowed")).unwrap();
        for name in names {
            let out = run(&["keygen", "--out", dir.path().join(name).to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        Certs { dir }
    }

    /// The file `name` (`NAME` is the public certificate, `NAME_secret` the secret one).
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    /// Puts `name`'s public certificate in the allow directory.
    pub fn allow(&self, name: &str) {
        std::fs::copy(self.path(name), self.dir.path().join("allowed").join(name)).unwrap();
    }

    /// `name`'s public key in Z85, as its certificate holds it.
    pub fn public_key(&self, name: &str) -> String {
        self.key(name, "public-key")
    }

    /// `name`'s secret key in Z85, from its secret certificate.
    pub fn secret_key(&self, name: &str) -> String {
        self.key(&format!("{name}_secret"), "secret-key")
    }

    fn key(&self, file: &str, field: &str) -> String {
        let text = std::fs::read_to_string(self.path(file)).unwrap();
        let prefix = format!("{field} = \"");
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
            .unwrap_or_else(|| panic!("no {field} in {file}"))
            .trim_end_matches('"')
            .to_string()
    }
}
