//! `svp bench`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::Settings;

#[derive(Debug, Args)]
pub(super) struct BenchArgs {
    /// Small sizes (CI): shows the benchmark runs, not how fast SVP is.
    #[arg(long)]
    quick: bool,
    /// Generated corpus sizes, comma-separated (default 10000,100000,1000000; quick: 2000).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// PostgreSQL server for the peer and the PostgreSQL store (a database is created, then dropped).
    #[arg(long, env = "SVP_TEST_POSTGRES_URL", hide_env_values = true)]
    postgres_url: Option<String>,
    /// Question set.
    #[arg(long, default_value = "eval/dev.jsonl")]
    questions: PathBuf,
    /// Report file.
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
}

pub(super) async fn run(settings: &Settings, args: BenchArgs) -> anyhow::Result<ExitCode> {
    let sizes = if !args.sizes.is_empty() {
        args.sizes
    } else if args.quick {
        vec![2_000]
    } else {
        vec![10_000, 100_000, 1_000_000]
    };
    let options = crate::bench::Options { quick: args.quick, sizes, postgres_url: args.postgres_url, questions: args.questions, out: args.out };
    let report = crate::bench::run(settings, &options).await?;
    println!("{report}");
    eprintln!("written to {}", options.out.display());
    Ok(ExitCode::SUCCESS)
}
