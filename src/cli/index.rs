//! `svp index rebuild`: rebuild the search index from the sources.

use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::app;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub(super) enum IndexCommand {
    /// Rebuild the index from knowledge/ and the published expert answers.
    Rebuild,
}

pub(super) async fn run(settings: &Settings, command: IndexCommand) -> anyhow::Result<ExitCode> {
    match command {
        IndexCommand::Rebuild => {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template("{spinner} {msg} {pos} entries ({per_sec})").expect("valid template"));
            bar.set_message("indexing");
            let started = std::time::Instant::now();
            let service = app::open_service(settings, true, &|n| bar.set_position(n)).await?;
            bar.finish_and_clear();
            println!(
                "index rebuilt in {}: {} entries in {:.1} s",
                settings.index_dir().display(),
                service.bot().index().num_docs(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
