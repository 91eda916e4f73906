use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};

use super::render;
use crate::bench::report::us_to;
use crate::cli::StatsArgs;
use crate::client;
use crate::mdp::{Frame, mmi};
use crate::runtime::{Exit, Fatal, Shutdown};

pub fn run(args: StatsArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = args.options()?;
    let mut out = std::io::stdout().lock();
    loop {
        let frames = client::call(
            &ctx,
            &opts,
            mmi::STATS,
            vec![Frame::empty()],
            &shutdown,
            &mut |_| {},
        )?;
        let stats = parse(&frames)?;
        if json {
            render::json_line(&mut out, &stats)?;
        } else {
            print_table(&mut out, &stats).context("cannot write to stdout")?;
        }
        out.flush()?;
        let Some(every) = args.watch else {
            return Ok(Exit::Success);
        };
        if !json {
            writeln!(out)?;
        }
        if shutdown.sleep(every) {
            return Ok(shutdown.exit());
        }
    }
}

/// The report in an mmi.stats reply; a 501 means the broker has none.
pub(super) fn parse(frames: &[Frame]) -> Result<mmi::Stats> {
    let [frame] = frames else {
        return Err(anyhow!(
            "the broker's mmi.stats reply has {} frames, not one",
            frames.len()
        ));
    };
    if mmi::Code::parse(frame) == Some(mmi::Code::NotImplemented) {
        return Err(Fatal::error(
            Exit::NotImplemented,
            "the broker does not offer statistics (it answered mmi.stats with 501: not a \
             zmqtool broker, or an older one)",
        ));
    }
    serde_json::from_slice(frame).context("the broker's mmi.stats reply is not a statistics report")
}

fn print_table(out: &mut impl Write, s: &mmi::Stats) -> std::io::Result<()> {
    let uptime = humantime::format_duration(Duration::from_secs(s.uptime_s as u64));
    writeln!(
        out,
        "uptime {uptime}  requests {}  replies {}  requeued {}  malformed {}  refused {}  refused connections {}",
        s.requests, s.replies, s.requeued, s.malformed, s.refused, s.refused_connections
    )?;
    let dropped: Vec<String> = s
        .dropped
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    match dropped.as_slice() {
        [] => writeln!(out, "dropped: none")?,
        some => writeln!(out, "dropped: {}", some.join(", "))?,
    }
    let names: Vec<String> = s
        .services
        .iter()
        .map(|svc| render::terminal_safe(svc.name.as_bytes()))
        .collect();
    let width = render::name_width(&names);
    writeln!(
        out,
        "{:<width$}  {:>9}  {:>9}  {:>7}  {:>6}  {:>6}  {:>4}  {:>4}  {:>8}  {:>8}  {:>8}",
        "SERVICE",
        "REQUESTS",
        "REPLIES",
        "DROPPED",
        "QUEUED",
        "PEAK",
        "IDLE",
        "BUSY",
        "P50",
        "P99",
        "MAX"
    )?;
    for (name, svc) in names.iter().zip(&s.services) {
        let l = &svc.latency_us;
        let micros = |us| us_to(us, 1);
        let (p50, p99, max) = match svc.latency_count {
            0 => ("-".to_string(), "-".to_string(), "-".to_string()),
            _ => (micros(l.p50), micros(l.p99), micros(l.max)),
        };
        writeln!(
            out,
            "{name:<width$}  {:>9}  {:>9}  {:>7}  {:>6}  {:>6}  {:>4}  {:>4}  {p50:>8}  {p99:>8}  {max:>8}",
            svc.requests, svc.replies, svc.dropped, svc.queued, svc.queued_peak, svc.idle, svc.busy
        )?;
    }
    // Stamped requests answered by --dedup workers, for the services that had any.
    for svc in &s.services {
        let d = svc.dedup;
        if d != Default::default() {
            writeln!(
                out,
                "dedup {}: fresh {}, replayed {}, waited {}, unknown {}",
                svc.name, d.fresh, d.replayed, d.waited, d.unknown
            )?;
        }
    }
    Ok(())
}
