//! Majordomo workers without I/O: [`session`] is the worker side of MDP (READY, heartbeats,
//! requests and replies, credit, reconnection), driven by frames, job results and `now`;
//! [`fanout`] keeps one session per broker of a list at once and shares the job slots among
//! them (`worker --all-brokers`).

pub mod fanout;
pub mod session;
