//! `svp escalate`, `svp feedback`, `svp tickets …`, `svp answers …`, `svp stats`: the desk from
//! the terminal. Acting on a ticket needs `--as USER`; the role checks are the core's.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::app;
use crate::config::Settings;
use crate::core::tickets::TicketStatus;
use crate::core::{EscalateMode, Escalation, Service, TicketDetail};
use crate::store::{Ticket, User};

#[derive(Debug, Args)]
pub(super) struct EscalateArgs {
    /// The question id printed by `svp ask --as`.
    question_id: i64,
    /// Act as this user (default: the person who asked).
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
    /// Join this open ticket instead of opening a new one.
    #[arg(long, conflicts_with = "new")]
    join: Option<i64>,
    /// Open a new ticket even if a very close one is open.
    #[arg(long)]
    new: bool,
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(super) struct FeedbackArgs {
    /// The question id.
    question_id: i64,
    /// The answer helped ("ça répond").
    #[arg(long, conflicts_with = "unhelpful", required_unless_present = "unhelpful")]
    helpful: bool,
    /// The answer did not help ("ça ne répond pas").
    #[arg(long)]
    unhelpful: bool,
    /// Act as this user (default: the person who asked).
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
}

#[derive(Debug, Args)]
pub(super) struct StatsArgs {
    /// A manager.
    #[arg(long = "as", value_name = "USER")]
    user: String,
    /// Period, in days up to now.
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The text of an answer or clarification: inline or from a file.
#[derive(Debug, Args)]
pub(super) struct TextArgs {
    /// The text.
    #[arg(long, conflicts_with = "file", required_unless_present = "file")]
    text: Option<String>,
    /// A file holding the text.
    #[arg(long)]
    file: Option<PathBuf>,
}

impl TextArgs {
    fn read(&self) -> anyhow::Result<String> {
        match (&self.text, &self.file) {
            (Some(t), _) => Ok(t.clone()),
            (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display())),
            (None, None) => anyhow::bail!("give --text or --file"),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum TicketsCommand {
    /// List tickets, oldest first.
    List {
        /// Only this status (open, claimed, waiting, answered, closed, merged); repeatable.
        #[arg(long)]
        status: Vec<TicketStatus>,
        /// See what this user may see (default: everything, as the operator).
        #[arg(long = "as", value_name = "USER")]
        user: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a ticket: question, what the bot tried, history, answer.
    Show {
        /// Ticket id.
        id: i64,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Take a ticket (experts).
    Claim(ActArgs),
    /// Give a ticket back to the queue (the expert who has it).
    Release(ActArgs),
    /// Answer a ticket (experts): the answer is indexed at once and sent to every asker.
    Answer {
        #[command(flatten)]
        act: ActArgs,
        #[command(flatten)]
        text: TextArgs,
    },
    /// Ask the asker for a precision (experts).
    Clarify {
        #[command(flatten)]
        act: ActArgs,
        #[command(flatten)]
        text: TextArgs,
    },
    /// Reply to an expert's request for a precision (the asker).
    Reply {
        #[command(flatten)]
        act: ActArgs,
        #[command(flatten)]
        text: TextArgs,
    },
    /// Mark a ticket as a duplicate of another (experts).
    Duplicate {
        #[command(flatten)]
        act: ActArgs,
        /// The main ticket.
        #[arg(long)]
        of: i64,
        /// Merge a ticket another expert holds (recorded in the history).
        #[arg(long)]
        force: bool,
    },
    /// Close a ticket (experts). Askers of a ticket without an answer are told why.
    Close {
        #[command(flatten)]
        act: ActArgs,
        /// Why, for the askers when the ticket has no answer.
        #[arg(long)]
        reason: Option<String>,
        /// Close a ticket another expert holds (recorded in the history).
        #[arg(long)]
        force: bool,
    },
    /// Reopen a ticket (experts, or the asker).
    Reopen {
        #[command(flatten)]
        act: ActArgs,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(super) struct ActArgs {
    /// Ticket id.
    id: i64,
    /// Who acts.
    #[arg(long = "as", value_name = "USER")]
    user: String,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub(super) enum AnswersCommand {
    /// Publish a new version of an answer (experts).
    Edit {
        /// Answer id.
        id: i64,
        /// Who acts.
        #[arg(long = "as", value_name = "USER")]
        user: String,
        #[command(flatten)]
        text: TextArgs,
    },
    /// Retire an answer from search (experts).
    Retire {
        /// Answer id.
        id: i64,
        /// Who acts.
        #[arg(long = "as", value_name = "USER")]
        user: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
}

async fn actor_or_asker(service: &Service, user: Option<&str>, question_id: i64) -> anyhow::Result<User> {
    if let Some(name) = user {
        return Ok(service.user_named(name).await?);
    }
    let question = service
        .store()
        .question(question_id)
        .await?
        .ok_or_else(|| crate::core::DeskError::NotFound(format!("La question n° {question_id} n'existe pas.")))?;
    let asker = match question.asker_id {
        Some(id) => service.store().user(id).await?,
        None => None,
    };
    asker.ok_or_else(|| anyhow::anyhow!("question {question_id} has no recorded asker: give --as USER"))
}

pub(super) async fn escalate(settings: &Settings, args: EscalateArgs) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    let actor = actor_or_asker(&service, args.user.as_deref(), args.question_id).await?;
    let mode = match (args.join, args.new) {
        (Some(id), _) => EscalateMode::Join(id),
        (None, true) => EscalateMode::New,
        (None, false) => EscalateMode::Propose,
    };
    let outcome = service.escalate(&actor, args.question_id, mode).await?;
    if args.json {
        let mut value = serde_json::to_value(&outcome)?;
        if let Some(id) = outcome.ticket_id() {
            value["ticket_id"] = id.into();
        }
        super::print_json(&value)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_escalation(&outcome, args.question_id);
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(super) struct ConfirmArgs {
    /// The question id.
    question_id: i64,
    /// « Oui, voir la réponse »: the bot's guess is right.
    #[arg(long, conflicts_with = "no", required_unless_present = "no")]
    yes: bool,
    /// « Non, transmettre à un expert ».
    #[arg(long)]
    no: bool,
    /// Act as this user (default: the person who asked).
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
}

pub(super) async fn confirm(settings: &Settings, args: ConfirmArgs) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    let actor = actor_or_asker(&service, args.user.as_deref(), args.question_id).await?;
    match service.confirm(&actor, args.question_id, args.yes).await? {
        crate::core::Confirmed::Answered(reply) => super::ask::print_reply(&reply, None, false)?,
        crate::core::Confirmed::Escalated(outcome) => print_escalation(&outcome, args.question_id),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn feedback(settings: &Settings, args: FeedbackArgs) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    let actor = actor_or_asker(&service, args.user.as_deref(), args.question_id).await?;
    service.feedback(&actor, args.question_id, args.helpful).await?;
    println!("Merci pour votre retour.");
    Ok(ExitCode::SUCCESS)
}

fn print_escalation(outcome: &Escalation, question_id: i64) {
    match outcome {
        Escalation::Opened { ticket_id } => println!("Ticket #{ticket_id} ouvert : un expert va reprendre votre question.\nticket_id: {ticket_id}"),
        Escalation::Joined { ticket_id } => println!("Votre question rejoint le ticket #{ticket_id} : vous recevrez sa réponse.\nticket_id: {ticket_id}"),
        Escalation::Already { ticket_id } => println!("Cette question est déjà dans le ticket #{ticket_id}.\nticket_id: {ticket_id}"),
        Escalation::Proposed { similar } => {
            println!("Des demandes très proches sont déjà ouvertes :");
            for s in similar {
                println!("  #{} ({:.0} %) {}", s.ticket_id, s.similarity * 100.0, s.subject);
            }
            println!(
                "Pour rejoindre l'une d'elles : svp escalate {} --join N ; pour ouvrir une nouvelle demande : svp escalate {} --new",
                question_id, question_id
            );
        }
    }
}

pub(super) async fn tickets(settings: &Settings, command: TicketsCommand) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    let store = service.store();
    match command {
        TicketsCommand::List { status, user, json } => {
            let list = match user {
                Some(name) => service.tickets(&service.user_named(&name).await?, &status, 500).await?,
                None => store.list_tickets(&status, None, 500).await?,
            };
            if json {
                super::print_json(&list)?;
            } else if list.is_empty() {
                println!("Aucun ticket.");
            } else {
                for t in &list {
                    print_ticket_line(t);
                }
            }
        }
        TicketsCommand::Show { id, json } => {
            let detail = service.ticket_card(id).await?;
            if json {
                super::print_json(&detail)?;
            } else {
                print_detail(&detail);
            }
        }
        TicketsCommand::Claim(a) => act(&service, &a, |s, u, id| Box::pin(async move { s.claim(u, id).await })).await?,
        TicketsCommand::Release(a) => act(&service, &a, |s, u, id| Box::pin(async move { s.release(u, id).await })).await?,
        TicketsCommand::Close { act: a, reason, force } => {
            act(&service, &a, |s, u, id| {
                Box::pin(async move {
                    s.close_with(u, id, crate::core::CloseOptions { reason: reason.as_deref(), override_claim: force }).await
                })
            })
            .await?
        }
        TicketsCommand::Answer { act: a, text } => {
            let text = text.read()?;
            if let Some(notice) = service.privacy_notice(&text) {
                eprintln!("{notice}");
            }
            act(&service, &a, |s, u, id| Box::pin(async move { s.answer(u, id, &text).await })).await?
        }
        TicketsCommand::Clarify { act: a, text } => {
            let text = text.read()?;
            if let Some(notice) = service.privacy_notice(&text) {
                eprintln!("{notice}");
            }
            act(&service, &a, |s, u, id| Box::pin(async move { s.clarify(u, id, &text).await })).await?
        }
        TicketsCommand::Reply { act: a, text } => {
            let text = text.read()?;
            if let Some(notice) = service.privacy_notice(&text) {
                eprintln!("{notice}");
            }
            act(&service, &a, |s, u, id| Box::pin(async move { s.reply(u, id, &text).await })).await?
        }
        TicketsCommand::Duplicate { act: a, of, force } => {
            act(&service, &a, |s, u, id| Box::pin(async move { s.merge_with(u, id, of, force).await })).await?
        }
        TicketsCommand::Reopen { act: a, reason } => {
            act(&service, &a, |s, u, id| Box::pin(async move { s.reopen(u, id, reason.as_deref()).await })).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

type ActFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = crate::core::DeskResult<Ticket>> + 'a>>;

async fn act<F>(service: &Service, args: &ActArgs, f: F) -> anyhow::Result<()>
where
    F: for<'a> FnOnce(&'a Service, &'a User, i64) -> ActFuture<'a>,
{
    let user = service.user_named(&args.user).await?;
    let ticket = f(service, &user, args.id).await?;
    if args.json {
        super::print_json(&ticket)?;
    } else {
        print_ticket_line(&ticket);
    }
    Ok(())
}

pub(super) async fn answers(settings: &Settings, command: AnswersCommand) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    match command {
        AnswersCommand::Edit { id, user, text } => {
            let user = service.user_named(&user).await?;
            let text = text.read()?;
            if let Some(notice) = service.privacy_notice(&text) {
                eprintln!("{notice}");
            }
            let answer = service.edit_answer(&user, id, &text).await?;
            println!("answer {} is now at version {} ({})", answer.id, answer.version, answer.status);
        }
        AnswersCommand::Retire { id, user, reason } => {
            let user = service.user_named(&user).await?;
            let answer = service.retire_answer(&user, id, reason.as_deref()).await?;
            println!("answer {} retired: the bot no longer shows it", answer.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn stats(settings: &Settings, args: StatsArgs) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    let user = service.user_named(&args.user).await?;
    let stats = service.stats(&user, args.days).await?;
    if args.json {
        let mut value = serde_json::to_value(&stats)?;
        value["helpful_rate"] = json!(stats.helpful_rate());
        super::print_json(&value)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("Période : {} → {}", crate::core::display::date(stats.from), crate::core::display::date(stats.to));
    println!(
        "Questions : {}  (répondues par le bot : {}, et {} de plus après confirmation de sa suggestion ; transmises : {})",
        stats.questions, stats.answered_by_bot, stats.answered_after_confirmation, stats.escalated_by_bot
    );
    println!("Tickets ouverts sur la période : {}", stats.tickets_opened);
    match stats.helpful_rate() {
        Some(r) => println!("Réponses jugées utiles : {:.0} % ({} / {})", r * 100.0, stats.helpful, stats.helpful + stats.unhelpful),
        None => println!("Réponses jugées utiles : aucun avis"),
    }
    print!("Tickets en attente : {}", stats.open_tickets);
    if let Some((id, at)) = stats.oldest_open {
        print!(" (le plus ancien : #{id}, ouvert le {})", crate::core::display::date(at));
    }
    println!();
    if let Some(m) = stats.median_minutes_to_answer {
        println!("Délai médian de réponse : {m:.0} min");
    }
    for q in &stats.top_questions {
        println!("  {:>4} × {}", q.count, q.title);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_ticket_line(t: &Ticket) {
    println!(
        "#{:<5} {:<24} {:<16} {:<18} {}",
        t.id,
        t.status.label(),
        t.assignee_name.as_deref().unwrap_or("-"),
        crate::core::display::date_time(t.created_at),
        t.subject.chars().take(80).collect::<String>()
    );
}

fn print_detail(d: &TicketDetail) {
    let t = &d.ticket;
    println!("Ticket #{} — {}", t.id, t.status.label());
    println!("Demandé par : {} ({})", t.asker_name.as_deref().unwrap_or("?"), t.site.as_deref().unwrap_or("site inconnu"));
    if let Some(a) = &t.assignee_name {
        println!("Pris en charge par : {a}");
    }
    if let Some(of) = t.duplicate_of {
        println!("Doublon de : #{of}");
    }
    println!("Question : {}", t.subject);
    if let Some(q) = &d.question {
        println!("Le bot avait proposé : {} (confiance {:.2}) — {}", q.top_title.as_deref().unwrap_or("rien"), q.confidence, q.reason);
    }
    println!("Personnes en attente de la réponse : {}", d.followers);
    println!("Historique :");
    for e in &d.events {
        println!(
            "  {} {} {}{}",
            crate::core::display::date_time(e.created_at),
            e.actor_name.as_deref().unwrap_or("-"),
            e.kind,
            e.detail.as_deref().map(|d| format!(" — {d}")).unwrap_or_default()
        );
    }
    if let Some(a) = &d.answer {
        println!("Réponse (n° {}, version {}, {}, par {}) :\n{}", a.id, a.version, a.status, a.author_name, a.text);
    }
}
