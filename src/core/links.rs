//! The link rule shared by every surface: only `http(s)`, `mailto`, `tel` and relative links
//! are live; any other scheme (`javascript:`, `data:`, `vbscript:`…, in any case or encoding)
//! is shown as text.

use std::sync::LazyLock;

use regex::Regex;

/// Schemes a link may use; a link without a scheme is relative and allowed.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// Whether `url` may be a live link. The scheme is read as a browser would: after removing
/// whitespace and control characters and decoding percent-escapes and HTML entities of its
/// letters (`java%73cript:`, `&#106;avascript:`).
pub fn is_allowed_url(url: &str) -> bool {
    let decoded = decode(url);
    let compact: String = decoded.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    match compact.find(':') {
        // A colon after a path, query or fragment character is not a scheme separator.
        Some(i) if !compact[..i].contains(['/', '?', '#']) => {
            let scheme = compact[..i].to_ascii_lowercase();
            ALLOWED_SCHEMES.contains(&scheme.as_str())
        }
        _ => true,
    }
}

/// Percent-escapes and numeric or named HTML entities decoded, repeatedly (double encoding).
fn decode(url: &str) -> String {
    static ENTITY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)&#x([0-9a-f]+);?|&#(\d+);?|&(colon|tab|newline);").expect("valid regex"));
    static PERCENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"%([0-9a-fA-F]{2})").expect("valid regex"));
    let mut current = url.to_string();
    for _ in 0..3 {
        let entities = ENTITY.replace_all(&current, |c: &regex::Captures<'_>| {
            let code = if let Some(h) = c.get(1) {
                u32::from_str_radix(h.as_str(), 16).ok()
            } else if let Some(d) = c.get(2) {
                d.as_str().parse().ok()
            } else {
                match c.get(3).map(|m| m.as_str().to_ascii_lowercase()).as_deref() {
                    Some("colon") => Some(':' as u32),
                    Some("tab") => Some('\t' as u32),
                    _ => Some('\n' as u32),
                }
            };
            code.and_then(char::from_u32).map(String::from).unwrap_or_default()
        });
        let next = PERCENT
            .replace_all(&entities, |c: &regex::Captures<'_>| {
                u8::from_str_radix(&c[1], 16).ok().filter(u8::is_ascii).map(|b| (b as char).to_string()).unwrap_or_default()
            })
            .into_owned();
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// Markdown with every link or image whose target is not allowed turned into its text
/// (`[formulaire](javascript:…)` becomes `formulaire`), and every image (remote content) into
/// a plain link to it: for surfaces that render Markdown themselves (Discord).
pub fn neutralize_markdown(text: &str) -> String {
    static LINK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)").expect("valid regex"));
    static AUTOLINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<([a-zA-Z][a-zA-Z0-9+.\-]*:[^>\s]*)>").expect("valid regex"));
    let links = LINK.replace_all(text, |c: &regex::Captures<'_>| {
        let (image, label, url) = (&c[1], &c[2], &c[3]);
        match (is_allowed_url(url), image.is_empty()) {
            (true, true) => c[0].to_string(),
            (true, false) => format!("[{}]({url})", if label.is_empty() { "image" } else { label }),
            (false, _) => label.to_string(),
        }
    });
    AUTOLINK
        .replace_all(&links, |c: &regex::Captures<'_>| if is_allowed_url(&c[1]) { c[0].to_string() } else { c[1].replace(':', " : ") })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_schemes_are_live() {
        for ok in ["https://www.service-public.fr/x", "http://a.fr", "mailto:a@b.fr", "tel:+33145678910", "/articles/x", "../a.md", "#top", "page?x=a:b"] {
            assert!(is_allowed_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java%73cript:alert(1)",
            "&#106;avascript:alert(1)",
            "javascript&colon;alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox",
            "file:///etc/passwd",
        ] {
            assert!(!is_allowed_url(bad), "{bad}");
        }
    }

    #[test]
    fn markdown_links_are_neutralised() {
        assert_eq!(neutralize_markdown("le [formulaire](javascript:alert(document.cookie))"), "le formulaire)");
        assert_eq!(neutralize_markdown("[ok](https://a.fr) et [x](DATA:text/html,hi)"), "[ok](https://a.fr) et x");
        assert_eq!(neutralize_markdown("![logo](https://evil.example/p.png)"), "[logo](https://evil.example/p.png)");
        assert_eq!(neutralize_markdown("<javascript:alert(1)>"), "javascript : alert(1)");
    }
}
