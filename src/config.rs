//! Typed settings: embedded defaults, then `config/svp.toml` (or the file given by `--config` /
//! `SVP_CONFIG`), then `SVP_*` environment variables, then command-line flags.
//!
//! Nested keys use a double underscore in the environment (`SVP_WEB__BIND=127.0.0.1:9000`);
//! the Discord token has the short form `SVP_DISCORD_TOKEN`. Secrets are wrapped in [`Secret`],
//! which never prints its value.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Default location of the optional configuration file, relative to the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "config/svp.toml";

/// Top-level keys of [`Settings`], the only ones read from `SVP_*` variables.
const SETTING_KEYS: &[&str] = &["data_dir", "knowledge_dir", "database_url", "search", "web", "limits", "discord"];

/// A secret value (token, password): shown as `***` by `Debug`, `Display` and `Serialize`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether a value is present.
    pub fn is_set(&self) -> bool {
        !self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() { "***" } else { "(unset)" })
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.is_set() { "***" } else { "" })
    }
}

/// All settings of an SVP process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database and the search index live.
    pub data_dir: PathBuf,
    /// The curated knowledge folder (`knowledge/<theme>/<slug>.md`).
    pub knowledge_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/svp.db`.
    pub database_url: Secret,
    /// Search and answer-or-escalate settings.
    pub search: SearchSettings,
    /// The web UI and JSON API.
    pub web: WebSettings,
    /// Limits on what users may send.
    pub limits: LimitSettings,
    /// The Discord bot (started only when a token is set).
    pub discord: DiscordSettings,
    /// Personal-data redaction.
    pub privacy: PrivacySettings,
    /// The network's time zone (IANA name): times shown to people are in it; storage is UTC.
    pub time_zone: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            knowledge_dir: PathBuf::from("knowledge"),
            database_url: Secret::default(),
            search: SearchSettings::default(),
            web: WebSettings::default(),
            limits: LimitSettings::default(),
            discord: DiscordSettings::default(),
            privacy: PrivacySettings::default(),
            time_zone: "Europe/Paris".into(),
        }
    }
}

/// Thresholds of the answer-or-escalate decision (see `core::decision`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// Minimum confidence in [0,1] for the bot to answer instead of escalating.
    pub answer_threshold: f64,
    /// Minimum confidence in [0,1] for the bot, when it does not answer, to ask « Votre
    /// question porte-t-elle sur … ? » (at most `answer_threshold`).
    pub suggest_threshold: f64,
    /// How many alternatives an answer lists ("voir aussi").
    pub alternatives: usize,
    /// Public base URL used to build links to articles (e.g. `https://svp.example.org`).
    pub public_url: String,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self { answer_threshold: 0.5, suggest_threshold: 0.3, alternatives: 3, public_url: "http://127.0.0.1:8080".into() }
    }
}

/// The web server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// Address to bind; loopback by default.
    pub bind: String,
    /// Whether `svp serve` starts the web server.
    pub enabled: bool,
    /// Whether the session cookie is marked `Secure` (set it when the site is served over TLS,
    /// behind a reverse proxy).
    pub secure_cookies: bool,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: u32,
    /// Hours after login after which a session ends, however active.
    pub session_max_hours: u32,
    /// Minutes a one-time login link (Discord `/connexion`) stays valid.
    pub login_link_minutes: u32,
    /// Addresses of reverse proxies in front of SVP (e.g. `["127.0.0.1"]` behind Caddy or nginx
    /// on the same machine). From these, the client's address is read from `X-Forwarded-For`
    /// (for the per-address login limit); from anyone else, the header is ignored.
    pub trusted_proxies: Vec<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            enabled: true,
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_hours: 12,
            login_link_minutes: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Personal-data redaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Public phone numbers kept in messages (switchboards of prefectures, CAF, partners), in any
    /// format (`01 45 67 89 10`, `+33 1 45 67 89 10`). Short service numbers (115, 3919…) and
    /// French 08 numbers are always kept. A number that is not a valid phone number is refused
    /// at start-up.
    pub public_numbers: Vec<String>,
}

/// Limits on user input.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Longest question accepted, in characters; longer ones are refused, never cut.
    pub max_question_chars: usize,
    /// Longest expert answer accepted, in characters.
    pub max_answer_chars: usize,
    /// Questions a user may ask per minute before being politely refused.
    pub asks_per_minute: u32,
    /// Days a message waits for someone no chat channel can reach (no Discord account) to read
    /// it on the web before it expires.
    pub web_message_retention_days: u32,
    /// Hours a ticket may wait for an expert (nobody took it, or taken and unanswered) before
    /// the experts' channel is reminded of it; the reminder comes at most once per this delay,
    /// whatever the number of instances. 0: no reminders.
    pub remind_experts_after_hours: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self { max_question_chars: 2000, max_answer_chars: 20_000, asks_per_minute: 10, web_message_retention_days: 90, remind_experts_after_hours: 24 }
    }
}

/// The Discord adapter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordSettings {
    /// Bot token; only ever from `SVP_DISCORD_TOKEN` or an uncommitted `config/svp.toml`.
    pub token: Secret,
    /// Guild where slash commands are registered (global registration when unset).
    pub guild_id: Option<u64>,
    /// Channels where a mention of the bot is taken as a question.
    pub help_channel_ids: Vec<u64>,
    /// Channel where ticket cards are posted for experts.
    pub experts_channel_id: Option<u64>,
    /// Channel for managers' digests.
    pub managers_channel_id: Option<u64>,
    /// Discord role ids whose members are experts.
    pub expert_role_ids: Vec<u64>,
    /// Discord role ids whose members are managers.
    pub manager_role_ids: Vec<u64>,
    /// Override of Discord's API base (`http://127.0.0.1:PORT`), used by tests.
    pub api_base_url: Option<String>,
    /// Seconds a sender's claim on an outbox message lasts before another instance may retry
    /// it (when the sender died mid-way); default 60. Discord's nonce check keeps a retry from
    /// posting a second copy.
    pub outbox_lease_seconds: Option<u32>,
}

impl DiscordSettings {
    /// The outbox lease, in milliseconds (`outbox_lease_seconds`, default 60 s, at least 1 s).
    pub fn outbox_lease_ms(&self) -> i64 {
        i64::from(self.outbox_lease_seconds.unwrap_or(60).max(1)) * 1000
    }
}

/// Where settings come from, besides the defaults.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// Explicit configuration file (`--config`); when set it must exist.
    pub config_file: Option<PathBuf>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--knowledge`.
    pub knowledge_dir: Option<PathBuf>,
    /// `--database-url`.
    pub database_url: Option<String>,
}

impl Settings {
    /// Loads defaults, the configuration file, the environment and the overrides, in that order.
    pub fn load(overrides: &Overrides) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match &overrides.config_file {
            Some(path) => {
                anyhow::ensure!(path.exists(), "configuration file {} does not exist", path.display());
                figment = figment.merge(Toml::file_exact(path));
            }
            None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        }
        figment = figment.merge(
            Env::prefixed("SVP_")
                .map(|key| match key.as_str().to_ascii_lowercase().as_str() {
                    "discord_token" => "discord.token".into(),
                    other => other.replace("__", ".").into(),
                })
                // Other SVP_* variables (SVP_LOG, SVP_CONFIG, test settings) are not settings.
                .filter(|key| {
                    let top = key.as_str().split('.').next().unwrap_or_default();
                    SETTING_KEYS.contains(&top)
                }),
        );
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        if let Some(dir) = &overrides.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(dir) = &overrides.knowledge_dir {
            settings.knowledge_dir = dir.clone();
        }
        if let Some(url) = &overrides.database_url {
            settings.database_url = Secret::new(url.clone());
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Rejects values that cannot work, with a message that says which key to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        let t = self.search.answer_threshold;
        anyhow::ensure!((0.0..=1.0).contains(&t), "search.answer_threshold must be within 0..=1, got {t}");
        let s = self.search.suggest_threshold;
        anyhow::ensure!((0.0..=t).contains(&s), "search.suggest_threshold must be within 0..=search.answer_threshold, got {s}");
        anyhow::ensure!(self.limits.max_question_chars > 0, "limits.max_question_chars must be positive");
        anyhow::ensure!(self.limits.max_answer_chars > 0, "limits.max_answer_chars must be positive");
        self.time_zone()?;
        Ok(())
    }

    /// The configured time zone.
    pub fn time_zone(&self) -> anyhow::Result<chrono_tz::Tz> {
        self.time_zone
            .parse()
            .map_err(|_| anyhow::anyhow!("time_zone: « {} » is not an IANA time zone (e.g. Europe/Paris)", self.time_zone))
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        if self.database_url.is_set() {
            self.database_url.expose().to_string()
        } else {
            format!("sqlite://{}", self.data_dir.join("svp.db").display())
        }
    }

    /// Directory of the search index.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// Directory of the knowledge base.
    pub fn knowledge_dir(&self) -> &Path {
        &self.knowledge_dir
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("abc.def");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        assert_eq!(s.expose(), "abc.def");
        let settings = Settings { discord: DiscordSettings { token: s, ..Default::default() }, ..Default::default() };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("abc.def"), "{printed}");
    }

    #[test]
    fn default_database_is_sqlite_in_data_dir() {
        let settings = Settings { data_dir: "/tmp/x".into(), ..Default::default() };
        assert_eq!(settings.database_url(), "sqlite:///tmp/x/svp.db");
    }

    #[test]
    fn environment_layers_over_file_and_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("svp.toml", "data_dir = \"from-file\"\n[web]\nbind = \"127.0.0.1:9999\"\n")?;
            jail.set_env("SVP_WEB__BIND", "127.0.0.1:7000");
            jail.set_env("SVP_DISCORD_TOKEN", "tok");
            jail.set_env("SVP_LOG", "debug");
            jail.set_env("SVP_SOMETHING_ELSE", "ignored");
            let overrides = Overrides { config_file: Some("svp.toml".into()), ..Default::default() };
            let s = Settings::load(&overrides).map_err(|e| e.to_string())?;
            assert_eq!(s.data_dir, PathBuf::from("from-file"));
            assert_eq!(s.web.bind, "127.0.0.1:7000");
            assert_eq!(s.discord.token.expose(), "tok");
            assert_eq!(s.limits.max_question_chars, 2000);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("svp.toml", "[serch]\nanswer_threshold = 0.3\n")?;
            let overrides = Overrides { config_file: Some("svp.toml".into()), ..Default::default() };
            let err = Settings::load(&overrides).unwrap_err().to_string();
            assert!(err.contains("serch"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_annotated_example_is_valid() {
        // Inside a jail: serialised with the tests that set environment variables.
        figment::Jail::expect_with(|_| {
            let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/svp.example.toml");
            let overrides = Overrides { config_file: Some(example), ..Default::default() };
            let s = Settings::load(&overrides).map_err(|e| e.to_string())?;
            assert_eq!(s.search.answer_threshold, 0.5);
            assert_eq!(s.limits.max_question_chars, 2000);
            Ok(())
        });
    }

    #[test]
    fn bad_threshold_is_refused() {
        let mut settings = Settings::default();
        settings.search.answer_threshold = 1.5;
        let err = settings.validate().unwrap_err().to_string();
        assert!(err.contains("answer_threshold"), "{err}");
    }
}
