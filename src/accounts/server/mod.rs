//! Server-only account code: queries, the axum-login backend, passwords, rate limits and the
//! authorization helpers every server function uses.

pub mod api_tokens;
pub mod backend;
pub mod emails;
pub mod follows;
pub mod oauth;
pub mod password;
pub mod rate_limit;
pub mod registration;
pub mod repo;
pub mod sign_in;
pub mod social;
pub mod tokens;

pub use backend::{AuthSession, Backend, Credentials};
pub use repo::User;

use crate::error::AppError;
use crate::state::AppState;
use axum_login::AuthzBackend;
use leptos::prelude::*;

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

/// The signed-in user if they hold `permission`; 401 when anonymous, 403 otherwise.
pub async fn require_permission(permission: &str) -> Result<User, AppError> {
    let auth = auth_session().await?;
    let user = auth.user.clone().ok_or(AppError::Unauthenticated)?;
    if auth.backend.has_perm(&user, permission.to_owned()).await? {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
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
    let resolved = extensions
        .get::<crate::web::proxy::ClientInfo>()
        .and_then(|info| info.ip);
    resolved
        .or_else(|| {
            extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip())
        })
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}
