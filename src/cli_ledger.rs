//! `redline ledger …`: the thin command line over [`redline_core::ledger`].

use std::path::{Path, PathBuf};

use clap::Subcommand;

use redline_core::config::Config;
use redline_core::ledger::{
    export::ExportGeometry, CsvEncoding, Filter, Ledger, LedgerSettings, Sheet, Status,
    TransitionRequest,
};

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Place clue lists and add them to the ledger (idempotent; changes are reported, not applied).
    Import {
        #[arg(required = true)]
        clues: Vec<PathBuf>,
        /// Who imports (recorded in the history).
        #[arg(long)]
        who: String,
        /// Apply the reported differences of clues already in the ledger (needs --reason).
        #[arg(long)]
        apply_changes: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// List issues (JSON), with filters and pagination.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one issue with its history and look-back links.
    Show { id: i64 },
    /// Move an issue to a new status (待核查 → 属实/不属实 → 整改中 → 已整改 → 已销号).
    Transition {
        id: i64,
        /// The version you saw (optimistic concurrency: a stale version is refused).
        #[arg(long)]
        version: i64,
        /// New status: pending, confirmed, not_an_issue, rectifying, rectified, closed (or Chinese).
        #[arg(long)]
        to: String,
        #[arg(long)]
        who: String,
        #[arg(long)]
        reason: Option<String>,
        /// Rectification deadline YYYY-MM-DD (default from the config).
        #[arg(long)]
        deadline: Option<chrono::NaiveDate>,
        /// Responsible unit (default: the county government and departments).
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        measures: Option<String>,
    },
    /// Summary forms (汇总, 逾期, 重点问题) as JSON, CSV or XLSX.
    Summary {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value = "json")]
        format: SummaryFormat,
        /// Output file (required for xlsx and csv).
        #[arg(long)]
        out: Option<PathBuf>,
        /// CSV in GBK instead of UTF-8 with BOM.
        #[arg(long)]
        gbk: bool,
    },
    /// Export issues with geometry: .geojson or .shp (by extension).
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        out: PathBuf,
        /// Patches as polygons (else points).
        #[arg(long)]
        patches: bool,
        /// Shapefile attributes in UTF-8 instead of GBK.
        #[arg(long)]
        utf8: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SummaryFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(clap::Args)]
pub struct FilterArgs {
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    county: Option<String>,
    #[arg(long)]
    reserve: Option<String>,
    #[arg(long)]
    zone: Option<String>,
    #[arg(long)]
    focus: bool,
    #[arg(long)]
    overdue: bool,
    #[arg(long)]
    year: Option<i32>,
    #[arg(long)]
    batch: Option<String>,
    /// The activity type (活动类型), as the clue list names it.
    #[arg(long)]
    activity: Option<String>,
}

impl FilterArgs {
    fn filter(&self) -> anyhow::Result<Filter> {
        let status = match &self.status {
            Some(s) => Some(
                Status::parse(s)
                    .ok_or_else(|| anyhow::anyhow!("未知状态 (unknown status) {s:?}"))?,
            ),
            None => None,
        };
        Ok(Filter {
            status,
            county: self.county.clone(),
            reserve: self.reserve.clone(),
            zone: self.zone.clone(),
            focus: self.focus.then_some(true),
            overdue: self.overdue.then_some(true),
            year: self.year,
            batch: self.batch.clone(),
            activity: self.activity.clone(),
            bbox: None,
        })
    }
}

fn open(config: &Config) -> anyhow::Result<Ledger> {
    let settings = LedgerSettings::of_project(config);
    Ok(Ledger::open_with(&config.inspection.ledger, settings)?)
}

fn print(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub fn run(config_path: &Path, command: LedgerCommand) -> anyhow::Result<()> {
    let config = Config::load(config_path)?;
    match command {
        LedgerCommand::Import {
            clues,
            who,
            apply_changes,
            reason,
        } => {
            let inspector = redline_core::inspect::Inspector::load(config.clone())?;
            let clues = redline_core::formats::skip_sidecars(&clues);
            let batch = redline_core::inspect::read_clue_files(&clues)?;
            let mut ledger = open(&config)?;
            let inspection = inspector.inspect(&batch, &|_| true, Some((&mut ledger, &who)))?;
            let report = &inspection.report;
            for p in &report.problems {
                eprintln!("{p}");
            }
            let imported = inspection
                .import
                .ok_or_else(|| anyhow::anyhow!("导入未执行 (no import was made)"))?;
            eprintln!(
                "导入: 新增 {}, 未变 {}, 有差异 {} (未应用), 回头看关联 {}; 问题行 {}",
                imported.added,
                imported.unchanged,
                imported.differences.len(),
                imported.links.len(),
                report.problems.len()
            );
            if apply_changes && !imported.differences.is_empty() {
                let reason = reason.filter(|r| !r.trim().is_empty()).ok_or_else(|| {
                    anyhow::anyhow!("--apply-changes 需要 --reason (a reason is required)")
                })?;
                let applied = ledger.apply_changes(&imported.differences, &who, &reason)?;
                eprintln!("已应用差异 {} 条", applied.len());
            }
            print(&imported)?;
        }
        LedgerCommand::List {
            filter,
            offset,
            limit,
        } => {
            let ledger = open(&config)?;
            let f = filter.filter()?;
            let total = ledger.count(&f)?;
            let entries = ledger.list(&f, offset, limit)?;
            print(
                &serde_json::json!({"total": total, "offset": offset, "limit": limit, "entries": entries}),
            )?;
        }
        LedgerCommand::Show { id } => {
            let ledger = open(&config)?;
            let (entry, history, links) = ledger.show(id)?;
            print(&serde_json::json!({"entry": entry, "history": history, "links": links}))?;
        }
        LedgerCommand::Transition {
            id,
            version,
            to,
            who,
            reason,
            deadline,
            unit,
            measures,
        } => {
            let to = Status::parse(&to)
                .ok_or_else(|| anyhow::anyhow!("未知状态 (unknown status) {to:?}"))?;
            let mut ledger = open(&config)?;
            let entry = ledger.transition(&TransitionRequest {
                id,
                expected_version: version,
                to,
                who,
                reason: reason.unwrap_or_default(),
                deadline,
                unit,
                measures,
            })?;
            print(&entry)?;
        }
        LedgerCommand::Summary {
            filter,
            format,
            out,
            gbk,
        } => {
            let ledger = open(&config)?;
            let summary = ledger.summary(&filter.filter()?)?;
            match format {
                SummaryFormat::Json => match out {
                    Some(p) => std::fs::write(&p, summary.to_json()?)?,
                    None => println!("{}", summary.to_json()?),
                },
                SummaryFormat::Xlsx => {
                    let p = out.ok_or_else(|| anyhow::anyhow!("xlsx 需要 --out FILE"))?;
                    summary.write_xlsx(&p)?;
                    eprintln!("已写出 {}", p.display());
                }
                SummaryFormat::Csv => {
                    let p = out.ok_or_else(|| {
                        anyhow::anyhow!(
                            "csv 需要 --out FILE (one file per sheet is written beside it)"
                        )
                    })?;
                    let enc = if gbk {
                        CsvEncoding::Gbk
                    } else {
                        CsvEncoding::Utf8Bom
                    };
                    for sheet in Sheet::ALL {
                        let path = if sheet == Sheet::Summary {
                            p.clone()
                        } else {
                            let stem = p
                                .file_stem()
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            p.with_file_name(format!("{stem}_{}.csv", sheet.name()))
                        };
                        summary.write_csv(&path, sheet, enc)?;
                        eprintln!("已写出 {}", path.display());
                    }
                }
            }
        }
        LedgerCommand::Export {
            filter,
            out,
            patches,
            utf8,
        } => {
            let ledger = open(&config)?;
            let f = filter.filter()?;
            let geometry = if patches {
                ExportGeometry::Patches
            } else {
                ExportGeometry::Points
            };
            let n = match redline_core::formats::Kind::of(&out) {
                Some(redline_core::formats::Kind::Shapefile) => {
                    let enc = if utf8 {
                        redline_core::formats::shapefile::DbfEncoding::Utf8
                    } else {
                        redline_core::formats::shapefile::DbfEncoding::Gbk
                    };
                    ledger.export_shapefile(&out, &f, geometry, enc)?
                }
                Some(redline_core::formats::Kind::GeoJson) => {
                    ledger.export_geojson(&out, &f, geometry)?
                }
                _ => anyhow::bail!("导出格式须为 .geojson 或 .shp: {}", out.display()),
            };
            eprintln!("已导出 {n} 条到 {}", out.display());
        }
    }
    Ok(())
}
