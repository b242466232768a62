//! Manager reports over a period, filterable by theme and site, with the previous period of the
//! same length beside: what is asked, what the bot handles, what it cannot (knowledge gaps), and
//! how the desk keeps up.
//!
//! How things are counted (each figure's footnote in the pages says the same):
//! - a *question* is one message asked; the bot *answered* it when it answered outright, or after
//!   the asker's « Oui » to its suggestion (counted apart);
//! - *escalated* questions are those passed to the experts (a ticket opened or joined); *answered
//!   by experts* are escalated questions whose ticket was answered;
//! - times are per ticket opened in the period: to the first expert action (claim, request for
//!   precision, answer or duplicate mark) and to the first answer; a reopened ticket counts once,
//!   with its first answer;
//! - sites and themes with fewer than [`FOLD_BELOW`] questions are folded into « autres », and no
//!   report says who asked.
//!
//! Layout: `groups` (grouping questions by need), `export` (CSV and Markdown).

pub mod export;
pub mod groups;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::error::{DeskError, DeskResult};
use super::redact::strip_placeholders;
use super::service::Service;
use crate::store::{ReportQuestion, ReportTicket, User};

/// Sites and themes with fewer questions than this in the period are shown as « autres ».
pub const FOLD_BELOW: i64 = 3;
/// The label of folded sites and themes.
pub const OTHERS: &str = "autres";
/// How many groups of frequent questions and gaps a report lists.
const LIST: usize = 20;

/// What a report covers.
#[derive(Debug, Clone, Serialize)]
pub struct ReportQuery {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
    /// Only questions whose theme (of the bot's first hit) is this.
    pub theme: Option<String>,
    /// Only questions asked from this site.
    pub site: Option<String>,
}

impl ReportQuery {
    /// The days `from` to `to` included, in the network's time zone; without `to`, up to now;
    /// without `from`, the `default_days` before `to`.
    pub fn days(from: Option<NaiveDate>, to: Option<NaiveDate>, default_days: i64, theme: Option<String>, site: Option<String>) -> ReportQuery {
        let to = to.map_or_else(Utc::now, |d| day_start(d + Duration::days(1)));
        let from = from.map_or_else(|| to - Duration::days(default_days), day_start);
        ReportQuery { from, to, theme: theme.filter(|t| !t.is_empty()), site: site.filter(|s| !s.is_empty()) }
    }
}

/// Midnight at the start of `day` in the network's time zone.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let zone = super::display::time_zone();
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    zone.from_local_datetime(&midnight).earliest().map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// Median and 90th percentile, in minutes.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Quantiles {
    /// Median.
    pub median: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90: Option<f64>,
    /// How many durations.
    pub n: usize,
}

/// The overview figures of a period.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Overview {
    /// Questions asked.
    pub questions: i64,
    /// Answered by the bot outright.
    pub answered_directly: i64,
    /// Answered by the bot after the asker's « Oui » to its suggestion.
    pub answered_after_confirmation: i64,
    /// Passed to the experts (a ticket opened or joined).
    pub escalated: i64,
    /// Of those, whose ticket was answered.
    pub answered_by_experts: i64,
    /// « Ça répond ».
    pub helpful: i64,
    /// « Ça ne répond pas ».
    pub unhelpful: i64,
    /// Tickets opened.
    pub tickets_opened: i64,
    /// Of those, reopened at least once.
    pub tickets_reopened: i64,
    /// Of those, marked duplicates of another.
    pub tickets_duplicates: i64,
    /// Minutes from opening to the first expert action, per ticket opened.
    pub first_action: Quantiles,
    /// Minutes from opening to the first answer, per ticket opened.
    pub to_answer: Quantiles,
}

impl Overview {
    fn rate(part: i64, whole: i64) -> Option<f64> {
        (whole > 0).then(|| part as f64 / whole as f64)
    }
    /// Share of questions the bot answered (outright or after « Oui »).
    pub fn answer_rate(&self) -> Option<f64> {
        Self::rate(self.answered_directly + self.answered_after_confirmation, self.questions)
    }
    /// Share of questions passed to the experts.
    pub fn escalation_rate(&self) -> Option<f64> {
        Self::rate(self.escalated, self.questions)
    }
    /// Share of « Ça répond » among the feedback given.
    pub fn helpful_rate(&self) -> Option<f64> {
        Self::rate(self.helpful, self.helpful + self.unhelpful)
    }
}

/// One week's bar.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Week {
    /// Its Monday.
    pub monday: NaiveDate,
    /// Questions asked.
    pub questions: i64,
    /// Answered by the bot (outright or after « Oui »).
    pub answered: i64,
    /// Passed to the experts.
    pub escalated: i64,
}

/// Questions that ask the same thing.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Stable key for the drill-down: `entry:ID` for questions answered from one entry,
    /// `q:ID` (its first question) for the others.
    pub key: String,
    /// The most central question (redacted).
    pub representative: String,
    /// Questions in the period.
    pub count: i64,
    /// Questions of the previous period that fall in it.
    pub previous: i64,
    /// Of its questions, answered by the bot.
    pub answered_by_bot: i64,
    /// « Ça répond » and « Ça ne répond pas ».
    pub helpful: i64,
    /// « Ça ne répond pas ».
    pub unhelpful: i64,
    /// Passed to the experts.
    pub escalated: i64,
    /// When last asked.
    pub last_asked: DateTime<Utc>,
    /// The entry that served it (answered groups) or the bot's most frequent guess.
    pub entry: Option<EntryRef>,
    /// The expert answers given to its tickets, with where each stands.
    pub expert_answers: Vec<GapAnswer>,
    /// Where the gap stands: `sans réponse`, `réponse d'expert`, `article proposé`,
    /// `article publié` (the most advanced of its answers).
    pub state: &'static str,
    /// Its questions' ids (for the drill-down).
    #[serde(skip)]
    pub question_ids: Vec<i64>,
}

impl Group {
    /// « Ça répond » share among the feedback given, if any.
    pub fn helpful_rate(&self) -> Option<f64> {
        Overview::rate(self.helpful, self.helpful + self.unhelpful)
    }
}

/// An index entry: article slug or `answer-N`, and its title.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EntryRef {
    /// Index id.
    pub id: String,
    /// Title.
    pub title: String,
}

/// An expert answer given in a gap.
#[derive(Debug, Clone, Serialize)]
pub struct GapAnswer {
    /// Answer id.
    pub answer_id: i64,
    /// Its ticket.
    pub ticket_id: i64,
    /// `réponse d'expert`, `article proposé` (a draft under knowledge/) or `article publié`.
    pub state: &'static str,
}

/// An article and how often it served in the period.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleUse {
    /// Slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Questions it answered in the period.
    pub served: i64,
    /// Its review date.
    pub review_by: NaiveDate,
}

/// A count under a label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Count {
    /// Site, theme, expert or age band (« autres » when folded).
    pub key: String,
    /// How many.
    pub count: i64,
}

/// How the desk keeps up (tickets waiting now).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeskHealth {
    /// Tickets waiting now.
    pub waiting: i64,
    /// By age: « moins d'un jour », « 1 à 3 jours », « 3 à 7 jours », « plus de 7 jours ».
    pub by_age: Vec<Count>,
    /// By theme (folded).
    pub by_theme: Vec<Count>,
    /// By site (folded).
    pub by_site: Vec<Count>,
    /// Held by each expert (« non attribué » for the others).
    pub by_expert: Vec<Count>,
    /// Tickets each expert answered among those opened in the period.
    pub answered_by_expert: Vec<Count>,
    /// The tickets waiting longest, oldest first (at most 5).
    pub oldest: Vec<WaitingTicket>,
}

/// A ticket waiting for an answer.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingTicket {
    /// Its id.
    pub id: i64,
    /// When it was opened.
    pub opened: DateTime<Utc>,
    /// `open`, `claimed`, `waiting`.
    pub status: String,
    /// The expert holding it, if any.
    pub assignee: Option<String>,
}

/// A report and the rows it was computed from (the period's questions, filtered; the tickets
/// opened since the previous period's start or still waiting; the tickets whose askers got an
/// answer, sorted), so that exports and drill-downs read the database once.
struct Computed {
    report: Report,
    questions: Vec<ReportQuestion>,
    tickets: Vec<ReportTicket>,
    answered: Vec<i64>,
}

/// A whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What it covers.
    pub query: ReportQuery,
    /// Start of the previous period (same length, just before).
    pub previous_from: DateTime<Utc>,
    /// The period's figures.
    pub overview: Overview,
    /// The previous period's.
    pub previous: Overview,
    /// Weekly bars.
    pub weeks: Vec<Week>,
    /// Questions answered by the bot, grouped by the entry that served them, most asked first.
    pub frequent_questions: Vec<Group>,
    /// The others (escalated, unhelpful, not answered) grouped by need, largest first.
    pub gaps: Vec<Group>,
    /// Articles past their review date, most served first.
    pub to_review: Vec<ArticleUse>,
    /// Published articles that served no question in the period.
    pub never_served: Vec<ArticleUse>,
    /// Questions by theme (folded).
    pub by_theme: Vec<Count>,
    /// Questions by site (folded).
    pub by_site: Vec<Count>,
    /// The desk now.
    pub desk: DeskHealth,
}

/// Whether the bot answered a question (outright or after « Oui »), and the asker did not say
/// it failed.
fn served(q: &ReportQuestion) -> bool {
    (q.decision == "answer" || q.confirmation.as_deref() == Some("yes")) && q.feedback.as_deref() != Some("unhelpful")
}

fn quantiles(mut minutes: Vec<f64>) -> Quantiles {
    minutes.sort_by(f64::total_cmp);
    let n = minutes.len();
    if n == 0 {
        return Quantiles::default();
    }
    let median = if n.is_multiple_of(2) { (minutes[n / 2 - 1] + minutes[n / 2]) / 2.0 } else { minutes[n / 2] };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    Quantiles { median: Some(median), p90: Some(minutes[rank - 1]), n }
}

fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64 / 60_000.0
}

/// The ticket a ticket stands for: itself, or the one it was marked a duplicate of (followed
/// along a chain).
fn root(tickets: &HashMap<i64, &ReportTicket>, mut id: i64) -> i64 {
    for _ in 0..16 {
        match tickets.get(&id).and_then(|t| t.duplicate_of) {
            Some(next) => id = next,
            None => break,
        }
    }
    id
}

/// Tickets whose askers got an expert answer: answered ones, and duplicates of answered ones.
fn answered_tickets(tickets: &HashMap<i64, &ReportTicket>) -> HashSet<i64> {
    tickets.keys().copied().filter(|&id| tickets.get(&root(tickets, id)).is_some_and(|t| t.first_answer_at.is_some())).collect()
}

/// The overview of questions and of the tickets opened among them.
fn overview(questions: &[ReportQuestion], answered: &HashSet<i64>, opened: &[&ReportTicket]) -> Overview {
    let mut o = Overview { questions: questions.len() as i64, ..Default::default() };
    for q in questions {
        match (q.decision.as_str(), q.confirmation.as_deref()) {
            ("answer", _) => o.answered_directly += 1,
            (_, Some("yes")) => o.answered_after_confirmation += 1,
            _ => {}
        }
        if let Some(t) = q.ticket_id {
            o.escalated += 1;
            if answered.contains(&t) {
                o.answered_by_experts += 1;
            }
        }
        match q.feedback.as_deref() {
            Some("helpful") => o.helpful += 1,
            Some("unhelpful") => o.unhelpful += 1,
            _ => {}
        }
    }
    o.tickets_opened = opened.len() as i64;
    o.tickets_reopened = opened.iter().filter(|t| t.reopens > 0).count() as i64;
    o.tickets_duplicates = opened.iter().filter(|t| t.duplicate_of.is_some()).count() as i64;
    o.first_action = quantiles(opened.iter().filter_map(|t| t.first_action_at.map(|a| minutes(t.created_at, a))).collect());
    o.to_answer = quantiles(opened.iter().filter_map(|t| t.first_answer_at.map(|a| minutes(t.created_at, a))).collect());
    o
}

/// Counts by key, keys with fewer than [`FOLD_BELOW`] folded into « autres », largest first.
pub fn folded<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<Count> {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    let mut out: Vec<Count> = Vec::new();
    let mut others = 0;
    for (key, count) in counts {
        if count < FOLD_BELOW {
            others += count;
        } else {
            out.push(Count { key: key.to_string(), count });
        }
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    if others > 0 {
        out.push(Count { key: OTHERS.into(), count: others });
    }
    out
}

fn in_filter(query: &ReportQuery, q: &ReportQuestion) -> bool {
    query.theme.as_ref().is_none_or(|t| q.theme.as_ref() == Some(t)) && query.site.as_ref().is_none_or(|s| q.site.as_ref() == Some(s))
}

impl Service {
    /// The report of a period (managers only). Errors: `Forbidden`, `Invalid` period, store
    /// errors.
    pub async fn report(&self, actor: &User, query: &ReportQuery) -> DeskResult<Report> {
        Ok(self.computed(actor, query).await?.report)
    }

    /// A report for a manager, with the rows it was computed from.
    async fn computed(&self, actor: &User, query: &ReportQuery) -> DeskResult<Computed> {
        require_reports(actor)?;
        self.compute(query).await
    }

    /// The report of the last `days` days, for the scheduled managers' digest (no user behind
    /// it; it goes to the managers' channel only).
    pub async fn digest_report(&self, days: i64) -> DeskResult<Report> {
        let to = Utc::now();
        Ok(self.compute(&ReportQuery { from: to - Duration::days(days.clamp(1, 366)), to, theme: None, site: None }).await?.report)
    }

    /// Reads the period's rows once and computes the report from them.
    async fn compute(&self, query: &ReportQuery) -> DeskResult<Computed> {
        if query.to <= query.from || query.to - query.from > Duration::days(3660) {
            return Err(DeskError::NotFound("Période invalide : la fin doit suivre le début, sur dix ans au plus.".into()));
        }
        let previous_from = query.from - (query.to - query.from);
        let all: Vec<ReportQuestion> = self.store.report_questions(previous_from, query.to).await?;
        let (previous_qs, current_qs): (Vec<ReportQuestion>, Vec<ReportQuestion>) =
            all.into_iter().filter(|q| in_filter(query, q)).partition(|q| q.created_at < query.from);
        let ticket_rows = self.store.report_tickets(previous_from, query.to).await?;
        let tickets: HashMap<i64, &ReportTicket> = ticket_rows.iter().map(|t| (t.id, t)).collect();
        let opened_in = |from: DateTime<Utc>, to: DateTime<Utc>, questions: &[ReportQuestion]| -> Vec<&ReportTicket> {
            let ids: HashSet<i64> = questions.iter().map(|q| q.id).collect();
            ticket_rows.iter().filter(|t| t.created_at >= from && t.created_at < to && ids.contains(&t.question_id)).collect()
        };
        let answered = answered_tickets(&tickets);
        let opened = opened_in(query.from, query.to, &current_qs);
        let opened_before = opened_in(previous_from, query.from, &previous_qs);

        let kb = self.bot().kb();
        let today = crate::app::today();
        let (frequent_questions, gaps) = self.groups(&current_qs, &previous_qs, &tickets);
        let mut served_by: HashMap<&str, i64> = HashMap::new();
        for q in current_qs.iter().filter(|q| served(q)) {
            if let Some(id) = &q.top_id {
                *served_by.entry(id.as_str()).or_default() += 1;
            }
        }
        let article_use = |a: &crate::knowledge::Article| ArticleUse {
            slug: a.slug.clone(),
            title: a.title.clone(),
            served: served_by.get(a.slug.as_str()).copied().unwrap_or(0),
            review_by: a.review_by,
        };
        let mut to_review: Vec<ArticleUse> = kb.published().filter(|a| a.is_stale(today)).map(article_use).collect();
        to_review.sort_by(|a, b| b.served.cmp(&a.served).then(a.review_by.cmp(&b.review_by)));
        let never_served: Vec<ArticleUse> =
            if query.theme.is_none() && query.site.is_none() { kb.published().map(article_use).filter(|a| a.served == 0).collect() } else { Vec::new() };

        // Weekly bars, Monday to Sunday, over the period.
        let mut weeks: BTreeMap<NaiveDate, Week> = BTreeMap::new();
        let zone = super::display::time_zone();
        let monday = |at: DateTime<Utc>| {
            let day = at.with_timezone(&zone).date_naive();
            day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
        };
        let mut day = monday(query.from);
        while day < query.to.with_timezone(&zone).date_naive() {
            weeks.insert(day, Week { monday: day, questions: 0, answered: 0, escalated: 0 });
            day += Duration::days(7);
        }
        for q in &current_qs {
            let w = weeks.entry(monday(q.created_at)).or_insert_with(|| Week { monday: monday(q.created_at), questions: 0, answered: 0, escalated: 0 });
            w.questions += 1;
            w.answered += i64::from(q.decision == "answer" || q.confirmation.as_deref() == Some("yes"));
            w.escalated += i64::from(q.ticket_id.is_some());
        }

        let waiting: Vec<&ReportTicket> = ticket_rows
            .iter()
            .filter(|t| matches!(t.status.as_str(), "open" | "claimed" | "waiting"))
            .filter(|t| query.theme.as_ref().is_none_or(|th| t.theme.as_ref() == Some(th)))
            .filter(|t| query.site.as_ref().is_none_or(|s| t.site.as_ref() == Some(s)))
            .collect();
        let now = Utc::now();
        let band = |t: &&ReportTicket| {
            let days = (now - t.created_at).num_hours() as f64 / 24.0;
            if days < 1.0 {
                "moins d'un jour"
            } else if days < 3.0 {
                "1 à 3 jours"
            } else if days < 7.0 {
                "3 à 7 jours"
            } else {
                "plus de 7 jours"
            }
        };
        let by_age = ["moins d'un jour", "1 à 3 jours", "3 à 7 jours", "plus de 7 jours"]
            .iter()
            .map(|b| Count { key: b.to_string(), count: waiting.iter().filter(|t| band(t) == *b).count() as i64 })
            .collect();
        let mut by_expert: BTreeMap<String, i64> = BTreeMap::new();
        for t in &waiting {
            *by_expert.entry(t.assignee.clone().unwrap_or_else(|| "non attribué".into())).or_default() += 1;
        }
        let mut answered_by_expert: BTreeMap<String, i64> = BTreeMap::new();
        for t in opened.iter().filter(|t| t.first_answer_at.is_some()) {
            if let Some(name) = &t.assignee {
                *answered_by_expert.entry(name.clone()).or_default() += 1;
            }
        }
        let counts = |m: BTreeMap<String, i64>| {
            let mut v: Vec<Count> = m.into_iter().map(|(key, count)| Count { key, count }).collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
            v
        };
        let desk = DeskHealth {
            waiting: waiting.len() as i64,
            by_age,
            by_theme: folded(waiting.iter().map(|t| t.theme.as_deref().unwrap_or("(sans thème)"))),
            by_site: folded(waiting.iter().map(|t| t.site.as_deref().unwrap_or("(inconnu)"))),
            by_expert: counts(by_expert),
            answered_by_expert: counts(answered_by_expert),
            oldest: {
                let mut by_age = waiting.clone();
                by_age.sort_by_key(|t| (t.created_at, t.id));
                by_age
                    .iter()
                    .take(5)
                    .map(|t| WaitingTicket { id: t.id, opened: t.created_at, status: t.status.clone(), assignee: t.assignee.clone() })
                    .collect()
            },
        };

        let report = Report {
            overview: overview(&current_qs, &answered, &opened),
            previous: overview(&previous_qs, &answered, &opened_before),
            weeks: weeks.into_values().collect(),
            by_theme: folded(current_qs.iter().map(|q| q.theme.as_deref().unwrap_or("(sans thème)"))),
            by_site: folded(current_qs.iter().map(|q| q.site.as_deref().unwrap_or("(inconnu)"))),
            frequent_questions,
            gaps,
            to_review,
            never_served,
            desk,
            previous_from,
            query: query.clone(),
        };
        let mut answered: Vec<i64> = answered.into_iter().collect();
        answered.sort_unstable();
        Ok(Computed { report, questions: current_qs, tickets: ticket_rows, answered })
    }

    /// A report with the questions of its period (filtered as the report) and the tickets that
    /// got an answer (sorted): what the CSV export needs.
    pub async fn report_with_questions(&self, actor: &User, query: &ReportQuery) -> DeskResult<(Report, Vec<ReportQuestion>, Vec<i64>)> {
        let c = self.computed(actor, query).await?;
        Ok((c.report, c.questions, c.answered))
    }

    /// The tickets opened in a report's period among its questions (filtered as the report),
    /// oldest first.
    pub async fn report_tickets(&self, actor: &User, query: &ReportQuery) -> DeskResult<(Report, Vec<ReportTicket>)> {
        let c = self.computed(actor, query).await?;
        let ids: HashSet<i64> = c.questions.iter().map(|q| q.id).collect();
        let tickets =
            c.tickets.into_iter().filter(|t| t.created_at >= query.from && t.created_at < query.to && ids.contains(&t.question_id)).collect();
        Ok((c.report, tickets))
    }

    /// The tickets waiting now (filtered by the report's theme and site), oldest first: the
    /// desk health's rows.
    pub async fn report_waiting(&self, actor: &User, query: &ReportQuery) -> DeskResult<(Report, Vec<ReportTicket>)> {
        let c = self.computed(actor, query).await?;
        let mut waiting: Vec<ReportTicket> = c
            .tickets
            .into_iter()
            .filter(|t| matches!(t.status.as_str(), "open" | "claimed" | "waiting"))
            .filter(|t| query.theme.as_ref().is_none_or(|th| t.theme.as_ref() == Some(th)))
            .filter(|t| query.site.as_ref().is_none_or(|s| t.site.as_ref() == Some(s)))
            .collect();
        waiting.sort_by_key(|t| (t.created_at, t.id));
        Ok((c.report, waiting))
    }

    /// The questions behind one figure of a report's overview (`filter`: `all`, `bot` answered
    /// outright, `confirmed` after « Oui », `escalated`, `experts` answered by experts,
    /// `helpful`, `unhelpful`), newest first. Errors: `NotFound` for another filter.
    pub async fn report_figure(&self, actor: &User, query: &ReportQuery, filter: &str) -> DeskResult<Vec<ReportQuestion>> {
        // Who asks is checked before what is asked: a staff member learns nothing of the filters.
        require_reports(actor)?;
        if !FIGURE_FILTERS.contains(&filter) {
            return Err(DeskError::NotFound(format!("Filtre inconnu : {filter}.")));
        }
        let (_, questions, answered) = self.report_with_questions(actor, query).await?;
        let keep = |q: &ReportQuestion| match filter {
            "bot" => q.decision == "answer",
            "confirmed" => q.decision != "answer" && q.confirmation.as_deref() == Some("yes"),
            "escalated" => q.ticket_id.is_some(),
            "experts" => q.ticket_id.is_some_and(|t| answered.binary_search(&t).is_ok()),
            "helpful" => q.feedback.as_deref() == Some("helpful"),
            "unhelpful" => q.feedback.as_deref() == Some("unhelpful"),
            _ => true,
        };
        let mut out: Vec<ReportQuestion> = questions.into_iter().filter(keep).collect();
        out.reverse();
        Ok(out)
    }

    /// The questions of one group of a report (redacted text; never who asked).
    pub async fn report_group(&self, actor: &User, query: &ReportQuery, key: &str) -> DeskResult<(Group, Vec<ReportQuestion>)> {
        let c = self.computed(actor, query).await?;
        let group = c
            .report
            .frequent_questions
            .into_iter()
            .chain(c.report.gaps)
            .find(|g| g.key == key)
            .ok_or_else(|| DeskError::NotFound("Ce groupe n'existe pas sur cette période.".into()))?;
        let ids: HashSet<i64> = group.question_ids.iter().copied().collect();
        let mut questions: Vec<ReportQuestion> = c.questions.into_iter().filter(|q| ids.contains(&q.id)).collect();
        questions.reverse();
        Ok((group, questions))
    }

    /// Frequent questions (answered, by serving entry) and gaps (the rest, by need).
    fn groups(&self, current: &[ReportQuestion], previous: &[ReportQuestion], tickets: &HashMap<i64, &ReportTicket>) -> (Vec<Group>, Vec<Group>) {
        let index = self.bot().index();
        let weights_of = |q: &ReportQuestion| groups::with_guess(index.term_weights(&strip_placeholders(&q.text)), q.top_id.as_deref());
        // Tickets marked duplicates count as the ticket they duplicate.
        let root = |id: i64| root(tickets, id);

        // Answered: by the entry that served them.
        let mut by_entry: BTreeMap<&str, Vec<&ReportQuestion>> = BTreeMap::new();
        for q in current.iter().filter(|q| served(q)) {
            if let Some(id) = &q.top_id {
                by_entry.entry(id.as_str()).or_default().push(q);
            }
        }
        let mut previous_by_entry: HashMap<&str, i64> = HashMap::new();
        for q in previous.iter().filter(|q| served(q)) {
            if let Some(id) = &q.top_id {
                *previous_by_entry.entry(id.as_str()).or_default() += 1;
            }
        }
        let mut frequent: Vec<Group> = by_entry
            .into_iter()
            .map(|(entry, qs)| {
                let weights: Vec<_> = qs.iter().map(|q| weights_of(q)).collect();
                let members: Vec<usize> = (0..qs.len()).collect();
                let rep = groups::representative(&weights, &members);
                let mut g = self.group_of(format!("entry:{entry}"), &qs, qs[rep], previous_by_entry.get(entry).copied().unwrap_or(0));
                g.entry = Some(EntryRef { id: entry.to_string(), title: qs[0].top_title.clone().unwrap_or_default() });
                g
            })
            .collect();
        frequent.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        frequent.truncate(LIST);

        // The rest: by need.
        let rest: Vec<&ReportQuestion> = current.iter().filter(|q| !served(q)).collect();
        let weights: Vec<_> = rest.iter().map(|q| weights_of(q)).collect();
        let tie: Vec<Option<i64>> = rest.iter().map(|q| q.ticket_id.map(root)).collect();
        let clusters = groups::cluster(&weights, &tie, groups::SAME_NEED);
        let previous_rest: Vec<_> = previous.iter().filter(|q| !served(q)).map(weights_of).collect();
        let mut gaps: Vec<Group> = clusters
            .into_iter()
            .take(LIST)
            .map(|members| {
                let qs: Vec<&ReportQuestion> = members.iter().map(|&i| rest[i]).collect();
                let rep = groups::representative(&weights, &members);
                let before = previous_rest
                    .iter()
                    .filter(|w| members.iter().any(|&i| groups::similarity(w, &weights[i]) >= groups::SAME_NEED))
                    .count() as i64;
                let mut g = self.group_of(format!("q:{}", qs[0].id), &qs, rest[rep], before);
                // The bot's most frequent guess, for the curator.
                let mut guesses: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
                for q in &qs {
                    if let (Some(id), Some(title)) = (&q.top_id, &q.top_title) {
                        guesses.entry(id).or_insert((0, title)).0 += 1;
                    }
                }
                g.entry = guesses.into_iter().max_by_key(|(_, (n, _))| *n).map(|(id, (_, title))| EntryRef { id: id.into(), title: title.into() });
                // Expert answers already given to its tickets.
                let ticket_ids: HashSet<i64> = qs.iter().filter_map(|q| q.ticket_id).collect();
                g.expert_answers = ticket_ids
                    .iter()
                    .filter_map(|t| tickets.get(t))
                    .filter_map(|t| t.answer.as_ref().map(|(id, _)| (t.id, *id)))
                    .map(|(ticket_id, answer_id)| GapAnswer { answer_id, ticket_id, state: self.answer_state(answer_id) })
                    .collect();
                g.expert_answers.sort_by_key(|a| a.answer_id);
                g.state = g.expert_answers.iter().map(|a| a.state).max_by_key(|s| state_rank(s)).unwrap_or("sans réponse");
                g
            })
            .collect();
        gaps.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        (frequent, gaps)
    }

    fn group_of(&self, key: String, qs: &[&ReportQuestion], representative: &ReportQuestion, previous: i64) -> Group {
        Group {
            key,
            representative: representative.text.clone(),
            count: qs.len() as i64,
            previous,
            answered_by_bot: qs.iter().filter(|q| q.decision == "answer" || q.confirmation.as_deref() == Some("yes")).count() as i64,
            helpful: qs.iter().filter(|q| q.feedback.as_deref() == Some("helpful")).count() as i64,
            unhelpful: qs.iter().filter(|q| q.feedback.as_deref() == Some("unhelpful")).count() as i64,
            escalated: qs.iter().filter(|q| q.ticket_id.is_some()).count() as i64,
            last_asked: qs.iter().map(|q| q.created_at).max().unwrap_or_default(),
            entry: None,
            expert_answers: Vec::new(),
            state: "sans réponse",
            question_ids: qs.iter().map(|q| q.id).collect(),
        }
    }

    /// Where an expert answer stands on its way to the knowledge base.
    fn answer_state(&self, answer_id: i64) -> &'static str {
        let slug = format!("reponse-expert-{answer_id}");
        let kb = self.bot().kb();
        if kb.published().any(|a| a.slug == slug) {
            return "article publié";
        }
        let proposed = kb.article(&slug).is_some()
            || std::fs::read_dir(&self.settings.knowledge_dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|theme| theme.path().join(format!("{slug}.md")).is_file());
        if proposed { "article proposé" } else { "réponse d'expert" }
    }
}

/// The filters of [`Service::report_figure`].
pub const FIGURE_FILTERS: [&str; 7] = ["all", "bot", "confirmed", "escalated", "experts", "helpful", "unhelpful"];

fn state_rank(state: &str) -> u8 {
    match state {
        "article publié" => 3,
        "article proposé" => 2,
        "réponse d'expert" => 1,
        _ => 0,
    }
}

/// Reports are for managers. Errors: `Forbidden` for anyone else.
fn require_reports(actor: &User) -> DeskResult<()> {
    if actor.role.can_see_reports() {
        Ok(())
    } else {
        Err(DeskError::Forbidden("Les rapports sont réservés aux responsables.".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_keys_fold_into_others() {
        let keys = ["Lyon", "Lyon", "Lyon", "Metz", "Metz", "Caen"];
        assert_eq!(folded(keys.iter().copied()), vec![Count { key: "Lyon".into(), count: 3 }, Count { key: OTHERS.into(), count: 3 }]);
    }

    #[test]
    fn quantiles_use_the_median_and_the_nearest_rank() {
        let q = quantiles((1..=10).map(f64::from).collect());
        assert_eq!((q.median, q.p90, q.n), (Some(5.5), Some(9.0), 10));
        assert_eq!(quantiles(Vec::new()), Quantiles::default());
    }
}
