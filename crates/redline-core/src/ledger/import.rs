//! Import of placed clues, differences on re-import, explicit application of differences, and
//! the look-back links (回头看) to issues of other years.

use chrono::NaiveDate;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::query::{entry_from_row, ENTRY_COLUMNS};
use super::{now_utc, Entry, Ledger, LedgerError, LedgerResult, Link, NewIssue, Status};

/// One field that differs between the ledger and a re-imported clue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field name (as in [`NewIssue`]).
    pub field: String,
    /// The value in the ledger.
    pub old: Value,
    /// The value in the new import.
    pub new: Value,
}

/// A re-imported clue whose placement or attributes differ from the ledger. Not applied by
/// [`Ledger::import`]; apply it with [`Ledger::apply_changes`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueDiff {
    pub id: i64,
    pub clue_id: String,
    pub batch: String,
    /// The issue's version the differences were computed against.
    pub version: i64,
    pub changes: Vec<FieldChange>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub import_id: i64,
    /// New issues added (in input order).
    pub added: usize,
    pub added_ids: Vec<i64>,
    /// Clues already in the ledger with the same placement and attributes.
    pub unchanged: usize,
    /// Clues already in the ledger that differ: reported, not applied.
    pub differences: Vec<IssueDiff>,
    /// Look-back links made by this import.
    pub links: Vec<Link>,
}

/// The fields compared on re-import. `layer_versions` is not compared on its own (new layer
/// files that place a clue the same way are no difference) but travels with a difference.
const COMPARED: [&str; 16] = [
    "year",
    "lon",
    "lat",
    "geometry_geojson",
    "activity",
    "area_m2",
    "county_code",
    "county",
    "reserve",
    "reserve_level",
    "zone",
    "zone_cn",
    "distance_m",
    "focus",
    "focus_reasons",
    "departments",
];

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn opt_f64(x: Option<f64>) -> Value {
    x.and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn geometry_value(g: &Option<String>) -> Value {
    opt_str(g)
}

#[allow(clippy::too_many_arguments)]
fn values(
    year: Option<i32>,
    lon: f64,
    lat: f64,
    geometry: &Option<String>,
    activity: &str,
    area_m2: Option<f64>,
    county_code: &Option<String>,
    county: &Option<String>,
    reserve: &Option<String>,
    reserve_level: &Option<String>,
    zone: &Option<String>,
    zone_cn: &Option<String>,
    distance_m: Option<f64>,
    focus: bool,
    focus_reasons: &[String],
    departments: &[String],
) -> [Value; 16] {
    let list = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    [
        year.map_or(Value::Null, Value::from),
        opt_f64(Some(lon)),
        opt_f64(Some(lat)),
        geometry_value(geometry),
        Value::String(activity.to_string()),
        opt_f64(area_m2),
        opt_str(county_code),
        opt_str(county),
        opt_str(reserve),
        opt_str(reserve_level),
        opt_str(zone),
        opt_str(zone_cn),
        opt_f64(distance_m),
        Value::Bool(focus),
        list(focus_reasons),
        list(departments),
    ]
}

fn issue_values(i: &NewIssue) -> [Value; 16] {
    values(
        i.year,
        i.lon,
        i.lat,
        &i.geometry_geojson,
        &i.activity,
        i.area_m2,
        &i.county_code,
        &i.county,
        &i.reserve,
        &i.reserve_level,
        &i.zone,
        &i.zone_cn,
        i.distance_m,
        i.focus,
        &i.focus_reasons,
        &i.departments,
    )
}

fn entry_values(e: &Entry) -> [Value; 16] {
    values(
        e.year,
        e.lon,
        e.lat,
        &e.geometry_geojson,
        &e.activity,
        e.area_m2,
        &e.county_code,
        &e.county,
        &e.reserve,
        &e.reserve_level,
        &e.zone,
        &e.zone_cn,
        e.distance_m,
        e.focus,
        &e.focus_reasons,
        &e.departments,
    )
}

/// Equal up to floating-point noise (1e-9 relative) for numbers; geometry text compared as
/// parsed JSON so that formatting does not count as a difference.
fn same(field: &str, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
            _ => x == y,
        },
        (Value::String(x), Value::String(y)) if field == "geometry_geojson" => {
            match (
                serde_json::from_str::<Value>(x),
                serde_json::from_str::<Value>(y),
            ) {
                (Ok(x), Ok(y)) => x == y,
                _ => x == y,
            }
        }
        _ => a == b,
    }
}

fn diff(entry: &Entry, issue: &NewIssue) -> Vec<FieldChange> {
    let old = entry_values(entry);
    let new = issue_values(issue);
    let mut changes: Vec<FieldChange> = COMPARED
        .iter()
        .zip(old)
        .zip(new)
        .filter(|((f, o), n)| !same(f, o, n))
        .map(|((f, o), n)| FieldChange {
            field: (*f).to_string(),
            old: o,
            new: n,
        })
        .collect();
    if !changes.is_empty() && entry.layer_versions != issue.layer_versions {
        changes.push(FieldChange {
            field: "layer_versions".into(),
            old: Value::String(entry.layer_versions.clone()),
            new: Value::String(issue.layer_versions.clone()),
        });
    }
    changes
}

/// The SQL value for a field change, checking the field is one that may change.
fn sql_value(field: &str, v: &Value) -> Result<SqlValue, String> {
    if !COMPARED.contains(&field) && field != "layer_versions" {
        return Err(format!("字段 {field} 不可修改 (field cannot be changed)"));
    }
    let bad = || format!("字段 {field} 的值无效 (invalid value {v})");
    Ok(match v {
        Value::Null => {
            if matches!(
                field,
                "lon" | "lat" | "activity" | "focus" | "layer_versions"
            ) {
                return Err(bad());
            }
            SqlValue::Null
        }
        Value::Bool(b) if field == "focus" => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) if field == "year" => SqlValue::Integer(n.as_i64().ok_or_else(bad)?),
        Value::Number(n) if matches!(field, "lon" | "lat" | "area_m2" | "distance_m") => {
            let x = n.as_f64().ok_or_else(bad)?;
            let range_ok = match field {
                "lon" => (-180.0..=180.0).contains(&x),
                "lat" => (-90.0..=90.0).contains(&x),
                _ => x.is_finite(),
            };
            if !range_ok {
                return Err(bad());
            }
            SqlValue::Real(x)
        }
        Value::String(s)
            if !matches!(
                field,
                "year"
                    | "lon"
                    | "lat"
                    | "area_m2"
                    | "distance_m"
                    | "focus"
                    | "focus_reasons"
                    | "departments"
            ) =>
        {
            SqlValue::Text(s.clone())
        }
        Value::Array(items) if matches!(field, "focus_reasons" | "departments") => {
            if !items.iter().all(Value::is_string) {
                return Err(bad());
            }
            SqlValue::Text(v.to_string())
        }
        _ => return Err(bad()),
    })
}

/// A history row to append.
pub(super) struct NewHistory<'a> {
    pub issue_id: i64,
    pub version: i64,
    pub at: &'a str,
    pub who: &'a str,
    pub action: &'a str,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub reason: Option<&'a str>,
    pub deadline: Option<NaiveDate>,
    pub unit: Option<&'a str>,
    pub measures: Option<&'a str>,
    pub changes: Option<String>,
}

pub(super) fn insert_history(conn: &Connection, h: &NewHistory<'_>) -> rusqlite::Result<()> {
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

fn validate(i: usize, issue: &NewIssue) -> LedgerResult<()> {
    let at = || {
        format!(
            "第 {} 条线索 {} (clue {} of the import)",
            i + 1,
            issue.clue_id,
            i + 1
        )
    };
    let fail = |what: &str| Err(LedgerError::Invalid(format!("{}: {what}", at())));
    if issue.clue_id.trim().is_empty() {
        return fail("线索编号为空 (empty clue_id)");
    }
    if issue.batch.trim().is_empty() {
        return fail("批次为空 (empty batch)");
    }
    let lon_ok = issue.lon.is_finite() && (-180.0..=180.0).contains(&issue.lon);
    let lat_ok = issue.lat.is_finite() && (-90.0..=90.0).contains(&issue.lat);
    if !(lon_ok && lat_ok) {
        return fail(&format!(
            "经纬度无效 (invalid lon/lat {}, {})",
            issue.lon, issue.lat
        ));
    }
    if issue.area_m2.is_some_and(|a| !a.is_finite() || a < 0.0) {
        return fail("面积无效 (invalid area_m2)");
    }
    if issue.distance_m.is_some_and(|d| !d.is_finite() || d < 0.0) {
        return fail("距离无效 (invalid distance_m)");
    }
    if let Some(g) = &issue.geometry_geojson {
        if let Err(e) = g.parse::<geojson::GeoJson>() {
            return fail(&format!(
                "图斑 GeoJSON 无效 (invalid geometry_geojson: {e})"
            ));
        }
    }
    Ok(())
}

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two lon/lat points (haversine).
///
/// Check value: 0.01° of latitude = 6 371 008.8 × 0.01 × π/180 = 1111.95 m.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
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

/// Link issue `id` (at lon/lat, of `year`) with the issues of other years within `radius_m`:
/// the later issue of each pair links to the earlier one. Returns the links made.
fn link_lookback(
    conn: &Connection,
    id: i64,
    year: i32,
    lon: f64,
    lat: f64,
    radius_m: f64,
    now: &str,
) -> rusqlite::Result<Vec<Link>> {
    if radius_m.is_nan() || radius_m < 0.0 {
        return Ok(Vec::new());
    }
    // Bounding box on the same sphere as the haversine, 1 % wider: a superset of the circle.
    let m_per_deg = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let dlat = radius_m / m_per_deg * 1.01;
    let edge_lat = (lat.abs() + dlat).min(89.0).to_radians();
    let dlon = (radius_m / (m_per_deg * edge_lat.cos()) * 1.01).min(360.0);
    let (lat0, lat1, lon0, lon1) = (lat - dlat, lat + dlat, lon - dlon, lon + dlon);
    let (r0, c0) = grid_cell(lon0.max(-180.0), lat0.max(-90.0));
    let (r1, c1) = grid_cell(lon1.min(180.0), lat1.min(90.0));
    let mut near: Vec<(i64, String, i32, f64, f64)> = Vec::new();
    let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
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
        let d = haversine_m(lon, lat, olon, olat);
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

impl Ledger {
    /// Import placed clues in one transaction (all or nothing).
    ///
    /// A clue already in the ledger with the same (clue_id, batch) adds nothing: it counts as
    /// unchanged when its placement and attributes agree, and is reported in
    /// [`ImportReport::differences`] field by field (old → new) when they do not; differences
    /// are never applied here (see [`Ledger::apply_changes`]). Every new issue starts as 待核查
    /// with a history row, and is linked to issues of other years within
    /// [`LedgerSettings::lookback_m`](super::LedgerSettings::lookback_m) (回头看).
    pub fn import(&mut self, issues: &[NewIssue], who: &str) -> LedgerResult<ImportReport> {
        if who.trim().is_empty() {
            return Err(LedgerError::Invalid("操作人为空 (who is empty)".into()));
        }
        for (i, issue) in issues.iter().enumerate() {
            validate(i, issue)?;
        }
        let today = self.today();
        let radius = self.settings.lookback_m;
        let now = now_utc();
        let path = self.path.clone();
        let sql = |e| super::sql_err(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
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
                    "SELECT {ENTRY_COLUMNS} FROM issues WHERE clue_id = ?1 AND batch = ?2"
                ))
                .map_err(sql)?;
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO issues (clue_id, batch, year, lon, lat, geometry_geojson, \
                     activity, area_m2, county_code, county, reserve, reserve_level, zone, \
                     zone_cn, distance_m, focus, focus_reasons, departments, layer_versions, \
                     status, version, import_id, created_at, updated_at) VALUES (?1, ?2, ?3, \
                     ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
                     'pending', 1, ?20, ?21, ?21)",
                )
                .map_err(sql)?;
            for issue in issues {
                let clue_id = issue.clue_id.trim();
                let batch = issue.batch.trim();
                let existing = find
                    .query_row(params![clue_id, batch], |r| entry_from_row(r, today))
                    .optional()
                    .map_err(sql)?;
                if let Some(entry) = existing {
                    let changes = diff(&entry, issue);
                    if changes.is_empty() {
                        report.unchanged += 1;
                    } else {
                        report.differences.push(IssueDiff {
                            id: entry.id,
                            clue_id: entry.clue_id,
                            batch: entry.batch,
                            version: entry.version,
                            changes,
                        });
                    }
                    continue;
                }
                let list = |v: &[String]| Value::from(v.to_vec()).to_string();
                insert
                    .execute(params![
                        clue_id,
                        batch,
                        issue.year,
                        issue.lon,
                        issue.lat,
                        issue.geometry_geojson,
                        issue.activity,
                        issue.area_m2,
                        issue.county_code,
                        issue.county,
                        issue.reserve,
                        issue.reserve_level,
                        issue.zone,
                        issue.zone_cn,
                        issue.distance_m,
                        issue.focus,
                        list(&issue.focus_reasons),
                        list(&issue.departments),
                        issue.layer_versions,
                        import_id,
                        now,
                    ])
                    .map_err(sql)?;
                let id = tx.last_insert_rowid();
                insert_history(
                    &tx,
                    &NewHistory {
                        issue_id: id,
                        version: 1,
                        at: &now,
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
            let links = link_lookback(&tx, id, year, lon, lat, radius, &now).map_err(sql)?;
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

    /// Apply differences reported by [`Ledger::import`], in one transaction, each with a
    /// history row (`change`) naming who and why. Refused with [`LedgerError::Conflict`] when an
    /// issue has changed since the difference was computed. A changed position or year makes
    /// new look-back links (old links are kept: nothing is deleted).
    pub fn apply_changes(
        &mut self,
        diffs: &[IssueDiff],
        who: &str,
        reason: &str,
    ) -> LedgerResult<Vec<Entry>> {
        if who.trim().is_empty() {
            return Err(LedgerError::Invalid("操作人为空 (who is empty)".into()));
        }
        if reason.trim().is_empty() {
            return Err(LedgerError::ReasonRequired(
                "修改台账字段 (applying changes)".into(),
            ));
        }
        let today = self.today();
        let radius = self.settings.lookback_m;
        let now = now_utc();
        let path = self.path.clone();
        let sql = |e| super::sql_err(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut ids = Vec::new();
        for d in diffs {
            let entry = tx
                .query_row(
                    &format!("SELECT {ENTRY_COLUMNS} FROM issues WHERE id = ?1"),
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
                let v = sql_value(&c.field, &c.new).map_err(|m| {
                    LedgerError::Invalid(format!("问题 {} ({}): {m}", d.id, d.clue_id))
                })?;
                sets.push(format!("{} = ?", c.field));
                vals.push(v);
            }
            vals.push(SqlValue::Text(now.clone()));
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
            let changes = serde_json::to_string(&d.changes)
                .map_err(|e| LedgerError::Invalid(e.to_string()))?;
            insert_history(
                &tx,
                &NewHistory {
                    issue_id: d.id,
                    version: d.version + 1,
                    at: &now,
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
                    link_lookback(&tx, d.id, year, lon, lat, radius, &now).map_err(sql)?;
                }
            }
            ids.push(d.id);
        }
        tx.commit().map_err(sql)?;
        ids.iter().map(|&id| self.get(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known_values() {
        // 0.01° of latitude on the mean sphere: 6371008.8 × 0.01 × π/180 = 1111.950 m.
        let d = haversine_m(117.2, 29.3, 117.2, 29.31);
        assert!((d - 1111.950).abs() < 0.01, "{d}");
        // 0.01° of longitude at 29.3°N: 1111.950 × cos(29.3°) = 969.698 m (sphere; the
        // haversine differs from this small-angle value by under a millimetre).
        let d = haversine_m(117.2, 29.3, 117.21, 29.3);
        assert!(
            (d - 1111.950 * 29.3f64.to_radians().cos()).abs() < 0.01,
            "{d}"
        );
        assert!((d - 969.698).abs() < 0.01, "{d}");
    }

    #[test]
    fn grid_cell_agrees_with_sqlite() {
        let conn = Connection::open_in_memory().unwrap();
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
                .unwrap();
            let (r, c) = grid_cell(lon, lat);
            assert_eq!(r * GRID_ROW + c, sql, "{lon} {lat}");
        }
        // 117.2°E 29.3°N: row floor(119.3 × 100) = 11930 (or 11929 by rounding), column 29720.
        let (r, c) = grid_cell(117.2, 29.3);
        assert!((11929..=11930).contains(&r) && (29719..=29720).contains(&c));
    }

    #[test]
    fn field_values_round_trip_to_sql() {
        assert_eq!(
            sql_value("year", &Value::from(2019)).ok(),
            Some(SqlValue::Integer(2019))
        );
        assert_eq!(
            sql_value("focus", &Value::Bool(true)).ok(),
            Some(SqlValue::Integer(1))
        );
        assert!(sql_value("status", &Value::from("closed")).is_err());
        assert!(sql_value("lon", &Value::from(200.0)).is_err());
        assert!(sql_value("lon", &Value::Null).is_err());
        assert!(sql_value("departments", &Value::from(vec![1, 2])).is_err());
        assert_eq!(
            sql_value("departments", &Value::from(vec!["市林业局"])).ok(),
            Some(SqlValue::Text("[\"市林业局\"]".into()))
        );
    }

    #[test]
    fn numbers_compare_with_tolerance_and_geometry_as_json() {
        assert!(same(
            "lon",
            &Value::from(117.2),
            &Value::from(117.2 + 1e-12)
        ));
        assert!(!same("lon", &Value::from(117.2), &Value::from(117.2001)));
        assert!(same(
            "geometry_geojson",
            &Value::from(r#"{"type":"Point","coordinates":[1,2]}"#),
            &Value::from(r#"{ "type": "Point", "coordinates": [1, 2] }"#)
        ));
    }
}
