//! Discord accounts to SVP users; configured Discord role ids to SVP roles.

use serenity::all::RoleId;

use super::Data;
use crate::config::DiscordSettings;
use crate::core::DeskResult;
use crate::core::roles::Role;
use crate::store::User;

/// The SVP role of a guild member from their Discord roles; `None` when the roles are unknown
/// (direct messages), so that the stored role is kept.
pub(super) fn role_of(settings: &DiscordSettings, roles: Option<&[RoleId]>) -> Option<Role> {
    let roles = roles?;
    let has = |ids: &[u64]| roles.iter().any(|r| ids.contains(&r.get()));
    Some(if has(&settings.manager_role_ids) {
        Role::Manager
    } else if has(&settings.expert_role_ids) {
        Role::Expert
    } else {
        Role::Staff
    })
}

/// The SVP user behind a Discord user. Outside the guild (direct messages) Discord gives no
/// roles: the stored role is kept in the database, but the user acts as staff there, so that a
/// role removed on the server stops working at once (expert and manager commands say to use
/// them on the server).
pub(super) async fn user(data: &Data, who: &serenity::all::User, roles: Option<&[RoleId]>) -> DeskResult<User> {
    let name = who.global_name.clone().unwrap_or_else(|| who.name.clone());
    let mut user = data.service.discord_user(&who.id.to_string(), &name, role_of(&data.settings, roles)).await?;
    if roles.is_none() {
        user.role = Role::Staff;
    }
    Ok(user)
}

/// The refusal of an expert or manager command outside the guild.
pub(super) const GUILD_ONLY: &str = "Dans un message privé, vos rôles ne peuvent pas être vérifiés : utilisez cette commande sur le serveur.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_from_configured_ids() {
        let settings = DiscordSettings { expert_role_ids: vec![10], manager_role_ids: vec![20], ..Default::default() };
        assert_eq!(role_of(&settings, None), None);
        assert_eq!(role_of(&settings, Some(&[])), Some(Role::Staff));
        assert_eq!(role_of(&settings, Some(&[RoleId::new(10)])), Some(Role::Expert));
        assert_eq!(role_of(&settings, Some(&[RoleId::new(10), RoleId::new(20)])), Some(Role::Manager));
        assert_eq!(role_of(&settings, Some(&[RoleId::new(99)])), Some(Role::Staff));
    }
}
