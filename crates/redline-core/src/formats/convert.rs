//! `redline convert IN OUT`: parcels between the TXT exchange format, GeoJSON and shapefile.
//!
//! TXT output is written in the project's working CRS, which must then be a CGCS2000 3°
//! Gauss-Krüger zone with the zone prefix (EPSG:4513–4533); GeoJSON output is CGCS2000 lon/lat;
//! shapefile output is in the working CRS with its `.prj`. Point names and ring numbers are kept.

use std::path::Path;

use super::{shapefile::DbfEncoding, FeatureTable, FormatError, FormatResult, Kind, RawFeature};
use crate::crs::{self, Reprojector};
use crate::error::InputError;
use crate::Parcel;

/// Text encoding of TXT / shapefile output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputEncoding {
    /// GBK (what county software expects).
    Gbk,
    /// UTF-8.
    Utf8,
}

/// Reproject every point of `parcel` into `to`, in place.
pub fn reproject_parcel(parcel: &mut Parcel, to: &str) -> FormatResult<()> {
    let from = parcel.crs.clone().ok_or_else(|| {
        InputError::new(
            &parcel.source,
            0,
            format!("地块 {} 未说明坐标系 (CRS unknown)", parcel.id),
        )
    })?;
    let file: std::path::PathBuf = parcel.source.clone().into();
    let crs_error = |source: crate::crs::CrsError| FormatError::Crs {
        file: file.clone(),
        source: Box::new(source),
    };
    let r = Reprojector::new(&from, to).map_err(crs_error)?;
    for ring in &mut parcel.rings {
        for p in &mut ring.points {
            let (x, y) = r.point(p.x, p.y).map_err(crs_error)?;
            p.x = x;
            p.y = y;
        }
    }
    parcel.crs = Some(crs::normalize(to));
    parcel.zone = crs::prefixed_zone_of(to);
    Ok(())
}

fn table_of(parcels: &[Parcel], crs: &str) -> FeatureTable {
    FeatureTable {
        crs: Some(crs.to_string()),
        fields: vec!["DKBH".into(), "DKMC".into(), "MJ".into(), "DLBM".into()],
        features: parcels
            .iter()
            .map(|p| RawFeature {
                geometry: geo::Geometry::MultiPolygon(p.to_multipolygon()),
                values: vec![
                    p.id.clone(),
                    p.name.clone(),
                    p.declared_area_m2
                        .map(|a| format!("{a:.2}"))
                        .unwrap_or_default(),
                    p.class_code.clone().unwrap_or_default(),
                ],
            })
            .collect(),
        encoding: None,
    }
}

/// Convert the parcels of `input` into `output` (format by extension). Returns the parcel count.
/// `last_update` goes into the DBF header of a shapefile output.
pub fn convert(
    input: &Path,
    output: &Path,
    working_crs: &str,
    encoding: OutputEncoding,
    last_update: chrono::NaiveDate,
) -> FormatResult<usize> {
    let mut parcels = super::read_parcels(input)?;
    let n = parcels.len();
    match Kind::of(output) {
        Some(Kind::Txt) => {
            let zone = crs::prefixed_zone_of(working_crs).ok_or_else(|| {
                InputError::new(
                    output,
                    0,
                    format!(
                        "TXT 输出需要带带号的 3 度带坐标系 (EPSG:4513–4533), 而工作坐标系是 {working_crs}"
                    ),
                )
            })?;
            for p in &mut parcels {
                reproject_parcel(p, working_crs)?;
            }
            let bytes = match encoding {
                OutputEncoding::Gbk => super::txt::write_gbk(&parcels, zone),
                OutputEncoding::Utf8 => super::txt::write(&parcels, zone).into_bytes(),
            };
            super::write_file(output, &bytes)?;
        }
        Some(Kind::GeoJson) => {
            for p in &mut parcels {
                reproject_parcel(p, crs::CGCS2000)?;
            }
            super::geojson::write(output, &table_of(&parcels, crs::CGCS2000))?;
        }
        Some(Kind::Shapefile) => {
            for p in &mut parcels {
                reproject_parcel(p, working_crs)?;
            }
            let prj = crs::esri_wkt(working_crs);
            let enc = match encoding {
                OutputEncoding::Gbk => DbfEncoding::Gbk,
                OutputEncoding::Utf8 => DbfEncoding::Utf8,
            };
            let options = super::shapefile::WriteOptions {
                encoding: enc,
                prj_wkt: prj.as_deref(),
                last_update,
            };
            super::shapefile::write(output, &table_of(&parcels, working_crs), options)?;
        }
        _ => {
            return Err(FormatError::Unsupported {
                file: output.to_path_buf(),
                what: "输出",
                what_en: "output",
                supported: ".txt, .geojson or .shp",
            })
        }
    }
    Ok(n)
}
