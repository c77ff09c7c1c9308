//! The service database in SQLite (`service.sqlite` in the data folder): stored reviews, the decisions on
//! them, uploaded layer versions and the audit log. Decisions, layer versions and the audit log
//! are append-only (triggers abort every UPDATE and DELETE); a decision is superseded by a later
//! one, never overwritten.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use crate::accounts::{SessionRow, User, UserRow};
use crate::config::Role;
use crate::review::Verdict;
use crate::storage::records::{
    AuditRow, Decision, DecisionRow, LayerVersionRow, NewAudit, NewReview, ReviewFilter,
    ReviewSummary,
};
use crate::storage::{now_utc, ServiceStore, StorageError, StorageResult};

/// The schema; every statement is idempotent.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    who TEXT NOT NULL,
    county_code TEXT,
    county TEXT,
    files TEXT NOT NULL,
    verdict TEXT NOT NULL,
    parcels INTEGER NOT NULL,
    pass INTEGER NOT NULL,
    warn INTEGER NOT NULL,
    fail INTEGER NOT NULL,
    invalid INTEGER NOT NULL,
    layer_versions TEXT NOT NULL,
    report TEXT NOT NULL,
    geojson TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_created ON reviews(created_at);
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY,
    review_id INTEGER NOT NULL REFERENCES reviews(id),
    decision TEXT NOT NULL,
    decision_cn TEXT NOT NULL,
    who TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL,
    supersedes INTEGER REFERENCES review_decisions(id)
);
CREATE INDEX IF NOT EXISTS decisions_review ON review_decisions(review_id);
CREATE TABLE IF NOT EXISTS layer_versions (
    id INTEGER PRIMARY KEY,
    layer TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    features INTEGER NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    UNIQUE (layer, version)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    request_id TEXT NOT NULL,
    token_name TEXT NOT NULL,
    role TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    county TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_login_at TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(username);
CREATE TABLE IF NOT EXISTS login_attempts (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    client TEXT NOT NULL,
    ok INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_user ON login_attempts(username, at);
CREATE INDEX IF NOT EXISTS login_attempts_client ON login_attempts(client, at);
CREATE TRIGGER IF NOT EXISTS login_attempts_no_update BEFORE UPDATE ON login_attempts
    BEGIN SELECT RAISE(ABORT, 'login attempts are append-only'); END;
CREATE TRIGGER IF NOT EXISTS reviews_no_update BEFORE UPDATE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are never changed'); END;
CREATE TRIGGER IF NOT EXISTS reviews_no_delete BEFORE DELETE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON review_decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are superseded, never changed'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON review_decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS layers_no_update BEFORE UPDATE ON layer_versions
    BEGIN SELECT RAISE(ABORT, 'layer versions are never changed'); END;
CREATE TRIGGER IF NOT EXISTS layers_no_delete BEFORE DELETE ON layer_versions
    BEGIN SELECT RAISE(ABORT, 'layer versions are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// The service database in SQLite.
pub struct SqliteService {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteService")
            .field("path", &self.path)
            .finish()
    }
}

const SUMMARY_COLUMNS: &str = "id, created_at, who, county_code, county, files, verdict, \
    parcels, pass, warn, fail, invalid, layer_versions";

fn summary_from_row(r: &rusqlite::Row) -> rusqlite::Result<ReviewSummary> {
    let files: String = r.get(5)?;
    let verdict_text: String = r.get(6)?;
    let verdict = Verdict::parse(&verdict_text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            6,
            rusqlite::types::Type::Text,
            format!("unknown verdict {verdict_text}").into(),
        )
    })?;
    let versions: String = r.get(12)?;
    Ok(ReviewSummary {
        id: r.get(0)?,
        created_at: r.get(1)?,
        who: r.get(2)?,
        county_code: r.get(3)?,
        county: r.get(4)?,
        files: serde_json::from_str(&files).unwrap_or_default(),
        verdict_cn: verdict.label_cn(),
        verdict,
        parcels: r.get(7)?,
        pass: r.get(8)?,
        warn: r.get(9)?,
        fail: r.get(10)?,
        invalid: r.get(11)?,
        layer_versions: serde_json::from_str(&versions).unwrap_or_default(),
        decision: None,
    })
}

fn decision_from_row(r: &rusqlite::Row) -> rusqlite::Result<DecisionRow> {
    let code: String = r.get(2)?;
    Ok(DecisionRow {
        id: r.get(0)?,
        review_id: r.get(1)?,
        decision: Decision::parse(&code).unwrap_or(Decision::Amend),
        decision_cn: r.get(3)?,
        who: r.get(4)?,
        at: r.get(5)?,
        note: r.get(6)?,
        supersedes: r.get(7)?,
    })
}

const USER_COLUMNS: &str =
    "username, display_name, role, county, disabled, created_at, last_login_at, password_hash";

fn user_from_row(r: &rusqlite::Row) -> rusqlite::Result<UserRow> {
    let role: String = r.get(2)?;
    let role = Role::parse(&role).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("unknown role {role}").into(),
        )
    })?;
    Ok(UserRow {
        user: User {
            username: r.get(0)?,
            display_name: r.get(1)?,
            role,
            county: r.get(3)?,
            disabled: r.get::<_, i64>(4)? != 0,
            created_at: r.get(5)?,
            last_login_at: r.get(6)?,
        },
        password_hash: r.get(7)?,
    })
}

const DECISION_COLUMNS: &str = "id, review_id, decision, decision_cn, who, at, note, supersedes";

/// SQL of the decision in force of review `reviews.id`.
const LATEST_DECISION: &str = "(SELECT decision FROM review_decisions d WHERE d.review_id = reviews.id ORDER BY d.id DESC LIMIT 1)";

impl SqliteService {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> StorageResult<SqliteService> {
        let open = |e: rusqlite::Error| StorageError::Open {
            path: path.to_path_buf(),
            source: Box::new(e),
        };
        let conn = Connection::open(path).map_err(open)?;
        super::configure(&conn, path)?;
        conn.execute_batch(SCHEMA).map_err(open)?;
        Ok(SqliteService {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (each write is one statement
        // or one transaction), so a poisoned lock is still usable.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn where_clause(f: &ReviewFilter) -> (String, Vec<Value>) {
        let mut conds: Vec<String> = Vec::new();
        let mut vals: Vec<Value> = Vec::new();
        if let Some(v) = f.verdict {
            // The column is named by the enum, never by the request.
            conds.push(format!("{} > 0", v.as_str()));
        }
        if let Some(c) = &f.county {
            conds.push("(county_code = ? OR county = ?)".into());
            vals.push(Value::Text(c.clone()));
            vals.push(Value::Text(c.clone()));
        }
        if let Some(d) = &f.from {
            conds.push("substr(created_at, 1, 10) >= ?".into());
            vals.push(Value::Text(d.clone()));
        }
        if let Some(d) = &f.to {
            conds.push("substr(created_at, 1, 10) <= ?".into());
            vals.push(Value::Text(d.clone()));
        }
        if let Some(d) = &f.decision {
            if d == "none" {
                conds.push(format!("{LATEST_DECISION} IS NULL"));
            } else {
                conds.push(format!("{LATEST_DECISION} = ?"));
                vals.push(Value::Text(d.clone()));
            }
        }
        if conds.is_empty() {
            (String::new(), vals)
        } else {
            (format!(" WHERE {}", conds.join(" AND ")), vals)
        }
    }
}

impl ServiceStore for SqliteService {
    /// Store a review; returns its id and creation time.
    fn insert_review(&self, r: &NewReview) -> StorageResult<(i64, String)> {
        let at = now_utc();
        let files = serde_json::to_string(&r.files).unwrap_or_else(|_| "[]".into());
        let versions = serde_json::to_string(&r.layer_versions).unwrap_or_else(|_| "[]".into());
        let c = self.conn();
        c.execute(
            "INSERT INTO reviews (created_at, who, county_code, county, files, verdict, parcels, \
             pass, warn, fail, invalid, layer_versions, report, geojson) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                at,
                r.who,
                r.county_code,
                r.county,
                files,
                r.verdict.as_str(),
                r.counts[0],
                r.counts[1],
                r.counts[2],
                r.counts[3],
                r.counts[4],
                versions,
                r.report,
                r.geojson
            ],
        )?;
        Ok((c.last_insert_rowid(), at))
    }

    /// A stored review: its summary, the report JSON text and the GeoJSON text.
    fn review(&self, id: i64) -> StorageResult<Option<(ReviewSummary, String, String)>> {
        let c = self.conn();
        let row = c
            .query_row(
                &format!("SELECT {SUMMARY_COLUMNS}, report, geojson FROM reviews WHERE id = ?1"),
                [id],
                |r| Ok((summary_from_row(r)?, r.get(13)?, r.get(14)?)),
            )
            .optional()?;
        drop(c);
        match row {
            Some((mut s, report, geojson)) => {
                s.decision = self.decisions(id)?.pop();
                Ok(Some((s, report, geojson)))
            }
            None => Ok(None),
        }
    }

    /// Reviews matching `f`, newest first: (total, page).
    fn list_reviews(
        &self,
        f: &ReviewFilter,
        offset: usize,
        limit: usize,
    ) -> StorageResult<(usize, Vec<ReviewSummary>)> {
        let (w, vals) = Self::where_clause(f);
        let c = self.conn();
        let total: i64 = c.query_row(
            &format!("SELECT COUNT(*) FROM reviews{w}"),
            rusqlite::params_from_iter(vals.iter()),
            |r| r.get(0),
        )?;
        let mut page_vals = vals.clone();
        page_vals.push(Value::Integer(limit as i64));
        page_vals.push(Value::Integer(offset as i64));
        let mut stmt = c.prepare(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM reviews{w} ORDER BY id DESC LIMIT ? OFFSET ?"
        ))?;
        let mut rows: Vec<ReviewSummary> = stmt
            .query_map(
                rusqlite::params_from_iter(page_vals.iter()),
                summary_from_row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        drop(c);
        for r in &mut rows {
            r.decision = self.decisions(r.id)?.pop();
        }
        Ok((total as usize, rows))
    }

    /// Record a decision; it supersedes the one in force.
    fn add_decision(
        &self,
        review_id: i64,
        decision: Decision,
        who: &str,
        note: &str,
    ) -> StorageResult<DecisionRow> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let prev: Option<i64> = tx
            .query_row(
                "SELECT id FROM review_decisions WHERE review_id = ?1 ORDER BY id DESC LIMIT 1",
                [review_id],
                |r| r.get(0),
            )
            .optional()?;
        tx.execute(
            "INSERT INTO review_decisions (review_id, decision, decision_cn, who, at, note, supersedes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                review_id,
                decision.as_str(),
                decision.label_cn(),
                who,
                now_utc(),
                note,
                prev
            ],
        )?;
        let id = tx.last_insert_rowid();
        let row = tx.query_row(
            &format!("SELECT {DECISION_COLUMNS} FROM review_decisions WHERE id = ?1"),
            [id],
            decision_from_row,
        )?;
        tx.commit()?;
        Ok(row)
    }

    /// All decisions on a review, oldest first (the last is in force).
    fn decisions(&self, review_id: i64) -> StorageResult<Vec<DecisionRow>> {
        let c = self.conn();
        let mut stmt = c.prepare(&format!(
            "SELECT {DECISION_COLUMNS} FROM review_decisions WHERE review_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([review_id], decision_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Record an uploaded layer version.
    fn add_layer_version(&self, row: &LayerVersionRow) -> StorageResult<()> {
        self.conn().execute(
            "INSERT INTO layer_versions (layer, version, sha256, path, features, uploaded_at, uploaded_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                row.layer,
                row.version,
                row.sha256,
                row.path,
                row.features,
                row.uploaded_at,
                row.uploaded_by
            ],
        )?;
        Ok(())
    }

    /// Uploaded versions of a layer, oldest first.
    fn layer_versions(&self, layer: &str) -> StorageResult<Vec<LayerVersionRow>> {
        let c = self.conn();
        let mut stmt = c.prepare(
            "SELECT layer, version, sha256, features, uploaded_at, uploaded_by, path \
             FROM layer_versions WHERE layer = ?1 ORDER BY version",
        )?;
        let rows = stmt
            .query_map([layer], |r| {
                Ok(LayerVersionRow {
                    layer: r.get(0)?,
                    version: r.get(1)?,
                    sha256: r.get(2)?,
                    features: r.get(3)?,
                    uploaded_at: r.get(4)?,
                    uploaded_by: r.get(5)?,
                    path: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn insert_user(&self, u: &UserRow) -> StorageResult<bool> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO users (username, display_name, role, county, disabled, \
             password_hash, created_at, last_login_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                u.user.username,
                u.user.display_name,
                u.user.role.as_str(),
                u.user.county,
                i64::from(u.user.disabled),
                u.password_hash,
                u.user.created_at,
                u.user.last_login_at
            ],
        )?;
        Ok(n == 1)
    }

    fn user(&self, username: &str) -> StorageResult<Option<UserRow>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
                [username],
                user_from_row,
            )
            .optional()?)
    }

    fn users(&self) -> StorageResult<Vec<User>> {
        let c = self.conn();
        let mut stmt = c.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))?;
        let rows = stmt
            .query_map([], user_from_row)?
            .map(|r| r.map(|u| u.user))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn update_password(&self, username: &str, hash: &str) -> StorageResult<bool> {
        let n = self.conn().execute(
            "UPDATE users SET password_hash = ?2 WHERE username = ?1",
            params![username, hash],
        )?;
        Ok(n == 1)
    }

    fn update_disabled(&self, username: &str, disabled: bool) -> StorageResult<bool> {
        let n = self.conn().execute(
            "UPDATE users SET disabled = ?2 WHERE username = ?1",
            params![username, i64::from(disabled)],
        )?;
        Ok(n == 1)
    }

    fn touch_login(&self, username: &str, at: &str) -> StorageResult<()> {
        self.conn().execute(
            "UPDATE users SET last_login_at = ?2 WHERE username = ?1",
            params![username, at],
        )?;
        Ok(())
    }

    fn insert_session(&self, s: &SessionRow) -> StorageResult<()> {
        let c = self.conn();
        // Expired sessions are removed as new ones come.
        c.execute(
            "DELETE FROM sessions WHERE expires_at <= ?1",
            [&s.created_at],
        )?;
        c.execute(
            "INSERT INTO sessions (token_hash, username, csrf, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![s.token_hash, s.username, s.csrf, s.created_at, s.expires_at],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &str) -> StorageResult<Option<SessionRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT token_hash, username, csrf, created_at, expires_at FROM sessions \
                 WHERE token_hash = ?1",
                [token_hash],
                |r| {
                    Ok(SessionRow {
                        token_hash: r.get(0)?,
                        username: r.get(1)?,
                        csrf: r.get(2)?,
                        created_at: r.get(3)?,
                        expires_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn delete_sessions(&self, username: &str) -> StorageResult<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE username = ?1", [username])?;
        Ok(())
    }

    fn add_login_attempt(
        &self,
        username: &str,
        client: &str,
        ok: bool,
        at: &str,
    ) -> StorageResult<()> {
        self.conn().execute(
            "INSERT INTO login_attempts (at, username, client, ok) VALUES (?1, ?2, ?3, ?4)",
            params![at, username, client, i64::from(ok)],
        )?;
        Ok(())
    }

    fn failed_logins(
        &self,
        username: &str,
        client: &str,
        since: &str,
    ) -> StorageResult<(u32, u32, Option<String>)> {
        let c = self.conn();
        let by_user: u32 = c.query_row(
            "SELECT COUNT(*) FROM login_attempts WHERE username = ?1 AND at >= ?2 AND ok = 0",
            params![username, since],
            |r| r.get(0),
        )?;
        let by_client: u32 = c.query_row(
            "SELECT COUNT(*) FROM login_attempts WHERE client = ?1 AND at >= ?2 AND ok = 0",
            params![client, since],
            |r| r.get(0),
        )?;
        let oldest: Option<String> = c.query_row(
            "SELECT MIN(at) FROM login_attempts WHERE (username = ?1 OR client = ?2) \
             AND at >= ?3 AND ok = 0",
            params![username, client, since],
            |r| r.get(0),
        )?;
        Ok((by_user, by_client, oldest))
    }

    fn audit(&self, a: &NewAudit) -> StorageResult<()> {
        self.conn().execute(
            "INSERT INTO audit (at, request_id, token_name, role, method, path, status) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                now_utc(),
                a.request_id,
                a.token_name,
                a.role,
                a.method,
                a.path,
                a.status
            ],
        )?;
        Ok(())
    }

    /// The audit log, newest first: (total, page).
    fn audit_log(&self, offset: usize, limit: usize) -> StorageResult<(usize, Vec<AuditRow>)> {
        let c = self.conn();
        let total: i64 = c.query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))?;
        let mut stmt = c.prepare(
            "SELECT id, at, request_id, token_name, role, method, path, status FROM audit \
             ORDER BY id DESC LIMIT ?1 OFFSET ?2",
        )?;
        let rows = stmt
            .query_map(params![limit as i64, offset as i64], |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    request_id: r.get(2)?,
                    token_name: r.get(3)?,
                    role: r.get(4)?,
                    method: r.get(5)?,
                    path: r.get(6)?,
                    status: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok((total as usize, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::records::UsedLayer;

    fn review(county: &str, counts: [i64; 5]) -> NewReview {
        NewReview {
            who: "张三".into(),
            county_code: Some(county.into()),
            county: None,
            files: vec!["a.txt".into()],
            verdict: Verdict::Fail,
            counts,
            layer_versions: vec![UsedLayer {
                name: "basic_farmland".into(),
                version: 1,
                sha256: "ab".into(),
            }],
            report: "{}".into(),
            geojson: "{}".into(),
        }
    }

    #[test]
    fn decisions_are_superseded_never_overwritten() {
        let d = tempfile::tempdir().expect("tempdir");
        let s = SqliteService::open(&d.path().join("s.sqlite")).expect("open");
        let (id, _) = s
            .insert_review(&review("360222", [2, 1, 0, 1, 0]))
            .expect("insert");
        let a = s
            .add_decision(id, Decision::Amend, "李四", "补充界址点")
            .expect("first");
        let b = s
            .add_decision(id, Decision::Approve, "王五", "")
            .expect("second");
        assert_eq!(a.supersedes, None);
        assert_eq!(b.supersedes, Some(a.id));
        let all = s.decisions(id).expect("decisions");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].decision_cn, "补正");
        let (summary, _, _) = s.review(id).expect("get").expect("some");
        assert_eq!(
            summary.decision.map(|d| d.decision),
            Some(Decision::Approve)
        );
        let c = s.conn();
        assert!(c
            .execute("UPDATE review_decisions SET note = 'x'", [])
            .is_err());
        assert!(c.execute("DELETE FROM review_decisions", []).is_err());
        assert!(c.execute("DELETE FROM reviews", []).is_err());
    }

    /// Table test of the list filters over three reviews.
    #[test]
    fn list_filters() {
        let d = tempfile::tempdir().expect("tempdir");
        let s = SqliteService::open(&d.path().join("s.sqlite")).expect("open");
        let (a, _) = s
            .insert_review(&review("360222", [1, 1, 0, 0, 0]))
            .expect("a");
        let (b, _) = s
            .insert_review(&review("360281", [2, 0, 0, 2, 0]))
            .expect("b");
        let (c, _) = s
            .insert_review(&review("360222", [1, 0, 0, 0, 1]))
            .expect("c");
        s.add_decision(b, Decision::Reject, "x", "")
            .expect("decide");
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let cases: Vec<(ReviewFilter, Vec<i64>)> = vec![
            (ReviewFilter::default(), vec![c, b, a]),
            (
                ReviewFilter {
                    verdict: Some(Verdict::Fail),
                    ..Default::default()
                },
                vec![b],
            ),
            (
                ReviewFilter {
                    county: Some("360222".into()),
                    ..Default::default()
                },
                vec![c, a],
            ),
            (
                ReviewFilter {
                    decision: Some("none".into()),
                    ..Default::default()
                },
                vec![c, a],
            ),
            (
                ReviewFilter {
                    decision: Some("reject".into()),
                    ..Default::default()
                },
                vec![b],
            ),
            (
                ReviewFilter {
                    from: Some(today.clone()),
                    to: Some(today),
                    ..Default::default()
                },
                vec![c, b, a],
            ),
            (
                ReviewFilter {
                    to: Some("2000-01-01".into()),
                    ..Default::default()
                },
                vec![],
            ),
        ];
        for (f, want) in cases {
            let (total, rows) = s.list_reviews(&f, 0, 10).expect("list");
            assert_eq!(total, want.len(), "{f:?}");
            assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), want, "{f:?}");
        }
        let (total, page) = s
            .list_reviews(&ReviewFilter::default(), 1, 1)
            .expect("page");
        assert_eq!((total, page.len(), page[0].id), (3, 1, b));
    }
}
