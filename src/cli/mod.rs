//! The `svp` command line: argument parsing and dispatch. Each subcommand lives in its own
//! module and only translates between the terminal and the core.

mod ask;
mod bench;
mod desk;
mod eval;
mod index;
mod kb;
mod phrasings;
mod privacy;
mod report;
mod serve;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};
use crate::core::DeskError;

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
    /// Run the service: web UI and JSON API, and the Discord bot when a token is configured.
    Serve,
    /// Ask the bot a question (recorded when --as is given).
    Ask(ask::AskArgs),
    /// Pass a recorded question to the experts: opens a ticket, or joins a very close one.
    Escalate(desk::EscalateArgs),
    /// Tell whether the bot's answer helped.
    Feedback(desk::FeedbackArgs),
    /// Answer the bot's « Votre question porte-t-elle sur … ? »: --yes shows the article, --no
    /// passes the question to an expert.
    Confirm(desk::ConfirmArgs),
    /// The expert desk: list, show and act on tickets.
    Tickets {
        #[command(subcommand)]
        command: desk::TicketsCommand,
    },
    /// Edit or retire expert answers.
    Answers {
        #[command(subcommand)]
        command: desk::AnswersCommand,
    },
    /// Phrasings learned from confirmed questions: list, approve, remove, add.
    Phrasings {
        #[command(subcommand)]
        command: phrasings::PhrasingsCommand,
    },
    /// The manager report of a period: overview, frequent questions, knowledge gaps, desk health.
    Report(report::ReportArgs),
    /// Manager statistics over the last days.
    Stats(desk::StatsArgs),
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Bearer tokens for the JSON API.
    Tokens {
        #[command(subcommand)]
        command: users::TokensCommand,
    },
    /// Validate and inspect the knowledge base.
    Kb {
        #[command(subcommand)]
        command: kb::KbCommand,
    },
    /// Manage the search index.
    Index {
        #[command(subcommand)]
        command: index::IndexCommand,
    },
    /// Personal data already stored.
    Privacy {
        #[command(subcommand)]
        command: privacy::PrivacyCommand,
    },
    /// Measure answer quality on a question set (JSON lines: {"q": ..., "expect": [...]}).
    Eval(eval::EvalArgs),
    /// Benchmark SVP against PostgreSQL full-text search and SQLite FTS5; writes BENCHMARKS.md.
    Bench(bench::BenchArgs),
}

/// Entry point of the binary: parses arguments, runs the command, maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve) {
        restore_default_sigpipe();
    }
    init_tracing(matches!(cli.command, Command::Serve | Command::Index { .. } | Command::Bench(_)));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            match err.downcast_ref::<DeskError>() {
                Some(desk) if !desk.is_internal() => {
                    eprintln!("{desk}");
                    ExitCode::from(1)
                }
                _ => {
                    eprintln!("error: {err:#}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// A command whose output is piped into `head` ends quietly when the reader goes away, as Unix
/// tools do, instead of panicking in `println!` on a broken pipe. Rust ignores SIGPIPE by
/// default; `serve` keeps that (a client closing its socket must not kill the server).
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread is spawned; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        config_file: cli.config,
        data_dir: cli.data_dir,
        knowledge_dir: cli.knowledge,
        database_url: cli.database_url,
    };
    let settings = Settings::load(&overrides)?;
    match cli.command {
        Command::Serve => serve::run(settings).await,
        Command::Ask(args) => ask::run(&settings, args).await,
        Command::Escalate(args) => desk::escalate(&settings, args).await,
        Command::Feedback(args) => desk::feedback(&settings, args).await,
        Command::Confirm(args) => desk::confirm(&settings, args).await,
        Command::Tickets { command } => desk::tickets(&settings, command).await,
        Command::Answers { command } => desk::answers(&settings, command).await,
        Command::Phrasings { command } => phrasings::run(&settings, command).await,
        Command::Report(args) => report::run(&settings, args).await,
        Command::Stats(args) => desk::stats(&settings, args).await,
        Command::Users { command } => users::run(&settings, command).await,
        Command::Tokens { command } => users::tokens(&settings, command).await,
        Command::Kb { command } => kb::run(&settings, command),
        Command::Index { command } => index::run(&settings, command).await,
        Command::Privacy { command } => privacy::run(&settings, command).await,
        Command::Eval(args) => eval::run(&settings, args).await,
        Command::Bench(args) => bench::run(&settings, args).await,
    }
}

fn init_tracing(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SVP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // SVP_LOG_FORMAT=json: one JSON object per line, for log collectors.
    if std::env::var("SVP_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        let _ = tracing_subscriber::fmt().json().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    } else {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
}

/// Prints a value as pretty JSON.
fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
