//! The log-in command: checking a password, with the rate limits that slow down guessing,
//! shared by the login form and the JSON API's `POST /api/users/login`. The door then starts
//! its kind of session (a fresh cookie session, or a JWT).

use super::{rate_limit, repo, Backend, Credentials, User};
use crate::error::AppError;
use crate::state::AppState;
use axum_login::AuthnBackend;

/// The active account `login` (e-mail or username) names, if `password` is right. Too many
/// failures for one account or from one address answer `RateLimited` before any check.
pub async fn attempt(
    state: &AppState,
    client_ip: &str,
    login: String,
    password: String,
) -> Result<Option<User>, AppError> {
    let account_key = state.redis_key(&["rl", "login", "account", &login.to_lowercase()]);
    let ip_key = state.redis_key(&["rl", "login", "ip", client_ip]);
    let account_limit = rate_limit::Limit {
        max: state.config.login_attempts_per_account,
        window_secs: state.config.login_window_secs,
    };
    let ip_limit = rate_limit::Limit {
        max: state.config.login_attempts_per_ip,
        window_secs: state.config.login_window_secs,
    };
    rate_limit::check(&state.redis, &account_key, &account_limit).await?;
    rate_limit::check(&state.redis, &ip_key, &ip_limit).await?;

    let user = Backend::new(state.pool.clone())
        .authenticate(Credentials { login, password })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "authentication failed to run");
            AppError::Internal
        })?;
    match &user {
        None => {
            rate_limit::hit(&state.redis, &account_key, &account_limit).await?;
            rate_limit::hit(&state.redis, &ip_key, &ip_limit).await?;
        }
        Some(user) => {
            rate_limit::reset(&state.redis, &account_key).await?;
            repo::record_login(&state.pool, user.id).await?;
            tracing::info!(user_id = user.id, "password login");
        }
    }
    Ok(user)
}
