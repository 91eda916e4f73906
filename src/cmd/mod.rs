//! One function per subcommand: turn parsed flags into library calls and an exit code.

mod across;
mod bench;
mod broker;
mod bstar;
mod check;
mod client;
mod docs;
mod keygen;
pub mod logger;
mod mmi;
mod perf;
pub mod render;
mod stats;
mod titanic;
mod top;
mod worker;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::client::CallError;
use crate::runtime::{Exit, Fatal, Interrupted};

pub use docs::{completion_files, man_pages};

/// Runs the command line.
pub fn run(cli: Cli) -> Result<Exit> {
    let json = cli.global.json;
    match cli.command {
        Command::Broker(args) => broker::run(args),
        Command::Worker(args) => worker::run(args),
        Command::Client(args) => client::run(args, json),
        Command::Mmi(args) => mmi::run(args, json),
        Command::Stats(args) => stats::run(args, json),
        Command::Top(args) => top::run(args, json),
        Command::Titanic(args) => titanic::run(args.command, json),
        Command::Bstar(args) => bstar::run(args, json),
        Command::Bench(args) => bench::run(args, json),
        Command::Perf(args) => perf::run(args, json),
        Command::Keygen(args) => keygen::run(args, json),
        Command::Check(args) => check::run(args, json),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    }
}

/// The exit code an error ends the process with: the one mapping from errors to exit codes.
pub fn exit_code_of(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(fatal) = cause.downcast_ref::<Fatal>() {
            return fatal.exit;
        }
        if cause.is::<Interrupted>() {
            return Exit::Interrupted;
        }
        match cause.downcast_ref::<CallError>() {
            Some(CallError::Timeout { .. }) => return Exit::Timeout,
            Some(CallError::Interrupted) => return Exit::Interrupted,
            _ => {}
        }
    }
    Exit::Failure
}

/// True when `--json` output already holds this failure's outcome.
pub fn shown_on_stdout(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|cause| cause.downcast_ref::<Fatal>().is_some_and(|f| f.shown))
}

/// A zmq context for a command.
pub(crate) fn context() -> crate::transport::Context {
    crate::transport::Context::new()
}

/// Ends the process with a usage error (exit 2), for rules clap cannot express.
/// `--engine` resolved: auto is direct unless `refused` says why it cannot serve; direct where
/// it cannot is a usage error that says why.
pub(crate) fn choose_engine(
    asked: crate::cli::EngineChoice,
    refused: Option<String>,
) -> crate::transport::Engine {
    use crate::cli::EngineChoice;
    use crate::transport::Engine;
    match (asked, refused) {
        (EngineChoice::Libzmq, _) | (EngineChoice::Auto, Some(_)) => Engine::Libzmq,
        (EngineChoice::Auto | EngineChoice::Direct, None) => Engine::Direct,
        (EngineChoice::Direct, Some(why)) => usage_error(&format!(
            "--engine direct cannot serve this: {why}; use --engine libzmq (or auto)"
        )),
    }
}

pub(crate) fn usage_error(message: &str) -> ! {
    crate::cli::exit_on(
        crate::cli::command().error(clap::error::ErrorKind::ArgumentConflict, message),
    )
}
