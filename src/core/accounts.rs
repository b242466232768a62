//! Accounts: web logins with a password, sessions, one-time login links for Discord users and
//! bearer tokens for the JSON API.
//!
//! Secrets are random 256-bit tokens shown once and stored as their SHA-256; passwords are
//! hashed with Argon2id (`password-auth`) on a blocking thread. Sessions live in the database so
//! every instance serves every user. Failed logins are counted in the database over
//! [`FAILURE_WINDOW_MINUTES`]: per account and address (a stranger guessing a colleague's
//! password locks only themselves out), per account from anywhere (distributed guessing, with a
//! much higher limit), and per address.

use chrono::Duration;
use sha2::{Digest, Sha256};

use super::error::{DeskError, DeskResult};
use super::service::Service;
use crate::store::{User, now_ms};

/// Window over which failed logins are counted, in minutes.
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Failed logins allowed per account from one address within the window.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Failed logins allowed per account from all addresses within the window: guessing spread over
/// many addresses is throttled, while one stranger cannot lock a colleague out.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 50;
/// Failed logins allowed per address within the window, whatever the accounts (a shared office
/// counts once).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted, in bytes (Argon2 hashes anything, but a megabyte is an attack).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// A session is marked active at most this often, in milliseconds (fewer writes).
const TOUCH_EVERY_MS: i64 = 60_000;

/// A session just opened: the secret for the cookie and its lifetime.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The secret to put in the cookie (shown once; only its hash is stored).
    pub token: String,
    /// Who logged in.
    pub user: User,
    /// Absolute lifetime, in seconds (the cookie's `Max-Age`).
    pub max_age_secs: i64,
}

/// A new random secret: 32 bytes from the OS, as 64 hex digits.
fn new_token() -> DeskResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DeskError::Unavailable(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The stored form of a secret: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Refuses a password shorter than [`MIN_PASSWORD_CHARS`] or longer than [`MAX_PASSWORD_BYTES`]
/// (`Forbidden`, with the rule in French).
pub fn check_password(password: &str) -> DeskResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DeskError::Forbidden(format!("Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères.")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(DeskError::Forbidden(format!("Le mot de passe ne doit pas dépasser {MAX_PASSWORD_BYTES} octets.")));
    }
    Ok(())
}

fn wrong_credentials() -> DeskError {
    DeskError::Unauthenticated("Nom ou mot de passe incorrect.".into())
}

/// Hashes on a blocking thread: Argon2 takes tens of milliseconds of CPU by design.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> DeskResult<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| DeskError::Unavailable(anyhow::anyhow!("hashing task failed: {e}")))
}

impl Service {
    /// Sets a user's password (CLI `svp users add --password-stdin`, `svp users passwd`) and
    /// ends their open sessions. Errors: unknown user (`NotFound`), a password shorter than
    /// [`MIN_PASSWORD_CHARS`] or longer than [`MAX_PASSWORD_BYTES`] (`Forbidden`).
    pub async fn set_password(&self, name: &str, password: &str) -> DeskResult<User> {
        let user = self.user_named(name).await?;
        check_password(password)?;
        let password = password.to_string();
        let hash = blocking(move || password_auth::generate_hash(password)).await?;
        self.store.set_password_hash(user.id, &hash).await?;
        self.store.delete_sessions_of(user.id).await?;
        Ok(user)
    }

    /// Checks a name and password and opens a session. `address` is the client's address, for
    /// the per-address limit. Errors: `Unauthenticated` (unknown name, no password or wrong
    /// password: the same message, and the same hashing work, for all three),
    /// `TooManyAttempts` (too many failures for this account from this address, for this account
    /// from everywhere, or from this address).
    pub async fn login(&self, name: &str, password: &str, address: &str) -> DeskResult<NewSession> {
        let account = name.trim().to_lowercase();
        let since = now_ms() - FAILURE_WINDOW_MINUTES * 60_000;
        // The attempt counts as a failure until the password is verified, so that many
        // attempts sent at once cannot all pass the limit while the hashes are computed.
        self.store.record_login_failure(&account, address).await?;
        let failures = self.store.login_failures(&account, address, since).await?;
        if failures.pair > MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS || failures.account > MAX_FAILURES_PER_ACCOUNT || failures.address > MAX_FAILURES_PER_ADDRESS {
            return Err(DeskError::TooManyAttempts(FAILURE_WINDOW_MINUTES));
        }
        let found = if account.is_empty() || password.len() > MAX_PASSWORD_BYTES { None } else { self.store.user_with_password(name.trim()).await? };
        let (user, hash) = match found {
            Some((user, Some(hash))) => (Some(user), Some(hash)),
            _ => (None, None),
        };
        let password = password.to_string();
        let valid = blocking(move || {
            // Unknown name: the same work as a real check, so timing does not tell which names exist.
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
            password_auth::verify_password(password, &hash).is_ok()
        })
        .await?;
        match user {
            Some(user) if valid => {
                self.store.clear_login_failures(&account, address).await?;
                self.open_session(user).await
            }
            _ => Err(wrong_credentials()),
        }
    }

    async fn open_session(&self, user: User) -> DeskResult<NewSession> {
        let token = new_token()?;
        let max_age_secs = i64::from(self.settings.web.session_max_hours) * 3600;
        self.store.create_session(&token_hash(&token), user.id, now_ms() + max_age_secs * 1000).await?;
        Ok(NewSession { token, user, max_age_secs })
    }

    /// The user of a session cookie, or `None` when it is unknown or has ended (idle for
    /// `web.session_idle_minutes`, or older than `web.session_max_hours`; an ended session is
    /// deleted). Marks the session active.
    pub async fn session_user(&self, token: &str) -> DeskResult<Option<User>> {
        let hash = token_hash(token);
        let Some(session) = self.store.session(&hash).await? else { return Ok(None) };
        let now = now_ms();
        let idle_ms = i64::from(self.settings.web.session_idle_minutes) * 60_000;
        if now >= session.expires_at || now - session.last_seen_at >= idle_ms {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        if now - session.last_seen_at >= TOUCH_EVERY_MS {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(session.user))
    }

    /// Ends a session (logout). Unknown tokens are ignored.
    pub async fn logout(&self, token: &str) -> DeskResult<()> {
        Ok(self.store.delete_session(&token_hash(token)).await?)
    }

    /// A one-time login link for a Discord user (the `/connexion` command): valid for
    /// `web.login_link_minutes`, usable once, bound to `user`. Returns the full URL under
    /// `search.public_url`.
    pub async fn login_link(&self, user: &User) -> DeskResult<String> {
        let token = new_token()?;
        let expires = now_ms() + i64::from(self.settings.web.login_link_minutes) * 60_000;
        self.store.create_login_link(&token_hash(&token), user.id, expires).await?;
        Ok(format!("{}/connexion/{token}", self.settings.search.public_url.trim_end_matches('/')))
    }

    /// Uses a login link and opens a session. Errors: `Unauthenticated` when the link is
    /// unknown, expired or already used.
    pub async fn redeem_login_link(&self, token: &str) -> DeskResult<NewSession> {
        let expired = || DeskError::Unauthenticated("Ce lien de connexion n'est plus valable (il sert une seule fois, quelques minutes). Demandez-en un autre avec /connexion sur Discord.".into());
        let user_id = self.store.redeem_login_link(&token_hash(token)).await?.ok_or_else(expired)?;
        let user = self.store.user(user_id).await?.ok_or_else(expired)?;
        self.open_session(user).await
    }

    /// A bearer token for the JSON API acting as `user_name`, valid `expires_days` days (or
    /// until revoked). Returns (id, token); the token is shown once.
    pub async fn create_api_token(&self, user_name: &str, expires_days: Option<u32>) -> DeskResult<(i64, String)> {
        let user = self.user_named(user_name).await?;
        let token = new_token()?;
        let expires = expires_days.map(|d| now_ms() + Duration::days(i64::from(d)).num_milliseconds());
        let id = self.store.create_api_token(&token_hash(&token), user.id, expires).await?;
        Ok((id, token))
    }

    /// The user of a bearer token, or `None` when it is unknown, revoked or expired.
    pub async fn api_user(&self, token: &str) -> DeskResult<Option<User>> {
        Ok(self.store.api_token_user(&token_hash(token)).await?)
    }

    /// Removes ended sessions and old failed logins (scheduled).
    pub async fn purge_sessions(&self) -> DeskResult<()> {
        Ok(self.store.purge_sessions(now_ms() - FAILURE_WINDOW_MINUTES * 60_000).await?)
    }
}

/// A hash of a random password, verified against when the name is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    password_auth::generate_hash(new_token().unwrap_or_else(|_| "svp-dummy-password".into()))
});
