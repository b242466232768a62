//! The transport-agnostic core: asking and answering, the decision, redaction, validation.
//! Discord, the web and the CLI only translate to and from these types.
//!
//! Layout: [`question`] (validating user text), [`question_parts`] (the questions of one message), [`redact`] (personal data), [`privacy`]
//! (re-applying newer redaction rules to what is stored), [`links`] (which link targets may be
//! live), [`decision`]
//! (confidence from score features), [`display`] (times in the network's time zone), `case_details` (words of the case, not of the question),
//! [`expert_topics`] (topics never answered alone), [`reply`] (what adapters render), [`bot`] (search and
//! decide), [`indexing`] (what the index holds), [`roles`] and [`tickets`] (who may do what, the
//! ticket state machine), [`notify`] (messages owed), `service` (asking and escalating), `desk`
//! (expert actions), [`learning`] (phrasings learned from confirmed questions), [`reports`] (manager reports, CSV), [`drafts`] (an expert answer proposed as an article), `inbox` (« Mes questions »), `queue` (the experts' queue), `sync` (index catch-up), [`accounts`] (passwords, sessions, login links, API
//! tokens), [`error`].

pub mod bot;
mod case_details;
pub mod decision;
pub mod display;
pub mod accounts;
mod desk;
pub mod drafts;
mod inbox;
mod queue;
pub mod error;
pub mod expert_topics;
pub mod indexing;
pub mod learning;
pub mod links;
pub mod notify;
pub mod privacy;
pub mod question;
pub mod question_parts;
pub mod redact;
mod reminders;
pub mod reply;
pub mod reports;
pub mod roles;
mod service;
mod sync;
pub mod tickets;

pub use bot::{AskError, Bot};
pub use desk::{CloseOptions, TicketDetail};
pub use inbox::MyQuestion;
pub use queue::{Allowed, QueueFilter};
pub use error::{DeskError, DeskResult};
pub use service::{Asked, Confirmed, EscalateMode, Escalation, Service, SimilarTicket};
pub use reply::{AnswerCard, BotReply, Decision, ExpertProvenance, HitSummary, OtherQuestion, Suggestion};
