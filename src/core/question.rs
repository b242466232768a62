//! Validation of the text users send: questions and expert answers.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Why a text was refused, with a French message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    /// Nothing but whitespace.
    Empty,
    /// More characters than allowed; never silently cut.
    TooLong {
        /// Characters received.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Only punctuation, symbols or emoji: nothing to search for.
    NoWords,
}

impl TextError {
    /// Stable code for JSON and logs.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "empty",
            TextError::TooLong { .. } => "too_long",
            TextError::NoWords => "no_words",
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("Votre message est vide : écrivez votre question en quelques mots."),
            TextError::TooLong { len, max } => write!(
                f,
                "Votre message fait {} caractères, au-delà de la limite de {}. Merci de le raccourcir à \
                 l'essentiel (sans données personnelles) ; vous pourrez préciser ensuite.",
                group_thousands(*len),
                group_thousands(*max)
            ),
            TextError::NoWords => f.write_str(
                "Je ne trouve aucun mot dans votre message. Pouvez-vous formuler votre question avec des mots ?",
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// Normalises a text (NFC, control characters removed, trimmed) and checks its size.
/// `require_words` refuses texts without a single letter or digit.
pub fn clean(text: &str, max_chars: usize, require_words: bool) -> Result<String, TextError> {
    let cleaned: String = text
        .nfc()
        .map(|c| if c.is_control() && c != '\n' && c != '\t' { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    if cleaned.is_empty() {
        return Err(TextError::Empty);
    }
    let len = cleaned.chars().count();
    if len > max_chars {
        return Err(TextError::TooLong { len, max: max_chars });
    }
    if require_words && !cleaned.chars().any(char::is_alphanumeric) {
        return Err(TextError::NoWords);
    }
    Ok(cleaned)
}

/// `12345` → `12 345` (French grouping).
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_with_clear_reasons() {
        assert_eq!(clean("   \n\t ", 10, true), Err(TextError::Empty));
        assert_eq!(clean("\u{0}\u{7}", 10, true), Err(TextError::Empty));
        assert_eq!(clean("?!… 🙂🙏", 100, true), Err(TextError::NoWords));
        assert_eq!(clean("abcdefghijk", 10, true), Err(TextError::TooLong { len: 11, max: 10 }));
        assert!(TextError::TooLong { len: 2500, max: 2000 }.to_string().contains("2\u{202f}500"));
        assert_eq!(clean("  RSA ?  ", 10, true).unwrap(), "RSA ?");
        assert_eq!(clean("é", 1, true).unwrap(), "é");
        assert_eq!(clean("e\u{301}", 1, true).unwrap(), "é");
    }
}

/// The text searched for a question: dotted acronyms read as undotted ones (« A.P.I. » is
/// « API », « R.S.A. » is « RSA »), pasted links left out (their words are no question), and the
/// SMS « ou pa ? » read as « ou pas ? » (in lower case and closing a clause: « la PA » and « RSA
/// ou PA ? » still name the prime d'activité).
pub fn search_text(text: &str) -> String {
    use std::sync::LazyLock;
    static URL: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?i)\b(?:https?://|www\.)\S+").expect("valid regex"));
    static DOTTED: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\b(?:\p{L}\.){2,}(?:\p{L}\b)?").expect("valid regex"));
    static OU_PA: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?m)\b([Oo][Uu]\s+)pa(\s*(?:[?!.,;:)]|$))").expect("valid regex"));
    let without_links = URL.replace_all(text, " ");
    let undotted = DOTTED.replace_all(&without_links, |c: &regex::Captures<'_>| format!("{} ", c[0].replace('.', "")));
    OU_PA.replace_all(&undotted, "${1}pas${2}").into_owned()
}

#[cfg(test)]
mod search_text_tests {
    use super::search_text;

    #[test]
    fn dotted_acronyms_and_links() {
        assert_eq!(search_text("qui délivre l'A.P.I. après l'O.F.P.R.A. ?").split_whitespace().collect::<Vec<_>>(), ["qui", "délivre", "l'API", "après", "l'OFPRA", "?"]);
        assert_eq!(search_text("le R.S.A à 25 ans").split_whitespace().collect::<Vec<_>>(), ["le", "RSA", "à", "25", "ans"]);
        assert_eq!(search_text("voir https://www.service-public.fr/particuliers/vosdroits/F2741 svp").split_whitespace().collect::<Vec<_>>(), ["voir", "svp"]);
        assert_eq!(search_text("M. Diallo, art. L.262-4"), "M. Diallo, art. L.262-4");
    }

    #[test]
    fn sms_ou_pa_is_ou_pas_but_the_prime_d_activite_stays() {
        assert_eq!(search_text("faut 5 ans ou pa ? et pour les bps"), "faut 5 ans ou pas ? et pour les bps");
        assert_eq!(search_text("ca concerne les bpi ou pa"), "ca concerne les bpi ou pas");
        assert_eq!(search_text("il touche le RSA ou PA ?"), "il touche le RSA ou PA ?");
        assert_eq!(search_text("ou pa de la caf ?"), "ou pa de la caf ?");
        assert_eq!(search_text("ou pas ?"), "ou pas ?");
    }
}
