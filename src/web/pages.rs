//! HTML pages: ask the bot, read an article.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::http::header;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use pulldown_cmark::{Event, Options, Parser, html};
use serde::Deserialize;

use super::WebState;
use crate::core::AskError;

pub(super) fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(index).post(ask))
        .route("/static/svp.css", get(stylesheet))
        .route("/articles/{slug}", get(article))
        .route("/answers/{id}", get(answer))
        .route("/tickets/{id}/answer", get(ticket_answer))
}

/// The ask form's body: the question travels in the request body, never in the URL (which ends
/// up in logs and browser history).
#[derive(Deserialize)]
struct AskForm {
    q: String,
}

/// The stylesheet (no inline style: the Content-Security-Policy forbids it).
async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../templates/svp.css"))
}

fn render(state: &WebState, name: &str, ctx: minijinja::Value) -> Response {
    match state.templates.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Erreur d'affichage.").into_response()
        }
    }
}

async fn index(State(state): State<WebState>) -> Response {
    render(&state, "index.html", context! { question => "" })
}

async fn ask(State(state): State<WebState>, Form(form): Form<AskForm>) -> Response {
    let question = form.q;
    match state.service.bot().reply(&question, crate::app::today()) {
        Ok(reply) => {
            let answer_html = reply.answer.as_ref().map(|a| markdown(&a.short_answer));
            // The form shows the question as stored: redacted.
            let question = reply.question.clone();
            render(&state, "index.html", context! { question, reply, answer_html })
        }
        Err(AskError::Invalid(e)) => render(&state, "index.html", context! { question => "", error => e.to_string() }),
        Err(AskError::Search(e)) => {
            tracing::error!(error = %format!("{e:#}"), "search failed");
            render(&state, "index.html", context! { question => "", error => "La recherche est momentanément indisponible." })
        }
    }
}

async fn article(State(state): State<WebState>, Path(slug): Path<String>) -> Response {
    let kb = state.service.bot().kb();
    match kb.published().find(|a| a.slug == slug) {
        Some(a) => {
            let theme = kb.theme_label(&a.theme).unwrap_or(&a.theme).to_string();
            let stale = a.is_stale(crate::app::today());
            render(&state, "article.html", context! { article => a, body_html => markdown(&a.body_markdown), theme, stale })
        }
        None => {
            let mut page = render(&state, "message.html", context! { message => "Cette fiche n'existe pas (ou n'est pas publiée)." });
            *page.status_mut() = StatusCode::NOT_FOUND;
            page
        }
    }
}

async fn answer(State(state): State<WebState>, Path(id): Path<i64>) -> Response {
    let found = state.service.store().answer(id).await;
    show_answer(&state, found).await
}

async fn ticket_answer(State(state): State<WebState>, Path(id): Path<i64>) -> Response {
    let found = state.service.store().answer_for_ticket(id).await;
    show_answer(&state, found).await
}

/// A published expert answer (retired ones say so).
async fn show_answer(state: &WebState, found: Result<Option<crate::store::ExpertAnswer>, crate::store::StoreError>) -> Response {
    let message = match found {
        Ok(Some(a)) if a.status == "published" => {
            let body = format!(
                "<h2>Réponse d'expert — ticket #{}</h2><p class=\"meta\">Par {}, le {} (version {})</p><blockquote>{}</blockquote>{}",
                a.ticket_id,
                html_escape(&a.author_name),
                crate::core::display::date(a.updated_at),
                a.version,
                html_escape(&a.question),
                markdown(&a.text)
            );
            return render(state, "message.html", context! { html => body });
        }
        Ok(Some(_)) => "Cette réponse a été retirée par les experts.",
        Ok(None) => "Cette réponse n'existe pas.",
        Err(e) => {
            tracing::error!(error = %e, "cannot read an answer");
            "Le service est momentanément indisponible."
        }
    };
    let mut page = render(state, "message.html", context! { message });
    *page.status_mut() = StatusCode::NOT_FOUND;
    page
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Markdown to HTML, with raw HTML shown as text and links between articles rewritten, then
/// sanitised by `ammonia`: only http(s), mailto, tel and relative links stay live (any other
/// scheme, in any case or encoding, leaves the text without a link), no image is loaded
/// (remote content), and links open without a referrer.
pub(crate) fn markdown(text: &str) -> String {
    static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(crate::core::links::ALLOWED_SCHEMES.iter().copied().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .rm_tags(["img"])
            .link_rel(Some("noopener noreferrer nofollow"));
        b
    });
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(pulldown_cmark::Tag::Link { link_type, dest_url, title, id }) => {
            let dest = match dest_url.strip_suffix(".md") {
                Some(path) if !dest_url.contains("://") => format!("/articles/{}", path.rsplit('/').next().unwrap_or(path)).into(),
                _ => dest_url,
            };
            Event::Start(pulldown_cmark::Tag::Link { link_type, dest_url: dest, title, id })
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    SANITIZER.clean(&out).to_string()
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn markdown_escapes_html_and_rewrites_links() {
        let html = markdown("voir [x](../sejour/a-b.md) et <b>gras</b>\n\n<script>alert(1)</script>");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("href=\"/articles/a-b\""), "{html}");
    }

    #[test]
    fn markdown_keeps_no_foreign_code() {
        for md in [
            "[formulaire](javascript:alert(document.cookie))",
            "[formulaire](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](java%73cript:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "<javascript:alert(1)>",
            "![pixel](https://tracker.example/p.png)",
            "<img src=x onerror=alert(1)>",
            "[x](vbscript:msgbox)",
        ] {
            let html = markdown(md);
            let lower = html.to_lowercase();
            assert!(!lower.contains("javascript:") || !lower.contains("href"), "{md} -> {html}");
            assert!(!lower.contains("<img"), "{md} -> {html}");
            assert!(!lower.contains("href=\"data:") && !lower.contains("href=\"vbscript:"), "{md} -> {html}");
            assert!(!lower.contains("onerror=alert") || lower.contains("&lt;img"), "{md} -> {html}");
        }
        let html = markdown("[formulaire](javascript:alert(1))");
        assert!(html.contains("formulaire") && !html.contains("href"), "{html}");
        let html = markdown("[service-public](https://www.service-public.fr/x), [écrire](mailto:a@b.fr), [appeler](tel:3919)");
        assert_eq!(html.matches("href=").count(), 3, "{html}");
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""), "{html}");
    }
}
