//! Redaction of beneficiaries' personal data, applied to every text before it is stored,
//! indexed or shown to anyone else.
//!
//! What is removed: phone numbers of any country (validated by `phonenumber`, a port of
//! libphonenumber), e-mail addresses (also accented or written « arobase », « at », « [at] »),
//! social security numbers (NIR/NIA), foreigner numbers (AGDREF), IBANs (confirmed by their
//! checksum), passport and case numbers introduced as such, dates of birth, postal addresses, and
//! personal names (after a title, after « la famille » / « les », and bare first names from a
//! published list that ordinary French words never enter).
//!
//! What stays: titles of office (« M. le Préfet »), legal references (L.262-4, décret n° …),
//! amounts and percentages, dates and times that are not birth dates, postcodes and towns
//! alone, public service numbers (115, 3919, 08xx numbers and the configured switchboards),
//! SIRET/SIREN numbers, URLs.
//!
//! Layout: this file holds the kinds, the result and the pass that assembles spans; detectors
//! live by family: `numbers` (phones, NIR, AGDREF, IBAN), `identity` (e-mails, dates of birth,
//! passports and case numbers, addresses), `names` (people's names), `protect` (what must survive);
//! the word lists are in [`crate::lexicon`].
//!
//! Every detector works on a *masked* copy of the text, where what is already taken (personal
//! data found by an earlier detector, or text protected as must-survive) is blanked out byte for
//! byte, so that byte offsets are those of the original text and no two detectors claim the same
//! characters.

mod identity;
mod names;
mod numbers;
mod protect;

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;


/// The version of the rules. Stored with redacted rows; `svp privacy rescan` re-applies the
/// rules to rows redacted by an older version. Bump it whenever a rule changes what is removed.
pub const RULES_VERSION: i64 = 2;

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
    /// Phone number, of any country.
    Phone,
    /// Foreigner number (AGDREF, 10 digits).
    ForeignerNumber,
    /// A name of a person.
    Name,
    /// A date of birth.
    BirthDate,
    /// A postal address.
    Address,
    /// A passport number.
    Passport,
    /// A case or file number introduced as such (CAF, OFPRA, préfecture, France Travail…).
    CaseNumber,
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
            PiiKind::BirthDate => "[date de naissance]",
            PiiKind::Address => "[adresse]",
            PiiKind::Passport | PiiKind::CaseNumber => "[numéro]",
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
            PiiKind::BirthDate => ("une date de naissance", "dates de naissance"),
            PiiKind::Address => ("une adresse postale", "adresses postales"),
            PiiKind::Passport => ("un numéro de passeport", "numéros de passeport"),
            PiiKind::CaseNumber => ("un numéro de dossier", "numéros de dossier"),
        };
        if n == 1 { one.to_string() } else { format!("{n} {many}") }
    }
}

/// A redacted text and what was removed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redacted {
    /// The text with placeholders.
    pub text: String,
    /// What was removed, in order of first appearance in the text, with counts.
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
    Regex::new(
        r"\[(?:courriel|IBAN|n° de sécurité sociale|téléphone|n° étranger|nom|date de naissance|adresse|numéro)\]",
    )
    .expect("valid regex")
});

/// Removes redaction placeholders from an already redacted text (before indexing it).
pub fn strip_placeholders(text: &str) -> String {
    PLACEHOLDER.replace_all(text, " ").into_owned()
}

/// Removes personal data from `text` with the default rules (no extra public numbers).
pub fn redact(text: &str) -> Redacted {
    static DEFAULT: LazyLock<Redactor> = LazyLock::new(Redactor::default);
    DEFAULT.redact(text)
}

/// The redaction rules, with the public switchboard numbers of this deployment.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Public numbers kept as they are, as E.164 strings (`+33145678910`).
    public_numbers: HashSet<String>,
}

impl Redactor {
    /// Rules that keep `public_numbers` (switchboards of prefectures, CAF, associations…), written
    /// in any format `phonenumber` parses with France as the default region. Numbers it cannot
    /// parse are returned as errors, so that a typo in the configuration is not silently ignored.
    pub fn new<S: AsRef<str>>(public_numbers: &[S]) -> Result<Self, String> {
        let mut set = HashSet::new();
        for n in public_numbers {
            let e164 = numbers::e164(n.as_ref()).ok_or_else(|| {
                format!("privacy.public_numbers : « {} » n'est pas un numéro de téléphone valide", n.as_ref())
            })?;
            set.insert(e164);
        }
        Ok(Redactor { public_numbers: set })
    }

    /// Loads the word lists and the phone metadata now (about 50 ms) rather than on the first
    /// question.
    pub fn warm_up(&self) {
        let _ = self.redact("Mme Exemple Test, 06 12 34 56 78, exemple@example.org");
    }

    /// Removes personal data from `text`. Never panics; idempotent (placeholders are never
    /// taken for personal data).
    pub fn redact(&self, text: &str) -> Redacted {
        let mut scan = Scan::new(text);
        // Order matters: what must survive and what is unambiguous first.
        protect::urls(&mut scan);
        identity::emails(&mut scan);
        numbers::ibans(&mut scan);
        protect::legal_references(&mut scan);
        identity::birth_dates(&mut scan);
        numbers::social_security(&mut scan);
        numbers::phones(&mut scan, &self.public_numbers);
        // Digits left beside a phone number stand alone now, as they will in a second pass.
        numbers::social_security(&mut scan);
        protect::dates_amounts_and_organisations(&mut scan);
        identity::introduced_numbers(&mut scan);
        numbers::foreigner_numbers(&mut scan);
        identity::addresses(&mut scan);
        names::after_titles(&mut scan);
        names::families(&mut scan);
        names::bare_names(&mut scan);
        scan.finish()
    }
}

/// The state of one redaction pass: the original text, its masked copy, and what was taken.
pub(crate) struct Scan<'a> {
    text: &'a str,
    /// The text with every taken range blanked (same byte length, so offsets agree).
    masked: String,
    /// Taken ranges: personal data (`Some(kind)`) or protected text (`None`).
    taken: Vec<(usize, usize, Option<PiiKind>)>,
}

/// The byte that blanks taken text in the masked copy: not a letter, digit or separator, so no
/// detector matches across it.
const MASK: char = '\u{1}';

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        // A text that already holds placeholders keeps them: they are protected, so that
        // redaction is idempotent.
        let mut scan = Scan { text, masked: text.to_string(), taken: Vec::new() };
        let ranges: Vec<(usize, usize)> = PLACEHOLDER.find_iter(text).map(|m| (m.start(), m.end())).collect();
        for (s, e) in ranges {
            scan.protect(s, e);
        }
        scan
    }

    /// The masked text detectors search.
    pub(crate) fn masked(&self) -> &str {
        &self.masked
    }

    /// Whether `start..end` overlaps nothing taken.
    pub(crate) fn is_free(&self, start: usize, end: usize) -> bool {
        start < end && self.taken.iter().all(|&(s, e, _)| end <= s || start >= e)
    }

    fn take(&mut self, start: usize, end: usize, kind: Option<PiiKind>) -> bool {
        if !self.is_free(start, end) || !self.text.is_char_boundary(start) || !self.text.is_char_boundary(end) {
            return false;
        }
        self.taken.push((start, end, kind));
        // Blank byte for byte: the range lies on char boundaries, so the copy stays valid UTF-8.
        let blank: String = std::iter::repeat_n(MASK, end - start).collect();
        self.masked.replace_range(start..end, &blank);
        true
    }

    /// Marks `start..end` as personal data of `kind`; false when it overlaps something taken.
    pub(crate) fn remove(&mut self, start: usize, end: usize, kind: PiiKind) -> bool {
        self.take(start, end, Some(kind))
    }

    /// Marks `start..end` as text that must survive; false when it overlaps something taken.
    pub(crate) fn protect(&mut self, start: usize, end: usize) -> bool {
        self.take(start, end, None)
    }

    fn finish(mut self) -> Redacted {
        self.taken.sort_by_key(|&(s, _, _)| s);
        let mut out = String::with_capacity(self.text.len());
        let mut removed: Vec<(PiiKind, usize)> = Vec::new();
        let mut at = 0;
        for &(s, e, kind) in &self.taken {
            let Some(kind) = kind else { continue };
            out.push_str(&self.text[at..s]);
            out.push_str(kind.placeholder());
            at = e;
            match removed.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => removed.push((kind, 1)),
            }
        }
        out.push_str(&self.text[at..]);
        Redacted { text: out, removed }
    }
}

#[cfg(test)]
mod tests;
