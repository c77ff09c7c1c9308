//! Geometry: validation of surveyed parcels, exact overlay areas, prepared polygons and areas.

pub mod area;
pub mod overlay;
pub mod prepared;
pub mod validate;
