//! `zmqtool worker --dedup STORE`: a stamped request (`mdp::stamp`) runs at most once.
//!
//! For every stamp it is given, the worker records in a durable [`Store`] either "running"
//! (claimed, before the command starts) or "answered with this reply" (stored before the reply
//! is sent); each write is committed before the worker goes on. So, whatever crashes when:
//!
//! - a repeat of an answered stamp gets the stored reply, and nothing runs
//!   ([`Outcome::Replayed`]);
//! - a repeat of a stamp still running waits for that run's reply ([`Outcome::Waited`]);
//! - a repeat whose body differs from the first request's (the key used again for another
//!   request: a script that sends ORDER-42 twice for two orders) gets an error reply, and
//!   nothing runs ([`Outcome::Mismatch`]): each claim keeps a [`Digest`] of its body;
//! - a stamp whose run never answered (its worker died, or gave the job up) is not run again:
//!   once the run's deadline has passed (the claiming worker's `--exec-timeout` plus
//!   [`GIVE_UP_MARGIN`]), its repeats get an error reply, "outcome unknown"
//!   ([`Outcome::Unknown`]). Whether the command took effect cannot be known from outside it:
//!   this is the limit of the method.
//!
//! [`Rules`] is the decision, without I/O and with the time passed in; [`Dedup`] is the
//! handler that carries it out around the worker's own handler; the backends are
//! [`sqlite`] (one file, shared by the workers of one machine; also `memory:`) and
//! [`postgres`] (one database, shared by workers on several machines).
//! Replies are kept for the window (`--dedup-window`) and then removed.

pub mod postgres;
pub mod sqlite;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Handler;
use super::exec::error_reply;
use crate::mdp::stamp::{Outcome, Stamp, take_stamp};
use crate::mdp::{Frame, ReplyKind};
use crate::store::Location;

/// Added to the claiming worker's `--exec-timeout` before a run that never answered is given
/// up for lost: room for the claim, the reply's write, and clocks a little apart.
pub const GIVE_UP_MARGIN: Duration = Duration::from_secs(5);

/// How often a repeat waiting for a running stamp looks at the store again.
pub const WAIT_POLL: Duration = Duration::from_millis(100);

/// Removing expired replies is looked at no more often than this.
const EXPIRE_EVERY: Duration = Duration::from_secs(60);

/// The test-only fault-injection hook: with this set in its environment, a `--dedup` worker
/// exits (status 86) right after storing a fresh reply and before sending it, as if killed
/// there. `tests/dedup.rs` uses it to stop a worker between "stored" and "sent".
pub const EXIT_AFTER_STORE_ENV: &str = "ZMQTOOL_FAULT_EXIT_AFTER_STORE";

/// A request body's SHA-256, over each frame's length (8 bytes, big-endian) and bytes, so
/// that frames cannot be shifted from one to the next and keep the digest. Kept with the
/// claim: a repeat of the stamp is the same request only if its body has the same digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest(pub [u8; DIGEST_LEN]);

/// The length of a [`Digest`], in bytes.
pub const DIGEST_LEN: usize = 32;

impl Digest {
    /// The digest of the body `frames` (the stamp taken off).
    pub fn of(frames: &[Frame]) -> Digest {
        let mut sha = ring::digest::Context::new(&ring::digest::SHA256);
        for frame in frames {
            sha.update(&(frame.len() as u64).to_be_bytes());
            sha.update(frame);
        }
        let mut bytes = [0; DIGEST_LEN];
        bytes.copy_from_slice(sha.finish().as_ref());
        Digest(bytes)
    }

    /// A digest as a store holds it: `None` when it is not one.
    pub fn from_stored(bytes: &[u8]) -> Option<Digest> {
        bytes.try_into().ok().map(Digest)
    }
}

/// What the store holds for a stamp: where its run is, and the digest of the body that
/// claimed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub entry: Entry,
    /// `None`: claimed by a zmqtool that kept no digests (the dedup tables' version 1), so
    /// its repeats are not compared.
    pub body: Option<Digest>,
}

/// Where a stamp's run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Claimed and not answered; given up for lost at this time (Unix ms).
    Running { give_up_ms: i64 },
    /// Answered with this reply.
    Answered(Vec<Frame>),
    /// Its worker gave the run up (the broker that gave it went away mid-run): the
    /// outcome is unknown.
    Abandoned,
}

/// What claiming a stamp found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody had it: it is this worker's to run.
    Won,
    /// Somebody had it.
    Seen(Record),
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("dedup store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("dedup store: {0}")]
    Postgres(String),
    #[error("dedup store: the record of {0} does not decode")]
    Corrupt(String),
    #[error("dedup store: {0}")]
    Other(String),
}

/// A durable table of stamps. Every write is committed (on disk, or in the database) when it
/// returns. Claiming is one atomic insert: of several workers claiming one stamp at once,
/// exactly one wins.
pub trait Store: Send {
    /// Records `stamp` as running for a request whose body has the digest `body`, unless it
    /// is there already: one atomic insert. True when this call put it there.
    fn insert(
        &mut self,
        stamp: &Stamp,
        body: &Digest,
        now_ms: i64,
        give_up_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Claims `stamp` for a request whose body has the digest `body`: this worker's to run,
    /// or what the store holds for it.
    fn claim(
        &mut self,
        stamp: &Stamp,
        body: &Digest,
        now_ms: i64,
        give_up_ms: i64,
    ) -> Result<Claim, StoreError> {
        loop {
            if self.insert(stamp, body, now_ms, give_up_ms)? {
                return Ok(Claim::Won);
            }
            // None: removed between the insert and the read (the window passed): again.
            if let Some(record) = self.record(stamp)? {
                return Ok(Claim::Seen(record));
            }
        }
    }

    fn record(&mut self, stamp: &Stamp) -> Result<Option<Record>, StoreError>;
    fn answer(&mut self, stamp: &Stamp, reply: &[Frame], now_ms: i64) -> Result<(), StoreError>;
    fn abandon(&mut self, stamp: &Stamp) -> Result<(), StoreError>;
    /// Removes what was claimed or answered before `before_ms`; returns how many.
    fn expire(&mut self, before_ms: i64) -> Result<u64, StoreError>;
}

/// Opens a `--dedup` STORE string (the store module's: a file path or `sqlite:PATH` for
/// SQLite, `postgres://...` for PostgreSQL, `memory:` for this process only): one connection
/// now (so a bad STORE fails at start), more as jobs run at once.
pub fn open(location: &str) -> anyhow::Result<Pool> {
    let location = Location::parse(location)?;
    let more: Option<Opener> = match &location {
        Location::Sqlite(path) => {
            let path = path.clone();
            Some(Box::new(move || Ok(Box::new(sqlite::Sqlite::open(&path)?))))
        }
        Location::Postgres(target) => {
            let target = (**target).clone();
            Some(Box::new(move || {
                Ok(Box::new(postgres::Postgres::open(target.clone())?))
            }))
        }
        // One private database: its one connection is shared.
        Location::Memory => None,
    };
    let first: Box<dyn Store> = match &location {
        Location::Sqlite(path) => Box::new(sqlite::Sqlite::open(path)?),
        Location::Postgres(target) => Box::new(postgres::Postgres::open((**target).clone())?),
        Location::Memory => {
            log::warn!(
                "the dedup store is in memory only (--dedup memory:): what it knows is lost \
                 when this worker stops, and other workers do not share it"
            );
            Box::new(sqlite::Sqlite::memory()?)
        }
    };
    Ok(Pool::new(first, more))
}

/// Opens another connection to the same store.
pub type Opener = Box<dyn Fn() -> anyhow::Result<Box<dyn Store>> + Send + Sync>;

/// The worker's connections to its store: one per job using it at once, so that jobs of
/// several sessions commit side by side (a database commits them together) rather than one
/// after another behind a lock.
pub struct Pool {
    idle: Mutex<Vec<Box<dyn Store>>>,
    returned: std::sync::Condvar,
    /// `None`: the store has one connection only (`memory:`); jobs take turns with it.
    more: Option<Opener>,
}

impl Pool {
    pub fn new(first: Box<dyn Store>, more: Option<Opener>) -> Pool {
        Pool {
            idle: Mutex::new(vec![first]),
            returned: std::sync::Condvar::new(),
            more,
        }
    }

    /// Runs `f` on an idle connection, opening one when none is idle.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A thread that panicked holding the lock left only the list of idle connections.
        let lock = || self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let taken = {
            let mut idle = lock();
            loop {
                if let Some(store) = idle.pop() {
                    break Some(store);
                }
                if self.more.is_some() {
                    break None;
                }
                idle = self.returned.wait(idle).unwrap_or_else(|e| e.into_inner());
            }
        };
        // The lock is let go before the store is used: jobs use theirs side by side.
        let mut store = match (taken, &self.more) {
            (Some(store), _) => store,
            (None, Some(open)) => open().map_err(|e| StoreError::Other(format!("{e:#}")))?,
            (None, None) => return Err(StoreError::Other("no connection to the store".into())),
        };
        let result = f(store.as_mut());
        lock().push(store);
        self.returned.notify_one();
        result
    }
}

/// What to do next with a stamped request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Run the handler, store its reply, then send it.
    Run,
    /// Send this reply (its outcome frame goes in front of it); nothing runs.
    Reply(Outcome, Vec<Frame>),
    /// Look at the store again at this time (Unix ms).
    WaitUntil(i64),
}

/// The decision, from what the store says and the time.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// How long a claimed run may take before its repeats give it up: the worker's
    /// `--exec-timeout` plus [`GIVE_UP_MARGIN`].
    pub give_up_after: Duration,
    /// How often a waiting repeat looks again.
    pub poll: Duration,
}

impl Rules {
    pub fn for_exec_timeout(exec_timeout: Duration) -> Rules {
        Rules {
            give_up_after: exec_timeout + GIVE_UP_MARGIN,
            poll: WAIT_POLL,
        }
    }

    /// When a run claimed now is given up for lost.
    pub fn give_up_at(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(self.give_up_after.as_millis() as i64)
    }

    /// After claiming, for a request whose body has the digest `body`.
    pub fn on_claim(&self, claim: Claim, body: &Digest, now_ms: i64) -> Step {
        match claim {
            Claim::Won => Step::Run,
            Claim::Seen(record) => self.on_record(Some(record), body, now_ms, false),
        }
    }

    /// After looking at the stamp's record, for a request whose body has the digest `body`;
    /// `waited`: this repeat has waited for it.
    pub fn on_record(
        &self,
        record: Option<Record>,
        body: &Digest,
        now_ms: i64,
        waited: bool,
    ) -> Step {
        if let Some(Record {
            body: Some(first), ..
        }) = &record
            && first != body
        {
            return Step::Reply(Outcome::Mismatch, mismatch_reply());
        }
        match record.map(|r| r.entry) {
            Some(Entry::Answered(reply)) => {
                let outcome = if waited {
                    Outcome::Waited
                } else {
                    Outcome::Replayed
                };
                Step::Reply(outcome, reply)
            }
            Some(Entry::Running { give_up_ms }) if now_ms < give_up_ms => {
                Step::WaitUntil(give_up_ms.min(now_ms + self.poll.as_millis() as i64))
            }
            Some(Entry::Running { .. }) => Step::Reply(
                Outcome::Unknown,
                unknown_reply("its run started and never answered (its worker died or hung)"),
            ),
            Some(Entry::Abandoned) => Step::Reply(
                Outcome::Unknown,
                unknown_reply("its run was abandoned when its broker went away"),
            ),
            // Removed (the window passed) while this waited.
            None => Step::Reply(
                Outcome::Unknown,
                unknown_reply("its record expired while this repeat waited"),
            ),
        }
    }
}

/// The error reply of an [`Outcome::Mismatch`].
fn mismatch_reply() -> Vec<Frame> {
    error_reply(
        "key reused: this stamp came before with another request body; not run, and the \
         stored reply not sent (a new request needs a new key)",
        b"",
    )
}

/// The error reply of an [`Outcome::Unknown`].
fn unknown_reply(why: &str) -> Vec<Frame> {
    error_reply(
        &format!("outcome unknown: {why}; it was not run again"),
        b"",
    )
}

/// Counts of what the deduplicating handler did.
#[derive(Debug, Default)]
pub struct Counters {
    pub fresh: AtomicU64,
    pub replayed: AtomicU64,
    pub waited: AtomicU64,
    pub unknown: AtomicU64,
    pub mismatch: AtomicU64,
}

impl Counters {
    fn count(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Fresh => &self.fresh,
            Outcome::Replayed => &self.replayed,
            Outcome::Waited => &self.waited,
            Outcome::Unknown => &self.unknown,
            Outcome::Mismatch => &self.mismatch,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The worker's handler with stamps taken care of. Every zmqtool worker takes a stamp off
/// the front of a request (one reaches it through a broker that does not know the
/// extension); with a store (`--dedup`) it also keeps the reply under the stamp.
pub struct Dedup {
    inner: Arc<dyn Handler>,
    store: Option<Pool>,
    rules: Rules,
    window: Duration,
    /// When expired replies were last removed (Unix ms).
    expired_at: AtomicU64,
    pub counters: Counters,
    exit_after_store: bool,
}

impl Dedup {
    /// Takes stamps off and serves every request as unstamped (no `--dedup`).
    pub fn strip_only(inner: Arc<dyn Handler>) -> Dedup {
        Dedup {
            inner,
            store: None,
            rules: Rules::for_exec_timeout(Duration::ZERO),
            window: Duration::ZERO,
            expired_at: AtomicU64::new(0),
            counters: Counters::default(),
            exit_after_store: false,
        }
    }

    /// Keeps stamped requests' replies in `store` for `window`.
    pub fn new(inner: Arc<dyn Handler>, store: Pool, rules: Rules, window: Duration) -> Dedup {
        Dedup {
            store: Some(store),
            rules,
            window,
            exit_after_store: std::env::var_os(EXIT_AFTER_STORE_ENV).is_some(),
            ..Dedup::strip_only(inner)
        }
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(store) = &self.store else {
            return Err(StoreError::Other("no store".into()));
        };
        store.with(f)
    }

    /// Removes replies older than the window, at most once a minute.
    fn expire(&self, now_ms: i64) {
        let last = self.expired_at.load(Ordering::Relaxed) as i64;
        if now_ms - last < EXPIRE_EVERY.as_millis() as i64 {
            return;
        }
        self.expired_at.store(now_ms as u64, Ordering::Relaxed);
        let before = now_ms - self.window.as_millis() as i64;
        match self.with_store(|s| s.expire(before)) {
            Ok(0) => {}
            Ok(n) => log::info!("dedup: removed {n} stamps older than the window"),
            Err(e) => log::warn!("dedup: cannot remove old stamps: {e}"),
        }
    }

    /// Runs the inner handler and returns its FINAL body (PARTIALs are passed on as they
    /// come); `None` when the run was abandoned.
    fn run(
        &self,
        body: Vec<Frame>,
        cancel: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) -> Option<Vec<Frame>> {
        let mut last = None;
        self.inner
            .handle(body, cancel, &mut |kind, frames| match kind {
                ReplyKind::Final => last = Some(frames),
                ReplyKind::Partial => reply(kind, frames),
            });
        last
    }

    fn handle_stamped(
        &self,
        stamp: Stamp,
        body: Vec<Frame>,
        cancel: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        let now = now_ms();
        self.expire(now);
        let give_up = self.rules.give_up_at(now);
        let digest = Digest::of(&body);
        let mut step = match self.with_store(|s| s.claim(&stamp, &digest, now, give_up)) {
            Ok(claim) => self.rules.on_claim(claim, &digest, now),
            Err(e) => {
                // Never run what could not be claimed: it might be running elsewhere.
                log::warn!("{stamp}: not run, the claim failed: {e}");
                let why = format!("not run: the dedup store failed: {e}");
                return reply(ReplyKind::Final, error_reply(&why, b""));
            }
        };
        loop {
            match step {
                Step::Run => {
                    log::debug!("{stamp}: claimed; running it");
                    let Some(frames) = self.run(body, cancel, reply) else {
                        log::info!("{stamp}: abandoned mid-run; its repeats get outcome unknown");
                        if let Err(e) = self.with_store(|s| s.abandon(&stamp)) {
                            log::warn!("{stamp}: cannot record the abandoned run: {e}");
                        }
                        return;
                    };
                    if let Err(e) = self.with_store(|s| s.answer(&stamp, &frames, now_ms())) {
                        log::warn!(
                            "{stamp}: reply not stored ({e}); sent anyway, and its repeats \
                             will get outcome unknown"
                        );
                    } else if self.exit_after_store {
                        log::warn!(
                            "{stamp}: reply stored; exiting before sending it ({EXIT_AFTER_STORE_ENV})"
                        );
                        std::process::exit(86);
                    }
                    return self.send(&stamp, Outcome::Fresh, frames, reply);
                }
                Step::Reply(outcome, frames) => return self.send(&stamp, outcome, frames, reply),
                Step::WaitUntil(at) => {
                    if cancel.load(Ordering::SeqCst) {
                        return;
                    }
                    let now = now_ms();
                    if at > now {
                        std::thread::sleep(Duration::from_millis((at - now) as u64));
                    }
                    let now = now_ms();
                    step = match self.with_store(|s| s.record(&stamp)) {
                        Ok(record) => self.rules.on_record(record, &digest, now, true),
                        Err(e) => {
                            log::warn!("{stamp}: cannot read the store while waiting: {e}");
                            Step::WaitUntil(now + self.rules.poll.as_millis() as i64)
                        }
                    };
                }
            }
        }
    }

    fn send(
        &self,
        stamp: &Stamp,
        outcome: Outcome,
        frames: Vec<Frame>,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        self.counters.count(outcome);
        match outcome {
            Outcome::Fresh => log::debug!("{stamp}: ran; reply stored, sending it"),
            Outcome::Replayed => {
                log::info!("{stamp}: a repeat; replayed the stored reply (nothing ran)")
            }
            Outcome::Waited => log::info!(
                "{stamp}: a repeat of a running request; waited for its reply (nothing ran twice)"
            ),
            Outcome::Unknown => log::warn!(
                "{stamp}: a repeat of a run that never answered; outcome unknown (not run again)"
            ),
            Outcome::Mismatch => log::warn!(
                "{stamp}: key reused with another request body; answered with an error (not \
                 run, the stored reply not sent)"
            ),
        }
        let mut body = Vec::with_capacity(frames.len() + 1);
        body.push(outcome.to_frame());
        body.extend(frames);
        reply(ReplyKind::Final, body);
    }
}

impl Handler for Dedup {
    fn handle(
        &self,
        mut body: Vec<Frame>,
        cancel: &AtomicBool,
        reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
    ) {
        let stamp = match take_stamp(&mut body) {
            Ok(None) => return self.inner.handle(body, cancel, reply),
            Ok(Some(stamp)) => stamp,
            Err(e) => {
                // Through a broker that does not know the extension: answered (a worker that
                // dropped it would hold the request for ever), not run.
                log::info!("a request with a malformed stamp, not run: {e}");
                let why = format!("not run: malformed stamp: {e}");
                return reply(ReplyKind::Final, error_reply(&why, b""));
            }
        };
        if self.store.is_none() {
            log::info!(
                "{stamp}: stamped, served without deduplication (this worker has no --dedup)"
            );
            return self.inner.handle(body, cancel, reply);
        }
        self.handle_stamped(stamp, body, cancel, reply)
    }

    fn inline(&self) -> bool {
        self.store.is_none() && self.inner.inline()
    }
}

/// The wall clock in Unix milliseconds: claims are compared across processes.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// What every backend's upgrade test checks, on a store of version 1 holding the stamp
/// `c/old` answered with `reply` and now opened (so upgraded): the old row keeps its reply
/// and has no digest, and a new claim keeps its digest.
#[cfg(test)]
fn check_upgraded(store: &mut dyn Store, reply: Vec<Frame>) {
    let old = Stamp::new("c", "old").unwrap();
    let answered = Record {
        entry: Entry::Answered(reply),
        body: None,
    };
    assert_eq!(store.record(&old).unwrap(), Some(answered));
    let new = Stamp::new("c", "new").unwrap();
    let body = Digest::of(&[Frame::copy(b"x")]);
    assert!(store.insert(&new, &body, 30, 1_030).unwrap());
    assert_eq!(store.record(&new).unwrap().unwrap().body, Some(body));
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        give_up_after: Duration::from_secs(65),
        poll: Duration::from_millis(100),
    };

    fn stamp(key: &str) -> Stamp {
        Stamp::new("client", key).unwrap()
    }

    fn body(text: &str) -> Digest {
        Digest::of(&[Frame::copy(text.as_bytes())])
    }

    /// What the store holds for a stamp claimed with the body "pay".
    fn seen(entry: Entry) -> Claim {
        Claim::Seen(Record {
            entry,
            body: Some(body("pay")),
        })
    }

    #[test]
    fn a_won_claim_runs_and_an_answered_stamp_replays() {
        let pay = body("pay");
        assert_eq!(RULES.on_claim(Claim::Won, &pay, 0), Step::Run);
        let reply = vec![Frame::copy(b"ok")];
        let answered = Record {
            entry: Entry::Answered(reply.clone()),
            body: Some(pay),
        };
        assert_eq!(
            RULES.on_claim(Claim::Seen(answered.clone()), &pay, 0),
            Step::Reply(Outcome::Replayed, reply.clone())
        );
        assert_eq!(
            RULES.on_record(Some(answered), &pay, 0, true),
            Step::Reply(Outcome::Waited, reply)
        );
    }

    #[test]
    fn a_running_stamp_is_waited_for_until_it_is_given_up() {
        let pay = body("pay");
        let running = Record {
            entry: Entry::Running { give_up_ms: 1_000 },
            body: Some(pay),
        };
        assert_eq!(
            RULES.on_claim(Claim::Seen(running.clone()), &pay, 0),
            Step::WaitUntil(100)
        );
        assert_eq!(
            RULES.on_record(Some(running.clone()), &pay, 950, true),
            Step::WaitUntil(1_000)
        );
        let Step::Reply(Outcome::Unknown, frames) =
            RULES.on_record(Some(running), &pay, 1_000, true)
        else {
            panic!("a run past its deadline is given up");
        };
        let reason = crate::worker::exec::error_reason(&frames).unwrap();
        assert!(reason.starts_with("outcome unknown"), "{reason}");
    }

    #[test]
    fn abandoned_and_vanished_stamps_are_outcome_unknown() {
        let abandoned = Record {
            entry: Entry::Abandoned,
            body: Some(body("pay")),
        };
        for record in [Some(abandoned), None] {
            assert!(matches!(
                RULES.on_record(record, &body("pay"), 0, true),
                Step::Reply(Outcome::Unknown, _)
            ));
        }
    }

    /// A repeat with another body is the key used again for another request: an error reply,
    /// whatever became of the first (answered, running, abandoned), and no wait.
    #[test]
    fn a_repeat_with_another_body_is_a_mismatch_in_every_state() {
        let other = body("pay twice");
        for entry in [
            Entry::Answered(vec![Frame::copy(b"ok")]),
            Entry::Running { give_up_ms: 1_000 },
            Entry::Abandoned,
        ] {
            let Step::Reply(Outcome::Mismatch, frames) = RULES.on_claim(seen(entry), &other, 0)
            else {
                panic!("not a mismatch");
            };
            let reason = crate::worker::exec::error_reason(&frames).unwrap();
            assert!(reason.starts_with("key reused"), "{reason}");
        }
        // A record from before digests were kept is not compared.
        let unversioned = Record {
            entry: Entry::Answered(vec![Frame::copy(b"ok")]),
            body: None,
        };
        assert!(matches!(
            RULES.on_claim(Claim::Seen(unversioned), &other, 0),
            Step::Reply(Outcome::Replayed, _)
        ));
    }

    /// The digest's form is fixed (stores outlive a zmqtool): SHA-256 over each frame's
    /// length and bytes, so frames cannot trade bytes and keep it.
    #[test]
    fn the_digest_covers_every_frame_and_where_it_ends() {
        assert_eq!(
            crate::mdp::hex(&body("hi").0),
            "4c55bfa9bf6f8cfa15e60d96e973e4bb303886449c0100edb3b243eac7189366"
        );
        let frames = |parts: &[&str]| -> Vec<Frame> {
            parts.iter().map(|p| Frame::copy(p.as_bytes())).collect()
        };
        assert_ne!(
            Digest::of(&frames(&["ab", "c"])),
            Digest::of(&frames(&["a", "bc"]))
        );
        assert_ne!(Digest::of(&frames(&["a"])), Digest::of(&frames(&["a", ""])));
        assert_eq!(
            Digest::of(&frames(&["a", "b"])),
            Digest::of(&frames(&["a", "b"]))
        );
        assert_eq!(Digest::from_stored(&body("hi").0), Some(body("hi")));
        assert_eq!(Digest::from_stored(b"short"), None);
    }

    #[test]
    fn the_give_up_time_is_the_exec_timeout_plus_the_margin() {
        let rules = Rules::for_exec_timeout(Duration::from_secs(2));
        assert_eq!(rules.give_up_at(1_000), 1_000 + 7_000);
    }

    /// A handler that counts its runs and answers with the count; each run waits until
    /// `gate` is open.
    struct Count {
        runs: AtomicU64,
        gate: (Mutex<bool>, std::sync::Condvar),
    }

    impl Count {
        fn new(open: bool) -> Arc<Count> {
            Arc::new(Count {
                runs: AtomicU64::new(0),
                gate: (Mutex::new(open), std::sync::Condvar::new()),
            })
        }

        fn open(&self) {
            *self.gate.0.lock().unwrap() = true;
            self.gate.1.notify_all();
        }
    }

    impl Handler for Count {
        fn handle(
            &self,
            _: Vec<Frame>,
            _: &AtomicBool,
            reply: &mut dyn FnMut(ReplyKind, Vec<Frame>),
        ) {
            let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            let mut open = self.gate.0.lock().unwrap();
            while !*open {
                open = self.gate.1.wait(open).unwrap();
            }
            reply(ReplyKind::Final, vec![Frame::from(n.to_string().as_str())]);
        }
    }

    /// A deduplicating `inner` over a memory store (one connection, shared).
    fn dedup_over_memory(inner: Arc<Count>, poll: Duration) -> Dedup {
        let rules = Rules { poll, ..RULES };
        Dedup::new(
            inner,
            Pool::new(Box::new(sqlite::Sqlite::memory().unwrap()), None),
            rules,
            Duration::from_secs(60),
        )
    }

    /// Calls `dedup` with `key` and the body `text`; the reply.
    fn call(dedup: &Dedup, key: &str, text: &str) -> Vec<Frame> {
        let mut got = Vec::new();
        let body = vec![stamp(key).to_frame(), Frame::copy(text.as_bytes())];
        dedup.handle(body, &AtomicBool::new(false), &mut |_, f| got = f);
        got
    }

    /// The handler end to end over the memory store: one run per stamp, whatever repeats.
    #[test]
    fn the_handler_runs_each_stamp_once() {
        let inner = Count::new(true);
        let dedup = dedup_over_memory(inner.clone(), RULES.poll);
        let fresh = call(&dedup, "1", "pay");
        assert_eq!(fresh, vec![Outcome::Fresh.to_frame(), Frame::copy(b"1")]);
        assert_eq!(
            call(&dedup, "1", "pay"),
            vec![Outcome::Replayed.to_frame(), Frame::copy(b"1")]
        );
        assert_eq!(call(&dedup, "2", "pay")[1], Frame::copy(b"2"));
        assert_eq!(inner.runs.load(Ordering::SeqCst), 2);
        assert_eq!(dedup.counters.replayed.load(Ordering::SeqCst), 1);
        // Unstamped requests pass through untouched, and run every time.
        let mut got = Vec::new();
        dedup.handle(
            vec![Frame::copy(b"x")],
            &AtomicBool::new(false),
            &mut |_, f| got = f,
        );
        assert_eq!(got, vec![Frame::copy(b"3")]);
    }

    /// A key used again with another body gets the mismatch error: neither the stored reply
    /// nor a run. The first body still gets its stored reply.
    #[test]
    fn the_handler_answers_a_reused_key_with_an_error() {
        let inner = Count::new(true);
        let dedup = dedup_over_memory(inner.clone(), RULES.poll);
        assert_eq!(
            call(&dedup, "ORDER-42", "pay 10")[0],
            Outcome::Fresh.to_frame()
        );
        let reused = call(&dedup, "ORDER-42", "pay 99");
        assert_eq!(reused[0], Outcome::Mismatch.to_frame());
        let reason = crate::worker::exec::error_reason(&reused[1..]).unwrap();
        assert!(reason.starts_with("key reused"), "{reason}");
        assert_eq!(
            call(&dedup, "ORDER-42", "pay 10"),
            vec![Outcome::Replayed.to_frame(), Frame::copy(b"1")]
        );
        assert_eq!(inner.runs.load(Ordering::SeqCst), 1, "nothing ran again");
        assert_eq!(dedup.counters.mismatch.load(Ordering::SeqCst), 1);
    }

    /// Repeats of a running stamp wait on threads of their own while the run holds one, all
    /// sharing the store's one connection (`memory:`): none holds up the run, whose reply
    /// answers them all once it is let go; it ran once.
    #[test]
    fn repeats_waiting_for_a_run_do_not_hold_it_up() {
        let inner = Count::new(false);
        let dedup = Arc::new(dedup_over_memory(inner.clone(), Duration::from_millis(5)));
        let first = {
            let dedup = dedup.clone();
            std::thread::spawn(move || call(&dedup, "1", "pay"))
        };
        while inner.runs.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        let repeats: Vec<_> = (0..4)
            .map(|_| {
                let dedup = dedup.clone();
                std::thread::spawn(move || call(&dedup, "1", "pay"))
            })
            .collect();
        // Each repeat finds the stamp running (the run has started) and polls the shared
        // connection until the reply is stored, or comes after it: either way, the run's reply.
        inner.open();
        assert_eq!(
            first.join().unwrap(),
            vec![Outcome::Fresh.to_frame(), Frame::copy(b"1")]
        );
        for repeat in repeats {
            let reply = repeat.join().unwrap();
            assert!(
                reply[0] == Outcome::Waited.to_frame() || reply[0] == Outcome::Replayed.to_frame(),
                "{reply:?}"
            );
            assert_eq!(reply[1], Frame::copy(b"1"));
        }
        assert_eq!(inner.runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn without_a_store_the_stamp_is_taken_off_and_nothing_is_kept() {
        let strip = Dedup::strip_only(Arc::new(super::super::Echo));
        assert!(strip.inline());
        let mut got = Vec::new();
        let body = vec![stamp("1").to_frame(), Frame::copy(b"hi")];
        strip.handle(body, &AtomicBool::new(false), &mut |_, f| got = f);
        assert_eq!(got, vec![Frame::copy(b"hi")]);
    }
}
