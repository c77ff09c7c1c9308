//! The frame of the generated data: the real county outlines of Jingdezhen (DOMAIN §4), taken
//! from `fixtures/jingdezhen/counties_gbk_4548.*` (embedded at compile time) and moved into
//! EPSG:4527 by adding the zone prefix (39 000 000 m) to the easting.

use std::io::Cursor;

use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};

use crate::error::{Error, Result};

const SHP: &[u8] = include_bytes!("../../../fixtures/jingdezhen/counties_gbk_4548.shp");
const DBF: &[u8] = include_bytes!("../../../fixtures/jingdezhen/counties_gbk_4548.dbf");

/// The zone prefix of EPSG:4527 eastings (zone 39).
pub const ZONE_PREFIX_M: f64 = 39_000_000.0;

/// One county-level unit in EPSG:4527.
#[derive(Clone, Debug)]
pub struct County {
    /// Administrative code (e.g. `360222`).
    pub code: String,
    /// Name (e.g. `浮梁县`).
    pub name: String,
    pub outline: MultiPolygon<f64>,
}

impl County {
    /// True when the point lies inside the outline.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        self.outline.contains(&Point::new(x, y))
    }

    /// Bounding box `(min_x, min_y, max_x, max_y)`.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in &self.outline.0 {
            for c in p.exterior().coords() {
                b = (b.0.min(c.x), b.1.min(c.y), b.2.max(c.x), b.3.max(c.y));
            }
        }
        b
    }
}

/// The four county-level units, in file order (昌江区, 珠山区, 浮梁县, 乐平市).
pub fn counties() -> Result<Vec<County>> {
    let bad =
        |m: String| Error::Design(format!("内嵌县界数据损坏 (embedded county outlines): {m}"));
    let reader = shapefile::ShapeReader::new(Cursor::new(SHP)).map_err(|e| bad(e.to_string()))?;
    let shapes = reader
        .read_as::<shapefile::Polygon>()
        .map_err(|e| bad(e.to_string()))?;
    let records = dbf_records(DBF).ok_or_else(|| bad("dbf".into()))?;
    if records.len() != shapes.len() {
        return Err(bad(format!(
            "{} shapes, {} records",
            shapes.len(),
            records.len()
        )));
    }
    let mut out = Vec::new();
    for (shape, rec) in shapes.iter().zip(records) {
        let mut polys: Vec<Polygon<f64>> = Vec::new();
        for ring in shape.rings() {
            let ls: LineString<f64> = ring
                .points()
                .iter()
                .map(|p| Coord {
                    x: p.x + ZONE_PREFIX_M,
                    y: p.y,
                })
                .collect::<Vec<_>>()
                .into();
            match ring {
                shapefile::PolygonRing::Outer(_) => polys.push(Polygon::new(ls, vec![])),
                shapefile::PolygonRing::Inner(_) => {
                    if let Some(last) = polys.last_mut() {
                        last.interiors_push(ls);
                    }
                }
            }
        }
        let code = rec.first().cloned().unwrap_or_default();
        let name = rec.get(1).cloned().unwrap_or_default();
        out.push(County {
            code,
            name,
            outline: MultiPolygon(polys),
        });
    }
    Ok(out)
}

/// The character fields of a dBASE III file, trimmed and decoded from GBK.
fn dbf_records(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let count = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let header_len = u16::from_le_bytes(bytes.get(8..10)?.try_into().ok()?) as usize;
    let record_len = u16::from_le_bytes(bytes.get(10..12)?.try_into().ok()?) as usize;
    let mut widths = Vec::new();
    let mut off = 32;
    while *bytes.get(off)? != 0x0D {
        widths.push(*bytes.get(off + 16)? as usize);
        off += 32;
    }
    let mut out = Vec::new();
    for i in 0..count {
        let rec = bytes.get(header_len + i * record_len..header_len + (i + 1) * record_len)?;
        let mut pos = 1;
        let mut values = Vec::new();
        for w in &widths {
            let (text, _, _) = encoding_rs::GBK.decode(rec.get(pos..pos + w)?);
            values.push(text.trim().to_string());
            pos += w;
        }
        out.push(values);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    /// DOMAIN §4 reference areas (EPSG:4548 planar; the prefix does not change areas).
    #[test]
    fn outlines_match_reference_areas() {
        let cs = counties().expect("counties");
        let want = [
            ("360202", "昌江区", 324.905),
            ("360203", "珠山区", 113.549),
            ("360222", "浮梁县", 2831.92),
            ("360281", "乐平市", 1982.67),
        ];
        assert_eq!(cs.len(), 4);
        for (c, (code, name, km2)) in cs.iter().zip(want) {
            assert_eq!(c.code, code);
            assert_eq!(c.name, name);
            let a = c.outline.unsigned_area() / 1e6;
            assert!((a - km2).abs() < 0.01, "{name}: {a} km²");
        }
        // The known-answer block origin lies in 浮梁县.
        assert!(cs[2].contains(39_530_112.35, 3_270_045.62));
        assert!(!cs[3].contains(39_530_112.35, 3_270_045.62));
    }
}
