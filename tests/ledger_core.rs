//! The ledger: life cycle, import, differences, concurrency, no deletion, look-back, queries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use chrono::NaiveDate;
use redline_core::ledger::TransitionRequest;
use redline_core::ledger::{
    Filter, Issue, Ledger, LedgerError, LedgerSettings, Status, TRANSITIONS,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn settings() -> LedgerSettings {
    LedgerSettings {
        lookback_m: 200.0,
        working_crs: "EPSG:4527".into(),
        deadline_days: 180,
        focus_deadline_days: 90,
        today: Some(date(2020, 10, 1)),
    }
}

fn open(dir: &tempfile::TempDir) -> Ledger {
    Ledger::open_with(&dir.path().join("ledger.sqlite"), settings()).unwrap()
}

fn issue(clue: &str, batch: &str, year: i32, lon: f64, lat: f64) -> Issue {
    Issue {
        clue_id: clue.into(),
        batch: batch.into(),
        year: Some(year),
        lon,
        lat,
        geometry_geojson: None,
        activity: "矿产资源开发".into(),
        area_m2: Some(1000.0),
        county_code: Some("360222".into()),
        county: Some("浮梁县".into()),
        reserve: Some("瑶里自然保护区".into()),
        reserve_level: Some("省级".into()),
        zone: Some("core".into()),
        zone_cn: Some("核心区".into()),
        distance_m: Some(0.0),
        focus: false,
        focus_reasons: vec![],
        departments: vec!["市林业局".into()],
        layer_versions: "sha256:aaaa".into(),
    }
}

/// A path of allowed moves from 待核查 to each status.
fn path_to(s: Status) -> Vec<Status> {
    use Status::*;
    match s {
        Pending => vec![],
        Confirmed => vec![Confirmed],
        NotAnIssue => vec![NotAnIssue],
        Rectifying => vec![Confirmed, Rectifying],
        Rectified => vec![Confirmed, Rectifying, Rectified],
        Closed => vec![Confirmed, Rectifying, Rectified, Closed],
    }
}

fn walk(l: &mut Ledger, id: i64, to: Status) {
    for s in path_to(to) {
        let e = l.get(id).unwrap();
        l.transition(&TransitionRequest {
            id,
            expected_version: e.version,
            to: s,
            who: ("张三").to_string(),
            reason: ("核查").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap();
    }
    assert_eq!(l.get(id).unwrap().status, to);
}

#[test]
fn transition_table_every_pair() {
    use Status::*;
    // The allowed moves, written out from the life cycle independently of TRANSITIONS.
    let allowed = [
        (Pending, Confirmed),
        (Pending, NotAnIssue),
        (Confirmed, Rectifying),
        (Rectifying, Rectified),
        (Rectified, Closed),
        (NotAnIssue, Pending),
        (Rectified, Rectifying),
        (Closed, Rectifying),
    ];
    assert_eq!(TRANSITIONS.len(), allowed.len());
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let mut n = 0;
    let mut refused = 0;
    for from in Status::ALL {
        for to in Status::ALL {
            n += 1;
            let clue = format!("T{n:02}");
            let rep = l
                .import(
                    &[issue(&clue, "2020", 2020, 117.0 + n as f64 * 0.01, 29.5)],
                    "导入员",
                )
                .unwrap();
            let id = rep.added_ids[0];
            walk(&mut l, id, from);
            let before = l.get(id).unwrap();
            let history_before = l.history(id).unwrap().len();
            let res = l.transition(&TransitionRequest {
                id,
                expected_version: before.version,
                to,
                who: ("李四").to_string(),
                reason: ("现场核查").to_string(),
                deadline: None,
                unit: None,
                measures: None,
            });
            if allowed.contains(&(from, to)) {
                let e = res.unwrap_or_else(|e| panic!("{from} → {to} refused: {e}"));
                assert_eq!(e.status, to);
                assert_eq!(e.version, before.version + 1);
                let h = l.history(id).unwrap();
                assert_eq!(h.len(), history_before + 1);
                let last = h.last().unwrap();
                assert_eq!(
                    (last.from, last.to, last.who.as_str(), last.version),
                    (Some(from), Some(to), "李四", e.version)
                );
                assert_eq!(last.reason.as_deref(), Some("现场核查"));
                assert!(
                    last.at.ends_with('Z') && last.at.contains('T'),
                    "{}",
                    last.at
                );
            } else {
                refused += 1;
                match res {
                    Err(LedgerError::IllegalTransition { from: f, to: t }) => {
                        assert_eq!((f, t), (from, to));
                    }
                    other => panic!("{from} → {to} should be illegal, got {other:?}"),
                }
                assert_eq!(l.get(id).unwrap(), before);
                assert_eq!(l.history(id).unwrap().len(), history_before);
            }
        }
    }
    assert_eq!(refused, 36 - 8);
}

#[test]
fn reopen_needs_reason() {
    use Status::*;
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    for (k, (from, to)) in [
        (NotAnIssue, Pending),
        (Rectified, Rectifying),
        (Closed, Rectifying),
    ]
    .into_iter()
    .enumerate()
    {
        let rep = l
            .import(
                &[issue(
                    &format!("R{k}"),
                    "2020",
                    2020,
                    117.3,
                    29.3 + k as f64 * 0.1,
                )],
                "导入员",
            )
            .unwrap();
        let id = rep.added_ids[0];
        walk(&mut l, id, from);
        let v = l.get(id).unwrap().version;
        for blank in ["", "   "] {
            let err = l
                .transition(&TransitionRequest {
                    id,
                    expected_version: v,
                    to,
                    who: ("王五").to_string(),
                    reason: (blank).to_string(),
                    deadline: None,
                    unit: None,
                    measures: None,
                })
                .unwrap_err();
            assert!(matches!(err, LedgerError::ReasonRequired(_)), "{err:?}");
        }
        let e = l
            .transition(&TransitionRequest {
                id,
                expected_version: v,
                to,
                who: ("王五").to_string(),
                reason: ("复查发现问题反弹").to_string(),
                deadline: None,
                unit: None,
                measures: None,
            })
            .unwrap();
        assert_eq!(e.status, to);
    }
}

#[test]
fn entering_rectification_sets_deadline_and_unit() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let mut focus = issue("F1", "2020", 2020, 117.4, 29.4);
    focus.focus = true;
    focus.departments = vec!["市林业局".into(), "市水利局".into()];
    let rep = l
        .import(&[issue("N1", "2020", 2020, 117.3, 29.3), focus], "导入员")
        .unwrap();
    let (normal, focus) = (rep.added_ids[0], rep.added_ids[1]);
    for id in [normal, focus] {
        l.transition(&TransitionRequest {
            id,
            expected_version: 1,
            to: Status::Confirmed,
            who: ("张三").to_string(),
            reason: ("属实").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap();
    }
    // Today 2020-10-01. +180 days: Oct 31 (+30), Nov 30 (+60), Dec 31 (+91), Jan 31 (+122),
    // Feb 28 (+150), Mar 30 (+180) → 2021-03-30. +90 days: Dec 30 → 2020-12-30.
    let e = l
        .transition(&TransitionRequest {
            id: normal,
            expected_version: 2,
            to: Status::Rectifying,
            who: ("张三").to_string(),
            reason: ("").to_string(),
            deadline: None,
            unit: None,
            measures: Some("拆除复绿".into()),
        })
        .unwrap();
    assert_eq!(e.deadline, Some(date(2021, 3, 30)));
    assert_eq!(
        e.responsible_unit.as_deref(),
        Some("浮梁县人民政府、市林业局")
    );
    assert_eq!(e.measures.as_deref(), Some("拆除复绿"));
    let e = l
        .transition(&TransitionRequest {
            id: focus,
            expected_version: 2,
            to: Status::Rectifying,
            who: ("张三").to_string(),
            reason: ("").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap();
    assert_eq!(e.deadline, Some(date(2020, 12, 30)));
    assert_eq!(
        e.responsible_unit.as_deref(),
        Some("浮梁县人民政府、市林业局、市水利局")
    );
    let h = l.history(focus).unwrap();
    let last = h.last().unwrap();
    assert_eq!(last.deadline, Some(date(2020, 12, 30)));
    assert_eq!(
        last.unit.as_deref(),
        Some("浮梁县人民政府、市林业局、市水利局")
    );
    // Explicit values win.
    let rep = l
        .import(&[issue("N2", "2020", 2020, 117.5, 29.5)], "导入员")
        .unwrap();
    let id = rep.added_ids[0];
    l.transition(&TransitionRequest {
        id,
        expected_version: 1,
        to: Status::Confirmed,
        who: ("张三").to_string(),
        reason: ("属实").to_string(),
        deadline: None,
        unit: None,
        measures: None,
    })
    .unwrap();
    let e = l
        .transition(&TransitionRequest {
            id,
            expected_version: 2,
            to: Status::Rectifying,
            who: ("张三").to_string(),
            reason: ("").to_string(),
            deadline: Some(date(2020, 11, 15)),
            unit: Some("浮梁县自然资源局".into()),
            measures: None,
        })
        .unwrap();
    assert_eq!(e.deadline, Some(date(2020, 11, 15)));
    assert_eq!(e.responsible_unit.as_deref(), Some("浮梁县自然资源局"));
    // No county and no department: no unit can be derived.
    let mut bare = issue("N3", "2020", 2020, 117.6, 29.6);
    bare.county = None;
    bare.departments.clear();
    let id = l.import(&[bare], "导入员").unwrap().added_ids[0];
    l.transition(&TransitionRequest {
        id,
        expected_version: 1,
        to: Status::Confirmed,
        who: ("张三").to_string(),
        reason: ("属实").to_string(),
        deadline: None,
        unit: None,
        measures: None,
    })
    .unwrap();
    let err = l
        .transition(&TransitionRequest {
            id,
            expected_version: 2,
            to: Status::Rectifying,
            who: ("张三").to_string(),
            reason: ("").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::UnitRequired(x) if x == id),
        "{err:?}"
    );
}

#[test]
fn stale_version_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let id = l
        .import(&[issue("C1", "2020", 2020, 117.3, 29.3)], "导入员")
        .unwrap()
        .added_ids[0];
    // Two officials read version 1; the first one wins.
    l.transition(&TransitionRequest {
        id,
        expected_version: 1,
        to: Status::Confirmed,
        who: ("甲").to_string(),
        reason: ("属实").to_string(),
        deadline: None,
        unit: None,
        measures: None,
    })
    .unwrap();
    let err = l
        .transition(&TransitionRequest {
            id,
            expected_version: 1,
            to: Status::NotAnIssue,
            who: ("乙").to_string(),
            reason: ("不属实").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap_err();
    match err {
        LedgerError::Conflict {
            id: i,
            expected_version,
            current_version,
        } => assert_eq!((i, expected_version, current_version), (id, 1, 2)),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert_eq!(l.get(id).unwrap().status, Status::Confirmed);
    // The same through two connections (two officials' sessions) on one file.
    let mut other = open(&dir);
    other
        .transition(&TransitionRequest {
            id,
            expected_version: 2,
            to: Status::Rectifying,
            who: ("乙").to_string(),
            reason: ("").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap();
    let err = l
        .transition(&TransitionRequest {
            id,
            expected_version: 2,
            to: Status::Rectifying,
            who: ("甲").to_string(),
            reason: ("").to_string(),
            deadline: None,
            unit: None,
            measures: None,
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::Conflict {
                current_version: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(l.history(id).unwrap().len(), 3);
    assert!(matches!(
        l.transition(&TransitionRequest {
            id: 999,
            expected_version: 1,
            to: Status::Confirmed,
            who: ("甲").to_string(),
            reason: ("").to_string(),
            deadline: None,
            unit: None,
            measures: None
        }),
        Err(LedgerError::NotFound(999))
    ));
}

#[test]
fn import_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let batch = vec![
        issue("A1", "2020", 2020, 117.1, 29.1),
        issue("A2", "2020", 2020, 117.2, 29.2),
        issue("A3", "2020", 2020, 117.3, 29.3),
    ];
    let r1 = l.import(&batch, "导入员").unwrap();
    assert_eq!((r1.added, r1.unchanged, r1.differences.len()), (3, 0, 0));
    let r2 = l.import(&batch, "导入员").unwrap();
    assert_eq!((r2.added, r2.unchanged, r2.differences.len()), (0, 3, 0));
    // Same clue, other batch: a new issue.
    let r3 = l
        .import(&[issue("A1", "2020-2", 2020, 117.1, 29.1)], "导入员")
        .unwrap();
    assert_eq!(r3.added, 1);
    let c = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM issues"), 4);
    assert_eq!(count("SELECT count(*) FROM history"), 4);
    assert_eq!(count("SELECT count(*) FROM imports"), 3);
    assert_eq!(count("SELECT sum(added) FROM imports"), 4);
    // Layer versions alone are no difference.
    let mut relayered = batch[0].clone();
    relayered.layer_versions = "sha256:bbbb".into();
    let r4 = l.import(&[relayered], "导入员").unwrap();
    assert_eq!((r4.added, r4.unchanged), (0, 1));
}

#[test]
fn changed_reimport_is_reported_then_applied() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let original = issue("D1", "2020", 2020, 117.2, 29.3);
    let id = l
        .import(std::slice::from_ref(&original), "导入员")
        .unwrap()
        .added_ids[0];
    let mut moved = original.clone();
    moved.lon = 117.2005;
    moved.zone = Some("buffer".into());
    moved.zone_cn = Some("缓冲区".into());
    moved.layer_versions = "sha256:bbbb".into();
    let rep = l.import(&[moved.clone()], "导入员").unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 0));
    assert_eq!(rep.differences.len(), 1);
    let d = &rep.differences[0];
    assert_eq!((d.id, d.version, d.clue_id.as_str()), (id, 1, "D1"));
    let fields: Vec<(&str, String, String)> = d
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.to_string(), c.new.to_string()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("lon", "117.2".into(), "117.2005".into()),
            ("zone", "\"core\"".into(), "\"buffer\"".into()),
            ("zone_cn", "\"核心区\"".into(), "\"缓冲区\"".into()),
            (
                "layer_versions",
                "\"sha256:aaaa\"".into(),
                "\"sha256:bbbb\"".into()
            ),
        ]
    );
    // Not applied.
    let e = l.get(id).unwrap();
    assert_eq!(
        (e.lon, e.zone.as_deref(), e.version),
        (117.2, Some("core"), 1)
    );
    // A reason is required.
    assert!(matches!(
        l.apply_changes(&rep.differences, "审核员", " "),
        Err(LedgerError::ReasonRequired(_))
    ));
    let applied = l
        .apply_changes(&rep.differences, "审核员", "新版功能区划")
        .unwrap();
    assert_eq!(applied.len(), 1);
    let e = l.get(id).unwrap();
    assert_eq!(
        (
            e.lon,
            e.zone.as_deref(),
            e.zone_cn.as_deref(),
            e.layer_versions.as_str(),
            e.version
        ),
        (117.2005, Some("buffer"), Some("缓冲区"), "sha256:bbbb", 2)
    );
    let h = l.history(id).unwrap();
    let last = h.last().unwrap();
    assert_eq!(last.action, "change");
    assert_eq!(last.reason.as_deref(), Some("新版功能区划"));
    assert_eq!(last.changes.as_ref().unwrap().as_array().unwrap().len(), 4);
    // Applying the same (now stale) differences again is a conflict.
    assert!(matches!(
        l.apply_changes(&rep.differences, "审核员", "再次"),
        Err(LedgerError::Conflict {
            current_version: 2,
            ..
        })
    ));
    // And the re-import now agrees.
    let rep = l.import(&[moved], "导入员").unwrap();
    assert_eq!((rep.unchanged, rep.differences.len()), (1, 0));
}

#[test]
fn failed_import_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let mut bad = issue("B3", "2020", 2020, f64::NAN, 29.3);
    bad.lat = 29.3;
    let err = l
        .import(
            &[
                issue("B1", "2020", 2020, 117.1, 29.1),
                issue("B2", "2020", 2020, 117.2, 29.2),
                bad,
            ],
            "导入员",
        )
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("第 3 条") && msg.contains("B3"), "{msg}");
    assert_eq!(l.count(&Filter::default()).unwrap(), 0);
}

#[test]
fn nothing_can_be_deleted_and_history_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    l.import(
        &[
            issue("X1", "2019", 2019, 117.2, 29.3),
            issue("X2", "2020", 2020, 117.2, 29.3005),
        ],
        "导入员",
    )
    .unwrap();
    l.transition(&TransitionRequest {
        id: 1,
        expected_version: 1,
        to: Status::Confirmed,
        who: ("张三").to_string(),
        reason: ("属实").to_string(),
        deadline: None,
        unit: None,
        measures: None,
    })
    .unwrap();
    let c = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    for sql in [
        "DELETE FROM issues",
        "DELETE FROM issues WHERE id = 1",
        "DELETE FROM history",
        "DELETE FROM links",
        "DELETE FROM imports",
        "DELETE FROM schema_version",
        "UPDATE history SET who = 'x'",
        "UPDATE links SET distance_m = 0",
        "UPDATE imports SET who = 'x'",
        "UPDATE issues SET status = 'closed' WHERE id = 1",
    ] {
        let err = c.execute(sql, []).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("不可删除") || msg.contains("不可修改") || msg.contains("版本号"),
            "{sql}: {msg}"
        );
    }
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM issues"), 2);
    assert_eq!(count("SELECT count(*) FROM history"), 3);
    assert_eq!(count("SELECT count(*) FROM links"), 1);
    assert_eq!(count("SELECT count(*) FROM imports"), 1);
    assert_eq!(l.get(1).unwrap().status, Status::Confirmed);
    assert_eq!(l.schema_version().unwrap(), 1);
    assert_eq!(
        c.pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))
            .unwrap(),
        "wal"
    );
    assert_eq!(
        c.pragma_query_value(None, "synchronous", |r| r.get::<_, i64>(0))
            .unwrap(),
        2
    );
    assert_eq!(
        c.pragma_query_value(None, "foreign_keys", |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
}

#[test]
fn lookback_links_across_years() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    // Distances are planar in the working CRS (EPSG:4527), worked by hand on the CGCS2000
    // ellipsoid: 0.001° of latitude near 29.3°N is the meridian arc M·Δφ·k = 110.841 m
    // (M = 6 350 705 m, GK scale k = 1.000 004 6 at 0.2° from the central meridian);
    // 0.0005° = 55.421 m, 0.003° = 332.524 m.
    let r1 = l
        .import(&[issue("L2019", "2019", 2019, 117.2, 29.3)], "导入员")
        .unwrap();
    assert!(r1.links.is_empty());
    let old = r1.added_ids[0];
    let r2 = l
        .import(
            &[
                issue("L2020-near", "2020", 2020, 117.2, 29.301),
                issue("L2020-far", "2020", 2020, 117.2, 29.303),
                issue("L2019-b", "2019-2", 2019, 117.2, 29.3005),
            ],
            "导入员",
        )
        .unwrap();
    let near = r2.added_ids[0];
    let same_year = r2.added_ids[2];
    // near → L2019 (110.8 m) and near → L2019-b (55.4 m); far is 332.5 m / 277.1 m away;
    // the two 2019 issues are the same year and are not linked.
    let mut got: Vec<(i64, i64, f64)> = r2
        .links
        .iter()
        .map(|k| {
            (
                k.issue_id,
                k.earlier_id,
                (k.distance_m * 10.0).round() / 10.0,
            )
        })
        .collect();
    got.sort_by_key(|g| g.1);
    assert_eq!(got, vec![(near, old, 110.8), (near, same_year, 55.4)]);
    let (_, _, links) = l.show(old).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].clue_id.as_str(), links[0].earlier_clue_id.as_str()),
        ("L2020-near", "L2019")
    );
    assert_eq!(
        (links[0].year, links[0].earlier_year),
        (Some(2020), Some(2019))
    );
    // An earlier year imported later still links (the later issue points to the earlier one).
    let r3 = l
        .import(&[issue("L2018", "2018", 2018, 117.2, 29.3025)], "导入员")
        .unwrap();
    let l2018 = r3.added_ids[0];
    let far = r2.added_ids[1];
    // L2018 at 29.3025: far (29.303) is 55.4 m, near (29.301) 166.3 m, L2019 277.1 m,
    // L2019-b (29.3005) 221.7 m.
    let mut got: Vec<(i64, i64)> = r3
        .links
        .iter()
        .map(|k| (k.issue_id, k.earlier_id))
        .collect();
    got.sort();
    assert_eq!(got, vec![(near, l2018), (far, l2018)]);
}

#[test]
fn list_filters_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let mut l = open(&dir);
    let mut a = issue("Q1", "2020", 2020, 117.1, 29.1);
    a.focus = true;
    a.focus_reasons = vec!["核心区矿产资源开发".into()];
    let mut b = issue("Q2", "2020", 2020, 117.2, 29.2);
    b.county = Some("乐平市".into());
    b.county_code = Some("360281".into());
    b.zone = Some("experimental".into());
    b.zone_cn = None;
    let c = issue("Q3", "2019", 2019, 117.3, 29.3);
    let ids = l.import(&[a, b, c], "导入员").unwrap().added_ids;
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
        deadline: Some(date(2020, 9, 30)),
        unit: None,
        measures: None,
    })
    .unwrap();
    l.transition(&TransitionRequest {
        id: ids[1],
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
        id: ids[1],
        expected_version: 2,
        to: Status::Rectifying,
        who: ("张三").to_string(),
        reason: ("").to_string(),
        deadline: Some(date(2020, 10, 1)),
        unit: None,
        measures: None,
    })
    .unwrap();
    let ids_of =
        |f: Filter| -> Vec<i64> { l.list(&f, 0, 100).unwrap().iter().map(|e| e.id).collect() };
    assert_eq!(ids_of(Filter::default()), ids);
    assert_eq!(
        ids_of(Filter {
            status: Some(Status::Rectifying),
            ..Default::default()
        }),
        ids[..2]
    );
    assert_eq!(
        ids_of(Filter {
            county: Some("360281".into()),
            ..Default::default()
        }),
        [ids[1]]
    );
    assert_eq!(
        ids_of(Filter {
            county: Some("浮梁县".into()),
            ..Default::default()
        }),
        [ids[0], ids[2]]
    );
    assert_eq!(
        ids_of(Filter {
            zone: Some("experimental".into()),
            ..Default::default()
        }),
        [ids[1]]
    );
    assert_eq!(
        ids_of(Filter {
            zone: Some("核心区".into()),
            ..Default::default()
        }),
        [ids[0], ids[2]]
    );
    assert_eq!(
        ids_of(Filter {
            focus: Some(true),
            ..Default::default()
        }),
        [ids[0]]
    );
    assert_eq!(
        ids_of(Filter {
            year: Some(2019),
            ..Default::default()
        }),
        [ids[2]]
    );
    assert_eq!(
        ids_of(Filter {
            reserve: Some("瑶里自然保护区".into()),
            ..Default::default()
        }),
        ids
    );
    // Today is 2020-10-01: a deadline of 09-30 is overdue, 10-01 is not yet.
    assert_eq!(
        ids_of(Filter {
            overdue: Some(true),
            ..Default::default()
        }),
        [ids[0]]
    );
    assert_eq!(
        ids_of(Filter {
            overdue: Some(false),
            ..Default::default()
        }),
        [ids[1], ids[2]]
    );
    assert!(l.get(ids[0]).unwrap().overdue);
    assert_eq!(l.list(&Filter::default(), 1, 1).unwrap()[0].id, ids[1]);
    assert_eq!(
        l.count(&Filter {
            status: Some(Status::Pending),
            ..Default::default()
        })
        .unwrap(),
        1
    );
    let (e, h, links) = l.show(ids[0]).unwrap();
    assert_eq!(e.status_cn, "整改中");
    assert_eq!(
        h.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["import", "transition", "transition"]
    );
    assert_eq!(h.iter().map(|r| r.version).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(links.is_empty());
    assert!(matches!(l.show(42), Err(LedgerError::NotFound(42))));
    // Reopening the file keeps everything and does not re-run migrations.
    drop(l);
    let l = open(&dir);
    assert_eq!(l.count(&Filter::default()).unwrap(), 3);
    assert_eq!(l.schema_version().unwrap(), 1);
    assert_eq!(l.integrity_check().unwrap(), "ok");
}
