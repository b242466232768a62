//! Discord's size limits, respected without breaking words or Markdown.

/// Embed description.
pub const EMBED_DESCRIPTION: usize = 4096;
/// Embed field value.
pub const EMBED_FIELD: usize = 1024;
/// Embed title.
pub const EMBED_TITLE: usize = 256;
/// Characters in an embed field's name.
pub const EMBED_FIELD_NAME: usize = 256;
/// Message content.
pub const MESSAGE: usize = 2000;
/// Modal text input.
pub const MODAL_INPUT: usize = 4000;
/// Thread name.
pub const THREAD_NAME: usize = 100;

/// Markdown markers that must come in pairs.
const MARKERS: [&str; 5] = ["```", "**", "__", "~~", "`"];

/// Fits `text` in `max` characters. Links whose target is not allowed (`javascript:`,
/// `data:`…) become plain text first, as on the web (`core::links`). When it is too long, it is
/// cut at a word boundary, any Markdown marker left open is closed, and `more` (e.g. a link to
/// the full text) is appended after an ellipsis; the result never exceeds `max`.
pub fn fit(text: &str, max: usize, more: Option<&str>) -> String {
    let text = &crate::core::links::neutralize_markdown(text);
    if text.chars().count() <= max {
        return text.to_string();
    }
    let tail = more.map(|m| format!("\n\n{m}")).unwrap_or_default();
    // Room for the ellipsis and the tail; the closing markers take what they need, and the cut
    // moves back until everything fits (markers can nest several deep).
    let fixed = 1 + tail.chars().count();
    if fixed >= max {
        return text.chars().take(max).collect();
    }
    let mut budget = max - fixed;
    let out = loop {
        let cut: String = text.chars().take(budget).collect();
        let at_word = match cut.rfind(char::is_whitespace) {
            Some(i) if i > budget / 2 => &cut[..i],
            _ => cut.as_str(),
        };
        let mut out = at_word.trim_end().to_string();
        out.push('…');
        for closing in open_markers(&out) {
            out.push_str(closing);
        }
        out.push_str(&tail);
        let len = out.chars().count();
        if len <= max {
            break out;
        }
        if budget == 0 {
            break text.chars().take(max).collect();
        }
        budget = budget.saturating_sub(len - max);
    };
    debug_assert!(out.chars().count() <= max);
    out
}

/// The markers left open in `text`, innermost first.
fn open_markers(text: &str) -> Vec<&'static str> {
    let mut open: Vec<&'static str> = Vec::new();
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for marker in MARKERS {
            if let Some(after) = rest.strip_prefix(marker) {
                if open.last() == Some(&marker) {
                    open.pop();
                } else if !open.iter().any(|m| *m == "```" || *m == "`") {
                    open.push(marker);
                }
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        chars.next();
        rest = chars.as_str();
    }
    open.reverse();
    open
}

/// Fits a single line (titles, labels): whitespace collapsed, cut at a word boundary.
pub fn line(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    fit(&collapsed, max, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        /// Whatever Markdown markers cross, the fitted text never exceeds the limit, and when it
        /// is cut with room to spare, every marker it opens is closed.
        #[test]
        fn never_exceeds_discord_limits(
            // Markers separated by at least a space: runs of backticks glued together (« ```` »)
            // are ambiguous to Markdown itself.
            text in "([a-zé ]{0,12}|\\*\\* | __| ~~ | ` | ``` |\\[x\\]\\(https://a\\.fr\\)|\\n){0,400}",
            limit in proptest::sample::select(vec![EMBED_DESCRIPTION, EMBED_FIELD, EMBED_TITLE, MESSAGE, MODAL_INPUT, THREAD_NAME, 40]),
            more in proptest::option::of("\\[Lire la suite\\]\\(https://x\\.fr/[a-z]{1,20}\\)"),
        ) {
            let out = fit(&text, limit, more.as_deref());
            proptest::prop_assert!(out.chars().count() <= limit, "{} > {limit}", out.chars().count());
            let reserve = 1 + MARKERS.iter().map(|m| m.len()).sum::<usize>() + more.as_ref().map_or(0, |m| m.chars().count() + 2);
            if out.contains('…') && limit > 4 * reserve && out != text {
                let body = match &more {
                    Some(m) => out.strip_suffix(m.as_str()).unwrap_or(&out).trim_end(),
                    None => out.as_str(),
                };
                proptest::prop_assert!(open_markers(body).is_empty(), "open markers in {body:?}");
            }
        }
    }

    #[test]
    fn links_with_a_forbidden_scheme_become_text() {
        assert_eq!(fit("voir le [formulaire](JaVaScRiPt:alert(1)) ici", 200, None), "voir le formulaire) ici");
        assert_eq!(fit("[site](https://www.service-public.fr/)", 200, None), "[site](https://www.service-public.fr/)");
    }

    #[test]
    fn short_text_is_untouched() {
        assert_eq!(fit("Bonjour **vous**", 100, None), "Bonjour **vous**");
    }

    #[test]
    fn long_text_is_cut_at_a_word_and_closes_markdown() {
        let text = format!("{} **important : le délai est de trente jours** fin", "mot ".repeat(30));
        let out = fit(&text, 150, Some("[Lire la suite](https://x.fr/a)"));
        assert!(out.chars().count() <= 150, "{}", out.chars().count());
        assert!(out.ends_with("[Lire la suite](https://x.fr/a)"));
        let body = out.split("\n\n").next().unwrap();
        assert_eq!(body.matches("**").count() % 2, 0, "{body}");
        assert!(!body.contains("trente jours** fin"));
        // The cut falls between words.
        let before_ellipsis = body.split('…').next().unwrap();
        assert!(text.contains(&format!("{before_ellipsis} ")) || text.starts_with(before_ellipsis), "{before_ellipsis}");
    }

    #[test]
    fn code_spans_are_closed() {
        let out = fit(&format!("voir `{}`", "x".repeat(50)), 30, None);
        assert_eq!(out.matches('`').count() % 2, 0, "{out}");
        assert!(out.chars().count() <= 30);
    }

    #[test]
    fn fits_any_size() {
        for max in [1usize, 5, 20, 4096] {
            let out = fit(&"é ".repeat(5000), max, Some("[suite](u)"));
            assert!(out.chars().count() <= max, "max {max}: {}", out.chars().count());
        }
    }
}
