//! The MVT layer of one tile, through the `mvt` crate: geometry commands, tag tables,
//! protobuf.
//!
//! None of the crate's errors can happen here (coordinates are already integers, the one layer
//! is made by its tile with the tile's extent, and encoding into a `Vec` does not fail); were
//! one to, the feature concerned is left out rather than the tile failing.

use std::ops::Range;

use mvt::{GeomEncoder, GeomType};

use super::TileValue;

/// One layer being written.
pub(super) struct LayerWriter {
    tile: mvt::Tile,
    /// `None` only for the moment a feature holds it.
    layer: Option<mvt::Layer>,
}

impl LayerWriter {
    pub fn new(name: &str, extent: u32) -> LayerWriter {
        let tile = mvt::Tile::new(extent);
        let layer = tile.create_layer(name);
        LayerWriter {
            tile,
            layer: Some(layer),
        }
    }

    /// Add a polygon feature: `rings` index `pts`, each ring without its closing point,
    /// oriented already, each exterior followed by its holes. True when it was written.
    pub fn polygon<'a>(
        &mut self,
        pts: &[[i32; 2]],
        rings: &[Range<usize>],
        id: u64,
        tags: impl Iterator<Item = (&'a str, &'a TileValue)>,
    ) -> bool {
        let Some(geom) = polygon_geometry(pts, rings) else {
            return false;
        };
        self.feature(geom, Some(id), tags)
    }

    /// Add a point feature. True when it was written.
    pub fn point<'a>(
        &mut self,
        p: [i32; 2],
        id: Option<u64>,
        tags: impl Iterator<Item = (&'a str, &'a TileValue)>,
    ) -> bool {
        let mut enc = GeomEncoder::<i32>::new(GeomType::Point);
        if enc.add_point(p[0], p[1]).is_err() {
            return false;
        }
        match enc.encode() {
            Ok(geom) => self.feature(geom, id, tags),
            Err(_) => false,
        }
    }

    fn feature<'a>(
        &mut self,
        geom: mvt::GeomData,
        id: Option<u64>,
        tags: impl Iterator<Item = (&'a str, &'a TileValue)>,
    ) -> bool {
        let Some(layer) = self.layer.take() else {
            return false;
        };
        let mut f = layer.into_feature(geom);
        if let Some(id) = id {
            f.set_id(id);
        }
        for (k, v) in tags {
            match v {
                TileValue::Str(s) => f.add_tag_string(k, s),
                TileValue::Int(i) if *i < 0 => f.add_tag_sint(k, *i),
                TileValue::Int(i) => f.add_tag_int(k, *i),
                TileValue::Float(x) => f.add_tag_double(k, *x),
                TileValue::Bool(b) => f.add_tag_bool(k, *b),
            }
        }
        self.layer = Some(f.into_layer());
        true
    }

    /// The tile's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        if let Some(layer) = self.layer.take() {
            if self.tile.add_layer(layer).is_err() {
                return Vec::new();
            }
        }
        self.tile.to_bytes().unwrap_or_default()
    }
}

/// The geometry commands of a polygon feature. Each ring starts at its first point that is
/// not the previous ring's last point: `mvt`'s encoder drops the `MoveTo` of a ring that
/// starts where the previous one ended (it takes the point for a repeat), which would leave
/// the ring without its `MoveTo`.
fn polygon_geometry(pts: &[[i32; 2]], rings: &[Range<usize>]) -> Option<mvt::GeomData> {
    let mut enc = GeomEncoder::<i32>::new(GeomType::Polygon);
    let mut last: Option<[i32; 2]> = None;
    for r in rings {
        let ring = pts.get(r.clone())?;
        let n = ring.len();
        if n < 3 {
            continue;
        }
        let start = (0..n).find(|&i| Some(ring[i]) != last).unwrap_or(0);
        for k in 0..n {
            let p = ring[(start + k) % n];
            enc.add_point(p[0], p[1]).ok()?;
        }
        enc.complete_geom().ok()?;
        last = Some(ring[(start + n - 1) % n]);
    }
    enc.encode().ok()
}

/// Bytes of a protobuf varint.
pub(super) fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Zigzag of a delta.
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// A polygon feature's geometry field, estimated closely (the encoder may start a ring at
/// another point and drops points in line along an axis): every ring's commands, its deltas
/// and a two-byte jump of the cursor to its first point on each axis.
pub(super) fn polygon_size(pts: &[[i32; 2]], rings: &[Range<usize>]) -> usize {
    let mut n = 0;
    for r in rings {
        let Some(ring) = pts.get(r.clone()) else {
            continue;
        };
        let k = ring.len();
        n += 1 + 4 + varint_len(((k as u64).saturating_sub(1) << 3) | 2) + 1;
        for w in ring.windows(2) {
            n += varint_len(zigzag(i64::from(w[1][0]) - i64::from(w[0][0])))
                + varint_len(zigzag(i64::from(w[1][1]) - i64::from(w[0][1])));
        }
    }
    1 + varint_len(n as u64) + n
}

/// A point feature's geometry field: `MoveTo(1)` and two coordinates of up to three bytes.
const POINT_GEOMETRY: usize = 2 + 1 + 6;

/// The bytes of a layer with no feature: its framing, version, name, extent and `keys`.
pub(super) fn layer_header_size<'a>(name: &str, keys: impl Iterator<Item = &'a str>) -> usize {
    let keys: usize = keys.map(|k| 1 + varint_len(k.len() as u64) + k.len()).sum();
    4 + 2 + 1 + varint_len(name.len() as u64) + name.len() + 4 + keys
}

/// The bytes of a value in the layer's value table.
fn value_size(v: &TileValue) -> usize {
    let inner = match v {
        TileValue::Str(s) => 1 + varint_len(s.len() as u64) + s.len(),
        TileValue::Int(i) if *i < 0 => 1 + varint_len(zigzag(*i)),
        TileValue::Int(i) => 1 + varint_len(i.unsigned_abs()),
        TileValue::Float(_) => 9,
        TileValue::Bool(_) => 2,
    };
    1 + varint_len(inner as u64) + inner
}

/// A value's identity in a tile's value table: the caller's key (for a layer's attribute, its
/// field and value number; for a point's property, a hash of the value).
pub(super) type ValueId = u64;

/// The identity of a point property's value (a float by its bits).
pub(super) fn value_id(v: &TileValue) -> ValueId {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match v {
        TileValue::Str(s) => (0u8, s).hash(&mut h),
        TileValue::Int(i) => (1u8, i).hash(&mut h),
        TileValue::Float(x) => (2u8, x.to_bits()).hash(&mut h),
        TileValue::Bool(b) => (3u8, b).hash(&mut h),
    }
    h.finish()
}

/// A hasher for integer keys that are spread already (value ids).
#[derive(Default)]
struct MixHasher(u64);

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type IdSet = std::collections::HashSet<ValueId, std::hash::BuildHasherDefault<MixHasher>>;

/// What is left of a tile's vertex and byte caps, by close estimates of each feature's bytes
/// (the encoded tile is checked afterwards: [`encode_within`]).
pub(super) struct Budget<'a> {
    vertices: usize,
    bytes: usize,
    keys: std::collections::HashSet<&'a str>,
    values: IdSet,
    /// Whether the layer's keys are already counted (polygons: all fields, in the header).
    keys_counted: bool,
    /// Scratch: the keys and values a feature would add.
    new_keys: Vec<&'a str>,
    new_values: Vec<ValueId>,
}

impl<'a> Budget<'a> {
    /// Caps of `max_vertices` and `max_bytes`, of which `header` bytes are already taken.
    pub fn new(max_vertices: usize, max_bytes: usize, header: usize, keys_counted: bool) -> Self {
        Budget {
            vertices: max_vertices,
            bytes: max_bytes.saturating_sub(header),
            keys: std::collections::HashSet::new(),
            values: IdSet::default(),
            keys_counted,
            new_keys: Vec::new(),
            new_values: Vec::new(),
        }
    }

    /// Take room for feature `id` of `vertices` vertices whose geometry field takes
    /// `geometry` bytes, with `tags` (key, value identity, value): its estimated bytes, or
    /// `None` (nothing taken) when it does not fit.
    pub fn take(
        &mut self,
        id: Option<u64>,
        vertices: usize,
        geometry: usize,
        tags: impl Iterator<Item = (&'a str, ValueId, &'a TileValue)>,
    ) -> Option<usize> {
        if vertices > self.vertices {
            return None;
        }
        let (mut tag_bytes, mut table_bytes) = (0usize, 0usize);
        let (new_keys, new_values) = (&mut self.new_keys, &mut self.new_values);
        new_keys.clear();
        new_values.clear();
        let index_bytes = varint_len(self.values.len() as u64);
        for (k, vid, v) in tags {
            tag_bytes += 1 + index_bytes;
            if !self.keys_counted && !self.keys.contains(k) && !new_keys.contains(&k) {
                table_bytes += 1 + varint_len(k.len() as u64) + k.len();
                new_keys.push(k);
            }
            if !self.values.contains(&vid) && !new_values.contains(&vid) {
                table_bytes += value_size(v);
                new_values.push(vid);
            }
        }
        let tags_field = if tag_bytes > 0 {
            1 + varint_len(tag_bytes as u64) + tag_bytes
        } else {
            0
        };
        let id_field = id.map_or(0, |id| 1 + varint_len(id));
        let body = id_field + 2 + tags_field + geometry;
        let need = 1 + varint_len(body as u64) + body + table_bytes;
        if need > self.bytes {
            return None;
        }
        self.vertices -= vertices;
        self.bytes -= need;
        self.keys.extend(self.new_keys.iter().copied());
        self.values.extend(self.new_values.iter().copied());
        Some(need)
    }

    /// The bytes of a point feature's geometry.
    pub fn point_geometry() -> usize {
        POINT_GEOMETRY
    }
}

/// Encode `items` (each with its estimated bytes, in the order they were admitted) with
/// `encode`; while the bytes exceed `max_bytes`, leave out the last admitted items, as many as
/// the estimates say cover the excess, and encode again. Returns the bytes and how many items
/// were left out.
pub(super) fn encode_within<T>(
    items: &mut Vec<(T, usize)>,
    max_bytes: usize,
    mut encode: impl FnMut(&[(T, usize)]) -> Vec<u8>,
) -> (Vec<u8>, usize) {
    let mut left_out = 0;
    loop {
        let bytes = encode(items);
        if bytes.len() <= max_bytes || items.is_empty() {
            return (bytes, left_out);
        }
        // The excess and a little more, so that one more round usually suffices.
        let mut excess = (bytes.len() - max_bytes) + max_bytes / 256 + 1;
        while excess > 0 {
            let Some((_, est)) = items.pop() else {
                break;
            };
            excess = excess.saturating_sub(est.max(1));
            left_out += 1;
        }
    }
}
