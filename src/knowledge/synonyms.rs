//! `knowledge/synonyms.toml`: groups of equivalent terms (acronyms, old and new names, everyday
//! words) that curators edit without touching code.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::diagnostics::{Diagnostic, parse_toml, table_lines};

/// One group of equivalent terms.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynonymGroup {
    /// The terms; any of them in a question also searches for the others.
    pub terms: Vec<String>,
}

/// All synonym groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synonyms {
    /// The groups, in file order.
    #[serde(default, rename = "group")]
    pub groups: Vec<SynonymGroup>,
}

impl Synonyms {
    /// Parses the file text, reporting every problem with its line.
    pub fn parse(path: &Path, text: &str) -> (Synonyms, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let parsed: Synonyms = match parse_toml(path, text, "synonyms", "synonyms") {
            Ok(s) => s,
            Err(d) => return (Synonyms::default(), vec![d]),
        };
        let group_lines = table_lines(text, "[[group]]");
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut groups = Vec::with_capacity(parsed.groups.len());
        for (i, group) in parsed.groups.into_iter().enumerate() {
            let line = group_lines.get(i).copied().unwrap_or(1);
            let terms: Vec<String> =
                group.terms.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
            if terms.len() < 2 {
                diags.push(Diagnostic::error(
                    "synonyms",
                    path,
                    line,
                    "a synonym group needs at least two non-empty terms",
                ));
                continue;
            }
            for term in &terms {
                let key = term.to_lowercase();
                if let Some(first) = seen.insert(key, line)
                    && first != line {
                        diags.push(Diagnostic::warning(
                            "synonyms-duplicate",
                            path,
                            line,
                            format!("term \"{term}\" also appears in the group at line {first}"),
                        ));
                    }
            }
            groups.push(SynonymGroup { terms });
        }
        (Synonyms { groups }, diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_groups() {
        let (s, d) = Synonyms::parse(Path::new("s.toml"), "[[group]]\nterms = [\"CAF\", \"caisse d'allocations familiales\"]\n");
        assert!(d.is_empty());
        assert_eq!(s.groups[0].terms.len(), 2);
    }

    #[test]
    fn rejects_malformed_files_with_a_line() {
        let (_, d) = Synonyms::parse(Path::new("s.toml"), "[[group]]\nterms = [\"CAF\"\n");
        assert_eq!(d.len(), 1);
        assert!(d[0].is_error());
        assert!(d[0].line >= 2, "{d:?}");
        let (_, d) = Synonyms::parse(Path::new("s.toml"), "[[group]]\nterms = [\"CAF\"]\n\n[[group]]\nwords = []\n");
        assert!(d.iter().any(|d| d.is_error()), "{d:?}");
        let (_, d) = Synonyms::parse(Path::new("s.toml"), "[[group]]\nterms = [\"CAF\"]\n");
        assert_eq!(d[0].line, 1);
    }
}
