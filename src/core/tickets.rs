//! The ticket lifecycle as a pure state machine:
//! `open → claimed → answered → closed`, with `reopen`; `clarify` puts a ticket in `waiting`
//! until the asker replies; `merge` marks a duplicate of another ticket.
//!
//! [`check`] decides whether an actor may apply an action to a ticket and what follows, or
//! refuses with a French message. The store then applies the change atomically, conditioned on
//! the ticket's version, so that two concurrent actions cannot both succeed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::roles::Role;

/// Where a ticket is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    /// Waiting for an expert.
    Open,
    /// An expert has it.
    Claimed,
    /// The expert asked the asker a question and waits for the reply.
    Waiting,
    /// Answered; the asker was notified.
    Answered,
    /// Done.
    Closed,
    /// A duplicate, merged into another ticket whose answer it shares.
    Merged,
}

impl TicketStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::Open,
        TicketStatus::Claimed,
        TicketStatus::Waiting,
        TicketStatus::Answered,
        TicketStatus::Closed,
        TicketStatus::Merged,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Claimed => "claimed",
            TicketStatus::Waiting => "waiting",
            TicketStatus::Answered => "answered",
            TicketStatus::Closed => "closed",
            TicketStatus::Merged => "merged",
        }
    }

    /// French label for users.
    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::Open => "ouvert",
            TicketStatus::Claimed => "pris en charge",
            TicketStatus::Waiting => "en attente de précision",
            TicketStatus::Answered => "répondu",
            TicketStatus::Closed => "fermé",
            TicketStatus::Merged => "fusionné (doublon)",
        }
    }

    /// Still needs an expert's answer.
    pub fn is_pending(self) -> bool {
        matches!(self, TicketStatus::Open | TicketStatus::Claimed | TicketStatus::Waiting)
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TicketStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TicketStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown ticket status `{s}` (expected open, claimed, waiting, answered, closed or merged)"))
    }
}

/// Something someone does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An expert takes the ticket.
    Claim,
    /// The expert who has it gives it back to the queue.
    Release,
    /// An expert asks the asker for a precision.
    Clarify,
    /// The asker (or a follower) replies to a clarification.
    Reply,
    /// An expert answers.
    Answer,
    /// An expert closes the ticket.
    Close,
    /// An expert, or the asker, reopens it.
    Reopen,
    /// An expert marks it as a duplicate of another ticket.
    Merge,
}

impl Action {
    /// The event name in the audit trail.
    pub fn event(self) -> &'static str {
        match self {
            Action::Claim => "claimed",
            Action::Release => "released",
            Action::Clarify => "clarification_requested",
            Action::Reply => "asker_replied",
            Action::Answer => "answered",
            Action::Close => "closed",
            Action::Reopen => "reopened",
            Action::Merge => "merged",
        }
    }
}

/// The facts [`check`] needs about a ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketState<'a> {
    /// Ticket id (for messages).
    pub id: i64,
    /// Current status.
    pub status: TicketStatus,
    /// Expert who has it.
    pub assignee: Option<(i64, &'a str)>,
    /// Whether the actor is the asker or a follower of this ticket.
    pub actor_follows: bool,
    /// Whether the actor explicitly overrides another expert's claim (closing or merging a
    /// ticket someone else holds; recorded in the history).
    pub override_claim: bool,
}

/// Who acts.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// User id.
    pub id: i64,
    /// Display name.
    pub name: &'a str,
    /// Role.
    pub role: Role,
}

/// The state after an allowed action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Next {
    /// New status.
    pub status: TicketStatus,
    /// New assignee.
    pub assignee: Option<i64>,
}

/// Why an action is refused (French, polite, says what to do instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor's role does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// Another expert has the ticket.
    #[error("Le ticket #{ticket} est déjà pris en charge par {by}.")]
    TakenBy {
        /// Ticket id.
        ticket: i64,
        /// Display name of the expert who has it.
        by: String,
    },
    /// Not possible in the ticket's current status.
    #[error("{0}")]
    Invalid(String),
}

/// The refusal shown to someone who is not an expert.
pub fn expert_only_message(role: Role) -> String {
    format!(
        "Cette action est réservée aux experts. Votre rôle ({}) permet de poser des questions et de suivre vos demandes.",
        role.label()
    )
}

/// Decides whether `actor` may apply `action` to `ticket`, and what follows.
pub fn check(ticket: &TicketState<'_>, actor: &Actor<'_>, action: Action) -> Result<Next, Refusal> {
    use TicketStatus::*;
    let id = ticket.id;
    let expert_only = || Refusal::Forbidden(expert_only_message(actor.role));
    let mine = ticket.assignee.is_some_and(|(a, _)| a == actor.id);
    let taken_by_other = || match ticket.assignee {
        Some((a, name)) if a != actor.id => Some(Refusal::TakenBy { ticket: id, by: name.to_string() }),
        _ => None,
    };
    let status = ticket.status;
    let label = status.label();
    // A claimed ticket always has an assignee; should the data say otherwise, refuse rather than panic.
    let held = || taken_by_other().unwrap_or_else(|| Refusal::Invalid(format!("Le ticket #{id} est {label} par quelqu'un d'autre.")));
    match action {
        Action::Claim => {
            if !actor.role.can_work_tickets() {
                return Err(expert_only());
            }
            match status {
                Open => Ok(Next { status: Claimed, assignee: Some(actor.id) }),
                Claimed | Waiting if mine => Err(Refusal::Invalid(format!("Vous avez déjà pris en charge le ticket #{id}."))),
                Claimed | Waiting => Err(held()),
                _ => Err(Refusal::Invalid(format!("Le ticket #{id} est {label} : rouvrez-le d'abord s'il faut y revenir."))),
            }
        }
        Action::Release => {
            if !actor.role.can_work_tickets() {
                return Err(expert_only());
            }
            match status {
                Claimed | Waiting if mine => Ok(Next { status: Open, assignee: None }),
                Claimed | Waiting => Err(held()),
                _ => Err(Refusal::Invalid(format!("Le ticket #{id} n'est pas pris en charge (statut : {label})."))),
            }
        }
        Action::Clarify | Action::Answer => {
            if !actor.role.can_work_tickets() {
                return Err(expert_only());
            }
            if let Some(refusal) = taken_by_other() {
                return Err(refusal);
            }
            match (action, status) {
                (Action::Clarify, Open | Claimed | Waiting) => Ok(Next { status: Waiting, assignee: Some(actor.id) }),
                (Action::Answer, Open | Claimed | Waiting) => Ok(Next { status: Answered, assignee: Some(actor.id) }),
                (Action::Answer, Answered) => Err(Refusal::Invalid(format!(
                    "Le ticket #{id} a déjà une réponse : modifiez-la (nouvelle version) ou rouvrez le ticket."
                ))),
                _ => Err(Refusal::Invalid(format!("Le ticket #{id} est {label} : rouvrez-le d'abord."))),
            }
        }
        Action::Reply => {
            if !ticket.actor_follows {
                return Err(Refusal::Forbidden(format!(
                    "Seule la personne qui a posé la question du ticket #{id} peut répondre à la demande de précision."
                )));
            }
            match status {
                Waiting => Ok(Next { status: Claimed, assignee: ticket.assignee.map(|(a, _)| a) }),
                _ => Err(Refusal::Invalid(format!(
                    "Aucune précision n'est attendue sur le ticket #{id} (statut : {label})."
                ))),
            }
        }
        Action::Close => {
            if !actor.role.can_work_tickets() {
                return Err(expert_only());
            }
            if let Some(refusal) = taken_by_other().filter(|_| !ticket.override_claim && status.is_pending()) {
                return Err(refusal);
            }
            match status {
                Closed => Err(Refusal::Invalid(format!("Le ticket #{id} est déjà fermé."))),
                Merged => Err(Refusal::Invalid(format!("Le ticket #{id} est un doublon fusionné : fermez le ticket principal."))),
                _ => Ok(Next { status: Closed, assignee: ticket.assignee.map(|(a, _)| a) }),
            }
        }
        Action::Reopen => {
            if !actor.role.can_work_tickets() && !ticket.actor_follows {
                return Err(Refusal::Forbidden(format!(
                    "Vous ne pouvez rouvrir que vos propres demandes ; le ticket #{id} a été ouvert par quelqu'un d'autre."
                )));
            }
            match status {
                Answered | Closed | Merged => Ok(Next { status: Open, assignee: None }),
                _ => Err(Refusal::Invalid(format!("Le ticket #{id} est déjà en cours (statut : {label})."))),
            }
        }
        Action::Merge => {
            if !actor.role.can_work_tickets() {
                return Err(expert_only());
            }
            if let Some(refusal) = taken_by_other().filter(|_| !ticket.override_claim && status.is_pending()) {
                return Err(refusal);
            }
            match status {
                Open | Claimed | Waiting => Ok(Next { status: Merged, assignee: ticket.assignee.map(|(a, _)| a) }),
                _ => Err(Refusal::Invalid(format!(
                    "Le ticket #{id} est {label} : seul un ticket en attente de réponse peut être marqué comme doublon."
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_or_merging_a_ticket_another_expert_holds_needs_an_override() {
        for action in [Action::Close, Action::Merge] {
            let held = ticket(TicketStatus::Claimed, Some((1, "Awa")));
            assert!(matches!(check(&held, &OTHER, action), Err(Refusal::TakenBy { .. })), "{action:?}");
            assert!(check(&held, &EXPERT, action).is_ok(), "{action:?}: the claimer may");
            let forced = TicketState { override_claim: true, ..held };
            assert!(check(&forced, &OTHER, action).is_ok(), "{action:?}: with an override");
        }
    }

    const EXPERT: Actor = Actor { id: 1, name: "Awa", role: Role::Expert };
    const OTHER: Actor = Actor { id: 2, name: "Bruno", role: Role::Expert };
    const STAFF: Actor = Actor { id: 3, name: "Chloé", role: Role::Staff };

    fn ticket(status: TicketStatus, assignee: Option<(i64, &str)>) -> TicketState<'_> {
        TicketState { id: 7, status, assignee, actor_follows: false, override_claim: false }
    }

    #[test]
    fn lifecycle_happy_path() {
        let t = ticket(TicketStatus::Open, None);
        assert_eq!(check(&t, &EXPERT, Action::Claim), Ok(Next { status: TicketStatus::Claimed, assignee: Some(1) }));
        let t = ticket(TicketStatus::Claimed, Some((1, "Awa")));
        assert_eq!(check(&t, &EXPERT, Action::Clarify).unwrap().status, TicketStatus::Waiting);
        assert_eq!(check(&t, &EXPERT, Action::Answer).unwrap().status, TicketStatus::Answered);
        let t = ticket(TicketStatus::Answered, Some((1, "Awa")));
        assert_eq!(check(&t, &EXPERT, Action::Close).unwrap().status, TicketStatus::Closed);
        let t = ticket(TicketStatus::Closed, Some((1, "Awa")));
        assert_eq!(check(&t, &EXPERT, Action::Reopen), Ok(Next { status: TicketStatus::Open, assignee: None }));
    }

    #[test]
    fn only_experts_work_tickets() {
        let t = ticket(TicketStatus::Open, None);
        for action in [Action::Claim, Action::Answer, Action::Clarify, Action::Close, Action::Merge, Action::Release] {
            assert!(matches!(check(&t, &STAFF, action), Err(Refusal::Forbidden(_))), "{action:?}");
        }
        let manager = Actor { role: Role::Manager, ..STAFF };
        assert!(matches!(check(&t, &manager, Action::Claim), Err(Refusal::Forbidden(_))));
    }

    #[test]
    fn second_claim_names_the_owner() {
        let t = ticket(TicketStatus::Claimed, Some((1, "Awa")));
        let err = check(&t, &OTHER, Action::Claim).unwrap_err();
        assert_eq!(err.to_string(), "Le ticket #7 est déjà pris en charge par Awa.");
        assert!(check(&t, &OTHER, Action::Answer).is_err());
        assert!(check(&t, &EXPERT, Action::Claim).unwrap_err().to_string().contains("déjà pris en charge le ticket"));
    }

    #[test]
    fn staff_reopen_only_their_own() {
        let t = ticket(TicketStatus::Answered, Some((1, "Awa")));
        assert!(matches!(check(&t, &STAFF, Action::Reopen), Err(Refusal::Forbidden(_))));
        let own = TicketState { actor_follows: true, ..t };
        assert_eq!(check(&own, &STAFF, Action::Reopen).unwrap().status, TicketStatus::Open);
    }

    #[test]
    fn reply_only_when_waiting_and_only_by_the_asker() {
        let t = TicketState { actor_follows: true, ..ticket(TicketStatus::Waiting, Some((1, "Awa"))) };
        assert_eq!(check(&t, &STAFF, Action::Reply), Ok(Next { status: TicketStatus::Claimed, assignee: Some(1) }));
        let stranger = TicketState { actor_follows: false, ..t };
        assert!(check(&stranger, &STAFF, Action::Reply).is_err());
        let open = TicketState { status: TicketStatus::Open, ..t };
        assert!(check(&open, &STAFF, Action::Reply).is_err());
    }

    #[test]
    fn invalid_transitions_are_refused() {
        for status in TicketStatus::ALL {
            for action in [Action::Claim, Action::Release, Action::Clarify, Action::Reply, Action::Answer, Action::Close, Action::Reopen, Action::Merge] {
                let t = TicketState { id: 7, status, assignee: Some((1, "Awa")), actor_follows: true, override_claim: false };
                if let Ok(next) = check(&t, &EXPERT, action) {
                    // Whatever is allowed leads to a coherent state.
                    assert_eq!(next.status == TicketStatus::Open, next.assignee.is_none() || action == Action::Release);
                }
            }
        }
        assert!(check(&ticket(TicketStatus::Closed, None), &EXPERT, Action::Close).is_err());
        assert!(check(&ticket(TicketStatus::Answered, None), &EXPERT, Action::Merge).is_err());
        assert!(check(&ticket(TicketStatus::Open, None), &EXPERT, Action::Reopen).is_err());
    }
}
