//! Which issues to read: the [`Filter`] of lists, counts, summaries and exports.

use serde::{Deserialize, Serialize};

use super::Status;

/// Which issues to list. Every field that is set must match.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// The status in the life cycle.
    pub status: Option<Status>,
    /// County name or county code.
    pub county: Option<String>,
    /// The reserve's name.
    pub reserve: Option<String>,
    /// Zone code (`core`) or Chinese name (`核心区`).
    pub zone: Option<String>,
    /// Focus issues only (or none of them).
    pub focus: Option<bool>,
    /// Overdue on the ledger's today (deadline passed, not rectified).
    pub overdue: Option<bool>,
    /// The clue's year.
    pub year: Option<i32>,
    /// The batch.
    pub batch: Option<String>,
    /// The activity type (活动类型) as the clue list names it.
    pub activity: Option<String>,
    /// Issues whose clue point lies in this CGCS2000 box, `[min_lon, min_lat, max_lon, max_lat]`
    /// (edges included): the ledger's points on a map tile.
    pub bbox: Option<[f64; 4]>,
}
