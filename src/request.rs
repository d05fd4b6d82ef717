//! What every door needs from the request it serves, in one place that belongs to no domain:
//! the application state, the session and its signed-in user, the acting user with their
//! permissions, and the client's address.
//!
//! Doors (server functions, form handlers) call these; commands never do — they are handed
//! the state and the actor, so the same command serves a page, a form, the API and the admin.

use crate::accounts::server::{Actor, AuthSession, User};
use crate::error::AppError;
use crate::state::AppState;
use leptos::prelude::*;
use std::net::IpAddr;

/// The request as the client made it (after trusted proxy headers), put into the request's
/// extensions by `web::proxy::client_info`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address (`None` only when the server has no socket info, e.g. in tests).
    pub ip: Option<IpAddr>,
    /// The client reached us (or our TLS-terminating proxy) over HTTPS.
    pub https: bool,
    /// The host name the client asked for, lower-case, without the port.
    pub host: Option<String>,
    /// The port in the client's `Host`, if it named one.
    pub port: Option<u16>,
}

/// The application state provided to every page render and server function.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

pub async fn auth_session() -> Result<AuthSession, AppError> {
    leptos_axum::extract::<AuthSession>().await.map_err(|e| {
        tracing::error!(error = %e, "auth session unavailable (is the auth layer installed?)");
        AppError::Internal
    })
}

/// The signed-in user, or 401.
pub async fn require_login() -> Result<User, AppError> {
    auth_session().await?.user.ok_or(AppError::Unauthenticated)
}

/// The acting user of this request (session cookie) with their permissions; anonymous
/// readers get an actor without a user.
pub async fn actor() -> Result<Actor, AppError> {
    let auth = auth_session().await?;
    let state = app_state()?;
    Actor::for_user(&state, auth.user).await
}

/// The client's address for rate limiting: the socket peer, or the address a trusted proxy
/// forwarded (resolved by `web::proxy::client_info`).
pub fn client_ip() -> String {
    use_context::<http::request::Parts>()
        .map(|parts| client_ip_of(&parts.extensions))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// [`client_ip`] from a request's extensions (axum handlers and middleware).
pub fn client_ip_of(extensions: &http::Extensions) -> String {
    let resolved = extensions.get::<ClientInfo>().and_then(|info| info.ip);
    resolved
        .or_else(|| {
            extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip())
        })
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Signs `user` in on this browser session with a fresh session id, whatever the session held
/// before (an anonymous session, another user's, or this user's before a password change):
/// a session id known before sign-in is worth nothing after it. Every cookie sign-in (password,
/// sign-up, social, password change) goes through here.
pub async fn start_session(auth: &mut AuthSession, user: &User) -> Result<(), AppError> {
    auth.session.cycle_id().await?;
    auth.login(user).await.map_err(|e| {
        tracing::error!(error = %e, "could not store the sign-in in the session");
        AppError::Internal
    })
}

/// Takes a one-time value (a form's refusal, a new token to show once) out of the session.
/// Only a value that is there is removed: tower-sessions counts any removal as a change and
/// would otherwise write the session back to Redis on every visit to the page.
pub async fn take_from_session<T: serde::de::DeserializeOwned>(
    session: &tower_sessions::Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    let value = session.get::<T>(key).await?;
    if value.is_some() {
        session.remove::<serde_json::Value>(key).await?;
    }
    Ok(value)
}
