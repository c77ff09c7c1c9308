//! The parcel coordinate exchange format (界址点坐标交换格式), see DOMAIN §1.1.
//!
//! A file has an attribute section `[属性描述]` (coordinate system, zone width, zone number,
//! transformation parameters) and a coordinate section `[地块坐标]` holding one header line per
//! parcel (it ends with `@`) followed by its point lines `name,ring,X,Y` where **X is the
//! northing** and **Y the easting** (usually with the zone prefix). In memory the points are
//! stored as `x = easting`, `y = northing`.
//!
//! The reader tolerates the variants met in real files (encodings, `分带=3度带`, empty `带号`,
//! areas in m² or with units, swapped X/Y, header point counts with or without the closing
//! point, extra sections). Problems of one parcel become findings on that parcel
//! ([`Parcel::notes`]); only problems of the whole file are a [`FormatError::Input`].

use std::path::Path;

use geo::{Coord, LineString, Polygon};

use crate::finding::FindingCode;
use crate::formats::{display_name, text};
use crate::formats::{FormatError, FormatResult};
use crate::parcel::{BoundaryPoint, Ring, RingRole};
use crate::{Finding, Parcel, Severity};

use crate::formats::units::AreaUnit;
pub use crate::formats::units::{HECTARE_M2, MU_M2};

/// Read every parcel of a TXT file.
pub fn read(path: &Path) -> FormatResult<Vec<Parcel>> {
    let bytes = crate::formats::read_file(path)?;
    parse(&bytes, path)
}

/// Parse the bytes of a TXT file; `file` names it in errors and `source` fields.
///
/// Errors (`FormatError::Input` with file and line) only for problems of the whole file: no
/// `[地块坐标]` section, no parcel header at all, point lines before the first header.
pub fn parse(bytes: &[u8], file: &Path) -> FormatResult<Vec<Parcel>> {
    let (content, _encoding) = text::decode(bytes);
    let file_name = display_name(file);
    let mut attrs = Attributes::default();
    let mut section = Section::None;
    let mut coord_section_line: Option<usize> = None;
    let mut raws: Vec<RawParcel> = Vec::new();

    for (idx, raw_line) in content.split('\n').enumerate() {
        let line_no = idx + 1;
        let line = raw_line.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if line.is_empty() {
            continue;
        }
        if let Some(name) = section_name(line) {
            section = match name {
                "属性描述" => Section::Attributes,
                "地块坐标" => {
                    coord_section_line.get_or_insert(line_no);
                    Section::Coordinates
                }
                _ => Section::Other,
            };
            continue;
        }
        match section {
            // Some writers omit the `[属性描述]` line: keys before any section count too.
            Section::Attributes | Section::None => attrs.set(line),
            Section::Other => {}
            Section::Coordinates => {
                let fields = split_fields(line);
                if fields.iter().all(std::string::String::is_empty) {
                    continue;
                }
                if is_header(line) {
                    raws.push(RawParcel::from_header(&fields, line_no));
                    continue;
                }
                let Some(current) = raws.last_mut() else {
                    return Err(FormatError::input(
                        file,
                        line_no,
                        "界址点出现在第一个地块头行（以 @ 结尾）之前 (point line before any parcel header)",
                    ));
                };
                match parse_point(&fields) {
                    Ok(p) => current.points.push(RawPoint { line: line_no, ..p }),
                    Err(reason) => current.notes.push(
                        Finding::new(
                            FindingCode::UnreadablePoint,
                            Severity::Fail,
                            format!(
                                "{file_name}:{line_no}: 界址点无法读取（{reason}）：`{line}` (unreadable point line)"
                            ),
                        )
                        .with_points(fields.first().filter(|s| !s.is_empty()).cloned())
                        .invalidating(),
                    ),
                }
            }
        }
    }

    let Some(section_line) = coord_section_line else {
        return Err(FormatError::input(
            file,
            0,
            "缺少 [地块坐标] 段 (no [地块坐标] section: not a parcel coordinate exchange file)",
        ));
    };
    if raws.is_empty() {
        return Err(FormatError::input(
            file,
            section_line,
            "[地块坐标] 段中没有地块头行（以 @ 结尾的行）(no parcel header line ending with @)",
        ));
    }
    Ok(raws
        .into_iter()
        .enumerate()
        .map(|(i, raw)| build_parcel(raw, i + 1, &file_name, &attrs))
        .collect())
}

/// Write parcels as a TXT exchange file (UTF-8 text; the caller may encode it to GBK).
/// Coordinates must be in a 3° Gauss-Krüger zone with the zone prefix; `zone` is written in the header.
///
/// The header area is the declared area (or, without one, the planar area of the rings) in
/// hectares with 4 decimals; every ring is written closed. Lines end with CRLF.
pub fn write(parcels: &[Parcel], zone: u32) -> String {
    let mut lines: Vec<String> = vec![
        "[属性描述]".into(),
        "格式版本号=1.01版本".into(),
        "坐标系=2000国家大地坐标系".into(),
        "几度分带=3".into(),
        "投影类型=高斯克吕格".into(),
        "计量单位=米".into(),
        format!("带号={zone}"),
        "精度=0.001".into(),
        "转换参数=,,,,,,".into(),
        "[地块坐标]".into(),
    ];
    for parcel in parcels {
        let rings: Vec<Vec<&BoundaryPoint>> = parcel
            .rings
            .iter()
            .map(|r| {
                let mut pts: Vec<&BoundaryPoint> = r.points.iter().collect();
                if let (Some(first), Some(last)) = (r.points.first(), r.points.last()) {
                    if r.points.len() > 1 && (first.x != last.x || first.y != last.y) {
                        pts.push(first);
                    }
                }
                pts
            })
            .collect();
        let count: usize = rings.iter().map(Vec::len).sum();
        let area_m2 = parcel
            .declared_area_m2
            .unwrap_or_else(|| planar_area(&parcel.rings, &parcel.roles));
        lines.push(format!(
            "{count},{:.4},{},{},面,{},{},{},@",
            area_m2 / HECTARE_M2,
            clean(&parcel.id),
            clean(&parcel.name),
            clean(parcel.sheet.as_deref().unwrap_or("")),
            clean(parcel.land_use.as_deref().unwrap_or("")),
            clean(parcel.class_code.as_deref().unwrap_or("")),
        ));
        for (ring, pts) in parcel.rings.iter().zip(&rings) {
            for p in pts {
                lines.push(format!(
                    "{},{},{:.3},{:.3}",
                    clean(&p.name),
                    ring.number,
                    p.y,
                    p.x
                ));
            }
        }
    }
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// [`write()`] encoded as GBK, the encoding most receiving tools expect. Characters GBK cannot
/// represent become numeric character references (`&#NNNN;`).
pub fn write_gbk(parcels: &[Parcel], zone: u32) -> Vec<u8> {
    let text = write(parcels, zone);
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    bytes.into_owned()
}

/// Planar area (m²) of rings with their roles: outer rings and parts count, holes are deducted.
/// Coordinates are shifted to the first point before the shoelace sum to keep precision with
/// prefixed eastings (~3.9 × 10^7).
pub fn planar_area(rings: &[Ring], roles: &[RingRole]) -> f64 {
    let origin = rings
        .iter()
        .filter_map(|r| r.points.first())
        .map(|p| (p.x, p.y))
        .next()
        .unwrap_or((0.0, 0.0));
    rings
        .iter()
        .zip(roles)
        .map(|(ring, role)| {
            let a = shoelace(&ring.points, origin).abs();
            match role {
                RingRole::Hole { .. } => -a,
                RingRole::Outer | RingRole::Part => a,
            }
        })
        .sum()
}

/// Signed shoelace area of a ring (closed or not) relative to `origin`.
fn shoelace(points: &[BoundaryPoint], origin: (f64, f64)) -> f64 {
    let coords: Vec<Coord<f64>> = points.iter().map(|p| Coord { x: p.x, y: p.y }).collect();
    let origin = Coord {
        x: origin.0,
        y: origin.1,
    };
    crate::geometry::ring::twice_signed_area(&coords, origin) / 2.0
}

/// Keep free text from breaking the comma-separated layout.
fn clean(s: &str) -> String {
    s.replace([',', '，'], "，")
        .replace(['\r', '\n'], " ")
        .replace('@', "＠")
}

// ---------------------------------------------------------------------------------------------
// Reading

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    None,
    Attributes,
    Coordinates,
    Other,
}

/// The name inside `[...]` (ASCII or full-width brackets), when the line is a section line.
fn section_name(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[').or_else(|| line.strip_prefix('【'))?;
    let inner = inner
        .strip_suffix(']')
        .or_else(|| inner.strip_suffix('】'))?;
    Some(inner.trim())
}

/// A header line ends with `@` (trailing separators tolerated).
fn is_header(line: &str) -> bool {
    let t = line.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == '，');
    t.ends_with('@') || t.ends_with('＠')
}

/// Comma-separated fields, trimmed. The separator is the ASCII comma; a line without any ASCII
/// comma (typed with a Chinese input method) is split on the full-width comma instead, so a
/// full-width comma inside a name survives in ordinary files.
fn split_fields(line: &str) -> Vec<String> {
    let sep = if line.contains(',') { ',' } else { '，' };
    line.split(sep).map(|f| f.trim().to_string()).collect()
}

/// Which datum the `坐标系` key names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Datum {
    Cgcs2000,
    Xian80,
    Beijing54,
    Wgs84,
    Unknown,
}

fn classify_datum(name: &str) -> Datum {
    let upper = name.to_uppercase();
    if upper.trim().is_empty() || upper.contains("2000") || upper.contains("CGCS") {
        Datum::Cgcs2000
    } else if upper.contains("西安") || upper.contains("XIAN") || upper.contains("80") {
        Datum::Xian80
    } else if upper.contains("北京") || upper.contains("BEIJING") || upper.contains("54") {
        Datum::Beijing54
    } else if upper.contains("WGS") {
        Datum::Wgs84
    } else {
        Datum::Unknown
    }
}

/// The keys of `[属性描述]` the reader uses.
#[derive(Clone, Debug, Default, PartialEq)]
struct Attributes {
    /// `坐标系` as written.
    coord_system: Option<String>,
    /// Zone width in degrees (3 or 6) from `几度分带=3` or `分带=3度带`.
    band_width: Option<u32>,
    /// `带号` (None when missing or empty).
    zone: Option<u32>,
    /// `精度` as a step in metres (`3` → 0.001, `0.001` → 0.001).
    precision_m: Option<f64>,
    /// The 7 parameters of `转换参数` when all are given: dx, dy, dz (m), rx, ry, rz (″), ppm.
    params: Option<[f64; 7]>,
    /// `计量单位` as written.
    unit: Option<String>,
}

impl Attributes {
    /// Take one `key=value` line; unknown keys and lines without `=` are ignored.
    fn set(&mut self, line: &str) {
        let Some((key, value)) = line.split_once(['=', '＝']) else {
            return;
        };
        let value = value.trim();
        match key.trim() {
            "坐标系" => self.coord_system = Some(value.to_string()),
            "几度分带" | "分带" | "分带方式" => self.band_width = leading_digits(value),
            "带号" => self.zone = leading_digits(value),
            "精度" => self.precision_m = parse_precision(value),
            "转换参数" => self.params = parse_params(value),
            "计量单位" => self.unit = Some(value.to_string()),
            _ => {}
        }
    }
}

/// The leading unsigned integer of `3度带`, `39`, ` 6 `.
fn leading_digits(s: &str) -> Option<u32> {
    let digits: String = s.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `3` (decimal places) → 0.001; `0.001` (a step) → 0.001.
fn parse_precision(s: &str) -> Option<f64> {
    let s = s.trim();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        let places: i32 = s.parse().ok()?;
        return (0..=12).contains(&places).then(|| 10f64.powi(-places));
    }
    s.parse::<f64>().ok().filter(|v| *v > 0.0 && v.is_finite())
}

/// All seven values of `转换参数`, or None when any is missing.
fn parse_params(s: &str) -> Option<[f64; 7]> {
    let values: Vec<f64> = s
        .split([',', '，'])
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<Vec<f64>>>()?;
    values.try_into().ok()
}

/// One point line as read: `x_north` is the file's X, `y_east` its Y.
#[derive(Clone, Debug, PartialEq)]
struct RawPoint {
    name: String,
    ring: u32,
    x_north: f64,
    y_east: f64,
    line: usize,
}

/// Parse `name,ring,X,Y[,…]`; the error says which field is wrong.
fn parse_point(fields: &[String]) -> std::result::Result<RawPoint, String> {
    if fields.len() < 4 {
        return Err(format!(
            "字段不足，应为 点号,圈号,X,Y，实有 {} 个字段 (expected 4 fields)",
            fields.len()
        ));
    }
    let ring = fields[1]
        .parse::<u32>()
        .map_err(|_| format!("圈号 `{}` 不是整数 (ring number)", fields[1]))?;
    let coord = |s: &str, what: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{what} `{s}` 不是数字 (not a number)"))
    };
    let x_north = coord(&fields[2], "X 坐标")?;
    let y_east = coord(&fields[3], "Y 坐标")?;
    Ok(RawPoint {
        name: fields[0].clone(),
        ring,
        x_north,
        y_east,
        line: 0,
    })
}

/// One parcel as read, before interpretation.
#[derive(Debug)]
struct RawParcel {
    header_line: usize,
    count: Option<String>,
    area: Option<String>,
    id: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    sheet: Option<String>,
    land_use: Option<String>,
    class_code: Option<String>,
    points: Vec<RawPoint>,
    notes: Vec<Finding>,
}

impl RawParcel {
    /// Fields of the header by position; those after the 8th (13-field variants) are ignored.
    fn from_header(fields: &[String], line: usize) -> Self {
        // Drop the final `@` (and any empty fields after it).
        let end = fields
            .iter()
            .rposition(|f| f.ends_with('@') || f.ends_with('＠'))
            .unwrap_or(fields.len());
        let mut body: Vec<String> = fields[..end].to_vec();
        if let Some(f) = fields.get(end) {
            let rest = f.trim_end_matches(['@', '＠']).trim();
            if !rest.is_empty() {
                body.push(rest.to_string());
            }
        }
        let get = |i: usize| body.get(i).filter(|s| !s.is_empty()).cloned();
        RawParcel {
            header_line: line,
            count: get(0),
            area: get(1),
            id: get(2),
            name: get(3),
            kind: get(4),
            sheet: get(5),
            land_use: get(6),
            class_code: get(7),
            points: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// `0.7655公顷` → (0.7655, Some(Ha)); `148平方米` → (148, Some(M2)); `0.0148` → (0.0148, None):
/// without a unit, it is decided against the computed area.
fn parse_area(s: &str) -> Option<(f64, Option<AreaUnit>)> {
    let s = s.trim();
    let split = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .map_or(s.len(), |(i, _)| i);
    // `e`/`E` may only be an exponent; "1e" alone fails to parse below anyway.
    let (num, unit) = s.split_at(split);
    let value: f64 = num.trim().parse().ok().filter(|v: &f64| v.is_finite())?;
    if unit.trim().is_empty() {
        return Some((value, None));
    }
    Some((value, Some(AreaUnit::named(unit)?)))
}

/// Whether a (X, Y) pair as read looks swapped: X like an easting (prefixed > 10^7 or
/// unprefixed < 10^6) and Y like a northing in China (2–6 × 10^6).
fn looks_swapped(x_north: f64, y_east: f64) -> bool {
    let y_is_northing = (2.0e6..=6.0e6).contains(&y_east);
    let x_is_easting = x_north >= 1.0e7 || (0.0..1.0e6).contains(&x_north);
    y_is_northing && x_is_easting
}

fn build_parcel(raw: RawParcel, n: usize, file_name: &str, attrs: &Attributes) -> Parcel {
    let source = format!("{file_name}#{n}");
    let id = raw.id.clone().unwrap_or_else(|| source.clone());
    let mut parcel = Parcel::new(id, raw.name.clone().unwrap_or_default(), source);
    parcel.sheet = raw.sheet.clone();
    parcel.land_use = raw.land_use.clone();
    parcel.class_code = raw.class_code.clone();
    parcel.notes = raw.notes;
    let here = format!("{file_name}:{}", raw.header_line);

    if let Some(c) = &raw.count {
        parcel.declared_point_count = c.parse::<usize>().ok();
        if parcel.declared_point_count.is_none() {
            parcel.notes.push(Finding::new(
                FindingCode::HeaderUnreadable,
                Severity::Warn,
                format!("{here}: 地块头行的界址点数 `{c}` 不是整数 (point count unreadable)"),
            ));
        }
    }
    if let Some(kind) = &raw.kind {
        if kind != "面" {
            parcel.notes.push(Finding::new(
                FindingCode::NotPolygon,
                Severity::Warn,
                format!(
                    "{here}: 地块图形属性为“{kind}”，不是“面”，仍按面处理 (geometry kind is not 面)"
                ),
            ));
        }
    }

    // Swapped X/Y: swap the points that look swapped (normally all of them).
    let mut points = raw.points;
    let swapped: Vec<usize> = (0..points.len())
        .filter(|&i| looks_swapped(points[i].x_north, points[i].y_east))
        .collect();
    if !swapped.is_empty() {
        for &i in &swapped {
            let p = &mut points[i];
            std::mem::swap(&mut p.x_north, &mut p.y_east);
        }
        let finding = if swapped.len() == points.len() {
            Finding::new(
                FindingCode::SwappedXy,
                Severity::Warn,
                format!(
                    "{here}: 地块 {} 的 X、Y 坐标写反（X 应为北坐标，Y 应为东坐标），已全部交换后使用，请核对原始成果 (X/Y swapped)",
                    parcel.id
                ),
            )
        } else {
            let names: Vec<String> = swapped.iter().map(|&i| points[i].name.clone()).collect();
            Finding::new(
                FindingCode::SwappedXy,
                Severity::Warn,
                format!(
                    "{here}: 地块 {} 有 {} 个界址点的 X、Y 坐标写反（{}），已交换后使用，请核对原始成果 (X/Y swapped)",
                    parcel.id,
                    swapped.len(),
                    names.join("、")
                ),
            )
            .with_points(names)
        };
        parcel.notes.push(finding);
    }

    // Rings: contiguous runs of one ring number.
    for p in points {
        let bp = BoundaryPoint {
            name: p.name,
            x: p.y_east,
            y: p.x_north,
            line: p.line,
        };
        match parcel.rings.last_mut() {
            Some(r) if r.number == p.ring => r.points.push(bp),
            _ => parcel.rings.push(Ring {
                number: p.ring,
                points: vec![bp],
            }),
        }
    }
    parcel.roles = ring_roles(&parcel.rings);
    let computed = planar_area(&parcel.rings, &parcel.roles);

    if parcel.rings.is_empty() {
        parcel.notes.push(
            Finding::new(
                FindingCode::NoPoints,
                Severity::Fail,
                format!(
                    "{here}: 地块 {} 没有可读的界址点 (parcel has no points)",
                    parcel.id
                ),
            )
            .invalidating(),
        );
    }

    // Declared point count, with or without the closing points.
    if let Some(declared) = parcel.declared_point_count {
        let as_read = parcel.point_count();
        let closing = parcel.rings.iter().filter(|r| is_closed(r)).count();
        let with_closing = as_read + parcel.rings.len() - closing;
        let without_closing = as_read - closing;
        if declared != with_closing && declared != without_closing {
            parcel.notes.push(Finding::new(
                FindingCode::PointCountMismatch,
                Severity::Warn,
                format!(
                    "{here}: 地块头行声明界址点数 {declared}，实际读到 {with_closing} 个（含闭合点；不含闭合点 {without_closing} 个）(declared point count differs)"
                ),
            ));
        }
    }

    // Declared area to m².
    if let Some(a) = &raw.area {
        match parse_area(a) {
            Some((v, Some(unit))) => parcel.declared_area_m2 = Some(v * unit.factor()),
            Some((v, None)) => {
                // Geometric midpoint between the two readings: hectares when the computed area
                // exceeds 100 × the number, m² otherwise. Without a usable geometry: hectares.
                if computed > 0.0 && computed.is_finite() && computed <= 100.0 * v {
                    parcel.declared_area_m2 = Some(v);
                    parcel.notes.push(Finding::new(
                        FindingCode::AreaUnitAssumed,
                        Severity::Info,
                        format!(
                            "{here}: 申报面积 {a} 未注明单位，与坐标计算面积 {computed:.2} 平方米比较后按平方米理解（标准规定为公顷）(area read as m²)"
                        ),
                    ));
                } else {
                    parcel.declared_area_m2 = Some(v * HECTARE_M2);
                }
            }
            None => parcel.notes.push(Finding::new(
                FindingCode::HeaderUnreadable,
                Severity::Warn,
                format!("{here}: 地块头行的面积 `{a}` 无法识别 (declared area unreadable)"),
            )),
        }
    }

    if let Some(unit) = attrs.unit.as_deref() {
        if !matches!(unit, "" | "米" | "m" | "M" | "metre" | "meter") {
            parcel.notes.push(Finding::new(
                FindingCode::UnitNotMetre,
                Severity::Warn,
                format!(
                    "{here}: [属性描述] 计量单位为“{unit}”，标准为“米”，坐标仍按米读取，请核对 (unit is not metre)"
                ),
            ));
        }
    }
    assign_crs(&mut parcel, attrs, &here);
    parcel
}

fn is_closed(r: &Ring) -> bool {
    match (r.points.first(), r.points.last()) {
        (Some(a), Some(b)) => r.points.len() > 1 && a.x == b.x && a.y == b.y,
        _ => false,
    }
}

fn polygon_of(r: &Ring) -> Polygon<f64> {
    let ls: LineString<f64> = r
        .points
        .iter()
        .map(|p| Coord { x: p.x, y: p.y })
        .collect::<Vec<_>>()
        .into();
    Polygon::new(ls, Vec::new())
}

/// Whether every vertex of `inner` is inside or on `outer` and at least one strictly inside.
fn ring_within(inner: &Ring, outer: &Polygon<f64>) -> bool {
    let mut strictly = false;
    for p in &inner.points {
        match crate::geometry::ring::point_in_ring(Coord { x: p.x, y: p.y }, &outer.exterior().0) {
            Some(false) => return false,
            Some(true) => strictly = true,
            None => {}
        }
    }
    strictly
}

/// Ring 1 is the outer ring; a later ring is a hole of the first earlier outer/part ring that
/// contains it (and none of that ring's holes), otherwise a separate part.
fn ring_roles(rings: &[Ring]) -> Vec<RingRole> {
    let polys: Vec<Polygon<f64>> = rings.iter().map(polygon_of).collect();
    let mut roles: Vec<RingRole> = Vec::with_capacity(rings.len());
    for (i, ring) in rings.iter().enumerate() {
        if i == 0 {
            roles.push(RingRole::Outer);
            continue;
        }
        let host = (0..i).find(|&k| {
            matches!(roles[k], RingRole::Outer | RingRole::Part)
                && ring_within(ring, &polys[k])
                && !(0..i).any(|h| {
                    roles[h] == RingRole::Hole { outer: k } && ring_within(ring, &polys[h])
                })
        });
        roles.push(match host {
            Some(k) => RingRole::Hole { outer: k },
            None => RingRole::Part,
        });
    }
    roles
}

/// Set `zone` and `crs` from the attributes and the coordinates; add datum/zone findings.
fn assign_crs(parcel: &mut Parcel, attrs: &Attributes, here: &str) {
    let first = parcel.rings.iter().filter_map(|r| r.points.first()).next();
    let prefix_zone = first.and_then(|p| crate::crs::zone_of_prefixed_easting(p.x));
    let prefixed = first.is_some_and(|p| p.x >= 1.0e7);
    let zone = match (prefix_zone, attrs.zone) {
        (Some(z), Some(declared)) if z != declared => {
            parcel.notes.push(Finding::new(
                FindingCode::ZoneMismatch,
                Severity::Warn,
                format!(
                    "{here}: [属性描述] 带号为 {declared}，坐标 Y 的带号前缀为 {z}，按坐标前缀 {z} 处理 (zone prefix differs from 带号)"
                ),
            ));
            Some(z)
        }
        (Some(z), _) => Some(z),
        (None, declared) => declared,
    };
    // Zone width: declared, else implied by the zone number (13–23 are 6° zones over China).
    let width = attrs
        .band_width
        .unwrap_or(if zone.is_some_and(|z| (13..=23).contains(&z)) {
            6
        } else {
            3
        });
    // Parcel.zone is a 3° zone: a 6° zone n shares its central meridian 6n−3 with 3° zone 2n−1.
    parcel.zone = zone.and_then(|z| {
        if width == 6 {
            (2 * z).checked_sub(1)
        } else {
            Some(z)
        }
    });

    let datum_name = attrs.coord_system.clone().unwrap_or_default();
    let datum = classify_datum(&datum_name);
    let zone_unknown = |why: String| {
        Finding::new(
            FindingCode::ZoneUnknown,
            Severity::Fail,
            format!("{here}: 无法确定投影带：{why} (zone unknown)"),
        )
        .invalidating()
    };
    let Some(z) = zone else {
        if first.is_some() {
            parcel.notes.push(zone_unknown(
                "坐标 Y 不带带号前缀，[属性描述] 也未给出带号".to_string(),
            ));
        }
        return;
    };
    if width != 3 && width != 6 {
        parcel.notes.push(zone_unknown(format!(
            "分带为 {width} 度，只支持 3 度或 6 度带"
        )));
        return;
    }
    match datum {
        Datum::Cgcs2000 | Datum::Wgs84 => {
            let epsg = match (width, prefixed) {
                (3, true) => crate::crs::gk3_epsg_with_prefix(z),
                (3, false) => crate::crs::gk3_epsg_without_prefix(z),
                (_, true) => (13..=23).contains(&z).then(|| 4491 + z - 13),
                (_, false) => (13..=23).contains(&z).then(|| 4502 + z - 13),
            };
            match epsg {
                Some(code) => parcel.crs = Some(format!("EPSG:{code}")),
                None => parcel.notes.push(zone_unknown(format!(
                    "{width} 度带带号 {z} 超出 CGCS2000 高斯克吕格投影范围（3 度带 25–45，6 度带 13–23）"
                ))),
            }
            if datum == Datum::Wgs84 {
                parcel.notes.push(Finding::new(
                    FindingCode::DatumWgs84AsCgcs2000,
                    Severity::Info,
                    format!(
                        "{here}: 坐标系为 {datum_name}，按 2000国家大地坐标系处理（两者相差厘米级）(WGS84 read as CGCS2000)"
                    ),
                ));
            }
        }
        Datum::Xian80 => match attrs.params {
            Some(p) => {
                let lon0 = if width == 6 {
                    6 * i64::from(z) - 3
                } else {
                    3 * i64::from(z)
                };
                let x0 = if prefixed {
                    u64::from(z) * 1_000_000 + 500_000
                } else {
                    500_000
                };
                let towgs: Vec<String> = p.iter().map(std::string::ToString::to_string).collect();
                parcel.crs = Some(format!(
                    "+proj=tmerc +lat_0=0 +lon_0={lon0} +k=1 +x_0={x0} +y_0=0 +ellps=IAU76 +towgs84={} +units=m +no_defs",
                    towgs.join(",")
                ));
                parcel.notes.push(Finding::new(
                    FindingCode::DatumXian80Converted,
                    Severity::Info,
                    format!(
                        "{here}: 坐标系为 {datum_name}（1980西安坐标系），按文件中的七参数转换到 2000国家大地坐标系 (Xi'an 1980 converted with the 7 parameters)"
                    ),
                ));
            }
            None => parcel.notes.push(not_cgcs2000(
                here,
                &datum_name,
                "文件未给出完整的七参数（转换参数），无法转换",
            )),
        },
        Datum::Beijing54 => parcel.notes.push(not_cgcs2000(
            here,
            &datum_name,
            "1954北京坐标系须先转换到 2000国家大地坐标系",
        )),
        Datum::Unknown => parcel
            .notes
            .push(not_cgcs2000(here, &datum_name, "无法识别该坐标系")),
    }
}

fn not_cgcs2000(here: &str, name: &str, why: &str) -> Finding {
    Finding::new(
        FindingCode::DatumNotCgcs2000,
        Severity::Fail,
        format!(
            "{here}: 坐标系为 {name}，不是 2000国家大地坐标系；{why}，请提供 CGCS2000 坐标 (datum is not CGCS2000)"
        ),
    )
    .invalidating()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    const T: &str = "t.txt";

    /// DOMAIN §1.1, verbatim. The ring is a 10 m (east) × 14.8 m (north) rectangle:
    /// 10 × 14.8 = 148 m² = 0.0148 ha.
    const DOMAIN_EXAMPLE: &str = "[属性描述]
格式版本号=1.01版本
数据产生单位=...
数据产生日期=2020-10-13
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=39
精度=0.001
转换参数=,,,,,,
[地块坐标]
5,0.0148,1,宅基地申请-张某,面,H50G065052,宅基地,0702,@
J1,1,3242537.394,39519431.265
J2,1,3242537.394,39519441.265
J3,1,3242552.194,39519441.265
J4,1,3242552.194,39519431.265
J1,1,3242537.394,39519431.265
";

    fn parse_str(s: &str) -> Vec<Parcel> {
        parse(s.as_bytes(), Path::new(T)).expect("parse")
    }

    fn one(s: &str) -> Parcel {
        let mut v = parse_str(s);
        assert_eq!(v.len(), 1, "expected one parcel");
        v.remove(0)
    }

    fn codes(p: &Parcel) -> Vec<&str> {
        p.notes.iter().map(|f| f.code.as_str()).collect()
    }

    fn finding<'a>(p: &'a Parcel, code: &str) -> &'a Finding {
        p.notes
            .iter()
            .find(|f| f.code.as_str() == code)
            .unwrap_or_else(|| panic!("no finding {code} in {:?}", p.notes))
    }

    fn invalid(p: &Parcel) -> bool {
        p.notes.iter().any(|f| f.makes_invalid)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Closed rectangle point lines `name,ring,X(northing),Y(easting)`, names `J{start}…`.
    fn rect(ring: u32, e0: f64, n0: f64, w: f64, h: f64, start: usize) -> String {
        let corners = [(e0, n0), (e0 + w, n0), (e0 + w, n0 + h), (e0, n0 + h)];
        let mut s = String::new();
        for (i, (e, n)) in corners.iter().enumerate() {
            s.push_str(&format!("J{},{ring},{n:.3},{e:.3}\n", start + i));
        }
        s.push_str(&format!("J{start},{ring},{n0:.3},{e0:.3}\n"));
        s
    }

    /// A minimal file: attributes given as lines, then parcels as (header, points).
    fn file(attrs: &str, parcels: &[(&str, String)]) -> String {
        let mut s = format!("[属性描述]\n{attrs}\n[地块坐标]\n");
        for (h, pts) in parcels {
            s.push_str(h);
            s.push('\n');
            s.push_str(pts);
        }
        s
    }

    fn small_rect() -> String {
        rect(1, 39519431.265, 3242537.394, 10.0, 14.8, 1)
    }

    #[test]
    fn domain_example() {
        let p = one(DOMAIN_EXAMPLE);
        assert_eq!(p.id, "1");
        assert_eq!(p.name, "宅基地申请-张某");
        assert_eq!(p.source, "t.txt#1");
        assert_eq!(p.declared_point_count, Some(5));
        assert!(close(p.declared_area_m2.expect("area"), 148.0, 1e-9));
        assert_eq!(p.sheet.as_deref(), Some("H50G065052"));
        assert_eq!(p.land_use.as_deref(), Some("宅基地"));
        assert_eq!(p.class_code.as_deref(), Some("0702"));
        assert_eq!(p.zone, Some(39));
        assert_eq!(p.crs.as_deref(), Some("EPSG:4527"));
        assert_eq!(p.roles, vec![RingRole::Outer]);
        assert_eq!(p.rings.len(), 1);
        assert_eq!(p.rings[0].number, 1);
        let j1 = &p.rings[0].points[0];
        assert_eq!(
            (j1.name.as_str(), j1.x, j1.y, j1.line),
            ("J1", 39519431.265, 3242537.394, 14)
        );
        assert_eq!(p.rings[0].points[2].line, 16);
        assert_eq!(p.point_count(), 5);
        assert!(close(planar_area(&p.rings, &p.roles), 148.0, 1e-6));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn encodings_and_line_ends_give_the_same_parcels() {
        let expected = parse_str(DOMAIN_EXAMPLE);
        let crlf = DOMAIN_EXAMPLE.replace('\n', "\r\n");
        let (gbk, _, _) = encoding_rs::GBK.encode(&crlf);
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend_from_slice(crlf.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for u in crlf.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        for (label, bytes) in [
            ("crlf", crlf.as_bytes().to_vec()),
            ("gbk", gbk.into_owned()),
            ("utf8-bom", utf8_bom),
            ("utf16le", utf16),
        ] {
            let got = parse(&bytes, Path::new(T)).expect(label);
            assert_eq!(got, expected, "{label}");
        }
    }

    #[test]
    fn read_from_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("批次1.txt");
        let (gbk, _, _) = encoding_rs::GBK.encode(DOMAIN_EXAMPLE);
        std::fs::write(&path, &gbk).expect("write");
        let parcels = read(&path).expect("read");
        assert_eq!(parcels.len(), 1);
        assert_eq!(parcels[0].source, "批次1.txt#1");
        assert_eq!(parcels[0].name, "宅基地申请-张某");
        let missing = read(&dir.path().join("none.txt"));
        assert!(matches!(missing, Err(FormatError::Io { .. })));
    }

    #[test]
    fn spaces_blank_lines_variant_keys_and_empty_zone() {
        let text = "[属性描述]\r\n\r\n分带=3度带\r\n带号=\r\n精度=3\r\n\r\n[地块坐标]\r\n\r\n\
            5, 0.0148, 7, 某某, 面, H50G065052, 宅基地, 0702, @ \r\n\
            J1, 1, 3242537.394, 39519431.265\r\n\r\n\
            J2, 1, 3242537.394, 39519441.265\r\n\
            J3 ,1 ,3242552.194 ,39519441.265\r\n\
            J4,\t1,\t3242552.194,\t39519431.265\r\n\
            J1, 1, 3242537.394, 39519431.265\r\n\r\n";
        let p = one(text);
        assert_eq!(p.id, "7");
        assert_eq!(p.name, "某某");
        assert_eq!(p.class_code.as_deref(), Some("0702"));
        assert_eq!(p.point_count(), 5);
        assert_eq!(p.rings[0].points[2].name, "J3");
        assert_eq!(p.rings[0].points[4].line, 15);
        // Empty 带号: the zone comes from the Y prefix.
        assert_eq!(p.zone, Some(39));
        assert_eq!(p.crs.as_deref(), Some("EPSG:4527"));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn full_width_commas() {
        // A line typed with a Chinese input method uses only full-width commas.
        let pts = small_rect().replace(',', "，");
        let p = one(&file("", &[("5，0.0148，1，甲，面，，，，@", pts)]));
        assert_eq!((p.id.as_str(), p.name.as_str()), ("1", "甲"));
        assert_eq!(p.point_count(), 5);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        // In an ordinary line a full-width comma is part of the text.
        let p = one(&file(
            "",
            &[("5,0.0148,1,张某，李某,面,,,,@", small_rect())],
        ));
        assert_eq!(p.name, "张某，李某");
    }

    #[test]
    fn attribute_keys() {
        let mut a = Attributes::default();
        for line in [
            "坐标系=CGCS2000",
            "分带=6度带",
            "带号= 20 ",
            "精度=3",
            "转换参数=1,2,3,0.1,0.2,0.3,4.5",
            "计量单位=米",
            "未知键=值",
            "没有等号的行",
        ] {
            a.set(line);
        }
        assert_eq!(a.coord_system.as_deref(), Some("CGCS2000"));
        assert_eq!(a.band_width, Some(6));
        assert_eq!(a.zone, Some(20));
        assert_eq!(a.precision_m, Some(0.001));
        assert_eq!(a.params, Some([1.0, 2.0, 3.0, 0.1, 0.2, 0.3, 4.5]));
        assert_eq!(a.unit.as_deref(), Some("米"));
        a.set("几度分带=3");
        a.set("精度=0.001");
        a.set("转换参数=,,,,,,");
        a.set("带号=");
        assert_eq!(a.band_width, Some(3));
        assert_eq!(a.precision_m, Some(0.001));
        assert_eq!(a.params, None);
        assert_eq!(a.zone, None);
        // Precision table: digits are decimal places, anything else a step.
        for (s, want) in [
            ("3", Some(0.001)),
            ("2", Some(0.01)),
            ("0.01", Some(0.01)),
            ("x", None),
        ] {
            assert_eq!(parse_precision(s), want, "{s}");
        }
    }

    #[test]
    fn missing_attribute_section_and_extra_sections() {
        // No [属性描述] at all: CGCS2000 3°, zone from the prefix.
        let p = one(&format!(
            "[地块坐标]\n5,0.0148,1,a,面,,,,@\n{}",
            small_rect()
        ));
        assert_eq!(p.crs.as_deref(), Some("EPSG:4527"));
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        // Keys in other sections are ignored, even ones that look like attributes; lines of an
        // extra section after the coordinates are not points.
        let text = format!(
            "[项目信息]\n坐标系=1980西安坐标系\n带号=40\n[属性描述]\n坐标系=2000国家大地坐标系\n\
             [地块坐标]\n5,0.0148,1,a,面,,,,@\n{}[扩展信息]\n备注,1,2,3\nabc\n",
            small_rect()
        );
        let p = one(&text);
        assert_eq!(p.crs.as_deref(), Some("EPSG:4527"));
        assert_eq!(p.point_count(), 5);
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn attributes_without_section_line() {
        let text = format!(
            "坐标系=80国家大地坐标系\n带号=39\n[地块坐标]\n5,0.0148,1,a,面,,,,@\n{}",
            small_rect()
        );
        let p = one(&text);
        assert!(finding(&p, "datum_not_cgcs2000").makes_invalid);
    }

    #[test]
    fn several_parcels_and_generated_ids() {
        let text = file(
            "带号=39",
            &[
                ("5,0.0148,A-1,甲,面,,,,@", small_rect()),
                (
                    "5,0.0100,,乙,面,,,,@",
                    rect(1, 39519500.0, 3242600.0, 10.0, 10.0, 1),
                ),
                (
                    "5,0.0200,A-3,丙,面,H50G065052,宅基地,0702,项目,批次,乡镇,村,备注,@",
                    rect(1, 39519600.0, 3242600.0, 10.0, 20.0, 1),
                ),
            ],
        );
        let ps = parse_str(&text);
        assert_eq!(ps.len(), 3);
        let ids: Vec<&str> = ps.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["A-1", "t.txt#2", "A-3"]);
        let sources: Vec<&str> = ps.iter().map(|p| p.source.as_str()).collect();
        assert_eq!(sources, ["t.txt#1", "t.txt#2", "t.txt#3"]);
        let areas: Vec<f64> = ps
            .iter()
            .map(|p| p.declared_area_m2.unwrap_or(0.0))
            .collect();
        assert!(close(areas[0], 148.0, 1e-9) && close(areas[1], 100.0, 1e-9));
        assert!(close(areas[2], 200.0, 1e-9));
        // 13-field header: the first 8 fields are the standard ones.
        assert_eq!(ps[2].sheet.as_deref(), Some("H50G065052"));
        assert_eq!(ps[2].land_use.as_deref(), Some("宅基地"));
        assert_eq!(ps[2].class_code.as_deref(), Some("0702"));
        assert_eq!(ps[1].sheet, None);
        assert!(ps.iter().all(|p| p.notes.is_empty()));
        assert_eq!(ps[1].rings[0].points[0].x, 39519500.0);
    }

    #[test]
    fn area_units_table() {
        for (s, want) in [
            ("0.7655公顷", Some((0.7655, Some(AreaUnit::Ha)))),
            ("148平方米", Some((148.0, Some(AreaUnit::M2)))),
            ("148 m2", Some((148.0, Some(AreaUnit::M2)))),
            ("148㎡", Some((148.0, Some(AreaUnit::M2)))),
            ("0.222亩", Some((0.222, Some(AreaUnit::Mu)))),
            ("0.5ha", Some((0.5, Some(AreaUnit::Ha)))),
            ("0.0148", Some((0.0148, None))),
            ("abc", None),
            ("12斤", None),
        ] {
            assert_eq!(parse_area(s), want, "{s}");
        }
    }

    #[test]
    fn area_with_units_in_headers() {
        // 0.222 亩 × 10000/15 = 148.0 m².
        for (area, want) in [
            ("0.0148公顷", 148.0),
            ("148平方米", 148.0),
            ("0.222亩", 148.0),
            ("0.7655公顷", 7655.0),
        ] {
            let p = one(&file(
                "",
                &[(&format!("5,{area},1,a,面,,,,@"), small_rect())],
            ));
            assert!(
                close(p.declared_area_m2.expect("area"), want, 1e-9),
                "{area}: {:?}",
                p.declared_area_m2
            );
            assert!(!codes(&p).contains(&"area_unit_assumed"), "{area}");
        }
    }

    #[test]
    fn area_without_unit_decided_by_geometry() {
        // The 148 m² rectangle: `148` is m² (Info), `0.0148` is ha (nothing).
        let p = one(&file("", &[("5,148,1,a,面,,,,@", small_rect())]));
        assert!(close(p.declared_area_m2.expect("area"), 148.0, 1e-9));
        let f = finding(&p, "area_unit_assumed");
        assert_eq!(f.severity, Severity::Info);
        assert!(!f.makes_invalid);
        let p = one(&file("", &[("5,0.0148,1,a,面,,,,@", small_rect())]));
        assert!(close(p.declared_area_m2.expect("area"), 148.0, 1e-9));
        assert!(p.notes.is_empty());
        // A 100 m × 100 m = 1 ha square declared as `1`: hectares.
        let square = rect(1, 39500000.0, 3200000.0, 100.0, 100.0, 1);
        let p = one(&file("", &[("5,1,1,a,面,,,,@", square.clone())]));
        assert!(close(p.declared_area_m2.expect("area"), 10000.0, 1e-9));
        assert!(p.notes.is_empty());
        // Declared `10000` for the same square: m².
        let p = one(&file("", &[("5,10000,1,a,面,,,,@", square)]));
        assert!(close(p.declared_area_m2.expect("area"), 10000.0, 1e-9));
        assert_eq!(codes(&p), ["area_unit_assumed"]);
        // Unreadable area: a warning, no value.
        let p = one(&file("", &[("5,约一分地,1,a,面,,,,@", small_rect())]));
        assert_eq!(p.declared_area_m2, None);
        assert_eq!(codes(&p), ["header_unreadable"]);
    }

    /// Outer 100 × 100 square (10 000 m²) with a 10 × 10 hole (100 m²), a separate 50 × 50 part
    /// (2 500 m²) holding its own 10 × 10 hole: 10 000 − 100 + 2 500 − 100 = 12 300 m².
    fn holes_and_parts_text(restart_names: bool) -> String {
        let e = 39500000.0;
        let n = 3200000.0;
        let s = |k: usize| if restart_names { 1 } else { k };
        let pts = [
            rect(1, e, n, 100.0, 100.0, s(1)),
            rect(2, e + 20.0, n + 20.0, 10.0, 10.0, s(5)),
            rect(3, e + 200.0, n, 50.0, 50.0, s(9)),
            rect(4, e + 210.0, n + 10.0, 10.0, 10.0, s(13)),
        ]
        .concat();
        file("带号=39", &[("20,1.2300,H,有洞,面,,,,@", pts)])
    }

    #[test]
    fn holes_and_parts() {
        for restart in [false, true] {
            let p = one(&holes_and_parts_text(restart));
            assert_eq!(
                p.roles,
                vec![
                    RingRole::Outer,
                    RingRole::Hole { outer: 0 },
                    RingRole::Part,
                    RingRole::Hole { outer: 2 },
                ]
            );
            let nums: Vec<u32> = p.rings.iter().map(|r| r.number).collect();
            assert_eq!(nums, [1, 2, 3, 4]);
            assert_eq!(p.rings[1].points[0].name, if restart { "J1" } else { "J5" });
            assert!(close(planar_area(&p.rings, &p.roles), 12300.0, 1e-6));
            // geo's own area of the built multipolygon agrees.
            assert!(close(p.to_multipolygon().unsigned_area(), 12300.0, 1e-4));
            assert!(close(p.declared_area_m2.expect("area"), 12300.0, 1e-6));
            assert!(p.notes.is_empty(), "{:?}", p.notes);
        }
    }

    #[test]
    fn island_inside_a_hole_is_a_part() {
        // 100 × 100 outer, 40 × 40 hole, 10 × 10 island in the hole: 10 000 − 1 600 + 100 = 8 500.
        let e = 39500000.0;
        let n = 3200000.0;
        let pts = [
            rect(1, e, n, 100.0, 100.0, 1),
            rect(2, e + 30.0, n + 30.0, 40.0, 40.0, 5),
            rect(3, e + 45.0, n + 45.0, 10.0, 10.0, 9),
        ]
        .concat();
        let p = one(&file("", &[("15,0.85,1,a,面,,,,@", pts)]));
        assert_eq!(
            p.roles,
            vec![RingRole::Outer, RingRole::Hole { outer: 0 }, RingRole::Part]
        );
        assert!(close(planar_area(&p.rings, &p.roles), 8500.0, 1e-6));
        assert!(close(p.to_multipolygon().unsigned_area(), 8500.0, 1e-4));
    }

    #[test]
    fn zones_and_epsg() {
        let unprefixed = rect(1, 519431.265, 3242537.394, 10.0, 14.8, 1);
        let prefixed6 = rect(1, 20519431.265, 3242537.394, 10.0, 14.8, 1);
        let unprefixed6 = unprefixed.clone();
        for (attrs, pts, zone, crs) in [
            ("带号=39", small_rect(), Some(39), Some("EPSG:4527")),
            (
                "坐标系=CGCS2000\n带号=",
                small_rect(),
                Some(39),
                Some("EPSG:4527"),
            ),
            ("带号=39", unprefixed.clone(), Some(39), Some("EPSG:4548")),
            (
                "几度分带=3\n带号=38",
                unprefixed.clone(),
                Some(38),
                Some("EPSG:4547"),
            ),
            // 6° zone 20 (central meridian 117°E) = 3° zone 39.
            (
                "几度分带=6\n带号=20",
                prefixed6.clone(),
                Some(39),
                Some("EPSG:4498"),
            ),
            (
                "几度分带=6\n带号=20",
                unprefixed6,
                Some(39),
                Some("EPSG:4509"),
            ),
            // No width declared: zone 20 can only be a 6° zone.
            ("", prefixed6, Some(39), Some("EPSG:4498")),
        ] {
            let p = one(&file(attrs, &[("5,0.0148,1,a,面,,,,@", pts)]));
            assert_eq!((p.zone, p.crs.as_deref()), (zone, crs), "{attrs}");
            assert!(p.notes.is_empty(), "{attrs}: {:?}", p.notes);
        }
    }

    #[test]
    fn zone_unknown_without_prefix_or_zone_number() {
        let unprefixed = rect(1, 519431.265, 3242537.394, 10.0, 14.8, 1);
        let p = one(&file("带号=", &[("5,0.0148,1,a,面,,,,@", unprefixed)]));
        assert_eq!((p.zone, p.crs.as_deref()), (None, None));
        let f = finding(&p, "zone_unknown");
        assert_eq!(f.severity, Severity::Fail);
        assert!(f.makes_invalid);
        // A prefix outside the CGCS2000 3° zones (25–45).
        let odd = rect(1, 50519431.265, 3242537.394, 10.0, 14.8, 1);
        let p = one(&file("几度分带=3", &[("5,0.0148,1,a,面,,,,@", odd)]));
        assert_eq!(p.crs, None);
        assert!(finding(&p, "zone_unknown").makes_invalid);
    }

    #[test]
    fn zone_prefix_wins_over_a_different_zone_number() {
        let p = one(&file("带号=40", &[("5,0.0148,1,a,面,,,,@", small_rect())]));
        assert_eq!((p.zone, p.crs.as_deref()), (Some(39), Some("EPSG:4527")));
        let f = finding(&p, "zone_mismatch");
        assert_eq!(f.severity, Severity::Warn);
        assert!(f.message.contains("40") && f.message.contains("39"));
    }

    const XIAN_PARAMS: &str = "转换参数=-10.5,120.2,60.3,0.5,-1.2,2.1,3.5";

    #[test]
    fn xian80_with_parameters_gets_a_proj_string() {
        for name in ["80国家大地坐标系", "1980西安坐标系"] {
            let attrs = format!("坐标系={name}\n带号=39\n{XIAN_PARAMS}");
            let p = one(&file(&attrs, &[("5,0.0148,1,a,面,,,,@", small_rect())]));
            let crs = p.crs.clone().expect("crs");
            assert_eq!(
                crs,
                "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=39500000 +y_0=0 +ellps=IAU76 \
                 +towgs84=-10.5,120.2,60.3,0.5,-1.2,2.1,3.5 +units=m +no_defs"
            );
            assert_eq!(codes(&p), ["datum_xian80_converted"]);
            assert_eq!(p.notes[0].severity, Severity::Info);
            assert!(!invalid(&p));
            // PROJ accepts it; the datum shift moves the point by metres, not kilometres.
            let r = crate::crs::Reprojector::new(&crs, "EPSG:4527").expect("proj");
            let (e, n) = r.point(39519431.265, 3242537.394).expect("convert");
            assert!(close(e, 39519431.265, 200.0) && close(n, 3242537.394, 200.0));
        }
        // Without the prefix the false easting is 500 000.
        let attrs = format!("坐标系=80国家大地坐标系\n带号=39\n{XIAN_PARAMS}");
        let unprefixed = rect(1, 519431.265, 3242537.394, 10.0, 14.8, 1);
        let p = one(&file(&attrs, &[("5,0.0148,1,a,面,,,,@", unprefixed)]));
        assert!(p.crs.expect("crs").contains("+lon_0=117 +k=1 +x_0=500000 "));
    }

    #[test]
    fn other_datums_invalidate() {
        for attrs in [
            "坐标系=1980西安坐标系\n带号=39\n转换参数=,,,,,,",
            "坐标系=80国家大地坐标系\n带号=39",
            "坐标系=80国家大地坐标系\n转换参数=1,2,3,,,,",
            "坐标系=1954北京坐标系\n带号=39",
            "坐标系=北京54",
            "坐标系=某地方独立坐标系",
        ] {
            let p = one(&file(attrs, &[("5,0.0148,1,a,面,,,,@", small_rect())]));
            assert_eq!(p.crs, None, "{attrs}");
            let f = finding(&p, "datum_not_cgcs2000");
            assert_eq!(f.severity, Severity::Fail);
            assert!(f.makes_invalid, "{attrs}");
            assert!(f.message.contains("CGCS2000"));
        }
    }

    #[test]
    fn swapped_xy_all_points() {
        let normal = one(DOMAIN_EXAMPLE);
        let swapped_text = DOMAIN_EXAMPLE
            .replace("3242537.394,39519431.265", "39519431.265,3242537.394")
            .replace("3242537.394,39519441.265", "39519441.265,3242537.394")
            .replace("3242552.194,39519441.265", "39519441.265,3242552.194")
            .replace("3242552.194,39519431.265", "39519431.265,3242552.194");
        assert_ne!(swapped_text, DOMAIN_EXAMPLE);
        let p = one(&swapped_text);
        assert_eq!(p.rings, normal.rings);
        assert_eq!(p.crs.as_deref(), Some("EPSG:4527"));
        let f = finding(&p, "swapped_xy");
        assert_eq!(f.severity, Severity::Warn);
        assert!(!f.makes_invalid);
        assert!(f.message.contains("写反"));
        assert_eq!(p.notes.len(), 1);
        // Unprefixed eastings swapped as well.
        let text = file(
            "带号=39",
            &[(
                "5,0.0148,1,a,面,,,,@",
                "J1,1,519431.265,3242537.394\nJ2,1,519441.265,3242537.394\n\
                 J3,1,519441.265,3242552.194\nJ4,1,519431.265,3242552.194\n\
                 J1,1,519431.265,3242537.394\n"
                    .to_string(),
            )],
        );
        let p = one(&text);
        assert_eq!(
            (p.rings[0].points[0].x, p.rings[0].points[0].y),
            (519431.265, 3242537.394)
        );
        assert_eq!(p.crs.as_deref(), Some("EPSG:4548"));
        assert_eq!(codes(&p), ["swapped_xy"]);
    }

    #[test]
    fn swapped_xy_some_points_names_them() {
        let text = DOMAIN_EXAMPLE.replace(
            "J3,1,3242552.194,39519441.265",
            "J3,1,39519441.265,3242552.194",
        );
        let p = one(&text);
        assert_eq!(p.rings, one(DOMAIN_EXAMPLE).rings);
        let f = finding(&p, "swapped_xy");
        assert_eq!(f.points, ["J3"]);
    }

    #[test]
    fn point_count_with_or_without_closing() {
        // Closed 4-corner ring: 5 with the closing point, 4 without; both fine.
        for (declared, ok) in [(5, true), (4, true), (6, false), (3, false)] {
            let p = one(&file(
                "",
                &[(&format!("{declared},0.0148,1,a,面,,,,@"), small_rect())],
            ));
            assert_eq!(p.declared_point_count, Some(declared));
            if ok {
                assert!(p.notes.is_empty(), "{declared}: {:?}", p.notes);
            } else {
                let f = finding(&p, "point_count_mismatch");
                assert_eq!(f.severity, Severity::Warn);
                assert!(f.message.contains(&declared.to_string()) && f.message.contains('5'));
            }
        }
        // Four closed rings of 5 points: 20 with closing, 16 without.
        for declared in [20, 16] {
            let text =
                holes_and_parts_text(false).replace("20,1.2300", &format!("{declared},1.2300"));
            assert!(one(&text).notes.is_empty(), "{declared}");
        }
        // An open ring (4 points written): 4 as read, 5 once closed.
        let open: String = small_rect()
            .lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect();
        for declared in [4, 5] {
            let p = one(&file(
                "",
                &[(&format!("{declared},0.0148,1,a,面,,,,@"), open.clone())],
            ));
            assert!(p.notes.is_empty(), "{declared}: {:?}", p.notes);
        }
    }

    #[test]
    fn malformed_points_do_not_abort_the_batch() {
        let bad = "J1,1,3242537.394,39519431.265\nJ2,1,abc,39519441.265\nJ3,1,3242552.194\n\
                   J4,x,3242552.194,39519431.265\nJ1,1,3242537.394,39519431.265\n";
        let text = file(
            "",
            &[
                ("5,0.0148,1,坏,面,,,,@", bad.to_string()),
                ("5,0.0148,2,好,面,,,,@", small_rect()),
            ],
        );
        let ps = parse_str(&text);
        assert_eq!(ps.len(), 2);
        let bad = &ps[0];
        let unreadable: Vec<&Finding> = bad
            .notes
            .iter()
            .filter(|f| f.code == FindingCode::UnreadablePoint)
            .collect();
        assert_eq!(unreadable.len(), 3);
        assert!(unreadable
            .iter()
            .all(|f| f.severity == Severity::Fail && f.makes_invalid));
        // Lines: [属性描述]=1, empty attrs=2, [地块坐标]=3, header=4, J1=5, J2=6, J3=7, J4=8.
        assert!(
            unreadable[0].message.contains("t.txt:6"),
            "{}",
            unreadable[0].message
        );
        assert!(unreadable[1].message.contains("t.txt:7"));
        assert!(unreadable[2].message.contains("t.txt:8"));
        assert_eq!(unreadable[0].points, ["J2"]);
        assert_eq!(bad.point_count(), 2);
        assert!(ps[1].notes.is_empty());
        assert_eq!(ps[1].point_count(), 5);
    }

    #[test]
    fn file_level_errors_name_the_line() {
        let err = |s: &str| match parse(s.as_bytes(), Path::new(T)) {
            Err(FormatError::Input(crate::error::InputError { file, line, .. })) => (file, line),
            other => panic!("expected input error, got {other:?}"),
        };
        assert_eq!(err("[属性描述]\n带号=39\n"), (T.into(), 0));
        assert_eq!(err(""), (T.into(), 0));
        assert_eq!(err("[属性描述]\n带号=39\n[地块坐标]\n\n"), (T.into(), 3));
        assert_eq!(
            err("[属性描述]\n[地块坐标]\nJ1,1,3242537.394,39519431.265\n5,0.0148,1,a,面,,,,@\n"),
            (T.into(), 3)
        );
        let shown = parse(b"[x]\n", Path::new(T))
            .expect_err("no section")
            .to_string();
        assert!(
            shown.starts_with("t.txt: ") && shown.contains("[地块坐标]"),
            "{shown}"
        );
    }

    #[test]
    fn unit_other_than_metre_warns() {
        let p = one(&file(
            "计量单位=米",
            &[("5,0.0148,1,a,面,,,,@", small_rect())],
        ));
        assert!(p.notes.is_empty());
        let p = one(&file(
            "计量单位=千米",
            &[("5,0.0148,1,a,面,,,,@", small_rect())],
        ));
        assert_eq!(codes(&p), ["unit_not_metre"]);
        assert_eq!(p.notes[0].severity, Severity::Warn);
    }

    #[test]
    fn kind_and_empty_parcels() {
        let p = one(&file("", &[("5,0.0148,1,a,线,,,,@", small_rect())]));
        assert_eq!(finding(&p, "not_polygon").severity, Severity::Warn);
        let ps = parse_str(&file(
            "",
            &[
                ("0,0,1,空,面,,,,@", String::new()),
                ("5,0.0148,2,b,面,,,,@", small_rect()),
            ],
        ));
        assert_eq!(ps.len(), 2);
        assert!(ps[0].rings.is_empty());
        assert!(finding(&ps[0], "no_points").makes_invalid);
        assert!(ps[1].notes.is_empty());
    }

    #[test]
    fn write_standard_layout() {
        let p = one(DOMAIN_EXAMPLE);
        let out = write(std::slice::from_ref(&p), 39);
        let expected = [
            "[属性描述]",
            "格式版本号=1.01版本",
            "坐标系=2000国家大地坐标系",
            "几度分带=3",
            "投影类型=高斯克吕格",
            "计量单位=米",
            "带号=39",
            "精度=0.001",
            "转换参数=,,,,,,",
            "[地块坐标]",
            "5,0.0148,1,宅基地申请-张某,面,H50G065052,宅基地,0702,@",
            "J1,1,3242537.394,39519431.265",
            "J2,1,3242537.394,39519441.265",
            "J3,1,3242552.194,39519441.265",
            "J4,1,3242552.194,39519431.265",
            "J1,1,3242537.394,39519431.265",
        ]
        .join("\r\n")
            + "\r\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn write_closes_rings_and_cleans_text() {
        let mut p = Parcel::new("A,1", "名@称", "x#1");
        p.rings.push(Ring {
            number: 1,
            points: [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
                .iter()
                .enumerate()
                .map(|(i, (dx, dy))| BoundaryPoint {
                    name: format!("J{}", i + 1),
                    x: 39500000.0 + dx,
                    y: 3200000.0 + dy,
                    line: 0,
                })
                .collect(),
        });
        p.roles.push(RingRole::Outer);
        let out = write(std::slice::from_ref(&p), 39);
        // No declared area: the computed 100 m² = 0.0100 ha.
        assert!(
            out.contains("\r\n5,0.0100,A，1,名＠称,面,,,,@\r\n"),
            "{out}"
        );
        assert!(out.ends_with("J1,1,3200000.000,39500000.000\r\n"), "{out}");
        let back = one(&out);
        assert_eq!(back.id, "A，1");
        assert_eq!(back.rings[0].points.len(), 5);
        assert!(close(back.declared_area_m2.expect("area"), 100.0, 1e-9));
    }

    #[test]
    fn round_trip_write_parse() {
        let mut parcels = parse_str(&holes_and_parts_text(false));
        parcels.extend(parse_str(DOMAIN_EXAMPLE));
        let text = write(&parcels, 39);
        let gbk = write_gbk(&parcels, 39);
        let back = parse_str(&text);
        let back_gbk = parse(&gbk, Path::new(T)).expect("gbk");
        assert_eq!(back, back_gbk);
        assert_eq!(back.len(), parcels.len());
        for (a, b) in parcels.iter().zip(&back) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.name, b.name);
            assert_eq!(a.roles, b.roles);
            assert_eq!(a.crs, b.crs);
            assert_eq!(a.zone, b.zone);
            assert_eq!(a.class_code, b.class_code);
            assert_eq!(a.sheet, b.sheet);
            assert_eq!(a.declared_point_count, b.declared_point_count);
            type Points = Vec<(String, f64, f64)>;
            let strip = |p: &Parcel| -> Vec<(u32, Points)> {
                p.rings
                    .iter()
                    .map(|r| {
                        let pts = r
                            .points
                            .iter()
                            .map(|q| (q.name.clone(), q.x, q.y))
                            .collect();
                        (r.number, pts)
                    })
                    .collect()
            };
            assert_eq!(strip(a), strip(b));
            let (da, db) = (
                a.declared_area_m2.expect("a"),
                b.declared_area_m2.expect("b"),
            );
            assert!(close(da, db, 1e-6), "{da} vs {db}");
            assert!(b.notes.is_empty(), "{:?}", b.notes);
        }
        // GBK bytes really are GBK (not UTF-8).
        assert!(std::str::from_utf8(&gbk).is_err());
    }
}
