//! Reading the ledger: one issue with its history and links, or a filtered page of issues.

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{parse_date, Entry, HistoryRow, Ledger, LedgerError, LedgerResult, Link, Status};

/// The columns read into an [`Entry`], in the order of [`entry_from_row`].
pub(crate) const ENTRY_COLUMNS: &str = "id, clue_id, batch, year, lon, lat, geometry_geojson, \
     activity, area_m2, county_code, county, reserve, reserve_level, zone, zone_cn, distance_m, \
     focus, focus_reasons, departments, layer_versions, status, deadline, responsible_unit, \
     measures, version, created_at, updated_at";

/// Which issues to list. Every field that is set must match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub status: Option<Status>,
    /// County name or county code.
    pub county: Option<String>,
    pub reserve: Option<String>,
    /// Zone code (`core`) or Chinese name (`核心区`).
    pub zone: Option<String>,
    pub focus: Option<bool>,
    /// Overdue on the ledger's today (deadline passed, not rectified).
    pub overdue: Option<bool>,
    pub year: Option<i32>,
    pub batch: Option<String>,
}

impl Filter {
    /// The WHERE clause (starting with ` WHERE`, or empty) and its parameters.
    pub(crate) fn sql(&self, today: NaiveDate) -> (String, Vec<Value>) {
        let mut conds: Vec<&str> = Vec::new();
        let mut vals: Vec<Value> = Vec::new();
        if let Some(s) = self.status {
            conds.push("status = ?");
            vals.push(Value::Text(s.as_str().into()));
        }
        if let Some(c) = &self.county {
            conds.push("(county = ? OR county_code = ?)");
            vals.push(Value::Text(c.clone()));
            vals.push(Value::Text(c.clone()));
        }
        if let Some(r) = &self.reserve {
            conds.push("reserve = ?");
            vals.push(Value::Text(r.clone()));
        }
        if let Some(z) = &self.zone {
            conds.push("(zone = ? OR zone_cn = ?)");
            vals.push(Value::Text(z.clone()));
            vals.push(Value::Text(z.clone()));
        }
        if let Some(f) = self.focus {
            conds.push("focus = ?");
            vals.push(Value::Integer(i64::from(f)));
        }
        if let Some(o) = self.overdue {
            conds.push(if o { OVERDUE_SQL } else { NOT_OVERDUE_SQL });
            vals.push(Value::Text(today.format("%Y-%m-%d").to_string()));
        }
        if let Some(y) = self.year {
            conds.push("year = ?");
            vals.push(Value::Integer(i64::from(y)));
        }
        if let Some(b) = &self.batch {
            conds.push("batch = ?");
            vals.push(Value::Text(b.clone()));
        }
        if conds.is_empty() {
            (String::new(), vals)
        } else {
            (format!(" WHERE {}", conds.join(" AND ")), vals)
        }
    }
}

const OVERDUE_SQL: &str =
    "(deadline IS NOT NULL AND deadline < ? AND status NOT IN ('rectified', 'closed'))";
const NOT_OVERDUE_SQL: &str =
    "NOT (deadline IS NOT NULL AND deadline < ? AND status NOT IN ('rectified', 'closed'))";

/// Read an [`Entry`] from a row selected with [`ENTRY_COLUMNS`].
pub(crate) fn entry_from_row(r: &Row<'_>, today: NaiveDate) -> rusqlite::Result<Entry> {
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

fn json_list(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_else(|_| {
        if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        }
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

pub(crate) const LINK_SELECT: &str = "SELECT l.issue_id, n.clue_id, n.year, l.earlier_id, \
     e.clue_id, e.year, l.distance_m, l.created_at FROM links l \
     JOIN issues n ON n.id = l.issue_id JOIN issues e ON e.id = l.earlier_id";

pub(crate) fn link_from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
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

impl Ledger {
    /// One issue by id.
    pub fn get(&self, id: i64) -> LedgerResult<Entry> {
        let today = self.today();
        self.conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM issues WHERE id = ?1"),
                params![id],
                |r| entry_from_row(r, today),
            )
            .optional()
            .map_err(|e| self.sql(e))?
            .ok_or(LedgerError::NotFound(id))
    }

    /// One issue by clue number and batch.
    pub fn find(&self, clue_id: &str, batch: &str) -> LedgerResult<Option<Entry>> {
        let today = self.today();
        self.conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM issues WHERE clue_id = ?1 AND batch = ?2"),
                params![clue_id, batch],
                |r| entry_from_row(r, today),
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// A page of the issues matching `filter`, in id order.
    pub fn list(&self, filter: &Filter, offset: usize, limit: usize) -> LedgerResult<Vec<Entry>> {
        let today = self.today();
        let (where_sql, mut vals) = filter.sql(today);
        vals.push(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
        vals.push(Value::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM issues{where_sql} ORDER BY id LIMIT ? OFFSET ?");
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

    /// All issues matching `filter`.
    pub fn list_all(&self, filter: &Filter) -> LedgerResult<Vec<Entry>> {
        self.list(filter, 0, usize::MAX)
    }

    /// How many issues match `filter`.
    pub fn count(&self, filter: &Filter) -> LedgerResult<usize> {
        let (where_sql, vals) = filter.sql(self.today());
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

    /// One issue with its full history (oldest first) and its look-back links in both
    /// directions (to earlier years' issues and from later ones).
    pub fn show(&self, id: i64) -> LedgerResult<(Entry, Vec<HistoryRow>, Vec<Link>)> {
        let entry = self.get(id)?;
        let history = self.history(id)?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{LINK_SELECT} WHERE l.issue_id = ?1 OR l.earlier_id = ?1 ORDER BY l.id"
            ))
            .map_err(|e| self.sql(e))?;
        let links = stmt
            .query_map(params![id], link_from_row)
            .map_err(|e| self.sql(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.sql(e))?;
        Ok((entry, history, links))
    }

    /// The history of one issue, oldest first.
    pub fn history(&self, id: i64) -> LedgerResult<Vec<HistoryRow>> {
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
}
