//! Who is asking: the session cookie (pages) or a bearer token (API), resolved once per request
//! by [`authenticate`] and read by the [`CurrentUser`] extractor; and the cross-origin guard
//! that refuses state-changing requests sent from another site (CSRF).
//!
//! The cookie is `svp_session`: HttpOnly, SameSite=Lax (links from Discord still arrive logged
//! in; other sites' forms do not carry it), `Secure` with `web.secure_cookies`. CSRF: every
//! request other than GET, HEAD and OPTIONS that is not authenticated by a bearer token must
//! prove it comes from this site: `Sec-Fetch-Site: same-origin` (or `none`, typed by the user),
//! or else an `Origin` whose host is the request's `Host`. A request with neither header is
//! refused: every browser of the last five years sends one of them on a POST.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{WebError, WebState};
use crate::core::DeskError;
use crate::store::User;

/// Name of the session cookie.
pub const COOKIE: &str = "svp_session";

/// The authenticated user of a request (set by [`authenticate`]).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// The value of the session cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string()).filter(|t| !t.is_empty() && t.len() <= 128)
}

/// The credential a request carried, to check again later (live streams re-check it at each
/// poll, so they end with the session).
#[derive(Debug, Clone)]
pub enum Credential {
    /// A session cookie's token.
    Session(String),
    /// An API bearer token.
    Bearer(String),
}

impl Credential {
    /// The credential of a request, if any.
    pub fn of(headers: &HeaderMap) -> Option<Credential> {
        bearer_token(headers).map(Credential::Bearer).or_else(|| session_token(headers).map(Credential::Session))
    }

    /// The user it logs in, if it is live (a session also marks itself active).
    pub async fn user(&self, service: &crate::core::Service) -> Result<Option<User>, DeskError> {
        match self {
            Credential::Session(t) => service.session_user(t).await,
            Credential::Bearer(t) => service.api_user(t).await,
        }
    }

    /// Whether it still logs `user` in: `Some(bool)`, or `None` when the database cannot tell now.
    pub async fn still_valid(&self, service: &crate::core::Service, user: &User) -> Option<bool> {
        self.user(service).await.ok().map(|u| u.is_some_and(|u| u.id == user.id))
    }
}

/// Resolves the session cookie or bearer token into a [`CurrentUser`] extension. A database
/// failure answers 503 rather than treating the person as logged out.
pub async fn authenticate(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let found = match Credential::of(request.headers()) {
        Some(credential) => credential.user(&state.service).await,
        None => Ok(None),
    };
    match found {
        Ok(Some(user)) => {
            request.extensions_mut().insert(CurrentUser(user));
        }
        Ok(None) => {}
        Err(e) => {
            let api = request.uri().path().starts_with("/api/");
            return if api { WebError::Api(e) } else { WebError::Page(e) }.into_response();
        }
    }
    next.run(request).await
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let message = || DeskError::Unauthenticated("Connectez-vous pour continuer.".into());
        // Nested routers see their own path; the original one tells the API apart.
        let uri = parts.extensions.get::<axum::extract::OriginalUri>().map(|o| o.0.clone()).unwrap_or_else(|| parts.uri.clone());
        if uri.path().starts_with("/api/") {
            Err(WebError::Api(message()))
        } else if parts.method == Method::GET {
            let next = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
            Err(WebError::Login(next))
        } else {
            Err(WebError::Page(message()))
        }
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned())
    }
}

/// The client's address, for the per-address login limit: the peer's, or, when the peer is one
/// of `trusted` proxies, the right-most address of `X-Forwarded-For` that is not a trusted
/// proxy (the left part of the header is the client's to write, so it is never believed).
/// `unknown` when served without an address, as in tests.
pub fn client_address(extensions: &axum::http::Extensions, headers: &HeaderMap, trusted: &[String]) -> String {
    let Some(peer) = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|a| a.parse::<std::net::IpAddr>().is_ok())
        .rev()
        .find(|a| !trusted.iter().any(|t| t == a))
        .map(str::to_string)
        .unwrap_or(peer)
}

/// Whether a state-changing request provably comes from this site (see the module docs).
fn same_site(headers: &HeaderMap, public_url: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    // The site's public address (scheme, host and port), whatever Host a proxy forwards.
    if origin.eq_ignore_ascii_case(public_origin(public_url)) {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    !origin_host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// Refuses cross-site state-changing requests (CSRF), before any handler runs. Requests
/// authenticated by a bearer token (and no cookie) are exempt: a foreign site cannot make a
/// browser send one.
/// `scheme://host[:port]` of a URL.
fn public_origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    url[start..].find('/').map_or(url, |end| &url[..start + end])
}

pub async fn cross_origin_guard(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    let bearer_only = bearer_token(headers).is_some() && session_token(headers).is_none();
    if safe || bearer_only || same_site(headers, &state.service.settings().search.public_url) {
        return next.run(request).await;
    }
    let message = "Requête refusée : elle ne vient pas de ce site (protection CSRF). Rechargez la page et réessayez.";
    if request.uri().path().starts_with("/api/") {
        WebError::json(StatusCode::FORBIDDEN, "csrf", message)
    } else {
        let mut page = super::views::render("message.html", minijinja::context! { message, error => true });
        *page.status_mut() = StatusCode::FORBIDDEN;
        page
    }
}

/// The `Set-Cookie` value opening a session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("svp_session=; Path=/; Max-Age=0"))
}

/// The `Set-Cookie` value ending a session.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    HeaderValue::from_static(if secure {
        "svp_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
    } else {
        "svp_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    })
}

/// Where to go after login: a path of this site only (never `//host` or a scheme), `/` otherwise.
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2000;
    if ok { next.to_string() } else { "/".into() }
}

/// Percent-encodes a query-string component.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/desk/tickets/3?x=1"), "/desk/tickets/3?x=1");
        for bad in ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)", "", "/a\nb"] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn cross_site_posts_are_told_apart() {
        let mut h = HeaderMap::new();
        let same_site = |h: &HeaderMap| same_site(h, "http://127.0.0.1:8080");
        assert!(!same_site(&h), "no proof at all");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_site(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_site(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_site(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_site(&h));
        // Behind a proxy that rewrites Host, the public address still proves the origin.
        let mut p = HeaderMap::new();
        p.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        p.insert(header::ORIGIN, HeaderValue::from_static("https://svp.example.org"));
        assert!(super::same_site(&p, "https://svp.example.org/"));
        assert!(!super::same_site(&p, "http://svp.example.org"), "the scheme counts");
        assert_eq!(public_origin("https://svp.example.org:8443/x/y"), "https://svp.example.org:8443");
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let mut ext = axum::http::Extensions::new();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.7"));
        assert_eq!(client_address(&ext, &h, &[]), "unknown");
        ext.insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000))));
        assert_eq!(client_address(&ext, &h, &[]), "127.0.0.1", "no trusted proxy: the header is ignored");
        let trusted = vec!["127.0.0.1".to_string()];
        assert_eq!(client_address(&ext, &h, &trusted), "203.0.113.7", "the right-most untrusted address");
        ext.insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 1], 4000))));
        assert_eq!(client_address(&ext, &h, &trusted), "198.51.100.1", "an untrusted peer cannot choose its address");
    }

    #[test]
    fn cookies_are_read_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; svp_session=abc; b=2"));
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
    }
}
