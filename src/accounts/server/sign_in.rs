//! The log-in command: checking a password, with the rate limits that slow down guessing,
//! shared by the login form and the JSON API's `POST /api/users/login`. The door then starts
//! its kind of session (a fresh cookie session, or a JWT).
//!
//! The policy (like django-axes' "username and address" mode, plus a site-wide ceiling):
//! - every attempt is counted *before* the password is hashed, atomically, so parallel
//!   guesses can't all slip under a limit;
//! - failures are counted per account *and* client address (`LOGIN_ATTEMPTS_PER_ACCOUNT`,
//!   default 5 per 15 minutes), keyed on the account, so its username and its e-mail share
//!   one counter; a flood from elsewhere doesn't lock the owner out of their own address;
//! - per client address, whatever the account (`LOGIN_ATTEMPTS_PER_IP`, default 30);
//! - per account across all addresses, twenty times the per-address limit: a distributed
//!   flood pauses password logins for that account until the window ends — or until the owner
//!   resets the password (the reset link clears it) or signs in with Google or X.
//!
//! A successful login clears its account-and-address counter and gives back its place in the
//! other two.

use super::{rate_limit, repo, Backend, Credentials, User};
use crate::error::AppError;
use crate::state::AppState;
use axum_login::AuthnBackend;

/// How many accounts' worth of per-address limits one account tolerates from everywhere.
const ACCOUNT_CEILING_FACTOR: u64 = 20;

/// The Redis keys of one account's counters, shared with the password reset that clears them.
pub fn account_counter(state: &AppState, account: &str) -> String {
    state.redis_key(&["rl", "login", "account", account])
}

/// The active account `login` (e-mail or username) names, if `password` is right. Too many
/// attempts answer `RateLimited` before any password is hashed.
pub async fn attempt(
    state: &AppState,
    client_ip: &str,
    login: String,
    password: String,
) -> Result<Option<User>, AppError> {
    let config = &state.config;
    let window_secs = config.login_window_secs;
    // Keyed on the account the login names (its id), not on the string typed.
    let account = match repo::find_by_login(&state.pool, login.trim()).await? {
        Some(user) => format!("user:{}", user.id),
        None => format!("unknown:{}", login.trim().to_lowercase()),
    };
    let per_account = account_counter(state, &account);
    let per_account_and_client = state.redis_key(&["rl", "login", "pair", &account, client_ip]);
    let per_client = state.redis_key(&["rl", "login", "ip", client_ip]);
    let limit = |max: u64| rate_limit::Limit { max, window_secs };
    let counters = [
        (per_client.as_str(), limit(config.login_attempts_per_ip)),
        (
            per_account_and_client.as_str(),
            limit(config.login_attempts_per_account),
        ),
        (
            per_account.as_str(),
            limit(config.login_attempts_per_account * ACCOUNT_CEILING_FACTOR),
        ),
    ];
    for (taken, (key, limit)) in counters.iter().enumerate() {
        if let Err(refused) = rate_limit::take(&state.redis, key, limit).await {
            // A refused attempt costs nothing, so it counts against nobody: the counters it
            // already passed get their place back (the owner's own, above all).
            for (key, _) in &counters[..taken] {
                rate_limit::give_back(&state.redis, key).await?;
            }
            return Err(refused);
        }
    }

    let user = Backend::new(state.pool.clone())
        .authenticate(Credentials { login, password })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "authentication failed to run");
            AppError::from(e)
        })?;
    if let Some(user) = &user {
        rate_limit::reset(&state.redis, &per_account_and_client).await?;
        rate_limit::give_back(&state.redis, &per_client).await?;
        rate_limit::give_back(&state.redis, &per_account).await?;
        repo::record_login(&state.pool, user.id).await?;
        tracing::info!(user_id = user.id, "password login");
    }
    Ok(user)
}
