//! `svp privacy rescan` on both engines: texts stored under older, weaker redaction rules lose
//! what the current rules find, answers are re-indexed, and a second run changes nothing.

mod support;

use sqlx::Connection;
use support::TestEnv;
use svp::core::EscalateMode;
use svp::core::redact::RULES_VERSION;
use svp::core::roles::Role;
use svp::store::Origin;

const LEAKY_ANSWER: &str = "Mme Fatoumata Sissoko (06 12 34 56 78) peut demander la carte de stationnement à la MDPH.";

#[tokio::test]
async fn rescan_redacts_old_rows_reindexes_and_is_idempotent() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let staff = env.user("Chloé", Role::Staff).await;
        let expert = env.user("Awa", Role::Expert).await;
        let origin = Origin { transport: "cli".into(), channel: None };
        let asked = s.ask(&staff, "Un réfugié peut-il avoir une carte de stationnement handicapé ?", origin).await.unwrap();
        let ticket = s.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        s.claim(&expert, ticket).await.unwrap();
        s.answer(&expert, ticket, "La carte mobilité inclusion se demande à la MDPH.").await.unwrap();

        // Rows as older rules left them: personal data stored in clear.
        let mut db = sqlx::AnyConnection::connect(&env.target.url).await.unwrap();
        for sql in [
            "UPDATE questions SET text = 'Tél. 06\u{a0}12\u{a0}34\u{a0}56\u{a0}78, mme traoré, carte handicapé ?'",
            "UPDATE answers SET text = $1",
            "UPDATE answer_versions SET text = $1",
            "UPDATE ticket_events SET detail = $1 WHERE detail IS NOT NULL",
            "UPDATE privacy_state SET rules_version = 1",
        ] {
            let q = sqlx::query(sql);
            let q = if sql.contains("$1") { q.bind(LEAKY_ANSWER) } else { q };
            q.execute(&mut db).await.unwrap();
        }
        db.close().await.unwrap();
        assert_eq!(s.privacy_rescan_due().await.unwrap(), Some(1), "{}", env.engine);

        let report = s.privacy_rescan().await.unwrap();
        let changed = |name: &str| report.columns.iter().find(|c| c.0 == name).map(|c| c.2).unwrap();
        assert_eq!(changed("questions.text"), 1, "{}: {report:?}", env.engine);
        assert_eq!(changed("answers.text"), 1, "{}", env.engine);
        assert_eq!(changed("answer_versions.text"), 1, "{}", env.engine);
        assert!(changed("ticket_events.detail") >= 1, "{}", env.engine);
        assert_eq!(report.answers_reindexed, 1, "{}", env.engine);
        assert_eq!(s.privacy_rescan_due().await.unwrap(), None, "{}", env.engine);

        let question = s.store().question(asked.question_id).await.unwrap().unwrap();
        assert_eq!(question.text, "Tél. [téléphone], mme [nom], carte handicapé ?", "{}", env.engine);
        let answer = s.store().answer_for_ticket(ticket).await.unwrap().unwrap();
        assert!(!answer.text.contains("Sissoko") && !answer.text.contains("06 12"), "{}: {}", env.engine, answer.text);
        // The index holds the redacted answer: the name finds nothing, the subject still does.
        let reply = s.bot().reply("carte de stationnement Sissoko", svp::app::today()).unwrap();
        let top = reply.hits.first().expect("a hit");
        assert_eq!(top.kind, svp::search::EntryKind::ExpertAnswer, "{}", env.engine);
        assert!(!top.title.contains("Sissoko"), "{}", env.engine);

        let again = s.privacy_rescan().await.unwrap();
        assert_eq!(again.changed(), 0, "{}: a second rescan changes nothing: {again:?}", env.engine);
        assert_eq!(again.rules_version, RULES_VERSION);
    }
}
