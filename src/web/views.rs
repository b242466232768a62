//! Templates (embedded, parsed once) and the small values pages show.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

use crate::core::roles::Role;
use crate::store::User;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("reply.html", include_str!("../../templates/reply.html")),
    ("escalation.html", include_str!("../../templates/escalation.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("message.html", include_str!("../../templates/message.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("link_login.html", include_str!("../../templates/link_login.html")),
    ("mine.html", include_str!("../../templates/mine.html")),
    ("desk.html", include_str!("../../templates/desk.html")),
    ("ticket.html", include_str!("../../templates/ticket.html")),
    ("stats.html", include_str!("../../templates/stats.html")),
    ("knowledge.html", include_str!("../../templates/knowledge.html")),
    ("answer.html", include_str!("../../templates/answer.html")),
    ("_phrasings.html", include_str!("../../templates/_phrasings.html")),
    ("phrasings.html", include_str!("../../templates/phrasings.html")),
    ("reports.html", include_str!("../../templates/reports.html")),
    ("report_group.html", include_str!("../../templates/report_group.html")),
    ("report_questions.html", include_str!("../../templates/report_questions.html")),
    ("_report_questions.html", include_str!("../../templates/_report_questions.html")),
];

static ENV: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source).map_err(|e| e.to_string())?;
    }
    Ok(env)
});

fn render_str(name: &str, ctx: minijinja::Value) -> Result<String, String> {
    let env = ENV.as_ref().map_err(Clone::clone)?;
    env.get_template(name).and_then(|t| t.render(ctx)).map_err(|e| format!("{e:#}"))
}

/// Fails when an embedded template does not parse (checked at start-up).
pub(super) fn check() -> anyhow::Result<()> {
    ENV.as_ref().map(|_| ()).map_err(|e| anyhow::anyhow!("template error: {e}"))
}

/// Renders a page; a template error is logged and answered with a plain 500.
pub(super) fn render(name: &str, ctx: minijinja::Value) -> Response {
    match render_str(name, ctx) {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur d'affichage.").into_response()
        }
    }
}

/// The logged-in user, as the navigation shows them.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Me {
    pub name: String,
    pub role_label: &'static str,
    pub expert: bool,
    pub manager: bool,
}

impl From<&User> for Me {
    fn from(user: &User) -> Self {
        Me {
            name: user.name.clone(),
            role_label: user.role.label(),
            expert: user.role == Role::Expert,
            manager: user.role == Role::Manager,
        }
    }
}

/// A link from the core (absolute under `search.public_url`) made relative to this site, so
/// pages work whatever address serves them.
pub(super) fn local_url(public_url: &str, url: &str) -> String {
    let base = public_url.trim_end_matches('/');
    match url.strip_prefix(base) {
        Some(rest) if rest.starts_with('/') => rest.to_string(),
        _ => url.to_string(),
    }
}

/// A date and time in the network's time zone, as pages show it.
pub(super) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::core::display::date_time(at)
}

/// At most `n` characters, with an ellipsis when cut.
pub(super) fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n).collect::<String>().trim_end())
    }
}

/// How long ago, in French (« 3 h », « 2 j »).
pub(super) fn age(at: chrono::DateTime<chrono::Utc>) -> String {
    let minutes = (chrono::Utc::now() - at).num_minutes().max(0);
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} j", m / (24 * 60)),
    }
}

/// Renders a template to a string, to embed in a page; `None` (logged) when it fails.
pub(super) fn render_fragment(name: &str, ctx: minijinja::Value) -> Option<String> {
    render_str(name, ctx).map_err(|e| tracing::error!(error = %e, template = name, "template failed")).ok()
}
