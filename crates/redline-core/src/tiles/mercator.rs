//! Web Mercator (EPSG:3857) and the XYZ tile grid.

use std::f64::consts::PI;

use super::{TileError, TileId};

/// The sphere radius of Web Mercator (the WGS 84 semi-major axis), metres.
pub const EARTH_RADIUS_M: f64 = 6_378_137.0;

/// Half the world's width in Web Mercator metres (π · R = 20 037 508.34 m).
const HALF_WORLD: f64 = PI * EARTH_RADIUS_M;

/// The latitude where Web Mercator's square world ends (±85.0511°).
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// The deepest zoom a [`TileId`] may have.
pub const MAX_ZOOM: u8 = 22;

/// Lon/lat (degrees) to Web Mercator metres, latitude clamped to ±[`MAX_LAT`]: the formula
/// PROJ applies for EPSG:3857 (`x = R·λ`, `y = R·ln tan(π/4 + φ/2)`).
#[inline]
pub fn lonlat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let phi = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    (
        EARTH_RADIUS_M * lon.to_radians(),
        EARTH_RADIUS_M * phi.tan().asinh(),
    )
}

/// Web Mercator metres to lon/lat (degrees).
#[inline]
pub fn mercator_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    (
        (x / EARTH_RADIUS_M).to_degrees(),
        (y / EARTH_RADIUS_M).sinh().atan().to_degrees(),
    )
}

impl TileId {
    /// A tile address, checked: `z ≤ 22`, `x` and `y` below `2^z`.
    pub fn new(z: u8, x: u32, y: u32) -> Result<TileId, TileError> {
        let n = 1u64 << z.min(MAX_ZOOM);
        if z > MAX_ZOOM || u64::from(x) >= n || u64::from(y) >= n {
            return Err(TileError::InvalidTile { z, x, y });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z` that holds lon/lat `(lon, lat)` (a point on a tile edge belongs to
    /// the tile east or south of it; latitudes beyond ±[`MAX_LAT`] to the edge row).
    pub fn from_lonlat(lon: f64, lat: f64, z: u8) -> Result<TileId, TileError> {
        if z > MAX_ZOOM || !lon.is_finite() || !lat.is_finite() {
            return Err(TileError::InvalidTile { z, x: 0, y: 0 });
        }
        let (mx, my) = lonlat_to_mercator(lon, lat);
        let n = f64::from(1u32 << z);
        let size = 2.0 * HALF_WORLD / n;
        let x = ((mx + HALF_WORLD) / size).floor().clamp(0.0, n - 1.0);
        let y = ((HALF_WORLD - my) / size).floor().clamp(0.0, n - 1.0);
        TileId::new(z, x as u32, y as u32)
    }

    /// The tile's width in Web Mercator metres.
    pub fn size_m(&self) -> f64 {
        2.0 * HALF_WORLD / f64::from(1u32 << self.z.min(MAX_ZOOM))
    }

    /// The tile's box in Web Mercator metres, `[min_x, min_y, max_x, max_y]`.
    pub fn mercator_bounds(&self) -> [f64; 4] {
        let size = self.size_m();
        let min_x = -HALF_WORLD + f64::from(self.x) * size;
        let max_y = HALF_WORLD - f64::from(self.y) * size;
        [min_x, max_y - size, min_x + size, max_y]
    }

    /// The tile's box in lon/lat, `[west, south, east, north]`.
    pub fn lonlat_bounds(&self) -> [f64; 4] {
        let [a, b, c, d] = self.mercator_bounds();
        let (w, s) = mercator_to_lonlat(a, b);
        let (e, n) = mercator_to_lonlat(c, d);
        [w, s, e, n]
    }
}

/// A tile's frame: Web Mercator → tile units (x right, y down, `0..extent` inside the tile).
#[derive(Clone, Copy, Debug)]
pub(super) struct Frame {
    /// West edge, Mercator metres.
    pub min_x: f64,
    /// North edge, Mercator metres.
    pub max_y: f64,
    /// Tile width, Mercator metres.
    pub size: f64,
    /// Tile units per Mercator metre.
    pub scale: f64,
    /// The extent, as a float.
    pub extent: f64,
}

impl Frame {
    pub fn new(id: TileId, extent: u32) -> Frame {
        let [min_x, _, _, max_y] = id.mercator_bounds();
        let size = id.size_m();
        let extent = f64::from(extent);
        Frame {
            min_x,
            max_y,
            size,
            scale: extent / size,
            extent,
        }
    }

    /// A Mercator point in tile units.
    #[inline]
    pub fn tile_units(&self, x: f64, y: f64) -> [f64; 2] {
        [(x - self.min_x) * self.scale, (self.max_y - y) * self.scale]
    }

    /// The clip square in tile units: `[-buffer, extent + buffer]` on both axes.
    pub fn clip_range(&self, buffer: u32) -> (f64, f64) {
        let b = f64::from(buffer);
        (-b, self.extent + b)
    }

    /// Metres per pixel of a 256-pixel tile.
    pub fn pixel_m(&self) -> f64 {
        self.size / 256.0
    }

    /// Tile units per pixel of a 256-pixel tile.
    pub fn pixel_units(&self) -> f64 {
        self.extent / 256.0
    }
}
