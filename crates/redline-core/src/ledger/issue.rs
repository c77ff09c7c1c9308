//! The ledger's record of a placed clue ([`Issue`]): made from a [`Placement`] in one place,
//! its fields listed once in [`ISSUE_FIELDS`], compared field by field on re-import
//! ([`Issue::differences`]), checked before it is stored ([`Issue::validate`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{LedgerError, LedgerResult, Link};
use crate::inspect::Placement;

/// One issue as the ledger keeps it: the clue as the list gave it and where it was placed.
/// Its fields, in this order, are [`ISSUE_FIELDS`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// The clue number (线索编号) from the ministry's list.
    pub clue_id: String,
    /// The batch (批次): e.g. `2020` or the batch text of the list.
    pub batch: String,
    /// The year the clue belongs to (for the look-back 回头看).
    pub year: Option<i32>,
    /// CGCS2000 longitude of the clue.
    pub lon: f64,
    /// CGCS2000 latitude of the clue.
    pub lat: f64,
    /// The patch in lon/lat as GeoJSON (a Geometry or a Feature), when the clue is a patch.
    pub geometry_geojson: Option<String>,
    /// The human-activity type (活动类型), e.g. 矿产资源开发.
    pub activity: String,
    /// Patch area in m² as the list gives it.
    pub area_m2: Option<f64>,
    /// The county's code (县区代码).
    pub county_code: Option<String>,
    /// The county's name (县区).
    pub county: Option<String>,
    /// The reserve the clue lies in or near (保护区名称).
    pub reserve: Option<String>,
    /// Its level (国家级, 省级 …).
    pub reserve_level: Option<String>,
    /// The zone code: `core|buffer|experimental|core_protection|general_control`.
    pub zone: Option<String>,
    /// The zone's Chinese name (功能分区).
    pub zone_cn: Option<String>,
    /// 0 inside a reserve; the distance to the nearest reserve when just outside.
    pub distance_m: Option<f64>,
    /// Whether a focus rule (重点问题) fired.
    pub focus: bool,
    /// Why, one sentence per rule.
    pub focus_reasons: Vec<String>,
    /// The departments that act (责任部门).
    pub departments: Vec<String>,
    /// Which versions of the layers placed the clue (`reserves=<sha256>;counties=<sha256>`).
    pub layer_versions: String,
}

/// The fields of an [`Issue`], in order, with whether a re-import compares them. The key
/// (`clue_id`, `batch`) identifies an issue; `layer_versions` alone is no difference (new layer
/// files that place a clue the same way change nothing) but travels with one.
pub const ISSUE_FIELDS: [(&str, Compare); 19] = [
    ("clue_id", Compare::Key),
    ("batch", Compare::Key),
    ("year", Compare::Yes),
    ("lon", Compare::Yes),
    ("lat", Compare::Yes),
    ("geometry_geojson", Compare::Yes),
    ("activity", Compare::Yes),
    ("area_m2", Compare::Yes),
    ("county_code", Compare::Yes),
    ("county", Compare::Yes),
    ("reserve", Compare::Yes),
    ("reserve_level", Compare::Yes),
    ("zone", Compare::Yes),
    ("zone_cn", Compare::Yes),
    ("distance_m", Compare::Yes),
    ("focus", Compare::Yes),
    ("focus_reasons", Compare::Yes),
    ("departments", Compare::Yes),
    ("layer_versions", Compare::WithOthers),
];

/// How a field takes part in a re-import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// Part of the key: never a difference.
    Key,
    /// Compared; a difference is reported.
    Yes,
    /// Reported only beside other differences.
    WithOthers,
}

/// One field that differs between the ledger and a re-imported clue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field name (one of [`ISSUE_FIELDS`]).
    pub field: String,
    /// The value in the ledger.
    pub old: Value,
    /// The value in the new import.
    pub new: Value,
}

/// A re-imported clue whose placement or attributes differ from the ledger. Not applied by
/// [`Ledger::import`](super::Ledger::import); apply it with
/// [`Ledger::apply_changes`](super::Ledger::apply_changes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueDiff {
    /// The ledger id of the issue.
    pub id: i64,
    /// Its clue number.
    pub clue_id: String,
    /// Its batch.
    pub batch: String,
    /// The issue's version the differences were computed against.
    pub version: i64,
    /// The differing fields.
    pub changes: Vec<FieldChange>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The import's number.
    pub import_id: i64,
    /// New issues added (in input order).
    pub added: usize,
    /// Their ledger ids.
    pub added_ids: Vec<i64>,
    /// Clues already in the ledger with the same placement and attributes.
    pub unchanged: usize,
    /// Clues already in the ledger that differ: reported, not applied.
    pub differences: Vec<IssueDiff>,
    /// Look-back links made by this import.
    pub links: Vec<Link>,
}

impl Issue {
    /// The ledger's record of a placed clue; `batch` falls back to the year, then to
    /// `unknown`. `layer_versions` names the layers that placed it.
    pub fn from_placement(p: &Placement, layer_versions: &str) -> Issue {
        Issue {
            clue_id: p.id.clone(),
            batch: p
                .batch
                .clone()
                .or_else(|| p.year.map(|y| y.to_string()))
                .unwrap_or_else(|| "unknown".into()),
            year: p.year,
            lon: p.lon,
            lat: p.lat,
            geometry_geojson: p
                .patch
                .as_ref()
                .map(|g| geojson::Geometry::new(geojson::Value::from(g)).to_string()),
            activity: p.activity.clone(),
            area_m2: p.area_m2,
            county_code: p.county_code.clone(),
            county: p.county.clone(),
            reserve: p.reserve.clone(),
            reserve_level: p.reserve_level.clone(),
            zone: p.zone.map(|z| z.as_str().to_string()),
            zone_cn: p.zone_cn.map(str::to_string),
            distance_m: p.distance_m,
            focus: p.focus,
            focus_reasons: p.focus_reasons.clone(),
            departments: p.departments.clone(),
            layer_versions: layer_versions.to_string(),
        }
    }

    /// The values of the fields, in [`ISSUE_FIELDS`] order, as JSON (the form differences are
    /// reported and applied in).
    pub fn values(&self) -> [Value; 19] {
        let s = |o: &Option<String>| o.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
        let x = |v: Option<f64>| {
            v.and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number)
        };
        let list = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
        [
            Value::String(self.clue_id.clone()),
            Value::String(self.batch.clone()),
            self.year.map_or(Value::Null, Value::from),
            x(Some(self.lon)),
            x(Some(self.lat)),
            s(&self.geometry_geojson),
            Value::String(self.activity.clone()),
            x(self.area_m2),
            s(&self.county_code),
            s(&self.county),
            s(&self.reserve),
            s(&self.reserve_level),
            s(&self.zone),
            s(&self.zone_cn),
            x(self.distance_m),
            Value::Bool(self.focus),
            list(&self.focus_reasons),
            list(&self.departments),
            Value::String(self.layer_versions.clone()),
        ]
    }

    /// The fields in which `new` (a re-import of the same clue) differs from `self`, old → new.
    /// Numbers are equal up to 1e-9 relative; a GeoJSON patch is compared as parsed JSON.
    pub fn differences(&self, new: &Issue) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        let mut versions = None;
        for (((field, compare), old), new) in
            ISSUE_FIELDS.iter().zip(self.values()).zip(new.values())
        {
            if same(field, &old, &new) {
                continue;
            }
            let change = FieldChange {
                field: (*field).to_string(),
                old,
                new,
            };
            match compare {
                Compare::Key => {}
                Compare::Yes => changes.push(change),
                Compare::WithOthers => versions = Some(change),
            }
        }
        if !changes.is_empty() {
            changes.extend(versions);
        }
        changes
    }

    /// Check the record before it is stored; `i` is its 0-based place in the import.
    pub fn validate(&self, i: usize) -> LedgerResult<()> {
        let fail = |what: &str| {
            Err(LedgerError::Invalid(format!(
                "第 {} 条线索 {} (clue {} of the import): {what}",
                i + 1,
                self.clue_id,
                i + 1
            )))
        };
        if self.clue_id.trim().is_empty() {
            return fail("线索编号为空 (empty clue_id)");
        }
        if self.batch.trim().is_empty() {
            return fail("批次为空 (empty batch)");
        }
        let lon_ok = self.lon.is_finite() && (-180.0..=180.0).contains(&self.lon);
        let lat_ok = self.lat.is_finite() && (-90.0..=90.0).contains(&self.lat);
        if !(lon_ok && lat_ok) {
            return fail(&format!(
                "经纬度无效 (invalid lon/lat {}, {})",
                self.lon, self.lat
            ));
        }
        if self.area_m2.is_some_and(|a| !a.is_finite() || a < 0.0) {
            return fail("面积无效 (invalid area_m2)");
        }
        if self.distance_m.is_some_and(|d| !d.is_finite() || d < 0.0) {
            return fail("距离无效 (invalid distance_m)");
        }
        if let Some(g) = &self.geometry_geojson {
            if let Err(e) = g.parse::<geojson::GeoJson>() {
                return fail(&format!(
                    "图斑 GeoJSON 无效 (invalid geometry_geojson: {e})"
                ));
            }
        }
        Ok(())
    }
}

/// Check that `field` may be changed to `v` by [`Ledger::apply_changes`](super::Ledger::apply_changes):
/// a compared field, of its type and range.
pub fn check_change(field: &str, v: &Value) -> Result<(), String> {
    let known = ISSUE_FIELDS
        .iter()
        .any(|(f, c)| *f == field && *c != Compare::Key);
    if !known {
        return Err(format!("字段 {field} 不可修改 (field cannot be changed)"));
    }
    let bad = || format!("字段 {field} 的值无效 (invalid value {v})");
    let ok = match v {
        Value::Null => !matches!(
            field,
            "lon" | "lat" | "activity" | "focus" | "layer_versions"
        ),
        Value::Bool(_) => field == "focus",
        Value::Number(n) if field == "year" => n.as_i64().is_some_and(|y| i32::try_from(y).is_ok()),
        Value::Number(n) if matches!(field, "lon" | "lat" | "area_m2" | "distance_m") => {
            n.as_f64().is_some_and(|x| match field {
                "lon" => (-180.0..=180.0).contains(&x),
                "lat" => (-90.0..=90.0).contains(&x),
                _ => x.is_finite(),
            })
        }
        Value::String(_) => !matches!(
            field,
            "year"
                | "lon"
                | "lat"
                | "area_m2"
                | "distance_m"
                | "focus"
                | "focus_reasons"
                | "departments"
        ),
        Value::Array(items) => {
            matches!(field, "focus_reasons" | "departments") && items.iter().all(Value::is_string)
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Layer versions alone are no difference; beside another difference they are reported.
    #[test]
    fn differences_follow_the_field_table() {
        let a = Issue {
            clue_id: "A".into(),
            batch: "2020".into(),
            activity: "养殖".into(),
            layer_versions: "v1".into(),
            ..Issue::default()
        };
        let mut b = a.clone();
        b.layer_versions = "v2".into();
        assert!(a.differences(&b).is_empty());
        b.activity = "旅游开发".into();
        let fields: Vec<String> = a.differences(&b).into_iter().map(|c| c.field).collect();
        assert_eq!(fields, ["activity", "layer_versions"]);
        b.batch = "other".into();
        assert_eq!(a.differences(&b).len(), 2, "the key is never a difference");
    }

    #[test]
    fn changes_are_checked_by_field() {
        assert!(check_change("year", &Value::from(2019)).is_ok());
        assert!(check_change("focus", &Value::Bool(true)).is_ok());
        assert!(check_change("status", &Value::from("closed")).is_err());
        assert!(check_change("clue_id", &Value::from("B")).is_err());
        assert!(check_change("lon", &Value::from(200.0)).is_err());
        assert!(check_change("lon", &Value::Null).is_err());
        assert!(check_change("departments", &Value::from(vec![1, 2])).is_err());
        assert!(check_change("departments", &Value::from(vec!["市林业局"])).is_ok());
    }
}
