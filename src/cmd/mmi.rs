use std::io::Write;

use anyhow::{Context as _, Result};

use super::render::{self, JsonFrame, JsonFrames};
use crate::cli::MmiArgs;
use crate::client;
use crate::mdp::{Frame, mmi};
use crate::runtime::{Exit, Fatal, Shutdown};

pub fn run(args: MmiArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = args.options()?;
    let ask = |service: &[u8], body: Vec<Frame>| match client::call(
        &ctx,
        &opts,
        service,
        body,
        &shutdown,
        &mut |_| {},
    ) {
        Ok(frames) => Ok(frames),
        Err(e) => Err(anyhow::Error::from(e)),
    };
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
