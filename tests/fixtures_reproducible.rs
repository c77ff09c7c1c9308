//! The committed review fixtures come from the generator: generating the demo data set again
//! gives the same bytes. `REDLINE_WRITE_FIXTURES=1 cargo test --test fixtures_reproducible`
//! rewrites `fixtures/review/` from the generator first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};

use redline_testdata::{generate_review, known_answers, list_files, Scale, DEMO_SEED};

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
    let read = |f: &str| {
        redline_core::formats::read_features(&tmp.path().join("layers").join(f)).expect(f)
    };
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
    let parcels = redline_core::formats::read_parcels(&tmp.path().join("parcels/q_parcels.shp"))
        .expect("q parcels");
    assert_eq!(parcels.len(), 2);
    assert_eq!(parcels[0].id, "Q-02");
    assert_eq!(parcels[1].name, "宅基地申请-林有福");
    use geo::Area;
    // Q-02 is 10 × 12 m = 120 m².
    assert!((parcels[0].to_multipolygon().unsigned_area() - 120.0).abs() < 1e-6);
}

/// Cross-check of the committed known-answer parcels with the crate's own readers and
/// geometry: the area of every usable parcel (planar EPSG:4527), the reader's notes, the
/// validator on the bow-tie, the 1:10,000 sheets, and the category totals of the hand-written
/// land-class lists under the default class table.
#[test]
fn known_answer_parcels_read_back() {
    use redline_core::crs::Reprojector;
    use redline_core::geometry::area::planar_area;
    use redline_core::review::land_class::{Category, LandClassTable};
    use redline_core::review::sheet::{sheets_touched, Scale as SheetScale};
    use redline_core::Severity;

    let dir = fixtures();
    let to_4527 = |crs: &str| Reprojector::new(crs, "EPSG:4527").expect("to 4527");
    let to_lonlat = Reprojector::new("EPSG:4527", "EPSG:4490").expect("to lon/lat");
    let table = LandClassTable::default();
    for k in known_answers() {
        let parcels = redline_core::formats::read_parcels(&dir.join(k.file)).expect(k.file);
        let p = parcels
            .iter()
            .find(|p| p.id == k.case)
            .unwrap_or_else(|| panic!("{}: no parcel {} in {}", k.case, k.case, k.file));
        // A lon/lat parcel (GeoJSON) is moved into EPSG:4527 point by point first.
        let mut p = p.clone();
        if let Some(crs) = p.crs.clone().filter(|c| c.contains("4490")) {
            let r = to_4527(&crs);
            for pt in p.rings.iter_mut().flat_map(|r| r.points.iter_mut()) {
                (pt.x, pt.y) = r.point(pt.x, pt.y).expect("reproject");
            }
        }
        let mp = p.to_multipolygon();
        let invalid = redline_core::geometry::validate::validate(&p);
        if k.verdict == "invalid" {
            assert!(
                invalid
                    .iter()
                    .any(|f| f.code == redline_core::FindingCode::SelfIntersection),
                "{}: {invalid:?}",
                k.case
            );
        } else {
            assert!(
                invalid.iter().all(|f| !f.makes_invalid),
                "{}: {invalid:?}",
                k.case
            );
            let area = planar_area(&mp);
            let want = k.area_m2.expect("area");
            assert!(
                (area - want).abs() < 1e-5,
                "{}: area {area} want {want}",
                k.case
            );
        }
        if let (Some(d), Some(w)) = (p.declared_area_m2, k.declared_area_m2) {
            assert!((d - w).abs() < 1e-6, "{}: declared {d} want {w}", k.case);
        }
        // Reader notes of severity warn or fail are exactly the expected reader codes.
        let reader_codes = ["swapped_xy", "point_count_mismatch"];
        let mut notes: Vec<&str> = p
            .notes
            .iter()
            .filter(|n| n.severity >= Severity::Warn)
            .map(|n| n.code.as_str())
            .collect();
        notes.sort();
        let want: Vec<&str> = k
            .findings
            .iter()
            .copied()
            .filter(|c| reader_codes.contains(c))
            .collect();
        assert_eq!(notes, want, "{}", k.case);
        // Sheets.
        let mut ll = mp.clone();
        to_lonlat.geometry_in_place(&mut ll).expect("lon/lat");
        assert_eq!(
            sheets_touched(&ll, SheetScale::S10000),
            k.sheets,
            "{}",
            k.case
        );
        // Category and cultivated totals of the class list.
        let mut totals = [0.0; 3];
        let mut cultivated = 0.0;
        let mut sum = 0.0;
        for (code, a) in &k.classes {
            let c = table.lookup(code);
            assert!(c.known, "{code}");
            let i = match c.category {
                Category::Agricultural => 0,
                Category::Construction => 1,
                Category::Unused => 2,
            };
            totals[i] += a;
            sum += a;
            if c.cultivated {
                cultivated += a;
            }
        }
        assert_eq!(
            totals,
            [k.agricultural_m2, k.construction_m2, k.unused_m2],
            "{}",
            k.case
        );
        assert_eq!(cultivated, k.cultivated_m2, "{}", k.case);
        if let Some(a) = k.area_m2 {
            assert_eq!(sum, a, "{}: classes add up to the area", k.case);
        }
    }
}
