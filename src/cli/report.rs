//! `svp report`: the manager report of a period, as Markdown, CSV (one row per question) or JSON.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use crate::app;
use crate::config::Settings;
use crate::core::reports::{ReportQuery, export};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Format {
    /// Markdown tables.
    Md,
    /// One row per question (`;` separated, UTF-8 with byte-order mark, for spreadsheets).
    Csv,
    /// The whole report.
    Json,
}

#[derive(Debug, Args)]
pub(super) struct ReportArgs {
    /// A manager.
    #[arg(long = "as", value_name = "USER")]
    user: String,
    /// First day (YYYY-MM-DD; default: 30 days before --to).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day, included (YYYY-MM-DD; default: up to now).
    #[arg(long)]
    to: Option<NaiveDate>,
    /// Only this theme (id, as in knowledge/themes.toml).
    #[arg(long)]
    theme: Option<String>,
    /// Only this site.
    #[arg(long)]
    site: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Md)]
    format: Format,
}

pub(super) async fn run(settings: &Settings, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    let user = service.user_named(&args.user).await?;
    let query = ReportQuery::days(args.from, args.to, 30, args.theme, args.site);
    match args.format {
        Format::Md => print!("{}", export::markdown(&service.report(&user, &query).await?)),
        Format::Json => super::print_json(&service.report(&user, &query).await?)?,
        Format::Csv => {
            let (report, questions, answered) = service.report_with_questions(&user, &query).await?;
            std::io::stdout().write_all(&export::questions_csv(&report, &questions, &answered))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
