//! What goes into the search index: articles from `knowledge/` and published expert answers,
//! each with the phrasings learned from use (`store::Phrasing`) among its questions.

use std::collections::HashMap;

use super::redact::strip_placeholders;
use super::reply::ExpertProvenance;
use crate::knowledge::{Article, KnowledgeBase};
use crate::search::{Entry, EntryKind};
use crate::store::ExpertAnswer;

/// The index entry of a published article.
pub fn article_entry(a: &Article) -> Entry {
    article_entry_learned(a, &[])
}

/// The index entry of a published article with the phrasings learned for it.
pub fn article_entry_learned(a: &Article, learned: &[String]) -> Entry {
    Entry {
        id: a.slug.clone(),
        kind: EntryKind::Article,
        title: a.title.clone(),
        questions: a.questions.iter().chain(learned).cloned().collect(),
        tags: a.tags.clone(),
        body: a.body_text.clone(),
        theme: a.theme.clone(),
        payload: String::new(),
    }
}

/// Entries of every published article.
pub fn article_entries(kb: &KnowledgeBase) -> impl Iterator<Item = Entry> + '_ {
    kb.published().map(article_entry)
}

/// Entries of every published article with its learned phrasings (by index id).
pub fn article_entries_learned<'a>(kb: &'a KnowledgeBase, learned: &'a HashMap<String, Vec<String>>) -> impl Iterator<Item = Entry> + 'a {
    kb.published().map(|a| article_entry_learned(a, learned.get(&a.slug).map_or(&[], Vec::as_slice)))
}

/// The index id of an expert answer.
pub fn expert_id(answer_id: i64) -> String {
    format!("answer-{answer_id}")
}

/// The index entry of a published expert answer: found by its question and its text, and
/// carrying its provenance (author, ticket, date) for display.
pub fn expert_entry(a: &ExpertAnswer) -> Entry {
    expert_entry_learned(a, &[])
}

/// The index entry of a published expert answer with the phrasings learned for it.
pub fn expert_entry_learned(a: &ExpertAnswer, learned: &[String]) -> Entry {
    let provenance = ExpertProvenance {
        answer_id: a.id,
        ticket_id: a.ticket_id,
        version: a.version,
        author: a.author_name.clone(),
        published_at: a.updated_at,
        text: a.text.clone(),
    };
    let title: String = a.question.chars().take(160).collect();
    Entry {
        id: expert_id(a.id),
        kind: EntryKind::ExpertAnswer,
        title: if title.len() < a.question.len() { format!("{}…", title.trim_end()) } else { title },
        questions: std::iter::once(strip_placeholders(&a.question)).chain(learned.iter().cloned()).collect(),
        tags: Vec::new(),
        body: strip_placeholders(&a.text),
        theme: a.theme.clone().unwrap_or_default(),
        payload: serde_json::to_string(&provenance).expect("provenance serialises"),
    }
}
