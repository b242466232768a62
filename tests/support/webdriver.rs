//! A minimal W3C WebDriver client (the few commands the browser test needs), over reqwest, for
//! chromedriver on 127.0.0.1.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

/// One browser session.
pub struct Browser {
    http: reqwest::Client,
    base: String,
}

/// An element reference.
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// Opens a headless Chromium session on the chromedriver listening on `port`.
    pub async fn open(port: u16) -> Browser {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=fr-FR"] } } } });
        let root = format!("http://127.0.0.1:{port}");
        let response: Value = http.post(format!("{root}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = response["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {response}")).to_string();
        Browser { http, base: format!("{root}/session/{id}") }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        response["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// Navigates to `url`.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap_or_default().to_string()
    }

    /// The first element matching a CSS selector, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        let v = self.post("/element", json!({ "using": "css selector", "value": css })).await;
        v[ELEMENT_KEY].as_str().map(|id| Element(id.to_string()))
    }

    /// The first element matching an XPath, if any.
    pub async fn find_xpath(&self, xpath: &str) -> Option<Element> {
        let v = self.post("/element", json!({ "using": "xpath", "value": xpath })).await;
        v[ELEMENT_KEY].as_str().map(|id| Element(id.to_string()))
    }

    /// Like [`Browser::find`], panicking with the page's text when missing.
    pub async fn must(&self, css: &str) -> Element {
        match self.find(css).await {
            Some(e) => e,
            None => panic!("no `{css}` on {}: {}", self.url().await, self.text().await),
        }
    }

    /// Types into an element.
    pub async fn type_into(&self, e: &Element, text: &str) {
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text })).await;
    }

    /// Presses and releases keys on whatever has the focus (`\u{E007}` is Enter).
    pub async fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys.chars().flat_map(|c| [json!({ "type": "keyDown", "value": c.to_string() }), json!({ "type": "keyUp", "value": c.to_string() })]).collect();
        self.post("/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })).await;
    }

    /// Clicks an element.
    pub async fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.0), json!({})).await;
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        let Some(body) = self.find("body").await else { return String::new() };
        self.get(&format!("/element/{}/text", body.0)).await.as_str().unwrap_or_default().to_string()
    }

    /// The inner HTML of an element.
    pub async fn inner_html(&self, e: &Element) -> String {
        self.get(&format!("/element/{}/property/innerHTML", e.0)).await.as_str().unwrap_or_default().to_string()
    }

    /// Resizes the window.
    pub async fn resize(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height })).await;
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        let b64 = self.get("/screenshot").await;
        base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap_or_default()).unwrap_or_default()
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}
