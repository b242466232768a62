//! Reports as files (one row per question, per ticket, per group, per figure): CSV for French
//! spreadsheets (`;` separator, UTF-8 byte-order mark, a cell
//! that starts with `= + - @` prefixed with `'` so no spreadsheet runs it as a formula), and
//! Markdown for the command line.

use std::collections::HashMap;

use super::{Count, Group, Overview, Report};
use crate::core::display;
use crate::store::ReportQuestion;

/// A cell a spreadsheet would read as a formula gets a leading `'` (OWASP's CSV injection
/// advice); tabs and carriage returns at the start are treated the same.
pub fn guard(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        // Writing to memory cannot fail.
        let _ = writer.write_record(header);
        for row in rows {
            let _ = writer.write_record(row.iter().map(|c| guard(c)));
        }
        let _ = writer.flush();
    }
    out
}

/// How a question ended, in French.
pub fn outcome(q: &ReportQuestion, ticket_answered: bool) -> &'static str {
    match (q.decision.as_str(), q.confirmation.as_deref(), q.ticket_id) {
        (_, _, Some(_)) if ticket_answered => "répondue par un expert",
        (_, _, Some(_)) => "transmise, en attente",
        ("answer", _, _) => "répondue par le bot",
        (_, Some("yes"), _) => "répondue par le bot après confirmation",
        _ => "non répondue",
    }
}

/// One row per question of the period: date, site (folded like the report's tables), theme,
/// outcome, entry that served or was guessed, feedback, ticket, and the group it falls in.
/// `answered_tickets` are the tickets that got an answer.
pub fn questions_csv(report: &Report, questions: &[ReportQuestion], answered_tickets: &[i64]) -> Vec<u8> {
    let shown_sites: Vec<&str> = report.by_site.iter().map(|c| c.key.as_str()).collect();
    let mut group_of: HashMap<i64, &Group> = HashMap::new();
    for g in report.frequent_questions.iter().chain(&report.gaps) {
        for id in &g.question_ids {
            group_of.insert(*id, g);
        }
    }
    let rows = questions.iter().map(|q| {
        let site = q.site.as_deref().unwrap_or("(inconnu)");
        vec![
            q.id.to_string(),
            display::date(q.created_at),
            if shown_sites.contains(&site) { site.to_string() } else { super::OTHERS.to_string() },
            q.theme.clone().unwrap_or_default(),
            outcome(q, q.ticket_id.is_some_and(|t| answered_tickets.contains(&t))).to_string(),
            q.top_title.clone().unwrap_or_default(),
            match q.feedback.as_deref() {
                Some("helpful") => "ça répond".into(),
                Some("unhelpful") => "ça ne répond pas".into(),
                _ => String::new(),
            },
            q.ticket_id.map(|t| t.to_string()).unwrap_or_default(),
            group_of.get(&q.id).map(|g| g.representative.clone()).unwrap_or_default(),
            q.text.clone(),
        ]
    });
    csv_bytes(&["question", "date", "site", "thème", "issue", "fiche", "avis", "ticket", "groupe", "texte"], rows)
}

/// One row per ticket opened in the period: opening date, theme, site (folded like the report's
/// tables), status, the expert who holds it, minutes to the first expert action and to the first
/// answer, reopenings, and the ticket it duplicates.
pub fn tickets_csv(report: &Report, tickets: &[crate::store::ReportTicket]) -> Vec<u8> {
    let shown_sites: Vec<&str> = report.by_site.iter().map(|c| c.key.as_str()).collect();
    let minutes = |from: chrono::DateTime<chrono::Utc>, to: Option<chrono::DateTime<chrono::Utc>>| {
        to.map(|t| ((t - from).num_seconds().max(0) / 60).to_string()).unwrap_or_default()
    };
    let rows = tickets.iter().map(|t| {
        let site = t.site.as_deref().unwrap_or("(inconnu)");
        vec![
            t.id.to_string(),
            display::date(t.created_at),
            t.theme.clone().unwrap_or_default(),
            if shown_sites.contains(&site) { site.to_string() } else { super::OTHERS.to_string() },
            t.status.clone(),
            t.assignee.clone().unwrap_or_default(),
            minutes(t.created_at, t.first_action_at),
            minutes(t.created_at, t.first_answer_at),
            t.reopens.to_string(),
            t.duplicate_of.map(|d| d.to_string()).unwrap_or_default(),
        ]
    });
    csv_bytes(
        &["ticket", "ouvert le", "thème", "site", "statut", "pris en charge par", "minutes avant première action", "minutes avant réponse", "réouvertures", "doublon de"],
        rows,
    )
}

/// The groups of a report (frequent questions, then gaps), one row each.
pub fn groups_csv(report: &Report) -> Vec<u8> {
    let rows = report
        .frequent_questions
        .iter()
        .map(|g| ("question fréquente", g))
        .chain(report.gaps.iter().map(|g| ("lacune", g)))
        .map(|(kind, g)| {
            vec![
                kind.to_string(),
                g.representative.clone(),
                g.count.to_string(),
                g.previous.to_string(),
                g.answered_by_bot.to_string(),
                g.helpful.to_string(),
                g.unhelpful.to_string(),
                g.escalated.to_string(),
                display::date(g.last_asked),
                g.entry.as_ref().map(|e| e.title.clone()).unwrap_or_default(),
                g.state.to_string(),
            ]
        });
    csv_bytes(
        &["type", "question représentative", "questions", "période précédente", "répondues par le bot", "ça répond", "ça ne répond pas", "transmises", "dernière", "fiche", "état"],
        rows,
    )
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.0} %", r * 100.0))
}

fn minutes(m: Option<f64>) -> String {
    match m {
        None => "—".into(),
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) if m < 48.0 * 60.0 => format!("{:.1} h", m / 60.0),
        Some(m) => format!("{:.1} j", m / 1440.0),
    }
}

/// `n (p %)` of `whole`, or `n` when `whole` is 0.
fn with_share(n: i64, whole: i64) -> String {
    if whole > 0 { format!("{n} ({:.0} %)", n as f64 * 100.0 / whole as f64) } else { n.to_string() }
}

/// The overview rows: (label, this period, previous period, how it is counted).
pub fn overview_rows(now: &Overview, before: &Overview) -> Vec<(&'static str, String, String, &'static str)> {
    let row = |o: &Overview| -> Vec<String> {
        vec![
            o.questions.to_string(),
            o.answered_directly.to_string(),
            o.answered_after_confirmation.to_string(),
            o.escalated.to_string(),
            o.answered_by_experts.to_string(),
            percent(o.answer_rate()),
            percent(o.escalation_rate()),
            percent(o.helpful_rate()),
            o.tickets_opened.to_string(),
            minutes(o.first_action.median),
            minutes(o.first_action.p90),
            minutes(o.to_answer.median),
            minutes(o.to_answer.p90),
            with_share(o.tickets_reopened, o.tickets_opened),
            with_share(o.tickets_duplicates, o.tickets_opened),
        ]
    };
    let labels: [(&str, &str); 15] = [
        ("Questions", "messages posés (chaque question compte une fois)"),
        ("Répondues par le bot", "réponse donnée d'emblée"),
        ("… après « Oui »", "la personne a confirmé la fiche que le bot proposait"),
        ("Transmises aux experts", "questions qui ont ouvert ou rejoint un ticket"),
        ("Répondues par un expert", "questions transmises dont le ticket a reçu une réponse"),
        ("Taux de réponse du bot", "(d'emblée + après « Oui ») / questions"),
        ("Taux de transmission", "transmises / questions"),
        ("Réponses jugées utiles", "« Ça répond » / avis donnés"),
        ("Tickets ouverts", "tickets ouverts sur la période (un ticket rouvert compte une fois)"),
        ("Première action, médiane", "de l'ouverture à la prise en charge, la demande de précision ou la réponse"),
        ("Première action, 90 %", "9 tickets sur 10 ont eu leur première action dans ce délai"),
        ("Réponse, médiane", "de l'ouverture à la première réponse"),
        ("Réponse, 90 %", "9 tickets sur 10 ont eu leur réponse dans ce délai"),
        ("Tickets rouverts", "tickets ouverts sur la période et rouverts au moins une fois (part des tickets ouverts)"),
        ("Tickets en double", "tickets ouverts sur la période et marqués en double (part des tickets ouverts)"),
    ];
    let (a, b) = (row(now), row(before));
    labels.iter().zip(a).zip(b).map(|(((label, how), a), b)| (*label, a, b, *how)).collect()
}

/// The overview as CSV: one row per figure, this period and the previous one.
pub fn overview_csv(report: &Report) -> Vec<u8> {
    let rows = overview_rows(&report.overview, &report.previous).into_iter().map(|(l, a, b, how)| vec![l.to_string(), a, b, how.to_string()]);
    csv_bytes(&["indicateur", "période", "période précédente", "mode de calcul"], rows)
}

fn table(out: &mut String, title: &str, counts: &[Count]) {
    out.push_str(&format!("\n## {title}\n\n| | questions |\n|---|---|\n"));
    for c in counts {
        out.push_str(&format!("| {} | {} |\n", c.key.replace('|', "/"), c.count));
    }
}

/// The report in Markdown (what `svp report` prints).
pub fn markdown(report: &Report) -> String {
    let q = &report.query;
    let mut out = format!(
        "# Rapport du {} au {}{}{}\n\nPériode précédente : du {} au {}.\n\n| | période | précédente | mode de calcul |\n|---|---|---|---|\n",
        display::date(q.from),
        display::date(q.to),
        q.theme.as_ref().map(|t| format!(", thème {t}")).unwrap_or_default(),
        q.site.as_ref().map(|s| format!(", site {s}")).unwrap_or_default(),
        display::date(report.previous_from),
        display::date(q.from),
    );
    for (label, a, b, how) in overview_rows(&report.overview, &report.previous) {
        out.push_str(&format!("| {label} | {a} | {b} | {how} |\n"));
    }
    out.push_str("\n## Semaines\n\n| semaine du | questions | répondues par le bot | transmises |\n|---|---|---|---|\n");
    for w in &report.weeks {
        out.push_str(&format!("| {} | {} | {} | {} |\n", w.monday.format("%d/%m/%Y"), w.questions, w.answered, w.escalated));
    }
    let group_rows = |out: &mut String, groups: &[Group], gaps: bool| {
        for g in groups {
            let entry = g.entry.as_ref().map(|e| e.title.replace('|', "/")).unwrap_or_default();
            let text = g.representative.replace('|', "/").replace('\n', " ");
            if gaps {
                out.push_str(&format!("| {text} | {} | {} | {} | {} | {entry} |\n", g.count, g.previous, g.escalated, g.state));
            } else {
                out.push_str(&format!("| {text} | {} | {} | {} | {entry} |\n", g.count, g.previous, percent(g.helpful_rate())));
            }
        }
    };
    out.push_str("\n## Questions fréquentes (répondues par le bot)\n\n| question représentative | questions | précédente | utiles | fiche |\n|---|---|---|---|---|\n");
    group_rows(&mut out, &report.frequent_questions, false);
    out.push_str("\n## Lacunes (questions transmises, non répondues ou jugées inutiles)\n\n| question représentative | questions | précédente | transmises | état | fiche proposée par le bot |\n|---|---|---|---|---|---|\n");
    group_rows(&mut out, &report.gaps, true);
    out.push_str("\n## Fiches à relire (les plus servies d'abord)\n\n");
    for a in &report.to_review {
        out.push_str(&format!("- {} — servie {} fois, à relire avant le {}\n", a.title, a.served, a.review_by));
    }
    if !report.never_served.is_empty() {
        out.push_str("\n## Fiches jamais servies sur la période\n\n");
        for a in &report.never_served {
            out.push_str(&format!("- {}\n", a.title));
        }
    }
    table(&mut out, "Questions par thème", &report.by_theme);
    table(&mut out, "Questions par site", &report.by_site);
    out.push_str(&format!("\n## Tickets en attente : {}\n", report.desk.waiting));
    for t in &report.desk.oldest {
        out.push_str(&format!("- #{} ouvert le {} ({}{})\n", t.id, display::date(t.opened), t.status, t.assignee.as_ref().map(|a| format!(", {a}")).unwrap_or_default()));
    }
    table(&mut out, "Par ancienneté", &report.desk.by_age);
    table(&mut out, "Par expert", &report.desk.by_expert);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("+33 1"), "'+33 1");
        assert_eq!(guard("-1"), "'-1");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("RSA à 25 ans"), "RSA à 25 ans");
    }

    #[test]
    fn csv_is_semicolon_separated_with_a_byte_order_mark() {
        let bytes = csv_bytes(&["a", "b"], std::iter::once(vec!["x;y".to_string(), "=1+1".to_string()]));
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "\u{feff}a;b\n\"x;y\";'=1+1\n");
    }
}
