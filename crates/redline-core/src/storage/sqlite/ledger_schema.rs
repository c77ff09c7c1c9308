//! The ledger schema as numbered migrations. Each migration runs in its own transaction and
//! records itself in `schema_version`; a database is brought up to date on open.
//!
//! Nothing is ever deleted: every table has a `BEFORE DELETE` trigger that aborts, and the
//! history and links tables abort on `UPDATE` as well (append-only).

use rusqlite::{Connection, OptionalExtension};

/// The migrations, numbered from 1 in order. Never edit one that has shipped: add a new one.
pub const MIGRATIONS: &[(i64, &str)] = &[(1, MIGRATION_1)];

const MIGRATION_1: &str = r#"
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    who         TEXT NOT NULL,
    added       INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    differing   INTEGER NOT NULL
);

CREATE TABLE issues (
    id               INTEGER PRIMARY KEY,
    clue_id          TEXT NOT NULL CHECK (length(clue_id) > 0),
    batch            TEXT NOT NULL CHECK (length(batch) > 0),
    year             INTEGER,
    lon              REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat              REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    geometry_geojson TEXT,
    activity         TEXT NOT NULL,
    area_m2          REAL,
    county_code      TEXT,
    county           TEXT,
    reserve          TEXT,
    reserve_level    TEXT,
    zone             TEXT,
    zone_cn          TEXT,
    distance_m       REAL,
    focus            INTEGER NOT NULL CHECK (focus IN (0, 1)),
    focus_reasons    TEXT NOT NULL DEFAULT '[]',
    departments      TEXT NOT NULL DEFAULT '[]',
    layer_versions   TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                       ('pending','confirmed','not_an_issue','rectifying','rectified','closed')),
    deadline         TEXT,
    responsible_unit TEXT,
    measures         TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    import_id        INTEGER NOT NULL REFERENCES imports(id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    -- A 0.01° grid cell for the look-back bounding-box prefilter (see import::grid_cell).
    cell             INTEGER GENERATED ALWAYS AS
                       (CAST((lat + 90.0) * 100.0 AS INTEGER) * 36001
                        + CAST((lon + 180.0) * 100.0 AS INTEGER)) STORED,
    UNIQUE (clue_id, batch)
);
CREATE INDEX issues_cell ON issues (cell);
CREATE INDEX issues_status ON issues (status);
CREATE INDEX issues_county ON issues (county);
CREATE INDEX issues_year ON issues (year);

CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues(id),
    version    INTEGER NOT NULL,
    at         TEXT NOT NULL,
    who        TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('import', 'transition', 'change')),
    from_status TEXT,
    to_status  TEXT,
    reason     TEXT,
    deadline   TEXT,
    unit       TEXT,
    measures   TEXT,
    changes    TEXT,
    UNIQUE (issue_id, version)
);

CREATE TABLE links (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues(id),
    earlier_id INTEGER NOT NULL REFERENCES issues(id),
    distance_m REAL NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'lookback',
    created_at TEXT NOT NULL,
    UNIQUE (issue_id, earlier_id)
);
CREATE INDEX links_earlier ON links (earlier_id);

CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports
BEGIN SELECT RAISE(ABORT, '台账记录不可删除 (ledger rows are never deleted: imports)'); END;
CREATE TRIGGER issues_no_delete BEFORE DELETE ON issues
BEGIN SELECT RAISE(ABORT, '台账记录不可删除 (ledger rows are never deleted: issues)'); END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, '台账记录不可删除 (ledger rows are never deleted: history)'); END;
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, '台账历史不可修改 (history is append-only)'); END;
CREATE TRIGGER links_no_delete BEFORE DELETE ON links
BEGIN SELECT RAISE(ABORT, '台账记录不可删除 (ledger rows are never deleted: links)'); END;
CREATE TRIGGER links_no_update BEFORE UPDATE ON links
BEGIN SELECT RAISE(ABORT, '回头看关联不可修改 (links are append-only)'); END;
CREATE TRIGGER imports_no_update BEFORE UPDATE ON imports
BEGIN SELECT RAISE(ABORT, '导入记录不可修改 (imports are append-only)'); END;
CREATE TRIGGER issues_version_moves BEFORE UPDATE ON issues
WHEN NEW.version <> OLD.version + 1 OR NEW.id <> OLD.id
BEGIN SELECT RAISE(ABORT, '台账修改必须递增版本号 (every change increments the version)'); END;
"#;

const BOOTSTRAP: &str = r#"
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS schema_version_no_delete BEFORE DELETE ON schema_version
BEGIN SELECT RAISE(ABORT, '台账记录不可删除 (ledger rows are never deleted: schema_version)'); END;
"#;

/// The highest migration applied (0 for a new database).
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    let v: Option<i64> = conn
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(v.unwrap_or(0))
}

/// Apply every migration the database lacks, each in one transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(BOOTSTRAP)?;
        tx.commit()?;
    }
    for &(number, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Checked inside the write transaction so two processes opening at once do not both
        // apply a migration.
        if current_version(&tx)? >= number {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
            rusqlite::params![number, crate::storage::now_utc()],
        )?;
        tx.commit()?;
    }
    Ok(())
}
