//! What goes into the search index: articles from `knowledge/` and published expert answers.

use crate::knowledge::{Article, KnowledgeBase};
use crate::search::{Entry, EntryKind};

/// The index entry of a published article.
pub fn article_entry(a: &Article) -> Entry {
    Entry {
        id: a.slug.clone(),
        kind: EntryKind::Article,
        title: a.title.clone(),
        questions: a.questions.clone(),
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
