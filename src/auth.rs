//! Who may connect: the protocol crate's policy ([`zmqtool_proto::auth`], re-exported here),
//! and reading the `--plain-users` file it is given.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result};

pub use zmqtool_proto::auth::*;

/// Reads a `user:password` file ([`Policy::parse_users`]), warning when others may read it.
pub fn read_users(path: &Path) -> Result<HashMap<String, String>> {
    use std::os::unix::fs::PermissionsExt;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --plain-users file {}", path.display()))?;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        log::warn!(
            "{} is readable by others; it holds passwords (chmod 600 it)",
            path.display()
        );
    }
    Policy::parse_users(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_file_is_read_and_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        std::fs::write(&path, "ann:s3cret\n").unwrap();
        assert_eq!(read_users(&path).unwrap()["ann"], "s3cret");
        std::fs::write(&path, "no colon here\n").unwrap();
        let error = read_users(&path).unwrap_err().to_string();
        assert!(
            error.ends_with("users:1: expected user:password"),
            "{error}"
        );
        assert!(read_users(&dir.path().join("absent")).is_err());
    }
}
