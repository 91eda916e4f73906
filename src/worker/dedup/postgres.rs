//! The PostgreSQL backend of `--dedup`, on the store module's connection (TLS, reconnection,
//! the schema version table): one table shared by workers on several machines. A claim is a
//! single `INSERT ... ON CONFLICT DO NOTHING`: of several workers claiming one stamp at once,
//! the one whose row went in wins, whatever machine it runs on. Each statement commits on its
//! own (autocommit), so a claim or a reply is durable when the call returns.
//!
//! Times are the workers' clocks (Unix ms): a run is given up for lost by another machine's
//! clock, which the give-up margin allows to be a few seconds apart.

use anyhow::Context as _;

use super::sqlite::{ABANDONED, ANSWERED, RUNNING, read_entry};
use super::{Entry, Store, StoreError};
use crate::mdp::Frame;
use crate::mdp::stamp::Stamp;
use crate::store::{Schema, postgres as pg};
use crate::titanic::tsp::encode_frames;

const SCHEMA: Schema<'static> = Schema {
    component: "dedup",
    version: 1,
    create: "CREATE TABLE IF NOT EXISTS zmqtool_dedup (
                 owner      BYTEA NOT NULL,
                 client_id  BYTEA NOT NULL,
                 key        BYTEA NOT NULL,
                 state      BIGINT NOT NULL,
                 claimed    BIGINT NOT NULL,
                 give_up    BIGINT NOT NULL,
                 answered   BIGINT,
                 reply      BYTEA,
                 PRIMARY KEY (owner, client_id, key)
             );
             CREATE INDEX IF NOT EXISTS zmqtool_dedup_age
                 ON zmqtool_dedup ((coalesce(answered, claimed)));",
    upgrades: &[],
    legacy_table: None,
};

pub struct Postgres {
    conn: pg::Conn,
}

impl Postgres {
    pub fn open(target: pg::Target) -> anyhow::Result<Postgres> {
        let store = target.to_string();
        let mut conn = pg::Conn::open(target)?;
        let client = conn.client()?;
        pg::ensure_schema(client, &store, &SCHEMA)
            .with_context(|| format!("{store} cannot hold the dedup table"))?;
        Ok(Postgres { conn })
    }

    /// Runs `f` on the connection (made again if it was lost); a failure that may have lost
    /// the connection drops it, so the next call reconnects.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let client = self
            .conn
            .client()
            .map_err(|e| StoreError::Postgres(e.to_string()))?;
        match f(client) {
            Ok(v) => Ok(v),
            Err(e) => {
                self.conn.failed(&e);
                Err(StoreError::Postgres(e.to_string()))
            }
        }
    }
}

impl Store for Postgres {
    fn insert(&mut self, stamp: &Stamp, now_ms: i64, give_up_ms: i64) -> Result<bool, StoreError> {
        let inserted = self.with(|c| {
            c.execute(
                "INSERT INTO zmqtool_dedup (owner, client_id, key, state, claimed, give_up)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &[
                    &stamp.owner,
                    &stamp.client_id,
                    &stamp.key,
                    &RUNNING,
                    &now_ms,
                    &give_up_ms,
                ],
            )
        })?;
        Ok(inserted == 1)
    }

    fn entry(&mut self, stamp: &Stamp) -> Result<Option<Entry>, StoreError> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT state, give_up, reply FROM zmqtool_dedup
                 WHERE owner = $1 AND client_id = $2 AND key = $3",
                &[&stamp.owner, &stamp.client_id, &stamp.key],
            )
        })?;
        row.map(|r| read_entry(stamp, r.get(0), r.get(1), r.get(2)))
            .transpose()
    }

    fn answer(&mut self, stamp: &Stamp, reply: &[Frame], now_ms: i64) -> Result<(), StoreError> {
        let blob = encode_frames(reply);
        self.with(|c| {
            c.execute(
                "UPDATE zmqtool_dedup SET state = $4, answered = $5, reply = $6
                 WHERE owner = $1 AND client_id = $2 AND key = $3",
                &[
                    &stamp.owner,
                    &stamp.client_id,
                    &stamp.key,
                    &ANSWERED,
                    &now_ms,
                    &blob,
                ],
            )
        })?;
        Ok(())
    }

    fn abandon(&mut self, stamp: &Stamp) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE zmqtool_dedup SET state = $4
                 WHERE owner = $1 AND client_id = $2 AND key = $3 AND state = $5",
                &[
                    &stamp.owner,
                    &stamp.client_id,
                    &stamp.key,
                    &ABANDONED,
                    &RUNNING,
                ],
            )
        })?;
        Ok(())
    }

    fn expire(&mut self, before_ms: i64) -> Result<u64, StoreError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM zmqtool_dedup WHERE coalesce(answered, claimed) < $1",
                &[&before_ms],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::dedup::Claim;

    /// Against a real server (ZMQTOOL_TEST_POSTGRES): one claim wins, the reply is kept.
    #[test]
    fn one_claim_wins_and_the_reply_is_kept() {
        let Some(url) = std::env::var("ZMQTOOL_TEST_POSTGRES").ok() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but ZMQTOOL_TEST_POSTGRES is not"
            );
            println!("skipped: set ZMQTOOL_TEST_POSTGRES");
            return;
        };
        let target = pg::Target::parse(&url).unwrap();
        let mut a = Postgres::open(target.clone()).unwrap();
        let mut b = Postgres::open(target).unwrap();
        let key = format!("unit-{}", std::process::id());
        let stamp = Stamp::new("pg-test", &key).unwrap();
        let now = super::super::now_ms();
        assert_eq!(a.claim(&stamp, now, now + 1_000).unwrap(), Claim::Won);
        assert_eq!(
            b.claim(&stamp, now, now + 2_000).unwrap(),
            Claim::Seen(Entry::Running {
                give_up_ms: now + 1_000
            })
        );
        let reply = vec![Frame::copy(b"ok"), Frame::empty()];
        a.answer(&stamp, &reply, now).unwrap();
        assert_eq!(b.entry(&stamp).unwrap(), Some(Entry::Answered(reply)));
    }
}
