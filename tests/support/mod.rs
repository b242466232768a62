//! Test helpers: a service on a fresh SQLite file or a fresh PostgreSQL database, and a fake
//! Discord.

#![allow(dead_code)]

pub mod fake_discord;
pub mod process;
pub mod webdriver;

use std::path::Path;

use sqlx::Connection;
use svp::config::{Secret, Settings};
use svp::core::Service;
use svp::core::roles::Role;
use svp::store::{NewUser, User};

/// Settings for tests: the shipped knowledge, a temp data dir, a generous rate limit.
pub fn settings(dir: &Path, database_url: &str) -> Settings {
    let mut s = Settings {
        data_dir: dir.to_path_buf(),
        knowledge_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge"),
        database_url: Secret::new(database_url),
        ..Default::default()
    };
    s.limits.asks_per_minute = 10_000;
    s
}

/// A throw-away data directory and database on one engine.
pub struct Target {
    pub engine: &'static str,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl Target {
    /// A new SQLite file.
    pub fn sqlite() -> Target {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("svp.db").display());
        Target { engine: "sqlite", url, dir }
    }

    /// A new PostgreSQL database, or `None` (with a message) when `SVP_TEST_POSTGRES_URL` is
    /// not set. With `SVP_REQUIRE_POSTGRES=1` (CI), a missing or unreachable server fails the
    /// test instead of skipping it.
    pub async fn postgres() -> Option<Target> {
        let required = std::env::var("SVP_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let Ok(base) = std::env::var("SVP_TEST_POSTGRES_URL") else {
            assert!(!required, "SVP_REQUIRE_POSTGRES=1 but SVP_TEST_POSTGRES_URL is not set");
            eprintln!("skipping PostgreSQL: set SVP_TEST_POSTGRES_URL=postgres://USER@127.0.0.1:5432/DB to run it");
            return None;
        };
        let url = fresh_postgres_database(&base).await;
        Some(Target { engine: "postgres", url, dir: tempfile::tempdir().unwrap() })
    }

    /// SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<Target> {
        let mut targets = vec![Target::sqlite()];
        targets.extend(Target::postgres().await);
        targets
    }

    /// The settings of a service on this target.
    pub fn settings(&self) -> Settings {
        settings(self.dir.path(), &self.url)
    }

    /// Opens a service (a process start).
    pub async fn open(&self) -> Service {
        svp::app::open_service(&self.settings(), false, &|_| {}).await.unwrap()
    }
}

/// A service on a target.
pub struct TestEnv {
    pub service: Service,
    pub target: Target,
    pub engine: &'static str,
}

impl TestEnv {
    /// A service on each engine.
    pub async fn all() -> Vec<TestEnv> {
        let mut envs = Vec::new();
        for target in Target::all().await {
            envs.push(TestEnv::on(target).await);
        }
        envs
    }

    /// A service on a target.
    pub async fn on(target: Target) -> TestEnv {
        TestEnv { service: target.open().await, engine: target.engine, target }
    }

    /// Creates a user.
    pub async fn user(&self, name: &str, role: Role) -> User {
        create_user(&self.service, name, role).await
    }
}

/// Creates a user with a test site.
pub async fn create_user(service: &Service, name: &str, role: Role) -> User {
    service
        .add_user(NewUser { name: name.into(), role, site: Some("CPH Test".into()), discord_id: None })
        .await
        .unwrap()
}

/// Creates a uniquely named database next to the one in `base` and returns its URL.
async fn fresh_postgres_database(base: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at SVP_TEST_POSTGRES_URL: {e}"));
    drop_stale_databases(&mut conn).await;
    // Tests of one process run on parallel threads and the clock can give two of them the same
    // reading: a per-process counter keeps the names apart.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = format!(
        "svp_test_{}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() % 1_000_000_000_000,
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    conn.close().await.ok();
    let without_query = base.split('?').next().unwrap();
    let prefix = &without_query[..without_query.rfind('/').expect("database URL has a path")];
    format!("{prefix}/{name}")
}

/// Drops test databases left by earlier test processes that are no longer running.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'svp_test_%'")
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    for (name,) in names {
        let pid = name.trim_start_matches("svp_test_").split('_').next().unwrap_or_default();
        if !pid.is_empty() && !Path::new("/proc").join(pid).exists() {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut *conn).await;
        }
    }
}
