//! Rings as coordinate lists: the one shoelace sum, the one point-in-ring test and the one
//! sorting of rings into shells and holes, for the readers that meet rings before they are
//! polygons (shapefile records, TXT parcels) and for the areas.

use geo::{Coord, LineString, Polygon};

/// Twice the signed area of a ring (closed or not; the closing edge is added), relative to
/// `origin` to keep precision with large coordinates (prefixed eastings near 3.9 × 10⁷):
/// positive when counter-clockwise.
pub fn twice_signed_area(ring: &[Coord<f64>], origin: Coord<f64>) -> f64 {
    let n = ring.len();
    if n < 3 {
        return 0.0;
    }
    let mut twice = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i] - origin, ring[(i + 1) % n] - origin);
        twice += a.x * b.y - b.x * a.y;
    }
    twice
}

/// Where a point lies relative to a closed ring: `Some(true)` inside, `Some(false)` outside,
/// `None` on the boundary.
pub fn point_in_ring(p: Coord<f64>, ring: &[Coord<f64>]) -> Option<bool> {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        if cross == 0.0
            && p.x >= a.x.min(b.x)
            && p.x <= a.x.max(b.x)
            && p.y >= a.y.min(b.y)
            && p.y <= a.y.max(b.y)
        {
            return None;
        }
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    Some(inside)
}

/// True when ring `inner` lies inside ring `outer`: decided by the first vertex of `inner` that
/// is not on the boundary of `outer` (rings of a valid polygon do not cross).
pub fn ring_inside(inner: &[Coord<f64>], outer: &[Coord<f64>]) -> bool {
    inner
        .iter()
        .find_map(|&p| point_in_ring(p, outer))
        .unwrap_or(false)
}

/// Sort rings into polygons by containment. Rings are visited from the largest area down; each
/// ring's parent is the smallest already-visited ring containing it. Rings at even depth are
/// shells, rings at odd depth are holes of their parent. Shells keep file order.
pub fn sort_rings(rings: Vec<LineString<f64>>) -> Vec<Polygon<f64>> {
    let n = rings.len();
    let areas: Vec<f64> = rings
        .iter()
        .map(|r| twice_signed_area(&r.0, Coord { x: 0.0, y: 0.0 }).abs())
        .collect();
    let boxes: Vec<Option<geo::Rect<f64>>> =
        rings.iter().map(geo::BoundingRect::bounding_rect).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| areas[b].total_cmp(&areas[a]));
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let mut depth = vec![0usize; n];
    for (pos, &i) in order.iter().enumerate() {
        for &j in order[..pos].iter().rev() {
            let inside_box = match (boxes[i], boxes[j]) {
                (Some(bi), Some(bj)) => {
                    bi.min().x >= bj.min().x
                        && bi.min().y >= bj.min().y
                        && bi.max().x <= bj.max().x
                        && bi.max().y <= bj.max().y
                }
                _ => false,
            };
            if inside_box && ring_inside(&rings[i].0, &rings[j].0) {
                parent[i] = Some(j);
                depth[i] = depth[j] + 1;
                break;
            }
        }
    }
    let mut holes: Vec<Vec<LineString<f64>>> = vec![Vec::new(); n];
    let mut slots: Vec<Option<LineString<f64>>> = rings.into_iter().map(Some).collect();
    for i in 0..n {
        if depth[i] % 2 == 1 {
            if let (Some(p), Some(r)) = (parent[i], slots[i].take()) {
                holes[p].push(r);
            }
        }
    }
    let mut out = Vec::new();
    for i in 0..n {
        if depth[i] % 2 == 0 {
            if let Some(r) = slots[i].take() {
                out.push(Polygon::new(r, std::mem::take(&mut holes[i])));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f64, y: f64, s: f64, ccw: bool) -> LineString<f64> {
        let mut c = vec![
            Coord { x, y },
            Coord { x: x + s, y },
            Coord { x: x + s, y: y + s },
            Coord { x, y: y + s },
        ];
        if !ccw {
            c.reverse();
        }
        c.push(c[0]);
        LineString(c)
    }

    #[test]
    fn shoelace_sign_and_origin() {
        let o = Coord { x: 0.0, y: 0.0 };
        assert_eq!(twice_signed_area(&square(0.0, 0.0, 10.0, true).0, o), 200.0);
        assert_eq!(
            twice_signed_area(&square(0.0, 0.0, 10.0, false).0, o),
            -200.0
        );
        // Open or closed, shifted far away: the same area.
        let far = square(39_519_431.265, 3_242_537.394, 10.0, true);
        let origin = far.0[0];
        assert!((twice_signed_area(&far.0, origin) - 200.0).abs() < 1e-6);
        assert!((twice_signed_area(&far.0[..4], origin) - 200.0).abs() < 1e-6);
        assert_eq!(twice_signed_area(&far.0[..2], origin), 0.0);
    }

    /// Table test: inside, outside, on an edge, on a vertex.
    #[test]
    fn point_in_ring_table() {
        let r = square(0.0, 0.0, 10.0, false).0;
        let cases = [
            ((5.0, 5.0), Some(true)),
            ((15.0, 5.0), Some(false)),
            ((-0.1, 5.0), Some(false)),
            ((10.0, 5.0), None),
            ((5.0, 0.0), None),
            ((0.0, 0.0), None),
            ((10.0, 10.0), None),
        ];
        for ((x, y), want) in cases {
            assert_eq!(point_in_ring(Coord { x, y }, &r), want, "({x}, {y})");
        }
    }

    /// Orientation does not matter: a shell, a hole in it and an island in the hole (all
    /// clockwise), and a separate shell.
    #[test]
    fn rings_sort_by_containment() {
        let polys = sort_rings(vec![
            square(2.0, 2.0, 6.0, false),
            square(0.0, 0.0, 10.0, false),
            square(4.0, 4.0, 2.0, false),
            square(20.0, 0.0, 5.0, false),
        ]);
        assert_eq!(polys.len(), 3);
        assert_eq!(polys[0].exterior(), &square(0.0, 0.0, 10.0, false));
        assert_eq!(polys[0].interiors(), [square(2.0, 2.0, 6.0, false)]);
        assert_eq!(polys[1].exterior(), &square(4.0, 4.0, 2.0, false));
        assert_eq!(polys[2].exterior(), &square(20.0, 0.0, 5.0, false));
    }
}
