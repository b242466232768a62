//! `svp users`: create and list users, set passwords; `svp tokens`: API bearer tokens.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::app;
use crate::config::Settings;
use crate::core::roles::Role;
use crate::store::NewUser;

#[derive(Debug, Subcommand)]
pub(super) enum UsersCommand {
    /// Create a user.
    Add {
        /// Display name (unique); also the login name on the web.
        name: String,
        /// staff, expert or manager.
        #[arg(long)]
        role: Role,
        /// Site (centre or service).
        #[arg(long)]
        site: Option<String>,
        /// Discord user id, to link their Discord account.
        #[arg(long)]
        discord_id: Option<String>,
        /// Read a web password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's web password, read from the first line of standard input (ends their
    /// open sessions).
    Passwd {
        /// The user's name.
        name: String,
    },
    /// List users.
    List {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum TokensCommand {
    /// Create a token acting as a user; the token is printed once, on the last line.
    Create {
        /// The user the token acts as.
        #[arg(long = "as")]
        user: String,
        /// Days until it expires (never, when absent).
        #[arg(long)]
        expires: Option<u32>,
    },
    /// Revoke a token by id.
    Revoke {
        /// Token id (from `svp tokens list`).
        id: i64,
    },
    /// List tokens (never their secret).
    List {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub(super) async fn run(settings: &Settings, command: UsersCommand) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    match command {
        UsersCommand::Add { name, role, site, discord_id, password_stdin, json } => {
            let password = if password_stdin { Some(read_password()?) } else { None };
            if let Some(p) = &password {
                crate::core::accounts::check_password(p)?;
            }
            let user = service.add_user(NewUser { name, role, site, discord_id }).await?;
            if let Some(password) = password {
                service.set_password(&user.name, &password).await?;
            }
            if json {
                super::print_json(&user)?;
            } else {
                println!("user {} created: {} ({})", user.id, user.name, user.role);
            }
        }
        UsersCommand::Passwd { name } => {
            let password = read_password()?;
            let user = service.set_password(&name, &password).await?;
            println!("password set for {} (open sessions ended)", user.name);
        }
        UsersCommand::List { json } => {
            let users = service.store().list_users().await?;
            if json {
                super::print_json(&users)?;
            } else {
                for u in users {
                    println!("{:>4}  {:<24} {:<8} {}", u.id, u.name, u.role.as_str(), u.site.unwrap_or_default());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn tokens(settings: &Settings, command: TokensCommand) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    match command {
        TokensCommand::Create { user, expires } => {
            let (id, token) = service.create_api_token(&user, expires).await?;
            let until = expires.map(|d| format!("{d} days")).unwrap_or_else(|| "until revoked".into());
            println!("token {id} for {user}, valid {until}; keep it secret, it is shown only once:");
            println!("{token}");
        }
        TokensCommand::Revoke { id } => {
            if service.store().revoke_api_token(id).await? {
                println!("token {id} revoked");
            } else {
                eprintln!("no live token {id}");
                return Ok(ExitCode::from(1));
            }
        }
        TokensCommand::List { json } => {
            let tokens = service.store().api_tokens().await?;
            if json {
                super::print_json(&tokens)?;
            } else {
                for t in tokens {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "live" };
                    println!("{:>4}  {:<24} {state}", t.id, t.user_name);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
