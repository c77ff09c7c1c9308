//! The rectification ledger (问题台账) of the Green Shield (绿盾) team.
//!
//! Every remote-sensing clue that the matching step places becomes one [`Entry`] (its [`Issue`]
//! and its state), keyed by (clue number, batch). An entry walks the life cycle of [`Status`]:
//!
//! ```text
//! 待核查 pending ─┬─> 属实 confirmed ──> 整改中 rectifying ──> 已整改 rectified ──> 已销号 closed
//!                 └─> 不属实 not_an_issue
//! reopen (reason required): not_an_issue → pending, rectified → rectifying, closed → rectifying
//! ```
//!
//! Nothing is ever deleted and the history is append-only. Every change happens in one
//! transaction and writes a history row naming who, when (UTC, RFC 3339) and why. Writers use
//! optimistic concurrency: a change names the version it was based on and is refused with
//! [`LedgerError::Conflict`] when someone else was first.
//!
//! [`Ledger`] holds the rules and speaks to a [`LedgerStore`]:
//! SQLite by default ([`Ledger::open`], see [`crate::storage::sqlite`]); a second backend
//! implements the same interface.
//!
//! * [`issue`]: the record of a placed clue, its fields, differences and checks.
//! * [`lifecycle`]: the transition table and the rules of a move.
//! * [`query`]: the [`Filter`] of lists.
//! * [`summary`]: the summary forms (汇总, 逾期, 重点问题) as JSON, CSV and XLSX.
//! * [`export`]: all entries as GeoJSON or shapefile.
//!
//! ```no_run
//! use redline_core::ledger::{Ledger, Status, TransitionRequest};
//! # fn main() -> Result<(), redline_core::ledger::LedgerError> {
//! let mut ledger = Ledger::open(std::path::Path::new("ledger.sqlite"))?;
//! let issues = Vec::new(); // from the matching step
//! let report = ledger.import(&issues, "张三")?;
//! for id in &report.added_ids {
//!     let e = ledger.get(*id)?;
//!     ledger.transition(&TransitionRequest {
//!         id: e.id,
//!         expected_version: e.version,
//!         to: Status::Confirmed,
//!         who: "李四".into(),
//!         reason: "现场核查属实".into(),
//!         deadline: None,
//!         unit: None,
//!         measures: None,
//!     })?;
//! }
//! # Ok(()) }
//! ```

pub mod export;
pub mod issue;
pub mod lifecycle;
pub mod query;
pub mod summary;

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::storage::{LedgerContext, LedgerStore, StorageError};

pub use export::ExportGeometry;
pub use issue::{FieldChange, ImportReport, Issue, IssueDiff, ISSUE_FIELDS};
pub use lifecycle::{allowed_transition, TransitionPlan, TransitionRequest, TRANSITIONS};
pub use query::Filter;
pub use summary::{CsvEncoding, Sheet, Summary, SummaryRow};

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

/// One issue in the ledger with its current state: its [`Issue`] (flattened into the same JSON
/// object) and where it stands in the life cycle. It dereferences to its issue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// The ledger id (台账编号).
    pub id: i64,
    /// The placed clue.
    #[serde(flatten)]
    pub issue: Issue,
    /// Where it stands.
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
    /// UTC, RFC 3339.
    pub updated_at: String,
    /// Deadline before the ledger's today and not yet rectified.
    pub overdue: bool,
}

impl std::ops::Deref for Entry {
    type Target = Issue;
    fn deref(&self) -> &Issue {
        &self.issue
    }
}

/// One row of an issue's history (append-only).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryRow {
    /// The row's id (rows are numbered in the order they were written).
    pub id: i64,
    /// The ledger id (台账编号) of the issue.
    pub issue_id: i64,
    /// The issue's version after this change.
    pub version: i64,
    /// UTC, RFC 3339.
    pub at: String,
    /// Who made the change (操作人), as the caller named them.
    pub who: String,
    /// `import`, `transition` or `change`.
    pub action: String,
    /// The status before; `None` for `import`.
    pub from: Option<Status>,
    /// The status after: 待核查 for `import`, unchanged for `change`.
    pub to: Option<Status>,
    /// Why: the reason given (required to reopen and for `change`); a fixed text for `import`.
    pub reason: Option<String>,
    /// For `transition`: the rectification deadline (整改时限) after the move; else `None`.
    #[serde(serialize_with = "ser_date")]
    pub deadline: Option<NaiveDate>,
    /// For `transition`: the responsible unit (责任单位) after the move; else `None`.
    pub unit: Option<String>,
    /// For `transition`: the rectification measures (整改措施) after the move; else `None`.
    pub measures: Option<String>,
    /// For `change`: the field changes applied, as a JSON array of `{field, old, new}`.
    pub changes: Option<serde_json::Value>,
}

/// A look-back link (回头看): `issue_id` lies within the look-back distance of the earlier
/// year's issue `earlier_id`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    /// The ledger id (台账编号) of the later year's issue.
    pub issue_id: i64,
    /// Its clue number (线索编号).
    pub clue_id: String,
    /// Its year (年份) as stored now; `None` only when a later change removed it.
    pub year: Option<i32>,
    /// The ledger id of the earlier year's issue.
    pub earlier_id: i64,
    /// Its clue number.
    pub earlier_clue_id: String,
    /// Its year as stored now; `None` only when a later change removed it.
    pub earlier_year: Option<i32>,
    /// The distance between the two clues' points, metres in the working CRS.
    pub distance_m: f64,
    /// When the link was made: UTC, RFC 3339.
    pub created_at: String,
}

/// Ledger settings taken from the `[inspection]` configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct LedgerSettings {
    /// A new clue within this distance of an earlier year's issue is linked to it.
    pub lookback_m: f64,
    /// The planar CRS distances are measured in (the project's working CRS, as for every
    /// other distance of the project).
    pub working_crs: String,
    /// Default rectification deadline in days from today.
    pub deadline_days: u32,
    /// Default deadline for focus issues.
    pub focus_deadline_days: u32,
    /// A fixed "today" (for reports dated in the past and for tests); `None` = the local date.
    pub today: Option<NaiveDate>,
}

/// The working CRS of the settings when no project gives one (Jingdezhen's zone 39).
pub const DEFAULT_WORKING_CRS: &str = "EPSG:4527";

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings::from_inspection(&crate::config::Inspection::default(), DEFAULT_WORKING_CRS)
    }
}

impl LedgerSettings {
    /// The settings of a project: its `[inspection]` table and its working CRS.
    pub fn of_project(config: &crate::config::Config) -> Self {
        LedgerSettings::from_inspection(&config.inspection, &config.working_crs)
    }

    /// The settings of an `[inspection]` table, distances in `working_crs`.
    pub fn from_inspection(c: &crate::config::Inspection, working_crs: &str) -> Self {
        LedgerSettings {
            lookback_m: c.lookback_m,
            working_crs: working_crs.to_string(),
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
        /// The issue's ledger id (台账编号).
        id: i64,
        /// The version the caller based the change on.
        expected_version: i64,
        /// The issue's version in the ledger now.
        current_version: i64,
    },
    /// The life cycle does not allow this move.
    #[error("不允许的状态变更：{from} → {to} (illegal transition)")]
    IllegalTransition {
        /// The issue's status now.
        from: Status,
        /// The status asked for.
        to: Status,
    },
    /// Reopening (and applying changes) needs a reason.
    #[error("重新打开或修改台账必须填写原因 (a reason is required): {0}")]
    ReasonRequired(String),
    /// Entering 整改中 needs a responsible unit and none could be derived.
    #[error("整改中的问题必须有责任单位 (a responsible unit is required for issue {0})")]
    UnitRequired(i64),
    /// No issue has this ledger id (台账编号).
    #[error("台账中没有编号为 {0} 的问题 (issue not found)")]
    NotFound(i64),
    /// Input the ledger refuses (names the record).
    #[error("台账输入有误 (invalid input): {0}")]
    Invalid(String),
    /// The ledger's database failed (internal).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A file of a form could not be written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Writing a form or an export failed (internal).
    #[error("报表输出失败 (report): {0}")]
    Report(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A GBK form was asked for, and some text has no GBK form.
    #[error("表中有 GBK 无法表示的字符，请改用 UTF-8 (text not representable in GBK)")]
    NotGbk,
    /// CGCS2000 will not convert into the working CRS (internal: the project's layers loaded
    /// through the same conversion).
    #[error("工作坐标系转换失败 (working CRS conversion failed): {0}")]
    Projection(#[source] Box<crate::crs::CrsError>),
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
            LedgerError::Storage(_)
            | LedgerError::Io { .. }
            | LedgerError::Report(_)
            | LedgerError::Projection(_)
            | LedgerError::Corrupt(_) => ErrorKind::Internal,
        }
    }
}

/// Result with [`LedgerError`].
pub type LedgerResult<T> = std::result::Result<T, LedgerError>;

/// The ledger: the life-cycle rules over a store.
pub struct Ledger {
    store: Box<dyn LedgerStore>,
    settings: LedgerSettings,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("store", &self.store.describe())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Ledger {
    /// Open (or create) the SQLite ledger at `path` and bring its schema up to date (see
    /// [`crate::storage::sqlite::SqliteLedger`]).
    pub fn open(path: &Path) -> LedgerResult<Ledger> {
        Ledger::open_with(path, LedgerSettings::default())
    }

    /// Open the SQLite ledger with settings (see [`LedgerSettings`]).
    pub fn open_with(path: &Path, settings: LedgerSettings) -> LedgerResult<Ledger> {
        let store = crate::storage::sqlite::SqliteLedger::open(path)?;
        Ok(Ledger::with_store(Box::new(store), settings))
    }

    /// A ledger over any store.
    pub fn with_store(store: Box<dyn LedgerStore>, settings: LedgerSettings) -> Ledger {
        Ledger { store, settings }
    }

    /// The settings in use.
    pub fn settings(&self) -> &LedgerSettings {
        &self.settings
    }

    /// Replace the settings.
    pub fn set_settings(&mut self, settings: LedgerSettings) {
        self.settings = settings;
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> LedgerResult<i64> {
        self.store.schema_version()
    }

    /// The store's own consistency check: `"ok"` when it is sound.
    pub fn integrity_check(&self) -> LedgerResult<String> {
        self.store.integrity_check()
    }

    /// Today's date as the ledger sees it (the fixed date of the settings, or the local date).
    pub fn today(&self) -> NaiveDate {
        self.settings
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// The time and settings of a write (the store is borrowed apart from the settings).
    fn context(today: NaiveDate, settings: &LedgerSettings) -> LedgerContext<'_> {
        LedgerContext {
            now: now_utc(),
            today,
            settings,
        }
    }

    /// Import placed clues in one transaction (all or nothing).
    ///
    /// A clue already in the ledger with the same (clue_id, batch) adds nothing: it counts as
    /// unchanged when its placement and attributes agree, and is reported in
    /// [`ImportReport::differences`] field by field (old → new) when they do not; differences
    /// are never applied here (see [`Ledger::apply_changes`]). Every new issue starts as 待核查
    /// with a history row, and is linked to issues of other years within
    /// [`LedgerSettings::lookback_m`] (回头看).
    pub fn import(&mut self, issues: &[Issue], who: &str) -> LedgerResult<ImportReport> {
        if who.trim().is_empty() {
            return Err(LedgerError::Invalid("操作人为空 (who is empty)".into()));
        }
        for (i, issue) in issues.iter().enumerate() {
            issue.validate(i)?;
        }
        let ctx = Self::context(self.today(), &self.settings);
        self.store.import(issues, who, &ctx)
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
        for d in diffs {
            for c in &d.changes {
                issue::check_change(&c.field, &c.new).map_err(|m| {
                    LedgerError::Invalid(format!("问题 {} ({}): {m}", d.id, d.clue_id))
                })?;
            }
        }
        let ctx = Self::context(self.today(), &self.settings);
        let ids = self.store.apply_changes(diffs, who, reason, &ctx)?;
        ids.iter().map(|&id| self.get(id)).collect()
    }

    /// Move an issue in its life cycle by the rules of [`lifecycle::plan_transition`]; writes
    /// the change and its history row (who, when, from, to, reason, deadline, unit, measures,
    /// version) in one transaction and returns the updated entry.
    pub fn transition(&mut self, request: &TransitionRequest) -> LedgerResult<Entry> {
        if request.who.trim().is_empty() {
            return Err(LedgerError::Invalid("操作人为空 (who is empty)".into()));
        }
        let ctx = Self::context(self.today(), &self.settings);
        self.store.transition(request, &ctx)?;
        self.get(request.id)
    }

    /// One issue by id.
    pub fn get(&self, id: i64) -> LedgerResult<Entry> {
        self.store
            .get(id, self.today())?
            .ok_or(LedgerError::NotFound(id))
    }

    /// One issue by clue number and batch.
    pub fn find(&self, clue_id: &str, batch: &str) -> LedgerResult<Option<Entry>> {
        self.store.find(clue_id, batch, self.today())
    }

    /// A page of the issues matching `filter`, in id order.
    pub fn list(&self, filter: &Filter, offset: usize, limit: usize) -> LedgerResult<Vec<Entry>> {
        self.store.list(filter, offset, limit, self.today())
    }

    /// All issues matching `filter`.
    pub fn list_all(&self, filter: &Filter) -> LedgerResult<Vec<Entry>> {
        self.list(filter, 0, usize::MAX)
    }

    /// How many issues match `filter`.
    pub fn count(&self, filter: &Filter) -> LedgerResult<usize> {
        self.store.count(filter, self.today())
    }

    /// One issue with its full history (oldest first) and its look-back links in both
    /// directions (to earlier years' issues and from later ones).
    pub fn show(&self, id: i64) -> LedgerResult<(Entry, Vec<HistoryRow>, Vec<Link>)> {
        let entry = self.get(id)?;
        let history = self.history(id)?;
        let links = self.store.links(id)?;
        Ok((entry, history, links))
    }

    /// The history of one issue, oldest first.
    pub fn history(&self, id: i64) -> LedgerResult<Vec<HistoryRow>> {
        self.store.history(id)
    }
}

/// Now, UTC, RFC 3339 with milliseconds.
pub(crate) fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn ser_date<S: serde::Serializer>(
    d: &Option<NaiveDate>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
        None => s.serialize_none(),
    }
}

/// Parse a stored `YYYY-MM-DD` date.
pub(crate) fn parse_date(s: Option<String>) -> Option<NaiveDate> {
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
