//! A generated corpus: entries made of the knowledge base's own vocabulary, with its word
//! frequencies, so that analysis, posting-list lengths and query terms behave like real French
//! content at any size. Deterministic (seeded).

use crate::core::indexing;
use crate::knowledge::KnowledgeBase;
use crate::search::{Entry, EntryKind};

/// A small, fast, seeded generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// The words of the knowledge base, repeated as often as they occur (sampling follows their
/// frequency).
pub struct Vocabulary {
    words: Vec<String>,
}

impl Vocabulary {
    /// Every word of every published article.
    pub fn of(kb: &KnowledgeBase) -> Self {
        let mut words = Vec::new();
        for a in kb.published() {
            let text = format!("{} {} {} {}", a.title, a.tags.join(" "), a.questions.join(" "), a.body_text);
            words.extend(text.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string()).filter(|w| !w.is_empty()));
        }
        Vocabulary { words }
    }

    fn sentence(&self, rng: &mut Rng, n: usize) -> String {
        (0..n).map(|_| self.words[rng.below(self.words.len())].as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Entry number `i` of a generated corpus.
    pub fn entry(&self, rng: &mut Rng, i: usize) -> Entry {
        Entry {
            id: format!("gen-{i}"),
            kind: EntryKind::ExpertAnswer,
            title: self.sentence(rng, 8),
            questions: (0..3).map(|_| self.sentence(rng, 11)).collect(),
            tags: (0..4).map(|_| self.sentence(rng, 1)).collect(),
            body: self.sentence(rng, 90),
            theme: "generated".into(),
            payload: String::new(),
        }
    }
}

/// A corpus of `size` entries: the knowledge base's articles, then generated entries (seeded).
pub fn entries<'a>(kb: &'a KnowledgeBase, vocabulary: &'a Vocabulary, size: usize, seed: u64) -> impl Iterator<Item = Entry> + 'a {
    let mut rng = Rng::new(seed);
    indexing::article_entries(kb).chain((0..size.saturating_sub(49)).map(move |i| vocabulary.entry(&mut rng, i)))
}
