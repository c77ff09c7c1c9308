//! Planar and ellipsoidal areas.
//!
//! Survey practice computes a parcel's area in the plane of the Gauss-Krüger projection
//! ([`planar_area`]); land-survey statistics use the area on the ellipsoid ([`ellipsoidal_area`]).
//! Both are unsigned and independent of ring orientation; holes are subtracted.

use geo::orient::{Direction, Orient};
use geo::{Coord, GeodesicArea, LineString, MultiPolygon};

/// Area in m² of a multipolygon in planar metres (e.g. EPSG:4527), holes subtracted.
///
/// The shoelace sum runs in coordinates shifted to a local origin (the first exterior point),
/// so eastings of 39 million keep their precision: with raw coordinates each product
/// `x·y` is ~1.3·10^14 and the rounding error alone would be ~0.02 m² per vertex.
///
/// ```
/// use geo::polygon;
/// let rect = polygon![(x: 39519431.265, y: 3242537.394), (x: 39519441.265, y: 3242537.394),
///     (x: 39519441.265, y: 3242552.194), (x: 39519431.265, y: 3242552.194)];
/// let a = redline_core::geometry::area::planar_area(&rect.into());
/// assert!((a - 148.0).abs() < 1e-6);
/// ```
pub fn planar_area(mp: &MultiPolygon<f64>) -> f64 {
    let Some(origin) = mp.0.iter().find_map(|p| p.exterior().0.first().copied()) else {
        return 0.0;
    };
    mp.0.iter()
        .map(|p| {
            ring_area(p.exterior(), origin)
                - p.interiors()
                    .iter()
                    .map(|h| ring_area(h, origin))
                    .sum::<f64>()
        })
        .sum()
}

/// Unsigned shoelace area of one ring (closed or not) relative to `origin`.
fn ring_area(ring: &LineString<f64>, origin: Coord<f64>) -> f64 {
    (super::ring::twice_signed_area(&ring.0, origin) / 2.0).abs()
}

/// Area in m² on the ellipsoid of a multipolygon in longitude/latitude degrees (x = lon,
/// y = lat), holes subtracted: Karney's geodesic polygon area through geo's [`GeodesicArea`].
/// geo uses the WGS84 ellipsoid, which differs from CGCS2000's by 0.1 mm in the semi-minor
/// axis: a relative area difference below 10⁻¹⁰.
///
/// Rings are oriented first (exteriors counter-clockwise, holes clockwise): geographiclib's
/// unsigned area of a clockwise ring would otherwise be the rest of the Earth.
pub fn ellipsoidal_area(lonlat: &MultiPolygon<f64>) -> f64 {
    lonlat
        .0
        .iter()
        .map(|p| p.orient(Direction::Default).geodesic_area_unsigned())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Polygon};

    #[test]
    fn planar_rectangle_at_zone_39_eastings() {
        // 10 m × 14.8 m = 148.0 m², in both orientations.
        let ccw: Polygon<f64> = polygon![
            (x: 39519431.0, y: 3242537.0), (x: 39519441.0, y: 3242537.0),
            (x: 39519441.0, y: 3242551.8), (x: 39519431.0, y: 3242551.8), (x: 39519431.0, y: 3242537.0),
        ];
        let mut cw = ccw.clone();
        cw.exterior_mut(|r| r.0.reverse());
        for p in [ccw, cw] {
            let a = planar_area(&p.into());
            assert!((a - 148.0).abs() < 1e-6, "{a}");
        }
    }

    #[test]
    fn planar_holes_and_parts() {
        // 20×20 square minus a 5×5 hole, plus a separate 10×14.8 part: 400 − 25 + 148 = 523.
        let e0 = 39_519_431.0;
        let n0 = 3_242_537.0;
        let sq = Polygon::new(
            LineString::from(vec![
                (e0, n0),
                (e0 + 20.0, n0),
                (e0 + 20.0, n0 + 20.0),
                (e0, n0 + 20.0),
            ]),
            vec![LineString::from(vec![
                (e0 + 5.0, n0 + 5.0),
                (e0 + 10.0, n0 + 5.0),
                (e0 + 10.0, n0 + 10.0),
                (e0 + 5.0, n0 + 10.0),
            ])],
        );
        let part = Polygon::new(
            LineString::from(vec![
                (e0 + 30.0, n0),
                (e0 + 40.0, n0),
                (e0 + 40.0, n0 + 14.8),
                (e0 + 30.0, n0 + 14.8),
            ]),
            vec![],
        );
        let a = planar_area(&MultiPolygon(vec![sq, part]));
        assert!((a - 523.0).abs() < 1e-6, "{a}");
        assert_eq!(planar_area(&MultiPolygon(vec![])), 0.0);
    }

    /// Area of the lat/lon rectangle [λ1, λ2] × [φ1, φ2] on an ellipsoid (a, f), from the
    /// authalic-latitude formula (area between the equator and latitude φ per radian of
    /// longitude is b²/2 · q(φ)):
    ///
    /// ```text
    /// e² = f(2 − f),  b = a(1 − f)
    /// q(φ) = sinφ / (1 − e² sin²φ) + 1/(2e) · ln((1 + e sinφ) / (1 − e sinφ))
    /// A = (λ2 − λ1) · b²/2 · [q(φ2) − q(φ1)]        (λ in radians)
    /// ```
    /// Check: e → 0 gives b² sinφ per radian, 4πb² for the whole sphere.
    ///
    /// The geodesic polygon through the four corners differs from this rectangle because its
    /// east-west sides are geodesics, not parallels: each bulges poleward by
    /// h ≈ R·sinφ·cosφ·Δλ²/8 ≈ 0.010 m over L ≈ 970 m, a lens of ≈ 2/3·L·h ≈ 6.7 m². The northern
    /// lens adds area, the southern one removes almost the same; their difference is
    /// ≈ 6.7 m² × |cotφ − 2tanφ|·Δφ ≈ 0.001 m², i.e. 10⁻⁹ of the 1.07 km² cell.
    fn authalic_rectangle(a: f64, f: f64, lon1: f64, lon2: f64, lat1: f64, lat2: f64) -> f64 {
        let e2 = f * (2.0 - f);
        let e = e2.sqrt();
        let b = a * (1.0 - f);
        let q = |lat: f64| {
            let s = lat.to_radians().sin();
            s / (1.0 - e2 * s * s) + ((1.0 + e * s) / (1.0 - e * s)).ln() / (2.0 * e)
        };
        (lon2 - lon1).to_radians() * b * b / 2.0 * (q(lat2) - q(lat1))
    }

    #[test]
    fn ellipsoidal_cell_matches_the_authalic_formula() {
        let (lon1, lon2, lat1, lat2) = (117.2, 117.21, 29.3, 29.31);
        let expected =
            authalic_rectangle(6_378_137.0, 1.0 / 298.257_223_563, lon1, lon2, lat1, lat2);
        // Independent sanity: 0.01° of latitude ≈ 1109 m, 0.01° of longitude ≈ 971 m here.
        assert!((expected - 1.077e6).abs() < 0.01e6, "{expected}");
        let ccw: Polygon<f64> = polygon![
            (x: lon1, y: lat1), (x: lon2, y: lat1), (x: lon2, y: lat2), (x: lon1, y: lat2), (x: lon1, y: lat1),
        ];
        let mut cw = ccw.clone();
        cw.exterior_mut(|r| r.0.reverse());
        for p in [ccw, cw] {
            let got = ellipsoidal_area(&p.into());
            assert!(
                ((got - expected) / expected).abs() < 1e-6,
                "{got} vs {expected}"
            );
        }
    }

    #[test]
    fn ellipsoidal_hole_is_subtracted() {
        // The cell minus its north-east quarter: 3/4 of the cell, to the same accuracy.
        let cell = |lon1: f64, lon2: f64, lat1: f64, lat2: f64| {
            LineString::from(vec![(lon1, lat1), (lon2, lat1), (lon2, lat2), (lon1, lat2)])
        };
        let full = authalic_rectangle(
            6_378_137.0,
            1.0 / 298.257_223_563,
            117.2,
            117.21,
            29.3,
            29.31,
        );
        let quarter = authalic_rectangle(
            6_378_137.0,
            1.0 / 298.257_223_563,
            117.205,
            117.21,
            29.305,
            29.31,
        );
        let p = Polygon::new(
            cell(117.2, 117.21, 29.3, 29.31),
            vec![cell(117.205, 117.21, 29.305, 29.31)],
        );
        let got = ellipsoidal_area(&p.into());
        let want = full - quarter;
        assert!(((got - want) / want).abs() < 1e-6, "{got} vs {want}");
    }
}
