//! zmqtool: reliable request-reply over ZeroMQ from a shell.
//!
//! # Layout
//!
//! | module | owns |
//! | --- | --- |
//! | [`mdp`] | the wire codec: frames <-> typed messages for MDP/0.1 (7/MDP), MDP/0.2 (18/MDP), MMI names (8/MMI) |
//! | [`broker`] | `core` (the sans-IO Majordomo broker), `mmi` (its answers), `server` (the ROUTER driver) |
//! | [`output`] | logging to stderr, frame dumps, JSON rendering of frames |
//!
//! Protocol rules live in sans-IO state machines that take `now` and frames and return
//! frames, events and the next deadline; only the drivers touch sockets, threads and clocks.

pub mod broker;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod heartbeat;
pub mod mdp;
pub mod output;
pub mod runtime;
pub mod worker;
