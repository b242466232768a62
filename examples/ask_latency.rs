//! Developer tool: the bot's reply latency on a generated corpus, with the slowest questions.
//!
//! `cargo run --release --example ask_latency -- SIZE [ROUNDS] [INDEX_DIR]` builds a corpus of
//! SIZE entries (the knowledge base plus generated ones, as `svp bench` does) in INDEX_DIR
//! (reused when it already holds SIZE entries of this knowledge base and analyzer), then times
//! every question of `eval/dev.jsonl` ROUNDS times. Run it under `perf record` to profile a
//! search.

use std::sync::Arc;
use std::time::{Duration, Instant};

use svp::bench::Latency;
use svp::bench::corpus::{self, Vocabulary};
use svp::core::Bot;
use svp::search::SearchIndex;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size: usize = args.first().map(|s| s.parse()).transpose()?.unwrap_or(100_000);
    let rounds: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let dir = args.get(2).map_or_else(|| std::env::temp_dir().join(format!("svp-latency-{size}")), Into::into);
    let kb = svp::knowledge::KnowledgeBase::load(std::path::Path::new("knowledge"), svp::app::today())?.kb;
    let kb = Arc::new(kb);
    let index = SearchIndex::open(&dir, &kb.synonyms)?;
    let stale = index.staleness(&kb.content_hash) != svp::search::Staleness::Fresh;
    if stale || index.num_docs() != size as u64 {
        let vocabulary = Vocabulary::of(&kb);
        // Seed 7, as `svp bench`.
        let mut entries = corpus::entries(&kb, &vocabulary, size, 7);
        let started = Instant::now();
        index.rebuild(&mut entries, &kb.content_hash, 0, &|_| {})?;
        eprintln!("built {size} entries in {:.1} s", started.elapsed().as_secs_f64());
    }
    let bot = Bot::new(kb.clone(), Arc::new(index), Default::default(), Default::default());
    let cases = svp::eval::read_cases(std::path::Path::new("eval/dev.jsonl"))?;
    let mut per_question: Vec<(Duration, &str)> = Vec::new();
    let mut samples = Vec::new();
    for _ in 0..rounds {
        for case in &cases {
            let started = Instant::now();
            let _ = bot.reply(&case.q, svp::app::today());
            let took = started.elapsed();
            samples.push(took);
            per_question.push((took, &case.q));
        }
    }
    let mean = samples.iter().sum::<Duration>() / samples.len().max(1) as u32;
    let latency = Latency::of(samples);
    println!("mean {:.2} ms  p50 {:.2} ms  p99 {:.2} ms  ({} samples)", ms(mean), ms(latency.p50), ms(latency.p99), latency.n);
    per_question.sort_by_key(|(took, _)| std::cmp::Reverse(*took));
    for (took, q) in per_question.iter().take(12) {
        println!("{:7.2} ms  {q}", ms(*took));
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
