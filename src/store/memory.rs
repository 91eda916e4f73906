//! The memory backend: the same tables and queries as the SQLite file, in this process's
//! memory. Nothing is written to disk, so a commit costs no fsync, and nothing survives the
//! process: every request and reply is gone after a restart or a crash.

use anyhow::{Context as _, Result};
use rusqlite::Connection;

/// What a server says once at start with a memory store.
pub const WARNING: &str = "the store is in memory only (--store memory:): requests and replies \
                           are lost when this process stops or crashes";

/// A private in-memory database (each call makes a new, empty one).
pub fn open() -> Result<Connection> {
    let conn = Connection::open_in_memory().context("cannot open an in-memory store")?;
    conn.execute_batch("PRAGMA synchronous=OFF;")
        .context("cannot open an in-memory store")?;
    Ok(conn)
}
