//! Coordinate reference systems, through PROJ.
//!
//! Everything is reprojected once, at load time, into the project's working CRS (a planar
//! Gauss-Krüger CRS such as EPSG:4527). Axis order is always easting/longitude first: PROJ is
//! asked for the "visualization" order, so `EPSG:4490` takes (lon, lat) and `EPSG:4527` gives
//! (easting, northing), whatever the EPSG axis order says.
//!
//! PROJ handles are neither `Send` nor `Sync`: build a [`Reprojector`] where it is used.

use geo::{Coord, MapCoordsInPlace};
use proj::Proj;

use crate::{Error, Result};

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
        (z >= 1.0 && z <= 60.0).then_some(z as u32)
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
    from: String,
    to: String,
}

impl std::fmt::Debug for Reprojector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reprojector({} → {})", self.from, self.to)
    }
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
    pub fn new(from: &str, to: &str) -> Result<Self> {
        let (from, to) = (normalize(from), normalize(to));
        if from == to {
            return Ok(Reprojector {
                proj: None,
                from,
                to,
            });
        }
        let proj = Proj::new_known_crs(&from, &to, None).map_err(|e| {
            Error::Crs(format!(
                "无法建立坐标转换 (cannot convert) {} → {}: {e}",
                short(&from),
                short(&to)
            ))
        })?;
        Ok(Reprojector {
            proj: Some(proj),
            from,
            to,
        })
    }

    /// True when no conversion happens.
    pub fn is_identity(&self) -> bool {
        self.proj.is_none()
    }

    /// Convert one point `(x, y)` (easting/longitude first).
    pub fn point(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        match &self.proj {
            None => Ok((x, y)),
            Some(p) => {
                let (a, b) = p.convert((x, y)).map_err(|e| {
                    Error::Crs(format!(
                        "点 ({x}, {y}) 无法从 {} 转换到 {}: {e}",
                        short(&self.from),
                        short(&self.to)
                    ))
                })?;
                if a.is_finite() && b.is_finite() {
                    Ok((a, b))
                } else {
                    Err(Error::Crs(format!(
                        "点 ({x}, {y}) 转换结果无效 (not finite) {} → {}",
                        short(&self.from),
                        short(&self.to)
                    )))
                }
            }
        }
    }

    /// Convert every coordinate of a geometry in place. On the first failure the geometry is
    /// left partly converted and the error names the point.
    pub fn geometry_in_place<G: MapCoordsInPlace<f64>>(&self, g: &mut G) -> Result<()> {
        if self.proj.is_none() {
            return Ok(());
        }
        let err: std::cell::RefCell<Option<Error>> = std::cell::RefCell::new(None);
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
