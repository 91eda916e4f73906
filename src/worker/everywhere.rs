//! The driver of a worker on every broker of its list (`--all-brokers`): one DEALER per
//! session of the [`Fanout`], the job threads they share, and one wait on all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result};

use super::fanout::{Fanout, Step, Steps, Wire};
use super::session::{self, Job};
use super::{Brokers, Handler, JobReply, JobThread, hand_to_thread, handle_inline, log_event};
use crate::mdp::ReplyKind;
use crate::runtime::Shutdown;
use crate::transport::{self, Context, Kind, Linger, Socket, Tuning, channel};

pub(super) fn run(
    ctx: &Context,
    brokers: &Brokers,
    cfg: session::Config,
    handler: Arc<dyn Handler>,
    per_broker: usize,
    parallel: usize,
    shutdown: &Shutdown,
) -> Result<()> {
    let mut steps = Steps::default();
    let count = brokers.endpoints.len();
    let mut fanout = Fanout::start(
        &cfg,
        count,
        per_broker,
        parallel,
        Instant::now(),
        &mut steps,
    );
    let mut driver = Driver::new(ctx, brokers, handler, &cfg, fanout.links())?;
    let mut draining = false;
    loop {
        driver.apply(&mut fanout, &mut steps)?;
        if shutdown.requested() {
            if !draining {
                fanout.drain();
                draining = true;
            }
            let left = fanout.leave_idle(&mut steps);
            driver.apply(&mut fanout, &mut steps)?;
            if left {
                return Ok(());
            }
        }
        driver.poll(&mut fanout, &mut steps)?;
        fanout.tick(Instant::now(), &mut steps);
    }
}

struct Driver {
    ctx: Context,
    brokers: Brokers,
    handler: Arc<dyn Handler>,
    service: String,
    /// The socket of each session of the fan-out, while it is connected.
    sockets: Vec<Option<Socket>>,
    threads: Vec<JobThread>,
    /// The cancel flags of the jobs on threads, by job id.
    cancels: Vec<(u64, Arc<AtomicBool>)>,
    results_tx: channel::Sender<JobReply>,
    results: channel::Receiver<JobReply>,
    /// The sessions whose sockets the last wait was on, in its order after the results
    /// channel.
    polled: Vec<usize>,
    poller: transport::Poller,
}

impl Driver {
    fn new(
        ctx: &Context,
        brokers: &Brokers,
        handler: Arc<dyn Handler>,
        cfg: &session::Config,
        links: usize,
    ) -> Result<Driver> {
        let (results_tx, results) = channel::channel(ctx)?;
        Ok(Driver {
            ctx: ctx.clone(),
            brokers: brokers.clone(),
            handler,
            service: String::from_utf8_lossy(&cfg.service).into_owned(),
            sockets: (0..links).map(|_| None).collect(),
            threads: Vec::new(),
            cancels: Vec::new(),
            results_tx,
            results,
            polled: Vec::new(),
            poller: transport::Poller::default(),
        })
    }

    /// Carries out the steps (and those they lead to) until none are left.
    fn apply(&mut self, fanout: &mut Fanout, steps: &mut Steps) -> Result<()> {
        while !steps.is_empty() {
            for (link, event) in steps.events.drain(..) {
                let endpoint = &self.brokers.endpoints[fanout.broker_of(link)];
                let endpoints = std::slice::from_ref(endpoint);
                log_event(&event, endpoints, &self.service, fanout.config());
            }
            for step in std::mem::take(&mut steps.steps) {
                self.act(step, fanout, steps)?;
            }
        }
        Ok(())
    }

    fn act(&mut self, step: Step, fanout: &mut Fanout, steps: &mut Steps) -> Result<()> {
        match step {
            Step::Wire { link, wire } => self.wire(link, wire, fanout)?,
            Step::Run(job) => self.run_job(job, fanout, steps)?,
            Step::Cancel { id } => {
                if let Some(i) = self.cancels.iter().position(|(j, _)| *j == id) {
                    self.cancels.swap_remove(i).1.store(true, Ordering::SeqCst);
                }
            }
        }
        Ok(())
    }

    fn wire(&mut self, link: usize, wire: Wire, fanout: &Fanout) -> Result<()> {
        let endpoint = &self.brokers.endpoints[fanout.broker_of(link)];
        match wire {
            Wire::Connect => {
                self.sockets[link] = Some(
                    self.ctx
                        .connect(
                            Kind::Dealer,
                            Linger::Flush,
                            &self.brokers.security,
                            Tuning::default(),
                            endpoint,
                        )
                        .with_context(|| format!("cannot connect to the broker at {endpoint}"))?,
                );
            }
            Wire::Close => self.sockets[link] = None,
            Wire::Send(msg) => {
                let frames = msg.to_frames_in(fanout.form(link))?;
                if let Some(socket) = &self.sockets[link] {
                    // A message lost to a full queue is as on a dead link: the session's
                    // timers recover.
                    socket
                        .send(frames)
                        .with_context(|| format!("send failed to the broker at {endpoint}"))?;
                }
            }
        }
        Ok(())
    }

    fn run_job(&mut self, job: Job, fanout: &mut Fanout, steps: &mut Steps) -> Result<()> {
        if self.handler.inline() {
            handle_inline(&*self.handler, job, &mut |id, kind, body| {
                fanout.reply(Instant::now(), id, kind, body, steps)
            });
            return Ok(());
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancels.push((job.token, cancel.clone()));
        hand_to_thread(
            &mut self.threads,
            job,
            cancel,
            &self.handler,
            &self.results_tx,
        )
    }

    /// Waits for a message from any broker or a job result, until the earliest deadline.
    fn poll(&mut self, fanout: &mut Fanout, steps: &mut Steps) -> Result<()> {
        let now = Instant::now();
        let wait = transport::wait_until(now, fanout.next_deadline(now));
        self.polled.clear();
        self.polled.extend(
            self.sockets
                .iter()
                .enumerate()
                .filter_map(|(link, socket)| socket.is_some().then_some(link)),
        );
        let sockets = std::iter::once(self.results.socket()).chain(self.sockets.iter().flatten());
        self.poller
            .poll(sockets, wait)
            .context("poll failed on the worker sockets")?;
        if self.poller.readable(0) {
            for reply in self.results.drain() {
                if reply.kind == ReplyKind::Final {
                    self.cancels.retain(|(id, _)| *id != reply.token);
                }
                fanout.reply(Instant::now(), reply.token, reply.kind, reply.body, steps);
            }
        }
        let polled = std::mem::take(&mut self.polled);
        for (k, &link) in polled.iter().enumerate() {
            // A socket connected since the wait (its link's was closed) is not settled, and
            // is named at the next.
            if !self.poller.readable(k + 1) {
                continue;
            }
            while let Some(frames) = match &self.sockets[link] {
                Some(socket) => socket.try_recv().context("receive failed")?,
                None => None,
            } {
                fanout.on_message(link, Instant::now(), frames, steps);
                // Carried out at once: a FINAL of an inline job may close this socket.
                self.apply(fanout, steps)?;
            }
        }
        self.polled = polled;
        Ok(())
    }
}
