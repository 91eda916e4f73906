//! Binary Star: a primary/backup pair with automatic failover (zguide ch. 4).
//!
//! [`fsm`] is the state machine, with no I/O; [`server`] is the driver: the frontend ROUTER
//! (serving the Majordomo broker core, or echo), the state PUB it binds and the state SUB it
//! connects to its peer's PUB.

pub use zmqtool_proto::bstar::fsm;
pub mod server;
