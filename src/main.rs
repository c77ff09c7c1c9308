//! The `redline` command line: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use redline::config::Config;
use redline::review::{ReportFormat, Reviewer};

mod cli_ledger;

#[derive(Parser)]
#[command(name = "redline", version, about = "宅基地用地审查与绿盾遥感线索核查 (Jingdezhen)")]
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
        /// Print only the summary and problems, not every clue.
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
            let config = Config::load(&config)?;
            let mut all = Vec::new();
            for p in &parcels {
                all.extend(redline::formats::read_parcels(p)?);
            }
            let reviewer = Reviewer::load(config)?;
            let report = reviewer.review(all)?;
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
            let n = redline::formats::convert::convert(&input, &output, &working, encoding)?;
            eprintln!("已转换 {n} 个地块: {} → {}", input.display(), output.display());
        }
        Command::Inspect {
            config,
            clues,
            summary_only,
        } => {
            let inspector = redline::inspect::Inspector::load(Config::load(&config)?)?;
            let (report, _) = redline::inspect::inspect_files(&inspector, &clues)?;
            for p in &report.problems {
                eprintln!("{p}");
            }
            let json = if summary_only {
                serde_json::json!({"summary": report.summary, "problems": report.problems,
                    "warnings": report.warnings, "layers": report.layers})
            } else {
                serde_json::to_value(&report)?
            };
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Command::Ledger { config, command } => cli_ledger::run(&config, command)?,
        Command::Generate { out, scale, seed } => {
            use redline::generate::{self as g, inspect as gi};
            let (rs, is) = match scale {
                ScaleArg::Demo => (g::Scale::Demo, gi::Scale::Demo),
                ScaleArg::County => (g::Scale::County, gi::Scale::County),
            };
            eprintln!("生成数据 (generating) → {} …", out.display());
            let review =
                g::generate_review(&out.join("review"), rs, seed.unwrap_or(g::DEMO_SEED))?;
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
