//! A finding is one thing a reviewer should know about a parcel: a rule that fired, an overlap,
//! a defect of the geometry. Findings name the layer, the area and the point names involved.

use serde::Serialize;

/// How serious a finding is. `Fail` on any finding fails the parcel; `Warn` makes it `warn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Fail,
}

impl Severity {
    /// The Chinese label used in reports.
    pub fn label_cn(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warn => "警告",
            Severity::Fail => "不通过",
        }
    }
}

/// One finding on a parcel, as printed in the review JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable machine code, e.g. `overlap_forbidden`, `self_intersection`, `swapped_xy`.
    pub code: String,
    pub severity: Severity,
    /// The layer involved; set on every overlap finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Area in m² (2 decimals); set on every overlap finding (for `within`: the area outside).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2: Option<f64>,
    /// Ids of the layer features touched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feature_ids: Vec<String>,
    /// Point names involved, e.g. `J7`, `J8`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<String>,
    /// A sentence in Chinese the reviewer can act on.
    pub message: String,
    /// True when the geometry cannot be used for area checks (the parcel is `invalid`).
    #[serde(skip)]
    pub makes_invalid: bool,
}

impl Finding {
    /// A finding with a code, severity and message and nothing else.
    pub fn new(code: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            code: code.to_string(),
            severity,
            layer: None,
            area_m2: None,
            feature_ids: Vec::new(),
            points: Vec::new(),
            message: message.into(),
            makes_invalid: false,
        }
    }

    /// Mark the finding as one that makes the geometry unusable.
    pub fn invalidating(mut self) -> Self {
        self.makes_invalid = true;
        self
    }

    /// Attach point names.
    pub fn with_points<I, S>(mut self, points: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.points = points.into_iter().map(Into::into).collect();
        self
    }
}
