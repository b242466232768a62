//! A minimal fake of Discord's REST API on 127.0.0.1 for the outbox benchmark: opens DM channels
//! and creates messages, honouring enforced nonces as Discord does (the same nonce again returns
//! the message already created). Counts sends per nonce and per bot token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Json;
use serde_json::{Value, json};

/// What the fake saw.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// Messages created (first send of each nonce), by bot token.
    pub by_token: HashMap<String, usize>,
    /// Distinct nonces created.
    pub distinct_nonces: usize,
    /// Nonces sent more than once (a retry, or a second sender).
    pub posted_twice: usize,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Sends per nonce.
    sends: HashMap<String, usize>,
    /// The message created for each nonce.
    created: HashMap<String, Value>,
    by_token: HashMap<String, usize>,
}

/// The running fake.
pub struct FakeDiscord {
    inner: Arc<Mutex<Inner>>,
    server: tokio::task::JoinHandle<()>,
    /// `http://127.0.0.1:PORT`, for `discord.api_base_url`.
    pub base_url: String,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeDiscord {
    /// Starts it on a free port.
    pub async fn start() -> anyhow::Result<FakeDiscord> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/api/v10/users/@me/channels", post(dm_channel))
            .route("/api/v10/channels/{channel}/messages", post(create_message))
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeDiscord { inner, server, base_url })
    }

    /// What it saw so far.
    pub fn counts(&self) -> Counts {
        let s = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        Counts { by_token: s.by_token.clone(), distinct_nonces: s.created.len(), posted_twice: s.sends.values().filter(|&&n| n > 1).count() }
    }
}

fn user(id: &str) -> Value {
    json!({ "id": id, "username": "destinataire", "discriminator": "0", "avatar": null, "bot": false })
}

async fn dm_channel(State(inner): State<Arc<Mutex<Inner>>>, Json(body): Json<Value>) -> Json<Value> {
    let recipient = body["recipient_id"].as_str().map(str::to_string).or_else(|| body["recipient_id"].as_u64().map(|n| n.to_string())).unwrap_or_default();
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    s.next_id += 1;
    Json(json!({ "id": (500_000_000_000_000_000 + s.next_id).to_string(), "type": 1, "recipients": [user(&recipient)], "last_message_id": null }))
}

async fn create_message(State(inner): State<Arc<Mutex<Inner>>>, Path(channel): Path<String>, headers: HeaderMap, Json(body): Json<Value>) -> Json<Value> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().trim_start_matches("Bot ").to_string();
    let nonce = body["nonce"].as_str().filter(|_| body["enforce_nonce"] == true).map(str::to_string);
    let mut s = inner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = &nonce {
        *s.sends.entry(n.clone()).or_default() += 1;
        if let Some(existing) = s.created.get(n) {
            return Json(existing.clone());
        }
    }
    s.next_id += 1;
    let message = json!({
        "id": (600_000_000_000_000_000 + s.next_id).to_string(), "channel_id": channel,
        "author": { "id": "900000000000000002", "username": "SVP", "discriminator": "0", "avatar": null, "bot": true },
        "content": body["content"].as_str().unwrap_or(""), "timestamp": "2026-11-30T10:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": false, "type": 0, "components": []
    });
    *s.by_token.entry(token).or_default() += 1;
    if let Some(n) = nonce {
        s.created.insert(n, message.clone());
    }
    Json(message)
}
