//! Load testing: [`load`] are the clients (all on one thread), [`report`] the figures and
//! thresholds, [`perf`] the raw socket throughput and latency tools (libzmq's `perf/`
//! measurements).
//!
//! Without a broker endpoint, [`embedded`] starts a broker and echo workers in this process
//! on loopback TCP, so `zmqtool bench` alone works; [`embedded`] can also start the raw
//! baseline: a ROUTER-DEALER proxy (libzmq's own) with REP echo workers behind it. An MDP/0.1 request
//! comes back from it unchanged, which is a valid MDP/0.1 reply, so the very same clients
//! drive both and the broker's overhead is a ratio.

pub mod embedded;
pub mod lean;
pub mod load;
pub mod perf;
pub mod report;

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::runtime::Shutdown;
use crate::transport::{Context, Frame};
use load::{Load, Run, Stop, Tally};
use report::{Report, new_histogram};

/// Runs `load` and returns its report. A progress bar is drawn on stderr when `progress`.
pub fn run(
    ctx: &Context,
    load: Load,
    target: String,
    progress: bool,
    shutdown: &Shutdown,
) -> Result<Report> {
    let run = Run::new(load.clone());
    let quotas = split_quota(&load);
    // Every client on one thread; this one starts and stops the phases and draws progress.
    let clients = {
        let (ctx, run) = (ctx.clone(), run.clone());
        std::thread::spawn(move || load::drive(&ctx, &run, &quotas))
    };
    let bar = progress.then(|| progress_bar(&load));
    let started = Instant::now();
    let mut recording_since = None;
    // Replies counted before recording started (the warmup), kept out of the live figures.
    let mut warmup_replies = 0;
    let mut interrupted = false;
    while !clients.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
        if shutdown.requested() {
            run.phase.abort.store(true, Ordering::SeqCst);
            interrupted = true;
        }
        let now = Instant::now();
        if recording_since.is_none() && now.duration_since(started) >= load.warmup {
            let _ = run.phase.recording_since.set(now);
            recording_since = Some(now);
            warmup_replies = run.counters.ok.load(Ordering::Relaxed);
        }
        if let (Some(since), Stop::Duration(d)) = (recording_since, load.stop)
            && now.duration_since(since) >= d
        {
            run.phase.stop_sending.store(true, Ordering::SeqCst);
        }
        if let Some(bar) = &bar {
            update_bar(bar, &run, &load, recording_since, warmup_replies, now);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let tallies = clients
        .join()
        .map_err(|_| anyhow!("the bench clients panicked"))??;
    let since = recording_since.unwrap_or(started);
    if let Some(sample) = run.error_sample.lock().ok().and_then(|s| s.clone()) {
        log::warn!("replies were wrong, e.g. {sample}");
    }
    // Interrupted: the report of what was measured until then, as oha does.
    Ok(Report {
        interrupted,
        ..merge(&load, target, since, tallies)
    })
}

/// Each client's share of `--requests`, or no quota for `--duration`.
fn split_quota(load: &Load) -> Vec<Option<u64>> {
    let clients = load.clients.max(1) as u64;
    (0..clients)
        .map(|i| match load.stop {
            Stop::Requests(n) => Some(n / clients + u64::from(i < n % clients)),
            Stop::Duration(_) => None,
        })
        .collect()
}

/// What `tallies` measured together: latency, ok, errors, timeouts, and when the last ended.
fn sum<'a>(
    tallies: impl Iterator<Item = &'a Tally>,
    since: Instant,
) -> (hdrhistogram::Histogram<u64>, u64, u64, u64, Instant) {
    let mut latency = new_histogram();
    let (mut ok, mut errors, mut timeouts) = (0, 0, 0);
    let mut last = since;
    for t in tallies {
        let _ = latency.add(&t.latency);
        ok += t.ok;
        errors += t.errors;
        timeouts += t.timeouts;
        if let Some(done) = t.last_done {
            last = last.max(done);
        }
    }
    (latency, ok, errors, timeouts, last)
}

fn merge(load: &Load, target: String, since: Instant, tallies: Vec<Tally>) -> Report {
    let (latency, ok, errors, timeouts, last) = sum(tallies.iter(), since);
    let elapsed = last.duration_since(since);
    let report = |target: String, model: String, latency, (requests, errors, timeouts)| Report {
        target,
        model,
        size: load.size.max(8),
        requests,
        errors,
        timeouts,
        elapsed,
        latency,
        corrected: load.rate.is_some(),
        interrupted: false,
        brokers: Vec::new(),
    };
    // Several brokers: each one's share, over the same time as the whole.
    let brokers = match load.endpoints.len() {
        0 | 1 => Vec::new(),
        _ => (load.endpoints.iter().enumerate())
            .map(|(e, endpoint)| {
                let (latency, ok, errors, timeouts, _) =
                    sum(tallies.iter().filter(|t| t.endpoint == e), since);
                let share = report(
                    endpoint.clone(),
                    String::new(),
                    latency,
                    (ok, errors, timeouts),
                );
                (endpoint.clone(), share)
            })
            .collect(),
    };
    Report {
        brokers,
        ..report(target, model_of(load), latency, (ok, errors, timeouts))
    }
}

/// The load model, as the report names it.
fn model_of(load: &Load) -> String {
    let model = match load.rate {
        Some(rate) => format!(
            "open: {rate} requests/s over {} client{} (at most {} in flight each)",
            load.clients,
            plural(load.clients),
            load.pipeline
        ),
        None => format!(
            "closed: {} client{} x {} in flight",
            load.clients,
            plural(load.clients),
            load.pipeline
        ),
    };
    if load.check_echo {
        model
    } else {
        format!("{model}, replies checked for shape only")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// True when a progress bar may be drawn: stderr is a terminal and nothing asked for quiet.
pub fn progress_wanted(json: bool) -> bool {
    !json && std::io::stderr().is_terminal() && log::log_enabled!(log::Level::Warn)
}

fn progress_bar(load: &Load) -> indicatif::ProgressBar {
    let len = match load.stop {
        Stop::Requests(n) => n,
        Stop::Duration(d) => d.as_millis() as u64,
    };
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let style =
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn update_bar(
    bar: &indicatif::ProgressBar,
    run: &Run,
    load: &Load,
    since: Option<Instant>,
    warmup_replies: u64,
    now: Instant,
) {
    let ok = run.counters.ok.load(Ordering::Relaxed);
    let errors = run.counters.errors.load(Ordering::Relaxed);
    let timeouts = run.counters.timeouts.load(Ordering::Relaxed);
    let Some(since) = since else {
        bar.set_message(format!("warming up: {ok} replies"));
        return;
    };
    let ok = ok.saturating_sub(warmup_replies);
    let secs = now.duration_since(since).as_secs_f64().max(1e-3);
    let position = match load.stop {
        Stop::Requests(_) => ok,
        Stop::Duration(_) => now.duration_since(since).as_millis() as u64,
    };
    bar.set_position(position);
    bar.set_message(format!(
        "{ok} replies, {:.0}/s, {errors} errors, {timeouts} timeouts",
        ok as f64 / secs
    ));
}

/// Waits until `service` at `endpoint` has `workers` idle workers (from mmi.workers).
pub fn wait_for_workers(
    ctx: &Context,
    endpoint: &str,
    service: &[u8],
    workers: usize,
) -> Result<()> {
    let opts = crate::client::Options::new(
        vec![endpoint.to_string()],
        Duration::from_millis(500),
        1,
        crate::mdp::Form::V01,
        crate::transport::Security::Null,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let never = Shutdown::manual();
    while Instant::now() < deadline {
        if let Ok(frames) = crate::client::call(
            ctx,
            &opts,
            crate::mdp::mmi::WORKERS,
            vec![Frame::empty()],
            &never,
            &mut |_| {},
        ) {
            let ready = crate::mdp::mmi::list_items(&frames)
                .iter()
                .filter_map(|f| crate::mdp::mmi::ServiceStatus::parse(f))
                .any(|s| s.name == service && s.idle >= workers);
            if ready {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(anyhow!("the embedded workers did not register within 10 s"))
}
