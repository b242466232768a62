//! Two instances on one PostgreSQL database, each with its own search index: an answer saved
//! through one is found through the other as soon as the notification arrives, with no poll;
//! a listener whose connection is cut catches up.

mod support;

use std::time::Duration;

use svp::core::roles::Role;
use svp::core::{EscalateMode, Service};
use svp::store::Origin;

fn web() -> Origin {
    Origin { transport: "web".into(), channel: None }
}

/// Waits (up to `limit`) until `question` is answered through `service` from expert answer `id`.
async fn found(service: &Service, question: &str, id: &str, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        let reply = service.bot().reply(question, svp::app::today()).unwrap();
        if reply.hits.first().is_some_and(|h| h.slug == id) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// An answer through A, found through B: B never polls, only listens.
#[tokio::test]
async fn an_answer_saved_through_one_instance_is_found_through_the_other() {
    let Some(target) = support::Target::postgres().await else { return };
    let a = target.open().await;
    let other_dir = tempfile::tempdir().unwrap();
    let b = svp::app::open_service(&support::settings(other_dir.path(), &target.url), false, &|_| {}).await.unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let follower = b.clone();
    let following = tokio::spawn(async move { follower.follow_changes(stop_rx).await });
    // The listener is up once it has replayed once; give it the time to connect.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let staff = support::create_user(&a, "Chloé", Role::Staff).await;
    let expert = support::create_user(&a, "Awa", Role::Expert).await;
    let question = "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?";
    let asked = a.ask(&staff, question, web()).await.unwrap();
    let ticket = a.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
    a.claim(&expert, ticket).await.unwrap();
    a.answer(&expert, ticket, "Oui : les fédérations départementales de pêche proposent des cartes à tarif réduit.").await.unwrap();
    let id = format!("answer-{}", a.ticket_detail(&expert, ticket).await.unwrap().answer.unwrap().id);
    assert!(found(&b, question, &id, Duration::from_secs(10)).await, "B found A's answer through the notification");

    // B's listening connection is cut: it reconnects and replays what it missed.
    let admin = sqlx::PgPool::connect(&target.url).await.unwrap();
    let cut: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    assert!(cut >= 1, "the listener's connection was found and cut");
    let second = "Un réfugié peut-il s'inscrire dans un club de football amateur ?";
    let asked = a.ask(&staff, second, web()).await.unwrap();
    let ticket = a.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
    a.claim(&expert, ticket).await.unwrap();
    a.answer(&expert, ticket, "Oui : la licence sportive amateur est ouverte à tous, avec un titre de séjour ou non.").await.unwrap();
    let id = format!("answer-{}", a.ticket_detail(&expert, ticket).await.unwrap().answer.unwrap().id);
    assert!(found(&b, second, &id, Duration::from_secs(15)).await, "B caught up after its listener was cut");

    stop_tx.send(true).unwrap();
    following.await.unwrap();
}

/// Two services on the database of `settings`, each with its own data folder (returned, to
/// keep it alive).
async fn two_services(settings: &svp::config::Settings) -> (Service, Service, tempfile::TempDir) {
    let a = svp::app::open_service(settings, false, &|_| {}).await.unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = settings.clone();
    other.data_dir = other_dir.path().to_path_buf();
    let b = svp::app::open_service(&other, false, &|_| {}).await.unwrap();
    (a, b, other_dir)
}

/// The weekly digest is queued once, whichever instances ask for it at the same moment.
#[tokio::test]
async fn scheduled_work_runs_once_across_instances() {
    for target in support::Target::all().await {
        let mut settings = target.settings();
        settings.discord.token = svp::config::Secret::new("test-token");
        settings.discord.managers_channel_id = Some(42);
        let (a, b, _other_dir) = two_services(&settings).await;
        let (x, y) = tokio::join!(a.digest_if_due(), b.digest_if_due());
        let queued = [x.unwrap(), y.unwrap()].iter().filter(|q| **q).count();
        assert_eq!(queued, 1, "{}: exactly one instance queues the digest", target.engine);
        assert!(!a.digest_if_due().await.unwrap() && !b.digest_if_due().await.unwrap(), "{}: not again this week", target.engine);
        // The store's claim itself: one winner per period.
        assert!(a.store().claim_scheduled_run("t", 60_000).await.unwrap());
        assert!(!b.store().claim_scheduled_run("t", 60_000).await.unwrap());
        assert!(b.store().claim_scheduled_run("t", 0).await.unwrap(), "{}: a period of 0 has passed", target.engine);
    }
}

/// Tickets waiting for an expert longer than the delay are listed once per delay, by one of the
/// instances asking at once; a ticket younger than the delay is not listed.
#[tokio::test]
async fn the_experts_reminder_is_queued_once_across_instances() {
    for target in support::Target::all().await {
        let e = target.engine;
        let mut settings = target.settings();
        settings.discord.token = svp::config::Secret::new("test-token");
        settings.discord.experts_channel_id = Some(43);
        let (a, b, _other_dir) = two_services(&settings).await;
        let staff = support::create_user(&a, "Chloé", svp::core::roles::Role::Staff).await;
        let mut tickets = Vec::new();
        for q in ["Un réfugié peut-il obtenir une carte de pêche ?", "Un réfugié peut-il adopter un chat à la SPA ?"] {
            let asked = a.ask(&staff, q, svp::store::Origin::default()).await.unwrap();
            tickets.push(a.escalate(&staff, asked.question_id, svp::core::EscalateMode::New).await.unwrap().ticket_id().unwrap());
        }
        assert_eq!(a.remind_experts_if_due().await.unwrap(), 0, "{e}: nothing waits 24 h yet");
        // The first ticket was opened two days ago.
        sqlx::any::install_default_drivers();
        let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&target.url).await.unwrap();
        sqlx::query("UPDATE tickets SET created_at = created_at - 172800000 WHERE id = $1").bind(tickets[0]).execute(&mut db).await.unwrap();
        let (x, y) = tokio::join!(a.remind_experts_if_due(), b.remind_experts_if_due());
        let listed = [x.unwrap(), y.unwrap()];
        assert!(listed == [1, 0] || listed == [0, 1], "{e}: one instance lists the one old ticket: {listed:?}");
        let queued = a.store().notifications("discord", "pending").await.unwrap().into_iter().filter(|n| n.kind == "reminder").collect::<Vec<_>>();
        assert_eq!(queued.len(), 1, "{e}");
        assert!(queued[0].payload.contains(&format!("\"id\":{}", tickets[0])) && !queued[0].payload.contains(&format!("\"id\":{}", tickets[1])), "{e}: {}", queued[0].payload);
        assert_eq!(a.remind_experts_if_due().await.unwrap(), 0, "{e}: not again within the delay");
    }
}

/// Outbox claims carry an owner token: a sender whose lease expired and whose message another
/// sender claimed cannot record its result over the new sender's.
#[tokio::test]
async fn a_sender_whose_lease_expired_cannot_overwrite_the_new_claim() {
    for target in support::Target::all().await {
        let e = target.engine;
        let s = target.open().await;
        let note = svp::store::NewNotification {
            kind: "digest".into(),
            ticket_id: None,
            recipient_id: None,
            channel: "discord".into(),
            payload: "{\"type\":\"digest\",\"days\":7}".into(),
        };
        s.store().enqueue(&[note]).await.unwrap();
        // A claims with a lease that is already over; B claims the same message again.
        let a = s.store().claim_notifications("discord", 10, -1).await.unwrap();
        let b = s.store().claim_notifications("discord", 10, 60_000).await.unwrap();
        assert_eq!((a.len(), b.len()), (1, 1), "{e}");
        assert_eq!(a[0].id, b[0].id, "{e}");
        let (lease_a, lease_b) = (a[0].lease.clone().unwrap(), b[0].lease.clone().unwrap());
        assert_ne!(lease_a, lease_b, "{e}");
        assert!(!s.store().mark_failed(a[0].id, &lease_a, "slow", None).await.unwrap(), "{e}: A's failure is not recorded");
        assert!(!s.store().mark_sent(a[0].id, Some(&lease_a), Some("1:1")).await.unwrap(), "{e}");
        assert!(s.store().mark_sent(b[0].id, Some(&lease_b), Some("1:2")).await.unwrap(), "{e}");
        let sent = s.store().notifications("discord", "sent").await.unwrap();
        assert_eq!(sent.len(), 1, "{e}");
        assert_eq!(sent[0].delivered_ref.as_deref(), Some("1:2"), "{e}");
        assert!(s.store().claim_notifications("discord", 10, 60_000).await.unwrap().is_empty(), "{e}: nothing left to send");
    }
}

/// One instance holds the Discord gateway role; when its lock's connection dies, another takes
/// the role at once.
#[tokio::test]
async fn the_gateway_role_goes_to_one_instance_and_moves_when_it_dies() {
    let Some(target) = support::Target::postgres().await else { return };
    let a = target.open().await;
    let other_dir = tempfile::tempdir().unwrap();
    let b = svp::app::open_service(&support::settings(other_dir.path(), &target.url), false, &|_| {}).await.unwrap();
    let mut held = a.store().try_gateway_lock().await.unwrap().expect("A takes the role");
    assert!(held.alive().await);
    assert!(b.store().try_gateway_lock().await.unwrap().is_none(), "B cannot while A holds it");

    // A's lock connection dies (as when its process is killed): B takes the role.
    let admin = sqlx::PgPool::connect(&target.url).await.unwrap();
    let cut: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND a.datname = current_database()",
    )
    .fetch_one(&admin)
    .await
    .unwrap();
    assert_eq!(cut, 1, "the holder's connection");
    assert!(!held.alive().await, "A sees it lost the role");
    let mut taken = None;
    for _ in 0..50 {
        taken = b.store().try_gateway_lock().await.unwrap();
        if taken.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let taken = taken.expect("B takes the role once A's connection is gone");
    assert!(a.store().try_gateway_lock().await.unwrap().is_none(), "and A cannot take it back");
    taken.release().await;
    assert!(a.store().try_gateway_lock().await.unwrap().is_some(), "a released role is free again");
}

/// A Discord interaction that reaches two instances during a gateway hand-over is handled by
/// the first that records it.
#[tokio::test]
async fn an_interaction_is_handled_by_one_instance_only() {
    for target in support::Target::all().await {
        let a = target.open().await;
        let other_dir = tempfile::tempdir().unwrap();
        let b = svp::app::open_service(&support::settings(other_dir.path(), &target.url), false, &|_| {}).await.unwrap();
        let (x, y) = tokio::join!(a.store().claim_discord_event("interaction:42"), b.store().claim_discord_event("interaction:42"));
        assert_eq!([x.unwrap(), y.unwrap()].iter().filter(|f| **f).count(), 1, "{}", target.engine);
        assert!(a.store().claim_discord_event("interaction:43").await.unwrap(), "{}: another id is new", target.engine);
        assert_eq!(a.store().purge_discord_events().await.unwrap(), 0, "{}: recent ids are kept", target.engine);
    }
}
