use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow};

use crate::cli::WorkerArgs;
use crate::mdp::{Frame, Version};
use crate::runtime::{Exit, Shutdown};
use crate::transport::Engine;
use crate::worker::dedup::{self, Dedup};
use crate::worker::{self, Echo, Handler, exec::Exec, filter::Filter, session};

pub fn run(args: WorkerArgs) -> Result<Exit> {
    if args.service.is_empty() {
        super::usage_error("the service name must not be empty");
    }
    if crate::mdp::mmi::is_mmi(args.service.as_bytes()) {
        super::usage_error(
            "service names starting with \"mmi.\" are the broker's own (8/MMI); a worker cannot register one",
        );
    }
    if args.stream && args.protocol.version != Version::V02 {
        super::usage_error("--stream needs --protocol 0.2 (MDP/0.1 has no PARTIAL replies)");
    }
    let shutdown = Shutdown::install()?;
    let ctx = super::context();
    let cfg = session::Config {
        service: Frame::from(args.service.as_str()),
        form: args.protocol,
        heartbeat: args.heartbeat,
        liveness: args.liveness,
        reconnect: args.reconnect,
        credit: args.credit,
        dedup: args.dedup.is_some(),
    };
    let handler: Arc<dyn Handler> = match (&args.exec, &args.filter) {
        (Some(command), _) => Arc::new(Exec {
            command: command.clone(),
            service: args.service.clone(),
            nul: args.null,
            stream: args.stream,
            timeout: args.exec_timeout,
        }),
        (None, Some(command)) => Arc::new(Filter::new(
            command.clone(),
            args.service.clone(),
            args.exec_timeout,
        )),
        (None, None) => Arc::new(Echo),
    };
    // Every worker takes stamps off; with --dedup it keeps the replies under them.
    let handler: Arc<dyn Handler> = match &args.dedup {
        Some(location) => {
            let store = dedup::open(location)
                .with_context(|| format!("cannot open the --dedup store {location:?}"))?;
            let rules = dedup::Rules::for_exec_timeout(args.exec_timeout);
            Arc::new(Dedup::new(handler, store, rules, args.dedup_window))
        }
        None => Arc::new(Dedup::strip_only(handler)),
    };
    let mut brokers = args.brokers.worker_brokers()?;
    let refused = Engine::direct_refuses(&brokers.security, &brokers.endpoints)
        .or_else(|| {
            (!handler.inline())
                .then(|| "it serves the echo worker only (no --exec, --filter or --dedup)".into())
        })
        .or_else(|| {
            args.all_brokers
                .then(|| "it serves one broker at a time".into())
        });
    brokers.engine = super::choose_engine(args.engine, refused);
    if args.all_brokers {
        // Every broker at once, on this thread: each gets what one broker would (a session
        // per unit of --concurrency without credit, one with the whole credit otherwise), and
        // --concurrency bounds the jobs running across all of them.
        brokers.all = true;
        let per_broker = match args.credit {
            1 => args.concurrency as usize,
            _ => 1,
        };
        let parallel = args.concurrency as usize;
        worker::run_everywhere(
            &ctx, &brokers, cfg, handler, per_broker, parallel, &shutdown,
        )?;
        return Ok(shutdown.exit());
    }
    // Without credit each session holds one request, so --concurrency is sessions; with it,
    // one session holds the credit's worth and runs --concurrency of them at once.
    let (sessions, parallel) = match args.credit {
        1 => (args.concurrency, 1),
        _ => (1, args.concurrency as usize),
    };
    if handler.inline() && sessions > 1 {
        // Instant answers: the sessions share one thread.
        let count = sessions as usize;
        worker::run_inline_sessions(&ctx, &brokers, cfg, handler, count, &shutdown)?;
        return Ok(shutdown.exit());
    }
    let sessions: Vec<_> = (0..sessions)
        .map(|_| {
            let (ctx, brokers, cfg) = (ctx.clone(), brokers.clone(), cfg.clone());
            let (handler, shutdown) = (handler.clone(), shutdown.clone());
            std::thread::spawn(move || {
                let result = worker::run(&ctx, &brokers, cfg, handler, parallel, &shutdown);
                if result.is_err() {
                    // One session failing (a bad endpoint, say) stops the others.
                    shutdown.stop();
                }
                result
            })
        })
        .collect();
    let mut first_error = None;
    for session in sessions {
        let result = session
            .join()
            .unwrap_or_else(|_| Err(anyhow!("a worker session panicked")));
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(shutdown.exit()),
    }
}
