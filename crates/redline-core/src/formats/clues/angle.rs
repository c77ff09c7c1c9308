//! Angles as written in clue lists: decimal degrees or 度分秒 text.

/// Which axis a hemisphere marker names (E/W/东经/西经 → longitude, N/S/北纬/南纬 → latitude).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Axis {
    Lon,
    Lat,
}

/// Parse an angle in degrees.
///
/// Accepted: decimal degrees (`117.2083`, `-29.5`) and 度分秒 text in any of the usual
/// spellings — `117°12′30.5″`, `117度12分30.5秒`, `117°12'30.5"`, `117 12 30.5`, `117:12:30.5`,
/// `117°12.5′` — with an optional hemisphere prefix or suffix (`E`, `N`, `W`, `S`, `东经`,
/// `北纬`, `西经`, `南纬`; W and S make the value negative). Full-width digits and symbols are
/// accepted. Minutes and seconds must be below 60; only the last component may have a fraction.
///
/// The range (−180…180, −90…90) is not checked here: the caller knows which axis it reads.
///
/// ```
/// use redline_core::formats::clues::parse_angle;
/// // 117 + 12/60 + 30.5/3600 = 117.208472…
/// let v = parse_angle("东经117°12′30.5″").unwrap();
/// assert!((v - 117.208_472_222).abs() < 1e-9);
/// assert_eq!(parse_angle("29度18分").unwrap(), 29.3);
/// assert!(parse_angle("117°72′").unwrap_err().contains("分 (72) 必须小于 60"));
/// ```
pub fn parse_angle(text: &str) -> std::result::Result<f64, String> {
    parse_angle_axis(text).map(|(v, _)| v)
}

/// [`parse_angle`], also returning the axis a hemisphere marker named, if any.
pub(crate) fn parse_angle_axis(text: &str) -> std::result::Result<(f64, Option<Axis>), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("空值 (empty value)".to_string());
    }
    if let Some(v) = plain_decimal(t) {
        return Ok((v, None));
    }
    parse_full(t)
}

/// The fast path: `[+-]digits[.digits]` only.
fn plain_decimal(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let body = match b.first() {
        Some(b'+' | b'-') => &b[1..],
        _ => b,
    };
    if body.is_empty()
        || !body.iter().all(|c| c.is_ascii_digit() || *c == b'.')
        || !body.iter().any(u8::is_ascii_digit)
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Map full-width forms (U+FF01…U+FF5E) and the ideographic space to ASCII.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' => ' ',
        _ => c,
    }
}

/// Hemisphere markers, longest first so that `东经` wins over `东`.
const HEMISPHERES: &[(&str, Axis, bool)] = &[
    ("东经", Axis::Lon, false),
    ("西经", Axis::Lon, true),
    ("北纬", Axis::Lat, false),
    ("南纬", Axis::Lat, true),
    ("东", Axis::Lon, false),
    ("西", Axis::Lon, true),
    ("北", Axis::Lat, false),
    ("南", Axis::Lat, true),
    ("E", Axis::Lon, false),
    ("W", Axis::Lon, true),
    ("N", Axis::Lat, false),
    ("S", Axis::Lat, true),
    ("e", Axis::Lon, false),
    ("w", Axis::Lon, true),
    ("n", Axis::Lat, false),
    ("s", Axis::Lat, true),
];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Unit {
    Degree = 0,
    Minute = 1,
    Second = 2,
}

fn parse_full(t: &str) -> std::result::Result<(f64, Option<Axis>), String> {
    let norm: String = t.chars().map(half_width).collect();
    let mut s = norm.trim();

    // Hemisphere prefix and suffix.
    let mut hemisphere: Option<(Axis, bool, &str)> = None;
    for &(mark, axis, neg) in HEMISPHERES {
        if let Some(rest) = s.strip_prefix(mark) {
            hemisphere = Some((axis, neg, mark));
            s = rest.trim();
            break;
        }
    }
    for &(mark, axis, neg) in HEMISPHERES {
        if let Some(rest) = s.strip_suffix(mark) {
            if let Some((a, n, first)) = hemisphere {
                if a != axis || n != neg {
                    return Err(format!(
                        "方位标记矛盾 (conflicting hemispheres): {first} / {mark}"
                    ));
                }
            }
            hemisphere = Some((axis, neg, mark));
            s = rest.trim();
            break;
        }
    }

    // Sign.
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest.trim_start();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.trim_start();
    }
    if let Some((_, true, mark)) = hemisphere {
        if negative {
            return Err(format!(
                "负号与方位 {mark} 重复 (sign and hemisphere both given)"
            ));
        }
        negative = true;
    }

    // Tokens: number, then an optional unit symbol.
    let chars: Vec<char> = s.chars().collect();
    let mut parts: [Option<(f64, bool)>; 3] = [None, None, None];
    let mut next_slot = 0usize;
    let mut i = 0usize;
    let mut any = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ':' {
            i += 1;
            continue;
        }
        if !(c.is_ascii_digit() || c == '.') {
            return Err(format!("无法识别的字符 '{c}' (unexpected character)"));
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let num: String = chars[start..i].iter().collect();
        let value = if num.chars().filter(|&c| c == '.').count() > 1
            || !num.chars().any(|c| c.is_ascii_digit())
        {
            None
        } else {
            num.parse::<f64>().ok()
        };
        let Some(value) = value else {
            return Err(format!("数字格式错误 (bad number) '{num}'"));
        };
        while i < chars.len() && chars[i] == ' ' {
            i += 1;
        }
        let unit = match chars.get(i) {
            Some('°' | 'º' | '˚' | '度') => {
                i += 1;
                Some(Unit::Degree)
            }
            Some('\'' | '′' | '’' | '‘' | '分') => {
                i += 1;
                if matches!(chars.get(i), Some('\'' | '′' | '’' | '‘')) {
                    i += 1;
                    Some(Unit::Second)
                } else {
                    Some(Unit::Minute)
                }
            }
            Some('"' | '″' | '”' | '“' | '秒') => {
                i += 1;
                Some(Unit::Second)
            }
            _ => None,
        };
        let slot = match unit {
            Some(u) => u as usize,
            None => next_slot,
        };
        if slot > 2 {
            return Err(format!("多余的数字 '{num}' (too many numbers)"));
        }
        if slot < next_slot {
            return Err("度、分、秒顺序错误 (degrees, minutes, seconds out of order)".to_string());
        }
        parts[slot] = Some((value, num.contains('.')));
        next_slot = slot + 1;
        any = true;
    }
    if !any {
        return Err(format!("没有数字 (no number in '{t}')"));
    }
    let Some((deg, deg_frac)) = parts[0] else {
        return Err("缺少度 (degrees missing)".to_string());
    };
    let (min, min_frac) = parts[1].unwrap_or((0.0, false));
    let sec = parts[2].map_or(0.0, |(v, _)| v);
    if deg_frac && (parts[1].is_some() || parts[2].is_some()) {
        return Err(
            "度含小数时不能再有分或秒 (fractional degrees with minutes or seconds)".to_string(),
        );
    }
    if min_frac && parts[2].is_some() {
        return Err("分含小数时不能再有秒 (fractional minutes with seconds)".to_string());
    }
    if min >= 60.0 {
        return Err(format!("分 ({}) 必须小于 60", fmt_num(min)));
    }
    if sec >= 60.0 {
        return Err(format!("秒 ({}) 必须小于 60", fmt_num(sec)));
    }
    let v = deg + min / 60.0 + sec / 3600.0;
    if !v.is_finite() {
        return Err(format!("数值无效 (not finite) '{t}'"));
    }
    Ok((if negative { -v } else { v }, hemisphere.map(|h| h.0)))
}

fn fmt_num(v: f64) -> String {
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 117°12′30.5″ = 117 + 12/60 + 30.5/3600 = 117 + 0.2 + 0.008472… = 117.2084722…
    const DMS: f64 = 117.0 + 12.0 / 60.0 + 30.5 / 3600.0;
    /// 117°12.5′ = 117 + 12.5/60 = 117.208333…
    const DM: f64 = 117.0 + 12.5 / 60.0;

    #[test]
    fn angle_table() {
        let ok: &[(&str, f64)] = &[
            ("117.2083", 117.2083),
            (" 29.3 ", 29.3),
            ("-117.5", -117.5),
            ("+29", 29.0),
            ("117°12′30.5″", DMS),
            ("117度12分30.5秒", DMS),
            ("117°12'30.5\"", DMS),
            ("117 12 30.5", DMS),
            ("117:12:30.5", DMS),
            ("117°12'30.5''", DMS),
            ("117° 12′ 30.5″", DMS),
            ("117°12.5′", DM),
            ("117度12.5分", DM),
            ("E117°12′30.5″", DMS),
            ("117°12′30.5″E", DMS),
            ("117°12′30.5″ E", DMS),
            ("东经117°12′30.5″", DMS),
            ("东经 117.2", 117.2),
            ("北纬29度18分", 29.3),
            ("29°18′N", 29.3),
            ("N29.3", 29.3),
            ("117°12′30.5″W", -DMS),
            ("南纬29.5", -29.5),
            ("１１７．５", 117.5),
            ("１１７°１２′３０.５″", DMS),
            ("117°", 117.0),
            ("117.5°", 117.5),
            ("117°30″", 117.0 + 30.0 / 3600.0),
        ];
        for (text, want) in ok {
            let got = parse_angle(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((got - want).abs() < 1e-12, "{text}: got {got}, want {want}");
        }
        let bad: &[(&str, &str)] = &[
            ("", "空值"),
            ("   ", "空值"),
            ("abc", "无法识别"),
            ("117°72′", "分 (72) 必须小于 60"),
            ("117°12′60″", "秒 (60) 必须小于 60"),
            ("117 60 0", "分 (60) 必须小于 60"),
            ("117.5°30′", "度含小数"),
            ("117°12.5′30″", "分含小数"),
            ("117°12′30″45", "多余的数字"),
            ("1.2.3", "数字格式错误"),
            ("12′117°", "顺序错误"),
            ("12′30″", "缺少度"),
            ("E117.2W", "方位标记矛盾"),
            ("-117.2W", "负号"),
            ("117,2", "无法识别"),
            ("inf", "无法识别"),
            ("东经", "没有数字"),
        ];
        for (text, want) in bad {
            match parse_angle(text) {
                Ok(v) => panic!("{text:?} should fail, got {v}"),
                Err(e) => assert!(e.contains(want), "{text:?}: message {e:?} lacks {want:?}"),
            }
        }
    }

    #[test]
    fn hemisphere_axis() {
        assert_eq!(parse_angle_axis("N29.3").map(|r| r.1), Ok(Some(Axis::Lat)));
        assert_eq!(
            parse_angle_axis("东经117.2").map(|r| r.1),
            Ok(Some(Axis::Lon))
        );
        assert_eq!(parse_angle_axis("117.2").map(|r| r.1), Ok(None));
    }
}
