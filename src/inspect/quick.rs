//! A coarse grid over the counties that settles most clues with one lookup.
//!
//! Most clues of a list lie far from every reserve and well inside one county. A cell of this
//! grid is *settled* when the cell, widened by `near_boundary_m`, meets no zone's bounding box,
//! and the cell lies wholly inside one county (or wholly outside all of them) with no county
//! edge near it. Every point of a settled cell then has the same answer: that county, no zone,
//! nothing near. Any other cell says "look", and the point goes through the R-trees and the
//! exact tests as before. The grid never changes an answer: the cells are tested widened by a
//! millionth of their size, far more than the rounding of a point's cell, and a test checks
//! the grid against the exact path.
//!
//! It is built on demand, for lists long enough to pay for it (about 20 ms at county scale).

use geo::Coord;

use super::Inspector;
use crate::geometry::prepared::BoxRelation;

/// Cells in the grid (about 0.3 km across at Jingdezhen's extent).
const TARGET_CELLS: f64 = 262_144.0;
/// A cell whose points need the full lookup.
const LOOK: u16 = 0;
/// A settled cell outside every county.
const NO_COUNTY: u16 = u16::MAX;

/// See the module docs.
#[derive(Debug)]
pub struct QuickGrid {
    min: Coord<f64>,
    cell: f64,
    nx: usize,
    ny: usize,
    /// [`LOOK`], [`NO_COUNTY`], or 1 + the county's index.
    cells: Vec<u16>,
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
        if ins.counties.is_empty() || ins.counties.len() >= usize::from(NO_COUNTY) - 1 {
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
            cells: vec![NO_COUNTY; nx * ny],
        };
        let margin = cell * 1e-6;
        // Cells near a zone's bounding box: look.
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
                grid.cells[j * nx + lo.0..=j * nx + hi.0].fill(LOOK);
            }
        }
        // The other cells: which county holds them wholly, if any.
        for j in 0..ny {
            for i in 0..nx {
                let k = j * nx + i;
                if grid.cells[k] == LOOK {
                    continue;
                }
                let lo = Coord {
                    x: min.x + i as f64 * cell - margin,
                    y: min.y + j as f64 * cell - margin,
                };
                let hi = Coord {
                    x: min.x + (i + 1) as f64 * cell + margin,
                    y: min.y + (j + 1) as f64 * cell + margin,
                };
                let centre = Coord {
                    x: (lo.x + hi.x) / 2.0,
                    y: (lo.y + hi.y) / 2.0,
                };
                let mut state = NO_COUNTY;
                for (c, county) in ins.counties.iter().enumerate() {
                    match county.prepared.relate_box(lo, hi, centre) {
                        BoxRelation::Outside => {}
                        BoxRelation::Crossing => {
                            state = LOOK;
                            break;
                        }
                        BoxRelation::Inside if state == NO_COUNTY => state = c as u16 + 1,
                        BoxRelation::Inside => {
                            // Inside two counties (overlapping outlines): look.
                            state = LOOK;
                            break;
                        }
                    }
                }
                grid.cells[k] = state;
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

    /// For a point in a settled cell: `Some(county)` (`Some(None)` outside every county);
    /// `None` when the point must be looked up.
    pub fn settled(&self, p: Coord<f64>) -> Option<Option<usize>> {
        let fx = (p.x - self.min.x) / self.cell;
        let fy = (p.y - self.min.y) / self.cell;
        // Outside the grid (or not a number): look.
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.nx as f64 && fy < self.ny as f64) {
            return None;
        }
        match self.cells[fy as usize * self.nx + fx as usize] {
            LOOK => None,
            NO_COUNTY => Some(None),
            c => Some(Some(usize::from(c) - 1)),
        }
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
        let mut settled = 0;
        for p in points {
            settled += usize::from(q.settled(p).is_some());
            assert_eq!(fast.locate(p, None).0, exact.locate(p, None).0, "{p:?}");
        }
        assert!(settled > 10_000, "{settled}");
    }
}
