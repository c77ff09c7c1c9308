//! Tile tests. Every tile is decoded by the strict reader below (no protobuf library): each
//! polygon ring must be `MoveTo(1) LineTo(n ≥ 2) ClosePath(1)`, as MVT 2.1 §4.3.4 requires.

use std::collections::HashMap;

use geo::{polygon, LineString, MultiPolygon, Polygon};

use super::*;

// ---------------------------------------------------------------------------------------------
// A strict MVT reader.

#[derive(Clone, Debug, PartialEq)]
enum V {
    S(String),
    F(f64),
    I(i64),
    B(bool),
}

#[derive(Debug)]
struct DFeature {
    id: Option<u64>,
    kind: u64,
    tags: Vec<u32>,
    geometry: Vec<u32>,
}

#[derive(Debug)]
struct DLayer {
    version: u64,
    name: String,
    extent: u64,
    keys: Vec<String>,
    values: Vec<V>,
    features: Vec<DFeature>,
}

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
    Fixed64(u64),
}

fn varint(b: &[u8], i: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let byte = b[*i];
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return v;
        }
        shift += 7;
        assert!(shift < 64, "varint too long");
    }
}

fn message(b: &[u8]) -> Vec<(u64, Wire<'_>)> {
    let (mut i, mut out) = (0, Vec::new());
    while i < b.len() {
        let key = varint(b, &mut i);
        let f = match key & 7 {
            0 => Wire::Varint(varint(b, &mut i)),
            1 => {
                let v = u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
                i += 8;
                Wire::Fixed64(v)
            }
            2 => {
                let n = varint(b, &mut i) as usize;
                let s = &b[i..i + n];
                i += n;
                Wire::Bytes(s)
            }
            5 => {
                let v = u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
                i += 4;
                Wire::Fixed32(v)
            }
            w => panic!("wire type {w}"),
        };
        out.push((key >> 3, f));
    }
    out
}

fn packed(w: &Wire<'_>) -> Vec<u32> {
    match w {
        Wire::Varint(v) => vec![*v as u32],
        Wire::Bytes(b) => {
            let (mut i, mut out) = (0, Vec::new());
            while i < b.len() {
                out.push(varint(b, &mut i) as u32);
            }
            out
        }
        _ => panic!("not a packed field"),
    }
}

fn text(w: &Wire<'_>) -> String {
    match w {
        Wire::Bytes(b) => String::from_utf8(b.to_vec()).unwrap(),
        _ => panic!("not a string"),
    }
}

fn decode(bytes: &[u8]) -> Vec<DLayer> {
    let mut layers = Vec::new();
    for (num, w) in message(bytes) {
        assert_eq!(num, 3, "a tile holds only layers");
        let Wire::Bytes(lb) = w else { panic!("layer") };
        let mut l = DLayer {
            version: 0,
            name: String::new(),
            extent: 4096,
            keys: vec![],
            values: vec![],
            features: vec![],
        };
        for (num, w) in message(lb) {
            match (num, &w) {
                (15, Wire::Varint(v)) => l.version = *v,
                (1, _) => l.name = text(&w),
                (5, Wire::Varint(v)) => l.extent = *v,
                (3, _) => l.keys.push(text(&w)),
                (4, Wire::Bytes(vb)) => {
                    let fields = message(vb);
                    assert_eq!(fields.len(), 1, "a value has exactly one field");
                    l.values.push(match &fields[0] {
                        (1, w) => V::S(text(w)),
                        (2, Wire::Fixed32(v)) => V::F(f64::from(f32::from_bits(*v))),
                        (3, Wire::Fixed64(v)) => V::F(f64::from_bits(*v)),
                        (4 | 5, Wire::Varint(v)) => V::I(*v as i64),
                        (6, Wire::Varint(v)) => V::I(((*v >> 1) as i64) ^ -((*v & 1) as i64)),
                        (7, Wire::Varint(v)) => V::B(*v != 0),
                        _ => panic!("bad value"),
                    });
                }
                (2, Wire::Bytes(fb)) => {
                    let mut f = DFeature {
                        id: None,
                        kind: 0,
                        tags: vec![],
                        geometry: vec![],
                    };
                    for (num, w) in message(fb) {
                        match (num, &w) {
                            (1, Wire::Varint(v)) => f.id = Some(*v),
                            (2, _) => f.tags.extend(packed(&w)),
                            (3, Wire::Varint(v)) => f.kind = *v,
                            (4, _) => f.geometry.extend(packed(&w)),
                            _ => panic!("bad feature field {num}"),
                        }
                    }
                    l.features.push(f);
                }
                _ => panic!("bad layer field {num}"),
            }
        }
        assert_eq!(l.version, 2);
        layers.push(l);
    }
    layers
}

fn one_layer(tile: &Tile) -> DLayer {
    let mut layers = decode(&tile.bytes);
    assert_eq!(layers.len(), 1);
    let l = layers.remove(0);
    assert_eq!(l.features.len(), tile.features, "Tile.features");
    l
}

fn zz(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

/// The rings of a polygon feature (without closing points), strictly checked.
fn rings(f: &DFeature) -> Vec<Vec<[i32; 2]>> {
    assert_eq!(f.kind, 3, "polygon");
    let g = &f.geometry;
    let (mut i, mut cur, mut out) = (0, [0i32, 0], Vec::new());
    let step = |i: &mut usize, cur: &mut [i32; 2]| {
        cur[0] += zz(g[*i]);
        cur[1] += zz(g[*i + 1]);
        *i += 2;
        *cur
    };
    while i < g.len() {
        assert_eq!(
            (g[i] & 7, g[i] >> 3),
            (1, 1),
            "a ring starts with MoveTo(1): {g:?}"
        );
        i += 1;
        let mut ring = vec![step(&mut i, &mut cur)];
        let (id, n) = (g[i] & 7, g[i] >> 3);
        assert!(id == 2 && n >= 2, "LineTo(n ≥ 2) follows: {g:?}");
        i += 1;
        for _ in 0..n {
            ring.push(step(&mut i, &mut cur));
        }
        assert_eq!(g[i], 7 | (1 << 3), "ClosePath(1) ends a ring");
        i += 1;
        out.push(ring);
    }
    out
}

/// The points of a point feature.
fn points(f: &DFeature) -> Vec<[i32; 2]> {
    assert_eq!(f.kind, 1, "point");
    let g = &f.geometry;
    assert_eq!(g[0] & 7, 1);
    let n = (g[0] >> 3) as usize;
    assert_eq!(g.len(), 1 + 2 * n);
    let mut cur = [0, 0];
    (0..n)
        .map(|k| {
            cur[0] += zz(g[1 + 2 * k]);
            cur[1] += zz(g[2 + 2 * k]);
            cur
        })
        .collect()
}

/// Twice the area by the surveyor's formula in tile coordinates.
fn surveyor(ring: &[[i32; 2]]) -> i64 {
    (0..ring.len())
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

fn props(l: &DLayer, f: &DFeature) -> HashMap<String, V> {
    f.tags
        .chunks(2)
        .map(|kv| {
            (
                l.keys[kv[0] as usize].clone(),
                l.values[kv[1] as usize].clone(),
            )
        })
        .collect()
}

fn feature(l: &DLayer, id: u64) -> &DFeature {
    l.features
        .iter()
        .find(|f| f.id == Some(id))
        .unwrap_or_else(|| panic!("no feature {id}"))
}

// ---------------------------------------------------------------------------------------------
// Building test layers.

/// Jingdezhen's tile at z10 (117.2°E 29.3°N).
const JDZ: TileId = TileId {
    z: 10,
    x: 845,
    y: 424,
};

/// A ring given in tile units of `id` (extent 4096, y down), in Mercator.
fn ring_in(id: TileId, pts: &[(f64, f64)]) -> LineString<f64> {
    let [min_x, _, _, max_y] = id.mercator_bounds();
    let s = id.size_m() / 4096.0;
    pts.iter()
        .map(|&(x, y)| (min_x + x * s, max_y - y * s))
        .collect::<Vec<_>>()
        .into()
}

fn square(id: TileId, x0: f64, y0: f64, side: f64) -> Polygon<f64> {
    Polygon::new(
        ring_in(
            id,
            &[
                (x0, y0),
                (x0 + side, y0),
                (x0 + side, y0 + side),
                (x0, y0 + side),
            ],
        ),
        vec![],
    )
}

fn source(polys: Vec<Polygon<f64>>) -> TileSource {
    TileSource::from_mercator(
        "landuse",
        &[],
        polys
            .into_iter()
            .map(|p| (MultiPolygon(vec![p]), vec![]))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Tile math.

/// 117.2°E 29.3°N: z10 tile 845/424, at pixel (1511, 3146) of 4096; Mercator metres as PROJ
/// gives them for EPSG:4490 → EPSG:3857.
#[test]
fn tile_math_known_answer_jingdezhen() {
    assert_eq!(TileId::from_lonlat(117.2, 29.3, 10).unwrap(), JDZ);
    assert_eq!(
        TileId::from_lonlat(117.2, 29.3, 0).unwrap(),
        TileId::new(0, 0, 0).unwrap()
    );
    assert_eq!(
        TileId::from_lonlat(117.2, 29.3, 14).unwrap(),
        TileId {
            z: 14,
            x: 13525,
            y: 6796
        }
    );
    let (x, y) = lonlat_to_mercator(117.2, 29.3);
    assert!((x - 13_046_644.320_971_664).abs() < 1e-6, "{x}");
    assert!((y - 3_413_885.005_984_231).abs() < 1e-6, "{y}");
    let proj = crate::crs::Reprojector::new("EPSG:4490", "EPSG:3857").unwrap();
    let (px, py) = proj.point(117.2, 29.3).unwrap();
    assert!(
        (px - x).abs() < 1e-6 && (py - y).abs() < 1e-6,
        "PROJ {px} {py}"
    );
    let (lon, lat) = mercator_to_lonlat(x, y);
    assert!((lon - 117.2).abs() < 1e-12 && (lat - 29.3).abs() < 1e-12);

    let [a, b, c, d] = TileId::new(0, 0, 0).unwrap().mercator_bounds();
    assert!((a + 20_037_508.342_789_244).abs() < 1e-6 && (d - 20_037_508.342_789_244).abs() < 1e-6);
    assert!((c + a).abs() < 1e-6 && (b + d).abs() < 1e-6);
    let [w, s, e, n] = JDZ.lonlat_bounds();
    assert!(w < 117.2 && 117.2 < e && s < 29.3 && 29.3 < n);

    let p = TilePoint {
        id: Some(1),
        lon: 117.2,
        lat: 29.3,
        props: vec![],
    };
    let t = points_tile("clues", &[p], JDZ, &TileOptions::default());
    assert_eq!(points(&one_layer(&t).features[0]), vec![[1511, 3146]]);

    assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
    assert!(TileId::new(23, 0, 0).is_err());
    assert!(TileId::new(10, 1024, 0).is_err());
    assert!(TileId::new(10, 0, 1024).is_err());
    assert!(TileId::new(0, 1, 0).is_err());
    let err = TileId::new(3, 8, 0).unwrap_err();
    assert_eq!(err.kind(), crate::error::ErrorKind::NotFound);
    assert_eq!(JDZ.to_string(), "10/845/424");
}

// ---------------------------------------------------------------------------------------------
// Polygons.

/// A source is built once and shared by the request handlers.
#[test]
fn tile_source_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<TileSource>();
}

/// A polygon three tiles wide comes back as exactly the buffered tile square; an empty tile
/// still carries its layer.
#[test]
fn polygon_larger_than_the_tile_is_clipped_to_the_buffer() {
    let src = source(vec![square(JDZ, -8192.0, -8192.0, 3.0 * 4096.0 + 100.0)]);
    let t = src.tile(JDZ, &TileOptions::default());
    let l = one_layer(&t);
    assert_eq!((l.name.as_str(), l.extent), ("landuse", 4096));
    assert_eq!(t.features, 1);
    let r = rings(&l.features[0]);
    assert_eq!(r.len(), 1);
    for p in &r[0] {
        assert!(
            (-64..=4160).contains(&p[0]) && (-64..=4160).contains(&p[1]),
            "{p:?}"
        );
    }
    let mut corners = r[0].clone();
    corners.sort_unstable();
    assert_eq!(
        corners,
        vec![[-64, -64], [-64, 4160], [4160, -64], [4160, 4160]]
    );
    assert_eq!(t.vertices, 4);

    // A tile far away: no feature, the layer is still there.
    let far = TileId::new(10, 100, 100).unwrap();
    let t = src.tile(far, &TileOptions::default());
    assert_eq!(t.features, 0);
    assert_eq!(one_layer(&t).name, "landuse");
}

/// A rectangle across the seam of two neighbour tiles is in both, each time cut at the
/// buffer, with the same feature id.
#[test]
fn feature_crossing_two_neighbour_tiles_appears_in_both() {
    let right = TileId {
        x: JDZ.x + 1,
        ..JDZ
    };
    let below = TileId {
        y: JDZ.y + 1,
        ..JDZ
    };
    let src = source(vec![
        square(JDZ, 100.0, 100.0, 50.0), // only in JDZ
        Polygon::new(
            ring_in(
                JDZ,
                &[
                    (3000.0, 1000.0),
                    (5096.0, 1000.0),
                    (5096.0, 2000.0),
                    (3000.0, 2000.0),
                ],
            ),
            vec![],
        ),
    ]);
    let opts = TileOptions::default();
    let (a, b) = (
        one_layer(&src.tile(JDZ, &opts)),
        one_layer(&src.tile(right, &opts)),
    );
    assert_eq!(a.features.len(), 2);
    assert_eq!(b.features.len(), 1);
    let ra = rings(feature(&a, 2));
    let rb = rings(feature(&b, 2));
    let xs = |r: &Vec<Vec<[i32; 2]>>| {
        let v: Vec<i32> = r[0].iter().map(|p| p[0]).collect();
        (*v.iter().min().unwrap(), *v.iter().max().unwrap())
    };
    assert_eq!(xs(&ra), (3000, 4160));
    assert_eq!(xs(&rb), (-64, 1000));
    for r in [&ra[0], &rb[0]] {
        let mut ys: Vec<i32> = r.iter().map(|p| p[1]).collect();
        ys.sort_unstable();
        ys.dedup();
        assert_eq!(ys, vec![1000, 2000]);
    }
    assert_eq!(src.tile(below, &opts).features, 0);
}

/// One pixel is 16 units at extent 4096: a 0.3-pixel zigzag along an edge is simplified away,
/// a 3-pixel bump stays.
#[test]
fn simplification_removes_a_sub_pixel_wiggle_and_keeps_a_three_pixel_bump() {
    let px = 16.0;
    let edge = |amp: f64| -> Vec<(f64, f64)> {
        let mut top: Vec<(f64, f64)> = vec![(1000.0, 1000.0)];
        for k in 1..40 {
            let y = if k % 2 == 0 {
                1000.0
            } else {
                1000.0 - amp * px
            };
            top.push((1000.0 + 50.0 * f64::from(k), y));
        }
        top.extend([(3000.0, 1000.0), (3000.0, 3000.0), (1000.0, 3000.0)]);
        top
    };
    let wiggle = Polygon::new(ring_in(JDZ, &edge(0.3)), vec![]);
    let mut bump_pts = vec![
        (1000.0, 1000.0),
        (1950.0, 1000.0),
        (2000.0, 1000.0 - 3.0 * px),
    ];
    bump_pts.extend([
        (2050.0, 1000.0),
        (3000.0, 1000.0),
        (3000.0, 3000.0),
        (1000.0, 3000.0),
    ]);
    let bump = Polygon::new(ring_in(JDZ, &bump_pts), vec![]);
    // The same wiggle at 3 pixels survives too.
    let big_wiggle = Polygon::new(ring_in(JDZ, &edge(3.0)), vec![]);
    let src = source(vec![wiggle, bump, big_wiggle]);
    let opts = TileOptions::default();
    let l = one_layer(&src.tile(JDZ, &opts));

    let w = rings(feature(&l, 1));
    let mut corners = w[0].clone();
    corners.sort_unstable();
    assert_eq!(
        corners,
        vec![[1000, 1000], [1000, 3000], [3000, 1000], [3000, 3000]]
    );

    let b = &rings(feature(&l, 2))[0];
    assert!(b.contains(&[2000, 952]), "the bump's apex stays: {b:?}");
    assert!(b.len() >= 6, "{b:?}");

    let bw = &rings(feature(&l, 3))[0];
    assert!(
        bw.len() > 40,
        "a 3-pixel zigzag keeps its teeth: {}",
        bw.len()
    );

    // Without simplification the wiggle's points are all there (the test can fail).
    let raw = TileOptions {
        simplify_px: 0.0,
        ..opts
    };
    let l = one_layer(&src.tile(JDZ, &raw));
    assert!(rings(feature(&l, 1))[0].len() > 40);
}

/// A 5 m square is below a pixel at z8 (611 m) and dropped, counted in `dropped_small`; at z16
/// (2.4 m a pixel) it is drawn.
#[test]
fn a_five_metre_square_is_dropped_at_z8_and_kept_at_z16() {
    let (x, y) = lonlat_to_mercator(117.2, 29.3);
    let five = Polygon::new(
        vec![(x, y), (x + 5.0, y), (x + 5.0, y + 5.0), (x, y + 5.0)].into(),
        vec![],
    );
    let big = Polygon::new(
        vec![
            (x, y),
            (x + 2000.0, y),
            (x + 2000.0, y - 2000.0),
            (x, y - 2000.0),
        ]
        .into(),
        vec![],
    );
    let src = source(vec![five, big]);
    let opts = TileOptions::default();
    let z8 = TileId::from_lonlat(117.2, 29.3, 8).unwrap();
    let t = src.tile(z8, &opts);
    assert_eq!((t.features, t.dropped_small), (1, 1));
    let l = one_layer(&t);
    assert_eq!(l.features[0].id, Some(2), "the 2 km square stays at z8");

    let (lon, lat) = mercator_to_lonlat(x + 2.5, y + 2.5);
    let z16 = TileId::from_lonlat(lon, lat, 16).unwrap();
    let t = src.tile(z16, &opts);
    assert_eq!(t.dropped_small, 0);
    let l = one_layer(&t);
    let r = rings(feature(&l, 1));
    assert_eq!(r[0].len(), 4);
    let width = r[0].iter().map(|p| p[0]).max().unwrap() - r[0].iter().map(|p| p[0]).min().unwrap();
    assert!(
        (33..=35).contains(&width),
        "5 m = 2.09 px = 33.5 units: {width}"
    );

    // A 1.2 m square is half a pixel at z16: dropped by its box, though snapping alone would
    // keep it (8 tile units across), as it does with the threshold off.
    let half = Polygon::new(
        vec![(x, y), (x + 1.2, y), (x + 1.2, y + 1.2), (x, y + 1.2)].into(),
        vec![],
    );
    let src_half = source(vec![half]);
    let t = src_half.tile(z16, &opts);
    assert_eq!((t.features, t.dropped_small), (0, 1));
    let t = src_half.tile(
        z16,
        &TileOptions {
            min_feature_px: 0.0,
            ..opts
        },
    );
    assert_eq!((t.features, t.dropped_small), (1, 0));

    // With the threshold off, z8 still loses the 5 m square: it snaps to one point (counted).
    let keep_all = TileOptions {
        min_feature_px: 0.0,
        ..opts
    };
    let t = src.tile(z8, &keep_all);
    assert_eq!(t.dropped_small + t.features, 2);
}

/// The vertex cap: the largest feature (a 20-gon) and the next two largest of ten squares
/// (4 vertices each) fit in 30 vertices; the next square does not, and it and the seven
/// smaller ones are counted.
#[test]
fn vertex_cap_keeps_the_largest_features_and_counts_the_rest() {
    let mut polys: Vec<Polygon<f64>> = (0..10)
        .map(|k| {
            square(
                JDZ,
                100.0 + 350.0 * f64::from(k),
                500.0,
                100.0 + 20.0 * f64::from(k),
            )
        })
        .collect();
    let gon: Vec<(f64, f64)> = (0..20)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k) / 20.0;
            (2048.0 + 1500.0 * a.cos(), 2500.0 + 1500.0 * a.sin())
        })
        .collect();
    polys.push(Polygon::new(ring_in(JDZ, &gon), vec![]));
    let src = source(polys);
    let t = src.tile(JDZ, &TileOptions::default());
    assert_eq!((t.features, t.vertices, t.dropped_over_cap), (11, 60, 0));

    let capped = TileOptions {
        max_vertices: 30,
        ..TileOptions::default()
    };
    let t = src.tile(JDZ, &capped);
    assert_eq!((t.features, t.vertices, t.dropped_over_cap), (3, 28, 8));
    let l = one_layer(&t);
    let ids: Vec<u64> = l.features.iter().map(|f| f.id.unwrap()).collect();
    assert_eq!(ids, vec![9, 10, 11], "the largest, in layer order");
}

/// The byte cap: each square carries a 200-byte note of its own; with room for about three,
/// the largest are drawn, the tile stays under the cap, and the rest are counted. The cap holds
/// for any size (the encoded tile is checked), and for points too.
#[test]
fn byte_cap_keeps_the_largest_features_under_the_cap() {
    let feats = (0..10)
        .map(|k| {
            let side = 100.0 + 20.0 * f64::from(k);
            let g = square(JDZ, 100.0 + 350.0 * f64::from(k), 500.0, side);
            (
                MultiPolygon(vec![g]),
                vec![format!("{k}{}", "注".repeat(66))],
            )
        })
        .collect();
    let src = TileSource::from_mercator("landuse", &["NOTE"], feats);
    let all = src.tile(JDZ, &TileOptions::default());
    assert_eq!(all.features, 10);
    let per_feature = all.bytes.len() / 10;
    let max_bytes = 3 * per_feature + 30;
    let t = src.tile(
        JDZ,
        &TileOptions {
            max_bytes,
            ..TileOptions::default()
        },
    );
    assert!(
        t.bytes.len() <= max_bytes,
        "{} > {max_bytes}",
        t.bytes.len()
    );
    assert_eq!(t.features, 3, "the estimate is close");
    assert_eq!(t.dropped_over_cap, 7);
    let l = one_layer(&t);
    let ids: Vec<u64> = l.features.iter().map(|f| f.id.unwrap()).collect();
    assert_eq!(ids, vec![8, 9, 10], "the largest");
    for max_bytes in (0..all.bytes.len() + 50).step_by(7) {
        let opts = TileOptions {
            max_bytes,
            ..TileOptions::default()
        };
        let t = src.tile(JDZ, &opts);
        assert!(
            t.bytes.len() <= max_bytes.max(one_layer_len()),
            "{max_bytes}: {}",
            t.bytes.len()
        );
        assert_eq!(t.features + t.dropped_over_cap, 10);
        assert_eq!(one_layer(&t).features.len(), t.features);
    }

    // Points obey it too, and keep the caller's order.
    let pts: Vec<TilePoint> = (0..50)
        .map(|k| TilePoint {
            id: Some(k),
            lon: 117.2,
            lat: 29.3,
            props: vec![(
                "note".into(),
                TileValue::Str(format!("{k}{}", "注".repeat(66))),
            )],
        })
        .collect();
    let t = points_tile(
        "clues",
        &pts,
        JDZ,
        &TileOptions {
            max_bytes: 2000,
            ..TileOptions::default()
        },
    );
    assert!(
        t.bytes.len() <= 2000 && t.features >= 8,
        "{} bytes, {}",
        t.bytes.len(),
        t.features
    );
    assert_eq!(t.features + t.dropped_over_cap, 50);
    let ids: Vec<u64> = one_layer(&t)
        .features
        .iter()
        .map(|f| f.id.unwrap())
        .collect();
    assert_eq!(ids, (0..t.features as u64).collect::<Vec<_>>());
}

/// The bytes of the empty `landuse` layer with its one key, which no cap goes below.
fn one_layer_len() -> usize {
    TileSource::from_mercator("landuse", &["NOTE"], vec![])
        .tile(JDZ, &TileOptions::default())
        .bytes
        .len()
}

/// Exterior rings come out with positive surveyor's area in tile coordinates (clockwise on
/// screen), holes negative, whatever the orientation they came in with.
#[test]
fn winding_exterior_positive_hole_negative() {
    let outer = [
        (1000.0, 1000.0),
        (3000.0, 1000.0),
        (3000.0, 3000.0),
        (1000.0, 3000.0),
    ];
    let inner = [
        (1500.0, 1500.0),
        (2500.0, 1500.0),
        (2500.0, 2500.0),
        (1500.0, 2500.0),
    ];
    let rev = |p: &[(f64, f64)]| p.iter().rev().copied().collect::<Vec<_>>();
    let a = Polygon::new(ring_in(JDZ, &outer), vec![ring_in(JDZ, &inner)]);
    let b = Polygon::new(ring_in(JDZ, &rev(&outer)), vec![ring_in(JDZ, &rev(&inner))]);
    let src = source(vec![a, b]);
    let l = one_layer(&src.tile(JDZ, &TileOptions::default()));
    for f in &l.features {
        let r = rings(f);
        assert_eq!(r.len(), 2);
        assert_eq!(surveyor(&r[0]), 2 * 2000 * 2000, "exterior");
        assert_eq!(surveyor(&r[1]), -2 * 1000 * 1000, "hole");
    }
}

/// A hole that simplification collapses is dropped, the exterior stays; a hole clipped away
/// with its part of the exterior is gone.
#[test]
fn holes_that_collapse_or_leave_the_tile_are_dropped() {
    let outer = ring_in(
        JDZ,
        &[(0.0, 0.0), (8000.0, 0.0), (8000.0, 3000.0), (0.0, 3000.0)],
    );
    let tiny = ring_in(JDZ, &[(1000.0, 1000.0), (1000.2, 1000.0), (1000.2, 1000.2)]);
    let away = ring_in(JDZ, &[(6000.0, 1000.0), (7000.0, 1000.0), (7000.0, 2000.0)]);
    let kept = ring_in(JDZ, &[(2000.0, 1000.0), (2400.0, 1000.0), (2400.0, 1400.0)]);
    let src = source(vec![Polygon::new(outer, vec![tiny, away, kept])]);
    let l = one_layer(&src.tile(JDZ, &TileOptions::default()));
    let r = rings(&l.features[0]);
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(surveyor(&r[1]) < 0);
    assert!(r[1].contains(&[2400, 1400]));
}

/// Every ring of a multipolygon starts with its own MoveTo, also when it starts where the
/// previous ring ended (the `mvt` encoder would drop that MoveTo; we rotate the ring).
#[test]
fn each_ring_starts_with_move_to_when_rings_touch() {
    let mut w = encode::LayerWriter::new("t", 4096);
    let pts = [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
        [0, 10],
        [0, 20],
        [-10, 20],
        [-10, 10],
    ];
    assert!(w.polygon(&pts, &[0..4, 4..8], 7, std::iter::empty()));
    let bytes = w.finish();
    let l = &decode(&bytes)[0];
    let r = rings(&l.features[0]);
    assert_eq!(r.len(), 2);
    assert_eq!(surveyor(&r[0]), 200);
    assert_eq!(surveyor(&r[1]), 200);
    let mut second = r[1].clone();
    second.sort_unstable();
    assert_eq!(second, vec![[-10, 10], [-10, 20], [0, 10], [0, 20]]);
}

/// What the workaround above is for: `mvt` 0.15 leaves out the MoveTo of a ring whose first
/// point is the previous ring's last. If this starts failing after an upgrade of `mvt`, the
/// rotation in `encode::polygon_geometry` may go.
#[test]
fn mvt_encoder_leaves_out_the_move_to_of_a_ring_starting_where_the_last_ended() {
    let mut enc = mvt::GeomEncoder::<i32>::new(mvt::GeomType::Polygon);
    for p in [[0, 0], [10, 0], [10, 10], [0, 10]] {
        enc.add_point(p[0], p[1]).unwrap();
    }
    enc.complete_geom().unwrap();
    for p in [[0, 10], [0, 20], [-10, 20], [-10, 10]] {
        enc.add_point(p[0], p[1]).unwrap();
    }
    let geom = enc.encode().unwrap();
    let tile = mvt::Tile::new(4096);
    let layer = tile.create_layer("t").into_feature(geom).into_layer();
    let mut tile = tile;
    tile.add_layer(layer).unwrap();
    let l = &decode(&tile.to_bytes().unwrap())[0];
    let g = &l.features[0].geometry;
    // MoveTo(1) x y LineTo(3) 6 params ClosePath, then the second ring:
    assert_eq!(g[10], 7 | 8);
    assert_eq!(
        g[11] & 7,
        2,
        "upstream: the second ring starts with LineTo: {g:?}"
    );
}

/// Attributes: numbers where every value of the field is plainly one, strings otherwise (a
/// land-class code keeps its leading zero); empty values are left out. TileJSON names the
/// fields and the layer's lon/lat box.
#[test]
fn attributes_and_tilejson() {
    let src = TileSource::from_mercator(
        "landuse",
        &["DLBM", "AREA", "NOTE", "BSM"],
        vec![
            (
                MultiPolygon(vec![square(JDZ, 100.0, 100.0, 500.0)]),
                vec![
                    "0101".into(),
                    "12.5".into(),
                    "水田".into(),
                    "3602220001".into(),
                ],
            ),
            (
                MultiPolygon(vec![square(JDZ, 1000.0, 100.0, 500.0)]),
                vec![
                    "1001".into(),
                    " 3 ".into(),
                    String::new(),
                    "3602220002".into(),
                ],
            ),
        ],
    );
    assert_eq!(
        src.fields(),
        vec![
            ("DLBM".to_string(), FieldKind::String),
            ("AREA".to_string(), FieldKind::Number),
            ("NOTE".to_string(), FieldKind::String),
            ("BSM".to_string(), FieldKind::Number),
        ]
    );
    let l = one_layer(&src.tile(JDZ, &TileOptions::default()));
    let p1 = props(&l, feature(&l, 1));
    assert_eq!(p1["DLBM"], V::S("0101".into()));
    assert_eq!(p1["AREA"], V::F(12.5));
    assert_eq!(p1["NOTE"], V::S("水田".into()));
    assert_eq!(p1["BSM"], V::I(3_602_220_001));
    let p2 = props(&l, feature(&l, 2));
    assert_eq!(p2["DLBM"], V::S("1001".into()));
    assert_eq!(p2["AREA"], V::I(3));
    assert!(!p2.contains_key("NOTE"));

    let tj = src.tilejson("https://example.invalid/tiles/landuse/{z}/{x}/{y}", 8, 18);
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "https://example.invalid/tiles/landuse/{z}/{x}/{y}"
    );
    assert_eq!(
        (tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()),
        (Some(8), Some(18))
    );
    assert_eq!(tj["vector_layers"][0]["id"], "landuse");
    assert_eq!(tj["vector_layers"][0]["fields"]["DLBM"], "String");
    assert_eq!(tj["vector_layers"][0]["fields"]["AREA"], "Number");
    let b: Vec<f64> = tj["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let [w, s, e, n] = JDZ.lonlat_bounds();
    let px = (e - w) / 4096.0;
    assert!((b[0] - (w + 100.0 * px)).abs() < 1e-9, "{b:?}");
    assert!((b[2] - (w + 1500.0 * px)).abs() < 1e-9, "{b:?}");
    assert!(b[1] > s && b[3] < n && b[1] < b[3]);
    let c = tj["center"].as_array().unwrap();
    assert!((8.0..=18.0).contains(&c[2].as_f64().unwrap()));
}

/// A layer loaded in the working CRS (EPSG:4527) is converted to Web Mercator: its box is the
/// lon/lat it was given in, and a z16 tile draws its corners where Web Mercator puts them
/// (clipped to the buffer where they lie outside).
#[test]
fn build_from_a_layer_in_the_working_crs() {
    use crate::config::Config;
    use crate::formats::{FeatureTable, RawFeature};
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("l.geojson"), "{}").unwrap();
    let text = "working_crs = \"EPSG:4527\"\n[[layer]]\nname = \"basic_farmland\"\npath = \"l.geojson\"\nrule = \"forbid\"\ncrs = \"EPSG:4490\"\n";
    let config = Config::parse(text, &d.path().join("p.toml")).unwrap();
    let (lon0, lat0, dl) = (117.2, 29.3, 0.001);
    let poly = polygon![
        (x: lon0, y: lat0), (x: lon0 + dl, y: lat0), (x: lon0 + dl, y: lat0 + dl), (x: lon0, y: lat0 + dl),
    ];
    let table = FeatureTable {
        crs: Some("EPSG:4490".into()),
        fields: vec!["BSM".into(), "DLBM".into()],
        features: vec![RawFeature {
            geometry: geo::Geometry::Polygon(poly),
            values: vec!["1".into(), "0101".into()],
        }],
        encoding: None,
    };
    let layer =
        crate::layer::Layer::from_table(&config.layers[0], table, "EPSG:4527", "x".into()).unwrap();
    let src = TileSource::build(&layer, "EPSG:4527").unwrap();
    assert_eq!((src.name(), src.len()), ("basic_farmland", 1));
    let [w, s, e, n] = src.bounds_lonlat();
    for (got, want) in [(w, lon0), (s, lat0), (e, lon0 + dl), (n, lat0 + dl)] {
        assert!((got - want).abs() < 1e-8, "{got} vs {want}");
    }
    let id = TileId::from_lonlat(lon0 + dl / 2.0, lat0 + dl / 2.0, 16).unwrap();
    let l = one_layer(&src.tile(id, &TileOptions::default()));
    let r = rings(&l.features[0]);
    let frame = mercator::Frame::new(id, 4096);
    for (lon, lat) in [(lon0, lat0), (lon0 + dl, lat0 + dl)] {
        let (mx, my) = lonlat_to_mercator(lon, lat);
        let [tx, ty] = frame.tile_units(mx, my);
        // A corner outside the tile is where the clip to the buffer put it.
        let want = [
            tx.round().clamp(-64.0, 4160.0) as i32,
            ty.round().clamp(-64.0, 4160.0) as i32,
        ];
        let near = r[0]
            .iter()
            .any(|p| (p[0] - want[0]).abs() <= 1 && (p[1] - want[1]).abs() <= 1);
        assert!(near, "{want:?} in {r:?}");
    }
    assert_eq!(props(&l, &l.features[0])["DLBM"], V::S("0101".into()));
}

// ---------------------------------------------------------------------------------------------
// Points.

fn pt(id: u64, lon: f64, lat: f64, county: &str) -> TilePoint {
    TilePoint {
        id: Some(id),
        lon,
        lat,
        props: vec![
            ("county".into(), TileValue::Str(county.into())),
            ("days".into(), TileValue::Int(-3)),
            ("area".into(), TileValue::Float(2.5)),
            ("focus".into(), TileValue::Bool(true)),
        ],
    }
}

/// A point lands in its tile at its pixel, with its properties; in the neighbour tile it is
/// absent, unless it lies within the neighbour's buffer.
#[test]
fn points_tile_puts_a_point_in_the_right_tile_at_the_right_pixel() {
    let opts = TileOptions::default();
    let jdz = pt(1, 117.2, 29.3, "360222");
    // 10 tile units east of JDZ's east edge: in the buffer of JDZ, inside its east neighbour.
    let [_, _, max_x, _] = JDZ.mercator_bounds();
    let (_, my) = lonlat_to_mercator(117.2, 29.3);
    let (lon, lat) = mercator_to_lonlat(max_x + 10.0 * JDZ.size_m() / 4096.0, my);
    let seam = pt(2, lon, lat, "360222");
    let pts = vec![jdz, seam];
    let t = points_tile("clues", &pts, JDZ, &opts);
    assert_eq!((t.features, t.vertices), (2, 2));
    let l = one_layer(&t);
    assert_eq!(l.name, "clues");
    assert_eq!(points(feature(&l, 1)), vec![[1511, 3146]]);
    assert_eq!(points(feature(&l, 2)), vec![[4106, 3146]]);
    let p = props(&l, feature(&l, 1));
    assert_eq!(p["county"], V::S("360222".into()));
    assert_eq!(p["days"], V::I(-3));
    assert_eq!(p["area"], V::F(2.5));
    assert_eq!(p["focus"], V::B(true));

    let east = TileId {
        x: JDZ.x + 1,
        ..JDZ
    };
    let l = one_layer(&points_tile("clues", &pts, east, &opts));
    assert_eq!(l.features.len(), 1, "only the seam point");
    assert_eq!(points(feature(&l, 2)), vec![[10, 3146]]);
    let no_buffer = TileOptions { buffer: 0, ..opts };
    let l = one_layer(&points_tile("clues", &pts, JDZ, &no_buffer));
    assert_eq!(
        l.features.len(),
        1,
        "without a buffer the seam point is only east"
    );

    let far = TileId::new(10, 800, 400).unwrap();
    assert_eq!(points_tile("clues", &pts, far, &opts).features, 0);

    let capped = TileOptions {
        max_vertices: 1,
        ..opts
    };
    let t = points_tile("clues", &pts, JDZ, &capped);
    assert_eq!((t.features, t.dropped_over_cap), (1, 1));

    assert_eq!(
        point_fields(&pts),
        vec![
            ("county".to_string(), FieldKind::String),
            ("days".to_string(), FieldKind::Number),
            ("area".to_string(), FieldKind::Number),
            ("focus".to_string(), FieldKind::Boolean),
        ]
    );
}

/// County scope is the caller's filter: of two issues in one tile, in 浮梁县 (360222) and 乐平市
/// (360281), a token scoped to 360222 gets a tile with only its own.
#[test]
fn county_scope_only_the_filtered_points_are_encoded() {
    let all = vec![
        pt(1, 117.21, 29.31, "360222"),
        pt(2, 117.22, 29.29, "360281"),
    ];
    let opts = TileOptions::default();
    assert_eq!(points_tile("ledger", &all, JDZ, &opts).features, 2);
    let scoped: Vec<TilePoint> = all
        .iter()
        .filter(|p| {
            p.props
                .iter()
                .any(|(k, v)| k == "county" && *v == TileValue::Str("360222".into()))
        })
        .cloned()
        .collect();
    let l = one_layer(&points_tile("ledger", &scoped, JDZ, &opts));
    assert_eq!(l.features.len(), 1);
    assert_eq!(l.features[0].id, Some(1));
    assert_eq!(props(&l, &l.features[0])["county"], V::S("360222".into()));
    assert!(
        !l.values.contains(&V::S("360281".into())),
        "nothing of the other county"
    );
}

// ---------------------------------------------------------------------------------------------
// Timing (not run by default): `cargo test --release -p redline-core --lib tiles -- --ignored
// --nocapture`.

/// 300 000 land-use polygons over a county (60 × 50 km around Jingdezhen, 8–40 vertices,
/// 30–600 m across), and one 20 000-vertex outline: build time and z10/z12/z14 tiles.
#[test]
#[ignore = "timing; run with --release --ignored --nocapture"]
fn timing_dense_county_layer() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let (cx, cy) = lonlat_to_mercator(117.2, 29.3);
    let (w, h) = (60_000.0 * 1.15, 50_000.0 * 1.15); // Mercator metres ≈ ground / cos(lat)
    let mut polys = Vec::with_capacity(300_001);
    for _ in 0..300_000 {
        let (x, y) = (cx + (rnd() - 0.5) * w, cy + (rnd() - 0.5) * h);
        let r = 15.0 * (rnd() * 3.0).exp();
        let n = 8 + (rnd() * 32.0) as usize;
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / n as f64;
                let rr = r * (0.7 + 0.3 * rnd());
                (x + rr * a.cos(), y + rr * a.sin())
            })
            .collect();
        polys.push(Polygon::new(ring.into(), vec![]));
    }
    let outline: Vec<(f64, f64)> = (0..20_000)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k) / 20_000.0;
            let rr = 30_000.0 * (1.0 + 0.05 * (a * 40.0).sin());
            (cx + rr * a.cos(), cy + rr * a.sin())
        })
        .collect();
    polys.push(Polygon::new(outline.into(), vec![]));
    let feats: Vec<(MultiPolygon<f64>, Vec<String>)> = polys
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            (
                MultiPolygon(vec![p]),
                vec![format!("{:04}", 101 + i % 12), (i + 1).to_string()],
            )
        })
        .collect();
    let t0 = std::time::Instant::now();
    let src = TileSource::from_mercator("landuse", &["DLBM", "BSM"], feats);
    println!(
        "index + columns of {} features: {:?}",
        src.len(),
        t0.elapsed()
    );
    let opts = TileOptions::default();
    for z in [10u8, 12, 14] {
        let id = TileId::from_lonlat(117.2, 29.3, z).unwrap();
        let _ = src.tile(id, &opts); // warm
        let t0 = std::time::Instant::now();
        let runs = 5;
        let mut t = Tile::default();
        for _ in 0..runs {
            t = src.tile(id, &opts);
        }
        assert!(t.bytes.len() <= opts.max_bytes);
        println!(
            "z{z} {id}: {:?} per tile, {} bytes, {} features, {} vertices, dropped small {}, over cap {}",
            t0.elapsed() / runs,
            t.bytes.len(),
            t.features,
            t.vertices,
            t.dropped_small,
            t.dropped_over_cap
        );
    }
}
