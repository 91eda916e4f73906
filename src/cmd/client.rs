use std::io::Write;

use anyhow::Result;

use crate::cli::ClientArgs;
use crate::client::{self, CallError, Options};
use crate::mdp::Frame;
use crate::output::frame_json;
use crate::runtime::{Exit, Fatal, Shutdown};

pub fn run(args: ClientArgs, json: bool) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let opts = Options {
        endpoints: args.brokers.brokers,
        timeout: args.timeout,
        retries: args.retries,
        version: args.protocol,
    };
    let mut body: Vec<Frame> = args.body.into_iter().map(String::into_bytes).collect();
    if body.is_empty() {
        body.push(Vec::new());
    }
    let service = args.service.into_bytes();
    let stdout = std::io::stdout();
    let mut print_error = None;
    let mut print = |frames: Vec<Frame>, last: bool| {
        let mut out = stdout.lock();
        let result = print_reply(&mut out, &service, &frames, last, json);
        if let Err(e) = result {
            print_error.get_or_insert(e);
        }
    };
    let reply = client::call(&ctx, &opts, &service, body, &shutdown, &mut |frames| {
        print(frames, false)
    });
    match reply {
        Ok(frames) => {
            print(frames, true);
            match print_error {
                Some(e) => Err(e.into()),
                None => Ok(Exit::Success),
            }
        }
        Err(CallError::Interrupted) => Ok(Exit::Interrupted),
        Err(e @ CallError::Timeout { .. }) => Err(Fatal::error(Exit::Timeout, e.to_string())),
        Err(CallError::Other(e)) => Err(e),
    }
}

/// Prints one reply: each frame on its own line, or one JSON object.
fn print_reply(
    out: &mut impl Write,
    service: &[u8],
    frames: &[Frame],
    last: bool,
    json: bool,
) -> std::io::Result<()> {
    if json {
        let value = serde_json::json!({
            "service": frame_json(service),
            "final": last,
            "frames": frames.iter().map(|f| frame_json(f)).collect::<Vec<_>>(),
        });
        writeln!(out, "{value}")?;
    } else {
        for frame in frames {
            out.write_all(frame)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}
