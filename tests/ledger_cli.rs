//! The ledger through the command line, on a copy of the inspection fixtures: import twice
//! (idempotent), walk an issue through its life cycle, refuse a stale version, write the forms.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inspect")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn redline(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redline"))
        .arg("ledger")
        .arg("--config")
        .arg(project)
        .args(args)
        .output()
        .expect("run redline")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn import_life_cycle_conflict_and_forms() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixtures(), tmp.path());
    let project = tmp.path().join("project.toml");
    let csv = tmp.path().join("clues/clues_gbk.csv");
    let csv = csv.to_str().expect("utf-8 path");

    let first = json(&redline(&project, &["import", csv, "--who", "张三"]));
    let added = first["added"].as_u64().expect("added");
    assert!(added >= 10, "{first}");
    let second = json(&redline(&project, &["import", csv, "--who", "张三"]));
    assert_eq!(second["added"], 0, "idempotent: {second}");
    assert_eq!(second["unchanged"].as_u64(), Some(added));

    let list = json(&redline(
        &project,
        &["list", "--status", "待核查", "--limit", "5"],
    ));
    assert_eq!(list["total"].as_u64(), Some(added));
    assert_eq!(list["entries"].as_array().map(std::vec::Vec::len), Some(5));
    let id = list["entries"][0]["id"].as_i64().expect("id");
    let id_s = id.to_string();
    let v = |e: &serde_json::Value| e["version"].as_i64().expect("version").to_string();

    let e = json(&redline(
        &project,
        &[
            "transition",
            &id_s,
            "--version",
            &v(&list["entries"][0]),
            "--to",
            "属实",
            "--who",
            "李四",
            "--reason",
            "现场核实",
        ],
    ));
    assert_eq!(e["status"], "confirmed");
    // A stale version is refused.
    let stale = redline(
        &project,
        &[
            "transition",
            &id_s,
            "--version",
            "1",
            "--to",
            "rectifying",
            "--who",
            "王五",
        ],
    );
    assert!(!stale.status.success());
    // An illegal move is refused.
    let illegal = redline(
        &project,
        &[
            "transition",
            &id_s,
            "--version",
            &v(&e),
            "--to",
            "closed",
            "--who",
            "王五",
        ],
    );
    assert!(!illegal.status.success());
    let e = json(&redline(
        &project,
        &[
            "transition",
            &id_s,
            "--version",
            &v(&e),
            "--to",
            "rectifying",
            "--who",
            "王五",
            "--measures",
            "拆除复绿",
        ],
    ));
    assert_eq!(e["status"], "rectifying");
    assert!(e["deadline"].is_string(), "{e}");

    let shown = json(&redline(&project, &["show", &id_s]));
    let history = shown["history"].as_array().expect("history");
    assert!(history.len() >= 3, "import + 2 transitions: {shown}");

    let xlsx = tmp.path().join("summary.xlsx");
    let out = redline(
        &project,
        &[
            "summary",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().expect("path"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(&xlsx).expect("open xlsx");
    let names = wb.sheet_names().clone();
    assert!(names.iter().any(|n| n == "汇总"), "{names:?}");
    let range = wb.worksheet_range("汇总").expect("sheet");
    let cells: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter().map(std::string::ToString::to_string))
        .collect();
    assert!(cells.iter().any(|c| c.contains("合计")), "{cells:?}");

    let gj = tmp.path().join("ledger.geojson");
    let out = redline(&project, &["export", "--out", gj.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fc: geojson::FeatureCollection = std::fs::read_to_string(&gj)
        .expect("read")
        .parse()
        .expect("geojson");
    assert_eq!(fc.features.len() as u64, added);
    let shp = tmp.path().join("ledger.shp");
    let out = redline(&project, &["export", "--out", shp.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = redline_core::formats::shapefile::read(&shp).expect("read back");
    assert_eq!(table.features.len() as u64, added);
    assert!(table.encoding.as_deref().unwrap_or("").contains("GBK"));
}
