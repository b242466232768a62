//! `svp kb check` on small fixture folders: one kind of error per file, and a clean folder.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use svp::knowledge::{Diagnostic, KnowledgeBase, Severity};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn find<'a>(diags: &'a [Diagnostic], file: &str, code: &str) -> &'a Diagnostic {
    diags
        .iter()
        .find(|d| d.file == Path::new(file) && d.code == code)
        .unwrap_or_else(|| panic!("no `{code}` diagnostic for {file}; got:\n{diags:#?}"))
}

#[test]
fn clean_folder_has_only_warnings() {
    let loaded = KnowledgeBase::load(&fixture("kb-good"), today()).unwrap();
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    assert_eq!(loaded.kb.articles.len(), 2);
    assert_eq!(loaded.kb.published().count(), 1);
    let stale = find(&loaded.diagnostics, "sejour/brouillon-test.md", "stale");
    assert_eq!((stale.severity, stale.line), (Severity::Warning, 11));
    let draft = find(&loaded.diagnostics, "sejour/brouillon-test.md", "draft");
    assert_eq!((draft.severity, draft.line), (Severity::Warning, 12));
    assert_eq!(loaded.kb.synonyms.groups.len(), 1);
    assert_eq!(loaded.kb.content_hash.len(), 64);
}

#[test]
fn every_kind_of_error_is_reported_at_once_with_its_line() {
    let loaded = KnowledgeBase::load(&fixture("kb-broken"), today()).unwrap();
    let d = &loaded.diagnostics;
    let expect = [
        ("sejour/yaml-casse.md", "front-matter", 5..=6),
        ("sejour/sans-titre.md", "front-matter", 2..=2),
        ("sejour/date-invalide.md", "front-matter", 10..=10),
        ("sejour/nom-du-fichier.md", "slug-mismatch", 2..=2),
        ("sejour/doublon.md", "duplicate-slug", 2..=2),
        ("sejour/lien-mort.md", "unknown-link", 13..=13),
        ("sejour/lien-mort.md", "unknown-link", 16..=16),
        ("sejour/sans-reponse-courte.md", "empty-short-answer", 13..=15),
        ("sejour/source-sans-url.md", "source-url", 8..=8),
        ("sejour/theme-inconnu.md", "unknown-theme", 4..=4),
        ("sejour/sans-front-matter.md", "front-matter", 1..=1),
        ("synonyms.toml", "synonyms", 5..=6),
        ("escalate.toml", "escalate", 2..=2),
        ("nested/deeper", "layout", 1..=1),
    ];
    for (file, code, lines) in expect {
        assert!(
            d.iter().any(|x| x.file == Path::new(file) && x.code == code && lines.contains(&x.line) && x.is_error()),
            "expected {code} error in {file} at {lines:?}; got:\n{d:#?}"
        );
    }
    assert!(find(d, "sejour/sans-titre.md", "front-matter").message.contains("title"));
    assert!(find(d, "sejour/date-invalide.md", "front-matter").message.contains("review_by"));
    assert!(find(d, "sejour/source-sans-url.md", "source-url").message.contains("Une source sans adresse"));
    assert!(find(d, "sejour/theme-inconnu.md", "unknown-theme").message.contains("astrologie"));
    // Broken files are left out; the usable ones stay.
    let slugs: Vec<&str> = loaded.kb.articles.iter().map(|a| a.slug.as_str()).collect();
    assert!(slugs.contains(&"lien-mort"), "{slugs:?}");
    assert!(!slugs.contains(&"yaml-casse") && !slugs.contains(&"theme-inconnu"), "{slugs:?}");
    assert_eq!(slugs.iter().filter(|s| **s == "doublon").count(), 1);
}

#[test]
fn shipped_knowledge_base_is_clean_and_complete() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let loaded = KnowledgeBase::load(&dir, today()).unwrap();
    let errors: Vec<String> = loaded.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(loaded.kb.published().count(), 49);
    assert!(loaded.kb.synonyms.groups.len() >= 60);
    assert!(loaded.kb.escalations.topics.len() >= 5);
    // A sentence ends with . ! or ? followed by a capital letter or the end ("L.424-1" does not end one).
    let sentence_end = regex::Regex::new(r"[.!?…]\)?(\s+[«(]?\p{Lu}|\s*$)").unwrap();
    for a in loaded.kb.published() {
        assert!(a.body_text.split_whitespace().count() >= 250, "{} is too short", a.slug);
        assert!(a.questions.len() >= 8, "{} has few questions", a.slug);
        assert!(!a.sources.is_empty(), "{} has no source", a.slug);
        let sentences = sentence_end.find_iter(&a.short_answer).count();
        assert!((1..=5).contains(&sentences), "{}: short answer has {sentences} sentences", a.slug);
    }
}

fn svp(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_svp")).args(args).env_remove("SVP_CONFIG").output().unwrap()
}

#[test]
fn cli_exit_codes_and_json() {
    let good = fixture("kb-good");
    let out = svp(&["kb", "check", "--knowledge", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("brouillon-test.md:12: warning[draft]"), "{text}");

    let broken = fixture("kb-broken");
    let out = svp(&["kb", "check", "--json", "--knowledge", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["errors"].as_u64().unwrap() >= 13, "{v}");
    let first = &v["diagnostics"][0];
    for key in ["severity", "code", "file", "line", "message"] {
        assert!(!first[key].is_null(), "missing {key} in {first}");
    }

    let out = svp(&["kb", "check", "--knowledge", "/nonexistent/folder"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

/// The stems of a text, as the search sees them.
fn stems(text: &str) -> std::collections::BTreeSet<String> {
    let (mut s, mut e) = (svp::search::analyzer::stemmed(), svp::search::analyzer::exact());
    svp::search::analyzer::analyze(&mut s, &mut e, &svp::search::analyzer::normalize(text)).into_iter().map(|t| t.stem).collect()
}

/// The evaluation sets measure how the bot generalises: no article may carry one of their
/// questions, even reworded: a phrasing is a copy when the Jaccard similarity of their stems
/// reaches 0.6 (an article's core question worded anew shares its topic words, about 0.5).
#[test]
fn no_article_phrasing_copies_an_evaluation_question() {
    let kb = KnowledgeBase::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge").as_path(), today()).unwrap().kb;
    let phrasings: Vec<(&str, &str, _)> =
        kb.published().flat_map(|a| a.questions.iter().map(move |q| (a.slug.as_str(), q.as_str(), stems(q)))).collect();
    let mut copies = Vec::new();
    for set in ["eval/dev.jsonl", "eval/independent.jsonl"] {
        for case in svp::eval::read_cases(&Path::new(env!("CARGO_MANIFEST_DIR")).join(set)).unwrap() {
            let asked = stems(&case.q);
            for (slug, phrasing, words) in &phrasings {
                let shared = asked.intersection(words).count();
                let jaccard = shared as f64 / asked.union(words).count().max(1) as f64;
                if jaccard >= 0.6 {
                    copies.push(format!("{set}: {:?}\n    {slug}: {phrasing:?} (jaccard {jaccard:.2})", case.q));
                }
            }
        }
    }
    assert!(copies.is_empty(), "article phrasings copying evaluation questions:\n{}", copies.join("\n"));
}

/// Copies the shipped knowledge folder into a temporary one, to damage it.
fn copy_of_the_knowledge() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.file_name().unwrap());
            if path.is_dir() { copy(&path, &target) } else { std::fs::copy(&path, &target).map(|_| ()).unwrap() }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"), dir.path());
    dir
}

/// An article saved by office software, with a byte-order mark and CRLF line endings, loads.
#[test]
fn articles_with_a_byte_order_mark_and_crlf_load() {
    let dir = copy_of_the_knowledge();
    let path = dir.path().join("logement/siao-115.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    let loaded = KnowledgeBase::load(dir.path(), today()).unwrap();
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    let article = loaded.kb.article("siao-115").expect("the article loads");
    assert!(!article.title.contains('\r') && !article.short_answer.contains('\r'));
}

/// A broken escalation file stops the start with `file:line`: the bot never runs without its
/// expert-only guard.
#[test]
fn a_broken_escalation_file_stops_the_start() {
    let dir = copy_of_the_knowledge();
    std::fs::write(dir.path().join("escalate.toml"), "[[topic]]\nlabel = \"éloignement\"\nterms = [\"OQTF\"\n").unwrap();
    let settings = svp::config::Settings { knowledge_dir: dir.path().to_path_buf(), ..Default::default() };
    let err = svp::app::load_knowledge(&settings).expect_err("refused").to_string();
    assert!(err.contains("escalate.toml:"), "{err}");
}
