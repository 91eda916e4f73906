//! Titanic (9/TSP): durable, disconnected request-reply on top of Majordomo.
//!
//! [`tsp`] is the wire format, [`store`] the store (SQLite, PostgreSQL shared by several
//! servers, or memory; group commit, durable before any acknowledgement), [`dispatcher`] the
//! sans-IO logic that delivers stored requests, and [`server`] the driver: the three TSP
//! services as MDP workers, the store thread, and the dispatcher loop with its broker
//! connections.

pub mod dispatcher;
pub mod server;
pub mod store;
pub mod tsp;
