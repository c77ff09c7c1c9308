//! The `redline` command line: a thin layer over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use redline::config::Config;
use redline::review::{ReportFormat, Reviewer};

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
    /// Write the deterministic demo fixtures or a county-scale benchmark set.
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "demo")]
        scale: redline::generate::Scale,
        #[arg(long, default_value_t = redline::generate::DEFAULT_SEED)]
        seed: u64,
    },
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
        Command::Generate { out, scale, seed } => {
            let summary = redline::generate::generate(&out, scale, seed)?;
            eprintln!("{summary}");
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
