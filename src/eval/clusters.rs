//! How well the reports' grouping puts together questions that ask the same thing: the
//! in-scope questions of a set are grouped as the reports group their gaps
//! (`core::reports::groups`), then compared with their labels (the expected entry): purity and
//! normalised mutual information (NMI).

use serde::Serialize;

use crate::core::Bot;
use crate::core::reports::groups;

use super::Case;

/// Clustering quality on one question set.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterReport {
    /// In-scope questions grouped.
    pub questions: usize,
    /// Distinct labels (expected entries).
    pub labels: usize,
    /// Groups found.
    pub groups: usize,
    /// Share of questions in their group's majority label, in [0,1].
    pub purity: f64,
    /// Normalised mutual information with the labels, in [0,1].
    pub nmi: f64,
    /// The similarity threshold used.
    pub threshold: f32,
}

/// Groups the in-scope questions of `cases` (two questions at least `threshold` similar share
/// a group) and measures the grouping against their first expected entry.
pub fn evaluate(bot: &Bot, cases: &[Case], threshold: f32) -> ClusterReport {
    let in_scope: Vec<&Case> = cases.iter().filter(|c| !c.expect.is_empty()).collect();
    let weights: Vec<groups::Weights> = in_scope
        .iter()
        .map(|c| {
            let top = bot.reply(&c.q, crate::app::today()).ok().and_then(|r| r.hits.first().map(|h| h.slug.clone()));
            groups::with_guess(bot.index().term_weights(&c.q), top.as_deref())
        })
        .collect();
    let ties = vec![None; in_scope.len()];
    let found = groups::cluster(&weights, &ties, threshold);
    let labels: Vec<&str> = in_scope.iter().map(|c| c.expect[0].as_str()).collect();
    let (purity, nmi) = groups::purity_and_nmi(&found, &labels);
    let distinct: std::collections::HashSet<&str> = labels.iter().copied().collect();
    ClusterReport { questions: in_scope.len(), labels: distinct.len(), groups: found.len(), purity, nmi, threshold }
}
