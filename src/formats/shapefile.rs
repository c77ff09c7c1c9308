//! Shapefiles: `.shp` + `.dbf` (+ `.prj`, `.cpg`).

use std::path::Path;

use super::FeatureTable;
use crate::Result;

/// Read a shapefile: polygons (rings sorted into shells and holes), multipolygons and points.
pub fn read(path: &Path) -> Result<FeatureTable> {
    todo!("helper: shapefile")
}

/// Text encoding for the DBF attributes of a written shapefile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbfEncoding {
    Utf8,
    Gbk,
}

/// Write a shapefile (`.shp .shx .dbf .prj .cpg`). `prj_wkt` is written as the `.prj`.
pub fn write(
    path: &Path,
    table: &FeatureTable,
    encoding: DbfEncoding,
    prj_wkt: Option<&str>,
) -> Result<()> {
    todo!("helper: shapefile")
}
