//! Redaction of beneficiaries' personal data, applied to every text before it is stored,
//! indexed or shown to anyone else: phone numbers, e-mail addresses, social security numbers
//! (NIR/NIA), foreigner numbers (AGDREF), IBANs, and names after a civility.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::Serialize;

/// A kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// E-mail address.
    Email,
    /// IBAN.
    Iban,
    /// Social security number (NIR) or temporary number (NIA).
    SocialSecurity,
    /// French phone number.
    Phone,
    /// Foreigner number (AGDREF, 10 digits).
    ForeignerNumber,
    /// A name after M., Mme, Monsieur, Madame…
    Name,
}

impl PiiKind {
    /// The placeholder left in the text.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "[courriel]",
            PiiKind::Iban => "[IBAN]",
            PiiKind::SocialSecurity => "[n° de sécurité sociale]",
            PiiKind::Phone => "[téléphone]",
            PiiKind::ForeignerNumber => "[n° étranger]",
            PiiKind::Name => "[nom]",
        }
    }

    /// French label, singular and plural.
    fn label(self, n: usize) -> String {
        let (one, many) = match self {
            PiiKind::Email => ("une adresse électronique", "adresses électroniques"),
            PiiKind::Iban => ("un IBAN", "IBAN"),
            PiiKind::SocialSecurity => ("un numéro de sécurité sociale", "numéros de sécurité sociale"),
            PiiKind::Phone => ("un numéro de téléphone", "numéros de téléphone"),
            PiiKind::ForeignerNumber => ("un numéro étranger (AGDREF)", "numéros étranger (AGDREF)"),
            PiiKind::Name => ("un nom de personne", "noms de personnes"),
        };
        if n == 1 { one.to_string() } else { format!("{n} {many}") }
    }
}

/// A redacted text and what was removed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redacted {
    /// The text with placeholders.
    pub text: String,
    /// What was removed, in order of first appearance, with counts.
    pub removed: Vec<(PiiKind, usize)>,
}

impl Redacted {
    /// Whether anything was removed.
    pub fn changed(&self) -> bool {
        !self.removed.is_empty()
    }

    /// A French sentence telling the author what was removed, if anything was.
    pub fn notice(&self) -> Option<String> {
        if self.removed.is_empty() {
            return None;
        }
        let parts: Vec<String> = self.removed.iter().map(|(k, n)| k.label(*n)).collect();
        Some(format!(
            "Pour protéger les personnes accompagnées, nous avons retiré de votre message : {}.",
            join_fr(&parts)
        ))
    }

    /// The text without placeholders, for searching.
    pub fn searchable(&self) -> String {
        strip_placeholders(&self.text)
    }
}

fn join_fr(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(?:courriel|IBAN|n° de sécurité sociale|téléphone|n° étranger|nom)\]").expect("valid regex")
});

/// Removes redaction placeholders from an already redacted text (before indexing it).
pub fn strip_placeholders(text: &str) -> String {
    PLACEHOLDER.replace_all(text, " ").into_owned()
}

/// The patterns, applied in this order (most specific first).
static PATTERNS: LazyLock<Vec<(PiiKind, Regex)>> = LazyLock::new(|| {
    let p = |kind, re: &str| (kind, Regex::new(re).expect("valid redaction regex"));
    vec![
        p(PiiKind::Email, r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}\b"),
        // FR76 3000 6000 0112 3456 7890 189, and other countries' IBANs.
        p(PiiKind::Iban, r"(?i)\b[a-z]{2}[0-9]{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,3})?\b"),
        // NIR / NIA: sex (1, 2, 7, 8), year, month, department (incl. 2A/2B), commune, order, key.
        p(
            PiiKind::SocialSecurity,
            r"(?i)\b[12378][ .]?[0-9]{2}[ .]?(?:0[1-9]|1[0-2]|[2-9][0-9])[ .]?(?:[0-9]{2}|2[ab])[ .]?[0-9]{3}[ .]?[0-9]{3}(?:[ .]?[0-9]{2})?\b",
        ),
        // 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, +33 (0)6 12…, 0033 6…
        p(
            PiiKind::Phone,
            r"(?:(?:\+|\b00)33[ .\-]?(?:\(0\)[ .\-]?)?|\b0)[1-9](?:[ .\-]?[0-9]{2}){4}\b",
        ),
        // AGDREF: ten digits written together (phones, which start with 0, are caught above).
        p(PiiKind::ForeignerNumber, r"\b[1-9][0-9]{9}\b"),
        // A civility followed by one to three capitalised words or initials.
        p(
            PiiKind::Name,
            r"\b(?P<civ>M\.|Mr\.?|Mme\.?|Mlle\.?|Monsieur|Madame|Mademoiselle|[Ff]amille)[ \u{a0}]+(?P<name>\p{Lu}[\p{L}'’\-]*\.?(?:[ \u{a0}]+\p{Lu}[\p{L}'’\-]*\.?){0,2})",
        ),
    ]
});

/// Removes personal data from `text`.
pub fn redact(text: &str) -> Redacted {
    let mut current = text.to_string();
    let mut removed: Vec<(PiiKind, usize)> = Vec::new();
    for (kind, re) in PATTERNS.iter() {
        let mut count = 0;
        let replaced = re.replace_all(&current, |caps: &Captures| {
            count += 1;
            match caps.name("civ") {
                Some(civ) => format!("{} {}", civ.as_str(), kind.placeholder()),
                None => kind.placeholder().to_string(),
            }
        });
        if count > 0 {
            current = replaced.into_owned();
            removed.push((*kind, count));
        }
    }
    Redacted { text: current, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_personal_data() {
        let cases: &[(&str, PiiKind, &str)] = &[
            ("appelez le 06 12 34 56 78 svp", PiiKind::Phone, "appelez le [téléphone] svp"),
            ("tel 06.12.34.56.78", PiiKind::Phone, "tel [téléphone]"),
            ("tel 0612345678.", PiiKind::Phone, "tel [téléphone]."),
            ("joignable au +33 6 12 34 56 78", PiiKind::Phone, "joignable au [téléphone]"),
            ("joignable au +33612345678", PiiKind::Phone, "joignable au [téléphone]"),
            ("ou +33 (0)1 45 67 89 10", PiiKind::Phone, "ou [téléphone]"),
            ("ou 0033 1 45 67 89 10", PiiKind::Phone, "ou [téléphone]"),
            ("fixe 01-45-67-89-10", PiiKind::Phone, "fixe [téléphone]"),
            ("écrire à jean.dupont@gmail.com merci", PiiKind::Email, "écrire à [courriel] merci"),
            ("NIR 1 85 05 78 006 084 36", PiiKind::SocialSecurity, "NIR [n° de sécurité sociale]"),
            ("sécu 185057800608436", PiiKind::SocialSecurity, "sécu [n° de sécurité sociale]"),
            ("NIA 7 99 12 99 123 456 12", PiiKind::SocialSecurity, "NIA [n° de sécurité sociale]"),
            ("corse 2 85 05 2A 006 084", PiiKind::SocialSecurity, "corse [n° de sécurité sociale]"),
            ("son n° étranger 7512345678", PiiKind::ForeignerNumber, "son n° étranger [n° étranger]"),
            ("IBAN FR76 3000 6000 0112 3456 7890 189", PiiKind::Iban, "IBAN [IBAN]"),
            ("iban fr7630006000011234567890189", PiiKind::Iban, "iban [IBAN]"),
            ("M. Diallo a reçu", PiiKind::Name, "M. [nom] a reçu"),
            ("pour M. D., son API", PiiKind::Name, "pour M. [nom], son API"),
            ("Mme Fatoumata Diallo Keita est", PiiKind::Name, "Mme [nom] est"),
            ("Madame Nguyen", PiiKind::Name, "Madame [nom]"),
            ("Monsieur AHMADI demande", PiiKind::Name, "Monsieur [nom] demande"),
            ("Mlle Öztürk", PiiKind::Name, "Mlle [nom]"),
            ("la famille B. réclame", PiiKind::Name, "la famille [nom] réclame"),
            ("Mme N'Diaye", PiiKind::Name, "Mme [nom]"),
        ];
        for (input, kind, expected) in cases {
            let r = redact(input);
            assert_eq!(r.text, *expected, "input: {input}");
            assert_eq!(r.removed.first().map(|(k, _)| *k), Some(*kind), "input: {input}");
        }
    }

    #[test]
    fn keeps_what_is_not_personal() {
        let keep = [
            "RSA 646,52 € par mois depuis le 1er avril 2025",
            "une dette de 4 200 € en 2023",
            "CESEDA L.262-4 et R.431-15-3, article L. 424-1",
            "rendez-vous le 12/03/2024 ou le 2024-03-12",
            "CAF de Seine-Saint-Denis, 93000 Bobigny ; préfecture 75014 Paris",
            "décret n° 2024-361 du 19 avril 2024",
            "plafond 1 710 € net, loyer 650 €",
            "né en 1987, arrivé en 2019, 3 enfants de 4, 7 et 12 ans",
            "M. le préfet et Mme la directrice du CPH",
            "la famille monoparentale, une famille de 5 personnes",
            "appeler le 115 ou le 3919",
            "Monsieur le Maire a refusé",
            "numéro fiscal à 13 chiffres sur l'avis",
            "délai de 30 jours, 2 mois, 9 mois et 3 mois",
        ];
        for text in keep {
            let r = redact(text);
            assert_eq!(r.text, text, "must survive: {text}");
            assert!(!r.changed());
        }
    }

    #[test]
    fn tells_what_was_removed_in_french() {
        let r = redact("M. Diallo, 06 12 34 56 78, et Mme Sow");
        assert_eq!(r.removed, vec![(PiiKind::Phone, 1), (PiiKind::Name, 2)]);
        assert_eq!(
            r.notice().unwrap(),
            "Pour protéger les personnes accompagnées, nous avons retiré de votre message : un numéro de téléphone et 2 noms de personnes."
        );
        assert_eq!(r.searchable().split_whitespace().collect::<Vec<_>>(), ["M.", ",", ",", "et", "Mme"]);
        assert!(redact("rien").notice().is_none());
    }

    #[test]
    fn is_idempotent() {
        let once = redact("Mme Sow 06 12 34 56 78 a@b.fr");
        assert_eq!(redact(&once.text).text, once.text);
    }
}
