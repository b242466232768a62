//! The `svp` command line: argument parsing and dispatch. Each subcommand lives in its own
//! module and only translates between the terminal and the core.

mod ask;
mod eval;
mod index;
mod kb;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};

/// SVP insertion: the helpdesk bot and expert ticket queue.
#[derive(Debug, Parser)]
#[command(name = "svp", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: config/svp.toml when it exists).
    #[arg(long, global = true, env = "SVP_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, search index).
    #[arg(long, global = true, env = "SVP_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Knowledge folder.
    #[arg(long, global = true, env = "SVP_KNOWLEDGE_DIR", value_name = "DIR")]
    knowledge: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "SVP_DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and inspect the knowledge base.
    Kb {
        #[command(subcommand)]
        command: kb::KbCommand,
    },
    /// Ask the bot a question.
    Ask {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Show how the question was analyzed and scored.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
        /// The question.
        question: String,
    },
    /// Measure answer quality on a question set (JSON lines: {"q": ..., "expect": [...]}).
    Eval {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// List every miss.
        #[arg(long)]
        verbose: bool,
        /// The question set.
        file: PathBuf,
    },
    /// Manage the search index.
    Index {
        #[command(subcommand)]
        command: index::IndexCommand,
    },
}

/// Entry point of the binary: parses arguments, runs the command, maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(!matches!(cli.command, Command::Index { .. }));
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        config_file: cli.config,
        data_dir: cli.data_dir,
        knowledge_dir: cli.knowledge,
        database_url: cli.database_url,
    };
    let settings = Settings::load(&overrides)?;
    match cli.command {
        Command::Kb { command } => kb::run(&settings, command),
        Command::Ask { json: _, explain: true, question } => ask::explain(&settings, &question),
        Command::Ask { json, explain: false, question } => ask::run(&settings, &question, json),
        Command::Eval { json, verbose, file } => eval::run(&settings, &file, json, verbose),
        Command::Index { command } => index::run(&settings, command),
    }
}

fn init_tracing(quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SVP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
