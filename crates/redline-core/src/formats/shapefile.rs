//! Shapefiles: `.shp` + `.dbf` (+ `.prj`, `.cpg`).
//!
//! The `.shp` and `.dbf` parts are read and written here directly (both are simple fixed-layout
//! binary formats) so that every count read from a file is checked against the file size before
//! anything is allocated, and so that attribute text is decoded exactly once, in a known encoding:
//!
//! * `.cpg` (`GBK`, `CP936`, `936`, `GB2312`, `GB18030`, `UTF-8`, `UTF8`, `65001`), else
//! * the DBF language driver byte at offset 29 (`0x4D` or `0x7A` = GBK), else
//! * UTF-8 when every text field is valid UTF-8, GBK otherwise.
//!
//! A value that does not decode in the chosen encoding is an error naming the record; nothing
//! is replaced silently. See DOMAIN §3.

use std::path::Path;

use geo::{Coord, LineString, MultiPoint, MultiPolygon, Point, Polygon};

use super::{geometry_kind, sidecar, FeatureTable, InputFile, RawFeature, Sidecars};
use crate::formats::{FormatError, FormatResult};

/// ArcGIS-style `.prj` for CGCS2000 3° Gauss-Krüger zone 39 with zone prefix (EPSG:4527).
pub const PRJ_4527_ESRI: &str = concat!(
    r#"PROJCS["CGCS2000_3_Degree_GK_Zone_39","#,
    r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000","#,
    r#"DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],"#,
    r#"PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],"#,
    r#"PROJECTION["Gauss_Kruger"],"#,
    r#"PARAMETER["False_Easting",39500000.0],PARAMETER["False_Northing",0.0],"#,
    r#"PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],"#,
    r#"PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#
);

/// ArcGIS-style `.prj` for CGCS2000 geographic coordinates (EPSG:4490).
pub const PRJ_4490_ESRI: &str = concat!(
    r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000","#,
    r#"DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],"#,
    r#"PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#
);

/// Shape type codes of the `.shp` format (ESRI Shapefile Technical Description, 1998).
mod shape_type {
    pub const NULL: i32 = 0;
    pub const POINT: i32 = 1;
    pub const POLYLINE: i32 = 3;
    pub const POLYGON: i32 = 5;
    pub const MULTIPOINT: i32 = 8;
    pub const POINT_Z: i32 = 11;
    pub const POLYLINE_Z: i32 = 13;
    pub const POLYGON_Z: i32 = 15;
    pub const MULTIPOINT_Z: i32 = 18;
    pub const POINT_M: i32 = 21;
    pub const POLYLINE_M: i32 = 23;
    pub const POLYGON_M: i32 = 25;
    pub const MULTIPOINT_M: i32 = 28;
    pub const MULTIPATCH: i32 = 31;
}

/// DBF language driver id for code page 936 (GBK).
const LDID_CP936: u8 = 0x4D;
/// Another language driver id used for GBK by some Chinese software.
const LDID_GBK_ALT: u8 = 0x7A;

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Text encoding for the DBF attributes of a written shapefile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbfEncoding {
    /// UTF-8: `.cpg` `UTF-8`, DBF language byte 0.
    Utf8,
    /// GBK: `.cpg` `GBK` and the DBF language byte of code page 936, for older Chinese GIS tools.
    Gbk,
}

impl DbfEncoding {
    /// The text written to the `.cpg` file.
    pub fn cpg(self) -> &'static str {
        match self {
            DbfEncoding::Utf8 => "UTF-8",
            DbfEncoding::Gbk => "GBK",
        }
    }

    /// The DBF language driver id written at offset 29.
    fn language_driver(self) -> u8 {
        match self {
            DbfEncoding::Utf8 => 0,
            DbfEncoding::Gbk => LDID_CP936,
        }
    }

    /// Encode `text`, or `None` when a character has no representation in the encoding.
    fn encode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            DbfEncoding::Utf8 => Some(text.as_bytes().to_vec()),
            DbfEncoding::Gbk => {
                let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
                (!had_errors).then(|| bytes.into_owned())
            }
        }
    }
}

/// The one kind of geometry a shapefile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WriteKind {
    Polygon,
    Point,
    MultiPoint,
}

impl WriteKind {
    fn of(g: &geo::Geometry<f64>) -> Option<WriteKind> {
        match g {
            geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) => Some(WriteKind::Polygon),
            geo::Geometry::Point(_) => Some(WriteKind::Point),
            geo::Geometry::MultiPoint(_) => Some(WriteKind::MultiPoint),
            _ => None,
        }
    }

    fn code(self) -> i32 {
        match self {
            WriteKind::Polygon => shape_type::POLYGON,
            WriteKind::Point => shape_type::POINT,
            WriteKind::MultiPoint => shape_type::MULTIPOINT,
        }
    }
}

/// How a shapefile is written besides its features: the attribute encoding, the `.prj` text
/// and the "last update" date of the DBF header. The caller chooses the date, so that no written
/// byte depends on the clock unless the caller wants it to (an export stamps its own day; the
/// fixture generator pins one).
#[derive(Clone, Copy, Debug)]
pub struct WriteOptions<'a> {
    /// The encoding of the DBF text (field names and values).
    pub encoding: DbfEncoding,
    /// Written as the `.prj`; `None` removes a stale `.prj` of the same name.
    pub prj_wkt: Option<&'a str>,
    /// The DBF header's date of last update (bytes 1–3: year − 1900, month, day).
    pub last_update: chrono::NaiveDate,
}

/// Write a shapefile (`.shp .shx .dbf .prj .cpg`) as [`WriteOptions`] say.
///
/// Polygons and multipolygons are written as shape type 5 with the outer rings clockwise and
/// the holes counter-clockwise; points as type 1 and multipoints as type 8. All features must be
/// of one of these three kinds. Every attribute is a character field as wide as its longest
/// encoded value (1–254 bytes); field names may be at most 10 bytes in the chosen encoding.
pub fn write(path: &Path, table: &FeatureTable, options: WriteOptions<'_>) -> FormatResult<()> {
    let files = encode(path, table, options)?;
    for (ext, bytes) in files.parts() {
        super::write_file(&path.with_extension(ext), bytes)?;
    }
    if files.prj.is_none() {
        // A `.prj` left over from an earlier file of the same name would be wrong now.
        let prj = path.with_extension("prj");
        match std::fs::remove_file(&prj) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(FormatError::io(&prj, e))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The files of a shapefile, in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapefileBytes {
    /// The geometries.
    pub shp: Vec<u8>,
    /// The index of the geometries.
    pub shx: Vec<u8>,
    /// The attributes.
    pub dbf: Vec<u8>,
    /// The attribute encoding (`GBK`, `UTF-8`).
    pub cpg: Vec<u8>,
    /// The CRS, when one was given.
    pub prj: Option<Vec<u8>>,
}

impl ShapefileBytes {
    /// (extension, bytes) of every file, `.shp` first.
    pub fn parts(&self) -> Vec<(&'static str, &[u8])> {
        let mut out = vec![
            ("shp", self.shp.as_slice()),
            ("shx", self.shx.as_slice()),
            ("dbf", self.dbf.as_slice()),
            ("prj", &[][..]),
            ("cpg", self.cpg.as_slice()),
        ];
        match &self.prj {
            Some(p) => out[3].1 = p.as_slice(),
            None => {
                out.remove(3);
            }
        }
        out
    }
}

/// Encode a shapefile in memory (see [`write()`]); `path` names it in errors.
pub fn encode(
    path: &Path,
    table: &FeatureTable,
    options: WriteOptions<'_>,
) -> FormatResult<ShapefileBytes> {
    let WriteOptions {
        encoding,
        prj_wkt,
        last_update,
    } = options;
    let kind = write_kind(path, table)?;
    let mut shp = Vec::new();
    let mut shx = Vec::new();
    let mut bbox: Option<[f64; 4]> = None;
    for (i, f) in table.features.iter().enumerate() {
        let content = shape_content(path, i + 1, &f.geometry)?;
        if let Some(b) = content_bbox(&f.geometry) {
            bbox = Some(match bbox {
                None => b,
                Some(a) => [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ],
            });
        }
        let offset_words = (100 + shp.len()) / 2;
        let len_words = content.len() / 2;
        let record_number = i32::try_from(i + 1).map_err(|_| {
            FormatError::input(path, 0, "要素过多 (too many features for a shapefile)")
        })?;
        shp.extend_from_slice(&record_number.to_be_bytes());
        shp.extend_from_slice(&word_count(path, len_words)?.to_be_bytes());
        shp.extend_from_slice(&content);
        shx.extend_from_slice(&word_count(path, offset_words)?.to_be_bytes());
        shx.extend_from_slice(&word_count(path, len_words)?.to_be_bytes());
    }
    let bbox = bbox.unwrap_or([0.0; 4]);
    let code = if table.features.is_empty() {
        shape_type::NULL
    } else {
        kind.code()
    };
    let mut shp_file = main_header(path, 100 + shp.len(), code, bbox)?;
    shp_file.extend_from_slice(&shp);
    let mut shx_file = main_header(path, 100 + shx.len(), code, bbox)?;
    shx_file.extend_from_slice(&shx);
    Ok(ShapefileBytes {
        shp: shp_file,
        shx: shx_file,
        dbf: dbf_bytes(path, table, encoding, last_update)?,
        cpg: encoding.cpg().as_bytes().to_vec(),
        prj: prj_wkt.map(|w| w.as_bytes().to_vec()),
    })
}

fn word_count(path: &Path, words: usize) -> FormatResult<i32> {
    i32::try_from(words).map_err(|_| {
        FormatError::input(
            path,
            0,
            "shapefile 超过 2 GB 上限 (shapefile larger than 2 GB)",
        )
    })
}

/// The kind shared by all features, or an error naming the first feature of another kind.
fn write_kind(path: &Path, table: &FeatureTable) -> FormatResult<WriteKind> {
    let mut kind = None;
    for (i, f) in table.features.iter().enumerate() {
        let k = WriteKind::of(&f.geometry).ok_or_else(|| {
            FormatError::input(
                path,
                0,
                format!(
                    "要素 {} 的几何类型 {} 不能写入 shapefile (only polygons, points and multipoints)",
                    i + 1,
                    geometry_kind(&f.geometry)
                ),
            )
        })?;
        match kind {
            None => kind = Some(k),
            Some(first) if first != k => {
                return Err(FormatError::input(
                    path,
                    0,
                    format!(
                        "要素 {} 的几何类型 {} 与第一个要素不同 (all features of a shapefile must be of one kind)",
                        i + 1,
                        geometry_kind(&f.geometry)
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(kind.unwrap_or(WriteKind::Polygon))
}

/// The 100-byte header shared by `.shp` and `.shx`.
fn main_header(path: &Path, file_len: usize, code: i32, bbox: [f64; 4]) -> FormatResult<Vec<u8>> {
    let mut h = Vec::with_capacity(100);
    h.extend_from_slice(&9994i32.to_be_bytes());
    h.extend_from_slice(&[0u8; 20]);
    h.extend_from_slice(&word_count(path, file_len / 2)?.to_be_bytes());
    h.extend_from_slice(&1000i32.to_le_bytes());
    h.extend_from_slice(&code.to_le_bytes());
    for v in bbox {
        h.extend_from_slice(&v.to_le_bytes());
    }
    for _ in 0..4 {
        h.extend_from_slice(&0f64.to_le_bytes());
    }
    Ok(h)
}

fn content_bbox(g: &geo::Geometry<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    g.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

fn push_f64(buf: &mut Vec<u8>, v: f64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn push_i32(buf: &mut Vec<u8>, v: i32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

/// Twice the signed area of a closed ring (shoelace): positive when counter-clockwise.
fn signed_area2(coords: &[Coord<f64>]) -> f64 {
    crate::geometry::ring::twice_signed_area(coords, Coord { x: 0.0, y: 0.0 })
}

/// The ring's coordinates, closed, in the wanted orientation.
fn oriented_ring(ls: &LineString<f64>, clockwise: bool) -> Vec<Coord<f64>> {
    let mut c: Vec<Coord<f64>> = ls.0.clone();
    if c.first() != c.last() {
        if let Some(&first) = c.first() {
            c.push(first);
        }
    }
    let is_cw = signed_area2(&c) < 0.0;
    if is_cw != clockwise {
        c.reverse();
    }
    c
}

/// The record content (shape type onwards) of one feature.
fn shape_content(path: &Path, number: usize, g: &geo::Geometry<f64>) -> FormatResult<Vec<u8>> {
    let check = |coords: &mut dyn Iterator<Item = Coord<f64>>| -> FormatResult<()> {
        for c in coords {
            if !(c.x.is_finite() && c.y.is_finite()) {
                return Err(FormatError::input(
                    path,
                    0,
                    format!(
                        "要素 {number} 含无效坐标 (non-finite coordinate) ({}, {})",
                        c.x, c.y
                    ),
                ));
            }
        }
        Ok(())
    };
    use geo::CoordsIter;
    check(&mut g.coords_iter())?;
    let empty = || {
        FormatError::input(
            path,
            0,
            format!("要素 {number} 的几何为空 (empty geometry)"),
        )
    };
    let mut buf = Vec::new();
    match g {
        geo::Geometry::Point(p) => {
            push_i32(&mut buf, shape_type::POINT);
            push_f64(&mut buf, p.x());
            push_f64(&mut buf, p.y());
        }
        geo::Geometry::MultiPoint(mp) => {
            if mp.0.is_empty() {
                return Err(empty());
            }
            push_i32(&mut buf, shape_type::MULTIPOINT);
            for v in content_bbox(g).unwrap_or([0.0; 4]) {
                push_f64(&mut buf, v);
            }
            push_i32(&mut buf, count_i32(path, mp.0.len())?);
            for p in &mp.0 {
                push_f64(&mut buf, p.x());
                push_f64(&mut buf, p.y());
            }
        }
        geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) => {
            let polys: Vec<&Polygon<f64>> = match g {
                geo::Geometry::Polygon(p) => vec![p],
                geo::Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
                _ => Vec::new(),
            };
            let mut rings: Vec<Vec<Coord<f64>>> = Vec::new();
            for p in polys {
                if p.exterior().0.is_empty() {
                    continue;
                }
                rings.push(oriented_ring(p.exterior(), true));
                for hole in p.interiors() {
                    if !hole.0.is_empty() {
                        rings.push(oriented_ring(hole, false));
                    }
                }
            }
            if rings.is_empty() {
                return Err(empty());
            }
            let total: usize = rings.iter().map(Vec::len).sum();
            push_i32(&mut buf, shape_type::POLYGON);
            for v in content_bbox(g).unwrap_or([0.0; 4]) {
                push_f64(&mut buf, v);
            }
            push_i32(&mut buf, count_i32(path, rings.len())?);
            push_i32(&mut buf, count_i32(path, total)?);
            let mut start = 0usize;
            for r in &rings {
                push_i32(&mut buf, count_i32(path, start)?);
                start += r.len();
            }
            for r in &rings {
                for c in r {
                    push_f64(&mut buf, c.x);
                    push_f64(&mut buf, c.y);
                }
            }
        }
        other => {
            return Err(FormatError::input(
                path,
                0,
                format!(
                    "要素 {number} 的几何类型 {} 不能写入 shapefile",
                    geometry_kind(other)
                ),
            ))
        }
    }
    Ok(buf)
}

fn count_i32(path: &Path, n: usize) -> FormatResult<i32> {
    i32::try_from(n).map_err(|_| FormatError::input(path, 0, "几何过大 (geometry too large)"))
}

/// The whole `.dbf` file: dBase III header, character fields, records, end-of-file marker.
fn dbf_bytes(
    shp_path: &Path,
    table: &FeatureTable,
    encoding: DbfEncoding,
    last_update: chrono::NaiveDate,
) -> FormatResult<Vec<u8>> {
    let dbf_path = shp_path.with_extension("dbf");
    let nfields = table.fields.len();
    if nfields > 255 {
        return Err(FormatError::input(
            &dbf_path,
            0,
            format!("字段过多 (too many fields: {nfields}, at most 255)"),
        ));
    }
    // Field names.
    let mut names: Vec<Vec<u8>> = Vec::with_capacity(nfields);
    for name in &table.fields {
        let bytes = encoding.encode(name).ok_or_else(|| {
            FormatError::input(
                &dbf_path,
                0,
                format!(
                    "字段名 {name} 无法用 {} 编码 (cannot be encoded)",
                    encoding.cpg()
                ),
            )
        })?;
        if bytes.is_empty() || bytes.len() > 10 || bytes.contains(&0) {
            return Err(FormatError::input(
                &dbf_path,
                0,
                format!(
                    "字段名 “{name}” 须为 1–10 字节 (field names are 1 to 10 bytes; this is {})",
                    bytes.len()
                ),
            ));
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(&bytes)) {
            return Err(FormatError::input(
                &dbf_path,
                0,
                format!("字段名 “{name}” 重复 (duplicate field name)"),
            ));
        }
        names.push(bytes);
    }
    // Values, encoded once.
    let mut values: Vec<Vec<Vec<u8>>> = Vec::with_capacity(table.features.len());
    let mut widths = vec![1usize; nfields];
    for (i, f) in table.features.iter().enumerate() {
        if f.values.len() > nfields {
            return Err(FormatError::input(
                &dbf_path,
                0,
                format!(
                    "要素 {} 有 {} 个属性值，但只有 {nfields} 个字段 (more values than fields)",
                    i + 1,
                    f.values.len()
                ),
            ));
        }
        let mut row = Vec::with_capacity(nfields);
        for (k, name) in table.fields.iter().enumerate() {
            let text = f.values.get(k).map_or("", String::as_str);
            let bytes = encoding.encode(text).ok_or_else(|| {
                FormatError::input(
                    &dbf_path,
                    0,
                    format!(
                        "要素 {} 字段 {name} 的值 “{text}” 无法用 {} 编码 (cannot be encoded)",
                        i + 1,
                        encoding.cpg()
                    ),
                )
            })?;
            if bytes.len() > 254 {
                return Err(FormatError::input(
                    &dbf_path,
                    0,
                    format!(
                        "要素 {} 字段 {name} 的值超过 254 字节 (value longer than 254 bytes: {})",
                        i + 1,
                        bytes.len()
                    ),
                ));
            }
            widths[k] = widths[k].max(bytes.len());
            row.push(bytes);
        }
        values.push(row);
    }
    let record_len = 1 + widths.iter().sum::<usize>();
    let header_len = 32 + 32 * nfields + 1;
    let nrecords = u32::try_from(values.len())
        .map_err(|_| FormatError::input(&dbf_path, 0, "记录过多 (too many records)"))?;
    let record_len_u16 = u16::try_from(record_len).map_err(|_| {
        FormatError::input(
            &dbf_path,
            0,
            format!("记录过长 (record length {record_len} > 65535 bytes)"),
        )
    })?;
    let header_len_u16 = u16::try_from(header_len)
        .map_err(|_| FormatError::input(&dbf_path, 0, "字段过多 (too many fields)"))?;

    let mut out = Vec::with_capacity(header_len + record_len * values.len() + 1);
    let (y, m, d) = dbf_date(last_update);
    out.push(0x03);
    out.extend_from_slice(&[y, m, d]);
    out.extend_from_slice(&nrecords.to_le_bytes());
    out.extend_from_slice(&header_len_u16.to_le_bytes());
    out.extend_from_slice(&record_len_u16.to_le_bytes());
    out.extend_from_slice(&[0u8; 17]); // offsets 12..29
    out.push(encoding.language_driver()); // offset 29
    out.extend_from_slice(&[0u8; 2]); // offsets 30, 31
    for (name, &width) in names.iter().zip(&widths) {
        let mut desc = [0u8; 32];
        desc[..name.len()].copy_from_slice(name);
        desc[11] = b'C';
        // Widths are 1..=254 (checked above).
        desc[16] = u8::try_from(width).unwrap_or(254);
        out.extend_from_slice(&desc);
    }
    out.push(0x0D);
    for row in &values {
        out.push(b' ');
        for (bytes, &width) in row.iter().zip(&widths) {
            out.extend_from_slice(bytes);
            out.extend(std::iter::repeat_n(b' ', width - bytes.len()));
        }
    }
    out.push(0x1A);
    Ok(out)
}

/// A date as the DBF header stores it: (year − 1900, month, day); years outside 1900–2155 are
/// clamped.
fn dbf_date(date: chrono::NaiveDate) -> (u8, u8, u8) {
    use chrono::Datelike;
    let y = u8::try_from((date.year() - 1900).clamp(0, 255)).unwrap_or(u8::MAX);
    // month() is 1..=12 and day() 1..=31.
    (y, date.month() as u8, date.day() as u8)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Read a shapefile: polygons (rings sorted into shells and holes), multipolygons and points.
///
/// * Polygon, PolygonZ and PolygonM records: the rings are sorted into shells and holes by
///   containment (a ring inside an odd number of other rings is a hole of the smallest ring
///   containing it), so files with the wrong ring orientation still load; a record with one
///   shell becomes a `Polygon`, with several a `MultiPolygon`. Z and M values are dropped.
/// * Point, PointZ, PointM → `Point`; MultiPoint(Z/M) → `MultiPoint`.
/// * A null shape, a line or a multipatch is an error naming the record number.
///
/// `crs` is the `.prj` WKT (normalised by [`normalize_prj`] so that PROJ accepts it), or `None`.
/// Attributes are decoded as described in the module documentation; every value is text
/// (numbers as written, dates as `YYYY-MM-DD`, logicals as `T`/`F`).
pub fn read(path: &Path) -> FormatResult<FeatureTable> {
    let side = |ext: &str| -> FormatResult<Option<Vec<u8>>> {
        let p = sidecar(path, ext);
        if p.exists() {
            super::read_file(&p).map(Some)
        } else {
            Ok(None)
        }
    };
    let file = InputFile {
        name: path.to_path_buf(),
        kind: super::Kind::Shapefile,
        bytes: super::read_file(path)?,
        sidecars: Sidecars {
            shx: side("shx")?,
            dbf: side("dbf")?,
            prj: side("prj")?,
            cpg: side("cpg")?,
        },
    };
    parse(&file)
}

/// Read a shapefile in memory: the `.shp` bytes and its side-cars (see [`read`]). Messages name
/// the side-cars after the `.shp`'s name (`parcels.dbf`).
pub fn parse(file: &InputFile) -> FormatResult<FeatureTable> {
    let path = file.name.as_path();
    let geometries = read_shp(path, &file.bytes)?;
    let mut table = FeatureTable::default();
    let rows = match &file.sidecars.dbf {
        Some(dbf_bytes) => {
            let dbf_path = path.with_extension("dbf");
            let cpg = file
                .sidecars
                .cpg
                .as_ref()
                .map(|c| String::from_utf8_lossy(c).into_owned());
            let dbf = read_dbf(&dbf_path, dbf_bytes, cpg.as_deref())?;
            if dbf.rows.len() != geometries.len() {
                return Err(FormatError::input(
                    &dbf_path,
                    0,
                    format!(
                        "属性记录数 {} 与图形数 {} 不一致 (the .dbf and .shp disagree on the number of records)",
                        dbf.rows.len(),
                        geometries.len()
                    ),
                ));
            }
            table.fields = dbf.fields;
            table.encoding = Some(dbf.encoding);
            dbf.rows
        }
        None => vec![Vec::new(); geometries.len()],
    };
    table.features = geometries
        .into_iter()
        .zip(rows)
        .map(|(geometry, values)| RawFeature { geometry, values })
        .collect();
    if let Some(prj) = &file.sidecars.prj {
        let wkt = normalize_prj(&String::from_utf8_lossy(prj));
        if !wkt.is_empty() {
            table.crs = Some(wkt);
        }
    }
    Ok(table)
}

/// Normalise `.prj` text so that PROJ accepts it: trims whitespace and a byte-order mark, and
/// drops a trailing ESRI `VERTCS[...]` block (ArcGIS writes `PROJCS[...],VERTCS[...]`, two
/// WKT objects side by side; the vertical datum plays no part in planar checks).
pub fn normalize_prj(text: &str) -> String {
    let t = text.trim_start_matches('\u{feff}').trim();
    // Find the end of the first top-level WKT object.
    let mut depth = 0i32;
    let mut in_quotes = false;
    for (i, ch) in t.char_indices() {
        match ch {
            '"' => in_quotes = !in_quotes,
            '[' | '(' if !in_quotes => depth += 1,
            ']' | ')' if !in_quotes => {
                depth -= 1;
                if depth == 0 {
                    let rest = t[i + 1..].trim_start_matches([',', ' ', '\n', '\r', '\t']);
                    if rest.to_ascii_uppercase().starts_with("VERTCS") {
                        return t[..=i].to_string();
                    }
                    break;
                }
            }
            _ => {}
        }
    }
    t.to_string()
}

/// A little-endian / big-endian reader over a byte slice that reports truncation as `None`.
fn le_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn be_i32(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le_f64(b: &[u8], at: usize) -> Option<f64> {
    Some(f64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn le_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// All records of a `.shp` file, as geometries.
fn read_shp(path: &Path, bytes: &[u8]) -> FormatResult<Vec<geo::Geometry<f64>>> {
    let not_shp = || {
        FormatError::input(
            path,
            0,
            "不是有效的 shapefile (not a .shp file: bad header)",
        )
    };
    if bytes.len() < 100 || be_i32(bytes, 0) != Some(9994) {
        return Err(not_shp());
    }
    let declared = be_i32(bytes, 24)
        .and_then(|w| usize::try_from(w).ok())
        .and_then(|w| w.checked_mul(2))
        .ok_or_else(not_shp)?;
    if declared > bytes.len() {
        return Err(FormatError::input(
            path,
            0,
            format!(
                "shapefile 被截断 (truncated: header says {declared} bytes, file has {})",
                bytes.len()
            ),
        ));
    }
    let end = declared.max(100);
    let mut out = Vec::new();
    let mut pos = 100usize;
    let mut number = 0usize;
    while pos + 8 <= end {
        number += 1;
        let truncated = || {
            FormatError::input(
                path,
                0,
                format!("记录 {number} 被截断 (record {number} is truncated)"),
            )
        };
        let len = be_i32(bytes, pos + 4)
            .and_then(|w| usize::try_from(w).ok())
            .and_then(|w| w.checked_mul(2))
            .ok_or_else(truncated)?;
        let start = pos + 8;
        let stop = start
            .checked_add(len)
            .filter(|&s| s <= end)
            .ok_or_else(truncated)?;
        out.push(shape_of(path, number, &bytes[start..stop])?);
        pos = stop;
    }
    Ok(out)
}

/// One record's content as a geometry.
fn shape_of(path: &Path, number: usize, c: &[u8]) -> FormatResult<geo::Geometry<f64>> {
    let err = |msg: &str| FormatError::input(path, 0, format!("记录 {number}: {msg}"));
    let truncated = || err("记录被截断 (record is truncated)");
    let ty = le_i32(c, 0).ok_or_else(truncated)?;
    let xy = |at: usize| -> FormatResult<Coord<f64>> {
        match (le_f64(c, at), le_f64(c, at + 8)) {
            (Some(x), Some(y)) => Ok(Coord { x, y }),
            _ => Err(truncated()),
        }
    };
    // The number of `size`-byte items a count claims, checked against the bytes left.
    let count = |at: usize, size: usize| -> FormatResult<usize> {
        let n = le_i32(c, at).ok_or_else(truncated)?;
        let n = usize::try_from(n).map_err(|_| err("负数计数 (negative count)"))?;
        match n.checked_mul(size) {
            Some(bytes) if bytes <= c.len() => Ok(n),
            _ => Err(err("计数超出记录长度 (count larger than the record)")),
        }
    };
    use shape_type as st;
    match ty {
        st::NULL => Err(err("空几何 (null shape)")),
        st::POINT | st::POINT_Z | st::POINT_M => Ok(geo::Geometry::Point(Point(xy(4)?))),
        st::MULTIPOINT | st::MULTIPOINT_Z | st::MULTIPOINT_M => {
            let n = count(36, 16)?;
            if 40 + n * 16 > c.len() {
                return Err(truncated());
            }
            let pts = (0..n)
                .map(|k| xy(40 + 16 * k).map(Point))
                .collect::<FormatResult<Vec<_>>>()?;
            if pts.is_empty() {
                return Err(err("空几何 (empty multipoint)"));
            }
            Ok(geo::Geometry::MultiPoint(MultiPoint(pts)))
        }
        st::POLYGON | st::POLYGON_Z | st::POLYGON_M => {
            let nparts = count(36, 4)?;
            let npoints = count(40, 16)?;
            let points_at = 44 + 4 * nparts;
            if points_at + 16 * npoints > c.len() {
                return Err(truncated());
            }
            if nparts == 0 || npoints == 0 {
                return Err(err("空几何 (polygon without rings)"));
            }
            let mut starts = Vec::with_capacity(nparts);
            for k in 0..nparts {
                let s = le_i32(c, 44 + 4 * k)
                    .and_then(|s| usize::try_from(s).ok())
                    .filter(|&s| s < npoints && starts.last().is_none_or(|&p| s >= p))
                    .ok_or_else(|| err("环的起点索引无效 (bad part index)"))?;
                starts.push(s);
            }
            let mut rings = Vec::with_capacity(nparts);
            for (k, &s) in starts.iter().enumerate() {
                let e = starts.get(k + 1).copied().unwrap_or(npoints);
                let mut coords = (s..e)
                    .map(|j| xy(points_at + 16 * j))
                    .collect::<FormatResult<Vec<_>>>()?;
                if coords.first() != coords.last() {
                    if let Some(&first) = coords.first() {
                        coords.push(first);
                    }
                }
                if coords.len() < 4 {
                    return Err(err(&format!(
                        "第 {} 个环少于 3 个点 (ring {} has fewer than 3 points)",
                        k + 1,
                        k + 1
                    )));
                }
                rings.push(LineString(coords));
            }
            let mut polygons = crate::geometry::ring::sort_rings(rings);
            if polygons.len() == 1 {
                Ok(geo::Geometry::Polygon(polygons.remove(0)))
            } else {
                Ok(geo::Geometry::MultiPolygon(MultiPolygon(polygons)))
            }
        }
        st::POLYLINE | st::POLYLINE_Z | st::POLYLINE_M => {
            Err(err("线要素不受支持 (polylines are not supported)"))
        }
        st::MULTIPATCH => Err(err("多面体不受支持 (multipatch is not supported)")),
        other => Err(err(&format!("未知的图形类型 (unknown shape type {other})"))),
    }
}

/// The attribute table of a `.dbf`.
struct Dbf {
    fields: Vec<String>,
    rows: Vec<Vec<String>>,
    /// The encoding used and why, e.g. `GBK (.cpg)`.
    encoding: String,
}

/// A decoder chosen for a DBF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextEncoding {
    Utf8,
    Gbk,
}

impl TextEncoding {
    fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gbk => "GBK",
        }
    }

    fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_string),
            // The GBK decoder of encoding_rs decodes all of GB18030.
            TextEncoding::Gbk => encoding_rs::GBK
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(std::borrow::Cow::into_owned),
        }
    }
}

/// The encoding a `.cpg` names, if it is one we know (case-insensitive).
pub fn encoding_of_cpg(text: &str) -> Option<&'static str> {
    let key: String = text
        .trim_start_matches('\u{feff}')
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_uppercase();
    match key.as_str() {
        "GBK" | "CP936" | "936" | "GB2312" | "GB18030" | "WINDOWS936" | "ANSI936" | "MS936" => {
            Some("GBK")
        }
        "UTF8" | "65001" | "CP65001" => Some("UTF-8"),
        _ => None,
    }
}

struct DbfField {
    name_bytes: Vec<u8>,
    kind: u8,
    len: usize,
}

/// Parse a `.dbf` (dBase III and its common descendants).
fn read_dbf(path: &Path, b: &[u8], cpg: Option<&str>) -> FormatResult<Dbf> {
    let bad = |msg: String| FormatError::input(path, 0, msg);
    if b.len() < 33 {
        return Err(bad("DBF 文件过短 (not a .dbf: too short)".into()));
    }
    let nrec = le_u32(b, 4).unwrap_or(0) as usize;
    let header_len = le_u16(b, 8).unwrap_or(0) as usize;
    let rec_len = le_u16(b, 10).unwrap_or(0) as usize;
    let ldid = b[29];
    if header_len < 33 || header_len > b.len() || rec_len == 0 {
        return Err(bad(format!(
            "DBF 文件头无效 (bad header: header length {header_len}, record length {rec_len})"
        )));
    }
    // Field descriptors: 32 bytes each, up to the 0x0D terminator.
    let mut fields = Vec::new();
    let mut at = 32;
    while at + 32 <= header_len && b[at] != 0x0D {
        let d = &b[at..at + 32];
        let name_len = d[..11].iter().position(|&c| c == 0).unwrap_or(11);
        fields.push(DbfField {
            name_bytes: d[..name_len].to_vec(),
            kind: d[11].to_ascii_uppercase(),
            len: d[16] as usize,
        });
        at += 32;
    }
    let width: usize = 1 + fields.iter().map(|f| f.len).sum::<usize>();
    if width > rec_len {
        return Err(bad(format!(
            "DBF 字段宽度之和 {width} 超过记录长度 {rec_len} (fields wider than the record)"
        )));
    }
    let available = (b.len() - header_len) / rec_len;
    if nrec > available {
        return Err(bad(format!(
            "DBF 声明 {nrec} 条记录，但文件只容纳 {available} 条 (file is truncated)"
        )));
    }

    // The encoding, and why.
    let text_bytes = || {
        let names = fields.iter().map(|f| f.name_bytes.as_slice());
        let values = (0..nrec).flat_map(|r| {
            let mut off = header_len + r * rec_len + 1;
            fields
                .iter()
                .map(move |f| {
                    let s = &b[off..off + f.len];
                    off += f.len;
                    (f.kind, s)
                })
                .filter(|(k, _)| is_text_field(*k))
                .map(|(_, s)| s)
        });
        names.chain(values).collect::<Vec<&[u8]>>()
    };
    let cpg_choice = cpg.map(|t| (t.trim().to_string(), encoding_of_cpg(t)));
    let (enc, why) = match (&cpg_choice, ldid) {
        (Some((_, Some("GBK"))), _) => (TextEncoding::Gbk, ".cpg".to_string()),
        (Some((_, Some(_))), _) => (TextEncoding::Utf8, ".cpg".to_string()),
        (cpg, LDID_CP936 | LDID_GBK_ALT) => (
            TextEncoding::Gbk,
            format!("{}DBF language byte 0x{ldid:02X}", unknown_cpg(cpg)),
        ),
        (cpg, _) => {
            let all_utf8 = text_bytes().iter().all(|s| std::str::from_utf8(s).is_ok());
            if all_utf8 {
                (
                    TextEncoding::Utf8,
                    format!(
                        "{}no code page given; text is valid UTF-8",
                        unknown_cpg(cpg)
                    ),
                )
            } else {
                (
                    TextEncoding::Gbk,
                    format!("{}no code page given; text is not UTF-8", unknown_cpg(cpg)),
                )
            }
        }
    };
    let decode_err = |what: String| {
        bad(format!(
            "{what} 无法按 {} 解码 (cannot be decoded as {}; encoding from {why})",
            enc.name(),
            enc.name()
        ))
    };
    let mut names = Vec::with_capacity(fields.len());
    for (k, f) in fields.iter().enumerate() {
        let name = enc
            .decode(&f.name_bytes)
            .ok_or_else(|| decode_err(format!("第 {} 个字段名", k + 1)))?;
        names.push(name.trim().to_string());
    }
    let mut rows = Vec::with_capacity(nrec);
    for r in 0..nrec {
        let mut off = header_len + r * rec_len + 1;
        let mut row = Vec::with_capacity(fields.len());
        for (f, name) in fields.iter().zip(&names) {
            let raw = &b[off..off + f.len];
            off += f.len;
            let v = field_text(f, raw, enc).ok_or_else(|| {
                decode_err(format!(
                    "记录 {} 字段 {name} (record {}, field {name})",
                    r + 1,
                    r + 1
                ))
            })?;
            row.push(v);
        }
        rows.push(row);
    }
    Ok(Dbf {
        fields: names,
        rows,
        encoding: format!("{} ({why})", enc.name()),
    })
}

fn unknown_cpg(cpg: &Option<(String, Option<&'static str>)>) -> String {
    match cpg {
        Some((text, None)) => format!(".cpg “{text}” not recognised; "),
        _ => String::new(),
    }
}

/// Field types whose bytes are text in the table's encoding.
fn is_text_field(kind: u8) -> bool {
    !matches!(
        kind,
        b'I' | b'+' | b'O' | b'Y' | b'T' | b'@' | b'B' | b'G' | b'P'
    )
}

/// The text of one field value, or `None` when it does not decode.
fn field_text(f: &DbfField, raw: &[u8], enc: TextEncoding) -> Option<String> {
    let trim_end = |s: &[u8]| -> usize {
        s.iter()
            .rposition(|&c| c != b' ' && c != 0)
            .map_or(0, |p| p + 1)
    };
    match f.kind {
        b'I' | b'+' if raw.len() == 4 => Some(i32::from_le_bytes(raw.try_into().ok()?).to_string()),
        b'O' if raw.len() == 8 => Some(f64::from_le_bytes(raw.try_into().ok()?).to_string()),
        b'B' if raw.len() == 8 => Some(f64::from_le_bytes(raw.try_into().ok()?).to_string()),
        b'Y' if raw.len() == 8 => {
            // Currency: a count of 1/10 000 units.
            let v = i64::from_le_bytes(raw.try_into().ok()?);
            let sign = if v < 0 { "-" } else { "" };
            let a = v.unsigned_abs();
            Some(format!("{sign}{}.{:04}", a / 10_000, a % 10_000))
        }
        b'T' | b'@' if raw.len() == 8 => {
            let day = i32::from_le_bytes(raw[..4].try_into().ok()?);
            let ms = i32::from_le_bytes(raw[4..].try_into().ok()?);
            if day == 0 && ms == 0 {
                return Some(String::new());
            }
            // Julian day number 1721426 is 0001-01-01.
            let date = chrono::NaiveDate::from_num_days_from_ce_opt(day - 1_721_425)?;
            let secs = u32::try_from(ms / 1000).ok()?;
            let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?;
            Some(format!("{date} {time}"))
        }
        b'N' | b'F' | b'L' | b'D' => {
            let text = enc.decode(raw)?;
            let t = text.trim_matches(|c: char| c == ' ' || c == '\0');
            Some(match f.kind {
                b'L' => match t {
                    "T" | "t" | "Y" | "y" => "T".into(),
                    "F" | "f" | "N" | "n" => "F".into(),
                    _ => String::new(),
                },
                b'D' if t.len() == 8 && t.bytes().all(|c| c.is_ascii_digit()) => {
                    format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..])
                }
                _ => t.to_string(),
            })
        }
        _ => enc.decode(&raw[..trim_end(raw)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Write options with a fixed date (the tests do not depend on the clock).
    fn opts(encoding: DbfEncoding, prj_wkt: Option<&str>) -> WriteOptions<'_> {
        WriteOptions {
            encoding,
            prj_wkt,
            last_update: chrono::NaiveDate::from_ymd_opt(2020, 10, 13).expect("date"),
        }
    }
    use geo::polygon;

    /// A 10 × 10 square (area 100) with a 2 × 2 hole (area 4): net area 96.
    fn square_with_hole() -> Polygon<f64> {
        polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 4.0, y: 4.0), (x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0)]],
        )
    }

    /// Two unit squares far apart: area 2.
    fn two_squares() -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: 20.0, y: 0.0), (x: 21.0, y: 0.0), (x: 21.0, y: 1.0), (x: 20.0, y: 1.0)],
            polygon![(x: 30.0, y: 0.0), (x: 31.0, y: 0.0), (x: 31.0, y: 1.0), (x: 30.0, y: 1.0)],
        ])
    }

    fn chinese_table() -> FeatureTable {
        FeatureTable {
            crs: None,
            fields: vec!["DLMC".into(), "XZQMC".into(), "BSM".into()],
            features: vec![
                RawFeature {
                    geometry: square_with_hole().into(),
                    values: vec!["永久基本农田".into(), "浮梁县".into(), "1".into()],
                },
                RawFeature {
                    geometry: two_squares().into(),
                    values: vec!["水田".into(), "乐平市".into(), "22".into()],
                },
            ],
            encoding: None,
        }
    }

    /// Differential check with the independent `shapefile` and `dbase` crates: they read what
    /// `write` wrote, with the outer ring clockwise and the hole counter-clockwise.
    #[test]
    fn written_gbk_file_reads_in_the_shapefile_and_dbase_crates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("parcels.shp");
        write(
            &path,
            &chinese_table(),
            opts(DbfEncoding::Gbk, Some(PRJ_4527_ESRI)),
        )
        .expect("write");
        let dbf = std::fs::read(path.with_extension("dbf")).expect("dbf");
        assert_eq!(&dbf[1..4], &[120, 10, 13], "the date given, never today's");

        let shapes = ::shapefile::read_shapes_as::<_, ::shapefile::Polygon>(&path).expect("shp");
        assert_eq!(shapes.len(), 2);
        let rings = shapes[0].rings();
        assert_eq!(rings.len(), 2);
        assert!(matches!(rings[0], ::shapefile::PolygonRing::Outer(_)));
        assert!(matches!(rings[1], ::shapefile::PolygonRing::Inner(_)));
        // Outer clockwise: from (0,0) the next point is (0,10).
        assert_eq!(rings[0].points()[0], ::shapefile::Point::new(0.0, 0.0));
        assert_eq!(rings[0].points()[1], ::shapefile::Point::new(0.0, 10.0));
        assert_eq!(shapes[1].rings().len(), 2);
        let shx = ::shapefile::ShapeReader::from_path(&path).expect("shx");
        assert_eq!(shx.shape_count().expect("count"), 2);

        let dbf = std::fs::read(path.with_extension("dbf")).expect("dbf");
        assert_eq!(dbf[29], 0x4D, "language driver CP936");
        let mut reader = dbase::Reader::new_with_encoding(
            std::io::Cursor::new(dbf),
            dbase::encoding::EncodingRs::from(encoding_rs::GBK),
        )
        .expect("dbase reader");
        let records = reader.read().expect("records");
        let text = |r: &dbase::Record, f: &str| match r.get(f) {
            Some(dbase::FieldValue::Character(Some(s))) => s.clone(),
            other => panic!("{f}: {other:?}"),
        };
        assert_eq!(text(&records[0], "DLMC"), "永久基本农田");
        assert_eq!(text(&records[0], "XZQMC"), "浮梁县");
        assert_eq!(text(&records[1], "BSM"), "22");
        let fields = reader.fields();
        // 永久基本农田 = 6 characters × 2 bytes in GBK.
        assert_eq!(fields[0].length(), 12);
        assert_eq!(fields[2].length(), 2);

        let cpg = std::fs::read_to_string(path.with_extension("cpg")).expect("cpg");
        assert_eq!(cpg, "GBK");
        let prj = std::fs::read_to_string(path.with_extension("prj")).expect("prj");
        assert_eq!(prj, PRJ_4527_ESRI);
    }

    #[test]
    fn written_utf8_field_widths_count_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("u.shp");
        std::fs::write(path.with_extension("prj"), PRJ_4490_ESRI).expect("stale prj");
        write(&path, &chinese_table(), opts(DbfEncoding::Utf8, None)).expect("write");
        let dbf = std::fs::read(path.with_extension("dbf")).expect("dbf");
        assert_eq!(dbf[29], 0);
        // 永久基本农田 = 6 characters × 3 bytes in UTF-8.
        let reader = dbase::Reader::new(std::io::Cursor::new(dbf)).expect("dbase");
        assert_eq!(reader.fields()[0].length(), 18);
        assert!(!path.with_extension("prj").exists());
        assert_eq!(
            std::fs::read_to_string(path.with_extension("cpg")).expect("cpg"),
            "UTF-8"
        );
    }

    #[test]
    fn points_and_multipoints_are_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pts.shp");
        let table = FeatureTable {
            fields: vec!["id".into()],
            features: vec![
                RawFeature {
                    geometry: Point::new(117.2, 29.3).into(),
                    values: vec!["a".into()],
                },
                RawFeature {
                    geometry: Point::new(117.25, 29.35).into(),
                    values: vec!["b".into()],
                },
            ],
            ..FeatureTable::default()
        };
        write(&path, &table, opts(DbfEncoding::Utf8, Some(PRJ_4490_ESRI))).expect("write");
        let pts = ::shapefile::read_shapes_as::<_, ::shapefile::Point>(&path).expect("points");
        assert_eq!(
            pts,
            vec![
                ::shapefile::Point::new(117.2, 29.3),
                ::shapefile::Point::new(117.25, 29.35)
            ]
        );

        let table = FeatureTable {
            fields: vec![],
            features: vec![RawFeature {
                geometry: MultiPoint(vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)]).into(),
                values: vec![],
            }],
            ..FeatureTable::default()
        };
        write(&path, &table, opts(DbfEncoding::Utf8, None)).expect("write multipoint");
        let mps =
            ::shapefile::read_shapes_as::<_, ::shapefile::Multipoint>(&path).expect("multipoint");
        assert_eq!(mps[0].points().len(), 2);
        assert_eq!(mps[0].points()[1], ::shapefile::Point::new(3.0, 4.0));
    }

    #[test]
    fn write_rejects_mixed_kinds_long_names_and_unencodable_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.shp");
        let mixed = FeatureTable {
            fields: vec![],
            features: vec![
                RawFeature {
                    geometry: square_with_hole().into(),
                    values: vec![],
                },
                RawFeature {
                    geometry: Point::new(1.0, 1.0).into(),
                    values: vec![],
                },
            ],
            ..FeatureTable::default()
        };
        let e = write(&path, &mixed, opts(DbfEncoding::Gbk, None)).expect_err("mixed");
        assert!(e.to_string().contains("要素 2"), "{e}");

        let mut long = chinese_table();
        long.fields[0] = "LONG_NAME_11".into();
        let e = write(&path, &long, opts(DbfEncoding::Gbk, None)).expect_err("long name");
        assert!(e.to_string().contains("LONG_NAME_11"), "{e}");
        // Six Chinese characters are 12 bytes in GBK: too long for a field name.
        long.fields[0] = "永久基本农田".into();
        assert!(write(&path, &long, opts(DbfEncoding::Gbk, None)).is_err());
        // Five are 10 bytes: allowed.
        long.fields[0] = "永久基本田".into();
        write(&path, &long, opts(DbfEncoding::Gbk, None)).expect("10-byte name");

        let mut emoji = chinese_table();
        emoji.features[0].values[1] = "浮梁县🌾".into();
        let e = write(&path, &emoji, opts(DbfEncoding::Gbk, None)).expect_err("emoji");
        assert!(e.to_string().contains("要素 1"), "{e}");
        write(&path, &emoji, opts(DbfEncoding::Utf8, None)).expect("UTF-8 takes emoji");
    }
    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/jingdezhen")
            .join(name)
    }

    fn values_of(t: &FeatureTable, field: &str) -> Vec<String> {
        let k = t.field_index(field).expect("field");
        t.features.iter().map(|f| f.values[k].clone()).collect()
    }

    fn polygon_of(g: &geo::Geometry<f64>) -> &Polygon<f64> {
        match g {
            geo::Geometry::Polygon(p) => p,
            other => panic!("not a polygon: {other:?}"),
        }
    }

    #[test]
    fn round_trip_gbk_and_utf8() {
        use geo::Area;
        for (enc, expected) in [
            (DbfEncoding::Gbk, "GBK (.cpg)"),
            (DbfEncoding::Utf8, "UTF-8 (.cpg)"),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("rt.shp");
            write(&path, &chinese_table(), opts(enc, Some(PRJ_4527_ESRI))).expect("write");
            let t = read(&path).expect("read");
            assert_eq!(t.encoding.as_deref(), Some(expected));
            assert_eq!(t.fields, ["DLMC", "XZQMC", "BSM"]);
            assert_eq!(values_of(&t, "DLMC"), ["永久基本农田", "水田"]);
            assert_eq!(values_of(&t, "XZQMC"), ["浮梁县", "乐平市"]);
            assert_eq!(values_of(&t, "BSM"), ["1", "22"]);
            assert_eq!(t.crs.as_deref(), Some(PRJ_4527_ESRI));
            let p = polygon_of(&t.features[0].geometry);
            assert_eq!(p.interiors().len(), 1);
            assert_eq!(p.unsigned_area(), 96.0);
            match &t.features[1].geometry {
                geo::Geometry::MultiPolygon(mp) => {
                    assert_eq!(mp.0.len(), 2);
                    assert_eq!(mp.unsigned_area(), 2.0);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    /// Patch the DBF of a written file: drop the `.cpg` and set the language byte.
    fn without_cpg(path: &Path, ldid: u8) {
        std::fs::remove_file(path.with_extension("cpg")).expect("rm cpg");
        let dbf = path.with_extension("dbf");
        let mut b = std::fs::read(&dbf).expect("dbf");
        b[29] = ldid;
        std::fs::write(&dbf, b).expect("write dbf");
    }

    #[test]
    fn encoding_from_language_byte_and_by_guess() {
        // (written as, language byte after patching, expected encoding note)
        let cases = [
            (DbfEncoding::Gbk, 0x4D, "GBK (DBF language byte 0x4D)"),
            (DbfEncoding::Gbk, 0x7A, "GBK (DBF language byte 0x7A)"),
            (
                DbfEncoding::Gbk,
                0x00,
                "GBK (no code page given; text is not UTF-8)",
            ),
            (
                DbfEncoding::Utf8,
                0x00,
                "UTF-8 (no code page given; text is valid UTF-8)",
            ),
        ];
        for (enc, ldid, expected) in cases {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("e.shp");
            write(&path, &chinese_table(), opts(enc, None)).expect("write");
            without_cpg(&path, ldid);
            let t = read(&path).expect("read");
            assert_eq!(t.encoding.as_deref(), Some(expected));
            assert_eq!(values_of(&t, "DLMC"), ["永久基本农田", "水田"]);
            assert_eq!(values_of(&t, "XZQMC"), ["浮梁县", "乐平市"]);
            assert_eq!(t.crs, None);
        }
    }

    #[test]
    fn cpg_names_are_recognised() {
        let table = [
            ("GBK", Some("GBK")),
            ("cp936\r\n", Some("GBK")),
            ("936", Some("GBK")),
            ("gb2312", Some("GBK")),
            ("GB18030", Some("GBK")),
            ("UTF-8", Some("UTF-8")),
            ("utf8", Some("UTF-8")),
            ("65001", Some("UTF-8")),
            ("1252", None),
            ("", None),
        ];
        for (text, expected) in table {
            assert_eq!(encoding_of_cpg(text), expected, "{text:?}");
        }
        // An unknown .cpg falls through to the language byte, and says so.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.shp");
        write(&path, &chinese_table(), opts(DbfEncoding::Gbk, None)).expect("write");
        std::fs::write(path.with_extension("cpg"), "1252").expect("cpg");
        let t = read(&path).expect("read");
        assert_eq!(
            t.encoding.as_deref(),
            Some("GBK (.cpg “1252” not recognised; DBF language byte 0x4D)")
        );
    }

    #[test]
    fn undecodable_text_is_an_error_naming_the_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.shp");
        write(&path, &chinese_table(), opts(DbfEncoding::Gbk, None)).expect("write");
        let dbf = path.with_extension("dbf");
        let mut b = std::fs::read(&dbf).expect("dbf");
        let header_len = u16::from_le_bytes([b[8], b[9]]) as usize;
        let rec_len = u16::from_le_bytes([b[10], b[11]]) as usize;
        // Record 2, first byte of DLMC: 0x81 0x7F is not a GBK character.
        let at = header_len + rec_len + 1;
        b[at] = 0x81;
        b[at + 1] = 0x7F;
        std::fs::write(&dbf, &b).expect("write");
        let e = read(&path).expect_err("GBK error").to_string();
        assert!(
            e.contains("bad.dbf") && e.contains("记录 2") && e.contains("DLMC"),
            "{e}"
        );

        // GBK bytes under a .cpg that says UTF-8.
        write(&path, &chinese_table(), opts(DbfEncoding::Gbk, None)).expect("write");
        std::fs::write(path.with_extension("cpg"), "UTF-8").expect("cpg");
        let e = read(&path).expect_err("UTF-8 error").to_string();
        assert!(e.contains("记录 1") && e.contains("UTF-8"), "{e}");
    }

    /// A `.shp` with one record of the given content (no `.dbf`).
    fn raw_shp(dir: &Path, content: &[u8]) -> PathBuf {
        let path = dir.join("raw.shp");
        let mut rec = Vec::new();
        rec.extend_from_slice(&1i32.to_be_bytes());
        rec.extend_from_slice(&((content.len() / 2) as i32).to_be_bytes());
        rec.extend_from_slice(content);
        let mut bytes = main_header(&path, 100 + rec.len(), 5, [0.0; 4]).expect("header");
        bytes.extend_from_slice(&rec);
        std::fs::write(&path, bytes).expect("write");
        path
    }

    /// Content of a polygon record with the given rings, as `ty` (5 or 15 with z = 7).
    fn polygon_content(ty: i32, rings: &[Vec<(f64, f64)>]) -> Vec<u8> {
        let mut c = Vec::new();
        push_i32(&mut c, ty);
        for v in [0.0; 4] {
            push_f64(&mut c, v);
        }
        let total: usize = rings.iter().map(Vec::len).sum();
        push_i32(&mut c, rings.len() as i32);
        push_i32(&mut c, total as i32);
        let mut start = 0;
        for r in rings {
            push_i32(&mut c, start);
            start += r.len() as i32;
        }
        for r in rings {
            for &(x, y) in r {
                push_f64(&mut c, x);
                push_f64(&mut c, y);
            }
        }
        if ty == shape_type::POLYGON_Z {
            for _ in 0..(2 + total) {
                push_f64(&mut c, 7.0); // z range and z values
            }
            for _ in 0..(2 + total) {
                push_f64(&mut c, 0.0); // m range and m values
            }
        }
        c
    }

    /// Axis-aligned square from (x0, y0) with side s; `cw` chooses the orientation.
    fn sq(x0: f64, y0: f64, s: f64, cw: bool) -> Vec<(f64, f64)> {
        let mut r = vec![
            (x0, y0),
            (x0 + s, y0),
            (x0 + s, y0 + s),
            (x0, y0 + s),
            (x0, y0),
        ];
        if cw {
            r.reverse();
        }
        r
    }

    /// Rings are sorted by containment, whatever their order and orientation.
    /// Expected: per polygon, (exterior area, number of holes); areas are s².
    #[test]
    fn rings_are_sorted_by_containment() {
        type Case = (&'static str, Vec<Vec<(f64, f64)>>, Vec<(f64, usize)>);
        let cases: Vec<Case> = vec![
            (
                "hole with the wrong orientation",
                vec![sq(0.0, 0.0, 10.0, true), sq(4.0, 4.0, 2.0, true)],
                vec![(100.0, 1)],
            ),
            (
                "hole before its shell",
                vec![sq(4.0, 4.0, 2.0, false), sq(0.0, 0.0, 10.0, true)],
                vec![(100.0, 1)],
            ),
            (
                "two counter-clockwise shells",
                vec![sq(0.0, 0.0, 1.0, false), sq(5.0, 0.0, 2.0, false)],
                vec![(1.0, 0), (4.0, 0)],
            ),
            (
                "island in a hole",
                vec![
                    sq(0.0, 0.0, 10.0, true),
                    sq(2.0, 2.0, 6.0, false),
                    sq(4.0, 4.0, 2.0, true),
                ],
                vec![(100.0, 1), (4.0, 0)],
            ),
            (
                "hole of the second shell",
                vec![
                    sq(0.0, 0.0, 3.0, true),
                    sq(10.0, 0.0, 5.0, true),
                    sq(11.0, 1.0, 1.0, false),
                ],
                vec![(9.0, 0), (25.0, 1)],
            ),
            (
                "hole touching its shell at a vertex",
                vec![sq(0.0, 0.0, 10.0, true), sq(0.0, 0.0, 2.0, false)],
                vec![(100.0, 1)],
            ),
        ];
        for (name, rings, expected) in cases {
            let lines = rings.into_iter().map(LineString::from).collect::<Vec<_>>();
            let polys = crate::geometry::ring::sort_rings(lines);
            let got: Vec<(f64, usize)> = polys
                .iter()
                .map(|p| {
                    (
                        signed_area2(&p.exterior().0).abs() / 2.0,
                        p.interiors().len(),
                    )
                })
                .collect();
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn polygon_z_unclosed_rings_and_bad_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        // PolygonZ, outer ring not closed (4 points), hole wrongly oriented.
        let mut outer = sq(0.0, 0.0, 10.0, true);
        outer.pop();
        let content = polygon_content(shape_type::POLYGON_Z, &[outer, sq(4.0, 4.0, 2.0, true)]);
        let t = read(&raw_shp(dir.path(), &content)).expect("PolygonZ");
        let p = polygon_of(&t.features[0].geometry);
        assert_eq!(p.exterior().0.len(), 5);
        assert_eq!(p.interiors().len(), 1);
        assert!(t.fields.is_empty() && t.encoding.is_none());

        // Null shape.
        let e = read(&raw_shp(dir.path(), &0i32.to_le_bytes()))
            .expect_err("null")
            .to_string();
        assert!(
            e.contains("raw.shp") && e.contains("记录 1") && e.contains("null"),
            "{e}"
        );

        // A count far larger than the record: refused before allocating.
        let mut c = polygon_content(shape_type::POLYGON, &[sq(0.0, 0.0, 1.0, true)]);
        c[40..44].copy_from_slice(&(i32::MAX).to_le_bytes());
        let e = read(&raw_shp(dir.path(), &c))
            .expect_err("count")
            .to_string();
        assert!(e.contains("记录 1"), "{e}");

        // A ring of two points.
        let c = polygon_content(shape_type::POLYGON, &[vec![(0.0, 0.0), (1.0, 1.0)]]);
        assert!(read(&raw_shp(dir.path(), &c)).is_err());

        // PointZ and MultiPointM.
        let mut c = Vec::new();
        push_i32(&mut c, shape_type::POINT_Z);
        for v in [117.2, 29.3, 50.0, 0.0] {
            push_f64(&mut c, v);
        }
        let t = read(&raw_shp(dir.path(), &c)).expect("PointZ");
        assert!(
            matches!(t.features[0].geometry, geo::Geometry::Point(p) if p.x() == 117.2 && p.y() == 29.3)
        );
        let mut c = Vec::new();
        push_i32(&mut c, shape_type::MULTIPOINT_M);
        for v in [1.0, 2.0, 3.0, 4.0] {
            push_f64(&mut c, v);
        }
        push_i32(&mut c, 2);
        for v in [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 5.0, 6.0] {
            push_f64(&mut c, v);
        }
        let t = read(&raw_shp(dir.path(), &c)).expect("MultiPointM");
        match &t.features[0].geometry {
            geo::Geometry::MultiPoint(mp) => {
                assert_eq!(mp.0, vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)]);
            }
            other => panic!("{other:?}"),
        }

        // Not a shapefile at all.
        let junk = dir.path().join("junk.shp");
        std::fs::write(&junk, b"hello").expect("write");
        assert!(read(&junk).is_err());
    }

    /// Numbers, dates and logicals written by the independent `dbase` crate come back as text.
    #[test]
    fn dbf_numbers_dates_and_logicals_are_text() {
        use dbase::{FieldName, TableWriterBuilder};
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("types.shp");
        let table = FeatureTable {
            features: vec![
                RawFeature {
                    geometry: Point::new(1.0, 2.0).into(),
                    values: vec![],
                },
                RawFeature {
                    geometry: Point::new(3.0, 4.0).into(),
                    values: vec![],
                },
            ],
            ..FeatureTable::default()
        };
        write(&path, &table, opts(DbfEncoding::Utf8, None)).expect("write shp");
        std::fs::remove_file(path.with_extension("cpg")).expect("rm cpg");
        let name = |s: &str| FieldName::try_from(s).expect("name");
        let w = TableWriterBuilder::new()
            .add_numeric_field(name("MJ"), 12, 2)
            .add_date_field(name("RQ"))
            .add_logical_field(name("OK"))
            .add_character_field(name("DM"), 12)
            .build_with_file_dest(path.with_extension("dbf"))
            .expect("dbf writer");
        let mut r1 = dbase::Record::default();
        r1.insert("MJ".into(), dbase::FieldValue::Numeric(Some(324.5)));
        r1.insert(
            "RQ".into(),
            dbase::FieldValue::Date(Some(dbase::Date::new(9, 3, 2024))),
        );
        r1.insert("OK".into(), dbase::FieldValue::Logical(Some(true)));
        r1.insert(
            "DM".into(),
            dbase::FieldValue::Character(Some("360222".into())),
        );
        let mut r2 = dbase::Record::default();
        r2.insert("MJ".into(), dbase::FieldValue::Numeric(None));
        r2.insert("RQ".into(), dbase::FieldValue::Date(None));
        r2.insert("OK".into(), dbase::FieldValue::Logical(Some(false)));
        r2.insert("DM".into(), dbase::FieldValue::Character(None));
        w.write_records(&[r1, r2]).expect("records");
        let t = read(&path).expect("read");
        assert_eq!(t.fields, ["MJ", "RQ", "OK", "DM"]);
        assert_eq!(
            t.features[0].values,
            ["324.50", "2024-03-09", "T", "360222"]
        );
        assert_eq!(t.features[1].values, ["", "", "F", ""]);
    }

    /// Compare each county's planar area in EPSG:4548 with DOMAIN §4 (km², 0.01 km²).
    fn check_county_areas(t: &FeatureTable) {
        use geo::Area;
        let reference = [
            ("昌江区", 324.905),
            ("珠山区", 113.549),
            ("浮梁县", 2831.92),
            ("乐平市", 1982.67),
        ];
        let crs = t.crs.as_deref().expect("crs");
        let r = crate::crs::Reprojector::new(crs, "EPSG:4548").expect("PROJ takes the .prj");
        let names = values_of(t, "name");
        for (name, km2) in reference {
            let k = names.iter().position(|n| n == name).expect(name);
            let mut g = t.features[k].geometry.clone();
            r.geometry_in_place(&mut g).expect("reproject");
            let got = g.unsigned_area() / 1.0e6;
            assert!((got - km2).abs() < 0.01, "{name}: {got} km² vs {km2}");
        }
    }

    #[test]
    fn reads_the_jingdezhen_counties() {
        for file in ["counties_gbk.shp", "counties_gbk_4548.shp"] {
            let t = read(&fixture(file)).expect(file);
            assert_eq!(t.fields, ["adcode", "name", "city"]);
            assert_eq!(t.encoding.as_deref(), Some("GBK (.cpg)"));
            assert_eq!(
                values_of(&t, "name"),
                ["昌江区", "珠山区", "浮梁县", "乐平市"]
            );
            assert_eq!(
                values_of(&t, "adcode"),
                ["360202", "360203", "360222", "360281"]
            );
            assert!(values_of(&t, "city").iter().all(|c| c == "景德镇市"));
            check_county_areas(&t);
        }
    }

    /// The `.prj` variants of DOMAIN §1.2 all load in PROJ and agree with EPSG:4527 on the
    /// check point (lon 117.2, lat 29.3) → (39519431.2652, 3242537.3942).
    #[test]
    fn prj_variants_load_through_proj() {
        let geog_esri = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        let geog_short = geog_esri.replace(
            "GCS_China_Geodetic_Coordinate_System_2000",
            "GCS_China_2000",
        );
        let params = r#"PARAMETER["False_Easting",39500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        let vertcs = r#"VERTCS["Yellow_Sea_1985",VDATUM["Yellow_Sea_1985"],PARAMETER["Vertical_Shift",0.0],PARAMETER["Direction",1.0],UNIT["Meter",1.0]]"#;
        let gk = |geog: &str| {
            format!(
                r#"PROJCS["CGCS2000_3_Degree_GK_Zone_39",{geog},PROJECTION["Gauss_Kruger"],{params}"#
            )
        };
        let qgis = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_39",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",1],PARAMETER["false_easting",39500000],PARAMETER["false_northing",0],UNIT["Meter",1]]"#;
        let variants = [
            ("constant", PRJ_4527_ESRI.to_string()),
            ("GCS_China_2000", gk(&geog_short)),
            ("QGIS lower-case", qgis.to_string()),
            ("VERTCS", format!("{},{vertcs}", gk(geog_esri))),
            (
                "VERTCS, newline",
                format!("{}\r\n{vertcs}\r\n", gk(&geog_short)),
            ),
        ];
        for (name, wkt) in variants {
            let norm = normalize_prj(&wkt);
            assert!(!norm.contains("VERTCS"), "{name}");
            let fwd = crate::crs::Reprojector::new("EPSG:4490", &norm)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let (e, n) = fwd.point(117.2, 29.3).expect("forward");
            assert!((e - 39519431.2652).abs() < 5e-5, "{name}: easting {e}");
            assert!((n - 3242537.3942).abs() < 5e-5, "{name}: northing {n}");
            let same = crate::crs::Reprojector::new(&norm, "EPSG:4527").expect("to 4527");
            let (x, y) = same.point(39519431.2652, 3242537.3942).expect("same");
            assert!((x - 39519431.2652).abs() < 1e-6 && (y - 3242537.3942).abs() < 1e-6);
        }
        let geo = crate::crs::Reprojector::new(PRJ_4490_ESRI, "EPSG:4490").expect("4490");
        let (lon, lat) = geo.point(117.2, 29.3).expect("geo");
        assert!((lon - 117.2).abs() < 1e-9 && (lat - 29.3).abs() < 1e-9);
        let geo = crate::crs::Reprojector::new(&geog_short, "EPSG:4490").expect("short");
        let (lon, lat) = geo.point(117.2, 29.3).expect("geo");
        assert!((lon - 117.2).abs() < 1e-9 && (lat - 29.3).abs() < 1e-9);
    }

    #[test]
    fn normalize_prj_keeps_other_text() {
        assert_eq!(normalize_prj("\u{feff} EPSG:4527 \n"), "EPSG:4527");
        assert_eq!(normalize_prj(PRJ_4527_ESRI), PRJ_4527_ESRI);
        let with_v = format!("{PRJ_4527_ESRI},VERTCS[\"X\",VDATUM[\"X\"]]");
        assert_eq!(normalize_prj(&with_v), PRJ_4527_ESRI);
    }
}
