//! Answer quality on a labelled question set (`{"q": "...", "expect": ["slug", ...]}` per line;
//! an empty `expect` means the bot must escalate).
//!
//! Layout: this file (question sets); [`expert_loop`] (paraphrases of expert answers); [`clusters`]
//! (how the reports' grouping of questions matches their labels).

pub mod clusters;
pub mod expert_loop;

use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::core::{Bot, Decision};

/// One labelled question.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    /// The question as a field worker types it.
    pub q: String,
    /// Acceptable article slugs; empty = out of scope, must escalate.
    pub expect: Vec<String>,
}

/// Reads a JSONL question set, with the line of any malformed entry.
pub fn read_cases(path: &Path) -> anyhow::Result<Vec<Case>> {
    read_jsonl(path)
}

/// Reads one JSON object a line (blank lines skipped), with `file:line` on a malformed one.
pub fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{}:{}: malformed entry", path.display(), i + 1)))
        .collect()
}

/// How one question went.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The question.
    pub q: String,
    /// Expected slugs.
    pub expect: Vec<String>,
    /// Decision taken.
    pub decision: Decision,
    /// Confidence.
    pub confidence: f64,
    /// Ranked slugs returned.
    pub ranked: Vec<String>,
    /// 1-based rank of the first expected slug among the first 10, if any.
    pub rank: Option<usize>,
    /// The decision features.
    pub features: crate::core::decision::Features,
}

impl Outcome {
    /// Whether the bot could answer at all: an expert-only topic or a question too vague has
    /// confidence 0 and is escalated whatever the threshold.
    pub fn decision_possible(&self) -> bool {
        self.confidence > 0.0
    }

    /// Whether the bot got this question wrong in some way.
    pub fn is_miss(&self) -> bool {
        if self.expect.is_empty() {
            self.decision == Decision::Answer
        } else {
            self.rank != Some(1) || self.decision != Decision::Answer
        }
    }
}

/// The metrics of `svp eval`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Questions evaluated.
    pub questions: usize,
    /// In-scope questions (non-empty `expect`).
    pub in_scope: usize,
    /// Out-of-scope questions.
    pub out_of_scope: usize,
    /// Share of in-scope questions whose first hit is expected.
    pub recall_at_1: f64,
    /// Share of in-scope questions with an expected hit in the first three.
    pub recall_at_3: f64,
    /// Mean reciprocal rank (first 10) over in-scope questions.
    pub mrr_at_10: f64,
    /// Share of answered questions whose first hit is expected (out-of-scope answers count wrong).
    pub answered_precision: f64,
    /// Share of in-scope questions the bot answered (rather than escalated).
    pub in_scope_answer_rate: f64,
    /// Share of out-of-scope questions escalated.
    pub out_of_scope_escalation_rate: f64,
    /// Every question's outcome.
    #[serde(skip)]
    pub outcomes: Vec<Outcome>,
}

/// Runs every case through the bot.
pub fn evaluate(bot: &Bot, cases: &[Case], today: NaiveDate) -> anyhow::Result<Report> {
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in cases {
        let reply = bot.reply(&case.q, today).map_err(|e| anyhow::anyhow!("question {:?}: {e}", case.q))?;
        let ranked: Vec<String> = reply.hits.iter().take(10).map(|h| h.slug.clone()).collect();
        let rank = ranked.iter().position(|s| case.expect.contains(s)).map(|i| i + 1);
        outcomes.push(Outcome {
            q: case.q.clone(),
            expect: case.expect.clone(),
            decision: reply.decision,
            confidence: reply.confidence,
            ranked,
            rank,
            features: reply.features,
        });
    }
    Ok(report(outcomes))
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Computes the metrics from outcomes.
pub fn report(outcomes: Vec<Outcome>) -> Report {
    let in_scope: Vec<&Outcome> = outcomes.iter().filter(|o| !o.expect.is_empty()).collect();
    let oos: Vec<&Outcome> = outcomes.iter().filter(|o| o.expect.is_empty()).collect();
    let at = |k: usize| in_scope.iter().filter(|o| o.rank.is_some_and(|r| r <= k)).count();
    let mrr: f64 = in_scope.iter().filter_map(|o| o.rank).map(|r| 1.0 / r as f64).sum();
    let answered: Vec<&Outcome> = outcomes.iter().filter(|o| o.decision == Decision::Answer).collect();
    let answered_right = answered.iter().filter(|o| o.rank == Some(1)).count();
    Report {
        questions: outcomes.len(),
        in_scope: in_scope.len(),
        out_of_scope: oos.len(),
        recall_at_1: ratio(at(1), in_scope.len()),
        recall_at_3: ratio(at(3), in_scope.len()),
        mrr_at_10: if in_scope.is_empty() { 0.0 } else { mrr / in_scope.len() as f64 },
        answered_precision: ratio(answered_right, answered.len()),
        in_scope_answer_rate: ratio(in_scope.iter().filter(|o| o.decision == Decision::Answer).count(), in_scope.len()),
        out_of_scope_escalation_rate: ratio(oos.iter().filter(|o| o.decision == Decision::Escalate).count(), oos.len()),
        outcomes,
    }
}
