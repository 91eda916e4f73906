//! The Majordomo broker: [`core`] is the sans-IO state machine (every 7/MDP, 18/MDP and 8/MMI
//! rule lives there), [`stats`] its statistics, [`mmi`] answers the `mmi.*` namespace for it
//! (those three are in the protocol crate), and [`server`] is the thin ROUTER driver that
//! feeds it frames and the clock.

pub mod metrics;
pub mod server;

pub use zmqtool_proto::broker::{core, mmi, stats};

pub use self::core::{Broker, Config, Event, Identity, Outgoing, Output};
