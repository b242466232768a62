//! Rendering shared by the pages: Markdown to safe HTML, HTML escaping.

use pulldown_cmark::{Event, Options, Parser, html};

/// `text` with HTML's special characters escaped.
pub(crate) fn html_escape(text: &str) -> String {
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
