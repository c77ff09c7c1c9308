//! What redline keeps, behind interfaces a second backend can implement: the rectification
//! ledger ([`LedgerStore`]), the service's stored reviews, decisions, layer versions and audit
//! log ([`ServiceStore`]), the bearer tokens ([`tokens`]) and the files of uploaded layer
//! versions ([`LayerFiles`]).
//!
//! [`sqlite`] is the embedded default. The interfaces speak in the domain's types (entries,
//! filters, reviews) and [`StorageError`]; no SQLite type crosses them. The rules of the life
//! cycle are not the store's: it applies the plans of [`crate::ledger::lifecycle`].

pub mod files;
pub mod records;
pub mod sqlite;
pub mod tokens;

use chrono::NaiveDate;

use crate::ledger::{
    Entry, Filter, HistoryRow, ImportReport, Issue, IssueDiff, LedgerResult, LedgerSettings, Link,
    Status, TransitionRequest,
};

pub use files::LayerFiles;
pub use records::{
    AuditRow, Decision, DecisionRow, LayerVersionRow, NewAudit, NewReview, ReviewFilter,
    ReviewSummary, UsedLayer,
};

/// Now, UTC, RFC 3339 with milliseconds: the form of every timestamp the stores write.
pub fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What a ledger write needs to know besides its input: the time to record, the date overdue
/// and deadlines are judged against, and the settings (look-back distance, default deadlines).
#[derive(Clone, Debug)]
pub struct LedgerContext<'a> {
    /// UTC, RFC 3339: `created_at`, `updated_at` and the history's `at`.
    pub now: String,
    /// The ledger's today.
    pub today: NaiveDate,
    /// The settings.
    pub settings: &'a LedgerSettings,
}

/// Counts and areas of the issues that share county, reserve, zone, activity and status (the
/// rows of the 汇总 form, before labels are chosen).
#[derive(Clone, Debug, PartialEq)]
pub struct IssueGroup {
    /// County name.
    pub county: Option<String>,
    /// Reserve name.
    pub reserve: Option<String>,
    /// Zone code.
    pub zone: Option<String>,
    /// Zone's Chinese name.
    pub zone_cn: Option<String>,
    /// Activity type.
    pub activity: Option<String>,
    /// Life-cycle status.
    pub status: Status,
    /// How many issues.
    pub count: u64,
    /// Sum of their known areas (m²).
    pub area_m2: f64,
}

/// The ledger's store. Every write is one transaction, all or nothing; nothing is deleted.
pub trait LedgerStore: Send {
    /// The store, for messages (e.g. the database file).
    fn describe(&self) -> String;
    /// The schema version the store is at.
    fn schema_version(&self) -> LedgerResult<i64>;
    /// The store's own consistency check: `"ok"` when sound.
    fn integrity_check(&self) -> LedgerResult<String>;
    /// Add the issues not yet in the ledger (by clue id and batch), report the ones that differ
    /// ([`Issue::differences`]) and link new issues to other years' within the look-back
    /// distance. The issues are already checked ([`Issue::validate`]).
    fn import(
        &mut self,
        issues: &[Issue],
        who: &str,
        ctx: &LedgerContext<'_>,
    ) -> LedgerResult<ImportReport>;
    /// Apply reported differences (already checked with
    /// [`check_change`](crate::ledger::issue::check_change)); returns the ids changed.
    fn apply_changes(
        &mut self,
        diffs: &[IssueDiff],
        who: &str,
        reason: &str,
        ctx: &LedgerContext<'_>,
    ) -> LedgerResult<Vec<i64>>;
    /// Read the entry, plan the move with
    /// [`plan_transition`](crate::ledger::lifecycle::plan_transition) and write it with its
    /// history row, in one transaction.
    fn transition(
        &mut self,
        request: &TransitionRequest,
        ctx: &LedgerContext<'_>,
    ) -> LedgerResult<()>;
    /// One entry by id.
    fn get(&self, id: i64, today: NaiveDate) -> LedgerResult<Option<Entry>>;
    /// One entry by clue id and batch.
    fn find(&self, clue_id: &str, batch: &str, today: NaiveDate) -> LedgerResult<Option<Entry>>;
    /// A page of the entries matching `filter`, in id order.
    fn list(
        &self,
        filter: &Filter,
        offset: usize,
        limit: usize,
        today: NaiveDate,
    ) -> LedgerResult<Vec<Entry>>;
    /// How many entries match `filter`.
    fn count(&self, filter: &Filter, today: NaiveDate) -> LedgerResult<usize>;
    /// The history of one issue, oldest first.
    fn history(&self, id: i64) -> LedgerResult<Vec<HistoryRow>>;
    /// The look-back links of one issue, both directions, oldest first.
    fn links(&self, id: i64) -> LedgerResult<Vec<Link>>;
    /// The issues matching `filter`, grouped for the summary form.
    fn groups(&self, filter: &Filter, today: NaiveDate) -> LedgerResult<Vec<IssueGroup>>;
}

/// The service's store: reviews with their reports, the decisions on them (append-only, a later
/// one supersedes), uploaded layer versions and the audit log.
pub trait ServiceStore: Send + Sync {
    /// Store a review; returns its id and creation time.
    fn insert_review(&self, r: &NewReview) -> StorageResult<(i64, String)>;
    /// A stored review: its summary, the report JSON text and the GeoJSON text.
    fn review(&self, id: i64) -> StorageResult<Option<(ReviewSummary, String, String)>>;
    /// Reviews matching `f`, newest first: (total, page).
    fn list_reviews(
        &self,
        f: &ReviewFilter,
        offset: usize,
        limit: usize,
    ) -> StorageResult<(usize, Vec<ReviewSummary>)>;
    /// Record a decision; it supersedes the one in force.
    fn add_decision(
        &self,
        review_id: i64,
        decision: Decision,
        who: &str,
        note: &str,
    ) -> StorageResult<DecisionRow>;
    /// All decisions on a review, oldest first (the last is in force).
    fn decisions(&self, review_id: i64) -> StorageResult<Vec<DecisionRow>>;
    /// Record an uploaded layer version.
    fn add_layer_version(&self, row: &LayerVersionRow) -> StorageResult<()>;
    /// Uploaded versions of a layer, oldest first.
    fn layer_versions(&self, layer: &str) -> StorageResult<Vec<LayerVersionRow>>;
    /// Append an audit row.
    fn audit(&self, a: &NewAudit) -> StorageResult<()>;
    /// The audit log, newest first: (total, page).
    fn audit_log(&self, offset: usize, limit: usize) -> StorageResult<(usize, Vec<AuditRow>)>;

    /// Add a user; false when one of that name exists.
    fn insert_user(&self, u: &crate::accounts::UserRow) -> StorageResult<bool>;
    /// A user with its password hash.
    fn user(&self, username: &str) -> StorageResult<Option<crate::accounts::UserRow>>;
    /// Every user, by name.
    fn users(&self) -> StorageResult<Vec<crate::accounts::User>>;
    /// Set a password hash; false when there is no such user.
    fn update_password(&self, username: &str, hash: &str) -> StorageResult<bool>;
    /// Disable or enable a user; false when there is no such user.
    fn update_disabled(&self, username: &str, disabled: bool) -> StorageResult<bool>;
    /// Record a successful login's time.
    fn touch_login(&self, username: &str, at: &str) -> StorageResult<()>;
    /// Store a session (by its token's hash).
    fn insert_session(&self, s: &crate::accounts::SessionRow) -> StorageResult<()>;
    /// The session of a token hash.
    fn session(&self, token_hash: &str) -> StorageResult<Option<crate::accounts::SessionRow>>;
    /// End one session.
    fn delete_session(&self, token_hash: &str) -> StorageResult<()>;
    /// End every session of a user.
    fn delete_sessions(&self, username: &str) -> StorageResult<()>;
    /// Record a login attempt.
    fn add_login_attempt(
        &self,
        username: &str,
        client: &str,
        ok: bool,
        at: &str,
    ) -> StorageResult<()>;
    /// Failed logins since `since` (RFC 3339) for the user name and for the client, and the
    /// oldest of them.
    fn failed_logins(
        &self,
        username: &str,
        client: &str,
        since: &str,
    ) -> StorageResult<(u32, u32, Option<String>)>;
}

/// A failure of the store. It is never the caller's fault: the HTTP service answers it as an
/// internal error and logs the detail.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed an operation.
    #[error("数据库错误 (database) {db}: {source}")]
    Database {
        /// Which database (its file).
        db: String,
        /// What the backend said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Files of the store (uploaded layer versions) could not be written.
    #[error("数据文件无法写入 (cannot write the data folder) {path}: {source}")]
    Files {
        /// The folder or file.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error("数据库无法打开 (cannot open the database) {path}: {source}")]
    Open {
        /// The database file.
        path: std::path::PathBuf,
        /// What the backend said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Result with [`StorageError`].
pub type StorageResult<T> = std::result::Result<T, StorageError>;
