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

use std::path::{Path, PathBuf};

use geo::{Coord, LineString, MultiPoint, MultiPolygon, Point, Polygon};

use super::{geometry_kind, FeatureTable, RawFeature};
use crate::{Error, Result};

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

/// The path of a sidecar file (`.dbf`, `.prj` …) of `shp`, preferring an existing file whose
/// extension differs only in case (`.DBF`).
fn sidecar(shp: &Path, ext: &str) -> PathBuf {
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

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Text encoding for the DBF attributes of a written shapefile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbfEncoding {
    Utf8,
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

/// Write a shapefile (`.shp .shx .dbf .prj .cpg`). `prj_wkt` is written as the `.prj`.
///
/// Polygons and multipolygons are written as shape type 5 with the outer rings clockwise and
/// the holes counter-clockwise; points as type 1 and multipoints as type 8. All features must be
/// of one of these three kinds. Every attribute is a character field as wide as its longest
/// encoded value (1–254 bytes); field names may be at most 10 bytes in the chosen encoding.
pub fn write(
    path: &Path,
    table: &FeatureTable,
    encoding: DbfEncoding,
    prj_wkt: Option<&str>,
) -> Result<()> {
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
        let record_number = i32::try_from(i + 1)
            .map_err(|_| Error::input(path, 0, "要素过多 (too many features for a shapefile)"))?;
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
    let shp_header = main_header(path, 100 + shp.len(), code, bbox)?;
    let shx_header = main_header(path, 100 + shx.len(), code, bbox)?;
    let dbf = dbf_bytes(path, table, encoding)?;

    write_file(&path.with_extension("shp"), &[&shp_header, &shp])?;
    write_file(&path.with_extension("shx"), &[&shx_header, &shx])?;
    write_file(&path.with_extension("dbf"), &[&dbf])?;
    write_file(&path.with_extension("cpg"), &[encoding.cpg().as_bytes()])?;
    if let Some(wkt) = prj_wkt {
        write_file(&path.with_extension("prj"), &[wkt.as_bytes()])?;
    }
    Ok(())
}

fn write_file(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let mut buf = Vec::with_capacity(total);
    for p in parts {
        buf.extend_from_slice(p);
    }
    std::fs::write(path, buf).map_err(|e| Error::io(path, e))
}

fn word_count(path: &Path, words: usize) -> Result<i32> {
    i32::try_from(words).map_err(|_| {
        Error::input(
            path,
            0,
            "shapefile 超过 2 GB 上限 (shapefile larger than 2 GB)",
        )
    })
}

/// The kind shared by all features, or an error naming the first feature of another kind.
fn write_kind(path: &Path, table: &FeatureTable) -> Result<WriteKind> {
    let mut kind = None;
    for (i, f) in table.features.iter().enumerate() {
        let k = WriteKind::of(&f.geometry).ok_or_else(|| {
            Error::input(
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
                return Err(Error::input(
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
fn main_header(path: &Path, file_len: usize, code: i32, bbox: [f64; 4]) -> Result<Vec<u8>> {
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
    coords
        .windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
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
fn shape_content(path: &Path, number: usize, g: &geo::Geometry<f64>) -> Result<Vec<u8>> {
    let check = |coords: &mut dyn Iterator<Item = Coord<f64>>| -> Result<()> {
        for c in coords {
            if !(c.x.is_finite() && c.y.is_finite()) {
                return Err(Error::input(
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
        Error::input(
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
            return Err(Error::input(
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

fn count_i32(path: &Path, n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::input(path, 0, "几何过大 (geometry too large)"))
}

/// The whole `.dbf` file: dBase III header, character fields, records, end-of-file marker.
fn dbf_bytes(shp_path: &Path, table: &FeatureTable, encoding: DbfEncoding) -> Result<Vec<u8>> {
    let dbf_path = shp_path.with_extension("dbf");
    let nfields = table.fields.len();
    if nfields > 255 {
        return Err(Error::input(
            &dbf_path,
            0,
            format!("字段过多 (too many fields: {nfields}, at most 255)"),
        ));
    }
    // Field names.
    let mut names: Vec<Vec<u8>> = Vec::with_capacity(nfields);
    for name in &table.fields {
        let bytes = encoding.encode(name).ok_or_else(|| {
            Error::input(
                &dbf_path,
                0,
                format!(
                    "字段名 {name} 无法用 {} 编码 (cannot be encoded)",
                    encoding.cpg()
                ),
            )
        })?;
        if bytes.is_empty() || bytes.len() > 10 || bytes.contains(&0) {
            return Err(Error::input(
                &dbf_path,
                0,
                format!(
                    "字段名 “{name}” 须为 1–10 字节 (field names are 1 to 10 bytes; this is {})",
                    bytes.len()
                ),
            ));
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(&bytes)) {
            return Err(Error::input(
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
            return Err(Error::input(
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
            let text = f.values.get(k).map(String::as_str).unwrap_or("");
            let bytes = encoding.encode(text).ok_or_else(|| {
                Error::input(
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
                return Err(Error::input(
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
        .map_err(|_| Error::input(&dbf_path, 0, "记录过多 (too many records)"))?;
    let record_len_u16 = u16::try_from(record_len).map_err(|_| {
        Error::input(
            &dbf_path,
            0,
            format!("记录过长 (record length {record_len} > 65535 bytes)"),
        )
    })?;
    let header_len_u16 = u16::try_from(header_len)
        .map_err(|_| Error::input(&dbf_path, 0, "字段过多 (too many fields)"))?;

    let mut out = Vec::with_capacity(header_len + record_len * values.len() + 1);
    let (y, m, d) = today();
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

/// Today's date as the DBF header stores it: (year − 1900, month, day).
fn today() -> (u8, u8, u8) {
    use chrono::Datelike;
    let now = chrono::Local::now().date_naive();
    let y = u8::try_from(now.year() - 1900).unwrap_or(u8::MAX);
    (y, now.month() as u8, now.day() as u8)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Read a shapefile: polygons (rings sorted into shells and holes), multipolygons and points.
pub fn read(path: &Path) -> Result<FeatureTable> {
    todo!("helper: shapefile")
}

#[cfg(test)]
mod tests {
    use super::*;
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
            DbfEncoding::Gbk,
            Some(PRJ_4527_ESRI),
        )
        .expect("write");

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
        write(&path, &chinese_table(), DbfEncoding::Utf8, None).expect("write");
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
        write(&path, &table, DbfEncoding::Utf8, Some(PRJ_4490_ESRI)).expect("write");
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
        write(&path, &table, DbfEncoding::Utf8, None).expect("write multipoint");
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
        let e = write(&path, &mixed, DbfEncoding::Gbk, None).expect_err("mixed");
        assert!(e.to_string().contains("要素 2"), "{e}");

        let mut long = chinese_table();
        long.fields[0] = "LONG_NAME_11".into();
        let e = write(&path, &long, DbfEncoding::Gbk, None).expect_err("long name");
        assert!(e.to_string().contains("LONG_NAME_11"), "{e}");
        // Six Chinese characters are 12 bytes in GBK: too long for a field name.
        long.fields[0] = "永久基本农田".into();
        assert!(write(&path, &long, DbfEncoding::Gbk, None).is_err());
        // Five are 10 bytes: allowed.
        long.fields[0] = "永久基本田".into();
        write(&path, &long, DbfEncoding::Gbk, None).expect("10-byte name");

        let mut emoji = chinese_table();
        emoji.features[0].values[1] = "浮梁县🌾".into();
        let e = write(&path, &emoji, DbfEncoding::Gbk, None).expect_err("emoji");
        assert!(e.to_string().contains("要素 1"), "{e}");
        write(&path, &emoji, DbfEncoding::Utf8, None).expect("UTF-8 takes emoji");
    }
}
