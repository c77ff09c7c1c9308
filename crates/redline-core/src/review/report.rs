//! The review report: JSON (the contract in `fixtures/contracts/review.schema.json`), GeoJSON
//! (parcels and overlap pieces in CGCS2000 lon/lat) and a Chinese text table for the terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use super::{ParcelReview, Reviewer, Verdict};
use crate::crs::{Reprojector, CGCS2000};
use crate::Finding;

/// Output formats of `redline review`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// The `review` contract.
    Json,
    /// The parcels and their overlap pieces as GeoJSON features.
    Geojson,
    /// The Chinese tables a reviewer prints.
    Text,
}

fn two_decimals<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(super::round2(*v))
}

fn opt_two_decimals<S: Serializer>(v: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_f64(super::round2(*v)),
        None => s.serialize_none(),
    }
}

/// A layer as listed in the report, so the decision can be reproduced.
#[derive(Clone, Debug, Serialize)]
pub struct LayerInfo {
    /// The layer's name (its `[[layer]]` entry).
    pub name: String,
    /// Its rule as written in the config (`forbid`, `avoid`, `within` …).
    pub rule: String,
    /// How many features it has.
    pub features: usize,
    /// sha256 of its files, hex.
    pub sha256: String,
    /// The CRS its file was in; a definition longer than 80 characters as `WKT:<its name>`.
    pub source_crs: String,
    /// How its attribute text was decoded, and why (shapefiles); `None`, and not printed, for
    /// GeoJSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

#[derive(Serialize)]
struct ClassOut<'a> {
    code: &'a str,
    name: &'a str,
    category: &'a str,
    #[serde(serialize_with = "two_decimals")]
    area_m2: f64,
}

#[derive(Serialize)]
struct ParcelOut<'a> {
    id: &'a str,
    name: &'a str,
    source: &'a str,
    #[serde(serialize_with = "opt_two_decimals")]
    area_m2: Option<f64>,
    #[serde(serialize_with = "opt_two_decimals")]
    ellipsoidal_area_m2: Option<f64>,
    #[serde(serialize_with = "opt_two_decimals")]
    declared_area_m2: Option<f64>,
    sheets_10000: &'a [String],
    verdict: Verdict,
    verdict_cn: &'static str,
    findings: &'a [Finding],
    land_classes: Vec<ClassOut<'a>>,
    #[serde(serialize_with = "two_decimals")]
    cultivated_m2: f64,
    category_totals: BTreeMap<&'a str, f64>,
}

/// Counts of verdicts.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Parcels reviewed.
    pub parcels: usize,
    /// Parcels that pass (通过).
    pub pass: usize,
    /// Parcels that pass with warnings (通过(有警告)).
    pub warn: usize,
    /// Parcels that fail (不通过).
    pub fail: usize,
    /// Parcels whose geometry cannot be checked (图形无效).
    pub invalid: usize,
}

/// The review of a batch.
pub struct Report {
    /// The planar CRS the areas were computed in (审查坐标系).
    pub working_crs: String,
    /// The review layers, in config order.
    pub layers: Vec<LayerInfo>,
    /// The parcels' reviews, in input order.
    pub parcels: Vec<ParcelReview>,
    /// The verdict counts (审查结果 of the batch).
    pub summary: Summary,
}

impl Report {
    pub(crate) fn new(reviewer: &Reviewer, parcels: Vec<ParcelReview>) -> Report {
        let mut summary = Summary {
            parcels: parcels.len(),
            ..Summary::default()
        };
        for p in &parcels {
            match p.verdict {
                Verdict::Pass => summary.pass += 1,
                Verdict::Warn => summary.warn += 1,
                Verdict::Fail => summary.fail += 1,
                Verdict::Invalid => summary.invalid += 1,
            }
        }
        Report {
            working_crs: reviewer.config.working_crs.clone(),
            layers: reviewer
                .layers
                .iter()
                .map(|l| LayerInfo {
                    name: l.config.name.clone(),
                    rule: l.config.rule.as_str().to_string(),
                    features: l.len(),
                    sha256: l.sha256.clone(),
                    source_crs: short_crs(&l.source_crs),
                    encoding: l.encoding.clone(),
                })
                .collect(),
            parcels,
            summary,
        }
    }

    /// The report as JSON (the `review` contract).
    pub fn to_json(&self) -> serde_json::Value {
        let parcels: Vec<ParcelOut> = self
            .parcels
            .iter()
            .map(|p| ParcelOut {
                id: &p.id,
                name: &p.name,
                source: &p.source,
                area_m2: p.area_m2,
                ellipsoidal_area_m2: p.ellipsoidal_area_m2,
                declared_area_m2: p.declared_area_m2,
                sheets_10000: &p.sheets_10000,
                verdict: p.verdict,
                verdict_cn: p.verdict.label_cn(),
                findings: &p.findings,
                land_classes: p
                    .land_classes
                    .iter()
                    .map(|c| ClassOut {
                        code: &c.code,
                        name: &c.name,
                        category: &c.category,
                        area_m2: c.area_m2,
                    })
                    .collect(),
                cultivated_m2: p.cultivated_m2,
                category_totals: p
                    .category_totals
                    .iter()
                    .map(|(k, v)| (k.as_str(), super::round2(*v)))
                    .collect(),
            })
            .collect();
        serde_json::json!({
            "working_crs": self.working_crs,
            "layers": self.layers,
            "parcels": parcels,
            "summary": self.summary,
        })
    }

    /// The worst verdict of the batch (pass when it is empty).
    pub fn verdict(&self) -> super::Verdict {
        self.parcels
            .iter()
            .map(|p| p.verdict)
            .max()
            .unwrap_or(super::Verdict::Pass)
    }

    /// Parcels and overlap pieces as a GeoJSON FeatureCollection in CGCS2000 lon/lat.
    pub fn to_geojson(&self) -> super::ReviewResult<serde_json::Value> {
        let to_ll = Reprojector::new(&self.working_crs, CGCS2000)
            .map_err(|e| super::ReviewError::Projection(Box::new(e)))?;
        let mut features = Vec::new();
        for p in &self.parcels {
            let Some(g) = &p.geometry else { continue };
            let mut ll = g.clone();
            to_ll
                .geometry_in_place(&mut ll)
                .map_err(|e| super::ReviewError::Projection(Box::new(e)))?;
            features.push(serde_json::json!({
                "type": "Feature",
                "geometry": geojson::Geometry::new(geojson::Value::from(&ll)),
                "properties": {
                    "kind": "parcel", "id": p.id, "name": p.name, "source": p.source,
                    "verdict": p.verdict, "verdict_cn": p.verdict.label_cn(),
                    "area_m2": p.area_m2.map(super::round2),
                    "findings": p.findings.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
                }
            }));
            for piece in &p.pieces {
                let mut ll = piece.geometry.clone();
                to_ll
                    .geometry_in_place(&mut ll)
                    .map_err(|e| super::ReviewError::Projection(Box::new(e)))?;
                features.push(serde_json::json!({
                    "type": "Feature",
                    "geometry": geojson::Geometry::new(geojson::Value::from(&ll)),
                    "properties": {
                        "kind": if piece.feature_id.is_some() { "overlap" } else { "outside" },
                        "parcel_id": p.id, "layer": piece.layer, "rule": piece.rule.as_str(),
                        "feature_id": piece.feature_id, "area_m2": super::round2(piece.area_m2),
                    }
                }));
            }
        }
        Ok(serde_json::json!({"type": "FeatureCollection", "features": features}))
    }

    /// A table in Chinese for the terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "宅基地用地审查结果 (审查坐标系 {})", self.working_crs);
        let _ = writeln!(s, "审查图层:");
        for l in &self.layers {
            let _ = writeln!(
                s,
                "  {} [{}] {} 个要素 sha256 {}…",
                l.name,
                rule_cn(&l.rule),
                l.features,
                &l.sha256[..l.sha256.len().min(12)]
            );
        }
        for p in &self.parcels {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "地块 {} {} ({})  审查结果: {}",
                p.id,
                p.name,
                p.source,
                p.verdict.label_cn()
            );
            match p.area_m2 {
                Some(a) => {
                    let _ = writeln!(
                        s,
                        "  面积 {:.2} m² ({:.4} 亩, {:.4} 公顷); 椭球面积 {:.2} m²{}",
                        a,
                        a / (10000.0 / 15.0),
                        a / 10000.0,
                        p.ellipsoidal_area_m2.unwrap_or(f64::NAN),
                        p.declared_area_m2
                            .map(|d| format!("; 申报面积 {d:.2} m²"))
                            .unwrap_or_default()
                    );
                }
                None => {
                    let _ = writeln!(s, "  面积: 无法计算 (图形无效)");
                }
            }
            if !p.sheets_10000.is_empty() {
                let _ = writeln!(s, "  1:1万图幅号: {}", p.sheets_10000.join(", "));
            }
            if !p.land_classes.is_empty() {
                let _ = writeln!(s, "  土地分类面积:");
                for c in &p.land_classes {
                    let _ = writeln!(
                        s,
                        "    {} {} {} {:>10.2} m²",
                        pad(&c.code, 6),
                        pad(&c.name, 16),
                        pad(&c.category, 8),
                        c.area_m2
                    );
                }
                let totals: Vec<String> = ["农用地", "建设用地", "未利用地"]
                    .iter()
                    .map(|k| {
                        format!(
                            "{k} {:.2}",
                            p.category_totals.get(*k).copied().unwrap_or(0.0)
                        )
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "    合计: {}; 其中耕地 {:.2} m²",
                    totals.join(", "),
                    p.cultivated_m2
                );
            }
            for f in &p.findings {
                let _ = writeln!(s, "  [{}] {} {}", f.severity.label_cn(), f.code, f.message);
            }
        }
        let m = &self.summary;
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "汇总: 共 {} 宗; 通过 {}, 通过(有警告) {}, 不通过 {}, 图形无效 {}",
            m.parcels, m.pass, m.warn, m.fail, m.invalid
        );
        s
    }
}

/// Columns a character takes in a terminal: 2 for CJK and full-width forms, else 1.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// `text` padded with spaces to `width` terminal columns (Chinese characters count twice).
fn pad(text: &str, width: usize) -> String {
    let w = display_width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

fn rule_cn(rule: &str) -> &'static str {
    match rule {
        "forbid" => "禁止占用",
        "avoid" => "应避让",
        "within" => "须位于范围内",
        "classify" => "地类统计",
        "existing_homestead" => "已有宅基地",
        _ => "其他",
    }
}

fn short_crs(def: &str) -> String {
    if def.len() > 80 {
        let name = def.split('"').nth(1).map_or_else(
            || def.chars().take(80).collect(),
            std::string::ToString::to_string,
        );
        format!("WKT:{name}")
    } else {
        def.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_columns_line_up() {
        assert_eq!(display_width("0702"), 4);
        assert_eq!(display_width("农村宅基地"), 10);
        assert_eq!(
            display_width("果园(可调整)"),
            12,
            "ASCII brackets count once"
        );
        assert_eq!(pad("旱地", 8), "旱地    ");
        assert_eq!(pad("0201K", 6), "0201K ");
        assert_eq!(pad("很长很长的名字", 4), "很长很长的名字");
        // Two rows end their name column at the same terminal column.
        let a = format!("{}|", pad("旱地", 16));
        let b = format!("{}|", pad("果园(可调整)", 16));
        assert_eq!(display_width(&a), display_width(&b));
    }
}
