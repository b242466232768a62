//! E-mail addresses (also written « arobase », « at », « [at] »), dates of birth, passport and
//! case numbers introduced as such, and postal addresses.

use std::sync::LazyLock;

use regex::Regex;

use crate::lexicon::is_french_word;
use super::{PiiKind, Scan};

fn remove_all(scan: &mut Scan<'_>, re: &Regex, group: usize, kind: PiiKind) {
    let ranges: Vec<(usize, usize)> =
        re.captures_iter(scan.masked()).filter_map(|c| c.get(group)).map(|m| (m.start(), m.end())).collect();
    for (s, e) in ranges {
        scan.remove(s, e, kind);
    }
}

/// E-mail addresses, with accented local parts, and obfuscated: « amina.kone arobase gmail.com »,
/// « … at gmail dot com », « …[at]gmail.com », « … @ gmail . com ».
pub(super) fn emails(scan: &mut Scan<'_>) {
    static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
        let local = r"[\p{L}\p{N}_%+\-]+(?:\.[\p{L}\p{N}_%+\-]+)*";
        let at = r"(?:\s*@\s*|\s*[\[(\{<]\s*(?:at|arobase|arobas|chez)\s*[\])\}>]\s*|\s+(?:at|arobase|arobas)\s+)";
        let dot = r"(?:\s*\.\s*|\s*[\[(\{<]\s*(?:dot|point)\s*[\])\}>]\s*|\s+(?:dot|point)\s+)";
        let label = r"[\p{L}\p{N}](?:[\p{L}\p{N}\-]*[\p{L}\p{N}])?";
        Regex::new(&format!(r"(?i){local}{at}{label}(?:{dot}{label})*{dot}[a-z]{{2,6}}\b")).expect("valid regex")
    });
    remove_all(scan, &EMAIL, 0, PiiKind::Email);
}

const MONTHS: &str = r"(?:janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|ao[uû]t|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?)";
const DAY_WORDS: &str = r"(?:premier|(?:dix|vingt|trente)(?:[\s\-](?:et[\s\-])?(?:un|deux|trois|quatre|cinq|six|sept|huit|neuf))?|un|deux|trois|quatre|cinq|six|sept|huit|neuf|onze|douze|treize|quatorze|quinze|seize)";

/// Dates of birth after « né(e) le », « DDN », « date de naissance »: numeric or in words.
pub(super) fn birth_dates(scan: &mut Scan<'_>) {
    static BIRTH: LazyLock<Regex> = LazyLock::new(|| {
        let date = format!(
            r"(?:\d{{1,2}}\s?[/.\-]\s?\d{{1,2}}\s?[/.\-]\s?\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}|(?:1er|\d{{1,2}}|{DAY_WORDS})\s+{MONTHS}(?:\s+\d{{4}}|\s+\d{{2}}\b)?|{MONTHS}\s+\d{{4}})"
        );
        Regex::new(&format!(
            r"(?i)\b(?:n[ée]e?s?\s+(?:le|en)|ddn|d\.d\.n\.?|date\s+de\s+naiss(?:ance|\.)?|dob|naissance\s+le|n[ée]e?s?\s+(?:en|au|aux|à|a)\s+(?:[\p{{L}}'’\-]+\s+){{1,3}}le)\s*[:\-]?\s*(?:le\s+)?({date})"
        ))
        .expect("valid regex")
    });
    remove_all(scan, &BIRTH, 1, PiiKind::BirthDate);
}

/// Passport numbers and case numbers (CAF, OFPRA, préfecture, France Travail, tax…) introduced
/// as such: the identifier after « passeport n° », « n° allocataire », « numéro de dossier »…
pub(super) fn introduced_numbers(scan: &mut Scan<'_>) {
    static PASSPORT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bpasse?ports?\b[^\n.;!?\u{1}]{0,40}?\b([a-z]{0,3}\d[a-z0-9]{4,11})\b").expect("valid regex")
    });
    static CASE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(?:\bn°|\bnº|\bno\.|\bnum(?:[ée]ro)?\b\.?|\bidentifiant\b|\bid\b|\br[ée]f[ée]rence\b|\br[ée]f\b\.?|\bmatricule\b|\bdossier\b|\ballocataire\b|\bagdref\b)(?:\s*[:#]?\s*(?:d['’]|de\s+|du\s+|des\s+)?[\p{L}][\p{L}'’\-]*){0,4}\s*[:#]?\s*(?:n°|nº)?\s*([a-z]{0,3}\d[\da-z]*(?:[ \-./]\d[\da-z]*)*)",
        )
        .expect("valid regex")
    });
    remove_all(scan, &PASSPORT, 1, PiiKind::Passport);
    let masked = scan.masked();
    let found: Vec<(usize, usize, PiiKind)> = CASE
        .captures_iter(masked)
        .filter_map(|c| Some((c.get(0)?, c.get(1)?)))
        .filter(|(_, id)| id.as_str().chars().filter(char::is_ascii_digit).count() >= 5)
        // A long hexadecimal or technical id (a web page's) is not a person's file number.
        .filter(|(_, id)| id.as_str().chars().filter(char::is_ascii_alphabetic).count() <= 4)
        .filter(|(_, id)| masked[id.end()..].chars().next().is_none_or(|c| !c.is_alphanumeric()))
        .map(|(all, id)| (id.start(), id.end(), introduced_kind(&masked[all.start()..id.start()])))
        .collect();
    for (s, e, kind) in found {
        scan.remove(s, e, kind);
    }
}

/// The kind of number an introduction announces: « n° étranger » is an AGDREF number,
/// « n° de sécu » a social security number, anything else a case number.
fn introduced_kind(intro: &str) -> PiiKind {
    static FOREIGNER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)[ée]tranger|agdref").expect("valid regex"));
    static SOCIAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:s[ée]cu|s[ée]curit[ée] sociale|ss|nir|nia|insee)").expect("valid regex")
    });
    if FOREIGNER.is_match(intro) {
        PiiKind::ForeignerNumber
    } else if SOCIAL.is_match(intro) {
        PiiKind::SocialSecurity
    } else {
        PiiKind::CaseNumber
    }
}

const STREET_TYPES: &str = r"(?:rue|avenue|av\.?|boulevard|bd|bld|blvd|all[ée]es?|impasse|imp\.|chemin|ch\.|place|pl\.|quai|route|rte|cours|square|passage|sentier|villa|cit[ée]|r[ée]sidence|hameau|lieu-dit|esplanade|promenade|faubourg|fbg|parvis|voie|rond-point|traverse|mont[ée]e|mail)";
const PARTICLES: &[&str] =
    &["de", "du", "des", "la", "le", "les", "l", "d", "aux", "au", "à", "en", "sur", "sous", "saint", "sainte", "st", "ste"];

/// Postal addresses: a number, a street type and its name, with an optional building before and
/// postcode and town after (« bât. B, 7 allée des Tilleuls, 94000 Créteil »). A postcode or a
/// town alone stays.
pub(super) fn addresses(scan: &mut Scan<'_>) {
    static START: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)(?:\b(?:b[aâ]t(?:iment)?\.?|appt?\.?|appartement|escalier|esc\.|[ée]tage)\s*[a-z0-9]{{1,3}}\s*,?\s*)?\b\d{{1,4}}(?:\s?(?:bis|ter|quater|[a-d])\b)?\s*,?\s+{STREET_TYPES}(?:\s|$)"
        ))
        .expect("valid regex")
    });
    static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*([\p{L}][\p{L}\-]*(?:['’])?)").expect("valid regex"));
    static TOWN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*,?\s*\d{5}\b")
            .expect("valid regex")
    });
    let masked = scan.masked().to_string();
    for m in START.find_iter(&masked) {
        let mut end = m.end();
        let mut last_content = None;
        let mut words = 0;
        let mut after_particle = true;
        while words < 6 {
            let Some(c) = WORD.captures(&masked[end..]) else { break };
            let w = c.get(1).map_or("", |g| g.as_str());
            let bare = w.trim_end_matches(['\'', '’']).to_lowercase();
            let particle = PARTICLES.contains(&bare.as_str());
            let capital = w.chars().next().is_some_and(char::is_uppercase);
            if !(particle || capital || after_particle || !is_french_word(&bare)) {
                break;
            }
            end += c.get(0).map_or(0, |g| g.end());
            words += 1;
            after_particle = particle;
            if !particle {
                last_content = Some(end);
            }
        }
        let Some(mut end) = last_content else { continue };
        if let Some(t) = TOWN.find(&masked[end..]) {
            end += t.end();
            // The town: capitalised words, or words that are no French words (« creteil »).
            for _ in 0..3 {
                let Some(c) = WORD.captures(&masked[end..]) else { break };
                let w = c.get(1).map_or("", |g| g.as_str());
                let cedex = w.eq_ignore_ascii_case("cedex");
                if !(cedex || w.chars().next().is_some_and(char::is_uppercase) || !is_french_word(w)) {
                    break;
                }
                end += c.get(0).map_or(0, |g| g.end());
            }
        }
        let end = masked[..end].trim_end().len();
        scan.remove(m.start(), end, PiiKind::Address);
    }
}

#[cfg(test)]
mod tests {
    use super::super::redact;

    #[test]
    fn address_with_postcode_and_town() {
        assert_eq!(redact("habite 12 rue des Lilas 94000 Créteil depuis mai").text, "habite [adresse] depuis mai");
        assert_eq!(redact("au 3 bis avenue Jean Jaurès.").text, "au [adresse].");
        assert_eq!(redact("les bureaux de 93000 Bobigny").text, "les bureaux de 93000 Bobigny");
    }

    #[test]
    fn a_birth_date_after_the_place_of_birth() {
        assert_eq!(redact("il est né en Afghanistan le 15 août 1990 à Kaboul").text, "il est né en Afghanistan le [date de naissance] à Kaboul");
        assert_eq!(redact("née à Conakry le 3/4/1992").text, "née à Conakry le [date de naissance]");
    }

    #[test]
    fn obfuscated_emails() {
        for t in ["amina.kone arobase gmail.com", "amina.kone [at] gmail.com", "amina.kone at gmail dot com"] {
            assert_eq!(redact(&format!("écrire à {t} svp")).text, "écrire à [courriel] svp", "{t}");
        }
        assert_eq!(redact("josé.martin@exemple.fr").text, "[courriel]");
    }
}
