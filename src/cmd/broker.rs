use anyhow::Result;

use crate::broker::server::Server;
use crate::cli::BrokerArgs;
use crate::runtime::{Exit, Shutdown};

pub fn run(args: BrokerArgs) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    crate::runtime::raise_open_files_limit();
    let ctx = super::context();
    let policy = args.access.policy()?;
    if policy.is_active() {
        crate::transport::zap::start(&ctx, policy.clone())?;
    }
    let mut server = Server::bind(&ctx, &args.binds, args.opts.config(), &policy)?;
    for endpoint in server.endpoints() {
        log::warn!("listening on {endpoint}");
    }
    if let Some(bind) = &args.opts.metrics_bind {
        server.serve_metrics(bind)?;
    }
    server.run(&shutdown)?;
    Ok(shutdown.exit())
}
