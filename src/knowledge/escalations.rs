//! `knowledge/escalate.toml`: topics the bot never answers from an article (removal orders,
//! violence, child protection…). A question that mentions one goes to an expert whatever article
//! the search finds, because it would be a dangerously partial answer; an expert answer that
//! matches best is still given. Curators edit it without touching code; the file is optional.

use std::path::Path;

use serde::Deserialize;

use super::diagnostics::{Diagnostic, parse_toml, table_lines};

/// One topic reserved to experts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationTopic {
    /// What the topic is, in French, shown to the asker ("éloignement (OQTF)").
    pub label: String,
    /// Words or phrases that reveal the topic; matched like synonyms (case, accents and word
    /// endings ignored).
    pub terms: Vec<String>,
}

/// All topics reserved to experts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Escalations {
    /// The topics, in file order.
    #[serde(default, rename = "topic")]
    pub topics: Vec<EscalationTopic>,
}

impl Escalations {
    /// Parses the file text, reporting every problem with its line; broken topics are left out.
    pub fn parse(path: &Path, text: &str) -> (Escalations, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let parsed: Escalations = match parse_toml(path, text, "escalate", "escalation") {
            Ok(e) => e,
            Err(d) => return (Escalations::default(), vec![d]),
        };
        let lines = table_lines(text, "[[topic]]");
        let mut topics = Vec::with_capacity(parsed.topics.len());
        for (i, topic) in parsed.topics.into_iter().enumerate() {
            let line = lines.get(i).copied().unwrap_or(1);
            let label = topic.label.trim().to_string();
            let terms: Vec<String> =
                topic.terms.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
            if label.is_empty() || terms.is_empty() {
                diags.push(Diagnostic::error("escalate", path, line, "a topic needs a label and at least one non-empty term"));
                continue;
            }
            topics.push(EscalationTopic { label, terms });
        }
        (Escalations { topics }, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_topics() {
        let (e, d) = Escalations::parse(Path::new("e.toml"), "[[topic]]\nlabel = \"éloignement\"\nterms = [\"OQTF\"]\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e.topics[0].terms, ["OQTF"]);
    }

    #[test]
    fn reports_broken_topics_with_their_line() {
        let (e, d) = Escalations::parse(
            Path::new("e.toml"),
            "[[topic]]\nlabel = \"a\"\nterms = [\"x\"]\n\n[[topic]]\nlabel = \" \"\nterms = [\"y\"]\n",
        );
        assert_eq!(e.topics.len(), 1);
        assert_eq!((d.len(), d[0].line), (1, 5), "{d:?}");
        let (_, d) = Escalations::parse(Path::new("e.toml"), "[[topic]]\nlabel = \"a\"\nterms = \"x\"\n");
        assert!(d[0].is_error() && d[0].line == 3, "{d:?}");
    }
}
