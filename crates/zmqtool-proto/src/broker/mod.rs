//! The Majordomo broker without I/O: [`core`] is the state machine (every 7/MDP, 18/MDP and
//! 8/MMI rule lives there), [`stats`] its statistics, [`mmi`] its answers to the `mmi.*`
//! namespace. The driver (the ROUTER socket, the clock, /metrics) is zmqtool's `broker`.

pub mod core;
pub mod event;
pub mod mmi;
pub mod stats;

pub use self::core::{Broker, Config, Event, Identity, Outgoing, Output};
