//! Word lists shipped as data under `resources/` and compiled into the binary, each loaded once
//! on first use: a French dictionary (Grammalecte's, read by `spellbook`: an ordinary French word
//! is neither a person's name nor a typo), the published first-name list and the places never
//! taken for names (redaction), and the frequencies of the most common words of French
//! (wordfreq's data: an everyday word says little about what a question asks).

use std::collections::HashSet;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

static DICTIONARY: LazyLock<Option<spellbook::Dictionary>> = LazyLock::new(|| {
    let aff = include_str!("../resources/hunspell/fr.aff");
    let dic = include_str!("../resources/hunspell/fr.dic");
    match spellbook::Dictionary::new(aff, dic) {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::error!("the French dictionary failed to load: {e}");
            None
        }
    }
});

/// The dictionary's plain nouns (lemmas, lower case): entries whose morphology says `po:nom`,
/// less the words some entry also makes adjectives (`po:adj`: « érythréen », « étranger »).
static PLAIN_NOUNS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let (mut nouns, mut adjectives) = (HashSet::new(), HashSet::new());
    for line in include_str!("../resources/hunspell/fr.dic").lines() {
        let Some(lemma) = line.split(['/', ' ', '\t']).next() else { continue };
        let (noun, adjective) = line.split_whitespace().fold((false, false), |(n, a), f| (n || f == "po:nom", a || f == "po:adj"));
        if noun {
            nouns.insert(lemma.to_lowercase());
        }
        if adjective {
            adjectives.insert(lemma.to_lowercase());
        }
    }
    nouns.retain(|n| !adjectives.contains(n));
    nouns
});

/// Words of the field that the dictionary lacks but that are never names (acronyms and
/// everyday abbreviations of chat).
const FIELD_WORDS: &[&str] = &[
    "ada", "agdref", "iban", "rib", "ame", "api", "apl", "asile", "bpi", "bps", "caf", "cada", "ceseda", "cej", "cir", "cnda",
    "cph", "cpam", "crous", "css", "dalo", "daho", "delf", "dna", "fle", "huda", "nia", "nir", "ofii", "ofpra",
    "oqtf", "pref", "préf", "puma", "rsa", "siao", "slt", "stp", "svp", "tjrs", "tt", "vs", "msg", "tel", "tél",
    "bjr", "cdt", "cordialement", "merci", "bonjour", "bonsoir", "salut", "hello",
    // Holidays, which the dictionary writes with a capital and the first-name lists share.
    "noël", "noel", "pâques", "paques", "toussaint", "pentecôte", "ramadan", "aïd", "aid", "tabaski", "nowruz",
];

/// Whether `word` is an ordinary French word (any inflection), case ignored: such a word is
/// never taken for a person's name on its own.
pub fn is_french_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    if FIELD_WORDS.contains(&lower.as_str()) {
        return true;
    }
    let Some(dict) = DICTIONARY.as_ref() else { return false };
    // « est-ce », « c'est-à-dire »: a compound of French words is French.
    dict.check(&lower) || lower.contains('-') && lower.split('-').all(|part| !part.is_empty() && dict.check(part))
}

/// Whether `word` is a French noun and never an adjective (« chasse », « bateaux », not
/// « afghan »), case ignored: the lemma itself or a plural in -s or -x of it.
pub fn is_plain_noun(word: &str) -> bool {
    let lower = word.to_lowercase();
    PLAIN_NOUNS.contains(&lower) || lower.strip_suffix(['s', 'x']).is_some_and(|singular| PLAIN_NOUNS.contains(singular))
}

/// Whether `word` is an acronym or chat word of the field (CAF, OFII, merci…).
pub fn is_field_word(word: &str) -> bool {
    FIELD_WORDS.contains(&word.to_lowercase().as_str())
}

/// Lower case without diacritics: « Aïssata » and « aissata » are one name.
pub fn fold(word: &str) -> String {
    word.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

fn list(text: &str) -> HashSet<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(fold).collect()
}

static FIRST_NAMES: LazyLock<HashSet<String>> =
    LazyLock::new(|| list(include_str!("../resources/redaction/first_names.txt")));

static PLACES: LazyLock<HashSet<String>> = LazyLock::new(|| list(include_str!("../resources/redaction/places.txt")));

/// Whether `word` is in the published first-name list (case and accents ignored).
pub fn is_first_name(word: &str) -> bool {
    FIRST_NAMES.contains(&fold(word))
}

static NATIONALITIES: LazyLock<HashSet<String>> =
    LazyLock::new(|| list(include_str!("../resources/lexicon/nationalities.txt")));

/// Whether `word` is a nationality (« afghan », « Érythréennes », « turque »), case and accents
/// ignored: a listed masculine singular or its feminine or plural form.
pub fn is_nationality(word: &str) -> bool {
    let folded = fold(word);
    let singular = folded.strip_suffix('s').unwrap_or(&folded);
    let masculine = [
        Some(singular.to_string()),
        singular.strip_suffix("ne").map(str::to_string),  // érythréenne
        singular.strip_suffix('e').map(str::to_string),   // afghane, soudanaise
        singular.strip_suffix("que").map(|stem| format!("{stem}c")), // turque
    ];
    masculine.into_iter().flatten().any(|m| NATIONALITIES.contains(&m))
}

/// Whether `word` names a country, a region, a département or a town of the network.
pub fn is_place(word: &str) -> bool {
    PLACES.contains(&fold(word))
}

/// Zipf frequency (log10 of occurrences per billion words) of the most frequent words of
/// everyday French, from `resources/lexicon/fr_frequent.tsv` (wordfreq's French data; the words
/// at 5.0 and above).
static FREQUENT: LazyLock<std::collections::HashMap<String, f32>> = LazyLock::new(|| {
    include_str!("../resources/lexicon/fr_frequent.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (word, zipf) = l.split_once('\t')?;
            Some((word.to_string(), zipf.parse().ok()?))
        })
        .collect()
});

/// The Zipf frequency of `word` in everyday French, case ignored (about 7.7 for « de », 5.5
/// for « maintenant », 5.4 for « problème »); `None` for a word below 5.0 (« divorce »: 4.2).
pub fn zipf(word: &str) -> Option<f32> {
    FREQUENT.get(&word.to_lowercase()).copied()
}
