//! Export of ledger entries with geometry: GeoJSON (points or patches) and shapefile (GBK or
//! UTF-8 attributes), read back with the crate's own readers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use chrono::NaiveDate;
use redline_core::formats::shapefile::DbfEncoding;
use redline_core::ledger::TransitionRequest;
use redline_core::ledger::{ExportGeometry, Filter, Issue, Ledger, LedgerSettings, Status};

const PATCH: &str = r#"{"type":"Polygon","coordinates":[[[117.2,29.3],[117.201,29.3],[117.201,29.301],[117.2,29.301],[117.2,29.3]]]}"#;

fn issue(clue: &str, lon: f64, lat: f64, patch: bool) -> Issue {
    Issue {
        clue_id: clue.into(),
        batch: "2020".into(),
        year: Some(2020),
        lon,
        lat,
        geometry_geojson: patch.then(|| PATCH.to_string()),
        activity: "旅游开发".into(),
        area_m2: Some(10_793.5),
        county_code: Some("360222".into()),
        county: Some("浮梁县".into()),
        reserve: Some("瑶里自然保护区".into()),
        reserve_level: Some("省级".into()),
        zone: Some("buffer".into()),
        zone_cn: None,
        distance_m: Some(0.0),
        focus: patch,
        focus_reasons: vec![],
        departments: vec!["市林业局".into()],
        layer_versions: String::new(),
    }
}

fn ledger(dir: &tempfile::TempDir) -> Ledger {
    let mut l = Ledger::open_with(
        &dir.path().join("ledger.sqlite"),
        LedgerSettings {
            today: Some(NaiveDate::from_ymd_opt(2020, 10, 1).unwrap()),
            ..LedgerSettings::default()
        },
    )
    .unwrap();
    let ids = l
        .import(
            &[
                issue("E1", 117.2005, 29.3005, true),
                issue("E2", 117.25, 29.35, false),
                issue("E3", 117.3, 29.4, false),
            ],
            "导入员",
        )
        .unwrap()
        .added_ids;
    l.transition(&TransitionRequest {
        id: ids[0],
        expected_version: 1,
        to: Status::Confirmed,
        who: ("张三").to_string(),
        reason: ("属实").to_string(),
        deadline: None,
        unit: None,
        measures: None,
    })
    .unwrap();
    l.transition(&TransitionRequest {
        id: ids[0],
        expected_version: 2,
        to: Status::Rectifying,
        who: ("张三").to_string(),
        reason: ("").to_string(),
        deadline: None,
        unit: None,
        measures: Some("拆除".into()),
    })
    .unwrap();
    l
}

fn value<'a>(t: &'a redline_core::formats::FeatureTable, feature: usize, field: &str) -> &'a str {
    let k = t
        .field_index(field)
        .unwrap_or_else(|| panic!("no field {field}"));
    &t.features[feature].values[k]
}

#[test]
fn geojson_with_patches_and_points() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let path = dir.path().join("ledger.geojson");
    let n = l
        .export_geojson(&path, &Filter::default(), ExportGeometry::Patches)
        .unwrap();
    assert_eq!(n, 3);
    let t = redline_core::formats::geojson::read(&path).unwrap();
    assert_eq!(t.features.len(), 3);
    assert!(matches!(t.features[0].geometry, geo::Geometry::Polygon(_)));
    assert!(matches!(t.features[1].geometry, geo::Geometry::Point(_)));
    assert_eq!(value(&t, 0, "BH"), "E1");
    assert_eq!(value(&t, 0, "ZT"), "整改中");
    assert_eq!(value(&t, 0, "GNFQ"), "缓冲区");
    assert_eq!(value(&t, 0, "BHQMC"), "瑶里自然保护区");
    // Focus issue: deadline 2020-10-01 + 90 days = 2020-12-30.
    assert_eq!(value(&t, 0, "ZGSX"), "2020-12-30");
    assert_eq!(value(&t, 0, "ZRDW"), "浮梁县人民政府、市林业局");
    assert_eq!(value(&t, 0, "ZGCS"), "拆除");
    assert_eq!(value(&t, 1, "ZT"), "待核查");
    assert_eq!(value(&t, 1, "ZGSX"), "");
    // Points only: the patch entry becomes its point.
    let n = l
        .export_geojson(&path, &Filter::default(), ExportGeometry::Points)
        .unwrap();
    assert_eq!(n, 3);
    let t = redline_core::formats::geojson::read(&path).unwrap();
    match &t.features[0].geometry {
        geo::Geometry::Point(p) => assert_eq!((p.x(), p.y()), (117.2005, 29.3005)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn shapefile_points_gbk_and_patches() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let path = dir.path().join("taizhang.shp");
    let n = l
        .export_shapefile(
            &path,
            &Filter::default(),
            ExportGeometry::Points,
            DbfEncoding::Gbk,
        )
        .unwrap();
    assert_eq!(n, 3);
    let cpg = std::fs::read_to_string(path.with_extension("cpg")).unwrap();
    assert!(
        cpg.to_ascii_uppercase().contains("GBK") || cpg.contains("936"),
        "{cpg}"
    );
    let dbf = std::fs::read(path.with_extension("dbf")).unwrap();
    let (gbk_name, _, _) = encoding_rs::GBK.encode("瑶里自然保护区");
    assert!(dbf.windows(gbk_name.len()).any(|w| w == &gbk_name[..]));
    let prj = std::fs::read_to_string(path.with_extension("prj")).unwrap();
    assert!(prj.contains("China") && prj.contains("2000"), "{prj}");
    let t = redline_core::formats::shapefile::read(&path).unwrap();
    assert_eq!(t.features.len(), 3);
    for f in &t.fields {
        assert!(f.len() <= 10, "{f}");
    }
    assert_eq!(value(&t, 2, "BH"), "E3");
    assert_eq!(value(&t, 2, "XQ"), "浮梁县");
    assert_eq!(value(&t, 0, "ZT"), "整改中");
    assert_eq!(value(&t, 0, "ZDWT"), "是");
    assert_eq!(value(&t, 0, "MJ"), "10793.50");
    match &t.features[1].geometry {
        geo::Geometry::Point(p) => assert_eq!((p.x(), p.y()), (117.25, 29.35)),
        other => panic!("{other:?}"),
    }
    // Patches: only the entry with a patch, as a polygon.
    let path = dir.path().join("patches.shp");
    let n = l
        .export_shapefile(
            &path,
            &Filter::default(),
            ExportGeometry::Patches,
            DbfEncoding::Utf8,
        )
        .unwrap();
    assert_eq!(n, 1);
    let t = redline_core::formats::shapefile::read(&path).unwrap();
    assert_eq!(t.features.len(), 1);
    assert!(matches!(
        t.features[0].geometry,
        geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_)
    ));
    assert_eq!(value(&t, 0, "BH"), "E1");
}
