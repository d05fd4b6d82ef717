//! A provider identity waiting in the session for its owner, and signing in with one.

use super::super::oauth::Identity;
use super::super::repo::{self, User};
use super::super::AuthSession;
use super::links::*;
use crate::accounts::model::SocialProvider;
use crate::error::AppError;
use crate::state::AppState;
use sqlx::PgPool;

/// A provider identity waiting for its owner: to be linked after a password login, or to
/// become an account once the person gives an e-mail address (`/auth/complete`).
pub const PENDING_KEY: &str = "social.pending";
/// A waiting identity older than this is forgotten (a shared computer, a walked-away tab).
const PENDING_MAX_AGE_SECS: i64 = 10 * 60;

/// The identity waiting in the session, and since when.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    identity: Identity,
    since: i64,
}

pub(super) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub(super) async fn keep_pending(auth: &AuthSession, identity: &Identity) -> Result<(), AppError> {
    let pending = Pending {
        identity: identity.clone(),
        since: now(),
    };
    auth.session
        .insert(PENDING_KEY, pending)
        .await
        .map_err(|error| {
            tracing::error!(%error, "cannot keep the pending social identity");
            AppError::Internal
        })
}

/// The identity waiting in this session, if any (and not too old).
pub async fn pending_identity(auth: &AuthSession) -> Option<Identity> {
    auth.session
        .get::<Pending>(PENDING_KEY)
        .await
        .ok()
        .flatten()
        .filter(|p| now() - p.since <= PENDING_MAX_AGE_SECS)
        .map(|p| p.identity)
}

pub async fn forget_pending(auth: &AuthSession) {
    let _ = auth.session.remove::<serde_json::Value>(PENDING_KEY).await;
}

/// After a password login: a waiting identity is linked only when the provider vouched for
/// exactly this account's address (the "log in once to link" case). Any other waiting
/// identity — an X account, another address, someone else's abandoned attempt on a shared
/// computer — is forgotten, never attached to whoever logs in next; X is linked explicitly
/// from the account page instead.
pub async fn link_pending_after_login(
    pool: &PgPool,
    auth: &AuthSession,
    user: &User,
) -> Option<SocialProvider> {
    let identity = pending_identity(auth).await;
    forget_pending(auth).await;
    let identity = identity?;
    let same_address = identity
        .verified_email
        .as_deref()
        .is_some_and(|email| email.eq_ignore_ascii_case(&user.email));
    if !same_address {
        return None;
    }
    match link_identity(pool, user.id, &identity).await {
        Ok(LinkOutcome::Linked | LinkOutcome::AlreadyYours) => Some(identity.provider),
        Ok(_) => None,
        Err(error) => {
            // The login itself succeeded; linking can be done from the account page.
            tracing::error!(%error, user_id = user.id, "could not link the waiting identity");
            None
        }
    }
}

pub async fn log_in(
    state: &AppState,
    auth: &mut AuthSession,
    user: &User,
    provider: SocialProvider,
    subject: &str,
) -> Result<(), AppError> {
    // A fresh session id even when someone else was signed in here (axum-login rotates it
    // only for anonymous sessions), and nothing left waiting from before.
    forget_pending(auth).await;
    crate::request::start_session(auth, user).await?;
    // Bookkeeping only: a failure here must not turn a done login into an error page.
    if let Err(error) = repo::record_login(&state.pool, user.id).await {
        tracing::warn!(%error, "could not record the login time");
    }
    if let Err(error) = sqlx::query!(
        "UPDATE social_accounts SET last_login_at = now() WHERE provider = $1 AND provider_user_id = $2",
        provider.as_str(),
        subject,
    )
    .execute(&state.pool)
    .await
    {
        tracing::warn!(%error, "could not record the social login time");
    }
    tracing::info!(
        user_id = user.id,
        provider = provider.as_str(),
        "social login"
    );
    Ok(())
}
