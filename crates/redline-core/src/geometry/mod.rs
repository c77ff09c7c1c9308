//! Geometry: validation of surveyed parcels, exact overlay areas, prepared polygons and areas.

pub mod area;
pub mod overlay;
pub mod prepared;
pub mod ring;
pub mod validate;

use geo::{BoundingRect, Coord, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};

/// An R-tree entry: a geometry's envelope with the index of the geometry (the index returns
/// indices, never geometries).
pub type IndexEntry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The R-tree entry of multipolygon `mp` at index `i`; `None` for an empty geometry. The one
/// place envelopes are made, for the layers, the reserve zones and the parcels of a batch.
pub fn index_entry(mp: &MultiPolygon<f64>, i: usize) -> Option<IndexEntry> {
    let r = mp.bounding_rect()?;
    Some(GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        i,
    ))
}

/// The bounding box `(min, max)` of some coordinates: `min` at +∞ and `max` at −∞ when there
/// are none.
pub fn bounds_of(coords: impl IntoIterator<Item = Coord<f64>>) -> (Coord<f64>, Coord<f64>) {
    let mut min = Coord {
        x: f64::INFINITY,
        y: f64::INFINITY,
    };
    let mut max = Coord {
        x: f64::NEG_INFINITY,
        y: f64::NEG_INFINITY,
    };
    for c in coords {
        min.x = min.x.min(c.x);
        min.y = min.y.min(c.y);
        max.x = max.x.max(c.x);
        max.y = max.y.max(c.y);
    }
    (min, max)
}

/// The box `[min, max]` widened by `d` on every side.
pub fn widen(min: Coord<f64>, max: Coord<f64>, d: f64) -> (Coord<f64>, Coord<f64>) {
    (
        Coord {
            x: min.x - d,
            y: min.y - d,
        },
        Coord {
            x: max.x + d,
            y: max.y + d,
        },
    )
}
