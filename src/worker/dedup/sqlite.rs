//! The SQLite backend of `--dedup` (and of `memory:`, the same tables in this process's
//! memory), on the store module's SQLite file: WAL mode with `synchronous=FULL`, so a write
//! is on disk when it returns. Unlike Titanic's, the file is shared by the workers of one
//! machine (SQLite locks it between processes; a writer waits up to 5 s for another).

use std::path::Path;

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Digest, Entry, Record, Store, StoreError};
use crate::mdp::Frame;
use crate::mdp::stamp::Stamp;
use crate::store::{self, Schema};
use crate::titanic::tsp::{decode_frames, encode_frames};

pub(super) const RUNNING: i64 = 0;
pub(super) const ANSWERED: i64 = 1;
pub(super) const ABANDONED: i64 = 2;

/// Version 2 keeps the digest of each claim's body (`body_digest`; NULL in the rows of
/// version 1, whose repeats are not compared).
const SCHEMA: Schema<'static> = Schema {
    component: "dedup",
    version: 2,
    create: "CREATE TABLE IF NOT EXISTS zmqtool_dedup (
                 owner       BLOB NOT NULL,
                 client_id   BLOB NOT NULL,
                 key         BLOB NOT NULL,
                 state       INTEGER NOT NULL,
                 claimed     INTEGER NOT NULL,
                 give_up     INTEGER NOT NULL,
                 answered    INTEGER,
                 reply       BLOB,
                 body_digest BLOB,
                 PRIMARY KEY (owner, client_id, key)
             ) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS zmqtool_dedup_age
                 ON zmqtool_dedup(coalesce(answered, claimed));",
    upgrades: &["ALTER TABLE zmqtool_dedup ADD COLUMN body_digest BLOB;"],
    legacy_table: None,
};

pub struct Sqlite {
    conn: Connection,
}

impl Sqlite {
    /// Opens (creating) the store file at `path`.
    pub fn open(path: &Path) -> anyhow::Result<Sqlite> {
        let mut conn = store::sqlite::open(path)?;
        store::sqlite::ensure_schema(&mut conn, &path.display().to_string(), &SCHEMA)
            .with_context(|| format!("{} is not a dedup store", path.display()))?;
        Ok(Sqlite { conn })
    }

    /// A store in this process's memory only.
    pub fn memory() -> anyhow::Result<Sqlite> {
        let mut conn = store::memory::open()?;
        store::sqlite::ensure_schema(&mut conn, "memory:", &SCHEMA)?;
        Ok(Sqlite { conn })
    }
}

/// What the store holds for `stamp`, from the columns of its row: `state`, `give_up`, `reply`
/// and `body_digest`.
pub(super) fn read_record(
    stamp: &Stamp,
    state: i64,
    give_up: i64,
    reply: Option<Vec<u8>>,
    body_digest: Option<Vec<u8>>,
) -> Result<Record, StoreError> {
    let corrupt = || StoreError::Corrupt(stamp.to_string());
    let entry = match (state, reply) {
        (RUNNING, _) => Entry::Running {
            give_up_ms: give_up,
        },
        (ANSWERED, Some(blob)) => decode_frames(&blob)
            .map(Entry::Answered)
            .ok_or_else(corrupt)?,
        (ABANDONED, _) => Entry::Abandoned,
        _ => return Err(corrupt()),
    };
    let body = match body_digest {
        None => None,
        Some(bytes) => Some(Digest::from_stored(&bytes).ok_or_else(corrupt)?),
    };
    Ok(Record { entry, body })
}

impl Store for Sqlite {
    fn insert(
        &mut self,
        stamp: &Stamp,
        body: &Digest,
        now_ms: i64,
        give_up_ms: i64,
    ) -> Result<bool, StoreError> {
        let inserted = self.conn.execute(
            "INSERT INTO zmqtool_dedup
                 (owner, client_id, key, state, claimed, give_up, body_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            params![
                stamp.owner,
                stamp.client_id,
                stamp.key,
                RUNNING,
                now_ms,
                give_up_ms,
                &body.0[..]
            ],
        )?;
        Ok(inserted == 1)
    }

    fn record(&mut self, stamp: &Stamp) -> Result<Option<Record>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT state, give_up, reply, body_digest FROM zmqtool_dedup
                 WHERE owner = ?1 AND client_id = ?2 AND key = ?3",
                params![stamp.owner, stamp.client_id, stamp.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(state, give_up, reply, digest)| read_record(stamp, state, give_up, reply, digest))
            .transpose()
    }

    fn answer(&mut self, stamp: &Stamp, reply: &[Frame], now_ms: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE zmqtool_dedup SET state = ?4, answered = ?5, reply = ?6
             WHERE owner = ?1 AND client_id = ?2 AND key = ?3",
            params![
                stamp.owner,
                stamp.client_id,
                stamp.key,
                ANSWERED,
                now_ms,
                encode_frames(reply)
            ],
        )?;
        Ok(())
    }

    fn abandon(&mut self, stamp: &Stamp) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE zmqtool_dedup SET state = ?4
             WHERE owner = ?1 AND client_id = ?2 AND key = ?3 AND state = ?5",
            params![stamp.owner, stamp.client_id, stamp.key, ABANDONED, RUNNING],
        )?;
        Ok(())
    }

    fn expire(&mut self, before_ms: i64) -> Result<u64, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM zmqtool_dedup WHERE coalesce(answered, claimed) < ?1",
            params![before_ms],
        )?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::dedup::Claim;

    fn body(text: &str) -> Digest {
        Digest::of(&[Frame::copy(text.as_bytes())])
    }

    #[test]
    fn one_claim_wins_across_connections_and_the_reply_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dedup.db");
        let mut a = Sqlite::open(&path).unwrap();
        let mut b = Sqlite::open(&path).unwrap();
        let stamp = Stamp::new("c", "1").unwrap();
        let pay = body("pay 10");
        assert_eq!(a.claim(&stamp, &pay, 10, 1_000).unwrap(), Claim::Won);
        assert_eq!(
            b.claim(&stamp, &body("pay 99"), 11, 1_001).unwrap(),
            Claim::Seen(Record {
                entry: Entry::Running { give_up_ms: 1_000 },
                body: Some(pay),
            }),
            "the first claim's digest is kept, whatever a repeat's body"
        );
        let reply = vec![Frame::copy(b"ok"), Frame::empty()];
        a.answer(&stamp, &reply, 20).unwrap();
        drop((a, b));
        let mut c = Sqlite::open(&path).unwrap();
        assert_eq!(
            c.claim(&stamp, &pay, 30, 1_030).unwrap(),
            Claim::Seen(Record {
                entry: Entry::Answered(reply),
                body: Some(pay),
            })
        );
        // Another owner's stamp with the same id and key is another request.
        let other = stamp.clone().owned_by(b"someone");
        assert_eq!(c.claim(&other, &pay, 30, 1_030).unwrap(), Claim::Won);
        c.abandon(&other).unwrap();
        assert_eq!(c.record(&other).unwrap().unwrap().entry, Entry::Abandoned);
        assert_eq!(c.expire(25).unwrap(), 1);
        assert_eq!(c.record(&stamp).unwrap(), None);
    }

    /// The dedup tables of version 1, as a zmqtool without body digests wrote them.
    const VERSION_1: Schema<'static> = Schema {
        component: "dedup",
        version: 1,
        create: "CREATE TABLE zmqtool_dedup (
                     owner BLOB NOT NULL, client_id BLOB NOT NULL, key BLOB NOT NULL,
                     state INTEGER NOT NULL, claimed INTEGER NOT NULL, give_up INTEGER NOT NULL,
                     answered INTEGER, reply BLOB,
                     PRIMARY KEY (owner, client_id, key)
                 ) WITHOUT ROWID;",
        upgrades: &[],
        legacy_table: None,
    };

    /// A store of version 1 is upgraded in place when opened: its rows keep their replies and
    /// have no digest (their repeats are not compared); new claims keep theirs.
    #[test]
    fn a_version_1_store_is_upgraded_and_keeps_its_replies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dedup.db");
        let reply = vec![Frame::copy(b"paid")];
        {
            let mut conn = store::sqlite::open(&path).unwrap();
            store::sqlite::ensure_schema(&mut conn, "v1", &VERSION_1).unwrap();
            conn.execute(
                "INSERT INTO zmqtool_dedup VALUES (?1, ?2, ?3, ?4, 10, 1000, 20, ?5)",
                params![
                    &b"-"[..],
                    &b"c"[..],
                    &b"old"[..],
                    ANSWERED,
                    encode_frames(&reply)
                ],
            )
            .unwrap();
        }
        let mut upgraded = Sqlite::open(&path).unwrap();
        crate::worker::dedup::check_upgraded(&mut upgraded, reply);
        let version: u32 = upgraded
            .conn
            .query_row(
                "SELECT version FROM zmqtool_schema WHERE component = 'dedup'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, 2);
        // Opened again: already version 2, nothing to do.
        drop(upgraded);
        assert!(Sqlite::open(&path).is_ok());
    }

    #[test]
    fn a_digest_that_is_not_32_bytes_is_a_corrupt_record() {
        let stamp = Stamp::new("c", "1").unwrap();
        let read = read_record(&stamp, RUNNING, 5, None, Some(vec![1, 2, 3]));
        assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
    }
}
