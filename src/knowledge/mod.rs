//! The curated knowledge folder: loading, validation (`svp kb check`) and the content hash that
//! tells the search index when to rebuild.
//!
//! Layout of the folder: `themes.toml`, `synonyms.toml`, the optional `escalate.toml` (topics
//! reserved to experts), and one `<theme>/<slug>.md` per article.

mod article;
mod diagnostics;
mod escalations;
mod synonyms;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use article::{Article, ArticleLink, Source, Status, parse_article};
pub use diagnostics::{Diagnostic, Severity, line_at};
pub use escalations::{EscalationTopic, Escalations};
pub use synonyms::{SynonymGroup, Synonyms};

/// The optional file of topics reserved to experts.
const ESCALATIONS_FILE: &str = "escalate.toml";

/// A theme of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// Folder name and front-matter value.
    pub id: String,
    /// French label shown to users.
    pub label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemesFile {
    #[serde(rename = "theme")]
    themes: Vec<Theme>,
}

/// The loaded knowledge base: every usable article, the themes and the synonyms.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// Articles that parsed, in path order (drafts included; the index skips them).
    pub articles: Vec<Article>,
    /// Known themes.
    pub themes: Vec<Theme>,
    /// Synonym groups.
    pub synonyms: Synonyms,
    /// Topics the bot never answers alone.
    pub escalations: Escalations,
    /// SHA-256 of every file that was read, to detect changes.
    pub content_hash: String,
    /// Errors found while loading (the broken files are left out): `/api/health` reports the
    /// service degraded while there are any.
    pub errors: usize,
}

/// The result of loading a folder: what could be used, and everything that is wrong.
#[derive(Debug)]
pub struct Loaded {
    /// The usable knowledge.
    pub kb: KnowledgeBase,
    /// Errors and warnings, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

impl KnowledgeBase {
    /// Loads and validates `dir`; `today` decides which articles are past their review date.
    ///
    /// Fails only when the folder itself cannot be read; problems in files become diagnostics
    /// and the broken files are left out.
    pub fn load(dir: &Path, today: NaiveDate) -> anyhow::Result<Loaded> {
        anyhow::ensure!(dir.is_dir(), "knowledge folder {} does not exist or is not a folder", dir.display());
        let mut diags = Vec::new();
        let mut hasher = Sha256::new();

        let themes = load_themes(dir, &mut diags, &mut hasher);
        let synonyms = match read_hashed(dir, Path::new("synonyms.toml"), &mut hasher) {
            Ok(text) => {
                let (s, d) = Synonyms::parse(Path::new("synonyms.toml"), &text);
                diags.extend(d);
                s
            }
            Err(e) => {
                diags.push(Diagnostic::error("synonyms", Path::new("synonyms.toml"), 1, e.to_string()));
                Synonyms::default()
            }
        };

        // Not hashed: the topics do not change the index.
        let escalations = match std::fs::read_to_string(dir.join(ESCALATIONS_FILE)).map(normalise_text) {
            Ok(text) => {
                let (e, d) = Escalations::parse(Path::new(ESCALATIONS_FILE), &text);
                diags.extend(d);
                e
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Escalations::default(),
            Err(e) => {
                diags.push(Diagnostic::error("escalate", Path::new(ESCALATIONS_FILE), 1, e.to_string()));
                Escalations::default()
            }
        };

        let mut articles = Vec::new();
        for rel in article_paths(dir, &mut diags)? {
            let text = match read_hashed(dir, &rel, &mut hasher) {
                Ok(t) => t,
                Err(e) => {
                    diags.push(Diagnostic::error("unreadable", &rel, 1, e.to_string()));
                    continue;
                }
            };
            let (article, d) = parse_article(&rel, &text);
            diags.extend(d);
            articles.extend(article);
        }

        check_articles(&mut articles, &themes, today, &mut diags);
        diags.sort_by(|a, b| (&a.file, a.line, a.severity).cmp(&(&b.file, b.line, b.severity)));
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let kb = KnowledgeBase { articles, themes, synonyms, escalations, content_hash: hex(&hasher.finalize()), errors };
        Ok(Loaded { kb, diagnostics: diags })
    }

    /// Published articles only: what the bot may show.
    pub fn published(&self) -> impl Iterator<Item = &Article> {
        self.articles.iter().filter(|a| a.status == Status::Published)
    }

    /// An article by slug.
    pub fn article(&self, slug: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.slug == slug)
    }

    /// The label of a theme id.
    pub fn theme_label(&self, id: &str) -> Option<&str> {
        self.themes.iter().find(|t| t.id == id).map(|t| t.label.as_str())
    }
}

fn load_themes(dir: &Path, diags: &mut Vec<Diagnostic>, hasher: &mut Sha256) -> Vec<Theme> {
    let rel = Path::new("themes.toml");
    let text = match read_hashed(dir, rel, hasher) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error("themes", rel, 1, e.to_string()));
            return Vec::new();
        }
    };
    match diagnostics::parse_toml::<ThemesFile>(rel, &text, "themes", "themes") {
        Ok(file) => file.themes,
        Err(d) => {
            diags.push(d);
            Vec::new()
        }
    }
}

/// Every `*.md` file under a theme folder, sorted; misplaced Markdown files are reported.
fn article_paths(dir: &Path, diags: &mut Vec<Diagnostic>) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = PathBuf::from(entry.file_name());
        let path = entry.path();
        if path.is_dir() {
            let mut files: Vec<_> = std::fs::read_dir(&path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .filter_map(Result::ok)
                .collect();
            files.sort_by_key(|e| e.file_name());
            for file in files {
                let rel = name.join(file.file_name());
                if file.path().is_dir() {
                    diags.push(Diagnostic::error(
                        "layout",
                        &rel,
                        1,
                        "nested folder: articles live directly in knowledge/<theme>/",
                    ));
                } else if rel.extension().is_some_and(|e| e == "md") {
                    out.push(rel);
                }
            }
        } else if name.extension().is_some_and(|e| e == "md") && name != Path::new("README.md") {
            diags.push(Diagnostic::error("layout", &name, 1, "article outside a theme folder: move it to knowledge/<theme>/"));
        }
    }
    Ok(out)
}

fn read_hashed(dir: &Path, rel: &Path, hasher: &mut Sha256) -> anyhow::Result<String> {
    let bytes = std::fs::read(dir.join(rel)).with_context(|| format!("cannot read {}", rel.display()))?;
    hasher.update(rel.to_string_lossy().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    hasher.update([0]);
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not valid UTF-8", rel.display()))?;
    Ok(normalise_text(text))
}

/// A file as office software may save it: without its byte-order mark, with `\n` line endings.
fn normalise_text(text: String) -> String {
    let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
    if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text }
}

/// Checks that need every article: themes, duplicates, links, review dates, drafts.
/// Articles with a duplicate slug or an unknown theme are removed.
fn check_articles(articles: &mut Vec<Article>, themes: &[Theme], today: NaiveDate, diags: &mut Vec<Diagnostic>) {
    let theme_ids: HashSet<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    let mut first_path: HashMap<String, PathBuf> = HashMap::new();
    let mut keep = vec![true; articles.len()];
    for (i, a) in articles.iter().enumerate() {
        let folder = a.path.parent().and_then(|p| p.to_str()).unwrap_or_default();
        if !theme_ids.contains(a.theme.as_str()) {
            let known: Vec<&str> = themes.iter().map(|t| t.id.as_str()).collect();
            diags.push(Diagnostic::error(
                "unknown-theme",
                &a.path,
                a.line_of("theme"),
                format!("unknown theme `{}`; known themes: {}", a.theme, known.join(", ")),
            ));
            keep[i] = false;
        } else if folder != a.theme {
            diags.push(Diagnostic::error(
                "theme-folder",
                &a.path,
                a.line_of("theme"),
                format!("theme `{}` but the file is in folder `{folder}`: move the file or fix the theme", a.theme),
            ));
        }
        if let Some(first) = first_path.get(&a.slug) {
            diags.push(Diagnostic::error(
                "duplicate-slug",
                &a.path,
                a.line_of("slug"),
                format!("slug `{}` is already used by {}", a.slug, first.display()),
            ));
            keep[i] = false;
        } else {
            first_path.insert(a.slug.clone(), a.path.clone());
        }
    }
    for a in articles.iter() {
        for link in &a.links {
            if !first_path.contains_key(&link.slug) {
                diags.push(Diagnostic::error(
                    "unknown-link",
                    &a.path,
                    link.line,
                    format!("link to `{}`, which is not an article", link.slug),
                ));
            }
        }
        for slug in &a.related {
            if !first_path.contains_key(slug) {
                diags.push(Diagnostic::error(
                    "unknown-link",
                    &a.path,
                    a.line_of("related"),
                    format!("related article `{slug}` does not exist"),
                ));
            }
        }
        if a.is_stale(today) {
            diags.push(Diagnostic::warning(
                "stale",
                &a.path,
                a.line_of("review_by"),
                format!("past its review date ({}): review it and move `review_by` forward", a.review_by),
            ));
        }
        if a.status == Status::Draft {
            diags.push(Diagnostic::warning("draft", &a.path, a.line_of("status"), "draft: not shown by the bot"));
        }
    }
    let mut flags = keep.into_iter();
    articles.retain(|_| flags.next().unwrap_or(true));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
