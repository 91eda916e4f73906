//! The `zmqtool` binary: parse the command line, run the command, map the outcome to an
//! exit code. Everything else lives in the library.

use std::process::ExitCode;

use zmqtool::cmd::{exit_code_of, shown_on_stdout};
use zmqtool::runtime::Exit;

fn main() -> ExitCode {
    let cli = zmqtool::cli::parse();
    zmqtool::cmd::logger::init(cli.command.name(), cli.global.quiet, cli.global.verbose);
    let json = cli.global.json;
    match zmqtool::cmd::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) if is_broken_pipe(&err) => Exit::Success.into(),
        Err(err) => {
            let exit = exit_code_of(&err);
            // Ctrl-C needs no explanation.
            if exit != Exit::Interrupted {
                eprintln!("zmqtool: {err:#}");
            }
            // With --json every outcome is an object on stdout, failures included.
            if json && !shown_on_stdout(&err) {
                let error = zmqtool::cmd::render::Failure {
                    error: format!("{err:#}"),
                    exit: exit as u8,
                };
                let _ = zmqtool::cmd::render::json_line(&mut std::io::stdout(), &error);
            }
            exit.into()
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
