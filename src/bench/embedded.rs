//! In-process targets for `zmqtool bench`: the Majordomo broker with echo workers, the lean
//! MDP broker (the floor) with the same workers, or the raw ROUTER-DEALER proxy with REP echo
//! workers, each on a loopback port of its own.
//!
//! Each side gets its own zmq context (so its own I/O thread), as separate processes would.

use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context as _, Result};

use super::lean::lean_broker;
use crate::broker::server::Server;
use crate::runtime::Shutdown;
use crate::transport::{
    self, Context, Engine, Frame, Kind, Linger, Security, ServerSecurity, Socket, Tuning,
};
use crate::worker::{self, Brokers, Echo, session};

/// A running embedded target; stopped (threads joined) on drop.
pub struct Embedded {
    pub endpoint: String,
    shutdown: Shutdown,
    control: Option<Socket>,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.shutdown.stop();
        if let Some(control) = &self.control {
            let _ = control.send(vec![Frame::from("TERMINATE")]);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Starts the broker and `workers` echo workers for `service`. Clients reach the broker over
/// loopback TCP; the workers, being threads of this process, over inproc, as the raw
/// proxy's workers do, so that the comparison measures the broker and not the transport.
///
/// With `credit` over 1 each worker holds that many requests at once (`worker --credit`).
pub fn broker(
    service: &[u8],
    workers: usize,
    credit: u32,
    broker: crate::broker::Config,
) -> Result<Embedded> {
    let shutdown = Shutdown::manual();
    let broker_ctx = Context::new();
    let inproc = transport::unique_inproc("bench-broker");
    let binds = ["tcp://127.0.0.1:*".to_string(), inproc.clone()];
    // Its workers are on inproc://, which only libzmq serves.
    let server = Server::bind(
        &broker_ctx,
        &binds,
        broker.clone(),
        &Default::default(),
        Engine::Libzmq,
    )?;
    let endpoint = server.endpoints()[0].clone();
    let mut threads = Vec::new();
    let stop = shutdown.clone();
    threads.push(std::thread::spawn(move || {
        if let Err(e) = server.run(&stop) {
            log::warn!("embedded broker failed: {e:#}");
        }
    }));
    threads.extend(echo_workers(
        &broker_ctx,
        &inproc,
        service,
        workers,
        credit,
        &broker,
        &shutdown,
    ));
    let embedded = Embedded {
        endpoint,
        shutdown,
        control: None,
        threads,
    };
    super::wait_for_workers(&Context::new(), &embedded.endpoint, service, workers)?;
    Ok(embedded)
}

/// Starts `workers` zmqtool echo workers for `service` on `endpoint` (inproc, in `ctx`), with
/// the heartbeats of `broker` and `credit` each.
fn echo_workers(
    ctx: &Context,
    endpoint: &str,
    service: &[u8],
    workers: usize,
    credit: u32,
    broker: &crate::broker::Config,
    shutdown: &Shutdown,
) -> Vec<JoinHandle<()>> {
    let brokers = Brokers {
        endpoints: vec![endpoint.to_string()],
        security: Security::Null,
        all: false,
        // The embedded workers are on inproc://, which only libzmq reaches.
        engine: Engine::Libzmq,
    };
    (0..workers)
        .map(|_| {
            let cfg = session::Config {
                service: Frame::copy(service),
                form: crate::mdp::Form::V01,
                heartbeat: broker.heartbeat,
                liveness: broker.liveness,
                reconnect: broker.heartbeat,
                credit,
                dedup: false,
            };
            let (ctx, brokers, stop) = (ctx.clone(), brokers.clone(), shutdown.clone());
            std::thread::spawn(move || {
                if let Err(e) = worker::run(&ctx, &brokers, cfg, Arc::new(Echo), 1, &stop) {
                    log::warn!("embedded worker failed: {e:#}");
                }
            })
        })
        .collect()
}

/// Starts the lean MDP broker ([`lean_broker`]: zero-copy forwarding, nothing
/// but routing) with the same echo workers as [`broker`], reached the same ways: the floor
/// the broker's figures are compared with.
pub fn lean(service: &[u8], workers: usize, credit: u32) -> Result<Embedded> {
    let shutdown = Shutdown::manual();
    let ctx = Context::new();
    let inproc = transport::unique_inproc("bench-lean");
    let binds = ["tcp://127.0.0.1:*".to_string(), inproc.clone()];
    let (socket, bound) = ctx.bind(
        Kind::Router,
        Linger::Discard,
        ServerSecurity::default(),
        Tuning::default(),
        &binds,
    )?;
    let endpoint = bound[0].clone();
    let stop = shutdown.clone();
    let mut threads = vec![std::thread::spawn(move || {
        if let Err(e) = lean_broker(socket, &|| stop.requested()) {
            log::warn!("embedded lean broker failed: {e:#}");
        }
    })];
    let defaults = crate::broker::Config::default();
    threads.extend(echo_workers(
        &ctx, &inproc, service, workers, credit, &defaults, &shutdown,
    ));
    Ok(Embedded {
        endpoint,
        shutdown,
        control: None,
        threads,
    })
}

/// Starts a ROUTER (loopback) - DEALER proxy with `workers` REP echo workers behind it.
pub fn proxy(workers: usize) -> Result<Embedded> {
    let shutdown = Shutdown::manual();
    let ctx = Context::new();
    let backend_ep = transport::unique_inproc("bench-proxy");
    let control_ep = transport::unique_inproc("bench-proxy-control");
    let bind = |kind, endpoint: &str| {
        ctx.bind(
            kind,
            Linger::Discard,
            ServerSecurity::default(),
            Tuning::default(),
            &[endpoint.to_string()],
        )
    };
    let (frontend, bound) = bind(Kind::Router, "tcp://127.0.0.1:*")?;
    let endpoint = bound[0].clone();
    let (backend, _) = bind(Kind::Dealer, &backend_ep)?;
    let (control_side, _) = bind(Kind::Pair, &control_ep)?;
    let control = ctx.socket(Kind::Pair, Linger::Discard)?;
    control.connect(&control_ep)?;
    let mut threads = Vec::new();
    threads.push(std::thread::spawn(move || {
        let _ = transport::proxy(frontend, backend, control_side);
    }));
    // The REP workers talk to the proxy over inproc, so they share its context.
    for _ in 0..workers {
        let (ctx, ep, stop) = (ctx.clone(), backend_ep.clone(), shutdown.clone());
        threads.push(std::thread::spawn(move || {
            if let Err(e) = rep_echo(&ctx, &ep, &stop) {
                log::warn!("embedded REP echo failed: {e:#}");
            }
        }));
    }
    Ok(Embedded {
        endpoint,
        shutdown,
        control: Some(control),
        threads,
    })
}

/// A REP socket that sends every message back, until stopped.
fn rep_echo(ctx: &Context, endpoint: &str, stop: &Shutdown) -> Result<()> {
    let mut socket = ctx.socket(Kind::Rep, Linger::Discard)?;
    socket
        .connect(endpoint)
        .context("REP echo cannot connect")?;
    while !stop.requested() {
        if let Some(frames) = socket.recv(transport::MAX_WAIT)? {
            socket.send(frames)?;
        }
    }
    Ok(())
}
