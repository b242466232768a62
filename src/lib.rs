//! SVP: the helpdesk of France terre d'asile's "SVP insertion" information service.
//!
//! Field staff ask practical questions in chat; a bot answers from a curated French knowledge
//! base, citing sources and review dates, or escalates to experts through a ticket queue whose
//! answers are fed straight back into the search index.
//!
//! # Layout
//! - [`config`]: typed settings (defaults, `config/svp.toml`, `SVP_*` environment).
//! - [`lexicon`]: word lists shipped as data (French dictionary, first names, places).
//! - [`lockfile`]: exclusive lock files, so that processes starting at once take turns.
//! - [`knowledge`]: the Markdown knowledge folder: loading, validation, content hash.
//! - [`search`]: French analysis, the tantivy index, queries with synonyms and scoring detail.
//! - [`store`]: the database (SQLite or PostgreSQL): users, questions, tickets, answers, outbox.
//! - [`core`]: the transport-agnostic core: validation, redaction, search and decision.
//! - [`discord`]: the Discord adapter (serenity + poise) and its outbox sender.
//! - [`web`]: the web adapter (axum): pages and JSON API.
//! - [`bench`]: `svp bench`, SVP against PostgreSQL full-text search and SQLite FTS5.
//! - [`eval`]: measuring answer quality on a labelled question set.
//! - [`app`]: building everything from the settings.
//! - [`cli`]: the `svp` command line, a thin adapter over the rest.

/// The allocator of every SVP binary (the service, its tests, benchmarks and tools). A search
/// builds and drops many small buffers (term scorers, postings, concept lists): glibc's malloc
/// took about a quarter of the CPU of `POST /api/v1/ask` under load (`perf`), mimalloc much less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod core;
pub mod discord;
pub mod eval;
pub mod knowledge;
pub mod lexicon;
pub mod lockfile;
pub mod search;
pub mod store;
pub mod web;
