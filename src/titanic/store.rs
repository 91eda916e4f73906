//! The durable store: one SQLite file in WAL mode, owned by one thread.
//!
//! Every command goes through [`Store::spawn`]'s thread. It takes whatever commands are
//! waiting, runs them all in one transaction and commits once, so a burst of requests shares
//! one fsync (group commit); only then does it answer them. With `synchronous=FULL` a commit
//! in WAL mode is on disk when it returns, so a 200 + UUID is only sent for a request that
//! would survive a crash.
//!
//! Client input never becomes a path: the store is addressed by validated UUIDs only.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use rusqlite::{Connection, OptionalExtension, params};

use super::tsp::{StoreRequest, Uuid, decode_frames, encode_frames};
use crate::mdp::Frame;

/// The most commands one transaction takes.
const MAX_BATCH: usize = 4096;

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Pending,
    Replied(Vec<Frame>),
    Unknown,
}

pub use super::dispatcher::Entry;

/// Why the store could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("the store has stopped")]
    Stopped,
    /// SQLite failed (shared by every command of the batch it failed).
    #[error("store error: {0}")]
    Sqlite(#[source] Arc<rusqlite::Error>),
    /// What is on disk does not decode: damaged by hand or by the disk. Never mistaken for
    /// an empty reply or a closed request.
    #[error("request {uuid} is damaged in the store: its {part} does not decode")]
    Corrupt { uuid: Uuid, part: &'static str },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(Arc::new(e))
    }
}

type Done<T> = mpsc::SyncSender<Result<T, StoreError>>;

/// Sends one command's result once the batch's commit is known: `Some(error)` if it failed.
type Answer = Box<dyn FnOnce(Option<&StoreError>)>;

enum Command {
    Insert(Uuid, StoreRequest, Done<()>),
    Status(Uuid, Done<State>),
    Reply(Uuid, Vec<Frame>, Done<bool>),
    Close(Uuid, Done<()>),
    Expire(i64, Done<usize>),
    Pending(Done<Vec<Entry>>),
    Load(Uuid, Done<Option<StoreRequest>>),
}

/// What the store thread tells the dispatcher after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Added(Entry),
    Closed(Uuid),
}

/// A handle on the store thread; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<Command>,
}

/// Unix time now, in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Held while a `titanic serve` owns a store: one server per store.
#[derive(Debug)]
pub struct StoreLock {
    _file: std::fs::File,
}

/// Takes the store at `path` for this process, or says who has it. The lock is an flock on
/// `PATH.lock` (which holds the owner's pid), released when the process ends, however it
/// ends.
pub fn lock(path: &Path) -> Result<StoreLock> {
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
            "the store {} is in use by another titanic serve{} (one server per store)",
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
    Ok(StoreLock { _file: file })
}

/// A directory where a store file is expected gets a clear error, not SQLite's "disk I/O error".
fn refuse_directory(path: &Path) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!(
            "{} is a directory; --store names the store file (like {}/titanic.db)",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Opens (creating, mode 0600) the database at `path` and prepares its schema.
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
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         CREATE TABLE IF NOT EXISTS requests (
             seq      INTEGER PRIMARY KEY AUTOINCREMENT,
             uuid     TEXT NOT NULL UNIQUE,
             service  BLOB NOT NULL,
             body     BLOB NOT NULL,
             created  INTEGER NOT NULL,
             reply    BLOB,
             replied  INTEGER
         );
         CREATE INDEX IF NOT EXISTS requests_pending ON requests(seq) WHERE reply IS NULL;",
    )
    .with_context(|| format!("{} is not a Titanic store", path.display()))?;
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

/// Opens an existing store read-only (for `titanic ls`).
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

/// Every request in the store, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<Entry>> {
    Ok(select_entries(conn, false)?)
}

/// Requests oldest first: all of them, or only those still waiting for a reply.
fn select_entries(conn: &Connection, pending_only: bool) -> rusqlite::Result<Vec<Entry>> {
    let sql = if pending_only {
        "SELECT uuid, service, created, replied FROM requests WHERE reply IS NULL ORDER BY seq"
    } else {
        "SELECT uuid, service, created, replied FROM requests ORDER BY seq"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], row_entry)?;
    let mut entries = Vec::new();
    for row in rows {
        // A row whose id does not decode (damaged by hand) is skipped, not fatal.
        match row? {
            Some(entry) => entries.push(entry),
            None => log::warn!("skipped a request whose id is damaged in the store"),
        }
    }
    Ok(entries)
}

fn row_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Entry>> {
    let uuid: String = r.get(0)?;
    let service: Vec<u8> = r.get(1)?;
    let created_ms: i64 = r.get(2)?;
    let replied_ms: Option<i64> = r.get(3)?;
    Ok(Uuid::parse(uuid.as_bytes()).map(|uuid| Entry {
        uuid,
        service: service.into(),
        created_ms,
        replied_ms,
    }))
}

impl Store {
    /// Starts the store thread on `conn`. After each commit that adds or closes requests,
    /// `notify` is called with what changed (to wake the dispatcher).
    pub fn spawn(conn: Connection, notify: impl FnMut(Vec<Notice>) + Send + 'static) -> Store {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || serve(conn, rx, notify));
        Store { tx }
    }

    fn ask<T>(&self, make: impl FnOnce(Done<T>) -> Command) -> Result<T, StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        self.tx.send(make(done)).map_err(|_| StoreError::Stopped)?;
        wait.recv().map_err(|_| StoreError::Stopped)?
    }

    /// Stores a request durably; returns once it is committed.
    pub fn insert(&self, uuid: Uuid, request: StoreRequest) -> Result<(), StoreError> {
        self.ask(|done| Command::Insert(uuid, request, done))
    }

    pub fn status(&self, uuid: Uuid) -> Result<State, StoreError> {
        self.ask(|done| Command::Status(uuid, done))
    }

    /// Stores a reply; false if the request is gone (closed meanwhile).
    pub fn reply(&self, uuid: Uuid, frames: Vec<Frame>) -> Result<bool, StoreError> {
        self.ask(|done| Command::Reply(uuid, frames, done))
    }

    pub fn close(&self, uuid: Uuid) -> Result<(), StoreError> {
        self.ask(|done| Command::Close(uuid, done))
    }

    /// Deletes replies stored before `before_ms` (unix ms); returns how many.
    pub fn expire(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.ask(|done| Command::Expire(before_ms, done))
    }

    /// Every request still waiting for its reply, oldest first.
    pub fn pending(&self) -> Result<Vec<Entry>, StoreError> {
        self.ask(Command::Pending)
    }

    /// How many requests wait for their reply, and when the oldest of them was stored (unix
    /// milliseconds; `None` when none waits), for `titanic.stats`.
    pub fn pending_summary(&self) -> Result<(usize, Option<i64>), StoreError> {
        let pending = self.pending()?;
        Ok((pending.len(), pending.iter().map(|e| e.created_ms).min()))
    }

    /// A request still waiting for its reply, with its body; `None` once replied or closed.
    pub fn load(&self, uuid: Uuid) -> Result<Option<StoreRequest>, StoreError> {
        self.ask(|done| Command::Load(uuid, done))
    }
}

/// The store thread: batches of commands, one transaction (one fsync) per batch.
fn serve(mut conn: Connection, rx: mpsc::Receiver<Command>, mut notify: impl FnMut(Vec<Notice>)) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let mut answers: Vec<Answer> = Vec::with_capacity(batch.len());
        let mut notices = Vec::new();
        let result = run_batch(&mut conn, batch, &mut answers, &mut notices);
        let failure = result.err().map(StoreError::from);
        if let Some(f) = &failure {
            log::warn!("{f}");
        }
        for answer in answers {
            answer(failure.as_ref());
        }
        if failure.is_none() && !notices.is_empty() {
            notify(notices);
        }
    }
}

fn run_batch(
    conn: &mut Connection,
    batch: Vec<Command>,
    answers: &mut Vec<Answer>,
    notices: &mut Vec<Notice>,
) -> rusqlite::Result<()> {
    // Answers are queued and sent only after the commit: nothing is acknowledged before it
    // is on disk. A failed commit turns every answer of the batch into an error.
    fn answer<T: 'static>(done: Done<T>, value: Result<T, StoreError>) -> Answer {
        Box::new(move |failure: Option<&StoreError>| {
            let result = match failure {
                Some(f) => Err(f.clone()),
                None => value,
            };
            let _ = done.send(result);
        })
    }
    let tx = conn.transaction()?;
    for cmd in batch {
        match cmd {
            Command::Insert(uuid, request, done) => {
                let created = now_ms();
                let result = tx
                    .prepare_cached("INSERT INTO requests (uuid, service, body, created) VALUES (?1, ?2, ?3, ?4)")
                    .and_then(|mut s| {
                        s.execute(params![uuid.as_str(), request.service.as_slice(), encode_frames(&request.body), created])
                    })
                    .map(|_| ());
                if result.is_ok() {
                    notices.push(Notice::Added(Entry {
                        uuid,
                        service: request.service,
                        created_ms: created,
                        replied_ms: None,
                    }));
                }
                answers.push(answer(done, result.map_err(StoreError::from)));
            }
            Command::Status(uuid, done) => {
                let row: rusqlite::Result<Option<StoredRow>> = tx
                    .prepare_cached("SELECT reply, body FROM requests WHERE uuid = ?1")
                    .and_then(|mut s| {
                        s.query_row(params![uuid.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    });
                answers.push(answer(done, state_of(uuid, row)));
            }
            Command::Reply(uuid, frames, done) => {
                let result = tx
                    .prepare_cached("UPDATE requests SET reply = ?2, replied = ?3 WHERE uuid = ?1 AND reply IS NULL")
                    .and_then(|mut s| s.execute(params![uuid.as_str(), encode_frames(&frames), now_ms()]))
                    .map(|n| n > 0);
                answers.push(answer(done, result.map_err(StoreError::from)));
            }
            Command::Close(uuid, done) => {
                let result = tx
                    .prepare_cached("DELETE FROM requests WHERE uuid = ?1")
                    .and_then(|mut s| s.execute(params![uuid.as_str()]))
                    .map(|_| ());
                notices.push(Notice::Closed(uuid));
                answers.push(answer(done, result.map_err(StoreError::from)));
            }
            Command::Expire(before, done) => {
                let result = tx
                    .prepare_cached("DELETE FROM requests WHERE reply IS NOT NULL AND replied < ?1")
                    .and_then(|mut s| s.execute(params![before]));
                answers.push(answer(done, result.map_err(StoreError::from)));
            }
            Command::Pending(done) => {
                let result = select_entries(&tx, true);
                answers.push(answer(done, result.map_err(StoreError::from)));
            }
            Command::Load(uuid, done) => {
                let row: rusqlite::Result<Option<(Vec<u8>, Vec<u8>)>> = tx
                    .prepare_cached(
                        "SELECT service, body FROM requests WHERE uuid = ?1 AND reply IS NULL",
                    )
                    .and_then(|mut s| {
                        s.query_row(params![uuid.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    });
                let request = match row {
                    Err(e) => Err(StoreError::from(e)),
                    Ok(None) => Ok(None),
                    Ok(Some((service, body))) => decode_frames(&body)
                        .map(|body| {
                            Some(StoreRequest {
                                service: service.into(),
                                body,
                            })
                        })
                        .ok_or(StoreError::Corrupt { uuid, part: "body" }),
                };
                answers.push(answer(done, request));
            }
        }
    }
    tx.commit()
}

/// A request's stored reply (if any) and body, as SQLite returns them.
type StoredRow = (Option<Vec<u8>>, Vec<u8>);

/// Where a request stands, from its stored reply and body; damage is an error, never an
/// empty reply.
fn state_of(uuid: Uuid, row: rusqlite::Result<Option<StoredRow>>) -> Result<State, StoreError> {
    match row? {
        None => Ok(State::Unknown),
        Some((Some(reply), _)) => {
            decode_frames(&reply)
                .map(State::Replied)
                .ok_or(StoreError::Corrupt {
                    uuid,
                    part: "reply",
                })
        }
        Some((None, body)) if decode_frames(&body).is_none() => {
            Err(StoreError::Corrupt { uuid, part: "body" })
        }
        Some((None, _)) => Ok(State::Pending),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(service: &str, body: &str) -> StoreRequest {
        StoreRequest {
            service: Frame::copy(service.as_bytes()),
            body: vec![Frame::copy(body.as_bytes())],
        }
    }

    #[test]
    fn a_request_goes_pending_replied_closed() {
        let dir = tempfile::tempdir().unwrap();
        let (ntx, nrx) = mpsc::channel();
        let store = Store::spawn(open(&dir.path().join("t.db")).unwrap(), move |n| {
            let _ = ntx.send(n);
        });
        let u = Uuid::new();
        store.insert(u, request("echo", "hi")).unwrap();
        assert!(matches!(&nrx.recv().unwrap()[0], Notice::Added(e) if e.uuid == u));
        assert_eq!(store.status(u).unwrap(), State::Pending);
        assert_eq!(store.pending().unwrap().len(), 1);
        assert_eq!(store.load(u).unwrap(), Some(request("echo", "hi")));
        assert!(store.reply(u, vec![Frame::copy(b"HI")]).unwrap());
        assert_eq!(
            store.load(u).unwrap(),
            None,
            "a replied request is not sent again"
        );
        assert!(
            !store.reply(u, vec![Frame::copy(b"again")]).unwrap(),
            "first reply wins"
        );
        assert_eq!(
            store.status(u).unwrap(),
            State::Replied(vec![Frame::copy(b"HI")])
        );
        assert_eq!(
            store.status(u).unwrap(),
            State::Replied(vec![Frame::copy(b"HI")]),
            "reply is not consumed"
        );
        assert!(store.pending().unwrap().is_empty());
        store.close(u).unwrap();
        assert_eq!(store.status(u).unwrap(), State::Unknown);
        store.close(u).unwrap();
    }

    #[test]
    fn requests_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let u = Uuid::new();
        {
            let store = Store::spawn(open(&path).unwrap(), |_| {});
            store.insert(u, request("echo", "kept")).unwrap();
        }
        let store = Store::spawn(open(&path).unwrap(), |_| {});
        let pending = store.pending().unwrap();
        assert_eq!(
            (pending[0].uuid, pending[0].service.as_slice()),
            (u, &b"echo"[..])
        );
        assert_eq!(store.load(u).unwrap(), Some(request("echo", "kept")));
    }

    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let _conn = open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// An existing store with mode 0644 is made private (0600) when it is opened.
    #[test]
    fn an_existing_store_others_may_read_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// A second titanic serve on the same store is refused with a message.
    #[test]
    fn one_server_per_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let held = lock(&path).unwrap();
        let err = lock(&path).unwrap_err().to_string();
        assert!(err.contains("in use by another titanic serve"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(held);
        assert!(lock(&path).is_ok(), "released with its holder");
        let err = open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn expiry_removes_old_replies_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::spawn(open(&dir.path().join("t.db")).unwrap(), |_| {});
        let (a, b) = (Uuid::new(), Uuid::new());
        store.insert(a, request("s", "a")).unwrap();
        store.insert(b, request("s", "b")).unwrap();
        store.reply(a, vec![Frame::copy(b"A")]).unwrap();
        assert_eq!(store.expire(now_ms() + 1000).unwrap(), 1);
        assert_eq!(store.status(a).unwrap(), State::Unknown);
        assert_eq!(store.status(b).unwrap(), State::Pending);
    }

    /// A damaged stored reply is reported, not answered as a 200 with an empty body, and a
    /// damaged body is reported, not silently dropped with its request on a restart.
    #[test]
    fn damage_is_reported_not_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::spawn(open(&path).unwrap(), |_| {});
        let (replied, pending) = (Uuid::new(), Uuid::new());
        store.insert(replied, request("s", "a")).unwrap();
        store.insert(pending, request("s", "b")).unwrap();
        store.reply(replied, vec![Frame::copy(b"A")]).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE requests SET reply = x'ffffffff' WHERE reply IS NOT NULL",
            [],
        )
        .unwrap();
        conn.execute("UPDATE requests SET body = x'ffffffff'", [])
            .unwrap();
        fn corrupt<T>(r: Result<T, StoreError>, part: &str) -> bool {
            matches!(r, Err(StoreError::Corrupt { part: p, .. }) if p == part)
        }
        assert!(corrupt(store.status(replied), "reply"));
        assert!(corrupt(store.status(pending), "body"));
        assert!(corrupt(store.load(pending), "body"));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, vec![7u8; 4096]).unwrap();
        assert!(open(&path).is_err());
    }

    #[test]
    fn concurrent_inserts_share_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::spawn(open(&dir.path().join("t.db")).unwrap(), |_| {});
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || store.insert(Uuid::new(), request("s", &i.to_string())))
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        assert_eq!(store.pending().unwrap().len(), 16);
    }
}
