//! `zmqtool completions` and `zmqtool man`: the generated files committed in completions/
//! and man/, rendered from the clap definitions.

use std::path::Path;

use anyhow::{Context as _, Result};
use clap_complete::Shell;

use crate::cli::{CompletionsArgs, ManArgs};
use crate::runtime::Exit;

const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

pub fn completions(args: CompletionsArgs) -> Result<Exit> {
    if let Some(dir) = args.dir {
        write_all(&dir, completion_files())?;
    } else if let Some(shell) = args.shell {
        let mut cmd = crate::cli::command();
        clap_complete::generate(shell, &mut cmd, "zmqtool", &mut std::io::stdout());
    }
    Ok(Exit::Success)
}

pub fn man(args: ManArgs) -> Result<Exit> {
    write_all(&args.dir, man_pages()?)?;
    Ok(Exit::Success)
}

/// Every completion script, with its conventional file name.
pub fn completion_files() -> Vec<(String, Vec<u8>)> {
    SHELLS
        .iter()
        .map(|&shell| {
            let mut cmd = crate::cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "zmqtool", &mut buf);
            let name = match shell {
                Shell::Bash => "zmqtool.bash",
                Shell::Zsh => "_zmqtool",
                Shell::Fish => "zmqtool.fish",
                Shell::Elvish => "zmqtool.elv",
                _ => "_zmqtool.ps1",
            };
            (name.to_string(), buf)
        })
        .collect()
}

/// Every man page: zmqtool.1 and one per subcommand.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = crate::cli::command();
    cmd.build();
    let mut pages = Vec::new();
    render(&cmd, "zmqtool", &mut pages)?;
    Ok(pages)
}

fn render(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut buf = Vec::new();
    // The examples go to their own section below, not clap_mangen's untitled extra one.
    let named = cmd
        .clone()
        .name(name.to_string())
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    clap_mangen::Man::new(named).render(&mut buf)?;
    let path = name
        .strip_prefix("zmqtool-")
        .unwrap_or("")
        .replace('-', " ");
    buf.extend(extra_sections(cmd, &path).into_bytes());
    pages.push((format!("{name}.1"), buf));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        render(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// EXAMPLES, ENVIRONMENT and EXIT STATUS, in roff, for the page of `path` ("" for
/// zmqtool.1, "titanic call" for a nested subcommand).
fn extra_sections(cmd: &clap::Command, path: &str) -> String {
    let mut roff = String::new();
    let examples = crate::cli::examples(path);
    if !examples.is_empty() {
        roff.push_str(".SH EXAMPLES\n.nf\n");
        for line in examples {
            roff.push_str(&format!("{}\n", roff_line(line)));
        }
        roff.push_str(".fi\n");
    }
    let mut vars: Vec<(String, String)> = Vec::new();
    collect_env(cmd, &mut vars);
    for (var, doc, commands) in SET_FOR_CHILDREN {
        if path.is_empty() || commands.iter().any(|c| path.starts_with(c)) {
            vars.push((var.to_string(), doc.to_string()));
        }
    }
    vars.sort();
    vars.dedup_by(|a, b| a.0 == b.0);
    if !vars.is_empty() {
        roff.push_str(".SH ENVIRONMENT\n");
        for (var, doc) in vars {
            roff.push_str(&format!(".TP\n\\fB{var}\\fR\n{}\n", roff_line(&doc)));
        }
    }
    roff.push_str(".SH \"EXIT STATUS\"\n");
    let codes = if path.starts_with("check") {
        CHECK_EXIT_STATUS
    } else {
        EXIT_STATUS
    };
    for (code, meaning) in codes {
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{meaning}\n"));
    }
    roff
}

/// Every environment variable an argument of `cmd` (or of its subcommands) reads.
fn collect_env(cmd: &clap::Command, vars: &mut Vec<(String, String)>) {
    for arg in cmd.get_arguments() {
        if let Some(var) = arg.get_env() {
            let doc = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            vars.push((
                var.to_string_lossy().into_owned(),
                format!("The default of --{}. {doc}", arg.get_long().unwrap_or("")),
            ));
        }
    }
    for sub in cmd.get_subcommands() {
        collect_env(sub, vars);
    }
}

/// Variables zmqtool sets for the commands it runs, and the subcommands that do.
const SET_FOR_CHILDREN: &[(&str, &str, &[&str])] = &[
    (
        "ZMQTOOL_SERVICE",
        "Set for --exec and --filter commands: the service name.",
        &["worker"],
    ),
    (
        "ZMQTOOL_FRAMES",
        "Set for --exec commands: how many frames the request has.",
        &["worker"],
    ),
    (
        "ZMQTOOL_BSTAR_STATE",
        "Set for the --on-change hook: the new state.",
        &["bstar"],
    ),
    (
        "ZMQTOOL_BSTAR_PREVIOUS",
        "Set for the --on-change hook: the previous state.",
        &["bstar"],
    ),
];

/// `zmqtool check`'s exit codes: the monitoring systems' contract, under each --exit.
const CHECK_EXIT_STATUS: &[(u8, &str)] = &[
    (
        0,
        "OK (--exit nagios); OK or WARNING, healthy (--exit probe).",
    ),
    (
        1,
        "WARNING (--exit nagios); CRITICAL or UNKNOWN, unhealthy (--exit probe).",
    ),
    (
        2,
        "CRITICAL (--exit nagios); a usage error under either mapping.",
    ),
    (3, "UNKNOWN (--exit nagios): the check could not be made."),
    (130, "Interrupted by SIGINT."),
];

/// The exit codes, the contract with scripts (docs/ARCHITECTURE.md).
const EXIT_STATUS: &[(u8, &str)] = &[
    (0, "Success (MMI 200, reply received, Titanic 200)."),
    (
        1,
        "Runtime error: cannot bind, I/O error, bad store, protocol violation, wrong replies.",
    ),
    (2, "Usage error."),
    (
        3,
        "Timed out: no reply after all retries, broker unreachable, nothing answered.",
    ),
    (4, "Not found: MMI 404, Titanic 400."),
    (5, "Not implemented: MMI 501."),
    (6, "Pending: Titanic 300."),
    (7, "A bench --threshold was breached."),
    (130, "Interrupted by SIGINT, after a clean shutdown."),
];

/// One line of text for roff: backslashes escaped, and no leading dot or quote taken for a
/// request.
fn roff_line(text: &str) -> String {
    let text = text.replace('\\', "\\e");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

/// Writes `files` into `dir`, which must exist (a typo should not quietly make a new tree);
/// says what it wrote.
fn write_all(dir: &Path, files: Vec<(String, Vec<u8>)>) -> Result<()> {
    if !dir.is_dir() {
        anyhow::bail!(
            "{} is not a directory (create it first: mkdir -p {})",
            dir.display(),
            dir.display()
        );
    }
    let count = files.len();
    for (name, content) in files {
        let path = dir.join(&name);
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    log::warn!("wrote {count} files to {}", dir.display());
    Ok(())
}
