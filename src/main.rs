//! The `redline` command line: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use redline_core::config::Config;
use redline_core::formats::convert::OutputEncoding;
use redline_core::review::{ReportFormat, Reviewer};

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
        format: FormatArg,
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
        encoding: EncodingArg,
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
}

/// `review --format`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Json,
    Geojson,
    Text,
}

impl From<FormatArg> for ReportFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Json => ReportFormat::Json,
            FormatArg::Geojson => ReportFormat::Geojson,
            FormatArg::Text => ReportFormat::Text,
        }
    }
}

/// `convert --encoding`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum EncodingArg {
    Gbk,
    Utf8,
}

impl From<EncodingArg> for OutputEncoding {
    fn from(e: EncodingArg) -> Self {
        match e {
            EncodingArg::Gbk => OutputEncoding::Gbk,
            EncodingArg::Utf8 => OutputEncoding::Utf8,
        }
    }
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
            let parcels = redline_core::formats::skip_sidecars(&parcels);
            let mut all = Vec::new();
            for p in &parcels {
                all.extend(redline_core::formats::read_parcels(p)?);
            }
            progress(
                format!("读取地块 {} 宗 ({} 个文件)", all.len(), parcels.len()),
                t,
            );
            let reviewer = Reviewer::load(config)?;
            let features: usize = reviewer
                .layers
                .iter()
                .map(redline_core::layer::Layer::len)
                .sum();
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
            let out = match ReportFormat::from(format) {
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
            let n = redline_core::formats::convert::convert(
                &input,
                &output,
                &working,
                encoding.into(),
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
            let inspector = redline_core::inspect::Inspector::load(Config::load(&config)?)?;
            progress(
                format!(
                    "载入保护区功能分区 {} 个、县区 {} 个",
                    inspector.zones.len(),
                    inspector.counties.len()
                ),
                t,
            );
            let clues = redline_core::formats::skip_sidecars(&clues);
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
            let batch = redline_core::inspect::read_clue_files(&clues)?;
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
        } => serve(redline_http::ServeOptions {
            config,
            addr,
            demo,
            data,
        })?,
    }
    Ok(())
}

/// `redline serve`: logs to stderr (`RUST_LOG`, default `info`), a multi-threaded tokio runtime,
/// the service until ctrl-c or SIGTERM.
fn serve(opts: redline_http::ServeOptions) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(redline_http::serve(opts))?;
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
