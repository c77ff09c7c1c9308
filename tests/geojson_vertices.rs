//! A clue written with exactly the decimal text of a reserve vertex lies on that vertex: the
//! GeoJSON reader parses numbers exactly (serde_json's `float_roundtrip`), as the CSV reader
//! does, so both land on the same projected point and the clue is in the reserve (zones are
//! closed sets). 17-significant-digit coordinates are where a fast float parser goes one bit off.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::fmt::Write as _;
use std::path::Path;

use redline_core::config::Config;
use redline_core::formats::{clues, geojson, InputFile, Kind};
use redline_core::inspect::{Inspector, PlacementStatus};

/// Deterministic lon/lat texts with 17 significant digits on a ragged ring around 117.3°E
/// 29.4°N (xorshift; no clock, no machine dependence).
fn ring_texts() -> Vec<(String, String)> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..400)
        .map(|k| {
            let t = k as f64 / 400.0 * std::f64::consts::TAU;
            let r = 0.02 * (1.0 + 0.2 * next());
            let lon = 117.3 + r * t.cos();
            let lat = 29.4 + r * t.sin();
            // 17 significant digits: 3 before the point, 14 after.
            (format!("{lon:.14}"), format!("{lat:.14}"))
        })
        .collect()
}

#[test]
fn clues_on_geojson_vertices_lie_on_them() {
    let d = tempfile::tempdir().expect("tempdir");
    let ring = ring_texts();
    let mut coords = String::new();
    for (lon, lat) in ring.iter().chain(std::iter::once(&ring[0])) {
        if !coords.is_empty() {
            coords.push(',');
        }
        write!(coords, "[{lon},{lat}]").expect("write");
    }
    let reserve = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"BHQMC":"测试(示例)自然保护区","GNFQ":"核心区","JB":"省级"}},"geometry":{{"type":"Polygon","coordinates":[[{coords}]]}}}}]}}"#
    );
    std::fs::write(d.path().join("reserve.geojson"), &reserve).expect("reserve");
    std::fs::write(
        d.path().join("county.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"XZQDM":"360222","XZQMC":"浮梁县"},"geometry":{"type":"Polygon","coordinates":[[[117,29],[118,29],[118,30],[117,30],[117,29]]]}}]}"#,
    )
    .expect("county");
    let project = r#"working_crs = "EPSG:4527"
[[layer]]
name = "reserves"
path = "reserve.geojson"
rule = "reserve_zones"
reserve_field = "BHQMC"
zone_field = "GNFQ"
level_field = "JB"
[[layer]]
name = "counties"
path = "county.geojson"
rule = "county"
code_field = "XZQDM"
name_field = "XZQMC"
"#;
    std::fs::write(d.path().join("p.toml"), project).expect("project");

    // The reader parses every vertex to the same f64 as Rust's exact `str::parse`.
    let table = geojson::parse(reserve.as_bytes(), Path::new("reserve.geojson")).expect("parse");
    let geo::Geometry::Polygon(p) = &table.features[0].geometry else {
        panic!("not a polygon")
    };
    let mut off = Vec::new();
    for (c, (lon, lat)) in p.exterior().0.iter().zip(&ring) {
        let want: (f64, f64) = (lon.parse().expect("lon"), lat.parse().expect("lat"));
        if (c.x, c.y) != want {
            off.push(format!("{lon},{lat}"));
        }
    }
    assert!(off.is_empty(), "vertices parsed off by a bit: {off:?}");

    // Clues written with the vertices' own text are in the reserve.
    let mut csv = String::from("编号,经度,纬度,活动类型\n");
    for (k, (lon, lat)) in ring.iter().enumerate() {
        writeln!(csv, "V{k},{lon},{lat},养殖").expect("row");
    }
    let list = clues::parse(&InputFile::new("v.csv", Kind::Csv, csv.into_bytes())).expect("csv");
    assert_eq!(list.clues.len(), ring.len(), "{:?}", list.problems);
    let inspector =
        Inspector::load(Config::load(&d.path().join("p.toml")).expect("config")).expect("layers");
    let placed = inspector.place_all(&list.clues).expect("place");
    let outside: Vec<&str> = placed
        .iter()
        .filter(|p| p.status != PlacementStatus::InReserve)
        .map(|p| p.id.as_str())
        .collect();
    assert!(
        outside.is_empty(),
        "clues on vertices placed outside: {outside:?}"
    );
}
