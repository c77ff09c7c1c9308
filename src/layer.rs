//! A layer: features reprojected into the working CRS, with attributes, an R-tree and prepared
//! geometries, built once at load.
