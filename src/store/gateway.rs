//! The Discord gateway role: one instance holds it. On PostgreSQL it is a session advisory
//! lock held on a connection of its own (never a pooled one: a pooled connection would keep
//! the lock after going back to the pool); it ends when that connection ends, so an instance
//! that dies frees it at once. On SQLite there is one instance, which always holds it.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::{Engine, Store, StoreResult};

/// The advisory lock key of the gateway role (any constant of the application's choosing).
const GATEWAY_LOCK_KEY: i64 = 0x5356_5047_4154; // "SVPGAT"

/// The gateway role, while held.
pub enum GatewayLock {
    /// SQLite: the only instance.
    Single,
    /// PostgreSQL: the connection that holds the advisory lock.
    Postgres(PgConnection),
}

impl GatewayLock {
    /// Whether the role is still held (the lock's connection answers). When it does not, the
    /// lock is gone: stop the gateway before trying to take the role again.
    pub async fn alive(&mut self) -> bool {
        match self {
            GatewayLock::Single => true,
            GatewayLock::Postgres(conn) => sqlx::query("SELECT 1").execute(&mut *conn).await.is_ok(),
        }
    }

    /// Gives the role up (another instance takes it at its next try).
    pub async fn release(self) {
        if let GatewayLock::Postgres(mut conn) = self {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(GATEWAY_LOCK_KEY).execute(&mut conn).await;
            let _ = conn.close().await;
        }
    }
}

impl Store {
    /// Takes the gateway role if no other instance holds it: `None` when one does.
    pub async fn try_gateway_lock(&self) -> StoreResult<Option<GatewayLock>> {
        if self.engine != Engine::Postgres {
            return Ok(Some(GatewayLock::Single));
        }
        let mut conn = PgConnection::connect(&self.url).await?;
        let (taken,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)").bind(GATEWAY_LOCK_KEY).fetch_one(&mut conn).await?;
        if taken {
            Ok(Some(GatewayLock::Postgres(conn)))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }
}
