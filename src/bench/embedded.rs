//! In-process targets for `zmqtool bench`: the Majordomo broker with echo workers, or the raw
//! ROUTER-DEALER proxy with REP echo workers, each on a loopback port of its own.
//!
//! Each side gets its own zmq context (so its own I/O thread), as separate processes would.

use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context as _, Result, anyhow};

use crate::broker::server::{Server, last_endpoint};
use crate::runtime::{self, Shutdown};
use crate::worker::{self, Echo, session};

/// A running embedded target; stopped (threads joined) on drop.
pub struct Embedded {
    pub endpoint: String,
    shutdown: Shutdown,
    control: Option<zmq::Socket>,
    threads: Vec<JoinHandle<()>>,
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.shutdown.stop();
        if let Some(control) = &self.control {
            let _ = control.send("TERMINATE", 0);
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

static EMBEDDED_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Starts the broker and `workers` echo workers for `service`. Clients reach the broker over
/// loopback TCP; the workers, being threads of this process, over inproc, as the raw
/// proxy's workers do, so that the comparison measures the broker and not the transport.
pub fn broker(service: &[u8], workers: usize, broker: crate::broker::Config) -> Result<Embedded> {
    let shutdown = Shutdown::manual();
    let broker_ctx = zmq::Context::new();
    let id = EMBEDDED_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let inproc = format!("inproc://zmqtool-bench-broker-{id}");
    let binds = ["tcp://127.0.0.1:*".to_string(), inproc.clone()];
    let server = Server::bind(&broker_ctx, &binds, broker.clone(), &Default::default())?;
    let endpoint = server.endpoints()[0].clone();
    let mut threads = Vec::new();
    let stop = shutdown.clone();
    threads.push(std::thread::spawn(move || {
        if let Err(e) = server.run(&stop) {
            crate::warn!("embedded broker failed: {e:#}");
        }
    }));
    for _ in 0..workers {
        let cfg = session::Config {
            service: service.to_vec(),
            version: crate::mdp::Version::V01,
            heartbeat: broker.heartbeat,
            liveness: broker.liveness,
            reconnect: broker.heartbeat,
        };
        let (ctx, ep, stop) = (broker_ctx.clone(), vec![inproc.clone()], shutdown.clone());
        threads.push(std::thread::spawn(move || {
            if let Err(e) = worker::run(&ctx, &ep, cfg, Arc::new(Echo), &stop) {
                crate::warn!("embedded worker failed: {e:#}");
            }
        }));
    }
    let embedded = Embedded {
        endpoint,
        shutdown,
        control: None,
        threads,
    };
    super::wait_for_workers(&zmq::Context::new(), &embedded.endpoint, service, workers)?;
    Ok(embedded)
}

static PROXY_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Starts a ROUTER (loopback) - DEALER proxy with `workers` REP echo workers behind it.
pub fn proxy(workers: usize) -> Result<Embedded> {
    let shutdown = Shutdown::manual();
    let ctx = zmq::Context::new();
    let id = PROXY_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let backend_ep = format!("inproc://zmqtool-bench-proxy-{id}");
    let control_ep = format!("inproc://zmqtool-bench-proxy-control-{id}");
    let frontend = ctx.socket(zmq::ROUTER)?;
    frontend.set_linger(0)?;
    frontend
        .bind("tcp://127.0.0.1:*")
        .map_err(|e| runtime::bind_error("tcp://127.0.0.1:*", e))?;
    let endpoint = last_endpoint(&frontend).ok_or_else(|| anyhow!("no endpoint for the proxy"))?;
    let backend = ctx.socket(zmq::DEALER)?;
    backend.set_linger(0)?;
    backend.bind(&backend_ep)?;
    let control_side = ctx.socket(zmq::PAIR)?;
    control_side.bind(&control_ep)?;
    let control = ctx.socket(zmq::PAIR)?;
    control.connect(&control_ep)?;
    let mut threads = Vec::new();
    threads.push(std::thread::spawn(move || {
        let (mut f, mut b, mut c) = (frontend, backend, control_side);
        let _ = zmq::proxy_steerable(&mut f, &mut b, &mut c);
    }));
    // The REP workers talk to the proxy over inproc, so they share its context.
    for _ in 0..workers {
        let (ctx, ep, stop) = (ctx.clone(), backend_ep.clone(), shutdown.clone());
        threads.push(std::thread::spawn(move || {
            if let Err(e) = rep_echo(&ctx, &ep, &stop) {
                crate::warn!("embedded REP echo failed: {e:#}");
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
fn rep_echo(ctx: &zmq::Context, endpoint: &str, stop: &Shutdown) -> Result<()> {
    let socket = ctx.socket(zmq::REP)?;
    socket.set_linger(0)?;
    socket
        .connect(endpoint)
        .context("REP echo cannot connect")?;
    let mut parts: Vec<zmq::Message> = Vec::new();
    while !stop.requested() {
        if socket.poll(zmq::POLLIN, runtime::MAX_POLL.as_millis() as i64)? == 0 {
            continue;
        }
        parts.clear();
        loop {
            let mut msg = zmq::Message::new();
            socket.recv(&mut msg, 0)?;
            parts.push(msg);
            if !socket.get_rcvmore()? {
                break;
            }
        }
        let last = parts.len() - 1;
        for (i, msg) in parts.drain(..).enumerate() {
            socket.send(msg, if i < last { zmq::SNDMORE } else { 0 })?;
        }
    }
    Ok(())
}
