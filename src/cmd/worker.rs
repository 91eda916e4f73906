use std::sync::Arc;

use anyhow::Result;

use crate::cli::WorkerArgs;
use crate::runtime::{Exit, Shutdown};
use crate::worker::{self, Echo, session};

pub fn run(args: WorkerArgs) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let cfg = session::Config {
        service: args.service.into_bytes(),
        version: args.protocol,
        heartbeat: args.heartbeat,
        liveness: 3,
        reconnect: args.reconnect,
    };
    worker::run(&ctx, &args.brokers.brokers, cfg, Arc::new(Echo), &shutdown)?;
    Ok(shutdown.exit())
}
