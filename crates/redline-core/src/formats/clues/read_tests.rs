//! Reading whole clue files: CSV in GBK / UTF-8 / UTF-16, XLSX, feature tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::error::InputError;
use crate::formats::{FeatureTable, RawFeature};

/// 117°12′30.5″ = 117 + 12/60 + 30.5/3600.
const LON_DMS: f64 = 117.0 + 12.0 / 60.0 + 30.5 / 3600.0;
/// 1 亩 = 10 000 / 15 m².
const MU: f64 = 10_000.0 / 15.0;

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(text);
    assert!(!had_errors, "test text must be encodable in GBK");
    bytes.into_owned()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// (line, column) of every problem, in order.
fn locations(list: &ClueList) -> Vec<(usize, usize)> {
    list.problems
        .iter()
        .map(|InputError { line, column, .. }| (*line, *column))
        .collect()
}

#[test]
fn gbk_csv_with_chinese_headers_and_dms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "线索编号,县区,经度,纬度,活动类型,面积（亩）,批次,保护区名称,备注\r\n\
                JDZ-001,浮梁县,117°12′30.5″,29°18′00″,矿产资源开发,1.5,2020年第二批,瑶里,采石场\r\n\
                JDZ-002,乐平市,东经117度7分,北纬28度58分12秒,养殖,3,2020年第二批,,\r\n";
    let path = write_file(dir.path(), "clues_gbk.csv", &gbk(text));
    let list = read(&path).expect("read");
    assert_eq!(list.encoding, "GBK");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    assert_eq!(list.clues.len(), 2);
    let a = &list.clues[0];
    assert_eq!(a.id, "JDZ-001");
    assert!(close(a.lon, LON_DMS), "{}", a.lon);
    assert!(close(a.lat, 29.3), "{}", a.lat);
    assert_eq!(a.activity, "矿产资源开发");
    // 1.5 亩 = 1.5 × 666.67 = 1000 m².
    assert!(close(a.area_m2.expect("area"), 1000.0));
    assert_eq!(a.year, Some(2020));
    assert_eq!(a.batch.as_deref(), Some("2020年第二批"));
    assert_eq!(a.county.as_deref(), Some("浮梁县"));
    assert_eq!(a.reserve.as_deref(), Some("瑶里"));
    assert_eq!(a.source, "clues_gbk.csv:2");
    assert_eq!(a.extra, vec![("备注".to_string(), "采石场".to_string())]);
    assert!(a.patch.is_none());
    let b = &list.clues[1];
    // 117°7′ = 117.11666…; 28°58′12″ = 28 + 58/60 + 12/3600 = 28.97.
    assert!(close(b.lon, 117.0 + 7.0 / 60.0));
    assert!(close(b.lat, 28.97));
    assert!(close(b.area_m2.expect("area"), 3.0 * MU));
    assert_eq!(b.reserve, None);
    assert_eq!(b.extra, vec![("备注".to_string(), String::new())]);
}

#[test]
fn utf8_csv_with_english_headers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "\u{FEFF}ID, Longitude ,Latitude,Type,Area_m2,Year,County,Reserve_Name,Note\n\
                C-1,117.2,29.3,Mining,1200.5,2019,Fuliang,Yaoli,\"quarry, old\"\n\
                C-2,117.25,29.35,Tourism,,2020,,,\n";
    let path = write_file(dir.path(), "clues_en.csv", text.as_bytes());
    let list = read(&path).expect("read");
    assert_eq!(list.encoding, "UTF-8 (BOM)");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    assert!(list.warnings.is_empty(), "{:?}", list.warnings);
    let ids: Vec<&str> = list.clues.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["C-1", "C-2"]);
    let a = &list.clues[0];
    assert_eq!((a.lon, a.lat), (117.2, 29.3));
    assert_eq!(a.activity, "Mining");
    assert_eq!(a.area_m2, Some(1200.5));
    assert_eq!(a.year, Some(2019));
    assert_eq!(a.batch, None);
    assert_eq!(a.county.as_deref(), Some("Fuliang"));
    assert_eq!(a.reserve.as_deref(), Some("Yaoli"));
    assert_eq!(
        a.extra,
        vec![("Note".to_string(), "quarry, old".to_string())]
    );
    assert_eq!(list.clues[1].area_m2, None);
    assert_eq!(list.clues[1].county, None);
}

#[test]
fn bad_rows_are_located_and_good_rows_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Line numbers on the left; line 9 holds a quoted note over two lines, so the row after it
    // starts on line 11.
    let text = [
        "编号,经度,纬度,活动类型,备注",                // 1
        "A1,117.2,29.3,采矿,",                         // 2 good
        "A2,,29.3,采矿,",                              // 3 missing lon → col 2
        "A3,117.2,abc,采矿,",                          // 4 bad lat → col 3
        "A4,117°72′,29.3,采矿,",                       // 5 minutes ≥ 60 → col 2
        "A5,200,29.3,其他,",                           // 6 lon out of range → col 2
        "A6,100.0,60.0,其他,",                         // 7 lat outside China → col 3
        "A1,117.3,29.4,其他,",                         // 8 duplicate of line 2 → col 1
        "\"A7\",\"117.25\",\"29.35\",居民点,\"第一行", // 9 good (note spans 2 lines)
        "第二行\"",                                    // 10
        ",117.26,29.36,其他,",                         // 11 good, generated id
        "A8,10.0,29.3,其他,",                          // 12 lon outside China → col 2
        ",,,,",                                        // 13 empty: skipped silently
        "A9,117.27,,其他,",                            // 14 missing lat → col 3
    ]
    .join("\n");
    let path = write_file(dir.path(), "bad.csv", text.as_bytes());
    let list = read(&path).expect("read");
    assert_eq!(list.encoding, "UTF-8");
    let ids: Vec<&str> = list.clues.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["A1", "A7", "bad.csv#11"]);
    assert_eq!(list.clues[1].source, "bad.csv:9");
    assert_eq!(list.clues[1].extra[0].1, "第一行\n第二行");
    assert_eq!(
        locations(&list),
        [
            (3, 2),
            (4, 3),
            (5, 2),
            (6, 2),
            (7, 3),
            (8, 1),
            (12, 2),
            (14, 3)
        ]
    );
    let messages: Vec<String> = list
        .problems
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert!(messages[0].contains("缺少经度"), "{}", messages[0]);
    assert!(messages[1].contains("纬度无法解析"), "{}", messages[1]);
    assert!(
        messages[2].contains("分 (72) 必须小于 60"),
        "{}",
        messages[2]
    );
    assert!(messages[3].contains("超出范围"), "{}", messages[3]);
    assert!(messages[4].contains("不在中国范围内"), "{}", messages[4]);
    assert!(
        messages[5].contains("重复") && messages[5].contains("bad.csv:2"),
        "{}",
        messages[5]
    );
    assert!(messages[6].contains("不在中国范围内"), "{}", messages[6]);
    assert!(messages[7].contains("缺少纬度"), "{}", messages[7]);
    // The Display of a problem names file, line and column.
    assert!(messages[2].contains("bad.csv:5:2:"), "{}", messages[2]);
}

#[test]
fn swapped_lat_lon_is_fixed_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,lon,lat\nS1,29.3,117.2\nS2,N29.5,E117.1\nS3,117.0,29.0\n";
    let path = write_file(dir.path(), "swapped.csv", text.as_bytes());
    let list = read(&path).expect("read");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let got: Vec<(f64, f64)> = list.clues.iter().map(|c| (c.lon, c.lat)).collect();
    assert_eq!(got, [(117.2, 29.3), (117.1, 29.5), (117.0, 29.0)]);
    assert_eq!(list.warnings.len(), 2, "{:?}", list.warnings);
    assert!(list.warnings[0].starts_with("swapped.csv:2:2: 坐标疑似经纬度颠倒"));
    assert!(list.warnings[1].starts_with("swapped.csv:3:2: 坐标疑似经纬度颠倒"));
}

#[test]
fn semicolon_csv_with_title_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "2020年绿盾遥感监测线索清单\n\n问题编号;所在县;经度;纬度;问题类型;面积(公顷)\nQ1;浮梁县;117,2;29.3;旅游开发;0.25\nQ2;浮梁县;117.2;29.3;旅游开发;0,5\n";
    let path = write_file(dir.path(), "semi.csv", text.as_bytes());
    let list = read(&path).expect("read");
    // Q1's longitude "117,2" is not an angle (comma decimal): a located problem.
    assert_eq!(locations(&list), [(4, 3)]);
    assert_eq!(list.clues.len(), 1);
    let q = &list.clues[0];
    assert_eq!(q.id, "Q2");
    assert_eq!(q.county.as_deref(), Some("浮梁县"));
    assert_eq!(q.source, "semi.csv:5");
    // "0,5" is a decimal comma, not a number to guess at: a warning, no area.
    assert_eq!(q.area_m2, None);
    assert_eq!(list.warnings.len(), 2, "{:?}", list.warnings);
    assert!(
        list.warnings[0].contains("表头前的 2 行已跳过"),
        "{:?}",
        list.warnings
    );
    assert!(
        list.warnings[1].starts_with("semi.csv:5:6: 面积无法识别"),
        "{:?}",
        list.warnings
    );
}

#[test]
fn utf16_tab_separated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "编号\t经度\t纬度\t活动类型\r\nU1\t117°12′30.5″\t29.3\t水电开发\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = write_file(dir.path(), "unicode.csv", &bytes);
    let list = read(&path).expect("read");
    assert_eq!(list.encoding, "UTF-16LE");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    assert_eq!(list.clues.len(), 1);
    assert_eq!(list.clues[0].activity, "水电开发");
    assert!(close(list.clues[0].lon, LON_DMS));
}

#[test]
fn missing_coordinate_header_is_a_file_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_file(dir.path(), "nohead.csv", "编号,名称\n1,x\n".as_bytes());
    let e = read(&path).expect_err("no header");
    assert!(e.to_string().contains("未找到含经度/纬度的表头行"), "{e}");
    let path = write_file(dir.path(), "half.csv", "编号,经度\n1,117\n".as_bytes());
    let e = read(&path).expect_err("no latitude column");
    assert!(
        e.to_string().contains("half.csv:1:") && e.to_string().contains("纬度"),
        "{e}"
    );
}

#[test]
fn xlsx_with_title_row_numbers_and_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("clues.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    // Row 1: a title in B1; row 2 empty; header on row 3 from column B; data on rows 4–7.
    ws.write_string(0, 1, "2020年绿盾遥感线索").expect("write");
    let header = ["编号", "经度", "纬度", "活动类型", "面积（平方米）", "批次"];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, 1 + c as u16, *h).expect("write");
    }
    // Row 4: numbers throughout.
    ws.write_number(3, 1, 101.0).expect("write");
    ws.write_number(3, 2, 117.2).expect("write");
    ws.write_number(3, 3, 29.3).expect("write");
    ws.write_string(3, 4, "采矿").expect("write");
    ws.write_number(3, 5, 850.0).expect("write");
    ws.write_string(3, 6, "2020年第二批").expect("write");
    // Row 5: 度分秒 text.
    ws.write_string(4, 1, "102").expect("write");
    ws.write_string(4, 2, "117°12′30.5″").expect("write");
    ws.write_string(4, 3, "29°18′").expect("write");
    ws.write_string(4, 4, "旅游开发").expect("write");
    // Row 6: bad latitude in column D.
    ws.write_string(5, 1, "103").expect("write");
    ws.write_number(5, 2, 117.2).expect("write");
    ws.write_string(5, 3, "abc").expect("write");
    // Row 7: duplicate id 101 (number) in column B.
    ws.write_number(6, 1, 101.0).expect("write");
    ws.write_number(6, 2, 117.3).expect("write");
    ws.write_number(6, 3, 29.4).expect("write");
    wb.save(&path).expect("save");

    let list = read(&path).expect("read");
    assert_eq!(list.encoding, "XLSX");
    assert_eq!(locations(&list), [(6, 4), (7, 2)]);
    assert_eq!(list.clues.len(), 2);
    let a = &list.clues[0];
    assert_eq!(a.id, "101");
    assert_eq!((a.lon, a.lat), (117.2, 29.3));
    assert_eq!(a.area_m2, Some(850.0));
    assert_eq!(a.year, Some(2020));
    assert_eq!(a.source, "clues.xlsx:4");
    let b = &list.clues[1];
    assert_eq!(b.id, "102");
    assert!(close(b.lon, LON_DMS) && close(b.lat, 29.3));
    assert_eq!(b.activity, "旅游开发");
    assert_eq!(b.year, None);
}

#[test]
fn large_csv_streams_every_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("large.csv");
    let n = 200_000usize;
    {
        let file = std::fs::File::create(&path).expect("create");
        let mut w = std::io::BufWriter::new(file);
        writeln!(w, "线索编号,县区,经度,纬度,活动类型,面积,批次").expect("write");
        for i in 0..n {
            // Deterministic positions in a 1° box around Jingdezhen.
            let lon = 116.5 + (i % 1000) as f64 * 0.001;
            let lat = 28.8 + (i / 1000) as f64 * 0.001;
            writeln!(
                w,
                "X{i:07},浮梁县,{lon:.6},{lat:.6},居民点,{},2020年第一批",
                i % 997
            )
            .expect("write");
        }
    }
    let list = read(&path).expect("read");
    assert!(list.problems.is_empty(), "{:?}", list.problems.first());
    assert_eq!(list.clues.len(), n);
    let last = &list.clues[n - 1];
    assert_eq!(last.id, format!("X{:07}", n - 1));
    assert_eq!(last.source, format!("large.csv:{}", n + 1));
    assert!(close(last.lon, 116.5 + 999.0 * 0.001));
    assert!(close(last.lat, 28.8 + 199.0 * 0.001));
    assert_eq!(last.area_m2, Some(((n - 1) % 997) as f64));
    assert!(list.clues.iter().all(|c| c.year == Some(2020)));
}

fn square(lon: f64, lat: f64, d: f64) -> geo::Polygon<f64> {
    geo::Polygon::new(
        geo::LineString::from(vec![
            (lon, lat),
            (lon + d, lat),
            (lon + d, lat + d),
            (lon, lat + d),
            (lon, lat),
        ]),
        vec![],
    )
}

#[test]
fn points_and_patches_from_a_feature_table() {
    let table = FeatureTable {
        crs: Some("EPSG:4490".to_string()),
        fields: vec![
            "TBBH".into(),
            "活动类型".into(),
            "面积(亩)".into(),
            "GNFQ".into(),
        ],
        features: vec![
            RawFeature {
                geometry: geo::Geometry::Point(geo::Point::new(117.2, 29.3)),
                values: vec!["P1".into(), "采矿".into(), "".into(), "核心区".into()],
            },
            RawFeature {
                geometry: geo::Geometry::Polygon(square(117.2, 29.3, 0.001)),
                values: vec!["P2".into(), "养殖".into(), "".into(), "".into()],
            },
            RawFeature {
                geometry: geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![square(
                    117.3, 29.4, 0.01,
                )])),
                values: vec!["P3".into(), "养殖".into(), "2".into(), "".into()],
            },
            RawFeature {
                geometry: geo::Geometry::LineString(geo::LineString::from(vec![
                    (117.0, 29.0),
                    (117.1, 29.1),
                ])),
                values: vec!["P4".into(), "".into(), "".into(), "".into()],
            },
        ],
        encoding: Some("GBK".to_string()),
    };
    let list = features::from_table(Path::new("patches.shp"), &table).expect("table");
    assert_eq!(locations(&list), [(4, 0)]);
    assert!(list.problems[0].to_string().contains("LineString"));
    assert_eq!(list.encoding, "GBK");
    let [p1, p2, p3] = &list.clues[..] else {
        panic!("three clues: {:?}", list.clues);
    };
    assert_eq!((p1.id.as_str(), p1.lon, p1.lat), ("P1", 117.2, 29.3));
    assert_eq!(p1.extra, vec![("GNFQ".to_string(), "核心区".to_string())]);
    assert_eq!(p1.source, "patches.shp#1");
    // The interior point lies inside the 0.001° square.
    assert!(p2.lon > 117.2 && p2.lon < 117.201 && p2.lat > 29.3 && p2.lat < 29.301);
    assert!(p2.patch.is_some());
    // No area attribute: the geodesic area of 0.001° × 0.001° at 29.3°N on GRS80 is
    // 110.841 m (meridian, 111132.954 − 559.822·cos 2φ + 1.175·cos 4φ per degree) ×
    // 97.157 m (parallel, π/180 · a·cos φ / √(1 − e²·sin² φ) per degree) ≈ 10 769 m².
    let area = p2.area_m2.expect("area");
    assert!((area - 10_769.0).abs() < 0.005 * 10_769.0, "{area}");
    // An area attribute wins: 2 亩.
    assert!(close(p3.area_m2.expect("area"), 2.0 * MU));
}

#[test]
fn projected_feature_table_is_reprojected() {
    // DOMAIN §1.2 check value: lon 117.2, lat 29.3 ↔ EPSG:4527 (39519431.2652, 3242537.3942).
    let table = FeatureTable {
        crs: Some("EPSG:4527".to_string()),
        fields: vec!["编号".into()],
        features: vec![RawFeature {
            geometry: geo::Geometry::Point(geo::Point::new(39519431.2652, 3242537.3942)),
            values: vec!["G1".into()],
        }],
        encoding: None,
    };
    let list = features::from_table(Path::new("gk.shp"), &table).expect("table");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let c = &list.clues[0];
    assert!(
        (c.lon - 117.2).abs() < 1e-8 && (c.lat - 29.3).abs() < 1e-8,
        "{c:?}"
    );
}

#[test]
fn line_numbers_survive_crlf_blank_lines_and_multiline_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = concat!(
        "编号,经度,纬度,备注\r\n",      // 1
        "\r\n",                         // 2 blank
        "L1,117.2,29.3,\r\n",           // 3
        "\r\n",                         // 4 blank
        "\n",                           // 5 blank (bare LF)
        "L2,117.2,abc,\"a\r\nb\"\r\n",  // 6–7: bad latitude
        "L3,117.2,29.3,\"x\r\ny\"\r\n", // 8–9
        "L4,117.2,xyz,",                // 10, no final newline: bad latitude
    );
    let path = write_file(dir.path(), "lines.csv", text.as_bytes());
    let list = read(&path).expect("read");
    assert_eq!(locations(&list), [(6, 3), (10, 3)]);
    let sources: Vec<&str> = list.clues.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, ["lines.csv:3", "lines.csv:8"]);
    assert_eq!(list.clues[1].extra[0].1, "x\r\ny");
}

#[test]
fn shapefile_in_gauss_kruger_and_geojson_through_read() {
    use crate::formats::shapefile::{self, DbfEncoding, PRJ_4527_ESRI};
    let dir = tempfile::tempdir().expect("tempdir");
    // A 100 m × 40 m patch in EPSG:4527 whose south-west corner is the DOMAIN §1.2 check point
    // (lon 117.2, lat 29.3 ↔ 39519431.2652, 3242537.3942); its planar area is 4000 m².
    let (e, n) = (39519431.2652, 3242537.3942);
    let rect = geo::Polygon::new(
        geo::LineString::from(vec![
            (e, n),
            (e + 100.0, n),
            (e + 100.0, n + 40.0),
            (e, n + 40.0),
            (e, n),
        ]),
        vec![],
    );
    let patches = FeatureTable {
        crs: None,
        fields: vec!["BH".into(), "活动类型".into(), "面积".into(), "ND".into()],
        features: vec![
            RawFeature {
                geometry: geo::Geometry::Polygon(rect),
                values: vec![
                    "TB1".into(),
                    "矿产资源开发".into(),
                    "4000".into(),
                    "2020".into(),
                ],
            },
            RawFeature {
                geometry: geo::Geometry::Polygon(square(e + 1000.0, n + 1000.0, 50.0)),
                values: vec!["TB2".into(), "养殖".into(), "".into(), "2019".into()],
            },
        ],
        encoding: None,
    };
    let shp = dir.path().join("patches.shp");
    shapefile::write(
        &shp,
        &patches,
        shapefile::WriteOptions {
            encoding: DbfEncoding::Gbk,
            prj_wkt: Some(PRJ_4527_ESRI),
            last_update: chrono::NaiveDate::from_ymd_opt(2020, 9, 15).expect("date"),
        },
    )
    .expect("write shp");
    let list = read(&shp).expect("read shp");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    assert_eq!(list.clues.len(), 2);
    let a = &list.clues[0];
    assert_eq!(
        (a.id.as_str(), a.activity.as_str(), a.year),
        ("TB1", "矿产资源开发", Some(2020))
    );
    assert_eq!(a.area_m2, Some(4000.0));
    assert_eq!(a.source, "patches.shp#1");
    let patch = a.patch.as_ref().expect("patch");
    let first = patch.0[0].exterior().0[0];
    assert!(
        (first.x - 117.2).abs() < 1e-8 && (first.y - 29.3).abs() < 1e-8,
        "{first:?}"
    );
    // The interior point lies within the patch: 100 m ≈ 0.00103° of longitude, 40 m ≈ 0.00036°
    // of latitude at 29.3°N.
    assert!(
        a.lon > 117.2 && a.lon < 117.2011 && a.lat > 29.3 && a.lat < 29.3004,
        "{a:?}"
    );
    // TB2 has no area attribute: the geodesic area of a 50 m × 50 m Gauss-Krüger square about
    // 20.4 km east of the central meridian. The GK scale there is k ≈ 1 + x²/(2R²) ≈ 1 + 5·10⁻⁶,
    // so the ellipsoidal area is 2500 / k² ≈ 2499.97 m².
    let b_area = list.clues[1].area_m2.expect("area");
    assert!((b_area - 2499.97).abs() < 0.02, "{b_area}");

    // The same points as GeoJSON (lon/lat, no crs member).
    let points = FeatureTable {
        crs: Some("EPSG:4490".into()),
        fields: vec!["id".into(), "type".into()],
        features: vec![RawFeature {
            geometry: geo::Geometry::Point(geo::Point::new(117.2, 29.3)),
            values: vec!["G1".into(), "Mining".into()],
        }],
        encoding: None,
    };
    let gj = dir.path().join("points.geojson");
    crate::formats::geojson::write(&gj, &points).expect("write geojson");
    let list = read(&gj).expect("read geojson");
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let g = &list.clues[0];
    assert_eq!(
        (g.id.as_str(), g.lon, g.lat, g.activity.as_str()),
        ("G1", 117.2, 29.3, "Mining")
    );
    assert!(g.patch.is_none() && g.area_m2.is_none());
}

/// Reading in chunks gives the same clues, problems and warnings as reading whole, whatever
/// the chunk size, for every fixture list and for a CSV whose duplicate ids lie in different
/// chunks (the duplicate check must outlive the chunk that held the first id).
#[test]
fn chunked_reading_equals_whole_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("编号,经度,纬度,活动类型\n");
    for i in 0..40 {
        text.push_str(&format!("C{},117.{:02},29.3,采石场\n", i % 25, i));
    }
    text.push_str("BAD,999,29.3,采石场\n");
    let csv = write_file(dir.path(), "dups.csv", text.as_bytes());
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/inspect/clues");
    let files = [
        csv,
        fixtures.join("clues_gbk.csv"),
        fixtures.join("clues.xlsx"),
        fixtures.join("patches.shp"),
    ];
    for file in &files {
        let whole = read(file).expect("whole");
        assert!(!whole.clues.is_empty(), "{}", file.display());
        for rows in [1, 2, 7, 1000] {
            let mut got: Vec<Clue> = Vec::new();
            let mut sizes = Vec::new();
            let rest = read_chunked::<FormatError>(file, rows, &mut |chunk| {
                sizes.push(chunk.len());
                got.extend(chunk);
                Ok(())
            })
            .expect("chunked");
            assert!(rest.clues.is_empty());
            assert!(sizes.iter().all(|&n| n >= 1 && n <= rows), "{sizes:?}");
            assert_eq!(got, whole.clues, "{} rows={rows}", file.display());
            let msgs = |l: &ClueList| {
                l.problems
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect::<Vec<_>>()
            };
            assert_eq!(msgs(&rest), msgs(&whole), "{} rows={rows}", file.display());
            assert_eq!(rest.warnings, whole.warnings);
            assert_eq!(rest.encoding, whole.encoding);
        }
    }
    // The 15 repeated ids of dups.csv (C0–C14 again on lines 27–41) and the bad longitude.
    let whole = read(&files[0]).expect("whole");
    assert_eq!(whole.clues.len(), 25);
    assert_eq!(whole.problems.len(), 16);
    assert!(
        whole.problems[0]
            .to_string()
            .contains("first at dups.csv:2"),
        "{}",
        whole.problems[0]
    );
}

/// An error from the sink stops the reading and comes back.
#[test]
fn chunk_sink_error_stops_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("id,lon,lat\n");
    for i in 0..100 {
        text.push_str(&format!("C{i},117.2,29.3\n"));
    }
    let csv = write_file(dir.path(), "many.csv", text.as_bytes());
    let mut calls = 0;
    let r = read_chunked(&csv, 10, &mut |_| {
        calls += 1;
        Err(FormatError::input("sink", 0, "stop"))
    });
    assert!(matches!(r, Err(FormatError::Input(e)) if e.message == "stop"));
    assert_eq!(calls, 1);
}
