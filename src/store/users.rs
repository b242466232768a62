//! Users.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{NewUser, Store, StoreResult, User, now_ms};

const COLUMNS: &str = "id, name, role, site, discord_id";

pub(super) fn user(row: &AnyRow) -> StoreResult<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role.parse().map_err(|e: String| anyhow::anyhow!(e))?,
        site: row.try_get("site")?,
        discord_id: row.try_get("discord_id")?,
    })
}

impl Store {
    /// Creates a user; a taken name or Discord id gives [`super::StoreError::Duplicate`].
    pub async fn create_user(&self, new: &NewUser) -> StoreResult<User> {
        let row = sqlx::query(&format!(
            "INSERT INTO users (name, role, site, discord_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
        ))
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(new.site.as_deref())
        .bind(new.discord_id.as_deref())
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        user(&row)
    }

    /// A user by id.
    pub async fn user(&self, id: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// A user by display name (case-insensitive).
    pub async fn user_by_name(&self, name: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE LOWER(name) = LOWER($1)"))
            .bind(name.trim())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// A user by Discord id.
    pub async fn user_by_discord(&self, discord_id: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE discord_id = $1"))
            .bind(discord_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user).transpose()
    }

    /// Updates the role of a user (Discord roles are authoritative for Discord users).
    pub async fn set_user_role(&self, id: i64, role: crate::core::roles::Role) -> StoreResult<()> {
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users ORDER BY name")).fetch_all(&self.pool).await?;
        rows.iter().map(user).collect()
    }
}
