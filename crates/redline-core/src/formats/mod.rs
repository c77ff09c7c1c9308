//! File formats, one module each. Readers return data in the file's own CRS; the caller
//! reprojects once (see [`crate::crs`]).
//!
//! * [`txt`]: the ministry's parcel coordinate exchange format (界址点坐标交换格式).
//! * [`shapefile`]: polygons, multipolygons and points with GBK/UTF-8 attributes and `.prj`.
//! * [`geojson`]: features in lon/lat (or a legacy `crs` member).
//! * [`clues`]: remote-sensing clue lists (CSV, XLSX, or points/patches from shapefile/GeoJSON).
//! * [`text`]: decoding of GBK / UTF-8 / UTF-16 text.

pub mod clues;
pub mod convert;
pub mod geojson;
pub mod shapefile;
pub mod text;
pub mod txt;

use std::path::Path;

use crate::{Error, Parcel, Result};

/// A table of features as read from a layer file: geometry plus attribute values as text.
#[derive(Clone, Debug, Default)]
pub struct FeatureTable {
    /// The CRS the file declares: `EPSG:4490` for GeoJSON, the `.prj` WKT for a shapefile,
    /// `None` when the file says nothing.
    pub crs: Option<String>,
    /// Attribute field names, in file order.
    pub fields: Vec<String>,
    pub features: Vec<RawFeature>,
    /// Which text encoding the attributes were decoded with (e.g. `GBK`, `UTF-8`), and why.
    pub encoding: Option<String>,
}

/// One feature: its geometry in the file's CRS and its attribute values (same order as
/// [`FeatureTable::fields`]; missing values are empty strings).
#[derive(Clone, Debug)]
pub struct RawFeature {
    pub geometry: geo::Geometry<f64>,
    pub values: Vec<String>,
}

impl FeatureTable {
    /// The index of a field by name (case-insensitive).
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case(name))
    }
}

/// The kinds of file the readers know, by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Txt,
    Shapefile,
    GeoJson,
    Csv,
    Xlsx,
}

impl Kind {
    /// The kind of `path` from its extension (case-insensitive).
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Kind::Txt),
            "shp" => Some(Kind::Shapefile),
            "geojson" | "json" => Some(Kind::GeoJson),
            "csv" => Some(Kind::Csv),
            "xlsx" => Some(Kind::Xlsx),
            _ => None,
        }
    }
}

/// Read a layer file (shapefile or GeoJSON).
pub fn read_features(path: &Path) -> Result<FeatureTable> {
    match Kind::of(path) {
        Some(Kind::Shapefile) => shapefile::read(path),
        Some(Kind::GeoJson) => geojson::read(path),
        _ => Err(Error::input(
            path,
            0,
            "不支持的图层格式 (unsupported layer format): use .shp or .geojson",
        )),
    }
}

/// Read parcels from a TXT, shapefile or GeoJSON file.
pub fn read_parcels(path: &Path) -> Result<Vec<Parcel>> {
    match Kind::of(path) {
        Some(Kind::Txt) => txt::read(path),
        Some(Kind::Shapefile) | Some(Kind::GeoJson) => {
            let table = read_features(path)?;
            parcels_from_table(path, &table)
        }
        _ => Err(Error::input(
            path,
            0,
            "不支持的地块文件格式 (unsupported parcel format): use .txt, .shp or .geojson",
        )),
    }
}

/// Turn polygon features into parcels. Point names are generated per ring (J1, J2, …), the id
/// comes from a field named like an id (DKBH, BSM, id …) or the position, the name from a name
/// field (DKMC, name …), the declared area from an area field in m² (MJ, area_m2 …).
pub fn parcels_from_table(path: &Path, table: &FeatureTable) -> Result<Vec<Parcel>> {
    let file_name = display_name(path);
    let pick = |names: &[&str]| names.iter().find_map(|n| table.field_index(n));
    let id_idx = pick(&["DKBH", "BSM", "id", "parcel_id", "ID"]);
    let name_idx = pick(&["DKMC", "name", "NAME", "QLR"]);
    let area_idx = pick(&["MJ", "area_m2", "SBMJ"]);
    let class_idx = pick(&["DLBM", "class_code"]);
    let mut out = Vec::new();
    for (i, f) in table.features.iter().enumerate() {
        let pos = i + 1;
        let get = |idx: Option<usize>| {
            idx.and_then(|k| f.values.get(k))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let id = get(id_idx).unwrap_or_else(|| format!("{file_name}#{pos}"));
        let name = get(name_idx).unwrap_or_default();
        let mut parcel = Parcel::new(id, name, format!("{file_name}#{pos}"));
        parcel.crs = table.crs.clone();
        parcel.declared_area_m2 = get(area_idx).and_then(|s| s.parse::<f64>().ok());
        parcel.class_code = get(class_idx);
        let polygons: Vec<geo::Polygon<f64>> = match &f.geometry {
            geo::Geometry::Polygon(p) => vec![p.clone()],
            geo::Geometry::MultiPolygon(mp) => mp.0.clone(),
            other => {
                return Err(Error::input(
                    path,
                    0,
                    format!(
                        "要素 {pos} 不是面 (feature {pos} is not a polygon: {})",
                        geometry_kind(other)
                    ),
                ))
            }
        };
        let mut ring_no = 0u32;
        for poly in &polygons {
            let outer_index = parcel.rings.len();
            let rings = std::iter::once(poly.exterior()).chain(poly.interiors().iter());
            for (k, ls) in rings.enumerate() {
                ring_no += 1;
                let points = ls
                    .coords()
                    .enumerate()
                    .map(|(j, c)| crate::BoundaryPoint {
                        name: format!("J{}", j + 1),
                        x: c.x,
                        y: c.y,
                        line: 0,
                    })
                    .collect();
                parcel.rings.push(crate::Ring {
                    number: ring_no,
                    points,
                });
                parcel.roles.push(match (k, outer_index) {
                    (0, 0) => crate::parcel::RingRole::Outer,
                    (0, _) => crate::parcel::RingRole::Part,
                    _ => crate::parcel::RingRole::Hole { outer: outer_index },
                });
            }
        }
        out.push(parcel);
    }
    Ok(out)
}

/// The file name of `path` for messages and `source` fields.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A short name of the geometry type for messages.
pub fn geometry_kind(g: &geo::Geometry<f64>) -> &'static str {
    match g {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::Line(_) => "Line",
        geo::Geometry::LineString(_) => "LineString",
        geo::Geometry::Polygon(_) => "Polygon",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
        geo::Geometry::Rect(_) => "Rect",
        geo::Geometry::Triangle(_) => "Triangle",
    }
}

/// Drop a shapefile's side-car files (`.dbf .shx .prj .cpg .sbn .sbx .qix .xml`) from a list
/// of inputs when their `.shp` exists, so that `parcels/*` names each data set once.
pub fn skip_sidecars(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    const SIDECARS: [&str; 8] = ["dbf", "shx", "prj", "cpg", "sbn", "sbx", "qix", "xml"];
    paths
        .iter()
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase());
            match ext {
                Some(e) if SIDECARS.contains(&e.as_str()) => {
                    let shp = p.with_extension("shp");
                    let upper = p.with_extension("SHP");
                    !(shp.exists() || upper.exists())
                }
                _ => true,
            }
        })
        .cloned()
        .collect()
}
