//! Majordomo workers without I/O: [`session`] is the worker side of MDP (READY, heartbeats,
//! requests and replies, credit, reconnection), driven by frames, job results and `now`.

pub mod session;
