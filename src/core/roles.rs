//! Roles and what each may do. Checked here, in the core, whatever the transport.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user is to SVP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Field staff: ask questions, escalate and follow their own tickets.
    Staff,
    /// Experts: everything staff do, plus answer and curate.
    Expert,
    /// Managers: everything staff do, plus reports.
    Manager,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Expert => "expert",
            Role::Manager => "manager",
        }
    }

    /// May claim, answer, clarify, merge and close tickets, and edit or retire answers.
    pub fn can_work_tickets(self) -> bool {
        self == Role::Expert
    }

    /// May see reports and statistics.
    pub fn can_see_reports(self) -> bool {
        self == Role::Manager
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Staff => "intervenant·e",
            Role::Expert => "expert·e",
            Role::Manager => "responsable",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "staff" => Ok(Role::Staff),
            "expert" => Ok(Role::Expert),
            "manager" => Ok(Role::Manager),
            other => Err(format!("unknown role `{other}` (expected staff, expert or manager)")),
        }
    }
}
