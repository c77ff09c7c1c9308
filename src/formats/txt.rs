//! The parcel coordinate exchange format (界址点坐标交换格式), see DOMAIN §1.1.

use std::path::Path;

use crate::{Parcel, Result};

/// Read every parcel of a TXT file.
pub fn read(path: &Path) -> Result<Vec<Parcel>> {
    todo!("helper: txt")
}

/// Parse the bytes of a TXT file; `file` names it in errors and `source` fields.
pub fn parse(bytes: &[u8], file: &Path) -> Result<Vec<Parcel>> {
    todo!("helper: txt")
}

/// Write parcels as a TXT exchange file (UTF-8 text; the caller may encode it to GBK).
/// Coordinates must be in a 3° Gauss-Krüger zone with the zone prefix; `zone` is written in the header.
pub fn write(parcels: &[Parcel], zone: u32) -> String {
    todo!("helper: txt")
}
