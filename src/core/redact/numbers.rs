//! Numbers that identify a person: phone numbers of any country (validated by `phonenumber`),
//! IBANs (confirmed by their ISO 13616 checksum), social security numbers (NIR/NIA) and
//! foreigner numbers (AGDREF), with any spacing.

use std::collections::HashSet;
use std::sync::LazyLock;

use phonenumber::country::Id as Country;
use regex::Regex;

use super::{PiiKind, Scan};

/// A run of digit groups joined by separators (space, no-break spaces, dot, dash, slash,
/// parentheses), optionally after `+`.
static RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+[ \u{a0}\u{202f}]?)?\(?\d(?:\d|[ \u{a0}\u{202f}.\-/()]{1,3}\d)*\)?").expect("valid regex")
});
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+").expect("valid regex"));

/// One group of digits in a run: byte range in the text, and the digits.
struct Group<'t> {
    start: usize,
    end: usize,
    digits: &'t str,
}

/// The runs of the masked text that stand alone (no letter or digit glued on either side), as
/// (start of the run including a leading `+`, its digit groups).
fn runs(masked: &str) -> Vec<(usize, bool, Vec<Group<'_>>)> {
    let mut out = Vec::new();
    for m in RUN.find_iter(masked) {
        let before = masked[..m.start()].chars().next_back();
        let after = masked[m.end()..].chars().next();
        // Glued to a word, a placeholder or text already taken: part of something else (and
        // skipping it either way keeps redaction idempotent).
        let glued = |c: char| c.is_alphanumeric() || matches!(c, '_' | '[' | ']' | super::MASK);
        if before.is_some_and(glued) || after.is_some_and(glued) {
            continue;
        }
        let run = m.as_str();
        let plus = run.starts_with('+');
        let groups: Vec<Group<'_>> = DIGITS
            .find_iter(run)
            .map(|d| Group { start: m.start() + d.start(), end: m.start() + d.end(), digits: d.as_str() })
            .collect();
        out.push((m.start(), plus, groups));
    }
    out
}

/// The E.164 form of a phone number written in any format, France being the default region;
/// `None` when it is not a valid number.
pub(super) fn e164(raw: &str) -> Option<String> {
    let number = phonenumber::parse(Some(Country::FR), raw).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An international number: valid for its country, or (`lenient`) of a known country code and
/// a plausible length, since invented or reserved numbers (`+44 7700 900123`) are personal data
/// to redact all the same.
fn valid_international(digits: &str, lenient: bool) -> Option<String> {
    if !(7..=15).contains(&digits.len()) {
        return None;
    }
    let number = phonenumber::parse(None, format!("+{digits}")).ok()?;
    let national = number.national().value().to_string().len();
    (phonenumber::is_valid(&number) || lenient && (6..=13).contains(&national))
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// A French number written nationally: ten digits starting with 0, grouped in pairs (or
/// unseparated, or in the rare 0X XXX XXX XX shape), never with a group of four (a year: a date
/// followed by a time is not a phone number).
fn national_shape(groups: &[Group<'_>]) -> bool {
    let digits: usize = groups.iter().map(|g| g.digits.len()).sum();
    digits == 10
        && groups[0].digits.starts_with('0')
        && !groups[0].digits[1..].starts_with('0')
        && (groups.len() == 1 || groups.iter().all(|g| g.digits.len() <= 3))
}

/// The E.164 form of an international number written as `part` (after `+`, or starting with
/// `00`); « +33 (0)6 12 34 56 78 »: a lone 0 after the country code is the national prefix.
fn international_number(part: &[Group<'_>], plus: bool, lenient: bool) -> Option<String> {
    let digits: String = part.iter().map(|g| g.digits).collect();
    let digits = if plus { digits.as_str() } else { &digits[2..] };
    valid_international(digits, lenient).or_else(|| {
        if part.len() > 2 && part[1].digits == "0" {
            let without: String = part.iter().enumerate().filter(|(j, _)| *j != 1).map(|(_, g)| g.digits).collect();
            valid_international(if plus { &without } else { &without[2..] }, lenient)
        } else {
            None
        }
    })
}

/// Phone numbers: international ones (`+` or `00`, any country), French ones in any national
/// format. Numbers in `public` (E.164) and French service numbers (08…) are kept.
pub(super) fn phones(scan: &mut Scan<'_>, public: &HashSet<String>) {
    let masked = scan.masked().to_string();
    for (run_start, plus, groups) in runs(&masked) {
        let mut i = 0;
        while i < groups.len() {
            let mut found = None;
            // Valid numbers first, the longest; then, for international ones, plausible ones.
            'search: for lenient in [false, true] {
                for k in (1..=groups.len() - i).rev() {
                    let part = &groups[i..i + k];
                    let plus_here = i == 0 && plus;
                    let international = plus_here || (part[0].digits.starts_with("00") && part[0].digits.len() > 2);
                    let e164 = if international {
                        international_number(part, plus_here, lenient)
                    } else if national_shape(part) && !lenient {
                        e164(&part.iter().map(|g| g.digits).collect::<String>())
                    } else {
                        None
                    };
                    if let Some(e164) = e164 {
                        let start = if plus_here { run_start } else { part[0].start };
                        found = Some((k, start, part[k - 1].end, e164));
                        break 'search;
                    }
                }
            }
            match found {
                Some((k, start, end, e164)) => {
                    if public.contains(&e164) || e164.starts_with("+338") {
                        scan.protect(start, end);
                    } else {
                        scan.remove(start, end, PiiKind::Phone);
                    }
                    i += k;
                }
                None => i += 1,
            }
        }
    }
}

/// IBANs of any country, with or without spaces, confirmed by the mod-97 checksum.
pub(super) fn ibans(scan: &mut Scan<'_>) {
    static IBAN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b[a-z]{2}\d{2}(?:[ \u{a0}\u{202f}\-]?[a-z0-9]{1,4}){3,8}\b").expect("valid regex")
    });
    static CHUNK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9]+").expect("valid regex"));
    let masked = scan.masked().to_string();
    for m in IBAN.find_iter(&masked) {
        let chunks: Vec<(usize, usize)> =
            CHUNK.find_iter(m.as_str()).map(|c| (m.start() + c.start(), m.start() + c.end())).collect();
        // The greedy match may have taken a short word after the IBAN: shorten until it checks.
        for k in (1..=chunks.len()).rev() {
            let end = chunks[k - 1].1;
            let compact: String = masked[m.start()..end].chars().filter(char::is_ascii_alphanumeric).collect();
            if iban_checksum_ok(&compact) {
                scan.remove(m.start(), end, PiiKind::Iban);
                break;
            }
        }
    }
}

fn iban_checksum_ok(iban: &str) -> bool {
    if !(15..=34).contains(&iban.len()) || !iban.is_ascii() {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        remainder = if value < 10 { (remainder * 10 + value) % 97 } else { (remainder * 100 + value) % 97 };
    }
    remainder == 1
}

/// Social security numbers (13 digits, or 15 with the key; NIA starting with 7 or 8; Corsica's
/// 2A/2B), with any spacing. Runs before phone numbers: « 1 85 05 78 006 084 36 » holds a
/// valid French phone number.
pub(super) fn social_security(scan: &mut Scan<'_>) {
    static CORSICAN_NIR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b[12378][ .]?\d{2}[ .]?\d{2}[ .]?2[ab][ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{2})?\b")
            .expect("valid regex")
    });
    let corsican: Vec<(usize, usize)> =
        CORSICAN_NIR.find_iter(scan.masked()).map(|m| (m.start(), m.end())).collect();
    for (s, e) in corsican {
        scan.remove(s, e, PiiKind::SocialSecurity);
    }
    national_identifiers(scan, PiiKind::SocialSecurity, is_nir);
}

/// Foreigner numbers (AGDREF: ten digits not starting with 0), with any spacing. Runs after
/// dates, times and amounts are protected.
pub(super) fn foreigner_numbers(scan: &mut Scan<'_>) {
    national_identifiers(scan, PiiKind::ForeignerNumber, |d| d.len() == 10 && !d.starts_with('0'));
}

/// Removes the longest stretches of digit groups that `test` accepts, in runs that are not
/// international phone numbers.
fn national_identifiers(scan: &mut Scan<'_>, kind: PiiKind, test: impl Fn(&str) -> bool) {
    let masked = scan.masked().to_string();
    for (_, plus, groups) in runs(&masked) {
        if plus || groups.first().is_some_and(|g| g.digits.starts_with("00")) {
            continue;
        }
        let mut i = 0;
        while i < groups.len() {
            let found = (1..=groups.len() - i).rev().find(|&k| {
                let digits: String = groups[i..i + k].iter().map(|g| g.digits).collect();
                test(&digits)
            });
            match found {
                Some(k) => {
                    scan.remove(groups[i].start, groups[i + k - 1].end, kind);
                    i += k;
                }
                None => i += 1,
            }
        }
    }
}

/// The shape of a NIR or NIA: sex or kind (1, 2, 3, 4, 7, 8), year, month (01-12, or 20-99
/// for unknown months and NIA), then 8 digits, and the 2-digit key when there are 15.
fn is_nir(digits: &str) -> bool {
    if digits.len() != 13 && digits.len() != 15 {
        return false;
    }
    let b = digits.as_bytes();
    let month = (b[3] - b'0') * 10 + (b[4] - b'0');
    matches!(b[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') && (1..=12).contains(&month) || (20..=99).contains(&month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_checksum() {
        assert!(iban_checksum_ok("FR7630006000011234567890189"));
        assert!(!iban_checksum_ok("FR7630006000011234567890188"));
        assert!(iban_checksum_ok("DE89370400440532013000"));
        assert!(!iban_checksum_ok("FR76"));
    }

    #[test]
    fn nir_shape() {
        assert!(is_nir("185057800608436"));
        assert!(is_nir("1850578006084"));
        assert!(!is_nir("18505780060843"));
        assert!(!is_nir("585057800608436"));
    }
}
