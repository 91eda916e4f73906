use std::io::Write;
use std::time::Duration;

use anyhow::Result;

use crate::bench::load::{Load, Stop};
use crate::bench::{self, embedded, report::Report};
use crate::cli::{BenchArgs, BenchCheck};
use crate::runtime::{Exit, Fatal, Shutdown};
use crate::transport::Engine;

pub fn run(args: BenchArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let service = args.service.clone().into_bytes();
    let progress = bench::progress_wanted(json);
    let mut out = std::io::stdout().lock();
    let mut reports: Vec<Report> = Vec::new();

    check_spread(&args)?;
    let targets: Vec<Target> = match (args.broker.is_empty(), args.proxy, args.compare) {
        (false, _, _) => vec![Target::Remote(args.broker.clone())],
        (true, true, _) => vec![Target::Proxy],
        (true, false, true) => vec![Target::Broker, Target::Lean, Target::Proxy],
        (true, false, false) => vec![Target::Broker],
    };
    for target in targets {
        let (_running, endpoints, name) = match &target {
            Target::Remote(eps) => (
                None,
                eps.clone(),
                match eps.as_slice() {
                    [ep] => format!("broker at {ep}, service {}", args.service),
                    _ => format!(
                        "{} brokers at {}, service {}",
                        eps.len(),
                        eps.join(", "),
                        args.service
                    ),
                },
            ),
            Target::Broker => {
                let e = embedded::broker(
                    &service,
                    args.workers as usize,
                    args.credit,
                    crate::broker::Config::default(),
                )?;
                let ep = vec![e.endpoint.clone()];
                let credit = match args.credit {
                    1 => String::new(),
                    n => format!(" with credit {n}"),
                };
                let name = format!(
                    "embedded broker, {} echo worker{}{credit}",
                    args.workers,
                    plural(args.workers)
                );
                (Some(e), ep, name)
            }
            Target::Lean => {
                let e = embedded::lean(&service, args.workers as usize, args.credit)?;
                let ep = vec![e.endpoint.clone()];
                let name = format!(
                    "lean MDP broker (zero-copy, routing only), {} echo worker{}",
                    args.workers,
                    plural(args.workers)
                );
                (Some(e), ep, name)
            }
            Target::Proxy => {
                let e = embedded::proxy(args.workers as usize)?;
                let ep = vec![e.endpoint.clone()];
                let name = format!(
                    "raw zmq_proxy (ROUTER-DEALER), {} REP echo worker{}",
                    args.workers,
                    plural(args.workers)
                );
                (Some(e), ep, name)
            }
        };
        let load = load_for(&args, endpoints, service.clone())?;
        warn_about_size(&args, running_limit(&target));
        let report = bench::run(&ctx, load, name, progress, &shutdown)?;
        if json {
            super::render::json_line(&mut out, &super::render::BenchReport::of(&report))?;
        } else {
            writeln!(out, "{}", report.text())?;
        }
        let interrupted = report.interrupted;
        reports.push(report);
        if interrupted {
            out.flush()?;
            return Ok(Exit::Interrupted);
        }
    }
    if let [broker, lean, proxy] = reports.as_slice() {
        compare(&mut out, broker, lean, proxy, json)?;
    }
    out.flush()?;
    for report in &reports {
        if let Err((exit, why)) = bench::report::verdict(report, args.check == BenchCheck::Echo) {
            return Err(Fatal::shown(exit, why));
        }
    }
    check_thresholds(&args, &reports[0])
}

/// The message limit of a target this command starts (a remote broker's is unknown).
fn running_limit(target: &Target) -> Option<usize> {
    match target {
        Target::Broker => Some(crate::broker::Config::default().max_msg_size),
        Target::Remote(_) | Target::Lean | Target::Proxy => None,
    }
}

/// Says so when --size cannot be what is sent: below the 8-byte request id, or over the
/// broker's message limit (every request would be refused).
fn warn_about_size(args: &BenchArgs, limit: Option<usize>) {
    if args.size < 8 {
        log::warn!(
            "--size {} is below the 8-byte request id each body starts with; sending 8 B bodies",
            args.size
        );
    }
    if let Some(limit) = limit
        && args.size as usize > limit
    {
        log::warn!(
            "--size {} exceeds the broker's message limit ({limit} bytes, --max-msg-size): every request will be refused",
            args.size
        );
    }
}

/// Several brokers are driven at once only when asked (a list is a failover list
/// elsewhere, e.g. a Binary Star pair), each by a client of its own at least.
fn check_spread(args: &BenchArgs) -> Result<()> {
    let brokers = args.broker.len() as u64;
    if brokers > 1 && !args.spread {
        super::usage_error(
            "several --broker: add --spread to drive them all at once (brokers side by side, \
             not a Binary Star pair), or give one",
        );
    }
    if args.spread && args.concurrency < brokers {
        super::usage_error(&format!(
            "--spread over {brokers} brokers needs --concurrency {brokers} at least (one client \
             per broker)"
        ));
    }
    Ok(())
}

enum Target {
    /// Brokers running elsewhere (several with --spread).
    Remote(Vec<String>),
    Broker,
    /// The floor for an MDP broker: [`crate::bench::lean::lean_broker`].
    Lean,
    Proxy,
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn load_for(args: &BenchArgs, endpoints: Vec<String>, service: Vec<u8>) -> Result<Load> {
    let security = match args.curve.security()? {
        Some(curve) => curve,
        None => crate::cli::security(&args.plain),
    };
    let engine = super::choose_engine(args.engine, Engine::direct_refuses(&security, &endpoints));
    Ok(Load {
        endpoints,
        service,
        version: args.protocol,
        clients: args.concurrency as usize,
        pipeline: args.pipeline as usize,
        size: args.size as usize,
        rate: args.rate,
        stop: match (args.requests, args.duration) {
            (Some(n), _) => Stop::Requests(n),
            (None, Some(d)) => Stop::Duration(d),
            (None, None) => Stop::Duration(Duration::from_secs(5)),
        },
        warmup: args.warmup,
        timeout: args.timeout,
        check_echo: args.check == crate::cli::BenchCheck::Echo,
        stamp: args
            .stamp
            .then(|| uuid::Uuid::new_v4().simple().to_string()),
        security,
        engine,
    })
}

/// The broker's throughput and p50 latency as ratios of the lean MDP broker's (what any MDP
/// broker on libzmq costs) and of the raw proxy's (what libzmq costs without MDP).
fn compare(
    out: &mut impl Write,
    broker: &Report,
    lean: &Report,
    proxy: &Report,
    json: bool,
) -> std::io::Result<()> {
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let of = |base: &Report| {
        (
            ratio(broker.throughput(), base.throughput()),
            ratio(
                broker.percentiles().p50 as f64,
                base.percentiles().p50 as f64,
            ),
        )
    };
    let ((throughput, p50), (lean_throughput, lean_p50)) = (of(proxy), of(lean));
    let rounded = |r: f64| (r * 1000.0).round() / 1000.0;
    if json {
        super::render::json_line(
            out,
            &super::render::Comparison {
                comparison: super::render::Ratios {
                    broker_throughput_rps: broker.throughput().round() as u64,
                    proxy_throughput_rps: proxy.throughput().round() as u64,
                    throughput_ratio: rounded(throughput),
                    p50_ratio: rounded(p50),
                    lean_throughput_rps: lean.throughput().round() as u64,
                    lean_throughput_ratio: rounded(lean_throughput),
                    lean_p50_ratio: rounded(lean_p50),
                },
            },
        )
    } else {
        writeln!(
            out,
            "broker / lean MDP broker: throughput {:.0}%, p50 latency {:.2}x",
            lean_throughput * 100.0,
            lean_p50
        )?;
        writeln!(
            out,
            "broker / raw proxy: throughput {:.0}%, p50 latency {:.2}x",
            throughput * 100.0,
            p50
        )
    }
}

/// Exit 7 when a --threshold rule is broken, saying which.
fn check_thresholds(args: &BenchArgs, report: &Report) -> Result<Exit> {
    let mut breached = false;
    for rule in &args.threshold {
        let (measured, ok) = rule.check(report);
        if !ok {
            breached = true;
            eprintln!(
                "zmqtool: threshold {} breached: measured {}",
                rule.text,
                rule.show(measured)
            );
        }
    }
    Ok(if breached {
        Exit::Threshold
    } else {
        Exit::Success
    })
}
