use anyhow::Result;

use crate::broker::server::Server;
use crate::cli::BrokerArgs;
use crate::runtime::{Exit, Shutdown};

pub fn run(args: BrokerArgs) -> Result<Exit> {
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let server = Server::bind(&ctx, &args.binds, args.opts.config())?;
    for endpoint in server.endpoints() {
        crate::warn!("listening on {endpoint}");
    }
    server.run(&shutdown)?;
    Ok(shutdown.exit())
}
