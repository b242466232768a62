//! No log line, at any level, carries a question's or an answer's text: logs end up in places
//! (files, aggregators) with none of the database's protections.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::TestEnv;
use svp::core::EscalateMode;
use svp::core::roles::Role;
use svp::store::Origin;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_whole_loop_logs_no_question_or_answer_text() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let question = "Elle souhaite savoir si la carte de pêche quinquennale est accessible aux réfugiés";
    let answer = "Réponse experte : la fédération halieutique délivre la carte quinquennale sans condition de séjour";
    for env in TestEnv::all().await {
        let s = &env.service;
        let staff = env.user("Chloé", Role::Staff).await;
        let expert = env.user("Awa", Role::Expert).await;
        let asked = s.ask(&staff, question, Origin { transport: "cli".into(), channel: None }).await.unwrap();
        let t = s.escalate(&staff, asked.question_id, EscalateMode::New).await.unwrap().ticket_id().unwrap();
        s.claim(&expert, t).await.unwrap();
        s.clarify(&expert, t, "Précision halieutique demandée").await.unwrap();
        s.reply(&staff, t, "Réponse quinquennale de l'accompagnante").await.unwrap();
        s.answer(&expert, t, answer).await.unwrap();
        s.bot().reply("carte de pêche quinquennale pour un réfugié ?", svp::app::today()).unwrap();
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty(), "the subscriber captured the service's logs");
    for word in ["quinquennale", "halieutique"] {
        assert!(!logs.contains(word), "« {word} » appears in the logs:\n{}", logs.lines().filter(|l| l.contains(word)).collect::<Vec<_>>().join("\n"));
    }
}
