//! Known-answer tests of the parcel review on the committed fixtures (`fixtures/review/`).
//!
//! Every expected figure comes from `redline_testdata::known::known_answers()`: literals worked
//! by hand from the designed rectangles (width × height), written down in
//! `fixtures/review/EXPECTED.md` — never copied from the program's output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;

use redline_core::config::Config;
use redline_core::review::{report::Report, Reviewer};
use redline_testdata::known::{known_answers, KnownAnswer};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/review")
}

fn parcel_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("parcels"))
        .expect("parcels dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("txt" | "geojson" | "shp")
            )
        })
        .collect();
    files.sort();
    files
}

fn review_all() -> Report {
    let config = Config::load(&root().join("project.toml")).expect("config");
    let reviewer = Reviewer::load(config).expect("layers");
    let mut parcels = Vec::new();
    for f in parcel_files() {
        parcels.extend(redline_core::formats::read_parcels(&f).expect("parcels"));
    }
    reviewer.review(parcels).expect("review")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.005
}

fn check(case: &KnownAnswer, report: &Report) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(p) = report.parcels.iter().find(|p| p.id == case.case) else {
        return vec![format!("{}: not in the report", case.case)];
    };
    let verdict = serde_json::to_value(p.verdict).expect("verdict");
    if verdict != case.verdict {
        errs.push(format!("verdict {verdict} want {}", case.verdict));
    }
    match (p.area_m2, case.area_m2) {
        (Some(a), Some(b)) if close(a, b) => {}
        (None, None) => {}
        (a, b) => errs.push(format!("area {a:?} want {b:?}")),
    }
    if let Some(d) = case.declared_area_m2 {
        if !p.declared_area_m2.is_some_and(|x| close(x, d)) {
            errs.push(format!("declared {:?} want {d}", p.declared_area_m2));
        }
    }
    for (layer, want) in &case.overlaps {
        let got: f64 = p
            .findings
            .iter()
            .filter(|f| f.layer.as_deref() == Some(layer))
            .filter_map(|f| f.area_m2)
            .sum();
        if !close(got, *want) {
            errs.push(format!("overlap {layer} {got} want {want}"));
        }
    }
    for (layer, id) in &case.overlap_features {
        if !p
            .findings
            .iter()
            .any(|f| f.layer.as_deref() == Some(layer) && f.feature_ids.iter().any(|x| x == id))
        {
            errs.push(format!("feature {layer}/{id} not named"));
        }
    }
    for (other, want) in &case.batch_overlaps {
        let got = p
            .findings
            .iter()
            .find(|f| {
                f.code == redline_core::FindingCode::BatchOverlap
                    && f.feature_ids.iter().any(|x| x == other)
            })
            .and_then(|f| f.area_m2);
        if !got.is_some_and(|g| close(g, *want)) {
            errs.push(format!("batch overlap with {other}: {got:?} want {want}"));
        }
    }
    let mut classes: Vec<(String, f64)> = p
        .land_classes
        .iter()
        .map(|c| (c.code.clone(), c.area_m2))
        .collect();
    classes.sort_by(|a, b| a.0.cmp(&b.0));
    let want: Vec<(String, f64)> = case
        .classes
        .iter()
        .map(|(c, a)| (c.to_string(), *a))
        .collect();
    if classes.len() != want.len()
        || classes
            .iter()
            .zip(&want)
            .any(|(a, b)| a.0 != b.0 || !close(a.1, b.1))
    {
        errs.push(format!("classes {classes:?} want {want:?}"));
    }
    let total = |k: &str| p.category_totals.get(k).copied().unwrap_or(0.0);
    for (k, w) in [
        ("农用地", case.agricultural_m2),
        ("建设用地", case.construction_m2),
        ("未利用地", case.unused_m2),
    ] {
        if !close(total(k), w) {
            errs.push(format!("{k} {} want {w}", total(k)));
        }
    }
    if !close(p.cultivated_m2, case.cultivated_m2) {
        errs.push(format!(
            "耕地 {} want {}",
            p.cultivated_m2, case.cultivated_m2
        ));
    }
    let mut codes: Vec<&str> = p
        .findings
        .iter()
        .filter(|f| f.severity != redline_core::Severity::Info)
        .map(|f| f.code.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut want_codes = case.findings.clone();
    want_codes.sort_unstable();
    if codes != want_codes {
        errs.push(format!("findings {codes:?} want {want_codes:?}"));
    }
    if case.area_m2.is_some() {
        let mut sheets = p.sheets_10000.clone();
        sheets.sort();
        let mut want: Vec<String> = case
            .sheets
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        want.sort();
        if sheets != want {
            errs.push(format!("sheets {sheets:?} want {want:?}"));
        }
    }
    errs.into_iter()
        .map(|e| format!("{}: {e}", case.case))
        .collect()
}

#[test]
fn every_known_answer_case_matches_its_hand_computed_figures() {
    let report = review_all();
    let mut errs = Vec::new();
    let cases = known_answers();
    assert!(cases.len() >= 14, "the design lists {} cases", cases.len());
    for case in &cases {
        errs.extend(check(case, &report));
    }
    assert!(
        errs.is_empty(),
        "known-answer mismatches:\n{}",
        errs.join("\n")
    );
}

#[test]
fn the_bow_tie_names_its_crossing_segments() {
    let report = review_all();
    let p = report
        .parcels
        .iter()
        .find(|p| p.id == "KA-07")
        .expect("KA-07");
    let f = p
        .findings
        .iter()
        .find(|f| f.code == redline_core::FindingCode::SelfIntersection)
        .expect("self_intersection");
    assert_eq!(f.points, vec!["J1", "J2", "J3", "J4"]);
    assert!(
        f.message.contains("J1–J2") && f.message.contains("J3–J4"),
        "{}",
        f.message
    );
}

fn schema(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/contracts")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("schema json")
}

#[test]
fn cli_json_follows_the_review_contract() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redline"));
    cmd.arg("review")
        .arg("--config")
        .arg(root().join("project.toml"));
    cmd.args(parcel_files());
    let out = cmd.output().expect("run redline");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let validator = jsonschema::validator_for(&schema("review.schema.json")).expect("schema");
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Every overlap finding carries layer and area_m2.
    for p in json["parcels"].as_array().expect("parcels") {
        for f in p["findings"].as_array().expect("findings") {
            let code = f["code"].as_str().unwrap_or("");
            if code.starts_with("overlap") || code == "outside_within" {
                assert!(f["layer"].is_string() && f["area_m2"].is_number(), "{f}");
            }
        }
    }
    assert_eq!(
        json["summary"]["parcels"],
        json["parcels"].as_array().map_or(0, std::vec::Vec::len)
    );
}

#[test]
fn cli_exit_status_separates_bad_input_from_failing_parcels() {
    // Failing parcels: exit 0.
    let ok = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["review", "--format", "text", "--config"])
        .arg(root().join("project.toml"))
        .arg(root().join("parcels/ka02_utf8_bom.txt"))
        .output()
        .expect("run");
    assert!(ok.status.success());
    let text = String::from_utf8(ok.stdout).expect("utf-8");
    assert!(
        text.contains("审查结果") && text.contains("不通过"),
        "{text}"
    );
    // A missing parcel file: non-zero, and the message names the file.
    let bad = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["review", "--config"])
        .arg(root().join("project.toml"))
        .arg("no_such_parcels.txt")
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no_such_parcels.txt"));
}

#[test]
fn geojson_output_has_parcels_and_pieces() {
    let out = Command::new(env!("CARGO_BIN_EXE_redline"))
        .args(["review", "--format", "geojson", "--config"])
        .arg(root().join("project.toml"))
        .arg(root().join("parcels/ka02_utf8_bom.txt"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let fc: geojson::FeatureCollection = String::from_utf8(out.stdout)
        .expect("utf-8")
        .parse()
        .expect("geojson");
    let kinds: Vec<String> = fc
        .features
        .iter()
        .filter_map(|f| {
            f.property("kind")
                .and_then(|k| k.as_str())
                .map(String::from)
        })
        .collect();
    assert!(kinds.iter().any(|k| k == "parcel"));
    assert!(kinds.iter().any(|k| k == "overlap"));
}
