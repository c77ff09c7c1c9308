//! Micro-benchmarks of the hot paths behind `inspect` and `review` (issue 4).
//!
//! * point in polygon on a 50k-vertex reserve-like outline: [`PreparedPolygon::contains`] vs
//!   geo's `Contains` (the unprepared baseline);
//! * an rstar envelope query over 300k envelopes (the layer index);
//! * overlay area with [`OverlayBase`]: parcel × small cell, parcel × 50k-vertex polygon;
//! * TXT exchange-format parse of a small batch;
//! * reprojection of 10,000 CGCS2000 lon/lat points into EPSG:4527: one PROJ call per point
//!   (the old path) vs [`Reprojector::point`] (the analytic Gauss-Krüger series).
//!
//! All inputs are synthetic and deterministic (a fixed LCG and closed-form outlines), at survey
//! coordinates of zone 39 (EPSG:4527) so the numbers include the large-offset effects.
//!
//! Run: `cargo bench --bench hot_paths` (add `-- --quick` for a short run).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use redline_core::crs::Reprojector;
use redline_core::geometry::overlay::OverlayBase;
use redline_core::geometry::prepared::PreparedPolygon;

/// Centre of the synthetic reserve (zone-39 easting with prefix, northing), metres.
const CX: f64 = 39_519_431.265;
const CY: f64 = 3_242_537.394;
/// Mean radius of the outline, metres.
const R: f64 = 8_000.0;

/// A small deterministic generator (64-bit LCG, Knuth's constants); `next` is in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A star-shaped outline with `n` vertices: radius `R·(1 + noise(θ))` with harmonics adding up
/// to 0.15, like the generator's reserve zones (closed ring).
fn star(n: usize) -> Polygon<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            let noise =
                0.08 * (3.0 * t).sin() + 0.05 * (7.0 * t + 1.0).sin() + 0.02 * (41.0 * t).cos();
            let r = R * (1.0 + noise);
            Coord {
                x: CX + r * t.cos(),
                y: CY + r * t.sin(),
            }
        })
        .collect();
    pts.push(pts[0]);
    Polygon::new(LineString::new(pts), vec![])
}

/// `n` points spread over the outline's bounding box (about 60 % fall inside).
fn query_points(n: usize) -> Vec<Coord<f64>> {
    let mut g = Lcg(4);
    (0..n)
        .map(|_| Coord {
            x: CX + (g.next() * 2.0 - 1.0) * 1.2 * R,
            y: CY + (g.next() * 2.0 - 1.0) * 1.2 * R,
        })
        .collect()
}

/// A rectangular parcel `w × h` metres with its lower-left corner at `(x, y)`.
fn parcel(x: f64, y: f64, w: f64, h: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::new(vec![
            Coord { x, y },
            Coord { x: x + w, y },
            Coord { x: x + w, y: y + h },
            Coord { x, y: y + h },
            Coord { x, y },
        ]),
        vec![],
    )])
}

fn point_in_polygon(c: &mut Criterion) {
    let poly = star(50_000);
    let mp = MultiPolygon(vec![poly.clone()]);
    let prepared = PreparedPolygon::new(&mp);
    let pts = query_points(1_000);
    // Both must agree before their times mean anything.
    let a = pts.iter().filter(|p| prepared.contains(**p)).count();
    let b = pts.iter().filter(|p| poly.contains(&Point(**p))).count();
    assert_eq!(a, b, "prepared and geo disagree");

    let mut g = c.benchmark_group("point_in_polygon_50k");
    g.throughput(Throughput::Elements(pts.len() as u64));
    g.bench_function("prepared", |bch| {
        bch.iter(|| {
            pts.iter()
                .filter(|p| prepared.contains(black_box(**p)))
                .count()
        });
    });
    g.sample_size(10);
    g.bench_function("geo_contains", |bch| {
        bch.iter(|| {
            pts.iter()
                .filter(|p| poly.contains(&Point(black_box(**p))))
                .count()
        });
    });
    g.finish();

    c.bench_function("prepare_50k", |bch| {
        bch.iter(|| PreparedPolygon::new(black_box(&mp)));
    });
}

fn rtree_query(c: &mut Criterion) {
    // 300k envelopes of 20–80 m on a jittered 550 × 550 grid of 40 m cells (a land-use layer).
    let mut g = Lcg(7);
    let side = 550usize;
    let entries: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = (0..300_000)
        .map(|i| {
            let (gx, gy) = ((i % side) as f64, (i / side) as f64);
            let x = CX + gx * 40.0 + g.next() * 20.0;
            let y = CY + gy * 40.0 + g.next() * 20.0;
            let (w, h) = (20.0 + g.next() * 60.0, 20.0 + g.next() * 60.0);
            GeomWithData::new(Rectangle::from_corners([x, y], [x + w, y + h]), i)
        })
        .collect();
    let tree = RTree::bulk_load(entries.clone());
    // 1,000 parcel-sized windows (15 × 20 m) over the grid.
    let windows: Vec<AABB<[f64; 2]>> = (0..1_000)
        .map(|_| {
            let x = CX + g.next() * side as f64 * 40.0;
            let y = CY + g.next() * (300_000 / side) as f64 * 40.0;
            AABB::from_corners([x, y], [x + 15.0, y + 20.0])
        })
        .collect();

    let mut grp = c.benchmark_group("rtree_300k");
    grp.throughput(Throughput::Elements(windows.len() as u64));
    grp.bench_function("query_1000_windows", |bch| {
        bch.iter(|| {
            windows
                .iter()
                .map(|w| tree.locate_in_envelope_intersecting(black_box(w)).count())
                .sum::<usize>()
        });
    });
    grp.sample_size(10);
    grp.throughput(Throughput::Elements(entries.len() as u64));
    grp.bench_function("bulk_load", |bch| {
        bch.iter(|| RTree::bulk_load(black_box(entries.clone())));
    });
    grp.finish();
}

fn overlay(c: &mut Criterion) {
    // Parcel 10 × 14.8 m; a 20 m cell covering its left half → 5 × 14.8 = 74 m².
    let p = parcel(CX, CY, 10.0, 14.8);
    let Some(base) = OverlayBase::new(&p) else {
        return;
    };
    let cell = parcel(CX - 15.0, CY - 3.0, 20.0, 20.0);
    let (_, a) = base.intersection(&cell);
    assert!((a - 74.0).abs() < 1e-6, "cell overlap {a}");

    // A parcel straddling the 50k-vertex outline on its east side (θ = 0: r = R·(1 + 0.02 +
    // 0.05·sin 1) ≈ R·1.062).
    let big = MultiPolygon(vec![star(50_000)]);
    let r0 = R * (1.0 + 0.05 * 1f64.sin() + 0.02);
    let straddle = parcel(CX + r0 - 6.0, CY - 7.0, 12.0, 14.0);
    let Some(base_big) = OverlayBase::new(&straddle) else {
        return;
    };
    let (_, ab) = base_big.intersection(&big);
    assert!(ab > 0.0 && ab < 12.0 * 14.0, "straddling overlap {ab}");

    let mut g = c.benchmark_group("overlay_area");
    g.bench_function(BenchmarkId::new("parcel_x_cell", 4), |bch| {
        bch.iter(|| base.intersection(black_box(&cell)).1);
    });
    g.bench_function(BenchmarkId::new("parcel_x_polygon", 50_000), |bch| {
        bch.iter(|| base_big.intersection(black_box(&big)).1);
    });
    g.bench_function("prepare_parcel", |bch| {
        bch.iter(|| OverlayBase::new(black_box(&straddle)));
    });
    g.finish();
}

/// A TXT batch of `n` rectangular parcels (UTF-8, CRLF), as the survey tools write it.
fn txt_batch(n: usize) -> String {
    let mut s = String::from(
        "[属性描述]\r\n格式版本号=1.01版本\r\n数据产生单位=景德镇市示例测绘队\r\n数据产生日期=2020-10-13\r\n\
         坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=39\r\n\
         精度=0.001\r\n转换参数=,,,,,,\r\n[地块坐标]\r\n",
    );
    for k in 0..n {
        let (x0, y0) = (
            3_242_537.394 + 40.0 * k as f64,
            519_431.265 + 25.0 * k as f64,
        );
        s.push_str(&format!(
            "5,0.0148,{},宅基地申请-{},面,H50G065052,宅基地,0702,@\r\n",
            k + 1,
            k + 1
        ));
        let pts = [
            (0.0, 0.0),
            (0.0, 10.0),
            (14.8, 10.0),
            (14.8, 0.0),
            (0.0, 0.0),
        ];
        for (j, (dx, dy)) in pts.iter().enumerate() {
            let name = if j == 4 { 1 } else { j + 1 };
            s.push_str(&format!("J{name},1,{:.3},39{:.3}\r\n", x0 + dx, y0 + dy));
        }
    }
    s
}

fn txt_parse(c: &mut Criterion) {
    let text = txt_batch(20);
    let bytes = text.as_bytes();
    let file = Path::new("batch.txt");
    match redline_core::formats::txt::parse(bytes, file) {
        Ok(parcels) => assert_eq!(parcels.len(), 20),
        Err(e) => panic!("bench batch does not parse: {e}"),
    }
    let gbk = encoding_rs::GBK.encode(&text).0.into_owned();
    let mut g = c.benchmark_group("txt_parse_20_parcels");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("utf8", |bch| {
        bch.iter(|| redline_core::formats::txt::parse(black_box(bytes), file).map(|v| v.len()));
    });
    g.bench_function("gbk", |bch| {
        bch.iter(|| redline_core::formats::txt::parse(black_box(&gbk), file).map(|v| v.len()));
    });
    g.finish();
}

fn reproject(c: &mut Criterion) {
    // 10,000 points over Jingdezhen: lon 116.9–117.9, lat 28.7–29.9.
    let mut g = Lcg(11);
    let pts: Vec<(f64, f64)> = (0..10_000)
        .map(|_| (116.9 + g.next(), 28.7 + 1.2 * g.next()))
        .collect();
    let proj = match proj::Proj::new_known_crs("EPSG:4490", "EPSG:4527", None) {
        Ok(p) => p,
        Err(e) => panic!("PROJ: {e}"),
    };
    let analytic = match Reprojector::new("EPSG:4490", "EPSG:4527") {
        Ok(r) => r,
        Err(e) => panic!("Reprojector: {e}"),
    };
    // Both must agree (to a nanometre) before their times mean anything.
    for &(lon, lat) in &pts {
        let (a, b) = proj.convert((lon, lat)).unwrap_or((f64::NAN, f64::NAN));
        let (x, y) = analytic.point(lon, lat).unwrap_or((f64::NAN, f64::NAN));
        assert!(
            (a - x).abs() < 1e-6 && (b - y).abs() < 1e-6,
            "PROJ and the analytic path disagree at ({lon}, {lat})"
        );
    }

    let mut grp = c.benchmark_group("reproject");
    grp.throughput(Throughput::Elements(pts.len() as u64));
    grp.bench_function("proj_per_point", |bch| {
        bch.iter(|| {
            pts.iter()
                .filter_map(|&p| proj.convert(black_box(p)).ok())
                .fold(0.0, |s, (x, y)| s + x + y)
        });
    });
    grp.bench_function("analytic", |bch| {
        bch.iter(|| {
            pts.iter()
                .filter_map(|&(x, y)| analytic.point(black_box(x), black_box(y)).ok())
                .fold(0.0, |s, (x, y)| s + x + y)
        });
    });
    grp.finish();
}

criterion_group!(
    benches,
    point_in_polygon,
    rtree_query,
    overlay,
    txt_parse,
    reproject
);
criterion_main!(benches);
