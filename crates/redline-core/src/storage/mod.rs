//! What redline keeps: the service database (stored reviews, decisions, layer versions, the
//! audit log). The ledger of the Green Shield team is [`crate::ledger`].

pub mod service;

pub use service::{
    now_utc, AuditRow, Decision, DecisionRow, LayerVersionRow, NewReview, ReviewFilter,
    ReviewSummary, Store, UsedLayer,
};

/// A failure of the store. It is never the caller's fault: the HTTP service answers it as an
/// internal error and logs the detail.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database refused or failed an operation.
    #[error("服务数据库错误 (service database): {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database could not be opened.
    #[error("服务数据库无法打开 (cannot open the service database) {path}: {source}")]
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

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Database(Box::new(e))
    }
}
