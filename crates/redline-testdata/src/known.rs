//! The known-answer block: a 400 m × 200 m piece of 高岭村 (浮梁县) where every layer feature and
//! every test parcel is an axis-aligned rectangle in EPSG:4527, so every expected area is
//! width × height, worked by hand below (and in `fixtures/review/EXPECTED.md`).
//!
//! Local coordinates `(u, v)` are metres east and north of the block origin
//! ([`ORIGIN_E`], [`ORIGIN_N`]); world = origin + local.
//!
//! ```text
//!  v=200 ┌──────┬────┬──────────┬──────────┬──────────┬──────────┐
//!        │ 1201 │1006│  0201K   │   0101   │  1104A   │   0302   │
//!        │空闲地│道路│ 果园(K)  │ 水田 JBNT3│  坑塘(A) │  竹林地  │
//!  v=100 ├──────┴────┼─────┬────┼──────────┼──────────┼──────────┤
//!        │   0702    │0103 │0103│   0101   │   0301   │   0404   │
//!        │  宅基地   │ 旱地│JBNT1│ 水田 JBNT2│乔木林 红线│草地 灾害 │
//!  v=0   └───────────┴─────┴────┴──────────┴──────────┴──────────┘
//!        u=0        100   104  160        220        300        400
//! ```

use crate::markdown::MdTable;
use crate::GENERATOR;

/// Easting of the block origin in EPSG:4527 (zone 39 prefix included).
pub const ORIGIN_E: f64 = 39_530_112.35;
/// Northing of the block origin in EPSG:4527.
pub const ORIGIN_N: f64 = 3_270_045.62;
/// The village of the block (高岭村, famous for kaolin).
pub const VILLAGE: &str = "高岭村";

/// An axis-aligned rectangle in local block coordinates (metres).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub u0: f64,
    pub v0: f64,
    pub u1: f64,
    pub v1: f64,
}

/// Shorthand for a [`Rect`].
pub const fn r(u0: f64, v0: f64, u1: f64, v1: f64) -> Rect {
    Rect { u0, v0, u1, v1 }
}

impl Rect {
    /// Width × height.
    pub fn area(&self) -> f64 {
        (self.u1 - self.u0) * (self.v1 - self.v0)
    }

    /// The area shared with another rectangle.
    pub fn overlap(&self, o: &Rect) -> f64 {
        let w = self.u1.min(o.u1) - self.u0.max(o.u0);
        let h = self.v1.min(o.v1) - self.v0.max(o.v0);
        if w > 0.0 && h > 0.0 {
            w * h
        } else {
            0.0
        }
    }

    /// The corners in world coordinates (easting, northing), counter-clockwise from the
    /// south-west corner, closed.
    pub fn world_ring(&self) -> Vec<(f64, f64)> {
        [
            (self.u0, self.v0),
            (self.u1, self.v0),
            (self.u1, self.v1),
            (self.u0, self.v1),
            (self.u0, self.v0),
        ]
        .iter()
        .map(|(u, v)| (ORIGIN_E + u, ORIGIN_N + v))
        .collect()
    }
}

/// One designed layer feature: id (BSM), attribute values after the id, rectangle.
#[derive(Clone, Debug)]
pub struct DesignFeature {
    pub bsm: &'static str,
    pub attrs: Vec<&'static str>,
    pub rect: Rect,
}

fn f(bsm: &'static str, attrs: &[&'static str], rect: Rect) -> DesignFeature {
    DesignFeature {
        bsm,
        attrs: attrs.to_vec(),
        rect,
    }
}

/// Land-use cells (三调): attrs = DLBM, DLMC. They tile the block [0,400] × [0,200] exactly.
pub fn landuse() -> Vec<DesignFeature> {
    vec![
        f(
            "DL-KA-01",
            &["0702", "农村宅基地"],
            r(0.0, 0.0, 100.0, 100.0),
        ),
        f("DL-KA-02", &["0103", "旱地"], r(100.0, 0.0, 160.0, 100.0)),
        f("DL-KA-03", &["0101", "水田"], r(160.0, 0.0, 220.0, 100.0)),
        f(
            "DL-KA-04",
            &["0301", "乔木林地"],
            r(220.0, 0.0, 300.0, 100.0),
        ),
        f(
            "DL-KA-05",
            &["0404", "其他草地"],
            r(300.0, 0.0, 400.0, 100.0),
        ),
        f("DL-KA-06", &["1201", "空闲地"], r(0.0, 100.0, 60.0, 200.0)),
        f(
            "DL-KA-07",
            &["1006", "农村道路"],
            r(60.0, 100.0, 100.0, 200.0),
        ),
        f(
            "DL-KA-08",
            &["0201K", "可调整果园"],
            r(100.0, 100.0, 160.0, 200.0),
        ),
        f("DL-KA-09", &["0101", "水田"], r(160.0, 100.0, 220.0, 200.0)),
        f(
            "DL-KA-10",
            &["1104A", "养殖坑塘"],
            r(220.0, 100.0, 300.0, 200.0),
        ),
        f(
            "DL-KA-11",
            &["0302", "竹林地"],
            r(300.0, 100.0, 400.0, 200.0),
        ),
    ]
}

/// Permanent basic farmland: attrs = DLBM, ZLDWMC.
pub fn farmland() -> Vec<DesignFeature> {
    vec![
        f("JBNT-KA-1", &["0103", VILLAGE], r(104.0, 0.0, 160.0, 100.0)),
        f("JBNT-KA-2", &["0101", VILLAGE], r(160.0, 0.0, 220.0, 100.0)),
        f(
            "JBNT-KA-3",
            &["0101", VILLAGE],
            r(160.0, 100.0, 220.0, 200.0),
        ),
    ]
}

/// Ecological protection red line: attrs = HXMC.
pub fn redline() -> Vec<DesignFeature> {
    vec![f(
        "HX-KA-1",
        &["高岭水源涵养生态保护红线"],
        r(240.0, 20.0, 280.0, 80.0),
    )]
}

/// Geological-hazard area (written in lon/lat): attrs = ZHLX.
pub fn hazard() -> Vec<DesignFeature> {
    vec![f("ZH-KA-1", &["滑坡"], r(320.0, 20.0, 380.0, 80.0))]
}

/// Planned construction areas of the village plan: attrs = CZMC.
pub fn village_plan() -> Vec<DesignFeature> {
    vec![
        f("GH-KA-1", &[VILLAGE], r(0.0, 0.0, 110.0, 100.0)),
        f("GH-KA-2", &[VILLAGE], r(300.0, 0.0, 400.0, 100.0)),
    ]
}

/// Registered homesteads: attrs = QLR (owner).
pub fn homesteads() -> Vec<DesignFeature> {
    vec![
        f("ZJD-KA-1", &["王建国"], r(40.0, 25.0, 52.0, 37.0)),
        f("ZJD-KA-2", &["李秀英"], r(80.0, 80.0, 92.0, 92.0)),
    ]
}

/// How a test parcel is written.
#[derive(Clone, Debug)]
pub struct DesignParcel {
    pub case: &'static str,
    /// Outer boundary (for the bow-tie: the bounding box of its points).
    pub outer: Rect,
    /// Holes (ring 2, …).
    pub holes: Vec<Rect>,
    /// Points in the order written when the outline is not a plain rectangle (bow-tie), local.
    pub custom: Option<Vec<(f64, f64)>>,
    /// Declared area as written in the file.
    pub declared: &'static str,
    /// Owner for the parcel name.
    pub owner: &'static str,
}

fn p(case: &'static str, outer: Rect, declared: &'static str, owner: &'static str) -> DesignParcel {
    DesignParcel {
        case,
        outer,
        holes: vec![],
        custom: None,
        declared,
        owner,
    }
}

/// Every designed test parcel (TXT, GeoJSON and shapefile ones).
pub fn parcels() -> Vec<DesignParcel> {
    let mut v = vec![
        p("KA-01", r(30.0, 45.0, 40.0, 59.8), "0.0148", "张国强"),
        p("KA-02", r(95.0, 40.0, 107.0, 52.0), "0.0144公顷", "刘春生"),
        p("KA-03", r(250.0, 40.0, 262.0, 52.0), "0.0144", "陈水根"),
        p("KA-04", r(314.0, 40.0, 326.0, 52.0), "0.0144", "黄桂兰"),
        p("KA-05", r(20.0, 94.0, 30.0, 106.0), "120.00", "吴福生"),
        DesignParcel {
            holes: vec![r(9.0, 9.0, 13.0, 13.0)],
            ..p("KA-06", r(5.0, 5.0, 17.0, 17.0), "0.0128", "周金水")
        },
        DesignParcel {
            // J1 (40,5) → J2 (50,15) → J3 (50,5) → J4 (40,15) → J1: J1–J2 crosses J3–J4 at (45,10).
            custom: Some(vec![
                (40.0, 5.0),
                (50.0, 15.0),
                (50.0, 5.0),
                (40.0, 15.0),
                (40.0, 5.0),
            ]),
            ..p("KA-07", r(40.0, 5.0, 50.0, 15.0), "0.0100", "徐冬梅")
        },
        p("KA-08", r(60.0, 5.0, 70.0, 17.0), "0.0120", "孙小平"),
        p("KA-09", r(75.0, 5.0, 85.0, 17.0), "0.0120", "马建华"),
        p("KA-10A", r(5.0, 25.0, 17.0, 35.0), "0.0120", "朱德明"),
        p("KA-10B", r(13.0, 25.0, 25.0, 35.0), "0.0120", "胡玉珍"),
        p("KA-11", r(48.0, 27.0, 58.0, 39.0), "0.0120", "王建军"),
        p("KA-12", r(60.0, 25.0, 75.0, 38.0), "0.0195", "郭志强"),
        p("Q-01", r(60.0, 45.0, 70.0, 57.0), "120", "何秋菊"),
        p("Q-02", r(75.0, 45.0, 85.0, 57.0), "120.00", "高红梅"),
        p("Q-03", r(154.0, 140.0, 166.0, 150.0), "120.00", "林有福"),
    ];
    v.shrink_to_fit();
    v
}

/// What the review must say about one test parcel. Areas are planar EPSG:4527 m², worked by hand.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownAnswer {
    /// Case id, also the parcel number in the file (`KA-01`).
    pub case: &'static str,
    /// The file, relative to the data set root (`parcels/ka01_gbk_crlf.txt`).
    pub file: &'static str,
    /// What the case exercises.
    pub purpose: &'static str,
    /// `pass` / `warn` / `fail` / `invalid`.
    pub verdict: &'static str,
    /// Planar area; `None` when the geometry is unusable.
    pub area_m2: Option<f64>,
    /// The declared area converted to m².
    pub declared_area_m2: Option<f64>,
    /// Overlap per layer (for `within` layers: the area outside), only non-zero ones.
    pub overlaps: Vec<(&'static str, f64)>,
    /// The layer features involved: (layer, BSM).
    pub overlap_features: Vec<(&'static str, &'static str)>,
    /// Overlap with other parcels of the same batch: (other case, m²).
    pub batch_overlaps: Vec<(&'static str, f64)>,
    /// Area per land class code as written in DLBM (suffix kept), sorted by code.
    pub classes: Vec<(&'static str, f64)>,
    /// 农用地, 建设用地, 未利用地 totals (m²).
    pub agricultural_m2: f64,
    pub construction_m2: f64,
    pub unused_m2: f64,
    /// 耕地 (01xx) total.
    pub cultivated_m2: f64,
    /// Finding codes of severity warn or fail, sorted (info findings are not listed).
    pub findings: Vec<&'static str>,
    /// 1:10,000 map sheets the parcel touches.
    pub sheets: Vec<&'static str>,
    /// The hand computation.
    pub working: &'static str,
}

/// The 1:10,000 sheet of the western part of the block (u < ~175 m).
pub const SHEET_WEST: &str = "H50G059053";
/// The sheet of the eastern part (the sheet edge at 117°18′45″E runs through u ≈ 175 m).
pub const SHEET_EAST: &str = "H50G059054";

#[allow(clippy::too_many_arguments)]
fn ka(
    case: &'static str,
    file: &'static str,
    purpose: &'static str,
    verdict: &'static str,
    area: Option<f64>,
    declared: Option<f64>,
    classes: &[(&'static str, f64)],
    totals: (f64, f64, f64, f64),
    findings: &[&'static str],
    working: &'static str,
) -> KnownAnswer {
    KnownAnswer {
        case,
        file,
        purpose,
        verdict,
        area_m2: area,
        declared_area_m2: declared,
        overlaps: vec![],
        overlap_features: vec![],
        batch_overlaps: vec![],
        classes: classes.to_vec(),
        agricultural_m2: totals.0,
        construction_m2: totals.1,
        unused_m2: totals.2,
        cultivated_m2: totals.3,
        findings: findings.to_vec(),
        sheets: vec![SHEET_WEST],
        working,
    }
}

/// Layer names used in `project.toml`.
pub const FARMLAND: &str = "basic_farmland";
pub const REDLINE: &str = "eco_redline";
pub const HAZARD: &str = "geohazard";
pub const PLAN: &str = "village_plan";
pub const HOMESTEADS: &str = "homesteads";

/// The expected review of every test parcel in `parcels/`. All numbers are literals worked by
/// hand from the rectangles above (the `working` text); a unit test re-derives them from the
/// design with rectangle arithmetic.
pub fn known_answers() -> Vec<KnownAnswer> {
    const TXT01: &str = "parcels/ka01_gbk_crlf.txt";
    const BATCH: &str = "parcels/batch_ka10_ka12.txt";
    const SHP: &str = "parcels/q_parcels.shp";
    vec![
        ka("KA-01", TXT01, "标准 GBK/CRLF 文件，干净的宅基地 (clean parcel on 0702 inside the plan)", "pass",
            Some(148.0), Some(148.0), &[("0702", 148.0)], (0.0, 148.0, 0.0, 0.0), &[],
            "10 × 14.8 = 148.00 (u 30–40, v 45–59.8)"),
        KnownAnswer {
            overlaps: vec![(FARMLAND, 36.0)],
            overlap_features: vec![(FARMLAND, "JBNT-KA-1")],
            ..ka("KA-02", "parcels/ka02_utf8_bom.txt", "UTF-8 BOM，面积带单位 0.0144公顷；部分压占基本农田 (partly on basic farmland and 0103)", "fail",
                Some(144.0), Some(144.0), &[("0103", 84.0), ("0702", 60.0)], (84.0, 60.0, 0.0, 84.0),
                &["overlap_forbidden"],
                "12 × 12 = 144; 0702: (100−95) × 12 = 60; 0103: (107−100) × 12 = 84; JBNT-KA-1 (u ≥ 104): (107−104) × 12 = 36")
        },
        KnownAnswer {
            overlaps: vec![(REDLINE, 144.0), (PLAN, 144.0)],
            overlap_features: vec![(REDLINE, "HX-KA-1")],
            sheets: vec![SHEET_EAST],
            ..ka("KA-03", "parcels/ka03_utf16le.txt", "UTF-16LE BOM；位于生态保护红线内且在规划外 (inside the red line, outside the plan)", "fail",
                Some(144.0), Some(144.0), &[("0301", 144.0)], (144.0, 0.0, 0.0, 0.0),
                &["outside_within", "overlap_forbidden"],
                "12 × 12 = 144, wholly inside HX-KA-1 (u 240–280, v 20–80) and outside both plan areas (u ≤ 110, u ≥ 300)")
        },
        KnownAnswer {
            overlaps: vec![(HAZARD, 72.0)],
            overlap_features: vec![(HAZARD, "ZH-KA-1")],
            sheets: vec![SHEET_EAST],
            ..ka("KA-04", "parcels/ka04_spaces_empty_zone.txt", "逗号后有空格、带号为空；跨地质灾害易发区 (crosses a hazard area)", "warn",
                Some(144.0), Some(144.0), &[("0404", 144.0)], (0.0, 0.0, 144.0, 0.0),
                &["overlap_avoid"],
                "12 × 12 = 144; ZH-KA-1 starts at u = 320: (326−320) × 12 = 72")
        },
        KnownAnswer {
            overlaps: vec![(PLAN, 60.0)],
            ..ka("KA-05", "parcels/ka05_fendai_sections_m2.txt", "分带=3度带、额外小节、面积以 m² 填写；部分在村庄规划外 (partly outside the plan)", "fail",
                Some(120.0), Some(120.0), &[("0702", 60.0), ("1201", 60.0)], (0.0, 120.0, 0.0, 0.0),
                &["outside_within"],
                "10 × 12 = 120; plan GH-KA-1 ends at v = 100: outside 10 × (106−100) = 60; 0702 10 × 6 = 60; 1201 10 × 6 = 60")
        },
        ka("KA-06", "parcels/ka06_hole.txt", "带扣除的地块 (ring 2 is a hole)", "pass",
            Some(128.0), Some(128.0), &[("0702", 128.0)], (0.0, 128.0, 0.0, 0.0), &[],
            "12 × 12 − 4 × 4 = 144 − 16 = 128"),
        ka("KA-07", "parcels/ka07_bowtie.txt", "自相交 (bow-tie: J1–J2 crosses J3–J4 at u 45, v 10)", "invalid",
            None, Some(100.0), &[], (0.0, 0.0, 0.0, 0.0), &["self_intersection"],
            "no area: J1 (40,5) → J2 (50,15) → J3 (50,5) → J4 (40,15) crosses itself"),
        ka("KA-08", "parcels/ka08_swapped_xy.txt", "X/Y 互换 (easting written first)", "warn",
            Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &["swapped_xy"],
            "10 × 12 = 120 after swapping back"),
        ka("KA-09", "parcels/ka09_count_off.txt", "表头点数 6，实际 5 行 (header point count off by one)", "warn",
            Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &["point_count_mismatch"],
            "10 × 12 = 120"),
        KnownAnswer {
            batch_overlaps: vec![("KA-10B", 40.0)],
            ..ka("KA-10A", BATCH, "同批次地块互相重叠 (overlaps KA-10B of the same batch)", "fail",
                Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &["batch_overlap"],
                "12 × 10 = 120; shared with KA-10B: (17−13) × 10 = 40")
        },
        KnownAnswer {
            batch_overlaps: vec![("KA-10A", 40.0)],
            ..ka("KA-10B", BATCH, "同批次地块互相重叠 (overlaps KA-10A of the same batch)", "fail",
                Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &["batch_overlap"],
                "12 × 10 = 120; shared with KA-10A: (17−13) × 10 = 40")
        },
        KnownAnswer {
            overlaps: vec![(HOMESTEADS, 40.0)],
            overlap_features: vec![(HOMESTEADS, "ZJD-KA-1")],
            ..ka("KA-11", BATCH, "与已登记宅基地重叠 (overlaps a registered homestead, 一户一宅)", "fail",
                Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &["overlap_existing_homestead"],
                "10 × 12 = 120; ZJD-KA-1 (u 40–52, v 25–37): (52−48) × (37−27) = 40")
        },
        ka("KA-12", BATCH, "超过 180 m² 面积上限 (over the configured limit)", "fail",
            Some(195.0), Some(195.0), &[("0702", 195.0)], (0.0, 195.0, 0.0, 0.0), &["area_over_limit"],
            "15 × 13 = 195 > 180"),
        ka("Q-01", "parcels/q01_lonlat.geojson", "GeoJSON 经纬度地块 (lon/lat, reprojected)", "pass",
            Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &[],
            "10 × 12 = 120 (corners converted to lon/lat at full precision)"),
        ka("Q-02", SHP, "GBK shapefile 地块，干净 (clean)", "pass",
            Some(120.0), Some(120.0), &[("0702", 120.0)], (0.0, 120.0, 0.0, 0.0), &[],
            "10 × 12 = 120"),
        KnownAnswer {
            overlaps: vec![(FARMLAND, 60.0), (PLAN, 120.0)],
            overlap_features: vec![(FARMLAND, "JBNT-KA-3")],
            ..ka("Q-03", SHP, "GBK shapefile 地块，跨两个地类并压占基本农田 (two land classes, on farmland, outside the plan)", "fail",
                Some(120.0), Some(120.0), &[("0101", 60.0), ("0201K", 60.0)], (120.0, 0.0, 0.0, 60.0),
                &["outside_within", "overlap_forbidden"],
                "12 × 10 = 120; 0201K (u < 160): 6 × 10 = 60; 0101 (u > 160): 6 × 10 = 60 = JBNT-KA-3 overlap; outside every plan area: 120")
        },
    ]
}

/// `fixtures/review/EXPECTED.md`: the design and the known answers, rendered from the data above.
pub fn expected_markdown() -> String {
    let mut s = String::new();
    let m2 = |v: f64| format!("{v:.2}");
    s.push_str("# Known answers of the review fixtures\n\n");
    s.push_str(&format!(
        "Generated by `{GENERATOR}` (do not edit; regenerate with\n"
    ));
    s.push_str("`REDLINE_WRITE_FIXTURES=1 cargo test --test fixtures_reproducible`).\n\n");
    s.push_str(&format!(
        "The known-answer block lies in 浮梁县 ({VILLAGE}). Working CRS EPSG:4527; local `u, v` are metres\n\
         east and north of the origin E {ORIGIN_E:.2}, N {ORIGIN_N:.2}. Every feature and parcel is an\n\
         axis-aligned rectangle, so every area is width × height. Homestead limit {MAX_AREA_M2:.0} m²\n\
         (an unverified example, see DOMAIN §1.6). Overlap tolerance 0.01 m².\n\n"
    ));
    s.push_str("Verdict rules: forbid overlap → fail; avoid overlap → warn; `within` layer, part outside → fail;\n");
    s.push_str("existing homestead overlap → fail; area over the limit → fail; swapped X/Y → warn; header point\n");
    s.push_str(
        "count mismatch → warn; self-intersection → invalid; overlap within the batch → fail.\n",
    );
    s.push_str(
        "Finding codes listed are those of severity warn or fail; info findings are not listed.\n",
    );
    s.push_str("Land-class codes are reported as the layer writes them (`0201K`); the category follows the\n");
    s.push_str("base class (DOMAIN §1.5 default table). Areas are planar (EPSG:4527).\n\n");
    s.push_str("## Layer features of the block\n\n");
    let layers: [(&str, Vec<DesignFeature>); 6] = [
        ("landuse", landuse()),
        (FARMLAND, farmland()),
        (REDLINE, redline()),
        (HAZARD, hazard()),
        (PLAN, village_plan()),
        (HOMESTEADS, homesteads()),
    ];
    let mut t = MdTable::new(&mut s, &["layer", "BSM", "attributes", "u", "v", "area m²"]);
    for (name, feats) in &layers {
        for f in feats {
            let r = f.rect;
            t.row(&[
                name,
                f.bsm,
                &f.attrs.join(" "),
                &format!("{}–{}", r.u0, r.u1),
                &format!("{}–{}", r.v0, r.v1),
                &format!("{} × {} = {}", r.u1 - r.u0, r.v1 - r.v0, m2(r.area())),
            ]);
        }
    }
    s.push_str("\nThe hazard rectangle is written in lon/lat (corners converted from EPSG:4527 at full precision).\n");
    s.push_str("\n## Cases\n");
    let design = parcels();
    let list = |v: &[(&str, f64)]| -> String {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|(k, x)| format!("{k} {} m²", m2(*x)))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    for a in known_answers() {
        s.push_str(&format!("\n### [{}] {}\n\n", a.case, a.purpose));
        let mut t = MdTable::new(&mut s, &["item", "expected"]);
        t.row(&["file", &format!("`{}`", a.file)]);
        if let Some(d) = design.iter().find(|d| d.case == a.case) {
            let o = d.outer;
            let mut g = format!("u {}–{}, v {}–{}", o.u0, o.u1, o.v0, o.v1);
            for h in &d.holes {
                g.push_str(&format!("; hole u {}–{}, v {}–{}", h.u0, h.u1, h.v0, h.v1));
            }
            t.row(&["geometry", &g]);
        }
        t.row(&["verdict", &format!("**{}**", a.verdict)]);
        let area = a.area_m2.map_or("— (unusable geometry)".to_string(), |v| {
            format!("{} m²", m2(v))
        });
        t.row(&["area", &area]);
        if let Some(d) = a.declared_area_m2 {
            t.row(&["declared area", &format!("{} m²", m2(d))]);
        }
        let mut ov = list(&a.overlaps);
        if !a.overlap_features.is_empty() {
            let ids: Vec<String> = a
                .overlap_features
                .iter()
                .map(|(l, id)| format!("{l}: {id}"))
                .collect();
            ov.push_str(&format!(" (features {})", ids.join(", ")));
        }
        t.row(&["overlaps (within: area outside)", &ov]);
        if !a.batch_overlaps.is_empty() {
            t.row(&["batch overlaps", &list(&a.batch_overlaps)]);
        }
        t.row(&["land classes", &list(&a.classes)]);
        t.row(&[
            "农用地 / 建设用地 / 未利用地",
            &format!(
                "{} / {} / {} m²",
                m2(a.agricultural_m2),
                m2(a.construction_m2),
                m2(a.unused_m2)
            ),
        ]);
        t.row(&["耕地", &format!("{} m²", m2(a.cultivated_m2))]);
        let f = if a.findings.is_empty() {
            "none".to_string()
        } else {
            a.findings.join(", ")
        };
        t.row(&["findings (warn/fail)", &f]);
        t.row(&["1:10,000 sheets", &a.sheets.join(", ")]);
        t.row(&["hand computation", a.working]);
    }
    s
}

/// The configured homestead limit the cases are designed around (an unverified example).
pub const MAX_AREA_M2: f64 = 180.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn category(code: &str) -> usize {
        // The DOMAIN §1.5 default table, enough for the codes of the block.
        match &code[..4] {
            "0101" | "0102" | "0103" | "0201" | "0301" | "0302" | "1006" | "1104" => 0,
            "0702" | "1201" => 1,
            "0404" => 2,
            other => panic!("code {other} not in the block"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// The land-use cells tile the block: no overlaps, total 400 × 200.
    #[test]
    fn landuse_tiles_the_block() {
        let cells = landuse();
        let total: f64 = cells.iter().map(|c| c.rect.area()).sum();
        assert!(close(total, 80_000.0));
        for (i, a) in cells.iter().enumerate() {
            for b in &cells[i + 1..] {
                assert_eq!(a.rect.overlap(&b.rect), 0.0, "{} {}", a.bsm, b.bsm);
            }
        }
    }

    /// Re-derive every literal of [`known_answers`] from the design by rectangle arithmetic.
    #[test]
    fn hand_computed_answers_agree_with_the_design() {
        let design = parcels();
        let answers = known_answers();
        assert_eq!(design.len(), answers.len());
        for (d, a) in design.iter().zip(&answers) {
            assert_eq!(d.case, a.case);
            let area_of = |layer: &Rect| -> f64 {
                d.outer.overlap(layer) - d.holes.iter().map(|h| h.overlap(layer)).sum::<f64>()
            };
            if d.custom.is_some() {
                assert_eq!(a.area_m2, None);
                continue;
            }
            let area = d.outer.area() - d.holes.iter().map(Rect::area).sum::<f64>();
            assert!(close(a.area_m2.unwrap_or(f64::NAN), area), "{}", a.case);
            // Classes.
            let mut classes: Vec<(&str, f64)> = Vec::new();
            for c in landuse() {
                let x = area_of(&c.rect);
                if x > 0.0 {
                    match classes.iter_mut().find(|(k, _)| *k == c.attrs[0]) {
                        Some(e) => e.1 += x,
                        None => classes.push((c.attrs[0], x)),
                    }
                }
            }
            classes.sort_by(|x, y| x.0.cmp(y.0));
            assert_eq!(classes.len(), a.classes.len(), "{}", a.case);
            let mut totals = [0.0; 3];
            let mut cultivated = 0.0;
            for ((k, x), (wk, wx)) in classes.iter().zip(&a.classes) {
                assert_eq!(k, wk, "{}", a.case);
                assert!(close(*x, *wx), "{} {k}", a.case);
                totals[category(k)] += x;
                if k.starts_with("01") {
                    cultivated += x;
                }
            }
            assert!(close(totals[0], a.agricultural_m2), "{}", a.case);
            assert!(close(totals[1], a.construction_m2), "{}", a.case);
            assert!(close(totals[2], a.unused_m2), "{}", a.case);
            assert!(close(cultivated, a.cultivated_m2), "{}", a.case);
            // Layers.
            let sum = |fs: Vec<DesignFeature>| fs.iter().map(|f| area_of(&f.rect)).sum::<f64>();
            let want = |layer: &str| {
                a.overlaps
                    .iter()
                    .find(|o| o.0 == layer)
                    .map_or(0.0, |o| o.1)
            };
            assert!(close(sum(farmland()), want(FARMLAND)), "{}", a.case);
            assert!(close(sum(redline()), want(REDLINE)), "{}", a.case);
            assert!(close(sum(hazard()), want(HAZARD)), "{}", a.case);
            assert!(close(sum(homesteads()), want(HOMESTEADS)), "{}", a.case);
            assert!(close(area - sum(village_plan()), want(PLAN)), "{}", a.case);
            // Batch: every pair of parcels is disjoint except KA-10A/KA-10B.
            for o in &design {
                if o.case == d.case || o.custom.is_some() {
                    continue;
                }
                let x = d.outer.overlap(&o.outer);
                let w = a
                    .batch_overlaps
                    .iter()
                    .find(|b| b.0 == o.case)
                    .map_or(0.0, |b| b.1);
                assert!(close(x, w), "{} × {}", a.case, o.case);
            }
            // Limit and verdict.
            let over = area > MAX_AREA_M2;
            assert_eq!(over, a.findings.contains(&"area_over_limit"), "{}", a.case);
        }
    }
}
