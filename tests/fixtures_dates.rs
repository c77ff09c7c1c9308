//! No generated fixture depends on the clock: the generator, run under `faketime` on two dates
//! years apart, writes byte-identical files. A probe first shows that `faketime` really moves
//! the clock of our binaries (a shapefile written by `redline convert` carries the fake date in
//! its DBF header), so the comparison cannot pass by accident.
//!
//! `faketime` comes from Debian (package `faketime`, installed by `scripts/setup`).

use std::path::{Path, PathBuf};
use std::process::Command;

const DATES: [&str; 2] = ["2019-02-03 10:00:00", "2031-11-29 23:30:00"];

fn redline() -> &'static str {
    env!("CARGO_BIN_EXE_redline")
}

fn faketime(date: &str) -> Command {
    let mut c = Command::new("faketime");
    // -f: the clock keeps running from the fake start (the generator may look at elapsed time).
    c.arg("-f").arg(format!("@{date}"));
    c.env("TZ", "UTC");
    c.env(
        "PROJ_DATA",
        std::env::var("PROJ_DATA").unwrap_or("/usr/share/proj".into()),
    );
    c
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("prefix").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The DBF "last update" bytes a shapefile written under `faketime` at `date` carries.
fn probe_dbf_date(date: &str, dir: &Path) -> [u8; 3] {
    let txt =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/review/parcels/ka01_gbk_crlf.txt");
    let out = dir.join("probe.shp");
    let status = faketime(date)
        .arg(redline())
        .arg("convert")
        .arg(&txt)
        .arg(&out)
        .status()
        .expect("faketime must be installed (scripts/setup installs Debian's faketime)");
    assert!(status.success(), "convert under faketime failed");
    let dbf = std::fs::read(out.with_extension("dbf")).expect("probe dbf");
    [dbf[1], dbf[2], dbf[3]]
}

#[test]
fn generating_on_two_dates_gives_identical_bytes() {
    let root = tempfile::tempdir().expect("tempdir");
    // The probe: faketime reaches the binary's clock.
    for date in DATES {
        let (y, m, d) = (
            date[0..4].parse::<u16>().expect("year"),
            date[5..7].parse::<u8>().expect("month"),
            date[8..10].parse::<u8>().expect("day"),
        );
        assert_eq!(
            probe_dbf_date(date, root.path()),
            [(y - 1900) as u8, m, d],
            "faketime does not move the clock of the binary; the comparison below would prove nothing"
        );
    }
    let mut trees = Vec::new();
    for (i, date) in DATES.iter().enumerate() {
        let out = root.path().join(format!("gen{i}"));
        let status = faketime(date)
            .arg(redline())
            .arg("generate")
            .arg("--out")
            .arg(&out)
            .status()
            .expect("run the generator");
        assert!(status.success(), "generate under faketime {date} failed");
        trees.push(out);
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
