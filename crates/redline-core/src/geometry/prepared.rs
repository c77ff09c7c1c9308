//! A polygon prepared for many point tests: its edges sorted into horizontal stripes, so a point
//! test or a short distance query walks only the few edges of one stripe instead of every edge
//! (a reserve boundary may have 50 000 vertices).
//!
//! Over the stripes lies a coarse grid of cells (about four per edge), each known to be wholly
//! inside, wholly outside, or touched by the boundary. Most points fall in a cell of the first
//! two kinds and are answered with one lookup; only points in a boundary cell walk a stripe.
//!
//! Points on the boundary count as inside (closed polygons): the test is exact, with the
//! on-segment check done by an orientation test before the crossing count. The grid never
//! changes an answer: a cell is marked "boundary" when any edge's bounding box, widened by a
//! millionth of a cell, meets it, so a point that rounding places in the neighbouring cell is
//! still answered exactly; and two neighbouring cells that no edge touches lie on the same side.
//!
//! Memory (the prepared polygons of a county's reserve zones sit next to their geometries): each
//! vertex is stored once, as 16 bytes in one flat array of all rings, where edge `k` runs from
//! point `k` to point `k + 1` and the joins between rings are never referenced; the stripes
//! hold a 4-byte edge index per stripe an edge spans (about 1.5 per edge on real outlines) and
//! 4 bytes per four edges; the grid packs four 2-bit cells in a byte. About 24 bytes per vertex
//! in all, against 43 when each edge kept its own two points and each cell a byte.

use geo::{Coord, MultiPolygon};

/// A multipolygon with a stripe index over its edges.
#[derive(Clone, Debug)]
pub struct PreparedPolygon {
    /// Every ring in turn, closed (its first point repeated at its end) and without repeated
    /// consecutive points. Edge `k` runs from `points[k]` to `points[k + 1]`; ring `r` is
    /// `points[rings[r]..rings[r + 1]]`, and the join from one ring's last point to the next
    /// ring's first is no edge (no stripe lists it).
    points: Vec<Coord<f64>>,
    rings: Vec<u32>,
    y0: f64,
    stripe_h: f64,
    /// For stripe k: the edges (index of their first point) whose y-range meets it, in
    /// `members[start[k]..start[k+1]]`.
    start: Vec<u32>,
    members: Vec<u32>,
    min: Coord<f64>,
    max: Coord<f64>,
    grid: Grid,
}

/// What a grid cell is (2 bits).
const OUTSIDE: u8 = 0;
const INSIDE: u8 = 1;
const BOUNDARY: u8 = 2;

/// Cells over the bounding box, row-major from `min`, four 2-bit cells to a byte.
#[derive(Clone, Debug)]
struct Grid {
    nx: usize,
    ny: usize,
    cell_w: f64,
    cell_h: f64,
    cells: Vec<u8>,
}

impl Grid {
    /// A grid of `nx × ny` cells, all `OUTSIDE`.
    fn new(nx: usize, ny: usize, cell_w: f64, cell_h: f64) -> Grid {
        Grid {
            nx,
            ny,
            cell_w,
            cell_h,
            cells: vec![0; (nx * ny).div_ceil(4)],
        }
    }

    /// The state of cell `k` (row-major index).
    #[inline]
    fn get(&self, k: usize) -> u8 {
        (self.cells[k >> 2] >> ((k & 3) * 2)) & 3
    }

    /// Set cells `ks` to `state`.
    fn fill(&mut self, ks: std::ops::Range<usize>, state: u8) {
        let set = |cells: &mut [u8], k: usize| {
            let shift = (k & 3) * 2;
            cells[k >> 2] = (cells[k >> 2] & !(3 << shift)) | (state << shift);
        };
        let mut k = ks.start;
        while k < ks.end && k & 3 != 0 {
            set(&mut self.cells, k);
            k += 1;
        }
        // Whole bytes at once.
        let whole = k + (ks.end.saturating_sub(k) & !3);
        self.cells[k >> 2..whole >> 2].fill(state * 0b0101_0101);
        for k in whole.max(k)..ks.end {
            set(&mut self.cells, k);
        }
    }

    /// Cell column and row of `p` (clamped into the grid).
    #[inline]
    fn cell(&self, min: Coord<f64>, p: Coord<f64>) -> (usize, usize) {
        let i = ((p.x - min.x) / self.cell_w).floor().max(0.0) as usize;
        let j = ((p.y - min.y) / self.cell_h).floor().max(0.0) as usize;
        (i.min(self.nx - 1), j.min(self.ny - 1))
    }

    /// The one state shared by every cell meeting the box `[lo, hi]` (one cell of margin), or
    /// `None` when some cell is a boundary cell, the box leaves the grid, or it spans more than
    /// `max_cells` cells.
    fn box_state(
        &self,
        min: Coord<f64>,
        lo: Coord<f64>,
        hi: Coord<f64>,
        max_cells: usize,
    ) -> Option<u8> {
        let (i0, j0) = self.cell(min, lo);
        let (i1, j1) = self.cell(min, hi);
        let (i0, j0) = (i0.saturating_sub(1), j0.saturating_sub(1));
        let (i1, j1) = ((i1 + 1).min(self.nx - 1), (j1 + 1).min(self.ny - 1));
        if (i1 - i0 + 1) * (j1 - j0 + 1) > max_cells {
            return None;
        }
        let first = self.get(j0 * self.nx + i0);
        for j in j0..=j1 {
            if (j * self.nx + i0..=j * self.nx + i1).any(|k| self.get(k) != first) {
                return None;
            }
        }
        (first != BOUNDARY).then_some(first)
    }
}

impl PreparedPolygon {
    /// Prepare a multipolygon (rings of any orientation; holes are holes by the even-odd rule).
    pub fn new(mp: &MultiPolygon<f64>) -> Self {
        let mut points: Vec<Coord<f64>> = Vec::with_capacity(
            mp.0.iter()
                .map(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(|r| r.0.len() + 1)
                        .sum::<usize>()
                })
                .sum(),
        );
        let mut rings = vec![0u32];
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors().iter()) {
                let first = points.len();
                for &q in &ring.0 {
                    // A repeated point would make a zero-length edge: skip it.
                    if points.len() == first || points[points.len() - 1] != q {
                        points.push(q);
                    }
                }
                // Close an unclosed ring.
                if let (Some(&a), Some(&b)) = (points[first..].last(), points[first..].first()) {
                    if a != b {
                        points.push(b);
                    }
                }
                // A ring of one point has no edge.
                if points.len() - first < 2 {
                    points.truncate(first);
                } else {
                    rings.push(points.len() as u32);
                }
            }
        }
        points.shrink_to_fit();
        let (min, max) = super::bounds_of(points.iter().copied());
        let n_edges = points.len() + 1 - rings.len();
        let height = (max.y - min.y).max(f64::MIN_POSITIVE);
        // About four edges per stripe. An edge is listed in every stripe it spans, so with
        // `depth` edges crossing a typical horizontal line, `n` stripes list about
        // `n_edges + n · depth` members: when the depth passes 12 (spiky outlines, or many
        // parts side by side) fewer stripes keep that under four per edge, for walks at most
        // a third longer than the `depth` edges any stripe must hold.
        let depth = edge_starts(&rings)
            .map(|k| (points[k + 1].y - points[k].y).abs())
            .sum::<f64>()
            / height;
        let n_stripes = ((n_edges / 4) as f64)
            .min(3.0 * n_edges as f64 / depth)
            .clamp(1.0, (1 << 20) as f64) as usize;
        let stripe_h = height / n_stripes as f64;
        let stripe_of = |y: f64| -> usize {
            (((y - min.y) / stripe_h).floor().max(0.0) as usize).min(n_stripes - 1)
        };
        let edge_stripes = |k: usize| {
            let (a, b) = (points[k], points[k + 1]);
            stripe_of(a.y.min(b.y))..=stripe_of(a.y.max(b.y))
        };
        let mut start = vec![0u32; n_stripes + 1];
        for k in edge_starts(&rings) {
            for s in edge_stripes(k) {
                start[s + 1] += 1;
            }
        }
        for s in 0..n_stripes {
            start[s + 1] += start[s];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; start[n_stripes] as usize];
        for k in edge_starts(&rings) {
            for s in edge_stripes(k) {
                members[fill[s] as usize] = k as u32;
                fill[s] += 1;
            }
        }
        let mut prepared = PreparedPolygon {
            points,
            rings,
            y0: min.y,
            stripe_h,
            start,
            members,
            min,
            max,
            grid: Grid {
                nx: 1,
                ny: 1,
                cell_w: f64::INFINITY,
                cell_h: f64::INFINITY,
                cells: vec![BOUNDARY],
            },
        };
        prepared.grid = prepared.build_grid(n_edges);
        prepared
    }

    /// Every edge, ring by ring (no joins between rings).
    fn edges(&self) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
        edge_starts(&self.rings).map(|k| (self.points[k], self.points[k + 1]))
    }

    /// About four cells per edge, shaped like the bounding box; boundary cells first, then each
    /// run of other cells along a row gets the side of one of its centres.
    fn build_grid(&self, n_edges: usize) -> Grid {
        let (w, h) = (self.max.x - self.min.x, self.max.y - self.min.y);
        if n_edges == 0 || !(w > 0.0 && h > 0.0) || !(w.is_finite() && h.is_finite()) {
            return self.grid.clone();
        }
        let target = (n_edges * 4).clamp(16, 1 << 22) as f64;
        let nx = ((target * w / h).sqrt().ceil() as usize).clamp(1, 4096);
        let ny = ((target / nx as f64).ceil() as usize).clamp(1, 4096);
        let mut grid = Grid::new(nx, ny, w / nx as f64, h / ny as f64);
        let (dx, dy) = (grid.cell_w * 1e-6, grid.cell_h * 1e-6);
        for (a, b) in self.edges() {
            let lo = Coord {
                x: a.x.min(b.x) - dx,
                y: a.y.min(b.y) - dy,
            };
            let hi = Coord {
                x: a.x.max(b.x) + dx,
                y: a.y.max(b.y) + dy,
            };
            let (i0, j0) = grid.cell(self.min, lo);
            let (i1, j1) = grid.cell(self.min, hi);
            for j in j0..=j1 {
                grid.fill(j * nx + i0..j * nx + i1 + 1, BOUNDARY);
            }
        }
        for j in 0..ny {
            let mut i = 0;
            while i < nx {
                if grid.get(j * nx + i) == BOUNDARY {
                    i += 1;
                    continue;
                }
                let run_start = i;
                while i < nx && grid.get(j * nx + i) != BOUNDARY {
                    i += 1;
                }
                let centre = Coord {
                    x: self.min.x + (run_start as f64 + 0.5) * grid.cell_w,
                    y: self.min.y + (j as f64 + 0.5) * grid.cell_h,
                };
                if self.contains_exact(centre) {
                    grid.fill(j * nx + run_start..j * nx + i, INSIDE);
                }
            }
        }
        grid
    }

    fn stripe(&self, y: f64) -> usize {
        let n = self.start.len() - 1;
        (((y - self.y0) / self.stripe_h).floor().max(0.0) as usize).min(n - 1)
    }

    /// The edges of stripe `k`, as their two end points.
    #[inline]
    fn stripe_edges(&self, k: usize) -> impl Iterator<Item = (Coord<f64>, Coord<f64>)> + '_ {
        self.members[self.start[k] as usize..self.start[k + 1] as usize]
            .iter()
            .map(|&i| (self.points[i as usize], self.points[i as usize + 1]))
    }

    /// True when `p` lies inside or on the boundary.
    pub fn contains(&self, p: Coord<f64>) -> bool {
        if p.x < self.min.x || p.x > self.max.x || p.y < self.min.y || p.y > self.max.y {
            return false;
        }
        let (i, j) = self.grid.cell(self.min, p);
        match self.grid.get(j * self.grid.nx + i) {
            INSIDE => true,
            OUTSIDE => false,
            _ => self.contains_exact(p),
        }
    }

    /// [`PreparedPolygon::contains`] by the stripe alone, without the grid.
    fn contains_exact(&self, p: Coord<f64>) -> bool {
        if p.x < self.min.x || p.x > self.max.x || p.y < self.min.y || p.y > self.max.y {
            return false;
        }
        let mut inside = false;
        for (a, b) in self.stripe_edges(self.stripe(p.y)) {
            // On the segment: collinear and within its box.
            let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
            if cross == 0.0
                && p.x >= a.x.min(b.x)
                && p.x <= a.x.max(b.x)
                && p.y >= a.y.min(b.y)
                && p.y <= a.y.max(b.y)
            {
                return true;
            }
            // Half-open crossing rule on the ray to +x.
            if (a.y > p.y) != (b.y > p.y) {
                // Sign of the crossing relative to the point, without division.
                let left = if b.y > a.y { cross > 0.0 } else { cross < 0.0 };
                if left {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// The distance from `p` to the boundary when it is at most `limit`, else `None`.
    pub fn boundary_distance_within(&self, p: Coord<f64>, limit: f64) -> Option<f64> {
        if p.x < self.min.x - limit
            || p.x > self.max.x + limit
            || p.y < self.min.y - limit
            || p.y > self.max.y + limit
        {
            return None;
        }
        // No boundary cell near: no edge within `limit`.
        let (lo, hi) = super::widen(p, p, limit);
        if self.grid.box_state(self.min, lo, hi, 1024).is_some() {
            return None;
        }
        let (k0, k1) = (self.stripe(p.y - limit), self.stripe(p.y + limit));
        let mut best = f64::INFINITY;
        for k in k0..=k1 {
            for (a, b) in self.stripe_edges(k) {
                best = best.min(point_segment_distance(p, a, b));
            }
        }
        (best <= limit).then_some(best)
    }
}

/// The index of each edge's first point, ring by ring: `rings[r]..rings[r + 1] - 1` for each
/// ring (every ring holds at least two points).
fn edge_starts(rings: &[u32]) -> impl Iterator<Item = usize> + '_ {
    rings
        .windows(2)
        .flat_map(|r| r[0] as usize..r[1] as usize - 1)
}

/// Where a box (a parcel's bounding box) lies relative to a prepared polygon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoxRelation {
    /// No edge comes near the box and the box is inside: the whole parcel overlaps.
    Inside,
    /// No edge comes near the box and the box is outside: no overlap.
    Outside,
    /// Some edge's bounding box meets the box: an exact overlay is needed.
    Crossing,
}

impl PreparedPolygon {
    /// Where the box `[min, max]` lies; `probe` is any point inside the box (a parcel vertex).
    /// Only the edges of the stripes the box spans are looked at.
    pub fn relate_box(&self, min: Coord<f64>, max: Coord<f64>, probe: Coord<f64>) -> BoxRelation {
        if max.x < self.min.x || min.x > self.max.x || max.y < self.min.y || min.y > self.max.y {
            return BoxRelation::Outside;
        }
        match self.grid.box_state(self.min, min, max, 256) {
            Some(INSIDE) => return BoxRelation::Inside,
            Some(_) => return BoxRelation::Outside,
            None => {}
        }
        for k in self.stripe(min.y)..=self.stripe(max.y) {
            for (a, b) in self.stripe_edges(k) {
                if a.x.max(b.x) >= min.x
                    && a.x.min(b.x) <= max.x
                    && a.y.max(b.y) >= min.y
                    && a.y.min(b.y) <= max.y
                {
                    return BoxRelation::Crossing;
                }
            }
        }
        if self.contains(probe) {
            BoxRelation::Inside
        } else {
            BoxRelation::Outside
        }
    }

    /// Like [`PreparedPolygon::relate_box`], from the cell grid alone (boxes of up to 16 384
    /// cells): `Inside` and `Outside` are exact; `Crossing` means "maybe" (a boundary cell
    /// meets the box, or the box is too large to tell), and no edge is walked.
    pub fn relate_box_coarse(&self, min: Coord<f64>, max: Coord<f64>) -> BoxRelation {
        if max.x < self.min.x || min.x > self.max.x || max.y < self.min.y || min.y > self.max.y {
            return BoxRelation::Outside;
        }
        match self.grid.box_state(self.min, min, max, 1 << 14) {
            Some(INSIDE) => BoxRelation::Inside,
            Some(_) => BoxRelation::Outside,
            None => BoxRelation::Crossing,
        }
    }

    /// The bounding box (min, max) of the prepared polygon.
    pub fn bounds(&self) -> (Coord<f64>, Coord<f64>) {
        (self.min, self.max)
    }
}

/// Euclidean distance from `p` to the segment `a`–`b`.
pub fn point_segment_distance(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (a.x + t * dx, a.y + t * dy);
    ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Contains, Distance, Euclidean, Intersects, Point};

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn boxes_inside_outside_and_crossing() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)],
            interiors: [[(x: 40.0, y: 40.0), (x: 60.0, y: 40.0), (x: 60.0, y: 60.0), (x: 40.0, y: 60.0)]],
        );
        let pp = PreparedPolygon::new(&MultiPolygon(vec![p]));
        let rel =
            |x0: f64, y0: f64, x1: f64, y1: f64| pp.relate_box(c(x0, y0), c(x1, y1), c(x0, y0));
        assert_eq!(rel(10.0, 10.0, 20.0, 20.0), BoxRelation::Inside);
        assert_eq!(rel(45.0, 45.0, 55.0, 55.0), BoxRelation::Outside); // in the hole
        assert_eq!(rel(200.0, 10.0, 210.0, 20.0), BoxRelation::Outside);
        assert_eq!(rel(95.0, 10.0, 105.0, 20.0), BoxRelation::Crossing);
        assert_eq!(rel(35.0, 45.0, 45.0, 50.0), BoxRelation::Crossing);
    }

    #[test]
    fn square_with_hole_closed_boundary() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 4.0, y: 4.0), (x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0)]],
        );
        let pp = PreparedPolygon::new(&MultiPolygon(vec![p]));
        let table = [
            (c(1.0, 1.0), true),
            (c(5.0, 5.0), false),  // in the hole
            (c(4.0, 5.0), true),   // on the hole's edge: boundary counts as inside
            (c(0.0, 5.0), true),   // on the outer edge
            (c(10.0, 10.0), true), // a corner
            (c(10.0001, 5.0), false),
            (c(-1.0, -1.0), false),
        ];
        for (pt, want) in table {
            assert_eq!(pp.contains(pt), want, "{pt:?}");
        }
        assert_eq!(pp.boundary_distance_within(c(13.0, 5.0), 5.0), Some(3.0));
        assert_eq!(pp.boundary_distance_within(c(13.0, 5.0), 2.0), None);
    }

    /// Test polygons for the memory figures: `n`-vertex rings at survey coordinates.
    /// `kind` 0: spiky (radius 1000 + 300·noise per vertex, the tests' jagged ring);
    /// 1: smooth star (the bench outline); 2: a random-walk digitised boundary.
    fn test_ring(n: usize, kind: u8, seed: u64) -> geo::Polygon<f64> {
        let mut s = seed;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut walk = 0.0f64;
        let ring: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = match kind {
                    0 => 1000.0 + 300.0 * rnd(),
                    1 => {
                        8000.0
                            * (1.0
                                + 0.08 * (3.0 * t).sin()
                                + 0.05 * (7.0 * t + 1.0).sin()
                                + 0.02 * (41.0 * t).cos())
                    }
                    _ => {
                        walk = (walk + (rnd() - 0.5) * 6.0) * 0.999;
                        8000.0 + walk
                    }
                };
                c(39_500_000.0 + r * t.cos(), 3_250_000.0 + r * t.sin())
            })
            .collect();
        geo::Polygon::new(geo::LineString::new(ring), vec![])
    }

    /// Heap bytes per input vertex of each part: (points, members, start, grid).
    fn bytes_per_vertex(pp: &PreparedPolygon, vertices: usize) -> [f64; 4] {
        let v = vertices as f64;
        [
            std::mem::size_of_val(pp.points.as_slice()) as f64 / v,
            std::mem::size_of_val(pp.members.as_slice()) as f64 / v,
            std::mem::size_of_val(pp.start.as_slice()) as f64 / v,
            std::mem::size_of_val(pp.grid.cells.as_slice()) as f64 / v,
        ]
    }

    #[test]
    fn memory_per_vertex() {
        for (n, kind) in [
            (50_000, 0),
            (5_000, 0),
            (50_000, 1),
            (50_000, 2),
            (5_000, 2),
        ] {
            let poly = test_ring(n, kind, 11);
            let pp = PreparedPolygon::new(&MultiPolygon(vec![poly]));
            let b = bytes_per_vertex(&pp, n);
            let total: f64 = b.iter().sum();
            if kind > 0 {
                assert!(total < 26.5, "{kind} {n}: {total} B/vertex");
            } else {
                assert!(total < 40.0, "{kind} {n}: {total} B/vertex");
            }
            println!(
                "n={n} kind={kind}: edges {:.2} members {:.2} start {:.2} grid {:.2} total {:.2} B/vertex; members/edge {:.3}",
                b[0], b[1], b[2], b[3], total,
                pp.members.len() as f64 / n as f64
            );
        }
    }

    /// Against geo on a jagged 5 000-vertex polygon and 4 000 seeded points.
    #[test]
    fn agrees_with_geo_on_a_jagged_polygon() {
        let n = 5000;
        let mut s: u64 = 99;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let ring: Vec<Coord<f64>> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1000.0 + 300.0 * rnd();
                c(r * a.cos(), r * a.sin())
            })
            .collect();
        let poly = geo::Polygon::new(geo::LineString::new(ring), vec![]);
        let pp = PreparedPolygon::new(&MultiPolygon(vec![poly.clone()]));
        for _ in 0..4000 {
            let pt = c(rnd() * 2800.0 - 1400.0, rnd() * 2800.0 - 1400.0);
            let geo_in = poly.contains(&Point(pt)) || poly.exterior().intersects(&Point(pt));
            assert_eq!(pp.contains(pt), geo_in, "{pt:?}");
            if !geo_in {
                let d = Euclidean.distance(&Point(pt), &poly);
                match pp.boundary_distance_within(pt, 100.0) {
                    Some(ours) => assert!((ours - d).abs() < 1e-9, "{ours} vs {d}"),
                    None => assert!(d > 100.0),
                }
            }
        }
    }

    /// The grid never changes an answer: on a jagged polygon with a hole, points on grid
    /// lines, on vertices, on edges (as near as rounding allows) and at random agree with the
    /// stripe-only test, distances with a brute-force walk over every edge, and box relations
    /// with a walk over every edge's box.
    #[test]
    fn grid_agrees_with_the_exact_tests() {
        let mut s: u64 = 7;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let jagged = |n: usize, r0: f64, amp: f64, rnd: &mut dyn FnMut() -> f64| {
            let ring: Vec<Coord<f64>> = (0..n)
                .map(|i| {
                    let a = i as f64 / n as f64 * std::f64::consts::TAU;
                    let r = r0 + amp * rnd();
                    c(39_500_000.0 + r * a.cos(), 3_250_000.0 + r * a.sin())
                })
                .collect();
            geo::LineString::new(ring)
        };
        let outer = jagged(3000, 1000.0, 300.0, &mut rnd);
        let hole = jagged(500, 300.0, 100.0, &mut rnd);
        let mp = MultiPolygon(vec![geo::Polygon::new(outer, vec![hole])]);
        let pp = PreparedPolygon::new(&mp);
        let n_cells = pp.grid.nx * pp.grid.ny;
        assert!(n_cells >= 4 * pp.edges().count());
        let inner = (0..n_cells).filter(|&k| pp.grid.get(k) != BOUNDARY).count();
        assert!(inner * 2 > n_cells, "most cells are decided");
        let mut points = Vec::new();
        for _ in 0..6000 {
            points.push(c(
                39_498_500.0 + 3000.0 * rnd(),
                3_248_500.0 + 3000.0 * rnd(),
            ));
        }
        // On grid lines and grid corners.
        for k in 0..1000 {
            let i = k % pp.grid.nx;
            let j = (k * 7) % pp.grid.ny;
            let x = pp.min.x + i as f64 * pp.grid.cell_w;
            let y = pp.min.y + j as f64 * pp.grid.cell_h;
            points.push(c(x, y));
            points.push(c(x, pp.min.y + 3000.0 * rnd()));
            points.push(c(pp.min.x + 3000.0 * rnd(), y));
        }
        // Vertices and points on edges.
        for (k, (a, b)) in pp.edges().enumerate().step_by(3) {
            points.push(a);
            let t = (k % 10) as f64 / 10.0;
            points.push(c(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)));
        }
        for &p in &points {
            assert_eq!(pp.contains(p), pp.contains_exact(p), "{p:?}");
            let d = pp
                .edges()
                .map(|(a, b)| point_segment_distance(p, a, b))
                .fold(f64::INFINITY, f64::min);
            for limit in [0.5, 30.0, 100.0] {
                let want = (d <= limit).then_some(d);
                assert_eq!(pp.boundary_distance_within(p, limit), want, "{p:?}");
            }
            let (lo, hi) = (c(p.x - 12.0, p.y - 9.0), c(p.x + 12.0, p.y + 9.0));
            let crossing = pp.edges().any(|(a, b)| {
                a.x.max(b.x) >= lo.x
                    && a.x.min(b.x) <= hi.x
                    && a.y.max(b.y) >= lo.y
                    && a.y.min(b.y) <= hi.y
            });
            let want = if crossing {
                BoxRelation::Crossing
            } else if pp.contains_exact(p) {
                BoxRelation::Inside
            } else {
                BoxRelation::Outside
            };
            assert_eq!(pp.relate_box(lo, hi, p), want, "{p:?}");
        }
    }

    /// The joins between rings are no edges. Outer square 0..10 with the hole 4..6 (the hole
    /// listed from (6, 4)), and a second square 20..22: the flat point array runs
    /// (0,0)…(0,0) → (6,4)…(6,4) → (20,20)…, so a phantom edge would lie on
    /// (0,0)–(6,4) and (6,4)–(20,20). Points on those segments, and left of them on the same
    /// line (where a phantom edge would flip the crossing count), are classified as geo
    /// classifies them; the distance to the boundary is geo's distance to the real rings; and a
    /// box on a join that meets no ring is inside or outside, not crossing.
    #[test]
    fn ring_joins_make_no_phantom_edge() {
        let a = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0), (x: 4.0, y: 4.0), (x: 6.0, y: 4.0)]],
        );
        let b = polygon!(
            (x: 20.0, y: 20.0), (x: 22.0, y: 20.0), (x: 22.0, y: 22.0), (x: 20.0, y: 22.0)
        );
        let mp = MultiPolygon(vec![a, b]);
        let pp = PreparedPolygon::new(&mp);
        assert_eq!(pp.edges().count(), 12);
        let rings: Vec<geo::LineString<f64>> =
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior().clone()).chain(p.interiors().to_vec()))
                .collect();
        let mut points = Vec::new();
        for (p, q) in [(c(0.0, 0.0), c(6.0, 4.0)), (c(6.0, 4.0), c(20.0, 20.0))] {
            for k in 0..=20 {
                let t = k as f64 / 20.0;
                let on = c(p.x + t * (q.x - p.x), p.y + t * (q.y - p.y));
                points.push(on);
                points.push(c(on.x - 0.25, on.y));
                points.push(c(on.x + 0.25, on.y));
            }
        }
        // By hand: on the first join inside the outer square and outside the hole; the second
        // join's midpoint (13, 12) lies between the polygons.
        assert!(pp.contains(c(3.0, 2.0)));
        assert!(!pp.contains(c(13.0, 12.0)));
        assert!(!pp.contains(c(5.0, 5.0)));
        for p in points {
            assert_eq!(pp.contains(p), mp.intersects(&Point(p)), "{p:?}");
            let d = rings
                .iter()
                .map(|r| Euclidean.distance(&Point(p), r))
                .fold(f64::INFINITY, f64::min);
            let want = (d <= 1.5).then_some(d);
            let got = pp.boundary_distance_within(p, 1.5);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-12, "{p:?}: {g} vs {w}"),
                _ => assert_eq!(got, want, "{p:?}"),
            }
        }
        // (13, 12): the nearest ring point is the corner (10, 10), √(9 + 4) ≈ 3.61 away.
        assert_eq!(pp.boundary_distance_within(c(13.0, 12.0), 3.5), None);
        let d = pp.boundary_distance_within(c(13.0, 12.0), 4.0);
        assert!(d.is_some_and(|d| (d - 13f64.sqrt()).abs() < 1e-12), "{d:?}");
        let probe = c(13.0, 12.0);
        let rel = pp.relate_box(c(12.5, 11.5), c(13.5, 12.5), probe);
        assert_eq!(rel, BoxRelation::Outside);
        let rel = pp.relate_box(c(2.5, 1.5), c(3.5, 2.5), c(3.0, 2.0));
        assert_eq!(rel, BoxRelation::Inside);
    }
}
