//! `svp phrasings …`: the phrasings learned from confirmed questions, and the experts' own.

use std::process::ExitCode;

use clap::Subcommand;

use crate::app;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub(super) enum PhrasingsCommand {
    /// List the phrasings of an entry (article slug or answer-N), or those to review.
    List {
        /// Article slug or `answer-N`; without it, the phrasings not reviewed yet.
        entry: Option<String>,
        /// Who asks (an expert or a manager).
        #[arg(long = "as", value_name = "USER")]
        user: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Approve a learned phrasing (experts).
    Approve {
        /// Phrasing id.
        id: i64,
        /// Who acts.
        #[arg(long = "as", value_name = "USER")]
        user: String,
    },
    /// Remove a phrasing: it leaves the index at once (experts).
    Remove {
        /// Phrasing id.
        id: i64,
        /// Who acts.
        #[arg(long = "as", value_name = "USER")]
        user: String,
    },
    /// Add phrasings to an entry, one question per argument (experts).
    Add {
        /// Article slug or `answer-N`.
        entry: String,
        /// The questions.
        #[arg(required = true)]
        texts: Vec<String>,
        /// Who acts.
        #[arg(long = "as", value_name = "USER")]
        user: String,
    },
}

pub(super) async fn run(settings: &Settings, command: PhrasingsCommand) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    match command {
        PhrasingsCommand::List { entry, user, json } => {
            let user = service.user_named(&user).await?;
            let (list, usage) = match &entry {
                Some(entry) => {
                    let (list, usage) = service.entry_phrasings(&user, entry).await?;
                    (list, Some(usage))
                }
                None => (service.phrasings_to_review(&user, 500).await?, None),
            };
            if json {
                super::print_json(&serde_json::json!({ "phrasings": list, "usage": usage }))?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(u) = usage {
                println!("served {} times, helpful {}, unhelpful {}", u.served, u.helpful, u.unhelpful);
            }
            for p in &list {
                let from = p.question_id.map(|q| format!(" question {q}")).unwrap_or_default();
                println!("{:>5}  {:<9} {:<10} {:<13}{from}  {}", p.id, p.status, p.source, p.entry_id, p.text);
            }
        }
        PhrasingsCommand::Approve { id, user } => {
            let user = service.user_named(&user).await?;
            let p = service.review_phrasing(&user, id, true).await?;
            println!("phrasing {} of {} approved", p.id, p.entry_id);
        }
        PhrasingsCommand::Remove { id, user } => {
            let user = service.user_named(&user).await?;
            let p = service.review_phrasing(&user, id, false).await?;
            println!("phrasing {} of {} removed: the bot no longer uses it", p.id, p.entry_id);
        }
        PhrasingsCommand::Add { entry, texts, user } => {
            let user = service.user_named(&user).await?;
            let added = service.add_phrasings(&user, &entry, &texts).await?;
            println!("{added} phrasing(s) added to {entry}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
