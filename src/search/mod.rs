//! French full-text search over articles and expert answers (tantivy).
//!
//! A question is analyzed into concepts (words, or synonym-group matches); each concept becomes
//! a disjunction over fields and alternatives, and the concepts are summed (BM25). The first hits
//! are then re-ranked by their closest single question phrasing: BM25 pools an entry's
//! phrasings, and cannot see that one of them asks this very question. The per-concept
//! contribution to each top hit is kept: the answer-or-escalate decision is made from it and
//! from the text scores.
//!
//! Layout: [`analyzer`] (French analysis), [`query`] (concepts and synonyms), `schema` (fields
//! and entries), `index` (open, rebuild, update, commit payload), `snippet` (the answer card's
//! extract, over cached analyses).

pub mod analyzer;
mod index;
pub mod query;
mod schema;
mod snippet;

use std::path::Path;

use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::collector::TopDocs;
use tantivy::query::EnableScoring;
use tantivy::{DocAddress, DocSet, Executor, Searcher, TERMINATED, TantivyDocument, Term};

pub use index::{BuildLock, IndexState, Staleness, build_lock};
pub use query::{Concept, Correction, SynonymMatcher};
pub use schema::{Entry, EntryKind, StoredEntry};

use crate::knowledge::Synonyms;

/// BM25's k1, fixed in tantivy.
const K1: f32 = 1.2;
/// How much of a clause's weight comes from its own field's idf rather than the concept's
/// idf across fields (0: concept only). A little keeps a title match of a word common in
/// bodies meaningful.
const FIELD_IDF_SHARE: f32 = 0.25;
/// Boost of the unstemmed field.
const EXACT_BOOST: f32 = 0.5;
/// Shortest word a typo is corrected in.
const MIN_CORRECTED_LEN: usize = 5;
/// Share of the other fields' scores added to the best field's.
const TIE_BREAKER: f32 = 0.1;
/// How many hits get per-concept scores (the decision looks at the first only).
const DETAILED_HITS: usize = 1;
/// How much the closest phrasing counts: the first hits' scores are multiplied by one plus
/// this times their [`phrasing_similarity`] to the question.
const PHRASING_WEIGHT: f32 = 1.0;
/// How many of the first hits are re-ranked by their closest phrasing.
const RERANK_DEPTH: usize = 3;
/// Longest extract shown on an answer card, in bytes.
const SNIPPET_CHARS: usize = 220;
/// From this many documents, the segments of the index are searched in parallel.
const PARALLEL_MIN_DOCS: u64 = 20_000;

/// What the search knows of one concept of the question.
#[derive(Debug, Clone)]
pub struct ConceptInfo {
    /// The words as typed.
    pub text: String,
    /// Inverse document frequency of its best alternative (0 when unknown to the index).
    pub idf: f32,
    /// Whether any alternative occurs in the index.
    pub known: bool,
    /// The words searched for instead of those typed, when a typo was corrected to find it.
    pub corrected: Option<String>,
    /// Whether it came from a synonym group.
    pub synonym: bool,
    /// The highest score it can add to a document (BM25 saturation bound).
    pub max_score: f32,
    /// Whether it is a complement of the previous concept (see [`query::Concept::complement`]).
    pub complement: bool,
    /// Every form searched for, as its stems in order (stop words left out): the words typed
    /// (or their correction) first and, for a synonym group, each of the group's terms.
    pub forms: Vec<Vec<String>>,
}

/// One hit.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Stored fields of the entry.
    pub entry: StoredEntry,
    /// Ranking score: the BM25 score, re-ranked by the closest phrasing for the first hits.
    pub score: f32,
    /// BM25 score of the text alone.
    pub text_score: f32,
    /// How closely its best question phrasing says what the question says, in [0,1] (0 for
    /// hits beyond the re-ranked first ones).
    pub phrasing: f32,
    /// Contribution of each concept to the BM25 score (same order as [`SearchOutcome::concepts`]);
    /// filled for the first hit only (or as many as [`SearchIndex::search_detailed`] asks).
    pub concept_scores: Vec<f32>,
}

/// The result of a search.
#[derive(Debug, Clone, Default)]
pub struct SearchOutcome {
    /// The concepts of the question.
    pub concepts: Vec<ConceptInfo>,
    /// Hits, best first.
    pub hits: Vec<Hit>,
    /// Number of documents in the index.
    pub num_docs: u64,
    /// The question's stems and their weights, to highlight them in a snippet.
    pub highlight: std::collections::BTreeMap<String, f32>,
}

/// The search index of one process.
pub struct SearchIndex {
    store: index::Store,
    matcher: SynonymMatcher,
    stemmer: TextAnalyzer,
    exacter: TextAnalyzer,
    /// Threads that search the segments of a large index in parallel (made on first use).
    parallel: std::sync::OnceLock<Option<Executor>>,
    /// Number of documents from which the segments are searched in parallel.
    parallel_from: u64,
    /// Stop words a typo may stand for (folded, at least [`MIN_CORRECTED_LEN`] letters).
    stop_words: Vec<String>,
    /// Term statistics of the current searcher generation, shared by every search.
    term_cache: std::sync::Mutex<TermCache>,
    /// Analysed texts for the answer cards' extracts.
    snippets: snippet::Snippets,
}

/// Document frequencies and stem weights ([`SearchIndex::stem_weight`]) looked up since the index
/// last changed. A search looks up about a hundred terms (every concept in every field) and
/// re-ranking weighs a few hundred stems of its first hits' phrasings, each a term-dictionary
/// lookup per segment: most are the same from one search to the next.
#[derive(Default)]
struct TermCache {
    /// The searcher generation the statistics were read from.
    generation: u64,
    doc_freqs: std::collections::HashMap<Term, u64>,
    stem_weights: std::collections::HashMap<String, f32>,
}

/// Entries kept in [`TermCache`] before it starts again (a few MB at most).
const TERM_CACHE_MAX: usize = 100_000;

impl TermCache {
    /// The cache for `generation`, emptied when it held another one's statistics or grew too big.
    fn of(cache: &std::sync::Mutex<TermCache>, generation: u64) -> std::sync::MutexGuard<'_, TermCache> {
        let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.generation != generation || cache.doc_freqs.len() + cache.stem_weights.len() >= TERM_CACHE_MAX {
            cache.generation = generation;
            cache.doc_freqs.clear();
            cache.stem_weights.clear();
        }
        cache
    }
}

impl SearchIndex {
    /// Opens (or creates) the index in `dir`, with the curators' synonyms.
    pub fn open(dir: &Path, synonyms: &Synonyms) -> anyhow::Result<Self> {
        Ok(Self::with_store(index::Store::open(dir)?, synonyms))
    }

    /// A fresh in-memory index.
    pub fn in_memory(synonyms: &Synonyms) -> anyhow::Result<Self> {
        Ok(Self::with_store(index::Store::in_memory()?, synonyms))
    }

    fn with_store(store: index::Store, synonyms: &Synonyms) -> Self {
        SearchIndex {
            store,
            matcher: SynonymMatcher::new(synonyms),
            stemmer: analyzer::stemmed(),
            exacter: analyzer::exact(),
            parallel: std::sync::OnceLock::new(),
            parallel_from: PARALLEL_MIN_DOCS,
            stop_words: analyzer::stop_words_folded(MIN_CORRECTED_LEN),
            term_cache: Default::default(),
            snippets: Default::default(),
        }
    }

    /// Whether (and why) the index must be rebuilt for this knowledge content.
    pub fn staleness(&self, content_hash: &str) -> Staleness {
        self.store.staleness(content_hash)
    }

    /// What the last commit recorded.
    pub fn state(&self) -> IndexState {
        self.store.state()
    }

    /// Whether this process holds the writer.
    pub fn is_writable(&self) -> bool {
        self.store.writer.is_some()
    }

    /// Replaces the whole index; `progress` is called with the number of entries written.
    pub fn rebuild(
        &self,
        entries: &mut dyn Iterator<Item = Entry>,
        content_hash: &str,
        answers_seq: i64,
        progress: &dyn Fn(u64),
    ) -> anyhow::Result<u64> {
        self.store.rebuild(entries, content_hash, answers_seq, progress)
    }

    /// Adds or replaces entries and deletes others, then commits: visible on return.
    pub fn apply(&self, upserts: &[Entry], deletes: &[String], answers_seq: i64) -> anyhow::Result<()> {
        self.store.apply(upserts, deletes, answers_seq)
    }

    /// Number of entries.
    pub fn num_docs(&self) -> u64 {
        self.store.reader.searcher().num_docs()
    }

    /// Analyzes a question into concepts, typos corrected (exposed for diagnostics and tests).
    pub fn concepts(&self, text: &str) -> Vec<Concept> {
        let searcher = self.store.reader.searcher();
        let stats = Stats::new(&searcher, stats_docs(&searcher), &self.term_cache);
        self.concepts_with(&stats, text)
    }

    fn concepts_with(&self, stats: &Stats<'_>, text: &str) -> Vec<Concept> {
        let (mut stemmer, mut exacter) = (self.stemmer.clone(), self.exacter.clone());
        let mut correct = |token: &analyzer::Analyzed, typed: &str| self.correction(stats, token, typed);
        query::concepts(text, &self.matcher, &mut stemmer, &mut exacter, &mut correct)
    }

    /// Typo tolerance: for a word the index knows in no form, the closest word of the titles,
    /// tags and question phrasings, one edit away (two from eight letters; swapping two letters
    /// is one edit). The fewest edits win, then the longest common start (typos are rarely in
    /// the first letters: "partent" is "partant" rather than "parent"), then the most frequent.
    /// Names ("Montreuil") are left alone: only the question's first word may be capitalised
    /// and corrected; so are correctly spelled French words (« chasse » is not « classe »). A stop word at least as close wins (« ecore » is « encore », not « école »):
    /// the index holds none, and they are the commonest words of any question.
    fn correction(&self, stats: &Stats<'_>, token: &analyzer::Analyzed, typed: &str) -> Option<Correction> {
        let f = &self.store.fields;
        let len = token.exact.chars().count();
        let capitalised = typed.chars().next().is_some_and(char::is_uppercase);
        if len < MIN_CORRECTED_LEN || token.exact.chars().all(|c| c.is_ascii_digit()) || (capitalised && token.offset_from > 0) {
            return None;
        }
        let known = |field: Field, text: &str| stats.doc_freq(&Term::from_field_text(field, text)).unwrap_or(0) > 0;
        if known(f.exact, &token.exact) || f.stemmed_boosts().iter().any(|(field, _)| known(*field, &token.stem)) {
            return None;
        }
        // A correctly spelled French word the index does not know names something the knowledge
        // does not cover (« permis de chasse »): taking it for a typo of a known word (« classe »)
        // would answer another question.
        if crate::lexicon::is_french_word(typed) {
            return None;
        }
        let distance = if len >= 8 { 2 } else { 1 };
        let stop_word =
            self.stop_words.iter().map(|w| strsim::osa_distance(&token.exact, w)).filter(|d| *d <= distance as usize).min();
        let automaton = FuzzyTermQuery::new(Term::from_field_text(f.exact, &token.exact), distance, true).automaton().ok()?;
        // Candidates from every segment, ranked with their frequency in the whole index (a
        // segment's own count would make the choice depend on how entries were split).
        let mut words = std::collections::BTreeSet::new();
        for segment in stats.searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(f.exact) else { continue };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else { continue };
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    words.insert(word.to_string());
                }
            }
        }
        let best = words
            .into_iter()
            .map(|word| {
                let prefix = token.exact.chars().zip(word.chars()).take_while(|(a, b)| a == b).count();
                let doc_freq = stats.doc_freq(&Term::from_field_text(f.exact, &word)).unwrap_or(0);
                (strsim::osa_distance(&token.exact, &word), std::cmp::Reverse(prefix), std::cmp::Reverse(doc_freq), word)
            })
            .min();
        if let Some(d) = stop_word
            && best.as_ref().is_none_or(|(word_distance, ..)| d <= *word_distance)
        {
            return Some(Correction::StopWord);
        }
        let (_, _, _, word) = best?;
        let analyzed = analyzer::analyze(&mut self.stemmer.clone(), &mut self.exacter.clone(), &word);
        let first = analyzed.into_iter().next()?;
        Some(Correction::Word { stem: first.stem, exact: first.exact })
    }

    /// The stems of `text` weighted by their idf (words unknown to the index weigh as rare
    /// ones): used to compare two questions.
    pub fn term_weights(&self, text: &str) -> std::collections::HashMap<String, f32> {
        let searcher = self.store.reader.searcher();
        let n = stats_docs(&searcher);
        let stats = Stats::new(&searcher, n, &self.term_cache);
        let tokens = analyzer::analyze(&mut self.stemmer.clone(), &mut self.exacter.clone(), &analyzer::normalize(text));
        tokens
            .into_iter()
            .map(|t| {
                let weight = self.cached_stem_weight(&stats, &t.stem, n);
                (t.stem, weight)
            })
            .collect()
    }

    /// The idf of a stem in the field where it is most common (a word unknown to the index
    /// weighs as a rare one).
    fn stem_weight(&self, stats: &Stats<'_>, stem: &str, num_docs: u64) -> f32 {
        let n = num_docs.max(1);
        let df = self
            .store
            .fields
            .stemmed_boosts()
            .iter()
            .map(|(field, _)| stats.doc_freq(&Term::from_field_text(*field, stem)).unwrap_or(0))
            .max()
            .unwrap_or(0);
        if df == 0 { idf(1, n.max(2)) } else { idf(df, n) }
    }

    /// [`Self::stem_weight`] through the cache of this searcher's generation.
    fn cached_stem_weight(&self, stats: &Stats<'_>, stem: &str, num_docs: u64) -> f32 {
        if let Some(w) = TermCache::of(&self.term_cache, stats.generation).stem_weights.get(stem) {
            return *w;
        }
        let weight = self.stem_weight(stats, stem, num_docs);
        TermCache::of(&self.term_cache, stats.generation).stem_weights.insert(stem.to_string(), weight);
        weight
    }

    /// Searches `text` (raw user input) and returns up to `limit` hits, the first with its
    /// per-concept scores.
    pub fn search(&self, text: &str, limit: usize) -> anyhow::Result<SearchOutcome> {
        self.search_detailed(text, limit, DETAILED_HITS)
    }

    /// As [`Self::search`], with per-concept scores for the first `detailed` hits (diagnostics:
    /// why one entry ranks above another).
    pub fn search_detailed(&self, text: &str, limit: usize, detailed: usize) -> anyhow::Result<SearchOutcome> {
        let searcher = self.store.reader.searcher();
        let num_docs = searcher.num_docs();
        let stats_n = stats_docs(&searcher);
        let stats = Stats::new(&searcher, stats_n, &self.term_cache);
        let concepts = self.concepts_with(&stats, text);
        if concepts.is_empty() || num_docs == 0 || limit == 0 {
            return Ok(SearchOutcome { num_docs, ..Default::default() });
        }
        let mut infos = Vec::with_capacity(concepts.len());
        let mut leaves = Vec::with_capacity(concepts.len());
        for concept in &concepts {
            let (clauses, info) = self.concept_clauses(&stats, concept, stats_n)?;
            infos.push(info);
            leaves.push(clauses);
        }
        let full = BooleanQuery::new(leaves.iter().map(|c| (Occur::Should, dis_max(c))).collect());
        let collector = TopDocs::with_limit(limit).order_by_score();
        let scoring = EnableScoring::enabled_from_statistics_provider(&stats, &searcher);
        let top = searcher.search_with_executor(&full, &collector, self.executor(&searcher, stats_n), scoring)?;
        let mut ranked = Vec::with_capacity(top.len());
        for (score, address) in top {
            ranked.push(Ranked { score, text_score: score, phrasing: 0.0, address, doc: searcher.doc(address)? });
        }
        // The first hits are re-ranked by how closely one of their question phrasings
        // says what the question says: BM25 pools all the phrasings of an entry, so it cannot
        // tell an entry one of whose phrasings asks this very question from one whose phrasings
        // each share a few of its words.
        let depth = ranked.len().min(RERANK_DEPTH);
        let mut stem_weight = |stem: &str| self.cached_stem_weight(&stats, stem, stats_n);
        for hit in &mut ranked[..depth] {
            let lines = schema::phrasing_lines(&hit.doc, &self.store.fields);
            hit.phrasing = phrasing_similarity(&concepts, &infos, lines, &mut stem_weight);
            hit.score *= 1.0 + PHRASING_WEIGHT * hit.phrasing;
        }
        ranked[..depth].sort_by(|a, b| b.score.total_cmp(&a.score));
        let addresses: Vec<DocAddress> = ranked.iter().map(|hit| hit.address).collect();
        let detailed = &addresses[..addresses.len().min(detailed)];
        let per_concept = concept_scores(&stats, &leaves, detailed)?;

        // Highlight the words of the question itself (their stems), weighted by their concept's
        // idf: no further term statistics to look up.
        let highlight = concepts
            .iter()
            .zip(&infos)
            .flat_map(|(c, info)| c.alternatives[0].stems.iter().map(move |(_, t)| (t.clone(), info.idf)))
            .collect();
        let mut hits = Vec::with_capacity(ranked.len());
        for (i, hit) in ranked.into_iter().enumerate() {
            hits.push(Hit {
                entry: StoredEntry::from_document(&hit.doc, &self.store.fields),
                score: hit.score,
                text_score: hit.text_score,
                phrasing: hit.phrasing,
                concept_scores: per_concept.get(i).cloned().unwrap_or_default(),
            });
        }
        Ok(SearchOutcome { concepts: infos, hits, num_docs, highlight })
    }

    /// How to search the segments: in parallel on a large index split into several segments
    /// (latency, on an idle machine, goes down about as the number of cores), in this thread
    /// otherwise (a small index is searched faster than threads are woken).
    fn executor(&self, searcher: &Searcher, docs: u64) -> &Executor {
        static SINGLE: Executor = Executor::SingleThread;
        if docs < self.parallel_from || searcher.segment_readers().len() < 2 {
            return &SINGLE;
        }
        let pool = self.parallel.get_or_init(|| {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
            (threads > 1).then(|| Executor::multi_thread(threads, "svp-search-")).and_then(|made| {
                made.inspect_err(|e| tracing::warn!(error = %e, "no search threads; searching in one thread")).ok()
            })
        });
        pool.as_ref().unwrap_or(&SINGLE)
    }

    /// An extract of `text` around the question's words, those in `**bold**`.
    pub fn snippet(&self, outcome: &SearchOutcome, text: &str) -> String {
        self.snippets.render(&self.stemmer, &outcome.highlight, text, SNIPPET_CHARS)
    }

    /// The clauses of one concept (every field and alternative), scored together as their best
    /// one plus [`TIE_BREAKER`] of the others (see [`dis_max`]).
    ///
    /// A phrase that contains a shorter alternative ("statut de réfugié" and "réfugié") is
    /// searched in titles only, where it says what the entry is about; elsewhere the shorter
    /// form finds the same entries, and a phrase of common words is the costliest clause on a
    /// large index (a third of the search time at 100,000 entries; the evaluation sets rank as
    /// before).
    ///
    /// Every clause is rescaled so that it carries mostly the concept's idf (from its document
    /// frequency in any field and form) rather than the idf of its own field: a word rare in
    /// titles but present in every body is a common word, and a synonym does not outweigh the
    /// word typed.
    fn concept_clauses(
        &self,
        searcher: &Stats<'_>,
        concept: &Concept,
        num_docs: u64,
    ) -> anyhow::Result<(Vec<Box<dyn Query>>, ConceptInfo)> {
        let f = &self.store.fields;
        let mut clauses: Vec<(Box<dyn Query>, f32, f32)> = Vec::new();
        let mut concept_df = 0u64;
        for alt in &concept.alternatives {
            let targets = f.stemmed_boosts().map(|(field, boost)| (field, boost, &alt.stems));
            let refines = refines_another(alt, &concept.alternatives);
            for (field, boost, tokens) in targets.into_iter().chain([(f.exact, EXACT_BOOST, &alt.exact)]) {
                if refines && field != f.title {
                    continue;
                }
                if let Some((clause_idf, df)) = term_stats(searcher, field, tokens, num_docs)? {
                    concept_df = concept_df.max(df);
                    clauses.push((term_or_phrase(field, tokens), boost * alt.weight, clause_idf));
                }
            }
        }
        let concept_idf = if concept_df > 0 { idf(concept_df, num_docs) } else { 0.0 };
        let disjuncts: Vec<Box<dyn Query>> = clauses
            .into_iter()
            .map(|(query, boost, clause_idf)| {
                let clause_idf = clause_idf.max(1e-3);
                let target = concept_idf.powf(1.0 - FIELD_IDF_SHARE) * clause_idf.powf(FIELD_IDF_SHARE);
                boosted(query, boost * target / clause_idf)
            })
            .collect();
        let known = !disjuncts.is_empty();
        let max_boost = f.stemmed_boosts().iter().map(|(_, b)| *b).fold(EXACT_BOOST, f32::max);
        let info = ConceptInfo {
            text: concept.text.clone(),
            idf: concept_idf,
            known,
            corrected: concept.corrected.then(|| {
                concept.alternatives[0].exact.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" ")
            }),
            synonym: concept.group.is_some(),
            max_score: concept_idf * (K1 + 1.0) * max_boost,
            complement: concept.complement,
            forms: concept.alternatives.iter().map(|alt| alt.stems.iter().map(|(_, s)| s.clone()).collect()).collect(),
        };
        Ok((disjuncts, info))
    }
}

/// A hit while it is ranked.
struct Ranked {
    score: f32,
    text_score: f32,
    phrasing: f32,
    address: DocAddress,
    doc: TantivyDocument,
}

/// How closely the best of an entry's phrasings says what the question says, in [0,1]: the
/// weight (idf) of the question's concepts it holds, over that of all the question's concepts
/// plus that of its own other words (a weighted Jaccard index; a concept is held when every
/// stem of one of its forms is in the phrasing).
fn phrasing_similarity<'d>(
    concepts: &[Concept],
    infos: &[ConceptInfo],
    phrasings: impl Iterator<Item = Vec<&'d str>>,
    stem_weight: &mut dyn FnMut(&str) -> f32,
) -> f32 {
    let total: f32 = infos.iter().map(|c| c.idf).sum();
    if total <= 0.0 {
        return 0.0;
    }
    // Each phrasing that holds a concept, with the weight of those it holds and the forms it
    // holds them in (most phrasings hold none: nothing is allocated for them).
    let mut candidates: Vec<(f32, Vec<&str>, Vec<&query::Alternative>)> = phrasings
        .filter_map(|stems| {
            let mut held = 0f32;
            let mut forms = Vec::new();
            for (concept, info) in concepts.iter().zip(infos) {
                let form = concept.alternatives.iter().find(|a| a.stems.iter().all(|(_, s)| stems.contains(&s.as_str())));
                if let Some(form) = form {
                    held += info.idf;
                    forms.push(form);
                }
            }
            (held > 0.0).then_some((held, stems, forms))
        })
        .collect();
    // Most held first: a phrasing that cannot beat the best so far, even with no other word,
    // needs no word weights.
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut best = 0f32;
    for (held, stems, forms) in candidates {
        if held / total <= best {
            break;
        }
        let mut counted: Vec<&str> = Vec::new();
        let mut other = 0f32;
        for stem in &stems {
            let used = forms.iter().any(|form| form.stems.iter().any(|(_, s)| s == stem));
            if !used && !counted.contains(stem) {
                counted.push(stem);
                other += stem_weight(stem);
            }
        }
        best = best.max(held / (total + other));
    }
    best
}

/// One concept's query: the best of its clauses plus [`TIE_BREAKER`] of the others.
fn dis_max(clauses: &[Box<dyn Query>]) -> Box<dyn Query> {
    match clauses {
        [] => Box::new(tantivy::query::EmptyQuery),
        [one] => one.box_clone(),
        _ => Box::new(DisjunctionMaxQuery::with_tie_breaker(clauses.iter().map(|c| c.box_clone()).collect(), TIE_BREAKER)),
    }
}

/// Whether `alt` is a phrase holding every word of a shorter alternative of its concept.
fn refines_another(alt: &query::Alternative, alternatives: &[query::Alternative]) -> bool {
    alt.stems.len() > 1
        && alternatives.iter().any(|other| {
            other.stems.len() < alt.stems.len() && other.stems.iter().all(|(_, s)| alt.stems.iter().any(|(_, a)| a == s))
        })
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

fn term_or_phrase(field: Field, tokens: &[(usize, String)]) -> Box<dyn Query> {
    if let [(_, t)] = tokens {
        Box::new(TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs))
    } else {
        let terms = tokens.iter().map(|(p, t)| (*p, Term::from_field_text(field, t))).collect();
        // A little slop tolerates stop words the user added or left out ("caisse des allocations").
        Box::new(PhraseQuery::new_with_offset_and_slop(terms, 2))
    }
}

/// For a term or a phrase in `field`: the idf tantivy gives it (summed over a phrase's terms) and
/// an estimate of its document frequency (the rarest term's); `None` when a term is absent.
fn term_stats(
    searcher: &Stats<'_>,
    field: Field,
    tokens: &[(usize, String)],
    num_docs: u64,
) -> anyhow::Result<Option<(f32, u64)>> {
    let mut sum = 0f32;
    let mut min_df = u64::MAX;
    for (_, t) in tokens {
        let df = searcher.doc_freq(&Term::from_field_text(field, t))?;
        if df == 0 {
            return Ok(None);
        }
        sum += idf(df, num_docs);
        min_df = min_df.min(df);
    }
    Ok((!tokens.is_empty()).then_some((sum, min_df)))
}

/// BM25 statistics for one search, each document frequency looked up once per searcher
/// generation ([`TermCache`]): the concept weighting and tantivy's scorers ask for the same
/// terms, and so does the next search.
struct Stats<'a> {
    searcher: &'a Searcher,
    docs: u64,
    generation: u64,
    cache: &'a std::sync::Mutex<TermCache>,
}

impl<'a> Stats<'a> {
    fn new(searcher: &'a Searcher, docs: u64, cache: &'a std::sync::Mutex<TermCache>) -> Self {
        Stats { searcher, docs, generation: searcher.generation().generation_id(), cache }
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(df) = TermCache::of(self.cache, self.generation).doc_freqs.get(term) {
            return Ok(*df);
        }
        let df = self.searcher.doc_freq(term)?;
        TermCache::of(self.cache, self.generation).doc_freqs.insert(term.clone(), df);
        Ok(df)
    }
}

impl tantivy::query::Bm25StatisticsProvider for Stats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        tantivy::query::Bm25StatisticsProvider::total_num_tokens(self.searcher, field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Stats::doc_freq(self, term)
    }
}

/// The document count BM25 statistics use: every document slot, deleted ones included, as
/// document frequencies count them too (until segments merge).
fn stats_docs(searcher: &Searcher) -> u64 {
    searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum()
}

/// BM25 inverse document frequency, as tantivy computes it (never negative).
pub fn idf(doc_freq: u64, num_docs: u64) -> f32 {
    let (df, n) = (doc_freq.min(num_docs) as f32, num_docs as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// For each document, the score each concept gives it (0 when it does not match). Each clause
/// is scored on its own (a term or phrase scorer skips straight to the document) and combined
/// as [`dis_max`] does: a union scorer would score a whole window of documents around it.
fn concept_scores(stats: &Stats<'_>, concepts: &[Vec<Box<dyn Query>>], docs: &[DocAddress]) -> anyhow::Result<Vec<Vec<f32>>> {
    let searcher = stats.searcher;
    // Per document and concept: the best clause score and the sum of them.
    let mut best_and_sum = vec![vec![(0f32, 0f32); concepts.len()]; docs.len()];
    let scoring = EnableScoring::enabled_from_statistics_provider(stats, searcher);
    for (c, clauses) in concepts.iter().enumerate() {
        for clause in clauses {
            let weight = clause.weight(scoring)?;
            for (i, &DocAddress { segment_ord, doc_id }) in docs.iter().enumerate() {
                let mut scorer = weight.scorer(searcher.segment_reader(segment_ord), 1.0)?;
                let mut at = scorer.doc();
                if at < doc_id {
                    at = scorer.seek(doc_id);
                }
                if at == doc_id && at != TERMINATED {
                    let (max, sum) = &mut best_and_sum[i][c];
                    let score = scorer.score();
                    (*max, *sum) = (max.max(score), *sum + score);
                }
            }
        }
    }
    let out = best_and_sum.into_iter().map(|row| row.into_iter().map(|(max, sum)| max + (sum - max) * TIE_BREAKER).collect()).collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: usize) -> Entry {
        let words = ["titre", "séjour", "réfugié", "logement", "caisse", "allocations", "carte", "résident", "travail", "langue"];
        let pick = |k: usize| words[(i * 7 + k * 3) % words.len()];
        Entry {
            id: format!("e{i}"),
            kind: EntryKind::Article,
            title: format!("{} {} {}", pick(0), pick(1), pick(2)),
            questions: vec![format!("{} {} ?", pick(3), pick(4))],
            tags: vec![pick(5).to_string()],
            body: format!("{} {} {} {}", pick(6), pick(7), pick(8), pick(i)),
            theme: "t".into(),
            payload: String::new(),
        }
    }

    #[test]
    fn parallel_search_ranks_as_one_thread() -> anyhow::Result<()> {
        let synonyms = Synonyms::default();
        let mut index = SearchIndex::in_memory(&synonyms)?;
        index.rebuild(&mut (0..300).map(entry), "h", 0, &|_| {})?;
        index.apply(&(300..400).map(entry).collect::<Vec<_>>(), &[], 1)?;
        assert!(index.store.reader.searcher().segment_readers().len() >= 2, "the test needs several segments");
        let question = "carte de résident pour un réfugié et son logement";
        let one_thread = index.search(question, 10)?;
        index.parallel_from = 0;
        let parallel = index.search(question, 10)?;
        let ranked = |o: &SearchOutcome| o.hits.iter().map(|h| (h.entry.id.clone(), h.score)).collect::<Vec<_>>();
        assert_eq!(ranked(&one_thread), ranked(&parallel));
        assert_eq!(one_thread.hits[0].concept_scores, parallel.hits[0].concept_scores);
        assert_eq!(parallel.hits.len(), 10);
        // The per-concept detail adds up to the score the search gave.
        let top = &parallel.hits[0];
        let sum: f32 = top.concept_scores.iter().sum();
        assert!((sum - top.text_score).abs() <= 1e-4 * top.text_score, "{sum} vs {}", top.text_score);
        Ok(())
    }

    #[test]
    fn an_entry_one_of_whose_phrasings_asks_the_question_is_ranked_first() -> anyhow::Result<()> {
        let index = SearchIndex::in_memory(&Synonyms::default())?;
        let legal_aid = Entry {
            id: "aide".into(),
            title: "Aide juridictionnelle".into(),
            questions: vec!["aide juridictionnelle pour un recours contre un refus de visa ?".into(), "barème de l'aide ?".into()],
            body: "L'aide juridictionnelle paie l'avocat.".into(),
            ..entry(0)
        };
        let visa = Entry {
            id: "visa".into(),
            title: "Refus de visa : recours".into(),
            questions: vec!["délai de recours contre un refus de visa ?".into(), "recours au tribunal après un refus de visa ?".into()],
            tags: vec!["visa".into(), "recours".into()],
            body: "Le refus de visa se conteste par un recours ; un avocat, parfois à l'aide juridictionnelle, aide au recours contre le refus de visa.".into(),
            ..entry(1)
        };
        index.rebuild(&mut [legal_aid, visa].into_iter(), "h", 0, &|_| {})?;
        let outcome = index.search("aide juridictionnelle : recours refus visa ?", 10)?;
        let ids: Vec<&str> = outcome.hits.iter().map(|h| h.entry.id.as_str()).collect();
        assert_eq!(ids, ["aide", "visa"]);
        // The text alone ranks the other entry first: the phrasing made the difference.
        assert!(outcome.hits[0].text_score < outcome.hits[1].text_score, "{:?}", outcome.hits);
        assert!(outcome.hits[0].score > outcome.hits[1].score);
        Ok(())
    }

    #[test]
    fn phrasing_similarity_weighs_the_concepts_held_against_all_words() {
        let index = SearchIndex::in_memory(&Synonyms::default()).unwrap();
        index.rebuild(&mut std::iter::empty(), "h", 0, &|_| {}).unwrap();
        let concepts = index.concepts("refus visa recours");
        let infos: Vec<ConceptInfo> = concepts
            .iter()
            .map(|c| ConceptInfo {
                text: c.text.clone(),
                idf: 1.0,
                known: true,
                corrected: None,
                synonym: false,
                max_score: 1.0,
                complement: false,
                forms: Vec::new(),
            })
            .collect();
        let stems = |text: &str| -> Vec<String> { concepts_stems(&index.concepts(text)) };
        let same = stems("le recours du refus de visa");
        let partial = stems("refus de visa");
        let longer = stems("refus de visa et recours au tribunal administratif");
        let similarity = |lines: &[&Vec<String>]| {
            let lines = lines.iter().map(|l| l.iter().map(String::as_str).collect::<Vec<_>>());
            phrasing_similarity(&concepts, &infos, lines, &mut |_| 1.0)
        };
        assert_eq!(similarity(&[&same]), 1.0);
        assert!((similarity(&[&partial]) - 2.0 / 3.0).abs() < 1e-6);
        assert!((similarity(&[&longer]) - 3.0 / 5.0).abs() < 1e-6, "{longer:?}");
        // The best phrasing counts.
        assert_eq!(similarity(&[&partial, &same, &longer]), 1.0);
        assert_eq!(similarity(&[&stems("logement social")]), 0.0);
    }

    fn concepts_stems(concepts: &[Concept]) -> Vec<String> {
        concepts.iter().map(|c| c.alternatives[0].stems[0].1.clone()).collect()
    }

    fn titled(id: &str, title: &str) -> Entry {
        Entry { id: id.into(), title: title.into(), body: format!("{title} texte"), ..entry(0) }
    }

    #[test]
    fn a_typo_is_corrected_to_the_word_most_frequent_in_the_whole_index() -> anyhow::Result<()> {
        // "maisom" is one edit from "maison" (6 entries, 2 per commit) and from "maisot"
        // (5 entries, one commit): the whole index's count decides, not one segment's.
        let index = SearchIndex::in_memory(&Synonyms::default())?;
        index.rebuild(&mut std::iter::empty(), "h", 0, &|_| {})?;
        let maisot: Vec<Entry> = (0..5).map(|i| titled(&format!("t{i}"), "maisot rouge")).collect();
        index.apply(&maisot, &[], 1)?;
        for batch in 0..3 {
            let maison: Vec<Entry> = (0..2).map(|i| titled(&format!("n{batch}-{i}"), "maison bleue")).collect();
            index.apply(&maison, &[], 2 + batch)?;
        }
        let concepts = index.concepts("une maisom");
        let corrected = concepts.iter().find(|c| c.corrected).expect("the typo is corrected");
        assert_eq!(corrected.alternatives[0].exact[0].1, "maison");
        Ok(())
    }

    #[test]
    fn a_correctly_spelled_word_is_not_taken_for_a_typo() -> anyhow::Result<()> {
        let index = SearchIndex::in_memory(&Synonyms::default())?;
        index.rebuild(&mut [titled("a", "permis de conduire de classe B")].into_iter(), "h", 0, &|_| {})?;
        // « chasse » is one edit from « classe », but it is a French word: not a typo.
        assert!(index.concepts("permis de chasse").iter().all(|c| !c.corrected));
        // « clase » is no word: it is corrected.
        assert!(index.concepts("permis de clase").iter().any(|c| c.corrected));
        Ok(())
    }
}
