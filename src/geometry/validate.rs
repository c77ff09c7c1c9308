//! Validation of a parcel's rings as surveyed, with findings that name the points (J7–J8).
