//! The transport-agnostic core: asking and answering, the decision, redaction, validation.
//! Discord, the web and the CLI only translate to and from these types.
//!
//! Layout: [`question`] (validating user text), [`redact`] (personal data), [`decision`]
//! (confidence from score features), [`reply`] (what adapters render), [`bot`] (search and
//! decide), [`indexing`] (what the index holds).

pub mod bot;
pub mod decision;
pub mod indexing;
pub mod question;
pub mod redact;
pub mod reply;

pub use bot::{AskError, Bot};
pub use reply::{AnswerCard, BotReply, Decision, ExpertProvenance, HitSummary, Suggestion};
