//! Decoding of text files: UTF-8 (with or without BOM), UTF-16LE/BE with BOM, GBK (GB18030).

/// Decode `bytes`, returning the text and the name of the encoding used.
/// Order: BOM (UTF-8, UTF-16LE, UTF-16BE) → valid UTF-8 → GB18030 (a superset of GBK).
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    todo!("helper: txt")
}
