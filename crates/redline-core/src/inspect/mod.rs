//! The Green Shield (绿盾) workflow: place each remote-sensing clue in its county, nature reserve
//! and functional zone, flag focus issues and name the departments that act.
//!
//! Every clue is reprojected once into the working CRS; the zones are prepared once at load
//! (stripe edge index, [`crate::geometry::prepared`]) and indexed in an R-tree; each clue asks
//! the tree for candidates and tests them exactly.
//!
//! **Boundary rule.** Zones and counties are closed sets: a clue exactly on a boundary lies in
//! every zone that the boundary belongs to, and the most restrictive zone wins (core = core
//! protection > buffer > experimental = general control); between equally restrictive zones of
//! different reserves, the reserve name that sorts first wins. On a border between two counties
//! the smaller county code wins. The result never depends on file order.

pub mod quick;
pub mod rules;
pub mod tally;
pub mod zone;

use std::collections::BTreeMap;

use geo::{BoundingRect, Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;

use crate::config::{Attribute, Config, LayerConfig, LayerRule, Rule};
use crate::crs::CrsError;
use crate::crs::{Reprojector, CGCS2000};
use crate::error::ErrorKind;
use crate::formats::clues::Clue;
use crate::formats::FormatError;
use crate::geometry::overlay::OverlayBase;
use crate::geometry::prepared::PreparedPolygon;
use crate::layer::Layer;
use crate::layer::LayerError;

/// Why clues could not be placed.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The project has no reserve layer.
    #[error("{}: 没有 rule = \"reserve_zones\" 的图层 (no reserve layer configured)", .file.display())]
    NoReserveLayer {
        /// The project file.
        file: std::path::PathBuf,
    },
    /// A reserve or county layer cannot be loaded.
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// A zone value that is none of the known zones.
    #[error("{}: 图层 {layer} 要素 {feature}: 功能分区 {value:?} 无法识别 (expected 核心区/缓冲区/实验区/核心保护区/一般控制区)", .file.display())]
    UnknownZone {
        /// The layer.
        layer: String,
        /// Its file.
        file: std::path::PathBuf,
        /// The feature id.
        feature: String,
        /// The text found.
        value: String,
    },
    /// A clue list cannot be read.
    #[error(transparent)]
    Read(#[from] FormatError),
    /// A clue's position cannot be converted into the working CRS.
    #[error("{source_name}: 线索 {clue}: {source}")]
    Clue {
        /// The clue id.
        clue: String,
        /// Where it came from (`clues.csv:14`).
        source_name: String,
        /// Why.
        #[source]
        source: Box<CrsError>,
    },
    /// CGCS2000 will not convert into the working CRS (internal: the layers loaded through the
    /// same conversion).
    #[error("工作坐标系转换失败 (working CRS conversion failed): {0}")]
    Projection(#[source] Box<CrsError>),
    /// A worker thread stopped (internal).
    #[error("线索处理线程中断 (worker stopped): {0}")]
    Worker(&'static str),
}

impl InspectError {
    /// Whose problem this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            InspectError::NoReserveLayer { .. }
            | InspectError::UnknownZone { .. }
            | InspectError::Clue { .. } => ErrorKind::Input,
            InspectError::Layer(e) => e.kind(),
            InspectError::Read(e) => e.kind(),
            InspectError::Projection(_) | InspectError::Worker(_) => ErrorKind::Internal,
        }
    }
}

/// Result with [`InspectError`].
pub type InspectResult<T> = std::result::Result<T, InspectError>;

pub use tally::{CountyCount, InspectSummary, Tally, ZoneCount};
pub use zone::Zone;

type Entry = crate::geometry::IndexEntry;

thread_local! {
    /// This thread's converters from the CRSs of clue layers into working CRSs (PROJ handles
    /// are not `Send`): built once per pair.
    static NATIVE: std::cell::RefCell<Vec<((String, String), Reprojector)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Run `f` with this thread's converter from `from` into `to`.
fn with_native_reprojector<T>(
    from: &str,
    to: &str,
    f: impl FnOnce(&Reprojector) -> crate::crs::CrsResult<T>,
) -> crate::crs::CrsResult<T> {
    NATIVE.with(|cell| {
        let mut cache = cell.borrow_mut();
        let i = match cache.iter().position(|((a, b), _)| a == from && b == to) {
            Some(i) => i,
            None => {
                cache.push((
                    (from.to_string(), to.to_string()),
                    Reprojector::new(from, to)?,
                ));
                cache.len() - 1
            }
        };
        f(&cache[i].1)
    })
}

/// Lists of at least this many clues build the [`quick`] grid first.
pub const QUICK_GRID_FROM: usize = 4096;

/// One zone polygon of one reserve, prepared for point tests.
#[derive(Debug)]
pub struct ReserveZone {
    /// The reserve's name (保护区名称), from `reserve_field` or the layer's constant; empty when
    /// neither gives one.
    pub reserve: String,
    /// The reserve's level (保护区级别: 国家级, 省级 …); empty when the layer gives none.
    pub level: String,
    /// The type of protected area (自然保护区, 森林公园 …) from `type_field`; empty without one.
    pub kind: String,
    /// The functional zone (功能分区) this polygon is.
    pub zone: Zone,
    /// The name of the `[[layer]]` it was loaded from.
    pub layer: String,
    /// The feature's id in that layer (its `id_field`, else its 1-based position).
    pub feature_id: String,
    /// The zone's outline in the working CRS.
    pub geometry: MultiPolygon<f64>,
    prepared: PreparedPolygon,
}

/// A county outline.
#[derive(Debug)]
pub struct County {
    /// The county's administrative code (行政区划代码, e.g. `360222`) from `code_field`; empty
    /// when the feature's field is.
    pub code: String,
    /// The county's name (e.g. 浮梁县) from `name_field`; empty when the feature's field is.
    pub name: String,
    prepared: PreparedPolygon,
}

/// The area of a patch inside one zone.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ZoneArea {
    /// The reserve's name (保护区名称).
    pub reserve: String,
    /// The functional zone (功能分区).
    pub zone: Zone,
    /// The zone's Chinese name (核心区, 缓冲区 …).
    pub zone_cn: &'static str,
    /// The patch's area in this zone, m² in the working CRS, to 2 decimals; where zones
    /// overlap, the area counts in the most restrictive one only.
    pub area_m2: f64,
}

/// Where a clue lies and what follows from it (the `inspect` contract).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Placement {
    /// The clue number (线索编号) as the list gives it, or `{file_name}#{line}` when it has none.
    pub id: String,
    /// CGCS2000 longitude in degrees; for a patch, a point inside it.
    pub lon: f64,
    /// CGCS2000 latitude in degrees; for a patch, a point inside it.
    pub lat: f64,
    /// The code (行政区划代码) of the county outline the clue's point lies in; `None` in none.
    pub county_code: Option<String>,
    /// That county's name (县区); `None` when the point lies in no county outline.
    pub county: Option<String>,
    /// The reserve (保护区名称) the clue lies in or, for `near_boundary`, the nearest one;
    /// `None` outside.
    pub reserve: Option<String>,
    /// That reserve's level (保护区级别: 国家级, 省级 …; empty when its layer gives none);
    /// `None` outside.
    pub reserve_level: Option<String>,
    /// The functional zone (功能分区) the clue lies in; `None` unless `in_reserve`.
    pub zone: Option<Zone>,
    /// The zone's Chinese name (核心区 …); `None` unless `in_reserve`.
    pub zone_cn: Option<&'static str>,
    /// Metres to the nearest zone boundary (working CRS, 2 decimals) for `near_boundary`; 0 in a
    /// reserve; `None` outside.
    pub distance_m: Option<f64>,
    /// Whether the clue is a focus issue (重点问题): some focus reason fired.
    pub focus: bool,
    /// The focus reasons (四类/八类焦点问题) that fired; empty unless `in_reserve`.
    pub focus_reasons: Vec<String>,
    /// The departments that act (责任部门): the project's override for the activity, else the
    /// notice's.
    pub departments: Vec<String>,
    /// For a patch clue, its area in each zone it covers, most restrictive first; `None` (and
    /// not printed) for a point clue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<ZoneArea>>,
    /// The activity type (活动类型) as written, trimmed.
    pub activity: String,
    /// The year (年份): the list's year column, else the year of the batch; `None` without either.
    pub year: Option<i32>,
    /// The batch (批次) as written; `None` when the list has none.
    pub batch: Option<String>,
    /// The patch area in m², as the list gives it (converted) or measured on the outline;
    /// `None` when neither is known.
    pub area_m2: Option<f64>,
    /// Where the clue came from: `clues.csv:14` (line or sheet row) or `clues.shp#3` (feature).
    pub source: String,
    /// In a reserve, near one, or outside.
    pub status: PlacementStatus,
    /// The patch outline in lon/lat, for patch clues (the ledger keeps it; not printed).
    #[serde(skip)]
    pub patch: Option<MultiPolygon<f64>>,
}

/// Where a clue lies relative to the reserves, as the `inspect` contract says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlacementStatus {
    /// Inside a reserve's zone (`in_reserve`).
    InReserve,
    /// Outside every reserve, within `near_boundary_m` of one (`near_boundary`).
    NearBoundary,
    /// Farther from every reserve (`outside`).
    Outside,
}

impl PlacementStatus {
    /// The code of the contract.
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementStatus::InReserve => "in_reserve",
            PlacementStatus::NearBoundary => "near_boundary",
            PlacementStatus::Outside => "outside",
        }
    }

    /// The label the inspectors read.
    pub fn label_cn(self) -> &'static str {
        match self {
            PlacementStatus::InReserve => "保护区内",
            PlacementStatus::NearBoundary => "保护区边界附近",
            PlacementStatus::Outside => "保护区外",
        }
    }
}

/// Where a clue lies, as indices into [`Inspector::zones`] and [`Inspector::counties`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    /// The zone the clue lies in (the most restrictive one).
    pub zone: Option<usize>,
    /// Outside every zone: the nearest zone within `near_boundary_m`, and the distance in m.
    pub near: Option<(usize, f64)>,
    /// The county the clue's point lies in.
    pub county: Option<usize>,
}

impl Location {
    /// In a reserve, near one, or outside.
    pub fn status(&self) -> PlacementStatus {
        match (self.zone, self.near) {
            (Some(_), _) => PlacementStatus::InReserve,
            (None, Some(_)) => PlacementStatus::NearBoundary,
            (None, None) => PlacementStatus::Outside,
        }
    }
}

/// Counts for the summary.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Clues placed (rows that could not be read are not among them).
    pub clues: usize,
    /// Clues inside a reserve's zone (保护区内).
    pub in_reserve: usize,
    /// Clues outside every reserve, within `near_boundary_m` of one (保护区边界附近).
    pub near_boundary: usize,
    /// Clues farther from every reserve (保护区外).
    pub outside: usize,
    /// Focus issues (重点问题) among the clues in a reserve.
    pub focus: usize,
    /// Rows of the lists that could not be used.
    pub problems: usize,
}

/// The loaded reserves and counties of a project.
pub struct Inspector {
    /// The project.
    pub config: Config,
    /// Every zone polygon of the `reserve_zones` layers, in layer and feature order.
    pub zones: Vec<ReserveZone>,
    pub(crate) zone_tree: RTree<Entry>,
    /// Every county outline of the `county` layers, in layer and feature order.
    pub counties: Vec<County>,
    county_tree: RTree<Entry>,
    /// sha256 of each layer used, for the record.
    pub layer_versions: Vec<(String, String)>,
    /// Built for long lists ([`Inspector::prepare_quick_grid`]).
    quick: std::sync::OnceLock<quick::QuickGrid>,
}

/// The value of an attribute of feature `i`: its field's text where not empty, else the
/// constant.
fn value(layer: &Layer, i: usize, a: &Attribute) -> Option<String> {
    a.field
        .as_deref()
        .and_then(|f| layer.attr(i, f))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| a.constant.clone())
}

impl Inspector {
    /// Load the `reserve_zones` and `county` layers of `config`.
    pub fn load(config: Config) -> InspectResult<Inspector> {
        let configs: Vec<&LayerConfig> = config
            .layers
            .iter()
            .filter(|l| matches!(l.rule.kind(), Rule::ReserveZones | Rule::County))
            .collect();
        if !configs.iter().any(|l| l.rule.kind() == Rule::ReserveZones) {
            return Err(InspectError::NoReserveLayer {
                file: config.file.clone(),
            });
        }
        let layers = crate::layer::load_all(&configs, &config.working_crs)?;
        Inspector::with_layers(config, layers)
    }

    /// Build from loaded layers.
    pub fn with_layers(config: Config, layers: Vec<Layer>) -> InspectResult<Inspector> {
        let mut zones = Vec::new();
        let mut counties = Vec::new();
        let mut layer_versions = Vec::new();
        for mut layer in layers {
            layer_versions.push((layer.config.name.clone(), layer.sha256.clone()));
            let c = layer.config.clone();
            // The layer's geometries and prepared polygons move into the zones and counties:
            // nothing is copied or prepared twice.
            let mut prepared = std::mem::take(&mut layer.prepared);
            prepared.resize_with(layer.features.len(), || None);
            let mut geometries: Vec<MultiPolygon<f64>> = layer
                .features
                .iter_mut()
                .map(|f| std::mem::replace(&mut f.geometry, MultiPolygon(Vec::new())))
                .collect();
            for (i, f) in layer.features.iter().enumerate() {
                let geometry = std::mem::replace(&mut geometries[i], MultiPolygon(Vec::new()));
                let prepared = prepared[i]
                    .take()
                    .unwrap_or_else(|| PreparedPolygon::new(&geometry));
                match &c.rule {
                    LayerRule::ReserveZones(fields) => {
                        let zone_text = value(&layer, i, &fields.zone).unwrap_or_default();
                        let zone =
                            Zone::parse(&zone_text).ok_or_else(|| InspectError::UnknownZone {
                                layer: c.name.clone(),
                                file: c.path.clone(),
                                feature: f.id.clone(),
                                value: zone_text.clone(),
                            })?;
                        let kind = Attribute {
                            field: fields.kind_field.clone(),
                            constant: None,
                        };
                        zones.push(ReserveZone {
                            reserve: value(&layer, i, &fields.reserve).unwrap_or_default(),
                            level: value(&layer, i, &fields.level).unwrap_or_default(),
                            kind: value(&layer, i, &kind).unwrap_or_default(),
                            zone,
                            layer: c.name.clone(),
                            feature_id: f.id.clone(),
                            prepared,
                            geometry,
                        });
                    }
                    LayerRule::County {
                        code_field,
                        name_field,
                    } => counties.push(County {
                        code: value(&layer, i, &Attribute::field(code_field)).unwrap_or_default(),
                        name: value(&layer, i, &Attribute::field(name_field)).unwrap_or_default(),
                        prepared,
                    }),
                    _ => {}
                }
            }
        }
        let zone_tree = RTree::bulk_load(
            zones
                .iter()
                .enumerate()
                .filter_map(|(i, z)| crate::geometry::index_entry(&z.geometry, i))
                .collect(),
        );
        // County envelopes come from their prepared polygons' source geometry; rebuild boxes.
        let county_tree = RTree::bulk_load(
            counties
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (min, max) = c.prepared.bounds();
                    GeomWithData::new(Rectangle::from_corners([min.x, min.y], [max.x, max.y]), i)
                })
                .collect(),
        );
        Ok(Inspector {
            config,
            zones,
            zone_tree,
            counties,
            county_tree,
            layer_versions,
            quick: std::sync::OnceLock::new(),
        })
    }

    /// The zone containing `p` (working CRS), the most restrictive one where zones overlap.
    pub fn zone_at(&self, p: Coord<f64>) -> Option<&ReserveZone> {
        self.zone_index_at(p).map(|i| &self.zones[i])
    }

    /// The index in [`Inspector::zones`] of the zone containing `p` (see [`Inspector::zone_at`]).
    pub fn zone_index_at(&self, p: Coord<f64>) -> Option<usize> {
        self.zone_tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y]))
            .map(|e| e.data)
            .filter(|&i| self.zones[i].prepared.contains(p))
            .min_by(|&a, &b| self.restrictive_order(a, b))
    }

    /// The order in which zones `a` and `b` win where both hold a point: the more restrictive
    /// first, then by reserve name, then by zone ([`Ordering::Less`] when `a` wins).
    fn restrictive_order(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (a, b) = (&self.zones[a], &self.zones[b]);
        b.zone
            .rank()
            .cmp(&a.zone.rank())
            .then_with(|| a.reserve.cmp(&b.reserve))
            .then_with(|| a.zone.cmp(&b.zone))
    }

    /// True when zone `a` wins over zone `b` where both hold a point (a tie keeps `a`).
    pub(crate) fn more_restrictive(&self, a: usize, b: usize) -> bool {
        self.restrictive_order(a, b) != std::cmp::Ordering::Greater
    }

    /// The nearest reserve zone within `limit` metres of `p`, with the distance.
    pub fn nearest_within(&self, p: Coord<f64>, limit: f64) -> Option<(&ReserveZone, f64)> {
        self.nearest_index_within(p, limit)
            .map(|(i, d)| (&self.zones[i], d))
    }

    /// [`Inspector::nearest_within`] as an index into [`Inspector::zones`].
    pub fn nearest_index_within(&self, p: Coord<f64>, limit: f64) -> Option<(usize, f64)> {
        let env = AABB::from_corners([p.x - limit, p.y - limit], [p.x + limit, p.y + limit]);
        self.zone_tree
            .locate_in_envelope_intersecting(&env)
            .filter_map(|e| {
                self.zones[e.data]
                    .prepared
                    .boundary_distance_within(p, limit)
                    .map(|d| (e.data, d))
            })
            .min_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then_with(|| self.zones[a.0].reserve.cmp(&self.zones[b.0].reserve))
            })
    }

    /// The county containing `p`; on a shared border the smaller code.
    pub fn county_at(&self, p: Coord<f64>) -> Option<&County> {
        self.county_index_at(p).map(|i| &self.counties[i])
    }

    /// [`Inspector::county_at`] as an index into [`Inspector::counties`].
    pub fn county_index_at(&self, p: Coord<f64>) -> Option<usize> {
        self.county_tree
            .locate_in_envelope_intersecting(&AABB::from_point([p.x, p.y]))
            .map(|e| e.data)
            .filter(|&i| self.counties[i].prepared.contains(p))
            .min_by(|&a, &b| self.counties[a].code.cmp(&self.counties[b].code))
    }

    /// Area of a patch (working CRS) inside each zone, most restrictive first, nothing counted twice.
    pub fn patch_zones(&self, patch: &MultiPolygon<f64>) -> Vec<ZoneArea> {
        let Some(r) = patch.bounding_rect() else {
            return Vec::new();
        };
        let mut cands: Vec<&ReserveZone> = self
            .zone_tree
            .locate_in_envelope_intersecting(&AABB::from_corners(
                [r.min().x, r.min().y],
                [r.max().x, r.max().y],
            ))
            .map(|e| &self.zones[e.data])
            .collect();
        cands.sort_by(|a, b| {
            b.zone
                .rank()
                .cmp(&a.zone.rank())
                .then_with(|| a.reserve.cmp(&b.reserve))
                .then_with(|| a.zone.cmp(&b.zone))
                .then_with(|| a.feature_id.cmp(&b.feature_id))
        });
        let mut remaining = patch.clone();
        let mut out: Vec<ZoneArea> = Vec::new();
        for z in cands {
            let Some(base) = OverlayBase::new(&remaining) else {
                break;
            };
            let (_, a) = base.intersection(&z.geometry);
            if a > 0.0 {
                match out
                    .iter_mut()
                    .find(|o| o.reserve == z.reserve && o.zone == z.zone)
                {
                    Some(o) => o.area_m2 += a,
                    None => out.push(ZoneArea {
                        reserve: z.reserve.clone(),
                        zone: z.zone,
                        zone_cn: z.zone.label_cn(),
                        area_m2: a,
                    }),
                }
                remaining = base.difference_all([&z.geometry]).0;
            }
        }
        for o in &mut out {
            o.area_m2 = crate::review::round2(o.area_m2);
        }
        out
    }

    pub(crate) fn is_yangtze(&self, reserve: &str) -> bool {
        let i = &self.config.inspection;
        i.all_reserves_yangtze || i.yangtze_reserves.iter().any(|r| r == reserve)
    }

    /// The departments that act on an activity: the configured override, else the notice's.
    pub fn departments_for(&self, activity: &str) -> Vec<String> {
        match self.config.inspection.departments.get(activity.trim()) {
            Some(d) => d.clone(),
            None => rules::departments(activity),
        }
    }

    /// Place one clue whose point (and patch) are already in the working CRS.
    pub fn place(
        &self,
        clue: &Clue,
        p: Coord<f64>,
        patch: Option<&MultiPolygon<f64>>,
    ) -> Placement {
        let departments = self.departments_for(&clue.activity);
        self.place_with(clue, self.locate(p, patch), departments)
    }

    /// Build (once) the grid that settles most clues of a long list with one lookup
    /// ([`quick`]); [`Inspector::locate_clue`] uses it from then on. The answers do not change.
    pub fn prepare_quick_grid(&self) -> &quick::QuickGrid {
        self.quick.get_or_init(|| quick::QuickGrid::build(self))
    }

    /// Where a clue (lon/lat) lies: from the [`quick`] grid when it is built and settles the
    /// clue's point (no projection needed); else projected with `proj` (CGCS2000 → working CRS)
    /// and [located](Inspector::locate). Returns the patch's area in each zone too.
    pub fn locate_clue(
        &self,
        clue: &Clue,
        proj: &Reprojector,
    ) -> InspectResult<(Location, Option<Vec<ZoneArea>>)> {
        if clue.patch.is_none() {
            let settled = self.quick.get().and_then(|q| {
                q.settled(Coord {
                    x: clue.lon,
                    y: clue.lat,
                })
            });
            if let Some((zone, county)) = settled {
                let location = Location {
                    zone,
                    near: None,
                    county,
                };
                return Ok((location, None));
            }
        }
        let bad = |source: CrsError| InspectError::Clue {
            clue: clue.id.clone(),
            source_name: clue.source.clone(),
            source: Box::new(source),
        };
        if let Some(native) = &clue.native {
            // Straight from the file's CRS into the working CRS: the same conversion the layers
            // went through, so a clue on a layer vertex stays on it.
            let (p, patch) = with_native_reprojector(&native.crs, &self.config.working_crs, |r| {
                let (x, y) = r.point(native.point.x, native.point.y)?;
                let patch = match &native.patch {
                    Some(g) => {
                        let mut g = g.clone();
                        r.geometry_in_place(&mut g)?;
                        Some(g)
                    }
                    None => None,
                };
                Ok((Coord { x, y }, patch))
            })
            .map_err(bad)?;
            return Ok(self.locate(p, patch.as_ref()));
        }
        let (x, y) = proj.point(clue.lon, clue.lat).map_err(bad)?;
        let patch = match &clue.patch {
            Some(g) => {
                let mut g = g.clone();
                proj.geometry_in_place(&mut g).map_err(bad)?;
                Some(g)
            }
            None => None,
        };
        Ok(self.locate(Coord { x, y }, patch.as_ref()))
    }

    /// Where a point (working CRS) lies: for a patch, the most restrictive zone it covers (with its area in
    /// each zone); else the zone containing the point; outside every zone, the nearest one
    /// within `near_boundary_m`.
    pub fn locate(
        &self,
        p: Coord<f64>,
        patch: Option<&MultiPolygon<f64>>,
    ) -> (Location, Option<Vec<ZoneArea>>) {
        let zones = patch.map(|g| self.patch_zones(g));
        let from_patch = zones.as_ref().and_then(|zs| {
            zs.iter()
                .filter(|z| z.area_m2 > 0.0)
                .max_by(|a, b| {
                    a.zone
                        .rank()
                        .cmp(&b.zone.rank())
                        .then_with(|| b.reserve.cmp(&a.reserve))
                })
                .and_then(|best| {
                    self.zones
                        .iter()
                        .position(|z| z.reserve == best.reserve && z.zone == best.zone)
                })
        });
        let zone = from_patch.or_else(|| self.zone_index_at(p));
        let near = match zone {
            Some(_) => None,
            None => self.nearest_index_within(p, self.config.inspection.near_boundary_m),
        };
        let location = Location {
            zone,
            near,
            county: self.county_index_at(p),
        };
        (location, zones)
    }

    /// The focus reasons of an activity found inside zone `zone` (an index into
    /// [`Inspector::zones`]).
    pub fn focus_reasons_in(&self, activity: &str, zone: usize) -> Vec<String> {
        let z = &self.zones[zone];
        rules::focus_reasons(
            activity,
            Some(&z.level),
            Some(z.zone),
            self.is_yangtze(&z.reserve),
        )
    }

    fn place_with(
        &self,
        clue: &Clue,
        (location, zones): (Location, Option<Vec<ZoneArea>>),
        departments: Vec<String>,
    ) -> Placement {
        let county = location.county.map(|i| &self.counties[i]);
        let (hit, distance) = match (location.zone, location.near) {
            (Some(i), _) => (Some(&self.zones[i]), Some(0.0)),
            (None, Some((i, d))) => (Some(&self.zones[i]), Some(crate::review::round2(d))),
            (None, None) => (None, None),
        };
        let status = location.status();
        let inside = location.zone.is_some();
        let focus_reasons = match location.zone {
            Some(i) => self.focus_reasons_in(&clue.activity, i),
            None => Vec::new(),
        };
        Placement {
            id: clue.id.clone(),
            lon: clue.lon,
            lat: clue.lat,
            county_code: county.map(|c| c.code.clone()),
            county: county.map(|c| c.name.clone()),
            reserve: hit.map(|z| z.reserve.clone()),
            reserve_level: hit.map(|z| z.level.clone()),
            zone: hit.filter(|_| inside).map(|z| z.zone),
            zone_cn: hit.filter(|_| inside).map(|z| z.zone.label_cn()),
            distance_m: distance,
            focus: !focus_reasons.is_empty(),
            focus_reasons,
            departments,
            zones,
            activity: clue.activity.clone(),
            year: clue.year,
            batch: clue.batch.clone(),
            area_m2: clue.area_m2,
            source: clue.source.clone(),
            status,
            patch: clue.patch.clone(),
        }
    }

    /// Place many clues in parallel; each worker thread builds its own PROJ handle. The
    /// departments are worked out once per distinct activity text, not once per clue.
    pub fn place_all(&self, clues: &[Clue]) -> InspectResult<Vec<Placement>> {
        if clues.len() >= QUICK_GRID_FROM {
            self.prepare_quick_grid();
        }
        let working = self.config.working_crs.clone();
        let mut departments: std::collections::HashMap<&str, Vec<String>> =
            std::collections::HashMap::new();
        for c in clues {
            if !departments.contains_key(c.activity.as_str()) {
                departments.insert(c.activity.as_str(), self.departments_for(&c.activity));
            }
        }
        clues
            .par_iter()
            .map_init(
                || Reprojector::new(CGCS2000, &working),
                |proj, clue| {
                    let proj = proj
                        .as_ref()
                        .map_err(|e| InspectError::Projection(Box::new(e.clone())))?;
                    let located = self.locate_clue(clue, proj)?;
                    let d = departments
                        .get(clue.activity.as_str())
                        .cloned()
                        .unwrap_or_else(|| self.departments_for(&clue.activity));
                    Ok(self.place_with(clue, located, d))
                },
            )
            .collect()
    }
}

/// Count placements by status.
pub fn summarize(placements: &[Placement], problems: usize) -> Summary {
    let mut s = Summary {
        clues: placements.len(),
        problems,
        ..Summary::default()
    };
    for p in placements {
        match p.status {
            PlacementStatus::InReserve => s.in_reserve += 1,
            PlacementStatus::NearBoundary => s.near_boundary += 1,
            PlacementStatus::Outside => s.outside += 1,
        }
        if p.focus {
            s.focus += 1;
        }
    }
    s
}

/// Placements per reserve and zone (for summaries): (reserve, zone) → count.
pub fn counts_by_zone(placements: &[Placement]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for p in placements
        .iter()
        .filter(|p| p.status == PlacementStatus::InReserve)
    {
        let key = (
            p.reserve.clone().unwrap_or_default(),
            p.zone.map(|z| z.as_str().to_string()).unwrap_or_default(),
        );
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

impl Inspector {
    /// The layers used, with their sha256, for the record.
    pub fn layer_list(&self) -> Vec<LayerVersion> {
        self.layer_versions
            .iter()
            .map(|(n, h)| LayerVersion {
                name: n.clone(),
                sha256: h.clone(),
            })
            .collect()
    }

    /// The layer versions as one line: `reserves=<sha256>;counties=<sha256>`.
    pub fn versions_line(&self) -> String {
        self.layer_versions
            .iter()
            .map(|(n, h)| format!("{n}={h}"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// The result of `redline inspect`: placements, summary, and what could not be read.
#[derive(Debug, Serialize)]
pub struct InspectReport {
    /// The placements, in the order of the clues.
    pub clues: Vec<Placement>,
    /// The counts over the placements.
    pub summary: Summary,
    /// Located problems of single rows (`file:line:column: message`).
    pub problems: Vec<String>,
    /// Located warnings (swapped coordinates …).
    pub warnings: Vec<String>,
    /// The reserve and county layers used, with their sha256.
    pub layers: Vec<LayerVersion>,
}

/// A layer and the sha256 of its files.
#[derive(Debug, Serialize)]
pub struct LayerVersion {
    /// The layer's name (its `[[layer]]` entry).
    pub name: String,
    /// sha256 of the layer's files, hex.
    pub sha256: String,
}

/// Clues read from several files, with the located problems and warnings of their rows.
#[derive(Debug, Default)]
pub struct ClueBatch {
    /// The clues read, file by file in file order.
    pub clues: Vec<Clue>,
    /// Rows that could not be used, located (`file:line:column: message`).
    pub problems: Vec<String>,
    /// What the readers changed or doubted (swapped coordinates …), located.
    pub warnings: Vec<String>,
}

/// Read clue files (CSV, XLSX, shapefile, GeoJSON); bad rows are collected, not fatal.
pub fn read_clue_files(files: &[std::path::PathBuf]) -> InspectResult<ClueBatch> {
    let mut batch = ClueBatch::default();
    for f in files {
        batch.add(crate::formats::clues::read(f)?);
    }
    Ok(batch)
}

impl ClueBatch {
    /// Add the clues, problems and warnings of one list.
    pub fn add(&mut self, list: crate::formats::clues::ClueList) {
        self.clues.extend(list.clues);
        self.problems
            .extend(list.problems.into_iter().map(|e| e.to_string()));
        self.warnings.extend(list.warnings);
    }
}

impl Inspector {
    /// Place a batch of clues and build the report.
    pub fn report(&self, batch: &ClueBatch) -> InspectResult<InspectReport> {
        let placements = self.place_all(&batch.clues)?;
        let summary = summarize(&placements, batch.problems.len());
        Ok(InspectReport {
            clues: placements,
            summary,
            problems: batch.problems.clone(),
            warnings: batch.warnings.clone(),
            layers: self.layer_list(),
        })
    }
}

/// A clue list placed and, when asked, imported into the ledger.
#[derive(Debug)]
pub struct Inspection {
    /// The placements kept, the summary over them, the list's problems and the layers used.
    pub report: InspectReport,
    /// How many placements the caller's `keep` left out (a county-scoped caller's view).
    pub out_of_scope: usize,
    /// What the import did, when there was one.
    pub import: Option<crate::ledger::ImportReport>,
}

impl Inspector {
    /// The one path from a clue list to ledger issues, for the CLI and the service alike: place
    /// every clue of `batch`, keep the placements `keep` accepts (the summary counts those),
    /// and with `import = Some((ledger, who))` import them as issues in one transaction.
    pub fn inspect(
        &self,
        batch: &ClueBatch,
        keep: &dyn Fn(&Placement) -> bool,
        import: Option<(&mut crate::ledger::Ledger, &str)>,
    ) -> crate::Result<Inspection> {
        let mut report = self.report(batch)?;
        let before = report.clues.len();
        report.clues.retain(|p| keep(p));
        let out_of_scope = before - report.clues.len();
        if out_of_scope > 0 {
            report.summary = summarize(&report.clues, report.summary.problems);
        }
        let import = match import {
            Some((ledger, who)) => {
                let versions = self.versions_line();
                let issues: Vec<crate::ledger::Issue> = report
                    .clues
                    .iter()
                    .map(|p| crate::ledger::Issue::from_placement(p, &versions))
                    .collect();
                Some(ledger.import(&issues, who)?)
            }
            None => None,
        };
        Ok(Inspection {
            report,
            out_of_scope,
            import,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FeatureTable, RawFeature};
    use geo::polygon;

    fn square(x0: f64, y0: f64, s: f64) -> geo::Geometry<f64> {
        geo::Geometry::Polygon(polygon![
            (x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s),
        ])
    }

    /// One layer per zone (`zone = "核心区"` as a constant), reserve name as a constant too, the
    /// two layers overlapping: the most restrictive zone wins, and a point on the core's
    /// boundary is in the core.
    #[test]
    fn separate_layers_per_zone_with_constants() {
        let d = tempfile::tempdir().expect("tempdir");
        for f in ["core.geojson", "buffer.geojson", "county.geojson"] {
            std::fs::write(d.path().join(f), "{}").expect("write");
        }
        let text = r#"working_crs = "EPSG:4527"
[[layer]]
name = "core"
path = "core.geojson"
rule = "reserve_zones"
zone = "核心区"
reserve = "测试保护区"
level = "省级"
[[layer]]
name = "buffer"
path = "buffer.geojson"
rule = "reserve_zones"
zone = "缓冲区"
reserve = "测试保护区"
level = "省级"
[[layer]]
name = "county"
path = "county.geojson"
rule = "county"
code_field = "XZQDM"
name_field = "XZQMC"
[inspection]
near_boundary_m = 100
"#;
        let config = Config::parse(text, &d.path().join("p.toml")).expect("config");
        let (x0, y0) = (39_519_000.0, 3_242_000.0);
        let table =
            |g: geo::Geometry<f64>, fields: Vec<String>, values: Vec<String>| FeatureTable {
                crs: Some("EPSG:4527".into()),
                fields,
                features: vec![RawFeature {
                    geometry: g,
                    values,
                }],
                encoding: None,
            };
        let layers = vec![
            Layer::from_table(
                &config.layers[0],
                table(square(x0 + 400.0, y0 + 400.0, 200.0), vec![], vec![]),
                "EPSG:4527",
                "a".into(),
            )
            .expect("core"),
            Layer::from_table(
                &config.layers[1],
                table(square(x0, y0, 1000.0), vec![], vec![]),
                "EPSG:4527",
                "b".into(),
            )
            .expect("buffer"),
            Layer::from_table(
                &config.layers[2],
                table(
                    square(x0 - 5000.0, y0 - 5000.0, 20000.0),
                    vec!["XZQDM".into(), "XZQMC".into()],
                    vec!["360222".into(), "浮梁县".into()],
                ),
                "EPSG:4527",
                "c".into(),
            )
            .expect("county"),
        ];
        let ins = Inspector::with_layers(config, layers).expect("inspector");
        let at = |x: f64, y: f64| {
            ins.zone_at(Coord {
                x: x0 + x,
                y: y0 + y,
            })
            .map(|z| (z.zone, z.reserve.as_str()))
        };
        assert_eq!(at(500.0, 500.0), Some((Zone::Core, "测试保护区")));
        assert_eq!(
            at(400.0, 500.0),
            Some((Zone::Core, "测试保护区")),
            "core boundary"
        );
        assert_eq!(at(100.0, 100.0), Some((Zone::Buffer, "测试保护区")));
        assert_eq!(
            at(1000.0, 100.0),
            Some((Zone::Buffer, "测试保护区")),
            "outer boundary"
        );
        assert_eq!(at(1100.0, 100.0), None);
        let near = ins.nearest_within(
            Coord {
                x: x0 + 1050.0,
                y: y0 + 500.0,
            },
            100.0,
        );
        assert_eq!(near.map(|(z, d)| (z.zone, d)), Some((Zone::Buffer, 50.0)));
        assert_eq!(
            ins.county_at(Coord { x: x0, y: y0 })
                .map(|c| c.name.as_str()),
            Some("浮梁县")
        );
        // A 100 × 100 patch straddling the core's west edge: 50 × 100 in each zone.
        let patch = MultiPolygon(vec![match square(x0 + 350.0, y0 + 450.0, 100.0) {
            geo::Geometry::Polygon(p) => p,
            _ => unreachable!(),
        }]);
        let zones = ins.patch_zones(&patch);
        assert_eq!(zones.len(), 2, "{zones:?}");
        assert_eq!((zones[0].zone, zones[0].area_m2), (Zone::Core, 5000.0));
        assert_eq!((zones[1].zone, zones[1].area_m2), (Zone::Buffer, 5000.0));
    }

    /// A clue layer in a projected CRS is projected once, straight into the working CRS, with
    /// the conversion the reserve layer took: clues written on the reserve's vertices (same
    /// file CRS) lie on them, so in the reserve. Through lon/lat and back they drift.
    #[test]
    fn projected_clue_layers_are_projected_once() {
        use crate::formats::shapefile::{encode, WriteOptions, PRJ_4527_ESRI};
        use crate::formats::{InputFile, Kind, Sidecars};
        let d = tempfile::tempdir().expect("tempdir");
        for f in ["zones.geojson", "county.geojson"] {
            std::fs::write(d.path().join(f), "{}").expect("write");
        }
        let text = r#"working_crs = "EPSG:4527"
[[layer]]
name = "zones"
path = "zones.geojson"
rule = "reserve_zones"
zone = "核心区"
reserve = "测试保护区"
[[layer]]
name = "county"
path = "county.geojson"
rule = "county"
code_field = "XZQDM"
name_field = "XZQMC"
"#;
        let config = Config::parse(text, &d.path().join("p.toml")).expect("config");
        // A ragged reserve outline in EPSG:4527, written as the ESRI WKT of a `.prj`.
        let (cx, cy) = (39_520_000.123_456_7, 3_243_000.765_432_1);
        let ring: Vec<(f64, f64)> = (0..240)
            .map(|k| {
                let t = k as f64 / 240.0 * std::f64::consts::TAU;
                let r = 800.0 + 37.31 * (7.0 * t).sin() + 11.7 * (23.0 * t).cos();
                (cx + r * t.cos(), cy + r * t.sin())
            })
            .collect();
        let mut closed = ring.clone();
        closed.push(ring[0]);
        let reserve = FeatureTable {
            crs: Some(PRJ_4527_ESRI.to_string()),
            fields: vec![],
            features: vec![RawFeature {
                geometry: geo::Geometry::Polygon(geo::Polygon::new(closed.into(), vec![])),
                values: vec![],
            }],
            encoding: None,
        };
        let county = FeatureTable {
            crs: Some("EPSG:4527".into()),
            fields: vec!["XZQDM".into(), "XZQMC".into()],
            features: vec![RawFeature {
                geometry: square(cx - 5000.0, cy - 5000.0, 10_000.0),
                values: vec!["360222".into(), "浮梁县".into()],
            }],
            encoding: None,
        };
        let layers = vec![
            Layer::from_table(&config.layers[0], reserve, "EPSG:4527", "a".into()).expect("zones"),
            Layer::from_table(&config.layers[1], county, "EPSG:4527", "b".into()).expect("county"),
        ];
        let ins = Inspector::with_layers(config, layers).expect("inspector");
        // The clues: one point on every vertex, in a shapefile with the same `.prj`.
        let points = FeatureTable {
            crs: None,
            fields: vec!["BH".into(), "HDLX".into()],
            features: ring
                .iter()
                .enumerate()
                .map(|(k, &(x, y))| RawFeature {
                    geometry: geo::Geometry::Point(geo::Point::new(x, y)),
                    values: vec![format!("V{k}"), "养殖".into()],
                })
                .collect(),
            encoding: None,
        };
        let options = WriteOptions {
            encoding: crate::formats::shapefile::DbfEncoding::Utf8,
            prj_wkt: Some(PRJ_4527_ESRI),
            last_update: chrono::NaiveDate::from_ymd_opt(2020, 9, 15).expect("date"),
        };
        let files = encode(std::path::Path::new("v.shp"), &points, options).expect("encode");
        let file = InputFile {
            name: "v.shp".into(),
            kind: Kind::Shapefile,
            bytes: files.shp.clone(),
            sidecars: Sidecars {
                shx: Some(files.shx.clone()),
                dbf: Some(files.dbf.clone()),
                prj: files.prj.clone(),
                cpg: Some(files.cpg.clone()),
            },
        };
        let list = crate::formats::clues::parse(&file).expect("clues");
        assert_eq!(list.clues.len(), ring.len(), "{:?}", list.problems);
        let placed = ins.place_all(&list.clues).expect("place");
        let outside: Vec<&str> = placed
            .iter()
            .filter(|p| p.status != PlacementStatus::InReserve)
            .map(|p| p.id.as_str())
            .collect();
        assert!(
            outside.is_empty(),
            "vertex clues placed outside: {outside:?}"
        );
        // The same clues through lon/lat (what the reader reports) land off their vertices.
        let to_w = Reprojector::new(crate::crs::CGCS2000, "EPSG:4527").expect("proj");
        let drifted = list
            .clues
            .iter()
            .zip(&ring)
            .filter(|(c, &(x, y))| to_w.point(c.lon, c.lat).expect("point") != (x, y))
            .count();
        assert!(
            drifted > 0,
            "no vertex drifts through lon/lat: the test shows nothing"
        );
    }
}
