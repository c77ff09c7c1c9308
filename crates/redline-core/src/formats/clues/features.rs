//! Point and patch clue layers (shapefile, GeoJSON) through [`crate::formats::parse_features`].
//!
//! Points give lon/lat directly; polygons and multipolygons become the clue's patch, and its
//! position is an interior point of the patch. Attributes are recognised by the same headers
//! as the tables. A layer not in lon/lat is reprojected to CGCS2000 (EPSG:4490) once, here; a
//! layer without a CRS is lon/lat unless its eastings carry a 3° zone prefix (then EPSG:4513–4533).

use std::path::Path;

use geo::orient::{Direction, Orient};
use geo::{Geometry, InteriorPoint, MultiPolygon};

use super::{Builder, ClueList, Columns, NativePosition, Position};
use crate::crs::{gk3_epsg_with_prefix, zone_of_prefixed_easting, Reprojector, CGCS2000};
use crate::formats::{geometry_kind, FeatureTable};
use crate::formats::{FormatError, FormatResult};

/// Turn a feature table into clues.
pub(super) fn from_table(path: &Path, table: &FeatureTable) -> FormatResult<ClueList> {
    let cols = Columns::from_headers(&table.fields);
    let encoding = table.encoding.clone().unwrap_or_default();
    let mut b = Builder::new(path, '#', 1, cols, encoding);
    let declared = match table.crs.as_deref() {
        Some(crs) => Some(crs.to_string()),
        None => {
            // No `.prj`: eastings with a zone prefix (Y > 10⁷) name their 3° zone; anything
            // else is taken as lon/lat.
            let guess = first_x(table)
                .and_then(zone_of_prefixed_easting)
                .and_then(gk3_epsg_with_prefix)
                .map(|code| format!("EPSG:{code}"));
            let note = match &guess {
                Some(code) => format!(
                    "未声明坐标系，按带号前缀推断为 {code} (no CRS declared; zone taken from the easting prefix)"
                ),
                None => "未声明坐标系，按 CGCS2000 经纬度 (EPSG:4490) 读取 (no CRS declared; read as lon/lat)"
                    .to_string(),
            };
            b.list.warnings.push(format!("{}: {note}", b.file_name));
            guess
        }
    };
    let reprojector = match declared.as_deref() {
        Some(crs) if !crate::crs::is_lonlat(crs) => Some(Reprojector::new(crs, CGCS2000).map_err(
            |source| FormatError::Crs {
                file: path.to_path_buf(),
                source: Box::new(source),
            },
        )?),
        _ => None,
    };
    for (i, feature) in table.features.iter().enumerate() {
        let pos = i + 1;
        let mut geometry = feature.geometry.clone();
        // A projected layer keeps its own coordinates too: placing projects them once,
        // straight into the working CRS (lon/lat are for the report and the ledger).
        let mut native = None;
        if let (Some(r), Some(crs)) = (&reprojector, declared.as_deref()) {
            native = position_of(geometry.clone()).ok().map(|p| {
                Box::new(NativePosition {
                    crs: crs.to_string(),
                    point: geo::Coord { x: p.lon, y: p.lat },
                    patch: p.patch,
                })
            });
            if let Err(e) = r.geometry_in_place(&mut geometry) {
                b.problem(pos, None, format!("要素 {pos} 无法转换到 CGCS2000: {e}"));
                continue;
            }
        }
        let mut position = match position_of(geometry) {
            Ok(p) => p,
            Err(message) => {
                b.problem(pos, None, format!("要素 {pos}: {message}"));
                continue;
            }
        };
        position.native = native;
        b.push(feature.values.as_slice(), pos, Some(position));
    }
    Ok(b.finish())
}

/// The x of the first coordinate of the first feature that has one.
fn first_x(table: &FeatureTable) -> Option<f64> {
    use geo::CoordsIter;
    table
        .features
        .iter()
        .find_map(|f| f.geometry.coords_iter().next())
        .map(|c| c.x)
}

/// The clue position (and patch, outer rings counter-clockwise) of a geometry already in lon/lat.
fn position_of(geometry: Geometry<f64>) -> std::result::Result<Position, String> {
    let patch = match geometry {
        Geometry::Point(p) => {
            return Ok(Position {
                lon: p.x(),
                lat: p.y(),
                patch: None,
                native: None,
            })
        }
        Geometry::MultiPoint(mp) if mp.0.len() == 1 => {
            let p = mp.0[0];
            return Ok(Position {
                lon: p.x(),
                lat: p.y(),
                patch: None,
                native: None,
            });
        }
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        Geometry::Rect(r) => MultiPolygon(vec![r.to_polygon()]),
        other => {
            return Err(format!(
            "几何类型 {} 不能作为线索 (geometry type not usable as a clue: use points or polygons)",
            geometry_kind(&other)
        ))
        }
    };
    // Shapefiles store outer rings clockwise; the geodesic area wants them counter-clockwise.
    let patch = patch.orient(Direction::Default);
    let Some(inner) = patch.interior_point() else {
        return Err("图斑为空 (empty patch)".to_string());
    };
    if !(inner.x().is_finite() && inner.y().is_finite()) {
        return Err("图斑坐标无效 (patch coordinates not finite)".to_string());
    }
    Ok(Position {
        lon: inner.x(),
        lat: inner.y(),
        patch: Some(patch),
        native: None,
    })
}
