use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use super::render::{self, JsonFrames};
use crate::cli::{
    CallOpts, TitanicCallArgs, TitanicCommand, TitanicLsArgs, TitanicMigrateArgs,
    TitanicRequestArgs, TitanicServeArgs, TitanicUuidArgs,
};
use crate::client::{self, CallError, Outcome};
use crate::mdp::Frame;
use crate::runtime::{Exit, Fatal, Shutdown};
use crate::store::{Location, sqlite};
use crate::titanic::tsp::{self, Status, Ticket};
use crate::titanic::{dispatcher, server, store};

pub fn run(command: TitanicCommand, json: bool) -> Result<Exit> {
    match command {
        TitanicCommand::Serve(args) => serve(args),
        TitanicCommand::Request(args) => request(args, json),
        TitanicCommand::Reply(args) => reply(args, json),
        TitanicCommand::Close(args) => close(args, json),
        TitanicCommand::Call(args) => call(args, json),
        TitanicCommand::Ls(args) => ls(args, json),
        TitanicCommand::Migrate(args) => migrate(args, json),
    }
}

/// Reads a `--store` string; a bad one is a usage error.
fn location(text: &str) -> Result<Location> {
    Location::parse(text).map_err(|e| Fatal::error(Exit::Usage, format!("--store {text:?}: {e}")))
}

fn serve(args: TitanicServeArgs) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let mut brokers = args.brokers.worker_brokers()?;
    brokers.all = args.all_brokers;
    let opts = server::Options {
        brokers,
        store: location(&args.store)?,
        lease: args.lease,
        dispatch: dispatcher::Config {
            inflight: args.inflight as usize,
            timeout: args.delivery_timeout,
            ..dispatcher::Config::default()
        },
        request_sessions: args.concurrency as usize,
        heartbeat: args.heartbeat,
        reconnect: args.reconnect,
        retain: args.retain,
        stamp: !args.no_stamp,
    };
    server::serve(&super::context(), opts, &shutdown)?;
    Ok(shutdown.exit())
}

/// One call to a TSP service: its status and the frames after it.
fn tsp_call(
    ctx: &crate::transport::Context,
    call: &CallOpts,
    service: &[u8],
    body: Vec<Frame>,
    shutdown: &Shutdown,
) -> Result<(Status, Vec<Frame>)> {
    let frames = match client::call(ctx, &call.options()?, service, body, shutdown, &mut |_| {}) {
        Ok(frames) => frames,
        Err(e @ CallError::Timeout { .. }) => {
            return Err(Fatal::error(
                Exit::Timeout,
                format!("{e} (is `zmqtool titanic serve` running?)"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut frames = frames.into_iter();
    let first = frames.next().unwrap_or_default();
    let status = Status::parse(&first).ok_or_else(|| {
        anyhow!(
            "Titanic answered with {:?}, not a TSP status",
            String::from_utf8_lossy(&first)
        )
    })?;
    Ok((status, frames.collect()))
}

/// Stores a request. A 500 (the store could not commit: it may be restarting) is asked
/// again, up to --retries attempts in all, with a growing pause.
fn store_request(
    ctx: &crate::transport::Context,
    call: &CallOpts,
    service: &str,
    body: Vec<Frame>,
    shutdown: &Shutdown,
) -> Result<Ticket> {
    let mut frames = vec![Frame::from(service)];
    frames.extend(body);
    let mut attempt = 1;
    loop {
        let (status, rest) = tsp_call(ctx, call, tsp::REQUEST, frames.clone(), shutdown)?;
        match status {
            Status::Ok => {
                return rest
                    .first()
                    .and_then(|u| Ticket::parse(u))
                    .ok_or_else(|| anyhow!("Titanic answered 200 without a request id"));
            }
            Status::Error if attempt < call.retries => {
                log::info!("Titanic could not store the request (500); asking again");
                sleep_unless(shutdown, Duration::from_millis(200) * attempt)?;
                attempt += 1;
            }
            other => return Err(status_error(other, "the request was not stored")),
        }
    }
}

fn status_error(status: Status, what: &str) -> anyhow::Error {
    match status {
        Status::Unknown => {
            Fatal::error(Exit::NotFound, format!("{what}: 400 (unknown or invalid)"))
        }
        Status::Pending => Fatal::error(Exit::Pending, format!("{what}: 300 (pending)")),
        Status::Error => Fatal::error(
            Exit::Failure,
            format!("{what}: 500 (Titanic internal error; retry later)"),
        ),
        Status::Ok => anyhow!("{what}"),
    }
}

fn request(args: TitanicRequestArgs, json: bool) -> Result<Exit> {
    if args.lines {
        return request_lines(args, json);
    }
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let body = super::client::request_body(&args.body)?;
    let uuid = store_request(&ctx, &args.call, &args.service, body, &shutdown)?;
    let mut out = std::io::stdout().lock();
    if json {
        render::json_line(
            &mut out,
            &render::Stored {
                uuid: uuid.as_str(),
                service: &args.service,
            },
        )?;
    } else {
        writeln!(out, "{uuid}")?;
    }
    Ok(Exit::Success)
}

/// `titanic request --lines`: one stored request per stdin line, one UUID per stdout line.
fn request_lines(args: TitanicRequestArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let input = super::client::spawn_line_reader();
    let service = Frame::from(args.service.as_str());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut stored, mut failed) = (0u64, 0u64);
    let started = Instant::now();
    let requests = super::client::line_source(&input, |line| vec![service.clone(), line.into()]);
    let result = client::pipeline(
        &ctx,
        &args.call.options()?,
        tsp::REQUEST,
        args.pipeline as usize,
        requests,
        &shutdown,
        |index, outcome| {
            let uuid = match outcome {
                Outcome::Reply(frames)
                    if frames.first().and_then(|f| Status::parse(f)) == Some(Status::Ok) =>
                {
                    frames.get(1).and_then(|u| Ticket::parse(u))
                }
                _ => None,
            };
            match uuid {
                Some(uuid) => {
                    stored += 1;
                    if json {
                        render::json_line(
                            &mut out,
                            &render::Line {
                                line: index + 1,
                                frames: None,
                                uuid: Some(uuid.as_str()),
                                error: None,
                                dedup: None,
                            },
                        )
                    } else {
                        writeln!(out, "{uuid}")
                    }
                }
                None => {
                    failed += 1;
                    log::warn!("line {}: not stored", index + 1);
                    if json {
                        render::json_line(
                            &mut out,
                            &render::Line {
                                line: index + 1,
                                frames: None,
                                uuid: None,
                                error: Some("not stored".into()),
                                dedup: None,
                            },
                        )
                    } else {
                        writeln!(out)
                    }
                }
            }
        },
    );
    let summary = render::Summary {
        stored: Some(stored),
        ..render::Summary::new(stored + failed, failed, started.elapsed())
    };
    if json {
        render::json_line(&mut out, &summary)?;
    } else if log::log_enabled!(log::Level::Info) {
        log::info!("{}", serde_json::to_string(&summary)?);
    }
    out.flush()?;
    match result {
        Err(CallError::Timeout { .. }) | Ok(()) => {}
        Err(e) => return Err(e.into()),
    }
    if failed > 0 {
        return Err(Fatal::shown(
            Exit::Timeout,
            format!("{failed} of {} requests were not stored", stored + failed),
        ));
    }
    Ok(Exit::Success)
}

fn parse_uuid_arg(text: &str) -> Result<Ticket> {
    Ticket::parse(text.trim().as_bytes()).ok_or_else(|| {
        Fatal::error(
            Exit::Usage,
            format!(
                "{text:?} is not a Titanic request id (one word of up to {} printable characters, as `titanic request` printed it)",
                Ticket::MAX
            ),
        )
    })
}

fn print_reply(uuid: &Ticket, frames: &[Frame], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        render::json_line(
            &mut out,
            &render::TitanicOk {
                uuid: uuid.as_str(),
                status: 200,
                frames: Some(JsonFrames(frames)),
            },
        )?;
    } else {
        for frame in frames {
            out.write_all(frame)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `reply` and `close`: one TSP call about the UUID given on the command line.
fn uuid_call(args: &TitanicUuidArgs, service: &[u8]) -> Result<(Ticket, Status, Vec<Frame>)> {
    let shutdown = Shutdown::install()?;
    let uuid = parse_uuid_arg(&args.uuid)?;
    let body = vec![Frame::copy(uuid.as_bytes())];
    let (status, frames) = tsp_call(&super::context(), &args.call, service, body, &shutdown)?;
    Ok((uuid, status, frames))
}

fn reply(args: TitanicUuidArgs, json: bool) -> Result<Exit> {
    let (uuid, status, frames) = uuid_call(&args, tsp::REPLY)?;
    match status {
        Status::Ok => {
            print_reply(&uuid, &frames, json)?;
            Ok(Exit::Success)
        }
        other => Err(status_error(other, &format!("no reply for {uuid}"))),
    }
}

fn close(args: TitanicUuidArgs, json: bool) -> Result<Exit> {
    let (uuid, status, _) = uuid_call(&args, tsp::CLOSE)?;
    if status != Status::Ok {
        return Err(status_error(status, &format!("{uuid} was not closed")));
    }
    if json {
        render::json_line(
            &mut std::io::stdout(),
            &render::TitanicOk {
                uuid: uuid.as_str(),
                status: 200,
                frames: None,
            },
        )?;
    }
    Ok(Exit::Success)
}

fn call(args: TitanicCallArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let body = super::client::request_body(&args.body)?;
    let deadline = Instant::now() + args.wait;
    let uuid = store_request(&ctx, &args.call, &args.service, body, &shutdown)?;
    log::info!("stored as {uuid}");
    loop {
        let (status, frames) = tsp_call(
            &ctx,
            &args.call,
            tsp::REPLY,
            vec![Frame::copy(uuid.as_bytes())],
            &shutdown,
        )?;
        match status {
            Status::Ok => {
                print_reply(&uuid, &frames, json)?;
                let (closed, _) = tsp_call(
                    &ctx,
                    &args.call,
                    tsp::CLOSE,
                    vec![Frame::copy(uuid.as_bytes())],
                    &shutdown,
                )?;
                if closed != Status::Ok {
                    log::warn!("could not close {uuid}: {}", closed.code());
                }
                return Ok(Exit::Success);
            }
            Status::Unknown => {
                return Err(status_error(status, &format!("request {uuid} is gone")));
            }
            Status::Pending | Status::Error => {}
        }
        if Instant::now() + args.poll > deadline {
            return Err(Fatal::error(
                Exit::Timeout,
                format!(
                    "no reply within {}; the request is stored as {uuid} (zmqtool titanic reply {uuid})",
                    humantime::format_duration(args.wait)
                ),
            ));
        }
        sleep_unless(&shutdown, args.poll)?;
    }
}

fn sleep_unless(shutdown: &Shutdown, d: Duration) -> Result<()> {
    let until = Instant::now() + d;
    while Instant::now() < until {
        if shutdown.requested() {
            return Err(crate::runtime::Interrupted.into());
        }
        std::thread::sleep(
            until
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(50)),
        );
    }
    Ok(())
}

fn ls(args: TitanicLsArgs, json: bool) -> Result<Exit> {
    let mut reader = store::open_reader(&location(&args.store)?)?;
    let entries = reader.list()?;
    let now = store::now_ms();
    let mut out = std::io::stdout().lock();
    if !json {
        writeln!(
            out,
            "{:<32}  {:<20}  {:<8}  {:>10}",
            "UUID", "SERVICE", "STATE", "AGE"
        )?;
    }
    for e in entries {
        let state = if e.replied_ms.is_some() {
            "replied"
        } else {
            "pending"
        };
        let age = Duration::from_millis((now - e.created_ms).max(0) as u64);
        if json {
            render::json_line(
                &mut out,
                &render::StoredEntry {
                    uuid: e.uuid.as_str(),
                    service: render::JsonFrame(&e.service),
                    state,
                    age_s: (age.as_secs_f64() * 10.0).round() / 10.0,
                },
            )?;
        } else {
            let age = humantime::format_duration(Duration::from_secs(age.as_secs()));
            writeln!(
                out,
                "{:<32}  {:<20}  {:<8}  {:>10}",
                e.uuid,
                render::terminal_safe(&e.service),
                state,
                age.to_string()
            )?;
        }
    }
    Ok(Exit::Success)
}

/// What `titanic migrate --json` prints.
#[derive(serde::Serialize)]
struct Migrated {
    from: String,
    to: String,
    /// Requests read from --from.
    requests: u64,
    pending: u64,
    replied: u64,
    /// Of those, copied now (the others were in --to already).
    copied: u64,
}

/// Records copied per transaction.
const MIGRATE_CHUNK: usize = 500;

fn migrate(args: TitanicMigrateArgs, json: bool) -> Result<Exit> {
    let (from, to) = (location(&args.from)?, location(&args.to)?);
    if matches!(from, Location::Memory) || matches!(to, Location::Memory) {
        return Err(Fatal::error(
            Exit::Usage,
            "a memory: store lives inside its titanic serve and cannot be migrated",
        ));
    }
    if from.to_string() == to.to_string() {
        return Err(Fatal::error(
            Exit::Usage,
            format!("--from and --to are the same store ({from})"),
        ));
    }
    let mut source = store::open_reader(&from)?;
    // No server may add to a SQLite source while it is copied (what it added would be left
    // behind): it is locked as a server locks it.
    let _lock = match &from {
        Location::Sqlite(path) => Some(sqlite::lock(path, "titanic serve")?),
        _ => None,
    };
    let mut target = store::open(&to, &store::Lease::new(Duration::ZERO))?;
    let mut report = Migrated {
        from: from.to_string(),
        to: to.to_string(),
        requests: 0,
        pending: 0,
        replied: 0,
        copied: 0,
    };
    let mut after = 0;
    loop {
        let chunk = source.export(after, MIGRATE_CHUNK)?;
        let Some((last, _)) = chunk.last() else {
            break;
        };
        after = *last;
        let records: Vec<store::Record> = chunk.into_iter().map(|(_, r)| r).collect();
        report.copied += target.backend.import(&records)? as u64;
        report.requests += records.len() as u64;
        report.replied += records.iter().filter(|r| r.reply.is_some()).count() as u64;
    }
    report.pending = report.requests - report.replied;
    let mut out = std::io::stdout().lock();
    if json {
        render::json_line(&mut out, &report)?;
    } else {
        writeln!(
            out,
            "copied {} of {} requests ({} pending, {} replied) from {} to {}{}",
            report.copied,
            report.requests,
            report.pending,
            report.replied,
            report.from,
            report.to,
            match report.requests - report.copied {
                0 => String::new(),
                n => format!("; {n} were there already"),
            }
        )?;
    }
    Ok(Exit::Success)
}
