//! The ledger in SQLite (`ledger.sqlite`): the [`LedgerStore`] of the embedded default.
//!
//! The issue's columns are [`ISSUE_FIELDS`], in that order, everywhere: the schema, the
//! `INSERT`, the `SELECT` of an entry and the row mapping are written from that one list.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, Transaction};
use serde_json::Value;

use super::{db_error, ledger_schema};
use crate::crs::Reprojector;
use crate::ledger::lifecycle::plan_transition;
use crate::ledger::{
    parse_date, Entry, Filter, HistoryRow, ImportReport, Issue, IssueDiff, LedgerError,
    LedgerResult, Link, Status, TransitionRequest, ISSUE_FIELDS,
};
use crate::storage::{IssueGroup, LedgerContext, LedgerStore, StorageError};

/// The ledger database file.
pub struct SqliteLedger {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteLedger")
            .field("path", &self.path)
            .finish()
    }
}

/// `id, <the issue's fields>, status, deadline, responsible_unit, measures, version,
/// created_at, updated_at`: the columns of an [`Entry`], in the order of [`entry_from_row`].
fn entry_columns() -> &'static str {
    static COLUMNS: OnceLock<String> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let mut c = vec!["id"];
        c.extend(ISSUE_FIELDS.iter().map(|(f, _)| *f));
        c.extend([
            "status",
            "deadline",
            "responsible_unit",
            "measures",
            "version",
            "created_at",
            "updated_at",
        ]);
        c.join(", ")
    })
}

/// The `INSERT` of a new issue: its fields, then status, version, import and times.
fn insert_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let fields: Vec<&str> = ISSUE_FIELDS.iter().map(|(f, _)| *f).collect();
        let n = fields.len();
        let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
        format!(
            "INSERT INTO issues ({}, status, version, import_id, created_at, updated_at) \
             VALUES ({}, 'pending', 1, ?{}, ?{}, ?{})",
            fields.join(", "),
            marks.join(", "),
            n + 1,
            n + 2,
            n + 2
        )
    })
}

/// The SQL value of an issue field given as JSON (as [`Issue::values`] gives it, or as a
/// checked change): numbers of `year` as integers, other numbers as reals, booleans as 0/1,
/// lists as their JSON text.
fn sql_value(field: &str, v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) if field == "year" => n.as_i64().map_or(SqlValue::Null, SqlValue::Integer),
        Value::Number(n) => n.as_f64().map_or(SqlValue::Null, SqlValue::Real),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// The SQL values of an issue, in [`ISSUE_FIELDS`] order, with the key trimmed.
fn issue_params(issue: &Issue) -> Vec<SqlValue> {
    let mut v: Vec<SqlValue> = ISSUE_FIELDS
        .iter()
        .zip(issue.values())
        .map(|((f, _), v)| sql_value(f, &v))
        .collect();
    v[0] = SqlValue::Text(issue.clue_id.trim().to_string());
    v[1] = SqlValue::Text(issue.batch.trim().to_string());
    v
}

fn json_list(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_else(|_| {
        if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        }
    })
}

/// An [`Entry`] from a row selected with [`entry_columns`].
fn entry_from_row(r: &Row<'_>, today: NaiveDate) -> rusqlite::Result<Entry> {
    let status_text: String = r.get(20)?;
    let status = Status::parse(&status_text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            20,
            rusqlite::types::Type::Text,
            format!("unknown status {status_text}").into(),
        )
    })?;
    let deadline = parse_date(r.get(21)?);
    let overdue = !status.is_done() && deadline.is_some_and(|d| d < today);
    Ok(Entry {
        id: r.get(0)?,
        issue: Issue {
            clue_id: r.get(1)?,
            batch: r.get(2)?,
            year: r.get(3)?,
            lon: r.get(4)?,
            lat: r.get(5)?,
            geometry_geojson: r.get(6)?,
            activity: r.get(7)?,
            area_m2: r.get(8)?,
            county_code: r.get(9)?,
            county: r.get(10)?,
            reserve: r.get(11)?,
            reserve_level: r.get(12)?,
            zone: r.get(13)?,
            zone_cn: r.get(14)?,
            distance_m: r.get(15)?,
            focus: r.get::<_, i64>(16)? != 0,
            focus_reasons: json_list(r.get(17)?),
            departments: json_list(r.get(18)?),
            layer_versions: r.get(19)?,
        },
        status,
        status_cn: status.label_cn().to_string(),
        deadline,
        responsible_unit: r.get(22)?,
        measures: r.get(23)?,
        version: r.get(24)?,
        created_at: r.get(25)?,
        updated_at: r.get(26)?,
        overdue,
    })
}

fn history_from_row(r: &Row<'_>) -> rusqlite::Result<HistoryRow> {
    let status = |s: Option<String>| s.as_deref().and_then(Status::parse);
    Ok(HistoryRow {
        id: r.get(0)?,
        issue_id: r.get(1)?,
        version: r.get(2)?,
        at: r.get(3)?,
        who: r.get(4)?,
        action: r.get(5)?,
        from: status(r.get(6)?),
        to: status(r.get(7)?),
        reason: r.get(8)?,
        deadline: parse_date(r.get(9)?),
        unit: r.get(10)?,
        measures: r.get(11)?,
        changes: r
            .get::<_, Option<String>>(12)?
            .and_then(|t| serde_json::from_str(&t).ok()),
    })
}

const LINK_SELECT: &str = "SELECT l.issue_id, n.clue_id, n.year, l.earlier_id, \
     e.clue_id, e.year, l.distance_m, l.created_at FROM links l \
     JOIN issues n ON n.id = l.issue_id JOIN issues e ON e.id = l.earlier_id";

fn link_from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
    Ok(Link {
        issue_id: r.get(0)?,
        clue_id: r.get(1)?,
        year: r.get(2)?,
        earlier_id: r.get(3)?,
        earlier_clue_id: r.get(4)?,
        earlier_year: r.get(5)?,
        distance_m: r.get(6)?,
        created_at: r.get(7)?,
    })
}

const OVERDUE_SQL: &str =
    "(deadline IS NOT NULL AND deadline < ? AND status NOT IN ('rectified', 'closed'))";
const NOT_OVERDUE_SQL: &str =
    "NOT (deadline IS NOT NULL AND deadline < ? AND status NOT IN ('rectified', 'closed'))";

/// The WHERE clause of a [`Filter`] (starting with ` WHERE`, or empty) and its parameters.
fn filter_sql(f: &Filter, today: NaiveDate) -> (String, Vec<SqlValue>) {
    let mut conds: Vec<&str> = Vec::new();
    let mut vals: Vec<SqlValue> = Vec::new();
    let text = |s: &str| SqlValue::Text(s.to_string());
    if let Some(s) = f.status {
        conds.push("status = ?");
        vals.push(text(s.as_str()));
    }
    if let Some(c) = &f.county {
        conds.push("(county = ? OR county_code = ?)");
        vals.push(text(c));
        vals.push(text(c));
    }
    if let Some(r) = &f.reserve {
        conds.push("reserve = ?");
        vals.push(text(r));
    }
    if let Some(z) = &f.zone {
        conds.push("(zone = ? OR zone_cn = ?)");
        vals.push(text(z));
        vals.push(text(z));
    }
    if let Some(focus) = f.focus {
        conds.push("focus = ?");
        vals.push(SqlValue::Integer(i64::from(focus)));
    }
    if let Some(o) = f.overdue {
        conds.push(if o { OVERDUE_SQL } else { NOT_OVERDUE_SQL });
        vals.push(SqlValue::Text(today.format("%Y-%m-%d").to_string()));
    }
    if let Some(y) = f.year {
        conds.push("year = ?");
        vals.push(SqlValue::Integer(i64::from(y)));
    }
    if let Some(b) = &f.batch {
        conds.push("batch = ?");
        vals.push(text(b));
    }
    if let Some(a) = &f.activity {
        conds.push("activity = ?");
        vals.push(text(a));
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = f.bbox {
        conds.push("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?");
        vals.extend([min_lon, max_lon, min_lat, max_lat].map(SqlValue::Real));
    }
    if conds.is_empty() {
        (String::new(), vals)
    } else {
        (format!(" WHERE {}", conds.join(" AND ")), vals)
    }
}

/// A history row to append.
struct NewHistory<'a> {
    issue_id: i64,
    version: i64,
    at: &'a str,
    who: &'a str,
    action: &'a str,
    from: Option<Status>,
    to: Option<Status>,
    reason: Option<&'a str>,
    deadline: Option<NaiveDate>,
    unit: Option<&'a str>,
    measures: Option<&'a str>,
    changes: Option<String>,
}

fn insert_history(conn: &Connection, h: &NewHistory<'_>) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO history (issue_id, version, at, who, action, from_status, to_status, reason, \
         deadline, unit, measures, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    stmt.execute(params![
        h.issue_id,
        h.version,
        h.at,
        h.who,
        h.action,
        h.from.map(Status::as_str),
        h.to.map(Status::as_str),
        h.reason,
        h.deadline.map(|d| d.format("%Y-%m-%d").to_string()),
        h.unit,
        h.measures,
        h.changes,
    ])?;
    Ok(())
}

/// Mean Earth radius (IUGG), metres: only for the degree box of the prefilter.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// How much wider than the look-back radius the degree box of the prefilter is: the planar
/// distance of the working CRS and the mean sphere differ by well under 1 % in China (ellipsoid
/// radii of curvature within 0.7 % of the mean radius, Gauss-Krüger scale within 0.05 % of 1
/// inside a zone), so 5 % keeps the box a superset of the circle.
const PREFILTER_MARGIN: f64 = 1.05;

/// The planar distance in metres between two CGCS2000 lon/lat points, measured in the working
/// CRS (the one distance model of the project).
fn planar_m(to_w: &Reprojector, a: (f64, f64), b: (f64, f64)) -> crate::crs::CrsResult<f64> {
    let (x1, y1) = to_w.point(a.0, a.1)?;
    let (x2, y2) = to_w.point(b.0, b.1)?;
    Ok((x2 - x1).hypot(y2 - y1))
}

/// Cells per grid row (longitude cells 0 ..= 36000).
const GRID_ROW: i64 = 36001;
/// Beyond this many cells (a look-back radius of tens of kilometres) the prefilter scans by
/// latitude and longitude instead.
const MAX_CELLS: i64 = 400;

/// The 0.01° grid cell (row, column) of a point, computed exactly as the generated column
/// `issues.cell = row * 36001 + column` is in SQLite (same double arithmetic, truncation of a
/// non-negative value = floor).
fn grid_cell(lon: f64, lat: f64) -> (i64, i64) {
    (
        ((lat + 90.0) * 100.0) as i64,
        ((lon + 180.0) * 100.0) as i64,
    )
}

/// Why a look-back failed: the database, or the conversion into the working CRS.
enum LookbackError {
    Sql(rusqlite::Error),
    Projection(crate::crs::CrsError),
}

impl From<rusqlite::Error> for LookbackError {
    fn from(e: rusqlite::Error) -> Self {
        LookbackError::Sql(e)
    }
}

/// The planar look-back of one write: the radius and the converter into the working CRS.
struct Lookback {
    radius_m: f64,
    to_w: Reprojector,
}

impl Lookback {
    fn new(ctx: &LedgerContext<'_>) -> LedgerResult<Lookback> {
        let to_w = Reprojector::new(crate::crs::CGCS2000, &ctx.settings.working_crs)
            .map_err(|e| LedgerError::Projection(Box::new(e)))?;
        Ok(Lookback {
            radius_m: ctx.settings.lookback_m,
            to_w,
        })
    }
}

/// Link issue `id` (at lon/lat, of `year`) with the issues of other years within the
/// look-back radius, measured in the working CRS: the later issue of each pair links to the
/// earlier one. Returns the links made.
fn link_lookback(
    conn: &Connection,
    id: i64,
    year: i32,
    lon: f64,
    lat: f64,
    lookback: &Lookback,
    now: &str,
) -> Result<Vec<Link>, LookbackError> {
    let radius_m = lookback.radius_m;
    if radius_m.is_nan() || radius_m < 0.0 {
        return Ok(Vec::new());
    }
    // A degree box around the circle, wide enough to hold it (see PREFILTER_MARGIN).
    let m_per_deg = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let dlat = radius_m / m_per_deg * PREFILTER_MARGIN;
    let edge_lat = (lat.abs() + dlat).min(89.0).to_radians();
    let dlon = (radius_m / (m_per_deg * edge_lat.cos()) * PREFILTER_MARGIN).min(360.0);
    let (lat0, lat1, lon0, lon1) = (lat - dlat, lat + dlat, lon - dlon, lon + dlon);
    let (r0, c0) = grid_cell(lon0.max(-180.0), lat0.max(-90.0));
    let (r1, c1) = grid_cell(lon1.min(180.0), lat1.min(90.0));
    let mut near: Vec<(i64, String, i32, f64, f64)> = Vec::new();
    let map = |r: &Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
    if (r1 - r0 + 1) * (c1 - c0 + 1) <= MAX_CELLS {
        // One index range per grid row: the cells of a row are consecutive numbers.
        let mut stmt = conn.prepare_cached(
            "SELECT id, clue_id, year, lon, lat FROM issues \
             WHERE cell BETWEEN ?1 AND ?2 AND lat BETWEEN ?3 AND ?4 AND lon BETWEEN ?5 AND ?6 \
             AND year IS NOT NULL AND year <> ?7 AND id <> ?8",
        )?;
        for row in r0..=r1 {
            let (a, b) = (row * GRID_ROW + c0, row * GRID_ROW + c1);
            for hit in stmt.query_map(params![a, b, lat0, lat1, lon0, lon1, year, id], map)? {
                near.push(hit?);
            }
        }
    } else {
        let mut stmt = conn.prepare_cached(
            "SELECT id, clue_id, year, lon, lat FROM issues \
             WHERE lat BETWEEN ?1 AND ?2 AND lon BETWEEN ?3 AND ?4 \
             AND year IS NOT NULL AND year <> ?5 AND id <> ?6",
        )?;
        for hit in stmt.query_map(params![lat0, lat1, lon0, lon1, year, id], map)? {
            near.push(hit?);
        }
    }
    if near.is_empty() {
        return Ok(Vec::new());
    }
    let own_clue: String =
        conn.query_row("SELECT clue_id FROM issues WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO links (issue_id, earlier_id, distance_m, kind, created_at) \
         VALUES (?1, ?2, ?3, 'lookback', ?4)",
    )?;
    let mut out = Vec::new();
    for (other, other_clue, other_year, olon, olat) in near {
        let d = planar_m(&lookback.to_w, (lon, lat), (olon, olat))
            .map_err(LookbackError::Projection)?;
        if d > radius_m {
            continue;
        }
        let (later, later_clue, later_year, earlier, earlier_clue, earlier_year) =
            if other_year < year {
                (id, own_clue.clone(), year, other, other_clue, other_year)
            } else {
                (other, other_clue, other_year, id, own_clue.clone(), year)
            };
        if insert.execute(params![later, earlier, d, now])? == 1 {
            out.push(Link {
                issue_id: later,
                clue_id: later_clue,
                year: Some(later_year),
                earlier_id: earlier,
                earlier_clue_id: earlier_clue,
                earlier_year: Some(earlier_year),
                distance_m: d,
                created_at: now.to_string(),
            });
        }
    }
    Ok(out)
}

fn lookback_error(path: &Path, e: LookbackError) -> LedgerError {
    match e {
        LookbackError::Sql(e) => LedgerError::Storage(db_error(path, e)),
        LookbackError::Projection(e) => LedgerError::Projection(Box::new(e)),
    }
}

impl SqliteLedger {
    /// Open (or create) the ledger at `path` and bring its schema up to date. The database runs
    /// in WAL mode with `synchronous=FULL` and foreign keys on.
    pub fn open(path: &Path) -> Result<SqliteLedger, StorageError> {
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StorageError::Open {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        super::configure(&conn, path)?;
        ledger_schema::migrate(&mut conn).map_err(|e| db_error(path, e))?;
        Ok(SqliteLedger {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self, e: rusqlite::Error) -> LedgerError {
        LedgerError::Storage(db_error(&self.path, e))
    }

    fn begin(&mut self) -> LedgerResult<Transaction<'_>> {
        let path = self.path.clone();
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| LedgerError::Storage(db_error(&path, e)))
    }
}

impl LedgerStore for SqliteLedger {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn schema_version(&self) -> LedgerResult<i64> {
        ledger_schema::current_version(&self.conn).map_err(|e| self.sql(e))
    }

    fn integrity_check(&self) -> LedgerResult<String> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.sql(e))?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.sql(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows.join("\n"))
    }

    fn import(
        &mut self,
        issues: &[Issue],
        who: &str,
        ctx: &LedgerContext<'_>,
    ) -> LedgerResult<ImportReport> {
        let path = self.path.clone();
        let sql = |e| LedgerError::Storage(db_error(&path, e));
        let (now, today) = (ctx.now.as_str(), ctx.today);
        let lookback = Lookback::new(ctx)?;
        let tx = self.begin()?;
        let import_id: i64 = tx
            .query_row("SELECT coalesce(max(id), 0) + 1 FROM imports", [], |r| {
                r.get(0)
            })
            .map_err(sql)?;
        // The imports row is append-only, so it is written last with the counts; the foreign
        // key from issues is checked at commit.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")
            .map_err(sql)?;
        let mut report = ImportReport {
            import_id,
            ..ImportReport::default()
        };
        let mut added: Vec<(i64, i32, f64, f64)> = Vec::new();
        {
            let mut find = tx
                .prepare_cached(&format!(
                    "SELECT {} FROM issues WHERE clue_id = ?1 AND batch = ?2",
                    entry_columns()
                ))
                .map_err(sql)?;
            let mut insert = tx.prepare_cached(insert_sql()).map_err(sql)?;
            for issue in issues {
                let (clue_id, batch) = (issue.clue_id.trim(), issue.batch.trim());
                let existing = find
                    .query_row(params![clue_id, batch], |r| entry_from_row(r, today))
                    .optional()
                    .map_err(sql)?;
                if let Some(entry) = existing {
                    let changes = entry.issue.differences(issue);
                    if changes.is_empty() {
                        report.unchanged += 1;
                    } else {
                        report.differences.push(IssueDiff {
                            id: entry.id,
                            clue_id: entry.issue.clue_id,
                            batch: entry.issue.batch,
                            version: entry.version,
                            changes,
                        });
                    }
                    continue;
                }
                let mut values = issue_params(issue);
                values.push(SqlValue::Integer(import_id));
                values.push(SqlValue::Text(now.to_string()));
                insert
                    .execute(rusqlite::params_from_iter(values))
                    .map_err(sql)?;
                let id = tx.last_insert_rowid();
                insert_history(
                    &tx,
                    &NewHistory {
                        issue_id: id,
                        version: 1,
                        at: now,
                        who,
                        action: "import",
                        from: None,
                        to: Some(Status::Pending),
                        reason: Some("遥感线索导入 (imported)"),
                        deadline: None,
                        unit: None,
                        measures: None,
                        changes: None,
                    },
                )
                .map_err(sql)?;
                report.added_ids.push(id);
                if let Some(y) = issue.year {
                    added.push((id, y, issue.lon, issue.lat));
                }
            }
        }
        for (id, year, lon, lat) in added {
            let links = link_lookback(&tx, id, year, lon, lat, &lookback, now)
                .map_err(|e| lookback_error(&path, e))?;
            report.links.extend(links);
        }
        report.added = report.added_ids.len();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO imports (id, at, who, added, unchanged, differing) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                import_id,
                now,
                who,
                count(report.added),
                count(report.unchanged),
                count(report.differences.len())
            ],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(report)
    }

    fn apply_changes(
        &mut self,
        diffs: &[IssueDiff],
        who: &str,
        reason: &str,
        ctx: &LedgerContext<'_>,
    ) -> LedgerResult<Vec<i64>> {
        let path = self.path.clone();
        let sql = |e| LedgerError::Storage(db_error(&path, e));
        let (now, today) = (ctx.now.as_str(), ctx.today);
        let lookback = Lookback::new(ctx)?;
        let tx = self.begin()?;
        let mut ids = Vec::new();
        for d in diffs {
            let entry = tx
                .query_row(
                    &format!("SELECT {} FROM issues WHERE id = ?1", entry_columns()),
                    [d.id],
                    |r| entry_from_row(r, today),
                )
                .optional()
                .map_err(sql)?
                .ok_or(LedgerError::NotFound(d.id))?;
            if entry.version != d.version {
                return Err(LedgerError::Conflict {
                    id: d.id,
                    expected_version: d.version,
                    current_version: entry.version,
                });
            }
            if d.changes.is_empty() {
                continue;
            }
            let mut sets = Vec::new();
            let mut vals = Vec::new();
            for c in &d.changes {
                // The field is one of ISSUE_FIELDS (checked by the ledger), never the request's
                // own text.
                let Some((field, _)) = ISSUE_FIELDS.iter().find(|(f, _)| *f == c.field) else {
                    return Err(LedgerError::Invalid(format!(
                        "字段 {} 不可修改 (field cannot be changed)",
                        c.field
                    )));
                };
                sets.push(format!("{field} = ?"));
                vals.push(sql_value(field, &c.new));
            }
            vals.push(SqlValue::Text(now.to_string()));
            vals.push(SqlValue::Integer(d.id));
            vals.push(SqlValue::Integer(d.version));
            let n = tx
                .execute(
                    &format!(
                        "UPDATE issues SET {}, version = version + 1, updated_at = ? \
                         WHERE id = ? AND version = ?",
                        sets.join(", ")
                    ),
                    rusqlite::params_from_iter(vals),
                )
                .map_err(sql)?;
            if n != 1 {
                return Err(LedgerError::Conflict {
                    id: d.id,
                    expected_version: d.version,
                    current_version: entry.version,
                });
            }
            let changes = serde_json::to_string(&d.changes).map_err(LedgerError::report)?;
            insert_history(
                &tx,
                &NewHistory {
                    issue_id: d.id,
                    version: d.version + 1,
                    at: now,
                    who,
                    action: "change",
                    from: Some(entry.status),
                    to: Some(entry.status),
                    reason: Some(reason),
                    deadline: None,
                    unit: None,
                    measures: None,
                    changes: Some(changes),
                },
            )
            .map_err(sql)?;
            let moved = d
                .changes
                .iter()
                .any(|c| matches!(c.field.as_str(), "lon" | "lat" | "year"));
            if moved {
                let (year, lon, lat): (Option<i32>, f64, f64) = tx
                    .query_row(
                        "SELECT year, lon, lat FROM issues WHERE id = ?1",
                        [d.id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .map_err(sql)?;
                if let Some(year) = year {
                    link_lookback(&tx, d.id, year, lon, lat, &lookback, now)
                        .map_err(|e| lookback_error(&path, e))?;
                }
            }
            ids.push(d.id);
        }
        tx.commit().map_err(sql)?;
        Ok(ids)
    }

    fn transition(
        &mut self,
        request: &TransitionRequest,
        ctx: &LedgerContext<'_>,
    ) -> LedgerResult<()> {
        let path = self.path.clone();
        let sql = |e| LedgerError::Storage(db_error(&path, e));
        let id = request.id;
        let tx = self.begin()?;
        let entry = tx
            .query_row(
                &format!("SELECT {} FROM issues WHERE id = ?1", entry_columns()),
                [id],
                |r| entry_from_row(r, ctx.today),
            )
            .optional()
            .map_err(sql)?
            .ok_or(LedgerError::NotFound(id))?;
        let plan = plan_transition(&entry, request, ctx.settings, ctx.today)?;
        let n = tx
            .execute(
                "UPDATE issues SET status = ?1, deadline = ?2, responsible_unit = ?3, \
                 measures = ?4, version = ?5, updated_at = ?6 WHERE id = ?7 AND version = ?8",
                params![
                    plan.to.as_str(),
                    plan.deadline.map(|d| d.format("%Y-%m-%d").to_string()),
                    plan.unit,
                    plan.measures,
                    plan.new_version,
                    ctx.now,
                    id,
                    request.expected_version
                ],
            )
            .map_err(sql)?;
        if n != 1 {
            return Err(LedgerError::Conflict {
                id,
                expected_version: request.expected_version,
                current_version: entry.version,
            });
        }
        insert_history(
            &tx,
            &NewHistory {
                issue_id: id,
                version: plan.new_version,
                at: &ctx.now,
                who: &request.who,
                action: "transition",
                from: Some(plan.from),
                to: Some(plan.to),
                reason: plan.reason.as_deref(),
                deadline: plan.deadline,
                unit: plan.unit.as_deref(),
                measures: plan.measures.as_deref(),
                changes: None,
            },
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)
    }

    fn get(&self, id: i64, today: NaiveDate) -> LedgerResult<Option<Entry>> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM issues WHERE id = ?1", entry_columns()),
                [id],
                |r| entry_from_row(r, today),
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    fn find(&self, clue_id: &str, batch: &str, today: NaiveDate) -> LedgerResult<Option<Entry>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {} FROM issues WHERE clue_id = ?1 AND batch = ?2",
                    entry_columns()
                ),
                params![clue_id, batch],
                |r| entry_from_row(r, today),
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    fn list(
        &self,
        filter: &Filter,
        offset: usize,
        limit: usize,
        today: NaiveDate,
    ) -> LedgerResult<Vec<Entry>> {
        let (where_sql, mut vals) = filter_sql(filter, today);
        vals.push(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        vals.push(SqlValue::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
        let sql = format!(
            "SELECT {} FROM issues{where_sql} ORDER BY id LIMIT ? OFFSET ?",
            entry_columns()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(vals), |r| {
                entry_from_row(r, today)
            })
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows)
    }

    fn count(&self, filter: &Filter, today: NaiveDate) -> LedgerResult<usize> {
        let (where_sql, vals) = filter_sql(filter, today);
        let n: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM issues{where_sql}"),
                rusqlite::params_from_iter(vals),
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn history(&self, id: i64) -> LedgerResult<Vec<HistoryRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, issue_id, version, at, who, action, from_status, to_status, reason, \
                 deadline, unit, measures, changes FROM history WHERE issue_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![id], history_from_row)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows)
    }

    fn links(&self, id: i64) -> LedgerResult<Vec<Link>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{LINK_SELECT} WHERE l.issue_id = ?1 OR l.earlier_id = ?1 ORDER BY l.id"
            ))
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![id], link_from_row)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok(rows)
    }

    fn groups(&self, filter: &Filter, today: NaiveDate) -> LedgerResult<Vec<IssueGroup>> {
        let (where_sql, vals) = filter_sql(filter, today);
        let sql = format!(
            "SELECT county, reserve, zone, zone_cn, activity, status, count(*), \
             coalesce(sum(area_m2), 0) FROM issues{where_sql} \
             GROUP BY county, reserve, zone, zone_cn, activity, status"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.sql(e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(vals))
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let status_text: String = r.get(5).map_err(|e| self.sql(e))?;
            let status = Status::parse(&status_text).ok_or_else(|| {
                LedgerError::Corrupt(format!("未知状态 (unknown status) {status_text}"))
            })?;
            let n: i64 = r.get(6).map_err(|e| self.sql(e))?;
            out.push(IssueGroup {
                county: r.get(0).map_err(|e| self.sql(e))?,
                reserve: r.get(1).map_err(|e| self.sql(e))?,
                zone: r.get(2).map_err(|e| self.sql(e))?,
                zone_cn: r.get(3).map_err(|e| self.sql(e))?,
                activity: r.get(4).map_err(|e| self.sql(e))?,
                status,
                count: u64::try_from(n).unwrap_or(0),
                area_m2: r.get(7).map_err(|e| self.sql(e))?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Planar distances in EPSG:4527 near Jingdezhen, worked by hand on the CGCS2000 ellipsoid
    /// (a = 6378137, 1/f = 298.257222101) and times the Gauss-Krüger scale
    /// k = 1 + (Δλ·cos φ)²/2 = 1.000 004 6 at 0.2° from the central meridian: 0.01° of latitude
    /// at 29.305°N is the meridian arc M·Δφ = 1108.408 m (× k = 1108.413 m); 0.01° of
    /// longitude at 29.3°N is N·cos φ·Δλ = 971.562 m (× k = 971.567 m).
    #[test]
    fn planar_distances_known_values() {
        let to_w = Reprojector::new(crate::crs::CGCS2000, "EPSG:4527").expect("proj");
        let d = planar_m(&to_w, (117.2, 29.3), (117.2, 29.31)).expect("d");
        assert!((d - 1108.413).abs() < 0.002, "{d}");
        let d = planar_m(&to_w, (117.2, 29.3), (117.21, 29.3)).expect("d");
        assert!((d - 971.567).abs() < 0.002, "{d}");
        // The prefilter box holds the circle: its half-widths exceed the planar radius.
        let r = 200.0;
        let m_per_deg = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let dlat = r / m_per_deg * PREFILTER_MARGIN;
        let dlon = r / (m_per_deg * 29.3f64.to_radians().cos()) * PREFILTER_MARGIN;
        assert!(planar_m(&to_w, (117.2, 29.3), (117.2, 29.3 + dlat)).expect("d") > r);
        assert!(planar_m(&to_w, (117.2, 29.3), (117.2 + dlon, 29.3)).expect("d") > r);
    }

    #[test]
    fn grid_cell_agrees_with_sqlite() {
        let conn = Connection::open_in_memory().expect("memory");
        for (lon, lat) in [
            (117.2, 29.3),
            (117.21, 29.31),
            (116.999_999_999, 28.999_999_999),
            (-180.0, -90.0),
            (180.0, 90.0),
            (0.0, 0.0),
            (117.199_999_999_999_99, 29.300_000_000_000_01),
        ] {
            let sql: i64 = conn
                .query_row(
                    "SELECT CAST((?2 + 90.0) * 100.0 AS INTEGER) * 36001 \
                     + CAST((?1 + 180.0) * 100.0 AS INTEGER)",
                    params![lon, lat],
                    |r| r.get(0),
                )
                .expect("sql");
            let (r, c) = grid_cell(lon, lat);
            assert_eq!(r * GRID_ROW + c, sql, "{lon} {lat}");
        }
    }

    /// The columns written from ISSUE_FIELDS are the schema's, in the row mapping's order.
    #[test]
    fn the_column_list_matches_the_schema() {
        let d = tempfile::tempdir().expect("tempdir");
        let l = SqliteLedger::open(&d.path().join("l.sqlite")).expect("open");
        l.conn
            .prepare(&format!("SELECT {} FROM issues", entry_columns()))
            .expect("every column exists");
        assert!(entry_columns().starts_with("id, clue_id, batch, year"));
        assert!(insert_sql().contains("?19, 'pending', 1, ?20, ?21, ?21"));
    }
}
