//! A small fake Discord (REST and gateway) on 127.0.0.1 that the real serenity/poise client
//! connects to. Every request is recorded; every dispatch is checked by deserializing it into
//! serenity's `GatewayEvent`; an unknown route fails the test.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::mpsc;

pub const APP_ID: u64 = 900_000_000_000_000_001;
pub const BOT_ID: u64 = 900_000_000_000_000_002;
pub const GUILD_ID: u64 = 900_000_000_000_000_003;
pub const HELP_CHANNEL: u64 = 900_000_000_000_000_010;
pub const EXPERTS_CHANNEL: u64 = 900_000_000_000_000_011;
pub const ASK_CHANNEL: u64 = 900_000_000_000_000_012;
pub const MANAGERS_CHANNEL: u64 = 900_000_000_000_000_013;
pub const EXPERT_ROLE: u64 = 900_000_000_000_000_020;
pub const MANAGER_ROLE: u64 = 900_000_000_000_000_021;

/// One recorded REST request.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub status: u16,
}

/// A failure to inject: the next `times` requests matching `method` and `path` get `status`.
#[derive(Debug, Clone)]
struct Failure {
    method: String,
    path: String,
    status: u16,
    times: usize,
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    unknown: Vec<String>,
    next_id: u64,
    failures: Vec<Failure>,
    closed_dms: HashSet<u64>,
    dm_owner: HashMap<u64, u64>,
    originals: HashMap<String, Value>,
    session: Option<mpsc::UnboundedSender<Value>>,
    seq: u64,
    identifies: usize,
    resumes: usize,
    port: u16,
    /// Messages created with an enforced nonce, by nonce (Discord returns the existing message
    /// when the same nonce comes again).
    by_nonce: HashMap<String, Value>,
    /// Each message creation with an enforced nonce, in order (a nonce twice would be a copy).
    nonces_created: Vec<String>,
}

/// The fake server.
#[derive(Clone)]
pub struct FakeDiscord {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let inner = Arc::new(Mutex::new(Inner { next_id: 1_000, port, ..Default::default() }));
        let app = Router::new().route("/ws", get(gateway)).fallback(rest).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeDiscord { inner, base_url: format!("http://127.0.0.1:{port}") }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    /// All requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Routes the fake does not know (must stay empty).
    pub fn unknown_routes(&self) -> Vec<String> {
        self.lock().unknown.clone()
    }

    /// Makes the next `times` requests to `method path` fail with `status`.
    pub fn fail(&self, method: &str, path: &str, status: u16, times: usize) {
        self.lock().failures.push(Failure { method: method.into(), path: path.into(), status, times });
    }

    /// This user's DMs are closed (sending them a message gives Discord error 50007).
    pub fn close_dms(&self, user: u64) {
        self.lock().closed_dms.insert(user);
    }

    pub fn identifies(&self) -> usize {
        self.lock().identifies
    }

    pub fn resumes(&self) -> usize {
        self.lock().resumes
    }

    /// Waits until a recorded request satisfies `pred`, or panics after 10 s.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        for _ in 0..500 {
            if let Some(r) = self.lock().requests.iter().find(|r| pred(r)) {
                return r.clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for {what}; requests:\n{:#?}", self.requests().iter().map(|r| format!("{} {} {}", r.method, r.path, r.status)).collect::<Vec<_>>());
    }

    /// Waits until `n` requests satisfy `pred`.
    pub async fn wait_count(&self, what: &str, n: usize, pred: impl Fn(&Recorded) -> bool) -> Vec<Recorded> {
        for _ in 0..500 {
            let found: Vec<Recorded> = self.lock().requests.iter().filter(|r| pred(r)).cloned().collect();
            if found.len() >= n {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("timed out waiting for {n} × {what}");
    }

    /// Waits for the bot to be ready (commands registered).
    pub async fn ready(&self) {
        self.wait_for("command registration", |r| r.method == "PUT" && r.path.ends_with("/commands")).await;
    }

    fn next_id(&self) -> u64 {
        let mut s = self.lock();
        s.next_id += 1;
        s.next_id
    }

    /// Sends a dispatch on the gateway, after checking serenity understands it.
    pub fn dispatch(&self, event: &str, data: Value) {
        let mut s = self.lock();
        s.seq += 1;
        let payload = json!({ "op": 0, "t": event, "s": s.seq, "d": data });
        validate(&payload);
        s.session.as_ref().expect("the bot is connected").send(payload).unwrap();
    }

    /// Asks the client to reconnect and resume (gateway op 7).
    pub fn request_reconnect(&self) {
        let s = self.lock();
        s.session.as_ref().expect("the bot is connected").send(json!({ "op": 7, "d": null })).unwrap();
    }

    pub fn user(id: u64, name: &str) -> Value {
        json!({ "id": id.to_string(), "username": name, "global_name": name, "discriminator": "0", "avatar": null, "bot": false })
    }

    fn member(id: u64, name: &str, roles: &[u64]) -> Value {
        json!({
            "user": Self::user(id, name),
            "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": "2026-01-01T00:00:00.000000+00:00",
            "deaf": false, "mute": false, "flags": 0, "pending": false,
            "permissions": "2199023255551"
        })
    }

    fn interaction_base(&self, kind: u8, user: (u64, &str), roles: &[u64], channel: u64) -> (Value, String) {
        let id = self.next_id();
        let token = format!("tok{id}");
        let v = json!({
            "id": id.to_string(),
            "application_id": APP_ID.to_string(),
            "type": kind,
            "guild_id": GUILD_ID.to_string(),
            "channel_id": channel.to_string(),
            "channel": { "id": channel.to_string(), "type": 0, "name": "aide", "permissions": "2199023255551" },
            "member": Self::member(user.0, user.1, roles),
            "token": token,
            "version": 1,
            "locale": "fr",
            "guild_locale": "fr",
            "app_permissions": "2199023255551",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "attachment_size_limit": 10485760
        });
        (v, token)
    }

    /// A `/ask` slash command; returns the interaction token.
    pub fn slash_ask(&self, user: (u64, &str), roles: &[u64], question: &str, private: bool) -> String {
        let (mut v, token) = self.interaction_base(2, user, roles, ASK_CHANNEL);
        let mut options = vec![json!({ "name": "question", "type": 3, "value": question })];
        if private {
            options.push(json!({ "name": "prive", "type": 5, "value": true }));
        }
        v["data"] = json!({ "id": "800", "name": "ask", "type": 1, "options": options, "guild_id": GUILD_ID.to_string() });
        self.dispatch("INTERACTION_CREATE", v);
        token
    }

    /// A slash command without options (`/tickets`, `/stats`).
    pub fn slash(&self, user: (u64, &str), roles: &[u64], name: &str) -> String {
        let (mut v, token) = self.interaction_base(2, user, roles, ASK_CHANNEL);
        v["data"] = json!({ "id": "801", "name": name, "type": 1, "options": [], "guild_id": GUILD_ID.to_string() });
        self.dispatch("INTERACTION_CREATE", v);
        token
    }

    /// A slash command without options in a direct message (no guild, no member roles);
    /// returns the interaction token.
    pub fn slash_in_dm(&self, user: (u64, &str), name: &str) -> String {
        let (mut v, token) = self.interaction_base(2, user, &[], ASK_CHANNEL);
        let obj = v.as_object_mut().unwrap();
        obj.remove("guild_id");
        obj.remove("member");
        obj.remove("guild_locale");
        obj.insert("user".into(), Self::user(user.0, user.1));
        obj.insert("channel".into(), json!({ "id": ASK_CHANNEL.to_string(), "type": 1 }));
        obj.insert("context".into(), json!(1));
        v["data"] = json!({ "id": "801", "name": name, "type": 1, "options": [] });
        self.dispatch("INTERACTION_CREATE", v);
        token
    }

    /// A click on a button; returns the interaction token.
    pub fn click(&self, user: (u64, &str), roles: &[u64], custom_id: &str, channel: u64) -> String {
        let (mut v, token) = self.interaction_base(3, user, roles, channel);
        v["data"] = json!({ "custom_id": custom_id, "component_type": 2 });
        v["message"] = self.message_json(self.next_id(), channel, BOT_ID, "", json!([]));
        self.dispatch("INTERACTION_CREATE", v);
        token
    }

    /// A submitted modal with one text input named `text`.
    pub fn submit_modal(&self, user: (u64, &str), roles: &[u64], custom_id: &str, text: &str) -> String {
        let (mut v, token) = self.interaction_base(5, user, roles, EXPERTS_CHANNEL);
        v["data"] = json!({
            "custom_id": custom_id,
            "components": [{ "type": 1, "components": [{ "type": 4, "custom_id": "text", "value": text }] }]
        });
        self.dispatch("INTERACTION_CREATE", v);
        token
    }

    /// The nonces of the messages created with an enforced nonce, once per creation.
    pub fn nonces_created(&self) -> Vec<String> {
        self.inner.lock().unwrap().nonces_created.clone()
    }

    /// A message in a channel; returns its id.
    pub fn message(&self, user: (u64, &str), roles: &[u64], channel: u64, content: &str, mentions_bot: bool) -> u64 {
        let id = self.next_id();
        self.message_with_id(id, user, roles, channel, content, mentions_bot);
        id
    }

    /// A message with a given id: the same id twice is the gateway delivering it again (to a
    /// new session during a hand-over, say).
    pub fn message_with_id(&self, id: u64, user: (u64, &str), roles: &[u64], channel: u64, content: &str, mentions_bot: bool) {
        let mut m = self.message_json(id, channel, user.0, content, json!([]));
        m["author"] = Self::user(user.0, user.1);
        m["guild_id"] = json!(GUILD_ID.to_string());
        m["member"] = json!({ "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(), "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 });
        if mentions_bot {
            m["mentions"] = json!([{ "id": BOT_ID.to_string(), "username": "SVP", "discriminator": "0", "avatar": null, "bot": true }]);
        }
        self.dispatch("MESSAGE_CREATE", m);
    }

    fn message_json(&self, id: u64, channel: u64, author: u64, content: &str, embeds: Value) -> Value {
        json!({
            "id": id.to_string(),
            "channel_id": channel.to_string(),
            "author": { "id": author.to_string(), "username": "SVP", "discriminator": "0", "avatar": null, "bot": author == BOT_ID },
            "content": content,
            "timestamp": "2026-11-27T10:00:00.000000+00:00",
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds,
            "pinned": false,
            "type": 0,
            "components": []
        })
    }

    /// Every REST body sent with `method` whose path ends with `suffix`.
    pub fn bodies(&self, method: &str, suffix: &str) -> Vec<Value> {
        self.requests().into_iter().filter(|r| r.method == method && r.path.ends_with(suffix)).map(|r| r.body).collect()
    }
}

/// Fails the test when serenity would not understand a dispatch (it would drop it silently).
fn validate(payload: &Value) {
    let event: serenity::all::GatewayEvent = serde_json::from_value(payload.clone())
        .unwrap_or_else(|e| panic!("serenity cannot read this dispatch: {e}\n{payload:#}"));
    if let serenity::all::GatewayEvent::Dispatch(_, serenity::all::Event::Unknown(u)) = event {
        panic!("serenity would ignore this dispatch (missing field?): {}\n{payload:#}", u.kind);
    }
}

async fn gateway(ws: WebSocketUpgrade, State(inner): State<Arc<Mutex<Inner>>>) -> Response {
    ws.on_upgrade(move |socket| session(socket, inner))
}

async fn session(mut socket: WebSocket, inner: Arc<Mutex<Inner>>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": 41250 } });
    if socket.send(WsMessage::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            outgoing = rx.recv() => {
                let Some(v) = outgoing else { break };
                let reconnect = v["op"] == 7;
                if socket.send(WsMessage::Text(v.to_string().into())).await.is_err() { break; }
                if reconnect {
                    let _ = socket.send(WsMessage::Close(None)).await;
                    break;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(WsMessage::Text(text))) = incoming else {
                    if matches!(incoming, Some(Ok(WsMessage::Ping(_))) | Some(Ok(WsMessage::Pong(_)))) { continue; }
                    break;
                };
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match v["op"].as_u64() {
                    Some(1) => {
                        let _ = socket.send(WsMessage::Text(json!({ "op": 11 }).to_string().into())).await;
                    }
                    Some(2) => {
                        let ready = {
                            let mut s = inner.lock().unwrap();
                            s.identifies += 1;
                            s.seq += 1;
                            s.session = Some(tx.clone());
                            json!({ "op": 0, "t": "READY", "s": s.seq, "d": {
                                "v": 10,
                                "user": { "id": BOT_ID.to_string(), "username": "SVP", "discriminator": "0", "avatar": null, "bot": true, "verified": true, "mfa_enabled": false, "flags": 0 },
                                "guilds": [],
                                "session_id": "session-1",
                                "resume_gateway_url": format!("ws://127.0.0.1:{}/ws", s.port),
                                "application": { "id": APP_ID.to_string(), "flags": 0 }
                            }})
                        };
                        validate(&ready);
                        let _ = socket.send(WsMessage::Text(ready.to_string().into())).await;
                    }
                    Some(6) => {
                        let resumed = {
                            let mut s = inner.lock().unwrap();
                            s.resumes += 1;
                            s.seq += 1;
                            s.session = Some(tx.clone());
                            json!({ "op": 0, "t": "RESUMED", "s": s.seq, "d": {} })
                        };
                        validate(&resumed);
                        let _ = socket.send(WsMessage::Text(resumed.to_string().into())).await;
                    }
                    _ => {}
                }
            }
        }
    }
}

async fn rest(State(inner): State<Arc<Mutex<Inner>>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().trim_start_matches("/api/v10").to_string();
    let bytes: Bytes = axum::body::to_bytes(request.into_body(), 10 << 20).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let (status, reply) = route(&inner, &method, &path, &body);
    inner.lock().unwrap().requests.push(Recorded { method: method.to_string(), path, body, status: status.as_u16() });
    match reply {
        Some(v) => (status, axum::Json(v)).into_response(),
        None => status.into_response(),
    }
}

fn route(inner: &Arc<Mutex<Inner>>, method: &Method, path: &str, body: &Value) -> (StatusCode, Option<Value>) {
    let mut s = inner.lock().unwrap();
    if let Some(f) = s.failures.iter_mut().find(|f| f.times > 0 && f.method == method.as_str() && f.path == path) {
        f.times -= 1;
        let status = StatusCode::from_u16(f.status).unwrap();
        return (status, Some(json!({ "code": 0, "message": "injected failure" })));
    }
    s.next_id += 1;
    let id = s.next_id;
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let port = s.port;
    let ok = |v: Value| (StatusCode::OK, Some(v));
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({ "url": format!("ws://127.0.0.1:{port}/ws") })),
        ("GET", ["gateway", "bot"]) => ok(json!({ "url": format!("ws://127.0.0.1:{port}/ws"), "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 } })),
        ("PUT", ["applications", _, "guilds", _, "commands"]) | ("PUT", ["applications", _, "commands"]) => {
            let commands: Vec<Value> = body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, mut c)| {
                    c["id"] = json!((800 + i).to_string());
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    c["type"] = json!(1);
                    c["default_member_permissions"] = Value::Null;
                    c
                })
                .collect();
            ok(Value::Array(commands))
        }
        ("POST", ["interactions", _, token, "callback"]) => {
            let token = token.to_string();
            let data = body["data"].clone();
            s.originals.insert(token, data);
            (StatusCode::NO_CONTENT, None)
        }
        ("GET" | "PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            let data = s.originals.get(*token).cloned().unwrap_or(json!({}));
            ok(message(id, ASK_CHANNEL, data["content"].as_str().unwrap_or("")))
        }
        ("POST", ["webhooks", _, _]) => ok(message(id, ASK_CHANNEL, body["content"].as_str().unwrap_or(""))),
        ("GET", ["channels", channel]) => {
            let c: u64 = channel.parse().unwrap_or(0);
            ok(json!({ "id": channel, "type": 0, "guild_id": GUILD_ID.to_string(), "name": format!("salon-{c}"),
                "position": 0, "permission_overwrites": [], "nsfw": false }))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let c: u64 = channel.parse().unwrap_or(0);
            if let Some(user) = s.dm_owner.get(&c)
                && s.closed_dms.contains(user)
            {
                return (StatusCode::FORBIDDEN, Some(json!({ "code": 50007, "message": "Cannot send messages to this user" })));
            }
            let nonce = if body["enforce_nonce"] == true { body["nonce"].as_str().map(str::to_string) } else { None };
            if let Some(existing) = nonce.as_ref().and_then(|n| s.by_nonce.get(n)) {
                return ok(existing.clone());
            }
            let created = message(id, c, body["content"].as_str().unwrap_or(""));
            if let Some(n) = nonce {
                s.by_nonce.insert(n.clone(), created.clone());
                s.nonces_created.push(n);
            }
            ok(created)
        }
        ("PATCH", ["channels", channel, "messages", message_id]) => {
            let m: u64 = message_id.parse().unwrap_or(0);
            ok(message(m, channel.parse().unwrap_or(0), body["content"].as_str().unwrap_or("")))
        }
        ("POST", ["channels", channel, "messages", _, "threads"]) => ok(json!({
            "id": id.to_string(), "type": 11, "guild_id": GUILD_ID.to_string(), "parent_id": channel,
            "name": body["name"], "position": 0, "permission_overwrites": [], "nsfw": false,
            "thread_metadata": { "archived": false, "auto_archive_duration": 1440, "archive_timestamp": "2026-11-27T10:00:00.000000+00:00", "locked": false }
        })),
        ("POST", ["users", "@me", "channels"]) => {
            let user: u64 = body["recipient_id"].as_str().and_then(|r| r.parse().ok()).or(body["recipient_id"].as_u64()).unwrap_or(0);
            s.dm_owner.insert(id, user);
            ok(json!({ "id": id.to_string(), "type": 1, "recipients": [FakeDiscord::user(user, "someone")], "last_message_id": null }))
        }
        _ => {
            s.unknown.push(format!("{method} {path}"));
            (StatusCode::NOT_FOUND, Some(json!({ "code": 0, "message": "unknown route in the fake Discord" })))
        }
    }
}

fn message(id: u64, channel: u64, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel.to_string(),
        "author": { "id": BOT_ID.to_string(), "username": "SVP", "discriminator": "0", "avatar": null, "bot": true },
        "content": content, "timestamp": "2026-11-27T10:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
        "pinned": false, "type": 0, "components": []
    })
}
