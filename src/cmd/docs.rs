//! `zmqtool completions` and `zmqtool man`: the generated files committed in completions/
//! and man/, rendered from the clap definitions.

use std::path::Path;

use anyhow::{Context as _, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
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
        let mut cmd = Cli::command();
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
            let mut cmd = Cli::command();
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
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    render(&cmd, "zmqtool", &mut pages)?;
    Ok(pages)
}

fn render(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut buf = Vec::new();
    let named = cmd.clone().name(name.to_string());
    clap_mangen::Man::new(named).render(&mut buf)?;
    pages.push((format!("{name}.1"), buf));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        render(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

fn write_all(dir: &Path, files: Vec<(String, Vec<u8>)>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, content) in files {
        let path = dir.join(&name);
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
