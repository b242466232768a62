//! Manager reports on a seeded history, on SQLite and PostgreSQL: the groups are found, the
//! figures are exact, the CSV says what the tables say, and small sites are folded.

mod support;

use chrono::{Duration, Utc};
use svp::core::reports::{OTHERS, ReportQuery, export};
use svp::core::roles::Role;
use svp::core::{DeskError, EscalateMode};
use svp::store::{NewQuestion, NewUser, Origin, User};

async fn user(s: &svp::core::Service, name: &str, role: Role, site: &str) -> User {
    s.add_user(NewUser { name: name.into(), role, site: Some(site.into()), discord_id: None }).await.unwrap()
}

/// Records a question as the bot decided it (`answer` from `top`, or `escalate`).
async fn asked(s: &svp::core::Service, asker: &User, text: &str, decision: &str, top: Option<(&str, &str)>) -> i64 {
    s.store()
        .record_question(&NewQuestion {
            asker_id: Some(asker.id),
            text: text.into(),
            origin: Origin { transport: "cli".into(), channel: None },
            site: asker.site.clone(),
            decision: decision.into(),
            confidence: if decision == "answer" { 0.9 } else { 0.1 },
            reason: String::new(),
            top: top.map(|(id, title)| (id.into(), "article".into(), title.into(), "droits-sociaux".into())),
            hits_json: "[]".into(),
            redactions_json: None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_seeded_history_gives_exact_figures_groups_and_exports() {
    for target in support::Target::all().await {
        let e = target.engine;
        let s = svp::app::open_service(&target.settings(), false, &|_| {}).await.unwrap();
        let lyon = user(&s, "Chloé", Role::Staff, "CPH Lyon").await;
        let metz = user(&s, "Dan", Role::Staff, "CADA Metz").await;
        let expert = user(&s, "Awa", Role::Expert, "Siège").await;
        let manager = user(&s, "Maya", Role::Manager, "Siège").await;
        let rsa = Some(("rsa-conditions-bpi", "RSA : conditions pour les BPI"));

        // Frequent: three questions answered from the RSA article, one of them judged unhelpful
        // (it then counts among the gaps: the bot did not serve it).
        let mut frequent = Vec::new();
        for text in ["le RSA pour un réfugié de 23 ans ?", "RSA réfugié moins de 25 ans possible ?", "un jeune réfugié peut-il toucher le RSA ?"] {
            frequent.push(asked(&s, &lyon, text, "answer", rsa).await);
        }
        s.feedback(&lyon, frequent[0], true).await.unwrap();
        s.feedback(&lyon, frequent[1], true).await.unwrap();
        let unhelpful = asked(&s, &metz, "RSA majoré parent isolé réfugié montant ?", "answer", rsa).await;
        s.feedback(&metz, unhelpful, false).await.unwrap();

        // A gap: two close questions escalated to two tickets, and a third, in other words,
        // whose ticket an expert marks as a duplicate of the first: all three together.
        let fishing = asked(&s, &lyon, "carte de pêche à tarif réduit pour un réfugié ?", "escalate", None).await;
        let t1 = s.escalate(&lyon, fishing, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        let fishing2 = asked(&s, &lyon, "tarif réduit carte de pêche réfugié possible ?", "escalate", None).await;
        s.escalate(&lyon, fishing2, EscalateMode::New).await.unwrap();
        let other_words = asked(&s, &metz, "peut-il aller à la rivière avec un permis moins cher ?", "escalate", None).await;
        let t3 = s.escalate(&metz, other_words, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        s.merge(&expert, t3, t1).await.unwrap();
        s.claim(&expert, t1).await.unwrap();
        s.answer(&expert, t1, "Oui : les fédérations départementales de pêche proposent des tarifs réduits.").await.unwrap();

        let query = ReportQuery { from: Utc::now() - Duration::days(7), to: Utc::now() + Duration::minutes(1), theme: None, site: None };
        assert!(matches!(s.report(&lyon, &query).await, Err(DeskError::Forbidden(_))), "{e}");
        assert!(matches!(s.report(&expert, &query).await, Err(DeskError::Forbidden(_))), "{e}");
        let report = s.report(&manager, &query).await.unwrap();
        let o = &report.overview;
        assert_eq!((o.questions, o.answered_directly, o.answered_after_confirmation, o.escalated), (7, 4, 0, 3), "{e}: {o:?}");
        assert_eq!((o.helpful, o.unhelpful, o.tickets_opened, o.tickets_duplicates), (2, 1, 3, 1), "{e}: {o:?}");
        // The duplicate's asker got t1's answer: answered by experts too.
        assert_eq!(o.answered_by_experts, 2, "{e}: {o:?}");
        assert_eq!((o.to_answer.n, o.first_action.n), (1, 2), "{e}: the claim of t1 and the duplicate mark of t3");
        assert_eq!(report.previous.questions, 0, "{e}");
        // Every figure lists exactly its questions.
        for (filter, n) in [
            ("all", o.questions),
            ("bot", o.answered_directly),
            ("confirmed", o.answered_after_confirmation),
            ("escalated", o.escalated),
            ("experts", o.answered_by_experts),
            ("helpful", o.helpful),
            ("unhelpful", o.unhelpful),
        ] {
            assert_eq!(s.report_figure(&manager, &query, filter).await.unwrap().len() as i64, n, "{e}: {filter}");
        }
        assert!(matches!(s.report_figure(&manager, &query, "x").await, Err(DeskError::NotFound(_))), "{e}");
        let (_, tickets) = s.report_tickets(&manager, &query).await.unwrap();
        let tickets_csv = String::from_utf8(export::tickets_csv(&report, &tickets)).unwrap();
        assert_eq!(tickets_csv.lines().count() as i64, 1 + o.tickets_opened, "{e}: {tickets_csv}");

        let f = &report.frequent_questions;
        assert_eq!(f.len(), 1, "{e}: {f:?}");
        assert_eq!((f[0].count, f[0].helpful, f[0].entry.as_ref().unwrap().id.as_str()), (3, 2, "rsa-conditions-bpi"), "{e}");
        let fishing_group = report.gaps.iter().find(|g| g.question_ids.contains(&fishing)).expect("the gap");
        let mut ids = fishing_group.question_ids.clone();
        ids.sort_unstable();
        assert_eq!(ids, vec![fishing, fishing2, other_words], "{e}: close words and the duplicate ticket together");
        assert_eq!((fishing_group.count, fishing_group.escalated, fishing_group.state), (3, 3, "réponse d'expert"), "{e}");
        assert_eq!(fishing_group.expert_answers.len(), 1, "{e}");
        assert!(report.gaps.iter().any(|g| g.question_ids == vec![unhelpful]), "{e}: the unhelpful answer is a gap of its own");

        // Sites: Lyon has 5 questions, Metz 2 (folded).
        let sites: Vec<(&str, i64)> = report.by_site.iter().map(|c| (c.key.as_str(), c.count)).collect();
        assert_eq!(sites, vec![("CPH Lyon", 5), (OTHERS, 2)], "{e}");
        // The desk: t2 waits (t1 answered, t3 merged).
        assert_eq!(report.desk.waiting, 1, "{e}: {:?}", report.desk);
        assert_eq!(report.desk.oldest.len(), 1, "{e}");
        let (_, waiting) = s.report_waiting(&manager, &query).await.unwrap();
        assert_eq!(waiting.iter().map(|t| t.id).collect::<Vec<_>>(), vec![report.desk.oldest[0].id], "{e}");

        // Filtered by site: only Lyon's questions.
        let lyon_only = s.report(&manager, &ReportQuery { site: Some("CPH Lyon".into()), ..query.clone() }).await.unwrap();
        assert_eq!(lyon_only.overview.questions, 5, "{e}");

        // CSV: one row per question, the report's groups, folded sites, no one's name.
        let (report, questions, answered) = s.report_with_questions(&manager, &query).await.unwrap();
        let csv = String::from_utf8(export::questions_csv(&report, &questions, &answered)).unwrap();
        assert!(csv.starts_with('\u{feff}'), "{e}");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 1 + 7, "{e}: {csv}");
        assert_eq!(lines[0], "question;date;site;thème;issue;fiche;avis;ticket;groupe;texte", "{e}");
        assert_eq!(lines.iter().filter(|l| l.contains(";autres;")).count(), 2, "{e}");
        assert_eq!(lines.iter().filter(|l| l.contains(";répondue par le bot;")).count(), 4, "{e}: {csv}");
        assert_eq!(lines.iter().filter(|l| l.contains(";répondue par un expert;")).count(), 2, "{e}: {csv}");
        let rep = &fishing_group.representative;
        assert_eq!(lines.iter().filter(|l| l.contains(&format!(";{rep};"))).count(), 3, "{e}: {rep:?} in {csv}");
        for name in ["Chloé", "Dan", "Awa"] {
            assert!(!csv.contains(name) && !export::markdown(&report).contains(name), "{e}: {name}");
        }
        let groups_csv = String::from_utf8(export::groups_csv(&report)).unwrap();
        assert_eq!(groups_csv.lines().count(), 1 + report.frequent_questions.len() + report.gaps.len(), "{e}");

        // The JSON of `svp report` carries the lists the issue names.
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["frequent_questions"][0]["count"], 3, "{e}");
        assert!(json["gaps"][0]["representative"].is_string(), "{e}");

        // The drill-down lists the group's questions.
        let (group, listed) = s.report_group(&manager, &query, &fishing_group.key).await.unwrap();
        assert_eq!((group.count, listed.len()), (3, 3), "{e}");
    }
}
