//! The redaction table: realistic chat sentences with the personal data they hold (`remove`)
//! and what must stay (`keep`), in `tests/data/redaction_cases.jsonl`, written from the rules'
//! categories without looking at the implementation. Prints recall and survival per category;
//! fails below the floors.
//!
//! A piece of personal data counts as removed when none of its words or digit groups is left in
//! the output (beyond those the rest of the sentence has): « [nom] Diallo » leaks.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use svp::core::redact::redact;

#[derive(Deserialize)]
struct Case {
    category: String,
    text: String,
    remove: Vec<String>,
    keep: Vec<String>,
}

fn tokens(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for t in text.split(|c: char| !c.is_alphanumeric()).filter(|t| t.chars().count() >= 2) {
        *out.entry(t.to_lowercase()).or_insert(0) += 1;
    }
    out
}

/// The tokens of `piece` still present in `output` beyond what `rest` (the text without the
/// personal data) explains.
fn leaked(piece: &str, output: &str, rest: &str) -> Vec<String> {
    let (out, rest) = (tokens(output), tokens(rest));
    tokens(piece)
        .into_keys()
        .filter(|t| out.get(t).copied().unwrap_or(0) > rest.get(t).copied().unwrap_or(0))
        .collect()
}

#[derive(Default)]
struct Tally {
    removed: usize,
    to_remove: usize,
    kept: usize,
    to_keep: usize,
}

#[test]
fn redaction_table_recall_and_survival() {
    let data = include_str!("data/redaction_cases.jsonl");
    let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (n, line) in data.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let output = redact(&case.text).text;
        let mut rest = case.text.clone();
        for piece in &case.remove {
            rest = rest.replace(piece.as_str(), " ");
        }
        let tally = by_category.entry(case.category.clone()).or_default();
        for piece in &case.remove {
            tally.to_remove += 1;
            let leak = leaked(piece, &output, &rest);
            if leak.is_empty() {
                tally.removed += 1;
            } else {
                failures.push(format!("LEAK [{}] {piece:?} ({leak:?}) in {output:?}", case.category));
            }
        }
        for piece in &case.keep {
            tally.to_keep += 1;
            if output.contains(piece.as_str()) {
                tally.kept += 1;
            } else {
                failures.push(format!("EATEN [{}] {piece:?} in {output:?}", case.category));
            }
        }
    }
    let total = by_category.values().fold(Tally::default(), |a, t| Tally {
        removed: a.removed + t.removed,
        to_remove: a.to_remove + t.to_remove,
        kept: a.kept + t.kept,
        to_keep: a.to_keep + t.to_keep,
    });
    println!("{:<16} {:>14} {:>14}", "category", "recall", "survival");
    for (category, t) in by_category.iter().chain(std::iter::once((&"ALL".to_string(), &total))) {
        println!("{category:<16} {:>8}/{:<5} {:>8}/{:<5}", t.removed, t.to_remove, t.kept, t.to_keep);
    }
    for f in &failures {
        println!("{f}");
    }
    let recall = total.removed as f64 / total.to_remove as f64;
    let survival = total.kept as f64 / total.to_keep as f64;
    println!("recall {recall:.3}, survival {survival:.3}");
    assert!(total.to_remove >= 200 && total.to_keep >= 200, "the table must hold 200 cases of each");
    assert!(recall >= 0.98, "recall {recall:.3} below 0.98");
    assert!(survival >= 1.0, "survival {survival:.3} below 1.0");
}

/// The knowledge base is public text full of what must survive (legal references, amounts,
/// dates, public numbers, organisations' and texts' numbers, titles of office): redaction must
/// take no number from any line of any article. (It may take the name of a law firm or the
/// address of a public office, which it cannot tell from a person's; those are printed.)
#[test]
fn the_knowledge_base_keeps_its_numbers() {
    use svp::core::redact::PiiKind;
    let mut numbers_taken = Vec::new();
    let (mut lines, mut other) = (0, 0);
    let mut stack = vec![std::path::PathBuf::from("knowledge")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("knowledge folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("article");
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    lines += 1;
                    let r = redact(line);
                    if !r.changed() {
                        continue;
                    }
                    let report = format!("{}: {line}\n    -> {}", path.display(), r.text);
                    if r.removed.iter().all(|(k, _)| matches!(k, PiiKind::Name | PiiKind::Address)) {
                        other += 1;
                        println!("{report}");
                    } else {
                        numbers_taken.push(report);
                    }
                }
            }
        }
    }
    for e in &numbers_taken {
        println!("NUMBER TAKEN {e}");
    }
    println!("{lines} lines: {} with a number taken, {other} with a name or address taken", numbers_taken.len());
    assert!(lines > 1000);
    assert!(numbers_taken.is_empty(), "{} lines of the knowledge base lost a number", numbers_taken.len());
}

/// The longest text an expert may send (20,000 characters) is redacted in well under a second
/// even in a debug build: no detector is quadratic in the text (checked by size, not timed).
#[test]
fn a_long_answer_is_redacted_whole() {
    let sentence = "Mme Fatou Diallo (06 12 34 56 78, fatou.diallo@exemple.fr), née le 3 mars 1990, habite 12 rue des Lilas 94000 Créteil ; voir l'article L.262-4 du CASF et le décret n° 2024-361. ";
    let text = sentence.repeat(20_000 / sentence.chars().count());
    let r = redact(&text);
    assert!(!r.text.contains("Diallo") && !r.text.contains("06 12") && !r.text.contains("Lilas"));
    assert_eq!(r.text.matches("L.262-4").count(), text.matches("L.262-4").count());
}
