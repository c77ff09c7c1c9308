//! All ledger entries with their geometry, as GeoJSON or shapefile, for the map.
//!
//! Attribute names are short ASCII (≤ 10 bytes, the DBF limit) in the pinyin-initial style of
//! Chinese GIS data:
//!
//! | field | meaning            | field | meaning               |
//! |-------|--------------------|-------|-----------------------|
//! | TZID  | 台账编号 (ledger id) | BH    | 线索编号               |
//! | PC    | 批次               | ND    | 年度                   |
//! | XQDM  | 县区代码           | XQ    | 县区                   |
//! | BHQMC | 保护区名称         | BHQJB | 保护区级别             |
//! | GNFQ  | 功能分区           | HDLX  | 活动类型               |
//! | MJ    | 面积(平方米)       | JL    | 距保护区距离(米)       |
//! | ZDWT  | 重点问题 (是/否)   | ZDLX  | 重点问题类型           |
//! | ZRBM  | 责任部门           | ZT    | 整改状态               |
//! | ZGSX  | 整改时限           | ZRDW  | 责任单位               |
//! | ZGCS  | 整改措施           | BBH   | 版本号                 |
//! | JD    | 经度               | WD    | 纬度                   |
//! | YQ    | 逾期 (是/否)       |       |                        |

use std::path::Path;

use crate::formats::shapefile::{DbfEncoding, ShapefileBytes};
use crate::formats::{FeatureTable, RawFeature};

use super::{zone_label, Entry, Filter, Ledger, LedgerResult};

/// The attribute fields of an export, in order.
pub const FIELDS: [&str; 25] = [
    "TZID", "BH", "PC", "ND", "XQDM", "XQ", "BHQMC", "BHQJB", "GNFQ", "HDLX", "MJ", "JL", "ZDWT",
    "ZDLX", "ZRBM", "ZT", "ZGSX", "ZRDW", "ZGCS", "BBH", "JD", "WD", "YQ", "CJSJ", "GXSJ",
];

/// CGCS2000 geographic coordinates, as ESRI WKT for the `.prj`.
pub const CGCS2000_PRJ: &str = "GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\",\
DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],\
PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

/// Which geometry each exported entry carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportGeometry {
    /// Every entry as its point (lon/lat).
    Points,
    /// The patch polygon where the entry has one. GeoJSON falls back to the point for entries
    /// without a patch; a shapefile (one geometry type per file) leaves them out.
    Patches,
}

/// The patch of an entry as a polygon or multipolygon, when it has a usable one.
fn patch(e: &Entry) -> Option<geo::Geometry<f64>> {
    let text = e.geometry_geojson.as_deref()?;
    let gj: geojson::GeoJson = text.parse().ok()?;
    let g: geo::Geometry<f64> = geo::Geometry::try_from(gj).ok()?;
    match g {
        geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) => Some(g),
        geo::Geometry::GeometryCollection(gc) if gc.0.len() == 1 => match gc.0.into_iter().next() {
            Some(g @ (geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_))) => Some(g),
            _ => None,
        },
        _ => None,
    }
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn num(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.2}")).unwrap_or_default()
}

/// The attribute values of one entry, in [`FIELDS`] order.
pub fn attributes(e: &Entry) -> Vec<String> {
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let zone = match (&e.zone_cn, &e.zone) {
        (Some(cn), _) => cn.clone(),
        (None, Some(z)) => zone_label(z).to_string(),
        (None, None) => String::new(),
    };
    vec![
        e.id.to_string(),
        e.clue_id.clone(),
        e.batch.clone(),
        e.year.map(|y| y.to_string()).unwrap_or_default(),
        s(&e.county_code),
        s(&e.county),
        s(&e.reserve),
        s(&e.reserve_level),
        zone,
        e.activity.clone(),
        num(e.area_m2),
        num(e.distance_m),
        yes_no(e.focus),
        e.focus_reasons.join("；"),
        e.departments.join("、"),
        e.status.label_cn().to_string(),
        e.deadline
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        s(&e.responsible_unit),
        s(&e.measures),
        e.version.to_string(),
        format!("{:.7}", e.lon),
        format!("{:.7}", e.lat),
        yes_no(e.overdue),
        e.created_at.clone(),
        e.updated_at.clone(),
    ]
}

/// The entries as a feature table in CGCS2000 lon/lat. With [`ExportGeometry::Patches`] and
/// `fallback_to_points == false`, entries without a patch are left out.
pub fn feature_table(
    entries: &[Entry],
    geometry: ExportGeometry,
    fallback_to_points: bool,
) -> FeatureTable {
    let features = entries
        .iter()
        .filter_map(|e| {
            let point = || geo::Geometry::Point(geo::Point::new(e.lon, e.lat));
            let g = match geometry {
                ExportGeometry::Points => Some(point()),
                ExportGeometry::Patches => patch(e).or_else(|| fallback_to_points.then(point)),
            }?;
            Some(RawFeature {
                geometry: g,
                values: attributes(e),
            })
        })
        .collect();
    FeatureTable {
        crs: Some(crate::crs::CGCS2000.to_string()),
        fields: FIELDS.iter().map(|f| (*f).to_string()).collect(),
        features,
        encoding: Some("UTF-8".into()),
    }
}

/// The longest DBF character value.
const DBF_MAX_BYTES: usize = 254;

/// A value as the DBF can hold it: characters the encoding cannot represent become `?`, and a
/// value longer than 254 encoded bytes is cut at a character boundary and ends with `…`
/// (GeoJSON keeps the full text).
pub fn fit_dbf(text: &str, encoding: DbfEncoding) -> String {
    let width = |c: char| -> Option<usize> {
        match encoding {
            DbfEncoding::Utf8 => Some(c.len_utf8()),
            DbfEncoding::Gbk => {
                let mut buf = [0u8; 4];
                let (bytes, _, bad) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
                (!bad).then_some(bytes.len())
            }
        }
    };
    let ellipsis = width('…').unwrap_or(3);
    let mut out = String::with_capacity(text.len());
    let mut used = 0;
    let total: usize = text.chars().map(|c| width(c).unwrap_or(1)).sum();
    let budget = if total > DBF_MAX_BYTES {
        DBF_MAX_BYTES - ellipsis
    } else {
        DBF_MAX_BYTES
    };
    for c in text.chars() {
        let (c, w) = match width(c) {
            Some(w) => (c, w),
            None => ('?', 1),
        };
        if used + w > budget {
            out.push('…');
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

impl Ledger {
    /// The entries matching `filter` as GeoJSON FeatureCollection text (patches where present,
    /// else points, with [`ExportGeometry::Patches`]), and how many there are.
    pub fn geojson_export(
        &self,
        filter: &Filter,
        geometry: ExportGeometry,
    ) -> LedgerResult<(usize, String)> {
        let entries = self.list_all(filter)?;
        let table = feature_table(&entries, geometry, true);
        let value = crate::formats::geojson::to_value(Path::new("ledger.geojson"), &table)?;
        Ok((table.features.len(), value.to_string()))
    }

    /// Write [`Ledger::geojson_export`] to `path`. Returns the number written.
    pub fn export_geojson(
        &self,
        path: &Path,
        filter: &Filter,
        geometry: ExportGeometry,
    ) -> LedgerResult<usize> {
        let (n, text) = self.geojson_export(filter, geometry)?;
        crate::formats::write_file(path, text.as_bytes())?;
        Ok(n)
    }

    /// The entries matching `filter` as shapefile files in memory, with a CGCS2000 `.prj`: all
    /// entries as points, or only the entries with patches as polygons; and how many there are.
    pub fn shapefile_export(
        &self,
        filter: &Filter,
        geometry: ExportGeometry,
        encoding: DbfEncoding,
    ) -> LedgerResult<(usize, ShapefileBytes)> {
        let entries = self.list_all(filter)?;
        let mut table = feature_table(&entries, geometry, false);
        for f in &mut table.features {
            for v in &mut f.values {
                *v = fit_dbf(v, encoding);
            }
        }
        table.encoding = Some(match encoding {
            DbfEncoding::Gbk => "GBK".into(),
            DbfEncoding::Utf8 => "UTF-8".into(),
        });
        let options = crate::formats::shapefile::WriteOptions {
            encoding,
            prj_wkt: Some(CGCS2000_PRJ),
            // The ledger's today: a fixed date in the settings gives the same bytes every day.
            last_update: self.today(),
        };
        let files = crate::formats::shapefile::encode(Path::new("ledger.shp"), &table, options)?;
        Ok((table.features.len(), files))
    }

    /// Write [`Ledger::shapefile_export`] as `path` (`.shp` and its side-cars). Returns the
    /// number written.
    pub fn export_shapefile(
        &self,
        path: &Path,
        filter: &Filter,
        geometry: ExportGeometry,
        encoding: DbfEncoding,
    ) -> LedgerResult<usize> {
        let (n, files) = self.shapefile_export(filter, geometry, encoding)?;
        for (ext, bytes) in files.parts() {
            crate::formats::write_file(&path.with_extension(ext), bytes)?;
        }
        Ok(n)
    }

    /// [`Ledger::shapefile_export`] zipped as `<stem>.shp`, `<stem>.shx` … (for a download).
    pub fn shapefile_zip_export(
        &self,
        filter: &Filter,
        geometry: ExportGeometry,
        encoding: DbfEncoding,
        stem: &str,
    ) -> LedgerResult<(usize, Vec<u8>)> {
        let (n, files) = self.shapefile_export(filter, geometry, encoding)?;
        let entries: Vec<(String, &[u8])> = files
            .parts()
            .into_iter()
            .map(|(ext, b)| (format!("{stem}.{ext}"), b))
            .collect();
        let zipped = crate::formats::zip::write(Path::new(&format!("{stem}.zip")), &entries)?;
        Ok((n, zipped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_unmappable_values_fit_the_dbf() {
        // 200 CJK characters: 400 bytes in GBK, 600 in UTF-8.
        let long = "整".repeat(200);
        let gbk = fit_dbf(&long, DbfEncoding::Gbk);
        // 252 bytes of text (126 characters) + … (2 bytes in GBK) = 254.
        assert_eq!(gbk.chars().count(), 127);
        assert!(gbk.ends_with('…'));
        let utf8 = fit_dbf(&long, DbfEncoding::Utf8);
        // (254 − 3) / 3 = 83 characters + … (3 bytes) = 252 bytes.
        assert_eq!(utf8.chars().count(), 84);
        assert!(utf8.len() <= 254);
        assert_eq!(
            fit_dbf("瑶里自然保护区", DbfEncoding::Gbk),
            "瑶里自然保护区"
        );
        // U+1F600 has no GBK code.
        assert_eq!(fit_dbf("a\u{1F600}b", DbfEncoding::Gbk), "a?b");
        assert_eq!(fit_dbf("a\u{1F600}b", DbfEncoding::Utf8), "a\u{1F600}b");
    }

    #[test]
    fn field_names_fit_dbf() {
        for f in FIELDS {
            assert!(f.len() <= 10 && f.is_ascii(), "{f}");
        }
        let mut sorted = FIELDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), FIELDS.len());
    }
}
