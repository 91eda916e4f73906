//! What the broker core reports: the peers it names ([`Identity`]), and the [`Event`]s the
//! driver logs and the statistics count, with their reasons.

use std::fmt;
use std::time::Duration;

use crate::mdp::{Form, Frame, Printable, ProtocolError};

/// A peer's ROUTER identity: the envelope, kept apart from the message.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Identity(pub Frame);

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if crate::mdp::is_text(&self.0) && !self.0.is_empty() {
            f.write_str(&String::from_utf8_lossy(&self.0))
        } else {
            write!(f, "0x{}", crate::mdp::hex(&self.0))
        }
    }
}

/// Why a worker was sent DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvictReason {
    SecondReady,
    ReservedName,
    NotRegistered(&'static str),
    Unexpected(&'static str),
    ReplyWhileIdle,
    WrongClient,
    VersionChanged,
    Limit(Limit),
    /// A registered worker sent something that does not parse: it can no longer be trusted
    /// to answer the request it holds.
    Malformed(ProtocolError),
}

impl fmt::Display for EvictReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvictReason::SecondReady => f.write_str("sent a second READY"),
            EvictReason::ReservedName => f.write_str("tried to register an mmi. service"),
            EvictReason::NotRegistered(cmd) => write!(f, "sent {cmd} before READY"),
            EvictReason::Unexpected(cmd) => write!(f, "sent {cmd}, which workers never send"),
            EvictReason::ReplyWhileIdle => f.write_str("replied while holding no request"),
            EvictReason::WrongClient => {
                f.write_str("replied to a client whose request it does not hold")
            }
            EvictReason::VersionChanged => f.write_str("changed protocol version"),
            EvictReason::Limit(limit) => write!(f, "was refused: {limit}"),
            EvictReason::Malformed(e) => write!(f, "sent a malformed message: {e}"),
        }
    }
}

/// A limit that made the broker refuse a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    Frames(usize),
    Size(usize),
    ServiceName(usize),
    Services(usize),
    Workers(usize),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Frames(n) => write!(f, "more than {n} frames (--max-frames)"),
            Limit::Size(n) => write!(f, "more than {n} bytes (--max-msg-size)"),
            Limit::ServiceName(n) => write!(f, "a service name over {n} bytes (--max-service-len)"),
            Limit::Services(n) => write!(f, "a new service beyond {n} (--max-services)"),
            Limit::Workers(n) => write!(f, "a worker beyond {n} (--max-workers)"),
        }
    }
}

/// Why a request was dropped without a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LossReason {
    QueueFull(usize),
    TotalQueueFull(usize),
    QueueBytes(usize),
    SecondDeath,
    /// Its worker died after PARTIALs had reached the (MDP/0.2) client: run again, the
    /// stream would start over with nothing to tell the client.
    PartlyAnswered,
    ServiceExpired,
    GatherOverflow(usize),
}

impl fmt::Display for LossReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossReason::QueueFull(max) => write!(f, "queue full ({max} requests, --max-queue)"),
            LossReason::TotalQueueFull(max) => {
                write!(f, "{max} requests queued in all (--max-queue-total)")
            }
            LossReason::QueueBytes(max) => {
                write!(
                    f,
                    "{max} bytes of requests queued in all (--max-queue-bytes)"
                )
            }
            LossReason::SecondDeath => f.write_str("a second worker died holding it"),
            LossReason::PartlyAnswered => f.write_str(
                "its worker died after PARTIAL replies had reached the client (not run again)",
            ),
            LossReason::ServiceExpired => f.write_str("no worker came within --service-ttl"),
            LossReason::GatherOverflow(max) => write!(
                f,
                "PARTIALs for an MDP/0.1 client exceed {max} bytes (--max-msg-size)"
            ),
        }
    }
}

/// What happened, for the driver's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    WorkerReady {
        worker: Identity,
        service: Printable,
        form: Form,
    },
    WorkerLeft {
        worker: Identity,
        service: Printable,
    },
    WorkerExpired {
        worker: Identity,
        service: Printable,
        silent: Duration,
    },
    WorkerEvicted {
        worker: Identity,
        reason: EvictReason,
    },
    Malformed {
        peer: Identity,
        error: ProtocolError,
    },
    Refused {
        peer: Identity,
        limit: Limit,
    },
    Requeued {
        service: Printable,
        client: Identity,
    },
    RequestLost {
        service: Printable,
        client: Identity,
        reason: LossReason,
    },
    ServiceRemoved {
        service: Printable,
        dropped: usize,
    },
    HeartbeatMismatch {
        worker: Identity,
        observed: Duration,
        expected: Duration,
    },
    Shutdown {
        workers: usize,
    },
}

/// How loud an event is: warnings show by default, information with `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warn,
    Info,
}

impl Event {
    pub fn level(&self) -> Level {
        match self {
            Event::RequestLost { .. } | Event::HeartbeatMismatch { .. } | Event::Refused { .. } => {
                Level::Warn
            }
            // A worker dropped for what it sent is a fault worth seeing without -v.
            Event::WorkerEvicted {
                reason: EvictReason::Malformed(_) | EvictReason::Limit(_),
                ..
            } => Level::Warn,
            _ => Level::Info,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = humantime::format_duration;
        match self {
            Event::WorkerReady {
                worker,
                service,
                form,
            } => write!(f, "worker {worker} ready for {service} ({form})"),
            Event::WorkerLeft { worker, service } => {
                write!(f, "worker {worker} of {service} disconnected")
            }
            Event::WorkerExpired {
                worker,
                service,
                silent,
            } => write!(
                f,
                "worker {worker} of {service} expired: silent for {}",
                d(round_ms(*silent))
            ),
            Event::WorkerEvicted { worker, reason } => {
                write!(f, "worker {worker} sent DISCONNECT: it {reason}")
            }
            Event::Malformed { peer, error } => {
                write!(f, "dropped a malformed message from {peer}: {error}")
            }
            Event::Refused { peer, limit } => {
                write!(f, "refused a message from {peer}: {limit}")
            }
            Event::Requeued { service, client } => write!(
                f,
                "request from {client} for {service} requeued: its worker died"
            ),
            Event::RequestLost {
                service,
                client,
                reason,
            } => write!(f, "request from {client} for {service} dropped: {reason}"),
            Event::ServiceRemoved { service, dropped } => write!(
                f,
                "service {service} removed: no workers for --service-ttl ({dropped} queued requests dropped)"
            ),
            Event::HeartbeatMismatch {
                worker,
                observed,
                expected,
            } => write!(
                f,
                "worker {worker} heartbeats every {} but the broker expects {} (--heartbeat must match on both)",
                d(round_ms(*observed)),
                d(round_ms(*expected))
            ),
            Event::Shutdown { workers } => {
                let s = if *workers == 1 { "" } else { "s" };
                write!(f, "shutting down: DISCONNECT sent to {workers} worker{s}")
            }
        }
    }
}

fn round_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}
