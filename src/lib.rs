//! zmqtool: reliable request-reply over ZeroMQ from a shell.
//!
//! # Layout
//!
//! Top to bottom: each layer uses only the layers below it.
//!
//! | module | owns |
//! | --- | --- |
//! | [`cmd`] | one function per subcommand, from flags to library calls and an exit code; `render` (every `--json` object, line escaping), `logger` (the log backend: `-q`, `-v`, `-vv`), `top` (the live view: its model, drawn with ratatui) |
//! | [`cli`] | the clap definitions: the one source of `--help`, completions and man pages |
//! | [`bench`](mod@bench) | the load generator (`load`), its report and thresholds (`report`), `perf` thr/lat, the embedded targets (broker, lean MDP broker, raw proxy) |
//! | [`titanic`] | 9/TSP: `tsp` (wire), `store` (its table on every backend, group commit, leases), `dispatcher` (sans-IO), `server` |
//! | [`store`] | where state outlives a process: `--store` strings (`Location`), schema versions, the SQLite, PostgreSQL and memory backends |
//! | [`bstar`] | Binary Star: `fsm` (the sans-IO state machine), `server` (frontend, state PUB/SUB) |
//! | [`broker`] | `core` (the sans-IO Majordomo broker), `stats` (its statistics), `mmi` (its answers), `server` (the ROUTER driver), `metrics` (`--metrics-bind`: /metrics over HTTP) |
//! | [`worker`] | `session` (the sans-IO worker side of MDP), the driver, `exec` (`--exec` handler) |
//! | [`client`] | the Lazy Pirate client and the pipelined `--lines` client |
//! | [`cert`] | CURVE certificates in CZMQ's zcert format, keys from the command line, allow lists |
//! | [`heartbeat`] | heartbeat-rate mismatch detection shared by broker and worker |
//! | [`runtime`] | exit codes and shutdown signals |
//! | [`auth`] | who may connect: `--allow` ranges, connections per address (`Connections`), PLAIN users, CURVE keys (Z85), decided in `Policy` (pure) |
//! | [`mdp`] | the wire codec: frames (`transport::Frame`) <-> typed messages for MDP/0.1 (7/MDP), MDP/0.2 (18/MDP), MMI names (8/MMI) |
//! | [`transport`] | the only code that touches zmq: `Frame` (one message part, held as libzmq holds it, so frames are forwarded without copies), sockets, one linger policy, security (NULL, PLAIN, CURVE), the guard thread (the ZAP handler that runs `auth::Policy`, and the socket monitors that count connections and log failed handshakes and oversized messages), timed receive, send (a socket keeps the list it sent for its next receive), poll (`poll`, exact, over zmq_poll; `Poller`, over the sockets' ZMQ_FDs for loops that receive until a socket is empty), frame dumps, typed channels between threads, and `lean_broker` (the zero-copy MDP floor `bench --compare` measures against) |
//!
//! Protocol rules live in sans-IO state machines that take `now` and frames and return
//! frames, events and the next deadline; only the drivers touch threads and clocks, and
//! only through [`transport`] do they touch sockets.
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
pub mod cli;
pub mod client;
pub mod cmd;
pub mod heartbeat;
pub mod mdp;
pub mod runtime;
pub mod store;
pub mod titanic;
pub mod transport;
pub mod worker;
