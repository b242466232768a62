//! « Proposer en article »: an expert answer turned into a draft article for a curator, with
//! its provenance. The draft has `status: draft` (the bot ignores it, `svp kb check` accepts it
//! with a warning) and cites the answer as its source until the curator adds official ones.

use chrono::Months;

use super::error::{DeskError, DeskResult};
use super::service::Service;
use crate::store::User;

/// A draft article.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Draft {
    /// Its slug (and file name without `.md`).
    pub slug: String,
    /// Its theme (folder).
    pub theme: String,
    /// The whole file: front matter and body.
    pub markdown: String,
    /// Where it was written under the knowledge folder, when the folder is writable.
    pub written: Option<std::path::PathBuf>,
}

/// A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

impl Service {
    /// Turns expert answer `answer_id` into a draft article (experts, and managers from the
    /// knowledge gaps of their reports) and, with `write`,
    /// when the knowledge folder is writable and no file of that name exists, writes it to
    /// `<knowledge>/<theme>/reponse-expert-<id>.md`. Errors: `Forbidden`, `NotFound`.
    pub async fn draft_article(&self, actor: &User, answer_id: i64, write: bool) -> DeskResult<Draft> {
        if !actor.role.can_see_reports() {
            self.require_expert(actor)?;
        }
        let answer = self.store.answer(answer_id).await?.ok_or_else(|| DeskError::NotFound(format!("La réponse #{answer_id} n'existe pas.")))?;
        let kb = self.bot().kb();
        let theme = answer
            .theme
            .clone()
            .filter(|t| kb.themes.iter().any(|k| &k.id == t))
            .or_else(|| kb.themes.first().map(|t| t.id.clone()))
            .unwrap_or_else(|| "divers".into());
        let slug = format!("reponse-expert-{answer_id}");
        let today = crate::app::today();
        let review_by = today.checked_add_months(Months::new(6)).unwrap_or(today);
        let question = answer.question.split_whitespace().collect::<Vec<_>>().join(" ");
        let title = if question.chars().count() <= 100 {
            question.clone()
        } else {
            format!("{}…", question.chars().take(100).collect::<String>().trim_end())
        };
        let url = format!("{}/answers/{answer_id}", self.settings.search.public_url.trim_end_matches('/'));
        let markdown = format!(
            "---\nslug: {slug}\ntitle: {title}\ntheme: {theme}\ntags: []\nquestions:\n  - {question}\nsources:\n  - title: {source}\n    url: {url}\n\
             reviewed: {today}\nreview_by: {review_by}\nstatus: draft\n---\n\n{body}\n\n## Provenance\n\nRéponse d'expert de {author} \
             (ticket #{ticket}, version {version}, {date}), proposée en article par {curator}. À relire par un curateur : \
             remplacer la source par les textes officiels, compléter, puis passer `status` à `published`.\n\n## À vérifier\n\n\
             - Les sources officielles de chaque point.\n",
            title = quoted(&title),
            question = quoted(&question),
            source = quoted(&format!("Réponse d'expert SVP #{answer_id} (ticket #{})", answer.ticket_id)),
            body = answer.text.trim(),
            author = answer.author_name,
            ticket = answer.ticket_id,
            version = answer.version,
            date = super::display::date(answer.updated_at),
            curator = actor.name,
        );
        let folder = self.settings.knowledge_dir().join(&theme);
        let file = folder.join(format!("{slug}.md"));
        let written = if write && folder.is_dir() && !file.exists() {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&file) {
                Ok(mut f) => {
                    use std::io::Write;
                    f.write_all(markdown.as_bytes()).ok().map(|_| file.clone())
                }
                Err(e) => {
                    tracing::info!(error = %e, file = %file.display(), "draft not written (knowledge folder read-only?)");
                    None
                }
            }
        } else {
            None
        };
        Ok(Draft { slug, theme, markdown, written })
    }
}
