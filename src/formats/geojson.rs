//! GeoJSON: features in lon/lat (RFC 7946), or in the CRS of a legacy `crs` member.

use std::path::Path;

use super::FeatureTable;
use crate::Result;

/// Read a GeoJSON FeatureCollection (or a single Feature / Geometry).
pub fn read(path: &Path) -> Result<FeatureTable> {
    todo!("helper: shapefile")
}

/// Write a FeatureCollection. Properties are written as strings.
pub fn write(path: &Path, table: &FeatureTable) -> Result<()> {
    todo!("helper: shapefile")
}
