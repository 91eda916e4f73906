//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL` (a commit is on
//! disk when it returns), readable by its owner only, used by one server at a time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use rusqlite::{Connection, OptionalExtension};

use super::{Plan, Schema, VERSION_TABLE};

/// Held while a process owns a store file: one server per file.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

/// Takes the store at `path` for this process, or says who has it. The lock is an flock on
/// `PATH.lock` (which holds the owner's pid), released when the process ends, however it
/// ends.
pub fn lock(path: &Path, what: &str) -> Result<Lock> {
    use rustix::fs::{FlockOperation, flock};
    use std::io::{Read, Seek, Write};
    use std::os::unix::fs::OpenOptionsExt;
    refuse_directory(path)?;
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
        let mut owner = String::new();
        let _ = file.read_to_string(&mut owner);
        let owner = owner.trim();
        anyhow::bail!(
            "the store {} is in use by another {what}{} (one process per SQLite store; \
             a PostgreSQL store is shared)",
            path.display(),
            if owner.is_empty() {
                String::new()
            } else {
                format!(" (pid {owner})")
            }
        );
    }
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    Ok(Lock { _file: file })
}

/// A directory where a store file is expected gets a clear error, not SQLite's "disk I/O error".
pub fn refuse_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!(
            "{} is a directory; --store names the store file (like {}/titanic.db)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Opens (creating, mode 0600) the database at `path` in WAL mode with full syncs.
pub fn open(path: &Path) -> Result<Connection> {
    refuse_directory(path)?;
    create_private(path)?;
    let conn =
        Connection::open(path).with_context(|| format!("cannot open store {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .with_context(|| format!("{} is not a usable SQLite database", path.display()))?;
    if !mode.eq_ignore_ascii_case("wal") {
        anyhow::bail!("cannot put {} in WAL mode (got {mode})", path.display());
    }
    conn.execute_batch("PRAGMA synchronous=FULL;")
        .with_context(|| format!("{} is not a usable SQLite database", path.display()))?;
    Ok(conn)
}

/// Creates the file readable by its owner only, before SQLite opens it (SQLite gives its
/// -wal and -shm files the same permissions).
fn create_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if path.exists() {
        // An existing store others may read (say, copied in with mode 0644) is made private,
        // and so are SQLite's side files, which take the store's mode when created.
        for file in [
            path.to_path_buf(),
            PathBuf::from(format!("{}-wal", path.display())),
            PathBuf::from(format!("{}-shm", path.display())),
        ] {
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| {
                        format!(
                            "{} is readable by others and cannot be made private",
                            file.display()
                        )
                    })?;
                log::warn!(
                    "{} was readable by others (it holds every request and reply); made it mode 0600",
                    file.display()
                );
            }
        }
        return Ok(());
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create store {}", path.display()))?;
    Ok(())
}

/// Opens an existing store read-only (for listings).
pub fn open_read_only(path: &Path) -> Result<Connection> {
    refuse_directory(path)?;
    if !path.exists() {
        anyhow::bail!("no store at {} (see --store)", path.display());
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot open store {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// The version recorded for `component`, and whether `legacy_table` is there.
fn found(conn: &Connection, schema: &Schema<'_>) -> rusqlite::Result<(Option<u32>, bool)> {
    let has = |table: &str| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
    };
    let version = if has(VERSION_TABLE)? {
        conn.query_row(
            &format!("SELECT version FROM {VERSION_TABLE} WHERE component = ?1"),
            [schema.component],
            |r| r.get::<_, u32>(0),
        )
        .optional()?
    } else {
        None
    };
    let legacy = match schema.legacy_table {
        Some(table) => has(table)?,
        None => false,
    };
    Ok((version, legacy))
}

/// Creates or upgrades `schema`'s tables in one transaction, or refuses a store it cannot use.
pub fn ensure_schema(conn: &mut Connection, store: &str, schema: &Schema<'_>) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .with_context(|| format!("{store} is not a usable SQLite database"))?;
    let (version, legacy) =
        found(&tx, schema).with_context(|| format!("{store} is not a usable SQLite database"))?;
    let plan = schema.plan(store, version, legacy)?;
    if plan == Plan::Current {
        return Ok(());
    }
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (
             component TEXT PRIMARY KEY,
             version   INTEGER NOT NULL
         );"
    ))?;
    for step in schema.steps(plan) {
        tx.execute_batch(step).with_context(|| {
            format!("cannot prepare the {} tables in {store}", schema.component)
        })?;
    }
    tx.execute(
        &format!(
            "INSERT INTO {VERSION_TABLE} (component, version) VALUES (?1, ?2)
             ON CONFLICT (component) DO UPDATE SET version = excluded.version"
        ),
        rusqlite::params![schema.component, schema.version],
    )?;
    tx.commit()?;
    if let Plan::Upgrade(from) = plan {
        log::warn!(
            "upgraded the {} tables in {store} from version {from} to {}",
            schema.component,
            schema.version
        );
    }
    Ok(())
}

/// For readers: the store must hold `schema` at this zmqtool's version.
pub fn check_schema(conn: &Connection, store: &str, schema: &Schema<'_>) -> Result<()> {
    let (version, legacy) =
        found(conn, schema).with_context(|| format!("{store} is not a usable SQLite database"))?;
    Ok(schema.check_readable(store, version, legacy)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema<'static> = Schema {
        component: "t",
        version: 1,
        create: "CREATE TABLE items (x INTEGER);",
        upgrades: &[],
        legacy_table: Some("items"),
    };

    #[test]
    fn a_newer_store_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = open(&path).unwrap();
        ensure_schema(&mut conn, "s.db", &SCHEMA).unwrap();
        ensure_schema(&mut conn, "s.db", &SCHEMA).unwrap();
        conn.execute("UPDATE zmqtool_schema SET version = 7", [])
            .unwrap();
        let err = ensure_schema(&mut conn, "s.db", &SCHEMA)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("version 7, newer than this zmqtool (1)"),
            "{err}"
        );
        let v: u32 = conn
            .query_row("SELECT version FROM zmqtool_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 7);
        assert!(check_schema(&conn, "s.db", &SCHEMA).is_err());
    }

    #[test]
    fn tables_from_before_versions_are_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = open(&path).unwrap();
        conn.execute_batch("CREATE TABLE items (x INTEGER); INSERT INTO items VALUES (5);")
            .unwrap();
        check_schema(&conn, "s.db", &SCHEMA).unwrap();
        ensure_schema(&mut conn, "s.db", &SCHEMA).unwrap();
        let x: i64 = conn
            .query_row("SELECT x FROM items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(x, 5, "kept");
    }
}
