//! The tools a team would pick instead, each configured at its honest best on the same entries
//! and fields:
//! - **PostgreSQL full-text search**: a `french` configuration with `unaccent` before
//!   `french_stem`; title (A), questions and tags (B), body (C) weighted like SVP's fields;
//!   `websearch_to_tsquery` on the raw question, its ANDs turned into ORs (with AND, most real
//!   questions match nothing); ranked by `ts_rank_cd`.
//! - **SQLite FTS5**: `unicode61 remove_diacritics 2`, one column per field, `bm25()` with
//!   SVP's field weights; the question's words OR-ed, long words as prefixes (FTS5 has no
//!   French stemmer: `réfugiés` must still find `réfugié`).

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, PgPool, Row, SqlitePool};

use crate::search::Entry;

/// A search engine under test.
pub trait Peer {
    /// Ids of the best entries, best first.
    fn search(&self, question: &str, limit: usize) -> impl std::future::Future<Output = anyhow::Result<Vec<String>>> + Send;
}

/// PostgreSQL full-text search in its own database.
pub struct PgFts {
    pool: PgPool,
    admin_url: String,
    database: String,
}

impl PgFts {
    /// Creates a fresh database next to `url`.
    pub async fn create(url: &str) -> anyhow::Result<PgFts> {
        let database = format!("svp_bench_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(url).await.context("cannot connect to PostgreSQL")?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).execute(&mut admin).await?;
        sqlx::query(&format!("CREATE DATABASE {database}")).execute(&mut admin).await?;
        admin.close().await?;
        let base = url.split('?').next().unwrap_or(url);
        let db_url = format!("{}/{database}", &base[..base.rfind('/').context("PostgreSQL URL without a database")?]);
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect(&db_url).await?;
        for statement in [
            "CREATE EXTENSION IF NOT EXISTS unaccent",
            "CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french)",
            "ALTER TEXT SEARCH CONFIGURATION fr_unaccent ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
            "CREATE TABLE entries (id TEXT PRIMARY KEY, title TEXT, questions TEXT, tags TEXT, body TEXT, tsv tsvector)",
        ] {
            sqlx::query(statement).execute(&pool).await.with_context(|| statement.to_string())?;
        }
        Ok(PgFts { pool, admin_url: url.to_string(), database })
    }

    /// Loads entries (in batches) and builds the GIN index.
    pub async fn load(&self, entries: &mut dyn Iterator<Item = Entry>) -> anyhow::Result<u64> {
        let mut n = 0u64;
        loop {
            let batch: Vec<Entry> = entries.take(2000).collect();
            if batch.is_empty() {
                break;
            }
            n += batch.len() as u64;
            let ids: Vec<&str> = batch.iter().map(|e| e.id.as_str()).collect();
            let titles: Vec<&str> = batch.iter().map(|e| e.title.as_str()).collect();
            let questions: Vec<String> = batch.iter().map(|e| e.questions.join(" \n ")).collect();
            let tags: Vec<String> = batch.iter().map(|e| e.tags.join(", ")).collect();
            let bodies: Vec<&str> = batch.iter().map(|e| e.body.as_str()).collect();
            sqlx::query(
                "INSERT INTO entries (id, title, questions, tags, body, tsv) \
                 SELECT id, title, questions, tags, body, \
                   setweight(to_tsvector('fr_unaccent', title), 'A') || setweight(to_tsvector('fr_unaccent', questions), 'B') || \
                   setweight(to_tsvector('fr_unaccent', tags), 'B') || setweight(to_tsvector('fr_unaccent', body), 'C') \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, title, questions, tags, body)",
            )
            .bind(&ids)
            .bind(&titles)
            .bind(&questions)
            .bind(&tags)
            .bind(&bodies)
            .execute(&self.pool)
            .await?;
        }
        sqlx::query("CREATE INDEX entries_tsv ON entries USING GIN (tsv)").execute(&self.pool).await?;
        sqlx::query("ANALYZE entries").execute(&self.pool).await?;
        Ok(n)
    }

    /// Bytes on disk (table, TOAST and index).
    pub async fn size(&self) -> anyhow::Result<u64> {
        let row = sqlx::query("SELECT pg_total_relation_size('entries') AS s").fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>("s")? as u64)
    }

    /// Drops the database.
    pub async fn drop_database(self) -> anyhow::Result<()> {
        self.pool.close().await;
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)).execute(&mut admin).await?;
        Ok(())
    }
}

impl Peer for PgFts {
    async fn search(&self, question: &str, limit: usize) -> anyhow::Result<Vec<String>> {
        // Weights for D, C, B, A (ts_rank_cd's order): body 2.5, questions/tags 2.75, title 8,
        // scaled to PostgreSQL's [0,1].
        let rows = sqlx::query(
            "SELECT id FROM entries, \
               CAST(NULLIF(REPLACE(CAST(websearch_to_tsquery('fr_unaccent', $1) AS text), '&', '|'), '') AS tsquery) AS q \
             WHERE tsv @@ q ORDER BY ts_rank_cd('{0.1, 0.31, 0.34, 1.0}', tsv, q) DESC, id LIMIT $2",
        )
        .bind(question)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }
}

/// SQLite FTS5 in its own file.
pub struct Fts5 {
    pool: SqlitePool,
}

impl Fts5 {
    /// Creates the FTS5 table in a new file.
    pub async fn create(path: &Path) -> anyhow::Result<Fts5> {
        let _ = std::fs::remove_file(path);
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::query(
            "CREATE VIRTUAL TABLE entries USING fts5(id UNINDEXED, title, questions, tags, body, tokenize = 'unicode61 remove_diacritics 2')",
        )
        .execute(&pool)
        .await?;
        Ok(Fts5 { pool })
    }

    /// Loads entries in transactions of 5,000.
    pub async fn load(&self, entries: &mut dyn Iterator<Item = Entry>) -> anyhow::Result<u64> {
        let mut n = 0u64;
        loop {
            let batch: Vec<Entry> = entries.take(5000).collect();
            if batch.is_empty() {
                break;
            }
            let mut tx = self.pool.begin().await?;
            for e in &batch {
                sqlx::query("INSERT INTO entries (id, title, questions, tags, body) VALUES (?, ?, ?, ?, ?)")
                    .bind(&e.id)
                    .bind(&e.title)
                    .bind(e.questions.join(" \n "))
                    .bind(e.tags.join(", "))
                    .bind(&e.body)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n += batch.len() as u64;
        }
        sqlx::query("INSERT INTO entries (entries) VALUES ('optimize')").execute(&self.pool).await?;
        Ok(n)
    }

    /// The MATCH expression of a question: its words OR-ed, long ones as prefixes.
    pub fn match_expression(question: &str) -> Option<String> {
        let words: Vec<String> = question
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 2)
            .map(|w| {
                let w = w.to_lowercase();
                let n = w.chars().count();
                if n >= 6 {
                    format!("\"{}\"*", w.chars().take(n - 2).collect::<String>())
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect();
        (!words.is_empty()).then(|| words.join(" OR "))
    }
}

impl Peer for Fts5 {
    async fn search(&self, question: &str, limit: usize) -> anyhow::Result<Vec<String>> {
        let Some(expression) = Fts5::match_expression(question) else {
            return Ok(Vec::new());
        };
        // bm25() weights per column (id, title, questions, tags, body), as SVP's boosts.
        let rows = sqlx::query(
            "SELECT id FROM entries WHERE entries MATCH ? ORDER BY bm25(entries, 0.0, 8.0, 2.75, 1.0, 2.5) LIMIT ?",
        )
        .bind(expression)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Fts5;

    #[test]
    fn fts5_expressions_quote_every_word() {
        assert_eq!(Fts5::match_expression("RSA: réfugiés ?").unwrap(), "\"rsa\" OR \"réfugi\"*");
        assert_eq!(Fts5::match_expression("\"():*^~"), None);
    }
}
