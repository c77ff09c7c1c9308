//! A polygon prepared for many point tests: its edges sorted into horizontal stripes, so a point
//! test or a short distance query walks only the few edges of one stripe instead of every edge
//! (a reserve boundary may have 50 000 vertices).
//!
//! Points on the boundary count as inside (closed polygons): the test is exact, with the
//! on-segment check done by an orientation test before the crossing count.

use geo::{Coord, MultiPolygon};

/// A multipolygon with a stripe index over its edges.
#[derive(Clone, Debug)]
pub struct PreparedPolygon {
    edges: Vec<[Coord<f64>; 2]>,
    y0: f64,
    stripe_h: f64,
    /// For stripe k: the indices of edges whose y-range meets it, in `members[start[k]..start[k+1]]`.
    start: Vec<u32>,
    members: Vec<u32>,
    min: Coord<f64>,
    max: Coord<f64>,
}

impl PreparedPolygon {
    /// Prepare a multipolygon (rings of any orientation; holes are holes by the even-odd rule).
    pub fn new(mp: &MultiPolygon<f64>) -> Self {
        let mut edges = Vec::new();
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors().iter()) {
                for w in ring.0.windows(2) {
                    if w[0] != w[1] {
                        edges.push([w[0], w[1]]);
                    }
                }
                // Close an unclosed ring.
                if let (Some(a), Some(b)) = (ring.0.last(), ring.0.first()) {
                    if a != b {
                        edges.push([*a, *b]);
                    }
                }
            }
        }
        let (mut min, mut max) = (
            Coord {
                x: f64::INFINITY,
                y: f64::INFINITY,
            },
            Coord {
                x: f64::NEG_INFINITY,
                y: f64::NEG_INFINITY,
            },
        );
        for e in &edges {
            for c in e {
                min.x = min.x.min(c.x);
                min.y = min.y.min(c.y);
                max.x = max.x.max(c.x);
                max.y = max.y.max(c.y);
            }
        }
        let n_stripes = (edges.len() / 4).clamp(1, 1 << 20);
        let height = (max.y - min.y).max(f64::MIN_POSITIVE);
        let stripe_h = height / n_stripes as f64;
        let stripe_of = |y: f64| -> usize {
            (((y - min.y) / stripe_h).floor().max(0.0) as usize).min(n_stripes - 1)
        };
        let mut counts = vec![0u32; n_stripes + 1];
        for e in &edges {
            let (a, b) = (stripe_of(e[0].y.min(e[1].y)), stripe_of(e[0].y.max(e[1].y)));
            for c in &mut counts[a..=b] {
                *c += 1;
            }
        }
        let mut start = vec![0u32; n_stripes + 1];
        for k in 0..n_stripes {
            start[k + 1] = start[k] + counts[k];
        }
        let mut fill = start.clone();
        let mut members = vec![0u32; start[n_stripes] as usize];
        for (i, e) in edges.iter().enumerate() {
            let (a, b) = (stripe_of(e[0].y.min(e[1].y)), stripe_of(e[0].y.max(e[1].y)));
            for k in a..=b {
                members[fill[k] as usize] = i as u32;
                fill[k] += 1;
            }
        }
        PreparedPolygon {
            edges,
            y0: min.y,
            stripe_h,
            start,
            members,
            min,
            max,
        }
    }

    fn stripe(&self, y: f64) -> usize {
        let n = self.start.len() - 1;
        (((y - self.y0) / self.stripe_h).floor().max(0.0) as usize).min(n - 1)
    }

    fn stripe_edges(&self, k: usize) -> impl Iterator<Item = &[Coord<f64>; 2]> {
        self.members[self.start[k] as usize..self.start[k + 1] as usize]
            .iter()
            .map(|&i| &self.edges[i as usize])
    }

    /// True when `p` lies inside or on the boundary.
    pub fn contains(&self, p: Coord<f64>) -> bool {
        if p.x < self.min.x || p.x > self.max.x || p.y < self.min.y || p.y > self.max.y {
            return false;
        }
        let mut inside = false;
        for [a, b] in self.stripe_edges(self.stripe(p.y)) {
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
        let (k0, k1) = (self.stripe(p.y - limit), self.stripe(p.y + limit));
        let mut best = f64::INFINITY;
        for k in k0..=k1 {
            for [a, b] in self.stripe_edges(k) {
                best = best.min(point_segment_distance(p, *a, *b));
            }
        }
        (best <= limit).then_some(best)
    }
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
        for k in self.stripe(min.y)..=self.stripe(max.y) {
            for [a, b] in self.stripe_edges(k) {
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
}
