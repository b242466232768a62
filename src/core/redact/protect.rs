//! What must survive redaction, marked before the detectors that could eat it run: URLs, legal
//! references, dates and times that are not birth dates, amounts and percentages, organisations'
//! SIRET/SIREN numbers.

use std::sync::LazyLock;

use regex::Regex;

use super::Scan;

fn protect_all(scan: &mut Scan<'_>, re: &Regex, group: usize) {
    let ranges: Vec<(usize, usize)> =
        re.captures_iter(scan.masked()).filter_map(|c| c.get(group)).map(|m| (m.start(), m.end())).collect();
    for (s, e) in ranges {
        scan.protect(s, e);
    }
}

/// Links: their digits are page ids, not phone numbers.
pub(super) fn urls(scan: &mut Scan<'_>) {
    static URL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b(?:https?://|www\.)[^\s<>\u{1}]+").expect("valid regex"));
    protect_all(scan, &URL, 0);
}

/// Articles of codes (L.262-4, R. 431-15-3, D.262-1, art. L.512-2 2°), and numbered texts
/// (décret n° 2024-361, loi n° 2024-42, arrêté, circulaire, cerfa n°15186*03).
pub(super) fn legal_references(scan: &mut Scan<'_>) {
    static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b[LRD]\.?\s?\*?\d{1,4}(?:[-‑–]\d{1,4})*(?:\s?\d{1,2}\s?°)?(?:\s?(?:bis|ter))?\b")
            .expect("valid regex")
    });
    static NUMBERED_TEXT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(?:décret|decret|loi|arrêté|arrete|arrêt|ordonnance|circulaire|délibération|cerfa|formulaire|directive|règlement|reglement|jorf|nor|article|question écrite|question|rapport|avis)s?\s*(?:n°|no\.?|nº|numéro|numero)?\s*(\d[\d\-/*.]*\d)",
        )
        .expect("valid regex")
    });
    // Decisions of the Conseil constitutionnel and the Conseil d'État: 2023-863 DC, 2011-1 QPC.
    static DECISION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b\d{4}-\d{1,5}\s?(?:DC|QPC|L|LP|LOM|FNR|ELEC)\b").expect("valid regex"));
    protect_all(scan, &ARTICLE, 0);
    protect_all(scan, &DECISION, 0);
    protect_all(scan, &NUMBERED_TEXT, 1);
}

/// Dates (12/03/2024, 05.03.2024, 2024-03-12), times (14:30, 9h, 10h15), amounts (646,52 €,
/// 1 710 euros) and percentages, and SIRET/SIREN numbers introduced as such.
pub(super) fn dates_amounts_and_organisations(scan: &mut Scan<'_>) {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2})\b").expect("valid regex")
    });
    static TIME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b\d{1,2}\s?(?:h|:)\s?(?:\d{2}\b)?").expect("valid regex"));
    static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\d(?:[\d.,]|[ \u{a0}\u{202f}]\d)*\s?(?:€|euros?\b|eur\b|%|pour\s?cent)").expect("valid regex")
    });
    static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:siret|siren|rna|tva intracommunautaire)\b(?:\s+[\p{L}'’]+){0,4}\s*(?:n°|no\.?|:)?\s*([\dW](?:[ \u{a0}.]?\d)+)")
            .expect("valid regex")
    });
    protect_all(scan, &DATE, 0);
    protect_all(scan, &TIME, 0);
    protect_all(scan, &AMOUNT, 0);
    protect_all(scan, &ORGANISATION, 1);
}
