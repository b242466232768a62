//! `svp privacy rescan`: re-apply the current redaction rules to everything stored.

use std::process::ExitCode;

use clap::Subcommand;

use crate::app;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub(super) enum PrivacyCommand {
    /// Re-apply the current redaction rules to every stored text (questions, tickets and their
    /// history, expert answers and their versions, messages owed) and re-index what changed.
    /// Idempotent; safe while `svp serve` runs.
    Rescan {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn run(settings: &Settings, command: PrivacyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PrivacyCommand::Rescan { json } => {
            let service = app::open_service(settings, false, &|_| {}).await?;
            let report = service.privacy_rescan().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("redaction rules v{} applied to everything stored", report.rules_version);
                for (column, read, changed) in &report.columns {
                    println!("  {column:<22} {read:>7} read {changed:>6} changed");
                }
                println!("{} rows changed, {} expert answers re-indexed", report.changed(), report.answers_reindexed);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
