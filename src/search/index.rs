//! Opening, rebuilding and updating the tantivy index. One long-lived writer per process; the
//! commit payload records the analyzer version, the knowledge content hash and the last expert
//! answer change applied, so a restart knows what to rebuild or replay.

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analyzer::{self, ANALYZER_VERSION};
use super::schema::{self, Entry, Fields};

/// What the index was built from, stored as the commit payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexState {
    /// Analyzer version the index was built with.
    pub analyzer_version: u32,
    /// Content hash of the knowledge folder it was built from.
    pub content_hash: String,
    /// Last expert-answer change (database sequence) applied.
    pub answers_seq: i64,
}

/// Why an index must be rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// Nothing to rebuild.
    Fresh,
    /// No index, or it was unreadable and recreated empty.
    Missing,
    /// Built with another analyzer version.
    Analyzer,
    /// The knowledge folder changed.
    Content,
}

/// The on-disk index and its single writer.
pub(super) struct Store {
    pub reader: IndexReader,
    pub writer: Option<Mutex<IndexWriter<TantivyDocument>>>,
    pub fields: Fields,
    pub state: Mutex<IndexState>,
    pub created: bool,
}

/// Memory budget of the writer (shared by its threads).
const WRITER_BUDGET: usize = 128 * 1024 * 1024;

impl Store {
    /// Opens the index in `dir`, creating it when missing and recreating it when unreadable.
    pub fn open(dir: &Path) -> anyhow::Result<Store> {
        let (schema, fields) = schema::schema();
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create index folder {}", dir.display()))?;
        let has_meta = dir.join("meta.json").exists();
        let opened = if has_meta { Self::try_open(dir, &schema) } else { Err(anyhow::anyhow!("no index yet")) };
        let (index, created) = match opened {
            Ok(index) => (index, false),
            Err(err) => {
                if has_meta {
                    tracing::warn!(dir = %dir.display(), error = %format!("{err:#}"), "search index unreadable; rebuilding it from the sources");
                } else {
                    tracing::info!(dir = %dir.display(), "no search index yet; building it");
                }
                wipe(dir)?;
                let directory = MmapDirectory::open(dir).context("cannot open index folder")?;
                (Index::create(directory, schema, Default::default()).context("cannot create search index")?, true)
            }
        };
        analyzer::register(&index);
        let writer = match index.writer(WRITER_BUDGET) {
            Ok(w) => Some(Mutex::new(w)),
            Err(tantivy::TantivyError::LockFailure(..)) => {
                tracing::info!("search index is written by another process; opening it read-only");
                None
            }
            Err(e) => return Err(e).context("cannot open the index writer"),
        };
        let policy = if writer.is_some() { ReloadPolicy::Manual } else { ReloadPolicy::OnCommitWithDelay };
        let reader = index.reader_builder().reload_policy(policy).try_into().context("cannot open index reader")?;
        let state = if created { IndexState::default() } else { read_state(&index) };
        Ok(Store { reader, writer, fields, state: Mutex::new(state), created })
    }

    /// An index held in memory (tests, benchmarks).
    pub fn in_memory() -> anyhow::Result<Store> {
        let (schema, fields) = schema::schema();
        let index = Index::create_in_ram(schema);
        analyzer::register(&index);
        let writer = index.writer(WRITER_BUDGET)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Store { reader, writer: Some(Mutex::new(writer)), fields, state: Mutex::new(IndexState::default()), created: true })
    }

    fn try_open(dir: &Path, schema: &tantivy::schema::Schema) -> anyhow::Result<Index> {
        let index = Index::open_in_dir(dir)?;
        anyhow::ensure!(&index.schema() == schema, "the index schema is from another version");
        analyzer::register(&index);
        // Opening a reader loads every segment: a missing or truncated file shows up here.
        let reader: IndexReader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let searcher = reader.searcher();
        for segment in searcher.segment_readers() {
            segment.get_store_reader(1)?;
        }
        Ok(index)
    }

    /// Why the index must be rebuilt for the knowledge `content_hash`, if it must.
    pub fn staleness(&self, content_hash: &str) -> Staleness {
        let state = self.state.lock().expect("index state lock");
        if self.created {
            Staleness::Missing
        } else if state.analyzer_version != ANALYZER_VERSION {
            Staleness::Analyzer
        } else if state.content_hash != content_hash {
            Staleness::Content
        } else {
            Staleness::Fresh
        }
    }

    fn writer(&self) -> anyhow::Result<std::sync::MutexGuard<'_, IndexWriter<TantivyDocument>>> {
        let writer = self
            .writer
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the search index is held by another SVP process (read-only here)"))?;
        Ok(writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Replaces the whole content with `entries`.
    pub fn rebuild(
        &self,
        entries: &mut dyn Iterator<Item = Entry>,
        content_hash: &str,
        answers_seq: i64,
        progress: &dyn Fn(u64),
    ) -> anyhow::Result<u64> {
        let mut writer = self.writer()?;
        writer.delete_all_documents()?;
        let mut n = 0u64;
        let mut stemmer = analyzer::stemmed();
        for entry in entries {
            writer.add_document(entry.to_document(&self.fields, &mut stemmer))?;
            n += 1;
            if n.is_multiple_of(1000) {
                progress(n);
            }
        }
        progress(n);
        let state = IndexState {
            analyzer_version: ANALYZER_VERSION,
            content_hash: content_hash.to_string(),
            answers_seq,
        };
        self.commit(&mut writer, state)?;
        Ok(n)
    }

    /// Adds or replaces `upserts`, removes `deletes`, and records `answers_seq`.
    pub fn apply(&self, upserts: &[Entry], deletes: &[String], answers_seq: i64) -> anyhow::Result<()> {
        let mut writer = self.writer()?;
        for id in deletes.iter().chain(upserts.iter().map(|e| &e.id)) {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        let mut stemmer = analyzer::stemmed();
        for entry in upserts {
            writer.add_document(entry.to_document(&self.fields, &mut stemmer))?;
        }
        let mut state = self.state.lock().expect("index state lock").clone();
        state.answers_seq = state.answers_seq.max(answers_seq);
        self.commit(&mut writer, state)
    }

    fn commit(&self, writer: &mut IndexWriter<TantivyDocument>, state: IndexState) -> anyhow::Result<()> {
        let payload = serde_json::to_string(&state)?;
        let mut prepared = writer.prepare_commit().context("index commit failed")?;
        prepared.set_payload(&payload);
        prepared.commit().context("index commit failed")?;
        self.reader.reload().context("index reload failed")?;
        *self.state.lock().expect("index state lock") = state;
        Ok(())
    }

    /// The state recorded at the last commit.
    pub fn state(&self) -> IndexState {
        self.state.lock().expect("index state lock").clone()
    }
}

fn read_state(index: &Index) -> IndexState {
    index
        .load_metas()
        .ok()
        .and_then(|m| m.payload)
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default()
}

/// Empties the index folder (it holds nothing but the index).
/// Holds the exclusive right to create, repair or rebuild the index in `dir` across
/// processes, until dropped. Six commands started at once on an empty data directory take turns:
/// the first builds the index, the others find it built.
pub type BuildLock = crate::lockfile::LockFile;

/// Waits for the build lock of the index in `dir` (a `<dir>.lock` file beside it).
pub fn build_lock(dir: &Path) -> anyhow::Result<BuildLock> {
    crate::lockfile::acquire(&dir.with_extension("lock"))
}

/// Whether another process holds tantivy's writer lock on the index in `dir` (such an index is
/// never deleted, even if this process cannot read it).
fn written_by_another_process(dir: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new().write(true).open(dir.join(".tantivy-writer.lock")) else { return false };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(_) => true,
    }
}

fn wipe(dir: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !written_by_another_process(dir),
        "the search index in {} is unreadable here but another process is writing it (svp serve?): \
         it is left alone; stop that process and run `svp index rebuild`",
        dir.display()
    );
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove broken index {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create index folder {}", dir.display()))?;
    Ok(())
}
