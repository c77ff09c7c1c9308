//! File formats, one module each. Readers take bytes (an [`InputFile`]: a display name and the
//! bytes of its files) and return data in the file's own CRS; the caller reprojects once (see
//! [`crate::crs`]). [`InputFile::read_layer`] and its siblings read one from disk,
//! [`zip::shapefiles`] from a zip in memory.
//!
//! * [`txt`]: the ministry's parcel coordinate exchange format (界址点坐标交换格式).
//! * [`shapefile`]: polygons, multipolygons and points with GBK/UTF-8 attributes and `.prj`.
//! * [`geojson`]: features in lon/lat (or a legacy `crs` member).
//! * [`clues`]: remote-sensing clue lists (CSV, XLSX, or points/patches from shapefile/GeoJSON).
//! * [`text`]: decoding of GBK / UTF-8 / UTF-16 text.
//! * [`zip`]: zipped shapefiles, checked and read in memory.

pub mod clues;
pub mod convert;
pub mod geojson;
pub mod shapefile;
pub mod text;
pub mod txt;
pub mod units;
pub mod zip;

use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, InputError};
use crate::Parcel;

/// What can go wrong reading or writing a file.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// A problem of the file's content at a known place (`file:line:column: …`).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A file of a kind this reader does not read.
    #[error("{}: 不支持的{what}格式 (unsupported {what_en} format): use {supported}", .file.display())]
    Unsupported {
        /// The file.
        file: PathBuf,
        /// What the file was for, in Chinese (`图层`, `地块文件`, `线索清单`).
        what: &'static str,
        /// The same in English.
        what_en: &'static str,
        /// The formats that are read, e.g. `.txt, .shp or .geojson`.
        supported: &'static str,
    },
    /// A zip whose entries would unpack to more than the limits allow.
    #[error("{}: {message}", .file.display())]
    TooLarge {
        /// The zip.
        file: PathBuf,
        /// What is too large.
        message: String,
    },
    /// A zip entry with an absolute path or `..`: refused before anything is read.
    #[error("{}: zip 中有不安全的路径 {entry:?} (absolute path or `..` in the zip)", .file.display())]
    UnsafeZipPath {
        /// The zip.
        file: PathBuf,
        /// The entry's name.
        entry: String,
    },
    /// The CRS a file declares cannot be used.
    #[error("{}: {source}", .file.display())]
    Crs {
        /// The file.
        file: PathBuf,
        /// Why.
        #[source]
        source: Box<crate::crs::CrsError>,
    },
    /// Reading or writing a file on disk failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

/// Result with [`FormatError`].
pub type FormatResult<T> = std::result::Result<T, FormatError>;

impl FormatError {
    /// A problem of `file` at `line` (0 = unknown).
    pub fn input(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        FormatError::Input(InputError::new(file, line, message))
    }

    /// A failed read or write of `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FormatError::Io {
            path: path.into(),
            source,
        }
    }

    /// Whose problem this is: a file's content is the sender's; a disk failure is ours.
    pub fn kind(&self) -> ErrorKind {
        match self {
            FormatError::Input(_) | FormatError::Unsupported { .. } | FormatError::Crs { .. } => {
                ErrorKind::Input
            }
            FormatError::TooLarge { .. } => ErrorKind::TooLarge,
            FormatError::UnsafeZipPath { .. } => ErrorKind::BadRequest,
            FormatError::Io { .. } => ErrorKind::Internal,
        }
    }
}

/// Read a whole file, naming it in the error.
pub fn read_file(path: &Path) -> FormatResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| FormatError::io(path, e))
}

/// Write a whole file, naming it in the error.
pub fn write_file(path: &Path, bytes: &[u8]) -> FormatResult<()> {
    std::fs::write(path, bytes).map_err(|e| FormatError::io(path, e))
}

/// A table of features as read from a layer file: geometry plus attribute values as text.
#[derive(Clone, Debug, Default)]
pub struct FeatureTable {
    /// The CRS the file declares: `EPSG:4490` for GeoJSON, the `.prj` WKT for a shapefile,
    /// `None` when the file says nothing.
    pub crs: Option<String>,
    /// Attribute field names, in file order.
    pub fields: Vec<String>,
    /// The features, in file order.
    pub features: Vec<RawFeature>,
    /// Which text encoding the attributes were decoded with (e.g. `GBK`, `UTF-8`), and why.
    pub encoding: Option<String>,
}

/// One feature: its geometry in the file's CRS and its attribute values (same order as
/// [`FeatureTable::fields`]; missing values are empty strings).
#[derive(Clone, Debug)]
pub struct RawFeature {
    /// The geometry, in the file's CRS.
    pub geometry: geo::Geometry<f64>,
    /// The attribute values as text.
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

/// The kinds of file the readers know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The parcel coordinate exchange TXT.
    Txt,
    /// A shapefile (`.shp` with its side-cars).
    Shapefile,
    /// GeoJSON.
    GeoJson,
    /// A CSV (or TSV) clue list.
    Csv,
    /// An XLSX clue list.
    Xlsx,
}

impl Kind {
    /// The kind of `path` from its extension (case-insensitive). This is the one place where
    /// an extension decides a format.
    pub fn of(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Kind::Txt),
            "shp" => Some(Kind::Shapefile),
            "geojson" | "json" => Some(Kind::GeoJson),
            "csv" | "tsv" => Some(Kind::Csv),
            "xlsx" => Some(Kind::Xlsx),
            _ => None,
        }
    }
}

/// One input data set in memory: the name it goes by in messages and `source` fields, its kind,
/// and the bytes of its files.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The file's name as the user gave it (a path on the command line, the client's file name
    /// of an upload, `a.zip/parcels.shp` for a zip entry).
    pub name: PathBuf,
    /// What it is.
    pub kind: Kind,
    /// The bytes (of the `.shp` for a shapefile).
    pub bytes: Vec<u8>,
    /// A shapefile's side-cars, when present.
    pub sidecars: Sidecars,
}

/// The side-car files of a shapefile (the `.shx` is not read, but kept, so that a stored copy
/// of an upload has every file and the same sha256).
#[derive(Clone, Debug, Default)]
pub struct Sidecars {
    /// The record index (`.shx`).
    pub shx: Option<Vec<u8>>,
    /// The attributes (`.dbf`).
    pub dbf: Option<Vec<u8>>,
    /// The CRS (`.prj`).
    pub prj: Option<Vec<u8>>,
    /// The attribute encoding (`.cpg`).
    pub cpg: Option<Vec<u8>>,
}

impl InputFile {
    /// A file given as bytes.
    pub fn new(name: impl Into<PathBuf>, kind: Kind, bytes: Vec<u8>) -> Self {
        InputFile {
            name: name.into(),
            kind,
            bytes,
            sidecars: Sidecars::default(),
        }
    }

    /// Read `path` (and, for a shapefile, its side-cars) from disk; the kind comes from the
    /// extension. `what`/`what_en`/`supported` word the error for an unknown extension.
    fn read_as(
        path: &Path,
        accept: &[Kind],
        what: &'static str,
        what_en: &'static str,
        supported: &'static str,
    ) -> FormatResult<Self> {
        let kind = Kind::of(path)
            .filter(|k| accept.contains(k))
            .ok_or_else(|| FormatError::Unsupported {
                file: path.to_path_buf(),
                what,
                what_en,
                supported,
            })?;
        let bytes = read_file(path)?;
        let mut sidecars = Sidecars::default();
        if kind == Kind::Shapefile {
            let side = |ext: &str| -> FormatResult<Option<Vec<u8>>> {
                let p = sidecar(path, ext);
                if p.exists() {
                    read_file(&p).map(Some)
                } else {
                    Ok(None)
                }
            };
            sidecars = Sidecars {
                shx: side("shx")?,
                dbf: side("dbf")?,
                prj: side("prj")?,
                cpg: side("cpg")?,
            };
        }
        Ok(InputFile {
            name: path.to_path_buf(),
            kind,
            bytes,
            sidecars,
        })
    }

    /// Read a layer file (shapefile or GeoJSON) from disk.
    pub fn read_layer(path: &Path) -> FormatResult<Self> {
        Self::read_as(
            path,
            &[Kind::Shapefile, Kind::GeoJson],
            "图层",
            "layer",
            ".shp or .geojson",
        )
    }

    /// Read a parcel file (TXT, shapefile or GeoJSON) from disk.
    pub fn read_parcels(path: &Path) -> FormatResult<Self> {
        Self::read_as(
            path,
            &[Kind::Txt, Kind::Shapefile, Kind::GeoJson],
            "地块文件",
            "parcel",
            ".txt, .shp or .geojson",
        )
    }

    /// Read a clue list (CSV, XLSX, shapefile or GeoJSON) from disk.
    pub fn read_clues(path: &Path) -> FormatResult<Self> {
        Self::read_as(
            path,
            &[Kind::Csv, Kind::Xlsx, Kind::Shapefile, Kind::GeoJson],
            "线索清单",
            "clue list",
            ".csv, .xlsx, .shp or .geojson",
        )
    }

    /// (extension, bytes) of every file of the data set, the main file first, then a
    /// shapefile's `.shx`, `.dbf`, `.prj` and `.cpg` where present.
    pub fn parts(&self) -> Vec<(String, &[u8])> {
        let main = self
            .name
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut out = vec![(main, self.bytes.as_slice())];
        let s = &self.sidecars;
        for (ext, bytes) in [
            ("shx", &s.shx),
            ("dbf", &s.dbf),
            ("prj", &s.prj),
            ("cpg", &s.cpg),
        ] {
            if let Some(b) = bytes {
                out.push((ext.to_string(), b.as_slice()));
            }
        }
        out
    }

    /// The file name of [`InputFile::name`], for `source` fields (`batch.txt#2`).
    pub fn display_name(&self) -> String {
        display_name(&self.name)
    }
}

/// The path of a side-car file (`.dbf`, `.prj` …) of `shp`, preferring an existing file whose
/// extension differs only in case (`.DBF`).
pub fn sidecar(shp: &Path, ext: &str) -> PathBuf {
    let lower = shp.with_extension(ext);
    if lower.exists() {
        return lower;
    }
    let upper = shp.with_extension(ext.to_ascii_uppercase());
    if upper.exists() {
        upper
    } else {
        lower
    }
}

/// Read the features of a layer file in memory (shapefile or GeoJSON).
pub fn parse_features(file: &InputFile) -> FormatResult<FeatureTable> {
    match file.kind {
        Kind::Shapefile => shapefile::parse(file),
        Kind::GeoJson => geojson::parse(&file.bytes, &file.name),
        _ => Err(FormatError::Unsupported {
            file: file.name.clone(),
            what: "图层",
            what_en: "layer",
            supported: ".shp or .geojson",
        }),
    }
}

/// Read a layer file from disk (shapefile or GeoJSON).
pub fn read_features(path: &Path) -> FormatResult<FeatureTable> {
    parse_features(&InputFile::read_layer(path)?)
}

/// Read the parcels of a file in memory (TXT, shapefile or GeoJSON).
pub fn parse_parcels(file: &InputFile) -> FormatResult<Vec<Parcel>> {
    match file.kind {
        Kind::Txt => txt::parse(&file.bytes, &file.name),
        Kind::Shapefile | Kind::GeoJson => {
            let table = parse_features(file)?;
            parcels_from_table(&file.name, &table)
        }
        _ => Err(FormatError::Unsupported {
            file: file.name.clone(),
            what: "地块文件",
            what_en: "parcel",
            supported: ".txt, .shp or .geojson",
        }),
    }
}

/// Read parcels from a TXT, shapefile or GeoJSON file on disk.
pub fn read_parcels(path: &Path) -> FormatResult<Vec<Parcel>> {
    parse_parcels(&InputFile::read_parcels(path)?)
}

/// Turn polygon features into parcels. Point names are generated per ring (J1, J2, …), the id
/// comes from a field named like an id (DKBH, BSM, id …) or the position, the name from a name
/// field (DKMC, name …), the declared area from an area field in m² (MJ, area_m2 …).
pub fn parcels_from_table(path: &Path, table: &FeatureTable) -> FormatResult<Vec<Parcel>> {
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
                return Err(FormatError::input(
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
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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
                .map(str::to_ascii_lowercase);
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
