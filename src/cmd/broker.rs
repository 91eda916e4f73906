use anyhow::Result;

use crate::broker::server::Server;
use crate::cli::BrokerArgs;
use crate::runtime::{Exit, Shutdown};
use crate::transport::DirectRouter;

pub fn run(args: BrokerArgs) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    crate::runtime::raise_open_files_limit();
    let ctx = super::context();
    let policy = args.access.policy()?;
    if policy.is_active() {
        crate::transport::zap::start(&ctx, policy.clone())?;
    }
    let refused = match policy.is_active() {
        true => Some(
            "it checks nothing (no --allow, --max-connections-per-ip, --plain-users or \
             --curve-secret)"
                .to_string(),
        ),
        false => (args.binds.iter().find(|e| !DirectRouter::serves(e)))
            .map(|e| format!("it binds tcp://ADDRESS:PORT or ipc://PATH, not {e}")),
    };
    let engine = super::choose_engine(args.engine, refused);
    let mut server = Server::bind(&ctx, &args.binds, args.opts.config(), &policy, engine)?;
    for endpoint in server.endpoints() {
        log::warn!("listening on {endpoint}");
    }
    if let Some(bind) = &args.opts.metrics_bind {
        server.serve_metrics(bind)?;
    }
    server.run(&shutdown)?;
    Ok(shutdown.exit())
}
