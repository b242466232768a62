//! « Rapports » for managers: the overview of a period beside the previous one, weekly bars (SVG
//! drawn here, nothing loaded from elsewhere), frequent questions and knowledge gaps with a
//! click-through to their questions, articles to review, the desk's health, and CSV exports of
//! every view. Text shown is redacted; no page says who asked.

use axum::extract::{Form, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::session::CurrentUser;
use super::views::{Me, render, when};
use super::{WebError, WebState};
use crate::core::reports::{Report, ReportQuery, export};

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/rapports", get(page))
        .route("/rapports/groupe", get(group))
        .route("/rapports/questions", get(figure))
        .route("/rapports/{file}", get(download))
        .route("/rapports/proposer/{answer_id}", post(propose))
}

/// The filters, as in the page's form and every link it makes.
#[derive(Deserialize, Serialize, Default, Clone)]
struct Filters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    du: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    au: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    theme: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    site: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    groupe: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    fait: String,
    /// The overview figure to list the questions of (`core::reports::FIGURE_FILTERS`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    chiffre: String,
}

impl Filters {
    fn query(&self) -> ReportQuery {
        ReportQuery::days(self.du, self.au, 30, Some(self.theme.clone()), Some(self.site.clone()))
    }

    /// The query string of the same period and filters (no group, no message).
    fn link(&self) -> String {
        let mut plain = self.clone();
        plain.groupe.clear();
        plain.fait.clear();
        plain.chiffre.clear();
        serde_urlencoded::to_string(&plain).unwrap_or_default()
    }
}

/// The rows of `_report_questions.html`.
fn question_rows(questions: &[crate::store::ReportQuestion]) -> Vec<serde_json::Value> {
    questions
        .iter()
        .map(|q| json!({ "id": q.id, "when": when(q.created_at), "text": q.text, "ticket": q.ticket_id, "feedback": q.feedback, "entry": q.top_title }))
        .collect()
}

fn pct(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.0} %", r * 100.0))
}

/// Weekly bars as SVG rectangles: (x, y, height) for questions, answered and escalated.
fn bars(report: &Report) -> serde_json::Value {
    let max = report.weeks.iter().map(|w| w.questions).max().unwrap_or(0).max(1) as f64;
    let height = 120.0;
    let weeks: Vec<_> = report
        .weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let h = |v: i64| (v as f64 / max * height).round();
            let x = 40.0 + i as f64 * 36.0;
            json!({
                "x": x, "label": w.monday.format("%d/%m").to_string(),
                "q": w.questions, "a": w.answered, "e": w.escalated,
                "hq": h(w.questions), "ha": h(w.answered), "he": h(w.escalated),
                "yq": height + 10.0 - h(w.questions), "ya": height + 10.0 - h(w.answered), "ye": height + 10.0 - h(w.escalated),
            })
        })
        .collect();
    json!({ "weeks": weeks, "width": 60.0 + report.weeks.len() as f64 * 36.0, "max": max as i64 })
}

async fn page(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(filters): Query<Filters>) -> Result<Response, WebError> {
    let query = filters.query();
    let report = state.service.report(&user, &query).await?;
    // The figures whose questions one click lists (by row of the overview).
    let drill = |row: usize| match row {
        0 => Some("all"),
        1 => Some("bot"),
        2 => Some("confirmed"),
        3 => Some("escalated"),
        4 => Some("experts"),
        7 => Some("helpful"),
        _ => None,
    };
    let rows: Vec<_> = export::overview_rows(&report.overview, &report.previous)
        .into_iter()
        .enumerate()
        .map(|(i, (label, now, before, how))| json!({ "label": label, "now": now, "before": before, "how": how, "figure": drill(i) }))
        .collect();
    let group_json = |g: &crate::core::reports::Group| {
        json!({
            "key": g.key, "representative": g.representative, "count": g.count, "previous": g.previous,
            "trend": g.count - g.previous, "answered_by_bot": g.answered_by_bot, "helpful": pct(g.helpful_rate()),
            "escalated": g.escalated, "last": when(g.last_asked), "entry": g.entry, "state": g.state,
            "answers": g.expert_answers, "best_answer": g.expert_answers.iter().find(|a| a.state == "réponse d'expert").map(|a| a.answer_id),
        })
    };
    let frequent: Vec<_> = report.frequent_questions.iter().map(group_json).collect();
    let gaps: Vec<_> = report.gaps.iter().map(group_json).collect();
    let kb = state.service.bot().kb();
    let themes: Vec<_> = kb.themes.iter().map(|t| json!({ "id": t.id, "label": t.label })).collect();
    let notice = match filters.fait.as_str() {
        "propose" => Some("Brouillon d'article écrit sous knowledge/ (status: draft) : un curateur le relit puis le publie."),
        "telecharger" => Some("Le dossier des fiches n'est pas modifiable ici (ou ce brouillon existe déjà) : téléchargez le brouillon depuis la réponse d'expert."),
        _ => None,
    };
    Ok(render(
        "reports.html",
        context! {
            me => Me::from(&user), page => "reports", report, rows, frequent, gaps, chart => bars(&report), themes,
            link => filters.link(), f => filters, period => format!("du {} au {}", crate::core::display::date(query.from), crate::core::display::date(query.to)),
            previous => format!("du {} au {}", crate::core::display::date(report.previous_from), crate::core::display::date(query.from)),
            notice,
        },
    ))
}

async fn group(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(filters): Query<Filters>) -> Result<Response, WebError> {
    let query = filters.query();
    let (group, questions) = state.service.report_group(&user, &query, &filters.groupe).await?;
    let items = question_rows(&questions);
    Ok(render("report_group.html", context! { me => Me::from(&user), page => "reports", group, items, link => filters.link() }))
}

/// The questions behind one figure of the overview (redacted text, never who asked).
async fn figure(State(state): State<WebState>, CurrentUser(user): CurrentUser, Query(filters): Query<Filters>) -> Result<Response, WebError> {
    let query = filters.query();
    let questions = state.service.report_figure(&user, &query, &filters.chiffre).await?;
    let title = match filters.chiffre.as_str() {
        "bot" => "Questions répondues par le bot d'emblée",
        "confirmed" => "Questions répondues par le bot après « Oui »",
        "escalated" => "Questions transmises aux experts",
        "experts" => "Questions répondues par un expert",
        "helpful" => "Questions dont la réponse a été jugée utile",
        "unhelpful" => "Questions dont la réponse a été jugée inutile",
        _ => "Toutes les questions",
    };
    let items = question_rows(&questions);
    let period = format!("du {} au {}", crate::core::display::date(query.from), crate::core::display::date(query.to));
    Ok(render("report_questions.html", context! { me => Me::from(&user), page => "reports", title, period, items, link => filters.link() }))
}

async fn download(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(file): Path<String>,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    let query = filters.query();
    let bytes = match file.as_str() {
        "questions.csv" => {
            let (report, questions, answered) = state.service.report_with_questions(&user, &query).await?;
            export::questions_csv(&report, &questions, &answered)
        }
        "groupes.csv" => export::groups_csv(&state.service.report(&user, &query).await?),
        "attente.csv" => {
            let (report, waiting) = state.service.report_waiting(&user, &query).await?;
            export::tickets_csv(&report, &waiting)
        }
        "tickets.csv" => {
            let (report, tickets) = state.service.report_tickets(&user, &query).await?;
            export::tickets_csv(&report, &tickets)
        }
        "synthese.csv" => export::overview_csv(&state.service.report(&user, &query).await?),
        _ => return Err(crate::core::DeskError::NotFound("Ce fichier n'existe pas.".into()).into()),
    };
    let name = format!("svp-{}-{}", query.from.format("%Y%m%d"), file);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct ProposeForm {
    /// The report's query string, to come back to.
    #[serde(default)]
    back: String,
}

/// « Proposer en article » from a knowledge gap: the same draft as the desk's.
async fn propose(
    State(state): State<WebState>,
    CurrentUser(user): CurrentUser,
    Path(answer_id): Path<i64>,
    Form(form): Form<ProposeForm>,
) -> Result<Response, WebError> {
    if !user.role.can_see_reports() {
        return Err(crate::core::DeskError::Forbidden("Les rapports sont réservés aux responsables.".into()).into());
    }
    let draft = state.service.draft_article(&user, answer_id, true).await?;
    // Only the report's own filters come back (never a foreign URL).
    let back: Filters = serde_urlencoded::from_str(&form.back).unwrap_or_default();
    let done = if draft.written.is_some() { "propose" } else { "telecharger" };
    let link = back.link();
    Ok(Redirect::to(&format!("/rapports?{link}{}fait={done}", if link.is_empty() { "" } else { "&" })).into_response())
}
