//! Live updates without reload: a server-sent-events stream that says `change` whenever a
//! fingerprint of what the page shows changes (polled every [`POLL`]); the page's script then
//! fetches the page again and swaps its live region. Polling the database (not an in-process
//! channel) keeps every instance in step with changes made through any other.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;

/// How often the fingerprint is read.
pub const POLL: Duration = Duration::from_secs(2);

/// One reading of the fingerprint.
pub enum Poll {
    /// The current value.
    Value(String),
    /// Could not read it now (database hiccup): try again at the next poll.
    Retry,
    /// The session ended: close the stream.
    End,
}

/// A stream of `change` events: one each time `fingerprint` returns a value different from the
/// previous one (the first value is the baseline), until it returns [`Poll::End`].
pub fn changes<F, Fut>(fingerprint: F) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Poll> + Send,
{
    let stream = futures_util::stream::unfold((fingerprint, None::<String>), |(fingerprint, mut last)| async move {
        loop {
            if last.is_some() {
                tokio::time::sleep(POLL).await;
            }
            let now = match fingerprint().await {
                Poll::Value(v) => v,
                Poll::Retry => {
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                Poll::End => return None,
            };
            match last.replace(now.clone()) {
                Some(previous) if previous != now => {
                    return Some((Ok(Event::default().event("change").data(now)), (fingerprint, last)));
                }
                _ => {}
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// [`changes`] of `fingerprint` for a logged-in user, ending when the request's credential no
/// longer logs them in (logout, expiry, revoked token). `fingerprint` errors are retried.
pub fn for_session<F, Fut>(
    service: std::sync::Arc<crate::core::Service>,
    user: crate::store::User,
    headers: axum::http::HeaderMap,
    fingerprint: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>>
where
    F: Fn(std::sync::Arc<crate::core::Service>, crate::store::User) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = crate::core::DeskResult<String>> + Send,
{
    let credential = super::session::Credential::of(&headers);
    changes(move || {
        let (service, user, credential, fingerprint) = (service.clone(), user.clone(), credential.clone(), fingerprint.clone());
        async move {
            let Some(credential) = credential else { return Poll::End };
            match credential.still_valid(&service, &user).await {
                Some(true) => fingerprint(service, user).await.map_or(Poll::Retry, Poll::Value),
                Some(false) => Poll::End,
                None => Poll::Retry,
            }
        }
    })
}
