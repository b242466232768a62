//! Core results as Discord messages: embeds and components, in French, within Discord's limits.
//! No decision is made here; everything shown comes from the core.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseMessage, CreateMessage, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption,
    EditMessage, UserId,
};

use super::ids::Component;
use super::limits::{self, EMBED_DESCRIPTION, EMBED_FIELD, EMBED_FIELD_NAME, EMBED_TITLE, MESSAGE};
use crate::core::notify::Message;
use crate::core::tickets::TicketStatus;
use crate::core::{BotReply, Decision, TicketDetail};
use crate::store::Stats;

const GREEN: u32 = 0x2f7d4f;
const AMBER: u32 = 0xc58b00;
const BLUE: u32 = 0x2b5797;
const GREY: u32 = 0x6b7280;

/// A message ready to send in any of Discord's forms.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Plain content.
    pub content: Option<String>,
    /// Embeds.
    pub embeds: Vec<CreateEmbed>,
    /// Buttons and menus.
    pub components: Vec<CreateActionRow>,
    /// The only user this message may ping (fallback notifications in a thread).
    pub ping: Option<UserId>,
}

impl Rendered {
    fn mentions(&self) -> CreateAllowedMentions {
        // User text can never ping: no @everyone, no roles, and at most the one intended user.
        let base = CreateAllowedMentions::new().everyone(false).empty_roles().empty_users();
        match self.ping {
            Some(user) => base.users([user]),
            None => base,
        }
    }

    /// The same message without buttons or menus.
    pub fn without_components(mut self) -> Self {
        self.components.clear();
        self
    }

    /// As a channel message.
    pub fn message(&self) -> CreateMessage {
        let mut m = CreateMessage::new().embeds(self.embeds.clone()).components(self.components.clone()).allowed_mentions(self.mentions());
        if let Some(c) = &self.content {
            m = m.content(c);
        }
        m
    }

    /// As an edit of an existing message.
    pub fn edit(&self) -> EditMessage {
        let mut m = EditMessage::new().embeds(self.embeds.clone()).components(self.components.clone()).allowed_mentions(self.mentions());
        if let Some(c) = &self.content {
            m = m.content(c);
        }
        m
    }

    /// As an interaction response.
    pub fn interaction(&self, ephemeral: bool) -> CreateInteractionResponseMessage {
        let mut m = CreateInteractionResponseMessage::new()
            .embeds(self.embeds.clone())
            .components(self.components.clone())
            .allowed_mentions(self.mentions())
            .ephemeral(ephemeral);
        if let Some(c) = &self.content {
            m = m.content(c);
        }
        m
    }

    /// As a poise reply.
    pub fn reply(&self, ephemeral: bool) -> poise::CreateReply {
        let mut r = poise::CreateReply::default()
            .components(self.components.clone())
            .allowed_mentions(self.mentions())
            .ephemeral(ephemeral);
        for embed in &self.embeds {
            r = r.embed(embed.clone());
        }
        if let Some(c) = &self.content {
            r = r.content(c.clone());
        }
        r
    }
}

/// Plain text (already French) as a message, within the content limit.
pub fn text(text: &str) -> Rendered {
    Rendered { content: Some(limits::fit(text, MESSAGE, None)), ..Default::default() }
}

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The bot's reply to a question.
pub fn reply(reply: &BotReply, question_id: i64) -> Rendered {
    let mut out = Rendered { content: reply.redaction_notice.clone(), ..Default::default() };
    match (&reply.decision, &reply.answer) {
        (Decision::Answer, Some(card)) => {
            let more = format!("[Lire la suite]({})", card.url);
            let mut embed = CreateEmbed::new()
                .title(limits::line(&card.title, EMBED_TITLE))
                .url(&card.url)
                .description(limits::fit(&card.short_answer, EMBED_DESCRIPTION, Some(&more)))
                .colour(GREEN);
            if let Some(p) = &card.expert {
                embed = embed.field(
                    "Réponse d'expert",
                    format!("Ticket #{} — {}, le {}", p.ticket_id, p.author, crate::core::display::date(p.published_at)),
                    false,
                );
            }
            if !card.sources.is_empty() {
                let list: Vec<String> = card.sources.iter().map(|s| format!("• [{}]({})", s.title, s.url)).collect();
                embed = embed.field("Sources", limits::fit(&list.join("\n"), EMBED_FIELD, None), false);
            }
            if let Some(w) = &card.stale_warning {
                embed = embed.field("⚠ À vérifier", limits::fit(w, EMBED_FIELD, None), false);
            }
            for other in reply.also.iter().take(2) {
                let name = format!("Pour votre autre question, « {} »", other.question);
                let value = format!("[{}]({})", other.entry.title, other.entry.url);
                embed = embed.field(limits::line(&name, EMBED_FIELD_NAME), limits::fit(&value, EMBED_FIELD, None), false);
            }
            let footer = match (&card.expert, card.reviewed) {
                (None, Some(d)) => format!("Fiche relue le {} · confiance {:.0} %", date(d), reply.confidence * 100.0),
                _ => format!("Confiance {:.0} %", reply.confidence * 100.0),
            };
            out.embeds.push(embed.footer(CreateEmbedFooter::new(footer)));
            out.components.push(CreateActionRow::Buttons(vec![
                CreateButton::new(Component::Helpful(question_id).to_string()).label("Ça répond").style(ButtonStyle::Success),
                CreateButton::new(Component::Unhelpful(question_id).to_string()).label("Ça ne répond pas").style(ButtonStyle::Secondary),
            ]));
            if !reply.alternatives.is_empty() {
                let options = reply
                    .alternatives
                    .iter()
                    .map(|a| CreateSelectMenuOption::new(limits::line(&a.title, 100), a.id.clone()))
                    .collect();
                out.components.push(CreateActionRow::SelectMenu(
                    CreateSelectMenu::new(Component::Alternatives(question_id).to_string(), CreateSelectMenuKind::String { options })
                        .placeholder("Autres fiches qui peuvent aider"),
                ));
            }
        }
        (_, None) if reply.did_you_mean.is_some() => {
            let guess = reply.did_you_mean.as_ref().map_or("", |d| d.title.as_str());
            let description = format!("**Votre question porte-t-elle sur « {} » ?**", limits::line(guess, 200));
            out.embeds.push(CreateEmbed::new().description(limits::fit(&description, EMBED_DESCRIPTION, None)).colour(BLUE));
            out.components.push(CreateActionRow::Buttons(vec![
                CreateButton::new(Component::ConfirmYes(question_id).to_string())
                    .label("Oui, voir la réponse")
                    .style(ButtonStyle::Success),
                CreateButton::new(Component::ConfirmNo(question_id).to_string())
                    .label("Non, transmettre à un expert")
                    .style(ButtonStyle::Primary),
            ]));
        }
        _ => {
            let mut description = format!("**Je ne suis pas sûr de pouvoir répondre à cette question.**\n{}", reply.reason);
            if !reply.alternatives.is_empty() {
                description.push_str("\n\n**Peut-être utile** (sans garantie que cela réponde) :");
                for a in &reply.alternatives {
                    description.push_str(&format!("\n• [{}]({})", a.title, a.url));
                }
            }
            description.push_str("\n\nUn expert peut reprendre votre question : cliquez sur « Transmettre à un expert ».");
            out.embeds.push(CreateEmbed::new().description(limits::fit(&description, EMBED_DESCRIPTION, None)).colour(AMBER));
            out.components.push(CreateActionRow::Buttons(vec![
                CreateButton::new(Component::Escalate(question_id).to_string())
                    .label("Transmettre à un expert")
                    .style(ButtonStyle::Primary),
            ]));
        }
    }
    out
}

/// After "Ça ne répond pas": offer to pass the question on.
pub fn unhelpful(question_id: i64) -> Rendered {
    Rendered {
        content: Some("Merci pour votre retour. Voulez-vous transmettre votre question à un expert ?".into()),
        components: vec![CreateActionRow::Buttons(vec![
            CreateButton::new(Component::Escalate(question_id).to_string()).label("Transmettre à un expert").style(ButtonStyle::Primary),
        ])],
        ..Default::default()
    }
}

/// Close tickets exist: join one, or open a new one.
pub fn proposal(question_id: i64, similar: &[crate::core::SimilarTicket]) -> Rendered {
    let mut text = String::from("Une demande très proche est déjà entre les mains des experts :");
    let mut buttons = Vec::new();
    for s in similar {
        text.push_str(&format!("\n• #{} — {}", s.ticket_id, limits::line(&s.subject, 150)));
        buttons.push(
            CreateButton::new(Component::Join(question_id, s.ticket_id).to_string())
                .label(format!("Rejoindre #{}", s.ticket_id))
                .style(ButtonStyle::Primary),
        );
    }
    text.push_str("\nEn la rejoignant, vous recevrez la même réponse. Sinon, ouvrez une nouvelle demande.");
    buttons.push(CreateButton::new(Component::NewTicket(question_id).to_string()).label("Nouvelle demande").style(ButtonStyle::Secondary));
    Rendered { content: Some(limits::fit(&text, MESSAGE, None)), components: vec![CreateActionRow::Buttons(buttons)], ..Default::default() }
}

/// The card of a ticket in the experts' channel, with the buttons its status allows.
pub fn ticket_card(d: &TicketDetail) -> Rendered {
    let t = &d.ticket;
    let colour = match t.status {
        TicketStatus::Open => AMBER,
        TicketStatus::Claimed | TicketStatus::Waiting => BLUE,
        TicketStatus::Answered => GREEN,
        TicketStatus::Closed | TicketStatus::Merged => GREY,
    };
    let mut embed = CreateEmbed::new()
        .title(format!("Ticket #{} — {}", t.id, t.status.label()))
        .description(limits::fit(&t.subject, EMBED_DESCRIPTION, None))
        .colour(colour)
        .field(
            "Demandé par",
            limits::line(&format!("{} ({})", t.asker_name.as_deref().unwrap_or("?"), t.site.as_deref().unwrap_or("site inconnu")), EMBED_FIELD),
            true,
        )
        .field("Pris en charge par", t.assignee_name.clone().unwrap_or_else(|| "personne".into()), true);
    if let Some(theme) = &t.theme {
        embed = embed.field("Thème", limits::line(theme, EMBED_FIELD), true);
    }
    if let Some(q) = &d.question {
        let tried = match &q.top_title {
            Some(title) => format!("« {} » (confiance {:.0} %) — {}", title, q.confidence * 100.0, q.reason),
            None => q.reason.clone(),
        };
        embed = embed.field("Ce que le bot a tenté", limits::fit(&tried, EMBED_FIELD, None), false);
    }
    if d.followers > 1 {
        embed = embed.field("Personnes en attente", d.followers.to_string(), true);
    }
    if let Some(of) = t.duplicate_of {
        embed = embed.field("Doublon de", format!("#{of}"), true);
    }
    if let Some(a) = &d.answer {
        embed = embed.field(format!("Réponse de {} (v{})", a.author_name, a.version), limits::fit(&a.text, EMBED_FIELD, None), false);
    }
    embed = embed.footer(CreateEmbedFooter::new(format!("Ouvert le {}", crate::core::display::date_time(t.created_at))));
    let pending = t.status.is_pending();
    let buttons = vec![
        CreateButton::new(Component::Claim(t.id).to_string())
            .label("Prendre en charge")
            .style(ButtonStyle::Primary)
            .disabled(t.status != TicketStatus::Open),
        CreateButton::new(Component::Answer(t.id).to_string()).label("Répondre").style(ButtonStyle::Success).disabled(!pending),
        CreateButton::new(Component::Clarify(t.id).to_string())
            .label("Demander une précision")
            .style(ButtonStyle::Secondary)
            .disabled(!pending),
        CreateButton::new(Component::Duplicate(t.id).to_string()).label("Doublon de…").style(ButtonStyle::Secondary).disabled(!pending),
        CreateButton::new(Component::Close(t.id).to_string())
            .label("Fermer")
            .style(ButtonStyle::Danger)
            .disabled(matches!(t.status, TicketStatus::Closed | TicketStatus::Merged)),
    ];
    Rendered { embeds: vec![embed], components: vec![CreateActionRow::Buttons(buttons)], ..Default::default() }
}

/// The embed of a message to an asker about their question: a title, the text (with `more`
/// after it when cut), their question, and who acted.
fn to_asker(title: &str, text: &str, more: Option<&str>, question: &str, footer: &str, colour: u32) -> CreateEmbed {
    CreateEmbed::new()
        .title(title)
        .description(limits::fit(text, EMBED_DESCRIPTION, more))
        .field("Votre question", limits::fit(question, EMBED_FIELD, None), false)
        .footer(CreateEmbedFooter::new(footer))
        .colour(colour)
}

/// A message owed to a person (DM, or their thread with a mention when DMs are closed).
pub fn notification(message: &Message, answers_url: &str) -> Rendered {
    match message {
        Message::Answer { ticket_id, question, answer, author, .. } => {
            let more = format!("[Lire la réponse complète]({answers_url})");
            let title = format!("Réponse d'expert à votre question (ticket #{ticket_id})");
            let embed = to_asker(&title, answer, Some(&more), question, &format!("Répondu par {author}"), GREEN);
            Rendered { embeds: vec![embed], ..Default::default() }
        }
        Message::Clarification { ticket_id, question, text, expert, .. } => {
            let title = format!("Un expert vous demande une précision (ticket #{ticket_id})");
            let embed = to_asker(&title, text, None, question, &format!("Demandé par {expert}"), BLUE);
            let button = CreateButton::new(Component::Reply(*ticket_id).to_string()).label("Répondre").style(ButtonStyle::Primary);
            Rendered { embeds: vec![embed], components: vec![CreateActionRow::Buttons(vec![button])], ..Default::default() }
        }
        Message::Closed { ticket_id, question, reason, expert, .. } => {
            let title = format!("Votre demande a été close sans réponse (ticket #{ticket_id})");
            let embed = to_asker(&title, reason, None, question, &format!("Close par {expert}"), AMBER);
            Rendered { embeds: vec![embed], ..Default::default() }
        }
        Message::AskerReplied { ticket_id, text, asker } => {
            let embed = CreateEmbed::new()
                .title(format!("{} a répondu à votre demande de précision (ticket #{ticket_id})", limits::line(asker, 60)))
                .description(limits::fit(text, EMBED_DESCRIPTION, None))
                .colour(BLUE);
            Rendered { embeds: vec![embed], ..Default::default() }
        }
        Message::TicketCard { ticket_id } => text(&format!("Ticket #{ticket_id}")),
        Message::Digest { days } => text(&format!("Résumé des {days} derniers jours")),
        Message::Reminder { hours, total, .. } => text(&format!("{total} ticket(s) en attente depuis plus de {hours} h")),
    }
}

/// The reminder of tickets waiting for an expert, for the experts' channel; each links to its
/// page on the desk (`desk_url`: `…/desk`).
pub fn reminder(hours: u32, tickets: &[crate::core::notify::WaitingTicket], total: usize, desk_url: &str) -> Rendered {
    let lines: Vec<String> = tickets
        .iter()
        .map(|t| {
            let who = t.assignee.as_deref().map_or_else(|| "personne ne l'a pris".to_string(), |a| format!("pris par {}", limits::line(a, 40)));
            format!(
                "[#{}]({desk_url}/tickets/{}) {} — ouvert le {}, {who}",
                t.id,
                t.id,
                limits::line(&t.subject, 90),
                crate::core::display::date(t.opened)
            )
        })
        .collect();
    let more = (total > tickets.len()).then(|| format!("\n… et {} autre(s) : [voir la file]({desk_url})", total - tickets.len()));
    let description = format!("{}{}", lines.join("\n"), more.unwrap_or_default());
    let embed = CreateEmbed::new()
        .title(format!("{total} ticket(s) attendent un expert depuis plus de {hours} h"))
        .url(desk_url)
        .description(limits::fit(&description, EMBED_DESCRIPTION, None))
        .colour(AMBER);
    Rendered { embeds: vec![embed], ..Default::default() }
}

/// The pending tickets, for `/tickets`.
pub fn tickets(list: &[crate::store::Ticket]) -> Rendered {
    if list.is_empty() {
        return text("Aucun ticket en attente.");
    }
    let lines: Vec<String> = list
        .iter()
        .map(|t| {
            format!(
                "**#{}** · {} · {} · {}\n{}",
                t.id,
                t.status.label(),
                t.assignee_name.as_deref().unwrap_or("personne"),
                crate::core::display::short_date_time(t.created_at),
                limits::line(&t.subject, 140)
            )
        })
        .collect();
    let embed = CreateEmbed::new()
        .title(format!("Tickets en attente ({})", list.len()))
        .description(limits::fit(&lines.join("\n"), EMBED_DESCRIPTION, None))
        .colour(BLUE);
    Rendered { embeds: vec![embed], ..Default::default() }
}

/// The managers' summary, for `/stats`.
/// The managers' weekly digest: the report's overview against the previous week, the largest
/// knowledge gaps and the tickets waiting longest; the whole report is one link away.
pub fn digest(r: &crate::core::reports::Report, url: &str) -> Rendered {
    let (now, before) = (&r.overview, &r.previous);
    let delta = |a: i64, b: i64| if a >= b { format!("{a} (+{})", a - b) } else { format!("{a} (−{})", b - a) };
    let rate = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{:.0} %", v * 100.0));
    let points = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{} ({:+.0} pts)", rate(Some(a)), (a - b) * 100.0),
        (a, _) => rate(a),
    };
    let time = |m: Option<f64>| match m {
        None => "—".to_string(),
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) => format!("{:.1} h", m / 60.0),
    };
    let gaps: Vec<String> = r.gaps.iter().take(3).map(|g| format!("{} × {}", g.count, limits::line(&g.representative, 90))).collect();
    let old = r.desk.by_age.last().map_or(0, |c| c.count);
    let mut embed = CreateEmbed::new()
        .title(format!("SVP — semaine du {} au {}", crate::core::display::date(r.query.from), crate::core::display::date(r.query.to)))
        .url(url)
        .colour(BLUE)
        .field("Questions", delta(now.questions, before.questions), true)
        .field("Répondues par le bot", points(now.answer_rate(), before.answer_rate()), true)
        .field("Transmises", delta(now.escalated, before.escalated), true)
        .field("Réponses utiles", points(now.helpful_rate(), before.helpful_rate()), true)
        .field("Délai de réponse", format!("médiane {}, 90 % sous {}", time(now.to_answer.median), time(now.to_answer.p90)), true)
        .field("Tickets en attente", format!("{} (dont {old} depuis plus de 7 jours)", r.desk.waiting), false);
    let oldest: Vec<String> = r
        .desk
        .oldest
        .iter()
        .take(3)
        .map(|t| format!("#{} ouvert le {}{}", t.id, crate::core::display::date(t.opened), t.assignee.as_ref().map(|a| format!(", {a}")).unwrap_or_default()))
        .collect();
    if !oldest.is_empty() {
        embed = embed.field("Les plus anciens", oldest.join("\n"), false);
    }
    if !gaps.is_empty() {
        embed = embed.field("Principales lacunes", limits::fit(&gaps.join("\n"), EMBED_FIELD, None), false);
    }
    Rendered { embeds: vec![embed], ..Default::default() }
}

pub fn stats(s: &Stats) -> Rendered {
    let helpful = match s.helpful_rate() {
        Some(r) => format!("{:.0} % ({} avis)", r * 100.0, s.helpful + s.unhelpful),
        None => "aucun avis".into(),
    };
    let oldest = match s.oldest_open {
        Some((id, at)) => format!("#{id}, ouvert le {}", crate::core::display::date(at)),
        None => "aucun".into(),
    };
    let top: Vec<String> = s.top_questions.iter().map(|q| format!("{} × {}", q.count, limits::line(&q.title, 90))).collect();
    let mut embed = CreateEmbed::new()
        .title(format!("SVP — du {} au {}", crate::core::display::date(s.from), crate::core::display::date(s.to)))
        .colour(BLUE)
        .field("Questions", s.questions.to_string(), true)
        .field("Répondues par le bot", s.answered_by_bot.to_string(), true)
        .field("Après confirmation", s.answered_after_confirmation.to_string(), true)
        .field("Transmises", s.escalated_by_bot.to_string(), true)
        .field("Tickets ouverts", s.tickets_opened.to_string(), true)
        .field("Réponses utiles", helpful, true)
        .field("Tickets en attente", format!("{} (plus ancien : {oldest})", s.open_tickets), false);
    if let Some(m) = s.median_minutes_to_answer {
        embed = embed.field("Délai médian de réponse", format!("{m:.0} min"), true);
    }
    if !top.is_empty() {
        embed = embed.field("Questions fréquentes", limits::fit(&top.join("\n"), EMBED_FIELD, None), false);
    }
    Rendered { embeds: vec![embed], ..Default::default() }
}
