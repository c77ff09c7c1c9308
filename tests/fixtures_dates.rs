//! No generated fixture depends on the clock: the generator, run under `faketime` on two dates
//! years apart, writes byte-identical files.
//!
//! The test re-runs its own binary under `faketime` (Debian's package, installed by
//! `scripts/setup`), once per date, with `--exact child_generates --ignored`. The child writes
//! the date its clock shows beside the generated files, so the parent can first check that the
//! fake date really reached the process that ran the generator: the comparison cannot pass
//! because faketime did nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;

use redline_testdata::{generate_review, inspect, Scale, DEMO_SEED};

/// Two dates years apart (faketime's `@` form: the clock starts there and runs).
const DATES: [&str; 2] = ["2019-02-03 10:00:00", "2031-11-29 23:30:00"];

/// Where the child writes, when it runs as the child.
const OUT_VAR: &str = "REDLINE_DATES_CHILD_OUT";

/// Every file under `dir`, relative and sorted (the generator's own listing).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    redline_testdata::list_files(dir)
        .expect("list files")
        .into_iter()
        .map(|(p, _)| p)
        .collect()
}

/// The child: only does something when started by the parent below.
#[test]
#[ignore = "run by generating_on_two_dates_gives_identical_bytes under faketime"]
fn child_generates() {
    let Some(out) = std::env::var_os(OUT_VAR).map(PathBuf::from) else {
        return;
    };
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    std::fs::create_dir_all(&out).expect("out");
    std::fs::write(out.join("clock.txt"), today).expect("clock");
    generate_review(&out.join("data/review"), Scale::Demo, DEMO_SEED).expect("review");
    inspect::generate_inspect(&out.join("data/inspect"), Scale::Demo, inspect::DEMO_SEED)
        .expect("inspect");
}

#[test]
fn generating_on_two_dates_gives_identical_bytes() {
    let root = tempfile::tempdir().expect("tempdir");
    let me = std::env::current_exe().expect("test binary");
    let mut trees = Vec::new();
    for (i, date) in DATES.iter().enumerate() {
        let out = root.path().join(format!("run{i}"));
        let status = Command::new("faketime")
            .arg("-f")
            .arg(format!("@{date}"))
            .arg(&me)
            .args([
                "--exact",
                "child_generates",
                "--ignored",
                "--test-threads",
                "1",
            ])
            .env(OUT_VAR, &out)
            .env("TZ", "UTC")
            .status()
            .expect("faketime must be installed (scripts/setup installs Debian's faketime)");
        assert!(
            status.success(),
            "the generator under faketime {date} failed"
        );
        let clock = std::fs::read_to_string(out.join("clock.txt")).expect("clock.txt");
        assert_eq!(
            clock,
            &date[..10],
            "faketime did not reach the generator's process: the comparison would prove nothing"
        );
        trees.push(out.join("data"));
    }
    let a = files_under(&trees[0]);
    let b = files_under(&trees[1]);
    assert_eq!(a, b, "file lists differ between the two dates");
    assert!(a.len() > 20, "the generator wrote only {} files", a.len());
    for rel in &a {
        let x = std::fs::read(trees[0].join(rel)).expect("read");
        let y = std::fs::read(trees[1].join(rel)).expect("read");
        assert!(
            x == y,
            "{} differs between {} and {}",
            rel.display(),
            DATES[0],
            DATES[1]
        );
    }
}
