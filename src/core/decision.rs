//! The answer-or-escalate decision, from score features of a search:
//! - **coverage**: idf-weighted share of the question's concepts the top hit matches (words the
//!   index has never seen count as missed, with a moderate weight, except details of the case
//!   such as a town; an age, a year or a nationality the top hit does not mention is left out,
//!   and so is a word among the most frequent of everyday French, « rien », « pendant »;
//!   a word matched in another sense, « permis » for « permis de chasse », is missed);
//! - **strength**: the top hit's text score (BM25) normalised by what the question could score
//!   at most;
//! - **margin**: how far the top hit's text score is ahead of the best other hit's (a hit
//!   ranked first only by its closest phrasing has none);
//! - **rare miss**: whether the question's rarest known concept is absent from the top hit.
//!
//! - **support**: like coverage, but a concept counts fully only when matched as strongly as
//!   in an article's title or question phrasings, not by a passing mention;
//! - **phrasing**: how closely the top hit's best question phrasing says what the question says;
//! - **lead**: how far the top hit is ahead of the second after re-ranking;
//! - **expert**: whether the top hit is an expert answer.
//!
//! They combine into a confidence in [0,1] through a logistic model fitted on labelled data
//! that no evaluation set contains (`examples/fit_decision.rs`: held-out article phrasings as
//! questions, and each article's phrasings asked with that article left out of the index as
//! questions the base cannot answer), shipped as data in `resources/decision/model.json` and
//! calibrated so that 0.5 is the chosen operating point; the threshold is in the configuration.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::case_details::{is_age_or_year, is_case_detail, is_nationality};
use crate::search::SearchOutcome;

/// Weight given to a word the index does not know (≈ the idf of a fairly rare word).
const UNKNOWN_WEIGHT: f32 = 2.2;
/// A question of a single concept that this many entries or more share (idf below this) is too
/// vague to answer (« le plafond ? »): the asker is asked to say more.
const VAGUE_IDF: f32 = 2.7;
/// A concept's score at which it counts as fully supported, in multiples of its idf (about a
/// match in the question phrasings of an article; a title match is well above, a single
/// mention in a body well below).
const SUPPORT_SCALE: f32 = 3.0;
/// How many hits after the first are looked at for a title that the same topic heads.
const TOPIC_RIVALS: usize = 4;
/// From this Zipf frequency (log10 of occurrences per billion words of French), a word the first
/// hit lacks is an everyday word of the message, not part of what it asks (« rien » 6.0,
/// « pendant » 5.7; « maintenant » 5.5, « problème » 5.4 and « divorce » 4.2 still count).
const EVERYDAY_ZIPF: f32 = 5.6;
/// Concepts with an idf below this are too common to count for or against coverage.
const COMMON_IDF: f32 = 0.35;

/// The features of one search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// Closeness of the top hit's best question phrasing to the question, in [0,1].
    pub phrasing: f32,
    /// (top − second) / top on the re-ranked scores, in [0,1].
    pub lead: f32,
    /// Whether the top hit is an expert answer.
    pub expert: bool,
}

/// The number of the model's inputs.
pub const INPUTS: usize = 15;

/// The names of the model's inputs, in the order of [`Features::vector`]. The `expert_*` inputs
/// are the same features for an expert answer only: an expert answer (one question, a short
/// text) scores differently from an article (many phrasings, a long body), so the model gets its
/// own slopes for it.
pub const FEATURE_NAMES: [&str; INPUTS] = [
    "coverage",
    "strength",
    "support",
    "margin",
    "unknown",
    "rare_missed",
    "concepts",
    "phrasing",
    "lead",
    "expert",
    "expert_coverage",
    "expert_support",
    "expert_margin",
    "expert_phrasing",
    "expert_lead",
];

impl Features {
    /// The model's inputs, each in about [0,1] (the concept count as ln(1+n)/3).
    pub fn vector(&self) -> [f64; INPUTS] {
        let expert = f64::from(u8::from(self.expert));
        [
            f64::from(self.coverage),
            f64::from(self.strength),
            f64::from(self.support),
            f64::from(self.margin),
            f64::from(self.unknown),
            f64::from(u8::from(self.rare_missed)),
            (1.0 + self.concepts as f64).ln() / 3.0,
            f64::from(self.phrasing),
            f64::from(self.lead),
            expert,
            expert * f64::from(self.coverage),
            expert * f64::from(self.support),
            expert * f64::from(self.margin),
            expert * f64::from(self.phrasing),
            expert * f64::from(self.lead),
        ]
    }
}

/// A fitted logistic model: confidence = σ(weights · features + bias).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Model {
    /// Version of the model (bumped at each refit).
    pub version: u32,
    /// Input names; must equal [`FEATURE_NAMES`].
    pub features: Vec<String>,
    /// One weight per input.
    pub weights: Vec<f64>,
    /// Intercept, shifted so that the chosen operating point is at 0.5.
    pub bias: f64,
    /// The model for questions whose first hit is an expert answer (one question, a short
    /// text, which score differently from articles), when fitted; the main one otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert: Option<SubModel>,
    /// How and on what it was fitted.
    pub provenance: String,
}

/// Weights and intercept of a regime's model (same inputs as the main one).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SubModel {
    /// One weight per input.
    pub weights: Vec<f64>,
    /// Intercept, shifted so that the regime's operating point is at 0.5.
    pub bias: f64,
}

impl Model {
    /// Parses a model and checks it fits [`FEATURE_NAMES`].
    pub fn parse(json: &str) -> Result<Model, String> {
        let model: Model = serde_json::from_str(json).map_err(|e| format!("decision model: {e}"))?;
        if model.features != FEATURE_NAMES
            || model.weights.len() != FEATURE_NAMES.len()
            || model.expert.as_ref().is_some_and(|e| e.weights.len() != FEATURE_NAMES.len())
        {
            return Err(format!("decision model: inputs {:?} do not match {FEATURE_NAMES:?}", model.features));
        }
        Ok(model)
    }

    /// σ(w · x + b), in [0,1], with the expert-answer model when the first hit is one.
    pub fn probability(&self, f: &Features) -> f64 {
        let (weights, bias) = match (&self.expert, f.expert) {
            (Some(e), true) => (&e.weights, e.bias),
            _ => (&self.weights, self.bias),
        };
        let z: f64 = weights.iter().zip(f.vector()).map(|(w, x)| w * x).sum::<f64>() + bias;
        1.0 / (1.0 + (-z).exp())
    }
}

/// The shipped model.
static MODEL: LazyLock<Option<Model>> = LazyLock::new(|| match Model::parse(include_str!("../../resources/decision/model.json")) {
    Ok(m) => Some(m),
    Err(e) => {
        tracing::error!("{e}: falling back to the hand-set decision");
        None
    }
});

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
    // What the first hit scored on words of the question it matched in another sense.
    let mut misread = 0f32;
    let mut rarest: Option<(f32, bool)> = None;
    for (i, c) in outcome.concepts.iter().enumerate() {
        let score = top.concept_scores.get(i).copied().unwrap_or(0.0);
        // « permis » in an article on the driving licence does not match « permis de chasse ».
        let other_kind = another_kind(&outcome.concepts, i);
        if other_kind {
            misread += score;
        }
        let hit = score > 0.0 && !other_kind;
        // A word corrected from a typo weighs half: the correction may be wrong.
        let weight = match (c.known, c.corrected.is_some()) {
            (true, false) => c.idf,
            (true, true) => c.idf * 0.5,
            (false, _) => UNKNOWN_WEIGHT,
        };
        // An age, a year or a nationality the first hit does not mention tells the case, not the
        // question (« il a 23 ans », « réfugié afghan depuis 2021 »); one it mentions still
        // counts for it.
        let about_the_person = is_age_or_year(&outcome.concepts, i) || is_nationality(&outcome.concepts, i);
        if (c.known && c.idf < COMMON_IDF) || is_case_detail(c) || (!hit && (about_the_person || everyday(&c.text))) {
            continue;
        }
        total += weight;
        if hit {
            matched += weight;
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
    let top_score = (top.text_score - misread).max(0.0);
    let second_ranked = outcome.hits.get(1).map_or(0.0, |h| h.score);
    Features {
        coverage: if total > 0.0 { matched / total } else { 0.0 },
        support: if total > 0.0 { supported / total } else { 0.0 },
        strength: if max_attainable > 0.0 { (top_score / max_attainable).min(1.0) } else { 0.0 },
        margin: if top_score > 0.0 { ((top_score - second) / top_score).clamp(0.0, 1.0) } else { 0.0 },
        unknown: if total > 0.0 { unknown / total } else { 0.0 },
        rare_missed: rarest.is_some_and(|(_, hit)| !hit),
        concepts: outcome.concepts.len(),
        phrasing: top.phrasing,
        lead: if top.score > 0.0 { ((top.score - second_ranked) / top.score).clamp(0.0, 1.0) } else { 0.0 },
        expert: top.entry.kind == crate::search::EntryKind::ExpertAnswer,
    }
}

/// Whether a concept is only words among the most frequent of everyday French (« rien »,
/// « comment », « chose », « pendant »): one the first hit lacks frames the message rather than
/// says what it asks.
fn everyday(text: &str) -> bool {
    let mut words = text.split(|ch: char| !ch.is_alphanumeric()).filter(|w| w.chars().count() > 1).peekable();
    words.peek().is_some() && words.all(|w| crate::lexicon::zipf(w).is_some_and(|z| z >= EVERYDAY_ZIPF))
}

/// Whether the `i`-th concept is said to be of a kind the index knows nothing of: the next
/// concept is its complement (« permis de chasse », « permis bateau »), and both are French
/// nouns, the complement a plain one (not an adjective: « réfugié afghan ») that no entry uses. An entry that matches the word (« permis ») speaks of other kinds (« permis de
/// conduire »): it has not matched what the question names.
fn another_kind(concepts: &[crate::search::ConceptInfo], i: usize) -> bool {
    let Some(next) = concepts.get(i + 1) else { return false };
    // « d'équitation »: the noun after an elided article.
    let noun = |text: &str| text.rsplit(['\'', '’', ' ']).next().is_some_and(crate::lexicon::is_plain_noun);
    concepts[i].known
        && noun(&concepts[i].text)
        && next.complement
        && !next.known
        && next.corrected.is_none()
        && !is_case_detail(next)
        && !next.text.contains(char::is_whitespace)
        && noun(&next.text)
}

/// How the shipped model was fitted (its provenance), or why the hand-set decision is used.
pub fn model_provenance() -> String {
    match MODEL.as_ref() {
        Some(m) => format!("version {}, {}", m.version, m.provenance),
        None => "not loaded: the hand-set decision is used".into(),
    }
}

/// Whether the question is a single concept many entries share (« le plafond ? »): no
/// confidence can come from it, whatever the scores. A scheme of the field that heads the first
/// hit's title, in the words typed or another term of its synonym group, is a topic, not a vague
/// word: the model decides (« un réfugié peut-il avoir le RSA ? », first hit « RSA : conditions
/// pour les réfugiés… »; « les APL ? », first hit « Aides au logement (APL…) »). Inside the
/// head rather than opening it, or in the head of what follows the title's colon, it must name
/// that hit alone: a word inside the heads of several of the first hits' titles is shared, not a
/// topic (« le logement ? »: « Fonds de solidarité pour le logement », « Demande de logement
/// social »…; but « les HLM ? »: « Demande de logement social (HLM) », and « le regroupement
/// familial ? »: « Mariage après la demande d'asile : le regroupement familial (OFII) »).
pub fn too_vague(outcome: &SearchOutcome) -> bool {
    let content: Vec<_> = outcome.concepts.iter().filter(|c| !(c.known && c.idf < COMMON_IDF)).collect();
    let [only] = content.as_slice() else { return false };
    let forms = || only.forms.iter().filter(|form| !form.is_empty());
    let opens = |head: &[String]| forms().any(|form| head.starts_with(form));
    let inside = |heads: &[Vec<String>]| {
        heads.iter().any(|head| forms().any(|form| head.windows(form.len()).any(|w| w == form.as_slice())))
    };
    let topic = only.synonym
        && outcome.hits.first().is_some_and(|first| {
            let heads = title_heads(&first.entry.title);
            heads.first().is_some_and(|head| opens(head))
                || (inside(&heads)
                    && !outcome.hits.iter().skip(1).take(TOPIC_RIVALS).any(|h| inside(&title_heads(&h.entry.title))))
        });
    only.known && only.idf < VAGUE_IDF && !topic
}

/// The stems of the title's heads (stop words left out): the title without what it puts in
/// parentheses (an acronym, a gloss), before its first « : » or « , »; then the head of what
/// follows a « : ». « RSA » heads « RSA : conditions… », « aide au logement » heads « Aides au
/// logement (APL…) » and « carte Vitale » « Numéro de sécurité sociale définitif (NIR) et carte
/// Vitale des BPI », but « CAF » does not head « Prestations familiales (CAF) et effet
/// rétroactif »; « regroupement familial » heads the part after the colon of « Mariage après la
/// demande d'asile : le regroupement familial (OFII) ».
fn title_heads(title: &str) -> Vec<Vec<String>> {
    let mut depth = 0u32;
    let plain: String = title
        .chars()
        .filter(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .collect();
    match plain.split_once(':') {
        Some((before, after)) => vec![title_head_stems(before), title_head_stems(after)],
        None => vec![title_head_stems(&plain)],
    }
}

/// The stems of the title's head, before its first « : », « ( » or « , » (stop words left
/// out): « délai » does not head « Sortie du CADA… : délai et solutions ».
fn title_head_stems(title: &str) -> Vec<String> {
    let head = title.split([':', '(', ',']).next().unwrap_or_default();
    use tantivy::tokenizer::TokenStream as _;
    let head = crate::search::analyzer::normalize(head);
    let mut analyzer = crate::search::analyzer::stemmed();
    let mut stream = analyzer.token_stream(&head);
    let mut stems = Vec::new();
    while let Some(token) = stream.next() {
        stems.push(token.text.clone());
    }
    stems
}

/// Confidence in [0,1] that the top hit answers the question: the shipped model's
/// probability (0.5 at its operating point), or the hand-set logistic when no model loads.
pub fn confidence(f: &Features) -> f64 {
    if f.concepts == 0 || f.coverage == 0.0 {
        return 0.0;
    }
    match MODEL.as_ref() {
        Some(model) => model.probability(f),
        None => hand_set(f),
    }
}

/// The decision before the model: a logistic of the margin over the second hit, the support
/// and the coverage, with weights chosen on the development set.
pub fn hand_set(f: &Features) -> f64 {
    if f.concepts == 0 || f.coverage == 0.0 {
        return 0.0;
    }
    let z = 2.0 * f.coverage + 8.0 * f.margin + 2.0 * f.support;
    f64::from(1.0 / (1.0 + (-1.5 * (z - 5.8)).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_heads_a_title_before_its_colon_or_parenthesis() {
        let heads = |term: &str, title: &str| {
            let term = title_head_stems(term);
            let head = title_head_stems(title);
            !term.is_empty() && head.windows(term.len()).any(|w| w == term.as_slice())
        };
        assert!(heads("RSA", "RSA : conditions pour les réfugiés"));
        assert!(heads("carte de résident", "La carte de résident de 10 ans des réfugiés"));
        assert!(heads("Naturalisation", "Naturalisation des réfugiés : conditions, langue B2"));
        assert!(heads("aide au logement", "Aides au logement (APL, ALF, ALS) pour les personnes protégées"));
        assert!(!heads("CAF", "Prestations familiales (CAF) et effet rétroactif"));
        assert!(!heads("caisse d'allocations familiales", "Prestations familiales (CAF) et effet rétroactif"));
        assert!(!heads("délai", "Sortie du CADA ou de l'HUDA (DNA) après l'obtention de la protection : délai et solutions"));
        assert!(!heads("", "RSA : conditions"));
    }

    #[test]
    fn a_title_is_headed_before_its_colon_and_after_it_but_not_in_parentheses() {
        let headed = |term: &str, title: &str| {
            let term = title_head_stems(term);
            title_heads(title).iter().any(|head| head.windows(term.len()).any(|w| w == term.as_slice()))
        };
        assert!(headed("carte Vitale", "Numéro de sécurité sociale définitif (NIR) et carte Vitale des BPI"));
        assert!(headed("regroupement familial", "Mariage après la demande d'asile : le regroupement familial (OFII)"));
        assert!(!headed("CAF", "Prestations familiales (CAF) et effet rétroactif"));
        assert!(!headed("OFII", "Mariage après la demande d'asile : le regroupement familial (OFII)"));
        assert!(!headed("solutions", "Sortie du CADA : délai, solutions"));
    }

    #[test]
    fn only_the_most_frequent_words_of_french_are_everyday_words() {
        for text in ["rien", "comment", "pendant", "quelques jours"] {
            assert!(everyday(text), "{text}");
        }
        for text in ["divorce", "problème", "maintenant", "carte de séjour", "l'organisme", "23", "RSA", ""] {
            assert!(!everyday(text), "{text}");
        }
    }

    #[test]
    fn the_shipped_model_loads_and_fits_the_features() {
        let model = Model::parse(include_str!("../../resources/decision/model.json")).expect("valid model");
        assert!(!model.provenance.is_empty());
        let strong = Features { coverage: 1.0, strength: 0.9, support: 1.0, margin: 0.8, concepts: 5, phrasing: 0.9, lead: 0.8, ..Default::default() };
        let weak = Features { coverage: 0.3, strength: 0.1, support: 0.1, margin: 0.02, unknown: 0.5, rare_missed: true, concepts: 5, phrasing: 0.2, lead: 0.02, expert: false };
        assert!(model.probability(&strong) > 0.5 && model.probability(&weak) < 0.5);
    }
}
