//! zmqtool's protocols, without I/O: the codecs and the state machines of reliable
//! request-reply over ZeroMQ, which the `zmqtool` crate drives.
//!
//! # The sans-IO rule
//!
//! Nothing in this crate opens a socket, starts a thread or reads a clock. Every state
//! machine takes `now` and frames (or events) and returns frames to send, events to log and
//! the next deadline; its driver owns the sockets, the threads and the clock, and calls it.
//! So every protocol rule is tested here on injected time, without a network, and this crate
//! builds without libzmq or a C compiler (`cargo test -p zmqtool-proto`).
//!
//! # Layout
//!
//! Each module uses only the ones above it in this table.
//!
//! | module | owns |
//! | --- | --- |
//! | [`frame`] | [`Frame`](frame::Frame): one message part as bytes (small ones inline, larger ones a shared block held by an owner, so a driver's messages pass through without copies); all of this crate's `unsafe` |
//! | [`mdp`] | the wire codec: frames <-> typed messages for MDP/0.1 (7/MDP), MDP/0.2 (18/MDP), MMI names and reports (8/MMI) |
//! | [`heartbeat`] | heartbeat-rate mismatch detection shared by broker and worker |
//! | [`auth`] | who may connect: `--allow` ranges, connections per address, PLAIN users, CURVE keys (Z85), decided in `Policy` |
//! | [`broker`] | the Majordomo broker: `core` (the state machine), `stats` (its statistics), `mmi` (its `mmi.*` answers) |
//! | [`worker`] | `session`: the worker side of MDP; `fanout`: one session per broker of a list, sharing the job slots |
//! | [`client`] | `slot`: the Lazy Pirate request slot (attempts, timeouts, head start, failover, spread) |
//! | [`bstar`] | `fsm`: the Binary Star primary/backup state machine |
//! | [`titanic`] | 9/TSP: `tsp` (wire), `dispatcher` (delivers stored requests) |
//! | [`zap`] | the ZAP handler's answers (23/ZAP), decided by [`auth`]'s `Policy` |
//! | [`zmtp`] | ZMTP 3.1 for one connection of a DEALER, NULL mechanism: greeting, READY, frames, PING/PONG, as bytes in and out |
//!
//! # Example: the codec, byte for byte
//!
//! ```
//! use zmqtool_proto::mdp::{ClientRequest, Form, Frame, Inbound, Version};
//!
//! let request = ClientRequest { service: Frame::from("echo"), body: vec![Frame::from("hi")] };
//! let frames = request.clone().to_frames(Version::V02);
//! assert_eq!(frames, [&b"MDPC02"[..], b"\x01", b"echo", b"hi"]);
//! // A broker tells the versions apart by the header frame.
//! assert_eq!(Inbound::parse(frames), Ok(Inbound::Client(Form::V02, request)));
//! ```

pub mod auth;
pub mod broker;
pub mod bstar;
pub mod client;
pub mod frame;
pub mod heartbeat;
pub mod mdp;
pub mod titanic;
pub mod worker;
pub mod zap;
pub mod zmtp;
