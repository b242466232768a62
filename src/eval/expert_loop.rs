//! The expert loop, measured: once an expert has answered a question no article covers, are
//! other askers' paraphrases answered from that answer, and are questions that merely share its
//! words left alone?
//!
//! Input (`eval/loop.jsonl`, one object a line): `question` (no article covers it), `answer`
//! (the expert's), `paraphrases` (three rewordings by other askers) and `distractors` (two
//! questions sharing words but asking something else). Every answer is indexed as a published
//! expert answer (as the desk does), over the shipped articles, in memory.

use std::path::Path;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{LimitSettings, SearchSettings};
use crate::core::{Bot, Decision, indexing};
use crate::knowledge::KnowledgeBase;
use crate::search::SearchIndex;
use crate::store::ExpertAnswer;

/// One entry of the loop set.
#[derive(Debug, Clone, Deserialize)]
pub struct LoopEntry {
    /// The question an expert answered.
    pub question: String,
    /// The expert's answer.
    pub answer: String,
    /// Other askers' rewordings of the same need.
    pub paraphrases: Vec<String>,
    /// Questions that share words with it but ask something else.
    pub distractors: Vec<String>,
}

/// Reads a loop set, with the line of any malformed entry.
pub fn read_entries(path: &Path) -> anyhow::Result<Vec<LoopEntry>> {
    super::read_jsonl(path)
}

/// The loop's figures.
#[derive(Debug, Clone, Serialize)]
pub struct LoopReport {
    /// Expert answers indexed.
    pub answers: usize,
    /// Paraphrases asked.
    pub paraphrases: usize,
    /// Share of paraphrases whose first hit is their expert answer.
    pub paraphrases_found_first: f64,
    /// Share of paraphrases answered from their expert answer.
    pub paraphrases_answered: f64,
    /// Share of paraphrases not answered but offered their expert answer (« Votre question
    /// porte-t-elle sur … ? »).
    pub paraphrases_offered: f64,
    /// Distractors asked.
    pub distractors: usize,
    /// Distractors answered from the expert answer they share words with (should be 0).
    pub distractors_answered_from_it: usize,
    /// Distractors offered that expert answer as a « did you mean » (the asker can say no).
    pub distractors_offered_it: usize,
    /// The paraphrases not answered from their answer, and the distractors answered from it.
    pub misses: Vec<String>,
}

/// An in-memory index of the published articles and of every entry's answer, stored as the
/// desk stores one (redacted, published); entry `i`'s answer is `indexing::expert_id(i + 1)`.
pub fn index_over_articles(kb: &Arc<KnowledgeBase>, entries: &[LoopEntry]) -> anyhow::Result<SearchIndex> {
    let index = SearchIndex::in_memory(&kb.synonyms)?;
    let answers: Vec<ExpertAnswer> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| ExpertAnswer {
            id: i as i64 + 1,
            ticket_id: i as i64 + 1,
            author_id: 1,
            author_name: "Expert".into(),
            status: "published".into(),
            version: 1,
            text: crate::core::redact::redact(&e.answer).text,
            question: crate::core::redact::redact(&e.question).text,
            theme: None,
            updated_at: Utc::now(),
        })
        .collect();
    let mut all = indexing::article_entries(kb).chain(answers.iter().map(indexing::expert_entry));
    index.rebuild(&mut all, "loop", 0, &|_| {})?;
    Ok(index)
}

/// Indexes every entry's answer over the articles and asks the paraphrases and distractors.
pub fn evaluate(
    kb: &Arc<KnowledgeBase>,
    search: &SearchSettings,
    limits: &LimitSettings,
    entries: &[LoopEntry],
    today: NaiveDate,
) -> anyhow::Result<LoopReport> {
    let index = index_over_articles(kb, entries)?;
    let bot = Bot::new(kb.clone(), Arc::new(index), search.clone(), limits.clone());
    let (mut asked, mut first, mut answered, mut distractors, mut wrongly) = (0, 0, 0, 0, 0);
    let (mut offered, mut offered_wrongly) = (0, 0);
    let offers = |reply: &crate::core::BotReply, id: &str| reply.did_you_mean.as_ref().is_some_and(|d| d.id == id);
    let mut misses = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let id = indexing::expert_id(i as i64 + 1);
        for p in &entry.paraphrases {
            let reply = bot.reply(p, today).map_err(|e| anyhow::anyhow!("{p:?}: {e}"))?;
            let is_first = reply.hits.first().is_some_and(|h| h.slug == id);
            asked += 1;
            first += usize::from(is_first);
            if is_first && reply.decision == Decision::Answer {
                answered += 1;
            } else if offers(&reply, &id) {
                offered += 1;
            } else {
                misses.push(format!("PARAPHRASE {} conf={:.2} first={is_first}: {p}", entry.question, reply.confidence));
            }
        }
        for d in &entry.distractors {
            let reply = bot.reply(d, today).map_err(|e| anyhow::anyhow!("{d:?}: {e}"))?;
            distractors += 1;
            if reply.decision == Decision::Answer && reply.answer.as_ref().is_some_and(|a| a.id == id) {
                wrongly += 1;
                misses.push(format!("DISTRACTOR answered from « {} »: {d}", entry.question));
            } else if offers(&reply, &id) {
                offered_wrongly += 1;
            }
        }
    }
    let ratio = |n: usize| if asked == 0 { 0.0 } else { n as f64 / asked as f64 };
    Ok(LoopReport {
        answers: entries.len(),
        paraphrases: asked,
        paraphrases_found_first: ratio(first),
        paraphrases_answered: ratio(answered),
        paraphrases_offered: ratio(offered),
        distractors,
        distractors_answered_from_it: wrongly,
        distractors_offered_it: offered_wrongly,
        misses,
    })
}
