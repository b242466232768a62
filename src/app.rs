//! Building the service from its settings: knowledge, search index, bot.

use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;

use crate::config::Settings;
use crate::core::redact::Redactor;
use crate::core::{Bot, Service, indexing};
use crate::store::Store;
use crate::knowledge::KnowledgeBase;
use crate::search::{SearchIndex, Staleness};
use crate::store::ExpertAnswer;

/// Today's date in the network's time zone (review dates are calendar dates).
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&crate::core::display::time_zone()).date_naive()
}

/// Loads the knowledge folder, logging its problems; fails only when the folder is unusable.
pub fn load_knowledge(settings: &Settings) -> anyhow::Result<Arc<KnowledgeBase>> {
    let dir = settings.knowledge_dir();
    let loaded = KnowledgeBase::load(dir, today())?;
    for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
        tracing::error!("{}: {d}", dir.display());
    }
    // The guards (expert-only topics, synonyms, themes) are never silently missing: a broken
    // file stops the start, with `file:line` as `svp kb check` gives it. A broken article is
    // left out (logged above, and counted by /api/health).
    let guards: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && d.file.extension().is_some_and(|e| e == "toml"))
        .map(|d| format!("{}/{d}", dir.display()))
        .collect();
    anyhow::ensure!(
        guards.is_empty(),
        "the knowledge folder's configuration is broken; fix it (svp kb check) before starting:\n{}",
        guards.join("\n")
    );
    let published = loaded.kb.published().count();
    anyhow::ensure!(
        published > 0,
        "no published article in {}: run `svp kb check` to see why",
        dir.display()
    );
    tracing::info!(articles = published, errors = loaded.error_count(), "knowledge base loaded");
    Ok(Arc::new(loaded.kb))
}

/// What the index holds besides the articles' files: published expert answers, the learned
/// phrasings by index id, and the change sequence they reflect.
#[derive(Default)]
pub struct IndexSources {
    /// Published expert answers.
    pub answers: Vec<ExpertAnswer>,
    /// Learned phrasings not removed, by index id (article slug or `answer-N`).
    pub learned: std::collections::HashMap<String, Vec<String>>,
    /// The last change sequence read before them.
    pub seq: i64,
}

/// Reads [`IndexSources`] from the database.
async fn index_sources(store: &Store) -> anyhow::Result<IndexSources> {
    let (answers, seq) = store.published_answers().await?;
    let learned = store.indexed_phrasings().await?;
    Ok(IndexSources { answers, learned, seq })
}

/// Opens the search index and rebuilds it when missing, unreadable or out of date (or when
/// `force`), from the knowledge base and the given expert answers (fetched only if needed).
async fn open_index<F, Fut>(
    settings: &Settings,
    kb: &KnowledgeBase,
    force: bool,
    answers: F,
    progress: &dyn Fn(u64),
) -> anyhow::Result<SearchIndex>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<IndexSources>>,
{
    let dir = settings.index_dir();
    // Held until the index is usable: another process starting at the same time waits, then
    // finds it built (never half-built, never deleted under it).
    let _build = crate::search::build_lock(&dir)?;
    let index = SearchIndex::open(&dir, &kb.synonyms).with_context(|| format!("cannot open the index in {}", dir.display()))?;
    let staleness = if force { Staleness::Content } else { index.staleness(&kb.content_hash) };
    if staleness == Staleness::Fresh {
        return Ok(index);
    }
    if !index.is_writable() {
        tracing::warn!(reason = ?staleness, "search index is out of date but another process holds it; it will rebuild it");
        return Ok(index);
    }
    let IndexSources { answers, learned, seq } = answers().await?;
    let started = std::time::Instant::now();
    let no_phrasings = Vec::new();
    let mut entries = indexing::article_entries_learned(kb, &learned).chain(
        answers.iter().map(|a| indexing::expert_entry_learned(a, learned.get(&indexing::expert_id(a.id)).unwrap_or(&no_phrasings))),
    );
    let n = index.rebuild(&mut entries, &kb.content_hash, seq, progress)?;
    tracing::info!(entries = n, reason = ?staleness, elapsed_ms = started.elapsed().as_millis() as u64, "search index rebuilt");
    Ok(index)
}

/// The database could not be reached at start-up (as opposed to a configuration or knowledge
/// error): `serve` retries with back-off, the other commands exit with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct DatabaseUnavailable(#[source] pub anyhow::Error);

/// The redaction rules with the configured public numbers.
fn redactor(settings: &Settings) -> anyhow::Result<Redactor> {
    let redactor = Redactor::new(&settings.privacy.public_numbers).map_err(anyhow::Error::msg)?;
    redactor.warm_up();
    Ok(redactor)
}

/// Connects to the database, opens (or rebuilds) the index with the published expert answers,
/// and replays the answer changes the index has not seen.
pub async fn open_service(settings: &Settings, force_rebuild: bool, progress: &dyn Fn(u64)) -> anyhow::Result<Service> {
    crate::core::display::set_time_zone(settings.time_zone()?);
    let kb = load_knowledge(settings)?;
    let store = Store::connect(&settings.database_url()).await.map_err(DatabaseUnavailable)?;
    let index = open_index(settings, &kb, force_rebuild, || index_sources(&store), progress).await?;
    let bot = Bot::new(kb, Arc::new(index), settings.search.clone(), settings.limits.clone()).with_redactor(redactor(settings)?);
    let service = Service::new(bot, store, settings.clone());
    let replayed = service.sync_index().await?;
    if replayed > 0 {
        tracing::info!(changes = replayed, "search index caught up with the database");
    }
    Ok(service)
}

/// The bot alone, for searching without recording: with the expert answers when the database
/// is reachable, over the articles only (with a warning) when it is not.
pub async fn open_bot(settings: &Settings) -> anyhow::Result<Bot> {
    match open_service(settings, false, &|_| {}).await {
        Ok(service) => Ok(service.bot().clone()),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "database unavailable: searching the articles only");
            let kb = load_knowledge(settings)?;
            let index = open_index(settings, &kb, false, || async { Ok(IndexSources::default()) }, &|_| {}).await?;
            Ok(Bot::new(kb, Arc::new(index), settings.search.clone(), settings.limits.clone())
                .with_redactor(redactor(settings)?))
        }
    }
}
