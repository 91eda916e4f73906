use std::io::Write;

use anyhow::Result;

use crate::bstar::server::{self, Options};
use crate::cli::{BstarArgs, BstarCommand};
use crate::runtime::{Exit, Fatal, Shutdown};

pub fn run(args: BstarArgs, json: bool) -> Result<Exit> {
    if let Some(BstarCommand::Status(status)) = args.command {
        let security = status.curve.security()?.unwrap_or_default();
        let state = server::status(&super::context(), &status.endpoint, &security, status.wait)?;
        let Some(state) = state else {
            return Err(Fatal::error(
                Exit::Timeout,
                format!(
                    "no state heard from {} within {}",
                    status.endpoint,
                    humantime::format_duration(status.wait)
                ),
            ));
        };
        let mut out = std::io::stdout().lock();
        if json {
            super::render::json_line(
                &mut out,
                &super::render::BstarState {
                    state: state.name(),
                    number: state as u8,
                },
            )?;
        } else {
            writeln!(out, "{state}")?;
        }
        return Ok(Exit::Success);
    }
    let shutdown = Shutdown::install()?;
    crate::runtime::raise_open_files_limit();
    let (front, state, peer) = if args.primary {
        (5001, 5003, 5004)
    } else {
        (5002, 5004, 5003)
    };
    let local = |port: u16| format!("tcp://127.0.0.1:{port}");
    let opts = Options {
        primary: args.primary,
        frontend: args.frontend.unwrap_or_else(|| local(front)),
        state_bind: args.state_bind.unwrap_or_else(|| local(state)),
        state_connect: args.state_connect.unwrap_or_else(|| local(peer)),
        peer_heartbeat: args.peer_heartbeat,
        echo: args.echo,
        broker: args.broker.config(),
        on_change: args.on_change,
        policy: args.access.policy()?,
        metrics_bind: args.broker.metrics_bind.clone(),
    };
    server::serve(&super::context(), &opts, &shutdown)?;
    Ok(shutdown.exit())
}
