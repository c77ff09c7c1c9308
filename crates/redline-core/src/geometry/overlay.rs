//! Exact overlay (intersection / difference) of a parcel with layer features.
//!
//! The overlay itself is geo's `BooleanOps` (i_overlay). Two things keep it exact and fast on
//! survey data:
//! * **Local origin.** Gauss-Krüger eastings carry a zone prefix (39 519 431 m): both operands are
//!   shifted so that the parcel's corner is the origin, which keeps the snapping grid of the
//!   overlay at nanometres instead of decimetres.
//! * **Clipping big features.** A red-line polygon may have 50 000 vertices while a parcel has
//!   ten. Since the parcel lies strictly inside a window a little larger than its bounding box,
//!   `P ∩ F = P ∩ clip(F, window)`: each ring of `F` is clipped to the window first
//!   (Sutherland–Hodgman; zero-width bridges it may leave run along the window's border, which
//!   the parcel never reaches).

use geo::{BooleanOps, BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect};

/// Features with more vertices than this are clipped to the parcel's window before the overlay.
pub const CLIP_ABOVE_VERTICES: usize = 64;

/// The window around a bounding box: the box grown by 1 m plus 1 % of its size on every side.
pub fn window_around(r: Rect<f64>) -> Rect<f64> {
    let pad = 1.0 + 0.01 * r.width().max(r.height());
    Rect::new(
        Coord {
            x: r.min().x - pad,
            y: r.min().y - pad,
        },
        Coord {
            x: r.max().x + pad,
            y: r.max().y + pad,
        },
    )
}

/// Clip one closed ring to an axis-aligned rectangle (Sutherland–Hodgman). The result keeps the
/// ring's orientation; it is empty when nothing of the ring's area lies in the window.
pub fn clip_ring(ring: &LineString<f64>, w: Rect<f64>) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = ring.0.clone();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let (min, max) = (w.min(), w.max());
    // Each edge of the window: inside test and intersection with a segment.
    type Inside = fn(Coord<f64>, f64) -> bool;
    let planes: [(Inside, f64, bool); 4] = [
        (|c, v| c.x >= v, min.x, true),
        (|c, v| c.x <= v, max.x, true),
        (|c, v| c.y >= v, min.y, false),
        (|c, v| c.y <= v, max.y, false),
    ];
    for (inside, v, vertical) in planes {
        if pts.is_empty() {
            break;
        }
        let mut out = Vec::with_capacity(pts.len() + 4);
        let mut prev = pts[pts.len() - 1];
        let mut prev_in = inside(prev, v);
        for &cur in &pts {
            let cur_in = inside(cur, v);
            if cur_in != prev_in {
                out.push(cross(prev, cur, v, vertical));
            }
            if cur_in {
                out.push(cur);
            }
            prev = cur;
            prev_in = cur_in;
        }
        pts = out;
    }
    if pts.len() < 3 {
        return LineString::new(Vec::new());
    }
    pts.push(pts[0]);
    LineString::new(pts)
}

fn cross(a: Coord<f64>, b: Coord<f64>, v: f64, vertical: bool) -> Coord<f64> {
    if vertical {
        let t = (v - a.x) / (b.x - a.x);
        Coord {
            x: v,
            y: a.y + t * (b.y - a.y),
        }
    } else {
        let t = (v - a.y) / (b.y - a.y);
        Coord {
            x: a.x + t * (b.x - a.x),
            y: v,
        }
    }
}

/// Clip every ring of a multipolygon to the window; rings that vanish are dropped.
pub fn clip_multipolygon(mp: &MultiPolygon<f64>, w: Rect<f64>) -> MultiPolygon<f64> {
    let mut out = Vec::new();
    for p in &mp.0 {
        if let Some(r) = p.bounding_rect() {
            if r.max().x < w.min().x
                || r.min().x > w.max().x
                || r.max().y < w.min().y
                || r.min().y > w.max().y
            {
                continue;
            }
        }
        let ext = clip_ring(p.exterior(), w);
        if ext.0.is_empty() {
            continue;
        }
        let holes: Vec<_> = p
            .interiors()
            .iter()
            .map(|h| clip_ring(h, w))
            .filter(|h| !h.0.is_empty())
            .collect();
        out.push(Polygon::new(ext, holes));
    }
    MultiPolygon(out)
}

/// The number of vertices of a multipolygon, holes included.
pub fn vertex_count(mp: &MultiPolygon<f64>) -> usize {
    mp.0.iter()
        .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
        .sum()
}

fn shifted(mp: &MultiPolygon<f64>, o: Coord<f64>) -> MultiPolygon<f64> {
    use geo::MapCoords;
    mp.map_coords(|c| Coord {
        x: c.x - o.x,
        y: c.y - o.y,
    })
}

/// A parcel ready for repeated overlays: shifted to its local origin, with its window.
#[derive(Clone, Debug)]
pub struct OverlayBase {
    origin: Coord<f64>,
    window: Rect<f64>,
    local: MultiPolygon<f64>,
}

impl OverlayBase {
    /// Prepare `parcel` (in working-CRS coordinates). `None` for an empty geometry.
    pub fn new(parcel: &MultiPolygon<f64>) -> Option<Self> {
        let bbox = parcel.bounding_rect()?;
        let origin = bbox.min();
        Some(OverlayBase {
            origin,
            window: window_around(bbox),
            local: shifted(parcel, origin),
        })
    }

    fn localize(&self, feature: &MultiPolygon<f64>) -> MultiPolygon<f64> {
        if vertex_count(feature) > CLIP_ABOVE_VERTICES {
            shifted(&clip_multipolygon(feature, self.window), self.origin)
        } else {
            shifted(feature, self.origin)
        }
    }

    fn to_world(&self, mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
        let o = self.origin;
        use geo::MapCoords;
        mp.map_coords(|c| Coord {
            x: c.x + o.x,
            y: c.y + o.y,
        })
    }

    /// The parcel's part inside `feature`, and its area (m²), in world coordinates.
    pub fn intersection(&self, feature: &MultiPolygon<f64>) -> (MultiPolygon<f64>, f64) {
        let f = self.localize(feature);
        if f.0.is_empty() {
            return (MultiPolygon(Vec::new()), 0.0);
        }
        let piece = self.local.intersection(&f);
        let area = crate::geometry::area::planar_area(&piece);
        (self.to_world(piece), area)
    }

    /// The parcel's part outside every one of `features`, and its area (m²).
    pub fn difference_all<'a, I>(&self, features: I) -> (MultiPolygon<f64>, f64)
    where
        I: IntoIterator<Item = &'a MultiPolygon<f64>>,
    {
        let mut rest = self.local.clone();
        for f in features {
            if rest.0.is_empty() {
                break;
            }
            let f = self.localize(f);
            if !f.0.is_empty() {
                rest = rest.difference(&f);
            }
        }
        let area = crate::geometry::area::planar_area(&rest);
        (self.to_world(rest), area)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn clip_keeps_the_area_inside_the_window() {
        // A U-shaped (concave) polygon; the window cuts both arms.
        let u: Polygon<f64> = polygon![
            (x: 0.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 30.0), (x: 20.0, y: 30.0),
            (x: 20.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 30.0), (x: 0.0, y: 30.0),
        ];
        let w = Rect::new(Coord { x: 5.0, y: 5.0 }, Coord { x: 25.0, y: 25.0 });
        let c = clip_multipolygon(&MultiPolygon(vec![u]), w);
        // Inside the window: two arms 5×15 each + the base strip 20×5 = 75 + 75 + 100 = 250.
        assert!(
            (c.unsigned_area() - 250.0).abs() < 1e-9,
            "{}",
            c.unsigned_area()
        );
    }

    #[test]
    fn overlay_at_survey_coordinates() {
        // 10 × 14.8 parcel at zone-39 coordinates, half over a 5 m wide strip of a big feature.
        let (x0, y0) = (39_519_431.265, 3_242_537.394);
        let parcel: MultiPolygon<f64> = MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x0 + 10.0, y: y0), (x: x0 + 10.0, y: y0 + 14.8), (x: x0, y: y0 + 14.8),
        ]]);
        // A feature with many vertices along its far side (forces the clipping path).
        let mut ring: Vec<Coord<f64>> = vec![
            Coord {
                x: x0 - 1000.0,
                y: y0 - 1000.0,
            },
            Coord {
                x: x0 + 5.0,
                y: y0 - 1000.0,
            },
            Coord {
                x: x0 + 5.0,
                y: y0 + 1000.0,
            },
        ];
        for i in 0..200 {
            ring.push(Coord {
                x: x0 - (i as f64) * 5.0,
                y: y0 + 1000.0 + (i % 2) as f64,
            });
        }
        let feature = MultiPolygon(vec![Polygon::new(LineString::new(ring), vec![])]);
        let base = OverlayBase::new(&parcel).expect("non-empty");
        let (_, a) = base.intersection(&feature);
        assert!((a - 5.0 * 14.8).abs() < 1e-6, "{a}");
        let (_, out) = base.difference_all([&feature]);
        assert!((out - 5.0 * 14.8).abs() < 1e-6, "{out}");
    }
}
