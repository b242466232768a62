//! « Statistiques » for managers (what `svp stats` shows).

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use serde::Deserialize;

use super::session::CurrentUser;
use super::views::{Me, render, when};
use super::{WebError, WebState};

pub(super) fn router() -> Router<WebState> {
    Router::new().route("/stats", get(stats))
}

#[derive(Deserialize, Default)]
struct Period {
    days: Option<i64>,
}

async fn stats(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(period): Query<Period>) -> Result<Response, WebError> {
    let days = period.days.unwrap_or(30).clamp(1, 3660);
    let s = state.service.stats(&user, days).await?;
    let pct = |v: Option<f64>| v.map(|v| format!("{:.0} %", v * 100.0)).unwrap_or_else(|| "—".into());
    let answer_rate = (s.questions > 0).then(|| s.answered_by_bot as f64 / s.questions as f64);
    let figures: Vec<(String, String)> = vec![
        ("Questions posées".into(), s.questions.to_string()),
        ("Répondues par le bot".into(), format!("{} ({})", s.answered_by_bot, pct(answer_rate))),
        ("Dont après « Votre question porte-t-elle sur… ? »".into(), s.answered_after_confirmation.to_string()),
        ("Sans réponse sûre du bot".into(), s.escalated_by_bot.to_string()),
        ("Tickets ouverts".into(), s.tickets_opened.to_string()),
        ("« Ça répond » / « Ça ne répond pas »".into(), format!("{} / {} ({})", s.helpful, s.unhelpful, pct(s.helpful_rate()))),
        ("Tickets en attente (maintenant)".into(), s.open_tickets.to_string()),
        (
            "Plus ancien ticket en attente".into(),
            s.oldest_open.map(|(id, at)| format!("#{id}, ouvert le {}", when(at))).unwrap_or_else(|| "—".into()),
        ),
        (
            "Délai médian de réponse des experts".into(),
            s.median_minutes_to_answer.map(|m| if m < 120.0 { format!("{m:.0} min") } else { format!("{:.1} h", m / 60.0) }).unwrap_or_else(|| "—".into()),
        ),
    ];
    Ok(render("stats.html", context! { me => Me::from(&user), page => "stats", days, figures, stats => s }))
}
