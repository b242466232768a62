//! Accounts: password hashes, sessions, failed logins, one-time login links and API tokens.
//! Secrets arrive here already hashed (see `core::accounts`); nothing readable is stored.

use sqlx::Row;

use super::{Store, StoreResult, User, now_ms};

/// A live session's owner and clock, in milliseconds since the epoch.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Who is logged in.
    pub user: User,
    /// When the session was opened.
    pub created_at: i64,
    /// Last request seen.
    pub last_seen_at: i64,
    /// Absolute end.
    pub expires_at: i64,
}

/// An API token's record (never the token itself).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiTokenRow {
    /// Id, for `svp tokens revoke`.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Owner's name.
    pub user_name: String,
    /// Created, ms since the epoch.
    pub created_at: i64,
    /// Expiry, ms since the epoch, if any.
    pub expires_at: Option<i64>,
    /// Revoked, ms since the epoch, if so.
    pub revoked_at: Option<i64>,
}

const USER_COLUMNS: &str = "u.id, u.name, u.role, u.site, u.discord_id";

impl Store {
    /// Sets (or replaces) a user's password hash (PHC string).
    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&self.pool).await?;
        Ok(())
    }

    /// A user by name with their password hash, if they have one: the exact name first, else
    /// ignoring case in any alphabet (« élodie » finds « Élodie »; SQLite's `LOWER` folds ASCII
    /// only, so that comparison is made here, over the few hundred accounts a network has).
    pub async fn user_with_password(&self, name: &str) -> StoreResult<Option<(User, Option<String>)>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u ORDER BY u.id")).fetch_all(&self.pool).await?;
        let wanted = name.trim();
        let folded = wanted.to_lowercase();
        let mut fallback = None;
        for row in &rows {
            let user = super::users::user(row)?;
            if user.name == wanted {
                return Ok(Some((user, row.try_get("password_hash")?)));
            }
            if fallback.is_none() && user.name.to_lowercase() == folded {
                fallback = Some((user, row.try_get("password_hash")?));
            }
        }
        Ok(fallback)
    }

    /// Opens a session for `user_id` under `token_hash`, ending at `expires_at` (ms).
    pub async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: i64) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The session under `token_hash`, whatever its age (the core checks the timeouts).
    pub async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRow>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.created_at, s.last_seen_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(SessionRow {
                user: super::users::user(&row)?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                expires_at: row.try_get("expires_at")?,
            })),
            None => Ok(None),
        }
    }

    /// Records activity on a session.
    pub async fn touch_session(&self, token_hash: &str, at: i64) -> StoreResult<()> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(at).bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Ends every session of a user (password changed). Returns how many.
    pub async fn delete_sessions_of(&self, user_id: i64) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&self.pool).await?.rows_affected())
    }

    /// Removes sessions ended before `before` (ms) and failed logins older than it.
    pub async fn purge_sessions(&self, before: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(before).execute(&self.pool).await?;
        sqlx::query("DELETE FROM login_failures WHERE created_at < $1").bind(before).execute(&self.pool).await?;
        Ok(())
    }

    /// Records a failed login.
    pub async fn record_login_failure(&self, account: &str, address: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_failures (account, address, created_at) VALUES ($1, $2, $3)")
            .bind(account)
            .bind(address)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed logins since `since` (ms): for this account from this address, for this account
    /// from anywhere, and from this address for any account.
    pub async fn login_failures(&self, account: &str, address: &str, since: i64) -> StoreResult<LoginFailures> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM login_failures WHERE account = $1 AND address = $2 AND created_at >= $3) AS pair, \
             (SELECT COUNT(*) FROM login_failures WHERE account = $1 AND created_at >= $3) AS by_account, \
             (SELECT COUNT(*) FROM login_failures WHERE address = $2 AND created_at >= $3) AS by_address",
        )
        .bind(account)
        .bind(address)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(LoginFailures { pair: row.try_get("pair")?, account: row.try_get("by_account")?, address: row.try_get("by_address")? })
    }

    /// Forgets the failed logins of an account from an address (after a successful login from
    /// it; failures from other addresses still count against the account).
    pub async fn clear_login_failures(&self, account: &str, address: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE account = $1 AND address = $2").bind(account).bind(address).execute(&self.pool).await?;
        Ok(())
    }

    /// Stores a one-time login link for `user_id`, valid until `expires_at` (ms).
    pub async fn create_login_link(&self, token_hash: &str, user_id: i64, expires_at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_links (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Uses a login link once: its user when it exists, has not expired and was not used
    /// (atomically: two simultaneous uses give one user and one `None`).
    pub async fn redeem_login_link(&self, token_hash: &str) -> StoreResult<Option<i64>> {
        let now = now_ms();
        let row = sqlx::query(
            "UPDATE login_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("user_id")).transpose()?)
    }

    /// Stores an API token; returns its id.
    pub async fn create_api_token(&self, token_hash: &str, user_id: i64, expires_at: Option<i64>) -> StoreResult<i64> {
        let row = sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms())
            .bind(expires_at)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("id")?)
    }

    /// The user of a live (unrevoked, unexpired) API token.
    pub async fn api_token_user(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 \
             AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)"
        ))
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(super::users::user).transpose()
    }

    /// Revokes a token by id; `false` when there is no such live token.
    pub async fn revoke_api_token(&self, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every API token record, newest first.
    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiTokenRow>> {
        let rows = sqlx::query(
            "SELECT t.id, t.user_id, u.name, t.created_at, t.expires_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             ORDER BY t.id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenRow {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }
}

/// Failed logins counted over a window.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginFailures {
    /// For this account from this address.
    pub pair: i64,
    /// For this account from any address.
    pub account: i64,
    /// From this address for any account.
    pub address: i64,
}
