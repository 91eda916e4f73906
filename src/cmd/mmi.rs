use std::io::Write;

use anyhow::{Context as _, Result};

use super::across;
use super::render::{self, JsonFrame, JsonFrames};
use crate::cli::MmiArgs;
use crate::mdp::{Frame, mmi};
use crate::runtime::{Exit, Fatal, Shutdown};

pub fn run(args: MmiArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = args.options()?;
    let reach = across::Reach {
        ctx: &ctx,
        opts: &opts,
        shutdown: &shutdown,
    };
    if args.all_brokers {
        return every_broker(args.service, reach, json);
    }
    let ask =
        |service: &[u8], body: Vec<Frame>| reach.first(service, body).map_err(anyhow::Error::from);
    let mut out = std::io::stdout().lock();
    match args.service {
        // An mmi. name is asked directly (no worker can serve one, so asking mmi.service
        // about it would always say 404).
        Some(name) if mmi::is_mmi(name.as_bytes()) => {
            let frames = ask(name.as_bytes(), vec![Frame::empty()])?;
            print_frames(&mut out, &name, &frames, json)?;
            Ok(frames
                .last()
                .and_then(|f| mmi::Code::parse(f))
                .map_or(Exit::Success, exit_for))
        }
        Some(name) => {
            let frames = ask(mmi::SERVICE, vec![Frame::from(name.as_str())])?;
            let last = frames.last().cloned().unwrap_or_default();
            let Some(code) = mmi::Code::parse(&last) else {
                return Err(anyhow::anyhow!(
                    "the broker answered mmi.service with {:?}, not a status code",
                    String::from_utf8_lossy(&last)
                ));
            };
            let code_text = String::from_utf8_lossy(&code.as_bytes()[..3]).into_owned();
            if json {
                let code = code_text.parse::<u16>().unwrap_or(0);
                render::json_line(
                    &mut out,
                    &render::MmiCode {
                        service: &name,
                        code,
                    },
                )?;
            } else {
                writeln!(out, "{code_text}")?;
            }
            Ok(exit_for(code))
        }
        None => {
            let frames = ask(mmi::WORKERS, vec![Frame::empty()])?;
            if frames.last().and_then(|f| mmi::Code::parse(f)) == Some(mmi::Code::NotImplemented) {
                return Err(Fatal::error(
                    Exit::NotImplemented,
                    "the broker does not implement mmi.workers (try: zmqtool mmi SERVICE)",
                ));
            }
            let statuses: Vec<mmi::ServiceStatus> = mmi::list_items(&frames)
                .iter()
                .filter_map(|f| mmi::ServiceStatus::parse(f))
                .collect();
            print_table(&mut out, &statuses, json).context("cannot write to stdout")?;
            Ok(Exit::Success)
        }
    }
}

/// `mmi --all-brokers`: the same question to every broker of the list at once, the answers
/// merged. A broker that gives no usable answer is reported; exit 3 only when none answered.
fn every_broker(service: Option<String>, reach: across::Reach, json: bool) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    let (asked, body): (&[u8], Frame) = match &service {
        Some(name) if mmi::is_mmi(name.as_bytes()) => (name.as_bytes(), Frame::empty()),
        Some(name) => (mmi::SERVICE, Frame::from(name.as_str())),
        None => (mmi::WORKERS, Frame::empty()),
    };
    let answers = reach.each(asked, &[body])?;
    match service {
        Some(name) if mmi::is_mmi(name.as_bytes()) => {
            let results = answers.into_iter().map(|a| (a.broker, a.reply)).collect();
            let answered = across::answered(&mut out, json, results)?;
            let mut exit = Exit::Timeout;
            for (broker, frames) in &answered {
                print_broker_frames(&mut out, broker, &name, frames, json)?;
                let code = frames.last().and_then(|f| mmi::Code::parse(f));
                exit = better(exit, code.map_or(Exit::Success, exit_for));
            }
            Ok(exit)
        }
        Some(name) => {
            let results = answers
                .into_iter()
                .map(|a| (a.broker, a.reply.and_then(|frames| service_code(&frames))))
                .collect();
            let answered = across::answered(&mut out, json, results)?;
            let mut exit = Exit::Timeout;
            for (broker, code) in &answered {
                let text = String::from_utf8_lossy(&code.as_bytes()[..3]).into_owned();
                if json {
                    let code = text.parse::<u16>().unwrap_or(0);
                    let row = render::BrokerMmiCode {
                        service: &name,
                        code,
                        broker,
                    };
                    render::json_line(&mut out, &row)?;
                } else {
                    writeln!(out, "{text}  {}", render::terminal_safe(broker.as_bytes()))?;
                }
                exit = better(exit, exit_for(*code));
            }
            Ok(exit)
        }
        None => {
            let results = answers
                .into_iter()
                .map(|a| (a.broker, a.reply.and_then(|frames| worker_table(&frames))))
                .collect();
            let answered = across::answered(&mut out, json, results)?;
            let merged = merge_tables(&answered);
            print_merged(&mut out, &merged, json).context("cannot write to stdout")?;
            Ok(Exit::Success)
        }
    }
}

/// Of two outcomes, the one to exit with: success anywhere wins, then "absent" over "not
/// implemented", and any answer over none.
fn better(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Success => 0,
        Exit::NotFound => 1,
        Exit::NotImplemented => 2,
        _ => 3,
    };
    if rank(b) < rank(a) { b } else { a }
}

/// The status code of an mmi.service answer.
fn service_code(frames: &[Frame]) -> Result<mmi::Code> {
    let last = frames.last().cloned().unwrap_or_default();
    mmi::Code::parse(&last).ok_or_else(|| {
        anyhow::anyhow!(
            "the broker answered mmi.service with {:?}, not a status code",
            String::from_utf8_lossy(&last)
        )
    })
}

/// The service table of an mmi.workers answer.
fn worker_table(frames: &[Frame]) -> Result<Vec<mmi::ServiceStatus>> {
    if frames.last().and_then(|f| mmi::Code::parse(f)) == Some(mmi::Code::NotImplemented) {
        return Err(Fatal::error(
            Exit::NotImplemented,
            "the broker does not implement mmi.workers (try: zmqtool mmi SERVICE)",
        ));
    }
    Ok(mmi::list_items(frames)
        .iter()
        .filter_map(|f| mmi::ServiceStatus::parse(f))
        .collect())
}

/// One service across brokers: the sums, and each broker that carries it with its figures.
#[derive(Debug, PartialEq)]
struct Merged<'a> {
    total: mmi::ServiceStatus,
    brokers: Vec<(&'a str, &'a mmi::ServiceStatus)>,
}

/// The services of every broker's table, by name, each with the brokers that know it (in
/// list order) and the sums of their workers and queues.
fn merge_tables<'a>(tables: &'a [(String, Vec<mmi::ServiceStatus>)]) -> Vec<Merged<'a>> {
    let mut merged: std::collections::BTreeMap<&[u8], Merged<'a>> = Default::default();
    for (broker, statuses) in tables {
        for s in statuses {
            let entry = merged.entry(&s.name).or_insert_with(|| Merged {
                total: mmi::ServiceStatus {
                    name: s.name.clone(),
                    idle: 0,
                    busy: 0,
                    queued: 0,
                },
                brokers: Vec::new(),
            });
            entry.total.idle += s.idle;
            entry.total.busy += s.busy;
            entry.total.queued += s.queued;
            entry.brokers.push((broker, s));
        }
    }
    merged.into_values().collect()
}

fn print_merged(out: &mut impl Write, merged: &[Merged], json: bool) -> std::io::Result<()> {
    if json {
        for m in merged {
            let brokers = m
                .brokers
                .iter()
                .map(|(broker, s)| render::BrokerServiceRow {
                    broker,
                    idle: s.idle,
                    busy: s.busy,
                    queued: s.queued,
                })
                .collect();
            let row = render::MergedServiceRow {
                name: JsonFrame(&m.total.name),
                idle: m.total.idle,
                busy: m.total.busy,
                queued: m.total.queued,
                brokers,
            };
            render::json_line(out, &row)?;
        }
        return Ok(());
    }
    let names: Vec<String> = merged
        .iter()
        .map(|m| render::terminal_safe(&m.total.name))
        .collect();
    let width = render::name_width(&names);
    writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>8}  BROKERS (WORKERS)",
        "SERVICE", "IDLE", "BUSY", "QUEUED"
    )?;
    for (name, m) in names.iter().zip(merged) {
        let brokers: Vec<String> = m
            .brokers
            .iter()
            .map(|(broker, s)| {
                let broker = render::terminal_safe(broker.as_bytes());
                format!("{broker} ({})", s.idle + s.busy)
            })
            .collect();
        writeln!(
            out,
            "{name:<width$}  {:>6}  {:>6}  {:>8}  {}",
            m.total.idle,
            m.total.busy,
            m.total.queued,
            brokers.join(", ")
        )?;
    }
    Ok(())
}

/// `mmi mmi.NAME --all-brokers`: each frame of one broker's answer, after its endpoint.
fn print_broker_frames(
    out: &mut impl Write,
    broker: &str,
    service: &str,
    frames: &[Frame],
    json: bool,
) -> Result<()> {
    if json {
        let row = render::BrokerServiceFrames {
            service,
            broker,
            frames: JsonFrames(frames),
        };
        render::json_line(out, &row)?;
        return Ok(());
    }
    let broker = render::terminal_safe(broker.as_bytes());
    for frame in frames {
        write!(out, "{broker}  ")?;
        out.write_all(frame)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn exit_for(code: mmi::Code) -> Exit {
    match code {
        mmi::Code::Present => Exit::Success,
        mmi::Code::Absent => Exit::NotFound,
        mmi::Code::NotImplemented => Exit::NotImplemented,
    }
}

fn print_frames(out: &mut impl Write, service: &str, frames: &[Frame], json: bool) -> Result<()> {
    if json {
        render::json_line(
            out,
            &render::ServiceFrames {
                service,
                frames: JsonFrames(frames),
            },
        )?;
    } else {
        for frame in frames {
            out.write_all(frame)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

fn print_table(
    out: &mut impl Write,
    statuses: &[mmi::ServiceStatus],
    json: bool,
) -> std::io::Result<()> {
    if json {
        for s in statuses {
            render::json_line(
                out,
                &render::ServiceRow {
                    name: JsonFrame(&s.name),
                    idle: s.idle,
                    busy: s.busy,
                    queued: s.queued,
                },
            )?;
        }
        return Ok(());
    }
    let names: Vec<String> = statuses
        .iter()
        .map(|s| render::terminal_safe(&s.name))
        .collect();
    let width = render::name_width(&names);
    writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>8}",
        "SERVICE", "IDLE", "BUSY", "QUEUED"
    )?;
    for (name, s) in names.iter().zip(statuses) {
        writeln!(
            out,
            "{name:<width$}  {:>6}  {:>6}  {:>8}",
            s.idle, s.busy, s.queued
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(name: &str, idle: usize, busy: usize, queued: usize) -> mmi::ServiceStatus {
        mmi::ServiceStatus {
            name: name.as_bytes().to_vec(),
            idle,
            busy,
            queued,
        }
    }

    #[test]
    fn tables_merge_by_service_with_the_brokers_that_carry_each() {
        let tables = vec![
            (
                "tcp://a".to_string(),
                vec![status("echo", 2, 1, 0), status("only-a", 1, 0, 0)],
            ),
            ("tcp://b".to_string(), vec![status("echo", 1, 1, 3)]),
        ];
        let merged = merge_tables(&tables);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].total, status("echo", 3, 2, 3));
        let brokers: Vec<&str> = merged[0].brokers.iter().map(|(b, _)| *b).collect();
        assert_eq!(brokers, vec!["tcp://a", "tcp://b"]);
        assert_eq!(merged[1].total, status("only-a", 1, 0, 0));
        assert_eq!(merged[1].brokers.len(), 1);
        let mut text = Vec::new();
        print_merged(&mut text, &merged, false).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("tcp://a (3), tcp://b (2)"), "{text}");
    }

    #[test]
    fn the_exit_is_the_best_answer_of_any_broker() {
        assert_eq!(better(Exit::Timeout, Exit::NotFound), Exit::NotFound);
        assert_eq!(better(Exit::NotFound, Exit::Success), Exit::Success);
        assert_eq!(better(Exit::Success, Exit::NotFound), Exit::Success);
        assert_eq!(better(Exit::NotImplemented, Exit::NotFound), Exit::NotFound);
    }
}
