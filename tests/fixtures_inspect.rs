//! The committed Green Shield fixtures (`fixtures/inspect/`) are exactly what the generator
//! writes for `Scale::Demo` with `DEMO_SEED`. Set `REDLINE_WRITE_FIXTURES=1` to (re)write them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};

use redline_testdata::inspect::{
    generate_inspect, inspect_bad_rows, inspect_known_answers, ClueSource, DEMO_SEED,
};
use redline_testdata::Scale;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inspect")
}

/// Every file under `dir`, relative and sorted (the generator's own listing).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    redline_testdata::list_files(dir)
        .expect("list files")
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn demo_fixtures_are_reproducible() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = generate_inspect(dir.path(), Scale::Demo, DEMO_SEED).expect("generate");
    if std::env::var("REDLINE_WRITE_FIXTURES").is_ok_and(|v| v == "1") {
        // Files are overwritten in place (other tests may be reading them); a stale file left
        // behind shows up in the file-list comparison below.
        generate_inspect(&fixtures(), Scale::Demo, DEMO_SEED).expect("write fixtures");
    }
    let committed = fixtures();
    let want = files_under(&committed);
    let got = files_under(dir.path());
    assert_eq!(got, want, "file list differs from fixtures/inspect");
    let listed: Vec<PathBuf> = summary.files.iter().map(|f| f.0.clone()).collect();
    assert_eq!(listed, got);
    let total: u64 = summary.files.iter().map(|f| f.1).sum();
    assert!(total < 3_000_000, "demo fixtures are {total} bytes");
    for rel in &got {
        let a = std::fs::read(dir.path().join(rel)).expect("read generated");
        let b = std::fs::read(committed.join(rel)).expect("read committed");
        assert!(
            a == b,
            "{} differs from the committed fixture",
            rel.display()
        );
    }
    assert_eq!(summary.reserves, 3);
    assert_eq!(summary.zone_polygons, 8);
    assert_eq!(summary.patches, 3);
    assert_eq!(summary.clues, 15);
}

/// The XLSX cells, read back with calamine, are the known clues in order with decimal degrees
/// equal to the CSV's 度分秒 text.
#[test]
fn xlsx_matches_csv() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = fixtures();
    let mut wb: Xlsx<_> = open_workbook(dir.join("clues/clues.xlsx")).expect("open xlsx");
    let range = wb.worksheet_range("线索清单").expect("sheet");
    let rows: Vec<&[Data]> = range.rows().collect();
    let points: Vec<_> = inspect_known_answers()
        .into_iter()
        .filter(|a| a.source == ClueSource::Point)
        .collect();
    assert_eq!(rows.len(), points.len() + 1);
    let csv_bytes = std::fs::read(dir.join("clues/clues_gbk.csv")).expect("csv");
    let (csv, _, bad) = encoding_rs::GBK.decode(&csv_bytes);
    assert!(!bad, "CSV is GBK");
    let csv_rows: Vec<Vec<&str>> = csv
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .filter(|r: &Vec<&str>| !inspect_bad_rows().iter().any(|b| b.id == r[0]))
        .collect();
    assert_eq!(csv_rows.len(), points.len());
    for ((row, a), c) in rows[1..].iter().zip(&points).zip(&csv_rows) {
        assert_eq!(row[0].to_string(), a.id);
        assert_eq!(c[0], a.id);
        assert_eq!(c[4], a.activity);
        assert_eq!(row[4].to_string(), a.activity);
        for (col, text) in [(2, c[2]), (3, c[3])] {
            let v = match row[col] {
                Data::Float(f) => f,
                ref other => panic!("{}: column {col} is {other:?}", a.id),
            };
            let d = parse_dms(text);
            assert!((v - d).abs() < 1e-12, "{}: {v} vs {text}", a.id);
        }
    }
}

/// An independent 度分秒 reader for the test: `117°12′30.5″`.
fn parse_dms(s: &str) -> f64 {
    let (d, rest) = s.split_once('°').expect("°");
    let (m, rest) = rest.split_once('′').expect("′");
    let sec = rest.trim_end_matches('″');
    d.parse::<f64>().expect("deg")
        + m.parse::<f64>().expect("min") / 60.0
        + sec.parse::<f64>().expect("sec") / 3600.0
}

/// The committed reserves layer reads back through the crate's shapefile reader with its GBK
/// names, zones and levels.
#[test]
fn reserves_read_back() {
    let t = redline_core::formats::read_features(&fixtures().join("layers/reserve_zones.shp"))
        .expect("read");
    assert_eq!(t.fields, ["BSM", "BHQMC", "JB", "LX", "GNFQ"]);
    let zones: Vec<(String, String)> = t
        .features
        .iter()
        .map(|f| (f.values[1].clone(), f.values[4].clone()))
        .collect();
    assert_eq!(zones.len(), 8);
    assert!(zones.contains(&("瑶里(示例)自然保护区".into(), "核心区".into())));
    assert!(zones.contains(&("昌江源(示例)森林公园".into(), "一般控制区".into())));
    let counties =
        redline_core::formats::read_features(&fixtures().join("layers/counties.geojson"))
            .expect("read");
    let names: Vec<&str> = counties
        .features
        .iter()
        .map(|f| f.values[1].as_str())
        .collect();
    assert_eq!(names, ["昌江区", "珠山区", "浮梁县", "乐平市"]);
    let cfg =
        redline_core::config::Config::load(&fixtures().join("project.toml")).expect("project.toml");
    assert_eq!(cfg.layers.len(), 2);
    assert_eq!(cfg.inspection.near_boundary_m, 100.0);
}
