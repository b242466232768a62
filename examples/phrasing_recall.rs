//! Developer tool: how well each article is found by its own question phrasings when they are
//! held out of the index (a measure of the ranking that is not tuned on any evaluation set).
//!
//! `cargo run --release --example phrasing_recall [-- --verbose]` splits every published
//! article's phrasings into five folds; for each fold it builds an index of the knowledge base
//! without that fold's phrasings and asks each of them. It prints recall@1 and recall@3 over
//! all held-out phrasings (and, with `--verbose`, the phrasings whose article is not first).
//! `--dump FILE` also writes, for each held-out phrasing and each question of the `eval/` sets
//! (asked against the whole knowledge base), the decision's features and whether the first hit
//! is right, as JSON lines: material to study the answer-or-escalate decision.

use std::path::Path;
use std::sync::Arc;

use svp::core::{Bot, BotReply};
use svp::knowledge::KnowledgeBase;
use svp::search::{Entry, SearchIndex};

const FOLDS: usize = 5;

fn main() -> anyhow::Result<()> {
    let verbose = std::env::args().any(|a| a == "--verbose");
    let mut dump = std::env::args().skip_while(|a| a != "--dump").nth(1).map(std::fs::File::create).transpose()?;
    let kb = Arc::new(KnowledgeBase::load(Path::new("knowledge"), svp::app::today())?.kb);
    let articles: Vec<_> = kb.published().collect();
    let (mut asked, mut first, mut top3) = (0usize, 0usize, 0usize);
    for fold in 0..FOLDS {
        // Phrasing i of article a is in fold (a + i) % FOLDS: every article keeps most of its own.
        let held_out = |a: usize, i: usize| (a + i) % FOLDS == fold;
        let entries: Vec<_> = articles
            .iter()
            .enumerate()
            .map(|(a, article)| {
                let mut entry = svp::core::indexing::article_entry(article);
                entry.questions = article.questions.iter().enumerate().filter(|(i, _)| !held_out(a, *i)).map(|(_, q)| q.clone()).collect();
                entry
            })
            .collect();
        let bot = bot_over(&kb, entries)?;
        for (a, article) in articles.iter().enumerate() {
            for (i, q) in article.questions.iter().enumerate().filter(|(i, _)| held_out(a, *i)) {
                let Ok(reply) = bot.reply(q, svp::app::today()) else { continue };
                if let Some(out) = dump.as_mut() {
                    record(out, &reply, "phrasings", q, std::slice::from_ref(&article.slug))?;
                }
                let rank = reply.hits.iter().position(|h| h.slug == article.slug);
                asked += 1;
                first += usize::from(rank == Some(0));
                top3 += usize::from(rank.is_some_and(|r| r < 3));
                if verbose && rank != Some(0) {
                    let got: Vec<&str> = reply.hits.iter().take(3).map(|h| h.slug.as_str()).collect();
                    println!("{} #{i}: {q}\n    got {}", article.slug, got.join(", "));
                }
            }
        }
    }
    if let Some(out) = dump.as_mut() {
        let bot = bot_over(&kb, kb.published().map(svp::core::indexing::article_entry).collect())?;
        for set in ["dev", "independent", "dev-typos", "independent-typos"] {
            for case in svp::eval::read_cases(&Path::new("eval").join(format!("{set}.jsonl")))? {
                if let Ok(reply) = bot.reply(&case.q, svp::app::today()) {
                    record(out, &reply, set, &case.q, &case.expect)?;
                }
            }
        }
    }
    let share = |n: usize| n as f64 / asked.max(1) as f64;
    println!("{asked} held-out phrasings: recall@1 {:.3}, recall@3 {:.3}", share(first), share(top3));
    Ok(())
}

/// A bot over an in-memory index of `entries`.
fn bot_over(kb: &Arc<KnowledgeBase>, entries: Vec<Entry>) -> anyhow::Result<Bot> {
    let index = SearchIndex::in_memory(&kb.synonyms)?;
    index.rebuild(&mut entries.into_iter(), "phrasings", 0, &|_| {})?;
    Ok(Bot::new(kb.clone(), Arc::new(index), Default::default(), Default::default()))
}

/// Writes one question's decision features as a JSON line (for fitting the decision).
fn record(out: &mut std::fs::File, reply: &BotReply, set: &str, q: &str, expect: &[String]) -> anyhow::Result<()> {
    use std::io::Write;
    let top = reply.hits.first().map(|h| h.slug.clone());
    let line = serde_json::json!({
        "set": set, "q": q, "oos": expect.is_empty(),
        "correct": top.is_some_and(|t| expect.contains(&t)),
        "expert": reply.reason.contains("réservé aux experts"),
        "confidence": reply.confidence, "f": reply.features,
    });
    writeln!(out, "{line}")?;
    Ok(())
}
