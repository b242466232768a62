//! The errors of service operations, with French messages users can act on.

use super::question::TextError;
use super::tickets::Refusal;
use crate::store::StoreError;

/// Why an operation did not happen. Every variant but [`DeskError::Unavailable`] is the user's
/// to fix; `Unavailable` is ours (database down, index broken) and is logged.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The text sent is unusable.
    #[error("{0}")]
    Invalid(#[from] TextError),
    /// The ticket state machine refuses.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// Unknown ticket, question, user or answer.
    #[error("{0}")]
    NotFound(String),
    /// Too many questions in a minute.
    #[error("Vous avez posé beaucoup de questions en peu de temps (limite : {0} par minute). Merci de patienter une minute avant la suivante.")]
    RateLimited(u32),
    /// Not logged in, or the session, link or token is unknown or has expired.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed logins for this account or from this address.
    #[error("Trop de tentatives de connexion échouées. Patientez {0} minutes avant de réessayer.")]
    TooManyAttempts(i64),
    /// Something changed concurrently too many times in a row.
    #[error("Ce ticket vient d'être modifié par quelqu'un d'autre : rechargez-le et réessayez.")]
    Busy,
    /// The database or the index failed.
    #[error("Le service est momentanément indisponible ; votre demande n'a pas été enregistrée. Réessayez dans quelques instants.")]
    Unavailable(#[source] anyhow::Error),
}

impl DeskError {
    /// A stable code for JSON and HTTP.
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::Invalid(e) => e.code(),
            DeskError::Refused(Refusal::Forbidden(_)) | DeskError::Forbidden(_) => "forbidden",
            DeskError::Refused(Refusal::TakenBy { .. }) => "taken",
            DeskError::Refused(Refusal::Invalid(_)) => "invalid_transition",
            DeskError::NotFound(_) => "not_found",
            DeskError::RateLimited(_) => "rate_limited",
            DeskError::Busy => "busy",
            DeskError::Unauthenticated(_) => "unauthenticated",
            DeskError::TooManyAttempts(_) => "too_many_attempts",
            DeskError::Unavailable(_) => "unavailable",
        }
    }

    /// Whether the fault is ours rather than the user's.
    pub fn is_internal(&self) -> bool {
        matches!(self, DeskError::Unavailable(_))
    }
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => DeskError::Busy,
            StoreError::Duplicate(what) => DeskError::Forbidden(format!("Cette valeur existe déjà ({what}).")),
            StoreError::Database(e) => DeskError::Unavailable(e),
        }
    }
}

/// Result of service operations.
pub type DeskResult<T> = Result<T, DeskError>;
