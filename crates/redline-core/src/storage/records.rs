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
    /// Every decision.
    pub const ALL: [Decision; 3] = [Decision::Approve, Decision::Reject, Decision::Amend];

    /// The code stored in the database and used in JSON (`approve`, `reject`, `amend`).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Amend => "amend",
        }
    }

    /// The label the reviewers read (通过, 不通过, 补正).
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
    /// The layer's name (its `[[layer]]` entry).
    pub name: String,
    /// 1 = the file named in the config; each upload adds one.
    pub version: i64,
    /// sha256 of that version's files, hex.
    pub sha256: String,
}

/// A review to store.
#[derive(Clone, Debug)]
pub struct NewReview {
    /// The name of the token that submits it.
    pub who: String,
    /// The code (行政区划代码) of the county the review belongs to; `None` for no county.
    pub county_code: Option<String>,
    /// That county's name; `None` for no county or one the county layer does not know.
    pub county: Option<String>,
    /// The names of the uploaded files, in upload order.
    pub files: Vec<String>,
    /// The worst verdict of the batch (审查结果).
    pub verdict: Verdict,
    /// Parcels, then those that pass, warn, fail and are invalid.
    pub counts: [i64; 5],
    /// The review layers and the versions of them used.
    pub layer_versions: Vec<UsedLayer>,
    /// The review report as JSON text (the `review` contract).
    pub report: String,
    /// The parcels and overlap pieces as GeoJSON text (CGCS2000 lon/lat).
    pub geojson: String,
}

/// A stored review without its report (for lists).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewSummary {
    /// The review id.
    pub id: i64,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// The name of the token that submitted it.
    pub who: String,
    /// The code (行政区划代码) of the county the review belongs to; `None` for no county.
    pub county_code: Option<String>,
    /// That county's name; `None` for no county or one the county layer does not know.
    pub county: Option<String>,
    /// The names of the uploaded files, in upload order.
    pub files: Vec<String>,
    /// The worst verdict of the batch: pass < warn < fail < invalid.
    pub verdict: Verdict,
    /// Its Chinese label.
    pub verdict_cn: &'static str,
    /// Parcels reviewed.
    pub parcels: i64,
    /// Parcels that pass (通过).
    pub pass: i64,
    /// Parcels that pass with warnings (通过(有警告)).
    pub warn: i64,
    /// Parcels that fail (不通过).
    pub fail: i64,
    /// Parcels whose geometry cannot be checked (图形无效).
    pub invalid: i64,
    /// The review layers and the versions of them used.
    pub layer_versions: Vec<UsedLayer>,
    /// The decision in force (the latest), if any.
    pub decision: Option<DecisionRow>,
}

/// One row of the append-only decision table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRow {
    /// The decision's id (decisions are numbered in the order they were made).
    pub id: i64,
    /// The review it decides.
    pub review_id: i64,
    /// The decision (审批意见).
    pub decision: Decision,
    /// Its Chinese label as recorded (通过, 不通过, 补正).
    pub decision_cn: String,
    /// The name of the token that made it.
    pub who: String,
    /// UTC, RFC 3339.
    pub at: String,
    /// The reviewer's note; may be empty.
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
    /// The layer's name (its `[[layer]]` entry).
    pub layer: String,
    /// The version number: 2 for the first upload (1 is the config's file).
    pub version: i64,
    /// sha256 of the version's files, hex.
    pub sha256: String,
    /// How many features the version has.
    pub features: i64,
    /// UTC, RFC 3339.
    pub uploaded_at: String,
    /// The name of the token that uploaded it.
    pub uploaded_by: String,
    /// The main file of the version in the data folder (not printed).
    #[serde(skip)]
    pub path: String,
}

/// One audit row.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRow {
    /// The row's id (rows are numbered in the order they were written).
    pub id: i64,
    /// When the row was written, after the answer: UTC, RFC 3339.
    pub at: String,
    /// The request's id (its `x-request-id` header).
    pub request_id: String,
    /// The name of the caller's token.
    pub token_name: String,
    /// The token's role (`viewer`, `reviewer`, `inspector`, `admin`).
    pub role: String,
    /// The HTTP method.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The answer's HTTP status.
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
