//! People's names: after a title in any case and spacing (M, M., Mr, MME, mme, Mlle, Monsieur,
//! Madame, Dr…) with particles and up to five words; after « la famille » / « les »; and bare
//! first names from the published list, with the capitalised surnames that follow them.
//!
//! A title followed by an article or an office (« M. le Préfet », « Madame La Préfète »,
//! « Monsieur le Maire ») names no one and stays.

use std::sync::LazyLock;

use regex::Regex;

use crate::lexicon::{is_first_name, is_french_word, is_place};
use super::{PiiKind, Scan};

/// The most words a name is taken to have.
const MAX_WORDS: usize = 5;

/// Particles inside names: da Silva, ben Salah, Ould Ahmed, van der Berg, El-Amrani…
const PARTICLES: &[&str] = &[
    "da", "de", "del", "della", "di", "do", "dos", "das", "du", "el", "al", "ben", "bin", "bint", "ibn", "ould",
    "abdel", "abd", "abou", "abu", "van", "von", "der", "den", "ter", "le", "la", "mc", "mac", "ait", "aït",
];

/// Words that, right after a title, make it a title of office or a plain phrase.
const NOT_A_NAME: &[&str] = &[
    "le", "la", "l", "les", "un", "une", "des", "du", "au", "aux", "ce", "cet", "cette", "son", "sa", "ses",
    "votre", "vos", "notre", "nos", "leur", "leurs", "mon", "ma", "mes", "et", "ou", "qui", "que", "est", "a",
    "préfet", "préfète", "prefet", "prefete", "maire", "directeur", "directrice", "président", "présidente",
    "president", "presidente", "juge", "ministre", "procureur", "procureure", "recteur", "rectrice", "député",
    "députée", "sénateur", "sénatrice", "commissaire", "secrétaire", "chef", "cheffe", "responsable",
    "conseiller", "conseillère", "délégué", "déléguée", "défenseur", "défenseure", "médiateur", "médiatrice",
    "inspecteur", "inspectrice", "adjoint", "adjointe", "avocat", "avocate", "consul", "ambassadeur",
    "ambassadrice", "agent", "assistant", "assistante", "professeur", "docteur", "x", "y", "z",
];

static WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \u{a0}\u{202f}]*([\p{L}][\p{L}\-]*(?:['’][\p{L}][\p{L}\-]*)*\.?)").expect("valid regex")
});

/// One word read after a position: its byte range (without a sentence-final dot, kept only on
/// a single-letter initial) and text.
fn next_word(masked: &str, at: usize) -> Option<(usize, usize, &str)> {
    let c = WORD.captures(&masked[at..])?;
    let g = c.get(1)?;
    let mut word = g.as_str();
    if word.ends_with('.') && word.chars().count() > 2 {
        word = &word[..word.len() - 1];
    }
    Some((at + g.start(), at + g.start() + word.len(), word))
}

fn bare(word: &str) -> String {
    word.trim_end_matches('.').to_lowercase()
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn is_particle(word: &str) -> bool {
    let w = bare(word);
    PARTICLES.contains(&w.as_str()) || PARTICLES.iter().any(|p| w.strip_prefix(p).is_some_and(|r| r.starts_with('-')))
}

/// Whether a word after the first one of a name still belongs to it: a capitalised word that
/// is not an ordinary French word or a place, a known first name, or (in a name written in
/// lower case) a word that is no French word at all.
fn continues_name(word: &str, lower_case_name: bool) -> bool {
    let w = bare(word);
    if NOT_A_NAME.contains(&w.as_str()) || is_place(&w) {
        return false;
    }
    if word.len() == 2 && word.ends_with('.') {
        // An initial: « M. D. ».
        return is_capitalised(word);
    }
    let all_caps = !word.chars().any(char::is_lowercase);
    if is_capitalised(word) && !all_caps {
        // « Alpha », « Rose » inside a name: a capitalised word right after a name continues it.
        !is_french_word(&w) || is_first_name(&w) || !crate::lexicon::is_field_word(&w)
    } else if is_capitalised(word) || lower_case_name {
        w.chars().count() > 1 && (!is_french_word(&w) || is_first_name(&w))
    } else {
        false
    }
}

/// Reads a name from `at`: particles are taken only when a name word follows them. Returns
/// the end of the name, or `None` when no word continues it.
fn read_name(masked: &str, mut at: usize, first_taken: bool, lower_case_name: bool) -> Option<usize> {
    let mut end = None;
    let mut words = usize::from(first_taken);
    let mut pending_particles = 0;
    while words + pending_particles < MAX_WORDS {
        let Some((_, e, word)) = next_word(masked, at) else { break };
        // After an initial (« M. R. »), a capitalised word starts the next sentence more often
        // than it continues the name.
        if masked[..at].ends_with('.') && !(word.len() == 2 && word.ends_with('.')) {
            break;
        }
        if is_particle(word) && !word.contains('-') {
            pending_particles += 1;
            at = e;
            continue;
        }
        let particle_joined = is_particle(word);
        // After a particle, a capitalised word is a surname (« da Silva »), unless it is an
        // acronym or a place (« du CPH de Lyon »).
        let after_particle = pending_particles > 0
            && is_capitalised(word)
            && word.chars().any(char::is_lowercase)
            && !is_place(&bare(word))
            && !crate::lexicon::is_field_word(&bare(word));
        if particle_joined || continues_name(word, lower_case_name) || after_particle {
            words += pending_particles + 1;
            pending_particles = 0;
            end = Some(e);
            at = e;
        } else {
            break;
        }
    }
    end
}

/// Names after a title.
pub(super) fn after_titles(scan: &mut Scan<'_>) {
    static TITLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?:\b(?i:monsieur|madame|mademoiselle|messieurs|mesdames|mme|mmes|mlle|mlles|mr|mrs|ms|dr|docteur)\b\.?|\bM\b\.?|\bm\.)[ \u{a0}\u{202f}]*",
        )
        .expect("valid regex")
    });
    let masked = scan.masked().to_string();
    for m in TITLE.find_iter(&masked) {
        let glued = !m.as_str().ends_with([' ', '\u{a0}', '\u{202f}']);
        if glued && !m.as_str().ends_with('.') {
            continue;
        }
        let Some((start, first_end, first)) = next_word(&masked, m.end()) else { continue };
        let w = bare(first);
        // « M. le Préfet », « Madame La Préfète », « Monsieur est arrivé »: no name.
        // A lower-case article is always one (« Mme la Rapporteure publique »); « M. Le Goff »
        // is a name when what follows is no French word.
        let surname_after_article = is_capitalised(first) && is_particle(first) && next_is_surname(&masked, first_end);
        if NOT_A_NAME.contains(&w.as_str()) && !surname_after_article {
            continue;
        }
        let lower_case_name = !is_capitalised(first);
        let end = if is_particle(first) {
            read_name(&masked, start, false, lower_case_name)
        } else if is_capitalised(first) || (!is_french_word(&w) && !is_place(&w)) {
            Some(read_name(&masked, first_end, true, lower_case_name).unwrap_or(first_end))
        } else {
            None
        };
        if let Some(end) = end {
            scan.remove(start, end, PiiKind::Name);
        }
    }
}

/// « M. Le Goff » but not « M. Le Préfet »: after a particle that is also an article, a
/// capitalised word that is no French word.
fn next_is_surname(masked: &str, at: usize) -> bool {
    next_word(masked, at).is_some_and(|(_, _, w)| is_capitalised(w) && !is_french_word(w) && !NOT_A_NAME.contains(&bare(w).as_str()))
}

/// Names after « la famille », « famille » and « les » (« les Diallo »).
pub(super) fn families(scan: &mut Scan<'_>) {
    static FAMILY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\b(famille|les)[ \u{a0}\u{202f}]+").expect("valid regex"));
    let masked = scan.masked().to_string();
    for c in FAMILY.captures_iter(&masked) {
        let (Some(all), Some(kw)) = (c.get(0), c.get(1)) else { continue };
        let Some((start, first_end, first)) = next_word(&masked, all.end()) else { continue };
        let w = bare(first);
        let initial = first.len() == 2 && first.ends_with('.') && is_capitalised(first);
        let mixed_case = is_capitalised(first) && first.chars().skip(1).any(char::is_lowercase);
        let family = kw.as_str().eq_ignore_ascii_case("famille");
        let name_like = !is_french_word(&w) && !is_place(&w) && !NOT_A_NAME.contains(&w.as_str());
        if initial && family || mixed_case && name_like {
            let end = read_name(&masked, first_end, true, false).unwrap_or(first_end);
            scan.remove(start, end, PiiKind::Name);
        }
    }
}

/// A capitalised word that no dictionary, list of places or of the field's acronyms knows.
fn unknown_capitalised(word: &str) -> bool {
    let w = bare(word);
    is_capitalised(word)
        && word.chars().any(char::is_lowercase)
        && w.chars().count() >= 2
        && !is_french_word(&w)
        && !is_place(&w)
        && !NOT_A_NAME.contains(&w.as_str())
}

/// Names without a title: a first name from the published list (« Fatoumata Sissoko a eu un
/// refus », « j'accompagne Ahmad »), or two capitalised words no dictionary knows (« Rami
/// Al-Khatib »), with the capitalised surnames around them. In lower case, only listed names of
/// five letters or more are taken (short ones collide with chat abbreviations); an
/// all-capitals word is an acronym (IBAN, ADA) more often than a shouted name.
pub(super) fn bare_names(scan: &mut Scan<'_>) {
    static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:(?i:[ldjmnst]|qu)['’])?([\p{L}][\p{L}\-]*)").expect("valid regex")
    });
    let masked = scan.masked().to_string();
    let tokens: Vec<(usize, usize, &str)> = TOKEN
        .captures_iter(&masked)
        .filter_map(|c| c.get(1))
        .map(|m| (m.start(), m.end(), m.as_str()))
        .collect();
    let adjacent = |a: (usize, usize, &str), b: (usize, usize, &str)| {
        a.1 < b.0 && masked[a.1..b.0].chars().all(|c| matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
    };
    for (i, &(start, end, w)) in tokens.iter().enumerate() {
        if !scan.is_free(start, end) {
            continue;
        }
        let all_caps = !w.chars().any(char::is_lowercase);
        let long_enough = if is_capitalised(w) { w.chars().count() >= 3 } else { w.chars().count() >= 5 };
        let listed = !all_caps && long_enough && is_first_name(w) && !crate::lexicon::is_field_word(w);
        let pair = unknown_capitalised(w)
            && tokens.get(i + 1).is_some_and(|&next| adjacent(tokens[i], next) && unknown_capitalised(next.2));
        if !listed && !pair {
            continue;
        }
        let start = match i.checked_sub(1).map(|p| tokens[p]) {
            Some(prev) if adjacent(prev, tokens[i]) && unknown_capitalised(prev.2) && scan.is_free(prev.0, prev.1) => prev.0,
            _ => start,
        };
        let end = read_name(&masked, end, true, !is_capitalised(w)).unwrap_or(end);
        scan.remove(start, end, PiiKind::Name);
    }
}

#[cfg(test)]
mod tests {
    use super::super::redact;

    #[test]
    fn titles_of_office_stay() {
        for t in ["Recours adressé à M. Le Préfet", "Madame La Préfète a signé", "M. le Directeur de la CAF", "M. et Mme sont d'accord"] {
            assert_eq!(redact(t).text, t);
        }
    }

    #[test]
    fn names_after_titles_in_any_case() {
        for (t, want) in [
            ("M Diallo a", "M [nom] a"),
            ("mme traoré a eu un refus", "mme [nom] a eu un refus"),
            ("MME DIALLO A EU", "MME [nom] A EU"),
            ("M.Diallo a", "M.[nom] a"),
            ("Mme da Silva est", "Mme [nom] est"),
            ("M. ben Salah est", "M. [nom] est"),
            ("Monsieur Mamadou Alpha Diallo Barry est", "Monsieur [nom] est"),
            ("les enfants de M. R. Est-ce légal ?", "les enfants de M. [nom] Est-ce légal ?"),
            ("je suis Julie du CPH de Lyon", "je suis [nom] du CPH de Lyon"),
        ] {
            assert_eq!(redact(t).text, want, "{t}");
        }
    }

    #[test]
    fn bare_first_names() {
        assert_eq!(redact("Fatoumata Sissoko a eu un refus").text, "[nom] a eu un refus");
        assert_eq!(redact("les Diallo ont reçu").text, "les [nom] ont reçu");
        assert!(!redact("Noël approche, la Marine, Espoir et Victoire").changed());
    }
}
