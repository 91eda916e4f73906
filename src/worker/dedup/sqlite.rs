//! The SQLite backend of `--dedup` (and of `memory:`, the same tables in this process's
//! memory), on the store module's SQLite file: WAL mode with `synchronous=FULL`, so a write
//! is on disk when it returns. Unlike Titanic's, the file is shared by the workers of one
//! machine (SQLite locks it between processes; a writer waits up to 5 s for another).

use std::path::Path;

use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Entry, Store, StoreError};
use crate::mdp::Frame;
use crate::mdp::stamp::Stamp;
use crate::store::{self, Schema};
use crate::titanic::tsp::{decode_frames, encode_frames};

pub(super) const RUNNING: i64 = 0;
pub(super) const ANSWERED: i64 = 1;
pub(super) const ABANDONED: i64 = 2;

const SCHEMA: Schema<'static> = Schema {
    component: "dedup",
    version: 1,
    create: "CREATE TABLE IF NOT EXISTS zmqtool_dedup (
                 owner      BLOB NOT NULL,
                 client_id  BLOB NOT NULL,
                 key        BLOB NOT NULL,
                 state      INTEGER NOT NULL,
                 claimed    INTEGER NOT NULL,
                 give_up    INTEGER NOT NULL,
                 answered   INTEGER,
                 reply      BLOB,
                 PRIMARY KEY (owner, client_id, key)
             ) WITHOUT ROWID;
             CREATE INDEX IF NOT EXISTS zmqtool_dedup_age
                 ON zmqtool_dedup(coalesce(answered, claimed));",
    upgrades: &[],
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

pub(super) fn read_entry(
    stamp: &Stamp,
    state: i64,
    give_up: i64,
    reply: Option<Vec<u8>>,
) -> Result<Entry, StoreError> {
    match (state, reply) {
        (RUNNING, _) => Ok(Entry::Running {
            give_up_ms: give_up,
        }),
        (ANSWERED, Some(blob)) => decode_frames(&blob)
            .map(Entry::Answered)
            .ok_or_else(|| StoreError::Corrupt(stamp.to_string())),
        (ABANDONED, _) => Ok(Entry::Abandoned),
        _ => Err(StoreError::Corrupt(stamp.to_string())),
    }
}

impl Store for Sqlite {
    fn insert(&mut self, stamp: &Stamp, now_ms: i64, give_up_ms: i64) -> Result<bool, StoreError> {
        let inserted = self.conn.execute(
            "INSERT INTO zmqtool_dedup (owner, client_id, key, state, claimed, give_up)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            params![
                stamp.owner,
                stamp.client_id,
                stamp.key,
                RUNNING,
                now_ms,
                give_up_ms
            ],
        )?;
        Ok(inserted == 1)
    }

    fn entry(&mut self, stamp: &Stamp) -> Result<Option<Entry>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT state, give_up, reply FROM zmqtool_dedup
                 WHERE owner = ?1 AND client_id = ?2 AND key = ?3",
                params![stamp.owner, stamp.client_id, stamp.key],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<Vec<u8>>>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(state, give_up, reply)| read_entry(stamp, state, give_up, reply))
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

    #[test]
    fn one_claim_wins_across_connections_and_the_reply_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dedup.db");
        let mut a = Sqlite::open(&path).unwrap();
        let mut b = Sqlite::open(&path).unwrap();
        let stamp = Stamp::new("c", "1").unwrap();
        assert_eq!(a.claim(&stamp, 10, 1_000).unwrap(), Claim::Won);
        assert_eq!(
            b.claim(&stamp, 11, 1_001).unwrap(),
            Claim::Seen(Entry::Running { give_up_ms: 1_000 })
        );
        let reply = vec![Frame::copy(b"ok"), Frame::empty()];
        a.answer(&stamp, &reply, 20).unwrap();
        drop((a, b));
        let mut c = Sqlite::open(&path).unwrap();
        assert_eq!(
            c.claim(&stamp, 30, 1_030).unwrap(),
            Claim::Seen(Entry::Answered(reply))
        );
        // Another owner's stamp with the same id and key is another request.
        let other = stamp.clone().owned_by(b"someone");
        assert_eq!(c.claim(&other, 30, 1_030).unwrap(), Claim::Won);
        c.abandon(&other).unwrap();
        assert_eq!(c.entry(&other).unwrap(), Some(Entry::Abandoned));
        assert_eq!(c.expire(25).unwrap(), 1);
        assert_eq!(c.entry(&stamp).unwrap(), None);
    }
}
