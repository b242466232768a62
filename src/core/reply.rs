//! What the bot replies: everything a chat adapter needs to render an answer or an honest
//! escalation, without deciding anything itself.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::decision::Features;
use crate::knowledge::Source;
use crate::search::EntryKind;

/// Answer or escalate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The bot is confident: show the answer.
    Answer,
    /// The bot is not confident: offer to pass the question to an expert.
    Escalate,
}

impl Decision {
    /// `answer` or `escalate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Answer => "answer",
            Decision::Escalate => "escalate",
        }
    }
}

/// One search hit, as listed in JSON output.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct HitSummary {
    /// Article slug, or `answer-<id>` for an expert answer.
    pub slug: String,
    /// Title.
    pub title: String,
    /// `article` or `expert_answer`.
    pub kind: EntryKind,
    /// Search score.
    pub score: f32,
}

/// Provenance of an expert answer, stored with it in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExpertProvenance {
    /// Database id of the answer.
    pub answer_id: i64,
    /// Ticket it answered.
    pub ticket_id: i64,
    /// Version of the answer text.
    pub version: i64,
    /// Display name of the expert.
    pub author: String,
    /// When this version was published.
    pub published_at: DateTime<Utc>,
    /// The full answer (Markdown).
    pub text: String,
}

/// An answer ready to render.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerCard {
    /// Article or expert answer.
    pub kind: EntryKind,
    /// Slug or `answer-<id>`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Theme id.
    pub theme: String,
    /// The short answer (Markdown), shown in chat.
    pub short_answer: String,
    /// An extract with the matched words in bold.
    pub snippet: String,
    /// Link to the full text.
    pub url: String,
    /// Sources cited (articles).
    pub sources: Vec<Source>,
    /// Date of the last review (articles) or of the answer (expert answers).
    pub reviewed: Option<NaiveDate>,
    /// Review deadline (articles).
    pub review_by: Option<NaiveDate>,
    /// French warning when the review date has passed.
    pub stale_warning: Option<String>,
    /// Author, ticket and date, for expert answers.
    pub expert: Option<ExpertProvenance>,
}

/// A lighter card: alternatives, or "peut-être utile" suggestions on escalation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// Article or expert answer.
    pub kind: EntryKind,
    /// Slug or `answer-<id>`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link to the full text.
    pub url: String,
}

/// Another question of the same message, and the entry that answers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OtherQuestion {
    /// That question, as the message words it (redacted).
    pub question: String,
    /// The entry that answers it.
    pub entry: Suggestion,
}

/// The bot's reply to one question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BotReply {
    /// Answer or escalate.
    pub decision: Decision,
    /// Confidence in [0,1].
    pub confidence: f64,
    /// Why, in French.
    pub reason: String,
    /// Top hits, best first.
    pub hits: Vec<HitSummary>,
    /// The answer, when the decision is to answer.
    pub answer: Option<AnswerCard>,
    /// Up to three other entries ("voir aussi", or "peut-être utile" on escalation).
    pub alternatives: Vec<Suggestion>,
    /// When the message asks several questions, each answered with confidence: the others
    /// than the one the answer card answers, each with its entry, in the message's order.
    /// Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<OtherQuestion>,
    /// When the bot does not answer but its first hit is likely (confidence in
    /// [`search.suggest_threshold`, `search.answer_threshold`)): the article to ask about,
    /// « Votre question porte-t-elle sur … ? ».
    pub did_you_mean: Option<Suggestion>,
    /// The score features behind the decision.
    pub features: Features,
    /// The question as stored (redacted).
    pub question: String,
    /// What was redacted from the question, in French, if anything.
    pub redaction_notice: Option<String>,
}
