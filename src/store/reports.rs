//! Figures for managers: volumes, rates, time to answer, frequent topics and gaps.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreResult, from_ms};

/// A topic and how often it came up.
#[derive(Debug, Clone, Serialize)]
pub struct TopQuestion {
    /// Article slug or answer id the questions led to.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Number of questions.
    pub count: i64,
}

/// A count per theme (or site).
#[derive(Debug, Clone, Serialize)]
pub struct ThemeCount {
    /// Theme id or site name (`(inconnu)` when missing).
    pub key: String,
    /// Questions.
    pub questions: i64,
    /// Of which escalated by the bot.
    pub escalated: i64,
    /// Of which rated unhelpful.
    pub unhelpful: i64,
}

/// Statistics over a period.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Start of the period.
    pub from: DateTime<Utc>,
    /// End of the period.
    pub to: DateTime<Utc>,
    /// Questions asked.
    pub questions: i64,
    /// Answered by the bot.
    pub answered_by_bot: i64,
    /// Escalation proposed by the bot.
    pub escalated_by_bot: i64,
    /// Of those, answered by the bot after the asker confirmed its « did you mean ».
    pub answered_after_confirmation: i64,
    /// Tickets opened.
    pub tickets_opened: i64,
    /// Feedback "ça répond".
    pub helpful: i64,
    /// Feedback "ça ne répond pas".
    pub unhelpful: i64,
    /// Tickets still waiting for an answer (now).
    pub open_tickets: i64,
    /// Oldest ticket still waiting: id and opening time.
    pub oldest_open: Option<(i64, DateTime<Utc>)>,
    /// Median time from opening to first answer of tickets answered in the period, in minutes.
    pub median_minutes_to_answer: Option<f64>,
    /// Most frequent topics of the period.
    pub top_questions: Vec<TopQuestion>,
    /// Per theme.
    pub by_theme: Vec<ThemeCount>,
    /// Per site.
    pub by_site: Vec<ThemeCount>,
}

impl Stats {
    /// Share of rated answers that helped, when any was rated.
    pub fn helpful_rate(&self) -> Option<f64> {
        let rated = self.helpful + self.unhelpful;
        (rated > 0).then(|| self.helpful as f64 / rated as f64)
    }
}

impl Store {
    /// Statistics for questions asked in `[from, to)`.
    pub async fn stats(&self, from: DateTime<Utc>, to: DateTime<Utc>, top: i64) -> StoreResult<Stats> {
        let (f, t) = (from.timestamp_millis(), to.timestamp_millis());
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN decision = 'answer' THEN 1 ELSE 0 END), 0) AS answered, \
             COALESCE(SUM(CASE WHEN decision = 'escalate' THEN 1 ELSE 0 END), 0) AS escalated, \
             COALESCE(SUM(CASE WHEN confirmation = 'yes' THEN 1 ELSE 0 END), 0) AS confirmed, \
             COALESCE(SUM(CASE WHEN feedback = 'helpful' THEN 1 ELSE 0 END), 0) AS helpful, \
             COALESCE(SUM(CASE WHEN feedback = 'unhelpful' THEN 1 ELSE 0 END), 0) AS unhelpful \
             FROM questions WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(f)
        .bind(t)
        .fetch_one(&self.pool)
        .await?;
        let opened = sqlx::query("SELECT COUNT(*) AS n FROM tickets WHERE created_at >= $1 AND created_at < $2")
            .bind(f)
            .bind(t)
            .fetch_one(&self.pool)
            .await?;
        let open = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM tickets WHERE status IN ('open', 'claimed', 'waiting')",
        )
        .fetch_one(&self.pool)
        .await?;
        let oldest_at: Option<i64> = open.try_get("oldest")?;
        let oldest_open = match oldest_at {
            Some(at) => {
                let r = sqlx::query(
                    "SELECT MIN(id) AS id FROM tickets WHERE status IN ('open', 'claimed', 'waiting') AND created_at = $1",
                )
                .bind(at)
                .fetch_one(&self.pool)
                .await?;
                r.try_get::<Option<i64>, _>("id")?.map(|id| (id, from_ms(at)))
            }
            None => None,
        };
        let durations = sqlx::query(
            "SELECT answered_at - created_at AS d FROM tickets WHERE answered_at IS NOT NULL AND answered_at >= $1 AND answered_at < $2",
        )
        .bind(f)
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        let mut minutes: Vec<f64> =
            durations.iter().map(|r| r.try_get::<i64, _>("d").map(|d| d as f64 / 60_000.0)).collect::<Result<_, _>>()?;
        let top_rows = sqlx::query(
            "SELECT top_id, MAX(top_title) AS title, COUNT(*) AS n FROM questions \
             WHERE created_at >= $1 AND created_at < $2 AND top_id IS NOT NULL \
             GROUP BY top_id ORDER BY n DESC, top_id LIMIT $3",
        )
        .bind(f)
        .bind(t)
        .bind(top)
        .fetch_all(&self.pool)
        .await?;
        let top_questions = top_rows
            .iter()
            .map(|r| {
                Ok(TopQuestion {
                    id: r.try_get("top_id")?,
                    title: r.try_get::<Option<String>, _>("title")?.unwrap_or_default(),
                    count: r.try_get("n")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Stats {
            from,
            to,
            questions: row.try_get("n")?,
            answered_by_bot: row.try_get("answered")?,
            escalated_by_bot: row.try_get("escalated")?,
            answered_after_confirmation: row.try_get("confirmed")?,
            tickets_opened: opened.try_get("n")?,
            helpful: row.try_get("helpful")?,
            unhelpful: row.try_get("unhelpful")?,
            open_tickets: open.try_get("n")?,
            oldest_open,
            median_minutes_to_answer: median(&mut minutes),
            top_questions,
            by_theme: self.breakdown("theme", f, t).await?,
            by_site: self.breakdown("site", f, t).await?,
        })
    }

    async fn breakdown(&self, column: &str, f: i64, t: i64) -> StoreResult<Vec<ThemeCount>> {
        let rows = sqlx::query(&format!(
            "SELECT COALESCE({column}, '(inconnu)') AS k, COUNT(*) AS n, \
             COALESCE(SUM(CASE WHEN decision = 'escalate' THEN 1 ELSE 0 END), 0) AS escalated, \
             COALESCE(SUM(CASE WHEN feedback = 'unhelpful' THEN 1 ELSE 0 END), 0) AS unhelpful \
             FROM questions WHERE created_at >= $1 AND created_at < $2 GROUP BY COALESCE({column}, '(inconnu)') ORDER BY n DESC, k"
        ))
        .bind(f)
        .bind(t)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ThemeCount {
                    key: r.try_get("k")?,
                    questions: r.try_get("n")?,
                    escalated: r.try_get("escalated")?,
                    unhelpful: r.try_get("unhelpful")?,
                })
            })
            .collect()
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] })
}
