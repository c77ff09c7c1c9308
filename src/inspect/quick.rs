//! A coarse grid over the counties that settles most clues with one lookup.
//!
//! Most clues of a list lie far from every zone boundary and well inside one county. A cell of
//! this grid is *settled* when it lies wholly inside one county (or wholly outside all of
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
use rstar::AABB;

use super::Inspector;
use crate::geometry::prepared::BoxRelation;

/// Cells in the grid (about 0.3 km across at Jingdezhen's extent).
const TARGET_CELLS: f64 = 262_144.0;
/// A cell whose points need the full lookup.
const LOOK: u32 = 0;
/// The county half of a settled cell outside every county.
const NO_COUNTY: u32 = 0xFFFF;
/// Cells near a zone's bounding box, before they are worked out.
const NEAR_ZONE: u32 = u32::MAX;

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

    /// Build the grid of an inspector's counties and zones.
    pub fn build(ins: &Inspector) -> QuickGrid {
        if ins.counties.is_empty()
            || ins.counties.len() >= NO_COUNTY as usize - 1
            || ins.zones.len() >= 0xFFFF
        {
            return QuickGrid::empty();
        }
        let (mut min, mut max) = ins.counties[0].prepared.bounds();
        for c in &ins.counties[1..] {
            let (a, b) = c.prepared.bounds();
            min = Coord {
                x: min.x.min(a.x),
                y: min.y.min(a.y),
            };
            max = Coord {
                x: max.x.max(b.x),
                y: max.y.max(b.y),
            };
        }
        let (w, h) = (max.x - min.x, max.y - min.y);
        if !(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite()) {
            return QuickGrid::empty();
        }
        let cell = (w * h / TARGET_CELLS).sqrt();
        let nx = ((w / cell).ceil() as usize).clamp(1, 4096);
        let ny = ((h / cell).ceil() as usize).clamp(1, 4096);
        let cell = (w / nx as f64).max(h / ny as f64);
        let mut grid = QuickGrid {
            min,
            cell,
            nx,
            ny,
            cells: vec![0; nx * ny],
        };
        let margin = cell * 1e-6;
        // Cells near a zone's bounding box: worked out below.
        let near = ins.config.inspection.near_boundary_m.max(0.0) + margin;
        for z in &ins.zones {
            let (a, b) = z.prepared.bounds();
            let lo = grid.cell_of(Coord {
                x: a.x - near,
                y: a.y - near,
            });
            let hi = grid.cell_of(Coord {
                x: b.x + near,
                y: b.y + near,
            });
            for j in lo.1..=hi.1 {
                grid.cells[j * nx + lo.0..=j * nx + hi.0].fill(NEAR_ZONE);
            }
        }
        for j in 0..ny {
            for i in 0..nx {
                let k = j * nx + i;
                let lo = Coord {
                    x: min.x + i as f64 * cell - margin,
                    y: min.y + j as f64 * cell - margin,
                };
                let hi = Coord {
                    x: min.x + (i + 1) as f64 * cell + margin,
                    y: min.y + (j + 1) as f64 * cell + margin,
                };
                let Some(county) = Self::county_of_cell(ins, lo, hi) else {
                    grid.cells[k] = LOOK;
                    continue;
                };
                let zone = if grid.cells[k] == NEAR_ZONE {
                    match Self::zone_of_cell(ins, lo, hi, near) {
                        Some(z) => z,
                        None => {
                            grid.cells[k] = LOOK;
                            continue;
                        }
                    }
                } else {
                    None
                };
                let county = county.map_or(NO_COUNTY, |c| c as u32 + 1);
                let zone = zone.map_or(0, |z| z as u32 + 1);
                grid.cells[k] = zone << 16 | county;
            }
        }
        grid
    }

    /// Column and row of `p`, clamped into the grid.
    fn cell_of(&self, p: Coord<f64>) -> (usize, usize) {
        let i = ((p.x - self.min.x) / self.cell).floor().max(0.0) as usize;
        let j = ((p.y - self.min.y) / self.cell).floor().max(0.0) as usize;
        (i.min(self.nx - 1), j.min(self.ny - 1))
    }

    /// For a point in a settled cell: `Some((zone, county))`, each `None` when there is none;
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
        let (wlo, whi) = (
            Coord {
                x: lo.x - near,
                y: lo.y - near,
            },
            Coord {
                x: hi.x + near,
                y: hi.y + near,
            },
        );
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
        let p =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inspect/project.toml");
        Inspector::load(Config::load(&p).expect("config")).expect("layers")
    }

    /// With the grid, every point gets the answer it gets without: random points over (and
    /// beyond) the counties, points on cell lines and cell corners.
    #[test]
    fn grid_never_changes_an_answer() {
        let exact = fixture();
        let fast = fixture();
        let q = fast.prepare_quick_grid();
        assert!(q.settled_share() > 0.5, "{}", q.settled_share());
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
            points.push(Coord {
                x: q.min.x - 0.05 * w + 1.1 * w * rnd(),
                y: q.min.y - 0.05 * h + 1.1 * h * rnd(),
            });
        }
        for k in 0..5000 {
            let i = (rnd() * q.nx as f64) as usize;
            let j = (rnd() * q.ny as f64) as usize;
            let (x, y) = (q.min.x + i as f64 * q.cell, q.min.y + j as f64 * q.cell);
            points.push(match k % 3 {
                0 => Coord { x, y },
                1 => Coord {
                    x,
                    y: y + rnd() * q.cell,
                },
                _ => Coord {
                    x: x + rnd() * q.cell,
                    y,
                },
            });
        }
        // Inside and around every zone.
        for z in &exact.zones {
            let (a, b) = z.prepared.bounds();
            for _ in 0..500 {
                points.push(Coord {
                    x: a.x - 200.0 + (b.x - a.x + 400.0) * rnd(),
                    y: a.y - 200.0 + (b.y - a.y + 400.0) * rnd(),
                });
            }
        }
        let (mut settled, mut in_zone) = (0, 0);
        for p in points {
            if let Some((zone, _)) = q.settled(p) {
                settled += 1;
                in_zone += usize::from(zone.is_some());
            }
            assert_eq!(fast.locate(p, None).0, exact.locate(p, None).0, "{p:?}");
        }
        assert!(settled > 10_000, "{settled}");
        assert!(in_zone > 100, "settled inside a zone: {in_zone}");
    }
}
