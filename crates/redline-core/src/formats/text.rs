//! Decoding of text files: UTF-8 (with or without BOM), UTF-16LE/BE with BOM, GBK (GB18030).

/// Decode `bytes`, returning the text and the name of the encoding used.
/// Order: BOM (UTF-8, UTF-16LE, UTF-16BE) → valid UTF-8 → GB18030 (a superset of GBK).
///
/// The names returned are `UTF-8`, `UTF-16LE`, `UTF-16BE` and `GBK`. Decoding never fails:
/// malformed sequences become U+FFFD (visible in the text, so nothing goes missing silently).
///
/// ```
/// use redline_core::formats::text::decode;
/// assert_eq!(decode(b"\xEF\xBB\xBF[\xE5\x9C\xB0]"), ("[地]".to_string(), "UTF-8"));
/// assert_eq!(decode(b"[\xB5\xD8]"), ("[地]".to_string(), "GBK"));
/// ```
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8");
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        return (text.into_owned(), "UTF-16LE");
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let (text, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        return (text.into_owned(), "UTF-16BE");
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), "UTF-8");
    }
    let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (text.into_owned(), "GBK")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "地块" is E5 9C B0 E5 9D 97 in UTF-8, B5 D8 BF E9 in GBK, 5730 5757 in UTF-16.
    const WORD: &str = "地块";

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = "地块,1".as_bytes();
        assert_eq!(decode(plain), ("地块,1".to_string(), "UTF-8"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(plain);
        assert_eq!(decode(&bom), ("地块,1".to_string(), "UTF-8"));
    }

    #[test]
    fn utf16_with_bom() {
        let le = [0xFF, 0xFE, 0x30, 0x57, 0x57, 0x57, 0x31, 0x00];
        assert_eq!(decode(&le), (format!("{WORD}1"), "UTF-16LE"));
        let be = [0xFE, 0xFF, 0x57, 0x30, 0x57, 0x57, 0x00, 0x31];
        assert_eq!(decode(&be), (format!("{WORD}1"), "UTF-16BE"));
    }

    #[test]
    fn gbk_fallback() {
        let gbk = [0xB5, 0xD8, 0xBF, 0xE9, b',', b'1'];
        assert_eq!(decode(&gbk), (format!("{WORD},1"), "GBK"));
        // Same bytes as produced by the GBK encoder.
        let (enc, _, _) = encoding_rs::GBK.encode("[属性描述]\r\n坐标系=2000国家大地坐标系");
        assert_eq!(
            decode(&enc),
            ("[属性描述]\r\n坐标系=2000国家大地坐标系".to_string(), "GBK")
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        assert_eq!(decode(b""), (String::new(), "UTF-8"));
        // A lone lead byte and an odd-length UTF-16 body.
        let (t, e) = decode(&[0x81]);
        assert_eq!(e, "GBK");
        assert!(t.contains('\u{FFFD}'));
        let (t, e) = decode(&[0xFF, 0xFE, 0x41]);
        assert_eq!(e, "UTF-16LE");
        assert!(t.contains('\u{FFFD}'));
        let (t, e) = decode(&[0xEF, 0xBB, 0xBF, 0xFF]);
        assert_eq!((t.as_str(), e), ("\u{FFFD}", "UTF-8"));
    }
}
