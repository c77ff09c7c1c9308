//! The summary forms the team reports: counts and areas by county × reserve × zone × activity ×
//! status (汇总), the overdue issues (逾期) and the focus issues (重点问题). Each form is a
//! [`Table`] rendered as CSV (UTF-8 with BOM, or GBK) or as one sheet of an XLSX workbook;
//! the whole [`Summary`] also serialises to JSON.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use serde::Serialize;

use super::{zone_label, Entry, Filter, Ledger, LedgerError, LedgerResult, Status};

/// Title of the summary sheet.
pub const TITLE_SUMMARY: &str = "绿盾遥感线索核查处理汇总表";
/// Title of the overdue sheet.
pub const TITLE_OVERDUE: &str = "绿盾问题整改逾期清单";
/// Title of the focus-issue sheet.
pub const TITLE_FOCUS: &str = "绿盾重点问题整改情况表";

/// Labels for missing values in the forms.
const NO_COUNTY: &str = "未知县区";
const NO_RESERVE: &str = "保护区外";
const NO_ZONE: &str = "未分区";
const NO_ACTIVITY: &str = "未分类";

/// One line of the summary form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    /// 县区
    pub county: String,
    /// 保护区名称
    pub reserve: String,
    /// 功能分区 (Chinese name)
    pub zone: String,
    /// 活动类型
    pub activity: String,
    /// 整改状态 (the code: `pending` …)
    pub status: Status,
    /// 整改状态 (Chinese label)
    pub status_cn: String,
    /// 数量
    pub count: u64,
    /// 面积(平方米): sum of the known patch areas.
    pub area_m2: f64,
}

/// The three forms for one date.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// The title of the summary form (绿盾遥感线索核查处理汇总表).
    pub title: String,
    /// The date the forms are made for (overdue is judged against it).
    #[serde(serialize_with = "super::ser_date")]
    pub date: Option<NaiveDate>,
    /// The 汇总 lines: one per (county, reserve, zone, activity, status), sorted by them.
    pub rows: Vec<SummaryRow>,
    /// 合计: the number of issues.
    pub total_count: u64,
    /// 合计: the sum of the known patch areas, m² (unrounded; the forms print 2 decimals).
    pub total_area_m2: f64,
    /// Deadline before `date`, not rectified.
    pub overdue: Vec<Entry>,
    /// The focus issues (重点问题), in id order.
    pub focus: Vec<Entry>,
}

/// The forms by sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sheet {
    /// 汇总
    Summary,
    /// 逾期
    Overdue,
    /// 重点问题
    Focus,
}

impl Sheet {
    /// Every sheet, in workbook order.
    pub const ALL: [Sheet; 3] = [Sheet::Summary, Sheet::Overdue, Sheet::Focus];

    /// The sheet name in the workbook.
    pub fn name(self) -> &'static str {
        match self {
            Sheet::Summary => "汇总",
            Sheet::Overdue => "逾期",
            Sheet::Focus => "重点问题",
        }
    }
}

/// Text encoding of a CSV form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark (Excel opens it correctly).
    Utf8Bom,
    /// GBK, for older tools.
    Gbk,
}

/// A cell of a form.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text, written as it is.
    Text(String),
    /// A number: integers without decimals, other values to 2 decimals.
    Number(f64),
    /// A blank cell.
    Empty,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn render(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(x) => format_number(*x),
            Cell::Empty => String::new(),
        }
    }
}

/// Integers without decimals; areas to two decimals.
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// One form: title, header, body and the 合计 row.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The form's title (the sheet's merged first row; not in a CSV).
    pub title: String,
    /// The column headers (县区, 保护区名称 …).
    pub headers: Vec<&'static str>,
    /// The body, one cell per header.
    pub rows: Vec<Vec<Cell>>,
    /// The 合计 row.
    pub total: Vec<Cell>,
}

fn opt_or(s: &Option<String>, missing: &str) -> String {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(missing)
        .to_string()
}

fn entry_zone(e: &Entry) -> String {
    match (&e.zone_cn, &e.zone) {
        (Some(cn), _) if !cn.trim().is_empty() => cn.clone(),
        (_, Some(z)) if !z.trim().is_empty() => zone_label(z).to_string(),
        _ => NO_ZONE.to_string(),
    }
}

fn date_text(d: Option<NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, |d| {
        Cell::text(d.format("%Y-%m-%d").to_string())
    })
}

impl Summary {
    /// The form for `sheet`.
    pub fn table(&self, sheet: Sheet) -> Table {
        match sheet {
            Sheet::Summary => Table {
                title: self.title.clone(),
                headers: vec![
                    "县区",
                    "保护区名称",
                    "功能分区",
                    "活动类型",
                    "整改状态",
                    "数量",
                    "面积(平方米)",
                ],
                rows: self
                    .rows
                    .iter()
                    .map(|r| {
                        vec![
                            Cell::text(&r.county),
                            Cell::text(&r.reserve),
                            Cell::text(&r.zone),
                            Cell::text(&r.activity),
                            Cell::text(&r.status_cn),
                            Cell::Number(r.count as f64),
                            Cell::Number(round2(r.area_m2)),
                        ]
                    })
                    .collect(),
                total: vec![
                    Cell::text("合计"),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Number(self.total_count as f64),
                    Cell::Number(round2(self.total_area_m2)),
                ],
            },
            Sheet::Overdue => {
                let date = self.date;
                detail_table(
                    TITLE_OVERDUE,
                    &self.overdue,
                    &["整改时限", "逾期天数", "责任单位", "整改措施"],
                    |e| {
                        let days = match (e.deadline, date) {
                            (Some(d), Some(t)) => Cell::Number((t - d).num_days() as f64),
                            _ => Cell::Empty,
                        };
                        vec![
                            date_text(e.deadline),
                            days,
                            Cell::text(opt_or(&e.responsible_unit, "")),
                            Cell::text(opt_or(&e.measures, "")),
                        ]
                    },
                )
            }
            Sheet::Focus => detail_table(
                TITLE_FOCUS,
                &self.focus,
                &["重点问题类型", "整改时限", "责任单位", "整改措施"],
                |e| {
                    vec![
                        Cell::text(e.focus_reasons.join("；")),
                        date_text(e.deadline),
                        Cell::text(opt_or(&e.responsible_unit, "")),
                        Cell::text(opt_or(&e.measures, "")),
                    ]
                },
            ),
        }
    }

    /// The form as CSV bytes: header, body, 合计 row (the title is in the file name's place).
    pub fn csv(&self, sheet: Sheet, encoding: CsvEncoding) -> LedgerResult<Vec<u8>> {
        let table = self.table(sheet);
        let mut w = csv::WriterBuilder::new()
            .flexible(false)
            .from_writer(Vec::new());
        let report = |e: csv::Error| LedgerError::report(e);
        w.write_record(&table.headers).map_err(report)?;
        for row in table.rows.iter().chain(std::iter::once(&table.total)) {
            w.write_record(row.iter().map(Cell::render))
                .map_err(report)?;
        }
        let text = w
            .into_inner()
            .map_err(|e| LedgerError::report(e.into_error()))?;
        let text = String::from_utf8(text).map_err(LedgerError::report)?;
        match encoding {
            CsvEncoding::Utf8Bom => {
                let mut out = Vec::with_capacity(text.len() + 3);
                out.extend_from_slice(b"\xEF\xBB\xBF");
                out.extend_from_slice(text.as_bytes());
                Ok(out)
            }
            CsvEncoding::Gbk => {
                let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
                if unmappable {
                    return Err(LedgerError::NotGbk);
                }
                Ok(bytes.into_owned())
            }
        }
    }

    /// Write one form as CSV.
    pub fn write_csv(&self, path: &Path, sheet: Sheet, encoding: CsvEncoding) -> LedgerResult<()> {
        let bytes = self.csv(sheet, encoding)?;
        std::fs::write(path, bytes).map_err(|source| LedgerError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The workbook with the sheets 汇总, 逾期, 重点问题, as bytes.
    pub fn xlsx(&self) -> LedgerResult<Vec<u8>> {
        let mut wb = Workbook::new();
        self.fill_workbook(&mut wb).map_err(LedgerError::report)?;
        wb.save_to_buffer().map_err(LedgerError::report)
    }

    /// Write the workbook.
    pub fn write_xlsx(&self, path: &Path) -> LedgerResult<()> {
        let bytes = self.xlsx()?;
        std::fs::write(path, bytes).map_err(|source| LedgerError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The summary as pretty JSON.
    pub fn to_json(&self) -> LedgerResult<String> {
        serde_json::to_string_pretty(self).map_err(LedgerError::report)
    }

    fn fill_workbook(&self, wb: &mut Workbook) -> Result<(), XlsxError> {
        let title_fmt = Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let header_fmt = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_border(FormatBorder::Thin)
            .set_text_wrap();
        let cell_fmt = Format::new().set_border(FormatBorder::Thin);
        let num_fmt = Format::new()
            .set_border(FormatBorder::Thin)
            .set_num_format("0.##");
        let total_fmt = Format::new().set_bold().set_border(FormatBorder::Thin);
        let date = self
            .date
            .map(|d| format!("统计日期：{}", d.format("%Y年%m月%d日")))
            .unwrap_or_default();
        for sheet in Sheet::ALL {
            let table = self.table(sheet);
            let ws = wb.add_worksheet();
            ws.set_name(sheet.name())?;
            let last_col = u16::try_from(table.headers.len().saturating_sub(1)).unwrap_or(0);
            ws.merge_range(0, 0, 0, last_col, &table.title, &title_fmt)?;
            ws.set_row_height(0, 30)?;
            ws.write_string(1, 0, &date)?;
            for (c, h) in table.headers.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                ws.write_string_with_format(2, c, *h, &header_fmt)?;
                let width = if h.len() > 12 { 16 } else { 12 };
                ws.set_column_width(c, width)?;
            }
            let mut r: u32 = 3;
            for row in &table.rows {
                write_row(ws, r, row, &cell_fmt, &num_fmt)?;
                r += 1;
            }
            write_row(ws, r, &table.total, &total_fmt, &total_fmt)?;
            ws.set_freeze_panes(3, 0)?;
        }
        Ok(())
    }
}

fn write_row(
    ws: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    row: &[Cell],
    text_fmt: &Format,
    num_fmt: &Format,
) -> Result<(), XlsxError> {
    for (c, cell) in row.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        match cell {
            Cell::Text(s) => ws.write_string_with_format(r, c, s, text_fmt)?,
            Cell::Number(x) => ws.write_number_with_format(r, c, *x, num_fmt)?,
            Cell::Empty => ws.write_blank(r, c, text_fmt)?,
        };
    }
    Ok(())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A list of issues: 序号, 线索编号, 批次, 县区, 保护区名称, 功能分区, 活动类型, 面积, 整改状态,
/// then the `extra` columns; the 合计 row counts the issues (under 线索编号) and sums the area.
fn detail_table(
    title: &str,
    entries: &[Entry],
    extra: &[&'static str],
    extra_cells: impl Fn(&Entry) -> Vec<Cell>,
) -> Table {
    let mut headers = vec![
        "序号",
        "线索编号",
        "批次",
        "县区",
        "保护区名称",
        "功能分区",
        "活动类型",
        "面积(平方米)",
        "整改状态",
    ];
    headers.extend_from_slice(extra);
    let rows = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut row = vec![
                Cell::Number((i + 1) as f64),
                Cell::text(&e.clue_id),
                Cell::text(&e.batch),
                Cell::text(opt_or(&e.county, NO_COUNTY)),
                Cell::text(opt_or(&e.reserve, NO_RESERVE)),
                Cell::text(entry_zone(e)),
                Cell::text(if e.activity.trim().is_empty() {
                    NO_ACTIVITY
                } else {
                    &e.activity
                }),
                e.area_m2.map_or(Cell::Empty, |a| Cell::Number(round2(a))),
                Cell::text(e.status.label_cn()),
            ];
            row.extend(extra_cells(e));
            row
        })
        .collect();
    let area: f64 = entries.iter().filter_map(|e| e.area_m2).sum();
    let mut total = vec![
        Cell::text("合计"),
        Cell::Number(entries.len() as f64),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Number(round2(area)),
        Cell::Empty,
    ];
    total.resize(headers.len(), Cell::Empty);
    Table {
        title: title.to_string(),
        headers,
        rows,
        total,
    }
}

impl Ledger {
    /// The summary forms over the issues matching `filter`, dated the ledger's today.
    pub fn summary(&self, filter: &Filter) -> LedgerResult<Summary> {
        let today = self.today();
        type Key = (String, String, String, String, Status);
        let mut groups: BTreeMap<Key, (u64, f64)> = BTreeMap::new();
        for g in self.store.groups(filter, today)? {
            let county = opt_or(&g.county, NO_COUNTY);
            let reserve = opt_or(&g.reserve, NO_RESERVE);
            let zone = match (g.zone_cn, g.zone) {
                (Some(cn), _) if !cn.trim().is_empty() => cn,
                (_, Some(z)) if !z.trim().is_empty() => zone_label(&z).to_string(),
                _ => NO_ZONE.to_string(),
            };
            let activity = opt_or(&g.activity, NO_ACTIVITY);
            let e = groups
                .entry((county, reserve, zone, activity, g.status))
                .or_insert((0, 0.0));
            e.0 += g.count;
            e.1 += g.area_m2;
        }
        let rows: Vec<SummaryRow> = groups
            .into_iter()
            .map(
                |((county, reserve, zone, activity, status), (count, area_m2))| SummaryRow {
                    county,
                    reserve,
                    zone,
                    activity,
                    status,
                    status_cn: status.label_cn().to_string(),
                    count,
                    area_m2,
                },
            )
            .collect();
        let overdue = self.list_all(&Filter {
            overdue: Some(true),
            ..filter.clone()
        })?;
        let focus = self.list_all(&Filter {
            focus: Some(true),
            ..filter.clone()
        })?;
        Ok(Summary {
            title: TITLE_SUMMARY.to_string(),
            date: Some(today),
            total_count: rows.iter().map(|r| r.count).sum(),
            total_area_m2: rows.iter().map(|r| r.area_m2).sum(),
            rows,
            overdue,
            focus,
        })
    }
}
