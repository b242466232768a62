//! The extract of an entry's text shown on an answer card: the window of at most `max_chars`
//! bytes whose words weigh the most in the question, those words in `**bold**`.
//!
//! It is the fragment tantivy's `SnippetGenerator` picks (windows cut greedily from the start,
//! the best score wins, the first on a tie), computed over a cached analysis of the text: an
//! article's body is analysed once, not at every answer (stemming a body took a quarter of the
//! bot's time per answered question).

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::tokenizer::TextAnalyzer;

/// Texts whose analysis is kept (the articles and recent expert answers); the cache starts
/// again beyond.
const CACHED_TEXTS: usize = 2_000;

/// One analysed word: its byte range in the text and its stem.
struct Token {
    from: usize,
    to: usize,
    stem: String,
}

/// A text and its analysis.
type Analysed = (Arc<str>, Arc<[Token]>);

/// Analysed texts by the hash of their content (the text is kept to rule out collisions).
#[derive(Default)]
pub(super) struct Snippets {
    cache: Mutex<HashMap<u64, Analysed>>,
}

/// A window of the text: its byte range and the byte ranges of the question's words in it.
struct Window {
    start: usize,
    stop: usize,
    score: f32,
    highlighted: Vec<(usize, usize)>,
}

impl Snippets {
    /// The extract of `text` for a question whose stems weigh `terms`, rendered with `**bold**`
    /// words and single spaces; empty when no word of the question is in the text.
    pub(super) fn render(&self, analyzer: &TextAnalyzer, terms: &BTreeMap<String, f32>, text: &str, max_chars: usize) -> String {
        let tokens = self.tokens(analyzer, text);
        let Some(Window { start, stop, highlighted, .. }) = best_window(&tokens, terms, max_chars) else {
            return String::new();
        };
        let mut out = String::with_capacity(stop - start + 16);
        let mut last = start;
        for (from, to) in highlighted {
            if from < last {
                continue;
            }
            out.push_str(&text[last..from]);
            out.push_str("**");
            out.push_str(&text[from..to]);
            out.push_str("**");
            last = to;
        }
        out.push_str(&text[last..stop]);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn tokens(&self, analyzer: &TextAnalyzer, text: &str) -> Arc<[Token]> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let key = hasher.finish();
        if let Some((cached, tokens)) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key)
            && **cached == *text
        {
            return tokens.clone();
        }
        let mut stream = analyzer.clone();
        let mut stream = stream.token_stream(text);
        let mut tokens = Vec::new();
        while let Some(t) = stream.next() {
            tokens.push(Token { from: t.offset_from, to: t.offset_to, stem: t.text.clone() });
        }
        let tokens: Arc<[Token]> = tokens.into();
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHED_TEXTS {
            cache.clear();
        }
        cache.insert(key, (Arc::from(text), tokens.clone()));
        tokens
    }
}

/// The best window, as tantivy's `search_fragments` and `select_best_fragment_combination`
/// choose it; `None` when no word of the question is in the text.
fn best_window(tokens: &[Token], terms: &BTreeMap<String, f32>, max_chars: usize) -> Option<Window> {
    let new = |start| Window { start, stop: start, score: 0.0, highlighted: Vec::new() };
    let mut best: Option<Window> = None;
    let mut keep = |w: Window| {
        // Strictly better only: on a tie the earlier window stays.
        if w.score > 0.0 && best.as_ref().is_none_or(|b| w.score > b.score) {
            best = Some(w);
        }
    };
    let mut window = new(0);
    for token in tokens {
        if token.to - window.start > max_chars {
            keep(std::mem::replace(&mut window, new(token.from)));
        }
        window.stop = token.to;
        if let Some(score) = terms.get(&token.stem) {
            window.score += score;
            window.highlighted.push((token.from, token.to));
        }
    }
    keep(window);
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same extract as tantivy's `SnippetGenerator`, on a text of several windows.
    #[test]
    fn picks_the_fragment_tantivy_picks() {
        let analyzer = crate::search::analyzer::stemmed();
        let text = "Le titre de séjour est délivré par la préfecture. ".repeat(3)
            + "Les réfugiés ont droit au RSA dès 18 ans, sans condition de cinq ans de séjour. "
            + &"Les allocations familiales sont versées par la CAF. ".repeat(3)
            + "Le RSA des réfugiés est versé par la CAF.";
        let mut terms = BTreeMap::new();
        for (word, weight) in [("rsa", 2.0), ("refugi", 1.0), ("caf", 0.5)] {
            terms.insert(word.to_string(), weight);
        }
        let tantivy = {
            let generator = tantivy::snippet::SnippetGenerator::new(terms.clone(), analyzer.clone(), tantivy::schema::Field::from_field_id(0), 120);
            let snippet = generator.snippet(&text);
            let mut out = String::new();
            let mut last = 0;
            for r in snippet.highlighted() {
                out.push_str(&snippet.fragment()[last..r.start]);
                out.push_str(&format!("**{}**", &snippet.fragment()[r.clone()]));
                last = r.end;
            }
            out.push_str(&snippet.fragment()[last..]);
            out.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let snippets = Snippets::default();
        let ours = snippets.render(&analyzer, &terms, &text, 120);
        assert!(ours.contains("**RSA**"), "{ours}");
        assert_eq!(ours, tantivy);
        // Served again from the cache, the same.
        assert_eq!(snippets.render(&analyzer, &terms, &text, 120), tantivy);
        // No word of the question in the text: nothing.
        assert_eq!(snippets.render(&analyzer, &terms, "Rien à voir ici.", 120), "");
    }
}
