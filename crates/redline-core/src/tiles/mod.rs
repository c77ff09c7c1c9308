//! Mapbox Vector Tiles (MVT 2.1) of the in-memory layers, and TileJSON 3.0.0 for each.
//!
//! A [`TileSource`] is built once per layer version: every feature is converted from the
//! working CRS to CGCS2000 lon/lat with the project's [`Reprojector`](crate::crs::Reprojector)
//! (the analytic Gauss-Krüger inverse, or PROJ), then to Web Mercator (EPSG:3857 metres, the
//! spherical formula PROJ applies for EPSG:3857; CGCS2000 and WGS 84 agree to centimetres), and
//! indexed in its own R-tree of Mercator boxes. [`TileSource::tile`] answers one `z/x/y` tile;
//! [`points_tile`] answers a tile of points (ledger issues, clues) that the caller has already
//! filtered by county scope.
//!
//! # How a polygon tile is made, and what is dropped
//!
//! A *pixel* is 1/256 of the tile's width (a 256-pixel tile), so at zoom `z` it is
//! `40 075 016.686 m / 2^z / 256` Mercator metres (611 m at z8, 153 m at z10, 2.4 m at z16).
//! At Jingdezhen's latitude (29.3°N) a metre on the ground is 1.15 Mercator metres, so a pixel
//! there is 133 m on the ground at z10 and 2.1 m at z16.
//!
//! 1. **Candidates**: the features whose Mercator box meets the tile grown by
//!    [`TileOptions::buffer`] (in tile units, 64 of 4096 by default), from the R-tree.
//! 2. **Too small to see** (`dropped_small`): a feature whose Mercator box is narrower *and*
//!    lower than [`TileOptions::min_feature_px`] pixels (1 by default) is left out, without its
//!    geometry being read. So at z10 a 100 m parcel is not drawn; from z11 on it is. A feature whose every ring collapses
//!    (fewer than three distinct points, or no area) once simplified and snapped to the grid is
//!    counted here too.
//! 3. **Caps** (`dropped_over_cap`): the candidates are drawn largest first (by their area
//!    in Mercator m²) until one would take the tile past [`TileOptions::max_vertices`]
//!    (100 000) or [`TileOptions::max_bytes`] (500 000 bytes before compression); that
//!    feature and every smaller candidate are counted and left out (a few of those may only
//!    meet the tile with their box). The bytes are estimated per feature and the encoded tile
//!    is checked: if it is still over the cap, the smallest drawn features go too. The
//!    features drawn are written in layer order, so the tile does not depend on the sizes. On
//!    a dense county land-use layer it is the byte cap that bites at z10 and below: the
//!    smallest parcels that are still a pixel or two wide go first.
//! 4. **Clip**: each ring is clipped to the buffered tile square `[-buffer, extent + buffer]²`
//!    on its own (Sutherland–Hodgman); holes stay holes, and a ring that is clipped away or
//!    collapses is dropped — an exterior with its holes, a hole alone. Only the buffer, never
//!    drawn, shows the clip's seams.
//! 5. **Simplify**: Douglas–Peucker with a tolerance of [`TileOptions::simplify_px`] pixels
//!    (1 by default, so 16 tile units at extent 4096): a wiggle under a pixel goes, a bump of a
//!    few pixels stays. A ring larger than a pixel keeps at least its three most distant
//!    points, so simplification alone never removes a feature that step 2 kept.
//! 6. **Snap**: to the integer grid `0..extent` (y down); repeated points are removed.
//! 7. **Encode**: exterior rings with positive area by the surveyor's formula in tile
//!    coordinates (clockwise on screen), holes negative, each exterior followed by its holes
//!    (MVT 2.1 §4.3.4.4). The MVT feature id is the feature's 1-based position in the layer,
//!    the same in every tile; the attributes are the layer's fields (below).
//!
//! **Attributes**: every field of the layer. A field is a *Number* when every non-empty value
//! of it is written as a number in its plain form (`12`, `-3`, `0.25`; integers up to 2^53 so
//! that JavaScript reads them exactly); `0101`, `12.50` or `+1` keep the whole field *String*,
//! so a land-class code keeps its leading zero. Empty values are left out of a feature.
//!
//! # Points
//!
//! [`points_tile`] draws the points that fall in the buffered tile (a point in the buffer is
//! drawn in both tiles, so a symbol at the seam is not cut), snapped to the grid, in the
//! caller's order, until `max_vertices` points or `max_bytes`; the points after the first that
//! does not fit are counted in `dropped_over_cap`.
//! County scope is the caller's: it passes only the points the token may see.
//!
//! The encoding is the `mvt` crate's (layers, features, tag tables, protobuf). Its geometry
//! encoder omits the `MoveTo` of a ring whose first point equals the previous ring's last
//! point; each ring is therefore started at another of its points (the ring is unchanged).

mod encode;
mod geom;
mod mercator;
mod source;
#[cfg(test)]
mod tests;

pub use mercator::{lonlat_to_mercator, mercator_to_lonlat, EARTH_RADIUS_M, MAX_LAT, MAX_ZOOM};
pub use source::TileSource;

use crate::crs::CrsError;
use crate::error::ErrorKind;

/// Why a tile or a tile source cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// The tile address is outside the grid (`z` above [`MAX_ZOOM`], `x` or `y` ≥ 2^z).
    #[error("瓦片不存在 (no such tile) {z}/{x}/{y}: z ≤ {MAX_ZOOM}, x 与 y < 2^z")]
    InvalidTile {
        /// Zoom.
        z: u8,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
    /// A feature of a loaded layer cannot be converted to Web Mercator.
    #[error("图层 {layer} 要素 {feature}: 无法转换到 Web 墨卡托 (cannot convert to Web Mercator): {source}")]
    Reprojection {
        /// The layer.
        layer: String,
        /// 1-based position of the feature (0 when the conversion itself cannot be built).
        feature: usize,
        /// Why.
        #[source]
        source: Box<CrsError>,
    },
}

impl TileError {
    /// A tile outside the grid does not exist; a loaded layer that will not convert is
    /// internal (it converted when it loaded).
    pub fn kind(&self) -> ErrorKind {
        match self {
            TileError::InvalidTile { .. } => ErrorKind::NotFound,
            TileError::Reprojection { .. } => ErrorKind::Internal,
        }
    }
}

/// The address of an XYZ tile (the OSM / Google scheme: `y` counts down from the north).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileId {
    /// Zoom, 0 ..= [`MAX_ZOOM`].
    pub z: u8,
    /// Column, from the antimeridian eastwards, `< 2^z`.
    pub x: u32,
    /// Row, from the north, `< 2^z`.
    pub y: u32,
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// How tiles are cut. [`Default`] gives the usual values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileOptions {
    /// The tile's width in tile units (4096). Kept within 1 ..= 2^20.
    pub extent: u32,
    /// How far geometry reaches past the tile's edges, in tile units (64). At most `extent`.
    pub buffer: u32,
    /// The most vertices one tile carries (100 000); larger features first.
    pub max_vertices: usize,
    /// The most bytes one tile takes (500 000, before compression); larger features first.
    pub max_bytes: usize,
    /// Features whose box is smaller than this many pixels (of a 256-pixel tile) on both axes
    /// are left out (1.0).
    pub min_feature_px: f64,
    /// The simplification tolerance, in pixels of a 256-pixel tile (1.0).
    pub simplify_px: f64,
}

impl Default for TileOptions {
    fn default() -> Self {
        TileOptions {
            extent: 4096,
            buffer: 64,
            max_vertices: 100_000,
            max_bytes: 500_000,
            min_feature_px: 1.0,
            simplify_px: 1.0,
        }
    }
}

impl TileOptions {
    /// The options made safe: extent within 1 ..= 2^20, buffer at most the extent, pixel
    /// thresholds finite and not negative.
    fn sanitized(&self) -> TileOptions {
        let extent = self.extent.clamp(1, 1 << 20);
        let px = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
        TileOptions {
            extent,
            buffer: self.buffer.min(extent),
            max_vertices: self.max_vertices,
            max_bytes: self.max_bytes,
            min_feature_px: px(self.min_feature_px),
            simplify_px: px(self.simplify_px),
        }
    }
}

/// One encoded tile and what went into it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tile {
    /// The MVT bytes (not compressed); one layer named after the source layer. A tile with no
    /// feature still carries its (empty) layer.
    pub bytes: Vec<u8>,
    /// Features drawn.
    pub features: usize,
    /// Vertices drawn (each ring's closing point not counted).
    pub vertices: usize,
    /// Features left out as smaller than a pixel, or collapsed by snapping (module doc, step 2).
    pub dropped_small: usize,
    /// Features left out by the vertex or byte cap (module doc, step 3; for points, past a cap).
    pub dropped_over_cap: usize,
}

/// An attribute value of a tile feature.
#[derive(Clone, Debug, PartialEq)]
pub enum TileValue {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// The type of an attribute field, as TileJSON's `vector_layers[].fields` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `"String"`.
    String,
    /// `"Number"`.
    Number,
    /// `"Boolean"`.
    Boolean,
}

impl FieldKind {
    /// The name TileJSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::String => "String",
            FieldKind::Number => "Number",
            FieldKind::Boolean => "Boolean",
        }
    }

    fn of(v: &TileValue) -> FieldKind {
        match v {
            TileValue::Str(_) => FieldKind::String,
            TileValue::Int(_) | TileValue::Float(_) => FieldKind::Number,
            TileValue::Bool(_) => FieldKind::Boolean,
        }
    }
}

/// A point to draw in [`points_tile`]: CGCS2000 (≈ WGS 84) lon/lat with its properties.
#[derive(Clone, Debug, PartialEq)]
pub struct TilePoint {
    /// The MVT feature id (e.g. the ledger issue's id), if any.
    pub id: Option<u64>,
    /// Longitude, degrees east.
    pub lon: f64,
    /// Latitude, degrees north.
    pub lat: f64,
    /// The properties, in the order they are written.
    pub props: Vec<(String, TileValue)>,
}

/// A tile of points in layer `layer_name`: the points that fall in the tile grown by the
/// buffer, in the order given, within `max_vertices` and `max_bytes` (module doc, *Points*). The
/// caller filters by county scope first. Points with a non-finite coordinate are skipped.
pub fn points_tile(layer_name: &str, points: &[TilePoint], id: TileId, opts: &TileOptions) -> Tile {
    let o = opts.sanitized();
    let frame = mercator::Frame::new(id, o.extent);
    let (lo, hi) = frame.clip_range(o.buffer);
    let header = encode::layer_header_size(layer_name, std::iter::empty());
    let mut budget = encode::Budget::new(o.max_vertices, o.max_bytes, header, false);
    let (mut admitted, mut dropped_over_cap) = (Vec::new(), 0usize);
    let mut full = false;
    for p in points {
        if !(p.lon.is_finite() && p.lat.is_finite()) {
            continue;
        }
        let (mx, my) = lonlat_to_mercator(p.lon, p.lat);
        let [tx, ty] = frame.tile_units(mx, my);
        if !(lo..=hi).contains(&tx) || !(lo..=hi).contains(&ty) {
            continue;
        }
        let tags = p
            .props
            .iter()
            .map(|(k, v)| (k.as_str(), encode::value_id(v), v));
        let est = if full {
            None
        } else {
            budget.take(p.id, 1, encode::Budget::point_geometry(), tags)
        };
        match est {
            Some(est) => admitted.push(((p, [tx.round() as i32, ty.round() as i32]), est)),
            None => {
                full = true;
                dropped_over_cap += 1;
            }
        }
    }
    let mut features = 0usize;
    let (bytes, left_out) = encode::encode_within(&mut admitted, o.max_bytes, |items| {
        let mut enc = encode::LayerWriter::new(layer_name, o.extent);
        features = 0;
        for ((p, pt), _) in items {
            let tags = p.props.iter().map(|(k, v)| (k.as_str(), v));
            if enc.point(*pt, p.id, tags) {
                features += 1;
            }
        }
        enc.finish()
    });
    Tile {
        bytes,
        features,
        vertices: features,
        dropped_small: 0,
        dropped_over_cap: dropped_over_cap + left_out,
    }
}

/// The fields of some points for [`tilejson_document`]: each property name once, in first-seen
/// order, `String` when its values are of more than one kind.
pub fn point_fields(points: &[TilePoint]) -> Vec<(String, FieldKind)> {
    let mut out: Vec<(String, FieldKind)> = Vec::new();
    for p in points {
        for (k, v) in &p.props {
            let kind = FieldKind::of(v);
            match out.iter_mut().find(|(name, _)| name == k) {
                Some((_, seen)) if *seen != kind => *seen = FieldKind::String,
                Some(_) => {}
                None => out.push((k.clone(), kind)),
            }
        }
    }
    out
}

/// A TileJSON 3.0.0 document for one vector layer: `tiles_url` is the `{z}/{x}/{y}` template,
/// `bounds` the lon/lat box `[west, south, east, north]`; `center` is the middle of the box at
/// the zoom where the box fills about one 512-pixel view, within `minzoom ..= maxzoom`.
pub fn tilejson_document(
    layer: &str,
    fields: &[(String, FieldKind)],
    bounds: [f64; 4],
    tiles_url: &str,
    minzoom: u8,
    maxzoom: u8,
) -> serde_json::Value {
    let (minzoom, maxzoom) = (
        minzoom.min(MAX_ZOOM),
        maxzoom.clamp(minzoom.min(MAX_ZOOM), MAX_ZOOM),
    );
    let field_map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, kind)| (k.clone(), serde_json::Value::from(kind.as_str())))
        .collect();
    let [w, s, e, n] = bounds;
    let span = (e - w).max((n - s) * 1.2).max(1e-9);
    // A 512-pixel view at zoom z spans 360° / 2^z · 2 in longitude.
    let fit = (720.0 / span).log2().floor();
    let zoom = if fit.is_finite() {
        fit.clamp(f64::from(minzoom), f64::from(maxzoom))
    } else {
        f64::from(minzoom)
    };
    serde_json::json!({
        "tilejson": "3.0.0",
        "name": layer,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": [(w + e) / 2.0, (s + n) / 2.0, zoom],
        "vector_layers": [{
            "id": layer,
            "fields": field_map,
            "minzoom": minzoom,
            "maxzoom": maxzoom,
        }],
    })
}
