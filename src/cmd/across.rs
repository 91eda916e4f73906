//! Asking every broker of a `--broker` list at once (`mmi --all-brokers`, `stats
//! --all-brokers`): one call per broker, all at the same time, so a broker that does not
//! answer costs one timeout in all rather than one per broker.

use anyhow::anyhow;
use serde::Serialize;

use crate::client::{self, CallError};
use crate::mdp::Frame;
use crate::runtime::Shutdown;
use crate::transport::Context;

/// How to reach the brokers of the list, and when to give up.
#[derive(Clone, Copy)]
pub struct Reach<'a> {
    pub ctx: &'a Context,
    pub opts: &'a client::Options,
    pub shutdown: &'a Shutdown,
}

impl Reach<'_> {
    /// One call to the first broker of the list that answers (the failover way).
    pub fn first(&self, service: &[u8], body: Vec<Frame>) -> Result<Vec<Frame>, CallError> {
        client::call(
            self.ctx,
            self.opts,
            service,
            body,
            self.shutdown,
            &mut |_| {},
        )
    }

    /// One call to every broker of the list at once (see [`ask_each`]).
    pub fn each(&self, service: &[u8], body: &[Frame]) -> Result<Vec<Answer>, CallError> {
        ask_each(self.ctx, self.opts, service, body, self.shutdown)
    }
}

/// What one broker of the list said: its frames, or why it said nothing usable.
pub struct Answer {
    pub broker: String,
    pub reply: anyhow::Result<Vec<Frame>>,
}

/// `--json`: a broker of the list that gave no usable answer.
#[derive(Serialize)]
pub struct BrokerFailure<'a> {
    pub broker: &'a str,
    pub error: String,
}

/// Calls `service` on each broker of `opts.endpoints` (each with the whole --timeout and
/// --retries), in parallel; the answers in list order. Interrupted: the error.
pub fn ask_each(
    ctx: &Context,
    opts: &client::Options,
    service: &[u8],
    body: &[Frame],
    shutdown: &Shutdown,
) -> Result<Vec<Answer>, CallError> {
    let results: Vec<Result<Vec<Frame>, CallError>> = std::thread::scope(|scope| {
        let calls: Vec<_> = opts
            .endpoints
            .iter()
            .map(|endpoint| {
                let one = client::Options {
                    endpoints: vec![endpoint.clone()],
                    ..opts.clone()
                };
                let (ctx, shutdown, body) = (ctx.clone(), shutdown.clone(), body.to_vec());
                scope.spawn(move || client::call(&ctx, &one, service, body, &shutdown, &mut |_| {}))
            })
            .collect();
        calls
            .into_iter()
            .map(|call| {
                call.join()
                    .unwrap_or_else(|_| Err(CallError::Other(anyhow!("a call thread panicked"))))
            })
            .collect()
    });
    if results
        .iter()
        .any(|r| matches!(r, Err(CallError::Interrupted)))
    {
        return Err(CallError::Interrupted);
    }
    Ok(opts
        .endpoints
        .iter()
        .zip(results)
        .map(|(broker, reply)| Answer {
            broker: broker.clone(),
            reply: reply.map_err(anyhow::Error::from),
        })
        .collect())
}

/// Reports the brokers that gave no usable answer (on stderr; with `--json` also as
/// [`BrokerFailure`] lines on stdout) and returns the others' values. When none answered,
/// the error of the first (its exit code is the command's: 3 for no reply).
pub fn answered<T>(
    out: &mut impl std::io::Write,
    json: bool,
    results: Vec<(String, anyhow::Result<T>)>,
) -> anyhow::Result<Vec<(String, T)>> {
    let total = results.len();
    let mut ok = Vec::new();
    let mut first_error = None;
    for (broker, result) in results {
        match result {
            Ok(value) => ok.push((broker, value)),
            Err(e) => {
                log::warn!("no answer from the broker at {broker}: {e:#}");
                if json {
                    let error = format!("{e:#}");
                    super::render::json_line(
                        out,
                        &BrokerFailure {
                            broker: &broker,
                            error,
                        },
                    )?;
                }
                first_error.get_or_insert((broker, e));
            }
        }
    }
    match (ok.is_empty(), first_error) {
        (true, Some((broker, e))) => Err(e.context(format!(
            "none of the {total} brokers answered (first: {broker})"
        ))),
        _ => Ok(ok),
    }
}
