//! `redline convert`: TXT → GeoJSON → shapefile → TXT keeps point names, rings and areas.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Command;

use redline_core::formats::read_parcels;
use redline_core::geometry::area::planar_area;

fn run(args: &[&Path]) {
    let out = Command::new(env!("CARGO_BIN_EXE_redline"))
        .arg("convert")
        .args(args)
        .output()
        .expect("run redline");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn round_trip_through_every_format_keeps_the_parcel() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/review/parcels/ka06_hole.txt");
    let tmp = tempfile::tempdir().expect("tempdir");
    let gj = tmp.path().join("a.geojson");
    let shp = tmp.path().join("b.shp");
    let txt = tmp.path().join("c.txt");
    run(&[&src, &gj]);
    run(&[&gj, &shp]);
    run(&[&shp, &txt]);
    let before = read_parcels(&src).expect("read source");
    let after = read_parcels(&txt).expect("read result");
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.rings.len(), b.rings.len(), "the hole survives");
        let (aa, ab) = (
            planar_area(&a.to_multipolygon()),
            planar_area(&b.to_multipolygon()),
        );
        // Via lon/lat and back: survey precision (the TXT writes millimetres).
        assert!((aa - ab).abs() < 0.01, "{aa} vs {ab}");
        assert!(
            (aa - 128.0).abs() < 1e-6,
            "KA-06 is 12×12 − 4×4 = 128 m²: {aa}"
        );
        // A shapefile stores rings clockwise (holes anticlockwise) and has no point names, so
        // the order may turn round: every surveyed point must still be there, to the millimetre.
        for (ra, rb) in a.rings.iter().zip(&b.rings) {
            assert_eq!(ra.points.len(), rb.points.len());
            for pa in &ra.points {
                assert!(
                    rb.points
                        .iter()
                        .any(|pb| (pa.x - pb.x).abs() < 0.002 && (pa.y - pb.y).abs() < 0.002),
                    "{} ({}, {}) lost",
                    pa.name,
                    pa.x,
                    pa.y
                );
            }
        }
    }
    // The shapefile carries the Chinese name in GBK.
    let table = redline_core::formats::shapefile::read(&shp).expect("shapefile");
    assert!(table.encoding.as_deref().unwrap_or("").contains("GBK"));
    assert!(table.features[0]
        .values
        .iter()
        .any(|v| v.contains("宅基地")));
}

#[test]
fn unsupported_output_is_an_error() {
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/review/parcels/ka01_gbk_crlf.txt");
    let out = Command::new(env!("CARGO_BIN_EXE_redline"))
        .arg("convert")
        .arg(&src)
        .arg("out.dwg")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("out.dwg"));
}
