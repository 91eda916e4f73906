//! Answers for the `mmi.*` namespace (8/MMI), computed from the broker's state.
//!
//! The reply keeps the reference broker's shape for `mmi.service` and unknown names: the
//! request body comes back with its last frame replaced by the status code, so a client that
//! sent extra frames (a correlation id, say) gets them back.

use std::time::Instant;

use crate::mdp::{Frame, mmi};

/// What the answers are computed from: the broker's state (the core implements it).
pub trait State {
    /// The statistics report (`mmi.stats`).
    fn stats(&self, now: Instant) -> mmi::Stats;
    /// Every service, sorted by name.
    fn services(&self) -> Vec<mmi::ServiceStatus>;
    /// Whether `service` has a worker.
    fn has_workers(&self, service: &[u8]) -> bool;
}

/// The reply body for a request to the `mmi.` service `service`.
pub fn answer(broker: &impl State, now: Instant, service: &[u8], body: Vec<Frame>) -> Vec<Frame> {
    match service {
        mmi::STATS => match serde_json::to_vec(&broker.stats(now)) {
            Ok(json) => vec![json.into()],
            Err(_) => with_code(body, mmi::Code::NotImplemented),
        },
        mmi::SERVICE => {
            let present = body.last().is_some_and(|name| broker.has_workers(name));
            let code = if present {
                mmi::Code::Present
            } else {
                mmi::Code::Absent
            };
            with_code(body, code)
        }
        mmi::SERVICES => mmi::list_body(
            broker
                .services()
                .into_iter()
                .map(|s| s.name.into())
                .collect(),
        ),
        mmi::WORKERS => mmi::list_body(broker.services().iter().map(|s| s.to_frame()).collect()),
        _ => with_code(body, mmi::Code::NotImplemented),
    }
}

fn with_code(mut body: Vec<Frame>, code: mmi::Code) -> Vec<Frame> {
    match body.last_mut() {
        Some(last) => *last = Frame::copy(code.as_bytes()),
        None => body.push(Frame::copy(code.as_bytes())),
    }
    body
}
