use std::io::Write;

use anyhow::Result;

use crate::bench::perf;
use crate::cli::{PerfArgs, PerfTest};
use crate::runtime::Exit;
use crate::transport::Kind;

pub fn run(args: PerfArgs, json: bool) -> Result<Exit> {
    let size = args.size as usize;
    if args.connect.is_some() && args.curve {
        super::usage_error(
            "with --connect, CURVE needs the --bind end's public key: --curve-server-key KEY",
        );
    }
    // --bind --curve: a server keypair made now; its public key is for the other end.
    let server_secret = match (&args.bind, args.curve) {
        (Some(_), true) => {
            let keys = crate::transport::CurveKeys::generate()?;
            // With `=`: a Z85 key may start with `-`, which would read as another option.
            log::warn!(
                "CURVE: give the connecting end --curve-server-key='{}'",
                keys.public.to_z85()
            );
            Some(keys.secret)
        }
        _ => None,
    };
    // --connect --curve-server-key: CURVE to that server, with a fresh keypair of our own.
    let security = match &args.curve_server_key {
        Some(key) => crate::transport::Security::Curve {
            server: crate::cert::read_public(key)?,
            client: crate::transport::CurveKeys::generate()?,
        },
        None => crate::transport::Security::Null,
    };
    let (bind, connect) = (args.bind.as_deref(), args.connect.as_deref());
    match args.test {
        PerfTest::Thr => {
            let count = args.count.unwrap_or(1_000_000);
            let report = match (bind, connect) {
                (Some(ep), _) => {
                    let ctx = super::context();
                    let (mut pull, bound) = perf::bind(&ctx, Kind::Pull, ep, server_secret)?;
                    log::warn!("receiving {count} messages of {size} B on {bound}");
                    perf::thr_receive(&mut pull, size, count)?
                }
                // The sending end reports nothing, as remote_thr.
                (None, Some(ep)) => {
                    return perf::thr_send(&super::context(), ep, &security, size, count)
                        .map(|_| Exit::Success);
                }
                (None, None) => perf::thr_local(size, count, args.curve)?,
            };
            print(&report, report.text(), json)
        }
        PerfTest::Lat => {
            let count = args.count.unwrap_or(10_000);
            let report = match (bind, connect) {
                // The echoing end reports nothing, as local_lat.
                (Some(ep), _) => {
                    let ctx = super::context();
                    let (mut rep, bound) = perf::bind(&ctx, Kind::Rep, ep, server_secret)?;
                    log::warn!("echoing {count} round trips of {size} B on {bound}");
                    return perf::lat_echo(&mut rep, size, count).map(|_| Exit::Success);
                }
                (None, Some(ep)) => {
                    perf::lat_measure(&super::context(), ep, &security, size, count)?
                }
                (None, None) => perf::lat_local(size, count, args.curve)?,
            };
            print(&report, report.text(), json)
        }
    }
}

/// Prints a report as JSON or as libzmq's text lines.
fn print(report: &impl serde::Serialize, text: String, json: bool) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(report)?)?;
    } else {
        write!(out, "{text}")?;
    }
    Ok(Exit::Success)
}
