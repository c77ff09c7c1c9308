//! The `redline` command line: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use redline::config::Config;
use redline::review::{ReportFormat, Reviewer};

mod cli_ledger;

#[derive(Parser)]
#[command(
    name = "redline",
    version,
    about = "宅基地用地审查与绿盾遥感线索核查 (Jingdezhen)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Review homestead parcels against the project's layers (审查).
    Review {
        /// The project file (TOML).
        #[arg(long)]
        config: PathBuf,
        /// Parcel files: TXT exchange format, GeoJSON or shapefile.
        #[arg(required = true)]
        parcels: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
    },
    /// Convert parcels between formats: TXT, GeoJSON (lon/lat), shapefile.
    Convert {
        input: PathBuf,
        output: PathBuf,
        /// Project file whose working CRS is used for TXT output (default EPSG:4527).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Text encoding of TXT / shapefile output.
        #[arg(long, value_enum, default_value = "gbk")]
        encoding: redline::formats::convert::OutputEncoding,
    },
    /// Place remote-sensing clues in reserves and zones (绿盾线索核查); prints JSON.
    Inspect {
        #[arg(long)]
        config: PathBuf,
        /// Clue lists: CSV, XLSX, shapefile or GeoJSON.
        #[arg(required = true)]
        clues: Vec<PathBuf>,
        /// Print only the counts (overall, by reserve zone, by county) and the problems, not
        /// every clue. The lists are then streamed in chunks and no clue is kept, so memory
        /// does not grow with the list.
        #[arg(long)]
        summary_only: bool,
    },
    /// The rectification ledger (问题台账).
    Ledger {
        #[arg(long)]
        config: PathBuf,
        #[command(subcommand)]
        command: cli_ledger::LedgerCommand,
    },
    /// Run the HTTP service (服务); `--demo` serves the bundled fixtures with a new admin token.
    Serve {
        /// The project file (TOML) with layers and `[[token]]` entries.
        #[arg(long, required_unless_present = "demo")]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Serve the bundled fixtures with a fresh ledger; prints a generated admin token.
        #[arg(long)]
        demo: bool,
        /// Data folder for the service database, uploaded layers (and the demo ledger).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Write the deterministic demo fixtures or a county-scale benchmark set.
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "demo")]
        scale: ScaleArg,
        /// Seed of the generators (default: the seeds of the committed fixtures).
        #[arg(long)]
        seed: Option<u64>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ScaleArg {
    /// The small committed fixtures.
    Demo,
    /// Benchmark scale (not committed).
    County,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Review {
            config,
            parcels,
            format,
        } => {
            let t = std::time::Instant::now();
            let config = Config::load(&config)?;
            let parcels = redline::formats::skip_sidecars(&parcels);
            let mut all = Vec::new();
            for p in &parcels {
                all.extend(redline::formats::read_parcels(p)?);
            }
            progress(
                format!("读取地块 {} 宗 ({} 个文件)", all.len(), parcels.len()),
                t,
            );
            let reviewer = Reviewer::load(config)?;
            let features: usize = reviewer.layers.iter().map(|l| l.len()).sum();
            progress(
                format!(
                    "载入审查图层 {} 个, 要素 {features} 个 (已投影并建立索引)",
                    reviewer.layers.len()
                ),
                t,
            );
            let report = reviewer.review(all)?;
            let m = &report.summary;
            progress(
                format!(
                    "审查完成: 通过 {}, 警告 {}, 不通过 {}, 无效 {}",
                    m.pass, m.warn, m.fail, m.invalid
                ),
                t,
            );
            let out = match format {
                ReportFormat::Json => serde_json::to_string_pretty(&report.to_json())?,
                ReportFormat::Geojson => serde_json::to_string(&report.to_geojson()?)?,
                ReportFormat::Text => report.to_text(),
            };
            println!("{out}");
        }
        Command::Convert {
            input,
            output,
            config,
            encoding,
        } => {
            let working = match config {
                Some(c) => Config::load(&c)?.working_crs,
                None => "EPSG:4527".to_string(),
            };
            let n = redline::formats::convert::convert(
                &input,
                &output,
                &working,
                encoding,
                chrono::Local::now().date_naive(),
            )?;
            eprintln!(
                "已转换 {n} 个地块: {} → {}",
                input.display(),
                output.display()
            );
        }
        Command::Inspect {
            config,
            clues,
            summary_only,
        } => {
            let t = std::time::Instant::now();
            let inspector = redline::inspect::Inspector::load(Config::load(&config)?)?;
            progress(
                format!(
                    "载入保护区功能分区 {} 个、县区 {} 个",
                    inspector.zones.len(),
                    inspector.counties.len()
                ),
                t,
            );
            let clues = redline::formats::skip_sidecars(&clues);
            if summary_only {
                // Counted as read, in chunks: no clue is kept, so memory does not grow with
                // the list.
                let mut next = 250_000;
                let mut placing = std::time::Duration::ZERO;
                let mut grid = std::time::Duration::ZERO;
                let s = inspector.tally_files(&clues, &mut |tally| {
                    placing = tally.placing;
                    grid = tally.grid;
                    if tally.clues >= next {
                        progress(format!("已核查线索 {} 条 …", tally.clues), t);
                        next += 250_000;
                    }
                })?;
                let m = &s.summary;
                progress(
                    format!(
                        "核查线索 {} 条 ({} 个文件): 保护区内 {}, 边界附近 {}, 区外 {}, 重点问题 {}, 问题行 {}",
                        m.clues, clues.len(), m.in_reserve, m.near_boundary, m.outside, m.focus, m.problems
                    ),
                    t,
                );
                let (grid, placing) = (grid.as_secs_f64(), placing.as_secs_f64());
                eprintln!(
                    "          其中建立快速网格 {grid:.2} s, 定位用时 {placing:.2} s (quick grid {grid:.3} s; placing: {:.0} ns per clue)",
                    placing * 1e9 / m.clues.max(1) as f64
                );
                for p in &s.problems {
                    eprintln!("{p}");
                }
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            let batch = redline::inspect::read_clue_files(&clues)?;
            progress(
                format!("读取线索 {} 条 ({} 个文件)", batch.clues.len(), clues.len()),
                t,
            );
            let report = inspector.report(&batch)?;
            let m = &report.summary;
            progress(
                format!(
                    "核查线索 {} 条: 保护区内 {}, 边界附近 {}, 区外 {}, 重点问题 {}, 问题行 {}",
                    m.clues, m.in_reserve, m.near_boundary, m.outside, m.focus, m.problems
                ),
                t,
            );
            for p in &report.problems {
                eprintln!("{p}");
            }
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Ledger { config, command } => cli_ledger::run(&config, command)?,
        Command::Serve {
            config,
            addr,
            demo,
            data,
        } => redline::http::serve(redline::http::ServeOptions {
            config,
            addr,
            demo,
            data,
        })?,
        Command::Generate { out, scale, seed } => {
            use redline::generate::{self as g, inspect as gi};
            let (rs, is) = match scale {
                ScaleArg::Demo => (g::Scale::Demo, gi::Scale::Demo),
                ScaleArg::County => (g::Scale::County, gi::Scale::County),
            };
            eprintln!("生成数据 (generating) → {} …", out.display());
            let review = g::generate_review(&out.join("review"), rs, seed.unwrap_or(g::DEMO_SEED))?;
            eprintln!(
                "审查数据 {}: {} 个文件, 地类图斑 {}, 永久基本农田 {}, 地块 {}",
                out.join("review").display(),
                review.files.len(),
                review.landuse,
                review.farmland,
                review.parcels
            );
            let inspect =
                gi::generate_inspect(&out.join("inspect"), is, seed.unwrap_or(gi::DEMO_SEED))?;
            eprintln!(
                "绿盾数据 {}: {} 个文件",
                out.join("inspect").display(),
                inspect.files.len()
            );
        }
    }
    Ok(())
}

/// A progress line on stderr with the time since `t` (stdout stays clean for JSON).
fn progress(what: String, t: std::time::Instant) {
    eprintln!("[{:>7.2}s] {what}", t.elapsed().as_secs_f64());
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 (error): {e:#}");
            ExitCode::from(2)
        }
    }
}
