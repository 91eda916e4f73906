//! The broker that answered last, remembered across runs per broker list, so a script that
//! calls once per line does not wait for a dead broker at the head of its list every time.
//!
//! One small file per list, named by a hash of the list, holding the endpoint that answered
//! last. It is a hint only: a file that is missing, unreadable, corrupt or names an endpoint
//! not in the list is ignored, and one that cannot be written is left as it is (at most a
//! `-v` line says so). It is replaced by a rename, so a reader never sees half of one.
//!
//! Where: `$ZMQTOOL_STATE` when it is a directory path (`off` turns the memory off), else
//! `$XDG_RUNTIME_DIR/zmqtool`, else `$XDG_CACHE_HOME/zmqtool`, else `~/.cache/zmqtool`.

use std::path::{Path, PathBuf};

use super::slot::Endpoint;

/// The environment variable that moves the memory (a directory) or turns it off (`off`).
pub const ENV: &str = "ZMQTOOL_STATE";

/// The remembered broker of one list.
#[derive(Debug)]
pub struct Memory {
    path: PathBuf,
    endpoints: Vec<String>,
    recalled: Option<Endpoint>,
}

impl Memory {
    /// The memory of `endpoints`, read now; `None` when it is off or there is nothing to
    /// choose (a list of one).
    pub fn open(endpoints: &[String]) -> Option<Memory> {
        if endpoints.len() < 2 {
            return None;
        }
        let dir = directory()?;
        Some(Memory::at(&dir, endpoints))
    }

    /// The memory of `endpoints` in `dir`.
    pub fn at(dir: &Path, endpoints: &[String]) -> Memory {
        let path = dir.join(format!("last-broker-{:016x}", key(endpoints)));
        let recalled = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| endpoints.iter().position(|e| *e == text.trim_end()));
        match recalled {
            Some(e) => log::debug!("{} answered last (from {})", endpoints[e], path.display()),
            None => log::debug!("no broker remembered in {}", path.display()),
        }
        Memory {
            path,
            endpoints: endpoints.to_vec(),
            recalled,
        }
    }

    /// The broker that answered last in an earlier run.
    pub fn recalled(&self) -> Option<Endpoint> {
        self.recalled
    }

    /// Remembers `endpoint` as the one that answered last (written only when it changed).
    pub fn store(&mut self, endpoint: Endpoint) {
        if self.recalled == Some(endpoint) || endpoint >= self.endpoints.len() {
            return;
        }
        match write(&self.path, &self.endpoints[endpoint]) {
            Ok(()) => self.recalled = Some(endpoint),
            Err(e) => log::info!(
                "cannot remember the broker that answered in {}: {e}",
                self.path.display()
            ),
        }
    }
}

/// Where the memory is kept, if anywhere.
fn directory() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(value) = var(ENV) {
        return (value != "off").then(|| PathBuf::from(value));
    }
    if let Some(runtime) = var("XDG_RUNTIME_DIR") {
        return Some(PathBuf::from(runtime).join("zmqtool"));
    }
    if let Some(cache) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(cache).join("zmqtool"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".cache").join("zmqtool"))
}

/// Writes `endpoint` to `path` by a rename, creating the directory (private) if need be.
fn write(path: &Path, endpoint: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = dir.join(format!(".{name}.{}", std::process::id()));
    std::fs::write(&temporary, format!("{endpoint}\n"))?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// A stable name for a list: FNV-1a over its endpoints, each ended by a newline.
fn key(endpoints: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in endpoints
        .iter()
        .flat_map(|e| e.bytes().chain(std::iter::once(b'\n')))
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn what_one_run_stores_the_next_recalls() {
        let dir = tempfile::tempdir().unwrap();
        let eps = list(&["tcp://a:1", "tcp://b:2"]);
        let mut first = Memory::at(dir.path(), &eps);
        assert_eq!(first.recalled(), None);
        first.store(1);
        assert_eq!(Memory::at(dir.path(), &eps).recalled(), Some(1));
    }

    #[test]
    fn each_list_has_its_own_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut one = Memory::at(dir.path(), &list(&["a", "b"]));
        one.store(1);
        assert_eq!(Memory::at(dir.path(), &list(&["b", "a"])).recalled(), None);
        assert_eq!(
            Memory::at(dir.path(), &list(&["a", "b", "c"])).recalled(),
            None
        );
        assert_ne!(key(&list(&["ab", "c"])), key(&list(&["a", "bc"])));
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let eps = list(&["a", "b"]);
        let path = Memory::at(dir.path(), &eps).path;
        std::fs::write(&path, b"\xff\xfe garbage").unwrap();
        assert_eq!(Memory::at(dir.path(), &eps).recalled(), None);
        std::fs::write(&path, "tcp://elsewhere:1\n").unwrap();
        assert_eq!(Memory::at(dir.path(), &eps).recalled(), None);
    }

    #[test]
    fn an_unwritable_place_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        // A directory that cannot be made: its parent is a file.
        let mut memory = Memory::at(&blocker.join("zmqtool"), &list(&["a", "b"]));
        memory.store(1);
        assert_eq!(memory.recalled(), None);
    }

    #[test]
    fn the_directory_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let place = dir.path().join("zmqtool");
        let mut memory = Memory::at(&place, &list(&["a", "b"]));
        memory.store(0);
        let mode = std::fs::metadata(&place).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let leftovers: Vec<_> = std::fs::read_dir(&place)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left behind");
    }
}
