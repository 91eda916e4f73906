//! zmqtool: reliable request-reply over ZeroMQ from a shell.
//!
//! # Layout
//!
//! Two crates. The protocol crate, `zmqtool-proto` (crates/zmqtool-proto), holds every
//! protocol rule and no I/O: frames, the codecs and the sans-IO state machines, which take
//! `now` and frames and return frames, events and the next deadline. It has no libzmq, so
//! `cargo test -p zmqtool-proto` builds and runs without a C compiler. This crate, the driver,
//! runs them: the transport (the only libzmq user), the servers, the command line.
//!
//! Top to bottom: each layer uses only the layers below it. Modules marked (proto) are the
//! protocol crate's, re-exported here at the same paths.
//!
//! | module | owns |
//! | --- | --- |
//! | [`cmd`] | one function per subcommand, from flags to library calls and an exit code; `render` (every `--json` object, line escaping), `logger` (the log backend: `-q`, `-v`, `-vv`), `top` (the live view: its model, drawn with ratatui) |
//! | [`cli`] | the clap definitions: the one source of `--help`, completions and man pages |
//! | [`check`] | health checks: threshold ranges, the verdict, the nagios/json/prometheus/text renderings (no I/O; `cmd::check` asks the servers) |
//! | [`bench`](mod@bench) | the load generator (`load`), its report and thresholds (`report`), `perf` thr/lat, the embedded targets (broker, `lean` MDP broker, raw proxy) |
//! | [`titanic`] | 9/TSP: `tsp` (wire, proto), `dispatcher` (sans-IO, proto), `store` (its table on every backend, group commit, leases), `server` |
//! | [`store`] | where state outlives a process: `--store` strings (`Location`), schema versions, the SQLite, PostgreSQL and memory backends |
//! | [`bstar`] | Binary Star: `fsm` (the state machine, proto), `server` (frontend, state PUB/SUB) |
//! | [`broker`] | `core` (the Majordomo broker, proto), `stats` (its statistics, proto), `mmi` (its answers, proto), `server` (the ROUTER driver), `metrics` (`--metrics-bind`: /metrics over HTTP) |
//! | [`worker`] | `session` (the worker side of MDP, proto), the driver, `exec` (`--exec` handler), `filter` |
//! | [`client`] | `slot` (the sans-IO Lazy Pirate request slot: attempts, timeouts, head start, failover, spread), `Lanes` (its driver, the one client loop: `call`, the pipelined `--lines` client, the Titanic dispatcher), `state` (the broker that answered last, remembered across runs) |
//! | [`cert`] | CURVE certificates in CZMQ's zcert format, keys from the command line, allow lists |
//! | [`runtime`] | exit codes and shutdown signals |
//! | [`transport`] | the only code that touches zmq: `frame` (frames to and from libzmq without copies), `socket` (contexts, sockets, one linger policy, receive and send), `security` (NULL, PLAIN, CURVE), `poll` (every wait: `Poller` on many sockets, the timed receive on one, both by poll(2) on the sockets' ZMQ_FDs), `raw` (the libzmq socket, reached only through calls that keep its settled mark true), `dump` (`-vv` frame dumps), the guard thread (the ZAP handler and the socket monitors), typed channels between threads |
//! | [`mdp`] (proto) | the wire codec: frames <-> typed messages for MDP/0.1 (7/MDP), MDP/0.2 (18/MDP), MMI names (8/MMI) |
//! | [`heartbeat`] (proto) | heartbeat-rate mismatch detection shared by broker and worker |
//! | [`auth`] | who may connect: `--allow` ranges, connections per address (`Connections`), PLAIN users, CURVE keys (Z85), decided in `Policy` (pure, proto); reading the `--plain-users` file |
//! | [`frame`] (proto) | `Frame`: one message part as bytes, small ones inline, larger ones a shared block held by an owner (a libzmq message, for frames the transport received) |
//!
//! Protocol rules live in the protocol crate's state machines; only the drivers touch
//! threads and clocks, and only through [`transport`] do they touch sockets.
//!
//! Nothing below [`cli`] imports it or [`cmd`]. Library code logs through the `log` facade;
//! the binary's backend (`cmd::logger`) decides how it looks.
//!
//! # Example: the codec, byte for byte
//!
//! ```
//! use zmqtool::mdp::{ClientRequest, Form, Frame, Inbound, Version};
//!
//! let request = ClientRequest { service: Frame::from("echo"), body: vec![Frame::from("hi")] };
//! let frames = request.clone().to_frames(Version::V02);
//! assert_eq!(frames, [&b"MDPC02"[..], b"\x01", b"echo", b"hi"]);
//! // A broker tells the versions apart by the header frame.
//! assert_eq!(Inbound::parse(frames), Ok(Inbound::Client(Form::V02, request)));
//! ```

pub mod auth;
pub mod bench;
pub mod broker;
pub mod bstar;
pub mod cert;
pub mod check;
pub mod cli;
pub mod client;
pub mod cmd;
pub mod runtime;
pub mod store;
pub mod titanic;
pub mod transport;
pub mod worker;

pub use zmqtool_proto::{frame, heartbeat, mdp};
