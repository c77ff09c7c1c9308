//! The land reviewer's workflow (宅基地农用地转用审查).
//!
//! For each parcel of a batch: validate the surveyed rings → reproject once into the working CRS
//! (and to CGCS2000 lon/lat for sheet numbers and the ellipsoidal area) → for every review layer,
//! ask its R-tree for candidates and overlay exactly → apply the layer's rule → tabulate land
//! classes → homestead limit → overlaps inside the batch → verdict.

pub mod land_class;
pub mod report;
pub mod sheet;

use std::collections::BTreeMap;

use geo::{BoundingRect, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, RTreeObject};
use serde::Serialize;

use crate::config::{Config, Rule};
use crate::crs::{self, Reprojector};
use crate::finding::FindingCode;
use crate::geometry::prepared::{BoxRelation, PreparedPolygon};
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
    pub code: String,
    pub name: String,
    /// 农用地 / 建设用地 / 未利用地.
    pub category: String,
    pub area_m2: f64,
}

/// A piece of a parcel that overlaps a layer feature (or lies outside a `within` layer).
#[derive(Clone, Debug)]
pub struct OverlapPiece {
    pub layer: String,
    pub rule: Rule,
    /// The feature id, or `None` for the part outside a `within` layer.
    pub feature_id: Option<String>,
    pub area_m2: f64,
    /// The piece in the working CRS.
    pub geometry: MultiPolygon<f64>,
}

/// The review of one parcel.
#[derive(Clone, Debug)]
pub struct ParcelReview {
    pub id: String,
    pub name: String,
    pub source: String,
    pub area_m2: Option<f64>,
    pub ellipsoidal_area_m2: Option<f64>,
    pub declared_area_m2: Option<f64>,
    pub sheets_10000: Vec<String>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub land_classes: Vec<ClassArea>,
    pub cultivated_m2: f64,
    /// Totals per category: 农用地, 建设用地, 未利用地 (m²).
    pub category_totals: BTreeMap<String, f64>,
    /// The parcel in the working CRS, when usable.
    pub geometry: Option<MultiPolygon<f64>>,
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
        let tol = &self.config.tolerances;
        if let Some(declared) = parcel.declared_area_m2 {
            let allowed = (declared.abs() * tol.declared_area_relative).max(tol.declared_area_m2);
            if (declared - planar).abs() > allowed {
                let mut f = Finding::new(
                    FindingCode::DeclaredAreaMismatch,
                    Severity::Warn,
                    format!(
                        "申报面积 {declared:.2} m² 与计算面积 {planar:.2} m² 相差 {:.2} m²，超过容差 {allowed:.2} m²",
                        (declared - planar).abs()
                    ),
                );
                f.area_m2 = Some(round2(declared - planar));
                findings.push(f);
            }
        }
        if let Some(max) = self.config.homestead.max_area_m2 {
            if planar > max {
                let mut f = Finding::new(
                    FindingCode::AreaOverLimit,
                    Severity::Fail,
                    format!("宅基地面积 {planar:.2} m² 超过限额 {max:.2} m² (homestead limit)"),
                );
                f.area_m2 = Some(round2(planar));
                findings.push(f);
            }
        }
        if let Some(base) = OverlayBase::new(&working) {
            for layer in &self.layers {
                self.apply_layer(layer, &base, &working, planar, &mut review, &mut findings);
            }
        }
        review.geometry = Some(working);
        review.findings = findings;
        review
    }

    fn apply_layer(
        &self,
        layer: &Layer,
        base: &OverlayBase,
        working: &MultiPolygon<f64>,
        planar: f64,
        review: &mut ParcelReview,
        findings: &mut Vec<Finding>,
    ) {
        let Some(bbox) = working.bounding_rect() else {
            return;
        };
        let tol = self.config.tolerances.overlap_m2;
        let rule = layer.config.rule.kind();
        let name = &layer.config.name;
        let cands = layer.candidates([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        let probe = working
            .0
            .first()
            .and_then(|p| p.exterior().0.first().copied())
            .unwrap_or(bbox.min());
        // A prepared feature decides most parcels without an overlay.
        let relation = |i: usize| match &layer.prepared[i] {
            Some(pp) => pp.relate_box(bbox.min(), bbox.max(), probe),
            None => BoxRelation::Crossing,
        };
        if rule == Rule::Within {
            let relations: Vec<(usize, BoxRelation)> =
                cands.iter().map(|&i| (i, relation(i))).collect();
            if relations.iter().any(|(_, r)| *r == BoxRelation::Inside) {
                return;
            }
            let (rest, outside) = base.difference_all(
                relations
                    .iter()
                    .filter(|(_, r)| *r == BoxRelation::Crossing)
                    .map(|&(i, _)| &layer.features[i].geometry),
            );
            if outside > tol {
                let mut f = Finding::new(
                    FindingCode::OutsideWithin,
                    Severity::Fail,
                    format!(
                        "地块有 {outside:.2} m² 位于 {name} 范围之外 (must lie inside; outside part)"
                    ),
                );
                f.layer = Some(name.clone());
                f.area_m2 = Some(round2(outside));
                findings.push(f);
                review.pieces.push(OverlapPiece {
                    layer: name.clone(),
                    rule,
                    feature_id: None,
                    area_m2: outside,
                    geometry: rest,
                });
            }
            return;
        }
        let mut total = 0.0;
        let mut ids = Vec::new();
        let mut classes: BTreeMap<String, f64> = BTreeMap::new();
        for i in cands {
            let feature = &layer.features[i];
            let (piece, a) = match relation(i) {
                BoxRelation::Outside => continue,
                BoxRelation::Inside => (working.clone(), planar),
                BoxRelation::Crossing => base.intersection(&feature.geometry),
            };
            if a <= 0.0 {
                continue;
            }
            if rule == Rule::Classify {
                let class_field = match &layer.config.rule {
                    crate::config::LayerRule::Classify { class_field } => Some(class_field),
                    _ => None,
                };
                let code = class_field
                    .and_then(|f| layer.attr(i, f))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                *classes.entry(code).or_default() += a;
            }
            total += a;
            if a > tol || rule == Rule::Classify {
                ids.push(feature.id.clone());
            }
            review.pieces.push(OverlapPiece {
                layer: name.clone(),
                rule,
                feature_id: Some(feature.id.clone()),
                area_m2: a,
                geometry: piece,
            });
        }
        let (code, severity, what) = match rule {
            Rule::Forbid => (
                FindingCode::OverlapForbidden,
                Severity::Fail,
                "占用禁止占用的图层",
            ),
            Rule::Avoid => (
                FindingCode::OverlapAvoid,
                Severity::Warn,
                "位于应避让的区域",
            ),
            Rule::ExistingHomestead => (
                FindingCode::OverlapExistingHomestead,
                Severity::Fail,
                "与已登记宅基地重叠 (一户一宅)",
            ),
            Rule::Classify => {
                self.tabulate(classes, planar, name, review, findings);
                return;
            }
            _ => return,
        };
        if total > tol {
            let mut f = Finding::new(
                code,
                severity,
                format!(
                    "{what}: {name} 重叠 {total:.2} m² (要素 {})",
                    ids.join(", ")
                ),
            );
            f.layer = Some(name.clone());
            f.area_m2 = Some(round2(total));
            f.feature_ids = ids;
            findings.push(f);
        }
    }

    fn tabulate(
        &self,
        classes: BTreeMap<String, f64>,
        planar: f64,
        layer: &str,
        review: &mut ParcelReview,
        findings: &mut Vec<Finding>,
    ) {
        let mut covered = 0.0;
        for (code, a) in classes {
            covered += a;
            let lc = self.land_classes.lookup(&code);
            if !lc.known {
                let mut f = Finding::new(
                    FindingCode::UnknownLandClass,
                    Severity::Warn,
                    format!(
                        "{layer} 中的地类编码 {code:?} 不在地类表中，按 {} 统计",
                        lc.category.label_cn()
                    ),
                );
                f.layer = Some(layer.to_string());
                f.area_m2 = Some(round2(a));
                findings.push(f);
            }
            if lc.cultivated {
                review.cultivated_m2 += a;
            }
            *review
                .category_totals
                .entry(lc.category.label_cn().to_string())
                .or_default() += a;
            review.land_classes.push(ClassArea {
                code: lc.code,
                name: lc.name,
                category: lc.category.label_cn().to_string(),
                area_m2: a,
            });
        }
        let gap = planar - covered;
        if gap > self.config.tolerances.overlap_m2 {
            let mut f = Finding::new(
                FindingCode::LandClassGap,
                Severity::Warn,
                format!("地块有 {gap:.2} m² 不在 {layer} 的任何图斑内 (not covered by the land-use layer)"),
            );
            f.layer = Some(layer.to_string());
            f.area_m2 = Some(round2(gap));
            findings.push(f);
        }
    }

    /// Parcels of the same batch that overlap each other both fail.
    fn batch_overlaps(&self, reviews: &mut [ParcelReview]) {
        let tol = self.config.tolerances.overlap_m2;
        let entries: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = reviews
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let b = r.geometry.as_ref()?.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                    i,
                ))
            })
            .collect();
        let tree = RTree::bulk_load(entries);
        let pairs: Vec<(usize, usize, f64)> = tree
            .iter()
            .collect::<Vec<_>>()
            .par_iter()
            .flat_map_iter(|e| {
                let i = e.data;
                let geom_i = reviews[i].geometry.as_ref();
                let base = geom_i.and_then(OverlayBase::new);
                let env = e.geom().envelope();
                tree.locate_in_envelope_intersecting(&env)
                    .filter(|o| o.data > i)
                    .filter_map(|o| {
                        let j = o.data;
                        let (_, a) = base.as_ref()?.intersection(reviews[j].geometry.as_ref()?);
                        (a > tol).then_some((i, j, a))
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for (i, j, a) in pairs {
            for (me, other) in [(i, j), (j, i)] {
                let other_id = reviews[other].id.clone();
                let other_src = reviews[other].source.clone();
                let mut f = Finding::new(
                    FindingCode::BatchOverlap,
                    Severity::Fail,
                    format!("与同批次地块 {other_id} ({other_src}) 重叠 {a:.2} m²"),
                );
                f.area_m2 = Some(round2(a));
                f.feature_ids = vec![other_id];
                reviews[me].findings.push(f);
            }
        }
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
