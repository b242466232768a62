//! `svp ask`: put a question to the bot from the terminal.

use std::process::ExitCode;

use crate::app;
use crate::config::Settings;
use crate::core::{AskError, BotReply, Decision};

/// Runs `svp ask` without recording (no `--as`).
pub(super) fn run(settings: &Settings, question: &str, json: bool) -> anyhow::Result<ExitCode> {
    let bot = app::open_bot(settings, false, &|_| {})?;
    match bot.reply(question, app::today()) {
        Ok(reply) => {
            print_reply(&reply, None, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => refuse(&err, json),
    }
}

/// Prints a refusal of unusable input and returns exit code 1.
pub(super) fn refuse(err: &AskError, json: bool) -> anyhow::Result<ExitCode> {
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
                    p.published_at.format("%d/%m/%Y"),
                    card.title
                ),
                None => println!("« {} »\n", card.title),
            }
            println!("{}\n", card.short_answer);
            println!("Lire la fiche : {}", card.url);
            for s in &card.sources {
                println!("Source : {} — {}", s.title, s.url);
            }
            if let Some(d) = card.reviewed {
                println!("Relu le {}", d.format("%d/%m/%Y"));
            }
            if let Some(w) = &card.stale_warning {
                println!("{w}");
            }
            if !reply.alternatives.is_empty() {
                println!("\nVoir aussi :");
                for a in &reply.alternatives {
                    println!("  - {} ({})", a.title, a.url);
                }
            }
        }
        _ => {
            println!("Je ne suis pas sûr de pouvoir répondre : {}", reply.reason);
            if !reply.alternatives.is_empty() {
                println!("\nPeut-être utile (sans garantie que cela réponde) :");
                for a in &reply.alternatives {
                    println!("  - {} ({})", a.title, a.url);
                }
            }
            match question_id {
                Some(id) => println!("\nPour transmettre la question à un expert : svp escalate {id}"),
                None => println!("\nPour la transmettre à un expert, reposez-la avec --as VOTRE_NOM puis utilisez svp escalate."),
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
pub(super) fn explain(settings: &Settings, question: &str) -> anyhow::Result<ExitCode> {
    let bot = app::open_bot(settings, false, &|_| {})?;
    let redacted = match bot.prepare(question) {
        Ok(r) => r,
        Err(e) => return refuse(&AskError::Invalid(e), false),
    };
    let outcome = bot.index().search(&redacted.searchable(), 10)?;
    println!("concepts:");
    for c in &outcome.concepts {
        println!(
            "  {:<30} idf={:.2} known={} fuzzy={} synonym={}",
            c.text, c.idf, c.known, c.fuzzy, c.synonym
        );
    }
    println!("hits:");
    for h in &outcome.hits {
        let detail: Vec<String> = h.concept_scores.iter().map(|s| format!("{s:.1}")).collect();
        println!("  {:>6.2} {:<45} [{}]", h.score, h.entry.id, detail.join(" "));
    }
    let f = crate::core::decision::features(&outcome);
    println!("features: {f:?}\nconfidence: {:.3}", crate::core::decision::confidence(&f));
    Ok(ExitCode::SUCCESS)
}
