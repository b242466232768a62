//! The answer-or-escalate decision, from score features of a search:
//! - **coverage**: idf-weighted share of the question's concepts the top hit matches (words the
//!   index has never seen count as missed, with a moderate weight, except details of the case
//!   such as a town or an age);
//! - **strength**: the top hit's text score (BM25) normalised by what the question could score
//!   at most;
//! - **margin**: how far the top hit's text score is ahead of the best other hit's (a hit
//!   ranked first only by its closest phrasing has none);
//! - **rare miss**: whether the question's rarest known concept is absent from the top hit.
//!
//! - **support**: like coverage, but a concept counts fully only when matched as strongly as
//!   in an article's title or question phrasings, not by a passing mention.
//!
//! They combine into a confidence in [0,1]; the threshold is in the configuration.

use serde::Serialize;

use super::case_details::is_case_detail;
use crate::search::SearchOutcome;

/// Weight given to a word the index does not know (≈ the idf of a fairly rare word).
const UNKNOWN_WEIGHT: f32 = 2.2;
/// A concept's score at which it counts as fully supported, in multiples of its idf (about a
/// match in the question phrasings of an article; a title match is well above, a single
/// mention in a body well below).
const SUPPORT_SCALE: f32 = 3.0;
/// Concepts with an idf below this are too common to count for or against coverage.
const COMMON_IDF: f32 = 0.35;

/// The features of one search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Features {
    /// Weighted share of concepts matched by the top hit, in [0,1].
    pub coverage: f32,
    /// Top score over the maximum attainable, in [0,1].
    pub strength: f32,
    /// Weighted share of concepts the top hit matches *well* (as in a title or a question
    /// phrasing, not a passing mention in the body), in [0,1].
    pub support: f32,
    /// (top − second) / top, in [0,1].
    pub margin: f32,
    /// Weighted share of concepts unknown to the index, in [0,1].
    pub unknown: f32,
    /// Whether the rarest known concept is missing from the top hit.
    pub rare_missed: bool,
    /// Number of concepts.
    pub concepts: usize,
}

/// Computes the features of a search outcome (all zero when nothing was found).
pub fn features(outcome: &SearchOutcome) -> Features {
    let Some(top) = outcome.hits.first() else {
        return Features { concepts: outcome.concepts.len(), ..Default::default() };
    };
    let mut total = 0f32;
    let mut matched = 0f32;
    let mut supported = 0f32;
    let mut unknown = 0f32;
    let mut max_attainable = 0f32;
    let mut rarest: Option<(f32, bool)> = None;
    for (i, c) in outcome.concepts.iter().enumerate() {
        let hit = top.concept_scores.get(i).copied().unwrap_or(0.0) > 0.0;
        // A word corrected from a typo weighs half: the correction may be wrong.
        let weight = match (c.known, c.corrected.is_some()) {
            (true, false) => c.idf,
            (true, true) => c.idf * 0.5,
            (false, _) => UNKNOWN_WEIGHT,
        };
        if (c.known && c.idf < COMMON_IDF) || is_case_detail(c) {
            continue;
        }
        total += weight;
        if hit {
            matched += weight;
            let score = top.concept_scores.get(i).copied().unwrap_or(0.0);
            supported += weight * if c.known { (score / (SUPPORT_SCALE * c.idf.max(1e-3))).min(1.0) } else { 0.5 };
        }
        if !c.known {
            unknown += weight;
        }
        max_attainable += c.max_score;
        if c.known && rarest.is_none_or(|(idf, _)| c.idf > idf) {
            rarest = Some((c.idf, hit));
        }
    }
    // Text scores: a hit re-ranked first by its closest phrasing while another matches more of
    // the question's words leaves no margin (the question reads as either).
    let second = outcome.hits.iter().skip(1).map(|h| h.text_score).fold(0.0, f32::max);
    let top_score = top.text_score;
    Features {
        coverage: if total > 0.0 { matched / total } else { 0.0 },
        support: if total > 0.0 { supported / total } else { 0.0 },
        strength: if max_attainable > 0.0 { (top_score / max_attainable).min(1.0) } else { 0.0 },
        margin: if top_score > 0.0 { ((top_score - second) / top_score).clamp(0.0, 1.0) } else { 0.0 },
        unknown: if total > 0.0 { unknown / total } else { 0.0 },
        rare_missed: rarest.is_some_and(|(_, hit)| !hit),
        concepts: outcome.concepts.len(),
    }
}

/// Confidence in [0,1] that the top hit answers the question.
///
/// A logistic of the margin over the second hit (the strongest signal: when two entries are
/// close, the question spans both or neither), the support and the coverage. Weights and
/// centre were chosen on the development set for answered precision ≥ 0.95 with every
/// out-of-scope question escalated; `search.answer_threshold` moves the cut. Its default, 0.45,
/// is the lowest that answers no question wrongly that 0.5 did not, on all four evaluation
/// sets; no out-of-scope question of any set scores above 0.3 (those of the expert-only
/// topics aside, which never get an answer).
pub fn confidence(f: &Features) -> f64 {
    if f.concepts == 0 || f.coverage == 0.0 {
        return 0.0;
    }
    let z = 2.0 * f.coverage + 8.0 * f.margin + 2.0 * f.support;
    f64::from(1.0 / (1.0 + (-1.5 * (z - 5.8)).exp()))
}
