//! A coarse grid over the counties that settles most clues with one lookup.
//!
//! Most clues of a list lie far from every zone boundary and well inside one county. The grid
//! is laid over CGCS2000 lon/lat, so that a clue in a settled cell needs no projection either;
//! each cell is judged by its image in the working CRS (the box of its corners' images, widened
//! by 1 m, far more than the image's edges bulge). A cell of this grid is *settled* when it lies wholly inside one county (or wholly outside all of
//! them) with no county edge near it, and, widened by `near_boundary_m`, meets no zone
//! boundary: it is then wholly outside each zone (and farther than `near_boundary_m` from it)
//! or wholly inside it. Every point of a settled cell has the same answer: that county, the
//! most restrictive of the zones holding the cell (or none, and nothing near). Any other cell
//! says "look", and the point goes through the R-trees and the exact tests as before. The grid never changes an answer: the cells are tested widened by a
//! millionth of their size, far more than the rounding of a point's cell, and a test checks
//! the grid against the exact path.
//!
//! It is built on demand, for lists long enough to pay for it (about 20 ms at county scale).

use geo::Coord;
use rayon::prelude::*;
use rstar::AABB;

use super::Inspector;
use crate::crs::{Reprojector, CGCS2000};
use crate::geometry::prepared::BoxRelation;
use crate::geometry::{bounds_of, widen};

/// Cells in the grid (about 0.004°, 0.4 km, across at Jingdezhen's extent).
const TARGET_CELLS: f64 = 131_072.0;
/// How far a cell's image may stray from the box of its corners' images, with room to spare.
const MARGIN_M: f64 = 1.0;
/// A cell whose points need the full lookup.
const LOOK: u32 = 0;
/// The county half of a settled cell outside every county.
const NO_COUNTY: u32 = 0xFFFF;

/// See the module docs.
#[derive(Debug)]
pub struct QuickGrid {
    min: Coord<f64>,
    cell: f64,
    nx: usize,
    ny: usize,
    /// [`LOOK`], or settled: the low 16 bits 1 + the county's index ([`NO_COUNTY`] for none),
    /// the high 16 bits 1 + the zone's index (0 for none).
    cells: Vec<u32>,
}

impl QuickGrid {
    /// An empty grid: every point is looked up.
    fn empty() -> QuickGrid {
        QuickGrid {
            min: Coord { x: 0.0, y: 0.0 },
            cell: 1.0,
            nx: 0,
            ny: 0,
            cells: Vec::new(),
        }
    }

    /// Build the grid of an inspector's counties and zones, in CGCS2000 lon/lat.
    pub fn build(ins: &Inspector) -> QuickGrid {
        if ins.counties.is_empty()
            || ins.counties.len() >= NO_COUNTY as usize - 1
            || ins.zones.len() >= 0xFFFF
        {
            return QuickGrid::empty();
        }
        let working = ins.config.working_crs.as_str();
        let (Ok(to_working), Ok(to_lonlat)) = (
            Reprojector::new(CGCS2000, working),
            Reprojector::new(working, CGCS2000),
        ) else {
            return QuickGrid::empty();
        };
        // The counties' extent, in lon/lat (corners and edge midpoints of their box, widened).
        let (min, max) = bounds_of(ins.counties.iter().flat_map(|c| {
            let (a, b) = c.prepared.bounds();
            [a, b]
        }));
        let mut extent = Vec::with_capacity(9);
        for fx in [0.0, 0.5, 1.0] {
            for fy in [0.0, 0.5, 1.0] {
                let x = min.x + fx * (max.x - min.x);
                let y = min.y + fy * (max.y - min.y);
                let Ok((lon, lat)) = to_lonlat.point(x, y) else {
                    return QuickGrid::empty();
                };
                extent.push(Coord { x: lon, y: lat });
            }
        }
        let (lo, hi) = bounds_of(extent);
        let pad = 0.01;
        let min = Coord {
            x: lo.x - pad,
            y: lo.y - pad,
        };
        let (w, h) = (hi.x - lo.x + 2.0 * pad, hi.y - lo.y + 2.0 * pad);
        if !(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite()) {
            return QuickGrid::empty();
        }
        let cell = (w * h / TARGET_CELLS).sqrt();
        let nx = ((w / cell).ceil() as usize).clamp(1, 4096);
        let ny = ((h / cell).ceil() as usize).clamp(1, 4096);
        let cell = (w / nx as f64).max(h / ny as f64);
        // The grid's vertices in the working CRS.
        let mut corners = Vec::with_capacity((nx + 1) * (ny + 1));
        for j in 0..=ny {
            for i in 0..=nx {
                let lon = min.x + i as f64 * cell;
                let lat = min.y + j as f64 * cell;
                match to_working.point(lon, lat) {
                    Ok((x, y)) => corners.push(Coord { x, y }),
                    Err(_) => return QuickGrid::empty(),
                }
            }
        }
        let near = ins.config.inspection.near_boundary_m.max(0.0);
        let cells = (0..nx * ny)
            .into_par_iter()
            .map(|k| {
                let (i, j) = (k % nx, k / nx);
                // A cell's image: the box of its corners' images, widened by MARGIN_M (far more
                // than the bulge of a 400 m edge under the projection, about 2 mm).
                let c = [
                    corners[j * (nx + 1) + i],
                    corners[j * (nx + 1) + i + 1],
                    corners[(j + 1) * (nx + 1) + i],
                    corners[(j + 1) * (nx + 1) + i + 1],
                ];
                let (lo, hi) = bounds_of(c);
                let (lo, hi) = widen(lo, hi, MARGIN_M);
                Self::settle(ins, lo, hi, near)
            })
            .collect();
        QuickGrid {
            min,
            cell,
            nx,
            ny,
            cells,
        }
    }

    /// The answer shared by every point of the box `[lo, hi]` (working CRS), encoded, or
    /// [`LOOK`].
    fn settle(ins: &Inspector, lo: Coord<f64>, hi: Coord<f64>, near: f64) -> u32 {
        let Some(county) = Self::county_of_cell(ins, lo, hi) else {
            return LOOK;
        };
        let Some(zone) = Self::zone_of_cell(ins, lo, hi, near) else {
            return LOOK;
        };
        let county = county.map_or(NO_COUNTY, |c| c as u32 + 1);
        let zone = zone.map_or(0, |z| z as u32 + 1);
        zone << 16 | county
    }

    /// For a lon/lat in a settled cell: `Some((zone, county))`, each `None` when there is none;
    /// `None` when the point must be looked up.
    pub fn settled(&self, p: Coord<f64>) -> Option<(Option<usize>, Option<usize>)> {
        let fx = (p.x - self.min.x) / self.cell;
        let fy = (p.y - self.min.y) / self.cell;
        // Outside the grid (or not a number): look.
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.nx as f64 && fy < self.ny as f64) {
            return None;
        }
        let c = self.cells[fy as usize * self.nx + fx as usize];
        if c == LOOK {
            return None;
        }
        let zone = (c >> 16).checked_sub(1).map(|z| z as usize);
        let county = match c & 0xFFFF {
            NO_COUNTY => None,
            n => Some(n as usize - 1),
        };
        Some((zone, county))
    }

    /// The county wholly holding the box: `Some(Some(c))`, `Some(None)` when it lies wholly outside
    /// every county, `None` when a county edge comes near (or two counties overlap there).
    fn county_of_cell(ins: &Inspector, lo: Coord<f64>, hi: Coord<f64>) -> Option<Option<usize>> {
        let centre = Coord {
            x: (lo.x + hi.x) / 2.0,
            y: (lo.y + hi.y) / 2.0,
        };
        let mut found = None;
        for (c, county) in ins.counties.iter().enumerate() {
            match county.prepared.relate_box(lo, hi, centre) {
                BoxRelation::Outside => {}
                BoxRelation::Crossing => return None,
                BoxRelation::Inside if found.is_none() => found = Some(c),
                BoxRelation::Inside => return None,
            }
        }
        Some(found)
    }

    /// The zone answer shared by every point of the box: `Some(Some(z))`, the most restrictive zone
    /// wholly holding the box widened by `near`; `Some(None)` when the widened box is wholly
    /// outside every zone; `None` when some zone boundary may come within `near` of the box.
    fn zone_of_cell(
        ins: &Inspector,
        lo: Coord<f64>,
        hi: Coord<f64>,
        near: f64,
    ) -> Option<Option<usize>> {
        let (wlo, whi) = widen(lo, hi, near);
        let mut best: Option<usize> = None;
        let env = AABB::from_corners([wlo.x, wlo.y], [whi.x, whi.y]);
        for e in ins.zone_tree.locate_in_envelope_intersecting(&env) {
            match ins.zones[e.data].prepared.relate_box_coarse(wlo, whi) {
                BoxRelation::Outside => {}
                BoxRelation::Crossing => return None,
                BoxRelation::Inside => {
                    best = Some(match best {
                        Some(b) if ins.more_restrictive(b, e.data) => b,
                        _ => e.data,
                    });
                }
            }
        }
        Some(best)
    }

    /// The share of cells that are settled.
    pub fn settled_share(&self) -> f64 {
        if self.cells.is_empty() {
            return 0.0;
        }
        self.cells.iter().filter(|&&c| c != LOOK).count() as f64 / self.cells.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn fixture() -> Inspector {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/inspect/project.toml");
        Inspector::load(Config::load(&p).expect("config")).expect("layers")
    }

    fn clue(lon: f64, lat: f64) -> crate::formats::clues::Clue {
        crate::formats::clues::Clue {
            id: String::new(),
            lon,
            lat,
            patch: None,
            activity: String::new(),
            area_m2: None,
            year: None,
            batch: None,
            county: None,
            reserve: None,
            source: String::new(),
            extra: Vec::new(),
            native: None,
        }
    }

    /// With the grid, every clue gets the answer it gets without: random points over (and
    /// beyond) the counties, points on cell lines and cell corners, points in and around
    /// every zone.
    #[test]
    fn grid_never_changes_an_answer() {
        let exact = fixture();
        let fast = fixture();
        let q = fast.prepare_quick_grid();
        assert!(q.settled_share() > 0.5, "{}", q.settled_share());
        let to_w = Reprojector::new(CGCS2000, &exact.config.working_crs).expect("proj");
        let to_ll = Reprojector::new(&exact.config.working_crs, CGCS2000).expect("inverse");
        let mut s: u64 = 42;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let (w, h) = (q.nx as f64 * q.cell, q.ny as f64 * q.cell);
        let mut points = Vec::new();
        for _ in 0..20_000 {
            points.push((
                q.min.x - 0.05 * w + 1.1 * w * rnd(),
                q.min.y - 0.05 * h + 1.1 * h * rnd(),
            ));
        }
        for k in 0..5000 {
            let i = (rnd() * q.nx as f64) as usize;
            let j = (rnd() * q.ny as f64) as usize;
            let (x, y) = (q.min.x + i as f64 * q.cell, q.min.y + j as f64 * q.cell);
            points.push(match k % 3 {
                0 => (x, y),
                1 => (x, y + rnd() * q.cell),
                _ => (x + rnd() * q.cell, y),
            });
        }
        // Inside and around every zone.
        for z in &exact.zones {
            let (a, b) = z.prepared.bounds();
            for _ in 0..500 {
                let x = a.x - 200.0 + (b.x - a.x + 400.0) * rnd();
                let y = a.y - 200.0 + (b.y - a.y + 400.0) * rnd();
                points.push(to_ll.point(x, y).expect("lon/lat"));
            }
        }
        let (mut settled, mut in_zone) = (0, 0);
        for (lon, lat) in points {
            if let Some((zone, _)) = q.settled(Coord { x: lon, y: lat }) {
                settled += 1;
                in_zone += usize::from(zone.is_some());
            }
            let c = clue(lon, lat);
            let got = fast.locate_clue(&c, &to_w).expect("fast").0;
            let want = exact.locate_clue(&c, &to_w).expect("exact").0;
            assert_eq!(got, want, "{lon} {lat}");
        }
        assert!(settled > 10_000, "{settled}");
        assert!(in_zone > 100, "settled inside a zone: {in_zone}");
    }
}
