//! Planar and ellipsoidal areas.
