//! `svp kb check`: validate the knowledge folder.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::config::Settings;
use crate::knowledge::{Diagnostic, KnowledgeBase};

#[derive(Debug, Subcommand)]
pub(super) enum KbCommand {
    /// Report every problem in the knowledge folder; exit 1 on any error.
    Check {
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(settings: &Settings, command: KbCommand) -> anyhow::Result<ExitCode> {
    match command {
        KbCommand::Check { json } => check(settings, json),
    }
}

fn check(settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    let dir = settings.knowledge_dir();
    let loaded = KnowledgeBase::load(dir, chrono::Local::now().date_naive())?;
    let errors = loaded.error_count();
    let warnings = loaded.diagnostics.len() - errors;
    let shown: Vec<Diagnostic> = loaded
        .diagnostics
        .iter()
        .map(|d| Diagnostic { file: dir.join(&d.file), ..d.clone() })
        .collect();
    if json {
        let out = json!({
            "ok": errors == 0,
            "articles": loaded.kb.articles.len(),
            "published": loaded.kb.published().count(),
            "synonym_groups": loaded.kb.synonyms.groups.len(),
            "expert_topics": loaded.kb.escalations.topics.len(),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": shown,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for d in &shown {
            println!("{d}");
        }
        println!(
            "{}: {} articles ({} published), {} synonym groups, {} expert-only topics, {errors} error(s), {warnings} warning(s)",
            dir.display(),
            loaded.kb.articles.len(),
            loaded.kb.published().count(),
            loaded.kb.synonyms.groups.len(),
            loaded.kb.escalations.topics.len(),
        );
    }
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
