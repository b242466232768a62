//! The desk's corner cases, on both engines.

mod support;

use support::TestEnv;
use svp::core::EscalateMode;
use svp::core::roles::Role;
use svp::store::Origin;

fn cli() -> Origin {
    Origin { transport: "cli".into(), channel: None }
}

/// A staff member's list is filtered to their own tickets before the limit: other people's
/// older tickets never crowd theirs out.
#[tokio::test]
async fn staff_ticket_list_is_filtered_before_the_limit() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let others = env.user("Dan", Role::Staff).await;
        let me = env.user("Chloé", Role::Staff).await;
        let expert = env.user("Awa", Role::Expert).await;
        let questions = [
            "Un réfugié peut-il obtenir une carte de pêche ?",
            "Les réfugiés ont-ils droit au tarif solidaire de la cantine scolaire ?",
            "Un bénéficiaire de la protection peut-il passer le permis bateau ?",
        ];
        for q in questions {
            let asked = s.ask(&others, q, cli()).await.unwrap();
            s.escalate(&others, asked.question_id, EscalateMode::New).await.unwrap();
        }
        let mine = s.ask(&me, "Un réfugié peut-il s'inscrire dans un club de football amateur ?", cli()).await.unwrap();
        let my_ticket = s.escalate(&me, mine.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();

        let listed = s.tickets(&me, &[], 2).await.unwrap();
        assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), vec![my_ticket], "{}", env.engine);
        let all = s.tickets(&expert, &[], 2).await.unwrap();
        assert_eq!(all.len(), 2, "{}: experts see every ticket, up to the limit", env.engine);
        assert!(all.iter().all(|t| t.id != my_ticket), "{}: oldest first", env.engine);
    }
}

/// Experts paste personal data too: the answer is stored redacted, and the author is told what
/// was removed.
#[tokio::test]
async fn an_expert_answer_is_redacted_and_its_author_told() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let staff = env.user("Chloé", Role::Staff).await;
        let expert = env.user("Awa", Role::Expert).await;
        let asked = s.ask(&staff, "Un réfugié peut-il avoir une carte de pêche ?", cli()).await.unwrap();
        let ticket = s.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        s.claim(&expert, ticket).await.unwrap();
        let text = "Oui. Mme Fatoumata Sissoko (06\u{a0}12\u{a0}34\u{a0}56\u{a0}78) l'a obtenue à la fédération.";
        let notice = s.privacy_notice(text).expect("something is removed");
        assert!(notice.contains("un numéro de téléphone") && notice.contains("un nom de personne"), "{notice}");
        s.answer(&expert, ticket, text).await.unwrap();
        let answer = s.store().answer_for_ticket(ticket).await.unwrap().unwrap();
        assert_eq!(answer.text, "Oui. Mme [nom] ([téléphone]) l'a obtenue à la fédération.", "{}", env.engine);
        assert!(s.privacy_notice("Rien de personnel ici.").is_none());
    }
}

/// An expert passing on someone else's question opens the ticket for its asker: the asker
/// follows it and sees it in their list; the history says the expert opened it.
#[tokio::test]
async fn an_expert_escalating_a_question_opens_it_for_its_asker() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let staff = env.user("Chloé", Role::Staff).await;
        let expert = env.user("Awa", Role::Expert).await;
        let asked = s.ask(&staff, "Un réfugié peut-il avoir une carte de pêche ?", cli()).await.unwrap();
        let ticket_id = s.escalate(&expert, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        let ticket = s.store().ticket(ticket_id).await.unwrap().unwrap();
        assert_eq!(ticket.asker_id, Some(staff.id), "{}", env.engine);
        let followers = s.store().followers(ticket_id).await.unwrap();
        assert_eq!(followers.iter().map(|f| f.user_id).collect::<Vec<_>>(), vec![Some(staff.id)], "{}", env.engine);
        let events = s.store().ticket_events(ticket_id).await.unwrap();
        let opened = events.iter().find(|e| e.kind == "opened").unwrap();
        assert_eq!(opened.actor_id, Some(expert.id), "{}", env.engine);
        assert!(opened.detail.as_deref().unwrap_or_default().contains("transmise par Awa"), "{}: {opened:?}", env.engine);
        assert_eq!(s.tickets(&staff, &[], 10).await.unwrap().len(), 1, "{}", env.engine);
    }
}

/// Staff join only a ticket the core proposed as close to their question.
#[tokio::test]
async fn staff_join_only_a_proposed_ticket() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let first = env.user("Dan", Role::Staff).await;
        let me = env.user("Chloé", Role::Staff).await;
        let q1 = s.ask(&first, "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?", cli()).await.unwrap();
        let fishing = s.escalate(&first, q1.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        let q2 = s.ask(&first, "Les réfugiés ont-ils droit au tarif solidaire de la cantine scolaire ?", cli()).await.unwrap();
        let canteen = s.escalate(&first, q2.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();

        let mine = s.ask(&me, "carte de pêche à tarif réduit pour un réfugié ?", cli()).await.unwrap();
        let refused = s.escalate(&me, mine.question_id, EscalateMode::Join(canteen)).await;
        assert!(matches!(refused, Err(svp::core::DeskError::Forbidden(_))), "{}: {refused:?}", env.engine);
        let joined = s.escalate(&me, mine.question_id, EscalateMode::Join(fishing)).await.unwrap();
        assert_eq!(joined.ticket_id(), Some(fishing), "{}", env.engine);
    }
}

/// Two escalations of one question at once: one opens the ticket, the other is told it is
/// already there (never « modifié par quelqu'un d'autre »).
#[tokio::test]
async fn simultaneous_escalations_of_one_question() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let staff = env.user("Chloé", Role::Staff).await;
        for i in 0..5 {
            let asked = s.ask(&staff, &format!("Un réfugié peut-il pratiquer le sport numéro {i} en club ?"), cli()).await.unwrap();
            let (a, b) = tokio::join!(
                s.escalate(&staff, asked.question_id, EscalateMode::New),
                s.escalate(&staff, asked.question_id, EscalateMode::New)
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.ticket_id(), b.ticket_id(), "{}: {a:?} / {b:?}", env.engine);
            let opened = [&a, &b].iter().filter(|e| matches!(e, svp::core::Escalation::Opened { .. })).count();
            assert_eq!(opened, 1, "{}: {a:?} / {b:?}", env.engine);
        }
    }
}

async fn open_ticket(env: &TestEnv, asker: &svp::store::User, q: &str) -> i64 {
    let asked = env.service.ask(asker, q, cli()).await.unwrap();
    env.service.escalate(asker, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap()
}

/// A duplicate of a duplicate: when #3 is a duplicate of #2 and #2 becomes one of #1, #3 points
/// to #1, the follower count covers the chain, and every asker gets #1's answer.
#[tokio::test]
async fn a_duplicate_of_a_duplicate_reaches_the_main_ticket() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let (a, b, c) = (env.user("Ana", Role::Staff).await, env.user("Ben", Role::Staff).await, env.user("Cid", Role::Staff).await);
        let expert = env.user("Awa", Role::Expert).await;
        let t1 = open_ticket(&env, &a, "Un réfugié peut-il obtenir une carte de pêche ?").await;
        let t2 = open_ticket(&env, &b, "Carte de pêche pour un réfugié : possible ?").await;
        let t3 = open_ticket(&env, &c, "réfugié et permis de pêche en rivière ?").await;
        s.merge(&expert, t3, t2).await.unwrap();
        s.merge(&expert, t2, t1).await.unwrap();
        let third = s.store().ticket(t3).await.unwrap().unwrap();
        assert_eq!(third.duplicate_of, Some(t1), "{}", env.engine);
        assert_eq!(s.ticket_detail(&expert, t1).await.unwrap().followers, 3, "{}", env.engine);
        s.claim(&expert, t1).await.unwrap();
        s.answer(&expert, t1, "Oui, la carte de pêche s'achète en ligne auprès d'une fédération départementale.").await.unwrap();
        for user in [&a, &b, &c] {
            let owed = s.store().notifications_for(user.id, 20).await.unwrap();
            assert!(owed.iter().any(|n| n.kind == "answer"), "{}: {} gets the answer", env.engine, user.name);
        }
    }
}

/// Closing or merging a ticket another expert holds needs that expert or an explicit override,
/// recorded in the history; closing without an answer tells the askers why.
#[tokio::test]
async fn closing_someone_elses_ticket_needs_an_override_and_askers_are_told() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let staff = env.user("Chloé", Role::Staff).await;
        let (awa, bruno) = (env.user("Awa", Role::Expert).await, env.user("Bruno", Role::Expert).await);
        let t = open_ticket(&env, &staff, "Un réfugié peut-il obtenir une carte de pêche ?").await;
        let other = open_ticket(&env, &staff, "Les réfugiés ont-ils droit au tarif solidaire de la cantine ?").await;
        s.claim(&awa, t).await.unwrap();
        let refused = s.close(&bruno, t).await;
        assert!(matches!(refused, Err(svp::core::DeskError::Refused(svp::core::tickets::Refusal::TakenBy { .. }))), "{}: {refused:?}", env.engine);
        assert!(s.merge(&bruno, t, other).await.is_err(), "{}", env.engine);

        let options = svp::core::CloseOptions { reason: Some("Hors du champ du service : voyez la fédération de pêche."), override_claim: true };
        s.close_with(&bruno, t, options).await.unwrap();
        let events = s.store().ticket_events(t).await.unwrap();
        let closed = events.iter().find(|e| e.kind == "closed").unwrap();
        assert!(closed.detail.as_deref().unwrap_or_default().contains("en passant outre la prise en charge de Awa"), "{}: {closed:?}", env.engine);
        let owed = s.store().notifications_for(staff.id, 20).await.unwrap();
        let notice = owed.iter().find(|n| n.kind == "closed").expect("the asker is told");
        assert!(notice.payload.contains("Hors du champ du service"), "{}: {}", env.engine, notice.payload);
    }
}

/// A message owed to someone without Discord waits for the web inbox, then expires after the
/// retention: it never stays pending forever.
#[tokio::test]
async fn undeliverable_messages_expire_after_the_retention() {
    for target in support::Target::all().await {
        let mut settings = target.settings();
        settings.limits.web_message_retention_days = 0;
        let s = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let staff = support::create_user(&s, "Chloé", Role::Staff).await;
        let expert = support::create_user(&s, "Awa", Role::Expert).await;
        let asked = s.ask(&staff, "Un réfugié peut-il obtenir une carte de pêche ?", cli()).await.unwrap();
        let t = s.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        s.claim(&expert, t).await.unwrap();
        s.answer(&expert, t, "Oui, auprès de la fédération départementale de pêche.").await.unwrap();
        assert_eq!(s.store().notifications("web", "pending").await.unwrap().len(), 1, "{}", target.engine);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        assert_eq!(s.expire_undeliverable().await.unwrap(), 1, "{}", target.engine);
        assert!(s.store().notifications("web", "pending").await.unwrap().is_empty(), "{}", target.engine);
        assert_eq!(s.expire_undeliverable().await.unwrap(), 0, "{}", target.engine);
    }
}

/// Staff who joined someone else's ticket see its subject and answer, not the other asker's
/// question record nor the exchanges that are not theirs.
#[tokio::test]
async fn joining_shows_the_subject_and_answer_not_the_other_askers_exchanges() {
    for env in TestEnv::all().await {
        let s = &env.service;
        let (first, me) = (env.user("Dan", Role::Staff).await, env.user("Chloé", Role::Staff).await);
        let expert = env.user("Awa", Role::Expert).await;
        let t = open_ticket(&env, &first, "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?").await;
        s.claim(&expert, t).await.unwrap();
        s.clarify(&expert, t, "Dans quel département vit-il ?").await.unwrap();
        s.reply(&first, t, "En Seine-Saint-Denis, il a trois enfants.").await.unwrap();
        let mine = s.ask(&me, "carte de pêche à tarif réduit pour un réfugié ?", cli()).await.unwrap();
        s.escalate(&me, mine.question_id, EscalateMode::Join(t)).await.unwrap();
        s.answer(&expert, t, "Oui, la fédération départementale propose un tarif réduit.").await.unwrap();

        let seen = s.ticket_detail(&me, t).await.unwrap();
        assert!(seen.question.is_none(), "{}", env.engine);
        assert!(seen.answer.is_some() && !seen.ticket.subject.is_empty(), "{}", env.engine);
        let texts: Vec<String> = seen.events.iter().filter_map(|e| e.detail.clone()).collect();
        assert!(!texts.iter().any(|d| d.contains("trois enfants")), "{}: {texts:?}", env.engine);
        let theirs = s.ticket_detail(&first, t).await.unwrap();
        assert!(theirs.question.is_some(), "{}: the asker sees their own question", env.engine);
    }
}

/// The bot's « did you mean »: « Oui » shows the article and counts as answered after
/// confirmation; « Non » passes the question to an expert with the bot's guess in the history.
#[tokio::test]
async fn did_you_mean_yes_and_no() {
    for target in support::Target::all().await {
        let mut settings = target.settings();
        // Every reply that is not an answer asks about its first article.
        settings.search.suggest_threshold = 0.0;
        let s = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let staff = support::create_user(&s, "Chloé", Role::Staff).await;
        let manager = support::create_user(&s, "Maya", Role::Manager).await;
        let q = "la caf demande 5 ans de titre de séjour pour le rsa d'un réfugié ?";
        let yes = s.ask(&staff, q, cli()).await.unwrap();
        let guess = yes.reply.did_you_mean.clone().expect("a guess in the middle band");
        assert_eq!(yes.reply.decision, svp::core::Decision::Escalate, "{}", target.engine);
        match s.confirm(&staff, yes.question_id, true).await.unwrap() {
            svp::core::Confirmed::Answered(reply) => assert_eq!(reply.answer.unwrap().id, guess.id, "{}", target.engine),
            other => panic!("{}: {other:?}", target.engine),
        }
        let record = s.store().question(yes.question_id).await.unwrap().unwrap();
        assert_eq!(record.confirmation.as_deref(), Some("yes"), "{}", target.engine);
        // A window around now (a few seconds of margin: the clock of a test machine may step).
        let now = chrono::Utc::now();
        let stats = s.store().stats(now - chrono::Duration::days(1), now + chrono::Duration::minutes(1), 5).await.unwrap();
        assert_eq!(stats.answered_after_confirmation, 1, "{}: {stats:?}", target.engine);
        assert!(s.stats(&manager, 7).await.is_ok());

        let no = s.ask(&staff, q, cli()).await.unwrap();
        let ticket = match s.confirm(&staff, no.question_id, false).await.unwrap() {
            svp::core::Confirmed::Escalated(e) => e.ticket_id().expect("a ticket"),
            other => panic!("{}: {other:?}", target.engine),
        };
        let events = s.store().ticket_events(ticket).await.unwrap();
        let opened = events.iter().find(|e| e.kind == "opened").unwrap();
        assert!(opened.detail.as_deref().unwrap_or_default().contains(&format!("le bot proposait « {} »", guess.title)), "{}: {opened:?}", target.engine);
    }
}

/// « Did you mean » also offers an expert answer; « Oui » shows it with its provenance.
#[tokio::test]
async fn did_you_mean_an_expert_answer() {
    for target in support::Target::all().await {
        let mut settings = target.settings();
        // Nothing is answered outright: every first hit is offered.
        settings.search.answer_threshold = 0.99;
        settings.search.suggest_threshold = 0.0;
        let s = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let staff = support::create_user(&s, "Chloé", Role::Staff).await;
        let expert = support::create_user(&s, "Awa", Role::Expert).await;
        let t = {
            let asked = s.ask(&staff, "Un réfugié peut-il obtenir une carte de pêche à tarif réduit ?", cli()).await.unwrap();
            s.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap()
        };
        s.claim(&expert, t).await.unwrap();
        s.answer(&expert, t, "Oui : la fédération départementale de pêche propose une carte à tarif réduit.").await.unwrap();

        let again = s.ask(&staff, "carte de pêche moins chère pour un réfugié ?", cli()).await.unwrap();
        let guess = again.reply.did_you_mean.clone().expect("the expert answer is offered");
        assert!(guess.id.starts_with("answer-"), "{}: {guess:?}", target.engine);
        match s.confirm(&staff, again.question_id, true).await.unwrap() {
            svp::core::Confirmed::Answered(reply) => {
                let card = reply.answer.expect("a card");
                assert_eq!(card.expert.expect("provenance").ticket_id, t, "{}", target.engine);
                assert!(card.short_answer.contains("fédération départementale"), "{}", target.engine);
            }
            other => panic!("{}: {other:?}", target.engine),
        }
    }
}
