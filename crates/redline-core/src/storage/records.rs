//! The records of the service store: stored reviews, the decisions on them, uploaded layer
//! versions and the audit log (what [`ServiceStore`](super::ServiceStore) reads and writes).

use serde::{Deserialize, Serialize};

use crate::review::Verdict;

/// A decision on a stored review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 通过
    Approve,
    /// 不通过
    Reject,
    /// 补正 (the applicant must correct and resubmit)
    Amend,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Approve, Decision::Reject, Decision::Amend];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Amend => "amend",
        }
    }

    pub fn label_cn(self) -> &'static str {
        match self {
            Decision::Approve => "通过",
            Decision::Reject => "不通过",
            Decision::Amend => "补正",
        }
    }

    /// Parse a code (`approve`) or a Chinese label (`通过`).
    pub fn parse(s: &str) -> Option<Decision> {
        let s = s.trim();
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s) || d.label_cn() == s)
    }
}

/// A layer and the version of it that a review or placement used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsedLayer {
    pub name: String,
    /// 1 = the file named in the config; each upload adds one.
    pub version: i64,
    pub sha256: String,
}

/// A review to store.
#[derive(Clone, Debug)]
pub struct NewReview {
    pub who: String,
    pub county_code: Option<String>,
    pub county: Option<String>,
    pub files: Vec<String>,
    pub verdict: Verdict,
    pub counts: [i64; 5],
    pub layer_versions: Vec<UsedLayer>,
    pub report: String,
    pub geojson: String,
}

/// A stored review without its report (for lists).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewSummary {
    pub id: i64,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// The name of the token that submitted it.
    pub who: String,
    pub county_code: Option<String>,
    pub county: Option<String>,
    pub files: Vec<String>,
    /// The worst verdict of the batch: pass < warn < fail < invalid.
    pub verdict: Verdict,
    /// Its Chinese label.
    pub verdict_cn: &'static str,
    pub parcels: i64,
    pub pass: i64,
    pub warn: i64,
    pub fail: i64,
    pub invalid: i64,
    pub layer_versions: Vec<UsedLayer>,
    /// The decision in force (the latest), if any.
    pub decision: Option<DecisionRow>,
}

/// One row of the append-only decision table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRow {
    pub id: i64,
    pub review_id: i64,
    pub decision: Decision,
    pub decision_cn: String,
    pub who: String,
    pub at: String,
    pub note: String,
    /// The decision this one supersedes.
    pub supersedes: Option<i64>,
}

/// Filters of the review list.
#[derive(Clone, Debug, Default)]
pub struct ReviewFilter {
    /// Reviews with at least one parcel of this verdict.
    pub verdict: Option<Verdict>,
    /// County code or name.
    pub county: Option<String>,
    /// Created on or after this date (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// Created on or before this date.
    pub to: Option<String>,
    /// The decision in force; `none` for undecided reviews.
    pub decision: Option<String>,
}

/// An uploaded layer version.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LayerVersionRow {
    pub layer: String,
    pub version: i64,
    pub sha256: String,
    pub features: i64,
    pub uploaded_at: String,
    pub uploaded_by: String,
    #[serde(skip)]
    pub path: String,
}

/// One audit row.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub request_id: String,
    pub token_name: String,
    pub role: String,
    pub method: String,
    pub path: String,
    pub status: i64,
}

/// An audit row to append: a write of an authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAudit {
    /// The request id.
    pub request_id: String,
    /// The token's name.
    pub token_name: String,
    /// Its role.
    pub role: String,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The answer's status.
    pub status: u16,
}
