//! The social sign-in routes: start, callback, link and unlink.

use super::super::oauth::{self, Identity, PendingAuthorization};
use super::super::password::constant_time_eq;
use super::super::repo::{self, User};
use super::super::AuthSession;
use super::links::*;
use super::pending::{keep_pending, log_in, now};
use crate::accounts::login::safe_next;
use crate::accounts::model::SocialProvider;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The started authorization (state, PKCE verifier), until the callback.
const FLOW_KEY: &str = "social.flow";
/// A started flow older than this is refused at the callback.
const FLOW_MAX_AGE_SECS: i64 = 15 * 60;

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn to(path: &str, code: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}social={code}")).into_response()
}

fn session_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "session store unavailable during social sign-in");
    AppError::Internal.into_response()
}

/// `GET /auth/{provider}/start`
pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    auth: AuthSession,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(provider) = SocialProvider::parse(&provider) else {
        return AppError::NotFound.into_response();
    };
    let next = safe_next(query.next.as_deref());
    begin(&state, provider, &auth, next, None).await
}

/// The account page's link/unlink forms: a known provider (404 otherwise) and a signed-in
/// user (else off to log in).
fn account_page_request(
    provider: &str,
    auth: &AuthSession,
) -> Result<(SocialProvider, User), Box<Response>> {
    let provider = SocialProvider::parse(provider)
        .ok_or_else(|| Box::new(AppError::NotFound.into_response()))?;
    let user = auth
        .user
        .clone()
        .ok_or_else(|| Box::new(Redirect::to("/login?next=/account").into_response()))?;
    Ok((provider, user))
}

/// `POST /auth/{provider}/link` (signed in).
pub async fn link(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    auth: AuthSession,
) -> Response {
    let (provider, user) = match account_page_request(&provider, &auth) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    begin(
        &state,
        provider,
        &auth,
        "/account".to_owned(),
        Some(user.id),
    )
    .await
}

async fn begin(
    state: &AppState,
    provider: SocialProvider,
    auth: &AuthSession,
    next: String,
    link_user_id: Option<i64>,
) -> Response {
    let (url, pending) = match oauth::authorize(&state.config, provider, next, link_user_id) {
        Ok(started) => started,
        Err(oauth::OAuthError::NotConfigured(_)) => return to("/login", "not_configured"),
        Err(error) => {
            tracing::error!(%error, provider = provider.as_str(), "cannot start social sign-in");
            return AppError::Internal.into_response();
        }
    };
    if let Err(error) = auth.session.insert(FLOW_KEY, pending).await {
        return session_error(error);
    }
    Redirect::to(&url).into_response()
}

/// `GET /auth/{provider}/callback`
pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    mut auth: AuthSession,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = SocialProvider::parse(&provider) else {
        return AppError::NotFound.into_response();
    };
    // Taken out of the session whatever happens next: each flow answers once.
    let pending: Option<PendingAuthorization> = match auth.session.remove(FLOW_KEY).await {
        Ok(pending) => pending,
        Err(error) => return session_error(error),
    };
    let now = now();
    let Some(pending) = pending.filter(|p| {
        p.provider == provider
            && now - p.started_at <= FLOW_MAX_AGE_SECS
            && query
                .state
                .as_deref()
                .is_some_and(|returned| constant_time_eq(returned.as_bytes(), p.state.as_bytes()))
    }) else {
        tracing::warn!(
            provider = provider.as_str(),
            "social callback without a matching state (forged, replayed or expired)"
        );
        return to("/login", "expired");
    };
    let back = if pending.link_user_id.is_some() {
        "/account"
    } else {
        "/login"
    };
    if query.error.is_some() {
        return to(back, "cancelled");
    }
    let Some(code) = query.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return to(back, "failed");
    };
    let identity = match oauth::identify(&state.config, &pending, code).await {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(%error, provider = provider.as_str(), "social sign-in failed");
            return to(back, "failed");
        }
    };
    match finish(&state, &mut auth, &pending, identity).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn finish(
    state: &AppState,
    auth: &mut AuthSession,
    pending: &PendingAuthorization,
    identity: Identity,
) -> Result<Response, AppError> {
    let pool = &state.pool;
    let signed_in = auth.user.as_ref().map(|u| u.id);
    if let Some(user_id) = pending.link_user_id {
        if signed_in != Some(user_id) {
            return Ok(to("/login", "expired"));
        }
        return Ok(match link_identity(pool, user_id, &identity).await? {
            LinkOutcome::Linked | LinkOutcome::AlreadyYours => to("/account", "linked"),
            LinkOutcome::Taken => to("/account", "taken"),
            LinkOutcome::ProviderAlreadyLinked => to("/account", "already"),
        });
    }
    if let Some(user_id) = linked_user(pool, identity.provider, &identity.subject).await? {
        let Some(user) = repo::find_by_id(pool, user_id).await? else {
            return Ok(to("/login", "failed"));
        };
        if !user.is_active {
            return Ok(to("/login", "inactive"));
        }
        log_in(state, auth, &user, identity.provider, &identity.subject).await?;
        return Ok(Redirect::to(&pending.next).into_response());
    }
    // A signed-in person who signs in with a new identity has proven both: link them.
    if let Some(user_id) = signed_in {
        return Ok(match link_identity(pool, user_id, &identity).await? {
            LinkOutcome::ProviderAlreadyLinked => to("/account", "already"),
            LinkOutcome::Taken => to("/account", "taken"),
            _ => to("/account", "linked"),
        });
    }
    if let Some(email) = identity.verified_email.clone() {
        if repo::find_by_email(pool, &email).await?.is_some() {
            keep_pending(auth, &identity).await?;
            let next = crate::articles::model::percent_encode(&pending.next);
            return Ok(to(&format!("/login?next={next}"), "link_required"));
        }
        let display_name = identity.name.chars().take(80).collect::<String>();
        match create_social_user(
            pool,
            &identity,
            &email,
            true,
            &display_name,
            None,
            &state.config.signup_group,
        )
        .await?
        {
            Created::User(user) => {
                log_in(state, auth, &user, identity.provider, &identity.subject).await?;
                return Ok(Redirect::to("/account?welcome=1").into_response());
            }
            // Taken between the check and the insert: the same rule as above.
            Created::EmailTaken => {
                keep_pending(auth, &identity).await?;
                return Ok(to("/login", "link_required"));
            }
        }
    }
    // No address we can trust (X never gives one): ask for it.
    keep_pending(auth, &identity).await?;
    Ok(Redirect::to("/auth/complete").into_response())
}

/// `POST /auth/{provider}/unlink` (signed in).
pub async fn unlink(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    auth: AuthSession,
) -> Response {
    let (provider, user) = match account_page_request(&provider, &auth) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    match unlink_identity(&state.pool, user.id, provider).await {
        Ok(UnlinkOutcome::Unlinked) => to("/account", "unlinked"),
        Ok(UnlinkOutcome::LastMethod) => to("/account", "last_method"),
        Ok(UnlinkOutcome::NotLinked) => Redirect::to("/account").into_response(),
        Err(error) => error.into_response(),
    }
}
