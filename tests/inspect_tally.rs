//! The streamed summary (`inspect --summary-only`, [`Inspector::tally_files`]) counts exactly
//! what the full report places, on one thread and on a pipeline of several, for the fixture
//! lists (GBK CSV with bad rows, XLSX, patch shapefile) and for a generated CSV of many chunks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::BoundingRect;
use redline_core::config::Config;
use redline_core::crs::{Reprojector, CGCS2000};
use redline_core::inspect::{
    read_clue_files, InspectSummary, Inspector, Placement, PlacementStatus,
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inspect")
}

fn inspector() -> Inspector {
    Inspector::load(Config::load(&dir().join("project.toml")).expect("config")).expect("layers")
}

/// A CSV of `n` seeded points over the reserves' extent (widened by 2 km), lon/lat.
fn generated_csv(ins: &Inspector, path: &Path, n: usize) {
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for z in &ins.zones {
        let r = z.geometry.bounding_rect().expect("bounds");
        min = (min.0.min(r.min().x), min.1.min(r.min().y));
        max = (max.0.max(r.max().x), max.1.max(r.max().y));
    }
    let back = Reprojector::new(&ins.config.working_crs, CGCS2000).expect("inverse");
    let (lon0, lat0) = back.point(min.0 - 2000.0, min.1 - 2000.0).expect("sw");
    let (lon1, lat1) = back.point(max.0 + 2000.0, max.1 + 2000.0).expect("ne");
    let mut s: u64 = 20261129;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let activities = ["采石场", "旅游设施", "水电站", "养殖场", "工业企业", "道路"];
    let mut text = String::from("编号,经度,纬度,活动类型\n");
    for i in 0..n {
        let lon = lon0 + (lon1 - lon0) * rnd();
        let lat = lat0 + (lat1 - lat0) * rnd();
        text.push_str(&format!(
            "G{i:06},{lon:.7},{lat:.7},{}\n",
            activities[i % activities.len()]
        ));
    }
    std::fs::write(path, text).expect("write csv");
}

/// (reserve, zone or "" for near) → [inside, focus, near]; county code → clues.
type Counts = (
    BTreeMap<(String, String), [usize; 3]>,
    BTreeMap<Option<String>, usize>,
);

/// The counts of a full report, in the summary's terms.
fn counts_of(placements: &[Placement]) -> Counts {
    let mut zones = BTreeMap::new();
    let mut counties = BTreeMap::new();
    for p in placements {
        *counties.entry(p.county_code.clone()).or_insert(0) += 1;
        if let Some(reserve) = &p.reserve {
            let zone = match p.status {
                PlacementStatus::InReserve => {
                    p.zone.map(|z| z.as_str().to_string()).unwrap_or_default()
                }
                _ => String::new(),
            };
            let key = (reserve.clone(), zone);
            let e: &mut [usize; 3] = zones.entry(key).or_insert([0; 3]);
            match p.status {
                PlacementStatus::InReserve => {
                    e[0] += 1;
                    e[1] += usize::from(p.focus);
                }
                _ => e[2] += 1,
            }
        }
    }
    (zones, counties)
}

fn counts_of_summary(s: &InspectSummary) -> Counts {
    let mut zones = BTreeMap::new();
    for z in &s.by_zone {
        if z.in_reserve > 0 {
            let e: &mut [usize; 3] = zones
                .entry((z.reserve.clone(), z.zone.as_str().to_string()))
                .or_insert([0; 3]);
            e[0] += z.in_reserve;
            e[1] += z.focus;
        }
        if z.near_boundary > 0 {
            let e: &mut [usize; 3] = zones
                .entry((z.reserve.clone(), String::new()))
                .or_insert([0; 3]);
            e[2] += z.near_boundary;
        }
    }
    let counties = s
        .by_county
        .iter()
        .filter(|c| c.clues > 0)
        .map(|c| (c.county_code.clone(), c.clues))
        .collect();
    (zones, counties)
}

fn tally_with_threads(ins: &Inspector, files: &[PathBuf], threads: usize) -> InspectSummary {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let mut calls = 0;
    let s = pool
        .install(|| ins.tally_files(files, &mut |_| calls += 1))
        .expect("tally");
    assert!(calls >= 1);
    s
}

#[test]
fn summary_counts_equal_the_full_report() {
    let ins = inspector();
    let tmp = tempfile::tempdir().expect("tempdir");
    let csv = tmp.path().join("generated.csv");
    generated_csv(&ins, &csv, 30_000);
    let cases: Vec<Vec<PathBuf>> = vec![
        vec![dir().join("clues/clues_gbk.csv")],
        vec![
            dir().join("clues/clues.xlsx"),
            dir().join("clues/patches.shp"),
        ],
        vec![csv.clone(), dir().join("clues/clues_gbk.csv")],
    ];
    for files in cases {
        let report = ins
            .report(&read_clue_files(&files).expect("read"))
            .expect("report");
        let (zones, counties) = counts_of(&report.clues);
        for threads in [1, 2, 3] {
            let s = tally_with_threads(&ins, &files, threads);
            assert_eq!(s.summary, report.summary, "{files:?} threads={threads}");
            assert_eq!(s.problems, report.problems);
            assert_eq!(s.warnings, report.warnings);
            let (z, c) = counts_of_summary(&s);
            assert_eq!(z, zones, "{files:?} threads={threads}");
            assert_eq!(c, counties, "{files:?} threads={threads}");
        }
    }
    // The generated list really spreads over zones, counties and the outside.
    let report = ins
        .report(&read_clue_files(&[csv]).expect("read"))
        .expect("report");
    let m = &report.summary;
    assert_eq!(m.clues, 30_000);
    assert!(
        m.in_reserve > 1000 && m.outside > 1000 && m.focus > 100,
        "{m:?}"
    );
}

#[test]
fn summary_json_has_the_counts() {
    let ins = inspector();
    let s = tally_with_threads(&ins, &[dir().join("clues/clues_gbk.csv")], 1);
    let v = serde_json::to_value(&s).expect("json");
    for key in [
        "summary",
        "by_zone",
        "by_county",
        "problems",
        "warnings",
        "layers",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    let zone = &v["by_zone"][0];
    for key in [
        "reserve",
        "reserve_level",
        "zone",
        "zone_cn",
        "in_reserve",
        "focus",
        "near_boundary",
    ] {
        assert!(zone.get(key).is_some(), "by_zone.{key}");
    }
    // The last county row counts the clues in no county.
    let last = s.by_county.last().expect("a row");
    assert!(last.county_code.is_none());
}
