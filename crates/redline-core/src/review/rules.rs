//! The review's rules (联审要求), one function each, named as the reviewers say them:
//!
//! | rule | layer rule | finding |
//! |------|-----------|---------|
//! | 不得占用永久基本农田、生态保护红线 | `forbid` | `overlap_forbidden` (fail) |
//! | 避让地质灾害易发区 | `avoid` | `overlap_avoid` (warn) |
//! | 位于村庄规划建设用地范围内 | `within` | `outside_within` (fail) |
//! | 三调地类面积汇总 (土地分类面积汇总表), 占用耕地面积 | `classify` | `unknown_land_class`, `land_class_gap` (warn) |
//! | 一户一宅 (已登记宅基地) | `existing_homestead` | `overlap_existing_homestead` (fail) |
//! | 宅基地面积标准 | `homestead_area_limit` | `area_over_limit` (fail) |
//! | 申报面积与计算面积一致 | `declared_area` | `declared_area_mismatch` (warn) |
//! | 同批次地块不得重叠 | `batch_overlaps` | `batch_overlap` (fail) |
//!
//! Each layer's features are asked of its R-tree for candidates, decided by the prepared
//! polygon where it can (most parcels lie wholly inside or outside a feature), and overlaid
//! exactly otherwise.

use std::collections::BTreeMap;

use geo::{BoundingRect, Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::{RTree, RTreeObject};

use super::{round2, ClassArea, OverlapPiece, ParcelReview, Reviewer};
use crate::config::{LayerRule, Rule};
use crate::geometry::overlay::OverlayBase;
use crate::geometry::prepared::BoxRelation;
use crate::layer::Layer;
use crate::{Finding, FindingCode, Severity};

/// The parcel a layer is checked against: in the working CRS, with its box and a point of
/// its boundary (for the prepared polygons' box test).
pub(super) struct Subject<'a> {
    pub base: &'a OverlayBase,
    pub working: &'a MultiPolygon<f64>,
    pub planar: f64,
    bbox: geo::Rect<f64>,
    probe: Coord<f64>,
}

impl<'a> Subject<'a> {
    /// The subject, when the parcel has a box.
    pub fn new(base: &'a OverlayBase, working: &'a MultiPolygon<f64>, planar: f64) -> Option<Self> {
        let bbox = working.bounding_rect()?;
        let probe = working
            .0
            .first()
            .and_then(|p| p.exterior().0.first().copied())
            .unwrap_or(bbox.min());
        Some(Subject {
            base,
            working,
            planar,
            bbox,
            probe,
        })
    }

    /// The candidates of `layer` (ascending) and how each relates to the parcel's box.
    fn candidates(&self, layer: &Layer) -> Vec<(usize, BoxRelation)> {
        let (min, max) = (self.bbox.min(), self.bbox.max());
        layer
            .candidates([min.x, min.y], [max.x, max.y])
            .into_iter()
            .map(|i| {
                // A prepared feature decides most parcels without an overlay.
                let r = match &layer.prepared[i] {
                    Some(pp) => pp.relate_box(min, max, self.probe),
                    None => BoxRelation::Crossing,
                };
                (i, r)
            })
            .collect()
    }
}

/// The overlap of a parcel with the features of one layer.
struct Overlap {
    /// Total area (m²).
    total: f64,
    /// Ids of the features overlapped by more than the tolerance (every one, for `classify`).
    ids: Vec<String>,
    /// Area per class code, for `classify`.
    classes: BTreeMap<String, f64>,
}

impl Reviewer {
    /// 申报面积与计算面积一致: the declared area must agree with the planar area within the
    /// tolerance (relative, or absolute, whichever is larger).
    pub(super) fn declared_area(&self, declared: Option<f64>, planar: f64) -> Option<Finding> {
        let tol = &self.config.tolerances;
        let declared = declared?;
        let allowed = (declared.abs() * tol.declared_area_relative).max(tol.declared_area_m2);
        if (declared - planar).abs() <= allowed {
            return None;
        }
        let mut f = Finding::new(
            FindingCode::DeclaredAreaMismatch,
            Severity::Warn,
            format!(
                "申报面积 {declared:.2} m² 与计算面积 {planar:.2} m² 相差 {:.2} m²，超过容差 {allowed:.2} m²",
                (declared - planar).abs()
            ),
        );
        f.area_m2 = Some(round2(declared - planar));
        Some(f)
    }

    /// 宅基地面积标准: the homestead's planar area must not exceed the project's limit.
    pub(super) fn homestead_area_limit(&self, planar: f64) -> Option<Finding> {
        let max = self.config.homestead.max_area_m2?;
        if planar <= max {
            return None;
        }
        let mut f = Finding::new(
            FindingCode::AreaOverLimit,
            Severity::Fail,
            format!("宅基地面积 {planar:.2} m² 超过限额 {max:.2} m² (homestead limit)"),
        );
        f.area_m2 = Some(round2(planar));
        Some(f)
    }

    /// Check the parcel against one layer by the layer's rule.
    pub(super) fn apply_layer(
        &self,
        layer: &Layer,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
        findings: &mut Vec<Finding>,
    ) {
        match &layer.config.rule {
            LayerRule::Forbid => findings.extend(self.forbid(layer, subject, review)),
            LayerRule::Avoid => findings.extend(self.avoid(layer, subject, review)),
            LayerRule::Within => findings.extend(self.within(layer, subject, review)),
            LayerRule::Classify { class_field } => {
                self.classify(layer, class_field, subject, review, findings);
            }
            LayerRule::ExistingHomestead => {
                findings.extend(self.existing_homestead(layer, subject, review));
            }
            LayerRule::ReserveZones(_) | LayerRule::County { .. } => {}
        }
    }

    /// 不得占用永久基本农田、生态保护红线: any overlap above the tolerance with a `forbid` layer
    /// (永久基本农田, 生态保护红线) fails the parcel.
    pub(super) fn forbid(
        &self,
        layer: &Layer,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
    ) -> Option<Finding> {
        let overlap = self.overlap(layer, None, subject, review);
        self.overlap_finding(
            layer,
            overlap,
            FindingCode::OverlapForbidden,
            Severity::Fail,
            "占用禁止占用的图层",
        )
    }

    /// 避让地质灾害易发区: overlap with an `avoid` layer (地质灾害易发区) warns.
    pub(super) fn avoid(
        &self,
        layer: &Layer,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
    ) -> Option<Finding> {
        let overlap = self.overlap(layer, None, subject, review);
        self.overlap_finding(
            layer,
            overlap,
            FindingCode::OverlapAvoid,
            Severity::Warn,
            "位于应避让的区域",
        )
    }

    /// 一户一宅: overlap with a registered homestead (已登记宅基地) fails the parcel.
    pub(super) fn existing_homestead(
        &self,
        layer: &Layer,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
    ) -> Option<Finding> {
        let overlap = self.overlap(layer, None, subject, review);
        self.overlap_finding(
            layer,
            overlap,
            FindingCode::OverlapExistingHomestead,
            Severity::Fail,
            "与已登记宅基地重叠 (一户一宅)",
        )
    }

    /// 位于村庄规划建设用地范围内: the parcel must lie inside a `within` layer (村庄规划);
    /// the part outside fails it, and is kept as a piece for the map.
    pub(super) fn within(
        &self,
        layer: &Layer,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
    ) -> Option<Finding> {
        let tol = self.config.tolerances.overlap_m2;
        let name = &layer.config.name;
        let relations = subject.candidates(layer);
        if relations.iter().any(|(_, r)| *r == BoxRelation::Inside) {
            return None;
        }
        let (rest, outside) = subject.base.difference_all(
            relations
                .iter()
                .filter(|(_, r)| *r == BoxRelation::Crossing)
                .map(|&(i, _)| &layer.features[i].geometry),
        );
        if outside <= tol {
            return None;
        }
        let mut f = Finding::new(
            FindingCode::OutsideWithin,
            Severity::Fail,
            format!("地块有 {outside:.2} m² 位于 {name} 范围之外 (must lie inside; outside part)"),
        );
        f.layer = Some(name.clone());
        f.area_m2 = Some(round2(outside));
        review.pieces.push(OverlapPiece {
            layer: name.clone(),
            rule: Rule::Within,
            feature_id: None,
            area_m2: outside,
            geometry: rest,
        });
        Some(f)
    }

    /// 三调地类面积汇总: the parcel's area on each land class of a `classify` layer (三调),
    /// with 耕地 and the three category totals; codes not in the table and parts on no patch
    /// warn.
    pub(super) fn classify(
        &self,
        layer: &Layer,
        class_field: &str,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
        findings: &mut Vec<Finding>,
    ) {
        let overlap = self.overlap(layer, Some(class_field), subject, review);
        self.tabulate_land_classes(
            overlap.classes,
            subject.planar,
            &layer.config.name,
            review,
            findings,
        );
    }

    /// The parcel's overlap with every feature of `layer` (exact, each piece kept for the
    /// map), with the area per class when `class_field` is given.
    fn overlap(
        &self,
        layer: &Layer,
        class_field: Option<&str>,
        subject: &Subject<'_>,
        review: &mut ParcelReview,
    ) -> Overlap {
        let tol = self.config.tolerances.overlap_m2;
        let rule = layer.config.rule.kind();
        let name = &layer.config.name;
        let mut out = Overlap {
            total: 0.0,
            ids: Vec::new(),
            classes: BTreeMap::new(),
        };
        for (i, relation) in subject.candidates(layer) {
            let feature = &layer.features[i];
            let (piece, a) = match relation {
                BoxRelation::Outside => continue,
                BoxRelation::Inside => (subject.working.clone(), subject.planar),
                BoxRelation::Crossing => subject.base.intersection(&feature.geometry),
            };
            if a <= 0.0 {
                continue;
            }
            if let Some(field) = class_field {
                let code = layer.attr(i, field).unwrap_or("").trim().to_string();
                *out.classes.entry(code).or_default() += a;
            }
            out.total += a;
            if a > tol || class_field.is_some() {
                out.ids.push(feature.id.clone());
            }
            review.pieces.push(OverlapPiece {
                layer: name.clone(),
                rule,
                feature_id: Some(feature.id.clone()),
                area_m2: a,
                geometry: piece,
            });
        }
        out
    }

    /// The finding of an overlap rule, when the overlap exceeds the tolerance.
    fn overlap_finding(
        &self,
        layer: &Layer,
        overlap: Overlap,
        code: FindingCode,
        severity: Severity,
        what: &str,
    ) -> Option<Finding> {
        let Overlap { total, ids, .. } = overlap;
        if total <= self.config.tolerances.overlap_m2 {
            return None;
        }
        let name = &layer.config.name;
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
        Some(f)
    }

    fn tabulate_land_classes(
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

    /// 同批次地块不得重叠: parcels of the same batch that overlap each other both fail.
    pub(super) fn batch_overlaps(&self, reviews: &mut [ParcelReview]) {
        let tol = self.config.tolerances.overlap_m2;
        let entries: Vec<crate::geometry::IndexEntry> = reviews
            .iter()
            .enumerate()
            .filter_map(|(i, r)| crate::geometry::index_entry(r.geometry.as_ref()?, i))
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
