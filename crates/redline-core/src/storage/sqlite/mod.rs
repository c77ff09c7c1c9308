//! The embedded default store: SQLite files, opened in WAL mode with `synchronous=FULL`, foreign
//! keys on and a busy timeout, so that several processes may share them.
//!
//! * [`SqliteLedger`]: the ledger (`ledger.sqlite`), with numbered migrations ([`ledger_schema`]).
//! * [`SqliteService`]: the service database (`service.sqlite`).
//!
//! Nothing is ever deleted: triggers abort every `DELETE`, and every `UPDATE` of the
//! append-only tables.

mod ledger;
pub mod ledger_schema;
mod service;

pub use ledger::SqliteLedger;
pub use service::SqliteService;

use std::path::Path;

use super::StorageError;

/// A SQLite failure on the database at `path`.
pub(crate) fn db_error(path: &Path, e: rusqlite::Error) -> StorageError {
    StorageError::Database {
        db: path.display().to_string(),
        source: Box::new(e),
    }
}

/// A SQLite failure of the service database (its file is named at start-up).
impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database {
            db: "service.sqlite".into(),
            source: Box::new(e),
        }
    }
}

/// The pragmas every connection runs with; `WAL` must take.
pub(crate) fn configure(conn: &rusqlite::Connection, path: &Path) -> Result<(), StorageError> {
    let open = |e: rusqlite::Error| StorageError::Open {
        path: path.to_path_buf(),
        source: Box::new(e),
    };
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(open)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::Open {
            path: path.to_path_buf(),
            source: format!("无法启用 WAL 日志模式 (journal_mode is {mode})").into(),
        });
    }
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
        .map_err(open)
}
