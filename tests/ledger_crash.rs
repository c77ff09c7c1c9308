//! Crash safety: a child process imports 200,000 issues in one transaction and is killed
//! (SIGKILL) at several delays. Afterwards the database passes `PRAGMA integrity_check` and holds
//! either all of that import or none of it, next to the issues that were there before.
//!
//! The child is this test binary itself, re-executed with [`CHILD_ENV`] naming the database;
//! without that variable [`crash_child`] has nothing to do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redline_core::ledger::{Filter, Issue, Ledger};

const CHILD_ENV: &str = "REDLINE_LEDGER_CRASH_CHILD";
const N: usize = 200_000;
const BASE: usize = 20;

fn issue(k: usize, batch: &str, year: i32) -> Issue {
    // A deterministic 500 × 400 grid over Jingdezhen, 0.002° apart.
    let lon = 116.9 + (k % 500) as f64 * 0.002;
    let lat = 28.9 + (k / 500 % 400) as f64 * 0.002;
    Issue {
        clue_id: format!("JDZ{year}-{k:06}"),
        batch: batch.into(),
        year: Some(year),
        lon,
        lat,
        geometry_geojson: None,
        activity: ["矿产资源开发", "旅游开发", "居民点", "农业开发"][k % 4].into(),
        area_m2: Some(100.0 + k as f64),
        county_code: Some("360222".into()),
        county: Some("浮梁县".into()),
        reserve: Some("瑶里自然保护区".into()),
        reserve_level: Some("省级".into()),
        zone: Some("experimental".into()),
        zone_cn: Some("实验区".into()),
        distance_m: Some(0.0),
        focus: k % 10 == 0,
        focus_reasons: vec![],
        departments: vec!["市林业局".into()],
        layer_versions: "sha256:crash".into(),
    }
}

/// The child: import N issues in one transaction. Does nothing unless re-executed by
/// [`killed_import_leaves_all_or_nothing`].
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut ledger = Ledger::open(std::path::Path::new(&path)).unwrap();
    let issues: Vec<Issue> = (0..N).map(|k| issue(k, "2020", 2020)).collect();
    println!("IMPORT-START");
    let report = ledger.import(&issues, "crash-child").unwrap();
    println!("IMPORT-DONE {}", report.added);
}

struct Outcome {
    imported: usize,
    child_said_done: bool,
}

fn run(dir: &std::path::Path, kill_after: Option<Duration>) -> Outcome {
    let db = dir.join("ledger.sqlite");
    {
        let mut l = Ledger::open(&db).unwrap();
        let base: Vec<Issue> = (0..BASE).map(|k| issue(k * 977, "2019", 2019)).collect();
        assert_eq!(l.import(&base, "setup").unwrap().added, BASE);
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = lines
        .by_ref()
        .any(|l| l.is_ok_and(|l| l.contains("IMPORT-START")));
    assert!(started, "child did not start its import");
    let mut child_said_done = false;
    match kill_after {
        Some(delay) => {
            let t = Instant::now();
            std::thread::sleep(delay);
            child.kill().unwrap();
            child.wait().unwrap();
            eprintln!("killed after {:?}", t.elapsed());
        }
        None => {
            let status = child.wait().unwrap();
            assert!(status.success());
        }
    }
    for l in lines.map_while(Result::ok) {
        if l.starts_with("IMPORT-DONE") {
            child_said_done = true;
        }
    }
    let l = Ledger::open(&db).unwrap();
    assert_eq!(l.integrity_check().unwrap(), "ok");
    let before = l
        .count(&Filter {
            batch: Some("2019".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(before, BASE, "issues from before the crash must survive");
    let imported = l
        .count(&Filter {
            batch: Some("2020".into()),
            ..Default::default()
        })
        .unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as usize;
    // All or nothing, across every table the import writes.
    assert!(imported == 0 || imported == N, "partial import: {imported}");
    assert_eq!(count("SELECT count(*) FROM history"), BASE + imported);
    assert_eq!(
        count("SELECT count(*) FROM imports"),
        1 + usize::from(imported == N)
    );
    if child_said_done {
        assert_eq!(imported, N);
    }
    Outcome {
        imported,
        child_said_done,
    }
}

#[test]
fn killed_import_leaves_all_or_nothing() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let mut outcomes = Vec::new();
    for ms in [100, 300, 1000] {
        let dir = tempfile::tempdir().unwrap();
        let o = run(dir.path(), Some(Duration::from_millis(ms)));
        eprintln!(
            "kill after {ms} ms: {} issues, child finished: {}",
            o.imported, o.child_said_done
        );
        outcomes.push(o);
    }
    // At least one kill landed inside the transaction (nothing of it is left) …
    assert!(
        outcomes.iter().any(|o| o.imported == 0),
        "no kill landed inside the import"
    );
    // … and the same import, left alone, commits all of it.
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), None);
    assert!(o.child_said_done);
    assert_eq!(o.imported, N);
}
