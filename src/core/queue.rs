//! The experts' queue: pending tickets filtered by status, theme, site, age and assignee,
//! oldest first.

use chrono::{Duration, Utc};
use serde::Deserialize;

use super::error::DeskResult;
use super::service::Service;
use super::tickets::TicketStatus;
use crate::store::{QueueQuery, Ticket, User};

/// What the queue shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueFilter {
    /// Statuses shown; empty means the pending ones (open, claimed, waiting).
    pub statuses: Vec<TicketStatus>,
    /// Theme slug.
    pub theme: Option<String>,
    /// Asker's site.
    pub site: Option<String>,
    /// Only tickets older than this many hours.
    pub older_than_hours: Option<i64>,
    /// Only tickets the viewer holds.
    pub mine: bool,
}

impl Service {
    /// The queue for an expert (or a manager), oldest first: `limit` tickets after skipping
    /// `offset`. Errors: `Forbidden` for staff.
    pub async fn queue(&self, actor: &User, filter: &QueueFilter, offset: usize, limit: usize) -> DeskResult<Vec<Ticket>> {
        if !actor.role.can_see_reports() {
            self.require_expert(actor)?;
        }
        let statuses: Vec<TicketStatus> = if filter.statuses.is_empty() {
            TicketStatus::ALL.into_iter().filter(|s| s.is_pending()).collect()
        } else {
            filter.statuses.clone()
        };
        // Clamped to ten years: an absurd value must not overflow the date arithmetic.
        let cutoff = filter.older_than_hours.map(|h| (Utc::now() - Duration::hours(h.clamp(0, 87_600))).timestamp_millis());
        let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (theme, site) = (blank(&filter.theme), blank(&filter.site));
        let query = QueueQuery {
            statuses: &statuses,
            theme: theme.as_deref(),
            site: site.as_deref(),
            created_before_ms: cutoff,
            assignee: filter.mine.then_some(actor.id),
            offset: i64::try_from(offset).unwrap_or(i64::MAX),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        };
        Ok(self.store.queue_tickets(&query).await?)
    }
}

/// What one user may do to a ticket now (adapters show only these; the core re-checks each
/// action when it is applied).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Allowed {
    /// Take it.
    pub claim: bool,
    /// Give it back to the queue.
    pub release: bool,
    /// Publish the answer (or edit the published one).
    pub answer: bool,
    /// Ask the asker for a precision.
    pub clarify: bool,
    /// Close it.
    pub close: bool,
    /// Reopen it.
    pub reopen: bool,
    /// Mark it as a duplicate.
    pub merge: bool,
    /// Close or merge only by overriding another expert's claim.
    pub r#override: bool,
}

impl Service {
    /// The actions `actor` may take on `ticket` (per [`super::tickets::check`]); an expert may
    /// edit a published answer whatever the ticket's status.
    pub fn allowed(&self, actor: &User, ticket: &Ticket, has_answer: bool) -> Allowed {
        use super::tickets::{Action, Actor, TicketState, check};
        let me = Actor { id: actor.id, name: &actor.name, role: actor.role };
        let state = |override_claim| TicketState {
            id: ticket.id,
            status: ticket.status,
            assignee: ticket.assignee_id.zip(ticket.assignee_name.as_deref()),
            actor_follows: false,
            override_claim,
        };
        let ok = |action, override_claim| check(&state(override_claim), &me, action).is_ok();
        let close_plain = ok(Action::Close, false);
        let merge_plain = ok(Action::Merge, false);
        Allowed {
            claim: ok(Action::Claim, false),
            release: ok(Action::Release, false),
            answer: ok(Action::Answer, false) || (has_answer && actor.role.can_work_tickets()),
            clarify: ok(Action::Clarify, false),
            close: close_plain || ok(Action::Close, true),
            reopen: ok(Action::Reopen, false),
            merge: merge_plain || ok(Action::Merge, true),
            r#override: (!close_plain && ok(Action::Close, true)) || (!merge_plain && ok(Action::Merge, true)),
        }
    }
}
