//! `redline-testdata --out DIR [--scale demo|county] [--seed N]`: write the deterministic demo
//! fixtures or a county-scale benchmark set (for tests, benches and `bench/`; not part of the
//! product binary).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use redline_testdata::{self as g, inspect as gi};

#[derive(Parser)]
#[command(
    name = "redline-testdata",
    about = "生成测试与基准数据 (writes the fixtures or county-scale benchmark data)"
)]
struct Cli {
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "demo")]
    scale: ScaleArg,
    /// Seed of the generators (default: the seeds of the committed fixtures).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ScaleArg {
    /// The small committed fixtures.
    Demo,
    /// Benchmark scale (not committed).
    County,
}

fn run(cli: &Cli) -> redline_testdata::error::Result<()> {
    let scale = match cli.scale {
        ScaleArg::Demo => g::Scale::Demo,
        ScaleArg::County => g::Scale::County,
    };
    let out = &cli.out;
    eprintln!("生成数据 (generating) → {} …", out.display());
    let review = g::generate_review(&out.join("review"), scale, cli.seed.unwrap_or(g::DEMO_SEED))?;
    eprintln!(
        "审查数据 {}: {} 个文件, 地类图斑 {}, 永久基本农田 {}, 地块 {}",
        out.join("review").display(),
        review.files.len(),
        review.landuse,
        review.farmland,
        review.parcels
    );
    let inspect = gi::generate_inspect(
        &out.join("inspect"),
        scale,
        cli.seed.unwrap_or(gi::DEMO_SEED),
    )?;
    eprintln!(
        "绿盾数据 {}: {} 个文件",
        out.join("inspect").display(),
        inspect.files.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(&Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 (error): {e}");
            ExitCode::from(2)
        }
    }
}
