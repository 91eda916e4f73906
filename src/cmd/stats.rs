use std::io::Write;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};

use super::across;
use super::render;
use crate::bench::report::us_to;
use crate::cli::StatsArgs;
use crate::mdp::{Frame, mmi};
use crate::runtime::{Exit, Fatal, Shutdown};

pub fn run(args: StatsArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = args.options()?;
    let reach = across::Reach {
        ctx: &ctx,
        opts: &opts,
        shutdown: &shutdown,
    };
    let mut out = std::io::stdout().lock();
    loop {
        if args.all_brokers {
            every_broker(&mut out, reach, json)?;
        } else {
            one_broker(&mut out, reach, json)?;
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

/// One report of the first broker of the list that answers.
fn one_broker(out: &mut impl Write, reach: across::Reach, json: bool) -> Result<()> {
    let stats = parse(&reach.first(mmi::STATS, vec![Frame::empty()])?)?;
    if json {
        render::json_line(out, &stats)?;
    } else {
        print_table(out, &stats).context("cannot write to stdout")?;
    }
    Ok(())
}

/// One report summed over every broker of the list that answers (`--all-brokers`).
fn every_broker(out: &mut impl Write, reach: across::Reach, json: bool) -> Result<()> {
    let answers = reach.each(mmi::STATS, &[Frame::empty()])?;
    let results: Vec<(String, Result<mmi::Stats>)> = answers
        .into_iter()
        .map(|a| (a.broker, a.reply.and_then(|frames| parse(&frames))))
        .collect();
    let failures: Vec<(String, String)> = results
        .iter()
        .filter_map(|(b, r)| r.as_ref().err().map(|e| (b.clone(), format!("{e:#}"))))
        .collect();
    let answered = across::answered(out, false, results)?;
    let total = sum(answered.iter().map(|(_, stats)| stats));
    if json {
        let mut brokers: Vec<render::BrokerStatsEntry> = answered
            .iter()
            .map(|(broker, stats)| render::BrokerStatsEntry::Stats { broker, stats })
            .collect();
        brokers.extend(
            failures
                .iter()
                .map(|(broker, error)| render::BrokerStatsEntry::Failed { broker, error }),
        );
        render::json_line(
            out,
            &render::StatsAcross {
                total: &total,
                brokers,
            },
        )?;
        return Ok(());
    }
    let brokers: Vec<String> = answered
        .iter()
        .map(|(broker, s)| {
            let up = humantime::format_duration(Duration::from_secs(s.uptime_s as u64));
            format!("{} (up {up})", render::terminal_safe(broker.as_bytes()))
        })
        .collect();
    let silent: Vec<String> = failures
        .iter()
        .map(|(broker, _)| render::terminal_safe(broker.as_bytes()))
        .collect();
    writeln!(out, "brokers: {}", brokers.join(", "))?;
    if !silent.is_empty() {
        writeln!(out, "no answer: {}", silent.join(", "))?;
    }
    print_table(out, &total).context("cannot write to stdout")
}

/// The figures of several brokers as one report: counters and workers summed, service by
/// service; the uptime the longest; latency percentiles estimated from the summed
/// histograms (when all brokers use the same bounds, else the largest of each), the maximum
/// the largest.
fn sum<'a>(all: impl IntoIterator<Item = &'a mmi::Stats>) -> mmi::Stats {
    let mut total = mmi::Stats::default();
    for s in all {
        total.uptime_s = total.uptime_s.max(s.uptime_s);
        total.requests += s.requests;
        total.replies += s.replies;
        total.requeued += s.requeued;
        total.malformed += s.malformed;
        total.refused += s.refused;
        total.refused_connections += s.refused_connections;
        for (reason, n) in &s.dropped {
            *total.dropped.entry(reason.clone()).or_default() += n;
        }
        for svc in &s.services {
            match total.services.iter_mut().find(|t| t.name == svc.name) {
                Some(t) => add_service(t, svc),
                None => total.services.push(svc.clone()),
            }
        }
    }
    total.services.sort_by(|a, b| a.name.cmp(&b.name));
    for svc in &mut total.services {
        let timed = mmi::ServiceStats::default();
        if let Some(p50) = mmi::quantile(0.5, &timed, svc) {
            svc.latency_us.p50 = (p50.round() as u64).min(svc.latency_us.max);
        }
        if let Some(p99) = mmi::quantile(0.99, &timed, svc) {
            svc.latency_us.p99 = (p99.round() as u64).min(svc.latency_us.max);
        }
    }
    total
}

/// Adds one broker's figures for a service to the sums.
fn add_service(t: &mut mmi::ServiceStats, s: &mmi::ServiceStats) {
    t.requests += s.requests;
    t.replies += s.replies;
    t.dropped += s.dropped;
    t.queued += s.queued;
    t.queued_peak += s.queued_peak;
    t.idle += s.idle;
    t.busy += s.busy;
    t.latency_count += s.latency_count;
    t.latency_sum_us += s.latency_sum_us;
    let same_bounds = t.latency_buckets.len() == s.latency_buckets.len()
        && t.latency_buckets
            .iter()
            .zip(&s.latency_buckets)
            .all(|(a, b)| a.le_s == b.le_s);
    if same_bounds {
        for (a, b) in t.latency_buckets.iter_mut().zip(&s.latency_buckets) {
            a.count += b.count;
        }
    } else {
        // No common histogram: the percentiles stay the largest of each broker's.
        t.latency_buckets.clear();
    }
    t.latency_us.p50 = t.latency_us.p50.max(s.latency_us.p50);
    t.latency_us.p99 = t.latency_us.p99.max(s.latency_us.p99);
    t.latency_us.max = t.latency_us.max.max(s.latency_us.max);
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
        "uptime {uptime}  requests {}  replies {}  requeued {}  malformed {}  refused {}  refused connections {}  heartbeat mismatches {}",
        s.requests,
        s.replies,
        s.requeued,
        s.malformed,
        s.refused,
        s.refused_connections,
        s.heartbeat_mismatches
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
        if svc.dedup != Default::default() {
            let counts: Vec<String> = svc
                .dedup
                .each()
                .iter()
                .map(|(outcome, n)| format!("{outcome} {n}"))
                .collect();
            writeln!(out, "dedup {}: {}", svc.name, counts.join(", "))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &str, requests: u64, counts: &[u64], max: u64) -> mmi::ServiceStats {
        let bounds = [0.001, 0.01, 0.1];
        mmi::ServiceStats {
            name: name.to_string(),
            requests,
            replies: requests,
            idle: 1,
            latency_count: *counts.last().unwrap(),
            latency_us: mmi::Latency {
                p50: 0,
                p99: 0,
                max,
            },
            latency_buckets: bounds
                .iter()
                .zip(counts)
                .map(|(&le_s, &count)| mmi::Bucket { le_s, count })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn reports_sum_service_by_service_and_merge_their_histograms() {
        let mut a = mmi::Stats {
            uptime_s: 10.0,
            requests: 100,
            services: vec![service("echo", 100, &[100, 100, 100], 900)],
            ..Default::default()
        };
        a.dropped.insert("queue_full".into(), 2);
        let mut b = mmi::Stats {
            uptime_s: 30.0,
            requests: 50,
            services: vec![
                service("echo", 100, &[0, 0, 100], 90_000),
                service("other", 5, &[5, 5, 5], 10),
            ],
            ..Default::default()
        };
        b.dropped.insert("queue_full".into(), 1);
        let total = sum([&a, &b]);
        assert_eq!(total.uptime_s, 30.0);
        assert_eq!(total.requests, 150);
        assert_eq!(total.dropped["queue_full"], 3);
        assert_eq!(total.services.len(), 2);
        let echo = &total.services[0];
        assert_eq!(
            (echo.requests, echo.idle, echo.latency_count),
            (200, 2, 200)
        );
        assert_eq!(echo.latency_buckets[0].count, 100);
        // Half the replies took at most 1 ms, the rest up to 100 ms.
        assert!(echo.latency_us.p50 <= 1_000, "{:?}", echo.latency_us);
        assert!(echo.latency_us.p99 > 10_000, "{:?}", echo.latency_us);
        assert_eq!(echo.latency_us.max, 90_000);
    }
}
