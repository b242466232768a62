//! The whole ticket lifecycle, told once and run on SQLite and on PostgreSQL.

mod support;

use support::TestEnv;
use svp::core::roles::Role;
use svp::core::tickets::TicketStatus;
use svp::core::{Decision, DeskError, EscalateMode, Escalation, Service};
use svp::search::EntryKind;
use svp::store::Origin;

fn cli() -> Origin {
    Origin { transport: "cli".into(), channel: None }
}

const OUT_OF_SCOPE: &str = "Le consulat à Islamabad exige un test ADN pour les enfants de Mme Khan (06 12 34 56 78), est-ce légal et que répondre ?";
const EXPERT_ANSWER: &str = "Le test ADN est facultatif : le consulat doit le proposer, pas l'imposer (article L.811-2 du CESEDA). Répondez par écrit en demandant la base légale de l'exigence et gardez une copie.";

async fn story(env: &TestEnv) {
    let s: &Service = &env.service;
    let chloe = env.user("Chloé", Role::Staff).await;
    let dan = env.user("Dan", Role::Staff).await;
    let eve = env.user("Eve", Role::Staff).await;
    let awa = env.user("Awa", Role::Expert).await;
    let bruno = env.user("Bruno", Role::Expert).await;
    let maya = env.user("Maya", Role::Manager).await;

    // A question the knowledge base does not cover: recorded redacted, and not answered.
    let asked = s.ask(&chloe, OUT_OF_SCOPE, cli()).await.unwrap();
    assert_eq!(asked.reply.decision, Decision::Escalate, "{}", env.engine);
    let q = s.store().question(asked.question_id).await.unwrap().unwrap();
    assert!(!q.text.contains("Khan") && !q.text.contains("06 12"), "stored unredacted: {}", q.text);
    assert!(asked.reply.redaction_notice.is_some());

    // Escalation opens a ticket; a second escalation of the same question does not open a twin.
    let opened = s.escalate(&chloe, asked.question_id, EscalateMode::Propose).await.unwrap();
    let Escalation::Opened { ticket_id: t1 } = opened else { panic!("expected a new ticket, got {opened:?}") };
    assert!(matches!(s.escalate(&chloe, asked.question_id, EscalateMode::Propose).await.unwrap(), Escalation::Already { ticket_id } if ticket_id == t1));
    // Someone else may not escalate Chloé's question.
    assert!(matches!(s.escalate(&dan, asked.question_id, EscalateMode::New).await, Err(DeskError::Forbidden(_))));

    // A very close question proposes joining the open ticket, then joins it.
    let twin = s.ask(&dan, "Le consulat exige un test ADN pour les enfants, est-ce légal ? que répondre ?", cli()).await.unwrap();
    let proposed = s.escalate(&dan, twin.question_id, EscalateMode::Propose).await.unwrap();
    match &proposed {
        Escalation::Proposed { similar } => assert_eq!(similar[0].ticket_id, t1),
        other => panic!("expected a proposal to join #{t1}, got {other:?}"),
    }
    let joined = s.escalate(&dan, twin.question_id, EscalateMode::Join(t1)).await.unwrap();
    assert!(matches!(joined, Escalation::Joined { ticket_id } if ticket_id == t1));

    // Roles: staff and managers cannot claim.
    assert!(matches!(s.claim(&chloe, t1).await, Err(DeskError::Refused(_))));
    assert!(matches!(s.claim(&maya, t1).await, Err(DeskError::Refused(_))));

    // One owner: a second claim is refused and names the owner.
    let t = s.claim(&awa, t1).await.unwrap();
    assert_eq!((t.status, t.assignee_id), (TicketStatus::Claimed, Some(awa.id)));
    let refused = s.claim(&bruno, t1).await.unwrap_err().to_string();
    assert!(refused.contains("déjà pris en charge par Awa"), "{refused}");

    // Clarification: the askers are asked; Chloé's reply joins the ticket; the expert is told.
    let t = s.clarify(&awa, t1, "Les enfants ont-ils déjà un acte de naissance OFPRA ?").await.unwrap();
    assert_eq!(t.status, TicketStatus::Waiting);
    assert!(matches!(s.answer(&bruno, t1, "non").await, Err(DeskError::Refused(_))));
    assert!(matches!(s.reply(&eve, t1, "je ne suis pas concernée").await, Err(DeskError::Refused(_))));
    let t = s.reply(&chloe, t1, "Non, pas encore, la demande est en cours.").await.unwrap();
    assert_eq!(t.status, TicketStatus::Claimed);

    // A third question, opened separately, turns out to be a duplicate.
    let third = s.ask(&eve, "ADN exigé par l'ambassade pour la réunification, on fait quoi ?", cli()).await.unwrap();
    let Escalation::Opened { ticket_id: t2 } = s.escalate(&eve, third.question_id, EscalateMode::New).await.unwrap() else {
        panic!("expected a new ticket")
    };
    let merged = s.merge(&awa, t2, t1).await.unwrap();
    assert_eq!((merged.status, merged.duplicate_of), (TicketStatus::Merged, Some(t1)));
    assert!(s.merge(&awa, t1, t1).await.is_err());

    // The answer: committed, searchable at once, owed to every asker (including the duplicate's).
    let t = s.answer(&awa, t1, EXPERT_ANSWER).await.unwrap();
    assert_eq!(t.status, TicketStatus::Answered);
    let pending = s.store().notifications("web", "pending").await.unwrap();
    let answered_to: Vec<i64> = pending.iter().filter(|n| n.kind == "answer").filter_map(|n| n.recipient_id).collect();
    for user in [&chloe, &dan, &eve] {
        assert!(answered_to.contains(&user.id), "{} not notified: {answered_to:?}", user.name);
    }
    assert!(pending.iter().any(|n| n.kind == "clarification" && n.recipient_id == Some(chloe.id)));
    assert!(pending.iter().any(|n| n.kind == "asker_replied" && n.recipient_id == Some(awa.id)));

    let paraphrase = s.bot().reply("test ADN demandé par le consulat pour les enfants : légal ?", chrono::Utc::now().date_naive()).unwrap();
    let card = paraphrase.answer.as_ref().unwrap_or_else(|| panic!("not answered: {paraphrase:?}"));
    assert_eq!(card.kind, EntryKind::ExpertAnswer, "{:?}", paraphrase.hits);
    let provenance = card.expert.as_ref().unwrap();
    assert_eq!((provenance.ticket_id, provenance.author.as_str()), (t1, "Awa"));
    assert!(card.short_answer.starts_with("Le test ADN est facultatif"));

    // Close; the asker reopens her own ticket, a stranger cannot.
    assert_eq!(s.close(&awa, t1).await.unwrap().status, TicketStatus::Closed);
    assert!(matches!(s.close(&awa, t1).await, Err(DeskError::Refused(_))));
    let fred = env.user("Fred", Role::Staff).await;
    assert!(matches!(s.reopen(&fred, t1, None).await, Err(DeskError::Refused(_))));
    let t = s.reopen(&chloe, t1, Some("La famille a reçu une nouvelle lettre.")).await.unwrap();
    assert_eq!((t.status, t.assignee_id), (TicketStatus::Open, None));

    // Edit, then retire: search follows at once.
    let answer = s.store().answer_for_ticket(t1).await.unwrap().unwrap();
    assert!(matches!(s.edit_answer(&chloe, answer.id, "non").await, Err(DeskError::Forbidden(_))));
    let edited = s.edit_answer(&awa, answer.id, "Version révisée : le test ADN reste facultatif ; demandez la base légale par écrit.").await.unwrap();
    assert_eq!(edited.version, 2);
    let r = s.bot().reply("test ADN consulat enfants légal", chrono::Utc::now().date_naive()).unwrap();
    assert!(r.answer.as_ref().is_some_and(|a| a.short_answer.starts_with("Version révisée")), "{:?}", r.answer);
    s.retire_answer(&awa, answer.id, Some("remplacée par une fiche")).await.unwrap();
    let r = s.bot().reply("test ADN consulat enfants légal", chrono::Utc::now().date_naive()).unwrap();
    assert!(r.hits.iter().all(|h| h.kind == EntryKind::Article), "retired answer still found: {:?}", r.hits);

    // The audit trail tells the whole story, in order.
    let events: Vec<String> = s.store().ticket_events(t1).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        events,
        ["opened", "joined", "claimed", "clarification_requested", "asker_replied", "answered", "closed", "reopened", "answer_edited", "answer_retired"],
        "{}",
        env.engine
    );

    // Feedback and statistics (managers only).
    s.feedback(&chloe, asked.question_id, false).await.unwrap();
    assert!(matches!(s.stats(&chloe, 7).await, Err(DeskError::Forbidden(_))));
    let stats = s.stats(&maya, 7).await.unwrap();
    assert_eq!(stats.questions, 3);
    assert_eq!(stats.tickets_opened, 2);
    assert_eq!(stats.unhelpful, 1);
    assert_eq!(stats.open_tickets, 1);
    assert_eq!(stats.oldest_open.map(|(id, _)| id), Some(t1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_on_sqlite_and_postgres() {
    for env in TestEnv::all().await {
        story(&env).await;
    }
}

/// The database is the source of truth: an answer committed while the index was not updated
/// (a crash between the two) is searchable after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_catches_up_after_a_crash() {
    for target in support::Target::all().await {
        let s = target.open().await;
        let chloe = support::create_user(&s, "Chloé", Role::Staff).await;
        let awa = support::create_user(&s, "Awa", Role::Expert).await;
        let asked = s.ask(&chloe, OUT_OF_SCOPE, cli()).await.unwrap();
        let t = s.escalate(&chloe, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        let ticket = s.claim(&awa, t).await.unwrap();
        // Commit the answer exactly as the desk does, but "crash" before indexing it.
        let update = svp::store::TicketUpdate {
            ticket_id: t,
            expected_version: ticket.version,
            status: TicketStatus::Answered,
            assignee_id: Some(awa.id),
            duplicate_of: None,
            actor_id: Some(awa.id),
            event: "answered".into(),
            detail: None,
        };
        let write = svp::store::AnswerWrite { author_id: awa.id, text: EXPERT_ANSWER.into(), question: ticket.subject.clone(), theme: None };
        s.store().update_ticket(&update, Some(&write), |_| Vec::new()).await.unwrap();
        let before = s.bot().reply("test ADN consulat enfants légal", chrono::Utc::now().date_naive()).unwrap();
        assert!(before.hits.iter().all(|h| h.kind == EntryKind::Article), "indexed before the restart?");
        drop(s); // the process dies: its index writer (and lock) go with it

        let restarted = target.open().await;
        let after = restarted.bot().reply("test ADN consulat enfants légal", chrono::Utc::now().date_naive()).unwrap();
        assert_eq!(after.hits[0].kind, EntryKind::ExpertAnswer, "{}: {:?}", target.engine, after.hits);
        assert_eq!(after.decision, Decision::Answer);
    }
}

/// Answers keep being found as they pile up (replayed changes must not skew the statistics).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_answers_stay_searchable() {
    let target = support::Target::sqlite();
    let s = target.open().await;
    let staff = support::create_user(&s, "S", Role::Staff).await;
    let expert = support::create_user(&s, "E", Role::Expert).await;
    for i in 0..80 {
        let marker = format!("zorglub{i}");
        let asked = s.ask(&staff, &format!("Question {marker} sur une famille polygame"), cli()).await.unwrap();
        let t = s.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        s.claim(&expert, t).await.unwrap();
        s.answer(&expert, t, &format!("Réponse {marker} : orienter vers un juriste.")).await.unwrap();
        let r = s.bot().reply(&format!("{marker} famille polygame"), chrono::Utc::now().date_naive()).unwrap();
        let answer = s.store().answer_for_ticket(t).await.unwrap().unwrap();
        assert_eq!(r.hits.first().map(|h| h.slug.clone()), Some(format!("answer-{}", answer.id)), "answer {i}");
    }
}
