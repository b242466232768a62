//! Learning from use. A question its asker confirmed, with « Ça répond » or with « Oui » to
//! « Votre question porte-t-elle sur … ? », becomes an extra question phrasing of the entry that
//! served it (article or expert answer): already redacted, with its provenance (the question,
//! the kind of confirmation), indexed at once through the change log. Experts see the phrasings
//! with how often the entry was served and found helpful, approve them or remove them (a removed
//! phrasing leaves the index and is never learned again from that question). Experts may also
//! add phrasings themselves, for instance when they answer a ticket.

use super::error::{DeskError, DeskResult};
use super::redact::strip_placeholders;
use super::roles::Role;
use super::service::Service;
use crate::store::{EntryUsage, NewPhrasing, Phrasing, QuestionRecord, User};

/// At most this many phrasings (not removed) per entry, so that use cannot drown an article's
/// curated phrasings (BM25 normalises by the field's length).
pub const MAX_PHRASINGS_PER_ENTRY: i64 = 40;
/// A learned phrasing has at least this many words: shorter questions are too vague to teach.
const MIN_WORDS: usize = 3;
/// And at most this many: a long case message teaches its question only (the sentence that
/// asks), or nothing when none fits.
const MAX_WORDS: usize = 30;

/// The longest phrasing an expert may add, in characters.
pub const MAX_PHRASING_CHARS: usize = 300;

/// How a confirmation came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// « Ça répond » on an answer.
    Helpful,
    /// « Oui » to « Votre question porte-t-elle sur … ? ».
    Confirmed,
}

impl Confirmation {
    fn source(self) -> &'static str {
        match self {
            Confirmation::Helpful => "helpful",
            Confirmation::Confirmed => "confirmed",
        }
    }
}

/// The part of an asked text worth learning as a phrasing: the whole text when it is short, or
/// else its last sentence that asks (ends with « ? »); `None` when neither fits between
/// [`MIN_WORDS`] and [`MAX_WORDS`] words; `None` too for a message that asks several things
/// (answered by several entries, it would teach one of them the others' questions). Redaction
/// placeholders are removed first.
pub fn learnable_text(text: &str) -> Option<String> {
    let text = strip_placeholders(text);
    if !super::question_parts::question_parts(&text).is_empty() {
        return None;
    }
    let n = words(&text);
    if (MIN_WORDS..=MAX_WORDS).contains(&n) {
        return Some(tidy(&text));
    }
    if n < MIN_WORDS {
        return None;
    }
    asking_sentence(&text)
}

/// Words, not punctuation (« ? » alone is no word).
fn words(s: &str) -> usize {
    s.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last sentence of `text` that asks (ends with « ? ») and holds [`MIN_WORDS`] to
/// [`MAX_WORDS`] words, if any: the question inside a message that also tells the situation.
pub fn asking_sentence(text: &str) -> Option<String> {
    asking_sentences(text).into_iter().next()
}

/// Every sentence of `text` that asks (ends with « ? ») and holds [`MIN_WORDS`] to
/// [`MAX_WORDS`] words, last first: the questions of a message.
pub fn asking_sentences(text: &str) -> Vec<String> {
    super::question_parts::asking_sentences(text)
        .into_iter()
        .rev()
        .filter(|s| (MIN_WORDS..=MAX_WORDS).contains(&words(s)))
        .map(tidy)
        .collect()
}

impl Service {
    /// Learns a confirmed question as a phrasing of the entry that served it, then brings the
    /// index up to date. Never fails the confirmation itself: an error is logged.
    pub(super) async fn learn_from(&self, question: &QuestionRecord, how: Confirmation) {
        let Some(entry_id) = question.top_id.as_deref() else { return };
        let served = question.decision == "answer" || question.confirmation.as_deref() == Some("yes");
        if how == Confirmation::Helpful && !served {
            return;
        }
        let Some(text) = learnable_text(&question.text) else { return };
        let new = NewPhrasing {
            entry_id,
            text: &text,
            source: how.source(),
            question_id: Some(question.id),
            author_id: None,
            cap: MAX_PHRASINGS_PER_ENTRY,
        };
        match self.store.add_phrasing(&new).await {
            Ok(Some(id)) => {
                tracing::info!(phrasing = id, entry = entry_id, question = question.id, "phrasing learned");
                self.sync_index_logged().await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, question = question.id, "phrasing not learned"),
        }
    }

    /// The asker took back « Ça répond »: the phrasing it taught, if not reviewed yet, leaves
    /// the index.
    pub(super) async fn unlearn_from(&self, question: &QuestionRecord) {
        match self.store.withdraw_helpful_phrasings(question.id).await {
            Ok(0) => {}
            Ok(_) => self.sync_index_logged().await,
            Err(e) => tracing::error!(error = %e, question = question.id, "learned phrasing not withdrawn"),
        }
    }

    /// The phrasings of an entry (index id: article slug or `answer-N`), removed ones included,
    /// with how often the entry was served. Experts and managers.
    pub async fn entry_phrasings(&self, actor: &User, entry_id: &str) -> DeskResult<(Vec<Phrasing>, EntryUsage)> {
        if actor.role == Role::Staff {
            return Err(DeskError::Forbidden("Seuls les experts et les responsables voient les formulations apprises.".into()));
        }
        Ok((self.store.entry_phrasings(entry_id).await?, self.store.entry_usage(entry_id).await?))
    }

    /// Phrasings learned and not reviewed yet, newest first. Experts and managers.
    pub async fn phrasings_to_review(&self, actor: &User, limit: i64) -> DeskResult<Vec<Phrasing>> {
        if actor.role == Role::Staff {
            return Err(DeskError::Forbidden("Seuls les experts et les responsables voient les formulations apprises.".into()));
        }
        Ok(self.store.phrasings_with_status("new", limit).await?)
    }

    /// Approves (`true`) or removes (`false`) a phrasing; a removed one leaves the index at once.
    /// Experts only.
    pub async fn review_phrasing(&self, actor: &User, id: i64, approve: bool) -> DeskResult<Phrasing> {
        if !actor.role.can_work_tickets() {
            return Err(DeskError::Forbidden("Seuls les experts valident ou retirent les formulations apprises.".into()));
        }
        let phrasing = self
            .store
            .review_phrasing(id, if approve { "approved" } else { "removed" }, actor.id)
            .await?
            .ok_or_else(|| DeskError::NotFound(format!("La formulation n° {id} n'existe pas.")))?;
        self.sync_index_logged().await;
        Ok(phrasing)
    }

    /// Adds phrasings to an entry (one question per item, redacted; empty items skipped), as
    /// approved. Returns how many were new. Experts only; the entry must exist.
    pub async fn add_phrasings(&self, actor: &User, entry_id: &str, texts: &[String]) -> DeskResult<usize> {
        if !actor.role.can_work_tickets() {
            return Err(DeskError::Forbidden("Seuls les experts ajoutent des formulations.".into()));
        }
        let exists = match entry_id.strip_prefix("answer-").and_then(|n| n.parse::<i64>().ok()) {
            Some(answer_id) => self.store.answer(answer_id).await?.is_some(),
            None => self.bot().kb().article(entry_id).is_some(),
        };
        if !exists {
            return Err(DeskError::NotFound(format!("L'entrée « {entry_id} » n'existe pas.")));
        }
        let mut added = 0;
        for text in texts {
            if text.trim().is_empty() {
                continue;
            }
            let text = super::question::clean(text, MAX_PHRASING_CHARS, false)?;
            let text = strip_placeholders(&self.bot().redactor().redact(&text).text);
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.is_empty() {
                continue;
            }
            let new = NewPhrasing { entry_id, text: &text, source: "expert", question_id: None, author_id: Some(actor.id), cap: i64::MAX };
            if let Some(id) = self.store.add_phrasing(&new).await? {
                self.store.review_phrasing(id, "approved", actor.id).await?;
                added += 1;
            }
        }
        if added > 0 {
            self.sync_index_logged().await;
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_questions_are_learned_whole() {
        assert_eq!(learnable_text("  le  RSA pour un réfugié de 23 ans ? ").as_deref(), Some("le RSA pour un réfugié de 23 ans ?"));
    }

    #[test]
    fn vague_ones_are_not() {
        assert_eq!(learnable_text("le plafond ?"), None);
        assert_eq!(learnable_text("Son API est valable combien de temps ? Et peut-il échanger son permis avec ?"), None);
        assert_eq!(learnable_text("[nom] ?"), None);
    }

    #[test]
    fn a_case_message_teaches_its_question() {
        let message = "Bonjour, je suis une famille de 5 personnes arrivée en mars, le père travaille en intérim \
                       et la mère suit des cours de français au centre social, les enfants sont scolarisés depuis \
                       septembre. Peut-on demander la prime d'activité avec un titre de séjour récent ? Merci !";
        assert_eq!(learnable_text(message).as_deref(), Some("Peut-on demander la prime d'activité avec un titre de séjour récent ?"));
    }

    #[test]
    fn a_long_message_without_a_question_teaches_nothing() {
        let message = "situation compliquée ".repeat(20);
        assert_eq!(learnable_text(&message), None);
    }
}
