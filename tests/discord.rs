//! The Discord bot end to end: the real serenity/poise client against an in-process fake
//! Discord (tests/support/fake_discord.rs), asserting on the REST requests it makes and on the
//! database.

mod support;

use serde_json::Value;
use support::Target;
use support::fake_discord::*;
use svp::config::{DiscordSettings, Secret};
use svp::core::Service;
use svp::core::tickets::TicketStatus;
use svp::discord::{DiscordHandle, OutboxHandle};

const STAFF: (u64, &str) = (1001, "Chloé");
const STAFF2: (u64, &str) = (1004, "Dan");
const EXPERT: (u64, &str) = (1002, "Awa");
const EXPERT2: (u64, &str) = (1003, "Bruno");
const OUT_OF_SCOPE: &str = "Le consulat exige un test ADN pour les enfants, est-ce légal et que répondre ?";

struct Bot {
    fake: FakeDiscord,
    service: Service,
    handle: Option<(DiscordHandle, OutboxHandle)>,
    _target: Target,
}

/// The bot's settings against the fake Discord.
fn discord_settings(fake: &FakeDiscord) -> DiscordSettings {
    DiscordSettings {
        token: Secret::new("fake-token"),
        guild_id: Some(GUILD_ID),
        help_channel_ids: vec![HELP_CHANNEL],
        experts_channel_id: Some(EXPERTS_CHANNEL),
        managers_channel_id: Some(MANAGERS_CHANNEL),
        expert_role_ids: vec![EXPERT_ROLE],
        manager_role_ids: vec![MANAGER_ROLE],
        api_base_url: Some(fake.base_url.clone()),
        outbox_lease_seconds: None,
    }
}

impl Bot {
    async fn start() -> Bot {
        let fake = FakeDiscord::start().await;
        let target = Target::sqlite();
        let mut settings = target.settings();
        settings.discord = discord_settings(&fake);
        let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let gateway = svp::discord::start(service.clone(), settings.discord.clone()).await.unwrap();
        let outbox = svp::discord::start_outbox(service.clone(), settings.discord.clone()).unwrap();
        fake.ready().await;
        Bot { fake, service, handle: Some((gateway, outbox)), _target: target }
    }

    /// The interaction callback sent for `token`.
    async fn callback(&self, token: &str) -> Value {
        let suffix = format!("/{token}/callback");
        self.fake.wait_for(&format!("callback {token}"), |r| r.method == "POST" && r.path.ends_with(&suffix)).await.body
    }

    async fn stop(mut self) {
        assert!(self.fake.unknown_routes().is_empty(), "unknown routes: {:?}", self.fake.unknown_routes());
        self.check_mentions();
        if let Some((gateway, outbox)) = self.handle.take() {
            gateway.shutdown().await;
            outbox.shutdown().await;
        }
    }

    /// No message the bot sent could ping @everyone, a role, or anyone but an intended user.
    fn check_mentions(&self) {
        for r in self.fake.requests() {
            let data = if r.path.ends_with("/callback") { r.body["data"].clone() } else { r.body.clone() };
            let is_message = data.get("content").is_some() || data.get("embeds").is_some();
            if r.method == "GET" || !is_message {
                continue;
            }
            let mentions = &data["allowed_mentions"];
            assert!(mentions.is_object(), "message without allowed_mentions: {} {}\n{data:#}", r.method, r.path);
            let parse = mentions["parse"].as_array().cloned().unwrap_or_default();
            assert!(parse.is_empty(), "allowed_mentions.parse must be empty: {mentions}");
            assert!(mentions["roles"].as_array().is_none_or(|a| a.is_empty()), "{mentions}");
            assert!(mentions["users"].as_array().is_none_or(|a| a.len() <= 1), "{mentions}");
        }
    }
}

fn button_ids(data: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for row in data["components"].as_array().into_iter().flatten() {
        for c in row["components"].as_array().into_iter().flatten() {
            if let Some(id) = c["custom_id"].as_str() {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

fn text_of(data: &Value) -> String {
    let mut text = data["content"].as_str().unwrap_or_default().to_string();
    for e in data["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            text.push('\n');
            text.push_str(e[key].as_str().unwrap_or_default());
        }
        for f in e["fields"].as_array().into_iter().flatten() {
            text.push_str(&format!("\n{}: {}", f["name"].as_str().unwrap_or(""), f["value"].as_str().unwrap_or("")));
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_is_answered_with_sources_and_feedback_buttons() {
    let bot = Bot::start().await;
    let token = bot.fake.slash_ask(STAFF, &[], "carte de résident 10 ans pour un réfugié : renouvelable ?", false);
    let cb = bot.callback(&token).await;
    assert_eq!(cb["type"], 4);
    let data = &cb["data"];
    let embed = &data["embeds"][0];
    assert!(embed["title"].as_str().unwrap().contains("carte de résident"), "{embed:#}");
    assert!(embed["url"].as_str().unwrap().contains("/articles/carte-resident-refugie"));
    assert!(text_of(data).contains("Sources"), "{data:#}");
    let ids = button_ids(data);
    assert!(ids.iter().any(|i| i.starts_with("svp:yes:")) && ids.iter().any(|i| i.starts_with("svp:no:")), "{ids:?}");
    // The reply gets a thread, and the question is recorded with it.
    bot.fake.wait_for("thread on the answer", |r| r.method == "POST" && r.path.ends_with("/threads")).await;
    let q = bot.service.store().question(1).await.unwrap().unwrap();
    assert_eq!((q.decision.as_str(), q.origin.transport.as_str()), ("answer", "discord"));
    assert!(q.origin.channel.is_some());
    // "Ça répond" is recorded.
    let yes = ids.iter().find(|i| i.starts_with("svp:yes:")).unwrap();
    let token = bot.fake.click(STAFF, &[], yes, ASK_CHANNEL);
    let cb = bot.callback(&token).await;
    assert_eq!(cb["data"]["flags"], 64);
    assert_eq!(bot.service.store().question(1).await.unwrap().unwrap().feedback.as_deref(), Some("helpful"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_to_expert_answer_and_back_to_the_bot() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let token = fake.slash_ask(STAFF, &[], OUT_OF_SCOPE, false);
    let cb = bot.callback(&token).await;
    assert!(text_of(&cb["data"]).contains("pas sûr"), "{cb:#}");
    let escalate = button_ids(&cb["data"]).into_iter().find(|i| i.starts_with("svp:esc:")).expect("escalate button");

    // One click opens the ticket and confirms its number; the card reaches the experts.
    let cb = bot.callback(&fake.click(STAFF, &[], &escalate, ASK_CHANNEL)).await;
    assert!(cb["data"]["content"].as_str().unwrap().contains("ticket #1"), "{cb:#}");
    let card_path = format!("/channels/{EXPERTS_CHANNEL}/messages");
    let card = fake.wait_for("ticket card", |r| r.method == "POST" && r.path == card_path && r.status == 200).await;
    assert!(text_of(&card.body).contains("Ticket #1 — ouvert"), "{:#}", card.body);
    assert!(text_of(&card.body).contains("Chloé"));
    assert!(button_ids(&card.body).contains(&"svp:claim:1".to_string()));

    // A staff member cannot claim: a private, polite refusal; the ticket stays open.
    let cb = bot.callback(&fake.click(STAFF2, &[], "svp:claim:1", EXPERTS_CHANNEL)).await;
    assert_eq!(cb["data"]["flags"], 64);
    assert!(cb["data"]["content"].as_str().unwrap().contains("réservée aux experts"), "{cb:#}");
    assert_eq!(bot.service.store().ticket(1).await.unwrap().unwrap().status, TicketStatus::Open);

    // The expert claims; the card is edited to show it.
    let cb = bot.callback(&fake.click(EXPERT, &[EXPERT_ROLE], "svp:claim:1", EXPERTS_CHANNEL)).await;
    assert!(cb["data"]["content"].as_str().unwrap().contains("pris en charge le ticket #1"), "{cb:#}");
    let edit = fake.wait_for("card edit", |r| r.method == "PATCH" && r.path.starts_with(&card_path) && text_of(&r.body).contains("pris en charge")).await;
    assert!(text_of(&edit.body).contains("Awa"));

    // "Répondre" opens a modal; submitting it answers.
    let cb = bot.callback(&fake.click(EXPERT, &[EXPERT_ROLE], "svp:answer:1", EXPERTS_CHANNEL)).await;
    assert_eq!(cb["type"], 9);
    assert_eq!(cb["data"]["custom_id"], "svp:m-answer:1");
    let answer = "Le test ADN est facultatif : le consulat doit le proposer, pas l'imposer. Demandez par écrit la base légale.";
    let cb = bot.callback(&fake.submit_modal(EXPERT, &[EXPERT_ROLE], "svp:m-answer:1", answer)).await;
    assert!(cb["data"]["content"].as_str().unwrap().contains("Réponse enregistrée"), "{cb:#}");
    assert_eq!(bot.service.store().ticket(1).await.unwrap().unwrap().status, TicketStatus::Answered);

    // The asker gets the answer by DM.
    let dm = fake.wait_for("DM opened", |r| r.path == "/users/@me/channels" && r.body["recipient_id"].as_str() == Some(STAFF.0.to_string().as_str())).await;
    assert_eq!(dm.status, 200);
    let delivered = fake.wait_for("answer DM", |r| r.method == "POST" && r.path.ends_with("/messages") && text_of(&r.body).contains("test ADN est facultatif")).await;
    assert!(text_of(&delivered.body).contains("ticket #1"));

    // A paraphrase is now answered by the bot from the expert answer.
    let token = fake.slash_ask(STAFF2, &[], "test ADN demandé par le consulat pour les enfants : légal ?", false);
    let cb = bot.callback(&token).await;
    let text = text_of(&cb["data"]);
    assert!(text.contains("Réponse d'expert") && text.contains("Ticket #1"), "{text}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_dms_fall_back_to_the_askers_thread() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    fake.close_dms(STAFF.0);
    let token = fake.slash_ask(STAFF, &[], OUT_OF_SCOPE, false);
    let cb = bot.callback(&token).await;
    let escalate = button_ids(&cb["data"]).into_iter().find(|i| i.starts_with("svp:esc:")).unwrap();
    let thread = fake.wait_for("thread", |r| r.path.ends_with("/threads")).await;
    bot.callback(&fake.click(STAFF, &[], &escalate, ASK_CHANNEL)).await;
    bot.callback(&fake.click(EXPERT, &[EXPERT_ROLE], "svp:claim:1", EXPERTS_CHANNEL)).await;
    bot.callback(&fake.submit_modal(EXPERT, &[EXPERT_ROLE], "svp:m-answer:1", "Réponse : demandez la base légale par écrit.")).await;
    let refused = fake.wait_for("refused DM", |r| r.status == 403).await;
    assert!(refused.path.ends_with("/messages"));
    // The question's conversation continues in the thread opened on the answer.
    assert_eq!(thread.status, 200);
    let thread_id = bot.service.store().question(1).await.unwrap().unwrap().origin.channel.unwrap();
    let path = format!("/channels/{thread_id}/messages");
    let fallback = fake.wait_for("fallback in the thread", |r| r.method == "POST" && r.path == path && r.status == 200).await;
    assert!(fallback.body["content"].as_str().unwrap().contains(&format!("<@{}>", STAFF.0)), "{:#}", fallback.body);
    assert_eq!(fallback.body["allowed_mentions"]["users"], serde_json::json!([STAFF.0.to_string()]));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_experts_claim_at_once_and_one_wins() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], OUT_OF_SCOPE, true)).await;
    assert_eq!(cb["data"]["flags"], 64, "private /ask is ephemeral");
    let escalate = button_ids(&cb["data"]).into_iter().find(|i| i.starts_with("svp:esc:")).unwrap();
    bot.callback(&fake.click(STAFF, &[], &escalate, ASK_CHANNEL)).await;
    let t1 = fake.click(EXPERT, &[EXPERT_ROLE], "svp:claim:1", EXPERTS_CHANNEL);
    let t2 = fake.click(EXPERT2, &[EXPERT_ROLE], "svp:claim:1", EXPERTS_CHANNEL);
    let (a, b) = (bot.callback(&t1).await, bot.callback(&t2).await);
    let texts = [a["data"]["content"].as_str().unwrap().to_string(), b["data"]["content"].as_str().unwrap().to_string()];
    let wins = texts.iter().filter(|t| t.starts_with("Vous avez pris en charge")).count();
    assert_eq!(wins, 1, "{texts:?}");
    let ticket = bot.service.store().ticket(1).await.unwrap().unwrap();
    let winner = ticket.assignee_name.unwrap();
    assert!(texts.iter().any(|t| t.contains(&format!("déjà pris en charge par {winner}"))), "{texts:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_errors_on_the_card_are_retried_and_nothing_is_lost() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let card_path = format!("/channels/{EXPERTS_CHANNEL}/messages");
    fake.fail("POST", &card_path, 500, 2);
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], OUT_OF_SCOPE, false)).await;
    let escalate = button_ids(&cb["data"]).into_iter().find(|i| i.starts_with("svp:esc:")).unwrap();
    let cb = bot.callback(&fake.click(STAFF, &[], &escalate, ASK_CHANNEL)).await;
    assert!(cb["data"]["content"].as_str().unwrap().contains("ticket #1"));
    // The ticket exists before any card could be posted.
    assert!(bot.service.store().ticket(1).await.unwrap().is_some());
    let attempts = fake.wait_count("card attempts", 3, |r| r.method == "POST" && r.path == card_path).await;
    assert_eq!(attempts.iter().map(|r| r.status).collect::<Vec<_>>(), [500, 500, 200]);
    for _ in 0..100 {
        if bot.service.store().notifications("discord", "sent").await.unwrap().iter().any(|n| n.kind == "ticket_card") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let sent = bot.service.store().notifications("discord", "sent").await.unwrap();
    let card = sent.iter().find(|n| n.kind == "ticket_card").expect("card marked sent");
    assert_eq!(card.attempts, 3);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_messages_are_sent_after_a_restart() {
    let fake = FakeDiscord::start().await;
    let target = Target::sqlite();
    let mut settings = target.settings();
    settings.discord = discord_settings(&fake);
    // Discord is down while a ticket is opened (no bot running): the card waits in the outbox.
    {
        let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
        let user = service.discord_user("1001", "Chloé", None).await.unwrap();
        let asked = service.ask(&user, OUT_OF_SCOPE, svp::store::Origin::default()).await.unwrap();
        service.escalate(&user, asked.question_id, svp::core::EscalateMode::New).await.unwrap();
        assert_eq!(service.store().notifications("discord", "pending").await.unwrap().len(), 1);
    }
    // The outbox alone delivers it: no gateway connection is needed to send.
    let service = svp::app::open_service(&settings, false, &|_| {}).await.unwrap();
    let outbox = svp::discord::start_outbox(service.clone(), settings.discord.clone()).unwrap();
    let path = format!("/channels/{EXPERTS_CHANNEL}/messages");
    let card = fake.wait_for("card after restart", |r| r.method == "POST" && r.path == path).await;
    assert!(text_of(&card.body).contains("Ticket #1"));
    assert_eq!(fake.identifies(), 0, "the outbox does not connect to the gateway");
    outbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_resumes_after_a_reconnect_request() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    assert_eq!(fake.identifies(), 1);
    fake.request_reconnect();
    for _ in 0..500 {
        if fake.resumes() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!((fake.identifies(), fake.resumes()), (1, 1), "expected a resume, not a new session");
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], "RSA pour un réfugié de 30 ans sans enfant ?", false)).await;
    assert_eq!(cb["type"], 4);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_in_a_question_pings_nobody() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], "@everyone @here <@&900000000000000020> le RSA pour un réfugié ?", false)).await;
    let mentions = &cb["data"]["allowed_mentions"];
    assert_eq!(mentions["parse"], serde_json::json!([]), "{cb:#}");
    // A mention of the bot in the help channel is answered in a thread, also without pings.
    fake.message(STAFF, &[], HELP_CHANNEL, &format!("<@{BOT_ID}> @everyone la prime d'activité pour un BPS, Mme Diallo 06 12 34 56 78 ?"), true);
    let thread = fake.wait_for("thread on the message", |r| r.method == "POST" && r.path.starts_with(&format!("/channels/{HELP_CHANNEL}/messages/")) && r.path.ends_with("/threads")).await;
    assert_eq!(thread.status, 200);
    let name = thread.body["name"].as_str().unwrap();
    assert!(!name.contains("Diallo") && !name.contains("06 12"), "thread name not redacted: {name}");
    let reply = fake.wait_for("reply in the thread", |r| r.method == "POST" && r.path.ends_with("/messages") && text_of(&r.body).to_lowercase().contains("prime d'activité")).await;
    assert_eq!(reply.body["allowed_mentions"]["parse"], serde_json::json!([]));
    bot.stop().await; // checks every message's allowed_mentions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5000_character_answer_respects_discord_limits() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], OUT_OF_SCOPE, false)).await;
    let escalate = button_ids(&cb["data"]).into_iter().find(|i| i.starts_with("svp:esc:")).unwrap();
    bot.callback(&fake.click(STAFF, &[], &escalate, ASK_CHANNEL)).await;
    let expert = bot.service.discord_user(&EXPERT.0.to_string(), EXPERT.1, Some(svp::core::roles::Role::Expert)).await.unwrap();
    let paragraph = "Le consulat ne peut pas **imposer** le test ADN : il doit seulement le proposer, et la famille peut apporter d'autres preuves de filiation. ";
    let long: String = paragraph.repeat(5000 / paragraph.chars().count() + 1).chars().take(5000).collect();
    bot.service.answer(&expert, 1, &long).await.unwrap();
    let dm = fake.wait_for("long answer DM", |r| r.method == "POST" && r.path.ends_with("/messages") && text_of(&r.body).contains("Réponse d'expert à votre question")).await;
    let description = dm.body["embeds"][0]["description"].as_str().unwrap();
    assert!(description.chars().count() <= 4096, "{}", description.chars().count());
    assert!(description.ends_with("/tickets/1/answer)"), "{}", &description[description.len().saturating_sub(80)..]);
    let body = description.split("\n\n[Lire").next().unwrap();
    assert_eq!(body.matches("**").count() % 2, 0, "unbalanced bold");
    let before = body.trim_end_matches('…').trim_end_matches("**").trim_end_matches('…');
    assert!(long.starts_with(before.trim_end()), "cut text is not a prefix");
    assert!(matches!(long[before.trim_end().len()..].chars().next(), Some(' ') | Some('*') | None), "cut inside a word");
    for field in dm.body["embeds"][0]["fields"].as_array().unwrap() {
        assert!(field["value"].as_str().unwrap().chars().count() <= 1024);
    }
    // The card's answer field fits too.
    let card_path = format!("/channels/{EXPERTS_CHANNEL}/messages/");
    let edit = fake.wait_for("card with the answer", |r| r.method == "PATCH" && r.path.starts_with(&card_path) && text_of(&r.body).contains("Réponse de Awa")).await;
    for field in edit.body["embeds"][0]["fields"].as_array().unwrap() {
        assert!(field["value"].as_str().unwrap().chars().count() <= 1024);
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_get_a_weekly_digest_and_stats_on_demand() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    bot.callback(&fake.slash_ask(STAFF, &[], "carte de résident 10 ans pour un réfugié : renouvelable ?", false)).await;
    // /stats is for managers only, privately.
    let cb = bot.callback(&fake.slash(STAFF, &[], "stats")).await;
    assert!(cb["data"]["content"].as_str().unwrap().contains("réservées aux responsables"), "{cb:#}");
    let cb = bot.callback(&fake.slash((1005, "Maya"), &[MANAGER_ROLE], "stats")).await;
    assert_eq!(cb["data"]["flags"], 64);
    assert!(text_of(&cb["data"]).contains("Questions: 1"), "{cb:#}");
    // In a direct message the roles cannot be checked (one removed on the server must stop
    // working at once): the manager is told to use the server.
    let cb = bot.callback(&fake.slash_in_dm((1005, "Maya"), "stats")).await;
    assert!(cb["data"]["content"].as_str().unwrap_or_default().contains("utilisez cette commande sur le serveur"), "{cb:#}");
    // The weekly digest is queued once a week and posted in the managers' channel.
    assert!(bot.service.digest_if_due().await.unwrap());
    assert!(!bot.service.digest_if_due().await.unwrap(), "a second digest within the week");
    let path = format!("/channels/{MANAGERS_CHANNEL}/messages");
    let digest = fake.wait_for("digest", |r| r.method == "POST" && r.path == path).await;
    assert!(text_of(&digest.body).contains("Répondues par le bot"), "{:#}", digest.body);
    // Sent with the outbox id as an enforced nonce: a retry cannot post a second copy.
    assert_eq!(digest.body["enforce_nonce"], true, "{:#}", digest.body);
    assert!(digest.body["nonce"].as_str().is_some_and(|n| n.starts_with("svp-")), "{:#}", digest.body);
    bot.stop().await;
}

/// A message asking two things gets the answer to one and, in a field of the same embed, the
/// entry that answers the other, with the question it answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_questions_get_both_entries() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let q = "Comment demander la carte Vitale ? Et combien de temps dure le CIR ?";
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], q, false)).await;
    let data = &cb["data"];
    let field = &data["embeds"][0]["fields"].as_array().and_then(|f| f.iter().find(|f| f["name"].as_str().is_some_and(|n| n.starts_with("Pour votre autre question")))).cloned();
    let field = field.as_ref().unwrap_or_else(|| panic!("a field for the other question: {data:#}"));
    assert!(field["name"].as_str().unwrap().contains("Comment demander la carte Vitale ?"), "{field:#}");
    assert!(field["value"].as_str().unwrap().contains("/articles/nir-definitif-carte-vitale"), "{field:#}");
    bot.stop().await;
}

/// In the middle band the bot asks « Votre question porte-t-elle sur … ? » with two buttons;
/// « Oui, voir la réponse » shows the article with the feedback buttons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_you_mean_offers_the_article_in_one_click() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let cb = bot.callback(&fake.slash_ask(STAFF, &[], "la caf demande 5 ans de titre de séjour pour le rsa d'un réfugié ?", false)).await;
    let data = &cb["data"];
    assert!(text_of(data).contains("Votre question porte-t-elle sur"), "{data:#}");
    let ids = button_ids(data);
    let yes = ids.iter().find(|i| i.starts_with("svp:dym-yes:")).expect("a « Oui » button").clone();
    assert!(ids.iter().any(|i| i.starts_with("svp:dym-no:")), "{ids:?}");
    let cb = bot.callback(&fake.click(STAFF, &[], &yes, ASK_CHANNEL)).await;
    let shown = &cb["data"];
    assert!(shown["embeds"][0]["url"].as_str().unwrap_or_default().contains("/articles/"), "{shown:#}");
    assert!(button_ids(shown).iter().any(|i| i.starts_with("svp:yes:")), "{shown:#}");
    let q = bot.service.store().question(1).await.unwrap().unwrap();
    assert_eq!(q.confirmation.as_deref(), Some("yes"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_delivered_twice_is_answered_once() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let text = format!("<@{BOT_ID}> la prime d'activité pour un réfugié qui travaille à mi-temps ?");
    let id = fake.message(STAFF, &[], HELP_CHANNEL, &text, true);
    let threads = |fake: &FakeDiscord| fake.requests().into_iter().filter(|r| r.method == "POST" && r.path.ends_with("/threads")).count();
    fake.wait_for("thread on the message", |r| r.method == "POST" && r.path.ends_with("/threads")).await;
    // The same message again (as a second instance would get it during a gateway hand-over),
    // then another one: only the other one is answered.
    fake.message_with_id(id, STAFF, &[], HELP_CHANNEL, &text, true);
    fake.message(STAFF, &[], HELP_CHANNEL, &format!("<@{BOT_ID}> domiciliation administrative : où la demander ?"), true);
    fake.wait_count("a thread for the second message", 2, |r| r.method == "POST" && r.path.ends_with("/threads")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(threads(fake), 2, "the message delivered twice was answered twice");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connexion_sends_a_private_single_use_login_link() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let cb = bot.callback(&fake.slash(STAFF, &[], "connexion")).await;
    assert_eq!(cb["data"]["flags"], 64, "the link is private: {cb:#}");
    let text = text_of(&cb["data"]);
    let token = text.split("/connexion/").nth(1).map(|t| t.chars().take_while(char::is_ascii_hexdigit).collect::<String>()).unwrap_or_default();
    assert!(token.len() >= 32, "no login link in: {text}");
    // The link opens a session for this Discord user, once.
    let session = bot.service.redeem_login_link(&token).await.expect("the link logs in");
    let user = bot.service.session_user(&session.token).await.unwrap().expect("a session");
    assert_eq!(user.discord_id.as_deref(), Some("1001"));
    assert!(bot.service.redeem_login_link(&token).await.is_err(), "the link works once");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn experts_are_reminded_of_tickets_waiting_too_long() {
    let bot = Bot::start().await;
    let fake = &bot.fake;
    let user = bot.service.discord_user(&STAFF.0.to_string(), STAFF.1, None).await.unwrap();
    let asked = bot.service.ask(&user, OUT_OF_SCOPE, svp::store::Origin::default()).await.unwrap();
    let ticket = bot.service.escalate(&user, asked.question_id, svp::core::EscalateMode::New).await.unwrap().ticket_id().unwrap();
    // Opened two days ago.
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&bot._target.url).await.unwrap();
    sqlx::query("UPDATE tickets SET created_at = created_at - 172800000 WHERE id = $1").bind(ticket).execute(&mut db).await.unwrap();
    assert_eq!(bot.service.remind_experts_if_due().await.unwrap(), 1);
    let path = format!("/channels/{EXPERTS_CHANNEL}/messages");
    let reminder = fake.wait_for("reminder", |r| r.method == "POST" && r.path == path && text_of(&r.body).contains("attendent un expert")).await;
    let text = text_of(&reminder.body);
    assert!(text.contains(&format!("[#{ticket}](")) && text.contains("/desk/tickets/") && text.contains("personne ne l'a pris"), "{text}");
    assert!(!text.contains("Chloé"), "the asker is not named: {text}");
    bot.stop().await;
}
