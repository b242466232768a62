//! Races: simultaneous claims, and many concurrent asks and escalations (SQLite and PostgreSQL).

mod support;

use std::collections::HashSet;

use support::{Target, TestEnv, create_user};
use svp::core::roles::Role;
use svp::core::{DeskError, EscalateMode};
use svp::store::Origin;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_claims_have_exactly_one_winner() {
    for env in TestEnv::all().await {
        let staff = env.user("Chloé", Role::Staff).await;
        let mut experts = Vec::new();
        for i in 0..8 {
            experts.push(env.user(&format!("Expert {i}"), Role::Expert).await);
        }
        let asked = env.service.ask(&staff, "Question sans réponse sur un cas très particulier de polygamie", Origin::default()).await.unwrap();
        let ticket = env.service.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();

        let mut tasks = Vec::new();
        for expert in experts.clone() {
            let service = env.service.clone();
            tasks.push(tokio::spawn(async move { service.claim(&expert, ticket).await.map(|t| t.assignee_id) }));
        }
        let mut winners = Vec::new();
        let mut refusals = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(assignee) => winners.push(assignee),
                Err(e) => refusals.push(e),
            }
        }
        assert_eq!(winners.len(), 1, "{}: {winners:?} / {refusals:?}", env.engine);
        let winner_id = winners[0].unwrap();
        let winner = experts.iter().find(|e| e.id == winner_id).unwrap();
        for refusal in &refusals {
            assert!(matches!(refusal, DeskError::Refused(_)), "{refusal:?}");
            assert!(refusal.to_string().contains(&winner.name), "{refusal}");
        }
        let events = env.service.store().ticket_events(ticket).await.unwrap();
        assert_eq!(events.iter().filter(|e| e.kind == "claimed").count(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_asks_and_escalations_lose_nothing() {
    const USERS: usize = 12;
    const ASKS: usize = 6;
    for target in Target::all().await {
        let env = TestEnv::on(target).await;
        let mut users = Vec::new();
        for i in 0..USERS {
            users.push(create_user(&env.service, &format!("Intervenant {i}"), Role::Staff).await);
        }
        let mut tasks = Vec::new();
        for (u, user) in users.into_iter().enumerate() {
            let service = env.service.clone();
            tasks.push(tokio::spawn(async move {
                let mut tickets = Vec::new();
                for k in 0..ASKS {
                    let text = format!("Cas {u}-{k} : la CAF demande un justificatif de résidence, quel délai pour le RSA ?");
                    let asked = service.ask(&user, &text, Origin::default()).await.unwrap();
                    if k % 2 == 0 {
                        let e = service.escalate(&user, asked.question_id, EscalateMode::New).await.unwrap();
                        tickets.push((asked.question_id, e.ticket_id().unwrap()));
                    }
                }
                tickets
            }));
        }
        let mut escalated = Vec::new();
        for task in tasks {
            escalated.extend(task.await.unwrap());
        }
        let store = env.service.store();
        assert_eq!(store.count_questions().await.unwrap(), (USERS * ASKS) as i64, "{}", env.engine);
        assert_eq!(store.count_tickets().await.unwrap(), escalated.len() as i64, "{}", env.engine);
        let ids: HashSet<i64> = escalated.iter().map(|(_, t)| *t).collect();
        assert_eq!(ids.len(), escalated.len(), "a ticket was shared by two escalations");
        for (question, ticket) in escalated {
            let q = store.question(question).await.unwrap().unwrap();
            assert_eq!(q.ticket_id, Some(ticket));
            let t = store.ticket(ticket).await.unwrap().unwrap();
            assert_eq!(t.question_id, question);
        }
    }
}

#[tokio::test]
async fn asking_too_fast_is_politely_refused() {
    let target = Target::sqlite();
    let mut settings = target.settings();
    settings.limits.asks_per_minute = 3;
    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    let user = create_user(&service, "Pressé", Role::Staff).await;
    for _ in 0..3 {
        service.ask(&user, "RSA pour un réfugié de 30 ans ?", Origin::default()).await.unwrap();
    }
    let err = service.ask(&user, "RSA pour un réfugié de 30 ans ?", Origin::default()).await.unwrap_err();
    assert!(matches!(err, DeskError::RateLimited(3)));
    assert!(err.to_string().contains("patienter"), "{err}");
}

/// A database that is down: a clear French error, no panic; at start-up, a clear error too.
#[tokio::test]
async fn a_database_that_is_down_gives_clear_errors() {
    let target = Target::sqlite();
    let service = target.open().await;
    let user = create_user(&service, "Chloé", Role::Staff).await;
    service.store().close().await; // the database goes away
    let err = service.ask(&user, "RSA pour un réfugié de 30 ans ?", Origin::default()).await.unwrap_err();
    assert!(matches!(err, DeskError::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains("momentanément indisponible"), "{err}");
    // The bot alone still answers from the articles.
    assert!(service.bot().reply("RSA pour un réfugié de 30 ans ?", chrono::Utc::now().date_naive()).is_ok());

    let mut settings = target.settings();
    settings.database_url = svp::config::Secret::new("postgres://nobody@127.0.0.1:1/none");
    let started = svp::app::open_service(&settings, false, &|_| {}).await;
    let message = format!("{:#}", started.err().expect("no database, no service"));
    assert!(message.contains("cannot connect"), "{message}");
}
