//! From raw user text to query "concepts": each word of the question, or each synonym-group
//! match (an acronym, a multi-word term), with the alternatives it may be found as. User text
//! never reaches tantivy's query grammar.

use std::collections::{HashMap, HashSet};

use tantivy::tokenizer::TextAnalyzer;

use super::analyzer::{self, Analyzed};
use crate::knowledge::Synonyms;

/// Weight of a synonym relative to the word the user typed.
pub const SYNONYM_WEIGHT: f32 = 0.9;

/// Weight of a word corrected from a typo: the correction may be wrong.
pub const CORRECTED_WEIGHT: f32 = 0.6;

/// Weight of a word that frames the question rather than saying what it is about (« comment
/// obtenir un logement social ? »): an entry whose phrasings ask « comment obtenir … » about
/// something else must not outrank the one about the subject.
pub const FRAME_WEIGHT: f32 = 0.5;

/// Words that frame a question (as typed; their stems are compared): what the asker wants to get,
/// not what about. Most such words (« faire », « pouvoir », « quel ») are stop words already;
/// « comment » is not one of them, as it tells a procedure from a condition.
const FRAME_WORDS: &[&str] = &["obtenir", "obtenu", "obtenue", "obtention", "obtient", "possible", "possibilité"];

/// Whether every form of `concept` frames the question ([`FRAME_WORDS`]).
fn frames(concept: &Concept) -> bool {
    static STEMS: std::sync::LazyLock<HashSet<String>> = std::sync::LazyLock::new(|| {
        let mut stemmer = analyzer::stemmed();
        FRAME_WORDS.iter().flat_map(|w| analyzer::analyze(&mut stemmer, &mut analyzer::exact(), w)).map(|t| t.stem).collect()
    });
    concept.alternatives.iter().all(|a| a.stems.len() == 1 && STEMS.contains(&a.stems[0].1))
}

/// One way a concept may appear in a document: a single term or a phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// Stemmed tokens with their relative positions.
    pub stems: Vec<(usize, String)>,
    /// Unstemmed tokens with the same positions.
    pub exact: Vec<(usize, String)>,
    /// 1.0 for the user's own words, [`SYNONYM_WEIGHT`] for expansions.
    pub weight: f32,
}

/// One unit of meaning of the question.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// The words of the question it comes from (as typed).
    pub text: String,
    /// The forms searched for.
    pub alternatives: Vec<Alternative>,
    /// Index of the synonym group it matched, if any.
    pub group: Option<usize>,
    /// Whether a word was corrected (a typo) to find it.
    pub corrected: bool,
    /// Whether it follows the previous concept directly or through « de », « d' », « du » or
    /// « des » alone: a complement that may say which kind of it is meant (« permis de chasse »,
    /// « permis bateau »).
    pub complement: bool,
}

/// Finds synonym-group terms in analyzed questions.
#[derive(Debug, Clone, Default)]
pub struct SynonymMatcher {
    /// Every term of every group, analyzed.
    groups: Vec<Vec<Alternative>>,
    /// First stem of a term → (group, term index, term length).
    by_first: HashMap<String, Vec<(usize, usize)>>,
    /// Every stem of every term.
    stems: HashSet<String>,
}

impl SynonymMatcher {
    /// Analyzes every synonym term once.
    pub fn new(synonyms: &Synonyms) -> Self {
        let mut stemmer = analyzer::stemmed();
        let mut exacter = analyzer::exact();
        let mut matcher = SynonymMatcher::default();
        for (g, group) in synonyms.groups.iter().enumerate() {
            let mut forms = Vec::new();
            for term in &group.terms {
                let tokens = analyzer::analyze(&mut stemmer, &mut exacter, &analyzer::normalize(term));
                if let Some(alt) = alternative(&tokens, SYNONYM_WEIGHT)
                    && !forms.iter().any(|f: &Alternative| f.stems == alt.stems) {
                        let first = alt.stems[0].1.clone();
                        matcher.by_first.entry(first).or_default().push((g, forms.len()));
                        matcher.stems.extend(alt.stems.iter().map(|(_, s)| s.clone()));
                        forms.push(alt);
                    }
            }
            matcher.groups.push(forms);
        }
        matcher
    }

    /// Whether some synonym term contains this stem (a word staff use, even if no article does).
    pub fn knows(&self, stem: &str) -> bool {
        self.stems.contains(stem)
    }

    /// The longest term starting at `tokens[0]`: (group, number of tokens).
    fn longest_match(&self, tokens: &[Analyzed]) -> Option<(usize, usize)> {
        let candidates = self.by_first.get(&tokens.first()?.stem)?;
        candidates
            .iter()
            .filter_map(|&(g, t)| {
                let term = &self.groups[g][t];
                let n = term.stems.len();
                let matches = tokens.len() >= n && term.stems.iter().zip(tokens).all(|((_, s), tok)| *s == tok.stem);
                matches.then_some((g, n))
            })
            .max_by_key(|&(_, n)| n)
    }
}

/// Builds an alternative from analyzed tokens, with positions relative to the first.
fn alternative(tokens: &[Analyzed], weight: f32) -> Option<Alternative> {
    let first = tokens.first()?.position;
    Some(Alternative {
        stems: tokens.iter().map(|t| (t.position - first, t.stem.clone())).collect(),
        exact: tokens.iter().map(|t| (t.position - first, t.exact.clone())).collect(),
        weight,
    })
}

/// What a word the index does not know was probably meant to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// A word the index knows: its stem and exact form.
    Word {
        /// Stemmed form.
        stem: String,
        /// Unstemmed, folded form.
        exact: String,
    },
    /// A stop word (« ecore » for « encore »): the word is dropped from the question.
    StopWord,
}

/// Corrects a typo: given a word of the question (analyzed, and as typed), what was meant, if
/// a close enough word is found.
pub type Corrector<'a> = dyn FnMut(&Analyzed, &str) -> Option<Correction> + 'a;

/// Splits a question into concepts, expanding synonym groups. `correct` may replace a word the
/// index does not know by a close one it knows (a typo), before synonyms are matched.
pub fn concepts(
    text: &str,
    matcher: &SynonymMatcher,
    stemmer: &mut TextAnalyzer,
    exacter: &mut TextAnalyzer,
    correct: &mut Corrector<'_>,
) -> Vec<Concept> {
    let text = analyzer::normalize(text);
    let tokens: Vec<Analyzed> = analyzer::analyze(stemmer, exacter, &text)
        .into_iter()
        .filter_map(|mut t| {
            if !matcher.knows(&t.stem) {
                match correct(&t, &text[t.offset_from..t.offset_to]) {
                    Some(Correction::Word { stem, exact }) => (t.stem, t.exact, t.corrected) = (stem, exact, true),
                    Some(Correction::StopWord) => return None,
                    None => {}
                }
            }
            Some(t)
        })
        .collect();
    let mut out: Vec<Concept> = Vec::new();
    let mut i = 0;
    // End of the previous concept's words, when that concept was kept.
    let mut previous_end: Option<usize> = None;
    while i < tokens.len() {
        let start = tokens[i].offset_from;
        let (mut concept, used) = match matcher.longest_match(&tokens[i..]) {
            Some((g, n)) => {
                let span = &tokens[i..i + n];
                let mut alternatives = vec![alternative(span, 1.0).expect("non-empty span")];
                for alt in &matcher.groups[g] {
                    if alt.stems != alternatives[0].stems {
                        alternatives.push(alt.clone());
                    }
                }
                let text = text[span[0].offset_from..span[n - 1].offset_to].to_string();
                let corrected = span.iter().any(|t| t.corrected);
                (Concept { text, alternatives, group: Some(g), corrected, complement: false }, n)
            }
            None => {
                let t = &tokens[i];
                let weight = if t.corrected { CORRECTED_WEIGHT } else { 1.0 };
                let alternatives = vec![alternative(std::slice::from_ref(t), weight).expect("one token")];
                let text = text[t.offset_from..t.offset_to].to_string();
                (Concept { text, alternatives, group: None, corrected: t.corrected, complement: false }, 1)
            }
        };
        concept.complement = previous_end.is_some_and(|end| joins_as_complement(&text[end..start]));
        let end = tokens[i + used - 1].offset_to;
        i += used;
        if frames(&concept) {
            for alt in &mut concept.alternatives {
                alt.weight *= FRAME_WEIGHT;
            }
        }
        let duplicate = out.iter().any(|c| {
            (c.group.is_some() && c.group == concept.group) || c.alternatives[0].stems == concept.alternatives[0].stems
        });
        previous_end = (!duplicate).then_some(end);
        if !duplicate {
            out.push(concept);
        }
    }
    out
}

/// Whether the words between two concepts make the second a complement of the first: nothing
/// but spaces, or « de », « d' », « du », « des » alone.
fn joins_as_complement(between: &str) -> bool {
    let between = between.trim().to_lowercase();
    between.is_empty() || matches!(between.as_str(), "de" | "d'" | "d’" | "du" | "des")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::SynonymGroup;

    fn matcher() -> SynonymMatcher {
        let synonyms = Synonyms {
            groups: vec![
                SynonymGroup { terms: vec!["CAF".into(), "caisse d'allocations familiales".into(), "allocs".into()] },
                SynonymGroup { terms: vec!["RSA".into(), "revenu de solidarité active".into()] },
                SynonymGroup { terms: vec!["titre de séjour".into(), "papiers".into(), "titre".into()] },
            ],
        };
        SynonymMatcher::new(&synonyms)
    }

    fn run(text: &str) -> Vec<Concept> {
        concepts(text, &matcher(), &mut analyzer::stemmed(), &mut analyzer::exact(), &mut |_, _| None)
    }

    #[test]
    fn a_typo_of_a_stop_word_is_dropped() {
        let mut correct = |t: &Analyzed, _: &str| (t.exact == "ecore").then_some(Correction::StopWord);
        let c = concepts("pas ecore de carte", &matcher(), &mut analyzer::stemmed(), &mut analyzer::exact(), &mut correct);
        assert_eq!(c.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["pas", "carte"]);
    }

    #[test]
    fn acronyms_expand_to_phrases() {
        let c = run("la CAF refuse le RSA");
        let caf = c.iter().find(|c| c.text == "CAF").unwrap();
        assert_eq!(caf.group, Some(0));
        assert!(caf.alternatives.iter().any(|a| a.stems.len() == 3), "{caf:?}");
        assert!(c.iter().any(|c| c.text == "RSA" && c.group == Some(1)));
        assert!(c.iter().any(|c| c.text == "refuse" && c.group.is_none()));
    }

    #[test]
    fn multi_word_terms_match_longest_first() {
        let c = run("il a perdu son titre de sejour");
        let t = c.iter().find(|c| c.group == Some(2)).unwrap();
        assert_eq!(t.text, "titre de sejour");
        assert_eq!(c.iter().filter(|c| c.group == Some(2)).count(), 1);
        let c = run("caisse des allocations familiales");
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].group, Some(0));
    }

    #[test]
    fn repeated_words_make_one_concept() {
        assert_eq!(run("CAF caf allocs").len(), 1);
        assert_eq!(run("refus refus").len(), 1);
    }
}
