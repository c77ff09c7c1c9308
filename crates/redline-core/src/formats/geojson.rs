//! GeoJSON: features in lon/lat (RFC 7946), or in the CRS of a legacy `crs` member.
//!
//! The file is parsed with `serde_json` (so a syntax error names its line and column) and the
//! structure is walked by hand: a FeatureCollection, a single Feature or a bare Geometry, with
//! Polygon, MultiPolygon, Point and MultiPoint geometries. Property values become text: strings
//! as they are, numbers and booleans as JSON writes them, `null` as the empty string.
//!
//! Without a `crs` member the coordinates are RFC 7946 lon/lat on WGS84, taken as CGCS2000
//! (`EPSG:4490`): the two agree to centimetres (DOMAIN §1.2).

use std::path::Path;

use geo::{Coord, LineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{geometry_kind, FeatureTable, RawFeature};
use crate::error::InputError;
use crate::formats::{FormatError, FormatResult};

/// The CRS of a GeoJSON file without a `crs` member.
const DEFAULT_CRS: &str = crate::crs::CGCS2000;

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Read a GeoJSON file from disk (see [`parse`]).
pub fn read(path: &Path) -> FormatResult<FeatureTable> {
    parse(&crate::formats::read_file(path)?, path)
}

/// Parse a GeoJSON FeatureCollection (or a single Feature / Geometry); `path` names the file
/// in errors.
pub fn parse(bytes: &[u8], path: &Path) -> FormatResult<FeatureTable> {
    let text = std::str::from_utf8(strip_bom(bytes)).map_err(|e| {
        let (line, column) = line_col(strip_bom(bytes), e.valid_up_to());
        InputError::at(
            path,
            line,
            column,
            "GeoJSON 不是 UTF-8 编码 (GeoJSON must be UTF-8)",
        )
    })?;
    let doc: Document = serde_json::from_str(text).map_err(|e| {
        InputError::at(
            path,
            e.line(),
            e.column(),
            format!("GeoJSON 格式错误 (malformed GeoJSON): {e}"),
        )
    })?;
    from_document(path, doc)
}

/// The members of a GeoJSON object that matter here: it may be a FeatureCollection, a Feature
/// or a Geometry. Unknown members are ignored.
#[derive(Deserialize)]
struct Document {
    #[serde(rename = "type")]
    ty: String,
    crs: Option<Value>,
    features: Option<Vec<FeatureDoc>>,
    properties: Option<Properties>,
    geometry: Option<Value>,
    coordinates: Option<Value>,
}

#[derive(Deserialize)]
struct FeatureDoc {
    properties: Option<Properties>,
    geometry: Option<Value>,
}

/// Feature properties in file order (a JSON object; `serde_json::Map` would sort the keys).
struct Properties(Vec<(String, Value)>);

impl Properties {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Properties;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of properties")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Properties, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    entries.push((k, v));
                }
                Ok(Properties(entries))
            }
        }
        d.deserialize_map(Entries)
    }
}

/// Build the table of a parsed document; `path` names the file in errors.
fn from_document(path: &Path, doc: Document) -> FormatResult<FeatureTable> {
    let err = |msg: String| FormatError::input(path, 0, msg);
    let crs = match &doc.crs {
        None | Some(Value::Null) => DEFAULT_CRS.to_string(),
        Some(c) => crs_of_member(c).ok_or_else(|| {
            err(format!(
                "无法识别的 crs 成员 (unrecognised crs member): {c}"
            ))
        })?,
    };
    let mut table = FeatureTable {
        crs: Some(crs),
        ..FeatureTable::default()
    };
    let features: Vec<FeatureDoc> = match doc.ty.as_str() {
        "FeatureCollection" => doc.features.ok_or_else(|| {
            err("FeatureCollection 缺少 features 数组 (missing features array)".into())
        })?,
        "Feature" => vec![FeatureDoc {
            properties: doc.properties,
            geometry: doc.geometry,
        }],
        "Point" | "MultiPoint" | "Polygon" | "MultiPolygon" | "LineString" | "MultiLineString"
        | "GeometryCollection" => {
            let g = json!({"type": doc.ty, "coordinates": doc.coordinates});
            let geometry = geometry_of(path, 1, &g)?;
            table.features.push(RawFeature {
                geometry,
                values: Vec::new(),
            });
            return Ok(table);
        }
        other => {
            return Err(err(format!(
                "不支持的 GeoJSON 类型 (unsupported GeoJSON type) “{other}”"
            )))
        }
    };
    // Fields: union of property keys in first-seen order.
    for f in &features {
        for (k, _) in f.properties.iter().flat_map(|p| p.0.iter()) {
            if !table.fields.iter().any(|x| x == k) {
                table.fields.push(k.clone());
            }
        }
    }
    for (i, f) in features.iter().enumerate() {
        let n = i + 1;
        let g = match &f.geometry {
            None | Some(Value::Null) => {
                return Err(err(format!("要素 {n} 没有几何 (feature has no geometry)")))
            }
            Some(g) => g,
        };
        let geometry = geometry_of(path, n, g)?;
        let values = table
            .fields
            .iter()
            .map(|k| {
                f.properties
                    .as_ref()
                    .and_then(|p| p.get(k))
                    .map(value_text)
                    .unwrap_or_default()
            })
            .collect();
        table.features.push(RawFeature { geometry, values });
    }
    Ok(table)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// 1-based line and column (in bytes) of a byte offset.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// A property value as text.
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// The CRS named by a legacy `crs` member (`{"type":"name","properties":{"name":…}}`).
fn crs_of_member(c: &Value) -> Option<String> {
    let name = c.get("properties")?.get("name")?.as_str()?;
    crs_of_name(name)
}

/// `urn:ogc:def:crs:EPSG::4527`, `EPSG:4527` → `EPSG:4527`; CRS84 and EPSG:4326 → EPSG:4490
/// (CGCS2000 equals WGS84 to centimetres). Other names are passed on for PROJ to interpret.
pub fn crs_of_name(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let code = if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:") {
        // AUTHORITY:[VERSION]:CODE
        let parts: Vec<&str> = rest.split(':').collect();
        match parts.as_slice() {
            [auth, _, code] | [auth, code] => {
                if *auth == "ogc" && (*code == "crs84" || *code == "crs:84") {
                    return Some(DEFAULT_CRS.to_string());
                }
                if *auth != "epsg" {
                    return Some(name.to_string());
                }
                code.to_string()
            }
            _ => return Some(name.to_string()),
        }
    } else if let Some(code) = lower.strip_prefix("epsg:") {
        code.to_string()
    } else if lower == "crs84" || lower == "ogc:crs84" {
        return Some(DEFAULT_CRS.to_string());
    } else {
        return Some(name.to_string());
    };
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if code == "4326" || code == "4490" {
        Some(DEFAULT_CRS.to_string())
    } else {
        Some(format!("EPSG:{code}"))
    }
}

/// A geometry object as a `geo` geometry; `n` is the feature number for messages.
fn geometry_of(path: &Path, n: usize, g: &Value) -> FormatResult<geo::Geometry<f64>> {
    let err = |msg: String| FormatError::input(path, 0, format!("要素 {n}: {msg}"));
    let ty = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| err("几何缺少 type (geometry without type)".into()))?;
    let coords = g
        .get("coordinates")
        .ok_or_else(|| err(format!("{ty} 缺少 coordinates")))?;
    let bad = |what: &str| {
        err(format!(
            "{ty} 的坐标格式错误 (malformed coordinates: {what})"
        ))
    };
    let position = |v: &Value| -> FormatResult<Coord<f64>> {
        let a = v
            .as_array()
            .ok_or_else(|| bad("position is not an array"))?;
        let x = a.first().and_then(Value::as_f64);
        let y = a.get(1).and_then(Value::as_f64);
        match (x, y) {
            (Some(x), Some(y)) => Ok(Coord { x, y }),
            _ => Err(bad("position needs two numbers")),
        }
    };
    let positions = |v: &Value| -> FormatResult<Vec<Coord<f64>>> {
        v.as_array()
            .ok_or_else(|| bad("expected an array of positions"))?
            .iter()
            .map(position)
            .collect()
    };
    let polygon = |v: &Value| -> FormatResult<Polygon<f64>> {
        let rings = v
            .as_array()
            .ok_or_else(|| bad("expected an array of rings"))?;
        let mut rings = rings
            .iter()
            .map(|r| positions(r).map(LineString::from))
            .collect::<FormatResult<Vec<_>>>()?;
        if rings.is_empty() {
            return Err(bad("polygon without rings"));
        }
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    };
    let geometry = match ty {
        "Point" => geo::Geometry::Point(Point(position(coords)?)),
        "MultiPoint" => geo::Geometry::MultiPoint(MultiPoint(
            positions(coords)?.into_iter().map(Point).collect(),
        )),
        "Polygon" => geo::Geometry::Polygon(polygon(coords)?),
        "MultiPolygon" => geo::Geometry::MultiPolygon(MultiPolygon(
            coords
                .as_array()
                .ok_or_else(|| bad("expected an array of polygons"))?
                .iter()
                .map(polygon)
                .collect::<FormatResult<Vec<_>>>()?,
        )),
        other => {
            return Err(err(format!(
                "不支持的几何类型 {other} (only Polygon, MultiPolygon, Point, MultiPoint)"
            )))
        }
    };
    Ok(geometry)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Write a FeatureCollection. Properties are written as strings.
///
/// Coordinates keep full `f64` precision. When `table.crs` is set and is neither EPSG:4490 nor
/// EPSG:4326, a legacy `crs` member names it (`urn:ogc:def:crs:EPSG::4527` for `EPSG:4527`;
/// any other definition is written as the name unchanged).
pub fn write(path: &Path, table: &FeatureTable) -> FormatResult<()> {
    // A `Value` always serialises: its `Display` is the compact JSON text.
    let text = to_value(path, table)?.to_string();
    std::fs::write(path, text).map_err(|e| FormatError::io(path, e))
}

/// The FeatureCollection of `table` as JSON; `path` names the file in errors.
pub fn to_value(path: &Path, table: &FeatureTable) -> FormatResult<Value> {
    let mut features = Vec::with_capacity(table.features.len());
    for (i, f) in table.features.iter().enumerate() {
        let mut props = Map::new();
        for (k, name) in table.fields.iter().enumerate() {
            let v = f.values.get(k).cloned().unwrap_or_default();
            props.insert(name.clone(), Value::String(v));
        }
        features.push(json!({
            "type": "Feature",
            "properties": props,
            "geometry": geometry_value(path, i + 1, &f.geometry)?,
        }));
    }
    let mut root = Map::new();
    root.insert("type".into(), json!("FeatureCollection"));
    if let Some(crs) = &table.crs {
        let c = crate::crs::normalize(crs);
        if c != "EPSG:4490" && c != "EPSG:4326" {
            let name = match c.strip_prefix("EPSG:") {
                Some(code) => format!("urn:ogc:def:crs:EPSG::{code}"),
                None => c.clone(),
            };
            root.insert(
                "crs".into(),
                json!({"type": "name", "properties": {"name": name}}),
            );
        }
    }
    root.insert("features".into(), Value::Array(features));
    Ok(Value::Object(root))
}

fn geometry_value(path: &Path, n: usize, g: &geo::Geometry<f64>) -> FormatResult<Value> {
    let pos = |c: Coord<f64>| -> FormatResult<Value> {
        if c.x.is_finite() && c.y.is_finite() {
            Ok(json!([c.x, c.y]))
        } else {
            Err(FormatError::input(
                path,
                0,
                format!(
                    "要素 {n} 含无效坐标 (non-finite coordinate) ({}, {})",
                    c.x, c.y
                ),
            ))
        }
    };
    let ring = |ls: &LineString<f64>| -> FormatResult<Value> {
        Ok(Value::Array(
            ls.0.iter().map(|&c| pos(c)).collect::<FormatResult<_>>()?,
        ))
    };
    let polygon = |p: &Polygon<f64>| -> FormatResult<Value> {
        let mut rings = vec![ring(p.exterior())?];
        for h in p.interiors() {
            rings.push(ring(h)?);
        }
        Ok(Value::Array(rings))
    };
    Ok(match g {
        geo::Geometry::Point(p) => json!({"type": "Point", "coordinates": pos(p.0)?}),
        geo::Geometry::MultiPoint(mp) => json!({
            "type": "MultiPoint",
            "coordinates": mp.0.iter().map(|p| pos(p.0)).collect::<FormatResult<Vec<_>>>()?,
        }),
        geo::Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p)?}),
        geo::Geometry::MultiPolygon(mp) => json!({
            "type": "MultiPolygon",
            "coordinates": mp.0.iter().map(polygon).collect::<FormatResult<Vec<_>>>()?,
        }),
        other => {
            return Err(FormatError::input(
                path,
                0,
                format!(
                "要素 {n} 的几何类型 {} 不能写入 (only Polygon, MultiPolygon, Point, MultiPoint)",
                geometry_kind(other)
            ),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/jingdezhen")
            .join(name)
    }

    fn read_str(text: &str) -> FormatResult<FeatureTable> {
        parse(text.as_bytes(), Path::new("t.geojson"))
    }

    #[test]
    fn round_trip_keeps_full_precision_and_names_the_crs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rt.geojson");
        // Thirds and sevenths need all 17 significant digits to survive the trip.
        let x = 39519431.0 + 1.0 / 3.0;
        let y = 3242537.0 + 2.0 / 7.0;
        let table = FeatureTable {
            crs: Some("EPSG:4527".into()),
            fields: vec!["DLMC".into(), "MJ".into()],
            features: vec![
                RawFeature {
                    geometry: polygon!(
                        exterior: [(x: x, y: y), (x: x + 10.0, y: y), (x: x + 10.0, y: y + 10.0)],
                        interiors: [[(x: x + 6.0, y: y + 1.0), (x: x + 8.0, y: y + 1.0), (x: x + 8.0, y: y + 3.0)]],
                    )
                    .into(),
                    values: vec!["永久基本农田".into(), "324.50".into()],
                },
                RawFeature {
                    geometry: Point::new(x, y).into(),
                    values: vec!["浮梁县".into()],
                },
            ],
            encoding: None,
        };
        write(&path, &table).expect("write");
        let text = std::fs::read_to_string(&path).expect("text");
        assert!(
            text.contains(r#""name":"urn:ogc:def:crs:EPSG::4527""#),
            "{text}"
        );
        assert!(
            text.contains(r#""MJ":"324.50""#),
            "properties are strings: {text}"
        );
        let back = read(&path).expect("read");
        assert_eq!(back.crs.as_deref(), Some("EPSG:4527"));
        assert_eq!(back.fields, table.fields);
        assert_eq!(back.features[0].values, ["永久基本农田", "324.50"]);
        // A value missing from the table is written as "".
        assert_eq!(back.features[1].values, ["浮梁县", ""]);
        assert_eq!(back.features[0].geometry, table.features[0].geometry);
        assert_eq!(back.features[1].geometry, table.features[1].geometry);

        // CGCS2000 and WGS84 lon/lat need no crs member.
        for crs in [None, Some("EPSG:4490"), Some("epsg:4326")] {
            let t = FeatureTable {
                crs: crs.map(str::to_string),
                ..table.clone()
            };
            write(&path, &t).expect("write");
            let text = std::fs::read_to_string(&path).expect("text");
            assert!(!text.contains("\"crs\""), "{crs:?}: {text}");
        }
    }

    #[test]
    fn properties_become_text() {
        let t = read_str(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"adcode":360202,"name":"昌江区","mj":1.5},
               "geometry":{"type":"Point","coordinates":[117.2,29.3]}},
              {"type":"Feature","properties":{"name":null,"ok":true,"tags":["a"],"new":"x"},
               "geometry":{"type":"MultiPoint","coordinates":[[117.2,29.3],[117.3,29.4,12.0]]}},
              {"type":"Feature","properties":null,
               "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}
            ]}"#,
        )
        .expect("read");
        assert_eq!(t.crs.as_deref(), Some("EPSG:4490"));
        assert_eq!(t.fields, ["adcode", "name", "mj", "ok", "tags", "new"]);
        assert_eq!(
            t.features[0].values,
            ["360202", "昌江区", "1.5", "", "", ""]
        );
        assert_eq!(t.features[1].values, ["", "", "", "true", r#"["a"]"#, "x"]);
        assert_eq!(t.features[2].values, ["", "", "", "", "", ""]);
        match &t.features[1].geometry {
            geo::Geometry::MultiPoint(mp) => assert_eq!(mp.0[1], Point::new(117.3, 29.4)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn single_feature_and_bare_geometry() {
        let t = read_str(
            r#"{"type":"Feature","properties":{"id":"7"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]],[[1,0.5],[2,0.5],[2,1],[1,0.5]]]}}"#,
        )
        .expect("feature");
        assert_eq!(t.fields, ["id"]);
        match &t.features[0].geometry {
            geo::Geometry::Polygon(p) => assert_eq!(p.interiors().len(), 1),
            other => panic!("{other:?}"),
        }
        let t = read_str(r#"{"type":"Point","coordinates":[117.2,29.3]}"#).expect("geometry");
        assert!(t.fields.is_empty());
        assert_eq!(t.features.len(), 1);
        assert_eq!(t.features[0].geometry, Point::new(117.2, 29.3).into());
    }

    #[test]
    fn crs_names() {
        let table = [
            ("urn:ogc:def:crs:EPSG::4527", Some("EPSG:4527")),
            ("urn:ogc:def:crs:EPSG:6.6:4548", Some("EPSG:4548")),
            ("EPSG:4527", Some("EPSG:4527")),
            ("epsg:4527", Some("EPSG:4527")),
            ("urn:ogc:def:crs:OGC:1.3:CRS84", Some("EPSG:4490")),
            ("urn:ogc:def:crs:EPSG::4326", Some("EPSG:4490")),
            ("EPSG:4490", Some("EPSG:4490")),
            ("EPSG:abc", None),
            ("", None),
        ];
        for (name, expected) in table {
            assert_eq!(crs_of_name(name).as_deref(), expected, "{name}");
        }
        let t = read_str(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4548"}},"features":[]}"#,
        )
        .expect("crs");
        assert_eq!(t.crs.as_deref(), Some("EPSG:4548"));
    }

    #[test]
    fn errors_name_line_column_and_feature() {
        // The value of "type" is missing: serde_json stops at line 3, column 1.
        let e = read_str("{\n  \"type\":\n}\n").expect_err("syntax");
        match e {
            FormatError::Input(InputError { line, column, .. }) => {
                assert_eq!((line, column), (3, 1));
            }
            other => panic!("{other:?}"),
        }
        let e = read_str(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
              {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}"#,
        )
        .expect_err("line string")
        .to_string();
        assert!(e.contains("要素 2") && e.contains("LineString"), "{e}");
        let e = read_str(
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["a",2]}}"#,
        )
        .expect_err("bad coordinate")
        .to_string();
        assert!(e.contains("要素 1"), "{e}");
        let e = read_str(r#"{"type":"Feature","properties":{},"geometry":null}"#)
            .expect_err("null geometry")
            .to_string();
        assert!(e.contains("要素 1"), "{e}");
    }

    /// The county outlines agree with DOMAIN §4 (planar EPSG:4548 areas, km², 0.01 km²), and the
    /// city outline covers their sum.
    #[test]
    fn reads_the_jingdezhen_geojson() {
        use geo::Area;
        let t = read(&fixture("counties.geojson")).expect("counties");
        assert_eq!(t.crs.as_deref(), Some("EPSG:4490"));
        assert_eq!(t.fields, ["adcode", "name", "city"]);
        let r = crate::crs::Reprojector::new("EPSG:4490", "EPSG:4548").expect("proj");
        let reference = [
            ("昌江区", "360202", 324.905),
            ("珠山区", "360203", 113.549),
            ("浮梁县", "360222", 2831.92),
            ("乐平市", "360281", 1982.67),
        ];
        let mut total = 0.0;
        for (f, (name, code, km2)) in t.features.iter().zip(reference) {
            assert_eq!(f.values, [code, name, "景德镇市"]);
            let mut g = f.geometry.clone();
            r.geometry_in_place(&mut g).expect("reproject");
            let got = g.unsigned_area() / 1.0e6;
            assert!((got - km2).abs() < 0.01, "{name}: {got} vs {km2}");
            total += got;
        }
        let city = read(&fixture("city.geojson")).expect("city");
        assert_eq!(city.features.len(), 1);
        assert_eq!(city.features[0].values, ["360200", "景德镇市"]);
        let mut g = city.features[0].geometry.clone();
        r.geometry_in_place(&mut g).expect("reproject");
        let city_km2 = g.unsigned_area() / 1.0e6;
        // Outlines from different sources: the city agrees with the sum of counties to 1 %.
        assert!(
            (city_km2 - total).abs() / total < 0.01,
            "{city_km2} vs {total}"
        );
    }
}
