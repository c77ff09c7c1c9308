//! The rectification ledger (问题台账) of the Green Shield (绿盾) team, in SQLite.
//!
//! Every remote-sensing clue that the matching step places becomes one [`Entry`], keyed by
//! (clue number, batch). An entry walks the life cycle of [`Status`]:
//!
//! ```text
//! 待核查 pending ─┬─> 属实 confirmed ──> 整改中 rectifying ──> 已整改 rectified ──> 已销号 closed
//!                 └─> 不属实 not_an_issue
//! reopen (reason required): not_an_issue → pending, rectified → rectifying, closed → rectifying
//! ```
//!
//! Nothing is ever deleted: `BEFORE DELETE` triggers abort on every table, and the history is
//! append-only. Every change happens in one transaction and writes a history row naming who,
//! when (UTC, RFC 3339) and why. Writers use optimistic concurrency: a change names the version
//! it was based on and is refused with [`LedgerError::Conflict`] when someone else was first.
//!
//! * [`schema`]: the numbered migrations and the triggers that forbid deletion.
//! * [`import`](Ledger::import): idempotent import, differences reported (not applied) and
//!   applied explicitly with [`Ledger::apply_changes`]; look-back links (回头看) to earlier years.
//! * [`lifecycle`]: the transition table and [`Ledger::transition`].
//! * [`query`]: [`Ledger::list`] with a [`Filter`], [`Ledger::show`].
//! * [`summary`]: the summary forms (汇总, 逾期, 重点问题) as JSON, CSV and XLSX.
//! * [`export`]: all entries as GeoJSON or shapefile.
//!
//! ```no_run
//! use redline_core::ledger::{Ledger, Status};
//! # fn main() -> Result<(), redline_core::ledger::LedgerError> {
//! let mut ledger = Ledger::open(std::path::Path::new("ledger.sqlite"))?;
//! let issues = Vec::new(); // from the matching step
//! let report = ledger.import(&issues, "张三")?;
//! for id in &report.added_ids {
//!     let e = ledger.get(*id)?;
//!     ledger.transition(e.id, e.version, Status::Confirmed, "李四", "现场核查属实", None, None, None)?;
//! }
//! # Ok(()) }
//! ```

pub mod export;
mod import;
pub mod lifecycle;
pub mod query;
pub mod schema;
pub mod summary;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

pub use export::ExportGeometry;
pub use import::{FieldChange, ImportReport, IssueDiff};
pub use lifecycle::{allowed_transition, TRANSITIONS};
pub use query::Filter;
pub use summary::{CsvEncoding, Sheet, Summary, SummaryRow};

/// One issue as the matching step hands it over (a placed remote-sensing clue).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewIssue {
    /// The clue number (线索编号) from the ministry's list.
    pub clue_id: String,
    /// The batch (批次): e.g. `2020` or the batch text of the list.
    pub batch: String,
    /// The year the clue belongs to (for the look-back 回头看).
    pub year: Option<i32>,
    pub lon: f64,
    pub lat: f64,
    /// The patch in lon/lat as GeoJSON (a Geometry or a Feature), when the clue is a patch.
    pub geometry_geojson: Option<String>,
    /// The human-activity type (活动类型), e.g. 矿产资源开发.
    pub activity: String,
    pub area_m2: Option<f64>,
    pub county_code: Option<String>,
    pub county: Option<String>,
    pub reserve: Option<String>,
    pub reserve_level: Option<String>,
    /// `core|buffer|experimental|core_protection|general_control`.
    pub zone: Option<String>,
    pub zone_cn: Option<String>,
    /// 0 inside a reserve; the distance to the nearest reserve when just outside.
    pub distance_m: Option<f64>,
    pub focus: bool,
    pub focus_reasons: Vec<String>,
    pub departments: Vec<String>,
    /// Which versions of the layers placed the clue (opaque text, e.g. sha256 list).
    pub layer_versions: String,
}

/// The status of an issue in its life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待核查: the clue is received and waits for field verification.
    Pending,
    /// 属实: verified in the field, the activity is real.
    Confirmed,
    /// 不属实: verified in the field, not an issue.
    NotAnIssue,
    /// 整改中: rectification under way (deadline, responsible unit, measures).
    Rectifying,
    /// 已整改: rectified, waiting for acceptance.
    Rectified,
    /// 已销号: closed out after acceptance.
    Closed,
}

impl Status {
    /// All statuses in life-cycle order.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Confirmed,
        Status::NotAnIssue,
        Status::Rectifying,
        Status::Rectified,
        Status::Closed,
    ];

    /// The code stored in the database and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Confirmed => "confirmed",
            Status::NotAnIssue => "not_an_issue",
            Status::Rectifying => "rectifying",
            Status::Rectified => "rectified",
            Status::Closed => "closed",
        }
    }

    /// The label the officials read.
    pub fn label_cn(self) -> &'static str {
        match self {
            Status::Pending => "待核查",
            Status::Confirmed => "属实",
            Status::NotAnIssue => "不属实",
            Status::Rectifying => "整改中",
            Status::Rectified => "已整改",
            Status::Closed => "已销号",
        }
    }

    /// Parse a code (`rectifying`) or a Chinese label (`整改中`).
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s) || st.label_cn() == s)
    }

    /// Whether rectification is finished (已整改 or 已销号): such issues are never overdue.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Rectified | Status::Closed)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.label_cn(), self.as_str())
    }
}

/// One issue in the ledger with its current state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub clue_id: String,
    pub batch: String,
    pub year: Option<i32>,
    pub lon: f64,
    pub lat: f64,
    pub geometry_geojson: Option<String>,
    pub activity: String,
    pub area_m2: Option<f64>,
    pub county_code: Option<String>,
    pub county: Option<String>,
    pub reserve: Option<String>,
    pub reserve_level: Option<String>,
    pub zone: Option<String>,
    pub zone_cn: Option<String>,
    pub distance_m: Option<f64>,
    pub focus: bool,
    pub focus_reasons: Vec<String>,
    pub departments: Vec<String>,
    pub layer_versions: String,
    pub status: Status,
    /// The Chinese label of `status` (整改状态).
    pub status_cn: String,
    /// The rectification deadline (整改时限).
    #[serde(serialize_with = "ser_date")]
    pub deadline: Option<NaiveDate>,
    /// The responsible unit (责任单位).
    pub responsible_unit: Option<String>,
    /// Rectification measures (整改措施).
    pub measures: Option<String>,
    /// Incremented by every change; pass it back to [`Ledger::transition`].
    pub version: i64,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    /// Deadline before the ledger's today and not yet rectified.
    pub overdue: bool,
}

/// One row of an issue's history (append-only).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub issue_id: i64,
    /// The issue's version after this change.
    pub version: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub who: String,
    /// `import`, `transition` or `change`.
    pub action: String,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub reason: Option<String>,
    #[serde(serialize_with = "ser_date")]
    pub deadline: Option<NaiveDate>,
    pub unit: Option<String>,
    pub measures: Option<String>,
    /// For `change`: the field changes applied, as a JSON array of `{field, old, new}`.
    pub changes: Option<serde_json::Value>,
}

/// A look-back link (回头看): `issue_id` lies within the look-back distance of the earlier
/// year's issue `earlier_id`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    pub issue_id: i64,
    pub clue_id: String,
    pub year: Option<i32>,
    pub earlier_id: i64,
    pub earlier_clue_id: String,
    pub earlier_year: Option<i32>,
    pub distance_m: f64,
    pub created_at: String,
}

/// Ledger settings taken from the `[inspection]` configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerSettings {
    /// A new clue within this distance of an earlier year's issue is linked to it.
    pub lookback_m: f64,
    /// Default rectification deadline in days from today.
    pub deadline_days: u32,
    /// Default deadline for focus issues.
    pub focus_deadline_days: u32,
    /// A fixed "today" (for reports dated in the past and for tests); `None` = the local date.
    pub today: Option<NaiveDate>,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings::from(&crate::config::Inspection::default())
    }
}

impl From<&crate::config::Inspection> for LedgerSettings {
    fn from(c: &crate::config::Inspection) -> Self {
        LedgerSettings {
            lookback_m: c.lookback_m,
            deadline_days: c.deadline_days,
            focus_deadline_days: c.focus_deadline_days,
            today: None,
        }
    }
}

/// What can go wrong in the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Someone changed the issue since the caller read it.
    #[error("台账记录已被他人修改，请刷新后重试 (conflict: issue {id} is at version {current_version}, not {expected_version})")]
    Conflict {
        id: i64,
        expected_version: i64,
        current_version: i64,
    },
    /// The life cycle does not allow this move.
    #[error("不允许的状态变更：{from} → {to} (illegal transition)")]
    IllegalTransition { from: Status, to: Status },
    /// Reopening (and applying changes) needs a reason.
    #[error("重新打开或修改台账必须填写原因 (a reason is required): {0}")]
    ReasonRequired(String),
    /// Entering 整改中 needs a responsible unit and none could be derived.
    #[error("整改中的问题必须有责任单位 (a responsible unit is required for issue {0})")]
    UnitRequired(i64),
    #[error("台账中没有编号为 {0} 的问题 (issue not found)")]
    NotFound(i64),
    /// Input the ledger refuses (names the record).
    #[error("台账输入有误 (invalid input): {0}")]
    Invalid(String),
    #[error("台账数据库错误 (SQLite) {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing a form or an export failed (internal).
    #[error("报表输出失败 (report): {0}")]
    Report(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A GBK form was asked for, and some text has no GBK form.
    #[error("表中有 GBK 无法表示的字符，请改用 UTF-8 (text not representable in GBK)")]
    NotGbk,
    /// A stored value is none the ledger knows (the database was changed outside redline).
    #[error("台账数据库中有无法识别的值 (unknown stored value): {0}")]
    Corrupt(String),
}

impl From<crate::formats::FormatError> for LedgerError {
    fn from(e: crate::formats::FormatError) -> Self {
        LedgerError::Report(Box::new(e))
    }
}

impl LedgerError {
    /// A failure of a form or export writer.
    pub(crate) fn report(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        LedgerError::Report(Box::new(e))
    }

    /// Whose problem this is: a stale version or a move the life cycle does not allow is a
    /// conflict; a missing issue is not found; a missing reason or a bad record is the
    /// caller's; the database and the disk are internal.
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            LedgerError::Conflict { .. } | LedgerError::IllegalTransition { .. } => {
                ErrorKind::Conflict
            }
            LedgerError::NotFound(_) => ErrorKind::NotFound,
            LedgerError::ReasonRequired(_)
            | LedgerError::UnitRequired(_)
            | LedgerError::Invalid(_)
            | LedgerError::NotGbk => ErrorKind::Input,
            LedgerError::Sqlite { .. }
            | LedgerError::Io { .. }
            | LedgerError::Report(_)
            | LedgerError::Corrupt(_) => ErrorKind::Internal,
        }
    }
}

/// Result with [`LedgerError`].
pub type LedgerResult<T> = std::result::Result<T, LedgerError>;

/// The ledger: one SQLite database file.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    settings: LedgerSettings,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .field("settings", &self.settings)
            .finish()
    }
}

impl Ledger {
    /// Open (or create) the ledger at `path` and bring its schema up to date. The database runs
    /// in WAL mode with `synchronous=FULL` and foreign keys on.
    pub fn open(path: &Path) -> LedgerResult<Ledger> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| sql_err(path, e))?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            settings: LedgerSettings::default(),
        };
        ledger.configure()?;
        let path = ledger.path.clone();
        schema::migrate(&mut ledger.conn).map_err(|e| sql_err(&path, e))?;
        Ok(ledger)
    }

    /// Open with settings (see [`LedgerSettings`]).
    pub fn open_with(path: &Path, settings: LedgerSettings) -> LedgerResult<Ledger> {
        let mut l = Ledger::open(path)?;
        l.settings = settings;
        Ok(l)
    }

    fn configure(&mut self) -> LedgerResult<()> {
        let path = self.path.clone();
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| sql_err(&path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError::Invalid(format!(
                "{}: 无法启用 WAL 日志模式 (journal_mode is {mode})",
                path.display()
            )));
        }
        self.conn
            .execute_batch(
                "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
            )
            .map_err(|e| sql_err(&path, e))?;
        Ok(())
    }

    /// The settings in use.
    pub fn settings(&self) -> &LedgerSettings {
        &self.settings
    }

    /// Replace the settings.
    pub fn set_settings(&mut self, settings: LedgerSettings) {
        self.settings = settings;
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> LedgerResult<i64> {
        schema::current_version(&self.conn).map_err(|e| self.sql(e))
    }

    /// `PRAGMA integrity_check`: `"ok"` when the database is sound.
    pub fn integrity_check(&self) -> LedgerResult<String> {
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

    /// The connection, for read-only checks in tests and tools (e.g. proving that deletes abort).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Today's date as the ledger sees it (the fixed date of the settings, or the local date).
    pub fn today(&self) -> NaiveDate {
        self.settings
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    fn sql(&self, e: rusqlite::Error) -> LedgerError {
        sql_err(&self.path, e)
    }
}

fn sql_err(path: &Path, source: rusqlite::Error) -> LedgerError {
    LedgerError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// Now, UTC, RFC 3339 with milliseconds.
fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn ser_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
        None => s.serialize_none(),
    }
}

/// Parse a stored `YYYY-MM-DD` date.
fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

/// The Chinese name of a functional zone code.
pub fn zone_label(zone: &str) -> &str {
    match zone {
        "core" => "核心区",
        "buffer" => "缓冲区",
        "experimental" => "实验区",
        "core_protection" => "核心保护区",
        "general_control" => "一般控制区",
        other => other,
    }
}
