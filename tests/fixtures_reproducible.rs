//! The committed review fixtures come from the generator: generating the demo data set again
//! gives the same bytes. `REDLINE_WRITE_FIXTURES=1 cargo test --test fixtures_reproducible`
//! rewrites `fixtures/review/` from the generator first.

use std::path::{Path, PathBuf};

use redline::generate::{generate_review, known_answers, list_files, Scale, DEMO_SEED};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/review")
}

/// The generated parts of the fixture folder (hand-written files, if any, are left alone).
const GENERATED: &[&str] = &["layers", "parcels", "project.toml", "EXPECTED.md"];

fn is_generated(rel: &Path) -> bool {
    GENERATED.iter().any(|g| rel.starts_with(g))
}

#[test]
fn demo_generation_reproduces_the_committed_fixtures() {
    let dir = fixtures();
    if std::env::var_os("REDLINE_WRITE_FIXTURES").is_some() {
        for g in GENERATED {
            let p = dir.join(g);
            if p.is_dir() {
                std::fs::remove_dir_all(&p).expect("clear old fixtures");
            } else if p.exists() {
                std::fs::remove_file(&p).expect("clear old fixture");
            }
        }
        generate_review(&dir, Scale::Demo, DEMO_SEED).expect("write fixtures");
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let summary = generate_review(tmp.path(), Scale::Demo, DEMO_SEED).expect("generate");
    assert!(
        summary.total_bytes() < 3_000_000,
        "demo too large: {}",
        summary.total_bytes()
    );
    let fresh = list_files(tmp.path()).expect("list fresh");
    let committed: Vec<(PathBuf, u64)> = list_files(&dir)
        .expect("list fixtures")
        .into_iter()
        .filter(|(p, _)| is_generated(p))
        .collect();
    let names = |v: &[(PathBuf, u64)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fresh), names(&committed), "file lists differ");
    for (rel, _) in &fresh {
        let a = std::fs::read(tmp.path().join(rel)).expect("read fresh");
        let b = std::fs::read(dir.join(rel)).expect("read committed");
        assert!(
            a == b,
            "{} differs from the committed fixture",
            rel.display()
        );
    }
    // Every known-answer file exists.
    for k in known_answers() {
        assert!(dir.join(k.file).is_file(), "{}: {}", k.case, k.file);
    }
}

/// A different seed changes the random part but not the known-answer files.
#[test]
fn seed_changes_random_layers_only() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    generate_review(a.path(), Scale::Demo, 1).expect("seed 1");
    generate_review(b.path(), Scale::Demo, 2).expect("seed 2");
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).expect("read");
    assert_ne!(
        read(a.path(), "layers/landuse.shp"),
        read(b.path(), "layers/landuse.shp")
    );
    for f in [
        "parcels/ka01_gbk_crlf.txt",
        "parcels/batch_ka10_ka12.txt",
        "parcels/q_parcels.shp",
        "EXPECTED.md",
    ] {
        assert_eq!(read(a.path(), f), read(b.path(), f), "{f}");
    }
}

/// The layers read back with the crate's readers: field names, GBK text, the block's features.
#[test]
fn layers_read_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let s = generate_review(tmp.path(), Scale::Demo, DEMO_SEED).expect("generate");
    let read =
        |f: &str| redline::formats::read_features(&tmp.path().join("layers").join(f)).expect(f);
    let landuse = read("landuse.shp");
    assert_eq!(landuse.fields, ["BSM", "DLBM", "DLMC"]);
    assert_eq!(landuse.features.len(), s.landuse);
    let dlbm = landuse.field_index("DLBM").expect("DLBM");
    let codes: Vec<&str> = landuse
        .features
        .iter()
        .map(|f| f.values[dlbm].as_str())
        .collect();
    for c in ["0201K", "1104A", "0702", "0101"] {
        assert!(codes.contains(&c), "{c}");
    }
    let farmland = read("basic_farmland.shp");
    assert_eq!(farmland.fields, ["BSM", "DLBM", "ZLDWMC"]);
    assert_eq!(farmland.features[0].values[2], "高岭村");
    let homesteads = read("homesteads.shp");
    assert_eq!(homesteads.features[0].values, ["ZJD-KA-1", "王建国"]);
    let hazard = read("geohazard.geojson");
    assert_eq!(hazard.features.len(), s.hazards);
    assert_eq!(hazard.features[0].values, ["ZH-KA-1", "滑坡"]);
    let parcels = redline::formats::read_parcels(&tmp.path().join("parcels/q_parcels.shp"))
        .expect("q parcels");
    assert_eq!(parcels.len(), 2);
    assert_eq!(parcels[0].id, "Q-02");
    assert_eq!(parcels[1].name, "宅基地申请-林有福");
    use geo::Area;
    // Q-02 is 10 × 12 m = 120 m².
    assert!((parcels[0].to_multipolygon().unsigned_area() - 120.0).abs() < 1e-6);
}
