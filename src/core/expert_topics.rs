//! Topics reserved to experts (`knowledge/escalate.toml`), found in a question by their word
//! stems: a question about a removal order or violence is escalated even when an article
//! looks close.

use tantivy::tokenizer::TextAnalyzer;

use crate::knowledge::Escalations;
use crate::search::analyzer;

/// The curators' expert-only topics, analyzed once.
#[derive(Clone)]
pub struct ExpertTopics {
    /// (label, each term as its sequence of stems).
    topics: Vec<(String, Vec<Vec<String>>)>,
    stemmer: TextAnalyzer,
}

impl ExpertTopics {
    /// Analyzes every term of every topic.
    pub fn new(escalations: &Escalations) -> Self {
        let mut stemmer = analyzer::stemmed();
        let topics = escalations
            .topics
            .iter()
            .map(|t| {
                let terms = t.terms.iter().map(|term| stems(&mut stemmer, term)).filter(|s| !s.is_empty()).collect();
                (t.label.clone(), terms)
            })
            .collect();
        ExpertTopics { topics, stemmer }
    }

    /// The label of the first topic one of whose terms occurs in `text` (as consecutive words,
    /// stop words aside).
    pub fn find(&self, text: &str) -> Option<&str> {
        let words = stems(&mut self.stemmer.clone(), text);
        self.topics
            .iter()
            .find(|(_, terms)| terms.iter().any(|term| words.windows(term.len()).any(|w| w == term.as_slice())))
            .map(|(label, _)| label.as_str())
    }
}

fn stems(stemmer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let text = analyzer::normalize(text);
    let mut stream = stemmer.token_stream(&text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::EscalationTopic;

    fn topics() -> ExpertTopics {
        ExpertTopics::new(&Escalations {
            topics: vec![EscalationTopic {
                label: "éloignement (OQTF)".into(),
                terms: vec!["OQTF".into(), "obligation de quitter le territoire".into()],
            }],
        })
    }

    #[test]
    fn finds_terms_whatever_their_case_accents_and_endings() {
        let t = topics();
        assert_eq!(t.find("Elle a reçu une oqtf hier"), Some("éloignement (OQTF)"));
        assert_eq!(t.find("Obligations de QUITTER le térritoire ?"), Some("éloignement (OQTF)"));
    }

    #[test]
    fn needs_the_whole_phrase_in_order() {
        let t = topics();
        assert_eq!(t.find("quitter le CADA : quelle obligation ?"), None);
        assert_eq!(t.find("le territoire, obligation de quitter"), None);
        assert_eq!(t.find(""), None);
    }
}
