//! Developer tool: the decision's view of the expert loop. For each loop set given (default
//! `eval/loop.jsonl`), indexes every expert answer over the articles (as `svp eval --loop`) and
//! prints, for each paraphrase and distractor whose first hit is its expert answer, one JSON line:
//! `set`, `kind` (`paraphrase` or `distractor`), `confidence`, `features`, and the question's
//! concepts with their idf and the score the expert answer gets for each (0: missed).
//!
//! `cargo run --release --example loop_features [-- eval/loop.jsonl eval/loop-2.jsonl]`

use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use svp::core::{Bot, indexing};
use svp::knowledge::KnowledgeBase;

fn main() -> anyhow::Result<()> {
    let mut sets: Vec<String> = std::env::args().skip(1).collect();
    if sets.is_empty() {
        sets.push("eval/loop.jsonl".into());
    }
    let kb = Arc::new(KnowledgeBase::load(Path::new("knowledge"), svp::app::today())?.kb);
    for set in &sets {
        let entries = svp::eval::expert_loop::read_entries(Path::new(set))?;
        let index = svp::eval::expert_loop::index_over_articles(&kb, &entries)?;
        let index = Arc::new(index);
        let bot = Bot::new(kb.clone(), index.clone(), Default::default(), Default::default());
        for (i, entry) in entries.iter().enumerate() {
            let id = indexing::expert_id(i as i64 + 1);
            let asked = entry.paraphrases.iter().map(|q| ("paraphrase", q)).chain(entry.distractors.iter().map(|q| ("distractor", q)));
            for (kind, q) in asked {
                let reply = bot.reply(q, svp::app::today()).map_err(|e| anyhow::anyhow!("{e}"))?;
                if reply.hits.first().is_none_or(|h| h.slug != id) {
                    continue;
                }
                let outcome = index.search(&svp::core::question::search_text(&reply.question), 10)?;
                let concepts: Vec<_> = outcome
                    .concepts
                    .iter()
                    .enumerate()
                    .map(|(c, info)| {
                        let score = outcome.hits.first().and_then(|h| h.concept_scores.get(c).copied()).unwrap_or(0.0);
                        json!([info.text, (info.idf * 100.0).round() / 100.0, (score * 100.0).round() / 100.0])
                    })
                    .collect();
                println!(
                    "{}",
                    json!({ "set": set, "kind": kind, "confidence": (reply.confidence * 1000.0).round() / 1000.0, "answered": reply.decision == svp::core::Decision::Answer, "features": reply.features, "concepts": concepts, "q": q })
                );
            }
        }
    }
    Ok(())
}
