//! Building the service from its settings: knowledge, search index, bot.

use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;

use crate::config::Settings;
use crate::core::{Bot, indexing};
use crate::knowledge::KnowledgeBase;
use crate::search::{Entry, SearchIndex, Staleness};

/// Today's date in local time (review dates are calendar dates).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Loads the knowledge folder, logging its problems; fails only when the folder is unusable.
pub fn load_knowledge(settings: &Settings) -> anyhow::Result<Arc<KnowledgeBase>> {
    let dir = settings.knowledge_dir();
    let loaded = KnowledgeBase::load(dir, today())?;
    for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
        tracing::error!("{}: {d}", dir.display());
    }
    let published = loaded.kb.published().count();
    anyhow::ensure!(
        published > 0,
        "no published article in {}: run `svp kb check` to see why",
        dir.display()
    );
    tracing::info!(articles = published, errors = loaded.error_count(), "knowledge base loaded");
    Ok(Arc::new(loaded.kb))
}

/// Opens the search index and rebuilds it when missing, unreadable or out of date.
/// `answers` gives the published expert answers and the change sequence they reflect.
pub fn open_index(
    settings: &Settings,
    kb: &KnowledgeBase,
    force: bool,
    answers: impl FnOnce() -> anyhow::Result<(Vec<Entry>, i64)>,
    progress: &dyn Fn(u64),
) -> anyhow::Result<(Arc<SearchIndex>, Staleness)> {
    let dir = settings.index_dir();
    let index = SearchIndex::open(&dir, &kb.synonyms).with_context(|| format!("cannot open the index in {}", dir.display()))?;
    let staleness = if force { Staleness::Content } else { index.staleness(&kb.content_hash) };
    if staleness != Staleness::Fresh {
        if index.is_writable() {
            let (answer_entries, seq) = answers()?;
            let started = std::time::Instant::now();
            let mut entries = indexing::article_entries(kb).chain(answer_entries);
            let n = index.rebuild(&mut entries, &kb.content_hash, seq, progress)?;
            tracing::info!(entries = n, reason = ?staleness, elapsed_ms = started.elapsed().as_millis() as u64, "search index rebuilt");
        } else {
            tracing::warn!(reason = ?staleness, "search index is out of date but another process holds it; it will rebuild it");
        }
    }
    Ok((Arc::new(index), staleness))
}

/// The bot over the shipped knowledge, without a database (used by `svp ask` without `--as` and `svp eval`).
pub fn open_bot(settings: &Settings, force_rebuild: bool, progress: &dyn Fn(u64)) -> anyhow::Result<Bot> {
    let kb = load_knowledge(settings)?;
    let (index, _) = open_index(settings, &kb, force_rebuild, || Ok((Vec::new(), 0)), progress)?;
    Ok(Bot::new(kb, index, settings.search.clone(), settings.limits.clone()))
}
