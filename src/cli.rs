//! The command line: the single source for `--help`, shell completions and man pages.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::mdp::{Form, Version};
use crate::transport::{Credentials, Security};

const DEFAULT_BROKER: &str = "tcp://127.0.0.1:5555";

/// `--version`: the libzmq built in (crates/zmq-sys, patches/).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (libzmq 4.3.5 with CURVE, libsodium)"
);

/// Reliable request-reply over ZeroMQ from a shell: a Majordomo broker, workers, clients
/// and service discovery (MDP/0.1, MDP/0.2, MMI).
#[derive(Debug, Parser)]
#[command(
    name = "zmqtool",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit codes: 0 ok, 1 runtime error, 2 usage, 3 timed out, 4 not found, \
5 not implemented, 6 pending, 7 threshold breached, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Log more to stderr: -v events (connects, expiries, evictions, dropped input), -vv every
    /// frame dumped with its size, as text when printable and hex otherwise.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log nothing but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print results on stdout as JSON, one object per line. Frames are strings when they
    /// are valid UTF-8, else {"base64": "..."}.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Broker(BrokerArgs),
    Worker(WorkerArgs),
    Client(ClientArgs),
    Mmi(MmiArgs),
    Stats(StatsArgs),
    Top(TopArgs),
    Titanic(TitanicArgs),
    Bstar(BstarArgs),
    Bench(BenchArgs),
    Perf(PerfArgs),
    Keygen(KeygenArgs),
    Check(CheckArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

impl Command {
    /// The subcommand's name, used to prefix log lines.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Broker(_) => "broker",
            Command::Worker(_) => "worker",
            Command::Client(_) => "client",
            Command::Mmi(_) => "mmi",
            Command::Stats(_) => "stats",
            Command::Top(_) => "top",
            Command::Titanic(_) => "titanic",
            Command::Bstar(_) => "bstar",
            Command::Bench(_) => "bench",
            Command::Perf(_) => "perf",
            Command::Keygen(_) => "keygen",
            Command::Check(_) => "check",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}

/// Run a Majordomo broker (MDP/0.1 and MDP/0.2 on one socket, with MMI).
///
/// Clients and workers connect to the same endpoint; the broker tells them apart by their
/// header frame. Workers are served least recently used first; requests wait in a queue per
/// service until a worker is free. A worker silent for LIVENESS heartbeats is purged, and a
/// request it held is given, once, to another worker. A service with no workers for
/// --service-ttl is forgotten with its queue. The broker answers mmi.service (200/404),
/// mmi.services, mmi.workers, mmi.stats (see `zmqtool stats`), and 501 for any other mmi.
/// name. With --metrics-bind it serves Prometheus metrics on http://HOST:PORT/metrics.
///
/// On SIGINT or SIGTERM it sends DISCONNECT to every worker and exits (130 after SIGINT).
#[derive(Debug, Args)]
pub struct BrokerArgs {
    /// Endpoint to bind; repeat for several. Use port * for any free port (the log says which).
    #[arg(long = "bind", value_name = "EP", default_value = DEFAULT_BROKER)]
    pub binds: Vec<String>,
    #[command(flatten)]
    pub access: AccessArgs,
    #[command(flatten)]
    pub opts: BrokerOpts,
    /// Who speaks ZMTP on the broker's socket. direct: the broker's own thread accepts,
    /// reads and writes its connections, with no libzmq I/O thread in between; it binds
    /// tcp://ADDRESS:PORT (ADDRESS an IP or *) and ipc://PATH with the NULL mechanism and no
    /// access checks (no --allow, --max-connections-per-ip, --plain-users, --curve-secret).
    /// libzmq: a libzmq ROUTER, for everything. auto: direct where it serves, else libzmq.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineChoice,
}

/// Who may connect to a server's socket.
#[derive(Debug, Args, Clone)]
pub struct AccessArgs {
    /// Accept connections only from this address range (e.g. 10.0.0.0/8, 127.0.0.1);
    /// repeat for several. Others are refused before any message is read.
    #[arg(long, value_name = "CIDR")]
    pub allow: Vec<crate::auth::Cidr>,
    /// Require the PLAIN mechanism with a user and password from FILE (user:password lines).
    /// PLAIN does not encrypt: passwords cross the network in clear text.
    #[arg(long, value_name = "FILE", conflicts_with = "curve_secret")]
    pub plain_users: Option<PathBuf>,
    /// Encrypt with CURVE, as the server whose secret certificate is FILE (from `zmqtool
    /// keygen --out`, or CZMQ's zcert). Clients need its public key (--curve-server-key).
    #[arg(long, value_name = "FILE")]
    pub curve_secret: Option<PathBuf>,
    /// With --curve-secret: admit only these client keys, a directory of public
    /// certificates (as CZMQ's zauth) or a file of Z85 keys, one a line. Without it, any
    /// client that knows the server's public key is admitted.
    #[arg(long, value_name = "DIR|FILE", requires = "curve_secret")]
    pub curve_allow: Option<PathBuf>,
    /// Refuse a connection from an address that already holds N (counted over the server's
    /// sockets as libzmq's socket monitor reports them; ipc:// peers are not counted).
    /// Unlimited by default: many clients may share one address behind NAT.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections_per_ip: Option<u64>,
}

impl AccessArgs {
    pub fn policy(&self) -> anyhow::Result<crate::auth::Policy> {
        let curve = match &self.curve_secret {
            Some(path) => {
                let keys = crate::cert::read_secret(path)?;
                Some(crate::auth::CurvePolicy {
                    secret: keys.secret,
                    public: keys.public,
                    allow: match &self.curve_allow {
                        Some(path) => Some(crate::cert::read_allowed(path)?),
                        None => None,
                    },
                })
            }
            None => None,
        };
        Ok(crate::auth::Policy {
            allow: self.allow.clone(),
            users: match &self.plain_users {
                Some(path) => Some(crate::auth::read_users(path)?),
                None => None,
            },
            curve,
            max_per_address: self.max_connections_per_ip.map(|n| n as usize),
        })
    }
}

/// The broker's tuning flags (shared with the brokers other commands host).
#[derive(Debug, Args, Clone)]
pub struct BrokerOpts {
    /// Heartbeat interval, both ways; workers must use the same.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub heartbeat: Duration,
    /// Heartbeats a worker may miss before it is purged.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub liveness: u32,
    /// How long a worker holding a request may stay silent before it is presumed dead and
    /// its request is given to another ("off": never). It applies to workers that have not
    /// sent a heartbeat while busy, as the zguide's single-threaded workers cannot; a worker
    /// that has (zmqtool's do) is held to --liveness heartbeats, busy or not.
    #[arg(long, value_name = "DUR|off", default_value = "5m", value_parser = parse_busy_timeout)]
    pub busy_timeout: Bound,
    /// How long a request waits for a worker of its service (counted from when it was
    /// queued), and how long a service with no workers is remembered.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_duration)]
    pub service_ttl: Duration,
    /// Requests queued per service; further requests are dropped and logged.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_queue: u64,
    /// Largest message accepted, all frames together (a peer that sends a bigger one is
    /// disconnected, and logged), and the bound on PARTIALs gathered into one reply for an
    /// MDP/0.1 client. Suffixes: K, M, G (powers of 1024).
    #[arg(long, value_name = "BYTES", default_value = "16M", value_parser = parse_size)]
    pub max_msg_size: u64,
    /// Most frames in one message; longer messages are refused and logged.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(3..))]
    pub max_frames: u64,
    /// Longest service name in bytes (in READY and in requests).
    #[arg(long, value_name = "BYTES", default_value_t = 255, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_service_len: u64,
    /// Requests queued over all services; further requests are dropped and logged.
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_queue_total: u64,
    /// Bytes of request bodies queued over all services; further requests are dropped and
    /// logged. Suffixes: K, M, G (powers of 1024).
    #[arg(long, value_name = "BYTES", default_value = "1G", value_parser = parse_size)]
    pub max_queue_bytes: u64,
    /// Services known at once (a request for a new service beyond it is refused).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_services: u64,
    /// Workers registered at once (a READY beyond it gets DISCONNECT).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_workers: u64,
    /// The most requests one worker may hold at once, whatever credit its READY announces
    /// (`worker --credit`).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_credit: u64,
    /// Serve the statistics as Prometheus metrics on http://HOST:PORT/metrics (OpenMetrics
    /// text; a bstar server adds zmqtool_bstar_state). Off unless given; binds only there
    /// (port 0 picks one; the log says which).
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_bind: Option<String>,
}

impl BrokerOpts {
    pub fn config(&self) -> crate::broker::Config {
        crate::broker::Config {
            heartbeat: self.heartbeat,
            liveness: self.liveness,
            busy_timeout: self.busy_timeout.0,
            service_ttl: self.service_ttl,
            max_queue: self.max_queue as usize,
            max_msg_size: self.max_msg_size as usize,
            max_frames: self.max_frames as usize,
            max_service_len: self.max_service_len as usize,
            max_queue_total: self.max_queue_total as usize,
            max_queue_bytes: self.max_queue_bytes as usize,
            max_services: self.max_services as usize,
            max_workers: self.max_workers as usize,
            max_credit: self.max_credit as usize,
        }
    }
}

/// Brokers to connect to.
#[derive(Debug, Args, Clone)]
pub struct BrokerList {
    /// Broker endpoint; repeat (or separate with commas) for a failover list, tried in turn.
    #[arg(long = "broker", value_name = "EP", env = "ZMQTOOL_BROKER",
          default_value = DEFAULT_BROKER, value_delimiter = ',')]
    pub brokers: Vec<String>,
    /// Authenticate with the PLAIN mechanism as USER:PASSWORD (for a broker started with
    /// --plain-users). Prefer the environment variable: a command line is visible to others.
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "ZMQTOOL_PLAIN",
        hide_env_values = true,
        conflicts_with = "curve_server_key"
    )]
    pub plain: Option<Credentials>,
    #[command(flatten)]
    pub curve: CurveClientArgs,
}

/// CURVE for everything that connects.
#[derive(Debug, Args, Clone)]
pub struct CurveClientArgs {
    /// Encrypt with CURVE to a server with this public key: 40 Z85 characters, or its
    /// public certificate file.
    // A Z85 key may start with '-': taken as the value, not as another option.
    #[arg(
        long,
        value_name = "KEY|FILE",
        env = "ZMQTOOL_CURVE_SERVER_KEY",
        allow_hyphen_values = true
    )]
    pub curve_server_key: Option<String>,
    /// With --curve-server-key: this side's own secret certificate (for a server with
    /// --curve-allow). Without it, a fresh keypair, which only an open server admits.
    #[arg(
        long,
        value_name = "FILE",
        env = "ZMQTOOL_CURVE_SECRET",
        requires = "curve_server_key"
    )]
    pub curve_secret: Option<PathBuf>,
}

impl CurveClientArgs {
    /// CURVE security, if asked for.
    pub fn security(&self) -> anyhow::Result<Option<Security>> {
        let Some(server) = &self.curve_server_key else {
            return Ok(None);
        };
        let server = crate::cert::read_public(server)?;
        let client = match &self.curve_secret {
            Some(path) => crate::cert::read_secret(path)?,
            None => crate::transport::CurveKeys::generate()?,
        };
        Ok(Some(Security::Curve { server, client }))
    }
}

impl BrokerList {
    /// How this command's connections prove who they are.
    pub fn security(&self) -> anyhow::Result<Security> {
        Ok(match self.curve.security()? {
            Some(curve) => curve,
            None => security(&self.plain),
        })
    }

    /// The brokers and credentials, as a worker takes them.
    pub fn worker_brokers(&self) -> anyhow::Result<crate::worker::Brokers> {
        Ok(crate::worker::Brokers {
            endpoints: self.brokers.clone(),
            security: self.security()?,
            all: false,
            engine: crate::transport::Engine::Libzmq,
        })
    }

    /// Client options with the given timeout, retries and version.
    pub fn client_options(
        &self,
        timeout: Duration,
        retries: u32,
        form: Form,
    ) -> anyhow::Result<crate::client::Options> {
        Ok(crate::client::Options {
            remember: true,
            ..crate::client::Options::new(
                self.brokers.clone(),
                timeout,
                retries,
                form,
                self.security()?,
            )
        })
    }
}

/// How a client reaches the brokers of its list.
#[derive(Debug, Args, Clone)]
pub struct ReachArgs {
    /// With several --broker: how long a connection may take to be established (its
    /// handshake done) before the next broker of the list is tried as well; the first
    /// connection established gets the request, the others are closed. A request only goes
    /// to an established connection, one per attempt, so racing connections never runs it
    /// twice. "off": each attempt waits --timeout for its one connection.
    #[arg(long, value_name = "DUR|off", default_value = "250ms", value_parser = parse_head_start)]
    pub head_start: Bound,
    /// Do not remember which broker of the list answered last. By default it is kept in
    /// $XDG_RUNTIME_DIR/zmqtool (else $XDG_CACHE_HOME/zmqtool, else ~/.cache/zmqtool; the
    /// environment variable ZMQTOOL_STATE=DIR moves it, ZMQTOOL_STATE=off turns it off), one
    /// small file per broker list, and the next run tries that broker first.
    #[arg(long)]
    pub no_state: bool,
}

impl ReachArgs {
    /// `opts` with these settings.
    pub fn apply(&self, opts: crate::client::Options) -> crate::client::Options {
        crate::client::Options {
            head_start: self.head_start.0,
            remember: !self.no_state,
            ..opts
        }
    }
}

/// The security of `--plain` (given or not).
pub fn security(plain: &Option<Credentials>) -> Security {
    match plain {
        Some(c) => Security::Plain(c.clone()),
        None => Security::Null,
    }
}

/// Run a worker that serves SERVICE through a broker: echo each request, or run a shell
/// command per request with --exec.
///
/// The worker sends READY, heartbeats the broker (also while busy), and reconnects when the
/// broker is silent for 3 heartbeats, moving to the next --broker of the list. On SIGINT or
/// SIGTERM it finishes the request in hand, sends its reply and DISCONNECT, and exits.
///
/// With --exec CMD each request runs `sh -c CMD`: the request frames on stdin, each followed
/// by a newline (a NUL with -0); ZMQTOOL_SERVICE and ZMQTOOL_FRAMES in the environment. Its
/// stdout is the reply: one frame without the trailing newline (with -0: one frame per
/// NUL-terminated piece). A command that exits non-zero, is killed, cannot start or runs past
/// --exec-timeout is answered with three frames: "zmqtool-error", the reason ("exit status 3",
/// "killed by signal 9", "timed out after 1m") and the last 4 KiB of its stderr; the worker
/// keeps serving. Anything the command leaves running is killed when it ends.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Service name to register.
    pub service: String,
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Run `sh -c CMD` for each request instead of echoing it.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Keep one `sh -c CMD` running per session, fed one request per line on stdin and
    /// answering one line per request on stdout: at the speed of a pipe. CMD must flush each
    /// line (`sed -u`, `awk` with fflush(), `python3 -u`, `jq --unbuffered`).
    #[arg(long, value_name = "CMD", conflicts_with = "exec")]
    pub filter: Option<String>,
    /// With --exec: separate frames with NUL instead of newline, on stdin and stdout.
    #[arg(short = '0', long = "null", requires = "exec")]
    pub null: bool,
    /// With --exec and --protocol 0.2: send each line of stdout as a PARTIAL as it appears;
    /// the last line is the FINAL.
    #[arg(long, requires = "exec")]
    pub stream: bool,
    /// With --exec: kill the command after this long; with --filter: the longest a reply may
    /// take. Either way the request is answered with an error reply.
    #[arg(long, value_name = "DUR", default_value = "1m", value_parser = parse_interval)]
    pub exec_timeout: Duration,
    /// Without --credit: worker sessions to run, each with its own connection, so N requests
    /// are handled at once (the echo worker runs them all on one thread). With --credit: --exec or --filter jobs run at once over the one
    /// connection (an echo worker answers each request as it comes). With --all-brokers:
    /// the jobs running at once across all brokers (each broker gets N sessions without
    /// --credit; a request beyond N waits in the worker, oldest first).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// Hold up to N requests at once on one connection (an extension: READY carries
    /// `credit=N`, and a zmqtool broker sends that many before the first reply comes back,
    /// so the broker round trip no longer bounds a worker's rate). Brokers that do not know
    /// it send one at a time, as MDP says. Default 1: plain MDP. With --all-brokers the
    /// credit is per broker: each broker may send N, so the worker holds up to N per broker
    /// it is connected to, and --concurrency bounds how many of them run at once in all.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub credit: u32,
    /// Serve every broker of the --broker list at once, instead of one at a time with the
    /// others as failover: brokers run side by side and each one gets this worker. Each
    /// broker has sessions of its own, with their own heartbeats and reconnects, so a broker
    /// that dies or restarts touches only its own (the worker registers again when it comes
    /// back); the others keep being served. On SIGTERM every session finishes its requests,
    /// then sends DISCONNECT.
    #[arg(long)]
    pub all_brokers: bool,
    /// Heartbeat interval; must match the broker's.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub heartbeat: Duration,
    /// Heartbeats the broker may miss before the worker reconnects.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub liveness: u32,
    /// Pause before reconnecting to a broker that went silent.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_duration)]
    pub reconnect: Duration,
    /// Protocol: 0.1 (7/MDP), 0.2 (18/MDP as the RFC writes it), or majortomo (MDP/0.2 as
    /// the majortomo broker speaks it: an empty frame before the header).
    #[arg(long, value_name = "VERSION", default_value = "0.1", value_parser = parse_form)]
    pub protocol: Form,
    /// Run each stamped request at most once (`client --client-id`/`--stamp`, Titanic):
    /// its stamp is recorded in STORE before the command runs and its reply before the reply
    /// is sent, so a repeat (a client's retry, a redelivery) gets the stored reply and runs
    /// nothing; a repeat of a request still running waits for its reply, holding a session
    /// (a unit of --concurrency) meanwhile. A run that never answered (its worker was killed)
    /// is not run again: after the --exec-timeout plus 5 s, its repeats get the error reply
    /// "outcome unknown". A repeat whose body differs from the first request's (its key used
    /// again for another request) gets the error reply "key reused" and runs nothing.
    /// STORE is a SQLite file (shared by the workers of one machine; `sqlite:PATH` also
    /// works), a PostgreSQL URL (`postgres://...`, shared by workers on several machines) or
    /// `memory:` (this process only). READY announces `dedup`, so a zmqtool broker sends
    /// this worker the stamps.
    #[arg(long, value_name = "STORE", conflicts_with = "stream")]
    pub dedup: Option<String>,
    /// With --dedup: how long replies are kept (a repeat after that runs again).
    #[arg(long, value_name = "DUR", default_value = "24h", requires = "dedup", value_parser = parse_duration)]
    pub dedup_window: Duration,
    /// Who speaks ZMTP on the broker connections. direct: the worker's own thread reads and
    /// writes them, with no libzmq I/O thread in between; it serves the echo worker (no
    /// --exec, --filter or --dedup) on tcp:// or ipc:// with the NULL mechanism, one broker at
    /// a time (no --all-brokers). libzmq: libzmq sockets, for everything. auto: direct where
    /// it serves, else libzmq.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineChoice,
}

/// Call SERVICE through a broker and print the reply, one frame per line.
///
/// Lazy Pirate reliability: each attempt sends the request on an established connection and
/// waits --timeout; an attempt that times out closes its connection, and the next one starts
/// on a new connection to the next --broker of the list; after --retries attempts it gives up
/// with exit code 3. A retried request may run twice, unless it is stamped (--client-id,
/// --stamp) and its worker runs with --dedup: then it runs at most once. A reply
/// from a failed --exec command ("zmqtool-error", reason, stderr) is reported on stderr, exit 1.
///
/// With several --broker, requests go to the broker that answered last (remembered across
/// runs, see --no-state); a broker whose connection is not established within --head-start
/// is raced by the next one (see --head-start), so a dead broker at the head of the list costs
/// a head start once, not a timeout per call.
///
/// With --lines, each line of stdin is one request (one frame) and each reply is printed on
/// one line, in input order; frames of a multi-frame reply are joined by a tab, and
/// backslash, tab, CR and newline inside a frame are escaped as \\, \t, \r, \n. A request
/// that times out prints an empty line. --pipeline N keeps up to N requests in flight.
///
/// Stamping (--client-id, --stamp, --request-id): each request carries a client id and a
/// key, the same in every retry and failover, so a worker with --dedup runs it at most once.
/// A stamped request may go through a zmqtool broker to any worker (the broker gives the
/// stamp only to workers that announced `dedup`; the others get the request unstamped), or
/// through any broker to a zmqtool worker. Through a broker that does not know the extension
/// (the zguide's, majortomo) to a worker that does not either, the worker gets the stamp as
/// one more frame before the body: an echo service sends it back (the client takes it off),
/// other services may not expect it. Whether the guarantee held is in the -v log and in the
/// --json fields `dedup` (fresh, replayed, waited, unknown, mismatch; null when no
/// deduplicating worker answered) and `replayed`. A key is for one request: sent again with
/// another body, it gets the error "key reused" (exit 1) and nothing runs.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Service to call.
    pub service: String,
    /// Request body: each argument is one frame; "-" is one frame read from stdin (binary
    /// safe). With no BODY, one empty frame is sent.
    #[arg(conflicts_with = "lines")]
    pub body: Vec<String>,
    #[command(flatten)]
    pub brokers: BrokerList,
    /// How long each attempt waits for a reply (each PARTIAL restarts the wait).
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub timeout: Duration,
    /// Attempts in all before giving up.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
    /// Protocol: 0.1 (7/MDP), 0.2 (18/MDP, PARTIAL replies printed as they come), or
    /// majortomo (MDP/0.2 as the majortomo broker speaks it: an empty frame before the header,
    /// its own command numbers, no service frame in replies).
    #[arg(long, value_name = "VERSION", default_value = "0.1", value_parser = parse_form)]
    pub protocol: Form,
    /// Write the reply frames to stdout as they are, with nothing between them.
    #[arg(long, conflicts_with_all = ["lines", "json"])]
    pub raw: bool,
    /// One request per line of stdin; one reply per line of stdout, in order.
    #[arg(long)]
    pub lines: bool,
    /// With --lines: requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "lines",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub pipeline: u32,
    /// Ask the broker's mmi.service first (one round trip, within --timeout): when no worker
    /// serves SERVICE, end at once with exit 4 and "no worker for SERVICE" instead of
    /// waiting out --timeout and --retries. Off by default, so the broker may queue a
    /// request until a worker comes. Not for brokers without MMI (majortomo's), which never
    /// answer mmi.service.
    #[arg(long)]
    pub fail_fast: bool,
    /// Spread the requests over the --broker list: each to the next broker of the list,
    /// round robin (across runs too, while the broker memory is on), skipping for 30 s a
    /// broker that timed out or could not be connected to. Without it the list is a failover
    /// list: every request goes to the broker that answered last. For brokers that are each
    /// complete (not a Binary Star pair, whose passive server serves no one).
    #[arg(long)]
    pub spread: bool,
    #[command(flatten)]
    pub reach: ReachArgs,
    #[command(flatten)]
    pub stamping: StampArgs,
}

// Stamping (`client`, `bench`): see ClientArgs' help for where stamped requests may go.
#[derive(Debug, Clone, Default, Args)]
pub struct StampArgs {
    /// Stamp requests with this client id (1-64 printable characters, no spaces). With
    /// --lines, each request's key is its line number; a single call needs --request-id.
    /// Re-running a script with the same id and input re-sends the same stamps, so what ran
    /// before is answered from the workers' store, not run again (a line that changed
    /// meanwhile gets "key reused").
    #[arg(long, value_name = "ID", env = "ZMQTOOL_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Stamp requests with a random client id, new each run (retries within the run are
    /// covered; a re-run is not). A single call's key is 1; with --lines, the line number.
    #[arg(long)]
    pub stamp: bool,
    /// The key of this one call (1-64 printable characters, no spaces: an order number, say),
    /// with --client-id, ZMQTOOL_CLIENT_ID or --stamp.
    #[arg(long, value_name = "KEY", conflicts_with = "lines")]
    pub request_id: Option<String>,
}

/// Ask the broker about services (8/MMI).
///
/// With SERVICE: prints the mmi.service code, 200 (it has workers) or 404, and exits 0 or 4;
/// for an mmi. name the broker does not implement, 501 and exit 5; no answer, exit 3. Made for
/// health checks: `until zmqtool mmi echo; do sleep 1; done`.
///
/// Without SERVICE: a table of every service the broker knows with its idle and busy
/// workers and queued requests (from mmi.workers).
///
/// With --all-brokers, every broker of the --broker list is asked at once and the answers
/// merged: the table sums each service over the brokers and names the brokers that carry
/// it with their worker counts; `mmi SERVICE` prints each broker's code after it and exits
/// 0 when any broker has workers for it. A broker that does not answer is reported on
/// stderr (and as {"broker", "error"} lines with --json); exit 3 only when none answered.
#[derive(Debug, Args)]
pub struct MmiArgs {
    /// Service to ask about.
    pub service: Option<String>,
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Ask every broker of the --broker list at once and merge the answers, instead of
    /// asking the first that answers.
    #[arg(long)]
    pub all_brokers: bool,
    /// How long each attempt waits for a reply.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub timeout: Duration,
    /// Attempts in all before giving up.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
    #[command(flatten)]
    pub reach: ReachArgs,
}

impl ClientArgs {
    pub fn options(&self) -> anyhow::Result<crate::client::Options> {
        let opts = self.reach.apply(self.brokers.client_options(
            self.timeout,
            self.retries,
            self.protocol,
        )?);
        Ok(crate::client::Options {
            pick: match self.spread {
                true => crate::client::slot::Pick::Spread,
                false => crate::client::slot::Pick::Failover,
            },
            ..opts
        })
    }
}

impl MmiArgs {
    pub fn options(&self) -> anyhow::Result<crate::client::Options> {
        Ok(self.reach.apply(
            self.brokers
                .client_options(self.timeout, self.retries, Form::V01)?,
        ))
    }
}

/// Show a running broker's statistics (from its mmi.stats service).
///
/// Uptime; requests received, replies delivered, requests dropped by reason, requeued,
/// malformed and refused messages, refused connections; per service its requests, replies,
/// queue now and at its peak, idle and busy workers, and the time from dispatch to final reply
/// (p50, p99, max). --json prints one object (one per refresh with --watch). A broker that
/// does not offer statistics (other brokers answer mmi.stats with 501) exits 5; no answer,
/// exit 3.
///
/// With --all-brokers, every broker of the --broker list is asked at once: the figures are
/// summed over the brokers that answered (latency percentiles estimated from their merged
/// histograms, the maximum the largest), and --json prints {"total": ..., "brokers":
/// [{"broker": EP, ...figures} or {"broker": EP, "error": ...}]}. A broker that does not
/// answer is reported; exit 3 only when none answered.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Ask every broker of the --broker list at once and sum their figures, instead of
    /// asking the first that answers.
    #[arg(long)]
    pub all_brokers: bool,
    /// Ask again every DUR, until interrupted.
    #[arg(long, value_name = "DUR", value_parser = parse_interval)]
    pub watch: Option<Duration>,
    /// How long each attempt waits for a reply.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub timeout: Duration,
    /// Attempts in all before giving up.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
    #[command(flatten)]
    pub reach: ReachArgs,
}

impl StatsArgs {
    pub fn options(&self) -> anyhow::Result<crate::client::Options> {
        Ok(self.reach.apply(
            self.brokers
                .client_options(self.timeout, self.retries, Form::V01)?,
        ))
    }
}

/// A live full-screen view of one broker (from its mmi.stats service).
///
/// Per service: requests per second over the last interval, waiting requests now and at the
/// peak, idle and busy workers, p99 of the time from dispatch to final reply over the last
/// interval (from the broker's histogram buckets, as Prometheus' histogram_quantile
/// estimates it), requests dropped, and a sparkline of requests per second; above them the
/// broker's totals with their rates, drops by reason, and a sparkline over all services. A
/// service with requests waiting and no idle worker is yellow, one that dropped requests in
/// the last interval red. When the broker stops answering, a red banner says for how long and
/// the last figures stay; with a failover list (a Binary Star pair) the next broker is asked.
///
/// Keys: q or Esc quits (exit 0), Ctrl-C too (exit 130), s sorts by name, requests per second
/// or queue. The terminal is restored however it ends. Needs a terminal: for scripts, use
/// `zmqtool stats --watch`. A broker without statistics (answers mmi.stats with 501) exits 5.
#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub brokers: BrokerList,
    /// How often to ask the broker.
    #[arg(long, value_name = "DUR", default_value = "1s", value_parser = parse_interval)]
    pub interval: Duration,
    /// How long each request waits for the answer before the view says the broker is not
    /// answering.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub timeout: Duration,
    #[command(flatten)]
    pub reach: ReachArgs,
}

impl TopArgs {
    pub fn options(&self) -> anyhow::Result<crate::client::Options> {
        Ok(self
            .reach
            .apply(self.brokers.client_options(self.timeout, 1, Form::V01)?))
    }
}

/// Durable, disconnected request-reply (9/TSP): requests are stored on disk and delivered
/// whenever their service shows up.
#[derive(Debug, Args)]
pub struct TitanicArgs {
    #[command(subcommand)]
    pub command: TitanicCommand,
}

#[derive(Debug, Subcommand)]
pub enum TitanicCommand {
    Serve(TitanicServeArgs),
    Request(TitanicRequestArgs),
    Reply(TitanicUuidArgs),
    Close(TitanicUuidArgs),
    Call(TitanicCallArgs),
    Ls(TitanicLsArgs),
    Migrate(TitanicMigrateArgs),
}

/// How a TSP client reaches the broker.
#[derive(Debug, Args, Clone)]
pub struct CallOpts {
    #[command(flatten)]
    pub brokers: BrokerList,
    /// How long each attempt waits for the Titanic server's answer.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub timeout: Duration,
    /// Attempts in all before giving up (exit 3).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub retries: u32,
    #[command(flatten)]
    pub reach: ReachArgs,
}

impl CallOpts {
    pub fn options(&self) -> anyhow::Result<crate::client::Options> {
        Ok(self.reach.apply(
            self.brokers
                .client_options(self.timeout, self.retries, Form::V01)?,
        ))
    }
}

/// Run the Titanic server: the titanic.request, titanic.reply and titanic.close services,
/// and the dispatcher that delivers stored requests.
///
/// It also serves titanic.stats (zmqtool's): "200" and one JSON frame, {"pending": N,
/// "oldest_pending_s": S}, the requests waiting for delivery and the oldest one's age, which
/// `zmqtool check titanic` reports.
///
/// A request is acknowledged (200 + UUID) only once it is committed to the store with an
/// fsync; requests arriving together share one commit. The dispatcher asks mmi.service
/// before sending, keeps up to --inflight calls going, and retries with backoff (1 s doubling
/// to 30 s) while a service is absent or does not answer within --delivery-timeout: delivery is at
/// least once. Each delivery is stamped with the request's UUID (client id `titanic`), so a
/// worker with --dedup runs a redelivered request at most once: exactly once, end to end.
/// Replies stay until titanic.close (or --retain). SIGINT/SIGTERM: the services
/// say DISCONNECT, the write in progress completes, and it exits.
///
/// Several servers, on one machine or several, can share one PostgreSQL store
/// (--store postgres://...): each stored request is claimed by one server at a time with a
/// lease, renewed while it delivers; the leases of a server that dies expire after --lease and
/// another server delivers those requests. A new request wakes idle servers at once (LISTEN/
/// NOTIFY). When the store cannot commit (PostgreSQL restarted, connection cut), requests are
/// refused with 500 (clients retry) and the server reconnects and carries on.
#[derive(Debug, Args)]
pub struct TitanicServeArgs {
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Register the services with every broker of the --broker list at once (each broker
    /// with sessions of its own), instead of one at a time with the others as failover:
    /// clients of any broker then reach this server.
    #[arg(long)]
    pub all_brokers: bool,
    /// The store. A path (or sqlite:PATH): one SQLite file, created with mode 0600, used by
    /// one server. postgres://USER@HOST/DB, postgresql://..., libpq key=value pairs, or
    /// postgres: (everything from the PG* variables): a PostgreSQL database that several
    /// servers share (sslmode=disable|prefer|require|verify-ca|verify-full). memory: this
    /// process's memory only, much faster and not durable: requests and replies are lost when
    /// the server stops or crashes.
    #[arg(
        long,
        value_name = "STORE",
        default_value = "titanic.db",
        env = "ZMQTOOL_TITANIC_STORE"
    )]
    pub store: String,
    /// With a shared (PostgreSQL) store: how long this server's claim on a request holds
    /// without renewal (it renews every third of it). A server that dies delays its requests
    /// this long.
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_interval)]
    pub lease: Duration,
    /// Calls to services in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub inflight: u32,
    /// How long a stored request's service may take to reply before it is retried.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_interval)]
    pub delivery_timeout: Duration,
    /// Delete replies nobody closed after this long (default: keep them).
    #[arg(long, value_name = "DUR", value_parser = parse_interval)]
    pub retain: Option<Duration>,
    /// titanic.request sessions: requests stored at once, sharing one commit.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Heartbeat interval with the broker; must match the broker's.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_interval)]
    pub heartbeat: Duration,
    /// Pause before reconnecting to a broker that went silent.
    #[arg(long, value_name = "DUR", default_value = "2500ms", value_parser = parse_duration)]
    pub reconnect: Duration,
    /// Deliver requests unstamped: for a broker that does not know stamps (the zguide's,
    /// majortomo) in front of workers that do not either, which would see the stamp as one
    /// more frame. (A zmqtool broker gives stamps only to workers that announced `dedup`.)
    #[arg(long)]
    pub no_stamp: bool,
}

/// Store a request for SERVICE with Titanic and print its UUID.
///
/// With --lines, each line of stdin is one request body (one frame) and one UUID is printed
/// per line, in order, with up to --pipeline requests in flight.
#[derive(Debug, Args)]
pub struct TitanicRequestArgs {
    /// The service the request is for.
    pub service: String,
    /// Request body: each argument is one frame; "-" is one frame read from stdin.
    #[arg(conflicts_with = "lines")]
    pub body: Vec<String>,
    #[command(flatten)]
    pub call: CallOpts,
    /// One request per line of stdin; one UUID per line of stdout.
    #[arg(long)]
    pub lines: bool,
    /// With --lines: requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "lines",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub pipeline: u32,
}

/// reply: print the reply to a stored request (exit 0), or exit 6 while it is pending (300)
/// and 4 if the UUID is unknown (400). close: delete a request and its reply (200, also for
/// an unknown UUID).
#[derive(Debug, Args)]
pub struct TitanicUuidArgs {
    /// The request's UUID, as `titanic request` printed it.
    pub uuid: String,
    #[command(flatten)]
    pub call: CallOpts,
}

/// Store a request, wait for its reply, close it, and print the reply.
///
/// The reply is asked for every --poll until --wait has passed; then it gives up with exit 3 and
/// prints the UUID on stderr, so that `zmqtool titanic reply UUID` can fetch it later.
#[derive(Debug, Args)]
pub struct TitanicCallArgs {
    /// The service the request is for.
    pub service: String,
    /// Request body: each argument is one frame; "-" is one frame read from stdin.
    pub body: Vec<String>,
    #[command(flatten)]
    pub call: CallOpts,
    /// How often to ask for the reply.
    #[arg(long, value_name = "DUR", default_value = "250ms", value_parser = parse_interval)]
    pub poll: Duration,
    /// How long to wait for the reply in all.
    #[arg(long, value_name = "DUR", default_value = "1m", value_parser = parse_interval)]
    pub wait: Duration,
}

/// List the requests in a store: pending and replied, with their age.
///
/// Reads the store directly (read-only; safe while servers run): a SQLite file or a
/// PostgreSQL database. A memory: store lives inside its server and cannot be read from
/// outside it.
#[derive(Debug, Args)]
pub struct TitanicLsArgs {
    /// The store to read (a path, sqlite:PATH, or a PostgreSQL URL or key=value pairs).
    #[arg(
        long,
        value_name = "STORE",
        default_value = "titanic.db",
        env = "ZMQTOOL_TITANIC_STORE"
    )]
    pub store: String,
}

/// Copy a store's pending requests and unclosed replies into another store.
///
/// Made for moving from a SQLite file to PostgreSQL: stop the server on --from, run this,
/// start the servers on --to. Requests keep their UUIDs (clients' ids stay valid), ages and
/// replies; those already in --to are skipped, so running it twice copies nothing twice. A
/// SQLite store is locked while it runs (no server may use it meanwhile); --from is not
/// changed.
#[derive(Debug, Args)]
pub struct TitanicMigrateArgs {
    /// The store to copy from.
    #[arg(long, value_name = "STORE")]
    pub from: String,
    /// The store to copy into (created if need be).
    #[arg(long, value_name = "STORE")]
    pub to: String,
}

/// Run one server of a Binary Star pair: a high-availability Majordomo broker (or echo).
///
/// Start one with --primary and the other with --backup; each publishes its state on
/// --state-bind every --peer-heartbeat and listens to the other's on --state-connect. The
/// primary goes active when it hears the backup (or, alone, when a client asks after two
/// silent peer heartbeats); the backup goes passive. The passive server drops all client and
/// worker traffic, so clients and workers given both frontends (--broker A --broker B) talk to
/// the active one. When the active one dies, the passive one takes over as soon as a client
/// or worker asks and the peer has been silent for two heartbeats. There is no automatic
/// fail-back: a restarted server finds its peer active and becomes passive. Two actives or two
/// passives (split brain) stop the server with exit code 1.
///
/// Defaults: primary frontend tcp://127.0.0.1:5001, state tcp://127.0.0.1:5003, peer state
/// tcp://127.0.0.1:5004; backup 5002, 5004, 5003.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(group(clap::ArgGroup::new("role").required(true).args(["primary", "backup"])))]
pub struct BstarArgs {
    #[command(subcommand)]
    pub command: Option<BstarCommand>,
    /// Be the primary server of the pair.
    #[arg(long)]
    pub primary: bool,
    /// Be the backup server of the pair.
    #[arg(long)]
    pub backup: bool,
    /// Endpoint clients and workers connect to.
    #[arg(long, value_name = "EP")]
    pub frontend: Option<String>,
    /// Endpoint this server publishes its state on.
    #[arg(long, value_name = "EP")]
    pub state_bind: Option<String>,
    /// The peer's state endpoint.
    #[arg(long, value_name = "EP")]
    pub state_connect: Option<String>,
    /// Interval of the state exchange; the peer is dead after two silent intervals.
    #[arg(long, value_name = "DUR", default_value = "1s", value_parser = parse_interval)]
    pub peer_heartbeat: Duration,
    /// Answer every request with itself (the reference example server), instead of hosting
    /// the Majordomo broker.
    #[arg(long)]
    pub echo: bool,
    /// Run `sh -c CMD` on each state change, with ZMQTOOL_BSTAR_STATE (primary, backup,
    /// active, passive) and ZMQTOOL_BSTAR_PREVIOUS set.
    #[arg(long, value_name = "CMD")]
    pub on_change: Option<String>,
    #[command(flatten)]
    pub access: AccessArgs,
    #[command(flatten)]
    pub broker: BrokerOpts,
}

#[derive(Debug, Subcommand)]
pub enum BstarCommand {
    Status(BstarStatusArgs),
}

/// Print the state a Binary Star server publishes: primary, backup, active or passive.
///
/// EP is the server's state endpoint (its --state-bind). Exit 0 with the state, or 3 when
/// nothing is heard within --wait. A server with --curve-secret publishes with CURVE: give
/// its public key (--curve-server-key), and with --curve-allow a listed certificate.
#[derive(Debug, Args)]
pub struct BstarStatusArgs {
    /// The server's state endpoint.
    pub endpoint: String,
    /// How long to listen.
    #[arg(long, value_name = "DUR", default_value = "3s", value_parser = parse_interval)]
    pub wait: Duration,
    // A server with --curve-secret publishes its state with CURVE: give its public key.
    #[command(flatten)]
    pub curve: CurveClientArgs,
}

/// Load-test a Majordomo broker and service, with latency percentiles.
///
/// Without --broker it starts a broker and --workers echo workers in this process, on
/// loopback, so `zmqtool bench` alone measures this machine. With --broker it drives a real
/// broker, whose SERVICE must echo (every reply is checked against its request, byte for
/// byte; a wrong or missing reply is counted as an error or a timeout).
///
/// Closed model (default): --concurrency clients, each keeping --pipeline requests in flight.
/// Open model (--rate): requests are sent at a fixed rate whatever the replies do, and latency
/// is counted from each request's intended send time, so a stall is not hidden
/// (coordinated-omission corrected).
///
/// The report: requests, errors, timeouts, elapsed, throughput, latency p50/p90/p99/p99.9/max
/// (HdrHistogram) and a text histogram; with --json one object with the same fields.
/// --threshold makes it a check: exit 7 when a rule is broken.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Service to call.
    #[arg(default_value = "echo")]
    pub service: String,
    /// Broker to drive; without it, an embedded broker and echo workers are started.
    /// Several (repeated or comma-separated) need --spread.
    #[arg(long, value_name = "EP", env = "ZMQTOOL_BROKER", value_delimiter = ',')]
    pub broker: Vec<String>,
    /// With several --broker: drive them all at once, the clients (--concurrency, at least
    /// one per broker) shared out over the list in turn; the report gives the total and each
    /// broker's share (--json: "brokers", one object per broker). For brokers side by side,
    /// each with its own workers, not a Binary Star pair (its passive server answers nothing).
    #[arg(long, requires = "broker")]
    pub spread: bool,
    /// Authenticate with the PLAIN mechanism as USER:PASSWORD (with --broker).
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "ZMQTOOL_PLAIN",
        hide_env_values = true,
        requires = "broker",
        conflicts_with = "curve_server_key"
    )]
    pub plain: Option<Credentials>,
    #[command(flatten)]
    pub curve: CurveClientArgs,
    /// Stop after this many requests (after the warmup).
    #[arg(long, value_name = "N", conflicts_with = "duration", value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,
    /// Measure for this long (after the warmup). Default: 5s.
    #[arg(long, value_name = "DUR", value_parser = parse_interval)]
    pub duration: Option<Duration>,
    /// Run the load this long first, without recording.
    #[arg(long, value_name = "DUR", default_value = "1s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Clients, each with its own connection (all driven from one thread). At most 1000:
    /// libzmq opens at most 1,023 sockets in one context, and every client is one.
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub concurrency: u64,
    /// Requests in flight per client (with --rate: the most in flight per client).
    #[arg(long, value_name = "W", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub pipeline: u64,
    /// Request body size in bytes (at least 8: each body starts with its request id; the rest
    /// is random). Suffixes: K, M.
    #[arg(long, value_name = "BYTES", default_value = "64", value_parser = parse_size)]
    pub size: u64,
    /// Open model: send this many requests per second in all, whatever the replies do.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Echo workers of the embedded broker.
    #[arg(long, value_name = "N", default_value_t = 1, conflicts_with = "broker",
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub workers: u64,
    /// Each embedded worker holds up to N requests at once (`worker --credit`); 1 is plain
    /// MDP, one round trip to the broker per request.
    #[arg(long, value_name = "N", default_value_t = 1, conflicts_with = "broker",
          value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub credit: u32,
    /// A request with no reply after this long counts as a timeout.
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_interval)]
    pub timeout: Duration,
    /// A rule the run must meet, e.g. 'p99<5ms', 'errors==0', 'throughput>=20000'
    /// (metrics: p50 p90 p99 p99.9 max throughput errors timeouts); exit 7 if one is broken.
    #[arg(long, value_name = "RULE", value_parser = parse_threshold)]
    pub threshold: Vec<crate::bench::report::Threshold>,
    /// Protocol version of the clients: 0.1 or 0.2.
    #[arg(long, value_name = "VERSION", default_value = "0.1", value_parser = crate::worker::parse_version)]
    pub protocol: Version,
    /// Drive the raw baseline instead of the broker: a ROUTER-DEALER zmq_proxy with REP echo
    /// workers behind it (MDP/0.1 requests come back unchanged, a valid reply).
    #[arg(long, conflicts_with_all = ["broker", "compare"])]
    pub proxy: bool,
    /// Run the same load against the embedded broker, then the lean MDP broker (the floor for
    /// any MDP broker on libzmq: zero-copy forwarding, routing only, the same echo workers),
    /// then the raw proxy, and report the broker's throughput and latency as ratios of each.
    #[arg(long, conflicts_with = "broker")]
    pub compare: bool,
    /// How replies are checked. echo: each must be exactly its request (an echo service).
    /// none: any well-formed reply from SERVICE counts, for services that do not echo;
    /// replies are then matched to requests in sending order, so with several workers
    /// answering out of order the latency figures are approximate (exact with --pipeline 1).
    #[arg(long, value_enum, default_value = "echo")]
    pub check: BenchCheck,
    /// Stamp each request (a random client id for the run, the request's number as its key),
    /// as `client --stamp` does: against a `worker --dedup`, this measures what recording
    /// each request and its reply costs. The echo check takes the worker's outcome frame off.
    #[arg(long)]
    pub stamp: bool,
    /// Who speaks ZMTP for the clients. direct: the clients' own thread reads and writes
    /// their TCP or IPC connections (NULL mechanism only), so the load generator costs less
    /// than what it measures. libzmq: libzmq DEALER sockets, each message handed to libzmq's
    /// I/O thread and back. auto: direct unless --curve or --plain is given.
    #[arg(long, value_enum, default_value = "auto")]
    pub engine: EngineChoice,
}

/// `--engine`: who speaks ZMTP for a command's DEALER connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// direct where it can serve, else libzmq.
    Auto,
    /// ZMTP on the command's own thread: tcp:// or ipc://, NULL mechanism.
    Direct,
    /// libzmq sockets: any endpoint and mechanism.
    Libzmq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchCheck {
    /// Every reply must be exactly its request.
    Echo,
    /// Only the shape of the reply is checked.
    None,
}

/// Raw socket throughput and latency, as libzmq's perf tools measure them.
///
/// thr: a PUSH socket sends --count messages of --size bytes to a PULL socket, which reports
/// (local_thr / remote_thr). lat: a REQ socket sends --count round trips to a REP echo, and
/// reports the average one-way latency (local_lat / remote_lat), plus percentiles.
/// --bind runs the receiving/echoing end, --connect the sending end, as two processes; with
/// neither, both ends run in this process over loopback TCP.
#[derive(Debug, Args)]
pub struct PerfArgs {
    /// What to measure: thr (throughput) or lat (latency).
    #[arg(value_enum)]
    pub test: PerfTest,
    /// Run the receiving end (thr: prints the report) or the echo end (lat) on this endpoint.
    #[arg(long, value_name = "EP", conflicts_with = "connect")]
    pub bind: Option<String>,
    /// Run the sending end (lat: prints the report) against this endpoint.
    #[arg(long, value_name = "EP")]
    pub connect: Option<String>,
    /// Message size in bytes. Suffixes: K, M.
    #[arg(long, value_name = "BYTES", default_value = "100", value_parser = parse_size)]
    pub size: u64,
    /// Messages (thr, default 1000000) or round trips (lat, default 10000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Encrypt with CURVE, as libzmq's perf tools can. In one process both ends do; with
    /// --bind a keypair is made and its public key printed on stderr, for the other end's
    /// --curve-server-key.
    #[arg(long, conflicts_with = "curve_server_key")]
    pub curve: bool,
    /// With --connect: encrypt with CURVE to the --bind end with this public key (Z85, as
    /// it printed it, or a certificate file).
    #[arg(long, value_name = "KEY|FILE", requires = "connect")]
    pub curve_server_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PerfTest {
    /// Throughput: messages per second and megabits per second.
    Thr,
    /// Latency: microseconds one way.
    Lat,
}

/// A time limit that may be switched off (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound(pub Option<Duration>);

/// Parses a duration, or `off`.
fn parse_busy_timeout(s: &str) -> Result<Bound, String> {
    match s {
        "off" | "none" | "never" => Ok(Bound(None)),
        other => parse_interval(other).map(|d| Bound(Some(d))),
    }
}

/// Parses `--head-start`: a duration (zero races every broker at once), or `off`.
fn parse_head_start(s: &str) -> Result<Bound, String> {
    match s {
        "off" | "none" | "never" => Ok(Bound(None)),
        other => parse_duration(other).map(|d| Bound(Some(d))),
    }
}

/// Parses `bench --rate`: a finite number of requests per second, above zero.
fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of requests per second"))?;
    if !rate.is_finite() || rate <= 0.0 {
        return Err(format!(
            "the rate must be above 0 requests per second, got {s}"
        ));
    }
    Ok(rate)
}

/// Parses `--protocol` for workers and clients.
fn parse_form(s: &str) -> Result<Form, String> {
    s.parse()
}

fn parse_threshold(s: &str) -> Result<crate::bench::report::Threshold, String> {
    s.parse()
}

/// Make a CURVE keypair: print both keys in Z85, or write CZMQ certificate files.
///
/// With --out PATH: PATH is the public certificate (give it to the peers that must know this
/// key: clients use a server's with --curve-server-key, a server lists clients' in its
/// --curve-allow directory) and PATH_secret the secret one (mode 0600; the owner's
/// --curve-secret). Files are in CZMQ's zcert format, so CZMQ tools read them and zmqtool
/// reads theirs. Existing files are never overwritten.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the certificate to PATH and the secret certificate to PATH_secret.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Health checks for monitoring systems: Nagios/Icinga/Sensu plugins, Docker and Kubernetes
/// probes, Consul scripts, Prometheus.
///
/// Each KIND asks its servers within --timeout and ends with one status: OK, WARNING,
/// CRITICAL or UNKNOWN. No answer, a malformed answer, an answer from something that is not
/// the server asked for: CRITICAL. UNKNOWN: the check could not be made (a certificate that
/// cannot be read, a broker that reports only part of what a threshold needs).
///
/// Thresholds use the monitoring plugins' ranges: N alerts outside 0..N, N: below N, ~:N
/// above N, A:B outside A..B, @A:B inside A..B (ends included). Time ranges are durations
/// (--warn 250ms, --crit 1s:); count ranges are numbers (--crit-workers 2:).
///
/// Exit codes (--exit): nagios (default, whatever the --format) 0 OK, 1 WARNING, 2 CRITICAL,
/// 3 UNKNOWN, which Consul reads as passing, warning and critical; probe 0 healthy (OK or
/// WARNING), 1 otherwise, for Docker HEALTHCHECK and Kubernetes exec probes. A usage error
/// is exit 2 either way.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(subcommand)]
    pub kind: CheckKind,
}

#[derive(Debug, Subcommand)]
pub enum CheckKind {
    Broker(CheckBrokerArgs),
    Service(CheckServiceArgs),
    Titanic(CheckTitanicArgs),
    Bstar(CheckBstarArgs),
}

/// How a check reports, and how long it may take.
#[derive(Debug, Args, Clone)]
pub struct CheckOutput {
    /// Output: text (a short summary), nagios (`KIND STATUS: text | perfdata`), json (one
    /// object: status, checks, metrics and thresholds; the same as --json), prometheus (text
    /// exposition: zmqtool_check_up, zmqtool_check_status, probe_success,
    /// probe_duration_seconds, and zmqtool_check_NAME per metric).
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::check::Format,
    /// Exit codes: nagios (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) or probe (0 healthy: OK
    /// or WARNING; 1 otherwise).
    #[arg(long, value_enum, default_value = "nagios")]
    pub exit: crate::check::ExitMapping,
    /// The longest the whole check may take; what has not answered by then is CRITICAL.
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_interval)]
    pub timeout: Duration,
}

/// Round-trip thresholds.
#[derive(Debug, Args, Clone)]
pub struct RttThresholds {
    /// WARNING when the round trip is out of this range of durations (e.g. 250ms).
    #[arg(long, value_name = "RANGE", value_parser = parse_time_range, allow_hyphen_values = true)]
    pub warn: Option<crate::check::Range>,
    /// CRITICAL when the round trip is out of this range of durations (e.g. 1s).
    #[arg(long, value_name = "RANGE", value_parser = parse_time_range, allow_hyphen_values = true)]
    pub crit: Option<crate::check::Range>,
}

/// Queue thresholds.
#[derive(Debug, Args, Clone)]
pub struct QueueThresholds {
    /// WARNING when the number of queued requests is out of this range (e.g. 100).
    #[arg(long, value_name = "RANGE", value_parser = parse_count_range, allow_hyphen_values = true)]
    pub warn_queue: Option<crate::check::Range>,
    /// CRITICAL when the number of queued requests is out of this range (e.g. 1000).
    #[arg(long, value_name = "RANGE", value_parser = parse_count_range, allow_hyphen_values = true)]
    pub crit_queue: Option<crate::check::Range>,
}

/// Worker-count thresholds.
#[derive(Debug, Args, Clone)]
pub struct WorkerThresholds {
    /// WARNING when the number of workers is out of this range (e.g. 2: for fewer than 2).
    #[arg(long, value_name = "RANGE", value_parser = parse_count_range, allow_hyphen_values = true)]
    pub warn_workers: Option<crate::check::Range>,
    /// CRITICAL when the number of workers is out of this range (e.g. 1:).
    #[arg(long, value_name = "RANGE", value_parser = parse_count_range, allow_hyphen_values = true)]
    pub crit_workers: Option<crate::check::Range>,
}

/// The broker answers MMI within --timeout: its round trip, services, workers, queued
/// requests and heartbeat mismatches.
///
/// Asks mmi.stats (a zmqtool broker); a broker that answers it with 501 is asked
/// mmi.workers, then mmi.service (the zguide's brokers), and reports what it can. With
/// --protocol majortomo (majortomo's broker has no MMI) the check is the ZMTP handshake
/// alone. WARNING when the broker counted heartbeat mismatches (a worker whose --heartbeat
/// differs from the broker's: workers that disappear every few seconds). Metrics: rtt,
/// services, workers, queued, heartbeat_mismatches.
#[derive(Debug, Args)]
pub struct CheckBrokerArgs {
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Protocol of the questions: 0.1, 0.2 or majortomo.
    #[arg(long, value_name = "VERSION", default_value = "0.1", value_parser = parse_form)]
    pub protocol: Form,
    #[command(flatten)]
    pub rtt: RttThresholds,
    #[command(flatten)]
    pub workers: WorkerThresholds,
    #[command(flatten)]
    pub queue: QueueThresholds,
    #[command(flatten)]
    pub output: CheckOutput,
}

/// SERVICE has at least --min-workers workers, its queue is at most --max-queue, and with
/// --request a real request is answered (matching --expect) within the thresholds.
///
/// The worker and queue counts come from mmi.stats, mmi.workers or mmi.service, whichever
/// the broker answers (from mmi.service only presence is known: 404 is 0 workers, 200 at
/// least 1). --warn/--crit judge the round trip of --request when given, else the MMI
/// question's. With --protocol majortomo (no MMI there) --request is required, and an
/// answer proves one worker. Metrics: rtt, workers, queued, heartbeat_mismatches.
#[derive(Debug, Args)]
pub struct CheckServiceArgs {
    /// The service to check.
    pub service: String,
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Protocol of the questions and the request: 0.1, 0.2 or majortomo.
    #[arg(long, value_name = "VERSION", default_value = "0.1", value_parser = parse_form)]
    pub protocol: Form,
    /// CRITICAL with fewer workers than this (the same as --crit-workers N:).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        conflicts_with = "crit_workers"
    )]
    pub min_workers: u64,
    /// CRITICAL when more than N requests wait (the same as --crit-queue N).
    #[arg(long, value_name = "N", conflicts_with = "crit_queue")]
    pub max_queue: Option<u64>,
    /// Send a real request to the service, one frame per value (the frames end at the next
    /// option), and time its reply.
    #[arg(long, value_name = "FRAME", num_args = 1..)]
    pub request: Option<Vec<String>>,
    /// With --request: CRITICAL unless the reply (its frames joined by newlines, as text)
    /// matches this regular expression.
    #[arg(long, value_name = "REGEX", requires = "request", value_parser = parse_regex)]
    pub expect: Option<regex::Regex>,
    #[command(flatten)]
    pub rtt: RttThresholds,
    #[command(flatten)]
    pub workers: WorkerThresholds,
    #[command(flatten)]
    pub queue: QueueThresholds,
    #[command(flatten)]
    pub output: CheckOutput,
}

/// The Titanic services have workers, and a request/reply/close round trip completes.
///
/// Asks mmi.service for titanic.request, titanic.reply and titanic.close, reads the
/// server's pending requests and the oldest one's age from titanic.stats (a zmqtool Titanic
/// server), then stores a request, reads its reply and closes it. With --service the request
/// goes to that service and its reply must come within --timeout; without, the request is
/// for a service nobody serves and a pending answer (300) completes the round trip (the
/// store writes, reads and deletes). --warn/--crit judge the round trip, --warn-queue and
/// --crit-queue the pending requests, --warn-age and --crit-age the oldest one's age.
/// Metrics: rtt, pending, oldest_pending.
#[derive(Debug, Args)]
pub struct CheckTitanicArgs {
    #[command(flatten)]
    pub brokers: BrokerList,
    /// Send the round trip's request to this service (it must answer).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// With --service: the request's frames (default: one frame, "zmqtool check").
    #[arg(long, value_name = "FRAME", num_args = 1.., requires = "service")]
    pub request: Option<Vec<String>>,
    #[command(flatten)]
    pub rtt: RttThresholds,
    #[command(flatten)]
    pub queue: QueueThresholds,
    /// WARNING when the oldest pending request's age is out of this range (e.g. 10m).
    #[arg(long, value_name = "RANGE", value_parser = parse_time_range, allow_hyphen_values = true)]
    pub warn_age: Option<crate::check::Range>,
    /// CRITICAL when the oldest pending request's age is out of this range (e.g. 1h).
    #[arg(long, value_name = "RANGE", value_parser = parse_time_range, allow_hyphen_values = true)]
    pub crit_age: Option<crate::check::Range>,
    #[command(flatten)]
    pub output: CheckOutput,
}

/// Exactly one server of a Binary Star pair is active and the other passive.
///
/// EP EP are the two servers' state endpoints (their --state-bind), read as `bstar status`
/// reads them, both at once. OK: one active, one passive. WARNING: one active and the other
/// silent or still starting (no standby). CRITICAL: two actives (split brain), or none.
/// Metrics: active (servers that say they are active).
#[derive(Debug, Args)]
pub struct CheckBstarArgs {
    /// The two servers' state endpoints.
    #[arg(value_name = "STATE-EP", num_args = 2, required = true)]
    pub endpoints: Vec<String>,
    // A server with --curve-secret publishes its state with CURVE: give its public key.
    #[command(flatten)]
    pub curve: CurveClientArgs,
    #[command(flatten)]
    pub output: CheckOutput,
}

/// A range of durations (`250ms`, `1s:`, `@1s:2s`).
fn parse_time_range(s: &str) -> Result<crate::check::Range, String> {
    crate::check::Range::parse_duration(s).map_err(|e| e.to_string())
}

/// A range of counts (`10`, `2:`, `~:100`).
fn parse_count_range(s: &str) -> Result<crate::check::Range, String> {
    crate::check::Range::parse_number(s).map_err(|e| e.to_string())
}

fn parse_regex(s: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| e.to_string())
}

/// Print a shell completion script, or write all of them to a directory.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to print the script for.
    #[arg(required_unless_present = "dir")]
    pub shell: Option<clap_complete::Shell>,
    /// Write the scripts for every shell into DIR instead (what fills completions/).
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub dir: Option<PathBuf>,
}

/// Write man pages, one per subcommand, into DIR (what fills man/).
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory to write zmqtool.1, zmqtool-broker.1, ... into (created if missing).
    pub dir: PathBuf,
}

/// A duration like 250ms, 2.5s or 1m.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (durations look like 250ms, 2.5s, 1m)"))
}

/// A duration that must be more than zero.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(d)
}

/// A byte count with an optional K, M or G suffix (powers of 1024; KiB, MB etc. accepted).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size (sizes look like 512, 64K, 16M)"))?;
    let shift = match suffix.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        other => return Err(format!("unknown size suffix {other:?} (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// The command line with what the derive cannot say: each subcommand's examples (the end
/// of its `--help`, and its man page's EXAMPLES), and the titanic reply/close descriptions
/// (they share their flags, not their purpose). Parse with this, not `Cli::command()`.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    for (path, _) in EXAMPLES {
        cmd = with_examples(cmd, path);
    }
    cmd.mut_subcommand("titanic", |t| {
        t.mut_subcommand("reply", |s| {
            s.about("Print the reply to a stored request").long_about(
                "Print the reply to a stored request: exit 0 with the reply (it can be read \
                     again), 6 while it is pending (300), 4 if the id is unknown (400), 1 on a \
                     Titanic error (500). The request stays stored until `titanic close`.",
            )
        })
        .mut_subcommand("close", |s| {
            s.about("Delete a stored request and its reply").long_about(
                "Delete a stored request and its reply (Titanic answers 200, also for an \
                     id it does not know, so closing twice is fine). Exit 0.",
            )
        })
    })
}

/// Parses the process's arguments (exits with the usage message on an error).
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    let matches = command().try_get_matches().unwrap_or_else(|e| exit_on(e));
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit_on(e))
}

/// Ends the process for a clap error as clap does (help and version on stdout, exit 0; a
/// usage error on stderr, exit 2). With `--json` on the command line a usage error is also
/// `{"error": ..., "exit": 2}` on stdout, as every other outcome in JSON mode is.
pub fn exit_on(error: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let usage = !matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if usage && json_requested(std::env::args_os().skip(1)) {
        let object = serde_json::json!({ "error": usage_message(&error), "exit": 2 });
        println!("{object}");
    }
    error.exit()
}

/// True when `--json` is among `args` (before a `--`, after which everything is a value).
fn json_requested(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    args.take_while(|a| a != "--").any(|a| a == "--json")
}

/// The message of a usage error without clap's "error: " and the usage lines after it.
fn usage_message(error: &clap::Error) -> String {
    if error.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a subcommand is required (see --help)".to_string();
    }
    let text = error.render().to_string();
    let first = text.split("\n\n").next().unwrap_or(&text).trim();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

fn with_examples(cmd: clap::Command, path: &str) -> clap::Command {
    let text = format!(
        "Examples:\n{}",
        examples(path)
            .join("\n")
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    match path.split_once(' ') {
        Some((parent, child)) => {
            let child = child.to_string();
            cmd.mut_subcommand(parent, move |p| {
                p.mut_subcommand(child, |c| c.after_help(text))
            })
        }
        None => cmd.mut_subcommand(path, |c| c.after_help(text)),
    }
}

/// The examples of a subcommand (`"titanic call"` for a nested one).
pub fn examples(path: &str) -> &'static [&'static str] {
    EXAMPLES
        .iter()
        .find(|(p, _)| *p == path)
        .map_or(&[], |(_, e)| *e)
}

/// Real command lines, 3 to 6 a subcommand.
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "broker",
        &[
            "zmqtool broker                                  # tcp://127.0.0.1:5555",
            "zmqtool broker --bind tcp://0.0.0.0:5555 --allow 10.0.0.0/8 -v",
            "zmqtool broker --curve-secret broker_secret --curve-allow clients/",
            "zmqtool broker --heartbeat 1s --busy-timeout 10m --max-queue 10000",
        ],
    ),
    (
        "worker",
        &[
            "zmqtool worker echo                             # echo every request",
            "zmqtool worker upper --exec 'tr a-z A-Z' --concurrency 4",
            "zmqtool worker upper --filter \"sed -u 's/.*/\\U&/'\"   # one process per session",
            "zmqtool worker echo --broker tcp://A:5001 --broker tcp://B:5002   # a Binary Star pair",
            "zmqtool worker echo --broker tcp://a:5555 --broker tcp://b:5555 --all-brokers   # on both",
            "zmqtool worker pay --exec ./pay.sh --dedup /var/lib/zmqtool/pay.db  # stamped: once",
        ],
    ),
    (
        "client",
        &[
            "zmqtool client echo hello world                 # one frame per argument",
            "zmqtool client resize - < photo.jpg > small.jpg --raw",
            "seq 1000 | zmqtool client upper --lines --pipeline 32",
            "zmqtool client echo hi --fail-fast             # exit 4 at once if no worker",
            "zmqtool client pay order-42 --client-id shop --request-id order-42  # runs once",
            "ZMQTOOL_CLIENT_ID=nightly zmqtool client pay --lines < orders.txt  # keys: line numbers",
        ],
    ),
    (
        "stats",
        &[
            "zmqtool stats                                   # uptime, counters, per service",
            "zmqtool stats --watch 2s                        # refresh every 2 s",
            "zmqtool --json stats | jq '.services[] | {name, p99: .latency_us.p99}'",
            "zmqtool stats --broker tcp://a:5555 --broker tcp://b:5555 --all-brokers   # summed",
            "zmqtool broker --metrics-bind 127.0.0.1:9464    # the same for Prometheus",
        ],
    ),
    (
        "top",
        &[
            "zmqtool top                                     # tcp://127.0.0.1:5555, every 1 s",
            "zmqtool top --broker tcp://broker:5555 --interval 500ms",
            "zmqtool top --broker tcp://a:5555,tcp://b:5555  # a Binary Star pair",
        ],
    ),
    (
        "mmi",
        &[
            "zmqtool mmi                                     # services, workers, queues",
            "zmqtool mmi echo && echo up                     # exit 0: it has workers, 4: not",
            "until zmqtool mmi echo --timeout 500ms --retries 1 >/dev/null; do sleep 1; done",
            "zmqtool --json mmi",
            "zmqtool mmi --broker tcp://a:5555 --broker tcp://b:5555 --all-brokers   # merged",
        ],
    ),
    (
        "titanic serve",
        &[
            "zmqtool titanic serve --store /var/lib/zmqtool/titanic.db",
            "zmqtool titanic serve --broker tcp://a:5555 --broker tcp://b:5555 --all-brokers",
            "zmqtool titanic serve --store postgres://titanic@db.example/titanic   # on every machine",
            "PGHOST=db.example PGUSER=titanic zmqtool titanic serve --store postgres:",
            "zmqtool titanic serve --store memory:   # fast, lost at exit",
            "ZMQTOOL_TITANIC_STORE=/tmp/t.db zmqtool titanic serve -v",
        ],
    ),
    (
        "titanic request",
        &[
            "UUID=$(zmqtool titanic request resize - < photo.jpg)",
            "seq 1000 | zmqtool titanic request jobs --lines --pipeline 16 > ids.txt",
            "zmqtool --json titanic request echo hi",
        ],
    ),
    (
        "titanic reply",
        &[
            "zmqtool titanic reply \"$UUID\" > small.jpg     # exit 6 while pending",
            "until zmqtool titanic reply \"$UUID\"; do sleep 5; done",
            "zmqtool --json titanic reply \"$UUID\"",
        ],
    ),
    (
        "titanic close",
        &[
            "zmqtool titanic close \"$UUID\"",
            "xargs -n1 zmqtool titanic close < ids.txt",
            "zmqtool --json titanic close \"$UUID\"",
        ],
    ),
    (
        "titanic call",
        &[
            "zmqtool titanic call resize - < photo.jpg > small.jpg",
            "zmqtool titanic call report monthly --wait 1h --poll 5s",
            "zmqtool --json titanic call echo hi",
        ],
    ),
    (
        "titanic ls",
        &[
            "zmqtool titanic ls --store /var/lib/zmqtool/titanic.db",
            "zmqtool --json titanic ls | jq -r 'select(.state == \"pending\") | .uuid'",
            "zmqtool titanic ls | grep replied | wc -l",
            "zmqtool titanic ls --store 'postgresql://titanic@db.example/titanic?sslmode=verify-full'",
        ],
    ),
    (
        "titanic migrate",
        &[
            "zmqtool titanic migrate --from titanic.db --to postgres://titanic@db.example/titanic",
            "zmqtool --json titanic migrate --from titanic.db --to 'host=db.example dbname=titanic'",
        ],
    ),
    (
        "bstar",
        &[
            "zmqtool bstar --primary --frontend tcp://0.0.0.0:5001 --state-bind tcp://0.0.0.0:5003 --state-connect tcp://B:5004",
            "zmqtool bstar --backup --frontend tcp://0.0.0.0:5002 --state-bind tcp://0.0.0.0:5004 --state-connect tcp://A:5003",
            "zmqtool bstar --primary --echo --on-change 'logger bstar $ZMQTOOL_BSTAR_STATE' ...",
            "zmqtool bstar status tcp://A:5003 --wait 5s",
        ],
    ),
    (
        "bench",
        &[
            "zmqtool bench                                   # embedded broker + 1 echo worker, 5 s",
            "zmqtool bench --compare --workers 2             # against the lean MDP broker and a raw proxy",
            "zmqtool bench echo --broker tcp://prod:5555 --rate 2000 --duration 1m",
            "zmqtool bench --requests 100000 --threshold 'p99<5ms' --threshold 'throughput>20k'",
            "zmqtool --json bench | jq .latency_us.p99",
        ],
    ),
    (
        "perf",
        &[
            "zmqtool perf thr                                # both ends in one process",
            "zmqtool perf thr --bind tcp://0.0.0.0:6000 --size 100 --count 5000000",
            "zmqtool perf thr --connect tcp://A:6000 --size 100 --count 5000000",
            "zmqtool --json perf lat --size 64 --count 20000",
            "zmqtool perf thr --curve                         # the cost of CURVE",
        ],
    ),
    (
        "keygen",
        &[
            "zmqtool keygen --out /etc/zmqtool/broker        # broker + broker_secret (0600)",
            "zmqtool keygen --out ~/.curve/ann",
            "zmqtool --json keygen",
        ],
    ),
    (
        "check broker",
        &[
            "zmqtool check broker --broker tcp://broker:5555 --warn 100ms --crit 1s",
            "zmqtool check broker --format nagios --timeout 3s      # Nagios, Icinga, Sensu",
            "zmqtool check broker --exit probe --timeout 2s         # Docker, Kubernetes",
            "zmqtool check broker --format prometheus > /var/lib/node_exporter/zmqtool.prom",
        ],
    ),
    (
        "check service",
        &[
            "zmqtool check service echo --min-workers 2 --max-queue 100",
            "zmqtool check service echo --request ping --expect '^ping$' --warn 50ms --crit 500ms",
            "zmqtool check service echo --warn-workers 4: --crit-workers 1: --format nagios",
            "zmqtool check service echo --protocol majortomo --request ping   # majortomo's broker",
        ],
    ),
    (
        "check titanic",
        &[
            "zmqtool check titanic                            # services up, store round trip",
            "zmqtool check titanic --service echo --crit 2s --warn-age 10m --crit-age 1h",
            "zmqtool check titanic --crit-queue 10000 --format json",
        ],
    ),
    (
        "check bstar",
        &[
            "zmqtool check bstar tcp://A:5003 tcp://B:5004",
            "zmqtool check bstar tcp://A:5003 tcp://B:5004 --format nagios --timeout 3s",
            "zmqtool check bstar tcp://A:5003 tcp://B:5004 --curve-server-key pair.pub",
        ],
    ),
    (
        "completions",
        &[
            "zmqtool completions bash > ~/.local/share/bash-completion/completions/zmqtool",
            "zmqtool completions zsh > ~/.zfunc/_zmqtool",
            "zmqtool completions --dir completions           # every shell",
        ],
    ),
    (
        "man",
        &[
            "zmqtool man ~/.local/share/man/man1 && man zmqtool-broker",
            "zmqtool man man",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn json_is_seen_before_a_double_dash_only() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(json_requested(args(&["worker", "", "--json"]).into_iter()));
        assert!(!json_requested(
            args(&["client", "x", "--", "--json"]).into_iter()
        ));
        assert!(!json_requested(args(&["client", "--jsonx"]).into_iter()));
    }

    #[test]
    fn usage_messages_lose_the_prefix_and_the_usage_lines() {
        let error = command()
            .try_get_matches_from(["zmqtool", "broker", "--heartbeat", "soon"])
            .unwrap_err();
        let message = usage_message(&error);
        assert!(message.starts_with("invalid value 'soon'"), "{message}");
        assert!(!message.contains("Usage:"), "{message}");
    }

    #[test]
    fn zero_intervals_are_refused() {
        assert!(parse_interval("0s").is_err());
        assert_eq!(parse_interval("250ms"), Ok(Duration::from_millis(250)));
    }
}
