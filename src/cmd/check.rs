//! `zmqtool check KIND`: asks the servers within `--timeout`, fills a [`Report`], prints it
//! in the chosen format and exits as the chosen mapping says. What goes wrong on the servers'
//! side is a finding (CRITICAL or UNKNOWN), never an error of the command: the only errors
//! are Ctrl-C and a stdout that cannot be written.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::check::{self, Format, Heard, Kind, Metric, Range, Report, Status, Unit};
use crate::cli::{
    BrokerList, CheckArgs, CheckBrokerArgs, CheckBstarArgs, CheckKind, CheckOutput,
    CheckServiceArgs, CheckTitanicArgs,
};
use crate::client::{self, CallError};
use crate::mdp::{Dialect, Form, Frame, mmi};
use crate::runtime::{Exit, Interrupted, Shutdown};
use crate::titanic::tsp;
use crate::transport::Context;

pub fn run(args: CheckArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let started = Instant::now();
    let (mut report, output) = match args.kind {
        CheckKind::Broker(a) => (broker(&ctx, &a, &shutdown, started)?, a.output),
        CheckKind::Service(a) => (service(&ctx, &a, &shutdown, started)?, a.output),
        CheckKind::Titanic(a) => (titanic(&ctx, &a, &shutdown, started)?, a.output),
        CheckKind::Bstar(a) => (bstar(&ctx, &a, started), a.output),
    };
    report.elapsed = started.elapsed();
    let format = if json { Format::Json } else { output.format };
    let mut out = std::io::stdout().lock();
    out.write_all(check::format::render(&report, format, output.exit).as_bytes())?;
    out.flush()?;
    Ok(exit_for(report.status().exit_code(output.exit)))
}

/// The check's exit code (0 to 3 under either mapping), carried by the [`Exit`] of that
/// number: the numbers are the monitoring systems' contract, not zmqtool's meanings.
fn exit_for(code: u8) -> Exit {
    match code {
        0 => Exit::Success,
        1 => Exit::Failure,
        2 => Exit::Usage,
        _ => Exit::Timeout,
    }
}

/// What one question got.
enum Asked {
    /// The reply (PARTIALs first, then the final reply's frames) and the round trip.
    Reply(Vec<Frame>, Duration),
    /// Nothing came before the deadline.
    NoAnswer,
    /// The question could not be asked (an endpoint that does not parse, say).
    Failed(String),
}

/// Asks questions through a broker, all within one deadline.
struct Asker<'a> {
    ctx: &'a Context,
    opts: client::Options,
    shutdown: &'a Shutdown,
    deadline: Instant,
    timeout: Duration,
}

impl<'a> Asker<'a> {
    /// `Err` with the reason when the security settings cannot be read (an UNKNOWN).
    fn new(
        ctx: &'a Context,
        brokers: &BrokerList,
        form: Form,
        output: &CheckOutput,
        shutdown: &'a Shutdown,
        started: Instant,
    ) -> Result<Asker<'a>, String> {
        let opts = brokers
            .client_options(output.timeout, 1, form)
            .map_err(|e| format!("{e:#}"))?;
        Ok(Asker {
            ctx,
            opts,
            shutdown,
            deadline: started + output.timeout,
            timeout: output.timeout,
        })
    }

    /// [`Asker::new`], or `None` with the reason recorded in `report` as UNKNOWN.
    fn start(
        report: &mut Report,
        ctx: &'a Context,
        brokers: &BrokerList,
        form: Form,
        output: &CheckOutput,
        shutdown: &'a Shutdown,
        started: Instant,
    ) -> Option<Asker<'a>> {
        match Asker::new(ctx, brokers, form, output, shutdown, started) {
            Ok(asker) => Some(asker),
            Err(why) => {
                report.found("setup", Status::Unknown, why);
                None
            }
        }
    }

    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// One request; the time left is shared by the brokers of a failover list, one attempt
    /// each.
    fn ask(&self, service: &[u8], body: Vec<Frame>) -> Result<Asked> {
        let left = self.left();
        if left.is_zero() {
            return Ok(Asked::NoAnswer);
        }
        let attempts = self.opts.endpoints.len().max(1) as u32;
        let opts = client::Options {
            timeout: (left / attempts).max(Duration::from_millis(1)),
            retries: attempts,
            ..self.opts.clone()
        };
        let started = Instant::now();
        let mut partials = Vec::new();
        let reply = client::call(self.ctx, &opts, service, body, self.shutdown, &mut |f| {
            partials.extend(f)
        });
        match reply {
            Ok(frames) => {
                partials.extend(frames);
                Ok(Asked::Reply(partials, started.elapsed()))
            }
            Err(CallError::Timeout { .. }) => Ok(Asked::NoAnswer),
            Err(CallError::Interrupted) => Err(Interrupted.into()),
            Err(e) => Ok(Asked::Failed(format!("{e:#}"))),
        }
    }

    /// The finding for a question nothing answered.
    fn silence(&self, what: &str) -> check::Finding {
        check::Finding::new(
            "answer",
            Status::Critical,
            format!(
                "no answer to {what} from {} within {}",
                self.opts.endpoints.join(", "),
                humantime::format_duration(self.timeout)
            ),
        )
    }
}

/// What a broker told about itself, from the richest MMI question it answers.
enum View {
    /// mmi.stats: a zmqtool broker.
    Stats(mmi::Stats),
    /// mmi.workers: services with their worker and queue counts.
    Workers(Vec<mmi::ServiceStatus>),
    /// mmi.service alone (the zguide's brokers): whether the name asked about has workers.
    Presence(bool),
}

impl View {
    fn source(&self) -> &'static str {
        match self {
            View::Stats(_) => "mmi.stats",
            View::Workers(_) => "mmi.workers",
            View::Presence(_) => "mmi.service",
        }
    }
}

/// Asks mmi.stats, then mmi.workers, then mmi.service about `name`, until one is answered
/// with something other than 501. The round trip is the first question's. `Err` is the
/// finding that ends the check (no answer, a malformed one).
fn view(asker: &Asker, name: &[u8]) -> Result<Result<(View, Duration), check::Finding>> {
    let critical = |message: String| {
        Ok(Err(check::Finding::new(
            "answer",
            Status::Critical,
            message,
        )))
    };
    let mut rtt = None;
    for question in [mmi::STATS, mmi::WORKERS, mmi::SERVICE] {
        let body = if question == mmi::SERVICE {
            vec![Frame::copy(name)]
        } else {
            vec![Frame::empty()]
        };
        let shown = String::from_utf8_lossy(question);
        let (frames, took) = match asker.ask(question, body)? {
            Asked::Reply(frames, took) => (frames, took),
            Asked::NoAnswer => return Ok(Err(asker.silence(&shown))),
            Asked::Failed(why) => {
                return Ok(Err(check::Finding::new("answer", Status::Unknown, why)));
            }
        };
        let rtt = *rtt.get_or_insert(took);
        let code = frames.last().and_then(|f| mmi::Code::parse(f));
        if code == Some(mmi::Code::NotImplemented) {
            continue;
        }
        let view = match question {
            mmi::STATS => match frames.as_slice() {
                [json] => match serde_json::from_slice::<mmi::Stats>(json) {
                    Ok(stats) => View::Stats(stats),
                    Err(e) => {
                        return critical(format!(
                            "the answer to mmi.stats is not a statistics report ({e}): {}",
                            shown_frames(&frames)
                        ));
                    }
                },
                _ => {
                    return critical(format!(
                        "the answer to mmi.stats has {} frames, not one: {}",
                        frames.len(),
                        shown_frames(&frames)
                    ));
                }
            },
            mmi::WORKERS => {
                let items = mmi::list_items(&frames);
                let parsed: Option<Vec<_>> =
                    items.iter().map(|f| mmi::ServiceStatus::parse(f)).collect();
                match parsed {
                    Some(list) => View::Workers(list),
                    None => {
                        return critical(format!(
                            "the answer to mmi.workers is not a list of services: {}",
                            shown_frames(&frames)
                        ));
                    }
                }
            }
            _ => match code {
                Some(mmi::Code::Present) => View::Presence(true),
                Some(mmi::Code::Absent) => View::Presence(false),
                _ => {
                    return critical(format!(
                        "the answer to mmi.service is not a status code: {}",
                        shown_frames(&frames)
                    ));
                }
            },
        };
        return Ok(Ok((view, rtt)));
    }
    critical("the broker answers every MMI question with 501, mmi.service included".into())
}

/// Frames for a message: printable, each cut at 60 bytes.
fn shown_frames(frames: &[Frame]) -> String {
    let shown: Vec<String> = frames
        .iter()
        .map(|f| {
            let text = super::render::terminal_safe(&f[..f.len().min(60)]);
            if f.len() > 60 {
                format!("{text}...")
            } else {
                text
            }
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

fn rtt_metric(took: Duration, rtt: &crate::cli::RttThresholds, help: &'static str) -> Metric {
    Metric::time("rtt", took, help).thresholds(rtt.warn, rtt.crit)
}

fn count(name: &'static str, value: usize, help: &'static str) -> Metric {
    Metric::new(name, Unit::Count, value as f64, help)
}

fn mismatches(n: u64) -> Metric {
    Metric::new(
        "heartbeat_mismatches",
        Unit::Counter,
        n as f64,
        "Workers whose heartbeat rate did not match the broker's.",
    )
}

/// WARNING for heartbeat mismatches the broker counted.
fn note_mismatches(report: &mut Report, n: u64, whose: &str) {
    if n > 0 {
        report.found(
            "heartbeat",
            Status::Warning,
            format!(
                "{n} heartbeat mismatch{} {whose}: a worker's --heartbeat differs from the \
                 broker's (see the broker's log)",
                if n == 1 { "" } else { "es" }
            ),
        );
    }
}

/// `check broker`.
fn broker(
    ctx: &Context,
    args: &CheckBrokerArgs,
    shutdown: &Shutdown,
    started: Instant,
) -> Result<Report> {
    let mut report = Report::new(Kind::Broker, args.brokers.brokers.join(","));
    let Some(asker) = Asker::start(
        &mut report,
        ctx,
        &args.brokers,
        args.protocol,
        &args.output,
        shutdown,
        started,
    ) else {
        return Ok(report);
    };
    if args.protocol.dialect == Dialect::Majortomo {
        handshake(&mut report, &asker, args)?;
        return Ok(report);
    }
    let (view, took) = match view(&asker, b"mmi.service")? {
        Ok(v) => v,
        Err(finding) => {
            report.findings.push(finding);
            return Ok(report);
        }
    };
    report.found(
        "answer",
        Status::Ok,
        format!(
            "answered {} in {}",
            view.source(),
            check::seconds_text(took.as_secs_f64())
        ),
    );
    report.measured(rtt_metric(took, &args.rtt, "The broker's MMI round trip."));
    let counts = match &view {
        View::Stats(s) => Some((
            s.services.len(),
            s.services.iter().map(|v| v.idle + v.busy).sum(),
            s.services.iter().map(|v| v.queued).sum(),
        )),
        View::Workers(list) => Some((
            list.len(),
            list.iter().map(|v| v.idle + v.busy).sum(),
            list.iter().map(|v| v.queued).sum(),
        )),
        View::Presence(_) => None,
    };
    match counts {
        Some((services, workers, queued)) => {
            report.measured(count("services", services, "Services the broker knows."));
            report.measured(
                count("workers", workers, "Workers registered, over all services.")
                    .thresholds(args.workers.warn_workers, args.workers.crit_workers),
            );
            report.measured(
                count(
                    "queued",
                    queued,
                    "Requests waiting for a worker, over all services.",
                )
                .thresholds(args.queue.warn_queue, args.queue.crit_queue),
            );
        }
        None => {
            let wanted = [
                args.workers.warn_workers,
                args.workers.crit_workers,
                args.queue.warn_queue,
                args.queue.crit_queue,
            ];
            if wanted.iter().any(Option::is_some) {
                report.found(
                    "counts",
                    Status::Unknown,
                    "the broker reports no worker or queue counts (it answers mmi.service \
                     only), so their thresholds cannot be judged",
                );
            }
        }
    }
    if let View::Stats(s) = &view {
        note_mismatches(
            &mut report,
            s.heartbeat_mismatches,
            "since the broker started",
        );
        report.measured(mismatches(s.heartbeat_mismatches));
    }
    Ok(report)
}

/// `check broker --protocol majortomo`: majortomo's broker has no MMI, so the check is that
/// a ZMTP peer completes the handshake at the endpoint.
fn handshake(report: &mut Report, asker: &Asker, args: &CheckBrokerArgs) -> Result<()> {
    use crate::transport::probe::{self, Handshake};
    let Some(endpoint) = asker.opts.endpoints.first() else {
        report.found("setup", Status::Unknown, "no --broker to check");
        return Ok(());
    };
    match probe::handshake(asker.ctx, &asker.opts.security, endpoint, asker.left()) {
        Ok(Handshake::Succeeded(took)) => {
            report.found(
                "answer",
                Status::Ok,
                format!(
                    "ZMTP handshake with {endpoint} in {} (majortomo's broker has no MMI: no \
                     counts to read)",
                    check::seconds_text(took.as_secs_f64())
                ),
            );
            report.measured(rtt_metric(
                took,
                &args.rtt,
                "The ZMTP handshake's duration.",
            ));
        }
        Ok(Handshake::Failed(why)) => report.found("answer", Status::Critical, why),
        Ok(Handshake::TimedOut) => report.findings.push(asker.silence("a ZMTP handshake")),
        Err(e) => report.found("answer", Status::Unknown, e.to_string()),
    }
    Ok(())
}

/// A service's figures in a view: workers (`None`: only presence is known), queued requests
/// (`None`: unknown) and heartbeat mismatches.
fn service_counts(view: &View, name: &str) -> (Option<usize>, Option<usize>, Option<u64>) {
    match view {
        View::Stats(s) => match s.services.iter().find(|v| v.name == name) {
            Some(v) => (
                Some(v.idle + v.busy),
                Some(v.queued),
                Some(v.heartbeat_mismatches),
            ),
            None => (Some(0), Some(0), Some(0)),
        },
        View::Workers(list) => match list.iter().find(|v| v.name == name.as_bytes()) {
            Some(v) => (Some(v.idle + v.busy), Some(v.queued), None),
            None => (Some(0), Some(0), None),
        },
        View::Presence(false) => (Some(0), None, None),
        View::Presence(true) => (None, None, None),
    }
}

/// `check service NAME`.
fn service(
    ctx: &Context,
    args: &CheckServiceArgs,
    shutdown: &Shutdown,
    started: Instant,
) -> Result<Report> {
    let majortomo = args.protocol.dialect == Dialect::Majortomo;
    if majortomo && args.request.is_none() {
        super::usage_error(
            "majortomo's broker has no MMI: check a service through it with --request FRAME...",
        );
    }
    let name = &args.service;
    let mut report = Report::new(
        Kind::Service,
        format!("{} {name}", args.brokers.brokers.join(",")),
    );
    let Some(asker) = Asker::start(
        &mut report,
        ctx,
        &args.brokers,
        args.protocol,
        &args.output,
        shutdown,
        started,
    ) else {
        return Ok(report);
    };
    let crit_workers = args
        .workers
        .crit_workers
        .or((args.min_workers > 0).then(|| Range::at_least(args.min_workers as f64)));
    let crit_queue = args
        .queue
        .crit_queue
        .or(args.max_queue.map(|n| Range::up_to(n as f64)));
    // From MMI (not through majortomo): the counts, and the round trip if no request is sent.
    let mut counts = (None, None, None);
    let mut mmi_rtt = None;
    if !majortomo {
        match view(&asker, name.as_bytes())? {
            Ok((view, took)) => {
                counts = service_counts(&view, name);
                mmi_rtt = Some(took);
                report.found(
                    "answer",
                    Status::Ok,
                    format!(
                        "the broker answered {} in {}",
                        view.source(),
                        check::seconds_text(took.as_secs_f64())
                    ),
                );
            }
            Err(finding) => {
                report.findings.push(finding);
                return Ok(report);
            }
        }
    }
    let (workers, queued, mismatch_count) = counts;
    let mut rtt = mmi_rtt;
    if let Some(frames) = &args.request {
        if workers == Some(0) {
            report.found(
                "request",
                Status::Critical,
                format!("{name} has no worker: the request was not sent"),
            );
        } else {
            let body = frames.iter().map(|f| Frame::from(f.as_str())).collect();
            match asker.ask(name.as_bytes(), body)? {
                Asked::Reply(reply, took) => {
                    rtt = Some(took);
                    judge_reply(&mut report, name, &reply, args.expect.as_ref());
                }
                Asked::NoAnswer => report
                    .findings
                    .push(asker.silence(&format!("the request to {name}"))),
                Asked::Failed(why) => report.found("request", Status::Unknown, why),
            }
        }
    }
    if let Some(took) = rtt {
        let help = if args.request.is_some() {
            "The request's round trip."
        } else {
            "The broker's MMI round trip."
        };
        report.measured(rtt_metric(took, &args.rtt, help));
    }
    let answered = report.findings.iter().any(|f| f.name == "reply");
    match workers {
        Some(n) => report.measured(
            count("workers", n, "The service's workers.")
                .thresholds(args.workers.warn_workers, crit_workers),
        ),
        None => {
            // Presence only (mmi.service 200, or a reply through majortomo): at least one.
            let present = answered || !majortomo;
            let judged = [args.workers.warn_workers, crit_workers]
                .into_iter()
                .flatten()
                .all(|r| !r.alerts(1.0) && !r.alerts(f64::from(u32::MAX)));
            if present && judged {
                report.found("workers", Status::Ok, format!("{name} has workers"));
            } else if present {
                report.found(
                    "workers",
                    Status::Unknown,
                    format!(
                        "{name} has workers, but the broker does not say how many, so the \
                         worker thresholds cannot be judged"
                    ),
                );
            }
        }
    }
    match queued {
        Some(n) => report.measured(
            count("queued", n, "The service's requests waiting for a worker.")
                .thresholds(args.queue.warn_queue, crit_queue),
        ),
        None if args.queue.warn_queue.is_some() || crit_queue.is_some() => report.found(
            "queued",
            Status::Unknown,
            "the broker does not report queues, so the queue thresholds cannot be judged",
        ),
        None => {}
    }
    if let Some(n) = mismatch_count {
        note_mismatches(&mut report, n, &format!("among {name}'s workers"));
        report.measured(mismatches(n));
    }
    Ok(report)
}

/// The findings on a reply to `--request`: a failed --exec command, `--expect`.
fn judge_reply(report: &mut Report, name: &str, reply: &[Frame], expect: Option<&regex::Regex>) {
    if let Some(reason) = crate::worker::exec::error_reason(reply) {
        report.found(
            "reply",
            Status::Critical,
            format!("{name}'s worker answered with an error: {reason}"),
        );
        return;
    }
    let text = reply
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    match expect {
        Some(re) if !re.is_match(&text) => report.found(
            "reply",
            Status::Critical,
            format!(
                "{name}'s reply {} does not match {}",
                shown_frames(reply),
                re.as_str()
            ),
        ),
        Some(re) => report.found(
            "reply",
            Status::Ok,
            format!("{name} answered, matching {}", re.as_str()),
        ),
        None => report.found("reply", Status::Ok, format!("{name} answered")),
    }
}

/// The service a store-only round trip names: nobody serves it, so the request stays pending.
const NOBODY: &str = "zmqtool.check.nobody";

/// `check titanic`.
fn titanic(
    ctx: &Context,
    args: &CheckTitanicArgs,
    shutdown: &Shutdown,
    started: Instant,
) -> Result<Report> {
    let mut report = Report::new(Kind::Titanic, args.brokers.brokers.join(","));
    let Some(asker) = Asker::start(
        &mut report,
        ctx,
        &args.brokers,
        Form::V01,
        &args.output,
        shutdown,
        started,
    ) else {
        return Ok(report);
    };
    for service in [tsp::REQUEST, tsp::REPLY, tsp::CLOSE] {
        let shown = String::from_utf8_lossy(service);
        match presence(&asker, service)? {
            Ok(true) => {}
            Ok(false) => report.found(
                shown.as_ref(),
                Status::Critical,
                format!("{shown} has no worker (is the Titanic server running?)"),
            ),
            Err(finding) => {
                report.findings.push(finding);
                return Ok(report);
            }
        }
    }
    if report.findings.is_empty() {
        report.found(
            "services",
            Status::Ok,
            "titanic.request, titanic.reply and titanic.close have workers",
        );
    } else {
        return Ok(report);
    }
    pending(&mut report, &asker, args)?;
    round_trip(&mut report, &asker, args, shutdown)?;
    Ok(report)
}

/// Whether `service` has workers, by mmi.service.
fn presence(asker: &Asker, service: &[u8]) -> Result<Result<bool, check::Finding>> {
    let frames = match asker.ask(mmi::SERVICE, vec![Frame::copy(service)])? {
        Asked::Reply(frames, _) => frames,
        Asked::NoAnswer => return Ok(Err(asker.silence("mmi.service"))),
        Asked::Failed(why) => {
            return Ok(Err(check::Finding::new("answer", Status::Unknown, why)));
        }
    };
    Ok(match frames.last().and_then(|f| mmi::Code::parse(f)) {
        Some(mmi::Code::Present) => Ok(true),
        Some(mmi::Code::Absent) => Ok(false),
        _ => Err(check::Finding::new(
            "answer",
            Status::Critical,
            format!(
                "the answer to mmi.service is not a status code: {}",
                shown_frames(&frames)
            ),
        )),
    })
}

/// The pending requests and the oldest one's age, from titanic.stats where it is served.
fn pending(report: &mut Report, asker: &Asker, args: &CheckTitanicArgs) -> Result<()> {
    let judged = [
        args.queue.warn_queue,
        args.queue.crit_queue,
        args.warn_age,
        args.crit_age,
    ]
    .iter()
    .any(Option::is_some);
    let unknown = |report: &mut Report, why: String| {
        let status = if judged { Status::Unknown } else { Status::Ok };
        report.found("pending", status, why);
    };
    match presence(asker, tsp::STATS)? {
        Ok(true) => {}
        Ok(false) => {
            unknown(
                report,
                "the server does not serve titanic.stats (not zmqtool's): no pending count".into(),
            );
            return Ok(());
        }
        Err(finding) => {
            report.findings.push(finding);
            return Ok(());
        }
    }
    let frames = match asker.ask(tsp::STATS, vec![Frame::empty()])? {
        Asked::Reply(frames, _) => frames,
        Asked::NoAnswer => {
            report.findings.push(asker.silence("titanic.stats"));
            return Ok(());
        }
        Asked::Failed(why) => {
            report.found("pending", Status::Unknown, why);
            return Ok(());
        }
    };
    let stats = match frames.as_slice() {
        [code, json] if tsp::Status::parse(code) == Some(tsp::Status::Ok) => {
            serde_json::from_slice::<tsp::Stats>(json).ok()
        }
        _ => None,
    };
    let Some(stats) = stats else {
        unknown(
            report,
            format!("titanic.stats answered {}", shown_frames(&frames)),
        );
        return Ok(());
    };
    report.measured(
        Metric::new(
            "pending",
            Unit::Count,
            stats.pending as f64,
            "Titanic requests waiting for delivery.",
        )
        .thresholds(args.queue.warn_queue, args.queue.crit_queue),
    );
    let age = stats.oldest_pending_s.unwrap_or(0.0);
    report.measured(
        Metric::time(
            "oldest_pending",
            Duration::from_secs_f64(age.max(0.0)),
            "The age of the oldest Titanic request waiting for delivery (0 when none waits).",
        )
        .thresholds(args.warn_age, args.crit_age),
    );
    Ok(())
}

/// Stores a request, reads its reply (with --service, until it comes), and closes it.
fn round_trip(
    report: &mut Report,
    asker: &Asker,
    args: &CheckTitanicArgs,
    shutdown: &Shutdown,
) -> Result<()> {
    let started = Instant::now();
    let service = args.service.as_deref().unwrap_or(NOBODY);
    let mut body = vec![Frame::from(service)];
    match &args.request {
        Some(frames) => body.extend(frames.iter().map(|f| Frame::from(f.as_str()))),
        None => body.push(Frame::from("zmqtool check")),
    }
    let uuid = match asker.ask(tsp::REQUEST, body)? {
        Asked::Reply(frames, _) => match frames.as_slice() {
            [code, uuid] if tsp::Status::parse(code) == Some(tsp::Status::Ok) => uuid.clone(),
            _ => {
                report.found(
                    "request",
                    Status::Critical,
                    format!("titanic.request answered {}", shown_frames(&frames)),
                );
                return Ok(());
            }
        },
        Asked::NoAnswer => {
            report.findings.push(asker.silence("titanic.request"));
            return Ok(());
        }
        Asked::Failed(why) => {
            report.found("request", Status::Unknown, why);
            return Ok(());
        }
    };
    let replied = await_reply(report, asker, &uuid, args.service.is_some(), shutdown)?;
    // Closed whatever happened, so that checks leave nothing behind.
    let closed = match asker.ask(tsp::CLOSE, vec![uuid])? {
        Asked::Reply(frames, _) => match frames.first().and_then(|f| tsp::Status::parse(f)) {
            Some(tsp::Status::Ok) => true,
            _ => {
                report.found(
                    "close",
                    Status::Critical,
                    format!("titanic.close answered {}", shown_frames(&frames)),
                );
                false
            }
        },
        Asked::NoAnswer => {
            report.findings.push(asker.silence("titanic.close"));
            false
        }
        Asked::Failed(why) => {
            report.found("close", Status::Unknown, why);
            false
        }
    };
    if replied && closed {
        let took = started.elapsed();
        let what = match &args.service {
            Some(s) => format!("request, reply from {s}, close"),
            None => "request, reply (pending), close".to_string(),
        };
        report.found(
            "round trip",
            Status::Ok,
            format!("{what} in {}", check::seconds_text(took.as_secs_f64())),
        );
        report.measured(rtt_metric(took, &args.rtt, "The Titanic round trip."));
    }
    Ok(())
}

/// Asks titanic.reply until the reply is there (with `real`: from a real service) or, for a
/// store-only check, until it says pending. True when that happened.
fn await_reply(
    report: &mut Report,
    asker: &Asker,
    uuid: &Frame,
    real: bool,
    shutdown: &Shutdown,
) -> Result<bool> {
    // What is left for titanic.close.
    let reserve = asker.timeout / 10;
    let mut pause = Duration::from_millis(20);
    loop {
        let frames = match asker.ask(tsp::REPLY, vec![uuid.clone()])? {
            Asked::Reply(frames, _) => frames,
            Asked::NoAnswer => {
                report.findings.push(asker.silence("titanic.reply"));
                return Ok(false);
            }
            Asked::Failed(why) => {
                report.found("reply", Status::Unknown, why);
                return Ok(false);
            }
        };
        match frames.first().and_then(|f| tsp::Status::parse(f)) {
            Some(tsp::Status::Ok) => return Ok(true),
            Some(tsp::Status::Pending) if !real => return Ok(true),
            Some(tsp::Status::Pending) => {}
            _ => {
                report.found(
                    "reply",
                    Status::Critical,
                    format!("titanic.reply answered {}", shown_frames(&frames)),
                );
                return Ok(false);
            }
        }
        if asker.left() <= reserve + pause {
            report.found(
                "reply",
                Status::Critical,
                format!(
                    "the stored request got no reply from its service within {}",
                    humantime::format_duration(asker.timeout)
                ),
            );
            return Ok(false);
        }
        if shutdown.sleep(pause) {
            return Err(Interrupted.into());
        }
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// `check bstar EP EP`: both state endpoints at once.
fn bstar(ctx: &Context, args: &CheckBstarArgs, started: Instant) -> Report {
    let endpoints = [args.endpoints[0].as_str(), args.endpoints[1].as_str()];
    let mut report = Report::new(Kind::Bstar, endpoints.join(","));
    let security = match args.curve.security() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            report.found("setup", Status::Unknown, format!("{e:#}"));
            return report;
        }
    };
    let wait = (started + args.output.timeout).saturating_duration_since(Instant::now());
    let listeners: Vec<_> = endpoints
        .iter()
        .map(|ep| {
            let (ctx, security, ep) = (ctx.clone(), security.clone(), ep.to_string());
            std::thread::spawn(move || {
                match crate::bstar::server::status(&ctx, &ep, &security, wait) {
                    Ok(Some(state)) => Heard::State(state),
                    Ok(None) => Heard::Silent,
                    Err(e) => Heard::Error(format!("{e:#}")),
                }
            })
        })
        .collect();
    let heard: Vec<Heard> = listeners
        .into_iter()
        .map(|l| {
            l.join()
                .unwrap_or_else(|_| Heard::Error("the listener thread panicked".into()))
        })
        .collect();
    report
        .findings
        .push(check::judge_pair([&heard[0], &heard[1]], endpoints));
    let active = heard
        .iter()
        .filter(|h| **h == Heard::State(crate::bstar::fsm::State::Active))
        .count();
    report.measured(
        count(
            "active",
            active,
            "Servers of the pair that say they are active.",
        )
        .max(2.0),
    );
    report
}
