//! The durable store: Titanic's table and queries on the three backends of [`crate::store`],
//! owned by one thread.
//!
//! Every command goes through [`Store::spawn`]'s thread. It takes whatever commands are
//! waiting, runs them all in one transaction and commits once, so a burst of requests shares
//! one commit (group commit); only then does it answer them. A SQLite file commits with
//! `synchronous=FULL` and PostgreSQL with its own durable commit, so a 200 + UUID is only
//! sent for a request that would survive a crash. A failed commit fails every command of its
//! batch: the clients get a 500 and try again.
//!
//! A SQLite file or the memory store belongs to one server, whose dispatcher holds every
//! pending request. A PostgreSQL store is shared by several servers: each [`Store::claim`]s
//! requests with a lease (`FOR UPDATE SKIP LOCKED`, so two servers never claim the same
//! one), renews its leases while it holds them, and sends a request only while its lease
//! holds ([`Store::load`]). A server that dies stops renewing: its leases expire and another
//! server claims those requests. Inserts `NOTIFY` the other servers ([`listen`]).
//!
//! Client input never becomes a path: the store is addressed by validated UUIDs only.

use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use rusqlite::{Connection, OptionalExtension, params};

use super::tsp::{StoreRequest, Uuid, decode_frames, encode_frames};
use crate::mdp::Frame;
use crate::runtime::Shutdown;
use crate::store::{Location, Schema, memory, postgres as pg, sqlite};

/// The most commands one transaction takes.
const MAX_BATCH: usize = 4096;

/// The channel on which PostgreSQL tells the servers that requests were stored.
const CHANNEL: &str = "zmqtool_titanic";

/// Titanic's table in a SQLite file (and in the memory store). Version 1 is the table
/// zmqtool wrote before versions were recorded.
const SQLITE_SCHEMA: Schema<'static> = Schema {
    component: "titanic",
    version: 1,
    create: "CREATE TABLE IF NOT EXISTS requests (
                 seq      INTEGER PRIMARY KEY AUTOINCREMENT,
                 uuid     TEXT NOT NULL UNIQUE,
                 service  BLOB NOT NULL,
                 body     BLOB NOT NULL,
                 created  INTEGER NOT NULL,
                 reply    BLOB,
                 replied  INTEGER
             );
             CREATE INDEX IF NOT EXISTS requests_pending ON requests(seq) WHERE reply IS NULL;",
    upgrades: &[],
    legacy_table: Some("requests"),
};

/// Titanic's table in PostgreSQL: the same columns, plus the lease of the server that
/// delivers a request (its id, and until when by the database's clock).
const PG_SCHEMA: Schema<'static> = Schema {
    component: "titanic",
    version: 1,
    create: "CREATE TABLE IF NOT EXISTS titanic_requests (
                 seq         BIGSERIAL PRIMARY KEY,
                 uuid        TEXT NOT NULL UNIQUE,
                 service     BYTEA NOT NULL,
                 body        BYTEA NOT NULL,
                 created     BIGINT NOT NULL,
                 reply       BYTEA,
                 replied     BIGINT,
                 lease_owner TEXT,
                 lease_until TIMESTAMPTZ
             );
             CREATE INDEX IF NOT EXISTS titanic_requests_pending
                 ON titanic_requests(seq) WHERE reply IS NULL;",
    upgrades: &[],
    legacy_table: None,
};

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Pending,
    Replied(Vec<Frame>),
    Unknown,
}

/// A stored request as the dispatcher and `titanic ls` see it: without its body, which
/// stays on disk until the request is sent (so a backlog costs no memory but its ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub uuid: Uuid,
    pub service: Frame,
    /// Unix time in milliseconds when it was stored.
    pub created_ms: i64,
    /// Unix time in milliseconds of its reply, if any.
    pub replied_ms: Option<i64>,
}

/// How much is waiting for delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PendingSummary {
    /// Requests without a reply.
    pub count: u64,
    /// When the oldest of them was stored (unix ms).
    pub oldest_created_ms: Option<i64>,
}

impl PendingSummary {
    /// How long the oldest pending request has waited, at `now_ms`.
    pub fn oldest_age(&self, now_ms: i64) -> Option<Duration> {
        self.oldest_created_ms
            .map(|c| Duration::from_millis((now_ms - c).max(0) as u64))
    }
}

/// One request with everything stored about it, as `titanic migrate` copies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub uuid: String,
    pub service: Vec<u8>,
    /// The request frames, encoded as stored.
    pub body: Vec<u8>,
    pub created_ms: i64,
    /// The reply frames, encoded as stored.
    pub reply: Option<Vec<u8>>,
    pub replied_ms: Option<i64>,
}

/// Why the store could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("the store has stopped")]
    Stopped,
    /// SQLite failed (shared by every command of the batch it failed).
    #[error("store error: {0}")]
    Sqlite(#[source] Arc<rusqlite::Error>),
    /// PostgreSQL failed (shared by every command of the batch it failed).
    #[error("store error: {0}")]
    Postgres(#[source] Arc<postgres::Error>),
    /// No connection to PostgreSQL; the store thread makes a new one.
    #[error("{0}")]
    Unavailable(#[from] pg::Unavailable),
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

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Postgres(Arc::new(e))
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
    Claim(usize, Done<Vec<Entry>>),
    Renew(Vec<Uuid>, Done<usize>),
    Release(Done<usize>),
    Summary(Done<PendingSummary>),
}

impl Command {
    /// The answer of a command that was not run because its batch failed (the batch's
    /// error replaces the value).
    fn refused(self) -> Answer {
        fn stopped<T: 'static>(done: Done<T>) -> Answer {
            answer(done, Err(StoreError::Stopped))
        }
        match self {
            Command::Insert(_, _, d) | Command::Close(_, d) => stopped(d),
            Command::Status(_, d) => stopped(d),
            Command::Reply(_, _, d) => stopped(d),
            Command::Expire(_, d) | Command::Renew(_, d) | Command::Release(d) => stopped(d),
            Command::Pending(d) | Command::Claim(_, d) => stopped(d),
            Command::Load(_, d) => stopped(d),
            Command::Summary(d) => stopped(d),
        }
    }
}

/// Answers are queued and sent only after the commit: nothing is acknowledged before it is
/// durable. A failed commit turns every answer of the batch into an error.
fn answer<T: 'static>(done: Done<T>, value: Result<T, StoreError>) -> Answer {
    Box::new(move |failure: Option<&StoreError>| {
        let result = match failure {
            Some(f) => Err(f.clone()),
            None => value,
        };
        let _ = done.send(result);
    })
}

/// What the store tells the dispatcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// This server stored a request (committed).
    Added(Entry),
    /// This server closed a request.
    Closed(Uuid),
    /// A shared store says requests were stored (by any server): time to claim.
    Wake,
}

/// A handle on the store thread; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<Command>,
    shared: bool,
}

/// Unix time now, in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A server's claim on the requests it delivers from a shared store.
#[derive(Debug, Clone)]
pub struct Lease {
    /// This server's id in the `lease_owner` column: host, pid and a random part.
    pub owner: String,
    /// How long a claim holds without renewal.
    pub duration: Duration,
}

impl Lease {
    pub fn new(duration: Duration) -> Lease {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        let random = Uuid::new();
        Lease {
            owner: format!("{host}:{}:{}", std::process::id(), &random.as_str()[..8]),
            duration,
        }
    }
}

/// Titanic's table on one backend.
pub enum Backend {
    /// A SQLite file, or the memory store (SQLite in memory).
    Sqlite(Connection),
    Postgres(Box<PgBackend>),
}

/// A PostgreSQL store: the connection, its prepared statements, this server's lease.
pub struct PgBackend {
    conn: pg::Conn,
    statements: Option<(u64, Statements)>,
    lease: Lease,
}

/// A store opened for writing, with the SQLite lock that makes it this process's.
pub struct Opened {
    pub backend: Backend,
    pub lock: Option<sqlite::Lock>,
}

/// Opens `location` for a server (or `migrate`'s target): a SQLite file is locked for this
/// process; the tables are created or upgraded.
pub fn open(location: &Location, lease: &Lease) -> Result<Opened> {
    match location {
        Location::Sqlite(path) => {
            let lock = sqlite::lock(path, "titanic serve")?;
            let mut conn = sqlite::open(path)?;
            sqlite::ensure_schema(&mut conn, &location.to_string(), &SQLITE_SCHEMA)
                .with_context(|| format!("{} is not a Titanic store", path.display()))?;
            Ok(Opened {
                backend: Backend::Sqlite(conn),
                lock: Some(lock),
            })
        }
        Location::Memory => {
            let mut conn = memory::open()?;
            sqlite::ensure_schema(&mut conn, "memory:", &SQLITE_SCHEMA)?;
            Ok(Opened {
                backend: Backend::Sqlite(conn),
                lock: None,
            })
        }
        Location::Postgres(target) => {
            let mut conn = pg::Conn::open((**target).clone())?;
            let client = conn.client()?;
            pg::ensure_schema(client, &location.to_string(), &PG_SCHEMA)?;
            Ok(Opened {
                backend: Backend::Postgres(Box::new(PgBackend {
                    conn,
                    statements: None,
                    lease: lease.clone(),
                })),
                lock: None,
            })
        }
    }
}

/// Opens an existing store to read it (`titanic ls`, `migrate`'s source), changing nothing.
pub fn open_reader(location: &Location) -> Result<Backend> {
    match location {
        Location::Sqlite(path) => {
            let conn = sqlite::open_read_only(path)?;
            sqlite::check_schema(&conn, &location.to_string(), &SQLITE_SCHEMA)?;
            Ok(Backend::Sqlite(conn))
        }
        Location::Memory => anyhow::bail!(
            "a memory: store lives inside its titanic serve process; there is nothing to read \
             from outside it"
        ),
        Location::Postgres(target) => {
            let mut conn = pg::Conn::open((**target).clone())?;
            pg::check_schema(conn.client()?, &location.to_string(), &PG_SCHEMA)?;
            Ok(Backend::Postgres(Box::new(PgBackend {
                conn,
                statements: None,
                lease: Lease::new(Duration::ZERO),
            })))
        }
    }
}

/// Keeps a connection that LISTENs for new requests on a shared store, and calls `wake` when
/// one may be there to claim. Nothing for a store of one server.
pub fn listen(
    location: &Location,
    stop: Shutdown,
    wake: impl FnMut() + Send + 'static,
) -> Option<std::thread::JoinHandle<()>> {
    match location {
        Location::Postgres(target) => Some(pg::listen((**target).clone(), CHANNEL, stop, wake)),
        _ => None,
    }
}

/// Requests oldest first: all of them, or only those still waiting for a reply.
fn select_entries(conn: &Connection, pending_only: bool) -> rusqlite::Result<Vec<Entry>> {
    let sql = if pending_only {
        "SELECT uuid, service, created, replied FROM requests WHERE reply IS NULL ORDER BY seq"
    } else {
        "SELECT uuid, service, created, replied FROM requests ORDER BY seq"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok(entry(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        entries.extend(row?);
    }
    Ok(entries)
}

/// An entry from its columns; a row whose id does not decode (damaged by hand) is skipped,
/// not fatal.
fn entry(
    uuid: String,
    service: Vec<u8>,
    created_ms: i64,
    replied_ms: Option<i64>,
) -> Option<Entry> {
    let entry = Uuid::parse(uuid.as_bytes()).map(|uuid| Entry {
        uuid,
        service: service.into(),
        created_ms,
        replied_ms,
    });
    if entry.is_none() {
        log::warn!("skipped a request whose id is damaged in the store");
    }
    entry
}

impl Backend {
    /// Whether several servers share it (and so claim requests with leases).
    pub fn is_shared(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }

    /// Every request in the store, oldest first.
    pub fn list(&mut self) -> Result<Vec<Entry>, StoreError> {
        match self {
            Backend::Sqlite(conn) => Ok(select_entries(conn, false)?),
            Backend::Postgres(pg) => {
                let (client, st) = pg.ready()?;
                let rows = client
                    .query(&st.list, &[])
                    .inspect_err(|e| pg.conn.failed(e))?;
                Ok(rows
                    .iter()
                    .filter_map(|r| entry(r.get(0), r.get(1), r.get(2), r.get(3)))
                    .collect())
            }
        }
    }

    /// How many requests wait for a reply, and since when the oldest.
    pub fn pending_summary(&mut self) -> Result<PendingSummary, StoreError> {
        match self {
            Backend::Sqlite(conn) => Ok(sqlite_summary(conn)?),
            Backend::Postgres(pg) => {
                let (client, st) = pg.ready()?;
                let row = client
                    .query_one(&st.summary, &[])
                    .inspect_err(|e| pg.conn.failed(e))?;
                Ok(PendingSummary {
                    count: row.get::<_, i64>(0).max(0) as u64,
                    oldest_created_ms: row.get(1),
                })
            }
        }
    }

    /// Up to `limit` records after sequence number `after`, in order, with their numbers.
    pub fn export(&mut self, after: i64, limit: usize) -> Result<Vec<(i64, Record)>, StoreError> {
        fn record(
            uuid: String,
            service: Vec<u8>,
            body: Vec<u8>,
            created_ms: i64,
            reply: Option<Vec<u8>>,
            replied_ms: Option<i64>,
        ) -> Record {
            Record {
                uuid,
                service,
                body,
                created_ms,
                reply,
                replied_ms,
            }
        }
        match self {
            Backend::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(
                    "SELECT seq, uuid, service, body, created, reply, replied FROM requests
                     WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![after, limit as i64], |r| {
                    Ok((
                        r.get(0)?,
                        record(
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                        ),
                    ))
                })?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            }
            Backend::Postgres(pg) => {
                let (client, st) = pg.ready()?;
                let rows = client
                    .query(&st.export, &[&after, &(limit as i64)])
                    .inspect_err(|e| pg.conn.failed(e))?;
                Ok(rows
                    .iter()
                    .map(|r| {
                        (
                            r.get(0),
                            record(r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)),
                        )
                    })
                    .collect())
            }
        }
    }

    /// Stores `records` in one transaction, skipping those already there (by UUID); returns
    /// how many were new. A shared store's servers are told.
    pub fn import(&mut self, records: &[Record]) -> Result<usize, StoreError> {
        match self {
            Backend::Sqlite(conn) => {
                let tx = conn.transaction()?;
                let mut added = 0;
                {
                    let mut stmt = tx.prepare_cached(
                        "INSERT OR IGNORE INTO requests (uuid, service, body, created, reply, replied)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?;
                    for r in records {
                        added += stmt.execute(params![
                            r.uuid,
                            r.service,
                            r.body,
                            r.created_ms,
                            r.reply,
                            r.replied_ms
                        ])?;
                    }
                }
                tx.commit()?;
                Ok(added)
            }
            Backend::Postgres(pg) => {
                let (client, st) = pg.ready()?;
                let result = (|| {
                    let mut tx = client.transaction()?;
                    let mut added = 0;
                    for r in records {
                        added += tx.execute(
                            &st.import,
                            &[
                                &r.uuid,
                                &r.service,
                                &r.body,
                                &r.created_ms,
                                &r.reply,
                                &r.replied_ms,
                            ],
                        )? as usize;
                    }
                    tx.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
                    tx.commit()?;
                    Ok(added)
                })();
                result
                    .inspect_err(|e| pg.conn.failed(e))
                    .map_err(StoreError::from)
            }
        }
    }
}

fn sqlite_summary(conn: &Connection) -> rusqlite::Result<PendingSummary> {
    conn.prepare_cached("SELECT count(*), min(created) FROM requests WHERE reply IS NULL")?
        .query_row([], |r| {
            Ok(PendingSummary {
                count: r.get::<_, i64>(0)?.max(0) as u64,
                oldest_created_ms: r.get(1)?,
            })
        })
}

/// The statements of a PostgreSQL connection, prepared once per connection.
struct Statements {
    insert: postgres::Statement,
    status: postgres::Statement,
    reply: postgres::Statement,
    close: postgres::Statement,
    expire: postgres::Statement,
    pending: postgres::Statement,
    load: postgres::Statement,
    claim: postgres::Statement,
    renew: postgres::Statement,
    orphans: postgres::Statement,
    release: postgres::Statement,
    summary: postgres::Statement,
    list: postgres::Statement,
    export: postgres::Statement,
    import: postgres::Statement,
}

impl Statements {
    fn prepare(client: &mut postgres::Client) -> Result<Statements, postgres::Error> {
        Ok(Statements {
            insert: client.prepare(
                "INSERT INTO titanic_requests (uuid, service, body, created) VALUES ($1, $2, $3, $4)",
            )?,
            status: client.prepare("SELECT reply, body FROM titanic_requests WHERE uuid = $1")?,
            reply: client.prepare(
                "UPDATE titanic_requests
                 SET reply = $2, replied = $3, lease_owner = NULL, lease_until = NULL
                 WHERE uuid = $1 AND reply IS NULL",
            )?,
            close: client.prepare("DELETE FROM titanic_requests WHERE uuid = $1")?,
            expire: client.prepare(
                "DELETE FROM titanic_requests WHERE reply IS NOT NULL AND replied < $1",
            )?,
            pending: client.prepare(
                "SELECT uuid, service, created, replied FROM titanic_requests
                 WHERE reply IS NULL ORDER BY seq",
            )?,
            load: client.prepare(
                "SELECT service, body FROM titanic_requests
                 WHERE uuid = $1 AND reply IS NULL AND lease_owner = $2 AND lease_until > now()",
            )?,
            claim: client.prepare(
                "UPDATE titanic_requests
                 SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
                 WHERE seq IN (
                     SELECT seq FROM titanic_requests
                     WHERE reply IS NULL AND (lease_until IS NULL OR lease_until < now())
                     ORDER BY seq LIMIT $3
                     FOR UPDATE SKIP LOCKED)
                 RETURNING seq, uuid, service, created",
            )?,
            renew: client.prepare(
                "UPDATE titanic_requests SET lease_until = now() + make_interval(secs => $2)
                 WHERE lease_owner = $1 AND reply IS NULL AND uuid = ANY($3)",
            )?,
            orphans: client.prepare(
                "UPDATE titanic_requests SET lease_owner = NULL, lease_until = NULL
                 WHERE lease_owner = $1 AND reply IS NULL AND NOT (uuid = ANY($2))",
            )?,
            release: client.prepare(
                "UPDATE titanic_requests SET lease_owner = NULL, lease_until = NULL
                 WHERE lease_owner = $1 AND reply IS NULL",
            )?,
            summary: client.prepare(
                "SELECT count(*), min(created) FROM titanic_requests WHERE reply IS NULL",
            )?,
            list: client.prepare(
                "SELECT uuid, service, created, replied FROM titanic_requests ORDER BY seq",
            )?,
            export: client.prepare(
                "SELECT seq, uuid, service, body, created, reply, replied FROM titanic_requests
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
            )?,
            import: client.prepare(
                "INSERT INTO titanic_requests (uuid, service, body, created, reply, replied)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uuid) DO NOTHING",
            )?,
        })
    }
}

impl PgBackend {
    /// The connection (made again if it was lost) and its prepared statements.
    fn ready(&mut self) -> Result<(&mut postgres::Client, &Statements), StoreError> {
        self.conn.client()?;
        let generation = self.conn.generation();
        let client = self.conn.client()?;
        if self
            .statements
            .as_ref()
            .is_none_or(|(g, _)| *g != generation)
        {
            self.statements = None;
            match Statements::prepare(client) {
                Ok(st) => self.statements = Some((generation, st)),
                Err(e) => {
                    self.conn.failed(&e);
                    return Err(e.into());
                }
            }
        }
        let (_, st) = self.statements.as_ref().expect("prepared just above");
        Ok((self.conn.client()?, st))
    }
}

impl Store {
    /// Starts the store thread on `backend`. After each commit that adds or closes requests,
    /// `notify` is called with what changed (to wake the dispatcher).
    pub fn spawn(backend: Backend, notify: impl FnMut(Vec<Notice>) + Send + 'static) -> Store {
        let (tx, rx) = mpsc::channel();
        let shared = backend.is_shared();
        std::thread::spawn(move || serve(backend, rx, notify));
        Store { tx, shared }
    }

    /// Whether other servers share this store (requests are then claimed with leases).
    pub fn is_shared(&self) -> bool {
        self.shared
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

    /// Stores a reply; false if the request is gone (closed meanwhile) or already replied.
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

    /// A request still waiting for its reply, with its body; `None` once replied or closed,
    /// and, in a shared store, once this server's lease on it is gone (another server may
    /// deliver it now: this one must not).
    pub fn load(&self, uuid: Uuid) -> Result<Option<StoreRequest>, StoreError> {
        self.ask(|done| Command::Load(uuid, done))
    }

    /// Claims up to `limit` pending requests no server holds a lease on, oldest first, for
    /// this server. For a store of one server every pending request is its own: this is the
    /// first `limit` of them.
    pub fn claim(&self, limit: usize) -> Result<Vec<Entry>, StoreError> {
        self.ask(|done| Command::Claim(limit, done))
    }

    /// Extends this server's leases on `held` (the requests its dispatcher holds) by the
    /// lease duration, and gives up any other lease it has (a claim whose answer was lost
    /// with its connection): those are claimed again at the next sweep. Returns how many it
    /// renewed.
    pub fn renew(&self, held: Vec<Uuid>) -> Result<usize, StoreError> {
        self.ask(|done| Command::Renew(held, done))
    }

    /// Gives up this server's leases (at a clean stop), so others deliver at once.
    pub fn release(&self) -> Result<usize, StoreError> {
        self.ask(Command::Release)
    }

    /// How many requests wait for a reply (in the whole store), and since when the oldest.
    pub fn pending_summary(&self) -> Result<PendingSummary, StoreError> {
        self.ask(Command::Summary)
    }
}

/// The store thread: batches of commands, one transaction (one commit) per batch.
fn serve(mut backend: Backend, rx: mpsc::Receiver<Command>, mut notify: impl FnMut(Vec<Notice>)) {
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
        let failure = match &mut backend {
            Backend::Sqlite(conn) => run_batch(conn, batch, &mut answers, &mut notices)
                .err()
                .map(StoreError::from),
            Backend::Postgres(pg) => run_batch_pg(pg, batch, &mut answers, &mut notices).err(),
        };
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
                answers.push(answer(done, state_of(uuid, row.map_err(StoreError::from))));
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
            Command::Claim(limit, done) => {
                let result = select_entries(&tx, true).map(|mut all| {
                    all.truncate(limit);
                    all
                });
                answers.push(answer(done, result.map_err(StoreError::from)));
            }
            // One server per store: nothing to renew or release.
            Command::Renew(_, done) | Command::Release(done) => answers.push(answer(done, Ok(0))),
            Command::Summary(done) => {
                answers.push(answer(done, sqlite_summary(&tx).map_err(StoreError::from)));
            }
            Command::Load(uuid, done) => {
                let row: rusqlite::Result<Option<ServiceBody>> = tx
                    .prepare_cached(
                        "SELECT service, body FROM requests WHERE uuid = ?1 AND reply IS NULL",
                    )
                    .and_then(|mut s| {
                        s.query_row(params![uuid.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    });
                answers.push(answer(done, loaded(uuid, row.map_err(StoreError::from))));
            }
        }
    }
    tx.commit()
}

/// One batch on PostgreSQL. Unlike SQLite, a failed statement aborts the transaction, so the
/// first failure ends the batch: the commands after it are not run, and every command of the
/// batch is answered with that failure.
fn run_batch_pg(
    pg: &mut PgBackend,
    batch: Vec<Command>,
    answers: &mut Vec<Answer>,
    notices: &mut Vec<Notice>,
) -> Result<(), StoreError> {
    let (owner, lease) = (pg.lease.owner.clone(), pg.lease.duration.as_secs_f64());
    let (client, st) = match pg.ready() {
        Ok(ready) => ready,
        Err(e) => {
            answers.extend(batch.into_iter().map(Command::refused));
            return Err(e);
        }
    };
    let result = (|| -> Result<(), postgres::Error> {
        let mut tx = client.transaction()?;
        let mut failed: Option<postgres::Error> = None;
        let mut inserted = false;
        for cmd in batch {
            if failed.is_some() {
                answers.push(cmd.refused());
                continue;
            }
            macro_rules! run {
                ($e:expr) => {
                    match $e {
                        Ok(v) => Ok(v),
                        Err(e) => {
                            failed = Some(e);
                            Err(StoreError::Stopped)
                        }
                    }
                };
            }
            match cmd {
                Command::Insert(uuid, request, done) => {
                    let created = now_ms();
                    let body = encode_frames(&request.body);
                    let result = run!(tx.execute(
                        &st.insert,
                        &[&uuid.as_str(), &request.service.as_slice(), &body, &created],
                    ));
                    if result.is_ok() {
                        inserted = true;
                        notices.push(Notice::Added(Entry {
                            uuid,
                            service: request.service,
                            created_ms: created,
                            replied_ms: None,
                        }));
                    }
                    answers.push(answer(done, result.map(|_| ())));
                }
                Command::Status(uuid, done) => {
                    let row = run!(tx.query_opt(&st.status, &[&uuid.as_str()]))
                        .map(|row| row.map(|r| (r.get(0), r.get(1))));
                    answers.push(answer(done, state_of(uuid, row)));
                }
                Command::Reply(uuid, frames, done) => {
                    let result = run!(tx.execute(
                        &st.reply,
                        &[&uuid.as_str(), &encode_frames(&frames), &now_ms()],
                    ));
                    answers.push(answer(done, result.map(|n| n > 0)));
                }
                Command::Close(uuid, done) => {
                    let result = run!(tx.execute(&st.close, &[&uuid.as_str()]));
                    notices.push(Notice::Closed(uuid));
                    answers.push(answer(done, result.map(|_| ())));
                }
                Command::Expire(before, done) => {
                    let result = run!(tx.execute(&st.expire, &[&before]));
                    answers.push(answer(done, result.map(|n| n as usize)));
                }
                Command::Pending(done) => {
                    let rows = run!(tx.query(&st.pending, &[]));
                    let entries = rows.map(|rows| {
                        rows.iter()
                            .filter_map(|r| entry(r.get(0), r.get(1), r.get(2), None))
                            .collect()
                    });
                    answers.push(answer(done, entries));
                }
                Command::Claim(limit, done) => {
                    let rows = run!(tx.query(&st.claim, &[&owner, &lease, &(limit as i64)]));
                    let entries = rows.map(|rows| {
                        let mut rows: Vec<(i64, Option<Entry>)> = rows
                            .iter()
                            .map(|r| (r.get(0), entry(r.get(1), r.get(2), r.get(3), None)))
                            .collect();
                        rows.sort_by_key(|(seq, _)| *seq);
                        rows.into_iter().filter_map(|(_, e)| e).collect()
                    });
                    answers.push(answer(done, entries));
                }
                Command::Renew(held, done) => {
                    let held: Vec<&str> = held.iter().map(Uuid::as_str).collect();
                    let result = run!(tx.execute(&st.renew, &[&owner, &lease, &held]))
                        .and_then(|n| run!(tx.execute(&st.orphans, &[&owner, &held])).map(|_| n));
                    answers.push(answer(done, result.map(|n| n as usize)));
                }
                Command::Release(done) => {
                    let result = run!(tx.execute(&st.release, &[&owner]));
                    answers.push(answer(done, result.map(|n| n as usize)));
                }
                Command::Summary(done) => {
                    let row = run!(tx.query_one(&st.summary, &[]));
                    answers.push(answer(
                        done,
                        row.map(|r| PendingSummary {
                            count: r.get::<_, i64>(0).max(0) as u64,
                            oldest_created_ms: r.get(1),
                        }),
                    ));
                }
                Command::Load(uuid, done) => {
                    let row = run!(tx.query_opt(&st.load, &[&uuid.as_str(), &owner]))
                        .map(|row| row.map(|r| (r.get(0), r.get(1))));
                    answers.push(answer(done, loaded(uuid, row)));
                }
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        if inserted {
            tx.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
        }
        tx.commit()
    })();
    result.map_err(|e| {
        pg.conn.failed(&e);
        StoreError::from(e)
    })
}

/// A request's stored reply (if any) and body, as the database returns them.
type StoredRow = (Option<Vec<u8>>, Vec<u8>);

/// Where a request stands, from its stored reply and body; damage is an error, never an
/// empty reply.
fn state_of(uuid: Uuid, row: Result<Option<StoredRow>, StoreError>) -> Result<State, StoreError> {
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

/// A request's stored service and body, as the database returns them.
type ServiceBody = (Vec<u8>, Vec<u8>);

/// A request to send, from its stored service and body.
fn loaded(
    uuid: Uuid,
    row: Result<Option<ServiceBody>, StoreError>,
) -> Result<Option<StoreRequest>, StoreError> {
    match row? {
        None => Ok(None),
        Some((service, body)) => decode_frames(&body)
            .map(|body| {
                Some(StoreRequest {
                    service: service.into(),
                    body,
                })
            })
            .ok_or(StoreError::Corrupt { uuid, part: "body" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A SQLite file store with its table.
    fn file(path: &Path) -> Backend {
        let mut conn = sqlite::open(path).unwrap();
        sqlite::ensure_schema(&mut conn, "test", &SQLITE_SCHEMA).unwrap();
        Backend::Sqlite(conn)
    }

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
        let store = Store::spawn(file(&dir.path().join("t.db")), move |n| {
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
            let store = Store::spawn(file(&path), |_| {});
            store.insert(u, request("echo", "kept")).unwrap();
        }
        let store = Store::spawn(file(&path), |_| {});
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
        let _conn = sqlite::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// Regression: an existing store with mode 0644 was opened as it was.
    #[test]
    fn an_existing_store_others_may_read_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(sqlite::open(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(sqlite::open(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// Regression: a second titanic serve on the same store started without a word.
    #[test]
    fn one_server_per_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let held = sqlite::lock(&path, "titanic serve").unwrap();
        let err = sqlite::lock(&path, "titanic serve")
            .unwrap_err()
            .to_string();
        assert!(err.contains("in use by another titanic serve"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(held);
        assert!(
            sqlite::lock(&path, "titanic serve").is_ok(),
            "released with its holder"
        );
        let err = sqlite::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn expiry_removes_old_replies_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::spawn(file(&dir.path().join("t.db")), |_| {});
        let (a, b) = (Uuid::new(), Uuid::new());
        store.insert(a, request("s", "a")).unwrap();
        store.insert(b, request("s", "b")).unwrap();
        store.reply(a, vec![Frame::copy(b"A")]).unwrap();
        assert_eq!(store.expire(now_ms() + 1000).unwrap(), 1);
        assert_eq!(store.status(a).unwrap(), State::Unknown);
        assert_eq!(store.status(b).unwrap(), State::Pending);
    }

    /// A damaged stored reply used to be answered as a 200 with an empty body, and a damaged
    /// body silently dropped its request on every restart.
    #[test]
    fn damage_is_reported_not_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::spawn(file(&path), |_| {});
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
        assert!(open(&Location::Sqlite(path), &Lease::new(Duration::ZERO)).is_err());
    }

    #[test]
    fn concurrent_inserts_share_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::spawn(file(&dir.path().join("t.db")), |_| {});
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

    #[test]
    fn summaries_and_claims_on_a_store_of_one_server() {
        let store = Store::spawn(
            open(&Location::Memory, &Lease::new(Duration::ZERO))
                .unwrap()
                .backend,
            |_| {},
        );
        assert!(!store.is_shared());
        assert_eq!(store.pending_summary().unwrap(), PendingSummary::default());
        let (a, b) = (Uuid::new(), Uuid::new());
        store.insert(a, request("s", "a")).unwrap();
        store.insert(b, request("s", "b")).unwrap();
        let summary = store.pending_summary().unwrap();
        assert_eq!(summary.count, 2);
        assert!(summary.oldest_age(now_ms() + 5000).unwrap() >= Duration::from_secs(5));
        let claimed: Vec<Uuid> = store.claim(1).unwrap().iter().map(|e| e.uuid).collect();
        assert_eq!(claimed, [a], "oldest first");
        assert_eq!(store.renew(vec![a]).unwrap(), 0);
        store.reply(a, vec![Frame::copy(b"A")]).unwrap();
        assert_eq!(store.pending_summary().unwrap().count, 1);
    }

    #[test]
    fn import_skips_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = file(&dir.path().join("a.db"));
        let mut to = file(&dir.path().join("b.db"));
        let store = Store::spawn(file(&dir.path().join("a.db")), |_| {});
        let (a, b) = (Uuid::new(), Uuid::new());
        store.insert(a, request("s", "a")).unwrap();
        store.insert(b, request("s", "b")).unwrap();
        store.reply(b, vec![Frame::copy(b"B")]).unwrap();
        let records: Vec<Record> = from
            .export(0, 100)
            .unwrap()
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        assert_eq!(records.len(), 2);
        assert_eq!(
            from.export(2, 100).unwrap().len(),
            0,
            "after the last one: nothing"
        );
        assert_eq!(to.import(&records).unwrap(), 2);
        assert_eq!(to.import(&records).unwrap(), 0, "twice: nothing new");
        let copied = Store::spawn(to, |_| {});
        assert_eq!(
            copied.status(b).unwrap(),
            State::Replied(vec![Frame::copy(b"B")])
        );
        assert_eq!(copied.load(a).unwrap(), Some(request("s", "a")));
    }
}
