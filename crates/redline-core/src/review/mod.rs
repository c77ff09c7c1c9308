//! The land reviewer's workflow (宅基地农用地转用审查).
//!
//! For each parcel of a batch: validate the surveyed rings → reproject once into the working CRS
//! (and to CGCS2000 lon/lat for sheet numbers and the ellipsoidal area) → for every review layer,
//! ask its R-tree for candidates and overlay exactly → apply the layer's rule → tabulate land
//! classes → homestead limit → overlaps inside the batch → verdict.

pub mod land_class;
pub mod report;
pub mod rules;
pub mod sheet;

use std::collections::BTreeMap;

use geo::MultiPolygon;
use rayon::prelude::*;
use serde::Serialize;

use crate::config::{Config, Rule};
use crate::crs::{self, Reprojector};
use crate::finding::FindingCode;
use crate::geometry::prepared::PreparedPolygon;
use crate::geometry::{area, overlay::OverlayBase, validate};
use crate::layer::Layer;
use crate::{Finding, Parcel, Severity};

pub use report::{Report, ReportFormat};

/// Why a batch could not be reviewed. A bad parcel never is a reason: it becomes `invalid` with
/// findings; only the layers, or a conversion between the working CRS and CGCS2000 that the
/// layers already passed, can stop a review.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A review layer cannot be loaded.
    #[error(transparent)]
    Layer(#[from] crate::layer::LayerError),
    /// The working CRS will not convert to or from CGCS2000 lon/lat (internal: the layers
    /// loaded through the same conversion).
    #[error("工作坐标系转换失败 (working CRS conversion failed): {0}")]
    Projection(#[source] Box<crate::crs::CrsError>),
}

impl ReviewError {
    /// Whose problem this is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ReviewError::Layer(e) => e.kind(),
            ReviewError::Projection(_) => crate::error::ErrorKind::Internal,
        }
    }
}

/// Result with [`ReviewError`].
pub type ReviewResult<T> = std::result::Result<T, ReviewError>;

/// The outcome for one parcel (审查结果), worst last: pass < warn < fail < invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// 通过: no finding above info.
    Pass,
    /// 通过(有警告): passes, with warnings.
    Warn,
    /// 不通过: a rule fails.
    Fail,
    /// 图形无效: the geometry cannot be checked.
    Invalid,
}

impl Verdict {
    /// Every verdict, best first.
    pub const ALL: [Verdict; 4] = [
        Verdict::Pass,
        Verdict::Warn,
        Verdict::Fail,
        Verdict::Invalid,
    ];

    /// The code in the `review` contract and the service database.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Invalid => "invalid",
        }
    }

    /// The Chinese label for reports: the one table of verdict labels.
    pub fn label_cn(self) -> &'static str {
        match self {
            Verdict::Pass => "通过",
            Verdict::Warn => "通过(有警告)",
            Verdict::Fail => "不通过",
            Verdict::Invalid => "图形无效",
        }
    }

    /// Parse a code (`fail`).
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }
}

/// A land class and the parcel's area on it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassArea {
    /// The land-class code (地类编码) as the layer writes it, trimmed (`0103`, `0103K`).
    pub code: String,
    /// The class name (地类名称: 旱地, 旱地(可调整) …; 未知地类 for an unknown code).
    pub name: String,
    /// 农用地 / 建设用地 / 未利用地.
    pub category: String,
    /// The parcel's area on this class, m² in the working CRS (unrounded).
    pub area_m2: f64,
}

/// A piece of a parcel that overlaps a layer feature (or lies outside a `within` layer).
#[derive(Clone, Debug)]
pub struct OverlapPiece {
    /// The name of the layer.
    pub layer: String,
    /// The layer's rule.
    pub rule: Rule,
    /// The feature id, or `None` for the part outside a `within` layer.
    pub feature_id: Option<String>,
    /// The piece's area, m² in the working CRS (unrounded).
    pub area_m2: f64,
    /// The piece in the working CRS.
    pub geometry: MultiPolygon<f64>,
}

/// The review of one parcel.
#[derive(Clone, Debug)]
pub struct ParcelReview {
    /// The parcel number (地块编号), or the id the reader generated.
    pub id: String,
    /// The parcel name (地块名称).
    pub name: String,
    /// Where it came from: `batch.txt#2` (file name and 1-based position in the file).
    pub source: String,
    /// The planar area in the working CRS, m² (unrounded); `None` when the parcel is `invalid`.
    pub area_m2: Option<f64>,
    /// The area on the ellipsoid from CGCS2000 lon/lat, m² (unrounded); `None` when `invalid`.
    pub ellipsoidal_area_m2: Option<f64>,
    /// The area the file declares (申报面积), in m²; `None` when it declares none.
    pub declared_area_m2: Option<f64>,
    /// The 1:10,000 map sheets (图幅号) the parcel touches, sorted; empty when `invalid`.
    pub sheets_10000: Vec<String>,
    /// The outcome (审查结果): the worst of the findings.
    pub verdict: Verdict,
    /// What the reader, the geometry checks and the rules found.
    pub findings: Vec<Finding>,
    /// The parcel's area per land class (三调地类) of each `classify` layer, by code; empty
    /// without one or when `invalid`.
    pub land_classes: Vec<ClassArea>,
    /// The parcel's area on 耕地 (classes 01xx), m²; 0 without a `classify` layer.
    pub cultivated_m2: f64,
    /// Totals per category: 农用地, 建设用地, 未利用地 (m²).
    pub category_totals: BTreeMap<String, f64>,
    /// The parcel in the working CRS, when usable.
    pub geometry: Option<MultiPolygon<f64>>,
    /// Every overlap with a layer feature (also those within the tolerance) and the part outside
    /// each `within` layer, for the map.
    pub pieces: Vec<OverlapPiece>,
}

/// The loaded review layers of a project, ready for many batches.
pub struct Reviewer {
    /// The project.
    pub config: Config,
    /// The review layers, reprojected and indexed.
    pub layers: Vec<Layer>,
    /// The land-class table (default, with the project's overrides).
    pub land_classes: land_class::LandClassTable,
    /// The area of work, projected once into the working CRS.
    area_of_work: Option<PreparedPolygon>,
}

/// Points per edge of the area of work's outline in the working CRS: a parallel of latitude is
/// curved there, so the box's edges are followed at this resolution (a 1° edge in 100 steps of
/// about 1 km, whose chords lie within millimetres of the curve).
const AREA_OF_WORK_STEPS_PER_DEGREE: f64 = 100.0;

/// The area of work (a lon/lat box) as a polygon in the working CRS.
fn area_of_work_polygon(
    aow: &crate::config::AreaOfWork,
    to_working: &Reprojector,
) -> crate::crs::CrsResult<MultiPolygon<f64>> {
    let steps = |a: f64, b: f64| {
        ((b - a).abs() * AREA_OF_WORK_STEPS_PER_DEGREE)
            .ceil()
            .max(1.0) as usize
    };
    let (nx, ny) = (
        steps(aow.min_lon, aow.max_lon),
        steps(aow.min_lat, aow.max_lat),
    );
    let lerp = |a: f64, b: f64, i: usize, n: usize| a + (b - a) * (i as f64 / n as f64);
    let mut ring: Vec<(f64, f64)> = Vec::new();
    for i in 0..nx {
        ring.push((lerp(aow.min_lon, aow.max_lon, i, nx), aow.min_lat));
    }
    for i in 0..ny {
        ring.push((aow.max_lon, lerp(aow.min_lat, aow.max_lat, i, ny)));
    }
    for i in 0..nx {
        ring.push((lerp(aow.max_lon, aow.min_lon, i, nx), aow.max_lat));
    }
    for i in 0..ny {
        ring.push((aow.min_lon, lerp(aow.max_lat, aow.min_lat, i, ny)));
    }
    let mut coords = ring
        .into_iter()
        .map(|(lon, lat)| to_working.point(lon, lat).map(|(x, y)| geo::Coord { x, y }))
        .collect::<crate::crs::CrsResult<Vec<_>>>()?;
    if let Some(&first) = coords.first() {
        coords.push(first);
    }
    Ok(MultiPolygon(vec![geo::Polygon::new(
        geo::LineString(coords),
        Vec::new(),
    )]))
}

/// A parcel after reading, validation and reprojection.
struct Prepared {
    parcel: Parcel,
    findings: Vec<Finding>,
    working: Option<MultiPolygon<f64>>,
    lonlat: Option<MultiPolygon<f64>>,
}

impl Reviewer {
    /// Load and index every review layer of `config`.
    pub fn load(config: Config) -> ReviewResult<Reviewer> {
        let configs: Vec<_> = config.review_layers().collect();
        let layers = crate::layer::load_all(&configs, &config.working_crs)?;
        Reviewer::with_layers(config, layers)
    }

    /// A reviewer over layers already loaded; the area of work is projected here, once.
    pub fn with_layers(config: Config, layers: Vec<Layer>) -> ReviewResult<Reviewer> {
        let land_classes = land_class::LandClassTable::new(&config.land_class_categories);
        let area_of_work = match &config.area_of_work {
            Some(aow) => {
                let to_w = Reprojector::new(crs::CGCS2000, &config.working_crs)
                    .map_err(|e| ReviewError::Projection(Box::new(e)))?;
                let polygon = area_of_work_polygon(aow, &to_w)
                    .map_err(|e| ReviewError::Projection(Box::new(e)))?;
                Some(PreparedPolygon::new(&polygon))
            }
            None => None,
        };
        Ok(Reviewer {
            config,
            layers,
            land_classes,
            area_of_work,
        })
    }

    /// Review a batch of parcels. Bad geometry never aborts the batch: such parcels are `invalid`.
    pub fn review(&self, parcels: Vec<Parcel>) -> ReviewResult<Report> {
        let to_working_cache = ReprojectorCache::default();
        let prepared: Vec<Prepared> = parcels
            .into_iter()
            .map(|p| self.prepare(p, &to_working_cache))
            .collect::<ReviewResult<_>>()?;
        let mut reviews: Vec<ParcelReview> =
            prepared.into_par_iter().map(|p| self.check(p)).collect();
        self.batch_overlaps(&mut reviews);
        for r in &mut reviews {
            r.verdict = verdict_of(&r.findings);
        }
        Ok(Report::new(self, reviews))
    }

    fn prepare(&self, mut parcel: Parcel, cache: &ReprojectorCache) -> ReviewResult<Prepared> {
        let mut findings = parcel.notes.clone();
        // The zone check reads the coordinates as written in the file.
        if let Some(zone) = parcel.zone {
            let prefixed = parcel
                .rings
                .iter()
                .flat_map(|r| r.points.iter())
                .any(|p| p.x >= 1.0e7);
            findings.extend(validate::check_zone(&parcel, zone, prefixed));
        }
        let invalid = |f: &[Finding]| f.iter().any(|f| f.makes_invalid);
        let done = |parcel, findings| {
            Ok(Prepared {
                parcel,
                findings,
                working: None,
                lonlat: None,
            })
        };
        if invalid(&findings) {
            return done(parcel, findings);
        }
        let Some(src) = parcel.crs.clone() else {
            findings.push(
                Finding::new(
                    FindingCode::CrsUnknown,
                    Severity::Fail,
                    "地块文件未说明坐标系，无法审查 (the parcel's CRS is unknown)",
                )
                .invalidating(),
            );
            return done(parcel, findings);
        };
        // Reproject the surveyed points once into the working CRS; validation then measures in
        // metres whatever CRS the file used (a GeoJSON parcel comes in degrees).
        let to_ll = cache
            .get(&self.config.working_crs, crs::CGCS2000)
            .map_err(|e| ReviewError::Projection(Box::new(e)))?;
        // The parcel's own CRS comes from its file: one PROJ does not know makes this parcel
        // invalid, not the batch.
        let to_w = match cache.get(&src, &self.config.working_crs) {
            Ok(r) => r,
            Err(e) => {
                findings.push(
                    Finding::new(
                        FindingCode::ReprojectionFailed,
                        Severity::Fail,
                        format!("地块坐标系无法转换到工作坐标系: {e}"),
                    )
                    .invalidating(),
                );
                return done(parcel, findings);
            }
        };
        let mut outside_aow = Vec::new();
        for ring in &mut parcel.rings {
            for p in &mut ring.points {
                match to_w.point(p.x, p.y) {
                    Ok((x, y)) => {
                        p.x = x;
                        p.y = y;
                    }
                    Err(e) => {
                        findings.push(
                            Finding::new(
                                FindingCode::ReprojectionFailed,
                                Severity::Fail,
                                format!("界址点 {} 坐标转换失败: {e}", p.name),
                            )
                            .with_points([p.name.clone()])
                            .invalidating(),
                        );
                        return done(parcel, findings);
                    }
                }
                if let Some(aow) = &self.area_of_work {
                    if !aow.contains(geo::Coord { x: p.x, y: p.y }) {
                        outside_aow.push(p.name.clone());
                    }
                }
            }
        }
        parcel.crs = Some(self.config.working_crs.clone());
        if !outside_aow.is_empty() {
            findings.push(
                Finding::new(
                    FindingCode::OutsideAreaOfWork,
                    Severity::Fail,
                    format!(
                        "界址点 {} 在工作区范围之外 (outside the configured area of work)",
                        outside_aow.join("、")
                    ),
                )
                .with_points(outside_aow)
                .invalidating(),
            );
            return done(parcel, findings);
        }
        findings.extend(validate::validate(&parcel));
        if invalid(&findings) {
            return done(parcel, findings);
        }
        let working = parcel.to_multipolygon();
        let mut lonlat = working.clone();
        if let Err(e) = to_ll.geometry_in_place(&mut lonlat) {
            findings.push(
                Finding::new(
                    FindingCode::ReprojectionFailed,
                    Severity::Fail,
                    format!("坐标转换失败: {e}"),
                )
                .invalidating(),
            );
            return done(parcel, findings);
        }
        Ok(Prepared {
            parcel,
            findings,
            working: Some(working),
            lonlat: Some(lonlat),
        })
    }

    fn check(&self, p: Prepared) -> ParcelReview {
        let Prepared {
            parcel,
            mut findings,
            working,
            lonlat,
        } = p;
        let invalid = findings.iter().any(|f| f.makes_invalid);
        let mut review = ParcelReview {
            id: parcel.id.clone(),
            name: parcel.name.clone(),
            source: parcel.source.clone(),
            area_m2: None,
            ellipsoidal_area_m2: None,
            declared_area_m2: parcel.declared_area_m2,
            sheets_10000: Vec::new(),
            verdict: Verdict::Invalid,
            findings: Vec::new(),
            land_classes: Vec::new(),
            cultivated_m2: 0.0,
            category_totals: BTreeMap::new(),
            geometry: None,
            pieces: Vec::new(),
        };
        let (Some(working), Some(lonlat), false) = (working, lonlat, invalid) else {
            review.findings = findings;
            return review;
        };
        let planar = area::planar_area(&working);
        review.area_m2 = Some(planar);
        review.ellipsoidal_area_m2 = Some(area::ellipsoidal_area(&lonlat));
        review.sheets_10000 = sheet::sheets_touched(&lonlat, sheet::Scale::S10000);
        findings.extend(self.declared_area(parcel.declared_area_m2, planar));
        findings.extend(self.homestead_area_limit(planar));
        if let Some(base) = OverlayBase::new(&working) {
            if let Some(subject) = rules::Subject::new(&base, &working, planar) {
                for layer in &self.layers {
                    self.apply_layer(layer, &subject, &mut review, &mut findings);
                }
            }
        }
        review.geometry = Some(working);
        review.findings = findings;
        review
    }
}

/// The verdict from the findings: invalid > fail > warn > pass.
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    if findings.iter().any(|f| f.makes_invalid) {
        Verdict::Invalid
    } else if findings.iter().any(|f| f.severity == Severity::Fail) {
        Verdict::Fail
    } else if findings.iter().any(|f| f.severity == Severity::Warn) {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

/// Round to 2 decimals (half away from zero), as the reports print areas.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// PROJ handles per (from, to) pair, built once per batch (PROJ handles are not `Send`).
#[derive(Default)]
struct ReprojectorCache {
    map: std::cell::RefCell<BTreeMap<(String, String), std::rc::Rc<Reprojector>>>,
}

impl ReprojectorCache {
    fn get(&self, from: &str, to: &str) -> crate::crs::CrsResult<std::rc::Rc<Reprojector>> {
        let key = (from.to_string(), to.to_string());
        if let Some(r) = self.map.borrow().get(&key) {
            return Ok(r.clone());
        }
        let r = std::rc::Rc::new(Reprojector::new(from, to)?);
        self.map.borrow_mut().insert(key, r.clone());
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The area of work projected once into the working CRS decides like the box in lon/lat
    /// (the old way: every surveyed point inverse-projected) for points near all four edges,
    /// except within 1e-7° (about a centimetre) of an edge.
    #[test]
    fn area_of_work_in_the_working_crs_agrees_with_the_lonlat_box() {
        let aow = crate::config::AreaOfWork {
            min_lon: 116.8,
            min_lat: 28.6,
            max_lon: 117.9,
            max_lat: 30.05,
        };
        let to_w = Reprojector::new(crs::CGCS2000, "EPSG:4527").expect("proj");
        let polygon = PreparedPolygon::new(&area_of_work_polygon(&aow, &to_w).expect("polygon"));
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut checked = 0;
        for _ in 0..20_000 {
            // Near an edge: one coordinate within ±0.02° of it, the other anywhere along it.
            let (lon, lat) = match (next() * 4.0) as u32 {
                0 => (aow.min_lon + (next() - 0.5) * 0.04, 28.6 + next() * 1.45),
                1 => (aow.max_lon + (next() - 0.5) * 0.04, 28.6 + next() * 1.45),
                2 => (116.8 + next() * 1.1, aow.min_lat + (next() - 0.5) * 0.04),
                _ => (116.8 + next() * 1.1, aow.max_lat + (next() - 0.5) * 0.04),
            };
            let margin = [
                (lon - aow.min_lon).abs(),
                (lon - aow.max_lon).abs(),
                (lat - aow.min_lat).abs(),
                (lat - aow.max_lat).abs(),
            ]
            .into_iter()
            .fold(f64::INFINITY, f64::min);
            if margin < 1e-7 {
                continue;
            }
            let in_box = lon >= aow.min_lon
                && lon <= aow.max_lon
                && lat >= aow.min_lat
                && lat <= aow.max_lat;
            let (x, y) = to_w.point(lon, lat).expect("point");
            assert_eq!(
                polygon.contains(geo::Coord { x, y }),
                in_box,
                "({lon}, {lat})"
            );
            checked += 1;
        }
        assert!(checked > 19_000);
    }
}
