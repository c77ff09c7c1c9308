//! Coordinate reference systems, through PROJ.
//!
//! Everything is reprojected once, at load time, into the project's working CRS (a planar
//! Gauss-Krüger CRS such as EPSG:4527). Axis order is always easting/longitude first: PROJ is
//! asked for the "visualization" order, so `EPSG:4490` takes (lon, lat) and `EPSG:4527` gives
//! (easting, northing), whatever the EPSG axis order says.
//!
//! PROJ handles are neither `Send` nor `Sync`: build a [`Reprojector`] where it is used.
//!
//! The common case, CGCS2000 lon/lat (EPSG:4490) to or from a CGCS2000 Gauss-Krüger zone
//! (EPSG:4491–4554), is computed by the analytic [`GaussKruger`] series (agreeing with PROJ to
//! about a nanometre), with PROJ as the fallback for points far from the central meridian.

use geo::{Coord, MapCoordsInPlace};
use proj::Proj;

use crate::error::ErrorKind;

mod tm;

/// A coordinate system that cannot be used, or a point that cannot be converted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// PROJ cannot build the conversion (an unknown code, a WKT it does not read).
    #[error("无法建立坐标转换 (cannot convert) {from} → {to}: {detail}")]
    Definition {
        /// The source CRS, shortened for messages.
        from: String,
        /// The target CRS, shortened.
        to: String,
        /// What PROJ said.
        detail: String,
    },
    /// One point could not be converted.
    #[error("点 ({x}, {y}) 无法从 {from} 转换到 {to}: {detail}")]
    Point {
        /// The point as given.
        x: f64,
        /// The point as given.
        y: f64,
        /// The source CRS, shortened.
        from: String,
        /// The target CRS, shortened.
        to: String,
        /// What PROJ said, or that the result is not finite.
        detail: String,
    },
}

impl CrsError {
    /// A CRS or a point comes from the input: its problems are the sender's to fix. A caller
    /// that builds a conversion between CRSs it has already checked (the working CRS and
    /// CGCS2000) treats a failure as internal instead.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Input
    }
}

/// Result with [`CrsError`].
pub type CrsResult<T> = std::result::Result<T, CrsError>;

pub use tm::GaussKruger;

/// CGCS2000 geographic coordinates (lon, lat).
pub const CGCS2000: &str = "EPSG:4490";

/// The EPSG code of a CGCS2000 3° Gauss-Krüger zone (25–45) *with* the zone prefix in the easting.
pub fn gk3_epsg_with_prefix(zone: u32) -> Option<u32> {
    (25..=45).contains(&zone).then(|| 4513 + zone - 25)
}

/// The EPSG code of a CGCS2000 3° Gauss-Krüger zone (25–45) *without* the zone prefix
/// (false easting 500 000 m); these are labelled by central meridian (75°E … 135°E).
pub fn gk3_epsg_without_prefix(zone: u32) -> Option<u32> {
    (25..=45).contains(&zone).then(|| 4534 + zone - 25)
}

/// The 3° zone of an easting that carries its zone prefix (Y > 10^7 → floor(Y / 10^6)).
pub fn zone_of_prefixed_easting(easting: f64) -> Option<u32> {
    if easting >= 1.0e7 && easting.is_finite() {
        let z = (easting / 1.0e6).floor();
        (1.0..=60.0).contains(&z).then_some(z as u32)
    } else {
        None
    }
}

/// The 3° zone whose central meridian is nearest to `lon` (zone n has central meridian 3n°E).
pub fn gk3_zone_of_lon(lon: f64) -> u32 {
    (lon / 3.0).round().clamp(1.0, 60.0) as u32
}

/// Converts coordinates from one CRS into another; the identity when both are the same.
pub struct Reprojector {
    proj: Option<Proj>,
    /// The analytic path, when `from`/`to` are EPSG:4490 and a CGCS2000 Gauss-Krüger zone.
    analytic: Option<Analytic>,
    from: String,
    to: String,
}

/// The direction of the analytic Gauss-Krüger path.
enum Analytic {
    /// lon/lat → easting/northing.
    Forward(GaussKruger),
    /// easting/northing → lon/lat.
    Inverse(GaussKruger),
}

impl Analytic {
    /// The analytic path from `from` to `to` (both normalised), if there is one.
    fn between(from: &str, to: &str) -> Option<Analytic> {
        let code = |crs: &str| crs.strip_prefix("EPSG:")?.parse::<u32>().ok();
        if is_cgcs2000_geographic(from) {
            GaussKruger::cgcs2000_epsg(code(to)?).map(Analytic::Forward)
        } else if is_cgcs2000_geographic(to) {
            GaussKruger::cgcs2000_epsg(code(from)?).map(Analytic::Inverse)
        } else {
            None
        }
    }

    /// The converted point, or `None` outside the analytic domain (the caller asks PROJ).
    #[inline]
    fn point(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        match self {
            Analytic::Forward(gk) => gk.forward_in_domain(x, y),
            Analytic::Inverse(gk) => gk.inverse_in_domain(x, y),
        }
    }
}

impl std::fmt::Debug for Reprojector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reprojector({} → {})", self.from, self.to)
    }
}

/// Whether `def` (normalised) is CGCS2000 lon/lat: `EPSG:4490`, or a geographic WKT (ESRI
/// `.prj` or OGC) on the China 2000 datum, with the CGCS2000 ellipsoid, Greenwich and
/// degrees, and no datum shift. Every such definition takes the same (analytic) path, so a
/// clue and a layer vertex with the same lon/lat land on the same projected point, bit for
/// bit, whichever way their CRS was written.
pub fn is_cgcs2000_geographic(def: &str) -> bool {
    if def == CGCS2000 {
        return true;
    }
    let up = def.trim_start().to_ascii_uppercase();
    let compact: String = up.chars().filter(|c| !c.is_whitespace()).collect();
    (compact.starts_with("GEOGCS[") || compact.starts_with("GEOGCRS["))
        && (compact.contains("CHINA") || compact.contains("CGCS"))
        && compact.contains("2000")
        && compact.contains("6378137")
        && compact.contains("298.257222101")
        && !compact.contains("TOWGS84")
        && !compact.contains("PROJCS")
        && !compact.contains("PROJCRS")
        && compact.contains("PRIMEM[\"GREENWICH\",0")
        && (compact.contains("UNIT[\"DEGREE") || compact.contains("ANGLEUNIT[\"DEGREE"))
}

/// Whether a declared CRS is geographic lon/lat on CGCS2000 or WGS 84 (which agree to
/// centimetres, DOMAIN §1.2), so that no conversion is needed.
pub fn is_lonlat(crs: &str) -> bool {
    if is_cgcs2000_geographic(crs) {
        return true;
    }
    let n = normalize(crs);
    if matches!(n.as_str(), "EPSG:4490" | "EPSG:4326" | "OGC:CRS84") || n.ends_with("CRS84") {
        return true;
    }
    let up = n.trim_start().to_ascii_uppercase();
    (up.starts_with("GEOGCS[") || up.starts_with("GEOGCRS["))
        && (up.contains("2000") || up.contains("WGS"))
}

/// Normalise a CRS written by a user: trims, upper-cases the authority of `epsg:4527`.
pub fn normalize(def: &str) -> String {
    let t = def.trim();
    match t.split_once(':') {
        Some((auth, code))
            if auth.eq_ignore_ascii_case("epsg") && code.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("EPSG:{code}")
        }
        _ => t.to_string(),
    }
}

impl Reprojector {
    /// A converter from `from` into `to`. Both may be `EPSG:nnnn`, a PROJ string or WKT
    /// (ESRI `.prj` WKT included).
    pub fn new(from: &str, to: &str) -> CrsResult<Self> {
        let (from, to) = (normalize(from), normalize(to));
        if from == to {
            return Ok(Reprojector {
                proj: None,
                analytic: None,
                from,
                to,
            });
        }
        let proj = Proj::new_known_crs(&from, &to, None).map_err(|e| CrsError::Definition {
            from: short(&from),
            to: short(&to),
            detail: e.to_string(),
        })?;
        Ok(Reprojector {
            proj: Some(proj),
            analytic: Analytic::between(&from, &to),
            from,
            to,
        })
    }

    /// True when no conversion happens.
    pub fn is_identity(&self) -> bool {
        self.proj.is_none()
    }

    /// Convert one point `(x, y)` (easting/longitude first).
    #[inline]
    pub fn point(&self, x: f64, y: f64) -> CrsResult<(f64, f64)> {
        if let Some(v) = self.analytic.as_ref().and_then(|a| a.point(x, y)) {
            return Ok(v);
        }
        self.proj_point(x, y)
    }

    /// Convert one point through PROJ (the general path and the analytic path's fallback).
    fn proj_point(&self, x: f64, y: f64) -> CrsResult<(f64, f64)> {
        let point_error = |detail: String| CrsError::Point {
            x,
            y,
            from: short(&self.from),
            to: short(&self.to),
            detail,
        };
        match &self.proj {
            None => Ok((x, y)),
            Some(p) => {
                let (a, b) = p.convert((x, y)).map_err(|e| point_error(e.to_string()))?;
                if a.is_finite() && b.is_finite() {
                    Ok((a, b))
                } else {
                    Err(point_error("转换结果无效 (not finite)".into()))
                }
            }
        }
    }

    /// Convert every coordinate of a geometry in place. On the first failure the geometry is
    /// left partly converted and the error names the point.
    pub fn geometry_in_place<G: MapCoordsInPlace<f64>>(&self, g: &mut G) -> CrsResult<()> {
        if self.proj.is_none() {
            return Ok(());
        }
        let err: std::cell::RefCell<Option<CrsError>> = std::cell::RefCell::new(None);
        let err_ref = &err;
        g.map_coords_in_place(|c: Coord<f64>| {
            if err_ref.borrow().is_some() {
                return c;
            }
            match self.point(c.x, c.y) {
                Ok((x, y)) => Coord { x, y },
                Err(e) => {
                    *err_ref.borrow_mut() = Some(e);
                    c
                }
            }
        });
        match err.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// A CRS definition shortened for messages (a WKT is cut after its name).
fn short(def: &str) -> String {
    if def.len() <= 60 {
        def.to_string()
    } else {
        let cut: String = def.chars().take(60).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DOMAIN §1.2: lon 117.2, lat 29.3 → easting 39519431.2652, northing 3242537.3942 (EPSG:4527).
    #[test]
    fn check_value_4527_and_4548() {
        let r = Reprojector::new("EPSG:4490", "EPSG:4527").expect("4490→4527");
        let (e, n) = r.point(117.2, 29.3).expect("convert");
        assert!((e - 39519431.2652).abs() < 5e-5, "easting {e}");
        assert!((n - 3242537.3942).abs() < 5e-5, "northing {n}");
        let r = Reprojector::new("EPSG:4490", "EPSG:4548").expect("4490→4548");
        let (e, n) = r.point(117.2, 29.3).expect("convert");
        assert!((e - 519431.2652).abs() < 5e-5, "easting {e}");
        assert!((n - 3242537.3942).abs() < 5e-5, "northing {n}");
        let back = Reprojector::new("EPSG:4527", "EPSG:4490").expect("back");
        let (lon, lat) = back.point(39519431.2652, 3242537.3942).expect("inverse");
        assert!((lon - 117.2).abs() < 1e-9 && (lat - 29.3).abs() < 1e-9);
    }

    #[test]
    fn zone_codes() {
        assert_eq!(gk3_epsg_with_prefix(39), Some(4527));
        assert_eq!(gk3_epsg_without_prefix(39), Some(4548));
        assert_eq!(gk3_epsg_with_prefix(25), Some(4513));
        assert_eq!(gk3_epsg_without_prefix(45), Some(4554));
        assert_eq!(gk3_epsg_with_prefix(46), None);
        assert_eq!(zone_of_prefixed_easting(39519431.265), Some(39));
        assert_eq!(zone_of_prefixed_easting(519431.265), None);
        assert_eq!(gk3_zone_of_lon(117.2), 39);
    }

    #[test]
    fn identity_and_normalisation() {
        let r = Reprojector::new("epsg:4527", " EPSG:4527 ").expect("same");
        assert!(r.is_identity());
        assert_eq!(r.point(1.0, 2.0).expect("id"), (1.0, 2.0));
        assert!(Reprojector::new("EPSG:999999", "EPSG:4527").is_err());
    }
}

/// ESRI-style WKT (as ArcGIS writes it in a `.prj`) for CGCS2000 geographic (EPSG:4490) and the
/// CGCS2000 3° Gauss-Krüger zones EPSG:4513–4554; `None` for other CRSs.
pub fn esri_wkt(crs: &str) -> Option<String> {
    let code: u32 = normalize(crs).strip_prefix("EPSG:")?.parse().ok()?;
    const GEOGCS: &str = "GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\",DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";
    let (zone, prefixed) = match code {
        4490 => return Some(GEOGCS.to_string()),
        4513..=4533 => (code - 4513 + 25, true),
        4534..=4554 => (code - 4534 + 25, false),
        _ => return None,
    };
    let cm = zone * 3;
    let (name, fe) = if prefixed {
        (
            format!("CGCS2000_3_Degree_GK_Zone_{zone}"),
            zone as f64 * 1.0e6 + 500000.0,
        )
    } else {
        (format!("CGCS2000_3_Degree_GK_CM_{cm}E"), 500000.0)
    };
    Some(format!(
        "PROJCS[\"{name}\",{GEOGCS},PROJECTION[\"Gauss_Kruger\"],PARAMETER[\"False_Easting\",{fe:.1}],PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",{cm}.0],PARAMETER[\"Scale_Factor\",1.0],PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]"
    ))
}

/// The 3° zone of a CGCS2000 Gauss-Krüger EPSG code with the zone prefix (4513–4533).
pub fn prefixed_zone_of(crs: &str) -> Option<u32> {
    let code: u32 = normalize(crs).strip_prefix("EPSG:")?.parse().ok()?;
    (4513..=4533).contains(&code).then(|| code - 4513 + 25)
}

#[cfg(test)]
mod wkt_tests {
    use super::*;

    /// A CGCS2000 lon/lat written as ESRI WKT takes the same path as `EPSG:4490`: the same
    /// lon/lat give the same projected point, bit for bit (a clue on a reserve vertex stays on
    /// it).
    #[test]
    fn cgcs2000_geographic_in_any_spelling_projects_identically() {
        let esri = esri_wkt("EPSG:4490").expect("wkt");
        let ogc = "GEOGCRS[\"China Geodetic Coordinate System 2000\",DATUM[\"China 2000\",ELLIPSOID[\"CGCS2000\",6378137,298.257222101,LENGTHUNIT[\"metre\",1]]],PRIMEM[\"Greenwich\",0,ANGLEUNIT[\"degree\",0.0174532925199433]],CS[ellipsoidal,2],AXIS[\"geodetic latitude (Lat)\",north],AXIS[\"geodetic longitude (Lon)\",east],ANGLEUNIT[\"degree\",0.0174532925199433]]";
        for (def, want) in [
            ("EPSG:4490", true),
            (esri.as_str(), true),
            (ogc, true),
            ("EPSG:4527", false),
            (esri_wkt("EPSG:4527").expect("gk").as_str(), false),
            ("GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]", false),
            ("GEOGCS[\"China 2000 shifted\",DATUM[\"x\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101],TOWGS84[1,2,3,0,0,0,0]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]", false),
        ] {
            assert_eq!(is_cgcs2000_geographic(&normalize(def)), want, "{def}");
        }
        let a = Reprojector::new("EPSG:4490", "EPSG:4527").expect("a");
        let b = Reprojector::new(&esri, "EPSG:4527").expect("b");
        let c = Reprojector::new(ogc, "EPSG:4527").expect("c");
        for (lon, lat) in [(117.2, 29.3), (117.219091, 29.201924), (116.51, 28.97)] {
            let pa = a.point(lon, lat).expect("a");
            assert_eq!(pa, b.point(lon, lat).expect("b"));
            assert_eq!(pa, c.point(lon, lat).expect("c"));
        }
    }

    /// The ESRI WKT we write must mean the same CRS to PROJ as the EPSG code.
    #[test]
    fn esri_wkt_round_trips_through_proj() {
        for code in ["EPSG:4527", "EPSG:4548", "EPSG:4490"] {
            let wkt = esri_wkt(code).expect("known code");
            let r = Reprojector::new(&wkt, code).expect("PROJ reads the ESRI WKT");
            let (x, y) = if code == "EPSG:4490" {
                (117.2, 29.3)
            } else if code == "EPSG:4527" {
                (39519431.2652, 3242537.3942)
            } else {
                (519431.2652, 3242537.3942)
            };
            let (a, b) = r.point(x, y).expect("convert");
            assert!(
                (a - x).abs() < 1e-6 && (b - y).abs() < 1e-6,
                "{code}: {a} {b}"
            );
        }
        assert_eq!(prefixed_zone_of("EPSG:4527"), Some(39));
        assert_eq!(prefixed_zone_of("EPSG:4548"), None);
    }
}
