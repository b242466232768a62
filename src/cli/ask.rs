//! `svp ask`: put a question to the bot from the terminal.

use std::process::ExitCode;

use clap::Args;

use crate::app;
use crate::config::Settings;
use crate::core::{AskError, BotReply, Decision};
use crate::store::Origin;

#[derive(Debug, Args)]
pub(super) struct AskArgs {
    /// Ask as this user: the question is recorded and can be escalated.
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Show how the question was analyzed and scored.
    #[arg(long, conflicts_with = "json")]
    explain: bool,
    /// The question.
    question: String,
}

pub(super) async fn run(settings: &Settings, args: AskArgs) -> anyhow::Result<ExitCode> {
    if args.explain {
        return explain(settings, &args.question).await;
    }
    let Some(name) = &args.user else {
        let bot = app::open_bot(settings).await?;
        return match bot.reply(&args.question, app::today()) {
            Ok(reply) => {
                print_reply(&reply, None, args.json)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(err) => refuse(&err, args.json),
        };
    };
    let service = app::open_service(settings, false, &|_| {}).await?;
    let user = service.user_named(name).await?;
    let origin = Origin { transport: "cli".into(), channel: None };
    match service.ask(&user, &args.question, origin).await {
        Ok(asked) => {
            print_reply(&asked.reply, Some(asked.question_id), args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::core::DeskError::Invalid(e)) => refuse(&AskError::Invalid(e), args.json),
        Err(e) => Err(e.into()),
    }
}

/// Prints a refusal of unusable input and returns exit code 1.
fn refuse(err: &AskError, json: bool) -> anyhow::Result<ExitCode> {
    let code = match err {
        AskError::Invalid(e) => e.code(),
        AskError::Search(_) => "search_failed",
    };
    if json {
        println!("{}", serde_json::json!({ "error": code, "message": err.to_string() }));
    } else {
        eprintln!("{err}");
    }
    Ok(ExitCode::from(1))
}

/// Prints a reply as text or JSON; `question_id` is set when the question was recorded.
pub(super) fn print_reply(reply: &BotReply, question_id: Option<i64>, json: bool) -> anyhow::Result<()> {
    if json {
        let mut value = serde_json::to_value(reply)?;
        if let Some(id) = question_id {
            value["question_id"] = id.into();
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if let Some(notice) = &reply.redaction_notice {
        println!("{notice}\n");
    }
    match (&reply.decision, &reply.answer) {
        (Decision::Answer, Some(card)) => {
            match &card.expert {
                Some(p) => println!(
                    "Réponse d'expert — ticket #{} ({}, {})\n« {} »\n",
                    p.ticket_id,
                    p.author,
                    crate::core::display::date(p.published_at),
                    card.title
                ),
                None => println!("« {} »\n", card.title),
            }
            println!("{}\n", card.short_answer);
            let link = if card.expert.is_some() { "Lire la réponse complète" } else { "Lire la fiche" };
            println!("{link} : {}", card.url);
            for s in &card.sources {
                println!("Source : {} — {}", s.title, s.url);
            }
            if let (Some(d), None) = (card.reviewed, &card.expert) {
                println!("Relu le {}", d.format("%d/%m/%Y"));
            }
            if let Some(w) = &card.stale_warning {
                println!("{w}");
            }
            for other in &reply.also {
                println!("\nPour votre autre question, « {} » :\n  - {} ({})", other.question, other.entry.title, other.entry.url);
            }
            if !reply.alternatives.is_empty() {
                println!("\nVoir aussi :");
                for a in &reply.alternatives {
                    println!("  - {} ({})", a.title, a.url);
                }
            }
        }
        _ if reply.did_you_mean.is_some() => {
            let guess = reply.did_you_mean.as_ref().map_or("", |d| d.title.as_str());
            println!("Votre question porte-t-elle sur « {guess} » ?");
            match question_id {
                Some(id) => println!("\nOui, voir la réponse : svp confirm {id} --yes\nNon, transmettre à un expert : svp confirm {id} --no"),
                None => println!("\nReposez-la avec --as VOTRE_NOM pour répondre oui (voir la fiche) ou non (la transmettre à un expert)."),
            }
        }
        _ => {
            println!("Je ne suis pas sûr de pouvoir répondre à cette question. {}", reply.reason);
            if !reply.alternatives.is_empty() {
                println!("\nPeut-être utile (sans garantie que cela réponde) :");
                for a in &reply.alternatives {
                    println!("  - {} ({})", a.title, a.url);
                }
            }
            match question_id {
                Some(id) => println!("\nPour transmettre la question à un expert : svp escalate {id}"),
                None => println!("\nPour la transmettre à un expert, reposez-la avec --as VOTRE_NOM, puis : svp escalate QUESTION_ID"),
            }
        }
    }
    println!("\n(décision : {}, confiance {:.2})", reply.decision.as_str(), reply.confidence);
    if let Some(id) = question_id {
        println!("question_id: {id}");
    }
    Ok(())
}

/// Prints how a question was analyzed and scored (for curators tuning synonyms and questions).
async fn explain(settings: &Settings, question: &str) -> anyhow::Result<ExitCode> {
    let bot = app::open_bot(settings).await?;
    let redacted = match bot.prepare(question) {
        Ok(r) => r,
        Err(e) => return refuse(&AskError::Invalid(e), false),
    };
    // As the bot searches: links dropped, dotted acronyms joined (`crate::core::question::search_text`).
    let outcome = bot.index().search_detailed(&crate::core::question::search_text(&redacted.searchable()), 10, 10)?;
    println!("concepts:");
    for c in &outcome.concepts {
        let corrected = c.corrected.as_ref().map(|w| format!(" (corrected: {w})")).unwrap_or_default();
        println!("  {:<30} idf={:.2} known={} synonym={}{corrected}", c.text, c.idf, c.known, c.synonym);
    }
    println!("hits: ranking score (text score) entry [per-concept text scores]");
    for h in &outcome.hits {
        let detail: Vec<String> = h.concept_scores.iter().map(|s| format!("{s:.1}")).collect();
        println!("  {:>6.2} ({:>6.2}) {:<45} [{}]", h.score, h.text_score, h.entry.id, detail.join(" "));
    }
    let f = crate::core::decision::features(&outcome);
    println!("features: {f:?}\nconfidence: {:.3}", crate::core::decision::confidence(&f));
    Ok(ExitCode::SUCCESS)
}
