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
use serde_json::{json, Map, Value};

use super::{geometry_kind, FeatureTable, RawFeature};
use crate::{Error, Result};

/// The CRS of a GeoJSON file without a `crs` member.
const DEFAULT_CRS: &str = crate::crs::CGCS2000;

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Read a GeoJSON FeatureCollection (or a single Feature / Geometry).
pub fn read(path: &Path) -> Result<FeatureTable> {
    let bytes = crate::error::read_file(path)?;
    let text = std::str::from_utf8(strip_bom(&bytes)).map_err(|e| {
        let (line, column) = line_col(&bytes, e.valid_up_to());
        Error::Input {
            file: path.to_path_buf(),
            line,
            column,
            message: "GeoJSON 不是 UTF-8 编码 (GeoJSON must be UTF-8)".into(),
        }
    })?;
    let root: Value = serde_json::from_str(text).map_err(|e| Error::Input {
        file: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: format!("GeoJSON 语法错误 (syntax error): {e}"),
    })?;
    from_value(path, &root)
}

/// Build a table from a parsed GeoJSON document; `path` names the file in errors.
pub fn from_value(path: &Path, root: &Value) -> Result<FeatureTable> {
    let err = |msg: String| Error::input(path, 0, msg);
    let obj = root
        .as_object()
        .ok_or_else(|| err("GeoJSON 顶层必须是对象 (top level must be an object)".into()))?;
    let crs = match obj.get("crs") {
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
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
    // (feature number, feature object)
    let mut features: Vec<(usize, &Map<String, Value>)> = Vec::new();
    match ty {
        "FeatureCollection" => {
            let list = obj
                .get("features")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    err("FeatureCollection 缺少 features 数组 (missing features array)".into())
                })?;
            for (i, f) in list.iter().enumerate() {
                let fo = f.as_object().ok_or_else(|| {
                    err(format!(
                        "要素 {} 不是对象 (feature is not an object)",
                        i + 1
                    ))
                })?;
                features.push((i + 1, fo));
            }
        }
        "Feature" => features.push((1, obj)),
        "Point" | "MultiPoint" | "Polygon" | "MultiPolygon" | "LineString" | "MultiLineString"
        | "GeometryCollection" => {
            let geometry = geometry_of(path, 1, root)?;
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
    }
    // Fields: union of property keys in first-seen order.
    let mut props: Vec<Option<&Map<String, Value>>> = Vec::with_capacity(features.len());
    for (n, f) in &features {
        match f.get("properties") {
            None | Some(Value::Null) => props.push(None),
            Some(Value::Object(m)) => {
                for k in m.keys() {
                    if !table.fields.iter().any(|x| x == k) {
                        table.fields.push(k.clone());
                    }
                }
                props.push(Some(m));
            }
            Some(_) => {
                return Err(err(format!(
                    "要素 {n} 的 properties 不是对象 (properties must be an object)"
                )))
            }
        }
    }
    for ((n, f), p) in features.iter().zip(props) {
        let g = f.get("geometry").unwrap_or(&Value::Null);
        if g.is_null() {
            return Err(err(format!("要素 {n} 没有几何 (feature has no geometry)")));
        }
        let geometry = geometry_of(path, *n, g)?;
        let values = table
            .fields
            .iter()
            .map(|k| p.and_then(|m| m.get(k)).map(value_text).unwrap_or_default())
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
fn geometry_of(path: &Path, n: usize, g: &Value) -> Result<geo::Geometry<f64>> {
    let err = |msg: String| Error::input(path, 0, format!("要素 {n}: {msg}"));
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
    let position = |v: &Value| -> Result<Coord<f64>> {
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
    let positions = |v: &Value| -> Result<Vec<Coord<f64>>> {
        v.as_array()
            .ok_or_else(|| bad("expected an array of positions"))?
            .iter()
            .map(position)
            .collect()
    };
    let polygon = |v: &Value| -> Result<Polygon<f64>> {
        let rings = v
            .as_array()
            .ok_or_else(|| bad("expected an array of rings"))?;
        let mut rings = rings
            .iter()
            .map(|r| positions(r).map(LineString::from))
            .collect::<Result<Vec<_>>>()?;
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
                .collect::<Result<Vec<_>>>()?,
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
pub fn write(path: &Path, table: &FeatureTable) -> Result<()> {
    let value = to_value(path, table)?;
    let text = serde_json::to_string(&value)
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// The FeatureCollection of `table` as JSON; `path` names the file in errors.
pub fn to_value(path: &Path, table: &FeatureTable) -> Result<Value> {
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

fn geometry_value(path: &Path, n: usize, g: &geo::Geometry<f64>) -> Result<Value> {
    let pos = |c: Coord<f64>| -> Result<Value> {
        if c.x.is_finite() && c.y.is_finite() {
            Ok(json!([c.x, c.y]))
        } else {
            Err(Error::input(
                path,
                0,
                format!(
                    "要素 {n} 含无效坐标 (non-finite coordinate) ({}, {})",
                    c.x, c.y
                ),
            ))
        }
    };
    let ring = |ls: &LineString<f64>| -> Result<Value> {
        Ok(Value::Array(
            ls.0.iter().map(|&c| pos(c)).collect::<Result<_>>()?,
        ))
    };
    let polygon = |p: &Polygon<f64>| -> Result<Value> {
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
            "coordinates": mp.0.iter().map(|p| pos(p.0)).collect::<Result<Vec<_>>>()?,
        }),
        geo::Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon(p)?}),
        geo::Geometry::MultiPolygon(mp) => json!({
            "type": "MultiPolygon",
            "coordinates": mp.0.iter().map(polygon).collect::<Result<Vec<_>>>()?,
        }),
        other => {
            return Err(Error::input(
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
