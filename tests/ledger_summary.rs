//! Summary forms: counts and areas by county × reserve × zone × activity × status, the overdue
//! and focus lists, and their CSV / XLSX / JSON renderings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::NaiveDate;
use redline_core::ledger::TransitionRequest;
use redline_core::ledger::{
    CsvEncoding, Filter, Issue, Ledger, LedgerSettings, Sheet, Status, SummaryRow,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn issue(
    clue: &str,
    county: &str,
    reserve: Option<&str>,
    zone: Option<&str>,
    zone_cn: Option<&str>,
    activity: &str,
    area: Option<f64>,
    focus: bool,
) -> Issue {
    Issue {
        clue_id: clue.into(),
        batch: "2020".into(),
        year: Some(2020),
        lon: 117.2,
        lat: 29.3 + clue.len() as f64 * 0.01 + clue.as_bytes()[clue.len() - 1] as f64 * 0.001,
        geometry_geojson: None,
        activity: activity.into(),
        area_m2: area,
        county_code: None,
        county: Some(county.into()),
        reserve: reserve.map(Into::into),
        reserve_level: Some("省级".into()),
        zone: zone.map(Into::into),
        zone_cn: zone_cn.map(Into::into),
        distance_m: Some(0.0),
        focus,
        focus_reasons: if focus {
            vec!["缓冲区旅游设施".into()]
        } else {
            vec![]
        },
        departments: vec!["市林业局".into()],
        layer_versions: String::new(),
    }
}

/// Six issues; today is 2020-10-01.
/// I1, I2: 浮梁县 瑶里 核心区 矿产资源开发 待核查, 1000 + 500 m² → one row: 2, 1500.
/// I3: same place and activity, 整改中 with deadline 2020-09-01 → overdue by 30 days, 250 m².
/// I4: 乐平市 洪岩 缓冲区 (code only) 旅游开发, focus, 整改中 until 2020-12-31, no area.
/// I5: 乐平市, no reserve (保护区外), no zone (未分区), 居民点, 不属实, 80.5 m².
/// I6: 昌江区 瑶里 实验区 农业开发, 已整改 (deadline 2020-09-01 passed but done), 300 m².
/// Totals: 6 issues, 1000 + 500 + 250 + 80.5 + 300 = 2130.5 m².
fn ledger(dir: &tempfile::TempDir) -> Ledger {
    let mut l = Ledger::open_with(
        &dir.path().join("ledger.sqlite"),
        LedgerSettings {
            today: Some(date(2020, 10, 1)),
            ..LedgerSettings::default()
        },
    )
    .unwrap();
    let yl = Some("瑶里自然保护区");
    let issues = vec![
        issue(
            "I1",
            "浮梁县",
            yl,
            Some("core"),
            Some("核心区"),
            "矿产资源开发",
            Some(1000.0),
            false,
        ),
        issue(
            "I2",
            "浮梁县",
            yl,
            Some("core"),
            Some("核心区"),
            "矿产资源开发",
            Some(500.0),
            false,
        ),
        issue(
            "I3",
            "浮梁县",
            yl,
            Some("core"),
            Some("核心区"),
            "矿产资源开发",
            Some(250.0),
            false,
        ),
        issue(
            "I4",
            "乐平市",
            Some("洪岩自然保护区"),
            Some("buffer"),
            None,
            "旅游开发",
            None,
            true,
        ),
        issue(
            "I5",
            "乐平市",
            None,
            None,
            None,
            "居民点",
            Some(80.5),
            false,
        ),
        issue(
            "I6",
            "昌江区",
            yl,
            Some("experimental"),
            Some("实验区"),
            "农业开发",
            Some(300.0),
            false,
        ),
    ];
    let ids = l.import(&issues, "导入员").unwrap().added_ids;
    let t = |l: &mut Ledger, id: i64, to: Status, deadline: Option<NaiveDate>| {
        let v = l.get(id).unwrap().version;
        l.transition(&TransitionRequest {
            id,
            expected_version: v,
            to,
            who: ("张三").to_string(),
            reason: ("核查").to_string(),
            deadline,
            unit: None,
            measures: None,
        })
        .unwrap();
    };
    t(&mut l, ids[2], Status::Confirmed, None);
    t(&mut l, ids[2], Status::Rectifying, Some(date(2020, 9, 1)));
    t(&mut l, ids[3], Status::Confirmed, None);
    t(&mut l, ids[3], Status::Rectifying, Some(date(2020, 12, 31)));
    t(&mut l, ids[4], Status::NotAnIssue, None);
    t(&mut l, ids[5], Status::Confirmed, None);
    t(&mut l, ids[5], Status::Rectifying, Some(date(2020, 9, 1)));
    t(&mut l, ids[5], Status::Rectified, None);
    l
}

fn row<'a>(rows: &'a [SummaryRow], county: &str, zone: &str, status: Status) -> &'a SummaryRow {
    rows.iter()
        .find(|r| r.county == county && r.zone == zone && r.status == status)
        .unwrap_or_else(|| panic!("no row {county} {zone} {status}"))
}

#[test]
fn summary_counts_and_areas() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let s = l.summary(&Filter::default()).unwrap();
    assert_eq!(s.rows.len(), 5);
    assert_eq!(s.total_count, 6);
    assert!((s.total_area_m2 - 2130.5).abs() < 1e-9);
    let r = row(&s.rows, "浮梁县", "核心区", Status::Pending);
    assert_eq!(
        (r.count, r.area_m2, r.activity.as_str()),
        (2, 1500.0, "矿产资源开发")
    );
    assert_eq!(r.status_cn, "待核查");
    let r = row(&s.rows, "浮梁县", "核心区", Status::Rectifying);
    assert_eq!((r.count, r.area_m2), (1, 250.0));
    let r = row(&s.rows, "乐平市", "缓冲区", Status::Rectifying);
    assert_eq!(
        (r.count, r.area_m2, r.reserve.as_str()),
        (1, 0.0, "洪岩自然保护区")
    );
    let r = row(&s.rows, "乐平市", "未分区", Status::NotAnIssue);
    assert_eq!(
        (r.count, r.area_m2, r.reserve.as_str()),
        (1, 80.5, "保护区外")
    );
    let r = row(&s.rows, "昌江区", "实验区", Status::Rectified);
    assert_eq!((r.count, r.area_m2), (1, 300.0));
    assert_eq!(
        s.overdue
            .iter()
            .map(|e| e.clue_id.as_str())
            .collect::<Vec<_>>(),
        ["I3"]
    );
    assert_eq!(
        s.focus
            .iter()
            .map(|e| e.clue_id.as_str())
            .collect::<Vec<_>>(),
        ["I4"]
    );
    // Filtered by county.
    let s = l
        .summary(&Filter {
            county: Some("乐平市".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((s.total_count, s.total_area_m2), (2, 80.5));
    // JSON.
    let json: serde_json::Value =
        serde_json::from_str(&l.summary(&Filter::default()).unwrap().to_json().unwrap()).unwrap();
    assert_eq!(json["total_count"], 6);
    assert_eq!(json["date"], "2020-10-01");
    assert_eq!(json["overdue"][0]["deadline"], "2020-09-01");
    assert_eq!(json["overdue"][0]["status"], "rectifying");
    assert_eq!(json["overdue"][0]["status_cn"], "整改中");
}

#[test]
fn summary_csv_utf8_bom_and_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let s = l.summary(&Filter::default()).unwrap();
    let utf8 = s.csv(Sheet::Summary, CsvEncoding::Utf8Bom).unwrap();
    assert_eq!(&utf8[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&utf8[3..]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "县区,保护区名称,功能分区,活动类型,整改状态,数量,面积(平方米)"
    );
    assert_eq!(lines.len(), 1 + 5 + 1);
    assert_eq!(*lines.last().unwrap(), "合计,,,,,6,2130.50");
    assert!(lines.contains(&"浮梁县,瑶里自然保护区,核心区,矿产资源开发,待核查,2,1500"));
    let gbk = s.csv(Sheet::Summary, CsvEncoding::Gbk).unwrap();
    let (decoded, _, bad) = encoding_rs::GBK.decode(&gbk);
    assert!(!bad);
    assert_eq!(decoded, text);
    assert_ne!(gbk, utf8[3..]);
    // The overdue list: 30 days late (2020-09-01 → 2020-10-01).
    let overdue =
        String::from_utf8(s.csv(Sheet::Overdue, CsvEncoding::Utf8Bom).unwrap()[3..].to_vec())
            .unwrap();
    let mut rdr = csv::Reader::from_reader(overdue.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(&recs[0][col("线索编号")], "I3");
    assert_eq!(&recs[0][col("整改时限")], "2020-09-01");
    assert_eq!(&recs[0][col("逾期天数")], "30");
    assert_eq!(&recs[0][col("责任单位")], "浮梁县人民政府、市林业局");
    assert_eq!(&recs[1][0], "合计");
    assert_eq!(&recs[1][1], "1");
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn summary_xlsx_opens_with_title_headers_and_total() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(&dir);
    let path = dir.path().join("汇总表.xlsx");
    l.summary(&Filter::default())
        .unwrap()
        .write_xlsx(&path)
        .unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["汇总", "逾期", "重点问题"]);

    let r = wb.worksheet_range("汇总").unwrap();
    let rows: Vec<Vec<String>> = r.rows().map(|row| row.iter().map(text).collect()).collect();
    assert_eq!(rows[0][0], "绿盾遥感线索核查处理汇总表");
    assert!(rows[1][0].contains("2020年10月01日"), "{}", rows[1][0]);
    assert_eq!(
        rows[2],
        [
            "县区",
            "保护区名称",
            "功能分区",
            "活动类型",
            "整改状态",
            "数量",
            "面积(平方米)"
        ]
    );
    let last = rows.last().unwrap();
    assert_eq!(last[0], "合计");
    assert_eq!(last[5], "6");
    assert_eq!(last[6], "2130.5");
    let body = &rows[3..rows.len() - 1];
    assert_eq!(body.len(), 5);
    let sum: f64 = body.iter().map(|r| r[5].parse::<f64>().unwrap()).sum();
    assert_eq!(sum, 6.0);
    assert_eq!(sum as usize, l.count(&Filter::default()).unwrap());

    let r = wb.worksheet_range("逾期").unwrap();
    let rows: Vec<Vec<String>> = r.rows().map(|row| row.iter().map(text).collect()).collect();
    assert_eq!(rows[0][0], "绿盾问题整改逾期清单");
    assert_eq!(&rows[2][..3], ["序号", "线索编号", "批次"]);
    assert!(rows[2].contains(&"整改时限".to_string()) && rows[2].contains(&"责任单位".to_string()));
    assert_eq!(rows[3][1], "I3");
    assert_eq!((rows[4][0].as_str(), rows[4][1].as_str()), ("合计", "1"));

    let r = wb.worksheet_range("重点问题").unwrap();
    let rows: Vec<Vec<String>> = r.rows().map(|row| row.iter().map(text).collect()).collect();
    assert_eq!(rows[0][0], "绿盾重点问题整改情况表");
    let h = &rows[2];
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    assert_eq!(rows[3][col("线索编号")], "I4");
    assert_eq!(rows[3][col("功能分区")], "缓冲区");
    assert_eq!(rows[3][col("重点问题类型")], "缓冲区旅游设施");
    assert_eq!(rows[3][col("整改时限")], "2020-12-31");
    assert_eq!(rows[3][col("整改状态")], "整改中");
    assert_eq!((rows[4][0].as_str(), rows[4][1].as_str()), ("合计", "1"));
}
