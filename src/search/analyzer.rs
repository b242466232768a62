//! The French analyzers: an inner-apostrophe tokenizer, an elision filter, curated stop words
//! (negations kept), accent folding before Snowball French stemming (with overrides for words it
//! would merge wrongly), and an unstemmed twin for exact wording and acronyms.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, StopWordFilter, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};
use unicode_normalization::UnicodeNormalization;

/// Bump whenever the analysis (or what the index stores from it) changes: the index is rebuilt
/// when it differs from the stored one.
pub const ANALYZER_VERSION: u32 = 13;

/// Name of the stemmed analyzer in the index schema.
pub const STEMMED: &str = "fr_stem";
/// Name of the unstemmed analyzer in the index schema.
pub const EXACT: &str = "fr_exact";

/// Splits text into words: runs of letters, digits and combining marks, an apostrophe kept
/// when it sits inside a word (`l'api`, `aujourd’hui`). The same tokens as the regex
/// `[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*`, several times faster (indexing a
/// million entries spends most of its time here). One exception: a number glued to a unit or an
/// ordinal suffix is two words (`15h` → `15` `h`, `1ère` → `1` `ère`), as it is when spaced.
#[derive(Clone, Debug, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// Token stream of [`WordTokenizer`].
pub struct WordStream<'a> {
    text: &'a str,
    offset: usize,
    token: &'a mut Token,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c, '\u{300}'..='\u{36F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream { text, offset: 0, token: &mut self.token }
    }
}

impl WordStream<'_> {
    /// Byte length of the run of word characters at the start of `s`.
    fn word_len(s: &str) -> usize {
        s.char_indices().find(|(_, c)| !is_word_char(*c)).map_or(s.len(), |(i, _)| i)
    }

    fn emit(&mut self, start: usize, end: usize) -> bool {
        self.offset = end;
        self.token.text.clear();
        self.token.text.push_str(&self.text[start..end]);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let rest = &self.text[self.offset..];
        let Some(skip) = rest.char_indices().find(|(_, c)| is_word_char(*c)).map(|(i, _)| i) else {
            self.offset = self.text.len();
            return false;
        };
        let start = self.offset + skip;
        let digits = self.text[start..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && self.text[start + digits..].chars().next().is_some_and(char::is_alphabetic) {
            return self.emit(start, start + digits);
        }
        let mut end = start + Self::word_len(&self.text[start..]);
        // An apostrophe followed by a word character continues the word.
        while let Some(apostrophe) = self.text[end..].chars().next().filter(|c| *c == '\'' || *c == '’') {
            let after = end + apostrophe.len_utf8();
            let more = Self::word_len(&self.text[after..]);
            if more == 0 {
                break;
            }
            end = after + more;
        }
        self.emit(start, end)
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// French stop words, lowercased and unaccented forms included. Negations (`ne`, `pas`, `sans`,
/// `ni`, `non`, `aucun`, `jamais`, `plus`) and question words are deliberately kept: "n'a pas de
/// titre" must not read as "a titre".
const STOP_WORDS: &[&str] = &[
    "a", "à", "ai", "pour", "avoir", "comme", "vers", "selon", "aie", "as", "au", "aux", "avec", "avez", "avons", "ayant", "c", "ça", "ca", "ce", "ceci", "cela",
    "celle", "celui", "ces", "cet", "cette", "d", "dans", "de", "des", "du", "elle", "elles", "en", "es", "est", "et",
    "étaient", "était", "été", "être", "etre", "eu", "eux", "il", "ils", "j", "je", "l", "la", "le", "les", "leur",
    "leurs", "lui", "m", "ma", "mais", "me", "même", "meme", "mes", "moi", "mon", "n", "nos", "notre", "nous", "on",
    "ont", "ou", "où", "par", "qu", "que", "quel", "quelle", "quelles", "quels", "qui", "s", "sa", "se", "sera",
    "ses", "si", "son", "sont", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
    "vous", "y", "suis", "sommes", "êtes", "etes", "avait", "avaient", "aura", "auront", "serait", "seraient",
    "cet", "ceux", "dont", "lorsque", "puis", "donc", "car", "or", "alors", "faut", "fait", "faire", "peut", "peuvent",
    "doit", "doivent", "bien", "très", "tres", "tout", "tous", "toute", "toutes", "svp", "merci", "bonjour",
    "bonsoir", "salut", "hello", "ok", "oui", "est-ce", "il", "elle", "quoi", "là", "la-bas", "ici", "chez", "encore",
    "aussi", "déjà", "deja", "cas", "question", "sait", "savoir", "besoin",
    // Fillers of field questions: « toujours pas de réponse » (still no), « au bout de 8 mois »
    // (after). They name no subject, yet an article that happens to use them would gain.
    "toujours", "bout",
    // Ordinal suffixes, split from their number by the tokenizer (`1ère`, `2e`).
    "er", "ère", "ere", "re", "e", "ème", "eme", "nd", "nde",
];

/// Chat abbreviations read as the word they stand for, before stop words are removed: « pr » is
/// « pour », « ki » is « qui », « bcp » is « beaucoup ». General French texting, not field terms
/// (those are synonyms, in `knowledge/synonyms.toml`). Never an acronym a synonym group uses:
/// « pa » is « pas » in a text message but the prime d'activité (PA) in the field.
const CHAT_WORDS: &[(&str, &str)] = &[
    ("pr", "pour"), ("pk", "pourquoi"), ("pq", "pourquoi"), ("pkoi", "pourquoi"), ("ki", "qui"), ("koi", "quoi"),
    ("kel", "quel"), ("kelle", "quelle"), ("ke", "que"), ("ya", "y"), ("tt", "tout"), ("tte", "toute"), ("ttes", "toutes"),
    ("tjr", "toujours"), ("tjrs", "toujours"), ("tjs", "toujours"), ("bcp", "beaucoup"), ("ds", "dans"), ("dc", "donc"),
    ("ac", "avec"), ("avc", "avec"), ("ms", "mais"), ("mm", "même"), ("nn", "non"), ("bjr", "bonjour"),
    ("slt", "salut"), ("cmt", "comment"), ("cmnt", "comment"), ("mtn", "maintenant"), ("mnt", "maintenant"),
    ("qd", "quand"), ("pdt", "pendant"), ("pb", "problème"), ("pbm", "problème"), ("pblm", "problème"), ("bb", "bébé"),
    ("dsl", "désolé"), ("jsp", "sais"), ("chui", "suis"), ("ptet", "peut-être"), ("pcq", "parce"), ("psk", "parce"),
    ("kan", "quand"), ("kand", "quand"), ("koman", "comment"), ("komen", "comment"), ("qq", "quelques"),
    ("qqs", "quelques"), ("qqch", "quelque"), ("svt", "souvent"),
    // « quelqu'un » reads as its last token: both are stop words.
    ("qqn", "un"), ("qqun", "un"),
];

/// Numbers written as words, read as digits: "trois mois" finds "3 mois".
const NUMBER_WORDS: &[(&str, &str)] = &[
    ("deux", "2"), ("trois", "3"), ("quatre", "4"), ("cinq", "5"), ("six", "6"), ("sept", "7"), ("huit", "8"),
    ("neuf", "9"), ("dix", "10"), ("onze", "11"), ("douze", "12"), ("quinze", "15"), ("seize", "16"),
    ("dix-huit", "18"), ("vingt", "20"), ("trente", "30"), ("quarante", "40"), ("soixante", "60"), ("cent", "100"),
];

/// The stop words of at least `min_chars` letters, accents folded: a typo may stand for one
/// (« ecore » for « encore »), and the index, which holds none, cannot offer it as a correction.
pub fn stop_words_folded(min_chars: usize) -> Vec<String> {
    let mut words: Vec<String> = STOP_WORDS
        .iter()
        .map(|w| w.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect::<String>())
        .filter(|w| w.chars().count() >= min_chars)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Unit abbreviations read as the word they stand for: "15h" finds "15 heures".
const UNIT_WORDS: &[(&str, &str)] = &[("h", "heures"), ("hrs", "heures"), ("min", "minutes")];

/// Words the French Snowball stemmer would merge with unrelated words of this field, and the
/// stem they get instead (folded forms), as Lucene's `StemmerOverrideFilter` does: "loyer" is
/// not "loi", "opposable" (DALO) is not "opposer", "visa" is not "viser", a "carte de résident"
/// is not a "condition de résidence", "formation" is not "format", "France" is not "français",
/// "fils" is not "file", "mars" is not "mari", "au-delà" is not "délai", "marié" is "mariage"
/// (Snowball makes it "mari", the husband), "épouse" (a wife) is not "épouser".
const STEM_OVERRIDES: &[(&str, &str)] = &[
    ("loyer", "loyer"), ("loyers", "loyer"), ("foyer", "foyer"), ("foyers", "foyer"),
    ("opposable", "opposabl"), ("opposables", "opposabl"), ("visa", "visa"), ("visas", "visa"),
    ("resident", "resident"), ("residents", "resident"), ("residente", "resident"), ("residentes", "resident"),
    ("residence", "residenc"), ("residences", "residenc"), ("formation", "formation"), ("formations", "formation"),
    ("france", "france"), ("fils", "fils"), ("mars", "mars"), ("dela", "dela"), ("devis", "devis"),
    ("departement", "departement"), ("departements", "departement"), ("cour", "cour"), ("cours", "cours"),
    ("via", "via"), ("entree", "entree"), ("entrees", "entree"), ("partie", "partie"), ("parties", "partie"),
    ("base", "base"), ("bases", "base"), ("lois", "loi"), ("marie", "mariag"),
    ("mariee", "mariag"), ("maries", "mariag"), ("mariees", "mariag"), ("marier", "mariag"),
    ("epouse", "epouse"), ("epouses", "epouse"),
];

/// Elided articles and pronouns stripped from the start of a token (`l'api` → `api`), with the
/// straight or the typographic apostrophe, as Lucene's ElisionFilter does.
const ELISIONS: &[&str] =
    &["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu", "presqu", "quelqu"];

/// A token filter that rewrites each token's text in place with a plain function: the elision
/// and number filters below are two of these.
#[derive(Clone, Copy)]
pub struct RewriteFilter(fn(&mut String));

/// Removes French elisions (`l'api` → `api`).
pub const ELISION_FILTER: RewriteFilter = RewriteFilter(strip_elision);
/// Reads chat abbreviations as the word they stand for (`pr` → `pour`), after lowercasing.
pub const CHAT_FILTER: RewriteFilter = RewriteFilter(read_chat_words);
/// Reads number words as digits (`trois` → `3`) and unit abbreviations as words (`h` →
/// `heures`), after lowercasing and folding.
pub const NUMBER_FILTER: RewriteFilter = RewriteFilter(read_numbers_and_units);

fn strip_elision(text: &mut String) {
    if let Some(cut) = elision_cut(text) {
        text.drain(..cut);
    }
}

fn read_chat_words(text: &mut String) {
    if let Some((_, reading)) = CHAT_WORDS.iter().find(|(word, _)| *word == text.as_str()) {
        text.clear();
        text.push_str(reading);
    }
}

fn read_numbers_and_units(text: &mut String) {
    if let Some((_, reading)) = NUMBER_WORDS.iter().chain(UNIT_WORDS).find(|(word, _)| *word == text.as_str()) {
        text.clear();
        text.push_str(reading);
    }
}

impl TokenFilter for RewriteFilter {
    type Tokenizer<T: Tokenizer> = RewriteWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RewriteWrapper<T> {
        RewriteWrapper(tokenizer, self.0)
    }
}

/// [`RewriteFilter`] applied to a tokenizer.
#[derive(Clone)]
pub struct RewriteWrapper<T>(T, fn(&mut String));

impl<T: Tokenizer> Tokenizer for RewriteWrapper<T> {
    type TokenStream<'a> = RewriteStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RewriteStream(self.0.token_stream(text), self.1)
    }
}

/// Token stream of [`RewriteWrapper`].
pub struct RewriteStream<S>(S, fn(&mut String));

impl<S: TokenStream> TokenStream for RewriteStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        (self.1)(&mut self.0.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// Byte length of the elided prefix (article and apostrophe) of a lowercased token.
fn elision_cut(text: &str) -> Option<usize> {
    let (i, apostrophe) = text.char_indices().find(|(_, c)| *c == '\'' || *c == '’')?;
    let rest = i + apostrophe.len_utf8();
    (ELISIONS.contains(&&text[..i]) && rest < text.len()).then_some(rest)
}

fn base() -> tantivy::tokenizer::TextAnalyzerBuilder<
    impl Tokenizer,
> {
    let tokenizer = WordTokenizer::default();
    let stop_words: Vec<String> = STOP_WORDS.iter().map(|w| (*w).to_string()).collect();
    TextAnalyzer::builder(tokenizer)
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(ELISION_FILTER)
        .filter(CHAT_FILTER)
        .filter(StopWordFilter::remove(stop_words))
        .filter(AsciiFoldingFilter)
        .filter(NUMBER_FILTER)
}

/// The stemmed French analyzer: folds accents before stemming.
pub fn stemmed() -> TextAnalyzer {
    base().filter(FrenchStemmer).build()
}

/// Turns a feminine form, accents already folded, into the masculine one before Snowball,
/// which conflates them only with their accents: folded, `refuse` (refusé) stems to `refus` but
/// `refusee` to `refuse`, `premier` to `premi` but `premiere` to `premier`. So `-ee(s)` →
/// `-e` (a past participle) and `-ere(s)` → `-er` after at least three letters (`premiere`,
/// `etrangeres`; not `mere`, `frere`).
fn fold_feminine(word: &mut String) {
    let singular = word.strip_suffix('s').unwrap_or(word);
    if let Some(stem) = singular.strip_suffix("ee")
        && stem.len() >= 2
    {
        word.truncate(stem.len() + 1);
    } else if let Some(stem) = singular.strip_suffix("ere")
        && stem.len() >= 3
    {
        word.truncate(stem.len() + 2);
    }
}

/// Snowball French stemming, except for the words of [`STEM_OVERRIDES`]; a feminine form
/// stems as the masculine (see [`fold_feminine`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct FrenchStemmer;

impl TokenFilter for FrenchStemmer {
    type Tokenizer<T: Tokenizer> = FrenchStemmerWrapper<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FrenchStemmerWrapper<T> {
        FrenchStemmerWrapper(tokenizer)
    }
}

/// [`FrenchStemmer`] applied to a tokenizer.
#[derive(Clone)]
pub struct FrenchStemmerWrapper<T>(T);

impl<T: Tokenizer> Tokenizer for FrenchStemmerWrapper<T> {
    type TokenStream<'a> = FrenchStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FrenchStemmerStream {
            tail: self.0.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::French),
            buffer: String::new(),
        }
    }
}

/// Token stream of [`FrenchStemmerWrapper`].
pub struct FrenchStemmerStream<S> {
    tail: S,
    stemmer: frostem::Stemmer,
    /// Swapped with the token's text when the stem is a slice of it (no allocation per token).
    buffer: String,
}

impl<S: TokenStream> TokenStream for FrenchStemmerStream<S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some((_, stem)) = STEM_OVERRIDES.iter().find(|(word, _)| *word == token.text) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        fold_feminine(&mut token.text);
        match self.stemmer.stem(&token.text) {
            std::borrow::Cow::Owned(stem) => token.text = stem,
            std::borrow::Cow::Borrowed(stem) => {
                self.buffer.clear();
                self.buffer.push_str(stem);
                std::mem::swap(&mut token.text, &mut self.buffer);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The unstemmed analyzer: same tokens, folded, not stemmed.
pub fn exact() -> TextAnalyzer {
    base().build()
}

/// Registers both analyzers on an index (needed every time an index is opened).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(STEMMED, stemmed());
    index.tokenizers().register(EXACT, exact());
}

/// Unicode NFC normalisation, so that decomposed accents (`e` + U+0301) tokenize as one letter.
pub fn normalize(text: &str) -> String {
    text.nfc().collect()
}

/// One analyzed token: position in the token stream and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyzed {
    /// Position (stop words leave gaps).
    pub position: usize,
    /// Byte offsets in the analyzed text.
    pub offset_from: usize,
    /// End byte offset.
    pub offset_to: usize,
    /// Stemmed form.
    pub stem: String,
    /// Unstemmed, folded form.
    pub exact: String,
    /// Whether the word was corrected (a typo) to a close one the index knows.
    pub corrected: bool,
}

/// Analyzes `text` with both analyzers and pairs their tokens by position.
pub fn analyze(stemmer: &mut TextAnalyzer, exacter: &mut TextAnalyzer, text: &str) -> Vec<Analyzed> {
    let mut out = Vec::new();
    let mut stream = stemmer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(Analyzed {
            position: t.position,
            offset_from: t.offset_from,
            offset_to: t.offset_to,
            stem: t.text.clone(),
            exact: String::new(),
            corrected: false,
        });
    }
    let mut stream = exacter.token_stream(text);
    let mut i = 0;
    while let Some(t) = stream.next() {
        if let Some(a) = out.get_mut(i).filter(|a| a.position == t.position) {
            a.exact = t.text.clone();
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        let mut s = stemmed();
        let mut e = exact();
        analyze(&mut s, &mut e, &normalize(text)).into_iter().map(|a| a.stem).collect()
    }

    #[test]
    fn elision_and_apostrophes() {
        assert_eq!(stems("l'attestation"), stems("attestation"));
        assert_eq!(stems("d’allocations"), stems("allocations"));
        assert_eq!(stems("jusqu'au"), Vec::<String>::new());
        assert_eq!(elision_cut("aujourd'hui"), None);
    }

    #[test]
    fn accents_fold_before_stemming() {
        for (a, b) in [("réfugiés", "refugies"), ("récépissé", "recepisse"), ("sécurité", "securite"), ("préfecture", "prefecture")] {
            assert_eq!(stems(a), stems(b), "{a} / {b}");
        }
        // Decomposed accents (NFD) as typed on some keyboards.
        assert_eq!(stems("re\u{301}fugie\u{301}"), stems("réfugié"));
    }

    #[test]
    fn chat_abbreviations_read_as_the_words_they_stand_for() {
        assert_eq!(stems("aide pr le loyer"), stems("aide pour le loyer"));
        assert_eq!(stems("bcp de dettes"), stems("beaucoup de dettes"));
        assert_eq!(stems("ki paye"), stems("qui paye"));
        assert_eq!(stems("il doit kan meme declarer"), stems("il doit quand meme declarer"));
        assert_eq!(stems("qqn peut l aider"), stems("quelqu'un peut l aider"));
        // An acronym of the field is not a chat word: PA is the prime d'activité.
        assert_ne!(stems("PA"), stems("pas"));
    }

    #[test]
    fn number_words_read_as_digits() {
        assert_eq!(stems("trois mois"), stems("3 mois"));
        assert_eq!(stems("Cinq ans"), stems("5 ans"));
    }

    #[test]
    fn numbers_glued_to_units_read_as_spaced() {
        assert_eq!(stems("15h par semaine"), stems("15 heures par semaine"));
        assert_eq!(stems("les 15 h"), stems("15 heures"));
        assert_eq!(stems("1ère demande"), stems("1 demande"));
        assert_eq!(stems("25ans"), stems("25 ans"));
        // Letters then digits stay one word: language levels, form numbers.
        assert_eq!(stems("B1 F39530"), ["b1", "f39530"]);
    }

    #[test]
    fn overridden_words_keep_their_own_stem() {
        for (a, b) in [("loyer", "loi"), ("opposable", "opposer"), ("visa", "viser"), ("résident", "résidence"), ("formation", "format"), ("France", "français"), ("marié", "mari"), ("épouse", "épouser")] {
            assert_ne!(stems(a), stems(b), "{a} / {b}");
        }
        for (a, b) in [("loyers", "loyer"), ("résidents", "résident"), ("Formations", "formation"), ("visas", "visa"), ("mariée", "mariage"), ("mariés", "marier")] {
            assert_eq!(stems(a), stems(b), "{a} / {b}");
        }
        // Other words are stemmed as before.
        assert_eq!(stems("logements"), stems("logement"));
    }

    #[test]
    fn feminine_forms_stem_as_masculine() {
        for (a, b) in [
            ("refusé", "refusée"),
            ("refusés", "refusées"),
            ("réfugié", "réfugiée"),
            ("réfugiés", "refugiees"),
            ("mariés", "mariée"),
            ("protégé", "protégée"),
            ("hébergé", "hébergées"),
            ("arriver", "arrivée"),
            ("divorcé", "divorcee"),
            ("premier", "première"),
            ("étranger", "étrangères"),
            ("régulier", "régulière"),
            ("dernier", "dernières"),
        ] {
            assert_eq!(stems(a), stems(b), "{a} / {b}");
        }
        // Words that merely end in -e keep their stem.
        assert_eq!(stems("née"), stems("né"));
        assert_ne!(stems("entrée"), stems("entre"));
        assert_eq!(stems("refuse"), stems("refus"));
    }

    #[test]
    fn long_stop_words_are_listed_folded() {
        let words = stop_words_folded(5);
        assert!(words.contains(&"encore".to_string()) && words.contains(&"etaient".to_string()), "{words:?}");
        assert!(!words.iter().any(|w| w.chars().count() < 5 || w.contains('é')), "{words:?}");
    }

    #[test]
    fn negations_survive() {
        let s = stems("il n'a pas de titre");
        assert!(s.contains(&"pas".to_string()), "{s:?}");
        assert!(s.iter().any(|t| t.starts_with("titr")), "{s:?}");
    }

    #[test]
    fn exact_twin_is_unstemmed() {
        let mut s = stemmed();
        let mut e = exact();
        let a = analyze(&mut s, &mut e, "Les allocations CAF");
        assert_eq!(a.iter().map(|t| t.exact.as_str()).collect::<Vec<_>>(), ["allocations", "caf"]);
        assert_eq!(a[0].position, 1);
    }

    #[test]
    fn tokenizer_matches_the_reference_regex() {
        let re = regex::Regex::new(r"[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*").unwrap();
        for text in [
            "l'attestation d’allocations, aujourd'hui ; L.424-1 et R.431-15-3 !",
            "''début' fin'' x'y'z  é\u{301}té 2026-11-27 🙂 mot’ ’mot",
            "",
            "   ",
        ] {
            let expected: Vec<(usize, usize)> = re.find_iter(text).map(|m| (m.start(), m.end())).collect();
            let mut tokenizer = WordTokenizer::default();
            let mut stream = tokenizer.token_stream(text);
            let mut got = Vec::new();
            while let Some(t) = stream.next() {
                got.push((t.offset_from, t.offset_to));
            }
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn junk_gives_no_tokens_and_no_panic() {
        for text in ["", "   ", "?!…", "🙂🙏", "\u{0}\u{7}", "\"():*^~", "'", "’’l’"] {
            let _ = stems(text);
        }
        assert!(stems("🙂 ?!").is_empty());
    }
}
