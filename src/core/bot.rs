//! The bot: validate and redact a question, search, decide, and build the reply.

use std::sync::Arc;

use chrono::NaiveDate;

use super::decision::{self, Features};
use super::expert_topics::ExpertTopics;
use super::question::{self, TextError};
use super::redact::{Redacted, Redactor};
use super::reply::{AnswerCard, BotReply, Decision, ExpertProvenance, HitSummary, OtherQuestion, Suggestion};
use crate::config::{LimitSettings, SearchSettings};
use crate::knowledge::{Article, KnowledgeBase};
use crate::search::{EntryKind, Hit, SearchIndex, SearchOutcome};

/// How many hits a search returns.
const SEARCH_LIMIT: usize = 10;
/// An escalated message is also read by its asking sentences when the whole message reached
/// at least this confidence (below, its first entry is too unlikely to be confirmed: the second
/// search would only cost time).
const FOCUS_FROM: f64 = 0.15;
/// An alternative must score at least this share of the top hit.
const ALTERNATIVE_SHARE: f32 = 0.3;

/// Why a question could not be answered at all.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The text itself is unusable (empty, too long, no words): tell the user.
    #[error("{0}")]
    Invalid(#[from] TextError),
    /// The search failed (index broken): an internal error.
    #[error("la recherche a échoué : {0:#}")]
    Search(#[source] anyhow::Error),
}

/// Searches the knowledge and decides whether to answer.
#[derive(Clone)]
pub struct Bot {
    kb: Arc<KnowledgeBase>,
    index: Arc<SearchIndex>,
    search: SearchSettings,
    limits: LimitSettings,
    expert_topics: ExpertTopics,
    redactor: Arc<Redactor>,
}

impl Bot {
    /// A bot over a loaded knowledge base and its index.
    pub fn new(kb: Arc<KnowledgeBase>, index: Arc<SearchIndex>, search: SearchSettings, limits: LimitSettings) -> Self {
        let expert_topics = ExpertTopics::new(&kb.escalations);
        Bot { kb, index, search, limits, expert_topics, redactor: Arc::new(Redactor::default()) }
    }

    /// The same bot with these redaction rules (the deployment's public numbers).
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = Arc::new(redactor);
        self
    }

    /// The redaction rules every text goes through before it is stored or shown.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The knowledge base.
    pub fn kb(&self) -> &Arc<KnowledgeBase> {
        &self.kb
    }

    /// The search index.
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Validates and redacts a question without searching.
    pub fn prepare(&self, raw: &str) -> Result<Redacted, TextError> {
        let cleaned = question::clean(raw, self.limits.max_question_chars, true)?;
        Ok(self.redactor.redact(&cleaned))
    }

    /// Asks one question and forgets the reply, so that what the first question would load
    /// (the French dictionary, the typo corrector's word lists, the searcher and its term
    /// caches) is loaded at start-up rather than while a field worker waits. Returns how long
    /// it took. Never fails: an error only means the first real question pays the cost.
    pub fn warm_up(&self, today: NaiveDate) -> std::time::Duration {
        let started = std::time::Instant::now();
        let _ = self.reply("Bonjour, un réfugié de 30 ans peut-il toucher le RSA et la prime d'activité ?", today);
        started.elapsed()
    }

    /// Answers (or escalates) a raw question.
    pub fn reply(&self, raw: &str, today: NaiveDate) -> Result<BotReply, AskError> {
        let redacted = self.prepare(raw)?;
        let searchable = redacted.searchable();
        let outcome = self.index.search(&question::search_text(&searchable), SEARCH_LIMIT).map_err(AskError::Search)?;
        let reply = self.decide(&redacted, &outcome, today);
        // A message asking several things, each answered: the answer names every entry,
        // whether or not the whole message alone was answered.
        if let Some(several) = self.several_questions(&redacted, &searchable, &outcome, today)? {
            return Ok(several);
        }
        // A message that tells a situation and then asks: when its asking sentence alone is
        // answered from the same entry, the two readings agree and the bot answers (the whole
        // message still decides expert-only topics).
        if reply.decision == Decision::Escalate && reply.confidence >= FOCUS_FROM {
            // The last questions first (the one that follows the situation), three at most; then
            // the last one with the sentence that leads into it.
            let asking = super::learning::asking_sentences(&searchable).into_iter().take(3);
            let lead_in = super::question_parts::asking_with_lead_in(&searchable).into_iter().take(1);
            for asking in asking.chain(lead_in).filter(|a| a.as_str() != searchable.trim()) {
                let focused = self.index.search(&question::search_text(&asking), SEARCH_LIMIT).map_err(AskError::Search)?;
                let same_entry = focused.hits.first().map(|h| &h.entry.id) == outcome.hits.first().map(|h| &h.entry.id);
                if same_entry {
                    let alternative = self.decide(&redacted, &focused, today);
                    if alternative.decision == Decision::Answer {
                        return Ok(alternative);
                    }
                }
            }
        }
        Ok(reply)
    }

    /// A message that asks several things (« comment déposer la demande HLM, et est-ce que
    /// Visale peut servir de caution ? ») is answered when each of its questions, searched
    /// alone, is answered with confidence: the card answers the one whose entry the whole
    /// message found first (else the first question), [`BotReply::also`] names the entries
    /// that answer the others, and the confidence is the lowest of them. `None` when the
    /// message asks one thing or any of its questions would escalate.
    fn several_questions(
        &self,
        redacted: &Redacted,
        searchable: &str,
        whole: &SearchOutcome,
        today: NaiveDate,
    ) -> Result<Option<BotReply>, AskError> {
        let parts = super::question_parts::question_parts(searchable);
        if parts.is_empty() {
            return Ok(None);
        }
        let mut answered = Vec::with_capacity(parts.len());
        for part in &parts {
            let outcome = self.index.search(&question::search_text(part), SEARCH_LIMIT).map_err(AskError::Search)?;
            let reply = self.decide(redacted, &outcome, today);
            if reply.decision != Decision::Answer {
                return Ok(None);
            }
            answered.push((reply, outcome));
        }
        let first_of_whole = whole.hits.first().map(|h| &h.entry.id);
        let main = answered.iter().position(|(_, o)| o.hits.first().map(|h| &h.entry.id) == first_of_whole).unwrap_or(0);
        let confidence = answered.iter().map(|(r, _)| r.confidence).fold(f64::INFINITY, f64::min);
        let (mut reply, _) = answered.remove(main);
        let mut shown: Vec<String> = reply.answer.iter().map(|a| a.id.clone()).collect();
        for (part, (_, outcome)) in parts.iter().enumerate().filter(|(i, _)| *i != main).map(|(_, p)| p).zip(&answered) {
            if let Some(hit) = outcome.hits.first().filter(|h| !shown.contains(&h.entry.id)) {
                shown.push(hit.entry.id.clone());
                reply.also.push(OtherQuestion { question: part.clone(), entry: self.suggestion(hit) });
            }
        }
        reply.alternatives.retain(|a| !shown.contains(&a.id));
        reply.confidence = confidence;
        Ok(Some(reply))
    }

    fn decide(&self, redacted: &Redacted, outcome: &SearchOutcome, today: NaiveDate) -> BotReply {
        let features = decision::features(outcome);
        // An expert-only topic is escalated unless an expert already answered it: an article is
        // never a confident answer there, whatever its score.
        let from_expert = outcome.hits.first().is_some_and(|h| h.entry.kind == EntryKind::ExpertAnswer);
        let expert_topic = if from_expert { None } else { self.expert_topics.find(&redacted.searchable()) };
        let vague = expert_topic.is_none() && decision::too_vague(outcome);
        let confidence = if expert_topic.is_some() || vague { 0.0 } else { decision::confidence(&features) };
        let answer = confidence >= self.search.answer_threshold && !outcome.hits.is_empty();
        let hits: Vec<HitSummary> = outcome
            .hits
            .iter()
            .map(|h| HitSummary { slug: h.entry.id.clone(), title: h.entry.title.clone(), kind: h.entry.kind, score: h.score })
            .collect();
        let top_score = outcome.hits.first().map_or(0.0, |h| h.score);
        let skip = usize::from(answer);
        let alternatives: Vec<Suggestion> = outcome
            .hits
            .iter()
            .skip(skip)
            .filter(|h| h.score >= ALTERNATIVE_SHARE * top_score)
            .take(self.search.alternatives)
            .map(|h| self.suggestion(h))
            .collect();
        // The middle band: not sure enough to answer, sure enough to ask about its first hit.
        let did_you_mean =
            outcome.hits.first().filter(|_| !answer && confidence >= self.search.suggest_threshold).map(|h| self.suggestion(h));
        BotReply {
            decision: if answer { Decision::Answer } else { Decision::Escalate },
            confidence,
            reason: match expert_topic {
                Some(topic) => format!("Ce sujet ({topic}) est réservé aux experts : la question doit leur être transmise."),
                None if vague => "Votre question tient en un mot que plusieurs fiches emploient : précisez la situation \
                                  (qui, quelle démarche, quel droit) pour que je trouve la bonne réponse."
                    .into(),
                None => reason(answer, outcome, &features, confidence),
            },
            hits,
            answer: if answer { outcome.hits.first().map(|h| self.card(h, outcome, today)) } else { None },
            alternatives,
            also: Vec::new(),
            did_you_mean,
            features,
            question: redacted.text.clone(),
            redaction_notice: redacted.notice(),
        }
    }

    /// A reply showing one published expert answer (confirmed by its asker after « did you
    /// mean »).
    pub fn expert_reply(&self, answer: &crate::store::ExpertAnswer) -> BotReply {
        let id = super::indexing::expert_id(answer.id);
        let provenance = ExpertProvenance {
            answer_id: answer.id,
            ticket_id: answer.ticket_id,
            version: answer.version,
            author: answer.author_name.clone(),
            published_at: answer.updated_at,
            text: answer.text.clone(),
        };
        let card = AnswerCard {
            kind: EntryKind::ExpertAnswer,
            url: self.url(EntryKind::ExpertAnswer, &id),
            id,
            title: answer.question.clone(),
            theme: answer.theme.clone().unwrap_or_default(),
            short_answer: short_text(&answer.text),
            snippet: String::new(),
            sources: Vec::new(),
            reviewed: Some(answer.updated_at.date_naive()),
            review_by: None,
            stale_warning: None,
            expert: Some(provenance),
        };
        shown(card, "Réponse d'expert confirmée.")
    }

    /// A reply showing one published article (picked from a list of alternatives).
    pub fn article_reply(&self, slug: &str, today: NaiveDate) -> Option<BotReply> {
        let article = self.kb.published().find(|a| a.slug == slug)?;
        let mut card = AnswerCard {
            kind: EntryKind::Article,
            id: article.slug.clone(),
            title: article.title.clone(),
            theme: article.theme.clone(),
            short_answer: String::new(),
            snippet: String::new(),
            url: self.url(EntryKind::Article, &article.slug),
            sources: Vec::new(),
            reviewed: None,
            review_by: None,
            stale_warning: None,
            expert: None,
        };
        fill_article(&mut card, article, today);
        Some(shown(card, "Fiche choisie dans la liste."))
    }

    /// The public URL of an index entry (`search.public_url` + `/articles/SLUG` or `/answers/ID`).
    pub fn url(&self, kind: EntryKind, id: &str) -> String {
        let base = self.search.public_url.trim_end_matches('/');
        match kind {
            EntryKind::Article => format!("{base}/articles/{id}"),
            EntryKind::ExpertAnswer => format!("{base}/answers/{}", id.trim_start_matches("answer-")),
        }
    }

    fn suggestion(&self, hit: &Hit) -> Suggestion {
        Suggestion {
            kind: hit.entry.kind,
            id: hit.entry.id.clone(),
            title: hit.entry.title.clone(),
            url: self.url(hit.entry.kind, &hit.entry.id),
        }
    }

    fn card(&self, hit: &Hit, outcome: &SearchOutcome, today: NaiveDate) -> AnswerCard {
        let mut card = AnswerCard {
            kind: hit.entry.kind,
            id: hit.entry.id.clone(),
            title: hit.entry.title.clone(),
            theme: hit.entry.theme.clone(),
            short_answer: String::new(),
            snippet: String::new(),
            url: self.url(hit.entry.kind, &hit.entry.id),
            sources: Vec::new(),
            reviewed: None,
            review_by: None,
            stale_warning: None,
            expert: None,
        };
        match hit.entry.kind {
            EntryKind::Article => {
                if let Some(article) = self.kb.article(&hit.entry.id) {
                    fill_article(&mut card, article, today);
                    card.snippet = self.index.snippet(outcome, &article.body_text);
                }
            }
            EntryKind::ExpertAnswer => {
                if let Ok(p) = serde_json::from_str::<ExpertProvenance>(&hit.entry.payload) {
                    card.short_answer = short_text(&p.text);
                    card.snippet = self.index.snippet(outcome, &p.text);
                    card.reviewed = Some(p.published_at.date_naive());
                    card.expert = Some(p);
                }
            }
        }
        card
    }
}

/// A reply that shows one entry the asker picked or confirmed (no search behind it).
fn shown(card: AnswerCard, reason: &str) -> BotReply {
    BotReply {
        decision: Decision::Answer,
        confidence: 1.0,
        reason: reason.into(),
        hits: Vec::new(),
        answer: Some(card),
        alternatives: Vec::new(),
        also: Vec::new(),
        did_you_mean: None,
        features: Features::default(),
        question: String::new(),
        redaction_notice: None,
    }
}

fn fill_article(card: &mut AnswerCard, article: &Article, today: NaiveDate) {
    card.short_answer = article.short_answer.clone();
    card.sources = article.sources.clone();
    card.reviewed = Some(article.reviewed);
    card.review_by = Some(article.review_by);
    if article.is_stale(today) {
        card.stale_warning = Some(format!(
            "Attention : cette fiche devait être relue avant le {}. Vérifiez les points importants auprès d'une source officielle.",
            article.review_by.format("%d/%m/%Y")
        ));
    }
}

/// The first paragraph of an expert answer, cut at a sentence or word boundary near 600 chars.
pub fn short_text(text: &str) -> String {
    let first = text.trim().split("\n\n").next().unwrap_or_default().trim();
    if first.chars().count() <= 600 {
        return first.to_string();
    }
    let cut: String = first.chars().take(600).collect();
    let end = cut.rfind(". ").map(|i| i + 1).or_else(|| cut.rfind(' ')).unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end())
}

fn reason(answer: bool, outcome: &SearchOutcome, f: &Features, confidence: f64) -> String {
    let Some(top) = outcome.hits.first() else {
        return if outcome.concepts.is_empty() {
            "Aucun mot exploitable pour la recherche dans cette question.".into()
        } else {
            "Aucune fiche ni réponse d'expert ne correspond à cette question.".into()
        };
    };
    let pct = (f.coverage * 100.0).round();
    let title = &top.entry.title;
    if answer {
        return format!("« {title} » couvre {pct} % des termes de la question (confiance {confidence:.2}).");
    }
    if f.unknown >= 0.4 {
        format!(
            "La question porte sur des points que la base ne traite pas (la meilleure piste, « {title} », n'en couvre que {pct} %)."
        )
    } else if f.margin < 0.1 && outcome.hits.len() > 1 {
        format!("Plusieurs fiches se valent sans répondre nettement, la première étant « {title} ».")
    } else {
        format!("Réponse incertaine : « {title} » ne couvre que {pct} % des termes de la question (confiance {confidence:.2}).")
    }
}
