//! The index schema and the documents it holds.

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};

use super::analyzer;

/// What an index entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A curated article from `knowledge/`.
    Article,
    /// A published expert answer from the ticket queue.
    ExpertAnswer,
}

impl EntryKind {
    /// The name used in the index and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Article => "article",
            EntryKind::ExpertAnswer => "expert_answer",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "expert_answer" { EntryKind::ExpertAnswer } else { EntryKind::Article }
    }
}

/// One searchable entry, built from an article or an expert answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique id: the article slug, or `answer-<id>`.
    pub id: String,
    /// Article or expert answer.
    pub kind: EntryKind,
    /// Title (for an expert answer: the question it answers).
    pub title: String,
    /// Phrasings of the question.
    pub questions: Vec<String>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Full text.
    pub body: String,
    /// Theme id, when known.
    pub theme: String,
    /// Opaque JSON kept with the entry and returned with hits (provenance of expert answers).
    pub payload: String,
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Entry id (raw string, for updates and deletes).
    pub id: Field,
    /// `article` or `expert_answer`.
    pub kind: Field,
    /// Stemmed title.
    pub title: Field,
    /// Stemmed question phrasings.
    pub questions: Field,
    /// Stemmed tags.
    pub tags: Field,
    /// Stemmed body (not stored: the text is in the knowledge base or the answer payload).
    pub body: Field,
    /// Unstemmed title, tags and questions: exact wording and acronyms.
    pub exact: Field,
    /// Theme id.
    pub theme: Field,
    /// Stored JSON payload.
    pub payload: Field,
    /// Stored, not indexed: the stems of each question phrasing, one per line, to compare a
    /// question with each of them (see [`phrasing_lines`]). Titles are not phrasings: they name
    /// a topic, and already weigh most in the text score.
    pub phrasings: Field,
}

impl Fields {
    /// Text fields searched with stemmed terms, with their boosts (tuned on the development
    /// question set: the curated title says best what an article is about).
    pub fn stemmed_boosts(&self) -> [(Field, f32); 4] {
        [(self.title, 8.0), (self.questions, 2.75), (self.tags, 1.0), (self.body, 2.5)]
    }
}

/// Builds the schema.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |name: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(name)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        title: b.add_text_field("title", text(analyzer::STEMMED).set_stored()),
        questions: b.add_text_field("questions", text(analyzer::STEMMED)),
        tags: b.add_text_field("tags", text(analyzer::STEMMED)),
        body: b.add_text_field("body", text(analyzer::STEMMED)),
        exact: b.add_text_field("exact", text(analyzer::EXACT)),
        theme: b.add_text_field("theme", STRING | STORED),
        payload: b.add_text_field("payload", TextOptions::default().set_stored()),
        phrasings: b.add_text_field("phrasings", TextOptions::default().set_stored()),
    };
    (b.build(), fields)
}

impl Entry {
    /// The tantivy document for this entry (`stemmer`: the stemmed analyzer, for the stored
    /// phrasings).
    pub fn to_document(&self, f: &Fields, stemmer: &mut TextAnalyzer) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &self.id);
        doc.add_text(f.kind, self.kind.as_str());
        doc.add_text(f.title, analyzer::normalize(&self.title));
        doc.add_text(f.exact, analyzer::normalize(&self.title));
        for q in &self.questions {
            let q = analyzer::normalize(q);
            doc.add_text(f.questions, &q);
            doc.add_text(f.exact, &q);
        }
        for t in &self.tags {
            let t = analyzer::normalize(t);
            doc.add_text(f.tags, &t);
            doc.add_text(f.exact, &t);
        }
        doc.add_text(f.body, analyzer::normalize(&self.body));
        doc.add_text(f.theme, &self.theme);
        doc.add_text(f.payload, &self.payload);
        let lines: Vec<String> = self.questions.iter().map(|q| stems_line(stemmer, q)).collect();
        doc.add_text(f.phrasings, lines.join("\n"));
        doc
    }
}

/// The stems of `text`, space-separated.
fn stems_line(stemmer: &mut TextAnalyzer, text: &str) -> String {
    let text = analyzer::normalize(text);
    let mut stream = stemmer.token_stream(&text);
    let mut out = String::new();
    while let Some(token) = stream.next() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token.text);
    }
    out
}

/// The stored phrasings of a document: each one's stems.
pub fn phrasing_lines<'d>(doc: &'d TantivyDocument, f: &Fields) -> impl Iterator<Item = Vec<&'d str>> {
    let text = doc.get_first(f.phrasings).and_then(|v| v.as_str()).unwrap_or_default();
    text.lines().map(|line| line.split(' ').filter(|s| !s.is_empty()).collect())
}

/// Stored values read back from a hit.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// Entry id.
    pub id: String,
    /// Kind.
    pub kind: EntryKind,
    /// Title.
    pub title: String,
    /// Theme id.
    pub theme: String,
    /// JSON payload.
    pub payload: String,
}

impl StoredEntry {
    /// Reads the stored fields of a document.
    pub fn from_document(doc: &TantivyDocument, f: &Fields) -> Self {
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        StoredEntry {
            id: text(f.id),
            kind: EntryKind::parse(&text(f.kind)),
            title: text(f.title),
            theme: text(f.theme),
            payload: text(f.payload),
        }
    }
}


