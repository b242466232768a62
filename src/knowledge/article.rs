//! One article: YAML front matter and a Markdown body, parsed with pulldown-cmark (whose YAML
//! metadata blocks give the front matter and its position) and serde_norway (typed fields with
//! line numbers).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use super::diagnostics::{Diagnostic, line_at};

/// Whether the bot may show an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Searchable and shown.
    Published,
    /// Work in progress: validated but never indexed.
    Draft,
}

/// A cited source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What the source is.
    pub title: String,
    /// Where to read it; required (checked with a clear message rather than a parse error).
    #[serde(default)]
    pub url: String,
}

/// The front matter exactly as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    slug: String,
    title: String,
    theme: String,
    tags: Vec<String>,
    questions: Vec<String>,
    sources: Vec<Source>,
    reviewed: NaiveDate,
    review_by: NaiveDate,
    status: Status,
    #[serde(default)]
    related: Vec<String>,
}

/// A link from an article to another article, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleLink {
    /// The slug the link points to.
    pub slug: String,
    /// 1-based line in the file.
    pub line: usize,
}

/// A parsed, validated article.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Article {
    /// Unique id, equal to the file name.
    pub slug: String,
    /// French title.
    pub title: String,
    /// Theme id (the folder).
    pub theme: String,
    /// Keywords and acronyms.
    pub tags: Vec<String>,
    /// Phrasings staff use for this topic.
    pub questions: Vec<String>,
    /// Cited sources.
    pub sources: Vec<Source>,
    /// Date of the last review.
    pub reviewed: NaiveDate,
    /// Date after which the article is flagged as possibly stale.
    pub review_by: NaiveDate,
    /// Published or draft.
    pub status: Status,
    /// Related slugs.
    pub related: Vec<String>,
    /// The opening short answer, as Markdown.
    pub short_answer: String,
    /// The whole body after the front matter, as Markdown.
    pub body_markdown: String,
    /// The body as plain text (for indexing and snippets).
    pub body_text: String,
    /// Path relative to the knowledge folder.
    #[schema(value_type = String)]
    pub path: PathBuf,
    /// Links to other articles found in the body.
    #[serde(skip)]
    pub links: Vec<ArticleLink>,
    /// Line of each front-matter key, to place later diagnostics.
    #[serde(skip)]
    pub key_lines: Vec<(String, usize)>,
}

impl Article {
    /// The line of a front-matter key (1 when unknown).
    pub fn line_of(&self, key: &str) -> usize {
        self.key_lines.iter().find(|(k, _)| k == key).map_or(1, |(_, l)| *l)
    }

    /// Whether the article's review date has passed on `today`.
    pub fn is_stale(&self, today: NaiveDate) -> bool {
        self.review_by < today
    }
}

/// Parses one article file. Returns the article when it is usable, and every problem found.
pub fn parse_article(path: &Path, text: &str) -> (Option<Article>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let expected_slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();

    let parts = split(text);
    let Some(meta) = parts.meta else {
        let message = if text.trim_start().starts_with("---") {
            "front matter is not closed: add a line `---` after the last field"
        } else {
            "missing front matter: the file must start with a `---` line, the YAML fields, then `---`"
        };
        diags.push(Diagnostic::error("front-matter", path, 1, message));
        return (None, diags);
    };
    let meta_line = line_at(text, meta.start);
    let yaml = &text[meta.clone()];
    let key_lines = key_lines(yaml, meta_line);
    let line_of = |key: &str| key_lines.iter().find(|(k, _)| k == key).map_or(meta_line, |(_, l)| *l);

    let fm: FrontMatter = match serde_norway::from_str(yaml) {
        Ok(fm) => fm,
        Err(err) => {
            let line = err.location().map_or(meta_line, |loc| meta_line + loc.line() - 1);
            diags.push(Diagnostic::error("front-matter", path, line, yaml_message(&err)));
            return (None, diags);
        }
    };

    let mut usable = true;
    for (key, value) in [("slug", &fm.slug), ("title", &fm.title), ("theme", &fm.theme)] {
        if value.trim().is_empty() {
            diags.push(Diagnostic::error("empty-field", path, line_of(key), format!("`{key}` is empty")));
            usable = false;
        }
    }
    if fm.slug != expected_slug {
        diags.push(Diagnostic::error(
            "slug-mismatch",
            path,
            line_of("slug"),
            format!("slug `{}` differs from the file name `{expected_slug}.md`: rename one of them", fm.slug),
        ));
        usable = false;
    }
    if fm.review_by < fm.reviewed {
        diags.push(Diagnostic::error(
            "review-dates",
            path,
            line_of("review_by"),
            format!("review_by ({}) is before reviewed ({})", fm.review_by, fm.reviewed),
        ));
    }
    if fm.sources.is_empty() {
        diags.push(Diagnostic::error("no-source", path, line_of("sources"), "the article cites no source"));
    }
    for (i, source) in fm.sources.iter().enumerate() {
        let url = source.url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            let line = nth_item_line(yaml, meta_line, "sources", i).unwrap_or(line_of("sources"));
            let what = if url.is_empty() { "has no URL".to_string() } else { format!("has an invalid URL `{url}`") };
            diags.push(Diagnostic::error(
                "source-url",
                path,
                line,
                format!("source \"{}\" {what}: give its http(s) address", source.title),
            ));
        }
    }
    if fm.questions.iter().all(|q| q.trim().is_empty()) {
        diags.push(Diagnostic::warning(
            "no-questions",
            path,
            line_of("questions"),
            "no `questions`: the bot finds articles far better with the phrasings staff use",
        ));
    }

    let short_answer = text[parts.short_answer.clone()].trim().to_string();
    if short_answer.is_empty() {
        let line = line_at(text, parts.short_answer.start);
        diags.push(Diagnostic::error(
            "empty-short-answer",
            path,
            line,
            "the body must open with a short answer of two or three sentences before the first heading",
        ));
        usable = false;
    }
    if !parts.has_verify_section {
        diags.push(Diagnostic::warning(
            "no-verify-section",
            path,
            line_at(text, text.len()),
            "no `## À vérifier` section: list the unverified points, or say there are none",
        ));
    }

    if diags.iter().any(Diagnostic::is_error) && !usable {
        return (None, diags);
    }
    let article = Article {
        slug: fm.slug,
        title: fm.title.trim().to_string(),
        theme: fm.theme,
        tags: fm.tags,
        questions: fm.questions,
        sources: fm.sources,
        reviewed: fm.reviewed,
        review_by: fm.review_by,
        status: fm.status,
        related: fm.related,
        short_answer,
        body_markdown: text[parts.body_start..].trim().to_string(),
        body_text: parts.body_text,
        path: path.to_path_buf(),
        links: parts.links,
        key_lines,
    };
    (Some(article), diags)
}

/// The pieces of a Markdown file found in one pass of pulldown-cmark.
struct Parts {
    meta: Option<std::ops::Range<usize>>,
    body_start: usize,
    short_answer: std::ops::Range<usize>,
    body_text: String,
    links: Vec<ArticleLink>,
    has_verify_section: bool,
}

fn split(text: &str) -> Parts {
    let options = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut meta = None;
    let mut in_meta = false;
    let mut body_start = 0;
    let mut first_heading = None;
    let mut body_text = String::new();
    let mut links = Vec::new();
    let mut heading_text: Option<String> = None;
    let mut has_verify_section = false;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => in_meta = true,
            Event::End(TagEnd::MetadataBlock(_)) => {
                in_meta = false;
                body_start = range.end;
            }
            Event::Text(t) if in_meta => meta = Some(range.start..range.start + t.len()),
            Event::Start(Tag::Heading { .. }) => {
                first_heading.get_or_insert(range.start);
                heading_text = Some(String::new());
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading_text.take() {
                    let folded = h.trim().to_lowercase();
                    has_verify_section |= folded.starts_with("à vérifier") || folded.starts_with("a vérifier");
                }
                body_text.push('\n');
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(slug) = article_link_slug(&dest_url) {
                    links.push(ArticleLink { slug, line: line_at(text, range.start) });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading_text.as_mut() {
                    h.push_str(&t);
                }
                body_text.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => body_text.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => body_text.push('\n'),
            _ => {}
        }
    }
    let end = first_heading.unwrap_or(text.len()).max(body_start);
    Parts {
        meta,
        body_start,
        short_answer: body_start..end,
        body_text: body_text.trim().to_string(),
        links,
        has_verify_section,
    }
}

/// The slug a relative link such as `../sejour/carte-resident-refugie.md` points to.
fn article_link_slug(dest: &str) -> Option<String> {
    if dest.contains("://") || dest.starts_with('#') || dest.starts_with("mailto:") {
        return None;
    }
    let path = dest.split('#').next()?;
    let file = path.rsplit('/').next()?;
    file.strip_suffix(".md").map(str::to_string)
}

/// Top-level keys of the front matter and their absolute line numbers.
fn key_lines(yaml: &str, first_line: usize) -> Vec<(String, usize)> {
    yaml.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let (key, _) = line.split_once(':')?;
            let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            is_key.then(|| (key.to_string(), first_line + i))
        })
        .collect()
}

/// The line of the `index`-th list item under a top-level key.
fn nth_item_line(yaml: &str, first_line: usize, key: &str, index: usize) -> Option<usize> {
    let mut in_key = false;
    let mut seen = 0;
    for (i, line) in yaml.lines().enumerate() {
        if !line.starts_with(' ') && !line.starts_with('-') {
            in_key = line.starts_with(&format!("{key}:"));
            continue;
        }
        if in_key && line.trim_start().starts_with("- ") {
            if seen == index {
                return Some(first_line + i);
            }
            seen += 1;
        }
    }
    None
}

/// A YAML error message without its trailing position (the diagnostic carries the line).
fn yaml_message(err: &serde_norway::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    format!("invalid front matter: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nslug: a-b\ntitle: \"T\"\ntheme: sejour\ntags: [x]\nquestions:\n  - \"q ?\"\nsources:\n  - title: S\n    url: https://example.org\nreviewed: 2026-01-01\nreview_by: 2026-06-01\nstatus: published\n---\n\nCourte réponse. Deux phrases.\n\n## Détails\n\nVoir [l'autre](../sejour/c-d.md).\n\n## À vérifier\n\n- rien\n";

    #[test]
    fn parses_a_good_article() {
        let (article, diags) = parse_article(Path::new("sejour/a-b.md"), GOOD);
        assert!(diags.is_empty(), "{diags:?}");
        let a = article.unwrap();
        assert_eq!(a.slug, "a-b");
        assert_eq!(a.short_answer, "Courte réponse. Deux phrases.");
        assert_eq!(a.links, vec![ArticleLink { slug: "c-d".into(), line: 20 }]);
        assert!(a.body_text.contains("Détails"));
        assert_eq!(a.line_of("theme"), 4);
    }

    #[test]
    fn reports_yaml_errors_with_file_lines() {
        let text = GOOD.replace("tags: [x]", "tags: [x");
        let (article, diags) = parse_article(Path::new("sejour/a-b.md"), &text);
        assert!(article.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "front-matter");
        assert!((5..=7).contains(&diags[0].line), "{:?}", diags[0]);
    }

    #[test]
    fn reports_ill_typed_field_on_its_line() {
        let text = GOOD.replace("reviewed: 2026-01-01", "reviewed: hier");
        let (_, diags) = parse_article(Path::new("sejour/a-b.md"), &text);
        assert_eq!(diags[0].line, 11, "{diags:?}");
        assert!(diags[0].message.contains("reviewed") || diags[0].message.contains("input"), "{diags:?}");
    }

    #[test]
    fn link_slugs() {
        assert_eq!(article_link_slug("../x/y-z.md"), Some("y-z".into()));
        assert_eq!(article_link_slug("y-z.md#part"), Some("y-z".into()));
        assert_eq!(article_link_slug("https://a.fr/b.md"), None);
        assert_eq!(article_link_slug("#top"), None);
    }
}
