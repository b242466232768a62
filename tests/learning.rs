//! Learning from use, on SQLite and PostgreSQL: a question its asker confirmed becomes a
//! phrasing of the entry that served it, the bot answers it outright next time, experts review
//! it, and the index keeps it across a rebuild.

mod support;

use svp::core::roles::Role;
use svp::core::{Confirmed, Decision, DeskError};
use svp::store::Origin;

fn cli() -> Origin {
    Origin { transport: "cli".into(), channel: None }
}

const QUESTION: &str = "la caf demande 5 ans de titre de séjour pour le rsa d'un réfugié ?";

/// « Oui » to the bot's suggestion teaches the question to the article: asked again (by
/// someone else, in other case), it is answered outright. An expert removes it: the bot is
/// back to asking, and the same confirmation does not teach it again.
#[tokio::test]
async fn a_confirmed_question_is_learned_and_an_expert_can_remove_it() {
    for target in support::Target::all().await {
        let e = target.engine;
        let mut settings = target.settings();
        // Every reply that is not an answer asks about its first entry.
        settings.search.suggest_threshold = 0.0;
        let s = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let chloe = support::create_user(&s, "Chloé", Role::Staff).await;
        let dan = support::create_user(&s, "Dan", Role::Staff).await;
        let expert = support::create_user(&s, "Awa", Role::Expert).await;
        let manager = support::create_user(&s, "Maya", Role::Manager).await;

        let first = s.ask(&chloe, QUESTION, cli()).await.unwrap();
        assert_eq!(first.reply.decision, Decision::Escalate, "{e}: the premise, a question the bot does not dare answer");
        let guess = first.reply.did_you_mean.clone().expect("a guess");
        assert!(matches!(s.confirm(&chloe, first.question_id, true).await.unwrap(), Confirmed::Answered(_)), "{e}");

        let (list, usage) = s.entry_phrasings(&expert, &guess.id).await.unwrap();
        assert_eq!(list.len(), 1, "{e}: {list:?}");
        let learned = &list[0];
        assert_eq!((learned.text.as_str(), learned.source.as_str(), learned.status.as_str()), (QUESTION, "confirmed", "new"), "{e}");
        assert_eq!(learned.question_id, Some(first.question_id), "{e}");
        assert_eq!(usage.served, 1, "{e}: answered after confirmation counts as served");
        assert_eq!(s.phrasings_to_review(&manager, 10).await.unwrap().len(), 1, "{e}: managers read them");

        let again = s.ask(&dan, "La CAF demande 5 ans de titre de séjour pour le RSA d'un réfugié ?", cli()).await.unwrap();
        assert_eq!(again.reply.decision, Decision::Answer, "{e}: {:?}", again.reply.features);
        assert_eq!(again.reply.answer.as_ref().unwrap().id, guess.id, "{e}");

        // Staff neither see nor review them; managers do not review them.
        assert!(matches!(s.entry_phrasings(&chloe, &guess.id).await, Err(DeskError::Forbidden(_))), "{e}");
        assert!(matches!(s.review_phrasing(&manager, learned.id, false).await, Err(DeskError::Forbidden(_))), "{e}");
        assert!(matches!(s.review_phrasing(&expert, 999_999, false).await, Err(DeskError::NotFound(_))), "{e}");

        let removed = s.review_phrasing(&expert, learned.id, false).await.unwrap();
        assert_eq!((removed.status.as_str(), removed.reviewed_by.as_deref()), ("removed", Some("Awa")), "{e}");
        let after = s.ask(&dan, QUESTION, cli()).await.unwrap();
        assert_eq!(after.reply.decision, Decision::Escalate, "{e}: the removed phrasing left the index at once");
        s.confirm(&dan, after.question_id, true).await.unwrap();
        let (list, _) = s.entry_phrasings(&expert, &guess.id).await.unwrap();
        assert_eq!(list.len(), 1, "{e}: what an expert removed is not learned again: {list:?}");
    }
}

/// « Ça répond » teaches the question to the entry that answered it; taking it back removes
/// what it taught. Learned phrasings survive a full index rebuild; an expert's own phrasings are
/// redacted and approved at once.
#[tokio::test]
async fn helpful_feedback_teaches_and_a_rebuild_keeps_it() {
    for target in support::Target::all().await {
        let e = target.engine;
        let mut settings = target.settings();
        // Every first hit is answered, so that feedback applies.
        settings.search.answer_threshold = 0.0;
        let s = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let staff = support::create_user(&s, "Chloé", Role::Staff).await;
        let expert = support::create_user(&s, "Awa", Role::Expert).await;

        let q = "ma cliente voudrait faire venir son mari et ses deux enfants restés au pays, comment faire ?";
        let asked = s.ask(&staff, q, cli()).await.unwrap();
        let entry = asked.reply.answer.as_ref().expect("answered").id.clone();
        let before = asked.reply.features.phrasing;
        s.feedback(&staff, asked.question_id, true).await.unwrap();
        let (list, _) = s.entry_phrasings(&expert, &entry).await.unwrap();
        assert_eq!(list.iter().map(|p| (p.source.as_str(), p.status.as_str())).collect::<Vec<_>>(), [("helpful", "new")], "{e}");

        // Clicking twice teaches once.
        s.feedback(&staff, asked.question_id, true).await.unwrap();
        assert_eq!(s.entry_phrasings(&expert, &entry).await.unwrap().0.len(), 1, "{e}");

        let close = s.bot().reply(q, svp::app::today()).unwrap();
        assert!(close.features.phrasing > before && close.features.phrasing > 0.95, "{e}: {before} → {}", close.features.phrasing);

        // Reopened on a fresh, rebuilt index: still there.
        drop(s);
        let s = svp::app::open_service(&settings, true, &|_| {}).await.unwrap();
        let rebuilt = s.bot().reply(q, svp::app::today()).unwrap();
        assert!(rebuilt.features.phrasing > 0.95, "{e}: {}", rebuilt.features.phrasing);

        // « Ça ne répond pas » afterwards: the unreviewed phrasing is withdrawn.
        s.feedback(&staff, asked.question_id, false).await.unwrap();
        let (list, _) = s.entry_phrasings(&expert, &entry).await.unwrap();
        assert_eq!(list[0].status, "removed", "{e}");
        let withdrawn = s.bot().reply(q, svp::app::today()).unwrap();
        assert!(withdrawn.features.phrasing < 0.95, "{e}: the question no longer reads as a phrasing: {}", withdrawn.features.phrasing);

        // An expert adds phrasings: redacted, approved, indexed; staff may not.
        let added = s
            .add_phrasings(&expert, &entry, &["  ".into(), "Mme Diallo peut-elle faire venir ses enfants ?".into()])
            .await
            .unwrap();
        assert_eq!(added, 1, "{e}");
        let (list, _) = s.entry_phrasings(&expert, &entry).await.unwrap();
        let mine = list.iter().find(|p| p.source == "expert").expect("added");
        assert_eq!(mine.status, "approved", "{e}");
        assert!(!mine.text.contains("Diallo"), "{e}: {}", mine.text);
        assert!(matches!(s.add_phrasings(&staff, &entry, &["une question ?".into()]).await, Err(DeskError::Forbidden(_))), "{e}");
        assert!(matches!(s.add_phrasings(&expert, "pas-une-fiche", &["une question ?".into()]).await, Err(DeskError::NotFound(_))), "{e}");
    }
}
