use std::io::{Read, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use super::render::{self, JsonFrame, JsonFrames, escape_line};
use crate::cli::{ClientArgs, StampArgs};
use crate::client::{self, CallError, Outcome};
use crate::mdp::Frame;
use crate::mdp::stamp::{self, Stamp};
use crate::runtime::{Exit, Fatal, Shutdown};
use crate::worker::exec::error_reason;

pub fn run(args: ClientArgs, json: bool) -> Result<Exit> {
    if args.lines {
        return lines(args, json);
    }
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = args.options()?;
    let mut body = request_body(&args.body)?;
    // The stamp is made once, before any attempt: every retry and failover sends it again.
    let stamp = Stamper::from_args(&args.stamping, false)?
        .map(|s| s.single(args.stamping.request_id.as_deref()))
        .transpose()?;
    let sent = stamp.as_ref().map(Stamp::to_frame);
    if let Some(frame) = &sent {
        body.insert(0, frame.clone());
    }
    let service = args.service.as_bytes();
    if args.fail_fast {
        require_worker(&ctx, &opts, service, &shutdown)?;
    }
    let mut out = std::io::stdout().lock();
    let mut printed: std::io::Result<()> = Ok(());
    let none = Guarantee::default();
    let reply = client::call(&ctx, &opts, service, body, &shutdown, &mut |frames| {
        if printed.is_ok() {
            printed = print_reply(&mut out, service, &frames, false, json, args.raw, &none);
        }
    });
    printed.context("cannot write to stdout")?;
    let (frames, guarantee) = Guarantee::take(reply?, stamp.as_ref().zip(sent.as_ref()), None);
    if let Some(reason) = error_reason(&frames) {
        if json {
            print_reply(&mut out, service, &frames, true, json, false, &guarantee)?;
        }
        let stderr = frames
            .get(2)
            .map(|f| String::from_utf8_lossy(f).into_owned());
        let detail = stderr
            .filter(|s| !s.trim().is_empty())
            .map(|s| format!("; its stderr:\n{}", s.trim_end()))
            .unwrap_or_default();
        return Err(Fatal::shown(
            Exit::Failure,
            format!("{}: {reason}{detail}", guarantee.error_kind()),
        ));
    }
    print_reply(&mut out, service, &frames, true, json, args.raw, &guarantee)
        .context("cannot write to stdout")?;
    Ok(Exit::Success)
}

/// `--fail-fast`: asks the broker's mmi.service whether a worker serves `service`; a 404
/// ends the command with exit 4. A broker that cannot tell (501, or an answer that is not a
/// code) is logged and the request goes ahead.
fn require_worker(
    ctx: &crate::transport::Context,
    opts: &client::Options,
    service: &[u8],
    shutdown: &Shutdown,
) -> Result<()> {
    use crate::mdp::mmi;
    let asked = vec![Frame::copy(service)];
    let frames = client::call(ctx, opts, mmi::SERVICE, asked, shutdown, &mut |_| {})?;
    match frames.last().and_then(|f| mmi::Code::parse(f)) {
        Some(mmi::Code::Absent) => Err(Fatal::error(
            Exit::NotFound,
            format!(
                "no worker for {} (the broker's mmi.service says 404)",
                String::from_utf8_lossy(service)
            ),
        )),
        Some(mmi::Code::Present) => Ok(()),
        _ => {
            log::warn!(
                "the broker cannot say whether a worker is there (mmi.service); asking anyway"
            );
            Ok(())
        }
    }
}

/// Makes the stamps of one run (`--client-id`, `--stamp`).
pub(crate) struct Stamper {
    client_id: String,
}

impl Stamper {
    /// The stamper the flags ask for, if any; `lines`: keys are line numbers.
    pub(crate) fn from_args(args: &StampArgs, lines: bool) -> Result<Option<Stamper>> {
        let client_id = if args.stamp {
            uuid::Uuid::new_v4().simple().to_string()
        } else if let Some(id) = &args.client_id {
            id.clone()
        } else if args.request_id.is_some() {
            super::usage_error(
                "--request-id needs a client id: --client-id ID (or ZMQTOOL_CLIENT_ID), or --stamp",
            );
        } else {
            return Ok(None);
        };
        if !stamp::valid_field(client_id.as_bytes()) {
            super::usage_error(&format!(
                "client id {client_id:?}: 1 to {} printable characters without spaces",
                stamp::MAX_FIELD
            ));
        }
        if !lines && !args.stamp && args.request_id.is_none() {
            super::usage_error(
                "a single call with --client-id (or ZMQTOOL_CLIENT_ID) needs --request-id KEY, \
                 the same each time the script runs (with --lines the key is the line number); \
                 or use --stamp for a random id",
            );
        }
        Ok(Some(Stamper { client_id }))
    }

    /// The stamp of a single call: its --request-id, or 1.
    pub(crate) fn single(&self, request_id: Option<&str>) -> Result<Stamp> {
        let key = request_id.unwrap_or("1");
        match Stamp::new(&self.client_id, key) {
            Ok(stamp) => Ok(stamp),
            Err(e) => super::usage_error(&format!("--request-id {key:?}: {e}")),
        }
    }

    /// The stamp of line `line` (from 1).
    pub(crate) fn line(&self, line: u64) -> Frame {
        Stamp::new(&self.client_id, &line.to_string())
            .map(|s| s.to_frame())
            .unwrap_or_default()
    }
}

/// What a stamped request's reply said about the guarantee.
#[derive(Debug, Default, Clone)]
pub(crate) struct Guarantee {
    /// The stamp sent, as text (`None`: the request was not stamped).
    pub stamp: Option<String>,
    /// The worker's outcome (`None`: no deduplicating worker answered).
    pub outcome: Option<stamp::Outcome>,
}

impl Guarantee {
    /// Takes the outcome frame off a stamped request's reply, and says in the log whether
    /// the guarantee held. `line`: which input line, for the log.
    pub(crate) fn take(
        frames: Vec<Frame>,
        sent: Option<(&Stamp, &Frame)>,
        line: Option<u64>,
    ) -> (Vec<Frame>, Guarantee) {
        let Some((stamp, frame)) = sent else {
            return (frames, Guarantee::default());
        };
        let (outcome, frames) = stamp::take_outcome(frames, frame);
        let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
        match outcome {
            Some(outcome) => log::info!("{at}stamped {stamp}: {outcome}"),
            None => log::info!(
                "{at}stamped {stamp}: no deduplicating worker answered (a worker without \
                 --dedup, or a broker and worker that do not know stamps): not guaranteed"
            ),
        }
        let guarantee = Guarantee {
            stamp: Some(stamp.to_string()),
            outcome,
        };
        (frames, guarantee)
    }

    /// What an error reply means: a deduplicating worker's own error (its outcome is
    /// `unknown` or `mismatch`: nothing ran for this request), or the command's failure.
    pub(crate) fn error_kind(&self) -> &'static str {
        match self.outcome {
            Some(stamp::Outcome::Unknown | stamp::Outcome::Mismatch) => {
                "the deduplicating worker answered without running it"
            }
            _ => "the worker's command failed",
        }
    }

    /// The `--json` fields.
    pub(crate) fn json(&self) -> Option<render::Dedup> {
        self.stamp.as_ref().map(|stamp| render::Dedup {
            stamp: stamp.clone(),
            dedup: self.outcome,
            replayed: self.outcome.is_some_and(|o| o.replayed()),
        })
    }
}

/// The request frames from the BODY arguments; "-" is all of stdin as one frame.
pub(crate) fn request_body(args: &[String]) -> Result<Vec<Frame>> {
    if args.iter().filter(|a| *a == "-").count() > 1 {
        super::usage_error("\"-\" (a frame from stdin) may be given only once");
    }
    let mut body = Vec::with_capacity(args.len().max(1));
    for arg in args {
        if arg == "-" {
            let mut frame = Vec::new();
            std::io::stdin()
                .read_to_end(&mut frame)
                .context("cannot read the request from stdin")?;
            body.push(frame.into());
        } else {
            body.push(Frame::from(arg.as_str()));
        }
    }
    if body.is_empty() {
        body.push(Frame::empty());
    }
    Ok(body)
}

/// Prints one reply: each frame on its own line, raw, or as one JSON object.
fn print_reply(
    out: &mut impl Write,
    service: &[u8],
    frames: &[Frame],
    last: bool,
    json: bool,
    raw: bool,
    guarantee: &Guarantee,
) -> std::io::Result<()> {
    if json {
        render::json_line(
            out,
            &render::Reply {
                service: JsonFrame(service),
                last,
                frames: JsonFrames(frames),
                error: error_reason(frames),
                dedup: guarantee.json(),
            },
        )?;
    } else if raw {
        for frame in frames {
            out.write_all(frame)?;
        }
    } else {
        for frame in frames {
            out.write_all(frame)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

/// What a --lines run did.
#[derive(Default)]
struct Tally {
    requests: u64,
    replies: u64,
    errors: u64,
    timeouts: u64,
}

/// `--lines`: one request per stdin line, replies in order, up to --pipeline in flight.
fn lines(args: ClientArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = args.options()?;
    let service = args.service.as_bytes();
    if args.fail_fast {
        require_worker(&ctx, &opts, service, &shutdown)?;
    }
    let input = spawn_line_reader();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut tally = Tally::default();
    let started = Instant::now();
    let stamper = Stamper::from_args(&args.stamping, true)?;
    let mut lines_read = 0u64;
    let mut unstamped = line_source(&input, |line| vec![line.into()]);
    // Each line's stamp is made when it is read and travels in its frames, through every
    // retry and failover.
    let requests = |wait| {
        let mut next = unstamped(wait);
        if let (Ok(Some(body)), Some(stamper)) = (&mut next, &stamper) {
            lines_read += 1;
            body.insert(0, stamper.line(lines_read));
        }
        next
    };
    let window = args.pipeline as usize;
    let result = client::pipeline(
        &ctx,
        &opts,
        service,
        window,
        requests,
        &shutdown,
        |index, outcome| {
            tally.requests += 1;
            print_line(&mut out, index, outcome, json, &mut tally, stamper.as_ref())?;
            // Interactive use: show each reply as soon as it is in order.
            if window == 1 {
                out.flush()?;
            }
            Ok(())
        },
    );
    out.flush().context("cannot write to stdout")?;
    let elapsed = started.elapsed();
    let summary = render::Summary {
        replies: Some(tally.replies),
        timeouts: Some(tally.timeouts),
        ..render::Summary::new(tally.requests, tally.errors, elapsed)
    };
    if json {
        render::json_line(&mut out, &summary)?;
        out.flush()?;
    } else if log::log_enabled!(log::Level::Info) {
        log::info!("{}", serde_json::to_string(&summary)?);
    }
    match result {
        Err(CallError::Timeout { .. }) | Ok(()) => {}
        Err(e) => return Err(e.into()),
    }
    if tally.timeouts > 0 {
        return Err(Fatal::shown(
            Exit::Timeout,
            format!(
                "{} of {} requests got no reply",
                tally.timeouts, tally.requests
            ),
        ));
    }
    if tally.errors > 0 {
        return Err(Fatal::shown(
            Exit::Failure,
            format!(
                "{} of {} requests failed on the worker",
                tally.errors, tally.requests
            ),
        ));
    }
    Ok(Exit::Success)
}

fn print_line(
    out: &mut impl Write,
    index: u64,
    outcome: Outcome,
    json: bool,
    tally: &mut Tally,
    stamper: Option<&Stamper>,
) -> std::io::Result<()> {
    let line = index + 1;
    match outcome {
        Outcome::Reply(frames) => {
            let sent = stamper.map(|s| s.line(line));
            let stamp = sent.as_ref().and_then(|f| Stamp::parse(f).ok().flatten());
            let (frames, guarantee) =
                Guarantee::take(frames, stamp.as_ref().zip(sent.as_ref()), Some(line));
            let frames = &frames;
            tally.replies += 1;
            let failed = error_reason(frames);
            if let Some(reason) = &failed {
                tally.errors += 1;
                log::warn!("line {line}: {}: {reason}", guarantee.error_kind());
            }
            if json {
                render::json_line(
                    out,
                    &render::Line {
                        line,
                        frames: Some(JsonFrames(frames)),
                        uuid: None,
                        error: failed,
                        dedup: guarantee.json(),
                    },
                )
            } else {
                out.write_all(&escape_line(frames))?;
                out.write_all(b"\n")
            }
        }
        Outcome::Timeout => {
            tally.timeouts += 1;
            log::warn!("line {line}: no reply after all attempts");
            if json {
                render::json_line(
                    out,
                    &render::Line {
                        line,
                        frames: None,
                        uuid: None,
                        error: Some("timeout".into()),
                        dedup: None,
                    },
                )
            } else {
                out.write_all(b"\n")
            }
        }
    }
}

/// Reads stdin lines on a thread of its own, so replies keep printing while it waits. Lines
/// already read in go over together (up to [`LINE_BATCH`]), so piped input costs no thread
/// wake-up per line; a line typed at a prompt goes at once.
pub(crate) fn spawn_line_reader() -> std::sync::mpsc::Receiver<Vec<Vec<u8>>> {
    // At most 4,096 lines read ahead, as when they went over one by one.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(4096 / LINE_BATCH);
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(LINE_BATCH);
        // A read error ends the input, as its end does.
        let _ =
            crate::worker::exec::each_line_telling(std::io::stdin().lock(), |line, next_ready| {
                batch.push(line);
                if next_ready && batch.len() < LINE_BATCH {
                    return true;
                }
                let full = std::mem::replace(&mut batch, Vec::with_capacity(LINE_BATCH));
                tx.send(full).is_ok()
            });
    });
    rx
}

/// The most lines the stdin reader hands over at once.
const LINE_BATCH: usize = 64;

/// Turns the line reader into the request source `client::pipeline` polls: `Ok(None)` while
/// no line is ready, `Err(())` at the end of input.
pub(crate) fn line_source<'a>(
    input: &'a std::sync::mpsc::Receiver<Vec<Vec<u8>>>,
    make: impl Fn(Vec<u8>) -> Vec<Frame> + 'a,
) -> impl FnMut(Duration) -> Result<Option<Vec<Frame>>, ()> + 'a {
    use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
    // The rest of the batch last received.
    let mut pending = std::collections::VecDeque::new();
    move |wait: Duration| {
        if pending.is_empty() {
            let batch = if wait.is_zero() {
                input
                    .try_recv()
                    .map_err(|e| matches!(e, TryRecvError::Disconnected))
            } else {
                input
                    .recv_timeout(wait)
                    .map_err(|e| matches!(e, RecvTimeoutError::Disconnected))
            };
            match batch {
                Ok(batch) => pending.extend(batch),
                Err(true) => return Err(()),
                Err(false) => return Ok(None),
            }
        }
        Ok(pending.pop_front().map(&make))
    }
}
