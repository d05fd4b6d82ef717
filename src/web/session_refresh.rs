//! Keeps a signed-in reader's session alive while they use it.
//!
//! tower-sessions saves a session (and renews its expiry) only when its data changes, so
//! with `Expiry::OnInactivity` alone a reader would be signed out 14 days after signing in,
//! however often they came back. Saving on every request would cost a Redis write per page;
//! instead the session records the day it was last renewed and is saved again at most once a
//! day.

use crate::accounts::server::Backend;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Session key: the day (Unix days) the session's expiry was last pushed back.
const RENEWED_ON: &str = "waypost.renewed_on";

pub const SESSION_DAYS: i64 = 14;

fn today() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() / 86_400
}

pub async fn renew_daily(request: Request, next: Next) -> Response {
    let session = request
        .extensions()
        .get::<axum_login::AuthSession<Backend>>()
        .filter(|auth| auth.user.is_some())
        .map(|auth| auth.session.clone());
    if let Some(session) = session {
        let renewed = session.get::<i64>(RENEWED_ON).await.ok().flatten();
        if renewed != Some(today()) {
            // Changing the data marks the session modified: it is saved with a fresh expiry.
            if let Err(error) = session.insert(RENEWED_ON, today()).await {
                tracing::warn!(%error, "could not renew a session");
            }
        }
    }
    next.run(request).await
}
