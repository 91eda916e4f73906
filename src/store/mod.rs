//! Where state that must outlive a message is kept: one store module, three backends.
//!
//! A `--store` string names a [`Location`]:
//!
//! | written as | backend |
//! | --- | --- |
//! | a bare path, or `sqlite:PATH` | [`sqlite`]: one file on this machine, one process at a time |
//! | `postgres://...`, `postgresql://...`, libpq `key=value` pairs, or `postgres:` (all from `PG*`) | [`postgres`]: shared by processes on several machines |
//! | `memory:` | [`memory`]: this process's memory only; nothing survives a restart |
//!
//! Each component that keeps tables in a store (Titanic; later the worker's dedup table)
//! describes them as a [`Schema`]: the program creates them, records their version in the
//! `zmqtool_schema` table, and upgrades an older version in place. A store written by a newer
//! zmqtool is refused with a clear error, never used as if it were understood.

pub mod memory;
pub mod postgres;
pub mod sqlite;

use std::fmt;
use std::path::PathBuf;

/// The table that records each component's schema version, in every backend.
pub const VERSION_TABLE: &str = "zmqtool_schema";

/// Where a store is.
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(Box<postgres::Target>),
    Memory,
}

/// A `--store` string that names no usable store.
#[derive(Debug, thiserror::Error)]
pub enum LocationError {
    #[error("--store is empty (a file path, postgres://..., or memory:)")]
    Empty,
    #[error("{0}")]
    Postgres(#[from] postgres::TargetError),
}

impl Location {
    /// Reads a `--store` string: see the module's table.
    pub fn parse(text: &str) -> Result<Location, LocationError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(LocationError::Empty);
        }
        if trimmed == "memory:" {
            return Ok(Location::Memory);
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(LocationError::Empty);
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if postgres::is_postgres(text) {
            return Ok(Location::Postgres(Box::new(postgres::Target::parse(text)?)));
        }
        Ok(Location::Sqlite(PathBuf::from(text)))
    }

    /// Whether several processes may use the store at once.
    pub fn is_shared(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

/// Shown in logs and errors: a path, `memory:`, or a PostgreSQL target without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(target) => write!(f, "{target}"),
            Location::Memory => f.write_str("memory:"),
        }
    }
}

/// A component's tables, as one backend writes them.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    /// The component's name in the version table ("titanic").
    pub component: &'static str,
    /// The version this zmqtool writes.
    pub version: u32,
    /// Creates the current version's tables from nothing.
    pub create: &'a str,
    /// `upgrades[i]` takes version `i + 1` to version `i + 2`.
    pub upgrades: &'a [&'a str],
    /// A table that was there before versions were recorded: a store that has it and no
    /// version row is taken as version 1.
    pub legacy_table: Option<&'a str>,
}

/// What opening a store must do to its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Nothing there yet: create it.
    Create,
    /// Tables from before versions were recorded: record version 1, then upgrade.
    Adopt,
    /// Run the upgrades from this version on.
    Upgrade(u32),
    /// Already the version this zmqtool writes.
    Current,
}

/// A schema this zmqtool cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the store {store} holds {component} tables of version {found}, newer than this zmqtool \
         ({version}) understands: use a newer zmqtool (the store was left untouched)"
    )]
    Newer {
        store: String,
        component: &'static str,
        found: u32,
        version: u32,
    },
    #[error(
        "the store {store} holds {component} tables of version {found}, which this zmqtool \
         ({version}) cannot upgrade: migrate it with the zmqtool that wrote it"
    )]
    NoUpgrade {
        store: String,
        component: &'static str,
        found: u32,
        version: u32,
    },
    #[error("the store {store} has no {component} tables (nothing has been stored there)")]
    Missing {
        store: String,
        component: &'static str,
    },
}

impl Schema<'_> {
    /// Decides what to do with a store whose version row says `found` (`None`: no row) and
    /// where the legacy table is (`legacy`) or is not there.
    pub fn plan(&self, store: &str, found: Option<u32>, legacy: bool) -> Result<Plan, SchemaError> {
        let version = self.version;
        match found {
            None if legacy => Ok(Plan::Adopt),
            None => Ok(Plan::Create),
            Some(v) if v == version => Ok(Plan::Current),
            Some(v) if v > version => Err(SchemaError::Newer {
                store: store.to_string(),
                component: self.component,
                found: v,
                version,
            }),
            Some(v) if v >= 1 && (v as usize) <= self.upgrades.len() => Ok(Plan::Upgrade(v)),
            Some(v) => Err(SchemaError::NoUpgrade {
                store: store.to_string(),
                component: self.component,
                found: v,
                version,
            }),
        }
    }

    /// For readers (`ls`), which change nothing: the version must be this one exactly.
    pub fn check_readable(
        &self,
        store: &str,
        found: Option<u32>,
        legacy: bool,
    ) -> Result<(), SchemaError> {
        match self.plan(store, found, legacy)? {
            Plan::Current => Ok(()),
            Plan::Adopt if self.version == 1 => Ok(()),
            Plan::Create => Err(SchemaError::Missing {
                store: store.to_string(),
                component: self.component,
            }),
            Plan::Adopt | Plan::Upgrade(_) => Err(SchemaError::NoUpgrade {
                store: store.to_string(),
                component: self.component,
                found: found.unwrap_or(1),
                version: self.version,
            }),
        }
    }

    /// The SQL to run, in order, to carry out `plan`.
    pub fn steps(&self, plan: Plan) -> Vec<&str> {
        match plan {
            Plan::Create => vec![self.create],
            Plan::Adopt => self.upgrades.to_vec(),
            Plan::Upgrade(from) => self.upgrades[from as usize - 1..].to_vec(),
            Plan::Current => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema<'static> = Schema {
        component: "titanic",
        version: 3,
        create: "create",
        upgrades: &["1to2", "2to3"],
        legacy_table: Some("requests"),
    };

    #[test]
    fn a_plan_for_every_version() {
        assert_eq!(SCHEMA.plan("s", None, false), Ok(Plan::Create));
        assert_eq!(SCHEMA.plan("s", None, true), Ok(Plan::Adopt));
        assert_eq!(SCHEMA.plan("s", Some(3), true), Ok(Plan::Current));
        assert_eq!(SCHEMA.plan("s", Some(2), true), Ok(Plan::Upgrade(2)));
        assert_eq!(SCHEMA.steps(Plan::Upgrade(1)), ["1to2", "2to3"]);
        assert_eq!(SCHEMA.steps(Plan::Upgrade(2)), ["2to3"]);
        assert_eq!(SCHEMA.steps(Plan::Adopt), ["1to2", "2to3"]);
        assert_eq!(SCHEMA.steps(Plan::Create), ["create"]);
        let newer = SCHEMA.plan("s", Some(4), true).unwrap_err().to_string();
        assert!(
            newer.contains("version 4, newer than this zmqtool (3)"),
            "{newer}"
        );
        assert!(matches!(
            SCHEMA.plan("s", Some(0), true),
            Err(SchemaError::NoUpgrade { .. })
        ));
    }

    #[test]
    fn readers_need_the_current_version() {
        assert!(SCHEMA.check_readable("s", Some(3), true).is_ok());
        assert!(SCHEMA.check_readable("s", Some(2), true).is_err());
        assert!(matches!(
            SCHEMA.check_readable("s", None, false),
            Err(SchemaError::Missing { .. })
        ));
    }

    #[test]
    fn store_strings() {
        assert!(matches!(Location::parse("memory:"), Ok(Location::Memory)));
        assert!(
            matches!(Location::parse("titanic.db"), Ok(Location::Sqlite(p)) if p == std::path::Path::new("titanic.db"))
        );
        assert!(
            matches!(Location::parse("sqlite:/var/t.db"), Ok(Location::Sqlite(p)) if p == std::path::Path::new("/var/t.db"))
        );
        assert!(
            matches!(Location::parse("sqlite:///var/t.db"), Ok(Location::Sqlite(p)) if p == std::path::Path::new("/var/t.db"))
        );
        assert!(matches!(
            Location::parse("postgres://u@db.example/titanic"),
            Ok(Location::Postgres(_))
        ));
        assert!(matches!(
            Location::parse("host=db.example dbname=titanic"),
            Ok(Location::Postgres(_))
        ));
        assert!(matches!(Location::parse(" "), Err(LocationError::Empty)));
        let shown = Location::parse("postgresql://u:secret@db.example:5433/titanic")
            .unwrap()
            .to_string();
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
    }
}
