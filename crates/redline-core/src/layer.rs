//! A layer: features reprojected into the working CRS, with their attributes and an R-tree,
//! built once at load. Every check asks the index for candidates, then tests exactly.

use std::path::PathBuf;

use geo::MultiPolygon;
use rstar::{RTree, AABB};
use sha2::{Digest, Sha256};

use crate::config::LayerConfig;
use crate::crs::{CrsError, Reprojector};
use crate::error::{ErrorKind, InputError};
use crate::formats::{self, FeatureTable, FormatError};
use crate::geometry::overlay::{vertex_count, CLIP_ABOVE_VERTICES};
use crate::geometry::prepared::PreparedPolygon;

/// Why a layer cannot be loaded. Every message names the layer and its file.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// The file cannot be read.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A located problem of the file.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The file names no CRS and the config gives none.
    #[error("{}: 图层 {layer} 未说明坐标系 (no .prj): add `crs = \"EPSG:…\"` to its [[layer]] entry", .file.display())]
    NoCrs {
        /// The layer.
        layer: String,
        /// Its file.
        file: PathBuf,
    },
    /// The layer's CRS cannot be converted into the working CRS.
    #[error("{}: 图层 {layer}: {source}", .file.display())]
    Crs {
        /// The layer.
        layer: String,
        /// Its file.
        file: PathBuf,
        /// Why.
        #[source]
        source: Box<CrsError>,
    },
    /// A field the config names is not in the file.
    #[error("{}: 图层 {layer}: {key} {field:?} 不在文件中 (field not found; fields: {})", .file.display(), .fields.join(", "))]
    Field {
        /// The layer.
        layer: String,
        /// Its file.
        file: PathBuf,
        /// The config key (`id_field`, `class_field` …).
        key: &'static str,
        /// The field named.
        field: String,
        /// The fields the file has.
        fields: Vec<String>,
    },
    /// A feature is not a polygon.
    #[error("{}: 图层 {layer} 第 {feature} 个要素不是面 (feature {feature} is a {kind}, not a polygon)", .file.display())]
    NotPolygon {
        /// The layer.
        layer: String,
        /// Its file.
        file: PathBuf,
        /// 1-based position of the feature.
        feature: usize,
        /// Its geometry type.
        kind: &'static str,
    },
    /// A loaded layer cannot be converted between the working CRS and lon/lat (both were
    /// checked when the layer loaded, so this is internal).
    #[error("图层 {layer}: 坐标转换失败 (conversion of a loaded layer failed): {source}")]
    Reprojection {
        /// The layer.
        layer: String,
        /// Why.
        #[source]
        source: Box<CrsError>,
    },
    /// A feature cannot be converted into the working CRS.
    #[error("{}: 图层 {layer} 要素 {feature}: {source}", .file.display())]
    FeatureCrs {
        /// The layer.
        layer: String,
        /// Its file.
        file: PathBuf,
        /// 1-based position of the feature.
        feature: usize,
        /// Why.
        #[source]
        source: Box<CrsError>,
    },
}

impl LayerError {
    /// A layer file is the user's (or the uploader's) to fix; a disk failure, or a loaded
    /// layer that will not convert back, is internal.
    pub fn kind(&self) -> ErrorKind {
        match self {
            LayerError::Format(e) => e.kind(),
            LayerError::Reprojection { .. } => ErrorKind::Internal,
            _ => ErrorKind::Input,
        }
    }
}

/// Result with [`LayerError`].
pub type LayerResult<T> = std::result::Result<T, LayerError>;

/// An R-tree entry: a feature's envelope with the feature's index.
pub use crate::geometry::IndexEntry;

/// One polygon feature of a layer, in the working CRS.
#[derive(Clone, Debug)]
pub struct Feature {
    /// The value of the layer's `id_field`, or the 1-based position in the file.
    pub id: String,
    /// The feature's polygons in the working CRS.
    pub geometry: MultiPolygon<f64>,
    /// Attribute values, in the order of [`Layer::fields`].
    pub values: Vec<String>,
}

/// A loaded layer.
#[derive(Debug)]
pub struct Layer {
    /// Its `[[layer]]` entry.
    pub config: LayerConfig,
    /// The attribute field names, in file order.
    pub fields: Vec<String>,
    /// The polygon features, in file order.
    pub features: Vec<Feature>,
    /// The features' envelopes (working CRS), each with its index in `features`.
    pub index: RTree<IndexEntry>,
    /// For features with many vertices (a red line, a reserve): the stripe edge index, so that
    /// a parcel that no edge comes near is decided without an overlay.
    pub prepared: Vec<Option<PreparedPolygon>>,
    /// sha256 of the layer's files (main file and side-cars), hex.
    pub sha256: String,
    /// The CRS the file was in.
    pub source_crs: String,
    /// How attribute text was decoded.
    pub encoding: Option<String>,
}

/// A box in CGCS2000 longitude and latitude (degrees).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonLatBox {
    /// West edge.
    pub min_lon: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

/// The answer of [`Layer::features_in_lonlat_box`].
#[derive(Clone, Debug)]
pub struct BoxFeatures {
    /// The features, in lon/lat, with their id and attributes.
    pub features: Vec<geojson::Feature>,
    /// True when more features meet the box than were answered.
    pub truncated: bool,
}

/// sha256 over a layer's files as read, in a fixed order (the main file, then a shapefile's
/// `.shx`, `.dbf`, `.prj`, `.cpg`), each prefixed by its extension and its length: the version
/// of exactly the bytes the layer was built from, so a file that changes on disk cannot give a
/// hash of other bytes than were parsed.
pub fn layer_sha256(file: &formats::InputFile) -> String {
    let mut h = Sha256::new();
    for (ext, bytes) in file.parts() {
        h.update(ext);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Layer {
    /// Read the layer's file, reproject every feature once into `working_crs`, index it.
    pub fn load(config: &LayerConfig, working_crs: &str) -> LayerResult<Layer> {
        // Read once: the hash and the features come from the same bytes.
        let file = formats::InputFile::read_layer(&config.path)?;
        let sha256 = layer_sha256(&file);
        let table = formats::parse_features(&file)?;
        Layer::from_table(config, table, working_crs, sha256)
    }

    /// Build a layer from a table already read (e.g. an upload).
    pub fn from_table(
        config: &LayerConfig,
        table: FeatureTable,
        working_crs: &str,
        sha256: String,
    ) -> LayerResult<Layer> {
        let source_crs = match (&table.crs, &config.crs) {
            (Some(c), _) => c.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => {
                return Err(LayerError::NoCrs {
                    layer: config.name.clone(),
                    file: config.path.clone(),
                })
            }
        };
        let reproject =
            Reprojector::new(&source_crs, working_crs).map_err(|source| LayerError::Crs {
                layer: config.name.clone(),
                file: config.path.clone(),
                source: Box::new(source),
            })?;
        let missing = |key: &'static str, field: &str| LayerError::Field {
            layer: config.name.clone(),
            file: config.path.clone(),
            key,
            field: field.to_string(),
            fields: table.fields.clone(),
        };
        let id_idx = match &config.id_field {
            Some(f) => Some(table.field_index(f).ok_or_else(|| missing("id_field", f))?),
            None => None,
        };
        for (key, f) in config.rule.fields() {
            if table.field_index(f).is_none() {
                return Err(missing(key, f));
            }
        }
        let mut features = Vec::with_capacity(table.features.len());
        for (i, raw) in table.features.into_iter().enumerate() {
            let geometry = match raw.geometry {
                geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
                geo::Geometry::MultiPolygon(mp) => mp,
                other => {
                    return Err(LayerError::NotPolygon {
                        layer: config.name.clone(),
                        file: config.path.clone(),
                        feature: i + 1,
                        kind: formats::geometry_kind(&other),
                    })
                }
            };
            let id = id_idx
                .and_then(|k| raw.values.get(k))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| (i + 1).to_string());
            features.push(Feature {
                id,
                geometry,
                values: raw.values,
            });
        }
        if !reproject.is_identity() {
            reproject_features(&mut features, &source_crs, working_crs, config)?;
        }
        let entries: Vec<IndexEntry> = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| crate::geometry::index_entry(&f.geometry, i))
            .collect();
        let prepared = {
            use rayon::prelude::*;
            features
                .par_iter()
                .map(|f| {
                    (vertex_count(&f.geometry) > CLIP_ABOVE_VERTICES)
                        .then(|| PreparedPolygon::new(&f.geometry))
                })
                .collect()
        };
        Ok(Layer {
            config: config.clone(),
            fields: table.fields,
            features,
            index: RTree::bulk_load(entries),
            prepared,
            sha256,
            source_crs,
            encoding: table.encoding,
        })
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when the layer has no feature.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Indices of the features whose envelope meets the box `[min, max]`, in ascending order.
    pub fn candidates(&self, min: [f64; 2], max: [f64; 2]) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&AABB::from_corners(min, max))
            .map(|e| e.data)
            .collect();
        v.sort_unstable();
        v
    }

    /// The features that meet a CGCS2000 lon/lat box, in lon/lat, at most `max` of them (in
    /// feature order). The box's outline is densified and projected into the working CRS, so
    /// its envelope there holds the whole box.
    ///
    /// A box that cannot be projected is an input error naming `bbox`; a feature that cannot be
    /// projected back is [`LayerError::Reprojection`] (internal: the layer loaded, so it should
    /// convert).
    pub fn features_in_lonlat_box(
        &self,
        working_crs: &str,
        bbox: LonLatBox,
        max: usize,
    ) -> LayerResult<BoxFeatures> {
        let internal = |source: CrsError| LayerError::Reprojection {
            layer: self.config.name.clone(),
            source: Box::new(source),
        };
        let to_w = Reprojector::new(crate::crs::CGCS2000, working_crs).map_err(internal)?;
        let to_ll = Reprojector::new(working_crs, crate::crs::CGCS2000).map_err(internal)?;
        let LonLatBox {
            min_lon: a,
            min_lat: b,
            max_lon: c,
            max_lat: d,
        } = bbox;
        let mut min = [f64::INFINITY; 2];
        let mut max_w = [f64::NEG_INFINITY; 2];
        for i in 0..=16 {
            let t = f64::from(i) / 16.0;
            for (lon, lat) in [
                (a + (c - a) * t, b),
                (a + (c - a) * t, d),
                (a, b + (d - b) * t),
                (c, b + (d - b) * t),
            ] {
                let (x, y) = to_w.point(lon, lat).map_err(|e| {
                    InputError::new(
                        "bbox",
                        0,
                        format!("无法转换到工作坐标系 (cannot project): {e}"),
                    )
                })?;
                min = [min[0].min(x), min[1].min(y)];
                max_w = [max_w[0].max(x), max_w[1].max(y)];
            }
        }
        let cands = self.candidates(min, max_w);
        let truncated = cands.len() > max;
        let mut features = Vec::new();
        for i in cands.into_iter().take(max) {
            let f = &self.features[i];
            let mut g = f.geometry.clone();
            to_ll.geometry_in_place(&mut g).map_err(internal)?;
            let properties: serde_json::Map<String, serde_json::Value> = self
                .fields
                .iter()
                .zip(&f.values)
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            features.push(geojson::Feature {
                bbox: None,
                geometry: Some(geojson::Geometry::new(geojson::Value::from(&g))),
                id: Some(geojson::feature::Id::String(f.id.clone())),
                properties: Some(properties),
                foreign_members: None,
            });
        }
        Ok(BoxFeatures {
            features,
            truncated,
        })
    }

    /// The value of attribute `field` of feature `i` (case-insensitive field name).
    pub fn attr(&self, i: usize, field: &str) -> Option<&str> {
        let k = self
            .fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case(field))?;
        self.features
            .get(i)?
            .values
            .get(k)
            .map(std::string::String::as_str)
    }
}

/// Reproject every feature into `working_crs`, in parallel: the features are cut into a few
/// runs of about equal vertex counts, one per worker, each with its own converter (PROJ
/// handles are not `Send`). An error names the feature.
fn reproject_features(
    features: &mut [Feature],
    from: &str,
    to: &str,
    config: &LayerConfig,
) -> LayerResult<()> {
    use rayon::prelude::*;
    let total: usize = features.iter().map(|f| vertex_count(&f.geometry)).sum();
    let runs = (rayon::current_num_threads() * 2).max(1);
    let per_run = total / runs + 1;
    // Cut into runs: (index of the first feature, the run's features).
    let mut pieces: Vec<(usize, &mut [Feature])> = Vec::new();
    let (mut rest, mut first) = (features, 0usize);
    while !rest.is_empty() {
        let mut n = 0;
        let mut vertices = 0;
        while n < rest.len() && (n == 0 || vertices < per_run) {
            vertices += vertex_count(&rest[n].geometry);
            n += 1;
        }
        let (head, tail) = rest.split_at_mut(n);
        pieces.push((first, head));
        first += n;
        rest = tail;
    }
    pieces.into_par_iter().try_for_each(|(first, run)| {
        let r = Reprojector::new(from, to).map_err(|source| LayerError::Crs {
            layer: config.name.clone(),
            file: config.path.clone(),
            source: Box::new(source),
        })?;
        for (k, f) in run.iter_mut().enumerate() {
            r.geometry_in_place(&mut f.geometry)
                .map_err(|source| LayerError::FeatureCrs {
                    layer: config.name.clone(),
                    file: config.path.clone(),
                    feature: first + k + 1,
                    source: Box::new(source),
                })?;
        }
        Ok(())
    })
}

/// Load several layers in parallel (each thread builds its own PROJ handle).
pub fn load_all(configs: &[&LayerConfig], working_crs: &str) -> LayerResult<Vec<Layer>> {
    use rayon::prelude::*;
    configs
        .par_iter()
        .map(|c| Layer::load(c, working_crs))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::formats::RawFeature;
    use geo::{polygon, Geometry};
    use std::path::Path;

    fn layer_config(dir: &Path) -> LayerConfig {
        std::fs::write(dir.join("l.geojson"), "{}").expect("write");
        let text = "working_crs = \"EPSG:4527\"\n[[layer]]\nname = \"l\"\npath = \"l.geojson\"\nrule = \"forbid\"\ncrs = \"EPSG:4490\"\n";
        let config = Config::parse(text, &dir.join("p.toml")).expect("config");
        config.layers[0].clone()
    }

    fn table(bad: Option<usize>) -> FeatureTable {
        let features = (0..300)
            .map(|i| {
                let (x, y) = (117.0 + i as f64 * 1e-3, if Some(i) == bad { f64::NAN } else { 29.3 });
                RawFeature {
                    geometry: Geometry::Polygon(polygon![
                        (x: x, y: y), (x: x + 1e-4, y: y), (x: x + 1e-4, y: y + 1e-4), (x: x, y: y + 1e-4),
                    ]),
                    values: vec![],
                }
            })
            .collect();
        FeatureTable {
            crs: None,
            fields: vec![],
            features,
            encoding: None,
        }
    }

    /// The features are reprojected in parallel runs: each lands exactly where one converter
    /// puts it, in its own place, and a feature that cannot be converted is named.
    #[test]
    fn parallel_reprojection_is_exact_and_names_the_bad_feature() {
        let d = tempfile::tempdir().expect("tempdir");
        let config = layer_config(d.path());
        let one = Reprojector::new("EPSG:4490", "EPSG:4527").expect("proj");
        let layer =
            Layer::from_table(&config, table(None), "EPSG:4527", "x".into()).expect("layer");
        assert_eq!(layer.len(), 300);
        for (i, f) in layer.features.iter().enumerate() {
            let first = f.geometry.0[0].exterior().0[0];
            let (x, y) = one.point(117.0 + i as f64 * 1e-3, 29.3).expect("point");
            assert_eq!((first.x, first.y), (x, y), "feature {}", i + 1);
        }
        let err =
            Layer::from_table(&config, table(Some(149)), "EPSG:4527", "x".into()).expect_err("NaN");
        assert!(err.to_string().contains("要素 150"), "{err}");
    }
}
