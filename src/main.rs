//! The `zmqtool` binary: parse the command line, run the command, map the outcome to an
//! exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;
use zmqtool::cli::Cli;
use zmqtool::runtime::{Exit, exit_code_of};

fn main() -> ExitCode {
    let cli = Cli::parse();
    zmqtool::output::init(cli.command.name(), cli.global.quiet, cli.global.verbose);
    match zmqtool::cmd::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) if is_broken_pipe(&err) => Exit::Success.into(),
        Err(err) => {
            eprintln!("zmqtool: {err:#}");
            exit_code_of(&err).into()
        }
    }
}

/// A closed stdout (`zmqtool client ... | head -1`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
