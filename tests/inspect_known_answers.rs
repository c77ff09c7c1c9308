//! Known-answer tests of the Green Shield placement on the committed fixtures
//! (`fixtures/inspect/`): every expected county, reserve, zone, distance, focus flag and patch
//! area comes from `redline_testdata::inspect::inspect_known_answers()`, the design the
//! fixtures were generated from (see `fixtures/inspect/EXPECTED.md`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;

use redline_core::config::Config;
use redline_core::inspect::{Inspector, Placement};
use redline_testdata::inspect::{inspect_bad_rows, inspect_known_answers, ClueAnswer, ClueSource};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inspect")
}

fn inspector() -> Inspector {
    Inspector::load(Config::load(&dir().join("project.toml")).expect("config")).expect("layers")
}

fn placements(file: &str) -> (Vec<Placement>, Vec<String>) {
    let list = redline_core::formats::clues::read(&dir().join(file)).expect("read clues");
    let problems = list
        .problems
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    (inspector().place_all(&list.clues).expect("place"), problems)
}

fn check(p: &Placement, a: &ClueAnswer) -> Vec<String> {
    let mut errs = Vec::new();
    let zone = p.zone.map(redline_core::inspect::Zone::as_str);
    if p.county.as_deref() != a.county || p.county_code.as_deref() != a.county_code {
        errs.push(format!(
            "county {:?}/{:?} want {:?}/{:?}",
            p.county_code, p.county, a.county_code, a.county
        ));
    }
    if p.reserve.as_deref() != a.reserve || p.reserve_level.as_deref() != a.reserve_level {
        errs.push(format!(
            "reserve {:?} ({:?}) want {:?} ({:?})",
            p.reserve, p.reserve_level, a.reserve, a.reserve_level
        ));
    }
    if zone != a.zone || p.zone_cn != a.zone_cn {
        errs.push(format!(
            "zone {zone:?} {:?} want {:?} {:?}",
            p.zone_cn, a.zone, a.zone_cn
        ));
    }
    match (p.distance_m, a.distance_m) {
        (Some(x), Some(y)) if (x - y).abs() <= 0.01 => {}
        (None, None) => {}
        (x, y) => errs.push(format!("distance {x:?} want {y:?}")),
    }
    if p.focus != a.focus || p.focus == p.focus_reasons.is_empty() {
        errs.push(format!(
            "focus {} {:?} want {} ({})",
            p.focus, p.focus_reasons, a.focus, a.why
        ));
    }
    if p.departments.is_empty() {
        errs.push("no department".into());
    }
    if a.source == ClueSource::Patch {
        let got = p.zones.clone().unwrap_or_default();
        for want in a.zones.iter().filter(|z| z.zone != "outside") {
            let hit = got
                .iter()
                .find(|g| g.reserve == want.reserve && g.zone.as_str() == want.zone)
                .map(|g| g.area_m2);
            if !hit.is_some_and(|h| (h - want.area_m2).abs() <= 0.01) {
                errs.push(format!(
                    "patch area {} {}: {hit:?} want {}",
                    want.reserve, want.zone, want.area_m2
                ));
            }
        }
        let inside: usize = a.zones.iter().filter(|z| z.zone != "outside").count();
        if got.len() != inside {
            errs.push(format!("patch zones {got:?} want {inside} entries"));
        }
    }
    errs.into_iter().map(|e| format!("{}: {e}", a.id)).collect()
}

fn check_file(file: &str, source: ClueSource) {
    let (placed, _) = placements(file);
    let answers: Vec<ClueAnswer> = inspect_known_answers()
        .into_iter()
        .filter(|a| a.source == source)
        .collect();
    assert_eq!(
        placed.len(),
        answers.len(),
        "{file}: every clue placed (bad rows excepted)"
    );
    let mut errs = Vec::new();
    for a in &answers {
        match placed.iter().find(|p| p.id == a.id) {
            Some(p) => errs.extend(check(p, a)),
            None => errs.push(format!("{}: missing from {file}", a.id)),
        }
    }
    assert!(errs.is_empty(), "{file}:\n{}", errs.join("\n"));
}

#[test]
fn gbk_csv_with_dms_coordinates_places_every_clue() {
    check_file("clues/clues_gbk.csv", ClueSource::Point);
}

#[test]
fn xlsx_list_places_every_clue() {
    check_file("clues/clues.xlsx", ClueSource::Point);
}

#[test]
fn patches_get_their_area_per_zone() {
    check_file("clues/patches.shp", ClueSource::Patch);
}

#[test]
fn bad_rows_are_located_and_the_rest_go_on() {
    let (_, problems) = placements("clues/clues_gbk.csv");
    let bad = inspect_bad_rows();
    assert_eq!(problems.len(), bad.len(), "{problems:?}");
    for b in bad {
        let at = format!("clues_gbk.csv:{}:{}:", b.line, b.column);
        assert!(
            problems.iter().any(|p| p.contains(&at)),
            "{at} not in {problems:?}"
        );
    }
}

/// Placement must not depend on file order: the same clues reversed give the same answers.
#[test]
fn placement_is_deterministic_under_reordering() {
    let list =
        redline_core::formats::clues::read(&dir().join("clues/clues_gbk.csv")).expect("read");
    let ins = inspector();
    let a = ins.place_all(&list.clues).expect("place");
    let mut rev = list.clues.clone();
    rev.reverse();
    let mut b = ins.place_all(&rev).expect("place");
    b.reverse();
    assert_eq!(a, b);
}

fn schema(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/contracts")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("schema json")
}

#[test]
fn cli_json_follows_the_inspect_contract() {
    let out = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["inspect", "--config"])
        .arg(dir().join("project.toml"))
        .arg(dir().join("clues/clues_gbk.csv"))
        .arg(dir().join("clues/patches.shp"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let validator = jsonschema::validator_for(&schema("inspect.schema.json")).expect("schema");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let s = &json["summary"];
    let n = json["clues"].as_array().map_or(0, std::vec::Vec::len) as u64;
    assert_eq!(s["clues"].as_u64(), Some(n));
    let parts = ["in_reserve", "near_boundary", "outside"]
        .iter()
        .filter_map(|k| s[k].as_u64())
        .sum::<u64>();
    assert_eq!(parts, n);
    // The bad rows are named on stderr with file:line:column.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("clues_gbk.csv:7:3"), "{stderr}");
}
