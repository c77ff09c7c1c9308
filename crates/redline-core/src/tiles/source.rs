//! [`TileSource`]: a layer's features in Web Mercator with their own R-tree, and the tiles cut
//! from them (the rules are in the module doc of [`crate::tiles`]).

use std::collections::HashMap;
use std::ops::Range;

use geo::MultiPolygon;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::encode::{self, Budget, LayerWriter};
use super::geom::{clip_ring, simplify_ring, snap_ring, twice_area, P};
use super::mercator::{lonlat_to_mercator, mercator_to_lonlat, Frame, MAX_LAT};
use super::{tilejson_document, FieldKind, Tile, TileError, TileId, TileOptions, TileValue};
use crate::crs::{CrsError, Reprojector, CGCS2000};
use crate::geometry::IndexEntry;
use crate::layer::Layer;

/// One ring: its points in `TileSource::coords` (without the closing point) and its box.
#[derive(Clone, Debug)]
struct RingSpan {
    points: Range<usize>,
    /// An exterior ring starts a polygon; the holes that follow belong to it.
    exterior: bool,
    /// `[min_x, min_y, max_x, max_y]`, Mercator metres.
    bbox: [f64; 4],
}

/// One feature: its rings in `TileSource::rings` and its area.
#[derive(Clone, Debug)]
struct FeatureSpan {
    rings: Range<usize>,
    /// Mercator m² (exteriors less holes): the order of the caps.
    area: f64,
}

/// One attribute field: its values, each distinct value once.
#[derive(Clone, Debug)]
struct Column {
    name: String,
    kind: FieldKind,
    dict: Vec<TileValue>,
    /// Per feature (by rank), its value's index in `dict`; [`NO_VALUE`] when empty.
    codes: Vec<u32>,
}

const NO_VALUE: u32 = u32::MAX;

/// A layer ready to be cut into tiles: built once per layer version ([`TileSource::build`]),
/// then shared by every tile request (it is `Send + Sync`).
#[derive(Debug)]
pub struct TileSource {
    name: String,
    // The features are stored by rank: by size, largest first, ties in layer order.
    coords: Vec<[f64; 2]>,
    rings: Vec<RingSpan>,
    features: Vec<FeatureSpan>,
    /// Each feature's Mercator box, with its rank.
    index: RTree<IndexEntry>,
    /// Each feature's position in the layer (0-based), by rank.
    layer_index: Vec<usize>,
    columns: Vec<Column>,
    /// Mercator box of every feature, `[min_x, min_y, max_x, max_y]`; `None` when empty.
    bounds: Option<[f64; 4]>,
}

/// Features converted per worker at a time (each worker builds its own converter).
const CHUNK: usize = 4096;

/// The features of one chunk in Mercator, indices local to the chunk.
#[derive(Default)]
struct Chunk {
    coords: Vec<[f64; 2]>,
    rings: Vec<RingSpan>,
    features: Vec<FeatureSpan>,
    boxes: Vec<Option<[f64; 4]>>,
}

impl Chunk {
    /// Append one feature, each coordinate converted by `to_merc`.
    fn push(
        &mut self,
        mp: &MultiPolygon<f64>,
        to_merc: &impl Fn(f64, f64) -> Result<(f64, f64), CrsError>,
    ) -> Result<(), CrsError> {
        let first_ring = self.rings.len();
        let mut area = 0.0;
        let mut fbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for poly in &mp.0 {
            let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
            for (k, ls) in rings.enumerate() {
                let start = self.coords.len();
                let mut pts = &ls.0[..];
                if pts.len() > 1 && pts.first() == pts.last() {
                    pts = &pts[..pts.len() - 1];
                }
                if pts.len() < 3 {
                    if k == 0 {
                        break; // no exterior: the polygon, holes and all, is skipped
                    }
                    continue;
                }
                let mut b = [
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ];
                for c in pts {
                    let (x, y) = to_merc(c.x, c.y)?;
                    b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
                    self.coords.push([x, y]);
                }
                let a = (planar_twice_area(&self.coords[start..]) / 2.0).abs();
                area += if k == 0 { a } else { -a };
                if k == 0 {
                    fbox = [
                        fbox[0].min(b[0]),
                        fbox[1].min(b[1]),
                        fbox[2].max(b[2]),
                        fbox[3].max(b[3]),
                    ];
                }
                self.rings.push(RingSpan {
                    points: start..self.coords.len(),
                    exterior: k == 0,
                    bbox: b,
                });
            }
        }
        self.features.push(FeatureSpan {
            rings: first_ring..self.rings.len(),
            area: area.max(0.0),
        });
        self.boxes.push((fbox[0] <= fbox[2]).then_some(fbox));
        Ok(())
    }
}

/// Twice the signed area of a ring (no closing point), relative to its first point.
fn planar_twice_area(ring: &[[f64; 2]]) -> f64 {
    let Some(&o) = ring.first() else {
        return 0.0;
    };
    let n = ring.len();
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        s += (a[0] - o[0]) * (b[1] - o[1]) - (b[0] - o[0]) * (a[1] - o[1]);
    }
    s
}

/// Reusable buffers for one tile.
#[derive(Default)]
struct Scratch {
    a: Vec<P>,
    b: Vec<P>,
    c: Vec<P>,
    keep: Vec<bool>,
    stack: Vec<(usize, usize)>,
}

/// One tile's cut: its frame, the buffered box in Mercator, the clip square and the
/// simplification tolerance in tile units.
#[derive(Clone, Copy)]
struct Cut {
    frame: Frame,
    /// `[min_x, min_y, max_x, max_y]`, Mercator metres.
    env: [f64; 4],
    lo: f64,
    hi: f64,
    tol: f64,
}

/// What became of one feature in a tile.
enum Drawn {
    /// No ring reaches the tile (only its box does).
    Outside,
    /// Some ring reaches the tile but every ring collapsed.
    Collapsed,
    /// Drawn: the rings pushed.
    Rings,
}

impl TileSource {
    /// Convert every feature of `layer` (in `working_crs`) to Web Mercator, index them, and
    /// keep the attributes (module doc). In parallel, each worker with its own converter.
    pub fn build(layer: &Layer, working_crs: &str) -> Result<TileSource, TileError> {
        use rayon::prelude::*;
        let name = layer.config.name.clone();
        let fail = |feature: usize, source: CrsError| TileError::Reprojection {
            layer: name.clone(),
            feature,
            source: Box::new(source),
        };
        let chunks: Vec<Chunk> = layer
            .features
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(ci, run)| {
                let r = Reprojector::new(working_crs, CGCS2000).map_err(|e| fail(0, e))?;
                let to_merc = |x: f64, y: f64| -> Result<(f64, f64), CrsError> {
                    let (lon, lat) = r.point(x, y)?;
                    Ok(lonlat_to_mercator(lon, lat))
                };
                let mut c = Chunk::default();
                for (k, f) in run.iter().enumerate() {
                    c.push(&f.geometry, &to_merc)
                        .map_err(|e| fail(ci * CHUNK + k + 1, e))?;
                }
                Ok(c)
            })
            .collect::<Result<_, TileError>>()?;
        let values = layer.features.iter().map(|f| f.values.as_slice());
        Ok(TileSource::from_chunks(name, &layer.fields, values, chunks))
    }

    /// A source from features already in Web Mercator (tests, benchmarks).
    #[cfg(test)]
    pub(super) fn from_mercator(
        name: &str,
        fields: &[&str],
        features: Vec<(MultiPolygon<f64>, Vec<String>)>,
    ) -> TileSource {
        let mut c = Chunk::default();
        let id = |x: f64, y: f64| -> Result<(f64, f64), CrsError> { Ok((x, y)) };
        for (g, _) in &features {
            let pushed = c.push(g, &id);
            debug_assert!(pushed.is_ok());
        }
        let fields: Vec<String> = fields.iter().map(|s| (*s).to_string()).collect();
        let values = features.iter().map(|(_, v)| v.as_slice());
        TileSource::from_chunks(name.to_string(), &fields, values, vec![c])
    }

    fn from_chunks<'a>(
        name: String,
        fields: &[String],
        values: impl Iterator<Item = &'a [String]> + Clone,
        chunks: Vec<Chunk>,
    ) -> TileSource {
        let mut coords = Vec::with_capacity(chunks.iter().map(|c| c.coords.len()).sum());
        let mut rings = Vec::with_capacity(chunks.iter().map(|c| c.rings.len()).sum());
        let mut features = Vec::with_capacity(chunks.iter().map(|c| c.features.len()).sum());
        let mut boxes: Vec<(usize, [f64; 4])> = Vec::with_capacity(features.capacity());
        let mut bounds: Option<[f64; 4]> = None;
        for c in chunks {
            let (co, ro) = (coords.len(), rings.len());
            coords.extend_from_slice(&c.coords);
            rings.extend(c.rings.into_iter().map(|mut r| {
                r.points = r.points.start + co..r.points.end + co;
                r
            }));
            for (f, b) in c.features.into_iter().zip(c.boxes) {
                if let Some(b) = b {
                    boxes.push((features.len(), b));
                    bounds = Some(match bounds {
                        None => b,
                        Some(a) => [
                            a[0].min(b[0]),
                            a[1].min(b[1]),
                            a[2].max(b[2]),
                            a[3].max(b[3]),
                        ],
                    });
                }
                features.push(FeatureSpan {
                    rings: f.rings.start + ro..f.rings.end + ro,
                    area: f.area,
                });
            }
        }
        // Store the features by size, largest first: a tile visits its candidates in that
        // order, and so sweeps the coordinates one way instead of jumping about.
        let mut by_rank: Vec<usize> = (0..features.len()).collect();
        by_rank.sort_unstable_by(|&a, &b| {
            let (fa, fb): (&FeatureSpan, &FeatureSpan) = (&features[a], &features[b]);
            fb.area.total_cmp(&fa.area).then(a.cmp(&b))
        });
        let mut rank_of = vec![0usize; features.len()];
        for (rank, &fi) in by_rank.iter().enumerate() {
            rank_of[fi] = rank;
        }
        let mut ranked_coords = Vec::with_capacity(coords.len());
        let mut ranked_rings = Vec::with_capacity(rings.len());
        let mut ranked = Vec::with_capacity(features.len());
        for &fi in &by_rank {
            let f = &features[fi];
            let r0 = ranked_rings.len();
            for r in &rings[f.rings.clone()] {
                let s = ranked_coords.len();
                ranked_coords.extend_from_slice(&coords[r.points.clone()]);
                ranked_rings.push(RingSpan {
                    points: s..ranked_coords.len(),
                    ..r.clone()
                });
            }
            ranked.push(FeatureSpan {
                rings: r0..ranked_rings.len(),
                area: f.area,
            });
        }
        drop((coords, rings, features));
        let entries: Vec<IndexEntry> = boxes
            .into_iter()
            .map(|(fi, b)| {
                GeomWithData::new(
                    Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]),
                    rank_of[fi],
                )
            })
            .collect();
        let columns = fields
            .iter()
            .enumerate()
            .map(|(k, field)| {
                let mut c = column(
                    field,
                    values.clone().map(|v| v.get(k).map_or("", String::as_str)),
                );
                c.codes = by_rank.iter().map(|&fi| c.codes[fi]).collect();
                c
            })
            .collect();
        TileSource {
            name,
            coords: ranked_coords,
            rings: ranked_rings,
            features: ranked,
            index: RTree::bulk_load(entries),
            layer_index: by_rank,
            columns,
            bounds,
        }
    }

    /// The layer's name: the MVT layer (`source-layer`) and TileJSON `vector_layers[].id`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when the layer has no feature.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The attribute fields with their kinds, in the layer's order.
    pub fn fields(&self) -> Vec<(String, FieldKind)> {
        self.columns
            .iter()
            .map(|c| (c.name.clone(), c.kind))
            .collect()
    }

    /// The lon/lat box of every feature, `[west, south, east, north]`; the whole Web Mercator
    /// world when the layer is empty.
    pub fn bounds_lonlat(&self) -> [f64; 4] {
        match self.bounds {
            Some([a, b, c, d]) => {
                let (w, s) = mercator_to_lonlat(a, b);
                let (e, n) = mercator_to_lonlat(c, d);
                [w, s, e, n]
            }
            None => [-180.0, -MAX_LAT, 180.0, MAX_LAT],
        }
    }

    /// The TileJSON 3.0.0 document of this layer ([`tilejson_document`]).
    pub fn tilejson(&self, tiles_url: &str, minzoom: u8, maxzoom: u8) -> serde_json::Value {
        tilejson_document(
            &self.name,
            &self.fields(),
            self.bounds_lonlat(),
            tiles_url,
            minzoom,
            maxzoom,
        )
    }

    /// One tile (module doc: candidates, too small, caps, clip, simplify, snap,
    /// encode).
    pub fn tile(&self, id: TileId, opts: &TileOptions) -> Tile {
        let o = opts.sanitized();
        let frame = Frame::new(id, o.extent);
        let (lo, hi) = frame.clip_range(o.buffer);
        let [min_x, min_y, max_x, max_y] = id.mercator_bounds();
        let buf_m = f64::from(o.buffer) / frame.scale;
        let env = [min_x - buf_m, min_y - buf_m, max_x + buf_m, max_y + buf_m];
        let min_m = o.min_feature_px * frame.pixel_m();
        let tol = o.simplify_px * frame.pixel_units();

        let mut dropped_small = 0usize;
        // Ranks by size of the candidates drawn (largest first once sorted).
        let mut kept: Vec<usize> = Vec::new();
        let query = AABB::from_corners([env[0], env[1]], [env[2], env[3]]);
        for e in self.index.locate_in_envelope_intersecting(&query) {
            let (l, u) = (e.geom().lower(), e.geom().upper());
            if u[0] - l[0] < min_m && u[1] - l[1] < min_m {
                dropped_small += 1;
            } else {
                kept.push(e.data);
            }
        }
        kept.sort_unstable();

        let cut = Cut {
            frame,
            env,
            lo,
            hi,
            tol,
        };
        let mut scratch = Scratch::default();
        let mut pts: Vec<[i32; 2]> = Vec::new();
        let mut rings: Vec<Range<usize>> = Vec::new();
        let header =
            encode::layer_header_size(&self.name, self.columns.iter().map(|c| c.name.as_str()));
        let mut budget = Budget::new(o.max_vertices, o.max_bytes, header, true);
        // (rank, the feature's rings in `rings`), with its estimated bytes, largest first.
        let mut drawn: Vec<((usize, Range<usize>), usize)> = Vec::new();
        let mut dropped_over_cap = 0usize;
        for (k, &rank) in kept.iter().enumerate() {
            let (p0, r0) = (pts.len(), rings.len());
            match self.draw(rank, &cut, &mut scratch, &mut pts, &mut rings) {
                Drawn::Outside => {}
                Drawn::Collapsed => dropped_small += 1,
                Drawn::Rings => {
                    let geometry = encode::polygon_size(&pts, &rings[r0..]);
                    let id = Some(self.layer_index[rank] as u64 + 1);
                    let tags = self.tag_ids(rank);
                    match budget.take(id, pts.len() - p0, geometry, tags) {
                        Some(est) => drawn.push(((rank, r0..rings.len()), est)),
                        None => {
                            // This one and every smaller candidate.
                            dropped_over_cap += kept.len() - k;
                            break;
                        }
                    }
                }
            }
        }
        let (mut features, mut vertices) = (0usize, 0usize);
        let (bytes, left_out) = encode::encode_within(&mut drawn, o.max_bytes, |items| {
            // In layer order.
            let mut order: Vec<&(usize, Range<usize>)> = items.iter().map(|(d, _)| d).collect();
            order.sort_unstable_by_key(|d| self.layer_index[d.0]);
            let mut w = LayerWriter::new(&self.name, o.extent);
            (features, vertices) = (0, 0);
            for &(rank, ref rr) in order {
                let ring_slice = &rings[rr.clone()];
                let id = self.layer_index[rank] as u64 + 1;
                if w.polygon(&pts, ring_slice, id, self.tags(rank)) {
                    features += 1;
                    vertices += ring_slice.iter().map(ExactSizeIterator::len).sum::<usize>();
                }
            }
            w.finish()
        });
        Tile {
            bytes,
            features,
            vertices,
            dropped_small,
            dropped_over_cap: dropped_over_cap + left_out,
        }
    }

    /// The attributes of the feature of rank `rank` that have a value.
    fn tags(&self, rank: usize) -> impl Iterator<Item = (&str, &TileValue)> + Clone {
        self.columns.iter().filter_map(move |c| {
            let code = *c.codes.get(rank)?;
            if code == NO_VALUE {
                return None;
            }
            c.dict.get(code as usize).map(|v| (c.name.as_str(), v))
        })
    }

    /// The attributes of the feature of rank `rank` with their identities in the tile's value
    /// table.
    fn tag_ids(&self, rank: usize) -> impl Iterator<Item = (&str, u64, &TileValue)> {
        self.columns.iter().enumerate().filter_map(move |(k, c)| {
            let code = *c.codes.get(rank)?;
            if code == NO_VALUE {
                return None;
            }
            let v = c.dict.get(code as usize)?;
            Some((c.name.as_str(), ((k as u64) << 32) | u64::from(code), v))
        })
    }

    /// Clip, simplify and snap the rings of the feature of rank `rank`, pushing the drawn rings (oriented
    /// for MVT) to `pts` / `rings`.
    fn draw(
        &self,
        rank: usize,
        cut: &Cut,
        s: &mut Scratch,
        pts: &mut Vec<[i32; 2]>,
        rings: &mut Vec<Range<usize>>,
    ) -> Drawn {
        let Some(f) = self.features.get(rank) else {
            return Drawn::Outside;
        };
        let Cut {
            frame,
            env,
            lo,
            hi,
            tol,
        } = *cut;
        let (mut reached, mut any) = (false, false);
        let mut skip_holes = false;
        for ring in &self.rings[f.rings.clone()] {
            if ring.exterior {
                skip_holes = false;
            } else if skip_holes {
                continue;
            }
            let b = ring.bbox;
            if b[2] < env[0] || b[0] > env[2] || b[3] < env[1] || b[1] > env[3] {
                skip_holes |= ring.exterior;
                continue;
            }
            let src = &self.coords[ring.points.clone()];
            s.c.clear();
            s.c.extend(src.iter().map(|c| frame.tile_units(c[0], c[1])));
            let inside = b[0] >= env[0] && b[2] <= env[2] && b[1] >= env[1] && b[3] <= env[3];
            if inside {
                std::mem::swap(&mut s.a, &mut s.c);
            } else {
                clip_ring(&s.c, lo, hi, &mut s.a, &mut s.b);
            }
            if s.a.len() < 3 {
                skip_holes |= ring.exterior;
                continue;
            }
            reached = true;
            simplify_ring(&s.a, tol, &mut s.keep, &mut s.stack);
            let start = pts.len();
            snap_ring(&s.a, &s.keep, pts);
            let area = twice_area(&pts[start..]);
            if pts.len() - start < 3 || area == 0 {
                pts.truncate(start);
                skip_holes |= ring.exterior;
                continue;
            }
            // MVT: exterior positive (clockwise on screen), hole negative.
            if (area > 0) != ring.exterior {
                pts[start..].reverse();
            }
            rings.push(start..pts.len());
            any = true;
        }
        match (any, reached) {
            (true, _) => Drawn::Rings,
            (false, true) => Drawn::Collapsed,
            (false, false) => Drawn::Outside,
        }
    }
}

/// A column from the values of one field (module doc: *Attributes*).
fn column<'a>(name: &str, values: impl Iterator<Item = &'a str> + Clone) -> Column {
    let numeric = values.clone().all(|v| {
        let v = v.trim();
        v.is_empty() || plain_number(v).is_some()
    }) && values.clone().any(|v| !v.trim().is_empty());
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut dict = Vec::new();
    let mut codes = Vec::new();
    for v in values {
        let v = v.trim();
        if v.is_empty() {
            codes.push(NO_VALUE);
            continue;
        }
        let code = *seen.entry(v).or_insert_with(|| {
            let value = match (numeric, plain_number(v)) {
                (true, Some(n)) => n,
                _ => TileValue::Str(v.to_string()),
            };
            dict.push(value);
            (dict.len() - 1) as u32
        });
        codes.push(code);
    }
    Column {
        name: name.to_string(),
        kind: if numeric {
            FieldKind::Number
        } else {
            FieldKind::String
        },
        dict,
        codes,
    }
}

/// The number `v` writes in its plain form: an integer of at most 2^53 in magnitude, or a
/// finite decimal that prints back as written (`0.25`, not `.25`, `0101`, `12.50` or `1e3`).
fn plain_number(v: &str) -> Option<TileValue> {
    const SAFE: i64 = 1 << 53;
    if let Ok(i) = v.parse::<i64>() {
        return (i.to_string() == v && (-SAFE..=SAFE).contains(&i)).then_some(TileValue::Int(i));
    }
    let x = v.parse::<f64>().ok()?;
    (x.is_finite() && x.to_string() == v && v.contains('.')).then_some(TileValue::Float(x))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn plain_numbers_only() {
        assert_eq!(plain_number("12"), Some(TileValue::Int(12)));
        assert_eq!(plain_number("-3"), Some(TileValue::Int(-3)));
        assert_eq!(plain_number("0.25"), Some(TileValue::Float(0.25)));
        for s in [
            "0101",
            "12.50",
            "+1",
            "1e3",
            ".5",
            "NaN",
            "inf",
            "9007199254740993",
            "x",
        ] {
            assert_eq!(plain_number(s), None, "{s}");
        }
    }
}
