//! `svp privacy rescan`: re-applies the current redaction rules to everything stored, so that
//! texts redacted by older rules lose what the new rules find. Idempotent, and safe while
//! `serve` runs: each text is replaced only if it did not change meanwhile, and a changed
//! expert answer is re-indexed through the ordered change log, like any edit.

use serde::Serialize;

use super::error::DeskResult;
use super::redact::{RULES_VERSION, Redactor};
use super::Service;
use crate::store::TextColumn;

/// Rows read per query.
const BATCH: i64 = 500;

/// Keys of an outbox payload that hold free text (ids and channels are left alone).
const PAYLOAD_TEXT_KEYS: &[&str] = &["text", "question", "answer", "subject", "reason"];

/// What a rescan did, per column.
#[derive(Debug, Clone, Serialize)]
pub struct RescanReport {
    /// The rules applied.
    pub rules_version: i64,
    /// (`table.column`, rows read, rows changed).
    pub columns: Vec<(String, usize, usize)>,
    /// Expert answers whose indexed text changed (re-indexed).
    pub answers_reindexed: usize,
}

impl RescanReport {
    /// Rows changed in all.
    pub fn changed(&self) -> usize {
        self.columns.iter().map(|c| c.2).sum()
    }
}

impl Service {
    /// Whether stored texts went through older redaction rules than these: `Some(version)`
    /// when a rescan is due.
    pub async fn privacy_rescan_due(&self) -> DeskResult<Option<i64>> {
        let stored = self.store().privacy_rules_version(RULES_VERSION).await?;
        Ok((stored < RULES_VERSION).then_some(stored))
    }

    /// Re-applies the current rules to every stored text (questions, tickets and their events,
    /// answers and every version, outbox payloads, learned phrasings), re-indexes changed
    /// answers and phrasings' entries, and records the
    /// rules version.
    pub async fn privacy_rescan(&self) -> DeskResult<RescanReport> {
        let redactor = self.bot().redactor();
        let mut report = RescanReport { rules_version: RULES_VERSION, columns: Vec::new(), answers_reindexed: 0 };
        for column in TextColumn::ALL {
            let (mut read, mut changed) = (0, 0);
            let mut after = (i64::MIN, i64::MIN);
            loop {
                let rows = self.store().stored_texts(column, after, BATCH).await?;
                let Some(last) = rows.last() else { break };
                after = last.key;
                for row in &rows {
                    read += 1;
                    let new = match column {
                        TextColumn::OutboxPayload => redact_payload(redactor, &row.text),
                        // Indexed text carries no placeholder.
                        TextColumn::PhrasingText => Some(super::redact::strip_placeholders(&redactor.redact(&row.text).text))
                            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                            .filter(|t| *t != row.text),
                        _ => Some(redactor.redact(&row.text).text).filter(|t| *t != row.text),
                    };
                    if let Some(new) = new
                        && self.store().replace_stored_text(column, row.key, &row.text, &new).await?
                    {
                        changed += 1;
                        if matches!(column, TextColumn::AnswerText | TextColumn::AnswerQuestion | TextColumn::PhrasingText) {
                            report.answers_reindexed += 1;
                        }
                    }
                }
            }
            report.columns.push((column.name().to_string(), read, changed));
        }
        if report.answers_reindexed > 0 {
            self.sync_index().await?;
        }
        self.store().set_privacy_rules_version(RULES_VERSION).await?;
        Ok(report)
    }
}

/// The payload with its free-text values redacted, or `None` when nothing changed (or it is
/// not JSON, which a rescan leaves alone).
fn redact_payload(redactor: &Redactor, payload: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let mut changed = false;
    walk(&mut value, redactor, &mut changed);
    changed.then(|| value.to_string())
}

fn walk(value: &mut serde_json::Value, redactor: &Redactor, changed: &mut bool) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(s) if PAYLOAD_TEXT_KEYS.contains(&key.as_str()) => {
                        let r = redactor.redact(s);
                        if r.text != *s {
                            *s = r.text;
                            *changed = true;
                        }
                    }
                    _ => walk(v, redactor, changed),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, redactor, changed)),
        _ => {}
    }
}
