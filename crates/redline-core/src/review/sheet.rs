//! Map sheet numbers (GB/T 13989-2012).
//!
//! A sheet number is `a b L c d`: the 1:1,000,000 row letter `a` (4° bands from the equator,
//! 1 → A), its column `b` (6° bands, 31 at 0°E), the scale letter `L`, and the row `c`
//! (counted from the north edge of the 1:1,000,000 sheet) and column `d` (from its west edge)
//! of the sheet at that scale, three digits each.
//!
//! All arithmetic runs in integer units of 1/8 arc-second, so every sheet edge (down to the
//! 1′52.5″ width of a 1:5,000 sheet) is an exact integer and a point exactly on a sheet line
//! belongs, as the standard's formula says, to the sheet to its north and east.
//! Defined for the northern and eastern hemispheres (0°–88°N, 0°–180°E; China lies inside).

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Rect};

/// Units of 1/8 arc-second per degree.
const UNITS_PER_DEG: i64 = 8 * 3600;
/// 4° and 6°, the 1:1,000,000 sheet, in units.
const ROW_1M: i64 = 4 * UNITS_PER_DEG;
const COL_1M: i64 = 6 * UNITS_PER_DEG;

/// The scales whose sheet numbers the review forms print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scale {
    /// 1:50,000 — 10′ × 15′, letter E.
    S50000,
    /// 1:10,000 — 2′30″ × 3′45″, letter G.
    S10000,
    /// 1:5,000 — 1′15″ × 1′52.5″, letter H.
    S5000,
}

impl Scale {
    /// The scale letter in the sheet number.
    pub fn letter(self) -> char {
        match self {
            Scale::S50000 => 'E',
            Scale::S10000 => 'G',
            Scale::S5000 => 'H',
        }
    }

    /// Sheet height (latitude difference) in 1/8″.
    fn dlat(self) -> i64 {
        match self {
            Scale::S50000 => 600 * 8,
            Scale::S10000 => 150 * 8,
            Scale::S5000 => 75 * 8,
        }
    }

    /// Sheet width (longitude difference) in 1/8″.
    fn dlon(self) -> i64 {
        match self {
            Scale::S50000 => 900 * 8,
            Scale::S10000 => 225 * 8,
            Scale::S5000 => 900, // 112.5″
        }
    }
}

/// Degrees to 1/8″ units: values within 10⁻⁶ unit (a few micrometres) of a whole unit snap to
/// it, so that `114 + 33/60 + 45/3600` lands on the sheet corner it means; others round down.
fn to_units(deg: f64) -> i64 {
    let u = deg * UNITS_PER_DEG as f64;
    let r = u.round();
    if (u - r).abs() < 1e-6 {
        r as i64
    } else {
        u.floor() as i64
    }
}

fn number_from_units(lon: i64, lat: i64, scale: Scale) -> String {
    let a = lat.div_euclid(ROW_1M) + 1;
    let b = lon.div_euclid(COL_1M) + 31;
    let c = ROW_1M / scale.dlat() - lat.rem_euclid(ROW_1M) / scale.dlat();
    let d = lon.rem_euclid(COL_1M) / scale.dlon() + 1;
    let row = match u8::try_from(a) {
        Ok(a @ 1..=26) => char::from(b'A' + a - 1),
        _ => '?',
    };
    format!("{row}{b:02}{}{c:03}{d:03}", scale.letter())
}

/// The number of the sheet at `scale` containing the point (degrees; a point on a sheet line
/// belongs to the sheet north and east of it).
///
/// ```
/// use redline_core::review::sheet::{sheet_number, Scale};
/// assert_eq!(sheet_number(117.2, 29.3, Scale::S10000), "H50G065052");
/// ```
pub fn sheet_number(lon: f64, lat: f64, scale: Scale) -> String {
    number_from_units(to_units(lon), to_units(lat), scale)
}

/// Every sheet at `scale` whose rectangle (closed: edges included) intersects the polygon,
/// sorted and unique. A parcel straddling a sheet line, or lying on it, lists both sheets.
/// Empty when the polygon is empty or its extent is not longitude/latitude (|lon| > 180 or
/// |lat| > 90, e.g. projected metres passed by mistake): no sheet can be named then.
pub fn sheets_touched(lonlat: &MultiPolygon<f64>, scale: Scale) -> Vec<String> {
    let Some(bb) = lonlat.bounding_rect() else {
        return Vec::new();
    };
    let plausible = |c: Coord<f64>| c.x.abs() <= 180.0 && c.y.abs() <= 90.0;
    if !plausible(bb.min()) || !plausible(bb.max()) {
        return Vec::new();
    }
    let (dlat, dlon) = (scale.dlat(), scale.dlon());
    // One extra row and column to the south and west: a polygon whose south or west edge lies
    // exactly on a sheet line touches the sheet beyond it too.
    let rows = to_units(bb.min().y).div_euclid(dlat) - 1..=to_units(bb.max().y).div_euclid(dlat);
    let cols = to_units(bb.min().x).div_euclid(dlon) - 1..=to_units(bb.max().x).div_euclid(dlon);
    let deg = |u: i64| u as f64 / UNITS_PER_DEG as f64;
    let mut out = Vec::new();
    for row in rows {
        for col in cols.clone() {
            let (lat0, lon0) = (row * dlat, col * dlon);
            let rect = Rect::new(
                Coord {
                    x: deg(lon0),
                    y: deg(lat0),
                },
                Coord {
                    x: deg(lon0 + dlon),
                    y: deg(lat0 + dlat),
                },
            );
            if lonlat.intersects(&rect) {
                out.push(number_from_units(lon0, lat0, scale));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn dms(d: f64, m: f64, s: f64) -> f64 {
        d + m / 60.0 + s / 3600.0
    }

    #[test]
    fn worked_examples_of_domain_1_4() {
        let cases = [
            (
                dms(117.0, 12.0, 0.0),
                dms(29.0, 18.0, 0.0),
                Scale::S10000,
                "H50G065052",
            ),
            (
                dms(117.0, 17.0, 24.0),
                dms(31.0, 50.0, 57.0),
                Scale::S10000,
                "H50G004053",
            ),
            (
                dms(117.0, 17.0, 24.0),
                dms(31.0, 50.0, 57.0),
                Scale::S50000,
                "H50E001014",
            ),
            // Exactly on a sheet corner: the sheet to the north-east.
            (
                dms(114.0, 33.0, 45.0),
                dms(39.0, 22.0, 30.0),
                Scale::S10000,
                "J50G015010",
            ),
        ];
        for (lon, lat, scale, want) in cases {
            assert_eq!(sheet_number(lon, lat, scale), want, "{lon} {lat}");
        }
    }

    /// Worked by hand (φ mod 4° and λ mod 6° in minutes, divided by the sheet size):
    #[test]
    fn more_points_worked_by_hand() {
        let cases = [
            // 29.3°: mod 4° = 78′, /10′ = 7.8 → c = 24 − 7 = 17; 117.2°: mod 6° = 192′,
            // /15′ = 12.8 → d = 13.
            (117.2, 29.3, Scale::S50000, "H50E017013"),
            // 78′ / 1.25′ = 62.4 → c = 192 − 62 = 130; 192′ / 1.875′ = 102.4 → d = 103.
            (117.2, 29.3, Scale::S5000, "H50H130103"),
            // 39°54′: a = 10 (J); mod 4° = 234′, /2.5′ = 93.6 → c = 96 − 93 = 3;
            // 116°23′: b = 19 + 31 = 50; mod 6° = 143′, /3.75′ = 38.1 → d = 39.
            (
                dms(116.0, 23.0, 0.0),
                dms(39.0, 54.0, 0.0),
                Scale::S10000,
                "J50G003039",
            ),
            // The south-west corner of the 1:1,000,000 sheet H50: c = 96, d = 1.
            (114.0, 28.0, Scale::S10000, "H50G096001"),
            // Just inside its north-east corner: c = 96 − 95 = 1, d = 95 + 1 = 96.
            (119.99999, 31.99999, Scale::S10000, "H50G001096"),
            // 1:5,000 width 1′52.5″ = 0.03125°: exactly on the line → second column.
            (114.03125, 28.0, Scale::S5000, "H50H192002"),
            (114.0312, 28.0, Scale::S5000, "H50H192001"),
            // One second south of the corner example: mod 4° = 202.48′ → row 80 → c = 16.
            (
                dms(114.0, 33.0, 45.0),
                dms(39.0, 22.0, 29.0),
                Scale::S10000,
                "J50G016010",
            ),
            // One second west of it: 33.73′ / 3.75′ = 8.99 → d = 9.
            (
                dms(114.0, 33.0, 44.0),
                dms(39.0, 22.0, 30.0),
                Scale::S10000,
                "J50G015009",
            ),
        ];
        for (lon, lat, scale, want) in cases {
            assert_eq!(sheet_number(lon, lat, scale), want, "{lon} {lat} {scale:?}");
        }
    }

    fn poly(pts: &[(f64, f64)]) -> MultiPolygon<f64> {
        Polygon::new(LineString::from(pts.to_vec()), vec![]).into()
    }

    fn square(lon: f64, lat: f64, half: f64) -> MultiPolygon<f64> {
        poly(&[
            (lon - half, lat - half),
            (lon + half, lat - half),
            (lon + half, lat + half),
            (lon - half, lat + half),
        ])
    }

    #[test]
    fn sheets_touched_by_parcels() {
        // H50G065052 spans 117°11′15″–117°15′ E and 29°17′30″–29°20′ N.
        let corner_lat = 29.0 + 20.0 / 60.0;
        let cases: Vec<(&str, MultiPolygon<f64>, Vec<&str>)> = vec![
            (
                "inside one sheet",
                square(117.2, 29.3, 0.0002),
                vec!["H50G065052"],
            ),
            (
                "straddling the line 117°15′",
                square(117.25, 29.3, 0.0002),
                vec!["H50G065052", "H50G065053"],
            ),
            (
                "east edge lying on the line 117°15′",
                poly(&[
                    (117.24, 29.30),
                    (117.25, 29.30),
                    (117.25, 29.31),
                    (117.24, 29.31),
                ]),
                vec!["H50G065052", "H50G065053"],
            ),
            (
                "around a sheet corner",
                square(117.25, corner_lat, 0.0002),
                vec!["H50G064052", "H50G064053", "H50G065052", "H50G065053"],
            ),
            (
                // The hypotenuse passes (117.25, 29.33), south of the corner: the NE sheet is
                // in the bounding box but not touched.
                "triangle missing the north-east sheet",
                poly(&[(117.24, 29.32), (117.26, 29.32), (117.24, 29.34)]),
                vec!["H50G064052", "H50G065052", "H50G065053"],
            ),
            (
                "across the corner of four 1:1,000,000 sheets",
                square(120.0, 32.0, 0.001),
                vec!["H50G001096", "H51G001001", "I50G096096", "I51G096001"],
            ),
        ];
        for (name, mp, want) in cases {
            assert_eq!(sheets_touched(&mp, Scale::S10000), want, "{name}");
        }
        assert_eq!(
            sheets_touched(&square(117.2, 29.3, 0.0002), Scale::S50000),
            vec!["H50E017013"]
        );
        assert!(sheets_touched(&MultiPolygon(vec![]), Scale::S5000).is_empty());
        // Projected metres are not longitude/latitude.
        assert!(sheets_touched(&square(39519431.0, 3242537.0, 5.0), Scale::S5000).is_empty());
    }
}
