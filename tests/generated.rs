//! completions/ and man/ are generated from the CLI and committed; this fails when they are
//! stale, and says how to regenerate them.

use std::path::Path;

const REGENERATE: &str =
    "regenerate with: cargo run -- completions --dir completions && cargo run -- man man";

fn check(dir: &str, files: Vec<(String, Vec<u8>)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut expected: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    for (name, content) in files {
        let committed = std::fs::read(root.join(&name))
            .unwrap_or_else(|_| panic!("{dir}/{name} is missing; {REGENERATE}"));
        assert!(committed == content, "{dir}/{name} is stale; {REGENERATE}");
    }
    let mut present: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|_| panic!("{dir}/ is missing; {REGENERATE}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    expected.sort();
    assert_eq!(
        present, expected,
        "{dir}/ holds files the CLI no longer makes; {REGENERATE}"
    );
}

#[test]
fn completions_are_up_to_date() {
    check("completions", zmqtool::cmd::completion_files());
}

#[test]
fn man_pages_are_up_to_date() {
    check("man", zmqtool::cmd::man_pages().unwrap());
}
