//! The `custom_id` of every button, menu and modal the bot sends: what to do, and on what.

use std::fmt;
use std::str::FromStr;

/// A component action, encoded in a `custom_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// "Ça répond" on the answer to a question.
    Helpful(i64),
    /// "Ça ne répond pas".
    Unhelpful(i64),
    /// "Transmettre à un expert" (may propose joining a close ticket).
    Escalate(i64),
    /// Join ticket `.1` with question `.0`.
    Join(i64, i64),
    /// Open a new ticket for the question even though close ones exist.
    NewTicket(i64),
    /// The menu of other articles for a question.
    Alternatives(i64),
    /// "Prendre en charge" on a ticket card.
    Claim(i64),
    /// "Répondre": opens the answer modal.
    Answer(i64),
    /// "Demander une précision": opens the clarification modal.
    Clarify(i64),
    /// "Doublon de…": opens the modal asking for the main ticket.
    Duplicate(i64),
    /// "Fermer".
    Close(i64),
    /// "Répondre" on a clarification request (the asker): opens the reply modal.
    Reply(i64),
    /// The answer modal was submitted.
    AnswerModal(i64),
    /// The clarification modal was submitted.
    ClarifyModal(i64),
    /// The duplicate modal was submitted.
    DuplicateModal(i64),
    /// The asker's reply modal was submitted.
    ReplyModal(i64),
    /// « Oui, voir la réponse » on the bot's « did you mean ».
    ConfirmYes(i64),
    /// « Non, transmettre à un expert » on it.
    ConfirmNo(i64),
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Component::*;
        match self {
            Helpful(q) => write!(f, "svp:yes:{q}"),
            Unhelpful(q) => write!(f, "svp:no:{q}"),
            Escalate(q) => write!(f, "svp:esc:{q}"),
            Join(q, t) => write!(f, "svp:join:{q}:{t}"),
            NewTicket(q) => write!(f, "svp:new:{q}"),
            Alternatives(q) => write!(f, "svp:alt:{q}"),
            Claim(t) => write!(f, "svp:claim:{t}"),
            Answer(t) => write!(f, "svp:answer:{t}"),
            Clarify(t) => write!(f, "svp:clarify:{t}"),
            Duplicate(t) => write!(f, "svp:dup:{t}"),
            Close(t) => write!(f, "svp:close:{t}"),
            Reply(t) => write!(f, "svp:reply:{t}"),
            AnswerModal(t) => write!(f, "svp:m-answer:{t}"),
            ClarifyModal(t) => write!(f, "svp:m-clarify:{t}"),
            DuplicateModal(t) => write!(f, "svp:m-dup:{t}"),
            ReplyModal(t) => write!(f, "svp:m-reply:{t}"),
            ConfirmYes(q) => write!(f, "svp:dym-yes:{q}"),
            ConfirmNo(q) => write!(f, "svp:dym-no:{q}"),
        }
    }
}

impl FromStr for Component {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        use Component::*;
        let mut parts = s.split(':');
        if parts.next() != Some("svp") {
            return Err(());
        }
        let kind = parts.next().ok_or(())?;
        let a: i64 = parts.next().ok_or(())?.parse().map_err(|_| ())?;
        let b: Option<i64> = parts.next().map(str::parse).transpose().map_err(|_| ())?;
        if parts.next().is_some() {
            return Err(());
        }
        Ok(match (kind, b) {
            ("yes", None) => Helpful(a),
            ("no", None) => Unhelpful(a),
            ("esc", None) => Escalate(a),
            ("join", Some(b)) => Join(a, b),
            ("new", None) => NewTicket(a),
            ("alt", None) => Alternatives(a),
            ("claim", None) => Claim(a),
            ("answer", None) => Answer(a),
            ("clarify", None) => Clarify(a),
            ("dup", None) => Duplicate(a),
            ("close", None) => Close(a),
            ("reply", None) => Reply(a),
            ("m-answer", None) => AnswerModal(a),
            ("m-clarify", None) => ClarifyModal(a),
            ("m-dup", None) => DuplicateModal(a),
            ("m-reply", None) => ReplyModal(a),
            ("dym-yes", None) => ConfirmYes(a),
            ("dym-no", None) => ConfirmNo(a),
            _ => return Err(()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_junk() {
        for c in [Component::Helpful(1), Component::Join(3, 4), Component::AnswerModal(9), Component::Close(12), Component::ConfirmYes(5), Component::ConfirmNo(6)] {
            assert_eq!(c.to_string().parse::<Component>(), Ok(c));
        }
        for junk in ["", "svp", "svp:claim", "svp:claim:x", "svp:claim:1:2", "other:claim:1", "svp:join:1"] {
            assert!(junk.parse::<Component>().is_err(), "{junk}");
        }
    }
}
