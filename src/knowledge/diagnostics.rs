//! Problems found in the knowledge folder, each tied to a file and a line.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How serious a problem is: errors fail `svp kb check`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes `svp kb check` exit 1; the article is left out of the index.
    Error,
    /// Reported, but the article is still usable.
    Warning,
}

/// One problem, with where it is and a plain message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable machine-readable kind, e.g. `missing-field`, `unknown-link`.
    pub code: &'static str,
    /// The file, relative to the knowledge folder when possible.
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl Diagnostic {
    /// An error at `file:line`.
    pub fn error(code: &'static str, file: &Path, line: usize, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, code, file: file.to_path_buf(), line, message: message.into() }
    }

    /// A warning at `file:line`.
    pub fn warning(code: &'static str, file: &Path, line: usize, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, code, file: file.to_path_buf(), line, message: message.into() }
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {level}[{}]: {}", self.file.display(), self.line, self.code, self.message)
    }
}

/// Parses a TOML file of the knowledge folder; a syntax or shape error becomes one diagnostic
/// (`code`) at its line, saying which `kind` of file is malformed.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    code: &'static str,
    kind: &str,
) -> Result<T, Diagnostic> {
    toml::from_str(text).map_err(|err| {
        let line = err.span().map_or(1, |span| line_at(text, span.start));
        Diagnostic::error(code, path, line, format!("malformed {kind} file: {}", err.message()))
    })
}

/// The line of each `marker` (`[[group]]`) in `text`, in order: where each table of an array starts.
pub fn table_lines(text: &str, marker: &str) -> Vec<usize> {
    text.match_indices(marker).map(|(i, _)| line_at(text, i)).collect()
}

/// The 1-based line of a byte offset in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_one_based() {
        let text = "a\nbc\nd";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 2), 2);
        assert_eq!(line_at(text, 5), 3);
        assert_eq!(line_at(text, 999), 3);
    }
}
