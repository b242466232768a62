//! `svp users`: create and list users.

use std::process::ExitCode;

use clap::Subcommand;

use crate::app;
use crate::config::Settings;
use crate::core::roles::Role;
use crate::store::NewUser;

#[derive(Debug, Subcommand)]
pub(super) enum UsersCommand {
    /// Create a user.
    Add {
        /// Display name (unique).
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
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List users.
    List {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn run(settings: &Settings, command: UsersCommand) -> anyhow::Result<ExitCode> {
    let service = app::open_service(settings, false, &|_| {}).await?;
    match command {
        UsersCommand::Add { name, role, site, discord_id, json } => {
            let user = service.add_user(NewUser { name, role, site, discord_id }).await?;
            if json {
                super::print_json(&user)?;
            } else {
                println!("user {} created: {} ({})", user.id, user.name, user.role);
            }
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
