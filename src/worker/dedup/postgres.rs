//! The PostgreSQL backend of `--dedup`, on the store module's connection (TLS, reconnection,
//! the schema version table): one table shared by workers on several machines. A claim is a
//! single `INSERT ... ON CONFLICT DO NOTHING`: of several workers claiming one stamp at once,
//! the one whose row went in wins, whatever machine it runs on. Each statement commits on its
//! own (autocommit), so a claim or a reply is durable when the call returns.
//!
//! Times are the workers' clocks (Unix ms): a run is given up for lost by another machine's
//! clock, which the give-up margin allows to be a few seconds apart.

use anyhow::Context as _;

use super::sqlite::{ABANDONED, ANSWERED, RUNNING, read_record};
use super::{Digest, Record, Store, StoreError};
use crate::mdp::Frame;
use crate::mdp::stamp::Stamp;
use crate::store::{Schema, postgres as pg};
use crate::titanic::tsp::encode_frames;

/// Version 2 keeps the digest of each claim's body (`body_digest`; NULL in the rows of
/// version 1, whose repeats are not compared).
const SCHEMA: Schema<'static> = Schema {
    component: "dedup",
    version: 2,
    create: "CREATE TABLE IF NOT EXISTS zmqtool_dedup (
                 owner       BYTEA NOT NULL,
                 client_id   BYTEA NOT NULL,
                 key         BYTEA NOT NULL,
                 state       BIGINT NOT NULL,
                 claimed     BIGINT NOT NULL,
                 give_up     BIGINT NOT NULL,
                 answered    BIGINT,
                 reply       BYTEA,
                 body_digest BYTEA,
                 PRIMARY KEY (owner, client_id, key)
             );
             CREATE INDEX IF NOT EXISTS zmqtool_dedup_age
                 ON zmqtool_dedup ((coalesce(answered, claimed)));",
    upgrades: &["ALTER TABLE zmqtool_dedup ADD COLUMN IF NOT EXISTS body_digest BYTEA;"],
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
    fn insert(
        &mut self,
        stamp: &Stamp,
        body: &Digest,
        now_ms: i64,
        give_up_ms: i64,
    ) -> Result<bool, StoreError> {
        let digest = &body.0[..];
        let inserted = self.with(|c| {
            c.execute(
                "INSERT INTO zmqtool_dedup
                     (owner, client_id, key, state, claimed, give_up, body_digest)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                &[
                    &stamp.owner,
                    &stamp.client_id,
                    &stamp.key,
                    &RUNNING,
                    &now_ms,
                    &give_up_ms,
                    &digest,
                ],
            )
        })?;
        Ok(inserted == 1)
    }

    fn record(&mut self, stamp: &Stamp) -> Result<Option<Record>, StoreError> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT state, give_up, reply, body_digest FROM zmqtool_dedup
                 WHERE owner = $1 AND client_id = $2 AND key = $3",
                &[&stamp.owner, &stamp.client_id, &stamp.key],
            )
        })?;
        row.map(|r| read_record(stamp, r.get(0), r.get(1), r.get(2), r.get(3)))
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
    use crate::worker::dedup::{Claim, Entry};

    /// The test server's URL (ZMQTOOL_TEST_POSTGRES); `None` after saying so outside CI.
    fn test_server() -> Option<String> {
        let url = std::env::var("ZMQTOOL_TEST_POSTGRES").ok();
        if url.is_none() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but ZMQTOOL_TEST_POSTGRES is not"
            );
            println!("skipped: set ZMQTOOL_TEST_POSTGRES");
        }
        url
    }

    /// Against a real server: one claim wins, and the reply and the first body's digest are
    /// kept.
    #[test]
    fn one_claim_wins_and_the_reply_is_kept() {
        let Some(url) = test_server() else { return };
        let target = pg::Target::parse(&url).unwrap();
        let mut a = Postgres::open(target.clone()).unwrap();
        let mut b = Postgres::open(target).unwrap();
        let key = format!("unit-{}", std::process::id());
        let stamp = Stamp::new("pg-test", &key).unwrap();
        let now = super::super::now_ms();
        let pay = Digest::of(&[Frame::copy(b"pay 10")]);
        let other = Digest::of(&[Frame::copy(b"pay 99")]);
        assert_eq!(a.claim(&stamp, &pay, now, now + 1_000).unwrap(), Claim::Won);
        assert_eq!(
            b.claim(&stamp, &other, now, now + 2_000).unwrap(),
            Claim::Seen(Record {
                entry: Entry::Running {
                    give_up_ms: now + 1_000
                },
                body: Some(pay),
            })
        );
        let reply = vec![Frame::copy(b"ok"), Frame::empty()];
        a.answer(&stamp, &reply, now).unwrap();
        assert_eq!(
            b.record(&stamp).unwrap(),
            Some(Record {
                entry: Entry::Answered(reply),
                body: Some(pay),
            })
        );
    }

    /// A PostgreSQL schema of the test's own on the test server, dropped at the end.
    struct Scratch {
        url: String,
        name: String,
    }

    impl Scratch {
        fn new(url: &str, name: String) -> Scratch {
            let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
            admin
                .batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name};"
                ))
                .unwrap();
            Scratch {
                url: url.to_string(),
                name,
            }
        }

        /// The test server's URL, with this schema as the search path.
        fn url(&self) -> String {
            let options = format!("options=-csearch_path%3D{}", self.name);
            match self.url.split_once('?') {
                Some((base, query)) => format!("{base}?{query}&{options}"),
                None => format!("{}?{options}", self.url),
            }
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Ok(mut admin) = postgres::Client::connect(&self.url, postgres::NoTls) {
                let _ =
                    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
            }
        }
    }

    /// A database whose dedup table is of version 1 is upgraded when a worker opens it: the
    /// old rows keep their replies, without a digest (their repeats are not compared), and
    /// new claims keep theirs.
    #[test]
    fn a_version_1_table_is_upgraded() {
        let Some(url) = test_server() else { return };
        let scratch = Scratch::new(&url, format!("zmqtool_dedup_v1_{}", std::process::id()));
        let mut old_zmqtool = postgres::Client::connect(&scratch.url(), postgres::NoTls).unwrap();
        old_zmqtool
            .batch_execute(
                "CREATE TABLE zmqtool_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
                 INSERT INTO zmqtool_schema VALUES ('dedup', 1);
                 CREATE TABLE zmqtool_dedup (
                     owner BYTEA NOT NULL, client_id BYTEA NOT NULL, key BYTEA NOT NULL,
                     state BIGINT NOT NULL, claimed BIGINT NOT NULL, give_up BIGINT NOT NULL,
                     answered BIGINT, reply BYTEA,
                     PRIMARY KEY (owner, client_id, key));",
            )
            .unwrap();
        let reply = vec![Frame::copy(b"paid")];
        old_zmqtool
            .execute(
                "INSERT INTO zmqtool_dedup VALUES ($1, $2, $3, $4, 10, 1000, 20, $5)",
                &[
                    &&b"-"[..],
                    &&b"c"[..],
                    &&b"old"[..],
                    &ANSWERED,
                    &encode_frames(&reply),
                ],
            )
            .unwrap();
        let mut store = Postgres::open(pg::Target::parse(&scratch.url()).unwrap()).unwrap();
        crate::worker::dedup::check_upgraded(&mut store, reply);
        let version: i32 = old_zmqtool
            .query_one(
                "SELECT version FROM zmqtool_schema WHERE component = 'dedup'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(version, 2);
    }
}
