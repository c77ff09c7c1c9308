//! Differential test: overlap areas from redline's overlay (geo/i_overlay with a local origin and
//! clipping of big features) against GEOS, on a few thousand seeded polygon pairs at survey
//! coordinates (zone-39 eastings), nearly-degenerate ones included.
//!
//! Agreement is required to 1e-6 relative to the parcel's area (for a sliver, its own area is
//! tiny, so the parcel's area is the meaningful scale: that is what a reviewer reads).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geos::Geom;
use redline_core::geometry::overlay::OverlayBase;
// The generator's seeded SplitMix64 (the test cases draw with `range` only).
use redline_testdata::rng::Rng;

const X0: f64 = 39_519_431.265;
const Y0: f64 = 3_242_537.394;

/// A star-shaped simple polygon around (cx, cy): `n ≥ 4` vertices, radii in [r0, r1].
fn star(rng: &mut Rng, cx: f64, cy: f64, n: usize, r0: f64, r1: f64) -> Polygon<f64> {
    // Evenly spaced angles with jitter: every edge spans less than half a turn, so the
    // polygon is simple (star-shaped around its centre).
    let step = std::f64::consts::TAU / n as f64;
    let angles: Vec<f64> = (0..n)
        .map(|i| (i as f64 + rng.range(0.0, 0.9)) * step)
        .collect();
    let mut pts: Vec<Coord<f64>> = angles
        .iter()
        .map(|a| {
            let r = rng.range(r0, r1);
            Coord {
                x: cx + r * a.cos(),
                y: cy + r * a.sin(),
            }
        })
        .collect();
    pts.push(pts[0]);
    Polygon::new(LineString::new(pts), vec![])
}

fn rect(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::new(vec![
            Coord { x, y },
            Coord { x: x + w, y },
            Coord { x: x + w, y: y + h },
            Coord { x, y: y + h },
            Coord { x, y },
        ]),
        vec![],
    )
}

fn to_geos(p: &MultiPolygon<f64>) -> geos::Geometry {
    let g: geos::Geometry = p.try_into().expect("geo → geos");
    g
}

fn geos_areas(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> (f64, f64, f64) {
    let ga = to_geos(a);
    let gb = to_geos(b);
    let inter = ga
        .intersection(&gb)
        .expect("geos intersection")
        .area()
        .expect("area");
    let diff = ga
        .difference(&gb)
        .expect("geos difference")
        .area()
        .expect("area");
    (ga.area().expect("area"), inter, diff)
}

struct Worst {
    rel: f64,
    case: String,
}

fn compare(
    kind: &str,
    i: usize,
    parcel: &MultiPolygon<f64>,
    feature: &MultiPolygon<f64>,
    worst: &mut Worst,
) {
    let base = OverlayBase::new(parcel).expect("parcel");
    let (_, ours_inter) = base.intersection(feature);
    let (_, ours_diff) = base.difference_all([feature]);
    let (area, inter, diff) = geos_areas(parcel, feature);
    for (what, ours, theirs) in [
        ("intersection", ours_inter, inter),
        ("difference", ours_diff, diff),
    ] {
        let rel = (ours - theirs).abs() / area;
        if rel > worst.rel {
            worst.rel = rel;
            worst.case =
                format!("{kind} #{i} {what}: redline {ours} GEOS {theirs} (parcel {area})");
        }
        assert!(
            rel <= 1e-6,
            "{kind} #{i} {what}: redline {ours} vs GEOS {theirs}, parcel area {area}, rel {rel:e}"
        );
    }
}

#[test]
fn general_position_pairs_agree_with_geos() {
    let mut rng = Rng::new(20201123);
    let mut worst = Worst {
        rel: 0.0,
        case: String::new(),
    };
    for i in 0..2000 {
        let cx = X0 + rng.range(-50.0, 50.0);
        let cy = Y0 + rng.range(-50.0, 50.0);
        let parcel = MultiPolygon(vec![star(&mut rng, cx, cy, 4 + (i % 9), 4.0, 12.0)]);
        // Half the features are big (many vertices: the clipping path), half small.
        let n = if i % 2 == 0 {
            200 + (i % 7) * 50
        } else {
            5 + i % 11
        };
        let fx = cx + rng.range(-15.0, 15.0);
        let fy = cy + rng.range(-15.0, 15.0);
        let feature = MultiPolygon(vec![star(&mut rng, fx, fy, n, 3.0, 30.0)]);
        compare("general", i, &parcel, &feature, &mut worst);
    }
    eprintln!(
        "general position: worst relative difference {:e} ({})",
        worst.rel, worst.case
    );
}

#[test]
fn shared_and_aligned_edges_agree_with_geos() {
    let mut rng = Rng::new(42);
    let mut worst = Worst {
        rel: 0.0,
        case: String::new(),
    };
    for i in 0..2000 {
        // Parcels and features on a 0.5 m grid: shared edges, shared corners, containment.
        let q = |rng: &mut Rng, a: f64, b: f64| (rng.range(a, b) * 2.0).round() / 2.0;
        let (x, y) = (X0 + q(&mut rng, 0.0, 20.0), Y0 + q(&mut rng, 0.0, 20.0));
        let (w, h) = (q(&mut rng, 1.0, 15.0), q(&mut rng, 1.0, 15.0));
        let parcel = MultiPolygon(vec![rect(x, y, w, h)]);
        let (fx, fy) = (X0 + q(&mut rng, 0.0, 20.0), Y0 + q(&mut rng, 0.0, 20.0));
        let (fw, fh) = (q(&mut rng, 1.0, 15.0), q(&mut rng, 1.0, 15.0));
        let mut feature = MultiPolygon(vec![rect(fx, fy, fw, fh)]);
        if i % 3 == 0 {
            // A second part touching the first along an edge.
            feature.0.push(rect(fx + fw, fy, q(&mut rng, 1.0, 5.0), fh));
        }
        compare("aligned", i, &parcel, &feature, &mut worst);
    }
    eprintln!(
        "aligned edges: worst relative difference {:e} ({})",
        worst.rel, worst.case
    );
}

#[test]
fn nearly_degenerate_pairs_agree_with_geos() {
    let mut rng = Rng::new(7);
    let mut worst = Worst {
        rel: 0.0,
        case: String::new(),
    };
    for i in 0..2000 {
        // A feature whose edge sits within 1e-4 … 1e-9 m of the parcel's edge (slivers),
        // sometimes slightly rotated so the edges cross at a tiny angle.
        let offset = 10f64.powf(-rng.range(4.0, 9.0)) * if i % 2 == 0 { 1.0 } else { -1.0 };
        let (w, h) = (rng.range(5.0, 15.0), rng.range(5.0, 15.0));
        let parcel = MultiPolygon(vec![rect(X0, Y0, w, h)]);
        let tilt = if i % 4 == 0 {
            rng.range(-1e-7, 1e-7)
        } else {
            0.0
        };
        let fx = X0 + w + offset;
        let ring = vec![
            Coord { x: fx, y: Y0 - 5.0 },
            Coord {
                x: fx + 30.0,
                y: Y0 - 5.0,
            },
            Coord {
                x: fx + 30.0,
                y: Y0 + h + 5.0,
            },
            Coord {
                x: fx - w / 2.0 + tilt,
                y: Y0 + h + 5.0,
            },
            Coord {
                x: fx - w / 2.0,
                y: Y0 + h / 2.0,
            },
            Coord {
                x: fx + tilt,
                y: Y0 + h / 2.0 - 1.0,
            },
            Coord { x: fx, y: Y0 - 5.0 },
        ];
        let feature = MultiPolygon(vec![Polygon::new(LineString::new(ring), vec![])]);
        compare("degenerate", i, &parcel, &feature, &mut worst);
    }
    eprintln!(
        "nearly degenerate: worst relative difference {:e} ({})",
        worst.rel, worst.case
    );
}
